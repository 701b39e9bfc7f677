#ifndef WZ_CHANNELS_OUTBOX_JOB_H
#define WZ_CHANNELS_OUTBOX_JOB_H
/* Inside the outbox sender: one job per claimed row, and the senders per channel
 * (outbox_wechat.c, outbox_hook.c, outbox_weibo.c, outbox_douyin.c for Douyin and Toutiao). A
 * sender ends every job exactly once with wz_ob_finish. Not for use outside channels/outbox*. */
#include "channels/outbound.h"
#include "channels/outbox.h"

typedef struct wz_ob_token wz_ob_token_t;

struct wz_outbox {
    uv_loop_t *loop;
    wz_db_pool_t *pool;
    wz_http_client_t *http;
    wz_outbox_options_t opts;
    uv_timer_t timer;
    int scanning;        /* the due-rows query (or the next-due query) is running */
    int want_scan;       /* the batch was full: scan again when a job ends */
    unsigned njobs;      /* claimed (or claiming) rows not yet finished */
    unsigned scan_limit; /* rows the running scan asked for */
    int stopping, handle_closed;
    void (*on_stopped)(void *);
    void *on_stopped_data;
    wz_ob_token_t *tokens; /* access tokens per account (outbox_wechat.c) */
    wz_outbox_counters_t own_counters;
};

typedef enum {
    WZ_OB_SENT,  /* delivered, or nothing to deliver: sent_at and delivered_via */
    WZ_OB_RETRY, /* try again after the backoff (dead after max_attempts) */
    WZ_OB_DEAD,  /* can never succeed as it is: an admin fixes the cause and retries it */
    WZ_OB_PARK,  /* no sender for the channel yet: looked at again later, the attempt not counted */
} wz_ob_outcome_t;

typedef struct wz_ob_job wz_ob_job_t;
typedef void (*wz_ob_token_cb)(wz_ob_job_t *j, const char *token, const char *error);

struct wz_ob_job {
    wz_outbox_t *ob;
    int64_t id;
    long long attempts; /* after our claim: the claim's token */
    int finished;       /* wz_ob_finish ran */
    wz_ob_outcome_t outcome;
    char kind[33];
    /* the ticket and how it came */
    int64_t ticket_id, account_id, citizen_id, promised_reply, last_citizen_msg;
    char number[33], status[17], channel[17], external_id[129];
    char platform[17], account_status[12];
    char *box; /* the account's sealed secrets (wz_account_secret) */
    size_t box_len;
    char citizen_appid[33], openid[65];
    int64_t reply_id, reply_published;
    char *reply_body, *question;
    /* what is said: the full text, a short summary for templates, and when it was said */
    char *text, *summary;
    int64_t when;
    /* WeChat */
    char app_id[65], app_secret[129], template_id[129];
    int token_refreshed, use_template;
    wz_ob_token_t *token;
    char used_token[WZ_WECHAT_TOKEN_MAX];
    wz_ob_token_cb on_token;
    wz_ob_job_t *next_waiter;
};

/** Ends the job: the outcome, how it was delivered (SENT) and the error text (the others). */
void wz_ob_finish(wz_ob_job_t *j, wz_ob_outcome_t outcome, const char *via, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/** Copies the account's secret `name` into out; 0, or -1 when the account has none. */
int wz_ob_secret(wz_ob_job_t *j, const char *name, char *out, size_t outlen);

/* senders */
void wz_ob_deliver_wechat_oa(wz_ob_job_t *j);
void wz_ob_deliver_miniprogram(wz_ob_job_t *j);
void wz_ob_deliver_hook(wz_ob_job_t *j);
void wz_ob_deliver_weibo(wz_ob_job_t *j);
/** Douyin and Toutiao: one ByteDance open platform, each with its own API base. */
void wz_ob_deliver_douyin(wz_ob_job_t *j);
void wz_ob_deliver_toutiao(wz_ob_job_t *j);

/** Frees the token cache (secrets wiped). */
void wz_ob_tokens_free(wz_outbox_t *ob);

#endif
