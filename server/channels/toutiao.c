/* Toutiao rides on the ByteDance open platform's webhook (see toutiao.h): the checks are
 * douyin.c's, under Toutiao's own names and limit, so the two cannot drift apart. */
#include "channels/toutiao.h"
#include "channels/douyin.h"
#include "channels/adapter.h"

int wz_toutiao_signature_valid(const char *client_secret, size_t secret_len, const char *body, size_t body_len,
                               const char *sig_hex, size_t sig_len)
{
    return body_len <= WZ_TOUTIAO_BODY_MAX &&
           wz_douyin_signature_valid(client_secret, secret_len, body, body_len, sig_hex, sig_len);
}

long wz_toutiao_challenge(const char *body, size_t len, char *out, size_t outlen)
{
    return len > WZ_TOUTIAO_BODY_MAX ? -1 : wz_douyin_challenge(body, len, out, outlen);
}

int wz_toutiao_parse(const char *body, size_t len, const char *msg_id, size_t msg_id_len, wz_inbound_t *m, char *err,
                     size_t errlen)
{
    return wz_bytedance_parse(body, len, WZ_TOUTIAO_BODY_MAX, msg_id, msg_id_len, m, err, errlen);
}

static void take(const wz_push_t *push, const char *const secrets[], wz_push_result_t *out)
{
    static const char *const headers[] = {WZ_TOUTIAO_SIGNATURE_HEADER, WZ_TOUTIAO_SIGNATURE_HEADER_ALT, NULL};
    wz_bytedance_take(push, secrets, out, WZ_TOUTIAO_BODY_MAX, headers);
}

const wz_channel_adapter_t wz_adapter_toutiao = {
    .platform = "toutiao",
    .max_body = WZ_TOUTIAO_BODY_MAX,
    .secrets = {"client_key", "client_secret", NULL},
    .take = take,
};
