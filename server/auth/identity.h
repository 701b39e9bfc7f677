#ifndef WZ_AUTH_IDENTITY_H
#define WZ_AUTH_IDENTITY_H
/* Who is calling: the claims of a verified access token, and what they may see.
 *
 * Access tokens are HS256 JWTs with the claims
 *   sub   the user id (staff roles) or the citizen id (role citizen), as a decimal string
 *   role  citizen, staff, reviewer, dispatcher, supervisor, evaluator, admin
 *   unit  the user's unit id (0 for citizens)
 *   upath the unit's materialised path ("/1/5/7/"), so scope checks need no lookup
 *   iat, exp (and nbf when present), typ "access", jti (a random id, for the audit trail)
 * libjwt 1.10 checks only the signature, so the algorithm and the times are checked here. */
#include "tickets/lifecycle.h"
#include <stddef.h>
#include <stdint.h>

#define WZ_UNIT_PATH_MAX 256
#define WZ_TOKEN_LEEWAY 30 /* seconds of clock skew allowed on iat / nbf */

typedef struct wz_identity {
    wz_role_t role;
    int64_t id;      /* users.id, or the citizen's id for role citizen */
    int64_t unit_id; /* 0 = none */
    char unit_path[WZ_UNIT_PATH_MAX];
    int64_t expires; /* UTC seconds */
    int64_t issued;  /* iat: a revocation after it ends the token */
} wz_identity_t;

/** Makes an access token valid for ttl seconds from now. The string is malloc'd. NULL only on
 * a bad identity (no role, path too long). */
char *wz_token_issue(const char *secret, const wz_identity_t *who, int64_t now, int ttl);
/** Verifies a token (signature, HS256, typ, exp, nbf, iat) and fills out. 0, or -1 with a
 * short reason ("expired", "bad signature", ...) in why. */
int wz_token_verify(const char *secret, const char *token, size_t len, int64_t now, wz_identity_t *out,
                    const char **why);

/** Whether the caller's scope covers a unit with this path: admin everything; staff and
 * reviewers their own unit; dispatchers, supervisors and evaluators their unit's subtree;
 * citizens no unit (they see their own tickets, checked by citizen id). */
int wz_scope_covers(const wz_identity_t *who, const char *unit_path);
/** Whether a path is well formed: "/" then one or more "digits/". */
int wz_unit_path_valid(const char *path);

#endif
