#ifndef WZ_COMMON_HASH_H
#define WZ_COMMON_HASH_H
/* Non-cryptographic hashes for in-memory tables (the public board's rate limiter and cache, the
 * statistics' group index). Never for anything an attacker could use to collide on purpose
 * across a trust boundary that matters: these tables are small and bounded. */
#include <stddef.h>
#include <stdint.h>

/** FNV-1a over n bytes. */
static inline uint64_t wz_hash_fnv1a(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ULL;
    return h;
}

/** A 64-bit finaliser (MurmurHash3's fmix64): spreads an integer's bits over the whole word. */
static inline uint64_t wz_hash_mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
}

#endif
