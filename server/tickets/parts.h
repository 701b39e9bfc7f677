#ifndef WZ_TICKETS_PARTS_H
#define WZ_TICKETS_PARTS_H
/* The rows that hang off a ticket (replies, messages, events, ratings, extensions): their
 * SELECT lists and their JSON, shared by the detail page and the actions' answers. */
#include "auth/identity.h"
#include "db/db.h"
#include <jansson.h>

/* Each part's column list (_COLS, with its count _NCOLS) and its SELECT ... FROM (_COLUMNS). */
#define WZ_REPLY_COLS                                                                                                 \
    "CAST(id AS SIGNED), CAST(ticket_id AS SIGNED), status, body, CAST(author_id AS SIGNED), "                       \
    "CAST(COALESCE(reviewer_id, 0) AS SIGNED), CAST(COALESCE(unit_id, 0) AS SIGNED), review_note, "                  \
    "CAST(UNIX_TIMESTAMP(created_at) AS SIGNED), CAST(UNIX_TIMESTAMP(published_at) AS SIGNED)"
#define WZ_REPLY_NCOLS 10
#define WZ_REPLY_COLUMNS "SELECT " WZ_REPLY_COLS " FROM replies "
#define WZ_MESSAGE_COLS "CAST(id AS SIGNED), author, kind, body, CAST(UNIX_TIMESTAMP(created_at) AS SIGNED)"
#define WZ_MESSAGE_NCOLS 5
#define WZ_MESSAGE_COLUMNS "SELECT " WZ_MESSAGE_COLS " FROM ticket_messages "
#define WZ_EVENT_COLS                                                                                                 \
    "CAST(id AS SIGNED), action, from_status, to_status, CAST(COALESCE(actor_id, 0) AS SIGNED), actor_role, "        \
    "CAST(COALESCE(unit_id, 0) AS SIGNED), client_ip, payload, CAST(UNIX_TIMESTAMP(created_at) AS SIGNED)"
#define WZ_EVENT_NCOLS 10
#define WZ_EVENT_COLUMNS "SELECT " WZ_EVENT_COLS " FROM ticket_events "
#define WZ_RATING_COLS                                                                                                \
    "CAST(id AS SIGNED), round, satisfaction, resolved, comment, CAST(COALESCE(unit_id, 0) AS SIGNED), "             \
    "CAST(UNIX_TIMESTAMP(created_at) AS SIGNED)"
#define WZ_RATING_NCOLS 7
#define WZ_RATING_COLUMNS "SELECT " WZ_RATING_COLS " FROM ratings "
#define WZ_EXTENSION_COLS                                                                                             \
    "CAST(id AS SIGNED), status, days, reason, CAST(requested_by AS SIGNED), "                                       \
    "CAST(COALESCE(decided_by, 0) AS SIGNED), CAST(UNIX_TIMESTAMP(decided_at) AS SIGNED), comment, "                 \
    "CAST(UNIX_TIMESTAMP(created_at) AS SIGNED), CAST(unit_id AS SIGNED)"
#define WZ_EXTENSION_NCOLS 10
#define WZ_EXTENSION_COLUMNS "SELECT " WZ_EXTENSION_COLS " FROM extensions "

/* Citizens see who acted by role only: no staff ids, no addresses. */
json_t *wz_reply_json(const wz_db_result_t *res, size_t row, const wz_identity_t *who);
json_t *wz_message_json(const wz_db_result_t *res, size_t row, const wz_identity_t *who);
json_t *wz_event_json(const wz_db_result_t *res, size_t row, const wz_identity_t *who);
json_t *wz_rating_json(const wz_db_result_t *res, size_t row, const wz_identity_t *who);
json_t *wz_extension_json(const wz_db_result_t *res, size_t row, const wz_identity_t *who);

/** The SELECT (by id) and renderer of a created row's kind ("reply", ...), or NULL. */
const char *wz_part_select_by_id(const char *kind);
json_t *wz_part_json(const char *kind, const wz_db_result_t *res, size_t row, const wz_identity_t *who);

#endif
