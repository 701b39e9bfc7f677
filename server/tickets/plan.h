#ifndef WZ_TICKETS_PLAN_H
#define WZ_TICKETS_PLAN_H
/* Planning a ticket action. Pure: from the ticket as it stands (read under its row lock), the
 * caller, the action's arguments and the one extra row the action needs (the target unit, the
 * reply under review, ...), decide the outcome and the statements that carry it out: the
 * ticket update, the created row, the event, the rewritten SLA timers and the outbox rows.
 * server/tickets/actions.c runs the plan inside one transaction.
 *
 * Order of checks: not visible -> 404; the role may never take the action -> 403; arguments
 * -> 422; not from this status (or a competing request is pending) -> 409. */
#include "auth/identity.h"
#include "db/db.h"
#include "sla/deadlines.h"
#include "tickets/lifecycle.h"
#include <jansson.h>
#include <stdint.h>

#define WZ_PLAN_MAX_STMTS 24
#define WZ_PLAN_MAX_PARAMS 16
#define WZ_PLAN_MAX_STRINGS 24

/* limits on free text, in characters */
#define WZ_REPLY_MAX_CHARS 5000
#define WZ_NOTE_MAX_CHARS 1000
#define WZ_MESSAGE_MAX_CHARS 5000
#define WZ_REVIEW_NOTE_MAX_CHARS 500 /* replies.review_note */

typedef struct wz_ticket_facts {
    int64_t id;
    wz_status_t status;
    int64_t unit_id;
    char unit_path[WZ_UNIT_PATH_MAX];    /* "" when unassigned */
    char account_path[WZ_UNIT_PATH_MAX]; /* the account's unit: scope of an unassigned ticket */
    int64_t citizen_id;
    char type[16], priority[8];
    int64_t received_at, dispatched_at, dispatch_due, sign_due, reply_due, resolve_due, paused_at, promised_reply;
    int extended_days, reopened_count;
    int requires_review;   /* the unit's replies wait for its reviewer */
    int pending_replies;   /* replies waiting for review */
    int pending_extensions; /* extension requests waiting for a decision */
    int64_t merged_into;
    wz_sla_policy_t policy;
} wz_ticket_facts_t;

/* The one other row an action reads: dispatch/transfer the target unit; review the reply;
 * extension decision the extension; merge the primary ticket. */
typedef struct wz_ticket_extra {
    int found;
    int64_t id;
    char text1[WZ_UNIT_PATH_MAX]; /* unit path | reply status | extension status | primary's scope path */
    char text2[24];               /* primary's status */
    int64_t int1, int2;           /* extension days | primary's merged_into, primary's unit */
} wz_ticket_extra_t;

typedef enum {
    WZ_PLAN_OK,
    WZ_PLAN_NOT_FOUND,
    WZ_PLAN_FORBIDDEN,
    WZ_PLAN_VALIDATION,
    WZ_PLAN_PERSONAL_DATA,
    WZ_PLAN_INVALID_TRANSITION,
    WZ_PLAN_CONFLICT,
} wz_plan_outcome_t;

typedef struct wz_plan_stmt {
    const char *sql;
    wz_db_value_t params[WZ_PLAN_MAX_PARAMS];
    size_t nparams;
    int capture; /* its insert id is the created row's id */
} wz_plan_stmt_t;

typedef struct wz_plan {
    wz_plan_outcome_t outcome;
    char message[320];
    const char *field;
    int created_status;       /* 200, or 201 when the action creates a row */
    const char *created_kind; /* "reply", "extension", "message", "rating" or NULL */
    int64_t created_id;       /* for actions on an existing row (review, decision) */
    wz_status_t to;
    wz_plan_stmt_t stmts[WZ_PLAN_MAX_STMTS];
    size_t nstmts;
    char *strings[WZ_PLAN_MAX_STRINGS]; /* owned texts the parameters point into */
    size_t nstrings;
} wz_plan_t;

typedef struct wz_plan_input {
    const wz_calendar_t *cal;
    const wz_identity_t *who;
    wz_action_t action;
    const json_t *args;    /* the request body (an object) or NULL */
    int64_t sub_id;        /* the reply or extension id of the path, 0 = none */
    const char *client_ip;
    int64_t now;
    const char *external_id; /* follow-up: the platform's message id, or NULL / "" */
} wz_plan_input_t;

/** The extra row's query for an action, with its parameters; 0 if it needs none. */
int wz_plan_extra_query(const wz_plan_input_t *in, int64_t ticket_id, const char **sql, wz_db_value_t params[2],
                        size_t *nparams);
/** Decides the action. Always fills pl (free it with wz_plan_free). */
void wz_plan_action(wz_plan_t *pl, const wz_plan_input_t *in, const wz_ticket_facts_t *f, const wz_ticket_extra_t *x);
void wz_plan_free(wz_plan_t *pl);
/** Characters (code points) in valid UTF-8, or -1 if it is not valid UTF-8. */
long wz_utf8_chars(const char *s, size_t len);

#endif
