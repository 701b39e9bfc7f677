#include "common/periodic.h"
#include <stdlib.h>

struct wz_periodic {
    uv_timer_t timer;
    wz_periodic_fn fn;
    void *data;
    int busy, stopping, closed;
};

static void maybe_free(wz_periodic_t *p)
{
    if (p->stopping && p->closed && !p->busy)
        free(p);
}

static void on_tick(uv_timer_t *t)
{
    wz_periodic_t *p = t->data;
    if (p->busy || p->stopping)
        return;
    p->busy = 1;
    p->fn(p, p->data);
}

void wz_periodic_done(wz_periodic_t *p)
{
    p->busy = 0;
    maybe_free(p);
}

static void on_closed(uv_handle_t *h)
{
    wz_periodic_t *p = h->data;
    p->closed = 1;
    maybe_free(p);
}

wz_periodic_t *wz_periodic_start(uv_loop_t *loop, unsigned interval_ms, wz_periodic_fn fn, void *data)
{
    wz_periodic_t *p = calloc(1, sizeof(*p));
    if (p == NULL)
        abort();
    p->fn = fn;
    p->data = data;
    uv_timer_init(loop, &p->timer);
    p->timer.data = p;
    uv_timer_start(&p->timer, on_tick, 0, interval_ms); /* a first run as soon as the loop runs */
    uv_unref((uv_handle_t *)&p->timer);                 /* never what keeps a loop alive */
    return p;
}

void wz_periodic_stop(wz_periodic_t *p)
{
    p->stopping = 1;
    uv_timer_stop(&p->timer);
    uv_close((uv_handle_t *)&p->timer, on_closed);
}

int wz_periodic_stopping(const wz_periodic_t *p)
{
    return p->stopping;
}

int wz_periodic_busy(const wz_periodic_t *p)
{
    return p->busy;
}
