/*
 * test_channels.c - the wake-up and signal channels at their edges, and the
 * failures of the OS and of the backend around them.
 *
 * What a user relies on:
 *  - a sys table that has only some of a channel's entries gets SLOOP_EBACKEND
 *    (never a call through a NULL pointer), like one that has none;
 *  - sloop_run waits for an open channel and returns once the last one closed;
 *  - an event of a channel that a callback stopped (or stopped and opened again)
 *    earlier in the same batch is dropped: no callback for it, nothing closed twice;
 *  - a signal channel closed behind the loop's back is never closed again by
 *    sloop nor given to the sys table (its number may be someone else's by then);
 *  - descriptor exhaustion (RLIMIT_NOFILE) is SLOOP_ESYS with SLOOP_SYS_EMFILE
 *    from every call that needs a descriptor, and leaves nothing open;
 *  - a poll interrupted by a signal handler is retried, not an error;
 *  - the POSIX table drains a channel in bounded reads, refuses a descriptor that
 *    is not a signalfd without leaving the signal blocked, never reads a partial
 *    signal record, and maps an errno it has no code for to SLOOP_SYS_EOTHER;
 *  - a channel lost before sloop_fork_reinit is replaced by one that is polled.
 *  - a backend that refuses to register a channel or watcher, and a
 *    sloop_fork_reinit whose new epoll instance, channel or close fails, give
 *    SLOOP_ESYS, and sloop_close afterwards leaves no descriptor open and closes
 *    none twice.
 * The first two run everywhere (Windows under Wine: the loopback-pair wake-up
 * channel); the rest need POSIX signals, pipes or epoll.
 */
#if !defined(_WIN32) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* setitimer, eventfd, RLIMIT_NOFILE */
#endif
#include "harness.h"
#include "open_fds.h"
#include "sloop.h"
#include "sloop_sim.h"

#include <string.h>
#if !defined(_WIN32)
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>
#endif
#if defined(__linux__)
#include <sys/epoll.h>
#include <sys/eventfd.h>
#endif

static sloop_loop g_loop;

#define SL_CHECK_OK(expr) SL_CHECK_EQ((expr), SLOOP_OK)

static unsigned g_wakes;
static unsigned g_signals;

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
    (void)signo;
    (void)user;
    g_signals++;
}

/* ---- Everywhere ------------------------------------------------------------------------ */

/* Each of the three entries of each channel missing alone. */
SL_TEST(partial_channel_tables_get_ebackend)
{
    static sloop_sys part;
    sloop_options o;
    sloop_signal s;
    unsigned i;
    o.backend = SLOOP_BACKEND_DEFAULT;
    o.sys = &part;
    for (i = 0U; i < 3U; i++) {
        part = *sloop_sys_default();
        if (i == 0U) {
            part.wake_open = NULL;
            part.signal_open = NULL;
        } else if (i == 1U) {
            part.wake_signal = NULL;
            part.signal_set = NULL;
        } else {
            part.wake_drain = NULL;
            part.signal_read = NULL;
        }
        SL_CHECK_OK(sloop_init(&g_loop, &o));
        SL_CHECK_EQ(sloop_wake_start(&g_loop, on_wake, NULL), SLOOP_EBACKEND);
        SL_CHECK_EQ(sloop_wake(&g_loop), SLOOP_ESTATE); /* no channel was opened */
        SL_CHECK_EQ(sloop_signal_start(&g_loop, 2, on_signal, NULL, &s), SLOOP_EBACKEND);
        SL_CHECK_OK(sloop_run(&g_loop)); /* nothing open: returns at once */
        SL_CHECK_OK(sloop_close(&g_loop));
    }
}

static void on_wake_stop(sloop_loop *loop, void *user)
{
    (void)user;
    g_wakes++;
    (void)sloop_wake_stop(loop);
}

/* An open wake-up channel alone keeps sloop_run waiting; closing it from on_wake
 * lets sloop_run return. */
SL_TEST(run_waits_for_the_wake_channel_alone)
{
    g_wakes = 0U;
    SL_CHECK_OK(sloop_init(&g_loop, NULL));
    SL_CHECK_OK(sloop_wake_start(&g_loop, on_wake_stop, NULL));
    SL_CHECK_OK(sloop_wake(&g_loop));
    SL_CHECK_OK(sloop_run(&g_loop));
    SL_CHECK_EQ(g_wakes, 1);
    SL_CHECK_EQ(sloop_wake(&g_loop), SLOOP_ESTATE);
    SL_CHECK_OK(sloop_close(&g_loop));
}

/* A cold simulation is never written by raise_signal. */
SL_TEST(raise_signal_on_a_cold_sim_does_nothing)
{
    static sloop_sim cold;
    static const sloop_sim zero;
    sloop_sim_raise_signal(&cold, 1);
    SL_CHECK_MEM(&cold, &zero, sizeof cold);
}

#if !defined(_WIN32)
/* ---- POSIX: signals and pipes ---------------------------------------------------------- */

static volatile sig_atomic_t g_handled;

static void count_handler(int signo)
{
    (void)signo;
    g_handled++;
}

/* SIGUSR2 gets a counting handler, so that a signal the loop gives back to its
 * disposition is seen (instead of ending the process). */
static void usr2_counts(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = count_handler;
    (void)sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGUSR2, &sa, NULL);
    g_handled = 0;
}

static bool signal_blocked(int signo)
{
    sigset_t now;
    (void)pthread_sigmask(SIG_BLOCK, NULL, &now);
    return sigismember(&now, signo) == 1;
}

static void on_signal_stop(sloop_loop *loop, sloop_signal s, int signo, void *user)
{
    (void)signo;
    (void)user;
    g_signals++;
    (void)sloop_signal_stop(loop, s);
}

/* The same with a signal watcher alone. */
SL_TEST(run_waits_for_the_signal_channel_alone)
{
    sloop_options o;
    sloop_signal s;
    usr2_counts();
    g_signals = 0U;
    o.backend = SLOOP_BACKEND_POLL;
    o.sys = NULL;
    SL_CHECK_OK(sloop_init(&g_loop, &o));
    SL_CHECK_OK(sloop_signal_start(&g_loop, SIGUSR2, on_signal_stop, NULL, &s));
    SL_CHECK_EQ(raise(SIGUSR2), 0);
    SL_CHECK_OK(sloop_run(&g_loop));
    SL_CHECK_EQ(g_signals, 1);
    SL_CHECK_EQ(g_handled, 0); /* taken by the watcher, not the handler */
    SL_CHECK(!signal_blocked(SIGUSR2));
    SL_CHECK_OK(sloop_close(&g_loop));
}

/* A readable pipe watched before the channels, so that under poll its event comes
 * first in the batch; its callback does `g_action` to a channel. */
enum { ACT_NONE, ACT_STOP_WAKE, ACT_RESTART_WAKE, ACT_STOP_SIGNAL, ACT_RESTART_SIGNAL };
static unsigned g_action;
static sloop_signal g_sig;
static unsigned g_watch_calls;
static sloop_err g_action_err;

static void on_pipe(sloop_loop *loop, sloop_watch w, sloop_fd fd, unsigned events, void *user)
{
    (void)w;
    (void)fd;
    (void)events;
    (void)user;
    g_watch_calls++;
    g_action_err = SLOOP_OK;
    switch (g_action) {
    case ACT_STOP_WAKE:
        g_action_err = sloop_wake_stop(loop);
        break;
    case ACT_RESTART_WAKE:
        g_action_err = sloop_wake_stop(loop);
        if (g_action_err == SLOOP_OK) {
            g_action_err = sloop_wake_start(loop, on_wake, NULL);
        }
        break;
    case ACT_STOP_SIGNAL:
        g_action_err = sloop_signal_stop(loop, g_sig);
        break;
    case ACT_RESTART_SIGNAL:
        g_action_err = sloop_signal_stop(loop, g_sig);
        if (g_action_err == SLOOP_OK) {
            g_action_err = sloop_signal_start(loop, SIGUSR2, on_signal, NULL, &g_sig);
        }
        break;
    default:
        break;
    }
    g_action = ACT_NONE;
}

static int g_pipe[2];

static bool batch_setup(void)
{
    sloop_options o;
    sloop_watch w;
    o.backend = SLOOP_BACKEND_POLL;
    o.sys = NULL;
    usr2_counts();
    g_wakes = 0U;
    g_signals = 0U;
    g_watch_calls = 0U;
    g_action = ACT_NONE;
    return (pipe(g_pipe) == 0) && (write(g_pipe[1], "x", 1U) == 1) &&
           (sloop_init(&g_loop, &o) == SLOOP_OK) &&
           (sloop_watch_start(&g_loop, (sloop_fd)g_pipe[0], SLOOP_READABLE, on_pipe, NULL, &w) ==
            SLOOP_OK);
}

static bool batch_teardown(void)
{
    bool ok = (sloop_close(&g_loop) == SLOOP_OK);
    ok = (close(g_pipe[0]) == 0) && ok;
    return (close(g_pipe[1]) == 0) && ok;
}

SL_TEST(wake_event_of_a_channel_stopped_earlier_in_the_batch_is_dropped)
{
    sloop_counters k;
    SL_CHECK(batch_setup());
    SL_CHECK_OK(sloop_wake_start(&g_loop, on_wake, NULL));
    SL_CHECK_OK(sloop_wake(&g_loop));
    g_action = ACT_STOP_WAKE;
    SL_CHECK_OK(sloop_run_once(&g_loop, 1000));
    SL_CHECK_EQ(g_watch_calls, 1);
    SL_CHECK_OK(g_action_err);
    SL_CHECK_EQ(g_wakes, 0); /* the channel's event came after its stop */
    sloop_counters_get(&g_loop, &k);
    SL_CHECK_EQ(k.events, 2);      /* both were in the batch */
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), 0); /* nothing closed twice */
    /* Stopped and opened again: the old event names the old channel. */
    SL_CHECK_OK(sloop_wake_start(&g_loop, on_wake, NULL));
    SL_CHECK_OK(sloop_wake(&g_loop));
    g_action = ACT_RESTART_WAKE;
    SL_CHECK_OK(sloop_run_once(&g_loop, 1000));
    SL_CHECK_EQ(g_watch_calls, 2);
    SL_CHECK_OK(g_action_err);
    SL_CHECK_EQ(g_wakes, 0);
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), 0);
    /* The new channel works. */
    SL_CHECK_OK(sloop_wake(&g_loop));
    SL_CHECK_OK(sloop_run_once(&g_loop, 1000));
    SL_CHECK_EQ(g_wakes, 1);
    SL_CHECK(batch_teardown());
}

SL_TEST(signal_event_of_a_channel_stopped_earlier_in_the_batch_is_dropped)
{
    SL_CHECK(batch_setup());
    SL_CHECK_OK(sloop_signal_start(&g_loop, SIGUSR2, on_signal, NULL, &g_sig));
    SL_CHECK_EQ(raise(SIGUSR2), 0);
    g_action = ACT_STOP_SIGNAL;
    SL_CHECK_OK(sloop_run_once(&g_loop, 1000));
    SL_CHECK_OK(g_action_err);
    SL_CHECK_EQ(g_signals, 0); /* the watcher was gone: its disposition got it */
    SL_CHECK_EQ(g_handled, 1);
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), 0);
    SL_CHECK(!signal_blocked(SIGUSR2));
    /* Stopped and started again in the callback: the event names the old channel,
     * and the new one has nothing yet. */
    SL_CHECK_OK(sloop_signal_start(&g_loop, SIGUSR2, on_signal, NULL, &g_sig));
    SL_CHECK_EQ(raise(SIGUSR2), 0);
    g_action = ACT_RESTART_SIGNAL;
    SL_CHECK_OK(sloop_run_once(&g_loop, 1000));
    SL_CHECK_OK(g_action_err);
    SL_CHECK_EQ(g_signals, 0);
    SL_CHECK_EQ(g_handled, 2);
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), 0);
    SL_CHECK(signal_blocked(SIGUSR2));
    SL_CHECK_EQ(raise(SIGUSR2), 0); /* the new watcher gets the next one */
    SL_CHECK_OK(sloop_run_once(&g_loop, 1000));
    SL_CHECK_EQ(g_signals, 1);
    SL_CHECK(batch_teardown());
    SL_CHECK(!signal_blocked(SIGUSR2));
}

static bool fd_is_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1;
}

/* A signal channel whose writer is gone: a pipe holding one signal number
 * (SIGUSR2) and then end of file, read the way the self-pipe table reads. */
static sloop_sys g_eof_sys;
static unsigned g_eof_reads;
static int g_eof_rd = -1;

static int eof_signal_open(void *ctx, sloop_fd *fd)
{
    int p[2];
    uint8_t signo = (uint8_t)SIGUSR2;
    (void)ctx;
    if ((pipe(p) != 0) || (write(p[1], &signo, 1U) != 1) || (close(p[1]) != 0)) {
        return SLOOP_SYS_EOTHER;
    }
    g_eof_rd = p[0];
    *fd = (sloop_fd)p[0];
    return SLOOP_SYS_OK;
}

static int eof_signal_set(void *ctx, sloop_fd fd, uint64_t old_mask, uint64_t new_mask)
{
    (void)ctx;
    (void)fd;
    (void)old_mask;
    (void)new_mask;
    return SLOOP_SYS_OK; /* no disposition is changed: the pipe stands in for it */
}

static int eof_signal_read(void *ctx, sloop_fd fd, uint64_t *delivered)
{
    uint8_t b;
    ssize_t n = read((int)fd, &b, 1U);
    (void)ctx;
    g_eof_reads++;
    if (n == 1) {
        *delivered |= (uint64_t)1U << (b - 1U);
        return SLOOP_SYS_OK;
    }
    return (n == 0) ? SLOOP_SYS_EPIPE : SLOOP_SYS_EOTHER;
}

/* End of file on the signal channel (its write end closed behind the loop's
 * back): the signal read before it is delivered, EPIPE is reported once, and the
 * channel is no longer polled (a readable-for-ever channel would spin the loop);
 * the read end is still the loop's and is closed at the stop. */
SL_TEST(signal_channel_at_end_of_file_is_reported_once_and_no_longer_polled)
{
    sloop_options o;
    sloop_signal s;
    sloop_counters ctr;
    g_eof_sys = *sloop_sys_default();
    g_eof_sys.signal_open = eof_signal_open;
    g_eof_sys.signal_set = eof_signal_set;
    g_eof_sys.signal_read = eof_signal_read;
    g_eof_reads = 0U;
    g_signals = 0U;
    o.backend = SLOOP_BACKEND_POLL;
    o.sys = &g_eof_sys;
    SL_CHECK_OK(sloop_init(&g_loop, &o));
    SL_CHECK_OK(sloop_signal_start(&g_loop, SIGUSR2, on_signal, NULL, &s));
    SL_CHECK_OK(sloop_run_once(&g_loop, 1000));
    SL_CHECK_EQ(g_signals, 1);
    SL_CHECK_EQ(g_eof_reads, 2U); /* the signal, then the end of file */
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), SLOOP_SYS_EPIPE);
    sloop_counters_get(&g_loop, &ctr);
    SL_CHECK(ctr.sys_errors[SLOOP_SYS_EPIPE] == 1U);
    SL_CHECK_EQ(g_loop.signal_reg.added, 0);
    SL_CHECK_OK(sloop_run_once(&g_loop, 0));
    SL_CHECK_EQ(g_eof_reads, 2U); /* not polled any more */
    SL_CHECK_EQ(g_signals, 1);
    SL_CHECK(fd_is_open(g_eof_rd));
    SL_CHECK_OK(sloop_signal_stop(&g_loop, s));
    SL_CHECK(!fd_is_open(g_eof_rd)); /* the read end was the loop's */
    SL_CHECK_OK(sloop_close(&g_loop));
}

/* The signal channel closed behind the loop's back, its number then taken by a
 * pipe of the application: the loop reports EBADF, stops polling it, and neither
 * sloop_signal_stop nor sloop_fork_reinit nor sloop_close closes the pipe or
 * hands it to the sys table (a stop is SLOOP_ESYS with SLOOP_SYS_EBADF, the lost
 * channel, and still gives the signal its disposition back). */
SL_TEST(signal_channel_closed_behind_the_loop_is_never_closed_again)
{
    sloop_options o;
    sloop_signal s;
    int fd;
    int p[2];
    unsigned round;
    usr2_counts();
    o.backend = SLOOP_BACKEND_POLL;
    o.sys = NULL;
    for (round = 0U; round < 2U; round++) {
        g_signals = 0U;
        SL_CHECK_OK(sloop_init(&g_loop, &o));
        SL_CHECK_OK(sloop_signal_start(&g_loop, SIGUSR2, on_signal, NULL, &s));
        fd = (int)g_loop.signal_reg.fd;
        SL_CHECK_EQ(close(fd), 0);
        SL_CHECK_OK(sloop_run_once(&g_loop, 0));
        SL_CHECK_EQ(sloop_last_sys_error(&g_loop), SLOOP_SYS_EBADF);
        SL_CHECK_EQ(pipe(p), 0);
        SL_CHECK_EQ(p[0], fd); /* the lowest free number */
        if (round == 0U) {
            SL_CHECK_EQ(sloop_signal_stop(&g_loop, s), SLOOP_ESYS);
            SL_CHECK_EQ(sloop_last_sys_error(&g_loop), SLOOP_SYS_EBADF);
            SL_CHECK_EQ(sloop_signal_stop(&g_loop, s), SLOOP_ESTALE); /* it did stop */
            SL_CHECK(!signal_blocked(SIGUSR2));
        } else {
            /* A new channel replaces the lost one; signals reach the watcher again. */
            SL_CHECK_OK(sloop_fork_reinit(&g_loop));
            SL_CHECK(g_loop.signal_reg.fd != (sloop_fd)fd);
            SL_CHECK_EQ(raise(SIGUSR2), 0);
            SL_CHECK_OK(sloop_run_once(&g_loop, 1000));
            SL_CHECK_EQ(g_signals, 1);
        }
        SL_CHECK_OK(sloop_close(&g_loop));
        SL_CHECK(fd_is_open(p[0]));
        SL_CHECK_EQ(close(p[0]), 0);
        SL_CHECK_EQ(close(p[1]), 0);
        SL_CHECK(!signal_blocked(SIGUSR2));
        SL_CHECK_EQ(g_handled, 0);
    }
}

/* The same for the wake-up channel: sloop_fork_reinit replaces a channel lost
 * before it (in a child, or to recover) with one that is polled again. */
SL_TEST(a_wake_channel_lost_before_fork_reinit_is_replaced_and_polled)
{
    sloop_options o;
    int fd;
    int p[2];
    g_wakes = 0U;
    o.backend = SLOOP_BACKEND_POLL;
    o.sys = NULL;
    SL_CHECK_OK(sloop_init(&g_loop, &o));
    SL_CHECK_OK(sloop_wake_start(&g_loop, on_wake, NULL));
    fd = (int)g_loop.wake_reg.fd;
    SL_CHECK_EQ(close(fd), 0);
    SL_CHECK_OK(sloop_run_once(&g_loop, 0));
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), SLOOP_SYS_EBADF);
    SL_CHECK_EQ(pipe(p), 0);
    SL_CHECK_EQ(p[0], fd);
    SL_CHECK_OK(sloop_fork_reinit(&g_loop));
    SL_CHECK_OK(sloop_wake(&g_loop));
    SL_CHECK_OK(sloop_run_once(&g_loop, 1000));
    SL_CHECK_EQ(g_wakes, 1);
    SL_CHECK_OK(sloop_close(&g_loop));
    SL_CHECK(fd_is_open(p[0]));
    SL_CHECK_EQ(close(p[0]), 0);
    SL_CHECK_EQ(close(p[1]), 0);
}

static volatile sig_atomic_t g_usr1_handled;

static void count_usr1(int signo)
{
    (void)signo;
    g_usr1_handled++;
}

/* The number of a lost signal channel taken by another loop's signal channel:
 * stopping the first loop's watcher must not change what the second one's
 * channel watches (a signalfd update on that number would empty its mask, and
 * its SIGUSR1 would stay blocked and pending, never delivered). */
SL_TEST(a_lost_signal_channel_never_touches_the_loop_that_took_its_number)
{
    static sloop_loop other;
    struct sigaction sa;
    sloop_options o;
    sloop_signal s;
    sloop_signal s1;
    int fd;
    usr2_counts();
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = count_usr1;
    (void)sigemptyset(&sa.sa_mask);
    SL_CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
    g_usr1_handled = 0;
    g_signals = 0U;
    o.backend = SLOOP_BACKEND_POLL;
    o.sys = NULL;
    SL_CHECK_OK(sloop_init(&g_loop, &o));
    SL_CHECK_OK(sloop_signal_start(&g_loop, SIGUSR2, on_signal, NULL, &s));
    fd = (int)g_loop.signal_reg.fd;
    SL_CHECK_EQ(close(fd), 0);
    SL_CHECK_OK(sloop_run_once(&g_loop, 0));
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), SLOOP_SYS_EBADF);
    SL_CHECK_OK(sloop_init(&other, &o));
    SL_CHECK_OK(sloop_signal_start(&other, SIGUSR1, on_signal, NULL, &s1));
    SL_CHECK_EQ(other.signal_reg.fd, (sloop_fd)fd); /* the lowest free number */
    SL_CHECK_EQ(sloop_signal_stop(&g_loop, s), SLOOP_ESYS);
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), SLOOP_SYS_EBADF);
    SL_CHECK_OK(sloop_close(&g_loop));
    SL_CHECK_EQ(raise(SIGUSR1), 0);
    SL_CHECK_OK(sloop_run_once(&other, 1000));
    SL_CHECK_EQ(g_signals, 1); /* the other loop's watcher got it */
    SL_CHECK_OK(sloop_close(&other));
    SL_CHECK_EQ(g_usr1_handled, 0);
    SL_CHECK(!signal_blocked(SIGUSR1));
    sa.sa_handler = SIG_DFL;
    (void)sigaction(SIGUSR1, &sa, NULL);
}

static void on_alarm(int signo)
{
    (void)signo;
}

static void on_timer(sloop_loop *loop, sloop_timer t, void *user)
{
    (void)loop;
    (void)t;
    *(unsigned *)user += 1U;
}

/* A signal handler interrupts poll(): counted as EINTR, the iteration returns
 * SLOOP_OK, and the timer it waited for still fires. */
SL_TEST(poll_interrupted_by_a_handler_is_not_an_error)
{
    struct sigaction sa;
    struct itimerval it;
    sloop_options o;
    sloop_counters k;
    sloop_timer t;
    unsigned fired = 0U;
    unsigned rounds = 0U;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART (poll is never restarted anyway) */
    (void)sigemptyset(&sa.sa_mask);
    SL_CHECK_EQ(sigaction(SIGALRM, &sa, NULL), 0);
    o.backend = SLOOP_BACKEND_POLL;
    o.sys = NULL;
    SL_CHECK_OK(sloop_init(&g_loop, &o));
    SL_CHECK_OK(sloop_timer_start(&g_loop, 1000U, 0U, on_timer, &fired, &t));
    memset(&it, 0, sizeof it);
    it.it_value.tv_usec = 100000; /* 100 ms, once: well inside the 1 s wait */
    SL_CHECK_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
    while ((fired == 0U) && (rounds < 20U)) {
        SL_CHECK_OK(sloop_run_once(&g_loop, -1));
        rounds++;
    }
    SL_CHECK_EQ(fired, 1);
    sloop_counters_get(&g_loop, &k);
    SL_CHECK_EQ(k.eintr, 1);
    SL_CHECK_EQ(k.sys_errors[SLOOP_SYS_EINTR], 1);
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), SLOOP_SYS_EINTR);
    SL_CHECK_OK(sloop_close(&g_loop));
    sa.sa_handler = SIG_DFL;
    (void)sigaction(SIGALRM, &sa, NULL);
}
#endif /* !_WIN32 */

#if defined(__linux__)
/* ---- Linux: descriptor counts, eventfd, signalfd, epoll ---------------------------------- */

/* With RLIMIT_NOFILE at the number of open descriptors (and the holes below it
 * filled), every call that needs a new descriptor fails with EMFILE. */
#define FILLERS 64
SL_TEST(descriptor_exhaustion_is_esys_emfile_and_leaks_nothing)
{
    struct rlimit old;
    struct rlimit low;
    int fillers[FILLERS];
    int nfill = 0;
    int base;
    int fd;
    sloop_options o;
    sloop_signal s;
    sloop_listen_options lo;
    sloop_listener li;
    static const sloop_handler h = { NULL, NULL, NULL, NULL };
    SL_CHECK_EQ(getrlimit(RLIMIT_NOFILE, &old), 0);
    o.backend = SLOOP_BACKEND_POLL;
    o.sys = NULL;
    SL_CHECK_OK(sloop_init(&g_loop, &o)); /* poll needs no descriptor */
    base = open_fd_count();
    low = old;
    low.rlim_cur = (rlim_t)base;
    SL_CHECK_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
    while ((nfill < FILLERS) && ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)) {
        fillers[nfill++] = fd;
    }
    SL_CHECK(nfill < FILLERS); /* the holes are filled: the next open failed */
    SL_CHECK_EQ(errno, EMFILE);
    {
        /* epoll_create1 */
        static sloop_loop ep;
        sloop_options eo;
        eo.backend = SLOOP_BACKEND_EPOLL;
        eo.sys = NULL;
        SL_CHECK_EQ(sloop_init(&ep, &eo), SLOOP_ESYS);
    }
    /* eventfd */
    SL_CHECK_EQ(sloop_wake_start(&g_loop, on_wake, NULL), SLOOP_ESYS);
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), SLOOP_SYS_EMFILE);
    SL_CHECK_EQ(sloop_wake(&g_loop), SLOOP_ESTATE);
    /* signalfd: nothing left blocked */
    SL_CHECK_EQ(sloop_signal_start(&g_loop, SIGUSR2, on_signal, NULL, &s), SLOOP_ESYS);
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), SLOOP_SYS_EMFILE);
    SL_CHECK(!signal_blocked(SIGUSR2));
    /* socket */
    memset(&lo, 0, sizeof lo);
    lo.addr = "127.0.0.1";
    lo.conn.framing.mode = SLOOP_FRAME_LENGTH;
    lo.conn.framing.header_size = 2U;
    lo.conn.framing.max_payload = 64U;
    lo.handler = &h;
    SL_CHECK_EQ(sloop_listen(&g_loop, &lo, &li), SLOOP_ESYS);
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), SLOOP_SYS_EMFILE);
    while (nfill > 0) {
        (void)close(fillers[--nfill]);
    }
    SL_CHECK_EQ(setrlimit(RLIMIT_NOFILE, &old), 0);
    SL_CHECK_EQ(open_fd_count(), base);
    /* With descriptors back, the same calls work. */
    SL_CHECK_OK(sloop_wake_start(&g_loop, on_wake, NULL));
    SL_CHECK_OK(sloop_wake_stop(&g_loop));
    SL_CHECK_OK(sloop_close(&g_loop));
    SL_CHECK_EQ(open_fd_count(), base);
}

/* The POSIX table's channel functions on descriptors of the wrong kind. */
SL_TEST(posix_channel_functions_are_bounded_and_refuse_the_wrong_descriptor)
{
    const sloop_sys *sys = sloop_sys_default();
    int p[2];
    int ev;
    int left = -1;
    uint64_t got = 0U;
    uint16_t port = 0U;
    static char big[2000];
    /* A drain reads at most 16 x 64 bytes: a pipe holding 2000 takes two, then
     * is empty (EAGAIN: nothing was there). */
    SL_CHECK_EQ(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
    SL_CHECK_EQ(write(p[1], big, sizeof big), (long)sizeof big);
    SL_CHECK_EQ(sys->wake_drain(sys->ctx, (sloop_fd)p[0]), SLOOP_SYS_OK);
    SL_CHECK_EQ(ioctl(p[0], FIONREAD, &left), 0);
    SL_CHECK_EQ(left, (int)sizeof big - 1024);
    SL_CHECK_EQ(sys->wake_drain(sys->ctx, (sloop_fd)p[0]), SLOOP_SYS_OK);
    SL_CHECK_EQ(sys->wake_drain(sys->ctx, (sloop_fd)p[0]), SLOOP_SYS_EAGAIN);
    /* Exactly one full read, then nothing: drained (the EAGAIN after it is no error). */
    SL_CHECK_EQ(write(p[1], big, 64U), 64);
    SL_CHECK_EQ(sys->wake_drain(sys->ctx, (sloop_fd)p[0]), SLOOP_SYS_OK);
    SL_CHECK_EQ(ioctl(p[0], FIONREAD, &left), 0);
    SL_CHECK_EQ(left, 0);
    /* An errno without a code of its own (ENOTSOCK) is SLOOP_SYS_EOTHER. */
    SL_CHECK_EQ(sys->local_port(sys->ctx, (sloop_fd)p[0], &port), SLOOP_SYS_EOTHER);
    /* End of file (every write end closed behind sloop's back) is EPIPE, not
     * "empty": the loop then stops polling a channel that would stay readable. */
    SL_CHECK_EQ(write(p[1], big, 3U), 3);
    SL_CHECK_EQ(close(p[1]), 0);
    SL_CHECK_EQ(sys->wake_drain(sys->ctx, (sloop_fd)p[0]), SLOOP_SYS_OK); /* the 3 bytes */
    SL_CHECK_EQ(sys->wake_drain(sys->ctx, (sloop_fd)p[0]), SLOOP_SYS_EPIPE);
    SL_CHECK_EQ(close(p[0]), 0);
    SL_CHECK_EQ(sys->wake_drain(sys->ctx, (sloop_fd)p[0]), SLOOP_SYS_EBADF);
    /* A wake written to a descriptor that is not open fails (EBADF), errno kept. */
    errno = 1234;
    SL_CHECK_EQ(sys->wake_signal(sys->ctx, (sloop_fd)p[1]), SLOOP_SYS_EBADF);
    SL_CHECK_EQ(errno, 1234);
    /* An eventfd is not a signalfd: the update fails and the signal it would
     * have added is not left blocked. */
    ev = eventfd(5U, EFD_NONBLOCK | EFD_CLOEXEC);
    SL_CHECK(ev >= 0);
    SL_CHECK(!signal_blocked(SIGUSR2));
    SL_CHECK_EQ(sys->signal_set(sys->ctx, (sloop_fd)ev, 0U, (uint64_t)1U << (SIGUSR2 - 1)),
                SLOOP_SYS_EINVAL);
    SL_CHECK(!signal_blocked(SIGUSR2));
    /* An 8-byte read is not a signal record: an error, and nothing delivered. */
    SL_CHECK_EQ(sys->signal_read(sys->ctx, (sloop_fd)ev, &got), SLOOP_SYS_EOTHER);
    SL_CHECK_EQ(got, 0U);
    SL_CHECK_EQ(close(ev), 0);
    SL_CHECK_EQ(sys->signal_read(sys->ctx, (sloop_fd)ev, &got), SLOOP_SYS_EBADF);
    SL_CHECK_EQ(got, 0U);
}

/* A connect that fails at once (the broadcast address: ENETUNREACH or EACCES,
 * never EINPROGRESS) is an error and leaves no socket open. */
SL_TEST(posix_connect_failing_at_once_leaves_nothing_open)
{
    const sloop_sys *sys = sloop_sys_default();
    sloop_fd fd = SLOOP_FD_INVALID;
    int base = open_fd_count();
    int rc = sys->connect(sys->ctx, "255.255.255.255", 80U, &fd);
    SL_CHECK(rc != SLOOP_SYS_OK);
    SL_CHECK(rc != SLOOP_SYS_EINPROGRESS);
    SL_CHECK_EQ(fd, SLOOP_FD_INVALID);
    SL_CHECK_EQ(open_fd_count(), base);
}

/* ---- A sys table that fails chosen calls (the default table underneath) ---------------- */
/* Each count is the 1-based call that fails (0: none); close really closes first
 * and then reports the failure, as POSIX close does. */
static sloop_sys g_wrap;
static unsigned g_n_epoll_create, g_fail_epoll_create;
static unsigned g_n_add, g_fail_add;
static unsigned g_n_wake_open, g_fail_wake_open;
static unsigned g_n_signal_set, g_fail_signal_set;
static sloop_fd g_fail_close_fd;
static unsigned g_bad_closes;

static bool hit(unsigned *n, unsigned fail_at)
{
    *n += 1U;
    return (fail_at != 0U) && (*n == fail_at);
}

static int w_close(void *ctx, sloop_fd fd)
{
    int rc = sloop_sys_default()->close(ctx, fd);
    if (rc == SLOOP_SYS_EBADF) {
        g_bad_closes++;
    }
    return ((rc == SLOOP_SYS_OK) && (fd == g_fail_close_fd)) ? SLOOP_SYS_EOTHER : rc;
}

static int w_epoll_create(void *ctx, sloop_fd *epfd)
{
    return hit(&g_n_epoll_create, g_fail_epoll_create)
               ? SLOOP_SYS_EMFILE
               : sloop_sys_default()->epoll_create(ctx, epfd);
}

static int w_epoll_ctl(void *ctx, sloop_fd epfd, int op, sloop_fd fd, uint32_t events,
                       uint64_t token)
{
    if ((op == EPOLL_CTL_ADD) && hit(&g_n_add, g_fail_add)) {
        return SLOOP_SYS_ENOMEM;
    }
    return sloop_sys_default()->epoll_ctl(ctx, epfd, op, fd, events, token);
}

static int w_wake_open(void *ctx, sloop_fd *rd, sloop_fd *wr)
{
    return hit(&g_n_wake_open, g_fail_wake_open) ? SLOOP_SYS_EMFILE
                                                 : sloop_sys_default()->wake_open(ctx, rd, wr);
}

static int w_signal_set(void *ctx, sloop_fd fd, uint64_t old_mask, uint64_t new_mask)
{
    return hit(&g_n_signal_set, g_fail_signal_set)
               ? SLOOP_SYS_ENOMEM
               : sloop_sys_default()->signal_set(ctx, fd, old_mask, new_mask);
}

static void wrap_reset(void)
{
    g_wrap = *sloop_sys_default();
    g_wrap.close = w_close;
    g_wrap.epoll_create = w_epoll_create;
    g_wrap.epoll_ctl = w_epoll_ctl;
    g_wrap.wake_open = w_wake_open;
    g_wrap.signal_set = w_signal_set;
    g_n_epoll_create = g_fail_epoll_create = 0U;
    g_n_add = g_fail_add = 0U;
    g_n_wake_open = g_fail_wake_open = 0U;
    g_n_signal_set = g_fail_signal_set = 0U;
    g_fail_close_fd = SLOOP_FD_INVALID;
    g_bad_closes = 0U;
}

static void on_any(sloop_loop *loop, sloop_watch w, sloop_fd fd, unsigned events, void *user)
{
    (void)loop;
    (void)w;
    (void)fd;
    (void)events;
    (void)user;
}

/* EPOLL_CTL_ADD refused (ENOMEM) for the wake-up channel, the signal channel and
 * a watcher: SLOOP_ESYS, the new descriptor closed again, the signal unblocked. */
SL_TEST(a_registration_epoll_refuses_is_esys_and_leaks_nothing)
{
    sloop_options o;
    sloop_signal s;
    sloop_watch w;
    int p[2];
    int base = open_fd_count();
    wrap_reset();
    o.backend = SLOOP_BACKEND_EPOLL;
    o.sys = &g_wrap;
    SL_CHECK_OK(sloop_init(&g_loop, &o));
    SL_CHECK_EQ(pipe(p), 0);
    g_fail_add = g_n_add + 1U;
    SL_CHECK_EQ(sloop_wake_start(&g_loop, on_wake, NULL), SLOOP_ESYS);
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), SLOOP_SYS_ENOMEM);
    SL_CHECK_EQ(sloop_wake(&g_loop), SLOOP_ESTATE);
    g_fail_add = g_n_add + 1U;
    SL_CHECK_EQ(sloop_signal_start(&g_loop, SIGUSR2, on_signal, NULL, &s), SLOOP_ESYS);
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), SLOOP_SYS_ENOMEM);
    SL_CHECK(!signal_blocked(SIGUSR2));
    g_fail_add = g_n_add + 1U;
    SL_CHECK_EQ(sloop_watch_start(&g_loop, (sloop_fd)p[0], SLOOP_READABLE, on_any, NULL, &w),
                SLOOP_ESYS);
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), SLOOP_SYS_ENOMEM);
    SL_CHECK_EQ(open_fd_count(), base + 3); /* the epoll instance and the pipe */
    /* The next attempts succeed. */
    SL_CHECK_OK(sloop_wake_start(&g_loop, on_wake, NULL));
    SL_CHECK_OK(sloop_signal_start(&g_loop, SIGUSR2, on_signal, NULL, &s));
    SL_CHECK_OK(sloop_watch_start(&g_loop, (sloop_fd)p[0], SLOOP_READABLE, on_any, NULL, &w));
    SL_CHECK_OK(sloop_close(&g_loop));
    SL_CHECK(!signal_blocked(SIGUSR2));
    SL_CHECK_EQ(close(p[0]), 0);
    SL_CHECK_EQ(close(p[1]), 0);
    SL_CHECK_EQ(g_bad_closes, 0);
    SL_CHECK_EQ(open_fd_count(), base);
}

/* A loop with a watcher (whose interest change is still queued), the wake-up
 * channel and a signal watcher, under epoll. */
static bool fork_setup(int p[2], sloop_watch *w)
{
    sloop_options o;
    sloop_signal s;
    o.backend = SLOOP_BACKEND_EPOLL;
    o.sys = &g_wrap;
    return (pipe(p) == 0) && (sloop_init(&g_loop, &o) == SLOOP_OK) &&
           (sloop_watch_start(&g_loop, (sloop_fd)p[0], SLOOP_READABLE, on_any, NULL, w) ==
            SLOOP_OK) &&
           (sloop_wake_start(&g_loop, on_wake, NULL) == SLOOP_OK) &&
           (sloop_signal_start(&g_loop, SIGUSR2, on_signal, NULL, &s) == SLOOP_OK) &&
           (sloop_run_once(&g_loop, 0) == SLOOP_OK) &&
           (sloop_watch_modify(&g_loop, *w, SLOOP_READABLE | SLOOP_WRITABLE) == SLOOP_OK);
}

static bool fork_teardown(int p[2], int base)
{
    bool ok = (sloop_close(&g_loop) == SLOOP_OK);
    ok = (close(p[0]) == 0) && ok;
    ok = (close(p[1]) == 0) && ok;
    return ok && (g_bad_closes == 0U) && (open_fd_count() == base) && !signal_blocked(SIGUSR2);
}

/* No new epoll instance (EMFILE): SLOOP_ESYS naming it, nothing registered in a
 * missing instance, and sloop_close closes every descriptor once. */
SL_TEST(fork_reinit_without_a_new_epoll_instance_leaves_a_closable_loop)
{
    int p[2];
    sloop_watch w;
    int base = open_fd_count();
    wrap_reset();
    SL_CHECK(fork_setup(p, &w));
    g_fail_epoll_create = g_n_epoll_create + 1U;
    SL_CHECK_EQ(sloop_fork_reinit(&g_loop), SLOOP_ESYS);
    SL_CHECK_EQ(g_loop.epfd, SLOOP_FD_INVALID);
    SL_CHECK(fork_teardown(p, base));
}

/* The close of the old instance reports an error (it is closed all the same),
 * and the new wake-up channel cannot be opened: SLOOP_ESYS, sloop_wake refuses
 * (no channel), and sloop_close closes every descriptor once. */
SL_TEST(fork_reinit_losing_the_wake_channel_leaves_a_closable_loop)
{
    int p[2];
    sloop_watch w;
    int base = open_fd_count();
    wrap_reset();
    SL_CHECK(fork_setup(p, &w));
    g_fail_close_fd = g_loop.epfd;
    g_fail_wake_open = g_n_wake_open + 1U;
    SL_CHECK_EQ(sloop_fork_reinit(&g_loop), SLOOP_ESYS);
    SL_CHECK_EQ(sloop_wake(&g_loop), SLOOP_ESTATE);
    g_fail_close_fd = SLOOP_FD_INVALID;
    SL_CHECK(fork_teardown(p, base));
}

/* The new signal channel cannot be told its signals: it is closed again, the
 * watchers stay until sloop_close, which unblocks the signal. */
SL_TEST(fork_reinit_whose_signal_set_fails_leaves_a_closable_loop)
{
    int p[2];
    sloop_watch w;
    int base = open_fd_count();
    wrap_reset();
    SL_CHECK(fork_setup(p, &w));
    g_fail_signal_set = g_n_signal_set + 1U;
    SL_CHECK_EQ(sloop_fork_reinit(&g_loop), SLOOP_ESYS);
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), SLOOP_SYS_ENOMEM);
    SL_CHECK_EQ(g_loop.signal_reg.fd, SLOOP_FD_INVALID);
    SL_CHECK(fork_teardown(p, base));
}
/* A wake-up channel lost before sloop_fork_reinit (closed behind the loop, its
 * number then taken by a pipe), and no new one to be had: SLOOP_ESYS, sloop_wake
 * refuses, and neither the fork nor sloop_close touches the pipe. */
SL_TEST(fork_reinit_that_cannot_replace_a_lost_wake_channel_leaves_a_closable_loop)
{
    sloop_options o;
    int p[2];
    int fd;
    int base = open_fd_count();
    wrap_reset();
    o.backend = SLOOP_BACKEND_POLL;
    o.sys = &g_wrap;
    SL_CHECK_OK(sloop_init(&g_loop, &o));
    SL_CHECK_OK(sloop_wake_start(&g_loop, on_wake, NULL));
    fd = (int)g_loop.wake_reg.fd;
    SL_CHECK_EQ(close(fd), 0);
    SL_CHECK_OK(sloop_run_once(&g_loop, 0));
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), SLOOP_SYS_EBADF);
    SL_CHECK_EQ(pipe(p), 0);
    SL_CHECK_EQ(p[0], fd);
    g_fail_wake_open = g_n_wake_open + 1U;
    SL_CHECK_EQ(sloop_fork_reinit(&g_loop), SLOOP_ESYS);
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), SLOOP_SYS_EMFILE);
    SL_CHECK_EQ(sloop_wake(&g_loop), SLOOP_ESTATE);
    SL_CHECK_OK(sloop_close(&g_loop));
    SL_CHECK(fd_is_open(p[0]));
    SL_CHECK_EQ(close(p[0]), 0);
    SL_CHECK_EQ(close(p[1]), 0);
    SL_CHECK_EQ(g_bad_closes, 0);
    SL_CHECK_EQ(open_fd_count(), base);
}

static unsigned g_seen_events[2];

static void on_which(sloop_loop *loop, sloop_watch w, sloop_fd fd, unsigned events, void *user)
{
    (void)loop;
    (void)w;
    (void)fd;
    g_seen_events[*(const unsigned *)user] |= events;
}

/* Two interest changes queued under epoll, the later one's watcher stopped first:
 * the earlier change still reaches the kernel, the stopped watcher gets nothing. */
SL_TEST(stopping_a_watcher_keeps_the_interest_change_queued_before_it)
{
    static unsigned which[2] = { 0U, 1U };
    sloop_options o;
    sloop_watch w[2];
    int a[2];
    int b[2];
    o.backend = SLOOP_BACKEND_EPOLL;
    o.sys = NULL;
    g_seen_events[0] = g_seen_events[1] = 0U;
    SL_CHECK_EQ(pipe(a), 0);
    SL_CHECK_EQ(pipe(b), 0);
    SL_CHECK_OK(sloop_init(&g_loop, &o));
    /* The write ends, watched for reading first: never ready. */
    SL_CHECK_OK(sloop_watch_start(&g_loop, (sloop_fd)a[1], SLOOP_READABLE, on_which,
                                  &which[0], &w[0]));
    SL_CHECK_OK(sloop_watch_start(&g_loop, (sloop_fd)b[1], SLOOP_READABLE, on_which,
                                  &which[1], &w[1]));
    SL_CHECK_OK(sloop_run_once(&g_loop, 0));
    SL_CHECK_EQ(g_seen_events[0] | g_seen_events[1], 0U);
    SL_CHECK_OK(sloop_watch_modify(&g_loop, w[0], SLOOP_WRITABLE));
    SL_CHECK_OK(sloop_watch_modify(&g_loop, w[1], SLOOP_WRITABLE));
    SL_CHECK_OK(sloop_watch_stop(&g_loop, w[1]));
    SL_CHECK_OK(sloop_run_once(&g_loop, 1000));
    SL_CHECK_EQ(g_seen_events[0], SLOOP_WRITABLE);
    SL_CHECK_EQ(g_seen_events[1], 0U);
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), 0);
    SL_CHECK_OK(sloop_close(&g_loop));
    SL_CHECK_EQ(close(a[0]) | close(a[1]) | close(b[0]) | close(b[1]), 0);
}
#endif /* __linux__ */

static const sl_test tests[] = {
    SL_ENTRY(partial_channel_tables_get_ebackend),
    SL_ENTRY(run_waits_for_the_wake_channel_alone),
    SL_ENTRY(raise_signal_on_a_cold_sim_does_nothing),
#if !defined(_WIN32)
    SL_ENTRY(run_waits_for_the_signal_channel_alone),
    SL_ENTRY(wake_event_of_a_channel_stopped_earlier_in_the_batch_is_dropped),
    SL_ENTRY(signal_event_of_a_channel_stopped_earlier_in_the_batch_is_dropped),
    SL_ENTRY(signal_channel_at_end_of_file_is_reported_once_and_no_longer_polled),
    SL_ENTRY(signal_channel_closed_behind_the_loop_is_never_closed_again),
    SL_ENTRY(a_wake_channel_lost_before_fork_reinit_is_replaced_and_polled),
    SL_ENTRY(a_lost_signal_channel_never_touches_the_loop_that_took_its_number),
    SL_ENTRY(poll_interrupted_by_a_handler_is_not_an_error),
#endif
#if defined(__linux__)
    SL_ENTRY(descriptor_exhaustion_is_esys_emfile_and_leaks_nothing),
    SL_ENTRY(posix_channel_functions_are_bounded_and_refuse_the_wrong_descriptor),
    SL_ENTRY(posix_connect_failing_at_once_leaves_nothing_open),
    SL_ENTRY(a_registration_epoll_refuses_is_esys_and_leaks_nothing),
    SL_ENTRY(fork_reinit_without_a_new_epoll_instance_leaves_a_closable_loop),
    SL_ENTRY(fork_reinit_losing_the_wake_channel_leaves_a_closable_loop),
    SL_ENTRY(fork_reinit_whose_signal_set_fails_leaves_a_closable_loop),
    SL_ENTRY(fork_reinit_that_cannot_replace_a_lost_wake_channel_leaves_a_closable_loop),
    SL_ENTRY(stopping_a_watcher_keeps_the_interest_change_queued_before_it),
#endif
};

int main(int argc, char **argv)
{
    return sl_main("channels", tests, SL_COUNT(tests), argc, argv);
}
