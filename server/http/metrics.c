#include "http/metrics.h"
#include <stdatomic.h>
#include <string.h>

/* Status codes get a slot each; anything else lands in "other". */
static const int statuses[] = {200, 201, 202, 204, 301, 302, 304, 400, 401, 403, 404, 405,
                               409, 410, 413, 415, 422, 429, 500, 502, 503, 504, 0};
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]))
/* Latency buckets in microseconds (upper bounds); the last is +Inf. */
static const uint64_t bounds_us[] = {500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000,
                                     2500000, 5000000, 10000000};
#define NBUCKETS (sizeof(bounds_us) / sizeof(bounds_us[0]) + 1)

static _Atomic uint64_t requests[WZ_METRICS_NROUTES][NSTATUS];
static _Atomic uint64_t latency[WZ_METRICS_NROUTES][NBUCKETS];
static _Atomic uint64_t latency_sum_us[WZ_METRICS_NROUTES];

static const char *error_kinds[] = {"internal", "db", "timeout", "overloaded", NULL};
static _Atomic uint64_t errors[8];

static size_t status_slot(int status)
{
    for (size_t i = 0; i + 1 < NSTATUS; i++)
        if (statuses[i] == status)
            return i;
    return NSTATUS - 1;
}

void wz_metrics_observe(int route, int status, uint64_t duration_us)
{
    if (route < 0 || route >= WZ_METRICS_NROUTES)
        route = WZ_METRICS_ROUTE_OTHER;
    atomic_fetch_add_explicit(&requests[route][status_slot(status)], 1, memory_order_relaxed);
    size_t b = 0;
    while (b < NBUCKETS - 1 && duration_us > bounds_us[b])
        b++;
    atomic_fetch_add_explicit(&latency[route][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&latency_sum_us[route], duration_us, memory_order_relaxed);
}

void wz_metrics_error(const char *kind)
{
    for (size_t i = 0; error_kinds[i] != NULL; i++) {
        if (strcmp(error_kinds[i], kind) == 0) {
            atomic_fetch_add_explicit(&errors[i], 1, memory_order_relaxed);
            return;
        }
    }
}

static const char *route_label(const wz_router_t *router, int r)
{
    return r == WZ_METRICS_ROUTE_OTHER ? "other" : router->routes[r].name;
}

static const char *method_label(unsigned m)
{
    switch (m) {
    case WZ_METHOD_GET:
        return "GET";
    case WZ_METHOD_POST:
        return "POST";
    case WZ_METHOD_PUT:
        return "PUT";
    case WZ_METHOD_PATCH:
        return "PATCH";
    case WZ_METHOD_DELETE:
        return "DELETE";
    default:
        return "OTHER";
    }
}

void wz_metrics_render_requests(FILE *out, const wz_router_t *router)
{
    fputs("# HELP wz_http_requests_total HTTP requests by route and status.\n"
          "# TYPE wz_http_requests_total counter\n",
          out);
    for (int r = 0; r < WZ_METRICS_NROUTES; r++) {
        if (r != WZ_METRICS_ROUTE_OTHER && (size_t)r >= router->count)
            continue;
        for (size_t s = 0; s < NSTATUS; s++) {
            uint64_t v = atomic_load_explicit(&requests[r][s], memory_order_relaxed);
            if (v == 0)
                continue;
            const char *method = r == WZ_METRICS_ROUTE_OTHER ? "ANY" : method_label(router->routes[r].method);
            if (statuses[s])
                fprintf(out, "wz_http_requests_total{route=\"%s\",method=\"%s\",status=\"%d\"} %lu\n",
                        route_label(router, r), method, statuses[s], (unsigned long)v);
            else
                fprintf(out, "wz_http_requests_total{route=\"%s\",method=\"%s\",status=\"other\"} %lu\n",
                        route_label(router, r), method, (unsigned long)v);
        }
    }
    fputs("# HELP wz_http_request_duration_seconds Time from request start to the last byte sent.\n"
          "# TYPE wz_http_request_duration_seconds histogram\n",
          out);
    for (int r = 0; r < WZ_METRICS_NROUTES; r++) {
        if (r != WZ_METRICS_ROUTE_OTHER && (size_t)r >= router->count)
            continue;
        uint64_t cum = 0, total = 0;
        for (size_t b = 0; b < NBUCKETS; b++)
            total += atomic_load_explicit(&latency[r][b], memory_order_relaxed);
        if (total == 0)
            continue;
        const char *label = route_label(router, r);
        const char *method = r == WZ_METRICS_ROUTE_OTHER ? "ANY" : method_label(router->routes[r].method);
        for (size_t b = 0; b < NBUCKETS; b++) {
            cum += atomic_load_explicit(&latency[r][b], memory_order_relaxed);
            if (b < NBUCKETS - 1)
                fprintf(out, "wz_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\",le=\"%g\"} %lu\n",
                        label, method, (double)bounds_us[b] / 1e6, (unsigned long)cum);
            else
                fprintf(out, "wz_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\",le=\"+Inf\"} %lu\n",
                        label, method, (unsigned long)cum);
        }
        fprintf(out, "wz_http_request_duration_seconds_sum{route=\"%s\",method=\"%s\"} %.6f\n", label, method,
                (double)atomic_load_explicit(&latency_sum_us[r], memory_order_relaxed) / 1e6);
        fprintf(out, "wz_http_request_duration_seconds_count{route=\"%s\",method=\"%s\"} %lu\n", label, method,
                (unsigned long)cum);
    }
    fputs("# HELP wz_errors_total Errors by kind.\n# TYPE wz_errors_total counter\n", out);
    for (size_t i = 0; error_kinds[i] != NULL; i++)
        fprintf(out, "wz_errors_total{kind=\"%s\"} %lu\n", error_kinds[i],
                (unsigned long)atomic_load_explicit(&errors[i], memory_order_relaxed));
}
