#ifndef WZ_ADMIN_RESOURCES_H
#define WZ_ADMIN_RESOURCES_H
/* The admin resources. Each file describes one (its table, its hooks) and exposes its route
 * handlers (declared in http/server.h); wz_admin_init builds their SQL once at start-up. */
#include "admin/job.h"

void wz_admin_init(void);

void wz_admin_units_init(void);
void wz_admin_accounts_init(void);
void wz_admin_categories_init(void);
void wz_admin_routing_rules_init(void);
void wz_admin_sla_policies_init(void);

#endif
