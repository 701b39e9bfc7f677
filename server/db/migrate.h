#ifndef WZ_DB_MIGRATE_H
#define WZ_DB_MIGRATE_H
/* Schema migrations: schema/NNN_name.sql applied in order and recorded in schema_migrations.
 * This uses the blocking client API on purpose: it runs from the CLI and at start-up, before
 * any event loop exists. */
#include <mysql.h>
#include <stddef.h>

typedef struct wz_migration {
    int version;
    char name[128];
    char path[1024];
} wz_migration_t;

typedef struct wz_db_login {
    const char *socket, *host, *user, *password, *database;
    unsigned port;
} wz_db_login_t;

/** Parses "NNN_name.sql" (3+ digits, a name of [a-z0-9_]); returns 0 and fills version and
 * name, or -1 if the file name is not a migration. */
int wz_migration_parse_name(const char *file, int *version, char *name, size_t namelen);
/** Lists migrations in dir sorted by version; duplicate versions are an error. */
int wz_migration_list(const char *dir, wz_migration_t **out, size_t *count, char *err, size_t errlen);
/** Opens a blocking connection (utf8mb4, UTC, multi-statements allowed). On failure returns
 * NULL and, if transient is not NULL, sets it when a retry may help (server not up yet). */
MYSQL *wz_db_connect_blocking(const wz_db_login_t *login, int *transient, char *err, size_t errlen);
/** Runs one statement or a multi-statement batch, draining every result. 0 or -1 with err. */
int wz_db_exec_batch(MYSQL *db, const char *sql, char *err, size_t errlen);
/** Highest applied version (0 if none or the table is missing), or -1 on error. */
int wz_migration_current(MYSQL *db, char *err, size_t errlen);
/** Applies pending migrations under a named lock, verifies checksums of applied ones, then
 * grants the application user (if app_user is non-empty). *applied counts what ran. Refuses
 * when the database is newer than the newest file. */
int wz_migrate(MYSQL *db, const char *dir, const char *app_user, const char *app_host, int *applied, char *err,
               size_t errlen);

#endif
