/* A bounded pool of connections for one event loop, with a bounded FIFO of waiters.
 * A full queue answers EBUSY at once (the API turns it into 503 + Retry-After), and when no
 * connection is up or coming up, callers get EUNAVAIL at once instead of waiting for nothing. */
#include "db/db_internal.h"
#include "common/log.h"
#include <sodium.h>
#include <assert.h>
#include <errmsg.h>
#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WAIT_SWEEP_MS 50 /* how often queued waiters are checked against their deadline */

static char *dup_or_empty(const char *s)
{
    char *d = strdup(s ? s : "");
    if (d == NULL)
        abort();
    return d;
}

static void update_alive(wz_db_pool_t *pool)
{
    unsigned alive = 0;
    for (unsigned i = 0; i < pool->opts.pool_size; i++) {
        wz_db_conn_t *c = &pool->conns[i];
        if ((c->state == CONN_IDLE || c->state == CONN_CHECKED_OUT) && !c->broken && c->mysql != NULL)
            alive++;
    }
    atomic_store_explicit(&pool->st_alive, alive, memory_order_relaxed);
}

static int any_hope(wz_db_pool_t *pool)
{
    for (unsigned i = 0; i < pool->opts.pool_size; i++) {
        conn_state_t s = pool->conns[i].state;
        if (s == CONN_IDLE || s == CONN_CHECKED_OUT || s == CONN_CONNECTING)
            return 1;
    }
    return 0;
}

static waiter_t pop_waiter(wz_db_pool_t *pool)
{
    waiter_t w = pool->waiters[pool->wait_head];
    pool->wait_head = (pool->wait_head + 1) % pool->opts.queue_max;
    pool->wait_len--;
    atomic_store_explicit(&pool->st_waiting, (unsigned)pool->wait_len, memory_order_relaxed);
    return w;
}

static void fail_all_waiters(wz_db_pool_t *pool, int code)
{
    while (pool->wait_len > 0) {
        waiter_t w = pop_waiter(pool);
        w.cb(NULL, code, w.data);
    }
    uv_timer_stop(&pool->wait_timer);
}

static void on_wait_sweep(uv_timer_t *timer)
{
    wz_db_pool_t *pool = timer->data;
    uint64_t now = uv_now(pool->loop);
    /* FIFO with one timeout for all: the head is always the oldest */
    while (pool->wait_len > 0 && pool->waiters[pool->wait_head].deadline <= now) {
        waiter_t w = pop_waiter(pool);
        atomic_fetch_add_explicit(&pool->st_timeouts, 1, memory_order_relaxed);
        w.cb(NULL, WZ_DB_ETIMEDOUT, w.data);
    }
    if (pool->wait_len == 0)
        uv_timer_stop(&pool->wait_timer);
}

wz_db_pool_t *wz_db_pool_create(uv_loop_t *loop, const wz_db_options_t *opts)
{
    wz_db_pool_t *pool = calloc(1, sizeof(*pool));
    if (pool == NULL)
        abort();
    pool->loop = loop;
    pool->opts = *opts;
    pool->opts.socket = pool->strings[0] = dup_or_empty(opts->socket);
    pool->opts.host = pool->strings[1] = dup_or_empty(opts->host);
    pool->opts.user = pool->strings[2] = dup_or_empty(opts->user);
    pool->opts.password = pool->strings[3] = dup_or_empty(opts->password);
    pool->opts.database = pool->strings[4] = dup_or_empty(opts->database);
    if (pool->opts.pool_size == 0)
        pool->opts.pool_size = 1;
    pool->waiters = calloc(pool->opts.queue_max + 1, sizeof(waiter_t));
    pool->conns = calloc(pool->opts.pool_size, sizeof(wz_db_conn_t));
    if (pool->waiters == NULL || pool->conns == NULL)
        abort();
    uv_timer_init(loop, &pool->wait_timer);
    pool->wait_timer.data = pool;
    atomic_store(&pool->st_alive, 0);
    for (unsigned i = 0; i < pool->opts.pool_size; i++)
        wz_db__conn_init(pool, &pool->conns[i]);
    for (unsigned i = 0; i < pool->opts.pool_size; i++)
        wz_db__conn_connect(&pool->conns[i]);
    return pool;
}

static void hand_out(wz_db_pool_t *pool, wz_db_conn_t *c, wz_db_acquire_cb cb, void *data)
{
    c->state = CONN_CHECKED_OUT;
    atomic_fetch_add_explicit(&pool->st_in_use, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&pool->st_acquired, 1, memory_order_relaxed);
    cb(c, WZ_DB_OK, data);
}

void wz_db__pool_conn_up(wz_db_pool_t *pool, wz_db_conn_t *c)
{
    update_alive(pool);
    if (pool->closing) {
        wz_db__conn_shutdown(c);
        wz_db__pool_conn_down(pool, c);
        return;
    }
    if (pool->wait_len > 0) {
        waiter_t w = pop_waiter(pool);
        if (pool->wait_len == 0)
            uv_timer_stop(&pool->wait_timer);
        hand_out(pool, c, w.cb, w.data);
        return;
    }
    c->state = CONN_IDLE;
    c->next_idle = pool->idle;
    pool->idle = c;
    wz_db__conn_watch_idle(c);
}

void wz_db__pool_remove_idle(wz_db_pool_t *pool, wz_db_conn_t *c)
{
    for (wz_db_conn_t **p = &pool->idle; *p != NULL; p = &(*p)->next_idle) {
        if (*p == c) {
            *p = c->next_idle;
            break;
        }
    }
    c->next_idle = NULL;
    update_alive(pool);
}

static void maybe_finish_close(wz_db_pool_t *pool);

void wz_db__pool_conn_down(wz_db_pool_t *pool, wz_db_conn_t *c)
{
    (void)c;
    update_alive(pool);
    if (pool->closing) {
        maybe_finish_close(pool);
        return;
    }
    if (!any_hope(pool))
        fail_all_waiters(pool, WZ_DB_EUNAVAIL);
}

static wz_db_conn_t *pop_idle(wz_db_pool_t *pool)
{
    wz_db_conn_t *c = pool->idle;
    if (c != NULL) {
        pool->idle = c->next_idle;
        wz_db__conn_unwatch_idle(c);
    }
    return c;
}

int wz_db_acquire(wz_db_pool_t *pool, wz_db_acquire_cb cb, void *data)
{
    if (pool->closing)
        return WZ_DB_ECLOSED;
    wz_db_conn_t *c = pop_idle(pool);
    if (c != NULL) {
        hand_out(pool, c, cb, data);
        return WZ_DB_OK;
    }
    if (!any_hope(pool))
        return WZ_DB_EUNAVAIL;
    if (pool->wait_len >= pool->opts.queue_max) {
        atomic_fetch_add_explicit(&pool->st_rejected_busy, 1, memory_order_relaxed);
        return WZ_DB_EBUSY;
    }
    size_t slot = (pool->wait_head + pool->wait_len) % pool->opts.queue_max;
    pool->waiters[slot] = (waiter_t){cb, data, uv_now(pool->loop) + pool->opts.acquire_timeout_ms};
    pool->wait_len++;
    atomic_store_explicit(&pool->st_waiting, (unsigned)pool->wait_len, memory_order_relaxed);
    if (!uv_is_active((uv_handle_t *)&pool->wait_timer))
        uv_timer_start(&pool->wait_timer, on_wait_sweep, WAIT_SWEEP_MS, WAIT_SWEEP_MS);
    return WZ_DB_OK;
}

/* ---- acquire + exec + release ---- */

typedef struct {
    char *sql;
    wz_db_value_t *params;
    size_t nparams;
    char *text;
    wz_db_run_cb cb;
    void *data;
} run_t;

static void run_free(run_t *r)
{
    free(r->sql);
    free(r->params);
    free(r->text);
    free(r);
}

static void on_run_done(wz_db_conn_t *conn, const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    run_t *r = data;
    /* release first so the callback may acquire again without starving itself */
    wz_db_release(conn);
    r->cb(res, err, r->data);
    run_free(r);
}

static void on_run_acquired(wz_db_conn_t *conn, int status, void *data)
{
    run_t *r = data;
    if (status != WZ_DB_OK) {
        wz_db_error_t err = {.code = status};
        snprintf(err.message, sizeof(err.message), "%s", wz_db_strerror(status));
        r->cb(NULL, &err, r->data);
        run_free(r);
        return;
    }
    wz_db_exec(conn, r->sql, r->params, r->nparams, on_run_done, r);
}

int wz_db_run(wz_db_pool_t *pool, const char *sql, const wz_db_value_t *params, size_t nparams, wz_db_run_cb cb,
              void *data)
{
    run_t *r = calloc(1, sizeof(*r));
    if (r == NULL)
        abort();
    r->sql = strdup(sql); /* a queued request runs after the caller returned: its text may be on its stack */
    if (r->sql == NULL)
        abort();
    r->nparams = nparams;
    wz_db__params_copy(params, nparams, &r->params, &r->text);
    r->cb = cb;
    r->data = data;
    int ret = wz_db_acquire(pool, on_run_acquired, r);
    if (ret != WZ_DB_OK)
        run_free(r);
    return ret;
}

/* ---- closing ---- */

static void on_handle_closed(uv_handle_t *h)
{
    wz_db_pool_t *pool = h->data;
    if (--pool->open_handles > 0)
        return;
    pool->closed = 1;
    if (pool->on_closed != NULL)
        pool->on_closed(pool->on_closed_data);
}

void wz_db_pool_free(wz_db_pool_t *pool)
{
    if (pool == NULL)
        return;
    if (!pool->closed) {
        wz_error("db: wz_db_pool_free on a pool that is not closed; leaking it");
        return;
    }
    for (size_t i = 0; i < sizeof(pool->strings) / sizeof(pool->strings[0]); i++) {
        if (pool->strings[i] != NULL && i == 3)
            memset(pool->strings[i], 0, strlen(pool->strings[i])); /* the password */
        free(pool->strings[i]);
    }
    free(pool->waiters);
    free(pool->conns);
    free(pool);
}

static void maybe_finish_close(wz_db_pool_t *pool)
{
    for (unsigned i = 0; i < pool->opts.pool_size; i++)
        if (pool->conns[i].state != CONN_SHUTDOWN)
            return;
    if (pool->open_handles != 0)
        return; /* already closing the handles */
    pool->open_handles = 1 + 2 * pool->opts.pool_size;
    pool->wait_timer.data = pool;
    uv_close((uv_handle_t *)&pool->wait_timer, on_handle_closed);
    for (unsigned i = 0; i < pool->opts.pool_size; i++) {
        pool->conns[i].io_timer.data = pool;
        pool->conns[i].deadline_timer.data = pool;
        uv_close((uv_handle_t *)&pool->conns[i].io_timer, on_handle_closed);
        uv_close((uv_handle_t *)&pool->conns[i].deadline_timer, on_handle_closed);
    }
}

void wz_db_pool_close(wz_db_pool_t *pool, void (*on_closed)(void *), void *data)
{
    pool->closing = 1;
    pool->on_closed = on_closed;
    pool->on_closed_data = data;
    fail_all_waiters(pool, WZ_DB_ECLOSED);
    pool->idle = NULL;
    for (unsigned i = 0; i < pool->opts.pool_size; i++) {
        wz_db_conn_t *c = &pool->conns[i];
        if (c->state != CONN_CHECKED_OUT)
            wz_db__conn_shutdown(c);
    }
    /* Checked-out connections close on release. A statement still running (the shutdown grace
     * period is over) is failed now rather than waited for; its owner then releases. */
    for (unsigned i = 0; i < pool->opts.pool_size; i++)
        if (pool->conns[i].state == CONN_CHECKED_OUT)
            wz_db__conn_abort(&pool->conns[i]);
    update_alive(pool);
    maybe_finish_close(pool);
}

void wz_db_pool_get_stats(wz_db_pool_t *pool, wz_db_pool_stats_t *out)
{
    out->in_use = atomic_load_explicit(&pool->st_in_use, memory_order_relaxed);
    out->waiting = atomic_load_explicit(&pool->st_waiting, memory_order_relaxed);
    out->alive = atomic_load_explicit(&pool->st_alive, memory_order_relaxed);
    out->size = pool->opts.pool_size;
    out->acquired = atomic_load_explicit(&pool->st_acquired, memory_order_relaxed);
    out->rejected_busy = atomic_load_explicit(&pool->st_rejected_busy, memory_order_relaxed);
    out->timeouts = atomic_load_explicit(&pool->st_timeouts, memory_order_relaxed);
    out->errors = atomic_load_explicit(&pool->st_errors, memory_order_relaxed);
    out->reconnects = atomic_load_explicit(&pool->st_reconnects, memory_order_relaxed);
}

unsigned wz_db_pool_alive(wz_db_pool_t *pool)
{
    return atomic_load_explicit(&pool->st_alive, memory_order_relaxed);
}

/* ---- small helpers ---- */

const wz_db_value_t *wz_db_cell(const wz_db_result_t *res, size_t row, size_t col)
{
    assert(row < res->nrows && col < res->ncols);
    return &res->cells[row * res->ncols + col];
}

long long wz_db_cell_int(const wz_db_result_t *res, size_t row, size_t col)
{
    const wz_db_value_t *v = wz_db_cell(res, row, col);
    if (v->type == WZ_DB_T_INT)
        return v->u.i;
    if (v->type == WZ_DB_T_TEXT)
        return strtoll(v->u.s.p, NULL, 10);
    return 0;
}

const char *wz_db_cell_text(const wz_db_result_t *res, size_t row, size_t col, size_t *len)
{
    const wz_db_value_t *v = wz_db_cell(res, row, col);
    if (v->type != WZ_DB_T_TEXT) {
        *len = 0;
        return "";
    }
    *len = v->u.s.len;
    return v->u.s.p;
}

int wz_db_error_is_retryable(const wz_db_error_t *err)
{
    if (err == NULL || err->code != WZ_DB_ESQL)
        return 0;
    /* 1213 deadlock, 1205 lock wait timeout; Galera certification failures surface as 1213 */
    return err->mysql_errno == ER_LOCK_DEADLOCK || err->mysql_errno == ER_LOCK_WAIT_TIMEOUT ||
           wz_db_error_needs_new_conn(err);
}

int wz_db_error_needs_new_conn(const wz_db_error_t *err)
{
    /* 1047: the node left the primary component (or is still joining) and refused the
     * statement unrun; the connection that got it is reconnected on release (conn.c) */
    return err != NULL && err->code == WZ_DB_ESQL && err->mysql_errno == ER_UNKNOWN_COM_ERROR;
}

int wz_db_error_is_connection_lost(const wz_db_error_t *err)
{
    return err != NULL && err->code == WZ_DB_EUNAVAIL;
}

unsigned wz_db_retry_pause_ms(int attempt)
{
    /* full jitter over a window that doubles per attempt: 1-5 ms, 1-10, 1-20 ... capped */
    unsigned window = WZ_DB_RETRY_PAUSE_BASE_MS << (attempt > 1 ? (attempt - 1 > 6 ? 6 : attempt - 1) : 0);
    return 1 + randombytes_uniform(window);
}

uv_loop_t *wz_db_pool_loop(wz_db_pool_t *pool)
{
    return pool->loop;
}

const char *wz_db_strerror(int code)
{
    switch (code) {
    case WZ_DB_OK:
        return "ok";
    case WZ_DB_EBUSY:
        return "database wait queue is full";
    case WZ_DB_ETIMEDOUT:
        return "database operation timed out";
    case WZ_DB_EUNAVAIL:
        return "database unavailable";
    case WZ_DB_ESQL:
        return "statement failed";
    case WZ_DB_ECLOSED:
        return "database pool is closing";
    case WZ_DB_EUSAGE:
        return "database usage error";
    default:
        return "unknown database error";
    }
}
