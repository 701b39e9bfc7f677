#include "channels/douyin.h"
#include "channels/adapt.h"
#include "channels/adapter.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wz_douyin_signature_valid(const char *client_secret, size_t secret_len, const char *body, size_t body_len,
                              const char *sig_hex, size_t sig_len)
{
    if (client_secret == NULL || secret_len == 0 || (body == NULL && body_len > 0))
        return 0;
    unsigned char want[WZ_SHA1_LEN];
    const char *parts[2] = {client_secret, body};
    size_t lens[2] = {secret_len, body_len};
    wz_adapt_sha1(parts, lens, 2, want);
    return wz_adapt_sha1_hex_matches(want, sig_hex, sig_len);
}

void wz_douyin_sign(const char *client_secret, size_t secret_len, const char *body, size_t body_len, char out[41])
{
    unsigned char d[WZ_SHA1_LEN];
    const char *parts[2] = {client_secret, body};
    size_t lens[2] = {secret_len, body_len};
    wz_adapt_sha1(parts, lens, 2, d);
    wz_adapt_hex(d, WZ_SHA1_LEN, out);
}

/* content as an object (a new reference): the object itself, or the JSON a string holds */
static json_t *content_of(json_t *doc, const char **why)
{
    json_t *c = json_object_get(doc, "content");
    if (c == NULL || json_is_null(c))
        return json_object();
    if (json_is_object(c))
        return json_incref(c);
    if (!json_is_string(c)) {
        *why = "content must be an object or a string of JSON";
        return NULL;
    }
    json_t *inner = json_loadb(json_string_value(c), json_string_length(c), JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(inner)) {
        json_decref(inner);
        *why = "content must hold a JSON object";
        return NULL;
    }
    return inner;
}

long wz_douyin_challenge(const char *body, size_t len, char *out, size_t outlen)
{
    json_t *doc = len <= WZ_DOUYIN_BODY_MAX ? json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL) : NULL;
    json_t *content = NULL, *answer = NULL;
    char *text = NULL;
    long r = -1;
    const char *why = NULL;
    if (!json_is_object(doc))
        goto done;
    const json_t *event = json_object_get(doc, "event");
    if (!json_is_string(event) || strcmp(json_string_value(event), "verify_webhook") != 0) {
        r = 0;
        goto done;
    }
    content = content_of(doc, &why);
    json_t *ch = content ? json_object_get(content, "challenge") : NULL;
    if (!json_is_integer(ch) && !json_is_string(ch))
        goto done;
    answer = json_pack("{s:O}", "challenge", ch);
    text = answer ? json_dumps(answer, JSON_COMPACT) : NULL;
    if (text == NULL || strlen(text) > WZ_DOUYIN_CHALLENGE_MAX || strlen(text) >= outlen)
        goto done;
    memcpy(out, text, strlen(text) + 1);
    r = (long)strlen(text);
done:
    free(text);
    json_decref(answer);
    json_decref(content);
    json_decref(doc);
    return r;
}

#define FAIL(...)                                                                                                      \
    do {                                                                                                               \
        snprintf(err, errlen, __VA_ARGS__);                                                                            \
        goto fail;                                                                                                     \
    } while (0)

/* an open_id or an object id: 1..128 bytes without control characters */
static int id_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > WZ_INBOUND_KEY_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

/* create_time: Unix seconds, or milliseconds as the IM events send it */
static int64_t seconds(json_int_t t)
{
    return t > 100000000000LL ? (int64_t)(t / 1000) : t > 0 ? (int64_t)t : 0;
}

static void append(char **buf, size_t *len, const char *s)
{
    size_t n = strlen(s);
    char *b = realloc(*buf, *len + n + 1);
    if (b == NULL)
        abort();
    memcpy(b + *len, s, n + 1);
    *buf = b;
    *len += n;
}

/* a lead-collection card: "[留资卡片] label：value；..." */
static void set_card(wz_inbound_t *m, const json_t *cards)
{
    char *buf = NULL;
    size_t len = 0;
    append(&buf, &len, "[留资卡片]");
    size_t i;
    const json_t *card;
    json_array_foreach(cards, i, card)
    {
        const json_t *label = json_object_get(card, "label"), *value = json_object_get(card, "value");
        if (!json_is_string(label) || !json_is_string(value))
            continue;
        append(&buf, &len, i ? "；" : " ");
        append(&buf, &len, json_string_value(label));
        append(&buf, &len, "：");
        append(&buf, &len, json_string_value(value));
    }
    wz_inbound_set_text(&m->content, buf, len, WZ_INBOUND_CONTENT_MAX);
    free(buf);
}

static void set_body_key(wz_inbound_t *m, const char *body, size_t len, const char *msg_id, size_t msg_id_len)
{
    if (msg_id != NULL && msg_id_len > 0) {
        wz_adapt_set_key(m->dedupe_key, "msg:", msg_id, msg_id_len);
        return;
    }
    unsigned char d[WZ_SHA1_LEN];
    char hex[2 * WZ_SHA1_LEN + 1];
    wz_adapt_sha1(&body, &len, 1, d);
    wz_adapt_hex(d, WZ_SHA1_LEN, hex);
    wz_adapt_set_key(m->dedupe_key, "body:", hex, strlen(hex));
}

/* a private message: im_receive_msg, or the older receive_msg */
static int read_im(const json_t *c, const char *from, const char *msg_id, size_t msg_id_len, wz_inbound_t *m, char *err,
                   size_t errlen)
{
    const char *sid = NULL, *conv = NULL, *type = NULL, *text = "", *url = NULL;
    json_int_t created = 0;
    json_t *users = NULL, *cards = NULL;
    json_error_t jerr;
    if (json_unpack_ex((json_t *)c, &jerr, 0, "{s?s, s?s, s:s, s?s, s?s, s?I, s?o, s?o}", "server_message_id", &sid,
                       "conversation_short_id", &conv, "message_type", &type, "text", &text, "resource_url", &url,
                       "create_time", &created, "user_infos", &users, "card_data", &cards) != 0)
        FAIL("content: %s", jerr.text);
    if (wz_inbound_set_id(m->sender, sizeof(m->sender), from, from ? strlen(from) : 0) != 0 || !id_ok(from))
        FAIL("from_user_id must be an open_id");
    if (sid != NULL && id_ok(sid))
        wz_adapt_set_key(m->dedupe_key, "im:", sid, strlen(sid));
    else if (msg_id != NULL && msg_id_len > 0)
        wz_adapt_set_key(m->dedupe_key, "msg:", msg_id, msg_id_len);
    else
        FAIL("content.server_message_id is missing (and no Msg-Id header)");
    m->kind = WZ_INBOUND_MESSAGE;
    m->created_at = seconds(created);
    size_t i;
    const json_t *u;
    json_array_foreach(users, i, u)
    {
        const json_t *oid = json_object_get(u, "open_id"), *nick = json_object_get(u, "nick_name");
        if (json_is_string(oid) && json_is_string(nick) && strcmp(json_string_value(oid), from) == 0)
            wz_adapt_set_name(m->sender_name, sizeof(m->sender_name), json_string_value(nick));
    }
    if (conv != NULL && id_ok(conv))
        wz_inbound_set_text(&m->reply_to, conv, strlen(conv), WZ_INBOUND_KEY_MAX);
    if (url != NULL && strncmp(url, "https://", 8) == 0)
        wz_inbound_set_text(&m->media_url, url, strlen(url), 2048);
    if (strcmp(type, "text") == 0) {
        if (wz_adapt_blank(text))
            FAIL("content.text must not be empty");
        snprintf(m->msg_type, sizeof(m->msg_type), "private_message");
        wz_inbound_set_text(&m->content, text, strlen(text), WZ_INBOUND_CONTENT_MAX);
    } else if (strcmp(type, "image") == 0 || strcmp(type, "user_local_image") == 0 || strcmp(type, "emoji") == 0) {
        snprintf(m->msg_type, sizeof(m->msg_type), "image");
        wz_adapt_set_labelled(m, type[0] == 'e' ? "[表情]" : "[图片]", m->media_url ? m->media_url : "");
    } else if (strcmp(type, "video") == 0 || strcmp(type, "user_local_video") == 0) {
        snprintf(m->msg_type, sizeof(m->msg_type), "video");
        wz_adapt_set_labelled(m, "[视频]", m->media_url ? m->media_url : "");
    } else if (strcmp(type, "retain_consult_card") == 0 && json_is_array(cards)) {
        snprintf(m->msg_type, sizeof(m->msg_type), "private_message");
        set_card(m, cards);
    } else {
        snprintf(m->msg_type, sizeof(m->msg_type), "private_message");
        wz_adapt_set_labelled(m, "[暂不支持的消息类型，请在抖音 App 内查看]", text);
    }
    return 0;
fail:
    return -1;
}

/* a comment on the account's video */
static int read_comment(const json_t *c, const char *from, wz_inbound_t *m, char *err, size_t errlen)
{
    const char *cid = NULL, *user = NULL, *text = NULL, *item = NULL;
    json_int_t created = 0;
    json_error_t jerr;
    if (json_unpack_ex((json_t *)c, &jerr, 0, "{s:s, s?s, s:s, s?I, s?s}", "comment_id", &cid, "comment_user_id", &user,
                       "content", &text, "create_time", &created, "reply_to_item_id", &item) != 0)
        FAIL("content: %s", jerr.text);
    if (!id_ok(cid))
        FAIL("content.comment_id must be an id");
    if (user == NULL)
        user = from;
    if (!id_ok(user) || wz_inbound_set_id(m->sender, sizeof(m->sender), user, strlen(user)) != 0)
        FAIL("content.comment_user_id must be an open_id");
    if (wz_adapt_blank(text))
        FAIL("content.content must not be empty");
    m->kind = WZ_INBOUND_MESSAGE;
    snprintf(m->msg_type, sizeof(m->msg_type), "comment");
    wz_adapt_set_key(m->dedupe_key, "comment:", cid, strlen(cid));
    m->created_at = seconds(created);
    wz_inbound_set_text(&m->content, text, strlen(text), WZ_INBOUND_CONTENT_MAX);
    if (item != NULL && id_ok(item))
        wz_inbound_set_text(&m->reply_to, item, strlen(item), WZ_INBOUND_KEY_MAX);
    return 0;
fail:
    return -1;
}

int wz_bytedance_parse(const char *body, size_t len, size_t body_max, const char *msg_id, size_t msg_id_len,
                       wz_inbound_t *m, char *err, size_t errlen)
{
    json_t *doc = NULL, *content = NULL;
    memset(m, 0, sizeof(*m));
    if (body == NULL || len > body_max)
        FAIL("the body is larger than %zu bytes", body_max);
    json_error_t jerr;
    doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL)
        FAIL("the body is not JSON: %s", jerr.text);
    if (!json_is_object(doc))
        FAIL("the body must be a JSON object");
    const char *event = NULL, *key = NULL, *from = NULL, *to = NULL, *log_id = NULL;
    if (json_unpack_ex(doc, &jerr, 0, "{s:s, s?s, s?s, s?s, s?s}", "event", &event, "client_key", &key, "from_user_id",
                       &from, "to_user_id", &to, "log_id", &log_id) != 0)
        FAIL("%s", jerr.text);
    if (event[0] == '\0')
        FAIL("event must not be empty");
    const char *why = NULL;
    content = content_of(doc, &why);
    if (content == NULL)
        FAIL("%s", why);
    wz_adapt_set_name(m->event, sizeof(m->event), event);
    if (strcmp(event, "im_receive_msg") == 0 || strcmp(event, "receive_msg") == 0) {
        if (read_im(content, from, msg_id, msg_id_len, m, err, errlen) != 0)
            goto fail_quiet;
        m->event[0] = '\0';
    } else if (strcmp(event, "item_comment_reply") == 0) {
        if (read_comment(content, from, m, err, errlen) != 0)
            goto fail_quiet;
        m->event[0] = '\0';
    } else if (strcmp(event, "create_video") == 0) {
        const json_t *item = json_object_get(content, "item_id");
        if (!json_is_string(item) || !id_ok(json_string_value(item)))
            FAIL("content.item_id must be an id");
        m->kind = WZ_INBOUND_POST;
        snprintf(m->msg_type, sizeof(m->msg_type), "event");
        wz_adapt_set_key(m->dedupe_key, "video:", json_string_value(item), json_string_length(item));
        wz_inbound_set_text(&m->reply_to, json_string_value(item), json_string_length(item), WZ_INBOUND_KEY_MAX);
        if (id_ok(from))
            wz_inbound_set_id(m->sender, sizeof(m->sender), from, strlen(from));
    } else {
        m->kind = WZ_INBOUND_IGNORE;
        snprintf(m->msg_type, sizeof(m->msg_type), "event");
        set_body_key(m, body, len, msg_id, msg_id_len);
        if (id_ok(from))
            wz_inbound_set_id(m->sender, sizeof(m->sender), from, strlen(from));
    }
    json_decref(content);
    json_decref(doc);
    return 0;
fail:
fail_quiet:
    json_decref(content);
    json_decref(doc);
    wz_inbound_clear(m);
    return -1;
}

int wz_douyin_parse(const char *body, size_t len, const char *msg_id, size_t msg_id_len, wz_inbound_t *m, char *err,
                    size_t errlen)
{
    return wz_bytedance_parse(body, len, WZ_DOUYIN_BODY_MAX, msg_id, msg_id_len, m, err, errlen);
}

/* ---- behind the adapter interface (channels/adapter.h), shared with toutiao.c ---- */

void wz_bytedance_take(const wz_push_t *push, const char *const secrets[], wz_push_result_t *out, size_t body_max,
                       const char *const sig_headers[])
{
    const char *secret = secrets[1]; /* client_key, client_secret */
    /* POST only (the routes): the platform checks its webhook with a POST of verify_webhook */
    if (secret == NULL) {
        wz_push_refuse(out, WZ_PUSH_NOT_CONFIGURED, "the account has no secrets.client_secret");
        return;
    }
    const char *sig = NULL, *msg_id;
    size_t sig_len = 0, msg_id_len = 0;
    for (size_t i = 0; sig == NULL && sig_headers[i] != NULL; i++)
        sig = push->header(push->req, sig_headers[i], &sig_len);
    const char *body = push->body ? push->body : "";
    if (sig == NULL || push->body_len > body_max ||
        !wz_douyin_signature_valid(secret, strlen(secret), body, push->body_len, sig, sig_len)) {
        wz_push_refuse(out, WZ_PUSH_UNAUTHENTICATED, "%s does not match the Client Secret and the body",
                       sig_headers[0]);
        return;
    }
    /* the URL check: the challenge back, nothing stored (no timestamp to check: the signature
     * covers the body, and a replayed message only meets its own dedupe key) */
    char challenge[WZ_DOUYIN_CHALLENGE_MAX + 1];
    long n = wz_douyin_challenge(body, push->body_len, challenge, sizeof(challenge));
    if (n > 0) {
        wz_push_answer(out, WZ_PUSH_ANSWER, "application/json", challenge, (size_t)n);
        return;
    }
    if (n < 0) {
        wz_push_refuse(out, WZ_PUSH_MALFORMED, "the body is not a platform webhook event");
        return;
    }
    msg_id = push->header(push->req, WZ_DOUYIN_MSG_ID_HEADER, &msg_id_len);
    char err[200] = "";
    if (wz_bytedance_parse(body, push->body_len, body_max, msg_id, msg_id_len, &out->msg, err, sizeof(err)) != 0) {
        int json = strncmp(err, "the body is not JSON", 20) == 0 || strncmp(err, "the body must be a JSON", 23) == 0;
        wz_push_refuse(out, json ? WZ_PUSH_MALFORMED : WZ_PUSH_INVALID, "%s", err);
        return;
    }
    wz_push_answer(out, WZ_PUSH_STORE, "application/json", "{}", 2);
}

static void take(const wz_push_t *push, const char *const secrets[], wz_push_result_t *out)
{
    static const char *const headers[] = {WZ_DOUYIN_SIGNATURE_HEADER, NULL};
    wz_bytedance_take(push, secrets, out, WZ_DOUYIN_BODY_MAX, headers);
}

const wz_channel_adapter_t wz_adapter_douyin = {
    .platform = "douyin",
    .max_body = WZ_DOUYIN_BODY_MAX,
    .secrets = {"client_key", "client_secret", NULL},
    .take = take,
};
