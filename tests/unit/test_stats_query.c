/* The statistics' read side (stats/query.h): parameters, periods (ISO weeks across a year end,
 * local midnights), statements, null rates, the roll-up, totals, drill-down, ranking ties and
 * quantiles, on results built by hand. */
#include "check.h"
#include "common/timefmt.h"
#include "stats/buckets.h"
#include "stats/facts.h"
#include "stats/query.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int64_t day(int y, int m, int d)
{
    return wz_days_from_civil(y, m, d);
}

static const char *bad_field(const char *qs)
{
    static wz_stats_bad_t bad;
    wz_stats_params_t p;
    bad.field = NULL;
    if (wz_stats_params_parse(qs, strlen(qs), &p, &bad) == 0)
        return "(accepted)";
    return bad.field;
}

static void test_params(void)
{
    wz_stats_params_t p;
    wz_stats_bad_t bad;
    const char *ok = "from=2026-11-01&to=2026-12-01&group_by=unit,month&unit_id=5&include_descendants=true"
                     "&channel=wechat_oa&type=complaint&account_id=8&category_id=2";
    CHECK_INT(wz_stats_params_parse(ok, strlen(ok), &p, &bad), 0);
    CHECK_INT(p.from, day(2026, 11, 1));
    CHECK_INT(p.to, day(2026, 12, 1));
    CHECK_INT(p.nkeys, 2);
    CHECK_INT(p.keys[0], WZ_SK_UNIT);
    CHECK_INT(p.keys[1], WZ_SK_MONTH);
    CHECK_INT(p.unit_id, 5);
    CHECK_INT(p.include_descendants, 1);
    CHECK_INT(p.account_id, 8);
    CHECK_INT(p.category_id, 2);
    CHECK_STR(p.channel, "wechat_oa");
    CHECK_STR(p.type, "complaint");
    CHECK_STR(bad_field("from=2026-11-01&to=2026-12-01"), "(accepted)"); /* totals only */
    CHECK_STR(bad_field("to=2026-12-01&group_by=unit"), "from");
    CHECK_STR(bad_field("from=2026-11-01&group_by=unit"), "to");
    CHECK_STR(bad_field("from=2026-02-30&to=2026-12-01"), "from");
    CHECK_STR(bad_field("from=2026-1-01&to=2026-12-01"), "from");
    CHECK_STR(bad_field("from=2026-11-01&to=2026-11-01"), "to");
    CHECK_STR(bad_field("from=2026-11-02&to=2026-11-01"), "to");
    CHECK_STR(bad_field("from=2023-11-01&to=2026-11-02"), "(accepted)"); /* three years and a day */
    CHECK_STR(bad_field("from=2023-11-01&to=2026-11-05"), "to");
    CHECK_STR(bad_field("from=2026-11-01&to=2026-12-01&group_by=region"), "group_by");
    CHECK_STR(bad_field("from=2026-11-01&to=2026-12-01&group_by=unit,type,day"), "group_by");
    CHECK_STR(bad_field("from=2026-11-01&to=2026-12-01&group_by=unit,unit"), "group_by");
    CHECK_STR(bad_field("from=2026-11-01&to=2026-12-01&group_by=day,month"), "group_by");
    CHECK_STR(bad_field("from=2026-11-01&to=2026-12-01&group_by="), "group_by");
    CHECK_STR(bad_field("from=2026-11-01&to=2026-12-01&unit_id=0"), "unit_id");
    CHECK_STR(bad_field("from=2026-11-01&to=2026-12-01&unit_id=x"), "unit_id");
    CHECK_STR(bad_field("from=2026-11-01&to=2026-12-01&include_descendants=yes"), "include_descendants");
    CHECK_STR(bad_field("from=2026-11-01&to=2026-12-01&channel=fax"), "channel");
    CHECK_STR(bad_field("from=2026-11-01&to=2026-12-01&type=x"), "type");
    CHECK_STR(bad_field("from=2026-11-01&to=2026-12-01&account_id=-1"), "account_id");
}

static void test_ranking_params(void)
{
    wz_stats_params_t p;
    wz_stats_bad_t bad;
    const char *ok = "metric=overdue&from=2026-11-01&to=2026-12-01&level=2";
    CHECK_INT(wz_stats_ranking_parse(ok, strlen(ok), &p, &bad), 0);
    CHECK_STR(wz_stats_metrics[p.metric].name, "overdue");
    CHECK_INT(wz_stats_metrics[p.metric].higher_is_better, 0);
    CHECK_INT(p.level, 2);
    CHECK_INT(p.ranking, 1);
    CHECK_INT(p.include_descendants, 1);
    static const char *const bads[][2] = {{"from=2026-11-01&to=2026-12-01", "metric"},
                                          {"metric=speed&from=2026-11-01&to=2026-12-01", "metric"},
                                          {"metric=reply_rate&to=2026-12-01", "from"},
                                          {"metric=reply_rate&from=2026-11-01&to=2026-12-01&level=0", "level"},
                                          {"metric=reply_rate&from=2026-11-01&to=2026-12-01&level=17", "level"},
                                          {"metric=reply_rate&from=2026-11-01&to=2026-12-01&level=a", "level"}};
    for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
        bad.field = NULL;
        CHECK_INT(wz_stats_ranking_parse(bads[i][0], strlen(bads[i][0]), &p, &bad), -1);
        CHECK_STR(bad.field, bads[i][1]);
    }
}

static void test_health_period(void)
{
    int64_t from, to;
    wz_stats_bad_t bad;
    int64_t now = wz_stats_day_start(day(2026, 12, 4)) + 3600; /* 01:00 local on 4 December */
    CHECK_INT(wz_stats_period_parse("", 0, now, &from, &to, &bad), 0);
    CHECK_INT(to, day(2026, 12, 5));
    CHECK_INT(from, day(2026, 11, 5));
    /* 23:59:59 UTC on 3 December is already 4 December in Beijing */
    CHECK_INT(wz_stats_period_parse("", 0, wz_stats_day_start(day(2026, 12, 4)), &from, &to, &bad), 0);
    CHECK_INT(to, day(2026, 12, 5));
    CHECK_INT(wz_stats_period_parse("", 0, wz_stats_day_start(day(2026, 12, 4)) - 1, &from, &to, &bad), 0);
    CHECK_INT(to, day(2026, 12, 4));
    const char *qs = "from=2026-10-01";
    CHECK_INT(wz_stats_period_parse(qs, strlen(qs), now, &from, &to, &bad), -1);
    CHECK_STR(bad.field, "to");
}

static void key(wz_stats_key_t kind, int64_t d, const char *want)
{
    char out[WZ_STATS_DATE_MAX];
    wz_stats_period_key(kind, d, out);
    CHECK_STR(out, want);
}

static void test_periods(void)
{
    key(WZ_SK_DAY, day(2026, 11, 3), "2026-11-03");
    key(WZ_SK_MONTH, day(2026, 11, 30), "2026-11");
    key(WZ_SK_WEEK, day(2026, 11, 3), "2026-W45");
    key(WZ_SK_WEEK, day(2026, 11, 2), "2026-W45"); /* Monday starts the week */
    key(WZ_SK_WEEK, day(2026, 11, 1), "2026-W44"); /* Sunday ends the one before */
    /* 2026 has 53 ISO weeks: 1 January 2027 (a Friday) is still in 2026-W53 */
    key(WZ_SK_WEEK, day(2026, 12, 31), "2026-W53");
    key(WZ_SK_WEEK, day(2027, 1, 3), "2026-W53");
    key(WZ_SK_WEEK, day(2027, 1, 4), "2027-W01");
    /* and 30 December 2024 (a Monday) is already in 2025-W01 */
    key(WZ_SK_WEEK, day(2024, 12, 29), "2024-W52");
    key(WZ_SK_WEEK, day(2024, 12, 30), "2025-W01");
    key(WZ_SK_WEEK, day(2021, 1, 3), "2020-W53");
    int64_t s, e;
    CHECK_INT(wz_stats_period_range(WZ_SK_WEEK, "2026-W53", &s, &e), 0);
    CHECK_INT(s, day(2026, 12, 28));
    CHECK_INT(e, day(2027, 1, 4));
    CHECK_INT(wz_stats_period_range(WZ_SK_WEEK, "2025-W01", &s, &e), 0);
    CHECK_INT(s, day(2024, 12, 30));
    CHECK_INT(wz_stats_period_range(WZ_SK_WEEK, "2025-W53", &s, &e), -1); /* 2025 has 52 */
    CHECK_INT(wz_stats_period_range(WZ_SK_WEEK, "2025-W00", &s, &e), -1);
    CHECK_INT(wz_stats_period_range(WZ_SK_MONTH, "2028-02", &s, &e), 0);
    CHECK_INT(e - s, 29);
    CHECK_INT(wz_stats_period_range(WZ_SK_MONTH, "2028-13", &s, &e), -1);
    CHECK_INT(wz_stats_period_range(WZ_SK_DAY, "2026-11-03", &s, &e), 0);
    CHECK_INT(e, s + 1);
    /* every day of four years lies in the week and month its key names */
    for (int64_t d = day(2024, 1, 1); d < day(2028, 1, 1); d++) {
        char k[WZ_STATS_DATE_MAX];
        wz_stats_period_key(WZ_SK_WEEK, d, k);
        CHECK(wz_stats_period_range(WZ_SK_WEEK, k, &s, &e) == 0 && s <= d && d < e && e - s == 7);
        wz_stats_period_key(WZ_SK_MONTH, d, k);
        CHECK(wz_stats_period_range(WZ_SK_MONTH, k, &s, &e) == 0 && s <= d && d < e);
    }
    /* local midnights: Asia/Shanghai is UTC+8 */
    char t[WZ_RFC3339_MAX];
    wz_time_format(wz_stats_day_start(day(2026, 11, 1)), t);
    CHECK_STR(t, "2026-11-01T00:00:00+08:00");
    int64_t utc = 0;
    CHECK_INT(wz_time_parse("2026-10-31T15:59:59Z", 20, &utc), 0);
    CHECK_INT(wz_stats_local_day(utc), day(2026, 10, 31));
    CHECK_INT(wz_stats_local_day(utc + 1), day(2026, 11, 1));
}

static void test_statements(void)
{
    wz_stats_params_t p;
    wz_stats_bad_t bad;
    const char *qs = "from=2026-11-01&to=2026-12-01&group_by=account,type&channel=weibo";
    CHECK_INT(wz_stats_params_parse(qs, strlen(qs), &p, &bad), 0);
    wz_identity_t staff = {.role = WZ_ROLE_STAFF, .id = 5, .unit_id = 3, .unit_path = "/1/3/"};
    wz_identity_t eval = {.role = WZ_ROLE_EVALUATOR, .id = 4, .unit_id = 5, .unit_path = "/1/5/"};
    wz_identity_t admin = {.role = WZ_ROLE_ADMIN, .id = 1, .unit_id = 1, .unit_path = "/1/"};
    wz_stats_stmt_t st;
    wz_stats_part_t parts[WZ_STATS_PARTS_MAX];
    /* account x type: only the full keys have them */
    CHECK_INT(wz_stats_plan(&p, &staff, parts), 2);
    CHECK_INT(parts[0].grain, WZ_STATS_GRAIN_FULL);
    CHECK_INT(wz_stats_part_rows(&parts[1]), WZ_STATS_ROWS_HIST);
    wz_stats_build_part(&p, &staff, NULL, &parts[0], &st);
    CHECK(strstr(st.sql, "FROM stats_rollup r") != NULL);
    CHECK(strstr(st.sql, "AND r.unit_id = ?") != NULL);
    CHECK(strstr(st.sql, "GROUP BY r.account_id, r.type") != NULL);
    CHECK_INT(st.np, 4); /* from, to, the unit, the channel */
    CHECK_STR(st.p[0].u.s.p, "2026-11-01");
    CHECK_STR(st.p[1].u.s.p, "2026-12-01");
    CHECK_INT(st.p[2].u.i, 3);
    CHECK_INT(wz_stats_plan(&p, &eval, parts), 2);
    wz_stats_build_part(&p, &eval, NULL, &parts[1], &st);
    CHECK(strstr(st.sql, "FROM stats_reply_hist r") != NULL);
    CHECK(strstr(st.sql, "r.unit_id = 0 AND au.path LIKE") != NULL);
    CHECK(strstr(st.sql, "GROUP BY r.account_id, r.type, r.bucket") != NULL);
    CHECK_INT(st.np, 5);
    CHECK_STR(st.p[2].u.s.p, "/1/5/");
    wz_stats_build_part(&p, &admin, NULL, &parts[0], &st);
    CHECK_INT(st.np, 3); /* no scope for admins */
    /* by unit over 2026-10-15 .. 2027-02-03: November to January from the month rows, the days
     * around them from the day rows, for a subtree role too (by the rows' scope unit) */
    qs = "from=2026-10-15&to=2027-02-03&group_by=unit";
    CHECK_INT(wz_stats_params_parse(qs, strlen(qs), &p, &bad), 0);
    CHECK_INT(wz_stats_plan(&p, &eval, parts), 3);
    CHECK_INT(parts[0].grain, WZ_STATS_GRAIN_MONTH);
    CHECK_INT(wz_stats_part_rows(&parts[0]), WZ_STATS_ROWS_MONTH);
    CHECK_INT(parts[1].grain, WZ_STATS_GRAIN_DAY);
    CHECK_INT(wz_stats_part_rows(&parts[1]), WZ_STATS_ROWS_COUNTS);
    CHECK_INT(wz_stats_part_rows(&parts[2]), WZ_STATS_ROWS_HIST);
    wz_stats_build_part(&p, &eval, NULL, &parts[0], &st);
    CHECK(strstr(st.sql, "r.reply_minutes, IF(r.reply_count <> 0, r.hist, '') FROM stats_rollup_unit_month r") != NULL);
    CHECK(strstr(st.sql, "su.path LIKE CONCAT(?, '%')") != NULL);
    CHECK(strstr(st.sql, "SUM(") == NULL && strstr(st.sql, "GROUP BY") == NULL); /* summed by the assembly */
    CHECK_STR(st.p[0].u.s.p, "2026-11-01");
    CHECK_STR(st.p[1].u.s.p, "2027-02-01");
    CHECK_STR(st.p[2].u.s.p, "/1/5/");
    wz_stats_build_part(&p, &eval, NULL, &parts[1], &st);
    CHECK(strstr(st.sql, "FROM stats_rollup_unit r") != NULL);
    CHECK_INT(st.np, 5);
    CHECK_STR(st.p[0].u.s.p, "2026-10-15");
    CHECK_STR(st.p[1].u.s.p, "2026-11-01");
    CHECK_STR(st.p[2].u.s.p, "2027-02-01");
    CHECK_STR(st.p[3].u.s.p, "2027-02-03");
    /* whole months only: one part; no whole month: the day rows for all of it */
    qs = "from=2026-07-01&to=2026-10-01&group_by=month";
    CHECK_INT(wz_stats_params_parse(qs, strlen(qs), &p, &bad), 0);
    CHECK_INT(wz_stats_plan(&p, &eval, parts), 1);
    CHECK_INT(parts[0].grain, WZ_STATS_GRAIN_MONTH);
    qs = "from=2026-07-02&to=2026-08-31";
    CHECK_INT(wz_stats_params_parse(qs, strlen(qs), &p, &bad), 0);
    CHECK_INT(wz_stats_plan(&p, &admin, parts), 2);
    CHECK_INT(parts[0].grain, WZ_STATS_GRAIN_DAY);
    CHECK(parts[0].range[0][0] == p.from && parts[0].range[0][1] == p.to);
    /* one dimension (or account and type) over whole months: its month rows, then the full
     * grain's day rows for the days around them; three dimensions: the full grain throughout */
    qs = "from=2026-10-15&to=2027-01-01&group_by=account,type";
    CHECK_INT(wz_stats_params_parse(qs, strlen(qs), &p, &bad), 0);
    CHECK_INT(wz_stats_plan(&p, &eval, parts), 3);
    CHECK_INT(parts[0].grain, WZ_STATS_GRAIN_DIM);
    CHECK_INT(parts[0].dim, WZ_STATS_DIM_ACCOUNT_TYPE);
    CHECK_INT(wz_stats_part_rows(&parts[0]), WZ_STATS_ROWS_MONTH);
    CHECK_INT(parts[1].grain, WZ_STATS_GRAIN_FULL);
    wz_stats_build_part(&p, &eval, NULL, &parts[0], &st);
    CHECK(strstr(st.sql, "FROM stats_rollup_dim_month r") != NULL);
    CHECK(strstr(st.sql, "AND r.dim = ?") != NULL);
    CHECK(strstr(st.sql, "GROUP BY") == NULL);
    CHECK(strstr(st.sql, "COALESCE(a.name, '')") != NULL && strstr(st.sql, "MAX(") == NULL);
    CHECK_INT(st.p[2].u.i, WZ_STATS_DIM_ACCOUNT_TYPE);
    wz_stats_build_part(&p, &eval, NULL, &parts[1], &st);
    CHECK(strstr(st.sql, "FROM stats_rollup r") != NULL);
    CHECK_STR(st.p[1].u.s.p, "2026-11-01");
    qs = "from=2026-11-01&to=2026-12-01&group_by=unit&type=complaint";
    CHECK_INT(wz_stats_params_parse(qs, strlen(qs), &p, &bad), 0);
    CHECK_INT(wz_stats_plan(&p, &eval, parts), 1);
    CHECK_INT(parts[0].dim, WZ_STATS_DIM_TYPE);
    qs = "from=2026-11-01&to=2026-12-01&group_by=type&channel=weibo";
    CHECK_INT(wz_stats_params_parse(qs, strlen(qs), &p, &bad), 0);
    CHECK_INT(wz_stats_plan(&p, &eval, parts), 2);
    CHECK_INT(parts[0].grain, WZ_STATS_GRAIN_FULL);
    /* a unit filter with its subtree, by week: the day rows, by the unit's path */
    qs = "from=2026-11-01&to=2026-12-01&group_by=week&unit_id=5&include_descendants=true";
    CHECK_INT(wz_stats_params_parse(qs, strlen(qs), &p, &bad), 0);
    CHECK_INT(wz_stats_plan(&p, &admin, parts), 2);
    CHECK_INT(parts[0].grain, WZ_STATS_GRAIN_DAY);
    wz_stats_build_part(&p, &admin, "/1/5/", &parts[0], &st);
    CHECK(strstr(st.sql, "AND u.path LIKE CONCAT(?, '%')") != NULL);
    CHECK(strstr(st.sql, "%x-W%v") != NULL);
    CHECK_STR(st.p[2].u.s.p, "/1/5/");
    CHECK_INT(wz_stats_needs_units(&p), 1);
}

/* ---- hand-built results ---- */

typedef struct {
    wz_db_result_t res;
    wz_db_value_t cells[64 * 24];
} fake_t;

static void fake_start(fake_t *f, size_t ncols)
{
    memset(f, 0, sizeof(*f));
    f->res.ncols = ncols;
    f->res.cells = f->cells;
}

static void put_int(fake_t *f, size_t *at, long long v)
{
    f->cells[(*at)++] = (wz_db_value_t){.type = WZ_DB_T_INT, .u.i = v};
}

static void put_text(fake_t *f, size_t *at, const char *s)
{
    f->cells[(*at)++] = (wz_db_value_t){.type = WZ_DB_T_TEXT, .u.s = {s, strlen(s)}};
}

/* a rollup row keyed by unit (id, path): received, dispatched, signed_on_time, replied, returned,
 * rated, satisfied, reply_count, reply_minutes; the rest 0 */
static void unit_row(fake_t *f, long long unit, const char *path, long long received, long long replied,
                     long long returned, long long rated, long long satisfied, long long rc, long long rm)
{
    size_t at = f->res.nrows * f->res.ncols;
    put_int(f, &at, unit);
    put_text(f, &at, path);
    long long c[WZ_STATS_NCOUNTS] = {0};
    c[WZ_C_RECEIVED] = received;
    c[WZ_C_DISPATCHED] = unit ? received : 0;
    c[WZ_C_REPLIED] = replied;
    c[WZ_C_RETURNED] = returned;
    c[WZ_C_RATED] = rated;
    c[WZ_C_SATISFIED] = satisfied;
    for (int i = 0; i < WZ_STATS_NCOUNTS; i++)
        put_int(f, &at, c[i]);
    put_int(f, &at, rc);
    put_int(f, &at, rm);
    f->res.nrows++;
}

static void hist_row(fake_t *f, long long unit, const char *path, long long bucket, long long n)
{
    size_t at = f->res.nrows * f->res.ncols;
    put_int(f, &at, unit);
    put_text(f, &at, path);
    put_int(f, &at, bucket);
    put_int(f, &at, n);
    f->res.nrows++;
}

/* a month row of a unit: its received and first-reply figures (the rest 0), then the packed
 * histogram; the label is '' as the statement leaves it */
static void month_row(fake_t *f, long long unit, long long received, long long rc, long long rm,
                      const unsigned char *packed)
{
    size_t at = f->res.nrows * f->res.ncols;
    put_int(f, &at, unit);
    put_text(f, &at, "");
    for (int i = 0; i < WZ_STATS_NCOUNTS; i++)
        put_int(f, &at, i == WZ_C_RECEIVED ? received : 0);
    put_int(f, &at, rc);
    put_int(f, &at, rm);
    f->cells[at++] = (wz_db_value_t){.type = WZ_DB_T_TEXT, .u.s = {(const char *)packed, WZ_STATS_HIST_BYTES}};
    f->res.nrows++;
}

static fake_t units_res, rollup_res, hist_res;

static void demo_units(void)
{
    /* the demo tree's city (1), its housing bureau (3), the east district (5), its education
     * bureau (6) and street office (7) */
    fake_start(&units_res, 3);
    static const struct {
        long long id;
        const char *name, *path;
    } u[] = {{1, "市政府", "/1/"},
             {3, "住建局", "/1/3/"},
             {5, "东城区", "/1/5/"},
             {6, "教育局", "/1/5/6/"},
             {7, "东华街道", "/1/5/7/"}};
    for (size_t i = 0; i < 5; i++) {
        size_t at = i * 3;
        put_int(&units_res, &at, u[i].id);
        put_text(&units_res, &at, u[i].name);
        put_text(&units_res, &at, u[i].path);
        units_res.res.nrows++;
    }
    fake_start(&rollup_res, 2 + WZ_STATS_NCOUNTS + 2);
    unit_row(&rollup_res, 0, "", 2, 0, 0, 0, 0, 0, 0);          /* unassigned */
    unit_row(&rollup_res, 3, "/1/3/", 3, 2, 0, 2, 1, 2, 300);   /* the metrics.md example */
    unit_row(&rollup_res, 5, "/1/5/", 0, 0, 1, 0, 0, 0, 0);     /* a return, no tickets */
    unit_row(&rollup_res, 6, "/1/5/6/", 4, 4, 0, 0, 0, 4, 480); /* four replied */
    unit_row(&rollup_res, 7, "/1/5/7/", 2, 1, 0, 1, 0, 1, 60);
    fake_start(&hist_res, 4);
    hist_row(&hist_res, 3, "/1/3/", 60, 1);  /* 60 minutes */
    hist_row(&hist_res, 3, "/1/3/", 145, 1); /* 240 < m <= 245 */
    hist_row(&hist_res, 6, "/1/5/6/", 120, 4);
    hist_row(&hist_res, 7, "/1/5/7/", 60, 1);
}

static json_t *row_of(json_t *rows, const char *unit_id)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        const char *u = json_string_value(json_object_get(r, "unit_id"));
        if ((unit_id == NULL && u == NULL) || (unit_id && u && strcmp(u, unit_id) == 0))
            return r;
    }
    return NULL;
}

static long long count(json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

static const char *dd(json_t *row, const char *k)
{
    return json_string_value(json_object_get(json_object_get(row, "drilldown"), k));
}

static void test_assemble_units(void)
{
    demo_units();
    wz_identity_t admin = {.role = WZ_ROLE_ADMIN, .id = 1, .unit_id = 1, .unit_path = "/1/"};
    wz_stats_params_t p;
    wz_stats_bad_t bad;
    const char *qs = "from=2026-11-01&to=2026-12-01&group_by=unit";
    CHECK_INT(wz_stats_params_parse(qs, strlen(qs), &p, &bad), 0);
    wz_stats_units_t *units = wz_stats_units_new(&units_res.res);
    json_t *doc = wz_stats_assemble(&p, &admin, units, &rollup_res.res, &hist_res.res);
    json_t *rows = json_object_get(doc, "rows");
    CHECK_INT(json_array_size(rows), 5); /* each unit with rows of its own, and 未派单 */
    json_t *u0 = json_array_get(rows, 0);
    CHECK(json_is_null(json_object_get(u0, "unit_id")));
    CHECK_STR(json_string_value(json_object_get(u0, "unit_name")), "未派单");
    CHECK_STR(dd(u0, "unassigned"), "true");
    json_t *u3 = row_of(rows, "3");
    CHECK(u3 != NULL);
    CHECK_STR(json_string_value(json_object_get(u3, "unit_name")), "住建局");
    CHECK_INT(count(u3, "received"), 3);
    CHECK(json_real_value(json_object_get(u3, "reply_rate")) == 2.0 / 3.0);
    CHECK(json_real_value(json_object_get(u3, "satisfaction_rate")) == 0.5);
    CHECK(json_real_value(json_object_get(u3, "first_reply_hours_avg")) == 2.5); /* 300 / 2 / 60 */
    CHECK(json_real_value(json_object_get(u3, "first_reply_hours_median")) == 1.0);
    CHECK(json_real_value(json_object_get(u3, "first_reply_hours_p90")) == 245.0 / 60.0);
    CHECK_STR(dd(u3, "unit_id"), "3");
    CHECK(dd(u3, "include_descendants") == NULL);
    CHECK_STR(dd(u3, "received_from"), "2026-11-01T00:00:00+08:00");
    CHECK_STR(dd(u3, "received_to"), "2026-12-01T00:00:00+08:00");
    CHECK_STR(dd(u3, "merged"), "false");
    /* unit 5: a return, no tickets: every rate null, never 0 */
    json_t *u5 = row_of(rows, "5");
    CHECK_INT(count(u5, "returned"), 1);
    static const char *const nulls[] = {"reply_rate",           "on_time_reply_rate",    "on_time_sign_rate",
                                        "satisfaction_rate",    "first_reply_hours_avg", "first_reply_hours_median",
                                        "first_reply_hours_p90"};
    for (size_t i = 0; i < 7; i++)
        CHECK(json_is_null(json_object_get(u5, nulls[i])));
    CHECK(row_of(rows, "1") == NULL); /* no tickets of its own */
    json_t *totals = json_object_get(doc, "totals");
    CHECK_INT(count(totals, "received"), 11);
    CHECK_INT(count(totals, "replied"), 7);
    CHECK_INT(count(totals, "returned"), 1);
    CHECK(json_real_value(json_object_get(totals, "first_reply_hours_avg")) == 840.0 / (7 * 60.0));
    CHECK(json_real_value(json_object_get(totals, "first_reply_hours_median")) == 2.0); /* 4th of 7: 120 */
    json_decref(doc);

    /* the roll-up: each unit sums its subtree; totals still count each ticket once */
    p.include_descendants = 1;
    doc = wz_stats_assemble(&p, &admin, units, &rollup_res.res, &hist_res.res);
    rows = json_object_get(doc, "rows");
    CHECK_INT(json_array_size(rows), 6); /* 未派单, 1, 3, 5, 6, 7 */
    json_t *r1 = row_of(rows, "1"), *r5 = row_of(rows, "5");
    CHECK_INT(count(r1, "received"), 9);
    CHECK_INT(count(r1, "returned"), 1);
    CHECK_INT(count(r5, "received"), 6);
    CHECK_INT(count(r5, "replied"), 5);
    CHECK(json_real_value(json_object_get(r5, "first_reply_hours_avg")) == 540.0 / 300.0);
    CHECK(json_real_value(json_object_get(r5, "first_reply_hours_median")) == 2.0);
    CHECK_STR(dd(r5, "include_descendants"), "true");
    CHECK_INT(count(json_object_get(doc, "totals"), "received"), 11);
    json_decref(doc);

    /* an evaluator of the district: its subtree only, the city above it not at all */
    wz_identity_t eval = {.role = WZ_ROLE_EVALUATOR, .id = 9, .unit_id = 5, .unit_path = "/1/5/"};
    doc = wz_stats_assemble(&p, &eval, units, &rollup_res.res, &hist_res.res);
    rows = json_object_get(doc, "rows");
    CHECK(row_of(rows, "1") == NULL);
    CHECK(row_of(rows, "5") != NULL);
    CHECK_INT(count(row_of(rows, "5"), "received"), 6);
    json_decref(doc);

    /* month rows carry their own counts and a packed histogram; they sum with the day rows'
     * counts and histogram rows into the same figures: unit 3's 60-minute reply packed, its
     * 245-minute one a row of the days around the months */
    static unsigned char packed3[WZ_STATS_HIST_BYTES], packed6[WZ_STATS_HIST_BYTES];
    int64_t h3[WZ_STATS_BUCKETS] = {0}, h6[WZ_STATS_BUCKETS] = {0};
    h3[60] = 1;
    h6[120] = 4;
    wz_stats_hist_pack(h3, packed3);
    wz_stats_hist_pack(h6, packed6);
    fake_t month_res, rest_res;
    fake_start(&month_res, 2 + WZ_STATS_NCOUNTS + 2 + 1);
    month_row(&month_res, 3, 5, 1, 60, packed3);
    month_row(&month_res, 6, 4, 4, 480, packed6);
    fake_start(&rest_res, 4);
    hist_row(&rest_res, 3, "/1/3/", 145, 1);
    hist_row(&rest_res, 7, "/1/5/7/", 60, 1);
    p.include_descendants = 0;
    wz_stats_asm_t *s = wz_stats_asm_new(&p, &admin, units);
    wz_stats_asm_add(s, &rollup_res.res, WZ_STATS_ROWS_COUNTS);
    wz_stats_asm_add(s, &month_res.res, WZ_STATS_ROWS_MONTH);
    wz_stats_asm_add(s, &rest_res.res, WZ_STATS_ROWS_HIST);
    doc = wz_stats_asm_finish(s);
    u3 = row_of(json_object_get(doc, "rows"), "3");
    CHECK_INT(count(u3, "received"), 3 + 5);
    CHECK_INT(count(json_object_get(doc, "totals"), "received"), 11 + 5 + 4);
    CHECK(json_real_value(json_object_get(u3, "first_reply_hours_median")) == 1.0);
    CHECK(json_real_value(json_object_get(u3, "first_reply_hours_p90")) == 245.0 / 60.0);
    CHECK(json_real_value(json_object_get(row_of(json_object_get(doc, "rows"), "6"), "first_reply_hours_p90")) == 2.0);
    CHECK(json_real_value(json_object_get(json_object_get(doc, "totals"), "first_reply_hours_median")) == 2.0);
    json_decref(doc);
    wz_stats_units_free(units);
}

static void test_assemble_ranking(void)
{
    demo_units();
    wz_identity_t admin = {.role = WZ_ROLE_ADMIN, .id = 1, .unit_id = 1, .unit_path = "/1/"};
    wz_stats_params_t p;
    wz_stats_bad_t bad;
    const char *qs = "metric=reply_rate&from=2026-11-01&to=2026-12-01&level=1";
    CHECK_INT(wz_stats_ranking_parse(qs, strlen(qs), &p, &bad), 0);
    wz_stats_units_t *units = wz_stats_units_new(&units_res.res);
    /* level 1: 3 (2/3) and 5 (5/6, its subtree) */
    json_t *doc = wz_stats_assemble(&p, &admin, units, &rollup_res.res, &hist_res.res);
    json_t *items = json_object_get(doc, "items");
    CHECK_INT(json_array_size(items), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(items, 0), "unit_id")), "5");
    CHECK_INT(count(json_array_get(items, 0), "rank"), 1);
    CHECK(json_real_value(json_object_get(json_array_get(items, 0), "value")) == 5.0 / 6.0);
    CHECK_INT(count(json_array_get(items, 1), "rank"), 2);
    CHECK_STR(json_string_value(json_object_get(doc, "better")), "higher");
    json_decref(doc);
    /* every depth: 1 (7/9), 3 (2/3), 5 (5/6), 6 (1), 7 (1/2) */
    p.level = 0;
    doc = wz_stats_assemble(&p, &admin, units, &rollup_res.res, &hist_res.res);
    items = json_object_get(doc, "items");
    CHECK_INT(json_array_size(items), 5);
    static const char *const want[] = {"6", "5", "1", "3", "7"};
    for (size_t i = 0; i < 5; i++)
        CHECK_STR(json_string_value(json_object_get(json_array_get(items, i), "unit_id")), want[i]);
    json_decref(doc);
    wz_stats_units_free(units);
}

static void test_rank(void)
{
    double v[] = {0.5, 1.0, 0.5, NAN, 0.25, 1.0};
    size_t order[6];
    int ranks[6];
    wz_stats_rank(v, 6, 1, order, ranks);
    static const size_t want_order[] = {1, 5, 0, 2, 4, 3};
    static const int want_ranks[] = {3, 1, 3, 0, 5, 1};
    for (size_t i = 0; i < 6; i++) {
        CHECK_INT(order[i], want_order[i]);
        CHECK_INT(ranks[i], want_ranks[i]);
    }
    /* lower is better (overdue): 0 first, the two 2s share rank 2, the 5 is 4th */
    double o[] = {2, 5, 0, 2};
    wz_stats_rank(o, 4, 0, order, ranks);
    CHECK_INT(order[0], 2);
    CHECK_INT(ranks[2], 1);
    CHECK_INT(ranks[0], 2);
    CHECK_INT(ranks[3], 2);
    CHECK_INT(ranks[1], 4);
    /* equal fractions are equal doubles: 1/3 and 2/6 tie */
    double f[] = {1.0 / 3.0, 2.0 / 6.0};
    wz_stats_rank(f, 2, 1, order, ranks);
    CHECK_INT(ranks[0], 1);
    CHECK_INT(ranks[1], 1);
}

static void test_rates(void)
{
    json_t *r = wz_stats_rate(0, 0);
    CHECK(json_is_null(r));
    json_decref(r);
    r = wz_stats_rate(0, 5);
    CHECK(json_is_real(r) && json_real_value(r) == 0.0);
    json_decref(r);
    wz_stats_acc_t a = {{0}, 0, 0, NULL};
    a.c[WZ_C_DISPATCHED] = 3;
    a.c[WZ_C_SIGNED_ON_TIME] = 1;
    a.c[WZ_C_RATED] = 2;
    a.c[WZ_C_SATISFIED] = 1;
    a.c[WZ_C_BASICALLY_SATISFIED] = 1;
    json_t *o = json_object();
    wz_stats_figures_json(&a, o);
    CHECK(json_is_null(json_object_get(o, "reply_rate"))); /* received 0 */
    CHECK(json_real_value(json_object_get(o, "on_time_sign_rate")) == 1.0 / 3.0);
    CHECK(json_real_value(json_object_get(o, "satisfaction_rate")) == 1.0);
    CHECK(json_is_null(json_object_get(o, "first_reply_hours_median")));
    CHECK_INT(json_object_size(o), WZ_STATS_NCOUNTS + 7);
    json_decref(o);
}

int main(void)
{
    RUN(test_params);
    RUN(test_ranking_params);
    RUN(test_health_period);
    RUN(test_periods);
    RUN(test_statements);
    RUN(test_assemble_units);
    RUN(test_assemble_ranking);
    RUN(test_rank);
    RUN(test_rates);
    return CHECK_DONE();
}
