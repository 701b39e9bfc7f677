#ifndef WZ_HTTP_AUTH_SESSION_H
#define WZ_HTTP_AUTH_SESSION_H
/* What the sign-in handlers share (http/auth*.c): the job a sign-in carries through its
 * transaction, issuing a session (an access token and the next refresh token of a family), the
 * audit row, and the answer. Internal to the auth handlers. */
#include "auth/password.h"
#include "auth/session.h"
#include "auth/wechat.h"
#include "db/txn.h"
#include "http/server.h"

#define USERNAME_MAX 64
#define PASSWORD_MAX 1024

typedef enum { OUT_OK, OUT_BAD_LOGIN, OUT_BAD_REFRESH, OUT_REVOKED, OUT_BLOCKED, OUT_BAD_CODE } outcome_t;

typedef struct {
    wz_ctx_t *ctx;
    uv_work_t work;
    char username[USERNAME_MAX + 1];
    char *password; /* wiped and freed after the verification */
    char hash[WZ_PASSWORD_HASH_MAX];
    int verified;
    /* the user, as read */
    int64_t user_id, unit_id;
    wz_role_t role;
    int role_known; /* the user row was read (else the audit says "user") */
    int citizen;    /* the subject is a citizen (citizens.id in user_id), not a user */
    char openid[WZ_WECHAT_ID_MAX + 1], unionid[WZ_WECHAT_ID_MAX + 1];
    char phone[16], code[8];  /* the phone sign-in */
    const char *login_action; /* the audit action of a new session (NULL: auth.login) */
    int disabled;
    char unit_path[WZ_UNIT_PATH_MAX], display_name[128];
    /* the session */
    uint8_t presented[WZ_REFRESH_HASH_LEN];
    int64_t token_id, family_id;
    char refresh[WZ_REFRESH_TOKEN_LEN + 1];
    uint8_t refresh_hash[WZ_REFRESH_HASH_LEN];
    int key; /* failures: 0 user, 1 ip */
    outcome_t outcome;
    int64_t now;
} auth_job_t;

extern const char wz_auth_sql_citizen[]; /* SELECT disabled FROM citizens WHERE id = ? */

auth_job_t *wz_auth_job_new(wz_ctx_t *ctx);
void wz_auth_job_free(auth_job_t *j);
/** Writes the audit row of the sign-in (action) and goes on with next. */
void wz_auth_audit(wz_db_txn_t *txn, auth_job_t *j, const char *action, wz_db_txn_step_fn next);
/** Runs first as a transaction; its end answers by j->outcome (the session, or the refusal). */
void wz_auth_begin(auth_job_t *j, wz_db_txn_step_fn first);
/** Fails the transaction on err; returns 1 if it did. */
int wz_auth_failed(wz_db_txn_t *txn, const wz_db_error_t *err);
/** A step that commits. */
void wz_auth_commit_step(wz_db_txn_t *txn, const wz_db_result_t *res, const wz_db_error_t *err);
/** Issues the next refresh token of j->family_id (0: a new family), audits, commits. */
void wz_auth_add_token(wz_db_txn_t *txn, auth_job_t *j);
/** A citizen (j->user_id) signs in: refused when blocked, else a new session. */
void wz_auth_citizen_signed_in(wz_db_txn_t *txn, auth_job_t *j);

#endif
