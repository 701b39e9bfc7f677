#include "common/seal.h"
#include <sodium.h>
#include <string.h>

_Static_assert(WZ_SEAL_KEY_BYTES == crypto_secretbox_KEYBYTES, "key size");
_Static_assert(WZ_SEAL_OVERHEAD == crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES, "overhead");

int wz_seal_key_from_hex(const char *hex, uint8_t key[WZ_SEAL_KEY_BYTES])
{
    size_t bin_len = 0;
    if (strlen(hex) != 2 * WZ_SEAL_KEY_BYTES ||
        sodium_hex2bin(key, WZ_SEAL_KEY_BYTES, hex, strlen(hex), NULL, &bin_len, NULL) != 0 ||
        bin_len != WZ_SEAL_KEY_BYTES)
        return -1;
    return 0;
}

void wz_seal(const uint8_t key[WZ_SEAL_KEY_BYTES], const void *plain, size_t len, uint8_t *out)
{
    randombytes_buf(out, crypto_secretbox_NONCEBYTES); /* random nonces: 192 bits never repeat */
    crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, plain, len, out, key);
}

int wz_unseal(const uint8_t key[WZ_SEAL_KEY_BYTES], const uint8_t *sealed, size_t len, void *out)
{
    if (len < WZ_SEAL_OVERHEAD)
        return -1;
    return crypto_secretbox_open_easy(out, sealed + crypto_secretbox_NONCEBYTES, len - crypto_secretbox_NONCEBYTES,
                                      sealed, key);
}
