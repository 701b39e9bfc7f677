#include "channels/outbound_social.h"
#include "channels/outbound.h"
#include "net/http_client.h"
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((format(printf, 3, 4))) static void set_msg(char *msg, size_t msglen, const char *fmt, ...)
{
    if (msglen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, msglen, fmt, ap);
    va_end(ap);
}

/* a code given as a number, or as a string of digits (Weibo sends both) */
static int code_of(const json_t *v, long *out)
{
    if (json_is_integer(v)) {
        *out = (long)json_integer_value(v);
        return 0;
    }
    const char *s = json_string_value(v);
    if (s == NULL || s[0] == '\0' || strlen(s) > 12)
        return -1;
    long c = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        c = c * 10 + (*p - '0');
    }
    *out = c;
    return 0;
}

static int in_list(long c, const long *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == c)
            return 1;
    return 0;
}

#define IN(c, list) in_list((c), (list), sizeof(list) / sizeof((list)[0]))

/* ---- Weibo ---- */

int wz_weibo_in_window(int64_t last_msg, int64_t now)
{
    return last_msg > 0 && now >= last_msg - 60 /* clocks differ a little */ &&
           now < last_msg + WZ_WEIBO_WINDOW_S - WZ_WECHAT_WINDOW_MARGIN_S;
}

int wz_weibo_uid_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 20)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

char *wz_weibo_reply_url(const char *base)
{
    size_t blen = wz_outbound_base_len(base), n = blen + sizeof(WZ_WEIBO_REPLY_PATH);
    char *url = malloc(n);
    if (url == NULL)
        abort();
    snprintf(url, n, "%.*s%s", (int)blen, base, WZ_WEIBO_REPLY_PATH);
    return url;
}

char *wz_weibo_reply_body(const char *token, const char *receiver_uid, const char *text)
{
    char *cut = wz_outbound_prefix_chars(text, WZ_WEIBO_TEXT_MAX_CHARS);
    char *data = wz_outbound_json(json_pack("{s:s}", "text", cut));
    free(cut);
    char *t = wz_http_escape(token), *d = wz_http_escape(data), *r = wz_http_escape(receiver_uid);
    free(data);
    size_t n = strlen(t) + strlen(d) + strlen(r) + 64;
    char *body = malloc(n);
    if (body == NULL)
        abort();
    snprintf(body, n, "access_token=%s&type=text&data=%s&receiver_id=%s", t, d, r);
    sodium_memzero(t, strlen(t)); /* the escaped token */
    free(t);
    free(d);
    free(r);
    return body;
}

wz_social_class_t wz_weibo_classify(long http_status, const char *transport_error, const char *body, size_t len,
                                    long *code, char *msg, size_t msglen)
{
    /* Error_code: 1xxxx system errors, 2xxxx service errors */
    /* retried: 10001 system error, 10002 service unavailable, 10003 remote service error,
     * 10009 busy, 10010 job expired, 10011 RPC error, 10022-10024 rate limits, and every code
     * not listed */
    static const long token[] = {
        21301, /* auth failed */
        21314, /* token used */
        21315, /* token expired */
        21316, /* token revoked */
        21317, /* token rejected */
        21319, /* accessor was revoked */
        21327, /* expired_token */
        21332, /* invalid_access_token */
    };
    static const long permanent[] = {
        10004, /* IP limit: this server may not call */
        10005, /* permission denied, need a high level appkey */
        10006, /* source parameter (appkey) is missing */
        10008, /* param error */
        10012, /* illegal request */
        10013, /* invalid weibo user */
        10014, /* insufficient app permissions */
        10016, /* miss required parameter */
        10017, /* parameter value invalid */
        20003, /* user does not exist */
    };
    static const long window[] = {
        26403, /* "already replied or timed out": seen in public client code of this API, not documented */
    };
    *code = 0;
    if (transport_error != NULL) {
        set_msg(msg, msglen, "Weibo did not answer: %.200s", transport_error);
        return WZ_SOCIAL_RETRY;
    }
    json_t *doc = json_loadb(body ? body : "", len, 0, NULL);
    long c = 0;
    int has_code = json_is_object(doc) && code_of(json_object_get(doc, "error_code"), &c) == 0 && c != 0;
    if (!has_code) {
        wz_social_class_t r = WZ_SOCIAL_OK;
        if (http_status != 200) {
            set_msg(msg, msglen, "Weibo answered HTTP %ld", http_status);
            r = WZ_SOCIAL_RETRY;
        } else if (!json_is_object(doc)) {
            set_msg(msg, msglen, "Weibo's answer is not a JSON object");
            r = WZ_SOCIAL_RETRY;
        } else {
            set_msg(msg, msglen, "ok");
        }
        json_decref(doc);
        return r;
    }
    const char *text = json_string_value(json_object_get(doc, "error"));
    *code = c;
    set_msg(msg, msglen, "Weibo error_code %ld: %.120s", c, text ? text : "");
    json_decref(doc);
    if (IN(c, token))
        return WZ_SOCIAL_TOKEN;
    if (IN(c, permanent))
        return WZ_SOCIAL_PERMANENT;
    if (IN(c, window))
        return WZ_SOCIAL_WINDOW;
    return WZ_SOCIAL_RETRY;
}

/* ---- ByteDance (Douyin, Toutiao) ---- */

char *wz_bytedance_send_url(const char *base, const char *account_open_id)
{
    char *o = wz_http_escape(account_open_id);
    size_t blen = wz_outbound_base_len(base), n = blen + sizeof(WZ_BYTEDANCE_SEND_PATH) + strlen(o) + 16;
    char *url = malloc(n);
    if (url == NULL)
        abort();
    snprintf(url, n, "%.*s%s?open_id=%s", (int)blen, base, WZ_BYTEDANCE_SEND_PATH, o);
    free(o);
    return url;
}

char *wz_bytedance_send_body(const char *to_user, const char *conversation_id, const char *msg_id, const char *text)
{
    char *cut = wz_outbound_prefix_chars(text, WZ_BYTEDANCE_TEXT_MAX_CHARS);
    json_t *doc =
        json_pack("{s:s, s:s, s:s, s:{s:i, s:{s:s}}}", "to_user_id", to_user, "conversation_id", conversation_id,
                  "scene", WZ_BYTEDANCE_SCENE_REPLY, "content", "msg_type", 1, "text", "text", cut);
    free(cut);
    if (doc == NULL)
        abort();
    if (msg_id != NULL && msg_id[0] != '\0')
        json_object_set_new(doc, "msg_id", json_string(msg_id));
    return wz_outbound_json(doc);
}

/* the first non-zero code of the answer, with its description */
static long bytedance_code(const json_t *doc, const char **text)
{
    static const char *const holders[] = {"data", "extra", NULL};
    long c = 0;
    *text = NULL;
    for (size_t i = 0; holders[i] != NULL; i++) {
        const json_t *h = json_object_get(doc, holders[i]);
        if (!json_is_object(h))
            continue;
        if (code_of(json_object_get(h, "error_code"), &c) == 0 && c != 0) {
            *text = json_string_value(json_object_get(h, "description"));
            return c;
        }
        if (code_of(json_object_get(h, "sub_error_code"), &c) == 0 && c != 0) {
            *text = json_string_value(json_object_get(h, "sub_description"));
            return c;
        }
    }
    if (code_of(json_object_get(doc, "error_code"), &c) == 0 && c != 0) {
        *text = json_string_value(json_object_get(doc, "description"));
        return c;
    }
    if (code_of(json_object_get(doc, "err_no"), &c) == 0 && c != 0) {
        *text = json_string_value(json_object_get(doc, "err_msg"));
        return c;
    }
    return 0;
}

wz_social_class_t wz_bytedance_classify(const char *platform, long http_status, const char *transport_error,
                                        const char *body, size_t len, long *code, char *msg, size_t msglen)
{
    /* 状态码排查工具: the new codes (28...) and the old ones (21...) */
    static const long token[] = {
        28001008, /* access_token expired: refresh or authorise again */
        28001015, /* access_token and open_id do not match */
        2190002,  /* access_token invalid */
        2190008,  /* access_token expired */
    };
    static const long permanent[] = {
        28001007, /* invalid parameter */
        28001012, /* the user did not authorise this OpenAPI */
        28001014, /* the app holds no ability */
        28001016, /* the app is banned or offline */
        28001017, /* unknown URI */
        28001018, /* the app lacks this ability */
        28001019, /* the ability is banned or offline */
        28001045, /* the user closed their account */
        28001046, /* the user is banned */
        28001047, /* the user is private */
        28001056, /* the API is offline */
        2100005,  /* invalid parameter */
        2100007,  /* no permission */
        2100009,  /* the user is banned from this */
        2190004,  /* the app lacks this ability */
    };
    /* retried: 28001005 busy, 28001006 network, 28001052 risk, 28003017 quota, 28003018 rate,
     * 2100004 busy, 2190001 quota, and every code not listed */
    *code = 0;
    if (transport_error != NULL) {
        set_msg(msg, msglen, "%s did not answer: %.200s", platform, transport_error);
        return WZ_SOCIAL_RETRY;
    }
    json_t *doc = json_loadb(body ? body : "", len, 0, NULL);
    const char *text = NULL;
    long c = json_is_object(doc) ? bytedance_code(doc, &text) : 0;
    if (c == 0) {
        wz_social_class_t r = WZ_SOCIAL_OK;
        if (http_status != 200) {
            set_msg(msg, msglen, "%s answered HTTP %ld", platform, http_status);
            r = WZ_SOCIAL_RETRY;
        } else if (!json_is_object(doc)) {
            set_msg(msg, msglen, "%s's answer is not a JSON object", platform);
            r = WZ_SOCIAL_RETRY;
        } else {
            set_msg(msg, msglen, "ok");
        }
        json_decref(doc);
        return r;
    }
    *code = c;
    set_msg(msg, msglen, "%s error_code %ld: %.120s", platform, c, text ? text : "");
    json_decref(doc);
    if (IN(c, token))
        return WZ_SOCIAL_TOKEN;
    if (IN(c, permanent))
        return WZ_SOCIAL_PERMANENT;
    return WZ_SOCIAL_RETRY;
}

const char *wz_bytedance_msg_id(const char *dedupe_key)
{
    if (dedupe_key == NULL || strncmp(dedupe_key, "im:", 3) != 0 || dedupe_key[3] == '\0')
        return NULL;
    return dedupe_key + 3;
}
