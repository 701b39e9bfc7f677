#include "tickets/privacy.h"
#include "check.h"
#include <stdlib.h>

/* Masks a C string and compares it with want, length included. A macro, so that a failure
 * names the test's line. */
#define CHECK_MASK(in, want)                                                                                           \
    do {                                                                                                               \
        size_t mlen_ = 0;                                                                                              \
        char *masked_ = wz_pii_mask((in), strlen(in), &mlen_);                                                         \
        CHECK_STR(masked_, (want));                                                                                    \
        CHECK_INT(mlen_, strlen(want));                                                                                \
        free(masked_);                                                                                                 \
    } while (0)

/* How many numbers a C string holds. */
static size_t count(const char *s)
{
    return wz_pii_find(s, strlen(s), NULL, 0);
}

/* Finds the only number in s; returns 0 (and a zeroed span) unless there is exactly one. */
static int find_one(const char *s, wz_pii_span_t *sp)
{
    memset(sp, 0, sizeof(*sp));
    return wz_pii_find(s, strlen(s), sp, 1) == 1;
}

static void test_id_card(void)
{
    wz_pii_span_t sp;
    /* next to hanzi on both sides */
    CHECK(find_one("身份证110101199003071234号", &sp));
    CHECK_INT(sp.kind, WZ_PII_ID_CARD);
    CHECK_INT(sp.start, strlen("身份证"));
    CHECK_INT(sp.len, 18);
    CHECK_MASK("身份证110101199003071234号", "身份证110101********1234号");
    /* X and x as the check character; the whole text; at the end after punctuation */
    CHECK(find_one("11010519491231002X", &sp));
    CHECK_INT(sp.start, 0);
    CHECK_INT(sp.len, 18);
    CHECK_MASK("11010519491231002X", "110105********002X");
    CHECK_MASK("本人身份证号码：11010519491231002x", "本人身份证号码：110105********002x");
    CHECK_MASK("440304198512305618，请核实。", "440304********5618，请核实。");
    /* X only as the last character */
    CHECK_INT(count("1101051949123100X2"), 0);
    CHECK_INT(count("11010519491231X002"), 0);
}

static void test_id_card_boundaries(void)
{
    CHECK_INT(count("编号11010119900307123结束"), 0);   /* 17 digits */
    CHECK_INT(count("编号1101011990030712345结束"), 0); /* 19 digits */
    CHECK_INT(count("11010119900307123412345678"), 0);  /* 26 digits */
    CHECK_INT(count("A110101199003071234"), 0);         /* part of a code */
    CHECK_INT(count("110101199003071234B"), 0);
    CHECK_INT(count("110101199003071234X"), 0);    /* 19 characters */
    CHECK_INT(count("ＡＢ110101199003071234"), 0); /* full-width letters count as letters */
    CHECK_INT(count("0.110101199003071234"), 0);   /* a decimal, not an ID */
    CHECK_INT(count("110101199003071234.5"), 0);
    CHECK_INT(count("第1.110101199003071234条"), 0);     /* "1." still reads as a decimal point */
    CHECK_INT(count("身份证：110101199003071234。"), 1); /* a sentence-ending full stop is fine */
    CHECK_INT(count("证号110101199003071234."), 1);      /* so is an ASCII one at the end */
    CHECK_INT(count("(110101199003071234)"), 1);
    CHECK_INT(count("身份证 110101199003071234 已登记"), 1);
}

static void test_id_card_dates(void)
{
    CHECK_INT(count("110101199013071234"), 0); /* month 13 */
    CHECK_INT(count("110101199000071234"), 0); /* month 00 */
    CHECK_INT(count("110101199001321234"), 0); /* 32 January */
    CHECK_INT(count("110101199004311234"), 0); /* 31 April */
    CHECK_INT(count("110101199003001234"), 0); /* day 00 */
    CHECK_INT(count("110101202302291234"), 0); /* 2023 is not a leap year */
    CHECK_INT(count("110101202402291234"), 1);
    CHECK_INT(count("110101190002291234"), 0); /* nor is 1900 */
    CHECK_INT(count("110101200002291234"), 1); /* but 2000 is */
    CHECK_INT(count("110101189912311234"), 0); /* before 1900 */
    CHECK_INT(count("110101190001011234"), 1);
    CHECK_INT(count("110101210012311234"), 1);
    CHECK_INT(count("110101210101011234"), 0); /* after 2100 */
}

static void test_id_card_region(void)
{
    CHECK_INT(count("010101199003071234"), 0); /* first digit 0 */
    CHECK_INT(count("201010199003071234"), 0); /* no province 20 */
    CHECK_INT(count("661010199003071234"), 0);
    CHECK_INT(count("861010199003071234"), 0);
    CHECK_INT(count("971010199003071234"), 0);
    CHECK_INT(count("651010199003071234"), 1);
    CHECK_INT(count("810000199003071234"), 1); /* Hong Kong residents' residence permit */
    CHECK_INT(count("911101199003071234"), 1); /* foreigner's permanent residence card (2023) */
}

static void test_id_card_check_digit(void)
{
    /* 110101199003071233 has the right check digit; ...1234 (the masking example of the
     * content rules) does not. Both are found: a mistyped ID still names a person. */
    CHECK_INT(count("110101199003071233"), 1);
    CHECK_INT(count("110101199003071234"), 1);
    CHECK_INT(count("11010119900307123X"), 1);
}

static void test_id_card_15(void)
{
    wz_pii_span_t sp;
    CHECK(find_one("老身份证110101900307123已作废", &sp));
    CHECK_INT(sp.kind, WZ_PII_ID_CARD);
    CHECK_INT(sp.start, strlen("老身份证"));
    CHECK_INT(sp.len, 15);
    /* the first 6 and last 4 characters stay, as in the 18-digit form */
    CHECK_MASK("老身份证110101900307123已作废", "老身份证110101*****7123已作废");
    /* with only 3 kept, "138" and the groups after it would be a mobile in the masked text */
    CHECK_MASK("110101900307138-1234-5678", "110101*****7138-1234-5678");
    CHECK_INT(count("110101901307123"), 0);  /* month 13 */
    CHECK_INT(count("110101000229123"), 0);  /* 1900-02-29 */
    CHECK_INT(count("110101960229123"), 1);  /* 1996-02-29 */
    CHECK_INT(count("008613812345678"), 1);  /* 15 digits, but a prefixed mobile */
    CHECK_INT(count("861010900307123"), 0);  /* an IMEI-like run: no province 86 */
    CHECK_INT(count("1101019003071234"), 0); /* 16 digits */
}

static void test_mobile(void)
{
    wz_pii_span_t sp;
    CHECK(find_one("请联系13812345678谢谢", &sp));
    CHECK_INT(sp.kind, WZ_PII_MOBILE);
    CHECK_INT(sp.start, strlen("请联系"));
    CHECK_INT(sp.len, 11);
    CHECK_MASK("请联系13812345678谢谢", "请联系138****5678谢谢");
    CHECK_MASK("19912345678", "199****5678");
    CHECK_MASK("您好，我的电话是15912345678。", "您好，我的电话是159****5678。");
    CHECK_INT(count("12812345678"), 0); /* no 12x prefix */
    CHECK_INT(count("10012345678"), 0);
    CHECK_INT(count("23812345678"), 0);
    CHECK_INT(count("1381234567"), 0);   /* 10 digits */
    CHECK_INT(count("138123456789"), 0); /* 12 digits */
    CHECK_INT(count("订单号213812345678"), 0);
    CHECK_INT(count("SF13812345678"), 0); /* a waybill-like code */
    CHECK_INT(count("13812345678x"), 0);
}

static void test_mobile_separators(void)
{
    wz_pii_span_t sp;
    CHECK(find_one("电话：138 1234 5678，白天打", &sp));
    CHECK_INT(sp.start, strlen("电话："));
    CHECK_INT(sp.len, 13);
    CHECK_MASK("电话：138 1234 5678，白天打", "电话：138 **** 5678，白天打");
    CHECK_MASK("138-1234-5678", "138-****-5678");
    CHECK_MASK("138 12345678", "138 ****5678");
    CHECK_MASK("1381234-5678", "138****-5678");
    CHECK_MASK("138－1234－5678", "138－****－5678");                 /* full-width hyphen */
    CHECK_MASK("138\u30001234\u30005678", "138\u3000****\u30005678"); /* ideographic space */
    CHECK_INT(count("138  1234 5678"), 0);                            /* one separator at most */
    CHECK_INT(count("13 81234 5678"), 0);                             /* grouped 3-4-4 only */
    CHECK_INT(count("138-1234-56789"), 0);
    CHECK_INT(count("138/1234/5678"), 0);
}

static void test_mobile_prefix(void)
{
    wz_pii_span_t sp;
    CHECK(find_one("手机+8613812345678", &sp));
    CHECK_INT(sp.kind, WZ_PII_MOBILE);
    CHECK_INT(sp.start, strlen("手机")); /* the prefix is part of the span */
    CHECK_INT(sp.len, 14);
    CHECK_MASK("手机+8613812345678", "手机+86138****5678"); /* and stays visible */
    CHECK_MASK("+86 138 1234 5678", "+86 138 **** 5678");
    CHECK_MASK("+86-138-1234-5678", "+86-138-****-5678");
    CHECK_MASK("8613812345678", "86138****5678");
    CHECK_MASK("0086 13812345678", "0086 138****5678");
    CHECK_MASK("＋８６１３８１２３４５６７８", "＋８６１３８****５６７８");
    CHECK(find_one("(+86)13812345678", &sp)); /* in brackets the prefix stays outside */
    CHECK_INT(sp.start, strlen("(+86)"));
    CHECK_INT(sp.len, 11);
    CHECK_INT(count("+85213812345678"), 0); /* not a mainland prefix */
    CHECK_INT(count("8713812345678"), 0);
    CHECK_INT(count("00861381234567"), 0);
}

static void test_fullwidth(void)
{
    wz_pii_span_t sp;
    CHECK(find_one("手机１３８１２３４５６７８", &sp));
    CHECK_INT(sp.start, strlen("手机"));
    CHECK_INT(sp.len, 33);
    /* each masked full-width digit becomes one ASCII '*' */
    CHECK_MASK("手机１３８１２３４５６７８", "手机１３８****５６７８");
    CHECK_MASK("身份证１１０１０５１９４９１２３１００２Ｘ", "身份证１１０１０５********００２Ｘ");
    CHECK_MASK("１１０１０５１９４９１２３１００２ｘ", "１１０１０５********００２ｘ");
    /* mixtures, as an input method switched half-way */
    CHECK_MASK("138１２３４5678", "138****5678");
    CHECK_MASK("110101１９９００３０７1234", "110101********1234");
    CHECK_MASK("１３８ 1234 ５６７８", "１３８ **** ５６７８");
    CHECK_INT(count("１３８１２３４５６７８９"), 0); /* 12 digits */
    CHECK_INT(count("Ｔ１３８１２３４５６７８"), 0);
    CHECK_INT(count("１３８１２３４５６７８．５"), 0); /* a full-width decimal point */
    size_t n;
    char *m = wz_pii_mask("１３８１２３４５６７８", strlen("１３８１２３４５６７８"), &n);
    CHECK_INT(n, 33 - 4 * 2);
    free(m);
}

static void test_not_personal(void)
{
    /* ticket numbers, dates, times, amounts, public phone numbers, bank and credit codes */
    CHECK_INT(count("您的工单号WZ20261122000123已受理"), 0);
    CHECK_INT(count("工单WZ20261122000123，请于2026-11-29前答复"), 0);
    CHECK_INT(count("2026年11月22日 15:30"), 0);
    CHECK_INT(count("20261122153000"), 0);
    CHECK_INT(count("补贴金额13812345.00元"), 0);
    CHECK_INT(count("年度预算13812345678.50元"), 0);
    CHECK_INT(count("比例为0.13812345678"), 0);
    CHECK_INT(count("¥1,381,234,5678"), 0);
    CHECK_INT(count("咨询电话0571-88881234或12345热线"), 0);
    CHECK_INT(count("账号6222021234567890123"), 0); /* 19 digits */
    CHECK_INT(count("卡号6222 0212 3456 7890"), 0);
    CHECK_INT(count("统一社会信用代码91110108MA01C8XX3P"), 0);
    CHECK_INT(count("快递单号JD0012345678901"), 0);
    CHECK_INT(count("IMEI 861234567890123"), 0);
    CHECK_INT(count("文号〔2026〕13号第138条"), 0);
}

static void test_several(void)
{
    const char *s = "13812345678张三，身份证110101199003071234，家属电话+86 159 1234 5678，"
                    "工单WZ20261122000123；备用１３９１２３４５６７８";
    wz_pii_span_t sp[8];
    size_t n = wz_pii_find(s, strlen(s), sp, 8);
    CHECK_INT(n, 4);
    CHECK_INT(sp[0].kind, WZ_PII_MOBILE);
    CHECK_INT(sp[0].start, 0);
    CHECK_INT(sp[0].len, 11);
    CHECK_INT(sp[1].kind, WZ_PII_ID_CARD);
    CHECK_INT(sp[1].start, strlen("13812345678张三，身份证"));
    CHECK_INT(sp[2].kind, WZ_PII_MOBILE);
    CHECK(memcmp(s + sp[2].start, "+86 159 1234 5678", sp[2].len) == 0);
    CHECK_INT(sp[3].kind, WZ_PII_MOBILE);
    CHECK_INT(sp[3].start + sp[3].len, strlen(s)); /* at the very end */
    for (size_t i = 1; i < n; i++)
        CHECK(sp[i].start >= sp[i - 1].start + sp[i - 1].len);
    CHECK_MASK(s, "138****5678张三，身份证110101********1234，家属电话+86 159 **** 5678，"
                  "工单WZ20261122000123；备用１３９****５６７８");
    /* two numbers separated only by a separator, a comma, a slash */
    CHECK_INT(count("13812345678 13912345678"), 2);
    CHECK_INT(count("13812345678,13912345678"), 2);
    CHECK_INT(count("13812345678/110101199003071234"), 2);
}

static void test_max(void)
{
    const char *s = "甲13812345678乙13912345678丙110101199003071234";
    size_t len = strlen(s);
    CHECK_INT(wz_pii_find(s, len, NULL, 0), 3); /* counting only */
    wz_pii_span_t sp[3], all[3];
    memset(sp, 0x5A, sizeof(sp)); /* both, so that their padding compares equal */
    memset(all, 0x5A, sizeof(all));
    CHECK_INT(wz_pii_find(s, len, sp, 1), 3);
    CHECK_INT(wz_pii_find(s, len, all, 3), 3);
    CHECK(memcmp(&sp[0], &all[0], sizeof(sp[0])) == 0);
    const unsigned char *rest = (const unsigned char *)&sp[1];
    int untouched = 1;
    for (size_t i = 0; i < 2 * sizeof(sp[0]); i++)
        untouched &= rest[i] == 0x5A;
    CHECK(untouched);
    CHECK_INT(all[2].kind, WZ_PII_ID_CARD);
}

static void test_invalid_utf8(void)
{
    /* Octal escapes (three digits at most) so that a byte can stand right before a digit. */
    wz_pii_span_t sp;
    /* a truncated 3-byte sequence must not swallow the digits after it */
    CHECK(find_one("\345\27013812345678", &sp));
    CHECK_INT(sp.start, 2);
    CHECK_INT(sp.len, 11);
    CHECK_MASK("\345\27013812345678", "\345\270138****5678");
    CHECK(find_one("\357\27413812345678\303", &sp)); /* half a full-width digit, then a cut */
    CHECK_INT(sp.start, 2);
    CHECK_MASK("\377\37613812345678\x80\x80", "\377\376138****5678\x80\x80");
    CHECK_MASK("\300\26113812345678", "\300\261138****5678"); /* an overlong '1' is no digit */
    CHECK_INT(count("1381234567\xef\xbc"), 0);
    CHECK_INT(count("\xef\xbc\x91\xef\xbc"), 0);
    /* a length that cuts the last full-width digit in half: 10 digits and two stray bytes */
    const char *fw = "１３８１２３４５６７８";
    CHECK_INT(wz_pii_find(fw, strlen(fw) - 1, NULL, 0), 0);
    CHECK_INT(wz_pii_find(fw, strlen(fw), NULL, 0), 1);
    /* NUL bytes are ordinary characters and are copied */
    const char nul[] = "a\00013812345678\000b";
    size_t n;
    char *m = wz_pii_mask(nul, sizeof(nul) - 1, &n);
    CHECK_INT(n, sizeof(nul) - 1);
    CHECK(memcmp(m, "a\000138****5678\000b", n + 1) == 0);
    free(m);
}

static void test_empty(void)
{
    wz_pii_span_t sp;
    CHECK_INT(wz_pii_find("", 0, &sp, 1), 0);
    CHECK_INT(wz_pii_find(NULL, 0, NULL, 0), 0);
    size_t n = 99;
    char *m = wz_pii_mask(NULL, 0, &n);
    CHECK(m != NULL && m[0] == '\0');
    CHECK_INT(n, 0);
    free(m);
    CHECK_MASK("没有个人信息的留言。", "没有个人信息的留言。");
    m = wz_pii_mask("13812345678", 11, NULL); /* outlen may be NULL */
    CHECK_STR(m, "138****5678");
    free(m);
}

static void test_mask_idempotent(void)
{
    const char *texts[] = {
        "身份证110101199003071234号，电话138-1234-5678",
        "+86 138 1234 5678 / 0086 13912345678 / 8615912345678",
        "１１０１０５１９４９１２３１００２Ｘ，１３８１２３４５６７８",
        "老证110101900307123，新证11010519491231002x",
        "110101900307138－1234５678，110101199003071381 2345678",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        size_t n1, n2;
        char *once = wz_pii_mask(texts[i], strlen(texts[i]), &n1);
        CHECK(count(texts[i]) > 0);
        CHECK_INT(wz_pii_find(once, n1, NULL, 0), 0);
        char *twice = wz_pii_mask(once, n1, &n2);
        CHECK_INT(n2, n1);
        CHECK_STR(twice, once);
        free(once);
        free(twice);
    }
}

static void test_span_alone(void)
{
    /* a span cut out of its text is one whole match again: callers mask it on its own to
     * name it in an error message without repeating the number */
    const char *s = "请联系+86 138 1234 5678或身份证１１０１０５１９４９１２３１００２Ｘ";
    wz_pii_span_t sp[2], one;
    CHECK_INT(wz_pii_find(s, strlen(s), sp, 2), 2);
    for (size_t i = 0; i < 2; i++) {
        CHECK_INT(wz_pii_find(s + sp[i].start, sp[i].len, &one, 1), 1);
        CHECK_INT(one.start, 0);
        CHECK_INT(one.len, sp[i].len);
        CHECK_INT(one.kind, sp[i].kind);
    }
}

static void test_kind_name(void)
{
    CHECK_STR(wz_pii_kind_name(WZ_PII_ID_CARD), "身份证号");
    CHECK_STR(wz_pii_kind_name(WZ_PII_MOBILE), "手机号");
    CHECK_STR(wz_pii_kind_name((wz_pii_kind_t)0), "个人号码");
}

int main(void)
{
    RUN(test_id_card);
    RUN(test_id_card_boundaries);
    RUN(test_id_card_dates);
    RUN(test_id_card_region);
    RUN(test_id_card_check_digit);
    RUN(test_id_card_15);
    RUN(test_mobile);
    RUN(test_mobile_separators);
    RUN(test_mobile_prefix);
    RUN(test_fullwidth);
    RUN(test_not_personal);
    RUN(test_several);
    RUN(test_max);
    RUN(test_invalid_utf8);
    RUN(test_empty);
    RUN(test_mask_idempotent);
    RUN(test_span_alone);
    RUN(test_kind_name);
    return CHECK_DONE();
}
