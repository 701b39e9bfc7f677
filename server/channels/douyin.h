#ifndef WZ_CHANNELS_DOUYIN_H
#define WZ_CHANNELS_DOUYIN_H
/* The Douyin open platform's webhooks (抖音开放平台 Webhooks), read into a wz_inbound_t. Pure.
 *
 * Followed, from developer.open-douyin.com/docs/resource/zh-CN/dop/develop/: "webhooks/summarize"
 * (概述), "webhooks/event-list" (事件列表), "openapi/.../private-message/private-msg-webhook"
 * (接收私信消息事件) and ".../comment-management-user/accept-comment-reply-event" (接收评论回复
 * 事件, whose fields we took from the public SKIT.FlurlHttpClient.ByteDance model of it).
 *
 * - Every push is a POST of application/json: {"event", "client_key", "from_user_id",
 *   "to_user_id", "content", "log_id"}. content is an object in verify_webhook and, in the
 *   documented examples of the other events, a string holding JSON: both are read.
 * - Signature: header X-Douyin-Signature = hex SHA-1 of client_secret followed by the raw body,
 *   on every push including verify_webhook (wz_douyin_signature_valid).
 * - URL check: saving the URL in the console posts {"event": "verify_webhook", "content":
 *   {"challenge": 12345}}; we answer {"challenge": 12345} (wz_douyin_challenge).
 * - Retries: no answer within 5 s and the platform retries, 3 times. The docs say to drop
 *   retries by the Msg-Id header ("同一实体下同一action的msg_id相同"). Our key is the platform's
 *   own id of the thing when the event has one, which a retry repeats too, and Msg-Id otherwise:
 *     im_receive_msg / receive_msg   "im:" + content.server_message_id (else Msg-Id)
 *     item_comment_reply             "comment:" + content.comment_id
 *     create_video                   "video:" + content.item_id
 *     anything else                  "msg:" + Msg-Id, else "body:" + SHA-1 of the body
 *   (log_id is for Douyin's own tracing: the docs do not say it repeats in a retry.)
 *
 * What becomes what:
 *   im_receive_msg (a citizen wrote to the account), and the older receive_msg: MESSAGE;
 *     sender = from_user_id (open_id), sender_name = its nick_name in content.user_infos,
 *     message_type text -> msg_type private_message with the text; image, user_local_image,
 *     emoji -> image; video, user_local_video -> video (resource_url when given: the docs say
 *     pictures and shared videos carry no URL); retain_consult_card -> the card's fields; other
 *     -> a note to read it in the app. reply_to = content.conversation_short_id (the send-message
 *     API answers in that conversation, quoting the server_message_id kept in the key).
 *     create_time is in milliseconds.
 *   item_comment_reply (a comment on the account's video): MESSAGE, msg_type comment, sender =
 *     content.comment_user_id, content = content.content, reply_to = content.reply_to_item_id
 *     (the video the reply goes to; the comment to answer is the key's comment_id).
 *   create_video (the account published a video through the app): POST, reply_to = item_id.
 *   verify_webhook, im_send_msg (the account's own message), im_enter_direct_msg,
 *   im_recall_msg, authorize, unauthorize, new_follow_action, ...: IGNORE, event = the name. */
#include "channels/inbound.h"
#include <stddef.h>

#define WZ_DOUYIN_BODY_MAX (64 * 1024)
#define WZ_DOUYIN_SIGNATURE_HEADER "X-Douyin-Signature"
#define WZ_DOUYIN_MSG_ID_HEADER "Msg-Id"
#define WZ_DOUYIN_CHALLENGE_MAX 64 /* bytes of the answer {"challenge": ...} */

/** Whether sig_hex (40 hex digits, either case) is the SHA-1 of client_secret followed by the
 * body, compared in constant time. An empty secret never verifies. */
int wz_douyin_signature_valid(const char *client_secret, size_t secret_len, const char *body, size_t body_len,
                              const char *sig_hex, size_t sig_len);
/** The X-Douyin-Signature value (lowercase hex and a NUL): for tests and fake platforms. */
void wz_douyin_sign(const char *client_secret, size_t secret_len, const char *body, size_t body_len, char out[41]);
/** For a verify_webhook body: writes the answer ({"challenge":12345}, the challenge as it came,
 * number or string) into out and returns its length. 0 when the body is another event, -1 when
 * it is not a JSON object or the challenge is missing, not a number or string, or too long. */
long wz_douyin_challenge(const char *body, size_t len, char *out, size_t outlen);
/** Reads one verified push (at most WZ_DOUYIN_BODY_MAX bytes; msg_id is the Msg-Id header or
 * NULL) into *m (cleared first; wz_inbound_clear it after). 0, or -1 with a message in err. */
int wz_douyin_parse(const char *body, size_t len, const char *msg_id, size_t msg_id_len, wz_inbound_t *m, char *err,
                    size_t errlen);

/* The shared ByteDance open platform core (Toutiao's adapter uses it too). */
/** As wz_douyin_parse, with the body limit given: toutiao.c passes its own. */
int wz_bytedance_parse(const char *body, size_t len, size_t body_max, const char *msg_id, size_t msg_id_len,
                       wz_inbound_t *m, char *err, size_t errlen);

struct wz_push;
struct wz_push_result;
/** The adapter step (channels/adapter.h) of the ByteDance webhook: POST only, the signature in
 * the first of sig_headers present, the verify_webhook challenge answered, else the event read
 * for the inbox. Douyin's and Toutiao's adapters are this with their own limit and headers. */
void wz_bytedance_take(const struct wz_push *push, const char *const secrets[], struct wz_push_result *out,
                       size_t body_max, const char *const sig_headers[]);

#endif
