#ifndef WZ_AUTH_WECHAT_H
#define WZ_AUTH_WECHAT_H
/* The WeChat mini-program sign-in (code2Session): the URL the server calls and what WeChat
 * answers. Pure; http/auth.c makes the call on the loop's HTTP client.
 *
 *   GET {base}/sns/jscode2session?appid=...&secret=...&js_code=...&grant_type=authorization_code
 *   -> {"openid": "...", "session_key": "...", "unionid": "..."?}
 *   or {"errcode": 40029, "errmsg": "invalid code"}  (40163: code already used; 45011: too many
 *      calls; -1: WeChat busy) */
#include <stddef.h>

#define WZ_WECHAT_ID_MAX 64
#define WZ_WECHAT_CODE_MAX 128

typedef enum {
    WZ_WECHAT_OK,         /* openid (and maybe unionid) filled */
    WZ_WECHAT_BAD_CODE,   /* the code is invalid, expired or used: the client must log in again */
    WZ_WECHAT_RATE_LIMIT, /* WeChat says: too many calls */
    WZ_WECHAT_FAILED,     /* any other error, or an answer that is not the documented shape */
} wz_wechat_outcome_t;

typedef struct wz_wechat_session {
    wz_wechat_outcome_t outcome;
    char openid[WZ_WECHAT_ID_MAX + 1];
    char unionid[WZ_WECHAT_ID_MAX + 1]; /* "" when WeChat gave none */
    long errcode;
    char errmsg[128];
} wz_wechat_session_t;

/** Whether a wx.login code is plausible (1..128 visible ASCII characters) before it is sent. */
int wz_wechat_code_valid(const char *code, size_t len);
/** The jscode2session URL (malloc'd); base is scheme and host, maybe with a port. */
char *wz_wechat_session_url(const char *base, const char *appid, const char *secret, const char *code);
/** Reads WeChat's answer (HTTP status already checked). */
void wz_wechat_parse_session(const char *body, size_t len, wz_wechat_session_t *out);

#endif
