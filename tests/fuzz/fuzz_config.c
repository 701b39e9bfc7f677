/* Fuzzes the JSON configuration document (common/config.c).
 *
 * Input: a JSON document as it would appear in the config file. It is applied twice: to a
 * zeroed config (what apply_json may be handed) and to one filled with the defaults, which
 * is then validated and printed. Both are freed; LeakSanitizer reports anything left. */
#include "fuzz.h"
#include "common/config.h"
#include <stdio.h>
#include <unistd.h>

/* Removes every WZ_* variable so that the defaults, and so each run, do not depend on the
 * environment the fuzzer happens to start in. */
static void clear_wz_environment(void)
{
    for (;;) {
        const char *found = NULL;
        for (char **e = environ; e != NULL && *e != NULL; e++) {
            if (strncmp(*e, "WZ_", 3) == 0) {
                found = *e;
                break;
            }
        }
        if (found == NULL)
            return;
        const char *eq = strchr(found, '=');
        size_t n = eq ? (size_t)(eq - found) : strlen(found);
        char name[256];
        if (n >= sizeof(name))
            abort();
        memcpy(name, found, n);
        name[n] = '\0';
        if (unsetenv(name) != 0)
            abort();
    }
}

/* An error message is a non-empty NUL-terminated string inside its buffer. */
static void check_err(const char *err, size_t errlen)
{
    FUZZ_CHECK(fuzz_guard_ok(err, errlen));
    FUZZ_CHECK(memchr(err, '\0', errlen) != NULL && err[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (devnull == NULL) {
        clear_wz_environment();
        devnull = fopen("/dev/null", "w");
        if (devnull == NULL)
            abort();
    }
    const char *text = (const char *)data;
    /* A short buffer too: messages quote the offending key and value and must truncate. */
    enum { ERRLEN = 256, SHORT_ERRLEN = 24 };

    wz_config_t zeroed;
    memset(&zeroed, 0, sizeof(zeroed));
    char *err0 = fuzz_guarded_alloc(SHORT_ERRLEN);
    err0[0] = '\0';
    int r0 = wz_config_apply_json(&zeroed, text, size, err0, SHORT_ERRLEN);
    FUZZ_CHECK(r0 == 0 || r0 == -1);
    if (r0 != 0)
        check_err(err0, SHORT_ERRLEN);
    wz_config_free(&zeroed);

    wz_config_t cfg;
    char *err = fuzz_guarded_alloc(ERRLEN);
    err[0] = '\0';
    /* defaults only: no file, and the environment was cleared */
    FUZZ_CHECK(wz_config_load(&cfg, NULL, err, ERRLEN) == 0);
    int r = wz_config_apply_json(&cfg, text, size, err, ERRLEN);
    /* applying does not read what is already set, so it fails on the same key either way */
    FUZZ_CHECK(r == r0);
    if (r != 0) {
        check_err(err, ERRLEN);
        FUZZ_CHECK(strncmp(err, err0, SHORT_ERRLEN - 1) == 0);
    }

    /* Validation must cope with whatever a (possibly half-applied) document left behind. */
    err[0] = '\0';
    int v = wz_config_validate(&cfg, err, ERRLEN);
    FUZZ_CHECK(v == 0 || v == -1);
    if (v != 0)
        check_err(err, ERRLEN);
    wz_config_print(&cfg, devnull);

    wz_config_free(&cfg);
    /* free leaves no dangling string behind (a second free must be harmless) */
    wz_config_free(&cfg);
    free(err0);
    free(err);
    return 0;
}
