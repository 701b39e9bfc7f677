/* multipart/form-data, read in place (uploads/multipart.h).
 *
 * The body is: optional preamble, then for each part "--boundary" CRLF, header lines, an empty
 * line, the data, and CRLF before the next "--boundary"; after the last part "--boundary--".
 * A part's data ends at the first CRLF "--boundary", which by the RFC cannot occur inside it.
 * Bare LF line ends are accepted in the headers (some clients send them), never in the
 * delimiter, so data bytes are never guessed at. */
#include "uploads/multipart.h"
#include <string.h>
#include <strings.h>

static const char *find(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
    if (nlen == 0 || hlen < nlen)
        return NULL;
    return memmem(hay, hlen, needle, nlen);
}

static int lower_eq(const char *a, size_t alen, const char *lit)
{
    size_t n = strlen(lit);
    return alen == n && strncasecmp(a, lit, n) == 0;
}

/* bytes from p to end, never negative (the compiler cannot prove p <= end everywhere) */
static size_t left(const char *p, const char *end)
{
    return p < end ? (size_t)(end - p) : 0;
}

static const char *skip_ows(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* RFC 2046 bchars, without the space it allows inside (but not at the end): we refuse spaces,
 * which no browser or WeChat sends and which would make the header parse ambiguous */
static int bchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || strchr("'()+_,-./:=?", c);
}

wz_multipart_status_t wz_multipart_boundary(const char *ct, size_t len, char out[WZ_MULTIPART_BOUNDARY_MAX + 1])
{
    const char *end = ct + len, *p = skip_ows(ct, end);
    const char *semi = memchr(p, ';', left(p, end));
    const char *type_end = semi ? semi : end;
    while (type_end > p && (type_end[-1] == ' ' || type_end[-1] == '\t'))
        type_end--;
    if (!lower_eq(p, (size_t)(type_end - p), "multipart/form-data"))
        return WZ_MULTIPART_NOT_MULTIPART;
    while (semi != NULL) {
        p = skip_ows(semi + 1, end);
        semi = memchr(p, ';', left(p, end));
        const char *pend = semi ? semi : end;
        const char *eq = memchr(p, '=', left(p, pend));
        if (eq == NULL || !lower_eq(p, (size_t)(eq - p), "boundary"))
            continue;
        const char *v = eq + 1, *vend = pend;
        if (v < vend && *v == '"') {
            v++;
            const char *q = memchr(v, '"', left(v, end));
            if (q == NULL)
                return WZ_MULTIPART_BAD_BOUNDARY;
            vend = q;
        } else {
            while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
                vend--;
        }
        size_t n = (size_t)(vend - v);
        if (n == 0 || n > WZ_MULTIPART_BOUNDARY_MAX)
            return WZ_MULTIPART_BAD_BOUNDARY;
        for (size_t i = 0; i < n; i++)
            if (!bchar((unsigned char)v[i]))
                return WZ_MULTIPART_BAD_BOUNDARY;
        memcpy(out, v, n);
        out[n] = '\0';
        return WZ_MULTIPART_OK;
    }
    return WZ_MULTIPART_BAD_BOUNDARY;
}

/* the name parameter of a Content-Disposition: form-data value */
static int disposition_names(const char *v, size_t len, const char *field)
{
    const char *end = v + len, *p = skip_ows(v, end);
    const char *semi = memchr(p, ';', left(p, end));
    const char *t = semi ? semi : end;
    while (t > p && (t[-1] == ' ' || t[-1] == '\t'))
        t--;
    if (!lower_eq(p, (size_t)(t - p), "form-data"))
        return 0;
    while (semi != NULL) {
        p = skip_ows(semi + 1, end);
        const char *eq = memchr(p, '=', left(p, end));
        if (eq == NULL)
            return 0;
        const char *val = eq + 1, *vend;
        if (val < end && *val == '"') {
            val++;
            vend = memchr(val, '"', left(val, end));
            if (vend == NULL)
                return 0;
            semi = memchr(vend, ';', left(vend, end));
        } else {
            semi = memchr(val, ';', left(val, end));
            vend = semi ? semi : end;
            while (vend > val && (vend[-1] == ' ' || vend[-1] == '\t'))
                vend--;
        }
        if (lower_eq(p, (size_t)(eq - p), "name"))
            return (size_t)(vend - val) == strlen(field) && memcmp(val, field, strlen(field)) == 0;
    }
    return 0;
}

wz_multipart_status_t wz_multipart_find(const char *body, size_t len, const char *boundary, const char *field,
                                        wz_multipart_part_t *out)
{
    char delim[WZ_MULTIPART_BOUNDARY_MAX + 5]; /* CRLF "--" boundary */
    size_t blen = strlen(boundary);
    if (blen == 0 || blen > WZ_MULTIPART_BOUNDARY_MAX)
        return WZ_MULTIPART_BAD_BOUNDARY;
    memcpy(delim, "\r\n--", 4);
    memcpy(delim + 4, boundary, blen);
    size_t dlen = blen + 4;
    const char *end = body + len, *p;
    /* the first delimiter may open the body without the CRLF before it */
    if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0)
        p = body + dlen - 2;
    else {
        const char *d = find(body, len, delim, dlen);
        if (d == NULL)
            return WZ_MULTIPART_MALFORMED;
        p = d + dlen;
    }
    for (int parts = 0;; parts++) {
        /* after a delimiter: "--" closes, else optional whitespace then CRLF opens a part */
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            return WZ_MULTIPART_NO_FIELD;
        if (parts >= WZ_MULTIPART_PARTS_MAX)
            return WZ_MULTIPART_TOO_MANY;
        p = skip_ows(p, end);
        if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
            p += 2;
        else if (end - p >= 1 && p[0] == '\n')
            p += 1;
        else
            return WZ_MULTIPART_MALFORMED;
        /* the header block ends at an empty line */
        const char *hstart = p, *hend = NULL, *data = NULL;
        size_t window = left(p, end) < WZ_MULTIPART_HEADERS_MAX ? left(p, end) : WZ_MULTIPART_HEADERS_MAX;
        if (window >= 2 && p[0] == '\r' && p[1] == '\n') {
            hend = p, data = p + 2; /* no headers at all */
        } else if (window >= 1 && p[0] == '\n') {
            hend = p, data = p + 1;
        } else {
            const char *crlf = find(p, window, "\r\n\r\n", 4), *lf = find(p, window, "\n\n", 2);
            if (crlf != NULL && (lf == NULL || crlf < lf))
                hend = crlf, data = crlf + 4;
            else if (lf != NULL)
                hend = lf, data = lf + 2;
        }
        if (hend == NULL)
            return window == WZ_MULTIPART_HEADERS_MAX ? WZ_MULTIPART_TOO_MANY : WZ_MULTIPART_MALFORMED;
        const char *next = find(data, left(data, end), delim, dlen);
        if (next == NULL)
            return WZ_MULTIPART_MALFORMED;
        /* the headers of this part: is it the field? */
        int named = 0;
        const char *ctype = NULL;
        size_t ctype_len = 0;
        for (const char *line = hstart; line < hend;) {
            const char *eol = memchr(line, '\n', (size_t)(hend - line));
            const char *lend = eol ? eol : hend;
            const char *vend = lend > line && lend[-1] == '\r' ? lend - 1 : lend;
            const char *colon = memchr(line, ':', (size_t)(vend - line));
            if (colon != NULL) {
                const char *v = skip_ows(colon + 1, vend);
                if (lower_eq(line, (size_t)(colon - line), "content-disposition"))
                    named = disposition_names(v, (size_t)(vend - v), field);
                else if (lower_eq(line, (size_t)(colon - line), "content-type"))
                    ctype = v, ctype_len = (size_t)(vend - v);
            }
            line = eol ? eol + 1 : hend;
        }
        if (named) {
            out->data = data;
            out->len = (size_t)(next - data);
            out->content_type = ctype;
            out->content_type_len = ctype_len;
            return WZ_MULTIPART_OK;
        }
        p = next + dlen;
    }
}

const char *wz_multipart_strerror(wz_multipart_status_t st)
{
    switch (st) {
    case WZ_MULTIPART_OK:
        return "ok";
    case WZ_MULTIPART_NOT_MULTIPART:
        return "the body is not multipart/form-data";
    case WZ_MULTIPART_BAD_BOUNDARY:
        return "the multipart boundary is missing or not valid";
    case WZ_MULTIPART_MALFORMED:
        return "the multipart body is malformed";
    case WZ_MULTIPART_NO_FIELD:
        return "the multipart body has no part named file";
    case WZ_MULTIPART_TOO_MANY:
        return "the multipart body has too many parts or too long part headers";
    }
    return "the multipart body cannot be read";
}
