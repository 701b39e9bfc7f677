/* Endpoints for the test suite only (debug_endpoints=true): a statement that takes a chosen
 * time, to hold connections and requests in flight, and an echo of the parsed body. */
#include "http/server.h"
#include <stdlib.h>

#define DEBUG_SLEEP_MAX_MS 60000

static void on_slept(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    (void)res;
    wz_ctx_t *ctx = data;
    if (!wz_ctx_gone(ctx)) {
        if (err != NULL)
            wz_send_db_error(ctx, err);
        else
            wz_send_json(ctx, 200, json_pack("{s:b}", "slept", 1));
    }
    wz_ctx_drop(ctx);
}

void wz_handle_debug_sleep(wz_ctx_t *ctx)
{
    char buf[16];
    if (wz_req_query(ctx, "ms", buf, sizeof(buf)) != 1) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "ms is required", "ms");
        return;
    }
    char *end;
    long ms = strtol(buf, &end, 10);
    if (*end != '\0' || ms < 0 || ms > DEBUG_SLEEP_MAX_MS) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "ms must be 0..60000", "ms");
        return;
    }
    wz_db_value_t p[] = {WZ_DB_DOUBLE((double)ms / 1000.0)};
    wz_ctx_hold(ctx);
    int ret = wz_db_run(ctx->worker->db, "SELECT SLEEP(?)", p, 1, on_slept, ctx);
    if (ret != WZ_DB_OK) {
        wz_send_error(ctx, wz_err_from_db(ret), NULL, NULL);
        wz_ctx_drop(ctx);
    }
}

void wz_handle_debug_echo(wz_ctx_t *ctx)
{
    json_t *body = ctx->body ? json_incref(ctx->body) : json_null();
    wz_send_json(ctx, 200, json_pack("{s:o}", "body", body));
}
