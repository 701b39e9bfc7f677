#include "tickets/actions.h"
#include "db/txn.h"
#include "tickets/parts.h"
#include "tickets/view.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    wz_action_request_t req;
    const wz_calendar_t *cal;
    wz_action_cb cb;
    void *data;
    /* per attempt */
    wz_ticket_facts_t facts;
    wz_ticket_extra_t extra;
    wz_plan_t plan;
    size_t next;
    int64_t created_id;
    int missing;
    json_t *ticket, *created;
} job_t;

/* Facts under the row lock. A plain read after the locking read sees the latest commit: the
 * snapshot starts with this first consistent read, after the lock was granted. */
static const char sql_lock[] = "SELECT id FROM tickets WHERE id = ? FOR UPDATE";
static const char sql_facts[] =
    "SELECT t.status, CAST(COALESCE(t.unit_id, 0) AS SIGNED), COALESCE(u.path, ''), COALESCE(au.path, ''), "
    "CAST(COALESCE(t.citizen_id, 0) AS SIGNED), t.type, t.priority, "
    "CAST(UNIX_TIMESTAMP(t.received_at) AS SIGNED), CAST(UNIX_TIMESTAMP(t.dispatched_at) AS SIGNED), "
    "CAST(UNIX_TIMESTAMP(t.dispatch_due_at) AS SIGNED), CAST(UNIX_TIMESTAMP(t.sign_due_at) AS SIGNED), "
    "CAST(UNIX_TIMESTAMP(t.reply_due_at) AS SIGNED), CAST(UNIX_TIMESTAMP(t.resolve_due_at) AS SIGNED), "
    "CAST(UNIX_TIMESTAMP(t.paused_at) AS SIGNED), CAST(UNIX_TIMESTAMP(t.promised_reply_at) AS SIGNED), "
    "t.extended_days, t.reopened_count, COALESCE(u.requires_review, 0), "
    "(SELECT COUNT(*) FROM replies r WHERE r.ticket_id = t.id AND r.status = 'pending_review'), "
    "(SELECT COUNT(*) FROM extensions e WHERE e.ticket_id = t.id AND e.status = 'pending'), "
    "CAST(COALESCE(t.merged_into, 0) AS SIGNED), "
    "COALESCE(p.dispatch_minutes, -1), p.sign_minutes, p.reply_days, p.resolve_days, p.return_window_days, "
    "p.extension_max_days, p.reopen_max, p.rating_window_days, p.info_wait_days, "
    "CAST(p.warn_ratio * 1000 AS SIGNED) "
    "FROM tickets t LEFT JOIN units u ON u.id = t.unit_id LEFT JOIN accounts a ON a.id = t.account_id "
    "LEFT JOIN units au ON au.id = a.unit_id LEFT JOIN sla_policies p ON p.type = t.type AND p.priority = t.priority "
    "WHERE t.id = ?";
static const char sql_view[] = "SELECT " WZ_TICKET_VIEW_COLUMNS WZ_TICKET_VIEW_FROM " WHERE t.id = ?";

static void text(const wz_db_result_t *res, size_t c, char *out, size_t outlen)
{
    size_t n;
    const char *s = wz_db_cell_text(res, 0, c, &n);
    snprintf(out, outlen, "%.*s", (int)n, s);
}

static void job_reset(job_t *j)
{
    wz_plan_free(&j->plan);
    json_decref(j->ticket);
    json_decref(j->created);
    j->ticket = j->created = NULL;
    j->next = 0;
    j->created_id = 0;
    j->missing = 0;
    memset(&j->extra, 0, sizeof(j->extra));
}

static void fail_or(wz_db_txn_t *txn, const wz_db_error_t *err)
{
    wz_db_txn_fail(txn, err);
}

static void step_created(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    job_t *j = wz_db_txn_data(txn);
    if (err != NULL) {
        fail_or(txn, err);
        return;
    }
    if (res->nrows == 1)
        j->created = wz_part_json(j->plan.created_kind, res, 0, &j->req.who);
    wz_db_txn_commit(txn);
}

static void step_view(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    job_t *j = wz_db_txn_data(txn);
    if (err != NULL) {
        fail_or(txn, err);
        return;
    }
    if (res->nrows == 1)
        j->ticket = wz_ticket_json(res, 0, &j->req.who);
    int64_t id = j->plan.created_id > 0 ? j->plan.created_id : j->created_id;
    const char *sql = wz_part_select_by_id(j->plan.created_kind);
    if (sql != NULL && id > 0) {
        wz_db_value_t p = WZ_DB_INT(id);
        wz_db_txn_exec(txn, sql, &p, 1, step_created);
        return;
    }
    wz_db_txn_commit(txn);
}

static void step_run(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    job_t *j = wz_db_txn_data(txn);
    if (err != NULL) {
        fail_or(txn, err);
        return;
    }
    if (res != NULL && j->next > 0 && j->plan.stmts[j->next - 1].capture)
        j->created_id = (int64_t)res->insert_id;
    if (j->next < j->plan.nstmts) {
        const wz_plan_stmt_t *s = &j->plan.stmts[j->next++];
        wz_db_txn_exec(txn, s->sql, s->params, s->nparams, step_run);
        return;
    }
    wz_db_value_t p = WZ_DB_INT(j->req.ticket_id);
    wz_db_txn_exec(txn, sql_view, &p, 1, step_view);
}

static void plan_now(wz_db_txn_t *txn)
{
    job_t *j = wz_db_txn_data(txn);
    wz_plan_input_t in = {j->cal,          &j->req.who,       j->req.action, j->req.args,
                          j->req.sub_id,   j->req.client_ip, j->req.now,    j->req.external_id};
    wz_plan_action(&j->plan, &in, &j->facts, &j->extra);
    if (j->plan.outcome != WZ_PLAN_OK) {
        wz_db_txn_commit(txn); /* nothing was written: this just ends the transaction */
        return;
    }
    step_run(txn, NULL, NULL);
}

static void step_extra(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    job_t *j = wz_db_txn_data(txn);
    if (err != NULL) {
        fail_or(txn, err);
        return;
    }
    if (res->nrows == 1) {
        j->extra.found = 1;
        j->extra.id = wz_db_cell_int(res, 0, 0);
        text(res, 1, j->extra.text1, sizeof(j->extra.text1));
        text(res, 2, j->extra.text2, sizeof(j->extra.text2));
        j->extra.int1 = wz_db_cell_int(res, 0, 3);
        j->extra.int2 = wz_db_cell_int(res, 0, 4);
    }
    plan_now(txn);
}

static void step_facts(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    job_t *j = wz_db_txn_data(txn);
    if (err != NULL) {
        fail_or(txn, err);
        return;
    }
    wz_ticket_facts_t *f = &j->facts;
    memset(f, 0, sizeof(*f));
    f->id = j->req.ticket_id;
    char status[24];
    text(res, 0, status, sizeof(status));
    int s = wz_status_parse(status, strlen(status));
    f->status = s < 0 ? WZ_ST_CLOSED : (wz_status_t)s;
    f->unit_id = wz_db_cell_int(res, 0, 1);
    text(res, 2, f->unit_path, sizeof(f->unit_path));
    text(res, 3, f->account_path, sizeof(f->account_path));
    f->citizen_id = wz_db_cell_int(res, 0, 4);
    text(res, 5, f->type, sizeof(f->type));
    text(res, 6, f->priority, sizeof(f->priority));
    int64_t *times[] = {&f->received_at, &f->dispatched_at, &f->dispatch_due, &f->sign_due,
                        &f->reply_due,   &f->resolve_due,   &f->paused_at,    &f->promised_reply};
    for (size_t i = 0; i < 8; i++)
        *times[i] = wz_db_cell_int(res, 0, 7 + i);
    f->extended_days = (int)wz_db_cell_int(res, 0, 15);
    f->reopened_count = (int)wz_db_cell_int(res, 0, 16);
    f->requires_review = (int)wz_db_cell_int(res, 0, 17);
    f->pending_replies = (int)wz_db_cell_int(res, 0, 18);
    f->pending_extensions = (int)wz_db_cell_int(res, 0, 19);
    f->merged_into = wz_db_cell_int(res, 0, 20);
    if (wz_sla_policy_default(f->type, &f->policy) != 0)
        wz_sla_policy_default("consultation", &f->policy);
    if (wz_db_cell_int(res, 0, 21) >= 0) {
        int *pf[] = {&f->policy.dispatch_minutes,   &f->policy.sign_minutes,       &f->policy.reply_days,
                     &f->policy.resolve_days,       &f->policy.return_window_days, &f->policy.extension_max_days,
                     &f->policy.reopen_max,         &f->policy.rating_window_days, &f->policy.info_wait_days};
        for (size_t i = 0; i < 9; i++)
            *pf[i] = (int)wz_db_cell_int(res, 0, 21 + i);
        f->policy.warn_ratio = (double)wz_db_cell_int(res, 0, 30) / 1000.0;
    }
    wz_plan_input_t in = {j->cal,          &j->req.who,       j->req.action, j->req.args,
                          j->req.sub_id,   j->req.client_ip, j->req.now,    j->req.external_id};
    const char *sql = NULL;
    wz_db_value_t p[2];
    size_t n = 0;
    if (wz_plan_extra_query(&in, f->id, &sql, p, &n)) {
        wz_db_txn_exec(txn, sql, p, n, step_extra);
        return;
    }
    plan_now(txn);
}

static void step_locked(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    job_t *j = wz_db_txn_data(txn);
    if (err != NULL) {
        fail_or(txn, err);
        return;
    }
    if (res->nrows == 0) {
        j->missing = 1;
        wz_db_txn_commit(txn);
        return;
    }
    wz_db_value_t p = WZ_DB_INT(j->req.ticket_id);
    wz_db_txn_exec(txn, sql_facts, &p, 1, step_facts);
}

static void step_first(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err)
{
    (void)res;
    (void)err;
    job_t *j = wz_db_txn_data(txn);
    job_reset(j); /* a retried attempt starts from nothing */
    wz_db_value_t p = WZ_DB_INT(j->req.ticket_id);
    wz_db_txn_exec(txn, sql_lock, &p, 1, step_locked);
}

static void on_done(void *data, const wz_db_error_t *err)
{
    job_t *j = data;
    if (err != NULL) {
        j->cb(j->data, NULL, err);
    } else {
        wz_action_result_t r = {0};
        if (j->missing) {
            r.outcome = WZ_PLAN_NOT_FOUND;
            r.message = "no such ticket";
        } else {
            r.outcome = j->plan.outcome;
            r.message = j->plan.message;
            r.field = j->plan.field;
            r.status = j->plan.created_status;
            r.created_kind = j->plan.created_kind;
            r.ticket = j->ticket;
            r.created = j->created;
        }
        j->cb(j->data, &r, NULL);
    }
    job_reset(j);
    json_decref(j->req.args);
    free(j);
}

int wz_ticket_act(wz_db_pool_t *pool, const wz_calendar_t *cal, const wz_action_request_t *req, wz_action_cb cb,
                  void *data)
{
    job_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        abort();
    j->req = *req;
    json_incref(j->req.args);
    j->cal = cal;
    j->cb = cb;
    j->data = data;
    int ret = wz_db_txn_begin(pool, step_first, on_done, j);
    if (ret != WZ_DB_OK) {
        json_decref(j->req.args);
        free(j);
    }
    return ret;
}
