/* Sign-in for staff roles: POST /auth/login, /auth/refresh, /auth/logout, GET /me.
 *
 * login: throttling first (429 + Retry-After while the username or the address is locked), then
 * the user row, then argon2id verification on libuv's thread pool (never on the loop; a missing
 * user is verified against a dummy hash so the answer takes as long), then one transaction that
 * records the outcome: on success the username's failures are cleared, a refresh token family
 * starts and the login is audited; on failure both counters grow (and may lock) and the failure
 * is audited. Wrong name, wrong password and a disabled user all answer the same 401.
 *
 * refresh: the presented token is used up and the next one of its family issued, with a new
 * access token built from the user as the database has it now (role, unit, unit path). A token
 * presented a second time revokes its whole family: it was copied. logout revokes the family.
 * See docs/security.md. */
#include "auth/audit.h"
#include "auth/password.h"
#include "auth/session.h"
#include "auth/wechat.h"
#include "common/log.h"
#include "db/txn.h"
#include "http/server.h"
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define USERNAME_MAX 64
#define PASSWORD_MAX 1024

static const char sql_login_facts[] =
    "SELECT (SELECT CAST(UNIX_TIMESTAMP(locked_until) AS SIGNED) FROM login_failures "
    "        WHERE scope = 'user' AND subject = ?), "
    "(SELECT CAST(UNIX_TIMESTAMP(locked_until) AS SIGNED) FROM login_failures WHERE scope = 'ip' AND subject = ?), "
    "CAST(COALESCE(u.id, 0) AS SIGNED), COALESCE(u.password_hash, ''), COALESCE(u.role, ''), "
    "CAST(COALESCE(u.unit_id, 0) AS SIGNED), COALESCE(n.path, ''), COALESCE(u.disabled, 1), "
    "COALESCE(u.display_name, ''), COALESCE(u.username, '') "
    "FROM (SELECT 1) one LEFT JOIN users u ON u.username = ? LEFT JOIN units n ON n.id = u.unit_id";
static const char sql_user[] = "SELECT u.role, CAST(COALESCE(u.unit_id, 0) AS SIGNED), COALESCE(n.path, ''), "
                               "u.disabled, u.display_name, u.username, COALESCE(n.name, '') "
                               "FROM users u LEFT JOIN units n ON n.id = u.unit_id WHERE u.id = ?";
static const char sql_citizen[] = "SELECT disabled FROM citizens WHERE id = ?";
/* one row per WeChat identity: the unionid (one person across the government's apps) or the
 * app's openid; LAST_INSERT_ID(id) makes the insert id the citizen's id on both paths */
static const char sql_citizen_upsert[] =
    "INSERT INTO citizens (appid, openid, unionid, last_login_at) VALUES (?, ?, NULLIF(?, ''), UTC_TIMESTAMP(6)) "
    "ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), last_login_at = VALUES(last_login_at), "
    "unionid = COALESCE(unionid, VALUES(unionid))";
static const char sql_fail_count[] =
    "INSERT INTO login_failures (scope, subject, failures, last_at) VALUES (?, ?, 1, UTC_TIMESTAMP(6)) "
    "ON DUPLICATE KEY UPDATE failures = IF(last_at < UTC_TIMESTAMP(6) - INTERVAL 1 DAY, 1, failures + 1), "
    "last_at = UTC_TIMESTAMP(6)";
static const char sql_fail_read[] = "SELECT failures FROM login_failures WHERE scope = ? AND subject = ?";
static const char sql_fail_lock[] =
    "UPDATE login_failures SET locked_until = FROM_UNIXTIME(?) WHERE scope = ? AND subject = ?";
static const char sql_fail_clear[] = "DELETE FROM login_failures WHERE scope = 'user' AND subject = ?";
static const char sql_token_add[] = "INSERT INTO refresh_tokens (token_hash, family_id, subject_kind, subject_id, "
                                    "expires_at, client_ip) VALUES (?, ?, ?, ?, FROM_UNIXTIME(?), ?)";
static const char sql_family_self[] = "UPDATE refresh_tokens SET family_id = id WHERE id = ?";
static const char sql_token_find[] =
    "SELECT id, family_id, subject_kind, subject_id, CAST(UNIX_TIMESTAMP(expires_at) AS SIGNED), "
    "used_at IS NOT NULL, revoked_at IS NOT NULL FROM refresh_tokens WHERE token_hash = ? FOR UPDATE";
static const char sql_token_use[] = "UPDATE refresh_tokens SET used_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char sql_family_revoke[] =
    "UPDATE refresh_tokens SET revoked_at = UTC_TIMESTAMP(6) WHERE family_id = ? AND revoked_at IS NULL";

typedef enum { OUT_OK, OUT_BAD_LOGIN, OUT_BAD_REFRESH, OUT_REVOKED, OUT_BLOCKED } outcome_t;

typedef struct {
    wz_ctx_t *ctx;
    uv_work_t work;
    char username[USERNAME_MAX + 1];
    char *password; /* wiped and freed after the verification */
    char hash[WZ_PASSWORD_HASH_MAX];
    int verified;
    /* the user, as read */
    int64_t user_id, unit_id;
    wz_role_t role;
    int role_known; /* the user row was read (else the audit says "user") */
    int citizen;    /* the subject is a citizen (citizens.id in user_id), not a user */
    char openid[WZ_WECHAT_ID_MAX + 1], unionid[WZ_WECHAT_ID_MAX + 1];
    int disabled;
    char unit_path[WZ_UNIT_PATH_MAX], display_name[128];
    /* the session */
    uint8_t presented[WZ_REFRESH_HASH_LEN];
    int64_t token_id, family_id;
    char refresh[WZ_REFRESH_TOKEN_LEN + 1];
    uint8_t refresh_hash[WZ_REFRESH_HASH_LEN];
    int key; /* failures: 0 user, 1 ip */
    outcome_t outcome;
    int64_t now;
} auth_job_t;

static auth_job_t *job_new(wz_ctx_t *ctx)
{
    auth_job_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        abort();
    j->ctx = ctx;
    j->now = (int64_t)time(NULL);
    wz_ctx_hold(ctx);
    return j;
}

static void job_free(auth_job_t *j)
{
    if (j->password != NULL) {
        sodium_memzero(j->password, strlen(j->password));
        free(j->password);
    }
    sodium_memzero(j->refresh, sizeof(j->refresh));
    wz_ctx_drop(j->ctx);
    free(j);
}

static void audit(wz_db_txn_t *txn, auth_job_t *j, const char *action, wz_db_txn_step_fn next)
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
                      j->outcome == OUT_BAD_LOGIN ? "wrong username or password"
                      : j->outcome == OUT_REVOKED ? "the refresh token was used before: every session of it is ended"
                                                  : "the refresh token is not valid",
                      NULL);
    }
    job_free(j);
}

static void begin(auth_job_t *j, wz_db_txn_step_fn first)
{
    int ret = wz_db_txn_begin(j->ctx->worker->db, first, on_done, j);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_done(j, &e);
    }
}

static int failed(wz_db_txn_t *txn, const wz_db_error_t *err)
{
    if (err == NULL)
        return 0;
    wz_db_txn_fail(txn, err);
    return 1;
}

static void commit_step(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    if (!failed(txn, err))
        wz_db_txn_commit(txn);
}

/* ---- a new token in a family (login: a new family) ---- */

static void family_set(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    auth_job_t *j = wz_db_txn_data(txn);
    if (failed(txn, err))
        return;
    audit(txn, j,
          j->family_id != j->token_id ? "auth.refresh"
          : j->citizen                ? "auth.miniprogram_login"
                                      : "auth.login",
          commit_step);
}

static void token_added(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    auth_job_t *j = wz_db_txn_data(txn);
    if (failed(txn, err))
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

static void add_token(wz_db_txn_t *txn, auth_job_t *j)
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

/* ---- login: the outcome's transaction ---- */

static void success_cleared(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    if (!failed(txn, err))
        add_token(txn, wz_db_txn_data(txn));
}

static void failure_next_key(wz_db_txn_t *txn, auth_job_t *j);

static void failure_locked(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    auth_job_t *j = wz_db_txn_data(txn);
    if (failed(txn, err))
        return;
    j->key++;
    failure_next_key(txn, j);
}

static const char *key_scope(int key)
{
    return key == 0 ? "user" : "ip";
}

static const char *key_subject(const auth_job_t *j, int key)
{
    return key == 0 ? j->username : j->ctx->client_ip;
}

static void failure_counted(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    auth_job_t *j = wz_db_txn_data(txn);
    if (failed(txn, err))
        return;
    int lock = res->nrows ? wz_login_lock_seconds((unsigned)wz_db_cell_int(res, 0, 0), j->key == 1) : 0;
    if (lock == 0) {
        failure_locked(txn, NULL, NULL);
        return;
    }
    wz_db_value_t p[] = {WZ_DB_INT(j->now + lock), WZ_DB_TEXT(key_scope(j->key)), WZ_DB_TEXT(key_subject(j, j->key))};
    wz_db_txn_exec(txn, sql_fail_lock, p, 3, failure_locked);
}

static void failure_bumped(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    auth_job_t *j = wz_db_txn_data(txn);
    if (failed(txn, err))
        return;
    wz_db_value_t p[] = {WZ_DB_TEXT(key_scope(j->key)), WZ_DB_TEXT(key_subject(j, j->key))};
    wz_db_txn_exec(txn, sql_fail_read, p, 2, failure_counted);
}

static void failure_next_key(wz_db_txn_t *txn, auth_job_t *j)
{
    if (j->key == 2) {
        audit(txn, j, "auth.login_failed", commit_step);
        return;
    }
    wz_db_value_t p[] = {WZ_DB_TEXT(key_scope(j->key)), WZ_DB_TEXT(key_subject(j, j->key))};
    wz_db_txn_exec(txn, sql_fail_count, p, 2, failure_bumped);
}

static void outcome_first(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    auth_job_t *j = wz_db_txn_data(txn);
    j->key = 0;
    j->family_id = 0;
    if (j->outcome == OUT_OK) {
        wz_db_value_t p = WZ_DB_TEXT(j->username);
        wz_db_txn_exec(txn, sql_fail_clear, &p, 1, success_cleared);
        return;
    }
    failure_next_key(txn, j);
}

/* ---- login: verification off the loop ---- */

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[WZ_PASSWORD_HASH_MAX];

static void make_dummy_hash(void)
{
    if (wz_password_hash("no user has this password", dummy_hash) != 0)
        dummy_hash[0] = '\0';
}

static void verify_work(uv_work_t *w)
{
    auth_job_t *j = w->data;
    const char *hash = j->hash;
    if (j->user_id == 0) { /* take as long as for a real user */
        pthread_once(&dummy_once, make_dummy_hash);
        hash = dummy_hash;
    }
    j->verified = hash[0] != '\0' && wz_password_verify(hash, j->password) == 0 && j->user_id > 0;
}

static void verify_done(uv_work_t *w, int status)
{
    auth_job_t *j = w->data;
    sodium_memzero(j->hash, sizeof(j->hash));
    if (status != 0 || wz_ctx_gone(j->ctx)) {
        job_free(j);
        return;
    }
    j->outcome = j->verified && !j->disabled ? OUT_OK : OUT_BAD_LOGIN;
    begin(j, outcome_first);
}

static void on_login_facts(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    auth_job_t *j = data;
    wz_ctx_t *ctx = j->ctx;
    if (wz_ctx_gone(ctx)) {
        job_free(j);
        return;
    }
    if (err != NULL) {
        wz_send_db_error(ctx, err);
        job_free(j);
        return;
    }
    int64_t locked = wz_db_cell_int(res, 0, 0);
    int64_t ip_locked = wz_db_cell_int(res, 0, 1);
    if (ip_locked > locked)
        locked = ip_locked;
    if (locked > j->now) {
        wz_send_error_retry(ctx, WZ_ERR_RATE_LIMITED, "too many failed sign-ins: wait before trying again", NULL,
                            (int)(locked - j->now));
        job_free(j);
        return;
    }
    size_t n;
    j->user_id = wz_db_cell_int(res, 0, 2);
    const char *s = wz_db_cell_text(res, 0, 3, &n);
    snprintf(j->hash, sizeof(j->hash), "%.*s", (int)n, s);
    s = wz_db_cell_text(res, 0, 4, &n);
    int role = wz_role_parse(s, n);
    j->role = role >= 0 ? (wz_role_t)role : WZ_ROLE_STAFF;
    j->role_known = role >= 0;
    j->unit_id = wz_db_cell_int(res, 0, 5);
    s = wz_db_cell_text(res, 0, 6, &n);
    snprintf(j->unit_path, sizeof(j->unit_path), "%.*s", (int)n, s);
    j->disabled = wz_db_cell_int(res, 0, 7) != 0 || role < 0;
    s = wz_db_cell_text(res, 0, 8, &n);
    snprintf(j->display_name, sizeof(j->display_name), "%.*s", (int)n, s);
    j->work.data = j;
    if (uv_queue_work(&ctx->worker->loop, &j->work, verify_work, verify_done) != 0) {
        wz_send_error(ctx, WZ_ERR_INTERNAL, NULL, NULL);
        job_free(j);
    }
}

void wz_handle_auth_login(wz_ctx_t *ctx)
{
    const char *username = NULL, *password = NULL;
    json_error_t jerr;
    if (!json_is_object(ctx->body) || json_unpack_ex(ctx->body, &jerr, JSON_STRICT, "{s:s, s:s}", "username", &username,
                                                     "password", &password) != 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "the body must be {username, password}", NULL);
        return;
    }
    size_t ulen = strlen(username), plen = strlen(password);
    if (ulen == 0 || ulen > USERNAME_MAX) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "username must have 1 to 64 bytes", "username");
        return;
    }
    if (plen == 0 || plen > PASSWORD_MAX) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "password must have 1 to 1024 bytes", "password");
        return;
    }
    auth_job_t *j = job_new(ctx);
    memcpy(j->username, username, ulen + 1);
    j->password = strdup(password);
    if (j->password == NULL)
        abort();
    wz_db_value_t p[] = {WZ_DB_TEXT(j->username), WZ_DB_TEXT(ctx->client_ip), WZ_DB_TEXT(j->username)};
    int ret = wz_db_run(ctx->worker->db, sql_login_facts, p, 3, on_login_facts, j);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_login_facts(NULL, &e, j);
    }
}

/* ---- refresh and logout ---- */

static void revoked_family(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    auth_job_t *j = wz_db_txn_data(txn);
    if (failed(txn, err))
        return;
    /* the revocation is committed: the answer is still a refusal (or logout's 204) */
    audit(txn, j, j->outcome == OUT_REVOKED ? "auth.refresh_reused" : "auth.logout", commit_step);
}

static void revoke_family(wz_db_txn_t *txn, auth_job_t *j)
{
    wz_db_value_t p = WZ_DB_INT(j->family_id);
    wz_db_txn_exec(txn, sql_family_revoke, &p, 1, revoked_family);
}

static void token_used(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    if (!failed(txn, err))
        add_token(txn, wz_db_txn_data(txn));
}

static void refresh_user(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    auth_job_t *j = wz_db_txn_data(txn);
    if (failed(txn, err))
        return;
    size_t n = 0;
    const char *s = res->nrows ? wz_db_cell_text(res, 0, 0, &n) : "";
    int role = res->nrows ? wz_role_parse(s, n) : -1;
    if (role < 0 || wz_db_cell_int(res, 0, 3) != 0) { /* gone or disabled: the sessions end */
        j->outcome = OUT_BAD_REFRESH;
        wz_db_value_t p = WZ_DB_INT(j->family_id);
        wz_db_txn_exec(txn, sql_family_revoke, &p, 1, commit_step);
        return;
    }
    j->role = (wz_role_t)role;
    j->role_known = 1;
    j->unit_id = wz_db_cell_int(res, 0, 1);
    s = wz_db_cell_text(res, 0, 2, &n);
    snprintf(j->unit_path, sizeof(j->unit_path), "%.*s", (int)n, s);
    s = wz_db_cell_text(res, 0, 4, &n);
    snprintf(j->display_name, sizeof(j->display_name), "%.*s", (int)n, s);
    s = wz_db_cell_text(res, 0, 5, &n);
    snprintf(j->username, sizeof(j->username), "%.*s", (int)n, s);
    wz_db_value_t p = WZ_DB_INT(j->token_id);
    wz_db_txn_exec(txn, sql_token_use, &p, 1, token_used);
}

static void refresh_citizen(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    auth_job_t *j = wz_db_txn_data(txn);
    if (failed(txn, err))
        return;
    if (res->nrows == 0 || wz_db_cell_int(res, 0, 0) != 0) { /* blocked: the sessions end */
        j->outcome = OUT_BAD_REFRESH;
        wz_db_value_t p = WZ_DB_INT(j->family_id);
        wz_db_txn_exec(txn, sql_family_revoke, &p, 1, commit_step);
        return;
    }
    wz_db_value_t p = WZ_DB_INT(j->token_id);
    wz_db_txn_exec(txn, sql_token_use, &p, 1, token_used);
}

static void token_found(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    auth_job_t *j = wz_db_txn_data(txn);
    if (failed(txn, err))
        return;
    int logout = j->outcome == OUT_OK && j->key == 1;
    if (res->nrows == 0) {
        j->outcome = logout ? OUT_OK : OUT_BAD_REFRESH;
        wz_db_txn_commit(txn);
        return;
    }
    j->token_id = wz_db_cell_int(res, 0, 0);
    j->family_id = wz_db_cell_int(res, 0, 1);
    j->user_id = wz_db_cell_int(res, 0, 3);
    size_t kn;
    const char *kind = wz_db_cell_text(res, 0, 2, &kn);
    j->citizen = kn == 7 && memcmp(kind, "citizen", 7) == 0;
    int64_t expires = wz_db_cell_int(res, 0, 4);
    int used = wz_db_cell_int(res, 0, 5) != 0, revoked = wz_db_cell_int(res, 0, 6) != 0;
    if (logout) {
        revoke_family(txn, j);
        return;
    }
    if (revoked || expires <= j->now) {
        j->outcome = OUT_BAD_REFRESH;
        wz_db_txn_commit(txn);
        return;
    }
    if (used) {
        j->outcome = OUT_REVOKED;
        revoke_family(txn, j);
        return;
    }
    wz_db_value_t p = WZ_DB_INT(j->user_id);
    wz_db_txn_exec(txn, j->citizen ? sql_citizen : sql_user, &p, 1, j->citizen ? refresh_citizen : refresh_user);
}

static void session_first(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    auth_job_t *j = wz_db_txn_data(txn);
    j->outcome = OUT_OK; /* each attempt decides again */
    j->family_id = j->token_id = 0;
    wz_db_value_t p = WZ_DB_BLOB(j->presented, WZ_REFRESH_HASH_LEN);
    wz_db_txn_exec(txn, sql_token_find, &p, 1, token_found);
}

static auth_job_t *session_job(wz_ctx_t *ctx)
{
    const char *token = NULL;
    json_error_t jerr;
    uint8_t hash[WZ_REFRESH_HASH_LEN];
    if (!json_is_object(ctx->body) ||
        json_unpack_ex(ctx->body, &jerr, JSON_STRICT, "{s:s}", "refresh_token", &token) != 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "the body must be {refresh_token}", "refresh_token");
        return NULL;
    }
    auth_job_t *j = job_new(ctx);
    if (wz_refresh_hash(token, strlen(token), hash) != 0)
        memset(hash, 0, sizeof(hash)); /* matches nothing: answered like an unknown token */
    memcpy(j->presented, hash, sizeof(hash));
    return j;
}

void wz_handle_auth_refresh(wz_ctx_t *ctx)
{
    auth_job_t *j = session_job(ctx);
    if (j != NULL)
        begin(j, session_first);
}

static void on_logged_out(void *data, const wz_db_error_t *err)
{
    auth_job_t *j = data;
    if (!wz_ctx_gone(j->ctx)) {
        if (err != NULL)
            wz_send_db_error(j->ctx, err);
        else
            wz_send_no_content(j->ctx);
    }
    job_free(j);
}

void wz_handle_auth_logout(wz_ctx_t *ctx)
{
    auth_job_t *j = session_job(ctx);
    if (j == NULL)
        return;
    j->key = 1; /* marks a logout for token_found */
    int ret = wz_db_txn_begin(ctx->worker->db, session_first, on_logged_out, j);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_logged_out(j, &e);
    }
}

/* ---- GET /me ---- */

static void on_me(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    auth_job_t *j = data;
    wz_ctx_t *ctx = j->ctx;
    if (wz_ctx_gone(ctx)) {
    } else if (err != NULL) {
        wz_send_db_error(ctx, err);
    } else if (res->nrows == 0 || wz_db_cell_int(res, 0, 3) != 0) {
        wz_send_error(ctx, WZ_ERR_UNAUTHENTICATED, "the user no longer exists or is disabled", NULL);
    } else {
        size_t a, b, c, d, e;
        const char *role = wz_db_cell_text(res, 0, 0, &a), *path = wz_db_cell_text(res, 0, 2, &b),
                   *display = wz_db_cell_text(res, 0, 4, &c), *username = wz_db_cell_text(res, 0, 5, &d),
                   *unit_name = wz_db_cell_text(res, 0, 6, &e);
        char uid[24], unit[24];
        snprintf(uid, sizeof(uid), "%lld", (long long)ctx->who.id);
        int64_t unit_id = wz_db_cell_int(res, 0, 1);
        snprintf(unit, sizeof(unit), "%lld", (long long)unit_id);
        json_t *u =
            json_pack("{s:s, s:s%, s:s%, s:s%, s:o, s:s%, s:s%}", "id", uid, "username", username, d, "display_name",
                      display, c, "role", role, a, "unit_id", unit_id > 0 ? json_string(unit) : json_null(),
                      "unit_name", unit_name, e, "unit_path", path, b);
        wz_send_json(ctx, 200, json_pack("{s:o}", "user", u));
    }
    job_free(j);
}

void wz_handle_me(wz_ctx_t *ctx)
{
    if (ctx->who.role == WZ_ROLE_CITIZEN) {
        char id[24];
        snprintf(id, sizeof(id), "%lld", (long long)ctx->who.id);
        wz_send_json(ctx, 200, json_pack("{s:{s:s, s:s}}", "user", "id", id, "role", "citizen"));
        return;
    }
    auth_job_t *j = job_new(ctx);
    wz_db_value_t p = WZ_DB_INT(ctx->who.id);
    int ret = wz_db_run(ctx->worker->db, sql_user, &p, 1, on_me, j);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_me(NULL, &e, j);
    }
}

/* ---- POST /auth/miniprogram: a citizen signs in with wx.login's code ---- */

static void citizen_checked(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    auth_job_t *j = wz_db_txn_data(txn);
    if (failed(txn, err))
        return;
    if (res->nrows == 0 || wz_db_cell_int(res, 0, 0) != 0) {
        j->outcome = OUT_BLOCKED;
        wz_db_txn_commit(txn); /* last_login_at still records the attempt */
        return;
    }
    add_token(txn, j);
}

static void citizen_upserted(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    auth_job_t *j = wz_db_txn_data(txn);
    if (failed(txn, err))
        return;
    j->user_id = (int64_t)res->insert_id;
    wz_db_value_t p = WZ_DB_INT(j->user_id);
    wz_db_txn_exec(txn, sql_citizen, &p, 1, citizen_checked);
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
        job_free(j);
        return;
    }
    char msg[256];
    if (res->error != NULL || res->status != 200) {
        wz_warn("wechat jscode2session: %s (HTTP %ld)", res->error ? res->error : "unexpected status", res->status);
        snprintf(msg, sizeof(msg), "WeChat did not answer the sign-in: %s",
                 res->error ? res->error : "unexpected HTTP status");
        wz_send_error(ctx, WZ_ERR_UPSTREAM, msg, NULL);
        job_free(j);
        return;
    }
    wz_wechat_session_t s;
    wz_wechat_parse_session(res->body, res->len, &s);
    switch (s.outcome) {
    case WZ_WECHAT_OK:
        memcpy(j->openid, s.openid, sizeof(j->openid));
        memcpy(j->unionid, s.unionid, sizeof(j->unionid));
        begin(j, citizen_first);
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
    job_free(j);
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
    auth_job_t *j = job_new(ctx);
    j->citizen = 1;
    char *url = wz_wechat_session_url(cfg->wechat_api_base, cfg->miniprogram_appid, cfg->miniprogram_secret, code);
    int ret = wz_http_get(ctx->worker->http, url, cfg->wechat_timeout_ms, 64 * 1024, on_wechat, j);
    sodium_memzero(url, strlen(url)); /* it carries the AppSecret */
    free(url);
    if (ret != 0) {
        wz_send_error(ctx, WZ_ERR_UPSTREAM, "cannot call WeChat", NULL);
        job_free(j);
    }
}
