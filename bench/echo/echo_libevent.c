/*
 * echo_libevent.c - the framed echo server of the echo benchmark on libevent 2
 * (epoll), written the idiomatic way: an evconnlistener and one bufferevent
 * per connection; complete frames move from the input to the output buffer
 * without a copy through user memory.
 *
 *   echo_libevent [--port N]   prints "port N" once listening; runs until killed
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "echo_peer.h"

static void on_read(struct bufferevent *bev, void *arg)
{
    struct evbuffer *in = bufferevent_get_input(bev);
    struct evbuffer *out = bufferevent_get_output(bev);
    (void)arg;
    for (;;) {
        uint8_t h[4];
        uint32_t n;
        size_t have = evbuffer_get_length(in);
        if (have < 4U) {
            break;
        }
        (void)evbuffer_copyout(in, h, 4U);
        n = ((uint32_t)h[0] << 24) | ((uint32_t)h[1] << 16) | ((uint32_t)h[2] << 8) | h[3];
        if (n > ECHO_MAX_FRAME) {
            bufferevent_free(bev);
            return;
        }
        if (have < 4U + (size_t)n) {
            break;
        }
        if (evbuffer_get_length(out) + 4U + n > ECHO_RX_BUF) {
            bufferevent_free(bev); /* not reading its echoes: closed, as sloop does */
            return;
        }
        (void)evbuffer_remove_buffer(in, out, 4U + (size_t)n);
    }
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    (void)what;
    (void)arg;
    bufferevent_free(bev); /* EOF or error */
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int sl,
                      void *arg)
{
    struct event_base *base = arg;
    struct bufferevent *bev;
    int one = 1;
    (void)l;
    (void)sa;
    (void)sl;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL) {
        evutil_closesocket(fd);
        return;
    }
    bufferevent_setcb(bev, on_read, NULL, on_event, NULL);
    (void)bufferevent_enable(bev, EV_READ | EV_WRITE);
}

int main(int argc, char **argv)
{
    struct event_config *cfg = event_config_new();
    struct event_base *base;
    struct evconnlistener *lis;
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    (void)event_config_avoid_method(cfg, "select");
    (void)event_config_avoid_method(cfg, "poll");
    base = event_base_new_with_config(cfg);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(echo_parse_port(argc, argv));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    lis = (base == NULL) ? NULL
                         : evconnlistener_new_bind(base, on_accept, base,
                                                   LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 1024,
                                                   (struct sockaddr *)&sa, sizeof sa);
    if ((lis == NULL) || (strcmp(event_base_get_method(base), "epoll") != 0) ||
        (getsockname(evconnlistener_get_fd(lis), (struct sockaddr *)&sa, &sl) != 0)) {
        fprintf(stderr, "echo_libevent: cannot listen (epoll)\n");
        return 1;
    }
    echo_announce(ntohs(sa.sin_port));
    (void)event_base_dispatch(base);
    return 0;
}
