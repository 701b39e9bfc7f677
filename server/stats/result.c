/* The statistics' answer from the statements' rows (stats/query.h): groups, the roll-up over
 * subtrees, the figures, the drill-down parameters and the ranking. Pure. */
#include "stats/buckets.h"
#include "stats/query.h"
#include "common/hash.h"
#include "common/timefmt.h"
#include "tickets/view.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNASSIGNED_NAME "未派单"
#define KEY_MAX 48

/* ---- units ---- */

typedef struct {
    int64_t id;
    char *name, *path;
    int depth; /* 0 for a root ("/1/"), 1 for its children ... */
} unit_t;

struct wz_stats_units {
    size_t n;
    unit_t *u; /* by id */
};

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n == 0 ? 1 : n, size);
    if (p == NULL)
        abort();
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *d = strndup(s, n);
    if (d == NULL)
        abort();
    return d;
}

wz_stats_units_t *wz_stats_units_new(const wz_db_result_t *res)
{
    wz_stats_units_t *u = xcalloc(1, sizeof(*u));
    u->u = xcalloc(res->nrows, sizeof(unit_t));
    for (size_t r = 0; r < res->nrows; r++) {
        size_t n;
        unit_t *x = &u->u[u->n++];
        x->id = wz_db_cell_int(res, r, 0);
        const char *s = wz_db_cell_text(res, r, 1, &n);
        x->name = xstrndup(s, n);
        s = wz_db_cell_text(res, r, 2, &n);
        x->path = xstrndup(s, n);
        for (size_t i = 1; i < n; i++)
            x->depth += s[i] == '/';
        x->depth -= 1;
    }
    return u;
}

void wz_stats_units_free(wz_stats_units_t *u)
{
    if (u == NULL)
        return;
    for (size_t i = 0; i < u->n; i++) {
        free(u->u[i].name);
        free(u->u[i].path);
    }
    free(u->u);
    free(u);
}

static const unit_t *unit_find(const wz_stats_units_t *u, int64_t id)
{
    if (u == NULL)
        return NULL;
    size_t lo = 0, hi = u->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (u->u[mid].id == id)
            return &u->u[mid];
        if (u->u[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *wz_stats_units_path(const wz_stats_units_t *u, const wz_identity_t *who, int64_t id)
{
    const unit_t *x = unit_find(u, id);
    return x != NULL && wz_scope_covers(who, x->path) ? x->path : NULL;
}

/* ---- figures ---- */

json_t *wz_stats_rate(int64_t num, int64_t den)
{
    return den == 0 ? json_null() : json_real((double)num / (double)den);
}

static double ratio(int64_t num, int64_t den)
{
    return den == 0 ? NAN : (double)num / (double)den;
}

static double hours_quantile(const wz_stats_acc_t *a, double q)
{
    int b = a->hist ? wz_stats_quantile_bucket(a->hist, WZ_STATS_BUCKETS, q) : -1;
    return b < 0 ? NAN : (double)wz_stats_bucket_upper(b) / 60.0;
}

/* a metric's value; NaN when it is undefined (a zero denominator, no replies) */
static double metric_value(const wz_stats_acc_t *a, const char *name)
{
    const int64_t *c = a->c;
    if (strcmp(name, "reply_rate") == 0)
        return ratio(c[WZ_C_REPLIED], c[WZ_C_RECEIVED]);
    if (strcmp(name, "on_time_reply_rate") == 0)
        return ratio(c[WZ_C_REPLIED_ON_TIME], c[WZ_C_RECEIVED]);
    if (strcmp(name, "on_time_sign_rate") == 0)
        return ratio(c[WZ_C_SIGNED_ON_TIME], c[WZ_C_DISPATCHED]);
    if (strcmp(name, "satisfaction_rate") == 0)
        return ratio(c[WZ_C_SATISFIED] + c[WZ_C_BASICALLY_SATISFIED], c[WZ_C_RATED]);
    if (strcmp(name, "first_reply_hours_avg") == 0) /* one rounding: count * 60 is exact */
        return a->reply_count == 0 ? NAN : (double)a->reply_minutes / ((double)a->reply_count * 60.0);
    if (strcmp(name, "first_reply_hours_median") == 0)
        return hours_quantile(a, 0.5);
    if (strcmp(name, "first_reply_hours_p90") == 0)
        return hours_quantile(a, 0.9);
    for (int i = 0; i < WZ_STATS_NCOUNTS; i++)
        if (strcmp(name, wz_stats_count_names[i]) == 0)
            return (double)c[i];
    return NAN;
}

static json_t *real_or_null(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

void wz_stats_figures_json(const wz_stats_acc_t *a, json_t *o)
{
    for (int i = 0; i < WZ_STATS_NCOUNTS; i++)
        json_object_set_new(o, wz_stats_count_names[i], json_integer(a->c[i]));
    static const char *const derived[] = {"reply_rate",           "on_time_reply_rate",    "on_time_sign_rate",
                                          "satisfaction_rate",    "first_reply_hours_avg", "first_reply_hours_median",
                                          "first_reply_hours_p90"};
    for (size_t i = 0; i < sizeof(derived) / sizeof(derived[0]); i++)
        json_object_set_new(o, derived[i], real_or_null(metric_value(a, derived[i])));
}

/* ---- ranking ---- */

typedef struct {
    const double *v;
    int higher;
} rank_ctx_t;

/* better first; NaN last; equal values keep their given order (the caller's order is by id) */
static int better(const rank_ctx_t *c, size_t i, size_t j)
{
    double a = c->v[i], b = c->v[j];
    if (isnan(a) || isnan(b))
        return isnan(a) ? (isnan(b) ? 0 : 1) : -1;
    if (a == b)
        return 0;
    return (c->higher ? a > b : a < b) ? -1 : 1;
}

void wz_stats_rank(const double *values, size_t n, int higher_is_better, size_t *order, int *ranks)
{
    rank_ctx_t c = {values, higher_is_better};
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    /* insertion sort: stable, and a ranking has as many entries as units */
    for (size_t i = 1; i < n; i++) {
        size_t x = order[i], j = i;
        while (j > 0 && better(&c, x, order[j - 1]) < 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = x;
    }
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k];
        if (isnan(values[i]))
            ranks[i] = 0;
        else if (k > 0 && values[order[k - 1]] == values[i])
            ranks[i] = ranks[order[k - 1]]; /* a tie shares the rank: 1, 2, 2, 4 */
        else
            ranks[i] = (int)k + 1;
    }
}

/* ---- groups ---- */

typedef struct {
    char key[2][KEY_MAX]; /* the key values as text: an id in decimal, a channel, a period */
    int64_t id[2];        /* the ids of unit, account, category keys */
    char *label[2];       /* account and category names (unit names come from the units) */
    uint64_t hash;        /* of the keys (group_hash), kept for growing the index */
    wz_stats_acc_t acc;
} group_t;

struct wz_stats_asm {
    const wz_stats_params_t *p;
    const wz_identity_t *who;
    const wz_stats_units_t *units;
    const char *unit_path; /* the unit filter's path, or NULL */
    int unit_pos;          /* which key is the unit, or -1 */
    int rollup;            /* unit rows sum their subtrees */
    group_t *g;
    size_t n, cap;
    size_t *slot;     /* the groups' index: open addressing, 1 + the position in g, 0 empty */
    size_t slot_mask; /* the slots' count - 1 (a power of two) */
    wz_stats_acc_t totals;
};
typedef struct wz_stats_asm asm_t;

static int is_id_key(wz_stats_key_t k)
{
    return k == WZ_SK_UNIT || k == WZ_SK_ACCOUNT || k == WZ_SK_CATEGORY;
}

static void acc_free(wz_stats_acc_t *a)
{
    free(a->hist);
}

static void acc_add_counts(wz_stats_acc_t *a, const wz_db_result_t *res, size_t r, size_t col)
{
    for (int i = 0; i < WZ_STATS_NCOUNTS; i++)
        a->c[i] += wz_db_cell_int(res, r, col + (size_t)i);
    a->reply_count += wz_db_cell_int(res, r, col + WZ_STATS_NCOUNTS);
    a->reply_minutes += wz_db_cell_int(res, r, col + WZ_STATS_NCOUNTS + 1);
}

static void acc_add_hist(wz_stats_acc_t *a, long long bucket, long long n)
{
    if (bucket < 0 || bucket >= WZ_STATS_BUCKETS)
        return; /* not a bucket the job writes */
    if (a->hist == NULL)
        a->hist = xcalloc(WZ_STATS_BUCKETS, sizeof(int64_t));
    a->hist[bucket] += n;
}

/* a month row's packed histogram */
static void acc_add_packed(wz_stats_acc_t *a, const char *packed, size_t len)
{
    if (a->hist == NULL)
        a->hist = xcalloc(WZ_STATS_BUCKETS, sizeof(int64_t));
    (void)wz_stats_hist_unpack(packed, len, a->hist); /* read only where reply_count <> 0: of its one length */
}

/* a row's figures (at col) into a */
static void acc_add_row(wz_stats_acc_t *a, const wz_db_result_t *res, size_t r, size_t col, wz_stats_rows_t kind)
{
    size_t n;
    const char *packed;
    switch (kind) {
    case WZ_STATS_ROWS_COUNTS:
        acc_add_counts(a, res, r, col);
        break;
    case WZ_STATS_ROWS_HIST:
        acc_add_hist(a, wz_db_cell_int(res, r, col), wz_db_cell_int(res, r, col + 1));
        break;
    case WZ_STATS_ROWS_MONTH:
        acc_add_counts(a, res, r, col);
        if (wz_db_cell_int(res, r, col + WZ_STATS_NCOUNTS) == 0)
            break; /* no first reply: the histogram is all zeros */
        packed = wz_db_cell_text(res, r, col + WZ_STATS_NCOUNTS + 2, &n);
        acc_add_packed(a, packed, n);
        break;
    }
}

/* A group is found by its keys: the ids of id keys, the text of the others. The index is a small
 * hash table of its own rather than a jansson object keyed by formatted text: a quarter by unit
 * sums thousands of rows, and formatting and hashing each row's key as a string was about a
 * tenth of an answer's CPU. */
/* whether key i is compared by id (unit, account, category) rather than by text */
static int key_is_id(const asm_t *s, int i)
{
    return i < s->p->nkeys && is_id_key(s->p->keys[i]);
}

static uint64_t group_hash(const asm_t *s, const int64_t id[2], char key[2][KEY_MAX])
{
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 2; i++)
        h = wz_hash_mix64(h ^ (key_is_id(s, i) ? (uint64_t)id[i] : wz_hash_fnv1a(key[i], strlen(key[i]))));
    return h;
}

static int group_is(const asm_t *s, const group_t *g, const int64_t id[2], char key[2][KEY_MAX])
{
    for (int i = 0; i < s->p->nkeys; i++) {
        if (key_is_id(s, i) ? g->id[i] != id[i] : strcmp(g->key[i], key[i]) != 0)
            return 0;
    }
    return 1;
}

static void index_put(asm_t *s, uint64_t hash, size_t pos)
{
    size_t i = (size_t)hash & s->slot_mask;
    while (s->slot[i] != 0)
        i = (i + 1) & s->slot_mask;
    s->slot[i] = pos + 1;
}

/* keeps the table at most half full */
static void index_grow(asm_t *s)
{
    if (s->slot != NULL && 2 * (s->n + 1) <= s->slot_mask + 1)
        return;
    s->slot_mask = s->slot == NULL ? 255 : 2 * s->slot_mask + 1;
    free(s->slot);
    s->slot = xcalloc(s->slot_mask + 1, sizeof(size_t));
    for (size_t k = 0; k < s->n; k++)
        index_put(s, s->g[k].hash, k);
}

/* the group with these keys; created unless only_existing; NULL when absent. The text of id
 * keys is written here, once per group, not once per row. */
static group_t *group_get(asm_t *s, char key[2][KEY_MAX], const int64_t id[2], const char *const label[2],
                          int only_existing)
{
    uint64_t hash = group_hash(s, id, key);
    for (size_t i = (size_t)hash & s->slot_mask; s->slot != NULL && s->slot[i] != 0; i = (i + 1) & s->slot_mask) {
        group_t *g = &s->g[s->slot[i] - 1];
        if (g->hash == hash && group_is(s, g, id, key))
            return g;
    }
    if (only_existing)
        return NULL;
    index_grow(s);
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->g = realloc(s->g, s->cap * sizeof(group_t));
        if (s->g == NULL)
            abort();
    }
    group_t *g = &s->g[s->n];
    memset(g, 0, sizeof(*g));
    for (int i = 0; i < 2; i++) {
        if (key_is_id(s, i))
            snprintf(g->key[i], KEY_MAX, "%lld", (long long)id[i]);
        else
            memcpy(g->key[i], key[i], KEY_MAX);
        g->id[i] = id[i];
        g->label[i] = label[i] ? xstrndup(label[i], strlen(label[i])) : NULL;
    }
    g->hash = hash;
    index_put(s, hash, s->n);
    return &s->g[s->n++];
}

/* the units a row with unit u (path) counts for: itself, or with the roll-up every ancestor in
 * scope (and under the unit filter); unit 0 counts for itself alone */
static size_t targets(const asm_t *s, int64_t u, const char *path, int64_t *out, size_t max)
{
    if (!s->rollup || u == 0) {
        out[0] = u;
        return 1;
    }
    if (path == NULL || path[0] == '\0') { /* the statements leave it to the units list */
        const unit_t *x = unit_find(s->units, u);
        path = x != NULL ? x->path : "";
    }
    size_t n = 0;
    const char *c = path;
    while (*c == '/' && c[1] != '\0' && n < max) {
        char *end = NULL;
        long long id = strtoll(c + 1, &end, 10);
        if (end == c + 1 || *end != '/')
            break;
        const char *gp = wz_stats_units_path(s->units, s->who, id);
        if (gp != NULL && (s->unit_path == NULL || strncmp(gp, s->unit_path, strlen(s->unit_path)) == 0))
            out[n++] = id;
        c = end;
    }
    return n;
}

static void add_row(asm_t *s, const wz_db_result_t *res, size_t r, wz_stats_rows_t kind)
{
    const wz_stats_params_t *p = s->p;
    char key[2][KEY_MAX] = {"", ""};
    int64_t id[2] = {0, 0};
    const char *label[2] = {NULL, NULL};
    for (int i = 0; i < p->nkeys; i++) {
        size_t n;
        const wz_db_value_t *v = wz_db_cell(res, r, (size_t)(2 * i));
        if (is_id_key(p->keys[i])) {
            id[i] = wz_db_cell_int(res, r, (size_t)(2 * i)); /* its text: group_get, once per group */
        } else if (v->type == WZ_DB_T_INT) {
            id[i] = wz_db_cell_int(res, r, (size_t)(2 * i));
            snprintf(key[i], KEY_MAX, "%lld", (long long)id[i]);
        } else {
            const char *t = wz_db_cell_text(res, r, (size_t)(2 * i), &n);
            snprintf(key[i], KEY_MAX, "%.*s", (int)n, t);
        }
        label[i] = wz_db_cell_text(res, r, (size_t)(2 * i + 1), &n);
    }
    size_t col = (size_t)(2 * p->nkeys);
    acc_add_row(&s->totals, res, r, col, kind);
    int64_t t[WZ_UNIT_PATH_MAX / 2];
    size_t nt = 1;
    t[0] = 0;
    if (s->unit_pos >= 0)
        nt = targets(s, id[s->unit_pos], label[s->unit_pos], t, sizeof(t) / sizeof(t[0]));
    for (size_t k = 0; k < nt; k++) {
        if (s->unit_pos >= 0)
            id[s->unit_pos] = t[k];
        group_t *g = group_get(s, key, id, label, p->ranking);
        if (g == NULL)
            continue; /* the ranking's level leaves this unit out */
        acc_add_row(&g->acc, res, r, col, kind);
    }
}

static int cmp_key(const wz_stats_params_t *p, const group_t *a, const group_t *b, int i)
{
    if (is_id_key(p->keys[i]))
        return a->id[i] < b->id[i] ? -1 : a->id[i] > b->id[i];
    return strcmp(a->key[i], b->key[i]);
}

/* qsort_r (glibc): the workers sort on several threads at once, so no static context */
static int cmp_groups(const void *x, const void *y, void *arg)
{
    const wz_stats_params_t *p = arg;
    const group_t *a = x, *b = y;
    for (int i = 0; i < p->nkeys; i++) {
        int c = cmp_key(p, a, b, i);
        if (c != 0)
            return c;
    }
    return 0;
}

/* ---- rendering ---- */

static void set_str(json_t *o, const char *k, const char *v)
{
    json_object_set_new(o, k, json_string(v));
}

static void set_id(json_t *o, const char *k, int64_t id)
{
    char v[24];
    snprintf(v, sizeof(v), "%lld", (long long)id);
    set_str(o, k, v);
}

/* the GET /tickets parameters listing exactly the tickets the row counts (the received cohort) */
static json_t *drilldown(const asm_t *s, const group_t *g)
{
    const wz_stats_params_t *p = s->p;
    json_t *d = json_object();
    int64_t start = p->from, end = p->to;
    int unit_done = 0, account_done = 0, category_done = 0, channel_done = 0, type_done = 0;
    for (int i = 0; g != NULL && i < p->nkeys; i++) {
        int64_t ps, pe;
        switch (p->keys[i]) {
        case WZ_SK_DAY:
        case WZ_SK_WEEK:
        case WZ_SK_MONTH: /* the period, inside [from, to) */
            if (wz_stats_period_range(p->keys[i], g->key[i], &ps, &pe) == 0) {
                start = ps > start ? ps : start;
                end = pe < end ? pe : end;
            }
            break;
        case WZ_SK_UNIT:
            unit_done = 1;
            if (g->id[i] == 0) {
                set_str(d, "unassigned", "true");
            } else {
                set_id(d, "unit_id", g->id[i]);
                if (s->rollup)
                    set_str(d, "include_descendants", "true");
            }
            break;
        case WZ_SK_ACCOUNT:
            account_done = 1;
            if (g->id[i] == 0)
                set_str(d, "account_id", "none");
            else
                set_id(d, "account_id", g->id[i]);
            break;
        case WZ_SK_CATEGORY:
            category_done = 1;
            if (g->id[i] == 0)
                set_str(d, "category_id", "none");
            else
                set_id(d, "category_id", g->id[i]);
            break;
        case WZ_SK_CHANNEL:
            channel_done = 1;
            set_str(d, "channel", g->key[i]);
            break;
        case WZ_SK_TYPE:
            type_done = 1;
            set_str(d, "type", g->key[i]);
            break;
        default:
            break;
        }
    }
    char t[WZ_RFC3339_MAX];
    wz_time_format(wz_stats_day_start(start), t);
    set_str(d, "received_from", t);
    wz_time_format(wz_stats_day_start(end), t);
    set_str(d, "received_to", t);
    if (!unit_done && p->unit_id > 0) {
        set_id(d, "unit_id", p->unit_id);
        if (p->include_descendants)
            set_str(d, "include_descendants", "true");
    }
    if (!account_done && p->account_id > 0)
        set_id(d, "account_id", p->account_id);
    if (!category_done && p->category_id > 0)
        set_id(d, "category_id", p->category_id);
    if (!channel_done && p->channel[0])
        set_str(d, "channel", p->channel);
    if (!type_done && p->type[0])
        set_str(d, "type", p->type);
    set_str(d, "merged", "false"); /* merged duplicates are counted nowhere */
    return d;
}

static json_t *row_json(const asm_t *s, const group_t *g)
{
    const wz_stats_params_t *p = s->p;
    json_t *o = json_object();
    for (int i = 0; i < p->nkeys; i++) {
        switch (p->keys[i]) {
        case WZ_SK_UNIT: {
            const unit_t *u = unit_find(s->units, g->id[i]);
            json_object_set_new(o, "unit_id", wz_json_id(g->id[i]));
            json_object_set_new(o, "unit_name",
                                g->id[i] == 0 ? json_string(UNASSIGNED_NAME)
                                : u != NULL   ? json_string(u->name)
                                              : json_null());
            break;
        }
        case WZ_SK_ACCOUNT:
            json_object_set_new(o, "account_id", wz_json_id(g->id[i]));
            json_object_set_new(o, "account_name",
                                g->id[i] == 0 || g->label[i] == NULL ? json_null() : json_string(g->label[i]));
            break;
        case WZ_SK_CATEGORY:
            json_object_set_new(o, "category_id", wz_json_id(g->id[i]));
            json_object_set_new(o, "category_name",
                                g->id[i] == 0 || g->label[i] == NULL ? json_null() : json_string(g->label[i]));
            break;
        case WZ_SK_CHANNEL:
            set_str(o, "channel", g->key[i]);
            break;
        case WZ_SK_TYPE:
            set_str(o, "type", g->key[i]);
            break;
        default:
            set_str(o, "period", g->key[i]);
            break;
        }
    }
    wz_stats_figures_json(&g->acc, o);
    json_object_set_new(o, "drilldown", drilldown(s, g));
    return o;
}

static json_t *ranking_json(asm_t *s)
{
    const wz_stats_metric_t *m = &wz_stats_metrics[s->p->metric];
    double *values = xcalloc(s->n, sizeof(double));
    size_t *order = xcalloc(s->n, sizeof(size_t));
    int *ranks = xcalloc(s->n, sizeof(int));
    for (size_t i = 0; i < s->n; i++)
        values[i] = metric_value(&s->g[i].acc, m->name);
    wz_stats_rank(values, s->n, m->higher_is_better, order, ranks);
    json_t *items = json_array();
    for (size_t k = 0; k < s->n; k++) {
        size_t i = order[k];
        json_t *o = row_json(s, &s->g[i]);
        const unit_t *u = unit_find(s->units, s->g[i].id[0]);
        json_object_set_new(o, "level", json_integer(u ? u->depth : 0));
        json_object_set_new(o, "rank", ranks[i] > 0 ? json_integer(ranks[i]) : json_null());
        int is_count = 0;
        for (int c = 0; c < WZ_STATS_NCOUNTS; c++)
            is_count |= strcmp(m->name, wz_stats_count_names[c]) == 0;
        json_object_set_new(o, "value",
                            isnan(values[i]) ? json_null()
                            : is_count       ? json_integer((json_int_t)values[i])
                                             : json_real(values[i]));
        json_array_append_new(items, o);
    }
    free(values);
    free(order);
    free(ranks);
    return json_pack("{s:s, s:s, s:o, s:o}", "metric", m->name, "better", m->higher_is_better ? "higher" : "lower",
                     "level", s->p->level > 0 ? json_integer(s->p->level) : json_null(), "items", items);
}

wz_stats_asm_t *wz_stats_asm_new(const wz_stats_params_t *p, const wz_identity_t *who, const wz_stats_units_t *units)
{
    asm_t *s = xcalloc(1, sizeof(*s));
    *s = (asm_t){.p = p, .who = who, .units = units, .unit_pos = -1};
    for (int i = 0; i < p->nkeys; i++)
        if (p->keys[i] == WZ_SK_UNIT)
            s->unit_pos = i;
    s->rollup = s->unit_pos >= 0 && p->include_descendants;
    if (p->unit_id > 0)
        s->unit_path = wz_stats_units_path(units, who, p->unit_id);
    if (p->ranking && units != NULL) { /* every unit in scope (at the level) has a place */
        for (size_t i = 0; i < units->n; i++) {
            const unit_t *u = &units->u[i];
            if (!wz_scope_covers(who, u->path) || (p->level > 0 && u->depth != p->level) ||
                (s->unit_path != NULL && strncmp(u->path, s->unit_path, strlen(s->unit_path)) != 0))
                continue;
            char key[2][KEY_MAX] = {"", ""};
            const int64_t id[2] = {u->id, 0};
            const char *const label[2] = {NULL, NULL};
            group_get(s, key, id, label, 0);
        }
    }
    return s;
}

void wz_stats_asm_add(wz_stats_asm_t *s, const wz_db_result_t *res, wz_stats_rows_t kind)
{
    for (size_t r = 0; res != NULL && r < res->nrows; r++)
        add_row(s, res, r, kind);
}

json_t *wz_stats_asm_finish(wz_stats_asm_t *s)
{
    const wz_stats_params_t *p = s->p;
    json_t *doc;
    if (p->ranking) {
        doc = ranking_json(s);
    } else {
        if (s->n > 1)
            qsort_r(s->g, s->n, sizeof(group_t), cmp_groups, (void *)p);
        json_t *rows = json_array();
        for (size_t i = 0; i < s->n; i++)
            json_array_append_new(rows, row_json(s, &s->g[i]));
        json_t *totals = json_object();
        wz_stats_figures_json(&s->totals, totals);
        json_object_set_new(totals, "drilldown", drilldown(s, NULL));
        doc = json_pack("{s:o, s:o}", "rows", rows, "totals", totals);
    }
    char from[WZ_STATS_DATE_MAX], to[WZ_STATS_DATE_MAX];
    wz_stats_date_format(p->from, from);
    wz_stats_date_format(p->to, to);
    json_object_set_new(doc, "from", json_string(from));
    json_object_set_new(doc, "to", json_string(to));
    for (size_t i = 0; i < s->n; i++) {
        acc_free(&s->g[i].acc);
        free(s->g[i].label[0]);
        free(s->g[i].label[1]);
    }
    free(s->g);
    acc_free(&s->totals);
    free(s->slot);
    free(s);
    return doc;
}

json_t *wz_stats_assemble(const wz_stats_params_t *p, const wz_identity_t *who, const wz_stats_units_t *units,
                          const wz_db_result_t *rollup, const wz_db_result_t *hist)
{
    asm_t *s = wz_stats_asm_new(p, who, units);
    wz_stats_asm_add(s, rollup, WZ_STATS_ROWS_COUNTS);
    wz_stats_asm_add(s, hist, WZ_STATS_ROWS_HIST);
    return wz_stats_asm_finish(s);
}

/* ---- the accounts' inspection verdict ---- */

void wz_stats_health_apply(json_t *items, const wz_db_result_t *rollup)
{
    size_t i;
    json_t *o;
    json_array_foreach(items, i, o)
    {
        const char *ids = json_string_value(json_object_get(o, "account_id"));
        long long id = ids ? strtoll(ids, NULL, 10) : 0;
        int64_t received = 0, replied = 0, on_time = 0;
        for (size_t r = 0; rollup != NULL && r < rollup->nrows; r++) {
            if (wz_db_cell_int(rollup, r, 0) == id) {
                received = wz_db_cell_int(rollup, r, 1);
                replied = wz_db_cell_int(rollup, r, 2);
                on_time = wz_db_cell_int(rollup, r, 3);
                break;
            }
        }
        json_object_set_new(o, "received", json_integer(received));
        json_object_set_new(o, "replied", json_integer(replied));
        json_object_set_new(o, "replied_on_time", json_integer(on_time));
        json_object_set_new(o, "reply_rate", wz_stats_rate(replied, received));
        json_object_set_new(o, "on_time_reply_rate", wz_stats_rate(on_time, received));
        json_t *reasons = json_array();
        const char *status = json_string_value(json_object_get(o, "status"));
        int active = status != NULL && strcmp(status, "active") == 0;
        if (active) {
            if (json_is_true(json_object_get(o, "silent")))
                json_array_append_new(reasons, json_string("silent"));
            if (json_integer_value(json_object_get(o, "overdue_tickets")) > 0)
                json_array_append_new(reasons, json_string("overdue_messages"));
            /* integers, so the floor is exact: replied / received < num / den */
            if (received > 0 && replied * WZ_HEALTH_REPLY_FLOOR_DEN < received * WZ_HEALTH_REPLY_FLOOR_NUM)
                json_array_append_new(reasons, json_string("low_reply_rate"));
        }
        json_object_set_new(o, "verdict", json_string(!active ? "exempt" : json_array_size(reasons) ? "fail" : "pass"));
        json_object_set_new(o, "reasons", reasons);
    }
}
