/* /api/v1/routing-rules: which unit gets a new ticket (server/tickets/routing.h runs them).
 *
 * In JSON a rule names what it matches by kind: an account rule has account_id (and unit_id
 * null = the account's own unit), a category rule category_id, a keyword rule keywords
 * ("物业|停车费"), a region rule region; category, keyword and region rules need unit_id.
 * In the table they share match_id / match_text. A change applies to the next ticket routed:
 * intake reads the rules in its own transaction. Dispatchers and supervisors may read them. */
#include "admin/resources.h"
#include "tickets/routing.h"
#include <string.h>

static const char *const kinds[] = {"account", "category", "keyword", "region", NULL};

static const wz_col_t cols[] = {
    {.name = "id", .kind = WZ_COL_ID, .flags = WZ_COL_READONLY},
    {.name = "priority", .kind = WZ_COL_INT, .flags = WZ_COL_REQUIRED, .min = 0, .max = 1000000},
    {.name = "kind", .kind = WZ_COL_ENUM, .flags = WZ_COL_REQUIRED, .choices = kinds},
    {.name = "account_id",
     .kind = WZ_COL_ID,
     .flags = WZ_COL_VIRTUAL | WZ_COL_NULLABLE,
     .expr = "CAST(IF(kind = 'account', COALESCE(match_id, 0), 0) AS SIGNED)"},
    {.name = "category_id",
     .kind = WZ_COL_ID,
     .flags = WZ_COL_VIRTUAL | WZ_COL_NULLABLE,
     .expr = "CAST(IF(kind = 'category', COALESCE(match_id, 0), 0) AS SIGNED)"},
    {.name = "keywords",
     .kind = WZ_COL_TEXT,
     .flags = WZ_COL_VIRTUAL | WZ_COL_NULLABLE,
     .min = 1,
     .max = 512,
     .expr = "IF(kind = 'keyword', match_text, NULL)"},
    {.name = "region",
     .kind = WZ_COL_TEXT,
     .flags = WZ_COL_VIRTUAL | WZ_COL_NULLABLE,
     .min = 1,
     .max = 200,
     .expr = "IF(kind = 'region', match_text, NULL)"},
    {.name = "unit_id", .kind = WZ_COL_ID, .flags = WZ_COL_NULLABLE},
    {.name = "enabled", .kind = WZ_COL_BOOL, .dflt_int = 1},
    {.name = "match_id", .kind = WZ_COL_ID, .flags = WZ_COL_INTERNAL | WZ_COL_NULLABLE},
    {.name = "match_text", .kind = WZ_COL_TEXT, .flags = WZ_COL_INTERNAL | WZ_COL_NULLABLE},
    {.name = "created_at", .kind = WZ_COL_TIME, .flags = WZ_COL_READONLY},
    {.name = "updated_at", .kind = WZ_COL_TIME, .flags = WZ_COL_READONLY},
};

enum { COL_PRIORITY = 1, COL_KIND, COL_ACCOUNT, COL_CATEGORY, COL_KEYWORDS, COL_REGION, COL_UNIT };

static wz_table_t table = {
    .table = "routing_rules",
    .one = "rule",
    .what = "routing rule",
    .cols = cols,
    .ncols = sizeof(cols) / sizeof(cols[0]),
    .order_by = "priority, id",
    .fk_field = "unit_id",
};

static const char sql_exists[] = "SELECT (SELECT COUNT(*) FROM accounts WHERE id = ?), "
                                 "(SELECT COUNT(*) FROM categories WHERE id = ?)";

/* the value a field has after the write: the request's, else the row's before an update */
static int64_t merged_id(const wz_admin_job_t *job, int col)
{
    if (job->rec.present[col])
        return job->rec.v[col].type == WZ_DB_T_INT ? job->rec.v[col].u.i : 0;
    const char *s = json_string_value(wz_admin_before(job, cols[col].name));
    return s ? wz_parse_id(s, strlen(s)) : 0;
}

static const char *merged_text(const wz_admin_job_t *job, int col)
{
    if (job->rec.present[col])
        return job->rec.v[col].type == WZ_DB_T_TEXT ? job->rec.v[col].u.s.p : NULL;
    return json_string_value(wz_admin_before(job, cols[col].name));
}

static long long merged_int(const wz_admin_job_t *job, int col)
{
    if (job->rec.present[col])
        return job->rec.v[col].u.i;
    return json_integer_value(wz_admin_before(job, cols[col].name));
}

static void checked_refs(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    if (job->n[0] == WZ_RULE_ACCOUNT && wz_db_cell_int(res, 0, 0) == 0)
        wz_admin_refuse(txn, job, WZ_ERR_VALIDATION, "account_id", "there is no such account");
    else if (job->n[0] == WZ_RULE_CATEGORY && wz_db_cell_int(res, 0, 1) == 0)
        wz_admin_refuse(txn, job, WZ_ERR_VALIDATION, "category_id", "there is no such category");
    else
        wz_admin_next(txn, job);
}

static void check(wz_db_txn_t *txn, wz_admin_job_t *job)
{
    const char *kind = merged_text(job, COL_KIND);
    wz_routing_rule_t r = {
        .priority = (int)merged_int(job, COL_PRIORITY),
        .kind = kind ? (wz_rule_kind_t)wz_rule_kind_parse(kind, strlen(kind)) : WZ_RULE__COUNT,
        .unit_id = merged_id(job, COL_UNIT),
        .enabled = 1,
    };
    /* only the field of the rule's own kind counts; the others must not be given */
    static const struct {
        wz_rule_kind_t kind;
        int col;
    } own[] = {{WZ_RULE_ACCOUNT, COL_ACCOUNT},
               {WZ_RULE_CATEGORY, COL_CATEGORY},
               {WZ_RULE_KEYWORD, COL_KEYWORDS},
               {WZ_RULE_REGION, COL_REGION}};
    for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
        int col = own[i].col;
        int given = job->rec.present[col] && job->rec.v[col].type != WZ_DB_T_NULL;
        if (own[i].kind != r.kind && given) {
            wz_admin_refuse(txn, job, WZ_ERR_VALIDATION, cols[col].name, "%s does not belong to a %s rule",
                            cols[col].name, kind ? kind : "?");
            return;
        }
        if (own[i].kind == r.kind) {
            if (cols[col].kind == WZ_COL_ID)
                r.match_id = merged_id(job, col);
            else
                r.match_text = merged_text(job, col);
        }
    }
    const char *why = wz_routing_rule_invalid(&r);
    if (why != NULL) {
        /* the reasons name the field they are about */
        static const char *const fields[] = {"priority", "account_id", "category_id", "unit_id", "keyword", "region"};
        const char *field = NULL;
        for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]) && field == NULL; i++)
            if (strstr(why, fields[i]) != NULL)
                field = strcmp(fields[i], "keyword") == 0 ? "keywords" : fields[i];
        wz_admin_refuse(txn, job, WZ_ERR_VALIDATION, field, "%s", why);
        return;
    }
    /* the columns the rule is stored in */
    wz_record_set(&table, &job->rec, "match_id", r.match_id > 0 ? WZ_DB_INT(r.match_id) : WZ_DB_NULL());
    wz_record_set(&table, &job->rec, "match_text", r.match_text ? WZ_DB_TEXT(r.match_text) : WZ_DB_NULL());
    job->n[0] = r.kind;
    wz_db_value_t p[] = {WZ_DB_INT(r.match_id), WZ_DB_INT(r.match_id)};
    wz_db_txn_exec(txn, sql_exists, p, 2, checked_refs);
}

static wz_admin_ops_t ops = {
    .table = &table,
    .read_roles = WZ_ROLE_BIT(WZ_ROLE_DISPATCHER) | WZ_ROLE_BIT(WZ_ROLE_SUPERVISOR),
    .check = check,
};

const wz_table_t *wz_admin_routing_rules_init(void)
{
    wz_table_build(&table);
    return &table;
}

void wz_handle_routing_rules_list(wz_ctx_t *ctx)
{
    wz_admin_list(ctx, &ops);
}
void wz_handle_routing_rule_get(wz_ctx_t *ctx)
{
    wz_admin_get(ctx, &ops);
}
void wz_handle_routing_rule_create(wz_ctx_t *ctx)
{
    wz_admin_create(ctx, &ops);
}
void wz_handle_routing_rule_update(wz_ctx_t *ctx)
{
    wz_admin_update(ctx, &ops);
}
void wz_handle_routing_rule_delete(wz_ctx_t *ctx)
{
    wz_admin_delete(ctx, &ops);
}
