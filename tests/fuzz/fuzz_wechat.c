/* Fuzzes the reading of WeChat's jscode2session answer (wz_wechat_parse_session in
 * auth/wechat.c): bytes from the network, before any of them reaches the database. The same
 * bytes are also checked as a wx.login code.
 *
 * Invariants: an OK outcome carries a 1..64-character openid of [A-Za-z0-9_-] and a unionid that
 * is empty or of the same alphabet; every string in the result is NUL-terminated in its buffer;
 * a code is accepted only when it can be sent as it is. */
#include "fuzz.h"
#include "auth/wechat.h"

static int id_chars_ok(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
              *s == '-'))
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wz_wechat_session_t s;
    wz_wechat_parse_session((const char *)data, size, &s);
    FUZZ_CHECK(memchr(s.openid, '\0', sizeof(s.openid)) != NULL);
    FUZZ_CHECK(memchr(s.unionid, '\0', sizeof(s.unionid)) != NULL);
    FUZZ_CHECK(memchr(s.errmsg, '\0', sizeof(s.errmsg)) != NULL);
    if (s.outcome == WZ_WECHAT_OK) {
        FUZZ_CHECK(s.openid[0] != '\0' && id_chars_ok(s.openid));
        FUZZ_CHECK(id_chars_ok(s.unionid));
    } else {
        FUZZ_CHECK(s.openid[0] == '\0');
    }
    if (wz_wechat_code_valid((const char *)data, size)) {
        FUZZ_CHECK(size >= 1 && size <= WZ_WECHAT_CODE_MAX);
        for (size_t i = 0; i < size; i++)
            FUZZ_CHECK(data[i] > 0x20 && data[i] < 0x7f);
    }
    return 0;
}
