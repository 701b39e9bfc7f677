/* GET /tickets/{id}: the ticket and its parts, read in one transaction so they agree. */
#include "db/txn.h"
#include "tickets/parts.h"
#include "tickets/reads.h"
#include "tickets/view.h"
#include <stdlib.h>
#include <string.h>

#define PART_LIMIT 500 /* rows of each part; a ticket with more is a data problem */

typedef struct {
    wz_identity_t who;
    int64_t id, merged_into;
    json_t *doc;
    int stage;
    wz_ticket_read_cb cb;
    void *data;
} job_t;

typedef json_t *(*render_fn)(const wz_db_result_t *, size_t, const wz_identity_t *);

/* a photo the citizen attached; its bytes are GET /uploads/{id} */
static json_t *attachment_json(const wz_db_result_t *res, size_t r, const wz_identity_t *who)
{
    (void)who;
    size_t n;
    const char *type = wz_db_cell_text(res, r, 1, &n);
    return json_pack("{s:o, s:s%, s:I}", "id", wz_json_id(wz_db_cell_int(res, r, 0)), "content_type", type, n, "size",
                     (json_int_t)wz_db_cell_int(res, r, 2));
}

static const struct {
    const char *name;
    const char *sql;
    render_fn render;
} parts[] = {
    {"messages", WZ_MESSAGE_COLUMNS "WHERE ticket_id = ? AND ? >= 0 ORDER BY id LIMIT ?", wz_message_json},
    /* a merged duplicate shows its primary's replies too: the citizen sees the answer */
    {"replies", WZ_REPLY_COLUMNS "WHERE ticket_id IN (?, ?) ORDER BY id LIMIT ?", wz_reply_json},
    {"events", WZ_EVENT_COLUMNS "WHERE ticket_id = ? AND ? >= 0 ORDER BY id LIMIT ?", wz_event_json},
    {"ratings", WZ_RATING_COLUMNS "WHERE ticket_id = ? AND ? >= 0 ORDER BY round LIMIT ?", wz_rating_json},
    {"extensions", WZ_EXTENSION_COLUMNS "WHERE ticket_id = ? AND ? >= 0 ORDER BY id LIMIT ?", wz_extension_json},
    {"attachments", "SELECT id, content_type, size FROM uploads WHERE ticket_id = ? AND ? >= 0 ORDER BY id LIMIT ?",
     attachment_json},
};
#define NPARTS (sizeof(parts) / sizeof(parts[0]))

/* Only the unit's own people see replies still in review or sent back. */
static int sees_drafts(const wz_identity_t *who)
{
    return who->role == WZ_ROLE_STAFF || who->role == WZ_ROLE_REVIEWER || who->role == WZ_ROLE_ADMIN ||
           who->role == WZ_ROLE_SUPERVISOR || who->role == WZ_ROLE_DISPATCHER;
}

static void step_part(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err);

static void run_part(wz_db_txn_t *txn)
{
    job_t *j = wz_db_txn_data(txn);
    if ((size_t)j->stage >= NPARTS) {
        wz_db_txn_commit(txn);
        return;
    }
    wz_db_value_t p[] = {WZ_DB_INT(j->id), WZ_DB_INT(j->merged_into > 0 ? j->merged_into : 0), WZ_DB_INT(PART_LIMIT)};
    wz_db_txn_exec(txn, parts[j->stage].sql, p, 3, step_part);
}

static void step_part(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    job_t *j = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    json_t *arr = json_array();
    int replies = strcmp(parts[j->stage].name, "replies") == 0;
    for (size_t r = 0; r < res->nrows; r++) {
        if (replies && !sees_drafts(&j->who) && strcmp(wz_db_cell(res, r, 2)->u.s.p, "published") != 0)
            continue;
        json_array_append_new(arr, parts[j->stage].render(res, r, &j->who));
    }
    if (strcmp(parts[j->stage].name, "ratings") == 0) {
        /* the latest round is "the" rating; earlier rounds stay in the list */
        size_t n = json_array_size(arr);
        json_object_set(j->doc, "rating", n > 0 ? json_array_get(arr, n - 1) : json_null());
    }
    json_object_set_new(j->doc, parts[j->stage].name, arr);
    j->stage++;
    run_part(txn);
}

static void step_view(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    job_t *j = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    if (res->nrows != 1 || !wz_ticket_row_visible(&j->who, res, 0)) {
        wz_db_txn_commit(txn);
        return;
    }
    j->doc = wz_ticket_json(res, 0, &j->who);
    const wz_db_value_t *m = wz_db_cell(res, 0, 20);
    j->merged_into = m->type == WZ_DB_T_INT ? m->u.i : 0;
    run_part(txn);
}

static void step_first(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    job_t *j = wz_db_txn_data(txn);
    json_decref(j->doc);
    j->doc = NULL;
    j->stage = 0;
    wz_db_value_t p = WZ_DB_INT(j->id);
    wz_db_txn_exec(txn, "SELECT " WZ_TICKET_VIEW_COLUMNS WZ_TICKET_VIEW_FROM " WHERE t.id = ?", &p, 1, step_view);
}

static void on_done(void *data, const wz_db_error_t *err)
{
    job_t *j = data;
    j->cb(j->data, err ? NULL : j->doc, err);
    json_decref(j->doc);
    free(j);
}

int wz_ticket_detail(wz_db_pool_t *pool, const wz_identity_t *who, int64_t id, wz_ticket_read_cb cb, void *data)
{
    job_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        abort();
    j->who = *who;
    j->id = id;
    j->cb = cb;
    j->data = data;
    int ret = wz_db_txn_begin(pool, step_first, on_done, j);
    if (ret != WZ_DB_OK)
        free(j);
    return ret;
}
