/* Fuzzes the migration file-name parser (wz_migration_parse_name in db/migrate.c).
 *
 * Input: a directory entry name, "NNN_name.sql" when well formed; parsed from a
 * NUL-terminated copy, as readdir() hands it over. */
#include "fuzz.h"
#include "db/migrate.h"

/* The real caller's buffer (wz_migration_t.name) and a short one for the length check. */
#define NAME_BIG 128
#define NAME_SMALL 6

/* On success: the file is exactly <3-6 digits>_<name>.sql, the digits spell the version,
 * version > 0 and the name is non-empty [a-z0-9_] that fit in namelen. */
static void check_success(const char *file, int version, const char *name, size_t namelen)
{
    FUZZ_CHECK(version > 0 && version <= 999999);
    size_t nlen = strnlen(name, namelen);
    FUZZ_CHECK(nlen > 0 && nlen < namelen);
    for (size_t i = 0; i < nlen; i++) {
        char c = name[i];
        FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
    }
    size_t digits = 0;
    long v = 0;
    while (file[digits] >= '0' && file[digits] <= '9') {
        v = v * 10 + (file[digits] - '0');
        digits++;
        FUZZ_CHECK(digits <= 6);
    }
    FUZZ_CHECK(digits >= 3 && v == version && file[digits] == '_');
    FUZZ_CHECK(strncmp(file + digits + 1, name, nlen) == 0);
    FUZZ_CHECK(strcmp(file + digits + 1 + nlen, ".sql") == 0);
}

/* Parses into a guarded buffer pre-filled with a pattern; failure must leave both outputs
 * untouched, since the caller reuses them for the next directory entry. */
static int parse(const char *file, size_t namelen, int *version, char *name)
{
    char *buf = fuzz_guarded_alloc(namelen);
    memset(buf, 'X', namelen);
    int v = -7;
    int r = wz_migration_parse_name(file, &v, buf, namelen);
    FUZZ_CHECK(fuzz_guard_ok(buf, namelen));
    FUZZ_CHECK(r == 0 || r == -1);
    if (r == 0) {
        check_success(file, v, buf, namelen);
        *version = v;
        memcpy(name, buf, strlen(buf) + 1);
    } else {
        FUZZ_CHECK(v == -7);
        for (size_t i = 0; i < namelen; i++)
            FUZZ_CHECK(buf[i] == 'X');
    }
    free(buf);
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *file = fuzz_strndup(data, size);
    int vbig = 0, vsmall = 0;
    char nbig[NAME_BIG], nsmall[NAME_SMALL];
    int rbig = parse(file, NAME_BIG, &vbig, nbig);
    int rsmall = parse(file, NAME_SMALL, &vsmall, nsmall);
    /* the buffer size only decides whether the name fits */
    if (rsmall == 0)
        FUZZ_CHECK(rbig == 0 && vsmall == vbig && strcmp(nsmall, nbig) == 0);
    else if (rbig == 0)
        FUZZ_CHECK(strlen(nbig) >= NAME_SMALL);
    free(file);
    return 0;
}
