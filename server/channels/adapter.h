#ifndef WZ_CHANNELS_ADAPTER_H
#define WZ_CHANNELS_ADAPTER_H
/* One platform's push protocol behind one small interface. An adapter is pure: given the
 * request as it arrived and the account's secrets, it either answers at once (a handshake:
 * WeChat's echostr, Douyin's challenge) or verifies and parses the push into a wz_inbound_t
 * for the inbox, naming the acknowledgement the platform expects once it is stored. Refusals
 * carry one of a few outcomes that http/channel_push.c maps to statuses. All I/O (the account,
 * its sealed secrets, the inbox, the answer) is there, once for every platform. */
#include "channels/inbound.h"
#include <stddef.h>
#include <stdint.h>

#define WZ_PUSH_SECRETS_MAX 4

typedef struct wz_push {
    int post; /* 0: GET (platforms verify the URL with it) */
    const char *query;
    size_t query_len; /* the raw query string, without '?' */
    const char *body;
    size_t body_len;
    /* a request header's value (NULL when absent) */
    const char *(*header)(const void *req, const char *name, size_t *len);
    const void *req;
    int64_t now; /* UTC seconds */
} wz_push_t;

typedef enum {
    WZ_PUSH_STORE,            /* msg is to be stored; then answer `answer` */
    WZ_PUSH_ANSWER,           /* answer `answer` now, store nothing (a handshake) */
    WZ_PUSH_UNAUTHENTICATED,  /* 401: signature, timestamp window */
    WZ_PUSH_MALFORMED,        /* 400: not the platform's format, does not decrypt */
    WZ_PUSH_INVALID,          /* 422: the format, but not a usable message */
    WZ_PUSH_TOO_LARGE,        /* 413 */
    WZ_PUSH_NOT_CONFIGURED,   /* 503: the account lacks a secret this push needs */
} wz_push_outcome_t;

typedef struct wz_push_result {
    wz_push_outcome_t outcome;
    char *answer; /* malloc'd body for STORE and ANSWER ("success", a challenge, "{}") */
    const char *content_type;
    wz_inbound_t msg;
    char message[200]; /* why, for the refusals */
} wz_push_result_t;

typedef struct wz_channel_adapter {
    const char *platform; /* accounts.platform */
    size_t max_body;      /* larger bodies are refused before take() */
    /* The secrets take() receives, in this order (a missing one is NULL). */
    const char *secrets[WZ_PUSH_SECRETS_MAX + 1];
    void (*take)(const wz_push_t *push, const char *const secrets[], wz_push_result_t *out);
} wz_channel_adapter_t;

extern const wz_channel_adapter_t wz_adapter_wechat_oa; /* wechat_oa.c */
extern const wz_channel_adapter_t wz_adapter_weibo;     /* weibo.c */
extern const wz_channel_adapter_t wz_adapter_douyin;    /* douyin.c */
extern const wz_channel_adapter_t wz_adapter_toutiao;   /* toutiao.c */

/** Frees what a result holds. */
void wz_push_result_clear(wz_push_result_t *r);
/** Sets a refusal with a message. */
void wz_push_refuse(wz_push_result_t *r, wz_push_outcome_t outcome, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Sets the answer body (copied) and its type. */
void wz_push_answer(wz_push_result_t *r, wz_push_outcome_t outcome, const char *content_type, const char *body,
                    size_t len);
/** A query parameter, decoded into out: 1 found, 0 absent, -1 malformed or too long. */
int wz_push_query(const wz_push_t *push, const char *name, char *out, size_t outlen);
/** Whether a Unix-seconds timestamp text is within 5 minutes of push->now. */
int wz_push_fresh(const wz_push_t *push, const char *ts, size_t len);

#endif
