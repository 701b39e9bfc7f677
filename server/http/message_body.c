#include "http/message_body.h"
#include "http/server.h"
#include "tickets/plan.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const types[] = {"consultation", "help", "complaint", "suggestion", "report", "praise", NULL};

/* Ids may come as JSON integers or as the strings the API renders. */
static int64_t body_id(json_t *body, const char *name, int *bad)
{
    json_t *v = json_object_get(body, name);
    if (v == NULL || json_is_null(v))
        return 0;
    if (json_is_integer(v) && json_integer_value(v) > 0)
        return json_integer_value(v);
    if (json_is_string(v)) {
        int64_t id = wz_parse_id(json_string_value(v), json_string_length(v));
        if (id > 0)
            return id;
    }
    *bad = 1;
    return 0;
}

static int chars_ok(const char *s, long max)
{
    long n = wz_utf8_chars(s, strlen(s));
    return n >= 0 && n <= max;
}

static int phone_ok(const char *s)
{
    size_t n = strlen(s), digits = 0;
    if (n < WZ_MESSAGE_PHONE_MIN || n > WZ_MESSAGE_PHONE_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= '0' && s[i] <= '9')
            digits++;
        else if (s[i] != '+' && s[i] != '-' && s[i] != ' ')
            return 0;
    }
    return digits >= WZ_MESSAGE_PHONE_MIN;
}

int wz_message_body_parse(json_t *body, wz_message_body_t *out, const char **field, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    *field = NULL;
#define BAD(f, msg)                                                                                                    \
    do {                                                                                                               \
        *field = (f);                                                                                                  \
        snprintf(err, errlen, "%s", (msg));                                                                            \
        free(out->location);                                                                                           \
        out->location = NULL;                                                                                          \
        return -1;                                                                                                     \
    } while (0)
    if (!json_is_object(body))
        BAD(NULL, "the body must be a JSON object");
    json_t *ignored_ids[3] = {NULL, NULL, NULL}, *location = NULL, *attachments = NULL;
    json_error_t jerr;
    if (json_unpack_ex(body, &jerr, JSON_STRICT, "{s:s, s:s, s?s, s?o, s?o, s?o, s?s, s?s, s?s, s?s, s?o, s?b, s?o}",
                       "type", &out->type, "content", &out->content, "title", &out->title, "unit_id",
                       &ignored_ids[0], "category_id", &ignored_ids[1], "account_id", &ignored_ids[2],
                       "contact_name", &out->contact_name, "contact_phone", &out->contact_phone, "channel",
                       &out->channel, "region", &out->region, "location", &location, "publish", &out->publish,
                       "attachments", &attachments) != 0)
        BAD(NULL, jerr.text);
    int bad_unit = 0, bad_cat = 0, bad_acc = 0;
    out->unit_id = body_id(body, "unit_id", &bad_unit);
    out->category_id = body_id(body, "category_id", &bad_cat);
    out->account_id = body_id(body, "account_id", &bad_acc);
    int known = 0;
    for (size_t i = 0; types[i]; i++)
        known |= strcmp(types[i], out->type) == 0;
    if (!known)
        BAD("type", "type must be consultation, help, complaint, suggestion, report or praise");
    const char *content = out->content;
    long clen = wz_utf8_chars(content, strlen(content));
    size_t lead = strspn(content, " \t\r\n");
    if (clen < 0 || content[lead] == '\0')
        BAD("content", "content must not be empty");
    if (clen > WZ_MESSAGE_MAX_CHARS)
        BAD("content", "content is longer than 5000 characters");
    if (out->title != NULL && !chars_ok(out->title, WZ_MESSAGE_TITLE_MAX_CHARS))
        BAD("title", "title is longer than 100 characters");
    if (bad_unit)
        BAD("unit_id", "unit_id must be a positive id");
    if (bad_cat)
        BAD("category_id", "category_id must be a positive id");
    if (bad_acc)
        BAD("account_id", "account_id must be a positive id");
    if (out->contact_name != NULL && !chars_ok(out->contact_name, WZ_MESSAGE_NAME_MAX_CHARS))
        BAD("contact_name", "contact_name is longer than 50 characters");
    if (out->contact_phone != NULL && !phone_ok(out->contact_phone))
        BAD("contact_phone", "contact_phone must be 5-20 digits (with + - or spaces)");
    if (out->channel == NULL)
        out->channel = "miniprogram";
    if (strcmp(out->channel, "miniprogram") != 0 && strcmp(out->channel, "web") != 0)
        BAD("channel", "channel must be miniprogram or web");
    if (out->region != NULL && !chars_ok(out->region, WZ_MESSAGE_ADDRESS_MAX_CHARS))
        BAD("region", "region is longer than 200 characters");
    if (location != NULL && !json_is_null(location)) {
        double lat = 0, lng = 0;
        const char *addr = NULL;
        if (!json_is_object(location) ||
            json_unpack_ex(location, &jerr, JSON_STRICT, "{s:F, s:F, s?s}", "latitude", &lat, "longitude", &lng,
                           "address", &addr) != 0 ||
            !(lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180) ||
            (addr && !chars_ok(addr, WZ_MESSAGE_ADDRESS_MAX_CHARS)))
            BAD("location", "location must be {latitude, longitude, address?} with valid coordinates");
        if (out->region == NULL && addr != NULL)
            out->region = addr; /* the address feeds the region routing rules */
        out->location = json_dumps(location, JSON_COMPACT);
        if (out->location == NULL)
            abort();
    }
    if (attachments != NULL && !json_is_null(attachments)) {
        if (!json_is_array(attachments) || json_array_size(attachments) > WZ_INTAKE_MAX_ATTACHMENTS)
            BAD("attachments", "attachments must be a list of at most 9 upload ids");
        size_t i;
        json_t *v;
        json_array_foreach(attachments, i, v)
        {
            int64_t id = json_is_integer(v)  ? json_integer_value(v)
                         : json_is_string(v) ? wz_parse_id(json_string_value(v), json_string_length(v))
                                             : -1;
            for (size_t k = 0; k < out->nattachments && id > 0; k++)
                if (out->attachments[k] == id)
                    id = -1; /* the same photo twice */
            if (id <= 0)
                BAD("attachments", "attachments must be distinct upload ids");
            out->attachments[out->nattachments++] = id;
        }
    }
#undef BAD
    return 0;
}
