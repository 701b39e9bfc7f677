#include "tickets/privacy.h"
#include <stdlib.h>
#include <string.h>

/* Character classes. Citizens type on phones whose Chinese input methods produce full-width
 * forms, so each class covers the ASCII character and its full-width twin. */
enum {
    CH_END,    /* past the end of the text */
    CH_OTHER,  /* hanzi, punctuation, invalid bytes, ... */
    CH_DIGIT,  /* 0-9, ０-９ */
    CH_X,      /* X x Ｘ ｘ: the ID check character */
    CH_LETTER, /* other Latin letters, ASCII or full-width */
    CH_SEP,    /* separators allowed inside a mobile number: ' ' '-' '－' and U+3000 */
    CH_PLUS,   /* + ＋ */
    CH_DOT,    /* . ． */
};

typedef struct {
    int cls;
    int val;  /* a digit's value */
    size_t w; /* bytes */
} pii_char_t;

typedef struct {
    wz_pii_kind_t kind;
    size_t start, end;           /* the span */
    size_t mask_start, mask_end; /* the digits in here become '*' */
} pii_match_t;

typedef struct {
    const char *text;
    size_t len, pos;
    int prev, prev2; /* classes of the two characters before pos */
} pii_scan_t;

/* Length of the UTF-8 sequence at s, or 1 for a byte that does not start a valid one, so
 * that invalid input is stepped over a byte at a time and never swallows the ASCII digits
 * that follow a truncated sequence. */
static size_t utf8_width(const unsigned char *s, size_t avail)
{
    unsigned char b = s[0], lo = 0x80, hi = 0xBF;
    size_t need;
    if (b < 0x80)
        return 1;
    if (b >= 0xC2 && b <= 0xDF) {
        need = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need = 2;
        if (b == 0xE0)
            lo = 0xA0; /* overlong */
        else if (b == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 3;
        if (b == 0xF0)
            lo = 0x90; /* overlong */
        else if (b == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        return 1;
    }
    if (avail <= need || s[1] < lo || s[1] > hi)
        return 1;
    for (size_t i = 2; i <= need; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 1;
    return need + 1;
}

static pii_char_t char_at(const char *text, size_t len, size_t i)
{
    pii_char_t c = {CH_END, 0, 0};
    if (i >= len)
        return c;
    const unsigned char *s = (const unsigned char *)text + i;
    unsigned char b = s[0];
    c.cls = CH_OTHER;
    c.w = 1;
    if (b < 0x80) {
        if (b >= '0' && b <= '9') {
            c.cls = CH_DIGIT;
            c.val = b - '0';
        } else if (b == 'X' || b == 'x') {
            c.cls = CH_X;
        } else if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z')) {
            c.cls = CH_LETTER;
        } else if (b == ' ' || b == '-') {
            c.cls = CH_SEP;
        } else if (b == '+') {
            c.cls = CH_PLUS;
        } else if (b == '.') {
            c.cls = CH_DOT;
        }
        return c;
    }
    c.w = utf8_width(s, len - i);
    if (c.w != 3)
        return c;
    unsigned char t = s[2];
    if (b == 0xEF && s[1] == 0xBC) { /* U+FF00..FF3F */
        if (t >= 0x90 && t <= 0x99) {
            c.cls = CH_DIGIT;
            c.val = t - 0x90;
        } else if (t == 0xB8) {
            c.cls = CH_X;
        } else if (t >= 0xA1 && t <= 0xBA) {
            c.cls = CH_LETTER;
        } else if (t == 0x8B) {
            c.cls = CH_PLUS;
        } else if (t == 0x8D) {
            c.cls = CH_SEP;
        } else if (t == 0x8E) {
            c.cls = CH_DOT;
        }
    } else if (b == 0xEF && s[1] == 0xBD) { /* U+FF40..FF7F */
        if (t == 0x98)
            c.cls = CH_X;
        else if (t >= 0x81 && t <= 0x9A)
            c.cls = CH_LETTER;
    } else if (b == 0xE3 && s[1] == 0x80 && t == 0x80) {
        c.cls = CH_SEP; /* U+3000 ideographic space */
    }
    return c;
}

static int is_word(int cls)
{
    return cls == CH_DIGIT || cls == CH_X || cls == CH_LETTER;
}

/* A number stands on its own: no letter or digit touches it, and it is not the integer or
 * fraction part of a decimal ("0.13812345678" is an amount, not a phone). */
static int left_ok(int prev, int prev2)
{
    return !is_word(prev) && !(prev == CH_DOT && prev2 == CH_DIGIT);
}

static int right_ok(const char *text, size_t len, size_t end)
{
    pii_char_t c = char_at(text, len, end);
    if (is_word(c.cls))
        return 0;
    return !(c.cls == CH_DOT && char_at(text, len, end + c.w).cls == CH_DIGIT);
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int valid_date(int y, int m, int d)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1)
        return 0;
    return d <= days[m - 1] + (m == 2 && is_leap(y));
}

/* The first two digits: a province-level code of GB/T 2260 (11-65), Taiwan (71), the
 * residence permits of Hong Kong, Macao and Taiwan residents (81-83), or the 2023 foreigner's
 * permanent residence card (9 + a province's first digit). Cuts random 15/18-digit runs
 * (order numbers, IMEIs) by more than half at no cost in recall. */
static int valid_region(int r)
{
    switch (r / 10) {
    case 1:
        return r >= 11 && r <= 15;
    case 2:
        return r >= 21 && r <= 23;
    case 3:
        return r >= 31 && r <= 37;
    case 4:
        return r >= 41 && r <= 46;
    case 5:
        return r >= 50 && r <= 54;
    case 6:
        return r >= 61 && r <= 65;
    case 7:
        return r == 71;
    case 8:
        return r >= 81 && r <= 83;
    case 9:
        return r >= 91 && r <= 96;
    default:
        return 0;
    }
}

static int num(const int *v, size_t n)
{
    int x = 0;
    for (size_t i = 0; i < n; i++)
        x = x * 10 + v[i];
    return x;
}

/* An ID number at pos: exactly 18 characters (17 digits and a digit or X) or 15 digits.
 * The check digit is not verified (see docs/privacy.md): a mistyped ID is still a leak. */
static int match_id(const char *text, size_t len, size_t pos, pii_match_t *m)
{
    int v[18];
    size_t at[19], n = 0, p = pos;
    while (n < 18) {
        pii_char_t c = char_at(text, len, p);
        if (c.cls == CH_DIGIT)
            v[n] = c.val;
        else if (c.cls == CH_X && n == 17)
            v[n] = 10;
        else
            break;
        at[n++] = p;
        p += c.w;
    }
    at[n] = p;
    if ((n != 18 && n != 15) || !right_ok(text, len, p) || !valid_region(num(v, 2)))
        return 0;
    /* 18: YYYYMMDD at 6..13; 15 (issued before 1999): YYMMDD at 6..11, always 19YY */
    int ok = n == 18 ? valid_date(num(v + 6, 4), num(v + 10, 2), num(v + 12, 2))
                     : valid_date(1900 + num(v + 6, 2), num(v + 8, 2), num(v + 10, 2));
    if (!ok)
        return 0;
    m->kind = WZ_PII_ID_CARD;
    m->start = pos;
    m->end = p;
    /* The first 6 and last 4 characters stay for staff to match: in the 18-character form
     * exactly the birth date is masked. The 15-digit form keeps 4 too, one date digit more,
     * because a 3-digit tail followed by "-1234-5678" would read as a new mobile number in
     * the masked text and masking would not be idempotent. */
    m->mask_start = at[6];
    m->mask_end = at[n == 18 ? 14 : 11];
    return 1;
}

/* A mobile number without prefix at pos: 1[3-9] and 9 more digits, grouped 3-4-4 with an
 * optional separator between the groups. */
static int match_mobile(const char *text, size_t len, size_t pos, size_t start, pii_match_t *m)
{
    static const size_t groups[3] = {3, 4, 4};
    size_t p = pos, n = 0;
    for (size_t g = 0; g < 3; g++) {
        if (g > 0) {
            pii_char_t sep = char_at(text, len, p);
            if (sep.cls == CH_SEP)
                p += sep.w;
        }
        if (g == 1)
            m->mask_start = p;
        for (size_t k = 0; k < groups[g]; k++, n++) {
            pii_char_t c = char_at(text, len, p);
            if (c.cls != CH_DIGIT || (n == 0 && c.val != 1) || (n == 1 && c.val < 3))
                return 0;
            p += c.w;
        }
        if (g == 1)
            m->mask_end = p;
    }
    if (!right_ok(text, len, p))
        return 0;
    m->kind = WZ_PII_MOBILE;
    m->start = start;
    m->end = p;
    return 1;
}

/* Bytes of a "+86", "86" or "0086" prefix (and one separator after it) at pos, or 0. */
static size_t prefix_len(const char *text, size_t len, size_t pos)
{
    static const int want[] = {0, 0, 8, 6};
    size_t p = pos, from = 2;
    pii_char_t c = char_at(text, len, p);
    if (c.cls == CH_PLUS)
        p += c.w;
    else if (c.cls == CH_DIGIT && c.val == 0)
        from = 0;
    for (size_t i = from; i < 4; i++) {
        c = char_at(text, len, p);
        if (c.cls != CH_DIGIT || c.val != want[i])
            return 0;
        p += c.w;
    }
    c = char_at(text, len, p);
    if (c.cls == CH_SEP)
        p += c.w;
    return p - pos;
}

static int match_at(const char *text, size_t len, size_t pos, pii_match_t *m)
{
    size_t plen = prefix_len(text, len, pos);
    if (plen > 0 && match_mobile(text, len, pos + plen, pos, m))
        return 1;
    return match_id(text, len, pos, m) || match_mobile(text, len, pos, pos, m);
}

/* The next match at or after sc->pos. Matching is tried only where a number may start, so
 * the scan is linear: inside a run of digits the left boundary already fails. */
static int next_match(pii_scan_t *sc, pii_match_t *m)
{
    while (sc->pos < sc->len) {
        pii_char_t c = char_at(sc->text, sc->len, sc->pos);
        if ((c.cls == CH_DIGIT || c.cls == CH_PLUS) && left_ok(sc->prev, sc->prev2) &&
            match_at(sc->text, sc->len, sc->pos, m)) {
            sc->pos = m->end;
            sc->prev = sc->prev2 = CH_DIGIT; /* a match ends in a digit or X */
            return 1;
        }
        sc->prev2 = sc->prev;
        sc->prev = c.cls;
        sc->pos += c.w;
    }
    return 0;
}

size_t wz_pii_find(const char *text, size_t len, wz_pii_span_t *spans, size_t max)
{
    pii_scan_t sc = {text, len, 0, CH_END, CH_END};
    pii_match_t m;
    size_t n = 0;
    while (next_match(&sc, &m)) {
        if (n < max) {
            spans[n].kind = m.kind;
            spans[n].start = m.start;
            spans[n].len = m.end - m.start;
        }
        n++;
    }
    return n;
}

char *wz_pii_mask(const char *text, size_t len, size_t *outlen)
{
    /* masking never lengthens: an ASCII digit becomes one '*', a full-width one shrinks */
    char *out = malloc(len + 1);
    if (out == NULL)
        abort();
    pii_scan_t sc = {text, len, 0, CH_END, CH_END};
    pii_match_t m;
    size_t o = 0, done = 0;
    while (next_match(&sc, &m)) {
        memcpy(out + o, text + done, m.mask_start - done);
        o += m.mask_start - done;
        for (size_t i = m.mask_start; i < m.mask_end;) {
            pii_char_t c = char_at(text, len, i);
            if (c.cls == CH_DIGIT || c.cls == CH_X) {
                out[o++] = '*';
            } else {
                memcpy(out + o, text + i, c.w);
                o += c.w;
            }
            i += c.w;
        }
        done = m.mask_end;
    }
    if (len > done) {
        memcpy(out + o, text + done, len - done);
        o += len - done;
    }
    out[o] = '\0';
    if (outlen != NULL)
        *outlen = o;
    return out;
}

const char *wz_pii_kind_name(wz_pii_kind_t kind)
{
    switch (kind) {
    case WZ_PII_ID_CARD:
        return "身份证号";
    case WZ_PII_MOBILE:
        return "手机号";
    }
    return "个人号码";
}
