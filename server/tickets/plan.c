#include "tickets/plan.h"
#include "tickets/privacy.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- statements ---- */

static const char sql_event[] =
    "INSERT INTO ticket_events (ticket_id, action, from_status, to_status, actor_id, actor_role, unit_id, client_ip, "
    "payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
/* the same, with the id of the row inserted just before added to the payload under the path */
static const char sql_event_last_id[] =
    "INSERT INTO ticket_events (ticket_id, action, from_status, to_status, actor_id, actor_role, unit_id, client_ip, "
    "payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, JSON_SET(?, ?, LAST_INSERT_ID()))";
static const char sql_timers_clear[] = "DELETE FROM sla_timers WHERE ticket_id = ?";
static const char sql_timer_add[] = "INSERT INTO sla_timers (ticket_id, kind, fire_at) VALUES (?, ?, FROM_UNIXTIME(?))";
static const char sql_outbox[] = "INSERT INTO outbox (kind, ticket_id, payload) VALUES (?, ?, ?)";
/* a reply published in this transaction: the ticket is locked, so its newest published reply is
 * the one; the outbox sender reads reply_id to send exactly that reply */
static const char sql_outbox_reply[] =
    "INSERT INTO outbox (kind, ticket_id, payload) VALUES ('reply', ?, JSON_SET(?, '$.reply_id', "
    "(SELECT MAX(id) FROM replies WHERE ticket_id = ? AND status = 'published')))";

long wz_utf8_chars(const char *s, size_t len)
{
    long n = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (k == 0 || i + k > len)
            return -1;
        for (size_t j = 1; j < k; j++)
            if (((unsigned char)s[i + j] >> 6) != 2)
                return -1;
        i += k;
        n++;
    }
    return n;
}

static wz_plan_stmt_t *add(wz_plan_t *pl, const char *sql)
{
    if (pl->nstmts >= WZ_PLAN_MAX_STMTS)
        abort(); /* a programming error: plans are small and fixed */
    wz_plan_stmt_t *s = &pl->stmts[pl->nstmts++];
    memset(s, 0, sizeof(*s));
    s->sql = sql;
    return s;
}

static void param(wz_plan_stmt_t *s, wz_db_value_t v)
{
    if (s->nparams >= WZ_PLAN_MAX_PARAMS)
        abort();
    s->params[s->nparams++] = v;
}

/* Parameters point at the arguments (alive for the whole transaction) or at texts kept here. */
static const char *keep(wz_plan_t *pl, char *owned)
{
    if (owned == NULL || pl->nstrings >= WZ_PLAN_MAX_STRINGS)
        abort();
    pl->strings[pl->nstrings++] = owned;
    return owned;
}

static const char *keep_json(wz_plan_t *pl, json_t *doc)
{
    char *s = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    return keep(pl, s);
}

static wz_db_value_t id_or_null(int64_t id)
{
    return id > 0 ? WZ_DB_INT(id) : WZ_DB_NULL();
}

static void event(wz_plan_t *pl, const wz_plan_input_t *in, int64_t ticket, const char *action, const char *from,
                  const char *to, int64_t unit, json_t *payload, const char *last_id_path)
{
    wz_plan_stmt_t *s = add(pl, last_id_path ? sql_event_last_id : sql_event);
    param(s, WZ_DB_INT(ticket));
    param(s, WZ_DB_TEXT(action));
    param(s, from ? WZ_DB_TEXT(from) : WZ_DB_NULL());
    param(s, to ? WZ_DB_TEXT(to) : WZ_DB_NULL());
    param(s, WZ_DB_INT(in->who->id));
    param(s, WZ_DB_TEXT(wz_role_name(in->who->role)));
    param(s, id_or_null(unit));
    param(s, WZ_DB_TEXT(in->client_ip ? in->client_ip : ""));
    const char *text = payload ? keep_json(pl, payload) : last_id_path ? "{}" : NULL;
    param(s, text ? WZ_DB_TEXT(text) : WZ_DB_NULL());
    if (last_id_path)
        param(s, WZ_DB_TEXT(last_id_path));
}

static void outbox(wz_plan_t *pl, const char *kind, int64_t ticket, json_t *payload)
{
    wz_plan_stmt_t *s = add(pl, sql_outbox);
    param(s, WZ_DB_TEXT(kind));
    param(s, WZ_DB_INT(ticket));
    const char *text = keep_json(pl, payload);
    param(s, WZ_DB_TEXT(text));
}

static void outbox_reply(wz_plan_t *pl, const wz_ticket_facts_t *f)
{
    wz_plan_stmt_t *s = add(pl, sql_outbox_reply);
    param(s, WZ_DB_INT(f->id));
    param(s, WZ_DB_TEXT(keep_json(pl, json_pack("{s:I}", "citizen_id", (json_int_t)f->citizen_id))));
    param(s, WZ_DB_INT(f->id));
}

static void timer(wz_plan_t *pl, int64_t ticket, const char *kind, int64_t at, int64_t now)
{
    if (at <= now)
        return; /* a limit already passed has fired (or its warning has) */
    wz_plan_stmt_t *s = add(pl, sql_timer_add);
    param(s, WZ_DB_INT(ticket));
    param(s, WZ_DB_TEXT(kind));
    param(s, WZ_DB_INT(at));
}

/* The clocks a ticket runs in a status, after an action. */
typedef struct {
    int64_t dispatch_start, dispatch_due;
    int64_t clock_start, sign_due, reply_due; /* clock_start: the (last) dispatch */
    int64_t info_timeout, auto_close;
} clocks_t;

static void rewrite_timers(wz_plan_t *pl, const wz_plan_input_t *in, const wz_ticket_facts_t *f, wz_status_t st,
                           const clocks_t *c)
{
    const wz_calendar_t *cal = in->cal;
    double r = f->policy.warn_ratio;
    wz_plan_stmt_t *s = add(pl, sql_timers_clear);
    param(s, WZ_DB_INT(f->id));
    switch (st) {
    case WZ_ST_NEW:
        timer(pl, f->id, "dispatch_warn", wz_sla_warn_at(cal, c->dispatch_start, c->dispatch_due, r), in->now);
        timer(pl, f->id, "dispatch_breach", c->dispatch_due, in->now);
        break;
    case WZ_ST_DISPATCHED:
        timer(pl, f->id, "sign_warn", wz_sla_warn_at(cal, c->clock_start, c->sign_due, r), in->now);
        timer(pl, f->id, "sign_breach", c->sign_due, in->now);
        /* the reply clock runs from dispatch too */
        __attribute__((fallthrough));
    case WZ_ST_ACCEPTED:
        timer(pl, f->id, "reply_warn", wz_sla_warn_at(cal, c->clock_start, c->reply_due, r), in->now);
        timer(pl, f->id, "reply_breach", c->reply_due, in->now);
        break;
    case WZ_ST_WAITING_CITIZEN:
        timer(pl, f->id, "info_timeout", c->info_timeout, in->now);
        break;
    case WZ_ST_REPLIED:
        timer(pl, f->id, "auto_close", c->auto_close, in->now);
        break;
    default:
        break;
    }
}

static const char *light_of(const wz_plan_input_t *in, const wz_ticket_facts_t *f, int64_t start, int64_t due)
{
    int64_t warn = wz_sla_warn_at(in->cal, start, due, f->policy.warn_ratio);
    return wz_sla_light_name(wz_sla_light(in->now, warn, due));
}

/* ---- outcomes ---- */

static void refuse(wz_plan_t *pl, wz_plan_outcome_t o, const char *field, const char *fmt, ...)
{
    pl->outcome = o;
    pl->field = field;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pl->message, sizeof(pl->message), fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < pl->nstrings; i++)
        free(pl->strings[i]);
    pl->nstrings = 0;
    pl->nstmts = 0;
}

/* Reads the arguments with a jansson format; unknown fields are refused. 0 or -1 (refused). */
static int unpack(wz_plan_t *pl, const json_t *args, const char *fmt, ...)
{
    json_t *empty = NULL;
    if (args == NULL)
        args = empty = json_object();
    json_error_t jerr;
    va_list ap;
    va_start(ap, fmt);
    int r = json_vunpack_ex((json_t *)args, &jerr, JSON_STRICT, fmt, ap);
    va_end(ap);
    json_decref(empty);
    if (r != 0) {
        refuse(pl, WZ_PLAN_VALIDATION, NULL, "%s", jerr.text);
        return -1;
    }
    return 0;
}

static int text_field(wz_plan_t *pl, const char *field, const char *s, long min, long max)
{
    if (s == NULL) {
        if (min > 0) {
            refuse(pl, WZ_PLAN_VALIDATION, field, "%s is required", field);
            return -1;
        }
        return 0;
    }
    long n = wz_utf8_chars(s, strlen(s));
    if (n < 0) {
        refuse(pl, WZ_PLAN_VALIDATION, field, "%s is not valid UTF-8", field);
        return -1;
    }
    /* blank text counts as empty */
    size_t i = 0;
    while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
        i++;
    if (min > 0 && s[i] == '\0') {
        refuse(pl, WZ_PLAN_VALIDATION, field, "%s must not be empty", field);
        return -1;
    }
    if (n > max) {
        refuse(pl, WZ_PLAN_VALIDATION, field, "%s is longer than %ld characters", field, max);
        return -1;
    }
    return 0;
}

static int id_field(wz_plan_t *pl, const char *field, json_int_t v)
{
    if (v <= 0) {
        refuse(pl, WZ_PLAN_VALIDATION, field, "%s must be a positive id", field);
        return -1;
    }
    return 0;
}

/* Ids in JSON bodies may be strings ("12", as the API renders them) or integers. */
static int64_t arg_id(const json_t *args, const char *name)
{
    const json_t *v = args ? json_object_get(args, name) : NULL;
    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end = NULL;
        long long n = strtoll(s, &end, 10);
        if (end != s && *end == '\0' && n > 0 && strlen(s) <= 19)
            return n;
    }
    return -1;
}

/* Takes an id member out of a copy of the arguments so the strict format can check the rest. */
static json_t *args_without(const json_t *args, const char *name)
{
    json_t *copy = args ? json_copy((json_t *)args) : json_object();
    json_object_del(copy, name);
    return copy;
}

int wz_plan_extra_query(const wz_plan_input_t *in, int64_t ticket_id, const char **sql, wz_db_value_t params[2],
                        size_t *nparams)
{
    int64_t id;
    switch (in->action) {
    case WZ_ACT_DISPATCH:
    case WZ_ACT_TRANSFER:
        if ((id = arg_id(in->args, "unit_id")) <= 0)
            return 0;
        *sql = "SELECT CAST(id AS SIGNED), path, '', 0, 0 FROM units WHERE id = ?";
        params[0] = WZ_DB_INT(id);
        *nparams = 1;
        return 1;
    case WZ_ACT_REVIEW_APPROVE:
    case WZ_ACT_REVIEW_SEND_BACK:
        *sql = "SELECT CAST(id AS SIGNED), status, '', 0, 0 FROM replies WHERE id = ? AND ticket_id = ?";
        break;
    case WZ_ACT_EXTENSION_DECIDE:
        *sql = "SELECT CAST(id AS SIGNED), status, '', CAST(days AS SIGNED), 0 FROM extensions "
               "WHERE id = ? AND ticket_id = ?";
        break;
    case WZ_ACT_MERGE:
        if ((id = arg_id(in->args, "primary_id")) <= 0)
            return 0;
        *sql = "SELECT CAST(t.id AS SIGNED), COALESCE(u.path, au.path, ''), t.status, "
               "CAST(COALESCE(t.merged_into, 0) AS SIGNED), CAST(COALESCE(t.unit_id, 0) AS SIGNED) "
               "FROM tickets t LEFT JOIN units u ON u.id = t.unit_id LEFT JOIN accounts a ON a.id = t.account_id "
               "LEFT JOIN units au ON au.id = a.unit_id WHERE t.id = ?";
        params[0] = WZ_DB_INT(id);
        *nparams = 1;
        return 1;
    default:
        return 0;
    }
    params[0] = WZ_DB_INT(in->sub_id);
    params[1] = WZ_DB_INT(ticket_id);
    *nparams = 2;
    return 1;
}

/* ---- the actions ---- */

static int visible(const wz_identity_t *who, const wz_ticket_facts_t *f)
{
    switch (who->role) {
    case WZ_ROLE_CITIZEN:
        return f->citizen_id == who->id;
    case WZ_ROLE_STAFF:
    case WZ_ROLE_REVIEWER:
        return f->unit_id > 0 && f->unit_id == who->unit_id;
    default:
        return wz_scope_covers(who, f->unit_path[0] ? f->unit_path : f->account_path[0] ? f->account_path : NULL);
    }
}

/* the update every action ends with: status and version */
static const char *st(wz_status_t s)
{
    return wz_status_name(s);
}

static void plan_dispatch_to(wz_plan_t *pl, const wz_plan_input_t *in, const wz_ticket_facts_t *f, int64_t unit,
                             const char *action, json_t *payload, int transfer)
{
    wz_sla_dispatch_t d;
    wz_sla_on_dispatch(in->cal, &f->policy, in->now, &d);
    wz_plan_stmt_t *s = add(pl, transfer ? "UPDATE tickets SET status = 'dispatched', unit_id = ?, "
                                           "dispatched_at = FROM_UNIXTIME(?), sign_due_at = FROM_UNIXTIME(?), "
                                           "signed_at = NULL, reply_due_at = FROM_UNIXTIME(?), "
                                           "resolve_due_at = FROM_UNIXTIME(?), paused_at = NULL, sla_light = 'green', "
                                           "transferred_count = transferred_count + 1, version = version + 1 WHERE id = ?"
                                         : "UPDATE tickets SET status = 'dispatched', unit_id = ?, "
                                           "dispatched_at = FROM_UNIXTIME(?), sign_due_at = FROM_UNIXTIME(?), "
                                           "signed_at = NULL, reply_due_at = FROM_UNIXTIME(?), "
                                           "resolve_due_at = FROM_UNIXTIME(?), paused_at = NULL, sla_light = 'green', "
                                           "version = version + 1 WHERE id = ?");
    param(s, WZ_DB_INT(unit));
    param(s, WZ_DB_INT(in->now));
    param(s, WZ_DB_INT(d.sign_due));
    param(s, WZ_DB_INT(d.reply_due));
    param(s, WZ_DB_INT(d.resolve_due));
    param(s, WZ_DB_INT(f->id));
    event(pl, in, f->id, action, st(f->status), "dispatched", unit, payload, NULL);
    clocks_t c = {.clock_start = in->now, .sign_due = d.sign_due, .reply_due = d.reply_due};
    rewrite_timers(pl, in, f, WZ_ST_DISPATCHED, &c);
    outbox(pl, "notify_unit", f->id, json_pack("{s:s, s:I}", "reason", action, "unit_id", (json_int_t)unit));
}

/* Publishing a reply: the ticket is answered and waits for the citizen's rating. */
static void plan_publish(wz_plan_t *pl, const wz_plan_input_t *in, const wz_ticket_facts_t *f)
{
    wz_plan_stmt_t *s = add(pl, "UPDATE tickets SET status = 'replied', replied_at = COALESCE(replied_at, "
                                "FROM_UNIXTIME(?)), version = version + 1 WHERE id = ?");
    param(s, WZ_DB_INT(in->now));
    param(s, WZ_DB_INT(f->id));
    clocks_t c = {.auto_close = wz_sla_extend(in->cal, in->now, f->policy.rating_window_days)};
    rewrite_timers(pl, in, f, WZ_ST_REPLIED, &c);
}

static int check_target_unit(wz_plan_t *pl, const wz_plan_input_t *in, const wz_ticket_facts_t *f,
                             const wz_ticket_extra_t *x, int64_t unit)
{
    if (!x->found) {
        refuse(pl, WZ_PLAN_VALIDATION, "unit_id", "there is no unit %lld", (long long)unit);
        return -1;
    }
    if (in->who->role != WZ_ROLE_STAFF && !wz_scope_covers(in->who, x->text1)) {
        refuse(pl, WZ_PLAN_FORBIDDEN, "unit_id", "unit %lld is outside your scope", (long long)unit);
        return -1;
    }
    if (unit == f->unit_id) {
        refuse(pl, WZ_PLAN_VALIDATION, "unit_id", "the ticket is already with unit %lld", (long long)unit);
        return -1;
    }
    return 0;
}

static int check_pii(wz_plan_t *pl, const char *field, const char *text)
{
    wz_pii_span_t spans[4];
    size_t n = wz_pii_find(text, strlen(text), spans, 4);
    if (n == 0)
        return 0;
    /* name the span in characters, as an editor counts them */
    long from = wz_utf8_chars(text, spans[0].start);
    long len = wz_utf8_chars(text + spans[0].start, spans[0].len);
    refuse(pl, WZ_PLAN_PERSONAL_DATA, field,
           "the %s contains a %s at characters %ld-%ld (\"%.*s\"); %zu personal number%s in all must be removed or "
           "masked before publishing",
           field, spans[0].kind == WZ_PII_ID_CARD ? "citizen ID-card number (身份证号)" : "mobile number (手机号)",
           from + 1, from + len, (int)spans[0].len, text + spans[0].start, n, n == 1 ? "" : "s");
    return -1;
}

void wz_plan_action(wz_plan_t *pl, const wz_plan_input_t *in, const wz_ticket_facts_t *f, const wz_ticket_extra_t *x)
{
    memset(pl, 0, sizeof(*pl));
    pl->created_status = 200;
    const wz_identity_t *who = in->who;
    const json_t *args = in->args;
    if (!visible(who, f)) {
        refuse(pl, WZ_PLAN_NOT_FOUND, NULL, "no such ticket");
        return;
    }

    unsigned flags = 0;
    if (f->requires_review)
        flags |= WZ_LC_REVIEW_REQUIRED;
    if (f->pending_replies > 0)
        flags |= WZ_LC_REVIEW_PENDING;
    if (in->action == WZ_ACT_RETURN && f->dispatched_at > 0 &&
        in->now <= wz_sla_extend(in->cal, f->dispatched_at, f->policy.return_window_days))
        flags |= WZ_LC_IN_RETURN_WINDOW;
    if (in->action == WZ_ACT_REVIEW_APPROVE || in->action == WZ_ACT_REVIEW_SEND_BACK) {
        /* the reply named in the path must be the one waiting */
        flags &= ~(unsigned)WZ_LC_REVIEW_PENDING;
        if (x->found && strcmp(x->text1, "pending_review") == 0)
            flags |= WZ_LC_REVIEW_PENDING;
    }
    wz_status_t to = f->status;
    wz_lc_result_t lc = wz_lifecycle_apply(f->status, in->action, who->role, flags, &to);
    if (lc == WZ_LC_ROLE_DENIED) {
        if (in->action == WZ_ACT_RETURN && who->role == WZ_ROLE_STAFF)
            refuse(pl, WZ_PLAN_FORBIDDEN, NULL,
                   "the return window (%d working days from dispatch) has passed; ask a supervisor to return it",
                   f->policy.return_window_days);
        else
            refuse(pl, WZ_PLAN_FORBIDDEN, NULL, "a %s may not %s a ticket", wz_role_name(who->role),
                   wz_action_name(in->action));
        return;
    }
    pl->to = to;
    int invalid = lc == WZ_LC_INVALID_TRANSITION;
    const char *from = st(f->status);

#define TRANSITION_CHECK()                                                                                             \
    do {                                                                                                               \
        if (invalid) {                                                                                                 \
            refuse(pl, WZ_PLAN_INVALID_TRANSITION, NULL, "cannot %s a ticket that is %s", wz_action_name(in->action), \
                   from);                                                                                              \
            return;                                                                                                    \
        }                                                                                                              \
    } while (0)

    switch (in->action) {
    case WZ_ACT_DISPATCH: {
        int64_t unit = arg_id(args, "unit_id");
        json_t *rest = args_without(args, "unit_id");
        int bad = unpack(pl, rest, "{}");
        json_decref(rest);
        if (bad || id_field(pl, "unit_id", unit) != 0 || check_target_unit(pl, in, f, x, unit) != 0)
            return;
        TRANSITION_CHECK();
        plan_dispatch_to(pl, in, f, unit, "dispatch", json_pack("{s:I}", "unit_id", (json_int_t)unit), 0);
        return;
    }
    case WZ_ACT_TRANSFER: {
        int64_t unit = arg_id(args, "unit_id");
        const char *reason = NULL;
        json_t *rest = args_without(args, "unit_id");
        int bad = unpack(pl, rest, "{s:s}", "reason", &reason) || text_field(pl, "reason", reason, 1, WZ_NOTE_MAX_CHARS);
        json_t *payload = bad ? NULL : json_pack("{s:I, s:I, s:s}", "from_unit", (json_int_t)f->unit_id, "to_unit",
                                                 (json_int_t)unit, "reason", reason);
        json_decref(rest);
        if (bad || id_field(pl, "unit_id", unit) != 0 || check_target_unit(pl, in, f, x, unit) != 0) {
            json_decref(payload);
            return;
        }
        if (invalid) {
            json_decref(payload);
            TRANSITION_CHECK();
        }
        plan_dispatch_to(pl, in, f, unit, "transfer", payload, 1);
        return;
    }
    case WZ_ACT_SIGN: {
        if (unpack(pl, args, "{}") != 0)
            return;
        TRANSITION_CHECK();
        wz_plan_stmt_t *s = add(pl, "UPDATE tickets SET status = 'accepted', signed_at = FROM_UNIXTIME(?), "
                                    "sla_light = ?, version = version + 1 WHERE id = ?");
        param(s, WZ_DB_INT(in->now));
        param(s, WZ_DB_TEXT(light_of(in, f, f->dispatched_at, f->reply_due)));
        param(s, WZ_DB_INT(f->id));
        event(pl, in, f->id, "sign", from, "accepted", f->unit_id, NULL, NULL);
        clocks_t c = {.clock_start = f->dispatched_at, .reply_due = f->reply_due};
        rewrite_timers(pl, in, f, WZ_ST_ACCEPTED, &c);
        return;
    }
    case WZ_ACT_REPLY: {
        const char *content = NULL;
        if (unpack(pl, args, "{s:s}", "content", &content) != 0 ||
            text_field(pl, "content", content, 1, WZ_REPLY_MAX_CHARS) != 0 || check_pii(pl, "content", content) != 0)
            return;
        if (invalid) {
            if (f->pending_replies > 0 && f->status == WZ_ST_ACCEPTED)
                refuse(pl, WZ_PLAN_INVALID_TRANSITION, NULL, "a reply is already waiting for review");
            else
                TRANSITION_CHECK();
            return;
        }
        int review = f->requires_review != 0;
        wz_plan_stmt_t *s = add(pl, "INSERT INTO replies (ticket_id, unit_id, author_id, body, status, published_at) "
                                    "VALUES (?, ?, ?, ?, ?, IF(? = 'published', FROM_UNIXTIME(?), NULL))");
        const char *status = review ? "pending_review" : "published";
        param(s, WZ_DB_INT(f->id));
        param(s, id_or_null(f->unit_id));
        param(s, WZ_DB_INT(who->id));
        param(s, WZ_DB_TEXT(content));
        param(s, WZ_DB_TEXT(status));
        param(s, WZ_DB_TEXT(status));
        param(s, WZ_DB_INT(in->now));
        s->capture = 1;
        pl->created_kind = "reply";
        pl->created_status = 201;
        event(pl, in, f->id, "reply", from, review ? from : "replied", f->unit_id,
              json_pack("{s:b}", "pending_review", review), "$.reply_id");
        if (!review) {
            plan_publish(pl, in, f);
            outbox_reply(pl, f);
        } else {
            outbox(pl, "review_needed", f->id, json_pack("{s:I}", "unit_id", (json_int_t)f->unit_id));
        }
        return;
    }
    case WZ_ACT_REVIEW_APPROVE:
    case WZ_ACT_REVIEW_SEND_BACK: {
        const char *decision = NULL, *note = NULL;
        if (unpack(pl, args, "{s:s, s?s}", "decision", &decision, "comment", &note) != 0 ||
            text_field(pl, "comment", note, 0, WZ_REVIEW_NOTE_MAX_CHARS) != 0)
            return;
        if (strcmp(decision, in->action == WZ_ACT_REVIEW_APPROVE ? "approve" : "send_back") != 0) {
            refuse(pl, WZ_PLAN_VALIDATION, "decision", "decision must be \"approve\" or \"send_back\"");
            return;
        }
        if (!x->found) {
            refuse(pl, WZ_PLAN_NOT_FOUND, NULL, "the ticket has no reply %lld", (long long)in->sub_id);
            return;
        }
        if (invalid) {
            if (f->status == WZ_ST_ACCEPTED)
                refuse(pl, WZ_PLAN_INVALID_TRANSITION, NULL, "reply %lld is %s, not waiting for review",
                       (long long)x->id, x->text1);
            else
                TRANSITION_CHECK();
            return;
        }
        int approve = in->action == WZ_ACT_REVIEW_APPROVE;
        wz_plan_stmt_t *s = add(pl, approve ? "UPDATE replies SET status = 'published', reviewer_id = ?, "
                                              "review_note = ?, published_at = FROM_UNIXTIME(?) WHERE id = ?"
                                            : "UPDATE replies SET status = 'sent_back', reviewer_id = ?, "
                                              "review_note = ? WHERE id = ?");
        param(s, WZ_DB_INT(who->id));
        param(s, WZ_DB_TEXT(note ? note : ""));
        if (approve)
            param(s, WZ_DB_INT(in->now));
        param(s, WZ_DB_INT(x->id));
        pl->created_kind = "reply";
        pl->created_id = x->id;
        event(pl, in, f->id, approve ? "review_approve" : "review_send_back", from, approve ? "replied" : from,
              f->unit_id, json_pack("{s:I, s:s}", "reply_id", (json_int_t)x->id, "comment", note ? note : ""), NULL);
        if (approve) {
            plan_publish(pl, in, f);
            outbox(pl, "reply", f->id,
                   json_pack("{s:I, s:I}", "citizen_id", (json_int_t)f->citizen_id, "reply_id", (json_int_t)x->id));
        }
        return;
    }
    case WZ_ACT_RETURN: {
        const char *reason = NULL;
        if (unpack(pl, args, "{s:s}", "reason", &reason) != 0 ||
            text_field(pl, "reason", reason, 1, WZ_NOTE_MAX_CHARS) != 0)
            return;
        TRANSITION_CHECK();
        /* back to the dispatchers, whose clock starts again; the citizen's promise stays */
        int64_t due = wz_cal_add_working_seconds(in->cal, in->now, (int64_t)f->policy.dispatch_minutes * 60);
        wz_plan_stmt_t *s = add(pl, "UPDATE tickets SET status = 'new', unit_id = NULL, dispatched_at = NULL, "
                                    "dispatch_due_at = FROM_UNIXTIME(?), sign_due_at = NULL, signed_at = NULL, "
                                    "reply_due_at = NULL, resolve_due_at = NULL, paused_at = NULL, sla_light = 'green', "
                                    "returned_count = returned_count + 1, version = version + 1 WHERE id = ?");
        param(s, WZ_DB_INT(due));
        param(s, WZ_DB_INT(f->id));
        event(pl, in, f->id, "return", from, "new", f->unit_id, json_pack("{s:s}", "reason", reason), NULL);
        clocks_t c = {.dispatch_start = in->now, .dispatch_due = due};
        rewrite_timers(pl, in, f, WZ_ST_NEW, &c);
        return;
    }
    case WZ_ACT_EXTENSION_REQUEST: {
        json_int_t days = 0;
        const char *reason = NULL;
        if (unpack(pl, args, "{s:I, s:s}", "days", &days, "reason", &reason) != 0 ||
            text_field(pl, "reason", reason, 1, WZ_NOTE_MAX_CHARS) != 0)
            return;
        int left = f->policy.extension_max_days - f->extended_days;
        if (days < 1 || days > left) {
            refuse(pl, WZ_PLAN_VALIDATION, "days",
                   left > 0 ? "days must be between 1 and %d (the extension cap is %d working days, %d used)"
                            : "no extension is left (the cap of %d working days is used up)",
                   left > 0 ? left : f->policy.extension_max_days, f->policy.extension_max_days, f->extended_days);
            return;
        }
        TRANSITION_CHECK();
        if (f->pending_extensions > 0) {
            refuse(pl, WZ_PLAN_CONFLICT, NULL, "an extension request is already waiting for a decision");
            return;
        }
        wz_plan_stmt_t *s = add(pl, "INSERT INTO extensions (ticket_id, unit_id, requested_by, days, reason) "
                                    "VALUES (?, ?, ?, ?, ?)");
        param(s, WZ_DB_INT(f->id));
        param(s, WZ_DB_INT(f->unit_id > 0 ? f->unit_id : who->unit_id));
        param(s, WZ_DB_INT(who->id));
        param(s, WZ_DB_INT(days));
        param(s, WZ_DB_TEXT(reason));
        s->capture = 1;
        pl->created_kind = "extension";
        pl->created_status = 201;
        event(pl, in, f->id, "extension_request", from, from, f->unit_id,
              json_pack("{s:I, s:s}", "days", days, "reason", reason), "$.extension_id");
        outbox(pl, "extension_requested", f->id, json_pack("{s:I}", "unit_id", (json_int_t)f->unit_id));
        return;
    }
    case WZ_ACT_EXTENSION_DECIDE: {
        const char *decision = NULL, *note = NULL;
        if (unpack(pl, args, "{s:s, s?s}", "decision", &decision, "comment", &note) != 0 ||
            text_field(pl, "comment", note, 0, WZ_NOTE_MAX_CHARS) != 0)
            return;
        int approve = strcmp(decision, "approve") == 0;
        if (!approve && strcmp(decision, "refuse") != 0) {
            refuse(pl, WZ_PLAN_VALIDATION, "decision", "decision must be \"approve\" or \"refuse\"");
            return;
        }
        if (!x->found) {
            refuse(pl, WZ_PLAN_NOT_FOUND, NULL, "the ticket has no extension request %lld", (long long)in->sub_id);
            return;
        }
        TRANSITION_CHECK();
        if (strcmp(x->text1, "pending") != 0) {
            refuse(pl, WZ_PLAN_INVALID_TRANSITION, NULL, "extension request %lld is already %s", (long long)x->id,
                   x->text1);
            return;
        }
        int days = (int)x->int1;
        if (approve && days > f->policy.extension_max_days - f->extended_days) {
            refuse(pl, WZ_PLAN_CONFLICT, NULL, "approving %d days would pass the extension cap of %d working days",
                   days, f->policy.extension_max_days);
            return;
        }
        wz_plan_stmt_t *s = add(pl, "UPDATE extensions SET status = ?, decided_by = ?, decided_at = FROM_UNIXTIME(?), "
                                    "comment = ? WHERE id = ?");
        param(s, WZ_DB_TEXT(approve ? "approved" : "refused"));
        param(s, WZ_DB_INT(who->id));
        param(s, WZ_DB_INT(in->now));
        param(s, WZ_DB_TEXT(note ? note : ""));
        param(s, WZ_DB_INT(x->id));
        pl->created_kind = "extension";
        pl->created_id = x->id;
        event(pl, in, f->id, "extension_decide", from, from, f->unit_id,
              json_pack("{s:I, s:s, s:s}", "extension_id", (json_int_t)x->id, "decision", decision, "comment",
                        note ? note : ""),
              NULL);
        if (approve) {
            /* the unit's deadlines and the citizen's promised date move by the same days */
            int64_t reply_due = f->reply_due > 0 ? wz_sla_extend(in->cal, f->reply_due, days) : 0;
            int64_t resolve_due = f->resolve_due > 0 ? wz_sla_extend(in->cal, f->resolve_due, days) : 0;
            int64_t promised = f->promised_reply > 0 ? wz_sla_extend(in->cal, f->promised_reply, days) : 0;
            int running = f->status == WZ_ST_DISPATCHED || f->status == WZ_ST_ACCEPTED;
            s = add(pl, "UPDATE tickets SET reply_due_at = FROM_UNIXTIME(?), resolve_due_at = FROM_UNIXTIME(?), "
                        "promised_reply_at = FROM_UNIXTIME(?), extended = 1, extended_days = extended_days + ?, "
                        "sla_light = ?, version = version + 1 WHERE id = ?");
            param(s, reply_due > 0 ? WZ_DB_INT(reply_due) : WZ_DB_NULL());
            param(s, resolve_due > 0 ? WZ_DB_INT(resolve_due) : WZ_DB_NULL());
            param(s, promised > 0 ? WZ_DB_INT(promised) : WZ_DB_NULL());
            param(s, WZ_DB_INT(days));
            param(s, WZ_DB_TEXT(running && f->status == WZ_ST_ACCEPTED ? light_of(in, f, f->dispatched_at, reply_due)
                                                                       : "green"));
            param(s, WZ_DB_INT(f->id));
            if (running) {
                clocks_t c = {.clock_start = f->dispatched_at, .sign_due = f->sign_due, .reply_due = reply_due};
                rewrite_timers(pl, in, f, f->status, &c);
            }
        }
        outbox(pl, "extension_decided", f->id,
               json_pack("{s:s, s:I}", "decision", decision, "unit_id", (json_int_t)f->unit_id));
        return;
    }
    case WZ_ACT_SUPERVISE: {
        const char *note = NULL;
        if (unpack(pl, args, "{s:s}", "note", &note) != 0 || text_field(pl, "note", note, 1, WZ_NOTE_MAX_CHARS) != 0)
            return;
        TRANSITION_CHECK();
        wz_plan_stmt_t *s = add(pl, "UPDATE tickets SET supervised = 1, version = version + 1 WHERE id = ?");
        param(s, WZ_DB_INT(f->id));
        event(pl, in, f->id, "supervise", from, from, f->unit_id, json_pack("{s:s}", "note", note), NULL);
        outbox(pl, "supervision", f->id, json_pack("{s:I, s:s}", "unit_id", (json_int_t)f->unit_id, "note", note));
        return;
    }
    case WZ_ACT_REQUEST_INFO: {
        const char *question = NULL;
        if (unpack(pl, args, "{s:s}", "question", &question) != 0 ||
            text_field(pl, "question", question, 1, WZ_NOTE_MAX_CHARS) != 0)
            return;
        TRANSITION_CHECK();
        wz_plan_stmt_t *s = add(pl, "INSERT INTO ticket_messages (ticket_id, author, kind, user_id, body) "
                                    "VALUES (?, 'unit', 'request_info', ?, ?)");
        param(s, WZ_DB_INT(f->id));
        param(s, WZ_DB_INT(who->id));
        param(s, WZ_DB_TEXT(question));
        s = add(pl, "UPDATE tickets SET status = 'waiting_citizen', paused_at = FROM_UNIXTIME(?), "
                    "version = version + 1 WHERE id = ?");
        param(s, WZ_DB_INT(in->now));
        param(s, WZ_DB_INT(f->id));
        event(pl, in, f->id, "request_info", from, "waiting_citizen", f->unit_id,
              json_pack("{s:s}", "question", question), "$.message_id");
        clocks_t c = {.info_timeout = wz_sla_extend(in->cal, in->now, f->policy.info_wait_days)};
        rewrite_timers(pl, in, f, WZ_ST_WAITING_CITIZEN, &c);
        outbox(pl, "request_info", f->id, json_pack("{s:I}", "citizen_id", (json_int_t)f->citizen_id));
        return;
    }
    case WZ_ACT_FOLLOW_UP: {
        const char *content = NULL;
        if (unpack(pl, args, "{s:s}", "content", &content) != 0 ||
            text_field(pl, "content", content, 1, WZ_MESSAGE_MAX_CHARS) != 0)
            return;
        TRANSITION_CHECK();
        wz_plan_stmt_t *s = add(pl, "INSERT INTO ticket_messages (ticket_id, author, kind, body, external_id) "
                                    "VALUES (?, 'citizen', 'follow_up', ?, ?)");
        param(s, WZ_DB_INT(f->id));
        param(s, WZ_DB_TEXT(content));
        param(s, in->external_id != NULL && in->external_id[0] != '\0' ? WZ_DB_TEXT(in->external_id) : WZ_DB_NULL());
        s->capture = 1;
        pl->created_kind = "message";
        pl->created_status = 201;
        event(pl, in, f->id, "follow_up", from, st(to), f->unit_id, NULL, "$.message_id");
        if (f->status == WZ_ST_WAITING_CITIZEN) {
            /* the answer resumes the reply clock where it stopped */
            int64_t paused = f->paused_at > 0 ? f->paused_at : in->now;
            int64_t reply_due = f->reply_due > 0 ? wz_sla_resume(in->cal, f->reply_due, paused, in->now) : 0;
            int64_t resolve_due = f->resolve_due > 0 ? wz_sla_resume(in->cal, f->resolve_due, paused, in->now) : 0;
            s = add(pl, "UPDATE tickets SET status = 'accepted', paused_at = NULL, reply_due_at = FROM_UNIXTIME(?), "
                        "resolve_due_at = FROM_UNIXTIME(?), sla_light = ?, version = version + 1 WHERE id = ?");
            param(s, reply_due > 0 ? WZ_DB_INT(reply_due) : WZ_DB_NULL());
            param(s, resolve_due > 0 ? WZ_DB_INT(resolve_due) : WZ_DB_NULL());
            param(s, WZ_DB_TEXT(light_of(in, f, f->dispatched_at, reply_due)));
            param(s, WZ_DB_INT(f->id));
            clocks_t c = {.clock_start = f->dispatched_at, .reply_due = reply_due};
            rewrite_timers(pl, in, f, WZ_ST_ACCEPTED, &c);
        } else {
            s = add(pl, "UPDATE tickets SET version = version + 1 WHERE id = ?");
            param(s, WZ_DB_INT(f->id));
        }
        if (f->unit_id > 0)
            outbox(pl, "notify_unit", f->id,
                   json_pack("{s:s, s:I}", "reason", "follow_up", "unit_id", (json_int_t)f->unit_id));
        return;
    }
    case WZ_ACT_RATE: {
        const char *satisfaction = NULL, *comment = NULL;
        int resolved = 0;
        if (unpack(pl, args, "{s:b, s:s, s?s}", "resolved", &resolved, "satisfaction", &satisfaction, "comment",
                   &comment) != 0)
            return;
        if (strcmp(satisfaction, "satisfied") != 0 && strcmp(satisfaction, "basically_satisfied") != 0 &&
            strcmp(satisfaction, "unsatisfied") != 0) {
            refuse(pl, WZ_PLAN_VALIDATION, "satisfaction",
                   "satisfaction must be \"satisfied\", \"basically_satisfied\" or \"unsatisfied\"");
            return;
        }
        if (text_field(pl, "comment", comment, 0, WZ_NOTE_MAX_CHARS) != 0)
            return;
        TRANSITION_CHECK();
        /* unsatisfied reopens (重办) while the policy's allowance lasts */
        if (strcmp(satisfaction, "unsatisfied") == 0 && f->reopened_count < f->policy.reopen_max)
            wz_lifecycle_apply(f->status, in->action, who->role, flags | WZ_LC_REOPEN, &to);
        pl->to = to;
        int reopen = to == WZ_ST_ACCEPTED;
        wz_plan_stmt_t *s = add(pl, "INSERT INTO ratings (ticket_id, unit_id, round, satisfaction, resolved, comment) "
                                    "VALUES (?, ?, ?, ?, ?, ?)");
        param(s, WZ_DB_INT(f->id));
        param(s, id_or_null(f->unit_id));
        param(s, WZ_DB_INT(f->reopened_count + 1));
        param(s, WZ_DB_TEXT(satisfaction));
        param(s, WZ_DB_INT(resolved ? 1 : 0));
        param(s, WZ_DB_TEXT(comment ? comment : ""));
        s->capture = 1;
        pl->created_kind = "rating";
        pl->created_status = 201;
        event(pl, in, f->id, "rate", from, st(to), f->unit_id,
              json_pack("{s:s, s:b, s:b}", "satisfaction", satisfaction, "resolved", resolved, "reopened", reopen),
              "$.rating_id");
        if (reopen) {
            /* 重办: the unit answers again, on a fresh reply clock */
            wz_sla_dispatch_t d;
            wz_sla_on_dispatch(in->cal, &f->policy, in->now, &d);
            s = add(pl, "UPDATE tickets SET status = 'accepted', reopened_count = reopened_count + 1, "
                        "reply_due_at = FROM_UNIXTIME(?), sla_light = 'green', version = version + 1 WHERE id = ?");
            param(s, WZ_DB_INT(d.reply_due));
            param(s, WZ_DB_INT(f->id));
            clocks_t c = {.clock_start = in->now, .reply_due = d.reply_due};
            rewrite_timers(pl, in, f, WZ_ST_ACCEPTED, &c);
            outbox(pl, "notify_unit", f->id,
                   json_pack("{s:s, s:I}", "reason", "reopened", "unit_id", (json_int_t)f->unit_id));
        } else {
            s = add(pl, "UPDATE tickets SET status = 'closed', closed_at = FROM_UNIXTIME(?), close_reason = 'rated', "
                        "version = version + 1 WHERE id = ?");
            param(s, WZ_DB_INT(in->now));
            param(s, WZ_DB_INT(f->id));
            rewrite_timers(pl, in, f, WZ_ST_CLOSED, &(clocks_t){0});
        }
        return;
    }
    case WZ_ACT_CLOSE: {
        const char *reason = NULL;
        if (unpack(pl, args, "{s?s}", "reason", &reason) != 0 ||
            text_field(pl, "reason", reason, 0, WZ_NOTE_MAX_CHARS) != 0)
            return;
        TRANSITION_CHECK();
        wz_plan_stmt_t *s = add(pl, "UPDATE tickets SET status = 'closed', closed_at = FROM_UNIXTIME(?), "
                                    "close_reason = 'manual', version = version + 1 WHERE id = ?");
        param(s, WZ_DB_INT(in->now));
        param(s, WZ_DB_INT(f->id));
        event(pl, in, f->id, "close", from, "closed", f->unit_id, json_pack("{s:s}", "reason", reason ? reason : ""),
              NULL);
        rewrite_timers(pl, in, f, WZ_ST_CLOSED, &(clocks_t){0});
        return;
    }
    case WZ_ACT_MERGE: {
        int64_t primary = arg_id(args, "primary_id");
        json_t *rest = args_without(args, "primary_id");
        int bad = unpack(pl, rest, "{}");
        json_decref(rest);
        if (bad || id_field(pl, "primary_id", primary) != 0)
            return;
        if (primary == f->id) {
            refuse(pl, WZ_PLAN_VALIDATION, "primary_id", "a ticket cannot be merged into itself");
            return;
        }
        if (!x->found || !wz_scope_covers(who, x->text1[0] ? x->text1 : NULL)) {
            refuse(pl, WZ_PLAN_VALIDATION, "primary_id", "there is no ticket %lld in your scope", (long long)primary);
            return;
        }
        if (x->int1 > 0) {
            refuse(pl, WZ_PLAN_VALIDATION, "primary_id", "ticket %lld is itself merged into ticket %lld",
                   (long long)primary, (long long)x->int1);
            return;
        }
        TRANSITION_CHECK();
        wz_plan_stmt_t *s = add(pl, "UPDATE tickets SET status = 'closed', merged_into = ?, closed_at = FROM_UNIXTIME(?), "
                                    "close_reason = 'merged', version = version + 1 WHERE id = ?");
        param(s, WZ_DB_INT(primary));
        param(s, WZ_DB_INT(in->now));
        param(s, WZ_DB_INT(f->id));
        event(pl, in, f->id, "merge", from, "closed", f->unit_id, json_pack("{s:I}", "primary_id", (json_int_t)primary),
              NULL);
        event(pl, in, primary, "merge", NULL, NULL, x->int2, json_pack("{s:I}", "duplicate_id", (json_int_t)f->id),
              NULL);
        rewrite_timers(pl, in, f, WZ_ST_CLOSED, &(clocks_t){0});
        return;
    }
    default:
        refuse(pl, WZ_PLAN_FORBIDDEN, NULL, "not an action");
        return;
    }
#undef TRANSITION_CHECK
}

void wz_plan_free(wz_plan_t *pl)
{
    for (size_t i = 0; i < pl->nstrings; i++)
        free(pl->strings[i]);
    pl->nstrings = 0;
    pl->nstmts = 0;
}
