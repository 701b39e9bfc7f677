#ifndef WZ_ADMIN_QUEUE_H
#define WZ_ADMIN_QUEUE_H
/* The work queues for operators (the outbox, admin/outbox.c; the channel inbox,
 * admin/channel_inbox.c): a list newest first, paged by the id of the last row seen, and the
 * retry of a row that failed. Both are admins only. A queue gives its SQL and its row's JSON;
 * this file does the query string, the paging, and the retry's one transaction:
 *   lock the row (404) -> may it be retried (409) -> make it due -> audit_log (the route's
 *   name, the caller, what the row was) -> read it back -> commit -> after_commit -> 200. */
#include "admin/job.h"

#define WZ_ADMIN_PAGE_DEFAULT 50
#define WZ_ADMIN_PAGE_MAX 200

/** A queue row as JSON (the first column of every queue's SELECT is its id). */
typedef json_t *(*wz_admin_row_fn)(const wz_db_result_t *res, size_t row);

typedef struct {
    unsigned limit; /* rows per page: 1..WZ_ADMIN_PAGE_MAX */
    int64_t cursor; /* the id of the last row seen, 0 for the first page */
} wz_admin_page_t;

/** An id from the query string (0 when absent); 0, or -1 after answering 422 naming it. */
int wz_admin_query_id(wz_ctx_t *ctx, const char *name, int64_t *out);
/** A filter that must be one of allowed (NULL-terminated); "" when absent; 0, or -1 after
 * answering 422 with msg naming it. */
int wz_admin_query_enum(wz_ctx_t *ctx, const char *name, const char *const *allowed, const char *msg, char *out,
                        size_t outlen);
/** limit (default WZ_ADMIN_PAGE_DEFAULT) and cursor; 0, or -1 after answering 422. */
int wz_admin_page_parse(wz_ctx_t *ctx, wz_admin_page_t *page);
/** Runs a page's query and answers 200 {"items": [...], "next_cursor": id or null}. sql is
 * ordered by id descending and its last parameter (in p) is LIMIT page->limit + 1: one row more
 * than asked says there is a next page. */
void wz_admin_page_run(wz_ctx_t *ctx, const wz_admin_page_t *page, const char *sql, const wz_db_value_t *p, size_t n,
                       wz_admin_row_fn row);

/** A queue's retry. */
typedef struct wz_admin_retry {
    wz_admin_ops_t ops;      /* first: the job's ops (no table) */
    const char *what;        /* "outbox row": the 404 and 409 messages */
    const char *target_type; /* audit_log.target_type */
    const char *one;         /* the answer's key: {"outbox": row} */
    /* the row by id, FOR UPDATE: why it may not be retried ("" when it may, else "sent",
     * "processed (ticket)" for the 409), what it was ("dead", "failed", "pending"), its attempts
     * and its last_error (the audit row keeps the last three) */
    const char *sql_lock;
    const char *sql_retry; /* makes the row due now, by id */
    const char *sql_get;   /* the row for the answer, by id, in row's columns */
    wz_admin_row_fn row;
    /* after the commit, before the answer (job->id is the row); must call wz_admin_reply; NULL
     * to answer at once */
    void (*after_commit)(wz_admin_job_t *job);
} wz_admin_retry_t;

/** POST /<queue>/{id}/retry: 403 unless an admin, 404 for no such row, 409 when it is done. */
void wz_admin_retry(wz_ctx_t *ctx, const wz_admin_retry_t *spec);

#endif
