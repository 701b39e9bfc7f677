#ifndef WZ_ADMIN_RECORD_H
#define WZ_ADMIN_RECORD_H
/* Admin resources as data: a table describes a resource's columns once (JSON name, SQL column,
 * kind, limits), and from it come the SQL of every read and write, the strict checking of a
 * request body, and the JSON of a row. Pure: no I/O; server/admin/job.c runs the statements.
 *
 * Writes are always the same statement per table, whatever fields a request names:
 *   INSERT INTO t (a, b, c) VALUES (?, ?, ?)           absent optional fields get their default
 *   UPDATE t SET a = IF(?, ?, a), b = IF(?, ?, b) ... WHERE id = ?   (present flag, value)
 * so each connection prepares them once. */
#include "db/db.h"
#include <jansson.h>
#include <stdint.h>

#define WZ_RECORD_MAX_COLS 16

typedef enum {
    WZ_COL_ID,     /* a row id; JSON string (or integer on input), null allowed when nullable */
    WZ_COL_INT,    /* an integer within [min, max] */
    WZ_COL_BOOL,   /* TINYINT(1); JSON true/false */
    WZ_COL_TEXT,   /* UTF-8 text of min..max characters */
    WZ_COL_ENUM,   /* one of choices */
    WZ_COL_RATIO,  /* DECIMAL(4,3) strictly between 0 and 1; read as thousandths */
    WZ_COL_TIME,   /* DATETIME(6); RFC 3339 in +08:00; written (when not read-only) as Unix seconds */
    WZ_COL_SECRET, /* write-only sealed JSON object; shown as has_<name>: true/false */
} wz_col_kind_t;

enum {
    WZ_COL_REQUIRED = 1 << 0, /* must be given on create */
    WZ_COL_NULLABLE = 1 << 1, /* may be null */
    WZ_COL_READONLY = 1 << 2, /* never written through the API (id, computed, timestamps) */
    WZ_COL_FIXED = 1 << 3,    /* written on create, never changed afterwards */
    WZ_COL_INTERNAL = 1 << 4, /* written by the resource's own code, not a JSON field */
    WZ_COL_VIRTUAL = 1 << 5,  /* a JSON field without a column: read through expr, written by the
                                 resource's hooks into its INTERNAL columns */
};

typedef struct wz_col {
    const char *name;   /* JSON field */
    const char *column; /* SQL column; NULL = name */
    wz_col_kind_t kind;
    unsigned flags;
    long long min, max;         /* INT range; TEXT length in characters */
    const char *const *choices; /* ENUM, NULL-terminated */
    const char *expr;           /* read expression when not the column itself */
    long long dflt_int;         /* default on create: INT, BOOL */
    const char *dflt_text;      /* default on create: TEXT, ENUM (NULL = SQL NULL) */
} wz_col_t;

typedef struct wz_table {
    const char *table;    /* SQL table */
    const char *one;      /* JSON key of one row: {"unit": {...}} */
    const char *what;     /* in messages: "unit", "account" */
    const wz_col_t *cols; /* cols[0] is the id */
    size_t ncols;
    const char *order_by;  /* list order */
    const char *dup_field; /* the field a duplicate key names (409) */
    const char *fk_field;  /* the field a missing foreign row names (422) */
    /* built by wz_table_build */
    char *sql_select; /* "SELECT ... FROM t" (callers add WHERE / ORDER BY) */
    char *sql_get;    /* ... WHERE id = ? */
    char *sql_lock;   /* ... WHERE id = ? FOR UPDATE */
    char *sql_list;   /* ... ORDER BY order_by */
    char *sql_insert, *sql_update, *sql_delete;
    size_t ninsert, nupdate; /* parameters of insert and update */
} wz_table_t;

/** Values for a write: which fields a request gave, and their values. Text values point into
 * the JSON body (or owned), which must outlive the statement call (the values are copied then). */
typedef struct wz_record {
    unsigned char present[WZ_RECORD_MAX_COLS];
    wz_db_value_t v[WZ_RECORD_MAX_COLS];
    uint8_t *sealed; /* an owned sealed secret, freed by wz_record_free */
} wz_record_t;

/** What is wrong with a body: the field (NULL for the whole body) and why. */
typedef struct wz_record_error {
    const char *field; /* NULL or field_buf: the error does not point into the body */
    char field_buf[72];
    char message[200];
} wz_record_error_t;

/** Builds a table's SQL once, before any thread uses it; aborts on a bad description. */
void wz_table_build(wz_table_t *t);
/** The index of a column by JSON name, or -1. */
int wz_table_col(const wz_table_t *t, const char *name);

/** Checks a body against the table: an object, no unknown or read-only fields, required fields
 * on create, fixed fields only on create, types and limits. Secrets are sealed with key.
 * Returns 0, or -1 with e filled. */
int wz_record_parse(const wz_table_t *t, const json_t *body, int creating, const uint8_t key[32], wz_record_t *rec,
                    wz_record_error_t *e);
void wz_record_free(wz_record_t *rec);
/** Sets one internal or computed value by JSON name (aborts if there is no such column). */
void wz_record_set(const wz_table_t *t, wz_record_t *rec, const char *name, wz_db_value_t v);

/** The parameters of the insert (t->ninsert of them). */
void wz_record_insert_params(const wz_table_t *t, const wz_record_t *rec, wz_db_value_t *out);
/** The parameters of the update of row id (t->nupdate of them). */
void wz_record_update_params(const wz_table_t *t, const wz_record_t *rec, int64_t id, wz_db_value_t *out);

/** A row of sql_select as JSON. */
json_t *wz_record_json(const wz_table_t *t, const wz_db_result_t *res, size_t row);

#endif
