/* The outbox's ByteDance sender, for Douyin and Toutiao: a private-message reply (私信管理
 * "发送私信消息", POST /im/send/msg/; formats and error codes in channels/outbound_social.h) in
 * the conversation the citizen wrote in, as plain text cut to the assumed limit.
 *
 * - The conversation: the citizen's latest private message of the ticket in channel_inbox
 *   (payload.reply_to = content.conversation_short_id, dedupe_key "im:" + server_message_id,
 *   channels/douyin.h). The row is found by the ticket it made or joined, or by the ticket's
 *   external_id (its first row's key): the acknowledgement may be claimed before the inbox row
 *   is marked processed. Only rows of the ticket's citizen (sender = their open_id) count.
 * - A ticket that came only from a comment on a video has no conversation: the row is parked
 *   ("answered on the platform"). The comment-reply API would publish the government's answer
 *   under the video for everyone to read; case replies may carry personal details, so we do
 *   not post them publicly.
 * - The token is the account's secrets.access_token: the enterprise account's OAuth token
 *   (/oauth/access_token/, scope im.direct_message), and secrets.open_id, the account's own
 *   open_id returned with it, goes in the query. Refreshing the token (15 days; refresh_token
 *   30 days) is the operator's job: a refused token makes the row dead with a message saying so.
 * - No reply window is applied here: the platform's public pages do not state the one for this
 *   API, so its answer decides (unknown codes are retried, then dead after max_attempts).
 * - Toutiao accounts are served by the same platform (channels/toutiao.h): the same request to
 *   toutiao_api_base (default the same host), delivered_via "toutiao_im". Assumed: that
 *   Toutiao's private messages are answered through this API (no Toutiao-specific page). */
#include "channels/outbound_social.h"
#include "channels/outbox_job.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_MAX 512
#define ID_MAX 256
#define ANSWER_MAX (64 * 1024)

/* the citizen's latest private message of the ticket first; comments last */
static const char sql_conversation[] =
    "SELECT COALESCE(JSON_VALUE(payload, '$.msg_type'), ''), COALESCE(JSON_VALUE(payload, '$.reply_to'), ''), "
    "dedupe_key FROM channel_inbox WHERE account_id = ? AND sender = ? AND (ticket_id = ? OR dedupe_key = ?) "
    "ORDER BY COALESCE(JSON_VALUE(payload, '$.msg_type'), '') = 'comment', id DESC LIMIT 1";

typedef struct {
    const char *name, *via, *base;
} bd_platform_t;

static bd_platform_t platform_of(const wz_ob_job_t *j)
{
    if (strcmp(j->channel, "toutiao") == 0)
        return (bd_platform_t){"Toutiao", "toutiao_im", j->ob->opts.toutiao_api_base};
    return (bd_platform_t){"Douyin", "douyin_im", j->ob->opts.douyin_api_base};
}

static void on_answer(const wz_http_response_t *res, void *data)
{
    wz_ob_job_t *j = data;
    bd_platform_t p = platform_of(j);
    long code;
    char msg[256];
    switch (wz_bytedance_classify(p.name, res->status, res->error, res->body, res->len, &code, msg, sizeof(msg))) {
    case WZ_SOCIAL_OK:
        wz_ob_finish(j, WZ_OB_SENT, p.via, NULL);
        return;
    case WZ_SOCIAL_TOKEN:
        wz_ob_finish(j, WZ_OB_DEAD, NULL,
                     "im/send/msg: %s; account %lld's secrets.access_token was refused: refresh it, then retry the "
                     "row",
                     msg, (long long)j->account_id);
        return;
    case WZ_SOCIAL_WINDOW:
    case WZ_SOCIAL_PERMANENT:
        wz_ob_finish(j, WZ_OB_DEAD, NULL, "im/send/msg: %s", msg);
        return;
    default:
        wz_ob_finish(j, WZ_OB_RETRY, NULL, "im/send/msg: %s", msg);
    }
}

static void send_reply(wz_ob_job_t *j, const char *conversation, const char *msg_id)
{
    bd_platform_t p = platform_of(j);
    char token[TOKEN_MAX], own[ID_MAX], header[TOKEN_MAX + 32];
    if (wz_ob_secret(j, "access_token", token, sizeof(token)) != 0) {
        wz_ob_finish(j, WZ_OB_DEAD, NULL,
                     "account %lld has no access_token in its secrets (the account's OAuth token with scope "
                     "im.direct_message)",
                     (long long)j->account_id);
        return;
    }
    if (wz_ob_secret(j, "open_id", own, sizeof(own)) != 0) {
        sodium_memzero(token, sizeof(token));
        wz_ob_finish(j, WZ_OB_DEAD, NULL,
                     "account %lld has no open_id in its secrets (the account's own open_id, given with its token)",
                     (long long)j->account_id);
        return;
    }
    snprintf(header, sizeof(header), "access-token: %s", token);
    sodium_memzero(token, sizeof(token));
    const char *headers[] = {header, NULL};
    char *url = wz_bytedance_send_url(p.base, own);
    char *body = wz_bytedance_send_body(j->openid, conversation, msg_id, j->text);
    int ret = wz_http_post(j->ob->http, url, "application/json", body, strlen(body), headers,
                           j->ob->opts.hook_timeout_ms, ANSWER_MAX, on_answer, j);
    sodium_memzero(header, sizeof(header)); /* the client made its own copy */
    free(url);
    free(body);
    if (ret != 0)
        wz_ob_finish(j, WZ_OB_RETRY, NULL, "cannot call %s (im/send/msg)", p.name);
}

static void copy_text(const wz_db_result_t *res, size_t col, char *out, size_t outlen, int *too_long)
{
    size_t n;
    const char *s = wz_db_cell_text(res, 0, col, &n);
    if (n >= outlen) {
        *too_long = 1;
        n = 0;
    }
    memcpy(out, s, n);
    out[n] = '\0';
}

static void on_conversation(const wz_db_result_t *res, const wz_db_error_t *err, void *data)
{
    wz_ob_job_t *j = data;
    if (err != NULL) { /* the lease would end anyway; record why */
        wz_ob_finish(j, WZ_OB_RETRY, NULL, "cannot read the ticket's conversation: %s", err->message);
        return;
    }
    if (res->nrows == 0) {
        wz_ob_finish(j, WZ_OB_DEAD, NULL,
                     "ticket %lld has no private message of its citizen on record to answer in: answer on the "
                     "platform",
                     (long long)j->ticket_id);
        return;
    }
    char type[33], conversation[ID_MAX], key[ID_MAX];
    int too_long = 0;
    copy_text(res, 0, type, sizeof(type), &too_long);
    copy_text(res, 1, conversation, sizeof(conversation), &too_long);
    copy_text(res, 2, key, sizeof(key), &too_long);
    if (strcmp(type, "comment") == 0) {
        wz_ob_finish(j, WZ_OB_PARK, NULL,
                     "replies to comments are answered on the platform: the ticket came from a comment, not a "
                     "private message, and the reply is not published under the video");
        return;
    }
    if (too_long || conversation[0] == '\0') {
        wz_ob_finish(j, WZ_OB_DEAD, NULL, "the citizen's private message carries no conversation id to answer in");
        return;
    }
    send_reply(j, conversation, wz_bytedance_msg_id(key));
}

static void deliver(wz_ob_job_t *j)
{
    char want[40];
    snprintf(want, sizeof(want), "acct:%lld", (long long)j->account_id);
    if (j->account_id == 0) {
        wz_ob_finish(j, WZ_OB_DEAD, NULL, "the ticket came through no %s account", j->channel);
        return;
    }
    if (strcmp(j->citizen_appid, want) != 0 || j->openid[0] == '\0') {
        wz_ob_finish(j, WZ_OB_DEAD, NULL, "the ticket's citizen has no open_id on account %lld",
                     (long long)j->account_id);
        return;
    }
    wz_db_value_t p[] = {WZ_DB_INT(j->account_id), WZ_DB_TEXT(j->openid), WZ_DB_INT(j->ticket_id),
                         WZ_DB_TEXT(j->external_id)};
    if (wz_db_run(j->ob->pool, sql_conversation, p, 4, on_conversation, j) != WZ_DB_OK)
        wz_ob_finish(j, WZ_OB_RETRY, NULL, "cannot read the ticket's conversation (database busy)");
}

void wz_ob_deliver_douyin(wz_ob_job_t *j)
{
    deliver(j);
}

void wz_ob_deliver_toutiao(wz_ob_job_t *j)
{
    deliver(j);
}
