/* open_fds.h - POSIX test helper: how many descriptors the process has open.
 *
 * Tests that must leave nothing behind (a failed init, a lost channel, a failed
 * fork re-initialisation, a loopback test's connections) compare this count
 * before and after: tests/unit directly, tests/loop through it_fd_count. It
 * reads /proc/self/fd; harness.h stays portable (Wine, freestanding) and does
 * not carry it.
 */
#ifndef SLOOP_TESTS_OPEN_FDS_H
#define SLOOP_TESTS_OPEN_FDS_H

#if !defined(_WIN32)
#include <dirent.h>

/* The number of open descriptors, not counting the one opendir itself uses;
 * -1 without /proc (the caller's comparison then fails loudly). Inline: a test
 * file that uses it only on Linux compiles on other systems without a warning. */
static inline int open_fd_count(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    if (d == NULL) {
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        n += (e->d_name[0] != '.') ? 1 : 0;
    }
    (void)closedir(d);
    return n - 1;
}
#endif

#endif
