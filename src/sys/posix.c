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
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "sloop_sys.h"

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
