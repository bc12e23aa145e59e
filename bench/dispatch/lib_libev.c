/*
 * lib_libev.c - the dispatch benchmark on libev (epoll backend), as in the
 * native mode of libev's port of bench.c: ev_io_stop, ev_io_set, ev_io_start.
 */
#include <ev.h>
#include <stdlib.h>

#include "dispatch.h"

static struct ev_loop *loop;
static ev_io *watchers;

static void on_read(struct ev_loop *l, ev_io *w, int revents)
{
    (void)l;
    (void)revents;
    bench_on_readable((unsigned)(w - watchers));
}

const char *lib_name(void)
{
    return "libev";
}

int lib_init(void)
{
    loop = ev_loop_new(EVBACKEND_EPOLL);
    watchers = calloc(bench_n, sizeof *watchers);
    return ((loop != NULL) && (watchers != NULL) && (ev_backend(loop) == EVBACKEND_EPOLL)) ? 0 : -1;
}

void lib_arm(int first)
{
    unsigned i;
    for (i = 0U; i < bench_n; i++) {
        if (first) {
            ev_init(&watchers[i], on_read);
        } else {
            ev_io_stop(loop, &watchers[i]);
        }
        ev_io_set(&watchers[i], bench_fd[i], EV_READ);
        ev_io_start(loop, &watchers[i]);
    }
}

void lib_run_once(void)
{
    (void)ev_run(loop, EVRUN_NOWAIT);
}

void lib_fini(void)
{
    ev_loop_destroy(loop);
}
