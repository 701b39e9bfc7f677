#ifndef WZ_HTTP_STREAM_FILE_H
#define WZ_HTTP_STREAM_FILE_H
/* Streaming a file to the client: an h2o generator whose proceed callback reads the next chunk
 * with uv_fs_read (the loop's thread pool), so neither the file nor its reads ever block the
 * event loop, and at most one chunk is in memory per download. */
#include <stdint.h>
#include <uv.h>

typedef struct wz_ctx wz_ctx_t;

/** Answers 200 with the first size bytes of fd (an open, typically already unlinked, regular
 * file; its ownership passes here: it is closed once the request is disposed of, the client
 * gone mid-download included, or at once when the request is already gone). Sets
 * Content-Type, Content-Length and, when not NULL, Content-Disposition. A read error after the
 * first byte aborts the response (the client sees a short body). */
void wz_send_file(wz_ctx_t *ctx, int fd, uint64_t size, const char *content_type, const char *content_disposition);

/** Closes fd on the loop's thread pool (close may wait on the file system). */
void wz_fs_close_async(uv_loop_t *loop, int fd);

#endif
