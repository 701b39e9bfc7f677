#ifndef WZ_COMMON_CONFIG_H
#define WZ_COMMON_CONFIG_H
#include <stddef.h>

/* Every setting the server reads. Each has a dotted name in the JSON config file
 * ("db.pool_size" is {"db": {"pool_size": 4}}) and an environment override built from it
 * (WZ_DB_POOL_SIZE); the environment wins. The table in config.c is the single list. */
typedef struct wz_config {
    char *listen_host;
    int port;
    int threads;
    char *data_dir;
    char *schema_dir;
    char *static_dir;
    char *h5_dir;
    char *log_level;
    int demo;
    char *demo_password;
    char *jwt_secret;
    char *secret_key;
    char *admin_password;
    int debug_endpoints;
    char *wechat_api_base, *miniprogram_appid, *miniprogram_secret;
    int wechat_timeout_ms;
    struct {
        char *socket, *host, *name, *user, *password;
        char *migrate_user, *migrate_password, *app_host;
        int port, pool_size, queue_max, acquire_timeout_ms, query_timeout_ms, connect_timeout_ms;
        int auto_migrate;
    } db;
    struct {
        long body_limit, upload_limit;
        int shutdown_timeout_ms, request_timeout_ms;
        char *cors_origins;
        char *trusted_proxies;
    } http;
    struct {
        char *allow;
    } metrics;
    struct {
        int enabled, poll_ms, batch, calendar_refresh_ms;
    } sla;
    struct {
        int access_ttl_s, refresh_ttl_s, revocation_refresh_ms;
    } auth;
    struct {
        char *driver;
    } sms;
    struct {
        int follow_up_window_s, inbox_poll_ms, inbox_lease_s, inbox_max_attempts;
    } channels;
    struct {
        int enabled, refresh_ms, batch;
    } stats;
    struct {
        int poll_ms, keepalive_s, max_streams;
    } events;
    struct {
        int cache_s, rate_per_min;
    } public_board;
    struct {
        int max_unattached_s, sweep_ms;
    } uploads;
    /* the outbox sender (channels/outbox.h) */
    struct {
        int enabled, poll_ms, batch, max_attempts, backoff_ms, backoff_max_ms, timeout_ms;
    } outbox;
    struct {
        char *reply_template_id, *reply_page;
    } miniprogram;
    /* the outbox's Weibo, Douyin and Toutiao senders (channels/outbound_social.h) */
    char *weibo_api_base, *douyin_api_base, *toutiao_api_base;
} wz_config_t;

/** Fills defaults, then the JSON file at path (if not NULL), then the environment. On error
 * returns -1 with a message in err, and cfg holds nothing to free. */
int wz_config_load(wz_config_t *cfg, const char *path, char *err, size_t errlen);
/** Parses a JSON config document (no defaults, no environment): used by load and the fuzzer. */
int wz_config_apply_json(wz_config_t *cfg, const char *text, size_t len, char *err, size_t errlen);
/** Checks values and cross-field rules; returns -1 with a message naming the key. */
int wz_config_validate(const wz_config_t *cfg, char *err, size_t errlen);
/** Writes the effective settings (secrets shown only as set/unset) to the stream. */
void wz_config_print(const wz_config_t *cfg, void *file);
/** Writes the list of keys, their environment names and meaning (for --help). */
void wz_config_print_keys(void *file);
void wz_config_free(wz_config_t *cfg);

#endif
