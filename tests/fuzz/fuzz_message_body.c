/* Fuzzes the check of a citizen's message body (wz_message_body_parse in http/message_body.c,
 * POST /api/v1/messages) on every JSON document the input parses to, as the server parses
 * request bodies (duplicate keys refused).
 *
 * Invariants: an accepted body has a known type, non-blank content of at most 5000
 * characters, a channel of miniprogram or web, non-negative ids, at most 9 distinct positive
 * attachment ids, and a location only as an object's JSON; a refusal says why. */
#include "fuzz.h"
#include "http/message_body.h"
#include "tickets/plan.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (doc == NULL)
        return 0;
    wz_message_body_t m;
    const char *field = NULL;
    char err[200] = "";
    if (wz_message_body_parse(doc, &m, &field, err, sizeof(err)) == 0) {
        static const char *const types[] = {"consultation", "help", "complaint", "suggestion", "report", "praise"};
        int known = 0;
        for (size_t i = 0; i < 6; i++)
            known |= strcmp(m.type, types[i]) == 0;
        FUZZ_CHECK(known);
        long chars = wz_utf8_chars(m.content, strlen(m.content));
        FUZZ_CHECK(chars >= 1 && chars <= WZ_MESSAGE_MAX_CHARS);
        FUZZ_CHECK(m.content[strspn(m.content, " \t\r\n")] != '\0');
        FUZZ_CHECK(strcmp(m.channel, "miniprogram") == 0 || strcmp(m.channel, "web") == 0);
        FUZZ_CHECK(m.unit_id >= 0 && m.category_id >= 0 && m.account_id >= 0);
        FUZZ_CHECK(m.nattachments <= WZ_INTAKE_MAX_ATTACHMENTS);
        for (size_t i = 0; i < m.nattachments; i++) {
            FUZZ_CHECK(m.attachments[i] > 0);
            for (size_t k = 0; k < i; k++)
                FUZZ_CHECK(m.attachments[k] != m.attachments[i]);
        }
        if (m.location != NULL) {
            json_t *loc = json_loads(m.location, 0, NULL);
            FUZZ_CHECK(json_is_object(loc));
            json_decref(loc);
        }
        free(m.location);
    } else {
        FUZZ_CHECK(err[0] != '\0');
        FUZZ_CHECK(m.location == NULL);
    }
    json_decref(doc);
    return 0;
}
