#include "http/server.h"
#include "check.h"
#include <arpa/inet.h>

static struct sockaddr_storage addr(const char *text)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, text, &a4->sin_addr) == 1)
        a4->sin_family = AF_INET;
    else if (inet_pton(AF_INET6, text, &a6->sin6_addr) == 1)
        a6->sin6_family = AF_INET6;
    return ss;
}

static int allowed(const wz_cidr_t *list, size_t n, const char *ip)
{
    struct sockaddr_storage ss = addr(ip);
    return wz_cidr_match(list, n, (struct sockaddr *)&ss);
}

static void test_cidr(void)
{
    wz_cidr_t list[8];
    size_t n;
    CHECK_INT(wz_cidr_parse_list("127.0.0.0/8, ::1,10.1.2.0/23", list, 8, &n), 0);
    CHECK_INT(n, 3);
    CHECK(allowed(list, n, "127.0.0.1"));
    CHECK(allowed(list, n, "127.255.0.9"));
    CHECK(!allowed(list, n, "128.0.0.1"));
    CHECK(allowed(list, n, "::1"));
    CHECK(!allowed(list, n, "::2"));
    CHECK(allowed(list, n, "::ffff:127.0.0.1")); /* v4-mapped */
    CHECK(allowed(list, n, "10.1.3.255"));
    CHECK(!allowed(list, n, "10.1.4.0"));
    CHECK_INT(wz_cidr_parse_list("", list, 8, &n), 0);
    CHECK_INT(n, 0);
    CHECK(!allowed(list, n, "127.0.0.1"));
    CHECK_INT(wz_cidr_parse_list("localhost", list, 8, &n), -1);
    CHECK_INT(wz_cidr_parse_list("10.0.0.0/33", list, 8, &n), -1);
    CHECK_INT(wz_cidr_parse_list("10.0.0.0/", list, 8, &n), -1);
    CHECK_INT(wz_cidr_parse_list("::/129", list, 8, &n), -1);
    /* found by fuzz_cidr: signs were accepted and a negative prefix meant "whole address" */
    CHECK_INT(wz_cidr_parse_list("10.0.0.0/-8", list, 8, &n), -1);
    CHECK_INT(wz_cidr_parse_list("10.0.0.0/+8", list, 8, &n), -1);
    CHECK_INT(wz_cidr_parse_list("::/-0", list, 8, &n), -1);
    CHECK_INT(wz_cidr_parse_list("10.0.0.0/0008", list, 8, &n), -1);
    CHECK_INT(wz_cidr_parse_list("1.1.1.1,2.2.2.2", list, 1, &n), -1); /* over capacity */
}

static void test_errors(void)
{
    /* every error has a status, a snake_case code and a message */
    for (int e = 0; e < WZ_ERR__COUNT; e++) {
        const wz_err_info_t *info = wz_err_info((wz_err_t)e);
        CHECK(info->status >= 400 && info->status <= 599);
        CHECK(info->code != NULL && info->message != NULL);
        for (const char *p = info->code; p && *p; p++)
            CHECK((*p >= 'a' && *p <= 'z') || *p == '_');
        if (info->status == 503)
            CHECK(info->retry_after > 0);
    }
    CHECK_INT(wz_err_info(WZ_ERR_BODY_TOO_LARGE)->status, 413);
    CHECK_INT(wz_err_info(WZ_ERR_UNSUPPORTED_MEDIA_TYPE)->status, 415);
    CHECK_INT(wz_err_info(WZ_ERR_VALIDATION)->status, 422);
    CHECK(wz_err_from_db(WZ_DB_EBUSY) == WZ_ERR_OVERLOADED);
    CHECK(wz_err_from_db(WZ_DB_EUNAVAIL) == WZ_ERR_DB_UNAVAILABLE);
    CHECK(wz_err_from_db(WZ_DB_ESQL) == WZ_ERR_INTERNAL);
    CHECK_INT(wz_err_info((wz_err_t)999)->status, 500);
}

int main(void)
{
    RUN(test_cidr);
    RUN(test_errors);
    return CHECK_DONE();
}
