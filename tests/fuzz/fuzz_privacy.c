/* Fuzzes personal-number detection and masking (tickets/privacy.c).
 *
 * Input: the text itself, any bytes (valid UTF-8 or not). Checked: the count does not depend
 * on max; spans are sorted, non-overlapping, inside the text and, when the text is valid
 * UTF-8, on character boundaries; each span read on its own is one whole match; masking
 * stars characters 7-14 of an ID (7-11 of the old form) and digits 4-7 of a mobile, copies
 * everything else, and leaves nothing to find; writing the digits full-width or ASCII, or
 * putting a stray byte in front, changes nothing. */
#include "fuzz.h"
#include "tickets/privacy.h"

#define MAX_BIG 64

/* Strict UTF-8 (no overlongs, surrogates or code points above U+10FFFF), decoded by value
 * rather than by byte ranges so that it does not share a mistake with privacy.c. */
static int valid_utf8(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char b = s[i];
        size_t n;
        unsigned long cp, min;
        if (b < 0x80) {
            i++;
            continue;
        } else if ((b & 0xE0) == 0xC0) {
            n = 1, cp = b & 0x1Fu, min = 0x80;
        } else if ((b & 0xF0) == 0xE0) {
            n = 2, cp = b & 0x0Fu, min = 0x800;
        } else if ((b & 0xF8) == 0xF0) {
            n = 3, cp = b & 0x07u, min = 0x10000;
        } else {
            return 0;
        }
        if (len - i <= n)
            return 0;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += n + 1;
    }
    return 1;
}

/* Whether s[i] starts a full-width digit, Ｘ or ｘ. */
static int fullwidth_digit_at(const unsigned char *s, size_t len, size_t i)
{
    if (len - i < 3 || s[i] != 0xEF)
        return 0;
    return (s[i + 1] == 0xBC && ((s[i + 2] >= 0x90 && s[i + 2] <= 0x99) || s[i + 2] == 0xB8)) ||
           (s[i + 1] == 0xBD && s[i + 2] == 0x98);
}

/* Copies with every full-width digit, Ｘ and ｘ written in ASCII. */
static size_t narrow(const unsigned char *s, size_t len, unsigned char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        if (fullwidth_digit_at(s, len, i)) {
            unsigned char t = s[i + 2];
            out[o++] = (unsigned char)(t == 0xB8 ? 'X' : t == 0x98 && s[i + 1] == 0xBD ? 'x' : '0' + (t - 0x90));
            i += 3;
        } else {
            out[o++] = s[i++];
        }
    }
    return o;
}

/* Copies with every ASCII digit written full-width; out holds 3 * len bytes. */
static size_t widen(const unsigned char *s, size_t len, unsigned char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            out[o++] = 0xEF;
            out[o++] = 0xBC;
            out[o++] = (unsigned char)(0x90 + (s[i] - '0'));
        } else {
            out[o++] = s[i];
        }
    }
    return o;
}

/* Every span of a text, in a heap array of exactly count entries (NULL when there are none). */
static wz_pii_span_t *all_spans(const char *text, size_t len, size_t count)
{
    if (count == 0)
        return NULL;
    wz_pii_span_t *spans = fuzz_guarded_alloc(count * sizeof(*spans));
    FUZZ_CHECK(wz_pii_find(text, len, spans, count) == count);
    FUZZ_CHECK(fuzz_guard_ok(spans, count * sizeof(*spans)));
    return spans;
}

/* The same count and the same kinds in the same order. */
static void check_same_matches(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = wz_pii_find(a, alen, NULL, 0);
    FUZZ_CHECK(wz_pii_find(b, blen, NULL, 0) == n);
    wz_pii_span_t *sa = all_spans(a, alen, n), *sb = all_spans(b, blen, n);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(sa[i].kind == sb[i].kind);
    free(sa);
    free(sb);
}

/* Checks one span of the original against the masked output from *o on; returns the bytes
 * masking saved (two per full-width digit turned into '*'). Spans hold only ASCII digits,
 * X/x, '+', ' ', '-' and 3-byte full-width or U+3000 characters. */
static size_t check_masked_span(const unsigned char *s, const wz_pii_span_t *sp, const unsigned char *out,
                                size_t outlen, size_t *o)
{
    size_t end = sp->start + sp->len, ndigits = 0;
    for (size_t i = sp->start; i < end; i += s[i] < 0x80 ? 1 : 3)
        if ((s[i] >= '0' && s[i] <= '9') || s[i] == 'X' || s[i] == 'x' || fullwidth_digit_at(s, end, i))
            ndigits++;
    size_t from, to; /* the digits (by index) that must be starred */
    if (sp->kind == WZ_PII_ID_CARD) {
        FUZZ_CHECK(ndigits == 18 || ndigits == 15);
        from = 6, to = ndigits == 18 ? 14 : 11;
    } else {
        FUZZ_CHECK(sp->kind == WZ_PII_MOBILE);
        FUZZ_CHECK(ndigits == 11 || ndigits == 13 || ndigits == 15); /* none, "86" or "0086" */
        from = ndigits - 8, to = ndigits - 4;
    }
    size_t saved = 0, d = 0, i = sp->start;
    while (i < end) {
        size_t w = s[i] < 0x80 ? 1 : 3;
        FUZZ_CHECK(i + w <= end);
        int digit = (w == 1 && ((s[i] >= '0' && s[i] <= '9') || s[i] == 'X' || s[i] == 'x')) ||
                    (w == 3 && fullwidth_digit_at(s, end, i));
        if (digit && d >= from && d < to) {
            FUZZ_CHECK(*o < outlen && out[*o] == '*');
            *o += 1;
            saved += w - 1;
        } else {
            FUZZ_CHECK(*o + w <= outlen && memcmp(out + *o, s + i, w) == 0);
            *o += w;
        }
        d += (size_t)digit;
        i += w;
    }
    return saved;
}

static void check_mask(const char *text, size_t len, size_t count)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t outlen = (size_t)-1;
    char *out = wz_pii_mask(text, len, &outlen);
    FUZZ_CHECK(out != NULL && outlen <= len && out[outlen] == '\0');

    /* outside spans byte for byte, inside as check_masked_span says, and nothing else */
    wz_pii_span_t *spans = all_spans(text, len, count);
    size_t o = 0, done = 0, saved = 0;
    for (size_t i = 0; i < count; i++) {
        size_t gap = spans[i].start - done;
        FUZZ_CHECK(o + gap <= outlen && (gap == 0 || memcmp(out + o, s + done, gap) == 0));
        o += gap;
        saved += check_masked_span(s, &spans[i], (const unsigned char *)out, outlen, &o);
        done = spans[i].start + spans[i].len;
    }
    FUZZ_CHECK(outlen - o == len - done && (len == done || memcmp(out + o, s + done, len - done) == 0));
    FUZZ_CHECK(outlen == len - saved);

    /* idempotent: the masked text holds nothing more to find, so masking it changes nothing */
    FUZZ_CHECK(wz_pii_find(out, outlen, NULL, 0) == 0);
    size_t againlen = 0;
    char *again = wz_pii_mask(out, outlen, &againlen);
    FUZZ_CHECK(againlen == outlen && memcmp(again, out, outlen + 1) == 0);
    free(again);
    free(spans);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the fuzzer's buffer ends where the text ends: an over-read is an ASan error */
    const char *text = (const char *)data;

    size_t n0 = wz_pii_find(text, size, NULL, 0);
    wz_pii_span_t *one = fuzz_guarded_alloc(sizeof(*one));
    wz_pii_span_t *big = fuzz_guarded_alloc(MAX_BIG * sizeof(*big));
    size_t n1 = wz_pii_find(text, size, one, 1);
    size_t n64 = wz_pii_find(text, size, big, MAX_BIG);
    FUZZ_CHECK(fuzz_guard_ok(one, sizeof(*one)) && fuzz_guard_ok(big, MAX_BIG * sizeof(*big)));
    FUZZ_CHECK(n0 == n1 && n0 == n64);
    if (n0 > 0)
        FUZZ_CHECK(one->kind == big->kind && one->start == big->start && one->len == big->len);

    int utf8 = valid_utf8(data, size);
    size_t prev_end = 0, nbig = n0 < MAX_BIG ? n0 : MAX_BIG;
    for (size_t i = 0; i < nbig; i++) {
        const wz_pii_span_t *sp = &big[i];
        FUZZ_CHECK(sp->kind == WZ_PII_ID_CARD || sp->kind == WZ_PII_MOBILE);
        FUZZ_CHECK(sp->len > 0 && sp->start >= prev_end && sp->start <= size && sp->len <= size - sp->start);
        prev_end = sp->start + sp->len;
        if (utf8) {
            FUZZ_CHECK((data[sp->start] & 0xC0) != 0x80);
            FUZZ_CHECK(prev_end == size || (data[prev_end] & 0xC0) != 0x80);
        }
        /* on its own, a span is one match covering all of it */
        wz_pii_span_t alone;
        FUZZ_CHECK(wz_pii_find(text + sp->start, sp->len, &alone, 1) == 1);
        FUZZ_CHECK(alone.kind == sp->kind && alone.start == 0 && alone.len == sp->len);
        FUZZ_CHECK(wz_pii_kind_name(sp->kind) != NULL);
    }

    /* A stray lead byte in front changes nothing: it must not swallow the digits after it. */
    unsigned char *shifted = malloc(size + 1);
    wz_pii_span_t *sh = fuzz_guarded_alloc(MAX_BIG * sizeof(*sh));
    if (shifted == NULL)
        abort();
    shifted[0] = 0xE5;
    if (size > 0)
        memcpy(shifted + 1, data, size);
    FUZZ_CHECK(wz_pii_find((const char *)shifted, size + 1, sh, MAX_BIG) == n0);
    for (size_t i = 0; i < nbig; i++)
        FUZZ_CHECK(sh[i].kind == big[i].kind && sh[i].start == big[i].start + 1 && sh[i].len == big[i].len);
    free(sh);
    free(shifted);
    free(one);
    free(big);

    check_mask(text, size, n0);

    /* Full-width and ASCII digits are the same characters to the detector. */
    unsigned char *alt = malloc(3 * size + 1);
    if (alt == NULL)
        abort();
    size_t altlen = narrow(data, size, alt);
    check_same_matches(text, size, (const char *)alt, altlen);
    altlen = widen(data, size, alt);
    check_same_matches(text, size, (const char *)alt, altlen);
    free(alt);
    return 0;
}
