#include "auth/session.h"
#include <sodium.h>
#include <string.h>

void wz_refresh_new(char token[WZ_REFRESH_TOKEN_LEN + 1], uint8_t hash[WZ_REFRESH_HASH_LEN])
{
    uint8_t raw[32];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(token, WZ_REFRESH_TOKEN_LEN + 1, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
    crypto_hash_sha256(hash, (const unsigned char *)token, WZ_REFRESH_TOKEN_LEN);
}

int wz_refresh_hash(const char *token, size_t len, uint8_t hash[WZ_REFRESH_HASH_LEN])
{
    if (token == NULL || len != WZ_REFRESH_TOKEN_LEN)
        return -1;
    for (size_t i = 0; i < len; i++) {
        char c = token[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return -1;
    }
    crypto_hash_sha256(hash, (const unsigned char *)token, len);
    return 0;
}

int wz_login_lock_seconds(unsigned failures, int per_address)
{
    unsigned factor = per_address ? WZ_LOGIN_ADDRESS_FACTOR : 1;
    if (failures <= WZ_LOGIN_FREE_FAILURES * factor)
        return 0;
    if (failures >= WZ_LOGIN_HARD_FAILURES * factor)
        return WZ_LOGIN_LOCK_MAX_S;
    unsigned step = failures - WZ_LOGIN_FREE_FAILURES * factor - 1; /* 0 for the first locking failure */
    if (step > 5)
        return WZ_LOGIN_LOCK_MAX_S;
    int s = 30 << step; /* 30, 60, 120, 240, 480, then the cap */
    return s > WZ_LOGIN_LOCK_MAX_S ? WZ_LOGIN_LOCK_MAX_S : s;
}

void wz_token_id(char out[23])
{
    uint8_t raw[16];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(out, 23, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}
