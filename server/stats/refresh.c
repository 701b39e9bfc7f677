#include "stats/refresh.h"
#include "common/log.h"
#include "db/txn.h"
#include "stats/buckets.h"
#include "stats/facts.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_MAX 500
#define MOVES_MAX 64    /* dispatches, transfers and returns read per ticket */
#define STMT_PARAMS 33 /* a dimension's month row: 8 keys, 16 counts, 2 sums, 7 for the packed histogram */
/* per fact, old and new: rollup + histogram at the full and the (day, unit) grain, the month
 * row, a month row per dimension */
#define STMTS_PER_FACT (5 + WZ_STATS_DIM__END - 1)
#define STMTS_MAX (WZ_STATS_FACTS_MAX * 2 * STMTS_PER_FACT + WZ_STATS_FACTS_MAX + 4)

/* one write of a ticket's turn; text parameters point into its own buffers */
typedef struct {
    const char *sql;
    wz_db_value_t p[STMT_PARAMS];
    size_t n;
    char day[11], month[11], channel[16], type[16];
} stmt_t;

struct wz_stats_refresh {
    uv_loop_t *loop;
    wz_db_pool_t *pool;
    wz_stats_refresh_options_t opts;
    wz_stats_counters_t own;
    uv_timer_t timer;
    int running, stopping, closed;
    const wz_calendar_t *cal; /* held for a batch: every attempt sees one calendar */

    int64_t ids[BATCH_MAX];
    size_t nids, cur;
    wz_stats_ticket_t t;
    int found;
    wz_stats_move_t moves[MOVES_MAX];
    size_t nmoves;
    wz_stats_fact_t old[WZ_STATS_FACTS_MAX];
    size_t nold;
    stmt_t stmts[STMTS_MAX];
    size_t nstmts, next;
};

static const char sql_claim[] = "SELECT ticket_id FROM stats_dirty ORDER BY ticket_id LIMIT ? FOR UPDATE SKIP LOCKED";
/* compared at full precision here, so on-time means what the database's times say */
static const char sql_ticket[] =
    "SELECT CAST(FLOOR(UNIX_TIMESTAMP(t.received_at)) AS SIGNED), CAST(COALESCE(t.unit_id, 0) AS SIGNED), "
    "CAST(COALESCE(t.account_id, 0) AS SIGNED), CAST(COALESCE(t.category_id, 0) AS SIGNED), t.channel, t.type, "
    "CAST(COALESCE(FLOOR(UNIX_TIMESTAMP(t.replied_at)), 0) AS SIGNED), t.dispatched_at IS NOT NULL, "
    "t.signed_at IS NOT NULL, COALESCE(t.signed_at <= t.sign_due_at, 0), COALESCE(t.replied_at <= t.reply_due_at, 0), "
    "t.extended, t.supervised, t.reopened_count, t.merged_into IS NOT NULL, "
    "EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.action = 'sla_breach'), "
    "COALESCE((SELECT r.satisfaction FROM ratings r WHERE r.ticket_id = t.id ORDER BY r.round DESC LIMIT 1), ''), "
    "CAST(COALESCE((SELECT a.unit_id FROM accounts a WHERE a.id = t.account_id), 0) AS SIGNED) "
    "FROM tickets t WHERE t.id = ?";
static const char sql_moves[] =
    "SELECT action, CAST(COALESCE(unit_id, 0) AS SIGNED) FROM ticket_events "
    "WHERE ticket_id = ? AND action IN ('dispatch', 'transfer', 'return') ORDER BY id LIMIT ?";
static char sql_old[1024], sql_rollup[2048], sql_rollup_unit[2048], sql_rollup_month[3072], sql_rollup_dim[3072],
    sql_fact[1024];
static const char sql_hist[] =
    "INSERT INTO stats_reply_hist (day, unit_id, account_id, channel, type, category_id, bucket, n) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE n = n + VALUES(n)";
static const char sql_hist_unit[] =
    "INSERT INTO stats_reply_hist_unit (day, unit_id, scope_unit_id, bucket, n) VALUES (?, ?, ?, ?, ?) "
    "ON DUPLICATE KEY UPDATE n = n + VALUES(n)";
static const char sql_drop_facts[] = "DELETE FROM stats_facts WHERE ticket_id = ?";
static const char sql_clean[] = "DELETE FROM stats_dirty WHERE ticket_id = ?";

static pthread_once_t sql_once = PTHREAD_ONCE_INIT;

/* the statements that name every count, built once from the one list of names */
static void build_sql(void)
{
    char cols[512] = "", marks[128] = "", adds[1024] = "";
    size_t oc = 0, om = 0, oa = 0;
    for (int c = 0; c < WZ_SC__COUNT; c++) {
        const char *n = wz_stats_count_name((wz_stats_count_t)c);
        oc += (size_t)snprintf(cols + oc, sizeof(cols) - oc, ", %s", n);
        om += (size_t)snprintf(marks + om, sizeof(marks) - om, ", ?");
        oa += (size_t)snprintf(adds + oa, sizeof(adds) - oa, "%s%s = %s + VALUES(%s)", c ? ", " : "", n, n, n);
    }
    snprintf(sql_old, sizeof(sql_old),
             "SELECT CAST(unit_id AS SIGNED), DATEDIFF(day, '1970-01-01'), CAST(account_id AS SIGNED), channel, type, "
             "CAST(category_id AS SIGNED)%s, COALESCE(reply_minutes, -1), CAST(scope_unit_id AS SIGNED) "
             "FROM stats_facts WHERE ticket_id = ?",
             cols);
    snprintf(sql_rollup, sizeof(sql_rollup),
             "INSERT INTO stats_rollup (day, unit_id, account_id, channel, type, category_id%s, reply_count, "
             "reply_minutes) VALUES (?, ?, ?, ?, ?, ?%s, ?, ?) ON DUPLICATE KEY UPDATE %s, "
             "reply_count = reply_count + VALUES(reply_count), reply_minutes = reply_minutes + VALUES(reply_minutes)",
             cols, marks, adds);
    snprintf(sql_rollup_unit, sizeof(sql_rollup_unit),
             "INSERT INTO stats_rollup_unit (day, unit_id, scope_unit_id%s, reply_count, reply_minutes) "
             "VALUES (?, ?, ?%s, ?, ?) ON DUPLICATE KEY UPDATE %s, reply_count = reply_count + VALUES(reply_count), "
             "reply_minutes = reply_minutes + VALUES(reply_minutes)",
             cols, marks, adds);
    /* a month row's histogram is packed (stats/buckets.h): a new row starts from zeros with the
     * one bucket set; an existing row has its bucket's four bytes read, moved by the difference
     * and written back, in the statement (parameters: bucket, bucket, difference; bucket,
     * bucket, bucket, difference; a bucket of -1 leaves the histogram alone) */
    char packed_new[256], packed_move[512];
    snprintf(packed_new, sizeof(packed_new),
             "IF(? < 0, REPEAT(X'00', %d), INSERT(REPEAT(X'00', %d), ? * 4 + 1, 4, UNHEX(LPAD(HEX(?), 8, '0'))))",
             WZ_STATS_HIST_BYTES, WZ_STATS_HIST_BYTES);
    snprintf(packed_move, sizeof(packed_move), "%s",
             "hist = IF(? < 0, hist, INSERT(hist, ? * 4 + 1, 4, "
             "UNHEX(LPAD(HEX(CAST(CONV(HEX(SUBSTRING(hist, ? * 4 + 1, 4)), 16, 10) AS SIGNED) + ?), 8, '0'))))");
    snprintf(sql_rollup_month, sizeof(sql_rollup_month),
             "INSERT INTO stats_rollup_unit_month (day, unit_id, scope_unit_id%s, reply_count, reply_minutes, hist) "
             "VALUES (?, ?, ?%s, ?, ?, %s) ON DUPLICATE KEY UPDATE %s, reply_count = reply_count + VALUES(reply_count), "
             "reply_minutes = reply_minutes + VALUES(reply_minutes), %s",
             cols, marks, packed_new, adds, packed_move);
    snprintf(sql_rollup_dim, sizeof(sql_rollup_dim),
             "INSERT INTO stats_rollup_dim_month (day, unit_id, scope_unit_id, dim, account_id, channel, type, "
             "category_id%s, reply_count, reply_minutes, hist) VALUES (?, ?, ?, ?, ?, ?, ?, ?%s, ?, ?, %s) "
             "ON DUPLICATE KEY UPDATE %s, reply_count = reply_count + VALUES(reply_count), "
             "reply_minutes = reply_minutes + VALUES(reply_minutes), %s",
             cols, marks, packed_new, adds, packed_move);
    snprintf(sql_fact, sizeof(sql_fact),
             "INSERT INTO stats_facts (ticket_id, unit_id, scope_unit_id, day, account_id, channel, type, category_id%s, "
             "reply_minutes) VALUES (?, ?, ?, ?, ?, ?, ?, ?%s, ?)",
             cols, marks);
}

static stmt_t *add_stmt(wz_stats_refresh_t *r, const char *sql, const wz_stats_fact_t *f)
{
    stmt_t *s = &r->stmts[r->nstmts++];
    memset(s, 0, sizeof(*s));
    s->sql = sql;
    if (f != NULL) {
        wz_cal_format_date(f->day, s->day);
        memcpy(s->month, s->day, sizeof(s->month));
        s->month[8] = '0'; /* YYYY-MM-01 */
        s->month[9] = '1';
        snprintf(s->channel, sizeof(s->channel), "%s", f->channel);
        snprintf(s->type, sizeof(s->type), "%s", f->type);
    }
    return s;
}

static void keys(stmt_t *s, const wz_stats_fact_t *f)
{
    s->p[s->n++] = WZ_DB_TEXT(s->day);
    s->p[s->n++] = WZ_DB_INT(f->unit_id);
    s->p[s->n++] = WZ_DB_INT(f->account_id);
    s->p[s->n++] = WZ_DB_TEXT(s->channel);
    s->p[s->n++] = WZ_DB_TEXT(s->type);
    s->p[s->n++] = WZ_DB_INT(f->category_id);
}

/* the counts and first-reply sums of a fact, times sign */
static void figures(stmt_t *s, const wz_stats_fact_t *f, int sign)
{
    int replied = f->reply_minutes >= 0;
    for (int c = 0; c < WZ_SC__COUNT; c++)
        s->p[s->n++] = WZ_DB_INT(sign * f->counts[c]);
    s->p[s->n++] = WZ_DB_INT(sign * replied);
    s->p[s->n++] = WZ_DB_INT(replied ? sign * f->reply_minutes : 0);
}

static void unit_keys(stmt_t *s, const char *day, const wz_stats_fact_t *f)
{
    s->p[s->n++] = WZ_DB_TEXT(day);
    s->p[s->n++] = WZ_DB_INT(f->unit_id);
    s->p[s->n++] = WZ_DB_INT(f->scope_unit_id);
}

/* the packed histogram's parameters (build_sql's packed_new, packed_move) */
static void packed_hist(stmt_t *s, int bucket, int sign)
{
    s->p[s->n++] = WZ_DB_INT(bucket);
    s->p[s->n++] = WZ_DB_INT(bucket);
    s->p[s->n++] = WZ_DB_INT(sign);
    s->p[s->n++] = WZ_DB_INT(bucket);
    s->p[s->n++] = WZ_DB_INT(bucket);
    s->p[s->n++] = WZ_DB_INT(bucket);
    s->p[s->n++] = WZ_DB_INT(sign);
}

/* a fact added to (sign 1) or taken from (-1) every grain: the full keys and (day, unit) with
 * their histogram rows, the (month, unit) row and a row per dimension with packed histograms */
static void apply(wz_stats_refresh_t *r, const wz_stats_fact_t *f, int sign)
{
    int replied = f->reply_minutes >= 0;
    int bucket = replied ? wz_stats_bucket(f->reply_minutes) : -1;
    stmt_t *s = add_stmt(r, sql_rollup, f);
    keys(s, f);
    figures(s, f, sign);
    s = add_stmt(r, sql_rollup_unit, f);
    unit_keys(s, s->day, f);
    figures(s, f, sign);
    s = add_stmt(r, sql_rollup_month, f);
    unit_keys(s, s->month, f);
    figures(s, f, sign);
    packed_hist(s, bucket, sign);
    for (int d = WZ_STATS_DIM_ACCOUNT; d < WZ_STATS_DIM__END; d++) {
        int account = d == WZ_STATS_DIM_ACCOUNT || d == WZ_STATS_DIM_ACCOUNT_TYPE;
        int type = d == WZ_STATS_DIM_TYPE || d == WZ_STATS_DIM_ACCOUNT_TYPE;
        s = add_stmt(r, sql_rollup_dim, f);
        unit_keys(s, s->month, f);
        s->p[s->n++] = WZ_DB_INT(d);
        s->p[s->n++] = WZ_DB_INT(account ? f->account_id : 0);
        s->p[s->n++] = WZ_DB_TEXT(d == WZ_STATS_DIM_CHANNEL ? s->channel : "");
        s->p[s->n++] = WZ_DB_TEXT(type ? s->type : "");
        s->p[s->n++] = WZ_DB_INT(d == WZ_STATS_DIM_CATEGORY ? f->category_id : 0);
        figures(s, f, sign);
        packed_hist(s, bucket, sign);
    }
    if (!replied)
        return;
    s = add_stmt(r, sql_hist, f);
    keys(s, f);
    s->p[s->n++] = WZ_DB_INT(bucket);
    s->p[s->n++] = WZ_DB_INT(sign);
    s = add_stmt(r, sql_hist_unit, f);
    unit_keys(s, s->day, f);
    s->p[s->n++] = WZ_DB_INT(bucket);
    s->p[s->n++] = WZ_DB_INT(sign);
}

static int same_facts(const wz_stats_fact_t *a, size_t na, const wz_stats_fact_t *b, size_t nb)
{
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++) {
        int found = 0;
        for (size_t k = 0; k < nb && !found; k++)
            found = wz_stats_fact_equal(&a[i], &b[k]);
        if (!found)
            return 0;
    }
    return 1;
}

/* the writes of one ticket: old out, new in, facts replaced, the mark deleted */
static void plan_ticket(wz_stats_refresh_t *r)
{
    wz_stats_fact_t now[WZ_STATS_FACTS_MAX];
    size_t n = r->found ? wz_stats_facts(&r->t, r->moves, r->nmoves, r->cal, now, WZ_STATS_FACTS_MAX) : 0;
    int64_t id = r->ids[r->cur];
    r->nstmts = r->next = 0;
    if (!same_facts(r->old, r->nold, now, n)) {
        for (size_t i = 0; i < r->nold; i++)
            apply(r, &r->old[i], -1);
        for (size_t i = 0; i < n; i++)
            apply(r, &now[i], 1);
        stmt_t *s = add_stmt(r, sql_drop_facts, NULL);
        s->p[s->n++] = WZ_DB_INT(id);
        for (size_t i = 0; i < n; i++) {
            s = add_stmt(r, sql_fact, &now[i]);
            s->p[s->n++] = WZ_DB_INT(id);
            s->p[s->n++] = WZ_DB_INT(now[i].unit_id);
            s->p[s->n++] = WZ_DB_INT(now[i].scope_unit_id);
            s->p[s->n++] = WZ_DB_TEXT(s->day);
            s->p[s->n++] = WZ_DB_INT(now[i].account_id);
            s->p[s->n++] = WZ_DB_TEXT(s->channel);
            s->p[s->n++] = WZ_DB_TEXT(s->type);
            s->p[s->n++] = WZ_DB_INT(now[i].category_id);
            for (int c = 0; c < WZ_SC__COUNT; c++)
                s->p[s->n++] = WZ_DB_INT(now[i].counts[c]);
            s->p[s->n++] = now[i].reply_minutes >= 0 ? WZ_DB_INT(now[i].reply_minutes) : WZ_DB_NULL();
        }
    }
    stmt_t *s = add_stmt(r, sql_clean, NULL);
    s->p[s->n++] = WZ_DB_INT(id);
}

static void next_ticket(wz_db_txn_t *txn);

static void step_write(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    wz_stats_refresh_t *r = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    if (r->next == r->nstmts) {
        r->cur++;
        next_ticket(txn);
        return;
    }
    stmt_t *s = &r->stmts[r->next++];
    wz_db_txn_exec(txn, s->sql, s->p, s->n, step_write);
}

static void copy_text(const wz_db_result_t *res, size_t row, size_t col, char *out, size_t outlen)
{
    size_t n;
    const char *s = wz_db_cell_text(res, row, col, &n);
    snprintf(out, outlen, "%.*s", (int)n, s);
}

static void on_old(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_stats_refresh_t *r = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    r->nold = 0;
    for (size_t row = 0; row < res->nrows && r->nold < WZ_STATS_FACTS_MAX; row++) {
        wz_stats_fact_t *f = &r->old[r->nold++];
        memset(f, 0, sizeof(*f));
        f->unit_id = wz_db_cell_int(res, row, 0);
        f->day = (int32_t)wz_db_cell_int(res, row, 1);
        f->account_id = wz_db_cell_int(res, row, 2);
        copy_text(res, row, 3, f->channel, sizeof(f->channel));
        copy_text(res, row, 4, f->type, sizeof(f->type));
        f->category_id = wz_db_cell_int(res, row, 5);
        for (int c = 0; c < WZ_SC__COUNT; c++)
            f->counts[c] = (int)wz_db_cell_int(res, row, 6 + (size_t)c);
        f->reply_minutes = wz_db_cell_int(res, row, 6 + WZ_SC__COUNT);
        f->scope_unit_id = wz_db_cell_int(res, row, 7 + WZ_SC__COUNT);
    }
    plan_ticket(r);
    step_write(txn, NULL, NULL);
}

static void on_moves(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_stats_refresh_t *r = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    r->nmoves = 0;
    for (size_t row = 0; row < res->nrows && r->nmoves < MOVES_MAX; row++) {
        wz_stats_move_t *m = &r->moves[r->nmoves++];
        copy_text(res, row, 0, m->action, sizeof(m->action));
        m->unit_id = wz_db_cell_int(res, row, 1);
    }
    wz_db_value_t p = WZ_DB_INT(r->ids[r->cur]);
    wz_db_txn_exec(txn, sql_old, &p, 1, on_old);
}

static void on_ticket(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_stats_refresh_t *r = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    wz_stats_ticket_t *t = &r->t;
    memset(t, 0, sizeof(*t));
    r->found = res->nrows == 1;
    if (r->found) {
        t->id = r->ids[r->cur];
        t->received_at = wz_db_cell_int(res, 0, 0);
        t->unit_id = wz_db_cell_int(res, 0, 1);
        t->account_id = wz_db_cell_int(res, 0, 2);
        t->category_id = wz_db_cell_int(res, 0, 3);
        copy_text(res, 0, 4, t->channel, sizeof(t->channel));
        copy_text(res, 0, 5, t->type, sizeof(t->type));
        t->replied_at = wz_db_cell_int(res, 0, 6);
        t->dispatched = (int)wz_db_cell_int(res, 0, 7);
        t->signed_ = (int)wz_db_cell_int(res, 0, 8);
        t->signed_on_time = (int)wz_db_cell_int(res, 0, 9);
        t->replied_on_time = (int)wz_db_cell_int(res, 0, 10);
        t->extended = (int)wz_db_cell_int(res, 0, 11);
        t->supervised = (int)wz_db_cell_int(res, 0, 12);
        t->reopened_count = (int)wz_db_cell_int(res, 0, 13);
        t->merged = (int)wz_db_cell_int(res, 0, 14);
        t->breached = (int)wz_db_cell_int(res, 0, 15);
        copy_text(res, 0, 16, t->satisfaction, sizeof(t->satisfaction));
        t->account_unit_id = wz_db_cell_int(res, 0, 17);
    }
    wz_db_value_t p[] = {WZ_DB_INT(r->ids[r->cur]), WZ_DB_INT(MOVES_MAX)};
    wz_db_txn_exec(txn, sql_moves, p, 2, on_moves);
}

static void next_ticket(wz_db_txn_t *txn)
{
    wz_stats_refresh_t *r = wz_db_txn_data(txn);
    if (r->cur == r->nids) {
        wz_db_txn_commit(txn);
        return;
    }
    wz_db_value_t p = WZ_DB_INT(r->ids[r->cur]);
    wz_db_txn_exec(txn, sql_ticket, &p, 1, on_ticket);
}

static void on_claimed(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    wz_stats_refresh_t *r = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    r->nids = 0;
    for (size_t row = 0; row < res->nrows && r->nids < BATCH_MAX; row++)
        r->ids[r->nids++] = wz_db_cell_int(res, row, 0);
    r->cur = 0;
    next_ticket(txn);
}

static void step_first(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    wz_stats_refresh_t *r = wz_db_txn_data(txn);
    r->nids = r->cur = 0; /* a retried attempt starts from nothing */
    wz_db_value_t limit = WZ_DB_INT(r->opts.batch);
    wz_db_txn_exec(txn, sql_claim, &limit, 1, on_claimed);
}

static void schedule(wz_stats_refresh_t *r, uint64_t ms);

static void maybe_free(wz_stats_refresh_t *r)
{
    if (r->stopping && r->closed && !r->running)
        free(r);
}

static void on_batch(void *data, const wz_db_error_t *err)
{
    wz_stats_refresh_t *r = data;
    wz_calendar_release(r->cal);
    r->cal = NULL;
    r->running = 0;
    if (err == NULL) {
        atomic_fetch_add_explicit(&r->opts.counters->tickets, r->nids, memory_order_relaxed);
        if (r->nids > 0)
            wz_debug("stats: refreshed %zu tickets", r->nids);
    } else if (err->code != WZ_DB_ECLOSED) {
        atomic_fetch_add_explicit(&r->opts.counters->batches_failed, 1, memory_order_relaxed);
        wz_warn("stats: refresh batch failed: %s", err->message);
    }
    if (r->stopping) {
        maybe_free(r);
        return;
    }
    /* a full batch: more are marked, go again at once */
    schedule(r, err == NULL && r->nids == r->opts.batch ? 0 : r->opts.refresh_ms);
}

static void on_tick(uv_timer_t *timer)
{
    wz_stats_refresh_t *r = timer->data;
    if (r->running || r->stopping)
        return;
    r->running = 1;
    r->cal = wz_calendar_acquire(r->opts.calendar);
    if (wz_db_txn_begin_read_committed(r->pool, step_first, on_batch, r) != WZ_DB_OK) {
        wz_calendar_release(r->cal);
        r->cal = NULL;
        r->running = 0;
        schedule(r, r->opts.refresh_ms);
    }
}

static void schedule(wz_stats_refresh_t *r, uint64_t ms)
{
    if (!r->stopping)
        uv_timer_start(&r->timer, on_tick, ms, 0);
}

wz_stats_refresh_t *wz_stats_refresh_start(uv_loop_t *loop, wz_db_pool_t *pool, const wz_stats_refresh_options_t *o)
{
    pthread_once(&sql_once, build_sql);
    wz_stats_refresh_t *r = calloc(1, sizeof(*r));
    if (r == NULL)
        abort();
    r->loop = loop;
    r->pool = pool;
    r->opts = *o;
    if (r->opts.batch == 0 || r->opts.batch > BATCH_MAX)
        r->opts.batch = r->opts.batch == 0 ? 1 : BATCH_MAX;
    if (r->opts.counters == NULL)
        r->opts.counters = &r->own;
    uv_timer_init(loop, &r->timer);
    r->timer.data = r;
    schedule(r, 0);
    return r;
}

static void on_closed(uv_handle_t *h)
{
    wz_stats_refresh_t *r = h->data;
    r->closed = 1;
    maybe_free(r);
}

void wz_stats_refresh_stop(wz_stats_refresh_t *r)
{
    r->stopping = 1;
    uv_timer_stop(&r->timer);
    uv_close((uv_handle_t *)&r->timer, on_closed);
}
