#ifndef WZ_COMMON_QUERY_H
#define WZ_COMMON_QUERY_H
#include <stddef.h>

/** The value of a hex digit (either case), or -1. */
int wz_hex_digit(char c);

/** Percent-decodes src (and '+' as space when plus_is_space) into dst, which must hold len bytes.
 * Returns the decoded length, or -1 on a malformed escape or an encoded NUL. */
long wz_url_decode(const char *src, size_t len, char *dst, int plus_is_space);

/** Finds the first `name` parameter of a query string (without the leading '?') and decodes
 * its value into out (NUL-terminated). Returns 1 if found, 0 if absent, -1 if malformed or
 * longer than outlen-1. */
int wz_query_get(const char *qs, size_t len, const char *name, char *out, size_t outlen);

#endif
