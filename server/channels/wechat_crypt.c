/* The WeChat official account's signatures and its safe-mode encryption (wechat_oa.h), with
 * OpenSSL's SHA1, AES-256-CBC and base64. */
#include "channels/wechat_oa.h"
#include "common/query.h"
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIGN_PARTS_MAX 4
#define BLOCK 32           /* WeChat pads to 32 bytes, not AES's 16 */
#define ENCRYPT_MAX (WZ_WECHAT_OA_BODY_MAX * 2)

static int by_bytes(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void wz_wechat_oa_sign(const char *const parts[], size_t nparts, char out[41])
{
    const char *sorted[SIGN_PARTS_MAX];
    if (nparts > SIGN_PARTS_MAX)
        nparts = SIGN_PARTS_MAX;
    memcpy(sorted, parts, nparts * sizeof(*parts));
    qsort(sorted, nparts, sizeof(*sorted), by_bytes);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (md == NULL)
        abort();
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    EVP_DigestInit_ex(md, EVP_sha1(), NULL);
    for (size_t i = 0; i < nparts; i++)
        EVP_DigestUpdate(md, sorted[i], strlen(sorted[i]));
    EVP_DigestFinal_ex(md, digest, &dlen);
    EVP_MD_CTX_free(md);
    for (unsigned i = 0; i < 20; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

int wz_wechat_oa_signature_valid(const char *const parts[], size_t nparts, const char *sig, size_t sig_len)
{
    if (sig == NULL || sig_len != 40 || nparts > SIGN_PARTS_MAX)
        return 0;
    for (size_t i = 0; i < nparts; i++)
        if (parts[i] == NULL)
            return 0;
    char want[41], given[41];
    for (size_t i = 0; i < 40; i++) {
        if (wz_hex_digit(sig[i]) < 0)
            return 0;
        given[i] = (char)(sig[i] >= 'A' && sig[i] <= 'F' ? sig[i] - 'A' + 'a' : sig[i]);
    }
    given[40] = '\0';
    wz_wechat_oa_sign(parts, nparts, want);
    return CRYPTO_memcmp(want, given, 40) == 0;
}

/* base64 without whitespace; the decoded length without the padding, or -1 */
static long b64_decode(const char *in, size_t len, unsigned char *out)
{
    if (len == 0 || len % 4 != 0 || len > ENCRYPT_MAX)
        return -1;
    int n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
    if (n < 0)
        return -1;
    size_t pad = in[len - 1] == '=' ? (in[len - 2] == '=' ? 2 : 1) : 0;
    return (long)n - (long)pad;
}

int wz_wechat_oa_aes_key(const char *encoding_aes_key, uint8_t key[32])
{
    if (encoding_aes_key == NULL || strlen(encoding_aes_key) != WZ_WECHAT_OA_AES_KEY_CHARS)
        return -1;
    char text[WZ_WECHAT_OA_AES_KEY_CHARS + 2];
    memcpy(text, encoding_aes_key, WZ_WECHAT_OA_AES_KEY_CHARS);
    text[WZ_WECHAT_OA_AES_KEY_CHARS] = '=';
    text[WZ_WECHAT_OA_AES_KEY_CHARS + 1] = '\0';
    unsigned char raw[36];
    long n = b64_decode(text, sizeof(text) - 1, raw);
    if (n != 32)
        return -1;
    memcpy(key, raw, 32);
    OPENSSL_cleanse(raw, sizeof(raw));
    return 0;
}

/* AES-256-CBC without OpenSSL's padding (WeChat's is PKCS#7 to 32 bytes); 0 or -1 */
static int aes(int enc, const uint8_t key[32], const unsigned char *in, size_t len, unsigned char *out)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (c == NULL)
        abort();
    int n1 = 0, n2 = 0, ok = EVP_CipherInit_ex(c, EVP_aes_256_cbc(), NULL, key, key /* iv = key[0..16] */, enc) == 1 &&
                             EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
                             EVP_CipherUpdate(c, out, &n1, in, (int)len) == 1 &&
                             EVP_CipherFinal_ex(c, out + n1, &n2) == 1 && (size_t)(n1 + n2) == len;
    EVP_CIPHER_CTX_free(c);
    return ok ? 0 : -1;
}

#define FAIL(...)                                                                                                      \
    do {                                                                                                               \
        snprintf(err, errlen, __VA_ARGS__);                                                                            \
        goto fail;                                                                                                     \
    } while (0)

int wz_wechat_oa_decrypt(const uint8_t key[32], const char *b64, size_t b64_len, const char *appid, char **xml,
                         size_t *xml_len, char *err, size_t errlen)
{
    *xml = NULL;
    unsigned char *cipher = malloc(b64_len / 4 * 3 + 3), *plain = NULL;
    if (cipher == NULL)
        abort();
    long n = b64_decode(b64, b64_len, cipher);
    if (n <= 0 || n % 16 != 0)
        FAIL("Encrypt is not base64 of whole AES blocks");
    plain = malloc((size_t)n);
    if (plain == NULL)
        abort();
    if (aes(0, key, cipher, (size_t)n, plain) != 0)
        FAIL("Encrypt does not decrypt");
    unsigned pad = plain[n - 1];
    if (pad < 1 || pad > BLOCK || (long)pad > n)
        FAIL("Encrypt does not decrypt with the account's EncodingAESKey");
    for (unsigned i = 1; i <= pad; i++)
        if (plain[n - i] != pad)
            FAIL("Encrypt does not decrypt with the account's EncodingAESKey");
    size_t body = (size_t)n - pad;
    if (body < 20)
        FAIL("Encrypt is too short");
    size_t msg_len = (size_t)plain[16] << 24 | (size_t)plain[17] << 16 | (size_t)plain[18] << 8 | plain[19];
    if (msg_len > body - 20)
        FAIL("Encrypt's length field is larger than the message");
    const char *tail = (const char *)plain + 20 + msg_len;
    size_t tail_len = body - 20 - msg_len;
    if (appid == NULL || tail_len != strlen(appid) || memcmp(tail, appid, tail_len) != 0)
        FAIL("the message is for another AppID");
    *xml = malloc(msg_len + 1);
    if (*xml == NULL)
        abort();
    memcpy(*xml, plain + 20, msg_len);
    (*xml)[msg_len] = '\0';
    *xml_len = msg_len;
    OPENSSL_cleanse(plain, (size_t)n);
    free(plain);
    free(cipher);
    return 0;
fail:
    if (plain != NULL)
        OPENSSL_cleanse(plain, (size_t)n);
    free(plain);
    free(cipher);
    return -1;
}

char *wz_wechat_oa_encrypt(const uint8_t key[32], const uint8_t random16[16], const char *msg, size_t len,
                           const char *appid)
{
    size_t alen = strlen(appid), body = 20 + len + alen;
    size_t pad = BLOCK - body % BLOCK, total = body + pad;
    unsigned char *plain = malloc(total), *cipher = malloc(total);
    char *out = malloc(total / 3 * 4 + 8);
    if (plain == NULL || cipher == NULL || out == NULL)
        abort();
    memcpy(plain, random16, 16);
    plain[16] = (unsigned char)(len >> 24);
    plain[17] = (unsigned char)(len >> 16);
    plain[18] = (unsigned char)(len >> 8);
    plain[19] = (unsigned char)len;
    memcpy(plain + 20, msg, len);
    memcpy(plain + 20 + len, appid, alen);
    memset(plain + body, (int)pad, pad);
    if (aes(1, key, plain, total, cipher) != 0)
        abort();
    EVP_EncodeBlock((unsigned char *)out, cipher, (int)total);
    OPENSSL_cleanse(plain, total);
    free(plain);
    free(cipher);
    return out;
}
