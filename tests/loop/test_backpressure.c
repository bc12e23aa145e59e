/*
 * test_backpressure.c - sloop_conn_pause_read: a server that pauses reading
 * while its replies back up loses nothing, needs no abort, and resumes when
 * on_writable says the transmit buffer drained.
 */
#include <string.h>

#include "itest.h"

typedef struct bp_server {
    unsigned frames, pauses, resumes, send_fail, closes;
    sloop_close_reason last_reason;
} bp_server;

static bp_server srv;
static sloop_listener lst;
static uint16_t port;
static it_peer peer;

static void bp_on_frame(sloop_loop *l, sloop_conn c, const uint8_t *d, uint32_t n, void *u)
{
    uint32_t space = 0U;
    (void)u;
    it_cb_live(l, c);
    srv.frames++;
    if (sloop_send(l, c, d, n) != SLOOP_OK) {
        srv.send_fail++;
        return;
    }
    (void)sloop_conn_tx_queued(l, c, NULL, &space);
    if (space < SLOOP_READ_CHUNK) {
        if (sloop_conn_pause_read(l, c, true) == SLOOP_OK) {
            srv.pauses++;
        }
    }
}

static void bp_on_writable(sloop_loop *l, sloop_conn c, void *u)
{
    (void)u;
    it_cb_live(l, c);
    if (sloop_conn_pause_read(l, c, false) == SLOOP_OK) {
        srv.resumes++;
    }
}

static void bp_on_close(sloop_loop *l, sloop_conn c, sloop_close_reason why, void *u)
{
    (void)u;
    it_cb_closed(l, c);
    srv.closes++;
    srv.last_reason = why;
}

static const sloop_handler bp_handler = { NULL, bp_on_frame, bp_on_writable, bp_on_close };

#define BP_LEN 96U
#define BP_MAX_FRAMES 330000U /* ~32 MB: far beyond any loopback socket buffering */

static void bp_payload(uint8_t *out, uint32_t seq)
{
    uint32_t i;
    for (i = 0U; i < BP_LEN; i++) {
        out[i] = (uint8_t)(seq * 13U + i);
    }
}

/* The peer's sending side: frames made on the fly, partial sends resumed. */
typedef struct bp_sender {
    uint8_t frame[BP_LEN + 4U];
    size_t off;     /* bytes of frame already sent */
    uint32_t seq;   /* frame being sent */
    uint32_t limit; /* frames to send in all */
} bp_sender;

static bool bp_send_some(bp_sender *w)
{
    unsigned rounds;
    for (rounds = 0U; (rounds < 256U) && (w->seq < w->limit); rounds++) {
        long n;
        if (w->off == 0U) {
            uint8_t payload[BP_LEN];
            bp_payload(payload, w->seq);
            (void)it_frame(w->frame, payload, BP_LEN);
        }
        n = it_peer_send_some(&peer, &w->frame[w->off], sizeof w->frame - w->off);
        if (n < 0) {
            return false;
        }
        if (n == 0) {
            break; /* the peer's socket is full: let the loop run */
        }
        w->off += (size_t)n;
        if (w->off == sizeof w->frame) {
            w->off = 0U;
            w->seq++;
        }
    }
    return true;
}

IT_CASE(backpressure_pause_read_loses_nothing)
{
    static bp_sender w;
    sloop_listen_options o;
    uint32_t got = 0U;
    uint8_t frame[BP_LEN], expect[BP_LEN];

    memset(&srv, 0, sizeof srv);
    memset(&w, 0, sizeof w);
    w.limit = BP_MAX_FRAMES;
    SL_CHECK_OK(it_init(NULL));
    it_listen_opts_length(&o, &bp_handler, NULL);
    SL_CHECK(it_listen(&o, &lst, &port));
    SL_CHECK(it_peer_connect(&peer, port, 4096));

    /* Phase 1: write without reading until the server has paused. The echoes
     * fill the peer's small receive buffer, the server's socket, then its TX
     * ring, and the server pauses instead of dropping or aborting. */
    {
        uint32_t t0 = it_now_ms();
        while ((srv.pauses == 0U) && (w.seq < w.limit) &&
               ((uint32_t)(it_now_ms() - t0) < 3U * IT_WAIT_MS)) {
            SL_CHECK(bp_send_some(&w));
            SL_CHECK(it_step());
        }
    }
    SL_CHECK(srv.pauses > 0U);
    SL_CHECK_EQ(srv.send_fail, 0);
    SL_CHECK_EQ(srv.closes, 0);

    /* Phase 2: stop after a bounded tail, read everything back; every echo
     * must come back whole and in order. */
    w.limit = w.seq + 1000U;
    {
        uint32_t t0 = it_now_ms();
        while ((got < w.limit) && ((uint32_t)(it_now_ms() - t0) < 6U * IT_WAIT_MS)) {
            long n;
            SL_CHECK(bp_send_some(&w));
            SL_CHECK(it_step());
            it_peer_read(&peer);
            while ((n = it_peer_take_frame(&peer, frame, sizeof frame)) >= 0) {
                SL_CHECK_EQ(n, BP_LEN);
                bp_payload(expect, got);
                SL_CHECK_MEM(frame, expect, BP_LEN);
                got++;
            }
            SL_CHECK(n == -1);
        }
    }
    SL_CHECK_EQ(got, w.limit);
    SL_CHECK_EQ(srv.frames, w.limit);
    SL_CHECK_EQ(srv.send_fail, 0);
    SL_CHECK(srv.resumes > 0U);
    SL_CHECK_EQ(srv.closes, 0);
    it_peer_close(&peer, false);
    IT_WAIT(srv.closes == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.last_reason, SLOOP_CLOSE_PEER);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

IT_CASE(backpressure_pause_on_stale_handle_is_rejected)
{
    sloop_conn bogus = { 3U, 7U };
    SL_CHECK_OK(it_init(NULL));
    SL_CHECK_EQ(sloop_conn_pause_read(&it_loop, bogus, true), SLOOP_ESTALE);
    SL_CHECK_EQ(sloop_conn_pause_read(NULL, bogus, true), SLOOP_EINVAL);
}

static const sl_test tests[] = {
    IT_ENTRIES(backpressure_pause_read_loses_nothing),
    IT_ENTRIES(backpressure_pause_on_stale_handle_is_rejected),
};

int main(int argc, char **argv)
{
    return sl_main("loop_backpressure", tests, SL_COUNT(tests), argc, argv);
}
