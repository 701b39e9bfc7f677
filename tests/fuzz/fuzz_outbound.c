/* Fuzzes what the outbox sender reads from the network and cuts for WeChat (channels/outbound.c):
 * the answers of WeChat's message APIs (wz_wechat_classify) and of its token API
 * (wz_wechat_parse_token), the answers of Weibo and the ByteDance platform
 * (channels/outbound_social.c), and the cutting of texts to a byte or character limit.
 *
 * Invariants: the class is one of the enum's; an OK answer reports errcode 0; a token is
 * accepted only non-empty, NUL-terminated within its buffer and with a positive lifetime; a cut
 * text is at most the limit and never ends inside a UTF-8 sequence of valid input. */
#include "fuzz.h"
#include "channels/outbound.h"
#include "channels/outbound_social.h"
#include <stdlib.h>

static int valid_utf8(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (k == 0 || i + k > len)
            return 0;
        for (size_t j = 1; j < k; j++)
            if (((unsigned char)s[i + j] >> 6) != 2)
                return 0;
        i += k;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    long code = 7;
    char msg[256];
    wz_wx_class_t c = wz_wechat_classify(200, NULL, body, size, &code, msg, sizeof(msg));
    FUZZ_CHECK(c >= WZ_WX_OK && c <= WZ_WX_REFUSED);
    FUZZ_CHECK(memchr(msg, '\0', sizeof(msg)) != NULL);
    if (c == WZ_WX_OK)
        FUZZ_CHECK(code == 0);

    for (long status = 200; status <= 400; status += 200) {
        wz_social_class_t s = wz_weibo_classify(status, NULL, body, size, &code, msg, sizeof(msg));
        FUZZ_CHECK(s >= WZ_SOCIAL_OK && s <= WZ_SOCIAL_WINDOW);
        FUZZ_CHECK(memchr(msg, '\0', sizeof(msg)) != NULL);
        if (s == WZ_SOCIAL_OK)
            FUZZ_CHECK(code == 0 && status == 200);
        s = wz_bytedance_classify("Douyin", status, NULL, body, size, &code, msg, sizeof(msg));
        FUZZ_CHECK(s >= WZ_SOCIAL_OK && s <= WZ_SOCIAL_WINDOW);
        FUZZ_CHECK(memchr(msg, '\0', sizeof(msg)) != NULL);
        if (s == WZ_SOCIAL_OK)
            FUZZ_CHECK(code == 0 && status == 200);
    }

    char token[WZ_WECHAT_TOKEN_MAX];
    long expires = 0;
    if (wz_wechat_parse_token(body, size, token, sizeof(token), &expires, &code, msg, sizeof(msg)) == 0) {
        FUZZ_CHECK(memchr(token, '\0', sizeof(token)) != NULL);
        FUZZ_CHECK(token[0] != '\0' && expires > 0);
        FUZZ_CHECK(wz_wechat_token_keep_ms(expires) > 0 || expires == 1);
    }

    char *text = malloc(size + 1);
    if (text == NULL)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    size_t len = strlen(text);
    int utf8 = valid_utf8(text, len);
    size_t limit = size % 64;
    char *prefix = wz_outbound_prefix_chars(text, limit);
    FUZZ_CHECK(strlen(prefix) <= len + 3);
    if (utf8)
        FUZZ_CHECK(valid_utf8(prefix, strlen(prefix)));
    free(prefix);
    wz_outbound_cut_bytes(text, limit);
    FUZZ_CHECK(strlen(text) <= limit || strlen(text) == len);
    if (utf8)
        FUZZ_CHECK(valid_utf8(text, strlen(text)));
    free(text);
    return 0;
}
