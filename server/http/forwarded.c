#include "http/forwarded.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int all_digits(const char *s, size_t len)
{
    if (len == 0 || len > 5)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

int wz_forwarded_parse_addr(const char *s, size_t len, struct sockaddr_storage *out)
{
    while (len > 0 && is_blank(*s))
        s++, len--;
    while (len > 0 && is_blank(s[len - 1]))
        len--;
    char text[INET6_ADDRSTRLEN + 1];
    const char *host = s;
    size_t hostlen = len;
    int bracketed = 0;
    if (len > 0 && s[0] == '[') { /* [v6] or [v6]:port */
        const char *close = memchr(s, ']', len);
        if (close == NULL)
            return -1;
        size_t rest = len - (size_t)(close + 1 - s);
        if (rest != 0 && !(close[1] == ':' && all_digits(close + 2, rest - 1)))
            return -1;
        host = s + 1;
        hostlen = (size_t)(close - host);
        bracketed = 1;
    } else {
        /* v4:port has one colon; a bare v6 address has two or more */
        const char *colon = memchr(s, ':', len);
        if (colon != NULL && memchr(colon + 1, ':', len - (size_t)(colon + 1 - s)) == NULL) {
            if (!all_digits(colon + 1, len - (size_t)(colon + 1 - s)))
                return -1;
            hostlen = (size_t)(colon - s);
        }
    }
    if (hostlen == 0 || hostlen >= sizeof(text))
        return -1;
    memcpy(text, host, hostlen);
    text[hostlen] = '\0';
    memset(out, 0, sizeof(*out));
    struct sockaddr_in *v4 = (struct sockaddr_in *)out;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
    if (!bracketed && inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        return 0;
    }
    memset(out, 0, sizeof(*out));
    return -1;
}

/* The items of one value, right to left. Returns 0 to go on, 1 when the walk is over. */
static int walk_value(const wz_cidr_t *trusted, size_t ntrusted, const wz_forwarded_value_t *v, int *hops,
                      struct sockaddr_storage *client, int *used)
{
    size_t end = v->len;
    for (;;) {
        size_t start = end;
        while (start > 0 && v->base[start - 1] != ',')
            start--;
        size_t n = end - start;
        const char *item = v->base + start;
        while (n > 0 && is_blank(*item))
            item++, n--;
        if (n > 0) { /* an empty item (",,") says nothing */
            if (++*hops > WZ_FORWARDED_MAX_HOPS)
                return 1;
            struct sockaddr_storage addr;
            if (wz_forwarded_parse_addr(item, n, &addr) != 0)
                return 1; /* "unknown", an obfuscated name, garbage: believe nothing further */
            *client = addr;
            *used = 1;
            if (!wz_cidr_match(trusted, ntrusted, (const struct sockaddr *)&addr))
                return 1; /* the first address that is not one of our proxies */
        }
        if (start == 0)
            return 0;
        end = start - 1;
    }
}

int wz_forwarded_client(const wz_cidr_t *trusted, size_t ntrusted, const struct sockaddr_storage *peer,
                        const wz_forwarded_value_t *values, size_t nvalues, struct sockaddr_storage *client)
{
    *client = *peer;
    if (ntrusted == 0 || !wz_cidr_match(trusted, ntrusted, (const struct sockaddr *)peer))
        return 0;
    int hops = 0, used = 0;
    for (size_t i = nvalues; i > 0; i--)
        if (walk_value(trusted, ntrusted, &values[i - 1], &hops, client, &used))
            break;
    return used;
}

void wz_addr_text(const struct sockaddr_storage *ss, char *out, size_t outlen)
{
    out[0] = '\0';
    if (ss->ss_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, out, (socklen_t)outlen);
    } else if (ss->ss_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a))
            inet_ntop(AF_INET, a->s6_addr + 12, out, (socklen_t)outlen);
        else
            inet_ntop(AF_INET6, a, out, (socklen_t)outlen);
    }
}
