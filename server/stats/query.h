#ifndef WZ_STATS_QUERY_H
#define WZ_STATS_QUERY_H
/* The read side of the statistics (docs/metrics.md, "API"): the parameters of GET /stats,
 * /stats/ranking and /stats/accounts/health, the periods (day, ISO week, month in Asia/Shanghai
 * days), the prepared statements over stats_rollup and stats_reply_hist, and the assembly of
 * their rows into the answer (counts, exact rates, first-reply hours, key fields, drill-down
 * parameters for GET /tickets, totals, the roll-up over subtrees and the ranking). Pure: no
 * I/O; server/stats/fetch.c runs the statements. */
#include "auth/identity.h"
#include "db/db.h"
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define WZ_STATS_MAX_DAYS 1098 /* from .. to at most three years (and a leap day) apart */
#define WZ_STATS_SQL_MAX 4096
#define WZ_STATS_MAX_PARAMS 16
#define WZ_STATS_DATE_MAX 64 /* a date or period key, with room for any year the arithmetic gives */

/* the counts of docs/metrics.md, in stats_rollup's column order */
#define WZ_STATS_NCOUNTS 16
extern const char *const wz_stats_count_names[WZ_STATS_NCOUNTS];
enum {
    WZ_C_RECEIVED,
    WZ_C_DISPATCHED,
    WZ_C_SIGNED,
    WZ_C_SIGNED_ON_TIME,
    WZ_C_REPLIED,
    WZ_C_REPLIED_ON_TIME,
    WZ_C_OVERDUE,
    WZ_C_RETURNED,
    WZ_C_TRANSFERRED,
    WZ_C_EXTENDED,
    WZ_C_SUPERVISED,
    WZ_C_REOPENED,
    WZ_C_RATED,
    WZ_C_SATISFIED,
    WZ_C_BASICALLY_SATISFIED,
    WZ_C_UNSATISFIED,
};

/** The grouping keys. */
typedef enum {
    WZ_SK_UNIT,
    WZ_SK_ACCOUNT,
    WZ_SK_CHANNEL,
    WZ_SK_TYPE,
    WZ_SK_CATEGORY,
    WZ_SK_DAY,
    WZ_SK_WEEK,
    WZ_SK_MONTH,
    WZ_SK__COUNT
} wz_stats_key_t;

/** What a request asks for. Dates are days since 1970-01-01 of Asia/Shanghai calendar dates. */
typedef struct wz_stats_params {
    int64_t from, to; /* [from, to) */
    int nkeys;        /* 0 (totals only), 1 or 2 */
    wz_stats_key_t keys[2];
    int64_t unit_id; /* 0 = every unit in scope */
    int include_descendants;
    int64_t account_id, category_id; /* 0 = any */
    char channel[16], type[16];      /* "" = any */
    /* the ranking (GET /stats/ranking): every unit in scope rolled up over its subtree */
    int ranking;
    int metric; /* index into wz_stats_metrics */
    int level;  /* depth in the unit tree (1 = the root's children); 0 = every depth */
} wz_stats_params_t;

/** A bad parameter: its name and what is wrong (static strings). */
typedef struct {
    const char *field;
    const char *message;
} wz_stats_bad_t;

/** Reads GET /stats's query string (without '?'). 0, or -1 with bad filled. */
int wz_stats_params_parse(const char *qs, size_t len, wz_stats_params_t *p, wz_stats_bad_t *bad);
/** Reads GET /stats/ranking's query string (metric, from, to, level, channel, type, ...). */
int wz_stats_ranking_parse(const char *qs, size_t len, wz_stats_params_t *p, wz_stats_bad_t *bad);
/** Reads the health's period: from and to, both or neither; neither = the 30 days ending with
 * today (today = the local date of now). */
int wz_stats_period_parse(const char *qs, size_t len, int64_t now, int64_t *from, int64_t *to, wz_stats_bad_t *bad);

/** Parses "YYYY-MM-DD" into days; -1 unless a real date between 1970 and 9999. */
int wz_stats_date_parse(const char *s, int64_t *days);
/** Formats days as "YYYY-MM-DD" (out holds 11). */
void wz_stats_date_format(int64_t days, char out[WZ_STATS_DATE_MAX]);
/** The local date (days) of a UTC instant in Asia/Shanghai. */
int64_t wz_stats_local_day(int64_t utc);
/** The UTC instant of a local date's midnight in Asia/Shanghai. */
int64_t wz_stats_day_start(int64_t days);
/** A period's key for a day: "2026-11-03" (day), "2026-W45" (ISO week), "2026-11" (month). */
void wz_stats_period_key(wz_stats_key_t kind, int64_t day, char out[WZ_STATS_DATE_MAX]);
/** The days [start, end) of a period key; 0, or -1 if the key is not one of kind's. */
int wz_stats_period_range(wz_stats_key_t kind, const char *key, int64_t *start, int64_t *end);

/** The ranking's metrics: a count, a rate or first-reply hours, and which way is better. */
typedef struct {
    const char *name;
    int higher_is_better;
} wz_stats_metric_t;
extern const wz_stats_metric_t wz_stats_metrics[];
extern const size_t wz_stats_nmetrics;

/** A statement: its text and bound values (text values point into params or the statement). */
typedef struct {
    char sql[WZ_STATS_SQL_MAX];
    wz_db_value_t p[WZ_STATS_MAX_PARAMS];
    size_t np;
    char dates[4][WZ_STATS_DATE_MAX];
} wz_stats_stmt_t;

/** Where a part of a query reads (docs/metrics.md, "How the numbers are kept"): every key by
 * day (stats_rollup, stats_reply_hist), (day, unit) (stats_rollup_unit, stats_reply_hist_unit),
 * (month, unit) (stats_rollup_unit_month) or (month, unit, one dimension)
 * (stats_rollup_dim_month), the month rows with packed histograms. */
typedef enum { WZ_STATS_GRAIN_FULL, WZ_STATS_GRAIN_DAY, WZ_STATS_GRAIN_MONTH, WZ_STATS_GRAIN_DIM } wz_stats_grain_t;
/** What a part's rows are: summed counts, histogram rows (bucket, n), or month rows (a row's
 * own counts and its packed histogram, not grouped: the assembly sums them). */
typedef enum { WZ_STATS_ROWS_COUNTS, WZ_STATS_ROWS_HIST, WZ_STATS_ROWS_MONTH } wz_stats_rows_t;

/** One statement of a query: a grain, counts or histogram (the day grains; a month row has
 * both), and the days it reads: [from, to) twice (the days before and after the whole months;
 * an unused range has from == to). */
typedef struct {
    wz_stats_grain_t grain;
    int dim;  /* WZ_STATS_GRAIN_DIM: which (stats/facts.h's wz_stats_dim_t) */
    int hist; /* the day grains: the histogram rows rather than the counts */
    int64_t range[2][2];
} wz_stats_part_t;
#define WZ_STATS_PARTS_MAX 3

/** The statements that answer the parameters for the caller, in order: the coarsest grain
 * that has every key and filter asked for; the whole months of [from, to) from month rows and
 * the days around them from the day rows of the same keys. Returns how many: 1 (whole months:
 * their rows), 2 (no whole month: the day rows' counts and histograms) or 3 (both). */
size_t wz_stats_plan(const wz_stats_params_t *p, const wz_identity_t *who, wz_stats_part_t parts[WZ_STATS_PARTS_MAX]);
/** What a part's rows are. */
wz_stats_rows_t wz_stats_part_rows(const wz_stats_part_t *part);

/** Whether the answer needs the units (names and paths; every unit in scope): a unit key,
 * a unit_id to check, the roll-up or the ranking. */
int wz_stats_needs_units(const wz_stats_params_t *p);
/** The units statement: id, name, path of the units under the caller's scope prefix. */
void wz_stats_build_units(const wz_identity_t *who, wz_stats_stmt_t *st);
/** A part's statement for the parameters and the caller's scope. unit_path is the path of
 * p->unit_id (NULL when none). Columns: each key as two (its value, a label: a name or ''),
 * then the 16 counts, reply_count, reply_minutes (summed), or bucket, n (histogram rows), or
 * (month rows, one per (month, unit[, dimension], scope unit), not grouped) the row's own 16
 * counts, reply_count, reply_minutes and packed histogram. */
void wz_stats_build_part(const wz_stats_params_t *p, const wz_identity_t *who, const char *unit_path,
                         const wz_stats_part_t *part, wz_stats_stmt_t *st);

/** The units read by wz_stats_build_units, for name look-ups and the scope check. NULL is
 * accepted where no unit is needed. */
typedef struct wz_stats_units wz_stats_units_t;
wz_stats_units_t *wz_stats_units_new(const wz_db_result_t *res);
void wz_stats_units_free(wz_stats_units_t *u);
/** A unit's path if it exists and the caller's scope covers it, else NULL. */
const char *wz_stats_units_path(const wz_stats_units_t *u, const wz_identity_t *who, int64_t id);

/** The answer under construction: the parts' rows are added as they arrive (a result lives
 * only in its callback), then finished into {"rows": [...], "totals": {...}} for GET /stats,
 * or {"metric", "better", "items": [...]} for the ranking. */
typedef struct wz_stats_asm wz_stats_asm_t;
/** Starts an answer; p, who and units must outlive it. */
wz_stats_asm_t *wz_stats_asm_new(const wz_stats_params_t *p, const wz_identity_t *who, const wz_stats_units_t *units);
/** Adds a part's rows (of the kind wz_stats_part_rows names). */
void wz_stats_asm_add(wz_stats_asm_t *s, const wz_db_result_t *res, wz_stats_rows_t kind);
/** The answer (a new reference); frees s. */
json_t *wz_stats_asm_finish(wz_stats_asm_t *s);
/** The answer from a counts result and a histogram-rows result at once (either may be NULL). */
json_t *wz_stats_assemble(const wz_stats_params_t *p, const wz_identity_t *who, const wz_stats_units_t *units,
                          const wz_db_result_t *rollup, const wz_db_result_t *hist);

/** The figures of one row: counts and first-reply sums, and its histogram. */
typedef struct {
    int64_t c[WZ_STATS_NCOUNTS];
    int64_t reply_count, reply_minutes;
    int64_t *hist; /* WZ_STATS_BUCKETS counts, or NULL when no replies were filed */
} wz_stats_acc_t;
/** Sets a row's counts, rates and first-reply hours on o (reply_rate ... first_reply_hours_p90:
 * a rate is null when its denominator is 0). */
void wz_stats_figures_json(const wz_stats_acc_t *a, json_t *o);
/** A rate num/den, or null when den is 0. */
json_t *wz_stats_rate(int64_t num, int64_t den);
/** Ranks values (NaN = null: unranked, rank 0) better first: competition ranking (1, 2, 2, 4).
 * order receives the indexes in ranked order (nulls last, in their given order). */
void wz_stats_rank(const double *values, size_t n, int higher_is_better, size_t *order, int *ranks);

/* the inspection verdict (docs/metrics.md, "Account health"): an account whose messages of the
 * period got replies for fewer than half of them has no effective interaction */
#define WZ_HEALTH_REPLY_FLOOR_NUM 1
#define WZ_HEALTH_REPLY_FLOOR_DEN 2

/** The health's rollup statement: account_id, received, replied, replied_on_time over
 * [from, to) for every account (the caller's accounts are chosen by the health read). */
void wz_stats_build_health(int64_t from, int64_t to, wz_stats_stmt_t *st);
/** Adds to each account of GET /accounts/health's items (admin/account_health.h) the period's
 * received, replied, replied_on_time, reply_rate, on_time_reply_rate, and the verdict:
 * "exempt" (not active), "fail" with reasons (silent, overdue_messages, low_reply_rate), or
 * "pass". */
void wz_stats_health_apply(json_t *items, const wz_db_result_t *rollup);

#endif
