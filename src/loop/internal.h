/*
 * internal.h - what the loop's files share, and the one interface every
 * backend implements. Internal names use the sloop__ prefix.
 *
 * Backends are chosen at init among those compiled in and reached through a
 * switch in backend.c, never through function pointers: tools and readers can
 * follow every call (see STYLE: libuv's enum + switch dispatch).
 */
#ifndef SLOOP_LOOP_INTERNAL_H
#define SLOOP_LOOP_INTERNAL_H

#include "sloop.h"

#if defined(_WIN32)
typedef SOCKET sloop__native_fd;
#else
typedef int sloop__native_fd;
#endif

#define SLOOP__MAGIC 0x534C4F50U /* "SLOP" */
#define SLOOP__EV_NVAL 8U        /* event flag: descriptor not open (POLLNVAL) */
#define SLOOP__EV_RDHUP 16U      /* event flag: the peer's end of stream is in (EPOLLRDHUP) */

/* Default timeouts used when an option is 0. */
#define SLOOP__DEFAULT_LINGER_MS 5000U
#define SLOOP__DEFAULT_CONNECT_MS 10000U
/* WSAPoll before Windows 10 2004 never reports a failed connect: while a
 * connection is connecting under WSAPoll, sys->connect_result is asked this
 * often (see src/sys/win32.c). */
#define SLOOP__CONNECT_PROBE_MS 100U
/* How long listeners pause after EMFILE/ENFILE/ENOBUFS/ENOMEM on accept, unless a
 * connection closes first. */
#define SLOOP__ACCEPT_BACKOFF_MS 100U
/* EINTR retries per call before the loop gives up for this iteration. */
#define SLOOP__EINTR_RETRIES 8U

enum sloop__kind {
    SLOOP__KIND_CONN = 1,
    SLOOP__KIND_LISTENER = 2,
    SLOOP__KIND_WATCH = 3,
    SLOOP__KIND_WAKE = 4,  /* the wake-up channel (index 0) */
    SLOOP__KIND_SIGNAL = 5 /* the signal channel (index 0) */
};

/* loop->chan_dead bits: the channel's descriptor was reported not open, or (WR)
 * the wake-up channel's write end was: its number is no longer sloop's. */
#define SLOOP__CHAN_WAKE_DEAD 1U
#define SLOOP__CHAN_SIGNAL_DEAD 2U
#define SLOOP__CHAN_WAKE_WR_DEAD 4U

enum sloop__conn_state {
    SLOOP__CONN_FREE = 0,
    SLOOP__CONN_CONNECTING = 1,
    SLOOP__CONN_OPEN = 2,
    SLOOP__CONN_CLOSING = 3 /* graceful close: flushing, no more reads or sends */
};

enum sloop__pause {
    SLOOP__PAUSE_TABLE_FULL = 1,
    SLOOP__PAUSE_FD_LIMIT = 2,
    SLOOP__PAUSE_SHUTDOWN = 4
};

static inline uint64_t sloop__token(uint32_t kind, uint32_t index, uint32_t gen)
{
    return ((uint64_t)gen << 32) | ((uint64_t)kind << 24) | (uint64_t)index;
}
static inline uint32_t sloop__token_kind(uint64_t t) { return (uint32_t)((t >> 24) & 0xFFU); }
static inline uint32_t sloop__token_index(uint64_t t) { return (uint32_t)(t & 0xFFFFFFU); }
static inline uint32_t sloop__token_gen(uint64_t t) { return (uint32_t)(t >> 32); }

/* Records a sys failure (counters, last error) and returns it. */
int sloop__sys_failed(sloop_loop *loop, int code);

/* ---- Backend interface (backend.c dispatches to poll.c / epoll.c / wsapoll.c) -- */
bool sloop__backend_available(sloop_backend b);
sloop_err sloop__backend_init(sloop_loop *loop);
void sloop__backend_fini(sloop_loop *loop);
/* Starts watching reg->fd with interest reg->want. edge: edge-triggered where
 * the backend supports it. */
sloop_err sloop__backend_add(sloop_loop *loop, sloop__reg *reg, bool edge);
/* Interest changed to `want`; applied before the next wait (coalesced). */
void sloop__backend_set_want(sloop_loop *loop, sloop__reg *reg, uint8_t want);
/* Stops watching (before the fd is closed). */
void sloop__backend_remove(sloop_loop *loop, sloop__reg *reg);
/* Waits; fills loop->events and returns how many in *n. */
sloop_err sloop__backend_wait(sloop_loop *loop, int timeout_ms, uint32_t *n);

/* After fork: a new epoll instance for the child (the parent's is shared),
 * never touching the old one but to close the child's copy. */
sloop_err sloop__backend_fork_begin(sloop_loop *loop);
/* After fork_begin: registers reg again (epoll) or points its pollfd at
 * reg->fd (poll), if it was registered. */
sloop_err sloop__backend_fork_readd(sloop_loop *loop, sloop__reg *reg);
/* Drops reg without any system call (its descriptor is gone). */
void sloop__backend_forget(sloop_loop *loop, sloop__reg *reg);

/* poll.c (also used for WSAPoll, whose pollfd has the same shape) */
sloop_err sloop__poll_add(sloop_loop *loop, sloop__reg *reg);
void sloop__poll_set_want(sloop_loop *loop, sloop__reg *reg);
void sloop__poll_remove(sloop_loop *loop, sloop__reg *reg);
sloop_err sloop__poll_wait(sloop_loop *loop, int timeout_ms, uint32_t *n);

/* epoll.c */
sloop_err sloop__epoll_init(sloop_loop *loop);
void sloop__epoll_fini(sloop_loop *loop);
sloop_err sloop__epoll_add(sloop_loop *loop, sloop__reg *reg, bool edge);
void sloop__epoll_remove(sloop_loop *loop, sloop__reg *reg);
sloop_err sloop__epoll_flush_changes(sloop_loop *loop);
sloop_err sloop__epoll_wait(sloop_loop *loop, int timeout_ms, uint32_t *n);
/* Registers reg in a fresh instance with the interest it had (fork). */
sloop_err sloop__epoll_readd(sloop_loop *loop, sloop__reg *reg);

/* ---- Connections (conn.c) ---------------------------------------------------- */
sloop_err sloop__conn_open(sloop_loop *loop, sloop_fd fd, uint8_t state,
                           const sloop_conn_options *opts, const sloop_handler *handler,
                           void *user, sloop_conn *out);
/* Schedules on_open (and a first flush) for after the current callbacks. */
void sloop__conn_request_open(sloop_loop *loop, uint32_t index);
void sloop__conn_event(sloop_loop *loop, uint32_t index, uint32_t flags);
void sloop__conn_timer_fired(sloop_loop *loop, uint32_t index);
void sloop__conn_continue_read(sloop_loop *loop, uint32_t index);
void sloop__pending_run(sloop_loop *loop);
bool sloop__conn_options_valid(const sloop_conn_options *opts);
/* Closes at once with reason (on_close runs now): used by sloop_close. */
void sloop__conn_finish(sloop_loop *loop, uint32_t index, sloop_close_reason reason);
void sloop__conn_request_close(sloop_loop *loop, uint32_t index, sloop_close_reason reason,
                               bool abort_now);

/* ---- Listeners (listen.c) ------------------------------------------------------ */
void sloop__listener_event(sloop_loop *loop, uint32_t index);
void sloop__listeners_update(sloop_loop *loop);
void sloop__listeners_close_all(sloop_loop *loop);

/* ---- Watchers (watch.c) --------------------------------------------------------- */
/* A descriptor reported not open (SLOOP__EV_NVAL): stops the watcher, then
 * calls it once with SLOOP_ERROR. */
void sloop__watch_not_open(sloop_loop *loop, uint32_t index);
void sloop__watches_stop_all(sloop_loop *loop);

/* One event for the live watcher (index, gen), from the dispatch loop: the
 * callback gets the reported events it asked for, plus SLOOP_ERROR; none, no
 * call. Inline because it runs once per event and the call around it cost as
 * much as the work (dispatch benchmark, docs/benchmarks.md). */
static inline void sloop__watch_dispatch(sloop_loop *loop, uint32_t index, uint32_t gen,
                                         uint32_t flags)
{
    if ((flags & SLOOP__EV_NVAL) != 0U) {
        sloop__watch_not_open(loop, index);
    } else {
        const sloop__watch *w = &loop->watches[index];
        unsigned ev = (unsigned)(flags & (SLOOP_READABLE | SLOOP_WRITABLE | SLOOP_ERROR)) &
                      (unsigned)(w->reg.want | SLOOP_ERROR);
        if (ev != 0U) {
            sloop_watch h;
            h.id = index;
            h.gen = gen;
            w->cb(loop, h, w->reg.fd, ev, w->user);
        }
    }
}

/* ---- Signals (signal.c) and the wake-up channel (wake.c) ------------------------ */
void sloop__signals_init(sloop_loop *loop);
void sloop__signal_event(sloop_loop *loop, uint32_t flags);
void sloop__signals_stop_all(sloop_loop *loop);
/* fork: replaces the channel with a new one (SLOOP_OK if none is open). */
sloop_err sloop__signals_fork(sloop_loop *loop);
void sloop__wake_init(sloop_loop *loop);
void sloop__wake_event(sloop_loop *loop, uint32_t flags);
void sloop__wake_close(sloop_loop *loop);
sloop_err sloop__wake_fork(sloop_loop *loop);
/* A channel is open (something to wait for). */
bool sloop__channels_open(const sloop_loop *loop);

/* ---- Timers (timers.c) ---------------------------------------------------------- */
void sloop__timers_run(sloop_loop *loop);
void sloop__timers_release_all(sloop_loop *loop);

#endif
