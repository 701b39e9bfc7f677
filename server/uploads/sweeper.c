/* The unattached-upload sweeper (uploads/sweeper.h). */
#include "uploads/sweeper.h"
#include "common/log.h"
#include "common/periodic.h"
#include "db/txn.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SWEEP_BATCH 200

struct wz_upload_sweeper {
    wz_periodic_t *periodic;
    uv_loop_t *loop;
    wz_db_pool_t *pool;
    char dir[1024];
    unsigned max_age_s;
    uv_work_t work;
    int64_t ids[SWEEP_BATCH];
    size_t n;
    unsigned removed; /* files, this sweep */
    int ticks;
};

static void finish(wz_upload_sweeper_t *s)
{
    wz_periodic_t *p = s->periodic;
    int stopping = wz_periodic_stopping(p);
    wz_periodic_done(p);
    if (stopping)
        free(s);
}

/* the thread pool: the deleted rows' files, then temporary files older than the age */
static void remove_files(uv_work_t *w)
{
    wz_upload_sweeper_t *s = w->data;
    char path[1400];
    s->removed = 0;
    for (size_t i = 0; i < s->n; i++) {
        snprintf(path, sizeof(path), "%s/%lld", s->dir, (long long)s->ids[i]);
        if (unlink(path) == 0)
            s->removed++;
    }
    DIR *d = opendir(s->dir);
    if (d == NULL)
        return;
    time_t cutoff = time(NULL) - (time_t)s->max_age_s;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (strncmp(e->d_name, "tmp-", 4) != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", s->dir, e->d_name);
        if (stat(path, &st) == 0 && st.st_mtime < cutoff && unlink(path) == 0)
            s->removed++;
    }
    closedir(d);
}

static void removed(uv_work_t *w, int status)
{
    wz_upload_sweeper_t *s = w->data;
    if (status == 0 && s->removed > 0)
        wz_info("uploads: removed %u files no message used", s->removed);
    finish(s);
}

static void on_done(void *data, const wz_db_error_t *err)
{
    wz_upload_sweeper_t *s = data;
    if (err != NULL) {
        wz_warn("uploads: sweeping failed: %s", err->message);
        s->n = 0; /* the rows are still there: the next sweep tries again */
    }
    s->work.data = s;
    if (uv_queue_work(s->loop, &s->work, remove_files, removed) != 0)
        finish(s);
}

static void deleted(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    wz_db_txn_commit(txn);
}

static void locked(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_upload_sweeper_t *s = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    s->n = 0;
    for (size_t r = 0; r < res->nrows && s->n < SWEEP_BATCH; r++)
        s->ids[s->n++] = wz_db_cell_int(res, r, 0);
    if (s->n == 0) {
        wz_db_txn_commit(txn);
        return;
    }
    char sql[64 + SWEEP_BATCH * 3] = "DELETE FROM uploads WHERE id IN (?";
    size_t w = strlen(sql);
    for (size_t i = 1; i < s->n; i++)
        w += (size_t)snprintf(sql + w, sizeof(sql) - w, ",?");
    snprintf(sql + w, sizeof(sql) - w, ")");
    wz_db_value_t p[SWEEP_BATCH];
    for (size_t i = 0; i < s->n; i++)
        p[i] = WZ_DB_INT(s->ids[i]);
    wz_db_txn_exec(txn, sql, p, s->n, deleted);
}

static void first(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    wz_upload_sweeper_t *s = wz_db_txn_data(txn);
    wz_db_value_t p[] = {WZ_DB_INT(s->max_age_s), WZ_DB_INT(SWEEP_BATCH)};
    wz_db_txn_exec(txn,
                   "SELECT id FROM uploads WHERE ticket_id IS NULL AND created_at < UTC_TIMESTAMP(6) - INTERVAL ? "
                   "SECOND ORDER BY ticket_id, created_at LIMIT ? FOR UPDATE",
                   p, 2, locked);
}

static void tick(wz_periodic_t *p, void *data)
{
    (void)p;
    wz_upload_sweeper_t *s = data;
    s->n = 0;
    if (s->ticks++ ==
        0) { /* the periodic runs at once; nothing is a day old at start-up that was not at the last sweep */
        finish(s);
        return;
    }
    if (wz_db_txn_begin_read_committed(s->pool, first, on_done, s) != WZ_DB_OK)
        finish(s); /* database away or busy: the next tick */
}

wz_upload_sweeper_t *wz_upload_sweeper_start(uv_loop_t *loop, wz_db_pool_t *pool, const char *data_dir,
                                             unsigned max_age_s, unsigned interval_ms)
{
    wz_upload_sweeper_t *s = calloc(1, sizeof(*s));
    if (s == NULL)
        abort();
    s->loop = loop;
    s->pool = pool;
    s->max_age_s = max_age_s;
    snprintf(s->dir, sizeof(s->dir), "%s/uploads", data_dir);
    s->periodic = wz_periodic_start(loop, interval_ms, tick, s);
    return s;
}

void wz_upload_sweeper_stop(wz_upload_sweeper_t *s)
{
    wz_periodic_t *p = s->periodic;
    wz_periodic_stop(p);
    if (!wz_periodic_busy(p))
        free(s);
}
