#include "demo/demo.h"
#include "auth/password.h"
#include "common/log.h"
#include "db/migrate.h"
#include "sla/calendar_db.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* the history is the same for every demo seeded at the same moment */
#define HISTORY_SEED 20251123u

typedef struct {
    const char *username, *display_name, *role;
    int unit_id;
} demo_user_t;

/* dispatcher and evaluator sit at the city government, so their scope is the whole demo tree */
static const demo_user_t demo_users[] = {
    {"admin", "系统管理员", "admin", 1},
    {"dispatcher", "市级派单员", "dispatcher", 1},
    {"supervisor", "市政府办督查员", "supervisor", 1},
    {"evaluator", "市政府办考核员", "evaluator", 1},
    {"staff_zjj", "住建局办理员", "staff", 3},
    {"reviewer_zjj", "住建局审核员", "reviewer", 3},
    {"staff_rsj", "人社局办理员", "staff", 4},
    {"reviewer_rsj", "人社局审核员", "reviewer", 4},
    {"staff_dcjy", "东城区教育局办理员", "staff", 6},
    {"reviewer_dcjy", "东城区教育局审核员", "reviewer", 6},
    {"staff_donghua", "东华街道办理员", "staff", 7},
    {"staff_xcwj", "西城区卫健局办理员", "staff", 9},
};

static int insert_user(MYSQL *db, const demo_user_t *u, const char *hash, char *err, size_t errlen)
{
    MYSQL_STMT *st = mysql_stmt_init(db);
    const char *sql = "INSERT INTO users (username, display_name, password_hash, role, unit_id) VALUES (?,?,?,?,?)";
    int ret = -1;
    if (mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql)) != 0)
        goto done;
    MYSQL_BIND b[5];
    memset(b, 0, sizeof(b));
    unsigned long lens[4] = {strlen(u->username), strlen(u->display_name), strlen(hash), strlen(u->role)};
    const char *vals[4] = {u->username, u->display_name, hash, u->role};
    for (int i = 0; i < 4; i++) {
        b[i].buffer_type = MYSQL_TYPE_STRING;
        b[i].buffer = (void *)vals[i];
        b[i].buffer_length = lens[i];
        b[i].length = &lens[i];
    }
    long long unit = u->unit_id;
    b[4].buffer_type = MYSQL_TYPE_LONGLONG;
    b[4].buffer = &unit;
    if (mysql_stmt_bind_param(st, b) != 0 || mysql_stmt_execute(st) != 0)
        goto done;
    ret = 0;
done:
    if (ret != 0)
        snprintf(err, errlen, "insert user %s: %s", u->username, mysql_stmt_error(st));
    mysql_stmt_close(st);
    return ret;
}

int wz_demo_seed(MYSQL *db, const char *schema_dir, const char *password, char *err, size_t errlen)
{
    if (mysql_query(db, "SELECT COUNT(*) FROM units") != 0) {
        snprintf(err, errlen, "%s", mysql_error(db));
        return -1;
    }
    MYSQL_RES *r = mysql_store_result(db);
    MYSQL_ROW row = r ? mysql_fetch_row(r) : NULL;
    long units = row && row[0] ? strtol(row[0], NULL, 10) : 0;
    mysql_free_result(r);
    if (units > 0)
        return 0;

    char path[1024];
    snprintf(path, sizeof(path), "%s/seed/demo.sql", schema_dir);
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    static char sql[1 << 20];
    size_t len = fread(sql, 1, sizeof(sql) - 1, fp);
    fclose(fp);
    sql[len] = '\0';

    wz_calendar_t cal;
    wz_cal_init(&cal);
    int tickets = 0;
    struct timespec t0, t1;
    if (wz_db_exec_batch(db, "START TRANSACTION", err, errlen) != 0)
        return -1;
    if (wz_db_exec_batch(db, sql, err, errlen) != 0)
        goto fail;
    for (size_t i = 0; i < sizeof(demo_users) / sizeof(demo_users[0]); i++) {
        char hash[WZ_PASSWORD_HASH_MAX];
        if (wz_password_hash(password, hash) != 0) {
            snprintf(err, errlen, "password hashing failed (out of memory?)");
            goto fail;
        }
        if (insert_user(db, &demo_users[i], hash, err, errlen) != 0)
            goto fail;
    }
    /* the working calendar comes with the schema; the history's deadlines are computed on it */
    if (wz_calendar_load_db(db, &cal, NULL, err, errlen) != 0)
        goto fail;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    tickets = wz_demo_seed_history(db, &cal, (int64_t)time(NULL), HISTORY_SEED, err, errlen);
    if (tickets < 0)
        goto fail;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (wz_db_exec_batch(db, "COMMIT", err, errlen) != 0)
        goto fail;
    wz_cal_free(&cal);
    wz_info("seed: demo data loaded (%zu users, %d historical tickets in %.2f s)",
            sizeof(demo_users) / sizeof(demo_users[0]), tickets,
            (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return 1;
fail:
    wz_cal_free(&cal);
    mysql_query(db, "ROLLBACK");
    return -1;
}
