#ifndef WZ_DB_TXN_H
#define WZ_DB_TXN_H
/* A transaction as a chain of steps, retried from its first step when the server reports a
 * deadlock, a lock-wait timeout or a Galera certification failure (design.md: bounded retries).
 *
 *   begin -> START TRANSACTION -> first(txn, NULL, NULL)
 *   a step calls wz_db_txn_exec(txn, sql, params, n, next) ... and finally wz_db_txn_commit
 *   or wz_db_txn_fail; on_done then reports the outcome once.
 *
 * Steps must keep their effects inside the transaction (they may run again after a retry):
 * anything that outlives it goes through the outbox table in the same transaction. A step gets
 * err != NULL only for non-retryable statement errors (e.g. a duplicate key); it decides. */
#include "db/db.h"

typedef struct wz_db_txn wz_db_txn_t;
typedef void (*wz_db_txn_step_fn)(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err);
/** The outcome: err NULL after a commit, else why it failed (after the rollback). */
typedef void (*wz_db_txn_done_fn)(void *data, const wz_db_error_t *err);

#define WZ_DB_TXN_MAX_ATTEMPTS 4

/** Starts a transaction on the pool. Returns 0, or a WZ_DB_E* code (and calls nothing) when no
 * connection can be had at once (queue full, database down). */
int wz_db_txn_begin(wz_db_pool_t *pool, wz_db_txn_step_fn first, wz_db_txn_done_fn on_done, void *data);
/** The same at READ COMMITTED, for background jobs that claim rows with
 * `... ORDER BY ... LIMIT n FOR UPDATE SKIP LOCKED`. At the default REPEATABLE READ such a scan
 * also locks the gaps it passed and, when it reaches the end of the index, the gap after the last
 * row: every insert past it (each intake's stats mark, its timers) then waits until the job
 * commits, however long its batch takes. READ COMMITTED locks only the rows claimed. */
int wz_db_txn_begin_read_committed(wz_db_pool_t *pool, wz_db_txn_step_fn first, wz_db_txn_done_fn on_done,
                                   void *data);
/** Runs a statement in the transaction; next gets its result. */
void wz_db_txn_exec(wz_db_txn_t *txn, const char *sql, const wz_db_value_t *params, size_t nparams,
                    wz_db_txn_step_fn next);
/** Commits; on_done(data, NULL) after success. */
void wz_db_txn_commit(wz_db_txn_t *txn);
/** Rolls back and reports err (copied) through on_done. */
void wz_db_txn_fail(wz_db_txn_t *txn, const wz_db_error_t *err);
/** The caller's data pointer. */
void *wz_db_txn_data(wz_db_txn_t *txn);
/** Which attempt is running (1 = the first). */
int wz_db_txn_attempt(wz_db_txn_t *txn);

#endif
