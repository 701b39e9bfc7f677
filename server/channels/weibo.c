#include "channels/weibo.h"
#include "channels/adapt.h"
#include "channels/adapter.h"
#include "common/timefmt.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *s;
    size_t len;
} part_t;

/* 字典排序: byte order, a prefix first */
static int part_cmp(const void *a, const void *b)
{
    const part_t *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->s, y->s, n) : 0;
    if (c != 0)
        return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

static void digest(const char *secret, size_t secret_len, const char *ts, size_t ts_len, const char *nonce,
                   size_t nonce_len, unsigned char out[WZ_SHA1_LEN])
{
    part_t p[3] = {{secret, secret_len}, {ts, ts_len}, {nonce, nonce_len}};
    qsort(p, 3, sizeof(p[0]), part_cmp);
    const char *parts[3] = {p[0].s, p[1].s, p[2].s};
    size_t lens[3] = {p[0].len, p[1].len, p[2].len};
    wz_adapt_sha1(parts, lens, 3, out);
}

int wz_weibo_signature_valid(const char *app_secret, size_t secret_len, const char *timestamp, size_t ts_len,
                             const char *nonce, size_t nonce_len, const char *signature, size_t sig_len)
{
    if (app_secret == NULL || secret_len == 0 || timestamp == NULL || nonce == NULL)
        return 0;
    unsigned char want[WZ_SHA1_LEN];
    digest(app_secret, secret_len, timestamp, ts_len, nonce, nonce_len, want);
    return wz_adapt_sha1_hex_matches(want, signature, sig_len);
}

void wz_weibo_sign(const char *app_secret, size_t secret_len, const char *timestamp, size_t ts_len, const char *nonce,
                   size_t nonce_len, char out[41])
{
    unsigned char d[WZ_SHA1_LEN];
    digest(app_secret, secret_len, timestamp, ts_len, nonce, nonce_len, d);
    wz_adapt_hex(d, WZ_SHA1_LEN, out);
}

int wz_weibo_handshake(const char *app_secret, size_t secret_len, const char *timestamp, size_t ts_len,
                       const char *nonce, size_t nonce_len, const char *signature, size_t sig_len, const char *echostr,
                       size_t echostr_len)
{
    /* echostr goes back verbatim: only a short visible-ASCII token, never markup or a newline */
    if (echostr == NULL || echostr_len == 0 || echostr_len > WZ_WEIBO_ECHOSTR_MAX)
        return 0;
    for (size_t i = 0; i < echostr_len; i++)
        if (echostr[i] <= 0x20 || echostr[i] >= 0x7f || echostr[i] == '<' || echostr[i] == '>')
            return 0;
    return wz_weibo_signature_valid(app_secret, secret_len, timestamp, ts_len, nonce, nonce_len, signature, sig_len);
}

/* n decimal digits at s, or -1 */
static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int wz_weibo_time_parse(const char *s, size_t len, int64_t *out)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    static const char wdays[] = "SunMonTueWedThuFriSat";
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    /* "Mon Jul 16 18:09:20 +0800 2012" */
    if (s == NULL || len != 30 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[13] != ':' || s[16] != ':' ||
        s[19] != ' ' || (s[20] != '+' && s[20] != '-') || s[25] != ' ')
        return -1;
    int wday_ok = 0, mon = 0;
    for (int i = 0; i < 7; i++)
        wday_ok |= memcmp(s, wdays + 3 * i, 3) == 0;
    for (int i = 0; i < 12 && mon == 0; i++)
        if (memcmp(s + 4, months + 3 * i, 3) == 0)
            mon = i + 1;
    int day = digits(s + 8, 2), hh = digits(s + 11, 2), mi = digits(s + 14, 2), ss = digits(s + 17, 2);
    int oh = digits(s + 21, 2), om = digits(s + 23, 2), year = digits(s + 26, 4);
    if (!wday_ok || mon == 0 || day < 1 || hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 59 || oh < 0 ||
        oh > 14 || om < 0 || om > 59 || year < 1970)
        return -1;
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (day > mdays[mon - 1] || (mon == 2 && day == 29 && !leap))
        return -1;
    int64_t offset = (int64_t)(oh * 3600 + om * 60) * (s[20] == '-' ? -1 : 1);
    *out = wz_days_from_civil(year, mon, day) * 86400 + hh * 3600 + mi * 60 + ss - offset;
    return 0;
}

#define FAIL(...)                                                                                                      \
    do {                                                                                                               \
        snprintf(err, errlen, __VA_ARGS__);                                                                            \
        goto fail;                                                                                                     \
    } while (0)

/* a Weibo uid or object id: a positive integer, or a string of 1..20 digits */
static int id_of(const json_t *v, char *buf, size_t buflen)
{
    if (json_is_integer(v) && json_integer_value(v) > 0) {
        snprintf(buf, buflen, "%lld", (long long)json_integer_value(v));
        return 0;
    }
    if (!json_is_string(v))
        return -1;
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (n == 0 || n > 20 || n >= buflen)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return -1;
    memcpy(buf, s, n + 1);
    return 0;
}

/* a coordinate given as a string (as documented) or a number, within [-limit, limit] */
static int coord_of(const json_t *v, double limit, double *out)
{
    if (json_is_number(v)) {
        *out = json_number_value(v);
    } else if (json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) < 32) {
        char *end = NULL;
        *out = strtod(json_string_value(v), &end);
        if (end == NULL || *end != '\0')
            return -1;
    } else {
        return -1;
    }
    return *out >= -limit && *out <= limit ? 0 : -1;
}

int wz_weibo_parse(const char *body, size_t len, wz_inbound_t *m, char *err, size_t errlen)
{
    json_t *doc = NULL;
    char *data_text = NULL;
    memset(m, 0, sizeof(*m));
    if (body == NULL || len > WZ_WEIBO_BODY_MAX)
        FAIL("the body is larger than %d bytes", WZ_WEIBO_BODY_MAX);
    json_error_t jerr;
    doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL)
        FAIL("the body is not JSON: %s", jerr.text);
    if (!json_is_object(doc))
        FAIL("the body must be a JSON object");
    const char *type = NULL, *created = NULL, *text = "";
    json_t *sender = NULL, *receiver = NULL, *data = NULL;
    if (json_unpack_ex(doc, &jerr, 0, "{s:s, s:o, s:o, s:s, s?s, s?o}", "type", &type, "sender_id", &sender,
                       "receiver_id", &receiver, "created_at", &created, "text", &text, "data", &data) != 0)
        FAIL("%s", jerr.text);
    char sender_id[24], receiver_id[24];
    if (id_of(sender, sender_id, sizeof(sender_id)) != 0)
        FAIL("sender_id must be a Weibo uid");
    memcpy(m->sender, sender_id, strlen(sender_id) + 1);
    if (id_of(receiver, receiver_id, sizeof(receiver_id)) != 0)
        FAIL("receiver_id must be a Weibo uid");
    if (wz_weibo_time_parse(created, strlen(created), &m->created_at) != 0)
        FAIL("created_at must look like \"Mon Jul 16 18:09:20 +0800 2012\"");
    if (data != NULL && !json_is_null(data) && !json_is_object(data))
        FAIL("data must be an object");
    if (data == NULL || json_is_null(data))
        data = NULL;

    /* the key: what a retry repeats exactly (see weibo.h) */
    data_text = data ? json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    const char *parts[3] = {text, "\n", data_text ? data_text : "{}"};
    size_t lens[3] = {strlen(text), 1, strlen(parts[2])};
    unsigned char d[WZ_SHA1_LEN];
    char hex[2 * WZ_SHA1_LEN + 1];
    wz_adapt_sha1(parts, lens, 3, d);
    wz_adapt_hex(d, 8, hex);
    char type_cut[17];
    wz_adapt_set_name(type_cut, sizeof(type_cut), type);
    snprintf(m->dedupe_key, sizeof(m->dedupe_key), "%s:%lld:%s:%s", sender_id, (long long)m->created_at, type_cut, hex);

    const json_t *vfid = data ? json_object_get(data, "tovfid") : NULL;
    char fid[24];
    if (strcmp(type, "text") == 0) {
        if (wz_adapt_blank(text))
            FAIL("text must not be empty");
        m->kind = WZ_INBOUND_MESSAGE;
        snprintf(m->msg_type, sizeof(m->msg_type), "text");
        wz_inbound_set_text(&m->content, text, strlen(text), WZ_INBOUND_CONTENT_MAX);
    } else if (strcmp(type, "position") == 0) {
        json_t *lon = data ? json_object_get(data, "longitude") : NULL,
               *lat = data ? json_object_get(data, "latitude") : NULL;
        if (lon == NULL || lat == NULL || coord_of(lon, 180, &m->longitude) != 0 ||
            coord_of(lat, 90, &m->latitude) != 0)
            FAIL("data.longitude and data.latitude must be coordinates");
        m->kind = WZ_INBOUND_MESSAGE;
        m->has_location = 1;
        snprintf(m->msg_type, sizeof(m->msg_type), "location");
        wz_adapt_set_labelled(m, "[位置]", text);
    } else if (strcmp(type, "voice") == 0 || strcmp(type, "image") == 0) {
        int voice = type[0] == 'v';
        if (vfid != NULL && id_of(vfid, fid, sizeof(fid)) != 0)
            FAIL("data.tovfid must be a file id");
        m->kind = WZ_INBOUND_MESSAGE;
        snprintf(m->msg_type, sizeof(m->msg_type), "%s", voice ? "voice" : "image");
        wz_adapt_set_labelled(m, voice ? "[语音]" : "[图片]", text);
        if (vfid != NULL) {
            size_t n = sizeof(WZ_WEIBO_MEDIA_URL) + strlen(fid);
            m->media_url = malloc(n);
            if (m->media_url == NULL)
                abort();
            snprintf(m->media_url, n, "%s%s", WZ_WEIBO_MEDIA_URL, fid);
        }
    } else if (strcmp(type, "mention") == 0) {
        if (wz_adapt_blank(text))
            FAIL("text must not be empty");
        m->kind = WZ_INBOUND_MESSAGE;
        snprintf(m->msg_type, sizeof(m->msg_type), "comment");
        wz_inbound_set_text(&m->content, text, strlen(text), WZ_INBOUND_CONTENT_MAX);
        static const char *const status_keys[] = {"status_id", "mid", "id"};
        for (size_t i = 0; data != NULL && m->reply_to == NULL && i < 3; i++) {
            const json_t *v = json_object_get(data, status_keys[i]);
            if (v != NULL && id_of(v, fid, sizeof(fid)) == 0)
                wz_inbound_set_text(&m->reply_to, fid, strlen(fid), sizeof(fid));
        }
    } else if (strcmp(type, "event") == 0) {
        const json_t *sub = data ? json_object_get(data, "subtype") : NULL;
        if (sub != NULL && !json_is_string(sub))
            FAIL("data.subtype must be a string");
        m->kind = WZ_INBOUND_IGNORE;
        snprintf(m->msg_type, sizeof(m->msg_type), "event");
        wz_adapt_set_name(m->event, sizeof(m->event), sub ? json_string_value(sub) : "event");
    } else {
        m->kind = WZ_INBOUND_IGNORE; /* the docs: ignore types this version does not know */
        snprintf(m->msg_type, sizeof(m->msg_type), "event");
        wz_adapt_set_name(m->event, sizeof(m->event), type);
    }
    free(data_text);
    json_decref(doc);
    return 0;
fail:
    free(data_text);
    json_decref(doc);
    wz_inbound_clear(m);
    return -1;
}

/* ---- behind the adapter interface (channels/adapter.h) ---- */

#define PARAM_MAX 128

/* a parse failure of the JSON itself is 400; a JSON that is no usable push is 422 */
static wz_push_outcome_t parse_outcome(const char *err)
{
    return strncmp(err, "the body is not JSON", 20) == 0 || strncmp(err, "the body must be a JSON object", 30) == 0
               ? WZ_PUSH_MALFORMED
               : WZ_PUSH_INVALID;
}

static void take(const wz_push_t *push, const char *const secrets[], wz_push_result_t *out)
{
    const char *secret = secrets[0];
    if (secret == NULL) {
        wz_push_refuse(out, WZ_PUSH_NOT_CONFIGURED, "the account has no secrets.app_secret");
        return;
    }
    char sig[PARAM_MAX], ts[PARAM_MAX], nonce[PARAM_MAX], echostr[WZ_WEIBO_ECHOSTR_MAX + 2];
    if (wz_push_query(push, "signature", sig, sizeof(sig)) < 0 || wz_push_query(push, "timestamp", ts, sizeof(ts)) < 0 ||
        wz_push_query(push, "nonce", nonce, sizeof(nonce)) < 0 ||
        wz_push_query(push, "echostr", echostr, sizeof(echostr)) < 0) {
        wz_push_refuse(out, WZ_PUSH_MALFORMED, "a query parameter is malformed or too long");
        return;
    }
    if (!wz_push_fresh(push, ts, strlen(ts))) {
        wz_push_refuse(out, WZ_PUSH_UNAUTHENTICATED,
                       "timestamp is missing or more than 5 minutes from the server's clock");
        return;
    }
    size_t slen = strlen(secret);
    if (!push->post) {
        if (wz_weibo_handshake(secret, slen, ts, strlen(ts), nonce, strlen(nonce), sig, strlen(sig), echostr,
                               strlen(echostr)))
            wz_push_answer(out, WZ_PUSH_ANSWER, "text/plain; charset=utf-8", echostr, strlen(echostr));
        else
            wz_push_refuse(out, WZ_PUSH_UNAUTHENTICATED, "signature does not match the App Secret (or a bad echostr)");
        return;
    }
    if (!wz_weibo_signature_valid(secret, slen, ts, strlen(ts), nonce, strlen(nonce), sig, strlen(sig))) {
        wz_push_refuse(out, WZ_PUSH_UNAUTHENTICATED, "signature does not match the App Secret");
        return;
    }
    char err[200] = "";
    if (wz_weibo_parse(push->body ? push->body : "", push->body_len, &out->msg, err, sizeof(err)) != 0) {
        wz_push_refuse(out, parse_outcome(err), "%s", err);
        return;
    }
    /* an empty answer within 5 seconds stops Weibo's retries and sends the fan nothing */
    wz_push_answer(out, WZ_PUSH_STORE, "text/plain; charset=utf-8", "", 0);
}

const wz_channel_adapter_t wz_adapter_weibo = {
    .platform = "weibo",
    .max_body = WZ_WEIBO_BODY_MAX,
    .secrets = {"app_secret", NULL},
    .take = take,
};
