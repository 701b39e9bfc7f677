#include "sla/calendar_store.h"
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>

/* The reference count sits in front of the calendar readers see. */
typedef struct {
    atomic_int refs;
    wz_calendar_t cal;
} counted_t;

static counted_t *counted_of(const wz_calendar_t *cal)
{
    return (counted_t *)(void *)((char *)(uintptr_t)cal - offsetof(counted_t, cal));
}

wz_calendar_t *wz_calendar_new(void)
{
    counted_t *c = calloc(1, sizeof(*c));
    if (c == NULL)
        abort();
    atomic_init(&c->refs, 1);
    wz_cal_init(&c->cal);
    return &c->cal;
}

void wz_calendar_release(const wz_calendar_t *cal)
{
    if (cal == NULL)
        return;
    counted_t *c = counted_of(cal);
    if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) == 1) {
        wz_cal_free(&c->cal);
        free(c);
    }
}

void wz_calendar_store_init(wz_calendar_store_t *store)
{
    pthread_mutex_init(&store->lock, NULL);
    store->current = wz_calendar_new();
    store->revision = -1;
}

void wz_calendar_store_destroy(wz_calendar_store_t *store)
{
    wz_calendar_release(store->current);
    store->current = NULL;
    pthread_mutex_destroy(&store->lock);
}

const wz_calendar_t *wz_calendar_acquire(wz_calendar_store_t *store)
{
    /* the lock makes "read the pointer, count the reference" one step against a replace */
    pthread_mutex_lock(&store->lock);
    wz_calendar_t *cal = store->current;
    atomic_fetch_add_explicit(&counted_of(cal)->refs, 1, memory_order_relaxed);
    pthread_mutex_unlock(&store->lock);
    return cal;
}

int wz_calendar_store_replace(wz_calendar_store_t *store, wz_calendar_t *cal, long long revision)
{
    pthread_mutex_lock(&store->lock);
    wz_calendar_t *old = NULL;
    int installed = revision > store->revision;
    if (installed) {
        old = store->current;
        store->current = cal;
        store->revision = revision;
    }
    pthread_mutex_unlock(&store->lock);
    wz_calendar_release(installed ? old : cal);
    return installed;
}

long long wz_calendar_store_revision(wz_calendar_store_t *store)
{
    pthread_mutex_lock(&store->lock);
    long long r = store->revision;
    pthread_mutex_unlock(&store->lock);
    return r;
}
