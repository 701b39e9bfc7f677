#ifndef WZ_TESTS_DB_ENV_H
#define WZ_TESTS_DB_ENV_H
/* The test database that ops/test starts, as pool options (WZ_TEST_DB_SOCKET, _NAME, _USER,
 * _PASSWORD). Returns -1 with a message when the variables are missing. */
#include "db/db.h"
#include <stdio.h>
#include <stdlib.h>

static inline int test_db_options(wz_db_options_t *o)
{
    const char *sock = getenv("WZ_TEST_DB_SOCKET");
    if (sock == NULL) {
        fprintf(stderr, "WZ_TEST_DB_SOCKET is not set: run the integration tests through ops/test\n");
        return -1;
    }
    *o = (wz_db_options_t){.socket = sock,
                           .user = getenv("WZ_TEST_DB_USER"),
                           .password = getenv("WZ_TEST_DB_PASSWORD"),
                           .database = getenv("WZ_TEST_DB_NAME"),
                           .pool_size = 2,
                           .queue_max = 8,
                           .acquire_timeout_ms = 5000,
                           .query_timeout_ms = 20000,
                           .connect_timeout_ms = 3000};
    return 0;
}

#endif
