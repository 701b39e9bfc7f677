/* /open311/v2/: Open311 GeoReport v2 (channels/open311.h has the spec, the mapping and the
 * pure checks). Every answer, errors included, is in the format the path names (.json or
 * .xml) and in the spec's shapes: [{"code", "description"}] / <errors><error>...
 *
 *   GET  services.{fmt}          the categories
 *   GET  services/{code}.{fmt}   a service definition: no attributes
 *   POST requests.{fmt}          a new ticket (api_key), through the intake
 *   GET  requests.{fmt}          tickets that came in through Open311 (public)
 *   GET  requests/{id}.{fmt}     one of them, by ticket number
 *
 * What marks a ticket as Open311's: a row in open311_requests (schema/009_open311.sql),
 * written right after the intake commits and before the client hears 2xx. The simpler
 * options do not hold: the channel is the account's platform (app, web, other), which the
 * signed webhook uses too, and the receive event's payload is the intake's. A ticket column
 * would need the same second write. The row is idempotent, so if the second write fails (503),
 * the client's retry with its Idempotency-Key finds the ticket and writes it; without a key a
 * retry is a new request, as the spec has it, and the first ticket is an ordinary ticket in
 * the queue that Open311 does not show.
 *
 * The GET methods need no key, so they show nothing personal: never a name or a contact,
 * and description, status_notes (the latest published reply) and address pass through the
 * privacy mask. email, device_id and the client's account_id are accepted and not kept:
 * Wenzheng answers citizens through the channel they used and has no use for them. */
#include "channels/open311.h"
#include "channels/secrets.h"
#include "common/log.h"
#include "common/timefmt.h"
#include "http/server.h"
#include "tickets/intake.h"
#include "tickets/privacy.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SECRET_BUF 512
#define SERVICES_MAX 1000

/* ---- answers ---- */

static int format_of_path(wz_ctx_t *ctx)
{
    size_t stem;
    int f = wz_o311_format(ctx->req->path_normalized.base, ctx->req->path_normalized.len, &stem);
    return f < 0 ? WZ_O311_JSON : f;
}

/* Sends doc (the reference is stolen) in the format. */
static void send_doc(wz_ctx_t *ctx, int fmt, int status, const char *root, const char *item, json_t *doc)
{
    if (wz_ctx_gone(ctx)) {
        json_decref(doc);
        return;
    }
    size_t len = 0;
    char *text = wz_o311_render((wz_o311_format_t)fmt, root, item, doc, &len);
    json_decref(doc);
    wz_send_text(ctx->req, status, fmt == WZ_O311_XML ? "text/xml; charset=utf-8" : "application/json; charset=utf-8",
                 text, len);
    free(text);
}

static void send_o311_error(wz_ctx_t *ctx, int fmt, int status, const char *description)
{
    json_t *e = json_pack("[{s:i, s:s}]", "code", status, "description", description);
    send_doc(ctx, fmt, status, "errors", "error", e);
}

/* a database failure: the status and Retry-After the API gives it, in the spec's shape */
static void send_o311_db_error(wz_ctx_t *ctx, int fmt, const wz_db_error_t *err)
{
    if (wz_ctx_gone(ctx))
        return;
    if (err->code == WZ_DB_ESQL || err->code == WZ_DB_EUSAGE)
        wz_error("db: %s (errno %u) on %s", err->message, err->mysql_errno, ctx->route ? ctx->route->name : "?");
    const wz_err_info_t *info = wz_err_info(wz_err_from_db(err->code));
    if (info->retry_after > 0) {
        char ra[16];
        int n = snprintf(ra, sizeof(ra), "%d", info->retry_after);
        h2o_iovec_t v = h2o_strdup(&ctx->req->pool, ra, (size_t)n);
        h2o_set_header(&ctx->req->pool, &ctx->req->res.headers, H2O_TOKEN_RETRY_AFTER, v.base, v.len, 1);
    }
    send_o311_error(ctx, fmt, info->status, info->message);
}

/* A path parameter without its format suffix, NUL-terminated in out; -1 if there is none. */
static int param_stem(wz_ctx_t *ctx, const char *name, char *out, size_t outlen)
{
    size_t len = 0, stem = 0;
    const char *v = wz_route_param(&ctx->params, name, &len);
    if (v == NULL || wz_o311_format(v, len, &stem) < 0 || stem >= outlen)
        return -1;
    memcpy(out, v, stem);
    out[stem] = '\0';
    return 0;
}

static json_t *text_or_null(const char *s, size_t n)
{
    json_t *v = n > 0 ? json_stringn(s, n) : NULL;
    return v ? v : json_null();
}

static json_t *masked(const char *s, size_t n)
{
    if (n == 0)
        return json_null();
    size_t mlen = 0;
    char *m = wz_pii_mask(s, n, &mlen);
    json_t *v = json_stringn(m, mlen);
    free(m);
    return v ? v : json_null();
}

static json_t *time_or_null(int64_t utc)
{
    if (utc <= 0)
        return json_null();
    char buf[WZ_RFC3339_MAX];
    wz_time_format(utc, buf);
    return json_string(buf);
}

static json_t *id_text(long long id)
{
    if (id <= 0)
        return json_null();
    char buf[24];
    snprintf(buf, sizeof(buf), "%lld", id);
    return json_string(buf);
}

/* ---- GET services ---- */

typedef struct {
    wz_ctx_t *ctx;
    int fmt;
} read_job_t;

static read_job_t *read_job(wz_ctx_t *ctx, int fmt)
{
    read_job_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        abort();
    j->ctx = ctx;
    j->fmt = fmt;
    wz_ctx_hold(ctx);
    return j;
}

static void read_job_free(read_job_t *j)
{
    wz_ctx_drop(j->ctx);
    free(j);
}

static void run_read(read_job_t *j, const char *sql, const wz_db_value_t *p, size_t n, wz_db_run_cb cb)
{
    int ret = wz_db_run(j->ctx->worker->db, sql, p, n, cb, j);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        cb(NULL, &e, j);
    }
}

static void on_services(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    read_job_t *j = data;
    if (wz_ctx_gone(j->ctx)) {
    } else if (err != NULL) {
        send_o311_db_error(j->ctx, j->fmt, err);
    } else {
        json_t *list = json_array();
        for (size_t r = 0; r < res->nrows; r++) {
            size_t nn, cn, gn;
            const char *name = wz_db_cell_text(res, r, 1, &nn), *code = wz_db_cell_text(res, r, 2, &cn),
                       *group = wz_db_cell_text(res, r, 3, &gn);
            json_array_append_new(list, json_pack("{s:o, s:s%, s:s%, s:b, s:s, s:s%, s:s%}", "service_code",
                                                  id_text(wz_db_cell_int(res, r, 0)), "service_name", name, nn,
                                                  "description", name, nn, "metadata", 0, "type", "realtime",
                                                  "keywords", code, cn, "group", group, gn));
        }
        send_doc(j->ctx, j->fmt, 200, "services", "service", list);
    }
    read_job_free(j);
}

/* a root category groups itself and its children; a child is grouped under its parent */
void wz_handle_open311_services(wz_ctx_t *ctx)
{
    static const char sql[] = "SELECT CAST(c.id AS SIGNED), c.name, c.code, COALESCE(p.name, c.name) FROM categories c "
                              "LEFT JOIN categories p ON p.id = c.parent_id ORDER BY c.id LIMIT ?";
    wz_db_value_t p = WZ_DB_INT(SERVICES_MAX);
    run_read(read_job(ctx, format_of_path(ctx)), sql, &p, 1, on_services);
}

static void on_service(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    read_job_t *j = data;
    if (wz_ctx_gone(j->ctx)) {
    } else if (err != NULL) {
        send_o311_db_error(j->ctx, j->fmt, err);
    } else if (res->nrows == 0) {
        send_o311_error(j->ctx, j->fmt, 404, "service_code was not found");
    } else {
        json_t *def = json_pack("{s:o, s:[]}", "service_code", id_text(wz_db_cell_int(res, 0, 0)), "attributes");
        send_doc(j->ctx, j->fmt, 200, "service_definition", NULL, def);
    }
    read_job_free(j);
}

void wz_handle_open311_service(wz_ctx_t *ctx)
{
    int fmt = format_of_path(ctx);
    char code[24];
    int64_t id = param_stem(ctx, "code", code, sizeof(code)) == 0 ? wz_parse_id(code, strlen(code)) : -1;
    if (id <= 0) {
        send_o311_error(ctx, fmt, 404, "service_code was not found");
        return;
    }
    wz_db_value_t p = WZ_DB_INT(id);
    run_read(read_job(ctx, fmt), "SELECT CAST(id AS SIGNED) FROM categories WHERE id = ?", &p, 1, on_service);
}

/* ---- GET requests, GET requests/{id} ---- */

#define REQ_SELECT                                                                                                     \
    "SELECT t.number, t.status, CAST(COALESCE(t.category_id, 0) AS SIGNED), c.name, t.content, u.name, "               \
    "CAST(FLOOR(UNIX_TIMESTAMP(t.received_at)) AS SIGNED), "                                                           \
    "CAST(FLOOR(COALESCE((SELECT UNIX_TIMESTAMP(e.created_at) FROM ticket_events e WHERE e.ticket_id = t.id "          \
    "ORDER BY e.id DESC LIMIT 1), UNIX_TIMESTAMP(t.updated_at))) AS SIGNED), "                                         \
    "CAST(FLOOR(COALESCE(UNIX_TIMESTAMP(t.promised_reply_at), 0)) AS SIGNED), t.location, t.region, o.address_id, "    \
    "o.media_url, (SELECT r.body FROM replies r WHERE r.ticket_id = t.id AND r.status = 'published' "                  \
    "ORDER BY r.published_at DESC, r.id DESC LIMIT 1) "                                                                \
    "FROM open311_requests o JOIN tickets t ON t.id = o.ticket_id LEFT JOIN categories c ON c.id = t.category_id "     \
    "LEFT JOIN units u ON u.id = t.unit_id "
#define REQ_ORDER " ORDER BY o.requested_at DESC, o.ticket_id DESC LIMIT ?"

/* One row of REQ_SELECT as the spec's service request. */
static json_t *request_view(const wz_db_result_t *res, size_t r)
{
    size_t n[14];
    const char *s[14];
    for (size_t c = 0; c < 14; c++)
        s[c] = wz_db_cell_text(res, r, c, &n[c]);
    json_t *loc = n[9] ? json_loadb(s[9], n[9], 0, NULL) : NULL;
    json_t *lat = json_object_get(loc, "latitude"), *lng = json_object_get(loc, "longitude"),
           *addr = json_object_get(loc, "address");
    json_t *address =
        json_is_string(addr) ? masked(json_string_value(addr), json_string_length(addr)) : masked(s[10], n[10]);
    size_t desc = wz_o311_description_len(s[4], n[4], s[12], n[12]);
    json_t *v = json_pack(
        "{s:s%, s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:n, s:o, s:o, s:o}", "service_request_id",
        s[0], n[0], "status", wz_o311_status(s[1], n[1]), "status_notes", masked(s[13], n[13]), "service_name",
        text_or_null(s[3], n[3]), "service_code", id_text(wz_db_cell_int(res, r, 2)), "description", masked(s[4], desc),
        "agency_responsible", text_or_null(s[5], n[5]), "service_notice", wz_o311_notice(s[1], n[1]),
        "requested_datetime", time_or_null(wz_db_cell_int(res, r, 6)), "updated_datetime",
        time_or_null(wz_db_cell_int(res, r, 7)), "expected_datetime", time_or_null(wz_db_cell_int(res, r, 8)),
        "address", address, "address_id", text_or_null(s[11], n[11]), "zipcode", "lat",
        json_is_number(lat) ? json_real(json_number_value(lat)) : json_null(), "long",
        json_is_number(lng) ? json_real(json_number_value(lng)) : json_null(), "media_url", text_or_null(s[12], n[12]));
    json_decref(loc);
    return v;
}

static void on_requests(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    read_job_t *j = data;
    if (wz_ctx_gone(j->ctx)) {
    } else if (err != NULL) {
        send_o311_db_error(j->ctx, j->fmt, err);
    } else {
        json_t *list = json_array();
        for (size_t r = 0; r < res->nrows; r++)
            json_array_append_new(list, request_view(res, r));
        send_doc(j->ctx, j->fmt, 200, "service_requests", "request", list);
    }
    read_job_free(j);
}

static void on_request(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    read_job_t *j = data;
    if (!wz_ctx_gone(j->ctx) && err == NULL && res->nrows == 0) {
        send_o311_error(j->ctx, j->fmt, 404, "service_request_id was not found");
        read_job_free(j);
        return;
    }
    on_requests(res, err, data);
}

/* A query argument; "" when absent (the spec treats an empty argument as an absent one).
 * -1 (answered) when it is malformed or too long. */
static int query_arg(wz_ctx_t *ctx, int fmt, const char *name, char *out, size_t outlen)
{
    int r = wz_req_query(ctx, name, out, outlen);
    if (r < 0) {
        char msg[96];
        snprintf(msg, sizeof(msg), "%s is malformed or too long", name);
        send_o311_error(ctx, fmt, 400, msg);
        return -1;
    }
    if (r == 0)
        out[0] = '\0';
    return 0;
}

/* service_request_id overrides every other argument (the spec) */
static void requests_by_number(wz_ctx_t *ctx, int fmt, const char *list)
{
    char numbers[WZ_O311_LIST_MAX][WZ_O311_NUMBER_MAX + 1];
    int n = wz_o311_numbers(list, numbers, WZ_O311_LIST_MAX);
    if (n <= 0) {
        send_o311_error(ctx, fmt, 400, "service_request_id must be a comma-separated list of at most 50 ids");
        return;
    }
    char sql[sizeof(REQ_SELECT) + 64 + 3 * WZ_O311_LIST_MAX + sizeof(REQ_ORDER)];
    wz_db_value_t p[WZ_O311_LIST_MAX + 1];
    size_t o = (size_t)snprintf(sql, sizeof(sql), "%s WHERE t.number IN (?", REQ_SELECT);
    p[0] = WZ_DB_TEXT(numbers[0]);
    for (int i = 1; i < n; i++) {
        o += (size_t)snprintf(sql + o, sizeof(sql) - o, ", ?");
        p[i] = WZ_DB_TEXT(numbers[i]);
    }
    snprintf(sql + o, sizeof(sql) - o, ")%s", REQ_ORDER);
    p[n] = WZ_DB_INT(WZ_O311_RESULTS_MAX);
    run_read(read_job(ctx, fmt), sql, p, (size_t)n + 1, on_requests);
}

void wz_handle_open311_requests(wz_ctx_t *ctx)
{
    int fmt = format_of_path(ctx);
    char ids[WZ_O311_LIST_MAX * (WZ_O311_NUMBER_MAX + 1) + 1], codes_in[WZ_O311_LIST_MAX * 20 + 1],
        codes[WZ_O311_LIST_MAX * 20 + 1] = "", start[64], end[64], status[32];
    if (query_arg(ctx, fmt, "service_request_id", ids, sizeof(ids)) != 0)
        return;
    if (ids[0] != '\0') {
        requests_by_number(ctx, fmt, ids);
        return;
    }
    if (query_arg(ctx, fmt, "service_code", codes_in, sizeof(codes_in)) != 0 ||
        query_arg(ctx, fmt, "start_date", start, sizeof(start)) != 0 ||
        query_arg(ctx, fmt, "end_date", end, sizeof(end)) != 0 ||
        query_arg(ctx, fmt, "status", status, sizeof(status)) != 0)
        return;
    if (codes_in[0] != '\0' && wz_o311_codes(codes_in, codes, sizeof(codes)) < 0) {
        send_o311_error(ctx, fmt, 400, "service_code must be a comma-separated list of at most 50 service codes");
        return;
    }
    int open = 1, closed = 1;
    if (status[0] != '\0' && wz_o311_statuses(status, &open, &closed) != 0) {
        send_o311_error(ctx, fmt, 400, "status must be open, closed or open,closed");
        return;
    }
    int64_t from, to;
    char why[120];
    if (wz_o311_range(start, end, wz_ctx_now(ctx), &from, &to, why, sizeof(why)) != 0) {
        send_o311_error(ctx, fmt, 400, why);
        return;
    }
    static const char sql[] =
        REQ_SELECT "WHERE o.requested_at >= FROM_UNIXTIME(?) AND o.requested_at <= FROM_UNIXTIME(?) "
                   "AND (? = '' OR FIND_IN_SET(t.category_id, ?) > 0) "
                   "AND ((? = 1 AND t.status <> 'closed') OR (? = 1 AND t.status = 'closed'))" REQ_ORDER;
    wz_db_value_t p[] = {WZ_DB_INT(from),
                         WZ_DB_INT(to),
                         WZ_DB_TEXT(codes),
                         WZ_DB_TEXT(codes),
                         WZ_DB_INT(open),
                         WZ_DB_INT(closed),
                         WZ_DB_INT(WZ_O311_RESULTS_MAX)};
    run_read(read_job(ctx, fmt), sql, p, sizeof(p) / sizeof(p[0]), on_requests);
}

void wz_handle_open311_request(wz_ctx_t *ctx)
{
    int fmt = format_of_path(ctx);
    char number[WZ_O311_NUMBER_MAX + 1], one[1][WZ_O311_NUMBER_MAX + 1];
    if (param_stem(ctx, "id", number, sizeof(number)) != 0 || wz_o311_numbers(number, one, 1) != 1) {
        send_o311_error(ctx, fmt, 404, "service_request_id was not found");
        return;
    }
    static const char sql[] = REQ_SELECT "WHERE t.number = ?" REQ_ORDER;
    wz_db_value_t p[] = {WZ_DB_TEXT(one[0]), WZ_DB_INT(1)};
    run_read(read_job(ctx, fmt), sql, p, 2, on_request);
}

/* ---- POST requests ---- */

typedef struct {
    wz_ctx_t *ctx;
    int fmt;
    wz_o311_post_t post;
    char external_id[WZ_O311_IDEM_MAX + 16];
    char channel[24];
    int64_t ticket_id;
    char number[24];
    char status[16];
    int created;
    const wz_calendar_t *cal;
} post_job_t;

static void post_job_free(post_job_t *j)
{
    sodium_memzero(j->post.key_secret, sizeof(j->post.key_secret));
    wz_calendar_release(j->cal);
    wz_ctx_drop(j->ctx);
    free(j);
}

static void post_refuse(post_job_t *j, int status, const char *description)
{
    send_o311_error(j->ctx, j->fmt, status, description);
    post_job_free(j);
}

static void on_marked(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    (void)res;
    post_job_t *j = data;
    if (wz_ctx_gone(j->ctx)) {
    } else if (err != NULL) {
        send_o311_db_error(j->ctx, j->fmt, err);
    } else {
        size_t sn = strlen(j->status);
        json_t *doc = json_pack("[{s:s, s:s, s:n}]", "service_request_id", j->number, "service_notice",
                                wz_o311_notice(j->status, sn), "account_id");
        send_doc(j->ctx, j->fmt, j->created ? 201 : 200, "service_requests", "request", doc);
    }
    post_job_free(j);
}

static void on_intake(void *data, const wz_intake_result_t *res, const wz_db_error_t *err)
{
    post_job_t *j = data;
    if (wz_ctx_gone(j->ctx) || err != NULL) {
        if (err != NULL)
            send_o311_db_error(j->ctx, j->fmt, err);
        post_job_free(j);
        return;
    }
    j->ticket_id = res->ticket_id;
    j->created = res->created;
    snprintf(j->number, sizeof(j->number), "%s", res->number);
    snprintf(j->status, sizeof(j->status), "%s", res->status);
    /* the Open311 mark (file header); on a retry the ticket may have it already */
    const wz_o311_post_t *p = &j->post;
    wz_db_value_t v[] = {WZ_DB_INT(p->key_account), p->address_id[0] ? WZ_DB_TEXT(p->address_id) : WZ_DB_NULL(),
                         p->media_url[0] ? WZ_DB_TEXT(p->media_url) : WZ_DB_NULL(), WZ_DB_INT(j->ticket_id)};
    int ret = wz_db_run(j->ctx->worker->db,
                        "INSERT INTO open311_requests (ticket_id, account_id, requested_at, address_id, media_url) "
                        "SELECT t.id, ?, t.received_at, ?, ? FROM tickets t WHERE t.id = ? "
                        "ON DUPLICATE KEY UPDATE ticket_id = ticket_id",
                        v, 4, on_marked, j);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_marked(NULL, &e, j);
    }
}

static char *location_json(const wz_o311_post_t *p)
{
    if (!p->has_point)
        return NULL;
    json_t *loc = json_pack("{s:f, s:f}", "latitude", p->lat, "longitude", p->lng);
    if (p->address_string[0])
        json_object_set_new(loc, "address", json_string(p->address_string));
    char *text = json_dumps(loc, JSON_COMPACT | JSON_REAL_PRECISION(12));
    json_decref(loc);
    if (text == NULL)
        abort();
    return text;
}

static void on_account(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    post_job_t *j = data;
    wz_ctx_t *ctx = j->ctx;
    if (wz_ctx_gone(ctx)) {
        post_job_free(j);
        return;
    }
    if (err != NULL) {
        send_o311_db_error(ctx, j->fmt, err);
        post_job_free(j);
        return;
    }
    /* one answer for every way a key can be wrong, so keys cannot be probed */
    static const char bad_key[] = "api_key is not valid";
    size_t pn = 0, sn = 0;
    const char *platform = res->nrows ? wz_db_cell_text(res, 0, 0, &pn) : "";
    const char *status = res->nrows ? wz_db_cell_text(res, 0, 1, &sn) : "";
    int client = strcmp(platform, "app") == 0 || strcmp(platform, "web") == 0 || strcmp(platform, "other") == 0;
    if (!client || strcmp(status, "active") != 0) {
        post_refuse(j, 403, bad_key);
        return;
    }
    const wz_db_value_t *box = wz_db_cell(res, 0, 2);
    char secret[SECRET_BUF];
    int ok = box->type == WZ_DB_T_TEXT &&
             wz_account_secret(ctx->server->seal_key, box->u.s.p, box->u.s.len, "open311_api_key", secret,
                               sizeof(secret)) == 0 &&
             strlen(secret) >= WZ_O311_SECRET_MIN && wz_o311_key_matches(secret, j->post.key_secret);
    sodium_memzero(secret, sizeof(secret));
    if (!ok) {
        post_refuse(j, 403, bad_key);
        return;
    }
    size_t nn = 0;
    const char *service = wz_db_cell_text(res, 0, 3, &nn);
    if (wz_db_cell(res, 0, 3)->type != WZ_DB_T_TEXT) {
        post_refuse(j, 404, "service_code was not found");
        return;
    }
    snprintf(j->channel, sizeof(j->channel), "%s", platform);
    const wz_o311_post_t *p = &j->post;
    char name[sizeof(p->first_name) + sizeof(p->last_name) + 1];
    wz_o311_name(p->first_name, p->last_name, name, sizeof(name));
    char *content = wz_o311_content(p, service);
    char *location = location_json(p);
    wz_intake_request_t req = {
        .type = "help", /* 求助: what a civic-issue report asks of a unit */
        .channel = j->channel,
        .content = content,
        .account_id = p->key_account,
        .category_id = p->service_code,
        .citizen_name = name[0] ? name : NULL,
        .contact_phone = p->phone[0] ? p->phone : NULL,
        .region = p->address_string[0] ? p->address_string : NULL, /* for the region rules */
        .location = location,
        .external_id = j->external_id[0] ? j->external_id : NULL,
    };
    j->cal = wz_calendar_acquire(&ctx->server->calendar);
    int ret = wz_ticket_intake(ctx->worker->db, j->cal, ctx->server->seal_key, &req, (int64_t)time(NULL), on_intake, j);
    free(content);
    free(location);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_intake(j, NULL, &e);
    }
}

static int has_type(h2o_iovec_t v, const char *want)
{
    size_t n = strlen(want);
    return v.len >= n && strncasecmp(v.base, want, n) == 0 && (v.len == n || v.base[n] == ';' || v.base[n] == ' ');
}

void wz_handle_open311_post(wz_ctx_t *ctx)
{
    int fmt = format_of_path(ctx);
    h2o_iovec_t type = wz_req_header(ctx->req, H2O_TOKEN_CONTENT_TYPE);
    int json = has_type(type, "application/json");
    if (!json && type.len > 0 && !has_type(type, "application/x-www-form-urlencoded")) {
        send_o311_error(ctx, fmt, 400, "the body must be application/x-www-form-urlencoded (or application/json)");
        return;
    }
    post_job_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        abort();
    j->ctx = ctx;
    j->fmt = fmt;
    wz_ctx_hold(ctx);
    ssize_t hi = h2o_find_header_by_str(&ctx->req->headers, H2O_STRLIT("idempotency-key"), -1);
    if (hi >= 0) {
        h2o_iovec_t key = ctx->req->headers.entries[hi].value;
        if (wz_o311_external_id(key.base, key.len, j->external_id, sizeof(j->external_id)) != 0) {
            post_refuse(j, 400, "Idempotency-Key must be 1-120 visible ASCII characters");
            return;
        }
    }
    char why[200];
    int status = wz_o311_post_parse(ctx->req->entity.base, ctx->req->entity.len, json, &j->post, why, sizeof(why));
    if (status != 0) {
        post_refuse(j, status, why);
        return;
    }
    wz_db_value_t p[] = {WZ_DB_INT(j->post.service_code), WZ_DB_INT(j->post.key_account)};
    int ret = wz_db_run(ctx->worker->db,
                        "SELECT a.platform, a.status, a.secret_box, (SELECT c.name FROM categories c WHERE c.id = ?) "
                        "FROM accounts a WHERE a.id = ?",
                        p, 2, on_account, j);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_account(NULL, &e, j);
    }
}
