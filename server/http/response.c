/* Every response the application writes goes through here: JSON with Content-Length, the one
 * error shape, Retry-After where the error has one. (h2o_send_error_* would answer text/plain.) */
#include "http/server.h"
#include "common/log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void generator_proceed(h2o_generator_t *self, h2o_req_t *req)
{
    (void)self;
    (void)req;
}

static const char *reason_phrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Entity";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Status";
    }
}

void wz_send_text(h2o_req_t *req, int status, const char *content_type, const char *body, size_t len)
{
    static h2o_generator_t generator = {generator_proceed, NULL};
    req->res.status = status;
    req->res.reason = reason_phrase(status);
    req->res.content_length = len;
    h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, content_type, strlen(content_type), 1);
    /* API answers are not cached, unless the handler said otherwise (the public board) */
    if (h2o_find_header(&req->res.headers, H2O_TOKEN_CACHE_CONTROL, -1) == -1)
        h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, H2O_STRLIT("no-store"), 1);
    h2o_start_response(req, &generator);
    h2o_iovec_t buf = h2o_strdup(&req->pool, body, len);
    h2o_send(req, &buf, 1, H2O_SEND_STATE_FINAL);
}

void wz_send_json(wz_ctx_t *ctx, int status, json_t *doc)
{
    h2o_req_t *req = ctx->req;
    if (req == NULL) {
        json_decref(doc);
        return;
    }
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (text == NULL) {
        wz_send_error(ctx, WZ_ERR_INTERNAL, NULL, NULL);
        return;
    }
    wz_send_text(req, status, "application/json; charset=utf-8", text, strlen(text));
    free(text);
}

typedef struct {
    uv_work_t work;
    wz_ctx_t *ctx;
    int status;
    json_t *doc;
    char *text;
} dump_job_t;

/* in the thread pool: the document is this job's alone (its reference was stolen) */
static void dump_work(uv_work_t *w)
{
    dump_job_t *j = w->data;
    j->text = json_dumps(j->doc, JSON_COMPACT);
    json_decref(j->doc);
    j->doc = NULL;
}

static void dump_done(uv_work_t *w, int status)
{
    dump_job_t *j = w->data;
    wz_ctx_t *ctx = j->ctx;
    json_decref(j->doc); /* still there when cancelled before it ran */
    if (wz_ctx_gone(ctx)) {
    } else if (status != 0 || j->text == NULL) {
        wz_send_error(ctx, WZ_ERR_INTERNAL, NULL, NULL);
    } else {
        wz_send_text(ctx->req, j->status, "application/json; charset=utf-8", j->text, strlen(j->text));
    }
    free(j->text);
    free(j);
    wz_ctx_drop(ctx);
}

void wz_send_json_large(wz_ctx_t *ctx, int status, json_t *doc)
{
    if (ctx->req == NULL) {
        json_decref(doc);
        return;
    }
    dump_job_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        abort();
    *j = (dump_job_t){.ctx = ctx, .status = status, .doc = doc};
    j->work.data = j;
    wz_ctx_hold(ctx);
    if (uv_queue_work(&ctx->worker->loop, &j->work, dump_work, dump_done) != 0) {
        free(j);
        wz_send_json(ctx, status, doc); /* only fails for a missing callback: on the loop, then */
        wz_ctx_drop(ctx);
    }
}

void wz_send_no_content(wz_ctx_t *ctx)
{
    static h2o_generator_t generator = {generator_proceed, NULL};
    h2o_req_t *req = ctx->req;
    if (req == NULL)
        return;
    req->res.status = 204;
    req->res.reason = reason_phrase(204);
    h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, H2O_STRLIT("no-store"), 1);
    h2o_start_response(req, &generator);
    h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
}

static void send_error(h2o_req_t *req, wz_err_t err, const char *message, const char *field, int retry_after)
{
    const wz_err_info_t *info = wz_err_info(err);
    json_t *e = json_pack("{s:s, s:s}", "code", info->code, "message", message ? message : info->message);
    if (field != NULL)
        json_object_set_new(e, "field", json_string(field));
    json_t *doc = json_pack("{s:o}", "error", e);
    if (retry_after <= 0)
        retry_after = info->retry_after;
    if (retry_after > 0) {
        char ra[16];
        int n = snprintf(ra, sizeof(ra), "%d", retry_after);
        h2o_iovec_t v = h2o_strdup(&req->pool, ra, (size_t)n);
        h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, v.base, v.len, 1);
    }
    if (info->status >= 500)
        wz_metrics_error(err == WZ_ERR_OVERLOADED ? "overloaded"
                         : err == WZ_ERR_TIMEOUT  ? "timeout"
                         : err == WZ_ERR_INTERNAL ? "internal"
                                                  : "db");
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    wz_send_text(req, info->status, "application/json; charset=utf-8", text, strlen(text));
    free(text);
}

void wz_send_error_req(h2o_req_t *req, wz_err_t err, const char *message, const char *field)
{
    send_error(req, err, message, field, 0);
}

void wz_send_error(wz_ctx_t *ctx, wz_err_t err, const char *message, const char *field)
{
    if (ctx->req == NULL)
        return;
    send_error(ctx->req, err, message, field, 0);
}

void wz_send_error_retry(wz_ctx_t *ctx, wz_err_t err, const char *message, const char *field, int retry_after)
{
    if (ctx->req == NULL)
        return;
    send_error(ctx->req, err, message, field, retry_after);
}

void wz_send_db_error(wz_ctx_t *ctx, const wz_db_error_t *err)
{
    if (err->code == WZ_DB_ESQL || err->code == WZ_DB_EUSAGE)
        wz_error("db: %s (errno %u, sqlstate %s) on %s", err->message, err->mysql_errno, err->sqlstate,
                 ctx->route ? ctx->route->name : "?");
    wz_send_error(ctx, wz_err_from_db(err->code), NULL, NULL);
}
