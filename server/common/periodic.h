#ifndef WZ_COMMON_PERIODIC_H
#define WZ_COMMON_PERIODIC_H
/* A job that runs every interval on a loop and may take a while (an asynchronous reload): a tick
 * that comes while the previous run has not finished is skipped, and stopping waits for a run in
 * flight before freeing anything. */
#include <uv.h>

typedef struct wz_periodic wz_periodic_t;
/** Starts a run; the run calls wz_periodic_done(p) exactly once when it has finished (maybe at
 * once). */
typedef void (*wz_periodic_fn)(wz_periodic_t *p, void *data);

/** Runs fn as soon as the loop runs, then every interval_ms. */
wz_periodic_t *wz_periodic_start(uv_loop_t *loop, unsigned interval_ms, wz_periodic_fn fn, void *data);
void wz_periodic_done(wz_periodic_t *p);
/** No new runs; frees itself once a run in flight is done. */
void wz_periodic_stop(wz_periodic_t *p);
/** Whether stop was called (a run in flight may skip its work). */
int wz_periodic_stopping(const wz_periodic_t *p);
/** Whether a run is in flight (its owner frees its own state after the run, not at stop). */
int wz_periodic_busy(const wz_periodic_t *p);

#endif
