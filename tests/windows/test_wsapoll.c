/*
 * test_wsapoll.c - the loop over real Winsock sockets and WSAPoll, on loopback,
 * through the public API only. Runs under Wine in `make check-windows`, and on
 * Windows as is.
 *
 * Every test runs in a fresh loop (backend SLOOP_BACKEND_WSAPOLL) whose sys
 * table wraps the default Windows table to count and check, and, in a few
 * tests, to make WSAPoll behave like the Windows versions it does not behave
 * like under Wine (old WSAPoll that never reports a failed connect; a peer that
 * never answers a SYN). The loop's clock is offset so that it wraps past 2^32
 * 300 ms into every test. After each test, teardown checks what every user relies
 * on: every socket sloop opened was closed exactly once and without error, no
 * connection was left for sloop_close to abort (every slot came back), no
 * callback ran for a handle after its on_close, and `events` never held
 * anything but POLLIN and POLLOUT (WSAPoll rejects POLLPRI and POLLWRBAND).
 *
 * Waits are bounded by wall-clock deadlines (WAIT_MS) so that a bug fails a test
 * rather than hanging it; lower bounds on timeouts are strict (never early),
 * upper bounds generous (the machine may be loaded).
 */
#if !defined(_WIN32)
#error "test_wsapoll.c is for Windows (MinGW) builds; see tests/windows/windows.mk"
#endif

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "sloop.h"

#define WAIT_MS 5000U
#define MAX_CLIENTS 32U /* half the default table: the other half is their server ends */
#define MAX_MSG 3000U /* with 2 in flight, 2 * (3000 + 4) fits SLOOP_TX_BUF_SIZE */
_Static_assert(2U * (MAX_MSG + 4U) <= SLOOP_TX_BUF_SIZE, "two messages in flight must fit");

/* ---- The wrapped sys table ------------------------------------------------------ */

typedef struct wrap {
    const sloop_sys *real;
    uint32_t opened;       /* sockets sloop obtained: listen, accept, connect */
    uint32_t closed;       /* close calls */
    uint32_t close_errors; /* close that failed: a double close or a foreign handle */
    uint32_t poll_calls;
    uint32_t poll_empty;   /* calls with no descriptor (sloop must sleep itself) */
    uint32_t bad_events;   /* entries whose events held more than POLLIN | POLLOUT */
    uint32_t connect_result_calls;
    /* Fault knobs, for fds that sloop's connect returned. */
    int hide_connect_failure; /* old WSAPoll: a failed connect raises no event */
    int stall_connect;        /* a peer that never answers: no event, EINPROGRESS */
    int small_buffers;        /* accepted sockets get a 2 KiB send buffer */
    uint32_t clock_offset;    /* added to the loop's clock: makes it wrap mid-test */
    sloop_fd connecting[8];
    uint32_t n_connecting;
} wrap;

static wrap w;
static sloop_sys wsys;
static sloop_loop loop;

static bool w_is_connecting(sloop_fd fd)
{
    uint32_t i;
    for (i = 0U; i < w.n_connecting; i++) {
        if (w.connecting[i] == fd) {
            return true;
        }
    }
    return false;
}

static uint32_t w_now(void *ctx)
{
    (void)ctx;
    return w.real->now_ms(w.real->ctx) + w.clock_offset;
}

static int w_listen(void *ctx, const char *addr, uint16_t port, int backlog, sloop_fd *out)
{
    int rc = w.real->listen(w.real->ctx, addr, port, backlog, out);
    (void)ctx;
    w.opened += (rc == SLOOP_SYS_OK) ? 1U : 0U;
    return rc;
}

static int w_local_port(void *ctx, sloop_fd fd, uint16_t *port)
{
    (void)ctx;
    return w.real->local_port(w.real->ctx, fd, port);
}

static int w_accept(void *ctx, sloop_fd l, sloop_fd *out)
{
    int rc = w.real->accept(w.real->ctx, l, out);
    (void)ctx;
    if (rc == SLOOP_SYS_OK) {
        w.opened++;
        if (w.small_buffers != 0) {
            int sz = 2048;
            (void)setsockopt((SOCKET)(uintptr_t)*out, SOL_SOCKET, SO_SNDBUF, (const char *)&sz,
                             (int)sizeof sz);
        }
    }
    return rc;
}

static int w_connect(void *ctx, const char *addr, uint16_t port, sloop_fd *out)
{
    int rc = w.real->connect(w.real->ctx, addr, port, out);
    (void)ctx;
    if ((rc == SLOOP_SYS_OK) || (rc == SLOOP_SYS_EINPROGRESS)) {
        w.opened++;
        if (((w.hide_connect_failure != 0) || (w.stall_connect != 0)) &&
            (w.n_connecting < 8U)) {
            w.connecting[w.n_connecting++] = *out;
        }
    }
    return rc;
}

static int w_connect_result(void *ctx, sloop_fd fd)
{
    (void)ctx;
    w.connect_result_calls++;
    if ((w.stall_connect != 0) && w_is_connecting(fd)) {
        return SLOOP_SYS_EINPROGRESS;
    }
    return w.real->connect_result(w.real->ctx, fd);
}

static int w_recv(void *ctx, sloop_fd fd, void *buf, size_t len, size_t *got)
{
    (void)ctx;
    return w.real->recv(w.real->ctx, fd, buf, len, got);
}

static int w_sendv(void *ctx, sloop_fd fd, const sloop_iov *iov, uint32_t n, size_t *sent)
{
    (void)ctx;
    return w.real->sendv(w.real->ctx, fd, iov, n, sent);
}

static int w_close(void *ctx, sloop_fd fd)
{
    uint32_t i;
    int rc;
    (void)ctx;
    for (i = 0U; i < w.n_connecting; i++) {
        if (w.connecting[i] == fd) {
            w.connecting[i] = w.connecting[--w.n_connecting];
            break;
        }
    }
    w.closed++;
    rc = w.real->close(w.real->ctx, fd);
    w.close_errors += (rc != SLOOP_SYS_OK) ? 1U : 0U;
    return rc;
}

static int w_poll(void *ctx, sloop_pollfd *fds, uint32_t nfds, int timeout_ms, uint32_t *nready)
{
    short saved[8];
    uint32_t i;
    uint32_t n = 0U;
    uint32_t k = 0U;
    bool hid = false;
    int rc;
    (void)ctx;
    w.poll_calls++;
    w.poll_empty += (nfds == 0U) ? 1U : 0U;
    for (i = 0U; i < nfds; i++) {
        if ((fds[i].events & ~(POLLIN | POLLOUT)) != 0) {
            w.bad_events++;
        }
        /* A stalled connect must not make WSAPoll return at once: ask nothing. */
        if ((w.stall_connect != 0) && (k < 8U) && w_is_connecting((sloop_fd)fds[i].fd)) {
            saved[k++] = fds[i].events;
            fds[i].events = 0;
        }
    }
    rc = w.real->poll(w.real->ctx, fds, nfds, timeout_ms, nready);
    k = 0U;
    for (i = 0U; i < nfds; i++) {
        if (w_is_connecting((sloop_fd)fds[i].fd)) {
            if ((w.stall_connect != 0) && (k < 8U)) {
                fds[i].events = saved[k++];
                hid = hid || (fds[i].revents != 0);
                fds[i].revents = 0;
            }
            if ((w.hide_connect_failure != 0) && ((fds[i].revents & (POLLERR | POLLHUP)) != 0)) {
                hid = true;
                fds[i].revents = 0; /* what WSAPoll did before Windows 10 2004 */
            }
        }
        n += (fds[i].revents != 0) ? 1U : 0U;
    }
    /* The ready count is the real table's unless an event was hidden here
     * (win32.c's own recount must be what the loop sees otherwise). */
    if ((rc == SLOOP_SYS_OK) && hid) {
        *nready = n;
        if ((n == 0U) && (timeout_ms != 0)) {
            Sleep(2); /* the real WSAPoll would have slept: do not spin */
        }
    }
    return rc;
}

/* ---- Test bookkeeping ------------------------------------------------------------- */

static uint32_t violations;      /* a callback for a handle after its on_close */
static uint32_t shutdown_closes; /* connections sloop_close had to abort */

/* A client made by sloop_connect in the loop under test. */
typedef struct client {
    sloop_conn conn;
    uint32_t k;        /* index: seeds the payloads */
    uint32_t to_send;  /* messages to send in all */
    uint32_t depth;    /* in flight at once */
    uint32_t sent;
    uint32_t received; /* echoes verified */
    uint32_t frames;   /* on_frame calls */
    uint32_t corrupt;
    int opened;
    int closed;
    sloop_close_reason reason;
    sloop_err send_after_close; /* sloop_send on its own handle inside on_close */
    int close_on_open;          /* sloop_conn_close from on_open */
    int abort_on_frame;         /* sloop_conn_abort from the first on_frame */
    int stop_on_frame;          /* sloop_stop from on_frame */
    int endless;                /* keep sending while `io_running` */
    int close_when_done;        /* sloop_conn_close after the last echo */
    struct client *close_other; /* closed from this client's on_close */
} client;

static client clients[MAX_CLIENTS + 1U];
static int io_running;
static uint32_t total_echoes;

/* Server side: one record per connection slot, set as the user by on_open. */
typedef struct srv_conn {
    sloop_conn conn;
    int open;
    int writable; /* on_writable calls */
    uint32_t frames;
} srv_conn;

typedef struct server {
    sloop_listener l;
    uint16_t port;
    uint32_t accepted;
    uint32_t closes[SLOOP_CLOSE_REASON_COUNT];
    uint32_t closed;
    int stop_on_frame;
    srv_conn conns[SLOOP_MAX_CONNS];
    srv_conn *last; /* the most recently accepted */
} server;

static server srv;

static uint32_t msg_size(uint32_t k, uint32_t seq)
{
    return ((k * 97U) + (seq * 131U)) % MAX_MSG + 1U;
}

static uint8_t msg_byte(uint32_t k, uint32_t seq, uint32_t i)
{
    return (uint8_t)((k * 31U) + (seq * 7U) + i + (i >> 8));
}

static void fill_msg(uint8_t *out, uint32_t k, uint32_t seq)
{
    uint32_t i;
    uint32_t n = msg_size(k, seq);
    for (i = 0U; i < n; i++) {
        out[i] = msg_byte(k, seq, i);
    }
}

static uint32_t now_ms(void)
{
    return w.real->now_ms(w.real->ctx);
}

static sloop_conn_options framed_options(void)
{
    sloop_conn_options o;
    memset(&o, 0, sizeof o);
    o.framing.mode = SLOOP_FRAME_LENGTH;
    o.framing.header_size = 4U;
    o.framing.max_payload = SLOOP_MAX_FRAME;
    return o;
}

/* ---- Server handler --------------------------------------------------------------- */

static void srv_on_open(sloop_loop *l, sloop_conn c, void *user)
{
    srv_conn *sc = &srv.conns[c.id];
    (void)user;
    if (sc->open != 0) {
        violations++; /* a slot opened twice without a close */
    }
    memset(sc, 0, sizeof *sc);
    sc->conn = c;
    sc->open = 1;
    srv.accepted++;
    srv.last = sc;
    (void)sloop_conn_set_user(l, c, sc);
}

static void srv_on_frame(sloop_loop *l, sloop_conn c, const uint8_t *data, uint32_t len,
                         void *user)
{
    srv_conn *sc = user;
    if ((sc == NULL) || (sc->open == 0) || (sc->conn.gen != c.gen)) {
        violations++;
        return;
    }
    sc->frames++;
    if ((len == 3U) && (memcmp(data, "bye", 3U) == 0)) {
        (void)sloop_send(l, c, "ok", 2U);
        (void)sloop_conn_close(l, c); /* the reply is flushed first */
        return;
    }
    if (sloop_send(l, c, data, len) == SLOOP_EFULL) {
        (void)sloop_conn_abort(l, c);
    }
    if (srv.stop_on_frame != 0) {
        sloop_stop(l);
    }
}

static void srv_on_writable(sloop_loop *l, sloop_conn c, void *user)
{
    srv_conn *sc = user;
    (void)l;
    (void)c;
    if ((sc == NULL) || (sc->open == 0)) {
        violations++;
        return;
    }
    sc->writable++;
}

static void srv_on_close(sloop_loop *l, sloop_conn c, sloop_close_reason reason, void *user)
{
    (void)l;
    /* user is still the listener's (&srv) if on_open never ran. */
    if ((user != NULL) && (user != (void *)&srv)) {
        srv_conn *sc = user;
        if ((sc->open == 0) || (sc->conn.gen != c.gen)) {
            violations++;
        }
        sc->open = 0;
    }
    if (reason == SLOOP_CLOSE_SHUTDOWN) {
        shutdown_closes++;
    }
    srv.closes[reason]++;
    srv.closed++;
}

static const sloop_handler srv_handler = { srv_on_open, srv_on_frame, srv_on_writable,
                                           srv_on_close };

/* ---- Client handler ----------------------------------------------------------------- */

/* Depth * (MAX_MSG + 4) fits the TX ring, so a send here never meets EFULL. */
static bool client_send_next(sloop_loop *l, client *cl)
{
    uint8_t buf[MAX_MSG];
    fill_msg(buf, cl->k, cl->sent);
    if (sloop_send(l, cl->conn, buf, msg_size(cl->k, cl->sent)) != SLOOP_OK) {
        cl->corrupt++; /* counted as a failure */
        return false;
    }
    cl->sent++;
    return true;
}

static bool client_more(const client *cl)
{
    return (cl->endless != 0) ? (io_running != 0) : (cl->sent < cl->to_send);
}

static void cl_on_open(sloop_loop *l, sloop_conn c, void *user)
{
    client *cl = user;
    (void)c;
    if ((cl->closed != 0) || (cl->opened != 0)) {
        violations++;
        return;
    }
    cl->opened = 1;
    if (cl->close_on_open != 0) {
        (void)sloop_conn_close(l, cl->conn);
        return;
    }
    while (client_more(cl) && (cl->sent < cl->depth) && client_send_next(l, cl)) {
    }
}

static void cl_on_frame(sloop_loop *l, sloop_conn c, const uint8_t *data, uint32_t len,
                        void *user)
{
    client *cl = user;
    uint8_t expect[MAX_MSG];
    (void)c;
    if ((cl->closed != 0) || (cl->opened == 0)) {
        violations++;
        return;
    }
    cl->frames++;
    if (cl->abort_on_frame != 0) {
        (void)sloop_conn_abort(l, cl->conn);
        return;
    }
    if (cl->stop_on_frame != 0) {
        sloop_stop(l);
    }
    if ((len == 2U) && (memcmp(data, "ok", 2U) == 0)) {
        cl->received++;
        return;
    }
    fill_msg(expect, cl->k, cl->received);
    if ((len != msg_size(cl->k, cl->received)) || (memcmp(data, expect, len) != 0)) {
        cl->corrupt++;
        (void)sloop_conn_abort(l, cl->conn);
        return;
    }
    cl->received++;
    total_echoes++;
    if (client_more(cl)) {
        (void)client_send_next(l, cl);
    } else if ((cl->close_when_done != 0) && (cl->received == cl->sent)) {
        (void)sloop_conn_close(l, cl->conn);
    }
}

static void cl_on_close(sloop_loop *l, sloop_conn c, sloop_close_reason reason, void *user)
{
    client *cl = user;
    if (cl->closed != 0) {
        violations++;
    }
    cl->closed = 1;
    cl->reason = reason;
    if (reason == SLOOP_CLOSE_SHUTDOWN) {
        shutdown_closes++;
    }
    /* The handle is already invalid inside its own on_close. */
    cl->send_after_close = sloop_send(l, c, "x", 1U);
    if ((cl->close_other != NULL) && (cl->close_other->closed == 0)) {
        (void)sloop_conn_close(l, cl->close_other->conn);
    }
}

static const sloop_handler client_handler = { cl_on_open, cl_on_frame, NULL, cl_on_close };

/* ---- Setup, teardown, waiting --------------------------------------------------------- */

static sloop_err setup(void)
{
    sloop_options o;
    memset(&w, 0, sizeof w);
    w.real = sloop_sys_default(); /* starts Winsock: raw test sockets work from here */
    /* The loop's 32-bit clock wraps 300 ms into every test: all of them check
     * wrap-safety on the way. Wall-clock waits use the real clock. */
    w.clock_offset = UINT32_MAX - w.real->now_ms(w.real->ctx) - 300U;
    wsys = *w.real;
    wsys.ctx = NULL;
    wsys.now_ms = w_now;
    wsys.listen = w_listen;
    wsys.local_port = w_local_port;
    wsys.accept = w_accept;
    wsys.connect = w_connect;
    wsys.connect_result = w_connect_result;
    wsys.recv = w_recv;
    wsys.sendv = w_sendv;
    wsys.close = w_close;
    wsys.poll = w_poll;
    memset(&srv, 0, sizeof srv);
    memset(clients, 0, sizeof clients);
    violations = 0U;
    shutdown_closes = 0U;
    io_running = 0;
    total_echoes = 0U;
    o.backend = SLOOP_BACKEND_WSAPOLL;
    o.sys = &wsys;
    return sloop_init(&loop, &o);
}

/* One loop iteration of at most ms milliseconds. */
static bool step(int32_t ms)
{
    sloop_err err = sloop_run_once(&loop, ms);
    if (err != SLOOP_OK) {
        printf("  sloop_run_once: %s (%s)\n", sloop_strerror(err),
               sloop_sys_strerror(sloop_last_sys_error(&loop)));
    }
    return err == SLOOP_OK;
}

static bool pump_for(uint32_t ms)
{
    uint32_t t0 = now_ms();
    while ((now_ms() - t0) < ms) {
        if (!step(5)) {
            return false;
        }
    }
    return true;
}

/* Drives the loop until cond holds; fails the test after ms. */
#define WAIT_UNTIL(cond, ms)                                                               \
    do {                                                                                   \
        uint32_t wt0_ = now_ms();                                                          \
        while (!(cond)) {                                                                  \
            if ((now_ms() - wt0_) > (uint32_t)(ms)) {                                      \
                sl_report(__FILE__, __LINE__, "timed out waiting for " #cond);             \
                return;                                                                    \
            }                                                                              \
            SL_CHECK(step(5));                                                             \
        }                                                                                  \
    } while (0)

static void teardown(void)
{
    SL_CHECK_EQ(sloop_close(&loop), SLOOP_OK);
    SL_CHECK_EQ(shutdown_closes, 0);    /* every connection slot had come back */
    SL_CHECK_EQ(violations, 0);         /* no callback after on_close */
    SL_CHECK_EQ(w.opened, w.closed);    /* every socket closed ... */
    SL_CHECK_EQ(w.close_errors, 0);     /* ... exactly once */
    SL_CHECK_EQ(w.bad_events, 0);       /* only POLLIN / POLLOUT ever asked */
}

static void run_case(void (*body)(void))
{
    sloop_err err = setup();
    if (err != SLOOP_OK) {
        printf("  sloop_init: %s\n", sloop_strerror(err));
        sl_current_failed = 1;
        return;
    }
    body();
    if (sl_current_failed != 0) {
        (void)sloop_close(&loop); /* the failure is reported already */
        return;
    }
    teardown();
}

#define WS_TEST(name)                                                                      \
    static void name##_body(void);                                                         \
    SL_TEST(name) { run_case(name##_body); }                                               \
    static void name##_body(void)

/* An echo listener on 127.0.0.1, port chosen by the OS. */
static sloop_err start_server(const sloop_conn_options *co)
{
    sloop_listen_options lo;
    sloop_err err;
    memset(&lo, 0, sizeof lo);
    lo.addr = "127.0.0.1";
    lo.conn = (co != NULL) ? *co : framed_options();
    lo.handler = &srv_handler;
    lo.user = &srv;
    err = sloop_listen(&loop, &lo, &srv.l);
    if (err == SLOOP_OK) {
        err = sloop_listener_port(&loop, srv.l, &srv.port);
    }
    return err;
}

static sloop_err start_client(uint32_t k, uint16_t port, uint32_t msgs, uint32_t depth)
{
    sloop_conn_options co = framed_options();
    client *cl = &clients[k];
    cl->k = k;
    cl->to_send = msgs;
    cl->depth = depth;
    cl->close_when_done = 1;
    return sloop_connect(&loop, "127.0.0.1", port, &co, &client_handler, cl, &cl->conn);
}

/* ---- Raw Winsock peers (not sloop's: the test opens and closes them) ------------- */

static SOCKET raw_connect(uint16_t port, int rcvbuf)
{
    struct sockaddr_in a;
    u_long nb = 1UL;
    SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (s == INVALID_SOCKET) {
        return s;
    }
    if (rcvbuf > 0) {
        (void)setsockopt(s, SOL_SOCKET, SO_RCVBUF, (const char *)&rcvbuf, (int)sizeof rcvbuf);
    }
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* Blocking: the kernel completes the handshake from the listen backlog. */
    if ((connect(s, (const struct sockaddr *)&a, (int)sizeof a) != 0) ||
        (ioctlsocket(s, (long)FIONBIO, &nb) != 0)) {
        (void)closesocket(s);
        return INVALID_SOCKET;
    }
    return s;
}

static bool raw_send_all(SOCKET s, const void *data, uint32_t len)
{
    const char *p = data;
    uint32_t t0 = now_ms();
    while (len > 0U) {
        int n = send(s, p, (int)len, 0);
        if (n > 0) {
            p += n;
            len -= (uint32_t)n;
        } else if ((WSAGetLastError() != WSAEWOULDBLOCK) || ((now_ms() - t0) > WAIT_MS) ||
                   !step(5)) {
            return false;
        }
    }
    return true;
}

/* Receives exactly len bytes while driving the loop; false on timeout or end. */
static bool raw_recv_exact(SOCKET s, void *buf, uint32_t len)
{
    char *p = buf;
    uint32_t t0 = now_ms();
    while (len > 0U) {
        int n = recv(s, p, (int)len, 0);
        if (n > 0) {
            p += n;
            len -= (uint32_t)n;
        } else if ((n == 0) || (WSAGetLastError() != WSAEWOULDBLOCK) ||
                   ((now_ms() - t0) > WAIT_MS) || !step(5)) {
            return false;
        }
    }
    return true;
}

/* True once the peer closed (end of stream or reset), driving the loop. */
static bool raw_wait_closed(SOCKET s)
{
    char c;
    uint32_t t0 = now_ms();
    for (;;) {
        int n = recv(s, &c, 1, 0);
        if ((n == 0) || ((n < 0) && (WSAGetLastError() != WSAEWOULDBLOCK))) {
            return true;
        }
        if ((n > 0) || ((now_ms() - t0) > WAIT_MS) || !step(5)) {
            return false; /* data where none was expected, or no close in time */
        }
    }
}

/* A loopback port nobody listens on (bound, then released). */
static uint16_t closed_port(void)
{
    struct sockaddr_in a;
    int alen = (int)sizeof a;
    SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)bind(s, (const struct sockaddr *)&a, (int)sizeof a);
    (void)getsockname(s, (struct sockaddr *)&a, &alen);
    (void)closesocket(s);
    return ntohs(a.sin_port);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t open_clients(uint32_t n)
{
    uint32_t i;
    uint32_t c = 0U;
    for (i = 0U; i < n; i++) {
        c += ((clients[i].opened != 0) && (clients[i].closed == 0)) ? 1U : 0U;
    }
    return c;
}

static uint32_t closed_clients(uint32_t n)
{
    uint32_t i;
    uint32_t c = 0U;
    for (i = 0U; i < n; i++) {
        c += (clients[i].closed != 0) ? 1U : 0U;
    }
    return c;
}

/* ---- Tests ------------------------------------------------------------------------------ */

/* The Winsock start-up rule: the default table starts Winsock, holds one
 * reference for good, and an application's own WSAStartup/WSACleanup pair does
 * not take it away. Must run first to see Winsock down before. */
static int winsock_was_down;

SL_TEST(wsastartup_by_default_table)
{
    WSADATA d;
    SOCKET s;
    const sloop_sys *a;
    if (winsock_was_down != 0) {
        s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        SL_CHECK(s == INVALID_SOCKET);
        SL_CHECK_EQ(WSAGetLastError(), WSANOTINITIALISED);
    }
    a = sloop_sys_default();
    SL_CHECK(a == sloop_sys_default());
    SL_CHECK(a->epoll_create == NULL); /* no epoll on Windows */
    s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    SL_CHECK(s != INVALID_SOCKET);
    (void)closesocket(s);
    SL_CHECK_EQ(WSAStartup(MAKEWORD(2, 2), &d), 0);
    SL_CHECK_EQ(WSACleanup(), 0);
    SL_CHECK_EQ(setup(), SLOOP_OK); /* and sloop still works after the app's cleanup */
    SL_CHECK_EQ(start_server(NULL), SLOOP_OK);
    SL_CHECK(srv.port != 0U);
    SL_CHECK_EQ(sloop_backend_in_use(&loop), SLOOP_BACKEND_WSAPOLL);
    SL_CHECK(strcmp(sloop_backend_name(SLOOP_BACKEND_WSAPOLL), "wsapoll") == 0);
    teardown();
}

/* The default backend on Windows is WSAPoll; poll and epoll are not there. */
SL_TEST(backend_choice)
{
    sloop_options o;
    memset(&o, 0, sizeof o);
    SL_CHECK_EQ(sloop_init(&loop, NULL), SLOOP_OK);
    SL_CHECK_EQ(sloop_backend_in_use(&loop), SLOOP_BACKEND_WSAPOLL);
    SL_CHECK_EQ(sloop_close(&loop), SLOOP_OK);
    o.backend = SLOOP_BACKEND_EPOLL;
    SL_CHECK_EQ(sloop_init(&loop, &o), SLOOP_EBACKEND);
    o.backend = SLOOP_BACKEND_POLL;
    SL_CHECK_EQ(sloop_init(&loop, &o), SLOOP_EBACKEND);
}

/* SOCKET is 64 bits on Win64: sloop_fd holds it whole, INVALID_SOCKET is
 * SLOOP_FD_INVALID, and an adopted SOCKET works as a connection. */
WS_TEST(socket_width_and_adopt)
{
    SOCKET l;
    SOCKET c;
    SOCKET a;
    struct sockaddr_in addr;
    int alen = (int)sizeof addr;
    uint8_t frame[4 + 5];
    uint8_t echo[4 + 5];
    u_long nb = 1UL;
    sloop_conn_options co = framed_options();
    sloop_conn h;

    SL_CHECK_EQ(sizeof(sloop_fd), sizeof(SOCKET));
    SL_CHECK((sloop_fd)(intptr_t)INVALID_SOCKET == SLOOP_FD_INVALID);
    l = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    SL_CHECK(l != INVALID_SOCKET);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    SL_CHECK_EQ(bind(l, (const struct sockaddr *)&addr, (int)sizeof addr), 0);
    SL_CHECK_EQ(listen(l, 4), 0);
    SL_CHECK_EQ(getsockname(l, (struct sockaddr *)&addr, &alen), 0);
    c = raw_connect(ntohs(addr.sin_port), 0);
    a = accept(l, NULL, NULL);
    (void)closesocket(l);
    SL_CHECK(c != INVALID_SOCKET);
    SL_CHECK(a != INVALID_SOCKET);
    SL_CHECK_EQ(ioctlsocket(a, (long)FIONBIO, &nb), 0);
    SL_CHECK_EQ(sloop_conn_adopt(&loop, (sloop_fd)(intptr_t)a, &co, &srv_handler, &srv, &h),
                SLOOP_OK);
    w.opened++; /* the adopted socket is sloop's to close now */
    put_be32(frame, 5U);
    memcpy(&frame[4], "hello", 5U);
    SL_CHECK(raw_send_all(c, frame, sizeof frame));
    SL_CHECK(raw_recv_exact(c, echo, sizeof echo));
    SL_CHECK_MEM(echo, frame, sizeof frame);
    (void)closesocket(c);
    WAIT_UNTIL(srv.closed == 1U, WAIT_MS);
    SL_CHECK_EQ(srv.closes[SLOOP_CLOSE_PEER], 1);
}

/* One client, frames of many sizes, every byte checked. */
WS_TEST(echo_one_client)
{
    SL_CHECK_EQ(start_server(NULL), SLOOP_OK);
    SL_CHECK_EQ(start_client(0U, srv.port, 40U, 1U), SLOOP_OK);
    WAIT_UNTIL(clients[0].closed != 0, WAIT_MS);
    SL_CHECK_EQ(clients[0].corrupt, 0);
    SL_CHECK_EQ(clients[0].received, 40);
    SL_CHECK_EQ(clients[0].reason, SLOOP_CLOSE_LOCAL);
    SL_CHECK_EQ(clients[0].send_after_close, SLOOP_ESTALE);
    WAIT_UNTIL(srv.closed == 1U, WAIT_MS);
    SL_CHECK_EQ(srv.closes[SLOOP_CLOSE_PEER], 1);
}

/* Many clients at once, pipelined, each echo byte-verified. */
WS_TEST(echo_concurrent_clients)
{
    uint32_t i;
    sloop_counters k;
    SL_CHECK_EQ(start_server(NULL), SLOOP_OK);
    for (i = 0U; i < 24U; i++) {
        SL_CHECK_EQ(start_client(i, srv.port, 60U, 1U + (i % 2U)), SLOOP_OK);
    }
    WAIT_UNTIL(closed_clients(24U) == 24U, 3U * WAIT_MS);
    for (i = 0U; i < 24U; i++) {
        SL_CHECK_EQ(clients[i].corrupt, 0);
        SL_CHECK_EQ(clients[i].received, 60);
        SL_CHECK_EQ(clients[i].reason, SLOOP_CLOSE_LOCAL);
    }
    WAIT_UNTIL(srv.closed == 24U, WAIT_MS);
    SL_CHECK_EQ(srv.closes[SLOOP_CLOSE_PEER], 24);
    sloop_counters_get(&loop, &k);
    SL_CHECK_EQ(k.accepts, 24);
    SL_CHECK_EQ(k.connects, 24);
    SL_CHECK_EQ(k.frames_in, 2U * 24U * 60U); /* both ends of every connection */
}

/* A peer announcing a frame above the maximum loses its own connection, with
 * FRAME_TOO_BIG; a client echoing at the same time notices nothing. */
WS_TEST(oversize_header_closes_only_that_conn)
{
    uint8_t hdr[8];
    SOCKET bad;
    SL_CHECK_EQ(start_server(NULL), SLOOP_OK);
    SL_CHECK_EQ(start_client(0U, srv.port, 30U, 1U), SLOOP_OK);
    WAIT_UNTIL(clients[0].received >= 5U, WAIT_MS);
    bad = raw_connect(srv.port, 0);
    SL_CHECK(bad != INVALID_SOCKET);
    put_be32(hdr, SLOOP_MAX_FRAME + 1U);
    memcpy(&hdr[4], "abcd", 4U);
    SL_CHECK(raw_send_all(bad, hdr, sizeof hdr));
    SL_CHECK(raw_wait_closed(bad));
    (void)closesocket(bad);
    WAIT_UNTIL(srv.closes[SLOOP_CLOSE_FRAME_TOO_BIG] == 1U, WAIT_MS);
    WAIT_UNTIL(clients[0].closed != 0, WAIT_MS);
    SL_CHECK_EQ(clients[0].corrupt, 0);
    SL_CHECK_EQ(clients[0].received, 30);
    SL_CHECK_EQ(clients[0].reason, SLOOP_CLOSE_LOCAL);
    WAIT_UNTIL(srv.closed == 2U, WAIT_MS);
    SL_CHECK_EQ(srv.closes[SLOOP_CLOSE_PEER], 1);
}

/* sloop_send queues a whole frame or nothing: at EFULL the ring is untouched,
 * a frame that fits still goes in, and the peer receives exactly the accepted
 * frames; on_writable follows the drain. */
WS_TEST(efull_all_or_nothing)
{
    static uint8_t payload[1000];
    static uint8_t got[9U * 1004U];
    uint8_t expect_hdr[4];
    uint32_t q0 = 0U, s0 = 0U, q1 = 0U, s1 = 0U;
    uint32_t big = 0U;
    bool small = false;
    uint32_t expected;
    uint32_t i;
    uint32_t off = 0U;
    sloop_conn h;
    SOCKET peer;
    SL_CHECK_EQ(start_server(NULL), SLOOP_OK);
    peer = raw_connect(srv.port, 0);
    SL_CHECK(peer != INVALID_SOCKET);
    WAIT_UNTIL(srv.accepted == 1U, WAIT_MS);
    h = srv.last->conn;
    /* Outside any callback nothing is flushed until the next iteration. */
    for (;;) {
        sloop_err err;
        memset(payload, (int)(big + 1U), sizeof payload);
        SL_CHECK_EQ(sloop_conn_tx_queued(&loop, h, &q0, &s0), SLOOP_OK);
        err = sloop_send(&loop, h, payload, sizeof payload);
        if (err == SLOOP_EFULL) {
            break;
        }
        SL_CHECK_EQ(err, SLOOP_OK);
        big++;
        SL_CHECK(big < 100U);
    }
    SL_CHECK_EQ(sloop_send(&loop, h, payload, sizeof payload), SLOOP_EFULL);
    SL_CHECK_EQ(sloop_conn_tx_queued(&loop, h, &q1, &s1), SLOOP_OK);
    SL_CHECK_EQ(q1, q0); /* nothing of the refused frames was queued */
    SL_CHECK_EQ(s1, s0);
    SL_CHECK(s1 < 1004U);
    SL_CHECK(big >= 1U);
    if (s1 >= 104U) {
        memset(payload, 0xEE, 100U);
        SL_CHECK_EQ(sloop_send(&loop, h, payload, 100U), SLOOP_OK); /* fits: accepted */
        small = true;
    }
    expected = big * 1004U + (small ? 104U : 0U);
    SL_CHECK(expected <= sizeof got);
    WAIT_UNTIL(srv.last->writable == 1, WAIT_MS);
    SL_CHECK(raw_recv_exact(peer, got, expected));
    put_be32(expect_hdr, 1000U);
    for (i = 0U; i < big; i++) {
        SL_CHECK_MEM(&got[off], expect_hdr, 4U);
        memset(payload, (int)(i + 1U), sizeof payload);
        SL_CHECK_MEM(&got[off + 4U], payload, 1000U);
        off += 1004U;
    }
    if (small) {
        put_be32(expect_hdr, 100U);
        SL_CHECK_MEM(&got[off], expect_hdr, 4U);
        memset(payload, 0xEE, 100U);
        SL_CHECK_MEM(&got[off + 4U], payload, 100U);
    }
    (void)closesocket(peer);
    WAIT_UNTIL(srv.closed == 1U, WAIT_MS);
}

/* A silent peer is closed with IDLE_TIMEOUT, never before the timeout. */
WS_TEST(idle_timeout)
{
    sloop_conn_options co = framed_options();
    uint32_t t0;
    uint32_t took;
    SOCKET peer;
    co.idle_timeout_ms = 150U;
    SL_CHECK_EQ(start_server(&co), SLOOP_OK);
    peer = raw_connect(srv.port, 0);
    SL_CHECK(peer != INVALID_SOCKET);
    WAIT_UNTIL(srv.accepted == 1U, WAIT_MS);
    t0 = sloop_now(&loop);
    WAIT_UNTIL(srv.closed == 1U, WAIT_MS);
    took = sloop_now(&loop) - t0;
    SL_CHECK_EQ(srv.closes[SLOOP_CLOSE_IDLE_TIMEOUT], 1);
    SL_CHECK(took >= 140U); /* accepted up to one iteration after t0's sample */
    SL_CHECK(took < 3000U);
    SL_CHECK(raw_wait_closed(peer));
    (void)closesocket(peer);
}

/* A peer that starts a frame and does not finish it is closed with SLOW_PEER. */
WS_TEST(slow_peer_timeout)
{
    sloop_conn_options co = framed_options();
    uint8_t part[4 + 10];
    uint32_t t0;
    uint32_t took;
    SOCKET peer;
    co.frame_timeout_ms = 150U;
    SL_CHECK_EQ(start_server(&co), SLOOP_OK);
    peer = raw_connect(srv.port, 0);
    SL_CHECK(peer != INVALID_SOCKET);
    WAIT_UNTIL(srv.accepted == 1U, WAIT_MS);
    put_be32(part, 100U); /* announces 100 bytes, sends 10 */
    memset(&part[4], 'z', 10U);
    t0 = sloop_now(&loop);
    SL_CHECK(raw_send_all(peer, part, sizeof part));
    WAIT_UNTIL(srv.closed == 1U, WAIT_MS);
    took = sloop_now(&loop) - t0;
    SL_CHECK_EQ(srv.closes[SLOOP_CLOSE_SLOW_PEER], 1);
    SL_CHECK(took >= 150U);
    SL_CHECK(took < 3000U);
    SL_CHECK(raw_wait_closed(peer));
    (void)closesocket(peer);
}

/* sloop_conn_close with the ring and the socket buffers full: everything
 * queued reaches the peer before the end of stream, and the close reason is
 * LOCAL (not LINGER_TIMEOUT). */
WS_TEST(graceful_close_flushes)
{
    static uint8_t buf[4000];
    static uint8_t rx[4096];
    uint32_t frames = 0U;
    uint32_t full = 0U;
    uint32_t queued = 0U;
    uint32_t total;
    uint32_t pos = 0U;
    uint32_t t0;
    sloop_conn h;
    SOCKET peer;
    w.small_buffers = 1;
    SL_CHECK_EQ(start_server(NULL), SLOOP_OK);
    peer = raw_connect(srv.port, 2048);
    SL_CHECK(peer != INVALID_SOCKET);
    WAIT_UNTIL(srv.accepted == 1U, WAIT_MS);
    h = srv.last->conn;
    /* Fill the ring and the socket buffers: the peer does not read yet. */
    while ((full < 20U) && (frames < 2000U)) {
        uint32_t i;
        for (i = 0U; i < sizeof buf; i++) {
            buf[i] = msg_byte(7U, frames, i);
        }
        if (sloop_send(&loop, h, buf, sizeof buf) == SLOOP_OK) {
            frames++;
            full = 0U;
        } else {
            full++;
            SL_CHECK(step(5));
        }
    }
    SL_CHECK_EQ(sloop_conn_tx_queued(&loop, h, &queued, NULL), SLOOP_OK);
    SL_CHECK(queued > 0U); /* the close below really has something to flush */
    SL_CHECK_EQ(sloop_conn_close(&loop, h), SLOOP_OK);
    SL_CHECK_EQ(sloop_send(&loop, h, buf, 1U), SLOOP_ECLOSING);
    /* Now read it all, checking every byte, until the end of stream. */
    total = frames * 4004U;
    t0 = now_ms();
    for (;;) {
        int n = recv(peer, (char *)rx, (int)sizeof rx, 0);
        if (n > 0) {
            int i;
            for (i = 0; i < n; i++, pos++) {
                uint32_t f = pos / 4004U;
                uint32_t o = pos % 4004U;
                uint8_t expect = (o < 4U) ? (uint8_t)((4000U >> (8U * (3U - o))) & 0xFFU)
                                          : msg_byte(7U, f, o - 4U);
                SL_CHECK(pos < total);
                if (rx[i] != expect) {
                    printf("    byte %u: got %u, expected %u\n", pos, (unsigned)rx[i],
                           (unsigned)expect);
                    SL_CHECK(rx[i] == expect);
                }
            }
            continue;
        }
        if ((n == 0) || (WSAGetLastError() != WSAEWOULDBLOCK)) {
            break;
        }
        SL_CHECK((now_ms() - t0) < 2U * WAIT_MS);
        SL_CHECK(step(5));
    }
    (void)closesocket(peer);
    SL_CHECK_EQ(pos, total);
    WAIT_UNTIL(srv.closed == 1U, WAIT_MS);
    SL_CHECK_EQ(srv.closes[SLOOP_CLOSE_LOCAL], 1);
}

/* A connect to a port nobody listens on has one of two defined outcomes:
 * sloop_connect fails at once with ESYS/ECONNREFUSED, or on_close reports
 * CONNECT_FAILED (never on_open) well before the connect timeout. */
WS_TEST(connect_closed_port)
{
    sloop_conn_options co = framed_options();
    uint32_t t0 = now_ms();
    sloop_err err;
    co.connect_timeout_ms = 5000U;
    clients[0].to_send = 1U;
    clients[0].depth = 1U;
    err = sloop_connect(&loop, "127.0.0.1", closed_port(), &co, &client_handler, &clients[0],
                        &clients[0].conn);
    if (err == SLOOP_ESYS) {
        SL_CHECK_EQ(sloop_last_sys_error(&loop), SLOOP_SYS_ECONNREFUSED);
        return;
    }
    SL_CHECK_EQ(err, SLOOP_OK);
    WAIT_UNTIL(clients[0].closed != 0, WAIT_MS);
    SL_CHECK_EQ(clients[0].opened, 0);
    SL_CHECK_EQ(clients[0].reason, SLOOP_CLOSE_CONNECT_FAILED);
    SL_CHECK_EQ(sloop_last_sys_error(&loop), SLOOP_SYS_ECONNREFUSED);
    SL_CHECK((now_ms() - t0) < 2000U);
}

/* WSAPoll before Windows 10 2004 raises no event at all for a failed connect.
 * Simulated: the wrapper hides POLLERR/POLLHUP of the connecting socket. The
 * loop's probe (connect_result every SLOOP__CONNECT_PROBE_MS) still reports
 * CONNECT_FAILED, long before the 5 s connect timeout. */
WS_TEST(connect_failure_unreported_by_wsapoll)
{
    sloop_conn_options co = framed_options();
    uint32_t t0 = now_ms();
    sloop_err err;
    w.hide_connect_failure = 1;
    co.connect_timeout_ms = 5000U;
    err = sloop_connect(&loop, "127.0.0.1", closed_port(), &co, &client_handler, &clients[0],
                        &clients[0].conn);
    if (err == SLOOP_ESYS) {
        SL_CHECK_EQ(sloop_last_sys_error(&loop), SLOOP_SYS_ECONNREFUSED);
        return; /* refused synchronously: nothing for WSAPoll to miss */
    }
    SL_CHECK_EQ(err, SLOOP_OK);
    WAIT_UNTIL(clients[0].closed != 0, WAIT_MS);
    SL_CHECK_EQ(clients[0].opened, 0);
    SL_CHECK_EQ(clients[0].reason, SLOOP_CLOSE_CONNECT_FAILED);
    SL_CHECK_EQ(sloop_last_sys_error(&loop), SLOOP_SYS_ECONNREFUSED);
    SL_CHECK(w.connect_result_calls >= 1U);
    SL_CHECK((now_ms() - t0) < 2000U);
}

/* A peer that never answers: CONNECT_TIMEOUT after connect_timeout_ms, not
 * before, never on_open. Simulated (a loopback SYN is always answered): the
 * connecting socket raises no event and connect_result says EINPROGRESS. */
WS_TEST(connect_timeout)
{
    sloop_conn_options co = framed_options();
    uint32_t t0;
    uint32_t took;
    w.stall_connect = 1;
    co.connect_timeout_ms = 200U;
    SL_CHECK_EQ(start_server(NULL), SLOOP_OK);
    t0 = sloop_now(&loop);
    SL_CHECK_EQ(sloop_connect(&loop, "127.0.0.1", srv.port, &co, &client_handler, &clients[0],
                              &clients[0].conn),
                SLOOP_OK);
    WAIT_UNTIL(clients[0].closed != 0, WAIT_MS);
    took = sloop_now(&loop) - t0;
    SL_CHECK_EQ(clients[0].opened, 0);
    SL_CHECK_EQ(clients[0].reason, SLOOP_CLOSE_CONNECT_TIMEOUT);
    SL_CHECK(took >= 200U);
    SL_CHECK(took < 3000U);
    SL_CHECK(w.connect_result_calls >= 1U); /* probed while waiting */
    /* The kernel did connect, so the server end was accepted; it sees the close. */
    WAIT_UNTIL((srv.accepted == 1U) && (srv.closed == 1U), WAIT_MS);
}

/* Table full: further connects get ELIMIT, the listener pauses (the peer waits
 * in the backlog, unanswered), and one close later it is served. */
WS_TEST(table_full_and_recovery)
{
    uint32_t i;
    uint8_t frame[4 + 6];
    uint8_t echo[4 + 6];
    sloop_counters k;
    sloop_conn extra;
    SOCKET peer;
    SL_CHECK_EQ(start_server(NULL), SLOOP_OK);
    for (i = 0U; i < SLOOP_MAX_CONNS / 2U; i++) {
        SL_CHECK_EQ(start_client(i, srv.port, 1U, 1U), SLOOP_OK);
        clients[i].close_when_done = 0;
    }
    WAIT_UNTIL((srv.accepted == SLOOP_MAX_CONNS / 2U) &&
                   (open_clients(SLOOP_MAX_CONNS / 2U) == SLOOP_MAX_CONNS / 2U),
               WAIT_MS);
    {
        sloop_conn_options co = framed_options();
        SL_CHECK_EQ(sloop_connect(&loop, "127.0.0.1", srv.port, &co, &client_handler,
                                  &clients[MAX_CLIENTS], &extra),
                    SLOOP_ELIMIT);
    }
    peer = raw_connect(srv.port, 0);
    SL_CHECK(peer != INVALID_SOCKET);
    put_be32(frame, 6U);
    memcpy(&frame[4], "queued", 6U);
    SL_CHECK(raw_send_all(peer, frame, sizeof frame));
    SL_CHECK(pump_for(200U));
    SL_CHECK_EQ(srv.accepted, SLOOP_MAX_CONNS / 2U); /* waits in the backlog */
    sloop_counters_get(&loop, &k);
    SL_CHECK(k.accept_pauses >= 1U);
    SL_CHECK_EQ(sloop_conn_close(&loop, clients[0].conn), SLOOP_OK);
    SL_CHECK(raw_recv_exact(peer, echo, sizeof echo)); /* served once a slot came back */
    SL_CHECK_MEM(echo, frame, sizeof frame);
    SL_CHECK_EQ(srv.accepted, SLOOP_MAX_CONNS / 2U + 1U);
    (void)closesocket(peer);
    for (i = 1U; i < SLOOP_MAX_CONNS / 2U; i++) {
        SL_CHECK_EQ(sloop_conn_close(&loop, clients[i].conn), SLOOP_OK);
    }
    WAIT_UNTIL(closed_clients(SLOOP_MAX_CONNS / 2U) == SLOOP_MAX_CONNS / 2U, WAIT_MS);
    WAIT_UNTIL(srv.closed == srv.accepted, WAIT_MS);
}

/* Timers fire in deadline order, never early, while eight connections keep
 * echoing; a periodic timer keeps its period. */
static uint32_t fired_order[16];
static uint32_t fired_at[16];
static uint32_t fired_count;
static uint32_t periodic_fires;
static uint32_t echoes_at_first_fire;
static uint32_t echoes_at_last_fire;

static void order_cb(sloop_loop *l, sloop_timer t, void *user)
{
    uint32_t id = (uint32_t)(uintptr_t)user;
    (void)t;
    if (fired_count == 0U) {
        echoes_at_first_fire = total_echoes;
    }
    echoes_at_last_fire = total_echoes;
    if (fired_count < 16U) {
        fired_order[fired_count] = id;
        fired_at[fired_count] = sloop_now(l);
    }
    fired_count++;
}

static void periodic_cb(sloop_loop *l, sloop_timer t, void *user)
{
    (void)l;
    (void)t;
    (void)user;
    periodic_fires++;
}

WS_TEST(timers_in_order_while_io_busy)
{
    static const uint32_t delays[10] = { 70U, 10U, 50U, 30U, 90U, 20U, 60U, 40U, 80U, 0U };
    sloop_timer t[10];
    sloop_timer periodic;
    uint32_t start;
    uint32_t i;
    uint32_t p0;
    fired_count = 0U;
    periodic_fires = 0U;
    SL_CHECK_EQ(start_server(NULL), SLOOP_OK);
    io_running = 1;
    for (i = 0U; i < 8U; i++) {
        SL_CHECK_EQ(start_client(i, srv.port, 0U, 2U), SLOOP_OK);
        clients[i].endless = 1;
    }
    WAIT_UNTIL(total_echoes >= 100U, WAIT_MS); /* I/O is flowing */
    start = sloop_now(&loop);
    for (i = 0U; i < 10U; i++) {
        SL_CHECK_EQ(sloop_timer_start(&loop, delays[i], 0U, order_cb, (void *)(uintptr_t)delays[i],
                                      &t[i]),
                    SLOOP_OK);
    }
    SL_CHECK_EQ(sloop_timer_start(&loop, 25U, 25U, periodic_cb, NULL, &periodic), SLOOP_OK);
    WAIT_UNTIL(fired_count == 10U, WAIT_MS);
    p0 = sloop_now(&loop) - start;
    for (i = 0U; i < 10U; i++) {
        SL_CHECK_EQ(fired_order[i], 10U * i); /* 0, 10, 20, ... 90 */
        SL_CHECK((fired_at[i] - start) >= fired_order[i]); /* never early */
    }
    SL_CHECK(echoes_at_last_fire > echoes_at_first_fire); /* I/O went on meanwhile */
    SL_CHECK(periodic_fires >= 1U);
    SL_CHECK(periodic_fires <= (p0 / 25U)); /* never early either */
    SL_CHECK_EQ(sloop_timer_stop(&loop, periodic), SLOOP_OK);
    SL_CHECK_EQ(sloop_timer_stop(&loop, t[0]), SLOOP_ESTALE); /* a fired one-shot */
    io_running = 0;
    for (i = 0U; i < 8U; i++) {
        SL_CHECK_EQ(sloop_conn_close(&loop, clients[i].conn), SLOOP_OK);
    }
    WAIT_UNTIL(closed_clients(8U) == 8U, WAIT_MS);
    for (i = 0U; i < 8U; i++) {
        SL_CHECK_EQ(clients[i].corrupt, 0);
        SL_CHECK_EQ(clients[i].reason, SLOOP_CLOSE_LOCAL);
    }
    WAIT_UNTIL(srv.closed == 8U, WAIT_MS);
}

/* Closing from inside callbacks: from on_open, from on_frame (abort: the rest
 * of the batch is not delivered), from the server's on_frame after a reply (the
 * reply still arrives), and another connection from inside on_close. */
WS_TEST(close_from_inside_callbacks)
{
    sloop_conn_options co = framed_options();
    static const uint8_t bye[3] = { 'b', 'y', 'e' };
    SL_CHECK_EQ(start_server(NULL), SLOOP_OK);
    /* 0: closes itself in on_open. */
    SL_CHECK_EQ(start_client(0U, srv.port, 5U, 1U), SLOOP_OK);
    clients[0].close_on_open = 1;
    /* 1: three echoes in flight, aborts on the first. */
    SL_CHECK_EQ(start_client(1U, srv.port, 3U, 3U), SLOOP_OK);
    clients[1].abort_on_frame = 1;
    /* 3: idle, closed by 2's on_close. */
    SL_CHECK_EQ(sloop_connect(&loop, "127.0.0.1", srv.port, &co, &client_handler, &clients[3],
                              &clients[3].conn),
                SLOOP_OK);
    WAIT_UNTIL(clients[3].opened != 0, WAIT_MS);
    /* 2: says bye; the server replies and closes; its on_close closes 3. */
    SL_CHECK_EQ(sloop_connect(&loop, "127.0.0.1", srv.port, &co, &client_handler, &clients[2],
                              &clients[2].conn),
                SLOOP_OK);
    SL_CHECK_EQ(sloop_send(&loop, clients[2].conn, bye, 3U), SLOOP_OK); /* before open */
    clients[2].close_other = &clients[3];
    WAIT_UNTIL(closed_clients(4U) == 4U, WAIT_MS);
    SL_CHECK_EQ(clients[0].reason, SLOOP_CLOSE_LOCAL);
    SL_CHECK_EQ(clients[0].frames, 0);
    SL_CHECK_EQ(clients[1].reason, SLOOP_CLOSE_ABORT);
    SL_CHECK_EQ(clients[1].frames, 1);
    SL_CHECK_EQ(clients[2].reason, SLOOP_CLOSE_PEER);
    SL_CHECK_EQ(clients[2].received, 1); /* the "ok" reply */
    SL_CHECK_EQ(clients[3].reason, SLOOP_CLOSE_LOCAL);
    SL_CHECK_EQ(clients[3].opened, 1);
    SL_CHECK_EQ(sloop_conn_close(&loop, clients[3].conn), SLOOP_ESTALE);
    SL_CHECK_EQ(sloop_conn_abort(&loop, clients[1].conn), SLOOP_ESTALE);
    WAIT_UNTIL(srv.closed == srv.accepted, WAIT_MS);
    SL_CHECK_EQ(srv.accepted, 4);
}

/* sloop_stop from inside a callback makes sloop_run return after that
 * iteration; a second sloop_run carries on where it stopped. */
static int safety_fired;
static void safety_cb(sloop_loop *l, sloop_timer t, void *user)
{
    (void)t;
    (void)user;
    safety_fired = 1;
    sloop_stop(l);
}

WS_TEST(stop_from_inside_callback)
{
    sloop_timer safety;
    safety_fired = 0;
    SL_CHECK_EQ(start_server(NULL), SLOOP_OK);
    srv.stop_on_frame = 1;
    SL_CHECK_EQ(start_client(0U, srv.port, 3U, 1U), SLOOP_OK);
    clients[0].close_when_done = 0;
    SL_CHECK_EQ(sloop_timer_start(&loop, 3000U, 0U, safety_cb, NULL, &safety), SLOOP_OK);
    SL_CHECK_EQ(sloop_run(&loop), SLOOP_OK);
    SL_CHECK_EQ(safety_fired, 0);
    SL_CHECK_EQ(srv.last->frames, 1);     /* stopped right after the first frame */
    SL_CHECK(sloop_conn_valid(&loop, clients[0].conn));
    srv.stop_on_frame = 0;
    clients[0].stop_on_frame = 1;
    SL_CHECK_EQ(sloop_run(&loop), SLOOP_OK); /* runs on: the echo reaches the client */
    SL_CHECK_EQ(safety_fired, 0);
    SL_CHECK(clients[0].frames >= 1U);
    clients[0].stop_on_frame = 0;
    WAIT_UNTIL(clients[0].received == 3U, WAIT_MS);
    SL_CHECK_EQ(sloop_timer_stop(&loop, safety), SLOOP_OK);
    SL_CHECK_EQ(sloop_conn_close(&loop, clients[0].conn), SLOOP_OK);
    WAIT_UNTIL((clients[0].closed != 0) && (srv.closed == 1U), WAIT_MS);
    SL_CHECK_EQ(clients[0].corrupt, 0);
}

/* WSAPoll rejects an empty set; a loop with only a timer must still sleep
 * until it is due (not spin, not fail). */
static uint32_t lonely_fired_at;
static int lonely_fired;
static void lonely_cb(sloop_loop *l, sloop_timer t, void *user)
{
    (void)t;
    (void)user;
    lonely_fired_at = sloop_now(l);
    lonely_fired = 1;
}

WS_TEST(empty_set_sleeps)
{
    sloop_timer t;
    uint32_t start = sloop_now(&loop);
    lonely_fired = 0;
    SL_CHECK_EQ(sloop_timer_start(&loop, 60U, 0U, lonely_cb, NULL, &t), SLOOP_OK);
    SL_CHECK_EQ(sloop_run(&loop), SLOOP_OK); /* returns when nothing is left */
    SL_CHECK_EQ(lonely_fired, 1);
    SL_CHECK((lonely_fired_at - start) >= 60U);
    SL_CHECK((lonely_fired_at - start) < 2000U);
    SL_CHECK(w.poll_empty >= 1U);
    SL_CHECK(w.poll_calls <= 20U); /* slept, did not spin */
}

/* A socket closed behind sloop's back: its watcher is told SLOOP_ERROR once and
 * stopped, and the wait itself does not fail (Wine fails WSAPoll with
 * WSAENOTSOCK when no valid socket is left in the set; win32.c recovers). */
static unsigned watch_events;
static uint32_t watch_calls;
static void watch_cb(sloop_loop *l, sloop_watch wt, sloop_fd fd, unsigned events, void *user)
{
    (void)l;
    (void)wt;
    (void)fd;
    (void)user;
    watch_events |= events;
    watch_calls++;
}

WS_TEST(closed_behind_back_watcher)
{
    sloop_watch wa;
    sloop_watch wb;
    SOCKET a = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    SOCKET b = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    watch_events = 0U;
    watch_calls = 0U;
    SL_CHECK(a != INVALID_SOCKET);
    SL_CHECK(b != INVALID_SOCKET);
    /* Alone in the set. */
    SL_CHECK_EQ(sloop_watch_start(&loop, (sloop_fd)(intptr_t)a, SLOOP_READABLE, watch_cb, NULL,
                                  &wa),
                SLOOP_OK);
    (void)closesocket(a);
    WAIT_UNTIL(watch_calls == 1U, WAIT_MS);
    SL_CHECK_EQ(watch_events, SLOOP_ERROR);
    SL_CHECK_EQ(sloop_watch_stop(&loop, wa), SLOOP_ESTALE);
    /* Next to a live listener. */
    SL_CHECK_EQ(start_server(NULL), SLOOP_OK);
    SL_CHECK_EQ(sloop_watch_start(&loop, (sloop_fd)(intptr_t)b, SLOOP_READABLE, watch_cb, NULL,
                                  &wb),
                SLOOP_OK);
    (void)closesocket(b);
    WAIT_UNTIL(watch_calls == 2U, WAIT_MS);
    SL_CHECK_EQ(sloop_watch_stop(&loop, wb), SLOOP_ESTALE);
    SL_CHECK(pump_for(50U));
    SL_CHECK_EQ(watch_calls, 2); /* once each */
}

/* Winsock errors arrive as sloop_sys_err codes. */
WS_TEST(sys_errors_mapped)
{
    sloop_listen_options lo;
    sloop_listener l2;
    sloop_conn c;
    sloop_conn_options co = framed_options();
    SL_CHECK_EQ(start_server(NULL), SLOOP_OK);
    memset(&lo, 0, sizeof lo);
    lo.addr = "127.0.0.1";
    lo.port = srv.port; /* taken */
    lo.conn = co;
    lo.handler = &srv_handler;
    SL_CHECK_EQ(sloop_listen(&loop, &lo, &l2), SLOOP_ESYS);
    SL_CHECK_EQ(sloop_last_sys_error(&loop), SLOOP_SYS_EADDRINUSE);
    lo.addr = "not-an-address";
    lo.port = 0U;
    SL_CHECK_EQ(sloop_listen(&loop, &lo, &l2), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_connect(&loop, "300.1.2.3", 80U, &co, &client_handler, &clients[0], &c),
                SLOOP_EINVAL);
}

/* After a busy run every slot is back: the whole connection table and every
 * user timer can be taken again, and no more. */
WS_TEST(every_slot_free_at_end)
{
    static sloop_timer timers[SLOOP_MAX_TIMERS + 1U];
    sloop_conn_options co = framed_options();
    sloop_conn extra;
    uint32_t i;
    uint32_t round;
    SL_CHECK_EQ(start_server(NULL), SLOOP_OK);
    for (round = 0U; round < 2U; round++) {
        uint32_t before = srv.closed;
        memset(clients, 0, sizeof clients);
        for (i = 0U; i < SLOOP_MAX_CONNS / 2U; i++) {
            SL_CHECK_EQ(start_client(i, srv.port, 10U, 2U), SLOOP_OK);
            clients[i].close_when_done = 0;
        }
        WAIT_UNTIL(srv.accepted == (round + 1U) * (SLOOP_MAX_CONNS / 2U), WAIT_MS);
        SL_CHECK_EQ(sloop_connect(&loop, "127.0.0.1", srv.port, &co, &client_handler,
                                  &clients[MAX_CLIENTS], &extra),
                    SLOOP_ELIMIT); /* the whole table is in use */
        for (i = 0U; i < SLOOP_MAX_CONNS / 2U; i++) {
            WAIT_UNTIL(clients[i].received == 10U, WAIT_MS);
            SL_CHECK_EQ(clients[i].corrupt, 0);
            SL_CHECK_EQ(sloop_conn_close(&loop, clients[i].conn), SLOOP_OK);
        }
        WAIT_UNTIL(closed_clients(SLOOP_MAX_CONNS / 2U) == SLOOP_MAX_CONNS / 2U, WAIT_MS);
        WAIT_UNTIL(srv.closed == before + SLOOP_MAX_CONNS / 2U, WAIT_MS);
    }
    for (i = 0U; i < SLOOP_MAX_TIMERS; i++) {
        SL_CHECK_EQ(sloop_timer_start(&loop, 100000U, 0U, periodic_cb, NULL, &timers[i]),
                    SLOOP_OK);
    }
    SL_CHECK_EQ(sloop_timer_start(&loop, 1U, 0U, periodic_cb, NULL, &timers[i]), SLOOP_ELIMIT);
    for (i = 0U; i < SLOOP_MAX_TIMERS; i++) {
        SL_CHECK_EQ(sloop_timer_stop(&loop, timers[i]), SLOOP_OK);
    }
    SL_CHECK_EQ(sloop_listener_close(&loop, srv.l), SLOOP_OK);
    SL_CHECK_EQ(sloop_listener_close(&loop, srv.l), SLOOP_ESTALE);
}

static const sl_test tests[] = {
    SL_ENTRY(wsastartup_by_default_table),
    SL_ENTRY(backend_choice),
    SL_ENTRY(socket_width_and_adopt),
    SL_ENTRY(echo_one_client),
    SL_ENTRY(echo_concurrent_clients),
    SL_ENTRY(oversize_header_closes_only_that_conn),
    SL_ENTRY(efull_all_or_nothing),
    SL_ENTRY(idle_timeout),
    SL_ENTRY(slow_peer_timeout),
    SL_ENTRY(graceful_close_flushes),
    SL_ENTRY(connect_closed_port),
    SL_ENTRY(connect_failure_unreported_by_wsapoll),
    SL_ENTRY(connect_timeout),
    SL_ENTRY(table_full_and_recovery),
    SL_ENTRY(timers_in_order_while_io_busy),
    SL_ENTRY(close_from_inside_callbacks),
    SL_ENTRY(stop_from_inside_callback),
    SL_ENTRY(empty_set_sleeps),
    SL_ENTRY(closed_behind_back_watcher),
    SL_ENTRY(sys_errors_mapped),
    SL_ENTRY(every_slot_free_at_end),
};

int main(int argc, char **argv)
{
    /* Winsock must be down until sloop starts it (see the first test). */
    SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (s == INVALID_SOCKET) {
        winsock_was_down = 1;
    } else {
        (void)closesocket(s);
    }
    return sl_main("wsapoll", tests, SL_COUNT(tests), argc, argv);
}
