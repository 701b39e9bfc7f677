#include "channels/hook.h"
#include "common/query.h"
#include "tickets/plan.h"
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wz_hook_timestamp_parse(const char *s, size_t len, int64_t *ts)
{
    if (s == NULL || len == 0 || len > 12)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *ts = v;
    return 0;
}

int wz_hook_timestamp_fresh(int64_t ts, int64_t now)
{
    int64_t d = ts > now ? ts - now : now - ts;
    return d <= WZ_HOOK_WINDOW_S;
}

static void mac(const char *secret, size_t secret_len, const char *ts, size_t ts_len, const char *body, size_t body_len,
                unsigned char out[32])
{
    /* the signed text is timestamp "." body */
    size_t n = ts_len + 1 + body_len;
    unsigned char *msg = malloc(n ? n : 1);
    if (msg == NULL)
        abort();
    memcpy(msg, ts, ts_len);
    msg[ts_len] = '.';
    if (body_len > 0)
        memcpy(msg + ts_len + 1, body, body_len);
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret, (int)secret_len, msg, n, out, &len);
    free(msg);
}

void wz_hook_sign(const char *secret, size_t secret_len, const char *ts, size_t ts_len, const char *body,
                  size_t body_len, char out[65])
{
    unsigned char m[32];
    mac(secret, secret_len, ts, ts_len, body, body_len, m);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", m[i]);
}

int wz_hook_signature_valid(const char *secret, size_t secret_len, const char *ts, size_t ts_len, const char *body,
                            size_t body_len, const char *sig_hex, size_t sig_len)
{
    if (sig_hex == NULL || sig_len != 64 || secret_len == 0)
        return 0;
    unsigned char given[32], want[32];
    for (int i = 0; i < 32; i++) {
        int hi = wz_hex_digit(sig_hex[2 * i]), lo = wz_hex_digit(sig_hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return 0;
        given[i] = (unsigned char)(hi << 4 | lo);
    }
    mac(secret, secret_len, ts, ts_len, body, body_len, want);
    return CRYPTO_memcmp(given, want, 32) == 0;
}

static const char *const types[] = {"consultation", "help", "complaint", "suggestion", "report", "praise", NULL};

static int text_ok(const char *s, long min, long max)
{
    long n = wz_utf8_chars(s, strlen(s));
    return n >= min && n <= max && (min == 0 || s[strspn(s, " \t\r\n")] != '\0');
}

static int64_t id_of(const json_t *v, int *bad)
{
    if (v == NULL || json_is_null(v))
        return 0;
    if (json_is_integer(v) && json_integer_value(v) > 0)
        return json_integer_value(v);
    *bad = 1;
    return 0;
}

#define FAIL(f, ...)                                                                                                   \
    do {                                                                                                               \
        *field = (f);                                                                                                  \
        snprintf(err, errlen, __VA_ARGS__);                                                                            \
        return -1;                                                                                                     \
    } while (0)

int wz_hook_message_parse(const json_t *body, wz_hook_message_t *m, const char **field, char *err, size_t errlen)
{
    memset(m, 0, sizeof(*m));
    json_t *unit = NULL, *category = NULL;
    json_error_t jerr;
    if (!json_is_object(body))
        FAIL(NULL, "the body must be a JSON object");
    if (json_unpack_ex((json_t *)body, &jerr, JSON_STRICT, "{s:s, s:s, s?s, s?s, s?s, s?s, s?s, s?o, s?o}",
                       "external_id", &m->external_id, "content", &m->content, "type", &m->type, "title", &m->title,
                       "contact_name", &m->contact_name, "contact_phone", &m->contact_phone, "region", &m->region,
                       "unit_id", &unit, "category_id", &category) != 0)
        FAIL(NULL, "%s", jerr.text);
    size_t idlen = strlen(m->external_id);
    if (idlen == 0 || idlen > WZ_HOOK_EXTERNAL_ID_MAX)
        FAIL("external_id", "external_id must have 1 to 128 characters");
    for (size_t i = 0; i < idlen; i++)
        if (m->external_id[i] <= 0x20 || m->external_id[i] >= 0x7f)
            FAIL("external_id", "external_id must be visible ASCII");
    if (m->type == NULL)
        m->type = "consultation";
    int known = 0;
    for (size_t i = 0; types[i] != NULL; i++)
        known |= strcmp(types[i], m->type) == 0;
    if (!known)
        FAIL("type", "type must be consultation, help, complaint, suggestion, report or praise");
    if (!text_ok(m->content, 1, WZ_MESSAGE_MAX_CHARS))
        FAIL("content", "content must have 1 to 5000 characters");
    if (m->title != NULL && !text_ok(m->title, 0, 100))
        FAIL("title", "title must have at most 100 characters");
    if (m->contact_name != NULL && !text_ok(m->contact_name, 0, 50))
        FAIL("contact_name", "contact_name must have at most 50 characters");
    if (m->contact_phone != NULL) {
        size_t n = strlen(m->contact_phone), digits = 0;
        int ok = n >= 5 && n <= 20;
        for (size_t i = 0; ok && i < n; i++) {
            char c = m->contact_phone[i];
            digits += c >= '0' && c <= '9';
            ok = (c >= '0' && c <= '9') || c == '+' || c == '-' || c == ' ';
        }
        if (!ok || digits < 5)
            FAIL("contact_phone", "contact_phone must be 5-20 digits (with + - or spaces)");
    }
    if (m->region != NULL && !text_ok(m->region, 0, 200))
        FAIL("region", "region must have at most 200 characters");
    int bad = 0;
    m->unit_id = id_of(unit, &bad);
    if (bad)
        FAIL("unit_id", "unit_id must be a positive integer");
    m->category_id = id_of(category, &bad);
    if (bad)
        FAIL("category_id", "category_id must be a positive integer");
    return 0;
}
