/* Fuzzes the generic webhook's body check (wz_hook_message_parse in channels/hook.c) on every
 * JSON document the input parses to, and the timestamp header reader on the raw bytes.
 *
 * Invariants: an accepted body has a 1..128-byte visible-ASCII external_id, a known type, and
 * non-negative ids; a refusal says why; an accepted timestamp is 1..12 digits. */
#include "fuzz.h"
#include "channels/hook.h"
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t ts;
    if (wz_hook_timestamp_parse((const char *)data, size, &ts) == 0)
        FUZZ_CHECK(size >= 1 && size <= 12 && ts >= 0);
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (doc == NULL)
        return 0;
    wz_hook_message_t m;
    const char *field = NULL;
    char err[200] = "";
    if (wz_hook_message_parse(doc, &m, &field, err, sizeof(err)) == 0) {
        size_t n = strlen(m.external_id);
        FUZZ_CHECK(n >= 1 && n <= WZ_HOOK_EXTERNAL_ID_MAX);
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK(m.external_id[i] > 0x20 && m.external_id[i] < 0x7f);
        FUZZ_CHECK(m.type != NULL && m.content != NULL && m.unit_id >= 0 && m.category_id >= 0);
    } else {
        FUZZ_CHECK(err[0] != '\0');
    }
    json_decref(doc);
    return 0;
}
