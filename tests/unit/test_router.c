#include "http/router.h"
#include "check.h"

static wz_router_t router;

static int add(unsigned m, const char *p)
{
    wz_route_t r = {m, p, NULL, NULL, 0};
    return wz_router_add(&router, &r);
}

static void setup(void)
{
    memset(&router, 0, sizeof(router));
    CHECK(add(WZ_METHOD_GET, "/healthz") == 0);
    CHECK(add(WZ_METHOD_GET, "/api/v1/tickets") >= 0);
    CHECK(add(WZ_METHOD_POST, "/api/v1/tickets") >= 0);
    CHECK(add(WZ_METHOD_GET, "/api/v1/tickets/{id}") >= 0);
    CHECK(add(WZ_METHOD_PATCH, "/api/v1/tickets/{id}") >= 0);
    CHECK(add(WZ_METHOD_POST, "/api/v1/tickets/{id}/actions/{action}") >= 0);
    CHECK(add(WZ_METHOD_GET, "/api/v1/units/{id}/children") >= 0);
}

static void test_static_path(void)
{
    setup();
    const wz_route_t *r;
    wz_route_params_t p;
    unsigned allow = 0;
    CHECK(wz_router_match(&router, WZ_METHOD_GET, "/healthz", 8, &r, &p, &allow) == WZ_ROUTE_FOUND);
    CHECK_STR(r->pattern, "/healthz");
    CHECK_INT(p.count, 0);
    CHECK(wz_router_match(&router, WZ_METHOD_GET, "/healthz/", 9, &r, &p, &allow) == WZ_ROUTE_NOT_FOUND);
    CHECK(wz_router_match(&router, WZ_METHOD_GET, "/health", 7, &r, &p, &allow) == WZ_ROUTE_NOT_FOUND);
    CHECK(wz_router_match(&router, WZ_METHOD_GET, "/healthzz", 9, &r, &p, &allow) == WZ_ROUTE_NOT_FOUND);
}

static void test_params(void)
{
    setup();
    const wz_route_t *r;
    wz_route_params_t p;
    unsigned allow = 0;
    const char *path = "/api/v1/tickets/42/actions/sign";
    CHECK(wz_router_match(&router, WZ_METHOD_POST, path, strlen(path), &r, &p, &allow) == WZ_ROUTE_FOUND);
    CHECK_STR(r->pattern, "/api/v1/tickets/{id}/actions/{action}");
    size_t len;
    const char *v = wz_route_param(&p, "id", &len);
    CHECK(v != NULL && len == 2 && memcmp(v, "42", 2) == 0);
    v = wz_route_param(&p, "action", &len);
    CHECK(v != NULL && len == 4 && memcmp(v, "sign", 4) == 0);
    CHECK(wz_route_param(&p, "missing", &len) == NULL && len == 0);
    /* a parameter never matches an empty segment or spans a slash */
    path = "/api/v1/tickets//actions/sign";
    CHECK(wz_router_match(&router, WZ_METHOD_POST, path, strlen(path), &r, &p, &allow) == WZ_ROUTE_NOT_FOUND);
    path = "/api/v1/tickets/4/2";
    CHECK(wz_router_match(&router, WZ_METHOD_GET, path, strlen(path), &r, &p, &allow) == WZ_ROUTE_NOT_FOUND);
}

static void test_method_not_allowed(void)
{
    setup();
    const wz_route_t *r;
    wz_route_params_t p;
    unsigned allow = 0;
    const char *path = "/api/v1/tickets/7";
    CHECK(wz_router_match(&router, WZ_METHOD_DELETE, path, strlen(path), &r, &p, &allow) ==
          WZ_ROUTE_METHOD_NOT_ALLOWED);
    CHECK(r == NULL);
    CHECK_INT(allow, WZ_METHOD_GET | WZ_METHOD_HEAD | WZ_METHOD_PATCH);
    char buf[64];
    wz_router_allow_string(allow, buf, sizeof(buf));
    CHECK_STR(buf, "GET, HEAD, PATCH");
    /* HEAD is served by GET routes */
    CHECK(wz_router_match(&router, WZ_METHOD_HEAD, path, strlen(path), &r, &p, &allow) == WZ_ROUTE_FOUND);
    CHECK(r->method == WZ_METHOD_GET);
    /* the same path with two methods picks the right one */
    path = "/api/v1/tickets";
    CHECK(wz_router_match(&router, WZ_METHOD_POST, path, strlen(path), &r, &p, &allow) == WZ_ROUTE_FOUND);
    CHECK(r->method == WZ_METHOD_POST);
}

static void test_invalid_patterns(void)
{
    memset(&router, 0, sizeof(router));
    CHECK(add(WZ_METHOD_GET, "relative") < 0);
    CHECK(add(WZ_METHOD_GET, "/a/{}") < 0);
    CHECK(add(WZ_METHOD_GET, "/a/x{id}") < 0);
    CHECK(add(WZ_METHOD_GET, "/a/{id}x") < 0);
    CHECK(add(WZ_METHOD_GET, "/a/{id") < 0);
    CHECK(add(WZ_METHOD_GET | WZ_METHOD_POST, "/a") < 0);
    CHECK(add(0, "/a") < 0);
    CHECK(add(WZ_METHOD_HEAD, "/a") < 0); /* HEAD is answered by GET routes */
    CHECK_INT(router.count, 0);
}

static void test_methods(void)
{
    CHECK(wz_method_from_string("GET", 3) == WZ_METHOD_GET);
    CHECK(wz_method_from_string("PATCH", 5) == WZ_METHOD_PATCH);
    CHECK(wz_method_from_string("get", 3) == 0);
    CHECK(wz_method_from_string("GETX", 4) == 0);
    CHECK(wz_method_from_string("", 0) == 0);
    char tiny[5];
    wz_router_allow_string(WZ_METHOD_GET | WZ_METHOD_POST, tiny, sizeof(tiny));
    CHECK_STR(tiny, "GET"); /* truncates at a whole name, stays terminated */
}

int main(void)
{
    RUN(test_static_path);
    RUN(test_params);
    RUN(test_method_not_allowed);
    RUN(test_invalid_patterns);
    RUN(test_methods);
    return CHECK_DONE();
}
