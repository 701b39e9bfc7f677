#ifndef WZ_AUTH_SESSION_H
#define WZ_AUTH_SESSION_H
/* Sessions: refresh tokens and login throttling (pure; http/auth.c stores them).
 *
 * A refresh token is 32 random bytes as unpadded base64url (43 characters), handed to the
 * client once. The database keeps only its SHA-256, so a leaked table yields no usable token.
 *
 * Throttling counts failed logins per username and per client address. For a username the
 * first 4 cost nothing; from the 5th each failure locks it for a growing time (30 s, doubling),
 * and from the 20th for WZ_LOGIN_LOCK_MAX_S. An address (a whole office may sit behind one) gets
 * five times the allowance. Success clears the username's count; counts older than a day
 * start again. */
#include <stddef.h>
#include <stdint.h>

#define WZ_REFRESH_TOKEN_LEN 43
#define WZ_REFRESH_HASH_LEN 32
#define WZ_LOGIN_FREE_FAILURES 4
#define WZ_LOGIN_HARD_FAILURES 20
#define WZ_LOGIN_ADDRESS_FACTOR 5
#define WZ_LOGIN_LOCK_MAX_S 900

/** A new refresh token (NUL-terminated) and its hash. */
void wz_refresh_new(char token[WZ_REFRESH_TOKEN_LEN + 1], uint8_t hash[WZ_REFRESH_HASH_LEN]);
/** The hash of a presented token; -1 if it is not one (wrong length or alphabet). */
int wz_refresh_hash(const char *token, size_t len, uint8_t hash[WZ_REFRESH_HASH_LEN]);
/** How long a username (per_address 0) or an address (1) stays locked after its n-th failure
 * (0 = not locked). */
int wz_login_lock_seconds(unsigned failures, int per_address);
/** A random token id (jti): 22 base64url characters and a NUL. */
void wz_token_id(char out[23]);

#endif
