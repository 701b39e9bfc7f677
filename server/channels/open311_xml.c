/* Open311's XML: the same documents as the JSON (the spec's JSON is the Spark-convention mapping
 * of its XML, so one JSON document gives both). Only writing is needed, and only elements and
 * text: a small writer, with the escaping done here and nowhere else. */
#include "channels/open311.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/* The length of a well-formed UTF-8 sequence at s (shortest form, no surrogates, at most
 * U+10FFFF) and its code point, or 0. */
static size_t utf8_seq(const unsigned char *s, size_t len, unsigned long *cp)
{
    unsigned char c = s[0];
    size_t n;
    unsigned long v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        n = 2, v = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, v = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n > len)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

/* XML 1.0's Char production */
static int xml_char(unsigned long cp)
{
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
           (cp >= 0x10000 && cp <= 0x10FFFF);
}

static void escape_to(FILE *f, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        unsigned long cp = 0;
        size_t n = utf8_seq(u + i, len - i, &cp);
        if (n == 0 || !xml_char(cp)) {
            fputs(REPLACEMENT, f); /* a byte that is no character, or a character XML forbids */
            i += n ? n : 1;
            continue;
        }
        switch (cp) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&apos;", f);
            break;
        case '\r':
            fputs("&#13;", f); /* a parser would turn a literal CR into LF */
            break;
        default:
            fwrite(u + i, 1, n, f);
        }
        i += n;
    }
}

char *wz_o311_xml_escape(const char *s, size_t len, size_t *outlen)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (f == NULL)
        abort();
    escape_to(f, s, len);
    if (fclose(f) != 0)
        abort();
    if (outlen != NULL)
        *outlen = n;
    return buf;
}

static void element(FILE *f, const char *name, const json_t *v);

/* the element name of an array's entries: attributes -> attribute, values -> value */
static void singular(const char *name, char *out, size_t outlen)
{
    size_t n = strlen(name);
    if (n > 1 && name[n - 1] == 's')
        n--;
    snprintf(out, outlen, "%.*s", (int)n, name);
}

static void children(FILE *f, const char *name, const json_t *v)
{
    if (json_is_object(v)) {
        const char *key;
        const json_t *member;
        json_object_foreach((json_t *)v, key, member) element(f, key, member);
    } else if (json_is_array(v)) {
        char item[64];
        singular(name, item, sizeof(item));
        size_t i;
        const json_t *entry;
        json_array_foreach(v, i, entry) element(f, item, entry);
    }
}

static void element(FILE *f, const char *name, const json_t *v)
{
    if (v == NULL || json_is_null(v)) {
        fprintf(f, "<%s/>", name);
        return;
    }
    fprintf(f, "<%s>", name);
    switch (json_typeof(v)) {
    case JSON_STRING:
        escape_to(f, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        fprintf(f, "%lld", (long long)json_integer_value(v));
        break;
    case JSON_REAL:
        fprintf(f, "%.12g", json_real_value(v));
        break;
    case JSON_TRUE:
        fputs("true", f);
        break;
    case JSON_FALSE:
        fputs("false", f);
        break;
    default:
        children(f, name, v);
    }
    fprintf(f, "</%s>", name);
}

char *wz_o311_xml(const char *root, const char *item, const json_t *doc, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (f == NULL)
        abort();
    fputs("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n", f);
    fprintf(f, "<%s>", root);
    if (json_is_array(doc)) {
        size_t i;
        const json_t *entry;
        json_array_foreach(doc, i, entry) element(f, item, entry);
    } else {
        children(f, root, doc);
    }
    fprintf(f, "</%s>\n", root);
    if (fclose(f) != 0)
        abort();
    *len = n;
    return buf;
}

char *wz_o311_render(wz_o311_format_t fmt, const char *root, const char *item, const json_t *doc, size_t *len)
{
    if (fmt == WZ_O311_XML)
        return wz_o311_xml(root, item, doc, len);
    char *text = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(12));
    if (text == NULL)
        abort();
    *len = strlen(text);
    return text;
}
