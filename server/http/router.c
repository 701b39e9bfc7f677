#include "http/router.h"
#include <string.h>

static const struct {
    const char *name;
    unsigned bit;
} methods[] = {{"GET", WZ_METHOD_GET},       {"HEAD", WZ_METHOD_HEAD},     {"POST", WZ_METHOD_POST},
               {"PUT", WZ_METHOD_PUT},       {"PATCH", WZ_METHOD_PATCH},   {"DELETE", WZ_METHOD_DELETE},
               {"OPTIONS", WZ_METHOD_OPTIONS}};
#define NMETHODS (sizeof(methods) / sizeof(methods[0]))

const char *wz_method_name(unsigned method)
{
    for (size_t i = 0; i < NMETHODS; i++)
        if (methods[i].bit == method)
            return methods[i].name;
    return "?";
}

unsigned wz_method_from_string(const char *s, size_t len)
{
    for (size_t i = 0; i < NMETHODS; i++)
        if (strlen(methods[i].name) == len && memcmp(methods[i].name, s, len) == 0)
            return methods[i].bit;
    return 0;
}

static int pattern_valid(const char *p)
{
    if (p == NULL || p[0] != '/')
        return 0;
    size_t params = 0;
    for (const char *s = p; *s; s++) {
        if (*s == '{') {
            /* a parameter fills a whole segment: "/{id}" followed by '/' or the end */
            if (s[-1] != '/')
                return 0;
            const char *close = strchr(s, '}');
            if (close == NULL || close == s + 1 || (close[1] != '/' && close[1] != '\0'))
                return 0;
            if (++params > WZ_ROUTE_MAX_PARAMS)
                return 0;
            s = close;
        }
    }
    return 1;
}

int wz_router_add(wz_router_t *router, const wz_route_t *route)
{
    if (router->count >= WZ_ROUTE_MAX_ROUTES || !pattern_valid(route->pattern))
        return -1;
    unsigned bit = route->method;
    /* one method per route; HEAD is served by the GET route, so a HEAD route could never match */
    if (bit == 0 || (bit & (bit - 1)) != 0 || bit == WZ_METHOD_HEAD)
        return -1;
    router->routes[router->count] = *route;
    if (router->routes[router->count].name == NULL)
        router->routes[router->count].name = route->pattern;
    return (int)router->count++;
}

/* Matches one pattern against the path; fills params on success. */
static int match_pattern(const char *pat, const char *path, size_t len, wz_route_params_t *params)
{
    size_t pi = 0;
    params->count = 0;
    while (*pat) {
        if (*pat == '{') {
            const char *close = strchr(pat, '}');
            size_t start = pi;
            while (pi < len && path[pi] != '/')
                pi++;
            if (pi == start)
                return 0;
            params->items[params->count].name = pat + 1;
            params->items[params->count].name_len = (size_t)(close - pat - 1);
            params->items[params->count].value = path + start;
            params->items[params->count].value_len = pi - start;
            params->count++;
            pat = close + 1;
            continue;
        }
        if (pi >= len || path[pi] != *pat)
            return 0;
        pat++;
        pi++;
    }
    return pi == len;
}

wz_route_result_t wz_router_match(const wz_router_t *router, unsigned method, const char *path, size_t len,
                                  const wz_route_t **route, wz_route_params_t *params, unsigned *allow)
{
    unsigned want = method == WZ_METHOD_HEAD ? WZ_METHOD_GET : method;
    unsigned allowed = 0;
    wz_route_params_t scratch;
    *route = NULL;
    for (size_t i = 0; i < router->count; i++) {
        const wz_route_t *r = &router->routes[i];
        if (!match_pattern(r->pattern, path, len, &scratch))
            continue;
        if (r->method == want) {
            *route = r;
            *params = scratch;
            return WZ_ROUTE_FOUND;
        }
        allowed |= r->method;
        if (r->method == WZ_METHOD_GET)
            allowed |= WZ_METHOD_HEAD;
    }
    if (allowed == 0)
        return WZ_ROUTE_NOT_FOUND;
    *allow = allowed;
    return WZ_ROUTE_METHOD_NOT_ALLOWED;
}

size_t wz_router_allow_string(unsigned allow, char *buf, size_t buflen)
{
    size_t o = 0;
    if (buflen == 0)
        return 0;
    buf[0] = '\0';
    for (size_t i = 0; i < NMETHODS; i++) {
        if (!(allow & methods[i].bit))
            continue;
        size_t n = strlen(methods[i].name) + (o ? 2 : 0);
        if (o + n + 1 > buflen)
            break;
        if (o) {
            memcpy(buf + o, ", ", 2);
            o += 2;
        }
        memcpy(buf + o, methods[i].name, strlen(methods[i].name));
        o += strlen(methods[i].name);
        buf[o] = '\0';
    }
    return o;
}

const char *wz_route_param(const wz_route_params_t *params, const char *name, size_t *len)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < params->count; i++) {
        if (params->items[i].name_len == n && memcmp(params->items[i].name, name, n) == 0) {
            *len = params->items[i].value_len;
            return params->items[i].value;
        }
    }
    *len = 0;
    return NULL;
}
