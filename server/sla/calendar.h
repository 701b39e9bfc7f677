#ifndef WZ_SLA_CALENDAR_H
#define WZ_SLA_CALENDAR_H
/* The working-time calendar that SLA clocks run on: which local days are working days
 * (a weekly pattern plus dated overrides for public holidays and make-up working days) and
 * which minutes of a working day count. Pure computation: no I/O, no global state; the only
 * allocation is the override array. See docs/calendar.md for the model and examples.
 *
 * Local days are counted from 1970-01-01 in the calendar's local time (Asia/Shanghai = UTC+8,
 * no DST since 1991); instants are UTC seconds since the epoch (int64_t).
 *
 * Range: local days WZ_CAL_MIN_DAY..WZ_CAL_MAX_DAY (0001-01-01..9999-12-31, proleptic
 * Gregorian). Instants outside it are clamped to its edges by every function that takes an
 * instant, so absurd values (INT64_MIN, INT64_MAX) are defined, never undefined behaviour.
 *
 * Cost, with n overrides and k of them between the two ends of a call: add_working_seconds,
 * add_working_days, working_seconds_between and count_workdays are O(log n + k). Stretches
 * between overrides follow the weekly pattern and are counted arithmetically, never day by
 * day or minute by minute; is_workday is O(log n). */
#include <stddef.h>
#include <stdint.h>

#define WZ_CAL_MAX_PERIODS 8
/** The first and last local day the calendar handles: 0001-01-01 and 9999-12-31. */
#define WZ_CAL_MIN_DAY (-719162)
#define WZ_CAL_MAX_DAY 2932896
/** A stretch of more than this many days (10 years) without a working day counts as "never". */
#define WZ_CAL_MAX_GAP_DAYS 3653

/** A working period of every working day, in minutes after local midnight (0..1440). */
typedef struct {
    int start_min, end_min;
} wz_cal_period_t;

/** What an override says about one day. */
typedef enum { WZ_DAY_NORMAL = 0, WZ_DAY_OFF = 1, WZ_DAY_WORK = 2 } wz_day_kind_t;

/** One dated exception to the weekly pattern; kind is WZ_DAY_OFF or WZ_DAY_WORK. */
typedef struct {
    int32_t day;
    uint8_t kind;
} wz_cal_override_t;

/** A calendar. Change periods and overrides through the functions below, which keep them
 * valid; utc_offset_min and weekend_mask may be set directly. Periods that are not valid
 * (as wz_cal_set_periods defines it) are treated as no working time at all; an offset beyond
 * +-24 hours is clamped to it. */
typedef struct wz_calendar {
    int utc_offset_min;   /* +480 */
    uint8_t weekend_mask; /* bit d set = weekday d (0=Sunday..6=Saturday) is a day off; default Sat+Sun */
    wz_cal_period_t periods[WZ_CAL_MAX_PERIODS]; /* sorted, non-overlapping, start < end */
    size_t nperiods;                             /* default 09:00-12:00, 13:30-17:30 */
    wz_cal_override_t *overrides;                /* sorted by day, unique */
    size_t noverrides, cap;
} wz_calendar_t;

/** Sets the defaults: UTC+8, Saturday and Sunday off, 09:00-12:00 and 13:30-17:30, no overrides. */
void wz_cal_init(wz_calendar_t *cal);
/** Frees the overrides (the calendar keeps its other settings and stays usable). */
void wz_cal_free(wz_calendar_t *cal);
/** Replaces the working periods: n <= WZ_CAL_MAX_PERIODS, each 0 <= start < end <= 1440, sorted,
 * not overlapping (touching is fine). n == 0 means no working time. Returns 0, or -1 (calendar
 * unchanged) if invalid. */
int wz_cal_set_periods(wz_calendar_t *cal, const wz_cal_period_t *p, size_t n);
/** Makes day a day off (WZ_DAY_OFF) or a working day (WZ_DAY_WORK) whatever its weekday;
 * WZ_DAY_NORMAL removes an override. Returns 0, or -1 for a day outside the range, an unknown
 * kind, or no memory. */
int wz_cal_set_day(wz_calendar_t *cal, int32_t day, wz_day_kind_t kind);
/** Parses exactly "YYYY-MM-DD" (len == 10, a real date, years 1970..9999) into a day number.
 * Returns 0, or -1 without touching *day. */
int wz_cal_parse_date(const char *s, size_t len, int32_t *day);
/** Writes day as "YYYY-MM-DD" and a NUL; days outside the range are clamped to it. */
void wz_cal_format_date(int32_t day, char out[11]);
/** The local day an instant falls on. */
int32_t wz_cal_local_day(const wz_calendar_t *cal, int64_t utc);
/** The weekday of a day, 0 = Sunday .. 6 = Saturday (1970-01-01 was a Thursday, 4). */
int wz_cal_weekday(int32_t day);
/** 1 if day is a working day (its override if it has one, else its weekday), else 0. */
int wz_cal_is_workday(const wz_calendar_t *cal, int32_t day);
/** The working seconds of one working day (25200 for the defaults). */
int64_t wz_cal_working_seconds_per_day(const wz_calendar_t *cal);
/** The number of working days in [from_day, to_day), negative when to_day < from_day. */
int64_t wz_cal_count_workdays(const wz_calendar_t *cal, int32_t from_day, int32_t to_day);
/** The instant at which `seconds` of working time have passed since `from`. Time outside the
 * working periods does not count; a result that lands exactly on a period's end is that end
 * (12:00, not 13:30). seconds == 0 returns from. INT64_MAX if the calendar has no working
 * time within 10 years (no periods, or every day off) or the result would be after the range.
 * Negative seconds count backwards and land on a period's start (13:30, not 12:00); their
 * "never" is INT64_MIN. */
int64_t wz_cal_add_working_seconds(const wz_calendar_t *cal, int64_t from, int64_t seconds);
/** N working days = N x working_seconds_per_day of working time (so Friday 16:00 + 1 working
 * day is the next working day at 16:00, and 09:00 + 1 working day is 17:30 the same day). */
int64_t wz_cal_add_working_days(const wz_calendar_t *cal, int64_t from, int days);
/** Working time between two instants (negative when b < a). */
int64_t wz_cal_working_seconds_between(const wz_calendar_t *cal, int64_t a, int64_t b);
/** Loads the holiday table format of cn-holidays.tsv ('#' comment lines and empty lines skipped,
 * a header line "date\tkind\tname", rows "YYYY-MM-DD\toff|work\tname" in ascending date order,
 * LF or CRLF). Strict: a bad row is an error naming its line, and the calendar is unchanged.
 * Rows merge into the calendar's overrides, replacing any for the same day. Returns 0, or -1
 * with a message in err (which may be NULL). */
int wz_cal_load_tsv(wz_calendar_t *cal, const char *text, size_t len, char *err, size_t errlen);

#endif
