/* Refresh tokens and login throttling (auth/session.c). */
#include "auth/password.h"
#include "auth/session.h"
#include "check.h"
#include <sodium.h>

static void test_refresh_tokens(void)
{
    char a[WZ_REFRESH_TOKEN_LEN + 1], b[WZ_REFRESH_TOKEN_LEN + 1];
    uint8_t ha[WZ_REFRESH_HASH_LEN], hb[WZ_REFRESH_HASH_LEN], again[WZ_REFRESH_HASH_LEN];
    wz_refresh_new(a, ha);
    wz_refresh_new(b, hb);
    CHECK_INT(strlen(a), WZ_REFRESH_TOKEN_LEN);
    CHECK(strcmp(a, b) != 0);
    CHECK(memcmp(ha, hb, sizeof(ha)) != 0);
    /* the hash of the presented text is the stored hash: SHA-256 of the 43 characters */
    CHECK_INT(wz_refresh_hash(a, strlen(a), again), 0);
    CHECK(memcmp(ha, again, sizeof(ha)) == 0);
    uint8_t sha[32];
    crypto_hash_sha256(sha, (const unsigned char *)a, WZ_REFRESH_TOKEN_LEN);
    CHECK(memcmp(sha, ha, sizeof(sha)) == 0);
    CHECK_INT(wz_refresh_hash(a, 42, again), -1);
    CHECK_INT(wz_refresh_hash(NULL, 0, again), -1);
    char bad[WZ_REFRESH_TOKEN_LEN + 1];
    memcpy(bad, a, sizeof(bad));
    bad[10] = '+'; /* standard base64, not url-safe */
    CHECK_INT(wz_refresh_hash(bad, WZ_REFRESH_TOKEN_LEN, again), -1);
    char jti[23], jti2[23];
    wz_token_id(jti);
    wz_token_id(jti2);
    CHECK_INT(strlen(jti), 22);
    CHECK(strcmp(jti, jti2) != 0);
}

static void test_throttling(void)
{
    for (unsigned n = 0; n <= 4; n++)
        CHECK_INT(wz_login_lock_seconds(n, 0), 0);
    CHECK_INT(wz_login_lock_seconds(5, 0), 30);
    CHECK_INT(wz_login_lock_seconds(6, 0), 60);
    CHECK_INT(wz_login_lock_seconds(9, 0), 480);
    CHECK_INT(wz_login_lock_seconds(10, 0), 900);
    CHECK_INT(wz_login_lock_seconds(19, 0), 900);
    CHECK_INT(wz_login_lock_seconds(20, 0), 900);
    CHECK_INT(wz_login_lock_seconds(4000000000u, 0), 900);
    /* an address may fail five times as often before it locks */
    CHECK_INT(wz_login_lock_seconds(20, 1), 0);
    CHECK_INT(wz_login_lock_seconds(21, 1), 30);
    CHECK_INT(wz_login_lock_seconds(100, 1), 900);
    /* never shorter after more failures */
    for (unsigned n = 1; n < 200; n++)
        CHECK(wz_login_lock_seconds(n, 0) >= wz_login_lock_seconds(n - 1, 0));
}

static void test_password_rules(void)
{
    CHECK(wz_password_weak("short", "bob") != NULL);
    CHECK(wz_password_weak("123456789", "bob") != NULL);
    CHECK(wz_password_weak("1234567890", "bob") == NULL);
    CHECK(wz_password_weak("密码密码密码密码密码", "bob") == NULL); /* ten characters, thirty bytes */
    CHECK(wz_password_weak("密码密码密码密码密", "bob") != NULL);
    CHECK(wz_password_weak("my-STAFF_ZJJ-pass", "staff_zjj") != NULL);
    CHECK(wz_password_weak("my-staff-zjj-pass", "staff_zjj") == NULL);
    CHECK(wz_password_weak("abababababab", "ab") == NULL); /* names under 3 characters are not searched */
    CHECK(wz_password_weak("abcdefghijk", NULL) == NULL);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    RUN(test_refresh_tokens);
    RUN(test_throttling);
    RUN(test_password_rules);
    return CHECK_DONE();
}
