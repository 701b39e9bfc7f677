#include "net/http_client.h"
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

struct wz_http_client {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;
    struct request *running; /* every request in flight, to end them on close */
    int closing, pending_handles;
};

typedef struct request {
    wz_http_client_t *client;
    struct request *prev, *next;
    CURL *easy;
    wz_http_cb cb;
    void *data;
    char *body;
    size_t len, max;
    int too_large;
    struct curl_slist *headers; /* request headers (POST), freed with the request */
    char error[CURL_ERROR_SIZE];
} request_t;

/* one per socket curl asks us to watch */
typedef struct {
    uv_poll_t poll;
    curl_socket_t fd;
    wz_http_client_t *client;
} watch_t;

static void check_done(wz_http_client_t *c);

static void on_watch_closed(uv_handle_t *h)
{
    watch_t *w = h->data;
    wz_http_client_t *c = w->client;
    free(w);
    if (c->closing && --c->pending_handles == 0) {
        curl_multi_cleanup(c->multi);
        free(c);
    }
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    watch_t *w = p->data;
    int flags = 0;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    int running;
    curl_multi_socket_action(w->client->multi, w->fd, flags, &running);
    check_done(w->client);
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)easy;
    wz_http_client_t *c = userp;
    watch_t *w = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (w != NULL) {
            uv_poll_stop(&w->poll);
            if (c->closing)
                c->pending_handles++;
            uv_close((uv_handle_t *)&w->poll, on_watch_closed);
            curl_multi_assign(c->multi, fd, NULL);
        }
        return 0;
    }
    if (w == NULL) {
        w = calloc(1, sizeof(*w));
        if (w == NULL)
            return -1;
        w->fd = fd;
        w->client = c;
        if (uv_poll_init_socket(c->loop, &w->poll, fd) != 0) {
            free(w);
            return -1;
        }
        w->poll.data = w;
        curl_multi_assign(c->multi, fd, w);
    }
    int events = 0;
    if (what & CURL_POLL_IN)
        events |= UV_READABLE;
    if (what & CURL_POLL_OUT)
        events |= UV_WRITABLE;
    uv_poll_start(&w->poll, events, on_poll);
    return 0;
}

static void on_timeout(uv_timer_t *t)
{
    wz_http_client_t *c = t->data;
    int running;
    curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(c);
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    wz_http_client_t *c = userp;
    if (c->closing)
        return 0;
    if (timeout_ms < 0)
        uv_timer_stop(&c->timer);
    else /* 0 means "as soon as possible": from the loop, not from inside curl */
        uv_timer_start(&c->timer, on_timeout, (uint64_t)timeout_ms, 0);
    return 0;
}

static size_t on_data(char *p, size_t size, size_t n, void *userp)
{
    request_t *r = userp;
    size_t bytes = size * n;
    if (r->len + bytes > r->max) {
        r->too_large = 1;
        return 0; /* makes curl stop with CURLE_WRITE_ERROR */
    }
    char *grown = realloc(r->body, r->len + bytes + 1);
    if (grown == NULL)
        return 0;
    r->body = grown;
    memcpy(r->body + r->len, p, bytes);
    r->len += bytes;
    r->body[r->len] = '\0';
    return bytes;
}

static void finish(request_t *r, CURLcode code)
{
    wz_http_response_t res = {0};
    res.body = r->body ? r->body : "";
    res.len = r->len;
    if (code == CURLE_OK)
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &res.status);
    else
        res.error = r->too_large ? "the answer is too large" : r->error[0] ? r->error : curl_easy_strerror(code);
    if (r->prev)
        r->prev->next = r->next;
    else
        r->client->running = r->next;
    if (r->next)
        r->next->prev = r->prev;
    r->cb(&res, r->data);
    curl_multi_remove_handle(r->client->multi, r->easy);
    curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->headers);
    free(r->body);
    free(r);
}

static void check_done(wz_http_client_t *c)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        request_t *r = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        finish(r, m->data.result);
    }
}

static void on_timer_closed(uv_handle_t *h)
{
    wz_http_client_t *c = h->data;
    if (--c->pending_handles == 0) {
        curl_multi_cleanup(c->multi);
        free(c);
    }
}

wz_http_client_t *wz_http_client_new(uv_loop_t *loop)
{
    wz_http_client_t *c = calloc(1, sizeof(*c));
    if (c == NULL)
        abort();
    c->loop = loop;
    c->multi = curl_multi_init();
    if (c->multi == NULL)
        abort();
    uv_timer_init(loop, &c->timer);
    c->timer.data = c;
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    return c;
}

void wz_http_client_close(wz_http_client_t *c)
{
    c->closing = 1;
    c->pending_handles = 1; /* the timer */
    /* every request still running ends now, with an error, so no caller waits forever */
    while (c->running != NULL)
        finish(c->running, CURLE_ABORTED_BY_CALLBACK);
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, on_timer_closed);
}

/* A request set up with what every method shares; the caller adds its own options. */
static request_t *request_new(wz_http_client_t *c, const char *url, long timeout_ms, size_t max_body, wz_http_cb cb,
                              void *data)
{
    if (c == NULL || c->closing)
        return NULL;
    request_t *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->client = c;
    r->cb = cb;
    r->data = data;
    r->max = max_body;
    r->easy = curl_easy_init();
    if (r->easy == NULL) {
        free(r);
        return NULL;
    }
    CURL *e = r->easy;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->error);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "wenzheng");
    return r;
}

static void request_discard(request_t *r)
{
    curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->headers);
    free(r);
}

static int request_start(request_t *r)
{
    wz_http_client_t *c = r->client;
    if (curl_multi_add_handle(c->multi, r->easy) != CURLM_OK) {
        request_discard(r);
        return -1;
    }
    r->next = c->running;
    if (r->next)
        r->next->prev = r;
    c->running = r;
    return 0;
}

int wz_http_get(wz_http_client_t *c, const char *url, long timeout_ms, size_t max_body, wz_http_cb cb, void *data)
{
    request_t *r = request_new(c, url, timeout_ms, max_body, cb, data);
    return r == NULL ? -1 : request_start(r);
}

static int add_header(request_t *r, const char *line)
{
    struct curl_slist *l = curl_slist_append(r->headers, line);
    if (l == NULL)
        return -1;
    r->headers = l;
    return 0;
}

int wz_http_post(wz_http_client_t *c, const char *url, const char *content_type, const void *body, size_t len,
                 const char *const *headers, long timeout_ms, size_t max_body, wz_http_cb cb, void *data)
{
    if (content_type == NULL || strchr(content_type, '\r') || strchr(content_type, '\n'))
        return -1;
    request_t *r = request_new(c, url, timeout_ms, max_body, cb, data);
    if (r == NULL)
        return -1;
    CURL *e = r->easy;
    size_t n = strlen(content_type) + sizeof("Content-Type: ");
    char *ct = malloc(n);
    if (ct == NULL)
        abort();
    snprintf(ct, n, "Content-Type: %s", content_type);
    /* no "Expect: 100-continue" round trip: bodies here are small */
    int bad = add_header(r, ct) != 0 || add_header(r, "Expect:") != 0;
    free(ct);
    for (size_t i = 0; headers != NULL && headers[i] != NULL && !bad; i++)
        bad = strchr(headers[i], ':') == NULL || strchr(headers[i], '\r') || strchr(headers[i], '\n') ||
              add_header(r, headers[i]) != 0;
    if (bad) {
        request_discard(r);
        return -1;
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, len ? (const char *)body : ""); /* curl keeps its own copy */
    return request_start(r);
}

char *wz_http_escape(const char *s)
{
    char *esc = curl_easy_escape(NULL, s, 0);
    char *out = esc ? strdup(esc) : NULL;
    curl_free(esc);
    if (out == NULL)
        abort();
    return out;
}
