/* POST /channels/hook/{account_id}: the generic signed webhook (channels/hook.h).
 *
 * Order: the account (an active account of a platform without its own adapter: 12345 hotline,
 * app, web, other; anything else is 404 so hooks cannot be probed), its hmac_secret (503
 * not_configured without one), the timestamp window and the signature (401), the body (422), the
 * ids it names (422), then intake: 201 with the new ticket, or 200 with the ticket an earlier
 * delivery of the same external_id made. */
#include "channels/hook.h"
#include "channels/secrets.h"
#include "common/log.h"
#include "http/server.h"
#include "tickets/intake.h"
#include "tickets/view.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SECRET_MAX 512

static const char sql_account[] =
    "SELECT a.platform, a.status, a.secret_box, (SELECT COUNT(*) FROM units WHERE id = ?), "
    "(SELECT COUNT(*) FROM categories WHERE id = ?) FROM accounts a WHERE a.id = ?";

typedef struct {
    wz_ctx_t *ctx;
    int64_t account_id;
    wz_hook_message_t msg;
    char channel[24];
    const wz_calendar_t *cal;
} hook_job_t;

static void job_free(hook_job_t *j)
{
    wz_calendar_release(j->cal);
    wz_ctx_drop(j->ctx);
    free(j);
}

static void on_intake(void *data, const wz_intake_result_t *res, const wz_db_error_t *err)
{
    hook_job_t *j = data;
    wz_ctx_t *ctx = j->ctx;
    if (wz_ctx_gone(ctx)) {
    } else if (err != NULL) {
        wz_send_db_error(ctx, err);
    } else {
        char id[24], unit[24];
        snprintf(id, sizeof(id), "%lld", (long long)res->ticket_id);
        snprintf(unit, sizeof(unit), "%lld", (long long)res->unit_id);
        json_t *t = json_pack("{s:s, s:s, s:s, s:o, s:o}", "id", id, "no", res->number, "status", res->status,
                              "unit_id", res->unit_id > 0 ? json_string(unit) : json_null(), "promised_reply_at",
                              wz_json_time(res->promised_reply));
        wz_send_json(ctx, res->created ? 201 : 200, json_pack("{s:o, s:b}", "ticket", t, "duplicate", !res->created));
    }
    job_free(j);
}

static int refuse(hook_job_t *j, wz_err_t err, const char *msg, const char *field)
{
    wz_send_error(j->ctx, err, msg, field);
    job_free(j);
    return -1;
}

/* the timestamp and the signature, over the body exactly as it arrived */
static int authentic(hook_job_t *j, const char *secret)
{
    wz_ctx_t *ctx = j->ctx;
    h2o_iovec_t ts = {NULL, 0}, sig = {NULL, 0};
    ssize_t i = h2o_find_header_by_str(&ctx->req->headers, H2O_STRLIT("x-wz-timestamp"), -1);
    if (i >= 0)
        ts = ctx->req->headers.entries[i].value;
    i = h2o_find_header_by_str(&ctx->req->headers, H2O_STRLIT("x-wz-signature"), -1);
    if (i >= 0)
        sig = ctx->req->headers.entries[i].value;
    int64_t when;
    if (wz_hook_timestamp_parse(ts.base, ts.len, &when) != 0)
        return refuse(j, WZ_ERR_UNAUTHENTICATED, "X-Wz-Timestamp must be Unix seconds", NULL);
    if (!wz_hook_timestamp_fresh(when, (int64_t)time(NULL)))
        return refuse(j, WZ_ERR_UNAUTHENTICATED, "X-Wz-Timestamp is more than 5 minutes from the server's clock", NULL);
    if (!wz_hook_signature_valid(secret, strlen(secret), ts.base, ts.len, ctx->req->entity.base, ctx->req->entity.len,
                                 sig.base, sig.len))
        return refuse(j, WZ_ERR_UNAUTHENTICATED, "X-Wz-Signature does not match the body", NULL);
    return 0;
}

static void on_account(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    hook_job_t *j = data;
    wz_ctx_t *ctx = j->ctx;
    if (wz_ctx_gone(ctx)) {
        job_free(j);
        return;
    }
    if (err != NULL) {
        wz_send_db_error(ctx, err);
        job_free(j);
        return;
    }
    size_t n = 0;
    const char *platform = res->nrows ? wz_db_cell_text(res, 0, 0, &n) : "";
    int hookable = n > 0 && (strcmp(platform, "hotline_12345") == 0 || strcmp(platform, "app") == 0 ||
                             strcmp(platform, "web") == 0 || strcmp(platform, "other") == 0);
    size_t sn = 0;
    const char *status = res->nrows ? wz_db_cell_text(res, 0, 1, &sn) : "";
    if (!hookable || strcmp(status, "active") != 0) {
        refuse(j, WZ_ERR_NOT_FOUND, "no such hook", NULL);
        return;
    }
    snprintf(j->channel, sizeof(j->channel), "%s", platform);
    const wz_db_value_t *box = wz_db_cell(res, 0, 2);
    char secret[SECRET_MAX + 1];
    if (box->type != WZ_DB_T_TEXT || wz_account_secret(ctx->server->seal_key, box->u.s.p, box->u.s.len, "hmac_secret",
                                                       secret, sizeof(secret)) != 0) {
        refuse(j, WZ_ERR_NOT_CONFIGURED, "the account has no secrets.hmac_secret", NULL);
        return;
    }
    int ok = authentic(j, secret) == 0;
    sodium_memzero(secret, sizeof(secret));
    if (!ok)
        return;
    const char *field = NULL;
    char why[200];
    if (wz_hook_message_parse(ctx->body, &j->msg, &field, why, sizeof(why)) != 0) {
        refuse(j, WZ_ERR_VALIDATION, why, field);
        return;
    }
    if (j->msg.unit_id > 0 && wz_db_cell_int(res, 0, 3) == 0) {
        refuse(j, WZ_ERR_VALIDATION, "there is no such unit", "unit_id");
        return;
    }
    if (j->msg.category_id > 0 && wz_db_cell_int(res, 0, 4) == 0) {
        refuse(j, WZ_ERR_VALIDATION, "there is no such category", "category_id");
        return;
    }
    wz_intake_request_t req = {
        .type = j->msg.type,
        .channel = j->channel,
        .title = j->msg.title,
        .content = j->msg.content,
        .account_id = j->account_id,
        .unit_id = j->msg.unit_id,
        .category_id = j->msg.category_id,
        .citizen_name = j->msg.contact_name,
        .contact_phone = j->msg.contact_phone,
        .region = j->msg.region,
        .external_id = j->msg.external_id,
    };
    j->cal = wz_calendar_acquire(&ctx->server->calendar);
    int ret = wz_ticket_intake(ctx->worker->db, j->cal, ctx->server->seal_key, &req, (int64_t)time(NULL), on_intake, j);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_intake(j, NULL, &e);
    }
}

void wz_handle_channel_hook(wz_ctx_t *ctx)
{
    int64_t account = wz_path_id(ctx, "account_id");
    if (account <= 0) {
        wz_send_error(ctx, WZ_ERR_NOT_FOUND, "no such hook", NULL);
        return;
    }
    hook_job_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        abort();
    j->ctx = ctx;
    j->account_id = account;
    wz_ctx_hold(ctx);
    /* the ids the body may name are checked in the same read (0 when absent or not ids) */
    json_t *u = json_object_get(ctx->body, "unit_id"), *c = json_object_get(ctx->body, "category_id");
    int64_t uid = json_is_integer(u) ? json_integer_value(u) : 0, cid = json_is_integer(c) ? json_integer_value(c) : 0;
    wz_db_value_t p[] = {WZ_DB_INT(uid), WZ_DB_INT(cid), WZ_DB_INT(account)};
    int ret = wz_db_run(ctx->worker->db, sql_account, p, 3, on_account, j);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_account(NULL, &e, j);
    }
}
