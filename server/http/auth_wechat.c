/* POST /api/v1/auth/miniprogram: a citizen signs in with the code of wx.login. The server
 * exchanges it at WeChat's jscode2session on the loop's HTTP client (never blocking), keys the
 * citizen by unionid when WeChat gives one, else by the app's openid, and starts a session.
 * See docs/security.md. */
#include "http/auth_session.h"
#include "common/log.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* one row per WeChat identity: the unionid (one person across the government's apps) or the
 * app's openid; LAST_INSERT_ID(id) makes the insert id the citizen's id on both paths */
static const char sql_citizen_upsert[] =
    "INSERT INTO citizens (appid, openid, unionid, last_login_at) VALUES (?, ?, NULLIF(?, ''), UTC_TIMESTAMP(6)) "
    "ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), last_login_at = VALUES(last_login_at), "
    "unionid = COALESCE(unionid, VALUES(unionid))";

/* ---- POST /auth/miniprogram: a citizen signs in with wx.login's code ---- */

static void citizen_upserted(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    auth_job_t *j = wz_db_txn_data(txn);
    if (wz_auth_failed(txn, err))
        return;
    j->user_id = (int64_t)res->insert_id;
    wz_auth_citizen_signed_in(txn, j);
}

static void citizen_first(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    auth_job_t *j = wz_db_txn_data(txn);
    j->outcome = OUT_OK;
    j->family_id = 0;
    wz_db_value_t p[] = {WZ_DB_TEXT(j->ctx->server->cfg->miniprogram_appid), WZ_DB_TEXT(j->openid),
                         WZ_DB_TEXT(j->unionid)};
    wz_db_txn_exec(txn, sql_citizen_upsert, p, 3, citizen_upserted);
}

static void on_wechat(const wz_http_response_t *res, void *data)
{
    auth_job_t *j = data;
    wz_ctx_t *ctx = j->ctx;
    if (wz_ctx_gone(ctx)) {
        wz_auth_job_free(j);
        return;
    }
    char msg[256];
    if (res->error != NULL || res->status != 200) {
        wz_warn("wechat jscode2session: %s (HTTP %ld)", res->error ? res->error : "unexpected status", res->status);
        snprintf(msg, sizeof(msg), "WeChat did not answer the sign-in: %s",
                 res->error ? res->error : "unexpected HTTP status");
        wz_send_error(ctx, WZ_ERR_UPSTREAM, msg, NULL);
        wz_auth_job_free(j);
        return;
    }
    wz_wechat_session_t s;
    wz_wechat_parse_session(res->body, res->len, &s);
    switch (s.outcome) {
    case WZ_WECHAT_OK:
        memcpy(j->openid, s.openid, sizeof(j->openid));
        memcpy(j->unionid, s.unionid, sizeof(j->unionid));
        wz_auth_begin(j, citizen_first);
        return;
    case WZ_WECHAT_BAD_CODE:
        snprintf(msg, sizeof(msg), "WeChat did not accept the code (errcode %ld): call wx.login again", s.errcode);
        h2o_add_header(&ctx->req->pool, &ctx->req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL,
                       H2O_STRLIT("Bearer realm=\"wenzheng\""));
        wz_send_error(ctx, WZ_ERR_UNAUTHENTICATED, msg, "code");
        break;
    case WZ_WECHAT_RATE_LIMIT:
        wz_send_error(ctx, WZ_ERR_RATE_LIMITED, "WeChat says: too many sign-ins; try again shortly", NULL);
        break;
    default:
        wz_warn("wechat jscode2session refused: errcode %ld %s", s.errcode, s.errmsg);
        snprintf(msg, sizeof(msg), "WeChat refused the sign-in (errcode %ld: %s)", s.errcode, s.errmsg);
        wz_send_error(ctx, WZ_ERR_UPSTREAM, msg, NULL);
    }
    wz_auth_job_free(j);
}

void wz_handle_auth_miniprogram(wz_ctx_t *ctx)
{
    const wz_config_t *cfg = ctx->server->cfg;
    const char *code = NULL;
    json_error_t jerr;
    if (!json_is_object(ctx->body) || json_unpack_ex(ctx->body, &jerr, JSON_STRICT, "{s:s}", "code", &code) != 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "the body must be {code} (from wx.login)", "code");
        return;
    }
    if (!wz_wechat_code_valid(code, strlen(code))) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "code must be 1-128 visible ASCII characters", "code");
        return;
    }
    if (cfg->miniprogram_appid[0] == '\0' || cfg->miniprogram_secret[0] == '\0') {
        wz_send_error(ctx, WZ_ERR_NOT_CONFIGURED, "the mini-program sign-in is not configured (miniprogram_appid)",
                      NULL);
        return;
    }
    auth_job_t *j = wz_auth_job_new(ctx);
    j->citizen = 1;
    j->login_action = "auth.miniprogram_login";
    char *url = wz_wechat_session_url(cfg->wechat_api_base, cfg->miniprogram_appid, cfg->miniprogram_secret, code);
    int ret = wz_http_get(ctx->worker->http, url, cfg->wechat_timeout_ms, 64 * 1024, on_wechat, j);
    sodium_memzero(url, strlen(url)); /* it carries the AppSecret */
    free(url);
    if (ret != 0) {
        wz_send_error(ctx, WZ_ERR_UPSTREAM, "cannot call WeChat", NULL);
        wz_auth_job_free(j);
    }
}
