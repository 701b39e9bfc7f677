/* The route table: every endpoint the server answers, in one place. api/openapi.yaml must list
 * the same paths (tests/integration/test_openapi.py checks). */
#include "http/server.h"
#include "admin/resources.h"
#include "common/log.h"
#include <stdlib.h>

#define ROUTE(m, pattern, name, fn, flags)                                                                             \
    do {                                                                                                               \
        wz_route_t r = {m, pattern, name, (void *)(fn), flags};                                                        \
        if (wz_router_add(&server->router, &r) < 0) {                                                                  \
            wz_error("bad route %s", pattern);                                                                         \
            abort();                                                                                                   \
        }                                                                                                              \
    } while (0)

void wz_routes_register(wz_server_t *server)
{
    ROUTE(WZ_METHOD_GET, "/healthz", "healthz", wz_handle_healthz, WZ_ROUTE_PUBLIC);
    ROUTE(WZ_METHOD_GET, "/readyz", "readyz", wz_handle_readyz, WZ_ROUTE_PUBLIC);
    ROUTE(WZ_METHOD_GET, "/metrics", "metrics", wz_handle_metrics, WZ_ROUTE_PUBLIC | WZ_ROUTE_LOCAL_ONLY);
    ROUTE(WZ_METHOD_POST, "/api/v1/auth/login", "auth.login", wz_handle_auth_login, WZ_ROUTE_PUBLIC);
    ROUTE(WZ_METHOD_POST, "/api/v1/auth/refresh", "auth.refresh", wz_handle_auth_refresh, WZ_ROUTE_PUBLIC);
    ROUTE(WZ_METHOD_POST, "/api/v1/auth/logout", "auth.logout", wz_handle_auth_logout, WZ_ROUTE_PUBLIC);
    ROUTE(WZ_METHOD_POST, "/api/v1/auth/miniprogram", "auth.miniprogram", wz_handle_auth_miniprogram, WZ_ROUTE_PUBLIC);
    ROUTE(WZ_METHOD_POST, "/api/v1/auth/phone-code", "auth.phone_code", wz_handle_auth_phone_code, WZ_ROUTE_PUBLIC);
    ROUTE(WZ_METHOD_POST, "/api/v1/auth/phone", "auth.phone", wz_handle_auth_phone, WZ_ROUTE_PUBLIC);
    ROUTE(WZ_METHOD_GET, "/api/v1/me", "me", wz_handle_me, 0);
    ROUTE(WZ_METHOD_GET, "/api/v1/events/stream", "events.stream", wz_handle_events_stream, 0);
    ROUTE(WZ_METHOD_POST, "/channels/hook/{account_id}", "channels.hook", wz_handle_channel_hook, WZ_ROUTE_PUBLIC);
    /* platform pushes: the same handler verifies the URL (GET) and takes pushes (POST) */
    ROUTE(WZ_METHOD_GET, "/channels/wechat/{account_id}", "channels.wechat_verify", wz_handle_channel_wechat,
          WZ_ROUTE_PUBLIC);
    ROUTE(WZ_METHOD_POST, "/channels/wechat/{account_id}", "channels.wechat_push", wz_handle_channel_wechat,
          WZ_ROUTE_PUBLIC | WZ_ROUTE_RAW);
    ROUTE(WZ_METHOD_GET, "/channels/weibo/{account_id}", "channels.weibo_verify", wz_handle_channel_weibo,
          WZ_ROUTE_PUBLIC);
    ROUTE(WZ_METHOD_POST, "/channels/weibo/{account_id}", "channels.weibo_push", wz_handle_channel_weibo,
          WZ_ROUTE_PUBLIC | WZ_ROUTE_RAW);
    ROUTE(WZ_METHOD_POST, "/channels/douyin/{account_id}", "channels.douyin_push", wz_handle_channel_douyin,
          WZ_ROUTE_PUBLIC | WZ_ROUTE_RAW);
    ROUTE(WZ_METHOD_POST, "/channels/toutiao/{account_id}", "channels.toutiao_push", wz_handle_channel_toutiao,
          WZ_ROUTE_PUBLIC | WZ_ROUTE_RAW);
    /* Open311 GeoReport v2 (http/open311.c): the format is the path's suffix; the POST takes a form */
    ROUTE(WZ_METHOD_GET, "/open311/v2/services.json", "open311.services", wz_handle_open311_services, WZ_ROUTE_PUBLIC);
    ROUTE(WZ_METHOD_GET, "/open311/v2/services.xml", "open311.services", wz_handle_open311_services, WZ_ROUTE_PUBLIC);
    ROUTE(WZ_METHOD_GET, "/open311/v2/services/{code}", "open311.service", wz_handle_open311_service, WZ_ROUTE_PUBLIC);
    ROUTE(WZ_METHOD_GET, "/open311/v2/requests.json", "open311.requests", wz_handle_open311_requests, WZ_ROUTE_PUBLIC);
    ROUTE(WZ_METHOD_GET, "/open311/v2/requests.xml", "open311.requests", wz_handle_open311_requests, WZ_ROUTE_PUBLIC);
    ROUTE(WZ_METHOD_POST, "/open311/v2/requests.json", "open311.create", wz_handle_open311_post,
          WZ_ROUTE_PUBLIC | WZ_ROUTE_RAW);
    ROUTE(WZ_METHOD_POST, "/open311/v2/requests.xml", "open311.create", wz_handle_open311_post,
          WZ_ROUTE_PUBLIC | WZ_ROUTE_RAW);
    ROUTE(WZ_METHOD_GET, "/open311/v2/requests/{id}", "open311.request", wz_handle_open311_request, WZ_ROUTE_PUBLIC);
    ROUTE(WZ_METHOD_POST, "/api/v1/messages", "messages.create", wz_handle_messages_create, 0);
    ROUTE(WZ_METHOD_POST, "/api/v1/uploads", "uploads.create", wz_handle_upload_create, WZ_ROUTE_UPLOAD);
    ROUTE(WZ_METHOD_GET, "/api/v1/uploads/{id}", "uploads.get", wz_handle_upload_get, 0);
    ROUTE(WZ_METHOD_GET, "/api/v1/tickets", "tickets.list", wz_handle_tickets_list, 0);
    ROUTE(WZ_METHOD_GET, "/api/v1/tickets/{id}", "tickets.get", wz_handle_ticket_get, 0);
    ROUTE(WZ_METHOD_POST, "/api/v1/tickets/{id}/dispatch", "tickets.dispatch", wz_handle_ticket_dispatch, 0);
    ROUTE(WZ_METHOD_POST, "/api/v1/tickets/{id}/sign", "tickets.sign", wz_handle_ticket_sign, 0);
    ROUTE(WZ_METHOD_POST, "/api/v1/tickets/{id}/replies", "tickets.reply", wz_handle_ticket_reply, 0);
    ROUTE(WZ_METHOD_POST, "/api/v1/tickets/{id}/replies/{rid}/review", "tickets.review", wz_handle_ticket_review, 0);
    ROUTE(WZ_METHOD_POST, "/api/v1/tickets/{id}/return", "tickets.return", wz_handle_ticket_return, 0);
    ROUTE(WZ_METHOD_POST, "/api/v1/tickets/{id}/transfer", "tickets.transfer", wz_handle_ticket_transfer, 0);
    ROUTE(WZ_METHOD_POST, "/api/v1/tickets/{id}/extensions", "tickets.extension", wz_handle_ticket_extension, 0);
    ROUTE(WZ_METHOD_POST, "/api/v1/tickets/{id}/extensions/{eid}/decision", "tickets.extension_decision",
          wz_handle_ticket_extension_decision, 0);
    ROUTE(WZ_METHOD_POST, "/api/v1/tickets/{id}/supervise", "tickets.supervise", wz_handle_ticket_supervise, 0);
    ROUTE(WZ_METHOD_POST, "/api/v1/tickets/{id}/request-info", "tickets.request_info", wz_handle_ticket_request_info,
          0);
    ROUTE(WZ_METHOD_POST, "/api/v1/tickets/{id}/follow-ups", "tickets.follow_up", wz_handle_ticket_follow_up, 0);
    ROUTE(WZ_METHOD_POST, "/api/v1/tickets/{id}/rating", "tickets.rating", wz_handle_ticket_rating, 0);
    ROUTE(WZ_METHOD_POST, "/api/v1/tickets/{id}/close", "tickets.close", wz_handle_ticket_close, 0);
    ROUTE(WZ_METHOD_POST, "/api/v1/tickets/{id}/merge", "tickets.merge", wz_handle_ticket_merge, 0);
    ROUTE(WZ_METHOD_POST, "/api/v1/tickets/{id}/reveal", "tickets.reveal", wz_handle_ticket_reveal, 0);
    ROUTE(WZ_METHOD_POST, "/api/v1/tickets/{id}/publication", "tickets.publication", wz_handle_ticket_publication, 0);
    /* the public board and the citizen clients' settings: no token (http/public_board.c) */
    ROUTE(WZ_METHOD_GET, "/api/v1/public/replies", "public.replies", wz_handle_public_replies, WZ_ROUTE_PUBLIC);
    ROUTE(WZ_METHOD_GET, "/api/v1/public/replies/{id}", "public.reply", wz_handle_public_reply, WZ_ROUTE_PUBLIC);
    ROUTE(WZ_METHOD_GET, "/api/v1/public/units", "public.units", wz_handle_public_units, WZ_ROUTE_PUBLIC);
    ROUTE(WZ_METHOD_GET, "/api/v1/public/config", "public.config", wz_handle_public_config, WZ_ROUTE_PUBLIC);
    /* admin resources: reads per resource's roles, writes by admins (server/admin/) */
    wz_admin_init();
#define CRUD(path, name, list, get, create, update, delete)                                                            \
    ROUTE(WZ_METHOD_GET, "/api/v1/" path, name ".list", list, 0);                                                      \
    ROUTE(WZ_METHOD_POST, "/api/v1/" path, name ".create", create, 0);                                                 \
    ROUTE(WZ_METHOD_GET, "/api/v1/" path "/{id}", name ".get", get, 0);                                                \
    ROUTE(WZ_METHOD_PATCH, "/api/v1/" path "/{id}", name ".update", update, 0);                                        \
    ROUTE(WZ_METHOD_DELETE, "/api/v1/" path "/{id}", name ".delete", delete, 0)
    CRUD("units", "units", wz_handle_units_list, wz_handle_unit_get, wz_handle_unit_create, wz_handle_unit_update,
         wz_handle_unit_delete);
    /* before /accounts/{id}: the router tries routes in order */
    ROUTE(WZ_METHOD_GET, "/api/v1/accounts/health", "accounts.health", wz_handle_accounts_health, 0);
    CRUD("accounts", "accounts", wz_handle_accounts_list, wz_handle_account_get, wz_handle_account_create,
         wz_handle_account_update, wz_handle_account_delete);
    CRUD("categories", "categories", wz_handle_categories_list, wz_handle_category_get, wz_handle_category_create,
         wz_handle_category_update, wz_handle_category_delete);
    CRUD("routing-rules", "routing_rules", wz_handle_routing_rules_list, wz_handle_routing_rule_get,
         wz_handle_routing_rule_create, wz_handle_routing_rule_update, wz_handle_routing_rule_delete);
    CRUD("reply-templates", "reply_templates", wz_handle_reply_templates_list, wz_handle_reply_template_get,
         wz_handle_reply_template_create, wz_handle_reply_template_update, wz_handle_reply_template_delete);
#undef CRUD
    ROUTE(WZ_METHOD_GET, "/api/v1/sla-policies", "sla_policies.list", wz_handle_sla_policies_list, 0);
    ROUTE(WZ_METHOD_GET, "/api/v1/sla-policies/{id}", "sla_policies.get", wz_handle_sla_policy_get, 0);
    ROUTE(WZ_METHOD_PATCH, "/api/v1/sla-policies/{id}", "sla_policies.update", wz_handle_sla_policy_update, 0);
    ROUTE(WZ_METHOD_GET, "/api/v1/users", "users.list", wz_handle_users_list, 0);
    ROUTE(WZ_METHOD_POST, "/api/v1/users", "users.create", wz_handle_user_create, 0);
    ROUTE(WZ_METHOD_GET, "/api/v1/users/{id}", "users.get", wz_handle_user_get, 0);
    ROUTE(WZ_METHOD_PATCH, "/api/v1/users/{id}", "users.update", wz_handle_user_update, 0);
    ROUTE(WZ_METHOD_GET, "/api/v1/audit-log", "audit_log.list", wz_handle_audit_log_list, 0);
    ROUTE(WZ_METHOD_GET, "/api/v1/calendar", "calendar.get", wz_handle_calendar_get, 0);
    ROUTE(WZ_METHOD_PUT, "/api/v1/calendar/days/{date}", "calendar.day_put", wz_handle_calendar_day_put, 0);
    ROUTE(WZ_METHOD_DELETE, "/api/v1/calendar/days/{date}", "calendar.day_delete", wz_handle_calendar_day_delete, 0);
    ROUTE(WZ_METHOD_PUT, "/api/v1/calendar/working-periods", "calendar.periods_put", wz_handle_calendar_periods_put, 0);
    /* the outbox sender's rows (admin/outbox.c) */
    ROUTE(WZ_METHOD_GET, "/api/v1/outbox", "outbox.list", wz_handle_outbox_list, 0);
    ROUTE(WZ_METHOD_POST, "/api/v1/outbox/{id}/retry", "outbox.retry", wz_handle_outbox_retry, 0);
    /* the channel inbox's rows (admin/channel_inbox.c) */
    ROUTE(WZ_METHOD_GET, "/api/v1/channel-inbox", "channel_inbox.list", wz_handle_channel_inbox_list, 0);
    ROUTE(WZ_METHOD_POST, "/api/v1/channel-inbox/{id}/retry", "channel_inbox.retry", wz_handle_channel_inbox_retry, 0);
    /* evaluation statistics from the rollups (http/stats.c) */
    ROUTE(WZ_METHOD_GET, "/api/v1/stats", "stats.get", wz_handle_stats, 0);
    ROUTE(WZ_METHOD_GET, "/api/v1/stats/ranking", "stats.ranking", wz_handle_stats_ranking, 0);
    ROUTE(WZ_METHOD_GET, "/api/v1/stats/export", "stats.export", wz_handle_stats_export, 0);
    ROUTE(WZ_METHOD_GET, "/api/v1/stats/accounts/health", "stats.accounts_health", wz_handle_stats_accounts_health, 0);
    if (server->cfg->debug_endpoints) {
        ROUTE(WZ_METHOD_GET, "/api/v1/debug/sleep", "debug.sleep", wz_handle_debug_sleep, WZ_ROUTE_PUBLIC);
        ROUTE(WZ_METHOD_POST, "/api/v1/debug/echo", "debug.echo", wz_handle_debug_echo, WZ_ROUTE_PUBLIC);
        ROUTE(WZ_METHOD_POST, "/api/v1/debug/export", "debug.export", wz_handle_debug_export, WZ_ROUTE_PUBLIC);
    }
}
