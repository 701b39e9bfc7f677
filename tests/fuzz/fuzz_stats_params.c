/* Fuzzes the statistics' query strings (stats/query.c: wz_stats_params_parse,
 * wz_stats_ranking_parse, wz_stats_period_parse) and the period keys (wz_stats_period_range).
 *
 * Input: the bytes as a raw query string (without '?'). Invariants: an accepted request has
 * from < to at most WZ_STATS_MAX_DAYS apart, 0-2 distinct keys, known enums; a refused one names
 * a field and a message; the statement it builds binds at most WZ_STATS_MAX_PARAMS values; a
 * period key that parses is the key of each of its days. */
#include "fuzz.h"
#include "stats/query.h"
#include <stdio.h>

static void check_accepted(const wz_stats_params_t *p)
{
    FUZZ_CHECK(p->from < p->to && p->to - p->from <= WZ_STATS_MAX_DAYS);
    FUZZ_CHECK(p->nkeys >= 0 && p->nkeys <= 2);
    FUZZ_CHECK(p->nkeys < 2 || p->keys[0] != p->keys[1]);
    FUZZ_CHECK(p->unit_id >= 0 && p->account_id >= 0 && p->category_id >= 0);
    wz_identity_t who = {.role = WZ_ROLE_EVALUATOR, .id = 1, .unit_id = 5, .unit_path = "/1/5/"};
    wz_stats_stmt_t st;
    wz_stats_part_t parts[WZ_STATS_PARTS_MAX];
    size_t n = wz_stats_plan(p, &who, parts);
    FUZZ_CHECK(n >= 1 && n <= WZ_STATS_PARTS_MAX);
    /* every day of [from, to) is read once for its counts and once for its histogram (a
     * month row has both) */
    int64_t days = 0, hist_days = 0;
    for (size_t i = 0; i < n; i++) {
        wz_stats_build_part(p, &who, p->unit_id > 0 ? "/1/5/7/" : NULL, &parts[i], &st);
        FUZZ_CHECK(st.np <= WZ_STATS_MAX_PARAMS && strlen(st.sql) < sizeof(st.sql));
        wz_stats_rows_t rows = wz_stats_part_rows(&parts[i]);
        for (int k = 0; k < 2; k++) {
            FUZZ_CHECK(parts[i].range[k][0] <= parts[i].range[k][1]);
            FUZZ_CHECK(parts[i].range[k][0] >= p->from && parts[i].range[k][1] <= p->to);
            int64_t d = parts[i].range[k][1] - parts[i].range[k][0];
            days += rows != WZ_STATS_ROWS_HIST ? d : 0;
            hist_days += rows != WZ_STATS_ROWS_COUNTS ? d : 0;
        }
    }
    FUZZ_CHECK(days == p->to - p->from && hist_days == p->to - p->from);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *qs = (const char *)data;
    wz_stats_params_t p;
    wz_stats_bad_t bad = {NULL, NULL};
    if (wz_stats_params_parse(qs, size, &p, &bad) == 0)
        check_accepted(&p);
    else
        FUZZ_CHECK(bad.field != NULL && bad.message != NULL);
    bad.field = NULL;
    if (wz_stats_ranking_parse(qs, size, &p, &bad) == 0) {
        check_accepted(&p);
        FUZZ_CHECK(p.metric >= 0 && (size_t)p.metric < wz_stats_nmetrics && p.level >= 0 && p.level <= 16);
    } else {
        FUZZ_CHECK(bad.field != NULL);
    }
    int64_t from, to;
    if (wz_stats_period_parse(qs, size, 1700000000, &from, &to, &bad) == 0)
        FUZZ_CHECK(from < to);
    /* the input as a period key of each kind */
    char key[32];
    snprintf(key, sizeof(key), "%.*s", (int)(size < 31 ? size : 31), qs);
    static const wz_stats_key_t kinds[] = {WZ_SK_DAY, WZ_SK_WEEK, WZ_SK_MONTH};
    for (size_t k = 0; k < 3; k++) {
        int64_t s, e;
        if (wz_stats_period_range(kinds[k], key, &s, &e) == 0) {
            FUZZ_CHECK(s < e && e - s <= 31);
            char again[WZ_STATS_DATE_MAX];
            wz_stats_period_key(kinds[k], s, again);
            FUZZ_CHECK(strcmp(again, key) == 0);
            wz_stats_period_key(kinds[k], e - 1, again);
            FUZZ_CHECK(strcmp(again, key) == 0);
        }
    }
    return 0;
}
