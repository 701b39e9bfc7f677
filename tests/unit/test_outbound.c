/* The outbox sender's pure parts (channels/outbound.c): the backoff schedule, WeChat's 48-hour
 * window, the texts the citizen gets, how WeChat's and hook receivers' answers are classified, and
 * the request URLs and bodies. */
#include "channels/outbound.h"
#include "common/timefmt.h"
#include "check.h"
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

static void test_backoff(void)
{
    /* base 1 s, cap 8 s: the delay before attempt n+1 lies in [d/2, d], d = min(8 s, 1 s * 2^(n-1)) */
    CHECK_INT(wz_outbox_backoff_ms(1, 1000, 8000, 0), 500);
    CHECK_INT(wz_outbox_backoff_ms(1, 1000, 8000, 500), 1000);
    CHECK_INT(wz_outbox_backoff_ms(1, 1000, 8000, 501), 500); /* rnd is taken modulo the range */
    CHECK_INT(wz_outbox_backoff_ms(2, 1000, 8000, 0), 1000);
    CHECK_INT(wz_outbox_backoff_ms(3, 1000, 8000, 0), 2000);
    CHECK_INT(wz_outbox_backoff_ms(4, 1000, 8000, 4000), 8000);
    CHECK_INT(wz_outbox_backoff_ms(5, 1000, 8000, 0), 4000); /* capped */
    CHECK_INT(wz_outbox_backoff_ms(60, 1000, 8000, 4000), 8000);
    CHECK_INT(wz_outbox_backoff_ms(0, 1000, 8000, 0), 500); /* attempt 0 reads as the first */
    /* no overflow however many attempts, and the cap holds */
    CHECK(wz_outbox_backoff_ms(100, 30000, 3600000, UINT32_MAX) <= 3600000);
    CHECK(wz_outbox_backoff_ms(4000000000u, 30000, 3600000, 7) >= 1800000);
    /* successive delays never shrink until the cap: the longest of attempt n is at most the
     * shortest of n+1 (200 ms * 2^8 = 51.2 s is the last below the 60 s cap) */
    for (unsigned n = 1; n <= 8; n++) {
        uint64_t d = wz_outbox_backoff_ms(n, 200, 60000, 0) * 2; /* the un-jittered delay (even here) */
        uint64_t longest = wz_outbox_backoff_ms(n, 200, 60000, (uint32_t)(d / 2));
        CHECK(longest <= wz_outbox_backoff_ms(n + 1, 200, 60000, 0));
    }
    /* a cap below the base is the base */
    CHECK_INT(wz_outbox_backoff_ms(3, 1000, 10, 0), 500);
}

static void test_window(void)
{
    int64_t last = 1763888400;
    CHECK(!wz_wechat_in_window(0, last));
    CHECK(wz_wechat_in_window(last, last));
    CHECK(wz_wechat_in_window(last, last + 47 * 3600));
    CHECK(wz_wechat_in_window(last, last + 48 * 3600 - WZ_WECHAT_WINDOW_MARGIN_S - 1));
    CHECK(!wz_wechat_in_window(last, last + 48 * 3600 - WZ_WECHAT_WINDOW_MARGIN_S));
    CHECK(!wz_wechat_in_window(last, last + 49 * 3600));
    CHECK(wz_wechat_in_window(last, last - 60));  /* our clock a little behind the database's */
    CHECK(!wz_wechat_in_window(last, last - 61)); /* a message from the future is no window */
}

static void test_texts(void)
{
    int64_t t;
    CHECK_INT(wz_time_parse("2026-12-01T23:59:59+08:00", 25, &t), 0);
    char *s = wz_outbound_ack_text("WZ20261123000001", t);
    CHECK_STR(s, "您的留言已受理，编号 WZ20261123000001，我们将于 2026-12-01 前答复。");
    free(s);
    s = wz_outbound_ack_text("WZ20261123000001", t + 1); /* local midnight: the next day */
    CHECK_STR(s, "您的留言已受理，编号 WZ20261123000001，我们将于 2026-12-02 前答复。");
    free(s);
    char date[11];
    wz_outbound_local_date(0, date);
    CHECK_STR(date, "1970-01-01");
    wz_outbound_local_date(-8 * 3600 - 1, date);
    CHECK_STR(date, "1969-12-31");
    s = wz_outbound_reply_text("WZ1", "已修复。");
    CHECK_STR(s, "您的留言（编号 WZ1）答复如下：\n已修复。");
    free(s);
    s = wz_outbound_request_info_text("WZ1", "具体地址？");
    CHECK_STR(s, "您的留言（编号 WZ1）需要补充信息：具体地址？\n请直接回复本消息补充。");
    free(s);

    char buf[64];
    snprintf(buf, sizeof(buf), "一二三四");
    wz_outbound_cut_bytes(buf, 12);
    CHECK_STR(buf, "一二三四");
    wz_outbound_cut_bytes(buf, 11); /* room for one character and the ellipsis (3 bytes) is 8 */
    CHECK_STR(buf, "一二…");
    snprintf(buf, sizeof(buf), "一二三四");
    wz_outbound_cut_bytes(buf, 8);
    CHECK_STR(buf, "一…");
    snprintf(buf, sizeof(buf), "abcdef");
    wz_outbound_cut_bytes(buf, 5);
    CHECK_STR(buf, "ab…");
    CHECK(strlen(buf) <= 5);
    snprintf(buf, sizeof(buf), "abcdef");
    wz_outbound_cut_bytes(buf, 2); /* no room even for the ellipsis */
    CHECK_STR(buf, "ab");

    s = wz_outbound_prefix_chars("一二三", 3);
    CHECK_STR(s, "一二三");
    free(s);
    s = wz_outbound_prefix_chars("一二三四", 3);
    CHECK_STR(s, "一二…");
    free(s);
    s = wz_outbound_prefix_chars("", 20);
    CHECK_STR(s, "");
    free(s);
}

static wz_wx_class_t classify(long status, const char *error, const char *body, long *code, char *msg)
{
    return wz_wechat_classify(status, error, body, strlen(body), code, msg, 256);
}

static void test_wechat_answers(void)
{
    long code;
    char msg[256];
    CHECK_INT(classify(200, NULL, "{\"errcode\":0,\"errmsg\":\"ok\"}", &code, msg), WZ_WX_OK);
    CHECK_INT(classify(200, NULL, "{\"errcode\":0,\"errmsg\":\"ok\",\"msgid\":200228332}", &code, msg), WZ_WX_OK);
    CHECK_INT(classify(200, NULL, "{\"errcode\":42001,\"errmsg\":\"access_token expired\"}", &code, msg), WZ_WX_TOKEN);
    CHECK_INT(code, 42001);
    CHECK(strstr(msg, "42001") != NULL && strstr(msg, "access_token expired") != NULL);
    CHECK_INT(classify(200, NULL, "{\"errcode\":40001,\"errmsg\":\"invalid credential\"}", &code, msg), WZ_WX_TOKEN);
    CHECK_INT(classify(200, NULL, "{\"errcode\":40014,\"errmsg\":\"invalid access_token\"}", &code, msg), WZ_WX_TOKEN);
    CHECK_INT(classify(200, NULL, "{\"errcode\":45015,\"errmsg\":\"response out of time limit\"}", &code, msg),
              WZ_WX_WINDOW);
    CHECK_INT(classify(200, NULL, "{\"errcode\":45047,\"errmsg\":\"out of response count limit\"}", &code, msg),
              WZ_WX_WINDOW);
    CHECK_INT(classify(200, NULL, "{\"errcode\":43101,\"errmsg\":\"user refuse to accept the msg\"}", &code, msg),
              WZ_WX_REFUSED);
    CHECK_INT(classify(200, NULL, "{\"errcode\":40003,\"errmsg\":\"invalid openid\"}", &code, msg), WZ_WX_PERMANENT);
    CHECK_INT(classify(200, NULL, "{\"errcode\":43004,\"errmsg\":\"require subscribe\"}", &code, msg), WZ_WX_PERMANENT);
    CHECK_INT(classify(200, NULL, "{\"errcode\":40037,\"errmsg\":\"invalid template_id\"}", &code, msg),
              WZ_WX_PERMANENT);
    CHECK_INT(classify(200, NULL, "{\"errcode\":-1,\"errmsg\":\"system error\"}", &code, msg), WZ_WX_RETRY);
    CHECK_INT(code, -1);
    CHECK_INT(classify(200, NULL, "{\"errcode\":45009,\"errmsg\":\"reach max api daily quota limit\"}", &code, msg),
              WZ_WX_RETRY);
    CHECK_INT(classify(200, NULL, "{\"errcode\":99999,\"errmsg\":\"new\"}", &code, msg), WZ_WX_RETRY);
    CHECK_INT(classify(200, NULL, "<html>busy</html>", &code, msg), WZ_WX_RETRY);
    CHECK(strstr(msg, "not a JSON object") != NULL);
    CHECK_INT(classify(200, NULL, "[0]", &code, msg), WZ_WX_RETRY);
    CHECK_INT(classify(200, NULL, "{\"errcode\":\"0\"}", &code, msg), WZ_WX_RETRY);
    CHECK_INT(classify(500, NULL, "{\"errcode\":0}", &code, msg), WZ_WX_RETRY);
    CHECK(strstr(msg, "HTTP 500") != NULL);
    CHECK_INT(classify(0, "Operation timed out after 500 milliseconds", "", &code, msg), WZ_WX_RETRY);
    CHECK(strstr(msg, "timed out") != NULL);
    CHECK_INT(wz_wechat_classify(200, NULL, "{}", 2, &code, NULL, 0), WZ_WX_OK); /* no message buffer */
}

static void test_token(void)
{
    char tok[WZ_WECHAT_TOKEN_MAX], msg[256];
    long exp, code;
    const char *ok = "{\"access_token\":\"ACCESS_TOKEN\",\"expires_in\":7200}";
    CHECK_INT(wz_wechat_parse_token(ok, strlen(ok), tok, sizeof(tok), &exp, &code, msg, sizeof(msg)), 0);
    CHECK_STR(tok, "ACCESS_TOKEN");
    CHECK_INT(exp, 7200);
    const char *bad = "{\"errcode\":40013,\"errmsg\":\"invalid appid\"}";
    CHECK_INT(wz_wechat_parse_token(bad, strlen(bad), tok, sizeof(tok), &exp, &code, msg, sizeof(msg)), -1);
    CHECK_INT(code, 40013);
    CHECK(strstr(msg, "invalid appid") != NULL);
    const char *noexp = "{\"access_token\":\"T\"}";
    CHECK_INT(wz_wechat_parse_token(noexp, strlen(noexp), tok, sizeof(tok), &exp, &code, msg, sizeof(msg)), -1);
    const char *empty = "{\"access_token\":\"\",\"expires_in\":7200}";
    CHECK_INT(wz_wechat_parse_token(empty, strlen(empty), tok, sizeof(tok), &exp, &code, msg, sizeof(msg)), -1);
    CHECK_INT(wz_wechat_parse_token("nope", 4, tok, sizeof(tok), &exp, &code, msg, sizeof(msg)), -1);
    CHECK_INT(code, 0);
    char small[4];
    CHECK_INT(wz_wechat_parse_token(ok, strlen(ok), small, sizeof(small), &exp, &code, msg, sizeof(msg)), -1);
    CHECK_INT(wz_wechat_token_keep_ms(7200), (7200 - WZ_WECHAT_TOKEN_MARGIN_S) * 1000);
    CHECK_INT(wz_wechat_token_keep_ms(400), 200 * 1000); /* a short life: keep half of it */
    CHECK_INT(wz_wechat_token_keep_ms(0), 0);
}

static void test_urls_and_bodies(void)
{
    char *u = wz_wechat_token_url("http://127.0.0.1:9/", "wx1", "a&b");
    CHECK_STR(u, "http://127.0.0.1:9/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=a%26b");
    free(u);
    u = wz_wechat_api_url("https://api.weixin.qq.com", "/cgi-bin/message/custom/send", "T+1");
    CHECK_STR(u, "https://api.weixin.qq.com/cgi-bin/message/custom/send?access_token=T%2B1");
    free(u);

    char *b = wz_wechat_custom_text_body("o_1", "已修复\"。");
    json_t *doc = json_loads(b, 0, NULL);
    CHECK_STR(json_string_value(json_object_get(doc, "touser")), "o_1");
    CHECK_STR(json_string_value(json_object_get(doc, "msgtype")), "text");
    CHECK_STR(json_string_value(json_object_get(json_object_get(doc, "text"), "content")), "已修复\"。");
    CHECK_INT(json_object_size(doc), 3);
    json_decref(doc);
    free(b);

    int64_t when;
    CHECK_INT(wz_time_parse("2026-11-23T10:05:00+08:00", 25, &when), 0);
    b = wz_wechat_template_body("o_1", "TPL", NULL, "WZ20261123000001", "一二三四五六七八九十一二三四五六七八九十一二",
                                when);
    doc = json_loads(b, 0, NULL);
    CHECK_STR(json_string_value(json_object_get(doc, "template_id")), "TPL");
    CHECK(json_object_get(doc, "page") == NULL);
    json_t *data = json_object_get(doc, "data");
    CHECK_STR(json_string_value(json_object_get(json_object_get(data, "character_string1"), "value")),
              "WZ20261123000001");
    CHECK_STR(json_string_value(json_object_get(json_object_get(data, "thing2"), "value")),
              "一二三四五六七八九十一二三四五六七八九…");
    CHECK_STR(json_string_value(json_object_get(json_object_get(data, "time3"), "value")), "2026年11月23日 10:05");
    json_decref(doc);
    free(b);
    b = wz_wechat_template_body("o_1", "TPL", "pages/ticket/detail?id=7", "WZ1", "短", when);
    doc = json_loads(b, 0, NULL);
    CHECK_STR(json_string_value(json_object_get(doc, "page")), "pages/ticket/detail?id=7");
    CHECK_STR(json_string_value(json_object_get(json_object_get(json_object_get(doc, "data"), "thing2"), "value")),
              "短");
    json_decref(doc);
    free(b);
}

static void test_hook_answers(void)
{
    CHECK_INT(wz_hook_answer_class(200, NULL), WZ_HOOK_ANSWER_DELIVERED);
    CHECK_INT(wz_hook_answer_class(204, NULL), WZ_HOOK_ANSWER_DELIVERED);
    CHECK_INT(wz_hook_answer_class(408, NULL), WZ_HOOK_ANSWER_RETRY);
    CHECK_INT(wz_hook_answer_class(429, NULL), WZ_HOOK_ANSWER_RETRY);
    CHECK_INT(wz_hook_answer_class(500, NULL), WZ_HOOK_ANSWER_RETRY);
    CHECK_INT(wz_hook_answer_class(503, NULL), WZ_HOOK_ANSWER_RETRY);
    CHECK_INT(wz_hook_answer_class(0, "Connection refused"), WZ_HOOK_ANSWER_RETRY);
    CHECK_INT(wz_hook_answer_class(200, "the answer is too large"), WZ_HOOK_ANSWER_RETRY);
    CHECK_INT(wz_hook_answer_class(400, NULL), WZ_HOOK_ANSWER_PERMANENT);
    CHECK_INT(wz_hook_answer_class(401, NULL), WZ_HOOK_ANSWER_PERMANENT);
    CHECK_INT(wz_hook_answer_class(404, NULL), WZ_HOOK_ANSWER_PERMANENT);
    CHECK_INT(wz_hook_answer_class(410, NULL), WZ_HOOK_ANSWER_PERMANENT);
    CHECK_INT(wz_hook_answer_class(301, NULL), WZ_HOOK_ANSWER_PERMANENT);
}

int main(void)
{
    RUN(test_backoff);
    RUN(test_window);
    RUN(test_texts);
    RUN(test_wechat_answers);
    RUN(test_token);
    RUN(test_urls_and_bodies);
    RUN(test_hook_answers);
    return CHECK_DONE();
}
