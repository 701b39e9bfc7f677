#include "admin/resources.h"
#include <pthread.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void build(void)
{
    wz_admin_units_init();
    wz_admin_accounts_init();
    wz_admin_categories_init();
    wz_admin_routing_rules_init();
    wz_admin_sla_policies_init();
}

void wz_admin_init(void)
{
    pthread_once(&once, build);
}
