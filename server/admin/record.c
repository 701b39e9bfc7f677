#include "admin/record.h"
#include "common/log.h"
#include "common/seal.h"
#include "http/server.h" /* wz_parse_id */
#include "tickets/plan.h"
#include "tickets/view.h"
#include "common/timefmt.h"
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECRET_MAX_KEYS 16
#define SECRET_KEY_MAX 32
#define SECRET_VALUE_MAX 512
#define SECRET_BOX_MAX 1024 /* accounts.secret_box */

static const char *col_sql(const wz_col_t *c)
{
    return c->column ? c->column : c->name;
}

/* whether a column appears in the select list / in the insert / in the update */
static int is_read(const wz_col_t *c)
{
    return !(c->flags & WZ_COL_INTERNAL);
}
static int is_inserted(const wz_col_t *c)
{
    return !(c->flags & (WZ_COL_READONLY | WZ_COL_VIRTUAL));
}
static int is_updated(const wz_col_t *c)
{
    return is_inserted(c) && !(c->flags & WZ_COL_FIXED);
}

/* a growing string for building SQL once at start-up */
typedef struct {
    char *p;
    size_t len, cap;
} sbuf_t;

static void sb_add(sbuf_t *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (b->p == NULL)
            abort();
    }
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}

static void sb_addf(sbuf_t *b, const char *fmt, const char *a, const char *c)
{
    char tmp[512];
    int n = snprintf(tmp, sizeof(tmp), fmt, a, c);
    if (n < 0 || (size_t)n >= sizeof(tmp))
        abort();
    sb_add(b, tmp);
}

static char *sb_with(const char *base, const char *tail)
{
    sbuf_t b = {0};
    sb_add(&b, base);
    sb_add(&b, tail);
    return b.p;
}

void wz_table_build(wz_table_t *t)
{
    if (t->ncols > WZ_RECORD_MAX_COLS || t->ncols == 0 || t->cols[0].kind != WZ_COL_ID) {
        wz_error("admin table %s: bad description", t->table);
        abort();
    }
    sbuf_t sel = {0}, ins = {0}, vals = {0}, upd = {0};
    sb_add(&sel, "SELECT ");
    sb_addf(&ins, "INSERT INTO %s (", t->table, "");
    sb_addf(&upd, "UPDATE %s SET ", t->table, "");
    int first_sel = 1, first_ins = 1, first_upd = 1;
    t->ninsert = t->nupdate = 0;
    for (size_t i = 0; i < t->ncols; i++) {
        const wz_col_t *c = &t->cols[i];
        const char *col = col_sql(c);
        if (is_read(c)) {
            if (!first_sel)
                sb_add(&sel, ", ");
            first_sel = 0;
            if (c->expr != NULL)
                sb_add(&sel, c->expr);
            else if (c->kind == WZ_COL_ID)
                sb_addf(&sel, "CAST(COALESCE(%s, 0) AS SIGNED)", col, "");
            else if (c->kind == WZ_COL_RATIO)
                sb_addf(&sel, "CAST(%s * 1000 AS SIGNED)", col, "");
            else if (c->kind == WZ_COL_TIME)
                sb_addf(&sel, "CAST(UNIX_TIMESTAMP(%s) AS SIGNED)", col, "");
            else if (c->kind == WZ_COL_SECRET)
                sb_addf(&sel, "%s IS NOT NULL", col, "");
            else
                sb_add(&sel, col);
        }
        if (i > 0 && is_inserted(c)) {
            sb_addf(&ins, first_ins ? "%s" : ", %s", col, "");
            /* times travel as Unix seconds */
            if (c->kind == WZ_COL_TIME)
                sb_add(&vals, first_ins ? "FROM_UNIXTIME(?)" : ", FROM_UNIXTIME(?)");
            else
                sb_add(&vals, first_ins ? "?" : ", ?");
            first_ins = 0;
            t->ninsert++;
        }
        if (i > 0 && is_updated(c)) {
            if (c->kind == WZ_COL_TIME)
                sb_addf(&upd, first_upd ? "%s = IF(?, FROM_UNIXTIME(?), %s)" : ", %s = IF(?, FROM_UNIXTIME(?), %s)",
                        col, col);
            else
                sb_addf(&upd, first_upd ? "%s = IF(?, ?, %s)" : ", %s = IF(?, ?, %s)", col, col);
            first_upd = 0;
            t->nupdate += 2;
        }
    }
    sb_addf(&sel, " FROM %s", t->table, "");
    sb_add(&ins, ") VALUES (");
    sb_add(&ins, vals.p ? vals.p : "");
    sb_add(&ins, ")");
    sb_add(&upd, " WHERE id = ?");
    t->nupdate++;
    free(vals.p);
    t->sql_select = sel.p;
    t->sql_get = sb_with(sel.p, " WHERE id = ?");
    t->sql_lock = sb_with(sel.p, " WHERE id = ? FOR UPDATE");
    sbuf_t list = {0};
    sb_add(&list, sel.p);
    sb_add(&list, " ORDER BY ");
    sb_add(&list, t->order_by ? t->order_by : "id");
    t->sql_list = list.p;
    t->sql_insert = ins.p;
    t->sql_update = first_upd ? NULL : upd.p; /* a table with nothing to update has no update */
    if (first_upd)
        free(upd.p);
    sbuf_t del = {0};
    sb_addf(&del, "DELETE FROM %s WHERE id = ?", t->table, "");
    t->sql_delete = del.p;
}

int wz_table_col(const wz_table_t *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* ---- checking a body ---- */

static int fail(wz_record_error_t *e, const char *field, const char *fmt, const char *arg)
{
    e->field = NULL;
    if (field != NULL) {
        snprintf(e->field_buf, sizeof(e->field_buf), "%s", field);
        e->field = e->field_buf;
    }
    snprintf(e->message, sizeof(e->message), fmt, arg);
    return -1;
}

static int secret_key_ok(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > SECRET_KEY_MAX || k[0] < 'a' || k[0] > 'z')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
            return 0;
    return 1;
}

static int parse_secret(const wz_col_t *c, const json_t *v, const uint8_t key[32], wz_record_t *rec, size_t i,
                        wz_record_error_t *e)
{
    if (!json_is_object(v) || json_object_size(v) == 0 || json_object_size(v) > SECRET_MAX_KEYS)
        return fail(e, c->name, "%s must be an object of 1 to 16 named strings", c->name);
    const char *k;
    json_t *s;
    json_object_foreach((json_t *)v, k, s)
    {
        if (!secret_key_ok(k))
            return fail(e, c->name, "%s: names are a-z, 0-9 and _, starting with a letter, at most 32", c->name);
        if (!json_is_string(s) || json_string_length(s) == 0 || json_string_length(s) > SECRET_VALUE_MAX)
            return fail(e, c->name, "%s: each value is a string of 1 to 512 bytes", c->name);
    }
    char *plain = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    if (plain == NULL)
        abort();
    size_t n = strlen(plain);
    if (n + WZ_SEAL_OVERHEAD > SECRET_BOX_MAX) {
        free(plain);
        return fail(e, c->name, "%s are too long together", c->name);
    }
    free(rec->sealed);
    rec->sealed = malloc(n + WZ_SEAL_OVERHEAD);
    if (rec->sealed == NULL)
        abort();
    wz_seal(key, plain, n, rec->sealed);
    memset(plain, 0, n); /* the secret leaves memory with the request */
    free(plain);
    rec->v[i] = WZ_DB_BLOB(rec->sealed, n + WZ_SEAL_OVERHEAD);
    return 0;
}

static int parse_value(const wz_col_t *c, const json_t *v, const uint8_t key[32], wz_record_t *rec, size_t i,
                       wz_record_error_t *e)
{
    if (json_is_null(v)) {
        if (!(c->flags & WZ_COL_NULLABLE) && c->kind != WZ_COL_SECRET)
            return fail(e, c->name, "%s must not be null", c->name);
        rec->v[i] = WZ_DB_NULL();
        return 0;
    }
    switch (c->kind) {
    case WZ_COL_ID: {
        int64_t id = -1;
        if (json_is_integer(v))
            id = json_integer_value(v) > 0 ? json_integer_value(v) : -1;
        else if (json_is_string(v))
            id = wz_parse_id(json_string_value(v), json_string_length(v));
        if (id <= 0)
            return fail(e, c->name, "%s must be an id", c->name);
        rec->v[i] = WZ_DB_INT(id);
        return 0;
    }
    case WZ_COL_INT: {
        if (!json_is_integer(v) || json_integer_value(v) < c->min || json_integer_value(v) > c->max) {
            char msg[120];
            snprintf(msg, sizeof(msg), "%s must be an integer from %lld to %lld", c->name, c->min, c->max);
            return fail(e, c->name, "%s", msg);
        }
        rec->v[i] = WZ_DB_INT(json_integer_value(v));
        return 0;
    }
    case WZ_COL_BOOL:
        if (!json_is_boolean(v))
            return fail(e, c->name, "%s must be true or false", c->name);
        rec->v[i] = WZ_DB_INT(json_is_true(v) ? 1 : 0);
        return 0;
    case WZ_COL_TEXT: {
        if (!json_is_string(v))
            return fail(e, c->name, "%s must be a string", c->name);
        const char *s = json_string_value(v);
        size_t len = json_string_length(v);
        long chars = wz_utf8_chars(s, len);
        int blank = strspn(s, " \t") == len;
        for (size_t k = 0; k < len; k++)
            if ((unsigned char)s[k] < 0x20)
                return fail(e, c->name, "%s must be one line without control characters", c->name);
        if (chars < c->min || chars > c->max || (c->min > 0 && blank)) {
            char msg[120];
            snprintf(msg, sizeof(msg), "%s must have %lld to %lld characters", c->name, c->min, c->max);
            return fail(e, c->name, "%s", msg);
        }
        rec->v[i] = WZ_DB_TEXTN(s, len);
        return 0;
    }
    case WZ_COL_ENUM:
        if (json_is_string(v))
            for (size_t k = 0; c->choices[k] != NULL; k++)
                if (strcmp(c->choices[k], json_string_value(v)) == 0) {
                    rec->v[i] = WZ_DB_TEXT(c->choices[k]);
                    return 0;
                }
        {
            char msg[200] = "";
            size_t off = 0;
            for (size_t k = 0; c->choices[k] != NULL && off < sizeof(msg); k++) {
                int n = snprintf(msg + off, sizeof(msg) - off, "%s%s", k ? ", " : "", c->choices[k]);
                if (n < 0)
                    break;
                off += (size_t)n;
            }
            e->field = c->name;
            snprintf(e->message, sizeof(e->message), "%s must be one of: %.150s", c->name, msg);
            return -1;
        }
    case WZ_COL_RATIO: {
        double d = json_is_number(v) ? json_number_value(v) : -1;
        if (!(d > 0.0 && d < 1.0))
            return fail(e, c->name, "%s must be a number between 0 and 1", c->name);
        rec->v[i] = WZ_DB_DOUBLE(d);
        return 0;
    }
    case WZ_COL_SECRET:
        return parse_secret(c, v, key, rec, i, e);
    case WZ_COL_TIME: {
        /* an RFC 3339 instant, not in the future (5 minutes of clock skew allowed) */
        int64_t at;
        if (!json_is_string(v) || wz_time_parse(json_string_value(v), json_string_length(v), &at) != 0 ||
            at > (int64_t)time(NULL) + 300 || at < 0)
            return fail(e, c->name, "%s must be an RFC 3339 time, not in the future", c->name);
        rec->v[i] = WZ_DB_INT(at);
        return 0;
    }
    }
    return fail(e, c->name, "%s is read-only", c->name);
}

int wz_record_parse(const wz_table_t *t, const json_t *body, int creating, const uint8_t key[32], wz_record_t *rec,
                    wz_record_error_t *e)
{
    memset(rec, 0, sizeof(*rec));
    if (!json_is_object(body))
        return fail(e, NULL, "%s", "the body must be a JSON object");
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)body, name, v)
    {
        int i = wz_table_col(t, name);
        if (i < 0)
            return fail(e, name, "unknown field %s", name);
        const wz_col_t *c = &t->cols[i];
        if (c->flags & (WZ_COL_READONLY | WZ_COL_INTERNAL))
            return fail(e, name, "%s is read-only", name);
        if (!creating && (c->flags & WZ_COL_FIXED))
            return fail(e, name, "%s cannot be changed", name);
        if (parse_value(c, v, key, rec, (size_t)i, e) != 0)
            return -1;
        rec->present[i] = 1;
    }
    if (creating)
        for (size_t i = 0; i < t->ncols; i++)
            if ((t->cols[i].flags & WZ_COL_REQUIRED) && !rec->present[i])
                return fail(e, t->cols[i].name, "%s is required", t->cols[i].name);
    return 0;
}

void wz_record_free(wz_record_t *rec)
{
    free(rec->sealed);
    rec->sealed = NULL;
}

void wz_record_set(const wz_table_t *t, wz_record_t *rec, const char *name, wz_db_value_t v)
{
    int i = wz_table_col(t, name);
    if (i < 0)
        abort();
    rec->present[i] = 1;
    rec->v[i] = v;
}

static wz_db_value_t default_of(const wz_col_t *c)
{
    switch (c->kind) {
    case WZ_COL_INT:
    case WZ_COL_BOOL:
        return WZ_DB_INT(c->dflt_int);
    case WZ_COL_RATIO:
        return WZ_DB_DOUBLE((double)c->dflt_int / 1000.0);
    case WZ_COL_TEXT:
    case WZ_COL_ENUM:
        return c->dflt_text ? WZ_DB_TEXT(c->dflt_text) : WZ_DB_NULL();
    default:
        return WZ_DB_NULL();
    }
}

void wz_record_insert_params(const wz_table_t *t, const wz_record_t *rec, wz_db_value_t *out)
{
    size_t n = 0;
    for (size_t i = 1; i < t->ncols; i++)
        if (is_inserted(&t->cols[i]))
            out[n++] = rec->present[i] ? rec->v[i] : default_of(&t->cols[i]);
}

void wz_record_update_params(const wz_table_t *t, const wz_record_t *rec, int64_t id, wz_db_value_t *out)
{
    size_t n = 0;
    for (size_t i = 1; i < t->ncols; i++)
        if (is_updated(&t->cols[i])) {
            out[n++] = WZ_DB_INT(rec->present[i] ? 1 : 0);
            out[n++] = rec->present[i] ? rec->v[i] : WZ_DB_NULL();
        }
    out[n] = WZ_DB_INT(id);
}

json_t *wz_record_json(const wz_table_t *t, const wz_db_result_t *res, size_t row)
{
    json_t *o = json_object();
    size_t k = 0;
    for (size_t i = 0; i < t->ncols; i++) {
        const wz_col_t *c = &t->cols[i];
        if (!is_read(c))
            continue;
        const wz_db_value_t *cell = wz_db_cell(res, row, k);
        size_t len;
        const char *s;
        json_t *v;
        switch (c->kind) {
        case WZ_COL_ID:
            v = wz_json_id(wz_db_cell_int(res, row, k));
            break;
        case WZ_COL_INT:
            v = cell->type == WZ_DB_T_NULL ? json_null() : json_integer(wz_db_cell_int(res, row, k));
            break;
        case WZ_COL_BOOL:
            v = json_boolean(wz_db_cell_int(res, row, k) != 0);
            break;
        case WZ_COL_RATIO:
            v = json_real((double)wz_db_cell_int(res, row, k) / 1000.0);
            break;
        case WZ_COL_TIME:
            v = wz_json_time(wz_db_cell_int(res, row, k));
            break;
        case WZ_COL_SECRET: {
            char name[64];
            snprintf(name, sizeof(name), "has_%s", c->name);
            json_object_set_new(o, name, json_boolean(wz_db_cell_int(res, row, k) != 0));
            k++;
            continue;
        }
        default:
            s = wz_db_cell_text(res, row, k, &len);
            v = cell->type == WZ_DB_T_NULL ? json_null() : json_stringn(s, len);
        }
        json_object_set_new(o, c->name, v);
        k++;
    }
    return o;
}
