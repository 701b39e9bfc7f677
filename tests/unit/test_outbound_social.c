/* The Weibo and ByteDance senders' pure parts (channels/outbound_social.c): Weibo's reply window,
 * the request URLs and bodies (texts cut to the platforms' limits), and how the answers are
 * classified: sent, tried again, dead (permanent, token, window). */
#include "channels/outbound_social.h"
#include "check.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* decodes %XX and '+' of a form value into a malloc'd string */
static char *form_value(const char *body, const char *name)
{
    size_t nlen = strlen(name);
    for (const char *p = body; p != NULL && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
        if (strncmp(p, name, nlen) != 0 || p[nlen] != '=')
            continue;
        const char *v = p + nlen + 1, *end = strchr(v, '&');
        size_t n = end ? (size_t)(end - v) : strlen(v), o = 0;
        char *out = malloc(n + 1);
        for (size_t i = 0; i < n; i++) {
            if (v[i] == '%' && i + 2 < n) {
                char hex[3] = {v[i + 1], v[i + 2], 0};
                out[o++] = (char)strtol(hex, NULL, 16);
                i += 2;
            } else {
                out[o++] = v[i] == '+' ? ' ' : v[i];
            }
        }
        out[o] = '\0';
        return out;
    }
    return NULL;
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

static void test_weibo_window(void)
{
    int64_t last = 1763888400;
    CHECK(!wz_weibo_in_window(0, last));
    CHECK(wz_weibo_in_window(last, last));
    CHECK(wz_weibo_in_window(last, last + 47 * 3600));
    CHECK(!wz_weibo_in_window(last, last + 48 * 3600 - 60)); /* within the 10-minute margin */
    CHECK(!wz_weibo_in_window(last, last + 49 * 3600));
    CHECK(wz_weibo_in_window(last, last - 30)); /* our clock a little behind */
    CHECK(!wz_weibo_in_window(last, last - 3600));
    CHECK(wz_weibo_uid_ok("2489518277"));
    CHECK(!wz_weibo_uid_ok(""));
    CHECK(!wz_weibo_uid_ok("12a"));
    CHECK(!wz_weibo_uid_ok("123456789012345678901"));
    CHECK(!wz_weibo_uid_ok(NULL));
}

static void test_weibo_request(void)
{
    char *u = wz_weibo_reply_url("http://127.0.0.1:9/");
    CHECK_STR(u, "http://127.0.0.1:9/2/messages/reply.json");
    free(u);
    char *b = wz_weibo_reply_body("2.00a&b=c", "2489518277", "您的留言已受理 & \"谢谢\"");
    char *token = form_value(b, "access_token"), *type = form_value(b, "type"), *data = form_value(b, "data"),
         *rid = form_value(b, "receiver_id");
    CHECK_STR(token, "2.00a&b=c"); /* escaped, so it does not split the form */
    CHECK_STR(type, "text");
    CHECK_STR(rid, "2489518277");
    json_t *doc = json_loads(data ? data : "", 0, NULL);
    CHECK_STR(json_string_value(json_object_get(doc, "text")), "您的留言已受理 & \"谢谢\"");
    CHECK_INT(json_object_size(doc), 1);
    json_decref(doc);
    free(token);
    free(type);
    free(data);
    free(rid);
    free(b);

    /* a long reply is cut to fewer than 300 characters, ending with an ellipsis */
    char long_text[3 * 400 + 1] = "";
    for (int i = 0; i < 400; i++)
        memcpy(long_text + 3 * i, "答", 4);
    b = wz_weibo_reply_body("T", "1", long_text);
    data = form_value(b, "data");
    doc = json_loads(data, 0, NULL);
    const char *text = json_string_value(json_object_get(doc, "text"));
    CHECK(text != NULL && utf8_chars(text) == WZ_WEIBO_TEXT_MAX_CHARS);
    CHECK(text != NULL && strcmp(text + strlen(text) - 3, "…") == 0);
    json_decref(doc);
    free(data);
    free(b);
}

static void test_weibo_answers(void)
{
    long code;
    char msg[256];
#define WB(status, body) wz_weibo_classify(status, NULL, body, strlen(body), &code, msg, sizeof(msg))
    CHECK_INT(WB(200, "{\"id\": 3332910801173380, \"text\": \"ok\"}"), WZ_SOCIAL_OK);
    CHECK_INT(code, 0);
    CHECK_INT(WB(200, "{\"result\": true}"), WZ_SOCIAL_OK);
    /* errors come with 4xx and a code as a number or a string */
    CHECK_INT(
        WB(400,
           "{\"request\": \"/2/messages/reply.json\", \"error_code\": 21332, \"error\": \"invalid_access_token\"}"),
        WZ_SOCIAL_TOKEN);
    CHECK_INT(code, 21332);
    CHECK(strstr(msg, "21332") != NULL && strstr(msg, "invalid_access_token") != NULL);
    CHECK_INT(WB(401, "{\"error_code\": \"21327\", \"error\": \"expired_token\"}"), WZ_SOCIAL_TOKEN);
    CHECK_INT(code, 21327);
    CHECK_INT(WB(400, "{\"error_code\": 20003, \"error\": \"User does not exists!\"}"), WZ_SOCIAL_PERMANENT);
    CHECK_INT(WB(400, "{\"error_code\": 10008, \"error\": \"param error\"}"), WZ_SOCIAL_PERMANENT);
    CHECK_INT(WB(400, "{\"error_code\": 10014, \"error\": \"Insufficient app permissions\"}"), WZ_SOCIAL_PERMANENT);
    CHECK_INT(WB(403, "{\"error_code\": 26403, \"error\": \"no quota\"}"), WZ_SOCIAL_WINDOW);
    CHECK_INT(WB(200, "{\"error_code\": 10023, \"error\": \"User requests out of rate limit\"}"), WZ_SOCIAL_RETRY);
    CHECK_INT(WB(500, "{\"error_code\": 10001, \"error\": \"system error\"}"), WZ_SOCIAL_RETRY);
    CHECK_INT(WB(400, "{\"error_code\": 29999, \"error\": \"new\"}"), WZ_SOCIAL_RETRY); /* unknown: again */
    CHECK_INT(WB(502, "<html>bad gateway</html>"), WZ_SOCIAL_RETRY);
    CHECK(strstr(msg, "HTTP 502") != NULL);
    CHECK_INT(WB(503, "{}"), WZ_SOCIAL_RETRY);
    CHECK_INT(WB(200, "not json"), WZ_SOCIAL_RETRY);
    CHECK_INT(WB(200, "[1]"), WZ_SOCIAL_RETRY);
    CHECK_INT(WB(200, "{\"error_code\": \"x\"}"), WZ_SOCIAL_OK); /* not a code: read as no error */
#undef WB
    CHECK_INT(wz_weibo_classify(0, "Connection refused", NULL, 0, &code, msg, sizeof(msg)), WZ_SOCIAL_RETRY);
    CHECK(strstr(msg, "Connection refused") != NULL);
}

static void test_bytedance_request(void)
{
    char *u = wz_bytedance_send_url("https://open.douyin.com/", "ba25-36/42+x");
    CHECK_STR(u, "https://open.douyin.com/im/send/msg/?open_id=ba25-36%2F42%2Bx");
    free(u);
    char *b = wz_bytedance_send_body("ac64-c29b", "@conv+1==", "@msg/2==", "已受理");
    json_t *doc = json_loads(b, 0, NULL);
    CHECK_STR(json_string_value(json_object_get(doc, "to_user_id")), "ac64-c29b");
    CHECK_STR(json_string_value(json_object_get(doc, "conversation_id")), "@conv+1==");
    CHECK_STR(json_string_value(json_object_get(doc, "msg_id")), "@msg/2==");
    CHECK_STR(json_string_value(json_object_get(doc, "scene")), "im_reply_msg");
    json_t *content = json_object_get(doc, "content");
    CHECK_INT(json_integer_value(json_object_get(content, "msg_type")), 1);
    CHECK_STR(json_string_value(json_object_get(json_object_get(content, "text"), "text")), "已受理");
    CHECK_INT(json_object_size(doc), 5);
    json_decref(doc);
    free(b);
    b = wz_bytedance_send_body("u", "c", NULL, "x");
    doc = json_loads(b, 0, NULL);
    CHECK(json_object_get(doc, "msg_id") == NULL);
    json_decref(doc);
    free(b);
    char long_text[3 * 1200 + 1] = "";
    for (int i = 0; i < 1200; i++)
        memcpy(long_text + 3 * i, "答", 4);
    b = wz_bytedance_send_body("u", "c", "m", long_text);
    doc = json_loads(b, 0, NULL);
    const char *text =
        json_string_value(json_object_get(json_object_get(json_object_get(doc, "content"), "text"), "text"));
    CHECK(text != NULL && utf8_chars(text) == WZ_BYTEDANCE_TEXT_MAX_CHARS);
    json_decref(doc);
    free(b);

    CHECK_STR(wz_bytedance_msg_id("im:@abc=="), "@abc==");
    CHECK(wz_bytedance_msg_id("msg:retry-id") == NULL);
    CHECK(wz_bytedance_msg_id("im:") == NULL);
    CHECK(wz_bytedance_msg_id(NULL) == NULL);
}

static void test_bytedance_answers(void)
{
    long code;
    char msg[256];
#define BD(status, body) wz_bytedance_classify("Douyin", status, NULL, body, strlen(body), &code, msg, sizeof(msg))
    CHECK_INT(BD(200, "{\"data\": {\"error_code\": 0, \"description\": \"\", \"msg_id\": \"@x\"}, "
                      "\"extra\": {\"error_code\": 0, \"sub_error_code\": 0, \"logid\": \"l\"}}"),
              WZ_SOCIAL_OK);
    CHECK_INT(BD(200, "{\"err_no\": 0, \"err_msg\": \"\", \"data\": {}}"), WZ_SOCIAL_OK);
    CHECK_INT(BD(200, "{\"data\": {\"error_code\": 28001008, \"description\": \"access_token过期\"}, "
                      "\"extra\": {\"error_code\": 28001008}}"),
              WZ_SOCIAL_TOKEN);
    CHECK_INT(code, 28001008);
    CHECK(strstr(msg, "Douyin") != NULL && strstr(msg, "28001008") != NULL);
    CHECK_INT(BD(200, "{\"data\": {\"error_code\": 2190002, \"description\": \"access_token无效\"}}"), WZ_SOCIAL_TOKEN);
    CHECK_INT(BD(200, "{\"extra\": {\"error_code\": 28001015}}"), WZ_SOCIAL_TOKEN);
    CHECK_INT(BD(200, "{\"data\": {\"error_code\": 28001007, \"description\": \"参数不合法\"}}"), WZ_SOCIAL_PERMANENT);
    CHECK_INT(BD(200, "{\"data\": {\"error_code\": 2100005}}"), WZ_SOCIAL_PERMANENT);
    CHECK_INT(BD(200, "{\"err_no\": 28001046, \"err_msg\": \"用户已被封禁\"}"), WZ_SOCIAL_PERMANENT);
    CHECK_INT(code, 28001046);
    CHECK_INT(BD(200, "{\"extra\": {\"error_code\": 0, \"sub_error_code\": 2100007}}"), WZ_SOCIAL_PERMANENT);
    CHECK_INT(BD(200, "{\"data\": {\"error_code\": 28001005, \"description\": \"系统繁忙\"}}"), WZ_SOCIAL_RETRY);
    CHECK_INT(BD(200, "{\"data\": {\"error_code\": 28003018}}"), WZ_SOCIAL_RETRY);
    CHECK_INT(BD(200, "{\"data\": {\"error_code\": \"2100004\"}}"), WZ_SOCIAL_RETRY);
    CHECK_INT(BD(200, "{\"data\": {\"error_code\": 12345678}}"), WZ_SOCIAL_RETRY); /* unknown: again */
    CHECK_INT(BD(503, "{\"error\": \"scripted\"}"), WZ_SOCIAL_RETRY);
    CHECK(strstr(msg, "HTTP 503") != NULL);
    CHECK_INT(BD(400, "{\"data\": {\"error_code\": 28001007}}"), WZ_SOCIAL_PERMANENT); /* the code decides */
    CHECK_INT(BD(200, "<html>"), WZ_SOCIAL_RETRY);
#undef BD
    CHECK_INT(wz_bytedance_classify("Toutiao", 0, "timed out", NULL, 0, &code, msg, sizeof(msg)), WZ_SOCIAL_RETRY);
    CHECK(strstr(msg, "Toutiao did not answer: timed out") != NULL);
}

int main(void)
{
    RUN(test_weibo_window);
    RUN(test_weibo_request);
    RUN(test_weibo_answers);
    RUN(test_bytedance_request);
    RUN(test_bytedance_answers);
    return CHECK_DONE();
}
