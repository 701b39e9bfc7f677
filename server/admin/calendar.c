/* /api/v1/calendar: the working calendar SLA clocks run on (docs/calendar.md).
 *
 *   GET    /calendar?year=2026           the special dates, the working periods, the revision
 *   PUT    /calendar/days/{date}         {kind: off|work, name?}: a holiday or a make-up day
 *   DELETE /calendar/days/{date}         the date follows its weekday again
 *   PUT    /calendar/working-periods     {periods: [{start: "09:00", end: "12:00"}, ...]}
 *
 * A change raises the calendar's revision in its own transaction; after the commit this server
 * loads the new calendar before it answers, so the caller's next request computes deadlines on
 * it; other servers follow within sla.calendar_refresh_ms. Deadlines already set are promises
 * and do not move. */
#include "admin/resources.h"
#include "sla/calendar_db.h"
#include "tickets/plan.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_CHARS 64
#define FIRST_YEAR 2000
#define LAST_YEAR 2100

static const wz_admin_ops_t calendar_ops = {.read_roles = WZ_ROLES_ALL};

static const char sql_bump[] = "UPDATE config_revisions SET revision = revision + 1 WHERE name = 'calendar'";
static const char sql_revision[] = "SELECT revision FROM config_revisions WHERE name = 'calendar'";
static const char sql_periods[] = "SELECT start_min, end_min FROM working_periods ORDER BY start_min";
static const char sql_days[] = "SELECT DATE_FORMAT(day, '%Y-%m-%d'), kind, name FROM calendar_days "
                               "WHERE day >= ? AND day < ? ORDER BY day";
static const char sql_day[] = "SELECT DATE_FORMAT(day, '%Y-%m-%d'), kind, name FROM calendar_days WHERE day = ?";
static const char sql_put_day[] = "INSERT INTO calendar_days (day, kind, name) VALUES (?, ?, ?) "
                                  "ON DUPLICATE KEY UPDATE kind = VALUES(kind), name = VALUES(name)";
static const char sql_delete_day[] = "DELETE FROM calendar_days WHERE day = ?";
static const char sql_clear_periods[] = "DELETE FROM working_periods";
static const char sql_add_period[] = "INSERT INTO working_periods (start_min, end_min) VALUES (?, ?)";

/* what a calendar request carries through its transaction */
typedef struct {
    char from[32], to[32]; /* GET: [from, to) */
    char date[11];         /* PUT / DELETE of a day */
    char kind[8];
    char name[NAME_MAX_CHARS * 4 + 1];
    wz_cal_period_t periods[WZ_CAL_MAX_PERIODS];
    size_t nperiods, next;
    json_t *doc; /* the answer being built */
} cal_req_t;

static cal_req_t *req_of(wz_admin_job_t *job)
{
    return job->data;
}

static json_t *hhmm(int minutes)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%02d:%02d", minutes / 60, minutes % 60);
    return json_string(buf);
}

/* "HH:MM", 00:00..24:00; -1 if not */
static int parse_hhmm(const char *s)
{
    if (s == NULL || strlen(s) != 5 || s[2] != ':')
        return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0))
        return -1;
    return h * 60 + m;
}

static json_t *day_json(const wz_db_result_t *res, size_t row)
{
    size_t a, b, c;
    const char *date = wz_db_cell_text(res, row, 0, &a), *kind = wz_db_cell_text(res, row, 1, &b),
               *name = wz_db_cell_text(res, row, 2, &c);
    json_t *d = json_object();
    json_object_set_new(d, "date", json_stringn(date, a));
    json_object_set_new(d, "kind", json_stringn(kind, b));
    json_object_set_new(d, "name", json_stringn(name, c));
    return d;
}

static json_t *periods_json(const wz_db_result_t *res)
{
    json_t *a = json_array();
    for (size_t i = 0; i < res->nrows; i++)
        json_array_append_new(a, json_pack("{s:o, s:o}", "start", hhmm((int)wz_db_cell_int(res, i, 0)), "end",
                                           hhmm((int)wz_db_cell_int(res, i, 1))));
    return a;
}

static int failed(wz_db_txn_t *txn, const wz_db_error_t *err)
{
    if (err == NULL)
        return 0;
    wz_db_txn_fail(txn, err);
    return 1;
}

static void free_req(void *data)
{
    cal_req_t *r = data;
    json_decref(r->doc);
    free(r);
}

static wz_admin_job_t *new_job(wz_ctx_t *ctx)
{
    wz_admin_job_t *job = wz_admin_job_new(ctx, &calendar_ops);
    job->data = calloc(1, sizeof(cal_req_t));
    if (job->data == NULL)
        abort();
    job->free_data = free_req;
    return job;
}

/* every attempt of a transaction (a deadlock retries it) starts from an empty answer */
static cal_req_t *attempt_start(wz_db_txn_t *txn)
{
    cal_req_t *r = req_of(wz_db_txn_data(txn));
    json_decref(r->doc);
    r->doc = json_object();
    r->next = 0;
    return r;
}

/* ---- after a change: reload, then answer ---- */

static void on_reloaded(void *data, int ok)
{
    wz_admin_job_t *job = data;
    (void)ok; /* a failed reload is logged; the refresher tries again */
    wz_admin_reply(job);
}

static void reload_then_reply(wz_admin_job_t *job)
{
    wz_ctx_t *ctx = job->ctx;
    if (wz_calendar_reload(ctx->worker->db, &ctx->server->calendar, on_reloaded, job) != WZ_DB_OK)
        on_reloaded(job, 0);
}

static void finish_with_revision(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (failed(txn, err))
        return;
    cal_req_t *r = req_of(job);
    json_object_set_new(r->doc, "revision", json_integer(res->nrows ? wz_db_cell_int(res, 0, 0) : 0));
    json_t *doc = r->doc;
    r->doc = NULL;
    wz_admin_commit(txn, job, job->status, doc);
}

static void bumped(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    if (failed(txn, err))
        return;
    wz_db_txn_exec(txn, sql_revision, NULL, 0, finish_with_revision);
}

/* every change records itself (audit_log, the route's name) and raises the revision */
static void audited(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    if (!failed(txn, err))
        wz_db_txn_exec(txn, sql_bump, NULL, 0, bumped);
}

static void audit_then_bump(wz_db_txn_t *txn, wz_admin_job_t *job)
{
    cal_req_t *r = req_of(job);
    json_t *body = job->ctx->body;
    wz_admin_audit(txn, job, "calendar", r->date[0] ? r->date : "working_periods",
                   json_is_object(body) ? json_incref(body) : NULL, audited);
}

/* ---- GET /calendar ---- */

static void got_days(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (failed(txn, err))
        return;
    json_t *days = json_array();
    for (size_t i = 0; i < res->nrows; i++)
        json_array_append_new(days, day_json(res, i));
    json_object_set_new(req_of(job)->doc, "days", days);
    wz_db_txn_exec(txn, sql_revision, NULL, 0, finish_with_revision);
}

static void got_periods(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (failed(txn, err))
        return;
    cal_req_t *r = req_of(job);
    json_object_set_new(r->doc, "working_periods", periods_json(res));
    wz_db_value_t p[] = {WZ_DB_TEXT(r->from), WZ_DB_TEXT(r->to)};
    wz_db_txn_exec(txn, sql_days, p, 2, got_days);
}

static void read_first(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    attempt_start(txn);
    wz_db_txn_exec(txn, sql_periods, NULL, 0, got_periods);
}

void wz_handle_calendar_get(wz_ctx_t *ctx)
{
    char year[8];
    int y = wz_req_query(ctx, "year", year, sizeof(year));
    long yv = 0;
    if (y == 1) {
        char *end;
        yv = strtol(year, &end, 10);
        if (*end != '\0' || yv < FIRST_YEAR || yv > LAST_YEAR)
            y = -1;
    }
    if (y < 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "year must be a year from 2000 to 2100", "year");
        return;
    }
    wz_admin_job_t *job = new_job(ctx);
    cal_req_t *r = req_of(job);
    if (y == 1) {
        snprintf(r->from, sizeof(r->from), "%04ld-01-01", yv);
        snprintf(r->to, sizeof(r->to), "%04ld-01-01", yv + 1);
    } else {
        snprintf(r->from, sizeof(r->from), "1970-01-01");
        snprintf(r->to, sizeof(r->to), "9999-12-31");
    }
    wz_admin_job_run(job, read_first);
}

/* ---- PUT and DELETE /calendar/days/{date} ---- */

static int path_date(wz_ctx_t *ctx, char out[11])
{
    size_t len = 0;
    const char *v = wz_route_param(&ctx->params, "date", &len);
    int32_t day;
    if (v == NULL || wz_cal_parse_date(v, len, &day) != 0) {
        wz_send_error(ctx, WZ_ERR_NOT_FOUND, "the path must name a date as YYYY-MM-DD", NULL);
        return -1;
    }
    wz_cal_format_date(day, out);
    if (strncmp(out, "2000", 4) < 0 || strncmp(out, "2100", 4) > 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "the date must fall in the years 2000 to 2100", "date");
        return -1;
    }
    return 0;
}

static void day_read_back(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (failed(txn, err))
        return;
    json_object_set_new(req_of(job)->doc, "day", res->nrows ? day_json(res, 0) : json_null());
    audit_then_bump(txn, job);
}

static void day_put(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (failed(txn, err))
        return;
    wz_db_value_t p = WZ_DB_TEXT(req_of(job)->date);
    wz_db_txn_exec(txn, sql_day, &p, 1, day_read_back);
}

static void put_first(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    cal_req_t *r = attempt_start(txn);
    wz_db_value_t p[] = {WZ_DB_TEXT(r->date), WZ_DB_TEXT(r->kind), WZ_DB_TEXT(r->name)};
    wz_db_txn_exec(txn, sql_put_day, p, 3, day_put);
}

void wz_handle_calendar_day_put(wz_ctx_t *ctx)
{
    if (wz_admin_forbid_unless_admin(ctx))
        return;
    char date[11];
    if (path_date(ctx, date) != 0)
        return;
    const char *kind = NULL, *name = "";
    json_error_t jerr;
    if (!json_is_object(ctx->body) ||
        json_unpack_ex(ctx->body, &jerr, JSON_STRICT, "{s:s, s?s}", "kind", &kind, "name", &name) != 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, json_is_object(ctx->body) ? jerr.text : "the body must be a JSON object",
                      NULL);
        return;
    }
    if (strcmp(kind, "off") != 0 && strcmp(kind, "work") != 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "kind must be off (a holiday) or work (a make-up working day)", "kind");
        return;
    }
    long chars = wz_utf8_chars(name, strlen(name));
    if (chars < 0 || chars > NAME_MAX_CHARS) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "name must have at most 64 characters", "name");
        return;
    }
    wz_admin_job_t *job = new_job(ctx);
    cal_req_t *r = req_of(job);
    memcpy(r->date, date, sizeof(r->date));
    snprintf(r->kind, sizeof(r->kind), "%s", kind);
    snprintf(r->name, sizeof(r->name), "%s", name);
    job->after_commit = reload_then_reply;
    wz_admin_job_run(job, put_first);
}

static void day_deleted(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (failed(txn, err))
        return;
    if (res->affected_rows == 0) {
        wz_admin_refuse(txn, job, WZ_ERR_NOT_FOUND, NULL, "%s is not a special date", req_of(job)->date);
        return;
    }
    audit_then_bump(txn, job);
}

static void delete_first(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    cal_req_t *r = attempt_start(txn);
    wz_db_value_t p = WZ_DB_TEXT(r->date);
    wz_db_txn_exec(txn, sql_delete_day, &p, 1, day_deleted);
}

void wz_handle_calendar_day_delete(wz_ctx_t *ctx)
{
    if (wz_admin_forbid_unless_admin(ctx))
        return;
    char date[11];
    if (path_date(ctx, date) != 0)
        return;
    wz_admin_job_t *job = new_job(ctx);
    memcpy(req_of(job)->date, date, 11);
    job->status = 204;
    job->after_commit = reload_then_reply;
    wz_admin_job_run(job, delete_first);
}

/* ---- PUT /calendar/working-periods ---- */

static void periods_read_back(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (failed(txn, err))
        return;
    json_object_set_new(req_of(job)->doc, "working_periods", periods_json(res));
    audit_then_bump(txn, job);
}

static void period_added(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (failed(txn, err))
        return;
    cal_req_t *r = req_of(job);
    if (r->next < r->nperiods) {
        const wz_cal_period_t *p = &r->periods[r->next++];
        wz_db_value_t v[] = {WZ_DB_INT(p->start_min), WZ_DB_INT(p->end_min)};
        wz_db_txn_exec(txn, sql_add_period, v, 2, period_added);
        return;
    }
    wz_db_txn_exec(txn, sql_periods, NULL, 0, periods_read_back);
}

static void periods_first(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    attempt_start(txn);
    wz_db_txn_exec(txn, sql_clear_periods, NULL, 0, period_added);
}

void wz_handle_calendar_periods_put(wz_ctx_t *ctx)
{
    if (wz_admin_forbid_unless_admin(ctx))
        return;
    json_t *list = NULL;
    json_error_t jerr;
    if (!json_is_object(ctx->body) || json_unpack_ex(ctx->body, &jerr, JSON_STRICT, "{s:o}", "periods", &list) != 0 ||
        !json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > WZ_CAL_MAX_PERIODS) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "periods must be a list of 1 to 8 {start, end} times", "periods");
        return;
    }
    wz_cal_period_t p[WZ_CAL_MAX_PERIODS];
    size_t n = json_array_size(list);
    for (size_t i = 0; i < n; i++) {
        const char *start = NULL, *end = NULL;
        if (json_unpack_ex(json_array_get(list, i), &jerr, JSON_STRICT, "{s:s, s:s}", "start", &start, "end", &end) !=
                0 ||
            (p[i].start_min = parse_hhmm(start)) < 0 || (p[i].end_min = parse_hhmm(end)) < 0) {
            wz_send_error(ctx, WZ_ERR_VALIDATION, "each period is {start: \"HH:MM\", end: \"HH:MM\"}", "periods");
            return;
        }
    }
    /* the calendar's own rules: sorted, each start before its end, no overlaps */
    wz_calendar_t scratch;
    wz_cal_init(&scratch);
    int bad = wz_cal_set_periods(&scratch, p, n);
    wz_cal_free(&scratch);
    if (bad != 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "periods must be in order, each start before its end, without overlaps",
                      "periods");
        return;
    }
    wz_admin_job_t *job = new_job(ctx);
    cal_req_t *r = req_of(job);
    memcpy(r->periods, p, sizeof(p));
    r->nperiods = n;
    job->status = 200;
    job->after_commit = reload_then_reply;
    wz_admin_job_run(job, periods_first);
}
