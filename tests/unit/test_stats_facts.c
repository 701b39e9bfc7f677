/* A ticket's statistics facts (stats/facts.h), on docs/metrics.md's example. */
#include "check.h"
#include "sla/calendar.h"
#include "stats/facts.h"
#include <string.h>

static wz_calendar_t cal;

/* 2026-11-16 (a Monday) 09:00 Beijing time */
#define MON_9AM 1794790800LL

static wz_stats_ticket_t ticket(int64_t unit)
{
    wz_stats_ticket_t t;
    memset(&t, 0, sizeof(t));
    t.id = 1;
    t.received_at = MON_9AM;
    t.unit_id = unit;
    t.account_id = 7;
    t.category_id = 2;
    strcpy(t.channel, "wechat_oa");
    strcpy(t.type, "complaint");
    return t;
}

static void test_answered_on_time(void)
{
    wz_stats_ticket_t t = ticket(3); /* ticket A */
    t.dispatched = t.signed_ = t.signed_on_time = t.replied_on_time = 1;
    t.replied_at = MON_9AM + 90 * 60; /* 10:30: 90 working minutes */
    strcpy(t.satisfaction, "satisfied");
    wz_stats_move_t m[] = {{"dispatch", 3}};
    wz_stats_fact_t f[WZ_STATS_FACTS_MAX];
    CHECK_INT(wz_stats_facts(&t, m, 1, &cal, f, WZ_STATS_FACTS_MAX), 1);
    CHECK_INT(f[0].unit_id, 3);
    int want[WZ_SC__COUNT] = {[WZ_SC_RECEIVED] = 1, [WZ_SC_DISPATCHED] = 1, [WZ_SC_SIGNED] = 1,
                              [WZ_SC_SIGNED_ON_TIME] = 1, [WZ_SC_REPLIED] = 1, [WZ_SC_REPLIED_ON_TIME] = 1,
                              [WZ_SC_RATED] = 1, [WZ_SC_SATISFIED] = 1};
    CHECK(memcmp(f[0].counts, want, sizeof(want)) == 0);
    CHECK_INT(f[0].reply_minutes, 90);
    char day[11];
    wz_cal_format_date(f[0].day, day);
    CHECK_STR(day, "2026-11-16");
}

static void test_returned_elsewhere_and_transferred(void)
{
    wz_stats_ticket_t t = ticket(3); /* ticket C: 5 returned it, 3 holds it unsigned */
    t.dispatched = 1;
    wz_stats_move_t m[] = {{"dispatch", 5}, {"return", 5}, {"dispatch", 8}, {"transfer", 3}};
    wz_stats_fact_t f[WZ_STATS_FACTS_MAX];
    CHECK_INT(wz_stats_facts(&t, m, 4, &cal, f, WZ_STATS_FACTS_MAX), 3);
    CHECK_INT(f[0].unit_id, 3);
    CHECK_INT(f[0].counts[WZ_SC_RECEIVED], 1);
    CHECK_INT(f[0].counts[WZ_SC_DISPATCHED], 1);
    CHECK_INT(f[0].counts[WZ_SC_SIGNED], 0);
    CHECK_INT(f[0].reply_minutes, -1);
    CHECK_INT(f[1].unit_id, 5);
    CHECK_INT(f[1].counts[WZ_SC_RETURNED], 1);
    CHECK_INT(f[1].counts[WZ_SC_RECEIVED], 0); /* counted once: at the holder */
    CHECK_INT(f[2].unit_id, 8);
    CHECK_INT(f[2].counts[WZ_SC_TRANSFERRED], 1);
}

static void test_unassigned_merged_and_latest_rating(void)
{
    wz_stats_ticket_t t = ticket(0);
    t.dispatched = 1; /* dispatched once, returned: no unit holds it now */
    wz_stats_fact_t f[WZ_STATS_FACTS_MAX];
    CHECK_INT(wz_stats_facts(&t, NULL, 0, &cal, f, WZ_STATS_FACTS_MAX), 1);
    CHECK_INT(f[0].unit_id, 0);
    CHECK_INT(f[0].counts[WZ_SC_DISPATCHED], 0);
    t.merged = 1;
    CHECK_INT(wz_stats_facts(&t, NULL, 0, &cal, f, WZ_STATS_FACTS_MAX), 0);
    wz_stats_ticket_t b = ticket(3); /* ticket B: reopened, rated again */
    b.replied_at = MON_9AM + 3 * 86400;
    b.breached = 1;
    b.reopened_count = 1;
    strcpy(b.satisfaction, "basically_satisfied");
    CHECK_INT(wz_stats_facts(&b, NULL, 0, &cal, f, WZ_STATS_FACTS_MAX), 1);
    CHECK_INT(f[0].counts[WZ_SC_OVERDUE], 1);
    CHECK_INT(f[0].counts[WZ_SC_REOPENED], 1);
    CHECK_INT(f[0].counts[WZ_SC_BASICALLY_SATISFIED], 1);
    CHECK_INT(f[0].counts[WZ_SC_UNSATISFIED], 0);
    CHECK_INT(f[0].reply_minutes, 3 * 7 * 60); /* three working days of 7 hours */
    CHECK(wz_stats_fact_equal(&f[0], &f[0]));
}

int main(void)
{
    wz_cal_init(&cal);
    RUN(test_answered_on_time);
    RUN(test_returned_elsewhere_and_transferred);
    RUN(test_unassigned_merged_and_latest_rating);
    wz_cal_free(&cal);
    return CHECK_DONE();
}
