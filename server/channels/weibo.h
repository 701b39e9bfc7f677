#ifndef WZ_CHANNELS_WEIBO_H
#define WZ_CHANNELS_WEIBO_H
/* The Weibo fans-service (粉丝服务平台, 开发模式) push, read into a wz_inbound_t. Pure: no I/O.
 *
 * Followed, from open.weibo.com/wiki: "Messages_api_start" (粉丝服务平台开发接口接入指南),
 * "消息推送服务", "Receive_General_Message" (接收普通消息) and "Receive_Event_Push" (接收事件推送).
 *
 * - URL check: a GET to our URL with ?signature=&timestamp=&nonce=&echostr=. signature is
 *   hex SHA-1 of app_secret, timestamp and nonce sorted as strings (字典排序) and concatenated;
 *   we answer echostr as it came (wz_weibo_handshake says whether to).
 * - Every later push is a POST to the same URL with the same three query parameters, signed the
 *   same way (wz_weibo_signature_valid), and a JSON body (the default format; the WeChat-style
 *   XML the platform can be switched to is not read here):
 *     {"type": "text", "receiver_id": 1902538057, "sender_id": 2489518277,
 *      "created_at": "Mon Jul 16 18:09:20 +0800 2012", "text": "...", "data": {...}}
 *   type text (私信/留言), position (data.longitude/latitude as strings), voice and image
 *   (data.vfid / data.tovfid: the file ids the sender / the receiver read the file with),
 *   event (data.subtype follow, unfollow, subscribe, unsubscribe, scan, scan_follow, click,
 *   view; data.key, data.ticket) and mention (被@消息, granted on request).
 * - Retries: the platform retries 3 times when it has no answer within 5 s. The docs say pushes
 *   carry no message id and recommend sender_id + created_at to drop retries; since created_at
 *   has whole seconds, our key adds the type and a digest of the text and data (identical in a
 *   retry), so two messages of one sender within a second stay two:
 *     "<sender_id>:<created_at unix>:<type>:<16 hex of SHA-1(text, data)>".
 *   Answering an empty body within 5 s stops retries.
 * - Unknown types are ignored, as the docs ask ("当出现未知类型时可忽略此消息").
 *
 * Assumed where the public pages do not show it: the body of a mention push. We read it as the
 * general shape (text = the status or comment that mentions the account) and take the status
 * the reply belongs to from data.status_id, data.mid or data.id, and data.comment_id when the
 * mention is in a comment. The media URL of a voice note or a picture is the fans-service
 * download endpoint with tovfid (fetching it needs the account's access_token, added by the
 * caller): WZ_WEIBO_MEDIA_URL "<tovfid>".
 *
 * Weibo does not push the account's own posts, so this adapter never yields WZ_INBOUND_POST. */
#include "channels/inbound.h"
#include <stddef.h>

#define WZ_WEIBO_BODY_MAX (64 * 1024)
#define WZ_WEIBO_ECHOSTR_MAX 128
#define WZ_WEIBO_MEDIA_URL "https://upload.api.weibo.com/2/mss/msget?fid="

/** Whether signature (40 hex digits) is the SHA-1 of the sorted app_secret, timestamp and
 * nonce, compared in constant time. An empty secret never verifies. */
int wz_weibo_signature_valid(const char *app_secret, size_t secret_len, const char *timestamp, size_t ts_len,
                             const char *nonce, size_t nonce_len, const char *signature, size_t sig_len);
/** The signature Weibo sends (lowercase hex and a NUL): for tests and fake platforms. */
void wz_weibo_sign(const char *app_secret, size_t secret_len, const char *timestamp, size_t ts_len, const char *nonce,
                   size_t nonce_len, char out[41]);
/** The URL check: 1 when the signature verifies and echostr (1..128 visible ASCII characters)
 * may be answered as it came (text/plain), else 0. */
int wz_weibo_handshake(const char *app_secret, size_t secret_len, const char *timestamp, size_t ts_len,
                       const char *nonce, size_t nonce_len, const char *signature, size_t sig_len, const char *echostr,
                       size_t echostr_len);
/** Reads Weibo's created_at ("Mon Jul 16 18:09:20 +0800 2012") as Unix seconds, using the
 * offset the string carries. 0, or -1 when it is not that format or not a real date. */
int wz_weibo_time_parse(const char *s, size_t len, int64_t *out);
/** Reads one verified push body (at most WZ_WEIBO_BODY_MAX bytes) into *m (cleared first;
 * wz_inbound_clear it after). 0, or -1 with a message in err (malformed JSON, a missing or
 * mistyped field, an empty text, a body too large); on -1 *m holds nothing. */
int wz_weibo_parse(const char *body, size_t len, wz_inbound_t *m, char *err, size_t errlen);

#endif
