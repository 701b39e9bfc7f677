/* /api/v1/reply-templates: the texts staff insert into the reply editor (答复模板). A template
 * is global (unit_id null) or a unit's own; a caller lists the global ones and those of their
 * unit and its ancestors (a district's template serves its townships), admins every one. Admins
 * write them, like the other reference data; the reply itself still passes the privacy check. */
#include "admin/resources.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const wz_col_t cols[] = {
    {.name = "id", .kind = WZ_COL_ID, .flags = WZ_COL_READONLY},
    {.name = "unit_id", .kind = WZ_COL_ID, .flags = WZ_COL_NULLABLE},
    {.name = "unit_name",
     .kind = WZ_COL_TEXT,
     .flags = WZ_COL_READONLY,
     .expr = "(SELECT u.name FROM units u WHERE u.id = reply_templates.unit_id)"},
    {.name = "title", .kind = WZ_COL_TEXT, .flags = WZ_COL_REQUIRED, .min = 1, .max = 100},
    {.name = "body", .kind = WZ_COL_TEXT, .flags = WZ_COL_REQUIRED, .min = 1, .max = 2000},
    {.name = "created_at", .kind = WZ_COL_TIME, .flags = WZ_COL_READONLY},
    {.name = "updated_at", .kind = WZ_COL_TIME, .flags = WZ_COL_READONLY},
};

static wz_table_t table = {
    .table = "reply_templates",
    .one = "reply_template",
    .what = "reply template",
    .cols = cols,
    .ncols = sizeof(cols) / sizeof(cols[0]),
    .order_by = "COALESCE(unit_id, 0), title, id",
    .dup_field = "title",
    .fk_field = "unit_id",
};

static char *list_sql;

/* the caller's scope: admins (1) see every template; others the global ones and those whose
 * unit's path is a prefix of their own unit's path */
static int list_params(wz_ctx_t *ctx, wz_db_value_t *p, size_t *n, char *buf, size_t buflen)
{
    snprintf(buf, buflen, "%s", ctx->who.unit_path);
    p[0] = WZ_DB_INT(ctx->who.role == WZ_ROLE_ADMIN);
    p[1] = WZ_DB_TEXT(buf);
    *n = 2;
    return 0;
}

static wz_admin_ops_t ops = {
    .table = &table,
    .read_roles = WZ_ROLES_ALL & ~WZ_ROLE_BIT(WZ_ROLE_CITIZEN),
    .list_params = list_params,
};

const wz_table_t *wz_admin_reply_templates_init(void)
{
    wz_table_build(&table);
    char sql[2048];
    int w = snprintf(sql, sizeof(sql),
                     "%s WHERE ? = 1 OR unit_id IS NULL OR ? LIKE CONCAT((SELECT u.path FROM units u "
                     "WHERE u.id = reply_templates.unit_id), '%%') ORDER BY %s",
                     table.sql_select, table.order_by);
    if (w < 0 || (size_t)w >= sizeof(sql))
        abort();
    list_sql = strdup(sql);
    if (list_sql == NULL)
        abort();
    ops.list_sql = list_sql;
    return &table;
}

void wz_handle_reply_templates_list(wz_ctx_t *ctx)
{
    wz_admin_list(ctx, &ops);
}
void wz_handle_reply_template_get(wz_ctx_t *ctx)
{
    wz_admin_get(ctx, &ops);
}
void wz_handle_reply_template_create(wz_ctx_t *ctx)
{
    wz_admin_create(ctx, &ops);
}
void wz_handle_reply_template_update(wz_ctx_t *ctx)
{
    wz_admin_update(ctx, &ops);
}
void wz_handle_reply_template_delete(wz_ctx_t *ctx)
{
    wz_admin_delete(ctx, &ops);
}
