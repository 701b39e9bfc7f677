#ifndef WZ_CHANNELS_ADAPT_H
#define WZ_CHANNELS_ADAPT_H
/* What the platform adapters (weibo.c, douyin.c, toutiao.c) share: SHA-1 as the platforms sign
 * their pushes (OpenSSL EVP), a constant-time check of a hex signature, and filling the fixed
 * fields of a wz_inbound_t without splitting a character. */
#include "channels/inbound.h"
#include <stddef.h>

#define WZ_SHA1_LEN 20

/** SHA-1 of the concatenation of n byte strings (the parts are not copied). */
void wz_adapt_sha1(const char *const *parts, const size_t *lens, size_t n, unsigned char out[WZ_SHA1_LEN]);
/** Whether hex (40 hex digits, either case) spells want; compared with CRYPTO_memcmp. */
int wz_adapt_sha1_hex_matches(const unsigned char want[WZ_SHA1_LEN], const char *hex, size_t hexlen);
/** Lowercase hex of n bytes into out (2n characters and a NUL). */
void wz_adapt_hex(const unsigned char *in, size_t n, char *out);
/** Copies the UTF-8 text s into a fixed field of dstlen bytes, cut on a character boundary. */
void wz_adapt_set_name(char *dst, size_t dstlen, const char *s);
/** Sets m->content to "<label> <text>", or the label alone when text is empty. */
void wz_adapt_set_labelled(wz_inbound_t *m, const char *label, const char *text);
/** Sets a key field (WZ_INBOUND_KEY_MAX bytes) to prefix + id, or prefix + "sha1:" + the hex
 * SHA-1 of id when that would not fit: a long id still gives a stable, unique key. */
void wz_adapt_set_key(char dst[WZ_INBOUND_KEY_MAX + 1], const char *prefix, const char *id, size_t idlen);
/** Whether s is empty or only white space. */
int wz_adapt_blank(const char *s);

#endif
