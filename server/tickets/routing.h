#ifndef WZ_TICKETS_ROUTING_H
#define WZ_TICKETS_ROUTING_H
/* Routing rules decide which unit gets a new ticket. Rules are data (the routing_rules table,
 * edited by admins); this engine is pure. Rules are tried in priority order (lower first, then
 * lower id); the first that matches dispatches; when none does the ticket stays in the
 * dispatch queue for a person. */
#include <stddef.h>
#include <stdint.h>

typedef enum {
    WZ_RULE_ACCOUNT,  /* the ticket came in through this account */
    WZ_RULE_CATEGORY, /* the ticket's category is this one or below it */
    WZ_RULE_KEYWORD,  /* title or content contains one of the '|'-separated words */
    WZ_RULE_REGION,   /* the ticket's region is this one or inside it ("东城区" matches "东城区东华街道") */
    WZ_RULE__COUNT
} wz_rule_kind_t;

typedef struct wz_routing_rule {
    int64_t id;
    int priority;
    wz_rule_kind_t kind;
    int64_t match_id;       /* account or category id */
    const char *match_text; /* keywords or region, UTF-8 */
    int64_t unit_id;        /* 0 with an account rule: the account's own unit (谁开设、谁主办) */
    int enabled;
} wz_routing_rule_t;

typedef struct wz_routing_facts {
    int64_t account_id, account_unit_id;
    const int64_t *category_path; /* the category and its ancestors; may be empty */
    size_t category_depth;
    const char *title, *content, *region; /* NULL = empty */
} wz_routing_facts_t;

/** The first enabled rule that matches, or NULL. *unit_id gets the unit it dispatches to. */
const wz_routing_rule_t *wz_routing_match(const wz_routing_rule_t *rules, size_t n, const wz_routing_facts_t *facts,
                                          int64_t *unit_id);
/** Whether one rule matches the facts (ignores enabled and priority). */
int wz_routing_rule_matches(const wz_routing_rule_t *rule, const wz_routing_facts_t *facts);
/** Checks a rule before it is stored; returns NULL or the reason it is invalid. */
const char *wz_routing_rule_invalid(const wz_routing_rule_t *rule);
const char *wz_rule_kind_name(wz_rule_kind_t kind);
int wz_rule_kind_parse(const char *s, size_t len);

#endif
