/*
 * lib_sloop.c - the dispatch benchmark on sloop's public watcher API.
 * --backend poll | epoll | epoll-et.
 * Re-arm is sloop_watch_stop + sloop_watch_start, the equivalent of libevent's
 * event_del/event_assign/event_add and libev's ev_io_stop/ev_io_set/ev_io_start.
 * --variant modify re-arms with sloop_watch_modify(w, 0) then
 * sloop_watch_modify(w, SLOOP_READABLE) instead: interest changes are queued
 * and applied once before the next wait, so a net-unchanged interest costs no
 * system call (the way to pause and resume a watcher cheaply).
 * Watchers are level-triggered in every backend, so epoll-et behaves like
 * epoll here (the edge-triggered mode applies to connections).
 * Build with a loop sized for the benchmark, e.g.
 * -DSLOOP_MAX_WATCHERS=10050U -DSLOOP_MAX_CONNS=1U -DSLOOP_MAX_EVENTS=256U.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "sloop.h"

static sloop_loop loop;
static sloop_watch *watches;
static char name[48];
static int use_modify;

static void on_read(sloop_loop *l, sloop_watch w, sloop_fd fd, unsigned events, void *user)
{
    (void)l;
    (void)w;
    (void)fd;
    (void)events;
    bench_on_readable((unsigned)(uintptr_t)user);
}

const char *lib_name(void)
{
    return name;
}

int lib_init(void)
{
    sloop_options opts;
    memset(&opts, 0, sizeof opts);
    if (strcmp(bench_backend, "poll") == 0) opts.backend = SLOOP_BACKEND_POLL;
    else if (strcmp(bench_backend, "epoll") == 0) opts.backend = SLOOP_BACKEND_EPOLL;
    else if (strcmp(bench_backend, "epoll-et") == 0) opts.backend = SLOOP_BACKEND_EPOLL_ET;
    else return -1;
    use_modify = (strcmp(bench_variant, "modify") == 0);
    if (!use_modify && (bench_variant[0] != '\0')) return -1;
    (void)snprintf(name, sizeof name, "sloop-%s%s", bench_backend, use_modify ? "/modify" : "");
    if (bench_n > SLOOP_MAX_WATCHERS) {
        fprintf(stderr, "sloop: built for %u watchers, %u asked\n", (unsigned)SLOOP_MAX_WATCHERS,
                bench_n);
        return -1;
    }
    watches = calloc(bench_n, sizeof *watches);
    return ((watches != NULL) && (sloop_init(&loop, &opts) == SLOOP_OK)) ? 0 : -1;
}

void lib_arm(int first)
{
    unsigned i;
    for (i = 0U; i < bench_n; i++) {
        if (!first && use_modify) {
            if ((sloop_watch_modify(&loop, watches[i], 0U) != SLOOP_OK) ||
                (sloop_watch_modify(&loop, watches[i], SLOOP_READABLE) != SLOOP_OK)) {
                bench_failures++;
            }
            continue;
        }
        if (!first) {
            if (sloop_watch_stop(&loop, watches[i]) != SLOOP_OK) bench_failures++;
        }
        if (sloop_watch_start(&loop, (sloop_fd)bench_fd[i], SLOOP_READABLE, on_read,
                              (void *)(uintptr_t)i, &watches[i]) != SLOOP_OK) {
            bench_failures++;
        }
    }
}

void lib_run_once(void)
{
    if (sloop_run_once(&loop, 0) != SLOOP_OK) bench_failures++;
}

void lib_fini(void)
{
    (void)sloop_close(&loop);
}
