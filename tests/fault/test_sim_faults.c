/*
 * test_sim_faults.c - exhaustive fault injection over the simulation.
 *
 * For each scenario: one fault-free run records the sequence of sys calls the
 * loop makes (the simulation is deterministic, so every run follows it up to
 * the injected fault). Then, for every call index k and every fault that call
 * can really suffer (fp_errors_for; short counts for recv and sendv; clock
 * jumps and a stall for now_ms), one more run with exactly that call faulted.
 * After every run the invariants of world.h are checked, and that the fault hit
 * call k of the expected function (determinism).
 *
 *   test_sim_faults                 every scenario, every fault point
 *   test_sim_faults SCENARIO        one scenario
 *   test_sim_faults SCENARIO K FN E one point (FN a name, E an error number or
 *                                   short / jump / bigjump / stall, or burstN:E
 *                                   for N failures in a row), verbose
 *   test_sim_faults SCENARIO --verbose  the fault-free run, with a dump
 *   test_sim_faults --list          scenarios and their call counts
 *
 * Output: one line per scenario, then "fault-sim: N passed, M failed" where N
 * and M count fault points (runs with an injected fault).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "faultplan.h"
#include "scenarios.h"
#include "world.h"

typedef struct scenario {
    const char *name;
    void (*run)(world *w);
    uint32_t start_ms;
    uint32_t io_max; /* every recv and sendv moves at most this many bytes (0: no limit) */
} scenario;

static const scenario g_scenarios[] = {
    { "accept-echo-close", sc_echo, 1000U, 0U },
    { "many-clients", sc_many, 1000U, 0U },
    { "timers-io", sc_timers, 1000U, 0U },
    { "graceful-shutdown", sc_shutdown, 1000U, 0U },
    { "client-connect", sc_client, 1000U, 0U },
    { "table-full", sc_table_full, 1000U, 0U },
    { "linger", sc_linger, 1000U, 0U },
    { "clock-wrap", sc_timers, 0xFFFFFFFFU - 300U, 0U },
    { "short-io-echo", sc_echo, 1000U, 1U },
    { "short-io-many", sc_many, 1000U, 1U },
    { "signals-wake", sc_signals_wake, 1000U, 0U },
};
#define SCENARIOS ((uint32_t)(sizeof g_scenarios / sizeof g_scenarios[0]))

typedef struct fault_point {
    uint64_t index;
    fp_fn fn;
    fp_action action;
    int error;
    uint32_t amount;
    uint32_t burst; /* > 1: this call and the next burst-1 calls of fn fail alike */
} fault_point;

/* The poll-shaped backend over the sim: WSAPoll is the only one on Windows (it
 * adds the 100 ms probe of a connecting socket, so client-connect makes more calls). */
#if defined(_WIN32)
#define SIM_BACKEND SLOOP_BACKEND_WSAPOLL
#else
#define SIM_BACKEND SLOOP_BACKEND_POLL
#endif

static sloop_sim g_sim;
static sloop_loop g_loop;
static faultplan g_fp;
static world g_w;
static uint8_t g_trace[FP_TRACE_MAX];
static char g_where[200]; /* the point being run, for a crash report */

static void describe(char *buf, size_t cap, const scenario *sc, const fault_point *f)
{
    if (f == NULL) {
        (void)snprintf(buf, cap, "%s (fault-free)", sc->name);
    } else if ((f->action == FP_FAIL) && (f->burst > 1U)) {
        (void)snprintf(buf, cap, "%s call %llu %s and its next %u -> %s", sc->name,
                       (unsigned long long)f->index, fp_fn_name(f->fn), f->burst - 1U,
                       sloop_sys_strerror(f->error));
    } else if (f->action == FP_FAIL) {
        (void)snprintf(buf, cap, "%s call %llu %s -> %s", sc->name, (unsigned long long)f->index,
                       fp_fn_name(f->fn), sloop_sys_strerror(f->error));
    } else {
        static const char *const names[] = { "fail", "short", "jump", "stall" };
        (void)snprintf(buf, cap, "%s call %llu %s -> %s %u", sc->name,
                       (unsigned long long)f->index, fp_fn_name(f->fn), names[f->action],
                       f->amount);
    }
}

static void on_fatal(int sig)
{
    /* Only async-signal-safe calls here. */
    static const char msg[] = "\nfault-sim: crashed at ";
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
    fprintf(stderr, "fault-sim: sanitizer report at %s\n", g_where);
}
#endif

static bool from_index(const fp_call *call, void *user)
{
    return call->index >= *(const uint64_t *)user;
}

/* One run. Returns true when every invariant held. */
static bool run_one(const scenario *sc, const fault_point *f, uint64_t call_limit, bool verbose,
                    bool report)
{
    sloop_options o;
    sloop_err err;
    describe(g_where, sizeof g_where, sc, f);
    (void)sloop_sim_init(&g_sim, sc->start_ms);
    sloop_sim_set_default_limits(&g_sim, sc->io_max, sc->io_max, 0U);
    fp_init(&g_fp, sloop_sim_sys(&g_sim));
    fp_set_call_limit(&g_fp, call_limit);
    if ((f != NULL) && (f->burst > 1U)) {
        (void)fp_add_pred(&g_fp, f->fn, from_index, (void *)(uintptr_t)&f->index, f->error,
                          f->burst);
    } else if (f != NULL) {
        (void)fp_add(&g_fp, FP_ANY, f->index, f->action, f->error, f->amount);
    } else {
        /* the fault-free run */
    }
    w_init(&g_w, &g_loop, &g_sim, &g_fp, f == NULL);
    o.backend = SIM_BACKEND;
    o.sys = fp_sys(&g_fp);
    err = sloop_init(&g_loop, &o);
    if (err != SLOOP_OK) {
        W_FAIL(&g_w, "sloop_init: %s", sloop_strerror(err));
    } else {
        sc->run(&g_w);
        w_finish(&g_w);
    }
    if (f != NULL) {
        if (!g_fp.first_hit.any) {
            W_FAIL(&g_w, "the fault never fired: the run left the recorded path early");
        } else if ((g_fp.first_hit.index != f->index) || (g_fp.first_hit.fn != f->fn)) {
            W_FAIL(&g_w, "not deterministic: the fault hit call %llu (%s), aimed at %llu (%s)",
                   (unsigned long long)g_fp.first_hit.index, fp_fn_name(g_fp.first_hit.fn),
                   (unsigned long long)f->index, fp_fn_name(f->fn));
        } else {
            /* hit as aimed */
        }
    }
    if (verbose) {
        w_dump(&g_w);
    }
    if (verbose || (report && (g_w.violations > 0U))) {
        printf("  %s: %s%s%s (%llu sys calls)\n", g_where,
               (g_w.violations > 0U) ? "FAIL " : "ok", (g_w.violations > 0U) ? g_w.first : "",
               "", (unsigned long long)g_fp.total);
    }
    return g_w.violations == 0U;
}

static fault_point point(uint64_t k, fp_fn fn, fp_action a, int error, uint32_t amount,
                         uint32_t burst)
{
    fault_point f;
    f.index = k;
    f.fn = fn;
    f.action = a;
    f.error = error;
    f.amount = amount;
    f.burst = burst;
    return f;
}

/* The faults call k (a call of fn) can suffer; returns how many. */
static uint32_t points_for(fp_fn fn, uint64_t k, fault_point *out, uint32_t cap)
{
    int errs[16];
    uint32_t n = 0U;
    uint32_t ne = fp_errors_for(fn, errs, 16U);
    uint32_t i;
    for (i = 0U; (i < ne) && (n < cap); i++) {
        out[n++] = point(k, fn, FP_FAIL, errs[i], 0U, 1U);
    }
    if (((fn == FP_RECV) || (fn == FP_SENDV)) && (n < cap)) {
        out[n++] = point(k, fn, FP_SHORT, 0, 0U, 1U); /* half of what was asked */
    }
    if ((fn == FP_NOW) && (n + 3U <= cap)) {
        out[n++] = point(k, fn, FP_JUMP, 0, 5000U, 1U);
        out[n++] = point(k, fn, FP_JUMP, 0, SLOOP_TICK_MAX_DELAY, 1U);
        out[n++] = point(k, fn, FP_STALL, 0, 8U, 1U);
    }
    /* Bursts: one more EINTR than the loop retries in a row, and repeated
     * EAGAIN or fd exhaustion, starting at this call. */
    if (((fn == FP_ACCEPT) || (fn == FP_RECV) || (fn == FP_SENDV) || (fn == FP_POLL)) &&
        (n < cap)) {
        out[n++] = point(k, fn, FP_FAIL, SLOOP_SYS_EINTR, 0U, 9U);
    }
    if (((fn == FP_RECV) || (fn == FP_SENDV)) && (n < cap)) {
        out[n++] = point(k, fn, FP_FAIL, SLOOP_SYS_EAGAIN, 0U, 3U);
    }
    if ((fn == FP_ACCEPT) && (n < cap)) {
        out[n++] = point(k, fn, FP_FAIL, SLOOP_SYS_EMFILE, 0U, 3U);
    }
    return n;
}

typedef struct tally {
    uint64_t passed;
    uint64_t failed;
} tally;

static void run_scenario(const scenario *sc, tally *total)
{
    uint64_t calls;
    uint64_t limit;
    uint64_t k;
    uint64_t passed = 0U;
    uint64_t failed = 0U;
    uint32_t shown = 0U;
    clock_t c0 = clock();
    if (!run_one(sc, NULL, 200000U, false, true)) {
        printf("scenario %s: the fault-free run fails; fault points skipped\n", sc->name);
        total->failed++;
        return;
    }
    calls = g_fp.total;
    if (calls > FP_TRACE_MAX) {
        printf("scenario %s: %llu calls exceed the trace (%u)\n", sc->name,
               (unsigned long long)calls, FP_TRACE_MAX);
        total->failed++;
        return;
    }
    memcpy(g_trace, g_fp.trace, (size_t)calls);
    /* A fault may lengthen a run (retries, back-off, timeouts), not without end. */
    limit = (calls * 4U) + 20000U;
    for (k = 0U; k < calls; k++) {
        fault_point pts[24];
        uint32_t n = points_for((fp_fn)g_trace[k], k, pts, 24U);
        uint32_t i;
        for (i = 0U; i < n; i++) {
            bool ok = run_one(sc, &pts[i], limit, false, shown < 10U);
            shown += ok ? 0U : 1U;
            if (ok) {
                passed++;
            } else {
                failed++;
            }
        }
    }
    if (shown >= 10U) {
        printf("  (only the first 10 failures of %s are shown)\n", sc->name);
    }
    printf("scenario %s: %llu sys calls fault-free, %llu fault points, %llu failed (%.2fs)\n",
           sc->name, (unsigned long long)calls, (unsigned long long)(passed + failed),
           (unsigned long long)failed, (double)(clock() - c0) / (double)CLOCKS_PER_SEC);
    fflush(stdout);
    total->passed += passed;
    total->failed += failed;
}

static int parse_fn(const char *s)
{
    int i;
    for (i = 0; i < (int)FP_FN_COUNT; i++) {
        if (strcmp(s, fp_fn_name((fp_fn)i)) == 0) {
            return i;
        }
    }
    return -1;
}

int main(int argc, char **argv)
{
    tally total = { 0U, 0U };
    uint32_t i;
    signal(SIGSEGV, on_fatal);
#if defined(SIGBUS) /* not on Windows */
    signal(SIGBUS, on_fatal);
#endif
    signal(SIGABRT, on_fatal);
    signal(SIGFPE, on_fatal);
#ifdef FAULT_HAVE_ASAN
    __sanitizer_set_death_callback(on_sanitizer_death);
#endif
    setvbuf(stdout, NULL, _IOLBF, 0);
    if ((argc > 1) && (strcmp(argv[1], "--list") == 0)) {
        for (i = 0U; i < SCENARIOS; i++) {
            (void)run_one(&g_scenarios[i], NULL, 200000U, false, true);
            printf("%s: %llu sys calls\n", g_scenarios[i].name, (unsigned long long)g_fp.total);
        }
        return 0;
    }
    if ((argc == 3) && (strcmp(argv[2], "--verbose") == 0)) {
        for (i = 0U; (i < SCENARIOS) && (strcmp(g_scenarios[i].name, argv[1]) != 0); i++) {
        }
        return ((i < SCENARIOS) && run_one(&g_scenarios[i], NULL, 200000U, true, true)) ? 0 : 1;
    }
    if (argc == 5) {
        /* One point, verbose. */
        fault_point f;
        const char *e = argv[4];
        int fn = parse_fn(argv[3]);
        for (i = 0U; (i < SCENARIOS) && (strcmp(g_scenarios[i].name, argv[1]) != 0); i++) {
        }
        if ((i == SCENARIOS) || (fn < 0)) {
            fprintf(stderr, "unknown scenario or function\n");
            return 2;
        }
        f.index = strtoull(argv[2], NULL, 10);
        f.fn = (fp_fn)fn;
        f.action = FP_FAIL;
        f.error = 0;
        f.amount = 0U;
        f.burst = 1U;
        if (strncmp(e, "burst", 5) == 0) { /* burstN:E */
            f.burst = (uint32_t)atoi(&e[5]);
            e = (strchr(e, ':') != NULL) ? (strchr(e, ':') + 1) : e;
        }
        if (strcmp(e, "short") == 0) {
            f.action = FP_SHORT;
        } else if (strcmp(e, "jump") == 0) {
            f.action = FP_JUMP;
            f.amount = 5000U;
        } else if (strcmp(e, "bigjump") == 0) {
            f.action = FP_JUMP;
            f.amount = SLOOP_TICK_MAX_DELAY;
        } else if (strcmp(e, "stall") == 0) {
            f.action = FP_STALL;
            f.amount = 8U;
        } else {
            f.error = atoi(e);
        }
        return run_one(&g_scenarios[i], &f, 200000U, true, true) ? 0 : 1;
    }
    for (i = 0U; i < SCENARIOS; i++) {
        if ((argc > 1) && (strcmp(argv[1], g_scenarios[i].name) != 0)) {
            continue;
        }
        run_scenario(&g_scenarios[i], &total);
    }
    printf("fault-sim: %llu passed, %llu failed\n", (unsigned long long)total.passed,
           (unsigned long long)total.failed);
    return ((total.failed == 0U) && (total.passed > 0U)) ? 0 : 1;
}
