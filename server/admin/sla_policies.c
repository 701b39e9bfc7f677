/* /api/v1/sla-policies: the time limits of each ticket type and priority (docs/lifecycle.md).
 * Every type x priority has exactly one policy (the schema seeds all twelve), so policies are
 * read and changed, never created or deleted. A change applies to deadlines computed after it:
 * each action reads the policy in its own transaction; deadlines already set stay as promised. */
#include "admin/resources.h"
#include "sla/deadlines.h"
#include <string.h>

static const char *const types[] = {"consultation", "help", "complaint", "suggestion", "report", "praise", NULL};
static const char *const priorities[] = {"normal", "urgent", NULL};

#define DAYS(n) .kind = WZ_COL_INT, .min = 0, .max = (n)

static const wz_col_t cols[] = {
    {.name = "id", .kind = WZ_COL_ID, .flags = WZ_COL_READONLY},
    {.name = "type", .kind = WZ_COL_ENUM, .flags = WZ_COL_READONLY, .choices = types},
    {.name = "priority", .kind = WZ_COL_ENUM, .flags = WZ_COL_READONLY, .choices = priorities},
    {.name = "dispatch_minutes", .kind = WZ_COL_INT, .min = 1, .max = 43200},
    {.name = "sign_minutes", .kind = WZ_COL_INT, .min = 1, .max = 43200},
    {.name = "reply_days", DAYS(365)},
    {.name = "resolve_days", DAYS(365)},
    {.name = "return_window_days", DAYS(395)},
    {.name = "extension_max_days", DAYS(365)},
    {.name = "warn_ratio", .kind = WZ_COL_RATIO},
    {.name = "reopen_max", DAYS(10)},
    {.name = "rating_window_days", DAYS(90)},
    {.name = "info_wait_days", DAYS(90)},
    {.name = "updated_at", .kind = WZ_COL_TIME, .flags = WZ_COL_READONLY},
};

static wz_table_t table = {
    .table = "sla_policies",
    .one = "policy",
    .what = "SLA policy",
    .cols = cols,
    .ncols = sizeof(cols) / sizeof(cols[0]),
    .order_by = "priority, FIELD(type, 'consultation', 'help', "
                "'complaint', 'suggestion', 'report', 'praise')",
};

static int merged(const wz_admin_job_t *job, const char *name)
{
    int c = wz_table_col(&table, name);
    if (job->rec.present[c])
        return (int)job->rec.v[c].u.i;
    return (int)json_integer_value(wz_admin_before(job, name));
}

/* the limits must make sense together (resolve after reply, ...): checked on the merged policy */
static void check(wz_db_txn_t *txn, wz_admin_job_t *job)
{
    int r = wz_table_col(&table, "warn_ratio");
    wz_sla_policy_t p = {
        .dispatch_minutes = merged(job, "dispatch_minutes"),
        .sign_minutes = merged(job, "sign_minutes"),
        .reply_days = merged(job, "reply_days"),
        .resolve_days = merged(job, "resolve_days"),
        .return_window_days = merged(job, "return_window_days"),
        .extension_max_days = merged(job, "extension_max_days"),
        .warn_ratio = job->rec.present[r] ? job->rec.v[r].u.d : json_number_value(wz_admin_before(job, "warn_ratio")),
        .reopen_max = merged(job, "reopen_max"),
        .rating_window_days = merged(job, "rating_window_days"),
        .info_wait_days = merged(job, "info_wait_days"),
    };
    const char *why = wz_sla_policy_invalid(&p);
    if (why == NULL) {
        wz_admin_next(txn, job);
        return;
    }
    /* each reason starts with the field it is about */
    const char *field = NULL;
    for (size_t i = 0; i < table.ncols && field == NULL; i++) {
        size_t n = strlen(cols[i].name);
        if (strncmp(why, cols[i].name, n) == 0 && why[n] == ' ')
            field = cols[i].name;
    }
    wz_admin_refuse(txn, job, WZ_ERR_VALIDATION, field, "%s", why);
}

static wz_admin_ops_t ops = {
    .table = &table,
    .read_roles = WZ_ROLES_ALL & ~WZ_ROLE_BIT(WZ_ROLE_CITIZEN),
    .check = check,
};

const wz_table_t *wz_admin_sla_policies_init(void)
{
    wz_table_build(&table);
    return &table;
}

void wz_handle_sla_policies_list(wz_ctx_t *ctx)
{
    wz_admin_list(ctx, &ops);
}
void wz_handle_sla_policy_get(wz_ctx_t *ctx)
{
    wz_admin_get(ctx, &ops);
}
void wz_handle_sla_policy_update(wz_ctx_t *ctx)
{
    wz_admin_update(ctx, &ops);
}
