/* wenzheng: the command line. `serve` checks the configuration, brings the schema up to date,
 * makes sure an administrator exists, then runs the HTTP server. Everything before the server
 * starts is blocking start-up work on the main thread; no event loop exists yet. */
#include "auth/password.h"
#include "common/config.h"
#include "common/log.h"
#include "db/migrate.h"
#include "demo/demo.h"
#include "http/server.h"
#include "sla/calendar_db.h"
#include <curl/curl.h>
#include <getopt.h>
#include <malloc.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#ifndef WZ_SCHEMA_LATEST
#error "WZ_SCHEMA_LATEST must be set by the build (the newest schema/NNN_*.sql)"
#endif
#define WZ_VERSION "0.1.0"
#define STARTUP_DB_WAIT_S 30

static void usage(FILE *out)
{
    fprintf(out, "usage: wenzheng [--config FILE] COMMAND [OPTIONS]\n"
                 "\n"
                 "commands:\n"
                 "  serve                 run the server (applies migrations first when db.migrate_user is set)\n"
                 "  serve --check-config  validate the configuration, print it (secrets hidden) and exit\n"
                 "  migrate               apply pending migrations as db.migrate_user and grant db.user\n"
                 "  seed-demo             load the demo units, accounts and users into an empty database\n"
                 "  routes                list every endpoint (method, path, name, access)\n"
                 "  version               print the version and the schema version this build expects\n"
                 "\n"
                 "options:\n"
                 "  -c, --config FILE     JSON configuration file; every key can be overridden by WZ_* variables\n"
                 "  --threads N           event-loop threads for serve (overrides threads / WZ_THREADS)\n"
                 "  -h, --help            this text\n"
                 "\n"
                 "configuration keys (file key, environment variable, meaning):\n");
    wz_config_print_keys(out);
}

static wz_db_login_t app_login(const wz_config_t *cfg)
{
    return (wz_db_login_t){cfg->db.socket, cfg->db.host, cfg->db.user, cfg->db.password, cfg->db.name,
                           (unsigned)cfg->db.port};
}

static wz_db_login_t migrate_login(const wz_config_t *cfg)
{
    return (wz_db_login_t){cfg->db.socket, cfg->db.host, cfg->db.migrate_user, cfg->db.migrate_password, cfg->db.name,
                           (unsigned)cfg->db.port};
}

/* The database may still be starting (ops/run, systemd ordering): retry for a while. */
static MYSQL *connect_with_retry(const wz_db_login_t *login, char *err, size_t errlen)
{
    for (int i = 0; i < STARTUP_DB_WAIT_S * 2; i++) {
        int transient = 0;
        MYSQL *db = wz_db_connect_blocking(login, &transient, err, errlen);
        if (db != NULL)
            return db;
        if (!transient)
            return NULL;
        if (i == 0)
            wz_warn("waiting for the database: %s", err);
        usleep(500 * 1000);
    }
    return NULL;
}

static int run_migrations(const wz_config_t *cfg, char *err, size_t errlen)
{
    wz_db_login_t login = migrate_login(cfg);
    MYSQL *db = connect_with_retry(&login, err, errlen);
    if (db == NULL)
        return -1;
    int applied = 0;
    int ret = wz_migrate(db, cfg->schema_dir, cfg->db.user, cfg->db.app_host, &applied, err, errlen);
    mysql_close(db);
    if (ret == 0)
        wz_info("migrate: %d applied, schema at version %d", applied, WZ_SCHEMA_LATEST);
    return ret;
}

static int count_admins(MYSQL *db, char *err, size_t errlen)
{
    if (mysql_query(db, "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0") != 0) {
        snprintf(err, errlen, "%s", mysql_error(db));
        return -1;
    }
    MYSQL_RES *r = mysql_store_result(db);
    MYSQL_ROW row = r ? mysql_fetch_row(r) : NULL;
    int n = row && row[0] ? (int)strtol(row[0], NULL, 10) : 0;
    mysql_free_result(r);
    return n;
}

static int create_admin(MYSQL *db, const char *password, char *err, size_t errlen)
{
    char hash[WZ_PASSWORD_HASH_MAX];
    if (wz_password_hash(password, hash) != 0) {
        snprintf(err, errlen, "password hashing failed");
        return -1;
    }
    MYSQL_STMT *st = mysql_stmt_init(db);
    const char *sql = "INSERT INTO users (username, display_name, password_hash, role) VALUES ('admin', "
                      "'系统管理员', ?, 'admin')";
    MYSQL_BIND b;
    memset(&b, 0, sizeof(b));
    unsigned long len = strlen(hash);
    b.buffer_type = MYSQL_TYPE_STRING;
    b.buffer = hash;
    b.buffer_length = len;
    b.length = &len;
    int ret = 0;
    if (mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql)) != 0 || mysql_stmt_bind_param(st, &b) != 0 ||
        mysql_stmt_execute(st) != 0) {
        snprintf(err, errlen, "cannot create the admin user: %s", mysql_stmt_error(st));
        ret = -1;
    }
    mysql_stmt_close(st);
    return ret;
}

/* Schema current, someone who can administer the system, and the working calendar. */
static int check_database(const wz_config_t *cfg, wz_calendar_t *cal, long long *revision, char *err, size_t errlen)
{
    wz_db_login_t login = app_login(cfg);
    MYSQL *db = connect_with_retry(&login, err, errlen);
    if (db == NULL)
        return -1;
    int ret = -1;
    int version = wz_migration_current(db, err, errlen);
    if (version < 0)
        goto done;
    if (version > WZ_SCHEMA_LATEST) {
        snprintf(err, errlen, "the database schema (version %d) is newer than this build (%d): upgrade wenzheng",
                 version, WZ_SCHEMA_LATEST);
        goto done;
    }
    if (version < WZ_SCHEMA_LATEST) {
        snprintf(err, errlen, "the database schema is at version %d, this build needs %d: run `wenzheng migrate` "
                 "(or set db.migrate_user)", version, WZ_SCHEMA_LATEST);
        goto done;
    }
    int admins = count_admins(db, err, errlen);
    if (admins < 0)
        goto done;
    if (admins == 0) {
        if (cfg->admin_password[0] == '\0') {
            snprintf(err, errlen, "no administrator exists: set WZ_ADMIN_PASSWORD (at least 12 characters) once to "
                                  "create user 'admin', or run the demo seed");
            goto done;
        }
        if (strlen(cfg->admin_password) < 12) {
            snprintf(err, errlen, "admin_password must have at least 12 characters");
            goto done;
        }
        if (create_admin(db, cfg->admin_password, err, errlen) != 0)
            goto done;
        wz_info("created user 'admin' from admin_password");
    }
    if (wz_calendar_load_db(db, cal, revision, err, errlen) != 0)
        goto done;
    wz_info("calendar: %zu special dates, %zu working periods a day", cal->noverrides, cal->nperiods);
    ret = 0;
done:
    mysql_close(db);
    return ret;
}

/* Process limits a long-running server wants, whatever shell or unit started it. */
static void set_process_limits(void)
{
    /* Request bodies (up to http.upload_limit) and big results are large, short-lived blocks.
     * glibc raises its mmap threshold after the first such block is freed, and later ones then
     * come from the per-thread arenas, which keep the memory: a burst of 10 MB bodies left the
     * resident set 40 MB higher for good. A fixed threshold keeps them in mmap, returned on free. */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    /* every connection is a descriptor: use all the hard limit allows (like redis's maxclients) */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rlim_t want = rl.rlim_max;
        rl.rlim_cur = want;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            wz_warn("could not raise the open-file limit to %llu", (unsigned long long)want);
    }
}

static int cmd_serve(wz_config_t *cfg, int check_only)
{
    char err[1024];
    if (cfg->demo && (cfg->jwt_secret[0] == '\0' || cfg->secret_key[0] == '\0')) {
        char *jwt = NULL, *key = NULL;
        if (wz_demo_keys(cfg->data_dir, &jwt, &key, err, sizeof(err)) != 0) {
            fprintf(stderr, "wenzheng: %s\n", err);
            return 2;
        }
        if (cfg->jwt_secret[0] == '\0') {
            free(cfg->jwt_secret);
            cfg->jwt_secret = jwt;
        } else {
            free(jwt);
        }
        if (cfg->secret_key[0] == '\0') {
            free(cfg->secret_key);
            cfg->secret_key = key;
        } else {
            free(key);
        }
    }
    if (cfg->demo && cfg->miniprogram_appid[0] == '\0') {
        /* the demo mini-program (clients/miniprogram) signs in with these, against a fake WeChat */
        free(cfg->miniprogram_appid);
        cfg->miniprogram_appid = strdup(WZ_DEMO_MINIPROGRAM_APPID);
        if (cfg->miniprogram_secret[0] == '\0') {
            free(cfg->miniprogram_secret);
            cfg->miniprogram_secret = strdup(WZ_DEMO_MINIPROGRAM_SECRET);
        }
    }
    if (wz_config_validate(cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "wenzheng: configuration: %s\n", err);
        return 2;
    }
    if (check_only) {
        wz_config_print(cfg, stdout);
        printf("configuration ok\n");
        return 0;
    }
    if (cfg->db.auto_migrate && cfg->db.migrate_user[0] != '\0' && run_migrations(cfg, err, sizeof(err)) != 0) {
        wz_error("migrate: %s", err);
        return 1;
    }
    set_process_limits();
    /* lives as long as the process: worker loops and h2o contexts point into it until exit */
    static wz_server_t server_storage;
    wz_server_t *server = &server_storage;
    wz_calendar_t *calendar = wz_calendar_new();
    long long revision = 0;
    if (check_database(cfg, calendar, &revision, err, sizeof(err)) != 0) {
        wz_error("%s", err);
        wz_calendar_release(calendar);
        return 1;
    }
    if (wz_server_init(server, cfg, err, sizeof(err)) != 0) {
        wz_error("%s", err);
        wz_calendar_release(calendar);
        return 1;
    }
    server->schema_latest = WZ_SCHEMA_LATEST;
    wz_calendar_store_replace(&server->calendar, calendar, revision); /* the server owns it from here */
    if (cfg->demo)
        wz_warn("demo mode: demo keys from %s/demo-keys.json; do not use for real data", cfg->data_dir);
    else if (strcmp(cfg->sms.driver, "log") == 0)
        wz_warn("sms.driver is 'log': sign-in codes are written to the log, not sent to phones");
    wz_log_start(2);
    int code = wz_server_run(server);
    wz_log_stop();
    return code;
}

static int cmd_routes(const wz_config_t *cfg)
{
    wz_server_t *server = calloc(1, sizeof(*server));
    server->cfg = cfg;
    wz_routes_register(server);
    for (size_t i = 0; i < server->router.count; i++) {
        const wz_route_t *r = &server->router.routes[i];
        printf("%s %s %s %s\n", wz_method_name(r->method), r->pattern, r->name,
               (r->flags & WZ_ROUTE_LOCAL_ONLY) ? "local" : (r->flags & WZ_ROUTE_PUBLIC) ? "public" : "token");
    }
    free(server);
    return 0;
}

static int cmd_migrate(const wz_config_t *cfg)
{
    char err[1024];
    if (cfg->db.migrate_user[0] == '\0') {
        fprintf(stderr, "wenzheng: migrate needs db.migrate_user (WZ_DB_MIGRATE_USER)\n");
        return 2;
    }
    if (run_migrations(cfg, err, sizeof(err)) != 0) {
        wz_error("migrate: %s", err);
        return 1;
    }
    return 0;
}

static int cmd_seed_demo(const wz_config_t *cfg)
{
    char err[1024];
    if (!cfg->demo) {
        fprintf(stderr, "wenzheng: seed-demo runs only in demo mode (WZ_DEMO=true)\n");
        return 2;
    }
    if (cfg->db.migrate_user[0] == '\0') {
        fprintf(stderr, "wenzheng: seed-demo needs db.migrate_user (WZ_DB_MIGRATE_USER)\n");
        return 2;
    }
    wz_db_login_t login = migrate_login(cfg);
    MYSQL *db = connect_with_retry(&login, err, sizeof(err));
    if (db == NULL) {
        wz_error("%s", err);
        return 1;
    }
    int r = wz_demo_seed(db, cfg->schema_dir, cfg->demo_password, err, sizeof(err));
    mysql_close(db);
    if (r < 0) {
        wz_error("seed: %s", err);
        return 1;
    }
    if (r == 0)
        wz_info("seed: the database already has data; nothing seeded");
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
                                              {"help", no_argument, NULL, 'h'},
                                              {"check-config", no_argument, NULL, 'C'},
                                              {"threads", required_argument, NULL, 't'},
                                              {NULL, 0, NULL, 0}};
    const char *config_path = NULL, *threads_arg = NULL;
    int check_only = 0, opt;
    /* GNU getopt permutes: options may stand before or after the command */
    while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            config_path = optarg;
            break;
        case 'C':
            check_only = 1;
            break;
        case 't':
            threads_arg = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[optind];
    if (sodium_init() < 0) {
        fprintf(stderr, "wenzheng: libsodium failed to initialise\n");
        return 1;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "wenzheng: libcurl failed to initialise\n");
        return 1;
    }
    if (mysql_library_init(0, NULL, NULL) != 0) {
        fprintf(stderr, "wenzheng: the MariaDB client library failed to initialise\n");
        return 1;
    }
    if (strcmp(cmd, "version") == 0) {
        printf("wenzheng %s (schema %d)\n", WZ_VERSION, WZ_SCHEMA_LATEST);
        return 0;
    }
    wz_config_t cfg;
    char err[1024];
    if (wz_config_load(&cfg, config_path, err, sizeof(err)) != 0) {
        fprintf(stderr, "wenzheng: %s\n", err);
        return 2;
    }
    if (threads_arg != NULL) {
        char *end;
        long t = strtol(threads_arg, &end, 10);
        if (*end != '\0' || t < 1 || t > 256) {
            fprintf(stderr, "wenzheng: --threads takes 1..256, got '%s'\n", threads_arg);
            wz_config_free(&cfg);
            return 2;
        }
        cfg.threads = (int)t;
    }
    if (wz_log_set_level_name(cfg.log_level) != 0) {
        fprintf(stderr, "wenzheng: log_level: '%s' is not one of debug, info, warn, error\n", cfg.log_level);
        return 2;
    }
    int code;
    if (strcmp(cmd, "serve") == 0) {
        code = cmd_serve(&cfg, check_only);
    } else if (check_only) {
        fprintf(stderr, "wenzheng: --check-config goes with serve\n");
        code = 2;
    } else if (strcmp(cmd, "migrate") == 0) {
        code = cmd_migrate(&cfg);
    } else if (strcmp(cmd, "routes") == 0) {
        code = cmd_routes(&cfg);
    } else if (strcmp(cmd, "seed-demo") == 0) {
        code = cmd_seed_demo(&cfg);
    } else {
        fprintf(stderr, "wenzheng: unknown command '%s'\n", cmd);
        usage(stderr);
        code = 2;
    }
    wz_config_free(&cfg);
    mysql_library_end();
    return code;
}
