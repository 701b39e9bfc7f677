#include "tickets/intake.h"
#include "common/log.h"
#include "common/seal.h"
#include "sla/deadlines.h"
#include "tickets/privacy.h"
#include "tickets/routing.h"
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TITLE_AUTO_CHARS 30 /* a missing title is the content's start */

#define MAX_RULES 2000 /* routing rules read per intake */
/* Ticket numbers are taken from the day's counter in blocks, each block in a short transaction
 * of its own, so no intake holds the counter's row lock (every intake of every server would
 * otherwise queue on that one row until its commit: measured at ~125 intakes/s on a durable
 * MariaDB, one fsync'd transaction at a time). Numbers stay unique and rise on each event
 * loop; across loops and servers they interleave, and a stop leaves the rest of a block unused
 * (gaps). */
#define NUMBER_BLOCK 20
#define BLOCK_RETRIES 3 /* a block fetch that collided or was refused: run again, after a pause */
#define MAX_CATEGORY_DEPTH 16
#define PHONE_MAX 64

typedef struct job_s {
    /* the request, copied */
    char *type, *priority, *channel, *title, *content, *citizen_name, *contact_phone, *region, *external_id, *idem_key,
        *location;
    int64_t account_id, unit_id, category_id, citizen_id;
    int publish, validate;
    int64_t attachments[WZ_INTAKE_MAX_ATTACHMENTS];
    size_t nattachments;
    const wz_calendar_t *cal;
    uint8_t key[WZ_SEAL_KEY_BYTES];
    int64_t now;
    wz_intake_cb cb;
    void *data;
    wz_db_pool_t *pool;
    int race_retries, write_retries, block_retries;
    uv_timer_t *pause; /* before a retried write (closed asynchronously) */

    /* what the read learns and the write stores; reset at every read */
    wz_sla_policy_t policy;
    wz_intake_result_t result;
    wz_sla_intake_t in;
    wz_sla_dispatch_t disp;
    long long seq; /* the day's sequence number this ticket takes (from the loop's block) */
    char day[11];
    struct job_s *next_waiting; /* in the loop's queue for a number while a block is fetched */
} job_t;

/* the current block of this event loop's thread (each loop runs on its own thread). One fetch
 * at a time: intakes that find the block used up while one is on its way wait for it, instead
 * of each fetching (and committing) a block of its own and throwing the others' away. */
static _Thread_local struct {
    char day[11];
    long long next, end; /* next <= end: numbers left */
    int fetching;
    job_t *waiting, **waiting_tail;
} block;

static char *dup_opt(const char *s)
{
    if (s == NULL)
        return NULL;
    char *d = strdup(s);
    if (d == NULL)
        abort();
    return d;
}

static void on_pause_closed(uv_handle_t *h)
{
    free(h);
}

static void job_free(job_t *j)
{
    char *strings[] = {j->type,          j->priority, j->channel,     j->title,    j->content, j->citizen_name,
                       j->contact_phone, j->region,   j->external_id, j->idem_key, j->location};
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
        free(strings[i]);
    sodium_memzero(j->key, sizeof(j->key));
    if (j->pause != NULL)
        uv_close((uv_handle_t *)j->pause, on_pause_closed);
    free(j);
}

static wz_db_value_t text_or_null(const char *s)
{
    return s != NULL ? WZ_DB_TEXT(s) : WZ_DB_NULL();
}

static wz_db_value_t time_or_null(int64_t t)
{
    return t > 0 ? WZ_DB_INT(t) : WZ_DB_NULL();
}

/* The contact as shown: a mobile masked by the privacy rules (138****5678); anything else
 * (a landline, an odd format) keeps only its first 3 and last 2 characters, so no contact is
 * ever displayed whole. */
static void mask_contact(const char *phone, size_t len, char *out, size_t outlen)
{
    if (wz_pii_find(phone, len, NULL, 0) > 0) {
        size_t mlen = 0;
        char *m = wz_pii_mask(phone, len, &mlen);
        snprintf(out, outlen, "%s", m);
        free(m);
        return;
    }
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < outlen; i++)
        out[o++] = (len > 5 && (i < 3 || i >= len - 2)) ? phone[i] : '*';
    out[o] = '\0';
}

/* ---- 1. one read: an earlier ticket of this submission, the SLA policy, what routing needs ----
 *
 * Six small reads in one statement (one round trip): each part has its own columns of one wide
 * row (NULL elsewhere, so no column mixes two parts' types), a part number and two order keys;
 * the rows are sorted here, not by MariaDB (an ORDER BY over a union goes through a temporary
 * table). Read outside any transaction: reference data, and a twin submission racing this one
 * is caught by the unique keys at the write (see on_written). */

enum { SEG_EXISTING, SEG_POLICY, SEG_UNIT, SEG_ACCOUNT, SEG_CATEGORY, SEG_RULES, NSEGS };
#define LEAD 3 /* the part number and its two order keys */
#define STR_(x) #x
#define STR(x) STR_(x)

static const struct {
    const char *cols, *k1, *k2, *from; /* from: NULL for the existing ticket (three variants) */
    size_t ncols;
} segs[NSEGS] = {
    [SEG_EXISTING] = {"id, number, status, CAST(COALESCE(unit_id, 0) AS SIGNED), "
                      "CAST(COALESCE(UNIX_TIMESTAMP(promised_reply_at), 0) AS SIGNED)",
                      "0", "0", NULL, 5},
    [SEG_POLICY] = {"dispatch_minutes, sign_minutes, reply_days, resolve_days, return_window_days, "
                    "extension_max_days, reopen_max, rating_window_days, info_wait_days, "
                    "CAST(warn_ratio * 1000 AS SIGNED)",
                    "0", "0", " FROM sla_policies WHERE type = ? AND priority = ?", 10},
    [SEG_UNIT] = {"accepts_direct", "0", "0", " FROM units WHERE id = ?", 1},
    /* the account named, or (validate, none named) the channel's first active one */
    [SEG_ACCOUNT] = {"CAST(unit_id AS SIGNED), CAST(id AS SIGNED), status = 'active'", "0", "0",
                     " FROM accounts WHERE id = COALESCE(NULLIF(?, 0), (SELECT d.id FROM accounts d"
                     " WHERE d.platform = ? AND d.status = 'active' ORDER BY d.id LIMIT 1))",
                     3},
    /* the category and its ancestors: a rule on a parent category covers its children */
    [SEG_CATEGORY] = {"CAST(id AS SIGNED)", "depth", "0", " FROM up WHERE depth <= " STR(MAX_CATEGORY_DEPTH), 1},
    [SEG_RULES] = {"id, priority, kind, CAST(COALESCE(match_id, 0) AS SIGNED), match_text, "
                   "CAST(COALESCE(unit_id, 0) AS SIGNED)",
                   "priority", "id",
                   " FROM routing_rules WHERE enabled = 1 ORDER BY priority, id LIMIT " STR(MAX_RULES), 6},
};

enum { DEDUP_NONE, DEDUP_EXTERNAL, DEDUP_KEY, NDEDUP };
static const char *const dedup_where[NDEDUP] = {
    " FROM tickets WHERE FALSE",
    " FROM tickets WHERE account_id = ? AND external_id = ?",
    " FROM tickets WHERE citizen_id = ? AND idempotency_key = ?",
};
static char *lookup_sql[NDEDUP];
static size_t seg_offset[NSEGS], lookup_width;
static pthread_once_t lookup_once = PTHREAD_ONCE_INIT;

static void append(char **p, size_t *left, const char *fmt, const char *s)
{
    int n = snprintf(*p, *left, fmt, s);
    if (n < 0 || (size_t)n >= *left)
        abort(); /* the buffer is sized for the whole statement */
    *p += n;
    *left -= (size_t)n;
}

static void build_lookup_sql(void)
{
    size_t width = LEAD;
    for (size_t g = 0; g < NSEGS; g++) {
        seg_offset[g] = width;
        width += segs[g].ncols;
    }
    lookup_width = width;
    for (size_t d = 0; d < NDEDUP; d++) {
        size_t left = 8192;
        char *p = lookup_sql[d] = malloc(left);
        if (p == NULL)
            abort();
        append(&p, &left, "%s",
               "WITH RECURSIVE up (id, parent_id, depth) AS ("
               " SELECT id, parent_id, 1 FROM categories WHERE id = ?"
               " UNION ALL SELECT c.id, c.parent_id, up.depth + 1 FROM categories c JOIN up ON c.id = up.parent_id) ");
        for (size_t g = 0; g < NSEGS; g++) {
            char num[8];
            snprintf(num, sizeof(num), "%zu", g);
            int last = g == NSEGS - 1; /* the rules: ORDER BY and LIMIT, so in parentheses */
            append(&p, &left, "%s", g == 0 ? "" : " UNION ALL ");
            append(&p, &left, last ? "(SELECT %s" : "SELECT %s", num);
            append(&p, &left, ", %s", segs[g].k1);
            append(&p, &left, ", %s", segs[g].k2);
            for (size_t c = LEAD; c < seg_offset[g]; c++)
                append(&p, &left, "%s", ", NULL");
            append(&p, &left, ", %s", segs[g].cols);
            for (size_t c = seg_offset[g] + segs[g].ncols; c < width; c++)
                append(&p, &left, "%s", ", NULL");
            append(&p, &left, "%s", segs[g].from ? segs[g].from : dedup_where[d]);
            if (last)
                append(&p, &left, "%s", ")");
        }
    }
}

typedef struct {
    long long seg, k1, k2;
    size_t row;
} order_t;

static int by_order(const void *a, const void *b)
{
    const order_t *x = a, *y = b;
    if (x->seg != y->seg)
        return x->seg < y->seg ? -1 : 1;
    if (x->k1 != y->k1)
        return x->k1 < y->k1 ? -1 : 1;
    return x->k2 < y->k2 ? -1 : x->k2 > y->k2;
}

/* row r's column c of part g */
static const wz_db_value_t *part_cell(const wz_db_result_t *res, size_t r, size_t g, size_t c)
{
    return wz_db_cell(res, r, seg_offset[g] + c);
}

static long long part_int(const wz_db_result_t *res, size_t r, size_t g, size_t c)
{
    return wz_db_cell_int(res, r, seg_offset[g] + c);
}

static int lookup(job_t *j);
static void write_ticket(job_t *j);

/* the job's one timer (made on first use, closed with the job): cb after the jittered pause
 * before retry number attempt + 1 (db.h) */
static void pause_then(job_t *j, uv_timer_cb cb, int attempt)
{
    if (j->pause == NULL) {
        j->pause = malloc(sizeof(*j->pause));
        if (j->pause == NULL)
            abort();
        uv_timer_init(wz_db_pool_loop(j->pool), j->pause);
        j->pause->data = j;
    }
    uv_timer_start(j->pause, cb, wz_db_retry_pause_ms(attempt), 0);
}

static void finish(job_t *j, const wz_db_error_t *err)
{
    j->cb(j->data, err ? NULL : &j->result, err);
    job_free(j);
}

/* a statement that could not even be started (queue full, database down) */
static void fail_code(job_t *j, int code)
{
    wz_db_error_t e = {.code = code};
    snprintf(e.message, sizeof(e.message), "%s", wz_db_strerror(code));
    finish(j, &e);
}

/* The routing decision from the read's rows (sorted): a unit the citizen named that takes
 * direct submissions, else the first rule that matches, else none (the dispatch queue). */
static void route(job_t *j, const wz_db_result_t *res, const order_t *order)
{
    int direct = 0;
    int64_t account_unit = 0;
    int64_t category_path[MAX_CATEGORY_DEPTH];
    size_t depth = 0, nrules = 0;
    for (size_t i = 0; i < res->nrows; i++) {
        size_t r = order[i].row;
        switch (order[i].seg) {
        case SEG_UNIT:
            direct = part_int(res, r, SEG_UNIT, 0) != 0;
            break;
        case SEG_ACCOUNT:
            account_unit = part_int(res, r, SEG_ACCOUNT, 0);
            break;
        case SEG_CATEGORY:
            if (depth < MAX_CATEGORY_DEPTH)
                category_path[depth++] = part_int(res, r, SEG_CATEGORY, 0);
            break;
        case SEG_RULES:
            nrules++;
            break;
        }
    }
    if (j->unit_id > 0 && direct) {
        j->result.unit_id = j->unit_id;
        return;
    }
    wz_routing_rule_t *rules = calloc(nrules + 1, sizeof(*rules));
    if (rules == NULL)
        abort();
    size_t n = 0;
    for (size_t i = 0; i < res->nrows; i++) {
        if (order[i].seg != SEG_RULES)
            continue;
        size_t r = order[i].row;
        wz_routing_rule_t *rule = &rules[n++];
        rule->id = part_int(res, r, SEG_RULES, 0);
        rule->priority = (int)part_int(res, r, SEG_RULES, 1);
        const wz_db_value_t *kind = part_cell(res, r, SEG_RULES, 2);
        int k = kind->type == WZ_DB_T_TEXT ? wz_rule_kind_parse(kind->u.s.p, kind->u.s.len) : -1;
        rule->kind = k < 0 ? WZ_RULE__COUNT : (wz_rule_kind_t)k;
        rule->match_id = part_int(res, r, SEG_RULES, 3);
        const wz_db_value_t *text = part_cell(res, r, SEG_RULES, 4);
        rule->match_text = text->type == WZ_DB_T_TEXT ? text->u.s.p : NULL; /* valid until we return */
        rule->unit_id = part_int(res, r, SEG_RULES, 5);
        rule->enabled = 1;
    }
    wz_routing_facts_t facts = {j->account_id, account_unit, category_path, depth, j->title, j->content, j->region};
    int64_t unit = 0;
    const wz_routing_rule_t *hit = wz_routing_match(rules, n, &facts, &unit);
    if (hit != NULL) {
        j->result.unit_id = unit;
        j->result.routing_rule = hit->id;
    }
    free(rules);
}

/* validate: what the request names exists (in the order a form shows them); with no account
 * named, the channel's own is taken. 0 with result.invalid_* set when something does not. */
static int valid(job_t *j, const wz_db_result_t *res, const order_t *order)
{
    int unit = 0, category = 0, account = -1; /* account: -1 none read, 0 inactive, 1 active */
    int64_t account_id = 0;
    for (size_t i = 0; i < res->nrows; i++) {
        size_t r = order[i].row;
        if (order[i].seg == SEG_UNIT)
            unit = 1;
        else if (order[i].seg == SEG_CATEGORY)
            category = 1;
        else if (order[i].seg == SEG_ACCOUNT) {
            account_id = part_int(res, r, SEG_ACCOUNT, 1);
            account = part_int(res, r, SEG_ACCOUNT, 2) != 0;
        }
    }
    if (j->unit_id > 0 && !unit)
        j->result.invalid_field = "unit_id", j->result.invalid_message = "there is no such unit";
    else if (j->category_id > 0 && !category)
        j->result.invalid_field = "category_id", j->result.invalid_message = "there is no such category";
    else if (j->account_id > 0 && account != 1)
        j->result.invalid_field = "account_id", j->result.invalid_message = "there is no such active account";
    else if (j->account_id <= 0 && account == 1)
        j->account_id = account_id; /* the channel's own account */
    return j->result.invalid_field == NULL;
}

static void on_lookup(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    job_t *j = data;
    if (err != NULL) {
        finish(j, err);
        return;
    }
    if (res->ncols != lookup_width) {
        wz_db_error_t e = {.code = WZ_DB_EUSAGE};
        snprintf(e.message, sizeof(e.message), "intake read: %zu columns, expected %zu", res->ncols, lookup_width);
        finish(j, &e);
        return;
    }
    order_t *order = malloc((res->nrows + 1) * sizeof(*order));
    if (order == NULL)
        abort();
    for (size_t r = 0; r < res->nrows; r++)
        order[r] = (order_t){wz_db_cell_int(res, r, 0), wz_db_cell_int(res, r, 1), wz_db_cell_int(res, r, 2), r};
    qsort(order, res->nrows, sizeof(*order), by_order);
    memset(&j->result, 0, sizeof(j->result));
    if (res->nrows > 0 && order[0].seg == SEG_EXISTING) { /* a retry: the earlier ticket */
        size_t r = order[0].row, n;
        const char *s;
        j->result.ticket_id = part_int(res, r, SEG_EXISTING, 0);
        s = wz_db_cell_text(res, r, seg_offset[SEG_EXISTING] + 1, &n);
        snprintf(j->result.number, sizeof(j->result.number), "%.*s", (int)n, s);
        s = wz_db_cell_text(res, r, seg_offset[SEG_EXISTING] + 2, &n);
        snprintf(j->result.status, sizeof(j->result.status), "%.*s", (int)n, s);
        j->result.unit_id = part_int(res, r, SEG_EXISTING, 3);
        j->result.promised_reply = part_int(res, r, SEG_EXISTING, 4);
        free(order);
        finish(j, NULL);
        return;
    }
    if (j->validate && !valid(j, res, order)) {
        free(order);
        finish(j, NULL);
        return;
    }
    if (wz_sla_policy_default(j->type, &j->policy) != 0)
        wz_sla_policy_default("consultation", &j->policy);
    for (size_t i = 0; i < res->nrows; i++) {
        if (order[i].seg != SEG_POLICY)
            continue;
        size_t r = order[i].row;
        int *f[] = {&j->policy.dispatch_minutes, &j->policy.sign_minutes,       &j->policy.reply_days,
                    &j->policy.resolve_days,     &j->policy.return_window_days, &j->policy.extension_max_days,
                    &j->policy.reopen_max,       &j->policy.rating_window_days, &j->policy.info_wait_days};
        for (size_t c = 0; c < 9; c++)
            *f[c] = (int)part_int(res, r, SEG_POLICY, c);
        j->policy.warn_ratio = (double)part_int(res, r, SEG_POLICY, 9) / 1000.0;
        break;
    }
    route(j, res, order);
    free(order);
    write_ticket(j);
}

static int lookup(job_t *j)
{
    pthread_once(&lookup_once, build_lookup_sql);
    wz_db_value_t p[8];
    size_t n = 0;
    p[n++] = WZ_DB_INT(j->category_id > 0 ? j->category_id : 0);
    int dedup = DEDUP_NONE;
    if (j->external_id != NULL && j->account_id > 0) {
        dedup = DEDUP_EXTERNAL;
        p[n++] = WZ_DB_INT(j->account_id);
        p[n++] = WZ_DB_TEXT(j->external_id);
    } else if (j->idem_key != NULL && j->citizen_id > 0) {
        dedup = DEDUP_KEY;
        p[n++] = WZ_DB_INT(j->citizen_id);
        p[n++] = WZ_DB_TEXT(j->idem_key);
    }
    p[n++] = WZ_DB_TEXT(j->type);
    p[n++] = WZ_DB_TEXT(j->priority ? j->priority : "normal");
    p[n++] = WZ_DB_INT(j->unit_id > 0 ? j->unit_id : 0);
    p[n++] = WZ_DB_INT(j->account_id > 0 ? j->account_id : 0);
    p[n++] = j->validate && j->channel != NULL ? WZ_DB_TEXT(j->channel) : WZ_DB_NULL();
    return wz_db_run(j->pool, lookup_sql[dedup], p, n, on_lookup, j);
}

/* ---- 2. one write: the ticket with its message, events, timers, acknowledgement, photos ----
 * schema/016_intake_write.sql: one statement, so one transaction, committed before it answers. */

static char *json_text(json_t *doc)
{
    char *s = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (s == NULL)
        abort();
    return s;
}

#define WRITE_RETRIES 3 /* deadlocks, Galera certification failures and refusals: the statement changed nothing */

static void on_pause_over(uv_timer_t *timer)
{
    write_ticket(timer->data);
}

/* after a random pause (db.h), so writers that collided spread out, and a connection that a
 * leaving Galera node refused has been replaced by one to a node that serves */
static void write_later(job_t *j)
{
    pause_then(j, on_pause_over, j->write_retries);
}

static void on_written(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    job_t *j = data;
    if (err != NULL) {
        /* Two deliveries of one message racing: the loser's insert hits a unique key. Reading
         * again finds the winner's ticket. */
        if (err->code == WZ_DB_ESQL && err->mysql_errno == 1062 && j->race_retries++ == 0 && lookup(j) == WZ_DB_OK)
            return;
        if (wz_db_error_is_retryable(err) && j->write_retries++ < WRITE_RETRIES) {
            write_later(j);
            return;
        }
        finish(j, err);
        return;
    }
    j->result.ticket_id = res->nrows == 1 ? wz_db_cell_int(res, 0, 0) : 0;
    j->result.created = 1;
    if (j->result.ticket_id <= 0) {
        wz_db_error_t e = {.code = WZ_DB_EUSAGE};
        snprintf(e.message, sizeof(e.message), "wz_intake_write returned no ticket");
        finish(j, &e);
        return;
    }
    finish(j, NULL);
}

static void write_ticket(job_t *j)
{
    const char *day = j->day;
    snprintf(j->result.number, sizeof(j->result.number), "WZ%.4s%.2s%.2s%06lld", day, day + 5, day + 8, j->seq);
    int dispatched = j->result.unit_id > 0;
    snprintf(j->result.status, sizeof(j->result.status), "%s", dispatched ? "dispatched" : "new");

    wz_sla_on_intake(j->cal, &j->policy, j->now, &j->in);
    memset(&j->disp, 0, sizeof(j->disp));
    if (dispatched)
        wz_sla_on_dispatch(j->cal, &j->policy, j->now, &j->disp);
    j->result.promised_reply = j->in.promised_reply;

    /* the phone is shown masked; the original is sealed for the roles that may see it */
    char masked[PHONE_MAX * 3 + 1] = "";
    uint8_t sealed[PHONE_MAX + WZ_SEAL_OVERHEAD];
    size_t phone_len = j->contact_phone ? strlen(j->contact_phone) : 0;
    if (phone_len > 0 && phone_len <= PHONE_MAX) {
        mask_contact(j->contact_phone, phone_len, masked, sizeof(masked));
        wz_seal(j->key, j->contact_phone, phone_len, sealed);
    } else {
        phone_len = 0;
    }
    char *receive = json_text(json_pack("{s:s, s:I}", "channel", j->channel, "account_id", (json_int_t)j->account_id));
    char *dispatch =
        json_text(j->result.routing_rule > 0 ? json_pack("{s:I}", "routing_rule", (json_int_t)j->result.routing_rule)
                                             : json_pack("{s:b}", "direct", 1));
    char timers[256];
    if (dispatched)
        snprintf(timers, sizeof(timers),
                 "[[\"sign_warn\",%lld],[\"sign_breach\",%lld],[\"reply_warn\",%lld],[\"reply_breach\",%lld]]",
                 (long long)j->disp.sign_warn, (long long)j->disp.sign_due, (long long)j->disp.reply_warn,
                 (long long)j->disp.reply_due);
    else
        snprintf(timers, sizeof(timers), "[[\"dispatch_warn\",%lld],[\"dispatch_breach\",%lld]]",
                 (long long)j->in.dispatch_warn, (long long)j->in.dispatch_due);
    /* 受理回执: the number and the promised reply date, through the channel they used */
    char *ack = json_text(json_pack("{s:s, s:I, s:s, s:I, s:I}", "number", j->result.number, "promised_reply_at",
                                    (json_int_t)j->result.promised_reply, "channel", j->channel, "account_id",
                                    (json_int_t)j->account_id, "citizen_id", (json_int_t)j->citizen_id));
    char attachments[WZ_INTAKE_MAX_ATTACHMENTS * 22 + 3] = "[";
    size_t w = 1;
    for (size_t i = 0; i < j->nattachments; i++)
        w += (size_t)snprintf(attachments + w, sizeof(attachments) - w, "%s%lld", i ? "," : "",
                              (long long)j->attachments[i]);
    snprintf(attachments + w, sizeof(attachments) - w, "]");

    wz_db_value_t p[] = {
        WZ_DB_TEXT(j->result.number),
        WZ_DB_TEXT(j->type),
        j->category_id > 0 ? WZ_DB_INT(j->category_id) : WZ_DB_NULL(),
        WZ_DB_TEXT(j->title),
        WZ_DB_TEXT(j->content),
        WZ_DB_TEXT(j->channel),
        j->account_id > 0 ? WZ_DB_INT(j->account_id) : WZ_DB_NULL(),
        text_or_null(j->external_id),
        j->citizen_id > 0 ? WZ_DB_INT(j->citizen_id) : WZ_DB_NULL(),
        WZ_DB_TEXT(j->citizen_name ? j->citizen_name : ""),
        WZ_DB_TEXT(masked),
        phone_len > 0 ? WZ_DB_BLOB(sealed, phone_len + WZ_SEAL_OVERHEAD) : WZ_DB_NULL(),
        WZ_DB_TEXT(j->result.status),
        dispatched ? WZ_DB_INT(j->result.unit_id) : WZ_DB_NULL(),
        WZ_DB_TEXT(j->priority ? j->priority : "normal"),
        WZ_DB_TEXT(j->region ? j->region : ""),
        WZ_DB_INT(j->now),
        time_or_null(j->in.promised_reply),
        time_or_null(j->in.dispatch_due),
        dispatched ? WZ_DB_INT(j->now) : WZ_DB_NULL(),
        time_or_null(j->disp.sign_due),
        time_or_null(j->disp.reply_due),
        time_or_null(j->disp.resolve_due),
        text_or_null(j->citizen_id > 0 ? j->idem_key : NULL),
        text_or_null(j->location),
        WZ_DB_INT(j->publish ? 1 : 0),
        WZ_DB_TEXT(j->citizen_id > 0 ? "citizen" : "system"),
        WZ_DB_TEXT(receive),
        WZ_DB_TEXT(dispatch),
        WZ_DB_TEXT(timers),
        WZ_DB_TEXT(ack),
        WZ_DB_TEXT(attachments),
    };
    /* parameters are copied by the call, so the texts are freed right after */
    int ret = wz_db_run(j->pool,
                        "SELECT CAST(wz_intake_write(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                        "?, ?, ?, ?, ?, ?, ?, ?, ?, ?) AS SIGNED)",
                        p, sizeof(p) / sizeof(p[0]), on_written, j);
    free(receive);
    free(dispatch);
    free(ack);
    if (ret != WZ_DB_OK)
        fail_code(j, ret);
}

/* a missing or blank title is the content's first characters, cut on a character boundary */
static char *title_of(const char *title, const char *content)
{
    if (title != NULL && title[strspn(title, " \t\r\n")] != '\0')
        return dup_opt(title);
    size_t len = strlen(content), i = 0;
    long chars = 0;
    while (i < len && chars < TITLE_AUTO_CHARS) {
        unsigned char c = (unsigned char)content[i];
        i += c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
        chars++;
    }
    if (i > len) /* a sequence cut short at the very end */
        i = len;
    char *t = strndup(content, i);
    if (t == NULL)
        abort();
    return t;
}

static int begin(job_t *j)
{
    int ret = lookup(j);
    if (ret != WZ_DB_OK)
        job_free(j);
    return ret;
}

static int fetch_block(job_t *j);
static void on_block(const wz_db_result_t *res, const wz_db_error_t *err, void *data);

/* A number for each waiting intake, in order, while the block lasts; the first that finds it
 * used up (or of another day) fetches the next and the rest go on waiting. */
static void serve_waiting(void)
{
    while (block.waiting != NULL && !block.fetching) {
        job_t *j = block.waiting;
        block.waiting = j->next_waiting;
        if (block.waiting == NULL)
            block.waiting_tail = &block.waiting;
        int used_up = strcmp(block.day, j->day) != 0 || block.next > block.end;
        if (!used_up)
            j->seq = block.next++;
        int ret = used_up ? fetch_block(j) : lookup(j);
        if (ret != WZ_DB_OK)
            fail_code(j, ret);
    }
}

static void on_block_pause_over(uv_timer_t *timer)
{
    job_t *j = timer->data;
    block.fetching = 0;
    int ret = fetch_block(j);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        snprintf(e.message, sizeof(e.message), "%s", wz_db_strerror(ret));
        on_block(NULL, &e, j);
    }
}

static void on_block(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    job_t *j = data;
    /* two servers taking blocks of one day through two Galera nodes collide on the day's row
     * (a certification failure), a node is leaving (1047), or the connection was lost: run it
     * again after a jittered pause, the waiting intakes still waiting. Safe even when a lost
     * upsert had committed: that block is never used, a gap, and numbers stay unique. */
    if (err != NULL &&
        (wz_db_error_is_retryable(err) || wz_db_error_needs_new_conn(err) || wz_db_error_is_connection_lost(err)) &&
        j->block_retries++ < BLOCK_RETRIES) {
        pause_then(j, on_block_pause_over, j->block_retries);
        return; /* still fetching: block.fetching stays set */
    }
    block.fetching = 0;
    if (err != NULL) { /* the database is away: everyone waiting hears it now */
        j->cb(j->data, NULL, err);
        job_free(j);
        while (block.waiting != NULL) {
            job_t *w = block.waiting;
            block.waiting = w->next_waiting;
            w->cb(w->data, NULL, err);
            job_free(w);
        }
        block.waiting_tail = &block.waiting;
        return;
    }
    /* a new day's row holds the first block; otherwise LAST_INSERT_ID is the block's end */
    long long end = res->affected_rows == 1 ? NUMBER_BLOCK : (long long)res->insert_id;
    memcpy(block.day, j->day, sizeof(block.day));
    block.next = end - NUMBER_BLOCK + 1;
    block.end = end;
    j->seq = block.next++;
    int ret = lookup(j);
    if (ret != WZ_DB_OK) {
        fail_code(j, ret);
    }
    serve_waiting();
}

/* a new block: its own short transaction, committed before any number of it is used */
static int fetch_block(job_t *j)
{
    wz_db_value_t p[] = {WZ_DB_TEXT(j->day), WZ_DB_INT(NUMBER_BLOCK), WZ_DB_INT(NUMBER_BLOCK)};
    block.fetching = 1; /* before the call: its answer clears it, and must find it set */
    int ret = wz_db_run(j->pool,
                        "INSERT INTO ticket_counters (day, seq) VALUES (?, ?) "
                        "ON DUPLICATE KEY UPDATE seq = LAST_INSERT_ID(seq + ?)",
                        p, 3, on_block, j);
    if (ret != WZ_DB_OK)
        block.fetching = 0;
    return ret;
}

int wz_ticket_intake(wz_db_pool_t *pool, const wz_calendar_t *cal, const uint8_t seal_key[32],
                     const wz_intake_request_t *req, int64_t now, wz_intake_cb cb, void *data)
{
    job_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        abort();
    j->type = dup_opt(req->type);
    j->priority = dup_opt(req->priority);
    j->channel = dup_opt(req->channel);
    j->title = title_of(req->title, req->content ? req->content : "");
    j->content = dup_opt(req->content ? req->content : "");
    j->citizen_name = dup_opt(req->citizen_name);
    j->contact_phone = dup_opt(req->contact_phone);
    j->region = dup_opt(req->region);
    j->external_id = dup_opt(req->external_id);
    j->idem_key = dup_opt(req->idempotency_key);
    j->location = dup_opt(req->location);
    j->account_id = req->account_id;
    j->unit_id = req->unit_id;
    j->category_id = req->category_id;
    j->citizen_id = req->citizen_id;
    j->publish = req->publish;
    j->validate = req->validate;
    j->nattachments = req->nattachments < WZ_INTAKE_MAX_ATTACHMENTS ? req->nattachments : WZ_INTAKE_MAX_ATTACHMENTS;
    for (size_t i = 0; i < j->nattachments; i++)
        j->attachments[i] = req->attachments[i];
    j->cal = cal;
    memcpy(j->key, seal_key, WZ_SEAL_KEY_BYTES);
    j->now = now;
    j->cb = cb;
    j->data = data;
    j->pool = pool;
    wz_cal_format_date(wz_cal_local_day(cal, now), j->day);
    if (block.waiting_tail == NULL)
        block.waiting_tail = &block.waiting;
    if (block.fetching) { /* a block is on its way: wait for a number of it */
        *block.waiting_tail = j;
        block.waiting_tail = &j->next_waiting;
        return WZ_DB_OK;
    }
    if (strcmp(block.day, j->day) == 0 && block.next <= block.end) {
        j->seq = block.next++;
        return begin(j);
    }
    int ret = fetch_block(j);
    if (ret != WZ_DB_OK)
        job_free(j);
    return ret;
}
