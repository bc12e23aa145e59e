/*
 * scenarios.c - the fault scenarios (see scenarios.h).
 *
 * Every loop here is bounded by a step count; each step runs one loop
 * iteration with a short timeout, then lets the peers react. A peer that sees
 * end of stream or a reset closes and is done, whatever state its script was
 * in, so a fault that ends a connection early ends that peer's part too.
 * W_LIVE is enforced in every run: the scenario must come to rest (every
 * connection served or closed) within its bound, with or without a fault.
 */
#include "scenarios.h"

#include <stdio.h>
#include <string.h>

#define W_LIVE(w, cond)                                                                    \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            w_fail((w), __FILE__, __LINE__, "did not come to rest: %s", #cond);            \
        }                                                                                  \
    } while (0)

#define PEER_DONE 9U /* script state: the peer closed its end */

/* Closes a peer that saw the end of its connection; true if it is done. */
static bool peer_settle(world *w, int p)
{
    w_peer *pe;
    if (p < 0) {
        return true;
    }
    pe = &w->peers[p];
    if ((pe->script != PEER_DONE) && ((pe->eof != 0U) || (pe->reset != 0U))) {
        w_peer_close(w, p);
        pe->script = PEER_DONE;
    }
    return pe->script == PEER_DONE;
}

/* The application's record of the connection that greeted peer p. */
static const w_record *record_of(const world *w, int p)
{
    sloop_conn c;
    uint32_t i;
    if (!w_peer_conn(w, p, &c)) {
        return NULL;
    }
    for (i = 0U; i < w->nrec; i++) {
        if ((w->rec[i].id == c.id) && (w->rec[i].gen == c.gen)) {
            return &w->rec[i];
        }
    }
    return NULL;
}

static bool closed_with(const world *w, int p, sloop_close_reason reason)
{
    const w_record *r = record_of(w, p);
    return (r != NULL) && (r->closed != 0U) && (r->reason == (uint8_t)reason);
}

/* ---- accept, echo, close ------------------------------------------------------------------ */

void sc_echo(world *w)
{
    /* "two-split" as one frame, written in two parts: the header and two bytes,
     * then the rest. */
    static const uint8_t two[] = { 0U, 10U, 'D', 't', 'w', 'o', '-', 's', 'p', 'l', 'i', 't' };
    bool listening = (w_listen(w, "127.0.0.1") == SLOOP_OK);
    bool done = false;
    uint32_t step;
    int p;
    W_EXPECT(w, listening);
    if (!listening) {
        return;
    }
    p = w_peer_connect(w);
    W_EXPECT(w, p >= 0);
    if (p < 0) {
        return;
    }
    (void)w_peer_send(w, p, 'D', "one", 3U); /* before the loop accepted */
    for (step = 0U; (step < 400U) && !done; step++) {
        w_peer *pe = &w->peers[p];
        (void)sloop_run_once(w->loop, w->step_ms);
        w_peer_pump(w, p);
        switch (pe->script) {
        case 0U:
            if (w_peer_count(w, p, 'E') >= 1U) {
                (void)w_peer_write_raw(w, p, two, 5U);
                pe->script = 1U;
            }
            break;
        case 1U:
            (void)w_peer_write_raw(w, p, &two[5], (uint32_t)sizeof two - 5U);
            pe->script = 2U;
            break;
        case 2U:
            if (w_peer_count(w, p, 'E') >= 2U) {
                (void)w_peer_send(w, p, 'C', "bye", 3U);
                pe->script = 3U;
            }
            break;
        default:
            break;
        }
        done = peer_settle(w, p) && (w_open_count(w) == 0U);
    }
    W_LIVE(w, done);
    W_EXPECT(w, w_peer_count(w, p, 'G') == 1U);
    W_EXPECT(w, w_peer_count(w, p, 'E') == 3U);
    W_EXPECT(w, closed_with(w, p, SLOOP_CLOSE_LOCAL));
    W_EXPECT(w, w->on_open_server == 1U);
    if (w->have_listener) {
        W_EXPECT(w, sloop_listener_close(w->loop, w->listener) == SLOOP_OK);
        w->have_listener = false;
    }
}

/* ---- many clients ----------------------------------------------------------------------------- */

#define MANY 8U

void sc_many(world *w)
{
    static const uint8_t too_big[] = { 0xFFU, 0xFFU, 'D', 'x' };
    int p[MANY];
    bool listening = (w_listen(w, "127.0.0.1") == SLOOP_OK);
    bool done = false;
    uint32_t step;
    uint32_t i;
    W_EXPECT(w, listening);
    if (!listening) {
        return;
    }
    for (i = 0U; i < MANY; i++) {
        char msg[8];
        p[i] = w_peer_connect(w);
        W_EXPECT(w, p[i] >= 0);
        (void)snprintf(msg, sizeof msg, "c%u-1", (unsigned)i);
        (void)w_peer_send(w, p[i], 'D', msg, 4U);
    }
    for (step = 0U; (step < 400U) && !done; step++) {
        bool all = true;
        (void)sloop_run_once(w->loop, w->step_ms);
        for (i = 0U; i < MANY; i++) {
            w_peer *pe;
            char msg[8];
            if (p[i] < 0) {
                continue;
            }
            pe = &w->peers[p[i]];
            w_peer_pump(w, p[i]);
            if ((pe->script == 0U) && (w_peer_count(w, p[i], 'E') >= 1U)) {
                if (i == 5U) {
                    (void)w_peer_send(w, p[i], 'A', NULL, 0U);
                    pe->script = 7U;
                } else if (i == 6U) {
                    w_peer_reset(w, p[i]);
                    pe->script = PEER_DONE;
                } else if (i == 7U) {
                    (void)w_peer_write_raw(w, p[i], too_big, (uint32_t)sizeof too_big);
                    pe->script = 7U;
                } else {
                    (void)snprintf(msg, sizeof msg, "c%u-2", (unsigned)i);
                    (void)w_peer_send(w, p[i], 'D', msg, 4U);
                    pe->script = 1U;
                }
            } else if ((pe->script == 1U) && (w_peer_count(w, p[i], 'E') >= 2U)) {
                if (i == 4U) {
                    /* Half a frame, then end of stream: dropped, closed PEER. */
                    static const uint8_t half[] = { 0U, 8U, 'D', 'h', 'a' };
                    (void)w_peer_write_raw(w, p[i], half, (uint32_t)sizeof half);
                }
                w_peer_shutdown(w, p[i]);
                pe->script = 7U;
            } else {
                /* waiting */
            }
            all = peer_settle(w, p[i]) && all;
        }
        done = all && (w_open_count(w) == 0U);
    }
    W_LIVE(w, done);
    W_EXPECT(w, w->on_open_server == MANY);
    W_EXPECT(w, w->closes[SLOOP_CLOSE_PEER] == 5U);
    W_EXPECT(w, w->closes[SLOOP_CLOSE_ABORT] == 1U);
    W_EXPECT(w, w->closes[SLOOP_CLOSE_RESET] == 1U);
    W_EXPECT(w, w->closes[SLOOP_CLOSE_FRAME_TOO_BIG] == 1U);
    for (i = 0U; i < 5U; i++) {
        W_EXPECT(w, w_peer_count(w, p[i], 'E') == 2U);
    }
}

/* ---- timers with I/O ---------------------------------------------------------------------------- */

typedef struct timers_state {
    int a;
    int b;
    int c;
} timers_state;

static timers_state g_timers;

static void timers_fire(world *w, uint32_t which)
{
    const timers_state *st = (const timers_state *)w->scenario;
    uint32_t i;
    sloop_conn c;
    switch (which) {
    case 0U: /* periodic: a tick to every open connection */
        for (i = 0U; i < w->nrec; i++) {
            if ((w->rec[i].closed == 0U) && (w->rec[i].opened != 0U)) {
                c.id = w->rec[i].id;
                c.gen = w->rec[i].gen;
                (void)w_send(w, c, 'T', "tick", 4U);
            }
        }
        break;
    case 1U: /* one-shot: close A's connection gracefully */
        if (w_peer_conn(w, st->a, &c)) {
            (void)sloop_conn_close(w->loop, c);
        }
        break;
    case 3U: /* one-shot that reschedules itself once from its callback */
        if (w->timers[3].fired == 1U) {
            W_EXPECT(w, w_timer_reschedule(w, 3U, 75U, 0U) == SLOOP_OK);
        }
        break;
    default:
        break;
    }
}

void sc_timers(world *w)
{
    static const uint8_t partial[] = { 0U, 9U, 'D', 'x', 'y' }; /* 3 of a 9-byte payload */
    timers_state *st = &g_timers;
    uint32_t which = 0U;
    uint32_t t0;
    uint32_t step;
    bool stopped = false;
    bool done = false;
    bool listening;
    w->opts.idle_timeout_ms = 400U;
    w->opts.frame_timeout_ms = 150U;
    w->scenario = st;
    w->timer_fn = timers_fire;
    t0 = sloop_now(w->loop);
    listening = (w_listen(w, "127.0.0.1") == SLOOP_OK);
    W_EXPECT(w, listening);
    if (!listening) {
        return;
    }
    st->a = w_peer_connect(w);
    st->b = w_peer_connect(w);
    st->c = w_peer_connect(w);
    W_EXPECT(w, (st->a >= 0) && (st->b >= 0) && (st->c >= 0));
    (void)w_peer_send(w, st->a, 'D', "a", 1U);
    (void)w_peer_write_raw(w, st->b, partial, (uint32_t)sizeof partial);
    W_EXPECT(w, w_timer_start(w, 100U, 100U, &which) == SLOOP_OK); /* 0 */
    W_EXPECT(w, w_timer_start(w, 250U, 0U, &which) == SLOOP_OK);   /* 1 */
    W_EXPECT(w, w_timer_start(w, 1000U, 0U, &which) == SLOOP_OK);  /* 2 */
    W_EXPECT(w, w_timer_start(w, 50U, 0U, &which) == SLOOP_OK);    /* 3 */
    for (step = 0U; (step < 300U) && !done; step++) {
        uint32_t el;
        bool all;
        (void)sloop_run_once(w->loop, 20);
        el = sloop_now(w->loop) - t0;
        w_pump_all(w);
        all = peer_settle(w, st->a);
        all = peer_settle(w, st->b) && all;
        all = peer_settle(w, st->c) && all;
        if (!stopped && (el >= 500U)) {
            (void)w_timer_stop(w, 0U);
            (void)w_timer_stop(w, 2U);
            stopped = true;
        }
        done = stopped && all && (el >= 1000U) && (w_open_count(w) == 0U);
    }
    W_LIVE(w, done);
    W_EXPECT(w, closed_with(w, st->a, SLOOP_CLOSE_LOCAL));
    W_EXPECT(w, closed_with(w, st->b, SLOOP_CLOSE_SLOW_PEER));
    W_EXPECT(w, closed_with(w, st->c, SLOOP_CLOSE_IDLE_TIMEOUT));
    W_EXPECT(w, (w->timers[0].fired >= 4U) && (w->timers[0].fired <= 5U));
    W_EXPECT(w, w->timers[1].fired == 1U);
    W_EXPECT(w, w->timers[2].fired == 0U);
    W_EXPECT(w, w->timers[3].fired == 2U);
    W_EXPECT(w, w_peer_count(w, st->a, 'E') == 1U);
    W_EXPECT(w, w_peer_count(w, st->c, 'T') >= 4U);
}

/* ---- graceful shutdown --------------------------------------------------------------------------- */

typedef struct shutdown_state {
    int x; /* reads everything */
    int y; /* reads 256 bytes at a time */
    int z; /* never reads */
} shutdown_state;

static shutdown_state g_shutdown;

static bool shutdown_idle(sloop_sim *sim, void *user)
{
    world *w = (world *)user;
    const shutdown_state *st = (const shutdown_state *)w->scenario;
    uint32_t got;
    (void)sim;
    got = w_peer_pump_max(w, st->x, UINT32_MAX);
    got += w_peer_pump_max(w, st->y, 256U);
    return got > 0U;
}

static bool floods_queued(const world *w)
{
    uint32_t i;
    bool all = (w->nrec >= 3U);
    for (i = 0U; (i < w->nrec) && all; i++) {
        all = (w->rec[i].closed != 0U) || ((w->rec[i].frames_in >= 1U) && (w->rec[i].flood_left == 0U));
    }
    return all;
}

void sc_shutdown(world *w)
{
    static const uint8_t f60[] = { 60U };
    static const uint8_t f20[] = { 20U };
    static const uint8_t f10[] = { 10U };
    shutdown_state *st = &g_shutdown;
    sloop_conn c;
    uint32_t step;
    sloop_err err = SLOOP_OK;
    bool listening = (w_listen(w, "127.0.0.1") == SLOOP_OK);
    W_EXPECT(w, listening);
    if (!listening) {
        return;
    }
    w->scenario = st;
    st->x = w_peer_connect(w);
    st->y = w_peer_connect(w);
    st->z = w_peer_connect(w);
    W_EXPECT(w, (st->x >= 0) && (st->y >= 0) && (st->z >= 0));
    if ((w->sim != NULL) && (st->y >= 0) && (st->z >= 0)) {
        sloop_sim_peer_limits(w->sim, w->peers[st->y].sim_id, 0U, 0U, 512U);
        sloop_sim_peer_limits(w->sim, w->peers[st->z].sim_id, 0U, 0U, 512U);
    }
    (void)w_peer_send(w, st->x, 'F', f60, 1U);
    (void)w_peer_send(w, st->y, 'F', f20, 1U);
    (void)w_peer_send(w, st->z, 'F', f10, 1U);
    for (step = 0U; (step < 100U) && !floods_queued(w); step++) {
        (void)sloop_run_once(w->loop, w->step_ms);
        w_peer_pump(w, st->x);
        (void)w_peer_pump_max(w, st->y, 256U);
    }
    W_EXPECT(w, floods_queued(w));
    W_EXPECT(w, w->send_efull > 0U); /* x's 60 frames do not fit the TX ring at once */
    W_EXPECT(w, sloop_shutdown(w->loop, 800U) == SLOOP_OK);
    w->have_listener = false; /* closed by the shutdown */
    W_EXPECT(w, w_connect(w, "127.0.0.1", 9U, 0U, 0U, &c) == SLOOP_ESTATE);
    if (w->sim != NULL) {
        sloop_sim_peer id = 0U;
        W_EXPECT(w, sloop_sim_peer_connect(w->sim, "127.0.0.1", w->port, &id) ==
                        SLOOP_SYS_ECONNREFUSED);
        sloop_sim_set_idle(w->sim, shutdown_idle, w);
        for (step = 0U; (step < 4U) && (w_open_count(w) > 0U); step++) {
            err = sloop_run(w->loop);
        }
        sloop_sim_set_idle(w->sim, NULL, NULL);
        W_EXPECT(w, err == SLOOP_OK);
    } else {
        for (step = 0U; (step < 300U) && (w_open_count(w) > 0U); step++) {
            (void)sloop_run_once(w->loop, w->step_ms);
            w_peer_pump(w, st->x);
            w_peer_pump(w, st->y);
        }
    }
    W_LIVE(w, w_open_count(w) == 0U);
    w_pump_all(w); /* z reads only now, to learn which connection it had */
    W_EXPECT(w, closed_with(w, st->x, SLOOP_CLOSE_LOCAL));
    W_EXPECT(w, closed_with(w, st->y, SLOOP_CLOSE_LOCAL));
    W_EXPECT(w, closed_with(w, st->z, (w->sim != NULL) ? SLOOP_CLOSE_SHUTDOWN : SLOOP_CLOSE_LOCAL));
    W_EXPECT(w, w_peer_count(w, st->x, 'F') == 60U);
    W_EXPECT(w, w_peer_count(w, st->y, 'F') == 20U);
}

/* ---- outgoing connects ----------------------------------------------------------------------------- */

typedef struct client_target {
    const char *addr;
    uint16_t port;
    int mode;            /* sloop_sim_remote_mode, or -1: not declared */
    uint32_t delay_ms;
    uint32_t timeout_ms; /* connect timeout */
} client_target;

static const client_target g_targets[] = {
    { "10.0.0.1", 7000U, SLOOP_SIM_ACCEPT, 30U, 0U },
    { "10.0.0.2", 7000U, SLOOP_SIM_REFUSE, 10U, 0U },
    { "10.0.0.3", 7000U, SLOOP_SIM_BLACKHOLE, 0U, 300U },
    { "10.0.0.4", 7001U, SLOOP_SIM_ACCEPT_NOW, 0U, 0U },
    { "10.0.0.5", 7000U, -1, 0U, 0U },
    { "10.0.0.6", 7000U, SLOOP_SIM_BLACKHOLE, 0U, 10000U }, /* still connecting at the end */
    { "10.0.0.7", 7002U, SLOOP_SIM_ACCEPT_NOW, 0U, 0U },    /* adopted (sloop_conn_adopt) */
};
#define ADOPTED 6U
#define TARGETS ((uint32_t)(sizeof g_targets / sizeof g_targets[0]))

typedef struct client_state {
    uint32_t attempts[TARGETS];
} client_state;

static client_state g_client;

/* A typical client policy: reconnect unless we closed it ourselves. */
static void client_closed(world *w, const w_record *r)
{
    client_state *st = (client_state *)w->scenario;
    sloop_conn c;
    if ((r->reason != (uint8_t)SLOOP_CLOSE_LOCAL) && (r->tag < TARGETS) &&
        (st->attempts[r->tag] < 2U)) {
        const client_target *t = &g_targets[r->tag];
        st->attempts[r->tag]++;
        (void)w_connect(w, t->addr, t->port, t->timeout_ms, r->tag, &c);
    }
}

static uint32_t closes_tagged(const world *w, uint32_t tag, sloop_close_reason reason)
{
    uint32_t i;
    uint32_t n = 0U;
    for (i = 0U; i < w->nrec; i++) {
        if ((w->rec[i].tag == tag) && (w->rec[i].closed != 0U) &&
            (w->rec[i].reason == (uint8_t)reason)) {
            n++;
        }
    }
    return n;
}

void sc_client(world *w)
{
    client_state *st = &g_client;
    uint32_t t0 = sloop_now(w->loop);
    uint32_t step;
    uint32_t i;
    bool done = false;
    sloop_conn c;
    if (w->sim == NULL) {
        return;
    }
    memset(st, 0, sizeof *st);
    w->scenario = st;
    w->close_fn = client_closed;
    for (i = 0U; i < TARGETS; i++) {
        const client_target *t = &g_targets[i];
        if (t->mode >= 0) {
            (void)sloop_sim_remote_add(w->sim, t->addr, t->port, (sloop_sim_remote_mode)t->mode,
                                       t->delay_ms);
        }
    }
    for (i = 0U; i < TARGETS; i++) {
        const client_target *t = &g_targets[i];
        if (i == ADOPTED) {
            W_EXPECT(w, w_adopt(w, t->addr, t->port, i, &c) == SLOOP_OK);
        } else {
            W_EXPECT(w, w_connect(w, t->addr, t->port, t->timeout_ms, i, &c) == SLOOP_OK);
        }
    }
    for (step = 0U; (step < 300U) && !done; step++) {
        bool all = true;
        uint32_t el;
        sloop_sim_peer id = 0U;
        (void)sloop_run_once(w->loop, 20);
        el = sloop_now(w->loop) - t0;
        for (i = 0U; i < TARGETS; i++) {
            uint32_t guard;
            for (guard = 0U; (guard < 4U) &&
                             sloop_sim_remote_take(w->sim, g_targets[i].addr, g_targets[i].port, &id);
                 guard++) {
                int p = w_peer_add_sim(w, id);
                if (p >= 0) {
                    w->peers[p].aux = i;
                }
            }
        }
        for (i = 0U; i < w->npeers; i++) {
            int p = (int)i;
            w_peer *pe = &w->peers[i];
            w_peer_pump(w, p);
            if ((pe->script == 0U) && (w_peer_count(w, p, 'G') >= 1U) &&
                (w_peer_count(w, p, 'Q') >= 1U)) {
                (void)w_peer_send(w, p, 'D', "ping", 4U);
                pe->script = 1U;
            } else if ((pe->script == 1U) && (w_peer_count(w, p, 'E') >= 1U)) {
                if (pe->aux == 3U) {
                    w_peer_reset(w, p); /* this remote drops every connection */
                    pe->script = PEER_DONE;
                } else {
                    (void)w_peer_send(w, p, 'C', "bye", 3U);
                    pe->script = 2U;
                }
            } else {
                /* waiting */
            }
            all = peer_settle(w, p) && all;
        }
        /* At rest: only the connect to the silent target 5 is left. */
        done = all && (el >= 1000U) && (w_open_count(w) <= 1U);
    }
    W_LIVE(w, done);
    W_EXPECT(w, closes_tagged(w, 0U, SLOOP_CLOSE_LOCAL) == 1U);
    W_EXPECT(w, closes_tagged(w, 1U, SLOOP_CLOSE_CONNECT_FAILED) == 3U);
    W_EXPECT(w, closes_tagged(w, 2U, SLOOP_CLOSE_CONNECT_TIMEOUT) == 3U);
    W_EXPECT(w, closes_tagged(w, 3U, SLOOP_CLOSE_RESET) == 3U);
    W_EXPECT(w, closes_tagged(w, 4U, SLOOP_CLOSE_CONNECT_FAILED) == 3U);
    W_EXPECT(w, w_open_count(w) == 1U);
    W_EXPECT(w, w->on_open_client == 4U);
    W_EXPECT(w, w->on_open_adopted == 1U);
    W_EXPECT(w, closes_tagged(w, ADOPTED, SLOOP_CLOSE_LOCAL) == 1U);
}

/* ---- table full ------------------------------------------------------------------------------------ */

#define CROWD (SLOOP_MAX_CONNS + 6U)

void sc_table_full(world *w)
{
    int p[CROWD];
    bool listening = (w_listen(w, "127.0.0.1") == SLOOP_OK);
    bool done = false;
    uint32_t step;
    uint32_t i;
    uint32_t most_open = 0U;
    W_EXPECT(w, listening);
    if (!listening) {
        return;
    }
    for (i = 0U; i < CROWD; i++) {
        p[i] = w_peer_connect(w);
        W_EXPECT(w, p[i] >= 0);
        (void)w_peer_send(w, p[i], 'D', "hi", 2U);
    }
    for (step = 0U; (step < 400U) && !done; step++) {
        bool all = true;
        (void)sloop_run_once(w->loop, w->step_ms);
        most_open = (w_open_count(w) > most_open) ? w_open_count(w) : most_open;
        for (i = 0U; i < CROWD; i++) {
            w_peer *pe;
            if (p[i] < 0) {
                continue;
            }
            pe = &w->peers[p[i]];
            w_peer_pump(w, p[i]);
            /* Each peer stays until a few steps after its echo, so the table
             * stays full for a while, then leaves with a FIN. */
            if ((pe->script == 0U) && (w_peer_count(w, p[i], 'E') >= 1U)) {
                pe->script = 1U;
                pe->aux = step;
            } else if ((pe->script == 1U) && (step >= pe->aux + 3U)) {
                w_peer_shutdown(w, p[i]);
                pe->script = 2U;
            } else {
                /* waiting */
            }
            all = peer_settle(w, p[i]) && all;
        }
        done = all && (w_open_count(w) == 0U);
    }
    W_LIVE(w, done);
    W_EXPECT(w, w->on_open_server == CROWD);
    W_EXPECT(w, w->closes[SLOOP_CLOSE_PEER] == CROWD);
    W_EXPECT(w, most_open == SLOOP_MAX_CONNS);
    W_EXPECT(w, w->loop->counters.accept_pauses >= 1U);
}

/* ---- linger --------------------------------------------------------------------------------------- */

void sc_linger(world *w)
{
    static const uint8_t flood_close[] = { 40U, 1U }; /* 40 frames, then close */
    int p[3];
    bool listening;
    bool done = false;
    uint32_t step;
    uint32_t i;
    w->opts.linger_ms = 300U;
    listening = (w_listen(w, "127.0.0.1") == SLOOP_OK);
    W_EXPECT(w, listening);
    if (!listening) {
        return;
    }
    for (i = 0U; i < 3U; i++) {
        p[i] = w_peer_connect(w);
        W_EXPECT(w, p[i] >= 0);
        if ((p[i] >= 0) && (w->sim != NULL)) {
            sloop_sim_peer_limits(w->sim, w->peers[p[i]].sim_id, 0U, 0U, 1024U);
        }
        (void)w_peer_send(w, p[i], 'F', flood_close, 2U);
    }
    for (step = 0U; (step < 200U) && !done; step++) {
        bool all = true;
        (void)sloop_run_once(w->loop, w->step_ms);
        /* p0 never reads; p1 reads a little and resets; p2 reads 600 bytes a step. */
        if ((p[1] >= 0) && (w->peers[p[1]].script == 0U) &&
            (w_peer_pump_max(w, p[1], 100U) > 0U)) {
            w_peer_reset(w, p[1]);
            w->peers[p[1]].script = PEER_DONE;
        }
        (void)w_peer_pump_max(w, p[2], 600U);
        all = peer_settle(w, p[1]) && all;
        all = peer_settle(w, p[2]) && all;
        done = all && (w_open_count(w) == 0U);
    }
    W_LIVE(w, w_open_count(w) == 0U);
    w_pump_all(w);
    W_EXPECT(w, closed_with(w, p[0], SLOOP_CLOSE_LINGER_TIMEOUT));
    W_EXPECT(w, w->closes[SLOOP_CLOSE_RESET] == 1U);
    W_EXPECT(w, closed_with(w, p[2], SLOOP_CLOSE_LOCAL));
    W_EXPECT(w, w_peer_count(w, p[2], 'F') == 40U);
}

/* ---- signals and wake-ups ------------------------------------------------------------------------ */

typedef struct sw_state {
    world *w;
    unsigned raised[65];
    unsigned calls[65];
    unsigned wakes_made;
    unsigned wake_calls;
    unsigned seen; /* wakes_made at the last on_wake */
} sw_state;

static sw_state g_sws;

static void sw_signal(sloop_loop *loop, sloop_signal sig, int signo, void *user)
{
    sw_state *s = (sw_state *)user;
    (void)loop;
    (void)sig;
    if ((signo < 1) || (signo > 64)) {
        W_FAIL(s->w, "signal callback for number %d", signo);
        return;
    }
    s->calls[signo]++;
    /* Never more calls than arrivals, faults or not. */
    if (s->calls[signo] > s->raised[signo]) {
        W_FAIL(s->w, "signal %d: %u calls for %u arrivals", signo, s->calls[signo],
               s->raised[signo]);
    }
}

static void sw_wakeup(sloop_loop *loop, void *user)
{
    sw_state *s = (sw_state *)user;
    (void)loop;
    s->wake_calls++;
    s->seen = s->wakes_made;
}

/* An ESYS from a start must name the fault that caused it. */
static void sw_check_esys(world *w, sloop_err err, const char *what)
{
    if ((err == SLOOP_ESYS) && w->fp->first_hit.any &&
        (sloop_last_sys_error(w->loop) != w->fp->first_hit.error)) {
        W_FAIL(w, "%s: SLOOP_ESYS with last_sys_error %d, the fault injected was %d", what,
               sloop_last_sys_error(w->loop), w->fp->first_hit.error);
    }
    if ((err != SLOOP_OK) && (err != SLOOP_ESYS)) {
        W_FAIL(w, "%s: %s", what, sloop_strerror(err));
    }
}

static void sw_raise(sw_state *s, int signo)
{
    sloop_sim_raise_signal(s->w->sim, signo);
    s->raised[signo]++;
}

static void sw_wake_now(sw_state *s)
{
    if (sloop_wake(s->w->loop) == SLOOP_OK) {
        s->wakes_made++;
    }
}

void sc_signals_wake(world *w)
{
    sw_state *s = &g_sws;
    sloop_signal term;
    sloop_signal hup;
    bool have_term;
    bool have_hup;
    bool have_wake;
    bool listening;
    bool done = false;
    uint32_t step;
    sloop_err err;
    int p;
    memset(s, 0, sizeof *s);
    s->w = w;
    if (w->sim == NULL) {
        return; /* signals are simulated */
    }
    err = sloop_wake_start(w->loop, sw_wakeup, s);
    sw_check_esys(w, err, "sloop_wake_start");
    have_wake = (err == SLOOP_OK);
    err = sloop_signal_start(w->loop, 15, sw_signal, s, &term);
    sw_check_esys(w, err, "sloop_signal_start(15)");
    have_term = (err == SLOOP_OK);
    err = sloop_signal_start(w->loop, 1, sw_signal, s, &hup);
    sw_check_esys(w, err, "sloop_signal_start(1)");
    have_hup = (err == SLOOP_OK);
    W_EXPECT(w, have_wake && have_term && have_hup);
    listening = (w_listen(w, "127.0.0.1") == SLOOP_OK);
    W_EXPECT(w, listening);
    p = listening ? w_peer_connect(w) : -1;
    W_EXPECT(w, p >= 0);
    /* Echo traffic throughout; signals and wakes arrive in the middle of it. */
    for (step = 0U; (step < 300U) && !done; step++) {
        (void)sloop_run_once(w->loop, w->step_ms);
        if (p >= 0) {
            w_peer *pe = &w->peers[p];
            w_peer_pump(w, p);
            if ((pe->script < 6U) && (w_peer_count(w, p, 'E') >= pe->script)) {
                (void)w_peer_send(w, p, 'D', "busy", 4U);
                pe->script++;
            } else if ((pe->script == 6U) && (w_peer_count(w, p, 'E') >= 6U)) {
                (void)w_peer_send(w, p, 'C', "bye", 3U);
                pe->script = 7U;
            } else {
                /* waiting for echoes */
            }
        }
        switch (step) {
        case 2U:
            sw_raise(s, 15);
            break;
        case 3U:
            sw_raise(s, 1);
            sw_raise(s, 1); /* coalesces */
            sw_wake_now(s);
            break;
        case 4U:
            sw_wake_now(s);
            sw_wake_now(s);
            sw_wake_now(s);
            break;
        case 6U:
            sw_raise(s, 15);
            sw_wake_now(s);
            break;
        default:
            break;
        }
        done = (step > 10U) && peer_settle(w, p) && (w_open_count(w) == 0U) &&
               (s->seen == s->wakes_made);
    }
    W_LIVE(w, done);
    /* Whatever the faults: a wake made is followed by an on_wake (a failed
     * drain is retried); a signal raised while watched reaches its watcher. */
    if (have_wake && (s->seen != s->wakes_made)) {
        W_FAIL(w, "wake lost: %u made, the last on_wake saw %u", s->wakes_made, s->seen);
    }
    W_EXPECT(w, s->wakes_made == 5U);
    W_EXPECT(w, (s->wake_calls >= 3U) && (s->wake_calls <= 5U));
    W_EXPECT(w, s->calls[15] == 2U);
    W_EXPECT(w, s->calls[1] == 1U);
    W_EXPECT(w, w_peer_count(w, p, 'E') == 7U);
    W_EXPECT(w, closed_with(w, p, SLOOP_CLOSE_LOCAL));
    if (have_term) {
        err = sloop_signal_stop(w->loop, term);
        sw_check_esys(w, err, "sloop_signal_stop(15)");
        W_EXPECT(w, err == SLOOP_OK);
    }
    if (have_wake) {
        W_EXPECT(w, sloop_wake_stop(w->loop) == SLOOP_OK);
    }
    /* hup stays: sloop_close must stop it and close the channel. */
    (void)hup;
    if (w->have_listener) {
        W_EXPECT(w, sloop_listener_close(w->loop, w->listener) == SLOOP_OK);
        w->have_listener = false;
    }
}
