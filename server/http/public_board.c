/* The public board (公开答复) and what the citizen clients need before they sign in.
 *
 *   GET /api/v1/public/replies?unit_id=&type=&q=&limit=&cursor=   newest reply first
 *   GET /api/v1/public/replies/{id}
 *   GET /api/v1/public/units    the unit tree's names, to filter the board by department
 *   GET /api/v1/public/config
 *
 * No token. An item is a ticket whose citizen consented at submission (publish), with a
 * published reply, not withheld by staff and not a merged duplicate. Title, question and reply
 * are masked by the privacy rules; no name, contact or location is ever part of an item.
 *
 * Because anyone may call these, answers are cached in the process for `public.cache_s`
 * seconds (and `Cache-Control: public` lets a CDN or the browser keep them as long), and each
 * address may ask `public.rate_per_min` times a minute (429 with Retry-After beyond). Both live
 * in this process: N servers behind a load balancer allow N times the rate, which the limit is
 * sized for. A text search may not contain a run of five digits: the raw text is searched, so a
 * phone or ID number would otherwise be confirmed by its masked match. */
#include "http/server.h"
#include "common/hash.h"
#include "common/timefmt.h"
#include "tickets/plan.h"
#include "tickets/view.h"
#include "uploads/sniff.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIMIT_DEFAULT 20
#define LIMIT_MAX 50
#define Q_MAX_CHARS 50
#define CACHE_SLOTS 256
#define CACHE_KEY_MAX 512
#define RATE_SLOTS 4096

/* ---- the rate limit: a token bucket per address, direct-mapped (a collision shares one) ---- */

static struct {
    pthread_mutex_t lock;
    struct {
        char addr[48];
        double tokens;
        int64_t at_ms;
    } slot[RATE_SLOTS];
} rate = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 0 if the address may go on, else the seconds until it may */
static int rate_take(const char *addr, int per_min)
{
    if (per_min <= 0)
        return 0;
    size_t i = wz_hash_fnv1a(addr, strlen(addr)) % RATE_SLOTS;
    int64_t now = now_ms();
    int wait = 0;
    pthread_mutex_lock(&rate.lock);
    if (strcmp(rate.slot[i].addr, addr) != 0) {
        snprintf(rate.slot[i].addr, sizeof(rate.slot[i].addr), "%s", addr);
        rate.slot[i].tokens = per_min;
        rate.slot[i].at_ms = now;
    }
    double t = rate.slot[i].tokens + (double)(now - rate.slot[i].at_ms) * per_min / 60000.0;
    if (t > per_min)
        t = per_min;
    rate.slot[i].at_ms = now;
    if (t >= 1) {
        rate.slot[i].tokens = t - 1;
    } else {
        rate.slot[i].tokens = t;
        wait = (int)((1 - t) * 60.0 / per_min) + 1;
    }
    pthread_mutex_unlock(&rate.lock);
    return wait;
}

/* ---- the answer cache: direct-mapped by the path and query ---- */

static struct {
    pthread_mutex_t lock;
    struct {
        char key[CACHE_KEY_MAX];
        char *body;
        int status;
        int64_t until_ms;
    } slot[CACHE_SLOTS];
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* a copy of the cached body (malloc'd) and its status, or NULL */
static char *cache_get(const char *key, int *status)
{
    size_t i = wz_hash_fnv1a(key, strlen(key)) % CACHE_SLOTS;
    char *body = NULL;
    pthread_mutex_lock(&cache.lock);
    if (cache.slot[i].body != NULL && strcmp(cache.slot[i].key, key) == 0 && cache.slot[i].until_ms > now_ms()) {
        body = strdup(cache.slot[i].body);
        *status = cache.slot[i].status;
    }
    pthread_mutex_unlock(&cache.lock);
    return body;
}

static void cache_put(const char *key, const char *body, int status, int ttl_s)
{
    if (ttl_s <= 0 || strlen(key) >= CACHE_KEY_MAX)
        return;
    size_t i = wz_hash_fnv1a(key, strlen(key)) % CACHE_SLOTS;
    char *copy = strdup(body);
    if (copy == NULL)
        abort();
    pthread_mutex_lock(&cache.lock);
    free(cache.slot[i].body);
    snprintf(cache.slot[i].key, sizeof(cache.slot[i].key), "%s", key);
    cache.slot[i].body = copy;
    cache.slot[i].status = status;
    cache.slot[i].until_ms = now_ms() + (int64_t)ttl_s * 1000;
    pthread_mutex_unlock(&cache.lock);
}

static void send_public(wz_ctx_t *ctx, int status, const char *body)
{
    h2o_req_t *req = ctx->req;
    char cc[48];
    snprintf(cc, sizeof(cc), "public, max-age=%d", ctx->server->cfg->public_board.cache_s);
    h2o_iovec_t v = h2o_strdup(&req->pool, cc, strlen(cc));
    h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, v.base, v.len, 1);
    wz_send_text(req, status, "application/json; charset=utf-8", body, strlen(body));
}

/* ---- the statements ---- */

#define ITEM_COLUMNS                                                                                                   \
    "SELECT t.id, t.title, t.content, t.type, CAST(COALESCE(t.unit_id, 0) AS SIGNED), COALESCE(u.name, ''), "          \
    "CAST(UNIX_TIMESTAMP(t.received_at) AS SIGNED), CAST(UNIX_TIMESTAMP(t.replied_at) AS SIGNED), "                    \
    "DATE_FORMAT(t.replied_at, '%Y%m%d%H%i%s%f'), "                                                                    \
    "(SELECT r.body FROM replies r WHERE r.ticket_id = t.id AND r.status = 'published' ORDER BY r.id DESC LIMIT 1) "   \
    "FROM tickets t LEFT JOIN units u ON u.id = t.unit_id "                                                            \
    "WHERE t.publish = 1 AND t.withheld_reason IS NULL AND t.replied_at IS NOT NULL AND t.merged_into IS NULL "

static const char sql_list[] = ITEM_COLUMNS "AND (? = 0 OR t.unit_id = ?) AND (? = '' OR t.type = ?) "
                                            "AND (? = '' OR t.title LIKE ? OR t.content LIKE ?) "
                                            "AND (? = '' OR t.replied_at < STR_TO_DATE(?, '%Y%m%d%H%i%s%f') "
                                            "OR (t.replied_at = STR_TO_DATE(?, '%Y%m%d%H%i%s%f') AND t.id < ?)) "
                                            "ORDER BY t.replied_at DESC, t.id DESC LIMIT ?";
static const char sql_one[] = ITEM_COLUMNS "AND t.id = ?";

enum { C_ID, C_TITLE, C_CONTENT, C_TYPE, C_UNIT, C_UNIT_NAME, C_RECEIVED, C_REPLIED, C_KEY, C_REPLY };

static json_t *item_json(const wz_db_result_t *res, size_t r)
{
    size_t n;
    const char *s;
    json_t *o = json_object();
    json_object_set_new(o, "id", wz_json_id(wz_db_cell_int(res, r, C_ID)));
    s = wz_db_cell_text(res, r, C_TITLE, &n);
    json_object_set_new(o, "title", wz_json_text(s, n, 1));
    s = wz_db_cell_text(res, r, C_CONTENT, &n);
    json_object_set_new(o, "content", wz_json_text(s, n, 1));
    s = wz_db_cell_text(res, r, C_TYPE, &n);
    json_object_set_new(o, "type", json_stringn(s, n));
    json_object_set_new(o, "unit_id", wz_json_id(wz_db_cell_int(res, r, C_UNIT)));
    s = wz_db_cell_text(res, r, C_UNIT_NAME, &n);
    json_object_set_new(o, "unit_name", n ? json_stringn(s, n) : json_null());
    json_object_set_new(o, "received_at", wz_json_time(wz_db_cell_int(res, r, C_RECEIVED)));
    json_object_set_new(o, "replied_at", wz_json_time(wz_db_cell_int(res, r, C_REPLIED)));
    s = wz_db_cell_text(res, r, C_REPLY, &n);
    json_object_set_new(o, "reply", n ? wz_json_text(s, n, 1) : json_null());
    return o;
}

/* One read of the board: the statement's rows become a document (render), which is cached
 * under the request's path and sent; render answers NULL for "no such item". */
typedef struct read read_t;
typedef json_t *(*render_fn)(read_t *j, const wz_db_result_t *res);

struct read {
    wz_ctx_t *ctx;
    char key[CACHE_KEY_MAX];
    unsigned limit;
    render_fn render;
};

static void on_read(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    read_t *j = data;
    wz_ctx_t *ctx = j->ctx;
    json_t *doc;
    if (wz_ctx_gone(ctx))
        goto done;
    if (err != NULL) {
        wz_send_db_error(ctx, err);
        goto done;
    }
    if ((doc = j->render(j, res)) == NULL) {
        wz_send_error(ctx, WZ_ERR_NOT_FOUND, "no such published reply", NULL);
        goto done;
    }
    char *body = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (body == NULL)
        abort();
    cache_put(j->key, body, 200, ctx->server->cfg->public_board.cache_s);
    send_public(ctx, 200, body);
    free(body);
done:
    wz_ctx_drop(ctx);
    free(j);
}

/* The common path: the rate limit, then the cache, then the statement. */
static void start_read(wz_ctx_t *ctx, const char *sql, const wz_db_value_t *p, size_t n, render_fn render,
                       unsigned limit)
{
    int wait = rate_take(ctx->client_ip, ctx->server->cfg->public_board.rate_per_min);
    if (wait > 0) {
        char v[16];
        snprintf(v, sizeof(v), "%d", wait);
        h2o_iovec_t hv = h2o_strdup(&ctx->req->pool, v, strlen(v));
        h2o_add_header(&ctx->req->pool, &ctx->req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL, hv.base, hv.len);
        wz_send_error(ctx, WZ_ERR_RATE_LIMITED, "too many requests from your address: try again shortly", NULL);
        return;
    }
    read_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        abort();
    h2o_req_t *req = ctx->req;
    snprintf(j->key, sizeof(j->key), "%.*s", (int)req->path.len, req->path.base);
    int status = 0;
    char *body = cache_get(j->key, &status);
    if (body != NULL) {
        send_public(ctx, status, body);
        free(body);
        free(j);
        return;
    }
    j->ctx = ctx;
    j->limit = limit;
    j->render = render;
    wz_ctx_hold(ctx);
    int ret = wz_db_run(ctx->worker->db, sql, p, n, on_read, j);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_read(NULL, &e, j);
    }
}

static json_t *render_page(read_t *j, const wz_db_result_t *res)
{
    json_t *items = json_array();
    size_t shown = res->nrows > j->limit ? j->limit : res->nrows;
    for (size_t r = 0; r < shown; r++)
        json_array_append_new(items, item_json(res, r));
    json_t *next = json_null();
    if (res->nrows > j->limit) { /* one more row than asked: there is a next page */
        size_t n;
        const char *k = wz_db_cell_text(res, shown - 1, C_KEY, &n);
        char cursor[64];
        snprintf(cursor, sizeof(cursor), "%.*s.%lld", (int)n, k, wz_db_cell_int(res, shown - 1, C_ID));
        next = json_string(cursor);
    }
    return json_pack("{s:o, s:o}", "items", items, "next_cursor", next);
}

static json_t *render_one(read_t *j, const wz_db_result_t *res)
{
    (void)j;
    return res->nrows == 1 ? json_pack("{s:o}", "item", item_json(res, 0)) : NULL;
}

static json_t *render_units(read_t *j, const wz_db_result_t *res)
{
    (void)j;
    json_t *items = json_array();
    for (size_t r = 0; r < res->nrows; r++) {
        size_t n;
        const char *name = wz_db_cell_text(res, r, 2, &n);
        json_array_append_new(items, json_pack("{s:o, s:o, s:s%}", "id", wz_json_id(wz_db_cell_int(res, r, 0)),
                                               "parent_id", wz_json_id(wz_db_cell_int(res, r, 1)), "name", name, n));
    }
    return json_pack("{s:o}", "items", items);
}

static int digit_run(const char *s, int run)
{
    int n = 0;
    for (; *s; s++) {
        n = (*s >= '0' && *s <= '9') ? n + 1 : 0;
        if (n >= run)
            return 1;
    }
    return 0;
}

static int cursor_ok(const char *c, char *key, size_t keylen, int64_t *id)
{
    const char *dot = strchr(c, '.');
    if (dot == NULL || dot - c != 20 || (size_t)(dot - c) >= keylen)
        return 0;
    for (const char *p = c; p < dot; p++)
        if (*p < '0' || *p > '9')
            return 0;
    *id = wz_parse_id(dot + 1, strlen(dot + 1));
    if (*id <= 0)
        return 0;
    memcpy(key, c, 20);
    key[20] = '\0';
    return 1;
}

static const char *const types[] = {"consultation", "help", "complaint", "suggestion", "report", "praise", NULL};

void wz_handle_public_replies(wz_ctx_t *ctx)
{
    char unit_s[24], type[24], q[Q_MAX_CHARS * 4 + 1], limit_s[8], cursor[64];
    int u = wz_req_query(ctx, "unit_id", unit_s, sizeof(unit_s));
    int t = wz_req_query(ctx, "type", type, sizeof(type));
    int qq = wz_req_query(ctx, "q", q, sizeof(q));
    int l = wz_req_query(ctx, "limit", limit_s, sizeof(limit_s));
    int c = wz_req_query(ctx, "cursor", cursor, sizeof(cursor));
    int64_t unit = 0, after_id = 0;
    char after[21] = "";
    if (u < 0 || (u == 1 && (unit = wz_parse_id(unit_s, strlen(unit_s))) <= 0)) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "unit_id must be an id", "unit_id");
        return;
    }
    if (t != 1)
        type[0] = '\0';
    int known = t != 1;
    for (size_t i = 0; types[i] && !known; i++)
        known = strcmp(types[i], type) == 0;
    if (t < 0 || !known) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "type is not a ticket type", "type");
        return;
    }
    if (qq != 1)
        q[0] = '\0';
    long qchars = wz_utf8_chars(q, strlen(q));
    if (qq < 0 || qchars < 0 || qchars > Q_MAX_CHARS) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "q must be at most 50 characters", "q");
        return;
    }
    if (digit_run(q, 5)) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "q may not contain five digits in a row (numbers are not searchable)",
                      "q");
        return;
    }
    long limit = LIMIT_DEFAULT;
    if (l == 1) {
        char *end;
        limit = strtol(limit_s, &end, 10);
        if (*end != '\0' || limit < 1 || limit > LIMIT_MAX)
            limit = -1;
    }
    if (l < 0 || limit < 1) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "limit must be 1 to 50", "limit");
        return;
    }
    if (c < 0 || (c == 1 && !cursor_ok(cursor, after, sizeof(after), &after_id))) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "cursor is not one this server made", "cursor");
        return;
    }
    /* LIKE's own characters in the text are literal */
    char pattern[sizeof(q) * 2 + 3];
    size_t w = 0;
    pattern[w++] = '%';
    for (const char *p = q; *p; p++) {
        if (*p == '%' || *p == '_' || *p == '\\')
            pattern[w++] = '\\';
        pattern[w++] = *p;
    }
    pattern[w++] = '%';
    pattern[w] = '\0';
    wz_db_value_t p[] = {WZ_DB_INT(unit),   WZ_DB_INT(unit),     WZ_DB_TEXT(type),    WZ_DB_TEXT(type),
                         WZ_DB_TEXT(q),     WZ_DB_TEXT(pattern), WZ_DB_TEXT(pattern), WZ_DB_TEXT(after),
                         WZ_DB_TEXT(after), WZ_DB_TEXT(after),   WZ_DB_INT(after_id), WZ_DB_INT(limit + 1)};
    start_read(ctx, sql_list, p, sizeof(p) / sizeof(p[0]), render_page, (unsigned)limit);
}

void wz_handle_public_reply(wz_ctx_t *ctx)
{
    int64_t id = wz_path_id(ctx, "id");
    if (id <= 0) {
        wz_send_error(ctx, WZ_ERR_NOT_FOUND, "no such published reply", NULL);
        return;
    }
    wz_db_value_t p = WZ_DB_INT(id);
    start_read(ctx, sql_one, &p, 1, render_one, 1);
}

/* GET /api/v1/public/units: the departments a visitor may filter the board by */
void wz_handle_public_units(wz_ctx_t *ctx)
{
    start_read(ctx,
               "SELECT id, CAST(COALESCE(parent_id, 0) AS SIGNED), name FROM units ORDER BY COALESCE(parent_id, 0), id",
               NULL, 0, render_units, 0);
}

void wz_handle_public_config(wz_ctx_t *ctx)
{
    const wz_config_t *cfg = ctx->server->cfg;
    wz_send_json(ctx, 200,
                 json_pack("{s:{s:s}, s:{s:I, s:[sss]}}", "miniprogram", "reply_template_id",
                           cfg->miniprogram.reply_template_id ? cfg->miniprogram.reply_template_id : "", "uploads",
                           "max_bytes", (json_int_t)WZ_UPLOAD_FILE_MAX, "types", "image/jpeg", "image/png",
                           "image/webp"));
}
