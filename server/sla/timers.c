#include "sla/timers.h"
#include "common/log.h"
#include "db/txn.h"
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STMT_PARAMS_MAX 6
#define PAYLOAD_MAX 160

/* One statement of a batch, prepared when the claimed rows are known. */
typedef struct {
    const char *sql;
    wz_db_value_t params[STMT_PARAMS_MAX];
    size_t nparams;
    char text[PAYLOAD_MAX]; /* a JSON payload or a reason, pointed to by a TEXT param */
    char from[24];          /* a status copied out of the claim result, which does not outlive it */
} stmt_t;

struct wz_sla_timers {
    uv_loop_t *loop;
    wz_db_pool_t *pool;
    wz_sla_timers_options_t opts;
    uv_timer_t timer;
    int running; /* a batch transaction is in flight */
    int stopping, handle_closed;
    void (*on_stopped)(void *);
    void *on_stopped_data;

    stmt_t *stmts;
    size_t nstmts, next_stmt, claimed;
    uint64_t pending_fired, pending_discarded; /* counted once the batch commits */
    wz_sla_counters_t own_counters;            /* when the caller gives none */
};

static const char *const claim_sql =
    "SELECT t.id, t.ticket_id, t.kind, k.status, CAST(COALESCE(k.unit_id, 0) AS SIGNED) "
    "FROM sla_timers t JOIN tickets k ON k.id = t.ticket_id "
    "WHERE t.fire_at <= UTC_TIMESTAMP(6) ORDER BY t.fire_at, t.id LIMIT ? FOR UPDATE SKIP LOCKED";
static const char *const next_due_sql =
    "SELECT CAST(TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(6), MIN(fire_at)) / 1000 AS SIGNED) FROM sla_timers";

static const char *const sql_delete_timer = "DELETE FROM sla_timers WHERE id = ?";
static const char *const sql_delete_ticket_timers = "DELETE FROM sla_timers WHERE ticket_id = ?";
static const char *const sql_warn =
    "UPDATE tickets SET sla_light = 'yellow', version = version + 1 WHERE id = ? AND sla_light = 'green'";
static const char *const sql_breach =
    "UPDATE tickets SET sla_light = 'red', supervised = 1, version = version + 1 WHERE id = ?";
static const char *const sql_close =
    "UPDATE tickets SET status = 'closed', closed_at = UTC_TIMESTAMP(6), close_reason = ?, version = version + 1 "
    "WHERE id = ?";
static const char *const sql_event =
    "INSERT INTO ticket_events (ticket_id, action, from_status, to_status, actor_role, unit_id, payload) "
    "VALUES (?, ?, ?, ?, 'system', NULLIF(?, 0), ?)";
static const char *const sql_outbox = "INSERT INTO outbox (kind, ticket_id, payload) VALUES ('escalation', ?, ?)";

static void schedule(wz_sla_timers_t *t, uint64_t delay_ms);

static stmt_t *add_stmt(wz_sla_timers_t *t, const char *sql)
{
    stmt_t *s = &t->stmts[t->nstmts++];
    memset(s, 0, sizeof(*s));
    s->sql = sql;
    return s;
}

static void add_event(wz_sla_timers_t *t, long long ticket, const char *action, const char *from, const char *to,
                      long long unit, const char *kind)
{
    stmt_t *s = add_stmt(t, sql_event);
    snprintf(s->text, sizeof(s->text), "{\"timer\":\"%s\"}", kind); /* kind is one of the enum's names */
    s->params[0] = WZ_DB_INT(ticket);
    s->params[1] = WZ_DB_TEXT(action);
    if (from != NULL)
        snprintf(s->from, sizeof(s->from), "%s", from);
    s->params[2] = from ? WZ_DB_TEXT(s->from) : WZ_DB_NULL();
    s->params[3] = to ? WZ_DB_TEXT(to) : WZ_DB_NULL();
    s->params[4] = WZ_DB_INT(unit);
    s->params[5] = WZ_DB_TEXT(s->text);
    s->nparams = 6;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Whether the timer still means something for a ticket in this status. */
static int applies(const char *kind, const char *status)
{
    if (strncmp(kind, "dispatch_", 9) == 0)
        return strcmp(status, "new") == 0;
    if (strncmp(kind, "sign_", 5) == 0)
        return strcmp(status, "dispatched") == 0;
    if (strncmp(kind, "reply_", 6) == 0) /* paused while waiting for the citizen */
        return strcmp(status, "dispatched") == 0 || strcmp(status, "accepted") == 0;
    if (strcmp(kind, "auto_close") == 0)
        return strcmp(status, "replied") == 0;
    if (strcmp(kind, "info_timeout") == 0)
        return strcmp(status, "waiting_citizen") == 0;
    return 0;
}

/* Turns the claimed rows into the batch's statements. */
static void plan(wz_sla_timers_t *t, const wz_db_result_t *res)
{
    free(t->stmts);
    /* at most: effect update, event, outbox or ticket-timer delete, timer delete */
    t->stmts = calloc(res->nrows * 4 + 1, sizeof(stmt_t));
    if (t->stmts == NULL)
        abort();
    t->nstmts = t->next_stmt = 0;
    t->pending_fired = t->pending_discarded = 0;
    for (size_t r = 0; r < res->nrows; r++) {
        long long timer_id = wz_db_cell(res, r, 0)->u.i;
        long long ticket = wz_db_cell(res, r, 1)->u.i;
        const char *kind = wz_db_cell(res, r, 2)->u.s.p;
        const char *status = wz_db_cell(res, r, 3)->u.s.p;
        long long unit = wz_db_cell(res, r, 4)->u.i;
        if (applies(kind, status)) {
            t->pending_fired++;
            stmt_t *s;
            if (has_suffix(kind, "_warn")) {
                s = add_stmt(t, sql_warn);
                s->params[0] = WZ_DB_INT(ticket);
                s->nparams = 1;
                add_event(t, ticket, "sla_warning", NULL, NULL, unit, kind);
            } else if (has_suffix(kind, "_breach")) {
                s = add_stmt(t, sql_breach);
                s->params[0] = WZ_DB_INT(ticket);
                s->nparams = 1;
                add_event(t, ticket, "sla_breach", NULL, NULL, unit, kind);
                s = add_stmt(t, sql_outbox);
                snprintf(s->text, sizeof(s->text), "{\"timer\":\"%s\",\"unit_id\":%lld}", kind, unit);
                s->params[0] = WZ_DB_INT(ticket);
                s->params[1] = WZ_DB_TEXT(s->text);
                s->nparams = 2;
            } else {
                const char *reason = strcmp(kind, "auto_close") == 0 ? "no_rating" : "no_information";
                s = add_stmt(t, sql_close);
                snprintf(s->text, sizeof(s->text), "%s", reason);
                s->params[0] = WZ_DB_TEXT(s->text);
                s->params[1] = WZ_DB_INT(ticket);
                s->nparams = 2;
                add_event(t, ticket, "close", status, "closed", unit, kind);
                s = add_stmt(t, sql_delete_ticket_timers); /* a closed ticket has no clocks */
                s->params[0] = WZ_DB_INT(ticket);
                s->nparams = 1;
            }
        } else {
            t->pending_discarded++;
        }
        stmt_t *s = add_stmt(t, sql_delete_timer);
        s->params[0] = WZ_DB_INT(timer_id);
        s->nparams = 1;
    }
}

static void step_next(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    wz_sla_timers_t *t = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    if (t->next_stmt == t->nstmts) {
        wz_db_txn_commit(txn);
        return;
    }
    stmt_t *s = &t->stmts[t->next_stmt++];
    wz_db_txn_exec(txn, s->sql, s->params, s->nparams, step_next);
}

static void step_claimed(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_sla_timers_t *t = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    t->claimed = res->nrows;
    plan(t, res);
    step_next(txn, NULL, NULL);
}

static void step_claim(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    wz_sla_timers_t *t = wz_db_txn_data(txn);
    wz_db_value_t limit = WZ_DB_INT(t->opts.batch);
    wz_db_txn_exec(txn, claim_sql, &limit, 1, step_claimed);
}

static void maybe_finish_stop(wz_sla_timers_t *t)
{
    if (!t->stopping || t->running || !t->handle_closed)
        return;
    void (*cb)(void *) = t->on_stopped;
    void *data = t->on_stopped_data;
    free(t->stmts);
    free(t);
    if (cb != NULL)
        cb(data);
}

static void on_next_due(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    wz_sla_timers_t *t = data;
    t->running = 0;
    uint64_t delay = t->opts.poll_ms;
    if (err == NULL && res->nrows == 1 && wz_db_cell(res, 0, 0)->type == WZ_DB_T_INT) {
        long long ms = wz_db_cell(res, 0, 0)->u.i;
        delay = ms <= 0 ? 0 : (uint64_t)ms < delay ? (uint64_t)ms : delay;
    }
    if (t->stopping) {
        maybe_finish_stop(t);
        return;
    }
    schedule(t, delay);
}

static void on_batch_done(void *data, const wz_db_error_t *err)
{
    wz_sla_timers_t *t = data;
    wz_sla_counters_t *counters = t->opts.counters;
    if (err == NULL) {
        atomic_fetch_add_explicit(&counters->fired, t->pending_fired, memory_order_relaxed);
        atomic_fetch_add_explicit(&counters->discarded, t->pending_discarded, memory_order_relaxed);
        if (t->claimed > 0)
            wz_debug("sla: fired %lu, discarded %lu", (unsigned long)t->pending_fired,
                     (unsigned long)t->pending_discarded);
    } else if (err->code != WZ_DB_ECLOSED) {
        atomic_fetch_add_explicit(&counters->batches_failed, 1, memory_order_relaxed);
        wz_warn("sla: timer batch failed: %s", err->message);
    }
    if (t->stopping) {
        t->running = 0;
        maybe_finish_stop(t);
        return;
    }
    if (err == NULL && t->claimed == t->opts.batch) { /* more may be due: go again at once */
        t->running = 0;
        schedule(t, 0);
        return;
    }
    if (err != NULL) {
        t->running = 0;
        schedule(t, t->opts.poll_ms);
        return;
    }
    /* sleep until the next timer is due, but never longer than poll_ms: other processes add
     * timers this one does not hear about */
    if (wz_db_run(t->pool, next_due_sql, NULL, 0, on_next_due, t) != WZ_DB_OK) {
        t->running = 0;
        schedule(t, t->opts.poll_ms);
    }
}

static void on_tick(uv_timer_t *timer)
{
    wz_sla_timers_t *t = timer->data;
    if (t->running || t->stopping)
        return;
    t->running = 1;
    t->claimed = 0;
    int ret = wz_db_txn_begin(t->pool, step_claim, on_batch_done, t);
    if (ret != WZ_DB_OK) { /* database down or busy: try again later */
        t->running = 0;
        schedule(t, t->opts.poll_ms);
    }
}

static void schedule(wz_sla_timers_t *t, uint64_t delay_ms)
{
    if (!t->stopping)
        uv_timer_start(&t->timer, on_tick, delay_ms, 0);
}

wz_sla_timers_t *wz_sla_timers_start(uv_loop_t *loop, wz_db_pool_t *pool, const wz_sla_timers_options_t *opts)
{
    wz_sla_timers_t *t = calloc(1, sizeof(*t));
    if (t == NULL)
        abort();
    t->loop = loop;
    t->pool = pool;
    t->opts = *opts;
    if (t->opts.batch == 0)
        t->opts.batch = 1;
    if (t->opts.counters == NULL)
        t->opts.counters = &t->own_counters;
    uv_timer_init(loop, &t->timer);
    t->timer.data = t;
    schedule(t, 0);
    return t;
}

static void on_timer_closed(uv_handle_t *h)
{
    wz_sla_timers_t *t = h->data;
    t->handle_closed = 1;
    maybe_finish_stop(t);
}

void wz_sla_timers_stop(wz_sla_timers_t *t, void (*on_stopped)(void *), void *data)
{
    t->stopping = 1;
    t->on_stopped = on_stopped;
    t->on_stopped_data = data;
    uv_timer_stop(&t->timer);
    uv_close((uv_handle_t *)&t->timer, on_timer_closed);
}
