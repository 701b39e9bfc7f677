#include "common/query.h"
#include "check.h"

static void test_decode(void)
{
    char out[64];
    CHECK_INT(wz_url_decode("a%20b+c", 7, out, 1), 5);
    CHECK(memcmp(out, "a b c", 5) == 0);
    CHECK_INT(wz_url_decode("a+b", 3, out, 0), 3);
    CHECK(memcmp(out, "a+b", 3) == 0);
    CHECK_INT(wz_url_decode("%E5%B8%82", 9, out, 1), 3); /* 市 in UTF-8 */
    CHECK(memcmp(out, "\xe5\xb8\x82", 3) == 0);
    CHECK_INT(wz_url_decode("%2", 2, out, 1), -1);
    CHECK_INT(wz_url_decode("%", 1, out, 1), -1);
    CHECK_INT(wz_url_decode("%zz", 3, out, 1), -1);
    CHECK_INT(wz_url_decode("%00", 3, out, 1), -1); /* no NULs smuggled into C strings */
    CHECK_INT(wz_url_decode("", 0, out, 1), 0);
}

static void test_get(void)
{
    char out[16];
    const char *qs = "from=2026-01-01&to=2026-02-01&unit_id=7&flag&empty=&q=%E9%97%AE%E6%94%BF";
    size_t n = strlen(qs);
    CHECK_INT(wz_query_get(qs, n, "to", out, sizeof(out)), 1);
    CHECK_STR(out, "2026-02-01");
    CHECK_INT(wz_query_get(qs, n, "unit_id", out, sizeof(out)), 1);
    CHECK_STR(out, "7");
    CHECK_INT(wz_query_get(qs, n, "flag", out, sizeof(out)), 1);
    CHECK_STR(out, "");
    CHECK_INT(wz_query_get(qs, n, "empty", out, sizeof(out)), 1);
    CHECK_STR(out, "");
    CHECK_INT(wz_query_get(qs, n, "q", out, sizeof(out)), 1);
    CHECK_STR(out, "问政");
    CHECK_INT(wz_query_get(qs, n, "unit", out, sizeof(out)), 0); /* no prefix matches */
    CHECK_INT(wz_query_get(qs, n, "missing", out, sizeof(out)), 0);
    CHECK_INT(wz_query_get("a=1&a=2", 7, "a", out, sizeof(out)), 1);
    CHECK_STR(out, "1"); /* the first wins */
    CHECK_INT(wz_query_get("a=%zz", 5, "a", out, sizeof(out)), -1);
    CHECK_INT(wz_query_get("a=0123456789abcdefXYZ", 21, "a", out, sizeof(out)), -1); /* too long */
    CHECK_INT(wz_query_get("", 0, "a", out, sizeof(out)), 0);
}

int main(void)
{
    RUN(test_decode);
    RUN(test_get);
    return CHECK_DONE();
}
