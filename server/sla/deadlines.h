#ifndef WZ_SLA_DEADLINES_H
#define WZ_SLA_DEADLINES_H
/* SLA deadlines from a policy and the working calendar. Pure: the ticket code stores the
 * results in the ticket and writes the matching sla_timers rows. All instants are UTC seconds.
 * docs/lifecycle.md states the rules; the key ones:
 *   - the dispatch limit counts from receipt; the sign and reply limits from dispatch (a unit
 *     gains nothing by signing late);
 *   - the citizen's promised reply date is fixed at intake (dispatch limit + reply limit) and
 *     moves only by approved extensions, never by transfers or returns;
 *   - a warning falls at warn_ratio of each limit, in working time. */
#include "sla/calendar.h"
#include <stdint.h>

typedef struct wz_sla_policy {
    int dispatch_minutes, sign_minutes; /* working minutes */
    int reply_days, resolve_days, return_window_days, extension_max_days; /* working days */
    double warn_ratio;                   /* 0 < r < 1; 0.75 by default */
    int reopen_max, rating_window_days, info_wait_days;
} wz_sla_policy_t;

typedef struct wz_sla_intake {
    int64_t dispatch_warn, dispatch_due;
    int64_t promised_reply; /* 承诺答复期限 told to the citizen */
} wz_sla_intake_t;

typedef struct wz_sla_dispatch {
    int64_t sign_warn, sign_due;
    int64_t reply_warn, reply_due;
    int64_t resolve_due;
    int64_t return_until; /* the unit may return the ticket itself until then */
} wz_sla_dispatch_t;

typedef enum { WZ_LIGHT_GREEN, WZ_LIGHT_YELLOW, WZ_LIGHT_RED } wz_sla_light_t;

/** The product defaults for a ticket type ("consultation", ...) at normal priority. -1 if unknown. */
int wz_sla_policy_default(const char *type, wz_sla_policy_t *out);
/** Checks a policy before it is stored; NULL or the reason. */
const char *wz_sla_policy_invalid(const wz_sla_policy_t *p);
/** Deadlines known at receipt. */
void wz_sla_on_intake(const wz_calendar_t *cal, const wz_sla_policy_t *p, int64_t received, wz_sla_intake_t *out);
/** The unit's deadlines, from the moment of (each) dispatch. */
void wz_sla_on_dispatch(const wz_calendar_t *cal, const wz_sla_policy_t *p, int64_t dispatched, wz_sla_dispatch_t *out);
/** The warning instant of a limit that runs from start to due. */
int64_t wz_sla_warn_at(const wz_calendar_t *cal, int64_t start, int64_t due, double warn_ratio);
/** A paused reply clock resumes: the due date moves by the working time spent paused. */
int64_t wz_sla_resume(const wz_calendar_t *cal, int64_t due, int64_t paused_at, int64_t resumed_at);
/** An approved extension of days working days. */
int64_t wz_sla_extend(const wz_calendar_t *cal, int64_t due, int days);
/** The light at now for a limit (0 = no limit: green). */
wz_sla_light_t wz_sla_light(int64_t now, int64_t warn_at, int64_t due);
const char *wz_sla_light_name(wz_sla_light_t light);

#endif
