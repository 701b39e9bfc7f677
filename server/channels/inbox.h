#ifndef WZ_CHANNELS_INBOX_H
#define WZ_CHANNELS_INBOX_H
/* The channel inbox (schema/008_channel_inbox.sql): where every verified platform push is
 * committed before the platform gets its answer, and from where it becomes
 *   a MESSAGE  -> a follow-up of the sender's open ticket on that account, when their last
 *                 message on it is within channels.follow_up_window_s; else a new ticket
 *                 (the intake: routing, deadlines, the acknowledgement);
 *   a POST     -> the account's last_post_at (account health);
 *   an IGNORE  -> recorded, nothing else.
 * The platform user becomes a citizen (citizens.appid = "acct:<account id>", openid = the
 * platform's id), so a ticket has its citizen and outbound replies know whom to answer.
 *
 * Every step is idempotent, so a row processed twice (a crash after the work and before the
 * row's update, two servers racing) does nothing twice: the intake deduplicates by
 * (account, external id), a follow-up by (ticket, external id), and a claim is a committed
 * lease (a row lock would be node-local on Galera). A sender's messages are processed in the
 * order they arrived: a row waits while an earlier row of the same sender is unprocessed, and
 * finishing a row starts the sender's next one. (Only committed rows are seen: two messages of
 * one sender committed within the same few milliseconds on two loops may both open a ticket.) Rows that fail are retried with backoff and,
 * after channels.inbox_max_attempts, set aside as failed (outcome 'failed', last_error). */
#include "channels/inbound.h"
#include "db/db.h"
#include "sla/calendar_store.h"
#include <stdint.h>
#include <uv.h>

typedef struct wz_inbox_env {
    wz_db_pool_t *pool;
    wz_calendar_store_t *calendar;
    const uint8_t *seal_key; /* 32 bytes: seals contact data in the intake */
    unsigned follow_up_window_s, lease_s, max_attempts;
} wz_inbox_env_t;

/** Called once the row is committed (row id; duplicate = this delivery was stored before). */
typedef void (*wz_inbox_put_cb)(void *data, int64_t row_id, int duplicate, const wz_db_error_t *err);

/** Stores a parsed push for the account. Returns 0, or a WZ_DB_E* code when no connection can
 * be had at once (cb is then not called). */
int wz_inbox_put(wz_db_pool_t *pool, int64_t account_id, const wz_inbound_t *m, wz_inbox_put_cb cb, void *data);

/** Processes one row in the background on env's loop (nothing to wait for: the outcome is in
 * the row). env must outlive the work; a closing pool ends it, and the sweeper retries later. */
void wz_inbox_process(const wz_inbox_env_t *env, int64_t row_id);

typedef struct wz_inbox_sweeper wz_inbox_sweeper_t;
/** Every poll_ms, processes rows left unprocessed (a crash, a failure's retry becoming due). */
wz_inbox_sweeper_t *wz_inbox_sweeper_start(uv_loop_t *loop, const wz_inbox_env_t *env, unsigned poll_ms);
void wz_inbox_sweeper_stop(wz_inbox_sweeper_t *s);

/** The payload stored for a parsed push (JSON text, malloc'd): what processing reads back. */
char *wz_inbox_payload(const wz_inbound_t *m);

#endif
