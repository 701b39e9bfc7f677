#ifndef WZ_STATS_FETCH_H
#define WZ_STATS_FETCH_H
/* The statistics' answer for given parameters, read from the rollups (stats/query.h builds the
 * statements and assembles the rows). GET /stats, /stats/ranking and the export call this. */
#include "stats/query.h"

/** doc (borrowed: incref to keep) is {"rows", "totals", "from", "to"} for a grouping or
 * {"metric", "better", "level", "items", "from", "to"} for a ranking; doc and err both NULL
 * when p->unit_id does not exist or lies outside the caller's scope (404). */
typedef void (*wz_stats_fetch_cb)(void *data, json_t *doc, const wz_db_error_t *err);

/** Runs the statements for p as the caller who (citizens must be refused before). 0, or a
 * WZ_DB_E* code when cb will not be called. p and who are copied. */
int wz_stats_fetch(wz_db_pool_t *pool, const wz_stats_params_t *p, const wz_identity_t *who, wz_stats_fetch_cb cb,
                   void *data);

#endif
