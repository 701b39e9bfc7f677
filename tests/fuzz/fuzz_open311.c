/* Fuzzes Open311's POST body reader (wz_o311_post_parse in channels/open311.c), as a form and as
 * JSON, the GET filters on the same bytes, and the XML escaping of them.
 *
 * Invariants: an accepted body has a positive account and service_code, a secret of the allowed
 * length, coordinates in range when it has a point, and a location; a refusal is 400, 403 or
 * 404 with a message and keeps no secret; escaped text has no raw markup characters. */
#include "fuzz.h"
#include "channels/open311.h"
#include <stdio.h>

static void check_post(const char *body, size_t size, int json)
{
    static wz_o311_post_t p;
    char err[200] = "";
    int status = wz_o311_post_parse(body, size, json, &p, err, sizeof(err));
    if (status == 0) {
        size_t n = strlen(p.key_secret);
        FUZZ_CHECK(p.key_account > 0 && p.service_code > 0);
        FUZZ_CHECK(n >= WZ_O311_SECRET_MIN && n <= WZ_O311_SECRET_MAX);
        FUZZ_CHECK(p.has_point || p.address_string[0] || p.address_id[0]);
        if (p.has_point)
            FUZZ_CHECK(p.lat >= -90 && p.lat <= 90 && p.lng >= -180 && p.lng <= 180);
        char *content = wz_o311_content(&p, "service");
        size_t len = strlen(content);
        FUZZ_CHECK(wz_o311_description_len(content, len, p.media_url, strlen(p.media_url)) <= len);
        free(content);
    } else {
        FUZZ_CHECK(status == 400 || status == 403 || status == 404);
        FUZZ_CHECK(err[0] != '\0' && p.key_secret[0] == '\0');
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_strndup(data, size);
    check_post(s, strlen(s), 0);
    check_post((const char *)data, size, 1);

    int64_t from, to;
    char why[120];
    if (wz_o311_range(s, NULL, 0, &from, &to, why, sizeof(why)) == 0)
        FUZZ_CHECK(to - from == WZ_O311_RANGE_S);
    char items[WZ_O311_LIST_MAX][WZ_O311_NUMBER_MAX + 1], codes[WZ_O311_LIST_MAX * 20 + 1];
    int n = wz_o311_numbers(s, items, WZ_O311_LIST_MAX);
    FUZZ_CHECK(n == -1 || (n >= 1 && n <= WZ_O311_LIST_MAX));
    n = wz_o311_codes(s, codes, sizeof(codes));
    FUZZ_CHECK(n == -1 || (n >= 1 && n <= WZ_O311_LIST_MAX && strlen(codes) < sizeof(codes)));

    size_t len = 0;
    char *x = wz_o311_xml_escape((const char *)data, size, &len);
    FUZZ_CHECK(strlen(x) == len && strpbrk(x, "<>\"'\r") == NULL);
    free(x);
    free(s);
    return 0;
}
