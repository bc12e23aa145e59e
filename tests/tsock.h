/*
 * tsock.h - the few socket calls the tests' own peers make, written once for
 * POSIX and Winsock, so that the loopback integration tests (tests/loop) and
 * the real-socket fault suite (tests/fault/test_real_faults) build and run on
 * Linux and on Windows (MinGW, under Wine) from the same sources.
 *
 * This is test code, not part of sloop: sloop's own OS calls all go through
 * its sys table (src/sys/posix.c, src/sys/win32.c). Descriptors are sloop_fd
 * (an intptr_t), wide enough for a Windows SOCKET; SLOOP_FD_INVALID means none.
 *
 * Every socket made here is TCP over IPv4 on 127.0.0.1 and is not inherited by
 * child processes. Functions that can fail return a tsock_err (or
 * SLOOP_FD_INVALID) and leave nothing open; tsock_error_text() then says why.
 */
#ifndef SLOOP_TEST_TSOCK_H
#define SLOOP_TEST_TSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sloop_sys.h"

typedef enum tsock_err {
    TSOCK_OK = 0,
    TSOCK_AGAIN,   /* would block */
    TSOCK_RESET,   /* the connection is gone: ECONNRESET, ECONNABORTED, EPIPE, WSAESHUTDOWN */
    TSOCK_REFUSED, /* nobody listens on the port */
    TSOCK_OTHER
} tsock_err;

/* Starts Winsock once for the process (POSIX: nothing to do). Every function
 * below calls it; false if it failed. */
bool tsock_start(void);

/* A blocking TCP socket, not bound, not connected. */
sloop_fd tsock_tcp(void);
/* Binds s to 127.0.0.1:port (0: the system picks) and reads the bound port. */
tsock_err tsock_bind_loopback(sloop_fd s, uint16_t port, uint16_t *bound);
/* Connects s to 127.0.0.1:port and waits for the outcome if s blocks (on
 * loopback the kernel completes it from the listen backlog). */
tsock_err tsock_connect_loopback(sloop_fd s, uint16_t port);
/* A non-blocking listener on 127.0.0.1, port chosen by the system. */
sloop_fd tsock_listen_loopback(int backlog, uint16_t *port);
/* Accepts one connection from a non-blocking listener: the new socket is
 * non-blocking too. SLOOP_FD_INVALID with *err (TSOCK_AGAIN: none waiting). */
sloop_fd tsock_accept(sloop_fd listener, tsock_err *err);

tsock_err tsock_set_nonblocking(sloop_fd s);
void tsock_set_nodelay(sloop_fd s);
void tsock_set_rcvbuf(sloop_fd s, int bytes);
void tsock_set_sndbuf(sloop_fd s, int bytes);
/* SO_LINGER {1, 0}: the next close resets the connection (RST). */
void tsock_set_linger_reset(sloop_fd s);

/* Sends without blocking and without SIGPIPE: bytes taken (>= 0), or -1 with
 * *err. */
long tsock_send(sloop_fd s, const void *data, size_t len, tsock_err *err);
/* Receives without blocking: bytes read (> 0), 0 at end of stream, or -1 with
 * *err (TSOCK_AGAIN: nothing there yet). */
long tsock_recv(sloop_fd s, void *buf, size_t len, tsock_err *err);
/* Ends the sending direction (shutdown SHUT_WR / SD_SEND). */
tsock_err tsock_shutdown_send(sloop_fd s);
tsock_err tsock_close(sloop_fd s);
/* Is fd an open descriptor (POSIX) / an open socket (Windows)? */
bool tsock_is_open(sloop_fd fd);

/* Two connected, non-blocking stream sockets (POSIX: socketpair AF_UNIX;
 * Windows: a TCP connection over 127.0.0.1). */
tsock_err tsock_pair(sloop_fd sv[2]);
/* A one-way byte channel for watcher tests: p[1] writes, p[0] reads, both
 * non-blocking. POSIX: a pipe. Windows, where WSAPoll watches sockets only: a
 * tsock_pair (p[0] is also writable there, unlike a pipe's read end). */
tsock_err tsock_pipe(sloop_fd p[2]);
/* write/read on a tsock_pipe end: bytes moved, or -1. */
long tsock_write(sloop_fd fd, const void *data, size_t len);
long tsock_read(sloop_fd fd, void *buf, size_t len);

/* The system's text for the last failure seen by this module. */
const char *tsock_error_text(void);

#endif
