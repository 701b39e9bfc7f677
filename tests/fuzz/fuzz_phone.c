/* Fuzzes the phone number reader (wz_phone_normalize in auth/phone.c), fed straight from the
 * web board's request bodies, and the code check beside it.
 *
 * Invariants: an accepted number is 11 digits starting 13-19, and reading it again gives itself;
 * an accepted code is exactly 6 digits. */
#include "fuzz.h"
#include "auth/phone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char out[WZ_PHONE_DIGITS + 1 + FUZZ_GUARD];
    memset(out + WZ_PHONE_DIGITS + 1, FUZZ_GUARD_BYTE, FUZZ_GUARD);
    if (wz_phone_normalize((const char *)data, size, out) == 0) {
        FUZZ_CHECK(strlen(out) == WZ_PHONE_DIGITS && out[0] == '1' && out[1] >= '3' && out[1] <= '9');
        for (size_t i = 0; i < WZ_PHONE_DIGITS; i++)
            FUZZ_CHECK(out[i] >= '0' && out[i] <= '9');
        char again[WZ_PHONE_DIGITS + 1];
        FUZZ_CHECK(wz_phone_normalize(out, WZ_PHONE_DIGITS, again) == 0 && strcmp(again, out) == 0);
    }
    for (size_t i = 0; i < FUZZ_GUARD; i++)
        FUZZ_CHECK((uint8_t)out[WZ_PHONE_DIGITS + 1 + i] == FUZZ_GUARD_BYTE);
    if (wz_phone_code_valid((const char *)data, size)) {
        FUZZ_CHECK(size == WZ_PHONE_CODE_DIGITS);
        for (size_t i = 0; i < size; i++)
            FUZZ_CHECK(data[i] >= '0' && data[i] <= '9');
    }
    return 0;
}
