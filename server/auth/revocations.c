#include "auth/revocations.h"
#include "common/log.h"
#include "common/periodic.h"
#include <stdlib.h>
#include <string.h>

struct wz_revocation_list {
    size_t n;
    wz_revocation_t items[]; /* sorted by (citizen, id) */
};

static const char sql_load[] =
    "SELECT CAST(id AS SIGNED), 0, disabled, CAST(COALESCE(FLOOR(UNIX_TIMESTAMP(sessions_revoked_at)), 0) AS SIGNED) "
    "FROM users WHERE disabled = 1 OR sessions_revoked_at > UTC_TIMESTAMP(6) - INTERVAL ? SECOND "
    "UNION ALL "
    "SELECT CAST(id AS SIGNED), 1, disabled, CAST(COALESCE(FLOOR(UNIX_TIMESTAMP(sessions_revoked_at)), 0) AS SIGNED) "
    "FROM citizens WHERE disabled = 1 OR sessions_revoked_at > UTC_TIMESTAMP(6) - INTERVAL ? SECOND";

static int cmp(const void *a, const void *b)
{
    const wz_revocation_t *x = a, *y = b;
    if (x->citizen != y->citizen)
        return x->citizen < y->citizen ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

void wz_revocations_init(wz_revocations_t *r)
{
    pthread_mutex_init(&r->lock, NULL);
    r->current = NULL;
}

void wz_revocations_destroy(wz_revocations_t *r)
{
    free(r->current);
    r->current = NULL;
    pthread_mutex_destroy(&r->lock);
}

void wz_revocations_set(wz_revocations_t *r, const wz_revocation_t *entries, size_t n)
{
    wz_revocation_list_t *l = malloc(sizeof(*l) + n * sizeof(l->items[0]));
    if (l == NULL)
        abort();
    l->n = n;
    if (n > 0)
        memcpy(l->items, entries, n * sizeof(l->items[0]));
    qsort(l->items, n, sizeof(l->items[0]), cmp);
    pthread_mutex_lock(&r->lock);
    wz_revocation_list_t *old = r->current;
    r->current = l;
    pthread_mutex_unlock(&r->lock);
    free(old); /* readers look only while holding the lock */
}

int wz_revocations_refuse(wz_revocations_t *r, const wz_identity_t *who)
{
    if (who->role == WZ_ROLE_SYSTEM || (unsigned)who->role >= WZ_ROLE__COUNT)
        return 0;
    wz_revocation_t key = {.id = who->id, .citizen = who->role == WZ_ROLE_CITIZEN};
    int refuse = 0;
    pthread_mutex_lock(&r->lock);
    if (r->current != NULL && r->current->n > 0) {
        const wz_revocation_t *e = bsearch(&key, r->current->items, r->current->n, sizeof(key), cmp);
        /* to the second: a token issued in the second of the revocation survives, so that a
         * sign-in right after a new password is not refused */
        refuse = e != NULL && (e->disabled || (e->revoked_at > 0 && who->issued < e->revoked_at));
    }
    pthread_mutex_unlock(&r->lock);
    return refuse;
}

size_t wz_revocations_count(wz_revocations_t *r)
{
    pthread_mutex_lock(&r->lock);
    size_t n = r->current ? r->current->n : 0;
    pthread_mutex_unlock(&r->lock);
    return n;
}

/* ---- reloading ---- */

typedef struct {
    wz_revocations_t *r;
    void (*cb)(void *);
    void *data;
} reload_t;

static void on_loaded(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    reload_t *j = data;
    if (err != NULL) {
        wz_warn("revocations reload failed: %s", err->message[0] ? err->message : wz_db_strerror(err->code));
    } else {
        wz_revocation_t *e = calloc(res->nrows ? res->nrows : 1, sizeof(*e));
        if (e == NULL)
            abort();
        for (size_t i = 0; i < res->nrows; i++) {
            e[i].id = wz_db_cell_int(res, i, 0);
            e[i].citizen = wz_db_cell_int(res, i, 1) != 0;
            e[i].disabled = wz_db_cell_int(res, i, 2) != 0;
            e[i].revoked_at = wz_db_cell_int(res, i, 3);
        }
        wz_revocations_set(j->r, e, res->nrows);
        free(e);
    }
    if (j->cb != NULL)
        j->cb(j->data);
    free(j);
}

int wz_revocations_reload(wz_db_pool_t *pool, wz_revocations_t *r, int access_ttl_s, void (*cb)(void *), void *data)
{
    reload_t *j = malloc(sizeof(*j));
    if (j == NULL)
        abort();
    *j = (reload_t){r, cb, data};
    /* a revocation older than the longest-lived token (plus the clock skew allowed) matters no more */
    long long window = (long long)access_ttl_s + 2 * WZ_TOKEN_LEEWAY;
    wz_db_value_t p[] = {WZ_DB_INT(window), WZ_DB_INT(window)};
    int ret = wz_db_run(pool, sql_load, p, 2, on_loaded, j);
    if (ret != WZ_DB_OK)
        free(j);
    return ret;
}

struct wz_revocations_refresher {
    wz_periodic_t *periodic;
    wz_db_pool_t *pool;
    wz_revocations_t *r;
    int ttl;
};

static void on_reloaded(void *data)
{
    wz_revocations_refresher_t *f = data;
    wz_periodic_t *p = f->periodic;
    if (wz_periodic_stopping(p))
        free(f);
    wz_periodic_done(p);
}

static void reload_tick(wz_periodic_t *p, void *data)
{
    (void)p;
    wz_revocations_refresher_t *f = data;
    if (wz_revocations_reload(f->pool, f->r, f->ttl, on_reloaded, f) != WZ_DB_OK)
        on_reloaded(f); /* database away or busy: the next tick tries again */
}

wz_revocations_refresher_t *wz_revocations_refresher_start(uv_loop_t *loop, wz_db_pool_t *pool, wz_revocations_t *r,
                                                           int access_ttl_s, unsigned interval_ms)
{
    wz_revocations_refresher_t *f = calloc(1, sizeof(*f));
    if (f == NULL)
        abort();
    f->pool = pool;
    f->r = r;
    f->ttl = access_ttl_s;
    f->periodic = wz_periodic_start(loop, interval_ms, reload_tick, f);
    return f;
}

void wz_revocations_refresher_stop(wz_revocations_refresher_t *f)
{
    wz_periodic_t *p = f->periodic;
    wz_periodic_stop(p);
    if (!wz_periodic_busy(p))
        free(f);
}
