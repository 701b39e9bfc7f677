#include "http/auth_session.h"
#include "auth/audit.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char wz_auth_sql_citizen[] = "SELECT disabled FROM citizens WHERE id = ?";
static const char sql_token_add[] = "INSERT INTO refresh_tokens (token_hash, family_id, subject_kind, subject_id, "
                                    "expires_at, client_ip) VALUES (?, ?, ?, ?, FROM_UNIXTIME(?), ?)";
static const char sql_family_self[] = "UPDATE refresh_tokens SET family_id = id WHERE id = ?";

auth_job_t *wz_auth_job_new(wz_ctx_t *ctx)
{
    auth_job_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        abort();
    j->ctx = ctx;
    j->now = (int64_t)time(NULL);
    wz_ctx_hold(ctx);
    return j;
}

void wz_auth_job_free(auth_job_t *j)
{
    if (j->password != NULL) {
        sodium_memzero(j->password, strlen(j->password));
        free(j->password);
    }
    sodium_memzero(j->refresh, sizeof(j->refresh));
    wz_ctx_drop(j->ctx);
    free(j);
}

void wz_auth_audit(wz_db_txn_t *txn, auth_job_t *j, const char *action, wz_db_txn_step_fn next)
{
    char target[24];
    snprintf(target, sizeof(target), "%lld", (long long)j->user_id);
    int known = j->user_id > 0;
    wz_db_value_t p[WZ_AUDIT_NPARAMS];
    const char *role = !known ? "anonymous" : j->citizen ? "citizen" : j->role_known ? wz_role_name(j->role) : "user";
    wz_audit_params(p, j->user_id, role, known ? j->unit_id : 0, action, j->citizen ? "citizen" : "user",
                    known ? target : j->username, j->ctx->client_ip, NULL);
    wz_db_txn_exec(txn, wz_audit_insert_sql, p, WZ_AUDIT_NPARAMS, next);
}

/* ---- answers ---- */

static void send_session(auth_job_t *j)
{
    wz_ctx_t *ctx = j->ctx;
    const wz_config_t *cfg = ctx->server->cfg;
    if (j->citizen) {
        j->role = WZ_ROLE_CITIZEN;
        j->unit_id = 0;
        j->unit_path[0] = '\0';
    }
    wz_identity_t who = {.role = j->role, .id = j->user_id, .unit_id = j->unit_id};
    snprintf(who.unit_path, sizeof(who.unit_path), "%s", j->unit_path);
    char *access = wz_token_issue(cfg->jwt_secret, &who, j->now, cfg->auth.access_ttl_s);
    if (access == NULL) {
        wz_send_error(ctx, WZ_ERR_INTERNAL, "the user's unit is not valid for a token", NULL);
        return;
    }
    char uid[24], unit[24];
    snprintf(uid, sizeof(uid), "%lld", (long long)j->user_id);
    snprintf(unit, sizeof(unit), "%lld", (long long)j->unit_id);
    json_t *user = j->citizen ? json_pack("{s:s, s:s}", "id", uid, "role", "citizen")
                              : json_pack("{s:s, s:s, s:s, s:s, s:o, s:s}", "id", uid, "username", j->username,
                                          "display_name", j->display_name, "role", wz_role_name(j->role), "unit_id",
                                          j->unit_id > 0 ? json_string(unit) : json_null(), "unit_path", j->unit_path);
    json_t *doc = json_pack("{s:s, s:s, s:i, s:s, s:i, s:o}", "access_token", access, "token_type", "Bearer",
                            "expires_in", cfg->auth.access_ttl_s, "refresh_token", j->refresh, "refresh_expires_in",
                            cfg->auth.refresh_ttl_s, "user", user);
    free(access);
    wz_send_json(ctx, 200, doc); /* with Cache-Control: no-store, as every answer */
}

static void on_done(void *data, const wz_db_error_t *err)
{
    auth_job_t *j = data;
    wz_ctx_t *ctx = j->ctx;
    if (wz_ctx_gone(ctx)) {
    } else if (err != NULL) {
        wz_send_db_error(ctx, err);
    } else if (j->outcome == OUT_OK) {
        send_session(j);
    } else if (j->outcome == OUT_BLOCKED) {
        wz_send_error(ctx, WZ_ERR_FORBIDDEN, "this citizen account is blocked", NULL);
    } else {
        h2o_add_header(&ctx->req->pool, &ctx->req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL,
                       H2O_STRLIT("Bearer realm=\"wenzheng\""));
        wz_send_error(ctx, WZ_ERR_UNAUTHENTICATED,
                      j->outcome == OUT_BAD_CODE    ? "the code is wrong, used or expired: ask for a new one"
                      : j->outcome == OUT_BAD_LOGIN ? "wrong username or password"
                      : j->outcome == OUT_REVOKED ? "the refresh token was used before: every session of it is ended"
                                                  : "the refresh token is not valid",
                      j->outcome == OUT_BAD_CODE ? "code" : NULL);
    }
    wz_auth_job_free(j);
}

void wz_auth_begin(auth_job_t *j, wz_db_txn_step_fn first)
{
    int ret = wz_db_txn_begin(j->ctx->worker->db, first, on_done, j);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_done(j, &e);
    }
}

int wz_auth_failed(wz_db_txn_t *txn, const wz_db_error_t *err)
{
    if (err == NULL)
        return 0;
    wz_db_txn_fail(txn, err);
    return 1;
}

void wz_auth_commit_step(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    if (!wz_auth_failed(txn, err))
        wz_db_txn_commit(txn);
}

/* ---- a new token in a family (login: a new family) ---- */

static void family_set(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    auth_job_t *j = wz_db_txn_data(txn);
    if (wz_auth_failed(txn, err))
        return;
    wz_auth_audit(txn, j,
                  j->family_id != j->token_id ? "auth.refresh"
                  : j->login_action           ? j->login_action
                                              : "auth.login",
                  wz_auth_commit_step);
}

static void token_added(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    auth_job_t *j = wz_db_txn_data(txn);
    if (wz_auth_failed(txn, err))
        return;
    j->token_id = (int64_t)res->insert_id;
    if (j->family_id == 0) {
        j->family_id = j->token_id;
        wz_db_value_t p = WZ_DB_INT(j->token_id);
        wz_db_txn_exec(txn, sql_family_self, &p, 1, family_set);
        return;
    }
    family_set(txn, NULL, NULL);
}

void wz_auth_add_token(wz_db_txn_t *txn, auth_job_t *j)
{
    wz_refresh_new(j->refresh, j->refresh_hash);
    int64_t expires = j->now + j->ctx->server->cfg->auth.refresh_ttl_s;
    wz_db_value_t p[] = {WZ_DB_BLOB(j->refresh_hash, WZ_REFRESH_HASH_LEN),
                         WZ_DB_INT(j->family_id),
                         WZ_DB_TEXT(j->citizen ? "citizen" : "user"),
                         WZ_DB_INT(j->user_id),
                         WZ_DB_INT(expires),
                         WZ_DB_TEXT(j->ctx->client_ip)};
    wz_db_txn_exec(txn, sql_token_add, p, 6, token_added);
}

static void citizen_checked(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    auth_job_t *j = wz_db_txn_data(txn);
    if (wz_auth_failed(txn, err))
        return;
    if (res->nrows == 0 || wz_db_cell_int(res, 0, 0) != 0) {
        j->outcome = OUT_BLOCKED;
        wz_db_txn_commit(txn); /* what led here (last_login_at, a used code) stays recorded */
        return;
    }
    wz_auth_add_token(txn, j);
}

void wz_auth_citizen_signed_in(wz_db_txn_t *txn, auth_job_t *j)
{
    wz_db_value_t p = WZ_DB_INT(j->user_id);
    wz_db_txn_exec(txn, wz_auth_sql_citizen, &p, 1, citizen_checked);
}
