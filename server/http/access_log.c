/* One JSON line per finished request, and the request metrics. h2o calls log_access when it
 * disposes of a request, for static files and h2o's own errors as well as routed requests. */
#include "http/server.h"
#include "common/log.h"
#include <string.h>

typedef struct {
    h2o_logger_t super;
    wz_server_t *server;
} access_logger_t;

static uint64_t elapsed_us(h2o_req_t *req)
{
    struct timeval end = req->timestamps.response_end_at;
    if (h2o_timeval_is_null(&end))
        gettimeofday(&end, NULL);
    int64_t d = h2o_timeval_subtract(&req->timestamps.request_begin_at, &end);
    return d > 0 ? (uint64_t)d : 0;
}

static void log_access(h2o_logger_t *self, h2o_req_t *req)
{
    access_logger_t *logger = (access_logger_t *)self;
    const wz_router_t *router = &logger->server->router;
    int route = WZ_METRICS_ROUTE_OTHER;
    h2o_iovec_t *env = h2o_req_getenv(req, H2O_STRLIT("wz.route"), 0);
    if (env != NULL && env->len == sizeof(wz_route_t))
        route = (int)((const wz_route_t *)env->base - router->routes);
    uint64_t us = elapsed_us(req);
    int status = req->res.status;
    wz_metrics_observe(route, status, us);

    h2o_iovec_t rid = h2o_iovec_init(NULL, 0);
    ssize_t i = h2o_find_header_by_str(&req->res.headers, H2O_STRLIT("x-request-id"), -1);
    if (i >= 0)
        rid = req->res.headers.entries[i].value;
    /* the path without its query string: queries may carry codes and tokens */
    json_t *line = json_pack("{s:s, s:s%, s:s%, s:i, s:I, s:I, s:s%}", "type", "access", "method", req->method.base,
                             req->method.len, "path", req->path_normalized.base, req->path_normalized.len, "status",
                             status, "bytes", (json_int_t)req->bytes_sent, "duration_us", (json_int_t)us,
                             "request_id", rid.base ? rid.base : "", rid.len);
    if (line == NULL) /* a path that is not UTF-8 after decoding */
        line = json_pack("{s:s, s:s%, s:s, s:i, s:I, s:I, s:s%}", "type", "access", "method", req->method.base,
                         req->method.len, "path", "(not utf-8)", "status", status, "bytes",
                         (json_int_t)req->bytes_sent, "duration_us", (json_int_t)us, "request_id",
                         rid.base ? rid.base : "", rid.len);
    char *text = line ? json_dumps(line, JSON_COMPACT) : NULL;
    if (text != NULL) {
        wz_log_line(text, strlen(text));
        free(text);
    }
    json_decref(line);
}

void wz_access_log_register(h2o_pathconf_t *pathconf, wz_server_t *server); /* used by server.c */

void wz_access_log_register(h2o_pathconf_t *pathconf, wz_server_t *server)
{
    access_logger_t *logger = (access_logger_t *)h2o_create_logger(pathconf, sizeof(*logger));
    logger->super.log_access = log_access;
    logger->server = server;
}
