#include "tickets/intake.h"
#include "common/log.h"
#include "common/seal.h"
#include "db/txn.h"
#include "sla/deadlines.h"
#include "tickets/privacy.h"
#include "tickets/routing.h"
#include <jansson.h>
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
#define MAX_CATEGORY_DEPTH 16
#define PHONE_MAX 64

typedef struct {
    /* the request, copied */
    char *type, *priority, *channel, *title, *content, *citizen_name, *contact_phone, *region, *external_id, *idem_key,
        *location;
    int64_t account_id, unit_id, category_id, citizen_id;
    int publish;
    int64_t attachments[WZ_INTAKE_MAX_ATTACHMENTS];
    size_t nattachments;
    const wz_calendar_t *cal;
    uint8_t key[WZ_SEAL_KEY_BYTES];
    int64_t now;
    wz_intake_cb cb;
    void *data;
    wz_db_pool_t *pool;
    int race_retries;

    /* what the transaction learns; reset at every attempt */
    wz_sla_policy_t policy;
    int64_t account_unit;
    int64_t category_path[MAX_CATEGORY_DEPTH];
    size_t category_depth;
    wz_intake_result_t result;
    wz_sla_intake_t in;
    wz_sla_dispatch_t disp;
    int stage;     /* where the tail (events, timers, outbox) stands */
    long long seq; /* the day's sequence number this ticket takes (from the loop's block) */
    char day[11];
} job_t;

/* the current block of this event loop's thread (each loop runs on its own thread) */
static _Thread_local struct {
    char day[11];
    long long next, end; /* next <= end: numbers left */
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

static void job_free(job_t *j)
{
    char *strings[] = {j->type,          j->priority, j->channel,     j->title,    j->content, j->citizen_name,
                       j->contact_phone, j->region,   j->external_id, j->idem_key, j->location};
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
        free(strings[i]);
    sodium_memzero(j->key, sizeof(j->key));
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

static void step_policy(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err);
static void step_number(wz_db_txn_t *txn);

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

/* ---- 1. deduplicate ---- */

#define SELECT_EXISTING                                                                                                \
    "SELECT id, number, status, CAST(COALESCE(unit_id, 0) AS SIGNED), "                                                \
    "CAST(COALESCE(UNIX_TIMESTAMP(promised_reply_at), 0) AS SIGNED) FROM tickets "

static void step_dedup_result(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    job_t *j = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    if (res->nrows > 0) {
        j->result.ticket_id = wz_db_cell(res, 0, 0)->u.i;
        j->result.created = 0;
        snprintf(j->result.number, sizeof(j->result.number), "%s", wz_db_cell(res, 0, 1)->u.s.p);
        snprintf(j->result.status, sizeof(j->result.status), "%s", wz_db_cell(res, 0, 2)->u.s.p);
        j->result.unit_id = wz_db_cell(res, 0, 3)->u.i;
        j->result.promised_reply = wz_db_cell(res, 0, 4)->u.i;
        wz_db_txn_commit(txn);
        return;
    }
    step_policy(txn, NULL, NULL);
}

static void step_first(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    job_t *j = wz_db_txn_data(txn);
    memset(&j->result, 0, sizeof(j->result));
    j->account_unit = 0;
    j->category_depth = 0;
    static const char by_external[] = SELECT_EXISTING "WHERE account_id = ? AND external_id = ?";
    static const char by_key[] = SELECT_EXISTING "WHERE citizen_id = ? AND idempotency_key = ?";
    if (j->external_id != NULL && j->account_id > 0) {
        wz_db_value_t p[] = {WZ_DB_INT(j->account_id), WZ_DB_TEXT(j->external_id)};
        wz_db_txn_exec(txn, by_external, p, 2, step_dedup_result);
    } else if (j->idem_key != NULL && j->citizen_id > 0) {
        wz_db_value_t p[] = {WZ_DB_INT(j->citizen_id), WZ_DB_TEXT(j->idem_key)};
        wz_db_txn_exec(txn, by_key, p, 2, step_dedup_result);
    } else {
        step_policy(txn, NULL, NULL);
    }
}

/* ---- 2. policy ---- */

static void step_direct_unit(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err);
static void step_account(wz_db_txn_t *txn);

static void step_policy_result(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    job_t *j = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    if (wz_sla_policy_default(j->type, &j->policy) != 0)
        wz_sla_policy_default("consultation", &j->policy);
    if (res->nrows == 1) {
        int *f[] = {&j->policy.dispatch_minutes, &j->policy.sign_minutes,       &j->policy.reply_days,
                    &j->policy.resolve_days,     &j->policy.return_window_days, &j->policy.extension_max_days,
                    &j->policy.reopen_max,       &j->policy.rating_window_days, &j->policy.info_wait_days};
        for (size_t c = 0; c < 9; c++)
            *f[c] = (int)wz_db_cell(res, 0, c)->u.i;
        j->policy.warn_ratio = (double)wz_db_cell(res, 0, 9)->u.i / 1000.0;
    }
    if (j->unit_id > 0) {
        wz_db_value_t p = WZ_DB_INT(j->unit_id);
        wz_db_txn_exec(txn, "SELECT accepts_direct FROM units WHERE id = ?", &p, 1, step_direct_unit);
        return;
    }
    step_account(txn);
}

static void step_policy(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    job_t *j = wz_db_txn_data(txn);
    wz_db_value_t p[] = {WZ_DB_TEXT(j->type), WZ_DB_TEXT(j->priority ? j->priority : "normal")};
    wz_db_txn_exec(txn,
                   "SELECT dispatch_minutes, sign_minutes, reply_days, resolve_days, return_window_days, "
                   "extension_max_days, reopen_max, rating_window_days, info_wait_days, "
                   "CAST(warn_ratio * 1000 AS SIGNED) FROM sla_policies WHERE type = ? AND priority = ?",
                   p, 2, step_policy_result);
}

/* ---- 3. the unit: named directly, or by the routing rules ---- */

static void step_direct_unit(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    job_t *j = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    if (res->nrows == 1 && wz_db_cell(res, 0, 0)->u.i != 0) {
        j->result.unit_id = j->unit_id; /* the citizen chose a unit that takes direct submissions */
        step_number(txn);
        return;
    }
    step_account(txn); /* a unit that does not: routing decides */
}

static void step_rules_result(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    job_t *j = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    size_t n = res->nrows;
    wz_routing_rule_t *rules = calloc(n + 1, sizeof(*rules));
    if (rules == NULL)
        abort();
    for (size_t r = 0; r < n; r++) {
        rules[r].id = wz_db_cell(res, r, 0)->u.i;
        rules[r].priority = (int)wz_db_cell(res, r, 1)->u.i;
        const wz_db_value_t *kind = wz_db_cell(res, r, 2);
        int k = wz_rule_kind_parse(kind->u.s.p, kind->u.s.len);
        rules[r].kind = k < 0 ? WZ_RULE__COUNT : (wz_rule_kind_t)k;
        rules[r].match_id = wz_db_cell(res, r, 3)->u.i;
        const wz_db_value_t *text = wz_db_cell(res, r, 4);
        rules[r].match_text = text->type == WZ_DB_T_TEXT ? text->u.s.p : NULL; /* valid until we return */
        rules[r].unit_id = wz_db_cell(res, r, 5)->u.i;
        rules[r].enabled = 1;
    }
    wz_routing_facts_t facts = {j->account_id, j->account_unit, j->category_path, j->category_depth,
                                j->title,      j->content,      j->region};
    int64_t unit = 0;
    const wz_routing_rule_t *hit = wz_routing_match(rules, n, &facts, &unit);
    if (hit != NULL) {
        j->result.unit_id = unit;
        j->result.routing_rule = hit->id;
    }
    free(rules);
    step_number(txn);
}

static void step_rules(wz_db_txn_t *txn)
{
    wz_db_value_t limit = WZ_DB_INT(MAX_RULES);
    wz_db_txn_exec(txn,
                   "SELECT id, priority, kind, CAST(COALESCE(match_id, 0) AS SIGNED), match_text, "
                   "CAST(COALESCE(unit_id, 0) AS SIGNED) FROM routing_rules WHERE enabled = 1 "
                   "ORDER BY priority, id LIMIT ?",
                   &limit, 1, step_rules_result);
}

static void step_category_result(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    job_t *j = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    for (size_t r = 0; r < res->nrows && j->category_depth < MAX_CATEGORY_DEPTH; r++)
        j->category_path[j->category_depth++] = wz_db_cell(res, r, 0)->u.i;
    step_rules(txn);
}

static void step_category(wz_db_txn_t *txn)
{
    job_t *j = wz_db_txn_data(txn);
    if (j->category_id <= 0) {
        step_rules(txn);
        return;
    }
    /* the category and its ancestors: a rule on a parent category covers its children */
    wz_db_value_t p[] = {WZ_DB_INT(j->category_id), WZ_DB_INT(MAX_CATEGORY_DEPTH)};
    wz_db_txn_exec(txn,
                   "WITH RECURSIVE up (id, parent_id, depth) AS ("
                   " SELECT id, parent_id, 1 FROM categories WHERE id = ?"
                   " UNION ALL SELECT c.id, c.parent_id, up.depth + 1 FROM categories c JOIN up ON c.id = up.parent_id)"
                   " SELECT CAST(id AS SIGNED) FROM up WHERE depth <= ? ORDER BY depth",
                   p, 2, step_category_result);
}

static void step_account_result(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    job_t *j = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    if (res->nrows == 1)
        j->account_unit = wz_db_cell(res, 0, 0)->u.i;
    step_category(txn);
}

static void step_account(wz_db_txn_t *txn)
{
    job_t *j = wz_db_txn_data(txn);
    if (j->account_id <= 0) {
        step_category(txn);
        return;
    }
    wz_db_value_t p = WZ_DB_INT(j->account_id);
    wz_db_txn_exec(txn, "SELECT CAST(unit_id AS SIGNED) FROM accounts WHERE id = ?", &p, 1, step_account_result);
}

/* ---- 4. the number, the ticket ---- */

static void step_ticket(wz_db_txn_t *txn, long long seq);

static void step_number(wz_db_txn_t *txn)
{
    job_t *j = wz_db_txn_data(txn);
    step_ticket(txn, j->seq); /* taken from the loop's block before the transaction */
}

static void step_message(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err);

static void step_ticket(wz_db_txn_t *txn, long long seq)
{
    job_t *j = wz_db_txn_data(txn);
    const char *day = j->day;
    snprintf(j->result.number, sizeof(j->result.number), "WZ%.4s%.2s%.2s%06lld", day, day + 5, day + 8, seq);
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
    };
    wz_db_txn_exec(
        txn,
        "INSERT INTO tickets (number, type, category_id, title, content, channel, account_id, external_id, "
        "citizen_id, citizen_name, contact_masked, contact_raw, status, unit_id, priority, region, "
        "received_at, promised_reply_at, dispatch_due_at, dispatched_at, sign_due_at, reply_due_at, "
        "resolve_due_at, idempotency_key, location, publish) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, FROM_UNIXTIME(?), FROM_UNIXTIME(?), FROM_UNIXTIME(?), FROM_UNIXTIME(?), FROM_UNIXTIME(?), "
        "FROM_UNIXTIME(?), FROM_UNIXTIME(?), ?, ?, ?)",
        p, sizeof(p) / sizeof(p[0]), step_message);
}

/* ---- 5. what belongs with the ticket: events, timers, the acknowledgement ---- */

enum { TAIL_RECEIVE, TAIL_DISPATCH, TAIL_TIMERS, TAIL_OUTBOX, TAIL_ATTACH, TAIL_COMMIT };

static char *json_text(json_t *doc)
{
    char *s = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (s == NULL)
        abort();
    return s;
}

static void step_tail(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err);
static void step_attached(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err);

/* Statement parameters are copied by wz_db_exec, so the JSON texts are freed right after. */
static void run_tail(wz_db_txn_t *txn, int stage)
{
    job_t *j = wz_db_txn_data(txn);
    int dispatched = j->result.unit_id > 0;
    j->stage = stage;
    switch (stage) {
    case TAIL_RECEIVE: {
        char *payload =
            json_text(json_pack("{s:s, s:I}", "channel", j->channel, "account_id", (json_int_t)j->account_id));
        wz_db_value_t p[] = {WZ_DB_INT(j->result.ticket_id),
                             j->citizen_id > 0 ? WZ_DB_INT(j->citizen_id) : WZ_DB_NULL(),
                             WZ_DB_TEXT(j->citizen_id > 0 ? "citizen" : "system"), WZ_DB_TEXT(payload)};
        wz_db_txn_exec(txn,
                       "INSERT INTO ticket_events (ticket_id, action, to_status, actor_id, actor_role, payload) "
                       "VALUES (?, 'receive', 'new', ?, ?, ?)",
                       p, 4, step_tail);
        free(payload);
        return;
    }
    case TAIL_DISPATCH: {
        if (!dispatched) {
            run_tail(txn, TAIL_TIMERS);
            return;
        }
        char *payload = json_text(j->result.routing_rule > 0
                                      ? json_pack("{s:I}", "routing_rule", (json_int_t)j->result.routing_rule)
                                      : json_pack("{s:b}", "direct", 1));
        wz_db_value_t p[] = {WZ_DB_INT(j->result.ticket_id), WZ_DB_INT(j->result.unit_id), WZ_DB_TEXT(payload)};
        wz_db_txn_exec(txn,
                       "INSERT INTO ticket_events (ticket_id, action, from_status, to_status, actor_role, unit_id, "
                       "payload) VALUES (?, 'dispatch', 'new', 'dispatched', 'system', ?, ?)",
                       p, 3, step_tail);
        free(payload);
        return;
    }
    case TAIL_TIMERS: {
        int64_t id = j->result.ticket_id;
        if (!dispatched) {
            wz_db_value_t p[] = {WZ_DB_INT(id), WZ_DB_INT(j->in.dispatch_warn), WZ_DB_INT(id),
                                 WZ_DB_INT(j->in.dispatch_due)};
            wz_db_txn_exec(txn,
                           "INSERT INTO sla_timers (ticket_id, kind, fire_at) VALUES "
                           "(?, 'dispatch_warn', FROM_UNIXTIME(?)), (?, 'dispatch_breach', FROM_UNIXTIME(?))",
                           p, 4, step_tail);
            return;
        }
        wz_db_value_t p[] = {WZ_DB_INT(id), WZ_DB_INT(j->disp.sign_warn),  WZ_DB_INT(id), WZ_DB_INT(j->disp.sign_due),
                             WZ_DB_INT(id), WZ_DB_INT(j->disp.reply_warn), WZ_DB_INT(id), WZ_DB_INT(j->disp.reply_due)};
        wz_db_txn_exec(txn,
                       "INSERT INTO sla_timers (ticket_id, kind, fire_at) VALUES "
                       "(?, 'sign_warn', FROM_UNIXTIME(?)), (?, 'sign_breach', FROM_UNIXTIME(?)), "
                       "(?, 'reply_warn', FROM_UNIXTIME(?)), (?, 'reply_breach', FROM_UNIXTIME(?))",
                       p, 8, step_tail);
        return;
    }
    case TAIL_OUTBOX: {
        /* 受理回执: the number and the promised reply date, through the channel they used */
        char *payload =
            json_text(json_pack("{s:s, s:I, s:s, s:I, s:I}", "number", j->result.number, "promised_reply_at",
                                (json_int_t)j->result.promised_reply, "channel", j->channel, "account_id",
                                (json_int_t)j->account_id, "citizen_id", (json_int_t)j->citizen_id));
        wz_db_value_t p[] = {WZ_DB_INT(j->result.ticket_id), WZ_DB_TEXT(payload)};
        wz_db_txn_exec(txn, "INSERT INTO outbox (kind, ticket_id, payload) VALUES ('acknowledgement', ?, ?)", p, 2,
                       step_tail);
        free(payload);
        return;
    }
    case TAIL_ATTACH: {
        /* the photos: each must be the citizen's own and free; the count of rows taken says so */
        if (j->nattachments == 0) {
            run_tail(txn, TAIL_COMMIT);
            return;
        }
        char sql[512];
        size_t w = (size_t)snprintf(sql, sizeof(sql),
                                    "UPDATE uploads SET ticket_id = ? WHERE owner_role = 'citizen' AND owner_id = ? "
                                    "AND ticket_id IS NULL AND id IN (?");
        for (size_t i = 1; i < j->nattachments; i++)
            w += (size_t)snprintf(sql + w, sizeof(sql) - w, ", ?");
        snprintf(sql + w, sizeof(sql) - w, ")");
        wz_db_value_t p[2 + WZ_INTAKE_MAX_ATTACHMENTS];
        p[0] = WZ_DB_INT(j->result.ticket_id);
        p[1] = WZ_DB_INT(j->citizen_id);
        for (size_t i = 0; i < j->nattachments; i++)
            p[2 + i] = WZ_DB_INT(j->attachments[i]);
        wz_db_txn_exec(txn, sql, p, 2 + j->nattachments, step_attached);
        return;
    }
    default:
        wz_db_txn_commit(txn);
        return;
    }
}

static void step_attached(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    job_t *j = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    if (res->affected_rows != j->nattachments) {
        wz_db_error_t e = {.code = WZ_DB_ESQL, .mysql_errno = WZ_INTAKE_ATTACHMENTS_ERRNO};
        snprintf(e.message, sizeof(e.message), "an attachment is not the citizen's own upload, or is already used");
        wz_db_txn_fail(txn, &e);
        return;
    }
    run_tail(txn, TAIL_COMMIT);
}

static void step_tail(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    job_t *j = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    run_tail(txn, j->stage + 1);
}

static void step_message(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    job_t *j = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err); /* a duplicate key here is a concurrent twin: see on_done */
        return;
    }
    j->result.ticket_id = (int64_t)res->insert_id;
    j->result.created = 1;
    wz_db_value_t p[] = {WZ_DB_INT(j->result.ticket_id), WZ_DB_TEXT(j->content), text_or_null(j->external_id)};
    j->stage = TAIL_RECEIVE - 1;
    wz_db_txn_exec(txn,
                   "INSERT INTO ticket_messages (ticket_id, author, kind, body, external_id) "
                   "VALUES (?, 'citizen', 'message', ?, ?)",
                   p, 3, step_tail);
}

/* ---- the whole ---- */

static void on_done(void *data, const wz_db_error_t *err)
{
    job_t *j = data;
    /* Two deliveries of one message racing: the loser's insert hits the unique key once the
     * winner commits. Running again finds the winner's ticket in step 1. */
    if (err != NULL && err->code == WZ_DB_ESQL && err->mysql_errno == 1062 && j->race_retries++ == 0 &&
        wz_db_txn_begin(j->pool, step_first, on_done, j) == WZ_DB_OK)
        return;
    j->cb(j->data, err ? NULL : &j->result, err);
    job_free(j);
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
    int ret = wz_db_txn_begin(j->pool, step_first, on_done, j);
    if (ret != WZ_DB_OK)
        job_free(j);
    return ret;
}

static void on_block(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    job_t *j = data;
    if (err != NULL) {
        j->cb(j->data, NULL, err);
        job_free(j);
        return;
    }
    /* a new day's row holds the first block; otherwise LAST_INSERT_ID is the block's end */
    long long end = res->affected_rows == 1 ? NUMBER_BLOCK : (long long)res->insert_id;
    memcpy(block.day, j->day, sizeof(block.day));
    block.next = end - NUMBER_BLOCK + 1;
    block.end = end;
    j->seq = block.next++;
    int ret = wz_db_txn_begin(j->pool, step_first, on_done, j);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        j->cb(j->data, NULL, &e);
        job_free(j);
    }
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
    if (strcmp(block.day, j->day) == 0 && block.next <= block.end) {
        j->seq = block.next++;
        return begin(j);
    }
    /* a new block: its own short transaction, committed before any number of it is used */
    wz_db_value_t p[] = {WZ_DB_TEXT(j->day), WZ_DB_INT(NUMBER_BLOCK), WZ_DB_INT(NUMBER_BLOCK)};
    int ret = wz_db_run(pool,
                        "INSERT INTO ticket_counters (day, seq) VALUES (?, ?) "
                        "ON DUPLICATE KEY UPDATE seq = LAST_INSERT_ID(seq + ?)",
                        p, 3, on_block, j);
    if (ret != WZ_DB_OK)
        job_free(j);
    return ret;
}
