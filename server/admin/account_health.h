#ifndef WZ_ADMIN_ACCOUNT_HEALTH_H
#define WZ_ADMIN_ACCOUNT_HEALTH_H
/* Each government account as the inspection norms look at it (admin/account_health.c): its last
 * post, whether it is silent, and the citizens' messages waiting through it. Read by
 * GET /accounts/health and by GET /stats/accounts/health, which adds the period's rates and
 * the verdict (docs/metrics.md). */
#include "auth/identity.h"
#include "db/db.h"
#include <jansson.h>

#define WZ_HEALTH_SILENT_DAYS 14

/** Called with the accounts in the caller's scope, by id: [{account_id, name, platform, status,
 * unit_id, unit_name, last_post_at, days_since_post, silent, waiting_tickets, overdue_tickets,
 * oldest_waiting_at}] (borrowed: incref to keep), or with err. */
typedef void (*wz_account_health_cb)(void *data, json_t *items, const wz_db_error_t *err);

/** Reads the accounts' health as of now (UTC seconds). 0, or a WZ_DB_E* code when cb will not
 * be called. */
int wz_account_health_read(wz_db_pool_t *pool, const wz_identity_t *who, int64_t now, wz_account_health_cb cb,
                           void *data);

#endif
