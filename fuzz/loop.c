/*
 * fuzz/loop.c - the whole loop (src/loop, src/backend, src/core) driven through the
 * deterministic simulation (src/backend/sim.c, poll backend) with a fault plan
 * (tests/fault/faultplan.c) between the two. The input is a script: peers that
 * connect, write valid and hostile bytes in arbitrary splits, read slowly, shut
 * down, close and reset; an application that sends, closes, aborts, pauses, starts
 * timers, listens, connects out, adopts and watches descriptors, from outside and
 * from inside its callbacks; clock steps across the 32-bit wrap; injected faults.
 *
 * Checked during the run:
 *  1. No callback for a handle the application does not hold: on_open once per
 *     connection (an accepted one is new then, an outgoing or adopted one is the
 *     handle sloop_connect/adopt returned), on_frame/on_writable only between
 *     on_open and on_close, on_close once and last, with the handle already
 *     invalid (sloop_conn_valid false; send, close, abort, pause, tx_queued,
 *     set_user give SLOOP_ESTALE). Every callback gets the loop and the user
 *     pointer it should. No on_frame after sloop_conn_close/abort returned OK.
 *  2. sloop_send is all-or-nothing and agrees with a model: ESTALE for a dead
 *     handle, ECLOSING after a close was requested, ETOOBIG when the header cannot
 *     hold the length or the frame can never fit, EFULL exactly when header +
 *     payload exceed the space sloop_conn_tx_queued reported, and an accepted frame
 *     grows the queue by exactly header + payload; queued + space == TX buffer.
 *  3. Pause: while a connection is paused (and not reset), sloop never reads it:
 *     frames after the pause come only from bytes already read.
 *  4. Timers: callbacks only for live timers, never early (a deadline model in
 *     the loop's clock, periodic re-arm as the core documents), never missed (after
 *     an iteration no live timer is due, unless a callback armed one with delay 0),
 *     a stopped or finished one-shot never fires; start/stop/reschedule return
 *     what the model says (EINVAL, ELIMIT, ESTALE).
 *  5. Bounded: each sloop_run_once makes at most LF_ITER_CALLS sys calls plus 4
 *     per callback it ran (table sizes and budgets of sloop_config.h), sloop_run
 *     the same per wakeup; the sim never sees a wait that could never end.
 *  6. Close reasons are plausible: each reason only when its cause exists
 *     (PEER after a peer FIN, RESET after a peer reset/close or an injected
 *     fault, IO_ERROR only after an injected fault, FRAME_TOO_BIG only in LENGTH
 *     mode, TIMEOUTs only when configured, BAD_FD only for a descriptor closed
 *     behind the loop's back, ...), and the first reason stands: once
 *     sloop_conn_abort returned OK, on_close says ABORT (BAD_FD and SHUTDOWN
 *     excepted), whatever deadline, refusal or error comes after it.
 *  7. Watchers: calls only for a live watcher, with its handle, descriptor and user
 *     pointer, never empty, and only the events it asks for at the moment of the
 *     call, plus SLOOP_ERROR: also when a callback earlier in the same batch (a
 *     connection's or another watcher's, sloop_watch_modify) narrowed it after the
 *     wait had reported more; none after it was stopped there. A descriptor closed
 *     behind the loop's back gives SLOOP_ERROR alone, once, and stops the watcher.
 * Checked after sloop_close (the fault suite's invariants, tests/fault/world.h):
 *  8. Every descriptor the sim handed out was closed exactly once (sim and fault
 *     plan), and no call named a closed or unknown one; every connection the
 *     application learnt of got on_close; every table is empty (connection,
 *     listener, watcher slots, timer ids, armed timers, user timers, pending
 *     work, pollfds).
 *  9. Delivery: what each peer received is a prefix of the wire bytes sloop_send
 *     accepted for its connection (nothing lost in the middle, duplicated,
 *     reordered or corrupted), and all of it when on_close said LOCAL or PEER.
 * 10. Receiving: the frames delivered are exactly the first frames of a simple
 *     reference decoding of what the peer wrote (LENGTH, DELIM; RAW: they
 *     concatenate to a prefix of the stream), whatever the read splits; PEER means
 *     every complete frame was delivered; FRAME_TOO_BIG/TOO_LONG means exactly
 *     the frames before the reference's error were.
 * 11. Counters agree: frames_in == on_frame calls, accepts == on_open of accepted
 *     connections, connects == on_open of outgoing ones, frames_out == accepted
 *     sends, send_full == EFULL results, closes per reason == on_close per reason,
 *     timers_fired == timer callbacks, bytes_in/out == what the sys table moved.
 *
 * Domain (as documented for the timer queue): the loop never falls more than
 * 2^30 ms behind its clock: ADVANCE steps are cut so the clock runs at most 2^29 ms
 * ahead of the loop's last sample, and at most two injected clock jumps of up to
 * 2^28 ms are allowed per input.
 *
 * Built with a small configuration (fuzz.mk FUZZ_LOOP_CFG: 4 connections, frames
 * of 100 bytes, 3 events per wait, 64-byte reads, a 512-byte sim socket buffer) so
 * that every limit is within a few operations; it also builds with the defaults.
 *
 * Input layout (missing bytes read as 0):
 *   [0]      start clock: bits 0-1 select 1000, 2^32 - x, 2^31 - x, or x * 65536
 *            (x = [1..2]); bit 2: end with sloop_shutdown + drain before sloop_close;
 *            bits 3-4: default peer limits; bits 5-7: listeners opened at start
 *   [1..2]   x
 *   [3..5]   listener A: framing, max_payload, timeouts
 *   [6..8]   listener B (also outgoing connections): framing, max_payload, timeouts
 *   [9]      remote connect delay
 *   [10..11] on_open reactions (4 x 4 bits), [12..15] on_frame reactions (8 x 4 bits)
 *   [16]     on_close (2 x 4 bits) reactions; [17] on_writable reactions (2 x 4 bits)
 *   [18..]   operations, at most LF_MAX_OPS: an opcode byte and its arguments
 */
#include <stdint.h>
#include <string.h>

#include "faultplan.h"
#include "fuzz.h"
#include "loop/internal.h" /* sloop__conn_options_valid; the tables checked at the end */
#include "sloop.h"
#include "sloop_sim.h"

#define LF_MAX_OPS 160U
#define LF_LOG 4096U
#define LF_PAIRS SLOOP_SIM_MAX_PAIRS
#define LF_LISTENERS 4U
#define LF_TIMERS 12U
#define LF_WATCHES 4U
#define LF_REMOTES 6U
#define LF_CLOCK_AHEAD 0x20000000U /* ADVANCE keeps the clock <= 2^29 ms ahead of the loop */
#define LF_BIG_JUMP 0x10000000U    /* a large injected clock jump: up to 2^28 ms */
#define LF_CALL_LIMIT 2000000U     /* backstop: beyond it every sys call fails */
#define LF_RUN_CALLS 100000U       /* one sloop_run (stop timer <= 2041 ms) stays within this */
#define LF_HEADER 18U
#define LF_EXPECTS 16U
#define LF_SIGS 4U
#define LF_LIVE_ITERS 6U   /* a wake or a watched signal is served within this many iterations */
#define LF_CB_REPEATS 4U   /* callbacks that wake or raise again: at most this many per input */
#define LF_NEW_OPS 232U    /* opcodes from here on: the operations added with expect, signals, wake */

/* Sys calls one iteration may make without callbacks: two clock reads and a wait;
 * three pending passes of at most 4 * SLOOP_MAX_CONNS connections, each a flush of
 * at most SLOOP__EINTR_RETRIES (8) + 1 sendv and a close; per event a read budget
 * of 1-byte recvs plus retries, or an accept budget plus retries and closes; a
 * close per timer. Each callback may add a few (sloop_connect: clock, connect,
 * close), counted separately. */
#define LF_ITER_CALLS                                                                      \
    (16U + (3U * 4U * SLOOP_MAX_CONNS * 11U) +                                             \
     (SLOOP_MAX_EVENTS * (SLOOP_READ_BUDGET + (3U * SLOOP_ACCEPT_BUDGET) + 32U)) +        \
     (2U * (SLOOP_MAX_TIMERS + SLOOP_MAX_CONNS)))

enum { LF_KIND_NONE = 0, LF_KIND_ACCEPTED, LF_KIND_CLIENT, LF_KIND_ADOPTED, LF_KIND_WATCHED };

/* One simulated connection: the peer's side and the application's view. */
typedef struct lf_pair {
    uint8_t kind;
    uint8_t listener;   /* accepted: the application listener it connected to */
    uint8_t has_framing;
    uint8_t opened;
    uint8_t closed;
    uint8_t reason;
    uint8_t close_req;  /* sloop_conn_close returned OK */
    uint8_t abort_req;  /* sloop_conn_abort returned OK */
    uint8_t paused;
    uint8_t behind;     /* its descriptor was closed behind the loop's back */
    uint8_t peer_shut;  /* FIN */
    uint8_t peer_closed;/* stopped reading: the loop's sends get EPIPE */
    uint8_t peer_reset;
    uint8_t tx_over, rx_over, ptx_over, prx_over;
    uint8_t fe_cb;      /* its options have an on_frame_error callback */
    uint8_t fe_in;      /* inside on_frame_error */
    uint8_t fe_reason;  /* on_frame_error returned: the connection is closing for this */
    uint8_t fe_abort;   /* on_frame_error aborted it */
    uint8_t nexp;       /* sloop_conn_expect calls that succeeded (up to LF_EXPECTS) */
    uint8_t exp_over;   /* more than LF_EXPECTS: the reference decoding is skipped */
    uint32_t exp_pending;           /* an expected frame of this length comes next */
    uint32_t exp_at[LF_EXPECTS];    /* ... as frame number exp_at (0-based) */
    uint32_t exp_n[LF_EXPECTS];
    sloop_tick fe_at;               /* loop time of on_frame_error */
    sloop_frame_config fr;
    uint32_t idle_ms;
    uint32_t frame_ms;
    uint32_t linger_ms;  /* effective (0: the 5000 ms default) */
    uint32_t connect_ms; /* effective (0: the 10000 ms default) */
    sloop_tick opened_at;    /* loop time when sloop_connect returned */
    sloop_tick close_req_at; /* loop time of the application's first close request */
    sloop_conn h;
    void *user;
    uint64_t moved_at_pause;
    uint32_t frames_in;
    uint32_t tx_len;  /* wire bytes sloop_send accepted */
    uint32_t rx_len;  /* frames delivered, each as [len hi][len lo][payload] */
    uint32_t ptx_len; /* bytes the peer wrote (that the sim took) */
    uint32_t prx_len; /* bytes the peer read */
    uint8_t tx[LF_LOG];
    uint8_t rx[LF_LOG];
    uint8_t ptx[LF_LOG];
    uint8_t prx[LF_LOG];
} lf_pair;

typedef struct lf_listener {
    uint8_t live;
    uint8_t tried;
    uint16_t port;
    sloop_listener h;
    sloop_conn_options opts;
} lf_listener;

typedef struct lf_timer {
    uint8_t used;
    uint8_t live;
    uint8_t is_stop;
    uint8_t purpose;
    uint8_t rescheduled;
    uint32_t period;
    sloop_tick deadline;
    sloop_timer h;
} lf_timer;

typedef struct lf_watch {
    uint8_t used;
    uint8_t live;      /* the watcher runs */
    uint8_t fd_open;   /* the application still owns an open descriptor */
    uint8_t want;
    sloop_fd fd;
    sloop_watch h;
} lf_watch;

typedef struct lf_sig {
    uint8_t used;
    uint8_t live;
    int signo;
    sloop_signal h;
} lf_sig;

typedef struct lf_state {
    fuzz_in in;
    sloop_conn_options opts[2]; /* A, B */
    uint8_t react_open[4];
    uint8_t react_frame[8];
    uint8_t react_close[2];
    uint8_t react_writable[2];
    uint32_t n_open, n_frame, n_close, n_writable;
    uint32_t remote_delay;
    lf_listener listeners[LF_LISTENERS];
    lf_timer timers[LF_TIMERS];
    uint32_t next_timer;
    lf_watch watches[LF_WATCHES];
    uint32_t live_pair[SLOOP_MAX_CONNS]; /* pair index + 1 of the live handle, 0: none */
    /* what the application saw */
    uint32_t on_open_server, on_open_client, on_open_adopted;
    uint32_t on_frame, on_close, timer_calls;
    uint32_t closes[SLOOP_CLOSE_REASON_COUNT];
    uint32_t sends_ok, send_efull;
    uint64_t app_recv; /* bytes watcher callbacks read through the sys table */
    uint32_t known;    /* connections the application learnt of */
    uint32_t user_timers;
    /* expect, on_frame_error, signals, wake-ups, fork */
    uint8_t fe_react;        /* what on_frame_error does */
    uint8_t fx_mode;         /* on_frame calls sloop_conn_expect (0: never) */
    uint8_t sig_react, wake_react;
    uint8_t watch_react;     /* what watcher callbacks do to a watcher (lf_watch_react) */
    uint8_t in_frame;        /* pair index + 1 while in its on_frame */
    uint8_t wk_started;      /* the wake-up channel is open */
    uint8_t wk_owed;         /* a wake returned OK and no on_wake ran since */
    uint8_t broken;          /* sloop_fork_reinit failed: only sloop_close is left */
    uint32_t wk_owed_iters, sig_owed_iters;
    uint32_t wk_ok, wk_cbs, wk_cbs_iter;
    uint32_t cb_repeats;
    lf_sig sigs[LF_SIGS];
    uint32_t sig_raised[65], sig_cbs[65];
    uint8_t sig_owed[65];    /* raised while watched, no callback since */
    /* state of the run */
    uint8_t in_final_close;
    uint8_t shutdown_called;
    uint8_t any_behind;
    uint8_t zero_arm;        /* a callback armed a timer due at once, or moved the clock */
    uint8_t fault_fail;      /* a FAIL rule was added */
    uint32_t big_jumps;
    uint32_t callbacks;      /* callbacks run (for the call bound) */
    uint64_t burst_from[FP_MAX_RULES];
} lf_state;

static sloop_sim g_sim;
static sloop_loop g_loop;
static faultplan g_fp;
static lf_state g;
static lf_pair g_pairs[LF_PAIRS];
static uint8_t g_user_tags[8]; /* distinct user pointers */
static uint8_t g_scratch[512];
static bool g_debug; /* LF_DEBUG=1 in the environment: trace the operations */

static void cb_open(sloop_loop *loop, sloop_conn c, void *user);
static void cb_frame(sloop_loop *loop, sloop_conn c, const uint8_t *data, uint32_t len, void *user);
static void cb_writable(sloop_loop *loop, sloop_conn c, void *user);
static void cb_close(sloop_loop *loop, sloop_conn c, sloop_close_reason reason, void *user);
static void cb_frame_error(sloop_loop *loop, sloop_conn c, sloop_close_reason reason, void *user);
static void lf_expect(sloop_conn h, uint32_t n);
static const sloop_handler g_handler = { cb_open, cb_frame, cb_writable, cb_close };

static const char *const g_remote_addr[LF_REMOTES] = {
    "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "not-an-address",
};
#define LF_REMOTE_PORT 7000U

/* ---- small helpers ------------------------------------------------------------- */

static void lf_log(uint8_t *log, uint32_t *len, uint8_t *over, const uint8_t *data, uint32_t n)
{
    if ((*over == 0U) && (n <= LF_LOG - *len)) {
        if (n > 0U) {
            memcpy(&log[*len], data, n);
        }
        *len += n;
    } else {
        *over = 1U;
    }
}

static void lf_pair_reset(lf_pair *p)
{
    /* Everything but the logs, whose lengths say how much is valid. */
    memset(p, 0, offsetof(lf_pair, tx));
}

static void lf_framing(sloop_frame_config *fr, uint8_t fsel, uint8_t psel)
{
    static const char *const delims[] = { "\n", "\r\n", "\r\n\r\n", "|", "ab", "aab", "abab" };
    static const uint8_t hdrs[] = { 1U, 2U, 4U };
    const char *d = delims[(fsel / 9U) % 7U];
    size_t dl = strlen(d);
    memset(fr, 0, sizeof *fr);
    fr->mode = (sloop_frame_mode)(fsel % 3U);
    fr->header_size = hdrs[(fsel / 3U) % 3U];
    fr->delim_len = (uint8_t)dl;
    memcpy(fr->delim, d, dl);
    if (psel < 240U) {
        fr->max_payload = 1U + ((uint32_t)psel % SLOOP_MAX_FRAME);
    } else {
        static const uint32_t special[4] = { 0U, SLOOP_MAX_FRAME + 1U, SLOOP_MAX_FRAME, 1U };
        fr->max_payload = special[psel % 4U];
    }
}

static void lf_conn_options(sloop_conn_options *o, uint8_t fsel, uint8_t psel, uint8_t tsel)
{
    static const uint32_t idle[4] = { 0U, 50U, 400U, 5000U };
    static const uint32_t frame[4] = { 0U, 30U, 200U, 3000U };
    static const uint32_t linger[4] = { 0U, 20U, 300U, 2000U };
    static const uint32_t conn[4] = { 0U, 10U, 100U, 1000U };
    memset(o, 0, sizeof *o);
    lf_framing(&o->framing, fsel, psel);
    o->idle_timeout_ms = idle[tsel & 3U];
    o->frame_timeout_ms = frame[(tsel >> 2) & 3U];
    o->linger_ms = linger[(tsel >> 4) & 3U];
    o->connect_timeout_ms = conn[(tsel >> 6) & 3U];
}

/* The pair behind a descriptor the sim handed out. */
static uint32_t lf_pair_of_fd(sloop_fd fd)
{
    uint32_t k;
    FUZZ_CHECK(fd >= (sloop_fd)SLOOP_SIM_FD_BASE);
    k = (uint32_t)(fd - (sloop_fd)SLOOP_SIM_FD_BASE);
    FUZZ_CHECK(k < sloop_sim_fds_handed_out(&g_sim));
    FUZZ_CHECK(g_sim.fds[k].kind == 2U);
    FUZZ_CHECK(g_sim.fds[k].obj < LF_PAIRS);
    return g_sim.fds[k].obj;
}

static lf_pair *lf_live(sloop_conn h)
{
    lf_pair *p = NULL;
    if ((h.id < SLOOP_MAX_CONNS) && (g.live_pair[h.id] != 0U)) {
        lf_pair *c = &g_pairs[g.live_pair[h.id] - 1U];
        if (c->h.gen == h.gen) {
            p = c;
        }
    }
    return p;
}

/* Binds a new handle to its pair when the application first learns of it. */
static lf_pair *lf_bind(sloop_conn h, uint8_t kind, const sloop_conn_options *opts, void *user)
{
    uint32_t pi;
    lf_pair *p;
    FUZZ_CHECK(h.id < SLOOP_MAX_CONNS);
    FUZZ_CHECK(g.live_pair[h.id] == 0U); /* slot reused before its on_close? */
    pi = lf_pair_of_fd(g_loop.conns[h.id].reg.fd);
    p = &g_pairs[pi];
    FUZZ_CHECK(p->kind == LF_KIND_NONE); /* one connection per pair */
    p->kind = kind;
    p->h = h;
    p->user = user;
    p->fr = opts->framing;
    p->has_framing = 1U;
    p->idle_ms = opts->idle_timeout_ms;
    p->frame_ms = opts->frame_timeout_ms;
    p->linger_ms = (opts->linger_ms == 0U) ? 5000U : opts->linger_ms;
    p->connect_ms = (opts->connect_timeout_ms == 0U) ? 10000U : opts->connect_timeout_ms;
    p->fe_cb = (opts->on_frame_error != NULL) ? 1U : 0U;
    p->opened_at = sloop_now(&g_loop);
    g.live_pair[h.id] = pi + 1U;
    g.known++;
    return p;
}

static uint32_t lf_pair_count(void)
{
    uint32_t n = sloop_sim_peer_count(&g_sim);
    return (n < LF_PAIRS) ? n : LF_PAIRS;
}

static uint32_t lf_pair_index(const lf_pair *p)
{
    return (uint32_t)(p - g_pairs);
}

/* Live application handles, for picking one; stale ones come from the pairs. */
static bool lf_pick_conn(uint8_t sel, sloop_conn *out)
{
    uint32_t n = lf_pair_count();
    uint32_t i;
    uint32_t seen = 0U;
    if (n == 0U) {
        return false;
    }
    /* Prefer live handles; every 8th pick may be a stale one. */
    if ((sel & 7U) != 7U) {
        uint32_t live = 0U;
        for (i = 0U; i < SLOOP_MAX_CONNS; i++) {
            live += (g.live_pair[i] != 0U) ? 1U : 0U;
        }
        if (live > 0U) {
            uint32_t want = ((uint32_t)sel >> 3) % live;
            for (i = 0U; i < SLOOP_MAX_CONNS; i++) {
                if (g.live_pair[i] != 0U) {
                    if (seen == want) {
                        *out = g_pairs[g.live_pair[i] - 1U].h;
                        return true;
                    }
                    seen++;
                }
            }
        }
    }
    for (i = 0U; i < n; i++) {
        const lf_pair *p = &g_pairs[((uint32_t)sel + i) % n];
        if ((p->kind != LF_KIND_NONE) && (p->kind != LF_KIND_WATCHED)) {
            *out = p->h;
            return true;
        }
    }
    return false;
}

/* ---- the application: sending ------------------------------------------------------ */

/* Payload bytes that never contain a delimiter byte (a, b, |, CR, LF). */
static void lf_fill(uint8_t *buf, uint32_t len, uint32_t seed)
{
    uint32_t i;
    for (i = 0U; i < len; i++) {
        buf[i] = (uint8_t)('c' + ((seed + (i * 7U)) % 23U));
    }
}

/* sloop_send, checked against the model. */
static sloop_err lf_send(sloop_conn h, const uint8_t *data, uint32_t len)
{
    lf_pair *p = lf_live(h);
    uint32_t q = 0U;
    uint32_t sp = 0U;
    uint32_t q2 = 0U;
    uint32_t sp2 = 0U;
    uint32_t hdr = 0U;
    uint8_t hb[4];
    bool repr = true;
    sloop_err qe = sloop_conn_tx_queued(&g_loop, h, &q, &sp);
    sloop_err err = sloop_send(&g_loop, h, data, len);
    if (g_debug) {
        fprintf(stderr, "  send %u/%u len %u (queued %u): %d\n", h.id, h.gen, len, q, (int)err);
    }
    if (p == NULL) {
        FUZZ_CHECK_EQ(err, SLOOP_ESTALE);
        FUZZ_CHECK_EQ(qe, SLOOP_ESTALE);
        return err;
    }
    FUZZ_CHECK_EQ(qe, SLOOP_OK);
    FUZZ_CHECK_EQ(q + sp, SLOOP_TX_BUF_SIZE);
    if ((p->close_req != 0U) || (p->abort_req != 0U) || (p->fe_reason != 0U)) {
        /* also after on_frame_error returned: the connection is closing */
        FUZZ_CHECK_EQ(err, SLOOP_ECLOSING);
        return err;
    }
    if (err == SLOOP_ECLOSING) {
        /* The loop closes on its own after a peer FIN with data queued, and in a
         * shutdown. */
        FUZZ_CHECK((p->peer_shut != 0U) || (g.shutdown_called != 0U));
        return err;
    }
    if (p->fr.mode == SLOOP_FRAME_LENGTH) {
        uint32_t hs = p->fr.header_size;
        uint32_t k;
        repr = (hs == 4U) || ((hs == 2U) && (len <= 0xFFFFU)) || ((hs == 1U) && (len <= 0xFFU));
        hdr = hs;
        for (k = 0U; k < hs; k++) {
            hb[k] = (uint8_t)(len >> (8U * (hs - 1U - k)));
        }
    }
    if (!repr || (len > SLOOP_TX_BUF_SIZE) || (hdr + len > SLOOP_TX_BUF_SIZE)) {
        FUZZ_CHECK_EQ(err, SLOOP_ETOOBIG);
    } else if (hdr + len > sp) {
        FUZZ_CHECK_EQ(err, SLOOP_EFULL);
        g.send_efull++;
    } else {
        FUZZ_CHECK_EQ(err, SLOOP_OK);
        g.sends_ok++;
        lf_log(p->tx, &p->tx_len, &p->tx_over, hb, hdr);
        lf_log(p->tx, &p->tx_len, &p->tx_over, data, len);
        FUZZ_CHECK_EQ(sloop_conn_tx_queued(&g_loop, h, &q2, &sp2), SLOOP_OK);
        FUZZ_CHECK_EQ(q2, q + hdr + len);
    }
    return err;
}

/* Sends a generated frame of len bytes (plus the delimiter in DELIM mode). */
static sloop_err lf_send_gen(sloop_conn h, uint32_t len, uint32_t seed)
{
    const lf_pair *p = lf_live(h);
    uint32_t n = (len < sizeof g_scratch - 4U) ? len : (uint32_t)sizeof g_scratch - 4U;
    lf_fill(g_scratch, n, seed);
    if ((p != NULL) && (p->fr.mode == SLOOP_FRAME_DELIM)) {
        memcpy(&g_scratch[n], p->fr.delim, p->fr.delim_len);
        n += p->fr.delim_len;
    }
    return lf_send(h, g_scratch, n);
}

static void lf_close(sloop_conn h, bool abort_now)
{
    lf_pair *p = lf_live(h);
    sloop_err err = abort_now ? sloop_conn_abort(&g_loop, h) : sloop_conn_close(&g_loop, h);
    if (p == NULL) {
        FUZZ_CHECK_EQ(err, SLOOP_ESTALE);
        return;
    }
    FUZZ_CHECK_EQ(err, SLOOP_OK);
    if (g_debug) {
        fprintf(stderr, "  %s %u/%u (callbacks so far %u)\n", abort_now ? "abort" : "close", h.id,
                h.gen, g.callbacks);
    }
    if ((p->close_req == 0U) && (p->abort_req == 0U)) {
        p->close_req_at = sloop_now(&g_loop);
    }
    if (abort_now) {
        p->abort_req = 1U;
    } else {
        p->close_req = 1U;
    }
    /* A request never runs a callback: the handle stays valid until on_close. */
    FUZZ_CHECK(sloop_conn_valid(&g_loop, h));
}

static void lf_pause(sloop_conn h, bool paused)
{
    lf_pair *p = lf_live(h);
    sloop_err err = sloop_conn_pause_read(&g_loop, h, paused);
    if (p == NULL) {
        FUZZ_CHECK_EQ(err, SLOOP_ESTALE);
        return;
    }
    FUZZ_CHECK_EQ(err, SLOOP_OK);
    if (paused && (p->paused == 0U)) {
        p->moved_at_pause = sloop_sim_peer_moved_to_loop(&g_sim, lf_pair_index(p));
    }
    p->paused = paused ? 1U : 0U;
}

/* ---- the application: timers ---------------------------------------------------------- */

static void cb_timer(sloop_loop *loop, sloop_timer t, void *user);
static void lf_listener_op(uint8_t kind, uint8_t sel, uint8_t aux);
static void lf_watch_op(uint8_t kind, uint8_t idx, uint8_t ev);

static sloop_err lf_timer_start(uint32_t delay, uint32_t period, uint8_t purpose, bool is_stop,
                                lf_timer **out)
{
    lf_timer *T = &g.timers[g.next_timer % LF_TIMERS];
    sloop_timer h = { 0U, 0U };
    sloop_err err;
    uint32_t i;
    uint32_t live = 0U;
    if (T->live != 0U) {
        /* Never overwrite a live timer's record: look for a spare one. */
        for (i = 0U; (i < LF_TIMERS) && (T->live != 0U); i++) {
            T = &g.timers[(g.next_timer + i) % LF_TIMERS];
        }
        if (T->live != 0U) {
            return SLOOP_ELIMIT;
        }
    }
    g.next_timer++;
    for (i = 0U; i < LF_TIMERS; i++) {
        live += (g.timers[i].live != 0U) ? 1U : 0U;
    }
    FUZZ_CHECK_EQ(live, g.user_timers);
    err = sloop_timer_start(&g_loop, delay, period, cb_timer, T, &h);
    if ((delay > SLOOP_TICK_MAX_DELAY) || (period > SLOOP_TICK_MAX_DELAY)) {
        FUZZ_CHECK_EQ(err, SLOOP_EINVAL);
    } else if (g.user_timers >= SLOOP_MAX_TIMERS) {
        FUZZ_CHECK_EQ(err, SLOOP_ELIMIT);
    } else {
        FUZZ_CHECK_EQ(err, SLOOP_OK);
    }
    if (err == SLOOP_OK) {
        T->used = 1U;
        T->live = 1U;
        T->is_stop = is_stop ? 1U : 0U;
        T->purpose = purpose;
        T->rescheduled = 0U;
        T->period = period;
        T->deadline = sloop_tick_add(sloop_now(&g_loop), delay);
        T->h = h;
        g.user_timers++;
        if ((delay == 0U) && (g.callbacks > 0U)) {
            g.zero_arm = 1U;
        }
        if (out != NULL) {
            *out = T;
        }
    }
    return err;
}

static void lf_timer_stop(lf_timer *T)
{
    sloop_err err = sloop_timer_stop(&g_loop, T->h);
    if (T->live != 0U) {
        FUZZ_CHECK_EQ(err, SLOOP_OK);
        T->live = 0U;
        g.user_timers--;
    } else {
        FUZZ_CHECK_EQ(err, SLOOP_ESTALE);
    }
}

static void lf_timer_reschedule(lf_timer *T, uint32_t delay, uint32_t period)
{
    sloop_err err = sloop_timer_reschedule(&g_loop, T->h, delay, period);
    if (T->live == 0U) {
        FUZZ_CHECK_EQ(err, SLOOP_ESTALE);
    } else if ((delay > SLOOP_TICK_MAX_DELAY) || (period > SLOOP_TICK_MAX_DELAY)) {
        FUZZ_CHECK_EQ(err, SLOOP_EINVAL);
    } else {
        FUZZ_CHECK_EQ(err, SLOOP_OK);
        T->period = period;
        T->deadline = sloop_tick_add(sloop_now(&g_loop), delay);
        T->rescheduled = 1U;
        if ((delay == 0U) && (g.callbacks > 0U)) {
            g.zero_arm = 1U;
        }
    }
}

/* ---- the application: outgoing connections -------------------------------------------- */

static void lf_connect(uint8_t sel, uint8_t osel, uint8_t tag)
{
    const char *addr = g_remote_addr[sel % LF_REMOTES];
    uint16_t port = ((sel / LF_REMOTES) % 8U == 7U) ? 0U : (uint16_t)LF_REMOTE_PORT;
    const sloop_conn_options *o = &g.opts[osel & 1U];
    sloop_conn h = { 0U, 0U };
    uint32_t open = 0U;
    uint32_t i;
    sloop_err err;
    for (i = 0U; i < SLOOP_MAX_CONNS; i++) {
        open += (g_loop.conns[i].state != 0U) ? 1U : 0U;
    }
    sloop_tick before = sloop_now(&g_loop);
    err = sloop_connect(&g_loop, addr, port, o, &g_handler, &g_user_tags[tag & 7U], &h);
    if (sloop_now(&g_loop) != before) {
        /* sloop_connect re-reads the clock: from a callback after the timer pass,
         * timers due at the new time run next iteration. */
        g.zero_arm = 1U;
    }
    if ((g.in_final_close != 0U) || ((g.shutdown_called != 0U) && (g_loop.shutting_down != 0U))) {
        if (sloop__conn_options_valid(o) && (port != 0U)) {
            FUZZ_CHECK_EQ(err, SLOOP_ESTATE);
        }
        return;
    }
    if (!sloop__conn_options_valid(o) || (port == 0U)) {
        FUZZ_CHECK_EQ(err, SLOOP_EINVAL);
        return;
    }
    if (open >= SLOOP_MAX_CONNS) {
        FUZZ_CHECK_EQ(err, SLOOP_ELIMIT);
        return;
    }
    if ((sel % LF_REMOTES) == 5U) {
        if ((err != SLOOP_ESYS) || (g_fp.injected == 0U)) {
            FUZZ_CHECK_EQ(err, SLOOP_EINVAL); /* not an address (unless a fault came first) */
        }
        return;
    }
    if (err == SLOOP_OK) {
        (void)lf_bind(h, LF_KIND_CLIENT, o, &g_user_tags[tag & 7U]);
    } else {
        FUZZ_CHECK((err == SLOOP_ESYS) || (err == SLOOP_EINVAL) || (err == SLOOP_ELIMIT));
    }
}

/* ---- callbacks --------------------------------------------------------------------------- */

/* Every connection callback but on_open and on_close starts here. */
static lf_pair *lf_cb_conn(sloop_loop *loop, sloop_conn c, void *user)
{
    lf_pair *p = lf_live(c);
    g.callbacks++;
    FUZZ_CHECK(loop == &g_loop);
    FUZZ_CHECK(p != NULL);            /* a callback for a handle that is closed or unknown */
    FUZZ_CHECK(p->opened != 0U);      /* ... or before its on_open */
    FUZZ_CHECK(p->closed == 0U);
    FUZZ_CHECK(sloop_conn_valid(loop, c));
    FUZZ_CHECK(user == p->user);
    return p;
}

/* Some other live connection than c, if any. */
static bool lf_other(sloop_conn c, uint32_t salt, sloop_conn *out)
{
    uint32_t i;
    for (i = 0U; i < SLOOP_MAX_CONNS; i++) {
        uint32_t k = (i + salt) % SLOOP_MAX_CONNS;
        if ((g.live_pair[k] != 0U) && (k != c.id)) {
            *out = g_pairs[g.live_pair[k] - 1U].h;
            return true;
        }
    }
    return false;
}

enum lf_react {
    R_NONE = 0,
    R_ECHO,
    R_CLOSE,
    R_ABORT,
    R_PAUSE,
    R_RESUME,
    R_BIG,
    R_STOP,
    R_CLOSE_OTHER,
    R_TIMER,
    R_CONNECT,
    R_ECHO_CLOSE,
    R_SEND_OTHER,
    R_ABORT_OTHER,
    R_API_STATE,
    R_GREET
};

/* What callbacks may do; data is the frame for on_frame. */
static void lf_react(uint8_t r, sloop_conn c, const uint8_t *data, uint32_t len)
{
    sloop_conn o;
    switch ((enum lf_react)(r & 15U)) {
    case R_ECHO:
    case R_ECHO_CLOSE:
        if (data != NULL) {
            const lf_pair *p = lf_live(c);
            uint32_t n = (len < sizeof g_scratch - 4U) ? len : (uint32_t)sizeof g_scratch - 4U;
            if (n > 0U) {
                memcpy(g_scratch, data, n);
            }
            if ((p != NULL) && (p->fr.mode == SLOOP_FRAME_DELIM)) {
                memcpy(&g_scratch[n], p->fr.delim, p->fr.delim_len);
                n += p->fr.delim_len;
            }
            (void)lf_send(c, g_scratch, n);
        } else {
            (void)lf_send_gen(c, 3U, 1U);
        }
        if ((r & 15U) == (uint8_t)R_ECHO_CLOSE) {
            lf_close(c, false);
            (void)lf_send_gen(c, 1U, 2U); /* ECLOSING: lf_send checks it */
        }
        break;
    case R_CLOSE:
        lf_close(c, false);
        break;
    case R_ABORT:
        lf_close(c, true);
        (void)lf_send_gen(c, 1U, 3U); /* ECLOSING: lf_send checks it */
        break;
    case R_PAUSE:
        lf_pause(c, true);
        break;
    case R_RESUME:
        lf_pause(c, false);
        break;
    case R_BIG:
        (void)lf_send_gen(c, SLOOP_MAX_FRAME, 5U);
        break;
    case R_STOP:
        sloop_stop(&g_loop);
        break;
    case R_CLOSE_OTHER:
        if (lf_other(c, len, &o)) {
            lf_close(o, false);
        }
        break;
    case R_ABORT_OTHER:
        if (lf_other(c, len + 1U, &o)) {
            lf_close(o, true);
        }
        break;
    case R_SEND_OTHER:
        if (lf_other(c, len + 2U, &o)) {
            (void)lf_send_gen(o, len % 9U, 7U);
        }
        break;
    case R_TIMER:
        (void)lf_timer_start(len % 3U, ((len % 5U) == 0U) ? 7U : 0U, (uint8_t)(len % 6U), false,
                             NULL);
        break;
    case R_CONNECT:
        switch (len % 4U) {
        case 2U: /* close a listener from a callback (its event may be in this batch) */
            lf_listener_op(1U, (uint8_t)(len >> 2), 0U);
            break;
        case 3U: /* narrow or stop a watcher from a callback */
            lf_watch_op((uint8_t)(1U + ((len >> 2) & 1U)), (uint8_t)(len >> 3), (uint8_t)(len >> 5));
            break;
        default:
            lf_connect((uint8_t)len, (uint8_t)(len >> 3), (uint8_t)len);
            break;
        }
        break;
    case R_API_STATE:
        /* Not from inside a callback. */
        FUZZ_CHECK_EQ(sloop_close(&g_loop), SLOOP_ESTATE);
        FUZZ_CHECK_EQ(sloop_run(&g_loop), SLOOP_ESTATE);
        FUZZ_CHECK_EQ(sloop_run_once(&g_loop, 0), SLOOP_ESTATE);
        FUZZ_CHECK_EQ(sloop_fork_reinit(&g_loop), SLOOP_ESTATE);
        break;
    case R_GREET:
        (void)lf_send_gen(c, 4U, 11U);
        break;
    case R_NONE:
    default:
        break;
    }
}

static void cb_open(sloop_loop *loop, sloop_conn c, void *user)
{
    lf_pair *p = lf_live(c);
    g.callbacks++;
    FUZZ_CHECK(loop == &g_loop);
    FUZZ_CHECK(sloop_conn_valid(loop, c));
    if (p != NULL) {
        /* An outgoing or adopted connection: its handle came from the API. */
        FUZZ_CHECK((p->kind == LF_KIND_CLIENT) || (p->kind == LF_KIND_ADOPTED));
        FUZZ_CHECK(p->opened == 0U);
        FUZZ_CHECK(p->abort_req == 0U); /* an abort before on_open skips it */
        if (p->kind == LF_KIND_CLIENT) {
            g.on_open_client++;
        } else {
            g.on_open_adopted++;
        }
    } else {
        uint32_t pi = lf_pair_of_fd(g_loop.conns[c.id].reg.fd);
        const lf_listener *l;
        FUZZ_CHECK(g_pairs[pi].listener < LF_LISTENERS);
        l = &g.listeners[g_pairs[pi].listener];
        FUZZ_CHECK(user == &g_user_tags[g_pairs[pi].listener]);
        p = lf_bind(c, LF_KIND_ACCEPTED, &l->opts, user);
        g.on_open_server++;
    }
    FUZZ_CHECK(user == p->user);
    p->opened = 1U;
    lf_react(g.react_open[g.n_open % 4U], c, NULL, g.n_open);
    g.n_open++;
}

static void cb_frame(sloop_loop *loop, sloop_conn c, const uint8_t *data, uint32_t len, void *user)
{
    lf_pair *p;
    uint8_t lh[2];
    if (g_debug) {
        fprintf(stderr, "  on_frame %u/%u len %u\n", c.id, c.gen, len);
    }
    p = lf_cb_conn(loop, c, user);
    FUZZ_CHECK(p->close_req == 0U);
    FUZZ_CHECK(p->abort_req == 0U);
    FUZZ_CHECK(p->fe_in == 0U);     /* no frame during ... */
    FUZZ_CHECK(p->fe_reason == 0U); /* ... or after on_frame_error */
    FUZZ_CHECK(len <= p->fr.max_payload);
    if (p->exp_pending != 0U) {
        /* the expected frame: exactly n bytes, as one frame */
        FUZZ_CHECK_EQ(len, p->exp_pending);
        p->exp_pending = 0U;
    }
    FUZZ_CHECK((data != NULL) || (len == 0U));
    if ((p->paused != 0U) && (p->peer_reset == 0U)) {
        /* Frames after a pause come from bytes read before it. */
        FUZZ_CHECK_EQ(sloop_sim_peer_moved_to_loop(&g_sim, lf_pair_index(p)), p->moved_at_pause);
    }
    g.on_frame++;
    p->frames_in++;
    lh[0] = (uint8_t)(len >> 8);
    lh[1] = (uint8_t)len;
    lf_log(p->rx, &p->rx_len, &p->rx_over, lh, 2U);
    lf_log(p->rx, &p->rx_len, &p->rx_over, data, len);
    if ((g.fx_mode != 0U) && (((g.fx_mode & 8U) == 0U) || ((g.n_frame & 1U) == 0U))) {
        /* an HTTP-like head announcing a body: n from the mode, or from the frame */
        static const uint32_t xn[8] = { 0U, 1U, 2U, 7U, 33U, SLOOP_MAX_FRAME, SLOOP_MAX_FRAME + 1U, 0U };
        uint32_t n = xn[g.fx_mode & 7U];
        if ((g.fx_mode & 7U) == 7U) {
            n = (len > 0U) ? (uint32_t)data[0] % 70U : 0U;
        }
        g.in_frame = (uint8_t)(lf_pair_index(p) + 1U);
        lf_expect(c, n);
        g.in_frame = 0U;
    }
    g.in_frame = (uint8_t)(lf_pair_index(p) + 1U);
    lf_react(g.react_frame[g.n_frame % 8U], c, data, len);
    g.in_frame = 0U;
    g.n_frame++;
}

static void cb_writable(sloop_loop *loop, sloop_conn c, void *user)
{
    (void)lf_cb_conn(loop, c, user);
    lf_react(g.react_writable[g.n_writable % 2U], c, NULL, g.n_writable);
    g.n_writable++;
}

static bool lf_injected(void)
{
    return (g.fault_fail != 0U) && (g_fp.injected > 0U);
}

static void cb_close(sloop_loop *loop, sloop_conn c, sloop_close_reason reason, void *user)
{
    lf_pair *p = lf_live(c);
    uint32_t q = 0U;
    if (g_debug) {
        fprintf(stderr, "  on_close %u/%u %s\n", c.id, c.gen, sloop_close_reason_name(reason));
    }
    g.callbacks++;
    FUZZ_CHECK(loop == &g_loop);
    FUZZ_CHECK(p != NULL); /* on_close for a handle never given to the application */
    FUZZ_CHECK(p->closed == 0U);
    FUZZ_CHECK(user == p->user);
    FUZZ_CHECK((unsigned)reason < (unsigned)SLOOP_CLOSE_REASON_COUNT);
    FUZZ_CHECK((p->kind != LF_KIND_ACCEPTED) || (p->opened != 0U));
    /* The handle is already dead. */
    FUZZ_CHECK(!sloop_conn_valid(loop, c));
    FUZZ_CHECK_EQ(sloop_send(loop, c, "x", 1U), SLOOP_ESTALE);
    FUZZ_CHECK_EQ(sloop_conn_close(loop, c), SLOOP_ESTALE);
    FUZZ_CHECK_EQ(sloop_conn_abort(loop, c), SLOOP_ESTALE);
    FUZZ_CHECK_EQ(sloop_conn_pause_read(loop, c, true), SLOOP_ESTALE);
    FUZZ_CHECK_EQ(sloop_conn_tx_queued(loop, c, &q, NULL), SLOOP_ESTALE);
    FUZZ_CHECK_EQ(sloop_conn_set_user(loop, c, NULL), SLOOP_ESTALE);
    p->closed = 1U;
    p->reason = (uint8_t)reason;
    g.live_pair[c.id] = 0U;
    if (p->fe_reason != 0U) {
        /* After on_frame_error: its reason, or the linger deadline of the graceful
         * close it started; an abort from it keeps the reason too. Anything else
         * only with its own cause (checked below). */
        if (p->fe_abort != 0U) {
            FUZZ_CHECK_EQ(reason, p->fe_reason);
        } else {
            FUZZ_CHECK((reason == (sloop_close_reason)p->fe_reason) ||
                       (reason == SLOOP_CLOSE_LINGER_TIMEOUT) || (reason == SLOOP_CLOSE_RESET) ||
                       (reason == SLOOP_CLOSE_IO_ERROR) || (reason == SLOOP_CLOSE_BAD_FD) ||
                       (reason == SLOOP_CLOSE_SHUTDOWN) ||
                       ((reason == SLOOP_CLOSE_ABORT) && (p->abort_req != 0U)));
        }
    }
    if ((p->abort_req != 0U) && (p->fe_reason == 0U)) {
        /* The first reason stands: once sloop_conn_abort returned OK, on_close
         * says ABORT (not a deadline, a failed connect, a peer's end or an
         * error that came after it), unless the descriptor was closed behind
         * the loop's back (BAD_FD: the application broke the rule) or
         * sloop_close ended the connection (SHUTDOWN). */
        if (g_debug && (reason != SLOOP_CLOSE_ABORT)) {
            fprintf(stderr, "  on_close after abort with %s\n", sloop_close_reason_name(reason));
        }
        FUZZ_CHECK((reason == SLOOP_CLOSE_ABORT) || (reason == SLOOP_CLOSE_BAD_FD) ||
                   (reason == SLOOP_CLOSE_SHUTDOWN));
    }
    g.on_close++;
    g.closes[reason]++;

    /* The reason must have a cause. */
    switch (reason) {
    case SLOOP_CLOSE_LOCAL:
        FUZZ_CHECK((p->close_req != 0U) || (g.shutdown_called != 0U));
        break;
    case SLOOP_CLOSE_ABORT:
        /* or a graceful close of an outgoing connection still connecting */
        FUZZ_CHECK((p->abort_req != 0U) ||
                   (((p->close_req != 0U) || (g.shutdown_called != 0U)) &&
                    (p->kind == LF_KIND_CLIENT)));
        break;
    case SLOOP_CLOSE_PEER:
        FUZZ_CHECK(p->peer_shut != 0U);
        break;
    case SLOOP_CLOSE_RESET:
        FUZZ_CHECK((p->peer_reset != 0U) || (p->peer_closed != 0U) || lf_injected());
        break;
    case SLOOP_CLOSE_IO_ERROR:
        FUZZ_CHECK(lf_injected());
        break;
    case SLOOP_CLOSE_BAD_FD:
        FUZZ_CHECK(p->behind != 0U);
        break;
    case SLOOP_CLOSE_FRAME_TOO_BIG:
        FUZZ_CHECK(p->fr.mode == SLOOP_FRAME_LENGTH);
        break;
    case SLOOP_CLOSE_FRAME_TOO_LONG:
        FUZZ_CHECK(p->fr.mode == SLOOP_FRAME_DELIM);
        break;
    case SLOOP_CLOSE_IDLE_TIMEOUT:
        FUZZ_CHECK(p->idle_ms > 0U);
        break;
    case SLOOP_CLOSE_SLOW_PEER:
        FUZZ_CHECK(p->frame_ms > 0U);
        break;
    case SLOOP_CLOSE_CONNECT_FAILED:
        FUZZ_CHECK(p->kind == LF_KIND_CLIENT);
        FUZZ_CHECK(p->opened == 0U);
        break;
    case SLOOP_CLOSE_CONNECT_TIMEOUT:
        FUZZ_CHECK(p->kind == LF_KIND_CLIENT);
        FUZZ_CHECK(p->opened == 0U);
        /* never before connect_timeout_ms since sloop_connect */
        FUZZ_CHECK(sloop_tick_reached(sloop_now(loop), sloop_tick_add(p->opened_at, p->connect_ms)));
        break;
    case SLOOP_CLOSE_LINGER_TIMEOUT:
        FUZZ_CHECK((p->close_req != 0U) || (p->peer_shut != 0U) || (g.shutdown_called != 0U) ||
                   (p->fe_reason != 0U));
        if ((p->fe_reason != 0U) && (p->peer_shut == 0U) && (g.shutdown_called == 0U)) {
            /* never before linger_ms since on_frame_error */
            FUZZ_CHECK(sloop_tick_reached(sloop_now(loop), sloop_tick_add(p->fe_at, p->linger_ms)));
        } else if ((p->close_req != 0U) && (p->peer_shut == 0U) && (g.shutdown_called == 0U)) {
            /* never before linger_ms since the application's close request */
            FUZZ_CHECK(sloop_tick_reached(sloop_now(loop),
                                          sloop_tick_add(p->close_req_at, p->linger_ms)));
        }
        break;
    case SLOOP_CLOSE_SHUTDOWN:
        FUZZ_CHECK((g.in_final_close != 0U) || (g.shutdown_called != 0U));
        break;
    case SLOOP_CLOSE_REASON_COUNT:
    default:
        FUZZ_FAIL("unknown close reason");
    }
    if (g.in_final_close != 0U) {
        /* sloop_close is running: nothing new may be opened from here. */
        sloop_conn nc = { 0U, 0U };
        FUZZ_CHECK_EQ(sloop_connect(loop, "10.0.0.4", (uint16_t)LF_REMOTE_PORT, &g.opts[1],
                                    &g_handler, NULL, &nc),
                      sloop__conn_options_valid(&g.opts[1]) ? SLOOP_ESTATE : SLOOP_EINVAL);
        return;
    }
    lf_react(g.react_close[g.n_close % 2U], c, NULL, g.n_close);
    g.n_close++;
}

/* ---- expect, on_frame_error ------------------------------------------------------------ */

static uint32_t lf_ref_decode(const lf_pair *p, uint32_t n);
static bool g_ref_boundary; /* lf_ref_decode ended between frames (no partial frame) */

/* Whether the loop's decoder for p is between frames, if the model knows
 * (false in *known when its logs overflowed). Outside on_frame every byte the
 * loop read has gone through the decoder; in on_frame of p itself a frame has
 * just ended, whatever follows it in the same read. */
static bool lf_at_boundary(const lf_pair *p, bool *known)
{
    *known = true;
    if ((g.in_frame == lf_pair_index(p) + 1U) || (p->fr.mode == SLOOP_FRAME_RAW)) {
        return true;
    }
    if ((p->ptx_over != 0U) || (p->exp_over != 0U)) {
        *known = false;
        return true;
    }
    (void)lf_ref_decode(p, (uint32_t)sloop_sim_peer_moved_to_loop(&g_sim, lf_pair_index(p)));
    return g_ref_boundary;
}

/* sloop_conn_expect against the model: EINVAL for n out of 1..max_payload;
 * OK exactly when the connection is open, between frames and has no expect
 * pending; the expected frame then comes as one frame of n bytes (cb_frame)
 * at that place in the stream (lf_ref_decode). */
static void lf_expect(sloop_conn h, uint32_t n)
{
    lf_pair *p = lf_live(h);
    sloop_err err = sloop_conn_expect(&g_loop, h, n);
    bool known = true;
    bool between;
    if (g_debug) {
        fprintf(stderr, "  expect %u/%u n %u: %d\n", h.id, h.gen, n, (int)err);
    }
    if (p == NULL) {
        FUZZ_CHECK_EQ(err, SLOOP_ESTALE);
        return;
    }
    if ((n == 0U) || (n > p->fr.max_payload)) {
        FUZZ_CHECK_EQ(err, SLOOP_EINVAL);
        return;
    }
    between = lf_at_boundary(p, &known);
    if (err == SLOOP_OK) {
        FUZZ_CHECK((p->close_req == 0U) && (p->abort_req == 0U) && (p->fe_reason == 0U) &&
                   (p->fe_in == 0U));
        FUZZ_CHECK_EQ(p->exp_pending, 0U); /* one at a time */
        FUZZ_CHECK(between);               /* never inside a frame */
        if (p->nexp < LF_EXPECTS) {
            p->exp_at[p->nexp] = p->frames_in;
            p->exp_n[p->nexp] = n;
            p->nexp++;
        } else {
            p->exp_over = 1U;
        }
        p->exp_pending = n;
    } else {
        FUZZ_CHECK_EQ(err, SLOOP_ESTATE);
        /* refused only for a state the model can name */
        FUZZ_CHECK((p->opened == 0U) || (p->close_req != 0U) || (p->abort_req != 0U) ||
                   (p->fe_reason != 0U) || (p->fe_in != 0U) || (p->exp_pending != 0U) ||
                   !between || !known || (p->peer_shut != 0U) || (p->peer_reset != 0U) ||
                   (p->peer_closed != 0U) || (g.shutdown_called != 0U) ||
                   (g_loop.shutting_down != 0U) || lf_injected());
    }
}

static void cb_frame_error(sloop_loop *loop, sloop_conn c, sloop_close_reason reason, void *user)
{
    lf_pair *p = lf_cb_conn(loop, c, user);
    if (g_debug) {
        fprintf(stderr, "  on_frame_error %u/%u %s\n", c.id, c.gen, sloop_close_reason_name(reason));
    }
    FUZZ_CHECK(p->fe_cb != 0U);
    FUZZ_CHECK((p->fe_reason == 0U) && (p->fe_in == 0U)); /* once */
    FUZZ_CHECK(p->close_req == 0U); /* a closing connection is not read */
    FUZZ_CHECK(p->abort_req == 0U); /* nor one the application aborted */
    switch (reason) {
    case SLOOP_CLOSE_FRAME_TOO_BIG:
        FUZZ_CHECK(p->fr.mode == SLOOP_FRAME_LENGTH);
        break;
    case SLOOP_CLOSE_FRAME_TOO_LONG:
        FUZZ_CHECK(p->fr.mode == SLOOP_FRAME_DELIM);
        break;
    case SLOOP_CLOSE_SLOW_PEER:
        FUZZ_CHECK(p->frame_ms > 0U);
        break;
    default:
        FUZZ_FAIL("on_frame_error with a reason that is not a framing error");
    }
    p->fe_in = 1U;
    FUZZ_CHECK_EQ(sloop_fork_reinit(loop), SLOOP_ESTATE);
    lf_expect(c, 1U); /* the decoder is in error or inside a frame: ESTATE */
    switch (g.fe_react & 3U) {
    case 1U: /* a last reply, e.g. an HTTP 431 */
        (void)lf_send_gen(c, 5U, 13U);
        break;
    case 2U: /* reply and close it ourselves: the reason stays */
        (void)lf_send_gen(c, 6U, 14U);
        lf_close(c, false);
        break;
    case 3U: /* reply, then abort: the reply is discarded, the reason stays */
        (void)lf_send_gen(c, 7U, 15U);
        lf_close(c, true);
        p->fe_abort = 1U;
        break;
    default:
        break;
    }
    p->fe_in = 0U;
    p->fe_reason = (uint8_t)reason;
    p->fe_at = sloop_now(loop);
}

/* ---- signals, wake-ups, fork ------------------------------------------------------------- */

static const int g_signos[8] = { 2, 15, 10, 64, 1, 0, 65, 12 };

static uint32_t lf_sig_live_count(void)
{
    uint32_t i;
    uint32_t n = 0U;
    for (i = 0U; i < LF_SIGS; i++) {
        n += (g.sigs[i].live != 0U) ? 1U : 0U;
    }
    return n;
}

static bool lf_sig_watched(int signo)
{
    uint32_t i;
    for (i = 0U; i < LF_SIGS; i++) {
        if ((g.sigs[i].live != 0U) && (g.sigs[i].signo == signo)) {
            return true;
        }
    }
    return false;
}

static void lf_raise(int signo)
{
    sloop_sim_raise_signal(&g_sim, signo);
    if ((signo >= 1) && (signo <= 64)) {
        g.sig_raised[signo]++;
        if (lf_sig_watched(signo) && (g.sig_owed[signo] == 0U)) {
            g.sig_owed[signo] = 1U;
            g.sig_owed_iters = 0U;
        }
    }
}

static void cb_signal(sloop_loop *loop, sloop_signal sig, int signo, void *user);

static void lf_sig_start(uint32_t idx, int signo)
{
    lf_sig *S = &g.sigs[idx % LF_SIGS];
    sloop_signal h = { 0U, 0U };
    sloop_err err;
    uint32_t live = lf_sig_live_count();
    if (S->live != 0U) {
        return;
    }
    err = sloop_signal_start(&g_loop, signo, cb_signal, S, &h);
    if (g_debug) {
        fprintf(stderr, "  signal_start %d: %d\n", signo, (int)err);
    }
    if ((signo < 1) || (signo > 64) || lf_sig_watched(signo)) {
        FUZZ_CHECK_EQ(err, SLOOP_EINVAL);
    } else if (live >= SLOOP_MAX_SIGNALS) {
        FUZZ_CHECK_EQ(err, SLOOP_ELIMIT);
    } else {
        /* ESYS: an injected fault or the descriptor limit */
        FUZZ_CHECK((err == SLOOP_OK) || (err == SLOOP_ESYS));
    }
    if (err == SLOOP_OK) {
        S->used = 1U;
        S->live = 1U;
        S->signo = signo;
        S->h = h;
    }
}

static void lf_sig_stop(uint32_t idx)
{
    lf_sig *S = &g.sigs[idx % LF_SIGS];
    sloop_err err;
    if (S->used == 0U) {
        return;
    }
    err = sloop_signal_stop(&g_loop, S->h);
    if (S->live == 0U) {
        FUZZ_CHECK_EQ(err, SLOOP_ESTALE);
        return;
    }
    /* stopped even when the OS refuses to restore the signal */
    FUZZ_CHECK((err == SLOOP_OK) || ((err == SLOOP_ESYS) && lf_injected()));
    S->live = 0U;
    g.sig_owed[S->signo] = 0U; /* no longer promised */
}

static void lf_wake(void)
{
    sloop_err err = sloop_wake(&g_loop);
    if (g.wk_started == 0U) {
        FUZZ_CHECK_EQ(err, SLOOP_ESTATE);
        return;
    }
    FUZZ_CHECK((err == SLOOP_OK) || ((err == SLOOP_ESYS) && lf_injected()));
    if (err == SLOOP_OK) {
        g.wk_ok++;
        if (g.wk_owed == 0U) {
            g.wk_owed = 1U;
            g.wk_owed_iters = 0U;
        }
    }
}

static void cb_wake(sloop_loop *loop, void *user);

static void lf_wake_start(void)
{
    sloop_err err = sloop_wake_start(&g_loop, cb_wake, &g.wk_started);
    if (g.wk_started != 0U) {
        FUZZ_CHECK_EQ(err, SLOOP_OK); /* only changes the callback */
        return;
    }
    FUZZ_CHECK((err == SLOOP_OK) || (err == SLOOP_ESYS));
    if (err == SLOOP_OK) {
        g.wk_started = 1U;
        g.wk_owed = 0U;
    }
}

static void lf_wake_stop(void)
{
    sloop_err err = sloop_wake_stop(&g_loop);
    FUZZ_CHECK_EQ(err, (g.wk_started != 0U) ? SLOOP_OK : SLOOP_ESTATE);
    g.wk_started = 0U;
    g.wk_owed = 0U;
    FUZZ_CHECK_EQ(sloop_wake(&g_loop), SLOOP_ESTATE);
}

static void cb_signal(sloop_loop *loop, sloop_signal sig, int signo, void *user)
{
    lf_sig *S = (lf_sig *)user;
    sloop_conn c;
    g.callbacks++;
    if (g_debug) {
        fprintf(stderr, "  on_signal %d\n", signo);
    }
    FUZZ_CHECK(loop == &g_loop);
    FUZZ_CHECK((S >= &g.sigs[0]) && (S < &g.sigs[LF_SIGS]));
    FUZZ_CHECK(S->live != 0U); /* a stopped watcher was called */
    FUZZ_CHECK((S->h.id == sig.id) && (S->h.gen == sig.gen));
    FUZZ_CHECK_EQ(S->signo, signo);
    g.sig_cbs[signo]++;
    FUZZ_CHECK(g.sig_cbs[signo] <= g.sig_raised[signo]); /* never more calls than arrivals */
    g.sig_owed[signo] = 0U;
    switch (g.sig_react & 7U) {
    case 1U:
        lf_sig_stop((uint32_t)(S - &g.sigs[0]));
        break;
    case 2U: /* another signal arrives during the dispatch */
        lf_raise(g_signos[((uint32_t)signo + g.sig_cbs[signo]) % 5U]);
        break;
    case 3U:
        lf_wake();
        break;
    case 4U:
        if (lf_pick_conn((uint8_t)g.sig_cbs[signo], &c)) {
            lf_expect(c, 1U + (g.sig_cbs[signo] % 9U));
        }
        break;
    case 5U:
        lf_sig_start((uint32_t)(S - &g.sigs[0]) + 1U, g_signos[g.sig_cbs[signo] % 8U]);
        break;
    case 6U:
        FUZZ_CHECK_EQ(sloop_fork_reinit(loop), SLOOP_ESTATE);
        FUZZ_CHECK_EQ(sloop_run_once(loop, 0), SLOOP_ESTATE);
        break;
    case 7U: /* the same signal again: a new arrival, a new call */
        if (g.cb_repeats < LF_CB_REPEATS) {
            g.cb_repeats++;
            lf_raise(signo);
        }
        break;
    default:
        break;
    }
}

static void cb_wake(sloop_loop *loop, void *user)
{
    g.callbacks++;
    if (g_debug) {
        fprintf(stderr, "  on_wake\n");
    }
    FUZZ_CHECK(loop == &g_loop);
    FUZZ_CHECK(user == &g.wk_started);
    FUZZ_CHECK(g.wk_started != 0U);
    g.wk_cbs++;
    g.wk_cbs_iter++;
    if (!lf_injected()) {
        /* never more calls than wakes (a failed drain may call without one) */
        FUZZ_CHECK(g.wk_cbs <= g.wk_ok);
    }
    g.wk_owed = 0U;
    switch (g.wake_react & 3U) {
    case 1U:
        if (g.cb_repeats < LF_CB_REPEATS) {
            g.cb_repeats++;
            lf_wake(); /* the flag is already clear: a new on_wake follows */
        }
        break;
    case 2U:
        lf_wake_stop();
        break;
    case 3U:
        lf_raise(g_signos[g.wk_cbs % 5U]);
        break;
    default:
        break;
    }
}

/* Called after every iteration: what was promised comes within a few. */
static void lf_check_live(void)
{
    uint32_t s;
    bool owed = false;
    if (lf_injected() || (g.any_behind != 0U)) {
        return; /* a failed read or drain may delay it */
    }
    if (g.wk_owed != 0U) {
        g.wk_owed_iters++;
        FUZZ_CHECK(g.wk_owed_iters <= LF_LIVE_ITERS); /* a wake was lost */
    }
    for (s = 1U; s <= 64U; s++) {
        owed = owed || (g.sig_owed[s] != 0U);
    }
    if (owed) {
        g.sig_owed_iters++;
        FUZZ_CHECK(g.sig_owed_iters <= LF_LIVE_ITERS); /* a watched signal was lost */
    }
}

static void lf_fork(void)
{
    sloop_err err = sloop_fork_reinit(&g_loop);
    if (g_debug) {
        fprintf(stderr, "  fork_reinit: %d\n", (int)err);
    }
    if (err != SLOOP_OK) {
        /* a new channel could not be opened: an injected fault or the fd limit */
        FUZZ_CHECK_EQ(err, SLOOP_ESYS);
        g.broken = 1U;
        return;
    }
    /* The child's own wake-up channel: a wake the "parent" made before the fork
     * is not the child's (wake.c). Pending signals are the process's and stay. */
    g.wk_owed = 0U;
}

static void cb_timer(sloop_loop *loop, sloop_timer t, void *user)
{
    lf_timer *T = (lf_timer *)user;
    sloop_tick now = sloop_now(loop);
    sloop_conn c;
    g.callbacks++;
    FUZZ_CHECK(loop == &g_loop);
    FUZZ_CHECK((T >= &g.timers[0]) && (T < &g.timers[LF_TIMERS]));
    FUZZ_CHECK(T->live != 0U); /* a stopped or finished timer fired */
    FUZZ_CHECK((T->h.id == t.id) && (T->h.gen == t.gen));
    FUZZ_CHECK(sloop_tick_reached(now, T->deadline)); /* never early */
    g.timer_calls++;
    T->rescheduled = 0U;
    if (T->period > 0U) {
        sloop_tick next = sloop_tick_add(T->deadline, T->period);
        if (sloop_tick_reached(now, next)) {
            next = sloop_tick_add(now, T->period); /* late: skip, no burst */
        }
        T->deadline = next;
    }
    if (T->is_stop != 0U) {
        sloop_stop(loop);
    } else {
        uint32_t salt = g.timer_calls;
        switch (T->purpose % 6U) {
        case 1U: { /* a tick to every live connection */
            uint32_t i;
            for (i = 0U; i < SLOOP_MAX_CONNS; i++) {
                if (g.live_pair[i] != 0U) {
                    (void)lf_send_gen(g_pairs[g.live_pair[i] - 1U].h, 2U, salt);
                }
            }
            break;
        }
        case 2U:
            if (lf_pick_conn((uint8_t)salt, &c)) {
                lf_close(c, false);
            }
            break;
        case 3U:
            lf_timer_stop(T);
            FUZZ_CHECK_EQ(sloop_timer_reschedule(loop, t, 5U, 0U), SLOOP_ESTALE);
            break;
        case 4U:
            if (T->period == 0U) {
                lf_timer_reschedule(T, 1U + (salt % 40U), 0U);
            }
            break;
        case 5U:
            if (lf_pick_conn((uint8_t)(salt * 8U), &c)) {
                lf_close(c, true);
            }
            break;
        default:
            break;
        }
    }
    if ((T->live != 0U) && (T->period == 0U) && (T->rescheduled == 0U)) {
        T->live = 0U; /* a one-shot is released after its callback */
        g.user_timers--;
    }
}

/* What a watcher callback does (REACT, bits 5-7): nothing; narrow, widen or stop the
 * next live watcher (itself when it is the only one); narrow itself. The other
 * watcher's event may come later in the same batch, polled with its old interest:
 * it must still get only what it asks for now (property 7). */
static void lf_watch_react(const lf_watch *W)
{
    uint32_t self = (uint32_t)(W - g.watches);
    uint32_t other = self;
    uint32_t k;
    for (k = 1U; k < LF_WATCHES; k++) {
        if (g.watches[(self + k) % LF_WATCHES].live != 0U) {
            other = (self + k) % LF_WATCHES;
            break;
        }
    }
    switch (g.watch_react & 7U) {
    case 1U: lf_watch_op(1U, (uint8_t)other, SLOOP_READABLE); break;
    case 2U: lf_watch_op(1U, (uint8_t)other, SLOOP_WRITABLE); break;
    case 3U: lf_watch_op(1U, (uint8_t)other, 0U); break;
    case 4U: lf_watch_op(1U, (uint8_t)other, SLOOP_READABLE | SLOOP_WRITABLE); break;
    case 5U: lf_watch_op(2U, (uint8_t)other, 0U); break; /* stop it, close its descriptor */
    case 6U: lf_watch_op(1U, (uint8_t)self, SLOOP_READABLE); break;
    case 7U: lf_watch_op(1U, (uint8_t)self, SLOOP_WRITABLE); break;
    default: break;
    }
}

static void cb_watch(sloop_loop *loop, sloop_watch w, sloop_fd fd, unsigned events, void *user)
{
    lf_watch *W = (lf_watch *)user;
    if (g_debug) {
        fprintf(stderr, "  on_watch %u/%u events %u want %u\n", w.id, w.gen, events,
                (unsigned)W->want);
    }
    g.callbacks++;
    FUZZ_CHECK(loop == &g_loop);
    FUZZ_CHECK((W >= &g.watches[0]) && (W < &g.watches[LF_WATCHES]));
    FUZZ_CHECK(W->live != 0U);
    FUZZ_CHECK((W->h.id == w.id) && (W->h.gen == w.gen));
    FUZZ_CHECK(fd == W->fd);
    FUZZ_CHECK(events != 0U);
    FUZZ_CHECK((events & ~(unsigned)(W->want | SLOOP_ERROR)) == 0U);
    if (W->fd_open == 0U) {
        /* Closed behind the loop's back: reported once as an error, then stopped. */
        FUZZ_CHECK_EQ(events, SLOOP_ERROR);
        FUZZ_CHECK_EQ(sloop_watch_modify(loop, w, SLOOP_READABLE), SLOOP_ESTALE);
        W->live = 0U;
        return;
    }
    /* A level-triggered watcher on a descriptor that stays ready (a refused
     * connect reports an error for ever) is reported on every wait, and the sim
     * moves time only when nothing is ready: let each callback cost 1 ms, as
     * real time would pass, so a sloop_run still reaches its stop timer. */
    sloop_sim_advance(&g_sim, 1U);
    if ((events & SLOOP_READABLE) != 0U) {
        size_t got = 0U;
        uint8_t buf[16];
        if (g_fp.sys.recv(g_fp.sys.ctx, fd, buf, sizeof buf, &got) == SLOOP_SYS_OK) {
            g.app_recv += got;
        }
    }
    lf_watch_react(W); /* last: it may stop W and close its descriptor */
}

/* ---- peers ---------------------------------------------------------------------------------- */

static lf_pair *lf_peer(uint8_t sel)
{
    uint32_t n = lf_pair_count();
    return (n > 0U) ? &g_pairs[(uint32_t)sel % n] : NULL;
}

static void lf_peer_write(lf_pair *p, const uint8_t *data, uint32_t len)
{
    uint32_t n = (uint32_t)sloop_sim_peer_write(&g_sim, lf_pair_index(p), data, len);
    lf_log(p->ptx, &p->ptx_len, &p->ptx_over, data, n);
}

static void lf_peer_read(lf_pair *p, uint32_t max)
{
    uint32_t guard;
    for (guard = 0U; (guard < 64U) && (max > 0U); guard++) {
        uint32_t cap = (max < sizeof g_scratch) ? max : (uint32_t)sizeof g_scratch;
        uint32_t n = (uint32_t)sloop_sim_peer_read(&g_sim, lf_pair_index(p), g_scratch, cap);
        if (n == 0U) {
            break;
        }
        lf_log(p->prx, &p->prx_len, &p->prx_over, g_scratch, n);
        max -= n;
    }
}

static void lf_drain_all(void)
{
    uint32_t i;
    for (i = 0U; i < lf_pair_count(); i++) {
        lf_peer_read(&g_pairs[i], UINT32_MAX);
    }
}

/* The framing a pair's bytes are meant for, if known. */
static const sloop_frame_config *lf_peer_framing(const lf_pair *p)
{
    return (p->has_framing != 0U) ? &p->fr : NULL;
}

static uint32_t lf_encode(const sloop_frame_config *fr, uint32_t len, uint8_t *out)
{
    uint32_t k;
    uint32_t hs = fr->header_size;
    for (k = 0U; k < hs; k++) {
        out[k] = (uint8_t)(len >> (8U * (hs - 1U - k)));
    }
    return hs;
}

static void lf_peer_frame(lf_pair *p, uint8_t lsel, uint8_t seed)
{
    const sloop_frame_config *fr = lf_peer_framing(p);
    uint8_t buf[SLOOP_MAX_FRAME + 16U];
    uint32_t len;
    uint32_t n = 0U;
    if (fr == NULL) {
        return;
    }
    len = (uint32_t)lsel % (fr->max_payload + 1U);
    if (len > SLOOP_MAX_FRAME) {
        len = SLOOP_MAX_FRAME;
    }
    if (fr->mode == SLOOP_FRAME_LENGTH) {
        n = lf_encode(fr, len, buf);
    }
    lf_fill(&buf[n], len, seed);
    n += len;
    if (fr->mode == SLOOP_FRAME_DELIM) {
        memcpy(&buf[n], fr->delim, fr->delim_len);
        n += fr->delim_len;
    }
    lf_peer_write(p, buf, n);
}

static void lf_peer_hostile(lf_pair *p, uint8_t kind, uint8_t amount)
{
    const sloop_frame_config *fr = lf_peer_framing(p);
    uint8_t buf[2U * SLOOP_MAX_FRAME + 32U];
    uint32_t n = 0U;
    uint32_t len;
    if (fr == NULL) {
        return;
    }
    switch (kind % 4U) {
    case 0U: /* a length above the maximum, then a few bytes */
        if (fr->mode == SLOOP_FRAME_LENGTH) {
            uint64_t cap = (fr->header_size == 4U) ? 0xFFFFFFFFU
                                                   : ((1ULL << (8U * fr->header_size)) - 1U);
            uint64_t v = (uint64_t)fr->max_payload + 1U + ((uint64_t)amount * 977U);
            n = lf_encode(fr, (uint32_t)((v > cap) ? cap : v), buf);
        }
        lf_fill(&buf[n], 4U, amount);
        n += 4U;
        break;
    case 1U: /* a line longer than the maximum, no delimiter */
        len = fr->max_payload + 1U + ((uint32_t)amount % 16U);
        if (len > (uint32_t)sizeof buf) {
            len = (uint32_t)sizeof buf;
        }
        memset(buf, 'x', len);
        n = len;
        break;
    case 2U: /* half a frame */
        len = (fr->max_payload > 1U) ? (fr->max_payload - ((uint32_t)amount % fr->max_payload))
                                     : 1U;
        if (fr->mode == SLOOP_FRAME_LENGTH) {
            n = lf_encode(fr, len, buf);
        }
        lf_fill(&buf[n], len / 2U, amount);
        n += len / 2U;
        break;
    default: /* the first byte of a header, or of a delimiter */
        buf[0] = (fr->mode == SLOOP_FRAME_DELIM) ? fr->delim[0] : 0U;
        n = 1U;
        break;
    }
    lf_peer_write(p, buf, n);
}

/* ---- iterations ------------------------------------------------------------------------------- */

static void lf_take_remotes(void)
{
    uint32_t r;
    for (r = 0U; r < 4U; r++) {
        sloop_sim_peer id = 0U;
        uint32_t guard;
        for (guard = 0U; (guard < SLOOP_SIM_BACKLOG) &&
                         sloop_sim_remote_take(&g_sim, g_remote_addr[r], (uint16_t)LF_REMOTE_PORT, &id);
             guard++) {
        }
    }
}

/* After an iteration: no live timer is due (unless a callback armed one for now). */
static void lf_after_iteration(bool iterated)
{
    uint32_t i;
    if (iterated && (g.zero_arm == 0U)) {
        for (i = 0U; i < LF_TIMERS; i++) {
            if (g.timers[i].live != 0U) {
                if (g_debug) {
                    fprintf(stderr, "  timer %u: deadline %u period %u stop %u purpose %u now %u\n",
                            i, (unsigned)g.timers[i].deadline, (unsigned)g.timers[i].period,
                            g.timers[i].is_stop, g.timers[i].purpose,
                            (unsigned)sloop_now(&g_loop));
                }
                FUZZ_CHECK(!sloop_tick_reached(sloop_now(&g_loop), g.timers[i].deadline));
            }
        }
    }
    if (iterated) {
        lf_check_live();
    }
    lf_take_remotes();
}

static void lf_check_err(sloop_err err)
{
    if (g_debug) {
        fprintf(stderr, "  err %d: calls %llu over %d injected %llu wakeups %llu hangs %llu sys_err %d\n",
                (int)err, (unsigned long long)g_fp.total, (int)g_fp.over_limit,
                (unsigned long long)g_fp.injected, (unsigned long long)g_loop.counters.wakeups,
                (unsigned long long)g_sim.stats.hangs, sloop_last_sys_error(&g_loop));
        if ((err == SLOOP_OK) && !g_fp.over_limit) {
            return;
        }
        {
            uint32_t nr = 0U; /* what is ready now (a debugging aid only) */
            (void)g_sim.sys.poll(g_sim.sys.ctx, g_loop.pfds, g_loop.pfd_count, 0, &nr);
        }
        for (uint32_t i = 0U; i < g_loop.pfd_count; i++) {
            fprintf(stderr, "  pfd %u: fd %d events %d revents %d token %llx\n", i,
                    g_loop.pfds[i].fd, g_loop.pfds[i].events, g_loop.pfds[i].revents,
                    (unsigned long long)g_loop.preg[i]->token);
        }
        {
            sloop_tick d = 0U;
            bool have = sloop_timerq_next_deadline(&g_loop.timers, &d);
            fprintf(stderr, "  sim now %u loop now %u next deadline %d:%u armed %u stop %u paused %u resume %u shutting %u pending %u\n",
                    (unsigned)g_sim.now, (unsigned)g_loop.now, (int)have, (unsigned)d,
                    sloop_timerq_armed_count(&g_loop.timers), g_loop.stop_requested,
                    g_loop.accept_paused, (unsigned)g_loop.accept_resume_at, g_loop.shutting_down,
                    g_loop.pending_count);
        }
        for (uint32_t i = 0U; i < SLOOP_MAX_CONNS; i++) {
            fprintf(stderr, "  conn %u: state %u want %u pending %u\n", i, g_loop.conns[i].state,
                    g_loop.conns[i].reg.want, g_loop.conns[i].in_pending);
        }
    }
    if ((err != SLOOP_ESYS) || (g_fp.injected == 0U)) {
        FUZZ_CHECK_EQ(err, SLOOP_OK); /* ESYS only when a fault hit the wait */
    }
    FUZZ_CHECK(!g_fp.over_limit);
}

static void lf_iterate(int32_t timeout)
{
    uint64_t calls = g_fp.total;
    uint32_t cbs = g.callbacks;
    sloop_err err;
    g.zero_arm = 0U;
    g.wk_cbs_iter = 0U;
    err = sloop_run_once(&g_loop, timeout);
    lf_check_err(err);
    FUZZ_CHECK(g.wk_cbs_iter <= 1U); /* wakes coalesce: one drain, one on_wake */
    FUZZ_CHECK(g_fp.total - calls <= (uint64_t)LF_ITER_CALLS + (4U * (uint64_t)(g.callbacks - cbs)));
    lf_after_iteration(true);
}

static void lf_run(uint8_t sel)
{
    lf_timer *T = NULL;
    uint64_t calls = g_fp.total;
    uint64_t wakeups = g_loop.counters.wakeups;
    uint32_t cbs = g.callbacks;
    sloop_err err;
    g.zero_arm = 0U;
    if (lf_timer_start(1U + ((uint32_t)sel * 8U), 0U, 0U, true, &T) != SLOOP_OK) {
        return; /* no timer left to end the run with */
    }
    /* A busy loop (an event reported again and again while nothing moves, so the
     * simulated clock never reaches the stop timer) exhausts this budget. */
    fp_set_call_limit(&g_fp, g_fp.total + LF_RUN_CALLS);
    err = sloop_run(&g_loop);
    FUZZ_CHECK(!g_fp.over_limit); /* sloop_run spun */
    fp_set_call_limit(&g_fp, LF_CALL_LIMIT);
    lf_check_err(err);
    FUZZ_CHECK(g_fp.total - calls <=
               ((uint64_t)LF_ITER_CALLS * (g_loop.counters.wakeups - wakeups + 1U)) +
                   (4U * (uint64_t)(g.callbacks - cbs)));
    if (T->live != 0U) {
        lf_timer_stop(T); /* the run ended for another reason */
    }
    /* A run may end before any iteration (a stop requested earlier). */
    lf_after_iteration(g_loop.counters.wakeups != wakeups);
}

/* ---- operations ------------------------------------------------------------------------------ */

static void lf_listen(uint8_t sel, uint8_t aux)
{
    uint32_t idx = (uint32_t)sel % LF_LISTENERS;
    lf_listener *l = &g.listeners[idx];
    sloop_listen_options lo;
    uint32_t live = 0U;
    uint32_t i;
    sloop_listener h = { 0U, 0U };
    sloop_err err;
    static const int backlogs[4] = { 0, 1, 2, -1 };
    if (l->live != 0U) {
        return;
    }
    for (i = 0U; i < LF_LISTENERS; i++) {
        live += (g.listeners[i].live != 0U) ? 1U : 0U;
    }
    memset(&lo, 0, sizeof lo);
    lo.addr = ((aux & 3U) == 0U) ? NULL : (((aux & 3U) == 3U) ? "x" : "127.0.0.1");
    lo.port = 0U;
    lo.backlog = backlogs[(aux >> 2) & 3U];
    lo.conn = g.opts[idx % 2U];
    lo.handler = &g_handler;
    lo.user = &g_user_tags[idx];
    err = sloop_listen(&g_loop, &lo, &h);
    if ((lo.backlog < 0) || !sloop__conn_options_valid(&lo.conn)) {
        FUZZ_CHECK_EQ(err, SLOOP_EINVAL);
    } else if (g_loop.shutting_down != 0U) {
        FUZZ_CHECK_EQ(err, SLOOP_ESTATE);
    } else if (live >= SLOOP_MAX_LISTENERS) {
        FUZZ_CHECK_EQ(err, SLOOP_ELIMIT);
    } else if ((aux & 3U) == 3U) {
        if ((err != SLOOP_ESYS) || (g_fp.injected == 0U)) {
            FUZZ_CHECK_EQ(err, SLOOP_EINVAL); /* not an address (unless a fault came first) */
        }
    } else {
        FUZZ_CHECK((err == SLOOP_OK) || (err == SLOOP_ESYS));
    }
    if (err == SLOOP_OK) {
        uint16_t port = 0U;
        l->live = 1U;
        l->h = h;
        l->opts = lo.conn;
        {
            /* The sim's own record is the truth; the API must agree with it. */
            sloop_fd fd = g_loop.listeners[h.id].reg.fd;
            uint32_t k = (uint32_t)(fd - (sloop_fd)SLOOP_SIM_FD_BASE);
            FUZZ_CHECK((k < sloop_sim_fds_handed_out(&g_sim)) && (g_sim.fds[k].kind == 1U));
            l->port = g_sim.listeners[g_sim.fds[k].obj].port;
        }
        err = sloop_listener_port(&g_loop, h, &port);
        if (err == SLOOP_OK) {
            FUZZ_CHECK_EQ(port, l->port);
        } else {
            FUZZ_CHECK((err == SLOOP_ESYS) && (g_fp.injected > 0U));
        }
    }
    l->tried = 1U;
    if (g_debug) {
        fprintf(stderr, "  listen %u: port %u\n", idx, l->port);
    }
}

static void lf_listener_op(uint8_t kind, uint8_t sel, uint8_t aux)
{
    lf_listener *l = &g.listeners[(uint32_t)sel % LF_LISTENERS];
    uint16_t port = 0U;
    sloop_err err;
    switch (kind % 3U) {
    case 0U:
        lf_listen(sel, aux);
        break;
    case 1U:
        if (l->tried != 0U) {
            err = sloop_listener_close(&g_loop, l->h);
            FUZZ_CHECK_EQ(err, (l->live != 0U) ? SLOOP_OK : SLOOP_ESTALE);
            l->live = 0U;
        }
        break;
    default:
        if (l->tried != 0U) {
            err = sloop_listener_port(&g_loop, l->h, &port);
            if (l->live == 0U) {
                FUZZ_CHECK_EQ(err, SLOOP_ESTALE);
            } else if (err == SLOOP_OK) {
                FUZZ_CHECK_EQ(port, l->port);
            } else {
                FUZZ_CHECK((err == SLOOP_ESYS) && (g_fp.injected > 0U));
            }
        }
        break;
    }
}

static void lf_peer_connect(uint8_t sel)
{
    uint32_t idx = (uint32_t)sel % LF_LISTENERS;
    const lf_listener *l = &g.listeners[idx];
    sloop_sim_peer id = 0U;
    uint16_t port = (l->live != 0U) ? l->port : (uint16_t)(40000U + (sel >> 2));
    int rc = sloop_sim_peer_connect(&g_sim, "127.0.0.1", port, &id);
    if ((rc == SLOOP_SYS_OK) && (id < LF_PAIRS)) {
        lf_pair *p = &g_pairs[id];
        uint32_t i;
        /* Only a listener the loop still has accepts: find it by its port. */
        for (i = 0U; (i < LF_LISTENERS) &&
                     ((g.listeners[i].live == 0U) || (g.listeners[i].port != port));
             i++) {
        }
        FUZZ_CHECK(i < LF_LISTENERS);
        l = &g.listeners[i];
        p->listener = (uint8_t)i;
        p->fr = l->opts.framing;
        p->has_framing = 1U;
    }
}

static void lf_peer_end(lf_pair *p, uint8_t kind)
{
    uint32_t pi = lf_pair_index(p);
    switch (kind % 3U) {
    case 0U:
        sloop_sim_peer_shutdown(&g_sim, pi);
        p->peer_shut = 1U;
        break;
    case 1U:
        sloop_sim_peer_close(&g_sim, pi);
        p->peer_shut = 1U;
        p->peer_closed = 1U;
        break;
    default:
        sloop_sim_peer_reset(&g_sim, pi);
        p->peer_reset = 1U;
        break;
    }
}

static void lf_peer_limits(lf_pair *p, uint8_t a, uint8_t b, uint8_t c)
{
    static const uint32_t io[8] = { 0U, 1U, 2U, 3U, 7U, 13U, 64U, 0U };
    static const uint32_t win[8] = { 0U, 1U, 8U, 64U, 200U, 300U, 512U, 0U };
    sloop_sim_peer_limits(&g_sim, lf_pair_index(p), io[a % 8U], io[b % 8U], win[c % 8U]);
}

static void lf_conn_op(uint8_t sel, uint8_t kind)
{
    sloop_conn c;
    lf_pair *p;
    uint32_t q = 0U;
    uint32_t sp = 0U;
    if (!lf_pick_conn(sel, &c)) {
        return;
    }
    p = lf_live(c);
    switch (kind % 8U) {
    case 0U:
        lf_close(c, false);
        break;
    case 1U:
        lf_close(c, true);
        break;
    case 2U:
        lf_pause(c, true);
        break;
    case 3U:
        lf_pause(c, false);
        break;
    case 4U: {
        void *u = &g_user_tags[4U + ((uint32_t)kind >> 3) % 4U];
        sloop_err err = sloop_conn_set_user(&g_loop, c, u);
        FUZZ_CHECK_EQ(err, (p != NULL) ? SLOOP_OK : SLOOP_ESTALE);
        if (p != NULL) {
            p->user = u;
        }
        break;
    }
    case 5U:
        FUZZ_CHECK_EQ(sloop_conn_valid(&g_loop, c), p != NULL);
        break;
    case 6U:
        FUZZ_CHECK_EQ(sloop_conn_tx_queued(&g_loop, c, &q, &sp), (p != NULL) ? SLOOP_OK : SLOOP_ESTALE);
        if (p != NULL) {
            FUZZ_CHECK_EQ(q + sp, SLOOP_TX_BUF_SIZE);
        }
        break;
    default:
        lf_close(c, false);
        if (p != NULL) {
            FUZZ_CHECK_EQ(sloop_conn_abort(&g_loop, c), SLOOP_OK); /* abort after close */
            p->abort_req = 1U;
        }
        break;
    }
}

static void lf_send_op(uint8_t sel, uint8_t lsel, uint8_t seed)
{
    sloop_conn c;
    uint32_t len;
    if (!lf_pick_conn(sel, &c)) {
        return;
    }
    if (lsel < 200U) {
        len = (uint32_t)lsel % (SLOOP_MAX_FRAME + 1U);
    } else {
        /* Sizes at the limits: the free space exactly, one byte more, the largest
         * frame that can ever fit, one more, and the 1-byte header's limit. */
        const lf_pair *p = lf_live(c);
        uint32_t q = 0U;
        uint32_t space = SLOOP_TX_BUF_SIZE;
        uint32_t extra = 0U;
        if (p != NULL) {
            (void)sloop_conn_tx_queued(&g_loop, c, &q, &space);
            extra = (p->fr.mode == SLOOP_FRAME_LENGTH) ? p->fr.header_size
                    : (p->fr.mode == SLOOP_FRAME_DELIM) ? p->fr.delim_len
                                                        : 0U;
        }
        switch (lsel % 8U) {
        case 0U: len = (space > extra) ? (space - extra) : 0U; break;
        case 1U: len = (space >= extra) ? (space - extra + 1U) : 1U; break;
        case 2U: len = SLOOP_TX_BUF_SIZE - extra; break;
        case 3U: len = SLOOP_TX_BUF_SIZE - extra + 1U; break;
        case 4U: len = 255U; break;
        case 5U: len = 256U; break;
        case 6U: len = SLOOP_TX_BUF_SIZE + 1U; break;
        default: len = 0U; break;
        }
    }
    if ((seed & 63U) == 63U) {
        FUZZ_CHECK_EQ(sloop_send(&g_loop, c, NULL, len + 1U),
                      (lf_live(c) != NULL) ? SLOOP_EINVAL : SLOOP_ESTALE);
        return;
    }
    (void)lf_send_gen(c, len, seed);
}

static uint32_t lf_delay(uint8_t sel, bool period)
{
    static const uint32_t d[8] = { 0U, 1U, 5U, 20U, 100U, 999U, SLOOP_TICK_MAX_DELAY,
                                   SLOOP_TICK_MAX_DELAY + 1U };
    static const uint32_t p[8] = { 0U, 0U, 0U, 3U, 50U, 400U, SLOOP_TICK_MAX_DELAY,
                                   SLOOP_TICK_MAX_DELAY + 1U };
    return period ? p[sel % 8U] : d[sel % 8U];
}

static void lf_timer_op(uint8_t kind, uint8_t idx, uint8_t dsel, uint8_t psel)
{
    lf_timer *T = &g.timers[(uint32_t)idx % LF_TIMERS];
    switch (kind % 3U) {
    case 0U:
        (void)lf_timer_start(lf_delay(dsel, false), lf_delay(psel, true), (uint8_t)(kind / 3U),
                             false, NULL);
        break;
    case 1U:
        if ((T->used != 0U) && (T->is_stop == 0U)) {
            lf_timer_stop(T);
        }
        break;
    default:
        if ((T->used != 0U) && (T->is_stop == 0U)) {
            lf_timer_reschedule(T, lf_delay(dsel, false), lf_delay(psel, true));
        }
        break;
    }
}

static void lf_advance(uint8_t sel, uint8_t amount)
{
    uint32_t ms;
    uint32_t ahead = (g_sim.now + g_fp.clock_offset) - sloop_now(&g_loop);
    uint32_t room = (ahead < LF_CLOCK_AHEAD) ? (LF_CLOCK_AHEAD - ahead) : 0U;
    switch (sel % 3U) {
    case 0U:
        ms = 1U + (uint32_t)amount;
        break;
    case 1U:
        ms = (uint32_t)amount * 256U;
        break;
    default:
        ms = ((uint32_t)amount + 1U) * 0x200000U; /* up to 2^29 */
        break;
    }
    sloop_sim_advance(&g_sim, (ms < room) ? ms : room);
}

static bool lf_from_index(const fp_call *call, void *user)
{
    return call->fn_index >= *(const uint64_t *)user;
}

static void lf_fault(uint8_t fsel, uint8_t k, uint8_t a, uint8_t b)
{
    /* FP_NOW .. FP_POLL (the sim has no epoll), and from 200 on the wake-up and signal
     * channels' functions (FP_WAKE_OPEN .. FP_SIGNAL_READ) */
    fp_fn fn = (fsel < 200U) ? (fp_fn)((uint32_t)fsel % 10U)
                             : (fp_fn)((uint32_t)FP_WAKE_OPEN + ((uint32_t)fsel % 6U));
    uint64_t at = g_fp.calls[fn] + ((uint64_t)k % 16U);
    int errs[16];
    uint32_t nerr = fp_errors_for(fn, errs, 16U);
    fp_rule *r = NULL;
    if (g_fp.nrules >= FP_MAX_RULES) {
        return;
    }
    if (fn == FP_NOW) {
        switch (a % 3U) {
        case 0U:
            r = fp_add(&g_fp, fn, at, FP_JUMP, 0, 1U + ((uint32_t)b * 40U));
            break;
        case 1U:
            if (g.big_jumps < 2U) {
                g.big_jumps++;
                r = fp_add(&g_fp, fn, at, FP_JUMP, 0, ((uint32_t)b + 1U) * 0x100000U);
            }
            break;
        default:
            r = fp_add(&g_fp, fn, at, FP_STALL, 0, 1U + ((uint32_t)b % 8U));
            break;
        }
        (void)r;
        return;
    }
    if (((a % 4U) == 2U) && ((fn == FP_RECV) || (fn == FP_SENDV))) {
        (void)fp_add(&g_fp, fn, at, FP_SHORT, 0, (uint32_t)b % 4U);
        return;
    }
    if (nerr == 0U) {
        return;
    }
    g.fault_fail = 1U;
    if ((fn == FP_CONNECT_RESULT) && ((b & 16U) != 0U)) {
        /* a spurious wakeup: "not decided yet", the loop keeps waiting */
        errs[0] = SLOOP_SYS_EINPROGRESS;
        nerr = 1U;
    }
    if ((a % 4U) == 3U) {
        /* a burst: this call and the next ones of fn */
        uint32_t slot = g_fp.nrules;
        g.burst_from[slot] = at;
        (void)fp_add_pred(&g_fp, fn, lf_from_index, &g.burst_from[slot], errs[(uint32_t)b % nerr],
                          2U + ((uint32_t)b % 9U));
    } else {
        (void)fp_add(&g_fp, fn, at, FP_FAIL, errs[(uint32_t)b % nerr], 0U);
    }
}

static void lf_shutdown(uint8_t sel)
{
    static const uint32_t d[5] = { 0U, 10U, 100U, 1000U, SLOOP_TICK_MAX_DELAY + 1U };
    uint32_t ms = d[sel % 5U];
    sloop_err err = sloop_shutdown(&g_loop, ms);
    uint32_t i;
    if (ms > SLOOP_TICK_MAX_DELAY) {
        FUZZ_CHECK_EQ(err, SLOOP_EINVAL);
        return;
    }
    FUZZ_CHECK_EQ(err, SLOOP_OK);
    g.shutdown_called = 1U;
    for (i = 0U; i < LF_LISTENERS; i++) {
        g.listeners[i].live = 0U; /* closed by the shutdown */
    }
}

static void lf_adopt(uint8_t sel)
{
    const char *addr = g_remote_addr[((sel & 1U) != 0U) ? 3U : 0U];
    const sloop_conn_options *o = &g.opts[(sel >> 1) & 1U];
    sloop_fd fd = SLOOP_FD_INVALID;
    sloop_conn h = { 0U, 0U };
    uint32_t open = 0U;
    uint32_t i;
    sloop_err err;
    int rc = g_fp.sys.connect(g_fp.sys.ctx, addr, (uint16_t)LF_REMOTE_PORT, &fd);
    if (rc == SLOOP_SYS_EINPROGRESS) {
        /* sloop_conn_adopt takes connected sockets only. */
        (void)g_fp.sys.close(g_fp.sys.ctx, fd);
        return;
    }
    if (rc != SLOOP_SYS_OK) {
        return;
    }
    for (i = 0U; i < SLOOP_MAX_CONNS; i++) {
        open += (g_loop.conns[i].state != 0U) ? 1U : 0U;
    }
    err = sloop_conn_adopt(&g_loop, fd, o, &g_handler, &g_user_tags[6], &h);
    if (!sloop__conn_options_valid(o)) {
        FUZZ_CHECK_EQ(err, SLOOP_EINVAL);
    } else if (g_loop.shutting_down != 0U) {
        FUZZ_CHECK_EQ(err, SLOOP_ESTATE);
    } else if (open >= SLOOP_MAX_CONNS) {
        FUZZ_CHECK_EQ(err, SLOOP_ELIMIT);
    } else {
        FUZZ_CHECK_EQ(err, SLOOP_OK);
    }
    if (err == SLOOP_OK) {
        (void)lf_bind(h, LF_KIND_ADOPTED, o, &g_user_tags[6]);
    } else {
        (void)g_fp.sys.close(g_fp.sys.ctx, fd); /* still ours */
    }
}

static void lf_watch_op(uint8_t kind, uint8_t idx, uint8_t ev)
{
    lf_watch *W = &g.watches[(uint32_t)idx % LF_WATCHES];
    unsigned want = (unsigned)ev % 5U; /* 4: an invalid bit */
    uint32_t live = 0U;
    uint32_t i;
    sloop_err err;
    switch (kind % 4U) {
    case 0U: {
        sloop_fd fd = SLOOP_FD_INVALID;
        int rc;
        if ((W->live != 0U) || (W->fd_open != 0U)) {
            return;
        }
        rc = g_fp.sys.connect(g_fp.sys.ctx, g_remote_addr[3U + ((uint32_t)idx & 1U)],
                              (uint16_t)LF_REMOTE_PORT, &fd);
        if ((rc != SLOOP_SYS_OK) && (rc != SLOOP_SYS_EINPROGRESS)) {
            return;
        }
        g_pairs[lf_pair_of_fd(fd)].kind = LF_KIND_WATCHED;
        for (i = 0U; i < LF_WATCHES; i++) {
            live += (g.watches[i].live != 0U) ? 1U : 0U;
        }
        W->used = 1U;
        W->fd = fd;
        W->fd_open = 1U;
        W->want = (uint8_t)want;
        err = sloop_watch_start(&g_loop, fd, want, cb_watch, W, &W->h);
        if (want > 3U) {
            FUZZ_CHECK_EQ(err, SLOOP_EINVAL);
        } else if (live >= SLOOP_MAX_WATCHERS) {
            FUZZ_CHECK_EQ(err, SLOOP_ELIMIT);
        } else {
            FUZZ_CHECK_EQ(err, SLOOP_OK);
        }
        W->live = (err == SLOOP_OK) ? 1U : 0U;
        break;
    }
    case 1U:
        if (W->used != 0U) {
            err = sloop_watch_modify(&g_loop, W->h, want);
            if (W->live == 0U) {
                FUZZ_CHECK_EQ(err, SLOOP_ESTALE);
            } else if (want > 3U) {
                FUZZ_CHECK_EQ(err, SLOOP_EINVAL);
            } else {
                FUZZ_CHECK_EQ(err, SLOOP_OK);
                W->want = (uint8_t)want;
            }
        }
        break;
    case 2U:
        if (W->used != 0U) {
            err = sloop_watch_stop(&g_loop, W->h);
            FUZZ_CHECK_EQ(err, (W->live != 0U) ? SLOOP_OK : SLOOP_ESTALE);
            W->live = 0U;
            if (W->fd_open != 0U) {
                (void)g_fp.sys.close(g_fp.sys.ctx, W->fd);
                W->fd_open = 0U;
            }
        }
        break;
    default:
        /* Closed behind the loop's back while watched: POLLNVAL stops it. */
        if ((W->live != 0U) && (W->fd_open != 0U)) {
            (void)g_fp.sys.close(g_fp.sys.ctx, W->fd);
            W->fd_open = 0U;
            g.any_behind = 1U;
        }
        break;
    }
}

/* A connection's descriptor closed behind the loop's back: the next wait reports
 * POLLNVAL and the connection closes with BAD_FD without closing it again. Only
 * when nothing else can touch the descriptor first (no queued data, no pending work
 * on any connection, no timeouts, every registered descriptor fits one batch of
 * events), since closing a descriptor sloop owns breaks the API contract. */
/* A poll fault still to come (the wait that should report POLLNVAL may fail). */
static bool lf_poll_fault_armed(void)
{
    uint32_t i;
    bool armed = false;
    for (i = 0U; (i < g_fp.nrules) && !armed; i++) {
        const fp_rule *r = &g_fp.rules[i];
        if (r->fn == FP_POLL) {
            armed = (r->nth == FP_EVERY) ? ((r->max_fires == 0U) || (r->fired < r->max_fires))
                                         : (r->seen <= r->nth);
        }
    }
    return armed;
}

static void lf_behind(uint8_t sel)
{
    sloop_conn c;
    lf_pair *p;
    const sloop__conn *lc;
    if (!lf_pick_conn(sel, &c) || ((p = lf_live(c)) == NULL) || lf_poll_fault_armed()) {
        return;
    }
    lc = &g_loop.conns[c.id];
    if ((lc->state != (uint8_t)SLOOP__CONN_OPEN) || (lc->in_pending != 0U) ||
        (lc->open_pending != 0U) || (lc->close_now != 0U) ||
        (sloop_ring_count(&lc->tx) != 0U) || (p->idle_ms != 0U) || (p->frame_ms != 0U) ||
        (g_loop.pfd_count > SLOOP_MAX_EVENTS) || (g_loop.pending_count != 0U) ||
        (p->opened == 0U)) {
        return;
    }
    (void)g_fp.sys.close(g_fp.sys.ctx, lc->reg.fd);
    p->behind = 1U;
    g.any_behind = 1U;
    lf_iterate(0);
    FUZZ_CHECK(p->closed != 0U);
    FUZZ_CHECK_EQ(p->reason, SLOOP_CLOSE_BAD_FD);
}

/* The operations added with expect, on_frame_error, signals, wake-ups and fork. */
static void lf_op_new(uint8_t op, uint8_t a)
{
    fuzz_in *in = &g.in;
    sloop_conn c;
    lf_pair *p;
    uint8_t b;
    switch (op % 8U) {
    case 0U: { /* EXPECT: n invalid, small, at the maximum, or from the input */
        static const uint32_t xn[8] = { 0U, 1U, 3U, 16U, SLOOP_MAX_FRAME, SLOOP_MAX_FRAME + 1U, 0U, 0U };
        uint32_t n;
        b = fuzz_u8(in);
        n = ((b & 7U) >= 6U) ? (uint32_t)(b >> 3) : xn[b & 7U];
        if (lf_pick_conn(a, &c)) {
            lf_expect(c, n);
        }
        break;
    }
    case 1U: /* MODES: on_frame_error in options A/B, what it does, expects from on_frame */
        g.opts[0].on_frame_error = ((a & 1U) != 0U) ? cb_frame_error : NULL;
        g.opts[1].on_frame_error = ((a & 2U) != 0U) ? cb_frame_error : NULL;
        g.fe_react = (uint8_t)((a >> 2) & 3U);
        g.fx_mode = (uint8_t)(a >> 4);
        break;
    case 2U: { /* BODY: the peer writes (part of) an expected body */
        uint32_t n;
        b = fuzz_u8(in);
        if ((p = lf_peer(a)) == NULL) {
            break;
        }
        switch (b >> 6) {
        case 0U: n = p->exp_pending; break;
        case 1U: n = (p->exp_pending > 0U) ? p->exp_pending - 1U : 0U; break;
        case 2U: n = 1U; break;
        default: n = (uint32_t)b & 63U; break;
        }
        lf_fill(g_scratch, n, (uint32_t)b + 17U);
        lf_peer_write(p, g_scratch, n);
        break;
    }
    case 3U: /* SIGNAL watchers */
        b = fuzz_u8(in);
        if ((a & 1U) == 0U) {
            lf_sig_start((uint32_t)a >> 1, g_signos[b % 8U]);
        } else if ((a & 2U) == 0U) {
            lf_sig_stop((uint32_t)a >> 2);
        } else {
            sloop_signal forged = { (uint32_t)b % 8U, (uint32_t)a >> 2 };
            bool real = false;
            uint32_t i;
            for (i = 0U; i < LF_SIGS; i++) {
                real = real || ((g.sigs[i].live != 0U) && (g.sigs[i].h.id == forged.id) &&
                                (g.sigs[i].h.gen == forged.gen));
            }
            if (!real) {
                FUZZ_CHECK_EQ(sloop_signal_stop(&g_loop, forged), SLOOP_ESTALE);
            }
        }
        break;
    case 4U: { /* RAISE: one signal, one to three times */
        uint32_t k;
        for (k = 0U; k <= ((uint32_t)a >> 3) % 3U; k++) {
            lf_raise(g_signos[a % 8U]);
        }
        break;
    }
    case 5U: /* WAKE */
        switch (a % 4U) {
        case 0U: lf_wake_start(); break;
        case 1U: lf_wake_stop(); break;
        default: {
            uint32_t k;
            for (k = 0U; k <= ((uint32_t)a >> 2) % 4U; k++) {
                lf_wake();
            }
            break;
        }
        }
        break;
    case 6U:
        lf_fork();
        break;
    default: /* REACT: what signal, wake and watcher callbacks do */
        g.sig_react = (uint8_t)(a & 7U);
        g.wake_react = (uint8_t)((a >> 3) & 3U);
        g.watch_react = (uint8_t)(a >> 5);
        break;
    }
}

static void lf_op(void)
{
    fuzz_in *in = &g.in;
    uint8_t op = fuzz_u8(in);
    uint8_t a = fuzz_u8(in);
    if (g_debug) {
        fprintf(stderr, "op %u a %u (clock %u, loop now %u)\n", (unsigned)(op % 24U), (unsigned)a,
                (unsigned)g_sim.now, (unsigned)sloop_now(&g_loop));
    }
    uint8_t b;
    uint8_t c;
    lf_pair *p;
    if (op >= LF_NEW_OPS) {
        lf_op_new((uint8_t)(op - LF_NEW_OPS), a);
        return;
    }
    switch (op % 24U) {
    case 0U:
        lf_peer_connect(a);
        break;
    case 1U: { /* raw bytes from the input */
        uint32_t len = 1U + ((uint32_t)fuzz_u8(in) % 64U);
        p = lf_peer(a);
        if (len > fuzz_left(in)) {
            len = (uint32_t)fuzz_left(in);
        }
        if ((p != NULL) && (len > 0U)) {
            lf_peer_write(p, in->p, len);
        }
        in->p += len;
        in->n -= len;
        break;
    }
    case 2U:
        b = fuzz_u8(in);
        c = fuzz_u8(in);
        if ((p = lf_peer(a)) != NULL) {
            lf_peer_frame(p, b, c);
        }
        break;
    case 3U:
        b = fuzz_u8(in);
        c = fuzz_u8(in);
        if ((p = lf_peer(a)) != NULL) {
            lf_peer_hostile(p, b, c);
        }
        break;
    case 4U:
        b = fuzz_u8(in);
        if ((p = lf_peer(a)) != NULL) {
            lf_peer_read(p, (b == 0U) ? UINT32_MAX : (uint32_t)b);
        }
        break;
    case 5U:
        b = fuzz_u8(in);
        if ((p = lf_peer(a)) != NULL) {
            lf_peer_end(p, b);
        }
        break;
    case 6U: {
        uint8_t d;
        b = fuzz_u8(in);
        c = fuzz_u8(in);
        d = fuzz_u8(in);
        if ((p = lf_peer(a)) != NULL) {
            lf_peer_limits(p, b, c, d);
        }
        break;
    }
    case 7U:
        b = fuzz_u8(in);
        c = fuzz_u8(in);
        lf_send_op(a, b, c);
        break;
    case 8U:
        lf_conn_op(a, fuzz_u8(in));
        break;
    case 9U: {
        uint8_t d;
        b = fuzz_u8(in);
        c = fuzz_u8(in);
        d = fuzz_u8(in);
        lf_timer_op(a, b, c, d);
        break;
    }
    case 10U:
        b = fuzz_u8(in);
        lf_connect(a, b, b);
        break;
    case 11U:
        b = fuzz_u8(in);
        c = fuzz_u8(in);
        lf_listener_op(a, b, c);
        break;
    case 12U:
        lf_advance(a, fuzz_u8(in));
        lf_iterate(0);
        break;
    case 13U: {
        uint8_t d;
        b = fuzz_u8(in);
        c = fuzz_u8(in);
        d = fuzz_u8(in);
        lf_fault(a, b, c, d);
        break;
    }
    case 14U:
        lf_run(a);
        break;
    case 15U:
        lf_shutdown(a);
        break;
    case 16U:
        lf_adopt(a);
        break;
    case 17U:
        b = fuzz_u8(in);
        c = fuzz_u8(in);
        lf_watch_op(a, b, c);
        break;
    case 18U:
        lf_behind(a);
        break;
    case 19U: {
        static const uint32_t lim[6] = { 2U, 3U, 4U, 5U, 8U, SLOOP_SIM_MAX_FDS };
        sloop_sim_set_fd_limit(&g_sim, lim[a % 6U]);
        break;
    }
    default: { /* 20 .. 23: run the loop */
        static const int32_t t[8] = { 0, 1, 10, 50, 200, 1000, 0, 5 };
        uint32_t n = 1U + ((uint32_t)a % 4U);
        uint32_t i;
        for (i = 0U; i < n; i++) {
            lf_iterate(t[(a >> 2) % 8U]);
        }
        break;
    }
    }
}

/* ---- the reference decoder and the final checks --------------------------------------------- */

typedef struct lf_ev {
    uint8_t err; /* 0: a frame; else the sloop_frame_status of the error */
    uint32_t off;
    uint32_t len;
} lf_ev;

static lf_ev g_ev[LF_LOG + 2U];

/* Frames of what p's peer wrote, s[0 .. n), one byte at a time, up to and
 * including the first error. An expect (p->exp_at, p->exp_n) makes frame number
 * exp_at the next exp_n bytes, whatever the mode. g_ref_boundary: the decoding
 * ended between frames. */
static uint32_t lf_ref_decode(const lf_pair *p, uint32_t n)
{
    const sloop_frame_config *cfg = &p->fr;
    const uint8_t *s = p->ptx;
    uint32_t nev = 0U;
    uint32_t start = 0U;
    uint32_t hdr_have = 0U;
    uint64_t hdr = 0U;
    uint32_t xi = 0U;
    uint32_t i;
    g_ref_boundary = false;
    for (i = 0U; i < n; i++) {
        uint32_t end = i + 1U;
        if ((start == i) && (xi < p->nexp) && (p->exp_at[xi] == nev)) {
            /* an expected frame starts here */
            uint32_t len = p->exp_n[xi];
            xi++;
            if (n - i < len) {
                return nev; /* not all of it yet */
            }
            g_ev[nev].err = 0U;
            g_ev[nev].off = i;
            g_ev[nev].len = len;
            nev++;
            i += len - 1U;
            start = i + 1U;
            continue;
        }
        if (cfg->mode == SLOOP_FRAME_LENGTH) {
            if (hdr_have < cfg->header_size) {
                hdr = (hdr * 256U) + s[i];
                hdr_have++;
                if (hdr_have == cfg->header_size) {
                    if (hdr > cfg->max_payload) {
                        g_ev[nev].err = (uint8_t)SLOOP_FRAME_TOO_BIG;
                        nev++;
                        return nev;
                    }
                    if (hdr == 0U) {
                        g_ev[nev].err = 0U;
                        g_ev[nev].off = end;
                        g_ev[nev].len = 0U;
                        nev++;
                        start = end;
                        hdr_have = 0U;
                    }
                }
            } else if ((uint64_t)(end - start - cfg->header_size) == hdr) {
                g_ev[nev].err = 0U;
                g_ev[nev].off = start + cfg->header_size;
                g_ev[nev].len = (uint32_t)hdr;
                nev++;
                start = end;
                hdr_have = 0U;
                hdr = 0U;
            } else {
                /* more payload to come */
            }
        } else {
            uint32_t cur = end - start;
            uint32_t dl = cfg->delim_len;
            if ((cur >= dl) && (memcmp(&s[end - dl], cfg->delim, dl) == 0)) {
                g_ev[nev].err = 0U;
                g_ev[nev].off = start;
                g_ev[nev].len = cur - dl;
                nev++;
                start = end;
            } else {
                /* k: the longest tail that could still begin the delimiter */
                uint32_t k = (cur < dl - 1U) ? cur : dl - 1U;
                while ((k > 0U) && (memcmp(&s[end - k], cfg->delim, k) != 0)) {
                    k--;
                }
                if (cur - k > cfg->max_payload) {
                    g_ev[nev].err = (uint8_t)SLOOP_FRAME_TOO_LONG;
                    nev++;
                    return nev;
                }
            }
        }
    }
    g_ref_boundary = (start == n);
    return nev;
}

static void lf_check_rx(const lf_pair *p)
{
    uint32_t consumed = (uint32_t)sloop_sim_peer_moved_to_loop(&g_sim, lf_pair_index(p));
    uint32_t pos = 0U;
    uint32_t nf = 0U;
    uint32_t total = 0U;
    uint32_t nev = 0U;
    /* the framing error, also when on_frame_error's graceful close ended otherwise */
    uint8_t ferr = (p->fe_reason != 0U) ? p->fe_reason : p->reason;
    if ((p->ptx_over != 0U) || (p->rx_over != 0U) || (p->exp_over != 0U)) {
        return;
    }
    FUZZ_CHECK(consumed <= p->ptx_len);
    if (p->fr.mode != SLOOP_FRAME_RAW) {
        nev = lf_ref_decode(p, consumed);
    }
    while (pos < p->rx_len) {
        uint32_t len;
        FUZZ_CHECK(pos + 2U <= p->rx_len);
        len = ((uint32_t)p->rx[pos] << 8) | p->rx[pos + 1U];
        pos += 2U;
        FUZZ_CHECK(pos + len <= p->rx_len);
        if (p->fr.mode == SLOOP_FRAME_RAW) {
            FUZZ_CHECK((len >= 1U) && (len <= p->fr.max_payload));
            FUZZ_CHECK(total + len <= consumed);
            FUZZ_CHECK(memcmp(&p->rx[pos], &p->ptx[total], len) == 0);
        } else {
            FUZZ_CHECK(nf < nev);             /* a frame the reference does not have */
            FUZZ_CHECK(g_ev[nf].err == 0U);   /* delivered past a framing error */
            FUZZ_CHECK_EQ(len, g_ev[nf].len);
            FUZZ_CHECK(memcmp(&p->rx[pos], &p->ptx[g_ev[nf].off], len) == 0);
        }
        total += len;
        pos += len;
        nf++;
    }
    FUZZ_CHECK_EQ(nf, p->frames_in);
    if (p->reason == (uint8_t)SLOOP_CLOSE_PEER) {
        /* The loop read to the end of the stream: every complete frame came. */
        FUZZ_CHECK_EQ(consumed, p->ptx_len);
        if ((p->fr.mode == SLOOP_FRAME_RAW) && (p->exp_pending != 0U)) {
            /* all but the start of an expected frame the peer never finished */
            FUZZ_CHECK(consumed - total < p->exp_pending);
        } else if (p->fr.mode == SLOOP_FRAME_RAW) {
            FUZZ_CHECK_EQ(total, consumed);
        } else {
            FUZZ_CHECK_EQ(nf, nev);
            FUZZ_CHECK((nev == 0U) || (g_ev[nev - 1U].err == 0U));
        }
    }
    if ((ferr == (uint8_t)SLOOP_CLOSE_FRAME_TOO_BIG) || (ferr == (uint8_t)SLOOP_CLOSE_FRAME_TOO_LONG)) {
        FUZZ_CHECK(nf < nev);
        FUZZ_CHECK_EQ(g_ev[nf].err, (ferr == (uint8_t)SLOOP_CLOSE_FRAME_TOO_BIG)
                                        ? SLOOP_FRAME_TOO_BIG
                                        : SLOOP_FRAME_TOO_LONG);
    }
}

static void lf_check_tx(const lf_pair *p)
{
    uint64_t moved = sloop_sim_peer_moved_to_peer(&g_sim, lf_pair_index(p));
    if ((p->tx_over != 0U) || (p->prx_over != 0U)) {
        return;
    }
    FUZZ_CHECK_EQ(moved, p->prx_len); /* the peer read everything the loop sent */
    FUZZ_CHECK(p->prx_len <= p->tx_len);
    FUZZ_CHECK(memcmp(p->prx, p->tx, p->prx_len) == 0);
    if ((p->reason == (uint8_t)SLOOP_CLOSE_LOCAL) || (p->reason == (uint8_t)SLOOP_CLOSE_PEER)) {
        FUZZ_CHECK_EQ(p->prx_len, p->tx_len); /* closed as flushed: all of it arrived */
    }
    if ((p->fe_reason != 0U) && (p->reason == p->fe_reason) && (p->fe_abort == 0U) &&
        (p->abort_req == 0U)) {
        /* the graceful close after on_frame_error flushed its reply */
        FUZZ_CHECK_EQ(p->prx_len, p->tx_len);
    }
}

static void lf_check_final(void)
{
    const sloop_counters *k = &g_loop.counters;
    const sloop_sim_stats *st = sloop_sim_stats_get(&g_sim);
    uint64_t sum = 0U;
    uint32_t unopened_clients = 0U;
    uint32_t i;
    /* tables */
    FUZZ_CHECK_EQ(sloop_slots_open_count(&g_loop.conn_slots), 0U);
    FUZZ_CHECK_EQ(sloop_slots_open_count(&g_loop.listener_slots), 0U);
    FUZZ_CHECK_EQ(sloop_slots_open_count(&g_loop.watch_slots), 0U);
    FUZZ_CHECK_EQ(sloop_slots_open_count(&g_loop.timers.ids), 0U);
    FUZZ_CHECK_EQ(sloop_timerq_armed_count(&g_loop.timers), 0U);
    FUZZ_CHECK_EQ(g_loop.user_timers, 0U);
    FUZZ_CHECK_EQ(g_loop.pending_count, 0U);
    FUZZ_CHECK_EQ(g_loop.read_pending_count, 0U);
    FUZZ_CHECK_EQ(g_loop.pfd_count, 0U);
    FUZZ_CHECK_EQ(g_loop.change_count, 0U);
    /* connections */
    for (i = 0U; i < lf_pair_count(); i++) {
        const lf_pair *p = &g_pairs[i];
        if ((p->kind == LF_KIND_NONE) || (p->kind == LF_KIND_WATCHED)) {
            continue;
        }
        FUZZ_CHECK(p->closed != 0U); /* never got on_close */
        if ((p->kind == LF_KIND_CLIENT) && (p->opened == 0U) && (g_sim.pairs[i].state == 3U)) {
            unopened_clients++; /* established, closed before on_open */
        }
        lf_check_tx(p);
        lf_check_rx(p);
    }
    FUZZ_CHECK_EQ(g.on_close, g.known);
    for (i = 0U; i < SLOOP_MAX_CONNS; i++) {
        FUZZ_CHECK_EQ(g.live_pair[i], 0U);
    }
    /* counters */
    FUZZ_CHECK_EQ(k->accepts, g.on_open_server);
    FUZZ_CHECK(k->connects >= g.on_open_client);
    FUZZ_CHECK(k->connects - g.on_open_client <= unopened_clients);
    FUZZ_CHECK_EQ(k->frames_in, g.on_frame);
    FUZZ_CHECK_EQ(k->frames_out, g.sends_ok);
    FUZZ_CHECK_EQ(k->send_full, g.send_efull);
    for (i = 0U; i < (uint32_t)SLOOP_CLOSE_REASON_COUNT; i++) {
        FUZZ_CHECK_EQ(k->closes[i], g.closes[i]);
        sum += k->closes[i];
    }
    FUZZ_CHECK_EQ(sum, g.on_close);
    FUZZ_CHECK_EQ(k->timers_fired, g.timer_calls);
    FUZZ_CHECK_EQ(k->wakes, g.wk_cbs);
    {
        uint64_t sigs = 0U;
        for (i = 1U; i <= 64U; i++) {
            sigs += g.sig_cbs[i];
        }
        FUZZ_CHECK_EQ(k->signals, sigs);
        FUZZ_CHECK_EQ(st->signals_raised, g.sig_raised[1] + g.sig_raised[2] + g.sig_raised[10] +
                                              g.sig_raised[12] + g.sig_raised[15] + g.sig_raised[64]);
    }
    FUZZ_CHECK_EQ(k->bytes_in + g.app_recv, g_fp.bytes_recv);
    FUZZ_CHECK_EQ(k->bytes_out, g_fp.bytes_sent);
    FUZZ_CHECK_EQ(st->bytes_to_loop, g_fp.bytes_recv);
    FUZZ_CHECK_EQ(st->bytes_to_peer, g_fp.bytes_sent);
    FUZZ_CHECK_EQ(st->accepts, g_fp.accepts_ok);
    FUZZ_CHECK(g_fp.accepts_ok >= k->accepts);
    FUZZ_CHECK(g_fp.accepts_ok - k->accepts <= k->accept_errors);
    /* descriptors */
    if (g_debug) {
        for (i = 0U; i < sloop_sim_fds_handed_out(&g_sim); i++) {
            fprintf(stderr, "  sim fd %u: kind %u open %u closes %u\n", i + (uint32_t)SLOOP_SIM_FD_BASE,
                    g_sim.fds[i].kind, g_sim.fds[i].open, (unsigned)g_sim.fds[i].closes);
        }
    }
    FUZZ_CHECK(fp_fds_all_closed_once(&g_fp));
    FUZZ_CHECK(sloop_sim_all_closed_once(&g_sim));
    FUZZ_CHECK_EQ(st->hangs, 0U);
    if (g.any_behind == 0U) {
        FUZZ_CHECK_EQ(st->nval, 0U);
    }
    FUZZ_CHECK(!g_fp.over_limit);
}

static void lf_finish(bool graceful)
{
    uint32_t i;
    if (graceful && (g_loop.shutting_down == 0U)) {
        FUZZ_CHECK_EQ(sloop_shutdown(&g_loop, 500U), SLOOP_OK);
        g.shutdown_called = 1U;
        for (i = 0U; i < LF_LISTENERS; i++) {
            g.listeners[i].live = 0U;
        }
    }
    for (i = 0U; graceful && (i < 40U) && (sloop_slots_open_count(&g_loop.conn_slots) > 0U); i++) {
        lf_drain_all();
        lf_iterate(100);
    }
    /* What was promised and not yet served comes now (lf_check_live bounds it). */
    for (i = 0U; (g.broken == 0U) && (i < LF_LIVE_ITERS + 2U); i++) {
        uint32_t s;
        bool owed = (g.wk_owed != 0U);
        for (s = 1U; s <= 64U; s++) {
            owed = owed || (g.sig_owed[s] != 0U);
        }
        if (g_debug) {
            fprintf(stderr, "  owed at the end: wake %u (iterations %u), signals %d\n", g.wk_owed,
                    g.wk_owed_iters, (int)owed);
        }
        if (!owed) {
            break;
        }
        lf_iterate(0);
    }
    g.in_final_close = 1U;
    FUZZ_CHECK_EQ(sloop_close(&g_loop), SLOOP_OK);
    g.in_final_close = 0U;
    FUZZ_CHECK_EQ(sloop_close(&g_loop), SLOOP_EINVAL);
    for (i = 0U; i < LF_WATCHES; i++) {
        if (g.watches[i].fd_open != 0U) {
            (void)g_fp.sys.close(g_fp.sys.ctx, g.watches[i].fd);
            g.watches[i].fd_open = 0U;
        }
    }
    lf_drain_all();
    lf_check_final();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sloop_options o;
    uint8_t h[LF_HEADER];
    uint32_t start;
    uint32_t x;
    uint32_t i;
    uint32_t ops;
    static const uint32_t io[4] = { 0U, 1U, 3U, 17U };

    memset(&g, 0, sizeof g);
    g_debug = (getenv("LF_DEBUG") != NULL);
    g.in.p = data;
    g.in.n = size;
    for (i = 0U; i < LF_HEADER; i++) {
        h[i] = fuzz_u8(&g.in);
    }
    x = ((uint32_t)h[1] << 8) | h[2];
    switch (h[0] & 3U) {
    case 0U: start = 1000U; break;
    case 1U: start = UINT32_MAX - x; break;              /* the 32-bit wrap x ms ahead */
    case 2U: start = 0x7FFFFFFFU - x; break;             /* the sign bit x ms ahead */
    default: start = x * 65536U; break;
    }
    lf_conn_options(&g.opts[0], h[3], h[4], h[5]);
    lf_conn_options(&g.opts[1], h[6], h[7], h[8]);
    g.remote_delay = 1U + ((uint32_t)h[9] % 200U);
    for (i = 0U; i < 4U; i++) {
        g.react_open[i] = (uint8_t)(h[10U + (i / 2U)] >> (4U * (i % 2U)));
    }
    for (i = 0U; i < 8U; i++) {
        g.react_frame[i] = (uint8_t)((h[12U + (i / 2U)] >> (4U * (i % 2U))) & 15U);
    }
    g.react_close[0] = (uint8_t)(h[16] & 15U);
    g.react_close[1] = (uint8_t)(h[16] >> 4);
    g.react_writable[0] = (uint8_t)(h[17] & 15U);
    g.react_writable[1] = (uint8_t)(h[17] >> 4);
    for (i = 0U; i < 4U; i++) {
        g.react_open[i] &= 15U;
    }

    FUZZ_CHECK(sloop_sim_init(&g_sim, start));
    sloop_sim_set_default_limits(&g_sim, io[(h[0] >> 3) & 3U], io[(h[0] >> 4) & 1U], 0U);
    FUZZ_CHECK(sloop_sim_remote_add(&g_sim, g_remote_addr[0], (uint16_t)LF_REMOTE_PORT,
                                    SLOOP_SIM_ACCEPT, g.remote_delay));
    FUZZ_CHECK(sloop_sim_remote_add(&g_sim, g_remote_addr[1], (uint16_t)LF_REMOTE_PORT,
                                    SLOOP_SIM_REFUSE, g.remote_delay / 2U));
    FUZZ_CHECK(sloop_sim_remote_add(&g_sim, g_remote_addr[2], (uint16_t)LF_REMOTE_PORT,
                                    SLOOP_SIM_BLACKHOLE, 0U));
    FUZZ_CHECK(sloop_sim_remote_add(&g_sim, g_remote_addr[3], (uint16_t)LF_REMOTE_PORT,
                                    SLOOP_SIM_ACCEPT_NOW, 0U));
    fp_init(&g_fp, sloop_sim_sys(&g_sim));
    fp_set_call_limit(&g_fp, LF_CALL_LIMIT);
    o.backend = SLOOP_BACKEND_POLL;
    o.sys = fp_sys(&g_fp);
    FUZZ_CHECK_EQ(sloop_init(&g_loop, &o), SLOOP_OK);
    for (i = 0U; i < LF_PAIRS; i++) {
        lf_pair_reset(&g_pairs[i]);
    }
    for (i = 0U; i < 2U; i++) {
        if ((h[0] & (32U << i)) != 0U) {
            lf_listen((uint8_t)i, 1U);
        }
    }
    for (ops = 0U; (ops < LF_MAX_OPS) && (fuzz_left(&g.in) > 0U) && (g.broken == 0U); ops++) {
        lf_op();
    }
    lf_finish(((h[0] & 4U) != 0U) && (g.broken == 0U));
    return 0;
}
