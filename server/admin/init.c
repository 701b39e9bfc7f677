#include "admin/resources.h"
#include <pthread.h>
#include <string.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const wz_table_t *tables[7];

static void build(void)
{
    tables[0] = wz_admin_units_init();
    tables[1] = wz_admin_accounts_init();
    tables[2] = wz_admin_categories_init();
    tables[3] = wz_admin_routing_rules_init();
    tables[4] = wz_admin_sla_policies_init();
    tables[5] = wz_admin_users_init();
    tables[6] = wz_admin_reply_templates_init();
}

void wz_admin_init(void)
{
    pthread_once(&once, build);
}

const wz_table_t *wz_admin_table(const char *name)
{
    wz_admin_init();
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
        if (strcmp(tables[i]->table, name) == 0)
            return tables[i];
    return NULL;
}
