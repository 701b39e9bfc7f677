#ifndef WZ_DEMO_DEMO_H
#define WZ_DEMO_DEMO_H
/* Demo mode: generated keys kept in the data dir, and the demo seed (units, accounts, users). */
#include <mysql.h>
#include <stddef.h>

/** Reads data_dir/demo-keys.json, creating it (mode 0600) with fresh random keys if absent.
 * The returned strings are malloc'd. */
int wz_demo_keys(const char *data_dir, char **jwt_secret, char **secret_key, char *err, size_t errlen);
/** Loads schema/seed/demo.sql and the demo users (all with password) into an empty database.
 * Returns 1 if seeded, 0 if the database already had units (nothing done), -1 on error. */
int wz_demo_seed(MYSQL *db, const char *schema_dir, const char *password, char *err, size_t errlen);

#endif
