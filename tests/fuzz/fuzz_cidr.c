/* Fuzzes the /metrics allow-list parser and matcher (wz_cidr_parse_list, wz_cidr_match in
 * http/request.c).
 *
 * Input: the list as written in metrics.allow ("127.0.0.0/8,::1 10.0.0.0/8"); it is parsed
 * from a NUL-terminated copy. If it parses, a fixed set of IPv4, IPv6 and IPv4-mapped IPv6
 * peers is matched against it. */
#include "fuzz.h"
#include "http/server.h"
#include <arpa/inet.h>
#include <sys/un.h>

/* The server keeps 16 entries; a small maximum exercises the "too many" path. */
#define MAX_BIG 16
#define MAX_SMALL 2

/* Strict syntax: an entry's prefix, when present, is decimal digits only. This target found
 * request.c accepting a sign ("/-1" silently meant /32, "::/-0" allowed every IPv6 client);
 * the check keeps that fixed. */
#ifndef FUZZ_CIDR_STRICT
#define FUZZ_CIDR_STRICT 1
#endif

static const char *const peers4[] = {"127.0.0.1", "10.1.2.3", "192.168.100.7", "0.0.0.0", "255.255.255.255"};
static const char *const peers6[] = {"::1", "2001:db8::1", "fe80::1:2",
                                     "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"};

#define NV4 (sizeof(peers4) / sizeof(peers4[0]))
#define NV6 (sizeof(peers6) / sizeof(peers6[0]))
static struct sockaddr_in v4[NV4];
static struct sockaddr_in6 mapped[NV4];
static struct sockaddr_in6 v6[NV6];

static void build_peers(void)
{
    static int built;
    if (built)
        return;
    for (size_t i = 0; i < NV4; i++) {
        v4[i].sin_family = AF_INET;
        FUZZ_CHECK(inet_pton(AF_INET, peers4[i], &v4[i].sin_addr) == 1);
        /* ::ffff:a.b.c.d, as a dual-stack socket reports an IPv4 peer */
        mapped[i].sin6_family = AF_INET6;
        mapped[i].sin6_addr.s6_addr[10] = 0xff;
        mapped[i].sin6_addr.s6_addr[11] = 0xff;
        memcpy(&mapped[i].sin6_addr.s6_addr[12], &v4[i].sin_addr, 4);
    }
    for (size_t i = 0; i < NV6; i++) {
        v6[i].sin6_family = AF_INET6;
        FUZZ_CHECK(inet_pton(AF_INET6, peers6[i], &v6[i].sin6_addr) == 1);
    }
    built = 1;
}

/* Number of entries the text holds: runs of characters other than ',' and ' '. */
static size_t count_items(const char *s)
{
    size_t n = 0;
    int in = 0;
    for (; *s; s++) {
        int sep = *s == ',' || *s == ' ';
        if (!sep && !in)
            n++;
        in = !sep;
    }
    return n;
}

#if FUZZ_CIDR_STRICT
static int prefixes_are_digits(const char *s)
{
    for (const char *p = strchr(s, '/'); p != NULL; p = strchr(p + 1, '/'))
        if (p[1] < '0' || p[1] > '9')
            return 0;
    return 1;
}
#endif

static int match_one(const wz_cidr_t *list, size_t n, const void *sa)
{
    int m = wz_cidr_match(list, n, (const struct sockaddr *)sa);
    FUZZ_CHECK(m == 0 || m == 1);
    return m;
}

static void check_matches(const wz_cidr_t *list, size_t n)
{
    for (size_t i = 0; i < NV4; i++) {
        int m4 = match_one(list, n, &v4[i]);
        int mm = match_one(list, n, &mapped[i]);
        /* an IPv4-mapped peer is allowed wherever the plain IPv4 peer is */
        FUZZ_CHECK(!m4 || mm);
        /* a longer list never allows less */
        if (n > 0 && match_one(list, n - 1, &v4[i]))
            FUZZ_CHECK(m4);
    }
    for (size_t i = 0; i < NV6; i++) {
        int m6 = match_one(list, n, &v6[i]);
        if (n > 0 && match_one(list, n - 1, &v6[i]))
            FUZZ_CHECK(m6);
    }
    /* an empty list allows nobody, nor does an address family the list cannot hold */
    FUZZ_CHECK(match_one(list, 0, &v4[0]) == 0 && match_one(list, 0, &v6[0]) == 0);
    struct sockaddr_un un;
    memset(&un, 0, sizeof(un));
    un.sun_family = AF_UNIX;
    FUZZ_CHECK(match_one(list, n, &un) == 0);

    for (size_t i = 0; i < n; i++) {
        const wz_cidr_t *c = &list[i];
        /* every entry admits its own address; a /0 entry admits its whole family */
        if (c->family == AF_INET) {
            struct sockaddr_in sa;
            memset(&sa, 0, sizeof(sa));
            sa.sin_family = AF_INET;
            memcpy(&sa.sin_addr, c->addr, 4);
            FUZZ_CHECK(match_one(c, 1, &sa));
            if (c->prefix == 0)
                for (size_t k = 0; k < NV4; k++)
                    FUZZ_CHECK(match_one(c, 1, &v4[k]) && match_one(c, 1, &mapped[k]));
        } else {
            struct sockaddr_in6 sa;
            memset(&sa, 0, sizeof(sa));
            sa.sin6_family = AF_INET6;
            memcpy(&sa.sin6_addr, c->addr, 16);
            FUZZ_CHECK(match_one(c, 1, &sa));
            if (c->prefix == 0)
                for (size_t k = 0; k < NV6; k++)
                    FUZZ_CHECK(match_one(c, 1, &v6[k]));
        }
    }
}

/* Parses with room for max entries; entry max is a guard that must stay untouched. */
static int parse(const char *text, size_t max, wz_cidr_t *out, size_t *count)
{
    memset(out, 0x5a, (max + 1) * sizeof(*out));
    *count = (size_t)-1;
    int r = wz_cidr_parse_list(text, out, max, count);
    const unsigned char *guard = (const unsigned char *)&out[max];
    for (size_t i = 0; i < sizeof(*out); i++)
        FUZZ_CHECK(guard[i] == 0x5a);
    FUZZ_CHECK(r == 0 || r == -1);
    FUZZ_CHECK(*count <= max);
    if (r == 0) {
        for (size_t i = 0; i < *count; i++) {
            const wz_cidr_t *c = &out[i];
            FUZZ_CHECK(c->family == AF_INET || c->family == AF_INET6);
            FUZZ_CHECK(c->prefix >= 0 && c->prefix <= (c->family == AF_INET ? 32 : 128));
        }
    }
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    build_peers();
    char *text = fuzz_strndup(data, size);
    wz_cidr_t big[MAX_BIG + 1], small[MAX_SMALL + 1];
    size_t nbig, nsmall;

    int rbig = parse(text, MAX_BIG, big, &nbig);
    int rsmall = parse(text, MAX_SMALL, small, &nsmall);
    if (rbig == 0) {
        /* every entry of the text became one entry of the list */
        FUZZ_CHECK(nbig == count_items(text));
#if FUZZ_CIDR_STRICT
        FUZZ_CHECK(prefixes_are_digits(text));
#endif
        check_matches(big, nbig);
    }
    /* the maximum only decides whether the list fits */
    if (rsmall == 0)
        FUZZ_CHECK(rbig == 0 && nsmall == nbig && memcmp(small, big, nsmall * sizeof(*small)) == 0);
    else if (rbig == 0)
        FUZZ_CHECK(nbig > MAX_SMALL);
    free(text);
    return 0;
}
