/*
 * sloop_config.h - every compile-time limit of sloop, with its default.
 *
 * All memory sloop uses is sized here; nothing is allocated at run time.
 * Override a limit with -DSLOOP_MAX_CONNS=16 on the command line, or put your
 * overrides in a header and name it with -DSLOOP_CONFIG_FILE='"my_sloop_config.h"'.
 * That file is included first, so any macro it defines wins over the defaults below.
 *
 * Each limit: meaning, accepted range, default. Impossible combinations are
 * rejected at compile time by the _Static_asserts at the end of this file.
 */
#ifndef SLOOP_CONFIG_H
#define SLOOP_CONFIG_H

#ifdef SLOOP_CONFIG_FILE
#include SLOOP_CONFIG_FILE
#endif

/* Connection table size: accepted plus outgoing connections open at once.
 * Range 1 .. 65536. Default 64. When full, listeners stop being polled until a
 * slot frees (see docs/design.md, "table full"). */
#ifndef SLOOP_MAX_CONNS
#define SLOOP_MAX_CONNS 64U
#endif

/* Largest frame payload a connection can receive, in bytes (length-prefixed
 * payload, or delimited line without its delimiter). Range 1 .. 16 MiB.
 * Default 4096. A peer announcing more is closed with SLOOP_CLOSE_FRAME_TOO_BIG. */
#ifndef SLOOP_MAX_FRAME
#define SLOOP_MAX_FRAME 4096U
#endif

/* Per-connection receive assembly buffer. Holds one partial frame while the rest
 * arrives, so it must fit SLOOP_MAX_FRAME plus the longest delimiter (4 bytes).
 * Default SLOOP_MAX_FRAME + 4. */
#ifndef SLOOP_RX_BUF_SIZE
#define SLOOP_RX_BUF_SIZE (SLOOP_MAX_FRAME + 4U)
#endif

/* Per-connection transmit ring. sloop_send() queues whole frames here or returns
 * SLOOP_EFULL. Must hold at least one largest frame with its 4-byte header.
 * Default 2 * (SLOOP_MAX_FRAME + 4). */
#ifndef SLOOP_TX_BUF_SIZE
#define SLOOP_TX_BUF_SIZE (2U * (SLOOP_MAX_FRAME + 4U))
#endif

/* User timers alive at once (one-shot and periodic). Range 0 .. 65536. Default 32.
 * The timer heap also holds one internal timer per connection, so its capacity
 * is SLOOP_MAX_TIMERS + SLOOP_MAX_CONNS. */
#ifndef SLOOP_MAX_TIMERS
#define SLOOP_MAX_TIMERS 32U
#endif

/* Listening sockets per loop. Range 0 .. 64. Default 4. */
#ifndef SLOOP_MAX_LISTENERS
#define SLOOP_MAX_LISTENERS 4U
#endif

/* Generic fd watchers (pipes, eventfd, serial devices). Range 0 .. 65536. Default 8. */
#ifndef SLOOP_MAX_WATCHERS
#define SLOOP_MAX_WATCHERS 8U
#endif

/* Signal watchers per loop (sloop_signal_start), one per signal number.
 * Range 0 .. 64. Default 8. Costs about 24 bytes each; the signal channel (one
 * descriptor) exists only while at least one watcher is started. */
#ifndef SLOOP_MAX_SIGNALS
#define SLOOP_MAX_SIGNALS 8U
#endif

/* Readiness events fetched per wait (epoll_wait maxevents). Range 1 .. 4096.
 * Default 64. More ready fds than this are served on the next iteration. */
#ifndef SLOOP_MAX_EVENTS
#define SLOOP_MAX_EVENTS 64U
#endif

/* Bytes read per recv() into the loop's shared scratch buffer. Range 64 .. 1 MiB.
 * Default 4096. Complete frames found in it are delivered without a copy. */
#ifndef SLOOP_READ_CHUNK
#define SLOOP_READ_CHUNK 4096U
#endif

/* Bytes one connection may read per wakeup, so that one flooding peer cannot
 * starve the others. Range SLOOP_READ_CHUNK .. 16 MiB. Default 4 * SLOOP_READ_CHUNK. */
#ifndef SLOOP_READ_BUDGET
#define SLOOP_READ_BUDGET (4U * SLOOP_READ_CHUNK)
#endif

/* Connections accepted per listener per wakeup. Range 1 .. 1024. Default 16. */
#ifndef SLOOP_ACCEPT_BUDGET
#define SLOOP_ACCEPT_BUDGET 16U
#endif

/* Longest delay or period a timer or timeout accepts, in milliseconds.
 * Tick arithmetic is wrap-safe while every live deadline lies within 2^31 ms of
 * every other; capping delays at 2^30 - 1 ms (about 12.4 days) leaves the other
 * 2^30 ms as slack for a loop that is late in popping expired timers.
 * Range 1 .. 0x7FFFFFFF. Default 0x3FFFFFFF. */
#ifndef SLOOP_TICK_MAX_DELAY
#define SLOOP_TICK_MAX_DELAY 0x3FFFFFFFU
#endif

/* ---- Rejected combinations ------------------------------------------------ */
_Static_assert((SLOOP_MAX_CONNS >= 1U) && (SLOOP_MAX_CONNS <= 65536U),
               "SLOOP_MAX_CONNS must be 1..65536");
_Static_assert((SLOOP_MAX_FRAME >= 1U) && (SLOOP_MAX_FRAME <= 0x1000000U),
               "SLOOP_MAX_FRAME must be 1..16 MiB");
_Static_assert(SLOOP_RX_BUF_SIZE >= (SLOOP_MAX_FRAME + 4U),
               "SLOOP_RX_BUF_SIZE must hold SLOOP_MAX_FRAME plus a 4-byte delimiter");
_Static_assert(SLOOP_RX_BUF_SIZE <= 0x1000004U, "SLOOP_RX_BUF_SIZE too large");
_Static_assert(SLOOP_TX_BUF_SIZE >= (SLOOP_MAX_FRAME + 4U),
               "SLOOP_TX_BUF_SIZE must hold one SLOOP_MAX_FRAME frame and its header");
_Static_assert(SLOOP_TX_BUF_SIZE <= 0x4000000U, "SLOOP_TX_BUF_SIZE too large");
_Static_assert(SLOOP_MAX_TIMERS <= 65536U, "SLOOP_MAX_TIMERS must be 0..65536");
_Static_assert(SLOOP_MAX_LISTENERS <= 64U, "SLOOP_MAX_LISTENERS must be 0..64");
_Static_assert(SLOOP_MAX_WATCHERS <= 65536U, "SLOOP_MAX_WATCHERS must be 0..65536");
_Static_assert(SLOOP_MAX_SIGNALS <= 64U, "SLOOP_MAX_SIGNALS must be 0..64");
_Static_assert((SLOOP_MAX_EVENTS >= 1U) && (SLOOP_MAX_EVENTS <= 4096U),
               "SLOOP_MAX_EVENTS must be 1..4096");
_Static_assert((SLOOP_READ_CHUNK >= 64U) && (SLOOP_READ_CHUNK <= 0x100000U),
               "SLOOP_READ_CHUNK must be 64..1 MiB");
_Static_assert((SLOOP_READ_BUDGET >= SLOOP_READ_CHUNK) && (SLOOP_READ_BUDGET <= 0x1000000U),
               "SLOOP_READ_BUDGET must be SLOOP_READ_CHUNK..16 MiB");
_Static_assert((SLOOP_ACCEPT_BUDGET >= 1U) && (SLOOP_ACCEPT_BUDGET <= 1024U),
               "SLOOP_ACCEPT_BUDGET must be 1..1024");
_Static_assert((SLOOP_TICK_MAX_DELAY >= 1U) && (SLOOP_TICK_MAX_DELAY <= 0x7FFFFFFFU),
               "SLOOP_TICK_MAX_DELAY must be 1..2^31-1");

#endif /* SLOOP_CONFIG_H */
