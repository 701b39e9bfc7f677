#ifndef WZ_STATS_BUCKETS_H
#define WZ_STATS_BUCKETS_H
/* The first-reply histogram's buckets (docs/metrics.md, "First-reply time"): whole working
 * minutes, 1-minute buckets up to 2 working hours, 5 minutes up to 8, 30 minutes up to 80,
 * one working day (480 minutes) up to 60 working days, then one last bucket. The facts job
 * files each replied ticket under wz_stats_bucket(minutes); queries read the median and p90 as
 * the upper bound of the bucket where the cumulative count first reaches the quantile. */
#include <stddef.h>
#include <stdint.h>

#define WZ_STATS_BUCKETS 388 /* 0 .. 387 */
/* the month rows' packed histogram: every bucket's count in 4 bytes, big-endian (so SQL can
 * read and write one bucket with SUBSTRING / HEX / UNHEX; schema/012_stats_month.sql) */
#define WZ_STATS_HIST_BYTES (WZ_STATS_BUCKETS * 4)

/** The bucket of a first-reply time in working minutes (negative counts as 0). */
int wz_stats_bucket(int64_t minutes);
/** The bucket's upper bound in working minutes (the last bucket: 28800, "60 days or more"). */
int64_t wz_stats_bucket_upper(int bucket);
/** The bucket holding quantile q (0 < q <= 1) of a histogram of n buckets: the first bucket whose
 * cumulative count reaches ceil(q * total). -1 when the histogram is empty. */
int wz_stats_quantile_bucket(const int64_t *counts, int n, double q);

/** Adds a packed histogram's counts to counts (WZ_STATS_BUCKETS of them). 0, or -1 when the
 * bytes are not one (the wrong length): nothing is added then. */
int wz_stats_hist_unpack(const void *packed, size_t len, int64_t *counts);
/** Packs counts (each below 2^32) into out (WZ_STATS_HIST_BYTES); the bench and the tests' form. */
void wz_stats_hist_pack(const int64_t *counts, unsigned char *out);

#endif
