#ifndef WZ_UPLOADS_SNIFF_H
#define WZ_UPLOADS_SNIFF_H
/* What an uploaded file is, by its first bytes, never by its name or the type the client
 * claims: a photo must be a JPEG, PNG or WebP, so an HTML page or a script renamed .jpg is
 * refused. Pure. */
#include <stddef.h>

/* the largest photo accepted: a phone photo, compressed by the client */
#define WZ_UPLOAD_FILE_MAX (5 * 1024 * 1024)

/** "image/jpeg", "image/png" or "image/webp", or NULL for anything else. */
const char *wz_sniff_image(const unsigned char *data, size_t len);

#endif
