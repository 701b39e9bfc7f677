#include "auth/password.h"
#include <sodium.h>
#include <string.h>

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
