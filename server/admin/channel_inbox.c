/* The channel inbox for operators (admins only), like the outbox's dead letters:
 *   GET  /api/v1/channel-inbox?outcome=ticket|follow_up|post|ignored|failed|pending
 *        &account_id=&ticket_id=&limit=&cursor=
 *        newest first, paged by the id of the last row seen; each row with its attempts,
 *        next_attempt_at, outcome, ticket and last_error. Of the payload only msg_type, event,
 *        created_at and the content with personal numbers masked (tickets/privacy.h): the
 *        sender's nickname, location and media stay in the database.
 *   POST /api/v1/channel-inbox/{id}/retry
 *        a failed row, or a pending one waiting for its backoff, becomes due now with attempts
 *        0, in one transaction with its audit_log row; after the commit this server processes
 *        it at once (the sweeper would anyway). 409 when it was processed (a ticket, a
 *        follow-up, a post, ignored), 404 when there is no such row.
 * Processing is channels/inbox.c; the paging and the retry's transaction are admin/queue.c,
 * shared with the outbox. The filters each have an index in id order (schema/008). */
#include "admin/queue.h"
#include "tickets/view.h"

#define COLUMNS                                                                                                        \
    "SELECT id, CAST(account_id AS SIGNED), dedupe_key, kind, sender, payload, "                                       \
    "CAST(UNIX_TIMESTAMP(received_at) AS SIGNED), attempts, CAST(UNIX_TIMESTAMP(next_attempt_at) AS SIGNED), "         \
    "CAST(COALESCE(UNIX_TIMESTAMP(processed_at), 0) AS SIGNED), COALESCE(outcome, ''), "                               \
    "CAST(COALESCE(ticket_id, 0) AS SIGNED), last_error, CAST(COALESCE(UNIX_TIMESTAMP(lease_until), 0) AS SIGNED) "    \
    "FROM channel_inbox "

/* MariaDB folds the parameters to constants at each execution, so one statement serves every
 * filter: failed (and the other outcomes) reads ix_inbox_outcome (outcome, id), an account
 * ix_inbox_account (account_id, id), a ticket ix_inbox_ticket, each in id order; pending reads
 * ix_inbox_pending and sorts the pending rows (few). Checked with EXPLAIN on 200,000 rows. */
static const char sql_list[] =
    COLUMNS "WHERE (? = '' OR (? = 'pending' AND processed_at IS NULL) OR (? <> 'pending' AND outcome = ?)) "
            "AND (? = 0 OR account_id = ?) AND (? = 0 OR ticket_id = ?) AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?";
static const char sql_get[] = COLUMNS "WHERE id = ?";
/* admin/queue.h: why not (processed), what it was, attempts, last_error */
static const char sql_lock[] =
    "SELECT IF(processed_at IS NULL OR outcome = 'failed', '', CONCAT('processed (', outcome, ')')), "
    "COALESCE(outcome, 'pending'), attempts, last_error FROM channel_inbox WHERE id = ? FOR UPDATE";
/* due now for this server and the sweeper; a lease still running (a processing in flight) is
 * dropped: every step of processing is idempotent */
static const char sql_retry[] = "UPDATE channel_inbox SET processed_at = NULL, outcome = NULL, attempts = 0, "
                                "next_attempt_at = UTC_TIMESTAMP(6), lease_until = NULL WHERE id = ?";

static const char *const outcomes[] = {"ticket", "follow_up", "post", "ignored", "failed", "pending", NULL};

/* what an operator needs of the payload: never the nickname, the location or a media URL, and
 * the content with ID-card and mobile numbers masked */
static json_t *payload_json(const char *text, size_t len)
{
    json_t *doc = len ? json_loadb(text, len, 0, NULL) : NULL;
    if (!json_is_object(doc)) {
        json_decref(doc);
        return json_null();
    }
    json_t *o = json_object();
    static const char *const names[] = {"msg_type", "event"};
    for (size_t i = 0; i < 2; i++) {
        json_t *v = json_object_get(doc, names[i]);
        json_object_set_new(o, names[i], json_is_string(v) ? json_copy(v) : json_null());
    }
    json_object_set_new(o, "created_at", wz_json_time(json_integer_value(json_object_get(doc, "created_at"))));
    const json_t *content = json_object_get(doc, "content");
    json_object_set_new(o, "content",
                        json_is_string(content)
                            ? wz_json_text(json_string_value(content), json_string_length(content), 1)
                            : json_null());
    json_decref(doc);
    return o;
}

static json_t *row_json(const wz_db_result_t *res, size_t r)
{
    size_t n;
    json_t *o = json_object();
    json_object_set_new(o, "id", wz_json_id(wz_db_cell_int(res, r, 0)));
    json_object_set_new(o, "account_id", wz_json_id(wz_db_cell_int(res, r, 1)));
    const char *s = wz_db_cell_text(res, r, 2, &n);
    json_object_set_new(o, "dedupe_key", json_stringn(s, n));
    s = wz_db_cell_text(res, r, 3, &n);
    json_object_set_new(o, "kind", json_stringn(s, n));
    s = wz_db_cell_text(res, r, 4, &n); /* the platform's opaque id of the citizen */
    json_object_set_new(o, "sender", json_stringn(s, n));
    s = wz_db_cell_text(res, r, 5, &n);
    json_object_set_new(o, "payload", payload_json(s, n));
    json_object_set_new(o, "received_at", wz_json_time(wz_db_cell_int(res, r, 6)));
    json_object_set_new(o, "attempts", json_integer(wz_db_cell_int(res, r, 7)));
    long long processed = wz_db_cell_int(res, r, 9);
    json_object_set_new(o, "next_attempt_at", processed ? json_null() : wz_json_time(wz_db_cell_int(res, r, 8)));
    json_object_set_new(o, "lease_until", processed ? json_null() : wz_json_time(wz_db_cell_int(res, r, 13)));
    json_object_set_new(o, "processed_at", wz_json_time(processed));
    s = wz_db_cell_text(res, r, 10, &n);
    json_object_set_new(o, "outcome", processed && n ? json_stringn(s, n) : json_string("pending"));
    json_object_set_new(o, "ticket_id", wz_json_id(wz_db_cell_int(res, r, 11)));
    s = wz_db_cell_text(res, r, 12, &n);
    json_object_set_new(o, "last_error", json_stringn(s, n));
    return o;
}

/* ---- GET /channel-inbox ---- */

void wz_handle_channel_inbox_list(wz_ctx_t *ctx)
{
    if (ctx->who.role != WZ_ROLE_ADMIN) {
        wz_send_error(ctx, WZ_ERR_FORBIDDEN, "only administrators read the channel inbox", NULL);
        return;
    }
    char outcome[16];
    int64_t account = 0, ticket = 0;
    wz_admin_page_t page;
    if (wz_admin_query_enum(ctx, "outcome", outcomes,
                            "outcome must be ticket, follow_up, post, ignored, failed or pending", outcome,
                            sizeof(outcome)) ||
        wz_admin_query_id(ctx, "account_id", &account) || wz_admin_query_id(ctx, "ticket_id", &ticket) ||
        wz_admin_page_parse(ctx, &page))
        return;
    wz_db_value_t p[] = {
        WZ_DB_TEXT(outcome),    WZ_DB_TEXT(outcome),    WZ_DB_TEXT(outcome),       WZ_DB_TEXT(outcome),
        WZ_DB_INT(account),     WZ_DB_INT(account),     WZ_DB_INT(ticket),         WZ_DB_INT(ticket),
        WZ_DB_INT(page.cursor), WZ_DB_INT(page.cursor), WZ_DB_INT(page.limit + 1),
    };
    wz_admin_page_run(ctx, &page, sql_list, p, sizeof(p) / sizeof(p[0]), row_json);
}

/* ---- POST /channel-inbox/{id}/retry ---- */

/* the row is due: process it now on this loop rather than at the sweeper's next round */
static void process_now(wz_admin_job_t *job)
{
    wz_inbox_process(&job->ctx->worker->inbox, job->id);
    wz_admin_reply(job);
}

static const wz_admin_retry_t retry = {
    .what = "channel inbox row",
    .target_type = "channel_inbox",
    .one = "channel_inbox",
    .sql_lock = sql_lock,
    .sql_retry = sql_retry,
    .sql_get = sql_get,
    .row = row_json,
    .after_commit = process_now,
};

void wz_handle_channel_inbox_retry(wz_ctx_t *ctx)
{
    wz_admin_retry(ctx, &retry);
}
