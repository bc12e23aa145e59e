/*
 * test_api.c - the API's contract at its edges, over loopback.
 *
 * What a user relies on: sloop_send is all-or-nothing (SLOOP_EFULL leaves the
 * queue exactly as it was, the peer only ever sees whole frames) and
 * on_writable says when the queue has drained; sloop_stop from a callback makes
 * sloop_run return; the loop refuses re-entry from callbacks; and every misuse
 * (wrong loop size, unknown backend, NULL, stale or closing handles, bad
 * addresses and options, full tables) gets its documented error, never a crash.
 */
#include <string.h>

#include "itest.h"

static sloop_listener lst;
static uint16_t port;
static it_peer peers[4];

static bool start_server(const sloop_handler *h, void *user)
{
    sloop_listen_options o;
    if (it_init(NULL) != SLOOP_OK) {
        return false;
    }
    it_listen_opts_length(&o, h, user);
    return it_listen(&o, &lst, &port);
}

/* ---- Backpressure ---------------------------------------------------------------------- */

/* 300 frames of 1000 bytes through an 8 KiB ring, to a peer that reads only
 * after the ring first filled: every EFULL left the queue unchanged, each was
 * followed by exactly one on_writable once the ring was empty, and the peer got
 * every frame whole and in order. */
IT_CASE(api_send_full_is_all_or_nothing)
{
    static it_stream st;
    uint32_t got = 0U;
    bool bad = false;
    uint32_t space = 0U;
    sloop_listen_options o;
    it_stream_reset(&st, 1000U, 300U);
    st.close_when_done = true;
    /* Small kernel buffers both ways, so that the 300 KB cannot all be
     * absorbed by the kernel before the peer reads. */
    SL_CHECK_OK(it_init_small_sndbuf());
    it_listen_opts_length(&o, &it_stream_handler, &st);
    SL_CHECK(it_listen(&o, &lst, &port));
    SL_CHECK(it_peer_connect(&peers[0], port, 4096));
    IT_WAIT(st.rec.send_full > 0U, IT_WAIT_MS);
    SL_CHECK(st.next < 300U);
    /* Too big to ever fit is not "full": ETOOBIG, and nothing queued. */
    {
        static uint8_t huge[SLOOP_TX_BUF_SIZE + 1U];
        uint32_t before = 0U;
        uint32_t after = 0U;
        SL_CHECK_OK(sloop_conn_tx_queued(&it_loop, st.rec.last_open, &before, &space));
        SL_CHECK_EQ(sloop_send(&it_loop, st.rec.last_open, huge, (uint32_t)sizeof huge),
                    SLOOP_ETOOBIG);
        SL_CHECK_OK(sloop_conn_tx_queued(&it_loop, st.rec.last_open, &after, NULL));
        SL_CHECK_EQ(after, before);
        SL_CHECK_EQ(before + space, SLOOP_TX_BUF_SIZE);
    }
    IT_WAIT(it_stream_drained(&peers[0], &got, &bad), 4U * IT_WAIT_MS);
    SL_CHECK(!bad);
    SL_CHECK_EQ(got, 300);
    SL_CHECK_EQ(peers[0].total, 300U * 1004U);
    SL_CHECK_EQ(peers[0].state, IT_PEER_EOF);
    IT_WAIT(st.rec.closes == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(st.rec.last_reason, SLOOP_CLOSE_LOCAL);
    SL_CHECK_EQ(st.partial, 0);
    SL_CHECK_EQ(st.writable_early, 0);
    SL_CHECK(st.rec.send_full > 0U);
    SL_CHECK_EQ(st.rec.writables, st.rec.send_full);
    SL_CHECK_EQ(st.rec.send_errors, 0);
    SL_CHECK_EQ(it_ctr().send_full, st.rec.send_full);
    SL_CHECK_EQ(it_ctr().frames_out, 300);
    it_peer_close(&peers[0], false);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

/* ---- Stop and re-entry ------------------------------------------------------------------ */

typedef struct reentry {
    it_rec rec;
    sloop_err run_once_err;
    sloop_err run_err;
    sloop_err close_err;
    bool stop_in_frame;
} reentry;

static bool safety_fired;
static void safety_stop(sloop_loop *loop, sloop_timer t, void *user)
{
    (void)t;
    (void)user;
    safety_fired = true;
    sloop_stop(loop);
}

static void reentry_frame(sloop_loop *loop, sloop_conn conn, const uint8_t *data, uint32_t len,
                          void *user)
{
    reentry *r = (reentry *)user;
    it_cb_live(loop, conn);
    r->rec.frames++;
    r->run_once_err = sloop_run_once(loop, 0);
    r->run_err = sloop_run(loop);
    r->close_err = sloop_close(loop);
    (void)sloop_send(loop, conn, data, len);
    if (r->stop_in_frame) {
        sloop_stop(loop);
    }
}

static void reentry_close(sloop_loop *loop, sloop_conn conn, sloop_close_reason reason,
                          void *user)
{
    reentry *r = (reentry *)user;
    it_cb_closed(loop, conn);
    r->rec.closes++;
    r->rec.last_reason = reason;
}

static const sloop_handler reentry_handler = { NULL, reentry_frame, NULL, reentry_close };

IT_CASE(api_stop_from_callback_and_no_reentry)
{
    static reentry r;
    sloop_timer safety;
    uint8_t wire[8];
    size_t n;
    memset(&r, 0, sizeof r);
    r.stop_in_frame = true;
    safety_fired = false;
    SL_CHECK(start_server(&reentry_handler, &r));
    SL_CHECK(it_peer_connect(&peers[0], port, 0));
    n = it_frame(wire, "stop", 4U);
    SL_CHECK(it_peer_send(&peers[0], wire, n));
    SL_CHECK_OK(sloop_timer_start(&it_loop, 4U * IT_WAIT_MS, 0U, safety_stop, NULL, &safety));
    /* Runs until the frame's callback calls sloop_stop. */
    SL_CHECK_OK(sloop_run(&it_loop));
    SL_CHECK(!safety_fired);
    SL_CHECK_EQ(r.rec.frames, 1);
    SL_CHECK_EQ(r.run_once_err, SLOOP_ESTATE);
    SL_CHECK_EQ(r.run_err, SLOOP_ESTATE);
    SL_CHECK_EQ(r.close_err, SLOOP_ESTATE);
    SL_CHECK_EQ(r.rec.closes, 0); /* stop closes nothing */
    /* The loop is intact: the echo queued in the callback arrives. */
    IT_WAIT(it_peer_has(&peers[0], n), IT_WAIT_MS);
    SL_CHECK_MEM(peers[0].buf, wire, n);
    /* A stop from a timer works too (the safety timer, brought forward). */
    SL_CHECK_OK(sloop_timer_reschedule(&it_loop, safety, 1U, 0U));
    r.stop_in_frame = false;
    SL_CHECK_OK(sloop_run(&it_loop));
    SL_CHECK(safety_fired);
    SL_CHECK_EQ(sloop_timer_stop(&it_loop, safety), SLOOP_ESTALE);
    it_peer_close(&peers[0], false);
    IT_WAIT(r.rec.closes == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(r.rec.last_reason, SLOOP_CLOSE_PEER);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
    /* With nothing left to wait for, sloop_run returns at once (checked
     * first, so that a leftover cannot make the run block). */
    SL_CHECK_EQ(sloop_slots_open_count(&it_loop.conn_slots), 0);
    SL_CHECK_EQ(sloop_slots_open_count(&it_loop.listener_slots), 0);
    SL_CHECK_EQ(it_loop.user_timers, 0);
    SL_CHECK_OK(sloop_run(&it_loop));
}

static void count_timer(sloop_loop *loop, sloop_timer t, void *user)
{
    (void)loop;
    (void)t;
    (*(uint32_t *)user)++;
}

/* A completed shutdown (or any stop) ends the sloop_run in progress and nothing
 * else: an application that drives the loop with sloop_run_once afterwards gets
 * blocking waits again (no busy loop at timeout 0), and a later sloop_run runs
 * until its own stop or until nothing is left. */
IT_CASE(api_stop_request_ends_with_its_iteration)
{
    static it_rec srv;
    sloop_timer t;
    uint32_t fired = 0U;
    uint32_t iterations = 0U;
    it_rec_reset(&srv);
    SL_CHECK(start_server(&it_record_handler, &srv));
    SL_CHECK_OK(sloop_shutdown(&it_loop, 100U));
    /* Nothing to drain: the shutdown completes in this manual iteration. */
    SL_CHECK_OK(sloop_run_once(&it_loop, 0));
    SL_CHECK_EQ(sloop_slots_open_count(&it_loop.listener_slots), 0);
    SL_CHECK_EQ(it_loop.shutting_down, 0);
    /* The next manual iterations wait for the timer instead of polling. */
    SL_CHECK_OK(sloop_timer_start(&it_loop, 30U, 0U, count_timer, &fired, &t));
    while ((fired == 0U) && (iterations < 1000U)) {
        SL_CHECK_OK(sloop_run_once(&it_loop, -1));
        iterations++;
    }
    SL_CHECK_EQ(fired, 1);
    SL_CHECK(iterations <= 3U);
    /* A stop from a callback of a manual iteration does not outlive it either. */
    sloop_stop(&it_loop);
    SL_CHECK_OK(sloop_timer_start(&it_loop, 20U, 0U, count_timer, &fired, &t));
    SL_CHECK_OK(sloop_run_once(&it_loop, 0));
    iterations = 0U;
    while ((fired == 1U) && (iterations < 1000U)) {
        SL_CHECK_OK(sloop_run_once(&it_loop, -1));
        iterations++;
    }
    SL_CHECK_EQ(fired, 2);
    SL_CHECK(iterations <= 3U);
    /* sloop_run after all that runs until its timer fired and nothing is left. */
    SL_CHECK_OK(sloop_timer_start(&it_loop, 10U, 0U, count_timer, &fired, &t));
    SL_CHECK_OK(sloop_run(&it_loop));
    SL_CHECK_EQ(fired, 3);
}

/* ---- Misuse ------------------------------------------------------------------------------ */

static void noop_timer(sloop_loop *loop, sloop_timer t, void *user)
{
    (void)loop;
    (void)t;
    (void)user;
}

static void noop_watch(sloop_loop *loop, sloop_watch w, sloop_fd fd, unsigned events,
                       void *user)
{
    (void)loop;
    (void)w;
    (void)fd;
    (void)events;
    (void)user;
}

IT_CASE(api_init_misuse)
{
    sloop_options o;
    static sloop_sys broken;
    o.sys = NULL;
    o.backend = it_backend;
    /* A loop compiled with another sloop_config.h has another size. */
    SL_CHECK_EQ(sloop_init_sized(&it_loop, &o, sizeof(sloop_loop) - 1U), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_init_sized(&it_loop, &o, sizeof(sloop_loop) + 64U), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_init_sized(NULL, &o, sizeof(sloop_loop)), SLOOP_EINVAL);
    /* Backends that do not exist or are not compiled in. */
    o.backend = (sloop_backend)99;
    SL_CHECK_EQ(sloop_init(&it_loop, &o), SLOOP_EBACKEND);
#if defined(_WIN32)
    o.backend = SLOOP_BACKEND_POLL;
    SL_CHECK_EQ(sloop_init(&it_loop, &o), SLOOP_EBACKEND);
    o.backend = SLOOP_BACKEND_EPOLL;
    SL_CHECK_EQ(sloop_init(&it_loop, &o), SLOOP_EBACKEND);
    o.backend = SLOOP_BACKEND_EPOLL_ET;
    SL_CHECK_EQ(sloop_init(&it_loop, &o), SLOOP_EBACKEND);
#else
    o.backend = SLOOP_BACKEND_WSAPOLL;
    SL_CHECK_EQ(sloop_init(&it_loop, &o), SLOOP_EBACKEND);
#endif
    /* A sys table with a hole. */
    broken = *sloop_sys_default();
    broken.recv = NULL;
    o.backend = it_backend;
    o.sys = &broken;
    SL_CHECK_EQ(sloop_init(&it_loop, &o), SLOOP_EINVAL);
    /* None of these left a loop behind: every call refuses it. */
    SL_CHECK_EQ(sloop_run_once(&it_loop, 0), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_run(&it_loop), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_close(&it_loop), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_shutdown(&it_loop, 10U), SLOOP_EINVAL);
    /* The right size and backend work; NULL options mean the defaults. */
    SL_CHECK_OK(it_init(NULL));
    SL_CHECK_EQ(sloop_backend_in_use(&it_loop), it_backend);
    SL_CHECK_OK(sloop_close(&it_loop));
    SL_CHECK_EQ(sloop_close(&it_loop), SLOOP_EINVAL); /* closed twice */
    SL_CHECK_OK(sloop_init(&it_loop, NULL));
    SL_CHECK_EQ(sloop_backend_in_use(&it_loop), IT_DEFAULT_BACKEND);
    SL_CHECK_OK(sloop_close(&it_loop));
}

IT_CASE(api_null_and_bad_arguments)
{
    static it_rec srv;
    sloop_listen_options o;
    sloop_conn_options co;
    sloop_listener l;
    sloop_conn c;
    sloop_timer t;
    sloop_watch w;
    uint16_t p = 0U;
    uint32_t i;
    sloop_listener ls[SLOOP_MAX_LISTENERS];
    sloop_timer ts[SLOOP_MAX_TIMERS];
    sloop_watch ws[SLOOP_MAX_WATCHERS];
    sloop_fd pipefd[SLOOP_MAX_WATCHERS][2];
    sloop_conn forged;
    it_rec_reset(&srv);
    SL_CHECK_OK(it_init(NULL));
    it_listen_opts_length(&o, &it_echo_handler, &srv);
    it_conn_opts_length(&co);

    /* NULL loop, output or callback. */
    SL_CHECK_EQ(sloop_listen(NULL, &o, &l), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_listen(&it_loop, NULL, &l), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_listen(&it_loop, &o, NULL), SLOOP_EINVAL);
    o.handler = NULL;
    SL_CHECK_EQ(sloop_listen(&it_loop, &o, &l), SLOOP_EINVAL);
    o.handler = &it_echo_handler;
    SL_CHECK_EQ(sloop_connect(&it_loop, NULL, 80U, &co, &it_echo_handler, &srv, &c), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_connect(&it_loop, "127.0.0.1", 0U, &co, &it_echo_handler, &srv, &c),
                SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_connect(&it_loop, "127.0.0.1", 80U, NULL, &it_echo_handler, &srv, &c),
                SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_connect(&it_loop, "127.0.0.1", 80U, &co, NULL, &srv, &c), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_connect(&it_loop, "127.0.0.1", 80U, &co, &it_echo_handler, &srv, NULL),
                SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_connect(&it_loop, "not an address", 80U, &co, &it_echo_handler, &srv, &c),
                SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_conn_adopt(&it_loop, SLOOP_FD_INVALID, &co, &it_echo_handler, &srv, &c),
                SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_timer_start(&it_loop, 1U, 0U, NULL, NULL, &t), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_timer_start(&it_loop, 1U, 0U, noop_timer, NULL, NULL), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_timer_start(NULL, 1U, 0U, noop_timer, NULL, &t), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_timer_start(&it_loop, SLOOP_TICK_MAX_DELAY + 1U, 0U, noop_timer, NULL, &t),
                SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_watch_start(&it_loop, 0, SLOOP_READABLE, NULL, NULL, &w), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_watch_start(&it_loop, SLOOP_FD_INVALID, SLOOP_READABLE, noop_watch, NULL,
                                  &w),
                SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_watch_start(&it_loop, 0, 16U, noop_watch, NULL, &w), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_shutdown(NULL, 1U), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_shutdown(&it_loop, SLOOP_TICK_MAX_DELAY + 1U), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_run_once(NULL, 0), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_run(NULL), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_close(NULL), SLOOP_EINVAL);
    sloop_stop(NULL);
    sloop_counters_get(&it_loop, NULL);
    SL_CHECK(sloop_strerror((sloop_err)1000) != NULL);
    SL_CHECK(sloop_close_reason_name((sloop_close_reason)1000) != NULL);
    SL_CHECK(sloop_backend_name((sloop_backend)1000) != NULL);
    SL_CHECK(sloop_sys_strerror(-5) != NULL);

    /* Bad addresses and options. */
    o.addr = "not an address";
    SL_CHECK_EQ(sloop_listen(&it_loop, &o, &l), SLOOP_EINVAL);
    o.addr = "256.1.2.3";
    SL_CHECK_EQ(sloop_listen(&it_loop, &o, &l), SLOOP_EINVAL);
    o.addr = "127.0.0.1";
    o.conn.framing.max_payload = SLOOP_MAX_FRAME + 1U;
    SL_CHECK_EQ(sloop_listen(&it_loop, &o, &l), SLOOP_EINVAL);
    o.conn.framing.max_payload = SLOOP_MAX_FRAME;
    o.conn.framing.header_size = 3U;
    SL_CHECK_EQ(sloop_listen(&it_loop, &o, &l), SLOOP_EINVAL);
    o.conn.framing.header_size = 4U;
    o.conn.idle_timeout_ms = SLOOP_TICK_MAX_DELAY + 1U;
    SL_CHECK_EQ(sloop_listen(&it_loop, &o, &l), SLOOP_EINVAL);
    o.conn.idle_timeout_ms = 0U;
    o.backlog = -1;
    SL_CHECK_EQ(sloop_listen(&it_loop, &o, &l), SLOOP_EINVAL);
    o.backlog = 0;
    SL_CHECK_EQ(sloop_slots_open_count(&it_loop.listener_slots), 0);

    /* Full tables: SLOOP_ELIMIT, and the earlier entries still work. */
    for (i = 0U; i < SLOOP_MAX_LISTENERS; i++) {
        SL_CHECK(it_listen(&o, &ls[i], &p));
    }
    SL_CHECK_EQ(sloop_listen(&it_loop, &o, &l), SLOOP_ELIMIT);
    for (i = 0U; i < SLOOP_MAX_TIMERS; i++) {
        SL_CHECK_OK(sloop_timer_start(&it_loop, 100000U, 0U, noop_timer, NULL, &ts[i]));
    }
    SL_CHECK_EQ(sloop_timer_start(&it_loop, 1U, 0U, noop_timer, NULL, &t), SLOOP_ELIMIT);
    /* One descriptor per watcher: epoll cannot register a descriptor twice. */
    for (i = 0U; i < SLOOP_MAX_WATCHERS; i++) {
        SL_CHECK(it_pipe(pipefd[i]));
        SL_CHECK_OK(sloop_watch_start(&it_loop, pipefd[i][0], 0U, noop_watch, NULL, &ws[i]));
    }
    SL_CHECK_EQ(sloop_watch_start(&it_loop, pipefd[0][1], 0U, noop_watch, NULL, &w),
                SLOOP_ELIMIT);
    SL_CHECK(it_pump_for(5U));
    for (i = 0U; i < SLOOP_MAX_WATCHERS; i++) {
        SL_CHECK_OK(sloop_watch_stop(&it_loop, ws[i]));
    }
    for (i = 0U; i < SLOOP_MAX_TIMERS; i++) {
        SL_CHECK_OK(sloop_timer_stop(&it_loop, ts[i]));
    }
    for (i = 0U; i < SLOOP_MAX_LISTENERS; i++) {
        SL_CHECK_OK(sloop_listener_port(&it_loop, ls[i], &p));
        SL_CHECK(p != 0U);
        SL_CHECK_OK(sloop_listener_close(&it_loop, ls[i]));
        SL_CHECK_EQ(sloop_listener_close(&it_loop, ls[i]), SLOOP_ESTALE);
        SL_CHECK_EQ(sloop_listener_port(&it_loop, ls[i], &p), SLOOP_ESTALE);
    }
    for (i = 0U; i < SLOOP_MAX_WATCHERS; i++) {
        it_fd_close(pipefd[i][0]);
        it_fd_close(pipefd[i][1]);
    }

    /* Handles never issued. */
    forged.id = 3U;
    forged.gen = 2U; /* even: never a live generation */
    SL_CHECK_EQ(sloop_send(&it_loop, forged, "x", 1U), SLOOP_ESTALE);
    forged.id = SLOOP_MAX_CONNS + 5U;
    forged.gen = 1U;
    SL_CHECK_EQ(sloop_send(&it_loop, forged, "x", 1U), SLOOP_ESTALE);
    SL_CHECK_EQ(sloop_conn_close(&it_loop, forged), SLOOP_ESTALE);
    SL_CHECK_EQ(sloop_conn_abort(&it_loop, forged), SLOOP_ESTALE);
    SL_CHECK_EQ(sloop_conn_tx_queued(&it_loop, forged, NULL, NULL), SLOOP_ESTALE);
    SL_CHECK_EQ(sloop_conn_set_user(&it_loop, forged, NULL), SLOOP_ESTALE);
    SL_CHECK(!sloop_conn_valid(&it_loop, forged));
    SL_CHECK_EQ(sloop_send(NULL, forged, "x", 1U), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_conn_close(NULL, forged), SLOOP_EINVAL);
}

/* Handles of a real connection: valid while open, ECLOSING once closing,
 * ESTALE once closed. */
IT_CASE(api_stale_and_closing_handles)
{
    static it_rec srv;
    sloop_conn c;
    uint32_t round;
    it_rec_reset(&srv);
    SL_CHECK(start_server(&it_record_handler, &srv));
    for (round = 0U; round < 2U; round++) {
        SL_CHECK(it_peer_connect(&peers[round], port, 0));
        IT_WAIT(srv.opens == round + 1U, IT_WAIT_MS);
        c = srv.last_open;
        SL_CHECK(sloop_conn_valid(&it_loop, c));
        SL_CHECK_EQ(sloop_send(&it_loop, c, NULL, 3U), SLOOP_EINVAL);
        SL_CHECK_OK(sloop_send(&it_loop, c, "abc", 3U));
        SL_CHECK_OK(sloop_send(&it_loop, c, NULL, 0U)); /* an empty frame */
        SL_CHECK_OK((round == 0U) ? sloop_conn_close(&it_loop, c) : sloop_conn_abort(&it_loop, c));
        /* Closing: no more sends; closing again is harmless. */
        SL_CHECK_EQ(sloop_send(&it_loop, c, "late", 4U), SLOOP_ECLOSING);
        SL_CHECK_OK(sloop_conn_close(&it_loop, c));
        IT_WAIT(srv.closes == round + 1U, IT_WAIT_MS);
        SL_CHECK_EQ(srv.last_reason, (round == 0U) ? SLOOP_CLOSE_LOCAL : SLOOP_CLOSE_ABORT);
        /* Closed: the handle is stale everywhere. */
        SL_CHECK(!sloop_conn_valid(&it_loop, c));
        SL_CHECK_EQ(sloop_send(&it_loop, c, "x", 1U), SLOOP_ESTALE);
        SL_CHECK_EQ(sloop_conn_close(&it_loop, c), SLOOP_ESTALE);
        SL_CHECK_EQ(sloop_conn_abort(&it_loop, c), SLOOP_ESTALE);
        SL_CHECK_EQ(sloop_conn_set_user(&it_loop, c, NULL), SLOOP_ESTALE);
        IT_WAIT(it_peer_ended(&peers[round]), IT_WAIT_MS);
        if (round == 0U) {
            /* The graceful close delivered what was queued before it. */
            SL_CHECK_EQ(peers[0].len, 11);
            SL_CHECK_MEM(peers[0].buf, "\0\0\0\3abc\0\0\0\0", 11U);
        } else {
            /* The abort discarded it. */
            SL_CHECK_EQ(peers[1].len, 0);
        }
        it_peer_close(&peers[round], false);
    }
    /* A new connection in the same slot does not revive the old handle. */
    SL_CHECK(it_peer_connect(&peers[2], port, 0));
    IT_WAIT(srv.opens == 3U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.last_open.id, c.id);
    SL_CHECK(srv.last_open.gen != c.gen);
    SL_CHECK_EQ(sloop_send(&it_loop, c, "x", 1U), SLOOP_ESTALE);
    SL_CHECK_OK(sloop_send(&it_loop, srv.last_open, "x", 1U));
    IT_WAIT(it_peer_has(&peers[2], 5U), IT_WAIT_MS);
    SL_CHECK_MEM(peers[2].buf, "\0\0\0\1x", 5U);
    it_peer_close(&peers[2], false);
    IT_WAIT(srv.closes == 3U, IT_WAIT_MS);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
    SL_CHECK_EQ(sloop_listener_close(&it_loop, lst), SLOOP_ESTALE);
}

/* A loop placed in memory that was never zeroed (the stack, a reused pool)
 * behaves exactly like a static one: init leaves nothing to chance. */
IT_CASE(api_init_on_dirty_memory)
{
    static it_rec rec;
    static it_peer peer;
    sloop_listen_options o;
    sloop_listener l;
    uint16_t p = 0U;
    uint8_t payload[16];
    uint8_t frame[32];
    memset(&it_loop, 0xA5, sizeof it_loop);
    it_rec_reset(&rec);
    SL_CHECK_OK(it_init(NULL));
    it_listen_opts_length(&o, &it_echo_handler, &rec);
    SL_CHECK(it_listen(&o, &l, &p));
    SL_CHECK(it_peer_connect(&peer, p, 0));
    memset(payload, 0x3C, sizeof payload);
    SL_CHECK(it_peer_send(&peer, frame, it_frame(frame, payload, sizeof payload)));
    IT_WAIT(it_peer_has(&peer, 4U + sizeof payload), IT_WAIT_MS);
    SL_CHECK_MEM(&peer.buf[4], payload, sizeof payload);
    SL_CHECK_EQ(it_ctr().accepts, 1);
    {
        /* Garbage registrations would show as failed epoll_ctl calls (EBADF)
         * or stray pollfd writes: no sys call may have failed but EAGAIN. */
        sloop_counters k = it_ctr();
        unsigned e;
        for (e = 1U; e < (unsigned)SLOOP_SYS_ERR_COUNT; e++) {
            if (e != (unsigned)SLOOP_SYS_EAGAIN) {
                SL_CHECK_EQ(k.sys_errors[e], 0);
            }
        }
    }
    it_peer_close(&peer, false);
    IT_WAIT(rec.closes == 1U, IT_WAIT_MS);
    SL_CHECK_OK(sloop_listener_close(&it_loop, l));
}

static const sl_test tests[] = {
    IT_ENTRIES(api_init_on_dirty_memory),
    IT_ENTRIES(api_send_full_is_all_or_nothing),
    IT_ENTRIES(api_stop_from_callback_and_no_reentry),
    IT_ENTRIES(api_stop_request_ends_with_its_iteration),
    IT_ENTRIES(api_init_misuse),
    IT_ENTRIES(api_null_and_bad_arguments),
    IT_ENTRIES(api_stale_and_closing_handles),
};

int main(int argc, char **argv)
{
    return sl_main("loop_api", tests, SL_COUNT(tests), argc, argv);
}
