#include "auth/audit.h"
#include <string.h>

const char wz_audit_insert_sql[] = "INSERT INTO audit_log (actor_id, actor_role, unit_id, action, target_type, "
                                   "target_id, client_ip, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

void wz_audit_params(wz_db_value_t p[WZ_AUDIT_NPARAMS], int64_t actor_id, const char *actor_role, int64_t unit_id,
                     const char *action, const char *target_type, const char *target_id, const char *client_ip,
                     const char *payload)
{
    p[0] = actor_id > 0 ? WZ_DB_INT(actor_id) : WZ_DB_NULL();
    p[1] = WZ_DB_TEXT(actor_role);
    p[2] = unit_id > 0 ? WZ_DB_INT(unit_id) : WZ_DB_NULL();
    p[3] = WZ_DB_TEXT(action);
    p[4] = WZ_DB_TEXT(target_type);
    p[5] = WZ_DB_TEXT(target_id);
    p[6] = WZ_DB_TEXT(client_ip);
    p[7] = payload ? WZ_DB_TEXT(payload) : WZ_DB_NULL();
}
