#ifndef WZ_SLA_CALENDAR_DB_H
#define WZ_SLA_CALENDAR_DB_H
/* The working calendar from the database (calendar_days, working_periods, and its revision in
 * config_revisions, which every change through the API raises in the same transaction).
 *
 * wz_calendar_load_db blocks: start-up and the demo seed only, before any event loop runs.
 * wz_calendar_reload runs on a loop's pool without blocking; a refresher on one loop polls the
 * revision so that a change made through another server reaches this one too. */
#include "db/db.h"
#include "sla/calendar_store.h"
#include <mysql.h>
#include <uv.h>

/** Fills cal (already wz_cal_init'ed) from the database and, when revision is not NULL, reads
 * the calendar's revision; -1 with a message on error. */
int wz_calendar_load_db(MYSQL *db, wz_calendar_t *cal, long long *revision, char *err, size_t errlen);

/** Applies one calendar_days row (date "YYYY-MM-DD", kind "off" or "work"); -1 with a message. */
int wz_calendar_apply_day(wz_calendar_t *cal, const char *date, size_t len, const char *kind, char *err, size_t errlen);

typedef void (*wz_calendar_reload_cb)(void *data, int ok);
/** Loads the calendar and its revision in one transaction and installs it in the store if the
 * revision is newer. cb (may be NULL) gets ok = 1 or 0. Returns 0, or a WZ_DB_E* code when the
 * transaction cannot start (cb is then not called). */
int wz_calendar_reload(wz_db_pool_t *pool, wz_calendar_store_t *store, wz_calendar_reload_cb cb, void *data);

typedef struct wz_calendar_refresher wz_calendar_refresher_t;
/** Every interval_ms, reads the revision and reloads when it differs from the store's. */
wz_calendar_refresher_t *wz_calendar_refresher_start(uv_loop_t *loop, wz_db_pool_t *pool, wz_calendar_store_t *store,
                                                     unsigned interval_ms);
/** Stops polling; the refresher frees itself once a check in flight has ended (closing the pool
 * fails it). */
void wz_calendar_refresher_stop(wz_calendar_refresher_t *r);

#endif
