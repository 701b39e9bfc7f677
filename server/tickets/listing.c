/* GET /tickets: the queue. Keyset pagination on (sort key, id) so a page costs the same at
 * any depth; the WHERE clause is assembled from fixed fragments, every value bound. */
#include "tickets/lifecycle.h"
#include "tickets/reads.h"
#include "tickets/view.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SQL_MAX 4096
#define MAX_PARAMS 40

/* the sort keys as text, so the cursor carries them exactly (microseconds included) */
#define KEY_RECEIVED "DATE_FORMAT(t.received_at, '%Y-%m-%d %H:%i:%s.%f')"
#define KEY_DUE "DATE_FORMAT(" EXPR_DUE ", '%Y-%m-%d %H:%i:%s.%f')"
/* typed as DATETIME(6): with a bare string literal COALESCE is a string, which compared the
 * cursor's '9999-12-31 00:00:00.000000' to '9999-12-31 00:00:00' and lost every ticket without a
 * deadline after the first page */
#define EXPR_DUE "COALESCE(t.reply_due_at, CAST('9999-12-31 00:00:00' AS DATETIME(6)))"
/* the same deadline for tickets still being worked on (schema 015): indexed, so a queue that
 * asks only for open statuses reads its page in order instead of sorting every match */
#define EXPR_OPEN_DUE "t.open_due"
#define KEY_OPEN_DUE "DATE_FORMAT(t.open_due, '%Y-%m-%d %H:%i:%s.%f')"
#define OPEN_STATUSES                                                                                                  \
    ((1u << WZ_ST_NEW) | (1u << WZ_ST_DISPATCHED) | (1u << WZ_ST_ACCEPTED) | (1u << WZ_ST_WAITING_CITIZEN))

void wz_cursor_encode(wz_list_sort_t sort, const char *key, int64_t id, char out[WZ_CURSOR_MAX])
{
    char raw[96];
    int n = snprintf(raw, sizeof(raw), "%c|%s|%lld", sort == WZ_SORT_DUE_ASC ? 'd' : 'r', key, (long long)id);
    sodium_bin2base64(out, WZ_CURSOR_MAX, (const unsigned char *)raw, (size_t)n,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* a figure of docs/metrics.md as a condition on the ticket (the holder's view, as the facts) */
static const struct {
    const char *name, *cond;
} figure_conds[] = {
    {"received", "1 = 1"},
    {"dispatched", "t.unit_id IS NOT NULL AND t.dispatched_at IS NOT NULL"},
    {"signed", "t.unit_id IS NOT NULL AND t.signed_at IS NOT NULL"},
    {"signed_on_time", "t.unit_id IS NOT NULL AND t.signed_at <= t.sign_due_at"},
    {"replied", "t.replied_at IS NOT NULL"},
    {"replied_on_time", "t.replied_at <= t.reply_due_at"},
    {"overdue", "EXISTS (SELECT 1 FROM ticket_events fe WHERE fe.ticket_id = t.id AND fe.action = 'sla_breach')"},
    {"extended", "t.extended = 1"},
    {"supervised", "t.supervised = 1"},
    {"reopened", "t.reopened_count > 0"},
    {"rated", "EXISTS (SELECT 1 FROM ratings fr WHERE fr.ticket_id = t.id)"},
    {"satisfied", "(SELECT fr.satisfaction FROM ratings fr WHERE fr.ticket_id = t.id ORDER BY fr.round DESC LIMIT 1) "
                  "= 'satisfied'"},
    {"basically_satisfied", "(SELECT fr.satisfaction FROM ratings fr WHERE fr.ticket_id = t.id ORDER BY fr.round "
                            "DESC LIMIT 1) = 'basically_satisfied'"},
    {"unsatisfied", "(SELECT fr.satisfaction FROM ratings fr WHERE fr.ticket_id = t.id ORDER BY fr.round DESC LIMIT "
                    "1) = 'unsatisfied'"},
};

const char *const wz_ticket_figures[] = {
    "received", "dispatched", "signed",   "signed_on_time", "replied",   "replied_on_time",     "overdue",
    "extended", "supervised", "reopened", "rated",          "satisfied", "basically_satisfied", "unsatisfied",
    NULL};

static int key_valid(const char *k, size_t n)
{
    /* YYYY-MM-DD HH:MM:SS.ffffff */
    static const char shape[] = "dddd-dd-dd dd:dd:dd.dddddd";
    if (n != sizeof(shape) - 1)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (shape[i] == 'd' ? (k[i] < '0' || k[i] > '9') : k[i] != shape[i])
            return 0;
    }
    return 1;
}

int wz_cursor_decode(const char *s, size_t len, wz_ticket_filter_t *f)
{
    unsigned char raw[96];
    size_t n = 0;
    if (len == 0 || len >= WZ_CURSOR_MAX)
        return -1;
    if (sodium_base642bin(raw, sizeof(raw) - 1, s, len, NULL, &n, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return -1;
    raw[n] = '\0';
    if (n < 4 || raw[1] != '|' || memchr(raw, '\0', n) != NULL)
        return -1;
    char want = f->sort == WZ_SORT_DUE_ASC ? 'd' : 'r';
    if ((char)raw[0] != want)
        return -1; /* a cursor from another sort order */
    const char *key = (const char *)raw + 2;
    const char *bar = strchr(key, '|');
    if (bar == NULL || !key_valid(key, (size_t)(bar - key)))
        return -1;
    char *end = NULL;
    long long id = strtoll(bar + 1, &end, 10);
    if (end == bar + 1 || *end != '\0' || id <= 0 || strlen(bar + 1) > 19)
        return -1;
    memcpy(f->cursor_key, key, (size_t)(bar - key));
    f->cursor_key[bar - key] = '\0';
    f->cursor_id = id;
    f->has_cursor = 1;
    return 0;
}

typedef struct {
    char sql[SQL_MAX];
    size_t len;
    wz_db_value_t p[MAX_PARAMS];
    size_t np;
    char like[4 * WZ_LIST_Q_MAX * 2 + 3];
} query_t;

static void put(query_t *q, const char *s)
{
    size_t n = strlen(s);
    if (q->len + n >= SQL_MAX)
        abort(); /* fragments are fixed: this cannot happen */
    memcpy(q->sql + q->len, s, n + 1);
    q->len += n;
}

static void bind_value(query_t *q, wz_db_value_t v)
{
    if (q->np >= MAX_PARAMS)
        abort();
    q->p[q->np++] = v;
}

/* LIKE pattern for a substring: the text with \ % _ escaped */
static void like_pattern(const char *text, char *out, size_t outlen)
{
    size_t o = 0;
    out[o++] = '%';
    for (const char *c = text; *c && o + 3 < outlen; c++) {
        if (*c == '%' || *c == '_' || *c == '\\')
            out[o++] = '\\';
        out[o++] = *c;
    }
    out[o++] = '%';
    out[o] = '\0';
}

static void build(query_t *q, const wz_identity_t *who, const wz_ticket_filter_t *f)
{
    int due = f->sort == WZ_SORT_DUE_ASC;
    /* only open statuses asked for: the same order and the same cursor keys, from the index */
    int open = due && f->statuses != 0 && (f->statuses & ~OPEN_STATUSES) == 0;
    const char *due_expr = open ? EXPR_OPEN_DUE : EXPR_DUE;
    put(q, "SELECT " WZ_TICKET_VIEW_COLUMNS ", ");
    put(q, open ? KEY_OPEN_DUE : due ? KEY_DUE : KEY_RECEIVED);
    put(q, WZ_TICKET_VIEW_FROM " WHERE 1 = 1");
    /* scope first: nothing outside it can match */
    switch (who->role) {
    case WZ_ROLE_CITIZEN:
        put(q, " AND t.citizen_id = ?");
        bind_value(q, WZ_DB_INT(who->id));
        break;
    case WZ_ROLE_STAFF:
    case WZ_ROLE_REVIEWER:
        put(q, " AND t.unit_id = ?");
        bind_value(q, WZ_DB_INT(who->unit_id));
        break;
    case WZ_ROLE_ADMIN:
        break;
    default:
        put(q, " AND (u.path LIKE CONCAT(?, '%') OR (t.unit_id IS NULL AND au.path LIKE CONCAT(?, '%')))");
        bind_value(q, WZ_DB_TEXT(who->unit_path));
        bind_value(q, WZ_DB_TEXT(who->unit_path));
        break;
    }
    if (f->statuses != 0) {
        put(q, " AND t.status IN (");
        int first = 1;
        for (int s = 0; s < WZ_ST__COUNT; s++) {
            if (f->statuses & (1u << s)) {
                put(q, first ? "?" : ", ?");
                bind_value(q, WZ_DB_TEXT(wz_status_name((wz_status_t)s)));
                first = 0;
            }
        }
        put(q, ")");
    }
    if (f->unassigned > 0)
        put(q, " AND t.unit_id IS NULL");
    else if (f->unassigned == 0)
        put(q, " AND t.unit_id IS NOT NULL");
    if (f->unit_id > 0 && f->include_descendants) { /* the unit's subtree, by its path */
        put(q, " AND u.path LIKE CONCAT((SELECT sp.path FROM units sp WHERE sp.id = ?), '%')");
        bind_value(q, WZ_DB_INT(f->unit_id));
    } else if (f->unit_id > 0) {
        put(q, " AND t.unit_id = ?");
        bind_value(q, WZ_DB_INT(f->unit_id));
    }
    if (f->account_id > 0) {
        put(q, " AND t.account_id = ?");
        bind_value(q, WZ_DB_INT(f->account_id));
    } else if (f->account_id < 0) {
        put(q, " AND t.account_id IS NULL");
    }
    if (f->category_id > 0) {
        put(q, " AND t.category_id = ?");
        bind_value(q, WZ_DB_INT(f->category_id));
    } else if (f->category_id < 0) {
        put(q, " AND t.category_id IS NULL");
    }
    if (f->merged > 0)
        put(q, " AND t.merged_into IS NOT NULL");
    else if (f->merged == 0)
        put(q, " AND t.merged_into IS NULL");
    for (size_t i = 0; f->figure[0] && i < sizeof(figure_conds) / sizeof(figure_conds[0]); i++) {
        if (strcmp(figure_conds[i].name, f->figure) == 0) { /* merged duplicates count for nothing */
            put(q, " AND t.merged_into IS NULL AND ");
            put(q, figure_conds[i].cond);
        }
    }
    if (f->type[0]) {
        put(q, " AND t.type = ?");
        bind_value(q, WZ_DB_TEXT(f->type));
    }
    if (f->channel[0]) {
        put(q, " AND t.channel = ?");
        bind_value(q, WZ_DB_TEXT(f->channel));
    }
    if (f->light[0]) {
        put(q, " AND t.sla_light = ?");
        bind_value(q, WZ_DB_TEXT(f->light));
    }
    if (f->supervised >= 0) {
        put(q, " AND t.supervised = ?");
        bind_value(q, WZ_DB_INT(f->supervised));
    }
    if (f->received_from > 0) {
        put(q, " AND t.received_at >= FROM_UNIXTIME(?)");
        bind_value(q, WZ_DB_INT(f->received_from));
    }
    if (f->received_to > 0) {
        put(q, " AND t.received_at < FROM_UNIXTIME(?)");
        bind_value(q, WZ_DB_INT(f->received_to));
    }
    if (f->q[0]) {
        like_pattern(f->q, q->like, sizeof(q->like));
        put(q, " AND (t.number = ? OR t.title LIKE ? OR t.content LIKE ?)");
        bind_value(q, WZ_DB_TEXT(f->q));
        bind_value(q, WZ_DB_TEXT(q->like));
        bind_value(q, WZ_DB_TEXT(q->like));
    }
    if (open)
        put(q, " AND t.open_due IS NOT NULL");
    if (f->has_cursor) {
        if (due) {
            put(q, " AND (");
            put(q, due_expr);
            put(q, " > ? OR (");
            put(q, due_expr);
            put(q, " = ? AND t.id > ?))");
        } else {
            put(q, " AND (t.received_at < ? OR (t.received_at = ? AND t.id < ?))");
        }
        bind_value(q, WZ_DB_TEXT(f->cursor_key));
        bind_value(q, WZ_DB_TEXT(f->cursor_key));
        bind_value(q, WZ_DB_INT(f->cursor_id));
    }
    if (due) {
        put(q, " ORDER BY ");
        put(q, due_expr);
        put(q, " ASC, t.id ASC LIMIT ?");
    } else {
        put(q, " ORDER BY t.received_at DESC, t.id DESC LIMIT ?");
    }
    bind_value(q, WZ_DB_INT(f->limit + 1)); /* one more tells whether there is a next page */
}

typedef struct {
    wz_identity_t who;
    wz_list_sort_t sort;
    unsigned limit;
    wz_ticket_read_cb cb;
    void *data;
    query_t q; /* the statement (wz_db_run copies its text and parameters) */
} job_t;

static void on_rows(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    job_t *j = data;
    if (err != NULL) {
        j->cb(j->data, NULL, err);
        free(j);
        return;
    }
    json_t *items = json_array();
    size_t n = res->nrows > j->limit ? j->limit : res->nrows;
    for (size_t r = 0; r < n; r++)
        json_array_append_new(items, wz_ticket_json(res, r, &j->who));
    json_t *next = json_null();
    if (res->nrows > j->limit && n > 0) {
        char cur[WZ_CURSOR_MAX];
        const wz_db_value_t *key = wz_db_cell(res, n - 1, WZ_VIEW_NCOLS);
        wz_cursor_encode(j->sort, key->type == WZ_DB_T_TEXT ? key->u.s.p : "", wz_db_cell(res, n - 1, 0)->u.i, cur);
        next = json_string(cur);
    }
    json_t *doc = json_pack("{s:o, s:o}", "items", items, "next_cursor", next);
    j->cb(j->data, doc, NULL);
    json_decref(doc);
    free(j);
}

int wz_ticket_list(wz_db_pool_t *pool, const wz_identity_t *who, const wz_ticket_filter_t *filter, wz_ticket_read_cb cb,
                   void *data)
{
    job_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        abort();
    query_t *q = &j->q;
    j->who = *who;
    j->sort = filter->sort;
    j->limit = filter->limit;
    j->cb = cb;
    j->data = data;
    build(q, who, filter);
    int ret = wz_db_run(pool, q->sql, q->p, q->np, on_rows, j); /* parameters are copied */
    if (ret != WZ_DB_OK)
        free(j);
    return ret;
}
