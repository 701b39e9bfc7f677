/* The upload parsers: multipart/form-data as wx.uploadFile, browsers and curl send it, its
 * malformed and hostile shapes, and the image signatures that decide what a file is. */
#include "uploads/multipart.h"
#include "uploads/sniff.h"
#include "check.h"
#include <stdlib.h>

static wz_multipart_status_t find(const char *ct, const char *body, size_t len, wz_multipart_part_t *part)
{
    char b[WZ_MULTIPART_BOUNDARY_MAX + 1];
    wz_multipart_status_t st = wz_multipart_boundary(ct, strlen(ct), b);
    if (st != WZ_MULTIPART_OK)
        return st;
    return wz_multipart_find(body, len, b, "file", part);
}

static void test_boundary(void)
{
    char b[WZ_MULTIPART_BOUNDARY_MAX + 1];
    CHECK_INT(wz_multipart_boundary("multipart/form-data; boundary=abc", 33, b), WZ_MULTIPART_OK);
    CHECK_STR(b, "abc");
    const char *q = "Multipart/Form-Data ; charset=utf-8; boundary=\"a'()+_,-./:=?Z\"";
    CHECK_INT(wz_multipart_boundary(q, strlen(q), b), WZ_MULTIPART_OK);
    CHECK_STR(b, "a'()+_,-./:=?Z");
    const char *wx = "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW";
    CHECK_INT(wz_multipart_boundary(wx, strlen(wx), b), WZ_MULTIPART_OK);
    CHECK_STR(b, "----WebKitFormBoundary7MA4YWxkTrZu0gW");
    CHECK_INT(wz_multipart_boundary("multipart/mixed; boundary=a", 27, b), WZ_MULTIPART_NOT_MULTIPART);
    CHECK_INT(wz_multipart_boundary("multipart/form-data", 19, b), WZ_MULTIPART_BAD_BOUNDARY);
    CHECK_INT(wz_multipart_boundary("multipart/form-data; boundary=", 30, b), WZ_MULTIPART_BAD_BOUNDARY);
    CHECK_INT(wz_multipart_boundary("multipart/form-data; boundary=\"abc", 34, b), WZ_MULTIPART_BAD_BOUNDARY);
    CHECK_INT(wz_multipart_boundary("multipart/form-data; boundary=a<b", 33, b), WZ_MULTIPART_BAD_BOUNDARY);
    char longb[200];
    snprintf(longb, sizeof(longb), "multipart/form-data; boundary=%071d", 0);
    CHECK_INT(wz_multipart_boundary(longb, strlen(longb), b), WZ_MULTIPART_BAD_BOUNDARY);
}

static void test_find(void)
{
    wz_multipart_part_t p;
    const char ct[] = "multipart/form-data; boundary=XyZ";
    const char body[] = "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n"
                        "--XyZ\r\ncontent-disposition: form-data; filename=\"a.jpg\"; name=\"file\"\r\n"
                        "Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\r\n--X\r\nend\r\n--XyZ--\r\n";
    CHECK_INT(find(ct, body, sizeof(body) - 1, &p), WZ_MULTIPART_OK);
    /* the data keeps its CRLFs and anything that only looks like a delimiter */
    CHECK_INT(p.len, 13);
    CHECK(memcmp(p.data, "\xff\xd8\xff\r\n--X\r\nend", 13) == 0);
    CHECK_INT(p.content_type_len, 10);
    CHECK(memcmp(p.content_type, "image/jpeg", 10) == 0);
    /* the body may open with the delimiter; bare LFs in the headers */
    const char lf[] = "--XyZ\nContent-Disposition: form-data; name=file\n\nDATA\r\n--XyZ--";
    CHECK_INT(find(ct, lf, sizeof(lf) - 1, &p), WZ_MULTIPART_OK);
    CHECK_INT(p.len, 4);
    /* an empty file part is found (and refused later as empty) */
    const char empty[] = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n\r\n--XyZ--\r\n";
    CHECK_INT(find(ct, empty, sizeof(empty) - 1, &p), WZ_MULTIPART_OK);
    CHECK_INT(p.len, 0);
}

static void test_refusals(void)
{
    wz_multipart_part_t p;
    const char ct[] = "multipart/form-data; boundary=XyZ";
    const char *bodies[] = {
        "",                                                                     /* nothing */
        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nno end", /* never closed */
        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"",               /* no header end */
        "--XyZ garbage\r\n",                                                    /* no CRLF after it */
        "no delimiter at all",
    };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
        CHECK_INT(find(ct, bodies[i], strlen(bodies[i]), &p), WZ_MULTIPART_MALFORMED);
    const char other[] = "--XyZ\r\nContent-Disposition: form-data; name=\"files\"\r\n\r\nx\r\n--XyZ--";
    CHECK_INT(find(ct, other, sizeof(other) - 1, &p), WZ_MULTIPART_NO_FIELD);
    const char attach[] = "--XyZ\r\nContent-Disposition: attachment; name=\"file\"\r\n\r\nx\r\n--XyZ--";
    CHECK_INT(find(ct, attach, sizeof(attach) - 1, &p), WZ_MULTIPART_NO_FIELD);
    /* more parts than the limit */
    char many[4096] = "";
    size_t w = 0;
    for (int i = 0; i < WZ_MULTIPART_PARTS_MAX + 1; i++)
        w += (size_t)snprintf(many + w, sizeof(many) - w,
                              "--XyZ\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\nx\r\n", i);
    snprintf(many + w, sizeof(many) - w, "--XyZ--");
    CHECK_INT(find(ct, many, strlen(many), &p), WZ_MULTIPART_TOO_MANY);
    /* a header block longer than the limit */
    size_t n = WZ_MULTIPART_HEADERS_MAX + 200;
    char *big = malloc(n + 64);
    memcpy(big, "--XyZ\r\nX-Pad: ", 14);
    memset(big + 14, 'a', n);
    memcpy(big + 14 + n, "\r\n\r\nx\r\n--XyZ--", 14);
    CHECK_INT(find(ct, big, 28 + n, &p), WZ_MULTIPART_TOO_MANY);
    free(big);
}

static void test_sniff(void)
{
    static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10};
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    static const unsigned char webp[] = "RIFF\x24\0\0\0WEBPVP8L";
    CHECK_STR(wz_sniff_image(jpeg, sizeof(jpeg)), "image/jpeg");
    CHECK_STR(wz_sniff_image(png, sizeof(png)), "image/png");
    CHECK_STR(wz_sniff_image(webp, 16), "image/webp");
    CHECK(wz_sniff_image(jpeg, 3) == NULL);
    CHECK(wz_sniff_image(png, 15) == NULL);
    CHECK(wz_sniff_image((const unsigned char *)"<svg onload=alert(1)>", 21) == NULL);
    CHECK(wz_sniff_image((const unsigned char *)"GIF89a..........", 16) == NULL);
    CHECK(wz_sniff_image((const unsigned char *)"RIFF\x24\0\0\0WAVEfmt ", 16) == NULL);
    CHECK(wz_sniff_image(NULL, 0) == NULL);
}

int main(void)
{
    RUN(test_boundary);
    RUN(test_find);
    RUN(test_refusals);
    RUN(test_sniff);
    return CHECK_DONE();
}
