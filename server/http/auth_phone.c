/* The web message board's sign-in: POST /api/v1/auth/phone-code {phone} sends a one-time code by
 * text message, POST /api/v1/auth/phone {phone, code} trades it for a citizen session.
 *
 * Limits (auth/phone.h): one code per number per minute and 10 a day, 20 per client address an
 * hour (429 + Retry-After); a code lives 5 minutes, allows 5 tries and is used once. Requests
 * for one number are serialised by locking its newest code row. Only keyed hashes of the number
 * and the code are stored; the citizen is keyed by the number's hash and shown masked. The text
 * goes out after the code is committed (a code that was never sent is harmless: it expires). */
#include "http/auth_session.h"
#include "auth/audit.h"
#include "auth/phone.h"
#include "auth/sms.h"
#include "common/log.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char sql_newest_locked[] =
    "SELECT id FROM phone_codes WHERE phone_hash = ? ORDER BY id DESC LIMIT 1 FOR UPDATE";
static const char sql_limits[] =
    "SELECT (SELECT CAST(COALESCE(FLOOR(UNIX_TIMESTAMP(MAX(created_at))), 0) AS SIGNED) FROM phone_codes "
    "        WHERE phone_hash = ?), "
    "(SELECT COUNT(*) FROM phone_codes WHERE phone_hash = ? AND created_at > UTC_TIMESTAMP(6) - INTERVAL 1 DAY), "
    "(SELECT COUNT(*) FROM phone_codes WHERE client_ip = ? AND created_at > UTC_TIMESTAMP(6) - INTERVAL 1 HOUR)";
static const char sql_code_add[] = "INSERT INTO phone_codes (phone_hash, code_hash, expires_at, client_ip) "
                                   "VALUES (?, ?, FROM_UNIXTIME(?), ?)";
static const char sql_code_find[] =
    "SELECT id, code_hash, attempts, expires_at > UTC_TIMESTAMP(6), used_at IS NOT NULL FROM phone_codes "
    "WHERE phone_hash = ? ORDER BY id DESC LIMIT 1 FOR UPDATE";
static const char sql_code_try[] = "UPDATE phone_codes SET attempts = attempts + 1 WHERE id = ?";
static const char sql_code_use[] = "UPDATE phone_codes SET used_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char sql_citizen_by_phone[] =
    "INSERT INTO citizens (phone_hash, phone_masked, last_login_at) VALUES (?, ?, UTC_TIMESTAMP(6)) "
    "ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), last_login_at = VALUES(last_login_at)";

static void hashes(auth_job_t *j, uint8_t phone_hash[WZ_PHONE_HASH_LEN], uint8_t code_hash[WZ_PHONE_HASH_LEN])
{
    const uint8_t *key = j->ctx->server->seal_key;
    wz_phone_hash(key, j->phone, phone_hash);
    if (code_hash != NULL)
        wz_phone_code_hash(key, j->phone, j->code, code_hash);
}

/* ---- POST /auth/phone-code ---- */

static void code_audited(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    if (!wz_auth_failed(txn, err))
        wz_db_txn_commit(txn);
}

static void code_added(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    auth_job_t *j = wz_db_txn_data(txn);
    if (wz_auth_failed(txn, err))
        return;
    char masked[WZ_PHONE_DIGITS + 1];
    wz_phone_mask(j->phone, masked);
    wz_db_value_t p[WZ_AUDIT_NPARAMS];
    wz_audit_params(p, 0, "anonymous", 0, "auth.phone_code", "phone", masked, j->ctx->client_ip, NULL);
    wz_db_txn_exec(txn, wz_audit_insert_sql, p, WZ_AUDIT_NPARAMS, code_audited);
}

static void limits_read(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    auth_job_t *j = wz_db_txn_data(txn);
    if (wz_auth_failed(txn, err))
        return;
    int64_t last = wz_db_cell_int(res, 0, 0);
    long long today = wz_db_cell_int(res, 0, 1), from_address = wz_db_cell_int(res, 0, 2);
    /* j->key holds the wait in seconds when a limit is reached */
    int64_t since = j->now - last; /* whole seconds on both clocks; never negative */
    if (last > 0 && since < WZ_PHONE_RESEND_S)
        j->key = (int)(WZ_PHONE_RESEND_S - (since < 0 ? 0 : since));
    else if (today >= WZ_PHONE_PER_DAY)
        j->key = 3600;
    else if (from_address >= WZ_PHONE_PER_ADDRESS)
        j->key = 600;
    if (j->key > 0) {
        wz_db_txn_commit(txn); /* nothing written */
        return;
    }
    wz_phone_code_new(j->code);
    uint8_t ph[WZ_PHONE_HASH_LEN], ch[WZ_PHONE_HASH_LEN];
    hashes(j, ph, ch);
    wz_db_value_t p[] = {WZ_DB_BLOB(ph, sizeof(ph)), WZ_DB_BLOB(ch, sizeof(ch)),
                         WZ_DB_INT(j->now + WZ_PHONE_CODE_TTL_S), WZ_DB_TEXT(j->ctx->client_ip)};
    wz_db_txn_exec(txn, sql_code_add, p, 4, code_added);
}

static void newest_locked(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    auth_job_t *j = wz_db_txn_data(txn);
    if (wz_auth_failed(txn, err))
        return;
    uint8_t ph[WZ_PHONE_HASH_LEN];
    hashes(j, ph, NULL);
    wz_db_value_t p[] = {WZ_DB_BLOB(ph, sizeof(ph)), WZ_DB_BLOB(ph, sizeof(ph)), WZ_DB_TEXT(j->ctx->client_ip)};
    wz_db_txn_exec(txn, sql_limits, p, 3, limits_read);
}

static void code_first(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    auth_job_t *j = wz_db_txn_data(txn);
    j->key = 0;
    j->code[0] = '\0';
    uint8_t ph[WZ_PHONE_HASH_LEN];
    hashes(j, ph, NULL);
    wz_db_value_t p = WZ_DB_BLOB(ph, sizeof(ph));
    wz_db_txn_exec(txn, sql_newest_locked, &p, 1, newest_locked);
}

static void code_done(void *data, const wz_db_error_t *err)
{
    auth_job_t *j = data;
    wz_ctx_t *ctx = j->ctx;
    if (wz_ctx_gone(ctx)) {
    } else if (err != NULL) {
        wz_send_db_error(ctx, err);
    } else if (j->key > 0) {
        wz_send_error_retry(ctx, WZ_ERR_RATE_LIMITED, "a code was sent to this number recently, or too many today",
                            "phone", j->key);
    } else {
        const wz_sms_driver_t *d = wz_sms_driver_find(ctx->server->cfg->sms.driver);
        char text[160], why[160] = "";
        snprintf(text, sizeof(text), "【问政】您的验证码是%s，%d分钟内有效。如非本人操作，请忽略。", j->code,
                 WZ_PHONE_CODE_TTL_S / 60);
        if (d == NULL || d->send(j->phone, text, why, sizeof(why)) != 0) {
            wz_warn("sms: sending the sign-in code failed: %s", d ? why : "no driver");
            wz_send_error(ctx, WZ_ERR_UPSTREAM, "the text message could not be sent; try again shortly", NULL);
        } else {
            wz_send_json(ctx, 202,
                         json_pack("{s:i, s:i}", "expires_in", WZ_PHONE_CODE_TTL_S, "resend_after", WZ_PHONE_RESEND_S));
        }
    }
    sodium_memzero(j->code, sizeof(j->code));
    wz_auth_job_free(j);
}

static auth_job_t *phone_job(wz_ctx_t *ctx, const char *phone)
{
    char canonical[WZ_PHONE_DIGITS + 1];
    if (phone == NULL || wz_phone_normalize(phone, strlen(phone), canonical) != 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "phone must be a mainland mobile number (11 digits)", "phone");
        return NULL;
    }
    if (wz_sms_driver_find(ctx->server->cfg->sms.driver) == NULL) {
        wz_send_error(ctx, WZ_ERR_NOT_CONFIGURED, "the phone sign-in has no text message driver (sms.driver)", NULL);
        return NULL;
    }
    auth_job_t *j = wz_auth_job_new(ctx);
    memcpy(j->phone, canonical, sizeof(canonical));
    return j;
}

void wz_handle_auth_phone_code(wz_ctx_t *ctx)
{
    const char *phone = NULL;
    json_error_t jerr;
    if (!json_is_object(ctx->body) || json_unpack_ex(ctx->body, &jerr, JSON_STRICT, "{s:s}", "phone", &phone) != 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "the body must be {phone}", "phone");
        return;
    }
    auth_job_t *j = phone_job(ctx, phone);
    if (j == NULL)
        return;
    int ret = wz_db_txn_begin(ctx->worker->db, code_first, code_done, j);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        code_done(j, &e);
    }
}

/* ---- POST /auth/phone ---- */

static void citizen_found(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    auth_job_t *j = wz_db_txn_data(txn);
    if (wz_auth_failed(txn, err))
        return;
    j->user_id = (int64_t)res->insert_id;
    wz_auth_citizen_signed_in(txn, j);
}

static void code_used(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    auth_job_t *j = wz_db_txn_data(txn);
    if (wz_auth_failed(txn, err))
        return;
    uint8_t ph[WZ_PHONE_HASH_LEN];
    hashes(j, ph, NULL);
    char masked[WZ_PHONE_DIGITS + 1];
    wz_phone_mask(j->phone, masked);
    wz_db_value_t p[] = {WZ_DB_BLOB(ph, sizeof(ph)), WZ_DB_TEXT(masked)};
    wz_db_txn_exec(txn, sql_citizen_by_phone, p, 2, citizen_found);
}

static void code_found(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    auth_job_t *j = wz_db_txn_data(txn);
    if (wz_auth_failed(txn, err))
        return;
    int usable = res->nrows == 1 && wz_db_cell_int(res, 0, 2) < WZ_PHONE_CODE_TRIES && wz_db_cell_int(res, 0, 3) != 0 &&
                 wz_db_cell_int(res, 0, 4) == 0;
    if (!usable) {
        j->outcome = OUT_BAD_CODE;
        wz_db_txn_commit(txn);
        return;
    }
    wz_db_value_t id = WZ_DB_INT(wz_db_cell_int(res, 0, 0));
    size_t n;
    const char *stored = wz_db_cell_text(res, 0, 1, &n);
    uint8_t ch[WZ_PHONE_HASH_LEN];
    wz_phone_code_hash(j->ctx->server->seal_key, j->phone, j->code, ch);
    if (n != sizeof(ch) || sodium_memcmp(stored, ch, sizeof(ch)) != 0) {
        j->outcome = OUT_BAD_CODE; /* the try counts: committed with the refusal */
        wz_db_txn_exec(txn, sql_code_try, &id, 1, wz_auth_commit_step);
        return;
    }
    wz_db_txn_exec(txn, sql_code_use, &id, 1, code_used);
}

static void login_first(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    auth_job_t *j = wz_db_txn_data(txn);
    j->outcome = OUT_OK;
    j->family_id = 0;
    uint8_t ph[WZ_PHONE_HASH_LEN];
    hashes(j, ph, NULL);
    wz_db_value_t p = WZ_DB_BLOB(ph, sizeof(ph));
    wz_db_txn_exec(txn, sql_code_find, &p, 1, code_found);
}

void wz_handle_auth_phone(wz_ctx_t *ctx)
{
    const char *phone = NULL, *code = NULL;
    json_error_t jerr;
    if (!json_is_object(ctx->body) ||
        json_unpack_ex(ctx->body, &jerr, JSON_STRICT, "{s:s, s:s}", "phone", &phone, "code", &code) != 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "the body must be {phone, code}", NULL);
        return;
    }
    if (!wz_phone_code_valid(code, strlen(code))) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "code must be the 6 digits of the text message", "code");
        return;
    }
    auth_job_t *j = phone_job(ctx, phone);
    if (j == NULL)
        return;
    memcpy(j->code, code, WZ_PHONE_CODE_DIGITS + 1);
    j->citizen = 1;
    j->login_action = "auth.phone_login";
    wz_auth_begin(j, login_first);
}
