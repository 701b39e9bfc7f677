/* The first-reply histogram's buckets (stats/buckets.h): edges, upper bounds and quantiles. */
#include "check.h"
#include "stats/buckets.h"
#include <string.h>

static void test_edges(void)
{
    CHECK_INT(wz_stats_bucket(-5), 0);
    CHECK_INT(wz_stats_bucket(0), 0);
    CHECK_INT(wz_stats_bucket(1), 1);
    CHECK_INT(wz_stats_bucket(120), 120);
    CHECK_INT(wz_stats_bucket(121), 121); /* (120, 125] */
    CHECK_INT(wz_stats_bucket(125), 121);
    CHECK_INT(wz_stats_bucket(126), 122);
    CHECK_INT(wz_stats_bucket(480), 192);
    CHECK_INT(wz_stats_bucket(481), 193); /* (480, 510] */
    CHECK_INT(wz_stats_bucket(4800), 336);
    CHECK_INT(wz_stats_bucket(4801), 337); /* (4800, 5280] */
    CHECK_INT(wz_stats_bucket(28800), 386);
    CHECK_INT(wz_stats_bucket(28801), 387);
    CHECK_INT(wz_stats_bucket(10000000), WZ_STATS_BUCKETS - 1);
}

static void test_uppers(void)
{
    /* every minute lies in its bucket: above the previous bucket's bound, at most its own */
    for (int64_t m = 1; m <= 30000; m++) {
        int b = wz_stats_bucket(m);
        CHECK(m <= wz_stats_bucket_upper(b) || b == WZ_STATS_BUCKETS - 1);
        CHECK(m > wz_stats_bucket_upper(b - 1));
    }
    CHECK_INT(wz_stats_bucket_upper(0), 0);
    CHECK_INT(wz_stats_bucket_upper(121), 125);
    CHECK_INT(wz_stats_bucket_upper(192), 480);
    CHECK_INT(wz_stats_bucket_upper(336), 4800);
    CHECK_INT(wz_stats_bucket_upper(386), 28800);
    CHECK_INT(wz_stats_bucket_upper(387), 28800);
}

static void test_quantiles(void)
{
    int64_t h[WZ_STATS_BUCKETS] = {0};
    CHECK_INT(wz_stats_quantile_bucket(h, WZ_STATS_BUCKETS, 0.5), -1);
    h[10] = 1;
    CHECK_INT(wz_stats_quantile_bucket(h, WZ_STATS_BUCKETS, 0.5), 10);
    CHECK_INT(wz_stats_quantile_bucket(h, WZ_STATS_BUCKETS, 0.9), 10);
    h[20] = 1; /* two values: the median is the first (ceil(0.5 * 2) = 1) */
    CHECK_INT(wz_stats_quantile_bucket(h, WZ_STATS_BUCKETS, 0.5), 10);
    CHECK_INT(wz_stats_quantile_bucket(h, WZ_STATS_BUCKETS, 0.9), 20);
    h[30] = 8; /* ten values: the 5th is in 30, the 9th too */
    CHECK_INT(wz_stats_quantile_bucket(h, WZ_STATS_BUCKETS, 0.5), 30);
    CHECK_INT(wz_stats_quantile_bucket(h, WZ_STATS_BUCKETS, 0.2), 20);
    CHECK_INT(wz_stats_quantile_bucket(h, WZ_STATS_BUCKETS, 0.1), 10);
}

/* the month rows' packed form: 4 big-endian bytes a bucket, as schema/012's SQL writes them */
static void test_packed(void)
{
    int64_t h[WZ_STATS_BUCKETS] = {0}, back[WZ_STATS_BUCKETS] = {0};
    h[0] = 1;
    h[60] = 258; /* 0x00000102 */
    h[387] = 4294967295LL;
    unsigned char packed[WZ_STATS_HIST_BYTES];
    wz_stats_hist_pack(h, packed);
    CHECK_INT(packed[60 * 4 + 2], 1);
    CHECK_INT(packed[60 * 4 + 3], 2);
    CHECK_INT(packed[3], 1);
    CHECK_INT(wz_stats_hist_unpack(packed, sizeof(packed), back), 0);
    CHECK(memcmp(h, back, sizeof(h)) == 0);
    CHECK_INT(wz_stats_hist_unpack(packed, sizeof(packed), back), 0); /* adds */
    CHECK(back[60] == 516 && back[387] == 2 * 4294967295LL && back[1] == 0);
    CHECK_INT(wz_stats_hist_unpack(packed, sizeof(packed) - 1, back), -1);
    CHECK(back[60] == 516); /* a wrong length adds nothing */
}

int main(void)
{
    RUN(test_packed);
    RUN(test_edges);
    RUN(test_uppers);
    RUN(test_quantiles);
    return CHECK_DONE();
}
