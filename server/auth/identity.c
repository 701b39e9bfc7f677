#include "auth/identity.h"
#include "auth/session.h"
#include <errno.h>
#include <jwt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_MAX 2048 /* anything longer is not ours */

int wz_unit_path_valid(const char *path)
{
    size_t n = strlen(path);
    if (n < 3 || n >= WZ_UNIT_PATH_MAX || path[0] != '/' || path[n - 1] != '/')
        return 0;
    for (size_t i = 1; i < n; i++) {
        if (path[i] == '/') {
            if (path[i - 1] == '/')
                return 0;
        } else if (path[i] < '0' || path[i] > '9') {
            return 0;
        }
    }
    return 1;
}

char *wz_token_issue(const char *secret, const wz_identity_t *who, int64_t now, int ttl)
{
    if (who->role == WZ_ROLE_SYSTEM || (unsigned)who->role >= WZ_ROLE__COUNT || who->id <= 0)
        return NULL;
    if (who->role != WZ_ROLE_CITIZEN && !wz_unit_path_valid(who->unit_path))
        return NULL;
    jwt_t *jwt = NULL;
    char *out = NULL, sub[24], jti[23];
    if (jwt_new(&jwt) != 0)
        abort();
    snprintf(sub, sizeof(sub), "%lld", (long long)who->id);
    wz_token_id(jti);
    if (jwt_add_grant(jwt, "sub", sub) != 0 || jwt_add_grant(jwt, "role", wz_role_name(who->role)) != 0 ||
        jwt_add_grant_int(jwt, "unit", (long)who->unit_id) != 0 ||
        jwt_add_grant(jwt, "upath", who->role == WZ_ROLE_CITIZEN ? "" : who->unit_path) != 0 ||
        jwt_add_grant(jwt, "typ", "access") != 0 || jwt_add_grant(jwt, "jti", jti) != 0 || jwt_add_grant_int(jwt, "iat", (long)now) != 0 ||
        jwt_add_grant_int(jwt, "exp", (long)(now + ttl)) != 0 ||
        jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)secret, (int)strlen(secret)) != 0)
        goto done;
    out = jwt_encode_str(jwt);
done:
    jwt_free(jwt);
    return out;
}

static int set_why(const char **why, const char *text)
{
    if (why != NULL)
        *why = text;
    return -1;
}

int wz_token_verify(const char *secret, const char *token, size_t len, int64_t now, wz_identity_t *out,
                    const char **why)
{
    if (len == 0 || len > TOKEN_MAX || memchr(token, '\0', len) != NULL)
        return set_why(why, "malformed token");
    char buf[TOKEN_MAX + 1];
    memcpy(buf, token, len);
    buf[len] = '\0';
    jwt_t *jwt = NULL;
    /* always with the key: with NULL libjwt would skip the signature */
    if (jwt_decode(&jwt, buf, (const unsigned char *)secret, (int)strlen(secret)) != 0 || jwt == NULL)
        return set_why(why, "bad signature or malformed token");
    int ret = -1;
    const char *reason = "invalid claims";
    if (jwt_get_alg(jwt) != JWT_ALG_HS256) {
        reason = "wrong algorithm";
        goto done;
    }
    const char *typ = jwt_get_grant(jwt, "typ");
    const char *sub = jwt_get_grant(jwt, "sub");
    const char *role = jwt_get_grant(jwt, "role");
    const char *upath = jwt_get_grant(jwt, "upath");
    if (typ == NULL || strcmp(typ, "access") != 0 || sub == NULL || role == NULL)
        goto done;
    errno = 0;
    long exp = jwt_get_grant_int(jwt, "exp");
    if (errno != 0 || exp <= 0) {
        reason = "no expiry";
        goto done;
    }
    if ((int64_t)exp <= now) {
        reason = "expired";
        goto done;
    }
    errno = 0;
    long iat = jwt_get_grant_int(jwt, "iat");
    if (errno != 0 || (int64_t)iat > now + WZ_TOKEN_LEEWAY)
        goto done;
    errno = 0;
    long nbf = jwt_get_grant_int(jwt, "nbf");
    if (errno == 0 && (int64_t)nbf > now + WZ_TOKEN_LEEWAY) {
        reason = "not yet valid";
        goto done;
    }
    int r = wz_role_parse(role, strlen(role));
    if (r < 0 || r == WZ_ROLE_SYSTEM)
        goto done;
    char *end = NULL;
    long long id = strtoll(sub, &end, 10);
    if (end == sub || *end != '\0' || id <= 0)
        goto done;
    memset(out, 0, sizeof(*out));
    out->role = (wz_role_t)r;
    out->id = id;
    errno = 0;
    long unit = jwt_get_grant_int(jwt, "unit");
    out->unit_id = errno == 0 && unit > 0 ? unit : 0;
    if (out->role != WZ_ROLE_CITIZEN) {
        if (upath == NULL || !wz_unit_path_valid(upath) || out->unit_id <= 0)
            goto done;
        snprintf(out->unit_path, sizeof(out->unit_path), "%s", upath);
    }
    out->expires = exp;
    out->issued = iat;
    ret = 0;
done:
    jwt_free(jwt);
    if (ret != 0)
        set_why(why, reason);
    return ret;
}

int wz_scope_covers(const wz_identity_t *who, const char *unit_path)
{
    if (unit_path == NULL)
        return who->role == WZ_ROLE_ADMIN;
    switch (who->role) {
    case WZ_ROLE_ADMIN:
        return 1;
    case WZ_ROLE_STAFF:
    case WZ_ROLE_REVIEWER:
        return strcmp(unit_path, who->unit_path) == 0;
    case WZ_ROLE_DISPATCHER:
    case WZ_ROLE_SUPERVISOR:
    case WZ_ROLE_EVALUATOR:
        return strncmp(unit_path, who->unit_path, strlen(who->unit_path)) == 0;
    default:
        return 0;
    }
}
