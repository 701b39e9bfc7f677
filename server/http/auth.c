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
#include "http/auth_session.h"
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
static const char sql_fail_count[] =
    "INSERT INTO login_failures (scope, subject, failures, last_at) VALUES (?, ?, 1, UTC_TIMESTAMP(6)) "
    "ON DUPLICATE KEY UPDATE failures = IF(last_at < UTC_TIMESTAMP(6) - INTERVAL 1 DAY, 1, failures + 1), "
    "last_at = UTC_TIMESTAMP(6)";
static const char sql_fail_read[] = "SELECT failures FROM login_failures WHERE scope = ? AND subject = ?";
static const char sql_fail_lock[] =
    "UPDATE login_failures SET locked_until = FROM_UNIXTIME(?) WHERE scope = ? AND subject = ?";
static const char sql_fail_clear[] = "DELETE FROM login_failures WHERE scope = 'user' AND subject = ?";
static const char sql_token_find[] =
    "SELECT id, family_id, subject_kind, subject_id, CAST(UNIX_TIMESTAMP(expires_at) AS SIGNED), "
    "used_at IS NOT NULL, revoked_at IS NOT NULL FROM refresh_tokens WHERE token_hash = ? FOR UPDATE";
static const char sql_token_use[] = "UPDATE refresh_tokens SET used_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char sql_family_revoke[] =
    "UPDATE refresh_tokens SET revoked_at = UTC_TIMESTAMP(6) WHERE family_id = ? AND revoked_at IS NULL";

/* ---- login: the outcome's transaction ---- */

static void success_cleared(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    if (!wz_auth_failed(txn, err))
        wz_auth_add_token(txn, wz_db_txn_data(txn));
}

static void failure_next_key(wz_db_txn_t *txn, auth_job_t *j);

static void failure_locked(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    auth_job_t *j = wz_db_txn_data(txn);
    if (wz_auth_failed(txn, err))
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
    if (wz_auth_failed(txn, err))
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
    if (wz_auth_failed(txn, err))
        return;
    wz_db_value_t p[] = {WZ_DB_TEXT(key_scope(j->key)), WZ_DB_TEXT(key_subject(j, j->key))};
    wz_db_txn_exec(txn, sql_fail_read, p, 2, failure_counted);
}

static void failure_next_key(wz_db_txn_t *txn, auth_job_t *j)
{
    if (j->key == 2) {
        wz_auth_audit(txn, j, "auth.login_failed", wz_auth_commit_step);
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
        wz_auth_job_free(j);
        return;
    }
    j->outcome = j->verified && !j->disabled ? OUT_OK : OUT_BAD_LOGIN;
    wz_auth_begin(j, outcome_first);
}

static void on_login_facts(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    auth_job_t *j = data;
    wz_ctx_t *ctx = j->ctx;
    if (wz_ctx_gone(ctx)) {
        wz_auth_job_free(j);
        return;
    }
    if (err != NULL) {
        wz_send_db_error(ctx, err);
        wz_auth_job_free(j);
        return;
    }
    int64_t locked = wz_db_cell_int(res, 0, 0);
    int64_t ip_locked = wz_db_cell_int(res, 0, 1);
    if (ip_locked > locked)
        locked = ip_locked;
    if (locked > j->now) {
        wz_send_error_retry(ctx, WZ_ERR_RATE_LIMITED, "too many failed sign-ins: wait before trying again", NULL,
                            (int)(locked - j->now));
        wz_auth_job_free(j);
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
        wz_auth_job_free(j);
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
    auth_job_t *j = wz_auth_job_new(ctx);
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
    if (wz_auth_failed(txn, err))
        return;
    /* the revocation is committed: the answer is still a refusal (or logout's 204) */
    wz_auth_audit(txn, j, j->outcome == OUT_REVOKED ? "auth.refresh_reused" : "auth.logout", wz_auth_commit_step);
}

static void revoke_family(wz_db_txn_t *txn, auth_job_t *j)
{
    wz_db_value_t p = WZ_DB_INT(j->family_id);
    wz_db_txn_exec(txn, sql_family_revoke, &p, 1, revoked_family);
}

static void token_used(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    if (!wz_auth_failed(txn, err))
        wz_auth_add_token(txn, wz_db_txn_data(txn));
}

static void refresh_user(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    auth_job_t *j = wz_db_txn_data(txn);
    if (wz_auth_failed(txn, err))
        return;
    size_t n = 0;
    const char *s = res->nrows ? wz_db_cell_text(res, 0, 0, &n) : "";
    int role = res->nrows ? wz_role_parse(s, n) : -1;
    if (role < 0 || wz_db_cell_int(res, 0, 3) != 0) { /* gone or disabled: the sessions end */
        j->outcome = OUT_BAD_REFRESH;
        wz_db_value_t p = WZ_DB_INT(j->family_id);
        wz_db_txn_exec(txn, sql_family_revoke, &p, 1, wz_auth_commit_step);
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
    if (wz_auth_failed(txn, err))
        return;
    if (res->nrows == 0 || wz_db_cell_int(res, 0, 0) != 0) { /* blocked: the sessions end */
        j->outcome = OUT_BAD_REFRESH;
        wz_db_value_t p = WZ_DB_INT(j->family_id);
        wz_db_txn_exec(txn, sql_family_revoke, &p, 1, wz_auth_commit_step);
        return;
    }
    wz_db_value_t p = WZ_DB_INT(j->token_id);
    wz_db_txn_exec(txn, sql_token_use, &p, 1, token_used);
}

static void token_found(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    auth_job_t *j = wz_db_txn_data(txn);
    if (wz_auth_failed(txn, err))
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
    wz_db_txn_exec(txn, j->citizen ? wz_auth_sql_citizen : sql_user, &p, 1,
                   j->citizen ? refresh_citizen : refresh_user);
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
    auth_job_t *j = wz_auth_job_new(ctx);
    if (wz_refresh_hash(token, strlen(token), hash) != 0)
        memset(hash, 0, sizeof(hash)); /* matches nothing: answered like an unknown token */
    memcpy(j->presented, hash, sizeof(hash));
    return j;
}

void wz_handle_auth_refresh(wz_ctx_t *ctx)
{
    auth_job_t *j = session_job(ctx);
    if (j != NULL)
        wz_auth_begin(j, session_first);
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
    wz_auth_job_free(j);
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
    wz_auth_job_free(j);
}

void wz_handle_me(wz_ctx_t *ctx)
{
    if (ctx->who.role == WZ_ROLE_CITIZEN) {
        char id[24];
        snprintf(id, sizeof(id), "%lld", (long long)ctx->who.id);
        wz_send_json(ctx, 200, json_pack("{s:{s:s, s:s}}", "user", "id", id, "role", "citizen"));
        return;
    }
    auth_job_t *j = wz_auth_job_new(ctx);
    wz_db_value_t p = WZ_DB_INT(ctx->who.id);
    int ret = wz_db_run(ctx->worker->db, sql_user, &p, 1, on_me, j);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_me(NULL, &e, j);
    }
}
