/* Lists and retries of the work queues (admin/queue.h). */
#include "admin/queue.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the query string ---- */

int wz_admin_query_id(wz_ctx_t *ctx, const char *name, int64_t *out)
{
    char v[24];
    int r = wz_req_query(ctx, name, v, sizeof(v));
    *out = r == 1 ? wz_parse_id(v, strlen(v)) : 0;
    if (r < 0 || *out < 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "must be an id", name);
        return -1;
    }
    return 0;
}

int wz_admin_query_enum(wz_ctx_t *ctx, const char *name, const char *const *allowed, const char *msg, char *out,
                        size_t outlen)
{
    int r = wz_req_query(ctx, name, out, outlen);
    if (r == 0) {
        out[0] = '\0';
        return 0;
    }
    if (r == 1)
        for (size_t i = 0; allowed[i] != NULL; i++)
            if (strcmp(out, allowed[i]) == 0)
                return 0;
    wz_send_error(ctx, WZ_ERR_VALIDATION, msg, name);
    return -1;
}

int wz_admin_page_parse(wz_ctx_t *ctx, wz_admin_page_t *page)
{
    page->limit = WZ_ADMIN_PAGE_DEFAULT;
    if (wz_admin_query_id(ctx, "cursor", &page->cursor) != 0)
        return -1;
    char lim[8];
    int r = wz_req_query(ctx, "limit", lim, sizeof(lim));
    if (r == 0)
        return 0;
    char *end = NULL;
    long n = r == 1 ? strtol(lim, &end, 10) : 0;
    if (r < 0 || *end != '\0' || n < 1 || n > WZ_ADMIN_PAGE_MAX) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "limit must be between 1 and 200", "limit");
        return -1;
    }
    page->limit = (unsigned)n;
    return 0;
}

/* ---- a page ---- */

typedef struct {
    wz_ctx_t *ctx;
    unsigned limit;
    wz_admin_row_fn row;
} list_t;

static void on_rows(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    list_t *l = data;
    wz_ctx_t *ctx = l->ctx;
    if (wz_ctx_gone(ctx)) {
    } else if (err != NULL) {
        wz_send_db_error(ctx, err);
    } else {
        size_t n = res->nrows > l->limit ? l->limit : res->nrows;
        json_t *items = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(items, l->row(res, i));
        json_t *next = json_null();
        if (res->nrows > l->limit) { /* one more row than asked: there is a next page */
            char c[24];
            snprintf(c, sizeof(c), "%lld", (long long)wz_db_cell_int(res, n - 1, 0));
            json_decref(next);
            next = json_string(c);
        }
        wz_send_json(ctx, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
    }
    wz_ctx_drop(ctx);
    free(l);
}

void wz_admin_page_run(wz_ctx_t *ctx, const wz_admin_page_t *page, const char *sql, const wz_db_value_t *p, size_t n,
                       wz_admin_row_fn row)
{
    list_t *l = malloc(sizeof(*l));
    if (l == NULL)
        abort();
    *l = (list_t){ctx, page->limit, row};
    wz_ctx_hold(ctx);
    int ret = wz_db_run(ctx->worker->db, sql, p, n, on_rows, l);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_rows(NULL, &e, l);
    }
}

/* ---- the retry: one transaction ---- */

static const wz_admin_retry_t *spec_of(const wz_admin_job_t *job)
{
    return (const wz_admin_retry_t *)job->ops; /* ops is the spec's first member */
}

static int failed(wz_db_txn_t *txn, const wz_db_error_t *err)
{
    if (err == NULL)
        return 0;
    wz_db_txn_fail(txn, err);
    return 1;
}

static void read_back(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (failed(txn, err))
        return;
    const wz_admin_retry_t *spec = spec_of(job);
    json_t *doc = json_pack("{s:o}", spec->one, res->nrows == 1 ? spec->row(res, 0) : json_null());
    wz_admin_commit(txn, job, 200, doc);
}

static void audited(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    if (failed(txn, err))
        return;
    wz_admin_job_t *job = wz_db_txn_data(txn);
    wz_db_value_t id = WZ_DB_INT(job->id);
    wz_db_txn_exec(txn, spec_of(job)->sql_get, &id, 1, read_back);
}

static void made_due(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    if (failed(txn, err))
        return;
    wz_admin_job_t *job = wz_db_txn_data(txn);
    char target[24];
    snprintf(target, sizeof(target), "%lld", (long long)job->id);
    /* what it was before the retry: the state, the attempts spent and the last error */
    json_t *payload =
        json_pack("{s:s, s:I, s:s}", "was", job->s[1], "attempts", (json_int_t)job->n[0], "last_error", job->s[0]);
    wz_admin_audit(txn, job, spec_of(job)->target_type, target, payload, audited);
}

static void locked(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (failed(txn, err))
        return;
    const wz_admin_retry_t *spec = spec_of(job);
    if (res->nrows != 1) {
        wz_admin_refuse(txn, job, WZ_ERR_NOT_FOUND, NULL, "no %s %lld", spec->what, (long long)job->id);
        return;
    }
    size_t n;
    const char *done = wz_db_cell_text(res, 0, 0, &n);
    if (n > 0) {
        wz_admin_refuse(txn, job, WZ_ERR_CONFLICT, NULL, "%s %lld was already %.*s", spec->what, (long long)job->id,
                        (int)n, done);
        return;
    }
    const char *was = wz_db_cell_text(res, 0, 1, &n);
    snprintf(job->s[1], sizeof(job->s[1]), "%.*s", (int)n, was);
    job->n[0] = wz_db_cell_int(res, 0, 2);
    const char *e = wz_db_cell_text(res, 0, 3, &n);
    snprintf(job->s[0], sizeof(job->s[0]), "%.*s", (int)n, e);
    wz_db_value_t id = WZ_DB_INT(job->id);
    wz_db_txn_exec(txn, spec->sql_retry, &id, 1, made_due);
}

static void retry_first(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    wz_admin_job_t *job = wz_db_txn_data(txn);
    wz_db_value_t id = WZ_DB_INT(job->id);
    wz_db_txn_exec(txn, spec_of(job)->sql_lock, &id, 1, locked);
}

void wz_admin_retry(wz_ctx_t *ctx, const wz_admin_retry_t *spec)
{
    if (wz_admin_forbid_unless_admin(ctx))
        return;
    int64_t id = wz_path_id(ctx, "id");
    if (id <= 0) {
        char msg[80];
        snprintf(msg, sizeof(msg), "no such %s", spec->what);
        wz_send_error(ctx, WZ_ERR_NOT_FOUND, msg, NULL);
        return;
    }
    wz_admin_job_t *job = wz_admin_job_new(ctx, &spec->ops);
    job->id = job->path_id = id;
    job->after_commit = spec->after_commit;
    wz_admin_job_run(job, retry_first);
}
