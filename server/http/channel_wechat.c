/* /channels/wechat/{account_id}: a WeChat official account's server URL (channels/wechat_oa.h).
 *
 * GET is WeChat's handshake: the echostr back when the signature matches the account's token.
 * POST is a push. Order: the account (an active wechat_oa account, else 404 so URLs cannot be
 * probed), its secrets (503 not_configured without a token, or without the EncodingAESKey and
 * AppID in safe mode), the timestamp window and the signature (401), the body (413 too large,
 * 400 not XML / does not decrypt, 422 not a message), then the inbox: once the push is
 * committed WeChat gets "success" (well within its 5 seconds: routing and the intake run after
 * the answer), and a retry of a stored push gets "success" again and changes nothing. */
#include "channels/hook.h"
#include "channels/inbox.h"
#include "channels/secrets.h"
#include "channels/wechat_oa.h"
#include "common/log.h"
#include "http/server.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SECRET_MAX 256
#define PARAM_MAX 128

typedef struct {
    wz_ctx_t *ctx;
    int64_t account_id;
    int post;
} wechat_job_t;

static void job_free(wechat_job_t *j)
{
    wz_ctx_drop(j->ctx);
    free(j);
}

static void refuse(wechat_job_t *j, wz_err_t err, const char *msg)
{
    wz_send_error(j->ctx, err, msg, NULL);
    job_free(j);
}

static void on_stored(void *data, int64_t row_id, int duplicate, const wz_db_error_t *err)
{
    wechat_job_t *j = data;
    wz_ctx_t *ctx = j->ctx;
    if (err != NULL) {
        if (!wz_ctx_gone(ctx))
            wz_send_db_error(ctx, err); /* WeChat retries: the push is not lost */
        job_free(j);
        return;
    }
    if (!wz_ctx_gone(ctx))
        wz_send_text(ctx->req, 200, "text/plain; charset=utf-8", "success", 7);
    /* a retry of a row still unprocessed (a crash in between) is worth another go */
    (void)duplicate;
    wz_inbox_process(&ctx->worker->inbox, row_id);
    job_free(j);
}

/* the query parameters WeChat signs with; each is 1..PARAM_MAX bytes or absent */
typedef struct {
    char signature[PARAM_MAX], timestamp[PARAM_MAX], nonce[PARAM_MAX], echostr[PARAM_MAX * 4];
    char encrypt_type[PARAM_MAX], msg_signature[PARAM_MAX];
} params_t;

static int read_params(wz_ctx_t *ctx, params_t *p)
{
    struct {
        const char *name;
        char *out;
        size_t len;
    } want[] = {{"signature", p->signature, sizeof(p->signature)},
                {"timestamp", p->timestamp, sizeof(p->timestamp)},
                {"nonce", p->nonce, sizeof(p->nonce)},
                {"echostr", p->echostr, sizeof(p->echostr)},
                {"encrypt_type", p->encrypt_type, sizeof(p->encrypt_type)},
                {"msg_signature", p->msg_signature, sizeof(p->msg_signature)}};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        want[i].out[0] = '\0';
        if (wz_req_query(ctx, want[i].name, want[i].out, want[i].len) < 0)
            return -1;
    }
    return 0;
}

static int fresh(const char *ts)
{
    int64_t when;
    return wz_hook_timestamp_parse(ts, strlen(ts), &when) == 0 && wz_hook_timestamp_fresh(when, (int64_t)time(NULL));
}

/* ---- POST: a push ---- */

static void take_push(wechat_job_t *j, const params_t *q, const char *token, const char *aes_key, const char *appid)
{
    wz_ctx_t *ctx = j->ctx;
    h2o_iovec_t body = ctx->req->entity;
    char why[160] = "";
    if (body.len > WZ_WECHAT_OA_BODY_MAX) {
        refuse(j, WZ_ERR_BODY_TOO_LARGE, "a WeChat push is at most 64 KiB");
        return;
    }
    int safe = strcmp(q->encrypt_type, "aes") == 0;
    if (!safe && q->encrypt_type[0] != '\0' && strcmp(q->encrypt_type, "raw") != 0) {
        refuse(j, WZ_ERR_BAD_REQUEST, "encrypt_type must be aes or raw");
        return;
    }
    wz_wechat_oa_xml_t *outer = wz_wechat_oa_xml_parse(body.base ? body.base : "", body.len, why, sizeof(why));
    if (outer == NULL) {
        refuse(j, WZ_ERR_BAD_REQUEST, why);
        return;
    }
    wz_wechat_oa_xml_t *msg = outer;
    if (safe) {
        const char *encrypted = wz_wechat_oa_xml_get(outer, "Encrypt");
        const char *parts[] = {token, q->timestamp, q->nonce, encrypted};
        if (encrypted == NULL) {
            wz_wechat_oa_xml_free(outer);
            refuse(j, WZ_ERR_BAD_REQUEST, "a safe-mode push needs an Encrypt element");
            return;
        }
        if (!wz_wechat_oa_signature_valid(parts, 4, q->msg_signature, strlen(q->msg_signature))) {
            wz_wechat_oa_xml_free(outer);
            refuse(j, WZ_ERR_UNAUTHENTICATED, "msg_signature does not match the account's token and the message");
            return;
        }
        uint8_t key[32];
        char *plain = NULL;
        size_t plain_len = 0;
        int ok = wz_wechat_oa_aes_key(aes_key, key) == 0 &&
                 wz_wechat_oa_decrypt(key, encrypted, strlen(encrypted), appid, &plain, &plain_len, why,
                                      sizeof(why)) == 0;
        sodium_memzero(key, sizeof(key));
        wz_wechat_oa_xml_free(outer);
        if (!ok) {
            refuse(j, WZ_ERR_BAD_REQUEST, why[0] ? why : "the account's EncodingAESKey is not 43 base64 characters");
            return;
        }
        msg = wz_wechat_oa_xml_parse(plain, plain_len, why, sizeof(why));
        sodium_memzero(plain, plain_len);
        free(plain);
        if (msg == NULL) {
            refuse(j, WZ_ERR_BAD_REQUEST, why);
            return;
        }
    }
    wz_inbound_t in;
    int ret = wz_wechat_oa_inbound(msg, &in, why, sizeof(why));
    wz_wechat_oa_xml_free(msg);
    if (ret != 0) {
        refuse(j, WZ_ERR_VALIDATION, why);
        return;
    }
    ret = wz_inbox_put(ctx->worker->db, j->account_id, &in, on_stored, j);
    wz_inbound_clear(&in);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_stored(j, 0, 0, &e);
    }
}

static void on_account(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    wechat_job_t *j = data;
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
    size_t n = 0;
    if (res->nrows != 1 || strcmp(wz_db_cell_text(res, 0, 0, &n), "wechat_oa") != 0 ||
        strcmp(wz_db_cell_text(res, 0, 1, &n), "active") != 0) {
        refuse(j, WZ_ERR_NOT_FOUND, "no such WeChat account");
        return;
    }
    params_t q;
    if (read_params(ctx, &q) != 0) {
        refuse(j, WZ_ERR_BAD_REQUEST, "a query parameter is malformed or too long");
        return;
    }
    const wz_db_value_t *box = wz_db_cell(res, 0, 2);
    char token[SECRET_MAX], aes_key[SECRET_MAX] = "", appid[SECRET_MAX] = "";
    const void *bp = box->type == WZ_DB_T_TEXT || box->type == WZ_DB_T_BLOB ? box->u.s.p : NULL;
    size_t blen = bp ? box->u.s.len : 0;
    if (wz_account_secret(ctx->server->seal_key, bp, blen, "token", token, sizeof(token)) != 0) {
        refuse(j, WZ_ERR_NOT_CONFIGURED, "the account has no secrets.token");
        return;
    }
    int safe = strcmp(q.encrypt_type, "aes") == 0;
    if (j->post && safe &&
        (wz_account_secret(ctx->server->seal_key, bp, blen, "encoding_aes_key", aes_key, sizeof(aes_key)) != 0 ||
         wz_account_secret(ctx->server->seal_key, bp, blen, "app_id", appid, sizeof(appid)) != 0)) {
        sodium_memzero(token, sizeof(token));
        sodium_memzero(aes_key, sizeof(aes_key));
        refuse(j, WZ_ERR_NOT_CONFIGURED, "safe mode needs the account's secrets.encoding_aes_key and secrets.app_id");
        return;
    }
    const char *parts[] = {token, q.timestamp, q.nonce};
    if (!fresh(q.timestamp)) {
        refuse(j, WZ_ERR_UNAUTHENTICATED, "timestamp is missing or more than 5 minutes from the server's clock");
    } else if (!j->post) {
        if (wz_wechat_oa_signature_valid(parts, 3, q.signature, strlen(q.signature)) && q.echostr[0] != '\0') {
            wz_send_text(ctx->req, 200, "text/plain; charset=utf-8", q.echostr, strlen(q.echostr));
            job_free(j);
        } else {
            refuse(j, WZ_ERR_UNAUTHENTICATED, "signature does not match the account's token (or no echostr)");
        }
    } else if (!safe && !wz_wechat_oa_signature_valid(parts, 3, q.signature, strlen(q.signature))) {
        refuse(j, WZ_ERR_UNAUTHENTICATED, "signature does not match the account's token");
    } else {
        take_push(j, &q, token, aes_key, appid);
    }
    sodium_memzero(token, sizeof(token));
    sodium_memzero(aes_key, sizeof(aes_key));
}

static void start(wz_ctx_t *ctx, int post)
{
    int64_t account = wz_path_id(ctx, "account_id");
    if (account <= 0) {
        wz_send_error(ctx, WZ_ERR_NOT_FOUND, "no such WeChat account", NULL);
        return;
    }
    wechat_job_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        abort();
    j->ctx = ctx;
    j->account_id = account;
    j->post = post;
    wz_ctx_hold(ctx);
    wz_db_value_t p = WZ_DB_INT(account);
    int ret = wz_db_run(ctx->worker->db, "SELECT platform, status, secret_box FROM accounts WHERE id = ?", &p, 1,
                        on_account, j);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_account(NULL, &e, j);
    }
}

void wz_handle_channel_wechat_verify(wz_ctx_t *ctx)
{
    start(ctx, 0);
}

void wz_handle_channel_wechat_push(wz_ctx_t *ctx)
{
    start(ctx, 1);
}
