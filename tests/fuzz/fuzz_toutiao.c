/* Fuzzes the Toutiao adapter (channels/toutiao.c): the push parser on the raw bytes (with and without
 * a Msg-Id, taken from the input's first line), the verify_webhook answer, and the signature
 * (client_secret = the first line, body = the rest).
 *
 * Invariants (inbound_check.h): an accepted MESSAGE has a non-empty dedupe_key, sender and
 * content, the content is strict UTF-8 of at most WZ_INBOUND_CONTENT_MAX characters; a refusal
 * says why and leaves nothing. A challenge answer is a JSON object {"challenge": ...} that fits
 * its limit; a signature made by wz_douyin_sign verifies, a changed one does not. */
#include "inbound_check.h"
#include "channels/douyin.h"
#include "channels/toutiao.h"
#include <jansson.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *nl = size ? memchr(s, '\n', size) : NULL;
    size_t line = nl ? (size_t)(nl - s) : 0;
    const char *rest = nl ? nl + 1 : s;
    size_t rest_len = nl ? size - line - 1 : size;

    wz_inbound_t m;
    char err[200] = "";
    int r = wz_toutiao_parse(s, size, NULL, 0, &m, err, sizeof(err));
    fuzz_check_inbound(r, &m, err);
    wz_inbound_clear(&m);
    err[0] = '\0';
    r = wz_toutiao_parse(rest, rest_len, s, line, &m, err, sizeof(err));
    fuzz_check_inbound(r, &m, err);
    wz_inbound_clear(&m);

    char out[WZ_DOUYIN_CHALLENGE_MAX + 1];
    long n = wz_toutiao_challenge(s, size, out, sizeof(out));
    FUZZ_CHECK(n >= -1 && n <= WZ_DOUYIN_CHALLENGE_MAX);
    if (n > 0) {
        FUZZ_CHECK((size_t)n == strlen(out));
        json_t *answer = json_loads(out, JSON_REJECT_DUPLICATES, NULL);
        FUZZ_CHECK(json_is_object(answer) && json_object_size(answer) == 1 && json_object_get(answer, "challenge"));
        json_decref(answer);
    }

    char sig[41];
    wz_douyin_sign(s, line, rest, rest_len, sig);
    int ok = wz_toutiao_signature_valid(s, line, rest, rest_len, sig, 40);
    FUZZ_CHECK(ok == (line > 0 && rest_len <= WZ_TOUTIAO_BODY_MAX));
    sig[0] = sig[0] == '0' ? '1' : '0';
    FUZZ_CHECK(!wz_toutiao_signature_valid(s, line, rest, rest_len, sig, 40));
    return 0;
}
