#ifndef WZ_TICKETS_PRIVACY_H
#define WZ_TICKETS_PRIVACY_H
/* Personal numbers in message and reply text: resident ID-card numbers and mainland mobile
 * numbers, in ASCII or full-width digits. Text shown publicly or to a role without the right
 * is masked (110101********1234, 138****5678); a staff reply containing one is refused before
 * publishing, naming the span. Pure: no I/O, no global state. docs/privacy.md has the rules
 * and their limits. */
#include <stddef.h>

typedef enum {
    WZ_PII_ID_CARD = 1, /* 18-digit resident ID (or a permit in its format), or the old 15-digit one */
    WZ_PII_MOBILE = 2,  /* 11-digit mainland mobile, with an optional +86 / 86 / 0086 prefix */
} wz_pii_kind_t;

typedef struct {
    wz_pii_kind_t kind;
    size_t start, len; /* byte offsets into the UTF-8 text; a mobile's span includes its prefix */
} wz_pii_span_t;

/** Finds personal numbers in UTF-8 text; fills at most max spans (sorted, non-overlapping) and returns how
 * many there are in all. */
size_t wz_pii_find(const char *text, size_t len, wz_pii_span_t *spans, size_t max);

/** A malloc'd, NUL-terminated copy with every span masked; *outlen (if not NULL) gets its length. */
char *wz_pii_mask(const char *text, size_t len, size_t *outlen);

/** Human description of a kind for error messages: "身份证号" / "手机号". */
const char *wz_pii_kind_name(wz_pii_kind_t kind);

#endif
