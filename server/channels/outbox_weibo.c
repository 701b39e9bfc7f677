/* The outbox's Weibo sender: a fans-service customer service message (粉丝服务平台 "发送客服消息",
 * POST https://m.api.weibo.com/2/messages/reply.json; formats and error codes in
 * channels/outbound_social.h) to the fan who wrote, as plain text cut to the platform's limit.
 *
 * - The fan is the ticket's citizen: appid "acct:<account id>", openid = their uid (the
 *   push's sender_id, channels/weibo.c).
 * - The token is the account's secrets.access_token, the one the fans-service platform shows
 *   in developer mode (or an OAuth token of the account). Weibo gives no way to fetch it with
 *   app credentials, so there is no cache or refresh here: a refused token makes the row dead
 *   with a message saying so, and the operator renews the secret and retries the row.
 * - Weibo takes replies for 48 hours after the fan's last message (a mention: one reply in 48
 *   hours). We apply the window like WeChat's, from the citizen's last message to the account
 *   on record; outside it the row is dead at once: Weibo has no template messages.
 * - The base URL is the weibo_api_base setting (tests use a fake). */
#include "channels/outbound_social.h"
#include "channels/outbox_job.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOKEN_MAX 512
#define ANSWER_MAX (64 * 1024)

static void on_answer(const wz_http_response_t *res, void *data)
{
    wz_ob_job_t *j = data;
    long code;
    char msg[256];
    switch (wz_weibo_classify(res->status, res->error, res->body, res->len, &code, msg, sizeof(msg))) {
    case WZ_SOCIAL_OK:
        wz_ob_finish(j, WZ_OB_SENT, "weibo_message", NULL);
        return;
    case WZ_SOCIAL_TOKEN:
        wz_ob_finish(j, WZ_OB_DEAD, NULL,
                     "messages/reply: %s; account %lld's secrets.access_token was refused: renew it, then retry the "
                     "row",
                     msg, (long long)j->account_id);
        return;
    case WZ_SOCIAL_WINDOW:
        wz_ob_finish(j, WZ_OB_DEAD, NULL, "messages/reply: %s (outside Weibo's reply window)", msg);
        return;
    case WZ_SOCIAL_PERMANENT:
        wz_ob_finish(j, WZ_OB_DEAD, NULL, "messages/reply: %s", msg);
        return;
    default:
        wz_ob_finish(j, WZ_OB_RETRY, NULL, "messages/reply: %s", msg);
    }
}

void wz_ob_deliver_weibo(wz_ob_job_t *j)
{
    char want[40], token[TOKEN_MAX];
    snprintf(want, sizeof(want), "acct:%lld", (long long)j->account_id);
    if (j->account_id == 0) {
        wz_ob_finish(j, WZ_OB_DEAD, NULL, "the ticket came through no Weibo account");
        return;
    }
    if (strcmp(j->citizen_appid, want) != 0 || !wz_weibo_uid_ok(j->openid)) {
        wz_ob_finish(j, WZ_OB_DEAD, NULL, "the ticket's citizen has no Weibo uid on account %lld",
                     (long long)j->account_id);
        return;
    }
    if (wz_ob_secret(j, "access_token", token, sizeof(token)) != 0) {
        wz_ob_finish(j, WZ_OB_DEAD, NULL,
                     "account %lld has no access_token in its secrets (the fans-service token of developer mode)",
                     (long long)j->account_id);
        return;
    }
    if (!wz_weibo_in_window(j->last_citizen_msg, (int64_t)time(NULL))) {
        sodium_memzero(token, sizeof(token));
        wz_ob_finish(j, WZ_OB_DEAD, NULL,
                     "outside Weibo's 48-hour reply window (the citizen last wrote more than 48 hours ago); answer "
                     "on the platform");
        return;
    }
    char *body = wz_weibo_reply_body(token, j->openid, j->text);
    sodium_memzero(token, sizeof(token));
    char *url = wz_weibo_reply_url(j->ob->opts.weibo_api_base);
    int ret = wz_http_post(j->ob->http, url, "application/x-www-form-urlencoded", body, strlen(body), NULL,
                           j->ob->opts.hook_timeout_ms, ANSWER_MAX, on_answer, j);
    sodium_memzero(body, strlen(body)); /* it carries the token; the client made its own copy */
    free(body);
    free(url);
    if (ret != 0)
        wz_ob_finish(j, WZ_OB_RETRY, NULL, "cannot call Weibo (messages/reply)");
}
