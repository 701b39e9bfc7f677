/* Running the statistics' statements (stats/fetch.h): the units when the answer needs them
 * (names, paths, the scope check of unit_id), then the rollup, then the histogram, each one
 * asynchronous statement; the answer is assembled from their rows (stats/result.c). */
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
    wz_stats_stmt_t st; /* the statement running now: its text must live until it completes */
    /* the rollup's rows, copied: results are valid only during their callback */
    wz_db_result_t rollup;
} job_t;

static void finish(job_t *j, json_t *doc, const wz_db_error_t *err)
{
    j->cb(j->data, doc, err);
    json_decref(doc);
    wz_stats_units_free(j->units);
    for (size_t i = 0; i < j->rollup.nrows * j->rollup.ncols; i++)
        if (j->rollup.cells[i].type == WZ_DB_T_TEXT)
            free((void *)j->rollup.cells[i].u.s.p);
    free(j->rollup.cells);
    free(j);
}

static void fail(job_t *j, int code)
{
    wz_db_error_t e = {.code = code};
    finish(j, NULL, &e);
}

/* a result's cells, copied (the texts too) */
static void copy_result(wz_db_result_t *dst, const wz_db_result_t *src)
{
    memset(dst, 0, sizeof(*dst));
    dst->nrows = src->nrows;
    dst->ncols = src->ncols;
    size_t n = src->nrows * src->ncols;
    dst->cells = calloc(n == 0 ? 1 : n, sizeof(wz_db_value_t));
    if (dst->cells == NULL)
        abort();
    for (size_t i = 0; i < n; i++) {
        dst->cells[i] = src->cells[i];
        if (src->cells[i].type == WZ_DB_T_TEXT) {
            char *t = malloc(src->cells[i].u.s.len + 1);
            if (t == NULL)
                abort();
            memcpy(t, src->cells[i].u.s.p, src->cells[i].u.s.len);
            t[src->cells[i].u.s.len] = '\0';
            dst->cells[i].u.s.p = t;
        }
    }
}

static void on_hist(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    job_t *j = data;
    if (err != NULL) {
        finish(j, NULL, err);
        return;
    }
    finish(j, wz_stats_assemble(&j->p, &j->who, j->units, &j->rollup, res), NULL);
}

static void on_rollup(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    job_t *j = data;
    if (err != NULL) {
        finish(j, NULL, err);
        return;
    }
    copy_result(&j->rollup, res);
    wz_stats_build(&j->p, &j->who, j->p.unit_id > 0 ? j->unit_path : NULL, 1, &j->st);
    int ret = wz_db_run(j->pool, j->st.sql, j->st.p, j->st.np, on_hist, j);
    if (ret != WZ_DB_OK)
        fail(j, ret);
}

static void run_rollup(job_t *j)
{
    wz_stats_build(&j->p, &j->who, j->p.unit_id > 0 ? j->unit_path : NULL, 0, &j->st);
    int ret = wz_db_run(j->pool, j->st.sql, j->st.p, j->st.np, on_rollup, j);
    if (ret != WZ_DB_OK)
        fail(j, ret);
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
    run_rollup(j);
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
        wz_stats_build(&j->p, &j->who, NULL, 0, &j->st);
        int ret = wz_db_run(pool, j->st.sql, j->st.p, j->st.np, on_rollup, j);
        if (ret != WZ_DB_OK)
            free(j);
        return ret;
    }
    wz_stats_build_units(&j->who, &j->st);
    int ret = wz_db_run(pool, j->st.sql, j->st.p, j->st.np, on_units, j);
    if (ret != WZ_DB_OK)
        free(j);
    return ret;
}
