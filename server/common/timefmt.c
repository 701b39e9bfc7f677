#include "common/timefmt.h"
#include <stdio.h>
#include <string.h>

int64_t wz_days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void wz_civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

int wz_days_in_month(int64_t y, int64_t m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
        return 29;
    return dim[m - 1];
}

/* two digits of v at out */
static void put2(char *out, int v)
{
    out[0] = (char)('0' + v / 10 % 10);
    out[1] = (char)('0' + v % 10);
}

/* Written digit by digit: a queue page formats some 600 of these, and snprintf was the
 * server's largest single cost in it (docs/performance.md, queue). */
void wz_time_format(int64_t utc, char out[WZ_RFC3339_MAX])
{
    int64_t local = utc + WZ_TIME_OFFSET_MIN * 60;
    int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
    int64_t secs = local - days * 86400;
    int64_t y, m, d;
    wz_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) { /* outside what four digits hold: as before, whatever the width */
        snprintf(out, WZ_RFC3339_MAX, "%04lld-%02d-%02dT%02d:%02d:%02d+%02d:%02d", (long long)y, (int)m, (int)d,
                 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60), WZ_TIME_OFFSET_MIN / 60,
                 WZ_TIME_OFFSET_MIN % 60);
        return;
    }
    put2(out, (int)(y / 100));
    put2(out + 2, (int)(y % 100));
    out[4] = '-';
    put2(out + 5, (int)m);
    out[7] = '-';
    put2(out + 8, (int)d);
    out[10] = 'T';
    put2(out + 11, (int)(secs / 3600));
    out[13] = ':';
    put2(out + 14, (int)(secs / 60 % 60));
    out[16] = ':';
    put2(out + 17, (int)(secs % 60));
    out[19] = '+';
    put2(out + 20, WZ_TIME_OFFSET_MIN / 60);
    out[22] = ':';
    put2(out + 23, WZ_TIME_OFFSET_MIN % 60);
    out[25] = '\0';
}

static int digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int wz_time_parse(const char *s, size_t len, int64_t *utc)
{
    int y, mo, d, h = 0, mi = 0, se = 0, off = WZ_TIME_OFFSET_MIN;
    if (len < 10 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d))
        return -1;
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > wz_days_in_month(y, mo))
        return -1;
    size_t i = 10;
    if (len > 10) {
        if (len < 20 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || digits(s + 11, 2, &h) || s[13] != ':' ||
            digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se))
            return -1;
        if (h > 23 || mi > 59 || se > 60)
            return -1;
        i = 19;
        if (i < len && s[i] == '.') { /* fractions are accepted and dropped */
            i++;
            size_t start = i;
            while (i < len && s[i] >= '0' && s[i] <= '9')
                i++;
            if (i == start || i - start > 9)
                return -1;
        }
        if (i == len)
            return -1; /* an instant needs its offset */
        if (s[i] == 'Z' || s[i] == 'z') {
            off = 0;
            i++;
        } else if ((s[i] == '+' || s[i] == '-') && len - i == 6 && s[i + 3] == ':') {
            int oh, om;
            if (digits(s + i + 1, 2, &oh) || digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
                return -1;
            off = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
            i += 6;
        } else {
            return -1;
        }
    }
    if (i != len)
        return -1;
    *utc = wz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + (se > 59 ? 59 : se) - (int64_t)off * 60;
    return 0;
}
