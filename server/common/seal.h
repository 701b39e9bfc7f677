#ifndef WZ_COMMON_SEAL_H
#define WZ_COMMON_SEAL_H
/* Sealing small secrets at rest (a citizen's raw phone number, platform secrets) with the
 * configured secret_key: libsodium secretbox (XSalsa20-Poly1305), stored as nonce || box. */
#include <stddef.h>
#include <stdint.h>

#define WZ_SEAL_KEY_BYTES 32
#define WZ_SEAL_OVERHEAD 40 /* nonce (24) + MAC (16) */

/** Parses the 64-hex-digit secret_key; 0 or -1. */
int wz_seal_key_from_hex(const char *hex, uint8_t key[WZ_SEAL_KEY_BYTES]);
/** Seals len bytes into out, which holds len + WZ_SEAL_OVERHEAD bytes. */
void wz_seal(const uint8_t key[WZ_SEAL_KEY_BYTES], const void *plain, size_t len, uint8_t *out);
/** Opens a sealed box of len bytes into out (len - WZ_SEAL_OVERHEAD bytes); -1 if forged or
 * sealed with another key. */
int wz_unseal(const uint8_t key[WZ_SEAL_KEY_BYTES], const uint8_t *sealed, size_t len, void *out);

#endif
