/* Answering a request with an export (stats/export.h): the file is written on the thread pool
 * (libxlsxwriter and stdio block on the file system; so does freeing a large document), into a
 * temp file made with mkstemp in the data directory (or /tmp), unlinked as soon as it is
 * written, so nothing is left behind whatever happens to the request; then streamed from its
 * descriptor by http/stream_file.c. A crash while writing can leave a "wz-export-*" file. */
#include "stats/export.h"
#include "common/log.h"
#include "http/server.h"
#include "http/stream_file.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DISPOSITION_MAX 1024

typedef struct {
    uv_work_t work;
    wz_ctx_t *ctx;
    json_t *doc;
    wz_export_format_t fmt;
    wz_export_layout_t layout;
    char sheet_name[128];
    char dir[PATH_MAX];
    char disposition[DISPOSITION_MAX];
    /* results */
    int fd;
    uint64_t size;
    int doc_error; /* the document was malformed (else a write failed) */
    char err[256];
} export_job_t;

static int make_temp(const char *dir, char *path, size_t pathlen)
{
    int n = snprintf(path, pathlen, "%s/wz-export-XXXXXX", dir);
    if (n < 0 || (size_t)n >= pathlen)
        return -1;
    return mkostemp(path, O_CLOEXEC);
}

/* On the thread pool. */
static void export_work(uv_work_t *w)
{
    export_job_t *j = w->data;
    char path[PATH_MAX + 32];
    const char *dir = j->dir;
    int fd = make_temp(dir, path, sizeof(path));
    if (fd < 0) {
        dir = "/tmp";
        fd = make_temp(dir, path, sizeof(path));
    }
    if (fd < 0) {
        snprintf(j->err, sizeof(j->err), "no temp file: %s", strerror(errno));
        goto out;
    }
    int rc;
    if (j->fmt == WZ_EXPORT_CSV) {
        int dupfd = dup(fd);
        FILE *f = dupfd >= 0 ? fdopen(dupfd, "wb") : NULL;
        if (f == NULL) {
            if (dupfd >= 0)
                close(dupfd);
            snprintf(j->err, sizeof(j->err), "cannot write the temp file: %s", strerror(errno));
            rc = -1;
        } else {
            rc = wz_export_write_csv(f, j->doc, &j->layout, j->err, sizeof(j->err));
            if (fclose(f) != 0 && rc == 0) {
                snprintf(j->err, sizeof(j->err), "writing the CSV failed: %s", strerror(errno));
                rc = -1;
            }
        }
    } else {
        /* libxlsxwriter opens the path itself: fopen("wb") truncates the same file (mode 0600) */
        rc = wz_export_write_xlsx(path, dir, j->doc, &j->layout, j->err, sizeof(j->err));
    }
    j->doc_error = rc == -2;
    unlink(path);
    struct stat st;
    if (rc == 0 && fstat(fd, &st) != 0) {
        snprintf(j->err, sizeof(j->err), "fstat: %s", strerror(errno));
        rc = -1;
    }
    if (rc != 0) {
        close(fd);
        goto out;
    }
    j->fd = fd;
    j->size = (uint64_t)st.st_size;
out:
    json_decref(j->doc); /* a large document is freed here, not on the loop */
    j->doc = NULL;
}

static void export_done(uv_work_t *w, int status)
{
    export_job_t *j = w->data;
    wz_ctx_t *ctx = j->ctx;
    if (status != 0 && j->doc != NULL) /* cancelled before it ran */
        json_decref(j->doc);
    if (status == 0 && j->fd >= 0) {
        wz_send_file(ctx, j->fd, j->size,
                     j->fmt == WZ_EXPORT_CSV ? "text/csv; charset=utf-8"
                                             : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     j->disposition);
    } else {
        wz_error("export: %s", status != 0 ? "cancelled" : j->err);
        if (j->doc_error) {
            char msg[300];
            snprintf(msg, sizeof(msg), "the statistics could not be exported: %s", j->err);
            wz_send_error(ctx, WZ_ERR_INTERNAL, msg, NULL);
        } else {
            wz_send_error(ctx, WZ_ERR_INTERNAL, "the export file could not be written", NULL);
        }
    }
    wz_ctx_drop(ctx);
    free(j);
}

void wz_export_send(wz_ctx_t *ctx, wz_export_format_t fmt, json_t *doc, const wz_export_layout_t *layout,
                    const char *filename)
{
    if (wz_ctx_gone(ctx)) {
        json_decref(doc);
        return;
    }
    json_t *rows = json_object_get(doc, "rows");
    if (json_is_array(rows) && json_array_size(rows) > WZ_EXPORT_MAX_ROWS) {
        json_decref(doc);
        wz_send_error(ctx, WZ_ERR_VALIDATION,
                      "the export would have more rows than a spreadsheet holds (1048575): narrow the period or "
                      "the grouping",
                      NULL);
        return;
    }
    export_job_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        abort();
    if (wz_export_content_disposition(filename, j->disposition, sizeof(j->disposition)) < 0) {
        wz_error("export: the file name is not usable");
        free(j);
        json_decref(doc);
        wz_send_error(ctx, WZ_ERR_INTERNAL, NULL, NULL);
        return;
    }
    j->ctx = ctx;
    j->doc = doc;
    j->fmt = fmt;
    j->layout = *layout;
    if (layout->sheet_name != NULL) {
        snprintf(j->sheet_name, sizeof(j->sheet_name), "%s", layout->sheet_name);
        j->layout.sheet_name = j->sheet_name;
    }
    snprintf(j->dir, sizeof(j->dir), "%s", ctx->server->cfg->data_dir);
    j->fd = -1;
    j->work.data = j;
    wz_ctx_hold(ctx);
    if (uv_queue_work(&ctx->worker->loop, &j->work, export_work, export_done) != 0) {
        json_decref(doc);
        free(j);
        wz_send_error(ctx, WZ_ERR_INTERNAL, NULL, NULL);
        wz_ctx_drop(ctx);
    }
}
