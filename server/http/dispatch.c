/* The single h2o handler: request id, routing, and the fixed order of checks every endpoint
 * gets before its own code runs (design.md): body syntax (413/415/400), then authentication
 * (401), then the handler authorises (403/404) and validates fields (400/422). */
#include "http/server.h"
#include "common/log.h"
#include "http/cors.h"
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define REQUEST_ID_MAX 64

static void ctx_dispose(void *p)
{
    wz_ctx_t *ctx = p;
    json_decref(ctx->body);
}

void wz_ctx_hold(wz_ctx_t *ctx)
{
    h2o_mem_addref_shared(ctx);
}

void wz_ctx_drop(wz_ctx_t *ctx)
{
    h2o_mem_release_shared(ctx);
}

void wz_worker_request_done(wz_worker_t *worker); /* worker.c */

/* Lives in the request's pool; runs when h2o disposes of the request. */
static void guard_dispose(void *p)
{
    wz_ctx_t *ctx = *(wz_ctx_t **)p;
    wz_worker_t *worker = ctx->worker;
    ctx->req = NULL;
    wz_ctx_drop(ctx);
    wz_worker_request_done(worker);
}

static int request_id_valid(h2o_iovec_t v)
{
    if (v.len == 0 || v.len > REQUEST_ID_MAX)
        return 0;
    for (size_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.base[i];
        if (!(isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':'))
            return 0;
    }
    return 1;
}

static h2o_iovec_t assign_request_id(wz_worker_t *worker, h2o_req_t *req)
{
    h2o_iovec_t id;
    ssize_t i = h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-request-id"), -1);
    if (i >= 0 && request_id_valid(req->headers.entries[i].value)) {
        id = req->headers.entries[i].value;
    } else {
        char buf[40];
        int n = snprintf(buf, sizeof(buf), "%s%02x%010lx", worker->server->id_prefix, (unsigned)worker->index & 0xff,
                         (unsigned long)++worker->next_request_id);
        id = h2o_strdup(&req->pool, buf, (size_t)n);
    }
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-request-id"), 0, NULL, id.base, id.len);
    return id;
}

static int is_json_content_type(h2o_iovec_t v)
{
    static const char want[] = "application/json";
    size_t n = sizeof(want) - 1;
    if (v.len < n || strncasecmp(v.base, want, n) != 0)
        return 0;
    /* exact, or followed by parameters such as "; charset=utf-8" */
    return v.len == n || v.base[n] == ';' || v.base[n] == ' ';
}

static int has_prefix(h2o_iovec_t path, const char *prefix)
{
    size_t n = strlen(prefix);
    return path.len >= n && memcmp(path.base, prefix, n) == 0;
}

/* Verifies "Authorization: Bearer <token>" into ctx->who; answers 401 itself on failure. */
static int authenticate(wz_ctx_t *ctx)
{
    static const char bearer[] = "bearer ";
    h2o_iovec_t v = wz_req_header(ctx->req, H2O_TOKEN_AUTHORIZATION);
    const char *why = "a valid access token is required";
    if (v.len > sizeof(bearer) - 1 && strncasecmp(v.base, bearer, sizeof(bearer) - 1) == 0) {
        const char *tok = v.base + sizeof(bearer) - 1;
        size_t len = v.len - (sizeof(bearer) - 1);
        const char *reason = NULL;
        if (wz_token_verify(ctx->server->cfg->jwt_secret, tok, len, (int64_t)time(NULL), &ctx->who, &reason) == 0) {
            if (!wz_revocations_refuse(&ctx->server->revocations, &ctx->who)) {
                ctx->authenticated = 1;
                return 0;
            }
            why = "the session was ended (the account is disabled or its password changed): sign in again";
        } else {
            why = strcmp(reason, "expired") == 0 ? "the access token has expired" : "the access token is not valid";
        }
    }
    h2o_add_header(&ctx->req->pool, &ctx->req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL,
                   H2O_STRLIT("Bearer realm=\"wenzheng\""));
    wz_send_error(ctx, WZ_ERR_UNAUTHENTICATED, why, NULL);
    return -1;
}

/* The console's pages: scripts and styles only from this origin (TDesign sets inline styles),
 * API calls only to this origin, never framed (clickjacking), no MIME sniffing, no referrer
 * leaving the site. docs/security.md lists them. */
void wz_add_console_headers(h2o_req_t *req)
{
    static const char csp[] = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                              "img-src 'self' data: blob:; connect-src 'self'; font-src 'self' data:; "
                              "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";
    h2o_headers_t *h = &req->res.headers;
    h2o_add_header_by_str(&req->pool, h, H2O_STRLIT("content-security-policy"), 0, NULL, H2O_STRLIT(csp));
    h2o_add_header_by_str(&req->pool, h, H2O_STRLIT("x-content-type-options"), 0, NULL, H2O_STRLIT("nosniff"));
    h2o_add_header_by_str(&req->pool, h, H2O_STRLIT("x-frame-options"), 0, NULL, H2O_STRLIT("DENY"));
    h2o_add_header_by_str(&req->pool, h, H2O_STRLIT("referrer-policy"), 0, NULL, H2O_STRLIT("same-origin"));
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    wz_worker_t *worker = H2O_STRUCT_FROM_MEMBER(wz_worker_t, h2o, req->conn->ctx);
    wz_server_t *server = worker->server;
    const wz_config_t *cfg = server->cfg;
    h2o_iovec_t request_id = assign_request_id(worker, req);

    unsigned method = wz_method_from_string(req->method.base, req->method.len);
    const wz_route_t *route = NULL;
    wz_route_params_t params;
    unsigned allow = 0;
    wz_route_result_t rr = wz_router_match(&server->router, method, req->path_normalized.base, req->path_normalized.len,
                                           &route, &params, &allow);
    int is_api = has_prefix(req->path_normalized, "/api/") || has_prefix(req->path_normalized, "/channels/") ||
                 has_prefix(req->path_normalized, "/open311/");
    if (is_api && wz_cors_apply(req, cfg->http.cors_origins, method))
        return 0; /* a preflight, answered */
    if (rr == WZ_ROUTE_NOT_FOUND) {
        if (!is_api && cfg->static_dir[0] != '\0' && (method == WZ_METHOD_GET || method == WZ_METHOD_HEAD)) {
            wz_add_console_headers(req);
            return -1; /* the static file handler behind us answers, with these headers */
        }
        wz_send_error_req(req, WZ_ERR_NOT_FOUND, "no such endpoint", NULL);
        return 0;
    }
    if (rr == WZ_ROUTE_METHOD_NOT_ALLOWED) {
        char allow_str[80];
        size_t n = wz_router_allow_string(allow, allow_str, sizeof(allow_str));
        h2o_iovec_t v = h2o_strdup(&req->pool, allow_str, n);
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, v.base, v.len);
        wz_send_error_req(req, WZ_ERR_METHOD_NOT_ALLOWED, NULL, NULL);
        return 0;
    }
    /* the access logger finds the route here for its metrics label */
    h2o_iovec_t *env = h2o_req_getenv(req, H2O_STRLIT("wz.route"), 1);
    *env = h2o_iovec_init((const char *)route, sizeof(*route));

    if (worker->stopping) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONNECTION, NULL, H2O_STRLIT("close"));
        wz_send_error_req(req, WZ_ERR_SHUTTING_DOWN, NULL, NULL);
        return 0;
    }

    wz_ctx_t *ctx = h2o_mem_alloc_shared(NULL, sizeof(*ctx), ctx_dispose);
    memset(ctx, 0, sizeof(*ctx));
    ctx->req = req;
    ctx->worker = worker;
    ctx->server = server;
    ctx->route = route;
    ctx->params = params;
    snprintf(ctx->request_id, sizeof(ctx->request_id), "%.*s", (int)request_id.len, request_id.base);
    struct sockaddr_storage client;
    wz_req_client(server, req, ctx->client_ip, sizeof(ctx->client_ip), &client);
    wz_ctx_t **guard = h2o_mem_alloc_shared(&req->pool, sizeof(*guard), guard_dispose);
    *guard = ctx;
    worker->inflight++;

    if (route->flags & WZ_ROUTE_LOCAL_ONLY) {
        /* the client, not the proxy: behind a trusted proxy on loopback, every client's peer
         * address would be 127.0.0.1 */
        if (!wz_server_peer_allowed(server, &client)) {
            wz_send_error(ctx, WZ_ERR_FORBIDDEN, "this endpoint is not served to your address", NULL);
            return 0;
        }
    }

    /* 1. the body's syntax */
    if (req->entity.base != NULL && req->entity.len > 0) {
        long limit = (route->flags & WZ_ROUTE_UPLOAD) ? cfg->http.upload_limit : cfg->http.body_limit;
        if ((long)req->entity.len > limit) {
            char msg[96];
            snprintf(msg, sizeof(msg), "the request body is larger than %ld bytes", limit);
            wz_send_error(ctx, WZ_ERR_BODY_TOO_LARGE, msg, NULL);
            return 0;
        }
        if (!(route->flags & (WZ_ROUTE_UPLOAD | WZ_ROUTE_RAW))) {
            if (!is_json_content_type(wz_req_header(req, H2O_TOKEN_CONTENT_TYPE))) {
                wz_send_error(ctx, WZ_ERR_UNSUPPORTED_MEDIA_TYPE, "the body must be sent as application/json", NULL);
                return 0;
            }
            json_error_t jerr;
            ctx->body = json_loadb(req->entity.base, req->entity.len, JSON_REJECT_DUPLICATES, &jerr);
            if (ctx->body == NULL) {
                char msg[256];
                snprintf(msg, sizeof(msg), "invalid JSON at line %d column %d: %s", jerr.line, jerr.column, jerr.text);
                wz_send_error(ctx, WZ_ERR_INVALID_JSON, msg, NULL);
                return 0;
            }
        }
    }

    /* 2. authentication, before any handler can reveal its field rules */
    if (!(route->flags & WZ_ROUTE_PUBLIC) && authenticate(ctx) != 0)
        return 0;

    /* 3. the handler authorises and validates */
    ((wz_handler_fn)route->handler)(ctx);
    return 0;
}

void wz_dispatch_register(h2o_pathconf_t *pathconf); /* used by server.c */

void wz_dispatch_register(h2o_pathconf_t *pathconf)
{
    h2o_handler_t *h = h2o_create_handler(pathconf, sizeof(*h));
    h->on_req = on_req;
}

void wz_server_make_id_prefix(char *out, size_t outlen); /* used by server.c */

void wz_server_make_id_prefix(char *out, size_t outlen)
{
    unsigned char r[4];
    randombytes_buf(r, sizeof(r));
    snprintf(out, outlen, "%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
}
