/*
 * dispatch.h - the libevent test/bench.c method, shared by every dispatch
 * benchmark program (one program per library, plus the floor).
 *
 * N descriptors each carry a persistent read watcher. A chains are started by
 * writing one byte to A descriptors spread evenly over the N. Each read
 * callback reads one byte with recv() and, while writes remain, sends one byte
 * with send() so that the next descriptor (index + 1, wrapping) becomes
 * readable. One measured iteration:
 *
 *   rearm:    stop and start (libevent: del/assign/add, libev: stop/set/start)
 *             every watcher, then one non-blocking loop iteration so that
 *             libraries that queue interest changes apply them (libev, libuv,
 *             sloop's modify) are charged for it;
 *   dispatch: A initial sends (not timed), then non-blocking loop iterations
 *             until every byte sent was read: A + W callbacks, W sends.
 *
 * Layout. libevent's bench uses N socketpairs and watches one end of each: 2N
 * descriptors. Here the default layout ("ends") watches BOTH ends of N/2
 * socketpairs, so N watched descriptors cost N descriptors and N = 10000 fits
 * a 20000-descriptor limit; a send on one end makes the other end readable,
 * exactly one kernel wake-up per byte as before. `--pairs` selects libevent's
 * original layout where the descriptor limit allows it.
 *
 * A library program provides the four lib_* hooks below and calls
 * bench_on_readable(index) from its read callback. The hot path is inline so
 * that every program, the floor included, pays exactly the same for it.
 */
#ifndef BENCH_DISPATCH_H
#define BENCH_DISPATCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Filled by dispatch_main.c before lib_init. */
extern int *bench_fd;        /* bench_fd[i]: descriptor watched by watcher i */
extern int *bench_peer;      /* bench_peer[i]: send here to make bench_fd[i] readable */
extern unsigned bench_n;     /* N */
extern unsigned bench_active;/* A */
extern const char *bench_backend; /* --backend, for programs that have a choice */
extern const char *bench_variant; /* --variant, a program's alternative way to re-arm */

/* Chain state, as in libevent's bench.c. */
extern long bench_count;     /* bytes read */
extern long bench_fired;     /* bytes sent (initial A included) */
extern long bench_writes;    /* sends still to do */
extern long bench_failures;
extern long bench_last_next; /* index made readable by the last send, or -1 (floor) */

static inline void bench_on_readable(unsigned idx)
{
    unsigned char ch;
    ssize_t n = recv(bench_fd[idx], &ch, 1, 0);
    if (n >= 0) {
        bench_count += n;
    } else {
        bench_failures++;
    }
    if (bench_writes > 0) {
        unsigned widx = idx + 1U;
        if (widx >= bench_n) {
            widx -= bench_n;
        }
        if (send(bench_peer[widx], "e", 1, 0) != 1) {
            bench_failures++;
        }
        bench_writes--;
        bench_fired++;
        bench_last_next = (long)widx;
    }
}

/* The library under test. */
const char *lib_name(void);
int lib_init(void);          /* 0 on success; creates the loop and the N watchers' memory */
void lib_arm(int first);     /* (re)arms every watcher: first = nothing to stop yet */
void lib_run_once(void);     /* one non-blocking loop iteration */
void lib_fini(void);

#endif
