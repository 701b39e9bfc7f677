#ifndef WZ_TESTS_FUZZ_H
#define WZ_TESTS_FUZZ_H
/* Shared by the fuzz targets and the replay driver. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The libFuzzer entry point; each fuzz_<name>.c defines it. Declared here so the targets
 * pass -Wmissing-prototypes and replay_main.c can call it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant traps: libFuzzer saves the input as a crash, the replay test fails. */
#define FUZZ_CHECK(cond)                                                                                               \
    do {                                                                                                               \
        if (!(cond))                                                                                                   \
            __builtin_trap();                                                                                          \
    } while (0)

/* Bytes after each output buffer, filled with a pattern and checked after the call, so an
 * overrun is caught even in builds without AddressSanitizer. */
#define FUZZ_GUARD 16
#define FUZZ_GUARD_BYTE 0xA5

/* Allocates n usable bytes followed by the guard. */
static inline void *fuzz_guarded_alloc(size_t n)
{
    unsigned char *p = malloc(n + FUZZ_GUARD);
    if (p == NULL)
        abort();
    memset(p + n, FUZZ_GUARD_BYTE, FUZZ_GUARD);
    return p;
}

/* Whether the guard after n usable bytes is intact. */
static inline int fuzz_guard_ok(const void *buf, size_t n)
{
    const unsigned char *g = (const unsigned char *)buf + n;
    for (size_t i = 0; i < FUZZ_GUARD; i++)
        if (g[i] != FUZZ_GUARD_BYTE)
            return 0;
    return 1;
}

/* A NUL-terminated heap copy of the input, for functions that take C strings. It is cut at
 * the first NUL byte the input contains, as a C caller would see it. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        abort();
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
