/* Fuzzes the upload parsers (uploads/multipart.c, uploads/sniff.c).
 *
 * Input: a Content-Type header value, a NUL byte, then the body. Invariants: a found part lies
 * inside the body, holds no delimiter, and is preceded by a header block naming the field; a
 * boundary, when accepted, is 1-70 characters of RFC 2046's set; the sniffer reads only what
 * it is given and names one of three types. */
#include "fuzz.h"
#include "uploads/multipart.h"
#include "uploads/sniff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t ct_len = nul ? (size_t)(nul - data) : size;
    const char *body = nul ? (const char *)nul + 1 : "";
    size_t body_len = nul ? size - ct_len - 1 : 0;
    /* copies of exactly the input's length: ASan sees any read beyond them */
    char *ct = fuzz_guarded_alloc(ct_len ? ct_len : 1);
    memcpy(ct, data, ct_len);
    char *b = fuzz_guarded_alloc(body_len ? body_len : 1);
    memcpy(b, body, body_len);

    char boundary[WZ_MULTIPART_BOUNDARY_MAX + 1];
    wz_multipart_status_t st = wz_multipart_boundary(ct, ct_len, boundary);
    if (st == WZ_MULTIPART_OK) {
        size_t n = strlen(boundary);
        FUZZ_CHECK(n >= 1 && n <= WZ_MULTIPART_BOUNDARY_MAX);
        wz_multipart_part_t part;
        st = wz_multipart_find(b, body_len, boundary, "file", &part);
        if (st == WZ_MULTIPART_OK) {
            FUZZ_CHECK(part.data >= b && part.data + part.len <= b + body_len);
            char delim[WZ_MULTIPART_BOUNDARY_MAX + 5] = "\r\n--";
            memcpy(delim + 4, boundary, n);
            FUZZ_CHECK(part.len < n + 4 || memmem(part.data, part.len, delim, n + 4) == NULL);
            if (part.content_type != NULL)
                FUZZ_CHECK(part.content_type >= b && part.content_type + part.content_type_len <= part.data);
            const char *type = wz_sniff_image((const unsigned char *)part.data, part.len);
            FUZZ_CHECK(type == NULL || strncmp(type, "image/", 6) == 0);
        }
        FUZZ_CHECK(wz_multipart_strerror(st) != NULL);
    }
    const char *t = wz_sniff_image((const unsigned char *)b, body_len);
    FUZZ_CHECK(t == NULL || strcmp(t, "image/jpeg") == 0 || strcmp(t, "image/png") == 0 ||
               strcmp(t, "image/webp") == 0);
    free(ct);
    free(b);
    return 0;
}
