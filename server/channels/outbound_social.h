#ifndef WZ_CHANNELS_OUTBOUND_SOCIAL_H
#define WZ_CHANNELS_OUTBOUND_SOCIAL_H
/* What the outbox sends to Weibo and to the ByteDance open platform (Douyin, Toutiao), and how
 * it reads their answers. Pure; channels/outbox_weibo.c and outbox_douyin.c do the I/O.
 *
 * Weibo, followed from open.weibo.com/wiki: "发送客服消息" / "Send_Customer_Service_Message"
 * (粉丝服务平台) and "Error_code":
 *   POST https://m.api.weibo.com/2/messages/reply.json   (application/x-www-form-urlencoded)
 *        access_token   the fans-service token of the account (粉丝服务平台 - 高级功能 - 开发者模式)
 *        type=text
 *        data           URL-encoded JSON {"text": "..."}, fewer than 300 Chinese characters
 *        receiver_id    the fan's uid (int64)
 *   The sender is whoever the token belongs to. Replies are unlimited within 48 hours of the
 *   fan's message, follow, menu click or scan; a mention may be answered once within 48 hours;
 *   nothing after the fan unfollowed. Errors are {"request", "error_code", "error"}, the code a
 *   number or a string, with an HTTP 4xx/5xx status: the answer is read before the status.
 *   Assumed (no example answer is published): any JSON object without error_code is success.
 *   We pass access_token in the form body, where the parameter table lists it (the page's curl
 *   example puts it in the query), so it stays out of URLs and their logs.
 *
 * ByteDance, followed from developer.open-douyin.com: "发送私信消息" (私信管理, POST
 * /im/send/msg/; fields read from the public SKIT.FlurlHttpClient.ByteDance model of it, the
 * platform's "撤回私信消息" page, which names the same ids, and its "状态码排查工具" page):
 *   POST https://open.douyin.com/im/send/msg/?open_id=<the account's own open_id>
 *        access-token: <the account's OAuth access_token (im.direct_message scope)>
 *        {"to_user_id": <the citizen's open_id>, "conversation_id": <conversation_short_id of
 *         their message>, "msg_id": <server_message_id of the message answered>,
 *         "scene": "im_reply_msg", "content": {"msg_type": 1, "text": {"text": "..."}}}
 *   Answers {"data": {"error_code", "description", ...}, "extra": {"error_code",
 *   "description", "sub_error_code", "sub_description", "logid", "now"}}, some newer APIs
 *   {"err_no", "err_msg"}: the first non-zero code of data, extra, the top level or err_no.
 *   Assumed: the text limit (not on a public page; public adapters use 1000 characters), and
 *   that a missing msg_id may be left out (we always send the one we have). */
#include <stddef.h>
#include <stdint.h>

#define WZ_WEIBO_REPLY_PATH "/2/messages/reply.json"
#define WZ_WEIBO_WINDOW_S (48 * 3600) /* replies after the fan's last message */
#define WZ_WEIBO_TEXT_MAX_CHARS 299   /* "less than 300 Chinese characters" */
#define WZ_BYTEDANCE_SEND_PATH "/im/send/msg/"
#define WZ_BYTEDANCE_TEXT_MAX_CHARS 1000 /* assumed: see above */
#define WZ_BYTEDANCE_SCENE_REPLY "im_reply_msg"

typedef enum {
    WZ_SOCIAL_OK,
    WZ_SOCIAL_RETRY,     /* busy, rate or quota limits, 5xx, no or an unreadable answer, unknown codes */
    WZ_SOCIAL_PERMANENT, /* the request can never succeed as it is (parameters, permissions, user) */
    WZ_SOCIAL_TOKEN,     /* the account's access_token is invalid or expired: the operator renews it */
    WZ_SOCIAL_WINDOW,    /* outside the platform's reply window (or its one reply to a mention) */
} wz_social_class_t;

/** Whether Weibo still takes a reply at `now`, the fan's last message being at last_msg (UTC
 * seconds, 0 = none on record): 48 hours less WeChat's 10-minute margin. */
int wz_weibo_in_window(int64_t last_msg, int64_t now);
/** Whether s is a Weibo uid (1..20 digits). */
int wz_weibo_uid_ok(const char *s);
/** The reply URL: base (scheme and host) + WZ_WEIBO_REPLY_PATH (malloc'd). */
char *wz_weibo_reply_url(const char *base);
/** The form body (malloc'd; it carries the token: wipe before freeing). text is cut to
 * WZ_WEIBO_TEXT_MAX_CHARS here. */
char *wz_weibo_reply_body(const char *token, const char *receiver_uid, const char *text);
/** Classifies an answer of messages/reply; code (0 if none) and msg (a short reason) are filled. */
wz_social_class_t wz_weibo_classify(long http_status, const char *transport_error, const char *body, size_t len,
                                    long *code, char *msg, size_t msglen);

/** The send URL with the account's open_id (malloc'd). */
char *wz_bytedance_send_url(const char *base, const char *account_open_id);
/** The JSON body (malloc'd); msg_id NULL or "" leaves it out. text is cut to
 * WZ_BYTEDANCE_TEXT_MAX_CHARS here. */
char *wz_bytedance_send_body(const char *to_user, const char *conversation_id, const char *msg_id, const char *text);
/** Classifies an answer of /im/send/msg/ (platform, "Douyin" or "Toutiao", names it in msg). */
wz_social_class_t wz_bytedance_classify(const char *platform, long http_status, const char *transport_error,
                                        const char *body, size_t len, long *code, char *msg, size_t msglen);
/** The server_message_id in an inbox dedupe key ("im:<id>"), or NULL. */
const char *wz_bytedance_msg_id(const char *dedupe_key);

#endif
