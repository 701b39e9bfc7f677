#ifndef WZ_TESTS_FUZZ_INBOUND_CHECK_H
#define WZ_TESTS_FUZZ_INBOUND_CHECK_H
/* The invariants every platform adapter's wz_inbound_t keeps (channels/inbound.h), for the
 * fuzz_weibo, fuzz_douyin and fuzz_toutiao targets. */
#include "fuzz.h"
#include "channels/inbound.h"

/* strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF; returns the number of
 * characters, or -1 */
static inline long fuzz_utf8_chars(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    long chars = 0;
    while (*p) {
        unsigned c = *p;
        size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (n == 0 || (n == 2 && c < 0xC2))
            return -1;
        unsigned cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
        for (size_t i = 1; i < n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return -1;
            cp = cp << 6 | (p[i] & 0x3F);
        }
        if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return -1;
        p += n;
        chars++;
    }
    return chars;
}

/* after a refusal (r != 0) the struct holds nothing; after an acceptance it keeps the contract */
static inline void fuzz_check_inbound(int r, const wz_inbound_t *m, const char *err)
{
    if (r != 0) {
        FUZZ_CHECK(err[0] != '\0');
        FUZZ_CHECK(m->content == NULL && m->media_url == NULL && m->reply_to == NULL && m->dedupe_key[0] == '\0');
        return;
    }
    FUZZ_CHECK(m->kind == WZ_INBOUND_MESSAGE || m->kind == WZ_INBOUND_POST || m->kind == WZ_INBOUND_IGNORE);
    size_t key = strnlen(m->dedupe_key, sizeof(m->dedupe_key));
    FUZZ_CHECK(key >= 1 && key <= WZ_INBOUND_KEY_MAX);
    FUZZ_CHECK(strnlen(m->sender, sizeof(m->sender)) <= WZ_INBOUND_KEY_MAX);
    FUZZ_CHECK(strnlen(m->sender_name, sizeof(m->sender_name)) <= WZ_INBOUND_NAME_MAX);
    FUZZ_CHECK(strnlen(m->msg_type, sizeof(m->msg_type)) < sizeof(m->msg_type));
    FUZZ_CHECK(strnlen(m->event, sizeof(m->event)) < sizeof(m->event));
    FUZZ_CHECK(fuzz_utf8_chars(m->sender_name) >= 0 && fuzz_utf8_chars(m->event) >= 0);
    if (m->kind == WZ_INBOUND_MESSAGE) {
        FUZZ_CHECK(m->sender[0] != '\0' && m->content != NULL && m->content[0] != '\0');
        long chars = fuzz_utf8_chars(m->content);
        FUZZ_CHECK(chars >= 1 && chars <= WZ_INBOUND_CONTENT_MAX);
    }
    if (m->has_location)
        FUZZ_CHECK(m->latitude >= -90 && m->latitude <= 90 && m->longitude >= -180 && m->longitude <= 180);
    if (m->reply_to != NULL)
        FUZZ_CHECK(m->reply_to[0] != '\0' && fuzz_utf8_chars(m->reply_to) >= 0);
    if (m->media_url != NULL)
        FUZZ_CHECK(strncmp(m->media_url, "https://", 8) == 0);
}

#endif
