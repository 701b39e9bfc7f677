/* X-Forwarded-For behind trusted proxies (http/forwarded.c): who the client is, and that a
 * client cannot choose its own address by writing the header. */
#include "http/forwarded.h"
#include "check.h"
#include <arpa/inet.h>

static wz_cidr_t trusted[4];
static size_t ntrusted;

static struct sockaddr_storage addr(const char *text)
{
    struct sockaddr_storage ss;
    CHECK_INT(wz_forwarded_parse_addr(text, strlen(text), &ss), 0);
    return ss;
}

/* the client's address as text, for a peer and the header values given */
static const char *client(const char *peer, const char *v1, const char *v2)
{
    static char out[64];
    struct sockaddr_storage p = addr(peer), c;
    wz_forwarded_value_t values[2];
    size_t n = 0;
    if (v1 != NULL)
        values[n++] = (wz_forwarded_value_t){v1, strlen(v1)};
    if (v2 != NULL)
        values[n++] = (wz_forwarded_value_t){v2, strlen(v2)};
    wz_forwarded_client(trusted, ntrusted, &p, values, n, &c);
    wz_addr_text(&c, out, sizeof(out));
    return out;
}

static void test_parse_addr(void)
{
    struct sockaddr_storage ss;
    char out[64];
    const char *good[][2] = {
        {"203.0.113.7", "203.0.113.7"},   {" 203.0.113.7\t", "203.0.113.7"},
        {"203.0.113.7:5123", "203.0.113.7"}, {"2001:db8::7", "2001:db8::7"},
        {"[2001:db8::7]", "2001:db8::7"}, {"[2001:db8::7]:443", "2001:db8::7"},
        {"::ffff:198.51.100.2", "198.51.100.2"},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        CHECK_INT(wz_forwarded_parse_addr(good[i][0], strlen(good[i][0]), &ss), 0);
        wz_addr_text(&ss, out, sizeof(out));
        CHECK_STR(out, good[i][1]);
    }
    const char *bad[] = {"",          "unknown",       "_hidden",         "203.0.113",   "203.0.113.7:",
                         "203.0.113.7:http", "[203.0.113.7]", "[2001:db8::7",    "[2001:db8::7]x",
                         "2001:db8::7:99999999", "example.gov.cn", "1.2.3.4:5:6", "[::1]:123456"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_INT(wz_forwarded_parse_addr(bad[i], strlen(bad[i]), &ss), -1);
}

static void test_untrusted_peer_is_the_client(void)
{
    ntrusted = 0;
    CHECK_STR(client("127.0.0.1", "203.0.113.7", NULL), "127.0.0.1"); /* nothing trusted: ignored */
    CHECK_INT(wz_cidr_parse_list("10.0.0.0/8", trusted, 4, &ntrusted), 0);
    /* a client talking to us directly cannot name itself another address */
    CHECK_STR(client("198.51.100.9", "127.0.0.1", NULL), "198.51.100.9");
}

static void test_trusted_chain(void)
{
    CHECK_INT(wz_cidr_parse_list("127.0.0.1, 10.0.0.0/8, 2001:db8:ff::/48", trusted, 4, &ntrusted), 0);
    /* HAProxy on loopback: the header's last address is the client */
    CHECK_STR(client("127.0.0.1", "203.0.113.7", NULL), "203.0.113.7");
    /* what the client wrote itself stays to the left of what our proxy appended */
    CHECK_STR(client("127.0.0.1", "127.0.0.1, 10.9.9.9, 203.0.113.7", NULL), "203.0.113.7");
    /* two proxies of ours: the walk passes them, the first outside address is the client */
    CHECK_STR(client("127.0.0.1", "198.51.100.4, 203.0.113.7, 10.1.1.1", NULL), "203.0.113.7");
    CHECK_STR(client("127.0.0.1", "203.0.113.7:3456,[2001:db8:ff::1]:443", NULL), "203.0.113.7");
    /* several headers are one list, in order */
    CHECK_STR(client("127.0.0.1", "198.51.100.4", "203.0.113.7, 10.1.1.1"), "203.0.113.7");
    CHECK_STR(client("127.0.0.1", "198.51.100.4, 10.2.2.2", "10.1.1.1"), "198.51.100.4");
    /* no header, or only our proxies: the nearest address we know */
    CHECK_STR(client("127.0.0.1", NULL, NULL), "127.0.0.1");
    CHECK_STR(client("127.0.0.1", "10.3.3.3, 10.1.1.1", NULL), "10.3.3.3");
    /* garbage ends the walk: the last good hop stands */
    CHECK_STR(client("127.0.0.1", "203.0.113.7, unknown", NULL), "127.0.0.1");
    CHECK_STR(client("127.0.0.1", "203.0.113.7, garbage, 10.1.1.1", NULL), "10.1.1.1");
    CHECK_STR(client("127.0.0.1", " , 203.0.113.7 ,, ", NULL), "203.0.113.7");
    CHECK_STR(client("127.0.0.1", "", NULL), "127.0.0.1");
}

static void test_long_chain_is_bounded(void)
{
    CHECK_INT(wz_cidr_parse_list("10.0.0.0/8", trusted, 4, &ntrusted), 0);
    char chain[4096] = "203.0.113.7";
    for (int i = 0; i < 40; i++)
        strcat(chain, ", 10.0.0.1");
    /* 32 hops of our own proxies are read, then the walk stops at the last of them */
    CHECK_STR(client("10.0.0.2", chain, NULL), "10.0.0.1");
}

int main(void)
{
    RUN(test_parse_addr);
    RUN(test_untrusted_peer_is_the_client);
    RUN(test_trusted_chain);
    RUN(test_long_chain_is_bounded);
    return CHECK_DONE();
}
