#ifndef WZ_HTTP_ROUTER_H
#define WZ_HTTP_ROUTER_H
#include <stddef.h>

/* Routing is pure: it maps (method, path) to a route and its path parameters, so the tests
 * and the fuzzer call it without a server. */

enum {
    WZ_METHOD_GET = 1 << 0,
    WZ_METHOD_HEAD = 1 << 1,
    WZ_METHOD_POST = 1 << 2,
    WZ_METHOD_PUT = 1 << 3,
    WZ_METHOD_PATCH = 1 << 4,
    WZ_METHOD_DELETE = 1 << 5,
    WZ_METHOD_OPTIONS = 1 << 6,
};

#define WZ_ROUTE_MAX_PARAMS 6
#define WZ_ROUTE_MAX_ROUTES 256

typedef struct wz_route {
    unsigned method; /* one WZ_METHOD_* bit */
    const char *pattern; /* "/api/v1/tickets/{id}/events"; a {name} matches one non-empty segment */
    const char *name;    /* metrics label, e.g. "tickets.events"; defaults to the pattern */
    void *handler;       /* opaque to the router */
    unsigned flags;      /* opaque to the router */
} wz_route_t;

typedef struct wz_route_params {
    size_t count;
    struct {
        const char *name;
        size_t name_len;
        const char *value;
        size_t value_len;
    } items[WZ_ROUTE_MAX_PARAMS];
} wz_route_params_t;

typedef struct wz_router {
    size_t count;
    wz_route_t routes[WZ_ROUTE_MAX_ROUTES];
} wz_router_t;

typedef enum { WZ_ROUTE_FOUND, WZ_ROUTE_NOT_FOUND, WZ_ROUTE_METHOD_NOT_ALLOWED } wz_route_result_t;

/** The name of one method bit ("GET"), or "?" */
const char *wz_method_name(unsigned method);
/** Parses a method token; returns 0 when unknown. */
unsigned wz_method_from_string(const char *s, size_t len);
/** Adds a route; returns its index or -1 if the table is full or the pattern is invalid. */
int wz_router_add(wz_router_t *router, const wz_route_t *route);
/** Matches a decoded path (no query string). HEAD matches GET routes. On METHOD_NOT_ALLOWED,
 * *allow holds the methods that the path does accept. */
wz_route_result_t wz_router_match(const wz_router_t *router, unsigned method, const char *path, size_t len,
                                  const wz_route_t **route, wz_route_params_t *params, unsigned *allow);
/** Writes the Allow header value for a method mask ("GET, HEAD, POST"); returns its length. */
size_t wz_router_allow_string(unsigned allow, char *buf, size_t buflen);
/** Looks up a path parameter by name; returns NULL (and *len 0) when absent. */
const char *wz_route_param(const wz_route_params_t *params, const char *name, size_t *len);

#endif
