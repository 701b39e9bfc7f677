#include "sla/calendar_db.h"
#include "common/log.h"
#include "common/periodic.h"
#include "db/txn.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char sql_revision[] = "SELECT revision FROM config_revisions WHERE name = 'calendar'";
static const char sql_periods[] = "SELECT start_min, end_min FROM working_periods ORDER BY start_min";
static const char sql_days[] = "SELECT DATE_FORMAT(day, '%Y-%m-%d'), kind FROM calendar_days ORDER BY day";

int wz_calendar_apply_day(wz_calendar_t *cal, const char *date, size_t len, const char *kind, char *err, size_t errlen)
{
    int32_t day;
    if (wz_cal_parse_date(date, len, &day) != 0) {
        snprintf(err, errlen, "calendar_days: bad date %.*s", (int)len, date);
        return -1;
    }
    if (wz_cal_set_day(cal, day, strcmp(kind, "work") == 0 ? WZ_DAY_WORK : WZ_DAY_OFF) != 0) {
        snprintf(err, errlen, "calendar_days: cannot add %.*s", (int)len, date);
        return -1;
    }
    return 0;
}

/* no rows: keep the built-in 09:00-12:00, 13:30-17:30 */
static int apply_periods(wz_calendar_t *cal, const wz_cal_period_t *p, size_t n, char *err, size_t errlen)
{
    if (n > 0 && wz_cal_set_periods(cal, p, n) != 0) {
        snprintf(err, errlen, "working_periods: periods overlap or are out of order");
        return -1;
    }
    return 0;
}

int wz_calendar_load_db(MYSQL *db, wz_calendar_t *cal, long long *revision, char *err, size_t errlen)
{
    MYSQL_RES *r;
    MYSQL_ROW row;
    if (revision != NULL) {
        if (mysql_query(db, sql_revision) != 0) {
            snprintf(err, errlen, "config_revisions: %s", mysql_error(db));
            return -1;
        }
        r = mysql_store_result(db);
        row = r != NULL ? mysql_fetch_row(r) : NULL;
        *revision = row != NULL && row[0] != NULL ? strtoll(row[0], NULL, 10) : 0;
        mysql_free_result(r);
    }
    if (mysql_query(db, sql_periods) != 0) {
        snprintf(err, errlen, "working_periods: %s", mysql_error(db));
        return -1;
    }
    r = mysql_store_result(db);
    wz_cal_period_t periods[WZ_CAL_MAX_PERIODS];
    size_t n = 0;
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
    if (apply_periods(cal, periods, n, err, errlen) != 0)
        return -1;
    if (mysql_query(db, sql_days) != 0) {
        snprintf(err, errlen, "calendar_days: %s", mysql_error(db));
        return -1;
    }
    r = mysql_store_result(db);
    int ret = 0;
    while (ret == 0 && r != NULL && (row = mysql_fetch_row(r)) != NULL)
        ret = wz_calendar_apply_day(cal, row[0], strlen(row[0]), row[1], err, errlen);
    mysql_free_result(r);
    return ret;
}

/* ---- reloading on a loop ---- */

typedef struct {
    wz_calendar_store_t *store;
    wz_calendar_reload_cb cb;
    void *data;
    wz_calendar_t *cal; /* being filled (per attempt) */
    long long revision;
    int ok;
} reload_t;

static void step_days(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    reload_t *r = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    char msg[128];
    for (size_t i = 0; i < res->nrows; i++) {
        size_t len, klen;
        const char *date = wz_db_cell_text(res, i, 0, &len);
        const char *kind = wz_db_cell_text(res, i, 1, &klen);
        if (wz_calendar_apply_day(r->cal, date, len, kind, msg, sizeof(msg)) != 0) {
            wz_warn("calendar reload: %s", msg);
            wz_db_txn_fail(txn, &(wz_db_error_t){.code = WZ_DB_EUSAGE});
            return;
        }
    }
    r->ok = 1;
    wz_db_txn_commit(txn);
}

static void step_periods(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    reload_t *r = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    wz_cal_period_t p[WZ_CAL_MAX_PERIODS];
    size_t n = 0;
    char msg[128];
    for (size_t i = 0; i < res->nrows && n < WZ_CAL_MAX_PERIODS; i++, n++) {
        p[n].start_min = (int)wz_db_cell_int(res, i, 0);
        p[n].end_min = (int)wz_db_cell_int(res, i, 1);
    }
    if (res->nrows > WZ_CAL_MAX_PERIODS || apply_periods(r->cal, p, n, msg, sizeof(msg)) != 0) {
        wz_warn("calendar reload: the working periods are not valid");
        wz_db_txn_fail(txn, &(wz_db_error_t){.code = WZ_DB_EUSAGE});
        return;
    }
    wz_db_txn_exec(txn, sql_days, NULL, 0, step_days);
}

static void step_revision(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    reload_t *r = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    r->revision = res->nrows == 1 ? wz_db_cell_int(res, 0, 0) : 0;
    wz_calendar_release(r->cal); /* a retried attempt starts from a fresh calendar */
    r->cal = wz_calendar_new();
    wz_db_txn_exec(txn, sql_periods, NULL, 0, step_periods);
}

static void step_begin(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    reload_t *r = wz_db_txn_data(txn);
    r->ok = 0;
    wz_db_txn_exec(txn, sql_revision, NULL, 0, step_revision);
}

static void on_reloaded(void *data, const wz_db_error_t *err)
{
    reload_t *r = data;
    int ok = err == NULL && r->ok;
    if (ok) {
        size_t days = r->cal->noverrides;
        if (wz_calendar_store_replace(r->store, r->cal, r->revision))
            wz_info("calendar: revision %lld loaded, %zu special dates", r->revision, days);
    } else {
        if (err != NULL && err->code != WZ_DB_EUSAGE)
            wz_warn("calendar reload failed: %s", err->message[0] ? err->message : wz_db_strerror(err->code));
        wz_calendar_release(r->cal);
    }
    if (r->cb != NULL)
        r->cb(r->data, ok);
    free(r);
}

int wz_calendar_reload(wz_db_pool_t *pool, wz_calendar_store_t *store, wz_calendar_reload_cb cb, void *data)
{
    reload_t *r = calloc(1, sizeof(*r));
    if (r == NULL)
        abort();
    r->store = store;
    r->cb = cb;
    r->data = data;
    int ret = wz_db_txn_begin(pool, step_begin, on_reloaded, r);
    if (ret != WZ_DB_OK)
        free(r);
    return ret;
}

/* ---- the refresher ---- */

struct wz_calendar_refresher {
    wz_periodic_t *periodic;
    wz_db_pool_t *pool;
    wz_calendar_store_t *store;
};

static void on_check_done(void *data, int ok)
{
    (void)ok;
    wz_calendar_refresher_t *f = data;
    wz_periodic_t *p = f->periodic;
    if (wz_periodic_stopping(p))
        free(f); /* the periodic frees itself in done */
    wz_periodic_done(p);
}

static void on_revision(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    wz_calendar_refresher_t *f = data;
    if (err == NULL && !wz_periodic_stopping(f->periodic) && res->nrows == 1 &&
        wz_db_cell_int(res, 0, 0) != wz_calendar_store_revision(f->store) &&
        wz_calendar_reload(f->pool, f->store, on_check_done, f) == WZ_DB_OK)
        return; /* busy until the reload ends */
    on_check_done(f, 0);
}

static void check(wz_periodic_t *p, void *data)
{
    (void)p;
    wz_calendar_refresher_t *f = data;
    if (wz_db_run(f->pool, sql_revision, NULL, 0, on_revision, f) != WZ_DB_OK)
        on_check_done(f, 0); /* database away or busy: the next tick tries again */
}

wz_calendar_refresher_t *wz_calendar_refresher_start(uv_loop_t *loop, wz_db_pool_t *pool, wz_calendar_store_t *store,
                                                     unsigned interval_ms)
{
    wz_calendar_refresher_t *f = calloc(1, sizeof(*f));
    if (f == NULL)
        abort();
    f->pool = pool;
    f->store = store;
    f->periodic = wz_periodic_start(loop, interval_ms, check, f);
    return f;
}

void wz_calendar_refresher_stop(wz_calendar_refresher_t *f)
{
    /* the refresher lives until the periodic's last run is done: a run in flight frees it */
    wz_periodic_t *p = f->periodic;
    wz_periodic_stop(p);
    if (!wz_periodic_busy(p))
        free(f);
}
