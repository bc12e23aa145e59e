/*
 * lib_libevent.c - the dispatch benchmark on libevent 2 (epoll backend, no
 * changelist), as in libevent's own test/bench.c: event_del, event_assign,
 * event_add; event_base_loop(EVLOOP_ONCE | EVLOOP_NONBLOCK).
 */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"

static struct event_base *base;
static struct event *events;

static void on_read(evutil_socket_t fd, short which, void *arg)
{
    (void)fd;
    (void)which;
    bench_on_readable((unsigned)(uintptr_t)arg);
}

const char *lib_name(void)
{
    return "libevent";
}

int lib_init(void)
{
    struct event_config *cfg = event_config_new();
    if (cfg == NULL) return -1;
    (void)event_config_avoid_method(cfg, "select");
    (void)event_config_avoid_method(cfg, "poll");
    base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    events = calloc(bench_n, sizeof *events);
    return ((base != NULL) && (events != NULL) &&
            (strcmp(event_base_get_method(base), "epoll") == 0)) ? 0 : -1;
}

void lib_arm(int first)
{
    unsigned i;
    for (i = 0U; i < bench_n; i++) {
        if (!first) {
            (void)event_del(&events[i]);
        }
        (void)event_assign(&events[i], base, bench_fd[i], EV_READ | EV_PERSIST, on_read,
                           (void *)(uintptr_t)i);
        if (event_add(&events[i], NULL) != 0) bench_failures++;
    }
}

void lib_run_once(void)
{
    (void)event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
}

void lib_fini(void)
{
    unsigned i;
    for (i = 0U; i < bench_n; i++) (void)event_del(&events[i]);
    event_base_free(base);
}
