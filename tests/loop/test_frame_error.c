/*
 * test_frame_error.c - the last word on a framing error (opts.on_frame_error).
 *
 * What a user relies on: when a peer sends a line longer than the maximum, a
 * length header above it, or starts a frame and does not finish it in time,
 * on_frame_error runs while the connection is still open, a reply queued there
 * reaches the peer after every reply queued before it, and then the connection
 * closes (the peer sees the end of the stream) with the framing reason, not
 * LOCAL, even if the callback closed it itself. An abort from the callback
 * discards the reply; a reply that cannot be flushed within linger_ms ends in
 * LINGER_TIMEOUT. This is what lets an HTTP server answer 431 and 408.
 */
#include <string.h>

#include "itest.h"

typedef enum fe_mode {
    FE_REPLY = 0,       /* send the reply, let the loop close */
    FE_REPLY_AND_CLOSE, /* send the reply, then sloop_conn_close */
    FE_ABORT            /* send the reply, then sloop_conn_abort */
} fe_mode;

typedef struct fe_srv {
    it_rec rec;
    fe_mode mode;
    unsigned errors;             /* on_frame_error calls */
    sloop_close_reason err_reason;
    bool valid_in_callback;      /* the handle was valid during on_frame_error */
    sloop_err reply_err;         /* sloop_send of the reply */
} fe_srv;

static fe_srv srv;
static sloop_listener lst;
static uint16_t port;
static it_peer peer;

/* Lines are echoed with their '\n'; LENGTH frames as they are. */
static void fe_frame(sloop_loop *loop, sloop_conn conn, const uint8_t *data, uint32_t len,
                     void *user)
{
    fe_srv *s = (fe_srv *)user;
    uint8_t line[64];
    it_cb_live(loop, conn);
    s->rec.frames++;
    if (len < sizeof line) {
        memcpy(line, data, len);
        line[len] = '\n';
        (void)sloop_send(loop, conn, line, len + 1U);
    }
}

static void fe_error(sloop_loop *loop, sloop_conn conn, sloop_close_reason reason, void *user)
{
    fe_srv *s = (fe_srv *)user;
    it_cb_live(loop, conn);
    s->errors++;
    s->err_reason = reason;
    s->valid_in_callback = sloop_conn_valid(loop, conn);
    s->reply_err = sloop_send(loop, conn, "ERR\n", 4U);
    if (s->mode == FE_REPLY_AND_CLOSE) {
        (void)sloop_conn_close(loop, conn);
    } else if (s->mode == FE_ABORT) {
        (void)sloop_conn_abort(loop, conn);
    } else {
        /* the loop closes */
    }
}

static void fe_close(sloop_loop *loop, sloop_conn conn, sloop_close_reason reason, void *user)
{
    fe_srv *s = (fe_srv *)user;
    it_cb_closed(loop, conn);
    s->rec.closes++;
    s->rec.last_reason = reason;
}

static void fe_open(sloop_loop *loop, sloop_conn conn, void *user)
{
    fe_srv *s = (fe_srv *)user;
    it_cb_live(loop, conn);
    s->rec.opens++;
    s->rec.last_open = conn;
}

static const sloop_handler fe_handler = { fe_open, fe_frame, NULL, fe_close };

/* Lines up to 16 bytes, or 4-byte LENGTH frames up to 16 bytes. */
static bool start_server_linger(fe_mode mode, bool lines, uint32_t frame_ms, uint32_t linger_ms)
{
    sloop_listen_options o;
    memset(&srv, 0, sizeof srv);
    srv.mode = mode;
    srv.reply_err = SLOOP_ERR_COUNT;
    /* Small kernel send buffers: a peer that does not read stalls a stream soon. */
    if (it_init_small_sndbuf() != SLOOP_OK) {
        return false;
    }
    it_listen_opts_length(&o, &fe_handler, &srv);
    if (lines) {
        memset(&o.conn.framing, 0, sizeof o.conn.framing);
        o.conn.framing.mode = SLOOP_FRAME_DELIM;
        o.conn.framing.delim[0] = (uint8_t)'\n';
        o.conn.framing.delim_len = 1U;
    }
    o.conn.framing.max_payload = 16U;
    o.conn.frame_timeout_ms = frame_ms;
    o.conn.on_frame_error = fe_error;
    o.conn.linger_ms = linger_ms;
    return it_listen(&o, &lst, &port);
}

static bool start_server(fe_mode mode, bool lines, uint32_t frame_ms)
{
    return start_server_linger(mode, lines, frame_ms, 0U);
}

/* Reads until the peer's stream ended; true if it ended with exactly want. */
static bool peer_got_then_end(const char *want)
{
    size_t n = strlen(want);
    return it_peer_ended(&peer) && (peer.len == n) && (memcmp(peer.buf, want, n) == 0);
}

IT_CASE(frame_error_too_long_replies_after_earlier_replies_then_closes)
{
    static const char wire[] = "one\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    SL_CHECK(start_server(FE_REPLY, true, 0U));
    SL_CHECK(it_peer_connect(&peer, port, 0));
    SL_CHECK(it_peer_send(&peer, wire, sizeof wire - 1U));
    IT_WAIT(srv.rec.closes == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.rec.frames, 1);
    SL_CHECK_EQ(srv.errors, 1);
    SL_CHECK_EQ(srv.err_reason, SLOOP_CLOSE_FRAME_TOO_LONG);
    SL_CHECK(srv.valid_in_callback);
    SL_CHECK_EQ(srv.reply_err, SLOOP_OK);
    SL_CHECK_EQ(srv.rec.last_reason, SLOOP_CLOSE_FRAME_TOO_LONG);
    SL_CHECK_EQ(it_ctr().closes[SLOOP_CLOSE_FRAME_TOO_LONG], 1);
    SL_CHECK_EQ(it_ctr().closes[SLOOP_CLOSE_LOCAL], 0);
    IT_WAIT(it_peer_ended(&peer), IT_WAIT_MS);
    SL_CHECK_EQ(peer.state, IT_PEER_EOF);
    SL_CHECK(peer_got_then_end("one\nERR\n"));
    it_peer_close(&peer, false);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

IT_CASE(frame_error_too_big_replies_then_closes)
{
    static const uint8_t header[4] = { 0U, 0U, 0U, 17U }; /* one above the maximum */
    SL_CHECK(start_server(FE_REPLY, false, 0U));
    SL_CHECK(it_peer_connect(&peer, port, 0));
    SL_CHECK(it_peer_send(&peer, header, sizeof header));
    IT_WAIT(srv.rec.closes == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.errors, 1);
    SL_CHECK_EQ(srv.err_reason, SLOOP_CLOSE_FRAME_TOO_BIG);
    SL_CHECK_EQ(srv.rec.last_reason, SLOOP_CLOSE_FRAME_TOO_BIG);
    IT_WAIT(it_peer_ended(&peer), IT_WAIT_MS);
    SL_CHECK_EQ(peer.state, IT_PEER_EOF);
    /* LENGTH mode: the reply is a frame, header added by sloop_send. */
    SL_CHECK_EQ(peer.len, 8);
    SL_CHECK_MEM(peer.buf, "\0\0\0\4ERR\n", 8U);
    it_peer_close(&peer, false);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

IT_CASE(frame_error_slow_peer_replies_then_closes)
{
    SL_CHECK(start_server(FE_REPLY, true, 30U));
    SL_CHECK(it_peer_connect(&peer, port, 0));
    SL_CHECK(it_peer_send(&peer, "ok\npar", 6U)); /* "par" never ends */
    IT_WAIT(srv.rec.closes == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.rec.frames, 1);
    SL_CHECK_EQ(srv.errors, 1);
    SL_CHECK_EQ(srv.err_reason, SLOOP_CLOSE_SLOW_PEER);
    SL_CHECK(srv.valid_in_callback);
    SL_CHECK_EQ(srv.rec.last_reason, SLOOP_CLOSE_SLOW_PEER);
    SL_CHECK_EQ(it_ctr().closes[SLOOP_CLOSE_SLOW_PEER], 1);
    IT_WAIT(it_peer_ended(&peer), IT_WAIT_MS);
    SL_CHECK_EQ(peer.state, IT_PEER_EOF);
    SL_CHECK_EQ(peer.len, 7);
    SL_CHECK_MEM(peer.buf, "ok\nERR\n", 7U);
    it_peer_close(&peer, false);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

/* sloop_conn_close in the callback flushes the reply; the reason stays. */
IT_CASE(frame_error_close_in_callback_keeps_the_reason)
{
    static const char wire[] = "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy";
    SL_CHECK(start_server(FE_REPLY_AND_CLOSE, true, 0U));
    SL_CHECK(it_peer_connect(&peer, port, 0));
    SL_CHECK(it_peer_send(&peer, wire, sizeof wire - 1U));
    IT_WAIT(srv.rec.closes == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.errors, 1);
    SL_CHECK_EQ(srv.rec.last_reason, SLOOP_CLOSE_FRAME_TOO_LONG);
    SL_CHECK_EQ(it_ctr().closes[SLOOP_CLOSE_LOCAL], 0);
    IT_WAIT(it_peer_ended(&peer), IT_WAIT_MS);
    SL_CHECK_EQ(peer.state, IT_PEER_EOF);
    SL_CHECK(peer_got_then_end("ERR\n"));
    it_peer_close(&peer, false);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

/* sloop_conn_abort in the callback: nothing queued is sent, earlier replies
 * included; the reason is still the framing error. */
IT_CASE(frame_error_abort_in_callback_discards_the_reply)
{
    static const char wire[] = "one\nzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz";
    SL_CHECK(start_server(FE_ABORT, true, 0U));
    SL_CHECK(it_peer_connect(&peer, port, 0));
    SL_CHECK(it_peer_send(&peer, wire, sizeof wire - 1U));
    IT_WAIT(srv.rec.closes == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.errors, 1);
    SL_CHECK_EQ(srv.reply_err, SLOOP_OK);
    SL_CHECK_EQ(srv.rec.last_reason, SLOOP_CLOSE_FRAME_TOO_LONG);
    SL_CHECK_EQ(it_ctr().closes[SLOOP_CLOSE_ABORT], 0);
    IT_WAIT(it_peer_ended(&peer), IT_WAIT_MS);
    SL_CHECK_EQ(peer.len, 0);
    it_peer_close(&peer, false);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

/* The reply cannot leave (the peer reads nothing and every buffer is full):
 * the graceful close gives up after linger_ms with LINGER_TIMEOUT, like any
 * sloop_conn_close that cannot flush. */
IT_CASE(frame_error_reply_that_cannot_flush_ends_in_linger_timeout)
{
    static const uint8_t header[4] = { 0U, 0U, 0U, 17U };
    static it_stream fill;
    SL_CHECK(start_server_linger(FE_REPLY, false, 0U, 50U));
    SL_CHECK(it_peer_connect(&peer, port, 4096));
    IT_WAIT(srv.rec.opens == 1U, IT_WAIT_MS);
    it_stream_reset(&fill, 1000U, 0U);
    SL_CHECK(it_stream_wait_stalled(&fill, srv.rec.last_open));
    SL_CHECK(it_peer_send(&peer, header, sizeof header));
    IT_WAIT(srv.rec.closes == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.errors, 1);
    SL_CHECK_EQ(srv.err_reason, SLOOP_CLOSE_FRAME_TOO_BIG);
    SL_CHECK_EQ(srv.reply_err, SLOOP_EFULL);
    SL_CHECK_EQ(srv.rec.last_reason, SLOOP_CLOSE_LINGER_TIMEOUT);
    SL_CHECK_EQ(it_ctr().closes[SLOOP_CLOSE_LINGER_TIMEOUT], 1);
    SL_CHECK_EQ(it_ctr().closes[SLOOP_CLOSE_FRAME_TOO_BIG], 0);
    it_peer_close(&peer, false);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

static const sl_test tests[] = {
    IT_ENTRIES(frame_error_too_long_replies_after_earlier_replies_then_closes),
    IT_ENTRIES(frame_error_too_big_replies_then_closes),
    IT_ENTRIES(frame_error_slow_peer_replies_then_closes),
    IT_ENTRIES(frame_error_close_in_callback_keeps_the_reason),
    IT_ENTRIES(frame_error_abort_in_callback_discards_the_reply),
    IT_ENTRIES(frame_error_reply_that_cannot_flush_ends_in_linger_timeout),
};

int main(int argc, char **argv)
{
    return sl_main("loop_frame_error", tests, SL_COUNT(tests), argc, argv);
}
