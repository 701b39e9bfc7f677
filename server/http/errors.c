#include "http/errors.h"
#include "db/db.h"

static const wz_err_info_t table[WZ_ERR__COUNT] = {
    [WZ_ERR_BAD_REQUEST] = {400, "bad_request", "the request is malformed", 0},
    [WZ_ERR_INVALID_JSON] = {400, "invalid_json", "the body is not valid JSON", 0},
    [WZ_ERR_UNAUTHENTICATED] = {401, "unauthenticated", "a valid access token is required", 0},
    [WZ_ERR_FORBIDDEN] = {403, "forbidden", "you may not do this", 0},
    [WZ_ERR_NOT_FOUND] = {404, "not_found", "no such resource", 0},
    [WZ_ERR_METHOD_NOT_ALLOWED] = {405, "method_not_allowed", "this method is not allowed here", 0},
    [WZ_ERR_CONFLICT] = {409, "conflict", "the resource changed or already exists", 0},
    [WZ_ERR_INVALID_TRANSITION] = {409, "invalid_transition", "this action is not possible in the ticket's status", 0},
    [WZ_ERR_BODY_TOO_LARGE] = {413, "body_too_large", "the request body is too large", 0},
    [WZ_ERR_UNSUPPORTED_MEDIA_TYPE] = {415, "unsupported_media_type", "the body must be application/json", 0},
    [WZ_ERR_VALIDATION] = {422, "validation_failed", "a field is invalid", 0},
    [WZ_ERR_PERSONAL_DATA] = {422, "personal_data", "the text contains personal data that may not be published", 0},
    [WZ_ERR_RATE_LIMITED] = {429, "rate_limited", "too many requests; try again later", 5},
    [WZ_ERR_INTERNAL] = {500, "internal_error", "an internal error occurred", 0},
    [WZ_ERR_UPSTREAM] = {502, "upstream_failed", "a platform the server depends on did not answer properly", 5},
    [WZ_ERR_NOT_CONFIGURED] = {503, "not_configured", "this feature is not configured on this server", 3600},
    [WZ_ERR_OVERLOADED] = {503, "overloaded", "the server is busy; try again shortly", 1},
    [WZ_ERR_DB_UNAVAILABLE] = {503, "database_unavailable", "the database is unavailable; try again shortly", 2},
    [WZ_ERR_TIMEOUT] = {503, "timeout", "the operation took too long; try again", 1},
    [WZ_ERR_SHUTTING_DOWN] = {503, "shutting_down", "the server is restarting; try again", 1},
};

const wz_err_info_t *wz_err_info(wz_err_t err)
{
    if ((unsigned)err >= WZ_ERR__COUNT)
        err = WZ_ERR_INTERNAL;
    return &table[err];
}

wz_err_t wz_err_from_db(int db_code)
{
    switch (db_code) {
    case WZ_DB_EBUSY:
        return WZ_ERR_OVERLOADED;
    case WZ_DB_ETIMEDOUT:
        return WZ_ERR_TIMEOUT;
    case WZ_DB_EUNAVAIL:
        return WZ_ERR_DB_UNAVAILABLE;
    case WZ_DB_ECLOSED:
        return WZ_ERR_SHUTTING_DOWN;
    default:
        return WZ_ERR_INTERNAL;
    }
}
