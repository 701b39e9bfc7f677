#include "channels/adapt.h"
#include "common/query.h"
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wz_adapt_sha1(const char *const *parts, const size_t *lens, size_t n, unsigned char out[WZ_SHA1_LEN])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int len = 0;
    if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) != 1)
        abort();
    for (size_t i = 0; i < n; i++)
        if (lens[i] > 0 && EVP_DigestUpdate(ctx, parts[i], lens[i]) != 1)
            abort();
    if (EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != WZ_SHA1_LEN)
        abort();
    EVP_MD_CTX_free(ctx);
}

int wz_adapt_sha1_hex_matches(const unsigned char want[WZ_SHA1_LEN], const char *hex, size_t hexlen)
{
    if (hex == NULL || hexlen != 2 * WZ_SHA1_LEN)
        return 0;
    unsigned char given[WZ_SHA1_LEN];
    for (size_t i = 0; i < WZ_SHA1_LEN; i++) {
        int hi = wz_hex_digit(hex[2 * i]), lo = wz_hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return 0;
        given[i] = (unsigned char)(hi << 4 | lo);
    }
    return CRYPTO_memcmp(given, want, WZ_SHA1_LEN) == 0;
}

void wz_adapt_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

void wz_adapt_set_name(char *dst, size_t dstlen, const char *s)
{
    size_t n = strlen(s);
    if (n > dstlen - 1) {
        n = dstlen - 1;
        /* back to the first byte of the character the cut would split */
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, s, n);
    dst[n] = '\0';
}

void wz_adapt_set_labelled(wz_inbound_t *m, const char *label, const char *text)
{
    size_t n = strlen(label) + 1 + strlen(text) + 1;
    char *s = malloc(n);
    if (s == NULL)
        abort();
    snprintf(s, n, text[0] ? "%s %s" : "%s", label, text);
    wz_inbound_set_text(&m->content, s, strlen(s), WZ_INBOUND_CONTENT_MAX);
    free(s);
}

void wz_adapt_set_key(char dst[WZ_INBOUND_KEY_MAX + 1], const char *prefix, const char *id, size_t idlen)
{
    size_t plen = strlen(prefix);
    if (plen + idlen <= WZ_INBOUND_KEY_MAX) {
        memcpy(dst, prefix, plen);
        memcpy(dst + plen, id, idlen);
        dst[plen + idlen] = '\0';
        return;
    }
    unsigned char d[WZ_SHA1_LEN];
    char hex[2 * WZ_SHA1_LEN + 1];
    const char *parts[1] = {id};
    wz_adapt_sha1(parts, &idlen, 1, d);
    wz_adapt_hex(d, WZ_SHA1_LEN, hex);
    snprintf(dst, WZ_INBOUND_KEY_MAX + 1, "%ssha1:%s", prefix, hex);
}

int wz_adapt_blank(const char *s)
{
    return s[strspn(s, " \t\r\n")] == '\0';
}
