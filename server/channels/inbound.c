#include "channels/inbound.h"
#include <stdlib.h>
#include <string.h>

void wz_inbound_clear(wz_inbound_t *m)
{
    free(m->content);
    free(m->media_url);
    free(m->address);
    free(m->reply_to);
    memset(m, 0, sizeof(*m));
}

/* the byte length of at most max_chars characters of s: a cut never splits a sequence */
static size_t cut(const char *s, size_t len, size_t max_chars)
{
    size_t i = 0, chars = 0;
    while (i < len && chars < max_chars) {
        unsigned char c = (unsigned char)s[i];
        size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
        if (i + n > len)
            break;
        i += n;
        chars++;
    }
    return i;
}

void wz_inbound_set_text(char **dst, const char *s, size_t len, size_t max_chars)
{
    size_t n = cut(s, len, max_chars);
    char *d = malloc(n + 1);
    if (d == NULL)
        abort();
    memcpy(d, s, n);
    d[n] = '\0';
    free(*dst);
    *dst = d;
}

int wz_inbound_set_id(char *dst, size_t dstlen, const char *s, size_t len)
{
    if (s == NULL || len == 0 || len >= dstlen || memchr(s, '\0', len) != NULL)
        return -1;
    memcpy(dst, s, len);
    dst[len] = '\0';
    return 0;
}
