/*
 * fuzz/replay.c - runs a fuzz target on saved inputs, without a fuzzing engine.
 *
 *   replay-frame FILE|DIR ...
 *
 * Each FILE, and each regular file directly inside each DIR (names starting with
 * '.' skipped, sorted by name so runs are repeatable), is read into a buffer of
 * exactly its size and passed to LLVMFuzzerTestOneInput. The last line is
 *   fuzz-<target>: N passed, 0 failed
 * and the exit status is 0 only if at least one input ran. An input that breaks a
 * property aborts the process; a SIGABRT handler then prints
 *   fuzz-<target>: N passed, 1 failed (FILE)
 * naming the input, and the process dies of the signal. Sanitizer reports are made
 * to abort as well (see the default options below), so they are named the same way.
 *
 * Build: cc [sanitizers] -DFUZZ_TARGET_NAME='"frame"' fuzz/frame.c fuzz/replay.c core...
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

#ifndef FUZZ_TARGET_NAME
#define FUZZ_TARGET_NAME "target"
#endif

/* Make sanitizer reports end in abort() (and so in the handler below). Used only
 * when the binary is built with the sanitizers; harmless otherwise. */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);
const char *__asan_default_options(void)
{
    return "abort_on_error=1:handle_abort=0";
}
const char *__ubsan_default_options(void)
{
    return "abort_on_error=1:print_stacktrace=1:halt_on_error=1";
}

static const char *volatile g_current = "";
static volatile unsigned long g_passed;

static void put(const char *s)
{
    size_t n = strlen(s);
    while (n > 0U) {
        ssize_t w = write(2, s, n);
        if (w <= 0) {
            return;
        }
        s += w;
        n -= (size_t)w;
    }
}

static void on_abort(int sig)
{
    char num[24];
    size_t i = sizeof num - 1U;
    unsigned long v = g_passed;
    num[i] = '\0';
    do {
        i--;
        num[i] = (char)('0' + (v % 10U));
        v /= 10U;
    } while ((v > 0U) && (i > 0U));
    put("fuzz-" FUZZ_TARGET_NAME ": ");
    put(&num[i]);
    put(" passed, 1 failed (");
    put(g_current);
    put(")\n");
    (void)signal(sig, SIG_DFL);
    (void)raise(sig);
}

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    long len;
    uint8_t *buf;
    if (f == NULL) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    if ((fseek(f, 0L, SEEK_END) != 0) || ((len = ftell(f)) < 0) || (fseek(f, 0L, SEEK_SET) != 0)) {
        fprintf(stderr, "replay: cannot size %s\n", path);
        (void)fclose(f);
        return -1;
    }
    buf = malloc((size_t)len); /* exact size: an over-read is an ASan report */
    if ((len > 0) && ((buf == NULL) || (fread(buf, 1U, (size_t)len, f) != (size_t)len))) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        free(buf);
        (void)fclose(f);
        return -1;
    }
    (void)fclose(f);
    g_current = path;
    (void)LLVMFuzzerTestOneInput(buf, (size_t)len);
    g_current = "";
    free(buf);
    g_passed++;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0U;
    size_t cap = 0U;
    size_t i;
    int rc = 0;
    if (d == NULL) {
        fprintf(stderr, "replay: cannot open directory %s\n", dir);
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        if (n == cap) {
            char **grown;
            cap = (cap == 0U) ? 64U : 2U * cap;
            grown = realloc(names, cap * sizeof *names);
            if (grown == NULL) {
                rc = -1;
                break;
            }
            names = grown;
        }
        names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2U);
        if (names[n] == NULL) {
            rc = -1;
            break;
        }
        sprintf(names[n], "%s/%s", dir, e->d_name);
        n++;
    }
    (void)closedir(d);
    if (n > 0U) {
        qsort(names, n, sizeof *names, by_name);
    }
    for (i = 0U; i < n; i++) {
        struct stat st;
        if ((rc == 0) && (stat(names[i], &st) == 0) && S_ISREG(st.st_mode)) {
            rc = run_file(names[i]);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    int i;
    int rc = 0;
    (void)signal(SIGABRT, on_abort);
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR ...\n", argv[0]);
        return 2;
    }
    for (i = 1; (i < argc) && (rc == 0); i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: no such file or directory: %s\n", argv[i]);
            rc = -1;
        } else if (S_ISDIR(st.st_mode)) {
            rc = run_dir(argv[i]);
        } else {
            rc = run_file(argv[i]);
        }
    }
    if (rc != 0) {
        printf("fuzz-%s: %lu passed, 1 failed (could not read the inputs)\n", FUZZ_TARGET_NAME,
               (unsigned long)g_passed);
        return 1;
    }
    if (g_passed == 0U) {
        printf("fuzz-%s: 0 passed, 1 failed (no inputs)\n", FUZZ_TARGET_NAME);
        return 1;
    }
    printf("fuzz-%s: %lu passed, 0 failed\n", FUZZ_TARGET_NAME, (unsigned long)g_passed);
    return 0;
}
