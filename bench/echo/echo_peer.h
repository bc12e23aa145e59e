/*
 * echo_peer.h - what the libev, libevent and libuv echo servers share: the
 * command line, the listening socket's announcement, and the frame scanner
 * (4-byte big-endian length header, payload <= ECHO_MAX_FRAME, as on sloop).
 * The servers echo every complete frame back verbatim (header included) and
 * keep an incomplete one until the rest arrives; a frame announcing more than
 * ECHO_MAX_FRAME bytes closes its connection.
 */
#ifndef BENCH_ECHO_PEER_H
#define BENCH_ECHO_PEER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ECHO_MAX_FRAME 4096U
#define ECHO_MAX_CONNS 4096U
#define ECHO_RX_BUF (2U * (ECHO_MAX_FRAME + 4U)) /* as sloop's default ring */

/* Bytes at the start of buf that form complete frames; *bad set if a header
 * announces more than ECHO_MAX_FRAME. */
static inline size_t echo_complete_prefix(const uint8_t *buf, size_t len, int *bad)
{
    size_t pos = 0U;
    *bad = 0;
    while (len - pos >= 4U) {
        uint32_t n = ((uint32_t)buf[pos] << 24) | ((uint32_t)buf[pos + 1U] << 16) |
                     ((uint32_t)buf[pos + 2U] << 8) | (uint32_t)buf[pos + 3U];
        if (n > ECHO_MAX_FRAME) {
            *bad = 1;
            break;
        }
        if (len - pos < 4U + (size_t)n) {
            break;
        }
        pos += 4U + (size_t)n;
    }
    return pos;
}

/* --port N (0: the OS picks). */
static inline unsigned short echo_parse_port(int argc, char **argv)
{
    int a;
    for (a = 1; a + 1 < argc; a += 2) {
        if (strcmp(argv[a], "--port") == 0) {
            return (unsigned short)strtoul(argv[a + 1], NULL, 10);
        }
    }
    return 0U;
}

static inline void echo_announce(unsigned port)
{
    printf("port %u\n", port);
    fflush(stdout);
}

#endif
