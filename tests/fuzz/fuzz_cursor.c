/* Fuzzes the queue's page cursor (wz_cursor_decode in tickets/listing.c) and the API's time
 * parser (wz_time_parse in common/timefmt.c), both fed straight from query strings.
 *
 * Input: the bytes as the query parameter's decoded value. Invariants: a decoded cursor has a
 * well-formed key and a positive id, and encoding it again decodes to the same position; a
 * parsed time formats to text that parses back to the same instant. */
#include "fuzz.h"
#include "common/timefmt.h"
#include "tickets/reads.h"
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int sort = 0; sort < 2; sort++) {
        wz_ticket_filter_t f;
        memset(&f, 0, sizeof(f));
        f.sort = (wz_list_sort_t)sort;
        if (wz_cursor_decode((const char *)data, size, &f) == 0) {
            FUZZ_CHECK(f.has_cursor && f.cursor_id > 0 && strlen(f.cursor_key) == 26);
            char again[WZ_CURSOR_MAX];
            wz_cursor_encode(f.sort, f.cursor_key, f.cursor_id, again);
            wz_ticket_filter_t g;
            memset(&g, 0, sizeof(g));
            g.sort = f.sort;
            FUZZ_CHECK(wz_cursor_decode(again, strlen(again), &g) == 0);
            FUZZ_CHECK(g.cursor_id == f.cursor_id && strcmp(g.cursor_key, f.cursor_key) == 0);
        }
    }
    int64_t t = 0;
    if (wz_time_parse((const char *)data, size, &t) == 0) {
        char text[WZ_RFC3339_MAX];
        wz_time_format(t, text);
        int64_t back = -1;
        FUZZ_CHECK(wz_time_parse(text, strlen(text), &back) == 0 && back == t);
    }
    return 0;
}
