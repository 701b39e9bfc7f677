#ifndef WZ_DB_INTERNAL_H
#define WZ_DB_INTERNAL_H
/* Shared between pool.c (who gets a connection) and conn.c (driving one connection). */
#include "db/db.h"
#include <mysql.h>
#include <stdatomic.h>

#define WZ_DB_STMT_CACHE 256 /* prepared statements kept per connection */

typedef enum {
    CONN_CONNECTING,  /* a connect is in progress */
    CONN_IDLE,        /* up, in the pool's idle list */
    CONN_CHECKED_OUT, /* owned by a caller */
    CONN_BACKOFF,     /* down, waiting to reconnect */
    CONN_SHUTDOWN,    /* the pool is closing: never reconnects */
} conn_state_t;

typedef struct {
    char *sql;
    MYSQL_STMT *stmt;
} stmt_entry_t;

struct wz_db_conn {
    wz_db_pool_t *pool;
    MYSQL *mysql;
    uv_poll_t *poll; /* allocated per socket: it is closed asynchronously with its MYSQL */
    uv_timer_t io_timer;       /* MYSQL_WAIT_TIMEOUT from the client library */
    uv_timer_t deadline_timer; /* deadline of the operation, or the reconnect backoff */
    conn_state_t state;
    int broken;   /* lost while checked out: reconnect on release */
    int busy;     /* an operation is running */
    int releasing; /* rollback-on-release is running */
    unsigned backoff_ms;
    void (*step)(wz_db_conn_t *conn, int status);

    /* the running operation */
    const char *sql; /* sql_own, a cached statement's text or (text protocol) the caller's */
    char *sql_own;   /* a copy of a statement's text until it is cached: the caller's may be gone */
    MYSQL_STMT *stmt;
    int stmt_cached;
    wz_db_value_t *params;
    size_t nparams;
    char *param_text;
    MYSQL_BIND *binds;
    wz_db_exec_cb cb;
    void *cb_data;
    wz_db_error_t error;

    stmt_entry_t stmts[WZ_DB_STMT_CACHE];
    size_t nstmts;

    wz_db_conn_t *next_idle;
    int connected_once;
};

typedef struct {
    wz_db_acquire_cb cb;
    void *data;
    uint64_t deadline; /* uv_now-based */
} waiter_t;

struct wz_db_pool {
    uv_loop_t *loop;
    wz_db_options_t opts;
    char *strings[6]; /* owned copies of the option strings */
    wz_db_conn_t *conns;
    wz_db_conn_t *idle;
    waiter_t *waiters; /* ring of opts.queue_max */
    size_t wait_head, wait_len;
    uv_timer_t wait_timer;
    int closing, closed;
    unsigned open_handles; /* uv handles still to be closed before the pool can be freed */
    void (*on_closed)(void *);
    void *on_closed_data;

    _Atomic unsigned st_in_use, st_waiting, st_alive;
    _Atomic uint64_t st_acquired, st_rejected_busy, st_timeouts, st_errors, st_reconnects;
};

/* conn.c */
/* Deep-copies parameters: values into *out, their text into one *text buffer (both malloc'd). */
void wz_db__params_copy(const wz_db_value_t *src, size_t n, wz_db_value_t **out, char **text);
void wz_db__conn_init(wz_db_pool_t *pool, wz_db_conn_t *conn);
void wz_db__conn_connect(wz_db_conn_t *conn);
void wz_db__conn_shutdown(wz_db_conn_t *conn);
/* Fails a running statement with ECLOSED and drops the connection (the pool is closing). */
void wz_db__conn_abort(wz_db_conn_t *conn);
void wz_db__conn_watch_idle(wz_db_conn_t *conn);
void wz_db__conn_unwatch_idle(wz_db_conn_t *conn);

/* pool.c: called by conn.c */
void wz_db__pool_conn_up(wz_db_pool_t *pool, wz_db_conn_t *conn);   /* connected or released */
void wz_db__pool_conn_down(wz_db_pool_t *pool, wz_db_conn_t *conn); /* entered backoff */
void wz_db__pool_remove_idle(wz_db_pool_t *pool, wz_db_conn_t *conn);

#endif
