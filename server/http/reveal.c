/* POST /api/v1/tickets/{id}/reveal {"reason": "..."}: a citizen's contact number unmasked, for
 * the people who must call them back. Everywhere else the number is shown masked (138****5678)
 * and only its sealed copy is kept (tickets.contact_raw), so reading it is an event of its own:
 * the audit_log row (who, when, from where, why) is committed before the number is sent, and a
 * failed audit means no number.
 *
 * Who: staff and reviewers of the unit that holds the ticket, dispatchers and supervisors over
 * it, admins. Evaluators read for statistics and citizens know their own number: 403. A ticket
 * outside the caller's scope is 404, as everywhere. */
#include "admin/job.h"
#include "common/seal.h"
#include "tickets/view.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REASON_MAX_CHARS 200
#define CONTACT_MAX 256

static const char sql_ticket[] =
    "SELECT " WZ_TICKET_VIEW_COLUMNS ", t.contact_raw" WZ_TICKET_VIEW_FROM " WHERE t.id = ?";

typedef struct {
    char reason[REASON_MAX_CHARS * 4 + 1];
    char contact[CONTACT_MAX + 1];
    int has_contact;
} reveal_t;

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

static void audited(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    reveal_t *r = job->data;
    json_t *doc = json_pack("{s:o}", "contact", r->has_contact ? json_string(r->contact) : json_null());
    wz_admin_commit(txn, job, 200, doc);
}

static void got_ticket(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    if (res->nrows != 1 || !wz_ticket_row_visible(&job->ctx->who, res, 0)) {
        wz_admin_refuse(txn, job, WZ_ERR_NOT_FOUND, NULL, "no such ticket");
        return;
    }
    reveal_t *r = job->data;
    r->has_contact = 0;
    const wz_db_value_t *cell = wz_db_cell(res, 0, WZ_VIEW_NCOLS);
    size_t n = 0;
    const char *raw = cell != NULL && cell->type != WZ_DB_T_NULL ? wz_db_cell_text(res, 0, WZ_VIEW_NCOLS, &n) : NULL;
    if (raw != NULL && n > WZ_SEAL_OVERHEAD && n - WZ_SEAL_OVERHEAD <= CONTACT_MAX) {
        size_t len = n - WZ_SEAL_OVERHEAD;
        if (wz_unseal(job->ctx->server->seal_key, (const uint8_t *)raw, n, r->contact) != 0) {
            /* sealed with another secret_key: nothing to show, and nothing to pretend */
            wz_admin_refuse(txn, job, WZ_ERR_INTERNAL, NULL, "the contact cannot be opened with this server's key");
            return;
        }
        r->contact[len] = '\0';
        r->has_contact = 1;
    }
    char target[24];
    snprintf(target, sizeof(target), "%lld", (long long)job->id);
    json_t *payload = json_pack("{s:s, s:s, s:b}", "field", "contact", "reason", r->reason, "present", r->has_contact);
    wz_admin_audit(txn, job, "ticket", target, payload, audited);
}

static void first(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    wz_admin_job_t *job = wz_db_txn_data(txn);
    wz_db_value_t id = WZ_DB_INT(job->id);
    wz_db_txn_exec(txn, sql_ticket, &id, 1, got_ticket);
}

static void reveal_free(void *data)
{
    reveal_t *r = data;
    sodium_memzero(r->contact, sizeof(r->contact));
    free(r);
}

void wz_handle_ticket_reveal(wz_ctx_t *ctx)
{
    int64_t id = wz_path_id(ctx, "id");
    if (id <= 0) {
        wz_send_error(ctx, WZ_ERR_NOT_FOUND, "no such ticket", NULL);
        return;
    }
    wz_role_t role = ctx->who.role;
    if (role == WZ_ROLE_CITIZEN || role == WZ_ROLE_EVALUATOR) {
        wz_send_error(ctx, WZ_ERR_FORBIDDEN, "your role may not see citizens' contact numbers", NULL);
        return;
    }
    const json_t *reason = json_is_object(ctx->body) ? json_object_get(ctx->body, "reason") : NULL;
    const char *text = json_string_value(reason);
    if (!json_is_object(ctx->body) || json_object_size(ctx->body) != 1 || text == NULL) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "the body must be {\"reason\": \"why you need the number\"}", "reason");
        return;
    }
    size_t chars = utf8_chars(text);
    if (chars == 0 || chars > REASON_MAX_CHARS || strlen(text) >= sizeof(((reveal_t *)0)->reason)) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "reason must be 1 to 200 characters", "reason");
        return;
    }
    reveal_t *r = calloc(1, sizeof(*r));
    if (r == NULL)
        abort();
    snprintf(r->reason, sizeof(r->reason), "%s", text);
    wz_admin_job_t *job = wz_admin_job_new(ctx, NULL);
    job->id = job->path_id = id;
    job->data = r;
    job->free_data = reveal_free;
    wz_admin_job_run(job, first);
}
