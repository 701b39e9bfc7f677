/* Admin resources as data (admin/record.c) against the real descriptions: the SQL built from
 * them, the strict body check, the parameters of insert and update, secrets sealed; and the
 * calendar store's reference counting (sla/calendar_store.c). */
#include "admin/resources.h"
#include "common/seal.h"
#include "sla/calendar_store.h"
#include "check.h"
#include <sodium.h>

static const uint8_t key[WZ_SEAL_KEY_BYTES] = {1, 2, 3};

static size_t count_marks(const char *sql)
{
    size_t n = 0;
    for (; *sql; sql++)
        n += *sql == '?';
    return n;
}

/* the record's texts and the error's field may point into the body: the caller frees it */
static int parse(const char *table, const char *text, int creating, wz_record_t *rec, wz_record_error_t *e,
                 json_t **body)
{
    *body = json_loads(text, 0, NULL);
    return wz_record_parse(wz_admin_table(table), *body, creating, key, rec, e);
}

static void test_sql_is_built_from_the_description(void)
{
    const wz_table_t *u = wz_admin_table("units");
    CHECK_STR(u->sql_insert, "INSERT INTO units (parent_id, code, name, kind, region, requires_review, accepts_direct) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)");
    CHECK(strncmp(u->sql_update, "UPDATE units SET parent_id = IF(?, ?, parent_id), code = IF(?, ?, code)", 70) == 0);
    CHECK(strstr(u->sql_select, "CAST(UNIX_TIMESTAMP(created_at) AS SIGNED)") != NULL);
    CHECK(strstr(u->sql_list, "ORDER BY path") != NULL);
    CHECK_STR(u->sql_delete, "DELETE FROM units WHERE id = ?");
    const char *names[] = {"units", "accounts", "categories", "routing_rules", "sla_policies", "users"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const wz_table_t *t = wz_admin_table(names[i]);
        CHECK(t != NULL);
        CHECK_INT(count_marks(t->sql_insert), t->ninsert);
        CHECK_INT(count_marks(t->sql_update), t->nupdate);
        CHECK(strstr(t->sql_lock, "FOR UPDATE") != NULL);
    }
    /* virtual fields are read, never written; internal columns are written, never read */
    const wz_table_t *r = wz_admin_table("routing_rules");
    CHECK(strstr(r->sql_insert, "match_id") != NULL && strstr(r->sql_insert, "account_id") == NULL);
    CHECK(strstr(r->sql_select, "IF(kind = 'keyword', match_text, NULL)") != NULL);
    CHECK(strstr(wz_admin_table("accounts")->sql_select, "secret_box IS NOT NULL") != NULL);
    CHECK(wz_admin_table("tickets") == NULL);
    /* a user's password hash is written, never read */
    const wz_table_t *users = wz_admin_table("users");
    CHECK(strstr(users->sql_insert, "password_hash") != NULL);
    CHECK(strstr(users->sql_select, "password_hash") == NULL);
}

static void test_bodies_are_checked_strictly(void)
{
    wz_record_t rec;
    wz_record_error_t e;
    json_t *body;
    CHECK_INT(
        parse("units", "{\"code\":\"a\",\"name\":\"甲\",\"kind\":\"other\",\"parent_id\":\"5\"}", 1, &rec, &e, &body),
        0);
    CHECK_INT(rec.present[1], 1);
    CHECK_INT(rec.v[1].u.i, 5);
    wz_record_free(&rec);
    json_decref(body);
    static const struct {
        const char *table, *body, *field;
        int creating;
    } bad[] = {
        {"units", "[]", NULL, 1},
        {"units", "{\"name\":\"甲\",\"kind\":\"other\"}", "code", 1},
        {"units", "{\"code\":\"a\",\"name\":\"甲\",\"kind\":\"village\"}", "kind", 1},
        {"units", "{\"code\":\"a\",\"name\":\"甲\",\"kind\":\"other\",\"path\":\"/1/\"}", "path", 1},
        {"units", "{\"code\":\"a\",\"name\":\"甲\",\"kind\":\"other\",\"x\":1}", "x", 1},
        {"units", "{\"name\":null}", "name", 0},
        {"units", "{\"name\":\"a\\nb\"}", "name", 0},
        {"units", "{\"name\":\"  \"}", "name", 0},
        {"units", "{\"parent_id\":0}", "parent_id", 0},
        {"units", "{\"parent_id\":\"12a\"}", "parent_id", 0},
        {"units", "{\"accepts_direct\":1}", "accepts_direct", 0},
        {"accounts", "{\"platform\":\"weibo\"}", "platform", 0}, /* fixed after create */
        {"accounts", "{\"secrets\":{\"1x\":\"v\"}}", "secrets", 0},
        {"accounts", "{\"secrets\":[]}", "secrets", 0},
        {"accounts", "{\"created_at\":\"x\"}", "created_at", 0},
        {"routing_rules", "{\"match_id\":3}", "match_id", 0},
        {"routing_rules", "{\"priority\":1000001}", "priority", 0},
        {"sla_policies", "{\"warn_ratio\":1}", "warn_ratio", 0},
        {"sla_policies", "{\"reply_days\":2.5}", "reply_days", 0},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&e, 0, sizeof(e));
        int r = parse(bad[i].table, bad[i].body, bad[i].creating, &rec, &e, &body);
        wz_record_free(&rec);
        if (r != -1 || (bad[i].field == NULL ? e.field != NULL : e.field == NULL || strcmp(e.field, bad[i].field)))
            fprintf(stderr, "case %zu (%s): r=%d field=%s (%s)\n", i, bad[i].body, r, e.field ? e.field : "-",
                    e.message);
        CHECK_INT(r, -1);
        CHECK(e.message[0] != '\0');
        json_decref(body);
    }
}

static void test_parameters(void)
{
    const wz_table_t *t = wz_admin_table("units");
    wz_record_t rec;
    wz_record_error_t e;
    json_t *body = json_loads("{\"code\":\"c\",\"name\":\"乙\",\"kind\":\"township\"}", 0, NULL);
    CHECK_INT(wz_record_parse(t, body, 1, key, &rec, &e), 0);
    wz_db_value_t p[2 * WZ_RECORD_MAX_COLS + 1];
    wz_record_insert_params(t, &rec, p);
    CHECK_INT(p[0].type, WZ_DB_T_NULL); /* parent_id absent: a root */
    CHECK_INT(p[1].type, WZ_DB_T_TEXT);
    CHECK_INT(p[4].type, WZ_DB_T_TEXT); /* region defaults to "" */
    CHECK_INT(p[4].u.s.len, 0);
    CHECK_INT(p[5].u.i, 0); /* requires_review */
    CHECK_INT(p[6].u.i, 1); /* accepts_direct */
    wz_record_update_params(t, &rec, 42, p);
    CHECK_INT(p[0].u.i, 0); /* parent_id not given: kept */
    CHECK_INT(p[2].u.i, 1); /* code given */
    CHECK_INT(p[t->nupdate - 1].u.i, 42);
    wz_record_free(&rec);
    json_decref(body);
}

static void test_secrets_are_sealed(void)
{
    const wz_table_t *t = wz_admin_table("accounts");
    wz_record_t rec;
    wz_record_error_t e;
    json_t *body = json_loads("{\"secrets\":{\"token\":\"abc\",\"aes_key\":\"xyz\"}}", 0, NULL);
    CHECK_INT(wz_record_parse(t, body, 0, key, &rec, &e), 0);
    int c = wz_table_col(t, "secrets");
    CHECK_INT(rec.v[c].type, WZ_DB_T_BLOB);
    const char *plain = "{\"aes_key\":\"xyz\",\"token\":\"abc\"}";
    CHECK_INT(rec.v[c].u.s.len, strlen(plain) + WZ_SEAL_OVERHEAD);
    char out[64] = {0};
    CHECK_INT(wz_unseal(key, (const uint8_t *)rec.v[c].u.s.p, rec.v[c].u.s.len, out), 0);
    CHECK_STR(out, plain);
    wz_record_free(&rec);
    json_decref(body);
}

static void test_calendar_store(void)
{
    wz_calendar_store_t store;
    wz_calendar_store_init(&store);
    CHECK_INT(wz_calendar_store_revision(&store), -1);
    const wz_calendar_t *first = wz_calendar_acquire(&store);
    CHECK_INT(first->nperiods, 2); /* the built-in default until a load */
    wz_calendar_t *next = wz_calendar_new();
    int32_t day;
    CHECK_INT(wz_cal_parse_date("2026-12-01", 10, &day), 0);
    CHECK_INT(wz_cal_set_day(next, day, WZ_DAY_OFF), 0);
    CHECK_INT(wz_calendar_store_replace(&store, next, 5), 1);
    /* a reader of the old calendar keeps it, unchanged, until it lets go */
    CHECK_INT(wz_cal_is_workday(first, day), 1);
    const wz_calendar_t *second = wz_calendar_acquire(&store);
    CHECK_INT(wz_cal_is_workday(second, day), 0);
    wz_calendar_release(first);
    /* an older or equal revision never replaces a newer one */
    CHECK_INT(wz_calendar_store_replace(&store, wz_calendar_new(), 5), 0);
    CHECK_INT(wz_calendar_store_replace(&store, wz_calendar_new(), 4), 0);
    CHECK_INT(wz_calendar_store_revision(&store), 5);
    wz_calendar_store_destroy(&store);
    CHECK_INT(wz_cal_is_workday(second, day), 0); /* still held */
    wz_calendar_release(second);
    wz_calendar_release(NULL);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    wz_admin_init();
    RUN(test_sql_is_built_from_the_description);
    RUN(test_bodies_are_checked_strictly);
    RUN(test_parameters);
    RUN(test_secrets_are_sealed);
    RUN(test_calendar_store);
    return CHECK_DONE();
}
