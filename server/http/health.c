/* Liveness, readiness and metrics. /readyz runs a real prepared statement through the pool,
 * so it answers 503 while the database is down and 200 again once the pool has reconnected. */
#include "http/server.h"
#include "common/log.h"
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

void wz_handle_healthz(wz_ctx_t *ctx)
{
    wz_send_json(ctx, 200, json_pack("{s:s}", "status", "ok"));
}

static void on_ready_rows(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    wz_ctx_t *ctx = data;
    if (wz_ctx_gone(ctx))
        goto done;
    if (err != NULL) {
        json_t *doc = json_pack("{s:s, s:s, s:s}", "status", "unavailable", "database", "down", "reason",
                                wz_db_strerror(err->code));
        h2o_set_header(&ctx->req->pool, &ctx->req->res.headers, H2O_TOKEN_RETRY_AFTER, H2O_STRLIT("2"), 1);
        wz_send_json(ctx, 503, doc);
        goto done;
    }
    long long version = 0;
    if (res->nrows == 1 && wz_db_cell(res, 0, 0)->type == WZ_DB_T_INT)
        version = wz_db_cell(res, 0, 0)->u.i;
    int current = version == ctx->server->schema_latest;
    json_t *doc = json_pack("{s:s, s:s, s:I, s:i}", "status", current ? "ready" : "unavailable", "database", "up",
                            "schema_version", (json_int_t)version, "schema_expected", ctx->server->schema_latest);
    if (!current)
        h2o_set_header(&ctx->req->pool, &ctx->req->res.headers, H2O_TOKEN_RETRY_AFTER, H2O_STRLIT("5"), 1);
    wz_send_json(ctx, current ? 200 : 503, doc);
done:
    wz_ctx_drop(ctx);
}

void wz_handle_readyz(wz_ctx_t *ctx)
{
    wz_ctx_hold(ctx);
    int ret = wz_db_run(ctx->worker->db, "SELECT CAST(COALESCE(MAX(version), 0) AS SIGNED) FROM schema_migrations", NULL, 0,
                        on_ready_rows, ctx);
    if (ret != WZ_DB_OK) {
        wz_db_error_t err = {.code = ret};
        on_ready_rows(NULL, &err, ctx);
    }
}

void wz_handle_metrics(wz_ctx_t *ctx)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len); /* memory only: no I/O on the loop */
    if (out == NULL) {
        wz_send_error(ctx, WZ_ERR_INTERNAL, NULL, NULL);
        return;
    }
    wz_server_t *server = ctx->server;
    wz_metrics_render_requests(out, &server->router);
    static const struct {
        const char *name, *help, *type;
        size_t offset;
        int is64;
    } gauges[] = {
        {"wz_db_pool_in_use", "Connections checked out.", "gauge", offsetof(wz_db_pool_stats_t, in_use), 0},
        {"wz_db_pool_waiting", "Requests waiting for a connection.", "gauge", offsetof(wz_db_pool_stats_t, waiting), 0},
        {"wz_db_pool_alive", "Connections up.", "gauge", offsetof(wz_db_pool_stats_t, alive), 0},
        {"wz_db_pool_size", "Connections configured.", "gauge", offsetof(wz_db_pool_stats_t, size), 0},
        {"wz_db_acquired_total", "Connections handed out.", "counter", offsetof(wz_db_pool_stats_t, acquired), 1},
        {"wz_db_rejected_busy_total", "Requests refused because the wait queue was full.", "counter",
         offsetof(wz_db_pool_stats_t, rejected_busy), 1},
        {"wz_db_timeouts_total", "Waits and statements that ran out of time.", "counter",
         offsetof(wz_db_pool_stats_t, timeouts), 1},
        {"wz_db_errors_total", "Statements that failed.", "counter", offsetof(wz_db_pool_stats_t, errors), 1},
        {"wz_db_reconnects_total", "Connections re-established.", "counter", offsetof(wz_db_pool_stats_t, reconnects),
         1},
    };
    wz_db_pool_stats_t *stats = calloc(server->nworkers, sizeof(*stats));
    /* pools stay allocated until every worker has stopped, so reading them is safe */
    for (size_t w = 0; w < server->nworkers; w++)
        if (server->workers[w].db != NULL)
            wz_db_pool_get_stats(server->workers[w].db, &stats[w]);
    for (size_t g = 0; g < sizeof(gauges) / sizeof(gauges[0]); g++) {
        fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", gauges[g].name, gauges[g].help, gauges[g].name, gauges[g].type);
        for (size_t w = 0; w < server->nworkers; w++) {
            const char *base = (const char *)&stats[w] + gauges[g].offset;
            unsigned long v = gauges[g].is64 ? (unsigned long)*(const uint64_t *)base : *(const unsigned *)base;
            fprintf(out, "%s{worker=\"%zu\"} %lu\n", gauges[g].name, w, v);
        }
    }
    free(stats);
    fprintf(out,
            "# HELP wz_sla_timers_fired_total SLA timers fired with an effect (warning, breach, close).\n"
            "# TYPE wz_sla_timers_fired_total counter\nwz_sla_timers_fired_total %lu\n"
            "# HELP wz_sla_timers_discarded_total SLA timers dropped because their ticket had moved on.\n"
            "# TYPE wz_sla_timers_discarded_total counter\nwz_sla_timers_discarded_total %lu\n"
            "# HELP wz_sla_batches_failed_total SLA timer transactions that failed (retried later).\n"
            "# TYPE wz_sla_batches_failed_total counter\nwz_sla_batches_failed_total %lu\n",
            (unsigned long)atomic_load_explicit(&server->sla_counters.fired, memory_order_relaxed),
            (unsigned long)atomic_load_explicit(&server->sla_counters.discarded, memory_order_relaxed),
            (unsigned long)atomic_load_explicit(&server->sla_counters.batches_failed, memory_order_relaxed));
    const wz_outbox_counters_t *oc = &server->outbox_counters;
    fprintf(out,
            "# HELP wz_outbox_sent_total Outbox rows delivered (or with nothing to deliver) by this process.\n"
            "# TYPE wz_outbox_sent_total counter\nwz_outbox_sent_total %lu\n"
            "# HELP wz_outbox_retried_total Outbox deliveries that failed and wait for another attempt.\n"
            "# TYPE wz_outbox_retried_total counter\nwz_outbox_retried_total %lu\n"
            "# HELP wz_outbox_dead_total Outbox rows given up (permanent refusal or max_attempts).\n"
            "# TYPE wz_outbox_dead_total counter\nwz_outbox_dead_total %lu\n"
            "# HELP wz_outbox_parked_total Outbox rows set aside because their channel has no sender yet.\n"
            "# TYPE wz_outbox_parked_total counter\nwz_outbox_parked_total %lu\n",
            (unsigned long)atomic_load_explicit(&oc->sent, memory_order_relaxed),
            (unsigned long)atomic_load_explicit(&oc->retried, memory_order_relaxed),
            (unsigned long)atomic_load_explicit(&oc->dead, memory_order_relaxed),
            (unsigned long)atomic_load_explicit(&oc->parked, memory_order_relaxed));
    fprintf(out, "# HELP wz_log_dropped_total Log lines dropped because the writer fell behind.\n"
                 "# TYPE wz_log_dropped_total counter\nwz_log_dropped_total %lu\n",
            (unsigned long)wz_log_dropped());
    fclose(out);
    wz_send_text(ctx->req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
    free(text);
}
