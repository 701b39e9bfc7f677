#include "sla/timers.h"
#include "common/log.h"
#include "db/txn.h"
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAYLOAD_MAX 160

/* One statement of a batch, built once the claimed rows are known: the timers of a batch are
 * applied a kind of statement at a time (one UPDATE for every warning, one INSERT for every
 * event...), so a burst of 100,000 due timers costs a few statements per batch, not three or
 * four round trips per timer. */
typedef struct {
    char *sql;
    wz_db_value_t *params;
    size_t nparams;
} stmt_t;

/* what the statements' TEXT parameters point to, per claimed row */
typedef struct {
    char payload[PAYLOAD_MAX];
    char from[24];
} row_text_t;

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
    row_text_t *texts;
    uint64_t pending_fired, pending_discarded; /* counted once the batch commits */
    wz_sla_counters_t own_counters;            /* when the caller gives none */
};

static const char *const claim_sql =
    "SELECT t.id, t.ticket_id, t.kind, k.status, CAST(COALESCE(k.unit_id, 0) AS SIGNED) "
    "FROM sla_timers t JOIN tickets k ON k.id = t.ticket_id "
    "WHERE t.fire_at <= UTC_TIMESTAMP(6) ORDER BY t.fire_at, t.id LIMIT ? FOR UPDATE SKIP LOCKED";
static const char *const next_due_sql =
    "SELECT CAST(TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(6), MIN(fire_at)) / 1000 AS SIGNED) FROM sla_timers";

static void schedule(wz_sla_timers_t *t, uint64_t delay_ms);

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

/* A statement under construction: its SQL grows with a fragment per row. */
typedef struct {
    char *sql;
    size_t len, cap;
    wz_db_value_t *params;
    size_t nparams, pcap, rows;
} build_t;

static void b_put(build_t *b, const char *text)
{
    size_t n = strlen(text);
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->sql, cap);
        if (p == NULL)
            abort();
        b->sql = p;
        b->cap = cap;
    }
    memcpy(b->sql + b->len, text, n + 1);
    b->len += n;
}

static void b_param(build_t *b, wz_db_value_t v)
{
    if (b->nparams == b->pcap) {
        size_t cap = b->pcap ? b->pcap * 2 : 16;
        wz_db_value_t *p = realloc(b->params, cap * sizeof(*p));
        if (p == NULL)
            abort();
        b->params = p;
        b->pcap = cap;
    }
    b->params[b->nparams++] = v;
}

/* "head" then "(?, ...)" lists or "?" lists joined by sep, then tail; an empty build is dropped */
static void b_row(build_t *b, const char *head, const char *item, const char *sep)
{
    b_put(b, b->rows++ == 0 ? head : sep);
    b_put(b, item);
}

static void b_finish(wz_sla_timers_t *t, build_t *b, const char *tail)
{
    if (b->rows == 0) {
        free(b->sql);
        free(b->params);
        return;
    }
    b_put(b, tail);
    stmt_t *s = &t->stmts[t->nstmts++];
    s->sql = b->sql;
    s->params = b->params;
    s->nparams = b->nparams;
}

static void free_stmts(wz_sla_timers_t *t)
{
    for (size_t i = 0; i < t->nstmts; i++) {
        free(t->stmts[i].sql);
        free(t->stmts[i].params);
    }
    free(t->stmts);
    free(t->texts);
    t->stmts = NULL;
    t->texts = NULL;
    t->nstmts = 0;
}

enum { B_WARN, B_BREACH, B_CLOSE_NO_RATING, B_CLOSE_NO_INFO, B_EVENTS, B_OUTBOX, B_TICKET_TIMERS, B_TIMERS, B__COUNT };

/* Turns the claimed rows into the batch's statements, in an order that gives each ticket the
 * same end state as applying its timers one by one (a warning before a breach of the same
 * ticket; a closed ticket's other clocks deleted). */
static void plan(wz_sla_timers_t *t, const wz_db_result_t *res)
{
    free_stmts(t);
    t->stmts = calloc(B__COUNT, sizeof(stmt_t));
    t->texts = calloc(res->nrows + 1, sizeof(row_text_t));
    if (t->stmts == NULL || t->texts == NULL)
        abort();
    t->nstmts = t->next_stmt = 0;
    t->pending_fired = t->pending_discarded = 0;
    build_t b[B__COUNT];
    memset(b, 0, sizeof(b));
    for (size_t r = 0; r < res->nrows; r++) {
        long long timer_id = wz_db_cell(res, r, 0)->u.i;
        long long ticket = wz_db_cell(res, r, 1)->u.i;
        const char *kind = wz_db_cell(res, r, 2)->u.s.p;
        const char *status = wz_db_cell(res, r, 3)->u.s.p;
        long long unit = wz_db_cell(res, r, 4)->u.i;
        row_text_t *x = &t->texts[r];
        if (applies(kind, status)) {
            t->pending_fired++;
            const char *action = "close", *from = NULL, *to = NULL;
            if (has_suffix(kind, "_warn")) {
                b_row(&b[B_WARN],
                      "UPDATE tickets SET sla_light = 'yellow', version = version + 1 "
                      "WHERE sla_light = 'green' AND id IN (",
                      "?", ", ");
                b_param(&b[B_WARN], WZ_DB_INT(ticket));
                action = "sla_warning";
            } else if (has_suffix(kind, "_breach")) {
                b_row(&b[B_BREACH],
                      "UPDATE tickets SET sla_light = 'red', supervised = 1, version = version + 1 "
                      "WHERE id IN (",
                      "?", ", ");
                b_param(&b[B_BREACH], WZ_DB_INT(ticket));
                action = "sla_breach";
                snprintf(x->payload, sizeof(x->payload), "{\"timer\":\"%s\",\"unit_id\":%lld}", kind, unit);
                b_row(&b[B_OUTBOX], "INSERT INTO outbox (kind, ticket_id, payload) VALUES ", "('escalation', ?, ?)",
                      ", ");
                b_param(&b[B_OUTBOX], WZ_DB_INT(ticket));
                b_param(&b[B_OUTBOX], WZ_DB_TEXT(x->payload));
            } else {
                int no_rating = strcmp(kind, "auto_close") == 0;
                build_t *c = &b[no_rating ? B_CLOSE_NO_RATING : B_CLOSE_NO_INFO];
                b_row(c,
                      no_rating ? "UPDATE tickets SET status = 'closed', closed_at = UTC_TIMESTAMP(6), "
                                  "close_reason = 'no_rating', version = version + 1 WHERE id IN ("
                                : "UPDATE tickets SET status = 'closed', closed_at = UTC_TIMESTAMP(6), "
                                  "close_reason = 'no_information', version = version + 1 WHERE id IN (",
                      "?", ", ");
                b_param(c, WZ_DB_INT(ticket));
                /* a closed ticket has no clocks */
                b_row(&b[B_TICKET_TIMERS], "DELETE FROM sla_timers WHERE ticket_id IN (", "?", ", ");
                b_param(&b[B_TICKET_TIMERS], WZ_DB_INT(ticket));
                snprintf(x->from, sizeof(x->from), "%s", status);
                from = x->from;
                to = "closed";
            }
            /* the event's payload names the timer; kind is one of the enum's names */
            char *ev = x->payload + (x->payload[0] ? strlen(x->payload) + 1 : 0);
            size_t room = sizeof(x->payload) - (size_t)(ev - x->payload);
            snprintf(ev, room, "{\"timer\":\"%s\"}", kind);
            b_row(&b[B_EVENTS],
                  "INSERT INTO ticket_events (ticket_id, action, from_status, to_status, actor_role, unit_id, "
                  "payload) VALUES ",
                  "(?, ?, ?, ?, 'system', NULLIF(?, 0), ?)", ", ");
            b_param(&b[B_EVENTS], WZ_DB_INT(ticket));
            b_param(&b[B_EVENTS], WZ_DB_TEXT(action));
            b_param(&b[B_EVENTS], from ? WZ_DB_TEXT(from) : WZ_DB_NULL());
            b_param(&b[B_EVENTS], to ? WZ_DB_TEXT(to) : WZ_DB_NULL());
            b_param(&b[B_EVENTS], WZ_DB_INT(unit));
            b_param(&b[B_EVENTS], WZ_DB_TEXT(ev));
        } else {
            t->pending_discarded++;
        }
        b_row(&b[B_TIMERS], "DELETE FROM sla_timers WHERE id IN (", "?", ", ");
        b_param(&b[B_TIMERS], WZ_DB_INT(timer_id));
    }
    static const char *const tails[B__COUNT] = {")", ")", ")", ")", "", "", ")", ")"};
    for (int i = 0; i < B__COUNT; i++)
        b_finish(t, &b[i], tails[i]);
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
    free_stmts(t);
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
    int ret = wz_db_txn_begin_read_committed(t->pool, step_claim, on_batch_done, t);
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
