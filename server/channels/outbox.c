/* The outbox sender's engine: scan due rows, claim each with a committed UPDATE, read what the
 * delivery needs, hand the job to the ticket channel's sender, and commit the outcome. See
 * channels/outbox.h for the protocol and docs/channels.md for the product rules. */
#include "channels/outbox_job.h"
#include "channels/secrets.h"
#include "common/log.h"
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ERROR_MAX 480         /* last_error is VARCHAR(500) characters: bytes are at least that */
#define PARK_MS (3600 * 1000) /* a channel without a sender yet: look again in an hour */
#define LEASE_MARGIN_MS 60000 /* on top of the longest delivery: DB waits, clocks */
#define WECHAT_CALLS_MAX 5    /* token, send, token again, send again, template */
#define SCAN_MIN_GAP_MS 20    /* between a scan that found all due rows and the next */

static const char sql_due[] =
    "SELECT id FROM outbox WHERE sent_at IS NULL AND dead = 0 AND next_attempt_at <= UTC_TIMESTAMP(6) "
    "ORDER BY next_attempt_at, id LIMIT ?";
static const char sql_next_due[] =
    "SELECT CAST(TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(6), MIN(next_attempt_at)) / 1000 AS SIGNED) FROM outbox "
    "WHERE sent_at IS NULL AND dead = 0";
/* the claim: a committed change, so it holds across Galera nodes; one affected row = ours */
static const char sql_claim[] = "UPDATE outbox SET attempts = attempts + 1, last_attempt_at = UTC_TIMESTAMP(6), "
                                "next_attempt_at = UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND "
                                "WHERE id = ? AND sent_at IS NULL AND dead = 0 AND next_attempt_at <= UTC_TIMESTAMP(6)";
/* everything a sender needs, read once the row is ours; the 48-hour window counts the citizen's
 * last message to the account on any of their tickets */
static const char sql_load[] =
    "SELECT o.kind, o.attempts, CAST(COALESCE(o.ticket_id, 0) AS SIGNED), COALESCE(t.number, ''), "
    "COALESCE(t.status, ''), COALESCE(t.channel, ''), COALESCE(t.external_id, ''), "
    "CAST(COALESCE(t.account_id, 0) AS SIGNED), CAST(COALESCE(t.citizen_id, 0) AS SIGNED), "
    "CAST(COALESCE(UNIX_TIMESTAMP(t.promised_reply_at), 0) AS SIGNED), COALESCE(a.platform, ''), "
    "COALESCE(a.status, ''), a.secret_box, COALESCE(c.appid, ''), COALESCE(c.openid, ''), "
    "CAST(COALESCE((SELECT UNIX_TIMESTAMP(MAX(m.created_at)) FROM tickets t2 "
    "  JOIN ticket_messages m ON m.ticket_id = t2.id "
    "  WHERE t2.citizen_id = t.citizen_id AND t2.account_id = t.account_id AND m.author = 'citizen'), 0) AS SIGNED), "
    "CAST(COALESCE(r.id, 0) AS SIGNED), r.body, CAST(COALESCE(UNIX_TIMESTAMP(r.published_at), 0) AS SIGNED), "
    "CASE WHEN o.kind = 'request_info' THEN (SELECT m.body FROM ticket_messages m "
    "  WHERE m.ticket_id = o.ticket_id AND m.kind = 'request_info' ORDER BY m.id DESC LIMIT 1) END "
    "FROM outbox o LEFT JOIN tickets t ON t.id = o.ticket_id LEFT JOIN accounts a ON a.id = t.account_id "
    "LEFT JOIN citizens c ON c.id = t.citizen_id "
    "LEFT JOIN replies r ON o.kind = 'reply' AND r.ticket_id = o.ticket_id AND r.status = 'published' AND "
    "  r.id = COALESCE(CAST(JSON_VALUE(o.payload, '$.reply_id') AS UNSIGNED), "
    "    (SELECT MAX(r2.id) FROM replies r2 WHERE r2.ticket_id = o.ticket_id AND r2.status = 'published')) "
    "WHERE o.id = ?";
/* outcomes: a success always counts; the others only while the claim is still ours */
static const char sql_sent[] = "UPDATE outbox SET sent_at = UTC_TIMESTAMP(6), dead = 0, delivered_via = ? "
                               "WHERE id = ? AND sent_at IS NULL";
static const char sql_retry[] = "UPDATE outbox SET next_attempt_at = UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND, "
                                "last_error = ? WHERE id = ? AND attempts = ? AND sent_at IS NULL AND dead = 0";
static const char sql_dead[] =
    "UPDATE outbox SET dead = 1, last_error = ? WHERE id = ? AND attempts = ? AND sent_at IS NULL AND dead = 0";
static const char sql_park[] =
    "UPDATE outbox SET attempts = attempts - 1, next_attempt_at = UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND, "
    "last_error = ? WHERE id = ? AND attempts = ? AND sent_at IS NULL AND dead = 0";

/* Kinds written for people inside the system (units, reviewers, supervisors): nobody outside is
 * told; the live-update stream will carry them. */
static const char *const internal_kinds[] = {"notify_unit",         "review_needed",     "escalation",
                                             "extension_requested", "extension_decided", "supervision"};

/* Senders by the ticket's channel (docs/channels.md); a channel missing here makes the row dead. */
static const struct {
    const char *channel;
    void (*deliver)(wz_ob_job_t *j);
} senders[] = {
    {"wechat_oa", wz_ob_deliver_wechat_oa},
    {"miniprogram", wz_ob_deliver_miniprogram},
    {"hotline_12345", wz_ob_deliver_hook},
    {"app", wz_ob_deliver_hook},
    {"web", wz_ob_deliver_hook},
    {"other", wz_ob_deliver_hook},
    {"weibo", wz_ob_deliver_weibo},
    {"douyin", wz_ob_deliver_douyin},
    {"toutiao", wz_ob_deliver_toutiao},
};

static void schedule(wz_outbox_t *ob, uint64_t delay_ms);

static void maybe_finish_stop(wz_outbox_t *ob)
{
    if (!ob->stopping || ob->njobs > 0 || ob->scanning || !ob->handle_closed)
        return;
    void (*cb)(void *) = ob->on_stopped;
    void *data = ob->on_stopped_data;
    wz_ob_tokens_free(ob);
    free(ob);
    if (cb != NULL)
        cb(data);
}

static uint64_t lease_us(const wz_outbox_t *ob)
{
    long t =
        ob->opts.wechat_timeout_ms > ob->opts.hook_timeout_ms ? ob->opts.wechat_timeout_ms : ob->opts.hook_timeout_ms;
    return ((uint64_t)t * WECHAT_CALLS_MAX + LEASE_MARGIN_MS) * 1000;
}

/* ---- a job ---- */

static void job_end(wz_ob_job_t *j)
{
    wz_outbox_t *ob = j->ob;
    if (j->box != NULL) {
        sodium_memzero(j->box, j->box_len);
        free(j->box);
    }
    sodium_memzero(j->app_secret, sizeof(j->app_secret));
    sodium_memzero(j->used_token, sizeof(j->used_token));
    free(j->reply_body);
    free(j->question);
    free(j->text);
    free(j->summary);
    free(j);
    ob->njobs--;
    if (ob->want_scan && !ob->stopping) {
        ob->want_scan = 0;
        schedule(ob, 0);
    }
    maybe_finish_stop(ob);
}

int wz_ob_secret(wz_ob_job_t *j, const char *name, char *out, size_t outlen)
{
    if (j->box == NULL || j->ob->opts.seal_key == NULL)
        return -1;
    if (wz_account_secret(j->ob->opts.seal_key, j->box, j->box_len, name, out, outlen) != 0 || out[0] == '\0') {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

static void on_recorded(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    wz_ob_job_t *j = data;
    wz_outbox_counters_t *c = j->ob->opts.counters;
    if (err != NULL) {
        if (err->code != WZ_DB_ECLOSED) /* the lease ends and the row is tried again */
            wz_warn("outbox: cannot record the outcome of row %lld: %s", (long long)j->id, err->message);
    } else if (res->affected_rows == 1) {
        switch (j->outcome) {
        case WZ_OB_SENT:
            atomic_fetch_add_explicit(&c->sent, 1, memory_order_relaxed);
            break;
        case WZ_OB_RETRY:
            atomic_fetch_add_explicit(&c->retried, 1, memory_order_relaxed);
            break;
        case WZ_OB_DEAD:
            atomic_fetch_add_explicit(&c->dead, 1, memory_order_relaxed);
            break;
        case WZ_OB_PARK:
            atomic_fetch_add_explicit(&c->parked, 1, memory_order_relaxed);
            break;
        }
    }
    job_end(j);
}

void wz_ob_finish(wz_ob_job_t *j, wz_ob_outcome_t outcome, const char *via, const char *fmt, ...)
{
    wz_outbox_t *ob = j->ob;
    char error[ERROR_MAX + 64] = ""; /* room for the prefix; cut to ERROR_MAX below */
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(error, sizeof(error), fmt, ap);
        va_end(ap);
    }
    if (outcome == WZ_OB_RETRY && j->attempts >= (long long)ob->opts.max_attempts) {
        char inner[sizeof(error)];
        memcpy(inner, error, sizeof(inner));
        snprintf(error, sizeof(error), "gave up after %lld attempts: %.*s", j->attempts, ERROR_MAX, inner);
        outcome = WZ_OB_DEAD;
    }
    wz_outbound_cut_bytes(error, ERROR_MAX);
    if (j->finished++)
        abort(); /* a sender finished a job twice: a programming error */
    j->outcome = outcome;
    /* stopping: a failure is not written (the HTTP client was closed under it); the lease ends
     * and another server, or this one after its restart, tries again */
    if (ob->stopping && outcome != WZ_OB_SENT) {
        job_end(j);
        return;
    }
    wz_db_value_t p[4];
    const char *sql;
    size_t n = 4;
    switch (outcome) {
    case WZ_OB_SENT:
        p[0] = WZ_DB_TEXT(via ? via : "");
        p[1] = WZ_DB_INT(j->id);
        sql = sql_sent;
        n = 2;
        break;
    case WZ_OB_RETRY: {
        uint64_t delay = wz_outbox_backoff_ms((unsigned)j->attempts, ob->opts.backoff_ms, ob->opts.backoff_max_ms,
                                              randombytes_random());
        wz_debug("outbox: row %lld failed (attempt %lld), again in %llu ms: %s", (long long)j->id, j->attempts,
                 (unsigned long long)delay, error);
        p[0] = WZ_DB_INT(delay * 1000);
        p[1] = WZ_DB_TEXT(error);
        p[2] = WZ_DB_INT(j->id);
        p[3] = WZ_DB_INT(j->attempts);
        sql = sql_retry;
        break;
    }
    case WZ_OB_DEAD:
        wz_warn("outbox: row %lld (%s, ticket %lld) is dead: %s", (long long)j->id, j->kind, (long long)j->ticket_id,
                error);
        p[0] = WZ_DB_TEXT(error);
        p[1] = WZ_DB_INT(j->id);
        p[2] = WZ_DB_INT(j->attempts);
        sql = sql_dead;
        n = 3;
        break;
    default:
        p[0] = WZ_DB_INT((uint64_t)PARK_MS * 1000);
        p[1] = WZ_DB_TEXT(error);
        p[2] = WZ_DB_INT(j->id);
        p[3] = WZ_DB_INT(j->attempts);
        sql = sql_park;
        break;
    }
    if (wz_db_run(ob->pool, sql, p, n, on_recorded, j) != WZ_DB_OK)
        job_end(j); /* the database is away: the lease ends and the row is tried again */
}

static int is_internal(const char *kind)
{
    for (size_t i = 0; i < sizeof(internal_kinds) / sizeof(internal_kinds[0]); i++)
        if (strcmp(kind, internal_kinds[i]) == 0)
            return 1;
    return 0;
}

static char *dup_or_empty(const char *s)
{
    char *d = strdup(s ? s : "");
    if (d == NULL)
        abort();
    return d;
}

/* The words for the citizen; 0, or -1 when the job was finished (nothing to say). */
static int compose(wz_ob_job_t *j)
{
    char date[11], buf[64];
    if (strcmp(j->kind, "acknowledgement") == 0) {
        j->text = wz_outbound_ack_text(j->number, j->promised_reply);
        wz_outbound_local_date(j->promised_reply, date);
        snprintf(buf, sizeof(buf), "已受理，将于%s前答复", date);
        j->summary = dup_or_empty(buf);
        j->when = (int64_t)time(NULL);
        return 0;
    }
    if (strcmp(j->kind, "reply") == 0) {
        if (j->reply_body == NULL) {
            wz_ob_finish(j, WZ_OB_DEAD, NULL, "ticket %lld has no published reply to send", (long long)j->ticket_id);
            return -1;
        }
        j->text = wz_outbound_reply_text(j->number, j->reply_body);
        j->summary = dup_or_empty(j->reply_body);
        j->when = j->reply_published ? j->reply_published : (int64_t)time(NULL);
        return 0;
    }
    /* request_info */
    if (j->question == NULL) {
        wz_ob_finish(j, WZ_OB_DEAD, NULL, "ticket %lld has no request for information to send",
                     (long long)j->ticket_id);
        return -1;
    }
    j->text = wz_outbound_request_info_text(j->number, j->question);
    size_t n = strlen(j->question) + 32;
    j->summary = malloc(n);
    if (j->summary == NULL)
        abort();
    snprintf(j->summary, n, "需补充信息：%s", j->question);
    j->when = (int64_t)time(NULL);
    return 0;
}

static void route(wz_ob_job_t *j)
{
    if (is_internal(j->kind)) {
        wz_ob_finish(j, WZ_OB_SENT, "internal", NULL);
        return;
    }
    if (strcmp(j->kind, "acknowledgement") != 0 && strcmp(j->kind, "reply") != 0 &&
        strcmp(j->kind, "request_info") != 0) {
        wz_ob_finish(j, WZ_OB_DEAD, NULL, "unknown outbox kind '%s'", j->kind);
        return;
    }
    if (j->ticket_id == 0 || j->number[0] == '\0') {
        wz_ob_finish(j, WZ_OB_DEAD, NULL, "the row names no existing ticket");
        return;
    }
    if (strcmp(j->account_status, "closed") == 0) {
        wz_ob_finish(j, WZ_OB_DEAD, NULL, "account %lld is closed", (long long)j->account_id);
        return;
    }
    for (size_t i = 0; i < sizeof(senders) / sizeof(senders[0]); i++) {
        if (strcmp(senders[i].channel, j->channel) != 0)
            continue;
        if (compose(j) == 0)
            senders[i].deliver(j);
        return;
    }
    wz_ob_finish(j, WZ_OB_DEAD, NULL, "no sender for channel '%s'", j->channel);
}

static void copy_cell(const wz_db_result_t *res, size_t col, char *out, size_t outlen)
{
    size_t n;
    const char *s = wz_db_cell_text(res, 0, col, &n);
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

static char *dup_cell(const wz_db_result_t *res, size_t col)
{
    if (wz_db_cell(res, 0, col)->type != WZ_DB_T_TEXT)
        return NULL;
    size_t n;
    const char *s = wz_db_cell_text(res, 0, col, &n);
    char *d = malloc(n + 1);
    if (d == NULL)
        abort();
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static void on_loaded(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    wz_ob_job_t *j = data;
    if (err != NULL || res->nrows != 1 || j->ob->stopping) { /* the lease ends; tried again then */
        if (err != NULL && err->code != WZ_DB_ECLOSED)
            wz_warn("outbox: cannot read row %lld: %s", (long long)j->id, err->message);
        job_end(j);
        return;
    }
    copy_cell(res, 0, j->kind, sizeof(j->kind));
    j->attempts = wz_db_cell_int(res, 0, 1);
    j->ticket_id = wz_db_cell_int(res, 0, 2);
    copy_cell(res, 3, j->number, sizeof(j->number));
    copy_cell(res, 4, j->status, sizeof(j->status));
    copy_cell(res, 5, j->channel, sizeof(j->channel));
    copy_cell(res, 6, j->external_id, sizeof(j->external_id));
    j->account_id = wz_db_cell_int(res, 0, 7);
    j->citizen_id = wz_db_cell_int(res, 0, 8);
    j->promised_reply = wz_db_cell_int(res, 0, 9);
    copy_cell(res, 10, j->platform, sizeof(j->platform));
    copy_cell(res, 11, j->account_status, sizeof(j->account_status));
    const wz_db_value_t *box = wz_db_cell(res, 0, 12);
    if (box->type == WZ_DB_T_TEXT && box->u.s.len > 0) {
        j->box = malloc(box->u.s.len);
        if (j->box == NULL)
            abort();
        memcpy(j->box, box->u.s.p, box->u.s.len);
        j->box_len = box->u.s.len;
    }
    copy_cell(res, 13, j->citizen_appid, sizeof(j->citizen_appid));
    copy_cell(res, 14, j->openid, sizeof(j->openid));
    j->last_citizen_msg = wz_db_cell_int(res, 0, 15);
    j->reply_id = wz_db_cell_int(res, 0, 16);
    j->reply_body = dup_cell(res, 17);
    j->reply_published = wz_db_cell_int(res, 0, 18);
    j->question = dup_cell(res, 19);
    route(j);
}

static void on_claimed(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    wz_ob_job_t *j = data;
    /* 0 rows: another server (or an admin) got there first; an error (a Galera certification
     * conflict is one): not ours either */
    if (err != NULL || res->affected_rows != 1 || j->ob->stopping) {
        job_end(j);
        return;
    }
    wz_db_value_t id = WZ_DB_INT(j->id);
    if (wz_db_run(j->ob->pool, sql_load, &id, 1, on_loaded, j) != WZ_DB_OK)
        job_end(j);
}

static void start_job(wz_outbox_t *ob, int64_t id)
{
    wz_ob_job_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        abort();
    j->ob = ob;
    j->id = id;
    ob->njobs++;
    wz_db_value_t p[] = {WZ_DB_INT(lease_us(ob)), WZ_DB_INT(id)};
    if (wz_db_run(ob->pool, sql_claim, p, 2, on_claimed, j) != WZ_DB_OK)
        job_end(j);
}

/* ---- the scan ---- */

static void on_next_due(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    wz_outbox_t *ob = data;
    ob->scanning = 0;
    if (ob->stopping) {
        maybe_finish_stop(ob);
        return;
    }
    uint64_t delay = ob->opts.poll_ms;
    if (err == NULL && res->nrows == 1 && wz_db_cell(res, 0, 0)->type == WZ_DB_T_INT) {
        long long ms = wz_db_cell(res, 0, 0)->u.i;
        delay = ms <= 0 ? 0 : (uint64_t)ms < delay ? (uint64_t)ms : delay;
    }
    /* due again at once (written meanwhile, or a claim that keeps failing): never spin */
    if (delay < SCAN_MIN_GAP_MS)
        delay = SCAN_MIN_GAP_MS < ob->opts.poll_ms ? SCAN_MIN_GAP_MS : ob->opts.poll_ms;
    schedule(ob, delay);
}

static void on_due(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    wz_outbox_t *ob = data;
    if (ob->stopping) {
        ob->scanning = 0;
        maybe_finish_stop(ob);
        return;
    }
    if (err != NULL) {
        ob->scanning = 0;
        if (err->code != WZ_DB_ECLOSED)
            wz_warn("outbox: cannot scan: %s", err->message);
        schedule(ob, ob->opts.poll_ms);
        return;
    }
    size_t n = res->nrows;
    int64_t *ids = malloc((n ? n : 1) * sizeof(*ids));
    if (ids == NULL)
        abort();
    for (size_t i = 0; i < n; i++)
        ids[i] = wz_db_cell_int(res, i, 0);
    if (n >= ob->scan_limit) { /* more may be due: look again as soon as there is room */
        ob->scanning = 0;
        ob->want_scan = 1;
    } else if (wz_db_run(ob->pool, sql_next_due, NULL, 0, on_next_due, ob) != WZ_DB_OK) {
        ob->scanning = 0;
        schedule(ob, ob->opts.poll_ms);
    }
    /* the result is only valid in this callback: the ids were copied first */
    for (size_t i = 0; i < n; i++)
        start_job(ob, ids[i]);
    free(ids);
    if (ob->want_scan && ob->njobs == 0 && !ob->scanning) { /* every claim already ended */
        ob->want_scan = 0;
        schedule(ob, 0);
    }
}

static void on_tick(uv_timer_t *timer)
{
    wz_outbox_t *ob = timer->data;
    if (ob->scanning || ob->stopping)
        return;
    unsigned room = ob->opts.batch > ob->njobs ? ob->opts.batch - ob->njobs : 0;
    if (room == 0) {
        ob->want_scan = 1;
        return;
    }
    ob->scanning = 1;
    ob->scan_limit = room;
    wz_db_value_t limit = WZ_DB_INT(room);
    if (wz_db_run(ob->pool, sql_due, &limit, 1, on_due, ob) != WZ_DB_OK) {
        ob->scanning = 0;
        schedule(ob, ob->opts.poll_ms);
    }
}

static void schedule(wz_outbox_t *ob, uint64_t delay_ms)
{
    if (!ob->stopping)
        uv_timer_start(&ob->timer, on_tick, delay_ms, 0);
}

wz_outbox_t *wz_outbox_start(uv_loop_t *loop, wz_db_pool_t *pool, wz_http_client_t *http,
                             const wz_outbox_options_t *opts)
{
    wz_outbox_t *ob = calloc(1, sizeof(*ob));
    if (ob == NULL)
        abort();
    ob->loop = loop;
    ob->pool = pool;
    ob->http = http;
    ob->opts = *opts;
    if (ob->opts.batch == 0)
        ob->opts.batch = 1;
    if (ob->opts.max_attempts == 0)
        ob->opts.max_attempts = 1;
    if (ob->opts.counters == NULL)
        ob->opts.counters = &ob->own_counters;
    uv_timer_init(loop, &ob->timer);
    ob->timer.data = ob;
    schedule(ob, 0);
    return ob;
}

static void on_timer_closed(uv_handle_t *h)
{
    wz_outbox_t *ob = h->data;
    ob->handle_closed = 1;
    maybe_finish_stop(ob);
}

void wz_outbox_stop(wz_outbox_t *ob, void (*on_stopped)(void *), void *data)
{
    ob->stopping = 1;
    ob->on_stopped = on_stopped;
    ob->on_stopped_data = data;
    uv_timer_stop(&ob->timer);
    uv_close((uv_handle_t *)&ob->timer, on_timer_closed);
}
