#include "sla/deadlines.h"
#include "check.h"
#include <time.h>

/* The 2026 Spring Festival arrangement: Saturday 02-14 is a make-up working day, 02-15..02-23
 * are off, Saturday 02-28 works. Enough of the official table for these cases. */
static const char tsv[] = "date\tkind\tname\n"
                          "2026-02-14\twork\t春节调休\n"
                          "2026-02-15\toff\t春节\n2026-02-16\toff\t春节\n2026-02-17\toff\t春节\n"
                          "2026-02-18\toff\t春节\n2026-02-19\toff\t春节\n2026-02-20\toff\t春节\n"
                          "2026-02-21\toff\t春节\n2026-02-22\toff\t春节\n2026-02-23\toff\t春节\n"
                          "2026-02-28\twork\t春节调休\n";

static wz_calendar_t cal;

/* Beijing time to UTC seconds */
static int64_t cst(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    return (int64_t)timegm(&tm) - 8 * 3600;
}

static void test_intake_across_make_up_saturday_and_holiday(void)
{
    wz_sla_policy_t p;
    CHECK_INT(wz_sla_policy_default("consultation", &p), 0);
    wz_sla_intake_t in;
    /* Friday 16:00 before the holiday: 90 minutes left that day, then the make-up Saturday */
    wz_sla_on_intake(&cal, &p, cst(2026, 2, 13, 16, 0), &in);
    CHECK_INT(in.dispatch_due, cst(2026, 2, 14, 9, 30));
    /* 90 of 120 minutes lands exactly on Friday's last period end: that end, not Saturday 09:00 */
    CHECK_INT(in.dispatch_warn, cst(2026, 2, 13, 17, 30));
    /* one working day after Saturday 09:30: the rest of Saturday, the holiday, Tuesday 09:30 */
    CHECK_INT(in.promised_reply, cst(2026, 2, 24, 9, 30));
}

static void test_dispatch_deadlines(void)
{
    wz_sla_policy_t p;
    CHECK_INT(wz_sla_policy_default("consultation", &p), 0);
    wz_sla_dispatch_t d;
    wz_sla_on_dispatch(&cal, &p, cst(2026, 2, 13, 17, 0), &d);
    CHECK_INT(d.sign_due, cst(2026, 2, 14, 10, 30));
    CHECK_INT(d.sign_warn, cst(2026, 2, 14, 10, 0));
    /* one working day = 420 minutes: Friday's last 30, then 390 of the make-up Saturday */
    CHECK_INT(d.reply_due, cst(2026, 2, 14, 17, 0));
    CHECK_INT(d.reply_warn, cst(2026, 2, 14, 15, 15));
    CHECK_INT(d.return_until, cst(2026, 2, 24, 17, 0)); /* 30 + 420 (Saturday) + 390 after the holiday */
    CHECK_INT(d.resolve_due, wz_cal_add_working_days(&cal, cst(2026, 2, 13, 17, 0), 5));
    /* a complaint dispatched on a Monday: 15 working days, no holiday in between */
    CHECK_INT(wz_sla_policy_default("complaint", &p), 0);
    wz_sla_on_dispatch(&cal, &p, cst(2026, 3, 2, 10, 0), &d);
    CHECK_INT(d.reply_due, cst(2026, 3, 23, 10, 0));
}

static void test_pause_extend_light(void)
{
    /* paused Friday 17:00 .. Saturday 10:00: 30 + 60 working minutes */
    int64_t due = cst(2026, 2, 24, 9, 30);
    CHECK_INT(wz_sla_resume(&cal, due, cst(2026, 2, 13, 17, 0), cst(2026, 2, 14, 10, 0)), cst(2026, 2, 24, 11, 0));
    /* paused over the holiday only: no working time passed, no change */
    CHECK_INT(wz_sla_resume(&cal, due, cst(2026, 2, 16, 9, 0), cst(2026, 2, 23, 18, 0)), due);
    CHECK_INT(wz_sla_extend(&cal, cst(2026, 2, 27, 10, 0), 1), cst(2026, 2, 28, 10, 0)); /* make-up Saturday */
    CHECK_INT(wz_sla_extend(&cal, due, 0), due);
    CHECK_INT(wz_sla_light(100, 150, 200), WZ_LIGHT_GREEN);
    CHECK_INT(wz_sla_light(150, 150, 200), WZ_LIGHT_YELLOW);
    CHECK_INT(wz_sla_light(200, 150, 200), WZ_LIGHT_RED);
    CHECK_INT(wz_sla_light(999, 0, 0), WZ_LIGHT_GREEN);
    CHECK_STR(wz_sla_light_name(WZ_LIGHT_YELLOW), "yellow");
}

static void test_policies(void)
{
    wz_sla_policy_t p;
    CHECK_INT(wz_sla_policy_default("nonsense", &p), -1);
    const char *types[] = {"consultation", "help", "suggestion", "complaint", "report", "praise"};
    for (size_t i = 0; i < 6; i++) {
        CHECK_INT(wz_sla_policy_default(types[i], &p), 0);
        CHECK(wz_sla_policy_invalid(&p) == NULL);
    }
    CHECK_INT(wz_sla_policy_default("complaint", &p), 0);
    CHECK_INT(p.reply_days, 15);
    CHECK_INT(p.extension_max_days, 10);
    wz_sla_policy_t bad = p;
    bad.warn_ratio = 1.0;
    CHECK(wz_sla_policy_invalid(&bad) != NULL);
    bad = p;
    bad.resolve_days = p.reply_days - 1;
    CHECK(wz_sla_policy_invalid(&bad) != NULL);
    bad = p;
    bad.dispatch_minutes = 0;
    CHECK(wz_sla_policy_invalid(&bad) != NULL);
}

int main(void)
{
    char err[200];
    wz_cal_init(&cal);
    if (wz_cal_load_tsv(&cal, tsv, sizeof(tsv) - 1, err, sizeof(err)) < 0) {
        fprintf(stderr, "calendar: %s\n", err);
        return 1;
    }
    RUN(test_intake_across_make_up_saturday_and_holiday);
    RUN(test_dispatch_deadlines);
    RUN(test_pause_extend_light);
    RUN(test_policies);
    wz_cal_free(&cal);
    return CHECK_DONE();
}
