#include "auth/phone.h"
#include <sodium.h>
#include <stdio.h>
#include <string.h>

int wz_phone_normalize(const char *in, size_t len, char out[WZ_PHONE_DIGITS + 1])
{
    char digits[24];
    size_t n = 0;
    int plus = 0;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c >= '0' && c <= '9') {
            if (n == sizeof(digits))
                return -1;
            digits[n++] = c;
        } else if (c == '+' && n == 0 && !plus) {
            plus = 1;
        } else if (c != ' ' && c != '-') {
            return -1;
        }
    }
    const char *d = digits;
    /* the country code, written as 86, +86 or 0086; after a '+' it must be there */
    if (n == 15 && memcmp(d, "0086", 4) == 0 && !plus)
        d += 4, n -= 4;
    else if (n == 13 && memcmp(d, "86", 2) == 0)
        d += 2, n -= 2;
    else if (plus)
        return -1;
    if (n != WZ_PHONE_DIGITS || d[0] != '1' || d[1] < '3' || d[1] > '9')
        return -1;
    memcpy(out, d, WZ_PHONE_DIGITS);
    out[WZ_PHONE_DIGITS] = '\0';
    return 0;
}

void wz_phone_mask(const char phone[WZ_PHONE_DIGITS + 1], char out[WZ_PHONE_DIGITS + 1])
{
    memcpy(out, phone, WZ_PHONE_DIGITS + 1);
    memset(out + 3, '*', 4);
}

static void keyed(const uint8_t key[32], const char *domain, const char *a, const char *b, uint8_t out[32])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, key, 32, WZ_PHONE_HASH_LEN);
    crypto_generichash_update(&st, (const unsigned char *)domain, strlen(domain) + 1);
    crypto_generichash_update(&st, (const unsigned char *)a, strlen(a) + 1);
    if (b != NULL)
        crypto_generichash_update(&st, (const unsigned char *)b, strlen(b) + 1);
    crypto_generichash_final(&st, out, WZ_PHONE_HASH_LEN);
}

void wz_phone_hash(const uint8_t key[32], const char *phone, uint8_t out[WZ_PHONE_HASH_LEN])
{
    keyed(key, "wenzheng phone", phone, NULL, out);
}

void wz_phone_code_hash(const uint8_t key[32], const char *phone, const char *code, uint8_t out[WZ_PHONE_HASH_LEN])
{
    keyed(key, "wenzheng phone code", phone, code, out);
}

void wz_phone_code_new(char out[WZ_PHONE_CODE_DIGITS + 1])
{
    snprintf(out, WZ_PHONE_CODE_DIGITS + 1, "%06u", (unsigned)randombytes_uniform(1000000));
}

int wz_phone_code_valid(const char *code, size_t len)
{
    if (code == NULL || len != WZ_PHONE_CODE_DIGITS)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (code[i] < '0' || code[i] > '9')
            return 0;
    return 1;
}
