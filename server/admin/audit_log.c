/* GET /api/v1/audit-log: what admins and sign-ins did (ticket actions are in each ticket's
 * events). Admins only. Newest first, paged by the id of the last row seen; filters action,
 * actor_id, target_type, target_id and a time range [from, to) in RFC 3339. */
#include "admin/resources.h"
#include "common/timefmt.h"
#include "tickets/view.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT_DEFAULT 50
#define LIMIT_MAX 200

static const char sql_list[] =
    "SELECT id, CAST(UNIX_TIMESTAMP(created_at) AS SIGNED), CAST(COALESCE(actor_id, 0) AS SIGNED), actor_role, "
    "CAST(COALESCE(unit_id, 0) AS SIGNED), action, target_type, target_id, client_ip, payload FROM audit_log "
    "WHERE (? = '' OR action = ?) AND (? = 0 OR actor_id = ?) AND (? = '' OR target_type = ?) "
    "AND (? = '' OR target_id = ?) AND (? = 0 OR created_at >= FROM_UNIXTIME(?)) "
    "AND (? = 0 OR created_at < FROM_UNIXTIME(?)) AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?";

typedef struct {
    wz_ctx_t *ctx;
    unsigned limit;
} list_t;

static json_t *row_json(const wz_db_result_t *res, size_t r)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", wz_json_id(wz_db_cell_int(res, r, 0)));
    json_object_set_new(o, "created_at", wz_json_time(wz_db_cell_int(res, r, 1)));
    json_object_set_new(o, "actor_id", wz_json_id(wz_db_cell_int(res, r, 2)));
    static const char *const texts[] = {"actor_role", NULL, "action", "target_type", "target_id", "client_ip"};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        if (texts[i] == NULL)
            continue;
        size_t n;
        const char *s = wz_db_cell_text(res, r, 3 + i, &n);
        json_object_set_new(o, texts[i], json_stringn(s, n));
    }
    json_object_set_new(o, "unit_id", wz_json_id(wz_db_cell_int(res, r, 4)));
    size_t n;
    const char *p = wz_db_cell_text(res, r, 9, &n);
    json_t *payload = n ? json_loadb(p, n, 0, NULL) : NULL;
    json_object_set_new(o, "payload", payload ? payload : json_null());
    return o;
}

static void on_rows(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    list_t *l = data;
    wz_ctx_t *ctx = l->ctx;
    if (wz_ctx_gone(ctx)) {
    } else if (err != NULL) {
        wz_send_db_error(ctx, err);
    } else {
        size_t n = res->nrows > l->limit ? l->limit : res->nrows;
        json_t *items = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(items, row_json(res, i));
        json_t *next = json_null();
        if (res->nrows > l->limit) { /* one more row than asked: there is a next page */
            char c[24];
            snprintf(c, sizeof(c), "%lld", (long long)wz_db_cell_int(res, n - 1, 0));
            json_decref(next);
            next = json_string(c);
        }
        wz_send_json(ctx, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
    }
    wz_ctx_drop(ctx);
    free(l);
}

/* a query parameter that is a time; 0 when absent, -1 (answered) when malformed */
static int query_time(wz_ctx_t *ctx, const char *name, int64_t *out)
{
    char v[64];
    int r = wz_req_query(ctx, name, v, sizeof(v));
    *out = 0;
    if (r == 0)
        return 0;
    if (r < 0 || wz_time_parse(v, strlen(v), out) != 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "must be an RFC 3339 time, e.g. 2026-11-23T09:00:00+08:00", name);
        return -1;
    }
    return 0;
}

static int query_id(wz_ctx_t *ctx, const char *name, int64_t *out)
{
    char v[24];
    int r = wz_req_query(ctx, name, v, sizeof(v));
    *out = r == 1 ? wz_parse_id(v, strlen(v)) : 0;
    if (r < 0 || *out < 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "must be an id", name);
        return -1;
    }
    return 0;
}

static int query_text(wz_ctx_t *ctx, const char *name, char *out, size_t outlen)
{
    int r = wz_req_query(ctx, name, out, outlen);
    if (r < 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "is too long", name);
        return -1;
    }
    if (r == 0)
        out[0] = '\0';
    return 0;
}

void wz_handle_audit_log_list(wz_ctx_t *ctx)
{
    if (ctx->who.role != WZ_ROLE_ADMIN) {
        wz_send_error(ctx, WZ_ERR_FORBIDDEN, "only administrators read the audit log", NULL);
        return;
    }
    char action[49], target_type[33], target_id[65], lim[8];
    int64_t actor = 0, cursor = 0, from = 0, to = 0;
    if (query_text(ctx, "action", action, sizeof(action)) ||
        query_text(ctx, "target_type", target_type, sizeof(target_type)) ||
        query_text(ctx, "target_id", target_id, sizeof(target_id)) || query_id(ctx, "actor_id", &actor) ||
        query_id(ctx, "cursor", &cursor) || query_time(ctx, "from", &from) || query_time(ctx, "to", &to))
        return;
    unsigned limit = LIMIT_DEFAULT;
    int r = wz_req_query(ctx, "limit", lim, sizeof(lim));
    if (r != 0) {
        char *end;
        long n = r == 1 ? strtol(lim, &end, 10) : 0;
        if (r < 0 || *end != '\0' || n < 1 || n > LIMIT_MAX) {
            wz_send_error(ctx, WZ_ERR_VALIDATION, "limit must be between 1 and 200", "limit");
            return;
        }
        limit = (unsigned)n;
    }
    list_t *l = malloc(sizeof(*l));
    if (l == NULL)
        abort();
    *l = (list_t){ctx, limit};
    wz_db_value_t p[] = {WZ_DB_TEXT(action),      WZ_DB_TEXT(action),      WZ_DB_INT(actor),      WZ_DB_INT(actor),
                         WZ_DB_TEXT(target_type), WZ_DB_TEXT(target_type), WZ_DB_TEXT(target_id), WZ_DB_TEXT(target_id),
                         WZ_DB_INT(from),         WZ_DB_INT(from),         WZ_DB_INT(to),         WZ_DB_INT(to),
                         WZ_DB_INT(cursor),       WZ_DB_INT(cursor),       WZ_DB_INT(limit + 1)};
    wz_ctx_hold(ctx);
    int ret = wz_db_run(ctx->worker->db, sql_list, p, sizeof(p) / sizeof(p[0]), on_rows, l);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_rows(NULL, &e, l);
    }
}
