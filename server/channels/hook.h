#ifndef WZ_CHANNELS_HOOK_H
#define WZ_CHANNELS_HOOK_H
/* The generic signed webhook (/channels/hook/{account_id}): the 12345 hotline's handoff, the
 * units' own apps and any other system post a citizen's message as JSON, signed with the
 * account's `hmac_secret`:
 *
 *   X-Wz-Timestamp: 1763888400                 (Unix seconds, within 5 minutes of ours)
 *   X-Wz-Signature: hex(HMAC-SHA256(hmac_secret, timestamp + "." + body))
 *   {"external_id": "12345-20261123-0042", "type": "complaint", "content": "...", "title"?,
 *    "contact_name"?, "contact_phone"?, "region"?, "unit_id"?, "category_id"?}
 *
 * A delivery is idempotent on external_id (per account): a retry, or a replay of a captured
 * request inside the window, returns the ticket the first one made and creates nothing. Pure
 * parsing and checking; http/channel_hook.c does the I/O. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define WZ_HOOK_WINDOW_S 300
#define WZ_HOOK_EXTERNAL_ID_MAX 128

/** Reads the timestamp header: 1..12 decimal digits. 0, or -1. */
int wz_hook_timestamp_parse(const char *s, size_t len, int64_t *ts);
/** Whether ts is within WZ_HOOK_WINDOW_S of now (either side). */
int wz_hook_timestamp_fresh(int64_t ts, int64_t now);
/** Whether sig_hex (64 hex digits, either case) is the HMAC-SHA256 of ts "." body under the
 * secret; compared in constant time. */
int wz_hook_signature_valid(const char *secret, size_t secret_len, const char *ts, size_t ts_len, const char *body,
                            size_t body_len, const char *sig_hex, size_t sig_len);
/** The signature a sender computes (lowercase hex and a NUL): for tests and the docs' examples. */
void wz_hook_sign(const char *secret, size_t secret_len, const char *ts, size_t ts_len, const char *body,
                  size_t body_len, char out[65]);

/** A delivered message, pointing into the JSON document it came from. */
typedef struct wz_hook_message {
    const char *external_id, *type, *title, *content, *contact_name, *contact_phone, *region;
    int64_t unit_id, category_id; /* 0 = none */
} wz_hook_message_t;

/** Checks a body (strict: unknown fields are refused). 0, or -1 with the field (NULL for the whole
 * body) and a message. */
int wz_hook_message_parse(const json_t *body, wz_hook_message_t *out, const char **field, char *err, size_t errlen);

#endif
