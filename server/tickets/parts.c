#include "tickets/parts.h"
#include "tickets/privacy.h"
#include "tickets/view.h"
#include <stdlib.h>
#include <string.h>

static json_t *sval(const wz_db_result_t *res, size_t r, size_t c)
{
    const wz_db_value_t *v = wz_db_cell(res, r, c);
    return v->type == WZ_DB_T_TEXT ? json_stringn(v->u.s.p, v->u.s.len) : json_null();
}

static json_t *tval(const wz_db_result_t *res, size_t r, size_t c, int mask)
{
    const wz_db_value_t *v = wz_db_cell(res, r, c);
    return v->type == WZ_DB_T_TEXT ? wz_json_text(v->u.s.p, v->u.s.len, mask) : json_string("");
}

static int staff_view(const wz_identity_t *who)
{
    return who->role != WZ_ROLE_CITIZEN;
}

json_t *wz_reply_json(const wz_db_result_t *res, size_t r, const wz_identity_t *who)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", wz_json_id(wz_db_cell_int(res, r, 0)));
    json_object_set_new(j, "ticket_id", wz_json_id(wz_db_cell_int(res, r, 1)));
    json_object_set_new(j, "status", sval(res, r, 2));
    json_object_set_new(j, "content", tval(res, r, 3, wz_ticket_masks_for(who)));
    json_object_set_new(j, "unit_id", wz_json_id(wz_db_cell_int(res, r, 6)));
    if (staff_view(who)) {
        json_object_set_new(j, "author_id", wz_json_id(wz_db_cell_int(res, r, 4)));
        json_object_set_new(j, "reviewer_id", wz_json_id(wz_db_cell_int(res, r, 5)));
        json_object_set_new(j, "review_note", tval(res, r, 7, wz_ticket_masks_for(who)));
    }
    json_object_set_new(j, "created_at", wz_json_time(wz_db_cell_int(res, r, 8)));
    json_object_set_new(j, "published_at", wz_json_time(wz_db_cell_int(res, r, 9)));
    return j;
}

json_t *wz_message_json(const wz_db_result_t *res, size_t r, const wz_identity_t *who)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", wz_json_id(wz_db_cell_int(res, r, 0)));
    json_object_set_new(j, "author", sval(res, r, 1));
    json_object_set_new(j, "kind", sval(res, r, 2));
    json_object_set_new(j, "content", tval(res, r, 3, wz_ticket_masks_for(who)));
    json_object_set_new(j, "created_at", wz_json_time(wz_db_cell_int(res, r, 4)));
    return j;
}

json_t *wz_event_json(const wz_db_result_t *res, size_t r, const wz_identity_t *who)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", wz_json_id(wz_db_cell_int(res, r, 0)));
    json_object_set_new(j, "action", sval(res, r, 1));
    json_object_set_new(j, "from_status", sval(res, r, 2));
    json_object_set_new(j, "to_status", sval(res, r, 3));
    json_object_set_new(j, "actor_role", sval(res, r, 5));
    json_object_set_new(j, "unit_id", wz_json_id(wz_db_cell_int(res, r, 6)));
    if (staff_view(who)) {
        json_object_set_new(j, "actor_id", wz_json_id(wz_db_cell_int(res, r, 4)));
        if (who->role == WZ_ROLE_ADMIN || who->role == WZ_ROLE_SUPERVISOR)
            json_object_set_new(j, "client_ip", sval(res, r, 7));
        const wz_db_value_t *p = wz_db_cell(res, r, 8);
        json_t *payload = NULL;
        if (p->type == WZ_DB_T_TEXT && wz_ticket_masks_for(who)) {
            /* notes and questions quote the citizen: masked like the ticket's text */
            size_t n = 0;
            char *m = wz_pii_mask(p->u.s.p, p->u.s.len, &n);
            payload = json_loadb(m, n, 0, NULL);
            free(m);
        } else if (p->type == WZ_DB_T_TEXT) {
            payload = json_loadb(p->u.s.p, p->u.s.len, 0, NULL);
        }
        json_object_set_new(j, "payload", payload ? payload : json_null());
    }
    json_object_set_new(j, "created_at", wz_json_time(wz_db_cell_int(res, r, 9)));
    return j;
}

json_t *wz_rating_json(const wz_db_result_t *res, size_t r, const wz_identity_t *who)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", wz_json_id(wz_db_cell_int(res, r, 0)));
    json_object_set_new(j, "round", json_integer(wz_db_cell_int(res, r, 1)));
    json_object_set_new(j, "satisfaction", sval(res, r, 2));
    json_object_set_new(j, "resolved", json_boolean(wz_db_cell_int(res, r, 3)));
    json_object_set_new(j, "comment", tval(res, r, 4, wz_ticket_masks_for(who)));
    json_object_set_new(j, "unit_id", wz_json_id(wz_db_cell_int(res, r, 5)));
    json_object_set_new(j, "created_at", wz_json_time(wz_db_cell_int(res, r, 6)));
    return j;
}

json_t *wz_extension_json(const wz_db_result_t *res, size_t r, const wz_identity_t *who)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", wz_json_id(wz_db_cell_int(res, r, 0)));
    json_object_set_new(j, "status", sval(res, r, 1));
    json_object_set_new(j, "days", json_integer(wz_db_cell_int(res, r, 2)));
    json_object_set_new(j, "reason", tval(res, r, 3, wz_ticket_masks_for(who)));
    if (staff_view(who)) {
        json_object_set_new(j, "requested_by", wz_json_id(wz_db_cell_int(res, r, 4)));
        json_object_set_new(j, "decided_by", wz_json_id(wz_db_cell_int(res, r, 5)));
    }
    json_object_set_new(j, "decided_at", wz_json_time(wz_db_cell_int(res, r, 6)));
    json_object_set_new(j, "comment", tval(res, r, 7, wz_ticket_masks_for(who)));
    json_object_set_new(j, "created_at", wz_json_time(wz_db_cell_int(res, r, 8)));
    json_object_set_new(j, "unit_id", wz_json_id(wz_db_cell_int(res, r, 9)));
    return j;
}

const char *wz_part_select_by_id(const char *kind)
{
    if (kind == NULL)
        return NULL;
    if (strcmp(kind, "reply") == 0)
        return WZ_REPLY_COLUMNS "WHERE id = ?";
    if (strcmp(kind, "message") == 0)
        return WZ_MESSAGE_COLUMNS "WHERE id = ?";
    if (strcmp(kind, "rating") == 0)
        return WZ_RATING_COLUMNS "WHERE id = ?";
    if (strcmp(kind, "extension") == 0)
        return WZ_EXTENSION_COLUMNS "WHERE id = ?";
    return NULL;
}

json_t *wz_part_json(const char *kind, const wz_db_result_t *res, size_t row, const wz_identity_t *who)
{
    if (strcmp(kind, "reply") == 0)
        return wz_reply_json(res, row, who);
    if (strcmp(kind, "message") == 0)
        return wz_message_json(res, row, who);
    if (strcmp(kind, "rating") == 0)
        return wz_rating_json(res, row, who);
    return wz_extension_json(res, row, who);
}
