/* Fuzzes the statistics export's text handling (stats/export.c): the group_by parser (a query
 * parameter), CSV cells, sheet names, Content-Disposition, and the CSV writer on any JSON.
 *
 * Input: any bytes, used as one C string (cut at a NUL). Properties:
 * - a CSV cell, read back by an RFC 4180 reader, is the text (with a leading apostrophe when the
 *   text would be evaluated), and a cell without quotes holds no quote, comma, CR or LF;
 * - a sheet name is 1..31 UTF-8 characters without []:*?/\ nor a leading or trailing
 *   apostrophe, and fits its buffer;
 * - a Content-Disposition value holds no control character, its ASCII fallback only
 *   [A-Za-z0-9._-], and its filename* decodes back to the input;
 * - when the input is a JSON document, the CSV writer returns 0 or -2, and a written CSV starts
 *   with the BOM and ends with CRLF. */
#include "fuzz.h"
#include "stats/export.h"
#include <stdio.h>

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void check_cell(const char *s, size_t len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    FUZZ_CHECK(f != NULL);
    FUZZ_CHECK(wz_export_csv_text(f, s, len) == 0);
    fclose(f);
    /* read it back */
    char *got = malloc(n + 1);
    size_t g = 0, i = 0;
    if (n > 0 && buf[0] == '"') {
        FUZZ_CHECK(n >= 2 && buf[n - 1] == '"');
        for (i = 1; i < n - 1; i++) {
            if (buf[i] == '"') {
                FUZZ_CHECK(buf[i + 1] == '"' && i + 1 < n - 1);
                i++;
            }
            got[g++] = buf[i];
        }
    } else {
        for (i = 0; i < n; i++) {
            FUZZ_CHECK(buf[i] != '"' && buf[i] != ',' && buf[i] != '\r' && buf[i] != '\n');
            got[g++] = buf[i];
        }
    }
    size_t off = 0;
    if (wz_export_csv_needs_guard(s, len)) {
        FUZZ_CHECK(g >= 1 && got[0] == '\'');
        off = 1;
    }
    FUZZ_CHECK(g - off == len && memcmp(got + off, s, len) == 0);
    free(got);
    free(buf);
}

static void check_sheet_name(const char *s)
{
    char out[200];
    size_t n = wz_export_sheet_name(s, out, sizeof(out));
    FUZZ_CHECK(n > 0 && n < sizeof(out) && strlen(out) == n);
    FUZZ_CHECK(out[0] != '\'' && out[n - 1] != '\'');
    size_t chars = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)out[i];
        FUZZ_CHECK(c >= 0x20 && strchr("[]:*?/\\", c) == NULL);
        chars += (c & 0xC0) != 0x80;
    }
    FUZZ_CHECK(chars <= 31);
}

static void check_disposition(const char *s)
{
    char out[1024];
    int n = wz_export_content_disposition(s, out, sizeof(out));
    if (n < 0)
        return;
    FUZZ_CHECK((size_t)n == strlen(out));
    for (int i = 0; i < n; i++)
        FUZZ_CHECK((unsigned char)out[i] >= 0x20 && out[i] != 0x7f && (unsigned char)out[i] < 0x80);
    static const char head[] = "attachment; filename=\"";
    FUZZ_CHECK(strncmp(out, head, sizeof(head) - 1) == 0);
    const char *p = out + sizeof(head) - 1;
    const char *q = strchr(p, '"');
    FUZZ_CHECK(q != NULL && q > p);
    for (const char *c = p; c < q; c++)
        FUZZ_CHECK((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '.' ||
                   *c == '_' || *c == '-');
    static const char star[] = "\"; filename*=UTF-8''";
    FUZZ_CHECK(strncmp(q, star, sizeof(star) - 1) == 0);
    const char *e = q + sizeof(star) - 1;
    char dec[1024];
    size_t d = 0;
    for (; *e; e++) {
        if (*e == '%') {
            int hi = hexval(e[1]), lo = hi < 0 ? -1 : hexval(e[2]);
            FUZZ_CHECK(hi >= 0 && lo >= 0);
            dec[d++] = (char)(hi * 16 + lo);
            e += 2;
        } else {
            dec[d++] = *e;
        }
    }
    FUZZ_CHECK(d == strlen(s) && memcmp(dec, s, d) == 0);
}

static void check_layout(const char *s)
{
    wz_export_layout_t l;
    if (wz_export_layout_parse(s, &l) == 0)
        FUZZ_CHECK(l.nkeys >= 1 && l.nkeys <= WZ_EXPORT_MAX_KEYS && wz_export_key_column(l.keys[0]) != NULL &&
                   (l.nkeys == 1 || l.keys[0] != l.keys[1]));
}

static void check_csv_writer(const char *s)
{
    json_t *doc = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
    if (doc == NULL)
        return;
    wz_export_layout_t l = {{WZ_EXPORT_KEY_UNIT, WZ_EXPORT_KEY_PERIOD}, 2, NULL};
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    char err[256];
    int rc = wz_export_write_csv(f, doc, &l, err, sizeof(err));
    fclose(f);
    FUZZ_CHECK(rc == 0 || rc == -2);
    if (rc == 0)
        FUZZ_CHECK(n >= 5 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 && memcmp(buf + n - 2, "\r\n", 2) == 0);
    free(buf);
    json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_strndup(data, size);
    size_t len = strlen(s);
    check_cell(s, len);
    check_sheet_name(s);
    check_disposition(s);
    check_layout(s);
    check_csv_writer(s);
    free(s);
    return 0;
}
