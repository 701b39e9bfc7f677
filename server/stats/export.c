/* The statistics export's pure parts and its two writers (stats/export.h): the one column
 * table (titles by language), CSV cells (RFC 4180, formula guard), numbers that read back
 * exactly, sheet names, Content-Disposition, and the CSV and XLSX writers that run on the
 * thread pool (stats/export_send.c). */
#include "stats/export.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#define TOTALS_LABEL "合计"
#define UNASSIGNED_LABEL "未派单" /* the unit row of tickets no unit holds (docs/metrics.md) */
#define XLSX_TEXT_MAX 32767       /* characters in one cell */
#define FILENAME_MAX_BYTES 200

/* clang-format off */
static const wz_export_column_t key_columns[] = {
    [WZ_EXPORT_KEY_UNIT]     = {"unit_name",     {"单位"}, WZ_EXPORT_COL_KEY, 24},
    [WZ_EXPORT_KEY_ACCOUNT]  = {"account_name",  {"账号"}, WZ_EXPORT_COL_KEY, 24},
    [WZ_EXPORT_KEY_CHANNEL]  = {"channel",       {"渠道"}, WZ_EXPORT_COL_KEY, 10},
    [WZ_EXPORT_KEY_TYPE]     = {"type",          {"类型"}, WZ_EXPORT_COL_KEY, 10},
    [WZ_EXPORT_KEY_CATEGORY] = {"category_name", {"分类"}, WZ_EXPORT_COL_KEY, 20},
    [WZ_EXPORT_KEY_PERIOD]   = {"period",        {"时段"}, WZ_EXPORT_COL_KEY, 12},
};

static const wz_export_column_t metric_columns[] = {
    {"received",              {"受理量"},   WZ_EXPORT_COL_COUNT, 10},
    {"dispatched",            {"派单量"},   WZ_EXPORT_COL_COUNT, 10},
    {"signed",                {"签收量"},   WZ_EXPORT_COL_COUNT, 10},
    {"signed_on_time",        {"按时签收量"}, WZ_EXPORT_COL_COUNT, 12},
    {"replied",               {"答复量"},   WZ_EXPORT_COL_COUNT, 10},
    {"replied_on_time",       {"按时答复量"}, WZ_EXPORT_COL_COUNT, 12},
    {"overdue",               {"超期量"},   WZ_EXPORT_COL_COUNT, 10},
    {"returned",              {"退单量"},   WZ_EXPORT_COL_COUNT, 10},
    {"transferred",           {"转办量"},   WZ_EXPORT_COL_COUNT, 10},
    {"extended",              {"延期量"},   WZ_EXPORT_COL_COUNT, 10},
    {"supervised",            {"督办量"},   WZ_EXPORT_COL_COUNT, 10},
    {"reopened",              {"重办量"},   WZ_EXPORT_COL_COUNT, 10},
    {"rated",                 {"回访量"},   WZ_EXPORT_COL_COUNT, 10},
    {"satisfied",             {"满意"},     WZ_EXPORT_COL_COUNT, 8},
    {"basically_satisfied",   {"基本满意"}, WZ_EXPORT_COL_COUNT, 10},
    {"unsatisfied",           {"不满意"},   WZ_EXPORT_COL_COUNT, 8},
    {"reply_rate",            {"回复率"},   WZ_EXPORT_COL_RATE,  10},
    {"on_time_reply_rate",    {"及时率"},   WZ_EXPORT_COL_RATE,  10},
    {"on_time_sign_rate",     {"按时签收率"}, WZ_EXPORT_COL_RATE, 12},
    {"satisfaction_rate",     {"满意率"},   WZ_EXPORT_COL_RATE,  10},
    {"first_reply_hours_avg", {"平均首次答复时长(工作小时)"}, WZ_EXPORT_COL_HOURS, 28},
    {"first_reply_hours_median", {"中位数"}, WZ_EXPORT_COL_HOURS, 10},
    {"first_reply_hours_p90", {"P90"},      WZ_EXPORT_COL_HOURS, 10},
};
/* clang-format on */
#define NMETRICS (sizeof(metric_columns) / sizeof(metric_columns[0]))
#define NKEYS (sizeof(key_columns) / sizeof(key_columns[0]))

const wz_export_column_t *wz_export_metric_columns(size_t *n)
{
    *n = NMETRICS;
    return metric_columns;
}

const wz_export_column_t *wz_export_key_column(wz_export_key_t key)
{
    return (size_t)key < NKEYS ? &key_columns[key] : NULL;
}

static int key_from_name(const char *s, size_t len, wz_export_key_t *out)
{
    static const struct {
        const char *name;
        wz_export_key_t key;
    } names[] = {
        {"unit", WZ_EXPORT_KEY_UNIT},   {"account", WZ_EXPORT_KEY_ACCOUNT},   {"channel", WZ_EXPORT_KEY_CHANNEL},
        {"type", WZ_EXPORT_KEY_TYPE},   {"category", WZ_EXPORT_KEY_CATEGORY}, {"day", WZ_EXPORT_KEY_PERIOD},
        {"week", WZ_EXPORT_KEY_PERIOD}, {"month", WZ_EXPORT_KEY_PERIOD},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strlen(names[i].name) == len && memcmp(names[i].name, s, len) == 0) {
            *out = names[i].key;
            return 0;
        }
    }
    return -1;
}

int wz_export_layout_parse(const char *group_by, wz_export_layout_t *layout)
{
    memset(layout, 0, sizeof(*layout));
    const char *p = group_by;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (layout->nkeys == WZ_EXPORT_MAX_KEYS || key_from_name(p, len, &layout->keys[layout->nkeys]) != 0)
            return -1;
        layout->nkeys++;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    if (layout->nkeys == 2 && layout->keys[0] == layout->keys[1])
        return -1;
    return 0;
}

int wz_export_format_parse(const char *s, wz_export_format_t *fmt)
{
    if (strcmp(s, "csv") == 0)
        *fmt = WZ_EXPORT_CSV;
    else if (strcmp(s, "xlsx") == 0)
        *fmt = WZ_EXPORT_XLSX;
    else
        return -1;
    return 0;
}

int wz_export_filename(const char *from, const char *to, wz_export_format_t fmt, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "统计_%s_%s.%s", from, to, fmt == WZ_EXPORT_CSV ? "csv" : "xlsx");
    return n < 0 || (size_t)n >= outlen ? -1 : n;
}

int wz_export_csv_needs_guard(const char *s, size_t len)
{
    return len > 0 && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r');
}

int wz_export_csv_text(FILE *out, const char *s, size_t len)
{
    int quote = memchr(s, '"', len) || memchr(s, ',', len) || memchr(s, '\r', len) || memchr(s, '\n', len);
    if (quote && fputc('"', out) == EOF)
        return -1;
    if (wz_export_csv_needs_guard(s, len) && fputc('\'', out) == EOF)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"' && fputc('"', out) == EOF)
            return -1;
        if (fputc((unsigned char)s[i], out) == EOF)
            return -1;
    }
    if (quote && fputc('"', out) == EOF)
        return -1;
    return 0;
}

int wz_export_format_double(double v, char *out, size_t outlen)
{
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(out, outlen, "%.*g", prec, v);
        if (n < 0 || (size_t)n >= outlen)
            return -1;
        if (strtod(out, NULL) == v)
            break;
    }
    return n;
}

/* The length of the UTF-8 sequence starting at s (at most len bytes), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n > len)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

size_t wz_export_sheet_name(const char *in, char *out, size_t outlen)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t len = strlen(in), o = 0, chars = 0;
    while (*s == '\'') { /* Excel refuses a leading or trailing apostrophe */
        s++;
        len--;
    }
    for (size_t i = 0; i < len && chars < LXW_SHEETNAME_MAX;) {
        size_t n = utf8_len(s + i, len - i);
        int bad = n == 0 || s[i] < 0x20 || strchr("[]:*?/\\", s[i]) != NULL;
        if (n == 0)
            n = 1;
        size_t w = bad ? 1 : n;
        if (o + w >= outlen)
            break;
        if (bad)
            out[o] = '_';
        else
            memcpy(out + o, s + i, n);
        o += w;
        i += n;
        chars++;
    }
    while (o > 0 && out[o - 1] == '\'')
        o--;
    if (o == 0)
        o = (size_t)snprintf(out, outlen, "Sheet");
    out[o] = '\0';
    return o;
}

/* The ASCII fallback of a file name: its non-ASCII characters dropped, anything but letters,
 * digits, '.', '_' and '-' made '_', no leading or trailing '_', '-' or '.'; "export" when
 * nothing is left of the stem. */
static size_t ascii_part(const char *s, size_t len, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80)
            continue;
        out[o++] =
            (char)((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-'
                       ? c
                       : '_');
    }
    size_t b = 0;
    while (b < o && (out[b] == '_' || out[b] == '-' || out[b] == '.'))
        b++;
    while (o > b && (out[o - 1] == '_' || out[o - 1] == '-' || out[o - 1] == '.'))
        o--;
    memmove(out, out + b, o - b);
    return o - b;
}

int wz_export_content_disposition(const char *filename, char *out, size_t outlen)
{
    size_t len = strlen(filename);
    if (len == 0 || len > FILENAME_MAX_BYTES)
        return -1;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_len((const unsigned char *)filename + i, len - i);
        if (n == 0 || (unsigned char)filename[i] < 0x20 || filename[i] == 0x7f || filename[i] == '/' ||
            filename[i] == '\\')
            return -1;
        i += n;
    }
    const char *dot = strrchr(filename, '.');
    size_t stem_len = dot ? (size_t)(dot - filename) : len;
    char stem[FILENAME_MAX_BYTES + 1], ext[FILENAME_MAX_BYTES + 1];
    size_t sn = ascii_part(filename, stem_len, stem);
    size_t en = dot ? ascii_part(dot + 1, len - stem_len - 1, ext) : 0;
    int n = snprintf(out, outlen, "attachment; filename=\"%.*s%s%.*s\"; filename*=UTF-8''", (int)(sn ? sn : 6),
                     sn ? stem : "export", en ? "." : "", (int)en, ext);
    if (n < 0 || (size_t)n >= outlen)
        return -1;
    size_t o = (size_t)n;
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)filename[i];
        int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    (c < 0x80 && strchr("!#$&+-.^_`|~", c) != NULL);
        if (o + (plain ? 1 : 3) >= outlen)
            return -1;
        if (plain) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return (int)o;
}

/* ---- the document ---- */

/* Checks the document's shape; *rows and *totals (NULL when absent or null) on success. */
static int doc_parts(json_t *doc, json_t **rows, json_t **totals, char *err, size_t errlen)
{
    *rows = json_object_get(doc, "rows");
    *totals = json_object_get(doc, "totals");
    if (!json_is_array(*rows)) {
        snprintf(err, errlen, "the document has no rows array");
        return -2;
    }
    if (json_array_size(*rows) > WZ_EXPORT_MAX_ROWS) {
        snprintf(err, errlen, "more than %d rows", WZ_EXPORT_MAX_ROWS);
        return -2;
    }
    if (json_is_null(*totals))
        *totals = NULL;
    if (*totals != NULL && !json_is_object(*totals)) {
        snprintf(err, errlen, "totals is not an object");
        return -2;
    }
    return 0;
}

/* the names staff read for the channel and type codes of the API (schema/001_core.sql's
 * ENUMs); a code not listed is written as it is */
static const struct {
    const char *code, *label;
} code_labels[] = {
    {"wechat_oa", "微信公众号"}, {"weibo", "微博"},         {"douyin", "抖音"},     {"toutiao", "今日头条"},
    {"miniprogram", "小程序"},   {"app", "政务客户端"},     {"web", "网站留言板"},  {"hotline_12345", "12345热线"},
    {"other", "其他"},           {"consultation", "咨询"},  {"help", "求助"},       {"complaint", "投诉"},
    {"suggestion", "建议"},      {"report", "举报"},        {"praise", "表扬"},
};

static const char *code_label(const char *code, size_t len)
{
    for (size_t i = 0; i < sizeof(code_labels) / sizeof(code_labels[0]); i++)
        if (strlen(code_labels[i].code) == len && memcmp(code_labels[i].code, code, len) == 0)
            return code_labels[i].label;
    return NULL;
}

/* One cell's value, read from a row (or the totals row, where keys show "合计"). */
typedef struct {
    enum { CELL_EMPTY, CELL_TEXT, CELL_INT, CELL_REAL } type;
    const char *s;
    size_t len;
    json_int_t i;
    double d;
} cell_t;

static int cell_get(json_t *row, int is_totals, size_t key_index, const wz_export_column_t *col, cell_t *c, char *err,
                    size_t errlen)
{
    memset(c, 0, sizeof(*c));
    if (col->kind == WZ_EXPORT_COL_KEY && is_totals) {
        if (key_index == 0) {
            c->type = CELL_TEXT;
            c->s = TOTALS_LABEL;
            c->len = strlen(TOTALS_LABEL);
        }
        return 0;
    }
    json_t *v = json_object_get(row, col->field);
    if (col->kind == WZ_EXPORT_COL_KEY && col == &key_columns[WZ_EXPORT_KEY_UNIT] && !json_is_string(v) &&
        json_is_null(json_object_get(row, "unit_id"))) {
        c->type = CELL_TEXT;
        c->s = UNASSIGNED_LABEL;
        c->len = strlen(UNASSIGNED_LABEL);
        return 0;
    }
    if (v == NULL || json_is_null(v))
        return 0;
    if (json_is_string(v) && col->kind == WZ_EXPORT_COL_KEY) {
        c->type = CELL_TEXT;
        c->s = json_string_value(v);
        c->len = json_string_length(v);
        const char *label = NULL;
        if (col == &key_columns[WZ_EXPORT_KEY_CHANNEL] || col == &key_columns[WZ_EXPORT_KEY_TYPE])
            label = code_label(c->s, c->len);
        if (label != NULL) {
            c->s = label;
            c->len = strlen(label);
        }
    } else if (json_is_integer(v)) {
        c->type = CELL_INT;
        c->i = json_integer_value(v);
    } else if (json_is_real(v)) {
        c->type = CELL_REAL;
        c->d = json_real_value(v);
    } else {
        snprintf(err, errlen, "%s is not a %s", col->field, col->kind == WZ_EXPORT_COL_KEY ? "text" : "number");
        return -1;
    }
    return 0;
}

/* The sheet's columns: the grouping's keys, then the metrics. */
static size_t layout_columns(const wz_export_layout_t *layout, const wz_export_column_t **cols)
{
    size_t n = 0;
    for (size_t k = 0; k < layout->nkeys && k < WZ_EXPORT_MAX_KEYS; k++)
        cols[n++] = &key_columns[layout->keys[k]];
    for (size_t m = 0; m < NMETRICS; m++)
        cols[n++] = &metric_columns[m];
    return n;
}

/* The row's cells through put() (row: the row's number in the sheet and in messages). -2 when
 * the row is malformed, -1 when put() fails. */
typedef int (*put_fn)(void *w, size_t row, size_t col, const wz_export_column_t *c, const cell_t *cell);

static int put_row(void *w, put_fn put, size_t row, json_t *obj, int is_totals, const wz_export_column_t **cols,
                   size_t ncols, char *err, size_t errlen)
{
    if (!json_is_object(obj)) {
        snprintf(err, errlen, "row %zu is not an object", row);
        return -2;
    }
    size_t key_index = 0;
    for (size_t c = 0; c < ncols; c++) {
        cell_t cell;
        char why[96];
        if (cell_get(obj, is_totals, key_index, cols[c], &cell, why, sizeof(why)) != 0) {
            if (is_totals)
                snprintf(err, errlen, "totals: %s", why);
            else
                snprintf(err, errlen, "row %zu: %s", row, why);
            return -2;
        }
        if (cols[c]->kind == WZ_EXPORT_COL_KEY)
            key_index++;
        if (put(w, row, c, cols[c], &cell) != 0) {
            snprintf(err, errlen, "writing row %zu failed", row);
            return -1;
        }
    }
    return 0;
}

/* ---- CSV ---- */

static int csv_put(void *w, size_t row, size_t col, const wz_export_column_t *c, const cell_t *cell)
{
    (void)row;
    (void)c;
    FILE *out = w;
    char num[40];
    if (col > 0 && fputc(',', out) == EOF)
        return -1;
    switch (cell->type) {
    case CELL_EMPTY:
        return 0;
    case CELL_TEXT:
        return wz_export_csv_text(out, cell->s, cell->len);
    case CELL_INT:
        return fprintf(out, "%" JSON_INTEGER_FORMAT, cell->i) < 0 ? -1 : 0;
    case CELL_REAL:
        if (wz_export_format_double(cell->d, num, sizeof(num)) < 0)
            return -1;
        return fputs(num, out) == EOF ? -1 : 0;
    }
    return -1;
}

int wz_export_write_csv(FILE *out, json_t *doc, const wz_export_layout_t *layout, char *err, size_t errlen)
{
    json_t *rows, *totals;
    int rc = doc_parts(doc, &rows, &totals, err, errlen);
    if (rc != 0)
        return rc;
    const wz_export_column_t *cols[WZ_EXPORT_MAX_KEYS + NMETRICS];
    size_t ncols = layout_columns(layout, cols);
    /* the BOM tells Excel the file is UTF-8; without it Chinese text opens as mojibake */
    if (fputs("\xEF\xBB\xBF", out) == EOF)
        goto write_error;
    for (size_t c = 0; c < ncols; c++) {
        const char *t = cols[c]->title[WZ_EXPORT_LANG_ZH_CN];
        if ((c > 0 && fputc(',', out) == EOF) || wz_export_csv_text(out, t, strlen(t)) != 0)
            goto write_error;
    }
    if (fputs("\r\n", out) == EOF)
        goto write_error;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        if ((rc = put_row(out, csv_put, i + 1, row, 0, cols, ncols, err, errlen)) != 0)
            return rc;
        if (fputs("\r\n", out) == EOF)
            goto write_error;
    }
    if (totals != NULL) {
        if ((rc = put_row(out, csv_put, 0, totals, 1, cols, ncols, err, errlen)) != 0)
            return rc;
        if (fputs("\r\n", out) == EOF)
            goto write_error;
    }
    if (fflush(out) != 0 || ferror(out))
        goto write_error;
    return 0;
write_error:
    snprintf(err, errlen, "writing the CSV failed");
    return -1;
}

/* ---- XLSX ---- */

typedef struct {
    lxw_worksheet *ws;
    lxw_format *count, *rate, *hours;
    char text[XLSX_TEXT_MAX * 4 + 1];
} xlsx_t;

/* Text as a cell takes it: at most 32767 characters, and the C0 controls that XML 1.0 cannot
 * carry (all but tab, LF, CR) made spaces. */
static const char *xlsx_text(xlsx_t *x, const char *s, size_t len)
{
    size_t o = 0, chars = 0;
    for (size_t i = 0; i < len && chars < XLSX_TEXT_MAX;) {
        size_t n = utf8_len((const unsigned char *)s + i, len - i);
        if (n == 0) { /* jansson's strings are valid UTF-8; a stray byte is dropped */
            i++;
            continue;
        }
        unsigned char c = (unsigned char)s[i];
        if (n == 1 && c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            x->text[o++] = ' ';
        else {
            memcpy(x->text + o, s + i, n);
            o += n;
        }
        i += n;
        chars++;
    }
    x->text[o] = '\0';
    return x->text;
}

static int xlsx_put(void *w, size_t row, size_t col, const wz_export_column_t *c, const cell_t *cell)
{
    xlsx_t *x = w;
    lxw_format *f = c->kind == WZ_EXPORT_COL_RATE    ? x->rate
                    : c->kind == WZ_EXPORT_COL_HOURS ? x->hours
                    : c->kind == WZ_EXPORT_COL_COUNT ? x->count
                                                     : NULL;
    lxw_row_t r = (lxw_row_t)row;
    lxw_col_t k = (lxw_col_t)col;
    switch (cell->type) {
    case CELL_EMPTY: /* null stays an empty cell: no value, not 0 */
        return 0;
    case CELL_TEXT:
        return worksheet_write_string(x->ws, r, k, xlsx_text(x, cell->s, cell->len), NULL) == LXW_NO_ERROR ? 0 : -1;
    case CELL_INT:
        return worksheet_write_number(x->ws, r, k, (double)cell->i, f) == LXW_NO_ERROR ? 0 : -1;
    case CELL_REAL:
        return worksheet_write_number(x->ws, r, k, cell->d, f) == LXW_NO_ERROR ? 0 : -1;
    }
    return -1;
}

static lxw_worksheet *xlsx_sheet(lxw_workbook *wb, const char *name, lxw_format *bold, const wz_export_column_t **cols,
                                 size_t ncols, size_t nkeys)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, name);
    if (ws == NULL)
        return NULL;
    for (size_t c = 0; c < ncols; c++) {
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, cols[c]->width, NULL);
        if (worksheet_write_string(ws, 0, (lxw_col_t)c, cols[c]->title[WZ_EXPORT_LANG_ZH_CN], bold) != LXW_NO_ERROR)
            return NULL;
    }
    worksheet_freeze_panes(ws, 1, (lxw_col_t)nkeys); /* the header and the key columns stay in view */
    return ws;
}

int wz_export_write_xlsx(const char *path, const char *tmpdir, json_t *doc, const wz_export_layout_t *layout, char *err,
                         size_t errlen)
{
    json_t *rows, *totals;
    int rc = doc_parts(doc, &rows, &totals, err, errlen);
    if (rc != 0)
        return rc;
    const wz_export_column_t *cols[WZ_EXPORT_MAX_KEYS + NMETRICS];
    size_t ncols = layout_columns(layout, cols);

    /* constant_memory: each row goes to the sheet's temp file as it is written, so memory does
     * not grow with the export (rows must then be written in order, which they are) */
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = (char *)tmpdir, .use_zip64 = LXW_FALSE};
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    if (wb == NULL) {
        snprintf(err, errlen, "the workbook could not be created");
        return -1;
    }
    xlsx_t *x = malloc(sizeof(*x));
    if (x == NULL)
        abort();
    lxw_format *bold = workbook_add_format(wb);
    format_set_bold(bold);
    x->count = workbook_add_format(wb);
    format_set_num_format(x->count, "0");
    x->rate = workbook_add_format(wb);
    format_set_num_format(x->rate, "0.0%");
    x->hours = workbook_add_format(wb);
    format_set_num_format(x->hours, "0.0");

    char name[LXW_MAX_SHEETNAME_LENGTH], joined[128];
    const char *wanted = layout->sheet_name;
    if (wanted == NULL) {
        size_t o = 0;
        joined[0] = '\0';
        for (size_t k = 0; k < layout->nkeys; k++)
            o += (size_t)snprintf(joined + o, sizeof(joined) - o, "%s%s", k ? "×" : "",
                                  key_columns[layout->keys[k]].title[WZ_EXPORT_LANG_ZH_CN]);
        wanted = layout->nkeys ? joined : "统计";
    }
    wz_export_sheet_name(wanted, name, sizeof(name));
    if (strcmp(name, TOTALS_LABEL) == 0) /* the totals sheet has that name */
        snprintf(name, sizeof(name), "%s_", TOTALS_LABEL);

    rc = -1;
    x->ws = xlsx_sheet(wb, name, bold, cols, ncols, layout->nkeys);
    if (x->ws == NULL) {
        snprintf(err, errlen, "the sheet could not be added");
        goto done;
    }
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        if ((rc = put_row(x, xlsx_put, i + 1, row, 0, cols, ncols, err, errlen)) != 0)
            goto done;
    }
    if (totals != NULL) {
        x->ws = xlsx_sheet(wb, TOTALS_LABEL, bold, cols, ncols, layout->nkeys);
        if (x->ws == NULL) {
            rc = -1;
            snprintf(err, errlen, "the totals sheet could not be added");
            goto done;
        }
        if ((rc = put_row(x, xlsx_put, 1, totals, 1, cols, ncols, err, errlen)) != 0)
            goto done;
    }
    rc = 0;
done:
    free(x);
    /* closing writes the file (and frees the workbook) even after a failure */
    lxw_error e = workbook_close(wb);
    if (rc == 0 && e != LXW_NO_ERROR) {
        snprintf(err, errlen, "writing the workbook failed: %s", lxw_strerror(e));
        rc = -1;
    }
    return rc;
}
