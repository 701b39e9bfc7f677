#ifndef WZ_TICKETS_VIEW_H
#define WZ_TICKETS_VIEW_H
/* How a ticket looks in JSON, and the one SELECT every reader uses to get it. Lists, the
 * detail page and every action's answer render through here, so they cannot drift apart.
 * Columns after WZ_VIEW_NCOLS are the caller's (scope, sort keys). */
#include "auth/identity.h"
#include "db/db.h"
#include <jansson.h>

/* the select list and joins; callers append their own WHERE / ORDER BY */
#define WZ_TICKET_VIEW_COLUMNS                                                                                         \
    "t.id, t.number, t.status, t.type, t.priority, CAST(COALESCE(t.category_id, 0) AS SIGNED), t.title, t.content, "   \
    "t.channel, CAST(COALESCE(t.account_id, 0) AS SIGNED), CAST(COALESCE(t.unit_id, 0) AS SIGNED), t.citizen_name, "  \
    "t.contact_masked, t.sla_light, t.supervised, t.extended, t.extended_days, t.reopened_count, t.returned_count, "   \
    "t.transferred_count, CAST(COALESCE(t.merged_into, 0) AS SIGNED), t.close_reason, t.region, "                      \
    "CAST(UNIX_TIMESTAMP(t.received_at) AS SIGNED), CAST(UNIX_TIMESTAMP(t.promised_reply_at) AS SIGNED), "             \
    "CAST(UNIX_TIMESTAMP(t.dispatch_due_at) AS SIGNED), CAST(UNIX_TIMESTAMP(t.dispatched_at) AS SIGNED), "             \
    "CAST(UNIX_TIMESTAMP(t.sign_due_at) AS SIGNED), CAST(UNIX_TIMESTAMP(t.signed_at) AS SIGNED), "                     \
    "CAST(UNIX_TIMESTAMP(t.reply_due_at) AS SIGNED), CAST(UNIX_TIMESTAMP(t.replied_at) AS SIGNED), "                   \
    "CAST(UNIX_TIMESTAMP(t.resolve_due_at) AS SIGNED), CAST(UNIX_TIMESTAMP(t.paused_at) AS SIGNED), "                  \
    "CAST(UNIX_TIMESTAMP(t.closed_at) AS SIGNED), CAST(UNIX_TIMESTAMP(t.updated_at) AS SIGNED), "                      \
    "CAST(COALESCE(t.citizen_id, 0) AS SIGNED), t.version, u.name, a.name, t.location, "                              \
    "COALESCE(u.path, ''), COALESCE(au.path, ''), t.publish, t.withheld_reason"
#define WZ_TICKET_VIEW_FROM                                                                                            \
    " FROM tickets t LEFT JOIN units u ON u.id = t.unit_id LEFT JOIN accounts a ON a.id = t.account_id "              \
    "LEFT JOIN units au ON au.id = a.unit_id"
#define WZ_VIEW_NCOLS 44

/* column indexes the access checks need */
enum {
    WZ_VIEW_COL_ID = 0,
    WZ_VIEW_COL_STATUS = 2,
    WZ_VIEW_COL_UNIT = 10,
    WZ_VIEW_COL_CITIZEN = 35,
    WZ_VIEW_COL_UNIT_PATH = 40,
    WZ_VIEW_COL_ACCOUNT_UNIT_PATH = 41,
};

/** Whether the caller may see the ticket in this row: a citizen their own; staff and
 * reviewers their unit's; dispatchers, supervisors and evaluators their subtree's (an
 * unassigned ticket belongs to its account's unit); admins all. */
int wz_ticket_row_visible(const wz_identity_t *who, const wz_db_result_t *res, size_t row);
/** Whether personal numbers in the ticket's text are masked for this caller (evaluators, who
 * read for statistics, see them masked). */
int wz_ticket_masks_for(const wz_identity_t *who);
/** The ticket in the row as JSON. */
json_t *wz_ticket_json(const wz_db_result_t *res, size_t row, const wz_identity_t *who);

/** JSON helpers shared by the ticket renderers */
json_t *wz_json_time(int64_t utc); /* RFC 3339, or null for 0 */
json_t *wz_json_id(int64_t id);    /* ids are strings in JSON; null for 0 */
json_t *wz_json_text(const char *s, size_t len, int mask);

#endif
