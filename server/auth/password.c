#include "auth/password.h"
#include <sodium.h>
#include <string.h>
#include <strings.h>

int wz_password_hash(const char *password, char out[WZ_PASSWORD_HASH_MAX])
{
    _Static_assert(WZ_PASSWORD_HASH_MAX == crypto_pwhash_STRBYTES, "hash buffer size");
    return crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

int wz_password_verify(const char *hash, const char *password)
{
    return crypto_pwhash_str_verify(hash, password, strlen(password));
}

const char *wz_password_weak(const char *password, const char *username)
{
    size_t len = strlen(password), chars = 0;
    for (size_t i = 0; i < len; i++)
        chars += ((unsigned char)password[i] & 0xC0) != 0x80; /* count UTF-8 lead bytes */
    if (chars < WZ_PASSWORD_MIN_CHARS)
        return "password must have at least 10 characters";
    if (len > 1024)
        return "password must have at most 1024 bytes";
    size_t ulen = username ? strlen(username) : 0;
    for (size_t i = 0; ulen >= 3 && i + ulen <= len; i++)
        if (strncasecmp(password + i, username, ulen) == 0)
            return "password must not contain the username";
    return NULL;
}
