/*
 * harness.h - sloop's small portable test harness (header only).
 *
 * Why our own: the tests must also run under Wine and be buildable without a
 * hosted test framework. It needs only stdio. Each check prints both values on
 * failure and never compiles out (unlike assert under NDEBUG). A failing check
 * ends its test at once; the other tests still run.
 *
 *   SL_TEST(frame_splits_header) { SL_CHECK_EQ(x, 3); }
 *   static const sl_test tests[] = { SL_ENTRY(frame_splits_header) };
 *   int main(int argc, char **argv) { return sl_main("frame", tests, SL_COUNT(tests), argc, argv); }
 *
 * Run one test by name: ./test_frame frame_splits_header. List: ./test_frame --list.
 * The last line is "<suite>: N passed, N failed"; exit status 0 only if none failed
 * and at least one ran.
 */
#ifndef SLOOP_TEST_HARNESS_H
#define SLOOP_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>

typedef struct sl_test {
    const char *name;
    void (*fn)(void);
} sl_test;

static int sl_current_failed;

#define SL_TEST(name) static void name(void)
#define SL_ENTRY(name) { #name, name }
#define SL_COUNT(arr) (sizeof(arr) / sizeof((arr)[0]))

static inline void sl_report(const char *file, int line, const char *what)
{
    printf("  check failed at %s:%d: %s\n", file, line, what);
    sl_current_failed = 1;
}

#define SL_CHECK(cond)                                                                     \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            sl_report(__FILE__, __LINE__, #cond);                                          \
            return;                                                                        \
        }                                                                                  \
    } while (0)

#define SL_CHECK_EQ(a, b)                                                                  \
    do {                                                                                   \
        long long sl_a_ = (long long)(a);                                                  \
        long long sl_b_ = (long long)(b);                                                  \
        if (sl_a_ != sl_b_) {                                                              \
            sl_report(__FILE__, __LINE__, #a " == " #b);                                   \
            printf("    left:  %lld\n    right: %lld\n", sl_a_, sl_b_);                     \
            return;                                                                        \
        }                                                                                  \
    } while (0)

#define SL_CHECK_MEM(a, b, n)                                                              \
    do {                                                                                   \
        if (memcmp((a), (b), (size_t)(n)) != 0) {                                          \
            sl_report(__FILE__, __LINE__, "memcmp(" #a ", " #b ", " #n ") == 0");          \
            return;                                                                        \
        }                                                                                  \
    } while (0)

static inline int sl_main(const char *suite, const sl_test *tests, size_t n, int argc,
                          char **argv)
{
    size_t i;
    unsigned passed = 0U;
    unsigned failed = 0U;
    const char *only = (argc > 1) ? argv[1] : NULL;

    if ((only != NULL) && (strcmp(only, "--list") == 0)) {
        for (i = 0U; i < n; i++) {
            printf("%s\n", tests[i].name);
        }
        return 0;
    }
    for (i = 0U; i < n; i++) {
        if ((only != NULL) && (strcmp(only, tests[i].name) != 0)) {
            continue;
        }
        sl_current_failed = 0;
        tests[i].fn();
        if (sl_current_failed != 0) {
            printf("FAIL %s\n", tests[i].name);
            failed++;
        } else {
            passed++;
        }
        fflush(stdout);
    }
    printf("%s: %u passed, %u failed\n", suite, passed, failed);
    return ((failed == 0U) && (passed > 0U)) ? 0 : 1;
}

#endif
