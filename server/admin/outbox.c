/* The outbox for operators (admins only):
 *   GET  /api/v1/outbox?state=pending|dead|sent&kind=&ticket_id=&limit=&cursor=
 *        newest first, paged by the id of the last row seen; each row with its attempts,
 *        next_attempt_at, last_error and how it was delivered
 *   POST /api/v1/outbox/{id}/retry
 *        a dead or pending row becomes due now with attempts 0 (dead 0), in one transaction with
 *        its audit_log row; 409 when it was already sent, 404 when there is no such row.
 * The sender itself is channels/outbox.c; the paging and the retry's transaction are
 * admin/queue.c, shared with the channel inbox. */
#include "admin/queue.h"
#include "tickets/view.h"
#include <stdio.h>
#include <string.h>

#define COLUMNS                                                                                                        \
    "SELECT id, kind, CAST(COALESCE(ticket_id, 0) AS SIGNED), payload, attempts, "                                     \
    "CAST(UNIX_TIMESTAMP(next_attempt_at) AS SIGNED), CAST(COALESCE(UNIX_TIMESTAMP(last_attempt_at), 0) AS SIGNED), "  \
    "CAST(COALESCE(UNIX_TIMESTAMP(sent_at), 0) AS SIGNED), dead, delivered_via, last_error, "                          \
    "CAST(UNIX_TIMESTAMP(created_at) AS SIGNED) FROM outbox "
#define STATE_FILTER                                                                                                   \
    "(? = '' OR (? = 'pending' AND sent_at IS NULL AND dead = 0) OR (? = 'dead' AND sent_at IS NULL AND dead = 1) "    \
    "OR (? = 'sent' AND sent_at IS NOT NULL)) AND (? = '' OR kind = ?) AND (? = 0 OR id < ?) "

static const char sql_list[] = COLUMNS "WHERE " STATE_FILTER "ORDER BY id DESC LIMIT ?";
/* one ticket's rows: ix_outbox_ticket (ticket_id, id) */
static const char sql_list_ticket[] = COLUMNS "WHERE ticket_id = ? AND " STATE_FILTER "ORDER BY id DESC LIMIT ?";
static const char sql_get[] = COLUMNS "WHERE id = ?";
/* admin/queue.h: why not (sent), what it was, attempts, last_error */
static const char sql_lock[] = "SELECT IF(sent_at IS NULL, '', 'sent'), IF(dead, 'dead', 'pending'), attempts, "
                               "last_error FROM outbox WHERE id = ? FOR UPDATE";
static const char sql_retry[] =
    "UPDATE outbox SET dead = 0, attempts = 0, next_attempt_at = UTC_TIMESTAMP(6) WHERE id = ?";

static json_t *row_json(const wz_db_result_t *res, size_t r)
{
    size_t n;
    json_t *o = json_object();
    json_object_set_new(o, "id", wz_json_id(wz_db_cell_int(res, r, 0)));
    const char *kind = wz_db_cell_text(res, r, 1, &n);
    json_object_set_new(o, "kind", json_stringn(kind, n));
    json_object_set_new(o, "ticket_id", wz_json_id(wz_db_cell_int(res, r, 2)));
    const char *p = wz_db_cell_text(res, r, 3, &n);
    json_t *payload = n ? json_loadb(p, n, 0, NULL) : NULL;
    json_object_set_new(o, "payload", payload ? payload : json_null());
    long long sent = wz_db_cell_int(res, r, 7), dead = wz_db_cell_int(res, r, 8);
    json_object_set_new(o, "state", json_string(sent ? "sent" : dead ? "dead" : "pending"));
    json_object_set_new(o, "attempts", json_integer(wz_db_cell_int(res, r, 4)));
    json_object_set_new(o, "next_attempt_at", sent || dead ? json_null() : wz_json_time(wz_db_cell_int(res, r, 5)));
    json_object_set_new(o, "last_attempt_at", wz_json_time(wz_db_cell_int(res, r, 6)));
    json_object_set_new(o, "sent_at", wz_json_time(sent));
    const char *via = wz_db_cell_text(res, r, 9, &n);
    json_object_set_new(o, "delivered_via", json_stringn(via, n));
    const char *err = wz_db_cell_text(res, r, 10, &n);
    json_object_set_new(o, "last_error", json_stringn(err, n));
    json_object_set_new(o, "created_at", wz_json_time(wz_db_cell_int(res, r, 11)));
    return o;
}

/* ---- GET /outbox ---- */

static const char *const states[] = {"pending", "dead", "sent", NULL};

void wz_handle_outbox_list(wz_ctx_t *ctx)
{
    if (ctx->who.role != WZ_ROLE_ADMIN) {
        wz_send_error(ctx, WZ_ERR_FORBIDDEN, "only administrators read the outbox", NULL);
        return;
    }
    char state[16], kind[33];
    int64_t ticket = 0;
    wz_admin_page_t page;
    if (wz_admin_query_enum(ctx, "state", states, "state must be pending, dead or sent", state, sizeof(state)))
        return;
    int r = wz_req_query(ctx, "kind", kind, sizeof(kind));
    if (r < 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "kind is too long", "kind");
        return;
    }
    if (r == 0)
        kind[0] = '\0';
    if (wz_admin_query_id(ctx, "ticket_id", &ticket) || wz_admin_page_parse(ctx, &page))
        return;
    wz_db_value_t p[12];
    size_t np = 0;
    if (ticket > 0)
        p[np++] = WZ_DB_INT(ticket);
    for (int i = 0; i < 4; i++)
        p[np++] = WZ_DB_TEXT(state);
    p[np++] = WZ_DB_TEXT(kind);
    p[np++] = WZ_DB_TEXT(kind);
    p[np++] = WZ_DB_INT(page.cursor);
    p[np++] = WZ_DB_INT(page.cursor);
    p[np++] = WZ_DB_INT(page.limit + 1);
    wz_admin_page_run(ctx, &page, ticket > 0 ? sql_list_ticket : sql_list, p, np, row_json);
}

/* ---- POST /outbox/{id}/retry ---- */

static const wz_admin_retry_t retry = {
    .what = "outbox row",
    .target_type = "outbox",
    .one = "outbox",
    .sql_lock = sql_lock,
    .sql_retry = sql_retry,
    .sql_get = sql_get,
    .row = row_json,
};

void wz_handle_outbox_retry(wz_ctx_t *ctx)
{
    wz_admin_retry(ctx, &retry);
}
