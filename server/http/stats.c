/* The statistics endpoints (docs/metrics.md, "API"): GET /stats, /stats/ranking and
 * /stats/accounts/health. Every staff role reads them within its scope (staff and reviewers
 * their unit, dispatchers, supervisors and evaluators their subtree, admins all); citizens are
 * refused. The figures come from the rollups (server/stats/); a handler parses, checks, fetches
 * and renders. */
#include "http/server.h"
#include "admin/account_health.h"
#include "stats/export.h"
#include "stats/fetch.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the query string without '?', or "" */
static const char *query_string(wz_ctx_t *ctx, size_t *len)
{
    h2o_req_t *req = ctx->req;
    if (req == NULL || req->query_at == SIZE_MAX) {
        *len = 0;
        return "";
    }
    *len = req->path.len - req->query_at - 1;
    return req->path.base + req->query_at + 1;
}

static int refuse_citizens(wz_ctx_t *ctx)
{
    if (ctx->who.role != WZ_ROLE_CITIZEN)
        return 0;
    wz_send_error(ctx, WZ_ERR_FORBIDDEN, "citizens do not read statistics", NULL);
    return 1;
}

static void on_fetched(void *data, json_t *doc, const wz_db_error_t *err)
{
    wz_ctx_t *ctx = data;
    if (wz_ctx_gone(ctx)) {
    } else if (err != NULL) {
        wz_send_db_error(ctx, err);
    } else if (doc == NULL) {
        wz_send_error(ctx, WZ_ERR_NOT_FOUND, "no such unit", "unit_id");
    } else {
        wz_send_json_large(ctx, 200, json_incref(doc));
    }
    wz_ctx_drop(ctx);
}

static void fetch(wz_ctx_t *ctx, const wz_stats_params_t *p)
{
    wz_ctx_hold(ctx);
    int ret = wz_stats_fetch(ctx->worker->db, p, &ctx->who, on_fetched, ctx);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_fetched(ctx, NULL, &e);
    }
}

typedef int (*params_parse_fn)(const char *qs, size_t len, wz_stats_params_t *p, wz_stats_bad_t *bad);

/* the caller may read statistics and the query string parses; else answered (403 / 422), -1 */
static int read_params(wz_ctx_t *ctx, params_parse_fn parse, wz_stats_params_t *p)
{
    if (refuse_citizens(ctx))
        return -1;
    size_t len;
    const char *qs = query_string(ctx, &len);
    wz_stats_bad_t bad;
    if (parse(qs, len, p, &bad) != 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, bad.message, bad.field);
        return -1;
    }
    return 0;
}

void wz_handle_stats(wz_ctx_t *ctx)
{
    wz_stats_params_t p;
    if (read_params(ctx, wz_stats_params_parse, &p) == 0)
        fetch(ctx, &p);
}

void wz_handle_stats_ranking(wz_ctx_t *ctx)
{
    wz_stats_params_t p;
    if (read_params(ctx, wz_stats_ranking_parse, &p) == 0)
        fetch(ctx, &p);
}

/* ---- the accounts' health: the admin read, then the period's rates, then the verdict ---- */

typedef struct {
    wz_ctx_t *ctx;
    int64_t from, to;
    json_t *items;
    wz_stats_stmt_t st;
} health_t;

static void health_done(health_t *h, const wz_db_error_t *err)
{
    wz_ctx_t *ctx = h->ctx;
    if (wz_ctx_gone(ctx)) {
    } else if (err != NULL) {
        wz_send_db_error(ctx, err);
    } else {
        char from[WZ_STATS_DATE_MAX], to[WZ_STATS_DATE_MAX];
        wz_stats_date_format(h->from, from);
        wz_stats_date_format(h->to, to);
        wz_send_json(ctx, 200,
                     json_pack("{s:O, s:s, s:s, s:i, s:f}", "items", h->items, "from", from, "to", to,
                               "silent_after_days", WZ_HEALTH_SILENT_DAYS, "reply_rate_floor",
                               (double)WZ_HEALTH_REPLY_FLOOR_NUM / WZ_HEALTH_REPLY_FLOOR_DEN));
    }
    json_decref(h->items);
    wz_ctx_drop(ctx);
    free(h);
}

static void on_health_rates(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    health_t *h = data;
    if (err == NULL)
        wz_stats_health_apply(h->items, res);
    health_done(h, err);
}

static void on_health_accounts(void *data, json_t *items, const wz_db_error_t *err)
{
    health_t *h = data;
    if (err != NULL) {
        health_done(h, err);
        return;
    }
    h->items = json_incref(items);
    wz_stats_build_health(h->from, h->to, &h->st);
    int ret = wz_db_run(h->ctx->worker->db, h->st.sql, h->st.p, h->st.np, on_health_rates, h);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        health_done(h, &e);
    }
}

void wz_handle_stats_accounts_health(wz_ctx_t *ctx)
{
    if (refuse_citizens(ctx))
        return;
    size_t len;
    const char *qs = query_string(ctx, &len);
    int64_t now = wz_ctx_now(ctx);
    health_t *h = calloc(1, sizeof(*h));
    if (h == NULL)
        abort();
    wz_stats_bad_t bad;
    if (wz_stats_period_parse(qs, len, now, &h->from, &h->to, &bad) != 0) {
        free(h);
        wz_send_error(ctx, WZ_ERR_VALIDATION, bad.message, bad.field);
        return;
    }
    h->ctx = ctx;
    wz_ctx_hold(ctx);
    int ret = wz_account_health_read(ctx->worker->db, &ctx->who, now, on_health_accounts, h);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        health_done(h, &e);
    }
}

/* ---- GET /stats/export: the same figures as GET /stats, as CSV or XLSX ---- */

typedef struct {
    wz_ctx_t *ctx;
    wz_export_format_t fmt;
    wz_export_layout_t layout;
    char filename[128];
} export_job_t;

static void on_export_fetched(void *data, json_t *doc, const wz_db_error_t *err)
{
    export_job_t *j = data;
    wz_ctx_t *ctx = j->ctx;
    if (wz_ctx_gone(ctx)) {
    } else if (err != NULL) {
        wz_send_db_error(ctx, err);
    } else if (doc == NULL) {
        wz_send_error(ctx, WZ_ERR_NOT_FOUND, "no such unit", "unit_id");
    } else {
        wz_export_send(ctx, j->fmt, json_incref(doc), &j->layout, j->filename); /* answers the request */
    }
    wz_ctx_drop(ctx);
    free(j);
}

void wz_handle_stats_export(wz_ctx_t *ctx)
{
    wz_stats_params_t p;
    if (read_params(ctx, wz_stats_params_parse, &p) != 0)
        return;
    char format[8] = "", group_by[64] = "";
    wz_export_format_t fmt;
    if (wz_req_query(ctx, "format", format, sizeof(format)) != 1 || wz_export_format_parse(format, &fmt) != 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "format must be csv or xlsx", "format");
        return;
    }
    export_job_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        abort();
    j->ctx = ctx;
    j->fmt = fmt;
    /* group_by was checked by the parameters' parse; absent = the totals alone */
    if (wz_req_query(ctx, "group_by", group_by, sizeof(group_by)) == 1 &&
        wz_export_layout_parse(group_by, &j->layout) != 0) {
        free(j);
        wz_send_error(ctx, WZ_ERR_VALIDATION, "group_by cannot be exported as given", "group_by");
        return;
    }
    char from[WZ_STATS_DATE_MAX], to[WZ_STATS_DATE_MAX];
    wz_stats_date_format(p.from, from);
    wz_stats_date_format(p.to, to);
    wz_export_filename(from, to, fmt, j->filename, sizeof(j->filename));
    wz_ctx_hold(ctx);
    int ret = wz_stats_fetch(ctx->worker->db, &p, &ctx->who, on_export_fetched, j);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_export_fetched(j, NULL, &e);
    }
}
