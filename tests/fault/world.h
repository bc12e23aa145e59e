/*
 * world.h - what the fault scenarios share: an application on top of the loop
 * (echo server and client handlers) that records everything it is told and
 * everything it sends, the peers on the far side (simulated or real sockets),
 * and the invariant checks run after every scenario.
 *
 * Wire format (LENGTH framing, 2-byte header): each frame is [type][payload].
 *   G id gen  first frame every connection sends: names the handle, so the
 *             checks can pair each connection with the peer that got its bytes
 *   D data    the application answers E data
 *   C data    answers E data, then closes gracefully (sloop_conn_close)
 *   A         aborts (sloop_conn_abort); a send right after must be refused
 *   K         closes gracefully at once; a send right after must be refused
 *   F n       sends n frames of 200 bytes, waiting for on_writable on EFULL;
 *             F n 1 closes gracefully once all are queued
 *   Q, E, T   informational (client hello, echo, timer tick): no answer
 *
 * Invariants (w_check_final, after sloop_close):
 *   - every connection the loop created got exactly one on_close, and no
 *     callback named a handle after its on_close (or before it existed); in
 *     on_close, send, close and abort on the dead handle return SLOOP_ESTALE;
 *   - the loop's tables are empty: connections, listeners, watchers, timers,
 *     pending work, poll registrations;
 *   - every descriptor handed out was closed exactly once (sim and plan);
 *   - every frame sloop_send accepted reached the peer, byte for byte, unless
 *     on_close gave a reason other than SLOOP_CLOSE_LOCAL;
 *   - counters agree with the callbacks and the sys table: accepts, connects,
 *     frames_in, closes per reason, timers fired, bytes in and out;
 *   - no hang, no POLLNVAL on the loop's own descriptors, call budget kept.
 */
#ifndef SLOOP_TEST_WORLD_H
#define SLOOP_TEST_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "faultplan.h"
#include "sloop.h"
#include "sloop_sim.h"

#define W_MAX_RECORDS 160U
#define W_LOG 16384U
#define W_MAX_PEERS 96U
#define W_PEER_LOG 16384U
#define W_MAX_TIMERS 16U
#define W_FLOOD_FRAME 200U

/* One connection's life as the application saw it. */
typedef struct w_record {
    uint32_t id;
    uint32_t gen;
    uint8_t is_client;
    uint8_t adopted;   /* sloop_conn_adopt: on_open, but not counted in connects */
    uint8_t opened;
    uint8_t closed;
    uint8_t reason;
    uint8_t log_over;
    uint8_t close_after_flood;
    uint32_t tag;      /* scenario's label (w_connect) */
    uint32_t flood_left;
    uint32_t flood_seq;
    uint32_t frames_in;
    uint32_t sent;     /* wire bytes sloop_send accepted */
    uint32_t rx_len;   /* frames received, in wire form (header + payload) */
    uint8_t rx_over;
    uint8_t log[W_LOG]; /* the bytes sent */
    uint8_t rxlog[W_LOG];
} w_record;

typedef struct w_peer {
    uint8_t used;
    uint8_t is_sock;   /* a real socket (else a sim peer) */
    uint8_t eof;
    uint8_t reset;
    uint8_t rx_over;
    uint32_t sim_id;
    sloop_fd sock;     /* SLOOP_FD_INVALID once closed */
    uint32_t rx_len;
    uint32_t tx_len;
    uint8_t tx_over;
    uint32_t script;   /* scenario state */
    uint32_t aux;
    uint8_t rx[W_PEER_LOG]; /* what the peer received */
    uint8_t tx[W_PEER_LOG]; /* what the peer wrote */
} w_peer;

typedef struct w_timer {
    sloop_timer h;
    uint32_t period;
    uint8_t live;
    uint8_t rescheduled;
    uint32_t fired;
} w_timer;

typedef struct world world;
typedef void (*w_timer_fn)(world *w, uint32_t which);
typedef void (*w_close_fn)(world *w, const w_record *r);

struct world {
    sloop_loop *loop;
    sloop_sim *sim;  /* NULL over real sockets */
    faultplan *fp;
    bool strict;     /* no fault injected: scenario expectations hold exactly */
    int32_t step_ms; /* wait per scenario step: 10 in the sim, 1 over real sockets */
    uint32_t violations;
    char first[320];
    /* application */
    sloop_conn_options opts;
    sloop_handler handler;
    sloop_listener listener;
    bool have_listener;
    uint16_t port;
    w_record rec[W_MAX_RECORDS];
    uint32_t nrec;
    w_record *live[SLOOP_MAX_CONNS];
    uint32_t on_open_server;
    uint32_t on_open_client;
    uint32_t on_open_adopted;
    uint32_t on_frame;
    uint32_t on_close;
    uint32_t on_writable;
    uint32_t closes[SLOOP_CLOSE_REASON_COUNT];
    uint32_t send_efull;
    uint32_t sends_ok;   /* sloop_send returned SLOOP_OK */
    uint32_t connects_ok; /* sloop_connect returned SLOOP_OK */
    /* timers */
    w_timer timers[W_MAX_TIMERS];
    uint32_t ntimers;
    uint32_t timer_calls;
    w_timer_fn timer_fn;
    w_close_fn close_fn; /* called at the end of on_close */
    void *scenario;      /* scenario state */
    /* peers */
    w_peer peers[W_MAX_PEERS];
    uint32_t npeers;
};

#define W_FAIL(w, ...) w_fail((w), __FILE__, __LINE__, __VA_ARGS__)
/* A scenario expectation: enforced only in the fault-free run. cond is always
 * evaluated (it may be an API call the scenario needs). */
#define W_EXPECT(w, cond)                                                                  \
    do {                                                                                   \
        bool w_ok_ = (cond);                                                               \
        if ((w)->strict && !w_ok_) {                                                       \
            w_fail((w), __FILE__, __LINE__, "expected: %s", #cond);                        \
        }                                                                                  \
    } while (0)

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
void w_fail(world *w, const char *file, int line, const char *fmt, ...);

/* Prepares the bookkeeping (the loop, sim and plan are set up by the caller). */
void w_init(world *w, sloop_loop *loop, sloop_sim *sim, faultplan *fp, bool strict);

/* ---- Application side ---------------------------------------------------------- */
sloop_err w_listen(world *w, const char *addr);
sloop_err w_connect(world *w, const char *addr, uint16_t port, uint32_t connect_timeout_ms,
                    uint32_t tag, sloop_conn *out);
/* Sends [type][payload] and records it when accepted. */
/* Connects through the loop's own sys table (so the descriptor is accounted
 * for) and hands the socket to sloop_conn_adopt; closes it if adopt fails. */
sloop_err w_adopt(world *w, const char *addr, uint16_t port, uint32_t tag, sloop_conn *out);
sloop_err w_send(world *w, sloop_conn c, uint8_t type, const void *payload, uint32_t len);
w_record *w_live(world *w, sloop_conn c);
/* Number of connections open now (as the application knows them). */
uint32_t w_open_count(const world *w);
sloop_err w_timer_start(world *w, uint32_t delay, uint32_t period, uint32_t *which);
sloop_err w_timer_stop(world *w, uint32_t which);
sloop_err w_timer_reschedule(world *w, uint32_t which, uint32_t delay, uint32_t period);

/* ---- Peers ----------------------------------------------------------------------- */
/* A sim peer connects to the world's listener; returns the peer index or -1. */
int w_peer_connect_sim(world *w);
/* A peer connects to the world's listener: sim peer, or a real socket on
 * 127.0.0.1 when the world has no sim. */
int w_peer_connect(world *w);
/* The connection that greeted peer p (its first frame), if it did. */
bool w_peer_conn(const world *w, int p, sloop_conn *out);
/* Registers a sim peer the loop connected to (sloop_sim_remote_take). */
int w_peer_add_sim(world *w, sloop_sim_peer id);
/* A real socket peer (non-blocking from here on); the world closes it. */
int w_peer_add_sock(world *w, sloop_fd sock);
/* Writes one frame; false if it did not fit at once. */
bool w_peer_send(world *w, int p, uint8_t type, const void *payload, uint32_t len);
/* Writes raw bytes; returns how many were taken. */
uint32_t w_peer_write_raw(world *w, int p, const void *data, uint32_t len);
/* Reads everything available into the peer's log. */
void w_peer_pump(world *w, int p);
/* Reads at most max bytes; returns how many. */
uint32_t w_peer_pump_max(world *w, int p, uint32_t max);
void w_pump_all(world *w);
/* Frames of a type fully received so far. */
uint32_t w_peer_count(const world *w, int p, uint8_t type);
void w_peer_shutdown(world *w, int p);
void w_peer_close(world *w, int p);
void w_peer_reset(world *w, int p);

/* ---- Checks ------------------------------------------------------------------------ */
/* Prints every record and peer (for a failing point run alone). */
void w_dump(const world *w);
/* Closes the loop if still open, then checks every invariant. */
void w_finish(world *w);

#endif
