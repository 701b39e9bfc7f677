#ifndef WZ_HTTP_CORS_H
#define WZ_HTTP_CORS_H
/* Cross-origin requests to the API, only from the origins listed in http.cors_origins (a web
 * front end served from another host, a developer's Vite server). Browsers refuse to show an
 * answer to a page of any other origin, which is the point: with an empty list (the default)
 * the API is same-origin only, as the console and the /h5/ board served by wenzheng itself need.
 * Exact matches only ("https://wz.example.gov.cn"), never "*": bearer tokens are sent by
 * script, and a wildcard would let any site that got hold of one use it from a victim's browser. */
#include <h2o.h>
#include <stddef.h>

/** Whether origin (len bytes) is one of the comma-separated origins of list (spaces around
 * entries ignored; an exact, case-sensitive match of scheme://host[:port]). Pure. */
int wz_cors_origin_listed(const char *list, const char *origin, size_t len);

/** For an API request: answers a preflight (OPTIONS with Access-Control-Request-Method) itself
 * and returns 1 (204 for a listed origin, 403 otherwise); otherwise adds the allow headers when
 * the request's Origin is listed and returns 0. */
int wz_cors_apply(h2o_req_t *req, const char *list, unsigned method);

#endif
