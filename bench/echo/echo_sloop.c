/*
 * echo_sloop.c - the framed echo server of the echo benchmark on sloop: a
 * listener with 4-byte big-endian length framing; each frame is sent back
 * with sloop_send (sloop adds the header). No timeouts, like the peers.
 *
 *   echo_sloop [--port N] [--backend poll|epoll|epoll-et]
 *
 * Prints "port N" once listening; runs until killed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sloop.h"

static sloop_loop loop;

static void on_frame(sloop_loop *l, sloop_conn c, const uint8_t *data, uint32_t len, void *user)
{
    (void)user;
    if (sloop_send(l, c, data, len) != SLOOP_OK) {
        (void)sloop_conn_abort(l, c); /* a peer that does not read its echoes */
    }
}

static const sloop_handler handler = { NULL, on_frame, NULL, NULL };

int main(int argc, char **argv)
{
    sloop_options opts;
    sloop_listen_options lo;
    sloop_listener listener;
    uint16_t port = 0U;
    int a;

    memset(&opts, 0, sizeof opts);
    memset(&lo, 0, sizeof lo);
    opts.backend = SLOOP_BACKEND_EPOLL;
    lo.addr = "127.0.0.1";
    lo.backlog = 1024;
    lo.conn.framing.mode = SLOOP_FRAME_LENGTH;
    lo.conn.framing.header_size = 4U;
    lo.conn.framing.max_payload = SLOOP_MAX_FRAME;
    lo.handler = &handler;
    for (a = 1; a + 1 < argc; a += 2) {
        if (strcmp(argv[a], "--port") == 0) {
            lo.port = (uint16_t)strtoul(argv[a + 1], NULL, 10);
        } else if (strcmp(argv[a], "--backend") == 0) {
            const char *v = argv[a + 1];
            if (strcmp(v, "poll") == 0) opts.backend = SLOOP_BACKEND_POLL;
            else if (strcmp(v, "epoll") == 0) opts.backend = SLOOP_BACKEND_EPOLL;
            else if (strcmp(v, "epoll-et") == 0) opts.backend = SLOOP_BACKEND_EPOLL_ET;
            else return 2;
        } else {
            return 2;
        }
    }
    if ((sloop_init(&loop, &opts) != SLOOP_OK) || (sloop_listen(&loop, &lo, &listener) != SLOOP_OK) ||
        (sloop_listener_port(&loop, listener, &port) != SLOOP_OK)) {
        fprintf(stderr, "echo_sloop: cannot listen\n");
        return 1;
    }
    printf("port %u\n", (unsigned)port);
    fflush(stdout);
    return (sloop_run(&loop) == SLOOP_OK) ? 0 : 1;
}
