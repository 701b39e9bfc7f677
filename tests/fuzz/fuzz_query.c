/* Fuzzes query-string parsing and percent-decoding (common/query.c).
 *
 * Input: "name\nquery-string". The first line is the parameter to look up, the rest the
 * query string without the '?'. Without a newline the whole input is the query string and
 * the name is "q". The whole input is also fed to wz_url_decode on its own. */
#include "fuzz.h"
#include "common/query.h"

#define NAME_MAX_LEN 64

/* Percent-encodes src so that decoding with plus_is_space=1 gives src back. Bytes alternate
 * between raw and %XX (with mixed hex case) to cover both paths; '%' and '+' are always
 * escaped, NUL is passed raw because an encoded NUL is refused. Returns the length. */
static size_t encode(const char *src, size_t len, char *dst)
{
    static const char upper[] = "0123456789ABCDEF", lower[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)src[i];
        if (c == '\0' || (i % 2 == 0 && c != '%' && c != '+')) {
            dst[o++] = (char)c;
            continue;
        }
        const char *hex = i % 4 == 1 ? upper : lower;
        dst[o++] = '%';
        dst[o++] = hex[c >> 4];
        dst[o++] = hex[c & 15];
    }
    return o;
}

static void check_decode(const char *src, size_t len)
{
    char *plain = fuzz_guarded_alloc(len), *spaced = fuzz_guarded_alloc(len);
    long n0 = wz_url_decode(src, len, plain, 0);
    long n1 = wz_url_decode(src, len, spaced, 1);
    /* dst holds len bytes: the decoder must never write past them */
    FUZZ_CHECK(fuzz_guard_ok(plain, len) && fuzz_guard_ok(spaced, len));
    FUZZ_CHECK(n0 >= -1 && n0 <= (long)len);
    /* '+' handling changes bytes, never whether the input is well formed or its length */
    FUZZ_CHECK(n0 == n1);
    if (n0 < 0)
        goto done;
    size_t n = (size_t)n0;
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(plain[i] == spaced[i] || (plain[i] == '+' && spaced[i] == ' '));

    /* Round trip: re-encoding the output and decoding it again must give the same bytes. */
    char *enc = malloc(3 * n + 1);
    char *again = fuzz_guarded_alloc(3 * n);
    if (enc == NULL)
        abort();
    size_t elen = encode(plain, n, enc);
    long m = wz_url_decode(enc, elen, again, 1);
    FUZZ_CHECK(fuzz_guard_ok(again, 3 * n));
    FUZZ_CHECK(m == n0 && (n == 0 || memcmp(again, plain, n) == 0));
    free(enc);
    free(again);
done:
    free(plain);
    free(spaced);
}

static void check_query_get(const char *qs, size_t len, const char *name)
{
    /* Large enough for any value: a failure here can only mean "malformed". */
    size_t biglen = len + 1;
    char *big = fuzz_guarded_alloc(biglen);
    int rbig = wz_query_get(qs, len, name, big, biglen);
    FUZZ_CHECK(fuzz_guard_ok(big, biglen));
    FUZZ_CHECK(rbig >= -1 && rbig <= 1);
    if (rbig == 1)
        FUZZ_CHECK(memchr(big, '\0', biglen) != NULL);
    int has_nul = len > 0 && memchr(qs, '\0', len) != NULL;

    /* Small buffers: absent stays absent, malformed stays malformed, a value that fits is
     * the same value. */
    static const size_t small_lens[] = {0, 1, 2, 8, 33};
    for (size_t i = 0; i < sizeof(small_lens) / sizeof(small_lens[0]); i++) {
        size_t outlen = small_lens[i];
        char *out = fuzz_guarded_alloc(outlen);
        int r = wz_query_get(qs, len, name, out, outlen);
        FUZZ_CHECK(fuzz_guard_ok(out, outlen));
        if (rbig == 0)
            FUZZ_CHECK(r == 0);
        if (rbig == -1)
            FUZZ_CHECK(r == -1);
        if (r == 1) {
            FUZZ_CHECK(rbig == 1);
            FUZZ_CHECK(memchr(out, '\0', outlen) != NULL && strcmp(out, big) == 0);
        }
        /* a value whose decoded form fits is returned even if its encoded form does not
         * (strlen is its decoded length unless the query holds raw NUL bytes) */
        if (rbig == 1 && !has_nul && strlen(big) < outlen)
            FUZZ_CHECK(r == 1);
        free(out);
    }
    free(big);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    check_decode(text, size);

    char name[NAME_MAX_LEN + 1] = "q";
    const char *qs = text;
    size_t qlen = size;
    const char *nl = size > 0 ? memchr(text, '\n', size) : NULL;
    if (nl != NULL) {
        size_t nlen = (size_t)(nl - text);
        if (nlen > NAME_MAX_LEN)
            nlen = NAME_MAX_LEN;
        memcpy(name, text, nlen);
        name[nlen] = '\0';
        qs = nl + 1;
        qlen = size - (size_t)(qs - text);
    }
    /* qs is not NUL-terminated: it ends where the fuzzer's buffer ends, so an over-read is
     * an AddressSanitizer error. */
    check_query_get(qs, qlen, name);
    return 0;
}
