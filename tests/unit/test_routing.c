#include "tickets/routing.h"
#include "check.h"

static const int64_t housing_path[] = {2, 1}; /* 住房保障 under 城乡建设 */

static wz_routing_facts_t facts(void)
{
    wz_routing_facts_t f = {0};
    f.account_id = 6;
    f.account_unit_id = 3;
    f.category_path = housing_path;
    f.category_depth = 2;
    f.title = "小区物业乱收费";
    f.content = "我们小区的物业公司今年又涨了停车费，请住建局管一管。";
    f.region = "东城区东华街道";
    return f;
}

static void test_priority_order(void)
{
    wz_routing_rule_t rules[] = {
        {1, 50, WZ_RULE_KEYWORD, 0, "停车|车位", 9, 1},
        {2, 10, WZ_RULE_CATEGORY, 1, NULL, 3, 1},
        {3, 10, WZ_RULE_REGION, 0, "东城区", 5, 1},
        {4, 90, WZ_RULE_ACCOUNT, 6, NULL, 0, 1},
    };
    wz_routing_facts_t f = facts();
    int64_t unit = 0;
    const wz_routing_rule_t *r = wz_routing_match(rules, 4, &f, &unit);
    /* two rules share priority 10: the lower id wins, whatever the array order */
    CHECK(r == &rules[1]);
    CHECK_INT(unit, 3);
    rules[1].enabled = 0;
    r = wz_routing_match(rules, 4, &f, &unit);
    CHECK(r == &rules[2]);
    CHECK_INT(unit, 5);
    rules[2].enabled = 0;
    r = wz_routing_match(rules, 4, &f, &unit);
    CHECK(r == &rules[0]); /* 停车 in the content */
    CHECK_INT(unit, 9);
    rules[0].enabled = 0;
    r = wz_routing_match(rules, 4, &f, &unit);
    CHECK(r == &rules[3]); /* the account's own unit */
    CHECK_INT(unit, 3);
}

static void test_no_match_stays_for_a_dispatcher(void)
{
    wz_routing_rule_t rules[] = {
        {1, 1, WZ_RULE_KEYWORD, 0, "医保|社保", 4, 1},
        {2, 1, WZ_RULE_ACCOUNT, 99, NULL, 0, 1},
        {3, 1, WZ_RULE_REGION, 0, "西城区", 8, 1},
        {4, 1, WZ_RULE_CATEGORY, 4, NULL, 6, 1},
    };
    wz_routing_facts_t f = facts();
    int64_t unit = -7;
    CHECK(wz_routing_match(rules, 4, &f, &unit) == NULL);
    CHECK_INT(unit, -7); /* untouched */
    CHECK(wz_routing_match(NULL, 0, &f, &unit) == NULL);
}

static void test_matching_details(void)
{
    wz_routing_facts_t f = facts();
    wz_routing_rule_t kw = {1, 1, WZ_RULE_KEYWORD, 0, " 噪音 | 物业 ", 3, 1};
    CHECK(wz_routing_rule_matches(&kw, &f)); /* 物业, spaces trimmed */
    kw.match_text = "物业费";
    CHECK(!wz_routing_rule_matches(&kw, &f));
    kw.match_text = "乱收费";
    CHECK(wz_routing_rule_matches(&kw, &f)); /* from the title */
    wz_routing_rule_t region = {2, 1, WZ_RULE_REGION, 0, "东城区东华街道办", 5, 1};
    CHECK(!wz_routing_rule_matches(&region, &f)); /* longer than the ticket's region */
    region.match_text = "东城";
    CHECK(wz_routing_rule_matches(&region, &f));
    wz_routing_facts_t empty = {0};
    CHECK(!wz_routing_rule_matches(&region, &empty));
    CHECK(!wz_routing_rule_matches(&kw, &empty));
    wz_routing_rule_t acct = {3, 1, WZ_RULE_ACCOUNT, 6, NULL, 0, 1};
    int64_t unit = 0;
    /* an account rule without a unit needs the account's unit to be known */
    CHECK(wz_routing_match(&acct, 1, &empty, &unit) == NULL);
}

static void test_validation(void)
{
    wz_routing_rule_t r = {1, 1, WZ_RULE_KEYWORD, 0, "停车||车位", 3, 1};
    CHECK(wz_routing_rule_invalid(&r) != NULL);
    r.match_text = "停车| 车位";
    CHECK(wz_routing_rule_invalid(&r) == NULL);
    r.unit_id = 0;
    CHECK(wz_routing_rule_invalid(&r) != NULL);
    wz_routing_rule_t a = {2, 1, WZ_RULE_ACCOUNT, 0, NULL, 0, 1};
    CHECK(wz_routing_rule_invalid(&a) != NULL);
    a.match_id = 6;
    CHECK(wz_routing_rule_invalid(&a) == NULL);
    a.priority = -1;
    CHECK(wz_routing_rule_invalid(&a) != NULL);
    wz_routing_rule_t g = {3, 1, WZ_RULE_REGION, 0, "", 5, 1};
    CHECK(wz_routing_rule_invalid(&g) != NULL);
    CHECK_INT(wz_rule_kind_parse("keyword", 7), WZ_RULE_KEYWORD);
    CHECK_INT(wz_rule_kind_parse("keywords", 8), -1);
    CHECK_STR(wz_rule_kind_name(WZ_RULE_REGION), "region");
}

int main(void)
{
    RUN(test_priority_order);
    RUN(test_no_match_stays_for_a_dispatcher);
    RUN(test_matching_details);
    RUN(test_validation);
    return CHECK_DONE();
}
