#ifndef WZ_STATS_FACTS_H
#define WZ_STATS_FACTS_H
/* A ticket's contribution to the statistics (docs/metrics.md), computed from the ticket as it
 * stands, the order of its dispatch / transfer / return events and its latest rating. Pure:
 * server/stats/refresh.c reads the inputs and applies the facts to the rollups.
 *
 * The ticket counts for its responsible unit (the one holding it now; 0 = none) with every
 * per-ticket count; a unit that returned the ticket or transferred it away gets a fact of its
 * own carrying only those acts. A merged duplicate has no facts. */
#include "sla/calendar.h"
#include <stddef.h>
#include <stdint.h>

/* the counts, in the order of the stats_facts / stats_rollup columns */
typedef enum {
    WZ_SC_RECEIVED,
    WZ_SC_DISPATCHED,
    WZ_SC_SIGNED,
    WZ_SC_SIGNED_ON_TIME,
    WZ_SC_REPLIED,
    WZ_SC_REPLIED_ON_TIME,
    WZ_SC_OVERDUE,
    WZ_SC_RETURNED,
    WZ_SC_TRANSFERRED,
    WZ_SC_EXTENDED,
    WZ_SC_SUPERVISED,
    WZ_SC_REOPENED,
    WZ_SC_RATED,
    WZ_SC_SATISFIED,
    WZ_SC_BASICALLY_SATISFIED,
    WZ_SC_UNSATISFIED,
    WZ_SC__COUNT
} wz_stats_count_t;

/** The column name of a count ("received", "signed_on_time", ...). */
const char *wz_stats_count_name(wz_stats_count_t c);

/* the extra key of a (month, unit, scope unit) row in stats_rollup_dim_month (schema/012): the
 * keys it does not name are 0 / '' there */
typedef enum {
    WZ_STATS_DIM_ACCOUNT = 1,
    WZ_STATS_DIM_CHANNEL,
    WZ_STATS_DIM_TYPE,
    WZ_STATS_DIM_CATEGORY,
    WZ_STATS_DIM_ACCOUNT_TYPE,
    WZ_STATS_DIM__END
} wz_stats_dim_t;

#define WZ_STATS_FACTS_MAX 16 /* units one ticket can count for (the holder and who passed it on) */

typedef struct wz_stats_ticket {
    int64_t id;
    int64_t received_at; /* UTC seconds */
    int64_t unit_id, account_id, category_id; /* 0 = none */
    int64_t account_unit_id;                  /* the account's unit; 0 = none */
    char channel[16], type[16];
    int64_t replied_at; /* the first published reply, UTC seconds; 0 = none */
    /* compared by the database at full precision: dispatched_at / signed_at set, and
     * signed_at <= sign_due_at, replied_at <= reply_due_at */
    int dispatched, signed_, signed_on_time, replied_on_time;
    int extended, supervised, reopened_count, merged, breached;
    char satisfaction[24]; /* the latest rating, or "" */
} wz_stats_ticket_t;

/* a dispatch, transfer or return, in the order they happened */
typedef struct wz_stats_move {
    char action[12]; /* "dispatch", "transfer", "return" */
    int64_t unit_id; /* dispatch / transfer: the unit it went to; return: the unit that returned it */
} wz_stats_move_t;

typedef struct wz_stats_fact {
    int64_t unit_id;
    /* whose subtree sees the fact: the unit, or for the row of a ticket no unit holds, its
     * account's unit (GET /tickets's scope rule); 0 = admins only */
    int64_t scope_unit_id;
    int32_t day; /* received, Asia/Shanghai, days since 1970-01-01 */
    int64_t account_id, category_id;
    char channel[16], type[16];
    int counts[WZ_SC__COUNT];
    int64_t reply_minutes; /* working minutes to the first reply; -1 = none (not replied, or not the holder) */
} wz_stats_fact_t;

/** The facts of one ticket into out (at most max); returns how many (0 for a merged duplicate). */
size_t wz_stats_facts(const wz_stats_ticket_t *t, const wz_stats_move_t *moves, size_t nmoves,
                      const wz_calendar_t *cal, wz_stats_fact_t *out, size_t max);
/** Whether two facts are the same row with the same figures (nothing to apply). */
int wz_stats_fact_equal(const wz_stats_fact_t *a, const wz_stats_fact_t *b);

#endif
