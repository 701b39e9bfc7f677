#include "common/query.h"
#include <stdlib.h>
#include <string.h>

int wz_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

long wz_url_decode(const char *src, size_t len, char *dst, int plus_is_space)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = src[i];
        if (c == '%') {
            if (len - i < 3)
                return -1;
            int hi = wz_hex_digit(src[i + 1]), lo = wz_hex_digit(src[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = (char)(hi << 4 | lo);
            if (c == '\0')
                return -1;
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        dst[o++] = c;
    }
    return (long)o;
}

int wz_query_get(const char *qs, size_t len, const char *name, char *out, size_t outlen)
{
    size_t namelen = strlen(name);
    size_t pos = 0;
    while (pos < len) {
        const char *amp = memchr(qs + pos, '&', len - pos);
        size_t end = amp ? (size_t)(amp - qs) : len;
        const char *eq = memchr(qs + pos, '=', end - pos);
        size_t keyend = eq ? (size_t)(eq - qs) : end;
        /* names in this API are plain ASCII, so they are compared undecoded */
        if (keyend - pos == namelen && memcmp(qs + pos, name, namelen) == 0) {
            size_t vstart = eq ? keyend + 1 : end;
            size_t vlen = end - vstart;
            if (vlen < outlen) {
                long n = wz_url_decode(qs + vstart, vlen, out, 1);
                if (n < 0)
                    return -1;
                out[n] = '\0';
                return 1;
            }
            /* the encoded form is longer than out, the decoded one may still fit */
            char *tmp = malloc(vlen);
            if (tmp == NULL)
                abort();
            long n = wz_url_decode(qs + vstart, vlen, tmp, 1);
            int ret = -1;
            if (n >= 0 && (size_t)n < outlen) {
                memcpy(out, tmp, (size_t)n);
                out[n] = '\0';
                ret = 1;
            }
            free(tmp);
            return ret;
        }
        pos = end + 1;
    }
    return 0;
}
