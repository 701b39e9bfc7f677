#include "auth/identity.h"
#include "common/timefmt.h"
#include "check.h"
#include <stdlib.h>

static const char secret[] = "0123456789abcdef0123456789abcdef";

static void test_paths_and_scope(void)
{
    CHECK(wz_unit_path_valid("/1/"));
    CHECK(wz_unit_path_valid("/1/5/17/"));
    CHECK(!wz_unit_path_valid("/"));
    CHECK(!wz_unit_path_valid("/1"));
    CHECK(!wz_unit_path_valid("//1/"));
    CHECK(!wz_unit_path_valid("/1/a/"));
    wz_identity_t d = {.role = WZ_ROLE_DISPATCHER, .id = 2, .unit_id = 5};
    snprintf(d.unit_path, sizeof(d.unit_path), "/1/5/");
    CHECK(wz_scope_covers(&d, "/1/5/"));
    CHECK(wz_scope_covers(&d, "/1/5/7/"));
    CHECK(!wz_scope_covers(&d, "/1/"));
    CHECK(!wz_scope_covers(&d, "/1/50/")); /* a prefix of digits is not a subtree */
    CHECK(!wz_scope_covers(&d, NULL));
    wz_identity_t s = d;
    s.role = WZ_ROLE_STAFF;
    CHECK(wz_scope_covers(&s, "/1/5/"));
    CHECK(!wz_scope_covers(&s, "/1/5/7/")); /* staff: their own unit only */
    wz_identity_t a = {.role = WZ_ROLE_ADMIN, .id = 1};
    CHECK(wz_scope_covers(&a, NULL));
    wz_identity_t c = {.role = WZ_ROLE_CITIZEN, .id = 9};
    CHECK(!wz_scope_covers(&c, "/1/"));
}

static void test_tokens(void)
{
    wz_identity_t in = {.role = WZ_ROLE_REVIEWER, .id = 42, .unit_id = 4};
    snprintf(in.unit_path, sizeof(in.unit_path), "/1/4/");
    char *tok = wz_token_issue(secret, &in, 1000000, 900);
    CHECK(tok != NULL);
    wz_identity_t out;
    const char *why = NULL;
    CHECK_INT(wz_token_verify(secret, tok, strlen(tok), 1000100, &out, &why), 0);
    CHECK_INT(out.role, WZ_ROLE_REVIEWER);
    CHECK_INT(out.id, 42);
    CHECK_INT(out.unit_id, 4);
    CHECK_STR(out.unit_path, "/1/4/");
    CHECK_INT(out.expires, 1000900);
    CHECK_INT(wz_token_verify(secret, tok, strlen(tok), 1000900, &out, &why), -1);
    CHECK_STR(why, "expired");
    CHECK_INT(wz_token_verify("another-secret-another-secret-xx", tok, strlen(tok), 1000100, &out, &why), -1);
    CHECK_INT(wz_token_verify(secret, tok, strlen(tok) - 1, 1000100, &out, &why), -1); /* cut signature */
    CHECK_INT(wz_token_verify(secret, tok, strlen(tok), 1000000 - 3600, &out, &why), -1); /* issued in the future */
    free(tok);
    /* the system role and bad paths are never issued */
    wz_identity_t sys = {.role = WZ_ROLE_SYSTEM, .id = 1};
    CHECK(wz_token_issue(secret, &sys, 1000000, 900) == NULL);
    wz_identity_t bad = {.role = WZ_ROLE_STAFF, .id = 1, .unit_id = 3};
    snprintf(bad.unit_path, sizeof(bad.unit_path), "3");
    CHECK(wz_token_issue(secret, &bad, 1000000, 900) == NULL);
    wz_identity_t cit = {.role = WZ_ROLE_CITIZEN, .id = 77};
    tok = wz_token_issue(secret, &cit, 1000000, 900);
    CHECK_INT(wz_token_verify(secret, tok, strlen(tok), 1000001, &out, &why), 0);
    CHECK_INT(out.role, WZ_ROLE_CITIZEN);
    CHECK_STR(out.unit_path, "");
    free(tok);
}

static void test_times(void)
{
    char buf[WZ_RFC3339_MAX];
    wz_time_format(0 + 1, buf);
    CHECK_STR(buf, "1970-01-01T08:00:01+08:00");
    wz_time_format(1795000000, buf);
    CHECK_STR(buf, "2026-11-18T19:06:40+08:00");
    /* the digit-by-digit writer against the printf it replaced, over every year that has four
     * digits, at times of day from midnight to 23:59:59, and past both ends */
    int mismatched = 0;
    for (int64_t u = -62167248000LL; u < 253402300800LL + 86400 * 800; u += 86400 * 37 + 3607) {
        char want[WZ_RFC3339_MAX], got[WZ_RFC3339_MAX];
        int64_t local = u + WZ_TIME_OFFSET_MIN * 60, days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
        int64_t secs = local - days * 86400, y, m, d;
        wz_civil_from_days(days, &y, &m, &d);
        snprintf(want, sizeof(want), "%04lld-%02d-%02dT%02d:%02d:%02d+08:00", (long long)y, (int)m, (int)d,
                 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
        wz_time_format(u, got);
        mismatched += strcmp(got, want) != 0;
    }
    CHECK_INT(mismatched, 0);
    int64_t t = 0;
    CHECK_INT(wz_time_parse(buf, strlen(buf), &t), 0);
    CHECK_INT(t, 1795000000);
    CHECK_INT(wz_time_parse("2026-11-23", 10, &t), 0);
    CHECK_INT(t, 1795363200); /* local midnight: 16:00 UTC the day before */
    CHECK_INT(wz_time_parse("2026-11-22T16:00:00Z", 20, &t), 0);
    CHECK_INT(t, 1795363200);
    CHECK_INT(wz_time_parse("2026-11-22T11:00:00-05:00", 25, &t), 0);
    CHECK_INT(t, 1795363200);
    CHECK_INT(wz_time_parse("2026-11-23T09:30:00.123+08:00", 29, &t), 0);
    const char *bad[] = {"2026-02-29", "2026-13-01", "2026-11-23T09:30:00", "2026-11-23T25:00:00Z", "yesterday",
                         "2026-11-23T09:30:00+0800", "2026-11-23 "};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_INT(wz_time_parse(bad[i], strlen(bad[i]), &t), -1);
}

int main(void)
{
    RUN(test_paths_and_scope);
    RUN(test_tokens);
    RUN(test_times);
    return CHECK_DONE();
}
