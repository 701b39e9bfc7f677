/* GET /api/v1/accounts/health: each government account as the inspection norms look at it
 * (domain.md): when it last published (an account silent for 14 days is flagged), and the
 * citizens' messages that came through it and wait for an answer (those past the promised
 * reply date are flagged). The caller sees the accounts of the units in their scope: staff and
 * reviewers their own unit's, dispatchers, supervisors and evaluators their subtree's, admins
 * all; citizens none. `?stale=true` keeps only flagged accounts. */
#include "admin/account_health.h"
#include "admin/resources.h"
#include "tickets/view.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STALE_DAYS WZ_HEALTH_SILENT_DAYS

/* waiting = not yet answered: new, dispatched, accepted, or waiting for the citizen */
static const char sql_health[] =
    "SELECT a.id, a.name, a.platform, a.status, CAST(a.unit_id AS SIGNED), u.name, u.path, "
    "CAST(COALESCE(UNIX_TIMESTAMP(a.last_post_at), 0) AS SIGNED), "
    "(SELECT COUNT(*) FROM tickets t WHERE t.account_id = a.id "
    "   AND t.status IN ('new', 'dispatched', 'accepted', 'waiting_citizen')), "
    "(SELECT COUNT(*) FROM tickets t WHERE t.account_id = a.id "
    "   AND t.status IN ('new', 'dispatched', 'accepted', 'waiting_citizen') "
    "   AND t.promised_reply_at < UTC_TIMESTAMP(6)), "
    "(SELECT CAST(COALESCE(UNIX_TIMESTAMP(MIN(t.received_at)), 0) AS SIGNED) FROM tickets t "
    "   WHERE t.account_id = a.id AND t.status IN ('new', 'dispatched', 'accepted', 'waiting_citizen')) "
    "FROM accounts a JOIN units u ON u.id = a.unit_id WHERE u.path LIKE CONCAT(?, '%') ORDER BY a.id";

typedef struct {
    wz_identity_t who;
    int64_t now;
    wz_account_health_cb cb;
    void *data;
} read_t;

static void on_rows(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    read_t *h = data;
    if (err != NULL) {
        h->cb(h->data, NULL, err);
        free(h);
        return;
    }
    json_t *items = json_array();
    for (size_t r = 0; r < res->nrows; r++) {
        size_t n;
        const char *path = wz_db_cell_text(res, r, 6, &n);
        char p[WZ_UNIT_PATH_MAX];
        snprintf(p, sizeof(p), "%.*s", (int)n, path);
        if (!wz_scope_covers(&h->who, p))
            continue;
        size_t sn;
        const char *status = wz_db_cell_text(res, r, 3, &sn);
        int64_t last = wz_db_cell_int(res, r, 7);
        int active = sn == 6 && memcmp(status, "active", 6) == 0;
        int silent = active && (last <= 0 || h->now - last > (int64_t)STALE_DAYS * 86400);
        json_t *o = json_object();
        json_object_set_new(o, "account_id", wz_json_id(wz_db_cell_int(res, r, 0)));
        static const char *const texts[] = {"name", "platform", "status"};
        for (size_t k = 0; k < 3; k++) {
            const char *s = wz_db_cell_text(res, r, 1 + k, &n);
            json_object_set_new(o, texts[k], json_stringn(s, n));
        }
        json_object_set_new(o, "unit_id", wz_json_id(wz_db_cell_int(res, r, 4)));
        const char *unit = wz_db_cell_text(res, r, 5, &n);
        json_object_set_new(o, "unit_name", json_stringn(unit, n));
        json_object_set_new(o, "last_post_at", wz_json_time(last));
        json_object_set_new(o, "days_since_post", last > 0 ? json_integer((h->now - last) / 86400) : json_null());
        json_object_set_new(o, "silent", json_boolean(silent));
        json_object_set_new(o, "waiting_tickets", json_integer(wz_db_cell_int(res, r, 8)));
        json_object_set_new(o, "overdue_tickets", json_integer(wz_db_cell_int(res, r, 9)));
        json_object_set_new(o, "oldest_waiting_at", wz_json_time(wz_db_cell_int(res, r, 10)));
        json_array_append_new(items, o);
    }
    h->cb(h->data, items, NULL);
    json_decref(items);
    free(h);
}

int wz_account_health_read(wz_db_pool_t *pool, const wz_identity_t *who, int64_t now, wz_account_health_cb cb,
                           void *data)
{
    read_t *h = malloc(sizeof(*h));
    if (h == NULL)
        abort();
    *h = (read_t){*who, now, cb, data};
    /* the caller's subtree in SQL, so accounts outside it cost no ticket counts; the exact
     * scope (staff: their own unit only) is applied to the rows */
    const char *prefix = who->role == WZ_ROLE_ADMIN ? "" : h->who.unit_path;
    wz_db_value_t p = WZ_DB_TEXT(prefix);
    int ret = wz_db_run(pool, sql_health, &p, 1, on_rows, h);
    if (ret != WZ_DB_OK)
        free(h);
    return ret;
}

/* ---- GET /accounts/health ---- */

typedef struct {
    wz_ctx_t *ctx;
    int stale_only;
} health_t;

static void on_health(void *data, json_t *items, const wz_db_error_t *err)
{
    health_t *h = data;
    wz_ctx_t *ctx = h->ctx;
    if (wz_ctx_gone(ctx)) {
    } else if (err != NULL) {
        wz_send_db_error(ctx, err);
    } else {
        json_t *out = json_array();
        size_t i;
        json_t *o;
        json_array_foreach(items, i, o) {
            int flagged = json_is_true(json_object_get(o, "silent")) ||
                          json_integer_value(json_object_get(o, "overdue_tickets")) > 0;
            if (!h->stale_only || flagged)
                json_array_append(out, o);
        }
        wz_send_json(ctx, 200, json_pack("{s:o, s:i}", "items", out, "silent_after_days", STALE_DAYS));
    }
    wz_ctx_drop(ctx);
    free(h);
}

void wz_handle_accounts_health(wz_ctx_t *ctx)
{
    if (ctx->who.role == WZ_ROLE_CITIZEN) {
        wz_send_error(ctx, WZ_ERR_FORBIDDEN, "citizens do not read account health", NULL);
        return;
    }
    char v[8];
    int r = wz_req_query(ctx, "stale", v, sizeof(v));
    if (r < 0 || (r == 1 && strcmp(v, "true") != 0 && strcmp(v, "false") != 0)) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "stale must be true or false", "stale");
        return;
    }
    health_t *h = malloc(sizeof(*h));
    if (h == NULL)
        abort();
    *h = (health_t){ctx, r == 1 && strcmp(v, "true") == 0};
    wz_ctx_hold(ctx);
    int ret = wz_account_health_read(ctx->worker->db, &ctx->who, (int64_t)time(NULL), on_health, h);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_health(h, NULL, &e);
    }
}
