#include "common/seal.h"
#include "check.h"
#include <sodium.h>

static void test_roundtrip_and_tamper(void)
{
    uint8_t key[WZ_SEAL_KEY_BYTES], other[WZ_SEAL_KEY_BYTES];
    CHECK_INT(wz_seal_key_from_hex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", key), 0);
    CHECK_INT(key[1], 0x11);
    CHECK_INT(wz_seal_key_from_hex("0011", other), -1);
    CHECK_INT(wz_seal_key_from_hex("zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", other), -1);
    memset(other, 7, sizeof(other));
    const char *phone = "13812345678";
    uint8_t box[11 + WZ_SEAL_OVERHEAD], box2[11 + WZ_SEAL_OVERHEAD];
    char out[12] = {0};
    wz_seal(key, phone, 11, box);
    wz_seal(key, phone, 11, box2);
    CHECK(memcmp(box, box2, sizeof(box)) != 0); /* fresh nonce each time */
    CHECK_INT(wz_unseal(key, box, sizeof(box), out), 0);
    CHECK_STR(out, phone);
    CHECK_INT(wz_unseal(other, box, sizeof(box), out), -1);
    box[sizeof(box) - 1] ^= 1;
    CHECK_INT(wz_unseal(key, box, sizeof(box), out), -1);
    CHECK_INT(wz_unseal(key, box, 10, out), -1);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    RUN(test_roundtrip_and_tamper);
    return CHECK_DONE();
}
