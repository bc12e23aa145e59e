/*
 * tsock.c - the tests' peer sockets on POSIX and Winsock (see tsock.h).
 */
#include "tsock.h"

#include <stdio.h>
#include <string.h>

#if defined(_WIN32)
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#else
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

static char last_error[96];

/* ---- What differs: types, errors, start-up ------------------------------------------ */

#if defined(_WIN32)
typedef SOCKET native_sock;
typedef int optlen_t;
#define NATIVE_NONE INVALID_SOCKET

static native_sock to_native(sloop_fd fd)
{
    return (SOCKET)(uintptr_t)fd;
}

static sloop_fd from_native(native_sock s)
{
    return (s == INVALID_SOCKET) ? SLOOP_FD_INVALID : (sloop_fd)(intptr_t)s;
}

static int native_error(void)
{
    return WSAGetLastError();
}

static tsock_err classify(int e)
{
    tsock_err err;
    switch (e) {
    case WSAEWOULDBLOCK: err = TSOCK_AGAIN; break;
    case WSAECONNRESET:
    case WSAECONNABORTED:
    case WSAESHUTDOWN:
    case WSAENETRESET:
        err = TSOCK_RESET;
        break;
    case WSAECONNREFUSED: err = TSOCK_REFUSED; break;
    default: err = TSOCK_OTHER; break;
    }
    return err;
}

static void note_error(const char *what, int e)
{
    (void)snprintf(last_error, sizeof last_error, "%s: WSA error %d", what, e);
}

static int native_close(native_sock s)
{
    return closesocket(s);
}

bool tsock_start(void)
{
    static volatile LONG started;
    WSADATA data;
    if (InterlockedCompareExchange(&started, 0, 0) != 0) {
        return true;
    }
    if (WSAStartup(MAKEWORD(2, 2), &data) != 0) {
        note_error("WSAStartup", native_error());
        return false;
    }
    if (InterlockedCompareExchange(&started, 1, 0) != 0) {
        (void)WSACleanup(); /* another thread got there first: one reference */
    }
    return true;
}
#else
typedef int native_sock;
typedef socklen_t optlen_t;
#define NATIVE_NONE (-1)

static native_sock to_native(sloop_fd fd)
{
    return (int)fd;
}

static sloop_fd from_native(native_sock s)
{
    return (s < 0) ? SLOOP_FD_INVALID : (sloop_fd)s;
}

static int native_error(void)
{
    return errno;
}

static tsock_err classify(int e)
{
    tsock_err err;
    if ((e == EAGAIN) || (e == EWOULDBLOCK) || (e == EINTR)) {
        err = TSOCK_AGAIN;
    } else if ((e == ECONNRESET) || (e == ECONNABORTED) || (e == EPIPE)) {
        err = TSOCK_RESET;
    } else if (e == ECONNREFUSED) {
        err = TSOCK_REFUSED;
    } else {
        err = TSOCK_OTHER;
    }
    return err;
}

static void note_error(const char *what, int e)
{
    (void)snprintf(last_error, sizeof last_error, "%s: %s", what, strerror(e));
}

static int native_close(native_sock s)
{
    return close(s);
}

bool tsock_start(void)
{
    return true;
}
#endif

/* Records the failure of `what` and classifies it. */
static tsock_err failed(const char *what)
{
    int e = native_error();
    note_error(what, e);
    return classify(e);
}

const char *tsock_error_text(void)
{
    return last_error;
}

/* ---- Sockets ---------------------------------------------------------------------------- */

sloop_fd tsock_tcp(void)
{
    native_sock s;
    if (!tsock_start()) {
        return SLOOP_FD_INVALID;
    }
#if defined(_WIN32)
    s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (s != INVALID_SOCKET) {
        (void)SetHandleInformation((HANDLE)(uintptr_t)s, HANDLE_FLAG_INHERIT, 0);
    }
#else
    s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
#endif
    if (s == NATIVE_NONE) {
        (void)failed("socket");
    }
    return from_native(s);
}

static void loopback_addr(struct sockaddr_in *a, uint16_t port)
{
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

tsock_err tsock_bind_loopback(sloop_fd s, uint16_t port, uint16_t *bound)
{
    struct sockaddr_in a;
    optlen_t len = (optlen_t)sizeof a;
    loopback_addr(&a, port);
    if (bind(to_native(s), (const struct sockaddr *)&a, (optlen_t)sizeof a) != 0) {
        return failed("bind");
    }
    if (getsockname(to_native(s), (struct sockaddr *)&a, &len) != 0) {
        return failed("getsockname");
    }
    *bound = ntohs(a.sin_port);
    return TSOCK_OK;
}

tsock_err tsock_connect_loopback(sloop_fd s, uint16_t port)
{
    struct sockaddr_in a;
    loopback_addr(&a, port);
    if (connect(to_native(s), (const struct sockaddr *)&a, (optlen_t)sizeof a) != 0) {
        return failed("connect");
    }
    return TSOCK_OK;
}

sloop_fd tsock_listen_loopback(int backlog, uint16_t *port)
{
    sloop_fd s = tsock_tcp();
    if (s == SLOOP_FD_INVALID) {
        return s;
    }
    if ((tsock_bind_loopback(s, 0U, port) != TSOCK_OK) ||
        (listen(to_native(s), backlog) != 0) || (tsock_set_nonblocking(s) != TSOCK_OK)) {
        (void)failed("listen");
        (void)native_close(to_native(s));
        return SLOOP_FD_INVALID;
    }
    return s;
}

sloop_fd tsock_accept(sloop_fd listener, tsock_err *err)
{
    native_sock s;
#if defined(_WIN32)
    s = accept(to_native(listener), NULL, NULL);
    if (s != INVALID_SOCKET) {
        (void)SetHandleInformation((HANDLE)(uintptr_t)s, HANDLE_FLAG_INHERIT, 0);
    }
#else
    s = accept4(to_native(listener), NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
#endif
    if (s == NATIVE_NONE) {
        *err = failed("accept");
        return SLOOP_FD_INVALID;
    }
    *err = tsock_set_nonblocking(from_native(s));
    if (*err != TSOCK_OK) {
        (void)native_close(s);
        return SLOOP_FD_INVALID;
    }
    return from_native(s);
}

tsock_err tsock_set_nonblocking(sloop_fd s)
{
#if defined(_WIN32)
    u_long on = 1UL;
    if (ioctlsocket(to_native(s), (long)FIONBIO, &on) != 0) {
        return failed("ioctlsocket FIONBIO");
    }
#else
    int fl = fcntl(to_native(s), F_GETFL, 0);
    if ((fl < 0) || (fcntl(to_native(s), F_SETFL, fl | O_NONBLOCK) < 0)) {
        return failed("fcntl O_NONBLOCK");
    }
#endif
    return TSOCK_OK;
}

static void set_int_option(sloop_fd s, int level, int name, int value)
{
#if defined(_WIN32)
    (void)setsockopt(to_native(s), level, name, (const char *)&value, (int)sizeof value);
#else
    (void)setsockopt(to_native(s), level, name, &value, (socklen_t)sizeof value);
#endif
}

void tsock_set_nodelay(sloop_fd s)
{
    set_int_option(s, IPPROTO_TCP, TCP_NODELAY, 1);
}

void tsock_set_rcvbuf(sloop_fd s, int bytes)
{
    set_int_option(s, SOL_SOCKET, SO_RCVBUF, bytes);
}

void tsock_set_sndbuf(sloop_fd s, int bytes)
{
    set_int_option(s, SOL_SOCKET, SO_SNDBUF, bytes);
}

void tsock_set_linger_reset(sloop_fd s)
{
    struct linger lg;
    lg.l_onoff = 1;
    lg.l_linger = 0;
#if defined(_WIN32)
    (void)setsockopt(to_native(s), SOL_SOCKET, SO_LINGER, (const char *)&lg, (int)sizeof lg);
#else
    (void)setsockopt(to_native(s), SOL_SOCKET, SO_LINGER, &lg, (socklen_t)sizeof lg);
#endif
}

long tsock_send(sloop_fd s, const void *data, size_t len, tsock_err *err)
{
#if defined(_WIN32)
    int n = send(to_native(s), (const char *)data, (len > 0x7FFFFFFFU) ? 0x7FFFFFFF : (int)len, 0);
#else
    ssize_t n = send(to_native(s), data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
#endif
    if (n < 0) {
        *err = failed("send");
        return -1;
    }
    *err = TSOCK_OK;
    return (long)n;
}

long tsock_recv(sloop_fd s, void *buf, size_t len, tsock_err *err)
{
#if defined(_WIN32)
    int n = recv(to_native(s), (char *)buf, (len > 0x7FFFFFFFU) ? 0x7FFFFFFF : (int)len, 0);
#else
    ssize_t n = recv(to_native(s), buf, len, MSG_DONTWAIT);
#endif
    if (n < 0) {
        *err = failed("recv");
        return -1;
    }
    *err = TSOCK_OK;
    return (long)n;
}

tsock_err tsock_shutdown_send(sloop_fd s)
{
#if defined(_WIN32)
    int rc = shutdown(to_native(s), SD_SEND);
#else
    int rc = shutdown(to_native(s), SHUT_WR);
#endif
    return (rc != 0) ? failed("shutdown") : TSOCK_OK;
}

tsock_err tsock_close(sloop_fd s)
{
    return (native_close(to_native(s)) != 0) ? failed("close") : TSOCK_OK;
}

bool tsock_is_open(sloop_fd fd)
{
#if defined(_WIN32)
    /* A closed socket's handle value is not a socket any more (WSAENOTSOCK),
     * unless Windows gave the value to a new socket since: callers ask before
     * they open anything else. */
    int type = 0;
    int len = (int)sizeof type;
    return getsockopt(to_native(fd), SOL_SOCKET, SO_TYPE, (char *)&type, &len) == 0;
#else
    return fcntl(to_native(fd), F_GETFD) >= 0;
#endif
}

tsock_err tsock_pair(sloop_fd sv[2])
{
#if defined(_WIN32)
    /* No AF_UNIX socketpair before Windows 10 1803: connect over loopback. */
    uint16_t port = 0U;
    tsock_err err = TSOCK_OTHER;
    sloop_fd l = tsock_listen_loopback(1, &port);
    sloop_fd a = SLOOP_FD_INVALID;
    sloop_fd b = tsock_tcp();
    if ((l != SLOOP_FD_INVALID) && (b != SLOOP_FD_INVALID)) {
        err = tsock_connect_loopback(b, port);
    }
    if (err == TSOCK_OK) {
        /* The connection is in the backlog once connect returned; a loaded
         * machine may still need a moment to make it acceptable. */
        unsigned tries;
        for (tries = 0U; tries < 1000U; tries++) {
            a = tsock_accept(l, &err);
            if ((a != SLOOP_FD_INVALID) || (err != TSOCK_AGAIN)) {
                break;
            }
            Sleep(1);
        }
    }
    if ((err == TSOCK_OK) && (a != SLOOP_FD_INVALID)) {
        err = tsock_set_nonblocking(b);
    }
    if (l != SLOOP_FD_INVALID) {
        (void)tsock_close(l);
    }
    if ((err != TSOCK_OK) || (a == SLOOP_FD_INVALID)) {
        if (a != SLOOP_FD_INVALID) {
            (void)tsock_close(a);
        }
        if (b != SLOOP_FD_INVALID) {
            (void)tsock_close(b);
        }
        return (err == TSOCK_OK) ? TSOCK_OTHER : err;
    }
    tsock_set_nodelay(a);
    tsock_set_nodelay(b);
    sv[0] = a;
    sv[1] = b;
    return TSOCK_OK;
#else
    int p[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, p) != 0) {
        return failed("socketpair");
    }
    sv[0] = p[0];
    sv[1] = p[1];
    return TSOCK_OK;
#endif
}

tsock_err tsock_pipe(sloop_fd p[2])
{
#if defined(_WIN32)
    return tsock_pair(p);
#else
    int q[2];
    if (pipe2(q, O_NONBLOCK | O_CLOEXEC) != 0) {
        return failed("pipe2");
    }
    p[0] = q[0];
    p[1] = q[1];
    return TSOCK_OK;
#endif
}

long tsock_write(sloop_fd fd, const void *data, size_t len)
{
#if defined(_WIN32)
    tsock_err err;
    return tsock_send(fd, data, len, &err);
#else
    ssize_t n = write(to_native(fd), data, len);
    if (n < 0) {
        (void)failed("write");
    }
    return (long)n;
#endif
}

long tsock_read(sloop_fd fd, void *buf, size_t len)
{
#if defined(_WIN32)
    tsock_err err;
    return tsock_recv(fd, buf, len, &err);
#else
    ssize_t n = read(to_native(fd), buf, len);
    if (n < 0) {
        (void)failed("read");
    }
    return (long)n;
#endif
}
