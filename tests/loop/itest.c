/*
 * itest.c - support for the loopback integration tests (see itest.h).
 *
 * The only platform-specific parts: the clock, how open descriptors are
 * counted (/proc/self/fd on Linux; on Windows the sockets the test saw created,
 * asked one by one whether they are still open), the never-writable
 * descriptor of it_fault's connect_to_pipe, and RLIMIT_NOFILE (POSIX only).
 * Sockets themselves go through tests/tsock.h.
 */
#include "itest.h"

#include <stdio.h>
#include <string.h>

#if defined(_WIN32)
#include <winsock2.h>
#include <windows.h>
#else
#include "open_fds.h"
#include <fcntl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#endif

sloop_loop it_loop; /* static storage: far too large for a stack */
sloop_backend it_backend = SLOOP_BACKEND_POLL;

#if defined(_WIN32)
uint32_t it_now_ms(void)
{
    return sloop_sys_default()->now_ms(NULL); /* QueryPerformanceCounter, in ms */
}

void it_sleep_ms(uint32_t ms)
{
    Sleep((DWORD)ms);
}

/* Every socket value the current test saw created, by the loop (through
 * it_sys_counted) or by the helpers here (it_fd_track). */
#define IT_MAX_SEEN 8192U
static sloop_fd seen[IT_MAX_SEEN];
static unsigned seen_count;
static bool seen_overflow;

static void seen_add(sloop_fd fd)
{
    unsigned i;
    for (i = 0U; i < seen_count; i++) {
        if (seen[i] == fd) {
            return; /* a value reused by a new socket: asked about once */
        }
    }
    if (seen_count < IT_MAX_SEEN) {
        seen[seen_count] = fd;
        seen_count++;
    } else {
        seen_overflow = true;
    }
}

int it_fd_count(void)
{
    int n = 0;
    unsigned i;
    if (seen_overflow) {
        return -1; /* cannot tell: never equal to the 0 of it_begin */
    }
    for (i = 0U; i < seen_count; i++) {
        n += tsock_is_open(seen[i]) ? 1 : 0;
    }
    return n;
}
#else
uint32_t it_now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)(((uint64_t)ts.tv_sec * 1000U) + ((uint64_t)ts.tv_nsec / 1000000U));
}

void it_sleep_ms(uint32_t ms)
{
    (void)usleep((useconds_t)ms * 1000U);
}

static void seen_add(sloop_fd fd)
{
    (void)fd; /* /proc/self/fd sees everything */
}

int it_fd_count(void)
{
    return open_fd_count();
}
#endif

/* ---- The counting sys table -------------------------------------------------------------- */

typedef struct counted {
    sloop_sys table;
    const sloop_sys *base;
    unsigned opened;
    unsigned closed;
    unsigned close_errors;
} counted;

static counted cnt;

static void counted_opened(sloop_fd fd)
{
    cnt.opened++;
    seen_add(fd);
}

static uint32_t cnt_now_ms(void *ctx)
{
    (void)ctx;
    return cnt.base->now_ms(cnt.base->ctx);
}

static int cnt_listen(void *ctx, const char *addr, uint16_t port, int backlog, sloop_fd *out)
{
    int rc = cnt.base->listen(cnt.base->ctx, addr, port, backlog, out);
    (void)ctx;
    if (rc == SLOOP_SYS_OK) {
        counted_opened(*out);
    }
    return rc;
}

static int cnt_local_port(void *ctx, sloop_fd fd, uint16_t *port)
{
    (void)ctx;
    return cnt.base->local_port(cnt.base->ctx, fd, port);
}

static int cnt_accept(void *ctx, sloop_fd listener, sloop_fd *out)
{
    int rc = cnt.base->accept(cnt.base->ctx, listener, out);
    (void)ctx;
    if (rc == SLOOP_SYS_OK) {
        counted_opened(*out);
    }
    return rc;
}

static int cnt_connect(void *ctx, const char *addr, uint16_t port, sloop_fd *out)
{
    int rc = cnt.base->connect(cnt.base->ctx, addr, port, out);
    (void)ctx;
    if ((rc == SLOOP_SYS_OK) || (rc == SLOOP_SYS_EINPROGRESS)) {
        counted_opened(*out);
    }
    return rc;
}

static int cnt_connect_result(void *ctx, sloop_fd fd)
{
    (void)ctx;
    return cnt.base->connect_result(cnt.base->ctx, fd);
}

static int cnt_recv(void *ctx, sloop_fd fd, void *buf, size_t len, size_t *got)
{
    (void)ctx;
    return cnt.base->recv(cnt.base->ctx, fd, buf, len, got);
}

static int cnt_sendv(void *ctx, sloop_fd fd, const sloop_iov *iov, uint32_t iovcnt,
                     size_t *sent)
{
    (void)ctx;
    return cnt.base->sendv(cnt.base->ctx, fd, iov, iovcnt, sent);
}

static int cnt_close(void *ctx, sloop_fd fd)
{
    int rc = cnt.base->close(cnt.base->ctx, fd);
    (void)ctx;
    cnt.closed++;
    if (rc != SLOOP_SYS_OK) {
        cnt.close_errors++;
        printf("    sloop closed descriptor %lld: %s\n", (long long)fd, sloop_sys_strerror(rc));
    }
    return rc;
}

static int cnt_poll(void *ctx, sloop_pollfd *fds, uint32_t nfds, int timeout_ms,
                    uint32_t *nready)
{
    (void)ctx;
    return cnt.base->poll(cnt.base->ctx, fds, nfds, timeout_ms, nready);
}

static int cnt_epoll_create(void *ctx, sloop_fd *epfd)
{
    int rc = cnt.base->epoll_create(cnt.base->ctx, epfd);
    (void)ctx;
    if (rc == SLOOP_SYS_OK) {
        counted_opened(*epfd);
    }
    return rc;
}

static int cnt_epoll_ctl(void *ctx, sloop_fd epfd, int op, sloop_fd fd, uint32_t events,
                         uint64_t data)
{
    (void)ctx;
    return cnt.base->epoll_ctl(cnt.base->ctx, epfd, op, fd, events, data);
}

static int cnt_epoll_wait(void *ctx, sloop_fd epfd, sloop_epoll_event *events, uint32_t max,
                          int timeout_ms, uint32_t *n)
{
    (void)ctx;
    return cnt.base->epoll_wait(cnt.base->ctx, epfd, events, max, timeout_ms, n);
}

/* The wake-up and signal channels open descriptors too (src/sys: an eventfd,
 * a signalfd, socket pairs; a loopback TCP pair on Windows). */
static int cnt_wake_open(void *ctx, sloop_fd *rd, sloop_fd *wr)
{
    int rc = cnt.base->wake_open(cnt.base->ctx, rd, wr);
    (void)ctx;
    if (rc == SLOOP_SYS_OK) {
        counted_opened(*rd);
        if (*wr != *rd) {
            counted_opened(*wr);
        }
    }
    return rc;
}

static int cnt_signal_open(void *ctx, sloop_fd *fd)
{
    int rc = cnt.base->signal_open(cnt.base->ctx, fd);
    (void)ctx;
    if (rc == SLOOP_SYS_OK) {
        counted_opened(*fd);
    }
    return rc;
}

const sloop_sys *it_sys_counted(void)
{
    if (cnt.base == NULL) {
        /* Start from a copy so that entries this wrapper does not know
         * (added at the end of sloop_sys later) still reach the OS; the
         * default tables ignore ctx. */
        cnt.base = sloop_sys_default();
        cnt.table = *cnt.base;
        cnt.table.ctx = &cnt;
        cnt.table.now_ms = cnt_now_ms;
        cnt.table.listen = cnt_listen;
        cnt.table.local_port = cnt_local_port;
        cnt.table.accept = cnt_accept;
        cnt.table.connect = cnt_connect;
        cnt.table.connect_result = cnt_connect_result;
        cnt.table.recv = cnt_recv;
        cnt.table.sendv = cnt_sendv;
        cnt.table.close = cnt_close;
        cnt.table.poll = cnt_poll;
        /* Windows has no epoll: those entries stay NULL there. */
        if (cnt.base->epoll_create != NULL) {
            cnt.table.epoll_create = cnt_epoll_create;
            cnt.table.epoll_ctl = cnt_epoll_ctl;
            cnt.table.epoll_wait = cnt_epoll_wait;
        }
        if (cnt.base->wake_open != NULL) {
            cnt.table.wake_open = cnt_wake_open;
        }
        if (cnt.base->signal_open != NULL) {
            cnt.table.signal_open = cnt_signal_open;
        }
    }
    return &cnt.table;
}

void it_sys_handed_over(sloop_fd fd)
{
    it_fd_untrack(fd);
    counted_opened(fd);
}

/* Generation of the last on_close per slot (see it_cb_live). */
static uint32_t closed_gen[SLOOP_MAX_CONNS];

sloop_err it_init(const sloop_sys *sys)
{
    sloop_options o;
    /* A new loop starts its generations again. */
    memset(closed_gen, 0, sizeof closed_gen);
    o.backend = it_backend;
    o.sys = (sys != NULL) ? sys : it_sys_counted();
    return sloop_init(&it_loop, &o);
}

bool it_step(void)
{
    sloop_err err = sloop_run_once(&it_loop, 2);
    if (err != SLOOP_OK) {
        printf("    sloop_run_once: %s (sys %s)\n", sloop_strerror(err),
               sloop_sys_strerror(sloop_last_sys_error(&it_loop)));
        return false;
    }
    return true;
}

bool it_pump_for(uint32_t ms)
{
    uint32_t t0 = it_now_ms();
    uint32_t n = 0U;
    while (((uint32_t)(it_now_ms() - t0) < ms) && (n < 100000U)) {
        if (!it_step()) {
            return false;
        }
        n++;
    }
    return true;
}

/* ---- Listener presets ------------------------------------------------------------------- */

void it_conn_opts_length(sloop_conn_options *o)
{
    memset(o, 0, sizeof *o);
    o->framing.mode = SLOOP_FRAME_LENGTH;
    o->framing.header_size = 4U;
    o->framing.max_payload = SLOOP_MAX_FRAME;
}

void it_listen_opts_length(sloop_listen_options *o, const sloop_handler *h, void *user)
{
    memset(o, 0, sizeof *o);
    o->addr = "127.0.0.1";
    o->port = 0U;
    o->backlog = 0;
    it_conn_opts_length(&o->conn);
    o->handler = h;
    o->user = user;
}

bool it_listen(const sloop_listen_options *o, sloop_listener *out, uint16_t *port)
{
    sloop_err err = sloop_listen(&it_loop, o, out);
    if (err != SLOOP_OK) {
        printf("    sloop_listen: %s (sys %s)\n", sloop_strerror(err),
               sloop_sys_strerror(sloop_last_sys_error(&it_loop)));
        return false;
    }
    err = sloop_listener_port(&it_loop, *out, port);
    if ((err != SLOOP_OK) || (*port == 0U)) {
        printf("    sloop_listener_port: %s\n", sloop_strerror(err));
        return false;
    }
    return true;
}

/* ---- Callback bookkeeping ------------------------------------------------------------------ */

/* A callback with a handle of the generation of the slot's last on_close, or
 * older, is a callback after on_close. */
static unsigned violations;

void it_cb_live(sloop_loop *loop, sloop_conn conn)
{
    if ((conn.id >= SLOOP_MAX_CONNS) || !sloop_conn_valid(loop, conn) ||
        (conn.gen <= closed_gen[conn.id])) {
        violations++;
        printf("    violation: callback for a closed or invalid handle %u/%u\n",
               (unsigned)conn.id, (unsigned)conn.gen);
    }
}

void it_cb_closed(sloop_loop *loop, sloop_conn conn)
{
    if ((conn.id >= SLOOP_MAX_CONNS) || sloop_conn_valid(loop, conn) ||
        (conn.gen <= closed_gen[conn.id])) {
        violations++;
        printf("    violation: on_close for a valid or already closed handle %u/%u\n",
               (unsigned)conn.id, (unsigned)conn.gen);
        return;
    }
    closed_gen[conn.id] = conn.gen;
}

void it_rec_reset(it_rec *r)
{
    memset(r, 0, sizeof *r);
}

static void rec_open(sloop_loop *loop, sloop_conn conn, void *user)
{
    it_rec *r = (it_rec *)user;
    it_cb_live(loop, conn);
    r->opens++;
    r->last_open = conn;
}

static void rec_close(sloop_loop *loop, sloop_conn conn, sloop_close_reason reason, void *user)
{
    it_rec *r = (it_rec *)user;
    it_cb_closed(loop, conn);
    r->closes++;
    if ((unsigned)reason < (unsigned)SLOOP_CLOSE_REASON_COUNT) {
        r->reason[reason]++;
    }
    r->last_reason = reason;
}

static void rec_writable(sloop_loop *loop, sloop_conn conn, void *user)
{
    it_rec *r = (it_rec *)user;
    it_cb_live(loop, conn);
    r->writables++;
}

static void rec_frame(sloop_loop *loop, sloop_conn conn, const uint8_t *data, uint32_t len,
                      void *user)
{
    it_rec *r = (it_rec *)user;
    (void)data;
    it_cb_live(loop, conn);
    r->frames++;
    r->bytes += len;
}

static void echo_count(it_rec *r, sloop_err err)
{
    if (err == SLOOP_EFULL) {
        r->send_full++;
    } else if (err != SLOOP_OK) {
        r->send_errors++;
    } else {
        /* queued */
    }
}

static void echo_frame(sloop_loop *loop, sloop_conn conn, const uint8_t *data, uint32_t len,
                       void *user)
{
    rec_frame(loop, conn, data, len, user);
    echo_count((it_rec *)user, sloop_send(loop, conn, data, len));
}

static void echo_delim_frame(sloop_loop *loop, sloop_conn conn, const uint8_t *data,
                             uint32_t len, void *user)
{
    uint8_t line[SLOOP_MAX_FRAME + 2U];
    rec_frame(loop, conn, data, len, user);
    if (len <= SLOOP_MAX_FRAME) {
        memcpy(line, data, len);
        line[len] = '\r';
        line[len + 1U] = '\n';
        echo_count((it_rec *)user, sloop_send(loop, conn, line, len + 2U));
    }
}

const sloop_handler it_echo_handler = { rec_open, echo_frame, rec_writable, rec_close };
const sloop_handler it_echo_delim_handler = { rec_open, echo_delim_frame, rec_writable,
                                              rec_close };
const sloop_handler it_record_handler = { rec_open, rec_frame, rec_writable, rec_close };

/* ---- Stream ------------------------------------------------------------------------------------ */

static void stream_payload(uint8_t *out, uint32_t len, uint32_t number)
{
    out[0] = (uint8_t)(number >> 24);
    out[1] = (uint8_t)(number >> 16);
    out[2] = (uint8_t)(number >> 8);
    out[3] = (uint8_t)number;
    it_pattern(&out[4], len - 4U, number);
}

void it_stream_reset(it_stream *s, uint32_t frame_len, uint32_t limit)
{
    memset(s, 0, sizeof *s);
    s->frame_len = frame_len;
    s->limit = limit;
}

void it_stream_fill(sloop_loop *loop, sloop_conn conn, it_stream *s)
{
    static uint8_t payload[SLOOP_MAX_FRAME];
    uint32_t len = (s->frame_len < 4U) ? 4U : s->frame_len;
    while ((s->limit == 0U) || (s->next < s->limit)) {
        uint32_t before = 0U;
        uint32_t after = 0U;
        sloop_err err;
        stream_payload(payload, len, s->next);
        (void)sloop_conn_tx_queued(loop, conn, &before, NULL);
        err = sloop_send(loop, conn, payload, len);
        if (err == SLOOP_EFULL) {
            (void)sloop_conn_tx_queued(loop, conn, &after, NULL);
            if (after != before) {
                s->partial++;
            }
            s->rec.send_full++;
            return;
        }
        if (err != SLOOP_OK) {
            s->rec.send_errors++;
            return;
        }
        s->next++;
    }
    if (s->close_when_done) {
        (void)sloop_conn_close(loop, conn);
    }
}

static void stream_open(sloop_loop *loop, sloop_conn conn, void *user)
{
    it_stream *s = (it_stream *)user;
    rec_open(loop, conn, &s->rec);
    it_stream_fill(loop, conn, s);
}

static void stream_writable(sloop_loop *loop, sloop_conn conn, void *user)
{
    it_stream *s = (it_stream *)user;
    uint32_t queued = 0U;
    rec_writable(loop, conn, &s->rec);
    (void)sloop_conn_tx_queued(loop, conn, &queued, NULL);
    if (queued != 0U) {
        s->writable_early++;
    }
    it_stream_fill(loop, conn, s);
}

static void stream_frame(sloop_loop *loop, sloop_conn conn, const uint8_t *data, uint32_t len,
                         void *user)
{
    it_stream *s = (it_stream *)user;
    rec_frame(loop, conn, data, len, &s->rec);
}

static void stream_close(sloop_loop *loop, sloop_conn conn, sloop_close_reason reason,
                         void *user)
{
    it_stream *s = (it_stream *)user;
    rec_close(loop, conn, reason, &s->rec);
}

const sloop_handler it_stream_handler = { stream_open, stream_frame, stream_writable,
                                          stream_close };

/* One stall: no frame could be added for 20 iterations while bytes wait. */
static bool stream_stall(it_stream *s, sloop_conn conn)
{
    uint32_t t0 = it_now_ms();
    uint32_t last = s->next;
    unsigned same = 0U;
    while ((uint32_t)(it_now_ms() - t0) < IT_WAIT_MS) {
        uint32_t queued = 0U;
        it_stream_fill(&it_loop, conn, s);
        if (!it_step()) {
            return false;
        }
        if (sloop_conn_tx_queued(&it_loop, conn, &queued, NULL) != SLOOP_OK) {
            printf("    stream: connection closed while waiting for a stall\n");
            return false;
        }
        if ((s->next == last) && (queued > 0U)) {
            same++;
            if (same >= 20U) {
                return true;
            }
        } else {
            same = 0U;
            last = s->next;
        }
    }
    printf("    stream: still moving after %u ms (frame %u)\n", IT_WAIT_MS, (unsigned)s->next);
    return false;
}

bool it_stream_wait_stalled(it_stream *s, sloop_conn conn)
{
    /* The loop retries a flush only when the socket is reported writable,
     * which needs a third of its send buffer free, or after a send. So once
     * the large frames stall the kernel may still have room; smallest frames
     * offered every iteration fill it up, so that nothing queued can leave. */
    if (!stream_stall(s, conn)) {
        return false;
    }
    s->frame_len = 4U;
    return stream_stall(s, conn);
}

bool it_stream_verify(it_peer *p, uint32_t *next)
{
    static uint8_t got[SLOOP_MAX_FRAME];
    static uint8_t want[SLOOP_MAX_FRAME];
    for (;;) {
        long n = it_peer_take_frame(p, got, sizeof got);
        if (n == -1) {
            return true;
        }
        if (n >= 4) {
            stream_payload(want, (uint32_t)n, *next);
        }
        if ((n < 4) || (memcmp(got, want, (size_t)n) != 0)) {
            printf("    stream: frame %u wrong (length %ld)\n", (unsigned)*next, n);
            return false;
        }
        (*next)++;
    }
}

bool it_stream_drained(it_peer *p, uint32_t *next, bool *bad)
{
    it_peer_read(p);
    if (!it_stream_verify(p, next)) {
        *bad = true;
        return true; /* nothing more to wait for */
    }
    it_peer_read(p); /* verify made room */
    return (p->state != IT_PEER_OPEN) && (p->len == 0U);
}

static void stream_pool_open(sloop_loop *loop, sloop_conn conn, void *user)
{
    it_stream_pool *pool = (it_stream_pool *)user;
    if (pool->used < IT_STREAM_POOL) {
        it_stream *s = &pool->s[pool->used];
        pool->used++;
        (void)sloop_conn_set_user(loop, conn, s);
        stream_open(loop, conn, s);
    } else {
        it_cb_live(loop, conn);
        (void)sloop_conn_abort(loop, conn);
    }
}

const sloop_handler it_stream_pool_handler = { stream_pool_open, stream_frame, stream_writable,
                                               stream_close };

void it_stream_pool_reset(it_stream_pool *pool, uint32_t frame_len, uint32_t limit)
{
    uint32_t i;
    pool->used = 0U;
    for (i = 0U; i < IT_STREAM_POOL; i++) {
        it_stream_reset(&pool->s[i], frame_len, limit);
    }
}

/* ---- Tracked descriptors ---------------------------------------------------------------------- */

#define IT_MAX_TRACKED 4096U
static sloop_fd tracked[IT_MAX_TRACKED];
static unsigned tracked_count;

void it_fd_track(sloop_fd fd)
{
    if (fd != SLOOP_FD_INVALID) {
        seen_add(fd);
        if (tracked_count < IT_MAX_TRACKED) {
            tracked[tracked_count] = fd;
            tracked_count++;
        }
    }
}

void it_fd_untrack(sloop_fd fd)
{
    unsigned i;
    for (i = 0U; i < tracked_count; i++) {
        if (tracked[i] == fd) {
            tracked_count--;
            tracked[i] = tracked[tracked_count];
            return;
        }
    }
}

void it_fd_close(sloop_fd fd)
{
    if (fd != SLOOP_FD_INVALID) {
        it_fd_untrack(fd);
        (void)tsock_close(fd);
    }
}

unsigned it_fd_tracked(void)
{
    return tracked_count;
}

static bool track_both(tsock_err err, sloop_fd p[2], const char *what)
{
    if (err != TSOCK_OK) {
        printf("    %s: %s\n", what, tsock_error_text());
        return false;
    }
    it_fd_track(p[0]);
    it_fd_track(p[1]);
    return true;
}

bool it_pipe(sloop_fd p[2])
{
    return track_both(tsock_pipe(p), p, "pipe");
}

bool it_pair(sloop_fd sv[2])
{
    return track_both(tsock_pair(sv), sv, "socket pair");
}

sloop_fd it_bound_not_listening(uint16_t *port)
{
    sloop_fd s = tsock_tcp();
    if (s == SLOOP_FD_INVALID) {
        printf("    %s\n", tsock_error_text());
        return s;
    }
    it_fd_track(s);
    if (tsock_bind_loopback(s, 0U, port) != TSOCK_OK) {
        printf("    %s\n", tsock_error_text());
        it_fd_close(s);
        return SLOOP_FD_INVALID;
    }
    return s;
}

/* ---- Peers -------------------------------------------------------------------------------------- */

bool it_peer_connect(it_peer *p, uint16_t port, int rcvbuf)
{
    sloop_fd fd;
    p->fd = SLOOP_FD_INVALID;
    p->state = IT_PEER_OPEN;
    p->err = 0;
    p->len = 0U;
    p->total = 0U;
    fd = tsock_tcp();
    if (fd == SLOOP_FD_INVALID) {
        printf("    %s\n", tsock_error_text());
        return false;
    }
    it_fd_track(fd);
    if (rcvbuf > 0) {
        tsock_set_rcvbuf(fd, rcvbuf);
    }
    if (tsock_connect_loopback(fd, port) != TSOCK_OK) {
        printf("    port %u: %s\n", (unsigned)port, tsock_error_text());
        it_fd_close(fd);
        return false;
    }
    if (tsock_set_nonblocking(fd) != TSOCK_OK) {
        printf("    %s\n", tsock_error_text());
        it_fd_close(fd);
        return false;
    }
    tsock_set_nodelay(fd);
    p->fd = fd;
    return true;
}

void it_peer_close(it_peer *p, bool linger_reset)
{
    if (p->fd != SLOOP_FD_INVALID) {
        if (linger_reset) {
            tsock_set_linger_reset(p->fd);
        }
        it_fd_close(p->fd);
        p->fd = SLOOP_FD_INVALID;
    }
}

long it_peer_send_some(it_peer *p, const void *data, size_t len)
{
    long n;
    tsock_err err = TSOCK_OK;
    if (p->fd == SLOOP_FD_INVALID) {
        return -1;
    }
    n = tsock_send(p->fd, data, len, &err);
    if (n < 0) {
        if (err == TSOCK_AGAIN) {
            return 0;
        }
        printf("    peer send: %s\n", tsock_error_text());
        return -1;
    }
    return n;
}

bool it_peer_send(it_peer *p, const void *data, size_t len)
{
    const uint8_t *b = (const uint8_t *)data;
    size_t done = 0U;
    uint32_t t0 = it_now_ms();
    while (done < len) {
        long n = it_peer_send_some(p, &b[done], len - done);
        if (n < 0) {
            return false;
        }
        done += (size_t)n;
        if (done < len) {
            if (((uint32_t)(it_now_ms() - t0) > IT_WAIT_MS) || !it_step()) {
                printf("    peer send: stuck after %zu of %zu bytes\n", done, len);
                return false;
            }
        }
    }
    return true;
}

void it_peer_read(it_peer *p)
{
    unsigned rounds = 0U;
    while ((p->fd != SLOOP_FD_INVALID) && (p->state == IT_PEER_OPEN) &&
           (p->len < IT_PEER_BUF) && (rounds < 64U)) {
        tsock_err err = TSOCK_OK;
        long n = tsock_recv(p->fd, &p->buf[p->len], IT_PEER_BUF - p->len, &err);
        rounds++;
        if (n > 0) {
            p->len += (size_t)n;
            p->total += (uint64_t)n;
        } else if (n == 0) {
            p->state = IT_PEER_EOF;
        } else if (err == TSOCK_AGAIN) {
            break;
        } else {
            p->err = (int)err;
            p->state = IT_PEER_RESET;
        }
    }
}

bool it_peer_has(it_peer *p, size_t n)
{
    it_peer_read(p);
    return p->len >= n;
}

bool it_peer_ended(it_peer *p)
{
    it_peer_read(p);
    return p->state != IT_PEER_OPEN;
}

void it_peer_consume(it_peer *p, size_t n)
{
    if (n >= p->len) {
        p->len = 0U;
    } else {
        memmove(p->buf, &p->buf[n], p->len - n);
        p->len -= n;
    }
}

long it_peer_take_frame(it_peer *p, uint8_t *out, size_t cap)
{
    uint32_t flen;
    if (p->len < 4U) {
        return -1;
    }
    flen = ((uint32_t)p->buf[0] << 24) | ((uint32_t)p->buf[1] << 16) |
           ((uint32_t)p->buf[2] << 8) | (uint32_t)p->buf[3];
    if ((size_t)flen > cap) {
        return -2;
    }
    if (p->len < 4U + (size_t)flen) {
        return -1;
    }
    memcpy(out, &p->buf[4], flen);
    it_peer_consume(p, 4U + (size_t)flen);
    return (long)flen;
}

/* ---- Frames and payloads -------------------------------------------------------------------- */

size_t it_frame(uint8_t *out, const void *payload, uint32_t len)
{
    out[0] = (uint8_t)(len >> 24);
    out[1] = (uint8_t)(len >> 16);
    out[2] = (uint8_t)(len >> 8);
    out[3] = (uint8_t)len;
    if (len > 0U) {
        memcpy(&out[4], payload, len);
    }
    return 4U + (size_t)len;
}

void it_pattern(uint8_t *out, size_t len, uint32_t seed)
{
    uint32_t x = (seed * 2654435761U) ^ 0x9E3779B9U ^ (uint32_t)len;
    size_t i;
    for (i = 0U; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out[i] = (uint8_t)(x >> 11);
    }
}

bool it_echo_round_trip(it_peer *p, uint32_t seed)
{
    uint8_t payload[32];
    uint8_t wire[36];
    uint32_t t0 = it_now_ms();
    size_t n;
    it_pattern(payload, sizeof payload, seed);
    n = it_frame(wire, payload, (uint32_t)sizeof payload);
    if (!it_peer_send(p, wire, n)) {
        return false;
    }
    while (!it_peer_has(p, n)) {
        if (((uint32_t)(it_now_ms() - t0) > IT_WAIT_MS) || !it_step()) {
            return false;
        }
    }
    if (memcmp(p->buf, wire, n) != 0) {
        return false;
    }
    it_peer_consume(p, n);
    return true;
}

/* ---- Fault-injecting sys table ------------------------------------------------------------- */

static bool fault_take(it_fault *f, unsigned *left)
{
    if (*left > 0U) {
        (*left)--;
        f->injected++;
        return true;
    }
    return false;
}

static uint32_t fault_now_ms(void *ctx)
{
    it_fault *f = (it_fault *)ctx;
    return f->base->now_ms(f->base->ctx) + f->clock_offset;
}

static int fault_listen(void *ctx, const char *addr, uint16_t port, int backlog, sloop_fd *out)
{
    it_fault *f = (it_fault *)ctx;
    return f->base->listen(f->base->ctx, addr, port, backlog, out);
}

static int fault_local_port(void *ctx, sloop_fd fd, uint16_t *port)
{
    it_fault *f = (it_fault *)ctx;
    return f->base->local_port(f->base->ctx, fd, port);
}

static int fault_accept(void *ctx, sloop_fd listener, sloop_fd *out)
{
    it_fault *f = (it_fault *)ctx;
    int rc;
    f->accept_calls++;
    if (fault_take(f, &f->eintr_accept)) {
        return SLOOP_SYS_EINTR;
    }
    if (fault_take(f, &f->emfile_accept)) {
        return SLOOP_SYS_EMFILE;
    }
    if (fault_take(f, &f->broken_accept)) {
        return SLOOP_SYS_EBADF;
    }
    rc = f->base->accept(f->base->ctx, listener, out);
    if ((rc == SLOOP_SYS_OK) && (f->accept_sndbuf > 0)) {
        tsock_set_sndbuf(*out, f->accept_sndbuf);
    }
    return rc;
}

static int fault_connect(void *ctx, const char *addr, uint16_t port, sloop_fd *out)
{
    it_fault *f = (it_fault *)ctx;
    if (f->connect_to_pipe) {
#if defined(_WIN32)
        /* WSAPoll takes sockets only: a listener nobody connects to is never
         * writable, and getpeername on it says WSAENOTCONN ("in progress"). */
        uint16_t unused = 0U;
        sloop_fd s = tsock_listen_loopback(1, &unused);
        if (s == SLOOP_FD_INVALID) {
            return SLOOP_SYS_EOTHER;
        }
        f->injected++;
        counted_opened(s); /* the loop owns it and must close it */
        *out = s;
#else
        int p[2];
        if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) {
            return SLOOP_SYS_EOTHER;
        }
        f->injected++;
        f->pipe_write_fd = p[1];
        it_fd_track(p[1]);
        counted_opened(p[0]); /* the loop owns it and must close it */
        *out = (sloop_fd)p[0]; /* the read end of a pipe is never writable */
#endif
        return SLOOP_SYS_EINPROGRESS;
    }
    return f->base->connect(f->base->ctx, addr, port, out);
}

static int fault_connect_result(void *ctx, sloop_fd fd)
{
    it_fault *f = (it_fault *)ctx;
    return f->base->connect_result(f->base->ctx, fd);
}

static int fault_recv(void *ctx, sloop_fd fd, void *buf, size_t len, size_t *got)
{
    it_fault *f = (it_fault *)ctx;
    if (fault_take(f, &f->eintr_recv)) {
        return SLOOP_SYS_EINTR;
    }
    if ((f->recv_max > 0U) && (len > f->recv_max)) {
        len = f->recv_max;
    }
    return f->base->recv(f->base->ctx, fd, buf, len, got);
}

static int fault_sendv(void *ctx, sloop_fd fd, const sloop_iov *iov, uint32_t iovcnt,
                       size_t *sent)
{
    it_fault *f = (it_fault *)ctx;
    if (fault_take(f, &f->eintr_sendv)) {
        return SLOOP_SYS_EINTR;
    }
    if ((f->sendv_max > 0U) && (iovcnt > 0U)) {
        /* The first buffer only, cut short. */
        sloop_iov one = iov[0];
        if (one.len > f->sendv_max) {
            one.len = f->sendv_max;
        }
        return f->base->sendv(f->base->ctx, fd, &one, 1U, sent);
    }
    return f->base->sendv(f->base->ctx, fd, iov, iovcnt, sent);
}

static int fault_close(void *ctx, sloop_fd fd)
{
    it_fault *f = (it_fault *)ctx;
    return f->base->close(f->base->ctx, fd);
}

static int fault_poll(void *ctx, sloop_pollfd *fds, uint32_t nfds, int timeout_ms,
                      uint32_t *nready)
{
    it_fault *f = (it_fault *)ctx;
    if (fault_take(f, &f->eintr_poll)) {
        return SLOOP_SYS_EINTR;
    }
    return f->base->poll(f->base->ctx, fds, nfds, timeout_ms, nready);
}

static int fault_epoll_create(void *ctx, sloop_fd *epfd)
{
    it_fault *f = (it_fault *)ctx;
    return f->base->epoll_create(f->base->ctx, epfd);
}

static int fault_epoll_ctl(void *ctx, sloop_fd epfd, int op, sloop_fd fd, uint32_t events,
                           uint64_t data)
{
    it_fault *f = (it_fault *)ctx;
    return f->base->epoll_ctl(f->base->ctx, epfd, op, fd, events, data);
}

static int fault_epoll_wait(void *ctx, sloop_fd epfd, sloop_epoll_event *events, uint32_t max,
                            int timeout_ms, uint32_t *n)
{
    it_fault *f = (it_fault *)ctx;
    if (fault_take(f, &f->eintr_epoll_wait)) {
        return SLOOP_SYS_EINTR;
    }
    return f->base->epoll_wait(f->base->ctx, epfd, events, max, timeout_ms, n);
}

void it_fault_init(it_fault *f)
{
    memset(f, 0, sizeof *f);
    f->base = it_sys_counted();
    f->table = *f->base; /* entries not wrapped here go straight to the counted table */
    f->table.recv_short_is_empty = 0U; /* recv_max shortens reads at will */
    f->pipe_write_fd = SLOOP_FD_INVALID;
    f->table.ctx = f;
    f->table.now_ms = fault_now_ms;
    f->table.listen = fault_listen;
    f->table.local_port = fault_local_port;
    f->table.accept = fault_accept;
    f->table.connect = fault_connect;
    f->table.connect_result = fault_connect_result;
    f->table.recv = fault_recv;
    f->table.sendv = fault_sendv;
    f->table.close = fault_close;
    f->table.poll = fault_poll;
    if (f->base->epoll_create != NULL) { /* no epoll on Windows */
        f->table.epoll_create = fault_epoll_create;
        f->table.epoll_ctl = fault_epoll_ctl;
        f->table.epoll_wait = fault_epoll_wait;
    }
}

sloop_err it_init_small_sndbuf(void)
{
    static it_fault f;
    it_fault_init(&f);
    f.accept_sndbuf = 16384;
    return it_init(&f.table);
}

/* ---- Per-test setup and teardown -------------------------------------------------------------- */

static int fds_at_begin;

static void raise_nofile(void)
{
#if !defined(_WIN32) /* Windows has no per-process socket limit to raise */
    static bool done;
    struct rlimit rl;
    if (!done && (getrlimit(RLIMIT_NOFILE, &rl) == 0) && (rl.rlim_cur < rl.rlim_max)) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
    done = true;
#endif
}

void it_begin(sloop_backend b)
{
    raise_nofile();
    it_backend = b;
    memset(closed_gen, 0, sizeof closed_gen);
    violations = 0U;
    tracked_count = 0U;
    (void)it_sys_counted();
    cnt.opened = 0U;
    cnt.closed = 0U;
    cnt.close_errors = 0U;
#if defined(_WIN32)
    seen_count = 0U;
    seen_overflow = false;
#endif
    it_loop.magic = 0U; /* not initialised until the body says so */
    fds_at_begin = it_fd_count();
}

void it_end(it_end_report *r)
{
    memset(r, 0, sizeof *r);
    r->fds_before = fds_at_begin;
    r->close_err = SLOOP_OK;
    r->loop_ready = (it_loop.magic != 0U);
    if (r->loop_ready) {
        r->conns = sloop_slots_open_count(&it_loop.conn_slots);
        r->listeners = sloop_slots_open_count(&it_loop.listener_slots);
        r->watches = sloop_slots_open_count(&it_loop.watch_slots);
        r->user_timers = it_loop.user_timers;
        r->pending = it_loop.pending_count;
    }
    r->tracked_fds = tracked_count;
    /* Peers first: what the loop still holds then sees them go. */
    while (tracked_count > 0U) {
        it_fd_close(tracked[0]);
    }
    if (r->loop_ready) {
        r->close_err = sloop_close(&it_loop);
        if (r->close_err != SLOOP_OK) {
            it_loop.magic = 0U;
        }
    }
    r->fds_after = it_fd_count();
    r->violations = violations;
    r->sys_opened = cnt.opened;
    r->sys_closed = cnt.closed;
    r->sys_close_errors = cnt.close_errors;
}
