#ifndef WZ_STATS_REFRESH_H
#define WZ_STATS_REFRESH_H
/* The statistics catch-up job (docs/metrics.md, "How the numbers are kept"): every refresh_ms it
 * takes a batch of tickets marked in stats_dirty (FOR UPDATE SKIP LOCKED: a ticket whose change
 * is still committing waits for the next round), recomputes their facts (stats/facts.h) from the
 * ticket, its moves and its latest rating, applies old-minus-new to stats_rollup and
 * stats_reply_hist, replaces the facts and deletes the marks, all in one transaction. A full
 * batch runs the next one at once. One job per process, on worker 0's loop. */
#include "db/db.h"
#include "sla/calendar_store.h"
#include <stdatomic.h>
#include <stdint.h>
#include <uv.h>

typedef struct wz_stats_refresh wz_stats_refresh_t;

typedef struct {
    _Atomic uint64_t tickets, batches_failed;
} wz_stats_counters_t;

typedef struct {
    unsigned refresh_ms; /* longest sleep between batches */
    unsigned batch;      /* tickets per transaction */
    wz_calendar_store_t *calendar;
    wz_stats_counters_t *counters; /* NULL: the job's own */
} wz_stats_refresh_options_t;

/** Starts the job on the loop; a first batch runs at once. */
wz_stats_refresh_t *wz_stats_refresh_start(uv_loop_t *loop, wz_db_pool_t *pool, const wz_stats_refresh_options_t *o);
/** Stops it; a batch in flight ends (the pool fails it when closing) and the job frees itself. */
void wz_stats_refresh_stop(wz_stats_refresh_t *r);

#endif
