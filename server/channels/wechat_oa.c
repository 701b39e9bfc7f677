/* The WeChat official account behind the adapter interface (channels/adapter.h): the handshake,
 * plain and safe-mode pushes. The protocol itself is wechat_crypt.c and wechat_xml.c. */
#include "channels/adapter.h"
#include "channels/wechat_oa.h"
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#define PARAM_MAX 128

enum { SECRET_TOKEN, SECRET_AES_KEY, SECRET_APP_ID };

/* the query parameters WeChat signs with */
typedef struct {
    char signature[PARAM_MAX], timestamp[PARAM_MAX], nonce[PARAM_MAX], echostr[PARAM_MAX * 4];
    char encrypt_type[PARAM_MAX], msg_signature[PARAM_MAX];
} params_t;

static int read_params(const wz_push_t *push, params_t *p)
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
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (wz_push_query(push, want[i].name, want[i].out, want[i].len) < 0)
            return -1;
    return 0;
}

/* safe mode: the envelope's Encrypt, its msg_signature, then the message inside */
static wz_wechat_oa_xml_t *open_envelope(wz_wechat_oa_xml_t *outer, const params_t *q, const char *const secrets[],
                                         wz_push_result_t *out)
{
    const char *encrypted = wz_wechat_oa_xml_get(outer, "Encrypt");
    if (encrypted == NULL) {
        wz_push_refuse(out, WZ_PUSH_MALFORMED, "a safe-mode push needs an Encrypt element");
        return NULL;
    }
    const char *parts[] = {secrets[SECRET_TOKEN], q->timestamp, q->nonce, encrypted};
    if (!wz_wechat_oa_signature_valid(parts, 4, q->msg_signature, strlen(q->msg_signature))) {
        wz_push_refuse(out, WZ_PUSH_UNAUTHENTICATED, "msg_signature does not match the account's token and the message");
        return NULL;
    }
    uint8_t key[32];
    char *plain = NULL, why[160] = "";
    size_t plain_len = 0;
    if (wz_wechat_oa_aes_key(secrets[SECRET_AES_KEY], key) != 0) {
        wz_push_refuse(out, WZ_PUSH_NOT_CONFIGURED, "the account's encoding_aes_key is not 43 base64 characters");
        return NULL;
    }
    int ok = wz_wechat_oa_decrypt(key, encrypted, strlen(encrypted), secrets[SECRET_APP_ID], &plain, &plain_len, why,
                                  sizeof(why)) == 0;
    OPENSSL_cleanse(key, sizeof(key));
    if (!ok) {
        wz_push_refuse(out, WZ_PUSH_MALFORMED, "%s", why);
        return NULL;
    }
    wz_wechat_oa_xml_t *msg = wz_wechat_oa_xml_parse(plain, plain_len, why, sizeof(why));
    OPENSSL_cleanse(plain, plain_len);
    free(plain);
    if (msg == NULL)
        wz_push_refuse(out, WZ_PUSH_MALFORMED, "%s", why);
    return msg;
}

static void take(const wz_push_t *push, const char *const secrets[], wz_push_result_t *out)
{
    params_t q;
    if (read_params(push, &q) != 0) {
        wz_push_refuse(out, WZ_PUSH_MALFORMED, "a query parameter is malformed or too long");
        return;
    }
    if (secrets[SECRET_TOKEN] == NULL) {
        wz_push_refuse(out, WZ_PUSH_NOT_CONFIGURED, "the account has no secrets.token");
        return;
    }
    int safe = strcmp(q.encrypt_type, "aes") == 0;
    if (!safe && q.encrypt_type[0] != '\0' && strcmp(q.encrypt_type, "raw") != 0) {
        wz_push_refuse(out, WZ_PUSH_MALFORMED, "encrypt_type must be aes or raw");
        return;
    }
    if (push->post && safe && (secrets[SECRET_AES_KEY] == NULL || secrets[SECRET_APP_ID] == NULL)) {
        wz_push_refuse(out, WZ_PUSH_NOT_CONFIGURED,
                       "safe mode needs the account's secrets.encoding_aes_key and secrets.app_id");
        return;
    }
    if (!wz_push_fresh(push, q.timestamp, strlen(q.timestamp))) {
        wz_push_refuse(out, WZ_PUSH_UNAUTHENTICATED,
                       "timestamp is missing or more than 5 minutes from the server's clock");
        return;
    }
    const char *parts[] = {secrets[SECRET_TOKEN], q.timestamp, q.nonce};
    int signed_ok = wz_wechat_oa_signature_valid(parts, 3, q.signature, strlen(q.signature));
    if (!push->post) { /* the handshake: echostr back */
        if (!signed_ok || q.echostr[0] == '\0')
            wz_push_refuse(out, WZ_PUSH_UNAUTHENTICATED, "signature does not match the account's token (or no echostr)");
        else
            wz_push_answer(out, WZ_PUSH_ANSWER, "text/plain; charset=utf-8", q.echostr, strlen(q.echostr));
        return;
    }
    if (!safe && !signed_ok) { /* safe mode is checked by msg_signature */
        wz_push_refuse(out, WZ_PUSH_UNAUTHENTICATED, "signature does not match the account's token");
        return;
    }
    char why[160] = "";
    wz_wechat_oa_xml_t *msg = wz_wechat_oa_xml_parse(push->body ? push->body : "", push->body_len, why, sizeof(why));
    if (msg == NULL) {
        wz_push_refuse(out, WZ_PUSH_MALFORMED, "%s", why);
        return;
    }
    if (safe) {
        wz_wechat_oa_xml_t *inner = open_envelope(msg, &q, secrets, out);
        wz_wechat_oa_xml_free(msg);
        if (inner == NULL)
            return;
        msg = inner;
    }
    int ret = wz_wechat_oa_inbound(msg, &out->msg, why, sizeof(why));
    wz_wechat_oa_xml_free(msg);
    if (ret != 0) {
        wz_push_refuse(out, WZ_PUSH_INVALID, "%s", why);
        return;
    }
    /* "success" (or an empty body) tells WeChat not to retry and to show the fan nothing */
    wz_push_answer(out, WZ_PUSH_STORE, "text/plain; charset=utf-8", "success", 7);
}

const wz_channel_adapter_t wz_adapter_wechat_oa = {
    .platform = "wechat_oa",
    .max_body = WZ_WECHAT_OA_BODY_MAX,
    .secrets = {"token", "encoding_aes_key", "app_id", NULL},
    .take = take,
};
