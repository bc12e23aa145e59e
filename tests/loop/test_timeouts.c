/*
 * test_timeouts.c - timeouts and timers over loopback.
 *
 * What a user relies on: an idle connection, a peer that starts a frame and
 * never finishes it, an outgoing connect that never completes and a graceful
 * close that cannot flush are each closed with their own reason and their slot
 * comes back; a peer that completes its frames in time is never closed as
 * slow; user timers fire in deadline order even while I/O keeps the loop busy,
 * periodic ones repeat, a one-shot may reschedule itself, and a fired one-shot's
 * handle is stale. Timeouts are short and only reasons are asserted, never
 * elapsed times, so a loaded machine cannot make them flake.
 */
#include <string.h>

#include "itest.h"

static it_rec srv;
static sloop_listener lst;
static uint16_t port;
static it_peer peers[4];

static bool start_server(const sloop_handler *h, void *user, uint32_t idle_ms,
                         uint32_t frame_ms, uint32_t linger_ms)
{
    sloop_listen_options o;
    if (it_init_small_sndbuf() != SLOOP_OK) {
        return false;
    }
    it_listen_opts_length(&o, h, user);
    o.conn.idle_timeout_ms = idle_ms;
    o.conn.frame_timeout_ms = frame_ms;
    o.conn.linger_ms = linger_ms;
    return it_listen(&o, &lst, &port);
}

IT_CASE(timeout_idle_closes_and_frees_slot)
{
    it_rec_reset(&srv);
    SL_CHECK(start_server(&it_echo_handler, &srv, 40U, 0U, 0U));
    SL_CHECK(it_peer_connect(&peers[0], port, 0));
    IT_WAIT(srv.opens == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(sloop_slots_open_count(&it_loop.conn_slots), 1);
    IT_WAIT(srv.closes == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.last_reason, SLOOP_CLOSE_IDLE_TIMEOUT);
    SL_CHECK(!sloop_conn_valid(&it_loop, srv.last_open));
    SL_CHECK_EQ(sloop_slots_open_count(&it_loop.conn_slots), 0);
    SL_CHECK_EQ(it_ctr().closes[SLOOP_CLOSE_IDLE_TIMEOUT], 1);
    IT_WAIT(it_peer_ended(&peers[0]), IT_WAIT_MS);
    SL_CHECK_EQ(peers[0].state, IT_PEER_EOF);
    /* The freed slot serves the next client. */
    SL_CHECK(it_peer_connect(&peers[1], port, 0));
    SL_CHECK(it_peer_send(&peers[1], "\0\0\0\2hi", 6U));
    IT_WAIT(it_peer_has(&peers[1], 6U), IT_WAIT_MS);
    SL_CHECK_MEM(peers[1].buf, "\0\0\0\2hi", 6U);
    it_peer_close(&peers[0], false);
    it_peer_close(&peers[1], false);
    IT_WAIT(srv.closes == 2U, IT_WAIT_MS);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

/* The half-frame peer is closed as slow while the punctual one, whose frames
 * each arrive whole, keeps going for several frame timeouts. */
IT_CASE(timeout_slow_peer_only_for_unfinished_frames)
{
    uint8_t half[12] = { 0, 0, 0, 20, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h' };
    uint32_t sent = 0U;
    uint32_t t_start;
    sloop_conn punctual;
    it_rec_reset(&srv);
    SL_CHECK(start_server(&it_echo_handler, &srv, 0U, 30U, 0U));
    SL_CHECK(it_peer_connect(&peers[0], port, 0));
    IT_WAIT(srv.opens == 1U, IT_WAIT_MS);
    punctual = srv.last_open;
    SL_CHECK(it_peer_connect(&peers[1], port, 0));
    IT_WAIT(srv.opens == 2U, IT_WAIT_MS);
    SL_CHECK(it_peer_send(&peers[1], half, sizeof half));
    t_start = sloop_now(&it_loop);
    /* Punctual peer: one whole frame at a time, each echoed before the next,
     * until the slow one was closed and three frame timeouts have passed. */
    while ((srv.closes == 0U) || ((uint32_t)(sloop_now(&it_loop) - t_start) < 90U)) {
        uint8_t payload[20];
        uint8_t wire[24];
        size_t n;
        it_pattern(payload, sizeof payload, sent);
        n = it_frame(wire, payload, (uint32_t)sizeof payload);
        SL_CHECK(it_peer_send(&peers[0], wire, n));
        IT_WAIT(it_peer_has(&peers[0], n), IT_WAIT_MS);
        SL_CHECK_EQ(peers[0].len, n);
        SL_CHECK_MEM(&peers[0].buf[4], payload, sizeof payload);
        it_peer_consume(&peers[0], n);
        sent++;
        SL_CHECK(sent < 100000U);
        SL_CHECK(it_step());
        SL_CHECK((uint32_t)(sloop_now(&it_loop) - t_start) < IT_WAIT_MS);
    }
    SL_CHECK_EQ(srv.closes, 1);
    SL_CHECK_EQ(srv.last_reason, SLOOP_CLOSE_SLOW_PEER);
    SL_CHECK(sloop_conn_valid(&it_loop, punctual));
    SL_CHECK_EQ(srv.frames, sent);
    IT_WAIT(it_peer_ended(&peers[1]), IT_WAIT_MS);
    SL_CHECK_EQ(peers[1].len, 0);
    SL_CHECK_EQ(sloop_slots_open_count(&it_loop.conn_slots), 1);
    it_peer_close(&peers[0], false);
    it_peer_close(&peers[1], false);
    IT_WAIT(srv.closes == 2U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.reason[SLOOP_CLOSE_PEER], 1);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

/* Outgoing connect that never completes: the "socket" is the read end of a
 * pipe (Windows: a listener nobody connects to), which never becomes writable. */
IT_CASE(timeout_connect)
{
    static it_fault f;
    static it_rec cli;
    sloop_conn_options co;
    sloop_conn c;
    it_fault_init(&f);
    f.connect_to_pipe = true;
    it_rec_reset(&cli);
    SL_CHECK_OK(it_init(&f.table));
    it_conn_opts_length(&co);
    co.connect_timeout_ms = 30U;
    SL_CHECK_OK(sloop_connect(&it_loop, "127.0.0.1", 9U, &co, &it_record_handler, &cli, &c));
    SL_CHECK_EQ(f.injected, 1); /* the never-completing descriptor was handed out */
    SL_CHECK(sloop_conn_valid(&it_loop, c));
    IT_WAIT(cli.closes == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(cli.last_reason, SLOOP_CLOSE_CONNECT_TIMEOUT);
    SL_CHECK_EQ(cli.opens, 0);
    SL_CHECK(!sloop_conn_valid(&it_loop, c));
    SL_CHECK_EQ(it_ctr().connects, 0);
    it_fd_close(f.pipe_write_fd);
}

/* A graceful close whose data the peer never reads ends at linger_ms. */
IT_CASE(timeout_linger)
{
    static it_stream st;
    it_stream_reset(&st, 1000U, 0U);
    SL_CHECK(start_server(&it_stream_handler, &st, 0U, 0U, 30U));
    SL_CHECK(it_peer_connect(&peers[0], port, 4096));
    IT_WAIT(st.rec.opens == 1U, IT_WAIT_MS);
    SL_CHECK(it_stream_wait_stalled(&st, st.rec.last_open));
    SL_CHECK_OK(sloop_conn_close(&it_loop, st.rec.last_open));
    IT_WAIT(st.rec.closes == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(st.rec.last_reason, SLOOP_CLOSE_LINGER_TIMEOUT);
    SL_CHECK_EQ(st.partial, 0);
    it_peer_close(&peers[0], false);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

/* ---- User timers ----------------------------------------------------------------- */

#define ORDER_MAX 16U
static uint32_t order[ORDER_MAX];
static uint32_t order_count;

static void record_order(sloop_loop *loop, sloop_timer t, void *user)
{
    (void)loop;
    (void)t;
    if (order_count < ORDER_MAX) {
        order[order_count] = (uint32_t)(uintptr_t)user;
    }
    order_count++;
}

IT_CASE(timers_fire_in_deadline_order_while_io_busy)
{
    /* Delays, and the tag each timer records; equal delays keep start order. */
    static const uint32_t delay[7] = { 45, 12, 30, 0, 20, 12, 5 };
    static const uint32_t tag[7] = { 7, 3, 6, 1, 5, 4, 2 };
    sloop_timer t[7];
    uint32_t i;
    uint32_t rounds = 0U;
    it_rec_reset(&srv);
    order_count = 0U;
    SL_CHECK(start_server(&it_echo_handler, &srv, 0U, 0U, 0U));
    SL_CHECK(it_peer_connect(&peers[0], port, 0));
    IT_WAIT(srv.opens == 1U, IT_WAIT_MS);
    for (i = 0U; i < 7U; i++) {
        SL_CHECK_OK(sloop_timer_start(&it_loop, delay[i], 0U, record_order,
                                      (void *)(uintptr_t)tag[i], &t[i]));
    }
    /* Keep the connection busy: a 3000-byte frame echoed back every round. */
    while (order_count < 7U) {
        static uint8_t payload[3000];
        static uint8_t wire[3004];
        size_t n;
        it_pattern(payload, sizeof payload, rounds);
        n = it_frame(wire, payload, (uint32_t)sizeof payload);
        SL_CHECK(it_peer_send(&peers[0], wire, n));
        IT_WAIT(it_peer_has(&peers[0], n), IT_WAIT_MS);
        SL_CHECK_MEM(&peers[0].buf[4], payload, sizeof payload);
        it_peer_consume(&peers[0], n);
        rounds++;
        SL_CHECK(rounds < 100000U);
    }
    SL_CHECK_EQ(order_count, 7);
    for (i = 0U; i < 7U; i++) {
        SL_CHECK_EQ(order[i], i + 1U);
        /* A fired one-shot is released: its handle is stale. */
        SL_CHECK_EQ(sloop_timer_stop(&it_loop, t[i]), SLOOP_ESTALE);
    }
    SL_CHECK_EQ(it_ctr().timers_fired, 7);
    it_peer_close(&peers[0], false);
    IT_WAIT(srv.closes == 1U, IT_WAIT_MS);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

static uint32_t periodic_count;
static void count_periodic(sloop_loop *loop, sloop_timer t, void *user)
{
    (void)loop;
    (void)t;
    (void)user;
    periodic_count++;
}

IT_CASE(timers_periodic_repeats_until_stopped)
{
    sloop_timer t;
    sloop_timer never;
    uint32_t seen;
    periodic_count = 0U;
    SL_CHECK_OK(it_init(NULL));
    SL_CHECK_OK(sloop_timer_start(&it_loop, 3U, 3U, count_periodic, NULL, &t));
    /* Stopped before it fires: it never fires. */
    SL_CHECK_OK(sloop_timer_start(&it_loop, 1U, 0U, record_order, NULL, &never));
    order_count = 0U;
    SL_CHECK_OK(sloop_timer_stop(&it_loop, never));
    SL_CHECK_EQ(sloop_timer_stop(&it_loop, never), SLOOP_ESTALE);
    IT_WAIT(periodic_count >= 5U, IT_WAIT_MS);
    SL_CHECK_OK(sloop_timer_stop(&it_loop, t));
    seen = periodic_count;
    SL_CHECK(it_pump_for(20U));
    SL_CHECK_EQ(periodic_count, seen);
    SL_CHECK_EQ(order_count, 0);
    SL_CHECK_EQ(sloop_timer_stop(&it_loop, t), SLOOP_ESTALE);
    SL_CHECK_EQ(sloop_timer_reschedule(&it_loop, t, 1U, 0U), SLOOP_ESTALE);
}

static uint32_t self_count;
static sloop_timer self_handle;
static sloop_err self_resched_err;
static void reschedule_self(sloop_loop *loop, sloop_timer t, void *user)
{
    (void)user;
    self_count++;
    self_handle = t;
    if (self_count < 3U) {
        self_resched_err = sloop_timer_reschedule(loop, t, 2U, 0U);
    }
}

IT_CASE(timers_one_shot_reschedules_itself)
{
    sloop_timer t;
    self_count = 0U;
    self_resched_err = SLOOP_OK;
    SL_CHECK_OK(it_init(NULL));
    SL_CHECK_OK(sloop_timer_start(&it_loop, 2U, 0U, reschedule_self, NULL, &t));
    IT_WAIT(self_count >= 3U, IT_WAIT_MS);
    SL_CHECK_OK(self_resched_err);
    /* The handle seen in every call is the one start returned. */
    SL_CHECK_EQ(self_handle.id, t.id);
    SL_CHECK_EQ(self_handle.gen, t.gen);
    SL_CHECK(it_pump_for(15U));
    SL_CHECK_EQ(self_count, 3);
    SL_CHECK_EQ(sloop_timer_stop(&it_loop, t), SLOOP_ESTALE);
    SL_CHECK_EQ(it_loop.user_timers, 0);
}

/* ---- Across the wrap of the 32-bit millisecond clock ---------------------------------- */

static sloop_tick open_tick;
static sloop_tick close_tick;
static it_rec wrap_rec;

static void tick_open(sloop_loop *loop, sloop_conn conn, void *user)
{
    (void)user;
    it_cb_live(loop, conn);
    wrap_rec.opens++;
    open_tick = sloop_now(loop);
}

static void tick_close(sloop_loop *loop, sloop_conn conn, sloop_close_reason reason, void *user)
{
    (void)user;
    it_cb_closed(loop, conn);
    wrap_rec.closes++;
    wrap_rec.last_reason = reason;
    close_tick = sloop_now(loop);
}

static const sloop_handler tick_handler = { tick_open, NULL, NULL, tick_close };

/* The clock starts 30 ms before it wraps to 0. Timers on both sides of the
 * wrap fire in deadline order, a periodic one keeps going, and an idle
 * timeout that spans the wrap fires neither at once nor never. */
IT_CASE(timers_and_timeouts_across_clock_wrap)
{
    static it_fault f;
    static const uint32_t delay[5] = { 70, 10, 50, 20, 40 };
    static const uint32_t tag[5] = { 5, 1, 4, 2, 3 };
    sloop_listen_options o;
    sloop_timer t[5];
    sloop_timer periodic;
    sloop_tick start;
    uint32_t i;
    it_fault_init(&f);
    f.clock_offset = 0xFFFFFFFFU - 30U - sloop_sys_default()->now_ms(NULL);
    it_rec_reset(&wrap_rec);
    order_count = 0U;
    periodic_count = 0U;
    SL_CHECK_OK(it_init(&f.table));
    start = sloop_now(&it_loop);
    SL_CHECK(start > 0xFFFFFF00U);
    it_listen_opts_length(&o, &tick_handler, NULL);
    o.conn.idle_timeout_ms = 60U;
    SL_CHECK(it_listen(&o, &lst, &port));
    for (i = 0U; i < 5U; i++) {
        SL_CHECK_OK(sloop_timer_start(&it_loop, delay[i], 0U, record_order,
                                      (void *)(uintptr_t)tag[i], &t[i]));
    }
    SL_CHECK_OK(sloop_timer_start(&it_loop, 7U, 7U, count_periodic, NULL, &periodic));
    SL_CHECK(it_peer_connect(&peers[0], port, 0));
    IT_WAIT((order_count == 5U) && (periodic_count >= 12U) && (wrap_rec.closes == 1U),
            IT_WAIT_MS);
    /* The clock did wrap. */
    SL_CHECK(sloop_now(&it_loop) < 0x80000000U);
    for (i = 0U; i < 5U; i++) {
        SL_CHECK_EQ(order[i], i + 1U);
    }
    SL_CHECK_EQ(wrap_rec.last_reason, SLOOP_CLOSE_IDLE_TIMEOUT);
    SL_CHECK((uint32_t)(close_tick - open_tick) >= 60U);
    SL_CHECK((uint32_t)(close_tick - open_tick) < IT_WAIT_MS);
    SL_CHECK_OK(sloop_timer_stop(&it_loop, periodic));
    it_peer_close(&peers[0], false);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

/* ---- An abort from a timer callback, and a connection deadline due in the same pass ---- */

/* The user timer's callback aborts `abort_target`; its connection's own deadline
 * (idle or slow peer) is due in the same timer pass, just after the user timer.
 * The abort returned SLOOP_OK first, so on_close must say ABORT, and no
 * on_frame_error may follow it (on_frame_error is for a connection still open). */
static sloop_conn abort_target;
static sloop_err abort_result;
static unsigned frame_errors_seen;

static void abort_from_timer(sloop_loop *loop, sloop_timer t, void *user)
{
    (void)t;
    (void)user;
    abort_result = sloop_conn_abort(loop, abort_target);
}

static void count_frame_error(sloop_loop *loop, sloop_conn conn, sloop_close_reason reason,
                              void *user)
{
    (void)loop;
    (void)conn;
    (void)reason;
    (void)user;
    frame_errors_seen++;
}

/* idle_ms or frame_ms: the connection's deadline, 200 ms after it opened; the
 * user timer is due 5 ms after the test starts it, and the loop is kept away
 * for 300 ms so that one timer pass finds both due, the user timer first. */
static void abort_then_deadline_in_one_pass(uint32_t idle_ms, uint32_t frame_ms)
{
    sloop_listen_options o;
    sloop_timer t;
    static const uint8_t half[6] = { 0, 0, 0, 20, 'a', 'b' };
    it_rec_reset(&srv);
    abort_result = SLOOP_EINVAL;
    frame_errors_seen = 0U;
    SL_CHECK_OK(it_init(NULL));
    it_listen_opts_length(&o, &it_echo_handler, &srv);
    o.conn.idle_timeout_ms = idle_ms;
    o.conn.frame_timeout_ms = frame_ms;
    o.conn.on_frame_error = count_frame_error;
    SL_CHECK(it_listen(&o, &lst, &port));
    SL_CHECK(it_peer_connect(&peers[0], port, 0));
    IT_WAIT(srv.opens == 1U, IT_WAIT_MS);
    abort_target = srv.last_open;
    if (frame_ms > 0U) {
        /* Half a frame starts the slow-peer clock; wait until it was read. */
        uint64_t in0 = it_ctr().bytes_in;
        SL_CHECK(it_peer_send(&peers[0], half, sizeof half));
        IT_WAIT(it_ctr().bytes_in == in0 + sizeof half, IT_WAIT_MS);
    }
    SL_CHECK_OK(sloop_timer_start(&it_loop, 5U, 0U, abort_from_timer, NULL, &t));
    it_sleep_ms(300U);
    IT_WAIT(srv.closes == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(abort_result, SLOOP_OK);
    SL_CHECK_EQ(srv.last_reason, SLOOP_CLOSE_ABORT);
    SL_CHECK_EQ(frame_errors_seen, 0);
    SL_CHECK_EQ(it_ctr().closes[SLOOP_CLOSE_ABORT], 1);
    SL_CHECK_EQ(it_ctr().closes[SLOOP_CLOSE_IDLE_TIMEOUT], 0);
    SL_CHECK_EQ(it_ctr().closes[SLOOP_CLOSE_SLOW_PEER], 0);
    IT_WAIT(it_peer_ended(&peers[0]), IT_WAIT_MS);
    it_peer_close(&peers[0], false);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

IT_CASE(abort_from_timer_then_idle_deadline_in_same_pass_closes_as_abort)
{
    abort_then_deadline_in_one_pass(200U, 0U);
}

IT_CASE(abort_from_timer_then_slow_peer_deadline_in_same_pass_gives_no_frame_error)
{
    abort_then_deadline_in_one_pass(0U, 200U);
}

static const sl_test tests[] = {
    IT_ENTRIES(timeout_idle_closes_and_frees_slot),
    IT_ENTRIES(timeout_slow_peer_only_for_unfinished_frames),
    IT_ENTRIES(timeout_connect),
    IT_ENTRIES(timeout_linger),
    IT_ENTRIES(timers_fire_in_deadline_order_while_io_busy),
    IT_ENTRIES(timers_periodic_repeats_until_stopped),
    IT_ENTRIES(timers_one_shot_reschedules_itself),
    IT_ENTRIES(timers_and_timeouts_across_clock_wrap),
    IT_ENTRIES(abort_from_timer_then_idle_deadline_in_same_pass_closes_as_abort),
    IT_ENTRIES(abort_from_timer_then_slow_peer_deadline_in_same_pass_gives_no_frame_error),
};

int main(int argc, char **argv)
{
    return sl_main("loop_timeouts", tests, SL_COUNT(tests), argc, argv);
}
