#include "tickets/lifecycle.h"
#include <string.h>

#define S(x) (1u << WZ_ST_##x)
#define R(x) (1u << WZ_ROLE_##x)
#define OPEN (S(NEW) | S(DISPATCHED) | S(ACCEPTED) | S(WAITING_CITIZEN) | S(REPLIED))
#define SAME WZ_ST__COUNT /* "stays where it is" */

typedef struct {
    unsigned roles; /* who may */
    unsigned from;  /* from which statuses */
    wz_status_t to;
} rule_t;

/* The whole state machine. Scope (own unit, subtree) is checked by the caller. */
static const rule_t rules[WZ_ACT__COUNT] = {
    [WZ_ACT_DISPATCH] = {R(DISPATCHER) | R(ADMIN) | R(SYSTEM), S(NEW), WZ_ST_DISPATCHED},
    [WZ_ACT_SIGN] = {R(STAFF) | R(ADMIN), S(DISPATCHED), WZ_ST_ACCEPTED},
    [WZ_ACT_REPLY] = {R(STAFF) | R(ADMIN), S(ACCEPTED), WZ_ST_REPLIED},
    [WZ_ACT_REVIEW_APPROVE] = {R(REVIEWER) | R(ADMIN), S(ACCEPTED), WZ_ST_REPLIED},
    [WZ_ACT_REVIEW_SEND_BACK] = {R(REVIEWER) | R(ADMIN), S(ACCEPTED), SAME},
    /* staff return within the window; later only a supervisor may (see apply) */
    [WZ_ACT_RETURN] = {R(STAFF) | R(SUPERVISOR) | R(ADMIN), S(DISPATCHED) | S(ACCEPTED), WZ_ST_NEW},
    [WZ_ACT_TRANSFER] = {R(STAFF) | R(DISPATCHER) | R(SUPERVISOR) | R(ADMIN), S(DISPATCHED) | S(ACCEPTED),
                         WZ_ST_DISPATCHED},
    [WZ_ACT_EXTENSION_REQUEST] = {R(STAFF) | R(ADMIN), S(DISPATCHED) | S(ACCEPTED) | S(WAITING_CITIZEN), SAME},
    [WZ_ACT_EXTENSION_DECIDE] = {R(SUPERVISOR) | R(ADMIN), S(DISPATCHED) | S(ACCEPTED) | S(WAITING_CITIZEN), SAME},
    [WZ_ACT_SUPERVISE] = {R(SUPERVISOR) | R(ADMIN) | R(SYSTEM), OPEN, SAME},
    [WZ_ACT_REQUEST_INFO] = {R(STAFF) | R(ADMIN), S(ACCEPTED), WZ_ST_WAITING_CITIZEN},
    [WZ_ACT_FOLLOW_UP] = {R(CITIZEN), S(NEW) | S(DISPATCHED) | S(ACCEPTED) | S(WAITING_CITIZEN), SAME},
    [WZ_ACT_RATE] = {R(CITIZEN), S(REPLIED), WZ_ST_CLOSED},
    [WZ_ACT_CLOSE] = {R(DISPATCHER) | R(SUPERVISOR) | R(ADMIN) | R(SYSTEM), S(NEW) | S(WAITING_CITIZEN) | S(REPLIED),
                      WZ_ST_CLOSED},
    [WZ_ACT_MERGE] = {R(DISPATCHER) | R(SUPERVISOR) | R(ADMIN), S(NEW) | S(DISPATCHED) | S(ACCEPTED) | S(WAITING_CITIZEN),
                      WZ_ST_CLOSED},
};

wz_lc_result_t wz_lifecycle_apply(wz_status_t from, wz_action_t action, wz_role_t role, unsigned flags,
                                  wz_status_t *to)
{
    if ((unsigned)action >= WZ_ACT__COUNT || (unsigned)role >= WZ_ROLE__COUNT)
        return WZ_LC_ROLE_DENIED;
    const rule_t *r = &rules[action];
    if (!(r->roles & (1u << role)))
        return WZ_LC_ROLE_DENIED;
    if (action == WZ_ACT_RETURN && role == WZ_ROLE_STAFF && !(flags & WZ_LC_IN_RETURN_WINDOW))
        return WZ_LC_ROLE_DENIED; /* past the window a unit needs a supervisor to return it */
    if ((unsigned)from >= WZ_ST__COUNT || !(r->from & (1u << from)))
        return WZ_LC_INVALID_TRANSITION;

    wz_status_t next = r->to == SAME ? from : r->to;
    switch (action) {
    case WZ_ACT_REPLY:
        /* one reply at a time; with 三审 it waits for the reviewer and the status stays */
        if (flags & WZ_LC_REVIEW_PENDING)
            return WZ_LC_INVALID_TRANSITION;
        if (flags & WZ_LC_REVIEW_REQUIRED)
            next = from;
        break;
    case WZ_ACT_REVIEW_APPROVE:
    case WZ_ACT_REVIEW_SEND_BACK:
        if (!(flags & WZ_LC_REVIEW_PENDING))
            return WZ_LC_INVALID_TRANSITION;
        break;
    case WZ_ACT_FOLLOW_UP:
        if (from == WZ_ST_WAITING_CITIZEN)
            next = WZ_ST_ACCEPTED; /* the answer resumes the paused clock */
        break;
    case WZ_ACT_RATE:
        if (flags & WZ_LC_REOPEN)
            next = WZ_ST_ACCEPTED; /* 重办 */
        break;
    default:
        break;
    }
    *to = next;
    return WZ_LC_OK;
}

unsigned wz_lifecycle_allowed(wz_status_t status, wz_role_t role, unsigned flags)
{
    unsigned mask = 0;
    for (int a = 0; a < WZ_ACT__COUNT; a++) {
        wz_status_t to;
        if (wz_lifecycle_apply(status, (wz_action_t)a, role, flags, &to) == WZ_LC_OK)
            mask |= 1u << a;
    }
    return mask;
}

int wz_status_is_open(wz_status_t status)
{
    return (unsigned)status < WZ_ST__COUNT && status != WZ_ST_CLOSED;
}

static const char *const status_names[WZ_ST__COUNT] = {"new", "dispatched", "accepted", "waiting_citizen", "replied",
                                                        "closed"};
static const char *const action_names[WZ_ACT__COUNT] = {
    "dispatch", "sign",      "reply",      "review_approve", "review_send_back", "return",       "transfer",
    "extension_request", "extension_decide", "supervise", "request_info", "follow_up", "rate", "close", "merge"};
static const char *const role_names[WZ_ROLE__COUNT] = {"citizen",    "staff",     "reviewer", "dispatcher",
                                                      "supervisor", "evaluator", "admin",    "system"};

static int parse(const char *const *names, int n, const char *s, size_t len)
{
    for (int i = 0; i < n; i++)
        if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
            return i;
    return -1;
}

const char *wz_status_name(wz_status_t s)
{
    return (unsigned)s < WZ_ST__COUNT ? status_names[s] : "?";
}

const char *wz_action_name(wz_action_t a)
{
    return (unsigned)a < WZ_ACT__COUNT ? action_names[a] : "?";
}

const char *wz_role_name(wz_role_t r)
{
    return (unsigned)r < WZ_ROLE__COUNT ? role_names[r] : "?";
}

int wz_status_parse(const char *s, size_t len)
{
    return parse(status_names, WZ_ST__COUNT, s, len);
}

int wz_action_parse(const char *s, size_t len)
{
    return parse(action_names, WZ_ACT__COUNT, s, len);
}

int wz_role_parse(const char *s, size_t len)
{
    return parse(role_names, WZ_ROLE__COUNT, s, len);
}
