#ifndef WZ_SLA_CALENDAR_DB_H
#define WZ_SLA_CALENDAR_DB_H
/* Loads the working calendar from the database (calendar_days, working_periods). Blocking:
 * start-up only, before the event loops run; afterwards the calendar is read-only and shared
 * by every loop. */
#include "sla/calendar.h"
#include <mysql.h>

/** Fills cal (already wz_cal_init'ed) from the database; -1 with a message on error. */
int wz_calendar_load_db(MYSQL *db, wz_calendar_t *cal, char *err, size_t errlen);

#endif
