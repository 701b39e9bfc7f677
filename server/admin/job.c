#include "admin/job.h"
#include "auth/audit.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* mysqld error numbers the admin writes turn into answers */
#define ER_DUP_ENTRY 1062
#define ER_ROW_IS_REFERENCED_2 1451
#define ER_NO_REFERENCED_ROW_2 1452
#define ER_CONSTRAINT_FAILED 4025

enum { S_LOCK, S_CHECK, S_IN_USE, S_INSERT, S_UPDATE, S_DELETE, S_AFTER, S_AUDIT, S_READ, S_END };
static const int plan_create[] = {S_CHECK, S_INSERT, S_AFTER, S_AUDIT, S_READ, S_END};
static const int plan_update[] = {S_LOCK, S_CHECK, S_UPDATE, S_AFTER, S_AUDIT, S_READ, S_END};
static const int plan_delete[] = {S_IN_USE, S_DELETE, S_AUDIT, S_END};

typedef struct {
    wz_admin_job_t job;
    const int *plan;
    wz_db_txn_step_fn first; /* wz_admin_job_run's own transactions */
} job_t;

wz_admin_job_t *wz_admin_job_new(wz_ctx_t *ctx, const wz_admin_ops_t *ops)
{
    job_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        abort();
    j->job.ctx = ctx;
    j->job.ops = ops;
    j->job.status = 200;
    wz_ctx_hold(ctx);
    return &j->job;
}

static void job_free(wz_admin_job_t *job)
{
    if (job->free_data != NULL)
        job->free_data(job->data);
    wz_record_free(&job->rec);
    json_decref(job->before);
    json_decref(job->answer);
    wz_ctx_drop(job->ctx);
    free(job);
}

void wz_admin_reply(wz_admin_job_t *job)
{
    wz_ctx_t *ctx = job->ctx;
    if (!wz_ctx_gone(ctx)) {
        if (job->refused)
            wz_send_error(ctx, job->refusal, job->refusal_msg, job->refusal_field);
        else if (job->status == 204)
            wz_send_no_content(ctx);
        else {
            wz_send_json(ctx, job->status, job->answer ? job->answer : json_object());
            job->answer = NULL;
        }
    }
    job_free(job);
}

static void answer_db_error(wz_admin_job_t *job, const wz_db_error_t *err)
{
    wz_ctx_t *ctx = job->ctx;
    const wz_table_t *t = job->ops ? job->ops->table : NULL;
    const char *what = t ? t->what : "row";
    char msg[200];
    if (err->code == WZ_DB_ESQL && err->mysql_errno == ER_DUP_ENTRY) {
        snprintf(msg, sizeof(msg), "a %s with this %s already exists", what, t && t->dup_field ? t->dup_field : "key");
        wz_send_error(ctx, WZ_ERR_CONFLICT, msg, t ? t->dup_field : NULL);
    } else if (err->code == WZ_DB_ESQL && err->mysql_errno == ER_NO_REFERENCED_ROW_2) {
        snprintf(msg, sizeof(msg), "%s names nothing that exists", t && t->fk_field ? t->fk_field : "a field");
        wz_send_error(ctx, WZ_ERR_VALIDATION, msg, t ? t->fk_field : NULL);
    } else if (err->code == WZ_DB_ESQL && err->mysql_errno == ER_ROW_IS_REFERENCED_2) {
        snprintf(msg, sizeof(msg), "the %s is still in use (by tickets, users, accounts, rules or sub-entries)", what);
        wz_send_error(ctx, WZ_ERR_CONFLICT, msg, NULL);
    } else if (err->code == WZ_DB_ESQL && err->mysql_errno == ER_CONSTRAINT_FAILED) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "the values contradict each other", NULL);
    } else {
        wz_send_db_error(ctx, err);
    }
}

static void on_done(void *data, const wz_db_error_t *err)
{
    wz_admin_job_t *job = data;
    if (job->refused || err == NULL) {
        if (!job->refused && job->after_commit != NULL) {
            job->after_commit(job);
            return;
        }
        wz_admin_reply(job);
        return;
    }
    if (!wz_ctx_gone(job->ctx))
        answer_db_error(job, err);
    job_free(job);
}

void wz_admin_refuse(wz_db_txn_t *txn, wz_admin_job_t *job, wz_err_t err, const char *field, const char *fmt, ...)
{
    job->refused = 1;
    job->refusal = err;
    job->refusal_field = field;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(job->refusal_msg, sizeof(job->refusal_msg), fmt, ap);
    va_end(ap);
    wz_db_txn_fail(txn, &(wz_db_error_t){.code = WZ_DB_EUSAGE});
}

void wz_admin_commit(wz_db_txn_t *txn, wz_admin_job_t *job, int status, json_t *answer)
{
    json_decref(job->answer);
    job->answer = answer;
    job->status = status;
    wz_db_txn_commit(txn);
}

const json_t *wz_admin_before(const wz_admin_job_t *job, const char *name)
{
    return job->before ? json_object_get(job->before, name) : NULL;
}

/* ---- the CRUD stages ---- */

static void run_stage(wz_db_txn_t *txn, wz_admin_job_t *job);

static int step_failed(wz_db_txn_t *txn, const wz_db_error_t *err)
{
    if (err == NULL)
        return 0;
    wz_db_txn_fail(txn, err);
    return 1;
}

void wz_admin_next(wz_db_txn_t *txn, wz_admin_job_t *job)
{
    job->stage++;
    run_stage(txn, job);
}

static void step_locked(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (step_failed(txn, err))
        return;
    if (res->nrows == 0) {
        wz_admin_refuse(txn, job, WZ_ERR_NOT_FOUND, NULL, "no such %s", job->ops->table->what);
        return;
    }
    job->before = wz_record_json(job->ops->table, res, 0);
    wz_admin_next(txn, job);
}

static void step_written(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (step_failed(txn, err))
        return;
    if (job->creating)
        job->id = (int64_t)res->insert_id;
    wz_admin_next(txn, job);
}

static void step_deleted(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (step_failed(txn, err))
        return;
    if (res->affected_rows == 0) {
        wz_admin_refuse(txn, job, WZ_ERR_NOT_FOUND, NULL, "no such %s", job->ops->table->what);
        return;
    }
    job->status = 204;
    wz_admin_next(txn, job);
}

static void step_audited(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    if (!step_failed(txn, err))
        wz_admin_next(txn, wz_db_txn_data(txn));
}

void wz_admin_audit(wz_db_txn_t *txn, wz_admin_job_t *job, const char *target_type, const char *target_id,
                    json_t *payload, wz_db_txn_step_fn next)
{
    wz_ctx_t *ctx = job->ctx;
    char *text = payload ? json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(payload);
    wz_db_value_t p[WZ_AUDIT_NPARAMS];
    wz_audit_params(p, ctx->who.id, wz_role_name(ctx->who.role), ctx->who.unit_id,
                    ctx->route ? ctx->route->name : "admin", target_type, target_id, ctx->client_ip, text);
    wz_db_txn_exec(txn, wz_audit_insert_sql, p, WZ_AUDIT_NPARAMS, next);
    free(text); /* the statement call copied it */
}

/* what the request asked for, with secrets left out */
static json_t *audit_payload(const wz_admin_job_t *job)
{
    const wz_table_t *t = job->ops->table;
    if (!json_is_object(job->ctx->body))
        return NULL;
    json_t *copy = json_deep_copy(job->ctx->body);
    if (json_object_get(copy, "password") != NULL) /* users: never a password, not even hashed */
        json_object_set_new(copy, "password", json_string("(set)"));
    for (size_t i = 0; i < t->ncols; i++)
        if (t->cols[i].kind == WZ_COL_SECRET && json_object_get(copy, t->cols[i].name) != NULL)
            json_object_set_new(
                copy, t->cols[i].name,
                json_string(json_is_null(json_object_get(copy, t->cols[i].name)) ? "(removed)" : "(replaced)"));
    return copy;
}

static void step_in_use(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (step_failed(txn, err))
        return;
    if (wz_db_cell_int(res, 0, 0) > 0) {
        wz_admin_refuse(txn, job, WZ_ERR_CONFLICT, NULL, "the %s is still used by %s", job->ops->table->what,
                        job->ops->in_use_by);
        return;
    }
    wz_admin_next(txn, job);
}

static void step_read(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (step_failed(txn, err))
        return;
    const wz_table_t *t = job->ops->table;
    json_t *doc = json_object();
    json_object_set_new(doc, t->one, res->nrows == 1 ? wz_record_json(t, res, 0) : json_null());
    wz_admin_commit(txn, job, job->creating ? 201 : 200, doc);
}

static void run_stage(wz_db_txn_t *txn, wz_admin_job_t *job)
{
    const job_t *j = (const job_t *)job;
    const wz_admin_ops_t *ops = job->ops;
    const wz_table_t *t = ops->table;
    wz_db_value_t p[2 * WZ_RECORD_MAX_COLS + 1];
    wz_db_value_t id = WZ_DB_INT(job->id);
    switch (j->plan[job->stage]) {
    case S_LOCK:
        wz_db_txn_exec(txn, t->sql_lock, &id, 1, step_locked);
        return;
    case S_CHECK:
        if (ops->check != NULL)
            ops->check(txn, job);
        else
            wz_admin_next(txn, job);
        return;
    case S_IN_USE:
        if (ops->in_use_sql == NULL)
            wz_admin_next(txn, job);
        else
            wz_db_txn_exec(txn, ops->in_use_sql, &id, 1, step_in_use);
        return;
    case S_INSERT:
        wz_record_insert_params(t, &job->rec, p);
        wz_db_txn_exec(txn, t->sql_insert, p, t->ninsert, step_written);
        return;
    case S_UPDATE:
        if (t->sql_update == NULL) {
            wz_admin_next(txn, job);
            return;
        }
        wz_record_update_params(t, &job->rec, job->id, p);
        wz_db_txn_exec(txn, t->sql_update, p, t->nupdate, step_written);
        return;
    case S_DELETE:
        wz_db_txn_exec(txn, t->sql_delete, &id, 1, step_deleted);
        return;
    case S_AFTER:
        if (ops->after != NULL)
            ops->after(txn, job);
        else
            wz_admin_next(txn, job);
        return;
    case S_AUDIT: {
        char target[24];
        snprintf(target, sizeof(target), "%lld", (long long)job->id);
        wz_admin_audit(txn, job, t->table, target, audit_payload(job), step_audited);
        return;
    }
    case S_READ:
        wz_db_txn_exec(txn, t->sql_get, &id, 1, step_read);
        return;
    default:
        wz_db_txn_commit(txn);
    }
}

/* every attempt (a deadlock retries the transaction) starts from the same place */
static void reset_attempt(wz_admin_job_t *job, int64_t id)
{
    job->stage = 0;
    job->refused = 0;
    json_decref(job->before);
    json_decref(job->answer);
    job->before = job->answer = NULL;
    memset(job->n, 0, sizeof(job->n));
    memset(job->s, 0, sizeof(job->s));
    job->id = id;
}

static void step_first_crud(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    wz_admin_job_t *job = wz_db_txn_data(txn);
    reset_attempt(job, job->creating ? 0 : job->path_id);
    run_stage(txn, job);
}

static void step_first_own(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_admin_job_t *job = wz_db_txn_data(txn);
    int64_t id = job->id;
    reset_attempt(job, id);
    ((job_t *)job)->first(txn, res, err);
}

static void start(wz_admin_job_t *job, wz_db_txn_step_fn first)
{
    int ret = wz_db_txn_begin(job->ctx->worker->db, first, on_done, job);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_done(job, &e);
    }
}

void wz_admin_job_run(wz_admin_job_t *job, wz_db_txn_step_fn first)
{
    ((job_t *)job)->first = first;
    start(job, step_first_own);
}

/* ---- the endpoints ---- */

int wz_admin_forbid_unless_admin(wz_ctx_t *ctx)
{
    if (ctx->who.role == WZ_ROLE_ADMIN)
        return 0;
    wz_send_error(ctx, WZ_ERR_FORBIDDEN, "only administrators may change this", NULL);
    return 1;
}

static int may_read(wz_ctx_t *ctx, const wz_admin_ops_t *ops)
{
    if (ctx->who.role == WZ_ROLE_ADMIN || (ops->read_roles & WZ_ROLE_BIT(ctx->who.role)))
        return 1;
    wz_send_error(ctx, WZ_ERR_FORBIDDEN, "your role may not read this", NULL);
    return 0;
}

static int path_id(wz_ctx_t *ctx, const wz_admin_ops_t *ops, int64_t *id)
{
    *id = wz_path_id(ctx, "id");
    if (*id > 0)
        return 1;
    char msg[80];
    snprintf(msg, sizeof(msg), "no such %s", ops->table->what);
    wz_send_error(ctx, WZ_ERR_NOT_FOUND, msg, NULL);
    return 0;
}

static void start_write(wz_ctx_t *ctx, const wz_admin_ops_t *ops, int creating, const int *plan)
{
    if (wz_admin_forbid_unless_admin(ctx))
        return;
    int64_t id = 0;
    if (!creating && !path_id(ctx, ops, &id))
        return;
    wz_admin_job_t *job = wz_admin_job_new(ctx, ops);
    job->creating = creating;
    ((job_t *)job)->plan = plan;
    job->path_id = id;
    if (plan != plan_delete) {
        wz_record_error_t e = {0};
        int bad = ops->parse ? ops->parse(job, ctx->body, &e)
                             : wz_record_parse(ops->table, ctx->body, creating, ctx->server->seal_key, &job->rec, &e);
        if (bad != 0) {
            wz_send_error(ctx, WZ_ERR_VALIDATION, e.message, e.field);
            job_free(job);
            return;
        }
    }
    if (ops->prepare != NULL && plan != plan_delete) {
        ops->prepare(job, wz_admin_prepared);
        return;
    }
    start(job, step_first_crud);
}

void wz_admin_prepared(wz_admin_job_t *job, int ok)
{
    if (!ok || wz_ctx_gone(job->ctx)) {
        if (!wz_ctx_gone(job->ctx))
            wz_send_error(job->ctx, WZ_ERR_INTERNAL, NULL, NULL);
        job_free(job);
        return;
    }
    start(job, step_first_crud);
}

void wz_admin_create(wz_ctx_t *ctx, const wz_admin_ops_t *ops)
{
    start_write(ctx, ops, 1, plan_create);
}

void wz_admin_update(wz_ctx_t *ctx, const wz_admin_ops_t *ops)
{
    start_write(ctx, ops, 0, plan_update);
}

void wz_admin_delete(wz_ctx_t *ctx, const wz_admin_ops_t *ops)
{
    start_write(ctx, ops, 0, plan_delete);
}

/* ---- reads ---- */

typedef struct {
    wz_ctx_t *ctx;
    const wz_admin_ops_t *ops;
    int one;
} read_t;

static void on_read(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    read_t *r = data;
    wz_ctx_t *ctx = r->ctx;
    const wz_table_t *t = r->ops->table;
    if (wz_ctx_gone(ctx)) {
    } else if (err != NULL) {
        wz_send_db_error(ctx, err);
    } else if (r->one) {
        if (res->nrows == 0) {
            char msg[80];
            snprintf(msg, sizeof(msg), "no such %s", t->what);
            wz_send_error(ctx, WZ_ERR_NOT_FOUND, msg, NULL);
        } else {
            wz_send_json(ctx, 200, json_pack("{s:o}", t->one, wz_record_json(t, res, 0)));
        }
    } else {
        json_t *items = json_array();
        for (size_t i = 0; i < res->nrows; i++)
            json_array_append_new(items, wz_record_json(t, res, i));
        wz_send_json(ctx, 200, json_pack("{s:o}", "items", items));
    }
    wz_ctx_drop(ctx);
    free(r);
}

static void read_rows(wz_ctx_t *ctx, const wz_admin_ops_t *ops, int one, const char *sql, const wz_db_value_t *p,
                      size_t n)
{
    read_t *r = malloc(sizeof(*r));
    if (r == NULL)
        abort();
    *r = (read_t){ctx, ops, one};
    wz_ctx_hold(ctx);
    int ret = wz_db_run(ctx->worker->db, sql, p, n, on_read, r);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_read(NULL, &e, r);
    }
}

void wz_admin_get(wz_ctx_t *ctx, const wz_admin_ops_t *ops)
{
    int64_t id;
    if (!may_read(ctx, ops) || !path_id(ctx, ops, &id))
        return;
    wz_db_value_t p = WZ_DB_INT(id);
    read_rows(ctx, ops, 1, ops->table->sql_get, &p, 1);
}

void wz_admin_list(wz_ctx_t *ctx, const wz_admin_ops_t *ops)
{
    if (!may_read(ctx, ops))
        return;
    if (ops->list_params == NULL) {
        read_rows(ctx, ops, 0, ops->table->sql_list, NULL, 0);
        return;
    }
    wz_db_value_t p[16];
    size_t n = 0;
    char buf[256];
    if (ops->list_params(ctx, p, &n, buf, sizeof(buf)) != 0)
        return;
    read_rows(ctx, ops, 0, ops->list_sql, p, n);
}
