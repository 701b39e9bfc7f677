/* POST /api/v1/tickets/{id}/publication {"withheld": true, "reason": "..."} | {"withheld": false}
 *
 * Keeps a ticket off the public board (公开答复) although its citizen consented, or puts it back.
 * Why a unit withholds: the question names a third person, the answer reveals a case still
 * under investigation, the text is abusive. The change and its reason are a ticket event
 * (publication_withheld / publication_restored) in the same transaction, so the ticket's own
 * trail shows who kept it off and why.
 *
 * Who: staff and reviewers of the unit holding the ticket, dispatchers and supervisors over it,
 * admins; evaluators and citizens 403; outside the scope 404. */
#include "admin/job.h"
#include "tickets/plan.h"
#include "tickets/view.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REASON_MAX_CHARS 200

static const char sql_lock[] = "SELECT " WZ_TICKET_VIEW_COLUMNS WZ_TICKET_VIEW_FROM " WHERE t.id = ? FOR UPDATE";
static const char sql_read[] = "SELECT " WZ_TICKET_VIEW_COLUMNS WZ_TICKET_VIEW_FROM " WHERE t.id = ?";
static const char sql_set[] = "UPDATE tickets SET withheld_reason = ?, version = version + 1 WHERE id = ?";
static const char sql_event[] =
    "INSERT INTO ticket_events (ticket_id, action, from_status, to_status, actor_id, actor_role, unit_id, client_ip, "
    "payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

typedef struct {
    int withheld;
    char reason[REASON_MAX_CHARS * 4 + 1];
    char status[16];
    int64_t unit_id;
} pub_t;

static int failed(wz_db_txn_t *txn, const wz_db_error_t *err)
{
    if (err == NULL)
        return 0;
    wz_db_txn_fail(txn, err);
    return 1;
}

static void read_back(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (failed(txn, err))
        return;
    wz_admin_commit(
        txn, job, 200,
        json_pack("{s:o}", "ticket", res->nrows == 1 ? wz_ticket_json(res, 0, &job->ctx->who) : json_null()));
}

static void evented(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    if (failed(txn, err))
        return;
    wz_admin_job_t *job = wz_db_txn_data(txn);
    wz_db_value_t id = WZ_DB_INT(job->id);
    wz_db_txn_exec(txn, sql_read, &id, 1, read_back);
}

static void set(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    if (failed(txn, err))
        return;
    wz_admin_job_t *job = wz_db_txn_data(txn);
    pub_t *p = job->data;
    wz_ctx_t *ctx = job->ctx;
    json_t *payload = p->withheld ? json_pack("{s:s}", "reason", p->reason) : json_object();
    char *text = json_dumps(payload, JSON_COMPACT);
    json_decref(payload);
    if (text == NULL)
        abort();
    wz_db_value_t v[] = {WZ_DB_INT(job->id),
                         WZ_DB_TEXT(p->withheld ? "publication_withheld" : "publication_restored"),
                         WZ_DB_TEXT(p->status),
                         WZ_DB_TEXT(p->status),
                         WZ_DB_INT(ctx->who.id),
                         WZ_DB_TEXT(wz_role_name(ctx->who.role)),
                         p->unit_id > 0 ? WZ_DB_INT(p->unit_id) : WZ_DB_NULL(),
                         WZ_DB_TEXT(ctx->client_ip),
                         WZ_DB_TEXT(text)};
    wz_db_txn_exec(txn, sql_event, v, 9, evented);
    free(text);
}

static void locked(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (failed(txn, err))
        return;
    if (res->nrows != 1 || !wz_ticket_row_visible(&job->ctx->who, res, 0)) {
        wz_admin_refuse(txn, job, WZ_ERR_NOT_FOUND, NULL, "no such ticket");
        return;
    }
    pub_t *p = job->data;
    size_t n;
    const char *st = wz_db_cell_text(res, 0, WZ_VIEW_COL_STATUS, &n);
    snprintf(p->status, sizeof(p->status), "%.*s", (int)n, st);
    p->unit_id = wz_db_cell_int(res, 0, WZ_VIEW_COL_UNIT);
    int was_withheld = wz_db_cell(res, 0, 43)->type != WZ_DB_T_NULL;
    if (was_withheld == p->withheld && !p->withheld) {
        wz_admin_refuse(txn, job, WZ_ERR_CONFLICT, "withheld", "the ticket is not withheld");
        return;
    }
    wz_db_value_t v[] = {p->withheld ? WZ_DB_TEXT(p->reason) : WZ_DB_NULL(), WZ_DB_INT(job->id)};
    wz_db_txn_exec(txn, sql_set, v, 2, set);
}

static void first(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    wz_admin_job_t *job = wz_db_txn_data(txn);
    wz_db_value_t id = WZ_DB_INT(job->id);
    wz_db_txn_exec(txn, sql_lock, &id, 1, locked);
}

void wz_handle_ticket_publication(wz_ctx_t *ctx)
{
    int64_t id = wz_path_id(ctx, "id");
    if (id <= 0) {
        wz_send_error(ctx, WZ_ERR_NOT_FOUND, "no such ticket", NULL);
        return;
    }
    if (ctx->who.role == WZ_ROLE_CITIZEN || ctx->who.role == WZ_ROLE_EVALUATOR) {
        wz_send_error(ctx, WZ_ERR_FORBIDDEN, "your role may not change what is published", NULL);
        return;
    }
    int withheld = 0;
    const char *reason = NULL;
    json_error_t jerr;
    if (!json_is_object(ctx->body) ||
        json_unpack_ex(ctx->body, &jerr, JSON_STRICT, "{s:b, s?s}", "withheld", &withheld, "reason", &reason) != 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION,
                      "the body must be {\"withheld\": true, \"reason\": \"...\"} or {\"withheld\": false}",
                      "withheld");
        return;
    }
    long chars = reason ? wz_utf8_chars(reason, strlen(reason)) : 0;
    if (withheld &&
        (reason == NULL || reason[strspn(reason, " \t\r\n")] == '\0' || chars < 0 || chars > REASON_MAX_CHARS)) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "withholding needs a reason of 1 to 200 characters", "reason");
        return;
    }
    if (!withheld && reason != NULL) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "a reason goes with withheld: true only", "reason");
        return;
    }
    pub_t *p = calloc(1, sizeof(*p));
    if (p == NULL)
        abort();
    p->withheld = withheld;
    if (reason != NULL)
        snprintf(p->reason, sizeof(p->reason), "%s", reason);
    wz_admin_job_t *job = wz_admin_job_new(ctx, NULL);
    job->id = job->path_id = id;
    job->data = p;
    job->free_data = free;
    wz_admin_job_run(job, first);
}
