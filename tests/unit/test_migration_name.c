#include "db/migrate.h"
#include "check.h"
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_parse(void)
{
    int v;
    char name[32];
    CHECK_INT(wz_migration_parse_name("001_core.sql", &v, name, sizeof(name)), 0);
    CHECK_INT(v, 1);
    CHECK_STR(name, "core");
    CHECK_INT(wz_migration_parse_name("0042_sla_timers.sql", &v, name, sizeof(name)), 0);
    CHECK_INT(v, 42);
    CHECK_STR(name, "sla_timers");
    CHECK_INT(wz_migration_parse_name("01_short.sql", &v, name, sizeof(name)), -1);
    CHECK_INT(wz_migration_parse_name("000_zero.sql", &v, name, sizeof(name)), -1);
    CHECK_INT(wz_migration_parse_name("001_.sql", &v, name, sizeof(name)), -1);
    CHECK_INT(wz_migration_parse_name("001_Core.sql", &v, name, sizeof(name)), -1);
    CHECK_INT(wz_migration_parse_name("001_core.sql~", &v, name, sizeof(name)), -1);
    CHECK_INT(wz_migration_parse_name("001-core.sql", &v, name, sizeof(name)), -1);
    CHECK_INT(wz_migration_parse_name("seed", &v, name, sizeof(name)), -1);
    CHECK_INT(wz_migration_parse_name("001_a_very_long_name_that_does_not_fit.sql", &v, name, sizeof(name)), -1);
}

static void touch(const char *dir, const char *file)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    FILE *fp = fopen(path, "w");
    if (fp)
        fclose(fp);
}

static void test_list(void)
{
    char dir[] = "/tmp/wz-migrations-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    touch(dir, "010_ten.sql");
    touch(dir, "002_two.sql");
    touch(dir, "README.md");
    touch(dir, "001_one.sql");
    wz_migration_t *list = NULL;
    size_t n = 0;
    char err[256];
    CHECK_INT(wz_migration_list(dir, &list, &n, err, sizeof(err)), 0);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_INT(list[0].version, 1);
        CHECK_INT(list[1].version, 2);
        CHECK_INT(list[2].version, 10);
        CHECK_STR(list[2].name, "ten");
    }
    free(list);
    touch(dir, "0002_again.sql");
    CHECK_INT(wz_migration_list(dir, &list, &n, err, sizeof(err)), -1);
    CHECK(strstr(err, "version 2") != NULL);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    CHECK_INT(wz_migration_list("/nonexistent/dir", &list, &n, err, sizeof(err)), -1);
}

int main(void)
{
    RUN(test_parse);
    RUN(test_list);
    return CHECK_DONE();
}
