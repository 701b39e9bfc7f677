/* POST /api/v1/messages: a citizen's question from the mini-program or the web message board.
 * Checks: the caller is a citizen (403), the body's fields (422), the ids it names exist (422, in
 * the intake's own read);
 * then intake commits the ticket and the answer is the ticket as the citizen sees it. A retry
 * with the same Idempotency-Key answers 200 with the first ticket. */
#include "http/message_body.h"
#include "http/server.h"
#include "tickets/intake.h"
#include "tickets/plan.h"
#include "tickets/view.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define IDEM_KEY_MAX 128

/* the intake copies the request, so the job keeps only what the answer needs */
typedef struct {
    wz_ctx_t *ctx;
    int created;
    const wz_calendar_t *cal; /* held while intake runs */
} job_t;

static void job_free(job_t *j)
{
    wz_calendar_release(j->cal);
    free(j);
}

static void finish(job_t *j)
{
    wz_ctx_drop(j->ctx);
    job_free(j);
}

static void on_view(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    job_t *j = data;
    wz_ctx_t *ctx = j->ctx;
    if (wz_ctx_gone(ctx))
        goto done;
    if (err != NULL || res->nrows != 1) {
        /* committed, but the read-back failed: still a success the client must not retry blindly */
        wz_send_json(ctx, j->created ? 201 : 200, json_pack("{s:n}", "ticket"));
        goto done;
    }
    wz_send_json(ctx, j->created ? 201 : 200, json_pack("{s:o}", "ticket", wz_ticket_json(res, 0, &ctx->who)));
done:
    finish(j);
}

static void on_intake(void *data, const wz_intake_result_t *res, const wz_db_error_t *err)
{
    job_t *j = data;
    wz_ctx_t *ctx = j->ctx;
    if (wz_ctx_gone(ctx)) {
        finish(j);
        return;
    }
    if (err != NULL && err->code == WZ_DB_ESQL && err->mysql_errno == WZ_INTAKE_ATTACHMENTS_ERRNO) {
        wz_send_error(ctx, WZ_ERR_VALIDATION,
                      "attachments must be your own uploads, each used once (upload them with POST /api/v1/uploads)",
                      "attachments");
        finish(j);
        return;
    }
    if (err != NULL) {
        wz_send_db_error(ctx, err);
        finish(j);
        return;
    }
    if (res->invalid_field != NULL) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, res->invalid_message, res->invalid_field);
        finish(j);
        return;
    }
    j->created = res->created;
    wz_db_value_t p = WZ_DB_INT(res->ticket_id);
    int ret = wz_db_run(ctx->worker->db, "SELECT " WZ_TICKET_VIEW_COLUMNS WZ_TICKET_VIEW_FROM " WHERE t.id = ?", &p, 1,
                        on_view, j);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_view(NULL, &e, j);
    }
}

void wz_handle_messages_create(wz_ctx_t *ctx)
{
    if (ctx->who.role != WZ_ROLE_CITIZEN) {
        wz_send_error(ctx, WZ_ERR_FORBIDDEN, "only citizens submit messages", NULL);
        return;
    }
    h2o_iovec_t key = {NULL, 0};
    ssize_t hi = h2o_find_header_by_str(&ctx->req->headers, H2O_STRLIT("idempotency-key"), -1);
    if (hi >= 0) {
        key = ctx->req->headers.entries[hi].value;
        int ok = key.len > 0 && key.len <= IDEM_KEY_MAX;
        for (size_t i = 0; ok && i < key.len; i++)
            ok = key.base[i] > 0x20 && key.base[i] < 0x7f;
        if (!ok) {
            wz_send_error(ctx, WZ_ERR_BAD_REQUEST, "Idempotency-Key must be 1-128 visible ASCII characters", NULL);
            return;
        }
    }
    wz_message_body_t m;
    const char *field = NULL;
    char msg[200];
    if (wz_message_body_parse(ctx->body, &m, &field, msg, sizeof(msg)) != 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, msg, field);
        return;
    }
    job_t *j = calloc(1, sizeof(*j));
    char *idem = key.len ? strndup(key.base, key.len) : NULL;
    if (j == NULL || (key.len && idem == NULL))
        abort();
    j->ctx = ctx;
    /* the ids it names are checked by the intake's own read (validate): no round trip more */
    wz_intake_request_t req = {
        .type = m.type,
        .channel = m.channel,
        .title = m.title, /* intake makes a missing one from the content */
        .content = m.content,
        .account_id = m.account_id,
        .unit_id = m.unit_id,
        .category_id = m.category_id,
        .citizen_id = ctx->who.id,
        .citizen_name = m.contact_name,
        .contact_phone = m.contact_phone,
        .region = m.region,
        .location = m.location,
        .idempotency_key = idem,
        .publish = m.publish,
        .attachments = m.attachments,
        .nattachments = m.nattachments,
        .validate = 1,
    };
    wz_ctx_hold(ctx);
    j->cal = wz_calendar_acquire(&ctx->server->calendar);
    int ret = wz_ticket_intake(ctx->worker->db, j->cal, ctx->server->seal_key, &req, wz_ctx_now(ctx), on_intake, j);
    free(idem);
    free(m.location);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_intake(j, NULL, &e);
    }
}
