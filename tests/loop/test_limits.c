/*
 * test_limits.c - the loop at its connection budget (this build: 2048 slots).
 *
 * What a user relies on: a thousand connections at once all work (here both
 * ends live in the same loop: clients made by sloop_connect, served by its own
 * listener); when every slot is taken, further clients wait in the kernel's
 * backlog without being accepted, the connections already open keep working,
 * and the waiting clients are served as soon as slots free.
 */
#include <string.h>

#include "itest.h"

#define N_CLIENTS 1000U

typedef struct lclient {
    uint32_t index;
    sloop_conn conn;
    unsigned opens;
    unsigned frames;
    unsigned bad_frames;
    unsigned closes;
    sloop_close_reason reason;
    bool close_on_frame;
} lclient;

static lclient clients[SLOOP_MAX_CONNS];
static it_rec srv;
static sloop_listener lst;
static uint16_t port;
static unsigned client_opens;
static unsigned client_frames;
static unsigned client_closes;

static uint32_t client_len(uint32_t i)
{
    return 8U + (i % 200U);
}

static void client_open(sloop_loop *loop, sloop_conn conn, void *user)
{
    lclient *c = (lclient *)user;
    it_cb_live(loop, conn);
    c->opens++;
    client_opens++;
}

static void client_frame(sloop_loop *loop, sloop_conn conn, const uint8_t *data, uint32_t len,
                         void *user)
{
    lclient *c = (lclient *)user;
    uint8_t want[256];
    it_cb_live(loop, conn);
    it_pattern(want, client_len(c->index), c->index);
    if ((len != client_len(c->index)) || (memcmp(data, want, len) != 0)) {
        c->bad_frames++;
    }
    c->frames++;
    client_frames++;
    if (c->close_on_frame) {
        (void)sloop_conn_close(loop, conn);
    }
}

static void client_close(sloop_loop *loop, sloop_conn conn, sloop_close_reason reason,
                         void *user)
{
    lclient *c = (lclient *)user;
    it_cb_closed(loop, conn);
    c->closes++;
    c->reason = reason;
    client_closes++;
}

static const sloop_handler client_handler = { client_open, client_frame, NULL, client_close };

static bool setup(void)
{
    sloop_listen_options o;
    memset(clients, 0, sizeof clients);
    client_opens = 0U;
    client_frames = 0U;
    client_closes = 0U;
    it_rec_reset(&srv);
    if (it_init(NULL) != SLOOP_OK) {
        return false;
    }
    it_listen_opts_length(&o, &it_echo_handler, &srv);
    o.backlog = 1024;
    return it_listen(&o, &lst, &port);
}

static sloop_err client_connect(uint32_t i)
{
    sloop_conn_options co;
    it_conn_opts_length(&co);
    clients[i].index = i;
    return sloop_connect(&it_loop, "127.0.0.1", port, &co, &client_handler, &clients[i],
                         &clients[i].conn);
}

static sloop_err client_send(uint32_t i)
{
    uint8_t payload[256];
    it_pattern(payload, client_len(i), i);
    return sloop_send(&it_loop, clients[i].conn, payload, client_len(i));
}

IT_CASE(limits_thousand_concurrent_connections)
{
    uint32_t i;
    SL_CHECK(setup());
    for (i = 0U; i < N_CLIENTS; i++) {
        SL_CHECK_OK(client_connect(i));
        clients[i].close_on_frame = true;
    }
    /* All of them open at the same time, both ends. */
    IT_WAIT((client_opens == N_CLIENTS) && (srv.opens == N_CLIENTS), 4U * IT_WAIT_MS);
    SL_CHECK_EQ(sloop_slots_open_count(&it_loop.conn_slots), 2U * N_CLIENTS);
    SL_CHECK_EQ(it_ctr().accepts, N_CLIENTS);
    SL_CHECK_EQ(it_ctr().connects, N_CLIENTS);
    /* Each client echoes once, then closes from on_frame. */
    for (i = 0U; i < N_CLIENTS; i++) {
        SL_CHECK_OK(client_send(i));
    }
    IT_WAIT((client_closes == N_CLIENTS) && (srv.closes == N_CLIENTS), 4U * IT_WAIT_MS);
    for (i = 0U; i < N_CLIENTS; i++) {
        SL_CHECK_EQ(clients[i].opens, 1);
        SL_CHECK_EQ(clients[i].frames, 1);
        SL_CHECK_EQ(clients[i].bad_frames, 0);
        SL_CHECK_EQ(clients[i].closes, 1);
        SL_CHECK_EQ(clients[i].reason, SLOOP_CLOSE_LOCAL);
    }
    SL_CHECK_EQ(srv.frames, N_CLIENTS);
    SL_CHECK_EQ(srv.reason[SLOOP_CLOSE_PEER], N_CLIENTS);
    SL_CHECK_EQ(srv.send_full + srv.send_errors, 0);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

static it_peer waiting[3];

IT_CASE(limits_table_full_waits_then_serves)
{
    const uint32_t pairs = SLOOP_MAX_CONNS / 2U;
    uint32_t i;
    uint64_t pauses;
    sloop_conn extra;
    sloop_conn_options co;
    SL_CHECK(setup());
    /* Fill every slot: each client's connection and its accepted end. */
    for (i = 0U; i < pairs; i++) {
        SL_CHECK_OK(client_connect(i));
    }
    IT_WAIT((client_opens == pairs) && (srv.opens == pairs), 4U * IT_WAIT_MS);
    SL_CHECK_EQ(sloop_slots_open_count(&it_loop.conn_slots), SLOOP_MAX_CONNS);
    it_conn_opts_length(&co);
    SL_CHECK_EQ(sloop_connect(&it_loop, "127.0.0.1", port, &co, &client_handler, &clients[0],
                              &extra),
                SLOOP_ELIMIT);
    /* Further clients connect (the kernel completes them from the backlog)
     * and send a frame, but are not accepted. */
    for (i = 0U; i < 3U; i++) {
        uint8_t wire[8];
        SL_CHECK(it_peer_connect(&waiting[i], port, 0));
        SL_CHECK(it_peer_send(&waiting[i], wire, it_frame(wire, "wait", 4U)));
    }
    SL_CHECK(it_pump_for(30U));
    pauses = it_ctr().accept_pauses;
    SL_CHECK(pauses > 0U);
    SL_CHECK_EQ(it_ctr().accepts, pairs);
    SL_CHECK_EQ(srv.opens, pairs);
    SL_CHECK_EQ(srv.frames, 0);
    for (i = 0U; i < 3U; i++) {
        SL_CHECK(!it_peer_has(&waiting[i], 1U));
        SL_CHECK_EQ(waiting[i].state, IT_PEER_OPEN);
    }
    /* Connections already open keep working. */
    SL_CHECK_OK(client_send(0U));
    SL_CHECK_OK(client_send(pairs - 1U));
    IT_WAIT((clients[0].frames == 1U) && (clients[pairs - 1U].frames == 1U), IT_WAIT_MS);
    SL_CHECK_EQ(clients[0].bad_frames + clients[pairs - 1U].bad_frames, 0);
    SL_CHECK_EQ(it_ctr().accepts, pairs);
    /* Two pairs close: four slots free, the three waiting clients get in and
     * their frames are echoed. */
    SL_CHECK_OK(sloop_conn_close(&it_loop, clients[0].conn));
    SL_CHECK_OK(sloop_conn_close(&it_loop, clients[1].conn));
    for (i = 0U; i < 3U; i++) {
        IT_WAIT(it_peer_has(&waiting[i], 8U), IT_WAIT_MS);
        SL_CHECK_MEM(waiting[i].buf, "\0\0\0\4wait", 8U);
    }
    SL_CHECK_EQ(it_ctr().accepts, pairs + 3U);
    SL_CHECK_EQ(srv.frames, 5);
    /* Close everything; every slot comes back. */
    for (i = 0U; i < 3U; i++) {
        it_peer_close(&waiting[i], false);
    }
    for (i = 2U; i < pairs; i++) {
        SL_CHECK_OK(sloop_conn_close(&it_loop, clients[i].conn));
    }
    IT_WAIT(sloop_slots_open_count(&it_loop.conn_slots) == 0U, 4U * IT_WAIT_MS);
    SL_CHECK_EQ(client_closes, pairs);
    SL_CHECK_EQ(srv.closes, pairs + 3U);
    SL_CHECK_OK(sloop_listener_close(&it_loop, lst));
}

static const sl_test tests[] = {
    IT_ENTRIES(limits_thousand_concurrent_connections),
    IT_ENTRIES(limits_table_full_waits_then_serves),
};

int main(int argc, char **argv)
{
    return sl_main("loop_limits", tests, SL_COUNT(tests), argc, argv);
}
