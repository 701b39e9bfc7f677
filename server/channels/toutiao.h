#ifndef WZ_CHANNELS_TOUTIAO_H
#define WZ_CHANNELS_TOUTIAO_H
/* Toutiao (今日头条 / 头条号) pushes, read into a wz_inbound_t. Pure.
 *
 * Toutiao accounts are served by the same ByteDance open platform as Douyin: the platform's
 * documentation keeps the Toutiao/Xigua abilities under developer.open-douyin.com
 * (".../develop/permission/toutiao-or-xigua/...", OAuth on open.snssdk.com), and an app
 * gets one client_key / client_secret pair and one Webhooks page ("控制台-设置-开发配置-Webhooks").
 * No webhook document specific to Toutiao is public, so this adapter follows the platform's
 * shared webhook document (developer.open-douyin.com/docs/resource/zh-CN/dop/develop/webhooks/
 * summarize and event-list) exactly as douyin.h describes it:
 *   - verify_webhook with content.challenge, answered {"challenge": ...} (wz_toutiao_challenge);
 *   - signature = hex SHA-1 of client_secret followed by the raw body;
 *   - body {"event", "client_key", "from_user_id", "to_user_id", "content", "log_id"};
 *   - retries deduplicated by the platform's id of the message/comment/item, else Msg-Id;
 *   - im_receive_msg -> MESSAGE (private_message ...), item_comment_reply -> MESSAGE (comment,
 *     reply_to = the article/video item id), create_video -> POST, everything else -> IGNORE.
 *
 * Assumed (not publicly documented for Toutiao): the signature header. The platform's document
 * names X-Douyin-Signature; ByteDance's Toutiao-branded callbacks (payments) use
 * X-Toutiao-Signature. The handler reads WZ_TOUTIAO_SIGNATURE_HEADER and, when absent,
 * WZ_TOUTIAO_SIGNATURE_HEADER_ALT; both carry the same SHA-1 here. */
#include "channels/inbound.h"
#include <stddef.h>

#define WZ_TOUTIAO_BODY_MAX (64 * 1024)
#define WZ_TOUTIAO_SIGNATURE_HEADER "X-Douyin-Signature"
#define WZ_TOUTIAO_SIGNATURE_HEADER_ALT "X-Toutiao-Signature"
#define WZ_TOUTIAO_MSG_ID_HEADER "Msg-Id"

/** Whether sig_hex (40 hex digits) is the SHA-1 of client_secret followed by the body
 * (constant-time compare). An empty secret never verifies. */
int wz_toutiao_signature_valid(const char *client_secret, size_t secret_len, const char *body, size_t body_len,
                               const char *sig_hex, size_t sig_len);
/** For a verify_webhook body: the answer JSON in out and its length; 0 for another event; -1
 * for a malformed one (as wz_douyin_challenge). */
long wz_toutiao_challenge(const char *body, size_t len, char *out, size_t outlen);
/** Reads one verified push (at most WZ_TOUTIAO_BODY_MAX bytes; msg_id = the Msg-Id header or
 * NULL) into *m. 0, or -1 with a message in err. */
int wz_toutiao_parse(const char *body, size_t len, const char *msg_id, size_t msg_id_len, wz_inbound_t *m, char *err,
                     size_t errlen);

#endif
