#ifndef WZ_HTTP_MESSAGE_BODY_H
#define WZ_HTTP_MESSAGE_BODY_H
/* The body of POST /api/v1/messages, checked field by field (pure: no I/O, fuzzed by
 * tests/fuzz/fuzz_message_body.c). Whether the ids it names exist is for the database. */
#include "tickets/intake.h"
#include <jansson.h>
#include <stdint.h>

#define WZ_MESSAGE_TITLE_MAX_CHARS 100
#define WZ_MESSAGE_NAME_MAX_CHARS 50
#define WZ_MESSAGE_PHONE_MIN 5
#define WZ_MESSAGE_PHONE_MAX 20
#define WZ_MESSAGE_ADDRESS_MAX_CHARS 200

typedef struct wz_message_body {
    /* point into the JSON document: valid while it is */
    const char *type, *content, *title, *contact_name, *contact_phone, *channel, *region;
    char *location; /* the location object as compact JSON (malloc'd), or NULL */
    int64_t unit_id, category_id, account_id; /* 0 = none */
    int publish;
    int64_t attachments[WZ_INTAKE_MAX_ATTACHMENTS];
    size_t nattachments;
} wz_message_body_t;

/** Checks a message body. Returns 0 (free out->location later), or -1 with *field (the field
 * at fault, or NULL for the body as a whole) and a message in err. */
int wz_message_body_parse(json_t *body, wz_message_body_t *out, const char **field, char *err, size_t errlen);

#endif
