/* Fuzzes the admin body check (wz_record_parse in admin/record.c) against every real resource
 * description, as a create and as an update.
 *
 * Input: a request body as the server would have parsed it (JSON; other bytes are dropped like
 * the server's 400). Invariants: a refusal names a message; an accepted body has every required
 * field on create and no read-only field; the insert and update parameters can be built, each
 * text parameter is valid for its length, and a sealed secret opens to a JSON object. */
#include "fuzz.h"
#include "admin/resources.h"
#include "common/seal.h"
#include <sodium.h>

static const uint8_t key[WZ_SEAL_KEY_BYTES] = {9, 8, 7};
static const char *const tables[] = {"units", "accounts", "categories", "routing_rules", "sla_policies", "users"};

static void check_params(const wz_db_value_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i].type == WZ_DB_T_TEXT || p[i].type == WZ_DB_T_BLOB)
            FUZZ_CHECK(p[i].u.s.p != NULL || p[i].u.s.len == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        if (sodium_init() < 0)
            abort();
        wz_admin_init();
        ready = 1;
    }
    json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (body == NULL)
        return 0;
    for (size_t k = 0; k < sizeof(tables) / sizeof(tables[0]); k++) {
        const wz_table_t *t = wz_admin_table(tables[k]);
        for (int creating = 0; creating < 2; creating++) {
            wz_record_t rec;
            wz_record_error_t e;
            memset(&e, 0, sizeof(e));
            if (wz_record_parse(t, body, creating, key, &rec, &e) != 0) {
                FUZZ_CHECK(e.message[0] != '\0');
                wz_record_free(&rec);
                continue;
            }
            for (size_t i = 0; i < t->ncols; i++) {
                unsigned f = t->cols[i].flags;
                if (creating && (f & WZ_COL_REQUIRED))
                    FUZZ_CHECK(rec.present[i]);
                if (f & (WZ_COL_READONLY | WZ_COL_INTERNAL))
                    FUZZ_CHECK(!rec.present[i]);
                if (t->cols[i].kind == WZ_COL_SECRET && rec.present[i] && rec.v[i].type == WZ_DB_T_BLOB) {
                    size_t n = rec.v[i].u.s.len - WZ_SEAL_OVERHEAD;
                    char *plain = malloc(n + 1);
                    FUZZ_CHECK(wz_unseal(key, (const uint8_t *)rec.v[i].u.s.p, rec.v[i].u.s.len, plain) == 0);
                    json_t *o = json_loadb(plain, n, 0, NULL);
                    FUZZ_CHECK(json_is_object(o));
                    json_decref(o);
                    free(plain);
                }
            }
            wz_db_value_t p[2 * WZ_RECORD_MAX_COLS + 1];
            wz_record_insert_params(t, &rec, p);
            check_params(p, t->ninsert);
            wz_record_update_params(t, &rec, 1, p);
            check_params(p, t->nupdate);
            wz_record_free(&rec);
        }
    }
    json_decref(body);
    return 0;
}
