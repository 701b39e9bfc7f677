#include "db/migrate.h"
#include "common/log.h"
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIGRATION_MAX_BYTES (8u << 20)
#define MIGRATE_LOCK_WAIT_S 120

int wz_migration_parse_name(const char *file, int *version, char *name, size_t namelen)
{
    size_t n = strlen(file), digits = 0;
    while (digits < n && isdigit((unsigned char)file[digits]))
        digits++;
    if (digits < 3 || digits > 6 || digits >= n || file[digits] != '_')
        return -1;
    if (n < digits + 1 + 1 + 4 || strcmp(file + n - 4, ".sql") != 0)
        return -1;
    const char *nm = file + digits + 1;
    size_t nmlen = n - 4 - digits - 1;
    if (nmlen == 0 || nmlen >= namelen)
        return -1;
    for (size_t i = 0; i < nmlen; i++)
        if (!(islower((unsigned char)nm[i]) || isdigit((unsigned char)nm[i]) || nm[i] == '_'))
            return -1;
    int v = 0;
    for (size_t i = 0; i < digits; i++)
        v = v * 10 + (file[i] - '0');
    if (v == 0)
        return -1;
    *version = v;
    memcpy(name, nm, nmlen);
    name[nmlen] = '\0';
    return 0;
}

static int cmp_migration(const void *a, const void *b)
{
    return ((const wz_migration_t *)a)->version - ((const wz_migration_t *)b)->version;
}

int wz_migration_list(const char *dir, wz_migration_t **out, size_t *count, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        snprintf(err, errlen, "cannot open schema dir %s: %s", dir, strerror(errno));
        return -1;
    }
    wz_migration_t *list = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        wz_migration_t m;
        if (wz_migration_parse_name(e->d_name, &m.version, m.name, sizeof(m.name)) != 0)
            continue;
        snprintf(m.path, sizeof(m.path), "%s/%s", dir, e->d_name);
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            list = realloc(list, cap * sizeof(*list));
            if (list == NULL)
                abort();
        }
        list[n++] = m;
    }
    closedir(d);
    qsort(list, n, sizeof(*list), cmp_migration);
    for (size_t i = 1; i < n; i++) {
        if (list[i].version == list[i - 1].version) {
            snprintf(err, errlen, "two migrations have version %d", list[i].version);
            free(list);
            return -1;
        }
    }
    *out = list;
    *count = n;
    return 0;
}

MYSQL *wz_db_connect_blocking(const wz_db_login_t *l, int *transient, char *err, size_t errlen)
{
    MYSQL *db = mysql_init(NULL);
    if (db == NULL)
        abort();
    unsigned timeout = 10;
    mysql_options(db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    mysql_options(db, MYSQL_INIT_COMMAND, "SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci, time_zone='+00:00'");
    mysql_options(db, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    int use_socket = l->socket && l->socket[0];
    if (mysql_real_connect(db, use_socket ? "localhost" : l->host, l->user, l->password, l->database,
                           use_socket ? 0 : l->port, use_socket ? l->socket : NULL, CLIENT_MULTI_STATEMENTS) == NULL) {
        snprintf(err, errlen, "cannot connect as %s: %s", l->user, mysql_error(db));
        if (transient != NULL) {
            unsigned e = mysql_errno(db);
            /* refused or gone (server starting, restarting); wrong credentials are final */
            *transient = e == 2002 || e == 2003 || e == 2006 || e == 2013 || e == 1053 || e == 1040;
        }
        mysql_close(db);
        return NULL;
    }
    return db;
}

int wz_db_exec_batch(MYSQL *db, const char *sql, char *err, size_t errlen)
{
    if (mysql_query(db, sql) != 0) {
        snprintf(err, errlen, "%.200s: %s", sql, mysql_error(db));
        return -1;
    }
    /* drain every result of a multi-statement batch */
    int status;
    do {
        MYSQL_RES *r = mysql_store_result(db);
        mysql_free_result(r);
        status = mysql_next_result(db);
        if (status > 0) {
            snprintf(err, errlen, "%s", mysql_error(db));
            return -1;
        }
    } while (status == 0);
    return 0;
}

static const char *create_table_sql = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                      " version INT UNSIGNED NOT NULL PRIMARY KEY,"
                                      " name VARCHAR(128) NOT NULL,"
                                      " checksum CHAR(64) NOT NULL,"
                                      " applied_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"
                                      ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci";

int wz_migration_current(MYSQL *db, char *err, size_t errlen)
{
    if (mysql_query(db, "SELECT COALESCE(MAX(version),0) FROM schema_migrations") != 0) {
        if (mysql_errno(db) == 1146) /* no such table: nothing applied */
            return 0;
        snprintf(err, errlen, "%s", mysql_error(db));
        return -1;
    }
    MYSQL_RES *r = mysql_store_result(db);
    MYSQL_ROW row = r ? mysql_fetch_row(r) : NULL;
    int v = row && row[0] ? (int)strtol(row[0], NULL, 10) : 0;
    mysql_free_result(r);
    return v;
}

static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(MIGRATION_MAX_BYTES + 1);
    if (buf == NULL)
        abort();
    size_t n = fread(buf, 1, MIGRATION_MAX_BYTES + 1, fp);
    fclose(fp);
    if (n > MIGRATION_MAX_BYTES) {
        snprintf(err, errlen, "%s is larger than %u bytes", path, MIGRATION_MAX_BYTES);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static void sha256_hex(const char *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + i * 2, 3, "%02x", md[i]);
}

/* Reads the applied (version, checksum) pairs. */
static int load_applied(MYSQL *db, int **versions, char (**sums)[65], size_t *n, char *err, size_t errlen)
{
    if (mysql_query(db, "SELECT version, checksum FROM schema_migrations ORDER BY version") != 0) {
        snprintf(err, errlen, "%s", mysql_error(db));
        return -1;
    }
    MYSQL_RES *r = mysql_store_result(db);
    size_t rows = r ? (size_t)mysql_num_rows(r) : 0;
    *versions = calloc(rows + 1, sizeof(int));
    *sums = calloc(rows + 1, sizeof(**sums));
    if (*versions == NULL || *sums == NULL)
        abort();
    MYSQL_ROW row;
    size_t i = 0;
    while (r && (row = mysql_fetch_row(r)) != NULL) {
        (*versions)[i] = (int)strtol(row[0], NULL, 10);
        snprintf((*sums)[i], 65, "%s", row[1] ? row[1] : "");
        i++;
    }
    mysql_free_result(r);
    *n = i;
    return 0;
}

static int grant_app_user(MYSQL *db, const char *user, const char *host, char *err, size_t errlen)
{
    if (user == NULL || user[0] == '\0')
        return 0;
    char euser[200], ehost[200];
    if (strlen(user) > 64 || strlen(host) > 64) {
        snprintf(err, errlen, "application user or host name too long");
        return -1;
    }
    mysql_real_escape_string(db, euser, user, (unsigned long)strlen(user));
    mysql_real_escape_string(db, ehost, host, (unsigned long)strlen(host));
    if (mysql_query(db, "SELECT TABLE_NAME, TABLE_COMMENT FROM information_schema.TABLES "
                        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'") != 0) {
        snprintf(err, errlen, "%s", mysql_error(db));
        return -1;
    }
    MYSQL_RES *r = mysql_store_result(db);
    MYSQL_ROW row;
    int ret = 0;
    while (ret == 0 && r && (row = mysql_fetch_row(r)) != NULL) {
        const char *table = row[0], *comment = row[1] ? row[1] : "";
        for (const char *p = table; *p; p++) {
            if (!(isalnum((unsigned char)*p) || *p == '_')) {
                snprintf(err, errlen, "unexpected table name %s", table);
                ret = -1;
                break;
            }
        }
        if (ret != 0)
            break;
        const char *privs = "SELECT, INSERT, UPDATE, DELETE";
        if (strcmp(table, "schema_migrations") == 0)
            privs = "SELECT";
        else if (strncmp(comment, "append-only", 11) == 0)
            privs = "SELECT, INSERT";
        char sql[600];
        /* revoke first so a table that became append-only loses UPDATE/DELETE it had before */
        snprintf(sql, sizeof(sql), "REVOKE ALL PRIVILEGES ON `%s` FROM '%s'@'%s'", table, euser, ehost);
        if (mysql_query(db, sql) != 0 && mysql_errno(db) != 1147 /* no such grant */) {
            snprintf(err, errlen, "%s: %s", sql, mysql_error(db));
            ret = -1;
            break;
        }
        snprintf(sql, sizeof(sql), "GRANT %s ON `%s` TO '%s'@'%s'", privs, table, euser, ehost);
        if (mysql_query(db, sql) != 0) {
            snprintf(err, errlen, "%s: %s", sql, mysql_error(db));
            ret = -1;
        }
    }
    mysql_free_result(r);
    if (ret != 0)
        return ret;
    /* the stored functions the server calls (schema/016_intake_write.sql); they run with their
     * definer's rights, so EXECUTE is all the application user needs */
    if (mysql_query(db, "SELECT ROUTINE_NAME FROM information_schema.ROUTINES "
                        "WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_TYPE = 'FUNCTION'") != 0) {
        snprintf(err, errlen, "%s", mysql_error(db));
        return -1;
    }
    r = mysql_store_result(db);
    while (ret == 0 && r && (row = mysql_fetch_row(r)) != NULL) {
        for (const char *p = row[0]; *p; p++) {
            if (!(isalnum((unsigned char)*p) || *p == '_')) {
                snprintf(err, errlen, "unexpected function name %s", row[0]);
                ret = -1;
                break;
            }
        }
        if (ret != 0)
            break;
        char sql[800];
        snprintf(sql, sizeof(sql), "GRANT EXECUTE ON FUNCTION `%s` TO '%s'@'%s'", row[0], euser, ehost);
        if (mysql_query(db, sql) != 0) {
            snprintf(err, errlen, "%s: %s", sql, mysql_error(db));
            ret = -1;
        }
    }
    mysql_free_result(r);
    return ret;
}

int wz_migrate(MYSQL *db, const char *dir, const char *app_user, const char *app_host, int *applied, char *err,
               size_t errlen)
{
    wz_migration_t *list = NULL;
    size_t n = 0, napplied = 0;
    int *versions = NULL;
    char(*sums)[65] = NULL;
    int ret = -1, locked = 0;
    *applied = 0;

    if (wz_migration_list(dir, &list, &n, err, errlen) != 0)
        return -1;
    /* one migrator at a time, also across servers starting together */
    char lock_sql[80];
    snprintf(lock_sql, sizeof(lock_sql), "SELECT GET_LOCK('wenzheng.migrate', %d)", MIGRATE_LOCK_WAIT_S);
    if (mysql_query(db, lock_sql) != 0) {
        snprintf(err, errlen, "%s", mysql_error(db));
        goto done;
    }
    MYSQL_RES *lr = mysql_store_result(db);
    MYSQL_ROW lrow = lr ? mysql_fetch_row(lr) : NULL;
    locked = lrow && lrow[0] && strcmp(lrow[0], "1") == 0;
    mysql_free_result(lr);
    if (!locked) {
        snprintf(err, errlen, "another migration holds the lock");
        goto done;
    }
    if (wz_db_exec_batch(db, create_table_sql, err, errlen) != 0)
        goto done;
    if (load_applied(db, &versions, &sums, &napplied, err, errlen) != 0)
        goto done;
    int newest_file = n ? list[n - 1].version : 0;
    if (napplied > 0 && versions[napplied - 1] > newest_file) {
        snprintf(err, errlen, "database schema version %d is newer than this build knows (%d): upgrade wenzheng",
                 versions[napplied - 1], newest_file);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        size_t len;
        char *sql = read_file(list[i].path, &len, err, errlen);
        if (sql == NULL)
            goto done;
        char sum[65];
        sha256_hex(sql, len, sum);
        const char *applied_sum = NULL;
        for (size_t k = 0; k < napplied; k++)
            if (versions[k] == list[i].version)
                applied_sum = sums[k];
        if (applied_sum != NULL) {
            free(sql);
            if (strcmp(applied_sum, sum) != 0) {
                snprintf(err, errlen, "migration %03d_%s.sql was changed after it was applied", list[i].version,
                         list[i].name);
                goto done;
            }
            continue;
        }
        wz_info("migrate: applying %03d_%s", list[i].version, list[i].name);
        int ok = wz_db_exec_batch(db, sql, err, errlen);
        free(sql);
        if (ok != 0) {
            char inner[512];
            snprintf(inner, sizeof(inner), "%s", err);
            snprintf(err, errlen, "migration %03d_%s failed: %s", list[i].version, list[i].name, inner);
            goto done;
        }
        char ins[600];
        char ename[300];
        mysql_real_escape_string(db, ename, list[i].name, (unsigned long)strlen(list[i].name));
        snprintf(ins, sizeof(ins), "INSERT INTO schema_migrations (version, name, checksum) VALUES (%d, '%s', '%s')",
                 list[i].version, ename, sum);
        if (wz_db_exec_batch(db, ins, err, errlen) != 0)
            goto done;
        (*applied)++;
    }
    if (grant_app_user(db, app_user, app_host, err, errlen) != 0)
        goto done;
    ret = 0;
done:
    if (locked)
        mysql_query(db, "DO RELEASE_LOCK('wenzheng.migrate')");
    free(list);
    free(versions);
    free(sums);
    return ret;
}
