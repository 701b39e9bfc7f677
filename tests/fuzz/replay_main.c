/* Replay driver for builds without libFuzzer: feeds every file under the directories (or
 * the files) named on the command line to LLVMFuzzerTestOneInput, so an ordinary or
 * sanitizer build still runs each target over its corpus. Exits non-zero when it found no
 * input at all, so a wrong corpus path does not pass silently. */
#include "fuzz.h"
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

static size_t ninputs;

/* Runs one file. The input gets an exact-size heap copy so that reading past its end is an
 * AddressSanitizer error, as under libFuzzer. */
static int run_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    uint8_t *data = NULL;
    size_t len = 0, cap = 0, n;
    uint8_t chunk[4096];
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
        if (len + n > cap) {
            cap = (len + n) * 2;
            uint8_t *p = realloc(data, cap);
            if (p == NULL)
                abort();
            data = p;
        }
        memcpy(data + len, chunk, n);
        len += n;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        free(data);
        return -1;
    }
    uint8_t *exact = malloc(len ? len : 1);
    if (exact == NULL)
        abort();
    if (len)
        memcpy(exact, data, len);
    free(data);
    /* named before it runs, so a crash report can be traced to its input */
    fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    ninputs++;
    return 0;
}

/* Runs a file, or every regular file below a directory in name order (for repeatable runs);
 * dot files are skipped. */
static int run_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return S_ISREG(st.st_mode) ? run_file(path) : 0;
    struct dirent **names;
    int n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        fprintf(stderr, "replay: cannot list %s: %s\n", path, strerror(errno));
        return -1;
    }
    int ret = 0;
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.' && ret == 0) {
            size_t len = strlen(path) + 1 + strlen(names[i]->d_name) + 1;
            char *child = malloc(len);
            if (child == NULL)
                abort();
            snprintf(child, len, "%s/%s", path, names[i]->d_name);
            ret = run_path(child);
            free(child);
        }
        free(names[i]);
    }
    free(names);
    return ret;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s [-libfuzzer_option...] DIR_OR_FILE...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        /* libFuzzer options ("-runs=...") are accepted and ignored, so one command line
         * serves both builds */
        if (argv[i][0] == '-')
            continue;
        if (run_path(argv[i]) != 0)
            return 1;
    }
    if (ninputs == 0) {
        fprintf(stderr, "replay: no inputs found\n");
        return 1;
    }
    fprintf(stderr, "replay: %zu inputs ran\n", ninputs);
    return 0;
}
