#ifndef WZ_TESTS_CHECK_H
#define WZ_TESTS_CHECK_H
/* A minimal test harness: CHECK records failures and goes on; the runner prints
 * "N passed, N failed" and exits non-zero on any failure. */
#include <stdio.h>
#include <string.h>

static int check_failed_, check_passed_, check_current_failed_;

#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);                                   \
            check_current_failed_ = 1;                                                                                 \
        }                                                                                                              \
    } while (0)
#define CHECK_STR(a, b)                                                                                                \
    do {                                                                                                               \
        const char *a_ = (a), *b_ = (b);                                                                               \
        if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) {                                                         \
            fprintf(stderr, "%s:%d: CHECK_STR failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__, a_ ? a_ : "(null)",     \
                    b_ ? b_ : "(null)");                                                                               \
            check_current_failed_ = 1;                                                                                 \
        }                                                                                                              \
    } while (0)
#define CHECK_INT(a, b)                                                                                                \
    do {                                                                                                               \
        long long a_ = (long long)(a), b_ = (long long)(b);                                                            \
        if (a_ != b_) {                                                                                                \
            fprintf(stderr, "%s:%d: CHECK_INT failed: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, a_, b_);   \
            check_current_failed_ = 1;                                                                                 \
        }                                                                                                              \
    } while (0)

#define RUN(test)                                                                                                      \
    do {                                                                                                               \
        check_current_failed_ = 0;                                                                                     \
        test();                                                                                                        \
        if (check_current_failed_) {                                                                                   \
            check_failed_++;                                                                                           \
            fprintf(stderr, "FAIL %s\n", #test);                                                                       \
        } else {                                                                                                       \
            check_passed_++;                                                                                           \
        }                                                                                                              \
    } while (0)

#define CHECK_DONE()                                                                                                   \
    (printf("%d passed, %d failed\n", check_passed_, check_failed_), check_failed_ ? 1 : 0)

#endif
