/* Fuzzes access-token verification (wz_token_verify in auth/identity.c), which reads the
 * Authorization header of every request before anything else.
 *
 * Input: the token text. Invariants: only tokens signed with the key verify (the fuzzer cannot
 * forge HMAC-SHA256, so anything it finds that verifies is a bug, unless it is the valid seed
 * token); a verified identity is well formed. Also: the valid seed token must verify. */
#include "fuzz.h"
#include "auth/identity.h"
#include <stdio.h>

static const char secret[] = "fuzz-secret-fuzz-secret-fuzz-secret-0123";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wz_identity_t who;
    const char *why = NULL;
    if (wz_token_verify(secret, (const char *)data, size, 1700000000, &who, &why) == 0) {
        FUZZ_CHECK(who.id > 0 && who.role != WZ_ROLE_SYSTEM && who.expires > 1700000000);
        FUZZ_CHECK(who.role == WZ_ROLE_CITIZEN || (who.unit_id > 0 && wz_unit_path_valid(who.unit_path)));
    } else {
        FUZZ_CHECK(why != NULL);
    }
    /* round trip of an identity derived from the input */
    wz_identity_t in = {.role = (wz_role_t)(size % WZ_ROLE__COUNT), .id = (int64_t)size + 1, .unit_id = 7};
    snprintf(in.unit_path, sizeof(in.unit_path), "/1/%zu/", size);
    char *tok = wz_token_issue(secret, &in, 1700000000, 900);
    if (tok != NULL) {
        wz_identity_t out;
        FUZZ_CHECK(wz_token_verify(secret, tok, strlen(tok), 1700000100, &out, NULL) == 0);
        FUZZ_CHECK(out.role == in.role && out.id == in.id);
        FUZZ_CHECK(wz_token_verify(secret, tok, strlen(tok), 1700000900, &out, NULL) != 0); /* expired */
        free(tok);
    } else {
        FUZZ_CHECK(in.role == WZ_ROLE_SYSTEM);
    }
    return 0;
}
