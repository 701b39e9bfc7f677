/* GET /tickets/{id}: the ticket and its parts in one statement.
 *
 * One statement is one consistent read (no explicit transaction) and one round trip: the view
 * and every part are UNION ALL'ed into one wide row shape in which each part has its own
 * columns (NULL elsewhere), so no column mixes two parts' types or collations. Each row
 * carries its part's number and order key; render() sorts by them. Before, the page took
 * nine round trips (START TRANSACTION, the view, six parts, COMMIT) and the read path's
 * throughput was bounded by them (docs/performance.md, read). */
#include "tickets/parts.h"
#include "tickets/reads.h"
#include "tickets/view.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PART_LIMIT "500" /* rows of each part; a ticket with more is a data problem */

typedef json_t *(*render_fn)(const wz_db_result_t *, size_t, const wz_identity_t *);

/* a photo the citizen attached; its bytes are GET /uploads/{id} */
static json_t *attachment_json(const wz_db_result_t *res, size_t r, const wz_identity_t *who)
{
    (void)who;
    size_t n;
    const char *type = wz_db_cell_text(res, r, 1, &n);
    return json_pack("{s:o, s:s%, s:I}", "id", wz_json_id(wz_db_cell_int(res, r, 0)), "content_type", type, n, "size",
                     (json_int_t)wz_db_cell_int(res, r, 2));
}

/* Segment 0 is the ticket; the others are its parts, in the order the page lists them. */
static const struct {
    const char *name; /* the document's key; NULL for the ticket itself */
    const char *cols, *key, *from_where;
    size_t ncols;
    render_fn render;
} segs[] = {
    {NULL, WZ_TICKET_VIEW_COLUMNS, "0", WZ_TICKET_VIEW_FROM " WHERE t.id = ?", WZ_VIEW_NCOLS, NULL},
    {"messages", WZ_MESSAGE_COLS, "id", " FROM ticket_messages WHERE ticket_id = ?", WZ_MESSAGE_NCOLS,
     wz_message_json},
    /* a merged duplicate shows its primary's replies too: the citizen sees the answer */
    {"replies", WZ_REPLY_COLS, "id",
     " FROM replies WHERE ticket_id IN (?, (SELECT merged_into FROM tickets WHERE id = ?))", WZ_REPLY_NCOLS,
     wz_reply_json},
    {"events", WZ_EVENT_COLS, "id", " FROM ticket_events WHERE ticket_id = ?", WZ_EVENT_NCOLS, wz_event_json},
    {"ratings", WZ_RATING_COLS, "round", " FROM ratings WHERE ticket_id = ?", WZ_RATING_NCOLS, wz_rating_json},
    {"extensions", WZ_EXTENSION_COLS, "id", " FROM extensions WHERE ticket_id = ?", WZ_EXTENSION_NCOLS,
     wz_extension_json},
    {"attachments", "CAST(id AS SIGNED), content_type, size", "id", " FROM uploads WHERE ticket_id = ?", 3,
     attachment_json},
};
#define NSEGS (sizeof(segs) / sizeof(segs[0]))
#define NPARAMS (NSEGS + 1) /* one ticket id per segment, and one more for replies' merged_into */
#define LEAD 2              /* the segment number and its order key come first */

static char *detail_sql;
static size_t seg_offset[NSEGS];
static pthread_once_t sql_once = PTHREAD_ONCE_INIT;

static void append(char **p, size_t *left, const char *fmt, const char *s)
{
    int n = snprintf(*p, *left, fmt, s);
    if (n < 0 || (size_t)n >= *left)
        abort(); /* the buffer is sized for the whole statement below */
    *p += n;
    *left -= (size_t)n;
}

static void build_sql(void)
{
    size_t width = 0;
    for (size_t s = 0; s < NSEGS; s++) {
        seg_offset[s] = LEAD + width;
        width += segs[s].ncols;
    }
    size_t size = 16384;
    char *p = detail_sql = malloc(size);
    if (p == NULL)
        abort();
    for (size_t s = 0; s < NSEGS; s++) {
        char num[8];
        snprintf(num, sizeof(num), "%zu", s);
        append(&p, &size, "%s", s == 0 ? "(SELECT " : " UNION ALL (SELECT ");
        append(&p, &size, "%s, ", num);
        append(&p, &size, "%s", segs[s].key);
        for (size_t c = LEAD; c < seg_offset[s]; c++)
            append(&p, &size, "%s", ", NULL");
        append(&p, &size, ", %s", segs[s].cols);
        for (size_t c = seg_offset[s] + segs[s].ncols; c < LEAD + width; c++)
            append(&p, &size, "%s", ", NULL");
        append(&p, &size, "%s", segs[s].from_where);
        if (s == 0)
            append(&p, &size, "%s", ")");
        else
            append(&p, &size, " ORDER BY %s LIMIT " PART_LIMIT ")", segs[s].key);
    }
    /* no ORDER BY over the union: it would put every row through a temporary table, which cost
     * MariaDB more than the round trips it saves; render() orders the rows itself */
}

/* Only the unit's own people see replies still in review or sent back. */
static int sees_drafts(const wz_identity_t *who)
{
    return who->role == WZ_ROLE_STAFF || who->role == WZ_ROLE_REVIEWER || who->role == WZ_ROLE_ADMIN ||
           who->role == WZ_ROLE_SUPERVISOR || who->role == WZ_ROLE_DISPATCHER;
}

/* Row r's columns of segment s, as a one-row result the renderers read from column 0. */
static wz_db_result_t seg_row(const wz_db_result_t *res, size_t r, size_t s)
{
    wz_db_result_t v = {.nrows = 1, .ncols = segs[s].ncols, .cells = res->cells + r * res->ncols + seg_offset[s]};
    return v;
}

typedef struct {
    wz_identity_t who;
    wz_ticket_read_cb cb;
    void *data;
} job_t;

/* The ticket's document from the statement's rows, or NULL when it is absent or out of scope. */
typedef struct {
    long long seg, key;
    size_t row;
} order_t;

static int by_seg_key(const void *a, const void *b)
{
    const order_t *x = a, *y = b;
    if (x->seg != y->seg)
        return x->seg < y->seg ? -1 : 1;
    return x->key < y->key ? -1 : x->key > y->key;
}

static json_t *render_rows(const wz_db_result_t *res, const order_t *order, const wz_identity_t *who)
{
    wz_db_result_t view = seg_row(res, order[0].row, 0);
    if (!wz_ticket_row_visible(who, &view, 0))
        return NULL; /* the parts were read too, and are dropped unseen */
    json_t *doc = wz_ticket_json(&view, 0, who);
    json_t *arrs[NSEGS] = {NULL};
    for (size_t s = 1; s < NSEGS; s++) {
        arrs[s] = json_array();
        json_object_set_new(doc, segs[s].name, arrs[s]);
    }
    for (size_t i = 1; i < res->nrows; i++) {
        long long s = order[i].seg;
        if (s < 1 || (size_t)s >= NSEGS)
            continue;
        wz_db_result_t row = seg_row(res, order[i].row, (size_t)s);
        if (strcmp(segs[s].name, "replies") == 0 && !sees_drafts(who) &&
            strcmp(wz_db_cell(&row, 0, 2)->u.s.p, "published") != 0)
            continue;
        json_array_append_new(arrs[s], segs[s].render(&row, 0, who));
    }
    /* the latest round is "the" rating; earlier rounds stay in the list */
    json_t *ratings = json_object_get(doc, "ratings");
    size_t n = json_array_size(ratings);
    json_object_set(doc, "rating", n > 0 ? json_array_get(ratings, n - 1) : json_null());
    return doc;
}

static json_t *render(const wz_db_result_t *res, const wz_identity_t *who)
{
    if (res->nrows == 0 || res->ncols != seg_offset[NSEGS - 1] + segs[NSEGS - 1].ncols)
        return NULL;
    order_t *order = malloc(res->nrows * sizeof(*order));
    if (order == NULL)
        abort();
    for (size_t r = 0; r < res->nrows; r++)
        order[r] = (order_t){wz_db_cell_int(res, r, 0), wz_db_cell_int(res, r, 1), r};
    qsort(order, res->nrows, sizeof(*order), by_seg_key);
    json_t *doc = order[0].seg == 0 ? render_rows(res, order, who) : NULL;
    free(order);
    return doc;
}

static void on_read(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    job_t *j = data;
    json_t *doc = err == NULL ? render(res, &j->who) : NULL;
    j->cb(j->data, doc, err);
    json_decref(doc);
    free(j);
}

int wz_ticket_detail(wz_db_pool_t *pool, const wz_identity_t *who, int64_t id, wz_ticket_read_cb cb, void *data)
{
    pthread_once(&sql_once, build_sql);
    job_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        abort();
    j->who = *who;
    j->cb = cb;
    j->data = data;
    wz_db_value_t p[NPARAMS];
    for (size_t i = 0; i < NPARAMS; i++)
        p[i] = WZ_DB_INT(id);
    int ret = wz_db_run(pool, detail_sql, p, NPARAMS, on_read, j);
    if (ret != WZ_DB_OK)
        free(j);
    return ret;
}
