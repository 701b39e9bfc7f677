#ifndef WZ_AUTH_AUDIT_H
#define WZ_AUTH_AUDIT_H
/* The audit log of privileged actions that are not ticket actions (those write ticket_events):
 * sign-ins, admin changes. A row is inserted in the same transaction as the change it records,
 * so there is no change without its row and no row without its change. */
#include "db/db.h"

#define WZ_AUDIT_NPARAMS 8
extern const char wz_audit_insert_sql[];

/** The parameters of wz_audit_insert_sql. actor_id 0 = nobody signed in (actor_role then says
 * who: "anonymous"); unit_id 0 = none; payload NULL or a JSON text. The strings must live until
 * the statement call (its parameters are copied then). */
void wz_audit_params(wz_db_value_t p[WZ_AUDIT_NPARAMS], int64_t actor_id, const char *actor_role, int64_t unit_id,
                     const char *action, const char *target_type, const char *target_id, const char *client_ip,
                     const char *payload);

#endif
