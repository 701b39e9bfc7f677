/* POST /api/v1/messages: a citizen's question from the mini-program or the web message board.
 * Checks: the caller is a citizen (403), the body's fields (422), the ids it names exist (422);
 * then intake commits the ticket and the answer is the ticket as the citizen sees it. A retry
 * with the same Idempotency-Key answers 200 with the first ticket. */
#include "http/server.h"
#include "tickets/intake.h"
#include "tickets/plan.h"
#include "tickets/view.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TITLE_MAX_CHARS 100
#define NAME_MAX_CHARS 50
#define PHONE_MIN 5
#define PHONE_MAX 20
#define ADDRESS_MAX_CHARS 200
#define IDEM_KEY_MAX 128

typedef struct {
    wz_ctx_t *ctx;
    char *type, *title, *content, *channel, *name, *phone, *region, *location, *idem;
    int64_t unit_id, category_id, account_id;
    int publish;
    int64_t attachments[WZ_INTAKE_MAX_ATTACHMENTS];
    size_t nattachments;
    int created;
    const wz_calendar_t *cal; /* held while intake runs */
} job_t;

static void job_free(job_t *j)
{
    char *s[] = {j->type, j->title, j->content, j->channel, j->name, j->phone, j->region, j->location, j->idem};
    for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
        free(s[i]);
    wz_calendar_release(j->cal);
    free(j);
}

static char *dup_or_null(const char *s)
{
    if (s == NULL)
        return NULL;
    char *d = strdup(s);
    if (d == NULL)
        abort();
    return d;
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
    j->created = res->created;
    wz_db_value_t p = WZ_DB_INT(res->ticket_id);
    int ret = wz_db_run(ctx->worker->db, "SELECT " WZ_TICKET_VIEW_COLUMNS WZ_TICKET_VIEW_FROM " WHERE t.id = ?", &p, 1,
                        on_view, j);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_view(NULL, &e, j);
    }
}

static void on_checked(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    job_t *j = data;
    wz_ctx_t *ctx = j->ctx;
    if (wz_ctx_gone(ctx)) {
        finish(j);
        return;
    }
    if (err != NULL) {
        wz_send_db_error(ctx, err);
        finish(j);
        return;
    }
    const char *bad = NULL, *msg = NULL;
    if (j->unit_id > 0 && wz_db_cell(res, 0, 0)->u.i == 0)
        bad = "unit_id", msg = "there is no such unit";
    else if (j->category_id > 0 && wz_db_cell(res, 0, 1)->u.i == 0)
        bad = "category_id", msg = "there is no such category";
    else if (j->account_id > 0 && wz_db_cell(res, 0, 2)->type == WZ_DB_T_NULL)
        bad = "account_id", msg = "there is no such active account";
    if (bad != NULL) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, msg, bad);
        finish(j);
        return;
    }
    if (j->account_id <= 0) {
        const wz_db_value_t *def = wz_db_cell(res, 0, 3);
        j->account_id = def->type == WZ_DB_T_INT ? def->u.i : 0; /* the channel's own account */
    }
    wz_intake_request_t req = {
        .type = j->type,
        .channel = j->channel,
        .title = j->title,
        .content = j->content,
        .account_id = j->account_id,
        .unit_id = j->unit_id,
        .category_id = j->category_id,
        .citizen_id = ctx->who.id,
        .citizen_name = j->name,
        .contact_phone = j->phone,
        .region = j->region,
        .location = j->location,
        .idempotency_key = j->idem,
        .publish = j->publish,
        .attachments = j->attachments,
        .nattachments = j->nattachments,
    };
    j->cal = wz_calendar_acquire(&ctx->server->calendar);
    int ret = wz_ticket_intake(ctx->worker->db, j->cal, ctx->server->seal_key, &req, wz_ctx_now(ctx), on_intake, j);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_intake(j, NULL, &e);
    }
}

/* Ids may come as JSON integers or as the strings the API renders. */
static int64_t body_id(wz_ctx_t *ctx, const char *name, int *bad)
{
    json_t *v = json_object_get(ctx->body, name);
    if (v == NULL || json_is_null(v))
        return 0;
    if (json_is_integer(v) && json_integer_value(v) > 0)
        return json_integer_value(v);
    if (json_is_string(v)) {
        int64_t id = wz_parse_id(json_string_value(v), json_string_length(v));
        if (id > 0)
            return id;
    }
    *bad = 1;
    return 0;
}

static int chars_ok(const char *s, long max)
{
    long n = wz_utf8_chars(s, strlen(s));
    return n >= 0 && n <= max;
}

static int phone_ok(const char *s)
{
    size_t n = strlen(s), digits = 0;
    if (n < PHONE_MIN || n > PHONE_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= '0' && s[i] <= '9')
            digits++;
        else if (s[i] != '+' && s[i] != '-' && s[i] != ' ')
            return 0;
    }
    return digits >= PHONE_MIN;
}

static const char *const types[] = {"consultation", "help", "complaint", "suggestion", "report", "praise", NULL};

void wz_handle_messages_create(wz_ctx_t *ctx)
{
    if (ctx->who.role != WZ_ROLE_CITIZEN) {
        wz_send_error(ctx, WZ_ERR_FORBIDDEN, "only citizens submit messages", NULL);
        return;
    }
    if (!json_is_object(ctx->body)) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "the body must be a JSON object", NULL);
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
    const char *type = NULL, *content = NULL, *title = NULL, *name = NULL, *phone = NULL, *channel = NULL,
               *region = NULL;
    json_t *ignored_ids[3] = {NULL, NULL, NULL}, *location = NULL, *attachments = NULL;
    int publish = 0;
    json_error_t jerr;
    if (json_unpack_ex(
            ctx->body, &jerr, JSON_STRICT, "{s:s, s:s, s?s, s?o, s?o, s?o, s?s, s?s, s?s, s?s, s?o, s?b, s?o}", "type",
            &type, "content", &content, "title", &title, "unit_id", &ignored_ids[0], "category_id", &ignored_ids[1],
            "account_id", &ignored_ids[2], "contact_name", &name, "contact_phone", &phone, "channel", &channel,
            "region", &region, "location", &location, "publish", &publish, "attachments", &attachments) != 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, jerr.text, NULL);
        return;
    }
    int bad_unit = 0, bad_cat = 0, bad_acc = 0;
    int64_t unit = body_id(ctx, "unit_id", &bad_unit), cat = body_id(ctx, "category_id", &bad_cat),
            acc = body_id(ctx, "account_id", &bad_acc);
#define BAD(field, msg)                                                                                                \
    do {                                                                                                               \
        wz_send_error(ctx, WZ_ERR_VALIDATION, msg, field);                                                             \
        return;                                                                                                        \
    } while (0)
    int known = 0;
    for (size_t i = 0; types[i]; i++)
        known |= strcmp(types[i], type) == 0;
    if (!known)
        BAD("type", "type must be consultation, help, complaint, suggestion, report or praise");
    long clen = wz_utf8_chars(content, strlen(content));
    size_t lead = strspn(content, " \t\r\n");
    if (clen < 0 || content[lead] == '\0')
        BAD("content", "content must not be empty");
    if (clen > WZ_MESSAGE_MAX_CHARS)
        BAD("content", "content is longer than 5000 characters");
    if (title != NULL && !chars_ok(title, TITLE_MAX_CHARS))
        BAD("title", "title is longer than 100 characters");
    if (bad_unit)
        BAD("unit_id", "unit_id must be a positive id");
    if (bad_cat)
        BAD("category_id", "category_id must be a positive id");
    if (bad_acc)
        BAD("account_id", "account_id must be a positive id");
    if (name != NULL && !chars_ok(name, NAME_MAX_CHARS))
        BAD("contact_name", "contact_name is longer than 50 characters");
    if (phone != NULL && !phone_ok(phone))
        BAD("contact_phone", "contact_phone must be 5-20 digits (with + - or spaces)");
    if (channel == NULL)
        channel = "miniprogram";
    if (strcmp(channel, "miniprogram") != 0 && strcmp(channel, "web") != 0)
        BAD("channel", "channel must be miniprogram or web");
    if (region != NULL && !chars_ok(region, ADDRESS_MAX_CHARS))
        BAD("region", "region is longer than 200 characters");
    char *loc_text = NULL;
    if (location != NULL && !json_is_null(location)) {
        double lat = 0, lng = 0;
        const char *addr = NULL;
        if (!json_is_object(location) ||
            json_unpack_ex(location, &jerr, JSON_STRICT, "{s:F, s:F, s?s}", "latitude", &lat, "longitude", &lng,
                           "address", &addr) != 0 ||
            lat < -90 || lat > 90 || lng < -180 || lng > 180 || (addr && !chars_ok(addr, ADDRESS_MAX_CHARS)))
            BAD("location", "location must be {latitude, longitude, address?} with valid coordinates");
        if (region == NULL && addr != NULL)
            region = addr; /* the address feeds the region routing rules */
        loc_text = json_dumps(location, JSON_COMPACT);
    }
    int64_t attach[WZ_INTAKE_MAX_ATTACHMENTS];
    size_t nattach = 0;
    if (attachments != NULL && !json_is_null(attachments)) {
        if (!json_is_array(attachments) || json_array_size(attachments) > WZ_INTAKE_MAX_ATTACHMENTS) {
            free(loc_text);
            BAD("attachments", "attachments must be a list of at most 9 upload ids");
        }
        size_t i;
        json_t *v;
        json_array_foreach(attachments, i, v)
        {
            int64_t id = json_is_integer(v)  ? json_integer_value(v)
                         : json_is_string(v) ? wz_parse_id(json_string_value(v), json_string_length(v))
                                             : -1;
            for (size_t k = 0; k < nattach && id > 0; k++)
                if (attach[k] == id)
                    id = -1; /* the same photo twice */
            if (id <= 0) {
                free(loc_text);
                BAD("attachments", "attachments must be distinct upload ids");
            }
            attach[nattach++] = id;
        }
    }
#undef BAD
    job_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        abort();
    j->ctx = ctx;
    j->type = dup_or_null(type);
    j->content = dup_or_null(content);
    j->title = dup_or_null(title); /* intake makes a missing one from the content */
    j->channel = dup_or_null(channel);
    j->name = dup_or_null(name);
    j->phone = dup_or_null(phone);
    j->region = dup_or_null(region);
    j->location = loc_text;
    j->idem = key.len ? strndup(key.base, key.len) : NULL;
    j->unit_id = unit;
    j->category_id = cat;
    j->account_id = acc;
    j->publish = publish;
    memcpy(j->attachments, attach, nattach * sizeof(attach[0]));
    j->nattachments = nattach;
    wz_db_value_t p[] = {WZ_DB_INT(unit), WZ_DB_INT(cat), WZ_DB_INT(acc), WZ_DB_TEXT(j->channel)};
    wz_ctx_hold(ctx);
    int ret =
        wz_db_run(ctx->worker->db,
                  "SELECT (SELECT COUNT(*) FROM units WHERE id = ?), (SELECT COUNT(*) FROM categories WHERE id = ?), "
                  "(SELECT CAST(id AS SIGNED) FROM accounts WHERE id = ? AND status = 'active'), "
                  "(SELECT CAST(id AS SIGNED) FROM accounts WHERE platform = ? AND status = 'active' "
                  "ORDER BY id LIMIT 1)",
                  p, 4, on_checked, j);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_checked(NULL, &e, j);
    }
}
