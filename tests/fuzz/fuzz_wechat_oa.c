/* Fuzzes the WeChat official account's push parsing (channels/wechat_oa.h): the input is the
 * XML body (expat, then the mapping to the common inbound shape), and the same bytes as a
 * safe-mode Encrypt text under a fixed key, whose plain text goes through the same parser.
 *
 * Invariants: an accepted MESSAGE has a dedupe key, a sender and non-empty content of at most
 * WZ_INBOUND_CONTENT_MAX valid UTF-8 characters; events get an "ev:" key; a refusal says why;
 * decryption either refuses or returns a NUL-terminated text of the length it reports. */
#include "fuzz.h"
#include "channels/wechat_oa.h"
#include "tickets/plan.h"
#include <stdio.h>

static void parse(const char *xml, size_t len)
{
    char err[160] = "";
    wz_wechat_oa_xml_t *x = wz_wechat_oa_xml_parse(xml, len, err, sizeof(err));
    if (x == NULL) {
        FUZZ_CHECK(err[0] != '\0');
        return;
    }
    wz_inbound_t m;
    if (wz_wechat_oa_inbound(x, &m, err, sizeof(err)) == 0) {
        FUZZ_CHECK(m.dedupe_key[0] != '\0' && m.sender[0] != '\0');
        if (m.kind == WZ_INBOUND_MESSAGE) {
            FUZZ_CHECK(m.content != NULL && m.content[0] != '\0');
            long chars = wz_utf8_chars(m.content, strlen(m.content));
            FUZZ_CHECK(chars > 0 && chars <= WZ_INBOUND_CONTENT_MAX);
        } else {
            FUZZ_CHECK(strncmp(m.dedupe_key, "ev:", 3) == 0);
        }
        wz_inbound_clear(&m);
    } else {
        FUZZ_CHECK(err[0] != '\0' && m.content == NULL);
    }
    wz_wechat_oa_xml_free(x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parse((const char *)data, size);
    static const uint8_t key[32] = "wenzheng-fuzz-key-0123456789abc";
    char *plain = NULL, err[160] = "";
    size_t len = 0;
    if (wz_wechat_oa_decrypt(key, (const char *)data, size, "wx_fuzz", &plain, &len, err, sizeof(err)) == 0) {
        FUZZ_CHECK(plain != NULL && plain[len] == '\0');
        parse(plain, len);
        free(plain);
    } else {
        FUZZ_CHECK(plain == NULL && err[0] != '\0');
    }
    return 0;
}
