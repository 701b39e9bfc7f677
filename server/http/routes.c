/* The route table: every endpoint the server answers, in one place. api/openapi.yaml must list
 * the same paths (tests/integration/test_openapi.py checks). */
#include "http/server.h"
#include "common/log.h"
#include <stdlib.h>

#define ROUTE(m, pattern, name, fn, flags)                                                                             \
    do {                                                                                                               \
        wz_route_t r = {m, pattern, name, (void *)(fn), flags};                                                        \
        if (wz_router_add(&server->router, &r) < 0) {                                                                  \
            wz_error("bad route %s", pattern);                                                                         \
            abort();                                                                                                   \
        }                                                                                                              \
    } while (0)

void wz_routes_register(wz_server_t *server)
{
    ROUTE(WZ_METHOD_GET, "/healthz", "healthz", wz_handle_healthz, WZ_ROUTE_PUBLIC);
    ROUTE(WZ_METHOD_GET, "/readyz", "readyz", wz_handle_readyz, WZ_ROUTE_PUBLIC);
    ROUTE(WZ_METHOD_GET, "/metrics", "metrics", wz_handle_metrics, WZ_ROUTE_PUBLIC | WZ_ROUTE_LOCAL_ONLY);
    if (server->cfg->debug_endpoints) {
        ROUTE(WZ_METHOD_GET, "/api/v1/debug/sleep", "debug.sleep", wz_handle_debug_sleep, WZ_ROUTE_PUBLIC);
        ROUTE(WZ_METHOD_POST, "/api/v1/debug/echo", "debug.echo", wz_handle_debug_echo, WZ_ROUTE_PUBLIC);
    }
}
