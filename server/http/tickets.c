/* The ticket endpoints: the queue, one ticket, and every lifecycle action. Handlers are thin:
 * they read the path and body, hand over to server/tickets/, and render the outcome. */
#include <stdlib.h>
#include "http/server.h"
#include "common/timefmt.h"
#include "tickets/actions.h"
#include "tickets/reads.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static wz_err_t err_of(wz_plan_outcome_t o)
{
    switch (o) {
    case WZ_PLAN_NOT_FOUND:
        return WZ_ERR_NOT_FOUND;
    case WZ_PLAN_FORBIDDEN:
        return WZ_ERR_FORBIDDEN;
    case WZ_PLAN_VALIDATION:
        return WZ_ERR_VALIDATION;
    case WZ_PLAN_PERSONAL_DATA:
        return WZ_ERR_PERSONAL_DATA;
    case WZ_PLAN_INVALID_TRANSITION:
        return WZ_ERR_INVALID_TRANSITION;
    case WZ_PLAN_CONFLICT:
        return WZ_ERR_CONFLICT;
    default:
        return WZ_ERR_INTERNAL;
    }
}

/* ---- actions ---- */

/* what an action holds while it runs: the request, and the calendar its deadlines use */
typedef struct {
    wz_ctx_t *ctx;
    const wz_calendar_t *cal;
} act_job_t;

static void on_acted(void *data, const wz_action_result_t *res, const wz_db_error_t *err)
{
    act_job_t *job = data;
    wz_ctx_t *ctx = job->ctx;
    if (wz_ctx_gone(ctx))
        goto done;
    if (err != NULL) {
        wz_send_db_error(ctx, err);
        goto done;
    }
    if (res->outcome != WZ_PLAN_OK) {
        wz_send_error(ctx, err_of(res->outcome), res->message, res->field);
        goto done;
    }
    json_t *doc = json_object();
    json_object_set(doc, "ticket", res->ticket ? res->ticket : json_null());
    if (res->created_kind != NULL && res->created != NULL)
        json_object_set(doc, res->created_kind, res->created);
    wz_send_json(ctx, res->status, doc);
done:
    wz_calendar_release(job->cal);
    free(job);
    wz_ctx_drop(ctx);
}

static void act(wz_ctx_t *ctx, wz_action_t action, const char *sub_param)
{
    int64_t id = wz_path_id(ctx, "id");
    int64_t sub = sub_param ? wz_path_id(ctx, sub_param) : 0;
    if (id < 0 || sub < 0) {
        wz_send_error(ctx, WZ_ERR_NOT_FOUND, id < 0 ? "no such ticket" : "no such reply or extension request", NULL);
        return;
    }
    if (ctx->body != NULL && !json_is_object(ctx->body)) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "the body must be a JSON object", NULL);
        return;
    }
    if (action == WZ_ACT_REVIEW_APPROVE) {
        /* one endpoint, two actions: the decision names which (the plan validates it) */
        const char *d = json_string_value(json_object_get(ctx->body, "decision"));
        if (d != NULL && strcmp(d, "send_back") == 0)
            action = WZ_ACT_REVIEW_SEND_BACK;
    }
    wz_action_request_t req = {
        .who = ctx->who, .ticket_id = id, .action = action, .args = ctx->body, .sub_id = sub, .now = wz_ctx_now(ctx)};
    snprintf(req.client_ip, sizeof(req.client_ip), "%s", ctx->client_ip);
    act_job_t *job = malloc(sizeof(*job));
    if (job == NULL)
        abort();
    job->ctx = ctx;
    job->cal = wz_calendar_acquire(&ctx->server->calendar);
    wz_ctx_hold(ctx);
    int ret = wz_ticket_act(ctx->worker->db, job->cal, &req, on_acted, job);
    if (ret != WZ_DB_OK) {
        wz_db_error_t err = {.code = ret};
        on_acted(job, NULL, &err);
    }
}

void wz_handle_ticket_dispatch(wz_ctx_t *ctx)
{
    act(ctx, WZ_ACT_DISPATCH, NULL);
}
void wz_handle_ticket_sign(wz_ctx_t *ctx)
{
    act(ctx, WZ_ACT_SIGN, NULL);
}
void wz_handle_ticket_reply(wz_ctx_t *ctx)
{
    act(ctx, WZ_ACT_REPLY, NULL);
}
void wz_handle_ticket_review(wz_ctx_t *ctx)
{
    act(ctx, WZ_ACT_REVIEW_APPROVE, "rid");
}
void wz_handle_ticket_return(wz_ctx_t *ctx)
{
    act(ctx, WZ_ACT_RETURN, NULL);
}
void wz_handle_ticket_transfer(wz_ctx_t *ctx)
{
    act(ctx, WZ_ACT_TRANSFER, NULL);
}
void wz_handle_ticket_extension(wz_ctx_t *ctx)
{
    act(ctx, WZ_ACT_EXTENSION_REQUEST, NULL);
}
void wz_handle_ticket_extension_decision(wz_ctx_t *ctx)
{
    act(ctx, WZ_ACT_EXTENSION_DECIDE, "eid");
}
void wz_handle_ticket_supervise(wz_ctx_t *ctx)
{
    act(ctx, WZ_ACT_SUPERVISE, NULL);
}
void wz_handle_ticket_request_info(wz_ctx_t *ctx)
{
    act(ctx, WZ_ACT_REQUEST_INFO, NULL);
}
void wz_handle_ticket_follow_up(wz_ctx_t *ctx)
{
    act(ctx, WZ_ACT_FOLLOW_UP, NULL);
}
void wz_handle_ticket_rating(wz_ctx_t *ctx)
{
    act(ctx, WZ_ACT_RATE, NULL);
}
void wz_handle_ticket_close(wz_ctx_t *ctx)
{
    act(ctx, WZ_ACT_CLOSE, NULL);
}
void wz_handle_ticket_merge(wz_ctx_t *ctx)
{
    act(ctx, WZ_ACT_MERGE, NULL);
}

/* ---- reads ---- */

static void on_read(void *data, json_t *doc, const wz_db_error_t *err)
{
    wz_ctx_t *ctx = data;
    if (wz_ctx_gone(ctx))
        goto done;
    if (err != NULL)
        wz_send_db_error(ctx, err);
    else if (doc == NULL)
        wz_send_error(ctx, WZ_ERR_NOT_FOUND, "no such ticket", NULL);
    else
        wz_send_json(ctx, 200, json_incref(doc));
done:
    wz_ctx_drop(ctx);
}

void wz_handle_ticket_get(wz_ctx_t *ctx)
{
    int64_t id = wz_path_id(ctx, "id");
    if (id < 0) {
        wz_send_error(ctx, WZ_ERR_NOT_FOUND, "no such ticket", NULL);
        return;
    }
    wz_ctx_hold(ctx);
    int ret = wz_ticket_detail(ctx->worker->db, &ctx->who, id, on_read, ctx);
    if (ret != WZ_DB_OK) {
        wz_db_error_t err = {.code = ret};
        on_read(ctx, NULL, &err);
    }
}

static int one_of(const char *v, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(v, *names) == 0)
            return 1;
    return 0;
}

static const char *const types[] = {"consultation", "help", "complaint", "suggestion", "report", "praise", NULL};
static const char *const channels[] = {"wechat_oa", "weibo", "douyin",        "toutiao", "miniprogram",
                                       "app",       "web",   "hotline_12345", "other",   NULL};
static const char *const lights[] = {"green", "yellow", "red", NULL};

/* Reads the queue's query parameters; answers 422 itself and returns -1 on a bad one. */
static int read_filter(wz_ctx_t *ctx, wz_ticket_filter_t *f)
{
    char v[512];
    int r;
    memset(f, 0, sizeof(*f));
    f->supervised = -1;
    f->unassigned = -1;
    f->merged = -1;
    f->limit = WZ_LIST_LIMIT_DEFAULT;
#define BAD(field, msg)                                                                                                \
    do {                                                                                                               \
        wz_send_error(ctx, WZ_ERR_VALIDATION, msg, field);                                                             \
        return -1;                                                                                                     \
    } while (0)
    if ((r = wz_req_query(ctx, "status", v, sizeof(v))) < 0)
        BAD("status", "status is malformed");
    if (r > 0) {
        char *save = NULL;
        for (char *tok = strtok_r(v, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            int s = wz_status_parse(tok, strlen(tok));
            if (s < 0)
                BAD("status", "status must be a comma-separated list of new, dispatched, accepted, waiting_citizen, "
                              "replied, closed");
            f->statuses |= 1u << s;
        }
    }
    static const struct {
        const char *name;
        size_t off;
    } ids[] = {{"unit_id", offsetof(wz_ticket_filter_t, unit_id)},
               {"account_id", offsetof(wz_ticket_filter_t, account_id)},
               {"category_id", offsetof(wz_ticket_filter_t, category_id)}};
    for (size_t i = 0; i < 3; i++) {
        if ((r = wz_req_query(ctx, ids[i].name, v, sizeof(v))) != 0) {
            /* "none": tickets without an account or a category (the statistics' drill-down) */
            int none = r > 0 && i > 0 && strcmp(v, "none") == 0;
            int64_t id = none ? -1 : r > 0 ? wz_parse_id(v, strlen(v)) : -1;
            if (id < 0 && !none) {
                char msg[64];
                snprintf(msg, sizeof(msg), i > 0 ? "%s must be a positive id or none" : "%s must be a positive id",
                         ids[i].name);
                BAD(ids[i].name, msg);
            }
            *(int64_t *)((char *)f + ids[i].off) = id;
        }
    }
    static const struct {
        const char *name;
        const char *const *allowed;
        size_t off, size;
    } enums[] = {{"type", types, offsetof(wz_ticket_filter_t, type), sizeof(f->type)},
                 {"channel", channels, offsetof(wz_ticket_filter_t, channel), sizeof(f->channel)},
                 {"sla_light", lights, offsetof(wz_ticket_filter_t, light), sizeof(f->light)},
                 {"figure", wz_ticket_figures, offsetof(wz_ticket_filter_t, figure), sizeof(f->figure)}};
    for (size_t i = 0; i < sizeof(enums) / sizeof(enums[0]); i++) {
        if ((r = wz_req_query(ctx, enums[i].name, v, sizeof(v))) != 0) {
            if (r < 0 || !one_of(v, enums[i].allowed)) {
                char msg[64];
                snprintf(msg, sizeof(msg), "%s has an unknown value", enums[i].name);
                BAD(enums[i].name, msg);
            }
            snprintf((char *)f + enums[i].off, enums[i].size, "%s", v);
        }
    }
    static const struct {
        const char *name, *msg;
        size_t off;
    } bools[] = {{"supervised", "supervised must be true or false", offsetof(wz_ticket_filter_t, supervised)},
                 {"unassigned", "unassigned must be true or false", offsetof(wz_ticket_filter_t, unassigned)},
                 {"merged", "merged must be true or false", offsetof(wz_ticket_filter_t, merged)},
                 {"include_descendants", "include_descendants must be true or false",
                  offsetof(wz_ticket_filter_t, include_descendants)}};
    for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
        if ((r = wz_req_query(ctx, bools[i].name, v, sizeof(v))) != 0) {
            int b = r > 0 && strcmp(v, "true") == 0 ? 1 : r > 0 && strcmp(v, "false") == 0 ? 0 : -1;
            if (b < 0)
                BAD(bools[i].name, bools[i].msg);
            *(int *)((char *)f + bools[i].off) = b;
        }
    }
    if (f->include_descendants && f->unit_id == 0)
        BAD("include_descendants", "include_descendants needs a unit_id");
    if ((r = wz_req_query(ctx, "q", f->q, sizeof(f->q))) < 0)
        BAD("q", "q is malformed or too long");
    if (r > 0) {
        long n = wz_utf8_chars(f->q, strlen(f->q));
        if (n < 0 || n > WZ_LIST_Q_MAX)
            BAD("q", "q must be valid text of at most 100 characters");
    }
    static const char *const ranges[] = {"received_from", "received_to"};
    for (size_t i = 0; i < 2; i++) {
        if ((r = wz_req_query(ctx, ranges[i], v, sizeof(v))) != 0) {
            int64_t t = 0;
            if (r < 0 || wz_time_parse(v, strlen(v), &t) != 0)
                BAD(ranges[i], i == 0 ? "received_from must be an RFC 3339 time or a date"
                                      : "received_to must be an RFC 3339 time or a date");
            *(i == 0 ? &f->received_from : &f->received_to) = t;
        }
    }
    if ((r = wz_req_query(ctx, "limit", v, sizeof(v))) != 0) {
        int64_t n = r > 0 ? wz_parse_id(v, strlen(v)) : -1;
        if (n < 1 || n > WZ_LIST_LIMIT_MAX)
            BAD("limit", "limit must be between 1 and 200");
        f->limit = (unsigned)n;
    }
    if ((r = wz_req_query(ctx, "sort", v, sizeof(v))) != 0) {
        if (r > 0 && strcmp(v, "received") == 0)
            f->sort = WZ_SORT_RECEIVED_DESC;
        else if (r > 0 && strcmp(v, "due") == 0)
            f->sort = WZ_SORT_DUE_ASC;
        else
            BAD("sort", "sort must be received or due");
    }
    if ((r = wz_req_query(ctx, "cursor", v, sizeof(v))) != 0) {
        if (r < 0 || wz_cursor_decode(v, strlen(v), f) != 0)
            BAD("cursor", "cursor is not valid for this listing");
    }
#undef BAD
    return 0;
}

void wz_handle_tickets_list(wz_ctx_t *ctx)
{
    wz_ticket_filter_t f;
    if (read_filter(ctx, &f) != 0)
        return;
    wz_ctx_hold(ctx);
    int ret = wz_ticket_list(ctx->worker->db, &ctx->who, &f, on_read, ctx);
    if (ret != WZ_DB_OK) {
        wz_db_error_t err = {.code = ret};
        on_read(ctx, NULL, &err);
    }
}
