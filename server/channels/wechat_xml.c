/* The WeChat official account's XML messages (wechat_oa.h): parsed with expat into the root's
 * fields, then read into the common inbound shape. */
#include "channels/wechat_oa.h"
#include <expat.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELDS_MAX 64
#define NAME_MAX_BYTES 64      /* "Parent.Child" */
#define VALUE_MAX (64 * 1024)  /* one field's text */
#define DEPTH_MAX 8

typedef struct {
    char name[NAME_MAX_BYTES];
    char *value;
    size_t len;
} field_t;

struct wz_wechat_oa_xml {
    field_t fields[FIELDS_MAX];
    size_t n;
};

typedef struct {
    XML_Parser p;
    wz_wechat_oa_xml_t *x;
    int depth;
    char parent[NAME_MAX_BYTES]; /* the depth-2 element we are in */
    field_t *current;            /* the leaf whose text we collect, or NULL */
    char err[120];
} parse_t;

static void stop(parse_t *s, const char *why)
{
    if (s->err[0] == '\0')
        snprintf(s->err, sizeof(s->err), "%s", why);
    XML_StopParser(s->p, XML_FALSE);
}

static void on_start(void *data, const XML_Char *name, const XML_Char **attrs)
{
    (void)attrs;
    parse_t *s = data;
    s->depth++;
    if (s->depth == 1) {
        if (strcmp(name, "xml") != 0)
            stop(s, "the document's root must be <xml>");
        return;
    }
    if (s->depth > DEPTH_MAX) {
        stop(s, "the XML is nested too deeply");
        return;
    }
    if (s->depth > 3) { /* deeper structure (article lists) carries nothing we read */
        s->current = NULL;
        return;
    }
    char full[NAME_MAX_BYTES];
    int n = s->depth == 2 ? snprintf(full, sizeof(full), "%s", name)
                          : snprintf(full, sizeof(full), "%s.%s", s->parent, name);
    if (n < 0 || (size_t)n >= sizeof(full)) {
        stop(s, "an element name is too long");
        return;
    }
    if (s->depth == 2)
        snprintf(s->parent, sizeof(s->parent), "%s", name);
    for (size_t i = 0; i < s->x->n; i++) {
        if (strcmp(s->x->fields[i].name, full) == 0) {
            stop(s, "an element appears twice");
            return;
        }
    }
    if (s->x->n == FIELDS_MAX) {
        stop(s, "the message has too many elements");
        return;
    }
    field_t *f = &s->x->fields[s->x->n++];
    memcpy(f->name, full, (size_t)n + 1);
    s->current = f;
}

static void on_end(void *data, const XML_Char *name)
{
    (void)name;
    parse_t *s = data;
    s->depth--;
    s->current = NULL;
}

static void on_text(void *data, const XML_Char *text, int len)
{
    parse_t *s = data;
    field_t *f = s->current;
    if (f == NULL || len <= 0) {
        return;
    }
    if (f->len + (size_t)len > VALUE_MAX) {
        stop(s, "an element's text is too long");
        return;
    }
    char *grown = realloc(f->value, f->len + (size_t)len + 1);
    if (grown == NULL)
        abort();
    memcpy(grown + f->len, text, (size_t)len);
    f->len += (size_t)len;
    grown[f->len] = '\0';
    f->value = grown;
}

/* a DTD could declare entities (billion laughs) or external ones: WeChat never sends one */
static void on_doctype(void *data, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid, int internal)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)internal;
    stop(data, "a DOCTYPE is not allowed");
}

static void on_entity(void *data, const XML_Char *name, int pe, const XML_Char *value, int vlen, const XML_Char *base,
                      const XML_Char *sysid, const XML_Char *pubid, const XML_Char *notation)
{
    (void)name, (void)pe, (void)value, (void)vlen, (void)base, (void)sysid, (void)pubid, (void)notation;
    stop(data, "entity declarations are not allowed");
}

wz_wechat_oa_xml_t *wz_wechat_oa_xml_parse(const char *xml, size_t len, char *err, size_t errlen)
{
    if (len == 0 || len > WZ_WECHAT_OA_BODY_MAX) {
        snprintf(err, errlen, "the body must be an XML message of at most %d bytes", WZ_WECHAT_OA_BODY_MAX);
        return NULL;
    }
    parse_t s = {0};
    s.x = calloc(1, sizeof(*s.x));
    s.p = XML_ParserCreate("UTF-8");
    if (s.x == NULL || s.p == NULL)
        abort();
    XML_SetUserData(s.p, &s);
    XML_SetElementHandler(s.p, on_start, on_end);
    XML_SetCharacterDataHandler(s.p, on_text);
    XML_SetStartDoctypeDeclHandler(s.p, on_doctype);
    XML_SetEntityDeclHandler(s.p, on_entity);
    enum XML_Status st = XML_Parse(s.p, xml, (int)len, XML_TRUE);
    if (st != XML_STATUS_OK && s.err[0] == '\0')
        snprintf(s.err, sizeof(s.err), "malformed XML at line %lu: %s", (unsigned long)XML_GetCurrentLineNumber(s.p),
                 XML_ErrorString(XML_GetErrorCode(s.p)));
    XML_ParserFree(s.p);
    if (s.err[0] != '\0') {
        snprintf(err, errlen, "%s", s.err);
        wz_wechat_oa_xml_free(s.x);
        return NULL;
    }
    return s.x;
}

const char *wz_wechat_oa_xml_get(const wz_wechat_oa_xml_t *x, const char *name)
{
    for (size_t i = 0; i < x->n; i++)
        if (strcmp(x->fields[i].name, name) == 0)
            return x->fields[i].value ? x->fields[i].value : "";
    return NULL;
}

void wz_wechat_oa_xml_free(wz_wechat_oa_xml_t *x)
{
    if (x == NULL)
        return;
    for (size_t i = 0; i < x->n; i++)
        free(x->fields[i].value);
    free(x);
}

/* ---- the common shape ---- */

#undef FAIL
#define FAIL(...)                                                                                                      \
    do {                                                                                                               \
        snprintf(err, errlen, __VA_ARGS__);                                                                            \
        wz_inbound_clear(out);                                                                                         \
        return -1;                                                                                                     \
    } while (0)

static int digits(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max)
        return 0;
    return strspn(s, "0123456789") == n;
}

static int blank(const char *s)
{
    return s == NULL || s[strspn(s, " \t\r\n")] == '\0';
}

/* content = prefix + the parts that are present, one per line */
static void describe(wz_inbound_t *out, const char *prefix, const char *a, const char *b, const char *c)
{
    const char *parts[] = {a, b, c};
    size_t len = strlen(prefix) + 1;
    for (size_t i = 0; i < 3; i++)
        len += parts[i] ? strlen(parts[i]) + 1 : 0;
    char *text = malloc(len);
    if (text == NULL)
        abort();
    size_t o = (size_t)snprintf(text, len, "%s", prefix);
    for (size_t i = 0; i < 3; i++)
        if (!blank(parts[i]))
            o += (size_t)snprintf(text + o, len - o, "%s%s", o > 0 ? (i == 0 ? " " : "\n") : "", parts[i]);
    wz_inbound_set_text(&out->content, text, o, WZ_INBOUND_CONTENT_MAX);
    free(text);
}

static int read_event(const wz_wechat_oa_xml_t *x, wz_inbound_t *out, char *err, size_t errlen)
{
    const char *event = wz_wechat_oa_xml_get(x, "Event");
    if (blank(event) || strlen(event) >= sizeof(out->event))
        FAIL("an event needs an Event");
    snprintf(out->event, sizeof(out->event), "%s", event);
    snprintf(out->msg_type, sizeof(out->msg_type), "event");
    out->kind = WZ_INBOUND_IGNORE;
    if (strcmp(event, "MASSSENDJOBFINISH") == 0) {
        const char *status = wz_wechat_oa_xml_get(x, "Status");
        if (status != NULL && strcmp(status, "send success") == 0)
            out->kind = WZ_INBOUND_POST;
    } else if (strcmp(event, "PUBLISHJOBFINISH") == 0) {
        const char *status = wz_wechat_oa_xml_get(x, "PublishEventInfo.publish_status");
        if (status != NULL && strcmp(status, "0") == 0)
            out->kind = WZ_INBOUND_POST;
    }
    /* events carry no MsgId: WeChat's retries repeat FromUserName and CreateTime (a mass send's
     * MsgID, or a publication's publish_id, tells two jobs of one second apart) */
    const char *job = wz_wechat_oa_xml_get(x, "MsgID");
    if (job == NULL)
        job = wz_wechat_oa_xml_get(x, "PublishEventInfo.publish_id");
    int n = snprintf(out->dedupe_key, sizeof(out->dedupe_key), "ev:%s:%lld:%s%s%s", out->sender,
                     (long long)out->created_at, event, job ? ":" : "", job ? job : "");
    if (n < 0 || (size_t)n >= sizeof(out->dedupe_key))
        FAIL("the event's identity is too long");
    return 0;
}

static int read_location(const wz_wechat_oa_xml_t *x, wz_inbound_t *out, char *err, size_t errlen)
{
    const char *lx = wz_wechat_oa_xml_get(x, "Location_X"), *ly = wz_wechat_oa_xml_get(x, "Location_Y");
    char *end1 = NULL, *end2 = NULL;
    double lat = lx ? strtod(lx, &end1) : NAN, lng = ly ? strtod(ly, &end2) : NAN;
    if (lx == NULL || ly == NULL || end1 == lx || *end1 != '\0' || end2 == ly || *end2 != '\0' || !isfinite(lat) ||
        !isfinite(lng) || lat < -90 || lat > 90 || lng < -180 || lng > 180)
        FAIL("a location needs Location_X (latitude) and Location_Y (longitude)");
    out->has_location = 1;
    out->latitude = lat;
    out->longitude = lng;
    const char *label = wz_wechat_oa_xml_get(x, "Label");
    if (!blank(label))
        wz_inbound_set_text(&out->address, label, strlen(label), 200);
    char coords[64];
    snprintf(coords, sizeof(coords), "(%.6f, %.6f)", lat, lng);
    describe(out, "[位置]", label, coords, NULL);
    return 0;
}

int wz_wechat_oa_inbound(const wz_wechat_oa_xml_t *x, wz_inbound_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    const char *from = wz_wechat_oa_xml_get(x, "FromUserName"), *type = wz_wechat_oa_xml_get(x, "MsgType");
    const char *created = wz_wechat_oa_xml_get(x, "CreateTime");
    if (from == NULL || wz_inbound_set_id(out->sender, sizeof(out->sender), from, strlen(from)) != 0)
        FAIL("the message needs a FromUserName of at most %d bytes", WZ_INBOUND_KEY_MAX);
    if (!digits(created, 12))
        FAIL("the message needs a CreateTime in Unix seconds");
    out->created_at = strtoll(created, NULL, 10);
    if (blank(type) || strlen(type) >= sizeof(out->msg_type))
        FAIL("the message needs a MsgType");
    if (strcmp(type, "event") == 0)
        return read_event(x, out, err, errlen);

    const char *msgid = wz_wechat_oa_xml_get(x, "MsgId");
    if (!digits(msgid, 64))
        FAIL("a message needs a numeric MsgId");
    snprintf(out->dedupe_key, sizeof(out->dedupe_key), "%s", msgid);
    snprintf(out->msg_type, sizeof(out->msg_type), "%s", type);
    out->kind = WZ_INBOUND_MESSAGE;
    if (strcmp(type, "text") == 0) {
        const char *text = wz_wechat_oa_xml_get(x, "Content");
        if (blank(text))
            FAIL("a text message needs a Content");
        wz_inbound_set_text(&out->content, text, strlen(text), WZ_INBOUND_CONTENT_MAX);
    } else if (strcmp(type, "image") == 0) {
        const char *url = wz_wechat_oa_xml_get(x, "PicUrl");
        if (blank(url))
            FAIL("an image message needs a PicUrl");
        wz_inbound_set_text(&out->media_url, url, strlen(url), 1000);
        describe(out, "[图片]", url, NULL, NULL);
    } else if (strcmp(type, "voice") == 0) {
        const char *said = wz_wechat_oa_xml_get(x, "Recognition");
        if (!blank(said))
            wz_inbound_set_text(&out->content, said, strlen(said), WZ_INBOUND_CONTENT_MAX);
        else /* speech recognition off: staff open the voice note on the platform */
            describe(out, "[语音]", wz_wechat_oa_xml_get(x, "MediaId"), NULL, NULL);
    } else if (strcmp(type, "video") == 0 || strcmp(type, "shortvideo") == 0) {
        describe(out, "[视频]", wz_wechat_oa_xml_get(x, "MediaId"), NULL, NULL);
    } else if (strcmp(type, "location") == 0) {
        if (read_location(x, out, err, errlen) != 0)
            return -1;
    } else if (strcmp(type, "link") == 0) {
        const char *url = wz_wechat_oa_xml_get(x, "Url");
        describe(out, "[链接]", wz_wechat_oa_xml_get(x, "Title"), wz_wechat_oa_xml_get(x, "Description"), url);
        if (!blank(url))
            wz_inbound_set_text(&out->media_url, url, strlen(url), 1000);
    } else { /* a kind WeChat added later: keep it visible rather than lose a citizen's message */
        char prefix[48];
        snprintf(prefix, sizeof(prefix), "[%s]", type);
        describe(out, prefix, NULL, NULL, NULL);
    }
    return 0;
}
