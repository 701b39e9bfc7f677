#include "stats/buckets.h"
#include <math.h>

/* the edges: up to each limit (minutes), buckets of this width */
static const struct {
    int64_t limit, width;
} steps[] = {{120, 1}, {480, 5}, {4800, 30}, {28800, 480}};

int wz_stats_bucket(int64_t m)
{
    if (m <= 0)
        return 0;
    int64_t lower = 0, base = 0; /* base: the bucket index of `lower` */
    for (int i = 0; i < 4; i++) {
        if (m <= steps[i].limit)
            return (int)(base + (m - lower + steps[i].width - 1) / steps[i].width);
        base += (steps[i].limit - lower) / steps[i].width;
        lower = steps[i].limit;
    }
    return WZ_STATS_BUCKETS - 1;
}

int64_t wz_stats_bucket_upper(int b)
{
    if (b <= 0)
        return 0;
    int64_t lower = 0, base = 0;
    for (int i = 0; i < 4; i++) {
        int64_t n = (steps[i].limit - lower) / steps[i].width;
        if (b <= base + n)
            return lower + (b - base) * steps[i].width;
        base += n;
        lower = steps[i].limit;
    }
    return steps[3].limit;
}

int wz_stats_quantile_bucket(const int64_t *counts, int n, double q)
{
    int64_t total = 0;
    for (int i = 0; i < n; i++)
        total += counts[i];
    if (total <= 0)
        return -1;
    int64_t want = (int64_t)ceil(q * (double)total);
    if (want < 1)
        want = 1;
    int64_t seen = 0;
    for (int i = 0; i < n; i++) {
        seen += counts[i];
        if (seen >= want)
            return i;
    }
    return n - 1;
}

int wz_stats_hist_unpack(const void *packed, size_t len, int64_t *counts)
{
    if (len != WZ_STATS_HIST_BYTES)
        return -1;
    const unsigned char *b = packed;
    for (int i = 0; i < WZ_STATS_BUCKETS; i++, b += 4)
        counts[i] += (int64_t)((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]);
    return 0;
}

void wz_stats_hist_pack(const int64_t *counts, unsigned char *out)
{
    for (int i = 0; i < WZ_STATS_BUCKETS; i++, out += 4) {
        uint32_t v = (uint32_t)counts[i];
        out[0] = (unsigned char)(v >> 24);
        out[1] = (unsigned char)(v >> 16);
        out[2] = (unsigned char)(v >> 8);
        out[3] = (unsigned char)v;
    }
}
