#ifndef WZ_HTTP_FORWARDED_H
#define WZ_HTTP_FORWARDED_H
/* The client's address behind reverse proxies (HAProxy, nginx, a cloud load balancer).
 *
 * A proxy connects on the client's behalf, so the TCP peer is the proxy for every client: the
 * per-address limits (the public board, phone codes), the audit log's client_ip and the
 * /metrics allow-list would all see one address. X-Forwarded-For carries the chain instead,
 * but any client can write one, so it is believed only from peers listed in
 * http.trusted_proxies, and only as far back as the chain stays within trusted proxies: read
 * from the right (the hop nearest us), the first address that is not a trusted proxy is the
 * client. Anything that does not parse ends the walk there. */
#include "http/server.h"
#include <stddef.h>
#include <sys/socket.h>

#define WZ_FORWARDED_MAX_HOPS 32 /* a longer chain is read only this far from the right */

typedef struct {
    const char *base;
    size_t len;
} wz_forwarded_value_t;

/** values: the X-Forwarded-For field values in the order received (several headers form one
 * list). Sets *client to the peer, or to the client the trusted proxies name; returns 1 in the
 * second case. */
int wz_forwarded_client(const wz_cidr_t *trusted, size_t ntrusted, const struct sockaddr_storage *peer,
                        const wz_forwarded_value_t *values, size_t nvalues, struct sockaddr_storage *client);

/** Parses one list item: "1.2.3.4", "1.2.3.4:80", "2001:db8::1", "[2001:db8::1]" or
 * "[2001:db8::1]:443", with surrounding blanks. Returns 0, or -1 when it is none of these. */
int wz_forwarded_parse_addr(const char *s, size_t len, struct sockaddr_storage *out);

/** The address as text (no port), "" for anything but IPv4/IPv6. An IPv4-mapped IPv6 address
 * is written as IPv4. */
void wz_addr_text(const struct sockaddr_storage *ss, char *out, size_t outlen);

#endif
