#ifndef WZ_TICKETS_LIFECYCLE_H
#define WZ_TICKETS_LIFECYCLE_H
/* The ticket state machine (受理 -> 派单 -> 签收 -> 答复 -> 办结, with the side paths), as one
 * table: which roles may take which action from which statuses, and where it leads. Pure: the
 * caller checks unit scope and policies (return window, review requirement) and passes the
 * outcome in as flags. docs/lifecycle.md draws it. */
#include <stddef.h>

typedef enum {
    WZ_ST_NEW,             /* 受理: in the dispatch queue */
    WZ_ST_DISPATCHED,      /* 派单: waiting for the unit to sign */
    WZ_ST_ACCEPTED,        /* 签收: the unit is handling it */
    WZ_ST_WAITING_CITIZEN, /* 补充材料: the unit asked the citizen; the reply clock is paused */
    WZ_ST_REPLIED,         /* 答复: reply published, waiting for the rating */
    WZ_ST_CLOSED,          /* 办结 */
    WZ_ST__COUNT
} wz_status_t;

typedef enum {
    WZ_ACT_DISPATCH,        /* 派单 */
    WZ_ACT_SIGN,            /* 签收 */
    WZ_ACT_REPLY,           /* 答复: publishes, or waits for review (WZ_LC_REVIEW_REQUIRED) */
    WZ_ACT_REVIEW_APPROVE,  /* 三审: the reviewer publishes the pending reply */
    WZ_ACT_REVIEW_SEND_BACK,
    WZ_ACT_RETURN,          /* 退单: back to the dispatch queue */
    WZ_ACT_TRANSFER,        /* 转办: to another unit */
    WZ_ACT_EXTENSION_REQUEST, /* 延期申请 */
    WZ_ACT_EXTENSION_DECIDE,
    WZ_ACT_SUPERVISE,       /* 督办 */
    WZ_ACT_REQUEST_INFO,    /* 补充材料 */
    WZ_ACT_FOLLOW_UP,       /* the citizen adds to the ticket; resumes a paused ticket */
    WZ_ACT_RATE,            /* 回访 */
    WZ_ACT_CLOSE,           /* 办结 (manual, or automatic after the rating window) */
    WZ_ACT_MERGE,           /* 合并: a duplicate closes into its primary */
    WZ_ACT__COUNT
} wz_action_t;

typedef enum {
    WZ_ROLE_CITIZEN,
    WZ_ROLE_STAFF,
    WZ_ROLE_REVIEWER,
    WZ_ROLE_DISPATCHER,
    WZ_ROLE_SUPERVISOR,
    WZ_ROLE_EVALUATOR,
    WZ_ROLE_ADMIN,
    WZ_ROLE_SYSTEM, /* the routing engine and the SLA timers */
    WZ_ROLE__COUNT
} wz_role_t;

/* Facts the caller establishes before asking (policies, scope, pending work). */
enum {
    WZ_LC_REVIEW_REQUIRED = 1 << 0, /* the unit's replies need its reviewer (三审) */
    WZ_LC_REVIEW_PENDING = 1 << 1,  /* a reply waits for review */
    WZ_LC_REOPEN = 1 << 2,          /* rate: unsatisfied and the reopen allowance is not used up */
    WZ_LC_IN_RETURN_WINDOW = 1 << 3, /* return: still within the unit's return window */
};

typedef enum {
    WZ_LC_OK,
    WZ_LC_ROLE_DENIED,        /* 403: this role never takes this action (or not outside its window) */
    WZ_LC_INVALID_TRANSITION, /* 409 invalid_transition: not from this status */
} wz_lc_result_t;

/** Decides an action. On WZ_LC_OK, *to is the status after it (may equal from). The role is
 * checked before the status, so a caller who may not act learns nothing about the ticket. */
wz_lc_result_t wz_lifecycle_apply(wz_status_t from, wz_action_t action, wz_role_t role, unsigned flags,
                                  wz_status_t *to);
/** The actions a role may take now (bit i = action i): what the console offers. */
unsigned wz_lifecycle_allowed(wz_status_t status, wz_role_t role, unsigned flags);
/** Whether the status counts as open (the ticket still needs work or a rating). */
int wz_status_is_open(wz_status_t status);

/** Names as used in JSON and in the database ("waiting_citizen", "request_info", "dispatcher").
 * The parsers return -1 for unknown names. */
const char *wz_status_name(wz_status_t status);
const char *wz_action_name(wz_action_t action);
const char *wz_role_name(wz_role_t role);
int wz_status_parse(const char *s, size_t len);
int wz_action_parse(const char *s, size_t len);
int wz_role_parse(const char *s, size_t len);

#endif
