#include "channels/secrets.h"
#include "common/seal.h"
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

int wz_account_secret(const uint8_t key[32], const void *box, size_t len, const char *name, char *out, size_t outlen)
{
    if (box == NULL || len <= WZ_SEAL_OVERHEAD || len > 4096)
        return -1;
    size_t n = len - WZ_SEAL_OVERHEAD;
    char *plain = malloc(n + 1);
    if (plain == NULL)
        abort();
    int ret = -1;
    if (wz_unseal(key, box, len, plain) == 0) {
        json_t *doc = json_loadb(plain, n, 0, NULL);
        const char *v = json_string_value(json_object_get(doc, name));
        if (v != NULL && strlen(v) < outlen) {
            memcpy(out, v, strlen(v) + 1);
            ret = 0;
        }
        json_decref(doc);
    }
    sodium_memzero(plain, n);
    free(plain);
    return ret;
}
