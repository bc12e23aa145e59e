/*
 * sloop_sys.h - the table of every OS call sloop makes.
 *
 * The loop never calls the OS directly: accept, recv, send, close, poll, epoll,
 * the clock, the wake-up channel and the signal channel all go through one
 * sloop_sys table. The default table
 * (sloop_sys_default()) calls the real OS; tests wrap it to inject EINTR, EAGAIN,
 * ECONNRESET, EMFILE, short reads and writes, or clock jumps at the Nth call, and
 * a simulation replaces it entirely.
 *
 * Every function returns 0 (SLOOP_SYS_OK) or a portable sloop_sys_err code; the
 * loop never reads errno. A function that fails leaves nothing open behind it.
 */
#ifndef SLOOP_SYS_H
#define SLOOP_SYS_H

#include <stddef.h>
#include <stdint.h>

#include "sloop_config.h"

#if !defined(_WIN32) && !defined(__unix__) && !defined(__APPLE__) && !defined(SLOOP_NO_OS)
#define SLOOP_NO_OS 1 /* bare metal: no <poll.h>; a custom sys table (or the sim) is used */
#endif

#if defined(_WIN32)
#include <winsock2.h>
typedef WSAPOLLFD sloop_pollfd;
#elif defined(SLOOP_NO_OS)
/* The shape and flag values of POSIX poll, for sys tables on bare metal (an RTOS
 * TCP/IP stack, or the simulation). */
typedef struct sloop_pollfd {
    int fd;
    short events;
    short revents;
} sloop_pollfd;
#define POLLIN 0x0001
#define POLLOUT 0x0004
#define POLLERR 0x0008
#define POLLHUP 0x0010
#define POLLNVAL 0x0020
#else
#include <poll.h>
typedef struct pollfd sloop_pollfd;
#endif
#if defined(__linux__)
#include <sys/epoll.h>
#define SLOOP_HAVE_EPOLL 1
typedef struct epoll_event sloop_epoll_event;
#else
#define SLOOP_HAVE_EPOLL 0
typedef struct sloop_epoll_event_unused {
    uint32_t events;
    uint64_t u64;
} sloop_epoll_event;
#endif

/* A socket or file descriptor. Wide enough for a Windows SOCKET (UINT_PTR), so
 * nothing is truncated; INVALID_SOCKET and -1 both map to SLOOP_FD_INVALID. */
typedef intptr_t sloop_fd;
#define SLOOP_FD_INVALID ((sloop_fd)-1)

typedef enum sloop_sys_err {
    SLOOP_SYS_OK = 0,
    SLOOP_SYS_EAGAIN,       /* would block */
    SLOOP_SYS_EINTR,        /* interrupted by a signal: retry */
    SLOOP_SYS_EINPROGRESS,  /* connect started, completes later */
    SLOOP_SYS_ECONNRESET,   /* peer reset */
    SLOOP_SYS_EPIPE,        /* peer gone while sending */
    SLOOP_SYS_ECONNREFUSED, /* nobody listening */
    SLOOP_SYS_ECONNABORTED, /* connection aborted before accept */
    SLOOP_SYS_ETIMEDOUT,    /* connect or keepalive timeout */
    SLOOP_SYS_EMFILE,       /* process fd limit */
    SLOOP_SYS_ENFILE,       /* system fd limit */
    SLOOP_SYS_ENOBUFS,      /* kernel buffers */
    SLOOP_SYS_ENOMEM,       /* kernel memory */
    SLOOP_SYS_EBADF,        /* not an open descriptor */
    SLOOP_SYS_EINVAL,       /* bad argument (e.g. unparsable address) */
    SLOOP_SYS_EADDRINUSE,   /* bind: address in use */
    SLOOP_SYS_EOTHER,       /* anything else */
    SLOOP_SYS_ERR_COUNT
} sloop_sys_err;

/* One buffer of a gather write. */
typedef struct sloop_iov {
    const void *base;
    size_t len;
} sloop_iov;

typedef struct sloop_sys {
    void *ctx; /* passed to every function */

    /* Monotonic milliseconds, wrapping at 2^32. */
    uint32_t (*now_ms)(void *ctx);

    /* Non-blocking TCP listener on addr (IPv4 or IPv6 literal; NULL = any IPv4)
     * and port (0 = the OS picks). */
    int (*listen)(void *ctx, const char *addr, uint16_t port, int backlog, sloop_fd *out);
    int (*local_port)(void *ctx, sloop_fd fd, uint16_t *port);
    /* Accepts one connection, already non-blocking and close-on-exec. */
    int (*accept)(void *ctx, sloop_fd listener, sloop_fd *out);
    /* Starts a non-blocking connect: OK (connected), EINPROGRESS (wait for
     * writability, then ask connect_result) or an error (nothing left open). */
    int (*connect)(void *ctx, const char *addr, uint16_t port, sloop_fd *out);
    /* OK (connected), the error that ended the connect, or EINPROGRESS (not
     * decided yet: the loop keeps waiting). Under WSAPoll the loop also asks
     * while no event came, since old WSAPoll never reports a failed connect. */
    int (*connect_result)(void *ctx, sloop_fd fd);
    /* *got == 0 with OK means end of stream. */
    int (*recv)(void *ctx, sloop_fd fd, void *buf, size_t len, size_t *got);
    /* Never raises SIGPIPE. *sent may be short. */
    int (*sendv)(void *ctx, sloop_fd fd, const sloop_iov *iov, uint32_t iovcnt, size_t *sent);
    int (*close)(void *ctx, sloop_fd fd);

    int (*poll)(void *ctx, sloop_pollfd *fds, uint32_t nfds, int timeout_ms, uint32_t *nready);
    int (*epoll_create)(void *ctx, sloop_fd *epfd);
    int (*epoll_ctl)(void *ctx, sloop_fd epfd, int op, sloop_fd fd, uint32_t events,
                     uint64_t data);
    int (*epoll_wait)(void *ctx, sloop_fd epfd, sloop_epoll_event *events, uint32_t max,
                      int timeout_ms, uint32_t *n);

    /* ---- Added with signal watchers and sloop_wake (appended, so that a table
     * written for an older sloop, with these fields zero, still works: a NULL
     * entry makes sloop_wake_start / sloop_signal_start return SLOOP_EBACKEND). */

    /* The wake-up channel: *rd becomes readable after wake_signal(*wr). POSIX:
     * one eventfd (Linux; *rd == *wr) or a pipe; Windows: a connected loopback
     * TCP pair; bare metal: whatever the port's wait can watch (an ISR calls
     * wake_signal). Both ends non-blocking and close-on-exec; the loop closes
     * them with close (*wr only if it differs from *rd). */
    int (*wake_open)(void *ctx, sloop_fd *rd, sloop_fd *wr);
    /* Makes rd readable. Must be async-signal-safe (POSIX: one write(), errno
     * preserved) and callable from any thread or an interrupt handler. EAGAIN
     * means the channel is full, hence already readable: not an error. */
    int (*wake_signal)(void *ctx, sloop_fd wr);
    /* Empties the channel: OK when something was read, EAGAIN when nothing was,
     * EPIPE at end of file (every write end closed: the loop stops polling the
     * channel and never writes to or closes the write end's number again). */
    int (*wake_drain)(void *ctx, sloop_fd rd);

    /* The signal channel: a descriptor that is readable while a watched signal
     * is pending. Linux: a signalfd with an empty mask; other POSIX: the read
     * end of a self-pipe whose handler writes the signal number (one channel
     * per process). Closed by the loop with close, after signal_set(.., 0). */
    int (*signal_open)(void *ctx, sloop_fd *fd);
    /* Changes the watched set from old_mask to new_mask (bit n-1: signal n,
     * n = 1..64). Signals added are blocked in the calling thread (Linux) or
     * get the self-pipe handler; signals removed are unblocked or get SIG_DFL
     * back. new_mask == 0 also releases what the channel holds besides fd.
     * fd is SLOOP_FD_INVALID when a failed sloop_fork_reinit lost the channel:
     * restore the removed signals anyway and return SLOOP_SYS_EBADF. */
    int (*signal_set)(void *ctx, sloop_fd fd, uint64_t old_mask, uint64_t new_mask);
    /* ORs into *delivered the bit of every signal read from the channel (a
     * bounded amount per call): OK when any was read, EAGAIN when none was,
     * EPIPE at end of file (the self-pipe's write end was closed behind the
     * loop's back: the table forgets that number, never writing to or closing
     * it again, and the loop stops polling the channel). */
    int (*signal_read)(void *ctx, sloop_fd fd, uint64_t *delivered);

    /* ---- Added with edge-triggered reads that end at a short read (appended;
     * 0, as in a table written for an older sloop, keeps the old behaviour). */

    /* Nonzero promises that recv returns fewer bytes than asked only when no
     * more were queued at that moment, so that bytes arriving later raise a new
     * edge: what the OS's stream sockets do. Under edge-triggered epoll the loop
     * then ends a read at a short read instead of reading on to EAGAIN (one
     * recv fewer per wake-up). Leave it 0 in a table that shortens reads for
     * its own reasons (fault injection, a layer that returns part of a record). */
    uint8_t recv_short_is_empty;
} sloop_sys;

/* The table that calls the real OS (POSIX or Winsock). Never NULL. */
const sloop_sys *sloop_sys_default(void);

/* Name of a sys error code, e.g. "ECONNRESET". */
const char *sloop_sys_strerror(int code);

#endif
