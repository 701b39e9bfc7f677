/* The pure parts of the console's event stream: the delivered-event memory that makes the
 * hub's overlapping reads deliver each event once, and the SSE framing. */
#include "http/event_stream.h"
#include "check.h"
#include <stdlib.h>

static void test_each_event_once_across_overlapping_reads(void)
{
    wz_event_seen_t s = {0};
    /* read 1: ids 10, 11, 13 (12 is not committed yet) */
    CHECK_INT(wz_event_seen_add(&s, 10, 1000), 1);
    CHECK_INT(wz_event_seen_add(&s, 11, 1001), 1);
    CHECK_INT(wz_event_seen_add(&s, 13, 1003), 1);
    /* read 2 overlaps: 10, 11, 13 again, and 12, committed late with a smaller id */
    CHECK_INT(wz_event_seen_add(&s, 10, 1000), 0);
    CHECK_INT(wz_event_seen_add(&s, 11, 1001), 0);
    CHECK_INT(wz_event_seen_add(&s, 12, 1002), 1);
    CHECK_INT(wz_event_seen_add(&s, 13, 1003), 0);
    CHECK_INT(s.n, 4);
    for (size_t i = 1; i < s.n; i++)
        CHECK(s.v[i - 1].id < s.v[i].id);
    CHECK_INT(s.newest_ms, 1003);
    wz_event_seen_free(&s);
}

static void test_prune_forgets_only_what_reads_can_no_longer_return(void)
{
    wz_event_seen_t s = {0};
    for (uint64_t id = 1; id <= 100; id++)
        CHECK_INT(wz_event_seen_add(&s, id, (int64_t)id * 100), 1);
    /* newest 10,000 ms; a 2,000 ms window keeps ids created at 8,000 ms or later (80..100) */
    wz_event_seen_prune(&s, 2000);
    CHECK_INT(s.n, 21);
    CHECK_INT(s.v[0].id, 80);
    CHECK_INT(wz_event_seen_add(&s, 80, 8000), 0);
    CHECK_INT(wz_event_seen_add(&s, 79, 7900), 1); /* forgotten: would be delivered again */
    wz_event_seen_free(&s);
    CHECK_INT(s.n, 0);
}

static void test_a_burst_stays_sorted(void)
{
    wz_event_seen_t s = {0};
    /* descending and interleaved insertions, as reads of a busy cluster may bring */
    for (uint64_t i = 0; i < 5000; i++)
        CHECK_INT(wz_event_seen_add(&s, (i * 7919) % 5003 + 1, 1), 1);
    CHECK_INT(s.n, 5000);
    int sorted = 1;
    for (size_t i = 1; i < s.n; i++)
        sorted &= s.v[i - 1].id < s.v[i].id;
    CHECK(sorted);
    for (uint64_t i = 0; i < 5000; i++)
        CHECK_INT(wz_event_seen_add(&s, (i * 7919) % 5003 + 1, 1), 0);
    wz_event_seen_free(&s);
}

static void test_sse_format(void)
{
    char buf[128];
    size_t n = wz_sse_format(buf, sizeof(buf), 42, "ticket", "{\"a\":1}");
    CHECK_STR(buf, "id: 42\nevent: ticket\ndata: {\"a\":1}\n\n");
    CHECK_INT(n, strlen(buf));
    n = wz_sse_format(buf, sizeof(buf), 0, "ready", "{}");
    CHECK_STR(buf, "event: ready\ndata: {}\n\n");
    /* too long for the buffer: nothing, never a cut event */
    CHECK_INT(wz_sse_format(buf, 20, 42, "ticket", "{\"a\":1}"), 0);
    CHECK_INT(wz_sse_format(buf, 23, 0, "ready", "{}"), 0);
    CHECK_INT(wz_sse_format(buf, 24, 0, "ready", "{}"), 23);
}

int main(void)
{
    RUN(test_each_event_once_across_overlapping_reads);
    RUN(test_prune_forgets_only_what_reads_can_no_longer_return);
    RUN(test_a_burst_stays_sorted);
    RUN(test_sse_format);
    return CHECK_DONE();
}
