#ifndef WZ_CHANNELS_SECRETS_H
#define WZ_CHANNELS_SECRETS_H
/* An account's platform secrets, as the accounts API sealed them (accounts.secret_box: a
 * secretbox of a JSON object of named strings). */
#include <stddef.h>
#include <stdint.h>

/** Opens the box and copies the secret `name` into out (NUL-terminated). 0; -1 if the box does
 * not open with the key, is not an object of strings, or has no such name (or it is too long). */
int wz_account_secret(const uint8_t key[32], const void *box, size_t len, const char *name, char *out, size_t outlen);

#endif
