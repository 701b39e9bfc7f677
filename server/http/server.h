#ifndef WZ_HTTP_SERVER_H
#define WZ_HTTP_SERVER_H
/* The HTTP server: one libuv loop per worker thread, each with its own listening socket
 * (SO_REUSEPORT), its own h2o context and its own database pool. Nothing is shared between
 * loops except read-only configuration and atomic metrics. */
#include <h2o.h>
#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include "auth/identity.h"
#include "auth/revocations.h"
#include "common/config.h"
#include "db/db.h"
#include "sla/calendar_db.h"
#include "sla/calendar_store.h"
#include "net/http_client.h"
#include "sla/timers.h"
#include "channels/inbox.h"
#include "stats/refresh.h"
#include "channels/outbox.h"
#include "http/errors.h"
#include "http/event_stream.h"
#include "uploads/sweeper.h"
#include "http/metrics.h"
#include "http/router.h"

typedef struct wz_server wz_server_t;
typedef struct wz_worker wz_worker_t;
typedef struct wz_ctx wz_ctx_t;

/* Route flags */
enum {
    WZ_ROUTE_PUBLIC = 1 << 0,     /* no access token needed */
    WZ_ROUTE_LOCAL_ONLY = 1 << 1, /* only callers on the metrics allow-list */
    WZ_ROUTE_UPLOAD = 1 << 2,     /* raw body up to upload_limit; not parsed as JSON */
    WZ_ROUTE_RAW = 1 << 3,        /* raw body up to body_limit, any type (platform XML, forms); the
                                   * handler parses req->entity itself */
};

/** A route handler. It owns the response: it must eventually send one on ctx. */
typedef void (*wz_handler_fn)(wz_ctx_t *ctx);

struct wz_worker {
    int index;
    pthread_t thread;
    uv_loop_t loop;
    h2o_context_t h2o;
    h2o_accept_ctx_t accept_ctx;
    uv_tcp_t listener;
    int listen_fd;
    uv_async_t stop_async;
    uv_timer_t shutdown_timer;
    wz_db_pool_t *db;
    wz_sla_timers_t *sla;                              /* worker 0 only: one engine per process */
    wz_calendar_refresher_t *calendar_refresher;       /* worker 0 only */
    wz_revocations_refresher_t *revocations_refresher; /* worker 0 only */
    wz_http_client_t *http;                            /* outbound calls (WeChat, platforms) */
    wz_inbox_env_t inbox;                              /* what inbox processing on this loop uses */
    wz_inbox_sweeper_t *inbox_sweeper;                 /* worker 0 only */
    wz_stats_refresh_t *stats_refresh;                 /* worker 0 only: the statistics job */
    wz_outbox_t *outbox;                               /* worker 0 only: the outbox sender */
    wz_upload_sweeper_t *upload_sweeper;               /* worker 0 only */
    wz_event_hub_t *events;                            /* the console's live updates (event_stream.h) */
    wz_server_t *server;
    unsigned inflight;
    int stopping, finished;
    uint64_t next_request_id;
};

typedef struct {
    int family;
    unsigned char addr[16];
    int prefix;
} wz_cidr_t;

struct wz_server {
    const wz_config_t *cfg;
    h2o_globalconf_t globalconf;
    h2o_pathconf_t *pathconf;
    wz_router_t router;
    wz_worker_t *workers;
    size_t nworkers;
    int port; /* the bound port (resolved when 0 was asked for) */
    int schema_latest;
    char id_prefix[12];
    wz_cidr_t metrics_allow[16];
    size_t nmetrics_allow;
    wz_cidr_t trusted_proxies[16]; /* http.trusted_proxies: whose X-Forwarded-For is believed */
    size_t ntrusted_proxies;
    wz_sla_counters_t sla_counters;
    wz_outbox_counters_t outbox_counters;
    wz_calendar_store_t calendar; /* loaded at start-up; replaced when an admin changes it */
    uint8_t seal_key[32];         /* secret_key as bytes: seals contacts and platform secrets */
    wz_revocations_t revocations; /* whose access tokens are refused before they expire */
    uv_loop_t main_loop;
    uv_signal_t sigint, sigterm;
    int signals;
};

/* Per-request state. It outlives the request while a database operation holds it: the guard
 * in the request's pool clears ctx->req when h2o disposes of the request, and a late result
 * then finds ctx->req == NULL and is dropped. */
struct wz_ctx {
    h2o_req_t *req;
    wz_worker_t *worker;
    wz_server_t *server;
    const wz_route_t *route;
    wz_route_params_t params;
    json_t *body;      /* parsed JSON body, or NULL */
    wz_identity_t who; /* the verified caller (routes that are not public) */
    int authenticated;
    char request_id[72];
    char client_ip[48];
};

/** Keeps ctx alive across an asynchronous operation. */
void wz_ctx_hold(wz_ctx_t *ctx);
/** Drops a hold; the last one frees ctx. */
void wz_ctx_drop(wz_ctx_t *ctx);
/** True once the request has been disposed of (the client is gone or the server stopped). */
static inline int wz_ctx_gone(const wz_ctx_t *ctx)
{
    return ctx->req == NULL;
}

/** Builds the server (router, h2o configuration, listening sockets). Returns 0 or -1. */
int wz_server_init(wz_server_t *server, const wz_config_t *cfg, char *err, size_t errlen);
/** Starts the workers, prints the ready line, and runs until SIGINT/SIGTERM, then stops
 * gracefully. Returns the process exit code. */
int wz_server_run(wz_server_t *server);

/* routes.c: the route table */
void wz_routes_register(wz_server_t *server);

/* request.c */
/** Reads a query parameter into out; 1 found, 0 absent, -1 malformed. */
int wz_req_query(wz_ctx_t *ctx, const char *name, char *out, size_t outlen);
/** The caller's address as text ("" if unknown). */
void wz_req_peer(h2o_req_t *req, char *out, size_t outlen, struct sockaddr_storage *ss);
/** The client: the TCP peer, or the address a trusted proxy's X-Forwarded-For names
 * (http/forwarded.h). Text into out (as wz_req_peer), the address into *ss. */
void wz_req_client(const wz_server_t *server, h2o_req_t *req, char *out, size_t outlen, struct sockaddr_storage *ss);
/** A header's value, or a zero-length iovec. */
h2o_iovec_t wz_req_header(h2o_req_t *req, const h2o_token_t *token);
/** Whether an address is on the /metrics allow-list. */
int wz_server_peer_allowed(const wz_server_t *server, const struct sockaddr_storage *ss);
/** Parses "10.0.0.0/8,::1" into the allow-list; -1 on a bad entry. */
int wz_cidr_parse_list(const char *text, wz_cidr_t *out, size_t max, size_t *count);
/** Whether an address falls in one of the CIDRs. */
int wz_cidr_match(const wz_cidr_t *list, size_t n, const struct sockaddr *sa);

/* response.c */
/** Sends a JSON document (the reference is stolen) with the status. */
void wz_send_json(wz_ctx_t *ctx, int status, json_t *doc);
/** Same, with the document written to text in libuv's thread pool rather than on the loop: for
 * answers of thousands of values (statistics), whose dump would hold up the loop's other
 * requests for a millisecond or more. */
void wz_send_json_large(wz_ctx_t *ctx, int status, json_t *doc);
/** Answers 204 No Content. */
void wz_send_no_content(wz_ctx_t *ctx);
/** Sends the one error shape; message NULL = the error's default text; field may be NULL. */
void wz_send_error(wz_ctx_t *ctx, wz_err_t err, const char *message, const char *field);
/** Same, with Retry-After: retry_after seconds instead of the error's default. */
void wz_send_error_retry(wz_ctx_t *ctx, wz_err_t err, const char *message, const char *field, int retry_after);
/** Same, on a bare request (before a ctx exists). */
void wz_send_error_req(h2o_req_t *req, wz_err_t err, const char *message, const char *field);
/** Sends a body with an explicit content type. */
void wz_send_text(h2o_req_t *req, int status, const char *content_type, const char *body, size_t len);
/** Answers a database failure with the matching 503 and Retry-After. */
void wz_send_db_error(wz_ctx_t *ctx, const wz_db_error_t *err);

/* handlers */
void wz_handle_healthz(wz_ctx_t *ctx);
void wz_handle_readyz(wz_ctx_t *ctx);
void wz_handle_metrics(wz_ctx_t *ctx);
void wz_handle_debug_sleep(wz_ctx_t *ctx);
void wz_handle_debug_echo(wz_ctx_t *ctx);
void wz_handle_debug_export(wz_ctx_t *ctx); /* stats/export.h on a posted result document */
void wz_handle_auth_login(wz_ctx_t *ctx);
void wz_handle_auth_refresh(wz_ctx_t *ctx);
void wz_handle_auth_logout(wz_ctx_t *ctx);
void wz_handle_auth_miniprogram(wz_ctx_t *ctx);
void wz_handle_auth_phone_code(wz_ctx_t *ctx);
void wz_handle_auth_phone(wz_ctx_t *ctx);
void wz_handle_me(wz_ctx_t *ctx);
void wz_handle_messages_create(wz_ctx_t *ctx);
void wz_handle_channel_hook(wz_ctx_t *ctx);
/* platform pushes (http/channel_push.c): GET and POST of /channels/<platform>/{account_id} */
void wz_handle_channel_wechat(wz_ctx_t *ctx);
void wz_handle_channel_weibo(wz_ctx_t *ctx);
void wz_handle_channel_douyin(wz_ctx_t *ctx);
void wz_handle_channel_toutiao(wz_ctx_t *ctx);
/* Open311 GeoReport v2 (open311.c) */
void wz_handle_open311_services(wz_ctx_t *ctx);
void wz_handle_open311_service(wz_ctx_t *ctx);
void wz_handle_open311_requests(wz_ctx_t *ctx);
void wz_handle_open311_request(wz_ctx_t *ctx);
void wz_handle_open311_post(wz_ctx_t *ctx);
void wz_handle_tickets_list(wz_ctx_t *ctx);
void wz_handle_ticket_get(wz_ctx_t *ctx);
void wz_handle_ticket_dispatch(wz_ctx_t *ctx);
void wz_handle_ticket_sign(wz_ctx_t *ctx);
void wz_handle_ticket_reply(wz_ctx_t *ctx);
void wz_handle_ticket_review(wz_ctx_t *ctx);
void wz_handle_ticket_return(wz_ctx_t *ctx);
void wz_handle_ticket_transfer(wz_ctx_t *ctx);
void wz_handle_ticket_extension(wz_ctx_t *ctx);
void wz_handle_ticket_extension_decision(wz_ctx_t *ctx);
void wz_handle_ticket_supervise(wz_ctx_t *ctx);
void wz_handle_ticket_request_info(wz_ctx_t *ctx);
void wz_handle_ticket_follow_up(wz_ctx_t *ctx);
void wz_handle_ticket_rating(wz_ctx_t *ctx);
void wz_handle_ticket_close(wz_ctx_t *ctx);
void wz_handle_ticket_merge(wz_ctx_t *ctx);

/* admin resources (server/admin/) */
void wz_handle_units_list(wz_ctx_t *ctx);
void wz_handle_unit_get(wz_ctx_t *ctx);
void wz_handle_unit_create(wz_ctx_t *ctx);
void wz_handle_unit_update(wz_ctx_t *ctx);
void wz_handle_unit_delete(wz_ctx_t *ctx);
void wz_handle_accounts_list(wz_ctx_t *ctx);
void wz_handle_accounts_health(wz_ctx_t *ctx);
void wz_handle_account_get(wz_ctx_t *ctx);
void wz_handle_account_create(wz_ctx_t *ctx);
void wz_handle_account_update(wz_ctx_t *ctx);
void wz_handle_account_delete(wz_ctx_t *ctx);
void wz_handle_categories_list(wz_ctx_t *ctx);
void wz_handle_category_get(wz_ctx_t *ctx);
void wz_handle_category_create(wz_ctx_t *ctx);
void wz_handle_category_update(wz_ctx_t *ctx);
void wz_handle_category_delete(wz_ctx_t *ctx);
void wz_handle_ticket_reveal(wz_ctx_t *ctx);
void wz_handle_upload_create(wz_ctx_t *ctx);
void wz_handle_upload_get(wz_ctx_t *ctx);
void wz_handle_ticket_publication(wz_ctx_t *ctx);
void wz_handle_public_replies(wz_ctx_t *ctx);
void wz_handle_public_reply(wz_ctx_t *ctx);
void wz_handle_public_config(wz_ctx_t *ctx);
void wz_handle_public_units(wz_ctx_t *ctx);
/** The console's security headers (CSP, framing, sniffing, referrer) on a static file answer. */
void wz_add_console_headers(h2o_req_t *req);
void wz_handle_reply_templates_list(wz_ctx_t *ctx);
void wz_handle_reply_template_get(wz_ctx_t *ctx);
void wz_handle_reply_template_create(wz_ctx_t *ctx);
void wz_handle_reply_template_update(wz_ctx_t *ctx);
void wz_handle_reply_template_delete(wz_ctx_t *ctx);
void wz_handle_routing_rules_list(wz_ctx_t *ctx);
void wz_handle_routing_rule_get(wz_ctx_t *ctx);
void wz_handle_routing_rule_create(wz_ctx_t *ctx);
void wz_handle_routing_rule_update(wz_ctx_t *ctx);
void wz_handle_routing_rule_delete(wz_ctx_t *ctx);
void wz_handle_sla_policies_list(wz_ctx_t *ctx);
void wz_handle_sla_policy_get(wz_ctx_t *ctx);
void wz_handle_sla_policy_update(wz_ctx_t *ctx);
void wz_handle_users_list(wz_ctx_t *ctx);
void wz_handle_user_get(wz_ctx_t *ctx);
void wz_handle_user_create(wz_ctx_t *ctx);
void wz_handle_user_update(wz_ctx_t *ctx);
void wz_handle_audit_log_list(wz_ctx_t *ctx);
void wz_handle_calendar_get(wz_ctx_t *ctx);
void wz_handle_calendar_day_put(wz_ctx_t *ctx);
void wz_handle_calendar_day_delete(wz_ctx_t *ctx);
void wz_handle_calendar_periods_put(wz_ctx_t *ctx);
/* the outbox (admin/outbox.c) */
void wz_handle_outbox_list(wz_ctx_t *ctx);
void wz_handle_outbox_retry(wz_ctx_t *ctx);
/* the channel inbox (admin/channel_inbox.c) */
void wz_handle_channel_inbox_list(wz_ctx_t *ctx);
void wz_handle_channel_inbox_retry(wz_ctx_t *ctx);

/* evaluation statistics (http/stats.c) */
void wz_handle_stats(wz_ctx_t *ctx);
void wz_handle_stats_ranking(wz_ctx_t *ctx);
void wz_handle_stats_export(wz_ctx_t *ctx);
void wz_handle_stats_accounts_health(wz_ctx_t *ctx);
/* handler helpers (request.c) */
/** A positive id from a path parameter, or -1 when absent or not one. */
int64_t wz_path_id(wz_ctx_t *ctx, const char *name);
/** The current time for the request (UTC seconds): X-Wz-Debug-Now when debug endpoints are
 * on, else the clock. */
int64_t wz_ctx_now(wz_ctx_t *ctx);
/** Parses a positive decimal id ("12"); -1 if it is not one. */
int64_t wz_parse_id(const char *s, size_t len);

#endif
