/* /channels/<platform>/{account_id}: the I/O of every platform push behind the adapter
 * interface (channels/adapter.h), once for all of them.
 *
 * Order: the account (an active account of the adapter's platform, else 404 so URLs cannot be
 * probed), the body's size (413), its sealed secrets, then the adapter: a handshake is answered
 * at once; a push is verified (401), parsed (400 / 422; 503 not_configured when a secret it
 * needs is missing) and committed to the inbox, and only then does the platform get the answer
 * it expects ("success" for WeChat). Routing and the intake run after the answer, so the
 * platform's own deadline (WeChat's 5 seconds) never depends on them; a retry of a stored push
 * gets the same answer and changes nothing. */
#include "channels/adapter.h"
#include "channels/inbox.h"
#include "channels/secrets.h"
#include "http/server.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SECRET_MAX 512

typedef struct {
    wz_ctx_t *ctx;
    const wz_channel_adapter_t *adapter;
    int64_t account_id;
    wz_push_result_t res;
} push_job_t;

static void job_free(push_job_t *j)
{
    wz_push_result_clear(&j->res);
    wz_ctx_drop(j->ctx);
    free(j);
}

static void on_stored(void *data, int64_t row_id, int duplicate, const wz_db_error_t *err)
{
    (void)duplicate; /* a stored row still unprocessed (a crash in between) is worth another go */
    push_job_t *j = data;
    wz_ctx_t *ctx = j->ctx;
    if (err != NULL) {
        if (!wz_ctx_gone(ctx))
            wz_send_db_error(ctx, err); /* the platform retries: nothing is lost */
        job_free(j);
        return;
    }
    if (!wz_ctx_gone(ctx))
        wz_send_text(ctx->req, 200, j->res.content_type, j->res.answer, strlen(j->res.answer));
    wz_inbox_process(&ctx->worker->inbox, row_id);
    job_free(j);
}

static const char *header_of(const void *req, const char *name, size_t *len)
{
    const h2o_req_t *r = req;
    char lower[64]; /* h2o keeps header names in lower case */
    size_t n = strlen(name);
    if (n >= sizeof(lower))
        return NULL;
    for (size_t k = 0; k <= n; k++)
        lower[k] = (char)(name[k] >= 'A' && name[k] <= 'Z' ? name[k] + 32 : name[k]);
    ssize_t i = h2o_find_header_by_str(&r->headers, lower, n, -1);
    if (i < 0)
        return NULL;
    *len = r->headers.entries[i].value.len;
    return r->headers.entries[i].value.base;
}

static void refuse(push_job_t *j, wz_err_t err, const char *msg)
{
    wz_send_error(j->ctx, err, msg, NULL);
    job_free(j);
}

static void take(push_job_t *j, const wz_db_value_t *box)
{
    wz_ctx_t *ctx = j->ctx;
    h2o_req_t *req = ctx->req;
    const wz_channel_adapter_t *a = j->adapter;
    char *values[WZ_PUSH_SECRETS_MAX] = {NULL};
    const char *secrets[WZ_PUSH_SECRETS_MAX] = {NULL};
    const void *bp = box->type == WZ_DB_T_TEXT || box->type == WZ_DB_T_BLOB ? box->u.s.p : NULL;
    for (size_t i = 0; i < WZ_PUSH_SECRETS_MAX && a->secrets[i] != NULL; i++) {
        values[i] = malloc(SECRET_MAX);
        if (values[i] == NULL)
            abort();
        if (bp != NULL &&
            wz_account_secret(ctx->server->seal_key, bp, box->u.s.len, a->secrets[i], values[i], SECRET_MAX) == 0)
            secrets[i] = values[i];
    }
    wz_push_t push = {
        .post = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("POST")),
        .query = req->query_at != SIZE_MAX ? req->path.base + req->query_at + 1 : NULL,
        .query_len = req->query_at != SIZE_MAX ? req->path.len - req->query_at - 1 : 0,
        .body = req->entity.base,
        .body_len = req->entity.base ? req->entity.len : 0,
        .header = header_of,
        .req = req,
        .now = (int64_t)time(NULL),
    };
    a->take(&push, secrets, &j->res);
    for (size_t i = 0; i < WZ_PUSH_SECRETS_MAX; i++) {
        if (values[i] != NULL)
            sodium_memzero(values[i], SECRET_MAX);
        free(values[i]);
    }
    static const wz_err_t errors[] = {
        [WZ_PUSH_UNAUTHENTICATED] = WZ_ERR_UNAUTHENTICATED, [WZ_PUSH_MALFORMED] = WZ_ERR_BAD_REQUEST,
        [WZ_PUSH_INVALID] = WZ_ERR_VALIDATION,              [WZ_PUSH_TOO_LARGE] = WZ_ERR_BODY_TOO_LARGE,
        [WZ_PUSH_NOT_CONFIGURED] = WZ_ERR_NOT_CONFIGURED,
    };
    switch (j->res.outcome) {
    case WZ_PUSH_ANSWER:
        wz_send_text(req, 200, j->res.content_type, j->res.answer, strlen(j->res.answer));
        job_free(j);
        return;
    case WZ_PUSH_STORE: {
        int ret = wz_inbox_put(ctx->worker->db, j->account_id, &j->res.msg, on_stored, j);
        if (ret != WZ_DB_OK) {
            wz_db_error_t e = {.code = ret};
            on_stored(j, 0, 0, &e);
        }
        return;
    }
    default:
        refuse(j, errors[j->res.outcome], j->res.message);
        return;
    }
}

static void on_account(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    push_job_t *j = data;
    wz_ctx_t *ctx = j->ctx;
    if (wz_ctx_gone(ctx)) {
        job_free(j);
        return;
    }
    if (err != NULL) {
        wz_send_db_error(ctx, err);
        job_free(j);
        return;
    }
    size_t n = 0;
    if (res->nrows != 1 || strcmp(wz_db_cell_text(res, 0, 0, &n), j->adapter->platform) != 0 ||
        strcmp(wz_db_cell_text(res, 0, 1, &n), "active") != 0) {
        refuse(j, WZ_ERR_NOT_FOUND, "no such account on this channel");
        return;
    }
    if (ctx->req->entity.base != NULL && ctx->req->entity.len > j->adapter->max_body) {
        char msg[96];
        snprintf(msg, sizeof(msg), "a push on this channel is at most %zu bytes", j->adapter->max_body);
        refuse(j, WZ_ERR_BODY_TOO_LARGE, msg);
        return;
    }
    take(j, wz_db_cell(res, 0, 2));
}

static void push_start(wz_ctx_t *ctx, const wz_channel_adapter_t *adapter)
{
    int64_t account = wz_path_id(ctx, "account_id");
    if (account <= 0) {
        wz_send_error(ctx, WZ_ERR_NOT_FOUND, "no such account on this channel", NULL);
        return;
    }
    push_job_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        abort();
    j->ctx = ctx;
    j->adapter = adapter;
    j->account_id = account;
    wz_ctx_hold(ctx);
    wz_db_value_t p = WZ_DB_INT(account);
    int ret = wz_db_run(ctx->worker->db, "SELECT platform, status, secret_box FROM accounts WHERE id = ?", &p, 1,
                        on_account, j);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_account(NULL, &e, j);
    }
}

void wz_handle_channel_wechat(wz_ctx_t *ctx)
{
    push_start(ctx, &wz_adapter_wechat_oa);
}

void wz_handle_channel_weibo(wz_ctx_t *ctx)
{
    push_start(ctx, &wz_adapter_weibo);
}

void wz_handle_channel_douyin(wz_ctx_t *ctx)
{
    push_start(ctx, &wz_adapter_douyin);
}

void wz_handle_channel_toutiao(wz_ctx_t *ctx)
{
    push_start(ctx, &wz_adapter_toutiao);
}
