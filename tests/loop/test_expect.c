/*
 * test_expect.c - sloop_conn_expect over loopback: HTTP-like heads ended by a
 * blank line (DELIM "\r\n\r\n"), each announcing a body of Content-Length bytes
 * that the handler asks for with sloop_conn_expect from on_frame.
 *
 * What a user relies on: the body is delivered as one frame of exactly n bytes
 * (a blank line inside it means nothing), whether it came in the same read as its
 * head and the next pipelined head or one byte at a time; the heads around it are
 * framed as before; a body that does not come in time closes the peer as slow,
 * also when not one byte of it came; bad calls get their error and change nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "itest.h"

#define XR_FRAMES 32U
#define XR_BYTES 4096U
#define MAX_PAYLOAD 256U

typedef struct xrec {
    it_rec rec;
    uint32_t n;                   /* frames */
    uint32_t len[XR_FRAMES];
    uint32_t off[XR_FRAMES];
    bool body[XR_FRAMES];         /* delivered while a body was expected */
    uint8_t bytes[XR_BYTES];
    uint32_t total;
    sloop_err err[XR_FRAMES];     /* per frame: result of the (first) expect call */
    sloop_err err2[XR_FRAMES];    /* X-Twice / X-Close: result of the second call */
    bool body_next;
    sloop_conn conn;
} xrec;

static xrec srv;
static sloop_listener lst;
static uint16_t port;
static it_peer peers[2];

/* The decimal number after "name" in head[0 .. len), or -1. */
static long header_value(const uint8_t *head, uint32_t len, const char *name)
{
    size_t nl = strlen(name);
    uint32_t i;
    for (i = 0U; i + nl <= len; i++) {
        if (memcmp(&head[i], name, nl) == 0) {
            long v = 0;
            uint32_t k = i + (uint32_t)nl;
            while ((k < len) && (head[k] >= '0') && (head[k] <= '9') && (v < 100000)) {
                v = (v * 10) + (head[k] - '0');
                k++;
            }
            return v;
        }
    }
    return -1;
}

static bool has(const uint8_t *head, uint32_t len, const char *what)
{
    return header_value(head, len, what) >= 0;
}

static void x_open(sloop_loop *loop, sloop_conn conn, void *user)
{
    xrec *r = user;
    it_cb_live(loop, conn);
    r->rec.opens++;
    r->rec.last_open = conn;
    r->conn = conn;
}

static void x_frame(sloop_loop *loop, sloop_conn conn, const uint8_t *data, uint32_t len,
                    void *user)
{
    xrec *r = user;
    uint32_t i;
    it_cb_live(loop, conn);
    r->rec.frames++;
    if ((r->n >= XR_FRAMES) || (len > XR_BYTES - r->total)) {
        return; /* the count check in the test fails */
    }
    i = r->n;
    r->n++;
    r->len[i] = len;
    r->off[i] = r->total;
    r->body[i] = r->body_next;
    r->err[i] = SLOOP_OK;
    r->err2[i] = SLOOP_OK;
    memcpy(&r->bytes[r->total], data, len);
    r->total += len;
    if (r->body_next) {
        r->body_next = false;
        return;
    }
    if (has(data, len, "X-Close")) {
        r->err[i] = sloop_conn_close(loop, conn);
        r->err2[i] = sloop_conn_expect(loop, conn, 1U);
        return;
    }
    if (has(data, len, "Content-Length: ")) {
        long n = header_value(data, len, "Content-Length: ");
        r->err[i] = sloop_conn_expect(loop, conn, (uint32_t)n);
        r->body_next = (r->err[i] == SLOOP_OK);
        if (has(data, len, "X-Twice")) {
            r->err2[i] = sloop_conn_expect(loop, conn, (uint32_t)n);
        }
    }
}

static void x_close(sloop_loop *loop, sloop_conn conn, sloop_close_reason reason, void *user)
{
    xrec *r = user;
    it_cb_closed(loop, conn);
    r->rec.closes++;
    r->rec.reason[reason]++;
    r->rec.last_reason = reason;
}

static const sloop_handler x_handler = { x_open, x_frame, NULL, x_close };

static bool start_server(uint32_t frame_ms)
{
    sloop_listen_options o;
    if (it_init(NULL) != SLOOP_OK) {
        return false;
    }
    it_listen_opts_length(&o, &x_handler, &srv);
    o.conn.framing.mode = SLOOP_FRAME_DELIM;
    o.conn.framing.delim_len = 4U;
    memcpy(o.conn.framing.delim, "\r\n\r\n", 4U);
    o.conn.framing.max_payload = MAX_PAYLOAD;
    o.conn.frame_timeout_ms = frame_ms;
    memset(&srv, 0, sizeof srv);
    return it_listen(&o, &lst, &port);
}

/* Frame i is the string s, and was (or was not) delivered as a body. */
static bool frame_is(uint32_t i, const char *s, bool body)
{
    return (i < srv.n) && (srv.len[i] == (uint32_t)strlen(s)) && (srv.body[i] == body) &&
           (memcmp(&srv.bytes[srv.off[i]], s, srv.len[i]) == 0);
}

static void finish(void)
{
    it_peer_close(&peers[0], false);
    IT_WAIT(srv.rec.closes == srv.rec.opens, IT_WAIT_MS);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

/* Head, body, next head and its body, and a head without body: one send. */
IT_CASE(expect_body_and_pipelined_heads_in_one_send)
{
    static const char wire[] = "POST /a\r\nContent-Length: 6\r\n\r\n"
                               "x\r\n\r\ny"
                               "POST /c\r\nContent-Length: 3\r\n\r\n"
                               "abc"
                               "GET /d\r\n\r\n";
    SL_CHECK(start_server(5000U));
    SL_CHECK(it_peer_connect(&peers[0], port, 0));
    SL_CHECK(it_peer_send(&peers[0], wire, strlen(wire)));
    IT_WAIT(srv.n >= 5U, IT_WAIT_MS);
    SL_CHECK(it_pump_for(20U));
    SL_CHECK_EQ(srv.n, 5U);
    SL_CHECK(frame_is(0U, "POST /a\r\nContent-Length: 6", false));
    SL_CHECK(frame_is(1U, "x\r\n\r\ny", true));
    SL_CHECK(frame_is(2U, "POST /c\r\nContent-Length: 3", false));
    SL_CHECK(frame_is(3U, "abc", true));
    SL_CHECK(frame_is(4U, "GET /d", false));
    SL_CHECK_EQ(srv.err[0], SLOOP_OK);
    SL_CHECK_EQ(srv.err[2], SLOOP_OK);
    SL_CHECK_EQ(srv.rec.closes, 0);
    SL_CHECK_EQ(it_ctr().frames_in, 5);
    finish();
}

/* The body arrives one byte per send, the loop running between them. */
IT_CASE(expect_body_trickled_byte_by_byte_is_one_frame)
{
    static const char head[] = "POST /t\r\nContent-Length: 40\r\n\r\n";
    static const char body[] = "0123456789\r\n\r\n0123456789abcdefghijklmnop";
    static const char next[] = "GET /n\r\n\r\n";
    uint32_t i;
    SL_CHECK_EQ(strlen(body), 40U);
    SL_CHECK(start_server(5000U));
    SL_CHECK(it_peer_connect(&peers[0], port, 0));
    SL_CHECK(it_peer_send(&peers[0], head, strlen(head)));
    IT_WAIT(srv.n == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.err[0], SLOOP_OK);
    for (i = 0U; i < 40U; i++) {
        SL_CHECK(it_peer_send(&peers[0], &body[i], 1U));
        IT_WAIT(it_ctr().bytes_in >= strlen(head) + i + 1U, IT_WAIT_MS);
        SL_CHECK_EQ(srv.n, (i < 39U) ? 1U : 2U);
    }
    SL_CHECK(it_peer_send(&peers[0], next, strlen(next)));
    IT_WAIT(srv.n == 3U, IT_WAIT_MS);
    SL_CHECK(frame_is(1U, body, true));
    SL_CHECK(frame_is(2U, "GET /n", false));
    SL_CHECK_EQ(srv.rec.closes, 0);
    finish();
}

/* frame_timeout_ms covers the expected body: closed as slow when part of it is
 * missing, and when none of it came. */
IT_CASE(expect_body_not_completed_in_time_closes_as_slow_peer)
{
    static const char part[] = "POST /s\r\nContent-Length: 10\r\n\r\nabc";
    static const char none[] = "POST /s\r\nContent-Length: 10\r\n\r\n";
    uint32_t round;
    for (round = 0U; round < 2U; round++) {
        const char *wire = (round == 0U) ? part : none;
        SL_CHECK(start_server(30U));
        SL_CHECK(it_peer_connect(&peers[0], port, 0));
        SL_CHECK(it_peer_send(&peers[0], wire, strlen(wire)));
        IT_WAIT(srv.rec.closes == 1U, IT_WAIT_MS);
        SL_CHECK_EQ(srv.rec.last_reason, SLOOP_CLOSE_SLOW_PEER);
        SL_CHECK_EQ(srv.n, 1U);
        SL_CHECK_EQ(srv.err[0], SLOOP_OK);
        IT_WAIT(it_peer_ended(&peers[0]), IT_WAIT_MS);
        it_peer_close(&peers[0], false);
        SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
        SL_CHECK_OK(sloop_close(&it_loop));
    }
}

IT_CASE(expect_bad_calls_get_their_error_and_change_nothing)
{
    static const char wire[] = "POST /z\r\nContent-Length: 0\r\n\r\n"
                               "POST /big\r\nContent-Length: 257\r\n\r\n"
                               "POST /two\r\nContent-Length: 2\r\nX-Twice\r\n\r\n"
                               "ok"
                               "GET /after\r\n\r\n";
    sloop_conn gone;
    SL_CHECK(start_server(0U));
    SL_CHECK(it_peer_connect(&peers[0], port, 0));
    SL_CHECK(it_peer_send(&peers[0], wire, strlen(wire)));
    IT_WAIT(srv.n == 5U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.err[0], SLOOP_EINVAL); /* n == 0 */
    SL_CHECK_EQ(srv.err[1], SLOOP_EINVAL); /* n > max_payload */
    SL_CHECK_EQ(srv.err[2], SLOOP_OK);
    SL_CHECK_EQ(srv.err2[2], SLOOP_ESTATE); /* already pending */
    SL_CHECK(frame_is(3U, "ok", true));
    SL_CHECK(frame_is(4U, "GET /after", false));
    SL_CHECK_EQ(sloop_conn_expect(NULL, srv.conn, 1U), SLOOP_EINVAL);

    /* Mid-frame outside on_frame: part of a head has been read. */
    SL_CHECK(it_peer_send(&peers[0], "GET /part", 9U));
    IT_WAIT(it_ctr().bytes_in >= strlen(wire) + 9U, IT_WAIT_MS);
    SL_CHECK_EQ(sloop_conn_expect(&it_loop, srv.conn, 1U), SLOOP_ESTATE);
    SL_CHECK(it_peer_send(&peers[0], "\r\n\r\n", 4U));
    IT_WAIT(srv.n == 6U, IT_WAIT_MS);
    SL_CHECK(frame_is(5U, "GET /part", false)); /* the refusal changed nothing */

    /* Between frames it is accepted outside on_frame too. */
    SL_CHECK_OK(sloop_conn_expect(&it_loop, srv.conn, 3U));
    srv.body_next = true;
    SL_CHECK(it_peer_send(&peers[0], "\r\n\r", 3U));
    IT_WAIT(srv.n == 7U, IT_WAIT_MS);
    SL_CHECK(frame_is(6U, "\r\n\r", true));

    /* Closing: ESTATE from the callback that closed; then the handle is stale. */
    SL_CHECK(it_peer_send(&peers[0], "X-Close\r\n\r\n", 11U));
    IT_WAIT(srv.rec.closes == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.err[7], SLOOP_OK);
    SL_CHECK_EQ(srv.err2[7], SLOOP_ESTATE);
    SL_CHECK_EQ(srv.rec.last_reason, SLOOP_CLOSE_LOCAL);
    gone = srv.conn;
    SL_CHECK_EQ(sloop_conn_expect(&it_loop, gone, 1U), SLOOP_ESTALE);
    finish();
}

static const sl_test tests[] = {
    IT_ENTRIES(expect_body_and_pipelined_heads_in_one_send),
    IT_ENTRIES(expect_body_trickled_byte_by_byte_is_one_frame),
    IT_ENTRIES(expect_body_not_completed_in_time_closes_as_slow_peer),
    IT_ENTRIES(expect_bad_calls_get_their_error_and_change_nothing),
};

int main(int argc, char **argv)
{
    return sl_main("loop_expect", tests, SL_COUNT(tests), argc, argv);
}
