/* Fuzzes route matching (http/router.c) against a fixed, realistic route table.
 *
 * Input: "METHOD path": the method token up to the first space (parsed with
 * wz_method_from_string, so unknown tokens give method 0), then the decoded path. Without
 * a space the whole input is a GET path. The path may hold any bytes, including NUL. */
#include "fuzz.h"
#include "http/router.h"

/* Shaped like the API the server is growing into: literal routes next to {param} routes,
 * several methods on one path, a literal that shadows a parameter, two parameters. */
static const struct {
    unsigned method;
    const char *pattern;
} table[] = {
    {WZ_METHOD_GET, "/healthz"},
    {WZ_METHOD_GET, "/readyz"},
    {WZ_METHOD_GET, "/metrics"},
    {WZ_METHOD_POST, "/api/v1/auth/login"},
    {WZ_METHOD_POST, "/api/v1/auth/refresh"},
    {WZ_METHOD_DELETE, "/api/v1/auth/sessions/{session_id}"},
    {WZ_METHOD_GET, "/api/v1/tickets"},
    {WZ_METHOD_POST, "/api/v1/tickets"},
    {WZ_METHOD_GET, "/api/v1/tickets/stats"},
    {WZ_METHOD_GET, "/api/v1/tickets/{id}"},
    {WZ_METHOD_PATCH, "/api/v1/tickets/{id}"},
    {WZ_METHOD_DELETE, "/api/v1/tickets/{id}"},
    {WZ_METHOD_GET, "/api/v1/tickets/{id}/events"},
    {WZ_METHOD_POST, "/api/v1/tickets/{id}/events"},
    {WZ_METHOD_POST, "/api/v1/tickets/{id}/attachments"},
    {WZ_METHOD_GET, "/api/v1/tickets/{id}/attachments/{attachment_id}"},
    {WZ_METHOD_GET, "/api/v1/departments/{dept}/users/{user_id}"},
    {WZ_METHOD_PUT, "/api/v1/users/{user_id}/roles/{role}"},
    {WZ_METHOD_OPTIONS, "/api/v1/{resource}"},
};
#define NTABLE (sizeof(table) / sizeof(table[0]))

static const unsigned all_methods[] = {WZ_METHOD_GET,   WZ_METHOD_HEAD,   WZ_METHOD_POST,   WZ_METHOD_PUT,
                                       WZ_METHOD_PATCH, WZ_METHOD_DELETE, WZ_METHOD_OPTIONS};
#define NMETHODS (sizeof(all_methods) / sizeof(all_methods[0]))

static wz_router_t router;

static void build_router(void)
{
    static int built;
    if (built)
        return;
    for (size_t i = 0; i < NTABLE; i++) {
        wz_route_t r = {table[i].method, table[i].pattern, NULL, NULL, 0};
        /* a rejected entry is a mistake in this file, not a finding */
        FUZZ_CHECK(wz_router_add(&router, &r) == (int)i);
    }
    built = 1;
}

/* Whether [p, p+n) lies within [base, base+len); compared as integers because the pointers
 * may belong to different objects when the invariant is broken. */
static int inside(const char *p, size_t n, const char *base, size_t len)
{
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)base;
    return a >= b && a - b <= len && n <= len - (a - b);
}

/* A FOUND match: the route has the wanted method, every parameter is a non-empty segment
 * inside the path, named by text inside the pattern, and putting the values back into the
 * pattern gives the path again. */
static void check_found(unsigned method, const char *path, size_t len, const wz_route_t *route,
                        const wz_route_params_t *params)
{
    FUZZ_CHECK(route >= router.routes && route < router.routes + router.count);
    FUZZ_CHECK(route->method == (method == WZ_METHOD_HEAD ? WZ_METHOD_GET : method));
    FUZZ_CHECK(params->count <= WZ_ROUTE_MAX_PARAMS);

    const char *pat = route->pattern;
    size_t patlen = strlen(pat), pi = 0, k = 0;
    for (const char *s = pat; *s;) {
        if (*s != '{') {
            FUZZ_CHECK(pi < len && path[pi] == *s);
            pi++;
            s++;
            continue;
        }
        FUZZ_CHECK(k < params->count);
        const char *close = strchr(s, '}');
        const char *value = params->items[k].value;
        size_t vlen = params->items[k].value_len;
        FUZZ_CHECK(params->items[k].name == s + 1 && params->items[k].name_len == (size_t)(close - s - 1));
        FUZZ_CHECK(inside(params->items[k].name, params->items[k].name_len, pat, patlen));
        FUZZ_CHECK(vlen > 0 && inside(value, vlen, path, len));
        FUZZ_CHECK(value == path + pi && memchr(value, '/', vlen) == NULL);

        /* lookup by name finds this parameter (names in the table are unique per route) */
        char name[64];
        size_t nlen = params->items[k].name_len, got_len;
        FUZZ_CHECK(nlen < sizeof(name));
        memcpy(name, params->items[k].name, nlen);
        name[nlen] = '\0';
        FUZZ_CHECK(wz_route_param(params, name, &got_len) == value && got_len == vlen);

        pi += vlen;
        k++;
        s = close + 1;
    }
    FUZZ_CHECK(pi == len && k == params->count);
}

/* The Allow header value: written within buflen, NUL-terminated, and when it fits in full
 * it names exactly the methods of the mask. */
static void check_allow_string(unsigned allow, size_t buflen)
{
    char *buf = fuzz_guarded_alloc(buflen);
    size_t n = wz_router_allow_string(allow, buf, buflen);
    FUZZ_CHECK(fuzz_guard_ok(buf, buflen));
    if (buflen == 0) {
        FUZZ_CHECK(n == 0);
        free(buf);
        return;
    }
    FUZZ_CHECK(n < buflen && strlen(buf) == n);
    if (buflen >= 64) {
        unsigned seen = 0;
        const char *p = buf;
        while (*p) {
            const char *comma = strchr(p, ',');
            size_t tlen = comma ? (size_t)(comma - p) : strlen(p);
            unsigned bit = wz_method_from_string(p, tlen);
            FUZZ_CHECK(bit != 0 && (seen & bit) == 0);
            seen |= bit;
            p += tlen;
            if (*p) {
                FUZZ_CHECK(p[1] == ' ');
                p += 2;
            }
        }
        FUZZ_CHECK(seen == (allow & ((1u << NMETHODS) - 1)));
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    build_router();
    const char *text = (const char *)data;
    const char *sp = size > 0 ? memchr(text, ' ', size) : NULL;
    unsigned method = WZ_METHOD_GET;
    const char *path = text;
    size_t len = size;
    if (sp != NULL) {
        method = wz_method_from_string(text, (size_t)(sp - text));
        path = sp + 1;
        len = size - (size_t)(path - text);
    }
    /* a known token maps to exactly one bit, whose name maps back to it */
    FUZZ_CHECK(method == 0 || (method & (method - 1)) == 0);
    if (method != 0) {
        const char *mname = wz_method_name(method);
        FUZZ_CHECK(wz_method_from_string(mname, strlen(mname)) == method);
    }

    static const wz_route_t sentinel; /* must be replaced by the route or NULL */
    const wz_route_t *route = &sentinel;
    wz_route_params_t params;
    unsigned allow = 0;
    wz_route_result_t res = wz_router_match(&router, method, path, len, &route, &params, &allow);
    switch (res) {
    case WZ_ROUTE_FOUND:
        FUZZ_CHECK(route != NULL);
        check_found(method, path, len, route, &params);
        break;
    case WZ_ROUTE_NOT_FOUND:
        FUZZ_CHECK(route == NULL);
        /* no route matches the path at all, so no method can find one */
        for (size_t i = 0; i < NMETHODS; i++) {
            wz_route_params_t p2;
            unsigned a2 = 0;
            const wz_route_t *r2;
            FUZZ_CHECK(wz_router_match(&router, all_methods[i], path, len, &r2, &p2, &a2) == WZ_ROUTE_NOT_FOUND);
        }
        break;
    case WZ_ROUTE_METHOD_NOT_ALLOWED:
        FUZZ_CHECK(route == NULL);
        FUZZ_CHECK(allow != 0 && (allow & method) == 0);
        /* every method the answer allows must really be found */
        for (size_t i = 0; i < NMETHODS; i++) {
            if (!(allow & all_methods[i]))
                continue;
            wz_route_params_t p2;
            unsigned a2 = 0;
            const wz_route_t *r2;
            FUZZ_CHECK(wz_router_match(&router, all_methods[i], path, len, &r2, &p2, &a2) == WZ_ROUTE_FOUND);
            check_found(all_methods[i], path, len, r2, &p2);
        }
        check_allow_string(allow, 64);
        check_allow_string(allow, size % 24);
        break;
    default:
        FUZZ_CHECK(0);
    }
    return 0;
}
