#ifndef WZ_COMMON_TIMEFMT_H
#define WZ_COMMON_TIMEFMT_H
/* Instants in the API: RFC 3339 with the local offset (Asia/Shanghai, +08:00, has no DST). */
#include <stddef.h>
#include <stdint.h>

#define WZ_TIME_OFFSET_MIN 480
#define WZ_RFC3339_MAX 64 /* room for any year the arithmetic can produce */

/** Days since 1970-01-01 of a proleptic Gregorian date, and back (Howard Hinnant's algorithms). */
int64_t wz_days_from_civil(int64_t y, int64_t m, int64_t d);
void wz_civil_from_days(int64_t days, int64_t *y, int64_t *m, int64_t *d);
/** Days in a month (1-12) of a year. */
int wz_days_in_month(int64_t y, int64_t m);
/** Formats UTC seconds as "2026-11-23T09:30:00+08:00". */
void wz_time_format(int64_t utc, char out[WZ_RFC3339_MAX]);
/** Parses "2026-11-23T09:30:00+08:00" / "...Z" / "...[.frac]" or a bare date "2026-11-23"
 * (local midnight) into UTC seconds. 0 or -1. */
int wz_time_parse(const char *s, size_t len, int64_t *utc);

#endif
