#ifndef WZ_HTTP_ERRORS_H
#define WZ_HTTP_ERRORS_H
/* Every error the API produces, mapped to its HTTP status and JSON code in exactly one table. */

typedef enum {
    WZ_ERR_BAD_REQUEST,
    WZ_ERR_INVALID_JSON,
    WZ_ERR_UNAUTHENTICATED,
    WZ_ERR_FORBIDDEN,
    WZ_ERR_NOT_FOUND,
    WZ_ERR_METHOD_NOT_ALLOWED,
    WZ_ERR_CONFLICT,
    WZ_ERR_INVALID_TRANSITION,
    WZ_ERR_BODY_TOO_LARGE,
    WZ_ERR_UNSUPPORTED_MEDIA_TYPE,
    WZ_ERR_VALIDATION,
    WZ_ERR_PERSONAL_DATA,
    WZ_ERR_RATE_LIMITED,
    WZ_ERR_INTERNAL,
    WZ_ERR_UPSTREAM,
    WZ_ERR_NOT_CONFIGURED,
    WZ_ERR_OVERLOADED,
    WZ_ERR_DB_UNAVAILABLE,
    WZ_ERR_TIMEOUT,
    WZ_ERR_SHUTTING_DOWN,
    WZ_ERR__COUNT
} wz_err_t;

typedef struct {
    int status;
    const char *code;
    const char *message; /* default human text */
    int retry_after;     /* seconds for Retry-After, 0 = none */
} wz_err_info_t;

/** The status, code, default message and Retry-After of an error. */
const wz_err_info_t *wz_err_info(wz_err_t err);
/** Maps a WZ_DB_E* code to the API error to answer with. */
wz_err_t wz_err_from_db(int db_code);

#endif
