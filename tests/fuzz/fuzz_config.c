/* Fuzzes the JSON configuration document (common/config.c).
 *
 * Input: a JSON document as it would appear in the config file. It is applied to a zeroed
 * config (what apply_json may be handed) and to one filled with the defaults, which is then
 * validated and printed; it is also loaded as a config file through wz_config_load. Every
 * config is freed; LeakSanitizer reports anything left, also after a failed load. */
#include "fuzz.h"
#include "common/config.h"
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

enum { ERRLEN = 256, SHORT_ERRLEN = 24 };

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

/* The config file for wz_config_load lives in memory (no disk writes per input); its path
 * is /proc/self/fd/N. Empty when memfd_create is unavailable: that check is then skipped. */
static int memfd = -1;
static char memfd_path[64];

static int write_memfd(const uint8_t *data, size_t size)
{
    if (ftruncate(memfd, 0) != 0)
        return -1;
    size_t off = 0;
    while (off < size) {
        ssize_t n = pwrite(memfd, data + off, size - off, (off_t)off);
        if (n <= 0)
            return -1;
        off += (size_t)n;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (devnull == NULL) {
        clear_wz_environment();
        devnull = fopen("/dev/null", "w");
        if (devnull == NULL)
            abort();
        memfd = memfd_create("wz-fuzz-config", 0);
        if (memfd >= 0)
            snprintf(memfd_path, sizeof(memfd_path), "/proc/self/fd/%d", memfd);
    }
    const char *text = (const char *)data;

    /* Zeroed config, short error buffer: messages quote the offending key and value and
     * must truncate. */
    wz_config_t zeroed;
    memset(&zeroed, 0, sizeof(zeroed));
    char *err0 = fuzz_guarded_alloc(SHORT_ERRLEN);
    err0[0] = '\0';
    int r0 = wz_config_apply_json(&zeroed, text, size, err0, SHORT_ERRLEN);
    FUZZ_CHECK(r0 == 0 || r0 == -1);
    if (r0 != 0)
        check_err(err0, SHORT_ERRLEN);
    wz_config_free(&zeroed);

    /* Defaults (no file, and the environment was cleared), then the document. */
    wz_config_t cfg;
    char *err = fuzz_guarded_alloc(ERRLEN);
    err[0] = '\0';
    FUZZ_CHECK(wz_config_load(&cfg, NULL, err, ERRLEN) == 0);
    int r = wz_config_apply_json(&cfg, text, size, err, ERRLEN);
    /* applying does not read what is already set, so it fails on the same key either way */
    FUZZ_CHECK(r == r0);
    if (r != 0) {
        check_err(err, ERRLEN);
        FUZZ_CHECK(strncmp(err, err0, SHORT_ERRLEN - 1) == 0);
    }

    /* Validation must cope with whatever a (possibly half-applied) document left behind. */
    char *verr = fuzz_guarded_alloc(ERRLEN);
    verr[0] = '\0';
    int v = wz_config_validate(&cfg, verr, ERRLEN);
    FUZZ_CHECK(v == 0 || v == -1);
    if (v != 0)
        check_err(verr, ERRLEN);
    wz_config_print(&cfg, devnull);
    wz_config_free(&cfg);
    /* free leaves no dangling string behind (a second free must be harmless) */
    wz_config_free(&cfg);

    /* The same document as a config file: same outcome, same message, and a failed load
     * frees what it had set (LeakSanitizer checks). */
    if (memfd >= 0 && write_memfd(data, size) == 0) {
        wz_config_t loaded;
        char *lerr = fuzz_guarded_alloc(ERRLEN);
        lerr[0] = '\0';
        int rl = wz_config_load(&loaded, memfd_path, lerr, ERRLEN);
        FUZZ_CHECK(rl == r);
        if (rl != 0) {
            check_err(lerr, ERRLEN);
            FUZZ_CHECK(strcmp(lerr, err) == 0);
        } else {
            lerr[0] = '\0';
            FUZZ_CHECK(wz_config_validate(&loaded, lerr, ERRLEN) == v);
            FUZZ_CHECK(v == 0 || strcmp(lerr, verr) == 0);
            wz_config_free(&loaded);
        }
        free(lerr);
    }

    free(err0);
    free(err);
    free(verr);
    return 0;
}
