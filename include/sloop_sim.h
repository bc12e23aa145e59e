/*
 * sloop_sim.h - a deterministic in-memory world behind a complete sloop_sys table.
 *
 * The simulation replaces the OS: listeners, connections, their byte streams,
 * readiness and the clock all live in one sloop_sim the test owns (static
 * storage is typical; nothing is allocated). The loop runs on it unchanged:
 *
 *     static sloop_sim sim;
 *     static sloop_loop loop;
 *     sloop_options o = { SLOOP_BACKEND_POLL, NULL };
 *     sloop_sim_init(&sim, 1000U);
 *     o.sys = sloop_sim_sys(&sim);
 *     sloop_init(&loop, &o);
 *
 * The far end of every connection (the "peer") is scripted by the test with the
 * sloop_sim_peer_* functions: connect to a listener, write bytes, read what the
 * loop sent, shut down, close or reset. Outgoing connects made by the loop reach
 * "remotes" the test declares (accept now, accept after a delay, refuse, or
 * never answer).
 *
 * Behaviour, chosen to be honest rather than convenient:
 *  - poll reports POLLIN when bytes, end of stream or a reset are pending,
 *    POLLOUT when the connection's send window has room, POLLERR|POLLHUP on a
 *    reset or a failed connect, POLLNVAL for a descriptor that is not open.
 *  - Time moves only when the test advances it or when poll has nothing ready
 *    and a timeout: the clock then jumps by the timeout (or to the next
 *    scheduled connect completion), so timers fire without real time passing.
 *    A wait with no timeout and nothing that could ever become ready counts as
 *    a hang (stats.hangs) and returns at once with nothing ready.
 *  - Descriptor numbers are never reused within one world, so a second close
 *    of the same number is always recognised. Every close is counted per
 *    descriptor; a close of an unknown or closed descriptor fails with
 *    SLOOP_SYS_EBADF and counts in stats.bad_closes.
 *  - recv and sendv may be limited per connection to move at most N bytes per
 *    call, producing short reads and writes of any length.
 *  - Simplifications: a close by the loop lets the peer read everything sent,
 *    then end of stream (no RST for unread data); addresses are compared as
 *    strings; there is no routing, only listeners and declared remotes.
 *
 * Limits below size the world; they may be overridden with -D, but the library
 * and the test must agree (sloop_sim_init checks sizeof, like sloop_init).
 */
#ifndef SLOOP_SIM_H
#define SLOOP_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sloop_sys.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Descriptors handed out over the life of one world (never reused). */
#ifndef SLOOP_SIM_MAX_FDS
#define SLOOP_SIM_MAX_FDS 256U
#endif
/* Connections (accepted or outgoing) over the life of one world. */
#ifndef SLOOP_SIM_MAX_PAIRS
#define SLOOP_SIM_MAX_PAIRS 96U
#endif
/* Listening sockets open at once, and remotes declared. */
#ifndef SLOOP_SIM_MAX_LISTENERS
#define SLOOP_SIM_MAX_LISTENERS 8U
#endif
#ifndef SLOOP_SIM_MAX_REMOTES
#define SLOOP_SIM_MAX_REMOTES 8U
#endif
/* Pending connections per listener or remote. */
#ifndef SLOOP_SIM_BACKLOG
#define SLOOP_SIM_BACKLOG 128U
#endif
/* Bytes buffered per direction per connection (a socket buffer). */
#ifndef SLOOP_SIM_BUF_SIZE
#define SLOOP_SIM_BUF_SIZE 8192U
#endif
/* Longest address string, with its terminator (an IPv6 literal fits). */
#define SLOOP_SIM_ADDR_LEN 48U
/* The first descriptor number; descriptor k handed out is SLOOP_SIM_FD_BASE + k. */
#define SLOOP_SIM_FD_BASE 100

/* The sys functions, for per-function call counts. */
typedef enum sloop_sim_fn {
    SLOOP_SIM_FN_NOW = 0,
    SLOOP_SIM_FN_LISTEN,
    SLOOP_SIM_FN_LOCAL_PORT,
    SLOOP_SIM_FN_ACCEPT,
    SLOOP_SIM_FN_CONNECT,
    SLOOP_SIM_FN_CONNECT_RESULT,
    SLOOP_SIM_FN_RECV,
    SLOOP_SIM_FN_SENDV,
    SLOOP_SIM_FN_CLOSE,
    SLOOP_SIM_FN_POLL,
    SLOOP_SIM_FN_WAKE_OPEN,
    SLOOP_SIM_FN_WAKE_SIGNAL,
    SLOOP_SIM_FN_WAKE_DRAIN,
    SLOOP_SIM_FN_SIGNAL_OPEN,
    SLOOP_SIM_FN_SIGNAL_SET,
    SLOOP_SIM_FN_SIGNAL_READ,
    SLOOP_SIM_FN_COUNT
} sloop_sim_fn;

/* How a declared remote answers the loop's connects. */
typedef enum sloop_sim_remote_mode {
    SLOOP_SIM_ACCEPT_NOW = 0, /* connect returns OK at once */
    SLOOP_SIM_ACCEPT,         /* EINPROGRESS, connected after delay_ms */
    SLOOP_SIM_REFUSE,         /* EINPROGRESS, ECONNREFUSED after delay_ms */
    SLOOP_SIM_BLACKHOLE       /* EINPROGRESS for ever */
} sloop_sim_remote_mode;

/* A peer: the test's end of one connection. */
typedef uint32_t sloop_sim_peer;

/* sloop_sim_peer_status() bits. */
#define SLOOP_SIM_PEER_CONNECTED 1U /* the loop holds an open descriptor for it */
#define SLOOP_SIM_PEER_EOF 2U       /* the loop closed its end and all data was read */
#define SLOOP_SIM_PEER_RESET 4U     /* the connection was reset (either side) */
#define SLOOP_SIM_PEER_REFUSED 8U   /* an outgoing connect failed */

typedef struct sloop_sim_stats {
    uint64_t calls[SLOOP_SIM_FN_COUNT];
    uint64_t accepts;       /* descriptors handed out by accept */
    uint64_t connects;      /* descriptors handed out by connect */
    uint64_t bytes_to_loop; /* moved by the loop's recv */
    uint64_t bytes_to_peer; /* moved by the loop's sendv */
    uint64_t bad_closes;    /* close of a descriptor unknown or already closed */
    uint64_t bad_fd_calls;  /* any other call naming such a descriptor */
    uint64_t nval;          /* POLLNVAL reported */
    uint64_t hangs;         /* waits with no timeout and nothing that could wake them */
    uint64_t advanced_ms;   /* clock advanced by poll timeouts */
    uint64_t signals_raised;/* sloop_sim_raise_signal calls */
    uint64_t signals_read;  /* signals the loop's signal_read took (one per number per read) */
    uint64_t wake_writes;   /* wake_signal calls that made the channel readable */
} sloop_sim_stats;

/* Private layout (use the functions). */
typedef struct sloop_sim_bytes {
    uint32_t head;
    uint32_t count;
    uint8_t data[SLOOP_SIM_BUF_SIZE];
} sloop_sim_bytes;

typedef struct sloop_sim_fdent {
    uint8_t kind;    /* 1 listener, 2 connection, 3 wake-up channel, 4 signal channel */
    uint8_t open;
    uint32_t obj;    /* listener or pair index */
    uint32_t closes; /* close() calls that named it */
    uint64_t aux;    /* wake-up channel: writes not drained; signal channel: its mask */
} sloop_sim_fdent;

typedef struct sloop_sim_queue {
    uint32_t head;
    uint32_t count;
    uint32_t item[SLOOP_SIM_BACKLOG];
} sloop_sim_queue;

typedef struct sloop_sim_listener {
    uint8_t open;
    uint16_t port;
    uint32_t fd_index;
    uint32_t backlog;
    sloop_sim_queue queue; /* pairs waiting for accept */
    char addr[SLOOP_SIM_ADDR_LEN];
} sloop_sim_listener;

typedef struct sloop_sim_remote {
    uint8_t mode;       /* sloop_sim_remote_mode */
    uint16_t port;
    uint32_t delay_ms;
    sloop_sim_queue queue; /* connections for the test to take */
    char addr[SLOOP_SIM_ADDR_LEN];
} sloop_sim_remote;

typedef struct sloop_sim_pair {
    uint8_t state;       /* queued, connecting, open, failed */
    uint8_t loop_open;   /* the loop's descriptor is open */
    uint8_t loop_closed; /* the loop closed it: the peer reads EOF after the data */
    uint8_t peer_shut;   /* peer sent FIN: the loop reads EOF after the data */
    uint8_t peer_closed; /* peer reads no more: the loop's sends fail with EPIPE */
    uint8_t reset;       /* reset: ECONNRESET both ways */
    uint8_t never;       /* connecting for ever (blackhole remote) */
    uint16_t local_port;
    int conn_error;      /* failed outgoing connect: its error */
    uint32_t connect_at; /* tick an outgoing connect resolves */
    uint32_t fd_index;
    uint32_t recv_max;   /* most bytes one loop recv moves (0: no limit) */
    uint32_t send_max;   /* most bytes one loop sendv moves (0: no limit) */
    uint32_t window;     /* usable part of to_peer */
    uint64_t moved_to_loop;
    uint64_t moved_to_peer;
    sloop_sim_bytes to_loop;
    sloop_sim_bytes to_peer;
} sloop_sim_pair;

typedef struct sloop_sim sloop_sim;
/* Called when poll finds nothing ready, before the clock moves: the test's
 * peers may act. Return true if anything changed (readiness is then rechecked). */
typedef bool (*sloop_sim_idle_fn)(sloop_sim *sim, void *user);

struct sloop_sim {
    sloop_sys sys; /* ctx points at this sim */
    uint32_t magic;
    uint32_t now;
    uint32_t fd_count; /* handed out */
    uint32_t fd_open;
    uint32_t fd_limit; /* open at once before accept/connect/listen fail with EMFILE */
    uint32_t pair_count;
    uint32_t remote_count;
    uint16_t next_port;
    uint32_t def_recv_max;
    uint32_t def_send_max;
    uint32_t def_window;
    sloop_sim_idle_fn idle;
    void *idle_user;
    uint64_t sig_pending; /* raised and not yet read (bit n-1: signal n) */
    sloop_sim_stats stats;
    sloop_sim_fdent fds[SLOOP_SIM_MAX_FDS];
    sloop_sim_listener listeners[SLOOP_SIM_MAX_LISTENERS];
    sloop_sim_remote remotes[SLOOP_SIM_MAX_REMOTES];
    sloop_sim_pair pairs[SLOOP_SIM_MAX_PAIRS];
};

/* ---- World ------------------------------------------------------------------- */
/* Empties the world and sets the clock to start_ms (start near 0xFFFFFFFF to
 * cross the 32-bit wrap). Returns false for NULL or a size mismatch. */
bool sloop_sim_init_sized(sloop_sim *sim, uint32_t start_ms, size_t sim_size);
#define sloop_sim_init(sim, start_ms) sloop_sim_init_sized((sim), (start_ms), sizeof(sloop_sim))

/* The sys table to give the loop (sloop_options.sys). epoll_* are NULL: use
 * SLOOP_BACKEND_POLL. */
const sloop_sys *sloop_sim_sys(sloop_sim *sim);

uint32_t sloop_sim_now(const sloop_sim *sim);
void sloop_sim_advance(sloop_sim *sim, uint32_t ms);
void sloop_sim_set_idle(sloop_sim *sim, sloop_sim_idle_fn fn, void *user);
/* Descriptors open at once before EMFILE (default SLOOP_SIM_MAX_FDS). */
void sloop_sim_set_fd_limit(sloop_sim *sim, uint32_t limit);
/* Limits for connections created from now on: most bytes per loop recv and per
 * loop sendv (0: no limit), and the send window (bytes the loop may have
 * unread by the peer; 0: SLOOP_SIM_BUF_SIZE). */
void sloop_sim_set_default_limits(sloop_sim *sim, uint32_t recv_max, uint32_t send_max,
                                  uint32_t window);

/* ---- Signals and wake-ups ------------------------------------------------------ */
/* The simulated process receives signal signo (1..64): it stays pending, like
 * a blocked signal, until a signal channel whose mask holds it is read.
 * Arrivals of a pending signal coalesce, as the kernel's do. The sim's wake-up
 * channel (wake_open/wake_signal/wake_drain) is one descriptor, readable after
 * a wake_signal until drained; the simulation is single-threaded, so a test
 * plays "another thread" or an ISR from its idle hook or between iterations. */
void sloop_sim_raise_signal(sloop_sim *sim, int signo);

/* ---- Remotes (targets of the loop's outgoing connects) ------------------------ */
/* Declares addr:port. Returns false when the table is full or arguments are bad.
 * A connect to an address nobody declared is refused (EINPROGRESS, then
 * ECONNREFUSED at once). */
bool sloop_sim_remote_add(sloop_sim *sim, const char *addr, uint16_t port,
                          sloop_sim_remote_mode mode, uint32_t delay_ms);
/* The oldest connection the loop made to that remote not yet taken. */
bool sloop_sim_remote_take(sloop_sim *sim, const char *addr, uint16_t port,
                           sloop_sim_peer *peer);

/* ---- Peers --------------------------------------------------------------------- */
/* Connects a peer to a listener. SLOOP_SYS_OK, ECONNREFUSED (nobody listening),
 * EAGAIN (backlog full) or ENOBUFS (world full). */
int sloop_sim_peer_connect(sloop_sim *sim, const char *addr, uint16_t port,
                           sloop_sim_peer *peer);
/* Queues up to len bytes for the loop; returns how many fitted (0 once the peer
 * shut down or the connection was reset). */
size_t sloop_sim_peer_write(sloop_sim *sim, sloop_sim_peer peer, const void *data, size_t len);
/* Takes up to cap bytes the loop sent (also after sloop_sim_peer_close: the
 * test may inspect what had arrived). */
size_t sloop_sim_peer_read(sloop_sim *sim, sloop_sim_peer peer, void *buf, size_t cap);
size_t sloop_sim_peer_readable(const sloop_sim *sim, sloop_sim_peer peer);
/* FIN: the loop reads end of stream after the bytes already written. */
void sloop_sim_peer_shutdown(sloop_sim *sim, sloop_sim_peer peer);
/* FIN and stop reading: the loop's sends fail with EPIPE. */
void sloop_sim_peer_close(sloop_sim *sim, sloop_sim_peer peer);
/* RST: the loop's recv and sendv fail with ECONNRESET; poll says POLLERR|POLLHUP. */
void sloop_sim_peer_reset(sloop_sim *sim, sloop_sim_peer peer);
/* Per-connection limits, as sloop_sim_set_default_limits. */
void sloop_sim_peer_limits(sloop_sim *sim, sloop_sim_peer peer, uint32_t recv_max,
                           uint32_t send_max, uint32_t window);
unsigned sloop_sim_peer_status(const sloop_sim *sim, sloop_sim_peer peer);
/* Bytes the loop's recv took from this peer, and bytes its sendv gave it. */
uint64_t sloop_sim_peer_moved_to_loop(const sloop_sim *sim, sloop_sim_peer peer);
uint64_t sloop_sim_peer_moved_to_peer(const sloop_sim *sim, sloop_sim_peer peer);

/* ---- Accounting ------------------------------------------------------------------ */
/* Connections created so far; peers are numbered 0 .. count-1. */
uint32_t sloop_sim_peer_count(const sloop_sim *sim);
const sloop_sim_stats *sloop_sim_stats_get(const sloop_sim *sim);
uint32_t sloop_sim_fds_handed_out(const sloop_sim *sim);
uint32_t sloop_sim_fds_open(const sloop_sim *sim);
/* Times close() named the k-th descriptor handed out (k < fds_handed_out). */
uint32_t sloop_sim_fd_closes(const sloop_sim *sim, uint32_t k);
/* Every descriptor handed out was closed exactly once, and no call named a
 * descriptor that was unknown or already closed. */
bool sloop_sim_all_closed_once(const sloop_sim *sim);
const char *sloop_sim_fn_name(sloop_sim_fn fn);

#ifdef __cplusplus
}
#endif
#endif /* SLOOP_SIM_H */
