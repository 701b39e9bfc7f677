#ifndef WZ_TICKETS_INTAKE_H
#define WZ_TICKETS_INTAKE_H
/* Intake 受理: one citizen message becomes one ticket, in one read and one write (a stored
 * function: one statement, one transaction; schema/016_intake_write.sql):
 *   deduplicate (platform retries by (account, external id), client retries by (citizen,
 *   Idempotency-Key)) -> the SLA policy -> the unit (a unit the citizen named that takes direct
 *   submissions, else the routing rules, else none: the dispatch queue) -> the daily number
 *   -> the ticket with its deadlines and the citizen's promised reply date -> the first message
 *   -> the receive (and dispatch) events -> the SLA timers -> the acknowledgement in the outbox.
 * Everything commits together or not at all; a concurrent duplicate that loses the race finds
 * the winner's ticket. Callers validate fields first (types, lengths); that the ids exist the
 * read can check on the way (`validate`), so a citizen's message costs no extra round trip. */
#include "db/db.h"
#include "sla/calendar.h"
#include <stdint.h>

typedef struct wz_intake_request {
    const char *type;            /* consultation, help, complaint, suggestion, report, praise */
    const char *priority;        /* normal (NULL) or urgent */
    const char *channel;         /* wechat_oa, weibo, ..., miniprogram, web */
    const char *title, *content; /* a NULL or blank title becomes the content's first 30 characters */
    int64_t account_id, unit_id, category_id, citizen_id; /* 0 = none */
    const char *citizen_name, *contact_phone, *region;    /* NULL = none */
    const char *location;                                 /* JSON text {"latitude", "longitude", "address"} or NULL */
    const char *external_id;                              /* the platform's message id, unique per account */
    const char *idempotency_key;                          /* the client's key, unique per citizen */
    int publish;                                          /* the citizen consents to the public board (公开答复) */
    /* uploads the message carries: the citizen's own, not yet attached (else the whole intake
     * fails with WZ_INTAKE_ATTACHMENTS_ERRNO) */
    const int64_t *attachments;
    size_t nattachments;
    /* a submission from outside (the citizen API): the unit and category named must exist and
     * the account named must be active, else the result says which is not (invalid_field) and
     * nothing is written; with no account named, the channel's first active account is taken */
    int validate;
} wz_intake_request_t;

#define WZ_INTAKE_MAX_ATTACHMENTS 9
/* the mysql_errno an intake fails with when an attachment is not the citizen's or is taken */
#define WZ_INTAKE_ATTACHMENTS_ERRNO 1644

typedef struct wz_intake_result {
    int64_t ticket_id;
    int created; /* 0: an earlier submission with the same key or external id */
    char number[24];
    char status[16];
    int64_t unit_id;        /* 0 = waiting for a dispatcher */
    int64_t routing_rule;   /* the rule that chose the unit, 0 = none or direct */
    int64_t promised_reply; /* UTC seconds */
    /* validate: the field that names nothing (unit_id, category_id, account_id) and why; NULL
     * when the ticket was taken */
    const char *invalid_field, *invalid_message;
} wz_intake_result_t;

typedef void (*wz_intake_cb)(void *data, const wz_intake_result_t *res, const wz_db_error_t *err);

/** Starts an intake at `now` (UTC seconds). The request is copied. Returns 0, or a WZ_DB_E*
 * code when no connection can be had at once (cb is then not called). */
int wz_ticket_intake(wz_db_pool_t *pool, const wz_calendar_t *cal, const uint8_t seal_key[32],
                     const wz_intake_request_t *req, int64_t now, wz_intake_cb cb, void *data);

#endif
