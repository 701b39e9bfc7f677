/* Intake against the real test MariaDB, migrated and seeded with the demo city: routing,
 * deadlines, events, timers, the acknowledgement, sealing the phone, and deduplication
 * (sequential retries and two concurrent deliveries of one message), and numbers for a burst of
 * concurrent intakes from one fetched block, not one block each. */
#include "common/seal.h"
#include "db/migrate.h"
#include "demo/demo.h"
#include "sla/calendar_db.h"
#include "tickets/intake.h"
#include "../unit/check.h"
#include "db_env.h"
#include <sodium.h>
#include <time.h>

static uv_loop_t loop;
static wz_db_pool_t *pool;
static MYSQL *admin;
static wz_calendar_t cal;
static uint8_t key[WZ_SEAL_KEY_BYTES];
static char run_id[17];

#define MAX_CALLS 64
static int calls;
static wz_intake_result_t results[MAX_CALLS];
static int failed[MAX_CALLS];

static void on_intake(void *data, const wz_intake_result_t *res, const wz_db_error_t *err)
{
    int slot = (int)(intptr_t)data;
    calls++;
    if (err != NULL) {
        failed[slot] = 1;
        fprintf(stderr, "intake failed: %s (%u)\n", err->message, err->mysql_errno);
        return;
    }
    results[slot] = *res;
}

static void intake(const wz_intake_request_t *req, int slot)
{
    CHECK_INT(wz_ticket_intake(pool, &cal, key, req, (int64_t)time(NULL), on_intake, (void *)(intptr_t)slot), 0);
}

static void wait_calls(int n)
{
    while (calls < n)
        uv_run(&loop, UV_RUN_ONCE);
}

static long long scalar(const char *fmt, long long id)
{
    char sql[512];
    snprintf(sql, sizeof(sql), fmt, id);
    if (mysql_query(admin, sql) != 0) {
        fprintf(stderr, "%s: %s\n", sql, mysql_error(admin));
        return -1;
    }
    MYSQL_RES *r = mysql_store_result(admin);
    MYSQL_ROW row = r ? mysql_fetch_row(r) : NULL;
    long long v = row && row[0] ? strtoll(row[0], NULL, 10) : -1;
    mysql_free_result(r);
    return v;
}

static void test_keyword_routing(void)
{
    calls = 0;
    wz_intake_request_t req = {.type = "complaint", .channel = "miniprogram", .title = "小区物业乱收费",
                               .content = "物业公司今年又涨停车费", .citizen_name = "张先生",
                               .contact_phone = "13812345678", .region = "东城区"};
    intake(&req, 0);
    wait_calls(1);
    wz_intake_result_t *r = &results[0];
    CHECK(!failed[0] && r->created && r->ticket_id > 0);
    CHECK_STR(r->status, "dispatched");
    CHECK_INT(r->unit_id, 3); /* the housing bureau, by keyword */
    CHECK_INT(r->routing_rule, scalar("SELECT id FROM routing_rules WHERE kind = 'keyword' AND unit_id = %lld", 3));
    CHECK(strlen(r->number) == 16 && strncmp(r->number, "WZ", 2) == 0);
    CHECK(r->promised_reply > (int64_t)time(NULL));
    long long id = r->ticket_id;
    CHECK_INT(scalar("SELECT COUNT(*) FROM ticket_events WHERE ticket_id = %lld", id), 2);
    CHECK_INT(scalar("SELECT COUNT(*) FROM ticket_events WHERE ticket_id = %lld AND action = 'dispatch' "
                     "AND actor_role = 'system' AND unit_id = 3", id), 1);
    CHECK_INT(scalar("SELECT COUNT(*) FROM sla_timers WHERE ticket_id = %lld", id), 4);
    CHECK_INT(scalar("SELECT COUNT(*) FROM sla_timers WHERE ticket_id = %lld AND kind = 'reply_breach' "
                     "AND fire_at = (SELECT reply_due_at FROM tickets WHERE id = ticket_id)", id), 1);
    CHECK_INT(scalar("SELECT COUNT(*) FROM outbox WHERE ticket_id = %lld AND kind = 'acknowledgement'", id), 1);
    CHECK_INT(scalar("SELECT COUNT(*) FROM ticket_messages WHERE ticket_id = %lld AND author = 'citizen'", id), 1);
    /* complaint: 15 working days from dispatch, and dispatch happened at intake */
    CHECK_INT(scalar("SELECT COUNT(*) FROM tickets WHERE id = %lld AND dispatched_at = received_at "
                     "AND reply_due_at > received_at + INTERVAL 15 DAY", id), 1);
    /* the phone: masked for display, sealed at rest */
    char sql[200];
    snprintf(sql, sizeof(sql), "SELECT contact_masked, contact_raw FROM tickets WHERE id = %lld", id);
    CHECK(mysql_query(admin, sql) == 0);
    MYSQL_RES *res = mysql_store_result(admin);
    MYSQL_ROW row = mysql_fetch_row(res);
    unsigned long *lens = mysql_fetch_lengths(res);
    CHECK_STR(row[0], "138****5678");
    char plain[32] = {0};
    CHECK_INT(lens[1], 11 + WZ_SEAL_OVERHEAD);
    CHECK_INT(wz_unseal(key, (const uint8_t *)row[1], lens[1], plain), 0);
    CHECK_STR(plain, "13812345678");
    CHECK(memmem(row[1], lens[1], "13812345678", 11) == NULL);
    mysql_free_result(res);
}

static void test_no_rule_waits_for_a_dispatcher(void)
{
    calls = 0;
    wz_intake_request_t req = {.type = "consultation", .channel = "web", .title = "咨询", .content = "请问办事大厅几点开门",
                               .contact_phone = "010-66123456"};
    intake(&req, 0);
    wait_calls(1);
    CHECK(!failed[0]);
    CHECK_STR(results[0].status, "new");
    CHECK_INT(results[0].unit_id, 0);
    long long id = results[0].ticket_id;
    CHECK_INT(scalar("SELECT COUNT(*) FROM sla_timers WHERE ticket_id = %lld AND kind LIKE 'dispatch_%%'", id), 2);
    CHECK_INT(scalar("SELECT COUNT(*) FROM ticket_events WHERE ticket_id = %lld", id), 1);
    CHECK_INT(scalar("SELECT COUNT(*) FROM tickets WHERE id = %lld AND unit_id IS NULL AND dispatched_at IS NULL", id), 1);
    /* a landline is not a mobile, but it is never shown whole either */
    CHECK_INT(scalar("SELECT COUNT(*) FROM tickets WHERE id = %lld AND contact_masked = '010*******56'", id), 1);
}

static void test_direct_unit_and_account_rule(void)
{
    calls = 0;
    wz_intake_request_t direct = {.type = "help", .channel = "miniprogram", .title = "入学", .content = "孩子入学",
                                  .unit_id = 7};
    intake(&direct, 0);
    wait_calls(1);
    CHECK_STR(results[0].status, "dispatched");
    CHECK_INT(results[0].unit_id, 7);
    CHECK_INT(results[0].routing_rule, 0);
    /* through the housing bureau's own WeChat account: its unit, by the account rule */
    wz_intake_request_t via = {.type = "consultation", .channel = "wechat_oa", .title = "问", .content = "你好",
                               .account_id = 6};
    intake(&via, 1);
    wait_calls(2);
    CHECK_INT(results[1].unit_id, 3);
    CHECK(results[1].routing_rule > 0);
    /* numbers of one day are consecutive */
    CHECK_INT(strtoll(results[1].number + 10, NULL, 10), strtoll(results[0].number + 10, NULL, 10) + 1);
}

static void test_retries_are_deduplicated(void)
{
    char ext[64], idem[64];
    snprintf(ext, sizeof(ext), "msg-%s", run_id);
    snprintf(idem, sizeof(idem), "idem-%s", run_id);
    wz_intake_request_t req = {.type = "consultation", .channel = "wechat_oa", .title = "t", .content = "重复推送",
                               .account_id = 1, .external_id = ext};
    calls = 0;
    intake(&req, 0);
    wait_calls(1);
    intake(&req, 1);
    wait_calls(2);
    CHECK(results[0].created && !results[1].created);
    CHECK_INT(results[1].ticket_id, results[0].ticket_id);
    CHECK_STR(results[1].number, results[0].number);
    /* the client's Idempotency-Key, per citizen */
    wz_intake_request_t mine = {.type = "help", .channel = "miniprogram", .title = "t", .content = "重试提交",
                                .citizen_id = 424242, .idempotency_key = idem};
    wz_intake_request_t other = mine;
    other.citizen_id = 434343; /* the same key from another citizen is another ticket */
    calls = 0;
    intake(&mine, 0);
    wait_calls(1);
    intake(&mine, 1);
    intake(&other, 2);
    wait_calls(3);
    CHECK(results[0].created && !results[1].created && results[2].created);
    CHECK_INT(results[1].ticket_id, results[0].ticket_id);
    CHECK(results[2].ticket_id != results[0].ticket_id);
}

static void test_concurrent_twins(void)
{
    /* a platform delivering the same message twice at once: one ticket */
    char ext[64];
    snprintf(ext, sizeof(ext), "twin-%s", run_id);
    wz_intake_request_t req = {.type = "report", .channel = "weibo", .title = "t", .content = "同时推送两次",
                               .account_id = 2, .external_id = ext};
    memset(results, 0, sizeof(results));
    calls = 0;
    intake(&req, 0);
    intake(&req, 1);
    wait_calls(2);
    CHECK(!failed[0] && !failed[1]);
    CHECK_INT(results[0].created + results[1].created, 1);
    CHECK_INT(results[0].ticket_id, results[1].ticket_id);
    char sql[200];
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM tickets WHERE external_id = '%s'", ext);
    CHECK_INT(scalar(sql, 0), 1);
}

static void test_burst_shares_number_blocks(void)
{
    /* more intakes at once than a block holds: those that find the block used up while the next
     * is on its way wait for it. Each fetched block is 20 numbers aligned on 20, so the numbers
     * of a burst of 45 span at most four blocks (what the loop had left, then three); when
     * each intake fetched its own, most came from a block of their own. */
    enum { N = 45 };
    wz_intake_request_t req[N];
    char idem[N][48];
    memset(results, 0, sizeof(results));
    memset(failed, 0, sizeof(failed));
    calls = 0;
    for (int i = 0; i < N; i++) {
        snprintf(idem[i], sizeof(idem[i]), "burst-%s-%d", run_id, i);
        req[i] = (wz_intake_request_t){.type = "help", .channel = "miniprogram", .title = "t", .content = "一起提交",
                                       .citizen_id = 454545, .idempotency_key = idem[i]};
        intake(&req[i], i);
    }
    wait_calls(N);
    long long blocks[N];
    int nblocks = 0;
    for (int i = 0; i < N; i++) {
        CHECK(!failed[i] && results[i].created);
        size_t len = strlen(results[i].number);
        CHECK(len == 16);
        if (len != 16)
            continue;
        long long seq = strtoll(results[i].number + 10, NULL, 10), b = (seq - 1) / 20;
        for (int k = 0; k < i; k++)
            CHECK(strcmp(results[k].number, results[i].number) != 0); /* unique */
        int seen = 0;
        for (int k = 0; k < nblocks; k++)
            seen |= blocks[k] == b;
        if (!seen)
            blocks[nblocks++] = b;
    }
    CHECK(nblocks <= 4);
}

static void on_closed(void *data)
{
    (void)data;
}

int main(void)
{
    wz_db_options_t o;
    char err[512];
    if (sodium_init() < 0 || test_db_options(&o) != 0)
        return 1;
    wz_db_login_t login = {o.socket, NULL, o.user, o.password, o.database, 0};
    admin = wz_db_connect_blocking(&login, NULL, err, sizeof(err));
    int applied = 0;
    if (admin == NULL || wz_migrate(admin, WZ_SCHEMA_DIR, NULL, NULL, &applied, err, sizeof(err)) != 0 ||
        wz_demo_seed(admin, WZ_SCHEMA_DIR, "intake-test-password", err, sizeof(err)) < 0) {
        fprintf(stderr, "set-up: %s\n", err);
        return 1;
    }
    wz_cal_init(&cal);
    if (wz_calendar_load_db(admin, &cal, NULL, err, sizeof(err)) != 0) {
        fprintf(stderr, "calendar: %s\n", err);
        return 1;
    }
    randombytes_buf(key, sizeof(key));
    unsigned char rnd[8];
    randombytes_buf(rnd, sizeof(rnd));
    sodium_bin2hex(run_id, sizeof(run_id), rnd, sizeof(rnd)); /* ops/test runs this twice on one database */

    o.pool_size = 3;
    o.queue_max = 2 * MAX_CALLS; /* the burst waits for connections */
    uv_loop_init(&loop);
    pool = wz_db_pool_create(&loop, &o);
    RUN(test_keyword_routing);
    RUN(test_no_rule_waits_for_a_dispatcher);
    RUN(test_direct_unit_and_account_rule);
    RUN(test_retries_are_deduplicated);
    RUN(test_concurrent_twins);
    RUN(test_burst_shares_number_blocks);
    wz_db_pool_close(pool, on_closed, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    wz_db_pool_free(pool);
    CHECK_INT(uv_loop_close(&loop), 0);
    wz_cal_free(&cal);
    mysql_close(admin);
    return CHECK_DONE();
}
