#ifndef WZ_AUTH_REVOCATIONS_H
#define WZ_AUTH_REVOCATIONS_H
/* Which access tokens are no longer good although they have not expired: those of disabled
 * users and citizens, and those issued before a user's sessions were revoked (a new password).
 *
 * Tokens are checked without a database round trip, against a snapshot of the revoked subjects
 * that every server reloads from the database every auth.revocation_refresh_ms (and at once on
 * the server that made the change). The snapshot holds only what can matter: disabled subjects
 * and revocations younger than an access token's lifetime. Safe from any thread. */
#include "auth/identity.h"
#include "db/db.h"
#include <pthread.h>
#include <stdint.h>
#include <uv.h>

typedef struct wz_revocation {
    int64_t id;      /* users.id or citizens.id */
    uint8_t citizen; /* which of the two */
    uint8_t disabled;
    int64_t revoked_at; /* UTC seconds, 0 = none */
} wz_revocation_t;

typedef struct wz_revocation_list wz_revocation_list_t;

typedef struct wz_revocations {
    pthread_mutex_t lock;
    wz_revocation_list_t *current;
} wz_revocations_t;

void wz_revocations_init(wz_revocations_t *r);
void wz_revocations_destroy(wz_revocations_t *r);
/** Replaces the snapshot with these entries (copied; any order). */
void wz_revocations_set(wz_revocations_t *r, const wz_revocation_t *entries, size_t n);
/** Whether a verified token must still be refused: its subject is disabled, or its sessions were
 * revoked in a later second than the token was issued. System and unknown roles never are. */
int wz_revocations_refuse(wz_revocations_t *r, const wz_identity_t *who);
/** The number of entries in the current snapshot (for tests and metrics). */
size_t wz_revocations_count(wz_revocations_t *r);

/** Reloads the snapshot from the database on a loop's pool (cb may be NULL). Returns 0 or a
 * WZ_DB_E* code when the query cannot start. */
int wz_revocations_reload(wz_db_pool_t *pool, wz_revocations_t *r, int access_ttl_s, void (*cb)(void *), void *data);

typedef struct wz_revocations_refresher wz_revocations_refresher_t;
wz_revocations_refresher_t *wz_revocations_refresher_start(uv_loop_t *loop, wz_db_pool_t *pool, wz_revocations_t *r,
                                                           int access_ttl_s, unsigned interval_ms);
void wz_revocations_refresher_stop(wz_revocations_refresher_t *f);

#endif
