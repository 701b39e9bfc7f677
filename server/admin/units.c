/* /api/v1/units: the tree of units (government, departments, townships).
 *
 * Each unit keeps its materialised path ('/1/5/7/'): scope checks and subtree queries are one
 * prefix match. The path is written here only: on create (parent's path + own id) and when a
 * unit moves to another parent, for the unit and its whole subtree in one statement. Tree
 * changes take the 'units' row of config_revisions first, so two moves cannot race into a
 * cycle. Access tokens carry the path of their user's unit: after a move they keep the old one
 * until they expire (see docs/admin.md). */
#include "admin/resources.h"
#include <stdio.h>
#include <string.h>

static const char *const kinds[] = {"government", "department", "township", "other", NULL};

static const wz_col_t cols[] = {
    {.name = "id", .kind = WZ_COL_ID, .flags = WZ_COL_READONLY},
    {.name = "parent_id", .kind = WZ_COL_ID, .flags = WZ_COL_NULLABLE},
    {.name = "code", .kind = WZ_COL_TEXT, .flags = WZ_COL_REQUIRED, .min = 1, .max = 64},
    {.name = "name", .kind = WZ_COL_TEXT, .flags = WZ_COL_REQUIRED, .min = 1, .max = 200},
    {.name = "kind", .kind = WZ_COL_ENUM, .flags = WZ_COL_REQUIRED, .choices = kinds},
    {.name = "region", .kind = WZ_COL_TEXT, .min = 0, .max = 100, .dflt_text = ""},
    {.name = "requires_review", .kind = WZ_COL_BOOL, .dflt_int = 0},
    {.name = "accepts_direct", .kind = WZ_COL_BOOL, .dflt_int = 1},
    {.name = "path", .kind = WZ_COL_TEXT, .flags = WZ_COL_READONLY},
    {.name = "created_at", .kind = WZ_COL_TIME, .flags = WZ_COL_READONLY},
    {.name = "updated_at", .kind = WZ_COL_TIME, .flags = WZ_COL_READONLY},
};

static wz_table_t table = {
    .table = "units",
    .one = "unit",
    .what = "unit",
    .cols = cols,
    .ncols = sizeof(cols) / sizeof(cols[0]),
    .order_by = "path",
    .dup_field = "code",
    .fk_field = "parent_id",
};

static const char sql_take_tree[] = "UPDATE config_revisions SET revision = revision + 1 WHERE name = 'units'";
static const char sql_parent[] = "SELECT path FROM units WHERE id = ? FOR UPDATE";
static const char sql_deepest[] = "SELECT COALESCE(MAX(LENGTH(path)), 0) FROM units WHERE path LIKE CONCAT(?, '%')";
static const char sql_set_path[] = "UPDATE units SET path = CONCAT(?, id, '/') WHERE id = ?";
static const char sql_move[] = "UPDATE units SET path = CONCAT(?, SUBSTRING(path, ?)) WHERE path LIKE CONCAT(?, '%')";

/* scratch: s[0] the new parent's path ("/" for a root), s[1] the unit's path before a move;
 * n[0] = 1 when the unit moves */
enum { ID_DIGITS = 20, COL_PARENT = 1 };

static void moved_deepest(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    /* the longest path in the subtree after the move must still fit a token's unit path */
    long long deepest = wz_db_cell_int(res, 0, 0);
    long long grows = (long long)strlen(job->s[0]) + ID_DIGITS + 1 - (long long)strlen(job->s[1]);
    if (deepest + grows >= WZ_UNIT_PATH_MAX) {
        wz_admin_refuse(txn, job, WZ_ERR_VALIDATION, "parent_id", "the tree would become too deep");
        return;
    }
    wz_admin_next(txn, job);
}

static void got_parent(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    if (res->nrows == 0) {
        wz_admin_refuse(txn, job, WZ_ERR_VALIDATION, "parent_id", "there is no such unit");
        return;
    }
    size_t len;
    const char *path = wz_db_cell_text(res, 0, 0, &len);
    snprintf(job->s[0], sizeof(job->s[0]), "%.*s", (int)len, path);
    if (job->creating) {
        if (len + ID_DIGITS + 1 >= WZ_UNIT_PATH_MAX) {
            wz_admin_refuse(txn, job, WZ_ERR_VALIDATION, "parent_id", "the tree would become too deep");
            return;
        }
        wz_admin_next(txn, job);
        return;
    }
    /* a unit cannot move under itself or under one of its own sub-units */
    if (strncmp(job->s[0], job->s[1], strlen(job->s[1])) == 0) {
        wz_admin_refuse(txn, job, WZ_ERR_VALIDATION, "parent_id",
                        "a unit cannot move under itself or one of its own sub-units");
        return;
    }
    wz_db_value_t p = WZ_DB_TEXT(job->s[1]);
    wz_db_txn_exec(txn, sql_deepest, &p, 1, moved_deepest);
}

static void tree_taken(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    snprintf(job->s[0], sizeof(job->s[0]), "/");
    const int p = COL_PARENT;
    if (!job->creating) {
        const char *old = json_string_value(wz_admin_before(job, "path"));
        snprintf(job->s[1], sizeof(job->s[1]), "%s", old ? old : "");
        const char *old_parent = json_string_value(wz_admin_before(job, "parent_id"));
        int64_t was = old_parent ? wz_parse_id(old_parent, strlen(old_parent)) : 0;
        int64_t to = job->rec.v[p].type == WZ_DB_T_INT ? job->rec.v[p].u.i : 0;
        job->n[0] = job->rec.present[p] && to != was;
        if (!job->n[0]) {
            wz_admin_next(txn, job);
            return;
        }
        if (to == job->id) {
            wz_admin_refuse(txn, job, WZ_ERR_VALIDATION, "parent_id", "a unit cannot be its own parent");
            return;
        }
    }
    if (job->rec.present[p] && job->rec.v[p].type == WZ_DB_T_INT) {
        wz_db_txn_exec(txn, sql_parent, &job->rec.v[p], 1, got_parent);
        return;
    }
    if (!job->creating) { /* becomes a root */
        wz_db_value_t v = WZ_DB_TEXT(job->s[1]);
        wz_db_txn_exec(txn, sql_deepest, &v, 1, moved_deepest);
        return;
    }
    wz_admin_next(txn, job);
}

static void check(wz_db_txn_t *txn, wz_admin_job_t *job)
{
    if (!job->creating && !job->rec.present[COL_PARENT]) {
        wz_admin_next(txn, job); /* a rename or a flag: the tree stays as it is */
        return;
    }
    wz_db_txn_exec(txn, sql_take_tree, NULL, 0, tree_taken);
}

static void path_written(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    wz_admin_next(txn, wz_db_txn_data(txn));
}

static void after(wz_db_txn_t *txn, wz_admin_job_t *job)
{
    if (job->creating) {
        wz_db_value_t p[] = {WZ_DB_TEXT(job->s[0]), WZ_DB_INT(job->id)};
        wz_db_txn_exec(txn, sql_set_path, p, 2, path_written);
        return;
    }
    if (!job->n[0]) {
        wz_admin_next(txn, job);
        return;
    }
    /* the new prefix replaces the old one in the unit's path and every path below it */
    char prefix[WZ_UNIT_PATH_MAX + 24];
    snprintf(prefix, sizeof(prefix), "%s%lld/", job->s[0], (long long)job->id);
    wz_db_value_t p[] = {WZ_DB_TEXT(prefix), WZ_DB_INT((long long)strlen(job->s[1]) + 1), WZ_DB_TEXT(job->s[1])};
    wz_db_txn_exec(txn, sql_move, p, 3, path_written);
}

static wz_admin_ops_t ops = {
    .table = &table,
    .read_roles = WZ_ROLES_ALL,
    .check = check,
    .after = after,
};

const wz_table_t *wz_admin_units_init(void)
{
    wz_table_build(&table);
    return &table;
}

void wz_handle_units_list(wz_ctx_t *ctx)
{
    wz_admin_list(ctx, &ops);
}
void wz_handle_unit_get(wz_ctx_t *ctx)
{
    wz_admin_get(ctx, &ops);
}
void wz_handle_unit_create(wz_ctx_t *ctx)
{
    wz_admin_create(ctx, &ops);
}
void wz_handle_unit_update(wz_ctx_t *ctx)
{
    wz_admin_update(ctx, &ops);
}
void wz_handle_unit_delete(wz_ctx_t *ctx)
{
    wz_admin_delete(ctx, &ops);
}
