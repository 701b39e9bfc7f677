/* The action planner: the order of checks and the statements each action writes. */
#include "tickets/plan.h"
#include "check.h"

static wz_calendar_t cal;
static const int64_t NOW = 1795395600; /* Monday 2026-11-23 09:00 +08:00 */

static wz_ticket_facts_t facts(wz_status_t status, int64_t unit)
{
    wz_ticket_facts_t f;
    memset(&f, 0, sizeof(f));
    f.id = 10;
    f.status = status;
    f.unit_id = unit;
    snprintf(f.unit_path, sizeof(f.unit_path), "/1/%lld/", (long long)unit);
    snprintf(f.account_path, sizeof(f.account_path), "/1/");
    f.citizen_id = 500;
    snprintf(f.type, sizeof(f.type), "help");
    snprintf(f.priority, sizeof(f.priority), "normal");
    wz_sla_policy_default("help", &f.policy);
    f.received_at = NOW - 3600;
    f.dispatched_at = NOW - 1800;
    f.sign_due = NOW + 3600;
    f.reply_due = NOW + 10 * 86400;
    f.promised_reply = NOW + 10 * 86400;
    return f;
}

static wz_identity_t person(wz_role_t role, int64_t unit)
{
    wz_identity_t w = {.role = role, .id = role == WZ_ROLE_CITIZEN ? 500 : 7, .unit_id = unit};
    if (role != WZ_ROLE_CITIZEN)
        snprintf(w.unit_path, sizeof(w.unit_path), unit == 1 ? "/1/" : "/1/%lld/", (long long)unit);
    return w;
}

static wz_plan_outcome_t plan(wz_plan_t *pl, const wz_identity_t *who, wz_action_t act, const char *body,
                              const wz_ticket_facts_t *f, const wz_ticket_extra_t *x)
{
    json_t *args = body ? json_loads(body, 0, NULL) : NULL;
    wz_ticket_extra_t none = {0};
    wz_plan_input_t in = {&cal, who, act, args, 0, "127.0.0.1", NOW, NULL};
    wz_plan_action(pl, &in, f, x ? x : &none);
    json_decref(args);
    return pl->outcome;
}

static size_t count_sql(const wz_plan_t *pl, const char *needle)
{
    size_t n = 0;
    for (size_t i = 0; i < pl->nstmts; i++)
        n += strstr(pl->stmts[i].sql, needle) != NULL;
    return n;
}

static void test_order_of_checks(void)
{
    wz_plan_t pl;
    wz_ticket_facts_t f = facts(WZ_ST_DISPATCHED, 3);
    wz_identity_t other = person(WZ_ROLE_STAFF, 4), eval = person(WZ_ROLE_EVALUATOR, 1),
                  staff = person(WZ_ROLE_STAFF, 3);
    CHECK_INT(plan(&pl, &other, WZ_ACT_SIGN, NULL, &f, NULL), WZ_PLAN_NOT_FOUND); /* outside scope */
    CHECK_INT(plan(&pl, &eval, WZ_ACT_REPLY, "{\"nope\":1}", &f, NULL), WZ_PLAN_FORBIDDEN); /* role before fields */
    CHECK_INT(plan(&pl, &staff, WZ_ACT_REPLY, "{\"content\":\"\"}", &f, NULL), WZ_PLAN_VALIDATION); /* fields before status */
    CHECK_STR(pl.field, "content");
    CHECK_INT(plan(&pl, &staff, WZ_ACT_REPLY, "{\"content\":\"ok\"}", &f, NULL), WZ_PLAN_INVALID_TRANSITION);
    CHECK_INT(pl.nstmts, 0);
    wz_plan_free(&pl);
}

static void test_sign_rewrites_timers(void)
{
    wz_plan_t pl;
    wz_ticket_facts_t f = facts(WZ_ST_DISPATCHED, 3);
    wz_identity_t staff = person(WZ_ROLE_STAFF, 3);
    CHECK_INT(plan(&pl, &staff, WZ_ACT_SIGN, NULL, &f, NULL), WZ_PLAN_OK);
    CHECK_INT(pl.to, WZ_ST_ACCEPTED);
    CHECK_INT(count_sql(&pl, "UPDATE tickets SET status = 'accepted'"), 1);
    CHECK_INT(count_sql(&pl, "INSERT INTO ticket_events"), 1);
    CHECK_INT(count_sql(&pl, "DELETE FROM sla_timers"), 1);
    CHECK_INT(count_sql(&pl, "INSERT INTO sla_timers"), 2); /* reply warn + breach, nothing for signing */
    for (size_t i = 0; i < pl.nstmts; i++)
        if (strstr(pl.stmts[i].sql, "INSERT INTO sla_timers"))
            CHECK(strncmp(pl.stmts[i].params[1].u.s.p, "reply_", 6) == 0);
    wz_plan_free(&pl);
}

static void test_reply_review_and_privacy(void)
{
    wz_plan_t pl;
    wz_ticket_facts_t f = facts(WZ_ST_ACCEPTED, 4);
    f.requires_review = 1;
    wz_identity_t staff = person(WZ_ROLE_STAFF, 4);
    CHECK_INT(plan(&pl, &staff, WZ_ACT_REPLY, "{\"content\":\"答复\"}", &f, NULL), WZ_PLAN_OK);
    CHECK_INT(pl.created_status, 201);
    CHECK_STR(pl.created_kind, "reply");
    CHECK_INT(count_sql(&pl, "status = 'replied'"), 0); /* waits for the reviewer */
    CHECK_INT(pl.to, WZ_ST_ACCEPTED);
    wz_plan_free(&pl);
    f.requires_review = 0;
    CHECK_INT(plan(&pl, &staff, WZ_ACT_REPLY, "{\"content\":\"答复\"}", &f, NULL), WZ_PLAN_OK);
    CHECK_INT(count_sql(&pl, "status = 'replied'"), 1);
    CHECK_INT(count_sql(&pl, "INSERT INTO outbox"), 1);
    wz_plan_free(&pl);
    CHECK_INT(plan(&pl, &staff, WZ_ACT_REPLY, "{\"content\":\"请拨打13812345678\"}", &f, NULL), WZ_PLAN_PERSONAL_DATA);
    CHECK(strstr(pl.message, "characters 4-14") != NULL);
    f.pending_replies = 1;
    CHECK_INT(plan(&pl, &staff, WZ_ACT_REPLY, "{\"content\":\"again\"}", &f, NULL), WZ_PLAN_INVALID_TRANSITION);
    wz_plan_free(&pl);
}

static void test_return_window(void)
{
    wz_plan_t pl;
    wz_ticket_facts_t f = facts(WZ_ST_ACCEPTED, 3);
    wz_identity_t staff = person(WZ_ROLE_STAFF, 3), sup = person(WZ_ROLE_SUPERVISOR, 1);
    CHECK_INT(plan(&pl, &staff, WZ_ACT_RETURN, "{\"reason\":\"x\"}", &f, NULL), WZ_PLAN_OK);
    CHECK_INT(pl.to, WZ_ST_NEW);
    CHECK_INT(count_sql(&pl, "INSERT INTO sla_timers"), 2); /* the dispatch clock again */
    wz_plan_free(&pl);
    f.dispatched_at = NOW - 30 * 86400;
    CHECK_INT(plan(&pl, &staff, WZ_ACT_RETURN, "{\"reason\":\"x\"}", &f, NULL), WZ_PLAN_FORBIDDEN);
    CHECK_INT(plan(&pl, &sup, WZ_ACT_RETURN, "{\"reason\":\"x\"}", &f, NULL), WZ_PLAN_OK);
    wz_plan_free(&pl);
}

static void test_rating_reopens_once(void)
{
    wz_plan_t pl;
    wz_ticket_facts_t f = facts(WZ_ST_REPLIED, 3);
    wz_identity_t cit = person(WZ_ROLE_CITIZEN, 0), other = cit;
    other.id = 501;
    const char *bad = "{\"resolved\":false,\"satisfaction\":\"unsatisfied\"}";
    CHECK_INT(plan(&pl, &other, WZ_ACT_RATE, bad, &f, NULL), WZ_PLAN_NOT_FOUND);
    CHECK_INT(plan(&pl, &cit, WZ_ACT_RATE, bad, &f, NULL), WZ_PLAN_OK);
    CHECK_INT(pl.to, WZ_ST_ACCEPTED);
    wz_plan_free(&pl);
    f.reopened_count = 1;
    CHECK_INT(plan(&pl, &cit, WZ_ACT_RATE, bad, &f, NULL), WZ_PLAN_OK);
    CHECK_INT(pl.to, WZ_ST_CLOSED);
    wz_plan_free(&pl);
    CHECK_INT(plan(&pl, &cit, WZ_ACT_RATE, "{\"resolved\":1,\"satisfaction\":\"satisfied\"}", &f, NULL),
              WZ_PLAN_VALIDATION);
}

static void test_extension_cap_and_decision(void)
{
    wz_plan_t pl;
    wz_ticket_facts_t f = facts(WZ_ST_ACCEPTED, 3);
    wz_identity_t staff = person(WZ_ROLE_STAFF, 3), sup = person(WZ_ROLE_SUPERVISOR, 1);
    CHECK_INT(plan(&pl, &staff, WZ_ACT_EXTENSION_REQUEST, "{\"days\":11,\"reason\":\"x\"}", &f, NULL),
              WZ_PLAN_VALIDATION);
    f.pending_extensions = 1;
    CHECK_INT(plan(&pl, &staff, WZ_ACT_EXTENSION_REQUEST, "{\"days\":3,\"reason\":\"x\"}", &f, NULL),
              WZ_PLAN_CONFLICT);
    wz_ticket_extra_t x = {.found = 1, .id = 9, .int1 = 3};
    snprintf(x.text1, sizeof(x.text1), "pending");
    CHECK_INT(plan(&pl, &sup, WZ_ACT_EXTENSION_DECIDE, "{\"decision\":\"approve\"}", &f, &x), WZ_PLAN_OK);
    CHECK_INT(count_sql(&pl, "extended = 1"), 1);
    wz_plan_free(&pl);
    snprintf(x.text1, sizeof(x.text1), "approved");
    CHECK_INT(plan(&pl, &sup, WZ_ACT_EXTENSION_DECIDE, "{\"decision\":\"approve\"}", &f, &x),
              WZ_PLAN_INVALID_TRANSITION);
}

int main(void)
{
    wz_cal_init(&cal);
    RUN(test_order_of_checks);
    RUN(test_sign_rewrites_timers);
    RUN(test_reply_review_and_privacy);
    RUN(test_return_window);
    RUN(test_rating_reopens_once);
    RUN(test_extension_cap_and_decision);
    wz_cal_free(&cal);
    return CHECK_DONE();
}
