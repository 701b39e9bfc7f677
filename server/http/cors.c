/* http/cors.h */
#include "http/cors.h"
#include "http/router.h"
#include "http/server.h"
#include <string.h>

int wz_cors_origin_listed(const char *list, const char *origin, size_t len)
{
    if (list == NULL || len == 0)
        return 0;
    const char *p = list;
    while (*p != '\0') {
        while (*p == ' ' || *p == ',')
            p++;
        const char *end = p;
        while (*end != '\0' && *end != ',')
            end++;
        const char *e = end;
        while (e > p && e[-1] == ' ')
            e--;
        if ((size_t)(e - p) == len && memcmp(p, origin, len) == 0 && strncmp(p, "*", 1) != 0)
            return 1;
        p = end;
    }
    return 0;
}

static void add(h2o_req_t *req, const char *name, size_t nlen, const char *value, size_t vlen)
{
    h2o_add_header_by_str(&req->pool, &req->res.headers, name, nlen, 0, NULL, value, vlen);
}

int wz_cors_apply(h2o_req_t *req, const char *list, unsigned method)
{
    ssize_t oi = h2o_find_header_by_str(&req->headers, H2O_STRLIT("origin"), -1);
    h2o_iovec_t origin = oi >= 0 ? req->headers.entries[oi].value : h2o_iovec_init(NULL, 0);
    int listed = oi >= 0 && wz_cors_origin_listed(list, origin.base, origin.len);
    int preflight = method == WZ_METHOD_OPTIONS && oi >= 0 &&
                    h2o_find_header_by_str(&req->headers, H2O_STRLIT("access-control-request-method"), -1) >= 0;
    if (listed) {
        h2o_iovec_t v = h2o_strdup(&req->pool, origin.base, origin.len);
        add(req, H2O_STRLIT("access-control-allow-origin"), v.base, v.len);
        add(req, H2O_STRLIT("vary"), H2O_STRLIT("Origin"));
    }
    if (!preflight) {
        if (listed)
            add(req, H2O_STRLIT("access-control-expose-headers"),
                H2O_STRLIT("Retry-After, X-Request-Id, Content-Disposition, Content-Length, WWW-Authenticate"));
        return 0;
    }
    if (!listed) {
        wz_send_error_req(req, WZ_ERR_FORBIDDEN, "this origin may not call the API", NULL);
        return 1;
    }
    add(req, H2O_STRLIT("access-control-allow-methods"), H2O_STRLIT("GET, POST, PUT, PATCH, DELETE"));
    add(req, H2O_STRLIT("access-control-allow-headers"),
        H2O_STRLIT("Authorization, Content-Type, Idempotency-Key, Last-Event-ID, X-Request-Id"));
    add(req, H2O_STRLIT("access-control-max-age"), H2O_STRLIT("600"));
    static h2o_generator_t gen = {NULL, NULL};
    req->res.status = 204;
    req->res.reason = "No Content";
    h2o_start_response(req, &gen);
    h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
    return 1;
}
