/* The generic webhook's pure parts (channels/hook.c, channels/secrets.c): the timestamp window,
 * the signature, the body check, and opening an account's sealed secrets. */
#include "channels/hook.h"
#include "channels/secrets.h"
#include "common/seal.h"
#include "check.h"
#include <sodium.h>

static void test_window(void)
{
    int64_t ts;
    CHECK_INT(wz_hook_timestamp_parse("1763888400", 10, &ts), 0);
    CHECK_INT(ts, 1763888400);
    CHECK_INT(wz_hook_timestamp_parse("", 0, &ts), -1);
    CHECK_INT(wz_hook_timestamp_parse("-5", 2, &ts), -1);
    CHECK_INT(wz_hook_timestamp_parse("12a", 3, &ts), -1);
    CHECK_INT(wz_hook_timestamp_parse("1234567890123", 13, &ts), -1);
    CHECK(wz_hook_timestamp_fresh(1000, 1300));
    CHECK(wz_hook_timestamp_fresh(1300, 1000));
    CHECK(!wz_hook_timestamp_fresh(1000, 1301));
    CHECK(!wz_hook_timestamp_fresh(1301, 1000));
}

static void test_signature(void)
{
    /* the framing timestamp "." body, against HMAC-SHA256("Jefe", "what do ya want for nothing.")
     * as Python's hmac module computes it */
    char sig[65];
    wz_hook_sign("Jefe", 4, "what do ya want for nothing", 27, "", 0, sig);
    CHECK_STR(sig, "7d712d58b4088ec60585a2c6ab3b8ffe44a6ea23b3c9425077dc3f50a6e38bef");
    const char *body = "{\"external_id\":\"1\",\"content\":\"x\"}";
    wz_hook_sign("secret", 6, "1763888400", 10, body, strlen(body), sig);
    CHECK(wz_hook_signature_valid("secret", 6, "1763888400", 10, body, strlen(body), sig, 64));
    CHECK(!wz_hook_signature_valid("secreT", 6, "1763888400", 10, body, strlen(body), sig, 64));
    CHECK(!wz_hook_signature_valid("secret", 6, "1763888401", 10, body, strlen(body), sig, 64));
    CHECK(!wz_hook_signature_valid("secret", 6, "1763888400", 10, body, strlen(body) - 1, sig, 64));
    CHECK(!wz_hook_signature_valid("secret", 6, "1763888400", 10, body, strlen(body), sig, 63));
    CHECK(!wz_hook_signature_valid("", 0, "1763888400", 10, body, strlen(body), sig, 64));
    for (int i = 0; i < 64; i++)
        if (sig[i] >= 'a' && sig[i] <= 'f')
            sig[i] = (char)(sig[i] - 'a' + 'A');
    CHECK(wz_hook_signature_valid("secret", 6, "1763888400", 10, body, strlen(body), sig, 64));
    sig[0] = 'g';
    CHECK(!wz_hook_signature_valid("secret", 6, "1763888400", 10, body, strlen(body), sig, 64));
}

static int parse(const char *text, const char **field)
{
    json_t *doc = json_loads(text, 0, NULL);
    wz_hook_message_t m;
    char err[200];
    *field = NULL;
    int r = wz_hook_message_parse(doc, &m, field, err, sizeof(err));
    json_decref(doc);
    return r;
}

static void test_bodies(void)
{
    const char *field;
    json_t *doc = json_loads("{\"external_id\":\"a-1\",\"content\":\"路灯坏了\",\"unit_id\":3}", 0, NULL);
    wz_hook_message_t m;
    char err[200];
    CHECK_INT(wz_hook_message_parse(doc, &m, &field, err, sizeof(err)), 0);
    CHECK_STR(m.type, "consultation");
    CHECK_INT(m.unit_id, 3);
    CHECK(m.title == NULL);
    json_decref(doc);
    CHECK_INT(parse("[]", &field), -1);
    CHECK_INT(parse("{\"content\":\"x\"}", &field), -1);
    CHECK_INT(parse("{\"external_id\":\"\",\"content\":\"x\"}", &field), -1);
    CHECK_STR(field, "external_id");
    CHECK_INT(parse("{\"external_id\":\"a\",\"content\":\"x\",\"unit_id\":-1}", &field), -1);
    CHECK_STR(field, "unit_id");
    CHECK_INT(parse("{\"external_id\":\"a\",\"content\":\"x\",\"extra\":1}", &field), -1);
    CHECK(field == NULL);
}

static void test_secrets(void)
{
    uint8_t key[32] = {7}, other[32] = {8};
    const char *plain = "{\"hmac_secret\":\"abc\",\"token\":\"t\"}";
    size_t n = strlen(plain);
    uint8_t box[128];
    wz_seal(key, plain, n, box);
    char out[16];
    CHECK_INT(wz_account_secret(key, box, n + WZ_SEAL_OVERHEAD, "hmac_secret", out, sizeof(out)), 0);
    CHECK_STR(out, "abc");
    CHECK_INT(wz_account_secret(key, box, n + WZ_SEAL_OVERHEAD, "app_secret", out, sizeof(out)), -1);
    CHECK_INT(wz_account_secret(other, box, n + WZ_SEAL_OVERHEAD, "hmac_secret", out, sizeof(out)), -1);
    CHECK_INT(wz_account_secret(key, box, n + WZ_SEAL_OVERHEAD, "hmac_secret", out, 3), -1); /* too long */
    CHECK_INT(wz_account_secret(key, NULL, 0, "hmac_secret", out, sizeof(out)), -1);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    RUN(test_window);
    RUN(test_signature);
    RUN(test_bodies);
    RUN(test_secrets);
    return CHECK_DONE();
}
