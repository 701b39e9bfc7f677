/* Fuzzes the working-time calendar (sla/calendar.c): the holiday table loader and the
 * arithmetic on whatever calendar it produced.
 *
 * Input: TSV text, optionally followed by a NUL byte and parameter bytes. The text goes to
 * wz_cal_load_tsv as is (not NUL-terminated). The parameters, when present, are: the weekend
 * mask, the UTC offset in quarter hours (a signed byte, so out-of-range offsets occur), a period
 * count and four bytes per period (which may be invalid: set_periods must then refuse them),
 * then 8-byte instants and amounts. A hash of the whole input seeds more of both. */
#include "fuzz.h"
#include "sla/calendar.h"

#define MAX_CHECKS 24

typedef struct {
    const uint8_t *p;
    size_t n;
    uint64_t seed;
} params_t;

static uint8_t take8(params_t *pp, uint8_t dflt)
{
    if (pp->n == 0)
        return dflt;
    pp->n--;
    return *pp->p++;
}

static uint64_t next_random(params_t *pp)
{
    uint64_t z = (pp->seed += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* 8 input bytes while they last, then the seeded generator. */
static uint64_t take64(params_t *pp)
{
    if (pp->n >= 8) {
        uint64_t v = 0;
        for (int i = 0; i < 8; i++)
            v = v << 8 | pp->p[i];
        pp->p += 8;
        pp->n -= 8;
        return v;
    }
    return next_random(pp);
}

/* The same rules as the calendar's, written out again. */
static int periods_ok(const wz_cal_period_t *p, size_t n)
{
    if (n > WZ_CAL_MAX_PERIODS)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (p[i].start_min < 0 || p[i].end_min > 1440 || p[i].start_min >= p[i].end_min ||
            (i > 0 && p[i].start_min < p[i - 1].end_min))
            return 0;
    return 1;
}

static int64_t local_offset(const wz_calendar_t *cal)
{
    int off = cal->utc_offset_min;
    return (off < -1440 ? -1440 : off > 1440 ? 1440 : off) * (int64_t)60;
}

/* Whether t lies in (start, end] of a working period of a working day inside the range: the
 * instants add() can return. */
static int in_working_time(const wz_calendar_t *cal, int64_t t)
{
    if (t < (int64_t)WZ_CAL_MIN_DAY * 86400 - 2 * 86400 || t > ((int64_t)WZ_CAL_MAX_DAY + 3) * 86400)
        return 0;
    int64_t l = t - 1 + local_offset(cal), day = l / 86400 - (l % 86400 < 0), sec = l - day * 86400 + 1;
    if (day < WZ_CAL_MIN_DAY || day > WZ_CAL_MAX_DAY || !wz_cal_is_workday(cal, (int32_t)day))
        return 0;
    for (size_t i = 0; i < cal->nperiods; i++)
        if (sec > cal->periods[i].start_min * 60 && sec <= cal->periods[i].end_min * 60)
            return 1;
    return 0;
}

/* Whether t lies in [start, end) of a working period of a working day: the instants add()
 * can return for a negative amount. */
static int in_working_time_back(const wz_calendar_t *cal, int64_t t)
{
    return in_working_time(cal, t + 1);
}

/* An instant: a fixed one, one near an override, a plausible one, or anything at all. */
static int64_t pick_instant(const wz_calendar_t *cal, params_t *pp)
{
    static const int64_t fixed[] = {
        0,
        -1,
        INT64_MIN,
        INT64_MAX,
        1767225600 - 8 * 3600 /* 2026-01-01 00:00 +8 */,
        1771034400 /* 2026-02-14 10:00 +8 */,
        1759215600 /* 2025-09-30 15:00 +8 */,
        (int64_t)WZ_CAL_MIN_DAY * 86400,
        ((int64_t)WZ_CAL_MAX_DAY + 1) * 86400 - 8 * 3600,
    };
    uint64_t r = take64(pp);
    unsigned kind = (unsigned)(r % 5);
    if (kind == 1 && cal->noverrides == 0)
        kind = 2;
    switch (kind) {
    case 0:
        return fixed[(r >> 8) % (sizeof(fixed) / sizeof(fixed[0]))];
    case 1: {
        int64_t day = cal->overrides[(r >> 8) % cal->noverrides].day;
        return day * 86400 + (int64_t)((r >> 32) % (3 * 86400)) - 86400;
    }
    case 2:
        return (int64_t)((r >> 3) % ((uint64_t)130 * 365 * 86400)); /* 1970..2100 */
    case 3:
        return (int64_t)((r >> 3) % ((uint64_t)(WZ_CAL_MAX_DAY - WZ_CAL_MIN_DAY) * 86400)) +
               (int64_t)WZ_CAL_MIN_DAY * 86400;
    default:
        return (int64_t)r;
    }
}

/* An amount of working time: mostly hours to months, sometimes absurd. */
static int64_t pick_amount(const wz_calendar_t *cal, params_t *pp)
{
    int64_t per_day = wz_cal_working_seconds_per_day(cal);
    uint64_t r = take64(pp);
    int64_t s;
    switch (r % 6) {
    case 0:
        s = (int64_t)((r >> 8) % (4 * 3600));
        break;
    case 1:
        s = per_day * (int64_t)((r >> 8) % 40);
        break;
    case 2:
        s = (int64_t)((r >> 8) % ((uint64_t)per_day * 400 + 1));
        break;
    case 3:
        s = (int64_t)((r >> 8) % ((uint64_t)1 << 45));
        break;
    case 4:
        return (int64_t)r;
    default:
        return (r >> 8) % 2 ? INT64_MAX : INT64_MIN;
    }
    return (r >> 7) % 2 ? -s : s;
}

static int64_t sign(int64_t v)
{
    return v > 0 ? 1 : v < 0 ? -1 : 0;
}

static void check_arithmetic(const wz_calendar_t *cal, params_t *pp)
{
    int64_t per_day = wz_cal_working_seconds_per_day(cal);
    FUZZ_CHECK(per_day >= 0 && per_day <= 86400);
    for (int k = 0; k < MAX_CHECKS; k++) {
        int64_t from = pick_instant(cal, pp), s = pick_amount(cal, pp);
        int32_t day = wz_cal_local_day(cal, from);
        FUZZ_CHECK(day >= WZ_CAL_MIN_DAY && day <= WZ_CAL_MAX_DAY);

        int64_t r = wz_cal_add_working_seconds(cal, from, s);
        if (s == 0)
            FUZZ_CHECK(r == from);
        if (s > 0)
            FUZZ_CHECK(r == INT64_MAX || r > from);
        if (s < 0)
            FUZZ_CHECK(r == INT64_MIN || r < from);
        if (s != 0 && r != INT64_MAX && r != INT64_MIN) {
            FUZZ_CHECK(wz_cal_working_seconds_between(cal, from, r) == s);
            FUZZ_CHECK(wz_cal_working_seconds_between(cal, r, from) == -s);
            FUZZ_CHECK(s > 0 ? in_working_time(cal, r) : in_working_time_back(cal, r));
        }
        /* monotonic in the amount */
        if (s < INT64_MAX - 3600) {
            int64_t d = (int64_t)(take64(pp) % 3600) + 1;
            int64_t r2 = wz_cal_add_working_seconds(cal, from, s + d);
            FUZZ_CHECK(r2 >= r);
            if (r == INT64_MAX)
                FUZZ_CHECK(r2 == INT64_MAX);
        }
        /* days are whole days of working time */
        int days = (int)(s % 400);
        int64_t rd = wz_cal_add_working_days(cal, from, days);
        if (days == 0)
            FUZZ_CHECK(rd == from);
        else if (per_day == 0)
            FUZZ_CHECK(rd == (days > 0 ? INT64_MAX : INT64_MIN));
        else
            FUZZ_CHECK(rd == wz_cal_add_working_seconds(cal, from, days * per_day));

        /* between: antisymmetric, additive, never more than the time that passed */
        int64_t b = pick_instant(cal, pp), c = pick_instant(cal, pp);
        int64_t ab = wz_cal_working_seconds_between(cal, from, b);
        int64_t bc = wz_cal_working_seconds_between(cal, b, c);
        int64_t ac = wz_cal_working_seconds_between(cal, from, c);
        FUZZ_CHECK(wz_cal_working_seconds_between(cal, b, from) == -ab);
        FUZZ_CHECK(ab + bc == ac);
        FUZZ_CHECK(sign(ab) == 0 || sign(ab) == sign(b > from ? 1 : -1));
        if (from > -((int64_t)1 << 62) && from < ((int64_t)1 << 62) && b > -((int64_t)1 << 62) &&
            b < ((int64_t)1 << 62))
            FUZZ_CHECK(ab <= (b > from ? b - from : from - b) && ab >= -(b > from ? b - from : from - b));
        /* add undoes between on instants add can produce */
        if (b >= from && in_working_time(cal, b)) {
            int64_t back = wz_cal_add_working_seconds(cal, from, ab);
            /* "never" only for a stretch of 10 years without a working day, which needs a week
             * without one or thousands of days off */
            int gap_possible = (cal->weekend_mask & 0x7f) == 0x7f || cal->noverrides >= WZ_CAL_MAX_GAP_DAYS;
            FUZZ_CHECK(back == b || (back == INT64_MAX && gap_possible));
        }
        /* whole days of working time between local midnights */
        int32_t d0 = wz_cal_local_day(cal, from), d1 = wz_cal_local_day(cal, b);
        int64_t off = local_offset(cal);
        int64_t m0 = (int64_t)d0 * 86400 - off, m1 = (int64_t)d1 * 86400 - off;
        FUZZ_CHECK(wz_cal_working_seconds_between(cal, m0, m1) == wz_cal_count_workdays(cal, d0, d1) * per_day);
    }
}

/* Every override the calendar holds is what is_workday answers; the days around follow the
 * weekly pattern unless they hold one too. */
static void check_overrides(const wz_calendar_t *cal)
{
    for (size_t i = 0; i < cal->noverrides; i++) {
        const wz_cal_override_t *o = &cal->overrides[i];
        FUZZ_CHECK(o->kind == WZ_DAY_OFF || o->kind == WZ_DAY_WORK);
        FUZZ_CHECK(o->day >= WZ_CAL_MIN_DAY && o->day <= WZ_CAL_MAX_DAY);
        if (i > 0)
            FUZZ_CHECK(cal->overrides[i - 1].day < o->day);
        FUZZ_CHECK(wz_cal_is_workday(cal, o->day) == (o->kind == WZ_DAY_WORK));
        int32_t next = o->day + 1;
        if (i + 1 == cal->noverrides || cal->overrides[i + 1].day != next)
            FUZZ_CHECK(wz_cal_is_workday(cal, next) == !(cal->weekend_mask >> wz_cal_weekday(next) & 1));
    }
}

/* A loaded table's rows are in the calendar: every line but comments, empty lines and the
 * header is one (the loader accepted them all). */
static size_t check_rows_loaded(const wz_calendar_t *cal, const char *text, size_t len)
{
    size_t pos = 0, seen = 0;
    int header = 0;
    while (pos < len) {
        const char *s = text + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        pos += n + (nl != NULL);
        if (n > 0 && s[n - 1] == '\r')
            n--;
        if (n == 0 || s[0] == '#')
            continue;
        if (!header) {
            header = 1;
            continue;
        }
        int32_t day;
        FUZZ_CHECK(n > 11 && wz_cal_parse_date(s, 10, &day) == 0 && s[10] == '\t');
        int work = s[11] == 'w';
        FUZZ_CHECK(wz_cal_is_workday(cal, day) == work);
        seen++;
    }
    FUZZ_CHECK(header);
    return seen;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const uint8_t *nul = size > 0 ? memchr(data, '\0', size) : NULL;
    size_t tlen = nul ? (size_t)(nul - data) : size;
    params_t pp = {nul ? nul + 1 : NULL, nul ? size - tlen - 1 : 0, 0x243f6a8885a308d3u};
    for (size_t i = 0; i < size; i++)
        pp.seed = (pp.seed ^ data[i]) * 0x100000001b3u;

    /* a date at the start of the input formats back to itself */
    int32_t day;
    if (tlen >= 10 && wz_cal_parse_date(text, 10, &day) == 0) {
        char out[11];
        wz_cal_format_date(day, out);
        FUZZ_CHECK(memcmp(out, text, 10) == 0 && out[10] == '\0');
    }

    wz_calendar_t cal;
    wz_cal_init(&cal);
    cal.weekend_mask = take8(&pp, cal.weekend_mask);
    cal.utc_offset_min = (int8_t)take8(&pp, 32) * 15;
    size_t np = take8(&pp, 0xff);
    if (np != 0xff) {
        wz_cal_period_t p[WZ_CAL_MAX_PERIODS + 1];
        np %= WZ_CAL_MAX_PERIODS + 2;
        for (size_t i = 0; i < np; i++) {
            int a = take8(&pp, 0), b = take8(&pp, 0), c = take8(&pp, 0), d = take8(&pp, 0);
            p[i].start_min = (a << 8 | b) % 1500 - 20;
            p[i].end_min = (c << 8 | d) % 1500 - 20;
        }
        int64_t before = wz_cal_working_seconds_per_day(&cal);
        int rc = wz_cal_set_periods(&cal, p, np);
        FUZZ_CHECK(rc == (periods_ok(p, np) ? 0 : -1));
        if (rc != 0)
            FUZZ_CHECK(wz_cal_working_seconds_per_day(&cal) == before);
    }
    /* overrides already there, so loading merges */
    FUZZ_CHECK(wz_cal_set_day(&cal, 20089 /* 2025-01-01 */, WZ_DAY_WORK) == 0);
    FUZZ_CHECK(wz_cal_set_day(&cal, 20635 /* 2026-07-01 */, WZ_DAY_OFF) == 0);
    wz_cal_override_t saved[2];
    memcpy(saved, cal.overrides, sizeof(saved));

    char err[128];
    memset(err, 'x', sizeof(err));
    int rc = wz_cal_load_tsv(&cal, text, tlen, err, sizeof(err));
    FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
    if (rc != 0) {
        FUZZ_CHECK(rc == -1 && err[0] != '\0');
        FUZZ_CHECK(cal.noverrides == 2 && memcmp(saved, cal.overrides, sizeof(saved)) == 0);
    } else {
        FUZZ_CHECK(err[0] == '\0');
        /* every row is in, merged with the two days set before */
        size_t rows = check_rows_loaded(&cal, text, tlen);
        FUZZ_CHECK(cal.noverrides >= rows && cal.noverrides <= rows + 2);
    }
    check_overrides(&cal);
    check_arithmetic(&cal, &pp);
    wz_cal_free(&cal);
    return 0;
}
