#include "tickets/view.h"
#include "common/timefmt.h"
#include "tickets/privacy.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The strings made here are ASCII by construction, so jansson need not check their UTF-8
 * (the _nocheck calls); a queue page makes some 1,500 of them. */
json_t *wz_json_time(int64_t utc)
{
    if (utc <= 0)
        return json_null();
    char buf[WZ_RFC3339_MAX];
    wz_time_format(utc, buf);
    return json_string_nocheck(buf);
}

json_t *wz_json_id(int64_t id)
{
    if (id <= 0)
        return json_null();
    char buf[24], *p = buf + sizeof(buf);
    uint64_t v = (uint64_t)id;
    *--p = '\0';
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return json_stringn_nocheck(p, (size_t)(buf + sizeof(buf) - 1 - p));
}

json_t *wz_json_text(const char *s, size_t len, int mask)
{
    if (!mask)
        return json_stringn(s, len);
    size_t n = 0;
    char *m = wz_pii_mask(s, len, &n);
    json_t *j = json_stringn(m, n);
    free(m);
    return j;
}

int wz_ticket_row_visible(const wz_identity_t *who, const wz_db_result_t *res, size_t row)
{
    size_t n;
    switch (who->role) {
    case WZ_ROLE_CITIZEN:
        return wz_db_cell_int(res, row, WZ_VIEW_COL_CITIZEN) == who->id;
    case WZ_ROLE_STAFF:
    case WZ_ROLE_REVIEWER:
        return wz_db_cell_int(res, row, WZ_VIEW_COL_UNIT) == who->unit_id;
    default: {
        const char *path = wz_db_cell_text(res, row, WZ_VIEW_COL_UNIT_PATH, &n);
        if (n == 0)
            path = wz_db_cell_text(res, row, WZ_VIEW_COL_ACCOUNT_UNIT_PATH, &n);
        return wz_scope_covers(who, n > 0 ? path : NULL);
    }
    }
}

int wz_ticket_masks_for(const wz_identity_t *who)
{
    return who->role == WZ_ROLE_EVALUATOR;
}

static const char *const time_names[] = {"received_at",    "promised_reply_at", "dispatch_due_at", "dispatched_at",
                                         "sign_due_at",    "signed_at",         "reply_due_at",    "replied_at",
                                         "resolve_due_at", "paused_at",         "closed_at",       "updated_at"};

json_t *wz_ticket_json(const wz_db_result_t *res, size_t r, const wz_identity_t *who)
{
    int mask = wz_ticket_masks_for(who);
    size_t n;
    const char *s;
    json_t *t = json_object();
    json_object_set_new_nocheck(t, "id", wz_json_id(wz_db_cell_int(res, r, 0)));
    s = wz_db_cell_text(res, r, 1, &n);
    json_object_set_new_nocheck(t, "no", json_stringn(s, n));
    static const char *const plain[] = {"status", "type", "priority"};
    for (size_t i = 0; i < 3; i++) {
        s = wz_db_cell_text(res, r, 2 + i, &n);
        json_object_set_new_nocheck(t, plain[i], json_stringn_nocheck(s, n)); /* ENUMs: ASCII */
    }
    json_object_set_new_nocheck(t, "category_id", wz_json_id(wz_db_cell_int(res, r, 5)));
    s = wz_db_cell_text(res, r, 6, &n);
    json_object_set_new_nocheck(t, "title", wz_json_text(s, n, mask));
    s = wz_db_cell_text(res, r, 7, &n);
    json_object_set_new_nocheck(t, "content", wz_json_text(s, n, mask));
    s = wz_db_cell_text(res, r, 8, &n);
    json_object_set_new_nocheck(t, "channel", json_stringn_nocheck(s, n));
    json_object_set_new_nocheck(t, "account_id", wz_json_id(wz_db_cell_int(res, r, 9)));
    s = wz_db_cell_text(res, r, 38, &n);
    json_object_set_new_nocheck(t, "account_name", n ? json_stringn(s, n) : json_null());
    json_object_set_new_nocheck(t, "unit_id", wz_json_id(wz_db_cell_int(res, r, 10)));
    s = wz_db_cell_text(res, r, 37, &n);
    json_object_set_new_nocheck(t, "unit_name", n ? json_stringn(s, n) : json_null());
    s = wz_db_cell_text(res, r, 11, &n);
    json_object_set_new_nocheck(t, "citizen_name", json_stringn(s, n));
    s = wz_db_cell_text(res, r, 12, &n);
    json_object_set_new_nocheck(t, "contact", json_stringn(s, n)); /* always masked; the original is sealed */
    s = wz_db_cell_text(res, r, 13, &n);
    json_object_set_new_nocheck(t, "sla_light", json_stringn_nocheck(s, n));
    json_object_set_new_nocheck(t, "supervised", json_boolean(wz_db_cell_int(res, r, 14)));
    json_object_set_new_nocheck(t, "extended", json_boolean(wz_db_cell_int(res, r, 15)));
    json_object_set_new_nocheck(t, "extended_days", json_integer(wz_db_cell_int(res, r, 16)));
    json_object_set_new_nocheck(t, "reopened_count", json_integer(wz_db_cell_int(res, r, 17)));
    json_object_set_new_nocheck(t, "returned_count", json_integer(wz_db_cell_int(res, r, 18)));
    json_object_set_new_nocheck(t, "transferred_count", json_integer(wz_db_cell_int(res, r, 19)));
    json_object_set_new_nocheck(t, "merged_into", wz_json_id(wz_db_cell_int(res, r, 20)));
    s = wz_db_cell_text(res, r, 21, &n);
    json_object_set_new_nocheck(t, "close_reason", n ? json_stringn(s, n) : json_null());
    s = wz_db_cell_text(res, r, 22, &n);
    json_object_set_new_nocheck(t, "region", json_stringn(s, n));
    for (size_t i = 0; i < sizeof(time_names) / sizeof(time_names[0]); i++)
        json_object_set_new_nocheck(t, time_names[i], wz_json_time(wz_db_cell_int(res, r, 23 + i)));
    json_object_set_new_nocheck(t, "version", json_integer(wz_db_cell_int(res, r, 36)));
    s = wz_db_cell_text(res, r, 39, &n);
    json_t *loc = n ? json_loadb(s, n, 0, NULL) : NULL;
    json_object_set_new_nocheck(t, "location", loc ? loc : json_null());
    /* the public board (公开答复): the citizen's consent, and where the ticket stands */
    int publish = (int)wz_db_cell_int(res, r, 42);
    const wz_db_value_t *withheld = wz_db_cell(res, r, 43);
    json_object_set_new_nocheck(t, "publish", json_boolean(publish));
    const char *state = !publish                             ? "not_consented"
                        : withheld->type != WZ_DB_T_NULL     ? "withheld"
                        : wz_db_cell_int(res, r, 23 + 7) > 0 ? "published"
                                                             : "pending";
    s = withheld->type != WZ_DB_T_NULL ? wz_db_cell_text(res, r, 43, &n) : NULL;
    json_t *pub = json_object();
    json_object_set_new_nocheck(pub, "state", json_string_nocheck(state));
    json_object_set_new_nocheck(pub, "reason",
                                s != NULL && who->role != WZ_ROLE_CITIZEN ? json_stringn(s, n) : json_null());
    json_object_set_new_nocheck(t, "publication", pub);
    return t;
}
