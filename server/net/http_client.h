#ifndef WZ_NET_HTTP_CLIENT_H
#define WZ_NET_HTTP_CLIENT_H
/* Outbound HTTP for one event loop: libcurl's multi interface driven by libuv (sockets polled
 * with uv_poll, curl's timer on a uv_timer), so a slow platform API never blocks the loop and
 * never holds a thread. Name resolution runs in curl's own resolver thread. Used from the
 * loop's thread only. */
#include <stddef.h>
#include <uv.h>

typedef struct wz_http_client wz_http_client_t;

typedef struct wz_http_response {
    long status;      /* the HTTP status, 0 when there was no answer */
    const char *body; /* NUL-terminated; valid during the callback */
    size_t len;
    const char *error; /* NULL, or why there is no usable answer (timeout, refused, too large) */
} wz_http_response_t;

typedef void (*wz_http_cb)(const wz_http_response_t *res, void *data);

/** A client on loop (curl_global_init must have run). */
wz_http_client_t *wz_http_client_new(uv_loop_t *loop);
/** Ends every request in flight (their callbacks get an error) and frees the client once its
 * handles are closed. */
void wz_http_client_close(wz_http_client_t *c);
/** GETs url within timeout_ms, reading at most max_body bytes; cb runs exactly once, on the loop
 * (never before this returns). Returns 0, or -1 (nothing will be called). */
int wz_http_get(wz_http_client_t *c, const char *url, long timeout_ms, size_t max_body, wz_http_cb cb, void *data);
/** POSTs len bytes of body with the content type and extra header lines ("Name: value",
 * NULL-terminated list, or NULL), with the same guarantees as wz_http_get: one callback, on the
 * loop, within timeout_ms. The body and headers are copied. Redirects are not followed. Returns
 * 0, or -1 (nothing will be called; also for a header with CR/LF or without a colon). */
int wz_http_post(wz_http_client_t *c, const char *url, const char *content_type, const void *body, size_t len,
                 const char *const *headers, long timeout_ms, size_t max_body, wz_http_cb cb, void *data);
/** Escapes a query-string value (malloc'd). */
char *wz_http_escape(const char *s);

#endif
