#include "tickets/lifecycle.h"
#include "check.h"

static wz_status_t step(wz_status_t from, wz_action_t a, wz_role_t r, unsigned flags)
{
    wz_status_t to = WZ_ST__COUNT;
    CHECK_INT(wz_lifecycle_apply(from, a, r, flags, &to), WZ_LC_OK);
    return to;
}

static void test_happy_path(void)
{
    wz_status_t s = WZ_ST_NEW;
    s = step(s, WZ_ACT_DISPATCH, WZ_ROLE_SYSTEM, 0);
    CHECK_INT(s, WZ_ST_DISPATCHED);
    s = step(s, WZ_ACT_SIGN, WZ_ROLE_STAFF, 0);
    CHECK_INT(s, WZ_ST_ACCEPTED);
    s = step(s, WZ_ACT_REPLY, WZ_ROLE_STAFF, 0);
    CHECK_INT(s, WZ_ST_REPLIED);
    s = step(s, WZ_ACT_RATE, WZ_ROLE_CITIZEN, 0);
    CHECK_INT(s, WZ_ST_CLOSED);
}

static void test_review_path(void)
{
    /* 三审: the reply waits, the reviewer publishes or sends back */
    CHECK_INT(step(WZ_ST_ACCEPTED, WZ_ACT_REPLY, WZ_ROLE_STAFF, WZ_LC_REVIEW_REQUIRED), WZ_ST_ACCEPTED);
    wz_status_t to;
    CHECK_INT(wz_lifecycle_apply(WZ_ST_ACCEPTED, WZ_ACT_REPLY, WZ_ROLE_STAFF,
                                 WZ_LC_REVIEW_REQUIRED | WZ_LC_REVIEW_PENDING, &to),
              WZ_LC_INVALID_TRANSITION); /* one pending reply at a time */
    CHECK_INT(step(WZ_ST_ACCEPTED, WZ_ACT_REVIEW_APPROVE, WZ_ROLE_REVIEWER, WZ_LC_REVIEW_PENDING), WZ_ST_REPLIED);
    CHECK_INT(step(WZ_ST_ACCEPTED, WZ_ACT_REVIEW_SEND_BACK, WZ_ROLE_REVIEWER, WZ_LC_REVIEW_PENDING), WZ_ST_ACCEPTED);
    CHECK_INT(wz_lifecycle_apply(WZ_ST_ACCEPTED, WZ_ACT_REVIEW_APPROVE, WZ_ROLE_REVIEWER, 0, &to),
              WZ_LC_INVALID_TRANSITION); /* nothing to review */
    CHECK_INT(wz_lifecycle_apply(WZ_ST_ACCEPTED, WZ_ACT_REVIEW_APPROVE, WZ_ROLE_STAFF, WZ_LC_REVIEW_PENDING, &to),
              WZ_LC_ROLE_DENIED); /* staff cannot approve their own reply */
}

static void test_side_paths(void)
{
    CHECK_INT(step(WZ_ST_DISPATCHED, WZ_ACT_RETURN, WZ_ROLE_STAFF, WZ_LC_IN_RETURN_WINDOW), WZ_ST_NEW);
    CHECK_INT(step(WZ_ST_ACCEPTED, WZ_ACT_RETURN, WZ_ROLE_SUPERVISOR, 0), WZ_ST_NEW);
    wz_status_t to;
    /* past the return window a unit needs its supervisor */
    CHECK_INT(wz_lifecycle_apply(WZ_ST_DISPATCHED, WZ_ACT_RETURN, WZ_ROLE_STAFF, 0, &to), WZ_LC_ROLE_DENIED);
    CHECK_INT(step(WZ_ST_ACCEPTED, WZ_ACT_TRANSFER, WZ_ROLE_DISPATCHER, 0), WZ_ST_DISPATCHED);
    CHECK_INT(step(WZ_ST_ACCEPTED, WZ_ACT_REQUEST_INFO, WZ_ROLE_STAFF, 0), WZ_ST_WAITING_CITIZEN);
    CHECK_INT(step(WZ_ST_WAITING_CITIZEN, WZ_ACT_FOLLOW_UP, WZ_ROLE_CITIZEN, 0), WZ_ST_ACCEPTED);
    CHECK_INT(step(WZ_ST_DISPATCHED, WZ_ACT_FOLLOW_UP, WZ_ROLE_CITIZEN, 0), WZ_ST_DISPATCHED);
    CHECK_INT(step(WZ_ST_WAITING_CITIZEN, WZ_ACT_CLOSE, WZ_ROLE_SYSTEM, 0), WZ_ST_CLOSED);
    CHECK_INT(step(WZ_ST_ACCEPTED, WZ_ACT_EXTENSION_REQUEST, WZ_ROLE_STAFF, 0), WZ_ST_ACCEPTED);
    CHECK_INT(step(WZ_ST_ACCEPTED, WZ_ACT_EXTENSION_DECIDE, WZ_ROLE_SUPERVISOR, 0), WZ_ST_ACCEPTED);
    CHECK_INT(step(WZ_ST_REPLIED, WZ_ACT_SUPERVISE, WZ_ROLE_SYSTEM, 0), WZ_ST_REPLIED);
    CHECK_INT(step(WZ_ST_NEW, WZ_ACT_MERGE, WZ_ROLE_DISPATCHER, 0), WZ_ST_CLOSED);
    /* 重办: unsatisfied reopens once */
    CHECK_INT(step(WZ_ST_REPLIED, WZ_ACT_RATE, WZ_ROLE_CITIZEN, WZ_LC_REOPEN), WZ_ST_ACCEPTED);
    CHECK_INT(step(WZ_ST_REPLIED, WZ_ACT_CLOSE, WZ_ROLE_SYSTEM, 0), WZ_ST_CLOSED);
}

static void test_invalid_transitions(void)
{
    wz_status_t to;
    CHECK_INT(wz_lifecycle_apply(WZ_ST_NEW, WZ_ACT_SIGN, WZ_ROLE_STAFF, 0, &to), WZ_LC_INVALID_TRANSITION);
    CHECK_INT(wz_lifecycle_apply(WZ_ST_ACCEPTED, WZ_ACT_SIGN, WZ_ROLE_STAFF, 0, &to), WZ_LC_INVALID_TRANSITION);
    CHECK_INT(wz_lifecycle_apply(WZ_ST_DISPATCHED, WZ_ACT_REPLY, WZ_ROLE_STAFF, 0, &to), WZ_LC_INVALID_TRANSITION);
    CHECK_INT(wz_lifecycle_apply(WZ_ST_DISPATCHED, WZ_ACT_DISPATCH, WZ_ROLE_DISPATCHER, 0, &to),
              WZ_LC_INVALID_TRANSITION);
    CHECK_INT(wz_lifecycle_apply(WZ_ST_ACCEPTED, WZ_ACT_RATE, WZ_ROLE_CITIZEN, 0, &to), WZ_LC_INVALID_TRANSITION);
    /* closed is terminal for every action and every role */
    for (int a = 0; a < WZ_ACT__COUNT; a++)
        for (int r = 0; r < WZ_ROLE__COUNT; r++)
            CHECK(wz_lifecycle_apply(WZ_ST_CLOSED, (wz_action_t)a, (wz_role_t)r, 0xff, &to) != WZ_LC_OK);
}

static void test_roles(void)
{
    wz_status_t to;
    /* the role is judged before the status: a citizen learns nothing from a closed ticket */
    CHECK_INT(wz_lifecycle_apply(WZ_ST_CLOSED, WZ_ACT_DISPATCH, WZ_ROLE_CITIZEN, 0, &to), WZ_LC_ROLE_DENIED);
    CHECK_INT(wz_lifecycle_apply(WZ_ST_REPLIED, WZ_ACT_RATE, WZ_ROLE_STAFF, 0, &to), WZ_LC_ROLE_DENIED);
    /* evaluators only read */
    for (int s = 0; s < WZ_ST__COUNT; s++)
        CHECK_INT(wz_lifecycle_allowed((wz_status_t)s, WZ_ROLE_EVALUATOR, 0xff), 0);
    /* citizens follow up and rate, nothing else */
    for (int s = 0; s < WZ_ST__COUNT; s++)
        CHECK((wz_lifecycle_allowed((wz_status_t)s, WZ_ROLE_CITIZEN, 0xff) &
               ~((1u << WZ_ACT_FOLLOW_UP) | (1u << WZ_ACT_RATE))) == 0);
    unsigned staff = wz_lifecycle_allowed(WZ_ST_ACCEPTED, WZ_ROLE_STAFF, WZ_LC_IN_RETURN_WINDOW);
    CHECK_INT(staff, (1u << WZ_ACT_REPLY) | (1u << WZ_ACT_RETURN) | (1u << WZ_ACT_TRANSFER) |
                         (1u << WZ_ACT_EXTENSION_REQUEST) | (1u << WZ_ACT_REQUEST_INFO));
    CHECK_INT(wz_lifecycle_apply(WZ_ST_NEW, (wz_action_t)99, WZ_ROLE_ADMIN, 0, &to), WZ_LC_ROLE_DENIED);
    CHECK_INT(wz_lifecycle_apply((wz_status_t)42, WZ_ACT_SIGN, WZ_ROLE_ADMIN, 0, &to), WZ_LC_INVALID_TRANSITION);
}

static void test_names(void)
{
    for (int s = 0; s < WZ_ST__COUNT; s++) {
        const char *n = wz_status_name((wz_status_t)s);
        CHECK_INT(wz_status_parse(n, strlen(n)), s);
    }
    for (int a = 0; a < WZ_ACT__COUNT; a++) {
        const char *n = wz_action_name((wz_action_t)a);
        CHECK_INT(wz_action_parse(n, strlen(n)), a);
    }
    for (int r = 0; r < WZ_ROLE__COUNT; r++) {
        const char *n = wz_role_name((wz_role_t)r);
        CHECK_INT(wz_role_parse(n, strlen(n)), r);
    }
    CHECK_STR(wz_status_name(WZ_ST_WAITING_CITIZEN), "waiting_citizen");
    CHECK_STR(wz_action_name(WZ_ACT_REQUEST_INFO), "request_info");
    CHECK_INT(wz_status_parse("New", 3), -1);
    CHECK_INT(wz_status_parse("closedx", 7), -1);
    CHECK_INT(wz_role_parse("", 0), -1);
    CHECK(wz_status_is_open(WZ_ST_REPLIED));
    CHECK(!wz_status_is_open(WZ_ST_CLOSED));
}

int main(void)
{
    RUN(test_happy_path);
    RUN(test_review_path);
    RUN(test_side_paths);
    RUN(test_invalid_transitions);
    RUN(test_roles);
    RUN(test_names);
    return CHECK_DONE();
}
