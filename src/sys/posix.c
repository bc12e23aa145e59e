/*
 * posix.c - the default sloop_sys table for POSIX systems: the only file of the
 * loop that calls the OS.
 *
 * Notes on the quirks handled here:
 *  - SIGPIPE: sends use MSG_NOSIGNAL (Linux) or SO_NOSIGPIPE (BSD, macOS), so a
 *    peer that vanished yields EPIPE, never a signal that kills the process.
 *  - Accepted and connected sockets are non-blocking and close-on-exec from the
 *    start (accept4 where available) and get TCP_NODELAY: sloop writes whole
 *    frames, so Nagle's algorithm would only add delayed-ACK latency.
 *  - errno is translated to sloop_sys_err right here; the loop never reads it.
 *  - The wake-up channel is an eventfd (Linux) or a socket pair; its write is
 *    async-signal-safe and keeps errno. The signal channel is a signalfd
 *    (Linux: the watched signals are blocked in the calling thread, and must be
 *    in every other thread too) or a self-pipe (a socket pair, so that no write
 *    can raise SIGPIPE) written by a handler installed
 *    with sigaction (one channel per process: the handler has no context).
 */
#if !defined(_WIN32)

#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* accept4, SOCK_NONBLOCK, MSG_NOSIGNAL */
#endif

#include <arpa/inet.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "sloop_sys.h"

/* The wake-up channel is an eventfd and the signal channel a signalfd on
 * Linux, "pipes" (socket pairs) elsewhere. -DSLOOP_WAKE_PIPE /
 * -DSLOOP_SIGNAL_PIPE force the pipes on Linux too (the loopback tests build
 * that variant as well). */
#if defined(__linux__) && !defined(SLOOP_WAKE_PIPE)
#define POSIX_WAKE_EVENTFD 1
#include <sys/eventfd.h>
#else
#define POSIX_WAKE_EVENTFD 0
#endif
#if defined(__linux__) && !defined(SLOOP_SIGNAL_PIPE)
#define POSIX_SIGNALFD 1
#include <sys/signalfd.h>
#else
#define POSIX_SIGNALFD 0
#endif

#if defined(MSG_NOSIGNAL)
#define POSIX_SEND_FLAGS MSG_NOSIGNAL
#else
#define POSIX_SEND_FLAGS 0
#endif

static int posix_map_errno(int e)
{
    int code;
    switch (e) {
    case EAGAIN:
#if defined(EWOULDBLOCK) && (EWOULDBLOCK != EAGAIN)
    case EWOULDBLOCK:
#endif
        code = SLOOP_SYS_EAGAIN;
        break;
    case EINTR: code = SLOOP_SYS_EINTR; break;
    case EINPROGRESS: code = SLOOP_SYS_EINPROGRESS; break;
    case ECONNRESET: code = SLOOP_SYS_ECONNRESET; break;
    case EPIPE: code = SLOOP_SYS_EPIPE; break;
    case ECONNREFUSED: code = SLOOP_SYS_ECONNREFUSED; break;
    case ECONNABORTED: code = SLOOP_SYS_ECONNABORTED; break;
    case ETIMEDOUT: code = SLOOP_SYS_ETIMEDOUT; break;
    case EMFILE: code = SLOOP_SYS_EMFILE; break;
    case ENFILE: code = SLOOP_SYS_ENFILE; break;
    case ENOBUFS: code = SLOOP_SYS_ENOBUFS; break;
    case ENOMEM: code = SLOOP_SYS_ENOMEM; break;
    case EBADF: code = SLOOP_SYS_EBADF; break;
    case EINVAL: code = SLOOP_SYS_EINVAL; break;
    case EADDRINUSE: code = SLOOP_SYS_EADDRINUSE; break;
    default: code = SLOOP_SYS_EOTHER; break;
    }
    return code;
}

static int posix_last_error(void)
{
    return posix_map_errno(errno);
}

static uint32_t posix_now_ms(void *ctx)
{
    struct timespec ts;
    (void)ctx;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)(((uint64_t)ts.tv_sec * 1000U) + ((uint64_t)ts.tv_nsec / 1000000U));
}

/* Non-blocking, close-on-exec, no SIGPIPE, no Nagle. */
static int posix_prepare_socket(int fd, bool stream_conn)
{
    int one = 1;
    int flags = fcntl(fd, F_GETFL, 0);
    if ((flags < 0) || (fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) ||
        (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)) {
        return posix_last_error();
    }
#if defined(SO_NOSIGPIPE)
    (void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
    if (stream_conn) {
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return SLOOP_SYS_OK;
}

typedef union posix_addr {
    struct sockaddr sa;
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
    struct sockaddr_storage ss;
} posix_addr;

static int posix_parse_addr(const char *addr, uint16_t port, posix_addr *out, socklen_t *len)
{
    (void)memset(out, 0, sizeof *out);
    if ((addr == NULL) || (inet_pton(AF_INET, addr, &out->v4.sin_addr) == 1)) {
        out->v4.sin_family = AF_INET;
        out->v4.sin_port = htons(port);
        if (addr == NULL) {
            out->v4.sin_addr.s_addr = htonl(INADDR_ANY);
        }
        *len = (socklen_t)sizeof out->v4;
        return SLOOP_SYS_OK;
    }
    if (inet_pton(AF_INET6, addr, &out->v6.sin6_addr) == 1) {
        out->v6.sin6_family = AF_INET6;
        out->v6.sin6_port = htons(port);
        *len = (socklen_t)sizeof out->v6;
        return SLOOP_SYS_OK;
    }
    return SLOOP_SYS_EINVAL;
}

/* Parses addr:port into *a and opens a TCP socket of its family in *fd. */
static int posix_socket_for(const char *addr, uint16_t port, posix_addr *a, socklen_t *alen,
                            int *fd)
{
    int rc = posix_parse_addr(addr, port, a, alen);
    if (rc == SLOOP_SYS_OK) {
        *fd = socket(a->sa.sa_family, SOCK_STREAM, 0);
        if (*fd < 0) {
            rc = posix_last_error();
        }
    }
    return rc;
}

static int posix_listen(void *ctx, const char *addr, uint16_t port, int backlog, sloop_fd *out)
{
    posix_addr a;
    socklen_t alen = 0;
    int one = 1;
    int fd = -1;
    int rc = posix_socket_for(addr, port, &a, &alen, &fd);
    (void)ctx;
    if (rc != SLOOP_SYS_OK) {
        return rc;
    }
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if ((bind(fd, &a.sa, alen) < 0) || (listen(fd, backlog) < 0)) {
        rc = posix_last_error();
        (void)close(fd);
        return rc;
    }
    rc = posix_prepare_socket(fd, false);
    if (rc != SLOOP_SYS_OK) {
        (void)close(fd);
        return rc;
    }
    *out = (sloop_fd)fd;
    return SLOOP_SYS_OK;
}

static int posix_local_port(void *ctx, sloop_fd fd, uint16_t *port)
{
    posix_addr a;
    socklen_t alen = (socklen_t)sizeof a;
    (void)ctx;
    if (getsockname((int)fd, &a.sa, &alen) < 0) {
        return posix_last_error();
    }
    *port = ntohs((a.sa.sa_family == AF_INET6) ? a.v6.sin6_port : a.v4.sin_port);
    return SLOOP_SYS_OK;
}

static int posix_accept(void *ctx, sloop_fd listener, sloop_fd *out)
{
    int fd;
    int rc;
    (void)ctx;
#if defined(__linux__)
    fd = accept4((int)listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
    fd = accept((int)listener, NULL, NULL);
#endif
    if (fd < 0) {
        return posix_last_error();
    }
    rc = posix_prepare_socket(fd, true);
    if (rc != SLOOP_SYS_OK) {
        (void)close(fd);
        return rc;
    }
    *out = (sloop_fd)fd;
    return SLOOP_SYS_OK;
}

static int posix_connect(void *ctx, const char *addr, uint16_t port, sloop_fd *out)
{
    posix_addr a;
    socklen_t alen = 0;
    int fd = -1;
    int rc = posix_socket_for(addr, port, &a, &alen, &fd);
    (void)ctx;
    if (rc != SLOOP_SYS_OK) {
        return rc;
    }
    rc = posix_prepare_socket(fd, true);
    if (rc == SLOOP_SYS_OK) {
        if (connect(fd, &a.sa, alen) < 0) {
            rc = posix_last_error();
        }
    }
    if ((rc != SLOOP_SYS_OK) && (rc != SLOOP_SYS_EINPROGRESS)) {
        (void)close(fd);
        return rc;
    }
    *out = (sloop_fd)fd;
    return rc;
}

static int posix_connect_result(void *ctx, sloop_fd fd)
{
    int err = 0;
    socklen_t len = (socklen_t)sizeof err;
    (void)ctx;
    if (getsockopt((int)fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
        return posix_last_error();
    }
    return (err == 0) ? SLOOP_SYS_OK : posix_map_errno(err);
}

static int posix_recv(void *ctx, sloop_fd fd, void *buf, size_t len, size_t *got)
{
    ssize_t n;
    (void)ctx;
    n = recv((int)fd, buf, len, 0);
    if (n < 0) {
        return posix_last_error();
    }
    *got = (size_t)n;
    return SLOOP_SYS_OK;
}

static int posix_sendv(void *ctx, sloop_fd fd, const sloop_iov *iov, uint32_t iovcnt,
                       size_t *sent)
{
    struct iovec v[2];
    struct msghdr msg;
    ssize_t n;
    uint32_t i;
    (void)ctx;
    if ((iovcnt == 0U) || (iovcnt > 2U)) {
        return SLOOP_SYS_EINVAL;
    }
    (void)memset(&msg, 0, sizeof msg);
    for (i = 0U; i < iovcnt; i++) {
        v[i].iov_base = (void *)(uintptr_t)iov[i].base; /* sendmsg does not write */
        v[i].iov_len = iov[i].len;
    }
    msg.msg_iov = v;
    msg.msg_iovlen = iovcnt;
    n = sendmsg((int)fd, &msg, POSIX_SEND_FLAGS);
    if (n < 0) {
        return posix_last_error();
    }
    *sent = (size_t)n;
    return SLOOP_SYS_OK;
}

static int posix_close(void *ctx, sloop_fd fd)
{
    (void)ctx;
    /* On Linux the descriptor is released even when close reports EINTR, so it
     * is never retried (a retry could close someone else's new descriptor). */
    return (close((int)fd) < 0) ? posix_last_error() : SLOOP_SYS_OK;
}

static int posix_poll(void *ctx, sloop_pollfd *fds, uint32_t nfds, int timeout_ms,
                      uint32_t *nready)
{
    int n;
    (void)ctx;
    n = poll(fds, (nfds_t)nfds, timeout_ms);
    if (n < 0) {
        return posix_last_error();
    }
    *nready = (uint32_t)n;
    return SLOOP_SYS_OK;
}

#if SLOOP_HAVE_EPOLL
static int posix_epoll_create(void *ctx, sloop_fd *epfd)
{
    int fd;
    (void)ctx;
    fd = epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0) {
        return posix_last_error();
    }
    *epfd = (sloop_fd)fd;
    return SLOOP_SYS_OK;
}

static int posix_epoll_ctl(void *ctx, sloop_fd epfd, int op, sloop_fd fd, uint32_t events,
                           uint64_t data)
{
    struct epoll_event ev;
    (void)ctx;
    (void)memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.u64 = data;
    return (epoll_ctl((int)epfd, op, (int)fd, &ev) < 0) ? posix_last_error() : SLOOP_SYS_OK;
}

static int posix_epoll_wait(void *ctx, sloop_fd epfd, sloop_epoll_event *events, uint32_t max,
                            int timeout_ms, uint32_t *n)
{
    int r;
    (void)ctx;
    r = epoll_wait((int)epfd, events, (int)max, timeout_ms);
    if (r < 0) {
        return posix_last_error();
    }
    *n = (uint32_t)r;
    return SLOOP_SYS_OK;
}
#endif

/* ---- The wake-up channel -------------------------------------------------------- */

#if !POSIX_WAKE_EVENTFD || !POSIX_SIGNALFD
/* The "pipe" of the portable channels: a connected pair of local stream
 * sockets, both ends non-blocking and close-on-exec. Not pipe(2): a write to
 * a pipe whose reader is gone raises SIGPIPE, and sloop never does; a send on
 * a socket can say MSG_NOSIGNAL (or the socket SO_NOSIGPIPE). */
static int posix_pipe(int fds[2])
{
    int i;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0) {
        return posix_last_error();
    }
    for (i = 0; i < 2; i++) {
        int rc = posix_prepare_socket(fds[i], false);
        if (rc != SLOOP_SYS_OK) {
            (void)close(fds[0]);
            (void)close(fds[1]);
            return rc;
        }
    }
    return SLOOP_SYS_OK;
}
#endif

static int posix_wake_open(void *ctx, sloop_fd *rd, sloop_fd *wr)
{
    (void)ctx;
#if POSIX_WAKE_EVENTFD
    {
        int fd = eventfd(0U, EFD_NONBLOCK | EFD_CLOEXEC);
        if (fd < 0) {
            return posix_last_error();
        }
        *rd = (sloop_fd)fd;
        *wr = (sloop_fd)fd;
    }
#else
    {
        int fds[2];
        int rc = posix_pipe(fds);
        if (rc != SLOOP_SYS_OK) {
            return rc;
        }
        *rd = (sloop_fd)fds[0];
        *wr = (sloop_fd)fds[1];
    }
#endif
    return SLOOP_SYS_OK;
}

/* Async-signal-safe: one write(), errno as it was (a signal handler may call
 * this between a system call of the code it interrupted and that code's look
 * at errno). */
static int posix_wake_signal(void *ctx, sloop_fd wr)
{
    int saved = errno;
    int rc = SLOOP_SYS_EINTR;
    uint32_t tries;
#if POSIX_WAKE_EVENTFD
    uint64_t one = 1U; /* an eventfd takes exactly 8 bytes */
#else
    uint8_t one = 1U;
#endif
    (void)ctx;
    for (tries = 0U; (tries < 8U) && (rc == SLOOP_SYS_EINTR); tries++) {
#if POSIX_WAKE_EVENTFD
        rc = (write((int)wr, &one, sizeof one) < 0) ? posix_last_error() : SLOOP_SYS_OK;
#else
        rc = (send((int)wr, &one, sizeof one, POSIX_SEND_FLAGS) < 0) ? posix_last_error()
                                                                      : SLOOP_SYS_OK;
#endif
    }
    errno = saved;
    return rc;
}

/* Reads until the channel is empty (an eventfd resets on one read; a pipe
 * holds at most one byte per coalesced wake), at most 16 reads of 64 bytes. */
static int posix_drain(int fd)
{
    uint8_t buf[64];
    uint32_t i;
    bool any = false;
    int rc = SLOOP_SYS_OK;
    for (i = 0U; i < 16U; i++) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            rc = posix_last_error();
            break;
        }
        any = any || (n > 0);
        if ((size_t)n < sizeof buf) {
            break;
        }
    }
    if (any && (rc == SLOOP_SYS_EAGAIN)) {
        rc = SLOOP_SYS_OK;
    }
    /* Nothing read and no error: end of file, every write end is closed. */
    return (!any && (rc == SLOOP_SYS_OK)) ? SLOOP_SYS_EPIPE : rc;
}

static int posix_wake_drain(void *ctx, sloop_fd rd)
{
    (void)ctx;
    return posix_drain((int)rd);
}

/* ---- The signal channel -------------------------------------------------------------- */

#if POSIX_SIGNALFD

/* The signals of a mask (bit n-1: signal n) as a sigset; EINVAL if one of them
 * is not a signal a program may catch: SIGKILL and SIGSTOP (which the kernel
 * would silently leave out of the mask: a watcher never called), or a number
 * the C library reserves for itself (sigaddset refuses those). */
static int posix_sigset_of(uint64_t mask, sigset_t *set)
{
    int n;
    (void)sigemptyset(set);
    for (n = 1; n <= 64; n++) {
        if (((mask >> (uint32_t)(n - 1)) & 1U) != 0U) {
            if ((n == SIGKILL) || (n == SIGSTOP) || (sigaddset(set, n) < 0)) {
                return SLOOP_SYS_EINVAL;
            }
        }
    }
    return SLOOP_SYS_OK;
}

static int posix_sigmask(int how, uint64_t mask)
{
    sigset_t set;
    int rc = posix_sigset_of(mask, &set);
    if ((rc == SLOOP_SYS_OK) && (mask != 0U)) {
        int e = pthread_sigmask(how, &set, NULL);
        rc = (e == 0) ? SLOOP_SYS_OK : posix_map_errno(e);
    }
    return rc;
}


static int posix_signal_open(void *ctx, sloop_fd *fd)
{
    sigset_t none;
    int f;
    (void)ctx;
    (void)sigemptyset(&none);
    f = signalfd(-1, &none, SFD_NONBLOCK | SFD_CLOEXEC);
    if (f < 0) {
        return posix_last_error();
    }
    *fd = (sloop_fd)f;
    return SLOOP_SYS_OK;
}

/* Added signals are blocked before the signalfd watches them, removed ones
 * unblocked after it stopped: no arrival finds neither in place. */
static int posix_signal_set(void *ctx, sloop_fd fd, uint64_t old_mask, uint64_t new_mask)
{
    uint64_t added = new_mask & ~old_mask;
    uint64_t removed = old_mask & ~new_mask;
    sigset_t set;
    int rc;
    (void)ctx;
    rc = posix_sigset_of(new_mask, &set);
    if (rc == SLOOP_SYS_OK) {
        rc = posix_sigmask(SIG_BLOCK, added);
    }
    if (rc == SLOOP_SYS_OK) {
        /* signalfd(-1, ...) would create a new descriptor: a lost channel
         * (fork_reinit failed) is reported, never silently replaced. */
        if (fd < 0) {
            rc = SLOOP_SYS_EBADF;
        } else if (signalfd((int)fd, &set, 0) < 0) {
            rc = posix_last_error();
        } else {
            /* the channel watches new_mask */
        }
        if ((rc != SLOOP_SYS_OK) && (added != 0U)) {
            (void)posix_sigmask(SIG_UNBLOCK, added); /* as it was */
        }
    }
    if ((rc == SLOOP_SYS_OK) || (removed != 0U)) {
        /* Removed signals get their default action back even when the channel
         * could not be told (it is being closed anyway). */
        int rc2 = posix_sigmask(SIG_UNBLOCK, removed);
        rc = (rc == SLOOP_SYS_OK) ? rc2 : rc;
    }
    return rc;
}

static int posix_signal_read(void *ctx, sloop_fd fd, uint64_t *delivered)
{
    struct signalfd_siginfo si;
    uint32_t i;
    int rc = SLOOP_SYS_EAGAIN;
    (void)ctx;
    for (i = 0U; i < 8U; i++) {
        ssize_t n = read((int)fd, &si, sizeof si);
        if (n != (ssize_t)sizeof si) {
            int e = (n < 0) ? posix_last_error() : SLOOP_SYS_EOTHER;
            rc = ((rc == SLOOP_SYS_OK) && (e == SLOOP_SYS_EAGAIN)) ? SLOOP_SYS_OK : e;
            break;
        }
        if ((si.ssi_signo >= 1U) && (si.ssi_signo <= 64U)) {
            *delivered |= (uint64_t)1U << (si.ssi_signo - 1U);
        }
        rc = SLOOP_SYS_OK;
    }
    return rc;
}

#else /* the self-pipe */

/* One channel per process: the handler knows only these. */
static volatile sig_atomic_t posix_sig_wr = -1;
static pid_t posix_sig_owner;

static void posix_sig_handler(int signo)
{
    int saved = errno;
    uint8_t b = (uint8_t)signo;
    /* send() is async-signal-safe; a full channel already says "pending". */
    (void)send((int)posix_sig_wr, &b, 1U, POSIX_SEND_FLAGS);
    errno = saved;
}

static int posix_signal_open(void *ctx, sloop_fd *fd)
{
    int fds[2];
    int rc;
    (void)ctx;
    if ((posix_sig_wr >= 0) && (posix_sig_owner == getpid())) {
        return SLOOP_SYS_EOTHER; /* another loop of this process has it */
    }
    rc = posix_pipe(fds);
    if (rc != SLOOP_SYS_OK) {
        return rc;
    }
    if (posix_sig_wr >= 0) {
        (void)close((int)posix_sig_wr); /* the parent's, inherited through fork */
    }
    posix_sig_wr = fds[1];
    posix_sig_owner = getpid();
    *fd = (sloop_fd)fds[0];
    return SLOOP_SYS_OK;
}

static int posix_signal_set(void *ctx, sloop_fd fd, uint64_t old_mask, uint64_t new_mask)
{
    struct sigaction sa;
    int n;
    int rc = SLOOP_SYS_OK;
    (void)ctx;
    (void)fd;
    for (n = 1; (n <= 64) && (rc == SLOOP_SYS_OK); n++) {
        uint64_t bit = (uint64_t)1U << (uint32_t)(n - 1);
        if (((new_mask & bit) != 0U) != ((old_mask & bit) != 0U)) {
            (void)memset(&sa, 0, sizeof sa);
            sa.sa_handler = ((new_mask & bit) != 0U) ? posix_sig_handler : SIG_DFL;
            sa.sa_flags = SA_RESTART;
            (void)sigfillset(&sa.sa_mask);
            if (sigaction(n, &sa, NULL) < 0) {
                rc = posix_last_error();
            }
        }
    }
    if ((rc == SLOOP_SYS_OK) && (new_mask == 0U) && (posix_sig_wr >= 0)) {
        (void)close((int)posix_sig_wr);
        posix_sig_wr = -1;
    }
    return rc;
}

static int posix_signal_read(void *ctx, sloop_fd fd, uint64_t *delivered)
{
    uint8_t buf[64];
    int rc = SLOOP_SYS_EAGAIN;
    ssize_t n;
    ssize_t i;
    (void)ctx;
    n = read((int)fd, buf, sizeof buf);
    if (n < 0) {
        return posix_last_error();
    }
    if (n == 0) {
        /* End of file: the write end was closed behind sloop's back, so its
         * number may be someone else's by now. The handler must never write to
         * it again and signal_set must not close it. */
        posix_sig_wr = -1;
        return SLOOP_SYS_EPIPE;
    }
    for (i = 0; i < n; i++) {
        if ((buf[i] >= 1U) && (buf[i] <= 64U)) {
            *delivered |= (uint64_t)1U << (buf[i] - 1U);
        }
        rc = SLOOP_SYS_OK;
    }
    return rc;
}

#endif /* POSIX_SIGNALFD */

static const sloop_sys posix_sys = {
    NULL,
    posix_now_ms,
    posix_listen,
    posix_local_port,
    posix_accept,
    posix_connect,
    posix_connect_result,
    posix_recv,
    posix_sendv,
    posix_close,
    posix_poll,
#if SLOOP_HAVE_EPOLL
    posix_epoll_create,
    posix_epoll_ctl,
    posix_epoll_wait,
#else
    NULL,
    NULL,
    NULL,
#endif
    posix_wake_open,
    posix_wake_signal,
    posix_wake_drain,
    posix_signal_open,
    posix_signal_set,
    posix_signal_read,
    1U, /* recv_short_is_empty: a stream socket's recv is short only when drained */
};

const sloop_sys *sloop_sys_default(void)
{
    return &posix_sys;
}

#else
/* ISO C wants at least one declaration in a translation unit (win32.c is the
 * Windows table). */
typedef int sloop__posix_c_is_not_for_windows;
#endif /* !_WIN32 */
