#include "demo/demo.h"
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void random_hex(char *out, size_t nbytes)
{
    unsigned char buf[64];
    randombytes_buf(buf, nbytes);
    sodium_bin2hex(out, nbytes * 2 + 1, buf, nbytes);
    sodium_memzero(buf, sizeof(buf));
}

int wz_demo_keys(const char *data_dir, char **jwt_secret, char **secret_key, char *err, size_t errlen)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/demo-keys.json", data_dir);
    json_error_t jerr;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        if (access(path, F_OK) == 0) {
            snprintf(err, errlen, "%s is not valid JSON: %s", path, jerr.text);
            return -1;
        }
        char jwt[65], key[65];
        random_hex(jwt, 32);
        random_hex(key, 32);
        mkdir(data_dir, 0700);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
            return -1;
        }
        doc = json_pack("{s:s, s:s}", "jwt_secret", jwt, "secret_key", key);
        char *text = json_dumps(doc, JSON_INDENT(2));
        ssize_t w = write(fd, text, strlen(text));
        close(fd);
        sodium_memzero(text, strlen(text));
        free(text);
        sodium_memzero(jwt, sizeof(jwt));
        sodium_memzero(key, sizeof(key));
        if (w < 0) {
            json_decref(doc);
            snprintf(err, errlen, "cannot write %s", path);
            return -1;
        }
    }
    const char *j = NULL, *k = NULL;
    if (json_unpack(doc, "{s:s, s:s}", "jwt_secret", &j, "secret_key", &k) != 0 || strlen(j) < 32 ||
        strlen(k) != 64) {
        json_decref(doc);
        snprintf(err, errlen, "%s lacks jwt_secret or secret_key", path);
        return -1;
    }
    *jwt_secret = strdup(j);
    *secret_key = strdup(k);
    json_decref(doc);
    return 0;
}
