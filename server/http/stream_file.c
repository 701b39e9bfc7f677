/* A file sent in chunks through an h2o generator (http/stream_file.h). The stream outlives the
 * request while a read is in flight: the request's pool holds a guard that only marks the
 * stream orphaned; whichever comes last, the dispose or the read's callback, closes the file
 * (on the thread pool) and frees the stream. h2o keeps a chunk's buffer until it calls proceed,
 * so one buffer per stream suffices: the next read starts only from proceed. */
#include "http/stream_file.h"
#include "http/server.h"
#include "common/log.h"
#include <stdlib.h>
#include <string.h>

#define STREAM_CHUNK (64 * 1024)

typedef struct {
    h2o_generator_t gen; /* first: h2o hands it back to proceed */
    uv_fs_t fs;
    uv_loop_t *loop;
    h2o_req_t *req; /* NULL once h2o has disposed of the request */
    int fd;
    int reading;
    uint64_t size, offset;
    char buf[STREAM_CHUNK];
} stream_t;

static void on_closed(uv_fs_t *fs)
{
    uv_fs_req_cleanup(fs);
    free(fs);
}

void wz_fs_close_async(uv_loop_t *loop, int fd)
{
    if (fd < 0)
        return;
    uv_fs_t *fs = malloc(sizeof(*fs));
    if (fs == NULL || uv_fs_close(loop, fs, fd, on_closed) != 0) {
        /* no request could be queued: closing a local file descriptor here is the lesser harm */
        free(fs);
        uv_fs_t sync;
        uv_fs_close(NULL, &sync, fd, NULL);
        uv_fs_req_cleanup(&sync);
    }
}

static void stream_free(stream_t *s)
{
    wz_fs_close_async(s->loop, s->fd);
    free(s);
}

static void on_read(uv_fs_t *fs);

/* Starts the next read; on failure aborts the response. */
static void read_next(stream_t *s)
{
    uint64_t left = s->size - s->offset;
    uv_buf_t b = uv_buf_init(s->buf, (unsigned)(left < STREAM_CHUNK ? left : STREAM_CHUNK));
    s->fs.data = s;
    if (uv_fs_read(s->loop, &s->fs, s->fd, &b, 1, (int64_t)s->offset, on_read) != 0) {
        wz_error("export stream: a read could not be queued");
        h2o_send(s->req, NULL, 0, H2O_SEND_STATE_ERROR);
        return;
    }
    s->reading = 1;
}

static void on_read(uv_fs_t *fs)
{
    stream_t *s = fs->data;
    ssize_t n = fs->result;
    uv_fs_req_cleanup(fs);
    s->reading = 0;
    if (s->req == NULL) { /* the client went away while we read */
        stream_free(s);
        return;
    }
    if (n <= 0) { /* an error, or the file is shorter than it was: the body cannot be completed */
        wz_error("export stream: read failed at %llu of %llu: %s", (unsigned long long)s->offset,
                 (unsigned long long)s->size, n < 0 ? uv_strerror((int)n) : "end of file");
        h2o_send(s->req, NULL, 0, H2O_SEND_STATE_ERROR);
        return;
    }
    s->offset += (uint64_t)n;
    h2o_iovec_t v = h2o_iovec_init(s->buf, (size_t)n);
    /* last: h2o may dispose of the request (and so run the guard) inside h2o_send */
    h2o_send(s->req, &v, 1, s->offset >= s->size ? H2O_SEND_STATE_FINAL : H2O_SEND_STATE_IN_PROGRESS);
}

static void on_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
    (void)req;
    stream_t *s = (stream_t *)gen;
    if (s->req != NULL && !s->reading && s->offset < s->size)
        read_next(s);
}

static void on_dispose(void *p)
{
    stream_t *s = *(stream_t **)p;
    s->req = NULL;
    if (!s->reading)
        stream_free(s);
}

void wz_send_file(wz_ctx_t *ctx, int fd, uint64_t size, const char *content_type, const char *content_disposition)
{
    h2o_req_t *req = ctx->req;
    if (req == NULL) {
        wz_fs_close_async(&ctx->worker->loop, fd);
        return;
    }
    stream_t *s = malloc(sizeof(*s));
    if (s == NULL)
        abort(); /* out of memory aborts (design.md) */
    memset(s, 0, offsetof(stream_t, buf));
    s->gen.proceed = on_proceed;
    s->gen.stop = NULL; /* the pool guard below learns of an early end */
    s->loop = &ctx->worker->loop;
    s->req = req;
    s->fd = fd;
    s->size = size;
    stream_t **guard = h2o_mem_alloc_shared(&req->pool, sizeof(*guard), on_dispose);
    *guard = s;

    req->res.status = 200;
    req->res.reason = "OK";
    req->res.content_length = (size_t)size;
    h2o_iovec_t type = h2o_strdup(&req->pool, content_type, strlen(content_type));
    h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, type.base, type.len, 1);
    h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, H2O_STRLIT("no-store"), 1);
    if (content_disposition != NULL) { /* h2o keeps the pointer: the value must live in the request's pool */
        h2o_iovec_t v = h2o_strdup(&req->pool, content_disposition, strlen(content_disposition));
        h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_DISPOSITION, v.base, v.len, 1);
    }
    h2o_start_response(req, &s->gen);
    if (size == 0)
        h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
    else
        read_next(s);
}
