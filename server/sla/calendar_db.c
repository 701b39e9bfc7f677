#include "sla/calendar_db.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wz_calendar_load_db(MYSQL *db, wz_calendar_t *cal, char *err, size_t errlen)
{
    if (mysql_query(db, "SELECT start_min, end_min FROM working_periods ORDER BY start_min") != 0) {
        snprintf(err, errlen, "working_periods: %s", mysql_error(db));
        return -1;
    }
    MYSQL_RES *r = mysql_store_result(db);
    wz_cal_period_t periods[WZ_CAL_MAX_PERIODS];
    size_t n = 0;
    MYSQL_ROW row;
    while (r != NULL && (row = mysql_fetch_row(r)) != NULL) {
        if (n == WZ_CAL_MAX_PERIODS) {
            mysql_free_result(r);
            snprintf(err, errlen, "working_periods: more than %d periods", WZ_CAL_MAX_PERIODS);
            return -1;
        }
        periods[n].start_min = (int)strtol(row[0], NULL, 10);
        periods[n].end_min = (int)strtol(row[1], NULL, 10);
        n++;
    }
    mysql_free_result(r);
    /* no rows: keep the built-in 09:00-12:00, 13:30-17:30 */
    if (n > 0 && wz_cal_set_periods(cal, periods, n) != 0) {
        snprintf(err, errlen, "working_periods: periods overlap or are out of order");
        return -1;
    }
    if (mysql_query(db, "SELECT DATE_FORMAT(day, '%Y-%m-%d'), kind FROM calendar_days") != 0) {
        snprintf(err, errlen, "calendar_days: %s", mysql_error(db));
        return -1;
    }
    r = mysql_store_result(db);
    int ret = 0;
    while (ret == 0 && r != NULL && (row = mysql_fetch_row(r)) != NULL) {
        int32_t day;
        if (wz_cal_parse_date(row[0], strlen(row[0]), &day) != 0) {
            snprintf(err, errlen, "calendar_days: bad date %s", row[0]);
            ret = -1;
            break;
        }
        wz_day_kind_t kind = strcmp(row[1], "work") == 0 ? WZ_DAY_WORK : WZ_DAY_OFF;
        if (wz_cal_set_day(cal, day, kind) != 0) {
            snprintf(err, errlen, "calendar_days: cannot add %s", row[0]);
            ret = -1;
        }
    }
    mysql_free_result(r);
    return ret;
}
