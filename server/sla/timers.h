#ifndef WZ_SLA_TIMERS_H
#define WZ_SLA_TIMERS_H
/* The SLA timer engine: fires the rows of sla_timers whose fire_at has passed.
 *
 * One engine per process, on one event loop. It claims due rows with
 * SELECT ... FOR UPDATE SKIP LOCKED, so several server processes sharing a database never fire
 * a timer twice, and because timers are rows a restart loses none. Each batch is one
 * transaction: the ticket change, its ticket_events row, any outbox row, and the deletion of
 * the fired timer commit together or not at all.
 *
 * Effects (a timer whose ticket has moved on, e.g. a sign timer on a signed ticket, is just
 * deleted):
 *   *_warn       light green -> yellow, event sla_warning
 *   *_breach     light -> red, supervised, event sla_breach, outbox "escalation"
 *   auto_close   replied ticket without a rating -> closed (reason no_rating), event close
 *   info_timeout waiting_citizen ticket unanswered -> closed (reason no_information), event close */
#include "db/db.h"
#include <stdatomic.h>
#include <stdint.h>
#include <uv.h>

typedef struct wz_sla_timers wz_sla_timers_t;

/* Counters owned by the caller, so they outlive the engine and any thread may read them. */
typedef struct {
    _Atomic uint64_t fired, discarded, batches_failed;
} wz_sla_counters_t;

typedef struct {
    unsigned poll_ms; /* longest sleep: also how soon timers added by other processes are seen */
    unsigned batch;   /* timers claimed per transaction */
    wz_sla_counters_t *counters;
} wz_sla_timers_options_t;

/** Starts the engine on the loop; it runs a first batch at once (timers that fell due while
 * no server was running). */
wz_sla_timers_t *wz_sla_timers_start(uv_loop_t *loop, wz_db_pool_t *pool, const wz_sla_timers_options_t *opts);
/** Stops: no new batch starts; a running batch ends (the pool fails it if closing). on_stopped
 * runs once nothing refers to the engine any more, and the engine is freed. */
void wz_sla_timers_stop(wz_sla_timers_t *t, void (*on_stopped)(void *), void *data);

#endif
