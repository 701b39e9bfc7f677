#ifndef WZ_SLA_CALENDAR_STORE_H
#define WZ_SLA_CALENDAR_STORE_H
/* The working calendar every loop reads, replaceable while the server runs.
 *
 * Admins change the calendar (a holiday, a make-up day, the working hours) through the API, and
 * other servers on the same database may change it too, so the process-wide calendar is swapped
 * for a freshly loaded one now and then. A request that computes deadlines takes a reference for
 * as long as it runs (its transaction may be retried, and every attempt must see the same
 * calendar); the old calendar is freed when its last reader lets go. Safe from any thread. */
#include "sla/calendar.h"
#include <pthread.h>

typedef struct wz_calendar_store {
    pthread_mutex_t lock;
    wz_calendar_t *current; /* holds one reference of its own */
    long long revision;     /* config_revisions.revision it was loaded at; -1 = none yet */
} wz_calendar_store_t;

/** Starts empty: wz_calendar_acquire returns the built-in default calendar until a replace. */
void wz_calendar_store_init(wz_calendar_store_t *store);
/** Drops the store's reference (readers still holding one keep theirs). */
void wz_calendar_store_destroy(wz_calendar_store_t *store);

/** A new calendar with the defaults (wz_cal_init) and one reference, to fill and hand over. */
wz_calendar_t *wz_calendar_new(void);
/** The current calendar, with a reference the caller gives back with wz_calendar_release. */
const wz_calendar_t *wz_calendar_acquire(wz_calendar_store_t *store);
/** Gives back a reference; the last one frees the calendar. NULL is ignored. */
void wz_calendar_release(const wz_calendar_t *cal);
/** Installs cal (taking over the caller's reference) when revision is newer than the store's;
 * otherwise releases it. Returns 1 if installed. */
int wz_calendar_store_replace(wz_calendar_store_t *store, wz_calendar_t *cal, long long revision);
/** The revision of the current calendar (-1 before the first load). */
long long wz_calendar_store_revision(wz_calendar_store_t *store);

#endif
