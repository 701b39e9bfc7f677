#ifndef WZ_DEMO_DEMO_H
#define WZ_DEMO_DEMO_H
/* Demo mode: generated keys kept in the data dir, and the demo seed (units, accounts, users and
 * a history of tickets). */
#include "sla/calendar.h"
#include <mysql.h>
#include <stddef.h>
#include <stdint.h>

/** Reads data_dir/demo-keys.json, creating it (mode 0600) with fresh random keys if absent.
 * The returned strings are malloc'd. */
/* The demo mini-program's AppID and AppSecret: demo mode uses them when none are configured. The
 * secret is not a secret: real WeChat knows no such app, only a fake WeChat API does. */
#define WZ_DEMO_MINIPROGRAM_APPID "wx00000000000de0a0"
#define WZ_DEMO_MINIPROGRAM_SECRET "demo-miniprogram-secret-00000000"

int wz_demo_keys(const char *data_dir, char **jwt_secret, char **secret_key, char *err, size_t errlen);
/** Loads schema/seed/demo.sql, the demo users (all with password) and their ticket history into
 * an empty database, in one transaction. Returns 1 if seeded, 0 if the database already had units
 * (nothing done), -1 on error. */
int wz_demo_seed(MYSQL *db, const char *schema_dir, const char *password, char *err, size_t errlen);
/** Inserts about 400 tickets received over the 90 days before now, in every status, with their
 * events, messages, replies, ratings, extensions, open timers and the day counters, as the live
 * rules would have written them on cal. Deterministic for a given seed, cal and now. Needs the
 * demo units, accounts, categories, routing rules and users; runs in the caller's transaction.
 * Returns the number of tickets, or -1 with a message. */
int wz_demo_seed_history(MYSQL *db, const wz_calendar_t *cal, int64_t now, unsigned seed, char *err, size_t errlen);

#endif
