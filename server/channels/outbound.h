#ifndef WZ_CHANNELS_OUTBOUND_H
#define WZ_CHANNELS_OUTBOUND_H
/* What the outbox sender says and how it reads the answers (pure; channels/outbox*.c do the I/O).
 *
 * Followed documents (developers.weixin.qq.com):
 *   access token   GET  /cgi-bin/token?grant_type=client_credential&appid=&secret=
 *                  -> {"access_token", "expires_in"} | {"errcode", "errmsg"}
 *   customer service message (official account, within 48 hours of the user's last message)
 *                  POST /cgi-bin/message/custom/send?access_token=
 *                  {"touser": openid, "msgtype": "text", "text": {"content": ...}}
 *   template message (official account, any time, a template the account added)
 *                  POST /cgi-bin/message/template/send?access_token=
 *                  {"touser", "template_id", "data": {key: {"value"}}}
 *   subscribe message (mini-program, once per subscription the user granted)
 *                  POST /cgi-bin/message/subscribe/send?access_token=
 *                  {"touser", "template_id", "page"?, "data": {key: {"value"}}}
 *   every answer   {"errcode": 0, "errmsg": "ok"} or an error code (global return codes page).
 * Templates are chosen by the government's operators; ours must have the fields
 * character_string1 (the ticket number), thing2 (a summary, at most 20 characters) and time3
 * (when it was said), which the platform's library templates such as 留言回复通知 offer. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define WZ_WECHAT_WINDOW_S (48 * 3600) /* customer service messages: 48 h after the user's message */
#define WZ_WECHAT_WINDOW_MARGIN_S 600  /* stop 10 minutes early: our clock, queueing, their clock */
#define WZ_WECHAT_TEXT_MAX_BYTES 2000  /* text content limit of custom/send (2048 bytes) with room */
#define WZ_WECHAT_THING_MAX_CHARS 20   /* a template's "thing" field */
#define WZ_WECHAT_TOKEN_MAX 1024       /* WeChat asks for at least 512 bytes of room */
#define WZ_WECHAT_TOKEN_MARGIN_S 300   /* refresh this long before the token expires */

/** The delay before the next attempt after `attempt` (1 = the first) failed: base * 2^(attempt-1)
 * capped at max, then "equal jitter" (between half and all of it, by rnd), so successive delays
 * never shrink until the cap while servers that failed together spread out. */
uint64_t wz_outbox_backoff_ms(unsigned attempt, uint64_t base_ms, uint64_t max_ms, uint32_t rnd);

/** Whether a customer service message may still be sent at `now`, the citizen's last message
 * being at last_msg (UTC seconds, 0 = none on record). */
int wz_wechat_in_window(int64_t last_msg, int64_t now);

/* ---- texts (malloc'd, UTF-8) ---- */

/** The local (Asia/Shanghai) date of an instant as YYYY-MM-DD. */
void wz_outbound_local_date(int64_t utc, char out[11]);

/** 「您的留言已受理，编号 WZ…，我们将于 YYYY-MM-DD 前答复。」 (the date in Asia/Shanghai). */
char *wz_outbound_ack_text(const char *number, int64_t promised_utc);
/** The published reply, headed with the number. */
char *wz_outbound_reply_text(const char *number, const char *body);
/** A request for more information, with the question. */
char *wz_outbound_request_info_text(const char *number, const char *question);
/** Cuts s (valid UTF-8) in place to at most max_bytes on a character boundary, ending it with
 * "…" when anything was cut. */
void wz_outbound_cut_bytes(char *s, size_t max_bytes);
/** The first max_chars characters of s (malloc'd), with "…" when cut. */
char *wz_outbound_prefix_chars(const char *s, size_t max_chars);

/* ---- WeChat ---- */

typedef enum {
    WZ_WX_OK,        /* errcode 0 */
    WZ_WX_RETRY,     /* busy, quota, an HTTP or transport failure, an answer we cannot read */
    WZ_WX_PERMANENT, /* the request can never succeed as it is (bad openid, template, unfollowed) */
    WZ_WX_TOKEN,     /* the access token is invalid or expired: fetch another, try once more */
    WZ_WX_WINDOW,    /* outside the 48-hour window or its message count: use a template */
    WZ_WX_REFUSED,   /* subscribe message: the user holds no subscription to this template */
} wz_wx_class_t;

/** Classifies an answer of a message API. errcode and msg (a short readable reason) are filled. */
wz_wx_class_t wz_wechat_classify(long http_status, const char *transport_error, const char *body, size_t len,
                                 long *errcode, char *msg, size_t msglen);
/** Reads a /cgi-bin/token answer. 0 with token and expires_in; -1 with errcode (0 if the answer
 * was not JSON) and msg. */
int wz_wechat_parse_token(const char *body, size_t len, char *token, size_t tokenlen, long *expires_in, long *errcode,
                          char *msg, size_t msglen);
/** How long (ms) to keep a token WeChat gave for expires_in seconds: WZ_WECHAT_TOKEN_MARGIN_S less,
 * but at least half of it. */
uint64_t wz_wechat_token_keep_ms(long expires_in);

/** URLs (malloc'd; they carry a secret or a token: wipe before freeing). base is scheme and host. */
char *wz_wechat_token_url(const char *base, const char *appid, const char *secret);
char *wz_wechat_api_url(const char *base, const char *path, const char *token);

/** Request bodies (malloc'd JSON). */
char *wz_wechat_custom_text_body(const char *openid, const char *text);
/** A template or subscribe message: page NULL for a template message. */
char *wz_wechat_template_body(const char *openid, const char *template_id, const char *page, const char *number,
                              const char *summary, int64_t when);

/* ---- hooks ---- */

typedef enum { WZ_HOOK_ANSWER_DELIVERED, WZ_HOOK_ANSWER_RETRY, WZ_HOOK_ANSWER_PERMANENT } wz_hook_answer_t;

/** 2xx delivered; 408, 429, 5xx and no answer retry; any other status is permanent. */
wz_hook_answer_t wz_hook_answer_class(long status, const char *transport_error);

/** The length of a configured API base without its trailing slashes (a path is appended). */
size_t wz_outbound_base_len(const char *base);
/** A request body: doc (stolen) as compact JSON, malloc'd. */
char *wz_outbound_json(json_t *doc);

#endif
