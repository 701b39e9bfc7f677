/* Fuzzes the Weibo fans-service adapter (channels/weibo.c): the push body parser on the raw
 * bytes, the created_at reader, and the signature and URL check on the input split into
 * app_secret / timestamp / nonce / signature / echostr at '&'.
 *
 * Invariants (inbound_check.h): an accepted MESSAGE has a non-empty dedupe_key, sender and
 * content, the content is strict UTF-8 of at most WZ_INBOUND_CONTENT_MAX characters; a refusal
 * says why and leaves nothing. A signature wz_weibo_sign made always verifies, any other
 * signature text of the wrong length never does, and a handshake never passes on a bad
 * signature. */
#include "inbound_check.h"
#include "channels/weibo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    wz_inbound_t m;
    char err[200] = "";
    int r = wz_weibo_parse(s, size, &m, err, sizeof(err));
    fuzz_check_inbound(r, &m, err);
    wz_inbound_clear(&m);

    int64_t t;
    if (wz_weibo_time_parse(s, size, &t) == 0)
        FUZZ_CHECK(size == 30 && t >= -14 * 3600);

    const char *f[5] = {s, s, s, s, s};
    size_t n[5] = {0}, k = 0;
    for (size_t i = 0; i < size && k < 5; i++) {
        if (data[i] == '&') {
            if (++k < 5)
                f[k] = s + i + 1;
        } else {
            n[k]++;
        }
    }
    char sig[41];
    wz_weibo_sign(f[0], n[0], f[1], n[1], f[2], n[2], sig);
    FUZZ_CHECK(wz_weibo_signature_valid(f[0], n[0], f[1], n[1], f[2], n[2], sig, 40) == (n[0] > 0));
    int given = wz_weibo_signature_valid(f[0], n[0], f[1], n[1], f[2], n[2], f[3], n[3]);
    if (n[3] != 40)
        FUZZ_CHECK(!given);
    if (wz_weibo_handshake(f[0], n[0], f[1], n[1], f[2], n[2], f[3], n[3], f[4], n[4]))
        FUZZ_CHECK(given && n[4] >= 1 && n[4] <= WZ_WEIBO_ECHOSTR_MAX);
    return 0;
}
