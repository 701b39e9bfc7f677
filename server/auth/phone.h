#ifndef WZ_AUTH_PHONE_H
#define WZ_AUTH_PHONE_H
/* The web message board's sign-in by mobile phone and one-time code (pure parts).
 *
 * A number is a mainland mobile number: 11 digits starting 13-19, written with or without +86 /
 * 86 / 0086 and with spaces or dashes. The database keeps keyed hashes only (BLAKE2b with the
 * server's secret_key), so a leaked table does not list citizens' numbers. */
#include <stddef.h>
#include <stdint.h>

#define WZ_PHONE_DIGITS 11
#define WZ_PHONE_HASH_LEN 32
#define WZ_PHONE_CODE_DIGITS 6
#define WZ_PHONE_CODE_TTL_S 300
#define WZ_PHONE_CODE_TRIES 5
#define WZ_PHONE_RESEND_S 60    /* one code per number per minute */
#define WZ_PHONE_PER_DAY 10     /* codes per number per day */
#define WZ_PHONE_PER_ADDRESS 20 /* codes per client address per hour */

/** Writes the canonical 11 digits and a NUL into out; 0, or -1 if it is not a mobile number. */
int wz_phone_normalize(const char *in, size_t len, char out[WZ_PHONE_DIGITS + 1]);
/** "138****5678" for display. */
void wz_phone_mask(const char phone[WZ_PHONE_DIGITS + 1], char out[WZ_PHONE_DIGITS + 1]);
/** The keyed hash of a canonical number. */
void wz_phone_hash(const uint8_t key[32], const char *phone, uint8_t out[WZ_PHONE_HASH_LEN]);
/** The keyed hash of a code for a number (a code is worth nothing for another number). */
void wz_phone_code_hash(const uint8_t key[32], const char *phone, const char *code, uint8_t out[WZ_PHONE_HASH_LEN]);
/** A uniformly random code of WZ_PHONE_CODE_DIGITS digits and a NUL. */
void wz_phone_code_new(char out[WZ_PHONE_CODE_DIGITS + 1]);
/** Whether a presented code has the right form (exactly 6 digits). */
int wz_phone_code_valid(const char *code, size_t len);

#endif
