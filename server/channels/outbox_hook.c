/* The outbox's hook sender (12345 hotline, apps, web, other): POSTs the event as JSON to the
 * account's secrets.callback_url, signed like the inbound hook (channels/hook.h):
 *
 *   X-Wz-Timestamp: <unix seconds>    X-Wz-Signature: hex(HMAC-SHA256(hmac_secret, ts "." body))
 *   X-Wz-Delivery: <outbox id>        (the same on every retry: the receiver drops duplicates)
 *   X-Wz-Event: acknowledgement | reply | request_info
 *   {"event", "delivery_id", "ticket": {"id", "no", "status", "external_id"}, "text",
 *    "reply": {"id", "content", "published_at"} | "acknowledgement": {"promised_reply_at"}
 *    | "request_info": {"question"}}
 *
 * 2xx is delivered; 408, 429, 5xx, a timeout or a refused connection are tried again; any other
 * status is permanent (the row is dead at once). A ticket without an account, or an account
 * without callback_url, has nobody to call: the row is marked sent ("no_callback"). */
#include "channels/hook.h"
#include "channels/outbox_job.h"
#include "common/timefmt.h"
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define URL_MAX 1024
#define SECRET_MAX 512
#define ANSWER_MAX (64 * 1024)

static json_t *id_json(int64_t id)
{
    char s[24];
    snprintf(s, sizeof(s), "%lld", (long long)id);
    return json_string(s);
}

static json_t *time_json(int64_t utc)
{
    if (utc == 0)
        return json_null();
    char s[WZ_RFC3339_MAX];
    wz_time_format(utc, s);
    return json_string(s);
}

static char *event_body(const wz_ob_job_t *j)
{
    json_t *ticket = json_pack("{s:o, s:s, s:s, s:o}", "id", id_json(j->ticket_id), "no", j->number, "status",
                               j->status, "external_id", j->external_id[0] ? json_string(j->external_id) : json_null());
    json_t *doc = json_pack("{s:s, s:o, s:o, s:s}", "event", j->kind, "delivery_id", id_json(j->id), "ticket", ticket,
                            "text", j->text);
    if (strcmp(j->kind, "reply") == 0)
        json_object_set_new(doc, "reply",
                            json_pack("{s:o, s:s, s:o}", "id", id_json(j->reply_id), "content", j->reply_body,
                                      "published_at", time_json(j->reply_published)));
    else if (strcmp(j->kind, "acknowledgement") == 0)
        json_object_set_new(doc, "acknowledgement",
                            json_pack("{s:o}", "promised_reply_at", time_json(j->promised_reply)));
    else
        json_object_set_new(doc, "request_info", json_pack("{s:s}", "question", j->question));
    char *s = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (s == NULL)
        abort();
    return s;
}

static void on_answer(const wz_http_response_t *res, void *data)
{
    wz_ob_job_t *j = data;
    switch (wz_hook_answer_class(res->status, res->error)) {
    case WZ_HOOK_ANSWER_DELIVERED:
        wz_ob_finish(j, WZ_OB_SENT, "hook", NULL);
        return;
    case WZ_HOOK_ANSWER_PERMANENT:
        wz_ob_finish(j, WZ_OB_DEAD, NULL, "the callback answered HTTP %ld (permanent)", res->status);
        return;
    default:
        if (res->error != NULL)
            wz_ob_finish(j, WZ_OB_RETRY, NULL, "the callback did not answer: %.200s", res->error);
        else
            wz_ob_finish(j, WZ_OB_RETRY, NULL, "the callback answered HTTP %ld", res->status);
    }
}

void wz_ob_deliver_hook(wz_ob_job_t *j)
{
    char url[URL_MAX], secret[SECRET_MAX];
    if (j->account_id == 0 || wz_ob_secret(j, "callback_url", url, sizeof(url)) != 0) {
        /* the web message board's own tickets, or a sender that takes no callbacks: the citizen
         * reads the answer where they wrote */
        wz_ob_finish(j, WZ_OB_SENT, "no_callback", NULL);
        return;
    }
    if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) {
        wz_ob_finish(j, WZ_OB_DEAD, NULL, "account %lld: callback_url must be an http(s) URL",
                     (long long)j->account_id);
        return;
    }
    if (wz_ob_secret(j, "hmac_secret", secret, sizeof(secret)) != 0) {
        wz_ob_finish(j, WZ_OB_DEAD, NULL, "account %lld has a callback_url but no hmac_secret to sign with",
                     (long long)j->account_id);
        return;
    }
    char *body = event_body(j);
    char ts[24], sig[65];
    snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
    wz_hook_sign(secret, strlen(secret), ts, strlen(ts), body, strlen(body), sig);
    sodium_memzero(secret, sizeof(secret));
    char h_ts[48], h_sig[96], h_id[48], h_ev[64];
    snprintf(h_ts, sizeof(h_ts), "X-Wz-Timestamp: %s", ts);
    snprintf(h_sig, sizeof(h_sig), "X-Wz-Signature: %s", sig);
    snprintf(h_id, sizeof(h_id), "X-Wz-Delivery: %lld", (long long)j->id);
    snprintf(h_ev, sizeof(h_ev), "X-Wz-Event: %s", j->kind);
    const char *headers[] = {h_ts, h_sig, h_id, h_ev, NULL};
    int ret = wz_http_post(j->ob->http, url, "application/json", body, strlen(body), headers,
                           j->ob->opts.hook_timeout_ms, ANSWER_MAX, on_answer, j);
    free(body);
    if (ret != 0)
        wz_ob_finish(j, WZ_OB_RETRY, NULL, "cannot call the callback");
}
