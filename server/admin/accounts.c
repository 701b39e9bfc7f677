/* /api/v1/accounts: the registry of government new-media accounts, each owned by a unit.
 *
 * Platform secrets (a WeChat token and EncodingAESKey, a webhook's HMAC secret...) are given as
 * {"secrets": {"token": "...", ...}} and are write-only: sealed with secret_key before they
 * reach the database (accounts.secret_box), never returned; reads say only has_secrets.
 * Replacing them replaces the whole set; null removes it. Who may read: every signed-in caller
 * (citizens choose an account in the mini-program); the secrets are never part of a read. */
#include "admin/resources.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const platforms[] = {"wechat_oa", "weibo", "douyin",        "toutiao", "miniprogram",
                                        "app",       "web",   "hotline_12345", "other",   NULL};
static const char *const statuses[] = {"active", "suspended", "closed", NULL};

static const wz_col_t cols[] = {
    {.name = "id", .kind = WZ_COL_ID, .flags = WZ_COL_READONLY},
    {.name = "unit_id", .kind = WZ_COL_ID, .flags = WZ_COL_REQUIRED},
    {.name = "unit_name",
     .kind = WZ_COL_TEXT,
     .flags = WZ_COL_READONLY,
     .expr = "(SELECT u.name FROM units u WHERE u.id = accounts.unit_id)"},
    {.name = "platform", .kind = WZ_COL_ENUM, .flags = WZ_COL_REQUIRED | WZ_COL_FIXED, .choices = platforms},
    {.name = "name", .kind = WZ_COL_TEXT, .flags = WZ_COL_REQUIRED, .min = 1, .max = 200},
    {.name = "platform_account_id",
     .column = "platform_id",
     .kind = WZ_COL_TEXT,
     .flags = WZ_COL_REQUIRED,
     .min = 1,
     .max = 128},
    {.name = "status", .kind = WZ_COL_ENUM, .choices = statuses, .dflt_text = "active"},
    {.name = "secrets", .column = "secret_box", .kind = WZ_COL_SECRET, .flags = WZ_COL_NULLABLE},
    /* the account's last publication: platform events set it, or an admin who checked by hand */
    {.name = "last_post_at", .kind = WZ_COL_TIME, .flags = WZ_COL_NULLABLE},
    {.name = "created_at", .kind = WZ_COL_TIME, .flags = WZ_COL_READONLY},
    {.name = "updated_at", .kind = WZ_COL_TIME, .flags = WZ_COL_READONLY},
};

static wz_table_t table = {
    .table = "accounts",
    .one = "account",
    .what = "account",
    .cols = cols,
    .ncols = sizeof(cols) / sizeof(cols[0]),
    .order_by = "id",
    .dup_field = "platform_account_id",
    .fk_field = "unit_id",
};

static char *list_sql;

static int one_of(const char *const *choices, const char *s)
{
    for (size_t i = 0; choices[i] != NULL; i++)
        if (strcmp(choices[i], s) == 0)
            return 1;
    return 0;
}

/* ?unit_id=&platform=&status=; the texts live in buf until the statement call copies them */
static int list_params(wz_ctx_t *ctx, wz_db_value_t *p, size_t *n, char *buf, size_t buflen)
{
    char unit[24], *platform = buf, *status = buf + buflen / 2;
    int u = wz_req_query(ctx, "unit_id", unit, sizeof(unit));
    int pl = wz_req_query(ctx, "platform", platform, buflen / 2);
    int st = wz_req_query(ctx, "status", status, buflen / 2);
    int64_t unit_id = u == 1 ? wz_parse_id(unit, strlen(unit)) : 0;
    if (u < 0 || unit_id < 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "unit_id must be an id", "unit_id");
        return -1;
    }
    if (pl != 1)
        platform[0] = '\0';
    if (st != 1)
        status[0] = '\0';
    if (pl < 0 || (pl == 1 && !one_of(platforms, platform))) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "platform is not a known platform", "platform");
        return -1;
    }
    if (st < 0 || (st == 1 && !one_of(statuses, status))) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "status must be active, suspended or closed", "status");
        return -1;
    }
    p[0] = p[1] = WZ_DB_INT(unit_id);
    p[2] = p[3] = WZ_DB_TEXT(platform);
    p[4] = p[5] = WZ_DB_TEXT(status);
    *n = 6;
    return 0;
}

static wz_admin_ops_t ops = {
    .table = &table,
    .read_roles = WZ_ROLES_ALL,
    .list_params = list_params,
    .in_use_sql = "SELECT COUNT(*) FROM routing_rules WHERE kind = 'account' AND match_id = ?",
    .in_use_by = "routing rules",
};

const wz_table_t *wz_admin_accounts_init(void)
{
    wz_table_build(&table);
    char sql[2048];
    int w = snprintf(sql, sizeof(sql),
                     "%s WHERE (? = 0 OR unit_id = ?) AND (? = '' OR platform = ?) AND (? = '' OR status = ?) "
                     "ORDER BY id",
                     table.sql_select);
    if (w < 0 || (size_t)w >= sizeof(sql))
        abort();
    list_sql = strdup(sql);
    if (list_sql == NULL)
        abort();
    ops.list_sql = list_sql;
    return &table;
}

void wz_handle_accounts_list(wz_ctx_t *ctx)
{
    wz_admin_list(ctx, &ops);
}
void wz_handle_account_get(wz_ctx_t *ctx)
{
    wz_admin_get(ctx, &ops);
}
void wz_handle_account_create(wz_ctx_t *ctx)
{
    wz_admin_create(ctx, &ops);
}
void wz_handle_account_update(wz_ctx_t *ctx)
{
    wz_admin_update(ctx, &ops);
}
void wz_handle_account_delete(wz_ctx_t *ctx)
{
    wz_admin_delete(ctx, &ops);
}
