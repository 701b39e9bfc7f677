/* Fuzzes the X-Forwarded-For walk (wz_forwarded_client, wz_forwarded_parse_addr,
 * wz_addr_text in http/forwarded.c).
 *
 * Input: line 1 is the http.trusted_proxies list, line 2 the TCP peer, every further line one
 * X-Forwarded-For header value. Properties: nothing is believed from an untrusted peer; the
 * client named is the peer or an item of the header; an address that parses prints and parses
 * back to itself. */
#include "fuzz.h"
#include "http/forwarded.h"

#define MAX_VALUES 8

/* the same client: as text, where ::ffff:a.b.c.d and a.b.c.d are one (wz_addr_text) */
static int same(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    char x[64], y[64];
    wz_addr_text(a, x, sizeof(x));
    wz_addr_text(b, y, sizeof(y));
    return x[0] != '\0' && strcmp(x, y) == 0;
}

/* whether some comma-separated item of the values parses to addr */
static int named_in(const wz_forwarded_value_t *v, size_t n, const struct sockaddr_storage *addr)
{
    for (size_t i = 0; i < n; i++) {
        size_t start = 0;
        for (size_t k = 0; k <= v[i].len; k++) {
            if (k < v[i].len && v[i].base[k] != ',')
                continue;
            struct sockaddr_storage a;
            if (wz_forwarded_parse_addr(v[i].base + start, k - start, &a) == 0 && same(&a, addr))
                return 1;
            start = k + 1;
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);
    char *lines[MAX_VALUES + 2];
    size_t nlines = 0;
    for (char *p = text; nlines < MAX_VALUES + 2;) {
        lines[nlines++] = p;
        char *nl = strchr(p, '\n');
        if (nl == NULL)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    wz_cidr_t trusted[16];
    size_t ntrusted = 0;
    struct sockaddr_storage peer;
    if (nlines < 2 || wz_cidr_parse_list(lines[0], trusted, 16, &ntrusted) != 0 ||
        wz_forwarded_parse_addr(lines[1], strlen(lines[1]), &peer) != 0) {
        /* still exercise the item parser on the whole input */
        struct sockaddr_storage a;
        if (wz_forwarded_parse_addr((const char *)data, size, &a) == 0) {
            char out[64];
            wz_addr_text(&a, out, sizeof(out));
            FUZZ_CHECK(out[0] != '\0');
        }
        free(text);
        return 0;
    }
    char peer_text[64];
    wz_addr_text(&peer, peer_text, sizeof(peer_text));
    struct sockaddr_storage again;
    FUZZ_CHECK(wz_forwarded_parse_addr(peer_text, strlen(peer_text), &again) == 0 && same(&again, &peer));

    wz_forwarded_value_t values[MAX_VALUES];
    size_t n = 0;
    for (size_t i = 2; i < nlines; i++)
        values[n++] = (wz_forwarded_value_t){lines[i], strlen(lines[i])};
    struct sockaddr_storage client;
    int used = wz_forwarded_client(trusted, ntrusted, &peer, values, n, &client);
    FUZZ_CHECK(used == 0 || used == 1);
    int peer_trusted = wz_cidr_match(trusted, ntrusted, (const struct sockaddr *)&peer);
    if (!peer_trusted)
        FUZZ_CHECK(!used && same(&client, &peer));
    if (used)
        FUZZ_CHECK(named_in(values, n, &client));
    else
        FUZZ_CHECK(same(&client, &peer));
    free(text);
    return 0;
}
