/*
 * test_echo.c - framed echo over loopback: what a server built on sloop relies
 * on for ordinary traffic. Every frame a peer sends arrives once, intact and in
 * order, whatever the number of clients, their interleaving, or how the bytes
 * are split into reads; a peer that violates the framing or stops reading
 * affects only its own connection.
 */
#include <string.h>

#include "itest.h"

static it_rec srv;
static sloop_listener lst;
static uint16_t port;

/* Starts an echo server with 4-byte length frames. */
static bool start_echo(void)
{
    sloop_listen_options o;
    it_rec_reset(&srv);
    if (it_init(NULL) != SLOOP_OK) {
        return false;
    }
    it_listen_opts_length(&o, &it_echo_handler, &srv);
    return it_listen(&o, &lst, &port);
}

/* Waits for one echoed frame on p and compares it with payload. */
static bool frame_is(it_peer *p, const uint8_t *payload, uint32_t len)
{
    static uint8_t got[SLOOP_MAX_FRAME];
    long n = it_peer_take_frame(p, got, sizeof got);
    return (n == (long)len) && (memcmp(got, payload, len) == 0);
}

static it_peer peers[100];

IT_CASE(echo_one_client)
{
    static const char msg[] = "hello, loop";
    uint8_t wire[64];
    size_t n;
    SL_CHECK(start_echo());
    SL_CHECK(it_peer_connect(&peers[0], port, 0));
    n = it_frame(wire, msg, (uint32_t)strlen(msg));
    SL_CHECK(it_peer_send(&peers[0], wire, n));
    IT_WAIT(it_peer_has(&peers[0], n), IT_WAIT_MS);
    SL_CHECK_EQ(peers[0].len, n);
    SL_CHECK(frame_is(&peers[0], (const uint8_t *)msg, (uint32_t)strlen(msg)));
    SL_CHECK_EQ(srv.opens, 1);
    SL_CHECK_EQ(srv.frames, 1);
    it_peer_close(&peers[0], false);
    IT_WAIT(srv.closes == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.last_reason, SLOOP_CLOSE_PEER);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

IT_CASE(echo_three_clients_in_a_row)
{
    uint32_t i;
    SL_CHECK(start_echo());
    for (i = 0U; i < 3U; i++) {
        uint8_t payload[300];
        uint8_t wire[304];
        uint32_t len = 100U * (i + 1U);
        size_t n;
        it_pattern(payload, len, i);
        n = it_frame(wire, payload, len);
        SL_CHECK(it_peer_connect(&peers[i], port, 0));
        SL_CHECK(it_peer_send(&peers[i], wire, n));
        IT_WAIT(it_peer_has(&peers[i], n), IT_WAIT_MS);
        SL_CHECK(frame_is(&peers[i], payload, len));
        SL_CHECK_EQ(peers[i].len, 0);
        it_peer_close(&peers[i], false);
        IT_WAIT(srv.closes == i + 1U, IT_WAIT_MS);
        SL_CHECK_EQ(srv.reason[SLOOP_CLOSE_PEER], i + 1U);
        SL_CHECK_EQ(sloop_slots_open_count(&it_loop.conn_slots), 0);
    }
    SL_CHECK_EQ(srv.opens, 3);
    SL_CHECK_EQ(srv.frames, 3);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

/* Have all of the first `count` peers received `want` bytes? */
static bool all_have(uint32_t count, size_t want)
{
    uint32_t i;
    bool all = true;
    for (i = 0U; i < count; i++) {
        all = it_peer_has(&peers[i], want) && all;
    }
    return all;
}

IT_CASE(echo_ten_concurrent)
{
    uint32_t i;
    uint8_t payload[10][64];
    SL_CHECK(start_echo());
    for (i = 0U; i < 10U; i++) {
        SL_CHECK(it_peer_connect(&peers[i], port, 0));
    }
    IT_WAIT(srv.opens == 10U, IT_WAIT_MS);
    SL_CHECK_EQ(sloop_slots_open_count(&it_loop.conn_slots), 10);
    for (i = 0U; i < 10U; i++) {
        uint8_t wire[68];
        it_pattern(payload[i], 64U, 100U + i);
        SL_CHECK(it_peer_send(&peers[i], wire, it_frame(wire, payload[i], 64U)));
    }
    IT_WAIT(all_have(10U, 68U), IT_WAIT_MS);
    for (i = 0U; i < 10U; i++) {
        SL_CHECK_EQ(peers[i].len, 68);
        SL_CHECK(frame_is(&peers[i], payload[i], 64U));
    }
    for (i = 0U; i < 10U; i++) {
        it_peer_close(&peers[i], false);
    }
    IT_WAIT(srv.closes == 10U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.reason[SLOOP_CLOSE_PEER], 10);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

/* Client c's message m: length and content fixed by (c, m). A burst of ten
 * stays below SLOOP_TX_BUF_SIZE, so the echoes of one read always fit the
 * transmit ring: sloop has no call to pause reading, so an echo server can
 * only drop or abort when it does not (it_echo_handler drops and counts). */
_Static_assert(10U * (700U + 4U) <= SLOOP_TX_BUF_SIZE, "a burst must fit the TX ring");
static uint32_t msg_len(uint32_t c, uint32_t m)
{
    return 1U + ((c * 131U + m * 977U) % 700U);
}

IT_CASE(echo_hundred_clients_ten_messages)
{
    static uint8_t wire[10U * (700U + 4U)];
    uint32_t c;
    uint32_t m;
    size_t per_client[100];
    SL_CHECK(start_echo());
    for (c = 0U; c < 100U; c++) {
        SL_CHECK(it_peer_connect(&peers[c], port, 0));
    }
    /* Every client sends its ten messages in one burst; the bursts of all
     * clients are in flight at once. */
    for (c = 0U; c < 100U; c++) {
        size_t n = 0U;
        for (m = 0U; m < 10U; m++) {
            uint8_t payload[700];
            uint32_t len = msg_len(c, m);
            it_pattern(payload, len, c * 10U + m);
            n += it_frame(&wire[n], payload, len);
        }
        per_client[c] = n;
        SL_CHECK(it_peer_send(&peers[c], wire, n));
    }
    for (c = 0U; c < 100U; c++) {
        IT_WAIT(it_peer_has(&peers[c], per_client[c]), IT_WAIT_MS);
        SL_CHECK_EQ(peers[c].len, per_client[c]);
        for (m = 0U; m < 10U; m++) {
            uint8_t payload[700];
            uint32_t len = msg_len(c, m);
            it_pattern(payload, len, c * 10U + m);
            SL_CHECK(frame_is(&peers[c], payload, len));
        }
    }
    SL_CHECK_EQ(srv.opens, 100);
    SL_CHECK_EQ(srv.frames, 1000);
    SL_CHECK_EQ(srv.send_full + srv.send_errors, 0);
    for (c = 0U; c < 100U; c++) {
        it_peer_close(&peers[c], false);
    }
    IT_WAIT(srv.closes == 100U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.reason[SLOOP_CLOSE_PEER], 100);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

IT_CASE(echo_frame_one_byte_at_a_time)
{
    uint8_t payload[40];
    uint8_t wire[44];
    size_t n;
    size_t i;
    SL_CHECK(start_echo());
    SL_CHECK(it_peer_connect(&peers[0], port, 0));
    it_pattern(payload, sizeof payload, 7U);
    n = it_frame(wire, payload, (uint32_t)sizeof payload);
    for (i = 0U; i < n; i++) {
        uint64_t bytes_before = it_ctr().bytes_in;
        SL_CHECK(it_peer_send(&peers[0], &wire[i], 1U));
        /* Each byte is read on its own before the next is sent. */
        IT_WAIT(it_ctr().bytes_in == bytes_before + 1U, IT_WAIT_MS);
        if (i + 1U < n) {
            SL_CHECK_EQ(srv.frames, 0);
        }
    }
    SL_CHECK_EQ(srv.frames, 1);
    IT_WAIT(it_peer_has(&peers[0], n), IT_WAIT_MS);
    SL_CHECK(frame_is(&peers[0], payload, (uint32_t)sizeof payload));
    SL_CHECK(it_pump_for(10U));
    SL_CHECK_EQ(srv.frames, 1);
    SL_CHECK_EQ(peers[0].len, 0);
    it_peer_close(&peers[0], false);
    IT_WAIT(srv.closes == 1U, IT_WAIT_MS);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

IT_CASE(echo_half_frame_then_disconnect)
{
    uint8_t payload[100];
    uint8_t wire[104];
    SL_CHECK(start_echo());
    SL_CHECK(it_peer_connect(&peers[0], port, 0));
    it_pattern(payload, sizeof payload, 3U);
    (void)it_frame(wire, payload, (uint32_t)sizeof payload);
    SL_CHECK(it_peer_send(&peers[0], wire, 54U)); /* header and half the payload */
    IT_WAIT(it_ctr().bytes_in == 54U, IT_WAIT_MS);
    it_peer_close(&peers[0], false);
    IT_WAIT(srv.closes == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.last_reason, SLOOP_CLOSE_PEER);
    SL_CHECK_EQ(srv.frames, 0);
    SL_CHECK_EQ(it_ctr().frames_in, 0);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

/* Half a frame and the end of stream arrive together, before the loop looks:
 * nothing is echoed, so no later event comes for this socket. The connection
 * must still close (PEER). Edge-triggered, a short read ends the read unless
 * the event says the end is in (EPOLLRDHUP): without that, this peer would be
 * left open for good. */
IT_CASE(echo_half_frame_and_end_together)
{
    uint8_t payload[100];
    uint8_t wire[104];
    SL_CHECK(start_echo());
    SL_CHECK(it_peer_connect(&peers[0], port, 0));
    IT_WAIT(it_ctr().accepts == 1U, IT_WAIT_MS);
    it_pattern(payload, sizeof payload, 5U);
    (void)it_frame(wire, payload, (uint32_t)sizeof payload);
    SL_CHECK(it_peer_send(&peers[0], wire, 54U)); /* header and half the payload */
    SL_CHECK_EQ(tsock_shutdown_send(peers[0].fd), TSOCK_OK);
    IT_WAIT(srv.closes == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.last_reason, SLOOP_CLOSE_PEER);
    SL_CHECK_EQ(it_ctr().bytes_in, 54);
    SL_CHECK_EQ(srv.frames, 0);
    it_peer_close(&peers[0], false);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

IT_CASE(echo_oversize_header_closes_only_that_connection)
{
    static const uint8_t huge[8] = { 0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4 };
    uint8_t payload[16];
    uint8_t wire[20];
    size_t n;
    SL_CHECK(start_echo());
    SL_CHECK(it_peer_connect(&peers[0], port, 0)); /* the good one */
    SL_CHECK(it_peer_connect(&peers[1], port, 0)); /* the bad one */
    IT_WAIT(srv.opens == 2U, IT_WAIT_MS);
    SL_CHECK(it_peer_send(&peers[1], huge, sizeof huge));
    IT_WAIT(srv.closes == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.last_reason, SLOOP_CLOSE_FRAME_TOO_BIG);
    SL_CHECK_EQ(srv.frames, 0);
    IT_WAIT(it_peer_ended(&peers[1]), IT_WAIT_MS);
    SL_CHECK_EQ(peers[1].len, 0);
    /* The other connection still echoes. */
    it_pattern(payload, sizeof payload, 11U);
    n = it_frame(wire, payload, (uint32_t)sizeof payload);
    SL_CHECK(it_peer_send(&peers[0], wire, n));
    IT_WAIT(it_peer_has(&peers[0], n), IT_WAIT_MS);
    SL_CHECK(frame_is(&peers[0], payload, (uint32_t)sizeof payload));
    SL_CHECK_EQ(srv.frames, 1);
    it_peer_close(&peers[0], false);
    it_peer_close(&peers[1], false);
    IT_WAIT(srv.closes == 2U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.reason[SLOOP_CLOSE_PEER], 1);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

IT_CASE(echo_delimited_lines)
{
    static const char part1[] = "first\r\nsec";
    static const char part2[] = "ond\r";
    static const char part3[] = "\n\r\nthird line\r\n";
    static const char expect[] = "first\r\nsecond\r\n\r\nthird line\r\n";
    uint8_t longline[80];
    sloop_listen_options o;
    it_rec_reset(&srv);
    SL_CHECK_OK(it_init(NULL));
    it_listen_opts_length(&o, &it_echo_delim_handler, &srv);
    o.conn.framing.mode = SLOOP_FRAME_DELIM;
    o.conn.framing.delim_len = 2U;
    o.conn.framing.delim[0] = '\r';
    o.conn.framing.delim[1] = '\n';
    o.conn.framing.max_payload = 64U;
    SL_CHECK(it_listen(&o, &lst, &port));
    SL_CHECK(it_peer_connect(&peers[0], port, 0));
    SL_CHECK(it_peer_connect(&peers[1], port, 0));
    /* Lines split across writes, the delimiter itself split, an empty line. */
    SL_CHECK(it_peer_send(&peers[0], part1, strlen(part1)));
    IT_WAIT(srv.frames == 1U, IT_WAIT_MS);
    SL_CHECK(it_peer_send(&peers[0], part2, strlen(part2)));
    SL_CHECK(it_pump_for(5U));
    SL_CHECK_EQ(srv.frames, 1);
    SL_CHECK(it_peer_send(&peers[0], part3, strlen(part3)));
    IT_WAIT(it_peer_has(&peers[0], strlen(expect)), IT_WAIT_MS);
    SL_CHECK_EQ(srv.frames, 4);
    SL_CHECK_EQ(peers[0].len, strlen(expect));
    SL_CHECK_MEM(peers[0].buf, expect, strlen(expect));
    /* A line longer than max_payload without a delimiter closes that peer. */
    memset(longline, 'x', sizeof longline);
    SL_CHECK(it_peer_send(&peers[1], longline, sizeof longline));
    IT_WAIT(srv.closes == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.last_reason, SLOOP_CLOSE_FRAME_TOO_LONG);
    IT_WAIT(it_peer_ended(&peers[1]), IT_WAIT_MS);
    SL_CHECK_EQ(peers[1].len, 0);
    /* The first connection is unaffected. */
    it_peer_consume(&peers[0], peers[0].len);
    SL_CHECK(it_peer_send(&peers[0], "ok\r\n", 4U));
    IT_WAIT(it_peer_has(&peers[0], 4U), IT_WAIT_MS);
    SL_CHECK_MEM(peers[0].buf, "ok\r\n", 4U);
    it_peer_close(&peers[0], false);
    it_peer_close(&peers[1], false);
    IT_WAIT(srv.closes == 2U, IT_WAIT_MS);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

/* Slow reader: a peer that floods requests but never reads its echoes fills
 * the server's transmit buffer; a fast client on the same loop keeps getting
 * its echoes. */
IT_CASE(echo_slow_reader_does_not_delay_fast_client)
{
    static uint8_t flood[4U * (1000U + 4U)];
    uint8_t payload[1000];
    size_t fn = 0U;
    uint32_t i;
    sloop_conn slow_conn;
    uint32_t queued = 0U;
    SL_CHECK(start_echo());
    SL_CHECK(it_peer_connect(&peers[0], port, 4096)); /* slow reader */
    IT_WAIT(srv.opens == 1U, IT_WAIT_MS);
    slow_conn = srv.last_open;
    SL_CHECK(it_peer_connect(&peers[1], port, 0)); /* fast client */
    IT_WAIT(srv.opens == 2U, IT_WAIT_MS);
    for (i = 0U; i < 4U; i++) {
        it_pattern(payload, sizeof payload, i);
        fn += it_frame(&flood[fn], payload, (uint32_t)sizeof payload);
    }
    /* Flood until the server could not queue an echo: its TX ring is full
     * because the kernel buffers towards the slow reader are full. */
    {
        uint32_t t0 = it_now_ms();
        while ((srv.send_full == 0U) && ((uint32_t)(it_now_ms() - t0) < IT_WAIT_MS)) {
            SL_CHECK(it_peer_send_some(&peers[0], flood, fn) >= 0);
            SL_CHECK(it_step());
        }
    }
    SL_CHECK(srv.send_full > 0U);
    SL_CHECK_OK(sloop_conn_tx_queued(&it_loop, slow_conn, &queued, NULL));
    SL_CHECK(queued > 0U);
    /* The fast client's round trips complete while the slow one stays stuck
     * and keeps sending. */
    for (i = 0U; i < 20U; i++) {
        uint8_t wire[1004];
        size_t n;
        it_pattern(payload, sizeof payload, 1000U + i);
        n = it_frame(wire, payload, (uint32_t)sizeof payload);
        SL_CHECK(it_peer_send(&peers[1], wire, n));
        IT_WAIT((it_peer_send_some(&peers[0], flood, fn) >= 0) && it_peer_has(&peers[1], n),
                IT_WAIT_MS);
        SL_CHECK_EQ(peers[1].len, n);
        SL_CHECK(frame_is(&peers[1], payload, (uint32_t)sizeof payload));
    }
    SL_CHECK(sloop_conn_valid(&it_loop, slow_conn));
    SL_CHECK_EQ(srv.closes, 0);
    it_peer_close(&peers[0], false);
    it_peer_close(&peers[1], false);
    IT_WAIT(srv.closes == 2U, IT_WAIT_MS);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

/* A peer that floods more than a read budget per wakeup neither starves a
 * second client nor loses anything (edge-triggered epoll must come back for
 * the rest by itself: no new edge arrives for data already there). */
IT_CASE(echo_flood_beyond_read_budget)
{
    static it_rec sink;
    static uint8_t flood[50U * 1004U];
    sloop_listen_options o;
    sloop_listener sink_l;
    uint16_t sink_port;
    uint32_t i;
    size_t fn = 0U;
    size_t off = 0U;
    uint64_t frames_sent = 0U;
    SL_CHECK(start_echo());
    it_rec_reset(&sink);
    it_listen_opts_length(&o, &it_record_handler, &sink);
    SL_CHECK(it_listen(&o, &sink_l, &sink_port));
    for (i = 0U; i < 50U; i++) {
        uint8_t payload[1000];
        it_pattern(payload, sizeof payload, i);
        fn += it_frame(&flood[fn], payload, (uint32_t)sizeof payload);
    }
    _Static_assert(sizeof flood > 2U * SLOOP_READ_BUDGET, "the flood must exceed the budget");
    SL_CHECK(it_peer_connect(&peers[0], sink_port, 0)); /* flooder */
    SL_CHECK(it_peer_connect(&peers[1], port, 0));      /* echo client */
    IT_WAIT((sink.opens == 1U) && (srv.opens == 1U), IT_WAIT_MS);
    /* Round trips of the echo client while the flood keeps coming. */
    for (i = 0U; i < 20U; i++) {
        uint8_t payload[64];
        uint8_t wire[68];
        size_t n;
        uint32_t t0 = it_now_ms();
        it_pattern(payload, sizeof payload, 500U + i);
        n = it_frame(wire, payload, (uint32_t)sizeof payload);
        SL_CHECK(it_peer_send(&peers[1], wire, n));
        while (!it_peer_has(&peers[1], n)) {
            long k = it_peer_send_some(&peers[0], &flood[off], fn - off);
            SL_CHECK(k >= 0);
            off += (size_t)k;
            if (off == fn) {
                off = 0U;
                frames_sent += 50U;
            }
            SL_CHECK((uint32_t)(it_now_ms() - t0) < IT_WAIT_MS);
            SL_CHECK(it_step());
        }
        SL_CHECK(frame_is(&peers[1], payload, (uint32_t)sizeof payload));
    }
    /* Finish the flood on a frame boundary and send it all: every frame is
     * delivered, although no new data arrives to wake the loop. */
    SL_CHECK(it_peer_send(&peers[0], &flood[off], fn - off));
    frames_sent += 50U;
    SL_CHECK(it_peer_send(&peers[0], flood, fn));
    frames_sent += 50U;
    IT_WAIT(sink.frames == frames_sent, IT_WAIT_MS);
    SL_CHECK_EQ(sink.bytes, frames_sent * 1000U);
    SL_CHECK(frames_sent * 1004U > 2U * SLOOP_READ_BUDGET);
    it_peer_close(&peers[0], false);
    it_peer_close(&peers[1], false);
    IT_WAIT((sink.closes == 1U) && (srv.closes == 1U), IT_WAIT_MS);
    SL_CHECK_EQ(sink.last_reason, SLOOP_CLOSE_PEER);
    SL_CHECK_OK(sloop_listener_close(&it_loop, sink_l));
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

/* A peer that sends its requests and shuts down its sending side at once
 * still gets every echo before the connection closes (reason PEER). */
IT_CASE(echo_peer_half_close_gets_all_echoes)
{
    uint8_t wire[5U * 104U];
    size_t n = 0U;
    uint32_t i;
    SL_CHECK(start_echo());
    SL_CHECK(it_peer_connect(&peers[0], port, 0));
    for (i = 0U; i < 5U; i++) {
        uint8_t payload[100];
        it_pattern(payload, sizeof payload, 40U + i);
        n += it_frame(&wire[n], payload, (uint32_t)sizeof payload);
    }
    SL_CHECK(it_peer_send(&peers[0], wire, n));
    SL_CHECK_EQ(tsock_shutdown_send(peers[0].fd), TSOCK_OK);
    IT_WAIT(it_peer_ended(&peers[0]), IT_WAIT_MS);
    SL_CHECK_EQ(peers[0].state, IT_PEER_EOF);
    SL_CHECK_EQ(peers[0].len, n);
    SL_CHECK_MEM(peers[0].buf, wire, n);
    IT_WAIT(srv.closes == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.last_reason, SLOOP_CLOSE_PEER);
    SL_CHECK_EQ(srv.frames, 5);
    it_peer_close(&peers[0], false);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

/* RAW mode: bytes are delivered as they come, in chunks of at most
 * max_payload, and sent back as given. */
IT_CASE(echo_raw_mode)
{
    static uint8_t data[3000];
    sloop_listen_options o;
    it_rec_reset(&srv);
    SL_CHECK_OK(it_init(NULL));
    it_listen_opts_length(&o, &it_echo_handler, &srv);
    o.conn.framing.mode = SLOOP_FRAME_RAW;
    o.conn.framing.max_payload = 100U;
    SL_CHECK(it_listen(&o, &lst, &port));
    SL_CHECK(it_peer_connect(&peers[0], port, 0));
    it_pattern(data, sizeof data, 99U);
    SL_CHECK(it_peer_send(&peers[0], data, sizeof data));
    IT_WAIT(it_peer_has(&peers[0], sizeof data), IT_WAIT_MS);
    SL_CHECK_EQ(peers[0].len, sizeof data);
    SL_CHECK_MEM(peers[0].buf, data, sizeof data);
    SL_CHECK_EQ(srv.bytes, sizeof data);
    SL_CHECK(srv.frames >= 30U); /* no chunk above max_payload */
    it_peer_close(&peers[0], false);
    IT_WAIT(srv.closes == 1U, IT_WAIT_MS);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

/* sloop_conn_adopt: an already connected socket (one end of a socketpair;
 * Windows: of a loopback TCP connection) becomes a sloop connection, echoes,
 * and is closed by sloop. */
IT_CASE(echo_adopted_socket)
{
    sloop_fd sv[2];
    sloop_conn_options co;
    sloop_conn c;
    uint8_t wire[16];
    size_t n;
    it_rec_reset(&srv);
    SL_CHECK_OK(it_init(NULL));
    SL_CHECK(it_pair(sv));
    it_conn_opts_length(&co);
    SL_CHECK_OK(sloop_conn_adopt(&it_loop, sv[0], &co, &it_echo_handler, &srv, &c));
    it_sys_handed_over(sv[0]); /* sloop owns it now */
    IT_WAIT(srv.opens == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.last_open.id, c.id);
    peers[0].fd = sv[1];
    peers[0].state = IT_PEER_OPEN;
    peers[0].len = 0U;
    n = it_frame(wire, "adopted", 7U);
    SL_CHECK(it_peer_send(&peers[0], wire, n));
    IT_WAIT(it_peer_has(&peers[0], n), IT_WAIT_MS);
    SL_CHECK_MEM(peers[0].buf, wire, n);
    SL_CHECK_OK(sloop_conn_close(&it_loop, c));
    IT_WAIT(srv.closes == 1U, IT_WAIT_MS);
    SL_CHECK_EQ(srv.last_reason, SLOOP_CLOSE_LOCAL);
    IT_WAIT(it_peer_ended(&peers[0]), IT_WAIT_MS);
    SL_CHECK(!tsock_is_open(sv[0])); /* sloop closed its end */
    it_peer_close(&peers[0], false);
}

static const sl_test tests[] = {
    IT_ENTRIES(echo_one_client),
    IT_ENTRIES(echo_three_clients_in_a_row),
    IT_ENTRIES(echo_ten_concurrent),
    IT_ENTRIES(echo_hundred_clients_ten_messages),
    IT_ENTRIES(echo_frame_one_byte_at_a_time),
    IT_ENTRIES(echo_half_frame_then_disconnect),
    IT_ENTRIES(echo_oversize_header_closes_only_that_connection),
    IT_ENTRIES(echo_delimited_lines),
    IT_ENTRIES(echo_slow_reader_does_not_delay_fast_client),
    IT_ENTRIES(echo_flood_beyond_read_budget),
    IT_ENTRIES(echo_peer_half_close_gets_all_echoes),
    IT_ENTRIES(echo_half_frame_and_end_together),
    IT_ENTRIES(echo_raw_mode),
    IT_ENTRIES(echo_adopted_socket),
};

int main(int argc, char **argv)
{
    return sl_main("loop_echo", tests, SL_COUNT(tests), argc, argv);
}
