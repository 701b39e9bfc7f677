#include "tickets/routing.h"
#include <string.h>

#define KEYWORDS_MAX 512 /* bytes of one rule's keyword list */

static int contains(const char *hay, const char *needle, size_t nlen)
{
    if (hay == NULL || nlen == 0)
        return 0;
    /* byte search is exact for UTF-8: a character's bytes never occur inside another's */
    return memmem(hay, strlen(hay), needle, nlen) != NULL;
}

static int keyword_matches(const char *list, const wz_routing_facts_t *f)
{
    const char *p = list;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        /* trim ASCII spaces around each word */
        const char *w = p;
        while (len > 0 && *w == ' ') {
            w++;
            len--;
        }
        while (len > 0 && w[len - 1] == ' ')
            len--;
        if (contains(f->title, w, len) || contains(f->content, w, len))
            return 1;
        if (bar == NULL)
            break;
        p = bar + 1;
    }
    return 0;
}

int wz_routing_rule_matches(const wz_routing_rule_t *r, const wz_routing_facts_t *f)
{
    switch (r->kind) {
    case WZ_RULE_ACCOUNT:
        return f->account_id != 0 && r->match_id == f->account_id;
    case WZ_RULE_CATEGORY:
        for (size_t i = 0; i < f->category_depth; i++)
            if (f->category_path[i] == r->match_id)
                return 1;
        return 0;
    case WZ_RULE_KEYWORD:
        return r->match_text != NULL && keyword_matches(r->match_text, f);
    case WZ_RULE_REGION: {
        if (r->match_text == NULL || f->region == NULL)
            return 0;
        size_t n = strlen(r->match_text);
        return n > 0 && strncmp(f->region, r->match_text, n) == 0;
    }
    default:
        return 0;
    }
}

static int64_t target_unit(const wz_routing_rule_t *r, const wz_routing_facts_t *f)
{
    if (r->unit_id != 0)
        return r->unit_id;
    return r->kind == WZ_RULE_ACCOUNT ? f->account_unit_id : 0;
}

const wz_routing_rule_t *wz_routing_match(const wz_routing_rule_t *rules, size_t n, const wz_routing_facts_t *facts,
                                          int64_t *unit_id)
{
    /* one pass for the best (priority, id) among matches: the caller need not sort */
    const wz_routing_rule_t *best = NULL;
    for (size_t i = 0; i < n; i++) {
        const wz_routing_rule_t *r = &rules[i];
        if (!r->enabled || target_unit(r, facts) == 0)
            continue;
        if (best != NULL && (r->priority > best->priority || (r->priority == best->priority && r->id > best->id)))
            continue;
        if (wz_routing_rule_matches(r, facts))
            best = r;
    }
    if (best != NULL)
        *unit_id = target_unit(best, facts);
    return best;
}

const char *wz_routing_rule_invalid(const wz_routing_rule_t *r)
{
    if ((unsigned)r->kind >= WZ_RULE__COUNT)
        return "unknown rule kind";
    if (r->priority < 0 || r->priority > 1000000)
        return "priority must be 0..1000000";
    if (r->unit_id < 0)
        return "unit_id must be positive";
    switch (r->kind) {
    case WZ_RULE_ACCOUNT:
        return r->match_id > 0 ? NULL : "an account rule needs account_id";
    case WZ_RULE_CATEGORY:
        if (r->match_id <= 0)
            return "a category rule needs category_id";
        return r->unit_id > 0 ? NULL : "a category rule needs unit_id";
    case WZ_RULE_KEYWORD: {
        if (r->match_text == NULL || strlen(r->match_text) > KEYWORDS_MAX)
            return "keywords must be 1..512 bytes";
        /* every '|'-separated word must have something besides spaces */
        const char *p = r->match_text;
        for (;;) {
            const char *bar = strchr(p, '|');
            size_t len = bar ? (size_t)(bar - p) : strlen(p);
            size_t spaces = 0;
            while (spaces < len && p[spaces] == ' ')
                spaces++;
            if (spaces == len)
                return "empty keyword";
            if (bar == NULL)
                break;
            p = bar + 1;
        }
        return r->unit_id > 0 ? NULL : "a keyword rule needs unit_id";
    }
    case WZ_RULE_REGION:
        if (r->match_text == NULL || r->match_text[0] == '\0' || strlen(r->match_text) > 200)
            return "region must be 1..200 bytes";
        return r->unit_id > 0 ? NULL : "a region rule needs unit_id";
    default:
        return "unknown rule kind";
    }
}

static const char *const kind_names[WZ_RULE__COUNT] = {"account", "category", "keyword", "region"};

const char *wz_rule_kind_name(wz_rule_kind_t kind)
{
    return (unsigned)kind < WZ_RULE__COUNT ? kind_names[kind] : "?";
}

int wz_rule_kind_parse(const char *s, size_t len)
{
    for (int i = 0; i < WZ_RULE__COUNT; i++)
        if (strlen(kind_names[i]) == len && memcmp(kind_names[i], s, len) == 0)
            return i;
    return -1;
}
