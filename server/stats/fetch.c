/* Running the statistics' statements (stats/fetch.h): the units when the answer needs them
 * (names, paths, the scope check of unit_id), then the parts wz_stats_plan names (counts and
 * histograms at the coarsest grain that answers), each one asynchronous statement whose rows
 * are added to the answer as they arrive (stats/result.c). The answer's document is built in
 * libuv's thread pool: a quarter by unit is a few thousand JSON values, about a millisecond of
 * CPU that would otherwise hold up every other request on the loop, and the pool spreads the
 * answers over the cores whichever loop their connections landed on. */
#include "stats/fetch.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    wz_db_pool_t *pool;
    wz_stats_params_t p;
    wz_identity_t who;
    wz_stats_fetch_cb cb;
    void *data;
    wz_stats_units_t *units;
    char unit_path[WZ_UNIT_PATH_MAX];
    wz_stats_part_t parts[WZ_STATS_PARTS_MAX];
    size_t nparts, next;
    wz_stats_asm_t *asm_; /* the answer, fed by each part's rows as they arrive */
    wz_stats_stmt_t st;   /* the statement being run (wz_db_run copies its text and parameters) */
    uv_work_t work;       /* building the document off the loop */
    json_t *doc;          /* the built document (work -> done) */
} job_t;

static void finish(job_t *j, json_t *doc, const wz_db_error_t *err)
{
    j->cb(j->data, doc, err);
    json_decref(doc);
    wz_stats_units_free(j->units);
    free(j);
}

static void fail(job_t *j, const wz_db_error_t *err)
{
    if (j->asm_ != NULL)
        json_decref(wz_stats_asm_finish(j->asm_));
    finish(j, NULL, err);
}

static void run_part(job_t *j);

/* in the thread pool: nothing else touches j until built() */
static void build(uv_work_t *w)
{
    job_t *j = w->data;
    j->doc = wz_stats_asm_finish(j->asm_);
    j->asm_ = NULL;
}

static void built(uv_work_t *w, int status)
{
    job_t *j = w->data;
    if (status != 0) { /* cancelled before it ran (shutting down) */
        wz_db_error_t e = {.code = WZ_DB_ECLOSED};
        fail(j, &e);
        return;
    }
    finish(j, j->doc, NULL);
}

static void on_part(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    job_t *j = data;
    if (err != NULL) {
        fail(j, err);
        return;
    }
    wz_stats_asm_add(j->asm_, res, wz_stats_part_rows(&j->parts[j->next - 1]));
    if (j->next == j->nparts) {
        j->work.data = j;
        if (uv_queue_work(wz_db_pool_loop(j->pool), &j->work, build, built) != 0) {
            build(&j->work); /* it only fails for a missing callback: on the loop, then */
            built(&j->work, 0);
        }
        return;
    }
    run_part(j);
}

static void run_part(job_t *j)
{
    const wz_stats_part_t *part = &j->parts[j->next++];
    wz_stats_build_part(&j->p, &j->who, j->p.unit_id > 0 ? j->unit_path : NULL, part, &j->st);
    int ret = wz_db_run(j->pool, j->st.sql, j->st.p, j->st.np, on_part, j);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        fail(j, &e);
    }
}

static void start_parts(job_t *j)
{
    j->nparts = wz_stats_plan(&j->p, &j->who, j->parts);
    j->asm_ = wz_stats_asm_new(&j->p, &j->who, j->units);
    run_part(j);
}

static void on_units(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    job_t *j = data;
    if (err != NULL) {
        finish(j, NULL, err);
        return;
    }
    j->units = wz_stats_units_new(res);
    if (j->p.unit_id > 0) {
        const char *path = wz_stats_units_path(j->units, &j->who, j->p.unit_id);
        if (path == NULL) { /* no such unit, or outside the scope: both 404, as for tickets */
            finish(j, NULL, NULL);
            return;
        }
        snprintf(j->unit_path, sizeof(j->unit_path), "%s", path);
    }
    start_parts(j);
}

int wz_stats_fetch(wz_db_pool_t *pool, const wz_stats_params_t *p, const wz_identity_t *who, wz_stats_fetch_cb cb,
                   void *data)
{
    job_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        abort();
    j->pool = pool;
    j->p = *p;
    j->who = *who;
    j->cb = cb;
    j->data = data;
    if (!wz_stats_needs_units(p)) {
        /* the first statement is started here so that a refusal is this call's answer */
        j->nparts = wz_stats_plan(&j->p, &j->who, j->parts);
        j->asm_ = wz_stats_asm_new(&j->p, &j->who, NULL);
        j->next = 1;
        wz_stats_build_part(&j->p, &j->who, NULL, &j->parts[0], &j->st);
        int ret = wz_db_run(pool, j->st.sql, j->st.p, j->st.np, on_part, j);
        if (ret != WZ_DB_OK) {
            json_decref(wz_stats_asm_finish(j->asm_));
            free(j);
        }
        return ret;
    }
    wz_stats_build_units(&j->who, &j->st);
    int ret = wz_db_run(pool, j->st.sql, j->st.p, j->st.np, on_units, j);
    if (ret != WZ_DB_OK)
        free(j);
    return ret;
}
