/* Transactions with retry against the real test MariaDB: a real deadlock between two
 * transactions resolves by retrying the victim from its first step; a non-retryable error
 * reaches the step, which rolls back; nothing of a failed transaction is left behind; a
 * statement refused unrun (Galera's 1047, raised here with SIGNAL) and a connection killed
 * before COMMIT are retried on another connection, once; a claim at READ COMMITTED does not
 * lock the gap past its last row. */
#include "db/txn.h"
#include "../unit/check.h"
#include "db_env.h"
#include <stdlib.h>

static uv_loop_t loop;
static wz_db_pool_t *pool;

typedef struct {
    long long first_row, second_row;
    int done, at_barrier;
    wz_db_error_t err;
    int failed;
    int attempts;
} job_t;

static job_t jobs[2];
static int barrier;
static wz_db_txn_t *parked[2];

static void on_done(void *data, const wz_db_error_t *err)
{
    job_t *j = data;
    j->done = 1;
    if (err != NULL) {
        j->failed = 1;
        j->err = *err;
    }
}

static void step_committed(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    wz_db_txn_commit(txn);
}

static void go_second(wz_db_txn_t *txn)
{
    job_t *j = wz_db_txn_data(txn);
    wz_db_value_t id = WZ_DB_INT(j->second_row);
    wz_db_txn_exec(txn, "UPDATE t_txn SET v = v + 1 WHERE id = ?", &id, 1, step_committed);
}

static void step_locked_first(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    job_t *j = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    j->attempts = wz_db_txn_attempt(txn);
    if (j->attempts > 1) { /* a retry: the other transaction is done or waiting; just go on */
        go_second(txn);
        return;
    }
    /* first attempt: wait until both hold their first row, then cross over: a deadlock */
    parked[j - jobs] = txn;
    if (++barrier == 2) {
        go_second(parked[0]);
        go_second(parked[1]);
    }
}

static void step_first(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    job_t *j = wz_db_txn_data(txn);
    wz_db_value_t id = WZ_DB_INT(j->first_row);
    wz_db_txn_exec(txn, "SELECT v FROM t_txn WHERE id = ? FOR UPDATE", &id, 1, step_locked_first);
}

static int simple_done;
static long long scalar;
static void on_simple(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    (void)data;
    simple_done = 1;
    CHECK(err == NULL);
    if (err != NULL)
        fprintf(stderr, "%s\n", err->message);
    if (res != NULL && res->nrows == 1 && res->ncols == 1 && wz_db_cell(res, 0, 0)->type == WZ_DB_T_INT)
        scalar = wz_db_cell(res, 0, 0)->u.i;
}

static void run_sql(const char *sql)
{
    simple_done = 0;
    scalar = -1;
    CHECK_INT(wz_db_run(pool, sql, NULL, 0, on_simple, NULL), 0);
    while (!simple_done)
        uv_run(&loop, UV_RUN_ONCE);
}

static void test_deadlock_is_retried(void)
{
    run_sql("DROP TABLE IF EXISTS t_txn");
    run_sql("CREATE TABLE t_txn (id BIGINT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB");
    run_sql("INSERT INTO t_txn VALUES (1, 0), (2, 0)");
    memset(jobs, 0, sizeof(jobs));
    barrier = 0;
    jobs[0].first_row = 1;
    jobs[0].second_row = 2;
    jobs[1].first_row = 2;
    jobs[1].second_row = 1;
    CHECK_INT(wz_db_txn_begin(pool, step_first, on_done, &jobs[0]), 0);
    CHECK_INT(wz_db_txn_begin(pool, step_first, on_done, &jobs[1]), 0);
    while (!jobs[0].done || !jobs[1].done)
        uv_run(&loop, UV_RUN_ONCE);
    CHECK(!jobs[0].failed);
    CHECK(!jobs[1].failed);
    /* exactly one was the deadlock victim and ran twice */
    CHECK_INT(jobs[0].attempts + jobs[1].attempts, 3);
    run_sql("SELECT CAST(SUM(v) AS SIGNED) FROM t_txn");
    CHECK_INT(scalar, 2);
    run_sql("SELECT CAST(v AS SIGNED) FROM t_txn WHERE id = 1");
    CHECK_INT(scalar, 1);
}

static void step_dup_handled(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    job_t *j = wz_db_txn_data(txn);
    j->attempts = wz_db_txn_attempt(txn);
    CHECK(err != NULL && err->mysql_errno == 1062);
    wz_db_txn_fail(txn, err); /* the step decides: roll back everything */
}

static void step_dup_insert(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    CHECK(err == NULL);
    wz_db_value_t p[] = {WZ_DB_INT(1), WZ_DB_INT(5)};
    wz_db_txn_exec(txn, "INSERT INTO t_txn (id, v) VALUES (?, ?)", p, 2, step_dup_handled);
}

static void step_dup_first(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    wz_db_value_t p[] = {WZ_DB_INT(3), WZ_DB_INT(7)};
    wz_db_txn_exec(txn, "INSERT INTO t_txn (id, v) VALUES (?, ?)", p, 2, step_dup_insert);
}

static void test_error_rolls_back(void)
{
    memset(jobs, 0, sizeof(jobs));
    CHECK_INT(wz_db_txn_begin(pool, step_dup_first, on_done, &jobs[0]), 0);
    while (!jobs[0].done)
        uv_run(&loop, UV_RUN_ONCE);
    CHECK(jobs[0].failed);
    CHECK_INT(jobs[0].err.mysql_errno, 1062);
    CHECK_INT(jobs[0].attempts, 1); /* a duplicate key is not retried */
    run_sql("SELECT CAST(COUNT(*) AS SIGNED) FROM t_txn WHERE id = 3");
    CHECK_INT(scalar, 0); /* the first insert went with the rollback */
    wz_db_pool_stats_t st;
    wz_db_pool_get_stats(pool, &st);
    CHECK_INT(st.in_use, 0);
}

/* ---- a statement refused unrun (a leaving Galera node answers 1047): retried elsewhere ---- */

static long long conn_ids[4];

static void step_refused_insert(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    CHECK(err == NULL);
    wz_db_txn_commit(txn);
}

static void step_refused_conn(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    job_t *j = wz_db_txn_data(txn);
    CHECK(err == NULL && res != NULL && res->nrows == 1);
    j->attempts = wz_db_txn_attempt(txn);
    conn_ids[j->attempts] = wz_db_cell_int(res, 0, 0);
    if (j->attempts == 1) { /* what wsrep answers to everything on a node outside the primary component */
        wz_db_txn_exec(txn, "SIGNAL SQLSTATE 'HY000' SET MYSQL_ERRNO = 1047, MESSAGE_TEXT = 'WSREP has not yet prepared node for application use'",
                       NULL, 0, step_refused_insert);
        return;
    }
    wz_db_value_t p[] = {WZ_DB_INT(20), WZ_DB_INT(1)};
    wz_db_txn_exec(txn, "INSERT INTO t_txn (id, v) VALUES (?, ?)", p, 2, step_refused_insert);
}

static void step_refused_first(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    wz_db_txn_exec(txn, "SELECT CONNECTION_ID()", NULL, 0, step_refused_conn);
}

static void test_refused_statement_is_retried_on_another_connection(void)
{
    memset(jobs, 0, sizeof(jobs));
    memset(conn_ids, 0, sizeof(conn_ids));
    wz_db_pool_stats_t before, after;
    wz_db_pool_get_stats(pool, &before);
    CHECK_INT(wz_db_txn_begin(pool, step_refused_first, on_done, &jobs[0]), 0);
    while (!jobs[0].done)
        uv_run(&loop, UV_RUN_ONCE);
    CHECK(!jobs[0].failed);
    CHECK_INT(jobs[0].attempts, 2);
    CHECK(conn_ids[1] != 0 && conn_ids[2] != 0 && conn_ids[1] != conn_ids[2]);
    run_sql("SELECT CAST(COUNT(*) AS SIGNED) FROM t_txn WHERE id = 20");
    CHECK_INT(scalar, 1);
    /* the refused connection is not handed out again: it reconnects */
    while (wz_db_pool_alive(pool) < 3)
        uv_run(&loop, UV_RUN_ONCE);
    wz_db_pool_get_stats(pool, &after);
    CHECK(after.reconnects > before.reconnects);
    CHECK_INT(after.in_use, 0);
}

/* ---- a connection lost before COMMIT: the server rolled back; retried on another ---- */

static wz_db_txn_t *killed_txn;

static void step_lost_done(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    CHECK(err == NULL); /* only the retry gets here: the first attempt's connection is gone */
    wz_db_txn_commit(txn);
}

static void step_lost_update(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    CHECK(err == NULL);
    wz_db_value_t id = WZ_DB_INT(30);
    wz_db_txn_exec(txn, "UPDATE t_txn SET v = v + 1 WHERE id = ?", &id, 1, step_lost_done);
}

static void on_killed(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    (void)res;
    (void)data;
    CHECK(err == NULL);
    /* the next statement of the first attempt meets a dead connection */
    wz_db_value_t id = WZ_DB_INT(30);
    wz_db_txn_exec(killed_txn, "UPDATE t_txn SET v = v + 1 WHERE id = ?", &id, 1, step_lost_done);
}

static void step_lost_conn(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    job_t *j = wz_db_txn_data(txn);
    CHECK(err == NULL && res != NULL && res->nrows == 1);
    j->attempts = wz_db_txn_attempt(txn);
    conn_ids[j->attempts] = wz_db_cell_int(res, 0, 0);
    if (j->attempts == 1) {
        killed_txn = txn;
        wz_db_value_t id = WZ_DB_INT(conn_ids[1]);
        CHECK_INT(wz_db_run(pool, "KILL CONNECTION ?", &id, 1, on_killed, NULL), 0);
        return;
    }
    step_lost_update(txn, NULL, NULL);
}

static void step_lost_inserted(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    CHECK(err == NULL); /* a 1062 here would mean the first attempt's insert survived */
    wz_db_txn_exec(txn, "SELECT CONNECTION_ID()", NULL, 0, step_lost_conn);
}

static void step_lost_first(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    wz_db_value_t p[] = {WZ_DB_INT(30), WZ_DB_INT(0)};
    wz_db_txn_exec(txn, "INSERT INTO t_txn (id, v) VALUES (?, ?)", p, 2, step_lost_inserted);
}

static void test_connection_lost_before_commit_is_retried(void)
{
    memset(jobs, 0, sizeof(jobs));
    memset(conn_ids, 0, sizeof(conn_ids));
    CHECK_INT(wz_db_txn_begin(pool, step_lost_first, on_done, &jobs[0]), 0);
    while (!jobs[0].done)
        uv_run(&loop, UV_RUN_ONCE);
    CHECK(!jobs[0].failed);
    if (jobs[0].failed)
        fprintf(stderr, "%s\n", jobs[0].err.message);
    CHECK_INT(jobs[0].attempts, 2);
    CHECK(conn_ids[1] != conn_ids[2]);
    run_sql("SELECT CAST(v AS SIGNED) FROM t_txn WHERE id = 30");
    CHECK_INT(scalar, 1); /* once: the first attempt's insert went with its connection */
}

static void test_retry_pause_is_jittered_and_grows(void)
{
    unsigned lo[4] = {~0u, ~0u, ~0u, ~0u}, hi[4] = {0};
    for (int attempt = 1; attempt <= 3; attempt++)
        for (int i = 0; i < 2000; i++) {
            unsigned ms = wz_db_retry_pause_ms(attempt);
            lo[attempt] = ms < lo[attempt] ? ms : lo[attempt];
            hi[attempt] = ms > hi[attempt] ? ms : hi[attempt];
        }
    CHECK(lo[1] >= 1 && hi[1] <= WZ_DB_RETRY_PAUSE_BASE_MS);
    CHECK(hi[2] <= 2 * WZ_DB_RETRY_PAUSE_BASE_MS && hi[2] > WZ_DB_RETRY_PAUSE_BASE_MS);
    CHECK(hi[3] <= 4 * WZ_DB_RETRY_PAUSE_BASE_MS && hi[3] > 2 * WZ_DB_RETRY_PAUSE_BASE_MS);
    CHECK(lo[3] < 2 * WZ_DB_RETRY_PAUSE_BASE_MS); /* spread over the window, not fixed */
}

/* ---- a job's claim at READ COMMITTED leaves inserts past its last row free ---- */

static wz_db_error_t claim_insert_err;
static int claim_insert_failed;

/* the insert is answered (or timed out): only now does the claiming transaction commit */
static void on_claim_insert(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    (void)res;
    claim_insert_failed = err != NULL;
    if (err != NULL)
        claim_insert_err = *err;
    wz_db_txn_commit(data);
}

/* With the claim's locks held, another connection marks a new row past the end of the index
 * (what an intake's trigger does to stats_dirty), waiting at most one second for a lock. */
static void step_claimed(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    job_t *j = wz_db_txn_data(txn);
    CHECK(err == NULL && res != NULL);
    j->first_row = res != NULL ? (long long)res->nrows : -1;
    claim_insert_failed = 0;
    wz_db_value_t id = WZ_DB_INT(j->second_row);
    CHECK_INT(wz_db_run(pool,
                        "SET STATEMENT innodb_lock_wait_timeout = 1 FOR "
                        "INSERT INTO t_claim (id) VALUES (?) ON DUPLICATE KEY UPDATE n = n + 1",
                        &id, 1, on_claim_insert, txn),
              0);
}

static void step_claim_first(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    wz_db_txn_exec(txn, "SELECT id FROM t_claim ORDER BY id LIMIT 10 FOR UPDATE SKIP LOCKED", NULL, 0,
                   step_claimed);
}

static void claim_then_insert(int read_committed, long long new_id)
{
    memset(jobs, 0, sizeof(jobs));
    jobs[0].second_row = new_id;
    int ret = read_committed ? wz_db_txn_begin_read_committed(pool, step_claim_first, on_done, &jobs[0])
                             : wz_db_txn_begin(pool, step_claim_first, on_done, &jobs[0]);
    CHECK_INT(ret, 0);
    while (!jobs[0].done)
        uv_run(&loop, UV_RUN_ONCE);
    CHECK(!jobs[0].failed);
    CHECK_INT(jobs[0].first_row, 3); /* all three rows claimed: the scan reached the end */
}

static void test_read_committed_claim_leaves_inserts_free(void)
{
    run_sql("DROP TABLE IF EXISTS t_claim");
    run_sql("CREATE TABLE t_claim (id BIGINT PRIMARY KEY, n INT NOT NULL DEFAULT 0) ENGINE=InnoDB");
    run_sql("INSERT INTO t_claim (id) VALUES (1), (2), (3)");
    /* the default level locks the gap after the last row: the insert times out (1205) */
    claim_then_insert(0, 100);
    CHECK(claim_insert_failed);
    CHECK_INT(claim_insert_err.mysql_errno, 1205);
    claim_then_insert(1, 101);
    CHECK(!claim_insert_failed);
    run_sql("SELECT CAST(COUNT(*) AS SIGNED) FROM t_claim WHERE id = 101");
    CHECK_INT(scalar, 1);
    /* the level was for that transaction only: the connections are back at the default */
    run_sql("SELECT CAST(@@SESSION.tx_isolation = 'REPEATABLE-READ' AS SIGNED)");
    CHECK_INT(scalar, 1);
}

static void on_closed(void *data)
{
    (void)data;
}

int main(void)
{
    wz_db_options_t o;
    if (test_db_options(&o) != 0)
        return 1;
    o.pool_size = 3;
    uv_loop_init(&loop);
    pool = wz_db_pool_create(&loop, &o);
    RUN(test_deadlock_is_retried);
    RUN(test_error_rolls_back);
    RUN(test_refused_statement_is_retried_on_another_connection);
    RUN(test_connection_lost_before_commit_is_retried);
    RUN(test_retry_pause_is_jittered_and_grows);
    RUN(test_read_committed_claim_leaves_inserts_free);
    wz_db_pool_close(pool, on_closed, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    wz_db_pool_free(pool);
    CHECK_INT(uv_loop_close(&loop), 0);
    return CHECK_DONE();
}
