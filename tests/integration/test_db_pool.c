/* The non-blocking pool against the real test MariaDB (ops/test starts it and exports
 * WZ_TEST_DB_SOCKET, WZ_TEST_DB_NAME, WZ_TEST_DB_USER, WZ_TEST_DB_PASSWORD). Each step runs
 * the loop until its callback has fired, so the test reads top to bottom. */
#include "db/db.h"
#include "../unit/check.h"
#include "db_env.h"
#include <stdlib.h>
#include <string.h>

static uv_loop_t loop;
static wz_db_pool_t *pool;
static int done, last_code, acquire_calls;
static unsigned last_errno;
static wz_db_conn_t *acquired[8];
static int acquire_codes[8];
static unsigned long long last_affected, last_insert_id;
static size_t last_rows;
static char cell_text[8][256];
static wz_db_value_t cell_val[8];

static void on_exec(wz_db_conn_t *conn, const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    (void)conn;
    (void)data;
    done = 1;
    last_code = err ? err->code : 0;
    last_errno = err ? err->mysql_errno : 0;
    if (res == NULL)
        return;
    last_affected = res->affected_rows;
    last_insert_id = res->insert_id;
    last_rows = res->nrows;
    for (size_t c = 0; res->nrows > 0 && c < res->ncols && c < 8; c++) {
        cell_val[c] = *wz_db_cell(res, 0, c);
        if (cell_val[c].type == WZ_DB_T_TEXT)
            snprintf(cell_text[c], sizeof(cell_text[c]), "%s", cell_val[c].u.s.p);
    }
}

static void run_until_done(void)
{
    while (!done)
        uv_run(&loop, UV_RUN_ONCE);
}

static void exec_sync(wz_db_conn_t *conn, const char *sql, const wz_db_value_t *p, size_t n)
{
    done = 0;
    wz_db_exec(conn, sql, p, n, on_exec, NULL);
    run_until_done();
}

static void query_sync(wz_db_conn_t *conn, const char *sql)
{
    done = 0;
    wz_db_query(conn, sql, on_exec, NULL);
    run_until_done();
}

static void on_acquire(wz_db_conn_t *conn, int code, void *data)
{
    int slot = (int)(intptr_t)data;
    acquired[slot] = conn;
    acquire_codes[slot] = code;
    acquire_calls++;
}

static wz_db_conn_t *acquire_sync(void)
{
    int before = acquire_calls;
    acquired[0] = NULL;
    int r = wz_db_acquire(pool, on_acquire, (void *)(intptr_t)0);
    if (r != 0)
        return NULL;
    while (acquire_calls == before)
        uv_run(&loop, UV_RUN_ONCE);
    return acquire_codes[0] == 0 ? acquired[0] : NULL;
}

static void on_wait_tick(uv_timer_t *t)
{
    (void)t;
}

static void wait_alive(unsigned want)
{
    uv_timer_t tick;
    uv_timer_init(&loop, &tick);
    uv_timer_start(&tick, on_wait_tick, 10, 10);
    uint64_t deadline = uv_now(&loop) + 10000;
    while (wz_db_pool_alive(pool) < want && uv_now(&loop) < deadline)
        uv_run(&loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&tick, NULL);
    uv_run(&loop, UV_RUN_NOWAIT);
}

static void test_roundtrip(void)
{
    wz_db_conn_t *c = acquire_sync();
    CHECK(c != NULL);
    if (c == NULL)
        return;
    query_sync(c, "DROP TABLE IF EXISTS t_pool");
    query_sync(c, "CREATE TABLE t_pool (id BIGINT AUTO_INCREMENT PRIMARY KEY, s VARCHAR(100) NOT NULL, n BIGINT, "
                  "d DOUBLE, x TEXT NULL, at DATETIME(6) NULL) ENGINE=InnoDB");
    CHECK_INT(last_code, 0);
    /* 4-byte UTF-8 (emoji, rare hanzi) must survive: a latin1 server would store '?' */
    const char *text = "问政😀𠮷";
    wz_db_value_t p[] = {WZ_DB_TEXT(text), WZ_DB_INT(-9007199254740993LL), WZ_DB_DOUBLE(0.925), WZ_DB_NULL(),
                         WZ_DB_TEXT("2026-02-14 09:30:00.123456")};
    exec_sync(c, "INSERT INTO t_pool (s, n, d, x, at) VALUES (?, ?, ?, ?, ?)", p, 5);
    CHECK_INT(last_code, 0);
    CHECK_INT(last_affected, 1);
    CHECK(last_insert_id > 0);
    wz_db_value_t id = WZ_DB_INT(last_insert_id);
    exec_sync(c, "SELECT s, n, d, x, at, CAST(LENGTH(s) AS SIGNED) FROM t_pool WHERE id = ?", &id, 1);
    CHECK_INT(last_code, 0);
    CHECK_INT(last_rows, 1);
    CHECK(cell_val[0].type == WZ_DB_T_TEXT);
    CHECK_STR(cell_text[0], text);
    CHECK(cell_val[1].type == WZ_DB_T_INT && cell_val[1].u.i == -9007199254740993LL);
    CHECK(cell_val[2].type == WZ_DB_T_DOUBLE && cell_val[2].u.d == 0.925);
    CHECK(cell_val[3].type == WZ_DB_T_NULL);
    CHECK_STR(cell_text[4], "2026-02-14 09:30:00.123456");
    CHECK(cell_val[5].type == WZ_DB_T_INT && cell_val[5].u.i == (long long)strlen(text));
    /* the cached statement runs again with other parameters */
    wz_db_value_t none = WZ_DB_INT(-1);
    exec_sync(c, "SELECT s, n, d, x, at, CAST(LENGTH(s) AS SIGNED) FROM t_pool WHERE id = ?", &none, 1);
    CHECK_INT(last_rows, 0);
    wz_db_release(c);
}

static void test_errors(void)
{
    wz_db_conn_t *c = acquire_sync();
    CHECK(c != NULL);
    if (c == NULL)
        return;
    exec_sync(c, "SELECT * FROM no_such_table", NULL, 0);
    CHECK_INT(last_code, WZ_DB_ESQL);
    CHECK_INT(last_errno, 1146);
    wz_db_value_t p = WZ_DB_INT(1);
    exec_sync(c, "SELECT ?, ?", &p, 1);
    CHECK_INT(last_code, WZ_DB_EUSAGE);
    wz_db_value_t dup[] = {WZ_DB_INT(1), WZ_DB_TEXT("x")};
    exec_sync(c, "INSERT INTO t_pool (id, s) VALUES (?, ?)", dup, 2);
    exec_sync(c, "INSERT INTO t_pool (id, s) VALUES (?, ?)", dup, 2);
    CHECK_INT(last_code, WZ_DB_ESQL);
    CHECK_INT(last_errno, 1062); /* duplicate key: how idempotent writes find the first one */
    /* the connection is still good after statement errors */
    exec_sync(c, "SELECT 1", NULL, 0);
    CHECK_INT(last_code, 0);
    wz_db_release(c);
}

static void test_backpressure(void)
{
    /* pool of 2, queue of 2: hold both, queue two, the fifth is refused at once */
    memset(acquire_codes, 0x7f, sizeof(acquire_codes));
    for (int i = 1; i <= 2; i++)
        CHECK_INT(wz_db_acquire(pool, on_acquire, (void *)(intptr_t)i), 0);
    CHECK(acquired[1] != NULL && acquired[2] != NULL);
    CHECK_INT(wz_db_acquire(pool, on_acquire, (void *)(intptr_t)3), 0);
    CHECK_INT(wz_db_acquire(pool, on_acquire, (void *)(intptr_t)4), 0);
    CHECK_INT(wz_db_acquire(pool, on_acquire, (void *)(intptr_t)5), WZ_DB_EBUSY);
    wz_db_pool_stats_t st;
    wz_db_pool_get_stats(pool, &st);
    CHECK_INT(st.in_use, 2);
    CHECK_INT(st.waiting, 2);
    CHECK(st.rejected_busy >= 1);
    /* nobody releases: the waiters time out (acquire_timeout_ms = 300) */
    int before = acquire_calls;
    while (acquire_calls < before + 2)
        uv_run(&loop, UV_RUN_ONCE);
    CHECK_INT(acquire_codes[3], WZ_DB_ETIMEDOUT);
    CHECK_INT(acquire_codes[4], WZ_DB_ETIMEDOUT);
    /* a released connection goes to the next waiter first */
    CHECK_INT(wz_db_acquire(pool, on_acquire, (void *)(intptr_t)6), 0);
    wz_db_release(acquired[1]);
    CHECK(acquired[6] == acquired[1]);
    wz_db_release(acquired[6]);
    wz_db_release(acquired[2]);
    wz_db_pool_get_stats(pool, &st);
    CHECK_INT(st.in_use, 0);
    CHECK_INT(st.waiting, 0);
}

static void on_run(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    on_exec(NULL, res, err, data);
}

/* A statement's text may live on its caller's stack (open311 builds its IN (?, ?) list there):
 * the pool must not read it after the call returns, neither a queued wz_db_run nor a prepare
 * that completes later. The callers' buffers are trashed and freed right after each call. */
static void test_text_is_copied(void)
{
    static const char sql[] = "SELECT 'copied', CAST(? AS SIGNED) + 1";
    wz_db_value_t p = WZ_DB_INT(41);
    memset(acquired, 0, sizeof(acquired));
    for (int i = 1; i <= 2; i++) /* both connections held: the run has to wait */
        CHECK_INT(wz_db_acquire(pool, on_acquire, (void *)(intptr_t)i), 0);
    CHECK(acquired[1] != NULL && acquired[2] != NULL);
    char *text = strdup(sql);
    done = 0;
    CHECK_INT(wz_db_run(pool, text, &p, 1, on_run, NULL), 0);
    memset(text, 'x', sizeof(sql) - 1);
    free(text);
    wz_db_release(acquired[1]);
    run_until_done();
    CHECK_INT(last_code, 0);
    CHECK_STR(cell_text[0], "copied");
    CHECK(cell_val[1].type == WZ_DB_T_INT && cell_val[1].u.i == 42);
    /* a new statement on a held connection: the prepare completes after wz_db_exec returned */
    static const char sql2[] = "SELECT 'copied too', CAST(? AS SIGNED) * 2";
    for (int round = 0; round < 2; round++) { /* the second time from the statement cache */
        text = strdup(sql2);
        done = 0;
        wz_db_exec(acquired[2], text, &p, 1, on_exec, NULL);
        memset(text, 'x', sizeof(sql2) - 1);
        free(text);
        run_until_done();
        CHECK_INT(last_code, 0);
        CHECK_STR(cell_text[0], "copied too");
        CHECK(cell_val[1].type == WZ_DB_T_INT && cell_val[1].u.i == 82);
    }
    wz_db_release(acquired[2]);
}

static void test_statement_timeout(void)
{
    wz_db_conn_t *c = acquire_sync();
    CHECK(c != NULL);
    if (c == NULL)
        return;
    /* query_timeout_ms = 1000: the server's max_statement_time (0.9 s) stops it first */
    exec_sync(c, "SELECT SLEEP(3) FROM t_pool LIMIT 1", NULL, 0);
    CHECK_INT(last_code, WZ_DB_ETIMEDOUT);
    exec_sync(c, "SELECT 1", NULL, 0);
    CHECK_INT(last_code, 0);
    wz_db_release(c);
}

static void test_rollback_on_release(void)
{
    wz_db_conn_t *c = acquire_sync();
    if (c == NULL) {
        CHECK(0);
        return;
    }
    exec_sync(c, "SELECT CAST(COUNT(*) AS SIGNED) FROM t_pool", NULL, 0);
    long long before = cell_val[0].u.i;
    query_sync(c, "START TRANSACTION");
    wz_db_value_t p = WZ_DB_TEXT("uncommitted");
    exec_sync(c, "INSERT INTO t_pool (s) VALUES (?)", &p, 1);
    CHECK_INT(last_code, 0);
    wz_db_release(c); /* without COMMIT: the pool must roll back before reuse */
    c = acquire_sync();
    CHECK(c != NULL);
    if (c == NULL)
        return;
    exec_sync(c, "SELECT CAST(COUNT(*) AS SIGNED) FROM t_pool", NULL, 0);
    CHECK_INT(cell_val[0].u.i, before);
    query_sync(c, "START TRANSACTION");
    exec_sync(c, "INSERT INTO t_pool (s) VALUES (?)", &p, 1);
    query_sync(c, "COMMIT");
    exec_sync(c, "SELECT CAST(COUNT(*) AS SIGNED) FROM t_pool", NULL, 0);
    CHECK_INT(cell_val[0].u.i, before + 1);
    wz_db_release(c);
}

static int closed_calls;
static void on_closed(void *data)
{
    (void)data;
    closed_calls++;
}

static void test_close(void)
{
    int slot_code = 0x7f;
    acquire_codes[7] = slot_code;
    wz_db_pool_close(pool, on_closed, NULL);
    CHECK_INT(wz_db_acquire(pool, on_acquire, (void *)(intptr_t)7), WZ_DB_ECLOSED);
    uv_run(&loop, UV_RUN_DEFAULT); /* returns only when every handle is closed */
    CHECK_INT(closed_calls, 1);
    CHECK_INT(uv_loop_close(&loop), 0);
    wz_db_pool_free(pool);
}

int main(void)
{
    wz_db_options_t o;
    if (test_db_options(&o) != 0)
        return 1;
    o.queue_max = 2;
    o.acquire_timeout_ms = 300;
    o.query_timeout_ms = 1000;
    uv_loop_init(&loop);
    pool = wz_db_pool_create(&loop, &o);
    wait_alive(2);
    CHECK_INT(wz_db_pool_alive(pool), 2);
    RUN(test_roundtrip);
    RUN(test_errors);
    RUN(test_backpressure);
    RUN(test_text_is_copied);
    RUN(test_statement_timeout);
    RUN(test_rollback_on_release);
    RUN(test_close);
    return CHECK_DONE();
}
