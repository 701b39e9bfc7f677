#ifndef WZ_CHANNELS_OPEN311_H
#define WZ_CHANNELS_OPEN311_H
/* Open311 GeoReport v2 (/open311/v2/), the open civic-issue API: the pure parts. Followed:
 * the GeoReport v2 specification (wiki.open311.org/GeoReport_v2, as kept in the
 * open311/open311.github.io repository, GeoReport_v2/index.md): the six methods less the
 * token one (every request here is "realtime"), the POST arguments (api_key, service_code,
 * lat & long or address_string or address_id, email, device_id, account_id, first_name,
 * last_name, phone, description up to 4,000 characters, media_url), the response fields, the
 * error list ([{code, description}], HTTP 403 for a missing or wrong api_key, 404 for what
 * does not exist, 400 for anything else), the 90-day / 1000-request default of GET requests,
 * and the XML shapes (the JSON being their Spark-convention mapping).
 *
 * Ours:
 *   service_code       = a category id; service_request_id = the ticket number (WZ2026...)
 *   api_key            = "<account id>.<secret>", the secret being the account's sealed
 *                        secrets.open311_api_key: the account is found by its id, no scan
 *   Idempotency-Key    = the intake external_id "open311 <key>": a client's retries make one
 *                        ticket. The space cannot occur in a webhook's external_id (visible
 *                        ASCII only), so the two channels of one account never collide.
 * No I/O here; http/open311.c does the requests and the database. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define WZ_O311_DESCRIPTION_MAX 4000 /* characters, the spec's limit */
#define WZ_O311_ADDRESS_MAX 200      /* characters: the ticket's region holds it */
#define WZ_O311_NAME_MAX 50          /* characters of first and last name together */
#define WZ_O311_ID_MAX 128           /* bytes: address_id, device_id, account_id */
#define WZ_O311_EMAIL_MAX 254
#define WZ_O311_URL_MAX 900   /* bytes: the description and its media line stay within a message (5000) */
#define WZ_O311_SECRET_MIN 16 /* an api_key's secret part, bytes */
#define WZ_O311_SECRET_MAX 256
#define WZ_O311_IDEM_MAX 120  /* Idempotency-Key bytes, so "open311 " + key fits external_id */
#define WZ_O311_NUMBER_MAX 32 /* a service_request_id */
#define WZ_O311_LIST_MAX 50   /* service_request_ids or service_codes in one GET requests */
#define WZ_O311_RANGE_S (90 * 86400)
#define WZ_O311_RESULTS_MAX 1000

typedef enum { WZ_O311_JSON = 0, WZ_O311_XML = 1 } wz_o311_format_t;

/** The format a path or a path parameter ends with (".json" / ".xml"); *stem gets the length
 * before the suffix. The format, or -1 when there is no known suffix or nothing before it. */
int wz_o311_format(const char *s, size_t len, size_t *stem);

/** A POST Service Request, as read from the form (or JSON) body. Empty strings = not given. */
typedef struct wz_o311_post {
    int64_t key_account;                     /* the api_key's account id */
    char key_secret[WZ_O311_SECRET_MAX + 1]; /* the api_key's secret part */
    int64_t service_code;
    int has_point;
    double lat, lng;
    char address_string[WZ_O311_ADDRESS_MAX * 4 + 1];
    char address_id[WZ_O311_ID_MAX + 1];
    char description[WZ_O311_DESCRIPTION_MAX * 4 + 1];
    char email[WZ_O311_EMAIL_MAX + 1];
    char device_id[WZ_O311_ID_MAX + 1], account_id[WZ_O311_ID_MAX + 1];
    char first_name[WZ_O311_NAME_MAX * 4 + 1], last_name[WZ_O311_NAME_MAX * 4 + 1];
    char phone[24];
    char media_url[WZ_O311_URL_MAX + 1];
} wz_o311_post_t;

/** Reads and checks a POST body: application/x-www-form-urlencoded (json = 0) or a JSON object
 * of strings (lat, long and service_code may be numbers; null = not given). Unknown arguments
 * (jurisdiction_id, attribute[...]) are ignored, as the spec's optional arguments are. Returns
 * 0, or the HTTP status of the refusal (403: no or a malformed api_key; 404: a service_code
 * that cannot exist; 400: the rest) with a message in err. Whether the key is right and the
 * service exists is the caller's to check. */
int wz_o311_post_parse(const char *body, size_t len, int json, wz_o311_post_t *p, char *err, size_t errlen);

/** Whether the given secret is the stored one: SHA-256 of both compared in constant time, so
 * neither the content nor the length leaks. */
int wz_o311_key_matches(const char *stored, const char *given);

/** The intake external_id for an Idempotency-Key (1..WZ_O311_IDEM_MAX visible ASCII): 0, or -1. */
int wz_o311_external_id(const char *key, size_t len, char *out, size_t outlen);

/** The citizen's name from first and last name: "last first" joined without a space when either
 * is not ASCII (李 + 娜 = 李娜), else "first last"; "" when neither is given. */
void wz_o311_name(const char *first, const char *last, char *out, size_t outlen);

/** The ticket text: the description (or the service name when there is none), then the
 * media_url on a line of its own so staff see it. malloc'd. */
char *wz_o311_content(const wz_o311_post_t *p, const char *service_name);

/** How much of a ticket's text is the citizen's description: the text without the media line
 * wz_o311_content added for this media_url. */
size_t wz_o311_description_len(const char *content, size_t len, const char *media_url, size_t url_len);

/** The Open311 status of a ticket status: "closed" for closed, "open" for everything else. */
const char *wz_o311_status(const char *ticket_status, size_t len);

/** A short service_notice for a ticket status: where the request stands ("已分派至承办单位"). */
const char *wz_o311_notice(const char *ticket_status, size_t len);

/** GET requests' start_date / end_date (NULL or "" = not given; w3 / RFC 3339 instants or dates)
 * into [from, to]: neither = the last 90 days up to now; one = 90 days from it or up to it;
 * both = as given, at most 90 days apart. 0, or -1 with a message. */
int wz_o311_range(const char *start, const char *end, int64_t now, int64_t *from, int64_t *to, char *err,
                  size_t errlen);

/** A comma-separated list of service_request_ids (letters and digits) into items; returns how
 * many, or -1 (an empty item, a bad character, more than max). */
int wz_o311_numbers(const char *s, char (*items)[WZ_O311_NUMBER_MAX + 1], size_t max);

/** A comma-separated list of service_codes into a normalised "1,2,3" for FIND_IN_SET; returns
 * how many, or -1 (not positive ids, more than WZ_O311_LIST_MAX, or out too small). */
int wz_o311_codes(const char *s, char *out, size_t outlen);

/** A comma-separated status filter ("open", "closed", "open,closed") into two flags. 0 or -1. */
int wz_o311_statuses(const char *s, int *open, int *closed);

/* open311_xml.c */

/** Writes doc as the spec's XML (and the declaration): an array becomes <root> with one <item>
 * per element, an object becomes <root> with its members. Members become elements in order;
 * strings are escaped (& < > " ', and characters XML 1.0 forbids are replaced by U+FFFD), null
 * is an empty element, a nested array <name> holds one element per entry named by the singular
 * (attributes -> attribute). malloc'd; *len gets the length. */
char *wz_o311_xml(const char *root, const char *item, const json_t *doc, size_t *len);

/** Escapes text for XML character data or attribute values into a malloc'd string. */
char *wz_o311_xml_escape(const char *s, size_t len, size_t *outlen);

/** doc in the format: compact JSON (reals with 12 significant digits), or wz_o311_xml. */
char *wz_o311_render(wz_o311_format_t fmt, const char *root, const char *item, const json_t *doc, size_t *len);

#endif
