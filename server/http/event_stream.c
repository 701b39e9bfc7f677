/* The console's live updates (http/event_stream.h).
 *
 * Why the reads overlap: ticket_events ids come from AUTO_INCREMENT, and two transactions on two
 * loops (or two servers) can commit out of id order, so "every id above the last one seen" would
 * skip an event committed late with a smaller id. The hub instead reads every event created in
 * the last LOOKBACK_MS (newest first, at most READ_MAX) and remembers what it delivered; an event
 * whose transaction took longer than LOOKBACK_MS to commit is the one that can be missed, and
 * the console reloads on its own now and then.
 *
 * A stream's output: h2o keeps a sent buffer until it calls proceed, so each stream has the
 * buffer in flight and the one being filled; a client that reads too slowly has its pending
 * output replaced by one `resync` event instead of growing without bound. */
#include "http/event_stream.h"
#include "common/log.h"
#include "common/timefmt.h"
#include "http/server.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOOKBACK_MS 10000
#define READ_MAX 2000
#define PENDING_MAX (256 * 1024)
#define EVENT_MAX 1024

struct wz_event_hub {
    wz_worker_t *worker;
    uv_timer_t timer;
    struct stream *streams; /* a doubly linked list */
    unsigned nstreams;
    int reading;      /* a read is in flight */
    int timer_closed; /* after wz_event_hub_free */
    int freeing;
    wz_event_seen_t seen;
};

typedef struct stream {
    h2o_generator_t gen; /* first: h2o hands it back to proceed */
    wz_event_hub_t *hub;
    h2o_req_t *req;
    wz_identity_t who;
    struct stream *prev, *next;
    char *out, *pending; /* in flight (h2o holds it until proceed) / being filled */
    size_t out_len, out_cap, pending_len, pending_cap;
    int sending, ending, overflowed;
    uint64_t last_write_ms;
} stream_t;

/* ---- pure parts ---- */

/* kept sorted by id: a read's ids arrive ascending, so an insertion is nearly always an append,
 * and the lookup is a binary search even when a burst fills the window with thousands */
int wz_event_seen_add(wz_event_seen_t *s, uint64_t id, int64_t created_ms)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->v[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < s->n && s->v[lo].id == id)
        return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        void *v = realloc(s->v, cap * sizeof(*s->v));
        if (v == NULL)
            abort();
        s->v = v;
        s->cap = cap;
    }
    memmove(&s->v[lo + 1], &s->v[lo], (s->n - lo) * sizeof(*s->v));
    s->v[lo].id = id;
    s->v[lo].created_ms = created_ms;
    s->n++;
    if (created_ms > s->newest_ms)
        s->newest_ms = created_ms;
    return 1;
}

void wz_event_seen_prune(wz_event_seen_t *s, int64_t window_ms)
{
    size_t w = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].created_ms >= s->newest_ms - window_ms)
            s->v[w++] = s->v[i];
    s->n = w;
}

void wz_event_seen_free(wz_event_seen_t *s)
{
    free(s->v);
    memset(s, 0, sizeof(*s));
}

size_t wz_sse_format(char *buf, size_t cap, uint64_t id, const char *event, const char *data)
{
    int n = id ? snprintf(buf, cap, "id: %llu\nevent: %s\ndata: %s\n\n", (unsigned long long)id, event, data)
               : snprintf(buf, cap, "event: %s\ndata: %s\n\n", event, data);
    return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

/* ---- one stream's output ---- */

static void flush(stream_t *s);
static void maybe_free(wz_event_hub_t *hub);

static void append(stream_t *s, const char *text, size_t len)
{
    if (s->ending || s->req == NULL)
        return;
    if (s->overflowed)
        return; /* a resync is already pending: the client reloads everything */
    if (s->pending_len + len > PENDING_MAX) {
        static const char resync[] = "event: resync\ndata: {}\n\n";
        s->pending_len = 0;
        s->overflowed = 1;
        text = resync;
        len = sizeof(resync) - 1;
    }
    if (s->pending_len + len > s->pending_cap) {
        size_t cap = s->pending_cap ? s->pending_cap : 4096;
        while (cap < s->pending_len + len)
            cap *= 2;
        char *p = realloc(s->pending, cap);
        if (p == NULL)
            abort();
        s->pending = p;
        s->pending_cap = cap;
    }
    memcpy(s->pending + s->pending_len, text, len);
    s->pending_len += len;
}

/* Sends what is pending, or the end, unless a send is in flight. h2o may dispose of the
 * request (and so free the stream) inside h2o_send: nothing touches s after it. */
static void flush(stream_t *s)
{
    if (s->req == NULL || s->sending)
        return;
    if (s->pending_len == 0 && !s->ending)
        return;
    /* the buffers swap: the filled one goes out, the one h2o gave back is filled next */
    char *t = s->out;
    size_t cap = s->out_cap;
    s->out = s->pending;
    s->out_cap = s->pending_cap;
    s->out_len = s->pending_len;
    s->pending = t;
    s->pending_cap = cap;
    s->pending_len = 0;
    s->overflowed = 0;
    s->sending = 1;
    s->last_write_ms = uv_now(&s->hub->worker->loop);
    h2o_iovec_t v = h2o_iovec_init(s->out, s->out_len);
    h2o_send(s->req, &v, s->out_len ? 1 : 0, s->ending ? H2O_SEND_STATE_FINAL : H2O_SEND_STATE_IN_PROGRESS);
}

static void end_stream(stream_t *s)
{
    s->ending = 1;
    flush(s);
}

static void on_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
    (void)req;
    stream_t *s = (stream_t *)gen;
    s->sending = 0;
    flush(s);
}

static void unlink_stream(stream_t *s)
{
    wz_event_hub_t *hub = s->hub;
    if (s->prev)
        s->prev->next = s->next;
    else
        hub->streams = s->next;
    if (s->next)
        s->next->prev = s->prev;
    hub->nstreams--;
    if (hub->nstreams == 0 && !hub->freeing)
        uv_timer_stop(&hub->timer);
}

/* the request is gone (the client left, the stream ended, the server stopped) */
static void on_dispose(void *p)
{
    stream_t *s = *(stream_t **)p;
    wz_event_hub_t *hub = s->hub;
    unlink_stream(s);
    free(s->out);
    free(s->pending);
    free(s);
    if (hub->freeing)
        maybe_free(hub);
}

/* ---- the hub's reads ---- */

static const char sql_recent[] =
    "SELECT e.id, CAST(FLOOR(UNIX_TIMESTAMP(e.created_at) * 1000) AS SIGNED), e.ticket_id, e.action, "
    "COALESCE(e.from_status, ''), COALESCE(e.to_status, ''), t.status, CAST(COALESCE(t.unit_id, 0) AS SIGNED), "
    "CAST(COALESCE(e.unit_id, 0) AS SIGNED), COALESCE(u.path, ''), COALESCE(au.path, ''), COALESCE(eu.path, ''), "
    "CAST(UNIX_TIMESTAMP(e.created_at) AS SIGNED), CAST(COALESCE(fu.id, 0) AS SIGNED), COALESCE(fu.path, '') "
    "FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id LEFT JOIN units u ON u.id = t.unit_id "
    "LEFT JOIN accounts a ON a.id = t.account_id LEFT JOIN units au ON au.id = a.unit_id "
    "LEFT JOIN units eu ON eu.id = e.unit_id "
    "LEFT JOIN units fu ON fu.id = CAST(JSON_VALUE(e.payload, '$.from_unit') AS UNSIGNED) "
    "WHERE e.created_at >= UTC_TIMESTAMP(6) - INTERVAL ? SECOND ORDER BY e.id DESC LIMIT ?";

enum {
    C_ID,
    C_CREATED_MS,
    C_TICKET,
    C_ACTION,
    C_FROM,
    C_TO,
    C_STATUS,
    C_UNIT,
    C_EV_UNIT,
    C_PATH,
    C_ACCT_PATH,
    C_EV_PATH,
    C_AT,
    C_FROM_UNIT,
    C_FROM_PATH
};

/* Whether the caller may follow this event: the ticket as GET /tickets scopes it (an
 * unassigned ticket by its account's unit), the unit the event names, or the unit a transfer
 * took it from (whose staff must see it leave their queue). */
static int may_see(const wz_identity_t *who, const wz_db_result_t *res, size_t r)
{
    size_t n;
    if (who->role == WZ_ROLE_STAFF || who->role == WZ_ROLE_REVIEWER)
        return wz_db_cell_int(res, r, C_UNIT) == who->unit_id || wz_db_cell_int(res, r, C_EV_UNIT) == who->unit_id ||
               wz_db_cell_int(res, r, C_FROM_UNIT) == who->unit_id;
    const char *path = wz_db_cell_text(res, r, C_PATH, &n);
    if (n == 0)
        path = wz_db_cell_text(res, r, C_ACCT_PATH, &n);
    if (wz_scope_covers(who, n > 0 ? path : NULL))
        return 1;
    const int others[] = {C_EV_PATH, C_FROM_PATH};
    for (size_t i = 0; i < 2; i++) {
        const char *p = wz_db_cell_text(res, r, (size_t)others[i], &n);
        if (n > 0 && wz_scope_covers(who, p))
            return 1;
    }
    return 0;
}

static void start_timer(wz_event_hub_t *hub);

static void write_event(wz_event_hub_t *hub, const wz_db_result_t *res, size_t r)
{
    size_t n;
    char id[24], ticket[24], unit[24], at[WZ_RFC3339_MAX];
    snprintf(id, sizeof(id), "%lld", wz_db_cell_int(res, r, C_ID));
    snprintf(ticket, sizeof(ticket), "%lld", wz_db_cell_int(res, r, C_TICKET));
    long long unit_id = wz_db_cell_int(res, r, C_UNIT);
    snprintf(unit, sizeof(unit), "%lld", unit_id);
    wz_time_format(wz_db_cell_int(res, r, C_AT), at);
    json_t *d = json_object();
    json_object_set_new(d, "event_id", json_string(id));
    json_object_set_new(d, "ticket_id", json_string(ticket));
    const char *s = wz_db_cell_text(res, r, C_ACTION, &n);
    json_object_set_new(d, "action", json_stringn(s, n));
    s = wz_db_cell_text(res, r, C_FROM, &n);
    json_object_set_new(d, "from_status", n ? json_stringn(s, n) : json_null());
    s = wz_db_cell_text(res, r, C_TO, &n);
    json_object_set_new(d, "to_status", n ? json_stringn(s, n) : json_null());
    s = wz_db_cell_text(res, r, C_STATUS, &n);
    json_object_set_new(d, "status", json_stringn(s, n));
    json_object_set_new(d, "unit_id", unit_id ? json_string(unit) : json_null());
    json_object_set_new(d, "at", json_string(at));
    char *data = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    char buf[EVENT_MAX];
    size_t len = data ? wz_sse_format(buf, sizeof(buf), (uint64_t)wz_db_cell_int(res, r, C_ID), "ticket", data) : 0;
    free(data);
    if (len == 0)
        return;
    for (stream_t *st = hub->streams; st != NULL; st = st->next)
        if (may_see(&st->who, res, r))
            append(st, buf, len);
}

static void on_recent(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    wz_event_hub_t *hub = data;
    hub->reading = 0;
    if (hub->freeing) {
        maybe_free(hub);
        return;
    }
    if (err != NULL) {
        /* the database is away: the streams stay open and the next poll tries again */
        wz_warn("event stream: reading recent events failed: %s", err->message);
    } else {
        /* newest first: deliver oldest first so each stream sees events in id order */
        for (size_t i = res->nrows; i-- > 0;) {
            uint64_t id = (uint64_t)wz_db_cell_int(res, i, C_ID);
            if (wz_event_seen_add(&hub->seen, id, wz_db_cell_int(res, i, C_CREATED_MS)))
                write_event(hub, res, i);
        }
        wz_event_seen_prune(&hub->seen, 2 * LOOKBACK_MS);
        if (res->nrows >= READ_MAX) {
            /* more happened than one read holds: some events may not have been read */
            static const char resync[] = "event: resync\ndata: {}\n\n";
            for (stream_t *st = hub->streams; st != NULL; st = st->next)
                append(st, resync, sizeof(resync) - 1);
        }
    }
    for (stream_t *st = hub->streams, *next; st != NULL; st = next) {
        next = st->next; /* flush may end and free st */
        flush(st);
    }
    if (hub->nstreams > 0)
        start_timer(hub);
}

static void on_tick(uv_timer_t *timer)
{
    wz_event_hub_t *hub = timer->data;
    wz_worker_t *worker = hub->worker;
    uint64_t now_ms = uv_now(&worker->loop);
    int64_t now_s = (int64_t)time(NULL);
    uint64_t keepalive_ms = (uint64_t)worker->server->cfg->events.keepalive_s * 1000;
    for (stream_t *st = hub->streams, *next; st != NULL; st = next) {
        next = st->next;
        if (worker->stopping || st->who.expires <= now_s) {
            /* the console refreshes its token and reconnects */
            static const char expired[] = "event: expired\ndata: {}\n\n";
            if (!worker->stopping)
                append(st, expired, sizeof(expired) - 1);
            end_stream(st);
        } else if (!st->sending && st->pending_len == 0 && now_ms - st->last_write_ms >= keepalive_ms) {
            append(st, ": keepalive\n\n", 13);
            flush(st);
        }
    }
    if (hub->nstreams == 0 || hub->reading)
        return;
    wz_db_value_t p[] = {WZ_DB_INT(LOOKBACK_MS / 1000), WZ_DB_INT(READ_MAX)};
    hub->reading = 1; /* before the call: the answer may come back inside it */
    if (wz_db_run(worker->db, sql_recent, p, 2, on_recent, hub) != WZ_DB_OK) {
        hub->reading = 0;
        start_timer(hub); /* the pool is busy or down: try at the next poll */
    }
}

static void start_timer(wz_event_hub_t *hub)
{
    if (!hub->freeing)
        uv_timer_start(&hub->timer, on_tick, (uint64_t)hub->worker->server->cfg->events.poll_ms, 0);
}

/* ---- the hub ---- */

wz_event_hub_t *wz_event_hub_new(wz_worker_t *worker)
{
    wz_event_hub_t *hub = calloc(1, sizeof(*hub));
    if (hub == NULL)
        abort();
    hub->worker = worker;
    uv_timer_init(&worker->loop, &hub->timer);
    hub->timer.data = hub;
    return hub;
}

void wz_event_hub_end_streams(wz_event_hub_t *hub)
{
    if (hub == NULL)
        return;
    for (stream_t *st = hub->streams, *next; st != NULL; st = next) {
        next = st->next;
        end_stream(st);
    }
}

unsigned wz_event_hub_streams(const wz_event_hub_t *hub)
{
    return hub ? hub->nstreams : 0;
}

static void maybe_free(wz_event_hub_t *hub)
{
    if (hub->timer_closed && !hub->reading && hub->nstreams == 0) {
        wz_event_seen_free(&hub->seen);
        free(hub);
    }
}

static void on_timer_closed(uv_handle_t *h)
{
    wz_event_hub_t *hub = h->data;
    hub->timer_closed = 1;
    maybe_free(hub);
}

void wz_event_hub_free(wz_event_hub_t *hub)
{
    if (hub == NULL)
        return;
    wz_event_hub_end_streams(hub);
    /* streams still writing their end keep the hub until their requests are disposed of */
    hub->freeing = 1;
    uv_timer_stop(&hub->timer);
    uv_close((uv_handle_t *)&hub->timer, on_timer_closed);
}

/* ---- GET /api/v1/events/stream ---- */

void wz_handle_events_stream(wz_ctx_t *ctx)
{
    if (ctx->who.role == WZ_ROLE_CITIZEN) {
        wz_send_error(ctx, WZ_ERR_FORBIDDEN, "the event stream is for staff", NULL);
        return;
    }
    wz_event_hub_t *hub = ctx->worker->events;
    if (hub == NULL || hub->freeing || hub->nstreams >= (unsigned)ctx->server->cfg->events.max_streams) {
        wz_send_error(ctx, WZ_ERR_OVERLOADED, "too many event streams are open on this server", NULL);
        return;
    }
    h2o_req_t *req = ctx->req;
    stream_t *s = calloc(1, sizeof(*s));
    if (s == NULL)
        abort();
    s->gen.proceed = on_proceed;
    s->gen.stop = NULL; /* the pool guard below learns of the end */
    s->hub = hub;
    s->req = req;
    s->who = ctx->who;
    s->next = hub->streams;
    if (hub->streams)
        hub->streams->prev = s;
    hub->streams = s;
    if (hub->nstreams++ == 0 && !hub->reading)
        start_timer(hub);
    stream_t **guard = h2o_mem_alloc_shared(&req->pool, sizeof(*guard), on_dispose);
    *guard = s;

    req->res.status = 200;
    req->res.reason = "OK";
    h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE,
                   H2O_STRLIT("text/event-stream; charset=utf-8"), 1);
    h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, H2O_STRLIT("no-store"), 1);
    /* nginx and similar proxies would otherwise hold the events back */
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-accel-buffering"), 0, NULL, H2O_STRLIT("no"));
    h2o_start_response(req, &s->gen);
    /* the reconnection delay EventSource-style clients use, then the promise: reload, then follow */
    static const char hello[] = "retry: 3000\nevent: ready\ndata: {}\n\n";
    append(s, hello, sizeof(hello) - 1);
    flush(s);
}
