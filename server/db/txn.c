#include "db/txn.h"
#include "common/log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wz_db_txn {
    wz_db_pool_t *pool;
    wz_db_conn_t *conn;
    wz_db_txn_step_fn first, next;
    wz_db_txn_done_fn on_done;
    void *data;
    int attempt;
    int committing; /* COMMIT was sent: a lost connection now leaves the outcome unknown */
    int read_committed; /* each attempt first sets the next transaction's isolation level */
    wz_db_error_t error;
    uv_timer_t *pause; /* the jittered pause before the next attempt (closed asynchronously) */
};

static void on_pause_closed(uv_handle_t *h)
{
    free(h);
}

static void finish(wz_db_txn_t *txn, const wz_db_error_t *err)
{
    if (txn->conn != NULL)
        wz_db_release(txn->conn); /* rolls back anything left open */
    txn->conn = NULL;
    if (txn->pause != NULL)
        uv_close((uv_handle_t *)txn->pause, on_pause_closed);
    txn->on_done(txn->data, err);
    free(txn);
}

static void on_started(wz_db_conn_t *conn, const wz_db_result_t *res, const wz_db_error_t *err, void *data);

/* SET TRANSACTION (without SESSION) applies to the next transaction only, so the connection
 * goes back to the pool at the server's default level. */
static void on_isolation_set(wz_db_conn_t *conn, const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    (void)res;
    if (err != NULL) {
        on_started(conn, NULL, err, data);
        return;
    }
    wz_db_query(conn, "START TRANSACTION", on_started, data);
}

static void start_attempt(wz_db_txn_t *txn)
{
    txn->attempt++;
    if (txn->read_committed)
        wz_db_query(txn->conn, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED", on_isolation_set, txn);
    else
        wz_db_query(txn->conn, "START TRANSACTION", on_started, txn);
}

static void on_acquired(wz_db_conn_t *conn, int code, void *data);

/* After the pause: the same connection (rolled back) or a new one (the old was given back). */
static void on_pause_over(uv_timer_t *timer)
{
    wz_db_txn_t *txn = timer->data;
    if (txn->conn != NULL) {
        start_attempt(txn);
        return;
    }
    int code = wz_db_acquire(txn->pool, on_acquired, txn);
    if (code != WZ_DB_OK)
        on_acquired(NULL, code, txn);
}

/* Writers that collided would collide again if they all retried at once: each waits a random
 * part of a window that doubles per attempt (full jitter), so they spread out. */
static void pause_then_retry(wz_db_txn_t *txn)
{
    if (txn->pause == NULL) {
        txn->pause = malloc(sizeof(*txn->pause));
        if (txn->pause == NULL)
            abort();
        uv_timer_init(wz_db_pool_loop(txn->pool), txn->pause);
        txn->pause->data = txn;
    }
    uv_timer_start(txn->pause, on_pause_over, wz_db_retry_pause_ms(txn->attempt), 0);
}

static void on_rolled_back_for_retry(wz_db_conn_t *conn, const wz_db_result_t *res, const wz_db_error_t *err,
                                     void *data)
{
    (void)conn;
    (void)res;
    wz_db_txn_t *txn = data;
    if (err != NULL) {
        finish(txn, err);
        return;
    }
    pause_then_retry(txn);
}

/* A retryable error ends this attempt; the next starts from the first step, after a pause.
 * A deadlock or certification failure is rolled back and retried on the same connection. A
 * statement the node refused unrun (Galera 1047), or a connection lost before COMMIT was sent
 * (the server rolled the transaction back), is retried on another connection. A connection
 * lost during COMMIT is not retried: whether it committed is unknown. */
static int maybe_retry(wz_db_txn_t *txn, const wz_db_error_t *err)
{
    int new_conn = wz_db_error_needs_new_conn(err) || (!txn->committing && wz_db_error_is_connection_lost(err));
    if (!new_conn && !wz_db_error_is_retryable(err))
        return 0;
    if (txn->attempt >= WZ_DB_TXN_MAX_ATTEMPTS) {
        wz_warn("db: transaction gave up after %d attempts: %s", txn->attempt, err->message);
        return 0;
    }
    wz_debug("db: retrying transaction (attempt %d): %s", txn->attempt + 1, err->message);
    txn->committing = 0;
    if (new_conn) {
        wz_db_release(txn->conn); /* broken: it reconnects */
        txn->conn = NULL;
        pause_then_retry(txn);
        return 1;
    }
    wz_db_query(txn->conn, "ROLLBACK", on_rolled_back_for_retry, txn);
    return 1;
}

static void on_started(wz_db_conn_t *conn, const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    (void)conn;
    (void)res;
    wz_db_txn_t *txn = data;
    if (err != NULL) {
        if (!maybe_retry(txn, err)) /* e.g. a Galera node that left refuses even this */
            finish(txn, err);
        return;
    }
    txn->first(txn, NULL, NULL);
}

static void on_acquired(wz_db_conn_t *conn, int code, void *data)
{
    wz_db_txn_t *txn = data;
    txn->conn = NULL;
    if (code != WZ_DB_OK) {
        wz_db_error_t err = {.code = code};
        snprintf(err.message, sizeof(err.message), "%s", wz_db_strerror(code));
        finish(txn, &err);
        return;
    }
    txn->conn = conn;
    start_attempt(txn);
}

static int begin(wz_db_pool_t *pool, int read_committed, wz_db_txn_step_fn first, wz_db_txn_done_fn on_done,
                 void *data)
{
    wz_db_txn_t *txn = calloc(1, sizeof(*txn));
    if (txn == NULL)
        abort();
    txn->pool = pool;
    txn->read_committed = read_committed;
    txn->first = first;
    txn->on_done = on_done;
    txn->data = data;
    int ret = wz_db_acquire(pool, on_acquired, txn);
    if (ret != WZ_DB_OK)
        free(txn);
    return ret;
}

int wz_db_txn_begin(wz_db_pool_t *pool, wz_db_txn_step_fn first, wz_db_txn_done_fn on_done, void *data)
{
    return begin(pool, 0, first, on_done, data);
}

int wz_db_txn_begin_read_committed(wz_db_pool_t *pool, wz_db_txn_step_fn first, wz_db_txn_done_fn on_done,
                                   void *data)
{
    return begin(pool, 1, first, on_done, data);
}

static void on_exec(wz_db_conn_t *conn, const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    (void)conn;
    wz_db_txn_t *txn = data;
    if (err != NULL) {
        if (maybe_retry(txn, err))
            return;
        if (err->code != WZ_DB_ESQL) { /* connection lost, timeout, closing: nothing to decide */
            finish(txn, err);
            return;
        }
    }
    txn->next(txn, res, err);
}

void wz_db_txn_exec(wz_db_txn_t *txn, const char *sql, const wz_db_value_t *params, size_t nparams,
                    wz_db_txn_step_fn next)
{
    txn->next = next;
    wz_db_exec(txn->conn, sql, params, nparams, on_exec, txn);
}

static void on_commit(wz_db_conn_t *conn, const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    (void)conn;
    (void)res;
    wz_db_txn_t *txn = data;
    if (err != NULL && maybe_retry(txn, err)) /* Galera reports certification failures here */
        return;
    finish(txn, err);
}

void wz_db_txn_commit(wz_db_txn_t *txn)
{
    txn->committing = 1;
    wz_db_query(txn->conn, "COMMIT", on_commit, txn);
}

static void on_rollback(wz_db_conn_t *conn, const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    (void)conn;
    (void)res;
    (void)err; /* the caller's reason matters more than a failed rollback; release cleans up */
    wz_db_txn_t *txn = data;
    wz_db_error_t reason = txn->error;
    finish(txn, &reason);
}

void wz_db_txn_fail(wz_db_txn_t *txn, const wz_db_error_t *err)
{
    if (err != NULL) {
        txn->error = *err;
    } else {
        memset(&txn->error, 0, sizeof(txn->error));
        txn->error.code = WZ_DB_ESQL;
        snprintf(txn->error.message, sizeof(txn->error.message), "rolled back");
    }
    wz_db_query(txn->conn, "ROLLBACK", on_rollback, txn);
}

void *wz_db_txn_data(wz_db_txn_t *txn)
{
    return txn->data;
}

int wz_db_txn_attempt(wz_db_txn_t *txn)
{
    return txn->attempt;
}
