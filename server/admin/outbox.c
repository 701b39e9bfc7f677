/* The outbox for operators (admins only):
 *   GET  /api/v1/outbox?state=pending|dead|sent&kind=&ticket_id=&limit=&cursor=
 *        newest first, paged by the id of the last row seen; each row with its attempts,
 *        next_attempt_at, last_error and how it was delivered
 *   POST /api/v1/outbox/{id}/retry
 *        a dead or pending row becomes due now with attempts 0 (dead 0), in one transaction with
 *        its audit_log row; 409 when it was already sent, 404 when there is no such row.
 * The sender itself is channels/outbox.c. */
#include "admin/resources.h"
#include "tickets/view.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT_DEFAULT 50
#define LIMIT_MAX 200

#define COLUMNS                                                                                                        \
    "SELECT id, kind, CAST(COALESCE(ticket_id, 0) AS SIGNED), payload, attempts, "                                     \
    "CAST(UNIX_TIMESTAMP(next_attempt_at) AS SIGNED), CAST(COALESCE(UNIX_TIMESTAMP(last_attempt_at), 0) AS SIGNED), "  \
    "CAST(COALESCE(UNIX_TIMESTAMP(sent_at), 0) AS SIGNED), dead, delivered_via, last_error, "                          \
    "CAST(UNIX_TIMESTAMP(created_at) AS SIGNED) FROM outbox "
#define STATE_FILTER                                                                                                   \
    "(? = '' OR (? = 'pending' AND sent_at IS NULL AND dead = 0) OR (? = 'dead' AND sent_at IS NULL AND dead = 1) "    \
    "OR (? = 'sent' AND sent_at IS NOT NULL)) AND (? = '' OR kind = ?) AND (? = 0 OR id < ?) "

static const char sql_list[] = COLUMNS "WHERE " STATE_FILTER "ORDER BY id DESC LIMIT ?";
/* one ticket's rows: ix_outbox_ticket (ticket_id, id) */
static const char sql_list_ticket[] = COLUMNS "WHERE ticket_id = ? AND " STATE_FILTER "ORDER BY id DESC LIMIT ?";
static const char sql_get[] = COLUMNS "WHERE id = ?";
static const char sql_lock[] =
    "SELECT sent_at IS NOT NULL, dead, attempts, last_error FROM outbox WHERE id = ? FOR UPDATE";
static const char sql_retry[] =
    "UPDATE outbox SET dead = 0, attempts = 0, next_attempt_at = UTC_TIMESTAMP(6) WHERE id = ?";

static const wz_admin_ops_t outbox_ops = {.read_roles = 0};

static json_t *row_json(const wz_db_result_t *res, size_t r)
{
    size_t n;
    json_t *o = json_object();
    json_object_set_new(o, "id", wz_json_id(wz_db_cell_int(res, r, 0)));
    const char *kind = wz_db_cell_text(res, r, 1, &n);
    json_object_set_new(o, "kind", json_stringn(kind, n));
    json_object_set_new(o, "ticket_id", wz_json_id(wz_db_cell_int(res, r, 2)));
    const char *p = wz_db_cell_text(res, r, 3, &n);
    json_t *payload = n ? json_loadb(p, n, 0, NULL) : NULL;
    json_object_set_new(o, "payload", payload ? payload : json_null());
    long long sent = wz_db_cell_int(res, r, 7), dead = wz_db_cell_int(res, r, 8);
    json_object_set_new(o, "state", json_string(sent ? "sent" : dead ? "dead" : "pending"));
    json_object_set_new(o, "attempts", json_integer(wz_db_cell_int(res, r, 4)));
    json_object_set_new(o, "next_attempt_at", sent || dead ? json_null() : wz_json_time(wz_db_cell_int(res, r, 5)));
    json_object_set_new(o, "last_attempt_at", wz_json_time(wz_db_cell_int(res, r, 6)));
    json_object_set_new(o, "sent_at", wz_json_time(sent));
    const char *via = wz_db_cell_text(res, r, 9, &n);
    json_object_set_new(o, "delivered_via", json_stringn(via, n));
    const char *err = wz_db_cell_text(res, r, 10, &n);
    json_object_set_new(o, "last_error", json_stringn(err, n));
    json_object_set_new(o, "created_at", wz_json_time(wz_db_cell_int(res, r, 11)));
    return o;
}

/* ---- GET /outbox ---- */

typedef struct {
    wz_ctx_t *ctx;
    unsigned limit;
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
            json_array_append_new(items, row_json(res, i));
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

static int query_id(wz_ctx_t *ctx, const char *name, int64_t *out)
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

void wz_handle_outbox_list(wz_ctx_t *ctx)
{
    if (ctx->who.role != WZ_ROLE_ADMIN) {
        wz_send_error(ctx, WZ_ERR_FORBIDDEN, "only administrators read the outbox", NULL);
        return;
    }
    char state[16] = "", kind[33] = "", lim[8];
    int64_t ticket = 0, cursor = 0;
    int r = wz_req_query(ctx, "state", state, sizeof(state));
    if (r < 0 ||
        (r == 1 && strcmp(state, "pending") != 0 && strcmp(state, "dead") != 0 && strcmp(state, "sent") != 0)) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "state must be pending, dead or sent", "state");
        return;
    }
    if (r == 0)
        state[0] = '\0';
    r = wz_req_query(ctx, "kind", kind, sizeof(kind));
    if (r < 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "kind is too long", "kind");
        return;
    }
    if (r == 0)
        kind[0] = '\0';
    if (query_id(ctx, "ticket_id", &ticket) || query_id(ctx, "cursor", &cursor))
        return;
    unsigned limit = LIMIT_DEFAULT;
    r = wz_req_query(ctx, "limit", lim, sizeof(lim));
    if (r != 0) {
        char *end = NULL;
        long n = r == 1 ? strtol(lim, &end, 10) : 0;
        if (r < 0 || *end != '\0' || n < 1 || n > LIMIT_MAX) {
            wz_send_error(ctx, WZ_ERR_VALIDATION, "limit must be between 1 and 200", "limit");
            return;
        }
        limit = (unsigned)n;
    }
    list_t *l = malloc(sizeof(*l));
    if (l == NULL)
        abort();
    *l = (list_t){ctx, limit};
    wz_db_value_t p[12];
    size_t np = 0;
    if (ticket > 0)
        p[np++] = WZ_DB_INT(ticket);
    for (int i = 0; i < 4; i++)
        p[np++] = WZ_DB_TEXT(state);
    p[np++] = WZ_DB_TEXT(kind);
    p[np++] = WZ_DB_TEXT(kind);
    p[np++] = WZ_DB_INT(cursor);
    p[np++] = WZ_DB_INT(cursor);
    p[np++] = WZ_DB_INT(limit + 1);
    wz_ctx_hold(ctx);
    int ret = wz_db_run(ctx->worker->db, ticket > 0 ? sql_list_ticket : sql_list, p, np, on_rows, l);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_rows(NULL, &e, l);
    }
}

/* ---- POST /outbox/{id}/retry ---- */

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
    json_t *doc = json_pack("{s:o}", "outbox", res->nrows == 1 ? row_json(res, 0) : json_null());
    wz_admin_commit(txn, job, 200, doc);
}

static void audited(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    if (failed(txn, err))
        return;
    wz_admin_job_t *job = wz_db_txn_data(txn);
    wz_db_value_t id = WZ_DB_INT(job->id);
    wz_db_txn_exec(txn, sql_get, &id, 1, read_back);
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
    json_t *payload = json_pack("{s:s, s:I, s:s}", "was", job->n[1] ? "dead" : "pending", "attempts",
                                (json_int_t)job->n[2], "last_error", job->s[0]);
    wz_admin_audit(txn, job, "outbox", target, payload, audited);
}

static void locked(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (failed(txn, err))
        return;
    if (res->nrows != 1) {
        wz_admin_refuse(txn, job, WZ_ERR_NOT_FOUND, NULL, "no outbox row %lld", (long long)job->id);
        return;
    }
    if (wz_db_cell_int(res, 0, 0)) {
        wz_admin_refuse(txn, job, WZ_ERR_CONFLICT, NULL, "outbox row %lld was already sent", (long long)job->id);
        return;
    }
    job->n[1] = wz_db_cell_int(res, 0, 1);
    job->n[2] = wz_db_cell_int(res, 0, 2);
    size_t n;
    const char *e = wz_db_cell_text(res, 0, 3, &n);
    snprintf(job->s[0], sizeof(job->s[0]), "%.*s", (int)n, e);
    wz_db_value_t id = WZ_DB_INT(job->id);
    wz_db_txn_exec(txn, sql_retry, &id, 1, made_due);
}

static void retry_first(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    wz_admin_job_t *job = wz_db_txn_data(txn);
    wz_db_value_t id = WZ_DB_INT(job->id);
    wz_db_txn_exec(txn, sql_lock, &id, 1, locked);
}

void wz_handle_outbox_retry(wz_ctx_t *ctx)
{
    if (wz_admin_forbid_unless_admin(ctx))
        return;
    int64_t id = wz_path_id(ctx, "id");
    if (id <= 0) {
        wz_send_error(ctx, WZ_ERR_NOT_FOUND, "no such outbox row", NULL);
        return;
    }
    wz_admin_job_t *job = wz_admin_job_new(ctx, &outbox_ops);
    job->id = job->path_id = id;
    wz_admin_job_run(job, retry_first);
}
