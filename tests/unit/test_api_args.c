/*
 * test_api_args.c - "bad arguments get SLOOP_EINVAL, never undefined behaviour"
 * (DESIGN.md), for every public function of the loop and of the simulation, and
 * "never trust a sys table": a table that returns unknown error codes or claims to
 * have moved more bytes than it was given must not make the loop index or copy out
 * of bounds.
 *
 * Runs over the simulation (no sockets), with the poll backend (WSAPoll on
 * Windows), against the default sloop_config.h, the amalgamation or the library.
 */
#include "harness.h"
#include "sloop.h"
#ifndef SLOOP_SIM_H
#include "sloop_sim.h" /* the amalgamated sloop.h already has it */
#endif

#include <stdint.h>

#if defined(_WIN32)
#define ARGS_BACKEND SLOOP_BACKEND_WSAPOLL
#define ARGS_MISSING SLOOP_BACKEND_POLL
#else
#define ARGS_BACKEND SLOOP_BACKEND_POLL
#define ARGS_MISSING SLOOP_BACKEND_WSAPOLL
#endif

/* The descriptor type of a pollfd entry (a SOCKET on Windows). */
#if defined(_WIN32)
typedef SOCKET sloop__native_fd_for_test;
#else
typedef int sloop__native_fd_for_test;
#endif

static sloop_sim g_sim;
static sloop_sim g_cold_sim; /* never initialised */
static sloop_loop g_loop;
static sloop_loop g_cold;    /* never initialised */

static void on_open(sloop_loop *loop, sloop_conn c, void *user)
{
    (void)loop;
    (void)c;
    (void)user;
}
static void on_close(sloop_loop *loop, sloop_conn c, sloop_close_reason r, void *user)
{
    (void)loop;
    (void)c;
    (void)r;
    (void)user;
}
static void on_timer(sloop_loop *loop, sloop_timer t, void *user)
{
    (void)loop;
    (void)t;
    (void)user;
}
static void on_watch(sloop_loop *loop, sloop_watch w, sloop_fd fd, unsigned ev, void *user)
{
    (void)loop;
    (void)w;
    (void)fd;
    (void)ev;
    (void)user;
}
static const sloop_handler g_handler = { on_open, NULL, NULL, on_close };

static sloop_conn_options lf_opts(void)
{
    sloop_conn_options o;
    memset(&o, 0, sizeof o);
    o.framing.mode = SLOOP_FRAME_LENGTH;
    o.framing.header_size = 2U;
    o.framing.max_payload = 64U;
    return o;
}

static bool start(const sloop_sys *sys)
{
    sloop_options o;
    o.backend = ARGS_BACKEND;
    o.sys = sys;
    return sloop_init(&g_loop, &o) == SLOOP_OK;
}

/* ---- the loop's API on a NULL or never initialised loop --------------------------- */

SL_TEST(loop_api_refuses_null_and_cold_loops)
{
    sloop_loop *loops[2] = { NULL, &g_cold };
    sloop_conn_options co = lf_opts();
    sloop_listen_options lo;
    sloop_counters k;
    uint32_t i;
    memset(&lo, 0, sizeof lo);
    lo.conn = co;
    lo.handler = &g_handler;
    memset(&k, 0x5A, sizeof k);
    for (i = 0U; i < 2U; i++) {
        sloop_loop *l = loops[i];
        sloop_err stale = (l == NULL) ? SLOOP_EINVAL : SLOOP_ESTALE;
        sloop_conn c = { 0U, 1U };
        sloop_timer t = { 0U, 1U };
        sloop_watch w = { 0U, 1U };
        sloop_listener li = { 0U, 1U };
        uint16_t port = 0U;
        uint32_t q = 0U;
        SL_CHECK_EQ(sloop_close(l), SLOOP_EINVAL);
        SL_CHECK_EQ(sloop_run(l), SLOOP_EINVAL);
        SL_CHECK_EQ(sloop_run_once(l, 0), SLOOP_EINVAL);
        sloop_stop(l);
        SL_CHECK_EQ(sloop_shutdown(l, 10U), SLOOP_EINVAL);
        SL_CHECK_EQ(sloop_now(l), 0U);
        sloop_counters_get(l, &k);
        SL_CHECK_EQ(k.accepts, 0x5A5A5A5A5A5A5A5AULL); /* untouched */
        SL_CHECK_EQ(sloop_backend_in_use(l), SLOOP_BACKEND_DEFAULT);
        SL_CHECK_EQ(sloop_listen(l, &lo, &li), SLOOP_EINVAL);
        SL_CHECK_EQ(sloop_listener_port(l, li, &port), stale);
        SL_CHECK_EQ(sloop_listener_close(l, li), stale);
        SL_CHECK_EQ(sloop_connect(l, "10.0.0.1", 7U, &co, &g_handler, NULL, &c), SLOOP_EINVAL);
        SL_CHECK_EQ(sloop_conn_adopt(l, 5, &co, &g_handler, NULL, &c), SLOOP_EINVAL);
        SL_CHECK_EQ(sloop_send(l, c, "x", 1U), stale);
        SL_CHECK_EQ(sloop_conn_close(l, c), stale);
        SL_CHECK_EQ(sloop_conn_abort(l, c), stale);
        SL_CHECK_EQ(sloop_conn_pause_read(l, c, true), stale);
        SL_CHECK_EQ(sloop_conn_tx_queued(l, c, &q, NULL), stale);
        SL_CHECK(!sloop_conn_valid(l, c));
        SL_CHECK_EQ(sloop_conn_set_user(l, c, NULL), stale);
        SL_CHECK_EQ(sloop_timer_start(l, 1U, 0U, on_timer, NULL, &t), SLOOP_EINVAL);
        SL_CHECK_EQ(sloop_timer_reschedule(l, t, 1U, 0U), stale);
        SL_CHECK_EQ(sloop_timer_stop(l, t), stale);
        SL_CHECK_EQ(sloop_watch_start(l, 5, SLOOP_READABLE, on_watch, NULL, &w), SLOOP_EINVAL);
        SL_CHECK_EQ(sloop_watch_modify(l, w, SLOOP_READABLE), stale);
        SL_CHECK_EQ(sloop_watch_stop(l, w), stale);
    }
    SL_CHECK_EQ(sloop_last_sys_error(NULL), 0);
}

/* ---- init ------------------------------------------------------------------------------- */

SL_TEST(init_refuses_incomplete_sys_tables_and_missing_backends)
{
    sloop_sys s;
    sloop_options o;
    uint32_t i;
    SL_CHECK(sloop_sim_init(&g_sim, 1000U));
    o.backend = ARGS_BACKEND;
    o.sys = &s;
    SL_CHECK_EQ(sloop_init_sized(NULL, &o, sizeof(sloop_loop)), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_init_sized(&g_loop, &o, sizeof(sloop_loop) - 1U), SLOOP_EINVAL);
    /* each of the ten functions missing in turn */
    for (i = 0U; i < 10U; i++) {
        s = *sloop_sim_sys(&g_sim);
        switch (i) {
        case 0U: s.now_ms = NULL; break;
        case 1U: s.listen = NULL; break;
        case 2U: s.local_port = NULL; break;
        case 3U: s.accept = NULL; break;
        case 4U: s.connect = NULL; break;
        case 5U: s.connect_result = NULL; break;
        case 6U: s.recv = NULL; break;
        case 7U: s.sendv = NULL; break;
        case 8U: s.close = NULL; break;
        default: s.poll = NULL; break;
        }
        SL_CHECK_EQ(sloop_init(&g_loop, &o), SLOOP_EINVAL);
    }
    o.sys = sloop_sim_sys(&g_sim);
    o.backend = ARGS_MISSING;
    SL_CHECK_EQ(sloop_init(&g_loop, &o), SLOOP_EBACKEND);
    o.backend = (sloop_backend)42;
    SL_CHECK_EQ(sloop_init(&g_loop, &o), SLOOP_EBACKEND);
#if !defined(_WIN32)
    /* epoll over a table without epoll functions (the simulation) */
    o.backend = SLOOP_BACKEND_EPOLL;
    SL_CHECK_EQ(sloop_init(&g_loop, &o), SLOOP_EBACKEND);
#endif
    SL_CHECK(start(sloop_sim_sys(&g_sim)));
    SL_CHECK_EQ(sloop_backend_in_use(&g_loop), ARGS_BACKEND);
    SL_CHECK_EQ(sloop_close(&g_loop), SLOOP_OK);
    SL_CHECK(sloop_sim_all_closed_once(&g_sim));
}

/* ---- bad arguments on a live loop ------------------------------------------------------------ */

SL_TEST(live_loop_refuses_bad_arguments)
{
    sloop_conn_options co = lf_opts();
    sloop_conn_options bad;
    sloop_listen_options lo;
    sloop_listener li;
    sloop_conn c;
    sloop_timer t;
    sloop_watch w;
    uint32_t i;
    SL_CHECK(sloop_sim_init(&g_sim, 1000U));
    SL_CHECK(start(sloop_sim_sys(&g_sim)));
    memset(&lo, 0, sizeof lo);
    lo.conn = co;
    lo.handler = &g_handler;
    SL_CHECK_EQ(sloop_listen(&g_loop, NULL, &li), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_listen(&g_loop, &lo, NULL), SLOOP_EINVAL);
    lo.handler = NULL;
    SL_CHECK_EQ(sloop_listen(&g_loop, &lo, &li), SLOOP_EINVAL);
    lo.handler = &g_handler;
    lo.backlog = -1;
    SL_CHECK_EQ(sloop_listen(&g_loop, &lo, &li), SLOOP_EINVAL);
    lo.backlog = 0;
    /* every option out of range, one at a time */
    for (i = 0U; i < 5U; i++) {
        bad = co;
        switch (i) {
        case 0U: bad.framing.max_payload = SLOOP_MAX_FRAME + 1U; break;
        case 1U: bad.idle_timeout_ms = SLOOP_TICK_MAX_DELAY + 1U; break;
        case 2U: bad.frame_timeout_ms = SLOOP_TICK_MAX_DELAY + 1U; break;
        case 3U: bad.linger_ms = SLOOP_TICK_MAX_DELAY + 1U; break;
        default: bad.connect_timeout_ms = SLOOP_TICK_MAX_DELAY + 1U; break;
        }
        lo.conn = bad;
        SL_CHECK_EQ(sloop_listen(&g_loop, &lo, &li), SLOOP_EINVAL);
        SL_CHECK_EQ(sloop_connect(&g_loop, "10.0.0.1", 7U, &bad, &g_handler, NULL, &c), SLOOP_EINVAL);
        SL_CHECK_EQ(sloop_conn_adopt(&g_loop, 5, &bad, &g_handler, NULL, &c), SLOOP_EINVAL);
    }
    SL_CHECK_EQ(sloop_connect(&g_loop, "10.0.0.1", 7U, NULL, &g_handler, NULL, &c), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_connect(&g_loop, "10.0.0.1", 7U, &co, NULL, NULL, &c), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_connect(&g_loop, "10.0.0.1", 7U, &co, &g_handler, NULL, NULL), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_connect(&g_loop, NULL, 7U, &co, &g_handler, NULL, &c), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_connect(&g_loop, "10.0.0.1", 0U, &co, &g_handler, NULL, &c), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_connect(&g_loop, "not an address", 7U, &co, &g_handler, NULL, &c),
                SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_conn_adopt(&g_loop, SLOOP_FD_INVALID, &co, &g_handler, NULL, &c),
                SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_timer_start(&g_loop, 1U, 0U, NULL, NULL, &t), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_timer_start(&g_loop, 1U, 0U, on_timer, NULL, NULL), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_timer_start(&g_loop, SLOOP_TICK_MAX_DELAY + 1U, 0U, on_timer, NULL, &t),
                SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_timer_start(&g_loop, 1U, SLOOP_TICK_MAX_DELAY + 1U, on_timer, NULL, &t),
                SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_watch_start(&g_loop, SLOOP_FD_INVALID, SLOOP_READABLE, on_watch, NULL, &w),
                SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_watch_start(&g_loop, 5, SLOOP_READABLE, NULL, NULL, &w), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_watch_start(&g_loop, 5, SLOOP_READABLE, on_watch, NULL, NULL), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_watch_start(&g_loop, 5, 8U, on_watch, NULL, &w), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_listener_port(&g_loop, li, NULL), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_shutdown(&g_loop, SLOOP_TICK_MAX_DELAY + 1U), SLOOP_EINVAL);
    /* a timer handle is not a user timer handle when it belongs to a connection */
    SL_CHECK_EQ(sloop_connect(&g_loop, "10.0.0.9", 7U, &co, &g_handler, NULL, &c), SLOOP_OK);
    t.id = 0U; /* the connection's internal timer took the first timer slot */
    t.gen = 1U;
    SL_CHECK_EQ(sloop_timer_stop(&g_loop, t), SLOOP_ESTALE);
    {
        uint32_t q = 1U;
        SL_CHECK_EQ(sloop_conn_tx_queued(&g_loop, c, NULL, NULL), SLOOP_OK);
        SL_CHECK_EQ(sloop_conn_tx_queued(&g_loop, c, &q, NULL), SLOOP_OK);
        SL_CHECK_EQ(q, 0U);
        SL_CHECK_EQ(sloop_send(&g_loop, c, NULL, 3U), SLOOP_EINVAL);
    }
    SL_CHECK_EQ(sloop_close(&g_loop), SLOOP_OK);
    SL_CHECK(sloop_sim_all_closed_once(&g_sim));
}

/* ---- names ------------------------------------------------------------------------------------ */

SL_TEST(names_for_every_value_and_unknown_beyond)
{
    int i;
    for (i = 0; i < (int)SLOOP_ERR_COUNT; i++) {
        SL_CHECK(strcmp(sloop_strerror((sloop_err)i), "unknown error") != 0);
    }
    SL_CHECK(strcmp(sloop_strerror(SLOOP_ERR_COUNT), "unknown error") == 0);
    for (i = 0; i < (int)SLOOP_CLOSE_REASON_COUNT; i++) {
        SL_CHECK(strcmp(sloop_close_reason_name((sloop_close_reason)i), "unknown reason") != 0);
    }
    SL_CHECK(strcmp(sloop_close_reason_name(SLOOP_CLOSE_REASON_COUNT), "unknown reason") == 0);
    for (i = 0; i < (int)SLOOP_SYS_ERR_COUNT; i++) {
        SL_CHECK(strcmp(sloop_sys_strerror(i), "unknown") != 0);
    }
    SL_CHECK(strcmp(sloop_sys_strerror(-1), "unknown") == 0);
    SL_CHECK(strcmp(sloop_sys_strerror((int)SLOOP_SYS_ERR_COUNT), "unknown") == 0);
    SL_CHECK(strcmp(sloop_backend_name(SLOOP_BACKEND_DEFAULT), "default") == 0);
    SL_CHECK(strcmp(sloop_backend_name(SLOOP_BACKEND_POLL), "poll") == 0);
    SL_CHECK(strcmp(sloop_backend_name(SLOOP_BACKEND_EPOLL), "epoll") == 0);
    SL_CHECK(strcmp(sloop_backend_name(SLOOP_BACKEND_EPOLL_ET), "epoll-et") == 0);
    SL_CHECK(strcmp(sloop_backend_name(SLOOP_BACKEND_WSAPOLL), "wsapoll") == 0);
    SL_CHECK(strcmp(sloop_backend_name((sloop_backend)99), "unknown") == 0);
    for (i = 0; i < (int)SLOOP_SIM_FN_COUNT; i++) {
        SL_CHECK(strcmp(sloop_sim_fn_name((sloop_sim_fn)i), "unknown") != 0);
    }
    SL_CHECK(strcmp(sloop_sim_fn_name(SLOOP_SIM_FN_COUNT), "unknown") == 0);
}

/* ---- a sys table that lies ------------------------------------------------------------------- */

typedef struct liar {
    sloop_sys sys;
    const sloop_sys *inner;
    int listen_code; /* returned by listen instead of calling the sim */
    size_t extra;    /* added to what recv and sendv report */
    uint32_t zero_sends; /* sendv calls that report success with 0 bytes sent */
} liar;

static liar g_liar;

static uint32_t liar_now(void *ctx)
{
    const liar *l = (const liar *)ctx;
    return l->inner->now_ms(l->inner->ctx);
}
static int liar_listen(void *ctx, const char *addr, uint16_t port, int backlog, sloop_fd *out)
{
    const liar *l = (const liar *)ctx;
    return (l->listen_code != 0) ? l->listen_code
                                 : l->inner->listen(l->inner->ctx, addr, port, backlog, out);
}
static int liar_local_port(void *ctx, sloop_fd fd, uint16_t *port)
{
    const liar *l = (const liar *)ctx;
    return l->inner->local_port(l->inner->ctx, fd, port);
}
static int liar_accept(void *ctx, sloop_fd fd, sloop_fd *out)
{
    const liar *l = (const liar *)ctx;
    return l->inner->accept(l->inner->ctx, fd, out);
}
static int liar_connect(void *ctx, const char *addr, uint16_t port, sloop_fd *out)
{
    const liar *l = (const liar *)ctx;
    return l->inner->connect(l->inner->ctx, addr, port, out);
}
static int liar_connect_result(void *ctx, sloop_fd fd)
{
    const liar *l = (const liar *)ctx;
    return l->inner->connect_result(l->inner->ctx, fd);
}
static int liar_recv(void *ctx, sloop_fd fd, void *buf, size_t len, size_t *got)
{
    const liar *l = (const liar *)ctx;
    int rc = l->inner->recv(l->inner->ctx, fd, buf, len, got);
    if ((rc == SLOOP_SYS_OK) && (*got > 0U)) {
        *got += l->extra; /* claims bytes it never wrote */
    }
    return rc;
}
static int liar_sendv(void *ctx, sloop_fd fd, const sloop_iov *iov, uint32_t n, size_t *sent)
{
    liar *l = (liar *)ctx;
    int rc;
    if (l->zero_sends > 0U) {
        l->zero_sends--;
        *sent = 0U; /* "sent nothing", without saying EAGAIN */
        return SLOOP_SYS_OK;
    }
    rc = l->inner->sendv(l->inner->ctx, fd, iov, n, sent);
    if ((rc == SLOOP_SYS_OK) && (*sent > 0U)) {
        *sent += l->extra; /* claims bytes it was never given */
    }
    return rc;
}
static int liar_close(void *ctx, sloop_fd fd)
{
    const liar *l = (const liar *)ctx;
    return l->inner->close(l->inner->ctx, fd);
}
static int liar_poll(void *ctx, sloop_pollfd *fds, uint32_t nfds, int timeout_ms, uint32_t *n)
{
    const liar *l = (const liar *)ctx;
    return l->inner->poll(l->inner->ctx, fds, nfds, timeout_ms, n);
}

static const sloop_sys *liar_init(void)
{
    memset(&g_liar, 0, sizeof g_liar);
    g_liar.inner = sloop_sim_sys(&g_sim);
    g_liar.sys.ctx = &g_liar;
    g_liar.sys.now_ms = liar_now;
    g_liar.sys.listen = liar_listen;
    g_liar.sys.local_port = liar_local_port;
    g_liar.sys.accept = liar_accept;
    g_liar.sys.connect = liar_connect;
    g_liar.sys.connect_result = liar_connect_result;
    g_liar.sys.recv = liar_recv;
    g_liar.sys.sendv = liar_sendv;
    g_liar.sys.close = liar_close;
    g_liar.sys.poll = liar_poll;
    return &g_liar.sys;
}

SL_TEST(unknown_sys_error_codes_are_reported_not_indexed)
{
    sloop_listen_options lo;
    sloop_listener li;
    sloop_counters k;
    uint32_t i;
    uint64_t sum = 0U;
    SL_CHECK(sloop_sim_init(&g_sim, 1000U));
    SL_CHECK(start(liar_init()));
    memset(&lo, 0, sizeof lo);
    lo.conn = lf_opts();
    lo.handler = &g_handler;
    g_liar.listen_code = -3;
    SL_CHECK_EQ(sloop_listen(&g_loop, &lo, &li), SLOOP_ESYS);
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), -3);
    g_liar.listen_code = 1000;
    SL_CHECK_EQ(sloop_listen(&g_loop, &lo, &li), SLOOP_ESYS);
    SL_CHECK_EQ(sloop_last_sys_error(&g_loop), 1000);
    sloop_counters_get(&g_loop, &k);
    for (i = 0U; i < (uint32_t)SLOOP_SYS_ERR_COUNT; i++) {
        sum += k.sys_errors[i];
    }
    SL_CHECK_EQ(sum, 0U); /* not counted under any kind, and nothing out of bounds */
    SL_CHECK_EQ(sloop_close(&g_loop), SLOOP_OK);
}

/* The loop clamps a count above what it asked for (so nothing is read or consumed
 * beyond its buffers); a lie within the request cannot be told from the truth. */
SL_TEST(byte_counts_beyond_the_request_are_not_trusted)
{
    static const uint8_t frame[] = { 'a', 'b', 'c' };
    sloop_listen_options lo;
    sloop_listener li;
    sloop_sim_peer peer = 0U;
    uint16_t port = 0U;
    sloop_counters k;
    uint32_t i;
    uint8_t got[64];
    SL_CHECK(sloop_sim_init(&g_sim, 1000U));
    SL_CHECK(start(liar_init()));
    g_liar.extra = 2U * SLOOP_READ_CHUNK;
    memset(&lo, 0, sizeof lo);
    lo.addr = "127.0.0.1";
    lo.conn = lf_opts();
    lo.conn.framing.mode = SLOOP_FRAME_RAW; /* any bytes are frames */
    lo.handler = &g_handler;
    SL_CHECK_EQ(sloop_listen(&g_loop, &lo, &li), SLOOP_OK);
    SL_CHECK_EQ(sloop_listener_port(&g_loop, li, &port), SLOOP_OK);
    SL_CHECK_EQ(sloop_sim_peer_connect(&g_sim, "127.0.0.1", port, &peer), SLOOP_SYS_OK);
    SL_CHECK_EQ(sloop_sim_peer_write(&g_sim, peer, frame, sizeof frame), sizeof frame);
    for (i = 0U; i < 4U; i++) {
        SL_CHECK_EQ(sloop_run_once(&g_loop, 0), SLOOP_OK);
    }
    sloop_counters_get(&g_loop, &k);
    /* recv claimed more than its buffer holds: taken as the buffer's size */
    SL_CHECK_EQ(k.bytes_in, SLOOP_READ_CHUNK);
    {
        sloop_conn c = { 0U, 1U };
        SL_CHECK_EQ(sloop_send(&g_loop, c, "xy", 2U), SLOOP_OK);
    }
    SL_CHECK_EQ(sloop_run_once(&g_loop, 0), SLOOP_OK);
    sloop_counters_get(&g_loop, &k);
    SL_CHECK_EQ(k.bytes_out, 2U); /* sendv claimed 2 + 8192: counted as the 2 it was given */
    SL_CHECK_EQ(sloop_sim_peer_read(&g_sim, peer, got, sizeof got), 2U);
    SL_CHECK_EQ(sloop_close(&g_loop), SLOOP_OK);
    SL_CHECK(sloop_sim_all_closed_once(&g_sim));
}

/* ---- the simulation's own API ---------------------------------------------------------------- */

SL_TEST(sim_api_refuses_null_cold_and_unknown)
{
    sloop_sim_peer peer = 0U;
    uint8_t buf[8];
    SL_CHECK(!sloop_sim_init_sized(NULL, 0U, sizeof(sloop_sim)));
    SL_CHECK(!sloop_sim_init_sized(&g_sim, 0U, sizeof(sloop_sim) + 1U));
    SL_CHECK(sloop_sim_sys(&g_cold_sim) == NULL);
    SL_CHECK(sloop_sim_sys(NULL) == NULL);
    SL_CHECK_EQ(sloop_sim_now(&g_cold_sim), 0U);
    sloop_sim_advance(&g_cold_sim, 5U);
    sloop_sim_set_idle(&g_cold_sim, NULL, NULL);
    sloop_sim_set_fd_limit(&g_cold_sim, 3U);
    sloop_sim_set_default_limits(&g_cold_sim, 1U, 1U, 1U);
    SL_CHECK(!sloop_sim_remote_add(&g_cold_sim, "10.0.0.1", 7U, SLOOP_SIM_ACCEPT_NOW, 0U));
    SL_CHECK(!sloop_sim_remote_take(&g_cold_sim, "10.0.0.1", 7U, &peer));
    SL_CHECK_EQ(sloop_sim_peer_connect(&g_cold_sim, NULL, 7U, &peer), SLOOP_SYS_EINVAL);
    SL_CHECK(sloop_sim_stats_get(&g_cold_sim) == NULL);
    SL_CHECK_EQ(sloop_sim_peer_count(&g_cold_sim), 0U);
    SL_CHECK_EQ(sloop_sim_fds_handed_out(&g_cold_sim), 0U);
    SL_CHECK_EQ(sloop_sim_fds_open(&g_cold_sim), 0U);
    SL_CHECK_EQ(sloop_sim_fd_closes(&g_cold_sim, 0U), 0U);
    SL_CHECK(!sloop_sim_all_closed_once(&g_cold_sim));
    /* a live world, peers that do not exist */
    SL_CHECK(sloop_sim_init(&g_sim, 0U));
    SL_CHECK_EQ(sloop_sim_peer_write(&g_sim, 3U, "x", 1U), 0U);
    SL_CHECK_EQ(sloop_sim_peer_read(&g_sim, 3U, buf, sizeof buf), 0U);
    SL_CHECK_EQ(sloop_sim_peer_readable(&g_sim, 3U), 0U);
    sloop_sim_peer_shutdown(&g_sim, 3U);
    sloop_sim_peer_close(&g_sim, 3U);
    sloop_sim_peer_reset(&g_sim, 3U);
    sloop_sim_peer_limits(&g_sim, 3U, 1U, 1U, 1U);
    SL_CHECK_EQ(sloop_sim_peer_status(&g_sim, 3U), 0U);
    SL_CHECK_EQ(sloop_sim_peer_moved_to_loop(&g_sim, 3U), 0U);
    SL_CHECK_EQ(sloop_sim_peer_moved_to_peer(&g_sim, 3U), 0U);
    SL_CHECK_EQ(sloop_sim_fd_closes(&g_sim, 0U), 0U);
    /* remotes: bad address, port 0, mode, delay, a full table */
    SL_CHECK(!sloop_sim_remote_add(&g_sim, NULL, 7U, SLOOP_SIM_ACCEPT_NOW, 0U));
    SL_CHECK(!sloop_sim_remote_add(&g_sim, "host.example", 7U, SLOOP_SIM_ACCEPT_NOW, 0U));
    SL_CHECK(!sloop_sim_remote_add(&g_sim, "10.0.0.1", 0U, SLOOP_SIM_ACCEPT_NOW, 0U));
    SL_CHECK(!sloop_sim_remote_add(&g_sim, "10.0.0.1", 7U, (sloop_sim_remote_mode)4, 0U));
    SL_CHECK(!sloop_sim_remote_add(&g_sim, "10.0.0.1", 7U, SLOOP_SIM_ACCEPT,
                                   SLOOP_TICK_MAX_DELAY + 1U));
    {
        uint32_t i;
        for (i = 0U; i < SLOOP_SIM_MAX_REMOTES; i++) {
            SL_CHECK(sloop_sim_remote_add(&g_sim, "FE80::1", (uint16_t)(100U + i),
                                          SLOOP_SIM_ACCEPT_NOW, 0U));
        }
        SL_CHECK(!sloop_sim_remote_add(&g_sim, "fe80::1", 99U, SLOOP_SIM_ACCEPT_NOW, 0U));
    }
    SL_CHECK(!sloop_sim_remote_take(&g_sim, NULL, 100U, &peer));
    SL_CHECK(!sloop_sim_remote_take(&g_sim, "FE80::1", 100U, NULL));
    SL_CHECK(!sloop_sim_remote_take(&g_sim, "FE80::1", 100U, &peer)); /* nothing connected */
    /* addresses: too long, a name */
    {
        char longaddr[SLOOP_SIM_ADDR_LEN + 4U];
        memset(longaddr, '1', sizeof longaddr - 1U);
        longaddr[sizeof longaddr - 1U] = '\0';
        SL_CHECK_EQ(sloop_sim_peer_connect(&g_sim, longaddr, 7U, &peer), SLOOP_SYS_EINVAL);
        SL_CHECK_EQ(sloop_sim_peer_connect(&g_sim, "", 7U, &peer), SLOOP_SYS_EINVAL);
    }
    SL_CHECK_EQ(sloop_sim_peer_connect(&g_sim, "127.0.0.1", 7U, NULL), SLOOP_SYS_EINVAL);
    SL_CHECK_EQ(sloop_sim_peer_connect(&g_sim, NULL, 7U, &peer), SLOOP_SYS_ECONNREFUSED);
}

SL_TEST(sim_sys_table_refuses_bad_descriptors_and_arguments)
{
    const sloop_sys *s;
    sloop_fd lfd = SLOOP_FD_INVALID;
    sloop_fd lfd6 = SLOOP_FD_INVALID;
    sloop_fd cfd = SLOOP_FD_INVALID;
    sloop_fd fd = SLOOP_FD_INVALID;
    sloop_sim_peer peer = 0U;
    uint16_t port = 0U;
    size_t n = 0U;
    uint32_t nready = 0U;
    uint8_t buf[8];
    sloop_iov iov[17];
    sloop_pollfd pfd;
    uint32_t i;
    SL_CHECK(sloop_sim_init(&g_sim, 0U));
    s = sloop_sim_sys(&g_sim);
    /* listen: NULL out, bad address, explicit ports, ports in use, wildcards */
    SL_CHECK_EQ(s->listen(s->ctx, "127.0.0.1", 0U, 1, NULL), SLOOP_SYS_EINVAL);
    SL_CHECK_EQ(s->listen(s->ctx, "a b", 0U, 1, &lfd), SLOOP_SYS_EINVAL);
    SL_CHECK_EQ(s->listen(s->ctx, "127.0.0.1", 5000U, 0, &lfd), SLOOP_SYS_OK);
    SL_CHECK_EQ(s->listen(s->ctx, "::", 5000U, 1, &fd), SLOOP_SYS_EADDRINUSE);
    SL_CHECK_EQ(s->listen(s->ctx, "::", 5001U, 1000, &lfd6), SLOOP_SYS_OK);
    SL_CHECK_EQ(s->listen(s->ctx, "10.1.1.1", 5001U, 1, &fd), SLOOP_SYS_EADDRINUSE);
    SL_CHECK_EQ(sloop_sim_peer_connect(&g_sim, "::1", 5001U, &peer), SLOOP_SYS_OK);
    SL_CHECK_EQ(sloop_sim_peer_connect(&g_sim, "127.0.0.1", 5000U, &peer), SLOOP_SYS_OK);
    SL_CHECK_EQ(sloop_sim_peer_connect(&g_sim, "127.0.0.1", 5000U, &peer), SLOOP_SYS_EAGAIN);
    /* local_port and accept: unknown descriptors, NULL, the wrong kind */
    SL_CHECK_EQ(s->local_port(s->ctx, 99, &port), SLOOP_SYS_EBADF);
    SL_CHECK_EQ(s->local_port(s->ctx, lfd, NULL), SLOOP_SYS_EBADF);
    SL_CHECK_EQ(s->accept(s->ctx, 99, &fd), SLOOP_SYS_EBADF);
    SL_CHECK_EQ(s->accept(s->ctx, lfd, NULL), SLOOP_SYS_EINVAL);
    SL_CHECK_EQ(s->accept(s->ctx, lfd, &cfd), SLOOP_SYS_OK);
    SL_CHECK_EQ(s->local_port(s->ctx, cfd, &port), SLOOP_SYS_OK);
    SL_CHECK_EQ(port, 5000U);
    SL_CHECK_EQ(s->accept(s->ctx, cfd, &fd), SLOOP_SYS_EINVAL);
    /* connect: NULL out, bad address, port 0 */
    SL_CHECK_EQ(s->connect(s->ctx, "10.0.0.1", 7U, NULL), SLOOP_SYS_EINVAL);
    SL_CHECK_EQ(s->connect(s->ctx, "?", 7U, &fd), SLOOP_SYS_EINVAL);
    SL_CHECK_EQ(s->connect(s->ctx, "10.0.0.1", 0U, &fd), SLOOP_SYS_EINPROGRESS);
    SL_CHECK_EQ(s->connect_result(s->ctx, fd), SLOOP_SYS_ECONNREFUSED);
    SL_CHECK_EQ(s->connect_result(s->ctx, 99), SLOOP_SYS_EBADF);
    SL_CHECK_EQ(s->connect_result(s->ctx, lfd), SLOOP_SYS_EINVAL);
    /* recv: unknown, a listener, NULL got, NULL buffer, an empty buffer */
    SL_CHECK_EQ(s->recv(s->ctx, 99, buf, sizeof buf, &n), SLOOP_SYS_EBADF);
    SL_CHECK_EQ(s->recv(s->ctx, lfd, buf, sizeof buf, &n), SLOOP_SYS_EINVAL);
    SL_CHECK_EQ(s->recv(s->ctx, cfd, buf, sizeof buf, NULL), SLOOP_SYS_EINVAL);
    SL_CHECK_EQ(s->recv(s->ctx, cfd, NULL, sizeof buf, &n), SLOOP_SYS_EINVAL);
    SL_CHECK_EQ(s->recv(s->ctx, cfd, NULL, 0U, &n), SLOOP_SYS_OK); /* len 0: end of stream */
    SL_CHECK_EQ(n, 0U);
    SL_CHECK_EQ(s->recv(s->ctx, fd, buf, sizeof buf, &n), SLOOP_SYS_ECONNREFUSED);
    /* sendv: unknown, a listener, NULL sent, too many buffers, NULL iov, a NULL base */
    memset(iov, 0, sizeof iov);
    SL_CHECK_EQ(s->sendv(s->ctx, 99, iov, 1U, &n), SLOOP_SYS_EBADF);
    SL_CHECK_EQ(s->sendv(s->ctx, lfd, iov, 1U, &n), SLOOP_SYS_EINVAL);
    SL_CHECK_EQ(s->sendv(s->ctx, cfd, iov, 1U, NULL), SLOOP_SYS_EINVAL);
    SL_CHECK_EQ(s->sendv(s->ctx, cfd, iov, 17U, &n), SLOOP_SYS_EINVAL);
    SL_CHECK_EQ(s->sendv(s->ctx, cfd, NULL, 1U, &n), SLOOP_SYS_EINVAL);
    iov[0].len = 3U;
    SL_CHECK_EQ(s->sendv(s->ctx, cfd, iov, 1U, &n), SLOOP_SYS_EINVAL);
    iov[0].base = "abc";
    iov[1].base = NULL;
    iov[1].len = 0U;
    SL_CHECK_EQ(s->sendv(s->ctx, cfd, iov, 2U, &n), SLOOP_SYS_OK);
    SL_CHECK_EQ(n, 3U);
    SL_CHECK_EQ(s->sendv(s->ctx, cfd, NULL, 0U, &n), SLOOP_SYS_OK);
    SL_CHECK_EQ(s->sendv(s->ctx, fd, iov, 1U, &n), SLOOP_SYS_ECONNREFUSED);
    /* a window of 0 means the whole buffer; above the buffer, the buffer */
    sloop_sim_peer_limits(&g_sim, 1U, 0U, 0U, SLOOP_SIM_BUF_SIZE + 1U);
    /* poll: NULL nready, NULL array with entries, negative and unknown entries */
    SL_CHECK_EQ(s->poll(s->ctx, &pfd, 1U, 0, NULL), SLOOP_SYS_EINVAL);
    SL_CHECK_EQ(s->poll(s->ctx, NULL, 1U, 0, &nready), SLOOP_SYS_EINVAL);
    SL_CHECK_EQ(s->poll(s->ctx, NULL, 0U, 0, &nready), SLOOP_SYS_OK);
#if defined(_WIN32)
    pfd.fd = INVALID_SOCKET;
#else
    pfd.fd = -1;
#endif
    pfd.events = POLLIN;
    SL_CHECK_EQ(s->poll(s->ctx, &pfd, 1U, 0, &nready), SLOOP_SYS_OK);
    SL_CHECK_EQ(nready, 0U);
    /* close: unknown, twice */
    SL_CHECK_EQ(s->close(s->ctx, 99), SLOOP_SYS_EBADF);
    SL_CHECK_EQ(s->close(s->ctx, fd), SLOOP_SYS_OK);
    SL_CHECK_EQ(s->close(s->ctx, fd), SLOOP_SYS_EBADF);
    SL_CHECK(!sloop_sim_all_closed_once(&g_sim));
    SL_CHECK_EQ(s->close(s->ctx, cfd), SLOOP_SYS_OK);
    SL_CHECK_EQ(s->close(s->ctx, lfd), SLOOP_SYS_OK);
    SL_CHECK_EQ(s->close(s->ctx, lfd6), SLOOP_SYS_OK); /* resets the queued ::1 peer */
    /* the descriptor table runs out: ENFILE, then every listener slot */
    for (i = 0U; i < SLOOP_SIM_MAX_FDS; i++) {
        if (s->listen(s->ctx, "127.0.0.1", 0U, 1, &fd) == SLOOP_SYS_OK) {
            (void)s->close(s->ctx, fd);
        }
    }
    SL_CHECK_EQ(s->listen(s->ctx, "127.0.0.1", 0U, 1, &fd), SLOOP_SYS_ENFILE);
    SL_CHECK(sloop_sim_init(&g_sim, 0U));
    s = sloop_sim_sys(&g_sim);
    for (i = 0U; i < SLOOP_SIM_MAX_LISTENERS; i++) {
        SL_CHECK_EQ(s->listen(s->ctx, "127.0.0.1", 0U, 1, &fd), SLOOP_SYS_OK);
    }
    SL_CHECK_EQ(s->listen(s->ctx, "127.0.0.1", 0U, 1, &fd), SLOOP_SYS_ENOBUFS);
    SL_CHECK_EQ(s->listen(s->ctx, "127.0.0.1", 6000U, 1, &fd), SLOOP_SYS_ENOBUFS);
}

/* sendv may report success with nothing sent: the loop waits for writability and
 * sends the rest then, losing nothing. */
SL_TEST(a_send_of_zero_bytes_is_retried)
{
    sloop_conn_options co = lf_opts();
    sloop_conn c;
    sloop_sim_peer peer = 0U;
    uint8_t got[16];
    uint32_t i;
    SL_CHECK(sloop_sim_init(&g_sim, 1000U));
    SL_CHECK(sloop_sim_remote_add(&g_sim, "10.0.0.4", 7U, SLOOP_SIM_ACCEPT_NOW, 0U));
    SL_CHECK(start(liar_init()));
    g_liar.zero_sends = 1U;
    SL_CHECK_EQ(sloop_connect(&g_loop, "10.0.0.4", 7U, &co, &g_handler, NULL, &c), SLOOP_OK);
    SL_CHECK_EQ(sloop_send(&g_loop, c, "hello", 5U), SLOOP_OK);
    for (i = 0U; i < 4U; i++) {
        SL_CHECK_EQ(sloop_run_once(&g_loop, 0), SLOOP_OK);
    }
    SL_CHECK_EQ(g_liar.zero_sends, 0U);
    SL_CHECK(sloop_sim_remote_take(&g_sim, "10.0.0.4", 7U, &peer));
    SL_CHECK_EQ(sloop_sim_peer_read(&g_sim, peer, got, sizeof got), 7U);
    SL_CHECK_MEM(got, "\0\5hello", 7U);
    SL_CHECK_EQ(sloop_close(&g_loop), SLOOP_OK);
}

/* A handler may leave every callback NULL. */
SL_TEST(a_handler_without_callbacks)
{
    static const sloop_handler none = { NULL, NULL, NULL, NULL };
    sloop_conn_options co = lf_opts();
    sloop_conn c;
    sloop_sim_peer peer = 0U;
    uint8_t buf[64];
    uint32_t i;
    uint32_t q = 1U;
    SL_CHECK(sloop_sim_init(&g_sim, 1000U));
    SL_CHECK(sloop_sim_remote_add(&g_sim, "10.0.0.4", 7U, SLOOP_SIM_ACCEPT_NOW, 0U));
    SL_CHECK(start(sloop_sim_sys(&g_sim)));
    SL_CHECK_EQ(sloop_connect(&g_loop, "10.0.0.4", 7U, &co, &none, NULL, &c), SLOOP_OK);
    SL_CHECK(sloop_sim_remote_take(&g_sim, "10.0.0.4", 7U, &peer));
    sloop_sim_peer_limits(&g_sim, peer, 0U, 0U, 8U); /* a small window: EFULL, then drain */
    memset(buf, 'z', sizeof buf);
    for (i = 0U; (i < 1000U) && (sloop_send(&g_loop, c, buf, sizeof buf) == SLOOP_OK); i++) {
    }
    SL_CHECK(i < 1000U); /* EFULL came: on_writable is due once it drains */
    for (i = 0U; (i < 5000U) && (q > 0U); i++) {
        SL_CHECK_EQ(sloop_run_once(&g_loop, 0), SLOOP_OK);
        (void)sloop_sim_peer_read(&g_sim, peer, buf, sizeof buf);
        SL_CHECK_EQ(sloop_conn_tx_queued(&g_loop, c, &q, NULL), SLOOP_OK);
    }
    SL_CHECK_EQ(q, 0U);
    SL_CHECK_EQ(sloop_run_once(&g_loop, 0), SLOOP_OK); /* on_writable: none */
    SL_CHECK_EQ(sloop_conn_close(&g_loop, c), SLOOP_OK);
    SL_CHECK_EQ(sloop_run_once(&g_loop, 0), SLOOP_OK); /* on_close: none */
    SL_CHECK(!sloop_conn_valid(&g_loop, c));
    SL_CHECK_EQ(sloop_close(&g_loop), SLOOP_OK);
    SL_CHECK(sloop_sim_all_closed_once(&g_sim));
}

/* Nothing armed, no limit: the wait reaches the sys table without a timeout (-1);
 * the simulation reports such a wait as a hang instead of sleeping. */
SL_TEST(an_unbounded_wait_has_no_timeout)
{
    sloop_listen_options lo;
    sloop_listener li;
    SL_CHECK(sloop_sim_init(&g_sim, 1000U));
    SL_CHECK(start(sloop_sim_sys(&g_sim)));
    memset(&lo, 0, sizeof lo);
    lo.conn = lf_opts();
    lo.handler = &g_handler;
    SL_CHECK_EQ(sloop_listen(&g_loop, &lo, &li), SLOOP_OK);
    SL_CHECK_EQ(sloop_run_once(&g_loop, -1), SLOOP_OK);
    SL_CHECK_EQ(sloop_sim_stats_get(&g_sim)->hangs, 1U);
    SL_CHECK_EQ(sloop_close(&g_loop), SLOOP_OK);
}

/* The simulation's corners: long addresses, ports, wildcards, descriptors never
 * handed out or closed, calls on a connection still connecting, peer calls with
 * NULL or oversized buffers. */
SL_TEST(sim_corners)
{
    static uint8_t big[SLOOP_SIM_BUF_SIZE + 16U];
    char addr47[SLOOP_SIM_ADDR_LEN];
    const sloop_sys *s;
    sloop_fd a = SLOOP_FD_INVALID;
    sloop_fd b = SLOOP_FD_INVALID;
    sloop_fd fd = SLOOP_FD_INVALID;
    sloop_fd conn = SLOOP_FD_INVALID;
    sloop_sim_peer peer = 0U;
    sloop_pollfd pfd;
    uint8_t buf[8];
    size_t n = 0U;
    uint32_t nready = 0U;
    SL_CHECK(sloop_sim_init(&g_sim, 0U));
    s = sloop_sim_sys(&g_sim);
    /* the peer API on a world that was never set up */
    SL_CHECK_EQ(sloop_sim_peer_write(&g_cold_sim, 0U, "x", 1U), 0U);
    SL_CHECK_EQ(sloop_sim_peer_read(&g_cold_sim, 0U, buf, sizeof buf), 0U);
    SL_CHECK_EQ(sloop_sim_peer_status(&g_cold_sim, 0U), 0U);
    /* the longest address there is, compared to its last character */
    memset(addr47, '1', sizeof addr47);
    addr47[SLOOP_SIM_ADDR_LEN - 1U] = '\0';
    SL_CHECK_EQ(s->listen(s->ctx, addr47, 4000U, 1, &a), SLOOP_SYS_OK);
    SL_CHECK_EQ(sloop_sim_peer_connect(&g_sim, addr47, 4000U, &peer), SLOOP_SYS_OK);
    /* same port, other specific addresses; then a wildcard on a used port */
    SL_CHECK_EQ(s->listen(s->ctx, "10.0.0.1", 4000U, 1, &b), SLOOP_SYS_OK);
    SL_CHECK_EQ(sloop_sim_peer_connect(&g_sim, "10.0.0.2", 4000U, &peer), SLOOP_SYS_ECONNREFUSED);
    SL_CHECK_EQ(s->listen(s->ctx, "0.0.0.0", 4000U, 1, &fd), SLOOP_SYS_EADDRINUSE);
    SL_CHECK_EQ(s->close(s->ctx, b), SLOOP_SYS_OK);
    /* port 0 skips a port taken explicitly (the first one it would pick) */
    SL_CHECK_EQ(s->listen(s->ctx, "127.0.0.1", 40000U, 1, &b), SLOOP_SYS_OK);
    SL_CHECK_EQ(s->listen(s->ctx, "127.0.0.1", 0U, 1, &fd), SLOOP_SYS_OK);
    {
        uint16_t picked = 0U;
        SL_CHECK_EQ(s->local_port(s->ctx, fd, &picked), SLOOP_SYS_OK);
        SL_CHECK(picked != 40000U);
    }
    SL_CHECK_EQ(s->close(s->ctx, fd), SLOOP_SYS_OK);
    SL_CHECK_EQ(s->close(s->ctx, b), SLOOP_SYS_OK);
    /* a connection: data, a receive of 0 bytes, an oversized length */
    SL_CHECK_EQ(s->accept(s->ctx, a, &conn), SLOOP_SYS_OK);
    SL_CHECK_EQ(sloop_sim_peer_write(&g_sim, peer, NULL, 1U), 0U);
    SL_CHECK_EQ(sloop_sim_peer_write(&g_sim, peer, big, sizeof big), SLOOP_SIM_BUF_SIZE);
    SL_CHECK_EQ(s->recv(s->ctx, conn, buf, 0U, &n), SLOOP_SYS_OK);
    SL_CHECK_EQ(n, 0U);
#if SIZE_MAX > UINT32_MAX
    /* buf is 8 bytes: the peer limit keeps the copy inside it */
    sloop_sim_peer_limits(&g_sim, peer, sizeof buf, 0U, 0U);
    SL_CHECK_EQ(s->recv(s->ctx, conn, buf, (size_t)UINT32_MAX + 1U, &n), SLOOP_SYS_OK);
    SL_CHECK_EQ(n, sizeof buf);
#endif
    SL_CHECK_EQ(sloop_sim_peer_read(&g_sim, peer, NULL, 4U), 0U);
    /* a full window, then the peer closes: writable, so the loop learns of EPIPE */
    sloop_sim_peer_limits(&g_sim, peer, 0U, 0U, 1U);
    SL_CHECK_EQ(s->sendv(s->ctx, conn, NULL, 0U, &n), SLOOP_SYS_OK);
    {
        sloop_iov iov;
        iov.base = "ab";
        iov.len = 2U;
        SL_CHECK_EQ(s->sendv(s->ctx, conn, &iov, 1U, &n), SLOOP_SYS_OK);
        SL_CHECK_EQ(n, 1U);
        SL_CHECK_EQ(sloop_sim_peer_readable(&g_sim, peer), 1U);
        sloop_sim_peer_close(&g_sim, peer);
        pfd.fd = (sloop__native_fd_for_test)conn;
        pfd.events = POLLOUT;
        SL_CHECK_EQ(s->poll(s->ctx, &pfd, 1U, 0, &nready), SLOOP_SYS_OK);
        SL_CHECK((pfd.revents & POLLOUT) != 0);
        SL_CHECK_EQ(s->sendv(s->ctx, conn, &iov, 1U, &n), SLOOP_SYS_EPIPE);
    }
    /* an outgoing connect that never completes: recv and send would block */
    SL_CHECK(sloop_sim_remote_add(&g_sim, "10.0.0.3", 7U, SLOOP_SIM_BLACKHOLE, 0U));
    SL_CHECK_EQ(s->connect(s->ctx, "10.0.0.3", 7U, &fd), SLOOP_SYS_EINPROGRESS);
    SL_CHECK_EQ(s->recv(s->ctx, fd, buf, sizeof buf, &n), SLOOP_SYS_EAGAIN);
    {
        sloop_iov iov;
        iov.base = "ab";
        iov.len = 2U;
        SL_CHECK_EQ(s->sendv(s->ctx, fd, &iov, 1U, &n), SLOOP_SYS_EAGAIN);
    }
    SL_CHECK_EQ(s->close(s->ctx, fd), SLOOP_SYS_OK);
    /* descriptors above those handed out, and one already closed */
    SL_CHECK_EQ(s->recv(s->ctx, (sloop_fd)SLOOP_SIM_FD_BASE + 200, buf, sizeof buf, &n),
                SLOOP_SYS_EBADF);
    pfd.fd = (sloop__native_fd_for_test)((sloop_fd)SLOOP_SIM_FD_BASE + 200);
    pfd.events = POLLIN;
    SL_CHECK_EQ(s->poll(s->ctx, &pfd, 1U, 0, &nready), SLOOP_SYS_OK);
    SL_CHECK((pfd.revents & POLLNVAL) != 0);
    SL_CHECK_EQ(s->close(s->ctx, conn), SLOOP_SYS_OK);
    SL_CHECK(sloop_sim_all_closed_once(&g_sim) == false); /* a is still open */
    SL_CHECK_EQ(s->close(s->ctx, a), SLOOP_SYS_OK);
    SL_CHECK_EQ(sloop_sim_stats_get(&g_sim)->bad_closes, 0U);
    SL_CHECK_EQ(s->recv(s->ctx, conn, buf, sizeof buf, &n), SLOOP_SYS_EBADF);
    SL_CHECK(!sloop_sim_all_closed_once(&g_sim)); /* a use after close, no double close */
}

#if !defined(_WIN32) && !defined(SLOOP_NO_OS)
/* The POSIX table's own argument and error paths, on real descriptors. */
SL_TEST(posix_table_arguments_and_errors)
{
    const sloop_sys *s = sloop_sys_default();
    sloop_fd l4 = SLOOP_FD_INVALID;
    sloop_fd l6 = SLOOP_FD_INVALID;
    sloop_fd fd = SLOOP_FD_INVALID;
    uint16_t port = 0U;
    size_t n = 0U;
    sloop_iov iov[3];
    SL_CHECK_EQ(s->listen(s->ctx, NULL, 0U, 4, &l4), SLOOP_SYS_OK); /* any IPv4 address */
    SL_CHECK_EQ(s->local_port(s->ctx, l4, &port), SLOOP_SYS_OK);
    SL_CHECK(port != 0U);
    SL_CHECK_EQ(s->listen(s->ctx, "127.0.0.1", port, 4, &fd), SLOOP_SYS_EADDRINUSE);
    SL_CHECK_EQ(s->listen(s->ctx, "not an address", 0U, 4, &fd), SLOOP_SYS_EINVAL);
    SL_CHECK_EQ(s->connect(s->ctx, "not an address", port, &fd), SLOOP_SYS_EINVAL);
    if (s->listen(s->ctx, "::1", 0U, 4, &l6) == SLOOP_SYS_OK) { /* IPv6 may be off */
        SL_CHECK_EQ(s->local_port(s->ctx, l6, &port), SLOOP_SYS_OK);
        SL_CHECK(port != 0U);
        SL_CHECK_EQ(s->close(s->ctx, l6), SLOOP_SYS_OK);
    }
    memset(iov, 0, sizeof iov);
    SL_CHECK_EQ(s->sendv(s->ctx, l4, iov, 0U, &n), SLOOP_SYS_EINVAL);
    SL_CHECK_EQ(s->sendv(s->ctx, l4, iov, 3U, &n), SLOOP_SYS_EINVAL);
    SL_CHECK_EQ(s->close(s->ctx, l4), SLOOP_SYS_OK);
    /* l4 is closed now (nothing else in this test opens descriptors) */
    SL_CHECK_EQ(s->close(s->ctx, l4), SLOOP_SYS_EBADF);
    SL_CHECK_EQ(s->local_port(s->ctx, l4, &port), SLOOP_SYS_EBADF);
    SL_CHECK_EQ(s->connect_result(s->ctx, l4), SLOOP_SYS_EBADF);
#if SLOOP_HAVE_EPOLL
    {
        sloop_epoll_event ev[2];
        uint32_t got = 0U;
        SL_CHECK_EQ(s->epoll_wait(s->ctx, l4, ev, 2U, 0, &got), SLOOP_SYS_EBADF);
    }
#endif
}
#endif

static const sl_test tests[] = {
    SL_ENTRY(loop_api_refuses_null_and_cold_loops),
    SL_ENTRY(init_refuses_incomplete_sys_tables_and_missing_backends),
    SL_ENTRY(live_loop_refuses_bad_arguments),
    SL_ENTRY(names_for_every_value_and_unknown_beyond),
    SL_ENTRY(unknown_sys_error_codes_are_reported_not_indexed),
    SL_ENTRY(byte_counts_beyond_the_request_are_not_trusted),
    SL_ENTRY(sim_api_refuses_null_cold_and_unknown),
    SL_ENTRY(sim_sys_table_refuses_bad_descriptors_and_arguments),
    SL_ENTRY(a_send_of_zero_bytes_is_retried),
    SL_ENTRY(a_handler_without_callbacks),
    SL_ENTRY(an_unbounded_wait_has_no_timeout),
    SL_ENTRY(sim_corners),
#if !defined(_WIN32) && !defined(SLOOP_NO_OS)
    SL_ENTRY(posix_table_arguments_and_errors),
#endif
};

int main(int argc, char **argv)
{
    return sl_main("api-args", tests, SL_COUNT(tests), argc, argv);
}
