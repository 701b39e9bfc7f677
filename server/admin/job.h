#ifndef WZ_ADMIN_JOB_H
#define WZ_ADMIN_JOB_H
/* Running the admin endpoints: reads, and writes as one transaction each.
 *
 * A resource is a wz_table_t (admin/record.h) plus the few things only it knows, given as
 * hooks in wz_admin_ops_t; wz_admin_create / update / delete / get / list do the rest:
 *   403 unless the caller may (writes: admins; reads: ops->read_roles)
 *   422 for the body (wz_record_parse, or ops->parse)
 *   create: check hook -> INSERT -> after hook -> audit -> read back -> commit -> 201 {one: row}
 *   update: lock the row (404) -> check hook -> UPDATE -> after hook -> audit -> read back -> 200
 *   delete: in_use_sql (409 when it counts any) -> DELETE (404 when nothing went) -> audit -> 204
 *   the audit row (audit_log: the route's name, the caller, the body without secrets) is part of
 *   the same transaction
 *   a duplicate key is 409 conflict naming table->dup_field; a missing foreign row is 422
 *   naming table->fk_field; a row still in use (a foreign key from elsewhere) is 409 conflict.
 * Hooks run inside the transaction, may run statements with wz_db_txn_exec, and end with
 * wz_admin_next (go on) or wz_admin_refuse (roll back and answer an error). A deadlock retries
 * the whole transaction, hooks included; they keep their state in the job and reset it when
 * job->attempt_reset is called. */
#include "admin/record.h"
#include "db/txn.h"
#include "http/server.h"

typedef struct wz_admin_job wz_admin_job_t;
typedef void (*wz_admin_hook_fn)(wz_db_txn_t *txn, wz_admin_job_t *job);

typedef struct wz_admin_ops {
    wz_table_t *table;
    unsigned read_roles; /* bit (1 << role) for each role that may read; admins always may */
    /* turns the body into the record instead of wz_record_parse (resources whose JSON is not
     * their columns); 0 or -1 with e filled */
    int (*parse)(wz_admin_job_t *job, const json_t *body, wz_record_error_t *e);
    /* work to do before the transaction starts, off the loop if it is slow (hashing a password);
     * it ends by calling done(job, ok) on the loop */
    void (*prepare)(wz_admin_job_t *job, void (*done)(wz_admin_job_t *job, int ok));
    wz_admin_hook_fn check; /* before the write */
    wz_admin_hook_fn after; /* after the write, before the read-back */
    /* a filtered list: the SQL (table->sql_select + WHERE + ORDER BY, static) and its
     * parameters from the query string; 0, or -1 after answering 422 */
    const char *list_sql;
    int (*list_params)(wz_ctx_t *ctx, wz_db_value_t *params, size_t *n, char *buf, size_t buflen);
    /* delete: references without a foreign key (a routing rule's match_id): a COUNT(*) with the
     * id as its parameter, and who uses it, for the 409 */
    const char *in_use_sql, *in_use_by;
} wz_admin_ops_t;

#define WZ_ADMIN_SCRATCH 2

struct wz_admin_job {
    wz_ctx_t *ctx;
    const wz_admin_ops_t *ops;
    int creating;
    int64_t path_id; /* the row the path names (0 on create) */
    int64_t id;      /* the row written: path_id, or the row created */
    wz_record_t rec;
    json_t *before; /* update: the row as it was, locked */
    json_t *answer; /* the document to send */
    int status;     /* 200, 201 or 204 */
    int stage;
    int refused;
    wz_err_t refusal;
    const char *refusal_field;
    char refusal_msg[200];
    /* scratch for hooks (reset at each attempt) */
    int64_t n[4];
    char s[WZ_ADMIN_SCRATCH][WZ_UNIT_PATH_MAX];
    /* called after the commit, before the answer; must call wz_admin_reply once */
    void (*after_commit)(wz_admin_job_t *job);
    void *data;
    void (*free_data)(void *data); /* frees data with the job */
};

/** The role bit for read_roles. */
#define WZ_ROLE_BIT(r) (1u << (r))
#define WZ_ROLES_ALL 0xffffffffu

void wz_admin_create(wz_ctx_t *ctx, const wz_admin_ops_t *ops);
void wz_admin_update(wz_ctx_t *ctx, const wz_admin_ops_t *ops);
void wz_admin_delete(wz_ctx_t *ctx, const wz_admin_ops_t *ops);
void wz_admin_get(wz_ctx_t *ctx, const wz_admin_ops_t *ops);
void wz_admin_list(wz_ctx_t *ctx, const wz_admin_ops_t *ops);

/** Where a prepare hook goes on: starts the transaction (ok) or answers 500. */
void wz_admin_prepared(wz_admin_job_t *job, int ok);
/** 403 unless the caller is an admin; returns 1 when it answered. */
int wz_admin_forbid_unless_admin(wz_ctx_t *ctx);
/** A job for a resource's own transaction (the calendar's). */
wz_admin_job_t *wz_admin_job_new(wz_ctx_t *ctx, const wz_admin_ops_t *ops);
/** Runs first as the first step of a transaction; the outcome is answered by the job. */
void wz_admin_job_run(wz_admin_job_t *job, wz_db_txn_step_fn first);
/** Hooks: go on with the next stage. */
void wz_admin_next(wz_db_txn_t *txn, wz_admin_job_t *job);
/** Hooks: roll back and answer err with the message (printf-style) naming field. */
void wz_admin_refuse(wz_db_txn_t *txn, wz_admin_job_t *job, wz_err_t err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/** Commits with this answer (the reference is stolen) and status. */
void wz_admin_commit(wz_db_txn_t *txn, wz_admin_job_t *job, int status, json_t *answer);
/** Writes the audit row of the request (action = the route's name, actor = the caller) with
 * payload (stolen; may be NULL), then goes on with next. Every write records itself this way. */
void wz_admin_audit(wz_db_txn_t *txn, wz_admin_job_t *job, const char *target_type, const char *target_id,
                    json_t *payload, wz_db_txn_step_fn next);
/** Sends the job's answer and frees it (after_commit hooks call it). */
void wz_admin_reply(wz_admin_job_t *job);
/** Update hooks: a field of the row as it was before the update (its JSON value), or NULL. */
const json_t *wz_admin_before(const wz_admin_job_t *job, const char *name);

#endif
