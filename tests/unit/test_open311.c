/* Open311 GeoReport v2's pure parts (channels/open311.h): the format suffix, reading and checking
 * a POST body (form and JSON), the api_key, Idempotency-Key and name rules, the status mapping,
 * the GET filters and the XML writer's escaping and shapes. */
#include "check.h"
#include "channels/open311.h"
#include <stdlib.h>
#include <string.h>

static const char good[] = "api_key=12.abcdefghijklmnop0123&service_code=2&lat=39.9087&long=116.3975"
                           "&address_string=%E4%B8%9C%E5%9F%8E%E5%8C%BA+1%E5%8F%B7&description=hole+in+the+road"
                           "&first_name=John&last_name=Smith&phone=139-0000-1111&email=j%40example.com"
                           "&media_url=https%3A%2F%2Fimg.example.com%2Fa.jpg&jurisdiction_id=x&attribute%5BA%5D=1";

static wz_o311_post_t post;
static char err[200];

static int parse(const char *body, int json)
{
    err[0] = '\0';
    return wz_o311_post_parse(body, strlen(body), json, &post, err, sizeof(err));
}

/* the good body with one argument replaced (or removed when value is NULL) */
static int parse_with(const char *name, const char *value)
{
    char body[8192] = "", copy[sizeof(good)];
    memcpy(copy, good, sizeof(good));
    size_t o = 0;
    for (char *save = NULL, *kv = strtok_r(copy, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
        size_t n = strlen(name);
        const char *item = kv;
        char buf[4500];
        if (strncmp(kv, name, n) == 0 && kv[n] == '=') {
            if (value == NULL)
                continue;
            snprintf(buf, sizeof(buf), "%s=%s", name, value);
            item = buf;
        }
        o += (size_t)snprintf(body + o, sizeof(body) - o, "%s%s", o ? "&" : "", item);
    }
    return parse(body, 0);
}

static void test_format(void)
{
    size_t stem = 99;
    CHECK_INT(wz_o311_format("services.json", 13, &stem), WZ_O311_JSON);
    CHECK_INT(stem, 8);
    CHECK_INT(wz_o311_format("WZ20261204000012.xml", 20, &stem), WZ_O311_XML);
    CHECK_INT(stem, 16);
    CHECK_INT(wz_o311_format(".json", 5, &stem), -1);
    CHECK_INT(wz_o311_format(".xml", 4, &stem), -1);
    CHECK_INT(wz_o311_format("2.html", 6, &stem), -1);
    CHECK_INT(wz_o311_format("2json", 5, &stem), -1);
}

static void test_form_body(void)
{
    CHECK_INT(parse(good, 0), 0);
    CHECK_INT(post.key_account, 12);
    CHECK_STR(post.key_secret, "abcdefghijklmnop0123");
    CHECK_INT(post.service_code, 2);
    CHECK(post.has_point && post.lat == 39.9087 && post.lng == 116.3975);
    CHECK_STR(post.address_string, "东城区 1号");
    CHECK_STR(post.description, "hole in the road");
    CHECK_STR(post.first_name, "John");
    CHECK_STR(post.phone, "139-0000-1111");
    CHECK_STR(post.email, "j@example.com");
    CHECK_STR(post.media_url, "https://img.example.com/a.jpg");
    CHECK_STR(post.address_id, "");
    /* a location may be an address or an address_id alone */
    CHECK_INT(parse("api_key=1.abcdefghijklmnop&service_code=7&address_id=A-77", 0), 0);
    CHECK(!post.has_point);
    CHECK_STR(post.address_id, "A-77");
    CHECK_INT(parse("api_key=1.abcdefghijklmnop&service_code=007&address_string=x", 0), 0);
    CHECK_INT(post.service_code, 7);
    /* an empty argument is an absent one (the spec's "Optional Arguments") */
    CHECK_INT(parse_with("description", ""), 0);
    CHECK_STR(post.description, "");
}

static void test_form_refusals(void)
{
    /* the key: 403 whatever is wrong with it */
    CHECK_INT(parse_with("api_key", NULL), 403);
    CHECK_INT(parse_with("api_key", ""), 403);
    CHECK_INT(parse_with("api_key", "abcdefghijklmnopqrst"), 403);
    CHECK_INT(parse_with("api_key", "12.short"), 403);
    CHECK_INT(parse_with("api_key", "0.abcdefghijklmnop"), 403);
    CHECK_INT(parse_with("api_key", "x1.abcdefghijklmnop"), 403);
    CHECK_INT(parse_with("api_key", ".abcdefghijklmnop"), 403);
    CHECK_INT(parse_with("api_key", "12.abcdefgh+ijklmnop"), 403); /* a space */
    CHECK_STR(post.key_secret, "");                                /* not kept after a refusal */
    /* the service */
    CHECK_INT(parse_with("service_code", NULL), 400);
    CHECK_INT(parse_with("service_code", "abc"), 404);
    CHECK_INT(parse_with("service_code", "0"), 404);
    CHECK_INT(parse_with("service_code", "-3"), 404);
    /* the location */
    CHECK_INT(parse_with("long", NULL), 400);
    CHECK_INT(parse_with("lat", "91"), 400);
    CHECK_INT(parse_with("lat", "-90.0001"), 400);
    CHECK_INT(parse_with("long", "180.5"), 400);
    CHECK_INT(parse_with("lat", "nan"), 400);
    CHECK_INT(parse_with("lat", "inf"), 400);
    CHECK_INT(parse_with("lat", "0x10"), 400);
    CHECK_INT(parse_with("lat", "+1+"), 400);
    CHECK_INT(parse_with("lat", "%201"), 400);
    CHECK_INT(parse_with("lat", "-90"), 0);
    CHECK_INT(parse("api_key=1.abcdefghijklmnop&service_code=7&description=x", 0), 400);
    CHECK(strstr(err, "location") != NULL);
    /* the texts */
    CHECK_INT(parse_with("description", "%FF%FE"), 400); /* not UTF-8 */
    CHECK_INT(parse_with("description", "a%00b"), 400);
    CHECK_INT(parse_with("phone", "call+me"), 400);
    CHECK_INT(parse_with("phone", "1234"), 400);
    CHECK_INT(parse_with("email", "nobody"), 400);
    CHECK_INT(parse_with("media_url", "javascript%3Aalert(1)"), 400);
    CHECK_INT(parse_with("media_url", "https%3A%2F%2Fa+b"), 400);
    char long_text[4200];
    memset(long_text, 'a', 4001);
    long_text[4001] = '\0';
    CHECK_INT(parse_with("description", long_text), 400);
    long_text[4000] = '\0';
    CHECK_INT(parse_with("description", long_text), 0);
    char names[64];
    memset(names, 'n', 46);
    names[46] = '\0';
    CHECK_INT(parse_with("last_name", names), 0); /* with "John": 50 */
    names[46] = 'n';
    names[47] = '\0';
    CHECK_INT(parse_with("last_name", names), 400);
}

static void test_json_body(void)
{
    CHECK_INT(parse("{\"api_key\": \"5.abcdefghijklmnop\", \"service_code\": 3, \"lat\": 39.5, \"long\": -116, "
                    "\"description\": \"路灯\", \"phone\": null, \"jurisdiction_id\": \"x\", \"attribute\": {}}",
                    1),
              0);
    CHECK_INT(post.key_account, 5);
    CHECK_INT(post.service_code, 3);
    CHECK(post.has_point && post.lat == 39.5 && post.lng == -116);
    CHECK_STR(post.description, "路灯");
    CHECK_STR(post.phone, "");
    CHECK_INT(parse("{\"api_key\": \"5.abcdefghijklmnop\", \"service_code\": \"3\", \"address_id\": 7}", 1), 400);
    CHECK_INT(parse("{\"api_key\": 5, \"service_code\": 3, \"address_id\": \"7\"}", 1), 403);
    CHECK_INT(parse("{\"api_key\": \"5.abcdefghijklmnop\", \"api_key\": \"6.abcdefghijklmnop\"}", 1), 400);
    CHECK_INT(parse("[1]", 1), 400);
    CHECK_INT(parse("{\"api_key\": ", 1), 400);
    CHECK(strstr(err, "invalid JSON") != NULL);
}

static void test_keys_and_ids(void)
{
    CHECK(wz_o311_key_matches("abcdefghijklmnop", "abcdefghijklmnop"));
    CHECK(!wz_o311_key_matches("abcdefghijklmnop", "abcdefghijklmnoq"));
    CHECK(!wz_o311_key_matches("abcdefghijklmnop", "abcdefghijklmno"));
    CHECK(!wz_o311_key_matches("", ""));
    CHECK(!wz_o311_key_matches(NULL, "x"));
    char ext[140];
    CHECK_INT(wz_o311_external_id("retry-1", 7, ext, sizeof(ext)), 0);
    CHECK_STR(ext, "open311 retry-1");
    CHECK_INT(wz_o311_external_id("has space", 9, ext, sizeof(ext)), -1);
    CHECK_INT(wz_o311_external_id("", 0, ext, sizeof(ext)), -1);
    char key[WZ_O311_IDEM_MAX + 2];
    memset(key, 'k', sizeof(key));
    CHECK_INT(wz_o311_external_id(key, WZ_O311_IDEM_MAX, ext, sizeof(ext)), 0);
    CHECK(strlen(ext) <= 128); /* tickets.external_id */
    CHECK_INT(wz_o311_external_id(key, WZ_O311_IDEM_MAX + 1, ext, sizeof(ext)), -1);
    char name[64];
    wz_o311_name("娜", "李", name, sizeof(name));
    CHECK_STR(name, "李娜");
    wz_o311_name("John", "Smith", name, sizeof(name));
    CHECK_STR(name, "John Smith");
    wz_o311_name("", "Smith", name, sizeof(name));
    CHECK_STR(name, "Smith");
    wz_o311_name(NULL, NULL, name, sizeof(name));
    CHECK_STR(name, "");
}

static void test_content_and_description(void)
{
    CHECK_INT(parse(good, 0), 0);
    char *c = wz_o311_content(&post, "住房保障");
    CHECK_STR(c, "hole in the road\n[附件] https://img.example.com/a.jpg");
    size_t n = wz_o311_description_len(c, strlen(c), post.media_url, strlen(post.media_url));
    CHECK_INT(n, strlen("hole in the road"));
    CHECK_INT(wz_o311_description_len(c, strlen(c), "https://other", 13), strlen(c));
    CHECK_INT(wz_o311_description_len(c, strlen(c), NULL, 0), strlen(c));
    CHECK_INT(wz_o311_description_len("x", 1, "https://img.example.com/a.jpg", 29), 1);
    free(c);
    CHECK_INT(parse("api_key=1.abcdefghijklmnop&service_code=7&address_id=A", 0), 0);
    c = wz_o311_content(&post, "住房保障");
    CHECK_STR(c, "住房保障"); /* no description: the service's name */
    free(c);
}

static void test_statuses(void)
{
    CHECK_STR(wz_o311_status("closed", 6), "closed");
    const char *open[] = {"new", "dispatched", "accepted", "waiting_citizen", "replied", "closedx"};
    for (size_t i = 0; i < 6; i++)
        CHECK_STR(wz_o311_status(open[i], strlen(open[i])), "open");
    CHECK_STR(wz_o311_status("clos", 4), "open");
    CHECK_STR(wz_o311_notice("dispatched", 10), "已分派至承办单位");
    CHECK_STR(wz_o311_notice("closed", 6), "已办结");
    CHECK_STR(wz_o311_notice("odd", 3), "已受理");
    int o, c;
    CHECK_INT(wz_o311_statuses("open", &o, &c), 0);
    CHECK(o == 1 && c == 0);
    CHECK_INT(wz_o311_statuses("closed,open", &o, &c), 0);
    CHECK(o == 1 && c == 1);
    CHECK_INT(wz_o311_statuses("open,", &o, &c), -1);
    CHECK_INT(wz_o311_statuses("pending", &o, &c), -1);
}

static void test_range(void)
{
    const int64_t now = 1796000000, d90 = 90 * 86400;
    int64_t from, to;
    char why[120];
    CHECK_INT(wz_o311_range(NULL, "", now, &from, &to, why, sizeof(why)), 0);
    CHECK(from == now - d90 && to == now);
    CHECK_INT(wz_o311_range("2026-01-01T00:00:00Z", NULL, now, &from, &to, why, sizeof(why)), 0);
    CHECK(from == 1767225600 && to == 1767225600 + d90);
    CHECK_INT(wz_o311_range(NULL, "2026-01-01T08:00:00+08:00", now, &from, &to, why, sizeof(why)), 0);
    CHECK(to == 1767225600 && from == 1767225600 - d90);
    /* a '+' left unencoded in a query string arrives as a space */
    CHECK_INT(wz_o311_range(NULL, "2026-01-01T08:00:00 08:00", now, &from, &to, why, sizeof(why)), 0);
    CHECK(to == 1767225600);
    CHECK_INT(wz_o311_range("2026-01-01", "2026-03-31", now, &from, &to, why, sizeof(why)), 0);
    CHECK_INT(wz_o311_range("2026-01-01", "2026-04-02", now, &from, &to, why, sizeof(why)), -1);
    CHECK(strstr(why, "90 days") != NULL);
    CHECK_INT(wz_o311_range("2026-02-01", "2026-01-01", now, &from, &to, why, sizeof(why)), -1);
    CHECK_INT(wz_o311_range("yesterday", NULL, now, &from, &to, why, sizeof(why)), -1);
    CHECK_INT(wz_o311_range(NULL, "2026-13-01", now, &from, &to, why, sizeof(why)), -1);
}

static void test_lists(void)
{
    char items[WZ_O311_LIST_MAX][WZ_O311_NUMBER_MAX + 1];
    CHECK_INT(wz_o311_numbers("WZ20261204000012,WZ20261204000013", items, WZ_O311_LIST_MAX), 2);
    CHECK_STR(items[1], "WZ20261204000013");
    CHECK_INT(wz_o311_numbers("a,,b", items, WZ_O311_LIST_MAX), -1);
    CHECK_INT(wz_o311_numbers("a,", items, WZ_O311_LIST_MAX), -1);
    CHECK_INT(wz_o311_numbers("", items, WZ_O311_LIST_MAX), -1);
    CHECK_INT(wz_o311_numbers("a-b", items, WZ_O311_LIST_MAX), -1);
    CHECK_INT(wz_o311_numbers("a,b,c", items, 2), -1);
    CHECK_INT(wz_o311_numbers("123456789012345678901234567890123", items, 1), -1); /* 33 characters */
    char codes[64];
    CHECK_INT(wz_o311_codes("1,02,3", codes, sizeof(codes)), 3);
    CHECK_STR(codes, "1,2,3");
    CHECK_INT(wz_o311_codes("0", codes, sizeof(codes)), -1);
    CHECK_INT(wz_o311_codes("00", codes, sizeof(codes)), -1);
    CHECK_INT(wz_o311_codes("x", codes, sizeof(codes)), -1);
    CHECK_INT(wz_o311_codes("1,", codes, sizeof(codes)), -1);
    CHECK_INT(wz_o311_codes("", codes, sizeof(codes)), -1);
    CHECK_INT(wz_o311_codes("1,2,3,4", codes, 6), -1); /* does not fit */
    char many[200] = "1";
    for (size_t i = 1, o = 1; i < 51; i++, o += 2)
        snprintf(many + o, sizeof(many) - o, ",1");
    CHECK_INT(wz_o311_codes(many, codes, sizeof(codes)), -1);
}

static void test_xml_escape(void)
{
    size_t n;
    char *s = wz_o311_xml_escape("<a&b>\"'", 7, &n);
    CHECK_STR(s, "&lt;a&amp;b&gt;&quot;&apos;");
    CHECK_INT(n, strlen(s));
    free(s);
    s = wz_o311_xml_escape("a\x01"
                           "b\tc\nd\re",
                           9, NULL);
    CHECK_STR(s, "a\xEF\xBF\xBD"
                 "b\tc\nd&#13;e");
    free(s);
    s = wz_o311_xml_escape("\xff"
                           "x\xe4\xb8",
                           4, NULL); /* a stray byte, a sequence cut short */
    CHECK_STR(s, "\xEF\xBF\xBD"
                 "x\xEF\xBF\xBD\xEF\xBF\xBD");
    free(s);
    s = wz_o311_xml_escape("\xef\xbf\xbf|\xed\xa0\x80|\xc0\xaf", 10, NULL); /* U+FFFF, a surrogate, an overlong */
    CHECK(strstr(s, "\xef\xbf\xbf") == NULL && strstr(s, "\xed\xa0\x80") == NULL && strchr(s, '/') == NULL);
    free(s);
    s = wz_o311_xml_escape("问政 \xF0\x9F\x98\x80", 11, NULL); /* CJK and an emoji stay */
    CHECK_STR(s, "问政 \xF0\x9F\x98\x80");
    free(s);
}

static void test_xml_documents(void)
{
    json_t *doc = json_pack("[{s:s, s:n, s:b, s:i, s:f, s:[]}, {s:s}]", "service_request_id", "WZ1", "account_id",
                            "metadata", 0, "code", 403, "lat", 39.9087, "attributes", "description", "a<b");
    size_t n;
    char *x = wz_o311_xml("service_requests", "request", doc, &n);
    CHECK_STR(x, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<service_requests><request>"
                 "<service_request_id>WZ1</service_request_id><account_id/><metadata>false</metadata>"
                 "<code>403</code><lat>39.9087</lat><attributes></attributes></request>"
                 "<request><description>a&lt;b</description></request></service_requests>\n");
    CHECK_INT(n, strlen(x));
    free(x);
    char *j = wz_o311_render(WZ_O311_JSON, "service_requests", "request", doc, &n);
    CHECK_STR(j, "[{\"service_request_id\":\"WZ1\",\"account_id\":null,\"metadata\":false,\"code\":403,"
                 "\"lat\":39.9087,\"attributes\":[]},{\"description\":\"a<b\"}]");
    free(j);
    json_decref(doc);
    doc = json_pack("{s:s, s:[{s:s, s:[{s:i}]}]}", "service_code", "2", "attributes", "code", "A", "values", "key", 1);
    x = wz_o311_render(WZ_O311_XML, "service_definition", NULL, doc, &n);
    CHECK(strstr(x,
                 "<service_definition><service_code>2</service_code><attributes><attribute><code>A</code>"
                 "<values><value><key>1</key></value></values></attribute></attributes></service_definition>") != NULL);
    free(x);
    json_decref(doc);
}

int main(void)
{
    RUN(test_format);
    RUN(test_form_body);
    RUN(test_form_refusals);
    RUN(test_json_body);
    RUN(test_keys_and_ids);
    RUN(test_content_and_description);
    RUN(test_statuses);
    RUN(test_range);
    RUN(test_lists);
    RUN(test_xml_escape);
    RUN(test_xml_documents);
    return CHECK_DONE();
}
