/* The statistics export's pure parts: CSV cells and the whole CSV of a small document, numbers
 * that read back exactly, sheet names, Content-Disposition, the layout parser, the column
 * table; and that the XLSX writer produces a zip and refuses a malformed document. (The XLSX is
 * read back cell by cell in tests/integration/test_export.py.) */
#include "check.h"
#include "stats/export.h"
#include <stdlib.h>
#include <unistd.h>

/* Runs fn on a memory stream and returns what it wrote (caller frees). */
static char *csv_cell(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CHECK(wz_export_csv_text(f, s, strlen(s)) == 0);
    fclose(f);
    return buf;
}

static void test_csv_cells(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"住建局", "住建局"},
        {"", ""},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"line\nbreak", "\"line\nbreak\""},
        {"cr\rhere", "\"cr\rhere\""},
        {"=1+1", "'=1+1"},
        {"+86", "'+86"},
        {"-2", "'-2"},
        {"@SUM(A1)", "'@SUM(A1)"},
        {"\tx", "'\tx"},
        {"=HYPERLINK(\"x\",\"y\")", "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\""},
        {"a=b", "a=b"}, /* only a leading sign is evaluated */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = csv_cell(cases[i].in);
        CHECK_STR(got, cases[i].out);
        free(got);
    }
    CHECK(wz_export_csv_needs_guard("=", 1));
    CHECK(!wz_export_csv_needs_guard("1=", 2));
    CHECK(!wz_export_csv_needs_guard("", 0));
}

static void test_doubles(void)
{
    char b[40];
    static const double vals[] = {2.0 / 3.0, 1.0 / 3.0, 0.1, 1, 0, 0.5, 1e-9, 123.456, 1.0 / 7.0};
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        CHECK(wz_export_format_double(vals[i], b, sizeof(b)) > 0);
        CHECK(strtod(b, NULL) == vals[i]); /* exact */
    }
    wz_export_format_double(0.1, b, sizeof(b));
    CHECK_STR(b, "0.1"); /* and short when it can be */
    wz_export_format_double(1, b, sizeof(b));
    CHECK_STR(b, "1");
    wz_export_format_double(2.0 / 3.0, b, sizeof(b));
    CHECK_STR(b, "0.6666666666666666");
    CHECK(wz_export_format_double(2.0 / 3.0, b, 4) < 0);
}

static void test_sheet_names(void)
{
    char b[200];
    CHECK_INT(wz_export_sheet_name("单位×时段", b, sizeof(b)), strlen("单位×时段"));
    CHECK_STR(b, "单位×时段");
    wz_export_sheet_name("a[b]c:d*e?f/g\\h", b, sizeof(b));
    CHECK_STR(b, "a_b_c_d_e_f_g_h");
    wz_export_sheet_name("'quoted'", b, sizeof(b));
    CHECK_STR(b, "quoted");
    wz_export_sheet_name("", b, sizeof(b));
    CHECK_STR(b, "Sheet");
    wz_export_sheet_name("''", b, sizeof(b));
    CHECK_STR(b, "Sheet");
    /* 31 characters, not bytes: 40 Chinese characters keep 31 (93 bytes) */
    char in[200] = "";
    for (int i = 0; i < 40; i++)
        memcpy(in + 3 * i, "统", 4);
    CHECK_INT(wz_export_sheet_name(in, b, sizeof(b)), 31 * 3);
    wz_export_sheet_name("abcdefghijklmnopqrstuvwxyz0123456789", b, sizeof(b));
    CHECK_STR(b, "abcdefghijklmnopqrstuvwxyz01234");
    wz_export_sheet_name("bad\xff", b, sizeof(b)); /* a stray byte becomes '_' */
    CHECK_STR(b, "bad_");
}

static void test_content_disposition(void)
{
    char b[1024];
    CHECK(wz_export_content_disposition("统计_2026-11-01_2026-12-01.xlsx", b, sizeof(b)) > 0);
    CHECK_STR(b, "attachment; filename=\"2026-11-01_2026-12-01.xlsx\"; "
                 "filename*=UTF-8''%E7%BB%9F%E8%AE%A1_2026-11-01_2026-12-01.xlsx");
    CHECK(wz_export_content_disposition("统计.csv", b, sizeof(b)) > 0);
    CHECK_STR(b, "attachment; filename=\"export.csv\"; filename*=UTF-8''%E7%BB%9F%E8%AE%A1.csv");
    CHECK(wz_export_content_disposition("a b\"c;.csv", b, sizeof(b)) > 0);
    CHECK_STR(b, "attachment; filename=\"a_b_c.csv\"; filename*=UTF-8''a%20b%22c%3B.csv");
    CHECK(wz_export_content_disposition("", b, sizeof(b)) < 0);
    CHECK(wz_export_content_disposition("a/b.csv", b, sizeof(b)) < 0);
    CHECK(wz_export_content_disposition("a\r\nX: y.csv", b, sizeof(b)) < 0); /* no header injection */
    CHECK(wz_export_content_disposition("bad\xc3.csv", b, sizeof(b)) < 0);
    CHECK(wz_export_content_disposition("\xed\xa0\x80.csv", b, sizeof(b)) < 0); /* a surrogate */
    CHECK(wz_export_content_disposition("统计_2026-11-01_2026-12-01.xlsx", b, 40) < 0);
    char name[64];
    CHECK(wz_export_filename("2026-11-01", "2026-12-01", WZ_EXPORT_XLSX, name, sizeof(name)) > 0);
    CHECK_STR(name, "统计_2026-11-01_2026-12-01.xlsx");
    CHECK(wz_export_filename("2026-11-01", "2026-12-01", WZ_EXPORT_CSV, name, 10) < 0);
}

static void test_layout(void)
{
    wz_export_layout_t l;
    CHECK(wz_export_layout_parse("unit,month", &l) == 0);
    CHECK_INT(l.nkeys, 2);
    CHECK(l.keys[0] == WZ_EXPORT_KEY_UNIT && l.keys[1] == WZ_EXPORT_KEY_PERIOD);
    CHECK(wz_export_layout_parse("account,type", &l) == 0 && l.keys[1] == WZ_EXPORT_KEY_TYPE);
    CHECK(wz_export_layout_parse("day", &l) == 0 && l.nkeys == 1 && l.keys[0] == WZ_EXPORT_KEY_PERIOD);
    CHECK(wz_export_layout_parse("", &l) < 0);
    CHECK(wz_export_layout_parse("unit,", &l) < 0);
    CHECK(wz_export_layout_parse("unit,unit", &l) < 0);
    CHECK(wz_export_layout_parse("unit,month,type", &l) < 0);
    CHECK(wz_export_layout_parse("units", &l) < 0);
    wz_export_format_t f;
    CHECK(wz_export_format_parse("csv", &f) == 0 && f == WZ_EXPORT_CSV);
    CHECK(wz_export_format_parse("xlsx", &f) == 0 && f == WZ_EXPORT_XLSX);
    CHECK(wz_export_format_parse("xls", &f) < 0);
}

static void test_columns(void)
{
    size_t n;
    const wz_export_column_t *c = wz_export_metric_columns(&n);
    CHECK_INT(n, 23); /* 16 counts, 4 rates, 3 hours */
    CHECK_STR(c[0].field, "received");
    CHECK_STR(c[0].title[WZ_EXPORT_LANG_ZH_CN], "受理量");
    CHECK_STR(c[16].field, "reply_rate");
    CHECK(c[16].kind == WZ_EXPORT_COL_RATE);
    CHECK_STR(c[20].title[WZ_EXPORT_LANG_ZH_CN], "平均首次答复时长(工作小时)");
    CHECK(c[22].kind == WZ_EXPORT_COL_HOURS);
    size_t counts = 0;
    for (size_t i = 0; i < n; i++)
        counts += c[i].kind == WZ_EXPORT_COL_COUNT;
    CHECK_INT(counts, 16);
    CHECK_STR(wz_export_key_column(WZ_EXPORT_KEY_UNIT)->title[WZ_EXPORT_LANG_ZH_CN], "单位");
    CHECK_STR(wz_export_key_column(WZ_EXPORT_KEY_PERIOD)->field, "period");
}

static const char *DOC = "{\"rows\": ["
                         " {\"unit_id\": \"3\", \"unit_name\": \"住建局, \\\"一科\\\"\", \"period\": \"2026-11\","
                         "  \"received\": 3, \"replied\": 2, \"reply_rate\": 0.6666666666666666,"
                         "  \"satisfaction_rate\": null, \"first_reply_hours_avg\": 2.5, \"drilldown\": {\"x\": 1}},"
                         " {\"unit_id\": null, \"unit_name\": null, \"period\": \"2026-12\", \"received\": 1}"
                         "], \"totals\": {\"received\": 4, \"replied\": 2, \"reply_rate\": 0.5}}";

static char *write_csv(const char *text, const char *group_by, int *rc)
{
    json_t *doc = json_loads(text, 0, NULL);
    CHECK(doc != NULL);
    wz_export_layout_t l;
    CHECK(wz_export_layout_parse(group_by, &l) == 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    char err[256];
    *rc = wz_export_write_csv(f, doc, &l, err, sizeof(err));
    fclose(f);
    json_decref(doc);
    return buf;
}

static void test_csv_document(void)
{
    int rc;
    char *csv = write_csv(DOC, "unit,month", &rc);
    CHECK_INT(rc, 0);
    const char *want =
        "\xEF\xBB\xBF"
        "单位,时段,受理量,派单量,签收量,按时签收量,答复量,按时答复量,超期量,退单量,转办量,延期量,督办量,重办量,回访量,"
        "满意,基本满意,不满意,回复率,及时率,按时签收率,满意率,平均首次答复时长(工作小时),中位数,P90\r\n"
        "\"住建局, \"\"一科\"\"\",2026-11,3,,,,2,,,,,,,,,,,,0.6666666666666666,,,,2.5,,\r\n"
        "未派单,2026-12,1,,,,,,,,,,,,,,,,,,,,,,\r\n"
        "合计,,4,,,,2,,,,,,,,,,,,0.5,,,,,,\r\n";
    CHECK_STR(csv, want);
    free(csv);

    csv = write_csv("{\"rows\": []}", "channel", &rc); /* no totals: no totals line */
    CHECK_INT(rc, 0);
    CHECK(csv != NULL && strstr(csv, "渠道,受理量") != NULL && strstr(csv, "合计") == NULL);
    free(csv);

    free(write_csv("{\"rows\": [1]}", "unit", &rc));
    CHECK_INT(rc, -2);
    free(write_csv("{\"rows\": [{\"received\": \"3\"}]}", "unit", &rc));
    CHECK_INT(rc, -2);
    free(write_csv("{\"rows\": [{\"unit_name\": 5}]}", "unit", &rc)); /* a number where a name belongs */
    CHECK_INT(rc, 0);
    free(write_csv("{\"totals\": {}}", "unit", &rc));
    CHECK_INT(rc, -2);
    free(write_csv("{\"rows\": [], \"totals\": 3}", "unit", &rc));
    CHECK_INT(rc, -2);
}

static void test_xlsx_writes_a_zip(void)
{
    char path[] = "/tmp/wz-test-export-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    json_t *doc = json_loads(DOC, 0, NULL);
    wz_export_layout_t l;
    wz_export_layout_parse("unit,month", &l);
    char err[256] = "";
    CHECK_INT(wz_export_write_xlsx(path, "/tmp", doc, &l, err, sizeof(err)), 0);
    char magic[4] = {0};
    CHECK(pread(fd, magic, 4, 0) == 4);
    CHECK(memcmp(magic, "PK\x03\x04", 4) == 0);
    json_decref(doc);

    doc = json_loads("{\"rows\": [{\"received\": true}]}", 0, NULL);
    CHECK_INT(wz_export_write_xlsx(path, "/tmp", doc, &l, err, sizeof(err)), -2);
    CHECK(strstr(err, "row 1: received is not a number") != NULL);
    json_decref(doc);
    close(fd);
    unlink(path);
}

int main(void)
{
    RUN(test_csv_cells);
    RUN(test_doubles);
    RUN(test_sheet_names);
    RUN(test_content_disposition);
    RUN(test_layout);
    RUN(test_columns);
    RUN(test_csv_document);
    RUN(test_xlsx_writes_a_zip);
    return CHECK_DONE();
}
