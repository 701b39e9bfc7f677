#include "common/config.h"
#include "common/log.h"
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef WZ_SCHEMA_DIR
#define WZ_SCHEMA_DIR "schema"
#endif

typedef enum { KEY_STRING, KEY_INT, KEY_LONG, KEY_BOOL } key_type_t;

typedef struct {
    const char *name;
    key_type_t type;
    size_t offset;
    const char *def;
    long min, max; /* for numbers */
    int secret;
    const char *help;
} key_t_;

/* clang-format off */
#define STR(field, def, secret, help) {#field, KEY_STRING, offsetof(wz_config_t, field), def, 0, 0, secret, help}
#define INT(field, def, lo, hi, help) {#field, KEY_INT, offsetof(wz_config_t, field), def, lo, hi, 0, help}
#define LONG(field, def, lo, hi, help) {#field, KEY_LONG, offsetof(wz_config_t, field), def, lo, hi, 0, help}
#define BOOL(field, def, help) {#field, KEY_BOOL, offsetof(wz_config_t, field), def, 0, 1, 0, help}
/* clang-format on */

static const key_t_ keys[] = {
    STR(listen_host, "127.0.0.1", 0, "address to listen on"),
    INT(port, "8080", 0, 65535, "TCP port (0: any free port, printed in the ready line)"),
    INT(threads, "0", 0, 256, "event-loop threads (0 = number of cores)"),
    STR(data_dir, "var", 0, "directory for generated demo keys and uploads"),
    STR(schema_dir, WZ_SCHEMA_DIR, 0, "directory holding NNN_name.sql migrations"),
    STR(static_dir, "", 0, "directory of built client files served at / (empty: none)"),
    STR(h5_dir, "", 0, "directory of the built mobile message board served at /h5/ (empty: none)"),
    STR(log_level, "info", 0, "debug, info, warn or error"),
    BOOL(demo, "false", "demo mode: generate keys into data_dir, allow the demo seed"),
    STR(demo_password, "wenzheng-demo", 1, "password of every demo user (demo seed only)"),
    STR(jwt_secret, "", 1, "HS256 key for access tokens, at least 32 bytes"),
    STR(secret_key, "", 1, "64 hex digits: key that encrypts stored platform secrets"),
    STR(admin_password, "", 1, "creates user 'admin' with this password when no admin exists"),
    BOOL(debug_endpoints, "false", "enable /api/v1/debug/* (tests only)"),
    STR(wechat_api_base, "https://api.weixin.qq.com", 0, "scheme and host of the WeChat API (tests use a fake)"),
    STR(miniprogram_appid, "", 0, "AppID of the citizens' WeChat mini-program"),
    STR(miniprogram_secret, "", 1, "AppSecret of the mini-program (for jscode2session)"),
    INT(wechat_timeout_ms, "5000", 100, 60000, "deadline of one call to the WeChat API"),
    STR(db.socket, "", 0, "MariaDB unix socket path (preferred over host/port)"),
    STR(db.host, "127.0.0.1", 0, "MariaDB IP address (no name lookup: it would block)"),
    INT(db.port, "3306", 1, 65535, "MariaDB TCP port"),
    STR(db.name, "wenzheng", 0, "database name"),
    STR(db.user, "wz_app", 0, "application database user"),
    STR(db.password, "", 1, "application database password"),
    STR(db.migrate_user, "", 0, "migration database user (empty: serve does not migrate)"),
    STR(db.migrate_password, "", 1, "migration database password"),
    STR(db.app_host, "localhost", 0, "host part of the application user for table grants"),
    INT(db.pool_size, "4", 1, 64, "connections per event loop"),
    INT(db.queue_max, "256", 0, 100000, "requests waiting for a connection per loop before 503"),
    INT(db.acquire_timeout_ms, "5000", 1, 600000, "longest wait for a connection before 503"),
    INT(db.query_timeout_ms, "10000", 100, 3600000, "deadline of one statement"),
    INT(db.connect_timeout_ms, "3000", 100, 600000, "deadline of one connection attempt"),
    BOOL(db.auto_migrate, "true", "serve applies pending migrations at start (needs migrate_user)"),
    LONG(http.body_limit, "1048576", 1024, 1L << 30, "largest JSON request body in bytes"),
    LONG(http.upload_limit, "10485760", 1024, 1L << 30, "largest upload body in bytes"),
    INT(http.shutdown_timeout_ms, "10000", 0, 600000, "how long in-flight requests may finish on stop"),
    INT(http.request_timeout_ms, "30000", 1000, 600000, "HTTP/1 request read timeout"),
    STR(http.trusted_proxies, "", 0,
        "comma-separated addresses/CIDRs of reverse proxies whose X-Forwarded-For names the client (empty: none)"),
    STR(http.cors_origins, "", 0,
        "comma-separated origins (scheme://host[:port]) whose pages may call the API from a browser (empty: none)"),
    STR(metrics.allow, "127.0.0.0/8,::1", 0, "comma-separated addresses/CIDRs allowed to read /metrics"),
    BOOL(sla.enabled, "true", "fire SLA timers (warnings, breaches, auto-close) in this process"),
    INT(sla.poll_ms, "5000", 50, 600000, "longest sleep of the SLA timer engine"),
    INT(sla.batch, "100", 1, 10000, "SLA timers fired per transaction"),
    INT(auth.access_ttl_s, "900", 60, 86400, "lifetime of an access token in seconds"),
    STR(sms.driver, "log", 0, "text message driver for sign-in codes: log (writes them to the log; development)"),
    INT(auth.revocation_refresh_ms, "5000", 100, 600000,
        "how often to reload the disabled and revoked users whose tokens are refused"),
    INT(auth.refresh_ttl_s, "2592000", 600, 31536000,
        "lifetime of a refresh token in seconds (each refresh issues a new one)"),
    INT(sla.calendar_refresh_ms, "30000", 100, 3600000, "how often to look for a calendar changed by another server"),
    /* the statistics catch-up job (stats/refresh.h, docs/metrics.md) */
    BOOL(stats.enabled, "true", "keep the statistics' rollups up to date from this process (worker 0)"),
    INT(stats.refresh_ms, "1000", 50, 600000, "longest wait before a change reaches the statistics"),
    INT(stats.batch, "200", 1, 500, "tickets recomputed per statistics transaction"),
    /* live updates for the console (http/event_stream.c) */
    INT(events.poll_ms, "1000", 50, 60000,
        "how often each event loop with open event streams looks for new ticket events"),
    INT(events.keepalive_s, "20", 1, 3600,
        "a comment line on an idle event stream this often (proxies and dead clients)"),
    INT(events.max_streams, "1000", 0, 100000, "event streams one event loop serves at once (503 beyond)"),
    /* citizens' photos (http/uploads.c, uploads/sweeper.h) */
    INT(uploads.max_unattached_s, "86400", 1, 31536000, "an upload no message names is removed after this many seconds"),
    INT(uploads.sweep_ms, "600000", 50, 86400000, "how often worker 0 removes unattached uploads"),
    /* the public board (http/public_board.c) */
    INT(public_board.cache_s, "30", 0, 3600, "seconds the public board's answers are cached (here and by clients)"),
    INT(public_board.rate_per_min, "120", 0, 100000, "public board requests one address may make a minute (0: no limit)"),
    /* the channel inbox (channels/inbox.h) */
    INT(channels.follow_up_window_s, "1800", 0, 2592000,
        "a platform user's messages this soon after their last one join their open ticket (0: never)"),
    INT(channels.inbox_poll_ms, "2000", 50, 600000,
        "how often to look for inbox rows left unprocessed (a crash, a retry)"),
    INT(channels.inbox_lease_s, "60", 1, 3600, "how long one server owns an inbox row it is processing"),
    INT(channels.inbox_max_attempts, "10", 1, 1000, "tries before an inbox row is set aside as failed"),
    /* the outbox sender (channels/outbox.h, docs/channels.md) */
    BOOL(outbox.enabled, "true", "deliver outbox rows (acknowledgements, replies) from this process"),
    INT(outbox.poll_ms, "1000", 20, 600000, "longest sleep of the outbox sender"),
    INT(outbox.batch, "16", 1, 1000, "outbox deliveries in flight at once"),
    INT(outbox.max_attempts, "8", 1, 100, "delivery attempts before an outbox row is dead"),
    INT(outbox.backoff_ms, "30000", 10, 86400000, "delay after a first failed delivery; doubles, jittered"),
    INT(outbox.backoff_max_ms, "3600000", 10, 86400000, "longest delay between delivery attempts"),
    INT(outbox.timeout_ms, "10000", 100, 120000,
        "deadline of one outbound POST to a hook receiver, Weibo, Douyin or Toutiao"),
    STR(miniprogram.reply_template_id, "", 0, "subscribe-message template for replies (empty: only in the app)"),
    STR(miniprogram.reply_page, "", 0, "mini-program page a reply notice opens (?id=<ticket id> is added)"),
    /* the outbox's Weibo, Douyin and Toutiao senders (channels/outbound_social.h) */
    STR(weibo_api_base, "https://m.api.weibo.com", 0, "scheme and host of Weibo's fans-service API (tests use a fake)"),
    STR(douyin_api_base, "https://open.douyin.com", 0, "scheme and host of the Douyin open platform API"),
    STR(toutiao_api_base, "https://open.douyin.com", 0,
        "scheme and host the Toutiao sender calls (the same ByteDance platform)"),
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static void *field(wz_config_t *cfg, const key_t_ *k)
{
    return (char *)cfg + k->offset;
}

static void env_name(const key_t_ *k, char *out, size_t outlen)
{
    size_t o = 0;
    o += (size_t)snprintf(out, outlen, "WZ_");
    for (const char *p = k->name; *p && o + 1 < outlen; p++)
        out[o++] = *p == '.' ? '_' : (char)toupper((unsigned char)*p);
    out[o] = '\0';
}

static int set_value(wz_config_t *cfg, const key_t_ *k, const char *value, char *err, size_t errlen)
{
    void *f = field(cfg, k);
    switch (k->type) {
    case KEY_STRING:
        free(*(char **)f);
        *(char **)f = strdup(value);
        return 0;
    case KEY_BOOL:
        if (strcmp(value, "1") == 0 || strcmp(value, "true") == 0 || strcmp(value, "yes") == 0) {
            *(int *)f = 1;
        } else if (strcmp(value, "0") == 0 || strcmp(value, "false") == 0 || strcmp(value, "no") == 0 ||
                   value[0] == '\0') {
            *(int *)f = 0;
        } else {
            snprintf(err, errlen, "%s: expected true or false, got '%s'", k->name, value);
            return -1;
        }
        return 0;
    case KEY_INT:
    case KEY_LONG: {
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (errno != 0 || end == value || *end != '\0') {
            snprintf(err, errlen, "%s: expected an integer, got '%s'", k->name, value);
            return -1;
        }
        if (v < k->min || v > k->max) {
            snprintf(err, errlen, "%s: %ld is outside %ld..%ld", k->name, v, k->min, k->max);
            return -1;
        }
        if (k->type == KEY_INT)
            *(int *)f = (int)v;
        else
            *(long *)f = v;
        return 0;
    }
    }
    return -1;
}

static const key_t_ *find_key(const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

static int apply_object(wz_config_t *cfg, json_t *obj, const char *prefix, char *err, size_t errlen)
{
    const char *name;
    json_t *value;
    json_object_foreach(obj, name, value)
    {
        char full[128];
        snprintf(full, sizeof(full), "%s%s%s", prefix, prefix[0] ? "." : "", name);
        if (json_is_object(value)) {
            if (apply_object(cfg, value, full, err, errlen) != 0)
                return -1;
            continue;
        }
        const key_t_ *k = find_key(full);
        if (k == NULL) {
            snprintf(err, errlen, "unknown configuration key '%s'", full);
            return -1;
        }
        char buf[64];
        const char *text = NULL;
        if (json_is_string(value)) {
            text = json_string_value(value);
        } else if (json_is_integer(value) && k->type != KEY_STRING) {
            snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(value));
            text = buf;
        } else if (json_is_boolean(value) && k->type == KEY_BOOL) {
            text = json_is_true(value) ? "true" : "false";
        } else {
            snprintf(err, errlen, "%s: wrong type of value", full);
            return -1;
        }
        if (set_value(cfg, k, text, err, errlen) != 0)
            return -1;
    }
    return 0;
}

int wz_config_apply_json(wz_config_t *cfg, const char *text, size_t len, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        snprintf(err, errlen, "config line %d column %d: %s", jerr.line, jerr.column, jerr.text);
        return -1;
    }
    int ret = -1;
    if (!json_is_object(root)) {
        snprintf(err, errlen, "config: the document must be a JSON object");
        goto done;
    }
    ret = apply_object(cfg, root, "", err, errlen);
done:
    json_decref(root);
    return ret;
}

static int load(wz_config_t *cfg, const char *path, char *err, size_t errlen)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (set_value(cfg, &keys[i], keys[i].def, err, errlen) != 0)
            return -1;
    if (path != NULL) {
        FILE *fp = fopen(path, "rb");
        if (fp == NULL) {
            snprintf(err, errlen, "cannot open config %s: %s", path, strerror(errno));
            return -1;
        }
        char *text = NULL;
        size_t len = 0, cap = 0, n;
        char chunk[4096];
        while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
            if (len + n > cap) {
                cap = (len + n) * 2;
                text = realloc(text, cap);
                if (text == NULL)
                    abort();
            }
            memcpy(text + len, chunk, n);
            len += n;
        }
        fclose(fp);
        int ret = wz_config_apply_json(cfg, text ? text : "", len, err, errlen);
        free(text);
        if (ret != 0)
            return -1;
    }
    for (size_t i = 0; i < NKEYS; i++) {
        char env[80];
        env_name(&keys[i], env, sizeof(env));
        const char *v = getenv(env);
        if (v != NULL && set_value(cfg, &keys[i], v, err, errlen) != 0) {
            char inner[256];
            snprintf(inner, sizeof(inner), "%s", err);
            snprintf(err, errlen, "environment %s: %s", env, inner);
            return -1;
        }
    }
    return 0;
}

int wz_config_load(wz_config_t *cfg, const char *path, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    if (load(cfg, path, err, errlen) == 0)
        return 0;
    wz_config_free(cfg); /* a failed load leaves nothing to free */
    return -1;
}

static int is_hex(const char *s, size_t n)
{
    if (strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

int wz_config_validate(const wz_config_t *cfg, char *err, size_t errlen)
{
    if (wz_log_level_ok(cfg->log_level) != 0) {
        snprintf(err, errlen, "log_level: '%s' is not one of debug, info, warn, error", cfg->log_level);
        return -1;
    }
    if (cfg->db.socket[0] == '\0' && cfg->db.host[0] == '\0') {
        snprintf(err, errlen, "db.socket or db.host must be set");
        return -1;
    }
    if (cfg->outbox.backoff_ms > cfg->outbox.backoff_max_ms) {
        snprintf(err, errlen, "outbox.backoff_ms must not be above outbox.backoff_max_ms");
        return -1;
    }
    if (cfg->miniprogram.reply_template_id[0] != '\0' &&
        (cfg->miniprogram_appid[0] == '\0' || cfg->miniprogram_secret[0] == '\0')) {
        snprintf(err, errlen, "miniprogram.reply_template_id needs miniprogram_appid and miniprogram_secret");
        return -1;
    }
    if (cfg->http.upload_limit < cfg->http.body_limit) {
        snprintf(err, errlen, "http.upload_limit must not be below http.body_limit");
        return -1;
    }
    if (!cfg->demo) {
        if (strlen(cfg->jwt_secret) < 32) {
            snprintf(err, errlen, "jwt_secret: set WZ_JWT_SECRET to at least 32 bytes (or run in demo mode)");
            return -1;
        }
        if (!is_hex(cfg->secret_key, 64)) {
            snprintf(err, errlen, "secret_key: set WZ_SECRET_KEY to 64 hex digits (or run in demo mode)");
            return -1;
        }
    } else {
        if (cfg->jwt_secret[0] != '\0' && strlen(cfg->jwt_secret) < 32) {
            snprintf(err, errlen, "jwt_secret: at least 32 bytes");
            return -1;
        }
        if (cfg->secret_key[0] != '\0' && !is_hex(cfg->secret_key, 64)) {
            snprintf(err, errlen, "secret_key: 64 hex digits");
            return -1;
        }
    }
    return 0;
}

void wz_config_print(const wz_config_t *cfg, void *file)
{
    FILE *fp = file;
    for (size_t i = 0; i < NKEYS; i++) {
        const void *f = (const char *)cfg + keys[i].offset;
        switch (keys[i].type) {
        case KEY_STRING: {
            const char *s = *(char *const *)f;
            if (keys[i].secret)
                fprintf(fp, "%s = %s\n", keys[i].name, s && s[0] ? "(set)" : "(unset)");
            else
                fprintf(fp, "%s = \"%s\"\n", keys[i].name, s ? s : "");
            break;
        }
        case KEY_INT:
            fprintf(fp, "%s = %d\n", keys[i].name, *(const int *)f);
            break;
        case KEY_LONG:
            fprintf(fp, "%s = %ld\n", keys[i].name, *(const long *)f);
            break;
        case KEY_BOOL:
            fprintf(fp, "%s = %s\n", keys[i].name, *(const int *)f ? "true" : "false");
            break;
        }
    }
}

void wz_config_print_keys(void *file)
{
    FILE *fp = file;
    for (size_t i = 0; i < NKEYS; i++) {
        char env[80];
        env_name(&keys[i], env, sizeof(env));
        fprintf(fp, "  %-24s %-28s %s%s (default: %s)\n", keys[i].name, env, keys[i].help,
                keys[i].secret ? " [secret]" : "", keys[i].secret && keys[i].def[0] ? "..." : keys[i].def);
    }
}

void wz_config_free(wz_config_t *cfg)
{
    for (size_t i = 0; i < NKEYS; i++) {
        if (keys[i].type == KEY_STRING) {
            char **s = field(cfg, &keys[i]);
            if (keys[i].secret && *s != NULL)
                sodium_memzero(*s, strlen(*s));
            free(*s);
            *s = NULL;
        }
    }
}
