/*
 * sloop.h - the public API of sloop, a static-budget event loop.
 *
 * One sloop_loop holds all the memory the loop will ever use: the connection
 * table with each connection's receive and transmit buffers, the timer heap,
 * listeners, watchers and the readiness event array, all sized by
 * sloop_config.h. Place it where you like (static storage is typical; it is
 * large). Nothing is allocated at run time.
 *
 * Rules every function keeps:
 *  - Fallible functions return sloop_err; SLOOP_OK is 0; sloop_strerror() names
 *    each value. A bad argument gets SLOOP_EINVAL, a handle that is no longer
 *    valid SLOOP_ESTALE; never undefined behaviour.
 *  - Handles carry a generation: a handle kept after its object closed is
 *    rejected, and no callback ever runs for a closed handle.
 *  - Callbacks run on the loop's thread, from the loop, never from inside
 *    another API call. A callback may call any function, including closing its
 *    own connection or stopping the loop; closes take effect after the callback
 *    returns, and on_close is the last callback of a connection.
 *  - A frame sloop_send() accepted is either delivered to the OS or its
 *    connection's on_close reports why not.
 * See docs/api.md for every function and docs/design.md for the reasons.
 */
#ifndef SLOOP_H
#define SLOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sloop_config.h"
#include "sloop_sys.h"
#include "core/frame.h"
#include "core/ring.h"
#include "core/slots.h"
#include "core/tick.h"
#include "core/timer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Results --------------------------------------------------------------- */
typedef enum sloop_err {
    SLOOP_OK = 0,
    SLOOP_EINVAL,   /* bad argument or option */
    SLOOP_ESTALE,   /* handle no longer (or never) valid */
    SLOOP_EFULL,    /* transmit buffer lacks room for the whole frame; nothing queued */
    SLOOP_ETOOBIG,  /* frame can never fit (header size or SLOOP_TX_BUF_SIZE) */
    SLOOP_ELIMIT,   /* a fixed table is full (connections, timers, listeners, watchers) */
    SLOOP_ECLOSING, /* connection is closing: no more sends */
    SLOOP_ESYS,     /* the OS refused; sloop_last_sys_error() tells which error */
    SLOOP_ESTATE,   /* not allowed now (e.g. sloop_run from inside a callback) */
    SLOOP_EBACKEND, /* requested backend is not compiled in or not available */
    SLOOP_ERR_COUNT
} sloop_err;

const char *sloop_strerror(sloop_err err);

/* Why a connection closed; passed to on_close. */
typedef enum sloop_close_reason {
    SLOOP_CLOSE_LOCAL = 0,       /* sloop_conn_close(): everything queued was sent */
    SLOOP_CLOSE_ABORT,           /* sloop_conn_abort(): queued data discarded */
    SLOOP_CLOSE_PEER,            /* peer closed its end (end of stream) */
    SLOOP_CLOSE_RESET,           /* ECONNRESET or EPIPE */
    SLOOP_CLOSE_IO_ERROR,        /* other receive or send error, or error/hang-up event */
    SLOOP_CLOSE_BAD_FD,          /* the descriptor was closed behind sloop's back (POLLNVAL) */
    SLOOP_CLOSE_FRAME_TOO_BIG,   /* length header above the maximum frame */
    SLOOP_CLOSE_FRAME_TOO_LONG,  /* no delimiter within the maximum frame */
    SLOOP_CLOSE_IDLE_TIMEOUT,    /* no traffic for idle_timeout_ms */
    SLOOP_CLOSE_SLOW_PEER,       /* a started frame not completed within frame_timeout_ms */
    SLOOP_CLOSE_CONNECT_FAILED,  /* outgoing connect refused or failed */
    SLOOP_CLOSE_CONNECT_TIMEOUT, /* outgoing connect not done within connect_timeout_ms */
    SLOOP_CLOSE_LINGER_TIMEOUT,  /* graceful close could not flush within linger_ms; data lost */
    SLOOP_CLOSE_SHUTDOWN,        /* loop shutdown deadline passed; queued data lost */
    SLOOP_CLOSE_REASON_COUNT
} sloop_close_reason;

const char *sloop_close_reason_name(sloop_close_reason reason);

/* ---- Handles ----------------------------------------------------------------- */
typedef struct sloop_conn { uint32_t id; uint32_t gen; } sloop_conn;
typedef struct sloop_timer { uint32_t id; uint32_t gen; } sloop_timer;
typedef struct sloop_listener { uint32_t id; uint32_t gen; } sloop_listener;
typedef struct sloop_watch { uint32_t id; uint32_t gen; } sloop_watch;
typedef struct sloop_signal { uint32_t id; uint32_t gen; } sloop_signal;

typedef struct sloop_loop sloop_loop;

/* ---- Callbacks --------------------------------------------------------------- */
typedef struct sloop_handler {
    /* Connection established (accepted, or outgoing connect completed). */
    void (*on_open)(sloop_loop *loop, sloop_conn conn, void *user);
    /* One complete frame. data is valid only during the call. */
    void (*on_frame)(sloop_loop *loop, sloop_conn conn, const uint8_t *data, uint32_t len,
                     void *user);
    /* The transmit buffer drained after a sloop_send() returned SLOOP_EFULL or
     * after reading was paused. */
    void (*on_writable)(sloop_loop *loop, sloop_conn conn, void *user);
    /* Last callback of the connection; conn is already invalid. */
    void (*on_close)(sloop_loop *loop, sloop_conn conn, sloop_close_reason reason, void *user);
} sloop_handler;

typedef void (*sloop_timer_cb)(sloop_loop *loop, sloop_timer timer, void *user);

/* Watcher events (also in `events` arguments). */
#define SLOOP_READABLE 1U
#define SLOOP_WRITABLE 2U
#define SLOOP_ERROR 4U /* error or hang-up; with POLLNVAL the watcher is stopped */
typedef void (*sloop_watch_cb)(sloop_loop *loop, sloop_watch watch, sloop_fd fd,
                               unsigned events, void *user);
/* A watched signal arrived (one call for any number of arrivals since the last). */
typedef void (*sloop_signal_cb)(sloop_loop *loop, sloop_signal sig, int signo, void *user);
/* sloop_wake() was called (one call for any number of wakes since the last). */
typedef void (*sloop_wake_cb)(sloop_loop *loop, void *user);

/* ---- Options ----------------------------------------------------------------- */
typedef enum sloop_backend {
    SLOOP_BACKEND_DEFAULT = 0, /* epoll on Linux, WSAPoll on Windows, else poll */
    SLOOP_BACKEND_POLL,
    SLOOP_BACKEND_EPOLL,       /* level-triggered */
    SLOOP_BACKEND_EPOLL_ET,    /* edge-triggered: reads drain until EAGAIN */
    SLOOP_BACKEND_WSAPOLL
} sloop_backend;

typedef struct sloop_options {
    sloop_backend backend;
    const sloop_sys *sys; /* NULL: sloop_sys_default(); must outlive the loop */
} sloop_options;

/* Called when a connection is about to close for a framing error: reason is
 * SLOOP_CLOSE_FRAME_TOO_BIG, SLOOP_CLOSE_FRAME_TOO_LONG or SLOOP_CLOSE_SLOW_PEER.
 * The connection is still open during the call, so it may sloop_send() a final
 * reply (e.g. an HTTP 431 or 408). Afterwards the loop stops reading and closes
 * gracefully: what is queued is flushed within linger_ms, and on_close reports
 * the same reason (SLOOP_CLOSE_LINGER_TIMEOUT if the flush did not finish). A
 * sloop_conn_abort() from the callback discards the reply; the reason stays. */
typedef void (*sloop_frame_error_cb)(sloop_loop *loop, sloop_conn conn,
                                     sloop_close_reason reason, void *user);

/* Per-connection behaviour. Zero timeouts mean "none". */
typedef struct sloop_conn_options {
    sloop_frame_config framing; /* max_payload <= SLOOP_MAX_FRAME */
    uint32_t idle_timeout_ms;   /* close after this long without traffic either way */
    uint32_t frame_timeout_ms;  /* slow peer: a started frame must complete within this */
    uint32_t linger_ms;         /* graceful close: deadline to flush (0: 5000 ms) */
    uint32_t connect_timeout_ms;/* outgoing connects (0: 10000 ms) */
    /* NULL: a framing error closes at once (queued data discarded). Gets the
     * connection's user pointer. */
    sloop_frame_error_cb on_frame_error;
} sloop_conn_options;

typedef struct sloop_listen_options {
    const char *addr;  /* IPv4/IPv6 literal; NULL = 0.0.0.0 */
    uint16_t port;     /* 0: the OS picks; read it with sloop_listener_port() */
    int backlog;       /* 0: 128 */
    sloop_conn_options conn; /* for every accepted connection */
    const sloop_handler *handler;
    void *user;
} sloop_listen_options;

/* Counters a loop keeps; read with sloop_counters_get(). Never reset by sloop. */
typedef struct sloop_counters {
    uint64_t accepts;           /* connections accepted */
    uint64_t accept_errors;     /* accept() failures other than EAGAIN */
    uint64_t accept_pauses;     /* times listeners were paused (table full or fd limit) */
    uint64_t connects;          /* outgoing connections established */
    uint64_t frames_in;
    uint64_t frames_out;        /* frames queued by sloop_send */
    uint64_t bytes_in;
    uint64_t bytes_out;
    uint64_t send_full;         /* sloop_send returned SLOOP_EFULL */
    uint64_t timers_fired;      /* user timer callbacks */
    uint64_t wakeups;           /* backend waits that returned */
    uint64_t events;            /* readiness events dispatched */
    uint64_t eintr;             /* interrupted system calls retried */
    uint64_t closes[SLOOP_CLOSE_REASON_COUNT];
    uint64_t sys_errors[SLOOP_SYS_ERR_COUNT]; /* every sys failure, by kind */
    uint64_t signals;           /* signal watcher callbacks */
    uint64_t wakes;             /* on_wake callbacks */
} sloop_counters;

/* ---- Lifecycle ----------------------------------------------------------------- */
/* Prepares a loop. The sizeof argument catches a loop compiled with a different
 * sloop_config.h than the library (returns SLOOP_EINVAL). Use the macro. */
sloop_err sloop_init_sized(sloop_loop *loop, const sloop_options *opts, size_t loop_size);
#define sloop_init(loop, opts) sloop_init_sized((loop), (opts), sizeof(sloop_loop))

/* Aborts every connection (on_close with SLOOP_CLOSE_SHUTDOWN), closes listeners,
 * stops watchers and timers, releases the backend. The loop may be re-initialised.
 * SLOOP_ESTATE from inside a callback (call sloop_stop there, close after run). */
sloop_err sloop_close(sloop_loop *loop);

/* Runs until sloop_stop(), until a sloop_shutdown() completes, or until nothing
 * is left to wait for. SLOOP_ESYS if the backend wait itself fails. */
sloop_err sloop_run(sloop_loop *loop);

/* One iteration: waits up to timeout_ms (< 0: no limit other than timers) for
 * readiness, dispatches it, runs due timers. */
sloop_err sloop_run_once(sloop_loop *loop, int32_t timeout_ms);

/* Makes sloop_run return after the current iteration. The request lasts until
 * the end of that iteration (or, made outside any iteration, until the next
 * sloop_run or sloop_run_once starts): it never makes later waits return early. */
void sloop_stop(sloop_loop *loop);

/* Graceful shutdown: listeners close now, every connection is closed gracefully
 * (flush, then close); connections still open after deadline_ms are aborted with
 * SLOOP_CLOSE_SHUTDOWN. sloop_run returns once none is left. */
sloop_err sloop_shutdown(sloop_loop *loop, uint32_t deadline_ms);

/* The loop's current time in ms (sampled once per iteration). */
sloop_tick sloop_now(const sloop_loop *loop);

void sloop_counters_get(const sloop_loop *loop, sloop_counters *out);
/* The sys error behind the last SLOOP_ESYS (a sloop_sys_err). */
int sloop_last_sys_error(const sloop_loop *loop);
sloop_backend sloop_backend_in_use(const sloop_loop *loop);
const char *sloop_backend_name(sloop_backend backend);

/* ---- Listeners ------------------------------------------------------------------- */
sloop_err sloop_listen(sloop_loop *loop, const sloop_listen_options *opts,
                       sloop_listener *out);
sloop_err sloop_listener_port(sloop_loop *loop, sloop_listener l, uint16_t *port);
sloop_err sloop_listener_close(sloop_loop *loop, sloop_listener l);

/* ---- Connections ----------------------------------------------------------------- */
/* Starts an outgoing connection; on_open or on_close(CONNECT_FAILED/TIMEOUT) follows. */
sloop_err sloop_connect(sloop_loop *loop, const char *addr, uint16_t port,
                        const sloop_conn_options *opts, const sloop_handler *handler,
                        void *user, sloop_conn *out);
/* Takes over an already connected socket (it becomes sloop's to close). */
sloop_err sloop_conn_adopt(sloop_loop *loop, sloop_fd fd, const sloop_conn_options *opts,
                           const sloop_handler *handler, void *user, sloop_conn *out);
/* Queues one frame: all of it or nothing. In LENGTH mode the header is added; in
 * DELIM and RAW modes the bytes go out as given. */
sloop_err sloop_send(sloop_loop *loop, sloop_conn conn, const void *data, uint32_t len);
/* Graceful close: stop reading, send what is queued, then close (within linger_ms). */
sloop_err sloop_conn_close(sloop_loop *loop, sloop_conn conn);
/* Immediate close: queued data is discarded. */
sloop_err sloop_conn_abort(sloop_loop *loop, sloop_conn conn);
/* Backpressure: while paused, sloop stops reading this connection (the peer's
 * data waits in the kernel, then the peer's own buffers). Takes effect after the
 * current read: at most the rest of it (< SLOOP_READ_CHUNK bytes) is still
 * delivered. Errors and hang-ups are still detected. on_writable fires once the
 * transmit buffer is empty, so a server can pause when its replies back up and
 * resume there. Idle and slow-peer timeouts keep running. */
sloop_err sloop_conn_pause_read(sloop_loop *loop, sloop_conn conn, bool paused);
/* One-shot fixed-length frame: the next frame on_frame gets for this connection
 * is exactly the next n bytes received, whatever the framing mode (no header, no
 * delimiter); the configured framing resumes after it. Typically called from
 * on_frame: an HTTP head arrived and a body of Content-Length n follows. Bytes
 * already received after the current frame (in the same read) are decoded under
 * the new expectation. The expected frame counts as started at once, so
 * frame_timeout_ms bounds the wait for all n bytes. SLOOP_ESTALE: stale handle;
 * SLOOP_EINVAL: n == 0 or n > framing.max_payload; SLOOP_ESTATE: the connection
 * is not open (connecting or closing), or the decoder is inside a frame
 * (a partial frame received outside on_frame, or an expect already pending). */
sloop_err sloop_conn_expect(sloop_loop *loop, sloop_conn conn, uint32_t n);
/* Bytes queued and free in the transmit buffer. */
sloop_err sloop_conn_tx_queued(sloop_loop *loop, sloop_conn conn, uint32_t *queued,
                               uint32_t *space);
bool sloop_conn_valid(const sloop_loop *loop, sloop_conn conn);
sloop_err sloop_conn_set_user(sloop_loop *loop, sloop_conn conn, void *user);

/* ---- Timers ------------------------------------------------------------------------ */
/* Fires after delay_ms, then every period_ms if period_ms > 0. Both at most
 * SLOOP_TICK_MAX_DELAY. A one-shot timer's handle is stale once it fired. */
sloop_err sloop_timer_start(sloop_loop *loop, uint32_t delay_ms, uint32_t period_ms,
                            sloop_timer_cb cb, void *user, sloop_timer *out);
sloop_err sloop_timer_reschedule(sloop_loop *loop, sloop_timer t, uint32_t delay_ms,
                                 uint32_t period_ms);
sloop_err sloop_timer_stop(sloop_loop *loop, sloop_timer t);

/* ---- Generic fd watchers ------------------------------------------------------------ */
/* Watches a descriptor sloop does not own (pipe, eventfd, serial device) for
 * SLOOP_READABLE and/or SLOOP_WRITABLE. Level-triggered in every backend. */
sloop_err sloop_watch_start(sloop_loop *loop, sloop_fd fd, unsigned events, sloop_watch_cb cb,
                            void *user, sloop_watch *out);
sloop_err sloop_watch_modify(sloop_loop *loop, sloop_watch w, unsigned events);
/* Stops watching; the descriptor stays open (it is the caller's). */
sloop_err sloop_watch_stop(sloop_loop *loop, sloop_watch w);

/* ---- Signals ------------------------------------------------------------------------- */
/* Delivers signal signo (1..64) as an ordinary callback on the loop's thread;
 * no user code ever runs in a signal handler. Arrivals coalesce: one call for
 * any number of arrivals since the last, and never more calls than arrivals.
 * Linux: the signal is blocked in the calling thread and read from a
 * signalfd, so every other thread of the process must block it too (start
 * watchers before creating threads: threads inherit the mask), or the kernel
 * may deliver it to a thread that does not, with its default action. Other
 * POSIX: a handler writes the number to a self-pipe (one loop per process may
 * watch signals). SLOOP_EINVAL for a number out of range or already watched by
 * this loop, SLOOP_ELIMIT beyond SLOOP_MAX_SIGNALS, SLOOP_ESYS if the OS
 * refused (sloop_last_sys_error says why), SLOOP_EBACKEND where the sys table
 * has no signal channel (Windows, bare metal). */
sloop_err sloop_signal_start(sloop_loop *loop, int signo, sloop_signal_cb cb, void *user,
                             sloop_signal *out);
/* Stops watching: the signal is unblocked (Linux) or gets SIG_DFL back, so a
 * later arrival has its default action. The watcher is stopped even when the
 * OS refuses to restore the signal (SLOOP_ESYS). */
sloop_err sloop_signal_stop(sloop_loop *loop, sloop_signal sig);

/* ---- Waking the loop from another thread, a signal handler or an ISR --------------- */
/* Opens the loop's wake-up channel and sets the callback sloop_wake() leads to
 * (called again: only changes the callback). Must be called on the loop's
 * thread before any other thread or handler may call sloop_wake. */
sloop_err sloop_wake_start(sloop_loop *loop, sloop_wake_cb on_wake, void *user);
/* Closes the channel; afterwards sloop_wake returns SLOOP_ESTATE. Only once no
 * other thread or handler can still call sloop_wake. */
sloop_err sloop_wake_stop(sloop_loop *loop);
/* Makes the loop call on_wake soon, on its own thread. Async-signal-safe and
 * callable from any thread: one atomic flag and at most one write to the
 * channel; wakes before the loop runs coalesce into one on_wake. A wake made
 * after the caller's last write to shared data is always followed by an
 * on_wake that runs after it. SLOOP_ESTATE when no channel is open,
 * SLOOP_ESYS when the write failed (not recorded in sloop_last_sys_error,
 * which belongs to the loop's thread). */
sloop_err sloop_wake(sloop_loop *loop);

/* ---- fork() --------------------------------------------------------------------------- */
/* In the child, right after fork() and before any other call on the loop:
 * gives the child its own epoll instance, wake-up channel and signal channel
 * (the parent's are shared with it through fork) and registers again every
 * connection, listener and watcher the loop holds. The child keeps all of
 * them; it must sloop_conn_abort the connections it will not serve and close
 * the listeners it will not accept on (see docs/api.md, "fork"). Not from a
 * callback (SLOOP_ESTATE). SLOOP_ESYS: the loop is only fit for sloop_close. */
sloop_err sloop_fork_reinit(sloop_loop *loop);

/* ---- The loop's memory (fields are private: use the functions above) -------------- */
#include "sloop_loop_struct.h"

#ifdef __cplusplus
}
#endif
#endif /* SLOOP_H */
