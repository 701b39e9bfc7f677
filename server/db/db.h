#ifndef WZ_DB_DB_H
#define WZ_DB_DB_H
/* Non-blocking MariaDB access for an event loop.
 *
 * A pool belongs to one uv loop and is used only from that loop's thread. A caller acquires a
 * connection, runs prepared statements on it one at a time, and releases it. Every operation
 * completes through a callback; nothing here blocks the loop. Callbacks may run before the
 * call that started them returns (e.g. an idle connection is handed out at once), so callers
 * start an operation as the last thing they do. */
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct wz_db_pool wz_db_pool_t;
typedef struct wz_db_conn wz_db_conn_t;

/* Error classes passed to callbacks (0 = success). */
enum {
    WZ_DB_OK = 0,
    WZ_DB_EBUSY = -1,     /* the wait queue is full: answer 503 + Retry-After */
    WZ_DB_ETIMEDOUT = -2, /* no connection in time, or the statement passed its deadline */
    WZ_DB_EUNAVAIL = -3,  /* the server cannot be reached (reconnecting with backoff) */
    WZ_DB_ESQL = -4,      /* the server refused the statement: see mysql_errno */
    WZ_DB_ECLOSED = -5,   /* the pool is shutting down */
    WZ_DB_EUSAGE = -6,    /* wrong parameter count or a similar programming error */
};

/* BLOB is for parameters only (bytes that must not be read as utf8mb4); results come as TEXT. */
typedef enum { WZ_DB_T_NULL, WZ_DB_T_INT, WZ_DB_T_DOUBLE, WZ_DB_T_TEXT, WZ_DB_T_BLOB } wz_db_type_t;

typedef struct wz_db_value {
    wz_db_type_t type;
    union {
        long long i;
        double d;
        struct {
            const char *p;
            size_t len;
        } s;
    } u;
} wz_db_value_t;

#define WZ_DB_NULL() ((wz_db_value_t){.type = WZ_DB_T_NULL})
#define WZ_DB_INT(v) ((wz_db_value_t){.type = WZ_DB_T_INT, .u.i = (long long)(v)})
#define WZ_DB_DOUBLE(v) ((wz_db_value_t){.type = WZ_DB_T_DOUBLE, .u.d = (v)})
#define WZ_DB_TEXTN(ptr, n) ((wz_db_value_t){.type = WZ_DB_T_TEXT, .u.s = {(ptr), (n)}})
#define WZ_DB_TEXT(str) WZ_DB_TEXTN((str), strlen(str))
#define WZ_DB_BLOB(ptr, n) ((wz_db_value_t){.type = WZ_DB_T_BLOB, .u.s = {(const char *)(ptr), (n)}})

typedef struct wz_db_error {
    int code;            /* WZ_DB_E* */
    unsigned mysql_errno; /* the server's or client library's number, 0 if none */
    char sqlstate[6];
    char message[256];
} wz_db_error_t;

/* A fully buffered result. Text cells are NUL-terminated. Valid only during the callback. */
typedef struct wz_db_result {
    size_t nrows, ncols;
    wz_db_value_t *cells; /* nrows * ncols, row-major */
    char **col_names;
    unsigned long long affected_rows, insert_id;
} wz_db_result_t;

typedef struct wz_db_options {
    const char *socket; /* preferred when non-empty */
    const char *host;   /* an IP address: name resolution would block */
    unsigned port;
    const char *user, *password, *database;
    unsigned pool_size, queue_max;
    unsigned acquire_timeout_ms, query_timeout_ms, connect_timeout_ms;
} wz_db_options_t;

/* Gauges read from any thread (for /metrics). */
typedef struct wz_db_pool_stats {
    unsigned in_use, waiting, alive, size;
    uint64_t acquired, rejected_busy, timeouts, errors, reconnects;
} wz_db_pool_stats_t;

typedef void (*wz_db_acquire_cb)(wz_db_conn_t *conn, int err, void *data);
typedef void (*wz_db_exec_cb)(wz_db_conn_t *conn, const wz_db_result_t *res, const wz_db_error_t *err, void *data);
typedef void (*wz_db_run_cb)(const wz_db_result_t *res, const wz_db_error_t *err, void *data);

/** Creates a pool and starts connecting its connections (options are copied). */
wz_db_pool_t *wz_db_pool_create(uv_loop_t *loop, const wz_db_options_t *opts);
/** Fails waiters and running statements (ECLOSED), closes connections as they come back, then
 * calls on_closed. The memory stays valid (other threads may still read its stats) until
 * wz_db_pool_free. */
void wz_db_pool_close(wz_db_pool_t *pool, void (*on_closed)(void *), void *data);
/** Frees a pool after on_closed has run and no thread reads its stats any more. */
void wz_db_pool_free(wz_db_pool_t *pool);
/** Copies the pool's gauges; safe from any thread. */
void wz_db_pool_get_stats(wz_db_pool_t *pool, wz_db_pool_stats_t *out);
/** Number of connections that are up (idle or in use). */
unsigned wz_db_pool_alive(wz_db_pool_t *pool);

/** Asks for a connection. Returns 0 when cb will be (or already was) called, or a negative
 * WZ_DB_E* code at once (queue full, server down, closing) when it will not. */
int wz_db_acquire(wz_db_pool_t *pool, wz_db_acquire_cb cb, void *data);
/** Runs one prepared statement (cached per connection); its text and parameters are copied. */
void wz_db_exec(wz_db_conn_t *conn, const char *sql, const wz_db_value_t *params, size_t nparams, wz_db_exec_cb cb,
                void *data);
/** Runs a statement through the text protocol (START TRANSACTION, COMMIT, ROLLBACK, SET ...). */
void wz_db_query(wz_db_conn_t *conn, const char *sql, wz_db_exec_cb cb, void *data);
/** Gives the connection back; an open transaction is rolled back first. */
void wz_db_release(wz_db_conn_t *conn);
/** acquire + exec + release in one call (the text and parameters are copied). Returns 0, or a
 * WZ_DB_E* code if cb will not be called. */
int wz_db_run(wz_db_pool_t *pool, const char *sql, const wz_db_value_t *params, size_t nparams, wz_db_run_cb cb,
              void *data);

/** Cell accessors (row, col are checked by assert). */
const wz_db_value_t *wz_db_cell(const wz_db_result_t *res, size_t row, size_t col);
/** An integer cell (a numeric text is converted; NULL is 0). */
long long wz_db_cell_int(const wz_db_result_t *res, size_t row, size_t col);
/** A text cell and its length ("" and 0 for NULL or a number). */
const char *wz_db_cell_text(const wz_db_result_t *res, size_t row, size_t col, size_t *len);
/** True for errors that a retry of the whole transaction may cure: deadlock, lock wait, a
 * Galera certification failure (1213), and a Galera node that refused the statement unrun (1047). */
int wz_db_error_is_retryable(const wz_db_error_t *err);
/** True when the retry must run on another connection: the node refused it (1047; the
 * connection reconnects on release). */
int wz_db_error_needs_new_conn(const wz_db_error_t *err);
/** True when the connection was lost (the server rolled back whatever was open on it). */
int wz_db_error_is_connection_lost(const wz_db_error_t *err);
#define WZ_DB_RETRY_PAUSE_BASE_MS 5
/** A random pause before retry number attempt+1 (attempt 1 = after the first try): up to
 * 5 ms after the first, doubling per attempt, so writers that collided spread out. */
unsigned wz_db_retry_pause_ms(int attempt);
/** The loop the pool belongs to (for timers of its callers). */
uv_loop_t *wz_db_pool_loop(wz_db_pool_t *pool);
/** A short name for a WZ_DB_E* code. */
const char *wz_db_strerror(int code);

#endif
