/*
 * lib_libuv.c - the dispatch benchmark on libuv (epoll): uv_poll_t handles,
 * re-armed with uv_poll_stop + uv_poll_start; uv_run(UV_RUN_NOWAIT).
 */
#include <stdint.h>
#include <stdlib.h>
#include <uv.h>

#include "dispatch.h"

static uv_loop_t loop;
static uv_poll_t *polls;

static void on_read(uv_poll_t *h, int status, int events)
{
    (void)status;
    (void)events;
    bench_on_readable((unsigned)(h - polls));
}

const char *lib_name(void)
{
    return "libuv";
}

int lib_init(void)
{
    unsigned i;
    polls = calloc(bench_n, sizeof *polls);
    if ((polls == NULL) || (uv_loop_init(&loop) != 0)) return -1;
    for (i = 0U; i < bench_n; i++) {
        if (uv_poll_init_socket(&loop, &polls[i], bench_fd[i]) != 0) return -1;
    }
    return 0;
}

void lib_arm(int first)
{
    unsigned i;
    for (i = 0U; i < bench_n; i++) {
        if (!first) {
            (void)uv_poll_stop(&polls[i]);
        }
        if (uv_poll_start(&polls[i], UV_READABLE, on_read) != 0) bench_failures++;
    }
}

void lib_run_once(void)
{
    (void)uv_run(&loop, UV_RUN_NOWAIT);
}

static void on_closed(uv_handle_t *h)
{
    (void)h;
}

void lib_fini(void)
{
    unsigned i;
    for (i = 0U; i < bench_n; i++) uv_close((uv_handle_t *)&polls[i], on_closed);
    (void)uv_run(&loop, UV_RUN_DEFAULT);
    (void)uv_loop_close(&loop);
}
