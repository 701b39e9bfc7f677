#include "http/server.h"
#include "http/forwarded.h"
#include "common/query.h"
#include "common/timefmt.h"
#include <time.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

int wz_req_query(wz_ctx_t *ctx, const char *name, char *out, size_t outlen)
{
    h2o_req_t *req = ctx->req;
    if (req == NULL || req->query_at == SIZE_MAX)
        return 0;
    const char *qs = req->path.base + req->query_at + 1;
    size_t len = req->path.len - req->query_at - 1;
    return wz_query_get(qs, len, name, out, outlen);
}

h2o_iovec_t wz_req_header(h2o_req_t *req, const h2o_token_t *token)
{
    ssize_t i = h2o_find_header(&req->headers, token, -1);
    if (i < 0)
        return h2o_iovec_init(NULL, 0);
    return req->headers.entries[i].value;
}

void wz_req_peer(h2o_req_t *req, char *out, size_t outlen, struct sockaddr_storage *ss)
{
    struct sockaddr_storage local;
    if (ss == NULL)
        ss = &local;
    memset(ss, 0, sizeof(*ss));
    out[0] = '\0';
    socklen_t n = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)ss);
    if (n == 0)
        return;
    wz_addr_text(ss, out, outlen);
}

#define FORWARDED_VALUES_MAX 8 /* X-Forwarded-For headers read (the nearest ones) */

void wz_req_client(const wz_server_t *server, h2o_req_t *req, char *out, size_t outlen, struct sockaddr_storage *ss)
{
    struct sockaddr_storage peer;
    wz_req_peer(req, out, outlen, &peer);
    *ss = peer;
    if (server->ntrusted_proxies == 0)
        return;
    wz_forwarded_value_t values[FORWARDED_VALUES_MAX];
    size_t n = 0;
    for (ssize_t i = -1; (i = h2o_find_header(&req->headers, H2O_TOKEN_X_FORWARDED_FOR, i)) >= 0;) {
        /* keep the last FORWARDED_VALUES_MAX: the walk starts from the nearest hop */
        if (n == FORWARDED_VALUES_MAX) {
            memmove(values, values + 1, sizeof(values[0]) * (FORWARDED_VALUES_MAX - 1));
            n--;
        }
        values[n++] = (wz_forwarded_value_t){req->headers.entries[i].value.base, req->headers.entries[i].value.len};
    }
    if (wz_forwarded_client(server->trusted_proxies, server->ntrusted_proxies, &peer, values, n, ss))
        wz_addr_text(ss, out, outlen);
}

int wz_cidr_parse_list(const char *text, wz_cidr_t *out, size_t max, size_t *count)
{
    *count = 0;
    const char *p = text;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        const char *end = p;
        while (*end && *end != ',' && *end != ' ')
            end++;
        char item[80];
        size_t len = (size_t)(end - p);
        if (len >= sizeof(item) || *count >= max)
            return -1;
        memcpy(item, p, len);
        item[len] = '\0';
        char *slash = strchr(item, '/');
        long prefix = -1;
        if (slash != NULL) {
            /* digits only: strtol would take "-8" or "+8", and a negative prefix meant "none" */
            if (slash[1] < '0' || slash[1] > '9' || strlen(slash + 1) > 3)
                return -1;
            char *e;
            prefix = strtol(slash + 1, &e, 10);
            if (*e != '\0')
                return -1;
            *slash = '\0';
        }
        wz_cidr_t *c = &out[*count];
        memset(c, 0, sizeof(*c));
        if (inet_pton(AF_INET, item, c->addr) == 1) {
            c->family = AF_INET;
            if (prefix < 0)
                prefix = 32;
            if (prefix > 32)
                return -1;
        } else if (inet_pton(AF_INET6, item, c->addr) == 1) {
            c->family = AF_INET6;
            if (prefix < 0)
                prefix = 128;
            if (prefix > 128)
                return -1;
        } else {
            return -1;
        }
        c->prefix = (int)prefix;
        (*count)++;
        p = end;
    }
    return 0;
}

static int prefix_match(const unsigned char *a, const unsigned char *b, int bits)
{
    int full = bits / 8, rest = bits % 8;
    if (memcmp(a, b, (size_t)full) != 0)
        return 0;
    if (rest == 0)
        return 1;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a[full] & mask) == (b[full] & mask);
}

int wz_cidr_match(const wz_cidr_t *list, size_t n, const struct sockaddr *sa)
{
    unsigned char v4[4];
    const unsigned char *addr6 = NULL;
    int have4 = 0;
    if (sa->sa_family == AF_INET) {
        memcpy(v4, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        have4 = 1;
    } else if (sa->sa_family == AF_INET6) {
        addr6 = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(addr6, mapped, 12) == 0) { /* ::ffff:a.b.c.d counts as IPv4 */
            memcpy(v4, addr6 + 12, 4);
            have4 = 1;
        }
    } else {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (list[i].family == AF_INET && have4 && prefix_match(list[i].addr, v4, list[i].prefix))
            return 1;
        if (list[i].family == AF_INET6 && addr6 != NULL && prefix_match(list[i].addr, addr6, list[i].prefix))
            return 1;
    }
    return 0;
}

int wz_server_peer_allowed(const wz_server_t *server, const struct sockaddr_storage *ss)
{
    return wz_cidr_match(server->metrics_allow, server->nmetrics_allow, (const struct sockaddr *)ss);
}

int64_t wz_parse_id(const char *s, size_t len)
{
    if (len == 0 || len > 18)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v > 0 ? v : -1;
}

int64_t wz_path_id(wz_ctx_t *ctx, const char *name)
{
    size_t len = 0;
    const char *v = wz_route_param(&ctx->params, name, &len);
    return v ? wz_parse_id(v, len) : -1;
}

int64_t wz_ctx_now(wz_ctx_t *ctx)
{
    /* Tests pin the clock to walk a ticket across a holiday; only with debug endpoints on
     * (never in production: docs/operations.md). */
    if (ctx->server->cfg->debug_endpoints) {
        ssize_t i = h2o_find_header_by_str(&ctx->req->headers, H2O_STRLIT("x-wz-debug-now"), -1);
        int64_t t;
        if (i >= 0 && wz_time_parse(ctx->req->headers.entries[i].value.base, ctx->req->headers.entries[i].value.len,
                                    &t) == 0)
            return t;
    }
    return (int64_t)time(NULL);
}
