/* The mini-program sign-in's pure parts (auth/wechat.c): the code check, the jscode2session URL
 * and WeChat's documented answers. */
#include "auth/wechat.h"
#include "check.h"
#include <curl/curl.h>
#include <stdlib.h>

static wz_wechat_session_t parse(const char *body)
{
    wz_wechat_session_t s;
    wz_wechat_parse_session(body, strlen(body), &s);
    return s;
}

static void test_code_and_url(void)
{
    CHECK(wz_wechat_code_valid("081Kq4Ga1Wx9bF0xYeGa1ZbDx21Kq4G4", 32));
    CHECK(!wz_wechat_code_valid("", 0));
    CHECK(!wz_wechat_code_valid("a b", 3));
    CHECK(!wz_wechat_code_valid("\x7f", 1));
    char longer[130];
    memset(longer, 'a', 129);
    longer[129] = '\0';
    CHECK(!wz_wechat_code_valid(longer, 129));
    CHECK(wz_wechat_code_valid(longer, 128));
    char *url = wz_wechat_session_url("https://api.weixin.qq.com/", "wx123", "s&e=c", "a+b/c");
    CHECK_STR(url, "https://api.weixin.qq.com/sns/jscode2session?appid=wx123&secret=s%26e%3Dc&js_code=a%2Bb%2Fc"
                   "&grant_type=authorization_code");
    free(url);
}

static void test_answers(void)
{
    wz_wechat_session_t s = parse("{\"openid\":\"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o\",\"session_key\":\"x\"}");
    CHECK_INT(s.outcome, WZ_WECHAT_OK);
    CHECK_STR(s.openid, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o");
    CHECK_STR(s.unionid, "");
    s = parse("{\"openid\":\"o1\",\"session_key\":\"x\",\"unionid\":\"oGZUI0egBJY1zhBYw2KhdUfwVJJE\",\"errcode\":0}");
    CHECK_INT(s.outcome, WZ_WECHAT_OK);
    CHECK_STR(s.unionid, "oGZUI0egBJY1zhBYw2KhdUfwVJJE");
    CHECK_INT(parse("{\"errcode\":40029,\"errmsg\":\"invalid code\"}").outcome, WZ_WECHAT_BAD_CODE);
    CHECK_INT(parse("{\"errcode\":40163,\"errmsg\":\"code been used\"}").outcome, WZ_WECHAT_BAD_CODE);
    CHECK_INT(parse("{\"errcode\":45011,\"errmsg\":\"limit\"}").outcome, WZ_WECHAT_RATE_LIMIT);
    s = parse("{\"errcode\":-1,\"errmsg\":\"system error\"}");
    CHECK_INT(s.outcome, WZ_WECHAT_FAILED);
    CHECK_INT(s.errcode, -1);
    CHECK_STR(s.errmsg, "system error");
    /* not the documented shape: no usable identity */
    CHECK_INT(parse("not json").outcome, WZ_WECHAT_FAILED);
    CHECK_INT(parse("[]").outcome, WZ_WECHAT_FAILED);
    CHECK_INT(parse("{}").outcome, WZ_WECHAT_FAILED);
    CHECK_INT(parse("{\"openid\":\"\"}").outcome, WZ_WECHAT_FAILED);
    CHECK_INT(parse("{\"openid\":\"o' OR 1=1\"}").outcome, WZ_WECHAT_FAILED);
    CHECK_INT(parse("{\"openid\":\"o1\",\"unionid\":\"bad id\"}").outcome, WZ_WECHAT_FAILED);
    CHECK_INT(parse("{\"openid\":5}").outcome, WZ_WECHAT_FAILED);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    RUN(test_code_and_url);
    RUN(test_answers);
    curl_global_cleanup();
    return CHECK_DONE();
}
