/*
 * proofs/eva/harness.c - Eva entry point (frama-c -eva -main eva_main) for the
 * whole loop (src/loop + src/core + the poll backend) over the simulation
 * (src/backend/sim.c), with generic inputs.
 *
 * Configuration: proofs/eva/config.h (1 connection, frames of at most 16
 * bytes, 64-byte reads, 2 user timers, 1 listener, 1 watcher, 4 events) and a
 * small simulated world (2 pairs: a second peer waits while the table is
 * full). Everything lives in static storage.
 *
 * Sequence: init, listen, then a prologue (peer 0 connects, one iteration
 * accepts it, peer 0 writes 0 .. EVA_MAX_WRITE bytes of any content, one
 * server action, one iteration reads and frames them), then EVA_STEPS (-D,
 * default 1; proofs/eva/run-eva passes 0) generic steps, then sloop_close.
 *
 * What is nondeterministic (Frama_C_interval / Frama_C_make_unknown):
 *  - the clock's start (1000, or within 300 ms below the 32-bit wrap) and every
 *    advance (0 .. 2^30 ms);
 *  - the sim's per-call recv/send limits and send window;
 *  - the listener's connection options: framing mode (RAW, LENGTH with a 1, 2
 *    or 4-byte header, DELIM with a 1..4-byte delimiter of any content), the
 *    maximum payload (1 .. 16, or above: rejected) and the idle, slow-peer and
 *    linger timeouts;
 *  - per generic step, one peer action among: connect, write 0..EVA_MAX_WRITE
 *    bytes of any content, read, half-close (shutdown), close, reset, change
 *    limits, advance the clock; the peer is any of the world's (or an unknown id);
 *  - per step (and once in the prologue), one server action among: nothing,
 *    sloop_send of 0 .. SLOOP_TX_BUF_SIZE + 8 bytes of any content, graceful
 *    close, abort, pause/resume reading, query the tx queue, start, reschedule
 *    or stop a user timer (delays up to SLOOP_TICK_MAX_DELAY + 1; left out
 *    with -DEVA_NO_USER_TIMERS), set the user pointer;
 *  - from on_open, on_frame, on_writable and the timer callback (from on_close
 *    too with -DEVA_ACTIONS_IN_ON_CLOSE), one connection action: nothing, send,
 *    close, abort, pause/resume, tx query (no timer operations: they made
 *    most of the run time);
 *  - the handle used is any one the application ever saw, so stale handles
 *    are included; the timeout of each sloop_run_once is 0 .. 50 ms.
 *
 * The `check` annotations named reached_* are the reachability markers the
 * runner (proofs/eva/run-eva) requires to be reached: an Eva run in which one
 * of them is dead would be vacuous (e.g. the loop body never reached).
 */
#include "__fc_builtin.h"
#include "sloop.h"
#include "sloop_sim.h"

#ifndef EVA_STEPS
#define EVA_STEPS 1 /* generic steps after the prologue; run-eva passes its own */
#endif
#define EVA_MAX_WRITE 24
#define EVA_PORT 7000U
#define EVA_HANDLES 2U

static sloop_sim g_sim;
static sloop_loop g_loop;
static sloop_conn g_conn[EVA_HANDLES];   /* every handle on_open saw (may be stale) */
static sloop_timer g_timer[EVA_HANDLES]; /* every user timer started (may be stale) */
static uint8_t g_tx[SLOOP_TX_BUF_SIZE + 8U];
static uint8_t g_wr[EVA_MAX_WRITE];
static uint8_t g_rd[EVA_MAX_WRITE];
static volatile uint32_t g_sink; /* keeps the bytes on_frame reads observable */

static void eva_timer_cb(sloop_loop *loop, sloop_timer timer, void *user);

static int pick(int n) { return Frama_C_interval(0, n - 1); }

static uint32_t any_delay(void)
{
    /* 0 .. SLOOP_TICK_MAX_DELAY + 1: the last value must be rejected. */
    return Frama_C_unsigned_int_interval(0U, SLOOP_TICK_MAX_DELAY + 1U);
}

/* One action of the application, on any handle it ever saw. */
static void server_action(sloop_loop *loop)
{
    sloop_conn c = g_conn[pick((int)EVA_HANDLES)];
    uint32_t t = (uint32_t)pick((int)EVA_HANDLES);
    switch (pick(10)) {
    case 0:
        break;
    case 1: {
        uint32_t len = (uint32_t)Frama_C_interval(0, (int)sizeof g_tx);
        Frama_C_make_unknown((char *)g_tx, sizeof g_tx);
        (void)sloop_send(loop, c, g_tx, len);
        break;
    }
    case 2:
        (void)sloop_conn_close(loop, c);
        break;
    case 3:
        (void)sloop_conn_abort(loop, c);
        break;
    case 4:
        (void)sloop_conn_pause_read(loop, c, pick(2) != 0);
        break;
    case 5: {
        uint32_t queued = 0U;
        uint32_t space = 0U;
        if (sloop_conn_tx_queued(loop, c, &queued, &space) == SLOOP_OK) {
            //@ check tx_bounds: queued <= SLOOP_TX_BUF_SIZE && space <= SLOOP_TX_BUF_SIZE;
            g_sink = queued + space;
        }
        break;
    }
#ifndef EVA_NO_USER_TIMERS
    case 6:
        (void)sloop_timer_start(loop, any_delay(), any_delay(), eva_timer_cb, NULL, &g_timer[t]);
        break;
    case 7:
        (void)sloop_timer_reschedule(loop, g_timer[t], any_delay(), any_delay());
        break;
    case 8:
        (void)sloop_timer_stop(loop, g_timer[t]);
        break;
#endif
    default:
        (void)sloop_conn_set_user(loop, c, NULL);
        break;
    }
}

/* What a callback does: one action on a connection handle (no timer
 * operations: measured as most of the run time when every callback could also
 * start, reschedule or stop a user timer; the top-level server action between
 * iterations still does all three). */
static void callback_action(sloop_loop *loop)
{
    sloop_conn c = g_conn[pick((int)EVA_HANDLES)];
    switch (pick(6)) {
    case 0:
        break;
    case 1: {
        uint32_t len = (uint32_t)Frama_C_interval(0, (int)sizeof g_tx);
        Frama_C_make_unknown((char *)g_tx, sizeof g_tx);
        (void)sloop_send(loop, c, g_tx, len);
        break;
    }
    case 2:
        (void)sloop_conn_close(loop, c);
        break;
    case 3:
        (void)sloop_conn_abort(loop, c);
        break;
    case 4:
        (void)sloop_conn_pause_read(loop, c, pick(2) != 0);
        break;
    default: {
        uint32_t queued = 0U;
        uint32_t space = 0U;
        if (sloop_conn_tx_queued(loop, c, &queued, &space) == SLOOP_OK) {
            //@ check cb_tx_bounds: queued <= SLOOP_TX_BUF_SIZE && space <= SLOOP_TX_BUF_SIZE;
            g_sink = queued + space;
        }
        break;
    }
    }
}

static void on_open(sloop_loop *loop, sloop_conn conn, void *user)
{
    (void)user;
    //@ check reached_on_open: \true;
    g_conn[conn.id % EVA_HANDLES] = conn;
    callback_action(loop);
}

static void on_frame(sloop_loop *loop, sloop_conn conn, const uint8_t *data, uint32_t len,
                     void *user)
{
    uint32_t i;
    uint32_t acc = 0U;
    (void)conn;
    (void)user;
    //@ check reached_on_frame: \true;
    //@ check frame_len_bound: len <= SLOOP_MAX_FRAME;
    /* Read every byte: Eva checks that [data, data + len) is valid memory. */
    for (i = 0U; i < len; i++) {
        acc += data[i];
    }
    g_sink = acc;
    callback_action(loop);
}

static void on_writable(sloop_loop *loop, sloop_conn conn, void *user)
{
    (void)conn;
    (void)user;
    callback_action(loop);
}

static void on_close(sloop_loop *loop, sloop_conn conn, sloop_close_reason reason, void *user)
{
    (void)user;
    //@ check reached_on_close: \true;
    //@ check close_reason_range: reason < SLOOP_CLOSE_REASON_COUNT;
    g_sink = (uint32_t)sloop_conn_valid(loop, conn);
#ifdef EVA_ACTIONS_IN_ON_CLOSE
    /* Off by default: measured as the dominant cost (every close path times
     * every action), see docs/verification.md, "Eva". */
    callback_action(loop);
#endif
}

static void eva_timer_cb(sloop_loop *loop, sloop_timer timer, void *user)
{
    (void)timer;
    (void)user;
    //@ check reached_timer_cb: \true;
    callback_action(loop);
}

static const sloop_handler g_handler = {on_open, on_frame, on_writable, on_close};

/* One action of the peers (the far ends of the simulated connections). */
static void peer_action_on(sloop_sim_peer p)
{
    switch (pick(8)) {
    case 0: {
        sloop_sim_peer id = 0U;
        (void)sloop_sim_peer_connect(&g_sim, "127.0.0.1", (uint16_t)EVA_PORT, &id);
        break;
    }
    case 1: {
        size_t len = (size_t)Frama_C_interval(0, EVA_MAX_WRITE);
        Frama_C_make_unknown((char *)g_wr, sizeof g_wr);
        (void)sloop_sim_peer_write(&g_sim, p, g_wr, len);
        break;
    }
    case 2:
        (void)sloop_sim_peer_read(&g_sim, p, g_rd, (size_t)Frama_C_interval(0, EVA_MAX_WRITE));
        break;
    case 3:
        sloop_sim_peer_shutdown(&g_sim, p);
        break;
    case 4:
        sloop_sim_peer_close(&g_sim, p);
        break;
    case 5:
        sloop_sim_peer_reset(&g_sim, p);
        break;
    case 6:
        sloop_sim_peer_limits(&g_sim, p, Frama_C_unsigned_int_interval(0U, 8U),
                              Frama_C_unsigned_int_interval(0U, 8U),
                              Frama_C_unsigned_int_interval(0U, SLOOP_SIM_BUF_SIZE));
        break;
    default:
        /* Small steps (timeouts of a few ms) or a jump of up to 2^30 ms. */
        sloop_sim_advance(&g_sim, (pick(2) != 0) ? Frama_C_unsigned_int_interval(0U, 200U)
                                                 : Frama_C_unsigned_int_interval(0U, 0x40000000U));
        break;
    }
}

/* Any peer the world may create, or one id beyond (the sim must refuse it). The
 * id is split into constants so that Eva analyses each peer separately rather
 * than one peer whose buffers span the whole pair table. */
static void peer_action(void)
{
    int k = pick((int)SLOOP_SIM_MAX_PAIRS + 1);
    if (k == 0) {
        peer_action_on(0U);
    } else if (k == 1) {
        peer_action_on(1U);
    } else {
        peer_action_on(2U);
    }
}

static void any_framing(sloop_frame_config *f)
{
    static const uint8_t headers[3] = {1U, 2U, 4U};
    f->mode = (sloop_frame_mode)pick(3);
    f->header_size = headers[pick(3)];
    f->delim_len = (uint8_t)Frama_C_interval(1, (int)SLOOP_FRAME_MAX_DELIM);
    Frama_C_make_unknown((char *)f->delim, sizeof f->delim);
    /* Up to SLOOP_MAX_FRAME + 1: one above is rejected by sloop_listen. */
    f->max_payload = Frama_C_unsigned_int_interval(1U, SLOOP_MAX_FRAME + 1U);
}

void eva_main(void)
{
    sloop_options o;
    sloop_listen_options lo;
    sloop_listener l;
    uint32_t start;
    int step;

    start = (pick(2) != 0) ? 1000U : Frama_C_unsigned_int_interval(0xFFFFFED3U, 0xFFFFFFFFU);
    if (!sloop_sim_init(&g_sim, start)) {
        return;
    }
    sloop_sim_set_default_limits(&g_sim, Frama_C_unsigned_int_interval(0U, 8U),
                                 Frama_C_unsigned_int_interval(0U, 8U),
                                 Frama_C_unsigned_int_interval(0U, SLOOP_SIM_BUF_SIZE));
    o.backend = SLOOP_BACKEND_POLL;
    o.sys = sloop_sim_sys(&g_sim);
    if (sloop_init(&g_loop, &o) != SLOOP_OK) {
        return;
    }
    //@ check reached_init: \true;

    lo.addr = "127.0.0.1";
    lo.port = (uint16_t)EVA_PORT;
    lo.backlog = Frama_C_interval(0, 4);
    any_framing(&lo.conn.framing);
    lo.conn.idle_timeout_ms = Frama_C_unsigned_int_interval(0U, 100U);
    lo.conn.frame_timeout_ms = Frama_C_unsigned_int_interval(0U, 100U);
    lo.conn.linger_ms = Frama_C_unsigned_int_interval(0U, 100U);
    lo.conn.connect_timeout_ms = 0U;
    lo.conn.on_frame_error = NULL; /* framing errors close at once (the callback path is not analysed) */
    lo.handler = &g_handler;
    lo.user = NULL;
    if (sloop_listen(&g_loop, &lo, &l) == SLOOP_OK) {
        //@ check reached_listening: \true;
        /* Prologue: peer 0 connects and the loop accepts it (on_open), then
         * peer 0 writes 0 .. EVA_MAX_WRITE bytes of any content and the loop
         * reads and frames them (on_frame): every later step then starts with
         * a connection that has seen traffic, without spending generic steps
         * to get there. */
        sloop_sim_peer id = 0U;
        if (sloop_sim_peer_connect(&g_sim, "127.0.0.1", (uint16_t)EVA_PORT, &id) == SLOOP_SYS_OK) {
            //@ check reached_connected: \true;
        }
        (void)sloop_run_once(&g_loop, Frama_C_interval(0, 50));
        Frama_C_make_unknown((char *)g_wr, sizeof g_wr);
        (void)sloop_sim_peer_write(&g_sim, 0U, g_wr, (size_t)Frama_C_interval(0, EVA_MAX_WRITE));
        server_action(&g_loop);
        (void)sloop_run_once(&g_loop, Frama_C_interval(0, 50));
        //@ check reached_prologue: \true;
        /* Unrolled (8 >= EVA_STEPS): every step is analysed separately. */
        //@ loop unroll 8;
        for (step = 0; step < EVA_STEPS; step++) {
            peer_action();
            server_action(&g_loop);
            (void)sloop_run_once(&g_loop, Frama_C_interval(0, 50));
        }
        //@ check reached_after_steps: \true;
    }
    (void)sloop_close(&g_loop);
    //@ check reached_closed: \true;
}
