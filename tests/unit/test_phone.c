/* The phone sign-in's pure parts (auth/phone.c): numbers, masks, keyed hashes, codes. */
#include "auth/phone.h"
#include "check.h"
#include <sodium.h>

static int norm(const char *in, char out[WZ_PHONE_DIGITS + 1])
{
    return wz_phone_normalize(in, strlen(in), out);
}

static void test_numbers(void)
{
    char out[WZ_PHONE_DIGITS + 1];
    static const char *const good[][2] = {
        {"13812345678", "13812345678"},     {"+8613812345678", "13812345678"}, {"86 138 1234 5678", "13812345678"},
        {"008613812345678", "13812345678"}, {"138-1234-5678", "13812345678"},  {" +86 138 1234 5678", "13812345678"},
        {"19912345678", "19912345678"},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        CHECK_INT(norm(good[i][0], out), 0);
        CHECK_STR(out, good[i][1]);
    }
    static const char *const bad[] = {"",
                                      "1381234567",
                                      "138123456789",
                                      "12812345678",
                                      "23812345678",
                                      "1381234567x",
                                      "+1 3812345678",
                                      "13812+345678",
                                      "８６13812345678",
                                      "+8612812345678",
                                      "010-12345678"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_INT(norm(bad[i], out), -1);
    char masked[WZ_PHONE_DIGITS + 1];
    wz_phone_mask("13812345678", masked);
    CHECK_STR(masked, "138****5678");
}

static void test_hashes_and_codes(void)
{
    uint8_t k1[32] = {1}, k2[32] = {2}, a[32], b[32], c[32];
    wz_phone_hash(k1, "13812345678", a);
    wz_phone_hash(k1, "13812345678", b);
    CHECK(memcmp(a, b, 32) == 0);
    wz_phone_hash(k2, "13812345678", c);
    CHECK(memcmp(a, c, 32) != 0); /* keyed */
    wz_phone_code_hash(k1, "13812345678", "123456", b);
    wz_phone_code_hash(k1, "13900000000", "123456", c);
    CHECK(memcmp(b, c, 32) != 0); /* a code is bound to its number */
    CHECK(memcmp(a, b, 32) != 0); /* separate domains */
    char code[WZ_PHONE_CODE_DIGITS + 1];
    int differ = 0;
    char first[WZ_PHONE_CODE_DIGITS + 1];
    wz_phone_code_new(first);
    for (int i = 0; i < 20; i++) {
        wz_phone_code_new(code);
        CHECK(wz_phone_code_valid(code, strlen(code)));
        differ |= strcmp(code, first) != 0;
    }
    CHECK(differ);
    CHECK(!wz_phone_code_valid("12345", 5));
    CHECK(!wz_phone_code_valid("12345a", 6));
    CHECK(!wz_phone_code_valid(NULL, 0));
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    RUN(test_numbers);
    RUN(test_hashes_and_codes);
    return CHECK_DONE();
}
