/*
 * win32.c - the default sloop_sys table for Windows (Winsock 2): the only file
 * of the loop that calls the OS there. Used with SLOOP_BACKEND_WSAPOLL, which
 * runs the poll backend (src/backend/poll.c) over WSAPoll: WSAPOLLFD has the
 * same shape as struct pollfd.
 *
 * Requires Windows Vista / Server 2008 or later (WSAPoll, inet_pton); built with
 * _WIN32_WINNT=0x0600 so nothing newer can creep in.
 *
 * Winsock start-up rule (also in docs/api.md, "Windows"):
 *   sloop_sys_default() calls WSAStartup(2.2) the first time it is called in the
 *   process, and the socket-creating functions of the table (listen, connect)
 *   and poll make sure it happened if it had failed then. sloop holds exactly
 *   one Winsock reference for the whole process and never calls WSACleanup:
 *   loops may be initialised and closed any number of times, from any thread,
 *   with no start-up order to get wrong. An application may call
 *   WSAStartup/WSACleanup for its own use as it likes (Winsock counts
 *   references); it must not call WSACleanup more often than it called
 *   WSAStartup, since that would take sloop's reference away. If WSAStartup
 *   fails, listen and connect return SLOOP_SYS_EOTHER (or ENOBUFS/ENOMEM) and
 *   the next call retries.
 *
 * Notes on the Windows and WSAPoll quirks handled here and in the loop:
 *  - SOCKET is a UINT_PTR (64 bits on Win64), not a small int. sloop_fd is an
 *    intptr_t, so it round-trips without truncation; INVALID_SOCKET (~0) is
 *    exactly SLOOP_FD_INVALID (-1). sloop never indexes an array by descriptor.
 *  - WSAGetLastError() is translated to sloop_sys_err here; the loop never sees
 *    a WSA code. A would-block connect is WSAEWOULDBLOCK on Windows (not
 *    EINPROGRESS): it is reported as SLOOP_SYS_EINPROGRESS.
 *  - A failed non-blocking connect is not reported by WSAPoll before Windows 10
 *    version 2004: no POLLERR, no POLLHUP, no POLLWRNORM, ever. Where it is
 *    reported (POLLERR/POLLHUP), connect_result reads the cause from SO_ERROR.
 *    Where it is not, the loop (conn.c) asks connect_result every
 *    SLOOP__CONNECT_PROBE_MS while a connection is connecting under WSAPoll, so
 *    connect_result here must tell "still in progress" from "connected": it
 *    returns SLOOP_SYS_EINPROGRESS when SO_ERROR is 0 and getpeername() says
 *    WSAENOTCONN. A connect to a closed port therefore ends with
 *    SLOOP_CLOSE_CONNECT_FAILED within one probe period on every version, and
 *    a silent peer with SLOOP_CLOSE_CONNECT_TIMEOUT.
 *  - WSAPoll fails with WSAEINVAL when `events` holds POLLPRI or POLLWRBAND (or
 *    anything but POLLRDNORM, POLLRDBAND, POLLIN, POLLWRNORM, POLLOUT). The poll
 *    backend sets only POLLIN (POLLRDNORM | POLLRDBAND) and POLLOUT
 *    (POLLWRNORM), never anything else, and never touches revents' meaning.
 *  - WSAPoll with no descriptors fails with WSAEINVAL instead of sleeping, as a
 *    loop with only timers needs. win32_poll sleeps for the timeout with
 *    Sleep() instead (INFINITE for a negative timeout, like poll(NULL, 0, -1)).
 *  - A socket closed behind sloop's back is POLLNVAL, as with poll(2), but the
 *    count WSAPoll returns is not trusted: Wine leaves POLLNVAL entries out of
 *    it, and fails the call (WSAENOTSOCK) when every entry is invalid. The
 *    ready count is recounted from revents. Handle values are reused quickly
 *    on Windows, so, as on POSIX, POLLNVAL is a diagnosis, not a guarantee.
 *  - Wine reports a failed connect as POLLERR only (no POLLHUP, no
 *    POLLWRNORM); the poll backend folds POLLERR into an error event, which
 *    sends the loop to connect_result.
 *  - WSAPoll never returns EINTR: Windows has no signals that interrupt it.
 *  - SO_REUSEADDR on Windows lets another socket steal a bound port; listeners
 *    use SO_EXCLUSIVEADDRUSE instead (best effort). A bind that loses to an
 *    exclusive owner fails with WSAEACCES, reported as SLOOP_SYS_EADDRINUSE.
 *  - Wine (8.0) reports a connection reset by the peer (RST) to recv as an end
 *    of stream: recv returns 0, never WSAECONNRESET, and SO_ERROR is 0 (Wine's
 *    server has already taken the error from the Linux socket), so a reset
 *    peer would be closed as SLOOP_CLOSE_PEER, not SLOOP_CLOSE_RESET. Windows
 *    itself returns WSAECONNRESET. When recv returns 0, win32_recv therefore
 *    sends zero bytes: that transmits nothing and succeeds on a connection
 *    the peer only closed in its direction, and fails with WSAECONNRESET on a
 *    reset one (Wine and Windows alike), which is then reported. One extra
 *    call per connection, at its end of stream.
 *  - There is no SIGPIPE: send to a vanished peer fails with WSAECONNRESET,
 *    WSAECONNABORTED or WSAESHUTDOWN (reported as ECONNRESET, ECONNABORTED,
 *    EPIPE).
 *  - Sockets are made non-inheritable (the analogue of close-on-exec) and
 *    non-blocking (ioctlsocket FIONBIO) at creation; connections get
 *    TCP_NODELAY, since sloop writes whole frames.
 *  - The wake-up channel (sloop_wake) is a connected loopback TCP pair, the
 *    only kind of descriptor WSAPoll watches; two sockets per loop that uses it.
 *  - There is no signal channel: POSIX signals do not exist, and console
 *    control events (Ctrl-C, close) arrive on a thread the system creates; an
 *    application catches them with SetConsoleCtrlHandler and calls sloop_wake
 *    from its handler. sloop_signal_start returns SLOOP_EBACKEND.
 *  - The clock is QueryPerformanceCounter in milliseconds, truncated to 32 bits:
 *    it wraps every 49.7 days exactly like sloop's tick (GetTickCount has the
 *    same range but only 10-16 ms resolution).
 */
#if defined(_WIN32)

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "sloop_sys.h"

/* ---- Winsock start-up: one reference for the process, never released -------- */

static volatile LONG win32_started; /* 1 once sloop holds its Winsock reference */

static int win32_start(void)
{
    WSADATA data;
    int rc;
    if (InterlockedCompareExchange(&win32_started, 0, 0) != 0) {
        return SLOOP_SYS_OK;
    }
    rc = WSAStartup(MAKEWORD(2, 2), &data);
    if (rc != 0) {
        return (rc == WSAENOBUFS) ? SLOOP_SYS_ENOBUFS : SLOOP_SYS_EOTHER;
    }
    if (InterlockedCompareExchange(&win32_started, 1, 0) != 0) {
        /* Another thread got there first: keep exactly one reference. */
        (void)WSACleanup();
    }
    return SLOOP_SYS_OK;
}

/* ---- Errors ----------------------------------------------------------------------- */

static int win32_map_error(int e)
{
    int code;
    switch (e) {
    case WSAEWOULDBLOCK:
    case WSAEINPROGRESS: /* Winsock 1 "a blocking call is in progress": try later */
        code = SLOOP_SYS_EAGAIN;
        break;
    case WSAEINTR: code = SLOOP_SYS_EINTR; break;
    case WSAEALREADY: code = SLOOP_SYS_EINPROGRESS; break;
    case WSAECONNRESET:
    case WSAENETRESET:
        code = SLOOP_SYS_ECONNRESET;
        break;
    case WSAESHUTDOWN: code = SLOOP_SYS_EPIPE; break;
    case WSAECONNREFUSED: code = SLOOP_SYS_ECONNREFUSED; break;
    case WSAECONNABORTED: code = SLOOP_SYS_ECONNABORTED; break;
    case WSAETIMEDOUT: code = SLOOP_SYS_ETIMEDOUT; break;
    case WSAEMFILE: code = SLOOP_SYS_EMFILE; break;
    case WSAENOBUFS: code = SLOOP_SYS_ENOBUFS; break;
    case WSA_NOT_ENOUGH_MEMORY: code = SLOOP_SYS_ENOMEM; break;
    case WSAENOTSOCK:
    case WSAEBADF:
        code = SLOOP_SYS_EBADF;
        break;
    case WSAEINVAL:
    case WSAEFAULT:
    case WSAEAFNOSUPPORT:
        code = SLOOP_SYS_EINVAL;
        break;
    case WSAEADDRINUSE: code = SLOOP_SYS_EADDRINUSE; break;
    default: code = SLOOP_SYS_EOTHER; break;
    }
    return code;
}

static int win32_last_error(void)
{
    return win32_map_error(WSAGetLastError());
}

/* sloop_fd <-> SOCKET, both pointer-sized: no truncation either way. */
static SOCKET win32_sock(sloop_fd fd)
{
    return (SOCKET)(uintptr_t)fd;
}

static sloop_fd win32_fd(SOCKET s)
{
    return (s == INVALID_SOCKET) ? SLOOP_FD_INVALID : (sloop_fd)(intptr_t)s;
}

/* ---- Clock -------------------------------------------------------------------------- */

static uint32_t win32_now_ms(void *ctx)
{
    LARGE_INTEGER count;
    LARGE_INTEGER freq;
    uint64_t c;
    uint64_t f;
    (void)ctx;
    /* Both succeed on every Windows since XP; a zero frequency would mean a
     * broken system, and falls back to GetTickCount rather than dividing by 0. */
    if (!QueryPerformanceCounter(&count) || !QueryPerformanceFrequency(&freq) ||
        (freq.QuadPart <= 0) || (count.QuadPart < 0)) {
        return (uint32_t)GetTickCount();
    }
    c = (uint64_t)count.QuadPart;
    f = (uint64_t)freq.QuadPart;
    /* Split so that nothing overflows: c % f < f, and f * 1000 fits easily. */
    return (uint32_t)(((c / f) * 1000U) + (((c % f) * 1000U) / f));
}

/* ---- Sockets ------------------------------------------------------------------------ */

/* Non-blocking, not inherited by child processes, no Nagle for connections. */
static int win32_prepare_socket(SOCKET s, bool stream_conn)
{
    u_long nonblocking = 1UL;
    if (ioctlsocket(s, (long)FIONBIO, &nonblocking) != 0) {
        return win32_last_error();
    }
    /* Best effort: failure leaves an inheritable handle, never a broken socket. */
    (void)SetHandleInformation((HANDLE)(uintptr_t)s, HANDLE_FLAG_INHERIT, 0);
    if (stream_conn) {
        BOOL one = TRUE;
        (void)setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, (int)sizeof one);
    }
    return SLOOP_SYS_OK;
}

typedef union win32_addr {
    struct sockaddr sa;
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
    struct sockaddr_storage ss;
} win32_addr;

static int win32_parse_addr(const char *addr, uint16_t port, win32_addr *out, int *len)
{
    memset(out, 0, sizeof *out);
    if ((addr == NULL) || (inet_pton(AF_INET, addr, &out->v4.sin_addr) == 1)) {
        out->v4.sin_family = AF_INET;
        out->v4.sin_port = htons(port);
        if (addr == NULL) {
            out->v4.sin_addr.s_addr = htonl(INADDR_ANY);
        }
        *len = (int)sizeof out->v4;
        return SLOOP_SYS_OK;
    }
    if (inet_pton(AF_INET6, addr, &out->v6.sin6_addr) == 1) {
        out->v6.sin6_family = AF_INET6;
        out->v6.sin6_port = htons(port);
        *len = (int)sizeof out->v6;
        return SLOOP_SYS_OK;
    }
    return SLOOP_SYS_EINVAL;
}

/* Starts Winsock if needed, parses addr:port into *a and opens a TCP socket of
 * its family in *s. */
static int win32_socket_for(const char *addr, uint16_t port, win32_addr *a, int *alen,
                            SOCKET *s)
{
    int rc = win32_start();
    if (rc == SLOOP_SYS_OK) {
        rc = win32_parse_addr(addr, port, a, alen);
    }
    if (rc == SLOOP_SYS_OK) {
        *s = socket(a->sa.sa_family, SOCK_STREAM, IPPROTO_TCP);
        if (*s == INVALID_SOCKET) {
            rc = win32_last_error();
        }
    }
    return rc;
}

static int win32_listen(void *ctx, const char *addr, uint16_t port, int backlog, sloop_fd *out)
{
    win32_addr a;
    int alen = 0;
    BOOL one = TRUE;
    SOCKET s = INVALID_SOCKET;
    int rc = win32_socket_for(addr, port, &a, &alen, &s);
    (void)ctx;
    if (rc != SLOOP_SYS_OK) {
        return rc;
    }
    (void)setsockopt(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (const char *)&one, (int)sizeof one);
    if (bind(s, &a.sa, alen) != 0) {
        int e = WSAGetLastError();
        (void)closesocket(s);
        /* Losing to an SO_EXCLUSIVEADDRUSE owner is WSAEACCES. */
        return (e == WSAEACCES) ? SLOOP_SYS_EADDRINUSE : win32_map_error(e);
    }
    if (listen(s, backlog) != 0) {
        rc = win32_last_error();
        (void)closesocket(s);
        return rc;
    }
    rc = win32_prepare_socket(s, false);
    if (rc != SLOOP_SYS_OK) {
        (void)closesocket(s);
        return rc;
    }
    *out = win32_fd(s);
    return SLOOP_SYS_OK;
}

static int win32_local_port(void *ctx, sloop_fd fd, uint16_t *port)
{
    win32_addr a;
    int alen = (int)sizeof a;
    (void)ctx;
    if (getsockname(win32_sock(fd), &a.sa, &alen) != 0) {
        return win32_last_error();
    }
    *port = ntohs((a.sa.sa_family == AF_INET6) ? a.v6.sin6_port : a.v4.sin_port);
    return SLOOP_SYS_OK;
}

static int win32_accept(void *ctx, sloop_fd listener, sloop_fd *out)
{
    SOCKET s;
    int rc;
    (void)ctx;
    s = accept(win32_sock(listener), NULL, NULL);
    if (s == INVALID_SOCKET) {
        return win32_last_error();
    }
    /* An accepted socket inherits the listener's non-blocking mode on Windows;
     * set everything anyway rather than rely on it. */
    rc = win32_prepare_socket(s, true);
    if (rc != SLOOP_SYS_OK) {
        (void)closesocket(s);
        return rc;
    }
    *out = win32_fd(s);
    return SLOOP_SYS_OK;
}

static int win32_connect(void *ctx, const char *addr, uint16_t port, sloop_fd *out)
{
    win32_addr a;
    int alen = 0;
    SOCKET s = INVALID_SOCKET;
    int rc = win32_socket_for(addr, port, &a, &alen, &s);
    (void)ctx;
    if (rc != SLOOP_SYS_OK) {
        return rc;
    }
    rc = win32_prepare_socket(s, true);
    if ((rc == SLOOP_SYS_OK) && (connect(s, &a.sa, alen) != 0)) {
        int e = WSAGetLastError();
        /* Windows says "would block" where POSIX says "in progress". */
        rc = ((e == WSAEWOULDBLOCK) || (e == WSAEINPROGRESS) || (e == WSAEALREADY))
                 ? SLOOP_SYS_EINPROGRESS
                 : win32_map_error(e);
    }
    if ((rc != SLOOP_SYS_OK) && (rc != SLOOP_SYS_EINPROGRESS)) {
        (void)closesocket(s);
        return rc;
    }
    *out = win32_fd(s);
    return rc;
}

/* OK once connected, EINPROGRESS while the handshake is still going, else why
 * it failed. The loop asks while connecting under WSAPoll (see the notes). */
static int win32_connect_result(void *ctx, sloop_fd fd)
{
    int err = 0;
    int len = (int)sizeof err;
    win32_addr peer;
    int plen = (int)sizeof peer;
    (void)ctx;
    if (getsockopt(win32_sock(fd), SOL_SOCKET, SO_ERROR, (char *)&err, &len) != 0) {
        return win32_last_error();
    }
    if (err != 0) {
        return win32_map_error(err);
    }
    if (getpeername(win32_sock(fd), &peer.sa, &plen) != 0) {
        int e = WSAGetLastError();
        return (e == WSAENOTCONN) ? SLOOP_SYS_EINPROGRESS : win32_map_error(e);
    }
    return SLOOP_SYS_OK;
}

/* End of stream, or a reset that recv reported as one (Wine, see the notes)?
 * A zero-byte send transmits nothing: it succeeds while the connection is
 * open in our direction (the peer only closed its own), and fails with
 * WSAECONNRESET / WSAECONNABORTED once the connection was reset. */
static int win32_end_of_stream_or_reset(SOCKET s)
{
    int code = SLOOP_SYS_OK;
    if (send(s, "", 0, 0) != 0) {
        int e = WSAGetLastError();
        if ((e == WSAECONNRESET) || (e == WSAECONNABORTED) || (e == WSAENETRESET)) {
            code = SLOOP_SYS_ECONNRESET;
        }
    }
    return code;
}

static int win32_recv(void *ctx, sloop_fd fd, void *buf, size_t len, size_t *got)
{
    int n;
    int ask = (len > (size_t)INT_MAX) ? INT_MAX : (int)len;
    (void)ctx;
    n = recv(win32_sock(fd), (char *)buf, ask, 0);
    if (n < 0) {
        return win32_last_error();
    }
    if ((n == 0) && (ask > 0)) {
        int rc = win32_end_of_stream_or_reset(win32_sock(fd));
        if (rc != SLOOP_SYS_OK) {
            return rc;
        }
    }
    *got = (size_t)n;
    return SLOOP_SYS_OK;
}

static int win32_sendv(void *ctx, sloop_fd fd, const sloop_iov *iov, uint32_t iovcnt,
                       size_t *sent)
{
    WSABUF b[2];
    DWORD n = 0;
    uint32_t i;
    (void)ctx;
    if ((iovcnt == 0U) || (iovcnt > 2U)) {
        return SLOOP_SYS_EINVAL;
    }
    for (i = 0U; i < iovcnt; i++) {
        /* WSABUF lengths are 32-bit; a short send of a larger buffer is fine. */
        b[i].len = (iov[i].len > (size_t)ULONG_MAX) ? ULONG_MAX : (ULONG)iov[i].len;
        b[i].buf = (CHAR *)(uintptr_t)iov[i].base; /* WSASend does not write */
    }
    if (WSASend(win32_sock(fd), b, (DWORD)iovcnt, &n, 0, NULL, NULL) != 0) {
        return win32_last_error();
    }
    *sent = (size_t)n;
    return SLOOP_SYS_OK;
}

static int win32_close(void *ctx, sloop_fd fd)
{
    (void)ctx;
    return (closesocket(win32_sock(fd)) != 0) ? win32_last_error() : SLOOP_SYS_OK;
}

static uint32_t win32_count_ready(const sloop_pollfd *fds, uint32_t nfds)
{
    uint32_t i;
    uint32_t n = 0U;
    for (i = 0U; i < nfds; i++) {
        n += (fds[i].revents != 0) ? 1U : 0U;
    }
    return n;
}

static uint32_t win32_count_nval(const sloop_pollfd *fds, uint32_t nfds)
{
    uint32_t i;
    uint32_t n = 0U;
    for (i = 0U; i < nfds; i++) {
        n += ((fds[i].revents & POLLNVAL) != 0) ? 1U : 0U;
    }
    return n;
}

static int win32_poll(void *ctx, sloop_pollfd *fds, uint32_t nfds, int timeout_ms,
                      uint32_t *nready)
{
    int n;
    int rc = win32_start();
    (void)ctx;
    if (rc != SLOOP_SYS_OK) {
        return rc;
    }
    if (nfds == 0U) {
        /* WSAPoll rejects an empty set (WSAEINVAL) instead of sleeping. */
        Sleep((timeout_ms < 0) ? INFINITE : (DWORD)timeout_ms);
        *nready = 0U;
        return SLOOP_SYS_OK;
    }
    n = WSAPoll(fds, (ULONG)nfds, (INT)timeout_ms);
    if (n < 0) {
        int e = WSAGetLastError();
        /* Wine fails the whole call when every socket is invalid, yet marks
         * them POLLNVAL: report that as poll(2) would. */
        if ((e != WSAENOTSOCK) || (win32_count_nval(fds, nfds) == 0U)) {
            return win32_map_error(e);
        }
    }
    /* Count what was reported rather than trust the return value: Wine leaves
     * POLLNVAL entries out of it, so a set holding only those would look idle
     * and be polled again at once, forever. */
    *nready = win32_count_ready(fds, nfds);
    return SLOOP_SYS_OK;
}

/* ---- The wake-up channel: a connected loopback TCP pair ---------------------------- */

/* Windows has no pipe that WSAPoll can watch, so the channel is a TCP
 * connection to ourselves on 127.0.0.1: a throwaway listener on an ephemeral
 * port, one connect, one accept, then the listener is closed. The accepted end
 * must be the connecting socket's peer (another local process could have
 * connected first); anything else fails the open rather than trusting it. */
static int win32_pair_check(SOCKET rd, SOCKET wr)
{
    win32_addr mine;
    win32_addr peer;
    int mlen = (int)sizeof mine;
    int plen = (int)sizeof peer;
    if ((getsockname(wr, &mine.sa, &mlen) != 0) || (getpeername(rd, &peer.sa, &plen) != 0)) {
        return win32_last_error();
    }
    return ((mine.v4.sin_port == peer.v4.sin_port) &&
            (mine.v4.sin_addr.s_addr == peer.v4.sin_addr.s_addr))
               ? SLOOP_SYS_OK
               : SLOOP_SYS_EOTHER;
}

static int win32_wake_open(void *ctx, sloop_fd *rd, sloop_fd *wr)
{
    win32_addr a;
    int alen = 0;
    SOCKET l = INVALID_SOCKET;
    SOCKET c = INVALID_SOCKET;
    SOCKET r = INVALID_SOCKET;
    int rc = win32_socket_for("127.0.0.1", 0U, &a, &alen, &l);
    (void)ctx;
    if (rc != SLOOP_SYS_OK) {
        return rc;
    }
    if ((bind(l, &a.sa, alen) != 0) || (listen(l, 1) != 0) ||
        (getsockname(l, &a.sa, &alen) != 0)) {
        rc = win32_last_error();
    }
    if (rc == SLOOP_SYS_OK) {
        c = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        rc = (c == INVALID_SOCKET) ? win32_last_error() : SLOOP_SYS_OK;
    }
    if ((rc == SLOOP_SYS_OK) && (connect(c, &a.sa, alen) != 0)) {
        rc = win32_last_error();
    }
    if (rc == SLOOP_SYS_OK) {
        r = accept(l, NULL, NULL);
        rc = (r == INVALID_SOCKET) ? win32_last_error() : win32_pair_check(r, c);
    }
    if (rc == SLOOP_SYS_OK) {
        rc = win32_prepare_socket(r, false);
    }
    if (rc == SLOOP_SYS_OK) {
        rc = win32_prepare_socket(c, true); /* no Nagle: a wake goes out at once */
    }
    (void)closesocket(l);
    if (rc != SLOOP_SYS_OK) {
        if (r != INVALID_SOCKET) {
            (void)closesocket(r);
        }
        if (c != INVALID_SOCKET) {
            (void)closesocket(c);
        }
        return rc;
    }
    *rd = win32_fd(r);
    *wr = win32_fd(c);
    return SLOOP_SYS_OK;
}

/* One send from any thread (Winsock is thread-safe). A full socket buffer is
 * WSAEWOULDBLOCK: reported as EAGAIN, which means already readable. */
static int win32_wake_signal(void *ctx, sloop_fd wr)
{
    static const char one = 1;
    (void)ctx;
    return (send(win32_sock(wr), &one, 1, 0) == SOCKET_ERROR) ? win32_last_error()
                                                               : SLOOP_SYS_OK;
}

static int win32_wake_drain(void *ctx, sloop_fd rd)
{
    char buf[64];
    uint32_t i;
    bool any = false;
    int rc = SLOOP_SYS_OK;
    (void)ctx;
    for (i = 0U; i < 16U; i++) {
        int n = recv(win32_sock(rd), buf, (int)sizeof buf, 0);
        if (n == SOCKET_ERROR) {
            rc = win32_last_error();
            break;
        }
        any = any || (n > 0);
        if (n < (int)sizeof buf) {
            break;
        }
    }
    if (any && (rc == SLOOP_SYS_EAGAIN)) {
        rc = SLOOP_SYS_OK;
    }
    /* Nothing read and no error: end of file, every write end is closed. */
    return (!any && (rc == SLOOP_SYS_OK)) ? SLOOP_SYS_EPIPE : rc;
}

static const sloop_sys win32_sys = {
    NULL,
    win32_now_ms,
    win32_listen,
    win32_local_port,
    win32_accept,
    win32_connect,
    win32_connect_result,
    win32_recv,
    win32_sendv,
    win32_close,
    win32_poll,
    NULL, /* no epoll on Windows */
    NULL,
    NULL,
    win32_wake_open,
    win32_wake_signal,
    win32_wake_drain,
    NULL, /* no signal channel: sloop_signal_start returns SLOOP_EBACKEND */
    NULL,
    NULL,
    0U, /* recv_short_is_empty: no edge-triggered backend on Windows */
};

const sloop_sys *sloop_sys_default(void)
{
    /* Start Winsock now so that a caller may use the table (or wrap it) at
     * once; a failure is retried by listen, connect and poll. */
    (void)win32_start();
    return &win32_sys;
}

#else
/* ISO C wants at least one declaration in a translation unit. */
typedef int sloop__win32_c_is_for_windows_only;
#endif /* _WIN32 */
