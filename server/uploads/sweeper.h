#ifndef WZ_UPLOADS_SWEEPER_H
#define WZ_UPLOADS_SWEEPER_H
/* Removes photos no message ever named: a citizen who uploads and then gives up leaves an
 * unattached row and file; after max_age_s both go (rows first, in a transaction that locks
 * them, so an intake attaching one at that moment either wins or finds it gone; then the files
 * on the thread pool), and temporary files a crash left behind. One sweeper per process, on
 * worker 0. */
#include "db/db.h"
#include <uv.h>

typedef struct wz_upload_sweeper wz_upload_sweeper_t;

wz_upload_sweeper_t *wz_upload_sweeper_start(uv_loop_t *loop, wz_db_pool_t *pool, const char *data_dir,
                                             unsigned max_age_s, unsigned interval_ms);
/** Stops it; a sweep in flight finishes its file work and then frees it. */
void wz_upload_sweeper_stop(wz_upload_sweeper_t *s);

#endif
