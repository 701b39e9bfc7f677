#ifndef WZ_CHANNELS_OUTBOX_H
#define WZ_CHANNELS_OUTBOX_H
/* The outbox sender: delivers the rows of `outbox` (acknowledgements, replies, requests for
 * information) to the citizen through the channel the ticket came by, after the transaction
 * that wrote them has committed. One engine per process, on worker 0's loop, like the SLA
 * timers; every HTTP call goes through the loop's libcurl multi client, so nothing blocks.
 *
 * Claims are committed state changes, not row locks (Galera's locks are node-local): an
 * autocommit UPDATE ... SET attempts = attempts + 1, next_attempt_at = now + lease WHERE id = ?
 * AND sent_at IS NULL AND dead = 0 AND next_attempt_at <= now; one affected row means the row
 * is ours until the lease ends. The result is then committed: sent_at (and delivered_via), or a
 * retry at now + backoff with last_error, or dead = 1 after max_attempts or a permanent refusal.
 * A result is written only while the claim is still ours (attempts unchanged), except a success.
 * Delivery is at least once: a crash between the platform's answer and our commit sends the row
 * again after the lease; hooks get X-Wz-Delivery: <outbox id> to drop the duplicate.
 * See docs/channels.md, "Outbound replies and the outbox". */
#include "db/db.h"
#include "net/http_client.h"
#include <stdatomic.h>
#include <stdint.h>
#include <uv.h>

typedef struct wz_outbox wz_outbox_t;

/* Counters owned by the caller (read by /metrics from any thread). */
typedef struct {
    _Atomic uint64_t sent, retried, dead, parked;
} wz_outbox_counters_t;

typedef struct {
    unsigned poll_ms;      /* longest sleep: how soon rows written by other processes are seen */
    unsigned batch;        /* rows in flight at once */
    unsigned max_attempts; /* deliveries tried before a row is dead */
    uint64_t backoff_ms, backoff_max_ms;
    long hook_timeout_ms, wechat_timeout_ms; /* one HTTP call */
    /* borrowed; they outlive the engine (the configuration and the server's seal key) */
    const char *wechat_api_base, *miniprogram_appid, *miniprogram_secret;
    const char *miniprogram_template_id, *miniprogram_page;          /* "" = none */
    const char *weibo_api_base, *douyin_api_base, *toutiao_api_base; /* hook_timeout_ms applies */
    const uint8_t *seal_key;
    wz_outbox_counters_t *counters; /* NULL: the engine's own */
} wz_outbox_options_t;

/** Starts the engine on the loop (pool and http belong to that loop); a first batch runs at once. */
wz_outbox_t *wz_outbox_start(uv_loop_t *loop, wz_db_pool_t *pool, wz_http_client_t *http,
                             const wz_outbox_options_t *opts);
/** Stops: nothing new is claimed; deliveries in flight end (closing the HTTP client and the pool
 * ends them at once; their rows are sent again when the lease passes). on_stopped runs once
 * nothing refers to the engine any more, and the engine is freed. */
void wz_outbox_stop(wz_outbox_t *ob, void (*on_stopped)(void *), void *data);

#endif
