#ifndef WZ_HTTP_METRICS_H
#define WZ_HTTP_METRICS_H
/* Request counters and latency histograms in relaxed atomics: every loop writes, /metrics reads. */
#include <stdint.h>
#include <stdio.h>
#include "http/router.h"

#define WZ_METRICS_ROUTE_OTHER (WZ_ROUTE_MAX_ROUTES) /* static files and unmatched paths */
#define WZ_METRICS_NROUTES (WZ_ROUTE_MAX_ROUTES + 1)

/** Records one finished request. route is an index into the router or WZ_METRICS_ROUTE_OTHER. */
void wz_metrics_observe(int route, int status, uint64_t duration_us);
/** Counts an internal error (5xx produced by the application, DB failures). */
void wz_metrics_error(const char *kind);
/** Writes the request metrics in Prometheus text format. */
void wz_metrics_render_requests(FILE *out, const wz_router_t *router);

#endif
