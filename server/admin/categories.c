/* /api/v1/categories: the tree of ticket categories (事项分类) that routing rules and statistics
 * use. A category may move to another parent, never under itself or its own descendants;
 * changes to the tree take the 'categories' row of config_revisions first, so two moves cannot
 * race into a cycle. */
#include "admin/resources.h"

static const wz_col_t cols[] = {
    {.name = "id", .kind = WZ_COL_ID, .flags = WZ_COL_READONLY},
    {.name = "parent_id", .kind = WZ_COL_ID, .flags = WZ_COL_NULLABLE},
    {.name = "code", .kind = WZ_COL_TEXT, .flags = WZ_COL_REQUIRED, .min = 1, .max = 64},
    {.name = "name", .kind = WZ_COL_TEXT, .flags = WZ_COL_REQUIRED, .min = 1, .max = 200},
};

static wz_table_t table = {
    .table = "categories",
    .one = "category",
    .what = "category",
    .cols = cols,
    .ncols = sizeof(cols) / sizeof(cols[0]),
    .order_by = "COALESCE(parent_id, 0), id",
    .dup_field = "code",
    .fk_field = "parent_id",
};

#define MAX_DEPTH 16

enum { COL_PARENT = 1 };

static const char sql_take_tree[] = "UPDATE config_revisions SET revision = revision + 1 WHERE name = 'categories'";
/* the new parent's ancestors (itself included, at most MAX_DEPTH): none = no such category;
 * the category itself among them = a cycle */
static const char sql_ancestors[] =
    "WITH RECURSIVE up (id, parent_id, depth) AS ("
    " SELECT id, parent_id, 1 FROM categories WHERE id = ?"
    " UNION ALL SELECT c.id, c.parent_id, up.depth + 1 FROM categories c JOIN up ON c.id = up.parent_id"
    " WHERE up.depth < 17) "
    "SELECT COUNT(*), CAST(COALESCE(SUM(id = ?), 0) AS SIGNED) FROM up";

static void got_ancestors(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    long long n = wz_db_cell_int(res, 0, 0), self = wz_db_cell_int(res, 0, 1);
    if (n == 0)
        wz_admin_refuse(txn, job, WZ_ERR_VALIDATION, "parent_id", "there is no such category");
    else if (self > 0)
        wz_admin_refuse(txn, job, WZ_ERR_VALIDATION, "parent_id",
                        "a category cannot move under itself or one of its own sub-categories");
    else if (n >= MAX_DEPTH)
        wz_admin_refuse(txn, job, WZ_ERR_VALIDATION, "parent_id", "categories nest at most %d deep", MAX_DEPTH);
    else
        wz_admin_next(txn, job);
}

static void tree_taken(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    wz_db_value_t p[] = {job->rec.v[COL_PARENT], WZ_DB_INT(job->id)};
    wz_db_txn_exec(txn, sql_ancestors, p, 2, got_ancestors);
}

static void check(wz_db_txn_t *txn, wz_admin_job_t *job)
{
    if (!job->rec.present[COL_PARENT] || job->rec.v[COL_PARENT].type != WZ_DB_T_INT) {
        wz_admin_next(txn, job); /* stays where it is, or becomes a root */
        return;
    }
    wz_db_txn_exec(txn, sql_take_tree, NULL, 0, tree_taken);
}

static wz_admin_ops_t ops = {
    .table = &table,
    .read_roles = WZ_ROLES_ALL,
    .check = check,
    .in_use_sql = "SELECT COUNT(*) FROM routing_rules WHERE kind = 'category' AND match_id = ?",
    .in_use_by = "routing rules",
};

const wz_table_t *wz_admin_categories_init(void)
{
    wz_table_build(&table);
    return &table;
}

void wz_handle_categories_list(wz_ctx_t *ctx)
{
    wz_admin_list(ctx, &ops);
}
void wz_handle_category_get(wz_ctx_t *ctx)
{
    wz_admin_get(ctx, &ops);
}
void wz_handle_category_create(wz_ctx_t *ctx)
{
    wz_admin_create(ctx, &ops);
}
void wz_handle_category_update(wz_ctx_t *ctx)
{
    wz_admin_update(ctx, &ops);
}
void wz_handle_category_delete(wz_ctx_t *ctx)
{
    wz_admin_delete(ctx, &ops);
}
