#ifndef WZ_STATS_EXPORT_H
#define WZ_STATS_EXPORT_H
/* Statistics export (docs/metrics.md, "Export"): a result document of GET /api/v1/stats
 * ({"rows": [...], "totals": {...}}) as CSV or XLSX, written to an unlinked temp file on the
 * thread pool and streamed to the client in chunks (http/stream_file.h).
 *
 * Sheets: one sheet for the grouping, named after it ("单位×时段"), holding every row with one
 * key column per grouping level, in the API's order; then a sheet "合计" with the totals. A
 * two-level grouping (unit x month) stays one flat sheet rather than one sheet per unit: it can
 * be filtered, sorted and pivoted in Excel as it is; it is written row by row in constant
 * memory; it needs no truncated, deduplicated sheet names for hundreds of units (31-character
 * limit); and it exports only figures the API computed (subtotals per unit cannot be summed from
 * the rows: medians and rolled-up rates do not add up). The CSV is the grouping's sheet followed
 * by one line "合计" with the totals.
 *
 * Numbers: the CSV writes each double as the shortest text that reads back exactly; XLSX cells
 * hold what libxlsxwriter writes (%.16G as Debian builds it: 16 significant digits, finer than
 * Excel's 15), with the formats 0 (counts), 0.0% (rates, on the fraction) and 0.0 (hours). */
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

typedef struct wz_ctx wz_ctx_t;

typedef enum { WZ_EXPORT_CSV, WZ_EXPORT_XLSX } wz_export_format_t;

/** A grouping level: which key column a row shows. day, week and month all show `period`. */
typedef enum {
    WZ_EXPORT_KEY_UNIT,
    WZ_EXPORT_KEY_ACCOUNT,
    WZ_EXPORT_KEY_CHANNEL,
    WZ_EXPORT_KEY_TYPE,
    WZ_EXPORT_KEY_CATEGORY,
    WZ_EXPORT_KEY_PERIOD,
} wz_export_key_t;

#define WZ_EXPORT_MAX_KEYS 2
/** Rows in one export at most: an XLSX sheet holds 1,048,576 rows, one of them the header. */
#define WZ_EXPORT_MAX_ROWS 1048575

/** What the export looks like: the grouping's levels in order (group_by=unit,month ->
 * {UNIT, PERIOD}, nkeys 2) and, optionally, the grouping sheet's name (NULL: the key titles
 * joined by "×"; sanitised either way). */
typedef struct {
    wz_export_key_t keys[WZ_EXPORT_MAX_KEYS];
    size_t nkeys;
    const char *sheet_name;
} wz_export_layout_t;

typedef enum { WZ_EXPORT_COL_KEY, WZ_EXPORT_COL_COUNT, WZ_EXPORT_COL_RATE, WZ_EXPORT_COL_HOURS } wz_export_kind_t;

typedef enum { WZ_EXPORT_LANG_ZH_CN, WZ_EXPORT_LANG__COUNT } wz_export_lang_t;

/** One column: the row field it shows, its titles by language, its kind and its XLSX width. */
typedef struct {
    const char *field;
    const char *title[WZ_EXPORT_LANG__COUNT];
    wz_export_kind_t kind;
    double width;
} wz_export_column_t;

/** Answers the request with the export of doc (stolen; freed off the loop) and ends it: a
 * temp file is written on the thread pool, then streamed with Content-Length and
 * Content-Disposition (filename: UTF-8, e.g. "统计_2026-11-01_2026-12-01.xlsx"; the ASCII
 * fallback is derived from it). A malformed document or a failed write answers the JSON error
 * shape before any byte of the file. layout is copied. */
void wz_export_send(wz_ctx_t *ctx, wz_export_format_t fmt, json_t *doc, const wz_export_layout_t *layout,
                    const char *filename);

/** Parses a group_by value ("unit", "unit,month", "account,type") into layout's keys; 0 or -1. */
int wz_export_layout_parse(const char *group_by, wz_export_layout_t *layout);
/** Parses "csv" or "xlsx"; 0 or -1. */
int wz_export_format_parse(const char *s, wz_export_format_t *fmt);
/** The file name for a period, "统计_<from>_<to>.<csv|xlsx>", into out; its length or -1. */
int wz_export_filename(const char *from, const char *to, wz_export_format_t fmt, char *out, size_t outlen);

/* The pure parts, public for the tests. */
/** The metric columns (counts, rates, first-reply hours) in sheet order; *n gets their number. */
const wz_export_column_t *wz_export_metric_columns(size_t *n);
/** The key column of a grouping level. */
const wz_export_column_t *wz_export_key_column(wz_export_key_t key);
/** Whether a text cell would be evaluated by a spreadsheet (starts with = + - @, tab or CR) and
 * so is written with a leading apostrophe in CSV. */
int wz_export_csv_needs_guard(const char *s, size_t len);
/** Writes one text cell, RFC 4180: quoted when it holds a quote, comma, CR or LF (quotes
 * doubled), guarded against formula evaluation. 0, or -1 on a write error. */
int wz_export_csv_text(FILE *out, const char *s, size_t len);
/** The shortest of %.15g, %.16g, %.17g that reads back as exactly v; its length. */
int wz_export_format_double(double v, char *out, size_t outlen);
/** An XLSX sheet name from any UTF-8 text: []:*?/\ become '_', leading and trailing
 * apostrophes go, at most 31 characters, "Sheet" when nothing is left. Its length. */
size_t wz_export_sheet_name(const char *in, char *out, size_t outlen);
/** The Content-Disposition value: attachment; filename="<ASCII fallback>";
 * filename*=UTF-8''<percent-encoded name> (RFC 6266, RFC 5987). Its length, or -1 if the name
 * is empty, too long or not valid UTF-8 text. */
int wz_export_content_disposition(const char *filename, char *out, size_t outlen);

/** Writes the CSV of doc to out. 0; -1 when writing failed, -2 when doc is malformed (a row not
 * an object, a count not a number...); the reason in err either way. */
int wz_export_write_csv(FILE *out, json_t *doc, const wz_export_layout_t *layout, char *err, size_t errlen);
/** Writes the XLSX of doc to path (libxlsxwriter, constant memory, its temp files in tmpdir).
 * Blocking file I/O: call it off the event loop. Returns as wz_export_write_csv does. */
int wz_export_write_xlsx(const char *path, const char *tmpdir, json_t *doc, const wz_export_layout_t *layout, char *err,
                         size_t errlen);

#endif
