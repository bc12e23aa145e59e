/*
 * test_errors.c - how the loop meets OS errors and hostile peers over loopback.
 *
 * What a user relies on: a reset peer is reported as SLOOP_CLOSE_RESET, and so
 * is sending to a peer that went away, without a SIGPIPE killing the process
 * (this file does not ignore SIGPIPE: the library must prevent it); interrupted
 * system calls are retried and lose nothing; EMFILE on accept pauses the
 * listeners and the waiting clients are served afterwards; a failed outgoing
 * connect is reported; a generic fd watcher reports exactly the events asked
 * for, and one whose descriptor is closed behind sloop's back is stopped.
 */
#include <string.h>

#include "itest.h"

static it_rec srv;
static sloop_listener lst;
static uint16_t port;
static it_peer peers[8];

static bool start_echo(const sloop_sys *sys)
{
    sloop_listen_options o;
    it_rec_reset(&srv);
    if (it_init(sys) != SLOOP_OK) {
        return false;
    }
    it_listen_opts_length(&o, &it_echo_handler, &srv);
    return it_listen(&o, &lst, &port);
}

IT_CASE(error_peer_reset)
{
    SL_CHECK(start_echo(NULL));
    SL_CHECK(it_peer_connect(&peers[0], port, 0));
    SL_CHECK(it_peer_connect(&peers[1], port, 0));
    IT_WAIT(srv.opens == 2U, IT_WAIT_MS);
    SL_CHECK(it_echo_round_trip(&peers[0], 1U));
    it_peer_close(&peers[0], true); /* SO_LINGER {1, 0}: RST */
    IT_WAIT(srv.closes == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.last_reason, SLOOP_CLOSE_RESET);
    SL_CHECK_EQ(it_ctr().closes[SLOOP_CLOSE_RESET], 1);
    SL_CHECK(it_echo_round_trip(&peers[1], 2U));
    it_peer_close(&peers[1], false);
    IT_WAIT(srv.closes == 2U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.reason[SLOOP_CLOSE_PEER], 1);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

/* The server owes a peer data that the peer will never take: the peer shuts
 * down its sending side (the server's socket enters CLOSE_WAIT), then closes
 * with the data unread, which resets the connection. The next send fails with
 * EPIPE, which would raise SIGPIPE without the library's protection. Windows
 * has no EPIPE and no SIGPIPE: that send fails with WSAECONNRESET (or
 * WSAECONNABORTED), and the reason is RESET all the same. */
IT_CASE(error_send_to_closed_peer_epipe)
{
    static it_stream st;
    sloop_listen_options o;
    sloop_conn c;
    it_stream_reset(&st, 1000U, 0U);
    SL_CHECK_OK(it_init_small_sndbuf());
    it_listen_opts_length(&o, &it_stream_handler, &st);
    SL_CHECK(it_listen(&o, &lst, &port));
    SL_CHECK(it_peer_connect(&peers[0], port, 4096));
    IT_WAIT(st.rec.opens == 1U, IT_WAIT_MS);
    c = st.rec.last_open;
    SL_CHECK(it_stream_wait_stalled(&st, c));
    /* Graceful close: sloop stops reading and keeps trying to flush. */
    SL_CHECK_OK(sloop_conn_close(&it_loop, c));
    SL_CHECK_EQ(tsock_shutdown_send(peers[0].fd), TSOCK_OK);
    SL_CHECK(it_pump_for(5U));
    SL_CHECK_EQ(st.rec.closes, 0);
    it_peer_close(&peers[0], false); /* unread data: the peer's kernel resets */
    IT_WAIT(st.rec.closes == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(st.rec.last_reason, SLOOP_CLOSE_RESET);
#if defined(_WIN32)
    SL_CHECK((it_ctr().sys_errors[SLOOP_SYS_ECONNRESET] +
              it_ctr().sys_errors[SLOOP_SYS_ECONNABORTED]) > 0U);
#else
    SL_CHECK(it_ctr().sys_errors[SLOOP_SYS_EPIPE] > 0U);
#endif
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

/* Every interruptible call is interrupted, more often in a row than the loop
 * retries within one call; the data still all arrives. */
IT_CASE(error_eintr_everywhere)
{
    static it_fault f;
    uint32_t i;
    uint32_t m;
    it_fault_init(&f);
    f.eintr_recv = 12U;
    f.eintr_sendv = 12U;
    f.eintr_accept = 12U;
    if (IT_BACKEND_IS_POLL(it_backend)) {
        f.eintr_poll = 12U;
    } else {
        f.eintr_epoll_wait = 12U;
    }
    SL_CHECK(start_echo(&f.table));
    for (i = 0U; i < 5U; i++) {
        SL_CHECK(it_peer_connect(&peers[i], port, 0));
    }
    for (m = 0U; m < 5U; m++) {
        for (i = 0U; i < 5U; i++) {
            SL_CHECK(it_echo_round_trip(&peers[i], i * 5U + m));
        }
    }
    SL_CHECK_EQ(srv.frames, 25);
    SL_CHECK_EQ(f.eintr_recv + f.eintr_sendv + f.eintr_accept + f.eintr_poll +
                    f.eintr_epoll_wait,
                0);
    SL_CHECK_EQ(f.injected, 48);
    SL_CHECK_EQ(it_ctr().eintr, 48);
    SL_CHECK_EQ(it_ctr().sys_errors[SLOOP_SYS_EINTR], 48);
    for (i = 0U; i < 5U; i++) {
        it_peer_close(&peers[i], false);
    }
    IT_WAIT(srv.closes == 5U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.reason[SLOOP_CLOSE_PEER], 5);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

/* Every read and write is short although the socket has more data or more
 * room: the frames still all arrive, whole and in order. */
IT_CASE(error_short_reads_and_writes)
{
    static it_fault f;
    uint32_t i;
    uint32_t m;
    it_fault_init(&f);
    f.recv_max = 3U;
    f.sendv_max = 5U;
    SL_CHECK(start_echo(&f.table));
    for (i = 0U; i < 4U; i++) {
        SL_CHECK(it_peer_connect(&peers[i], port, 0));
    }
    for (m = 0U; m < 4U; m++) {
        for (i = 0U; i < 4U; i++) {
            SL_CHECK(it_echo_round_trip(&peers[i], 100U + i * 4U + m));
        }
    }
    SL_CHECK_EQ(srv.frames, 16);
    for (i = 0U; i < 4U; i++) {
        it_peer_close(&peers[i], false);
    }
    IT_WAIT(srv.closes == 4U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.reason[SLOOP_CLOSE_PEER], 4);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

IT_CASE(error_accept_emfile_pauses_then_serves)
{
    static it_fault f;
    uint32_t i;
    it_fault_init(&f);
    f.emfile_accept = 1U;
    SL_CHECK(start_echo(&f.table));
    for (i = 0U; i < 3U; i++) {
        SL_CHECK(it_peer_connect(&peers[i], port, 0));
    }
    IT_WAIT(f.emfile_accept == 0U, IT_WAIT_MS);
    SL_CHECK_EQ(it_ctr().accepts, 0);
    SL_CHECK(it_ctr().accept_pauses > 0U);
    SL_CHECK_EQ(it_ctr().accept_errors, 1);
    SL_CHECK_EQ(it_ctr().sys_errors[SLOOP_SYS_EMFILE], 1);
    for (i = 0U; i < 3U; i++) {
        SL_CHECK(it_echo_round_trip(&peers[i], i));
    }
    SL_CHECK_EQ(it_ctr().accepts, 3);
    SL_CHECK_EQ(srv.frames, 3);
    for (i = 0U; i < 3U; i++) {
        it_peer_close(&peers[i], false);
    }
    IT_WAIT(srv.closes == 3U, IT_WAIT_MS);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

/* A listener whose accept fails for good must not spin the loop: it backs off
 * (100 ms per try) instead of being reported and retried at once, and serves
 * again once accept works. */
IT_CASE(error_accept_failing_for_good_backs_off)
{
    static it_fault f;
    uint32_t calls;
    it_fault_init(&f);
    f.broken_accept = 1000000U;
    SL_CHECK(start_echo(&f.table));
    SL_CHECK(it_peer_connect(&peers[0], port, 0));
    IT_WAIT(f.accept_calls > 0U, IT_WAIT_MS);
    SL_CHECK(it_pump_for(350U));
    calls = f.accept_calls;
    /* Spinning would make thousands of calls in 350 ms; backing off, one per
     * 100 ms (plus the first, and slack for a slow machine). */
    SL_CHECK(calls <= 8U);
    SL_CHECK(it_ctr().accept_pauses > 0U);
    SL_CHECK_EQ(it_ctr().accepts, 0);
    f.broken_accept = 0U;
    SL_CHECK(it_echo_round_trip(&peers[0], 0U));
    SL_CHECK_EQ(it_ctr().accepts, 1);
    it_peer_close(&peers[0], false);
    IT_WAIT(srv.closes == 1U, IT_WAIT_MS);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

/* A port held by a bound socket that does not listen: connects are refused. */
IT_CASE(error_connect_refused)
{
    static it_rec cli;
    sloop_conn_options co;
    sloop_conn c;
    sloop_err err;
    sloop_fd fd;
    uint16_t p = 0U;
    it_rec_reset(&cli);
    SL_CHECK_OK(it_init(NULL));
    fd = it_bound_not_listening(&p);
    SL_CHECK(fd != SLOOP_FD_INVALID);
    it_conn_opts_length(&co);
    err = sloop_connect(&it_loop, "127.0.0.1", p, &co, &it_record_handler, &cli, &c);
    if (err == SLOOP_OK) {
        IT_WAIT(cli.closes == 1U, IT_WAIT_MS);
        SL_CHECK_EQ(cli.last_reason, SLOOP_CLOSE_CONNECT_FAILED);
        SL_CHECK(!sloop_conn_valid(&it_loop, c));
    } else {
        SL_CHECK_EQ(err, SLOOP_ESYS);
        SL_CHECK_EQ(cli.closes, 0);
    }
    SL_CHECK_EQ(sloop_last_sys_error(&it_loop), SLOOP_SYS_ECONNREFUSED);
    SL_CHECK_EQ(cli.opens, 0);
    SL_CHECK_EQ(cli.frames, 0);
    SL_CHECK_EQ(it_ctr().connects, 0);
    it_fd_close(fd);
}

/* ---- Generic fd watchers ------------------------------------------------------------ */

typedef struct watch_rec {
    unsigned calls;
    unsigned events_or;    /* every event bit seen */
    unsigned last_events;
    bool read_each;        /* read one byte per call */
    unsigned stop_after;   /* stop the watcher from its callback after this many calls */
    sloop_err stop_err;
    unsigned bytes;
} watch_rec;

static void watch_cb(sloop_loop *loop, sloop_watch w, sloop_fd fd, unsigned events, void *user)
{
    watch_rec *r = (watch_rec *)user;
    r->calls++;
    r->events_or |= events;
    r->last_events = events;
    if (r->read_each) {
        uint8_t b;
        if (tsock_read(fd, &b, 1U) == 1) {
            r->bytes++;
        }
    }
    if ((r->stop_after != 0U) && (r->calls == r->stop_after)) {
        r->stop_err = sloop_watch_stop(loop, w);
    }
}

IT_CASE(watch_pipe_readable_writable_stop)
{
    static watch_rec rr;
    static watch_rec wr;
    sloop_watch rw;
    sloop_watch ww;
    unsigned calls;
    sloop_fd p[2];
    memset(&rr, 0, sizeof rr);
    memset(&wr, 0, sizeof wr);
    SL_CHECK_OK(it_init(NULL));
    SL_CHECK(it_pipe(p));
    SL_CHECK_OK(sloop_watch_start(&it_loop, p[0], SLOOP_READABLE, watch_cb, &rr, &rw));
    /* The write end is watched for reading first: never ready. */
    SL_CHECK_OK(sloop_watch_start(&it_loop, p[1], SLOOP_READABLE, watch_cb, &wr, &ww));
    SL_CHECK(it_pump_for(10U));
    SL_CHECK_EQ(rr.calls, 0);
    SL_CHECK_EQ(wr.calls, 0);
    /* Readable, and level-triggered in every backend: a callback that does not
     * read is called again. */
    SL_CHECK(tsock_write(p[1], "ab", 2U) == 2);
    IT_WAIT(rr.calls >= 3U, IT_WAIT_MS);
    SL_CHECK_EQ(rr.events_or, SLOOP_READABLE);
    /* Reading one byte per call drains it; then the calls stop. */
    rr.read_each = true;
    IT_WAIT(rr.bytes == 2U, IT_WAIT_MS);
    calls = rr.calls;
    SL_CHECK(it_pump_for(10U));
    SL_CHECK_EQ(rr.calls, calls);
    /* Modify the write end's watcher to writable. */
    SL_CHECK_OK(sloop_watch_modify(&it_loop, ww, SLOOP_WRITABLE));
    IT_WAIT(wr.calls >= 1U, IT_WAIT_MS);
    SL_CHECK_EQ(wr.events_or, SLOOP_WRITABLE);
    SL_CHECK_EQ(sloop_watch_modify(&it_loop, ww, 8U), SLOOP_EINVAL);
    /* Stopped from outside: no more calls, the descriptor stays open. */
    SL_CHECK_OK(sloop_watch_stop(&it_loop, ww));
    calls = wr.calls;
    SL_CHECK(it_pump_for(10U));
    SL_CHECK_EQ(wr.calls, calls);
    SL_CHECK_EQ(sloop_watch_stop(&it_loop, ww), SLOOP_ESTALE);
    SL_CHECK_EQ(sloop_watch_modify(&it_loop, ww, SLOOP_READABLE), SLOOP_ESTALE);
    SL_CHECK(tsock_is_open(p[1]));
    /* Stopped from its own callback. */
    rr.stop_after = rr.calls + 1U;
    SL_CHECK(tsock_write(p[1], "c", 1U) == 1);
    IT_WAIT(rr.calls == rr.stop_after, IT_WAIT_MS);
    SL_CHECK_OK(rr.stop_err);
    SL_CHECK(tsock_write(p[1], "d", 1U) == 1);
    SL_CHECK(it_pump_for(10U));
    SL_CHECK_EQ(rr.calls, rr.stop_after);
    SL_CHECK_EQ(sloop_watch_stop(&it_loop, rw), SLOOP_ESTALE);
    SL_CHECK(tsock_is_open(p[0]));
    it_fd_close(p[0]);
    it_fd_close(p[1]);
}

/* Two watchers ready in the same wait; whichever runs first stops the other.
 * The stopped one's event later in the batch is stale and must be dropped:
 * one call in all. In the second round the first callback also starts a
 * third watcher (on a descriptor that is not ready), which takes the slot just
 * freed, so the stale event names a slot in use again, with a new generation:
 * it must not reach the third watcher either. */
typedef struct stop_other_rec {
    unsigned calls;
    unsigned third_calls;
    bool start_third;
    sloop_watch other[2];
    sloop_fd idle_fd;
    sloop_watch third;
    sloop_err stop_err;
    sloop_err start_err;
} stop_other_rec;

static stop_other_rec so_rec;

static void third_cb(sloop_loop *loop, sloop_watch w, sloop_fd fd, unsigned events, void *user)
{
    (void)loop;
    (void)w;
    (void)fd;
    (void)events;
    (void)user;
    so_rec.third_calls++;
}

static void stop_other_cb(sloop_loop *loop, sloop_watch w, sloop_fd fd, unsigned events,
                          void *user)
{
    uintptr_t me = (uintptr_t)user;
    (void)fd;
    (void)events;
    so_rec.calls++;
    if (so_rec.calls == 1U) {
        so_rec.stop_err = sloop_watch_stop(loop, so_rec.other[1U - me]);
        if (so_rec.start_third) {
            so_rec.start_err = sloop_watch_start(loop, so_rec.idle_fd, SLOOP_READABLE,
                                                 third_cb, NULL, &so_rec.third);
        }
    }
    (void)sloop_watch_stop(loop, w); /* both pipes stay readable */
}

IT_CASE(watch_stopped_by_another_in_same_batch)
{
    sloop_fd a[2];
    sloop_fd b[2];
    sloop_fd idle[2];
    uint32_t round;
    SL_CHECK_OK(it_init(NULL));
    SL_CHECK(it_pipe(a));
    SL_CHECK(it_pipe(b));
    SL_CHECK(it_pipe(idle));
    SL_CHECK(tsock_write(a[1], "a", 1U) == 1);
    SL_CHECK(tsock_write(b[1], "b", 1U) == 1);
    for (round = 0U; round < 2U; round++) {
        memset(&so_rec, 0, sizeof so_rec);
        so_rec.idle_fd = idle[0];
        so_rec.start_third = (round == 1U);
        SL_CHECK_OK(sloop_watch_start(&it_loop, a[0], SLOOP_READABLE, stop_other_cb,
                                      (void *)0, &so_rec.other[0]));
        SL_CHECK_OK(sloop_watch_start(&it_loop, b[0], SLOOP_READABLE, stop_other_cb,
                                      (void *)1, &so_rec.other[1]));
        SL_CHECK_OK(sloop_run_once(&it_loop, 1000));
        SL_CHECK_EQ(so_rec.calls, 1);
        SL_CHECK_OK(so_rec.stop_err);
        if (so_rec.start_third) {
            SL_CHECK_OK(so_rec.start_err);
            /* It took the slot of the watcher stopped first (a stack of free slots). */
            SL_CHECK(so_rec.third.id == so_rec.other[0].id ||
                     so_rec.third.id == so_rec.other[1].id);
        }
        SL_CHECK(it_pump_for(10U));
        SL_CHECK_EQ(so_rec.calls, 1);
        SL_CHECK_EQ(so_rec.third_calls, 0);
        if (so_rec.start_third) {
            SL_CHECK_OK(sloop_watch_stop(&it_loop, so_rec.third));
        }
    }
    it_fd_close(a[0]);
    it_fd_close(a[1]);
    it_fd_close(b[0]);
    it_fd_close(b[1]);
    it_fd_close(idle[0]);
    it_fd_close(idle[1]);
}

/* Two watchers, each asking for reads and writes, ready for both in the same
 * wait; whichever runs first narrows the other to reads only. The other's
 * event later in the batch still carries writability from the wait: it must
 * get only what it asks for now (reads), never an event it gave up. */
typedef struct narrow_rec {
    unsigned calls;
    unsigned events[2];
    sloop_watch w[2];
    sloop_err modify_err;
} narrow_rec;

static narrow_rec nr_rec;

static void narrow_other_cb(sloop_loop *loop, sloop_watch w, sloop_fd fd, unsigned events,
                            void *user)
{
    (void)fd;
    if (nr_rec.calls < 2U) {
        nr_rec.events[nr_rec.calls] = events;
    }
    nr_rec.calls++;
    if (nr_rec.calls == 1U) {
        nr_rec.modify_err =
            sloop_watch_modify(loop, nr_rec.w[1U - (uintptr_t)user], SLOOP_READABLE);
    }
    (void)sloop_watch_stop(loop, w); /* both stay readable and writable */
}

IT_CASE(watch_narrowed_by_another_in_same_batch_gets_only_what_it_asks)
{
    sloop_fd a[2];
    sloop_fd b[2];
    memset(&nr_rec, 0, sizeof nr_rec);
    SL_CHECK_OK(it_init(NULL));
    SL_CHECK(it_pair(a));
    SL_CHECK(it_pair(b));
    SL_CHECK(tsock_write(a[1], "a", 1U) == 1);
    SL_CHECK(tsock_write(b[1], "b", 1U) == 1);
    SL_CHECK_OK(sloop_watch_start(&it_loop, a[0], SLOOP_READABLE | SLOOP_WRITABLE,
                                  narrow_other_cb, (void *)0, &nr_rec.w[0]));
    SL_CHECK_OK(sloop_watch_start(&it_loop, b[0], SLOOP_READABLE | SLOOP_WRITABLE,
                                  narrow_other_cb, (void *)1, &nr_rec.w[1]));
    SL_CHECK_OK(sloop_run_once(&it_loop, 1000));
    SL_CHECK_EQ(nr_rec.calls, 2);
    SL_CHECK_OK(nr_rec.modify_err);
    SL_CHECK_EQ(nr_rec.events[0], SLOOP_READABLE | SLOOP_WRITABLE);
    SL_CHECK_EQ(nr_rec.events[1], SLOOP_READABLE);
    it_fd_close(a[0]);
    it_fd_close(a[1]);
    it_fd_close(b[0]);
    it_fd_close(b[1]);
}

/* A watched descriptor closed behind sloop's back. poll reports POLLNVAL: the
 * watcher gets SLOOP_ERROR once and is stopped. epoll drops a closed
 * descriptor from its set silently: no callback, and stopping the watcher
 * still works (the failed EPOLL_CTL_DEL is counted, not fatal). */
IT_CASE(watch_fd_closed_behind_sloops_back)
{
    static watch_rec rr;
    sloop_watch w;
    sloop_fd p[2];
    memset(&rr, 0, sizeof rr);
    SL_CHECK_OK(it_init(NULL));
    SL_CHECK(it_pipe(p));
    SL_CHECK_OK(sloop_watch_start(&it_loop, p[0], SLOOP_READABLE, watch_cb, &rr, &w));
    SL_CHECK(it_pump_for(5U));
    SL_CHECK_EQ(rr.calls, 0);
    it_fd_close(p[0]);
    if (IT_BACKEND_IS_POLL(it_backend)) {
        IT_WAIT(rr.calls >= 1U, IT_WAIT_MS);
        SL_CHECK(it_pump_for(10U));
        SL_CHECK_EQ(rr.calls, 1);
        SL_CHECK_EQ(rr.last_events, SLOOP_ERROR);
        SL_CHECK_EQ(sloop_slots_open_count(&it_loop.watch_slots), 0);
        SL_CHECK_EQ(sloop_watch_stop(&it_loop, w), SLOOP_ESTALE);
    } else {
        SL_CHECK(it_pump_for(10U));
        SL_CHECK_EQ(rr.calls, 0);
        SL_CHECK_OK(sloop_watch_stop(&it_loop, w));
        SL_CHECK(it_ctr().sys_errors[SLOOP_SYS_EBADF] > 0U);
    }
    it_fd_close(p[1]);
}

static const sl_test tests[] = {
    IT_ENTRIES(error_peer_reset),
    IT_ENTRIES(error_send_to_closed_peer_epipe),
    IT_ENTRIES(error_eintr_everywhere),
    IT_ENTRIES(error_short_reads_and_writes),
    IT_ENTRIES(error_accept_emfile_pauses_then_serves),
    IT_ENTRIES(error_accept_failing_for_good_backs_off),
    IT_ENTRIES(error_connect_refused),
    IT_ENTRIES(watch_pipe_readable_writable_stop),
    IT_ENTRIES(watch_fd_closed_behind_sloops_back),
    IT_ENTRIES(watch_stopped_by_another_in_same_batch),
    IT_ENTRIES(watch_narrowed_by_another_in_same_batch_gets_only_what_it_asks),
};

int main(int argc, char **argv)
{
    return sl_main("loop_errors", tests, SL_COUNT(tests), argc, argv);
}
