#include "channels/adapter.h"
#include "channels/hook.h"
#include "common/query.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wz_push_result_clear(wz_push_result_t *r)
{
    free(r->answer);
    wz_inbound_clear(&r->msg);
    memset(r, 0, sizeof(*r));
}

void wz_push_refuse(wz_push_result_t *r, wz_push_outcome_t outcome, const char *fmt, ...)
{
    r->outcome = outcome;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof(r->message), fmt, ap);
    va_end(ap);
}

void wz_push_answer(wz_push_result_t *r, wz_push_outcome_t outcome, const char *content_type, const char *body,
                    size_t len)
{
    r->outcome = outcome;
    r->content_type = content_type;
    free(r->answer);
    r->answer = strndup(body, len);
    if (r->answer == NULL)
        abort();
}

int wz_push_query(const wz_push_t *push, const char *name, char *out, size_t outlen)
{
    out[0] = '\0';
    if (push->query == NULL)
        return 0;
    return wz_query_get(push->query, push->query_len, name, out, outlen);
}

int wz_push_fresh(const wz_push_t *push, const char *ts, size_t len)
{
    /* Unix seconds (WeChat), or milliseconds (Weibo: 13 digits); either within 5 minutes */
    int64_t when = 0;
    if (ts == NULL || len == 0 || len > 13)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (ts[i] < '0' || ts[i] > '9')
            return 0;
        when = when * 10 + (ts[i] - '0');
    }
    if (len == 13)
        when /= 1000;
    return wz_hook_timestamp_fresh(when, push->now);
}
