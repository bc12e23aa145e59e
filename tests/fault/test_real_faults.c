/*
 * test_real_faults.c - fault injection over real sockets on 127.0.0.1, with the
 * poll, epoll and edge-triggered epoll backends (Windows: WSAPoll, the only
 * one there): the fault plan wraps sloop_sys_default(), the peers are ordinary
 * sockets in the same thread (tests/tsock.h: POSIX or Winsock).
 *
 * Same method as test_sim_faults: a fault-free run records the sys calls, then
 * one run per call index per fault that call can suffer. Real sockets are not
 * fully deterministic (timing decides whether a recv finds data), so a fault is
 * aimed at "call k, if it is a call of fn"; a run where call k is something
 * else injects nothing and is counted as off-path, not as a fault point (its
 * invariants are still checked).
 *
 * Edge-triggered epoll gets no spurious EAGAIN and no short counts on accept,
 * recv and sendv: with edge triggering those promise that the kernel had no
 * more, and a kernel never says so while it still has data (a new edge would
 * come only with new data). The level-triggered backends get every fault.
 *
 * Double faults (epoll only): an interest change (EPOLL_CTL_MOD) happens only
 * after a send left data queued or the listener paused, so after a sendv EAGAIN
 * or an accept EMFILE at call k, the next MOD fails too.
 *
 * Output: one line per scenario and backend, then
 * "fault-real: N passed, M failed" (N and M count fault points).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faultplan.h"
#include "scenarios.h"
#include "tsock.h"
#include "world.h"

typedef struct scenario {
    const char *name;
    void (*run)(world *w);
} scenario;

static void sc_client_real(world *w);

static const scenario g_scenarios[] = {
    { "accept-echo-close", sc_echo },
    { "many-clients", sc_many },
    { "graceful-shutdown", sc_shutdown },
    { "client-connect", sc_client_real },
};
#define SCENARIOS ((uint32_t)(sizeof g_scenarios / sizeof g_scenarios[0]))

#if defined(_WIN32)
static const sloop_backend g_backends[] = { SLOOP_BACKEND_WSAPOLL };
#else
static const sloop_backend g_backends[] = { SLOOP_BACKEND_POLL, SLOOP_BACKEND_EPOLL,
                                            SLOOP_BACKEND_EPOLL_ET };
#endif
#define BACKENDS ((uint32_t)(sizeof g_backends / sizeof g_backends[0]))

typedef struct fault_point {
    uint64_t index;
    fp_fn fn;
    fp_action action;
    int error;
    uint32_t amount;
    bool then_mod; /* also fail the next EPOLL_CTL_MOD */
} fault_point;

static sloop_loop g_loop;
static faultplan g_fp;
static world g_w;
static uint8_t g_trace[FP_TRACE_MAX];
static char g_where[200];
static uint64_t g_target;
#if SLOOP_HAVE_EPOLL
static uint64_t g_after; /* the call after which the next EPOLL_CTL_MOD fails */
#endif

/* ---- A client scenario over real sockets ------------------------------------------------------ */

/* The loop connects to a socket the test listens on (it answers like the sim's
 * accepting remote), and to a port nobody listens on (refused). */
static void sc_client_real(world *w)
{
    uint16_t port = 0U;
    uint16_t dead_port = 0U;
    sloop_fd ls = tsock_listen_loopback(16, &port);
    sloop_fd dead = tsock_listen_loopback(16, &dead_port);
    int p = -1;
    uint32_t step;
    bool done = false;
    sloop_conn c;
    W_EXPECT(w, (ls != SLOOP_FD_INVALID) && (dead != SLOOP_FD_INVALID));
    if (dead != SLOOP_FD_INVALID) {
        (void)tsock_close(dead); /* the port is now refused */
    }
    if (ls == SLOOP_FD_INVALID) {
        return;
    }
    W_EXPECT(w, w_connect(w, "127.0.0.1", port, 2000U, 0U, &c) == SLOOP_OK);
    W_EXPECT(w, w_connect(w, "127.0.0.1", dead_port, 2000U, 1U, &c) == SLOOP_OK);
    for (step = 0U; (step < 300U) && !done; step++) {
        (void)sloop_run_once(w->loop, w->step_ms);
        if (p < 0) {
            tsock_err err;
            sloop_fd s = tsock_accept(ls, &err);
            if (s != SLOOP_FD_INVALID) {
                p = w_peer_add_sock(w, s);
                if (p < 0) {
                    (void)tsock_close(s);
                }
            }
        }
        if (p >= 0) {
            w_peer *pe = &w->peers[p];
            w_peer_pump(w, p);
            if ((pe->script == 0U) && (w_peer_count(w, p, 'G') >= 1U) &&
                (w_peer_count(w, p, 'Q') >= 1U)) {
                (void)w_peer_send(w, p, 'D', "ping", 4U);
                pe->script = 1U;
            } else if ((pe->script == 1U) && (w_peer_count(w, p, 'E') >= 1U)) {
                (void)w_peer_send(w, p, 'C', "bye", 3U);
                pe->script = 2U;
            } else if ((pe->script != 9U) && ((pe->eof != 0U) || (pe->reset != 0U))) {
                w_peer_close(w, p);
                pe->script = 9U;
            } else {
                /* waiting */
            }
        }
        done = (w_open_count(w) == 0U) && ((p < 0) || (w->peers[p].script == 9U));
    }
    (void)tsock_close(ls);
    if (w_open_count(w) != 0U) {
        w_fail(w, __FILE__, __LINE__, "did not come to rest: %u connections open",
               w_open_count(w));
    }
    W_EXPECT(w, w->closes[SLOOP_CLOSE_LOCAL] == 1U);
    W_EXPECT(w, w->closes[SLOOP_CLOSE_CONNECT_FAILED] == 1U);
    W_EXPECT(w, w_peer_count(w, p, 'E') == 2U);
}

/* ---- Runner ------------------------------------------------------------------------------------- */

static void on_fatal(int sig)
{
    static const char msg[] = "\nfault-real: crashed at ";
    (void)write(2, msg, sizeof msg - 1U);
    (void)write(2, g_where, (unsigned)strlen(g_where)); /* MinGW: unsigned count */
    (void)write(2, "\n", 1U);
    signal(sig, SIG_DFL);
    raise(sig);
}

#if defined(__SANITIZE_ADDRESS__)
#define FAULT_HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FAULT_HAVE_ASAN 1
#endif
#endif
#ifdef FAULT_HAVE_ASAN
void __sanitizer_set_death_callback(void (*callback)(void));
static void on_sanitizer_death(void)
{
    fprintf(stderr, "fault-real: sanitizer report at %s\n", g_where);
}
#endif

static bool at_target(const fp_call *call, void *user)
{
    (void)user;
    return call->index == g_target;
}

#if SLOOP_HAVE_EPOLL
static bool next_mod(const fp_call *call, void *user)
{
    (void)user;
    return (call->index > g_after) && (call->op == EPOLL_CTL_MOD);
}
#endif

typedef enum run_result { RUN_PASS, RUN_FAIL, RUN_OFF_PATH } run_result;

static run_result run_one(const scenario *sc, sloop_backend be, const fault_point *f,
                          uint64_t limit, bool report)
{
    sloop_options o;
    sloop_err err;
    fp_init(&g_fp, sloop_sys_default());
    fp_set_call_limit(&g_fp, limit);
    if (f != NULL) {
        fp_rule *r = fp_add(&g_fp, f->fn, FP_EVERY, f->action, f->error, f->amount);
        g_target = f->index;
        r->pred = at_target;
        r->max_fires = 1U;
        (void)snprintf(g_where, sizeof g_where, "%s/%s call %llu %s -> %s%s", sc->name,
                       sloop_backend_name(be), (unsigned long long)f->index, fp_fn_name(f->fn),
                       (f->action == FP_FAIL) ? sloop_sys_strerror(f->error)
                       : (f->action == FP_SHORT) ? "short"
                       : (f->action == FP_JUMP) ? "clock jump" : "clock stall",
                       f->then_mod ? " + next epoll MOD fails" : "");
#if SLOOP_HAVE_EPOLL
        if (f->then_mod) {
            g_after = f->index;
            (void)fp_add_pred(&g_fp, FP_EPOLL_CTL, next_mod, NULL, SLOOP_SYS_ENOMEM, 1U);
        }
#endif
    } else {
        (void)snprintf(g_where, sizeof g_where, "%s/%s (fault-free)", sc->name,
                       sloop_backend_name(be));
    }
    w_init(&g_w, &g_loop, NULL, &g_fp, f == NULL);
    o.backend = be;
    o.sys = fp_sys(&g_fp);
    err = sloop_init(&g_loop, &o);
    if (err == SLOOP_OK) {
        sc->run(&g_w);
        w_finish(&g_w);
    } else if ((f != NULL) && g_fp.first_hit.any && (g_fp.first_hit.fn == FP_EPOLL_CREATE)) {
        /* epoll_create failed: sloop_init says so and leaves nothing open. */
        if ((err != SLOOP_ESYS) || !fp_fds_all_closed_once(&g_fp)) {
            W_FAIL(&g_w, "sloop_init after a failed epoll_create: %s", sloop_strerror(err));
        }
    } else {
        W_FAIL(&g_w, "sloop_init: %s", sloop_strerror(err));
    }
    if (report && (g_w.violations > 0U)) {
        printf("  %s: FAIL %s\n", g_where, g_w.first);
    }
    if (g_w.violations > 0U) {
        return RUN_FAIL;
    }
    return ((f != NULL) && !g_fp.first_hit.any) ? RUN_OFF_PATH : RUN_PASS;
}

static bool et_unrealistic(sloop_backend be, fp_fn fn, fp_action a, int error)
{
    return (be == SLOOP_BACKEND_EPOLL_ET) &&
           ((fn == FP_ACCEPT) || (fn == FP_RECV) || (fn == FP_SENDV)) &&
           ((a == FP_SHORT) || ((a == FP_FAIL) && (error == SLOOP_SYS_EAGAIN)));
}

static uint32_t points_for(sloop_backend be, fp_fn fn, uint64_t k, fault_point *out, uint32_t cap)
{
    int errs[16];
    uint32_t ne = fp_errors_for(fn, errs, 16U);
    uint32_t n = 0U;
    uint32_t i;
    fault_point f;
    f.index = k;
    f.fn = fn;
    f.amount = 0U;
    f.then_mod = false;
    for (i = 0U; (i < ne) && (n < cap); i++) {
        f.action = FP_FAIL;
        f.error = errs[i];
        if (!et_unrealistic(be, fn, f.action, f.error)) {
            out[n++] = f;
        }
    }
    f.error = 0;
    if (((fn == FP_RECV) || (fn == FP_SENDV)) && !et_unrealistic(be, fn, FP_SHORT, 0) &&
        (n < cap)) {
        f.action = FP_SHORT;
        out[n++] = f;
    }
    if ((fn == FP_NOW) && (n + 2U <= cap)) {
        f.action = FP_JUMP;
        f.amount = 5000U;
        out[n++] = f;
        f.action = FP_STALL;
        f.amount = 8U;
        out[n++] = f;
    }
    if ((be == SLOOP_BACKEND_EPOLL) && ((fn == FP_SENDV) || (fn == FP_ACCEPT)) && (n < cap)) {
        f.action = FP_FAIL;
        f.amount = 0U;
        f.error = (fn == FP_SENDV) ? SLOOP_SYS_EAGAIN : SLOOP_SYS_EMFILE;
        f.then_mod = true;
        out[n++] = f;
    }
    return n;
}

typedef struct tally {
    uint64_t passed;
    uint64_t failed;
    uint64_t off_path;
} tally;

static void run_scenario(const scenario *sc, sloop_backend be, tally *total)
{
    tally t = { 0U, 0U, 0U };
    uint64_t calls;
    uint64_t k;
    uint32_t shown = 0U;
    uint32_t t0 = sloop_sys_default()->now_ms(NULL); /* the OS's monotonic clock */
    uint32_t t1;
    if (run_one(sc, be, NULL, 100000U, true) != RUN_PASS) {
        printf("scenario %s/%s: the fault-free run fails; fault points skipped\n", sc->name,
               sloop_backend_name(be));
        total->failed++;
        return;
    }
    calls = (g_fp.total < FP_TRACE_MAX) ? g_fp.total : FP_TRACE_MAX;
    memcpy(g_trace, g_fp.trace, (size_t)calls);
    for (k = 0U; k < calls; k++) {
        fault_point pts[24];
        uint32_t n = points_for(be, (fp_fn)g_trace[k], k, pts, 24U);
        uint32_t i;
        for (i = 0U; i < n; i++) {
            run_result r = run_one(sc, be, &pts[i], (calls * 8U) + 20000U, shown < 10U);
            if (r == RUN_PASS) {
                t.passed++;
            } else if (r == RUN_FAIL) {
                t.failed++;
                shown++;
            } else {
                t.off_path++;
            }
        }
    }
    t1 = sloop_sys_default()->now_ms(NULL);
    if (shown >= 10U) {
        printf("  (only the first 10 failures are shown)\n");
    }
    printf("scenario %s/%s: %llu sys calls fault-free, %llu fault points, %llu failed, "
           "%llu off-path (%.1fs)\n",
           sc->name, sloop_backend_name(be), (unsigned long long)calls,
           (unsigned long long)(t.passed + t.failed), (unsigned long long)t.failed,
           (unsigned long long)t.off_path, (double)(uint32_t)(t1 - t0) / 1000.0);
    total->passed += t.passed;
    total->failed += t.failed;
    total->off_path += t.off_path;
}

int main(int argc, char **argv)
{
    tally total = { 0U, 0U, 0U };
    uint32_t i;
    uint32_t b;
    signal(SIGSEGV, on_fatal);
#if defined(SIGBUS) /* not on Windows */
    signal(SIGBUS, on_fatal);
#endif
    signal(SIGABRT, on_fatal);
#ifdef FAULT_HAVE_ASAN
    __sanitizer_set_death_callback(on_sanitizer_death);
#endif
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (b = 0U; b < BACKENDS; b++) {
        for (i = 0U; i < SCENARIOS; i++) {
            if ((argc > 1) && (strcmp(argv[1], g_scenarios[i].name) != 0) &&
                (strcmp(argv[1], sloop_backend_name(g_backends[b])) != 0)) {
                continue;
            }
            run_scenario(&g_scenarios[i], g_backends[b], &total);
        }
    }
    printf("fault-real: %llu passed, %llu failed\n", (unsigned long long)total.passed,
           (unsigned long long)total.failed);
    return ((total.failed == 0U) && (total.passed > 0U)) ? 0 : 1;
}
