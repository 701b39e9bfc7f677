/* The outbox's WeChat senders: the official account (a customer service message within 48 hours
 * of the citizen's last message, else a template message when the account has one) and the
 * mini-program (a subscribe message, when a template is configured). Formats and error codes:
 * channels/outbound.h.
 *
 * Access tokens are cached per account in this process until expires_in less a margin; jobs
 * that need a token being fetched wait for that one fetch. Every server of a cluster keeps its
 * own cache: a fetch by one server makes WeChat replace the token the others hold (the old one
 * stays valid for a few minutes), so a 40001/42001/40014 answer drops the cached token, fetches
 * a new one and tries once more. */
#include "channels/outbox_job.h"
#include "common/log.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ANSWER_MAX (64 * 1024)

struct wz_ob_token {
    wz_ob_token_t *next;
    wz_outbox_t *ob;
    int64_t account_id; /* 0 = the mini-program of the configuration */
    char appid[65];
    char token[WZ_WECHAT_TOKEN_MAX];
    uint64_t expires_ms; /* uv_now; 0 = none */
    int fetching;
    wz_ob_job_t *waiters;
};

void wz_ob_tokens_free(wz_outbox_t *ob)
{
    wz_ob_token_t *t = ob->tokens;
    while (t != NULL) {
        wz_ob_token_t *next = t->next;
        sodium_memzero(t->token, sizeof(t->token));
        free(t);
        t = next;
    }
    ob->tokens = NULL;
}

static wz_ob_token_t *token_entry(wz_outbox_t *ob, int64_t account_id, const char *appid)
{
    wz_ob_token_t *t = ob->tokens;
    while (t != NULL && t->account_id != account_id)
        t = t->next;
    if (t == NULL) {
        t = calloc(1, sizeof(*t));
        if (t == NULL)
            abort();
        t->account_id = account_id;
        t->ob = ob;
        t->next = ob->tokens;
        ob->tokens = t;
    }
    if (strcmp(t->appid, appid) != 0 && !t->fetching) { /* the account was given another app */
        snprintf(t->appid, sizeof(t->appid), "%s", appid);
        sodium_memzero(t->token, sizeof(t->token));
        t->expires_ms = 0;
    }
    return t;
}

static void on_token_answer(const wz_http_response_t *res, void *data)
{
    wz_ob_token_t *t = data;
    wz_outbox_t *ob = t->ob;
    char err[256] = "";
    long expires_in = 0, errcode = 0;
    t->fetching = 0;
    if (res->error != NULL)
        snprintf(err, sizeof(err), "WeChat's token API did not answer: %.200s", res->error);
    else if (res->status != 200)
        snprintf(err, sizeof(err), "WeChat's token API answered HTTP %ld", res->status);
    else if (wz_wechat_parse_token(res->body, res->len, t->token, sizeof(t->token), &expires_in, &errcode, err,
                                   sizeof(err)) == 0)
        t->expires_ms = uv_now(ob->loop) + wz_wechat_token_keep_ms(expires_in);
    if (err[0] != '\0') {
        sodium_memzero(t->token, sizeof(t->token));
        t->expires_ms = 0;
    }
    /* the last waiter may end the engine: the entry is not touched after the loop */
    wz_ob_job_t *w = t->waiters;
    t->waiters = NULL;
    while (w != NULL) {
        wz_ob_job_t *next = w->next_waiter;
        w->next_waiter = NULL;
        w->on_token(w, err[0] ? NULL : t->token, err[0] ? err : NULL);
        w = next;
    }
}

/* Calls cb with a token for the job's app (at once when cached, else after the fetch). */
static void get_token(wz_ob_job_t *j, int64_t account_id, const char *appid, const char *secret, wz_ob_token_cb cb)
{
    wz_outbox_t *ob = j->ob;
    wz_ob_token_t *t = token_entry(ob, account_id, appid);
    j->on_token = cb;
    if (!t->fetching && t->expires_ms > uv_now(ob->loop) && strcmp(t->appid, appid) == 0) {
        cb(j, t->token, NULL);
        return;
    }
    j->next_waiter = t->waiters;
    t->waiters = j;
    if (t->fetching)
        return;
    char *url = wz_wechat_token_url(ob->opts.wechat_api_base, appid, secret);
    int ret = wz_http_get(ob->http, url, ob->opts.wechat_timeout_ms, ANSWER_MAX, on_token_answer, t);
    sodium_memzero(url, strlen(url)); /* it carries the AppSecret */
    free(url);
    if (ret == 0) {
        t->fetching = 1;
        return;
    }
    t->waiters = j->next_waiter;
    j->next_waiter = NULL;
    cb(j, NULL, "cannot call WeChat's token API");
}

/* A token WeChat refused: drop it unless another job already replaced it. */
static void drop_token(wz_ob_job_t *j, int64_t account_id)
{
    for (wz_ob_token_t *t = j->ob->tokens; t != NULL; t = t->next)
        if (t->account_id == account_id && strcmp(t->token, j->used_token) == 0)
            t->expires_ms = 0;
}

/* POSTs a JSON body to a message API with the token; wipes the URL (it carries the token). */
static void post_api(wz_ob_job_t *j, const char *path, const char *token, char *body, wz_http_cb cb)
{
    wz_outbox_t *ob = j->ob;
    if (token != j->used_token)
        snprintf(j->used_token, sizeof(j->used_token), "%s", token);
    char *url = wz_wechat_api_url(ob->opts.wechat_api_base, path, token);
    int ret = wz_http_post(ob->http, url, "application/json", body, strlen(body), NULL, ob->opts.wechat_timeout_ms,
                           ANSWER_MAX, cb, j);
    sodium_memzero(url, strlen(url));
    free(url);
    free(body);
    if (ret != 0)
        wz_ob_finish(j, WZ_OB_RETRY, NULL, "cannot call WeChat (%s)", path);
}

/* ---- the official account ---- */

static void oa_send(wz_ob_job_t *j, const char *token);

static void oa_on_token(wz_ob_job_t *j, const char *token, const char *error)
{
    if (token == NULL) {
        wz_ob_finish(j, WZ_OB_RETRY, NULL, "%s", error);
        return;
    }
    oa_send(j, token);
}

static void oa_on_answer(const wz_http_response_t *res, void *data)
{
    wz_ob_job_t *j = data;
    long errcode;
    char msg[256];
    wz_wx_class_t c = wz_wechat_classify(res->status, res->error, res->body, res->len, &errcode, msg, sizeof(msg));
    const char *api = j->use_template ? "template/send" : "custom/send";
    switch (c) {
    case WZ_WX_OK:
        wz_ob_finish(j, WZ_OB_SENT, j->use_template ? "wechat_template" : "wechat_custom", NULL);
        return;
    case WZ_WX_TOKEN:
        if (!j->token_refreshed) {
            j->token_refreshed = 1;
            drop_token(j, j->account_id);
            get_token(j, j->account_id, j->app_id, j->app_secret, oa_on_token);
            return;
        }
        wz_ob_finish(j, WZ_OB_RETRY, NULL, "%s: %s, also with a new access token", api, msg);
        return;
    case WZ_WX_WINDOW:
        if (!j->use_template && j->template_id[0] != '\0') {
            j->use_template = 1;
            oa_send(j, j->used_token);
            return;
        }
        wz_ob_finish(j, WZ_OB_DEAD, NULL,
                     "%s: %s; outside WeChat's 48-hour reply window and account %lld has no template_id", api, msg,
                     (long long)j->account_id);
        return;
    case WZ_WX_REFUSED:
    case WZ_WX_PERMANENT:
        wz_ob_finish(j, WZ_OB_DEAD, NULL, "%s: %s", api, msg);
        return;
    default:
        wz_ob_finish(j, WZ_OB_RETRY, NULL, "%s: %s", api, msg);
    }
}

static void oa_send(wz_ob_job_t *j, const char *token)
{
    if (j->use_template) {
        char *body = wz_wechat_template_body(j->openid, j->template_id, NULL, j->number, j->summary, j->when);
        post_api(j, "/cgi-bin/message/template/send", token, body, oa_on_answer);
        return;
    }
    char *text = strdup(j->text);
    if (text == NULL)
        abort();
    wz_outbound_cut_bytes(text, WZ_WECHAT_TEXT_MAX_BYTES);
    char *body = wz_wechat_custom_text_body(j->openid, text);
    free(text);
    post_api(j, "/cgi-bin/message/custom/send", token, body, oa_on_answer);
}

void wz_ob_deliver_wechat_oa(wz_ob_job_t *j)
{
    char want[40];
    snprintf(want, sizeof(want), "acct:%lld", (long long)j->account_id);
    if (j->account_id == 0) {
        wz_ob_finish(j, WZ_OB_DEAD, NULL, "the ticket came through no official account");
        return;
    }
    if (strcmp(j->citizen_appid, want) != 0 || j->openid[0] == '\0') {
        wz_ob_finish(j, WZ_OB_DEAD, NULL, "the ticket's citizen has no openid on account %lld",
                     (long long)j->account_id);
        return;
    }
    if (wz_ob_secret(j, "app_id", j->app_id, sizeof(j->app_id)) != 0 ||
        wz_ob_secret(j, "app_secret", j->app_secret, sizeof(j->app_secret)) != 0) {
        wz_ob_finish(j, WZ_OB_DEAD, NULL, "account %lld has no app_id and app_secret in its secrets",
                     (long long)j->account_id);
        return;
    }
    wz_ob_secret(j, "template_id", j->template_id, sizeof(j->template_id)); /* optional */
    if (!wz_wechat_in_window(j->last_citizen_msg, (int64_t)time(NULL))) {
        if (j->template_id[0] == '\0') {
            wz_ob_finish(j, WZ_OB_DEAD, NULL,
                         "outside WeChat's 48-hour reply window (the citizen last wrote more than 48 hours ago) and "
                         "account %lld has no template_id for a template message",
                         (long long)j->account_id);
            return;
        }
        j->use_template = 1;
    }
    get_token(j, j->account_id, j->app_id, j->app_secret, oa_on_token);
}

/* ---- the mini-program ---- */

static void mp_send(wz_ob_job_t *j, const char *token);

static void mp_on_token(wz_ob_job_t *j, const char *token, const char *error)
{
    if (token == NULL) {
        wz_ob_finish(j, WZ_OB_RETRY, NULL, "%s", error);
        return;
    }
    mp_send(j, token);
}

static void mp_on_answer(const wz_http_response_t *res, void *data)
{
    wz_ob_job_t *j = data;
    long errcode;
    char msg[256];
    wz_wx_class_t c = wz_wechat_classify(res->status, res->error, res->body, res->len, &errcode, msg, sizeof(msg));
    switch (c) {
    case WZ_WX_OK:
        wz_ob_finish(j, WZ_OB_SENT, "wechat_subscribe", NULL);
        return;
    case WZ_WX_REFUSED: /* no subscription: the reply waits in the mini-program, as always */
        wz_ob_finish(j, WZ_OB_SENT, "in_app (not subscribed, 43101)", NULL);
        return;
    case WZ_WX_TOKEN:
        if (!j->token_refreshed) {
            j->token_refreshed = 1;
            drop_token(j, 0);
            get_token(j, 0, j->ob->opts.miniprogram_appid, j->ob->opts.miniprogram_secret, mp_on_token);
            return;
        }
        wz_ob_finish(j, WZ_OB_RETRY, NULL, "subscribe/send: %s, also with a new access token", msg);
        return;
    case WZ_WX_PERMANENT:
        wz_ob_finish(j, WZ_OB_DEAD, NULL, "subscribe/send: %s", msg);
        return;
    default:
        wz_ob_finish(j, WZ_OB_RETRY, NULL, "subscribe/send: %s", msg);
    }
}

static void mp_send(wz_ob_job_t *j, const char *token)
{
    const wz_outbox_options_t *o = &j->ob->opts;
    char page[300] = "";
    if (o->miniprogram_page != NULL && o->miniprogram_page[0] != '\0')
        snprintf(page, sizeof(page), "%s?id=%lld", o->miniprogram_page, (long long)j->ticket_id);
    char *body = wz_wechat_template_body(j->openid, o->miniprogram_template_id, page, j->number, j->summary, j->when);
    post_api(j, "/cgi-bin/message/subscribe/send", token, body, mp_on_answer);
}

void wz_ob_deliver_miniprogram(wz_ob_job_t *j)
{
    const wz_outbox_options_t *o = &j->ob->opts;
    /* the mini-program shows the acknowledgement, the reply and any question in the ticket; a
     * subscribe message only tells the citizen a reply came */
    if (strcmp(j->kind, "reply") != 0) {
        wz_ob_finish(j, WZ_OB_SENT, "in_app", NULL);
        return;
    }
    if (o->miniprogram_template_id == NULL || o->miniprogram_template_id[0] == '\0') {
        wz_ob_finish(j, WZ_OB_SENT, "in_app (no miniprogram.reply_template_id)", NULL);
        return;
    }
    if (o->miniprogram_appid == NULL || o->miniprogram_appid[0] == '\0' || o->miniprogram_secret == NULL ||
        o->miniprogram_secret[0] == '\0') {
        wz_ob_finish(j, WZ_OB_DEAD, NULL, "miniprogram_appid and miniprogram_secret are not configured");
        return;
    }
    if (strcmp(j->citizen_appid, o->miniprogram_appid) != 0 || j->openid[0] == '\0') {
        wz_ob_finish(j, WZ_OB_SENT, "in_app (the citizen has no mini-program openid)", NULL);
        return;
    }
    get_token(j, 0, o->miniprogram_appid, o->miniprogram_secret, mp_on_token);
}
