/* Which origins may call the API from a browser: exact entries of http.cors_origins only. */
#include "http/cors.h"
#include "check.h"

static int listed(const char *list, const char *origin)
{
    return wz_cors_origin_listed(list, origin, strlen(origin));
}

static void test_exact_entries_only(void)
{
    const char *list = "https://wz.example.gov.cn, http://localhost:5173 ,https://h5.example.gov.cn:8443";
    CHECK(listed(list, "https://wz.example.gov.cn"));
    CHECK(listed(list, "http://localhost:5173"));
    CHECK(listed(list, "https://h5.example.gov.cn:8443"));
    CHECK(!listed(list, "https://wz.example.gov.cn.evil.com"));
    CHECK(!listed(list, "https://evil.com/https://wz.example.gov.cn"));
    CHECK(!listed(list, "http://wz.example.gov.cn"));  /* another scheme */
    CHECK(!listed(list, "https://WZ.example.gov.cn")); /* browsers send the host lower-case */
    CHECK(!listed(list, "https://h5.example.gov.cn")); /* another port */
    CHECK(!listed(list, "null"));
    CHECK(!listed(list, ""));
}

static void test_no_wildcards_and_empty_lists(void)
{
    CHECK(!listed("", "https://wz.example.gov.cn"));
    CHECK(!listed(NULL, "https://wz.example.gov.cn"));
    CHECK(!listed("*", "*"));
    CHECK(!listed("*", "https://any.example"));
    CHECK(!listed(",,, ,", "https://any.example"));
}

int main(void)
{
    RUN(test_exact_entries_only);
    RUN(test_no_wildcards_and_empty_lists);
    return CHECK_DONE();
}
