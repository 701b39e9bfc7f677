#ifndef WZ_HTTP_EVENT_STREAM_H
#define WZ_HTTP_EVENT_STREAM_H
/* Live updates for the console: GET /api/v1/events/stream answers text/event-stream and stays
 * open. Each event loop has one hub; while it serves at least one stream, the hub reads the
 * ticket events committed lately (one statement per poll, whatever the number of streams) and
 * writes each to the streams whose caller may see its ticket.
 *
 * The database is the only bus: a change made through another server of the cluster reaches
 * the streams of every server, and nothing is kept in memory that a crash could lose. A stream
 * promises "reload, then follow": it starts with `event: ready`, after which every event in
 * scope follows; whenever it cannot keep that promise (the client reads too slowly, a burst
 * larger than one poll reads) it says `event: resync` and the client reloads its view. */
#include <stddef.h>
#include <stdint.h>

typedef struct wz_event_hub wz_event_hub_t;
typedef struct wz_worker wz_worker_t;
typedef struct wz_ctx wz_ctx_t;

/** The hub of a worker's loop (its timer starts with the first stream). */
wz_event_hub_t *wz_event_hub_new(wz_worker_t *worker);
/** Ends every stream (the server is stopping: a stream must not hold the shutdown up). */
void wz_event_hub_end_streams(wz_event_hub_t *hub);
/** Ends the streams and frees the hub once its timer is closed and no read is in flight. */
void wz_event_hub_free(wz_event_hub_t *hub);
/** Streams open on this hub (for /metrics). */
unsigned wz_event_hub_streams(const wz_event_hub_t *hub);

/** GET /api/v1/events/stream */
void wz_handle_events_stream(wz_ctx_t *ctx);

/* ---- pure parts, unit-tested ---- */

/** The delivered-event memory that makes the hub's overlapping reads deliver each event once:
 * event ids with their creation time (ms), oldest forgotten past the window. */
typedef struct wz_event_seen {
    struct {
        uint64_t id;
        int64_t created_ms;
    } * v;
    size_t n, cap;
    int64_t newest_ms;
} wz_event_seen_t;

/** 1 if id was not seen before (and is now), 0 if it was. */
int wz_event_seen_add(wz_event_seen_t *s, uint64_t id, int64_t created_ms);
/** Forgets ids created more than window_ms before the newest one seen. */
void wz_event_seen_prune(wz_event_seen_t *s, int64_t window_ms);
void wz_event_seen_free(wz_event_seen_t *s);

/** Formats one SSE event ("id: ..\nevent: ..\ndata: ..\n\n") into buf; its length, or 0 when
 * it does not fit. data must be one line (JSON as jansson writes it compactly). */
size_t wz_sse_format(char *buf, size_t cap, uint64_t id, const char *event, const char *data);

#endif
