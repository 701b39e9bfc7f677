/* Endpoints for the test suite only (debug_endpoints=true): a statement that takes a chosen
 * time, to hold connections and requests in flight, an echo of the parsed body, and the
 * statistics export of a posted result document. */
#include "http/server.h"
#include "stats/export.h"
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

#define DEBUG_EXPORT_REPEAT_MAX 1000

/* POST /api/v1/debug/export?format=csv|xlsx&group_by=unit,month[&repeat=N]: the body is a
 * statistics result document, answered as its export. repeat appends the rows N times (the
 * same row objects, so a large export costs little memory to ask for: the memory test). */
void wz_handle_debug_export(wz_ctx_t *ctx)
{
    char format[8], group_by[32] = "unit", repeat_s[8] = "1";
    wz_export_format_t fmt;
    wz_export_layout_t layout;
    if (wz_req_query(ctx, "format", format, sizeof(format)) != 1 || wz_export_format_parse(format, &fmt) != 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "format must be csv or xlsx", "format");
        return;
    }
    if (wz_req_query(ctx, "group_by", group_by, sizeof(group_by)) < 0 ||
        wz_export_layout_parse(group_by, &layout) != 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "group_by is not a grouping", "group_by");
        return;
    }
    char *end;
    long repeat = wz_req_query(ctx, "repeat", repeat_s, sizeof(repeat_s)) < 0 ? -1 : strtol(repeat_s, &end, 10);
    if (repeat < 1 || repeat > DEBUG_EXPORT_REPEAT_MAX || *end != '\0') {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "repeat must be 1..1000", "repeat");
        return;
    }
    json_t *rows = json_object_get(ctx->body, "rows");
    if (!json_is_array(rows)) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "the body must be {\"rows\": [...], \"totals\": {...}}", "rows");
        return;
    }
    json_t *doc = json_object();
    json_t *all = json_array();
    for (long r = 0; r < repeat; r++)
        json_array_extend(all, rows);
    json_object_set_new(doc, "rows", all);
    json_t *totals = json_object_get(ctx->body, "totals");
    if (totals != NULL)
        json_object_set(doc, "totals", totals);
    char filename[128];
    wz_export_filename("2026-11-01", "2026-12-01", fmt, filename, sizeof(filename));
    wz_export_send(ctx, fmt, doc, &layout, filename);
}
