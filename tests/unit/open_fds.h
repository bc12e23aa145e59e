/* open_fds.h - Linux-only test helper: how many descriptors the process has open.
 *
 * Tests that must leave nothing behind (a failed init, a lost channel, a failed
 * fork re-initialisation) compare this count before and after. It reads
 * /proc/self/fd, so it exists only on Linux; harness.h stays portable (Wine,
 * freestanding) and does not carry it.
 */
#ifndef SLOOP_TESTS_OPEN_FDS_H
#define SLOOP_TESTS_OPEN_FDS_H

#if defined(__linux__)
#include <dirent.h>

/* The number of open descriptors, not counting the one opendir itself uses;
 * -1 when /proc is not mounted (the caller's comparison then fails loudly). */
static int open_fd_count(void)
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
