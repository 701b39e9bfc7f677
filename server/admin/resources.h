#ifndef WZ_ADMIN_RESOURCES_H
#define WZ_ADMIN_RESOURCES_H
/* The admin resources. Each file describes one (its table, its hooks) and exposes its route
 * handlers (declared in http/server.h); wz_admin_init builds their SQL once at start-up. */
#include "admin/job.h"

void wz_admin_init(void);
/** A resource's table by its SQL name ("units"), after wz_admin_init; NULL if none (tests and
 * fuzz targets check bodies against the real descriptions). */
const wz_table_t *wz_admin_table(const char *name);

const wz_table_t *wz_admin_units_init(void);
const wz_table_t *wz_admin_accounts_init(void);
const wz_table_t *wz_admin_categories_init(void);
const wz_table_t *wz_admin_routing_rules_init(void);
const wz_table_t *wz_admin_sla_policies_init(void);
const wz_table_t *wz_admin_users_init(void);
const wz_table_t *wz_admin_reply_templates_init(void);

#endif
