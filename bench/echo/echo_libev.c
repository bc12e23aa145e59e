/*
 * echo_libev.c - the framed echo server of the echo benchmark on libev (epoll).
 * libev has no buffered streams, so this is the usual hand-written pattern: a
 * read watcher per connection, a receive buffer, complete frames written back
 * at once, and a write watcher only while a short write left bytes behind.
 *
 *   echo_libev [--port N]      prints "port N" once listening; runs until killed
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "echo_peer.h"

typedef struct conn {
    ev_io rw, ww;
    size_t rx_len, tx_len, tx_off;
    uint8_t rx[ECHO_RX_BUF];
    uint8_t tx[ECHO_RX_BUF];
} conn;

static struct ev_loop *loop;

static void conn_close(conn *c)
{
    ev_io_stop(loop, &c->rw);
    ev_io_stop(loop, &c->ww);
    close(c->rw.fd);
    free(c);
}

/* Sends what is pending; 0 when all of it went out, 1 if some is left, -1 on error. */
static int conn_flush(conn *c)
{
    while (c->tx_off < c->tx_len) {
        ssize_t n = send(c->rw.fd, c->tx + c->tx_off, c->tx_len - c->tx_off, MSG_NOSIGNAL);
        if (n > 0) {
            c->tx_off += (size_t)n;
        } else if ((n < 0) && (errno == EINTR)) {
            continue;
        } else if ((n < 0) && ((errno == EAGAIN) || (errno == EWOULDBLOCK))) {
            return 1;
        } else {
            return -1;
        }
    }
    c->tx_len = c->tx_off = 0U;
    return 0;
}

static void on_writable(struct ev_loop *l, ev_io *w, int revents)
{
    conn *c = (conn *)((char *)w - offsetof(conn, ww));
    int r = conn_flush(c);
    (void)l;
    (void)revents;
    if (r < 0) {
        conn_close(c);
    } else if (r == 0) {
        ev_io_stop(loop, &c->ww);
    }
}

static void on_readable(struct ev_loop *l, ev_io *w, int revents)
{
    conn *c = (conn *)w; /* rw is the first member */
    size_t done;
    int bad, r;
    ssize_t n = recv(w->fd, c->rx + c->rx_len, ECHO_RX_BUF - c->rx_len, 0);
    (void)l;
    (void)revents;
    if (n <= 0) {
        if ((n < 0) && ((errno == EAGAIN) || (errno == EINTR))) {
            return;
        }
        conn_close(c);
        return;
    }
    c->rx_len += (size_t)n;
    done = echo_complete_prefix(c->rx, c->rx_len, &bad);
    if (bad) {
        conn_close(c);
        return;
    }
    if (done == 0U) {
        return;
    }
    if (c->tx_len + done > sizeof c->tx) {
        conn_close(c); /* not reading its echoes: closed, as sloop does */
        return;
    }
    memcpy(c->tx + c->tx_len, c->rx, done);
    c->tx_len += done;
    memmove(c->rx, c->rx + done, c->rx_len - done);
    c->rx_len -= done;
    if (!ev_is_active(&c->ww)) {
        r = conn_flush(c);
        if (r < 0) {
            conn_close(c);
        } else if (r > 0) {
            ev_io_start(loop, &c->ww);
        }
    }
}

static void on_accept(struct ev_loop *l, ev_io *w, int revents)
{
    int one = 1;
    (void)revents;
    for (;;) {
        conn *c;
        int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            return; /* EAGAIN, or an error to retry at the next event */
        }
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c = malloc(sizeof *c);
        if (c == NULL) {
            close(fd);
            return;
        }
        c->rx_len = c->tx_len = c->tx_off = 0U;
        ev_io_init(&c->rw, on_readable, fd, EV_READ);
        ev_io_init(&c->ww, on_writable, fd, EV_WRITE);
        ev_io_start(l, &c->rw);
    }
}

int main(int argc, char **argv)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    ev_io lw;
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    loop = ev_default_loop(EVBACKEND_EPOLL);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(echo_parse_port(argc, argv));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if ((loop == NULL) || (fd < 0) || (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) ||
        (listen(fd, 1024) != 0) || (getsockname(fd, (struct sockaddr *)&sa, &sl) != 0)) {
        fprintf(stderr, "echo_libev: cannot listen\n");
        return 1;
    }
    ev_io_init(&lw, on_accept, fd, EV_READ);
    ev_io_start(loop, &lw);
    echo_announce(ntohs(sa.sin_port));
    ev_run(loop, 0);
    return 0;
}
