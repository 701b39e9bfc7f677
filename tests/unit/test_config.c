#include "common/config.h"
#include "check.h"
#include <stdlib.h>

static void test_defaults_and_env(void)
{
    wz_config_t cfg;
    char err[256];
    unsetenv("WZ_PORT");
    setenv("WZ_DB_POOL_SIZE", "9", 1);
    setenv("WZ_DEMO", "true", 1);
    CHECK_INT(wz_config_load(&cfg, NULL, err, sizeof(err)), 0);
    CHECK_INT(cfg.port, 8080);
    CHECK_INT(cfg.db.pool_size, 9);
    CHECK_INT(cfg.demo, 1);
    CHECK_INT(cfg.http.body_limit, 1048576);
    CHECK_STR(cfg.db.user, "wz_app");
    wz_config_free(&cfg);

    setenv("WZ_DB_POOL_SIZE", "0", 1); /* below the minimum */
    CHECK_INT(wz_config_load(&cfg, NULL, err, sizeof(err)), -1);
    CHECK(strstr(err, "WZ_DB_POOL_SIZE") != NULL);
    wz_config_free(&cfg);
    setenv("WZ_DB_POOL_SIZE", "4x", 1);
    CHECK_INT(wz_config_load(&cfg, NULL, err, sizeof(err)), -1);
    CHECK(strstr(err, "integer") != NULL);
    wz_config_free(&cfg);
    unsetenv("WZ_DB_POOL_SIZE");
    setenv("WZ_DEMO", "maybe", 1);
    CHECK_INT(wz_config_load(&cfg, NULL, err, sizeof(err)), -1);
    wz_config_free(&cfg);
    unsetenv("WZ_DEMO");
}

static void test_json(void)
{
    wz_config_t cfg;
    char err[256];
    CHECK_INT(wz_config_load(&cfg, NULL, err, sizeof(err)), 0);
    const char *doc = "{\"port\": 9090, \"db\": {\"socket\": \"/run/x.sock\", \"pool_size\": 2}, \"demo\": true}";
    CHECK_INT(wz_config_apply_json(&cfg, doc, strlen(doc), err, sizeof(err)), 0);
    CHECK_INT(cfg.port, 9090);
    CHECK_STR(cfg.db.socket, "/run/x.sock");
    CHECK_INT(cfg.db.pool_size, 2);
    CHECK_INT(cfg.demo, 1);
    const char *unknown = "{\"db\": {\"sockett\": \"x\"}}";
    CHECK_INT(wz_config_apply_json(&cfg, unknown, strlen(unknown), err, sizeof(err)), -1);
    CHECK(strstr(err, "db.sockett") != NULL);
    const char *wrong = "{\"port\": \"eighty\"}";
    CHECK_INT(wz_config_apply_json(&cfg, wrong, strlen(wrong), err, sizeof(err)), -1);
    const char *dup = "{\"port\": 1, \"port\": 2}";
    CHECK_INT(wz_config_apply_json(&cfg, dup, strlen(dup), err, sizeof(err)), -1);
    const char *notobj = "[1]";
    CHECK_INT(wz_config_apply_json(&cfg, notobj, strlen(notobj), err, sizeof(err)), -1);
    wz_config_free(&cfg);
}

static void test_validate(void)
{
    wz_config_t cfg;
    char err[256];
    CHECK_INT(wz_config_load(&cfg, NULL, err, sizeof(err)), 0);
    /* outside demo mode, keys are required */
    CHECK_INT(wz_config_validate(&cfg, err, sizeof(err)), -1);
    CHECK(strstr(err, "jwt_secret") != NULL);
    free(cfg.jwt_secret);
    cfg.jwt_secret = strdup("0123456789abcdef0123456789abcdef");
    CHECK_INT(wz_config_validate(&cfg, err, sizeof(err)), -1);
    CHECK(strstr(err, "secret_key") != NULL);
    free(cfg.secret_key);
    cfg.secret_key = strdup("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    CHECK_INT(wz_config_validate(&cfg, err, sizeof(err)), 0);
    /* the outbox's defaults, and its cross-field rules */
    CHECK_INT(cfg.outbox.enabled, 1);
    CHECK_INT(cfg.outbox.max_attempts, 8);
    CHECK_INT(cfg.outbox.backoff_ms, 30000);
    CHECK_INT(cfg.outbox.backoff_max_ms, 3600000);
    cfg.outbox.backoff_ms = 3600001;
    CHECK_INT(wz_config_validate(&cfg, err, sizeof(err)), -1);
    CHECK(strstr(err, "outbox.backoff_ms") != NULL);
    cfg.outbox.backoff_ms = 30000;
    free(cfg.miniprogram.reply_template_id);
    cfg.miniprogram.reply_template_id = strdup("TPL");
    CHECK_INT(wz_config_validate(&cfg, err, sizeof(err)), -1);
    CHECK(strstr(err, "miniprogram.reply_template_id") != NULL);
    free(cfg.miniprogram_appid);
    cfg.miniprogram_appid = strdup("wx1");
    free(cfg.miniprogram_secret);
    cfg.miniprogram_secret = strdup("s");
    CHECK_INT(wz_config_validate(&cfg, err, sizeof(err)), 0);
    cfg.http.upload_limit = 10;
    CHECK_INT(wz_config_validate(&cfg, err, sizeof(err)), -1);
    wz_config_free(&cfg);
}

int main(void)
{
    RUN(test_defaults_and_env);
    RUN(test_json);
    RUN(test_validate);
    return CHECK_DONE();
}
