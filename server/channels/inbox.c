#include "channels/inbox.h"
#include "common/log.h"
#include "common/periodic.h"
#include "tickets/actions.h"
#include "tickets/intake.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SWEEP_BATCH 100   /* rows picked up per sweep */
#define BACKOFF_MAX_S 300 /* a failing row is retried at most this far apart */
#define ERROR_MAX 480     /* last_error is VARCHAR(500) */

static const char *const kind_names[] = {"message", "post", "ignore"};

char *wz_inbox_payload(const wz_inbound_t *m)
{
    json_t *doc = json_pack("{s:s, s:s, s:s, s:I}", "msg_type", m->msg_type, "event", m->event, "sender_name",
                            m->sender_name, "created_at", (json_int_t)m->created_at);
    if (doc == NULL)
        abort();
    if (m->content != NULL)
        json_object_set_new(doc, "content", json_string(m->content));
    if (m->media_url != NULL)
        json_object_set_new(doc, "media_url", json_string(m->media_url));
    if (m->reply_to != NULL)
        json_object_set_new(doc, "reply_to", json_string(m->reply_to));
    if (m->has_location) {
        json_t *loc = json_pack("{s:f, s:f}", "latitude", m->latitude, "longitude", m->longitude);
        if (m->address != NULL)
            json_object_set_new(loc, "address", json_string(m->address));
        json_object_set_new(doc, "location", loc);
    }
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (text == NULL)
        abort();
    return text;
}

/* ---- storing ---- */

typedef struct {
    wz_inbox_put_cb cb;
    void *data;
} put_t;

static void on_put(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    put_t *p = data;
    if (err != NULL)
        p->cb(p->data, 0, 0, err);
    else /* ON DUPLICATE KEY ... id = LAST_INSERT_ID(id): 1 row = new, 0 = stored before */
        p->cb(p->data, (int64_t)res->insert_id, res->affected_rows != 1, NULL);
    free(p);
}

int wz_inbox_put(wz_db_pool_t *pool, int64_t account_id, const wz_inbound_t *m, wz_inbox_put_cb cb, void *data)
{
    put_t *p = malloc(sizeof(*p));
    if (p == NULL)
        abort();
    p->cb = cb;
    p->data = data;
    char *payload = wz_inbox_payload(m);
    wz_db_value_t v[] = {WZ_DB_INT(account_id), WZ_DB_TEXT(m->dedupe_key), WZ_DB_TEXT(kind_names[m->kind]),
                         WZ_DB_TEXT(m->sender), WZ_DB_TEXT(payload)};
    int ret = wz_db_run(pool,
                        "INSERT INTO channel_inbox (account_id, dedupe_key, kind, sender, payload) VALUES (?, ?, ?, ?, ?) "
                        "ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)",
                        v, 5, on_put, p);
    free(payload); /* parameters are copied */
    if (ret != WZ_DB_OK)
        free(p);
    return ret;
}

/* ---- processing one row ---- */

typedef struct {
    const wz_inbox_env_t *env;
    int64_t id, account_id, citizen_id, ticket_id;
    char kind[8], platform[24], sender[WZ_INBOUND_KEY_MAX + 1], key[WZ_INBOUND_KEY_MAX + 1];
    const char *outcome;
    json_t *payload;
    const wz_calendar_t *cal;
} job_t;

static void job_free(job_t *j)
{
    json_decref(j->payload);
    wz_calendar_release(j->cal);
    free(j);
}

static const char *payload_text(const job_t *j, const char *name)
{
    return json_string_value(json_object_get(j->payload, name));
}

static void fail(job_t *j, const char *why);

/* wz_db_run, with a refusal at once (no connection) treated as the step's failure */
static void run(job_t *j, const char *sql, const wz_db_value_t *p, size_t n, wz_db_run_cb cb)
{
    int ret = wz_db_run(j->env->pool, sql, p, n, cb, j);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        snprintf(e.message, sizeof(e.message), "%s", wz_db_strerror(ret));
        cb(NULL, &e, j);
    }
}

static void on_failure_recorded(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    (void)res;
    (void)err; /* if even this failed, the lease runs out and the sweeper tries again */
    job_free(data);
}

static void fail(job_t *j, const char *why)
{
    if (why == NULL || why[0] == '\0')
        why = "failed";
    wz_warn("inbox: row %lld: %s", (long long)j->id, why);
    char text[ERROR_MAX + 1];
    snprintf(text, sizeof(text), "%s", why);
    /* exponential: 2, 4, 8 ... seconds, at most BACKOFF_MAX_S; set aside after max_attempts */
    wz_db_value_t p[] = {WZ_DB_TEXT(text), WZ_DB_INT(BACKOFF_MAX_S), WZ_DB_INT(j->env->max_attempts),
                         WZ_DB_INT(j->env->max_attempts), WZ_DB_INT(j->id)};
    int ret = wz_db_run(j->env->pool,
                        "UPDATE channel_inbox SET lease_until = NULL, last_error = ?, "
                        "next_attempt_at = UTC_TIMESTAMP(6) + INTERVAL LEAST(POW(2, LEAST(attempts, 20)), ?) SECOND, "
                        "processed_at = IF(attempts >= ?, UTC_TIMESTAMP(6), NULL), "
                        "outcome = IF(attempts >= ?, 'failed', NULL) WHERE id = ?",
                        p, 5, on_failure_recorded, j);
    if (ret != WZ_DB_OK)
        job_free(j);
}

static void fail_db(job_t *j, const wz_db_error_t *err)
{
    fail(j, err->message[0] ? err->message : wz_db_strerror(err->code));
}

/* 5. done: record it, then start the sender's next row (it waited for this one) */

static void on_next(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    job_t *j = data;
    if (err == NULL && res->nrows == 1)
        wz_inbox_process(j->env, wz_db_cell_int(res, 0, 0));
    job_free(j);
}

static void on_recorded(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    (void)res;
    job_t *j = data;
    if (err != NULL) { /* the work is done and idempotent: a later run records it */
        fail_db(j, err);
        return;
    }
    if (strcmp(j->kind, "message") != 0) {
        job_free(j);
        return;
    }
    wz_db_value_t p[] = {WZ_DB_INT(j->account_id), WZ_DB_TEXT(j->sender), WZ_DB_INT(j->id)};
    run(j,
        "SELECT id FROM channel_inbox WHERE account_id = ? AND sender = ? AND processed_at IS NULL AND id > ? "
        "ORDER BY id LIMIT 1",
        p, 3, on_next);
}

static void record(job_t *j, const char *outcome)
{
    j->outcome = outcome;
    wz_db_value_t p[] = {WZ_DB_TEXT(outcome), j->ticket_id > 0 ? WZ_DB_INT(j->ticket_id) : WZ_DB_NULL(),
                         WZ_DB_INT(j->id)};
    run(j,
        "UPDATE channel_inbox SET processed_at = UTC_TIMESTAMP(6), outcome = ?, ticket_id = ?, lease_until = NULL, "
        "last_error = '' WHERE id = ?",
        p, 3, on_recorded);
}

/* 4b. a new ticket */

static void on_intake(void *data, const wz_intake_result_t *res, const wz_db_error_t *err)
{
    job_t *j = data;
    if (err != NULL) {
        fail_db(j, err);
        return;
    }
    j->ticket_id = res->ticket_id;
    record(j, "ticket");
}

static void new_ticket(job_t *j)
{
    json_t *loc = json_object_get(j->payload, "location");
    char *location = json_is_object(loc) ? json_dumps(loc, JSON_COMPACT) : NULL;
    const char *name = payload_text(j, "sender_name"), *address = json_string_value(json_object_get(loc, "address"));
    wz_intake_request_t req = {
        .type = "consultation", /* staff or the routing rules set the type; most are questions */
        .channel = j->platform,
        .content = payload_text(j, "content"),
        .account_id = j->account_id,
        .citizen_id = j->citizen_id,
        .citizen_name = name != NULL && name[0] != '\0' ? name : NULL,
        .region = address, /* a shared location's label feeds the region rules */
        .location = location,
        .external_id = j->key,
    };
    int ret = wz_ticket_intake(j->env->pool, j->cal, j->env->seal_key, &req, (int64_t)time(NULL), on_intake, j);
    free(location); /* the request is copied */
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        snprintf(e.message, sizeof(e.message), "%s", wz_db_strerror(ret));
        on_intake(j, NULL, &e);
    }
}

/* 4a. a follow-up of the open ticket */

static void on_follow_up(void *data, const wz_action_result_t *res, const wz_db_error_t *err)
{
    job_t *j = data;
    if (err != NULL && err->code == WZ_DB_ESQL && err->mysql_errno == 1062) {
        record(j, "follow_up"); /* this row's follow-up was made before */
        return;
    }
    if (err != NULL) {
        fail_db(j, err);
        return;
    }
    if (res->outcome == WZ_PLAN_OK) {
        record(j, "follow_up");
        return;
    }
    /* the ticket moved on (replied, closed, merged) between the look-up and the lock */
    j->ticket_id = 0;
    new_ticket(j);
}

static void follow_up(job_t *j)
{
    wz_action_request_t req = {
        .who = {.role = WZ_ROLE_CITIZEN, .id = j->citizen_id},
        .ticket_id = j->ticket_id,
        .action = WZ_ACT_FOLLOW_UP,
        .args = json_pack("{s:s}", "content", payload_text(j, "content")),
        .now = (int64_t)time(NULL),
    };
    snprintf(req.external_id, sizeof(req.external_id), "%s", j->key);
    int ret = wz_ticket_act(j->env->pool, j->cal, &req, on_follow_up, j);
    json_decref(req.args); /* the action holds its own reference */
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        snprintf(e.message, sizeof(e.message), "%s", wz_db_strerror(ret));
        on_follow_up(j, NULL, &e);
    }
}

static void on_open_ticket(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    job_t *j = data;
    if (err != NULL) {
        fail_db(j, err);
        return;
    }
    j->cal = wz_calendar_acquire(j->env->calendar);
    if (res->nrows == 1) {
        j->ticket_id = wz_db_cell_int(res, 0, 0);
        follow_up(j);
    } else {
        new_ticket(j);
    }
}

static void on_citizen(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    job_t *j = data;
    if (err != NULL) {
        fail_db(j, err);
        return;
    }
    j->citizen_id = (int64_t)res->insert_id;
    /* the sender's open ticket on this account, if they wrote to it within the window */
    wz_db_value_t p[] = {WZ_DB_INT(j->citizen_id), WZ_DB_INT(j->account_id), WZ_DB_INT(j->env->follow_up_window_s)};
    run(j,
        "SELECT t.id FROM tickets t WHERE t.citizen_id = ? AND t.account_id = ? "
        "AND t.status IN ('new', 'dispatched', 'accepted', 'waiting_citizen') AND t.merged_into IS NULL "
        "AND (SELECT MAX(m.created_at) FROM ticket_messages m WHERE m.ticket_id = t.id AND m.author = 'citizen') "
        ">= UTC_TIMESTAMP(6) - INTERVAL ? SECOND ORDER BY t.id DESC LIMIT 1",
        p, 3, on_open_ticket);
}

/* 4. by kind */

static void on_post(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    (void)res;
    job_t *j = data;
    if (err != NULL) {
        fail_db(j, err);
        return;
    }
    record(j, "post");
}

static void on_read(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    job_t *j = data;
    if (err != NULL) {
        fail_db(j, err);
        return;
    }
    if (res->nrows != 1) {
        job_free(j);
        return;
    }
    size_t n;
    snprintf(j->kind, sizeof(j->kind), "%s", wz_db_cell_text(res, 0, 0, &n));
    snprintf(j->sender, sizeof(j->sender), "%s", wz_db_cell_text(res, 0, 1, &n));
    snprintf(j->key, sizeof(j->key), "%s", wz_db_cell_text(res, 0, 2, &n));
    const char *payload = wz_db_cell_text(res, 0, 3, &n);
    j->payload = json_loadb(payload, n, 0, NULL);
    j->account_id = wz_db_cell_int(res, 0, 4);
    snprintf(j->platform, sizeof(j->platform), "%s", wz_db_cell_text(res, 0, 5, &n));
    if (j->payload == NULL) {
        fail(j, "the stored payload is not JSON");
        return;
    }
    if (strcmp(j->kind, "post") == 0) {
        /* the account published: account health's last post (never moved backwards) */
        json_int_t at = json_integer_value(json_object_get(j->payload, "created_at"));
        wz_db_value_t p[] = {WZ_DB_INT(at > 0 ? at : (json_int_t)time(NULL)), WZ_DB_INT(j->account_id)};
        run(j,
            "UPDATE accounts SET last_post_at = GREATEST(COALESCE(last_post_at, FROM_UNIXTIME(0)), "
            "LEAST(FROM_UNIXTIME(?), UTC_TIMESTAMP(6))) WHERE id = ?",
            p, 2, on_post);
        return;
    }
    if (strcmp(j->kind, "message") != 0) {
        record(j, "ignored");
        return;
    }
    const char *content = payload_text(j, "content");
    if (content == NULL || content[0] == '\0') {
        fail(j, "a message without content");
        return;
    }
    char appid[32];
    snprintf(appid, sizeof(appid), "acct:%lld", (long long)j->account_id);
    wz_db_value_t p[] = {WZ_DB_TEXT(appid), WZ_DB_TEXT(j->sender)};
    run(j,
        "INSERT INTO citizens (appid, openid) VALUES (?, ?) ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)", p,
        2, on_citizen);
}

/* 2. the lease: a committed change only one server can make */

static void on_claimed(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    job_t *j = data;
    if (err != NULL || res->affected_rows != 1) { /* done, leased by another, or not due */
        job_free(j);
        return;
    }
    wz_db_value_t p = WZ_DB_INT(j->id);
    run(j,
        "SELECT i.kind, i.sender, i.dedupe_key, i.payload, CAST(i.account_id AS SIGNED), a.platform "
        "FROM channel_inbox i JOIN accounts a ON a.id = i.account_id WHERE i.id = ?",
        &p, 1, on_read);
}

/* 1. a sender's messages in order: wait while an earlier one is unprocessed */

static void on_earlier(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    job_t *j = data;
    if (err != NULL || wz_db_cell_int(res, 0, 0) > 0) {
        job_free(j);
        return;
    }
    wz_db_value_t p[] = {WZ_DB_INT(j->env->lease_s), WZ_DB_INT(j->id)};
    run(j,
        "UPDATE channel_inbox SET lease_until = UTC_TIMESTAMP(6) + INTERVAL ? SECOND, attempts = attempts + 1 "
        "WHERE id = ? AND processed_at IS NULL AND next_attempt_at <= UTC_TIMESTAMP(6) "
        "AND (lease_until IS NULL OR lease_until < UTC_TIMESTAMP(6))",
        p, 2, on_claimed);
}

void wz_inbox_process(const wz_inbox_env_t *env, int64_t row_id)
{
    job_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        abort();
    j->env = env;
    j->id = row_id;
    wz_db_value_t p = WZ_DB_INT(row_id);
    run(j,
        "SELECT COUNT(*) FROM channel_inbox e JOIN channel_inbox i ON e.account_id = i.account_id "
        "AND e.sender = i.sender WHERE i.id = ? AND i.kind = 'message' AND e.kind = 'message' AND e.id < i.id "
        "AND e.processed_at IS NULL",
        &p, 1, on_earlier);
}

/* ---- the sweeper ---- */

struct wz_inbox_sweeper {
    wz_periodic_t *periodic;
    const wz_inbox_env_t *env;
    int stopping;
};

static void on_due(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    wz_inbox_sweeper_t *s = data;
    if (!s->stopping && err == NULL)
        for (size_t r = 0; r < res->nrows; r++)
            wz_inbox_process(s->env, wz_db_cell_int(res, r, 0));
    int stopping = s->stopping;
    wz_periodic_done(s->periodic); /* when stopping, the periodic frees itself here */
    if (stopping)
        free(s);
}

static void sweep(wz_periodic_t *p, void *data)
{
    wz_inbox_sweeper_t *s = data;
    wz_db_value_t limit = WZ_DB_INT(SWEEP_BATCH);
    if (wz_db_run(s->env->pool,
                  "SELECT id FROM channel_inbox WHERE processed_at IS NULL AND next_attempt_at <= UTC_TIMESTAMP(6) "
                  "AND (lease_until IS NULL OR lease_until < UTC_TIMESTAMP(6)) ORDER BY processed_at, next_attempt_at "
                  "LIMIT ?",
                  &limit, 1, on_due, s) != WZ_DB_OK)
        wz_periodic_done(p);
}

wz_inbox_sweeper_t *wz_inbox_sweeper_start(uv_loop_t *loop, const wz_inbox_env_t *env, unsigned poll_ms)
{
    wz_inbox_sweeper_t *s = calloc(1, sizeof(*s));
    if (s == NULL)
        abort();
    s->env = env;
    s->periodic = wz_periodic_start(loop, poll_ms, sweep, s);
    return s;
}

void wz_inbox_sweeper_stop(wz_inbox_sweeper_t *s)
{
    int busy = wz_periodic_busy(s->periodic);
    s->stopping = 1;
    wz_periodic_stop(s->periodic);
    if (!busy)
        free(s); /* else the run in flight frees it */
}
