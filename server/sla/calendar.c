#include "sla/calendar.h"
#include "common/timefmt.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_SECS 86400
/* Local seconds of the range's first instant and of the end of its last day. */
#define MIN_LOCAL ((int64_t)WZ_CAL_MIN_DAY * DAY_SECS)
#define END_LOCAL (((int64_t)WZ_CAL_MAX_DAY + 1) * DAY_SECS)
/* More working time than the whole range holds (9999 years x 86400 s < 2^39): amounts are
 * clamped to it so that no arithmetic on them can overflow. */
#define MAX_AMOUNT ((int64_t)1 << 50)
#define NO_DAY INT64_MIN


static int weekday64(int64_t day)
{
    return (int)((day % 7 + 11) % 7); /* day 0 was a Thursday; % keeps the sign of day */
}

static int periods_valid(const wz_cal_period_t *p, size_t n)
{
    if (n > WZ_CAL_MAX_PERIODS)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i].start_min < 0 || p[i].end_min > 1440 || p[i].start_min >= p[i].end_min)
            return 0;
        if (i > 0 && p[i].start_min < p[i - 1].end_min)
            return 0;
    }
    return 1;
}

/* What every computation needs, derived once per call so that fields set directly (a bad
 * offset, periods written by hand) cannot reach the arithmetic unchecked. */
typedef struct {
    const wz_calendar_t *cal;
    int64_t off;      /* local - UTC, seconds */
    unsigned mask;    /* days off of the weekly pattern */
    int64_t per_week; /* working days in a week of the pattern */
    int64_t per_day;  /* working seconds of a working day; 0 = no working time */
} view_t;

static void view_init(view_t *v, const wz_calendar_t *cal)
{
    int off = cal->utc_offset_min;
    off = off < -1440 ? -1440 : off > 1440 ? 1440 : off;
    v->cal = cal;
    v->off = (int64_t)off * 60;
    v->mask = cal->weekend_mask & 0x7fu;
    v->per_week = 0;
    for (int d = 0; d < 7; d++)
        v->per_week += !(v->mask >> d & 1u);
    v->per_day = 0;
    if (periods_valid(cal->periods, cal->nperiods))
        for (size_t i = 0; i < cal->nperiods; i++)
            v->per_day += (int64_t)(cal->periods[i].end_min - cal->periods[i].start_min) * 60;
}

static int base_work(const view_t *v, int64_t day)
{
    return !(v->mask >> weekday64(day) & 1u);
}

static int override_work(const view_t *v, const wz_cal_override_t *o)
{
    if (o->kind == WZ_DAY_WORK)
        return 1;
    if (o->kind == WZ_DAY_OFF)
        return 0;
    return base_work(v, o->day);
}

/* Index of the first override whose day is >= day. */
static size_t lower_bound(const wz_calendar_t *cal, int64_t day)
{
    size_t lo = 0, hi = cal->noverrides;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cal->overrides[mid].day < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int is_work(const view_t *v, int64_t day)
{
    size_t i = lower_bound(v->cal, day);
    if (i < v->cal->noverrides && v->cal->overrides[i].day == day)
        return override_work(v, &v->cal->overrides[i]);
    return base_work(v, day);
}

/* Days of the weekly pattern that are working days in [a, b). */
static int64_t base_count(const view_t *v, int64_t a, int64_t b)
{
    if (b <= a || v->per_week == 0)
        return 0;
    int64_t weeks = (b - a) / 7, n = weeks * v->per_week;
    for (int64_t d = a + weeks * 7; d < b; d++)
        n += base_work(v, d);
    return n;
}

/* The m-th (m >= 1) pattern working day at or after day (forward) or at or before it;
 * the caller knows it exists. At most a week is walked. */
static int64_t base_nth(const view_t *v, int64_t day, int64_t m, int forward)
{
    int64_t weeks = (m - 1) / v->per_week;
    m -= weeks * v->per_week;
    day += forward ? weeks * 7 : -weeks * 7;
    for (;; day += forward ? 1 : -1)
        if (base_work(v, day) && --m == 0)
            return day;
}

static int64_t clamp_day(int64_t day)
{
    return day < WZ_CAL_MIN_DAY ? WZ_CAL_MIN_DAY : day > WZ_CAL_MAX_DAY + 1 ? WZ_CAL_MAX_DAY + 1 : day;
}

/* Working days in [a, b), a <= b: the pattern's count corrected by each override inside. */
static int64_t count_workdays(const view_t *v, int64_t a, int64_t b)
{
    a = clamp_day(a);
    b = clamp_day(b);
    int64_t n = base_count(v, a, b);
    const wz_calendar_t *cal = v->cal;
    for (size_t i = lower_bound(cal, a); i < cal->noverrides && cal->overrides[i].day < b; i++)
        n += override_work(v, &cal->overrides[i]) - base_work(v, cal->overrides[i].day);
    return n;
}

/* The m-th (m >= 1) working day at or after day, or NO_DAY if the range ends first or more
 * than WZ_CAL_MAX_GAP_DAYS pass without one (counting from day - 1). Walks the overrides
 * from day; each stretch between two of them follows the pattern and is counted at once. */
static int64_t nth_forward(const view_t *v, int64_t day, int64_t m)
{
    const wz_calendar_t *cal = v->cal;
    size_t i = lower_bound(cal, day);
    int64_t last = day - 1; /* the latest working day seen */
    while (day <= WZ_CAL_MAX_DAY) {
        int has_ov = i < cal->noverrides && cal->overrides[i].day <= WZ_CAL_MAX_DAY;
        if (has_ov && cal->overrides[i].day < day) { /* only in an unsorted array */
            i++;
            continue;
        }
        int64_t end = has_ov ? cal->overrides[i].day : (int64_t)WZ_CAL_MAX_DAY + 1;
        if (v->per_week > 0 && end > day) {
            int64_t first = day;
            while (!base_work(v, first))
                first++;
            if (first < end) {
                if (first - last > WZ_CAL_MAX_GAP_DAYS)
                    return NO_DAY;
                int64_t n = base_count(v, day, end);
                if (n >= m)
                    return base_nth(v, day, m, 1);
                m -= n;
                for (last = end - 1; !base_work(v, last); last--)
                    ;
            }
        }
        if (!has_ov)
            break;
        day = end;
        if (override_work(v, &cal->overrides[i])) {
            if (day - last > WZ_CAL_MAX_GAP_DAYS)
                return NO_DAY;
            if (--m == 0)
                return day;
            last = day;
        }
        day++;
        i++;
    }
    return NO_DAY;
}

/* The mirror of nth_forward: the m-th working day at or before day. */
static int64_t nth_backward(const view_t *v, int64_t day, int64_t m)
{
    const wz_calendar_t *cal = v->cal;
    size_t i = lower_bound(cal, day + 1); /* overrides [0, i) are <= day */
    int64_t last = day + 1;
    while (day >= WZ_CAL_MIN_DAY) {
        int has_ov = i > 0 && cal->overrides[i - 1].day >= WZ_CAL_MIN_DAY;
        if (has_ov && cal->overrides[i - 1].day > day) { /* only in an unsorted array */
            i--;
            continue;
        }
        int64_t start = has_ov ? cal->overrides[i - 1].day + 1 : WZ_CAL_MIN_DAY;
        if (v->per_week > 0 && start <= day) {
            int64_t lastw = day;
            while (!base_work(v, lastw))
                lastw--;
            if (lastw >= start) {
                if (last - lastw > WZ_CAL_MAX_GAP_DAYS)
                    return NO_DAY;
                int64_t n = base_count(v, start, day + 1);
                if (n >= m)
                    return base_nth(v, day, m, 0);
                m -= n;
                for (last = start; !base_work(v, last); last++)
                    ;
            }
        }
        if (!has_ov)
            break;
        day = start - 1;
        i--;
        if (override_work(v, &cal->overrides[i])) {
            if (last - day > WZ_CAL_MAX_GAP_DAYS)
                return NO_DAY;
            if (--m == 0)
                return day;
            last = day;
        }
        day--;
    }
    return NO_DAY;
}

/* Splits an instant into its local day and second of that day, clamped to the range. The
 * end of the range is its last day at second 86400, so a period ending at 24:00 on
 * 9999-12-31 keeps its last second. */
static void split(const view_t *v, int64_t utc, int64_t *day, int64_t *sec)
{
    int64_t local;
    if (utc < MIN_LOCAL - 2 * DAY_SECS)
        local = MIN_LOCAL;
    else if (utc > END_LOCAL + 2 * DAY_SECS)
        local = END_LOCAL;
    else
        local = utc + v->off;
    local = local < MIN_LOCAL ? MIN_LOCAL : local > END_LOCAL ? END_LOCAL : local;
    int64_t d = local / DAY_SECS;
    if (local % DAY_SECS < 0)
        d--;
    *day = d;
    *sec = local - d * DAY_SECS;
    if (d > WZ_CAL_MAX_DAY) {
        *day = WZ_CAL_MAX_DAY;
        *sec = DAY_SECS;
    }
}

static int64_t instant(const view_t *v, int64_t day, int64_t sec)
{
    return day * DAY_SECS + sec - v->off;
}

/* Working seconds of a working day before second sec of it. */
static int64_t within(const view_t *v, int64_t sec)
{
    int64_t n = 0;
    for (size_t i = 0; i < v->cal->nperiods; i++) {
        int64_t s = (int64_t)v->cal->periods[i].start_min * 60, e = (int64_t)v->cal->periods[i].end_min * 60;
        if (sec > s)
            n += (sec < e ? sec : e) - s;
    }
    return n;
}

/* The earliest second of a working day by which w (0 < w <= per_day) working seconds have
 * passed: a period's end when w fills it exactly. */
static int64_t at_forward(const view_t *v, int64_t w)
{
    for (size_t i = 0; i < v->cal->nperiods; i++) {
        int64_t s = (int64_t)v->cal->periods[i].start_min * 60, e = (int64_t)v->cal->periods[i].end_min * 60;
        if (w <= e - s)
            return s + w;
        w -= e - s;
    }
    return DAY_SECS; /* not reached for 0 < w <= per_day */
}

/* The latest second of a working day before which exactly w (0 <= w < per_day) working
 * seconds lie: a period's start when w ends at a period's end. */
static int64_t at_backward(const view_t *v, int64_t w)
{
    for (size_t i = 0; i < v->cal->nperiods; i++) {
        int64_t s = (int64_t)v->cal->periods[i].start_min * 60, e = (int64_t)v->cal->periods[i].end_min * 60;
        if (w < e - s)
            return s + w;
        w -= e - s;
    }
    return 0; /* not reached for 0 <= w < per_day */
}

void wz_cal_init(wz_calendar_t *cal)
{
    memset(cal, 0, sizeof(*cal));
    cal->utc_offset_min = 480;
    cal->weekend_mask = 1u << 0 | 1u << 6;
    cal->periods[0] = (wz_cal_period_t){9 * 60, 12 * 60};
    cal->periods[1] = (wz_cal_period_t){13 * 60 + 30, 17 * 60 + 30};
    cal->nperiods = 2;
}

void wz_cal_free(wz_calendar_t *cal)
{
    free(cal->overrides);
    cal->overrides = NULL;
    cal->noverrides = cal->cap = 0;
}

int wz_cal_set_periods(wz_calendar_t *cal, const wz_cal_period_t *p, size_t n)
{
    if ((p == NULL && n > 0) || !periods_valid(p, n))
        return -1;
    if (n > 0)
        memcpy(cal->periods, p, n * sizeof(*p));
    cal->nperiods = n;
    return 0;
}

static int reserve(wz_calendar_t *cal, size_t want)
{
    if (want <= cal->cap)
        return 0;
    size_t cap = cal->cap ? cal->cap : 64;
    while (cap < want) {
        if (cap > SIZE_MAX / 2 / sizeof(wz_cal_override_t))
            return -1;
        cap *= 2;
    }
    wz_cal_override_t *p = realloc(cal->overrides, cap * sizeof(*p));
    if (p == NULL)
        return -1;
    cal->overrides = p;
    cal->cap = cap;
    return 0;
}

int wz_cal_set_day(wz_calendar_t *cal, int32_t day, wz_day_kind_t kind)
{
    if (day < WZ_CAL_MIN_DAY || day > WZ_CAL_MAX_DAY)
        return -1;
    if (kind != WZ_DAY_NORMAL && kind != WZ_DAY_OFF && kind != WZ_DAY_WORK)
        return -1;
    size_t i = lower_bound(cal, day), n = cal->noverrides;
    int found = i < n && cal->overrides[i].day == day;
    if (kind == WZ_DAY_NORMAL) {
        if (found) {
            memmove(&cal->overrides[i], &cal->overrides[i + 1], (n - i - 1) * sizeof(*cal->overrides));
            cal->noverrides--;
        }
        return 0;
    }
    if (found) {
        cal->overrides[i].kind = (uint8_t)kind;
        return 0;
    }
    if (reserve(cal, n + 1) != 0)
        return -1;
    if (i < n)
        memmove(&cal->overrides[i + 1], &cal->overrides[i], (n - i) * sizeof(*cal->overrides));
    cal->overrides[i] = (wz_cal_override_t){day, (uint8_t)kind};
    cal->noverrides++;
    return 0;
}

int wz_cal_parse_date(const char *s, size_t len, int32_t *day)
{
    if (s == NULL || len != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    int64_t f[3] = {0, 0, 0};
    static const int field[10] = {0, 0, 0, 0, -1, 1, 1, -1, 2, 2};
    for (int i = 0; i < 10; i++) {
        if (field[i] < 0)
            continue;
        if (s[i] < '0' || s[i] > '9')
            return -1;
        f[field[i]] = f[field[i]] * 10 + (s[i] - '0');
    }
    if (f[0] < 1970 || f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > wz_days_in_month(f[0], f[1]))
        return -1;
    *day = (int32_t)wz_days_from_civil(f[0], f[1], f[2]);
    return 0;
}

void wz_cal_format_date(int32_t day, char out[11])
{
    int64_t y, m, d;
    int64_t z = day < WZ_CAL_MIN_DAY ? WZ_CAL_MIN_DAY : day > WZ_CAL_MAX_DAY ? WZ_CAL_MAX_DAY : day;
    wz_civil_from_days(z, &y, &m, &d);
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
}

int32_t wz_cal_local_day(const wz_calendar_t *cal, int64_t utc)
{
    view_t v;
    view_init(&v, cal);
    int64_t day, sec;
    split(&v, utc, &day, &sec);
    return (int32_t)day;
}

int wz_cal_weekday(int32_t day)
{
    return weekday64(day);
}

int wz_cal_is_workday(const wz_calendar_t *cal, int32_t day)
{
    view_t v;
    view_init(&v, cal);
    return is_work(&v, day);
}

int64_t wz_cal_working_seconds_per_day(const wz_calendar_t *cal)
{
    view_t v;
    view_init(&v, cal);
    return v.per_day;
}

int64_t wz_cal_count_workdays(const wz_calendar_t *cal, int32_t from_day, int32_t to_day)
{
    view_t v;
    view_init(&v, cal);
    if (to_day < from_day)
        return -count_workdays(&v, to_day, from_day);
    return count_workdays(&v, from_day, to_day);
}

int64_t wz_cal_add_working_seconds(const wz_calendar_t *cal, int64_t from, int64_t seconds)
{
    if (seconds == 0)
        return from;
    view_t v;
    view_init(&v, cal);
    int64_t never = seconds > 0 ? INT64_MAX : INT64_MIN;
    if (v.per_day == 0)
        return never;
    int64_t day, sec;
    split(&v, from, &day, &sec);
    /* working seconds of from's day before from, or -1 if the day is off */
    int64_t before = is_work(&v, day) ? within(&v, sec) : -1;
    if (seconds > 0) {
        int64_t s = seconds > MAX_AMOUNT ? MAX_AMOUNT : seconds;
        int64_t left = before >= 0 ? v.per_day - before : 0;
        if (s <= left)
            return instant(&v, day, at_forward(&v, before + s));
        s -= left;
        /* n whole days, then r (0 < r <= per_day) into the next working day */
        int64_t n = (s - 1) / v.per_day, r = s - n * v.per_day;
        int64_t d = nth_forward(&v, day + 1, n + 1);
        return d == NO_DAY ? never : instant(&v, d, at_forward(&v, r));
    }
    int64_t s = seconds < -MAX_AMOUNT ? MAX_AMOUNT : -seconds;
    if (before >= 0 && s <= before)
        return instant(&v, day, at_backward(&v, before - s));
    s -= before > 0 ? before : 0;
    int64_t n = (s - 1) / v.per_day, r = s - n * v.per_day;
    int64_t d = nth_backward(&v, day - 1, n + 1);
    return d == NO_DAY ? never : instant(&v, d, at_backward(&v, v.per_day - r));
}

int64_t wz_cal_add_working_days(const wz_calendar_t *cal, int64_t from, int days)
{
    if (days == 0)
        return from;
    int64_t per_day = wz_cal_working_seconds_per_day(cal);
    if (per_day == 0)
        return days > 0 ? INT64_MAX : INT64_MIN;
    return wz_cal_add_working_seconds(cal, from, (int64_t)days * per_day);
}

int64_t wz_cal_working_seconds_between(const wz_calendar_t *cal, int64_t a, int64_t b)
{
    if (b < a)
        return -wz_cal_working_seconds_between(cal, b, a);
    view_t v;
    view_init(&v, cal);
    if (v.per_day == 0)
        return 0;
    int64_t da, sa, db, sb;
    split(&v, a, &da, &sa);
    split(&v, b, &db, &sb);
    int wa = is_work(&v, da);
    if (da == db)
        return wa ? within(&v, sb) - within(&v, sa) : 0;
    int64_t n = wa ? v.per_day - within(&v, sa) : 0;
    n += count_workdays(&v, da + 1, db) * v.per_day;
    if (is_work(&v, db))
        n += within(&v, sb);
    return n;
}

/* ---- the holiday table ---- */

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* A printable copy of a field for an error message: at most 16 bytes, anything but printable
 * ASCII shown as '?', so a message never carries control bytes from the file. */
static void shown(char out[24], const char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && i < 16; i++)
        out[o++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : (char)'?';
    if (n > 16) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

/* Where applied rows go: the old overrides wait at [i, iend) of the same array and are
 * merged with the new rows into [0, w). w never passes i, because each row written was
 * either an old one already read or one of the rows reserved in front of them. */
typedef struct {
    wz_cal_override_t *a;
    size_t w, i, iend;
} merge_t;

static void merge_row(merge_t *mg, int32_t day, uint8_t kind)
{
    while (mg->i < mg->iend && mg->a[mg->i].day < day)
        mg->a[mg->w++] = mg->a[mg->i++];
    if (mg->i < mg->iend && mg->a[mg->i].day == day)
        mg->i++; /* the file's row replaces it */
    mg->a[mg->w++] = (wz_cal_override_t){day, kind};
}

/* Reads the table: with mg == NULL only checks it (messages in err), else merges its rows
 * (the text was checked). Returns the number of rows or -1. */
static long scan_tsv(const char *text, size_t len, merge_t *mg, char *err, size_t errlen)
{
    static const char header[] = "date\tkind\tname";
    size_t pos = 0, line = 0;
    long rows = 0;
    int have_header = 0;
    int32_t prev = 0;
    char a[24], b[11];
    while (pos < len) {
        const char *s = text + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        pos += n + (nl != NULL);
        line++;
        if (n > 0 && s[n - 1] == '\r')
            n--;
        if (n == 0 || s[0] == '#')
            continue;
        if (!have_header) {
            if (n != sizeof(header) - 1 || memcmp(s, header, n) != 0) {
                set_err(err, errlen, "line %zu: expected the header \"date<TAB>kind<TAB>name\"", line);
                return -1;
            }
            have_header = 1;
            continue;
        }
        const char *t1 = memchr(s, '\t', n);
        const char *t2 = t1 ? memchr(t1 + 1, '\t', n - (size_t)(t1 + 1 - s)) : NULL;
        if (t2 == NULL) {
            set_err(err, errlen, "line %zu: expected 3 tab-separated fields (date, kind, name)", line);
            return -1;
        }
        const char *name = t2 + 1;
        size_t dlen = (size_t)(t1 - s), klen = (size_t)(t2 - t1 - 1), nlen = n - (size_t)(name - s);
        if (memchr(name, '\t', nlen) != NULL) {
            set_err(err, errlen, "line %zu: more than 3 fields", line);
            return -1;
        }
        int32_t day;
        if (wz_cal_parse_date(s, dlen, &day) != 0) {
            shown(a, s, dlen);
            set_err(err, errlen, "line %zu: invalid date \"%s\" (want YYYY-MM-DD, a real date, 1970..9999)", line, a);
            return -1;
        }
        uint8_t kind;
        if (klen == 3 && memcmp(t1 + 1, "off", 3) == 0) {
            kind = WZ_DAY_OFF;
        } else if (klen == 4 && memcmp(t1 + 1, "work", 4) == 0) {
            kind = WZ_DAY_WORK;
        } else {
            shown(a, t1 + 1, klen);
            set_err(err, errlen, "line %zu: kind \"%s\" is not off or work", line, a);
            return -1;
        }
        if (nlen == 0) {
            set_err(err, errlen, "line %zu: empty name", line);
            return -1;
        }
        for (size_t i = 0; i < nlen; i++) {
            if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) {
                set_err(err, errlen, "line %zu: control character in the name", line);
                return -1;
            }
        }
        /* ascending order rules out duplicates and makes merging one pass */
        if (rows > 0 && day <= prev) {
            wz_cal_format_date(day, b);
            set_err(err, errlen,
                    day == prev ? "line %zu: %s appears twice" : "line %zu: %s is out of order (dates must ascend)",
                    line, b);
            return -1;
        }
        prev = day;
        rows++;
        if (mg != NULL)
            merge_row(mg, day, kind);
    }
    if (!have_header) {
        set_err(err, errlen, "no header line \"date<TAB>kind<TAB>name\"");
        return -1;
    }
    return rows;
}

int wz_cal_load_tsv(wz_calendar_t *cal, const char *text, size_t len, char *err, size_t errlen)
{
    set_err(err, errlen, "%s", "");
    if (text == NULL && len > 0) {
        set_err(err, errlen, "no text");
        return -1;
    }
    long rows = scan_tsv(text, len, NULL, err, errlen);
    if (rows < 0)
        return -1;
    size_t r = (size_t)rows, n = cal->noverrides;
    if (reserve(cal, n + r) != 0) {
        set_err(err, errlen, "out of memory for %ld rows", rows);
        return -1;
    }
    if (n > 0)
        memmove(cal->overrides + r, cal->overrides, n * sizeof(*cal->overrides));
    merge_t mg = {cal->overrides, 0, r, r + n};
    scan_tsv(text, len, &mg, NULL, 0);
    while (mg.i < mg.iend)
        mg.a[mg.w++] = mg.a[mg.i++];
    cal->noverrides = mg.w;
    return 0;
}
