/*
 * test_close.c - closing connections and shutting the loop down.
 *
 * What a user relies on: a connection may be closed from inside any of its
 * callbacks (and from another connection's on_close, or a timer), the reason
 * reported is the one asked for, and no callback follows on_close; a graceful
 * close delivers everything queued before the connection closes; a graceful
 * shutdown closes the listeners at once, flushes every connection and makes
 * sloop_run return, aborting only what is still stuck at its deadline.
 */
#include <string.h>

#include "itest.h"

static sloop_listener lst;
static uint16_t port;
static it_peer peers[8];

static bool start_server(const sloop_handler *h, void *user)
{
    sloop_listen_options o;
    /* Small kernel buffers: streams to a peer that does not read stall soon. */
    if (it_init_small_sndbuf() != SLOOP_OK) {
        return false;
    }
    it_listen_opts_length(&o, h, user);
    return it_listen(&o, &lst, &port);
}

/* ---- Closing from each callback ---------------------------------------------------- */

typedef struct closer {
    it_rec rec;
    bool abort_instead;       /* sloop_conn_abort rather than sloop_conn_close */
    sloop_err close_err;      /* result of the close call in the callback */
    sloop_err send_after_err; /* sloop_send after the close, same callback */
    sloop_conn other;         /* on_close: close this one too */
    sloop_err other_err;
} closer;

static void close_in_open(sloop_loop *loop, sloop_conn conn, void *user)
{
    closer *c = (closer *)user;
    it_cb_live(loop, conn);
    c->rec.opens++;
    c->rec.last_open = conn;
    c->close_err = c->abort_instead ? sloop_conn_abort(loop, conn) : sloop_conn_close(loop, conn);
    c->send_after_err = sloop_send(loop, conn, "x", 1U);
}

static void count_frame(sloop_loop *loop, sloop_conn conn, const uint8_t *data, uint32_t len,
                        void *user)
{
    closer *c = (closer *)user;
    (void)data;
    (void)len;
    it_cb_live(loop, conn);
    c->rec.frames++;
}

static void count_close(sloop_loop *loop, sloop_conn conn, sloop_close_reason reason, void *user)
{
    closer *c = (closer *)user;
    it_cb_closed(loop, conn);
    c->rec.closes++;
    c->rec.reason[reason]++;
    c->rec.last_reason = reason;
}

static const sloop_handler close_in_open_handler = { close_in_open, count_frame, NULL,
                                                     count_close };

IT_CASE(close_from_on_open)
{
    static closer cl;
    uint8_t wire[8];
    uint32_t round;
    SL_CHECK(start_server(&close_in_open_handler, &cl));
    for (round = 0U; round < 2U; round++) {
        memset(&cl, 0, sizeof cl);
        cl.abort_instead = (round == 1U);
        SL_CHECK(it_peer_connect(&peers[0], port, 0));
        SL_CHECK(it_peer_send(&peers[0], wire, it_frame(wire, "data", 4U)));
        IT_WAIT(cl.rec.closes == 1U, IT_WAIT_MS);
        SL_CHECK_EQ(cl.rec.opens, 1);
        SL_CHECK_OK(cl.close_err);
        SL_CHECK_EQ(cl.send_after_err, SLOOP_ECLOSING);
        SL_CHECK_EQ(cl.rec.frames, 0);
        SL_CHECK_EQ(cl.rec.last_reason, (round == 0U) ? SLOOP_CLOSE_LOCAL : SLOOP_CLOSE_ABORT);
        IT_WAIT(it_peer_ended(&peers[0]), IT_WAIT_MS);
        SL_CHECK_EQ(peers[0].len, 0);
        it_peer_close(&peers[0], false);
    }
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

static void reply_and_close(sloop_loop *loop, sloop_conn conn, const uint8_t *data,
                            uint32_t len, void *user)
{
    closer *c = (closer *)user;
    count_frame(loop, conn, data, len, user);
    (void)sloop_send(loop, conn, data, len);
    c->close_err = sloop_conn_close(loop, conn);
    c->send_after_err = sloop_send(loop, conn, data, len);
}

static const sloop_handler close_in_frame_handler = { NULL, reply_and_close, NULL, count_close };

IT_CASE(close_from_on_frame)
{
    static closer cl;
    uint8_t wire[32];
    size_t n = 0U;
    memset(&cl, 0, sizeof cl);
    SL_CHECK(start_server(&close_in_frame_handler, &cl));
    SL_CHECK(it_peer_connect(&peers[0], port, 0));
    /* Three frames in one write: the close in the first one's callback
     * discards the rest. */
    n += it_frame(&wire[n], "first", 5U);
    n += it_frame(&wire[n], "second", 6U);
    n += it_frame(&wire[n], "third", 5U);
    SL_CHECK(it_peer_send(&peers[0], wire, n));
    IT_WAIT(it_peer_ended(&peers[0]), IT_WAIT_MS);
    SL_CHECK_EQ(peers[0].state, IT_PEER_EOF);
    SL_CHECK_EQ(peers[0].len, 9);
    SL_CHECK_MEM(peers[0].buf, "\0\0\0\5first", 9U);
    IT_WAIT(cl.rec.closes == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(cl.rec.frames, 1);
    SL_CHECK_OK(cl.close_err);
    SL_CHECK_EQ(cl.send_after_err, SLOOP_ECLOSING);
    SL_CHECK_EQ(cl.rec.last_reason, SLOOP_CLOSE_LOCAL);
    it_peer_close(&peers[0], false);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

/* The stream closes once its 40 frames are queued, which (8 fit the ring)
 * happens inside on_writable. */
IT_CASE(close_from_on_writable)
{
    static it_stream st;
    uint32_t got = 0U;
    bool bad = false;
    it_stream_reset(&st, 1000U, 40U);
    st.close_when_done = true;
    SL_CHECK(start_server(&it_stream_handler, &st));
    SL_CHECK(it_peer_connect(&peers[0], port, 0));
    IT_WAIT(it_stream_drained(&peers[0], &got, &bad), IT_WAIT_MS);
    SL_CHECK(!bad);
    SL_CHECK_EQ(got, 40);
    SL_CHECK_EQ(peers[0].state, IT_PEER_EOF);
    IT_WAIT(st.rec.closes == 1U, IT_WAIT_MS);
    SL_CHECK(st.rec.writables > 0U);
    SL_CHECK_EQ(st.rec.last_reason, SLOOP_CLOSE_LOCAL);
    SL_CHECK_EQ(st.partial + st.writable_early, 0);
    it_peer_close(&peers[0], false);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

/* Two connections; the first one's on_close aborts the second, whose
 * on_close then finds the first already stale. */
static closer pair_rec;
static sloop_conn pair_conn[2];
static unsigned pair_opened;

static void pair_open(sloop_loop *loop, sloop_conn conn, void *user)
{
    (void)user;
    it_cb_live(loop, conn);
    if (pair_opened < 2U) {
        pair_conn[pair_opened] = conn;
    }
    pair_opened++;
}

static void pair_close(sloop_loop *loop, sloop_conn conn, sloop_close_reason reason, void *user)
{
    count_close(loop, conn, reason, user);
    if ((conn.id == pair_conn[0].id) && (conn.gen == pair_conn[0].gen)) {
        pair_rec.other_err = sloop_conn_abort(loop, pair_conn[1]);
    } else {
        pair_rec.close_err = sloop_conn_abort(loop, pair_conn[0]);
    }
}

static const sloop_handler pair_handler = { pair_open, count_frame, NULL, pair_close };

IT_CASE(close_from_on_close_of_another)
{
    memset(&pair_rec, 0, sizeof pair_rec);
    pair_opened = 0U;
    SL_CHECK(start_server(&pair_handler, &pair_rec));
    SL_CHECK(it_peer_connect(&peers[0], port, 0));
    IT_WAIT(pair_opened == 1U, IT_WAIT_MS);
    SL_CHECK(it_peer_connect(&peers[1], port, 0));
    IT_WAIT(pair_opened == 2U, IT_WAIT_MS);
    it_peer_close(&peers[0], false);
    IT_WAIT(pair_rec.rec.closes == 2U, IT_WAIT_MS);
    SL_CHECK_EQ(pair_rec.rec.reason[SLOOP_CLOSE_PEER], 1);
    SL_CHECK_EQ(pair_rec.rec.reason[SLOOP_CLOSE_ABORT], 1);
    SL_CHECK_EQ(pair_rec.rec.last_reason, SLOOP_CLOSE_ABORT);
    SL_CHECK_OK(pair_rec.other_err);
    SL_CHECK_EQ(pair_rec.close_err, SLOOP_ESTALE);
    IT_WAIT(it_peer_ended(&peers[1]), IT_WAIT_MS);
    it_peer_close(&peers[1], false);
    SL_CHECK(it_pump_for(5U));
    SL_CHECK_EQ(pair_rec.rec.closes, 2);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

static sloop_conn timer_target;
static sloop_err timer_close_err;
static void abort_from_timer(sloop_loop *loop, sloop_timer t, void *user)
{
    (void)t;
    (void)user;
    timer_close_err = sloop_conn_abort(loop, timer_target);
}

IT_CASE(close_from_timer)
{
    static it_rec srv;
    sloop_timer t;
    it_rec_reset(&srv);
    timer_close_err = SLOOP_EINVAL;
    SL_CHECK(start_server(&it_echo_handler, &srv));
    SL_CHECK(it_peer_connect(&peers[0], port, 0));
    IT_WAIT(srv.opens == 1U, IT_WAIT_MS);
    timer_target = srv.last_open;
    SL_CHECK_OK(sloop_timer_start(&it_loop, 1U, 0U, abort_from_timer, NULL, &t));
    IT_WAIT(srv.closes == 1U, IT_WAIT_MS);
    SL_CHECK_OK(timer_close_err);
    SL_CHECK_EQ(srv.last_reason, SLOOP_CLOSE_ABORT);
    IT_WAIT(it_peer_ended(&peers[0]), IT_WAIT_MS);
    SL_CHECK_EQ(sloop_timer_stop(&it_loop, t), SLOOP_ESTALE);
    it_peer_close(&peers[0], false);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

/* ---- Graceful close and shutdown ------------------------------------------------------ */

/* Everything queued when sloop_conn_close is called arrives: the ring and the
 * kernel are both full because the peer has not read yet. */
IT_CASE(close_graceful_flushes_everything)
{
    static it_stream st;
    uint32_t got = 0U;
    uint32_t queued = 0U;
    bool bad = false;
    it_stream_reset(&st, 1000U, 0U);
    SL_CHECK(start_server(&it_stream_handler, &st));
    SL_CHECK(it_peer_connect(&peers[0], port, 4096));
    IT_WAIT(st.rec.opens == 1U, IT_WAIT_MS);
    SL_CHECK(it_stream_wait_stalled(&st, st.rec.last_open));
    SL_CHECK_OK(sloop_conn_tx_queued(&it_loop, st.rec.last_open, &queued, NULL));
    SL_CHECK(queued > 0U);
    SL_CHECK_OK(sloop_conn_close(&it_loop, st.rec.last_open));
    SL_CHECK_EQ(sloop_send(&it_loop, st.rec.last_open, "late", 4U), SLOOP_ECLOSING);
    IT_WAIT(it_stream_drained(&peers[0], &got, &bad), 4U * IT_WAIT_MS);
    SL_CHECK(!bad);
    SL_CHECK_EQ(peers[0].state, IT_PEER_EOF);
    SL_CHECK_EQ(got, st.next);
    IT_WAIT(st.rec.closes == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(st.rec.last_reason, SLOOP_CLOSE_LOCAL);
    SL_CHECK_EQ(st.partial, 0);
    it_peer_close(&peers[0], false);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

/* Peers read from inside the loop (watchers on their sockets), so that
 * sloop_run can be used as an application would. */
typedef struct reader {
    it_peer *peer;
    uint32_t got;
    bool bad;
    bool reads;        /* false: a peer that never reads */
} reader;

static reader readers[8];
static bool safety_fired;

static void reader_cb(sloop_loop *loop, sloop_watch w, sloop_fd fd, unsigned events, void *user)
{
    reader *r = (reader *)user;
    (void)fd;
    (void)events;
    it_peer_read(r->peer);
    if (!it_stream_verify(r->peer, &r->got)) {
        r->bad = true;
    }
    if (r->peer->state != IT_PEER_OPEN) {
        (void)sloop_watch_stop(loop, w); /* nothing more to read */
    }
}

static void safety_stop(sloop_loop *loop, sloop_timer t, void *user)
{
    (void)t;
    (void)user;
    safety_fired = true;
    sloop_stop(loop);
}

static bool connection_refused(uint16_t p)
{
    sloop_fd fd = tsock_tcp();
    tsock_err err;
    if (fd == SLOOP_FD_INVALID) {
        return false;
    }
    err = tsock_connect_loopback(fd, p);
    (void)tsock_close(fd);
    return err == TSOCK_REFUSED;
}

static it_stream_pool pool;

/* Starts n stream connections and waits until each has stalled (its peer has
 * not read anything yet). Then peers[readers_from] and later ones start
 * reading from inside the loop; the ones before never read. */
static bool start_streams(uint32_t n, uint32_t readers_from, sloop_watch *w)
{
    uint32_t i;
    it_stream_pool_reset(&pool, 1000U, 0U);
    if (!start_server(&it_stream_pool_handler, &pool)) {
        return false;
    }
    for (i = 0U; i < n; i++) {
        if (!it_peer_connect(&peers[i], port, 4096)) {
            return false;
        }
        while (pool.used <= i) {
            if (!it_step()) {
                return false;
            }
        }
        if (!it_stream_wait_stalled(&pool.s[i], pool.s[i].rec.last_open)) {
            return false;
        }
    }
    for (i = 0U; i < n; i++) {
        readers[i].peer = &peers[i];
        readers[i].got = 0U;
        readers[i].bad = false;
        readers[i].reads = (i >= readers_from);
        if (readers[i].reads &&
            (sloop_watch_start(&it_loop, peers[i].fd, SLOOP_READABLE, reader_cb, &readers[i],
                               &w[i]) != SLOOP_OK)) {
            return false;
        }
    }
    return true;
}

IT_CASE(shutdown_graceful_flushes_busy_connections)
{
    sloop_watch w[5];
    sloop_timer safety;
    uint32_t i;
    safety_fired = false;
    SL_CHECK(start_streams(5U, 0U, w));
    for (i = 0U; i < 5U; i++) {
        uint32_t queued = 0U;
        SL_CHECK_OK(sloop_conn_tx_queued(&it_loop, pool.s[i].rec.last_open, &queued, NULL));
        SL_CHECK(queued > 0U);
    }
    SL_CHECK_OK(sloop_timer_start(&it_loop, 4U * IT_WAIT_MS, 0U, safety_stop, NULL, &safety));
    SL_CHECK_OK(sloop_shutdown(&it_loop, 4U * IT_WAIT_MS));
    /* Listeners are closed at once. */
    SL_CHECK_EQ(sloop_slots_open_count(&it_loop.listener_slots), 0);
    SL_CHECK_EQ(sloop_listener_close(&it_loop, lst), SLOOP_ESTALE);
    SL_CHECK(connection_refused(port));
    SL_CHECK_EQ(sloop_send(&it_loop, pool.s[0].rec.last_open, "x", 1U), SLOOP_ECLOSING);
    SL_CHECK_OK(sloop_run(&it_loop));
    SL_CHECK(!safety_fired);
    SL_CHECK_EQ(sloop_slots_open_count(&it_loop.conn_slots), 0);
    for (i = 0U; i < 5U; i++) {
        /* The last bytes and the end of stream may still be in the socket. */
        IT_WAIT(it_stream_drained(readers[i].peer, &readers[i].got, &readers[i].bad),
                IT_WAIT_MS);
        SL_CHECK(!readers[i].bad);
        SL_CHECK_EQ(readers[i].peer->state, IT_PEER_EOF);
        SL_CHECK_EQ(readers[i].got, pool.s[i].next);
        SL_CHECK_EQ(pool.s[i].rec.closes, 1);
        SL_CHECK_EQ(pool.s[i].rec.last_reason, SLOOP_CLOSE_LOCAL);
        (void)sloop_watch_stop(&it_loop, w[i]);
        it_peer_close(&peers[i], false);
    }
    SL_CHECK_OK(sloop_timer_stop(&it_loop, safety));
}

IT_CASE(shutdown_deadline_aborts_peer_that_never_reads)
{
    sloop_watch w[2];
    sloop_timer safety;
    safety_fired = false;
    /* peers[0] never reads; peers[1] does. */
    SL_CHECK(start_streams(2U, 1U, w));
    SL_CHECK_OK(sloop_timer_start(&it_loop, 4U * IT_WAIT_MS, 0U, safety_stop, NULL, &safety));
    SL_CHECK_OK(sloop_shutdown(&it_loop, 100U));
    SL_CHECK_OK(sloop_run(&it_loop));
    SL_CHECK(!safety_fired);
    SL_CHECK_EQ(sloop_slots_open_count(&it_loop.conn_slots), 0);
    SL_CHECK_EQ(pool.s[0].rec.closes, 1);
    SL_CHECK_EQ(pool.s[0].rec.last_reason, SLOOP_CLOSE_SHUTDOWN);
    IT_WAIT(it_stream_drained(&peers[1], &readers[1].got, &readers[1].bad), IT_WAIT_MS);
    SL_CHECK(!readers[1].bad);
    SL_CHECK_EQ(peers[1].state, IT_PEER_EOF);
    SL_CHECK_EQ(readers[1].got, pool.s[1].next);
    SL_CHECK_EQ(pool.s[1].rec.closes, 1);
    SL_CHECK_EQ(pool.s[1].rec.last_reason, SLOOP_CLOSE_LOCAL);
    SL_CHECK_EQ(it_ctr().closes[SLOOP_CLOSE_SHUTDOWN], 1);
    (void)sloop_watch_stop(&it_loop, w[1]);
    it_peer_close(&peers[0], false);
    it_peer_close(&peers[1], false);
    SL_CHECK_OK(sloop_timer_stop(&it_loop, safety));
}

/* ---- Closing an outgoing connection before it connected --------------------------- */

IT_CASE(close_while_connecting_is_an_abort)
{
    static it_fault f;
    static closer cl;
    sloop_conn_options co;
    sloop_conn c;
    it_fault_init(&f);
    f.connect_to_pipe = true; /* never completes */
    memset(&cl, 0, sizeof cl);
    SL_CHECK_OK(it_init(&f.table));
    it_conn_opts_length(&co);
    co.connect_timeout_ms = 20U;
    SL_CHECK_OK(sloop_connect(&it_loop, "127.0.0.1", 9U, &co, &close_in_open_handler, &cl, &c));
    SL_CHECK_OK(sloop_send(&it_loop, c, "queued", 6U));
    SL_CHECK_OK(sloop_conn_close(&it_loop, c));
    SL_CHECK_EQ(sloop_send(&it_loop, c, "late", 4U), SLOOP_ECLOSING);
    IT_WAIT(cl.rec.closes == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(cl.rec.last_reason, SLOOP_CLOSE_ABORT);
    SL_CHECK_EQ(cl.rec.opens, 0);
    /* Its connect timeout, now moot, never fires. */
    SL_CHECK(it_pump_for(40U));
    SL_CHECK_EQ(cl.rec.closes, 1);
    SL_CHECK_EQ(it_ctr().closes[SLOOP_CLOSE_CONNECT_TIMEOUT], 0);
    it_fd_close(f.pipe_write_fd);
}

/* ---- sloop_close with everything still open ------------------------------------------ */

static unsigned never_calls;
static void never_timer(sloop_loop *loop, sloop_timer t, void *user)
{
    (void)loop;
    (void)t;
    (void)user;
    never_calls++;
}

static void never_watch(sloop_loop *loop, sloop_watch w, sloop_fd fd, unsigned events,
                        void *user)
{
    (void)loop;
    (void)w;
    (void)fd;
    (void)events;
    (void)user;
    never_calls++;
}

/* Waits (without the loop, which is closed) until the peer's stream ends. */
static bool peer_ends_soon(it_peer *p)
{
    uint32_t t0 = it_now_ms();
    while (!it_peer_ended(p)) {
        if ((uint32_t)(it_now_ms() - t0) > IT_WAIT_MS) {
            return false;
        }
        it_sleep_ms(1U);
    }
    return true;
}

IT_CASE(close_loop_with_everything_open_then_reinit)
{
    static it_rec srv;
    static it_rec cli;
    sloop_conn_options co;
    sloop_conn c;
    sloop_timer t;
    sloop_watch w;
    sloop_fd p[2];
    uint32_t i;
    uint8_t wire[8];
    it_rec_reset(&srv);
    it_rec_reset(&cli);
    never_calls = 0U;
    SL_CHECK(start_server(&it_echo_handler, &srv));
    for (i = 0U; i < 3U; i++) {
        SL_CHECK(it_peer_connect(&peers[i], port, 0));
    }
    it_conn_opts_length(&co);
    SL_CHECK_OK(sloop_connect(&it_loop, "127.0.0.1", port, &co, &it_record_handler, &cli, &c));
    IT_WAIT((srv.opens == 4U) && (cli.opens == 1U), IT_WAIT_MS);
    SL_CHECK(it_pipe(p));
    SL_CHECK_OK(sloop_watch_start(&it_loop, p[0], SLOOP_READABLE, never_watch, NULL, &w));
    SL_CHECK_OK(sloop_timer_start(&it_loop, 100000U, 0U, never_timer, NULL, &t));
    SL_CHECK_OK(sloop_send(&it_loop, c, "unsent", 6U));
    SL_CHECK(tsock_write(p[1], "x", 1U) == 1); /* readable, but never dispatched */

    SL_CHECK_OK(sloop_close(&it_loop));
    SL_CHECK_EQ(srv.closes, 4);
    SL_CHECK_EQ(srv.reason[SLOOP_CLOSE_SHUTDOWN], 4);
    SL_CHECK_EQ(cli.closes, 1);
    SL_CHECK_EQ(cli.last_reason, SLOOP_CLOSE_SHUTDOWN);
    SL_CHECK_EQ(never_calls, 0);
    /* The closed loop refuses everything. */
    SL_CHECK(sloop_send(&it_loop, c, "x", 1U) != SLOOP_OK);
    SL_CHECK_EQ(sloop_run_once(&it_loop, 0), SLOOP_EINVAL);
    SL_CHECK_EQ(sloop_timer_stop(&it_loop, t), SLOOP_ESTALE);
    SL_CHECK_EQ(sloop_close(&it_loop), SLOOP_EINVAL);
    /* Its descriptors are closed (peers see the end); the watched pipe is
     * the caller's and stays open. */
    for (i = 0U; i < 3U; i++) {
        SL_CHECK(peer_ends_soon(&peers[i]));
        SL_CHECK_EQ(peers[i].len, 0);
        it_peer_close(&peers[i], false);
    }
    SL_CHECK(tsock_is_open(p[0]));
    it_fd_close(p[0]);
    it_fd_close(p[1]);

    /* The same memory serves a new loop. */
    it_rec_reset(&srv);
    SL_CHECK(start_server(&it_echo_handler, &srv));
    SL_CHECK_EQ(it_ctr().accepts, 0);
    SL_CHECK(it_peer_connect(&peers[0], port, 0));
    SL_CHECK(it_peer_send(&peers[0], wire, it_frame(wire, "new", 3U)));
    IT_WAIT(it_peer_has(&peers[0], 7U), IT_WAIT_MS);
    SL_CHECK_MEM(peers[0].buf, "\0\0\0\3new", 7U);
    SL_CHECK_EQ(it_ctr().accepts, 1);
    it_peer_close(&peers[0], false);
    IT_WAIT(srv.closes == 1U, IT_WAIT_MS);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

static const sl_test tests[] = {
    IT_ENTRIES(close_from_on_open),
    IT_ENTRIES(close_from_on_frame),
    IT_ENTRIES(close_from_on_writable),
    IT_ENTRIES(close_from_on_close_of_another),
    IT_ENTRIES(close_from_timer),
    IT_ENTRIES(close_graceful_flushes_everything),
    IT_ENTRIES(shutdown_graceful_flushes_busy_connections),
    IT_ENTRIES(shutdown_deadline_aborts_peer_that_never_reads),
    IT_ENTRIES(close_while_connecting_is_an_abort),
    IT_ENTRIES(close_loop_with_everything_open_then_reinit),
};

int main(int argc, char **argv)
{
    return sl_main("loop_close", tests, SL_COUNT(tests), argc, argv);
}
