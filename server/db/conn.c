/* One MariaDB connection driven without blocking.
 *
 * Every client-library call is a _start/_cont pair: _start returns the events it waits for
 * (MYSQL_WAIT_READ/WRITE/EXCEPT/TIMEOUT), we arm a uv_poll_t on the socket (and a timer for
 * TIMEOUT), and when the loop reports readiness the same step function calls _cont. A step
 * function takes status < 0 to mean "start". A deadline timer bounds every operation; when it
 * fires the connection is torn down, because a running statement cannot be abandoned on a live
 * connection. */
#include "db/db_internal.h"
#include "common/log.h"
#include <errmsg.h>
#include <sodium.h>
#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000

static void step_connect(wz_db_conn_t *c, int status);
static void begin_backoff(wz_db_conn_t *c);

/* ---- waiting on the socket ---- */

static void on_poll(uv_poll_t *handle, int status, int events)
{
    wz_db_conn_t *c = handle->data;
    uv_poll_stop(handle);
    uv_timer_stop(&c->io_timer);
    int s = 0;
    if (status < 0)
        s = MYSQL_WAIT_READ | MYSQL_WAIT_WRITE; /* let the library read the socket error */
    if (events & UV_READABLE)
        s |= MYSQL_WAIT_READ;
    if (events & UV_WRITABLE)
        s |= MYSQL_WAIT_WRITE;
    if (events & UV_PRIORITIZED)
        s |= MYSQL_WAIT_EXCEPT;
    c->step(c, s);
}

static void on_io_timeout(uv_timer_t *timer)
{
    wz_db_conn_t *c = timer->data;
    if (c->poll != NULL)
        uv_poll_stop(c->poll);
    c->step(c, MYSQL_WAIT_TIMEOUT);
}

static void ensure_poll(wz_db_conn_t *c)
{
    if (c->poll == NULL) {
        c->poll = malloc(sizeof(*c->poll));
        if (c->poll == NULL)
            abort();
        uv_poll_init_socket(c->pool->loop, c->poll, mysql_get_socket(c->mysql));
        c->poll->data = c;
    }
}

static void wait_for(wz_db_conn_t *c, int status, void (*step)(wz_db_conn_t *, int))
{
    c->step = step;
    ensure_poll(c);
    int events = 0;
    if (status & MYSQL_WAIT_READ)
        events |= UV_READABLE;
    if (status & MYSQL_WAIT_WRITE)
        events |= UV_WRITABLE;
    if (status & MYSQL_WAIT_EXCEPT)
        events |= UV_PRIORITIZED;
    if (events != 0)
        uv_poll_start(c->poll, events, on_poll);
    if (status & MYSQL_WAIT_TIMEOUT)
        uv_timer_start(&c->io_timer, on_io_timeout, mysql_get_timeout_value_ms(c->mysql), 0);
}

/* ---- tearing a connection down ---- */

typedef struct {
    MYSQL *mysql;
    size_t nstmts;
    MYSQL_STMT *stmts[WZ_DB_STMT_CACHE + 1];
} detached_t;

static void close_detached(detached_t *d)
{
    /* Closing the connection first makes the statement closes purely local (no COM_STMT_CLOSE). */
    if (d->mysql != NULL)
        mysql_close(d->mysql);
    for (size_t i = 0; i < d->nstmts; i++)
        mysql_stmt_close(d->stmts[i]);
    free(d);
}

static void on_old_poll_closed(uv_handle_t *handle)
{
    close_detached(handle->data);
    free(handle);
}

/* Hands the MYSQL and its statements to a detached record that closes them once the poll
 * handle is closed: libuv must stop watching the fd before the fd is closed. */
static void teardown(wz_db_conn_t *c)
{
    uv_timer_stop(&c->io_timer);
    uv_timer_stop(&c->deadline_timer);
    detached_t *d = calloc(1, sizeof(*d));
    if (d == NULL)
        abort();
    d->mysql = c->mysql;
    for (size_t i = 0; i < c->nstmts; i++) {
        d->stmts[d->nstmts++] = c->stmts[i].stmt;
        free(c->stmts[i].sql);
    }
    c->nstmts = 0;
    if (c->stmt != NULL && !c->stmt_cached)
        d->stmts[d->nstmts++] = c->stmt;
    c->stmt = NULL;
    c->mysql = NULL;
    if (c->poll != NULL) {
        uv_poll_t *old = c->poll;
        c->poll = NULL;
        uv_poll_stop(old);
        old->data = d;
        uv_close((uv_handle_t *)old, on_old_poll_closed);
    } else {
        close_detached(d);
    }
}

static int is_connection_error(unsigned err)
{
    switch (err) {
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_SERVER_LOST_EXTENDED:
    case CR_COMMANDS_OUT_OF_SYNC:
    case ER_CONNECTION_KILLED:
    case ER_SERVER_SHUTDOWN:
    case 4031: /* ER_CLIENT_INTERACTION_TIMEOUT */
        return 1;
    default:
        return 0;
    }
}

/* ---- finishing an operation ---- */

static void free_op(wz_db_conn_t *c)
{
    free(c->params);
    free(c->param_text);
    free(c->binds);
    free(c->sql_own);
    c->sql_own = NULL;
    c->params = NULL;
    c->param_text = NULL;
    c->binds = NULL;
    c->nparams = 0;
}

static void finish(wz_db_conn_t *c, const wz_db_result_t *res, const wz_db_error_t *err)
{
    uv_timer_stop(&c->deadline_timer);
    free_op(c);
    c->busy = 0;
    wz_db_exec_cb cb = c->cb;
    void *data = c->cb_data;
    c->cb = NULL;
    if (err != NULL)
        atomic_fetch_add_explicit(&c->pool->st_errors, 1, memory_order_relaxed);
    if (cb != NULL)
        cb(c, res, err, data);
}

static void fail(wz_db_conn_t *c, int code, unsigned my_errno, const char *sqlstate, const char *msg)
{
    c->error.code = code;
    c->error.mysql_errno = my_errno;
    snprintf(c->error.sqlstate, sizeof(c->error.sqlstate), "%s", sqlstate ? sqlstate : "HY000");
    snprintf(c->error.message, sizeof(c->error.message), "%s", msg ? msg : "");
    if (code == WZ_DB_EUNAVAIL || code == WZ_DB_ETIMEDOUT || code == WZ_DB_ECLOSED) {
        if (c->mysql != NULL) {
            wz_warn("db: connection dropped: %s (%u)", c->error.message, my_errno);
            teardown(c);
        }
        c->broken = 1;
    }
    if (code == WZ_DB_ETIMEDOUT)
        atomic_fetch_add_explicit(&c->pool->st_timeouts, 1, memory_order_relaxed);
    wz_db_error_t err = c->error;
    finish(c, NULL, &err);
}

/* Classifies the error left by the last call on the statement or the connection. */
static void fail_from_mysql(wz_db_conn_t *c, MYSQL_STMT *stmt)
{
    unsigned e = stmt ? mysql_stmt_errno(stmt) : mysql_errno(c->mysql);
    const char *state = stmt ? mysql_stmt_sqlstate(stmt) : mysql_sqlstate(c->mysql);
    const char *msg = stmt ? mysql_stmt_error(stmt) : mysql_error(c->mysql);
    if (e == 0 && stmt != NULL) {
        e = mysql_errno(c->mysql);
        state = mysql_sqlstate(c->mysql);
        msg = mysql_error(c->mysql);
    }
    int code = WZ_DB_ESQL;
    if (is_connection_error(e))
        code = WZ_DB_EUNAVAIL;
    else if (e == ER_STATEMENT_TIMEOUT)
        code = WZ_DB_ETIMEDOUT;
    char copy[256];
    snprintf(copy, sizeof(copy), "%s", msg);
    if (code == WZ_DB_ETIMEDOUT && is_connection_error(e) == 0) {
        /* the server enforced max_statement_time: the connection is still good */
        c->error.code = code;
        c->error.mysql_errno = e;
        snprintf(c->error.sqlstate, sizeof(c->error.sqlstate), "%s", state);
        snprintf(c->error.message, sizeof(c->error.message), "%s", copy);
        atomic_fetch_add_explicit(&c->pool->st_timeouts, 1, memory_order_relaxed);
        wz_db_error_t err = c->error;
        finish(c, NULL, &err);
        return;
    }
    if (e == ER_UNKNOWN_COM_ERROR) {
        /* 1047: a Galera node outside the primary component refuses every statement before
         * running it. The connection is worthless until it reconnects (through the load
         * balancer, to a node that serves), so release does that instead of reusing it. */
        c->broken = 1;
    }
    fail(c, code, e, state, copy);
}

static void on_deadline(uv_timer_t *timer)
{
    wz_db_conn_t *c = timer->data;
    if (c->state == CONN_BACKOFF) {
        wz_db__conn_connect(c);
        return;
    }
    if (c->state == CONN_CONNECTING) {
        wz_warn("db: connect timed out");
        teardown(c);
        begin_backoff(c);
        return;
    }
    if (c->busy)
        fail(c, WZ_DB_ETIMEDOUT, 0, "HYT00", "statement deadline passed");
}

/* ---- connecting ---- */

void wz_db__conn_init(wz_db_pool_t *pool, wz_db_conn_t *c)
{
    memset(c, 0, sizeof(*c));
    c->pool = pool;
    uv_timer_init(pool->loop, &c->io_timer);
    uv_timer_init(pool->loop, &c->deadline_timer);
    c->io_timer.data = c;
    c->deadline_timer.data = c;
    c->state = CONN_BACKOFF;
}

static void begin_backoff(wz_db_conn_t *c)
{
    c->state = CONN_BACKOFF;
    c->backoff_ms = c->backoff_ms == 0 ? BACKOFF_MIN_MS : c->backoff_ms * 2;
    if (c->backoff_ms > BACKOFF_MAX_MS)
        c->backoff_ms = BACKOFF_MAX_MS;
    /* jitter keeps the loops' pools from reconnecting in lock-step */
    uint64_t delay = c->backoff_ms / 2 + randombytes_uniform(c->backoff_ms / 2 + 1);
    uv_timer_start(&c->deadline_timer, on_deadline, delay, 0);
    wz_db__pool_conn_down(c->pool, c);
}

void wz_db__conn_connect(wz_db_conn_t *c)
{
    const wz_db_options_t *o = &c->pool->opts;
    c->state = CONN_CONNECTING;
    c->broken = 0;
    c->mysql = mysql_init(NULL);
    if (c->mysql == NULL)
        abort();
    char init[160];
    /* the server enforces the deadline too, slightly before ours, so a slow statement usually
     * fails cleanly and the connection survives */
    double server_limit = (double)o->query_timeout_ms / 1000.0 * 0.9;
    snprintf(init, sizeof(init),
             "SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci, time_zone='+00:00', max_statement_time=%.3f",
             server_limit);
    unsigned timeout_s = (o->connect_timeout_ms + 999) / 1000;
    mysql_options(c->mysql, MYSQL_OPT_NONBLOCK, 0);
    mysql_options(c->mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    mysql_options(c->mysql, MYSQL_INIT_COMMAND, init);
    mysql_options(c->mysql, MYSQL_OPT_CONNECT_TIMEOUT, &timeout_s);
    uv_timer_start(&c->deadline_timer, on_deadline, o->connect_timeout_ms, 0);
    step_connect(c, -1);
}

static void step_connect(wz_db_conn_t *c, int status)
{
    const wz_db_options_t *o = &c->pool->opts;
    MYSQL *ret = NULL;
    int use_socket = o->socket != NULL && o->socket[0] != '\0';
    if (status < 0)
        status = mysql_real_connect_start(&ret, c->mysql, use_socket ? "localhost" : o->host, o->user, o->password,
                                          o->database, use_socket ? 0 : o->port, use_socket ? o->socket : NULL,
                                          CLIENT_FOUND_ROWS);
    else
        status = mysql_real_connect_cont(&ret, c->mysql, status);
    if (status != 0) {
        wait_for(c, status, step_connect);
        return;
    }
    uv_timer_stop(&c->deadline_timer);
    if (ret == NULL) {
        wz_warn("db: connect failed: %s (%u)", mysql_error(c->mysql), mysql_errno(c->mysql));
        teardown(c);
        begin_backoff(c);
        return;
    }
    if (c->connected_once)
        atomic_fetch_add_explicit(&c->pool->st_reconnects, 1, memory_order_relaxed);
    c->connected_once = 1;
    c->backoff_ms = 0;
    c->state = CONN_IDLE;
    wz_db__pool_conn_up(c->pool, c);
}

/* An idle connection's socket turns readable only when the server closes it (restart, idle
 * timeout, KILL): reconnect at once instead of failing the next request that picks it. */
static void on_idle_event(uv_poll_t *handle, int status, int events)
{
    (void)status;
    (void)events;
    wz_db_conn_t *c = handle->data;
    wz_warn("db: idle connection closed by the server; reconnecting");
    teardown(c); /* first, so the pool no longer counts it as alive */
    wz_db__pool_remove_idle(c->pool, c);
    c->backoff_ms = 0;
    wz_db__conn_connect(c);
}

void wz_db__conn_watch_idle(wz_db_conn_t *c)
{
    ensure_poll(c);
    uv_poll_start(c->poll, UV_READABLE | UV_DISCONNECT, on_idle_event);
}

void wz_db__conn_unwatch_idle(wz_db_conn_t *c)
{
    if (c->poll != NULL)
        uv_poll_stop(c->poll);
}

void wz_db__conn_abort(wz_db_conn_t *c)
{
    if (c->busy)
        fail(c, WZ_DB_ECLOSED, 0, "HY000", "the pool is closing");
}

void wz_db__conn_shutdown(wz_db_conn_t *c)
{
    if (c->mysql != NULL)
        teardown(c);
    uv_timer_stop(&c->deadline_timer);
    uv_timer_stop(&c->io_timer);
    c->state = CONN_SHUTDOWN;
}

/* ---- running a prepared statement ---- */

static void step_execute(wz_db_conn_t *c, int status);
static void step_store(wz_db_conn_t *c, int status);
static void deliver_rows(wz_db_conn_t *c);

static stmt_entry_t *find_cached(wz_db_conn_t *c, const char *sql)
{
    for (size_t i = 0; i < c->nstmts; i++)
        if (c->stmts[i].sql == sql || strcmp(c->stmts[i].sql, sql) == 0)
            return &c->stmts[i];
    return NULL;
}

static void step_prepare(wz_db_conn_t *c, int status)
{
    int ret = 0;
    if (status < 0)
        status = mysql_stmt_prepare_start(&ret, c->stmt, c->sql, strlen(c->sql));
    else
        status = mysql_stmt_prepare_cont(&ret, c->stmt, status);
    if (status != 0) {
        wait_for(c, status, step_prepare);
        return;
    }
    if (ret != 0) {
        MYSQL_STMT *stmt = c->stmt;
        unsigned e = mysql_stmt_errno(stmt);
        if (!is_connection_error(e)) {
            /* never prepared on the server, so closing it sends nothing */
            wz_db_error_t err = {.code = WZ_DB_ESQL, .mysql_errno = e};
            snprintf(err.sqlstate, sizeof(err.sqlstate), "%s", mysql_stmt_sqlstate(stmt));
            snprintf(err.message, sizeof(err.message), "%s", mysql_stmt_error(stmt));
            mysql_stmt_close(stmt);
            c->stmt = NULL;
            c->error = err;
            finish(c, NULL, &err);
            return;
        }
        fail_from_mysql(c, stmt);
        return;
    }
    if (c->nstmts < WZ_DB_STMT_CACHE) {
        c->stmts[c->nstmts].sql = c->sql_own; /* the cache keeps the copy */
        c->sql_own = NULL;
        c->stmts[c->nstmts].stmt = c->stmt;
        c->nstmts++;
        c->stmt_cached = 1;
    }
    /* else: used once and closed after the result (see deliver) */
    step_execute(c, -2);
}

static int bind_params(wz_db_conn_t *c)
{
    if (mysql_stmt_param_count(c->stmt) != c->nparams) {
        wz_db_error_t err = {.code = WZ_DB_EUSAGE};
        snprintf(err.message, sizeof(err.message), "statement takes %lu parameters, %zu given",
                 mysql_stmt_param_count(c->stmt), c->nparams);
        snprintf(err.sqlstate, sizeof(err.sqlstate), "HY000");
        c->error = err;
        finish(c, NULL, &err);
        return -1;
    }
    if (c->nparams == 0)
        return 0;
    c->binds = calloc(c->nparams, sizeof(MYSQL_BIND));
    if (c->binds == NULL)
        abort();
    for (size_t i = 0; i < c->nparams; i++) {
        MYSQL_BIND *b = &c->binds[i];
        wz_db_value_t *v = &c->params[i];
        switch (v->type) {
        case WZ_DB_T_NULL:
            b->buffer_type = MYSQL_TYPE_NULL;
            break;
        case WZ_DB_T_INT:
            b->buffer_type = MYSQL_TYPE_LONGLONG;
            b->buffer = &v->u.i;
            break;
        case WZ_DB_T_DOUBLE:
            b->buffer_type = MYSQL_TYPE_DOUBLE;
            b->buffer = &v->u.d;
            break;
        case WZ_DB_T_TEXT:
        case WZ_DB_T_BLOB:
            b->buffer_type = v->type == WZ_DB_T_BLOB ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING;
            b->buffer = (void *)v->u.s.p;
            b->buffer_length = v->u.s.len;
            b->length = &v->u.s.len; /* size_t and unsigned long agree on LP64 */
            break;
        }
    }
    if (mysql_stmt_bind_param(c->stmt, c->binds) != 0) {
        fail_from_mysql(c, c->stmt);
        return -1;
    }
    return 0;
}

static void step_execute(wz_db_conn_t *c, int status)
{
    int ret = 0;
    if (status == -2) {
        if (bind_params(c) != 0)
            return;
        status = -1;
    }
    if (status < 0)
        status = mysql_stmt_execute_start(&ret, c->stmt);
    else
        status = mysql_stmt_execute_cont(&ret, c->stmt, status);
    if (status != 0) {
        wait_for(c, status, step_execute);
        return;
    }
    if (ret != 0) {
        fail_from_mysql(c, c->stmt);
        return;
    }
    if (mysql_stmt_field_count(c->stmt) > 0) {
        step_store(c, -1);
        return;
    }
    wz_db_result_t res = {0};
    res.affected_rows = mysql_stmt_affected_rows(c->stmt);
    res.insert_id = mysql_stmt_insert_id(c->stmt);
    if (!c->stmt_cached) {
        mysql_stmt_close(c->stmt); /* rare: cache full; a short local write */
    }
    c->stmt = NULL;
    finish(c, &res, NULL);
}

static void step_store(wz_db_conn_t *c, int status)
{
    int ret = 0;
    if (status < 0)
        status = mysql_stmt_store_result_start(&ret, c->stmt);
    else
        status = mysql_stmt_store_result_cont(&ret, c->stmt, status);
    if (status != 0) {
        wait_for(c, status, step_store);
        return;
    }
    if (ret != 0) {
        fail_from_mysql(c, c->stmt);
        return;
    }
    deliver_rows(c);
}

static int is_integer_type(enum enum_field_types t)
{
    return t == MYSQL_TYPE_TINY || t == MYSQL_TYPE_SHORT || t == MYSQL_TYPE_LONG || t == MYSQL_TYPE_LONGLONG ||
           t == MYSQL_TYPE_INT24 || t == MYSQL_TYPE_YEAR;
}

/* Copies the buffered rows into one allocation the callback can read, then frees them. */
static void deliver_rows(wz_db_conn_t *c)
{
    MYSQL_STMT *stmt = c->stmt;
    MYSQL_RES *meta = mysql_stmt_result_metadata(stmt);
    unsigned ncols = mysql_num_fields(meta);
    MYSQL_FIELD *fields = mysql_fetch_fields(meta);
    size_t nrows = (size_t)mysql_stmt_num_rows(stmt);

    MYSQL_BIND *rb = calloc(ncols, sizeof(MYSQL_BIND));
    unsigned long *lens = calloc(ncols, sizeof(unsigned long));
    my_bool *nulls = calloc(ncols, sizeof(my_bool));
    long long *ints = calloc(ncols, sizeof(long long));
    double *dbls = calloc(ncols, sizeof(double));
    char **bufs = calloc(ncols, sizeof(char *));
    if (!rb || !lens || !nulls || !ints || !dbls || !bufs)
        abort();

    size_t names_len = 0;
    for (unsigned i = 0; i < ncols; i++) {
        names_len += strlen(fields[i].name) + 1;
        rb[i].is_null = &nulls[i];
        rb[i].length = &lens[i];
        if (is_integer_type(fields[i].type)) {
            rb[i].buffer_type = MYSQL_TYPE_LONGLONG;
            rb[i].buffer = &ints[i];
            rb[i].is_unsigned = (fields[i].flags & UNSIGNED_FLAG) != 0;
        } else if (fields[i].type == MYSQL_TYPE_DOUBLE || fields[i].type == MYSQL_TYPE_FLOAT) {
            rb[i].buffer_type = MYSQL_TYPE_DOUBLE;
            rb[i].buffer = &dbls[i];
        } else {
            /* STMT_ATTR_UPDATE_MAX_LENGTH filled max_length; temporal values print longer than
             * their binary length, so every text buffer has at least 64 bytes */
            size_t cap = fields[i].max_length + 1;
            if (cap < 64)
                cap = 64;
            bufs[i] = malloc(cap);
            if (bufs[i] == NULL)
                abort();
            rb[i].buffer_type = MYSQL_TYPE_STRING;
            rb[i].buffer = bufs[i];
            rb[i].buffer_length = cap;
        }
    }

    wz_db_result_t res = {0};
    res.nrows = nrows;
    res.ncols = ncols;
    res.cells = calloc(nrows * ncols + 1, sizeof(wz_db_value_t));
    res.col_names = calloc(ncols + 1, sizeof(char *));
    char *names = malloc(names_len + 1);
    if (!res.cells || !res.col_names || !names)
        abort();
    for (unsigned i = 0, o = 0; i < ncols; i++) {
        size_t n = strlen(fields[i].name) + 1;
        memcpy(names + o, fields[i].name, n);
        res.col_names[i] = names + o;
        o += (unsigned)n;
    }

    /* text cells go into one growing arena; offsets become pointers at the end */
    char *arena = NULL;
    size_t arena_len = 0, arena_cap = 0;
    int bad = 0;
    if (mysql_stmt_bind_result(stmt, rb) != 0)
        bad = 1;
    for (size_t r = 0; !bad && r < nrows; r++) {
        int f = mysql_stmt_fetch(stmt);
        if (f == MYSQL_NO_DATA) {
            res.nrows = r;
            break;
        }
        if (f != 0) { /* 1 = error; MYSQL_DATA_TRUNCATED cannot happen with max_length buffers */
            bad = 1;
            break;
        }
        for (unsigned i = 0; i < ncols; i++) {
            wz_db_value_t *v = &res.cells[r * ncols + i];
            if (nulls[i]) {
                v->type = WZ_DB_T_NULL;
            } else if (rb[i].buffer_type == MYSQL_TYPE_LONGLONG) {
                v->type = WZ_DB_T_INT;
                v->u.i = ints[i];
            } else if (rb[i].buffer_type == MYSQL_TYPE_DOUBLE) {
                v->type = WZ_DB_T_DOUBLE;
                v->u.d = dbls[i];
            } else {
                size_t n = lens[i];
                if (arena_len + n + 1 > arena_cap) {
                    arena_cap = (arena_len + n + 1) * 2 + 256;
                    arena = realloc(arena, arena_cap);
                    if (arena == NULL)
                        abort();
                }
                memcpy(arena + arena_len, bufs[i], n);
                arena[arena_len + n] = '\0';
                v->type = WZ_DB_T_TEXT;
                v->u.s.p = (const char *)(uintptr_t)arena_len; /* offset for now */
                v->u.s.len = n;
                arena_len += n + 1;
            }
        }
    }
    for (size_t k = 0; k < res.nrows * ncols; k++)
        if (res.cells[k].type == WZ_DB_T_TEXT)
            res.cells[k].u.s.p = arena + (uintptr_t)res.cells[k].u.s.p;

    mysql_stmt_free_result(stmt); /* buffered: frees client memory only */
    mysql_free_result(meta);
    for (unsigned i = 0; i < ncols; i++)
        free(bufs[i]);
    free(bufs);
    free(rb);
    free(lens);
    free(nulls);
    free(ints);
    free(dbls);

    if (bad) {
        free(arena);
        free(res.cells);
        free(res.col_names);
        free(names);
        fail_from_mysql(c, stmt);
        return;
    }
    if (!c->stmt_cached)
        mysql_stmt_close(stmt);
    c->stmt = NULL;
    finish(c, &res, NULL);
    free(arena);
    free(res.cells);
    free(res.col_names);
    free(names);
}

static int start_op(wz_db_conn_t *c, wz_db_exec_cb cb, void *data)
{
    c->cb = cb;
    c->cb_data = data;
    memset(&c->error, 0, sizeof(c->error));
    if (c->state != CONN_CHECKED_OUT || c->busy) {
        fail(c, WZ_DB_EUSAGE, 0, "HY000", "connection is not checked out or is busy");
        return -1;
    }
    if (c->pool->closing) {
        fail(c, WZ_DB_ECLOSED, 0, "HY000", "the pool is closing");
        return -1;
    }
    if (c->broken || c->mysql == NULL) {
        fail(c, WZ_DB_EUNAVAIL, CR_SERVER_LOST, "08S01", "connection lost");
        return -1;
    }
    c->busy = 1;
    uv_timer_start(&c->deadline_timer, on_deadline, c->pool->opts.query_timeout_ms, 0);
    return 0;
}

void wz_db__params_copy(const wz_db_value_t *src, size_t n, wz_db_value_t **out, char **text_out)
{
    size_t text = 0;
    for (size_t i = 0; i < n; i++)
        if (src[i].type == WZ_DB_T_TEXT || src[i].type == WZ_DB_T_BLOB)
            text += src[i].u.s.len + 1;
    wz_db_value_t *params = n ? malloc(n * sizeof(*src)) : NULL;
    char *buf = text ? malloc(text) : NULL;
    if ((n && !params) || (text && !buf))
        abort();
    for (size_t i = 0, o = 0; i < n; i++) {
        params[i] = src[i];
        if (src[i].type == WZ_DB_T_TEXT || src[i].type == WZ_DB_T_BLOB) {
            if (src[i].u.s.len)
                memcpy(buf + o, src[i].u.s.p, src[i].u.s.len);
            buf[o + src[i].u.s.len] = '\0';
            params[i].u.s.p = buf + o;
            o += src[i].u.s.len + 1;
        }
    }
    *out = params;
    *text_out = buf;
}

void wz_db_exec(wz_db_conn_t *c, const char *sql, const wz_db_value_t *params, size_t nparams, wz_db_exec_cb cb,
                void *data)
{
    if (start_op(c, cb, data) != 0)
        return;
    /* copy parameters: the caller's buffers may be gone before execute completes */
    c->nparams = nparams;
    wz_db__params_copy(params, nparams, &c->params, &c->param_text);
    stmt_entry_t *cached = find_cached(c, sql);
    if (cached != NULL) {
        c->sql = cached->sql;
        c->stmt = cached->stmt;
        c->stmt_cached = 1;
        step_execute(c, -2);
        return;
    }
    /* the text is read again when the prepare completes (the cache's key): the caller's
     * buffer, on its stack perhaps, may be gone by then */
    c->sql_own = strdup(sql);
    if (c->sql_own == NULL)
        abort();
    c->sql = c->sql_own;
    c->stmt = mysql_stmt_init(c->mysql);
    if (c->stmt == NULL)
        abort();
    my_bool update_max = 1;
    mysql_stmt_attr_set(c->stmt, STMT_ATTR_UPDATE_MAX_LENGTH, &update_max);
    c->stmt_cached = 0;
    step_prepare(c, -1);
}

/* ---- text-protocol statements ---- */

static void step_query_store(wz_db_conn_t *c, int status)
{
    MYSQL_RES *r = NULL;
    if (status < 0)
        status = mysql_store_result_start(&r, c->mysql);
    else
        status = mysql_store_result_cont(&r, c->mysql, status);
    if (status != 0) {
        wait_for(c, status, step_query_store);
        return;
    }
    if (r == NULL && mysql_errno(c->mysql) != 0) {
        fail_from_mysql(c, NULL);
        return;
    }
    wz_db_result_t res = {0};
    res.nrows = r ? (size_t)mysql_num_rows(r) : 0; /* rows are dropped: this path is for commands */
    mysql_free_result(r);
    finish(c, &res, NULL);
}

static void step_query(wz_db_conn_t *c, int status)
{
    int ret = 0;
    if (status < 0)
        status = mysql_real_query_start(&ret, c->mysql, c->sql, strlen(c->sql));
    else
        status = mysql_real_query_cont(&ret, c->mysql, status);
    if (status != 0) {
        wait_for(c, status, step_query);
        return;
    }
    if (ret != 0) {
        fail_from_mysql(c, NULL);
        return;
    }
    if (mysql_field_count(c->mysql) > 0) {
        step_query_store(c, -1);
        return;
    }
    wz_db_result_t res = {0};
    res.affected_rows = mysql_affected_rows(c->mysql);
    res.insert_id = mysql_insert_id(c->mysql);
    finish(c, &res, NULL);
}

void wz_db_query(wz_db_conn_t *c, const char *sql, wz_db_exec_cb cb, void *data)
{
    if (start_op(c, cb, data) != 0)
        return;
    c->sql = sql;
    step_query(c, -1);
}

/* ---- giving a connection back ---- */

static void on_release_rollback(wz_db_conn_t *c, const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    (void)res;
    (void)data;
    c->releasing = 0;
    c->state = CONN_CHECKED_OUT;
    if (err != NULL) {
        /* a connection that cannot roll back (e.g. a Galera node leaving the cluster answers
         * 1047 to everything) is not reused: release would send ROLLBACK again, in a busy loop */
        wz_warn("db: rollback on release failed: %s", err->message);
        c->broken = 1;
    }
    wz_db_release(c);
}

static int in_transaction(wz_db_conn_t *c)
{
    unsigned int status = 0;
    if (c->mysql == NULL || mariadb_get_infov(c->mysql, MARIADB_CONNECTION_SERVER_STATUS, &status) != 0)
        return 0;
    return (status & SERVER_STATUS_IN_TRANS) != 0;
}

void wz_db_release(wz_db_conn_t *c)
{
    wz_db_pool_t *pool = c->pool;
    if (c->busy) {
        wz_error("db: release of a busy connection ignored");
        return;
    }
    atomic_fetch_sub_explicit(&pool->st_in_use, 1, memory_order_relaxed);
    if (pool->closing) {
        wz_db__conn_shutdown(c);
        wz_db__pool_conn_down(pool, c);
        return;
    }
    if (c->broken || c->mysql == NULL) {
        c->broken = 0;
        c->backoff_ms = 0;
        c->state = CONN_BACKOFF;
        wz_db__conn_connect(c);
        return;
    }
    if (!c->releasing && in_transaction(c)) {
        /* a caller that left a transaction open must not leak its locks to the next user */
        atomic_fetch_add_explicit(&pool->st_in_use, 1, memory_order_relaxed);
        c->releasing = 1;
        wz_db_query(c, "ROLLBACK", on_release_rollback, NULL);
        return;
    }
    c->state = CONN_IDLE;
    wz_db__pool_conn_up(pool, c);
}
