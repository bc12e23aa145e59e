/*
 * itest.h - shared support for the loopback integration tests of the loop.
 *
 * Every test body is written once and run for each backend by IT_CASE (Linux:
 * poll, epoll, epoll-et; Windows: WSAPoll, the only one there), which also
 * checks, after each run, what every user of sloop relies on: no descriptor
 * left open, every socket the loop opened through its sys table closed by it
 * exactly once and without error, every connection, listener and watcher slot
 * free before sloop_close, no user timer left, sloop_close returning SLOOP_OK,
 * and no callback for a handle after its on_close.
 *
 * Rules the tests follow:
 *  - The loop lives in static storage (it_loop: ~25 MB with the itest budget).
 *  - Everything a callback's `user` points to is static too, so a test that
 *    fails half-way can still be torn down by sloop_close safely.
 *  - The loop is driven by sloop_run_once with a small timeout inside IT_WAIT,
 *    which has an overall deadline: a bug fails the test instead of hanging it.
 *  - Peers are plain non-blocking loopback sockets (it_peer, over tests/tsock.h,
 *    which is POSIX or Winsock) or connections made by sloop_connect in the
 *    same loop.
 *
 * Helpers in itest.c report problems by their return value and a printed line;
 * only the test files use the harness checks (sl_current_failed is per file).
 */
#ifndef SLOOP_ITEST_H
#define SLOOP_ITEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness.h"
#include "sloop.h"
#include "tsock.h"

/* ---- The loop under test and the backend of the current run ------------------ */
extern sloop_loop it_loop;
extern sloop_backend it_backend;

/* Wall-clock deadlines for waits; generous so that a loaded machine does not
 * fail a correct loop, short enough that a hang is noticed quickly. */
#define IT_WAIT_MS 5000U

uint32_t it_now_ms(void);
/* Sleeps without the loop (for waits after sloop_close). */
void it_sleep_ms(uint32_t ms);
/* Descriptors open in this process. Linux: entries of /proc/self/fd. Windows
 * (no /proc; SOCKET values are not small integers): the sockets this test saw
 * created (by the loop through its sys table, see it_sys_counted, or by the
 * helpers here) that are still open sockets (tsock_is_open); it is 0 at the
 * start of every test. */
int it_fd_count(void);

/* The backend a loop gets with no sloop_options, and how a test asks "is this
 * the poll-shaped backend" (WSAPoll runs src/backend/poll.c). */
#if defined(_WIN32)
#define IT_DEFAULT_BACKEND SLOOP_BACKEND_WSAPOLL
#else
#define IT_DEFAULT_BACKEND SLOOP_BACKEND_EPOLL
#endif
#define IT_BACKEND_IS_POLL(b) (((b) == SLOOP_BACKEND_POLL) || ((b) == SLOOP_BACKEND_WSAPOLL))

/* sloop_init(&it_loop) for the current backend with an optional sys table;
 * sys == NULL means it_sys_counted() (the default table, counted). */
sloop_err it_init(const sloop_sys *sys);
/* sloop_sys_default() wrapped to count what the loop opens (listen, accept,
 * connect) and closes, and close calls that fail; it_fault tables sit on it. */
const sloop_sys *it_sys_counted(void);
/* The test hands fd to the loop (sloop_conn_adopt succeeded): it counts as
 * opened by the loop, which must close it, and is no longer tracked. */
void it_sys_handed_over(sloop_fd fd);
/* One loop iteration (waits at most 2 ms); false (and a printed line) if
 * sloop_run_once failed. */
bool it_step(void);
/* Runs the loop for about ms milliseconds (bounded by iterations too). */
bool it_pump_for(uint32_t ms);

/* Waits, driving the loop, until cond holds; fails the test if it does not
 * within ms milliseconds or the loop reports an error. cond may have side
 * effects that make progress (reading a peer socket). */
#define IT_WAIT(cond, ms)                                                                  \
    do {                                                                                   \
        uint32_t it_t0_ = it_now_ms();                                                     \
        bool it_ok_ = false;                                                               \
        for (;;) {                                                                         \
            if (cond) {                                                                    \
                it_ok_ = true;                                                             \
                break;                                                                     \
            }                                                                              \
            if ((uint32_t)(it_now_ms() - it_t0_) > (uint32_t)(ms)) {                       \
                break;                                                                     \
            }                                                                              \
            if (!it_step()) {                                                              \
                break;                                                                     \
            }                                                                              \
        }                                                                                  \
        if (!it_ok_) {                                                                     \
            sl_report(__FILE__, __LINE__, "timed out waiting for: " #cond);                \
            return;                                                                        \
        }                                                                                  \
    } while (0)

#define SL_CHECK_OK(expr) SL_CHECK_EQ((expr), SLOOP_OK)

/* The loop's counters, read through the public API. */
static inline sloop_counters it_ctr(void)
{
    sloop_counters k;
    memset(&k, 0, sizeof k);
    sloop_counters_get(&it_loop, &k);
    return k;
}

/* ---- Listener option presets -------------------------------------------------- */
/* 127.0.0.1, port 0, 4-byte big-endian length frames up to SLOOP_MAX_FRAME. */
void it_listen_opts_length(sloop_listen_options *o, const sloop_handler *h, void *user);
/* Same, for connection options only. */
void it_conn_opts_length(sloop_conn_options *o);
/* Starts a listener and reads its port; false (printed) on failure. */
bool it_listen(const sloop_listen_options *o, sloop_listener *out, uint16_t *port);

/* ---- Callback bookkeeping --------------------------------------------------------- */
/* Every handler used by the tests calls it_cb_live at the start of on_open,
 * on_frame and on_writable and it_cb_closed at the start of on_close: a
 * callback for a handle that is not valid, a second on_close, or any callback
 * after on_close counts as a violation, checked after each test. */
void it_cb_live(sloop_loop *loop, sloop_conn conn);
void it_cb_closed(sloop_loop *loop, sloop_conn conn);

/* What a handler saw; tests keep these in static storage. */
typedef struct it_rec {
    unsigned opens;
    unsigned frames;
    unsigned closes;
    unsigned writables;
    unsigned send_full;   /* sloop_send returned SLOOP_EFULL */
    unsigned send_errors; /* any other sloop_send failure */
    unsigned reason[SLOOP_CLOSE_REASON_COUNT];
    sloop_close_reason last_reason;
    sloop_conn last_open; /* handle of the last on_open */
    uint64_t bytes;       /* payload bytes of all frames */
} it_rec;

/* Echo: each frame is sent back as one frame (LENGTH and RAW modes: as is;
 * DELIM mode: it_echo_delim_handler adds "\r\n"). An echo that meets
 * SLOOP_EFULL is dropped and counted (send_full). user: it_rec *. */
extern const sloop_handler it_echo_handler;
extern const sloop_handler it_echo_delim_handler;
/* Records opens, frames and closes; sends nothing. user: it_rec *. */
extern const sloop_handler it_record_handler;
void it_rec_reset(it_rec *r);

/* Stream: sends numbered frames (4-byte big-endian number, then it_pattern
 * bytes seeded by it) until sloop_send says SLOOP_EFULL, from on_open and again
 * from on_writable, up to `limit` frames (0: no limit). Checks the promises of
 * backpressure as it goes: a failing send leaves the queued byte count
 * unchanged, and on_writable comes only once the ring is empty. user: it_stream. */
typedef struct it_stream {
    it_rec rec;
    uint32_t next;          /* number of the next frame to send */
    uint32_t limit;         /* frames to send in all; 0: no limit */
    uint32_t frame_len;     /* payload bytes per frame, >= 4 */
    bool close_when_done;   /* sloop_conn_close once `limit` frames are queued */
    unsigned partial;       /* EFULL calls that changed the queued byte count */
    unsigned writable_early;/* on_writable while bytes were still queued */
} it_stream;

extern const sloop_handler it_stream_handler;
void it_stream_reset(it_stream *s, uint32_t frame_len, uint32_t limit);
void it_stream_fill(sloop_loop *loop, sloop_conn conn, it_stream *s);
/* Drives the loop, offering more frames every iteration, until the stream
 * cannot progress: bytes are queued and no frame could be added for 20
 * iterations in a row, first with frame_len frames, then with 4-byte ones
 * (frame_len becomes 4) so that the kernel's send buffer is full too and
 * nothing queued can leave while the peer does not read. */
bool it_stream_wait_stalled(it_stream *s, sloop_conn conn);

/* A listener whose every accepted connection gets its own stream: on_open
 * takes the next unused one and makes it the connection's user
 * (sloop_conn_set_user). Listener user: it_stream_pool. */
#define IT_STREAM_POOL 8U
typedef struct it_stream_pool {
    it_stream s[IT_STREAM_POOL];
    uint32_t used;
} it_stream_pool;
extern const sloop_handler it_stream_pool_handler;
void it_stream_pool_reset(it_stream_pool *pool, uint32_t frame_len, uint32_t limit);

/* ---- Plain socket peers ------------------------------------------------------------ */
#define IT_PEER_BUF 65536U

typedef struct it_peer {
    sloop_fd fd;     /* SLOOP_FD_INVALID when not connected */
    int state;       /* IT_PEER_OPEN, IT_PEER_EOF or IT_PEER_RESET */
    int err;         /* tsock_err of a failed recv */
    size_t len;      /* bytes in buf */
    uint64_t total;  /* bytes received since connect */
    uint8_t buf[IT_PEER_BUF];
} it_peer;

#define IT_PEER_OPEN 0
#define IT_PEER_EOF 1
#define IT_PEER_RESET 2

/* Connects to 127.0.0.1:port (blocking connect, which the kernel completes from
 * the listen backlog), then makes the socket non-blocking with TCP_NODELAY.
 * rcvbuf > 0 sets SO_RCVBUF before connecting. False (printed) on failure. */
bool it_peer_connect(it_peer *p, uint16_t port, int rcvbuf);
/* Closes the socket if open. linger_reset: SO_LINGER {1,0} first (RST). */
void it_peer_close(it_peer *p, bool linger_reset);
/* Sends all bytes, driving the loop while the socket is full; false on error or
 * after IT_WAIT_MS. */
bool it_peer_send(it_peer *p, const void *data, size_t len);
/* Sends what fits now without blocking; returns the bytes sent (0 when full),
 * or -1 on error. */
long it_peer_send_some(it_peer *p, const void *data, size_t len);
/* Reads what is available into buf (up to its capacity); updates state. */
void it_peer_read(it_peer *p);
/* it_peer_read, then: at least n bytes buffered? */
bool it_peer_has(it_peer *p, size_t n);
/* it_peer_read, then: did the stream end (EOF or reset)? */
bool it_peer_ended(it_peer *p);
/* Removes one 4-byte-length frame from the front of buf into out (cap bytes);
 * returns its payload length, or -1 when no whole frame is buffered, or -2 when
 * the frame is larger than cap. */
long it_peer_take_frame(it_peer *p, uint8_t *out, size_t cap);
/* Drops n bytes from the front of buf. */
void it_peer_consume(it_peer *p, size_t n);

/* Takes every whole frame buffered in p and checks it is it_stream frame number
 * *next, intact (any length); advances *next. False at the first wrong frame. */
bool it_stream_verify(it_peer *p, uint32_t *next);
/* Reads and verifies what arrived; true once the stream ended with nothing
 * left over, or at the first wrong frame (*bad is then set). */
bool it_stream_drained(it_peer *p, uint32_t *next, bool *bad);

/* Every socket or pipe a test opens through these helpers is tracked, so a
 * failed test can still close it; a test that passes must close them itself. */
void it_fd_track(sloop_fd fd);
void it_fd_untrack(sloop_fd fd);
void it_fd_close(sloop_fd fd); /* close + untrack; SLOOP_FD_INVALID is ignored */
unsigned it_fd_tracked(void);
/* tsock_pipe, both ends tracked; false (printed) on failure. */
bool it_pipe(sloop_fd p[2]);
/* tsock_pair, both ends tracked; false (printed) on failure. */
bool it_pair(sloop_fd sv[2]);
/* A TCP socket bound to 127.0.0.1 (port chosen by the system) that does not
 * listen: connecting to *port is refused. Tracked. */
sloop_fd it_bound_not_listening(uint16_t *port);

/* ---- Frames and payloads -------------------------------------------------------------- */
/* Writes a 4-byte big-endian header and the payload into out; returns the size. */
size_t it_frame(uint8_t *out, const void *payload, uint32_t len);
/* Deterministic bytes: the same (seed, length) always gives the same content. */
void it_pattern(uint8_t *out, size_t len, uint32_t seed);
/* Sends one 32-byte it_pattern(seed) frame on p and waits (stepping the loop, up
 * to IT_WAIT_MS) until exactly it comes back; consumes it. For echo servers. */
bool it_echo_round_trip(it_peer *p, uint32_t seed);

/* ---- A sys table that wraps sloop_sys_default() to inject faults --------------------- */
typedef struct it_fault {
    sloop_sys table; /* pass &table as sloop_options.sys; its ctx is this struct */
    const sloop_sys *base;
    /* Calls still to fail with SLOOP_SYS_EINTR (without calling the OS). */
    unsigned eintr_recv;
    unsigned eintr_sendv;
    unsigned eintr_poll;
    unsigned eintr_epoll_wait;
    unsigned eintr_accept;
    /* > 0: every recv asks for at most this many bytes, every sendv sends at
     * most this many (short reads and writes on a socket that is not empty
     * or full). */
    size_t recv_max;
    size_t sendv_max;
    /* accept calls still to fail with SLOOP_SYS_EMFILE. */
    unsigned emfile_accept;
    /* accept calls still to fail with SLOOP_SYS_EBADF (a broken listener). */
    unsigned broken_accept;
    /* accept calls made through this table. */
    unsigned accept_calls;
    /* connect returns, with SLOOP_SYS_EINPROGRESS, a descriptor that never
     * becomes writable nor fails. POSIX: the read end of a fresh pipe; its
     * write end is kept here (and tracked), the test closes it. Windows, where
     * WSAPoll takes sockets only: a listening socket on 127.0.0.1 nobody
     * connects to (never writable; getpeername says WSAENOTCONN, so the loop's
     * 100 ms connect probe keeps seeing "in progress"); pipe_write_fd stays
     * SLOOP_FD_INVALID. */
    bool connect_to_pipe;
    sloop_fd pipe_write_fd;
    /* > 0: SO_SNDBUF for every accepted socket (fixed, no autotuning), so that
     * a peer that does not read stalls a stream after little data. */
    int accept_sndbuf;
    /* Added to every clock reading: moves the loop's 32-bit clock anywhere,
     * e.g. just before it wraps. */
    uint32_t clock_offset;
    unsigned injected; /* faults injected so far */
} it_fault;

void it_fault_init(it_fault *f);
/* it_init with a fault table that only sets accept_sndbuf to 16 KiB. */
sloop_err it_init_small_sndbuf(void);

/* ---- The per-backend wrapper ------------------------------------------------------------ */
typedef struct it_end_report {
    bool loop_ready;          /* the body left the loop initialised */
    uint32_t conns;           /* slots still open before sloop_close */
    uint32_t listeners;
    uint32_t watches;
    uint32_t user_timers;
    uint32_t pending;
    unsigned tracked_fds;     /* helper-tracked descriptors the body left open */
    sloop_err close_err;      /* sloop_close result (SLOOP_OK if the body closed it) */
    int fds_before;
    int fds_after;
    unsigned violations;
    /* it_sys_counted: what the loop opened, closed, and closes that failed. */
    unsigned sys_opened;
    unsigned sys_closed;
    unsigned sys_close_errors;
} it_end_report;

void it_begin(sloop_backend b);
/* Cleans up whatever the body left (always), and reports what it found. */
void it_end(it_end_report *r);

static inline void it_case(sloop_backend b, void (*body)(void))
{
    it_end_report r;
    it_begin(b);
    body();
    it_end(&r);
    if (sl_current_failed != 0) {
        return; /* the first failure is the one worth reading */
    }
    SL_CHECK_EQ(r.violations, 0);
    SL_CHECK_EQ(r.conns, 0);
    SL_CHECK_EQ(r.listeners, 0);
    SL_CHECK_EQ(r.watches, 0);
    SL_CHECK_EQ(r.user_timers, 0);
    SL_CHECK_EQ(r.pending, 0);
    SL_CHECK_EQ(r.tracked_fds, 0);
    SL_CHECK_EQ(r.close_err, SLOOP_OK);
    SL_CHECK_EQ(r.fds_after, r.fds_before);
    SL_CHECK_EQ(r.sys_closed, r.sys_opened);
    SL_CHECK_EQ(r.sys_close_errors, 0);
}

/* Defines name_poll, name_epoll and name_epoll_et (Windows: name_wsapoll),
 * each running the body below the macro with that backend. List them with
 * IT_ENTRIES(name). */
#if defined(_WIN32)
#define IT_CASE(name)                                                                      \
    static void name(void);                                                                \
    SL_TEST(name##_wsapoll) { it_case(SLOOP_BACKEND_WSAPOLL, name); }                      \
    static void name(void)

#define IT_ENTRIES(name) SL_ENTRY(name##_wsapoll)
#else
#define IT_CASE(name)                                                                      \
    static void name(void);                                                                \
    SL_TEST(name##_poll) { it_case(SLOOP_BACKEND_POLL, name); }                            \
    SL_TEST(name##_epoll) { it_case(SLOOP_BACKEND_EPOLL, name); }                          \
    SL_TEST(name##_epoll_et) { it_case(SLOOP_BACKEND_EPOLL_ET, name); }                    \
    static void name(void)

#define IT_ENTRIES(name) SL_ENTRY(name##_poll), SL_ENTRY(name##_epoll), SL_ENTRY(name##_epoll_et)
#endif

#endif
