#include "auth/wechat.h"
#include "net/http_client.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wz_wechat_code_valid(const char *code, size_t len)
{
    if (code == NULL || len == 0 || len > WZ_WECHAT_CODE_MAX)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (code[i] <= 0x20 || code[i] >= 0x7f)
            return 0;
    return 1;
}

char *wz_wechat_session_url(const char *base, const char *appid, const char *secret, const char *code)
{
    char *a = wz_http_escape(appid), *s = wz_http_escape(secret), *c = wz_http_escape(code);
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    size_t n = blen + strlen(a) + strlen(s) + strlen(c) + 128;
    char *url = malloc(n);
    if (url == NULL)
        abort();
    snprintf(url, n, "%.*s/sns/jscode2session?appid=%s&secret=%s&js_code=%s&grant_type=authorization_code", (int)blen,
             base, a, s, c);
    free(a);
    free(s);
    free(c);
    return url;
}

/* an id WeChat gives: 1..64 characters of [A-Za-z0-9_-] */
static int id_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > WZ_WECHAT_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '_' || s[i] == '-'))
            return 0;
    return 1;
}

void wz_wechat_parse_session(const char *body, size_t len, wz_wechat_session_t *out)
{
    memset(out, 0, sizeof(*out));
    out->outcome = WZ_WECHAT_FAILED;
    json_t *doc = json_loadb(body, len, 0, NULL);
    if (!json_is_object(doc)) {
        snprintf(out->errmsg, sizeof(out->errmsg), "the answer is not a JSON object");
        json_decref(doc);
        return;
    }
    json_t *code = json_object_get(doc, "errcode");
    out->errcode = json_is_integer(code) ? (long)json_integer_value(code) : 0;
    const char *msg = json_string_value(json_object_get(doc, "errmsg"));
    snprintf(out->errmsg, sizeof(out->errmsg), "%.120s", msg ? msg : "");
    const char *openid = json_string_value(json_object_get(doc, "openid"));
    const char *unionid = json_string_value(json_object_get(doc, "unionid"));
    if (out->errcode == 40029 || out->errcode == 40163 || out->errcode == 40226) {
        out->outcome = WZ_WECHAT_BAD_CODE;
    } else if (out->errcode == 45011) {
        out->outcome = WZ_WECHAT_RATE_LIMIT;
    } else if (out->errcode == 0 && id_ok(openid) && (unionid == NULL || id_ok(unionid))) {
        out->outcome = WZ_WECHAT_OK;
        snprintf(out->openid, sizeof(out->openid), "%s", openid);
        snprintf(out->unionid, sizeof(out->unionid), "%s", unionid ? unionid : "");
    } else if (out->errcode == 0) {
        snprintf(out->errmsg, sizeof(out->errmsg), "the answer has no valid openid");
    }
    json_decref(doc);
}
