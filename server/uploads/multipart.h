#ifndef WZ_UPLOADS_MULTIPART_H
#define WZ_UPLOADS_MULTIPART_H
/* multipart/form-data (RFC 7578), as far as an upload needs it: the one part that carries a
 * named field, found in a body held in memory (uploads are small and bounded before this runs).
 * Pure: no I/O, no allocation; the result points into the body. */
#include <stddef.h>

#define WZ_MULTIPART_BOUNDARY_MAX 70  /* RFC 2046 */
#define WZ_MULTIPART_HEADERS_MAX 8192 /* the header block of one part */
#define WZ_MULTIPART_PARTS_MAX 16

typedef enum {
    WZ_MULTIPART_OK = 0,
    WZ_MULTIPART_NOT_MULTIPART, /* the Content-Type is not multipart/form-data */
    WZ_MULTIPART_BAD_BOUNDARY,  /* missing, empty, too long or with characters RFC 2046 forbids */
    WZ_MULTIPART_MALFORMED,     /* no opening boundary, a part without a header block, no closing */
    WZ_MULTIPART_NO_FIELD,      /* well formed, but no part has the name asked for */
    WZ_MULTIPART_TOO_MANY,      /* more parts (or longer headers) than the limits above */
} wz_multipart_status_t;

typedef struct wz_multipart_part {
    const char *data;
    size_t len;
    const char *content_type; /* the part's Content-Type value (not trusted: sniff the bytes), or NULL */
    size_t content_type_len;
} wz_multipart_part_t;

/** Finds the boundary in a Content-Type header value; 0 with it in out (NUL-terminated, at most
 * WZ_MULTIPART_BOUNDARY_MAX characters), or a status. */
wz_multipart_status_t wz_multipart_boundary(const char *content_type, size_t len,
                                            char out[WZ_MULTIPART_BOUNDARY_MAX + 1]);
/** Finds the first part named field (Content-Disposition: form-data; name="field") in body. */
wz_multipart_status_t wz_multipart_find(const char *body, size_t len, const char *boundary, const char *field,
                                        wz_multipart_part_t *out);
/** A short English description of a status, for the 400 answer. */
const char *wz_multipart_strerror(wz_multipart_status_t st);

#endif
