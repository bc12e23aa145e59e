/*
 * test_sim.c - the simulation and the fault plan themselves, and the checks of
 * world.c against planted bugs (so that "0 failed" from the fault suites means
 * something: each check below is shown to fire when its invariant breaks).
 */
#include <string.h>

#include "faultplan.h"
#include "harness.h"
#include "scenarios.h"
#include "world.h"

static sloop_sim g_sim;
static sloop_loop g_loop;
static faultplan g_fp;
static world g_w;

static const sloop_sys *S(void) { return sloop_sim_sys(&g_sim); }

/* The type of sloop_pollfd's fd: int for poll(2), SOCKET (unsigned) for WSAPoll;
 * -1 converts to INVALID_SOCKET, which the sim skips like a negative fd. */
#if defined(_WIN32)
typedef SOCKET pfd_t;
#else
typedef int pfd_t;
#endif
#define PFD_NONE ((pfd_t)-1)

/* The poll-shaped backend over the sim: WSAPoll is the only one on Windows. */
#if defined(_WIN32)
#define SIM_BACKEND SLOOP_BACKEND_WSAPOLL
#else
#define SIM_BACKEND SLOOP_BACKEND_POLL
#endif

static short revents_of(sloop_fd fd, short events, int timeout, uint32_t *n)
{
    sloop_pollfd p;
    p.fd = (pfd_t)fd;
    p.events = events;
    p.revents = 0;
    (void)S()->poll(S()->ctx, &p, 1U, timeout, n);
    return p.revents;
}

/* ---- The simulation ------------------------------------------------------------------------ */

SL_TEST(sim_init_checks_size)
{
    SL_CHECK(!sloop_sim_init_sized(&g_sim, 0U, sizeof(sloop_sim) - 1U));
    SL_CHECK(!sloop_sim_init_sized(NULL, 0U, sizeof(sloop_sim)));
    SL_CHECK(sloop_sim_init(&g_sim, 5U));
    SL_CHECK_EQ(S()->now_ms(S()->ctx), 5);
    SL_CHECK(S()->epoll_create == NULL);
}

SL_TEST(sim_listen_accept_close_accounting)
{
    sloop_fd l = SLOOP_FD_INVALID;
    sloop_fd c = SLOOP_FD_INVALID;
    sloop_sim_peer p = 0U;
    uint16_t port = 0U;
    uint32_t n = 0U;
    SL_CHECK(sloop_sim_init(&g_sim, 0U));
    SL_CHECK_EQ(S()->listen(S()->ctx, "localhost", 0U, 8, &l), SLOOP_SYS_EINVAL);
    SL_CHECK_EQ(S()->listen(S()->ctx, "127.0.0.1", 0U, 8, &l), SLOOP_SYS_OK);
    SL_CHECK_EQ(l, SLOOP_SIM_FD_BASE);
    SL_CHECK_EQ(S()->local_port(S()->ctx, l, &port), SLOOP_SYS_OK);
    SL_CHECK(port != 0U);
    SL_CHECK_EQ(S()->listen(S()->ctx, NULL, port, 8, &c), SLOOP_SYS_EADDRINUSE);
    SL_CHECK_EQ(S()->accept(S()->ctx, l, &c), SLOOP_SYS_EAGAIN);
    SL_CHECK_EQ(revents_of(l, POLLIN, 0, &n), 0);
    SL_CHECK_EQ(sloop_sim_peer_connect(&g_sim, "127.0.0.1", (uint16_t)(port + 1U), &p),
                SLOOP_SYS_ECONNREFUSED);
    SL_CHECK_EQ(sloop_sim_peer_connect(&g_sim, "127.0.0.1", port, &p), SLOOP_SYS_OK);
    SL_CHECK_EQ(revents_of(l, POLLIN, 0, &n), POLLIN);
    SL_CHECK_EQ(n, 1);
    SL_CHECK_EQ(S()->accept(S()->ctx, l, &c), SLOOP_SYS_OK);
    SL_CHECK_EQ(c, SLOOP_SIM_FD_BASE + 1);
    SL_CHECK((sloop_sim_peer_status(&g_sim, p) & SLOOP_SIM_PEER_CONNECTED) != 0U);
    SL_CHECK_EQ(sloop_sim_fds_open(&g_sim), 2);
    SL_CHECK(!sloop_sim_all_closed_once(&g_sim));
    SL_CHECK_EQ(S()->close(S()->ctx, c), SLOOP_SYS_OK);
    SL_CHECK_EQ(S()->close(S()->ctx, l), SLOOP_SYS_OK);
    SL_CHECK(sloop_sim_all_closed_once(&g_sim));
    SL_CHECK((sloop_sim_peer_status(&g_sim, p) & SLOOP_SIM_PEER_EOF) != 0U);
    /* A second close of the same number is caught, and so is an unknown one. */
    SL_CHECK_EQ(S()->close(S()->ctx, c), SLOOP_SYS_EBADF);
    SL_CHECK_EQ(sloop_sim_fd_closes(&g_sim, 1U), 2);
    SL_CHECK_EQ(S()->close(S()->ctx, 7), SLOOP_SYS_EBADF);
    SL_CHECK_EQ(sloop_sim_stats_get(&g_sim)->bad_closes, 2);
    SL_CHECK(!sloop_sim_all_closed_once(&g_sim));
    /* A closed or unknown descriptor polls as POLLNVAL; a negative one is skipped. */
    SL_CHECK_EQ(revents_of(c, POLLIN, 0, &n), POLLNVAL);
    SL_CHECK_EQ(revents_of(-1, POLLIN, 0, &n), 0);
}

/* A listener and one accepted connection; returns the connection's fd. */
static sloop_fd sim_pair(sloop_sim_peer *p, sloop_fd *l)
{
    sloop_fd c = SLOOP_FD_INVALID;
    uint16_t port = 0U;
    (void)sloop_sim_init(&g_sim, 100U);
    (void)S()->listen(S()->ctx, "127.0.0.1", 0U, 8, l);
    (void)S()->local_port(S()->ctx, *l, &port);
    (void)sloop_sim_peer_connect(&g_sim, "127.0.0.1", port, p);
    (void)S()->accept(S()->ctx, *l, &c);
    return c;
}

SL_TEST(sim_recv_short_eof_reset)
{
    sloop_sim_peer p = 0U;
    sloop_fd l = SLOOP_FD_INVALID;
    sloop_fd c = sim_pair(&p, &l);
    uint8_t buf[16];
    size_t got = 99U;
    uint32_t n = 0U;
    SL_CHECK_EQ(S()->recv(S()->ctx, c, buf, sizeof buf, &got), SLOOP_SYS_EAGAIN);
    SL_CHECK_EQ(revents_of(c, POLLIN | POLLOUT, 0, &n), POLLOUT);
    SL_CHECK_EQ(sloop_sim_peer_write(&g_sim, p, "abcdef", 6U), 6);
    SL_CHECK_EQ(revents_of(c, POLLIN, 0, &n), POLLIN);
    sloop_sim_peer_limits(&g_sim, p, 4U, 0U, 0U);
    SL_CHECK_EQ(S()->recv(S()->ctx, c, buf, sizeof buf, &got), SLOOP_SYS_OK);
    SL_CHECK_EQ(got, 4);
    SL_CHECK_MEM(buf, "abcd", 4);
    sloop_sim_peer_shutdown(&g_sim, p);
    SL_CHECK_EQ(S()->recv(S()->ctx, c, buf, sizeof buf, &got), SLOOP_SYS_OK);
    SL_CHECK_EQ(got, 2);
    SL_CHECK_EQ(revents_of(c, POLLIN, 0, &n), POLLIN); /* end of stream is readable */
    SL_CHECK_EQ(S()->recv(S()->ctx, c, buf, sizeof buf, &got), SLOOP_SYS_OK);
    SL_CHECK_EQ(got, 0);
    SL_CHECK_EQ(sloop_sim_peer_write(&g_sim, p, "x", 1U), 0); /* shut down: no more */
    sloop_sim_peer_reset(&g_sim, p);
    SL_CHECK_EQ(revents_of(c, 0, 0, &n), POLLERR | POLLHUP); /* reported unasked */
    SL_CHECK_EQ(S()->recv(S()->ctx, c, buf, sizeof buf, &got), SLOOP_SYS_ECONNRESET);
    SL_CHECK_EQ(sloop_sim_peer_moved_to_loop(&g_sim, p), 6);
}

SL_TEST(sim_send_window_and_epipe)
{
    sloop_sim_peer p = 0U;
    sloop_fd l = SLOOP_FD_INVALID;
    sloop_fd c = sim_pair(&p, &l);
    sloop_iov iov[2];
    uint8_t buf[32];
    size_t sent = 0U;
    uint32_t n = 0U;
    sloop_sim_peer_limits(&g_sim, p, 0U, 0U, 10U);
    iov[0].base = "0123456789";
    iov[0].len = 10U;
    iov[1].base = "abcdefghij";
    iov[1].len = 10U;
    SL_CHECK_EQ(S()->sendv(S()->ctx, c, iov, 2U, &sent), SLOOP_SYS_OK);
    SL_CHECK_EQ(sent, 10);
    SL_CHECK_EQ(revents_of(c, POLLOUT, 0, &n), 0); /* window full */
    SL_CHECK_EQ(S()->sendv(S()->ctx, c, &iov[1], 1U, &sent), SLOOP_SYS_EAGAIN);
    SL_CHECK_EQ(sloop_sim_peer_read(&g_sim, p, buf, 4U), 4);
    SL_CHECK_EQ(revents_of(c, POLLOUT, 0, &n), POLLOUT);
    sloop_sim_peer_limits(&g_sim, p, 0U, 3U, 10U); /* short writes of 3 */
    SL_CHECK_EQ(S()->sendv(S()->ctx, c, &iov[1], 1U, &sent), SLOOP_SYS_OK);
    SL_CHECK_EQ(sent, 3);
    SL_CHECK_EQ(sloop_sim_peer_read(&g_sim, p, buf, sizeof buf), 9);
    SL_CHECK_MEM(buf, "456789abc", 9);
    SL_CHECK_EQ(sloop_sim_peer_moved_to_peer(&g_sim, p), 13);
    sloop_sim_peer_close(&g_sim, p);
    SL_CHECK_EQ(S()->sendv(S()->ctx, c, iov, 1U, &sent), SLOOP_SYS_EPIPE);
}

SL_TEST(sim_clock_moves_only_when_idle)
{
    sloop_sim_peer p = 0U;
    sloop_fd l = SLOOP_FD_INVALID;
    sloop_fd c = sim_pair(&p, &l);
    uint32_t n = 9U;
    SL_CHECK_EQ(revents_of(c, POLLIN, 0, &n), 0);
    SL_CHECK_EQ(sloop_sim_now(&g_sim), 100);
    SL_CHECK_EQ(revents_of(c, POLLIN, 250, &n), 0);
    SL_CHECK_EQ(n, 0);
    SL_CHECK_EQ(sloop_sim_now(&g_sim), 350);
    (void)sloop_sim_peer_write(&g_sim, p, "x", 1U);
    SL_CHECK_EQ(revents_of(c, POLLIN, 250, &n), POLLIN); /* ready: no time passes */
    SL_CHECK_EQ(sloop_sim_now(&g_sim), 350);
    SL_CHECK_EQ(revents_of(c, POLLOUT | POLLIN, -1, &n), POLLOUT | POLLIN);
    SL_CHECK_EQ(sloop_sim_stats_get(&g_sim)->hangs, 0);
    SL_CHECK_EQ(revents_of(l, POLLIN, -1, &n), 0); /* nothing can ever wake it */
    SL_CHECK_EQ(sloop_sim_stats_get(&g_sim)->hangs, 1);
    SL_CHECK_EQ(sloop_sim_now(&g_sim), 350);
    /* The 32-bit wrap. */
    SL_CHECK(sloop_sim_init(&g_sim, 0xFFFFFFF0U));
    sloop_sim_advance(&g_sim, 0x20U);
    SL_CHECK_EQ(sloop_sim_now(&g_sim), 0x10);
}

SL_TEST(sim_outgoing_connects)
{
    sloop_fd a = SLOOP_FD_INVALID;
    sloop_fd r = SLOOP_FD_INVALID;
    sloop_fd u = SLOOP_FD_INVALID;
    sloop_fd b = SLOOP_FD_INVALID;
    sloop_fd now = SLOOP_FD_INVALID;
    sloop_sim_peer p = 0U;
    sloop_pollfd pf[4];
    uint32_t n = 0U;
    SL_CHECK(sloop_sim_init(&g_sim, 0U));
    SL_CHECK(sloop_sim_remote_add(&g_sim, "10.0.0.1", 80U, SLOOP_SIM_ACCEPT, 30U));
    SL_CHECK(sloop_sim_remote_add(&g_sim, "10.0.0.2", 80U, SLOOP_SIM_REFUSE, 50U));
    SL_CHECK(sloop_sim_remote_add(&g_sim, "10.0.0.3", 80U, SLOOP_SIM_BLACKHOLE, 0U));
    SL_CHECK(sloop_sim_remote_add(&g_sim, "10.0.0.4", 80U, SLOOP_SIM_ACCEPT_NOW, 0U));
    SL_CHECK_EQ(S()->connect(S()->ctx, "10.0.0.1", 80U, &a), SLOOP_SYS_EINPROGRESS);
    SL_CHECK_EQ(S()->connect(S()->ctx, "10.0.0.2", 80U, &r), SLOOP_SYS_EINPROGRESS);
    SL_CHECK_EQ(S()->connect(S()->ctx, "10.0.0.9", 80U, &u), SLOOP_SYS_EINPROGRESS);
    SL_CHECK_EQ(S()->connect(S()->ctx, "10.0.0.3", 80U, &b), SLOOP_SYS_EINPROGRESS);
    SL_CHECK_EQ(S()->connect(S()->ctx, "10.0.0.4", 80U, &now), SLOOP_SYS_OK);
    SL_CHECK_EQ(S()->connect(S()->ctx, "nowhere", 80U, &now), SLOOP_SYS_EINVAL);
    SL_CHECK_EQ(S()->connect_result(S()->ctx, a), SLOOP_SYS_EINPROGRESS);
    SL_CHECK(!sloop_sim_remote_take(&g_sim, "10.0.0.1", 80U, &p)); /* not connected yet */
    pf[0].fd = (pfd_t)a;
    pf[1].fd = (pfd_t)r;
    pf[2].fd = (pfd_t)u;
    pf[3].fd = (pfd_t)b;
    for (n = 0U; n < 4U; n++) {
        pf[n].events = POLLOUT;
    }
    /* The unknown address is refused at once; the wait does not move time. */
    SL_CHECK_EQ(S()->poll(S()->ctx, pf, 4U, -1, &n), SLOOP_SYS_OK);
    SL_CHECK_EQ(n, 1);
    SL_CHECK_EQ(pf[2].revents, POLLOUT | POLLERR | POLLHUP);
    SL_CHECK_EQ(S()->connect_result(S()->ctx, u), SLOOP_SYS_ECONNREFUSED);
    pf[2].fd = PFD_NONE;
    /* An endless wait jumps to the next resolution: the accept at 30 ms. */
    SL_CHECK_EQ(S()->poll(S()->ctx, pf, 4U, -1, &n), SLOOP_SYS_OK);
    SL_CHECK_EQ(sloop_sim_now(&g_sim), 30);
    SL_CHECK_EQ(pf[0].revents, POLLOUT);
    SL_CHECK_EQ(S()->connect_result(S()->ctx, a), SLOOP_SYS_OK);
    SL_CHECK(sloop_sim_remote_take(&g_sim, "10.0.0.1", 80U, &p));
    pf[0].fd = PFD_NONE;
    SL_CHECK_EQ(S()->poll(S()->ctx, pf, 4U, 1000, &n), SLOOP_SYS_OK);
    SL_CHECK_EQ(sloop_sim_now(&g_sim), 50);
    SL_CHECK_EQ(pf[1].revents, POLLOUT | POLLERR | POLLHUP);
    SL_CHECK_EQ(S()->connect_result(S()->ctx, r), SLOOP_SYS_ECONNREFUSED);
    pf[1].fd = PFD_NONE;
    SL_CHECK_EQ(S()->poll(S()->ctx, pf, 4U, 1000, &n), SLOOP_SYS_OK);
    SL_CHECK_EQ(n, 0); /* the blackhole never answers */
    SL_CHECK_EQ(sloop_sim_now(&g_sim), 1050);
}

SL_TEST(sim_fd_limit_and_listener_close)
{
    sloop_fd l = SLOOP_FD_INVALID;
    sloop_fd c = SLOOP_FD_INVALID;
    sloop_sim_peer p1 = 0U;
    sloop_sim_peer p2 = 0U;
    uint16_t port = 0U;
    SL_CHECK(sloop_sim_init(&g_sim, 0U));
    sloop_sim_set_fd_limit(&g_sim, 1U);
    SL_CHECK_EQ(S()->listen(S()->ctx, "0.0.0.0", 0U, 8, &l), SLOOP_SYS_OK);
    (void)S()->local_port(S()->ctx, l, &port);
    SL_CHECK_EQ(sloop_sim_peer_connect(&g_sim, "127.0.0.1", port, &p1), SLOOP_SYS_OK);
    SL_CHECK_EQ(sloop_sim_peer_connect(&g_sim, "10.1.1.1", port, &p2), SLOOP_SYS_OK);
    SL_CHECK_EQ(S()->accept(S()->ctx, l, &c), SLOOP_SYS_EMFILE); /* stays in the backlog */
    sloop_sim_set_fd_limit(&g_sim, 8U);
    SL_CHECK_EQ(S()->accept(S()->ctx, l, &c), SLOOP_SYS_OK);
    SL_CHECK_EQ(S()->close(S()->ctx, l), SLOOP_SYS_OK);
    SL_CHECK((sloop_sim_peer_status(&g_sim, p1) & SLOOP_SIM_PEER_RESET) == 0U);
    SL_CHECK((sloop_sim_peer_status(&g_sim, p2) & SLOOP_SIM_PEER_RESET) != 0U);
    SL_CHECK_EQ(S()->close(S()->ctx, c), SLOOP_SYS_OK);
    SL_CHECK(sloop_sim_all_closed_once(&g_sim));
}

/* ---- The fault plan ----------------------------------------------------------------------------- */

static bool pred_fd(const fp_call *call, void *user)
{
    return call->fd == *(const sloop_fd *)user;
}

SL_TEST(plan_nth_call_and_counts)
{
    sloop_sim_peer p = 0U;
    sloop_fd l = SLOOP_FD_INVALID;
    sloop_fd c = sim_pair(&p, &l);
    const sloop_sys *f;
    uint8_t buf[8];
    size_t got = 0U;
    fp_init(&g_fp, S());
    f = fp_sys(&g_fp);
    (void)fp_add(&g_fp, FP_RECV, 1U, FP_FAIL, SLOOP_SYS_ECONNRESET, 0U);
    (void)fp_add(&g_fp, FP_ANY, 3U, FP_FAIL, SLOOP_SYS_EINTR, 0U);
    (void)sloop_sim_peer_write(&g_sim, p, "abcdefgh", 8U);
    SL_CHECK_EQ(f->recv(f->ctx, c, buf, 1U, &got), SLOOP_SYS_OK);
    SL_CHECK_EQ(f->recv(f->ctx, c, buf, 1U, &got), SLOOP_SYS_ECONNRESET); /* 2nd recv */
    SL_CHECK_EQ(f->recv(f->ctx, c, buf, 1U, &got), SLOOP_SYS_OK);
    SL_CHECK_EQ(buf[0], 'b'); /* the failed call moved nothing */
    SL_CHECK_EQ(f->now_ms(f->ctx), 100);                      /* 4th call overall: a clock cannot fail */
    SL_CHECK_EQ(f->recv(f->ctx, c, buf, 1U, &got), SLOOP_SYS_OK);
    SL_CHECK_EQ(g_fp.calls[FP_RECV], 4);
    SL_CHECK_EQ(g_fp.total, 5);
    SL_CHECK_EQ(g_fp.injected, 2); /* the rule fired on now_ms, where failing is a no-op */
    SL_CHECK(fp_trace_at(&g_fp, 3U) == FP_NOW);
    SL_CHECK_EQ(g_fp.bytes_recv, 3);
    /* Every call the predicate accepts, at most twice. */
    fp_init(&g_fp, S());
    (void)fp_add_pred(&g_fp, FP_RECV, pred_fd, &c, SLOOP_SYS_EAGAIN, 2U);
    SL_CHECK_EQ(f->recv(f->ctx, c, buf, 1U, &got), SLOOP_SYS_EAGAIN);
    SL_CHECK_EQ(f->recv(f->ctx, c, buf, 1U, &got), SLOOP_SYS_EAGAIN);
    SL_CHECK_EQ(f->recv(f->ctx, c, buf, 1U, &got), SLOOP_SYS_OK);
}

SL_TEST(plan_short_counts)
{
    sloop_sim_peer p = 0U;
    sloop_fd l = SLOOP_FD_INVALID;
    sloop_fd c = sim_pair(&p, &l);
    const sloop_sys *f;
    uint8_t buf[16];
    size_t n = 0U;
    sloop_iov iov[2];
    fp_init(&g_fp, S());
    f = fp_sys(&g_fp);
    (void)fp_add(&g_fp, FP_RECV, 0U, FP_SHORT, 0, 0U);  /* half */
    (void)fp_add(&g_fp, FP_SENDV, 0U, FP_SHORT, 0, 5U); /* 5 bytes */
    (void)sloop_sim_peer_write(&g_sim, p, "0123456789", 10U);
    SL_CHECK_EQ(f->recv(f->ctx, c, buf, 10U, &n), SLOOP_SYS_OK);
    SL_CHECK_EQ(n, 5);
    iov[0].base = "abc";
    iov[0].len = 3U;
    iov[1].base = "defgh";
    iov[1].len = 5U;
    SL_CHECK_EQ(f->sendv(f->ctx, c, iov, 2U, &n), SLOOP_SYS_OK);
    SL_CHECK_EQ(n, 5);
    SL_CHECK_EQ(sloop_sim_peer_read(&g_sim, p, buf, sizeof buf), 5);
    SL_CHECK_MEM(buf, "abcde", 5);
    SL_CHECK_EQ(g_fp.bytes_sent, 5);
}

SL_TEST(plan_clock_jump_stall_wrap)
{
    const sloop_sys *f;
    SL_CHECK(sloop_sim_init(&g_sim, 1000U));
    fp_init(&g_fp, S());
    f = fp_sys(&g_fp);
    fp_set_clock_offset(&g_fp, 0xFFFFFFFFU - 1000U - 5U); /* wrap 6 ms ahead */
    (void)fp_add(&g_fp, FP_NOW, 1U, FP_JUMP, 0, 100U);
    (void)fp_add(&g_fp, FP_NOW, 3U, FP_STALL, 0, 3U);
    SL_CHECK_EQ(f->now_ms(f->ctx), 0xFFFFFFFAU);
    SL_CHECK_EQ(f->now_ms(f->ctx), 94); /* jumped 100 and wrapped */
    sloop_sim_advance(&g_sim, 1U);
    SL_CHECK_EQ(f->now_ms(f->ctx), 95); /* the jump stays */
    sloop_sim_advance(&g_sim, 1U);
    SL_CHECK_EQ(f->now_ms(f->ctx), 95); /* stalled for 3 calls */
    sloop_sim_advance(&g_sim, 1U);
    SL_CHECK_EQ(f->now_ms(f->ctx), 95);
    SL_CHECK_EQ(f->now_ms(f->ctx), 95);
    SL_CHECK_EQ(f->now_ms(f->ctx), 97);
}

SL_TEST(plan_failed_close_still_closes_and_limit)
{
    sloop_sim_peer p = 0U;
    sloop_fd l = SLOOP_FD_INVALID;
    sloop_fd c = sim_pair(&p, &l);
    const sloop_sys *f;
    sloop_fd l2 = SLOOP_FD_INVALID;
    fp_init(&g_fp, S());
    f = fp_sys(&g_fp);
    SL_CHECK_EQ(f->listen(f->ctx, "127.0.0.2", 0U, 1, &l2), SLOOP_SYS_OK);
    (void)fp_add(&g_fp, FP_CLOSE, 0U, FP_FAIL, SLOOP_SYS_EINTR, 0U);
    SL_CHECK_EQ(f->close(f->ctx, l2), SLOOP_SYS_EINTR);
    SL_CHECK_EQ(sloop_sim_fd_closes(&g_sim, 2U), 1); /* released anyway */
    SL_CHECK(fp_fds_all_closed_once(&g_fp));
    SL_CHECK_EQ(f->close(f->ctx, c), SLOOP_SYS_OK); /* not handed out through the plan */
    SL_CHECK(!fp_fds_all_closed_once(&g_fp));
    fp_init(&g_fp, S());
    fp_set_call_limit(&g_fp, 2U);
    (void)f->now_ms(f->ctx);
    (void)f->now_ms(f->ctx);
    SL_CHECK(!g_fp.over_limit);
    SL_CHECK_EQ(f->listen(f->ctx, "127.0.0.3", 0U, 1, &l2), SLOOP_SYS_EOTHER);
    SL_CHECK(g_fp.over_limit);
}

/* ---- The checks catch planted bugs ----------------------------------------------------------------
 * A "mutant" sys table sits between the plan and the sim and breaks one promise
 * the loop relies on or keeps; a scenario run over it must report a violation. */

typedef enum mutant_kind {
    MUT_NONE = 0,
    MUT_LEAK_CLOSE,   /* closing the listener does nothing: a descriptor leaks */
    MUT_DOUBLE_CLOSE, /* the 1st close closes twice */
    MUT_LOSE_BYTES,   /* sendv says it sent everything, delivers one byte less */
    MUT_CORRUPT,      /* sendv flips a bit of the 5th byte */
    MUT_DROP_RX,      /* recv loses the 4th byte it reads */
    MUT_STUCK_SEND    /* after the 2nd sendv, every sendv says EAGAIN */
} mutant_kind;

static mutant_kind g_mut;
static uint32_t g_mut_n;      /* bytes received (MUT_DROP_RX) */
static uint32_t g_mut_sends;
static uint32_t g_mut_closes;
static sloop_sys g_mut_sys;

static uint32_t mut_now(void *ctx) { (void)ctx; return S()->now_ms(S()->ctx); }
static int mut_listen(void *ctx, const char *a, uint16_t port, int bl, sloop_fd *out)
{
    (void)ctx;
    return S()->listen(S()->ctx, a, port, bl, out);
}
static int mut_local_port(void *ctx, sloop_fd fd, uint16_t *port)
{
    (void)ctx;
    return S()->local_port(S()->ctx, fd, port);
}
static int mut_accept(void *ctx, sloop_fd l, sloop_fd *out)
{
    (void)ctx;
    return S()->accept(S()->ctx, l, out);
}
static int mut_connect(void *ctx, const char *a, uint16_t port, sloop_fd *out)
{
    (void)ctx;
    return S()->connect(S()->ctx, a, port, out);
}
static int mut_connect_result(void *ctx, sloop_fd fd)
{
    (void)ctx;
    return S()->connect_result(S()->ctx, fd);
}
static int mut_poll(void *ctx, sloop_pollfd *fds, uint32_t n, int t, uint32_t *nr)
{
    (void)ctx;
    return S()->poll(S()->ctx, fds, n, t, nr);
}

static int mut_recv(void *ctx, sloop_fd fd, void *buf, size_t len, size_t *got)
{
    int rc;
    (void)ctx;
    rc = S()->recv(S()->ctx, fd, buf, len, got);
    if ((g_mut == MUT_DROP_RX) && (rc == SLOOP_SYS_OK) && (*got > 0U)) {
        uint8_t *b = (uint8_t *)buf;
        size_t i;
        for (i = 0U; i < *got; i++) {
            g_mut_n++;
            if (g_mut_n == 4U) {
                memmove(&b[i], &b[i + 1U], *got - i - 1U);
                (*got)--;
                break;
            }
        }
    }
    return rc;
}

static int mut_sendv(void *ctx, sloop_fd fd, const sloop_iov *iov, uint32_t cnt, size_t *sent)
{
    uint8_t copy[8192];
    sloop_iov one;
    size_t total = 0U;
    uint32_t i;
    int rc;
    (void)ctx;
    g_mut_sends++;
    if ((g_mut == MUT_STUCK_SEND) && (g_mut_sends > 2U)) {
        return SLOOP_SYS_EAGAIN;
    }
    if ((g_mut != MUT_LOSE_BYTES) && (g_mut != MUT_CORRUPT)) {
        return S()->sendv(S()->ctx, fd, iov, cnt, sent);
    }
    for (i = 0U; i < cnt; i++) {
        if (total + iov[i].len > sizeof copy) {
            return S()->sendv(S()->ctx, fd, iov, cnt, sent);
        }
        memcpy(&copy[total], iov[i].base, iov[i].len);
        total += iov[i].len;
    }
    one.base = copy;
    one.len = total;
    if ((g_mut == MUT_CORRUPT) && (g_mut_sends >= 2U) && (total >= 5U)) {
        copy[4] ^= 0x01U; /* not in the first send: that one names the handle */
        g_mut = MUT_NONE;
    }
    if ((g_mut == MUT_LOSE_BYTES) && (total >= 2U)) {
        one.len = total - 1U;
        rc = S()->sendv(S()->ctx, fd, &one, 1U, sent);
        if ((rc == SLOOP_SYS_OK) && (*sent == total - 1U)) {
            *sent = total; /* the lie */
        }
        g_mut = MUT_NONE;
        return rc;
    }
    return S()->sendv(S()->ctx, fd, &one, 1U, sent);
}

static int mut_close(void *ctx, sloop_fd fd)
{
    (void)ctx;
    g_mut_closes++;
    if ((g_mut == MUT_LEAK_CLOSE) && (fd == (sloop_fd)SLOOP_SIM_FD_BASE)) {
        return SLOOP_SYS_OK;
    }
    if ((g_mut == MUT_DOUBLE_CLOSE) && (g_mut_closes == 1U)) {
        (void)S()->close(S()->ctx, fd);
    }
    return S()->close(S()->ctx, fd);
}

/* Runs sc over the mutant; returns the number of violations reported. */
static uint32_t run_mutant(mutant_kind kind, void (*sc)(world *w))
{
    sloop_options o;
    (void)sloop_sim_init(&g_sim, 1000U);
    g_mut = kind;
    g_mut_n = 0U;
    g_mut_sends = 0U;
    g_mut_closes = 0U;
    g_mut_sys.ctx = NULL;
    g_mut_sys.now_ms = mut_now;
    g_mut_sys.listen = mut_listen;
    g_mut_sys.local_port = mut_local_port;
    g_mut_sys.accept = mut_accept;
    g_mut_sys.connect = mut_connect;
    g_mut_sys.connect_result = mut_connect_result;
    g_mut_sys.recv = mut_recv;
    g_mut_sys.sendv = mut_sendv;
    g_mut_sys.close = mut_close;
    g_mut_sys.poll = mut_poll;
    g_mut_sys.epoll_create = NULL;
    g_mut_sys.epoll_ctl = NULL;
    g_mut_sys.epoll_wait = NULL;
    fp_init(&g_fp, &g_mut_sys);
    fp_set_call_limit(&g_fp, 100000U);
    w_init(&g_w, &g_loop, &g_sim, &g_fp, false);
    o.backend = SIM_BACKEND;
    o.sys = fp_sys(&g_fp);
    if (sloop_init(&g_loop, &o) != SLOOP_OK) {
        return 1000U;
    }
    sc(&g_w);
    w_finish(&g_w);
    return g_w.violations;
}

SL_TEST(checks_pass_without_a_mutant)
{
    SL_CHECK_EQ(run_mutant(MUT_NONE, sc_echo), 0);
    SL_CHECK_EQ(run_mutant(MUT_NONE, sc_many), 0);
}

SL_TEST(checks_catch_a_leaked_descriptor)
{
    SL_CHECK(run_mutant(MUT_LEAK_CLOSE, sc_many) > 0U);
    printf("    (caught: %s)\n", g_w.first);
    SL_CHECK(strstr(g_w.first, "descriptors") != NULL);
}

SL_TEST(checks_catch_a_double_close)
{
    SL_CHECK(run_mutant(MUT_DOUBLE_CLOSE, sc_echo) > 0U);
    SL_CHECK(strstr(g_w.first, "descriptors") != NULL);
}

SL_TEST(checks_catch_lost_bytes)
{
    SL_CHECK(run_mutant(MUT_LOSE_BYTES, sc_echo) > 0U);
}

SL_TEST(checks_catch_corrupted_bytes)
{
    SL_CHECK(run_mutant(MUT_CORRUPT, sc_echo) > 0U);
    printf("    (caught: %s)\n", g_w.first);
    SL_CHECK(strstr(g_w.first, "not a prefix") != NULL);
}

SL_TEST(checks_catch_a_byte_lost_on_receive)
{
    SL_CHECK(run_mutant(MUT_DROP_RX, sc_echo) > 0U);
}

SL_TEST(checks_catch_a_run_that_never_ends)
{
    SL_CHECK(run_mutant(MUT_STUCK_SEND, sc_echo) > 0U);
    SL_CHECK(strstr(g_w.first, "did not come to rest") != NULL);
}

static sloop_conn g_stale;

SL_TEST(checks_catch_a_callback_for_a_closed_handle)
{
    SL_CHECK_EQ(run_mutant(MUT_NONE, sc_echo), 0);
    /* Replay a callback for the connection that closed, as a buggy loop would. */
    g_stale.id = g_w.rec[0].id;
    g_stale.gen = g_w.rec[0].gen;
    g_w.loop = &g_loop;
    g_w.handler.on_frame(&g_loop, g_stale, (const uint8_t *)"Dx", 2U, &g_w);
    SL_CHECK(g_w.violations > 0U);
    SL_CHECK(strstr(g_w.first, "closed or unknown") != NULL);
    g_w.violations = 0U;
    g_w.handler.on_close(&g_loop, g_stale, SLOOP_CLOSE_PEER, &g_w);
    SL_CHECK(g_w.violations > 0U);
}

SL_TEST(checks_catch_wrong_expectations)
{
    /* The fault-free expectations are live: a world that is told the run is
     * strict, over a mutant that makes the peer miss its echoes, fails them. */
    sloop_options o;
    (void)sloop_sim_init(&g_sim, 1000U);
    g_mut = MUT_STUCK_SEND;
    g_mut_n = 0U;
    g_mut_sends = 0U;
    g_mut_closes = 0U;
    fp_init(&g_fp, &g_mut_sys);
    w_init(&g_w, &g_loop, &g_sim, &g_fp, true);
    o.backend = SIM_BACKEND;
    o.sys = fp_sys(&g_fp);
    SL_CHECK_EQ(sloop_init(&g_loop, &o), SLOOP_OK);
    sc_echo(&g_w);
    w_finish(&g_w);
    SL_CHECK(g_w.violations >= 2U);
}

/* ---- Signal watchers, sloop_wake and fork over the sim and the plan --------------------- */

#define SL_CHECK_OK(expr) SL_CHECK_EQ((expr), SLOOP_OK)

static sloop_err sw_init(void)
{
    sloop_options o;
    (void)sloop_sim_init(&g_sim, 1000U);
    fp_init(&g_fp, S());
    o.backend = SIM_BACKEND;
    o.sys = fp_sys(&g_fp);
    return sloop_init(&g_loop, &o);
}

typedef struct sw_rec {
    unsigned wake_calls;
    unsigned wakes_made;  /* sloop_wake calls that returned SLOOP_OK */
    unsigned seen;        /* wakes_made when the last on_wake ran */
    unsigned sig_calls[65];
} sw_rec;

static sw_rec g_sw;

static void sw_on_wake(sloop_loop *loop, void *user)
{
    sw_rec *r = (sw_rec *)user;
    (void)loop;
    r->wake_calls++;
    r->seen = r->wakes_made;
}

static void sw_on_signal(sloop_loop *loop, sloop_signal sig, int signo, void *user)
{
    sw_rec *r = (sw_rec *)user;
    (void)loop;
    (void)sig;
    r->sig_calls[signo]++;
}

static bool sw_wake(void)
{
    bool ok = (sloop_wake(&g_loop) == SLOOP_OK);
    g_sw.wakes_made += ok ? 1U : 0U;
    return ok;
}

SL_TEST(sim_wake_and_signal_channels)
{
    sloop_fd rd = SLOOP_FD_INVALID;
    sloop_fd wr = SLOOP_FD_INVALID;
    sloop_fd sf = SLOOP_FD_INVALID;
    uint64_t got = 0U;
    uint32_t n = 0U;
    uint16_t port = 0U;
    SL_CHECK(sloop_sim_init(&g_sim, 100U));
    SL_CHECK_EQ(S()->wake_open(S()->ctx, &rd, &wr), SLOOP_SYS_OK);
    SL_CHECK_EQ(rd, wr);
    SL_CHECK_EQ(revents_of(rd, POLLIN, 0, &n), 0);
    SL_CHECK_EQ(S()->wake_drain(S()->ctx, rd), SLOOP_SYS_EAGAIN);
    SL_CHECK_EQ(S()->wake_signal(S()->ctx, wr), SLOOP_SYS_OK);
    SL_CHECK_EQ(S()->wake_signal(S()->ctx, wr), SLOOP_SYS_OK);
    SL_CHECK_EQ(revents_of(rd, POLLIN, 0, &n), POLLIN);
    SL_CHECK_EQ(S()->wake_drain(S()->ctx, rd), SLOOP_SYS_OK);
    SL_CHECK_EQ(revents_of(rd, POLLIN, 0, &n), 0);
    SL_CHECK_EQ(S()->local_port(S()->ctx, rd, &port), SLOOP_SYS_EINVAL);
    SL_CHECK_EQ(S()->signal_open(S()->ctx, &sf), SLOOP_SYS_OK);
    SL_CHECK_EQ(S()->wake_signal(S()->ctx, sf), SLOOP_SYS_EBADF); /* not a wake channel */
    sloop_sim_raise_signal(&g_sim, 15);
    sloop_sim_raise_signal(&g_sim, 15);
    sloop_sim_raise_signal(&g_sim, 0);  /* ignored */
    sloop_sim_raise_signal(&g_sim, 65); /* ignored */
    SL_CHECK_EQ(revents_of(sf, POLLIN, 0, &n), 0); /* not in the mask yet: stays pending */
    SL_CHECK_EQ(S()->signal_read(S()->ctx, sf, &got), SLOOP_SYS_EAGAIN);
    SL_CHECK_EQ(S()->signal_set(S()->ctx, sf, 0U, (uint64_t)1U << 14), SLOOP_SYS_OK);
    SL_CHECK_EQ(revents_of(sf, POLLIN, 0, &n), POLLIN);
    SL_CHECK_EQ(S()->signal_read(S()->ctx, sf, &got), SLOOP_SYS_OK);
    SL_CHECK_EQ(got, (uint64_t)1U << 14);
    SL_CHECK_EQ(S()->signal_read(S()->ctx, sf, &got), SLOOP_SYS_EAGAIN);
    SL_CHECK_EQ(sloop_sim_stats_get(&g_sim)->signals_raised, 2);
    SL_CHECK_EQ(sloop_sim_stats_get(&g_sim)->signals_read, 1); /* coalesced */
    SL_CHECK_EQ(S()->close(S()->ctx, rd), SLOOP_SYS_OK);
    SL_CHECK_EQ(S()->close(S()->ctx, sf), SLOOP_SYS_OK);
    SL_CHECK_EQ(S()->wake_signal(S()->ctx, wr), SLOOP_SYS_EBADF);
    SL_CHECK(sloop_sim_all_closed_once(&g_sim) == false); /* the EBADF above counted */
}

/* The loop over the sim: signals coalesce per read, never more calls than
 * arrivals, one channel for every watcher, gone with the last. */
SL_TEST(loop_signals_over_sim)
{
    sloop_signal a;
    sloop_signal b;
    memset(&g_sw, 0, sizeof g_sw);
    SL_CHECK_OK(sw_init());
    SL_CHECK_EQ(sloop_signal_start(&g_loop, 15, sw_on_signal, &g_sw, NULL), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_signal_start(&g_loop, 15, NULL, &g_sw, &a), SLOOP_EINVAL);
    SL_CHECK_OK(sloop_signal_start(&g_loop, 15, sw_on_signal, &g_sw, &a));
    SL_CHECK_OK(sloop_signal_start(&g_loop, 1, sw_on_signal, &g_sw, &b));
    SL_CHECK_EQ(g_fp.calls[FP_SIGNAL_OPEN], 1); /* one channel */
    sloop_sim_raise_signal(&g_sim, 15);
    sloop_sim_raise_signal(&g_sim, 15);
    sloop_sim_raise_signal(&g_sim, 1);
    sloop_sim_raise_signal(&g_sim, 2); /* not watched: never a call */
    SL_CHECK_OK(sloop_run_once(&g_loop, 10));
    SL_CHECK_EQ(g_sw.sig_calls[15], 1);
    SL_CHECK_EQ(g_sw.sig_calls[1], 1);
    SL_CHECK_EQ(g_sw.sig_calls[2], 0);
    SL_CHECK_OK(sloop_run_once(&g_loop, 10));
    SL_CHECK_EQ(g_sw.sig_calls[15], 1);
    SL_CHECK_OK(sloop_signal_stop(&g_loop, a));
    SL_CHECK_EQ(sloop_signal_stop(&g_loop, a), SLOOP_ESTALE);
    SL_CHECK(g_loop.signal_reg.fd != SLOOP_FD_INVALID);
    SL_CHECK_OK(sloop_signal_stop(&g_loop, b));
    SL_CHECK(g_loop.signal_reg.fd == SLOOP_FD_INVALID);
    SL_CHECK_EQ(sloop_sim_fds_open(&g_sim), 0);
    SL_CHECK_OK(sloop_close(&g_loop));
    SL_CHECK(sloop_sim_all_closed_once(&g_sim));
    SL_CHECK(fp_fds_all_closed_once(&g_fp));
}

/* The OS refuses: signalfd creation fails -> SLOOP_ESYS with the reason in
 * sloop_last_sys_error and nothing left open; the mask is refused -> the
 * channel opened for it is closed again; a full table -> SLOOP_ELIMIT. */
SL_TEST(loop_signal_start_failures)
{
    sloop_signal h[SLOOP_MAX_SIGNALS + 1U];
    uint32_t i;
    memset(&g_sw, 0, sizeof g_sw);
    SL_CHECK_OK(sw_init());
    (void)fp_add(&g_fp, FP_SIGNAL_OPEN, 0U, FP_FAIL, SLOOP_SYS_EMFILE, 0U);
    (void)fp_add(&g_fp, FP_SIGNAL_SET, 0U, FP_FAIL, SLOOP_SYS_EINVAL, 0U);
    SL_CHECK_EQ(sloop_signal_start(&g_loop, 15, sw_on_signal, &g_sw, &h[0]), SLOOP_ESYS);
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), SLOOP_SYS_EMFILE);
    SL_CHECK_EQ(sloop_sim_fds_open(&g_sim), 0);
    SL_CHECK_EQ(sloop_signal_start(&g_loop, 15, sw_on_signal, &g_sw, &h[0]), SLOOP_ESYS);
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), SLOOP_SYS_EINVAL);
    SL_CHECK_EQ(sloop_sim_fds_open(&g_sim), 0); /* opened, refused, closed */
    SL_CHECK_EQ(sloop_slots_open_count(&g_loop.signal_slots), 0);
    for (i = 0U; i < SLOOP_MAX_SIGNALS; i++) {
        SL_CHECK_OK(sloop_signal_start(&g_loop, (int)i + 1, sw_on_signal, &g_sw, &h[i]));
    }
    SL_CHECK_EQ(sloop_signal_start(&g_loop, 64, sw_on_signal, &g_sw, &h[i]), SLOOP_ELIMIT);
    /* A read that fails is retried next iteration: the signal is not lost. */
    (void)fp_add(&g_fp, FP_SIGNAL_READ, 0U, FP_FAIL, SLOOP_SYS_EBADF, 0U);
    sloop_sim_raise_signal(&g_sim, 3);
    SL_CHECK_OK(sloop_run_once(&g_loop, 10));
    SL_CHECK_EQ(g_sw.sig_calls[3], 0);
    SL_CHECK_OK(sloop_run_once(&g_loop, 10));
    SL_CHECK_EQ(g_sw.sig_calls[3], 1);
    /* sloop_close stops them all and closes the channel once. */
    SL_CHECK_OK(sloop_close(&g_loop));
    SL_CHECK(sloop_sim_all_closed_once(&g_sim));
    SL_CHECK_EQ(sloop_signal_start(&g_loop, 3, sw_on_signal, &g_sw, &h[0]), SLOOP_EINVAL);
}

SL_TEST(loop_wake_failures)
{
    memset(&g_sw, 0, sizeof g_sw);
    SL_CHECK_OK(sw_init());
    SL_CHECK_EQ(sloop_wake_stop(&g_loop), SLOOP_ESTATE);
    (void)fp_add(&g_fp, FP_WAKE_OPEN, 0U, FP_FAIL, SLOOP_SYS_ENFILE, 0U);
    SL_CHECK_EQ(sloop_wake_start(&g_loop, sw_on_wake, &g_sw), SLOOP_ESYS);
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), SLOOP_SYS_ENFILE);
    SL_CHECK_EQ(sloop_wake(&g_loop), SLOOP_ESTATE);
    SL_CHECK_OK(sloop_wake_start(&g_loop, sw_on_wake, &g_sw));
    SL_CHECK_OK(sloop_wake_start(&g_loop, sw_on_wake, &g_sw)); /* again: same channel */
    SL_CHECK_EQ(g_fp.calls[FP_WAKE_OPEN], 2);
    /* EAGAIN from the write: the channel is full, so readable: fine. */
    (void)fp_add(&g_fp, FP_WAKE_SIGNAL, 0U, FP_FAIL, SLOOP_SYS_EAGAIN, 0U);
    SL_CHECK(sw_wake());
    SL_CHECK_OK(sloop_run_once(&g_loop, 10));
    SL_CHECK_EQ(g_sw.wake_calls, 1);
    /* A write that fails: SLOOP_ESYS, and the next wake writes again. */
    (void)fp_add(&g_fp, FP_WAKE_SIGNAL, 0U, FP_FAIL, SLOOP_SYS_EBADF, 0U);
    SL_CHECK_EQ(sloop_wake(&g_loop), SLOOP_ESYS);
    SL_CHECK(sw_wake());
    SL_CHECK_OK(sloop_run_once(&g_loop, 10));
    SL_CHECK_EQ(g_sw.wake_calls, 2);
    /* A drain that fails: the wake is not lost. */
    (void)fp_add(&g_fp, FP_WAKE_DRAIN, 0U, FP_FAIL, SLOOP_SYS_EAGAIN, 0U);
    SL_CHECK(sw_wake());
    SL_CHECK_OK(sloop_run_once(&g_loop, 10));
    SL_CHECK_EQ(g_sw.wake_calls, 2);
    SL_CHECK_EQ(g_fp.injected, 4); /* with the wake_open failure */
    SL_CHECK_OK(sloop_run_once(&g_loop, 10));
    SL_CHECK_EQ(g_sw.wake_calls, 3);
    SL_CHECK_EQ(g_sw.seen, g_sw.wakes_made);
    SL_CHECK_OK(sloop_wake_stop(&g_loop));
    SL_CHECK_EQ(sloop_sim_fds_open(&g_sim), 0);
    SL_CHECK_OK(sloop_close(&g_loop));
    SL_CHECK(sloop_sim_all_closed_once(&g_sim));
    SL_CHECK(fp_fds_all_closed_once(&g_fp));
}

/* Another thread's wake at every point of the loop's work: before each of its
 * sys calls in turn (the plan's predicate runs just before the call). After
 * the loop comes to rest, on_wake has run after the last wake: none is lost,
 * wherever it falls (between the drain and the clear of the flag, inside the
 * callback, during the wait). A final wake after rest is seen too. */
static uint64_t g_wake_at;

static bool wake_at_call(const fp_call *call, void *user)
{
    (void)user;
    if (call->index == g_wake_at) {
        (void)sw_wake();
    }
    return false; /* never a failure */
}

SL_TEST(loop_wake_interleavings)
{
    uint64_t k;
    uint64_t calls = 0U;
    for (k = 0U; (k == 0U) || (k < calls); k++) {
        uint32_t i;
        memset(&g_sw, 0, sizeof g_sw);
        SL_CHECK_OK(sw_init());
        g_wake_at = k;
        (void)fp_add_pred(&g_fp, FP_ANY, wake_at_call, NULL, SLOOP_SYS_EOTHER, 0U);
        SL_CHECK_OK(sloop_wake_start(&g_loop, sw_on_wake, &g_sw));
        SL_CHECK(sw_wake());
        for (i = 0U; i < 4U; i++) {
            SL_CHECK_OK(sloop_run_once(&g_loop, 10));
            SL_CHECK(sw_wake());
        }
        SL_CHECK_OK(sloop_run_once(&g_loop, 10));
        SL_CHECK_OK(sloop_run_once(&g_loop, 10));
        if (k == 0U) {
            calls = g_fp.total;
        }
        /* A wake injected into the last iteration, after its wait, is seen by
         * the next one: the loop must come to rest with it seen. */
        for (i = 0U; (i < 3U) && (g_sw.seen != g_sw.wakes_made); i++) {
            SL_CHECK_OK(sloop_run_once(&g_loop, 10));
        }
        SL_CHECK(i <= 1U);
        SL_CHECK_EQ(g_sw.seen, g_sw.wakes_made);
        SL_CHECK(g_sw.wake_calls <= g_sw.wakes_made);
        /* the final wake after rest */
        SL_CHECK(sw_wake());
        SL_CHECK_OK(sloop_run_once(&g_loop, 10));
        SL_CHECK_EQ(g_sw.seen, g_sw.wakes_made);
        SL_CHECK_OK(sloop_close(&g_loop));
        SL_CHECK(sloop_sim_all_closed_once(&g_sim));
    }
    SL_CHECK(calls > 20U);
}

/* sloop_fork_reinit over the sim (one process, so it only shows the
 * bookkeeping): the channels are replaced, the old descriptors closed once,
 * and everything keeps working. */
SL_TEST(loop_fork_reinit_replaces_channels)
{
    sloop_signal s;
    sloop_fd old_wake;
    sloop_fd old_sig;
    memset(&g_sw, 0, sizeof g_sw);
    SL_CHECK_OK(sw_init());
    SL_CHECK_OK(sloop_wake_start(&g_loop, sw_on_wake, &g_sw));
    SL_CHECK_OK(sloop_signal_start(&g_loop, 10, sw_on_signal, &g_sw, &s));
    old_wake = g_loop.wake_reg.fd;
    old_sig = g_loop.signal_reg.fd;
    SL_CHECK(sw_wake()); /* pending in the parent's channel: not the child's business */
    SL_CHECK_OK(sloop_fork_reinit(&g_loop));
    SL_CHECK(g_loop.wake_reg.fd != old_wake);
    SL_CHECK(g_loop.signal_reg.fd != old_sig);
    SL_CHECK_EQ(sloop_sim_fd_closes(&g_sim, (uint32_t)(old_wake - SLOOP_SIM_FD_BASE)), 1);
    SL_CHECK_EQ(sloop_sim_fd_closes(&g_sim, (uint32_t)(old_sig - SLOOP_SIM_FD_BASE)), 1);
    SL_CHECK_EQ(sloop_sim_fds_open(&g_sim), 2);
    SL_CHECK(sw_wake());
    sloop_sim_raise_signal(&g_sim, 10);
    SL_CHECK_OK(sloop_run_once(&g_loop, 10));
    SL_CHECK_EQ(g_sw.wake_calls, 1);
    SL_CHECK_EQ(g_sw.sig_calls[10], 1);
    /* A failure: the channel cannot be replaced; the loop says so, and closes cleanly. */
    (void)fp_add(&g_fp, FP_WAKE_OPEN, 0U, FP_FAIL, SLOOP_SYS_EMFILE, 0U);
    SL_CHECK_EQ(sloop_fork_reinit(&g_loop), SLOOP_ESYS);
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), SLOOP_SYS_EMFILE);
    SL_CHECK_EQ(sloop_wake(&g_loop), SLOOP_ESTATE);
    SL_CHECK_OK(sloop_close(&g_loop));
    SL_CHECK(sloop_sim_all_closed_once(&g_sim));
    SL_CHECK(fp_fds_all_closed_once(&g_fp));
}

/* ---- The first reason stands: an abort, then a refused connect in the same batch ---- */

static sloop_conn g_ab_conn;
static sloop_err g_ab_result;
static unsigned g_ab_closes;
static unsigned g_ab_opens;
static sloop_close_reason g_ab_reason;

static void ab_on_signal(sloop_loop *loop, sloop_signal sig, int signo, void *user)
{
    (void)sig;
    (void)signo;
    (void)user;
    g_ab_result = sloop_conn_abort(loop, g_ab_conn);
}

static void ab_on_open(sloop_loop *loop, sloop_conn c, void *user)
{
    (void)loop;
    (void)c;
    (void)user;
    g_ab_opens++;
}

static void ab_on_close(sloop_loop *loop, sloop_conn c, sloop_close_reason reason, void *user)
{
    (void)loop;
    (void)c;
    (void)user;
    g_ab_closes++;
    g_ab_reason = reason;
}

static const sloop_handler g_ab_handler = { ab_on_open, NULL, NULL, ab_on_close };

/* The signal channel is registered before the outgoing connection, so when the
 * signal and the refusal come in one wait, the signal's callback runs first
 * and aborts the connection that is still connecting. The abort returned
 * SLOOP_OK: on_close says ABORT, not CONNECT_FAILED, and no on_open. */
SL_TEST(loop_abort_then_refused_connect_in_same_batch_closes_as_abort)
{
    sloop_conn_options co;
    sloop_signal sig;
    g_ab_result = SLOOP_EINVAL;
    g_ab_closes = 0U;
    g_ab_opens = 0U;
    SL_CHECK_OK(sw_init());
    SL_CHECK(sloop_sim_remote_add(&g_sim, "10.0.0.2", 80U, SLOOP_SIM_REFUSE, 50U));
    SL_CHECK_OK(sloop_signal_start(&g_loop, 15, ab_on_signal, NULL, &sig));
    memset(&co, 0, sizeof co);
    co.framing.mode = SLOOP_FRAME_LENGTH;
    co.framing.header_size = 2U;
    co.framing.max_payload = SLOOP_MAX_FRAME;
    SL_CHECK_OK(sloop_connect(&g_loop, "10.0.0.2", 80U, &co, &g_ab_handler, NULL, &g_ab_conn));
    SL_CHECK_OK(sloop_run_once(&g_loop, 0)); /* nothing ready yet */
    SL_CHECK_EQ(g_ab_closes, 0);
    sloop_sim_advance(&g_sim, 50U); /* the refusal is due */
    sloop_sim_raise_signal(&g_sim, 15);
    SL_CHECK_OK(sloop_run_once(&g_loop, 0)); /* one wait: the signal, then the refusal */
    SL_CHECK_EQ(g_ab_result, SLOOP_OK);
    SL_CHECK_EQ(g_ab_closes, 1);
    SL_CHECK_EQ(g_ab_reason, SLOOP_CLOSE_ABORT);
    SL_CHECK_EQ(g_ab_opens, 0);
    SL_CHECK_OK(sloop_signal_stop(&g_loop, sig));
    SL_CHECK_OK(sloop_close(&g_loop));
    SL_CHECK(sloop_sim_all_closed_once(&g_sim));
    SL_CHECK(fp_fds_all_closed_once(&g_fp));
}

static const sl_test tests[] = {
    SL_ENTRY(sim_init_checks_size),
    SL_ENTRY(sim_listen_accept_close_accounting),
    SL_ENTRY(sim_recv_short_eof_reset),
    SL_ENTRY(sim_send_window_and_epipe),
    SL_ENTRY(sim_clock_moves_only_when_idle),
    SL_ENTRY(sim_outgoing_connects),
    SL_ENTRY(sim_fd_limit_and_listener_close),
    SL_ENTRY(plan_nth_call_and_counts),
    SL_ENTRY(plan_short_counts),
    SL_ENTRY(plan_clock_jump_stall_wrap),
    SL_ENTRY(plan_failed_close_still_closes_and_limit),
    SL_ENTRY(checks_pass_without_a_mutant),
    SL_ENTRY(checks_catch_a_leaked_descriptor),
    SL_ENTRY(checks_catch_a_double_close),
    SL_ENTRY(checks_catch_lost_bytes),
    SL_ENTRY(checks_catch_corrupted_bytes),
    SL_ENTRY(checks_catch_a_byte_lost_on_receive),
    SL_ENTRY(checks_catch_a_run_that_never_ends),
    SL_ENTRY(checks_catch_a_callback_for_a_closed_handle),
    SL_ENTRY(checks_catch_wrong_expectations),
    SL_ENTRY(sim_wake_and_signal_channels),
    SL_ENTRY(loop_signals_over_sim),
    SL_ENTRY(loop_signal_start_failures),
    SL_ENTRY(loop_wake_failures),
    SL_ENTRY(loop_wake_interleavings),
    SL_ENTRY(loop_fork_reinit_replaces_channels),
    SL_ENTRY(loop_abort_then_refused_connect_in_same_batch_closes_as_abort),
};

int main(int argc, char **argv)
{
    return sl_main("sim", tests, SL_COUNT(tests), argc, argv);
}
