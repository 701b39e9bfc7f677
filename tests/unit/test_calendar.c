#include "sla/calendar.h"
#include "check.h"
#include <limits.h>
#include <stdlib.h>

/* The official 2025 and 2026 arrangements, as in the shared cn-holidays.tsv (which is not in
 * the repository, so the rows are copied here). */
static const char CN_TSV[] = "# China's national holiday arrangements, 2025 and 2026\n"
                             "date\tkind\tname\n"
                             "2025-01-01\toff\t元旦\n"
                             "2025-01-26\twork\t春节调休\n"
                             "2025-01-28\toff\t春节\n"
                             "2025-01-29\toff\t春节\n"
                             "2025-01-30\toff\t春节\n"
                             "2025-01-31\toff\t春节\n"
                             "2025-02-01\toff\t春节\n"
                             "2025-02-02\toff\t春节\n"
                             "2025-02-03\toff\t春节\n"
                             "2025-02-04\toff\t春节\n"
                             "2025-02-08\twork\t春节调休\n"
                             "2025-04-04\toff\t清明节\n"
                             "2025-04-05\toff\t清明节\n"
                             "2025-04-06\toff\t清明节\n"
                             "2025-04-27\twork\t劳动节调休\n"
                             "2025-05-01\toff\t劳动节\n"
                             "2025-05-02\toff\t劳动节\n"
                             "2025-05-03\toff\t劳动节\n"
                             "2025-05-04\toff\t劳动节\n"
                             "2025-05-05\toff\t劳动节\n"
                             "2025-05-31\toff\t端午节\n"
                             "2025-06-01\toff\t端午节\n"
                             "2025-06-02\toff\t端午节\n"
                             "2025-09-28\twork\t国庆节调休\n"
                             "2025-10-01\toff\t国庆节、中秋节\n"
                             "2025-10-02\toff\t国庆节、中秋节\n"
                             "2025-10-03\toff\t国庆节、中秋节\n"
                             "2025-10-04\toff\t国庆节、中秋节\n"
                             "2025-10-05\toff\t国庆节、中秋节\n"
                             "2025-10-06\toff\t国庆节、中秋节\n"
                             "2025-10-07\toff\t国庆节、中秋节\n"
                             "2025-10-08\toff\t国庆节、中秋节\n"
                             "2025-10-11\twork\t国庆节调休\n"
                             "2026-01-01\toff\t元旦\n"
                             "2026-01-02\toff\t元旦\n"
                             "2026-01-03\toff\t元旦\n"
                             "2026-01-04\twork\t元旦调休\n"
                             "2026-02-14\twork\t春节调休\n"
                             "2026-02-15\toff\t春节\n"
                             "2026-02-16\toff\t春节\n"
                             "2026-02-17\toff\t春节\n"
                             "2026-02-18\toff\t春节\n"
                             "2026-02-19\toff\t春节\n"
                             "2026-02-20\toff\t春节\n"
                             "2026-02-21\toff\t春节\n"
                             "2026-02-22\toff\t春节\n"
                             "2026-02-23\toff\t春节\n"
                             "2026-02-28\twork\t春节调休\n"
                             "2026-04-04\toff\t清明节\n"
                             "2026-04-05\toff\t清明节\n"
                             "2026-04-06\toff\t清明节\n"
                             "2026-05-01\toff\t劳动节\n"
                             "2026-05-02\toff\t劳动节\n"
                             "2026-05-03\toff\t劳动节\n"
                             "2026-05-04\toff\t劳动节\n"
                             "2026-05-05\toff\t劳动节\n"
                             "2026-05-09\twork\t劳动节调休\n"
                             "2026-06-19\toff\t端午节\n"
                             "2026-06-20\toff\t端午节\n"
                             "2026-06-21\toff\t端午节\n"
                             "2026-09-20\twork\t国庆节调休\n"
                             "2026-09-25\toff\t中秋节\n"
                             "2026-09-26\toff\t中秋节\n"
                             "2026-09-27\toff\t中秋节\n"
                             "2026-10-01\toff\t国庆节\n"
                             "2026-10-02\toff\t国庆节\n"
                             "2026-10-03\toff\t国庆节\n"
                             "2026-10-04\toff\t国庆节\n"
                             "2026-10-05\toff\t国庆节\n"
                             "2026-10-06\toff\t国庆节\n"
                             "2026-10-07\toff\t国庆节\n"
                             "2026-10-10\twork\t国庆节调休\n";
#define CN_ROWS 72

#define H 3600
#define WDAY 25200 /* 7 working hours a day by default */

static int32_t D(const char *date)
{
    int32_t d = 0;
    if (wz_cal_parse_date(date, strlen(date), &d) != 0) {
        fprintf(stderr, "bad date in the test: %s\n", date);
        abort();
    }
    return d;
}

/* The UTC instant of a Beijing local time. */
static int64_t T(const char *date, int hh, int mm, int ss)
{
    return (int64_t)D(date) * 86400 + hh * 3600 + mm * 60 + ss - 8 * 3600;
}

/* Beijing local time of an instant, for failure messages. */
static const char *show(int64_t t, char buf[32])
{
    if (t == INT64_MAX || t == INT64_MIN) {
        snprintf(buf, 32, "%s", t == INT64_MAX ? "INT64_MAX" : "INT64_MIN");
        return buf;
    }
    int64_t l = t + 8 * 3600, day = l / 86400 - (l % 86400 < 0), sec = l - day * 86400;
    char date[11];
    wz_cal_format_date((int32_t)day, date);
    snprintf(buf, 32, "%s %02d:%02d:%02d", date, (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
    return buf;
}

#define CHECK_AT(got, want)                                                                                            \
    do {                                                                                                               \
        int64_t g_ = (got), w_ = (want);                                                                               \
        if (g_ != w_) {                                                                                                \
            char b1_[32], b2_[32];                                                                                     \
            fprintf(stderr, "%s:%d: CHECK_AT failed: %s == %s, expected %s\n", __FILE__, __LINE__, #got,               \
                    show(g_, b1_), show(w_, b2_));                                                                     \
            check_current_failed_ = 1;                                                                                 \
        }                                                                                                              \
    } while (0)

static void load_cn(wz_calendar_t *cal)
{
    char err[160];
    wz_cal_init(cal);
    CHECK_INT(wz_cal_load_tsv(cal, CN_TSV, strlen(CN_TSV), err, sizeof(err)), 0);
    CHECK_STR(err, "");
    CHECK_INT(cal->noverrides, CN_ROWS);
}

/* ---- an independent reference: day by day, period by period ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}
static int64_t rnd_range(int64_t lo, int64_t hi) /* inclusive */
{
    return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

static int64_t ref_local_day(const wz_calendar_t *cal, int64_t t)
{
    int64_t l = t + cal->utc_offset_min * 60;
    return l / 86400 - (l % 86400 < 0);
}

static int ref_workday(const wz_calendar_t *cal, int64_t day)
{
    size_t lo = 0, hi = cal->noverrides;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cal->overrides[mid].day == day)
            return cal->overrides[mid].kind == WZ_DAY_WORK;
        if (cal->overrides[mid].day < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    int wd = (int)(((day + 4) % 7 + 7) % 7);
    return !(cal->weekend_mask >> wd & 1);
}

static int64_t pstart(const wz_calendar_t *cal, int64_t day, size_t i)
{
    return day * 86400 + cal->periods[i].start_min * 60 - cal->utc_offset_min * 60;
}
static int64_t pend(const wz_calendar_t *cal, int64_t day, size_t i)
{
    return day * 86400 + cal->periods[i].end_min * 60 - cal->utc_offset_min * 60;
}

static int64_t ref_between(const wz_calendar_t *cal, int64_t a, int64_t b)
{
    if (b < a)
        return -ref_between(cal, b, a);
    int64_t n = 0;
    for (int64_t day = ref_local_day(cal, a) - 1; day <= ref_local_day(cal, b) + 1; day++) {
        if (!ref_workday(cal, day))
            continue;
        for (size_t i = 0; i < cal->nperiods; i++) {
            int64_t lo = pstart(cal, day, i) > a ? pstart(cal, day, i) : a;
            int64_t hi = pend(cal, day, i) < b ? pend(cal, day, i) : b;
            if (hi > lo)
                n += hi - lo;
        }
    }
    return n;
}

static int64_t ref_add(const wz_calendar_t *cal, int64_t from, int64_t s)
{
    if (s == 0)
        return from;
    int64_t day0 = ref_local_day(cal, from);
    if (s > 0) {
        for (int64_t day = day0 - 1; day < day0 + 4000; day++) {
            if (!ref_workday(cal, day))
                continue;
            for (size_t i = 0; i < cal->nperiods; i++) {
                int64_t lo = pstart(cal, day, i) > from ? pstart(cal, day, i) : from, hi = pend(cal, day, i);
                if (lo >= hi)
                    continue;
                if (s <= hi - lo)
                    return lo + s;
                s -= hi - lo;
            }
        }
        return INT64_MAX;
    }
    s = -s;
    for (int64_t day = day0 + 1; day > day0 - 4000; day--) {
        if (!ref_workday(cal, day))
            continue;
        for (size_t i = cal->nperiods; i-- > 0;) {
            int64_t lo = pstart(cal, day, i), hi = pend(cal, day, i) < from ? pend(cal, day, i) : from;
            if (lo >= hi)
                continue;
            if (s <= hi - lo)
                return hi - s;
            s -= hi - lo;
        }
    }
    return INT64_MIN;
}

/* Whether t lies in (start, end] of a working period: the instants add() can land on. */
static int in_working_time(const wz_calendar_t *cal, int64_t t)
{
    int64_t day = ref_local_day(cal, t - 1);
    if (!ref_workday(cal, day))
        return 0;
    for (size_t i = 0; i < cal->nperiods; i++)
        if (t > pstart(cal, day, i) && t <= pend(cal, day, i))
            return 1;
    return 0;
}

/* ---- tests ---- */

static void test_dates(void)
{
    int32_t d = 12345;
    CHECK_INT(wz_cal_parse_date("1970-01-01", 10, &d), 0);
    CHECK_INT(d, 0);
    CHECK_INT(D("2026-02-14"), 20498);
    CHECK_INT(D("9999-12-31"), WZ_CAL_MAX_DAY);
    CHECK_INT(D("2024-02-29"), D("2024-03-01") - 1);
    CHECK_INT(D("2000-02-29"), D("2000-03-01") - 1);
    CHECK_INT(D("2026-01-01") - D("2025-01-01"), 365);
    static const char *bad[] = {
        "1969-12-31", "2025-02-29", "2100-02-29", "2025-13-01", "2025-00-10", "2025-04-31", "2025-01-00", "2025-01-32",
        "2025/01/01", "+025-01-01", "2025-01-0a", "2025-1-001", "0000-01-01", "-202-01-01", " 025-01-01", "2025-01-1 ",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        d = 12345;
        CHECK_INT(wz_cal_parse_date(bad[i], 10, &d), -1);
        CHECK_INT(d, 12345); /* untouched */
    }
    CHECK_INT(wz_cal_parse_date("2025-1-01", 9, &d), -1);
    CHECK_INT(wz_cal_parse_date("2025-01-01 ", 11, &d), -1);
    CHECK_INT(wz_cal_parse_date("10000-01-01", 11, &d), -1);
    CHECK_INT(wz_cal_parse_date("2025-01-01", 9, &d), -1);   /* the length is the string */
    CHECK_INT(wz_cal_parse_date("2025-01-0\0", 10, &d), -1); /* an embedded NUL */
    CHECK_INT(wz_cal_parse_date(NULL, 10, &d), -1);

    char out[11];
    wz_cal_format_date(0, out);
    CHECK_STR(out, "1970-01-01");
    wz_cal_format_date(-1, out);
    CHECK_STR(out, "1969-12-31");
    wz_cal_format_date(WZ_CAL_MIN_DAY, out);
    CHECK_STR(out, "0001-01-01");
    wz_cal_format_date(WZ_CAL_MAX_DAY, out);
    CHECK_STR(out, "9999-12-31");
    wz_cal_format_date(INT32_MIN, out); /* clamped */
    CHECK_STR(out, "0001-01-01");
    wz_cal_format_date(INT32_MAX, out);
    CHECK_STR(out, "9999-12-31");
    /* every day the parser accepts formats back to itself */
    int bad_round_trips = 0;
    for (int32_t day = 0; day <= WZ_CAL_MAX_DAY; day++) {
        wz_cal_format_date(day, out);
        if (wz_cal_parse_date(out, 10, &d) != 0 || d != day)
            bad_round_trips++;
    }
    CHECK_INT(bad_round_trips, 0);
}

static void test_weekday_and_local_day(void)
{
    CHECK_INT(wz_cal_weekday(0), 4); /* a Thursday */
    CHECK_INT(wz_cal_weekday(-1), 3);
    CHECK_INT(wz_cal_weekday(D("2026-02-14")), 6);
    CHECK_INT(wz_cal_weekday(D("2025-09-28")), 0);
    CHECK_INT(wz_cal_weekday(D("2026-01-04")), 0);
    CHECK_INT(wz_cal_weekday(WZ_CAL_MIN_DAY), 1); /* 0001-01-01 was a Monday */
    CHECK_INT(wz_cal_weekday(WZ_CAL_MAX_DAY), 5); /* 9999-12-31 a Friday */
    CHECK(wz_cal_weekday(INT32_MIN) >= 0 && wz_cal_weekday(INT32_MIN) <= 6);

    wz_calendar_t cal;
    wz_cal_init(&cal);
    CHECK_INT(wz_cal_local_day(&cal, 0), 0);      /* 08:00 local */
    CHECK_INT(wz_cal_local_day(&cal, -8 * H), 0); /* local midnight */
    CHECK_INT(wz_cal_local_day(&cal, -8 * H - 1), -1);
    CHECK_INT(wz_cal_local_day(&cal, T("2026-02-14", 0, 0, 0)), D("2026-02-14"));
    CHECK_INT(wz_cal_local_day(&cal, T("2026-02-14", 0, 0, 0) - 1), D("2026-02-13"));
    CHECK_INT(wz_cal_local_day(&cal, T("2026-02-14", 23, 59, 59)), D("2026-02-14"));
    CHECK_INT(wz_cal_local_day(&cal, INT64_MIN), WZ_CAL_MIN_DAY);
    CHECK_INT(wz_cal_local_day(&cal, INT64_MAX), WZ_CAL_MAX_DAY);
    cal.utc_offset_min = -300;
    CHECK_INT(wz_cal_local_day(&cal, 0), -1);
    cal.utc_offset_min = INT_MAX; /* clamped to +24 h */
    CHECK_INT(wz_cal_local_day(&cal, 0), 1);
    cal.utc_offset_min = INT_MIN;
    CHECK_INT(wz_cal_local_day(&cal, 0), -1);
}

static void test_workdays(void)
{
    wz_calendar_t cal;
    load_cn(&cal);
    CHECK_INT(cal.noverrides, CN_ROWS);
    CHECK_INT(wz_cal_working_seconds_per_day(&cal), WDAY);
    /* Spring Festival 2026: make-up Saturdays 02-14 and 02-28 around 02-15..02-23 */
    CHECK_INT(wz_cal_is_workday(&cal, D("2026-02-13")), 1);
    CHECK_INT(wz_cal_is_workday(&cal, D("2026-02-14")), 1);
    for (int32_t d = D("2026-02-15"); d <= D("2026-02-23"); d++)
        CHECK_INT(wz_cal_is_workday(&cal, d), 0);
    CHECK_INT(wz_cal_is_workday(&cal, D("2026-02-24")), 1);
    CHECK_INT(wz_cal_is_workday(&cal, D("2026-02-28")), 1);
    CHECK_INT(wz_cal_is_workday(&cal, D("2026-03-01")), 0);
    CHECK_INT(wz_cal_is_workday(&cal, D("2026-03-07")), 0); /* an ordinary Saturday */
    /* National Day 2025: work on Sunday 09-28 and Saturday 10-11 */
    CHECK_INT(wz_cal_is_workday(&cal, D("2025-09-28")), 1);
    for (int32_t d = D("2025-10-01"); d <= D("2025-10-08"); d++)
        CHECK_INT(wz_cal_is_workday(&cal, d), 0);
    CHECK_INT(wz_cal_is_workday(&cal, D("2025-10-09")), 1);
    CHECK_INT(wz_cal_is_workday(&cal, D("2025-10-11")), 1);
    CHECK_INT(wz_cal_is_workday(&cal, D("2025-10-12")), 0);
    /* New Year 2026: 01-01..01-03 off, Sunday 01-04 a working day */
    CHECK_INT(wz_cal_is_workday(&cal, D("2025-12-31")), 1);
    CHECK_INT(wz_cal_is_workday(&cal, D("2026-01-01")), 0);
    CHECK_INT(wz_cal_is_workday(&cal, D("2026-01-02")), 0);
    CHECK_INT(wz_cal_is_workday(&cal, D("2026-01-03")), 0);
    CHECK_INT(wz_cal_is_workday(&cal, D("2026-01-04")), 1);

    /* February 2026: 20 weekdays, 6 of them off, 2 Saturdays on */
    CHECK_INT(wz_cal_count_workdays(&cal, D("2026-02-01"), D("2026-03-01")), 16);
    CHECK_INT(wz_cal_count_workdays(&cal, D("2026-03-01"), D("2026-02-01")), -16);
    CHECK_INT(wz_cal_count_workdays(&cal, D("2025-01-01"), D("2026-01-01")), 248);
    CHECK_INT(wz_cal_count_workdays(&cal, D("2026-01-01"), D("2027-01-01")), 248);
    CHECK_INT(wz_cal_count_workdays(&cal, D("2026-02-14"), D("2026-02-14")), 0);
    CHECK_INT(wz_cal_count_workdays(&cal, D("2026-02-14"), D("2026-02-15")), 1);
    /* the whole range: every week has five working days, 2025-2026 change nothing in total */
    int64_t all = wz_cal_count_workdays(&cal, INT32_MIN, INT32_MAX);
    CHECK(all > 2600000 && all < 2700000);
    CHECK_INT(all, wz_cal_count_workdays(&cal, WZ_CAL_MIN_DAY, WZ_CAL_MAX_DAY + 1));
    /* against the day-by-day reference */
    int mismatches = 0;
    for (int i = 0; i < 2000; i++) {
        int64_t a = rnd_range(D("2024-11-01"), D("2027-02-01")), b = rnd_range(a, a + 500);
        int64_t n = 0;
        for (int64_t d = a; d < b; d++)
            n += ref_workday(&cal, d);
        if (wz_cal_count_workdays(&cal, (int32_t)a, (int32_t)b) != n)
            mismatches++;
    }
    CHECK_INT(mismatches, 0);
    wz_cal_free(&cal);
}

static void test_add_ordinary_week(void)
{
    wz_calendar_t cal;
    wz_cal_init(&cal); /* 2026-03-09 is a Monday; no holidays that week */
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-09", 22, 0, 0), 2 * H), T("2026-03-10", 11, 0, 0));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-09", 12, 30, 0), 2 * H), T("2026-03-09", 15, 30, 0));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-09", 12, 0, 0), 2 * H), T("2026-03-09", 15, 30, 0));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-09", 10, 0, 0), 2 * H), T("2026-03-09", 12, 0, 0));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-09", 9, 0, 0), 3 * H), T("2026-03-09", 12, 0, 0));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-09", 10, 0, 0), 2 * H + 1), T("2026-03-09", 13, 30, 1));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-09", 17, 30, 0), 2 * H), T("2026-03-10", 11, 0, 0));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-09", 17, 0, 0), 30 * 60), T("2026-03-09", 17, 30, 0));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-09", 8, 0, 0), 1), T("2026-03-09", 9, 0, 1));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-09", 17, 30, 0), 0), T("2026-03-09", 17, 30, 0));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-09", 22, 0, 0), 0), T("2026-03-09", 22, 0, 0));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-14", 10, 0, 0), 1), T("2026-03-16", 9, 0, 1)); /* Sat */

    /* working days: N x 7 hours */
    CHECK_AT(wz_cal_add_working_days(&cal, T("2026-03-13", 16, 0, 0), 1), T("2026-03-16", 16, 0, 0)); /* Fri */
    CHECK_AT(wz_cal_add_working_days(&cal, T("2026-03-13", 17, 30, 0), 1), T("2026-03-16", 17, 30, 0));
    CHECK_AT(wz_cal_add_working_days(&cal, T("2026-03-13", 20, 0, 0), 1), T("2026-03-16", 17, 30, 0));
    CHECK_AT(wz_cal_add_working_days(&cal, T("2026-03-09", 9, 0, 0), 1), T("2026-03-09", 17, 30, 0));
    CHECK_AT(wz_cal_add_working_days(&cal, T("2026-03-09", 8, 59, 0), 1), T("2026-03-09", 17, 30, 0));
    CHECK_AT(wz_cal_add_working_days(&cal, T("2026-03-09", 12, 45, 0), 1), T("2026-03-10", 12, 0, 0));
    CHECK_AT(wz_cal_add_working_days(&cal, T("2026-03-14", 10, 0, 0), 1), T("2026-03-16", 17, 30, 0));
    CHECK_AT(wz_cal_add_working_days(&cal, T("2026-03-09", 10, 0, 0), 15), T("2026-03-30", 10, 0, 0));
    CHECK_AT(wz_cal_add_working_days(&cal, T("2026-03-09", 10, 0, 0), 0), T("2026-03-09", 10, 0, 0));
    CHECK_AT(wz_cal_add_working_days(&cal, T("2026-03-09", 10, 0, 0), 5 * 52), T("2027-03-08", 10, 0, 0));

    CHECK_INT(wz_cal_working_seconds_between(&cal, T("2026-03-09", 10, 0, 0), T("2026-03-09", 15, 0, 0)),
              2 * H + 90 * 60);
    CHECK_INT(wz_cal_working_seconds_between(&cal, T("2026-03-09", 12, 0, 0), T("2026-03-09", 13, 30, 0)), 0);
    CHECK_INT(wz_cal_working_seconds_between(&cal, T("2026-03-13", 17, 0, 0), T("2026-03-16", 9, 30, 0)), H);
    CHECK_INT(wz_cal_working_seconds_between(&cal, T("2026-03-09", 0, 0, 0), T("2026-03-16", 0, 0, 0)), 5 * WDAY);
    wz_cal_free(&cal);
}

static void test_spring_festival_2026(void)
{
    wz_calendar_t cal;
    load_cn(&cal);
    /* Friday before the make-up Saturday */
    CHECK_AT(wz_cal_add_working_days(&cal, T("2026-02-13", 16, 0, 0), 1), T("2026-02-14", 16, 0, 0));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-02-13", 17, 0, 0), H), T("2026-02-14", 9, 30, 0));
    /* on the make-up Saturday */
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-02-14", 10, 0, 0), 2 * H), T("2026-02-14", 12, 0, 0));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-02-14", 12, 15, 0), H), T("2026-02-14", 14, 30, 0));
    /* across the nine days off */
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-02-14", 16, 0, 0), 2 * H), T("2026-02-24", 9, 30, 0));
    CHECK_AT(wz_cal_add_working_days(&cal, T("2026-02-14", 16, 0, 0), 1), T("2026-02-24", 16, 0, 0));
    CHECK_AT(wz_cal_add_working_days(&cal, T("2026-02-14", 16, 0, 0), 2), T("2026-02-25", 16, 0, 0));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-02-18", 10, 0, 0), 2 * H), T("2026-02-24", 11, 0, 0));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-02-14", 17, 30, 0), 1), T("2026-02-24", 9, 0, 1));
    /* the second make-up Saturday */
    CHECK_AT(wz_cal_add_working_days(&cal, T("2026-02-27", 16, 0, 0), 1), T("2026-02-28", 16, 0, 0));
    CHECK_AT(wz_cal_add_working_days(&cal, T("2026-02-28", 16, 0, 0), 1), T("2026-03-02", 16, 0, 0));
    /* a complaint (15 working days) received before the holiday */
    CHECK_AT(wz_cal_add_working_days(&cal, T("2026-02-10", 10, 0, 0), 15), T("2026-03-09", 10, 0, 0));
    CHECK_INT(wz_cal_working_seconds_between(&cal, T("2026-02-14", 17, 30, 0), T("2026-02-24", 9, 0, 0)), 0);
    CHECK_INT(wz_cal_working_seconds_between(&cal, T("2026-02-13", 9, 0, 0), T("2026-02-25", 9, 0, 0)), 3 * WDAY);
    CHECK_INT(wz_cal_working_seconds_between(&cal, T("2026-02-10", 10, 0, 0), T("2026-03-09", 10, 0, 0)), 15 * WDAY);
    /* backwards over the block */
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-02-24", 9, 30, 0), -H), T("2026-02-14", 17, 0, 0));
    CHECK_AT(wz_cal_add_working_days(&cal, T("2026-02-24", 16, 0, 0), -1), T("2026-02-14", 16, 0, 0));
    wz_cal_free(&cal);
}

static void test_national_day_2025(void)
{
    wz_calendar_t cal;
    load_cn(&cal);
    CHECK_AT(wz_cal_add_working_days(&cal, T("2025-09-26", 16, 0, 0), 1), T("2025-09-28", 16, 0, 0)); /* Sun */
    CHECK_AT(wz_cal_add_working_days(&cal, T("2025-09-30", 16, 0, 0), 1), T("2025-10-09", 16, 0, 0));
    CHECK_AT(wz_cal_add_working_days(&cal, T("2025-10-10", 16, 0, 0), 1), T("2025-10-11", 16, 0, 0)); /* Sat */
    CHECK_AT(wz_cal_add_working_days(&cal, T("2025-10-10", 16, 0, 0), 2), T("2025-10-13", 16, 0, 0));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2025-10-05", 22, 0, 0), 2 * H), T("2025-10-09", 11, 0, 0));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2025-09-27", 10, 0, 0), H), T("2025-09-28", 10, 0, 0));
    CHECK_INT(wz_cal_working_seconds_between(&cal, T("2025-09-30", 17, 30, 0), T("2025-10-09", 9, 0, 0)), 0);
    CHECK_INT(wz_cal_working_seconds_between(&cal, T("2025-09-29", 9, 0, 0), T("2025-10-13", 9, 0, 0)), 5 * WDAY);
    CHECK_INT(wz_cal_working_seconds_between(&cal, T("2025-10-13", 9, 0, 0), T("2025-09-29", 9, 0, 0)), -5 * WDAY);
    wz_cal_free(&cal);
}

static void test_year_end(void)
{
    wz_calendar_t cal;
    load_cn(&cal);
    /* 2026-01-01..03 are off and Sunday 01-04 is worked, so one working day after
     * Wednesday 17:00 (30 minutes, then 6.5 hours) ends on that Sunday */
    CHECK_AT(wz_cal_add_working_days(&cal, T("2025-12-31", 17, 0, 0), 1), T("2026-01-04", 17, 0, 0));
    CHECK_AT(wz_cal_add_working_days(&cal, T("2025-12-31", 17, 0, 0), 2), T("2026-01-05", 17, 0, 0));
    CHECK_AT(wz_cal_add_working_days(&cal, T("2025-12-31", 17, 30, 0), 1), T("2026-01-04", 17, 30, 0));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2025-12-31", 22, 0, 0), 2 * H), T("2026-01-04", 11, 0, 0));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-01-04", 9, 30, 0), -H), T("2025-12-31", 17, 0, 0));
    CHECK_INT(wz_cal_working_seconds_between(&cal, T("2025-12-31", 17, 0, 0), T("2026-01-05", 9, 0, 0)),
              30 * 60 + WDAY);
    /* without the table 2026-01-01 is an ordinary Thursday */
    wz_calendar_t plain;
    wz_cal_init(&plain);
    CHECK_AT(wz_cal_add_working_days(&plain, T("2025-12-31", 17, 0, 0), 1), T("2026-01-01", 17, 0, 0));
    wz_cal_free(&plain);
    wz_cal_free(&cal);
}

static void test_negative_and_zero(void)
{
    wz_calendar_t cal;
    wz_cal_init(&cal);
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-09", 12, 30, 0), -H), T("2026-03-09", 11, 0, 0));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-09", 14, 0, 0), -30 * 60), T("2026-03-09", 13, 30, 0));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-09", 14, 0, 0), -30 * 60 - 1), T("2026-03-09", 11, 59, 59));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-09", 9, 0, 0), -1), T("2026-03-06", 17, 29, 59));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-09", 13, 30, 0), 0), T("2026-03-09", 13, 30, 0));
    CHECK_AT(wz_cal_add_working_days(&cal, T("2026-03-09", 9, 30, 0), -1), T("2026-03-06", 9, 30, 0));
    CHECK_AT(wz_cal_add_working_days(&cal, T("2026-03-13", 17, 30, 0), -1), T("2026-03-13", 9, 0, 0));
    CHECK_AT(wz_cal_add_working_days(&cal, T("2026-03-30", 10, 0, 0), -15), T("2026-03-09", 10, 0, 0));
    CHECK_INT(wz_cal_working_seconds_between(&cal, T("2026-03-09", 15, 0, 0), T("2026-03-09", 10, 0, 0)),
              -(2 * H + 90 * 60));
    CHECK_INT(wz_cal_working_seconds_between(&cal, T("2026-03-09", 15, 0, 0), T("2026-03-09", 15, 0, 0)), 0);

    /* the edges of the range and absurd values */
    int64_t first = (int64_t)WZ_CAL_MIN_DAY * 86400 - 8 * H; /* 0001-01-01 00:00 local, a Monday */
    CHECK_AT(wz_cal_add_working_seconds(&cal, INT64_MIN, 1), first + 9 * H + 1);
    CHECK_AT(wz_cal_add_working_seconds(&cal, INT64_MIN, -1), INT64_MIN);
    CHECK_AT(wz_cal_add_working_seconds(&cal, INT64_MIN, 0), INT64_MIN);
    CHECK_AT(wz_cal_add_working_seconds(&cal, INT64_MAX, 1), INT64_MAX);
    CHECK_AT(wz_cal_add_working_seconds(&cal, INT64_MAX, 0), INT64_MAX);
    CHECK_AT(wz_cal_add_working_seconds(&cal, INT64_MAX, -1), T("9999-12-31", 17, 29, 59)); /* a Friday */
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-09", 10, 0, 0), INT64_MAX), INT64_MAX);
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-09", 10, 0, 0), INT64_MIN), INT64_MIN);
    CHECK_AT(wz_cal_add_working_days(&cal, T("2026-03-09", 10, 0, 0), INT_MAX), INT64_MAX);
    CHECK_AT(wz_cal_add_working_days(&cal, T("2026-03-09", 10, 0, 0), INT_MIN), INT64_MIN);
    CHECK_AT(wz_cal_add_working_days(&cal, T("9999-12-31", 17, 0, 0), 1), INT64_MAX);
    CHECK_AT(wz_cal_add_working_days(&cal, T("9999-12-31", 17, 0, 0), -1), T("9999-12-30", 17, 0, 0));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("9999-12-31", 17, 0, 0), 30 * 60), T("9999-12-31", 17, 30, 0));
    int64_t all = wz_cal_count_workdays(&cal, WZ_CAL_MIN_DAY, WZ_CAL_MAX_DAY + 1);
    CHECK_INT(wz_cal_working_seconds_between(&cal, INT64_MIN, INT64_MAX), all * WDAY);
    CHECK_INT(wz_cal_working_seconds_between(&cal, INT64_MAX, INT64_MIN), -all * WDAY);
    CHECK_INT(wz_cal_working_seconds_between(&cal, INT64_MIN, INT64_MIN + 1), 0);
    /* before 1970 the weekly pattern goes on */
    int64_t mon = -3 * 86400 - 8 * H; /* 1969-12-29 00:00 local, a Monday */
    CHECK_INT(wz_cal_working_seconds_between(&cal, mon + 9 * H, mon + 17 * H + 30 * 60), WDAY);
    CHECK_INT(wz_cal_working_seconds_between(&cal, mon, mon + 7 * 86400), 5 * WDAY);
    CHECK_AT(wz_cal_add_working_days(&cal, -8 * H, 1), -8 * H + 17 * H + 30 * 60); /* Thu 1970-01-01 */
    CHECK_AT(wz_cal_add_working_days(&cal, -8 * H, -1), -8 * H - 86400 + 9 * H);   /* Wed 1969-12-31 */
    wz_cal_free(&cal);
}

/* The properties the SLA code relies on, on random instants, against the reference. */
static void check_against_reference(const wz_calendar_t *cal, int64_t lo, int64_t hi, int64_t max_amount, int rounds)
{
    int add_bad = 0, between_bad = 0, sym_bad = 0, round_bad = 0, inverse_bad = 0, mono_bad = 0;
    for (int i = 0; i < rounds; i++) {
        int64_t a = rnd_range(lo, hi);
        /* mostly spans of up to two months, sometimes the whole interval */
        int64_t b = rnd() % 8 == 0 ? rnd_range(lo, hi) : a + rnd_range(-60 * 86400, 60 * 86400);
        if (rnd() % 4 == 0) /* often on a minute, as periods are */
            a -= a % 60;
        int64_t s = rnd() % 3 == 0 ? rnd_range(0, 4 * H) : rnd_range(0, max_amount);
        if (rnd() % 3 == 0)
            s = -s;
        int64_t r = wz_cal_add_working_seconds(cal, a, s);
        if (r != ref_add(cal, a, s)) {
            if (add_bad++ < 3) {
                char b1[32], b2[32], b3[32];
                fprintf(stderr, "  add(%s, %lld) = %s, reference %s\n", show(a, b1), (long long)s, show(r, b2),
                        show(ref_add(cal, a, s), b3));
            }
        }
        int64_t w = wz_cal_working_seconds_between(cal, a, b);
        if (w != ref_between(cal, a, b))
            between_bad++;
        if (wz_cal_working_seconds_between(cal, b, a) != -w)
            sym_bad++;
        if (r != INT64_MAX && r != INT64_MIN && wz_cal_working_seconds_between(cal, a, r) != s)
            round_bad++;
        if (b >= a && in_working_time(cal, b) && wz_cal_add_working_seconds(cal, a, w) != b)
            inverse_bad++;
        int64_t r2 = wz_cal_add_working_seconds(cal, a, s + 1);
        if (r2 < r)
            mono_bad++;
    }
    CHECK_INT(add_bad, 0);
    CHECK_INT(between_bad, 0);
    CHECK_INT(sym_bad, 0);
    CHECK_INT(round_bad, 0);
    CHECK_INT(inverse_bad, 0);
    CHECK_INT(mono_bad, 0);
}

static void test_reference_cn(void)
{
    wz_calendar_t cal;
    load_cn(&cal);
    check_against_reference(&cal, T("2024-12-01", 0, 0, 0), T("2027-01-31", 0, 0, 0), 40 * WDAY, 4000);
    /* instants inside working time are reached exactly, including period ends */
    int bad = 0;
    for (int32_t d = D("2025-09-20"); d <= D("2025-10-20"); d++) {
        int64_t from = T("2025-09-26", 12, 0, 0);
        int64_t xs[] = {(int64_t)d * 86400 + 12 * H - 8 * H, (int64_t)d * 86400 + 17 * H + 30 * 60 - 8 * H,
                        (int64_t)d * 86400 + 9 * H + 1 - 8 * H};
        for (size_t k = 0; k < 3; k++) {
            int64_t x = xs[k];
            if (x < from || !wz_cal_is_workday(&cal, d))
                continue;
            if (wz_cal_add_working_seconds(&cal, from, wz_cal_working_seconds_between(&cal, from, x)) != x)
                bad++;
        }
    }
    CHECK_INT(bad, 0);
    /* a local time other than Beijing */
    cal.utc_offset_min = -300;
    check_against_reference(&cal, T("2024-12-01", 0, 0, 0), T("2027-01-31", 0, 0, 0), 40 * WDAY, 2000);
    wz_cal_free(&cal);
}

static void test_custom_periods(void)
{
    wz_calendar_t cal;
    wz_cal_init(&cal);
    /* around the clock, every day: working time is plain time */
    wz_cal_period_t all_day = {0, 1440};
    CHECK_INT(wz_cal_set_periods(&cal, &all_day, 1), 0);
    cal.weekend_mask = 0;
    CHECK_INT(wz_cal_working_seconds_per_day(&cal), 86400);
    int bad = 0;
    for (int i = 0; i < 2000; i++) {
        int64_t a = rnd_range(T("2020-01-01", 0, 0, 0), T("2030-01-01", 0, 0, 0)), s = rnd_range(-1000000, 1000000);
        if (wz_cal_add_working_seconds(&cal, a, s) != a + s || wz_cal_working_seconds_between(&cal, a, a + s) != s)
            bad++;
    }
    CHECK_INT(bad, 0);
    CHECK_AT(wz_cal_add_working_seconds(&cal, INT64_MAX, -1), (int64_t)(WZ_CAL_MAX_DAY + 1) * 86400 - 8 * H - 1);

    /* touching periods, a break, an evening shift to midnight, Friday and Saturday off */
    wz_cal_period_t p[] = {{8 * 60, 12 * 60}, {12 * 60, 13 * 60}, {14 * 60, 18 * 60}, {22 * 60, 24 * 60}};
    CHECK_INT(wz_cal_set_periods(&cal, p, 4), 0);
    cal.weekend_mask = 1u << 5 | 1u << 6;
    CHECK_INT(wz_cal_working_seconds_per_day(&cal), 11 * H);
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-09", 8, 0, 0), 5 * H), T("2026-03-09", 13, 0, 0));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-09", 8, 0, 0), 4 * H), T("2026-03-09", 12, 0, 0));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-09", 23, 0, 0), H), T("2026-03-10", 0, 0, 0));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-09", 23, 0, 0), H + 1), T("2026-03-10", 8, 0, 1));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-10", 0, 0, 0), -1), T("2026-03-09", 23, 59, 59));
    CHECK_AT(wz_cal_add_working_days(&cal, T("2026-03-12", 16, 0, 0), 1), T("2026-03-15", 16, 0, 0)); /* Thu->Sun */
    check_against_reference(&cal, T("2025-01-01", 0, 0, 0), T("2026-12-31", 0, 0, 0), 30 * 11 * H, 2000);

    /* a single minute on Wednesdays only */
    wz_cal_period_t minute = {0, 1};
    CHECK_INT(wz_cal_set_periods(&cal, &minute, 1), 0);
    cal.weekend_mask = 0x7f & ~(1u << 3);
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-09", 10, 0, 0), 61), T("2026-03-18", 0, 0, 1));
    check_against_reference(&cal, T("2025-01-01", 0, 0, 0), T("2026-12-31", 0, 0, 0), 60 * 60, 1000);
    wz_cal_free(&cal);
}

static void test_invalid_periods(void)
{
    wz_calendar_t cal;
    wz_cal_init(&cal);
    static const wz_cal_period_t bad[][2] = {
        {{600, 600}, {700, 800}},  /* empty */
        {{700, 600}, {800, 900}},  /* reversed */
        {{540, 720}, {700, 800}},  /* overlapping */
        {{780, 840}, {540, 600}},  /* unsorted */
        {{-1, 600}, {700, 800}},   /* before midnight */
        {{540, 600}, {700, 1441}}, /* past midnight */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_INT(wz_cal_set_periods(&cal, bad[i], 2), -1);
    wz_cal_period_t many[WZ_CAL_MAX_PERIODS + 1];
    for (int i = 0; i < WZ_CAL_MAX_PERIODS + 1; i++)
        many[i] = (wz_cal_period_t){i * 60, i * 60 + 30};
    CHECK_INT(wz_cal_set_periods(&cal, many, WZ_CAL_MAX_PERIODS + 1), -1);
    CHECK_INT(wz_cal_set_periods(&cal, NULL, 1), -1);
    /* nothing changed */
    CHECK_INT(cal.nperiods, 2);
    CHECK_INT(wz_cal_working_seconds_per_day(&cal), WDAY);
    CHECK_INT(wz_cal_set_periods(&cal, many, WZ_CAL_MAX_PERIODS), 0);
    CHECK_INT(wz_cal_working_seconds_per_day(&cal), WZ_CAL_MAX_PERIODS * 30 * 60);

    /* periods written by hand that break the rules count as no working time */
    cal.periods[1] = (wz_cal_period_t){0, 10};
    CHECK_INT(wz_cal_working_seconds_per_day(&cal), 0);
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-09", 10, 0, 0), 1), INT64_MAX);
    cal.nperiods = 1000;
    CHECK_INT(wz_cal_working_seconds_per_day(&cal), 0);
    CHECK_INT(wz_cal_working_seconds_between(&cal, T("2026-03-09", 10, 0, 0), T("2026-03-10", 10, 0, 0)), 0);

    /* no periods at all is valid: no working time */
    CHECK_INT(wz_cal_set_periods(&cal, NULL, 0), 0);
    CHECK_INT(wz_cal_working_seconds_per_day(&cal), 0);
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-09", 10, 0, 0), 1), INT64_MAX);
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-03-09", 10, 0, 0), -1), INT64_MIN);
    CHECK_AT(wz_cal_add_working_days(&cal, T("2026-03-09", 10, 0, 0), 1), INT64_MAX);
    CHECK_AT(wz_cal_add_working_days(&cal, T("2026-03-09", 10, 0, 0), 0), T("2026-03-09", 10, 0, 0));
    CHECK_INT(wz_cal_working_seconds_between(&cal, INT64_MIN, INT64_MAX), 0);
    wz_cal_free(&cal);
}

static void test_all_days_off(void)
{
    wz_calendar_t cal;
    wz_cal_init(&cal);
    cal.weekend_mask = 0x7f;
    int64_t from = T("2026-03-09", 10, 0, 0);
    int never = 0;
    for (int i = 0; i < 100000; i++) /* each answer is immediate: no day is walked */
        never += wz_cal_add_working_seconds(&cal, from + i, 1) == INT64_MAX;
    CHECK_INT(never, 100000);
    CHECK_AT(wz_cal_add_working_days(&cal, from, 15), INT64_MAX);
    CHECK_AT(wz_cal_add_working_seconds(&cal, from, -1), INT64_MIN);
    CHECK_INT(wz_cal_working_seconds_between(&cal, INT64_MIN, INT64_MAX), 0);

    /* one working day in 2040: more than 10 years away is "never", less is found */
    CHECK_INT(wz_cal_set_day(&cal, D("2040-01-02"), WZ_DAY_WORK), 0);
    CHECK_AT(wz_cal_add_working_seconds(&cal, from, 1), INT64_MAX);
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2035-01-01", 0, 0, 0), 1), T("2040-01-02", 9, 0, 1));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2045-01-01", 0, 0, 0), -1), T("2040-01-02", 17, 29, 59));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2055-01-01", 0, 0, 0), -1), INT64_MIN);
    CHECK_INT(wz_cal_working_seconds_between(&cal, from, T("2041-01-01", 0, 0, 0)), WDAY);
    wz_cal_free(&cal);

    /* every day of 2027..2038 off by override: a 12-year gap is "never", a 4-year one is not */
    wz_cal_init(&cal);
    for (int32_t d = D("2027-01-01"); d <= D("2038-12-31"); d++)
        CHECK_INT(wz_cal_set_day(&cal, d, WZ_DAY_OFF), 0);
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-12-31", 17, 30, 0), 1), INT64_MAX);
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2039-01-03", 9, 0, 0), -1), INT64_MIN); /* Monday */
    for (int32_t d = D("2031-01-01"); d <= D("2038-12-31"); d++)
        CHECK_INT(wz_cal_set_day(&cal, d, WZ_DAY_NORMAL), 0);
    CHECK_INT(cal.noverrides, (size_t)(D("2031-01-01") - D("2027-01-01")));
    CHECK_AT(wz_cal_add_working_seconds(&cal, T("2026-12-31", 17, 30, 0), 1), T("2031-01-01", 9, 0, 1));
    CHECK_AT(wz_cal_add_working_days(&cal, T("2026-12-31", 17, 0, 0), 2), T("2031-01-02", 17, 0, 0));
    CHECK_INT(wz_cal_working_seconds_between(&cal, T("2026-12-31", 17, 0, 0), T("2031-01-02", 17, 0, 0)), 2 * WDAY);
    wz_cal_free(&cal);
}

static void test_set_day(void)
{
    wz_calendar_t cal;
    wz_cal_init(&cal);
    int32_t sat = D("2026-03-14");
    CHECK_INT(wz_cal_is_workday(&cal, sat), 0);
    CHECK_INT(wz_cal_set_day(&cal, sat, WZ_DAY_WORK), 0);
    CHECK_INT(wz_cal_is_workday(&cal, sat), 1);
    CHECK_INT(wz_cal_set_day(&cal, sat, WZ_DAY_OFF), 0); /* replaces */
    CHECK_INT(cal.noverrides, 1);
    CHECK_INT(wz_cal_is_workday(&cal, sat), 0);
    CHECK_INT(wz_cal_set_day(&cal, sat, WZ_DAY_NORMAL), 0); /* removes */
    CHECK_INT(cal.noverrides, 0);
    CHECK_INT(wz_cal_set_day(&cal, sat, WZ_DAY_NORMAL), 0); /* nothing to remove */
    CHECK_INT(wz_cal_set_day(&cal, sat, (wz_day_kind_t)3), -1);
    CHECK_INT(wz_cal_set_day(&cal, WZ_CAL_MAX_DAY + 1, WZ_DAY_OFF), -1);
    CHECK_INT(wz_cal_set_day(&cal, WZ_CAL_MIN_DAY - 1, WZ_DAY_OFF), -1);
    CHECK_INT(wz_cal_set_day(&cal, WZ_CAL_MAX_DAY, WZ_DAY_OFF), 0);
    CHECK_INT(wz_cal_set_day(&cal, WZ_CAL_MIN_DAY, WZ_DAY_WORK), 0);
    /* an override outlives a change of weekend: it names the day, not the weekday */
    int32_t mon = D("2026-03-09");
    CHECK_INT(wz_cal_set_day(&cal, mon, WZ_DAY_WORK), 0);
    cal.weekend_mask = 1u << 1;
    CHECK_INT(wz_cal_is_workday(&cal, mon), 1);
    CHECK_INT(wz_cal_is_workday(&cal, mon + 7), 0);
    cal.weekend_mask = 1u << 0 | 1u << 6;
    /* many insertions in random order stay sorted and unique, and agree with the reference */
    for (int i = 0; i < 3000; i++)
        wz_cal_set_day(&cal, (int32_t)rnd_range(D("2020-01-01"), D("2030-01-01")), (wz_day_kind_t)(rnd() % 3));
    int sorted = 1;
    for (size_t i = 1; i < cal.noverrides; i++)
        sorted &= cal.overrides[i - 1].day < cal.overrides[i].day;
    CHECK(sorted);
    int bad = 0;
    for (int32_t d = D("2019-12-01"); d <= D("2030-02-01"); d++)
        bad += wz_cal_is_workday(&cal, d) != ref_workday(&cal, d);
    CHECK_INT(bad, 0);
    check_against_reference(&cal, T("2020-01-01", 0, 0, 0), T("2030-01-01", 0, 0, 0), 60 * WDAY, 2000);
    wz_cal_free(&cal);
    CHECK(cal.overrides == NULL && cal.noverrides == 0);
    wz_cal_free(&cal); /* twice is harmless */
}

static void test_tsv_good(void)
{
    wz_calendar_t cal;
    char err[160];
    wz_cal_init(&cal);
    /* existing overrides merge: the file's row replaces the same day, others stay */
    CHECK_INT(wz_cal_set_day(&cal, D("2024-12-25"), WZ_DAY_OFF), 0);
    CHECK_INT(wz_cal_set_day(&cal, D("2025-01-01"), WZ_DAY_WORK), 0);
    CHECK_INT(wz_cal_set_day(&cal, D("2025-07-01"), WZ_DAY_OFF), 0);
    CHECK_INT(wz_cal_set_day(&cal, D("2030-01-01"), WZ_DAY_OFF), 0);
    CHECK_INT(wz_cal_load_tsv(&cal, CN_TSV, strlen(CN_TSV), err, sizeof(err)), 0);
    CHECK_INT(cal.noverrides, CN_ROWS + 3);
    CHECK_INT(wz_cal_is_workday(&cal, D("2025-01-01")), 0);
    CHECK_INT(wz_cal_is_workday(&cal, D("2024-12-25")), 0);
    CHECK_INT(wz_cal_is_workday(&cal, D("2025-07-01")), 0);
    CHECK_INT(wz_cal_is_workday(&cal, D("2030-01-01")), 0);
    int sorted = 1;
    for (size_t i = 1; i < cal.noverrides; i++)
        sorted &= cal.overrides[i - 1].day < cal.overrides[i].day;
    CHECK(sorted);
    /* loading the same table again changes nothing */
    CHECK_INT(wz_cal_load_tsv(&cal, CN_TSV, strlen(CN_TSV), err, sizeof(err)), 0);
    CHECK_INT(cal.noverrides, CN_ROWS + 3);
    wz_cal_free(&cal);

    /* CRLF, comments anywhere, empty lines, no newline at the end */
    static const char crlf[] = "# c\r\n\r\ndate\tkind\tname\r\n# between\r\n2026-02-14\twork\tx\r\n\n"
                               "2026-02-16\toff\tSpring Festival";
    wz_cal_init(&cal);
    CHECK_INT(wz_cal_load_tsv(&cal, crlf, strlen(crlf), err, sizeof(err)), 0);
    CHECK_INT(cal.noverrides, 2);
    CHECK_INT(wz_cal_is_workday(&cal, D("2026-02-14")), 1);
    CHECK_INT(wz_cal_is_workday(&cal, D("2026-02-16")), 0);
    /* a header and nothing else */
    CHECK_INT(wz_cal_load_tsv(&cal, "date\tkind\tname\n", 15, err, sizeof(err)), 0);
    CHECK_INT(cal.noverrides, 2);
    /* text that is not NUL-terminated: only len bytes are read */
    static const char cut[] = "date\tkind\tname\n2026-02-14\twork\tx\n2026-02-18\toff\tx";
    CHECK_INT(wz_cal_load_tsv(&cal, cut, 33, err, sizeof(err)), 0);
    CHECK_INT(cal.noverrides, 2);
    CHECK_INT(wz_cal_is_workday(&cal, D("2026-02-18")), 1); /* the row past len was not read */
    wz_cal_free(&cal);
}

static void expect_tsv_error(const char *text, const char *want)
{
    wz_calendar_t cal;
    char err[160];
    load_cn(&cal);
    size_t before = cal.noverrides;
    wz_cal_override_t copy[CN_ROWS];
    memcpy(copy, cal.overrides, sizeof(copy));
    int rc = wz_cal_load_tsv(&cal, text, strlen(text), err, sizeof(err));
    CHECK_INT(rc, -1);
    if (rc == -1)
        CHECK_STR(err, want);
    /* nothing merged, not even the good rows before the bad one */
    CHECK_INT(cal.noverrides, before);
    CHECK(memcmp(copy, cal.overrides, sizeof(copy)) == 0);
    wz_cal_free(&cal);
}

static void test_tsv_bad(void)
{
    expect_tsv_error("", "no header line \"date<TAB>kind<TAB>name\"");
    expect_tsv_error("# only a comment\n\n", "no header line \"date<TAB>kind<TAB>name\"");
    expect_tsv_error("date\tkind\n2026-01-01\toff\tx\n", "line 1: expected the header \"date<TAB>kind<TAB>name\"");
    expect_tsv_error("2026-01-01\toff\tx\n", "line 1: expected the header \"date<TAB>kind<TAB>name\"");
    expect_tsv_error("# c\ndate\tkind\tname \n", "line 2: expected the header \"date<TAB>kind<TAB>name\"");
    expect_tsv_error("# c\r\ndate\tkind\tname\r\n2025-12-01\toff\tx\r\n2025-02-30\toff\tx\r\n",
                     "line 4: invalid date \"2025-02-30\" (want YYYY-MM-DD, a real date, 1970..9999)");
    expect_tsv_error("date\tkind\tname\n 2025-01-01\toff\tx\n",
                     "line 2: invalid date \" 2025-01-01\" (want YYYY-MM-DD, a real date, 1970..9999)");
    expect_tsv_error("date\tkind\tname\n2025-01-01\x01\x02\x03\x04\x05\x06\x07\x08\x09off\tx\n",
                     "line 2: invalid date \"2025-01-01??????...\" (want YYYY-MM-DD, a real date, 1970..9999)");
    expect_tsv_error("date\tkind\tname\n\n2025-01-01\tholiday\tx\n", "line 3: kind \"holiday\" is not off or work");
    expect_tsv_error("date\tkind\tname\n2025-01-01\tOFF\tx\n", "line 2: kind \"OFF\" is not off or work");
    expect_tsv_error("date\tkind\tname\n2025-01-01\toff\n",
                     "line 2: expected 3 tab-separated fields (date, kind, name)");
    expect_tsv_error("date\tkind\tname\n2025-01-01 off x\n",
                     "line 2: expected 3 tab-separated fields (date, kind, name)");
    expect_tsv_error("date\tkind\tname\n2025-01-01\toff\tx\textra\n", "line 2: more than 3 fields");
    expect_tsv_error("date\tkind\tname\n2025-01-01\toff\t\n", "line 2: empty name");
    expect_tsv_error("date\tkind\tname\n2025-01-01\toff\ta\x1b[31m\n", "line 2: control character in the name");
    expect_tsv_error("date\tkind\tname\n2025-01-02\toff\tx\n# c\n2025-01-01\toff\tx\n",
                     "line 4: 2025-01-01 is out of order (dates must ascend)");
    expect_tsv_error("date\tkind\tname\n2025-01-01\toff\tx\n2025-01-01\twork\tx\n", "line 3: 2025-01-01 appears twice");
    expect_tsv_error("date\tkind\tname\ndate\tkind\tname\n",
                     "line 2: invalid date \"date\" (want YYYY-MM-DD, a real date, 1970..9999)");

    /* a short err buffer is cut, still terminated; no buffer at all is fine */
    wz_calendar_t cal;
    wz_cal_init(&cal);
    char err[8];
    CHECK_INT(wz_cal_load_tsv(&cal, "date\tkind\tname\nx\toff\tx\n", 24, err, sizeof(err)), -1);
    CHECK_STR(err, "line 2:");
    CHECK_INT(wz_cal_load_tsv(&cal, "nope", 4, NULL, 0), -1);
    CHECK_INT(wz_cal_load_tsv(&cal, NULL, 0, err, sizeof(err)), -1);
    CHECK_INT(wz_cal_load_tsv(&cal, NULL, 5, err, sizeof(err)), -1);
    CHECK_INT(cal.noverrides, 0);
    wz_cal_free(&cal);
}

int main(void)
{
    RUN(test_dates);
    RUN(test_weekday_and_local_day);
    RUN(test_workdays);
    RUN(test_add_ordinary_week);
    RUN(test_spring_festival_2026);
    RUN(test_national_day_2025);
    RUN(test_year_end);
    RUN(test_negative_and_zero);
    RUN(test_reference_cn);
    RUN(test_custom_periods);
    RUN(test_invalid_periods);
    RUN(test_all_days_off);
    RUN(test_set_day);
    RUN(test_tsv_good);
    RUN(test_tsv_bad);
    return CHECK_DONE();
}
