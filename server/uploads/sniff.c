#include "uploads/sniff.h"
#include <string.h>

const char *wz_sniff_image(const unsigned char *d, size_t len)
{
    /* JPEG: SOI then a marker (FF D8 FF), and the EOI a complete file ends with is not required:
     * phones send what they send; the decoder in the browser is the judge of the pixels */
    if (len >= 4 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
        return "image/jpeg";
    /* PNG: the 8-byte signature, then the IHDR chunk */
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (len >= 16 && memcmp(d, png, 8) == 0 && memcmp(d + 12, "IHDR", 4) == 0)
        return "image/png";
    /* WebP: RIFF <size> WEBP and a VP8/VP8L/VP8X chunk */
    if (len >= 16 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBPVP8", 7) == 0 &&
        (d[15] == ' ' || d[15] == 'L' || d[15] == 'X'))
        return "image/webp";
    return NULL;
}
