#include "stats/facts.h"
#include <stdio.h>
#include <string.h>

static const char *const names[WZ_SC__COUNT] = {
    "received", "dispatched", "signed",     "signed_on_time", "replied", "replied_on_time",
    "overdue",  "returned",   "transferred", "extended",      "supervised", "reopened",
    "rated",    "satisfied",  "basically_satisfied", "unsatisfied",
};

const char *wz_stats_count_name(wz_stats_count_t c)
{
    return c >= 0 && c < WZ_SC__COUNT ? names[c] : "";
}

/* the fact of unit in out, added when missing (the keys copied from base) */
static wz_stats_fact_t *fact_of(wz_stats_fact_t *out, size_t *n, size_t max, const wz_stats_fact_t *base,
                                int64_t unit)
{
    for (size_t i = 0; i < *n; i++)
        if (out[i].unit_id == unit)
            return &out[i];
    if (*n == max)
        return NULL; /* a ticket passed around more than max units: the rest are not counted */
    wz_stats_fact_t *f = &out[(*n)++];
    *f = *base;
    f->unit_id = unit;
    f->scope_unit_id = unit > 0 ? unit : base->scope_unit_id;
    return f;
}

size_t wz_stats_facts(const wz_stats_ticket_t *t, const wz_stats_move_t *moves, size_t nmoves,
                      const wz_calendar_t *cal, wz_stats_fact_t *out, size_t max)
{
    if (t->merged || max == 0)
        return 0;
    wz_stats_fact_t base;
    memset(&base, 0, sizeof(base));
    base.day = wz_cal_local_day(cal, t->received_at);
    base.account_id = t->account_id;
    base.category_id = t->category_id;
    snprintf(base.channel, sizeof(base.channel), "%s", t->channel);
    snprintf(base.type, sizeof(base.type), "%s", t->type);
    base.reply_minutes = -1;
    base.scope_unit_id = t->account_unit_id;

    /* the holder first: its row carries the ticket */
    size_t n = 0;
    wz_stats_fact_t *h = fact_of(out, &n, max, &base, t->unit_id > 0 ? t->unit_id : 0);
    int *c = h->counts;
    int held = t->unit_id > 0;
    c[WZ_SC_RECEIVED] = 1;
    c[WZ_SC_DISPATCHED] = held && t->dispatched;
    c[WZ_SC_SIGNED] = held && t->signed_;
    c[WZ_SC_SIGNED_ON_TIME] = c[WZ_SC_SIGNED] && t->signed_on_time;
    c[WZ_SC_REPLIED] = t->replied_at > 0;
    c[WZ_SC_REPLIED_ON_TIME] = c[WZ_SC_REPLIED] && t->replied_on_time;
    c[WZ_SC_OVERDUE] = t->breached != 0;
    c[WZ_SC_EXTENDED] = t->extended != 0;
    c[WZ_SC_SUPERVISED] = t->supervised != 0;
    c[WZ_SC_REOPENED] = t->reopened_count > 0;
    if (t->satisfaction[0] != '\0') {
        c[WZ_SC_RATED] = 1;
        c[WZ_SC_SATISFIED] = strcmp(t->satisfaction, "satisfied") == 0;
        c[WZ_SC_BASICALLY_SATISFIED] = strcmp(t->satisfaction, "basically_satisfied") == 0;
        c[WZ_SC_UNSATISFIED] = strcmp(t->satisfaction, "unsatisfied") == 0;
    }
    if (t->replied_at > 0) {
        int64_t s = wz_cal_working_seconds_between(cal, t->received_at, t->replied_at);
        h->reply_minutes = s > 0 ? s / 60 : 0;
    }

    /* the acts of the units that passed it on: follow who held it, move by move */
    int64_t current = 0;
    for (size_t i = 0; i < nmoves; i++) {
        const wz_stats_move_t *m = &moves[i];
        if (strcmp(m->action, "dispatch") == 0) {
            current = m->unit_id;
        } else if (strcmp(m->action, "transfer") == 0) {
            if (current > 0) {
                wz_stats_fact_t *f = fact_of(out, &n, max, &base, current);
                if (f != NULL)
                    f->counts[WZ_SC_TRANSFERRED]++;
            }
            current = m->unit_id;
        } else if (strcmp(m->action, "return") == 0) {
            int64_t by = m->unit_id > 0 ? m->unit_id : current;
            if (by > 0) {
                wz_stats_fact_t *f = fact_of(out, &n, max, &base, by);
                if (f != NULL)
                    f->counts[WZ_SC_RETURNED]++;
            }
            current = 0;
        }
    }
    return n;
}

int wz_stats_fact_equal(const wz_stats_fact_t *a, const wz_stats_fact_t *b)
{
    return a->unit_id == b->unit_id && a->scope_unit_id == b->scope_unit_id && a->day == b->day && a->account_id == b->account_id &&
           a->category_id == b->category_id && strcmp(a->channel, b->channel) == 0 &&
           strcmp(a->type, b->type) == 0 && memcmp(a->counts, b->counts, sizeof(a->counts)) == 0 &&
           a->reply_minutes == b->reply_minutes;
}
