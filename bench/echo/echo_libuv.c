/*
 * echo_libuv.c - the framed echo server of the echo benchmark on libuv, the
 * idiomatic way: uv_tcp_t streams, uv_read_start into the connection's own
 * receive buffer, complete frames written back with uv_try_write, and uv_write
 * of a copy only for what a short write left behind.
 *
 *   echo_libuv [--port N]      prints "port N" once listening; runs until killed
 */
#define _GNU_SOURCE
#include <uv.h>

#include "echo_peer.h"

typedef struct conn {
    uv_tcp_t tcp;
    size_t rx_len;
    size_t queued; /* bytes handed to uv_write and not yet written */
    uint8_t rx[ECHO_RX_BUF];
} conn;

typedef struct wreq {
    uv_write_t req;
    size_t len;
    uint8_t data[];
} wreq;

static uv_loop_t *loop;

static void on_closed(uv_handle_t *h)
{
    free(h);
}

static void conn_close(conn *c)
{
    if (!uv_is_closing((uv_handle_t *)&c->tcp)) {
        uv_close((uv_handle_t *)&c->tcp, on_closed);
    }
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    conn *c = (conn *)h;
    (void)suggested;
    buf->base = (char *)c->rx + c->rx_len;
    buf->len = ECHO_RX_BUF - c->rx_len;
}

static void on_written(uv_write_t *req, int status)
{
    wreq *w = (wreq *)req;
    conn *c = (conn *)req->handle;
    c->queued -= w->len;
    if (status < 0) {
        conn_close(c);
    }
    free(w);
}

static void echo_out(conn *c, const uint8_t *p, size_t len)
{
    int sent = 0;
    if (c->queued == 0U) {
        uv_buf_t b = uv_buf_init((char *)p, (unsigned)len);
        sent = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
        if (sent == UV_EAGAIN) {
            sent = 0;
        } else if (sent < 0) {
            conn_close(c);
            return;
        }
    }
    if ((size_t)sent < len) {
        size_t rest = len - (size_t)sent;
        wreq *w;
        uv_buf_t b;
        if (c->queued + rest > ECHO_RX_BUF) {
            conn_close(c); /* not reading its echoes: closed, as sloop does */
            return;
        }
        w = malloc(sizeof *w + rest);
        if (w == NULL) {
            conn_close(c);
            return;
        }
        w->len = rest;
        memcpy(w->data, p + sent, rest);
        b = uv_buf_init((char *)w->data, (unsigned)rest);
        c->queued += rest;
        if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
            c->queued -= rest;
            free(w);
            conn_close(c);
        }
    }
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    conn *c = (conn *)s;
    size_t done;
    int bad;
    (void)buf;
    if (nread < 0) {
        conn_close(c);
        return;
    }
    c->rx_len += (size_t)nread;
    done = echo_complete_prefix(c->rx, c->rx_len, &bad);
    if (bad) {
        conn_close(c);
        return;
    }
    if (done > 0U) {
        echo_out(c, c->rx, done);
        memmove(c->rx, c->rx + done, c->rx_len - done);
        c->rx_len -= done;
    }
}

static void on_connection(uv_stream_t *server, int status)
{
    conn *c;
    if (status < 0) {
        return;
    }
    c = malloc(sizeof *c);
    if (c == NULL) {
        return;
    }
    c->rx_len = 0U;
    c->queued = 0U;
    (void)uv_tcp_init(loop, &c->tcp);
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
        conn_close(c);
        return;
    }
    (void)uv_tcp_nodelay(&c->tcp, 1);
    (void)uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

int main(int argc, char **argv)
{
    uv_tcp_t server;
    struct sockaddr_in sa;
    int sl = sizeof sa;
    loop = uv_default_loop();
    (void)uv_ip4_addr("127.0.0.1", echo_parse_port(argc, argv), &sa);
    if ((uv_tcp_init(loop, &server) != 0) ||
        (uv_tcp_bind(&server, (const struct sockaddr *)&sa, 0) != 0) ||
        (uv_listen((uv_stream_t *)&server, 1024, on_connection) != 0) ||
        (uv_tcp_getsockname(&server, (struct sockaddr *)&sa, &sl) != 0)) {
        fprintf(stderr, "echo_libuv: cannot listen\n");
        return 1;
    }
    echo_announce(ntohs(sa.sin_port));
    (void)uv_run(loop, UV_RUN_DEFAULT);
    return 0;
}
