#ifndef WZ_AUTH_PASSWORD_H
#define WZ_AUTH_PASSWORD_H
#include <stddef.h>
/* argon2id through libsodium. Hashing costs ~0.2 s and 64 MiB: callers on an event loop must
 * run it in uv_queue_work; start-up and CLI code call it directly. */

#define WZ_PASSWORD_HASH_MAX 128 /* crypto_pwhash_STRBYTES */

/** Hashes a password into out (NUL-terminated); 0 or -1 (out of memory). */
int wz_password_hash(const char *password, char out[WZ_PASSWORD_HASH_MAX]);
/** Why a password a user chooses is refused, or NULL: at least WZ_PASSWORD_MIN_CHARS characters,
 * at most 1024 bytes, and not containing the username (ignoring ASCII case). */
const char *wz_password_weak(const char *password, const char *username);
#define WZ_PASSWORD_MIN_CHARS 10
/** 0 if the password matches the stored hash, -1 if not. */
int wz_password_verify(const char *hash, const char *password);

#endif
