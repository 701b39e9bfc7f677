#include "channels/open311.h"
#include "common/query.h"
#include "common/timefmt.h"
#include "tickets/plan.h"
#include <math.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MEDIA_LINE "\n[附件] " /* the media_url's line in the ticket text */

int wz_o311_format(const char *s, size_t len, size_t *stem)
{
    if (len > 5 && memcmp(s + len - 5, ".json", 5) == 0) {
        *stem = len - 5;
        return WZ_O311_JSON;
    }
    if (len > 4 && memcmp(s + len - 4, ".xml", 4) == 0) {
        *stem = len - 4;
        return WZ_O311_XML;
    }
    return -1;
}

/* ---- reading the body ---- */

typedef struct {
    const char *body;
    size_t len;
    json_t *doc; /* the JSON body, or NULL for a form */
} source_t;

/* One argument into out: 1 given, 0 not given (absent, empty or null), -1 malformed or too
 * long. JSON numbers are taken where allow_number is set (coordinates, service_code). */
static int arg(const source_t *src, const char *name, char *out, size_t outlen, int allow_number)
{
    out[0] = '\0';
    if (src->doc == NULL) {
        int r = wz_query_get(src->body, src->len, name, out, outlen);
        if (r <= 0)
            return r;
        /* a form is bytes: the text must be UTF-8 for the database (jansson checks it strictly) */
        json_t *s = json_stringn(out, strlen(out));
        if (s == NULL)
            return -1;
        json_decref(s);
        return out[0] != '\0';
    }
    json_t *v = json_object_get(src->doc, name);
    if (v == NULL || json_is_null(v))
        return 0;
    int n;
    if (json_is_string(v))
        n = snprintf(out, outlen, "%s", json_string_value(v));
    else if (allow_number && json_is_integer(v))
        n = snprintf(out, outlen, "%lld", (long long)json_integer_value(v));
    else if (allow_number && json_is_real(v))
        n = snprintf(out, outlen, "%.17g", json_real_value(v));
    else
        return -1;
    if (n < 0 || (size_t)n >= outlen)
        return -1;
    return out[0] != '\0';
}

static int chars_at_most(const char *s, long max)
{
    long n = wz_utf8_chars(s, strlen(s));
    return n >= 0 && n <= max;
}

static int visible_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return 0;
    return 1;
}

/* a decimal number, nothing else (strtod alone would take "nan", "inf", hex and spaces) */
static int coordinate(const char *s, double min, double max, double *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 32)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'))
            return -1;
    }
    char *end = NULL;
    double v = strtod(s, &end);
    if (end != s + n || !isfinite(v) || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int phone_ok(const char *s)
{
    size_t n = strlen(s), digits = 0;
    if (n < 5 || n > 20)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9')
            digits++;
        else if (c != '+' && c != '-' && c != ' ')
            return 0;
    }
    return digits >= 5;
}

static int url_ok(const char *s)
{
    size_t n = strlen(s);
    int scheme = strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
    return scheme && n > 8 && visible_ascii(s, n);
}

#define REFUSE(status, ...)                                                                                            \
    do {                                                                                                               \
        snprintf(err, errlen, __VA_ARGS__);                                                                            \
        ret = (status);                                                                                                \
        goto done;                                                                                                     \
    } while (0)

/* a positive decimal id of at most 18 digits, or -1 */
static int64_t parse_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 18)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v > 0 ? v : -1;
}

/* the api_key "<account id>.<secret>" */
static int split_key(const char *key, wz_o311_post_t *p)
{
    const char *dot = strchr(key, '.');
    if (dot == NULL || dot - key > 18)
        return -1;
    char id_text[20];
    memcpy(id_text, key, (size_t)(dot - key));
    id_text[dot - key] = '\0';
    int64_t id = parse_id(id_text);
    size_t n = strlen(dot + 1);
    if (id <= 0 || n < WZ_O311_SECRET_MIN || n > WZ_O311_SECRET_MAX || !visible_ascii(dot + 1, n))
        return -1;
    p->key_account = id;
    memcpy(p->key_secret, dot + 1, n + 1);
    return 0;
}

int wz_o311_post_parse(const char *body, size_t len, int json, wz_o311_post_t *p, char *err, size_t errlen)
{
    memset(p, 0, sizeof(*p));
    err[0] = '\0';
    int ret = 0;
    source_t src = {body ? body : "", body ? len : 0, NULL};
    char key[WZ_O311_SECRET_MAX + 24], code[32], lat[40], lng[40];
    if (json) {
        json_error_t jerr;
        src.doc = json_loadb(src.body, src.len, JSON_REJECT_DUPLICATES, &jerr);
        if (src.doc == NULL)
            REFUSE(400, "invalid JSON at line %d column %d: %s", jerr.line, jerr.column, jerr.text);
        if (!json_is_object(src.doc))
            REFUSE(400, "the body must be a JSON object");
    }
    int r = arg(&src, "api_key", key, sizeof(key), 0);
    if (r == 0)
        REFUSE(403, "api_key is required to create a service request");
    if (r < 0 || split_key(key, p) != 0)
        REFUSE(403, "api_key is not valid: it has the form <account id>.<secret>");
    r = arg(&src, "service_code", code, sizeof(code), 1);
    if (r == 0)
        REFUSE(400, "service_code is required");
    p->service_code = r > 0 ? parse_id(code) : -1;
    if (p->service_code <= 0)
        REFUSE(404, "service_code was not found");

    int rlat = arg(&src, "lat", lat, sizeof(lat), 1), rlng = arg(&src, "long", lng, sizeof(lng), 1);
    if (rlat != rlng || rlat < 0)
        REFUSE(400, "lat and long must be given together");
    if (rlat > 0) {
        if (coordinate(lat, -90, 90, &p->lat) != 0)
            REFUSE(400, "lat must be a WGS84 latitude between -90 and 90");
        if (coordinate(lng, -180, 180, &p->lng) != 0)
            REFUSE(400, "long must be a WGS84 longitude between -180 and 180");
        p->has_point = 1;
    }
    struct {
        const char *name;
        char *out;
        size_t outlen;
    } texts[] = {
        {"address_string", p->address_string, sizeof(p->address_string)},
        {"address_id", p->address_id, sizeof(p->address_id)},
        {"description", p->description, sizeof(p->description)},
        {"email", p->email, sizeof(p->email)},
        {"device_id", p->device_id, sizeof(p->device_id)},
        {"account_id", p->account_id, sizeof(p->account_id)},
        {"first_name", p->first_name, sizeof(p->first_name)},
        {"last_name", p->last_name, sizeof(p->last_name)},
        {"phone", p->phone, sizeof(p->phone)},
        {"media_url", p->media_url, sizeof(p->media_url)},
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        if (arg(&src, texts[i].name, texts[i].out, texts[i].outlen, 0) < 0)
            REFUSE(400, "%s is malformed or too long", texts[i].name);
    if (!p->has_point && p->address_string[0] == '\0' && p->address_id[0] == '\0')
        REFUSE(400, "a location is required: lat and long, address_string or address_id");
    if (!chars_at_most(p->description, WZ_O311_DESCRIPTION_MAX))
        REFUSE(400, "description must have at most %d characters", WZ_O311_DESCRIPTION_MAX);
    if (!chars_at_most(p->address_string, WZ_O311_ADDRESS_MAX))
        REFUSE(400, "address_string must have at most %d characters", WZ_O311_ADDRESS_MAX);
    if (!chars_at_most(p->address_id, 64))
        REFUSE(400, "address_id must have at most 64 characters");
    long names =
        wz_utf8_chars(p->first_name, strlen(p->first_name)) + wz_utf8_chars(p->last_name, strlen(p->last_name));
    if (names > WZ_O311_NAME_MAX)
        REFUSE(400, "first_name and last_name must have at most %d characters together", WZ_O311_NAME_MAX);
    if (p->phone[0] != '\0' && !phone_ok(p->phone))
        REFUSE(400, "phone must be 5-20 digits (with + - or spaces)");
    if (p->email[0] != '\0' && (strchr(p->email, '@') == NULL || !visible_ascii(p->email, strlen(p->email))))
        REFUSE(400, "email is not an email address");
    if (p->media_url[0] != '\0' && !url_ok(p->media_url))
        REFUSE(400, "media_url must be an http or https URL");
done:
    json_decref(src.doc);
    sodium_memzero(key, sizeof(key));
    if (ret != 0)
        sodium_memzero(p->key_secret, sizeof(p->key_secret));
    return ret;
}

/* ---- keys and ids ---- */

int wz_o311_key_matches(const char *stored, const char *given)
{
    if (stored == NULL || given == NULL || stored[0] == '\0')
        return 0;
    unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)stored, strlen(stored), a);
    SHA256((const unsigned char *)given, strlen(given), b);
    int same = CRYPTO_memcmp(a, b, sizeof(a)) == 0;
    sodium_memzero(a, sizeof(a));
    sodium_memzero(b, sizeof(b));
    return same;
}

int wz_o311_external_id(const char *key, size_t len, char *out, size_t outlen)
{
    if (key == NULL || len == 0 || len > WZ_O311_IDEM_MAX || !visible_ascii(key, len))
        return -1;
    int n = snprintf(out, outlen, "open311 %.*s", (int)len, key);
    return n > 0 && (size_t)n < outlen ? 0 : -1;
}

static int is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 0;
    return 1;
}

void wz_o311_name(const char *first, const char *last, char *out, size_t outlen)
{
    first = first ? first : "";
    last = last ? last : "";
    if (first[0] == '\0' || last[0] == '\0')
        snprintf(out, outlen, "%s%s", first, last);
    else if (!is_ascii(first) || !is_ascii(last))
        snprintf(out, outlen, "%s%s", last, first); /* 姓 then 名 */
    else
        snprintf(out, outlen, "%s %s", first, last);
}

char *wz_o311_content(const wz_o311_post_t *p, const char *service_name)
{
    const char *text = p->description[0] ? p->description : (service_name && service_name[0] ? service_name : "-");
    size_t n = strlen(text) + strlen(MEDIA_LINE) + strlen(p->media_url) + 1;
    char *out = malloc(n);
    if (out == NULL)
        abort();
    if (p->media_url[0])
        snprintf(out, n, "%s%s%s", text, MEDIA_LINE, p->media_url);
    else
        snprintf(out, n, "%s", text);
    return out;
}

size_t wz_o311_description_len(const char *content, size_t len, const char *media_url, size_t url_len)
{
    size_t line = strlen(MEDIA_LINE);
    if (media_url == NULL || url_len == 0 || len < line + url_len)
        return len;
    const char *tail = content + len - url_len - line;
    if (memcmp(tail, MEDIA_LINE, line) == 0 && memcmp(tail + line, media_url, url_len) == 0)
        return len - url_len - line;
    return len;
}

/* ---- statuses ---- */

static int is(const char *s, size_t len, const char *want)
{
    return s != NULL && strlen(want) == len && memcmp(s, want, len) == 0;
}

const char *wz_o311_status(const char *ticket_status, size_t len)
{
    return is(ticket_status, len, "closed") ? "closed" : "open";
}

const char *wz_o311_notice(const char *ticket_status, size_t len)
{
    static const struct {
        const char *status, *notice;
    } notices[] = {
        {"new", "已受理，正在分派承办单位"}, {"dispatched", "已分派至承办单位"},
        {"accepted", "承办单位正在办理"},    {"waiting_citizen", "承办单位需要您补充情况"},
        {"replied", "承办单位已答复"},       {"closed", "已办结"},
    };
    for (size_t i = 0; i < sizeof(notices) / sizeof(notices[0]); i++)
        if (is(ticket_status, len, notices[i].status))
            return notices[i].notice;
    return "已受理";
}

/* ---- GET requests' filters ---- */

/* An instant; "2026-11-01T00:00:00 08:00" is read as +08:00: a '+' a client left unencoded in
 * the query string arrives as a space. */
static int instant(const char *text, int64_t *out)
{
    char buf[64];
    size_t n = strlen(text);
    if (n >= sizeof(buf))
        return -1;
    memcpy(buf, text, n + 1);
    if (n >= 25 && buf[n - 6] == ' ' && buf[n - 3] == ':')
        buf[n - 6] = '+';
    return wz_time_parse(buf, n, out);
}

int wz_o311_range(const char *start, const char *end, int64_t now, int64_t *from, int64_t *to, char *err, size_t errlen)
{
    int has_start = start != NULL && start[0] != '\0', has_end = end != NULL && end[0] != '\0';
    int64_t s = 0, e = 0;
    if (has_start && instant(start, &s) != 0) {
        snprintf(err, errlen, "start_date must be a w3 datetime such as 2026-11-01T00:00:00+08:00");
        return -1;
    }
    if (has_end && instant(end, &e) != 0) {
        snprintf(err, errlen, "end_date must be a w3 datetime such as 2026-11-30T23:59:59+08:00");
        return -1;
    }
    if (!has_start && !has_end) {
        e = now;
        s = now - WZ_O311_RANGE_S;
    } else if (!has_end) {
        e = s + WZ_O311_RANGE_S;
    } else if (!has_start) {
        s = e - WZ_O311_RANGE_S;
    }
    if (s > e) {
        snprintf(err, errlen, "start_date must not be after end_date");
        return -1;
    }
    if (e - s > WZ_O311_RANGE_S) {
        snprintf(err, errlen, "start_date and end_date may not span more than 90 days");
        return -1;
    }
    *from = s;
    *to = e;
    return 0;
}

int wz_o311_numbers(const char *s, char (*items)[WZ_O311_NUMBER_MAX + 1], size_t max)
{
    size_t count = 0, n = 0;
    for (const char *c = s;; c++) {
        if (*c == ',' || *c == '\0') {
            if (n == 0 || count >= max)
                return -1;
            items[count++][n] = '\0';
            n = 0;
            if (*c == '\0')
                return (int)count;
            continue;
        }
        int alnum = (*c >= '0' && *c <= '9') || (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z');
        if (!alnum || n >= WZ_O311_NUMBER_MAX || count >= max)
            return -1;
        items[count][n++] = *c;
    }
}

int wz_o311_codes(const char *s, char *out, size_t outlen)
{
    size_t count = 0, o = 0, digits = 0;
    if (outlen == 0)
        return -1;
    for (const char *c = s;; c++) {
        if (*c == ',' || *c == '\0') {
            if (digits == 0 || ++count > WZ_O311_LIST_MAX)
                return -1;
            digits = 0;
            if (*c == '\0')
                break;
            if (o + 1 >= outlen)
                return -1;
            out[o++] = ',';
            continue;
        }
        if (*c < '0' || *c > '9' || digits >= 18 || o + 1 >= outlen)
            return -1;
        if (digits == 0 && *c == '0' && (c[1] == ',' || c[1] == '\0'))
            return -1; /* 0 is no id */
        if (digits == 0 && *c == '0')
            continue; /* leading zeros: "007" is category 7 */
        out[o++] = *c;
        digits++;
    }
    out[o] = '\0';
    return (int)count;
}

int wz_o311_statuses(const char *s, int *open, int *closed)
{
    *open = *closed = 0;
    const char *c = s;
    for (;;) {
        const char *comma = strchr(c, ',');
        size_t n = comma ? (size_t)(comma - c) : strlen(c);
        if (is(c, n, "open"))
            *open = 1;
        else if (is(c, n, "closed"))
            *closed = 1;
        else
            return -1;
        if (comma == NULL)
            return 0;
        c = comma + 1;
    }
}
