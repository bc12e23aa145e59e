/*
 * test_sigwake_api.c - the public functions of signal watchers, sloop_wake and
 * sloop_fork_reinit: bad arguments get SLOOP_EINVAL (never undefined
 * behaviour), a sys table without the new entries gets SLOOP_EBACKEND, and the
 * default table's channels work on this platform (eventfd and signalfd on
 * Linux; a loopback TCP pair and no signals on Windows, run under Wine).
 */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* SIGUSR1 */
#endif
#include "harness.h"
#include "open_fds.h"
#include "sloop.h"

#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#if defined(_WIN32)
#include <windows.h>
#else
#include <pthread.h>
#endif

static sloop_loop g_loop;
static sloop_loop g_cold; /* never initialised */

#define SL_CHECK_OK(expr) SL_CHECK_EQ((expr), SLOOP_OK)

static unsigned g_wakes;
static unsigned g_signals;
static int g_last_signo;

static void on_wake(sloop_loop *loop, void *user)
{
    (void)loop;
    (void)user;
    g_wakes++;
}

static void on_signal(sloop_loop *loop, sloop_signal s, int signo, void *user)
{
    (void)loop;
    (void)s;
    (void)user;
    g_signals++;
    g_last_signo = signo;
}

SL_TEST(bad_arguments_get_einval)
{
    sloop_signal s = { 0U, 0U };
    SL_CHECK_EQ(sloop_signal_start(NULL, 1, on_signal, NULL, &s), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_signal_start(&g_cold, 1, on_signal, NULL, &s), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_signal_stop(NULL, s), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_signal_stop(&g_cold, s), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_wake_start(NULL, on_wake, NULL), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_wake_start(&g_cold, on_wake, NULL), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_wake_stop(NULL), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_wake_stop(&g_cold), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_wake(NULL), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_wake(&g_cold), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_fork_reinit(NULL), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_fork_reinit(&g_cold), SLOOP_EINVAL);
    SL_CHECK_OK(sloop_init(&g_loop, NULL));
    SL_CHECK_EQ(sloop_signal_start(&g_loop, 0, on_signal, NULL, &s), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_signal_start(&g_loop, -3, on_signal, NULL, &s), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_signal_start(&g_loop, 65, on_signal, NULL, &s), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_signal_start(&g_loop, 2, NULL, NULL, &s), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_signal_start(&g_loop, 2, on_signal, NULL, NULL), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_signal_stop(&g_loop, s), SLOOP_ESTALE); /* never started */
    SL_CHECK_EQ(sloop_wake_start(&g_loop, NULL, NULL), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_wake_stop(&g_loop), SLOOP_ESTATE);
    SL_CHECK_EQ(sloop_wake(&g_loop), SLOOP_ESTATE);
    SL_CHECK_OK(sloop_fork_reinit(&g_loop)); /* nothing to replace: harmless */
    SL_CHECK_OK(sloop_close(&g_loop));
    SL_CHECK_EQ(sloop_wake(&g_loop), SLOOP_EINVAL); /* closed */
}

/* A table written before these entries existed (they are zero). */
SL_TEST(table_without_channels_gets_ebackend)
{
    static sloop_sys old;
    sloop_options o;
    sloop_signal s;
    old = *sloop_sys_default();
    old.wake_open = NULL;
    old.signal_read = NULL;
    o.backend = SLOOP_BACKEND_DEFAULT;
    o.sys = &old;
    SL_CHECK_OK(sloop_init(&g_loop, &o));
    SL_CHECK_EQ(sloop_wake_start(&g_loop, on_wake, NULL), SLOOP_EBACKEND);
    SL_CHECK_EQ(sloop_signal_start(&g_loop, 2, on_signal, NULL, &s), SLOOP_EBACKEND);
    SL_CHECK_OK(sloop_close(&g_loop));
}

/* The default table's wake-up channel on this platform. */
SL_TEST(default_wake_channel_coalesces)
{
    sloop_counters k;
    g_wakes = 0U;
    SL_CHECK_OK(sloop_init(&g_loop, NULL));
    SL_CHECK_OK(sloop_wake_start(&g_loop, on_wake, NULL));
    SL_CHECK_OK(sloop_wake(&g_loop));
    SL_CHECK_OK(sloop_wake(&g_loop));
    SL_CHECK_OK(sloop_wake(&g_loop));
    SL_CHECK_OK(sloop_run_once(&g_loop, 2000));
    SL_CHECK_EQ(g_wakes, 1);
    SL_CHECK_OK(sloop_run_once(&g_loop, 0));
    SL_CHECK_EQ(g_wakes, 1);
    SL_CHECK_OK(sloop_wake(&g_loop));
    SL_CHECK_OK(sloop_run_once(&g_loop, 2000));
    SL_CHECK_EQ(g_wakes, 2);
    sloop_counters_get(&g_loop, &k);
    SL_CHECK_EQ(k.wakes, 2);
    /* An open channel is something to wait for; once it is closed sloop_run
     * has nothing left and returns at once. */
    SL_CHECK_OK(sloop_wake_stop(&g_loop));
    SL_CHECK_OK(sloop_run(&g_loop));
    SL_CHECK_OK(sloop_close(&g_loop));
}

/* Another thread wakes the loop 10000 times: the last wake is always seen
 * (a lost one would leave the loop asleep for its 5 s timeout), and wakes
 * coalesce. On Windows this is the loopback TCP pair, from a Win32 thread. */
#define THREAD_WAKES 10000U
static atomic_uint g_produced;
static atomic_uint g_thread_done;
static unsigned g_seen;
static unsigned g_thread_errors;

static void on_wake_seen(sloop_loop *loop, void *user)
{
    (void)loop;
    (void)user;
    g_wakes++;
    g_seen = atomic_load(&g_produced);
}

static void waker_body(void)
{
    unsigned i;
    for (i = 1U; i <= THREAD_WAKES; i++) {
        atomic_store(&g_produced, i);
        if (sloop_wake(&g_loop) != SLOOP_OK) {
            g_thread_errors++;
        }
    }
    atomic_store(&g_thread_done, 1U);
}

#if defined(_WIN32)
static DWORD WINAPI waker_thread(LPVOID arg)
{
    (void)arg;
    waker_body();
    return 0;
}
#else
static void *waker_thread(void *arg)
{
    (void)arg;
    waker_body();
    return NULL;
}
#endif

SL_TEST(default_wake_channel_from_a_thread)
{
    unsigned idle = 0U;
    unsigned rounds = 0U;
#if defined(_WIN32)
    HANDLE t;
#else
    pthread_t t;
#endif
    g_wakes = 0U;
    g_seen = 0U;
    g_thread_errors = 0U;
    atomic_store(&g_produced, 0U);
    atomic_store(&g_thread_done, 0U);
    SL_CHECK_OK(sloop_init(&g_loop, NULL));
    SL_CHECK_OK(sloop_wake_start(&g_loop, on_wake_seen, NULL));
#if defined(_WIN32)
    t = CreateThread(NULL, 0U, waker_thread, NULL, 0U, NULL);
    SL_CHECK(t != NULL);
#else
    SL_CHECK_EQ(pthread_create(&t, NULL, waker_thread, NULL), 0);
#endif
    while (((atomic_load(&g_thread_done) == 0U) || (g_seen != THREAD_WAKES)) &&
           (rounds < 100000U) && (idle == 0U)) {
        unsigned before = g_wakes;
        SL_CHECK_OK(sloop_run_once(&g_loop, 5000));
        idle += (g_wakes == before) ? 1U : 0U;
        rounds++;
    }
#if defined(_WIN32)
    SL_CHECK_EQ(WaitForSingleObject(t, INFINITE), WAIT_OBJECT_0);
    (void)CloseHandle(t);
#else
    SL_CHECK_EQ(pthread_join(t, NULL), 0);
#endif
    SL_CHECK_EQ(g_thread_errors, 0);
    SL_CHECK_EQ(idle, 0);            /* no wait ended without an on_wake */
    SL_CHECK_EQ(g_seen, THREAD_WAKES); /* the last wake was seen */
    SL_CHECK(g_wakes <= THREAD_WAKES);
    SL_CHECK_OK(sloop_close(&g_loop));
}

SL_TEST(default_signal_channel)
{
    sloop_signal s;
    g_signals = 0U;
    SL_CHECK_OK(sloop_init(&g_loop, NULL));
#if defined(_WIN32)
    SL_CHECK_EQ(sloop_signal_start(&g_loop, SIGINT, on_signal, NULL, &s), SLOOP_EBACKEND);
#else
    SL_CHECK_OK(sloop_signal_start(&g_loop, SIGUSR1, on_signal, NULL, &s));
    SL_CHECK_EQ(raise(SIGUSR1), 0); /* blocked: pending, read from the channel */
    SL_CHECK_OK(sloop_run_once(&g_loop, 2000));
    SL_CHECK_EQ(g_signals, 1);
    SL_CHECK_EQ(g_last_signo, SIGUSR1);
    SL_CHECK_OK(sloop_signal_stop(&g_loop, s));
    SL_CHECK_EQ(sloop_signal_stop(&g_loop, s), SLOOP_ESTALE);
    /* Signals no program may catch are refused, not silently never delivered. */
    SL_CHECK_EQ(sloop_signal_start(&g_loop, SIGKILL, on_signal, NULL, &s), SLOOP_ESYS);
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), SLOOP_SYS_EINVAL);
    SL_CHECK_EQ(sloop_signal_start(&g_loop, SIGSTOP, on_signal, NULL, &s), SLOOP_ESYS);
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), SLOOP_SYS_EINVAL);
    SL_CHECK_EQ(g_loop.signal_reg.fd, SLOOP_FD_INVALID); /* no channel left behind */
#endif
    SL_CHECK_OK(sloop_close(&g_loop));
}

#if defined(__linux__)

/* The default table, whose signal_open fails from the second call on. */
static sloop_sys g_flaky;
static unsigned g_opens;

static int flaky_signal_open(void *ctx, sloop_fd *fd)
{
    g_opens++;
    return (g_opens >= 2U) ? SLOOP_SYS_EMFILE : sloop_sys_default()->signal_open(ctx, fd);
}

/* sloop_fork_reinit that cannot replace the signal channel (no fork needed to
 * see the bookkeeping): SLOOP_ESYS with the reason, and sloop_close afterwards
 * leaves no descriptor behind (no signalfd re-created for the lost channel). */
SL_TEST(fork_reinit_losing_the_signal_channel_leaks_nothing)
{
    sloop_options o;
    sloop_signal s;
    int base = open_fd_count();
    g_opens = 0U;
    g_flaky = *sloop_sys_default();
    g_flaky.signal_open = flaky_signal_open;
    o.backend = SLOOP_BACKEND_EPOLL;
    o.sys = &g_flaky;
    SL_CHECK_OK(sloop_init(&g_loop, &o));
    SL_CHECK_OK(sloop_signal_start(&g_loop, SIGUSR1, on_signal, NULL, &s));
    SL_CHECK_EQ(sloop_fork_reinit(&g_loop), SLOOP_ESYS);
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), SLOOP_SYS_EMFILE);
    SL_CHECK_OK(sloop_close(&g_loop));
    SL_CHECK_EQ(open_fd_count(), base);
}
#endif

static const sl_test tests[] = {
    SL_ENTRY(bad_arguments_get_einval),
    SL_ENTRY(table_without_channels_gets_ebackend),
    SL_ENTRY(default_wake_channel_coalesces),
    SL_ENTRY(default_wake_channel_from_a_thread),
    SL_ENTRY(default_signal_channel),
#if defined(__linux__)
    SL_ENTRY(fork_reinit_losing_the_signal_channel_leaks_nothing),
#endif
};

int main(int argc, char **argv)
{
    return sl_main("sigwake_api", tests, SL_COUNT(tests), argc, argv);
}
