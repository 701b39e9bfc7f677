/* The WeChat official account protocol (channels/wechat_oa.h): signatures, safe-mode
 * encryption against the published sample vectors of WeChat's own WXBizMsgCrypt samples, and
 * the XML messages as the Official Account Platform's documentation shows them. */
#include "channels/wechat_oa.h"
#include "check.h"
#include <stdlib.h>
#include <string.h>

/* WXBizMsgCrypt's official-account sample: fixed "random" bytes make the output fixed */
static const char sample_key[] = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
static const char sample_appid[] = "wxb11529c136998cb6";
static const char sample_cipher[] =
    "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==";

/* the WeCom (企业微信) sample of the same scheme: a real push with its msg_signature */
static const char wecom_token[] = "QDG6eK", wecom_appid[] = "wx5823bf96d3bd56c7";
static const char wecom_key[] = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
static const char wecom_sig[] = "477715d11cdb4164915debcba66cb864d751f3e6";
static const char wecom_encrypt[] =
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/"
    "sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+"
    "HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+"
    "BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/"
    "uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==";

static void test_handshake_signature(void)
{
    /* the sample's msg_signature: SHA1 of the sorted token, timestamp, nonce and Encrypt */
    const char *parts[] = {wecom_token, "1409659813", "1372623149", wecom_encrypt};
    char sig[41];
    wz_wechat_oa_sign(parts, 4, sig);
    CHECK_STR(sig, wecom_sig);
    CHECK(wz_wechat_oa_signature_valid(parts, 4, wecom_sig, 40));
    char upper[41];
    for (int i = 0; i < 41; i++)
        upper[i] = (char)(wecom_sig[i] >= 'a' && wecom_sig[i] <= 'f' ? wecom_sig[i] - 32 : wecom_sig[i]);
    CHECK(wz_wechat_oa_signature_valid(parts, 4, upper, 40));
    char wrong[41];
    memcpy(wrong, wecom_sig, 41);
    wrong[0] = wrong[0] == '4' ? '5' : '4';
    CHECK(!wz_wechat_oa_signature_valid(parts, 4, wrong, 40));
    CHECK(!wz_wechat_oa_signature_valid(parts, 4, wecom_sig, 39));
    CHECK(!wz_wechat_oa_signature_valid(parts, 4, "zz7715d11cdb4164915debcba66cb864d751f3e6", 40));
    CHECK(!wz_wechat_oa_signature_valid(parts, 3, wecom_sig, 40)); /* without Encrypt: another text */
    /* order of the inputs does not matter: they are sorted */
    const char *shuffled[] = {"1372623149", wecom_encrypt, wecom_token, "1409659813"};
    CHECK(wz_wechat_oa_signature_valid(shuffled, 4, wecom_sig, 40));
}

static void test_key(void)
{
    uint8_t key[32];
    CHECK_INT(wz_wechat_oa_aes_key(sample_key, key), 0);
    CHECK(key[0] == 0x69 && key[1] == 0xb7); /* base64 "abcd" -> 69 b7 1d */
    CHECK_INT(wz_wechat_oa_aes_key("short", key), -1);
    CHECK_INT(wz_wechat_oa_aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEF!", key), -1);
    CHECK_INT(wz_wechat_oa_aes_key(NULL, key), -1);
}

static void test_sample_vector(void)
{
    uint8_t key[32];
    wz_wechat_oa_aes_key(sample_key, key);
    const char msg[] = "我是中文abcd123";
    char *enc = wz_wechat_oa_encrypt(key, (const uint8_t *)"aaaabbbbccccdddd", msg, strlen(msg), sample_appid);
    CHECK_STR(enc, sample_cipher);
    char *plain = NULL, err[120];
    size_t len = 0;
    CHECK_INT(wz_wechat_oa_decrypt(key, sample_cipher, strlen(sample_cipher), sample_appid, &plain, &len, err,
                                   sizeof(err)),
              0);
    CHECK_STR(plain, msg);
    CHECK_INT(len, strlen(msg));
    free(plain);
    free(enc);
    /* another AppID is refused */
    CHECK_INT(wz_wechat_oa_decrypt(key, sample_cipher, strlen(sample_cipher), "wx0000000000000000", &plain, &len, err,
                                   sizeof(err)),
              -1);
    CHECK(plain == NULL && strstr(err, "AppID") != NULL);
}

static void test_wecom_push(void)
{
    uint8_t key[32];
    CHECK_INT(wz_wechat_oa_aes_key(wecom_key, key), 0);
    char *plain = NULL, err[120];
    size_t len = 0;
    CHECK_INT(wz_wechat_oa_decrypt(key, wecom_encrypt, strlen(wecom_encrypt), wecom_appid, &plain, &len, err,
                                   sizeof(err)),
              0);
    wz_wechat_oa_xml_t *x = wz_wechat_oa_xml_parse(plain, len, err, sizeof(err));
    CHECK(x != NULL);
    if (x != NULL) {
        CHECK_STR(wz_wechat_oa_xml_get(x, "Content"), "hello");
        CHECK_STR(wz_wechat_oa_xml_get(x, "MsgId"), "4561255354251345929");
        wz_inbound_t m;
        CHECK_INT(wz_wechat_oa_inbound(x, &m, err, sizeof(err)), 0);
        CHECK_INT(m.kind, WZ_INBOUND_MESSAGE);
        CHECK_STR(m.dedupe_key, "4561255354251345929");
        CHECK_STR(m.sender, "mycreate");
        CHECK_INT(m.created_at, 1409659813);
        CHECK_STR(m.content, "hello");
        wz_inbound_clear(&m);
        wz_wechat_oa_xml_free(x);
    }
    free(plain);
    /* a flipped bit in the cipher text breaks the padding or the AppID check */
    char *bad = strdup(wecom_encrypt);
    bad[strlen(bad) - 6] = bad[strlen(bad) - 6] == 'A' ? 'B' : 'A';
    CHECK_INT(wz_wechat_oa_decrypt(key, bad, strlen(bad), wecom_appid, &plain, &len, err, sizeof(err)), -1);
    free(bad);
    CHECK_INT(wz_wechat_oa_decrypt(key, "not base64!", 11, wecom_appid, &plain, &len, err, sizeof(err)), -1);
    CHECK_INT(wz_wechat_oa_decrypt(key, "AAAA", 4, wecom_appid, &plain, &len, err, sizeof(err)), -1);
}

static void test_round_trip_lengths(void)
{
    uint8_t key[32];
    wz_wechat_oa_aes_key(sample_key, key);
    char msg[200];
    for (size_t n = 0; n < sizeof(msg); n += 13) { /* every padding length */
        memset(msg, 'x', n);
        char *enc = wz_wechat_oa_encrypt(key, (const uint8_t *)"0123456789abcdef", msg, n, sample_appid);
        char *plain = NULL, err[120];
        size_t len = 99999;
        CHECK_INT(wz_wechat_oa_decrypt(key, enc, strlen(enc), sample_appid, &plain, &len, err, sizeof(err)), 0);
        CHECK_INT(len, n);
        free(plain);
        free(enc);
    }
}

static wz_inbound_t parse_ok(const char *xml)
{
    wz_inbound_t m;
    memset(&m, 0, sizeof(m));
    char err[160] = "";
    wz_wechat_oa_xml_t *x = wz_wechat_oa_xml_parse(xml, strlen(xml), err, sizeof(err));
    if (x == NULL) {
        fprintf(stderr, "parse: %s\n", err);
        CHECK(x != NULL);
        return m;
    }
    if (wz_wechat_oa_inbound(x, &m, err, sizeof(err)) != 0) {
        fprintf(stderr, "inbound: %s\n", err);
        CHECK(0);
    }
    wz_wechat_oa_xml_free(x);
    return m;
}

static void test_messages(void)
{
    wz_inbound_t m = parse_ok("<xml><ToUserName><![CDATA[gh_1234]]></ToUserName><FromUserName><![CDATA[oFan1]]>"
                              "</FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                              "<Content><![CDATA[小区门口路灯坏了 & 没人修 <急>]]></Content><MsgId>1234567890123456</MsgId>"
                              "</xml>");
    CHECK_INT(m.kind, WZ_INBOUND_MESSAGE);
    CHECK_STR(m.msg_type, "text");
    CHECK_STR(m.content, "小区门口路灯坏了 & 没人修 <急>");
    CHECK_STR(m.dedupe_key, "1234567890123456");
    wz_inbound_clear(&m);

    m = parse_ok("<xml><ToUserName>gh_1</ToUserName><FromUserName>oFan1</FromUserName><CreateTime>1348831860"
                 "</CreateTime><MsgType>image</MsgType><PicUrl>http://mmbiz.qpic.cn/x.jpg</PicUrl><MediaId>m1"
                 "</MediaId><MsgId>22</MsgId></xml>");
    CHECK_STR(m.content, "[图片] http://mmbiz.qpic.cn/x.jpg");
    CHECK_STR(m.media_url, "http://mmbiz.qpic.cn/x.jpg");
    wz_inbound_clear(&m);

    m = parse_ok("<xml><ToUserName>gh_1</ToUserName><FromUserName>oFan1</FromUserName><CreateTime>1357290913"
                 "</CreateTime><MsgType>voice</MsgType><MediaId>media_id</MediaId><Format>Format</Format>"
                 "<Recognition><![CDATA[腾讯微信团队]]></Recognition><MsgId>1234567890123456</MsgId></xml>");
    CHECK_STR(m.content, "腾讯微信团队");
    wz_inbound_clear(&m);
    m = parse_ok("<xml><ToUserName>gh_1</ToUserName><FromUserName>oFan1</FromUserName><CreateTime>1357290913"
                 "</CreateTime><MsgType>voice</MsgType><MediaId>media_9</MediaId><Format>amr</Format>"
                 "<MsgId>99</MsgId></xml>");
    CHECK_STR(m.content, "[语音] media_9"); /* recognition off */
    wz_inbound_clear(&m);

    m = parse_ok("<xml><ToUserName>gh_1</ToUserName><FromUserName>oFan1</FromUserName><CreateTime>1351776360"
                 "</CreateTime><MsgType>location</MsgType><Location_X>23.134521</Location_X><Location_Y>113.358803"
                 "</Location_Y><Scale>20</Scale><Label><![CDATA[位置信息]]></Label><MsgId>1234567890123456</MsgId>"
                 "</xml>");
    CHECK(m.has_location && m.latitude > 23.13 && m.latitude < 23.14 && m.longitude > 113.35);
    CHECK_STR(m.address, "位置信息");
    CHECK_STR(m.content, "[位置] 位置信息\n(23.134521, 113.358803)");
    wz_inbound_clear(&m);

    m = parse_ok("<xml><ToUserName>gh_1</ToUserName><FromUserName>oFan1</FromUserName><CreateTime>1351776360"
                 "</CreateTime><MsgType>link</MsgType><Title>公众平台官网链接</Title><Description>公众平台官网链接"
                 "</Description><Url>https://mp.weixin.qq.com</Url><MsgId>1234567890123456</MsgId></xml>");
    CHECK_STR(m.content, "[链接] 公众平台官网链接\n公众平台官网链接\nhttps://mp.weixin.qq.com");
    wz_inbound_clear(&m);
}

static void test_events(void)
{
    const char sub[] = "<xml><ToUserName>gh_1</ToUserName><FromUserName>oFan1</FromUserName><CreateTime>123456789"
                       "</CreateTime><MsgType>event</MsgType><Event>subscribe</Event></xml>";
    wz_inbound_t m = parse_ok(sub), again = parse_ok(sub);
    CHECK_INT(m.kind, WZ_INBOUND_IGNORE);
    CHECK_STR(m.event, "subscribe");
    CHECK_STR(m.dedupe_key, "ev:oFan1:123456789:subscribe");
    CHECK_STR(m.dedupe_key, again.dedupe_key); /* a retry is the same delivery */
    wz_inbound_clear(&m);
    wz_inbound_clear(&again);

    m = parse_ok("<xml><ToUserName>gh_1</ToUserName><FromUserName>mphelper</FromUserName><CreateTime>1394524295"
                 "</CreateTime><MsgType>event</MsgType><Event>MASSSENDJOBFINISH</Event><MsgID>1988</MsgID>"
                 "<Status>send success</Status><TotalCount>100</TotalCount></xml>");
    CHECK_INT(m.kind, WZ_INBOUND_POST);
    CHECK_STR(m.dedupe_key, "ev:mphelper:1394524295:MASSSENDJOBFINISH:1988");
    wz_inbound_clear(&m);
    m = parse_ok("<xml><ToUserName>gh_1</ToUserName><FromUserName>mphelper</FromUserName><CreateTime>1394524295"
                 "</CreateTime><MsgType>event</MsgType><Event>MASSSENDJOBFINISH</Event><MsgID>1989</MsgID>"
                 "<Status>err(10001)</Status></xml>");
    CHECK_INT(m.kind, WZ_INBOUND_IGNORE); /* a failed mass send is no post */
    wz_inbound_clear(&m);
    m = parse_ok("<xml><ToUserName>gh_1</ToUserName><FromUserName>oPub</FromUserName><CreateTime>1610000000"
                 "</CreateTime><MsgType>event</MsgType><Event>PUBLISHJOBFINISH</Event><PublishEventInfo>"
                 "<publish_id>2247503051</publish_id><publish_status>0</publish_status><article_id>x</article_id>"
                 "</PublishEventInfo></xml>");
    CHECK_INT(m.kind, WZ_INBOUND_POST);
    CHECK_STR(m.dedupe_key, "ev:oPub:1610000000:PUBLISHJOBFINISH:2247503051");
    wz_inbound_clear(&m);
}

static int refused(const char *xml, const char *why)
{
    char err[160] = "";
    wz_wechat_oa_xml_t *x = wz_wechat_oa_xml_parse(xml, strlen(xml), err, sizeof(err));
    int ret = x == NULL;
    if (x != NULL) {
        wz_inbound_t m;
        ret = wz_wechat_oa_inbound(x, &m, err, sizeof(err)) != 0;
        if (!ret)
            wz_inbound_clear(&m);
        wz_wechat_oa_xml_free(x);
    }
    if (ret && strstr(err, why) == NULL) {
        fprintf(stderr, "refused for \"%s\", expected \"%s\"\n", err, why);
        return 0;
    }
    return ret;
}

static void test_refusals(void)
{
    CHECK(refused("", "at most"));
    CHECK(refused("<xml><FromUserName>o</FromUserName>", "malformed XML"));
    CHECK(refused("<html><body/></html>", "root must be <xml>"));
    CHECK(refused("<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY a \"aaaa\">]><xml><Content>&a;</Content></xml>",
                  "DOCTYPE"));
    CHECK(refused("<xml><FromUserName>o</FromUserName><FromUserName>p</FromUserName></xml>", "twice"));
    CHECK(refused("<xml><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content><MsgId>1</MsgId></xml>",
                  "FromUserName"));
    CHECK(refused("<xml><FromUserName>o</FromUserName><CreateTime>soon</CreateTime><MsgType>text</MsgType></xml>",
                  "CreateTime"));
    CHECK(refused("<xml><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType>"
                  "<Content>x</Content></xml>",
                  "MsgId"));
    CHECK(refused("<xml><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType>"
                  "<Content>  </Content><MsgId>1</MsgId></xml>",
                  "Content"));
    CHECK(refused("<xml><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>location</MsgType>"
                  "<Location_X>91</Location_X><Location_Y>1</Location_Y><MsgId>1</MsgId></xml>",
                  "Location_X"));
    CHECK(refused("<xml><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType></xml>",
                  "Event"));
    /* nesting is bounded */
    char deep[400] = "<xml>";
    for (int i = 0; i < 10; i++)
        strncat(deep, "<a>", sizeof(deep) - strlen(deep) - 1);
    CHECK(refused(deep, "nested"));
}

static void test_long_text_is_cut(void)
{
    size_t n = 6000 * 3;
    char *xml = malloc(n + 300);
    int o = snprintf(xml, 300, "<xml><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType>"
                               "<MsgId>5</MsgId><Content>");
    for (size_t i = 0; i < 6000; i++)
        memcpy(xml + o + 3 * i, "问", 3);
    snprintf(xml + o + n, 300, "</Content></xml>");
    wz_inbound_t m = parse_ok(xml);
    CHECK_INT(strlen(m.content), WZ_INBOUND_CONTENT_MAX * 3); /* 5000 characters, none split */
    wz_inbound_clear(&m);
    free(xml);
}

int main(void)
{
    RUN(test_handshake_signature);
    RUN(test_key);
    RUN(test_sample_vector);
    RUN(test_wecom_push);
    RUN(test_round_trip_lengths);
    RUN(test_messages);
    RUN(test_events);
    RUN(test_refusals);
    RUN(test_long_text_is_cut);
    return CHECK_DONE();
}
