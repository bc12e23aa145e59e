/*
 * dispatch_main.c - driver of the dispatch benchmark (see dispatch.h for the
 * method). Linked with one lib_*.c file per program.
 *
 *   PROG [--n N] [--active A] [--writes W] [--iters K] [--backend NAME]
 *        [--variant NAME] [--pairs]
 *
 * Runs one unreported warm-up iteration, then K measured ones, and prints one
 * line per measured iteration:
 *
 *   result lib=NAME n=N a=A w=W iter=I rearm_ns=T1 dispatch_ns=T2 loops=L
 *
 * Exit status 0 only if every byte sent was read and no recv/send failed.
 * Every run is bounded: a dispatch phase that has not finished after
 * 10 s or 1000 * (A + W) + 100000 loop iterations is reported as a failure.
 *
 * Profiling hooks: the measured phases run in the non-inlined functions
 * bench_rearm_measured() and bench_dispatch_measured(), so that
 *   valgrind --tool=callgrind --collect-atstart=no \
 *            --toggle-collect=bench_dispatch_measured PROG ...
 * counts the instructions of the measured dispatch phases only. Each measured
 * phase is bracketed by close(-101..-104), which fail at once and serve as
 * markers in an strace log (see bench/syscalls.py).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "dispatch.h"

int *bench_fd;
int *bench_peer;
unsigned bench_n = 1000U;
unsigned bench_active = 1U;
const char *bench_backend = "epoll";
const char *bench_variant = "";
long bench_count;
long bench_fired;
long bench_writes;
long bench_failures;
long bench_last_next = -1;

static unsigned n_writes = 1000U;
static unsigned n_iters = 5U;
static int use_pairs;
static long loops;
static int timed_out;

#define BENCH_TIMEOUT_NS 10000000000ULL

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void marker(int which)
{
    (void)close(-which); /* EBADF at once; visible in strace */
}

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL, 0);
    return (fl < 0) ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int make_sockets(void)
{
    unsigned i;
    bench_fd = calloc(bench_n, sizeof *bench_fd);
    bench_peer = calloc(bench_n, sizeof *bench_peer);
    if ((bench_fd == NULL) || (bench_peer == NULL)) {
        return -1;
    }
    for (i = 0U; i < bench_n; i += use_pairs ? 1U : 2U) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
            fprintf(stderr, "socketpair %u: %s\n", i, strerror(errno));
            return -1;
        }
        if ((set_nonblock(sv[0]) != 0) || (set_nonblock(sv[1]) != 0)) {
            return -1;
        }
        if (use_pairs) {
            bench_fd[i] = sv[0];
            bench_peer[i] = sv[1];
        } else {
            /* Both ends are watched: each is the other's writer. */
            bench_fd[i] = sv[0];
            bench_peer[i] = sv[1];
            if (i + 1U < bench_n) {
                bench_fd[i + 1U] = sv[1];
                bench_peer[i + 1U] = sv[0];
            }
        }
    }
    return 0;
}

static void raise_fd_limit(void)
{
    struct rlimit rl;
    if ((getrlimit(RLIMIT_NOFILE, &rl) == 0) && (rl.rlim_cur < rl.rlim_max)) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* The bodies are inlined into a warm-up and a measured copy so that a profiler
 * can tell the two apart by function name. */
static inline __attribute__((always_inline)) void rearm_body(int first)
{
    lib_arm(first);
    lib_run_once();
}

static inline __attribute__((always_inline)) void dispatch_body(void)
{
    uint64_t start = now_ns();
    long bound = 1000L * ((long)bench_active + (long)n_writes) + 100000L;
    loops = 0;
    do {
        lib_run_once();
        loops++;
        if (((loops & 1023L) == 0) &&
            ((loops > bound) || ((now_ns() - start) > BENCH_TIMEOUT_NS))) {
            timed_out = 1;
            break;
        }
    } while (bench_count != bench_fired);
}

__attribute__((noinline)) void bench_rearm_warmup(int first);
__attribute__((noinline)) void bench_rearm_measured(void);
__attribute__((noinline)) void bench_dispatch_warmup(void);
__attribute__((noinline)) void bench_dispatch_measured(void);

__attribute__((noinline)) void bench_rearm_warmup(int first) { rearm_body(first); }
__attribute__((noinline)) void bench_rearm_measured(void) { rearm_body(0); }
__attribute__((noinline)) void bench_dispatch_warmup(void) { dispatch_body(); }
__attribute__((noinline)) void bench_dispatch_measured(void) { dispatch_body(); }

/* Starts the A chains, spread as in bench.c: space = N / A descriptors apart. */
static void start_chains(void)
{
    unsigned space = bench_n / bench_active;
    unsigned i;
    bench_fired = 0;
    for (i = 0U; i < bench_active; i++) {
        if (send(bench_peer[i * space], "e", 1, 0) != 1) {
            bench_failures++;
        }
        bench_fired++;
    }
    bench_count = 0;
    bench_writes = (long)n_writes;
}

static int usage(void)
{
    fprintf(stderr, "usage: %s [--n N] [--active A] [--writes W] [--iters K] [--backend NAME]"
                    " [--variant NAME] [--pairs]\n", lib_name());
    return 2;
}

int main(int argc, char **argv)
{
    unsigned it;
    int a;
    for (a = 1; a < argc; a++) {
        const char *v = (a + 1 < argc) ? argv[a + 1] : NULL;
        if (strcmp(argv[a], "--pairs") == 0) {
            use_pairs = 1;
            continue;
        }
        if (v == NULL) return usage();
        if (strcmp(argv[a], "--n") == 0) bench_n = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(argv[a], "--active") == 0) bench_active = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(argv[a], "--writes") == 0) n_writes = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(argv[a], "--iters") == 0) n_iters = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(argv[a], "--backend") == 0) bench_backend = v;
        else if (strcmp(argv[a], "--variant") == 0) bench_variant = v;
        else return usage();
        a++;
    }
    if ((bench_n < 2U) || (bench_n > 100000U) || (bench_active < 1U) ||
        (bench_active > bench_n) || (n_writes > 10000000U) || (n_iters < 1U) ||
        (n_iters > 1000U)) {
        return usage();
    }
    raise_fd_limit();
    if (make_sockets() != 0) {
        fprintf(stderr, "%s: cannot create %u sockets (descriptor limit?)\n", lib_name(),
                bench_n);
        return 1;
    }
    if (lib_init() != 0) {
        fprintf(stderr, "%s: init failed\n", lib_name());
        return 1;
    }

    /* Warm-up: first arm, one full dispatch (not reported). */
    bench_rearm_warmup(1);
    start_chains();
    bench_dispatch_warmup();

    for (it = 0U; (it < n_iters) && !timed_out; it++) {
        uint64_t t0, t1, t2, t3;
        marker(101);
        t0 = now_ns();
        bench_rearm_measured();
        t1 = now_ns();
        marker(102);
        start_chains();
        marker(103);
        t2 = now_ns();
        bench_dispatch_measured();
        t3 = now_ns();
        marker(104);
        printf("result lib=%s n=%u a=%u w=%u iter=%u rearm_ns=%llu dispatch_ns=%llu loops=%ld\n",
               lib_name(), bench_n, bench_active, n_writes, it, (unsigned long long)(t1 - t0),
               (unsigned long long)(t3 - t2), loops);
    }
    lib_fini();
    if (timed_out || (bench_failures != 0) || (bench_count != bench_fired)) {
        fprintf(stderr, "%s: FAILED: timed_out=%d failures=%ld count=%ld fired=%ld\n",
                lib_name(), timed_out, bench_failures, bench_count, bench_fired);
        return 1;
    }
    return 0;
}
