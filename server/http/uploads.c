/* Photos citizens attach to their questions.
 *
 *   POST /api/v1/uploads   multipart/form-data with a part named "file" (wx.uploadFile sends
 *                          that), or the image itself as the body (image/jpeg|png|webp)
 *   GET  /api/v1/uploads/{id}   the bytes, to whoever uploaded them and to the staff who may
 *                          see the ticket they are attached to (404 for everyone else)
 *
 * A file is what its bytes say (uploads/sniff.h), not what its name or header claim. It is
 * written under data_dir/uploads (never a served directory), named by its row's id, so no
 * client-chosen name ever reaches the file system. Order, so that a 201 means both are there:
 * the bytes to a temporary file and fsync (thread pool) -> the row (its id) -> rename to the id
 * and fsync the directory (thread pool) -> 201. A crash in between leaves a temporary file or a
 * row without a message; the sweeper removes unattached rows and files after a day. */
#include "http/server.h"
#include "common/log.h"
#include "http/stream_file.h"
#include "tickets/view.h"
#include "uploads/multipart.h"
#include "uploads/sniff.h"
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATH_MAX_ 1024

typedef struct {
    uv_work_t work;
    wz_ctx_t *ctx;
    unsigned char *bytes;
    size_t len;
    const char *content_type; /* static */
    char dir[PATH_MAX_], tmp[PATH_MAX_ + 32], final[PATH_MAX_ + 32];
    char sha256[65];
    int64_t id;
    int phase; /* 0: write the temporary file; 1: rename it to the id */
    int error; /* errno of the work */
} upload_job_t;

static void job_free(upload_job_t *j)
{
    free(j->bytes);
    wz_ctx_drop(j->ctx);
    free(j);
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

/* the thread pool: blocking file work only */
static void upload_work(uv_work_t *w)
{
    upload_job_t *j = w->data;
    j->error = 0;
    if (j->phase == 0) {
        unsigned char digest[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(digest, j->bytes, j->len);
        sodium_bin2hex(j->sha256, sizeof(j->sha256), digest, sizeof(digest));
        if (mkdir(j->dir, 0700) != 0 && errno != EEXIST) {
            j->error = errno;
            return;
        }
        int fd = open(j->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            j->error = errno;
            return;
        }
        size_t off = 0;
        while (off < j->len) {
            ssize_t n = write(fd, j->bytes + off, j->len - off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                j->error = n < 0 ? errno : EIO;
                break;
            }
            off += (size_t)n;
        }
        if (j->error == 0 && fsync(fd) != 0)
            j->error = errno;
        close(fd);
        if (j->error != 0)
            unlink(j->tmp);
    } else {
        if (rename(j->tmp, j->final) != 0 || fsync_dir(j->dir) != 0) {
            j->error = errno;
            unlink(j->tmp);
        }
    }
}

static void upload_done(uv_work_t *w, int status);

static void queue(upload_job_t *j)
{
    j->work.data = j;
    if (uv_queue_work(&j->ctx->worker->loop, &j->work, upload_work, upload_done) != 0) {
        if (!wz_ctx_gone(j->ctx))
            wz_send_error(j->ctx, WZ_ERR_INTERNAL, "the upload could not be stored", NULL);
        job_free(j);
    }
}

static void on_row(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    upload_job_t *j = data;
    if (err != NULL) {
        unlink(j->tmp); /* small and local: not worth a round trip through the pool */
        if (!wz_ctx_gone(j->ctx))
            wz_send_db_error(j->ctx, err);
        job_free(j);
        return;
    }
    j->id = (int64_t)res->insert_id;
    snprintf(j->final, sizeof(j->final), "%s/%lld", j->dir, (long long)j->id);
    j->phase = 1;
    queue(j);
}

static void upload_done(uv_work_t *w, int status)
{
    upload_job_t *j = w->data;
    wz_ctx_t *ctx = j->ctx;
    if (status != 0 || j->error != 0) {
        wz_error("upload: %s failed: %s", j->phase == 0 ? "writing" : "renaming",
                 status != 0 ? uv_strerror(status) : strerror(j->error));
        if (!wz_ctx_gone(ctx))
            wz_send_error(ctx, WZ_ERR_INTERNAL, "the upload could not be stored", NULL);
        job_free(j);
        return;
    }
    if (j->phase == 0) {
        /* the row even when the client has gone: its retry finds nothing to reuse, and the
         * sweeper removes what no message names */
        wz_db_value_t p[] = {WZ_DB_TEXT(wz_role_name(ctx->who.role)), WZ_DB_INT(ctx->who.id),
                             WZ_DB_TEXT(j->content_type), WZ_DB_INT((long long)j->len), WZ_DB_TEXT(j->sha256)};
        int ret =
            wz_db_run(ctx->worker->db,
                      "INSERT INTO uploads (owner_role, owner_id, content_type, size, sha256) VALUES (?, ?, ?, ?, ?)",
                      p, 5, on_row, j);
        if (ret != WZ_DB_OK) {
            wz_db_error_t e = {.code = ret};
            on_row(NULL, &e, j);
        }
        return;
    }
    if (!wz_ctx_gone(ctx)) {
        char id[24];
        snprintf(id, sizeof(id), "%lld", (long long)j->id);
        wz_send_json(ctx, 201,
                     json_pack("{s:{s:s, s:s, s:I}}", "upload", "id", id, "content_type", j->content_type, "size",
                               (json_int_t)j->len));
    }
    job_free(j);
}

static int has_prefix_ci(h2o_iovec_t v, const char *lit)
{
    size_t n = strlen(lit);
    return v.len >= n && strncasecmp(v.base, lit, n) == 0;
}

void wz_handle_upload_create(wz_ctx_t *ctx)
{
    h2o_req_t *req = ctx->req;
    h2o_iovec_t ct = wz_req_header(req, H2O_TOKEN_CONTENT_TYPE);
    const unsigned char *data = (const unsigned char *)req->entity.base;
    size_t len = req->entity.base ? req->entity.len : 0;
    if (has_prefix_ci(ct, "multipart/")) {
        char boundary[WZ_MULTIPART_BOUNDARY_MAX + 1];
        wz_multipart_part_t part;
        wz_multipart_status_t st = wz_multipart_boundary(ct.base, ct.len, boundary);
        if (st == WZ_MULTIPART_OK)
            st = wz_multipart_find(req->entity.base, len, boundary, "file", &part);
        if (st != WZ_MULTIPART_OK) {
            wz_send_error(ctx, st == WZ_MULTIPART_NOT_MULTIPART ? WZ_ERR_UNSUPPORTED_MEDIA_TYPE : WZ_ERR_BAD_REQUEST,
                          wz_multipart_strerror(st), st == WZ_MULTIPART_NO_FIELD ? "file" : NULL);
            return;
        }
        data = (const unsigned char *)part.data;
        len = part.len;
    } else if (!has_prefix_ci(ct, "image/")) {
        wz_send_error(ctx, WZ_ERR_UNSUPPORTED_MEDIA_TYPE,
                      "send the photo as multipart/form-data (a part named file) or as image/jpeg, image/png or "
                      "image/webp",
                      NULL);
        return;
    }
    if (len == 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "the file is empty", "file");
        return;
    }
    if (len > WZ_UPLOAD_FILE_MAX) {
        wz_send_error(ctx, WZ_ERR_BODY_TOO_LARGE, "a photo may be at most 5 MiB (5242880 bytes)", "file");
        return;
    }
    const char *type = wz_sniff_image(data, len);
    if (type == NULL) {
        wz_send_error(ctx, WZ_ERR_UNSUPPORTED_MEDIA_TYPE, "the file is not a JPEG, PNG or WebP image", "file");
        return;
    }
    upload_job_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        abort();
    /* a copy: the request's pool may go while the thread pool writes */
    j->bytes = malloc(len);
    if (j->bytes == NULL)
        abort();
    memcpy(j->bytes, data, len);
    j->len = len;
    j->content_type = type;
    j->ctx = ctx;
    snprintf(j->dir, sizeof(j->dir), "%s/uploads", ctx->server->cfg->data_dir);
    char rnd[17];
    unsigned char r[8];
    randombytes_buf(r, sizeof(r));
    sodium_bin2hex(rnd, sizeof(rnd), r, sizeof(r));
    snprintf(j->tmp, sizeof(j->tmp), "%s/tmp-%s", j->dir, rnd);
    wz_ctx_hold(ctx);
    queue(j);
}

/* ---- GET /api/v1/uploads/{id} ---- */

typedef struct {
    uv_fs_t fs;
    wz_ctx_t *ctx;
    char content_type[33];
    uint64_t size;
} read_job_t;

static void on_open(uv_fs_t *fs)
{
    read_job_t *j = fs->data;
    wz_ctx_t *ctx = j->ctx;
    int fd = (int)fs->result;
    uv_fs_req_cleanup(fs);
    if (fd < 0) {
        if (!wz_ctx_gone(ctx))
            wz_send_error(ctx, WZ_ERR_NOT_FOUND, "no such upload", NULL);
    } else if (wz_ctx_gone(ctx)) {
        wz_fs_close_async(&ctx->worker->loop, fd);
    } else {
        h2o_req_t *req = ctx->req;
        h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-content-type-options"), 0, NULL,
                              H2O_STRLIT("nosniff"));
        wz_send_file(ctx, fd, j->size, j->content_type, "inline");
    }
    wz_ctx_drop(ctx);
    free(j);
}

static const char sql_upload[] =
    "SELECT " WZ_TICKET_VIEW_COLUMNS ", up.owner_role, CAST(up.owner_id AS SIGNED), up.content_type, "
    "CAST(up.size AS SIGNED), CAST(COALESCE(up.ticket_id, 0) AS SIGNED) FROM uploads up "
    "LEFT JOIN tickets t ON t.id = up.ticket_id LEFT JOIN units u ON u.id = t.unit_id "
    "LEFT JOIN accounts a ON a.id = t.account_id LEFT JOIN units au ON au.id = a.unit_id WHERE up.id = ?";

static void on_upload_row(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    wz_ctx_t *ctx = data;
    if (wz_ctx_gone(ctx))
        goto done;
    if (err != NULL) {
        wz_send_db_error(ctx, err);
        goto done;
    }
    size_t n;
    int allowed = 0;
    if (res->nrows == 1) {
        const char *owner_role = wz_db_cell_text(res, 0, WZ_VIEW_NCOLS, &n);
        int64_t owner = wz_db_cell_int(res, 0, WZ_VIEW_NCOLS + 1);
        const char *role = wz_role_name(ctx->who.role);
        allowed = strlen(role) == n && memcmp(role, owner_role, n) == 0 && owner == ctx->who.id;
        /* attached: whoever may see the ticket may see its photos */
        if (!allowed && wz_db_cell_int(res, 0, WZ_VIEW_NCOLS + 4) > 0)
            allowed = wz_ticket_row_visible(&ctx->who, res, 0);
    }
    if (!allowed) {
        wz_send_error(ctx, WZ_ERR_NOT_FOUND, "no such upload", NULL);
        goto done;
    }
    read_job_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        abort();
    j->ctx = ctx;
    const char *type = wz_db_cell_text(res, 0, WZ_VIEW_NCOLS + 2, &n);
    snprintf(j->content_type, sizeof(j->content_type), "%.*s", (int)n, type);
    j->size = (uint64_t)wz_db_cell_int(res, 0, WZ_VIEW_NCOLS + 3);
    char path[PATH_MAX_ + 32];
    snprintf(path, sizeof(path), "%s/uploads/%lld", ctx->server->cfg->data_dir, (long long)wz_path_id(ctx, "id"));
    j->fs.data = j;
    if (uv_fs_open(&ctx->worker->loop, &j->fs, path, O_RDONLY | O_CLOEXEC, 0, on_open) != 0) {
        free(j);
        wz_send_error(ctx, WZ_ERR_INTERNAL, "the upload cannot be read", NULL);
        goto done;
    }
    return; /* on_open drops the hold */
done:
    wz_ctx_drop(ctx);
}

void wz_handle_upload_get(wz_ctx_t *ctx)
{
    int64_t id = wz_path_id(ctx, "id");
    if (id <= 0) {
        wz_send_error(ctx, WZ_ERR_NOT_FOUND, "no such upload", NULL);
        return;
    }
    wz_db_value_t p = WZ_DB_INT(id);
    wz_ctx_hold(ctx);
    int ret = wz_db_run(ctx->worker->db, sql_upload, &p, 1, on_upload_row, ctx);
    if (ret != WZ_DB_OK) {
        wz_db_error_t e = {.code = ret};
        on_upload_row(NULL, &e, ctx);
    }
}
