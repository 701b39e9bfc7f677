#include "channels/outbound.h"
#include "common/timefmt.h"
#include "net/http_client.h"
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ELLIPSIS "\xe2\x80\xa6" /* … */

uint64_t wz_outbox_backoff_ms(unsigned attempt, uint64_t base_ms, uint64_t max_ms, uint32_t rnd)
{
    if (attempt == 0)
        attempt = 1;
    if (base_ms == 0)
        base_ms = 1;
    if (max_ms < base_ms)
        max_ms = base_ms;
    uint64_t d = base_ms;
    for (unsigned i = 1; i < attempt && d < max_ms; i++)
        d = d > max_ms / 2 ? max_ms : d * 2;
    if (d > max_ms)
        d = max_ms;
    uint64_t half = d / 2;
    return d - half + (half ? (uint64_t)rnd % (half + 1) : 0);
}

int wz_wechat_in_window(int64_t last_msg, int64_t now)
{
    return last_msg > 0 && now >= last_msg - 60 /* clocks differ a little */ &&
           now < last_msg + WZ_WECHAT_WINDOW_S - WZ_WECHAT_WINDOW_MARGIN_S;
}

/* ---- texts ---- */

static char *format(const char *fmt, const char *a, const char *b)
{
    int n = snprintf(NULL, 0, fmt, a, b);
    char *out = malloc((size_t)n + 1);
    if (out == NULL)
        abort();
    snprintf(out, (size_t)n + 1, fmt, a, b);
    return out;
}

/* local days since 1970 and seconds into the day */
static int64_t local_day(int64_t utc, int64_t *secs)
{
    int64_t local = utc + WZ_TIME_OFFSET_MIN * 60;
    int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    if (secs != NULL)
        *secs = local - days * 86400;
    return days;
}

void wz_outbound_local_date(int64_t utc, char out[11])
{
    int64_t y, m, d;
    wz_civil_from_days(local_day(utc, NULL), &y, &m, &d);
    if (y < 0 || y > 9999)
        y = 0;
    snprintf(out, 11, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
}

char *wz_outbound_ack_text(const char *number, int64_t promised_utc)
{
    char date[11];
    wz_outbound_local_date(promised_utc, date);
    return format("您的留言已受理，编号 %s，我们将于 %s 前答复。", number, date);
}

char *wz_outbound_reply_text(const char *number, const char *body)
{
    return format("您的留言（编号 %s）答复如下：\n%s", number, body);
}

char *wz_outbound_request_info_text(const char *number, const char *question)
{
    return format("您的留言（编号 %s）需要补充信息：%s\n请直接回复本消息补充。", number, question);
}

/* the length of the UTF-8 sequence starting with c (1 for a stray byte, so we always advance) */
static size_t seq_len(unsigned char c)
{
    return c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
}

void wz_outbound_cut_bytes(char *s, size_t max_bytes)
{
    size_t len = strlen(s);
    if (len <= max_bytes)
        return;
    size_t room = max_bytes >= sizeof(ELLIPSIS) - 1 ? max_bytes - (sizeof(ELLIPSIS) - 1) : max_bytes;
    size_t i = 0;
    while (i < len) {
        size_t k = seq_len((unsigned char)s[i]);
        if (i + k > room)
            break;
        i += k;
    }
    if (max_bytes >= sizeof(ELLIPSIS) - 1)
        memcpy(s + i, ELLIPSIS, sizeof(ELLIPSIS));
    else
        s[i] = '\0';
}

/* the byte offset after the first n characters of s (len bytes) */
static size_t chars_end(const char *s, size_t len, size_t n)
{
    size_t i = 0;
    for (size_t c = 0; i < len && c < n; c++)
        i += seq_len((unsigned char)s[i]);
    return i > len ? len : i;
}

char *wz_outbound_prefix_chars(const char *s, size_t max_chars)
{
    size_t len = strlen(s);
    int cut = chars_end(s, len, max_chars) < len;
    /* when cut, the ellipsis is one of the max_chars characters */
    size_t end = cut ? chars_end(s, len, max_chars ? max_chars - 1 : 0) : len;
    char *out = malloc(end + sizeof(ELLIPSIS));
    if (out == NULL)
        abort();
    memcpy(out, s, end);
    if (cut)
        memcpy(out + end, ELLIPSIS, sizeof(ELLIPSIS));
    else
        out[end] = '\0';
    return out;
}

/* ---- WeChat ---- */

__attribute__((format(printf, 3, 4))) static void set_msg(char *msg, size_t msglen, const char *fmt, ...)
{
    if (msglen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, msglen, fmt, ap);
    va_end(ap);
}

wz_wx_class_t wz_wechat_classify(long http_status, const char *transport_error, const char *body, size_t len,
                                 long *errcode, char *msg, size_t msglen)
{
    *errcode = 0;
    if (transport_error != NULL) {
        set_msg(msg, msglen, "WeChat did not answer: %.200s", transport_error);
        return WZ_WX_RETRY;
    }
    if (http_status != 200) {
        set_msg(msg, msglen, "WeChat answered HTTP %ld", http_status);
        return WZ_WX_RETRY;
    }
    json_t *doc = json_loadb(body, len, 0, NULL);
    if (!json_is_object(doc)) {
        json_decref(doc);
        set_msg(msg, msglen, "WeChat's answer is not a JSON object");
        return WZ_WX_RETRY;
    }
    json_t *code = json_object_get(doc, "errcode");
    const char *text = json_string_value(json_object_get(doc, "errmsg"));
    if (code != NULL && !json_is_integer(code)) {
        json_decref(doc);
        set_msg(msg, msglen, "WeChat's answer has a non-numeric errcode");
        return WZ_WX_RETRY;
    }
    long c = code ? (long)json_integer_value(code) : 0;
    *errcode = c;
    set_msg(msg, msglen, "WeChat errcode %ld: %.120s", c, text ? text : "");
    json_decref(doc);
    switch (c) {
    case 0:
        return WZ_WX_OK;
    case 40001: /* invalid credential: the token is wrong or was replaced */
    case 40014: /* invalid access_token */
    case 42001: /* access_token expired */
        return WZ_WX_TOKEN;
    case 45015: /* response out of time limit: the 48 hours have passed */
    case 45047: /* out of response count limit */
        return WZ_WX_WINDOW;
    case 43101: /* user refuse to accept the msg: no (remaining) subscription */
        return WZ_WX_REFUSED;
    case 40003: /* invalid openid */
    case 40013: /* invalid appid */
    case 40036: /* invalid template_id size */
    case 40037: /* invalid template_id */
    case 41030: /* invalid page */
    case 43004: /* require subscribe: the user no longer follows the account */
    case 43019: /* the user is in the account's blacklist */
    case 44002: /* empty post data */
    case 47001: /* data format error */
    case 47003: /* argument invalid (a template field) */
    case 48001: /* api unauthorized: the account may not use this API */
        return WZ_WX_PERMANENT;
    default: /* -1 busy, 45009/45011 quotas, and codes we do not know: try again later */
        return WZ_WX_RETRY;
    }
}

int wz_wechat_parse_token(const char *body, size_t len, char *token, size_t tokenlen, long *expires_in, long *errcode,
                          char *msg, size_t msglen)
{
    *errcode = 0;
    *expires_in = 0;
    json_t *doc = json_loadb(body, len, 0, NULL);
    if (!json_is_object(doc)) {
        json_decref(doc);
        set_msg(msg, msglen, "WeChat's token answer is not a JSON object");
        return -1;
    }
    const char *t = json_string_value(json_object_get(doc, "access_token"));
    json_t *exp = json_object_get(doc, "expires_in");
    json_t *code = json_object_get(doc, "errcode");
    const char *text = json_string_value(json_object_get(doc, "errmsg"));
    int ret = -1;
    if (t != NULL && t[0] != '\0' && strlen(t) < tokenlen && strlen(t) < WZ_WECHAT_TOKEN_MAX && json_is_integer(exp) &&
        json_integer_value(exp) > 0 && (code == NULL || json_integer_value(code) == 0)) {
        memcpy(token, t, strlen(t) + 1);
        *expires_in = (long)json_integer_value(exp);
        ret = 0;
    } else {
        *errcode = json_is_integer(code) ? (long)json_integer_value(code) : 0;
        set_msg(msg, msglen, "WeChat refused the access token (errcode %ld: %.120s)", *errcode,
                text ? text : "no access_token in the answer");
    }
    json_decref(doc);
    return ret;
}

uint64_t wz_wechat_token_keep_ms(long expires_in)
{
    if (expires_in <= 0)
        return 0;
    long keep = expires_in - WZ_WECHAT_TOKEN_MARGIN_S;
    if (keep < expires_in / 2)
        keep = expires_in / 2;
    return (uint64_t)keep * 1000;
}

size_t wz_outbound_base_len(const char *base)
{
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    return n;
}

char *wz_wechat_token_url(const char *base, const char *appid, const char *secret)
{
    char *a = wz_http_escape(appid), *s = wz_http_escape(secret);
    size_t blen = wz_outbound_base_len(base), n = blen + strlen(a) + strlen(s) + 80;
    char *url = malloc(n);
    if (url == NULL)
        abort();
    snprintf(url, n, "%.*s/cgi-bin/token?grant_type=client_credential&appid=%s&secret=%s", (int)blen, base, a, s);
    free(a);
    free(s);
    return url;
}

char *wz_wechat_api_url(const char *base, const char *path, const char *token)
{
    char *t = wz_http_escape(token);
    size_t blen = wz_outbound_base_len(base), n = blen + strlen(path) + strlen(t) + 32;
    char *url = malloc(n);
    if (url == NULL)
        abort();
    snprintf(url, n, "%.*s%s?access_token=%s", (int)blen, base, path, t);
    free(t);
    return url;
}

char *wz_outbound_json(json_t *doc)
{
    char *s = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (s == NULL)
        abort();
    return s;
}

char *wz_wechat_custom_text_body(const char *openid, const char *text)
{
    return wz_outbound_json(json_pack("{s:s, s:s, s:{s:s}}", "touser", openid, "msgtype", "text", "text", "content", text));
}

char *wz_wechat_template_body(const char *openid, const char *template_id, const char *page, const char *number,
                              const char *summary, int64_t when)
{
    int64_t secs, y, m, d;
    wz_civil_from_days(local_day(when, &secs), &y, &m, &d);
    char time3[48];
    snprintf(time3, sizeof(time3), "%04lld年%lld月%lld日 %02lld:%02lld", (long long)y, (long long)m, (long long)d,
             (long long)(secs / 3600), (long long)(secs % 3600 / 60));
    char *thing = wz_outbound_prefix_chars(summary, WZ_WECHAT_THING_MAX_CHARS);
    json_t *doc =
        json_pack("{s:s, s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}}}", "touser", openid, "template_id", template_id, "data",
                  "character_string1", "value", number, "thing2", "value", thing, "time3", "value", time3);
    free(thing);
    if (page != NULL && page[0] != '\0')
        json_object_set_new(doc, "page", json_string(page));
    return wz_outbound_json(doc);
}

/* ---- hooks ---- */

wz_hook_answer_t wz_hook_answer_class(long status, const char *transport_error)
{
    if (transport_error != NULL || status == 0)
        return WZ_HOOK_ANSWER_RETRY;
    if (status >= 200 && status < 300)
        return WZ_HOOK_ANSWER_DELIVERED;
    if (status == 408 || status == 429 || status >= 500)
        return WZ_HOOK_ANSWER_RETRY;
    return WZ_HOOK_ANSWER_PERMANENT; /* 1xx/3xx (we follow no redirects) and the other 4xx */
}
