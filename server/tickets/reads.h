#ifndef WZ_TICKETS_READS_H
#define WZ_TICKETS_READS_H
/* Reading tickets: one ticket with everything that hangs off it, and the filtered, cursor-paged
 * queue. Scope is part of every query (server/auth/identity.h): a caller never receives a row
 * outside it. */
#include "auth/identity.h"
#include "db/db.h"
#include <jansson.h>
#include <stdint.h>

#define WZ_LIST_LIMIT_DEFAULT 50
#define WZ_LIST_LIMIT_MAX 200
#define WZ_LIST_Q_MAX 100 /* characters of a text search */
#define WZ_CURSOR_MAX 160

typedef enum { WZ_SORT_RECEIVED_DESC, WZ_SORT_DUE_ASC } wz_list_sort_t;

typedef struct wz_ticket_filter {
    unsigned statuses; /* bit per wz_status_t; 0 = any */
    int64_t unit_id;                 /* 0 = any */
    int64_t account_id, category_id; /* 0 = any, -1 = none ("none": the ticket has no account/category) */
    int include_descendants;         /* with unit_id: the unit's whole subtree */
    int merged;                      /* -1 any, 1 only merged duplicates, 0 none of them */
    int unassigned; /* -1 any, 1 only tickets without a unit, 0 only assigned ones */
    char type[16], channel[16], light[8];
    /* a statistics figure (docs/metrics.md): only the tickets that count for it, so a row's
     * drill-down plus figure=replied lists exactly its replied tickets; "" = any */
    char figure[24];
    int supervised; /* -1 any, 0, 1 */
    char q[4 * WZ_LIST_Q_MAX + 1];
    int64_t received_from, received_to; /* UTC seconds, 0 = open */
    unsigned limit;
    wz_list_sort_t sort;
    /* the position after the last row of the previous page */
    int has_cursor;
    char cursor_key[32]; /* "YYYY-MM-DD HH:MM:SS.ffffff" */
    int64_t cursor_id;
} wz_ticket_filter_t;

/** The figures GET /tickets?figure= takes (NULL-terminated): the per-ticket counts of
 * docs/metrics.md; returned and transferred count acts, not tickets, and are not among them. */
extern const char *const wz_ticket_figures[];

/** Encodes a page position as an opaque cursor (base64url). */
void wz_cursor_encode(wz_list_sort_t sort, const char *key, int64_t id, char out[WZ_CURSOR_MAX]);
/** Decodes a cursor for this sort into the filter; -1 if it is not one of ours. */
int wz_cursor_decode(const char *s, size_t len, wz_ticket_filter_t *f);

typedef void (*wz_ticket_read_cb)(void *data, json_t *doc, const wz_db_error_t *err);

/** One ticket with messages, replies, events, ratings and extensions. doc is NULL when the
 * ticket does not exist or is outside the caller's scope (both answer 404). */
int wz_ticket_detail(wz_db_pool_t *pool, const wz_identity_t *who, int64_t id, wz_ticket_read_cb cb, void *data);
/** A page of the queue: {"items": [...], "next_cursor": "..."|null}. */
int wz_ticket_list(wz_db_pool_t *pool, const wz_identity_t *who, const wz_ticket_filter_t *filter,
                   wz_ticket_read_cb cb, void *data);

#endif
