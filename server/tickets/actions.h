#ifndef WZ_TICKETS_ACTIONS_H
#define WZ_TICKETS_ACTIONS_H
/* Running a ticket action: one transaction that locks the ticket row, reads what the plan
 * needs, applies the plan (server/tickets/plan.h) and reads the ticket back as JSON. The
 * answer is reported only after the commit. */
#include "auth/identity.h"
#include "db/db.h"
#include "sla/calendar.h"
#include "tickets/lifecycle.h"
#include "tickets/plan.h"
#include <jansson.h>

typedef struct wz_action_request {
    wz_identity_t who;
    int64_t ticket_id;
    wz_action_t action;
    json_t *args; /* the body (a reference is taken) or NULL */
    int64_t sub_id;
    char client_ip[48];
    int64_t now;
    /* a platform's message id for a follow-up that came through a channel ("" = none): the
     * message is kept with it, and a second delivery of it fails with a duplicate key (1062) */
    char external_id[129];
} wz_action_request_t;

typedef struct wz_action_result {
    wz_plan_outcome_t outcome;
    const char *message, *field; /* when refused */
    int status;                  /* 200 or 201 */
    const char *created_kind;    /* "reply", ... or NULL */
    json_t *ticket, *created;    /* borrowed: valid during the callback */
} wz_action_result_t;

typedef void (*wz_action_cb)(void *data, const wz_action_result_t *res, const wz_db_error_t *err);

/** Starts the action. Returns 0, or a WZ_DB_E* code when no connection can be had at once (cb
 * is then not called). cal must stay valid until cb has run. */
int wz_ticket_act(wz_db_pool_t *pool, const wz_calendar_t *cal, const wz_action_request_t *req, wz_action_cb cb,
                  void *data);

#endif
