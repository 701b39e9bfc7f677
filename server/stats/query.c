/* The statistics' parameters, periods and statements (stats/query.h). The SQL is assembled from
 * fixed fragments; every value is bound. */
#include "stats/query.h"
#include "common/query.h"
#include "common/timefmt.h"
#include "stats/facts.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOCAL_OFFSET ((int64_t)WZ_TIME_OFFSET_MIN * 60) /* Asia/Shanghai: +08:00, no DST */
#define LEVEL_MAX 16
#define DEFAULT_HEALTH_DAYS 30

const char *const wz_stats_count_names[WZ_STATS_NCOUNTS] = {
    "received",        "dispatched", "signed",   "signed_on_time", "replied",
    "replied_on_time", "overdue",    "returned", "transferred",    "extended",
    "supervised",      "reopened",   "rated",    "satisfied",      "basically_satisfied",
    "unsatisfied"};

/* rates and good counts rank higher first; counts of trouble and first-reply hours lower first */
const wz_stats_metric_t wz_stats_metrics[] = {
    {"reply_rate", 1},
    {"on_time_reply_rate", 1},
    {"on_time_sign_rate", 1},
    {"satisfaction_rate", 1},
    {"received", 1},
    {"dispatched", 1},
    {"signed", 1},
    {"signed_on_time", 1},
    {"replied", 1},
    {"replied_on_time", 1},
    {"overdue", 0},
    {"returned", 0},
    {"transferred", 0},
    {"extended", 0},
    {"supervised", 0},
    {"reopened", 0},
    {"rated", 1},
    {"satisfied", 1},
    {"basically_satisfied", 1},
    {"unsatisfied", 0},
    {"first_reply_hours_avg", 0},
    {"first_reply_hours_median", 0},
    {"first_reply_hours_p90", 0},
};
const size_t wz_stats_nmetrics = sizeof(wz_stats_metrics) / sizeof(wz_stats_metrics[0]);

static const char *const key_names[WZ_SK__COUNT] = {"unit",     "account", "channel", "type",
                                                    "category", "day",     "week",    "month"};
/* the same values as the tickets' ENUMs (schema/001_core.sql) */
static const char *const types[] = {"consultation", "help", "complaint", "suggestion", "report", "praise", NULL};
static const char *const channels[] = {"wechat_oa", "weibo", "douyin",        "toutiao", "miniprogram",
                                       "app",       "web",   "hotline_12345", "other",   NULL};

/* ---- dates and periods ---- */

int wz_stats_date_parse(const char *s, int64_t *days)
{
    static const char shape[] = "dddd-dd-dd";
    if (strlen(s) != sizeof(shape) - 1)
        return -1;
    for (size_t i = 0; i < sizeof(shape) - 1; i++)
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
            return -1;
    int64_t y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int64_t m = (s[5] - '0') * 10 + (s[6] - '0');
    int64_t d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > wz_days_in_month(y, m))
        return -1;
    *days = wz_days_from_civil(y, m, d);
    return 0;
}

void wz_stats_date_format(int64_t days, char out[WZ_STATS_DATE_MAX])
{
    int64_t y, m, d;
    wz_civil_from_days(days, &y, &m, &d);
    snprintf(out, WZ_STATS_DATE_MAX, "%04lld-%02lld-%02lld", (long long)y, (long long)m, (long long)d);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

int64_t wz_stats_local_day(int64_t utc)
{
    return floor_div(utc + LOCAL_OFFSET, 86400);
}

int64_t wz_stats_day_start(int64_t days)
{
    return days * 86400 - LOCAL_OFFSET;
}

/* 0 = Monday .. 6 = Sunday (1970-01-01 was a Thursday) */
static int64_t weekday(int64_t days)
{
    return ((days + 3) % 7 + 7) % 7;
}

/* the Monday of ISO week 1 of an ISO year: the week with 4 January in it */
static int64_t iso_week1_monday(int64_t year)
{
    int64_t jan4 = wz_days_from_civil(year, 1, 4);
    return jan4 - weekday(jan4);
}

void wz_stats_period_key(wz_stats_key_t kind, int64_t day, char out[WZ_STATS_DATE_MAX])
{
    int64_t y, m, d;
    if (kind == WZ_SK_WEEK) {
        int64_t thursday = day - weekday(day) + 3; /* its year is the ISO year */
        wz_civil_from_days(thursday, &y, &m, &d);
        int64_t week = (day - iso_week1_monday(y)) / 7 + 1;
        snprintf(out, WZ_STATS_DATE_MAX, "%04lld-W%02lld", (long long)y, (long long)week);
        return;
    }
    wz_civil_from_days(day, &y, &m, &d);
    if (kind == WZ_SK_MONTH)
        snprintf(out, WZ_STATS_DATE_MAX, "%04lld-%02lld", (long long)y, (long long)m);
    else
        snprintf(out, WZ_STATS_DATE_MAX, "%04lld-%02lld-%02lld", (long long)y, (long long)m, (long long)d);
}

static int digits(const char *s, size_t n, int64_t *out)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int wz_stats_period_range(wz_stats_key_t kind, const char *key, int64_t *start, int64_t *end)
{
    size_t n = strlen(key);
    int64_t y, m, w;
    switch (kind) {
    case WZ_SK_DAY:
        if (wz_stats_date_parse(key, start) != 0)
            return -1;
        *end = *start + 1;
        return 0;
    case WZ_SK_MONTH:
        if (n != 7 || key[4] != '-' || digits(key, 4, &y) != 0 || digits(key + 5, 2, &m) != 0 || y < 1970 || m < 1 ||
            m > 12)
            return -1;
        *start = wz_days_from_civil(y, m, 1);
        *end = *start + wz_days_in_month(y, m);
        return 0;
    case WZ_SK_WEEK: {
        if (n != 8 || key[4] != '-' || key[5] != 'W' || digits(key, 4, &y) != 0 || digits(key + 6, 2, &w) != 0 ||
            y < 1970 || w < 1)
            return -1;
        int64_t monday = iso_week1_monday(y);
        int64_t weeks = (iso_week1_monday(y + 1) - monday) / 7; /* 52 or 53 */
        if (w > weeks)
            return -1;
        *start = monday + 7 * (w - 1);
        *end = *start + 7;
        return 0;
    }
    default:
        return -1;
    }
}

/* ---- parameters ---- */

#define BAD(f, m)                                                                                                      \
    do {                                                                                                               \
        bad->field = (f);                                                                                              \
        bad->message = (m);                                                                                            \
        return -1;                                                                                                     \
    } while (0)

static int one_of(const char *v, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(v, *names) == 0)
            return 1;
    return 0;
}

static int read_date(const char *qs, size_t len, const char *name, int64_t *out, int *present)
{
    char v[16];
    int r = wz_query_get(qs, len, name, v, sizeof(v));
    *present = r != 0;
    return r == 0 ? 0 : r < 0 ? -1 : wz_stats_date_parse(v, out);
}

static int read_range(const char *qs, size_t len, int64_t *from, int64_t *to, int required, wz_stats_bad_t *bad)
{
    int has_from, has_to;
    if (read_date(qs, len, "from", from, &has_from) != 0)
        BAD("from", "from must be a date YYYY-MM-DD");
    if (read_date(qs, len, "to", to, &has_to) != 0)
        BAD("to", "to must be a date YYYY-MM-DD");
    if (!has_from && !has_to && !required)
        return 1;
    if (!has_from)
        BAD("from", "from is required (a date YYYY-MM-DD)");
    if (!has_to)
        BAD("to", "to is required (a date YYYY-MM-DD, exclusive)");
    if (*to <= *from)
        BAD("to", "to must be after from (to is exclusive)");
    if (*to - *from > WZ_STATS_MAX_DAYS)
        BAD("to", "from and to may be at most three years apart");
    return 0;
}

static int read_id(const char *qs, size_t len, const char *name, int64_t *out)
{
    char v[24];
    int r = wz_query_get(qs, len, name, v, sizeof(v));
    *out = 0;
    if (r == 0)
        return 0;
    if (r < 0 || v[0] < '1' || v[0] > '9' || strlen(v) > 18 || digits(v, strlen(v), out) != 0)
        return -1;
    return 0;
}

static int read_bool(const char *qs, size_t len, const char *name, int *out)
{
    char v[8];
    int r = wz_query_get(qs, len, name, v, sizeof(v));
    *out = 0;
    if (r == 0)
        return 0;
    if (r > 0 && strcmp(v, "true") == 0)
        *out = 1;
    else if (r < 0 || strcmp(v, "false") != 0)
        return -1;
    return 0;
}

/* unit_id, include_descendants, account_id, category_id, channel, type */
static int read_filters(const char *qs, size_t len, wz_stats_params_t *p, wz_stats_bad_t *bad)
{
    if (read_id(qs, len, "unit_id", &p->unit_id) != 0)
        BAD("unit_id", "unit_id must be a positive id");
    if (read_bool(qs, len, "include_descendants", &p->include_descendants) != 0)
        BAD("include_descendants", "include_descendants must be true or false");
    if (read_id(qs, len, "account_id", &p->account_id) != 0)
        BAD("account_id", "account_id must be a positive id");
    if (read_id(qs, len, "category_id", &p->category_id) != 0)
        BAD("category_id", "category_id must be a positive id");
    int r = wz_query_get(qs, len, "channel", p->channel, sizeof(p->channel));
    if (r < 0 || (r > 0 && !one_of(p->channel, channels)))
        BAD("channel", "channel has an unknown value");
    if (r == 0)
        p->channel[0] = '\0';
    r = wz_query_get(qs, len, "type", p->type, sizeof(p->type));
    if (r < 0 || (r > 0 && !one_of(p->type, types)))
        BAD("type", "type has an unknown value");
    if (r == 0)
        p->type[0] = '\0';
    return 0;
}

static int is_period(wz_stats_key_t k)
{
    return k == WZ_SK_DAY || k == WZ_SK_WEEK || k == WZ_SK_MONTH;
}

int wz_stats_params_parse(const char *qs, size_t len, wz_stats_params_t *p, wz_stats_bad_t *bad)
{
    memset(p, 0, sizeof(*p));
    if (read_range(qs, len, &p->from, &p->to, 1, bad) != 0)
        return -1;
    char v[64];
    int r = wz_query_get(qs, len, "group_by", v, sizeof(v));
    if (r < 0)
        BAD("group_by", "group_by must be one or two of unit, account, channel, type, category, day, week, month");
    if (r > 0) {
        char *save = NULL;
        for (char *tok = strtok_r(v, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            int k = -1;
            for (int i = 0; i < WZ_SK__COUNT; i++)
                if (strcmp(tok, key_names[i]) == 0)
                    k = i;
            if (k < 0 || p->nkeys == 2)
                BAD("group_by",
                    "group_by must be one or two of unit, account, channel, type, category, day, week, month");
            p->keys[p->nkeys++] = (wz_stats_key_t)k;
        }
        if (p->nkeys == 0)
            BAD("group_by", "group_by must be one or two of unit, account, channel, type, category, day, week, month");
        if (p->nkeys == 2 && (p->keys[0] == p->keys[1] || (is_period(p->keys[0]) && is_period(p->keys[1]))))
            BAD("group_by", "group_by's two keys must differ, with at most one of day, week, month");
    }
    return read_filters(qs, len, p, bad);
}

int wz_stats_ranking_parse(const char *qs, size_t len, wz_stats_params_t *p, wz_stats_bad_t *bad)
{
    memset(p, 0, sizeof(*p));
    char v[40];
    int r = wz_query_get(qs, len, "metric", v, sizeof(v));
    p->metric = -1;
    for (size_t i = 0; r > 0 && i < wz_stats_nmetrics; i++)
        if (strcmp(v, wz_stats_metrics[i].name) == 0)
            p->metric = (int)i;
    if (p->metric < 0)
        BAD("metric", r == 0 ? "metric is required (a rate, a count or first_reply_hours_avg/median/p90)"
                             : "metric must be a rate, a count or first_reply_hours_avg/median/p90");
    if (read_range(qs, len, &p->from, &p->to, 1, bad) != 0)
        return -1;
    r = wz_query_get(qs, len, "level", v, sizeof(v));
    int64_t level = 0;
    if (r != 0 &&
        (r < 0 || v[0] == '\0' || strlen(v) > 2 || digits(v, strlen(v), &level) != 0 || level < 1 || level > LEVEL_MAX))
        BAD("level", "level must be a depth between 1 (the root's children) and 16");
    p->level = (int)level;
    if (read_filters(qs, len, p, bad) != 0)
        return -1;
    p->ranking = 1;
    p->nkeys = 1;
    p->keys[0] = WZ_SK_UNIT;
    p->include_descendants = 1;
    return 0;
}

int wz_stats_period_parse(const char *qs, size_t len, int64_t now, int64_t *from, int64_t *to, wz_stats_bad_t *bad)
{
    int r = read_range(qs, len, from, to, 0, bad);
    if (r < 0)
        return -1;
    if (r == 1) { /* the last 30 days, today included */
        *to = wz_stats_local_day(now) + 1;
        *from = *to - DEFAULT_HEALTH_DAYS;
    }
    return 0;
}

#undef BAD

/* ---- statements ---- */

static void put(wz_stats_stmt_t *st, const char *s)
{
    size_t have = strlen(st->sql), n = strlen(s);
    if (have + n >= sizeof(st->sql))
        abort(); /* fragments are fixed: this cannot happen */
    memcpy(st->sql + have, s, n + 1);
}

static void bind_value(wz_stats_stmt_t *st, wz_db_value_t v)
{
    if (st->np >= WZ_STATS_MAX_PARAMS)
        abort();
    st->p[st->np++] = v;
}

int wz_stats_needs_units(const wz_stats_params_t *p)
{
    int unit_key = (p->nkeys > 0 && p->keys[0] == WZ_SK_UNIT) || (p->nkeys > 1 && p->keys[1] == WZ_SK_UNIT);
    return unit_key || p->unit_id > 0 || p->ranking;
}

void wz_stats_build_units(const wz_identity_t *who, wz_stats_stmt_t *st)
{
    memset(st, 0, sizeof(*st));
    put(st, "SELECT CAST(id AS SIGNED), name, path FROM units WHERE path LIKE CONCAT(?, '%') ORDER BY id");
    bind_value(st, WZ_DB_TEXT(who->role == WZ_ROLE_ADMIN ? "" : who->unit_path));
}

/* each key is two columns: its value and a label (a path or a name; '' when none) */
static const char *const key_cols[WZ_SK__COUNT] = {
    /* the unit's path comes from the units statement: a path column here would make MariaDB's
     * grouping spill to an on-disk temporary table (VARCHAR(1024)), costing 2 to 4 times more */
    "CAST(r.unit_id AS SIGNED), ''",
    "CAST(r.account_id AS SIGNED), MAX(COALESCE(a.name, ''))",
    "r.channel, ''",
    "r.type, ''",
    "CAST(r.category_id AS SIGNED), MAX(COALESCE(c.name, ''))",
    "DATE_FORMAT(r.day, '%Y-%m-%d'), ''",
    "DATE_FORMAT(r.day, '%x-W%v'), ''", /* %x-%v: the ISO 8601 year and week, Monday first */
    "DATE_FORMAT(r.day, '%Y-%m'), ''",
};
/* the same without aggregates, for the month rows (not grouped) */
static const char *const key_cols_plain[WZ_SK__COUNT] = {
    "CAST(r.unit_id AS SIGNED), ''",
    "CAST(r.account_id AS SIGNED), COALESCE(a.name, '')",
    "r.channel, ''",
    "r.type, ''",
    "CAST(r.category_id AS SIGNED), COALESCE(c.name, '')",
    "DATE_FORMAT(r.day, '%Y-%m-%d'), ''",
    "DATE_FORMAT(r.day, '%x-W%v'), ''",
    "DATE_FORMAT(r.day, '%Y-%m'), ''",
};
static const char *const key_group[WZ_SK__COUNT] = {
    "r.unit_id",
    "r.account_id",
    "r.channel",
    "r.type",
    "r.category_id",
    "r.day",
    "DATE_FORMAT(r.day, '%x-W%v')",
    "DATE_FORMAT(r.day, '%Y-%m')",
};

/* the rollups' figure columns, in stats/facts.h's count order, then reply_count, reply_minutes:
 * one list for the summed day rows and the plain month rows, so the two cannot drift apart */
/* clang-format off */
#define FIGURE_COLUMNS(C)                                                                             \
    C(received) ", " C(dispatched) ", " C(signed) ", " C(signed_on_time) ", " C(replied) ", "         \
    C(replied_on_time) ", " C(overdue) ", " C(returned) ", " C(transferred) ", " C(extended) ", "     \
    C(supervised) ", " C(reopened) ", " C(rated) ", " C(satisfied) ", " C(basically_satisfied) ", "   \
    C(unsatisfied) ", " C(reply_count) ", " C(reply_minutes)
/* clang-format on */
#define SUMMED(c) "SUM(r." #c ")"
#define PLAIN(c) "r." #c

static const char sums[] = FIGURE_COLUMNS(SUMMED);
/* a month row's own figures, not summed, then its packed histogram (only where it has a first
 * reply: otherwise all zeros, not worth shipping) */
static const char month_cols[] = FIGURE_COLUMNS(PLAIN) ", IF(r.reply_count <> 0, r.hist, '')";

/* The dimensions besides unit and period that a query names, as keys or as filters: the
 * grain must keep each of them. */
enum { USES_ACCOUNT = 1, USES_CHANNEL = 2, USES_TYPE = 4, USES_CATEGORY = 8 };

static int dims_used(const wz_stats_params_t *p)
{
    int used = 0;
    for (int i = 0; i < p->nkeys; i++)
        used |= p->keys[i] == WZ_SK_ACCOUNT    ? USES_ACCOUNT
                : p->keys[i] == WZ_SK_CHANNEL  ? USES_CHANNEL
                : p->keys[i] == WZ_SK_TYPE     ? USES_TYPE
                : p->keys[i] == WZ_SK_CATEGORY ? USES_CATEGORY
                                               : 0;
    used |= (p->account_id > 0 ? USES_ACCOUNT : 0) | (p->channel[0] ? USES_CHANNEL : 0) |
            (p->type[0] ? USES_TYPE : 0) | (p->category_id > 0 ? USES_CATEGORY : 0);
    return used;
}

/* the month rows that keep exactly these dimensions (stats_rollup_dim_month's dim), or 0 */
static int dim_of(int used)
{
    switch (used) {
    case USES_ACCOUNT:
        return WZ_STATS_DIM_ACCOUNT;
    case USES_CHANNEL:
        return WZ_STATS_DIM_CHANNEL;
    case USES_TYPE:
        return WZ_STATS_DIM_TYPE;
    case USES_CATEGORY:
        return WZ_STATS_DIM_CATEGORY;
    case USES_ACCOUNT | USES_TYPE:
        return WZ_STATS_DIM_ACCOUNT_TYPE;
    default:
        return 0;
    }
}

/* the first day of the month of day d */
static int64_t month_start(int64_t d)
{
    int64_t y, m, dd;
    wz_civil_from_days(d, &y, &m, &dd);
    return wz_days_from_civil(y, m, 1);
}

static wz_stats_part_t part(wz_stats_grain_t grain, int dim, int hist, int64_t a0, int64_t a1, int64_t b0, int64_t b1)
{
    return (wz_stats_part_t){.grain = grain, .dim = dim, .hist = hist, .range = {{a0, a1}, {b0, b1}}};
}

size_t wz_stats_plan(const wz_stats_params_t *p, const wz_identity_t *who, wz_stats_part_t parts[WZ_STATS_PARTS_MAX])
{
    (void)who; /* every role's scope is one of every grain's columns */
    int used = dims_used(p), dim = dim_of(used);
    /* the day rows of the same keys: the (day, unit) grain, or the full one */
    wz_stats_grain_t days = used == 0 ? WZ_STATS_GRAIN_DAY : WZ_STATS_GRAIN_FULL;
    int by_day = 0;
    for (int i = 0; i < p->nkeys; i++)
        by_day |= p->keys[i] == WZ_SK_DAY || p->keys[i] == WZ_SK_WEEK;
    /* the whole months inside [from, to): [m1, m2) */
    int64_t m1 = month_start(p->from) == p->from ? p->from : month_start(month_start(p->from) + 31);
    int64_t m2 = month_start(p->to);
    if (by_day || m1 >= m2 || (used != 0 && dim == 0)) {
        parts[0] = part(days, 0, 0, p->from, p->to, p->to, p->to);
        parts[1] = part(days, 0, 1, p->from, p->to, p->to, p->to);
        return 2;
    }
    /* a month row holds its counts and its packed histogram: one statement, no GROUP BY (the
     * assembly sums the rows; MariaDB would sum BIGINTs as DECIMALs in a temporary table) */
    wz_stats_grain_t months = used == 0 ? WZ_STATS_GRAIN_MONTH : WZ_STATS_GRAIN_DIM;
    parts[0] = part(months, dim, 0, m1, m2, m2, m2);
    if (p->from == m1 && p->to == m2)
        return 1;
    parts[1] = part(days, 0, 0, p->from, m1, m2, p->to);
    parts[2] = part(days, 0, 1, p->from, m1, m2, p->to);
    return 3;
}

wz_stats_rows_t wz_stats_part_rows(const wz_stats_part_t *part)
{
    if (part->grain == WZ_STATS_GRAIN_MONTH || part->grain == WZ_STATS_GRAIN_DIM)
        return WZ_STATS_ROWS_MONTH;
    return part->hist ? WZ_STATS_ROWS_HIST : WZ_STATS_ROWS_COUNTS;
}

static const char *const tables[4][2] = {
    {"stats_rollup", "stats_reply_hist"},
    {"stats_rollup_unit", "stats_reply_hist_unit"},
    {"stats_rollup_unit_month", "stats_rollup_unit_month"},
    {"stats_rollup_dim_month", "stats_rollup_dim_month"},
};

void wz_stats_build_part(const wz_stats_params_t *p, const wz_identity_t *who, const char *unit_path,
                         const wz_stats_part_t *part, wz_stats_stmt_t *st)
{
    memset(st, 0, sizeof(*st));
    wz_stats_rows_t rows = wz_stats_part_rows(part);
    int full = part->grain == WZ_STATS_GRAIN_FULL;
    put(st, "SELECT ");
    for (int i = 0; i < p->nkeys; i++) {
        /* month rows are not grouped: their labels are plain columns */
        put(st, rows == WZ_STATS_ROWS_MONTH ? key_cols_plain[p->keys[i]] : key_cols[p->keys[i]]);
        put(st, ", ");
    }
    put(st, rows == WZ_STATS_ROWS_COUNTS ? sums : rows == WZ_STATS_ROWS_HIST ? "CAST(r.bucket AS SIGNED), SUM(r.n)"
                                                                              : month_cols);
    put(st, " FROM ");
    put(st, tables[part->grain][part->hist]);
    put(st, " r LEFT JOIN units u ON u.id = r.unit_id");
    if (full)
        put(st, " LEFT JOIN accounts a ON a.id = r.account_id LEFT JOIN units au ON au.id = a.unit_id "
                "LEFT JOIN categories c ON c.id = r.category_id");
    if (part->grain == WZ_STATS_GRAIN_DIM)
        put(st, " LEFT JOIN accounts a ON a.id = r.account_id LEFT JOIN categories c ON c.id = r.category_id");
    if (!full && (who->role == WZ_ROLE_DISPATCHER || who->role == WZ_ROLE_SUPERVISOR || who->role == WZ_ROLE_EVALUATOR))
        put(st, " LEFT JOIN units su ON su.id = r.scope_unit_id");
    int nranges = part->range[1][0] < part->range[1][1] ? 2 : 1;
    put(st, nranges == 2 ? " WHERE ((r.day >= ? AND r.day < ?) OR (r.day >= ? AND r.day < ?))"
                         : " WHERE r.day >= ? AND r.day < ?");
    for (int k = 0; k < nranges; k++) {
        wz_stats_date_format(part->range[k][0], st->dates[2 * k]);
        wz_stats_date_format(part->range[k][1], st->dates[2 * k + 1]);
        bind_value(st, WZ_DB_TEXT(st->dates[2 * k]));
        bind_value(st, WZ_DB_TEXT(st->dates[2 * k + 1]));
    }
    if (part->grain == WZ_STATS_GRAIN_DIM) {
        put(st, " AND r.dim = ?");
        bind_value(st, WZ_DB_INT(part->dim));
    }
    /* scope, as GET /tickets has it: a ticket no unit holds belongs to its account's unit */
    switch (who->role) {
    case WZ_ROLE_ADMIN:
        break;
    case WZ_ROLE_STAFF:
    case WZ_ROLE_REVIEWER:
        put(st, " AND r.unit_id = ?");
        bind_value(st, WZ_DB_INT(who->unit_id));
        break;
    case WZ_ROLE_DISPATCHER:
    case WZ_ROLE_SUPERVISOR:
    case WZ_ROLE_EVALUATOR:
        if (full) {
            put(st, " AND (u.path LIKE CONCAT(?, '%') OR (r.unit_id = 0 AND au.path LIKE CONCAT(?, '%')))");
            bind_value(st, WZ_DB_TEXT(who->unit_path));
        } else {
            put(st, " AND su.path LIKE CONCAT(?, '%')");
        }
        bind_value(st, WZ_DB_TEXT(who->unit_path));
        break;
    default:
        put(st, " AND 1 = 0"); /* citizens are refused before this; nothing if they were not */
        break;
    }
    if (p->unit_id > 0 && unit_path != NULL) {
        if (p->include_descendants) {
            put(st, " AND u.path LIKE CONCAT(?, '%')");
            bind_value(st, WZ_DB_TEXT(unit_path));
        } else {
            put(st, " AND r.unit_id = ?");
            bind_value(st, WZ_DB_INT(p->unit_id));
        }
    }
    if (p->account_id > 0) {
        put(st, " AND r.account_id = ?");
        bind_value(st, WZ_DB_INT(p->account_id));
    }
    if (p->category_id > 0) {
        put(st, " AND r.category_id = ?");
        bind_value(st, WZ_DB_INT(p->category_id));
    }
    if (p->channel[0]) {
        put(st, " AND r.channel = ?");
        bind_value(st, WZ_DB_TEXT(p->channel));
    }
    if (p->type[0]) {
        put(st, " AND r.type = ?");
        bind_value(st, WZ_DB_TEXT(p->type));
    }
    if (rows == WZ_STATS_ROWS_MONTH)
        return; /* one row per (month, unit[, dimension], scope unit); summed by the assembly */
    if (p->nkeys > 0 || rows == WZ_STATS_ROWS_HIST) {
        put(st, " GROUP BY ");
        for (int i = 0; i < p->nkeys; i++) {
            put(st, i > 0 ? ", " : "");
            put(st, key_group[p->keys[i]]);
        }
        if (rows == WZ_STATS_ROWS_HIST)
            put(st, p->nkeys > 0 ? ", r.bucket" : "r.bucket");
    }
}

void wz_stats_build_health(int64_t from, int64_t to, wz_stats_stmt_t *st)
{
    memset(st, 0, sizeof(*st));
    put(st, "SELECT CAST(r.account_id AS SIGNED), SUM(r.received), SUM(r.replied), SUM(r.replied_on_time) "
            "FROM stats_rollup r WHERE r.day >= ? AND r.day < ? AND r.account_id > 0 GROUP BY r.account_id");
    wz_stats_date_format(from, st->dates[0]);
    wz_stats_date_format(to, st->dates[1]);
    bind_value(st, WZ_DB_TEXT(st->dates[0]));
    bind_value(st, WZ_DB_TEXT(st->dates[1]));
}
