/* The Weibo, Douyin and Toutiao adapters (channels/weibo.c, douyin.c, toutiao.c): the platforms'
 * signatures against their documented examples, the URL checks, each message type and event of
 * the samples in tests/samples/<platform>/ (shaped as the platforms' documents show them),
 * retries that must give one key, and bodies that must be refused. */
#include "channels/douyin.h"
#include "channels/toutiao.h"
#include "channels/weibo.h"
#include "check.h"
#include "tickets/plan.h"
#include <stdio.h>
#include <stdlib.h>

#ifndef WZ_SAMPLES_DIR
#error "WZ_SAMPLES_DIR must name tests/samples"
#endif

/* a sample file's bytes, NUL-terminated (the length excludes the NUL) */
static char *sample(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", WZ_SAMPLES_DIR, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        abort();
    }
    char *buf = malloc(WZ_WEIBO_BODY_MAX + 1);
    size_t n = fread(buf, 1, WZ_WEIBO_BODY_MAX, f);
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int weibo(const char *body, wz_inbound_t *m)
{
    char err[200] = "";
    int r = wz_weibo_parse(body, strlen(body), m, err, sizeof(err));
    CHECK(r == 0 || err[0] != '\0');
    return r;
}

static int weibo_sample(const char *name, wz_inbound_t *m)
{
    size_t len;
    char *body = sample(name, &len);
    char err[200] = "";
    int r = wz_weibo_parse(body, len, m, err, sizeof(err));
    if (r != 0)
        fprintf(stderr, "%s: %s\n", name, err);
    free(body);
    return r;
}

static int bytedance(int toutiao, const char *body, size_t len, const char *msg_id, wz_inbound_t *m)
{
    char err[200] = "";
    size_t idlen = msg_id ? strlen(msg_id) : 0;
    int r = toutiao ? wz_toutiao_parse(body, len, msg_id, idlen, m, err, sizeof(err))
                    : wz_douyin_parse(body, len, msg_id, idlen, m, err, sizeof(err));
    CHECK(r == 0 || err[0] != '\0');
    return r;
}

static int bytedance_sample(int toutiao, const char *name, const char *msg_id, wz_inbound_t *m)
{
    size_t len;
    char *body = sample(name, &len);
    int r = bytedance(toutiao, body, len, msg_id, m);
    free(body);
    return r;
}

static void test_weibo_signature(void)
{
    /* the example of the fans-service access guide (Messages_api_start) */
    const char *sig = "90e4c22c90a58f26526c2dd5b6c56c8822edeaa1";
    CHECK(wz_weibo_signature_valid("xyz123xyz", 9, "1397022061823", 13, "57155157", 8, sig, 40));
    char out[41];
    wz_weibo_sign("xyz123xyz", 9, "1397022061823", 13, "57155157", 8, out);
    CHECK_STR(out, sig);
    CHECK(wz_weibo_signature_valid("xyz123xyz", 9, "1397022061823", 13, "57155157", 8,
                                   "90E4C22C90A58F26526C2DD5B6C56C8822EDEAA1", 40));
    CHECK(!wz_weibo_signature_valid("xyz123xyZ", 9, "1397022061823", 13, "57155157", 8, sig, 40));
    CHECK(!wz_weibo_signature_valid("xyz123xyz", 9, "1397022061824", 13, "57155157", 8, sig, 40));
    CHECK(!wz_weibo_signature_valid("xyz123xyz", 9, "1397022061823", 13, "57155158", 8, sig, 40));
    CHECK(!wz_weibo_signature_valid("xyz123xyz", 9, "1397022061823", 13, "57155157", 8, sig, 39));
    CHECK(!wz_weibo_signature_valid("", 0, "1397022061823", 13, "57155157", 8, sig, 40));
    CHECK(!wz_weibo_signature_valid("xyz123xyz", 9, "1397022061823", 13, "57155157", 8,
                                    "g0e4c22c90a58f26526c2dd5b6c56c8822edeaa1", 40));
    /* sorted, not in the order given: swapping timestamp and nonce signs the same */
    CHECK(wz_weibo_signature_valid("xyz123xyz", 9, "57155157", 8, "1397022061823", 13, sig, 40));
    /* the order is byte order, a prefix first: "a" < "ab" < "b", so "aabb" */
    wz_weibo_sign("b", 1, "ab", 2, "a", 1, out);
    CHECK_STR(out, "28cc5fd736aee0939ede3330c2867b31e82d9656");
}

static void test_weibo_handshake(void)
{
    const char *sig = "90e4c22c90a58f26526c2dd5b6c56c8822edeaa1";
    CHECK(wz_weibo_handshake("xyz123xyz", 9, "1397022061823", 13, "57155157", 8, sig, 40, "dnPdpTZz85", 10));
    CHECK(!wz_weibo_handshake("wrong", 5, "1397022061823", 13, "57155157", 8, sig, 40, "dnPdpTZz85", 10));
    CHECK(!wz_weibo_handshake("xyz123xyz", 9, "1397022061823", 13, "57155157", 8, sig, 40, "", 0));
    CHECK(!wz_weibo_handshake("xyz123xyz", 9, "1397022061823", 13, "57155157", 8, sig, 40, "<script>", 8));
    CHECK(!wz_weibo_handshake("xyz123xyz", 9, "1397022061823", 13, "57155157", 8, sig, 40, "a b", 3));
    char longer[130];
    memset(longer, 'e', sizeof(longer));
    CHECK(wz_weibo_handshake("xyz123xyz", 9, "1397022061823", 13, "57155157", 8, sig, 40, longer, 128));
    CHECK(!wz_weibo_handshake("xyz123xyz", 9, "1397022061823", 13, "57155157", 8, sig, 40, longer, 129));
}

static void test_weibo_time(void)
{
    int64_t t = 0;
    CHECK_INT(wz_weibo_time_parse("Mon Jul 16 18:09:20 +0800 2012", 30, &t), 0);
    CHECK_INT(t, 1342433360); /* 2012-07-16T10:09:20Z */
    CHECK_INT(wz_weibo_time_parse("Mon Jul 16 05:09:20 -0500 2012", 30, &t), 0);
    CHECK_INT(t, 1342433360);
    CHECK_INT(wz_weibo_time_parse("Thu Jan 01 00:00:00 +0000 1970", 30, &t), 0);
    CHECK_INT(t, 0);
    CHECK_INT(wz_weibo_time_parse("Thu Jan 01 08:00:00 +0800 1970", 30, &t), 0);
    CHECK_INT(t, 0);
    CHECK_INT(wz_weibo_time_parse("Wed Feb 29 12:00:00 +0800 2012", 30, &t), 0);
    CHECK_INT(t, 1330488000);
    CHECK_INT(wz_weibo_time_parse("Tue Feb 29 12:00:00 +0800 2100", 30, &t), -1); /* 2100 is no leap year */
    CHECK_INT(wz_weibo_time_parse("Tue Feb 29 12:00:00 +0800 2000", 30, &t), 0);
    CHECK_INT(wz_weibo_time_parse("Fri Feb 29 12:00:00 +0800 2013", 30, &t), -1);
    CHECK_INT(wz_weibo_time_parse("Mon Apr 31 18:09:20 +0800 2012", 30, &t), -1);
    CHECK_INT(wz_weibo_time_parse("Mon Jux 16 18:09:20 +0800 2012", 30, &t), -1);
    CHECK_INT(wz_weibo_time_parse("Xyz Jul 16 18:09:20 +0800 2012", 30, &t), -1);
    CHECK_INT(wz_weibo_time_parse("Mon Jul 16 24:09:20 +0800 2012", 30, &t), -1);
    CHECK_INT(wz_weibo_time_parse("Mon Jul 16 18:60:20 +0800 2012", 30, &t), -1);
    CHECK_INT(wz_weibo_time_parse("Mon Jul 16 18:09:20 0800 2012", 29, &t), -1);
    CHECK_INT(wz_weibo_time_parse("Mon Jul 16 18:09:20 *0800 2012", 30, &t), -1);
    CHECK_INT(wz_weibo_time_parse("Mon Jul 16 18:09:20 +0800 2012 ", 31, &t), -1);
    CHECK_INT(wz_weibo_time_parse("2012-07-16T18:09:20+08:00", 25, &t), -1);
    CHECK_INT(wz_weibo_time_parse("Mon Jul  6 18:09:20 +0800 2012", 30, &t), -1);
}

static void test_weibo_messages(void)
{
    wz_inbound_t m;
    CHECK_INT(weibo_sample("weibo/text.json", &m), 0);
    CHECK_INT(m.kind, WZ_INBOUND_MESSAGE);
    CHECK_STR(m.msg_type, "text");
    CHECK_STR(m.sender, "2489518277");
    CHECK_STR(m.content, "东门路口的红绿灯坏了三天了，早高峰很危险");
    CHECK_INT(m.created_at, 1342433360);
    CHECK(strncmp(m.dedupe_key, "2489518277:1342433360:text:", 27) == 0);
    CHECK_INT(strlen(m.dedupe_key), 27 + 16);
    CHECK(m.reply_to == NULL && m.media_url == NULL && !m.has_location);
    CHECK_STR(m.event, "");
    wz_inbound_clear(&m);

    CHECK_INT(weibo_sample("weibo/position.json", &m), 0);
    CHECK_INT(m.kind, WZ_INBOUND_MESSAGE);
    CHECK_STR(m.msg_type, "location");
    CHECK(m.has_location);
    CHECK(m.longitude > 116.3085 && m.longitude < 116.3086);
    CHECK(m.latitude > 39.9825 && m.latitude < 39.9826);
    CHECK_STR(m.content, "[位置] 我在这里: http://t.cn/zQgLLYO");
    wz_inbound_clear(&m);

    CHECK_INT(weibo_sample("weibo/voice.json", &m), 0);
    CHECK_STR(m.msg_type, "voice");
    CHECK_STR(m.content, "[语音] 发了一个语音消息");
    CHECK_STR(m.media_url, WZ_WEIBO_MEDIA_URL "821804469");
    wz_inbound_clear(&m);

    CHECK_INT(weibo_sample("weibo/image.json", &m), 0);
    CHECK_INT(m.kind, WZ_INBOUND_MESSAGE);
    CHECK_STR(m.msg_type, "image");
    CHECK_STR(m.content, "[图片] 发了一张图片");
    CHECK_STR(m.media_url, WZ_WEIBO_MEDIA_URL "821804469");
    wz_inbound_clear(&m);

    CHECK_INT(weibo_sample("weibo/mention.json", &m), 0);
    CHECK_INT(m.kind, WZ_INBOUND_MESSAGE);
    CHECK_STR(m.msg_type, "comment");
    CHECK_STR(m.reply_to, "4901234567890123");
    CHECK_STR(m.content, "@示范市发布 小区门口的垃圾三天没人清运了");
    wz_inbound_clear(&m);
}

static void test_weibo_events(void)
{
    wz_inbound_t m;
    CHECK_INT(weibo_sample("weibo/event_follow.json", &m), 0);
    CHECK_INT(m.kind, WZ_INBOUND_IGNORE);
    CHECK_STR(m.event, "follow");
    CHECK(m.dedupe_key[0] != '\0');
    wz_inbound_clear(&m);
    CHECK_INT(weibo_sample("weibo/event_scan.json", &m), 0);
    CHECK_INT(m.kind, WZ_INBOUND_IGNORE);
    CHECK_STR(m.event, "scan");
    wz_inbound_clear(&m);
    /* a type this version does not know is ignored, as the docs ask */
    CHECK_INT(weibo("{\"type\":\"sticker\",\"sender_id\":1,\"receiver_id\":2,\"created_at\":"
                    "\"Mon Jul 16 18:09:20 +0800 2012\",\"text\":\"x\",\"data\":{}}",
                    &m),
              0);
    CHECK_INT(m.kind, WZ_INBOUND_IGNORE);
    CHECK_STR(m.event, "sticker");
    wz_inbound_clear(&m);
}

static void test_weibo_retries(void)
{
    const char *a = "{\"type\":\"text\",\"sender_id\":2489518277,\"receiver_id\":1902538057,\"created_at\":"
                    "\"Mon Jul 16 18:09:20 +0800 2012\",\"text\":\"路灯不亮\",\"data\":{\"a\":1,\"b\":2}}";
    /* the same message, its fields in another order and spaced: a retry as a proxy might pass it on */
    const char *again = "{ \"data\": {\"b\": 2, \"a\": 1}, \"text\": \"路灯不亮\", \"type\": \"text\", \"created_at\":"
                        "\"Mon Jul 16 18:09:20 +0800 2012\", \"receiver_id\": \"1902538057\", \"sender_id\": "
                        "\"2489518277\"}";
    const char *other = "{\"type\":\"text\",\"sender_id\":2489518277,\"receiver_id\":1902538057,\"created_at\":"
                        "\"Mon Jul 16 18:09:20 +0800 2012\",\"text\":\"还有井盖丢了\",\"data\":{}}";
    const char *later = "{\"type\":\"text\",\"sender_id\":2489518277,\"receiver_id\":1902538057,\"created_at\":"
                        "\"Mon Jul 16 18:09:21 +0800 2012\",\"text\":\"路灯不亮\",\"data\":{\"a\":1,\"b\":2}}";
    wz_inbound_t m1, m2, m3, m4;
    CHECK_INT(weibo(a, &m1), 0);
    CHECK_INT(weibo(again, &m2), 0);
    CHECK_INT(weibo(other, &m3), 0);
    CHECK_INT(weibo(later, &m4), 0);
    CHECK_STR(m1.dedupe_key, m2.dedupe_key);
    CHECK(strcmp(m1.dedupe_key, m3.dedupe_key) != 0); /* two messages within one second stay two */
    CHECK(strcmp(m1.dedupe_key, m4.dedupe_key) != 0);
    wz_inbound_clear(&m1);
    wz_inbound_clear(&m2);
    wz_inbound_clear(&m3);
    wz_inbound_clear(&m4);
}

static void test_weibo_refused(void)
{
    wz_inbound_t m;
    char err[200] = "";
#define HEAD "\"receiver_id\":1902538057,\"created_at\":\"Mon Jul 16 18:09:20 +0800 2012\""
    CHECK_INT(weibo("", &m), -1);
    CHECK_INT(weibo("not json", &m), -1);
    CHECK_INT(weibo("[]", &m), -1);
    CHECK_INT(weibo("{\"type\":\"text\"," HEAD ",\"text\":\"x\"}", &m), -1);                       /* no sender */
    CHECK_INT(weibo("{\"type\":\"text\",\"sender_id\":-5," HEAD ",\"text\":\"x\"}", &m), -1);      /* negative */
    CHECK_INT(weibo("{\"type\":\"text\",\"sender_id\":\"12a\"," HEAD ",\"text\":\"x\"}", &m), -1); /* not digits */
    CHECK_INT(weibo("{\"type\":\"text\",\"sender_id\":1.5," HEAD ",\"text\":\"x\"}", &m), -1);
    CHECK_INT(weibo("{\"type\":\"text\",\"sender_id\":1,\"receiver_id\":1,\"created_at\":\"yesterday\","
                    "\"text\":\"x\"}",
                    &m),
              -1);
    CHECK_INT(weibo("{\"type\":\"text\",\"sender_id\":1," HEAD ",\"text\":\"  \"}", &m), -1); /* empty text */
    CHECK_INT(weibo("{\"type\":\"text\",\"sender_id\":1," HEAD ",\"text\":5}", &m), -1);
    CHECK_INT(weibo("{\"type\":7,\"sender_id\":1," HEAD ",\"text\":\"x\"}", &m), -1);
    CHECK_INT(weibo("{\"type\":\"text\",\"sender_id\":1," HEAD ",\"text\":\"x\",\"data\":[]}", &m), -1);
    CHECK_INT(weibo("{\"type\":\"text\",\"type\":\"event\",\"sender_id\":1," HEAD ",\"text\":\"x\"}", &m), -1);
    CHECK_INT(
        weibo("{\"type\":\"position\",\"sender_id\":1," HEAD ",\"text\":\"x\",\"data\":{\"longitude\":\"1\"}}", &m),
        -1);
    CHECK_INT(weibo("{\"type\":\"position\",\"sender_id\":1," HEAD
                    ",\"text\":\"x\",\"data\":{\"longitude\":\"200\",\"latitude\":\"1\"}}",
                    &m),
              -1);
    CHECK_INT(weibo("{\"type\":\"position\",\"sender_id\":1," HEAD
                    ",\"text\":\"x\",\"data\":{\"longitude\":\"1x\",\"latitude\":\"1\"}}",
                    &m),
              -1);
    CHECK_INT(weibo("{\"type\":\"image\",\"sender_id\":1," HEAD ",\"text\":\"x\",\"data\":{\"tovfid\":\"../x\"}}", &m),
              -1);
    CHECK_INT(weibo("{\"type\":\"event\",\"sender_id\":1," HEAD ",\"text\":\"x\",\"data\":{\"subtype\":3}}", &m), -1);
    CHECK(m.content == NULL && m.dedupe_key[0] == '\0'); /* a refusal leaves nothing behind */
    /* over the limit: refused before parsing, even when it is valid JSON */
    char *big = malloc(WZ_WEIBO_BODY_MAX + 2);
    memset(big, ' ', WZ_WEIBO_BODY_MAX + 1);
    const char *ok = "{\"type\":\"text\",\"sender_id\":1," HEAD ",\"text\":\"x\"}";
    memcpy(big, ok, strlen(ok));
    CHECK_INT(wz_weibo_parse(big, WZ_WEIBO_BODY_MAX, &m, err, sizeof(err)), 0);
    wz_inbound_clear(&m);
    CHECK_INT(wz_weibo_parse(big, WZ_WEIBO_BODY_MAX + 1, &m, err, sizeof(err)), -1);
    CHECK(strstr(err, "larger") != NULL);
    free(big);
}

static void test_weibo_long_text(void)
{
    /* 6000 characters of text: kept as the first 5000, cut on a character boundary */
    size_t n = 6000 * 3;
    char *body = malloc(n + 200);
    int off = snprintf(body, 200, "{\"type\":\"text\",\"sender_id\":1," HEAD ",\"text\":\"");
    for (size_t i = 0; i < 6000; i++)
        memcpy(body + off + 3 * i, "路", 3);
    memcpy(body + off + n, "\"}", 3);
    wz_inbound_t m;
    CHECK_INT(weibo(body, &m), 0);
    CHECK_INT(wz_utf8_chars(m.content, strlen(m.content)), WZ_INBOUND_CONTENT_MAX);
    CHECK_INT(strlen(m.content), 3 * WZ_INBOUND_CONTENT_MAX);
    wz_inbound_clear(&m);
    free(body);
#undef HEAD
}

static void test_douyin_signature(void)
{
    /* the body of the webhook overview's Go example, signed as Python's hashlib.sha1 does */
    const char *body = "{\"event\":\"verify_webhook\",\"client_key\":\"abc\",\"content\":{\"challenge\":12345}}";
    const char *sig = "ae92fdbf3bcc2f284ad795426a3f6792647b557f";
    size_t n = strlen(body);
    CHECK(wz_douyin_signature_valid("client-secret-1", 15, body, n, sig, 40));
    char out[41];
    wz_douyin_sign("client-secret-1", 15, body, n, out);
    CHECK_STR(out, sig);
    CHECK(wz_douyin_signature_valid("client-secret-1", 15, body, n, "AE92FDBF3BCC2F284AD795426A3F6792647B557F", 40));
    CHECK(!wz_douyin_signature_valid("client-secret-2", 15, body, n, sig, 40));
    CHECK(!wz_douyin_signature_valid("client-secret-1", 15, body, n - 1, sig, 40));
    CHECK(!wz_douyin_signature_valid("client-secret-1", 15, body, n, sig, 39));
    CHECK(!wz_douyin_signature_valid("client-secret-1", 15, body, n, NULL, 0));
    CHECK(!wz_douyin_signature_valid("", 0, body, n, sig, 40));
    /* and the file sample, its trailing newline included: the body exactly as sent */
    size_t len;
    char *file = sample("douyin/verify_webhook.json", &len);
    CHECK_INT(len, n + 1);
    CHECK(!wz_douyin_signature_valid("client-secret-1", 15, file, len, sig, 40));
    wz_douyin_sign("client-secret-1", 15, file, len, out);
    CHECK(wz_douyin_signature_valid("client-secret-1", 15, file, len, out, 40));
    free(file);
}

static void test_douyin_challenge(void)
{
    char out[WZ_DOUYIN_CHALLENGE_MAX + 1];
    size_t len;
    char *body = sample("douyin/verify_webhook.json", &len);
    CHECK_INT(wz_douyin_challenge(body, len, out, sizeof(out)), 19);
    CHECK_STR(out, "{\"challenge\":12345}");
    CHECK_INT(wz_douyin_challenge(body, len, out, 19), -1); /* no room for the NUL */
    free(body);
    const char *s = "{\"event\":\"verify_webhook\",\"content\":\"{\\\"challenge\\\":\\\"ab-12\\\"}\"}";
    CHECK_INT(wz_douyin_challenge(s, strlen(s), out, sizeof(out)), 21);
    CHECK_STR(out, "{\"challenge\":\"ab-12\"}");
    body = sample("douyin/im_text.json", &len);
    CHECK_INT(wz_douyin_challenge(body, len, out, sizeof(out)), 0);
    free(body);
    const char *bad[] = {"",
                         "[]",
                         "{\"event\":\"verify_webhook\"}",
                         "{\"event\":\"verify_webhook\",\"content\":{\"challenge\":[1]}}",
                         "{\"event\":\"verify_webhook\",\"content\":{\"challenge\":1.5}}",
                         "{\"event\":\"verify_webhook\",\"content\":7}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_INT(wz_douyin_challenge(bad[i], strlen(bad[i]), out, sizeof(out)), -1);
    char longer[200];
    snprintf(longer, sizeof(longer), "{\"event\":\"verify_webhook\",\"content\":{\"challenge\":\"%070d\"}}", 1);
    CHECK_INT(wz_douyin_challenge(longer, strlen(longer), out, sizeof(out)), -1);
}

static void test_douyin_messages(void)
{
    wz_inbound_t m;
    CHECK_INT(bytedance_sample(0, "douyin/im_text.json", "msg-1", &m), 0);
    CHECK_INT(m.kind, WZ_INBOUND_MESSAGE);
    CHECK_STR(m.msg_type, "private_message");
    CHECK_STR(m.sender, "ac6479a5-d7a6-4018-84be-c29bfc00000");
    CHECK_STR(m.sender_name, "热心市民小王");
    CHECK_STR(m.content, "你好，我想反映一下小区停车难的问题");
    CHECK_INT(m.created_at, 1700000000); /* milliseconds in the push */
    CHECK_STR(m.dedupe_key,
              "im:@c29bfc000+MNggFhRkwGuX1ntuc0RPc0VHmR3vzWUBwDdDYrU9MpJSYEVV6/2hKU0il5iay8J99+0t5j3zrbA==");
    CHECK_STR(m.reply_to, "@c29bfc000+MNggFhRkwGuX1ntuc0QfA0VnmRejrzWUBwDdDYrU9MpJSYEVV6/2hKU0il5iay8J99+0t5j3zrbA==");
    CHECK_STR(m.event, "");
    wz_inbound_clear(&m);

    CHECK_INT(bytedance_sample(0, "douyin/im_image.json", NULL, &m), 0);
    CHECK_STR(m.msg_type, "image");
    CHECK_STR(m.content, "[图片]");
    CHECK(m.media_url == NULL); /* the docs: pictures carry no URL */
    CHECK_STR(m.dedupe_key, "im:7123456789012345999");
    CHECK_STR(m.sender_name, "");
    wz_inbound_clear(&m);

    CHECK_INT(bytedance_sample(0, "douyin/im_card.json", NULL, &m), 0);
    CHECK_STR(m.content, "[留资卡片] 姓名：王先生；手机号：13900001111");
    wz_inbound_clear(&m);

    CHECK_INT(bytedance_sample(0, "douyin/comment.json", NULL, &m), 0);
    CHECK_INT(m.kind, WZ_INBOUND_MESSAGE);
    CHECK_STR(m.msg_type, "comment");
    CHECK_STR(m.sender, "bb6479a5-d7a6-4018-84be-c29bfc00001");
    CHECK_STR(m.content, "视频里说的那条路什么时候修好？");
    CHECK_INT(m.created_at, 1700000300);
    CHECK_STR(m.reply_to, "@8hxdhauTCMppanGnM4ltGM780mDqPP+KPpR0qQOmLVAXb/T060zdRmYqig357zEBq6CZRp4NVe6qLIJW/V/x1w==");
    CHECK_STR(m.dedupe_key,
              "comment:@kj5k4hai123d22nGnM4ltGM780mDqPP+KPpR0qQOmLVAXb/T060zdRmYqig357zEBq6CZRp4NVe6qLIJW/V/x1w==");
    wz_inbound_clear(&m);

    /* content as an object (as verify_webhook sends it) reads the same */
    const char *obj =
        "{\"event\":\"im_receive_msg\",\"from_user_id\":\"u1\",\"content\":{\"server_message_id\":\"42\","
        "\"message_type\":\"video\",\"resource_url\":\"https://v.douyin.com/x\",\"create_time\":1700000000}}";
    CHECK_INT(bytedance(0, obj, strlen(obj), NULL, &m), 0);
    CHECK_STR(m.msg_type, "video");
    CHECK_STR(m.media_url, "https://v.douyin.com/x");
    CHECK_STR(m.content, "[视频] https://v.douyin.com/x");
    CHECK_INT(m.created_at, 1700000000); /* seconds stay seconds */
    wz_inbound_clear(&m);
    const char *other =
        "{\"event\":\"im_receive_msg\",\"from_user_id\":\"u1\",\"content\":{\"server_message_id\":\"43\","
        "\"message_type\":\"other\"}}";
    CHECK_INT(bytedance(0, other, strlen(other), NULL, &m), 0);
    CHECK(strstr(m.content, "抖音 App") != NULL);
    wz_inbound_clear(&m);
    /* the older receive_msg, which has no message id: the Msg-Id header is the key */
    const char *old = "{\"event\":\"receive_msg\",\"from_user_id\":\"u1\",\"content\":{\"message_type\":\"text\","
                      "\"text\":\"你好\"}}";
    CHECK_INT(bytedance(0, old, strlen(old), "7b2c", &m), 0);
    CHECK_STR(m.dedupe_key, "msg:7b2c");
    wz_inbound_clear(&m);
    CHECK_INT(bytedance(0, old, strlen(old), NULL, &m), -1);
}

static void test_douyin_events(void)
{
    wz_inbound_t m;
    CHECK_INT(bytedance_sample(0, "douyin/create_video.json", NULL, &m), 0);
    CHECK_INT(m.kind, WZ_INBOUND_POST);
    CHECK_STR(m.event, "create_video");
    CHECK_STR(m.reply_to, "@8hxdhauTCMppanGnM4ltGM780mDqPP+KPpR0qQOmLVAXb/T060zdRmYqig357zEBq6CZRp4NVe6qLIJW/V/x1w==");
    CHECK(strncmp(m.dedupe_key, "video:@8hxd", 11) == 0);
    wz_inbound_clear(&m);

    CHECK_INT(bytedance_sample(0, "douyin/im_enter.json", "e-77", &m), 0);
    CHECK_INT(m.kind, WZ_INBOUND_IGNORE);
    CHECK_STR(m.event, "im_enter_direct_msg");
    CHECK_STR(m.dedupe_key, "msg:e-77");
    CHECK(m.content == NULL);
    wz_inbound_clear(&m);
    CHECK_INT(bytedance_sample(0, "douyin/im_enter.json", NULL, &m), 0);
    CHECK(strncmp(m.dedupe_key, "body:", 5) == 0 && strlen(m.dedupe_key) == 45);
    wz_inbound_clear(&m);

    CHECK_INT(bytedance_sample(0, "douyin/verify_webhook.json", NULL, &m), 0);
    CHECK_INT(m.kind, WZ_INBOUND_IGNORE);
    CHECK_STR(m.event, "verify_webhook");
    wz_inbound_clear(&m);
    const char *send =
        "{\"event\":\"im_send_msg\",\"from_user_id\":\"gov\",\"content\":\"{\\\"server_message_id\\\":\\\"9\\\","
        "\\\"message_type\\\":\\\"text\\\",\\\"text\\\":\\\"已收到\\\"}\"}";
    CHECK_INT(bytedance(0, send, strlen(send), NULL, &m), 0);
    CHECK_INT(m.kind, WZ_INBOUND_IGNORE); /* the account's own message is no citizen's */
    CHECK_STR(m.event, "im_send_msg");
    wz_inbound_clear(&m);
}

static void test_douyin_retries(void)
{
    /* a retry carries a new Msg-Id or none: the platform's message id still gives one key */
    wz_inbound_t a, b, c;
    CHECK_INT(bytedance_sample(0, "douyin/im_text.json", "first", &a), 0);
    CHECK_INT(bytedance_sample(0, "douyin/im_text.json", "second", &b), 0);
    CHECK_INT(bytedance_sample(0, "douyin/im_text.json", NULL, &c), 0);
    CHECK_STR(a.dedupe_key, b.dedupe_key);
    CHECK_STR(a.dedupe_key, c.dedupe_key);
    wz_inbound_clear(&a);
    wz_inbound_clear(&b);
    wz_inbound_clear(&c);
    CHECK_INT(bytedance_sample(0, "douyin/im_enter.json", "same", &a), 0);
    CHECK_INT(bytedance_sample(0, "douyin/im_enter.json", "same", &b), 0);
    CHECK_STR(a.dedupe_key, b.dedupe_key);
    wz_inbound_clear(&a);
    wz_inbound_clear(&b);
    /* an id too long for the key is hashed, so the key stays stable and unique */
    char body[600];
    char id[301];
    memset(id, 'k', 300);
    id[300] = '\0';
    snprintf(body, sizeof(body),
             "{\"event\":\"item_comment_reply\",\"content\":{\"comment_id\":\"%s\",\"comment_user_id\":\"u\","
             "\"content\":\"x\"}}",
             id);
    CHECK_INT(bytedance(0, body, strlen(body), NULL, &a), -1); /* a 300-byte id is no id */
    snprintf(body, sizeof(body),
             "{\"event\":\"im_receive_msg\",\"from_user_id\":\"u\",\"content\":{\"server_message_id\":\"%.127s\","
             "\"message_type\":\"text\",\"text\":\"x\"}}",
             id);
    CHECK_INT(bytedance(0, body, strlen(body), NULL, &a), 0);
    CHECK(strncmp(a.dedupe_key, "im:sha1:", 8) == 0 && strlen(a.dedupe_key) == 48);
    CHECK_INT(bytedance(0, body, strlen(body), NULL, &b), 0);
    CHECK_STR(a.dedupe_key, b.dedupe_key);
    wz_inbound_clear(&a);
    wz_inbound_clear(&b);
}

static void test_douyin_refused(void)
{
    wz_inbound_t m;
    const char *bad[] = {
        "",
        "nope",
        "[1]",
        "{\"client_key\":\"a\"}",                           /* no event */
        "{\"event\":5}",                                    /* event not a string */
        "{\"event\":\"\"}",                                 /* empty event */
        "{\"event\":\"create_video\",\"content\":3}",       /* content neither object nor JSON string */
        "{\"event\":\"create_video\",\"content\":\"[1]\"}", /* a string holding no object */
        "{\"event\":\"create_video\",\"content\":\"{bad\"}",
        "{\"event\":\"create_video\",\"content\":{}}", /* no item_id */
        "{\"event\":\"im_receive_msg\",\"content\":{\"server_message_id\":\"1\",\"message_type\":\"text\","
        "\"text\":\"x\"}}", /* no sender */
        "{\"event\":\"im_receive_msg\",\"from_user_id\":\"u\",\"content\":{\"server_message_id\":\"1\","
        "\"message_type\":\"text\",\"text\":\" \"}}", /* empty text */
        "{\"event\":\"im_receive_msg\",\"from_user_id\":\"u\",\"content\":{\"server_message_id\":\"1\"}}",
        "{\"event\":\"im_receive_msg\",\"from_user_id\":\"u\",\"content\":{\"server_message_id\":\"1\","
        "\"message_type\":\"text\",\"text\":\"x\",\"create_time\":\"soon\"}}",
        "{\"event\":\"im_receive_msg\",\"from_user_id\":\"u\\u0001\",\"content\":{\"server_message_id\":\"1\","
        "\"message_type\":\"text\",\"text\":\"x\"}}", /* control character in an id */
        "{\"event\":\"item_comment_reply\",\"content\":{\"comment_id\":\"1\",\"comment_user_id\":\"u\"}}",
        "{\"event\":\"item_comment_reply\",\"content\":{\"comment_user_id\":\"u\",\"content\":\"x\"}}",
        "{\"event\":\"a\",\"event\":\"b\"}", /* duplicate keys */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (bytedance(0, bad[i], strlen(bad[i]), NULL, &m) != -1)
            fprintf(stderr, "accepted bad body %zu\n", i);
        CHECK(m.content == NULL && m.dedupe_key[0] == '\0');
        wz_inbound_clear(&m);
    }
    char err[100];
    CHECK_INT(wz_douyin_parse(NULL, 0, NULL, 0, &m, err, sizeof(err)), -1);
    size_t len;
    char *body = sample("douyin/im_text.json", &len);
    char *big = malloc(WZ_DOUYIN_BODY_MAX + 1);
    memset(big, ' ', WZ_DOUYIN_BODY_MAX + 1);
    memcpy(big, body, len);
    CHECK_INT(wz_douyin_parse(big, WZ_DOUYIN_BODY_MAX, NULL, 0, &m, err, sizeof(err)), 0);
    wz_inbound_clear(&m);
    CHECK_INT(wz_douyin_parse(big, WZ_DOUYIN_BODY_MAX + 1, NULL, 0, &m, err, sizeof(err)), -1);
    char out[80];
    CHECK_INT(wz_douyin_challenge(big, WZ_DOUYIN_BODY_MAX + 1, out, sizeof(out)), -1);
    free(big);
    free(body);
}

static void test_toutiao(void)
{
    size_t len;
    char *body = sample("toutiao/verify_webhook.json", &len);
    char sig[41], out[80];
    wz_douyin_sign("tt-secret", 9, body, len, sig);
    CHECK(wz_toutiao_signature_valid("tt-secret", 9, body, len, sig, 40));
    CHECK(!wz_toutiao_signature_valid("tt-secreT", 9, body, len, sig, 40));
    CHECK_INT(wz_toutiao_challenge(body, len, out, sizeof(out)), 19);
    CHECK_STR(out, "{\"challenge\":67890}");
    free(body);
    wz_inbound_t m;
    CHECK_INT(bytedance_sample(1, "toutiao/comment.json", NULL, &m), 0);
    CHECK_INT(m.kind, WZ_INBOUND_MESSAGE);
    CHECK_STR(m.msg_type, "comment");
    CHECK_STR(m.content, "文章里提到的补贴怎么申请？");
    CHECK_STR(m.reply_to, "7299999999999999999");
    CHECK_STR(m.dedupe_key, "comment:7300000000000000001");
    CHECK_INT(m.created_at, 1763949600);
    wz_inbound_clear(&m);
    CHECK_INT(bytedance_sample(1, "toutiao/im_text.json", NULL, &m), 0);
    CHECK_STR(m.msg_type, "private_message");
    CHECK_STR(m.content, "请问社保卡在哪里补办");
    CHECK_STR(m.dedupe_key, "im:7300000000000000101");
    CHECK_INT(m.created_at, 1763949700);
    wz_inbound_clear(&m);
    char *big = malloc(WZ_TOUTIAO_BODY_MAX + 1);
    memset(big, ' ', WZ_TOUTIAO_BODY_MAX + 1);
    wz_douyin_sign("tt-secret", 9, big, WZ_TOUTIAO_BODY_MAX + 1, sig);
    CHECK(!wz_toutiao_signature_valid("tt-secret", 9, big, WZ_TOUTIAO_BODY_MAX + 1, sig, 40));
    CHECK_INT(bytedance(1, big, WZ_TOUTIAO_BODY_MAX + 1, NULL, &m), -1);
    free(big);
}

int main(void)
{
    RUN(test_weibo_signature);
    RUN(test_weibo_handshake);
    RUN(test_weibo_time);
    RUN(test_weibo_messages);
    RUN(test_weibo_events);
    RUN(test_weibo_retries);
    RUN(test_weibo_refused);
    RUN(test_weibo_long_text);
    RUN(test_douyin_signature);
    RUN(test_douyin_challenge);
    RUN(test_douyin_messages);
    RUN(test_douyin_events);
    RUN(test_douyin_retries);
    RUN(test_douyin_refused);
    RUN(test_toutiao);
    return CHECK_DONE();
}
