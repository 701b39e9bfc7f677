/* /api/v1/users: the accounts of staff roles, and their roles (role grants are a PATCH of
 * role and unit_id). Admins only, reads included.
 *
 * A password is given in clear on create (required) or PATCH, checked (wz_password_weak: at
 * least 10 characters, not containing the username), hashed with argon2id on libuv's thread
 * pool before the transaction starts, and never returned. Every role but admin belongs to a
 * unit. Disabling a user or setting a new password ends their sessions (every refresh-token
 * family); their access tokens run out within auth.access_ttl_s. An admin cannot disable
 * themselves or give up their own admin role, so the last admin cannot lock everyone out by
 * mistake. Users are never deleted (events and replies name them): disable instead. */
#include "admin/resources.h"
#include "auth/password.h"
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static const char *const roles[] = {"staff", "reviewer", "dispatcher", "supervisor", "evaluator", "admin", NULL};

static const wz_col_t cols[] = {
    {.name = "id", .kind = WZ_COL_ID, .flags = WZ_COL_READONLY},
    {.name = "username", .kind = WZ_COL_TEXT, .flags = WZ_COL_REQUIRED | WZ_COL_FIXED, .min = 3, .max = 64},
    {.name = "display_name", .kind = WZ_COL_TEXT, .min = 0, .max = 100, .dflt_text = ""},
    {.name = "role", .kind = WZ_COL_ENUM, .flags = WZ_COL_REQUIRED, .choices = roles},
    {.name = "unit_id", .kind = WZ_COL_ID, .flags = WZ_COL_NULLABLE},
    {.name = "unit_name",
     .kind = WZ_COL_TEXT,
     .flags = WZ_COL_READONLY,
     .expr = "(SELECT n.name FROM units n WHERE n.id = users.unit_id)"},
    {.name = "disabled", .kind = WZ_COL_BOOL, .dflt_int = 0},
    {.name = "password_hash", .kind = WZ_COL_TEXT, .flags = WZ_COL_INTERNAL},
    {.name = "created_at", .kind = WZ_COL_TIME, .flags = WZ_COL_READONLY},
    {.name = "updated_at", .kind = WZ_COL_TIME, .flags = WZ_COL_READONLY},
};

enum { COL_USERNAME = 1, COL_ROLE = 3, COL_UNIT = 4, COL_DISABLED = 6 };

static wz_table_t table = {
    .table = "users",
    .one = "user",
    .what = "user",
    .cols = cols,
    .ncols = sizeof(cols) / sizeof(cols[0]),
    .order_by = "id",
    .dup_field = "username",
    .fk_field = "unit_id",
};

static const char sql_revoke_tokens[] = "UPDATE users SET sessions_revoked_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char sql_end_sessions[] = "UPDATE refresh_tokens SET revoked_at = UTC_TIMESTAMP(6) "
                                       "WHERE subject_kind = 'user' AND subject_id = ? AND revoked_at IS NULL";

/* the password on its way to a hash; wiped with the job */
typedef struct {
    uv_work_t work;
    wz_admin_job_t *job;
    void (*done)(wz_admin_job_t *job, int ok);
    char *password;
    char hash[WZ_PASSWORD_HASH_MAX];
    int ok;
} secret_t;

static void secret_free(void *data)
{
    secret_t *s = data;
    if (s->password != NULL) {
        sodium_memzero(s->password, strlen(s->password));
        free(s->password);
    }
    sodium_memzero(s->hash, sizeof(s->hash));
    free(s);
}

static int username_ok(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
              *s == '.' || *s == '-' || *s == '@'))
            return 0;
    return 1;
}

static int parse(wz_admin_job_t *job, const json_t *body, wz_record_error_t *e)
{
    if (!json_is_object(body)) {
        e->field = NULL;
        snprintf(e->message, sizeof(e->message), "the body must be a JSON object");
        return -1;
    }
    /* the password is not a column: take it out, check the rest as the table says */
    json_t *rest = json_copy((json_t *)body);
    json_t *pw = json_object_get(body, "password");
    json_object_del(rest, "password");
    int r = wz_record_parse(&table, rest, job->creating, job->ctx->server->seal_key, &job->rec, e);
    json_decref(rest); /* the record's texts point into body, which rest only shared */
    if (r != 0)
        return -1;
    const char *username = json_string_value(json_object_get(body, "username"));
    if (username != NULL && !username_ok(username)) {
        e->field = "username";
        snprintf(e->message, sizeof(e->message), "username may have only letters, digits and _ . - @");
        return -1;
    }
    if (pw == NULL && job->creating) {
        e->field = "password";
        snprintf(e->message, sizeof(e->message), "password is required");
        return -1;
    }
    if (pw == NULL)
        return 0;
    const char *why =
        json_is_string(pw) ? wz_password_weak(json_string_value(pw), username) : "password must be a string";
    if (why != NULL) {
        e->field = "password";
        snprintf(e->message, sizeof(e->message), "%s", why);
        return -1;
    }
    secret_t *s = calloc(1, sizeof(*s));
    if (s == NULL || (s->password = strdup(json_string_value(pw))) == NULL)
        abort();
    job->data = s;
    job->free_data = secret_free;
    return 0;
}

static void hash_work(uv_work_t *w)
{
    secret_t *s = w->data;
    s->ok = wz_password_hash(s->password, s->hash) == 0;
}

static void hash_done(uv_work_t *w, int status)
{
    secret_t *s = w->data;
    if (status == 0 && s->ok)
        wz_record_set(&table, &s->job->rec, "password_hash", WZ_DB_TEXT(s->hash));
    s->done(s->job, status == 0 && s->ok);
}

static void prepare(wz_admin_job_t *job, void (*done)(wz_admin_job_t *job, int ok))
{
    secret_t *s = job->data;
    if (s == NULL) { /* no new password */
        done(job, 1);
        return;
    }
    s->job = job;
    s->done = done;
    s->work.data = s;
    if (uv_queue_work(&job->ctx->worker->loop, &s->work, hash_work, hash_done) != 0)
        done(job, 0);
}

static const char *merged_text(const wz_admin_job_t *job, int col)
{
    if (job->rec.present[col])
        return job->rec.v[col].type == WZ_DB_T_TEXT ? job->rec.v[col].u.s.p : NULL;
    return json_string_value(wz_admin_before(job, cols[col].name));
}

static void check(wz_db_txn_t *txn, wz_admin_job_t *job)
{
    const char *role = merged_text(job, COL_ROLE);
    int has_unit = job->rec.present[COL_UNIT] ? job->rec.v[COL_UNIT].type == WZ_DB_T_INT
                                              : json_is_string(wz_admin_before(job, "unit_id"));
    if (role != NULL && strcmp(role, "admin") != 0 && !has_unit) {
        wz_admin_refuse(txn, job, WZ_ERR_VALIDATION, "unit_id", "a %s belongs to a unit: unit_id is required", role);
        return;
    }
    int self = !job->creating && job->id == job->ctx->who.id;
    int demoted = job->rec.present[COL_ROLE] && strcmp(role, "admin") != 0;
    int disabled = job->rec.present[COL_DISABLED] && job->rec.v[COL_DISABLED].u.i != 0;
    if (self && (demoted || disabled)) {
        wz_admin_refuse(txn, job, WZ_ERR_VALIDATION, demoted ? "role" : "disabled",
                        "an administrator cannot %s themselves", demoted ? "demote" : "disable");
        return;
    }
    secret_t *s = job->data;
    const char *username = merged_text(job, COL_USERNAME);
    if (s != NULL && !job->creating && wz_password_weak(s->password, username) != NULL) {
        wz_admin_refuse(txn, job, WZ_ERR_VALIDATION, "password", "password must not contain the username");
        return;
    }
    wz_admin_next(txn, job);
}

/* this server refuses the user's access tokens before it answers; others within
 * auth.revocation_refresh_ms */
static void revocations_reloaded(void *data)
{
    wz_admin_reply(data);
}

static void reload_revocations(wz_admin_job_t *job)
{
    wz_ctx_t *ctx = job->ctx;
    if (wz_revocations_reload(ctx->worker->db, &ctx->server->revocations, ctx->server->cfg->auth.access_ttl_s,
                              revocations_reloaded, job) != WZ_DB_OK)
        wz_admin_reply(job);
}

static void tokens_revoked(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    wz_admin_next(txn, wz_db_txn_data(txn));
}

static void sessions_ended(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    wz_admin_job_t *job = wz_db_txn_data(txn);
    if (err != NULL) {
        wz_db_txn_fail(txn, err);
        return;
    }
    wz_db_value_t p = WZ_DB_INT(job->id);
    wz_db_txn_exec(txn, sql_revoke_tokens, &p, 1, tokens_revoked);
}

/* a disabled user or a new password ends every session of the user: the refresh-token families
 * now, the access tokens through the revocation list */
static void after(wz_db_txn_t *txn, wz_admin_job_t *job)
{
    int disabled = job->rec.present[COL_DISABLED] && job->rec.v[COL_DISABLED].u.i != 0;
    if (job->creating || (!disabled && job->data == NULL)) {
        wz_admin_next(txn, job);
        return;
    }
    job->after_commit = reload_revocations;
    wz_db_value_t p = WZ_DB_INT(job->id);
    wz_db_txn_exec(txn, sql_end_sessions, &p, 1, sessions_ended);
}

static char *list_sql;

/* ?role=&unit_id= */
static int list_params(wz_ctx_t *ctx, wz_db_value_t *p, size_t *n, char *buf, size_t buflen)
{
    char unit[24];
    int r = wz_req_query(ctx, "role", buf, buflen);
    int u = wz_req_query(ctx, "unit_id", unit, sizeof(unit));
    int64_t unit_id = u == 1 ? wz_parse_id(unit, strlen(unit)) : 0;
    if (u < 0 || unit_id < 0) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "unit_id must be an id", "unit_id");
        return -1;
    }
    if (r != 1)
        buf[0] = '\0';
    int known = r != 1;
    for (const char *const *c = roles; !known && *c != NULL; c++)
        known = strcmp(*c, buf) == 0;
    if (r < 0 || !known) {
        wz_send_error(ctx, WZ_ERR_VALIDATION, "role is not a staff role", "role");
        return -1;
    }
    p[0] = p[1] = WZ_DB_TEXT(buf);
    p[2] = p[3] = WZ_DB_INT(unit_id);
    *n = 4;
    return 0;
}

static wz_admin_ops_t ops = {
    .table = &table,
    .read_roles = 0, /* admins only */
    .parse = parse,
    .prepare = prepare,
    .check = check,
    .after = after,
    .list_params = list_params,
};

const wz_table_t *wz_admin_users_init(void)
{
    wz_table_build(&table);
    char sql[2048];
    int w = snprintf(sql, sizeof(sql), "%s WHERE (? = '' OR role = ?) AND (? = 0 OR unit_id = ?) ORDER BY id",
                     table.sql_select);
    if (w < 0 || (size_t)w >= sizeof(sql) || (list_sql = strdup(sql)) == NULL)
        abort();
    ops.list_sql = list_sql;
    return &table;
}

void wz_handle_users_list(wz_ctx_t *ctx)
{
    wz_admin_list(ctx, &ops);
}
void wz_handle_user_get(wz_ctx_t *ctx)
{
    wz_admin_get(ctx, &ops);
}
void wz_handle_user_create(wz_ctx_t *ctx)
{
    wz_admin_create(ctx, &ops);
}
void wz_handle_user_update(wz_ctx_t *ctx)
{
    wz_admin_update(ctx, &ops);
}
