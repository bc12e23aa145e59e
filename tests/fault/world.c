/*
 * world.c - the application, the peers and the invariant checks shared by the
 * fault scenarios (see world.h).
 */
#include "world.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tsock.h" /* real-socket peers: POSIX or Winsock */

/* ---- Failures ------------------------------------------------------------------------ */

void w_fail(world *w, const char *file, int line, const char *fmt, ...)
{
    if (w->violations == 0U) {
        va_list ap;
        int n = snprintf(w->first, sizeof w->first, "%s:%d: ", file, line);
        if ((n > 0) && ((size_t)n < sizeof w->first)) {
            va_start(ap, fmt);
            (void)vsnprintf(&w->first[n], sizeof w->first - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    w->violations++;
}

/* ---- Records --------------------------------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void log_append(uint8_t *log, uint32_t *len, uint8_t *over, const uint8_t *data,
                       uint32_t n)
{
    if ((*over == 0U) && (n <= W_LOG - *len)) {
        memcpy(&log[*len], data, n);
        *len += n;
    } else {
        *over = 1U;
    }
}

w_record *w_live(world *w, sloop_conn c)
{
    w_record *r = NULL;
    if ((c.id < SLOOP_MAX_CONNS) && (w->live[c.id] != NULL) && (w->live[c.id]->gen == c.gen)) {
        r = w->live[c.id];
    }
    return r;
}

static w_record *rec_new(world *w, sloop_conn c, bool client)
{
    w_record *r;
    if (c.id >= SLOOP_MAX_CONNS) {
        W_FAIL(w, "handle id %u out of range", c.id);
        return NULL;
    }
    if (w->live[c.id] != NULL) {
        W_FAIL(w, "slot %u gen %u reused while gen %u never got on_close", c.id, c.gen,
               w->live[c.id]->gen);
        return NULL;
    }
    if (w->nrec >= W_MAX_RECORDS) {
        W_FAIL(w, "more than %u connections in one scenario", W_MAX_RECORDS);
        return NULL;
    }
    r = &w->rec[w->nrec];
    w->nrec++;
    r->id = c.id;
    r->gen = c.gen;
    r->is_client = client ? 1U : 0U;
    r->adopted = 0U;
    r->opened = 0U;
    r->closed = 0U;
    r->reason = 0U;
    r->log_over = 0U;
    r->close_after_flood = 0U;
    r->tag = 0U;
    r->flood_left = 0U;
    r->flood_seq = 0U;
    r->frames_in = 0U;
    r->sent = 0U;
    r->rx_len = 0U;
    r->rx_over = 0U;
    w->live[c.id] = r;
    return r;
}

uint32_t w_open_count(const world *w)
{
    uint32_t i;
    uint32_t n = 0U;
    for (i = 0U; i < SLOOP_MAX_CONNS; i++) {
        n += (w->live[i] != NULL) ? 1U : 0U;
    }
    return n;
}

/* ---- Application ------------------------------------------------------------------------ */

#define W_MAX_PAYLOAD 2048U

sloop_err w_send(world *w, sloop_conn c, uint8_t type, const void *payload, uint32_t len)
{
    uint8_t buf[1U + W_MAX_PAYLOAD];
    uint8_t hdr[2];
    sloop_err err;
    if (len > W_MAX_PAYLOAD) {
        return SLOOP_EINVAL;
    }
    buf[0] = type;
    if (len > 0U) {
        memcpy(&buf[1], payload, len);
    }
    err = sloop_send(w->loop, c, buf, len + 1U);
    if (err == SLOOP_OK) {
        w_record *r = w_live(w, c);
        w->sends_ok++;
        if (r == NULL) {
            W_FAIL(w, "sloop_send accepted a frame for %u/%u, a handle not open", c.id, c.gen);
        } else {
            hdr[0] = (uint8_t)((len + 1U) >> 8);
            hdr[1] = (uint8_t)(len + 1U);
            log_append(r->log, &r->sent, &r->log_over, hdr, 2U);
            log_append(r->log, &r->sent, &r->log_over, buf, len + 1U);
        }
    } else if (err == SLOOP_EFULL) {
        w->send_efull++;
    } else {
        /* ECLOSING and friends: the application just does not send */
    }
    return err;
}

static void w_flood(world *w, sloop_conn c, w_record *r)
{
    uint8_t buf[W_FLOOD_FRAME - 1U];
    uint32_t guard;
    for (guard = 0U; (guard < 4096U) && (r->flood_left > 0U); guard++) {
        sloop_err err;
        memset(buf, (int)(r->flood_seq & 0xFFU), sizeof buf);
        put32(buf, r->flood_seq);
        err = w_send(w, c, 'F', buf, (uint32_t)sizeof buf);
        if (err == SLOOP_EFULL) {
            return; /* on_writable continues */
        }
        if (err != SLOOP_OK) {
            r->flood_left = 0U;
            r->close_after_flood = 0U;
            return;
        }
        r->flood_left--;
        r->flood_seq++;
    }
    if ((r->flood_left == 0U) && (r->close_after_flood != 0U)) {
        r->close_after_flood = 0U;
        (void)sloop_conn_close(w->loop, c);
    }
}

/* Every callback starts here: the handle must be one the application holds. */
static w_record *w_check_cb(world *w, sloop_loop *loop, sloop_conn c, const char *what)
{
    w_record *r = w_live(w, c);
    if (loop != w->loop) {
        W_FAIL(w, "%s: wrong loop pointer", what);
        return NULL;
    }
    if (r == NULL) {
        W_FAIL(w, "%s for handle %u/%u, which is closed or unknown", what, c.id, c.gen);
        return NULL;
    }
    if (r->opened == 0U) {
        W_FAIL(w, "%s for handle %u/%u before its on_open", what, c.id, c.gen);
    }
    if (!sloop_conn_valid(loop, c)) {
        W_FAIL(w, "%s for handle %u/%u, which the loop says is invalid", what, c.id, c.gen);
    }
    return r;
}

static void w_on_open(sloop_loop *loop, sloop_conn c, void *user)
{
    world *w = (world *)user;
    w_record *r = w_live(w, c);
    uint8_t g[8];
    if (loop != w->loop) {
        W_FAIL(w, "on_open: wrong loop pointer");
        return;
    }
    if (!sloop_conn_valid(loop, c)) {
        W_FAIL(w, "on_open for %u/%u, which the loop says is invalid", c.id, c.gen);
    }
    if (r != NULL) {
        if ((r->is_client == 0U) || (r->opened != 0U)) {
            W_FAIL(w, "on_open twice for %u/%u", c.id, c.gen);
            return;
        }
        r->opened = 1U;
        if (r->adopted != 0U) {
            w->on_open_adopted++;
        } else {
            w->on_open_client++;
        }
        (void)w_send(w, c, 'Q', "hello", 5U);
        return;
    }
    r = rec_new(w, c, false);
    if (r == NULL) {
        return;
    }
    r->opened = 1U;
    w->on_open_server++;
    put32(&g[0], c.id);
    put32(&g[4], c.gen);
    (void)w_send(w, c, 'G', g, 8U);
}

static void w_on_frame(sloop_loop *loop, sloop_conn c, const uint8_t *data, uint32_t len,
                       void *user)
{
    world *w = (world *)user;
    w_record *r = w_check_cb(w, loop, c, "on_frame");
    uint8_t hdr[2];
    w->on_frame++;
    if (r == NULL) {
        return;
    }
    r->frames_in++;
    hdr[0] = (uint8_t)(len >> 8);
    hdr[1] = (uint8_t)len;
    log_append(r->rxlog, &r->rx_len, &r->rx_over, hdr, 2U);
    log_append(r->rxlog, &r->rx_len, &r->rx_over, data, len);
    if (len == 0U) {
        return;
    }
    switch (data[0]) {
    case 'D':
        (void)w_send(w, c, 'E', &data[1], len - 1U);
        break;
    case 'C':
        (void)w_send(w, c, 'E', &data[1], len - 1U);
        (void)sloop_conn_close(loop, c);
        break;
    case 'A':
        (void)sloop_conn_abort(loop, c);
        if (sloop_send(loop, c, "x", 1U) != SLOOP_ECLOSING) {
            W_FAIL(w, "sloop_send after sloop_conn_abort did not return SLOOP_ECLOSING");
        }
        break;
    case 'K': /* close at once from the callback; later sends are refused */
        (void)sloop_conn_close(loop, c);
        if (sloop_send(loop, c, "x", 1U) != SLOOP_ECLOSING) {
            W_FAIL(w, "sloop_send after sloop_conn_close did not return SLOOP_ECLOSING");
        }
        break;
    case 'F':
        if (len >= 2U) {
            r->flood_left = data[1];
            r->close_after_flood = ((len >= 3U) && (data[2] != 0U)) ? 1U : 0U;
            w_flood(w, c, r);
        }
        break;
    default:
        break;
    }
}

static void w_on_writable(sloop_loop *loop, sloop_conn c, void *user)
{
    world *w = (world *)user;
    w_record *r = w_check_cb(w, loop, c, "on_writable");
    w->on_writable++;
    if ((r != NULL) && (r->flood_left > 0U)) {
        w_flood(w, c, r);
    }
}

static void w_on_close(sloop_loop *loop, sloop_conn c, sloop_close_reason reason, void *user)
{
    world *w = (world *)user;
    w_record *r = w_live(w, c);
    w->on_close++;
    if (loop != w->loop) {
        W_FAIL(w, "on_close: wrong loop pointer");
    }
    if ((unsigned)reason >= (unsigned)SLOOP_CLOSE_REASON_COUNT) {
        W_FAIL(w, "on_close with reason %d out of range", (int)reason);
        return;
    }
    w->closes[reason]++;
    if (r == NULL) {
        W_FAIL(w, "on_close (%s) for handle %u/%u, which is closed or was never opened",
               sloop_close_reason_name(reason), c.id, c.gen);
        return;
    }
    if (sloop_conn_valid(loop, c)) {
        W_FAIL(w, "on_close for %u/%u while the handle is still valid", c.id, c.gen);
    }
    /* The handle is dead: every call naming it must say so and change nothing. */
    if ((sloop_send(loop, c, "x", 1U) != SLOOP_ESTALE) ||
        (sloop_conn_close(loop, c) != SLOOP_ESTALE) || (sloop_conn_abort(loop, c) != SLOOP_ESTALE)) {
        W_FAIL(w, "a call naming %u/%u from its own on_close did not return SLOOP_ESTALE", c.id,
               c.gen);
    }
    r->closed = 1U;
    r->reason = (uint8_t)reason;
    w->live[c.id] = NULL;
    if (w->close_fn != NULL) {
        w->close_fn(w, r);
    }
}

void w_init(world *w, sloop_loop *loop, sloop_sim *sim, faultplan *fp, bool strict)
{
    uint32_t i;
    w->loop = loop;
    w->sim = sim;
    w->fp = fp;
    w->strict = strict;
    w->step_ms = (sim != NULL) ? 10 : 1;
    w->violations = 0U;
    w->first[0] = '\0';
    memset(&w->opts, 0, sizeof w->opts);
    w->opts.framing.mode = SLOOP_FRAME_LENGTH;
    w->opts.framing.header_size = 2U;
    w->opts.framing.max_payload = SLOOP_MAX_FRAME;
    w->handler.on_open = w_on_open;
    w->handler.on_frame = w_on_frame;
    w->handler.on_writable = w_on_writable;
    w->handler.on_close = w_on_close;
    w->have_listener = false;
    w->port = 0U;
    w->nrec = 0U;
    for (i = 0U; i < SLOOP_MAX_CONNS; i++) {
        w->live[i] = NULL;
    }
    w->on_open_server = 0U;
    w->on_open_client = 0U;
    w->on_open_adopted = 0U;
    w->on_frame = 0U;
    w->on_close = 0U;
    w->on_writable = 0U;
    memset(w->closes, 0, sizeof w->closes);
    w->send_efull = 0U;
    w->sends_ok = 0U;
    w->connects_ok = 0U;
    w->ntimers = 0U;
    w->timer_calls = 0U;
    w->timer_fn = NULL;
    w->close_fn = NULL;
    w->scenario = NULL;
    w->npeers = 0U;
}

sloop_err w_listen(world *w, const char *addr)
{
    sloop_listen_options lo;
    sloop_err err;
    memset(&lo, 0, sizeof lo);
    lo.addr = addr;
    lo.port = 0U;
    lo.backlog = 0;
    lo.conn = w->opts;
    lo.handler = &w->handler;
    lo.user = w;
    err = sloop_listen(w->loop, &lo, &w->listener);
    if (err == SLOOP_OK) {
        w->have_listener = true;
        err = sloop_listener_port(w->loop, w->listener, &w->port);
        if (err != SLOOP_OK) {
            (void)sloop_listener_close(w->loop, w->listener);
            w->have_listener = false;
        }
    }
    return err;
}

sloop_err w_connect(world *w, const char *addr, uint16_t port, uint32_t connect_timeout_ms,
                    uint32_t tag, sloop_conn *out)
{
    sloop_conn_options o = w->opts;
    sloop_err err;
    uint8_t g[8];
    o.connect_timeout_ms = connect_timeout_ms;
    err = sloop_connect(w->loop, addr, port, &o, &w->handler, w, out);
    if (err == SLOOP_OK) {
        w_record *r = rec_new(w, *out, true);
        w->connects_ok++;
        if (r != NULL) {
            r->tag = tag;
            put32(&g[0], out->id);
            put32(&g[4], out->gen);
            /* Queued while the connect is in progress: sent once it completes. */
            (void)w_send(w, *out, 'G', g, 8U);
        }
    }
    return err;
}

sloop_err w_adopt(world *w, const char *addr, uint16_t port, uint32_t tag, sloop_conn *out)
{
    const sloop_sys *sys = w->loop->sys;
    sloop_fd fd = SLOOP_FD_INVALID;
    sloop_err err;
    uint8_t g[8];
    int rc = sys->connect(sys->ctx, addr, port, &fd);
    if ((rc != SLOOP_SYS_OK) && (rc != SLOOP_SYS_EINPROGRESS)) {
        return SLOOP_ESYS;
    }
    if (rc != SLOOP_SYS_OK) {
        (void)sys->close(sys->ctx, fd); /* adopt takes connected sockets only */
        return SLOOP_ESYS;
    }
    err = sloop_conn_adopt(w->loop, fd, &w->opts, &w->handler, w, out);
    if (err != SLOOP_OK) {
        (void)sys->close(sys->ctx, fd); /* still ours */
        return err;
    }
    {
        w_record *r = rec_new(w, *out, true);
        if (r != NULL) {
            r->adopted = 1U;
            r->tag = tag;
            put32(&g[0], out->id);
            put32(&g[4], out->gen);
            (void)w_send(w, *out, 'G', g, 8U);
        }
    }
    return SLOOP_OK;
}

/* ---- Timers ---------------------------------------------------------------------------------- */

static void w_timer_cb(sloop_loop *loop, sloop_timer t, void *user)
{
    world *w = (world *)user;
    uint32_t i;
    uint32_t which = W_MAX_TIMERS;
    for (i = 0U; i < w->ntimers; i++) {
        if ((w->timers[i].live != 0U) && (w->timers[i].h.id == t.id) &&
            (w->timers[i].h.gen == t.gen)) {
            which = i;
        }
    }
    w->timer_calls++;
    if (loop != w->loop) {
        W_FAIL(w, "timer: wrong loop pointer");
    }
    if (which == W_MAX_TIMERS) {
        W_FAIL(w, "timer callback for %u/%u, which is stopped or unknown", t.id, t.gen);
        return;
    }
    w->timers[which].fired++;
    w->timers[which].rescheduled = 0U;
    if (w->timer_fn != NULL) {
        w->timer_fn(w, which);
    }
    if ((w->timers[which].period == 0U) && (w->timers[which].rescheduled == 0U) &&
        (w->timers[which].live != 0U)) {
        w->timers[which].live = 0U; /* a one-shot is done */
    }
}

sloop_err w_timer_start(world *w, uint32_t delay, uint32_t period, uint32_t *which)
{
    sloop_err err;
    if (w->ntimers >= W_MAX_TIMERS) {
        return SLOOP_ELIMIT;
    }
    err = sloop_timer_start(w->loop, delay, period, w_timer_cb, w, &w->timers[w->ntimers].h);
    if (err == SLOOP_OK) {
        w->timers[w->ntimers].live = 1U;
        w->timers[w->ntimers].fired = 0U;
        w->timers[w->ntimers].period = period;
        w->timers[w->ntimers].rescheduled = 0U;
        *which = w->ntimers;
        w->ntimers++;
    }
    return err;
}

sloop_err w_timer_stop(world *w, uint32_t which)
{
    sloop_err err = SLOOP_EINVAL;
    if (which < w->ntimers) {
        err = sloop_timer_stop(w->loop, w->timers[which].h);
        if ((err == SLOOP_OK) != (w->timers[which].live != 0U)) {
            W_FAIL(w, "sloop_timer_stop said %s for a timer that is %s", sloop_strerror(err),
                   (w->timers[which].live != 0U) ? "live" : "done");
        }
        w->timers[which].live = 0U;
    }
    return err;
}

sloop_err w_timer_reschedule(world *w, uint32_t which, uint32_t delay, uint32_t period)
{
    sloop_err err = SLOOP_EINVAL;
    if (which < w->ntimers) {
        err = sloop_timer_reschedule(w->loop, w->timers[which].h, delay, period);
        if (err == SLOOP_OK) {
            w->timers[which].period = period;
            w->timers[which].rescheduled = 1U;
        }
    }
    return err;
}

/* ---- Peers ------------------------------------------------------------------------------------ */

static int w_peer_new(world *w)
{
    w_peer *p;
    if (w->npeers >= W_MAX_PEERS) {
        W_FAIL(w, "more than %u peers", W_MAX_PEERS);
        return -1;
    }
    p = &w->peers[w->npeers];
    p->used = 1U;
    p->is_sock = 0U;
    p->eof = 0U;
    p->reset = 0U;
    p->rx_over = 0U;
    p->sim_id = 0U;
    p->sock = SLOOP_FD_INVALID;
    p->rx_len = 0U;
    p->tx_len = 0U;
    p->tx_over = 0U;
    p->script = 0U;
    p->aux = 0U;
    w->npeers++;
    return (int)(w->npeers - 1U);
}

int w_peer_add_sim(world *w, sloop_sim_peer id)
{
    int p = w_peer_new(w);
    if (p >= 0) {
        w->peers[p].sim_id = id;
    }
    return p;
}

int w_peer_connect_sim(world *w)
{
    sloop_sim_peer id = 0U;
    if ((w->sim == NULL) || !w->have_listener ||
        (sloop_sim_peer_connect(w->sim, "127.0.0.1", w->port, &id) != SLOOP_SYS_OK)) {
        return -1;
    }
    return w_peer_add_sim(w, id);
}

int w_peer_connect(world *w)
{
    sloop_fd s;
    int p;
    if (w->sim != NULL) {
        return w_peer_connect_sim(w);
    }
    if (!w->have_listener) {
        return -1;
    }
    s = tsock_tcp();
    if (s == SLOOP_FD_INVALID) {
        return -1;
    }
    /* Blocking connect: on loopback it completes within the call. */
    if (tsock_connect_loopback(s, w->port) != TSOCK_OK) {
        (void)tsock_close(s);
        return -1;
    }
    p = w_peer_add_sock(w, s);
    if (p < 0) {
        (void)tsock_close(s);
    }
    return p;
}

bool w_peer_conn(const world *w, int p, sloop_conn *out)
{
    const w_peer *pe;
    if ((p < 0) || ((uint32_t)p >= w->npeers)) {
        return false;
    }
    pe = &w->peers[p];
    if ((pe->rx_len >= 11U) && (pe->rx[0] == 0U) && (pe->rx[1] == 9U) && (pe->rx[2] == 'G')) {
        out->id = get32(&pe->rx[3]);
        out->gen = get32(&pe->rx[7]);
        return true;
    }
    return false;
}

int w_peer_add_sock(world *w, sloop_fd sock)
{
    int p;
    /* The peer never waits: every send and recv must return at once. */
    if (tsock_set_nonblocking(sock) != TSOCK_OK) {
        return -1;
    }
    p = w_peer_new(w);
    /* Peers write frames in pieces: without this, Nagle and delayed ACKs add
     * 40 ms to every run. */
    tsock_set_nodelay(sock);
    if (p >= 0) {
        w->peers[p].is_sock = 1U;
        w->peers[p].sock = sock;
    }
    return p;
}

uint32_t w_peer_write_raw(world *w, int p, const void *data, uint32_t len)
{
    w_peer *pe = &w->peers[p];
    uint32_t n = 0U;
    if (pe->is_sock != 0U) {
        if (pe->sock != SLOOP_FD_INVALID) {
            tsock_err err;
            long r = tsock_send(pe->sock, data, len, &err);
            n = (r > 0) ? (uint32_t)r : 0U;
        }
    } else {
        n = (uint32_t)sloop_sim_peer_write(w->sim, pe->sim_id, data, len);
    }
    if ((pe->tx_over == 0U) && (n <= W_PEER_LOG - pe->tx_len)) {
        memcpy(&pe->tx[pe->tx_len], data, n);
        pe->tx_len += n;
    } else {
        pe->tx_over = 1U;
    }
    return n;
}

bool w_peer_send(world *w, int p, uint8_t type, const void *payload, uint32_t len)
{
    uint8_t buf[3U + W_MAX_PAYLOAD];
    if ((p < 0) || (len > W_MAX_PAYLOAD)) {
        return false;
    }
    buf[0] = (uint8_t)((len + 1U) >> 8);
    buf[1] = (uint8_t)(len + 1U);
    buf[2] = type;
    if (len > 0U) {
        memcpy(&buf[3], payload, len);
    }
    return w_peer_write_raw(w, p, buf, len + 3U) == len + 3U;
}

uint32_t w_peer_pump_max(world *w, int p, uint32_t max)
{
    w_peer *pe;
    uint8_t scratch[4096];
    uint32_t guard;
    uint32_t total = 0U;
    if ((p < 0) || ((uint32_t)p >= w->npeers)) {
        return 0U;
    }
    pe = &w->peers[p];
    for (guard = 0U; (guard < 64U) && (total < max); guard++) {
        size_t n = 0U;
        uint8_t *dst = scratch;
        size_t cap = sizeof scratch;
        if ((pe->rx_over == 0U) && (pe->rx_len < W_PEER_LOG)) {
            dst = &pe->rx[pe->rx_len];
            cap = W_PEER_LOG - pe->rx_len;
        }
        if (cap > (size_t)(max - total)) {
            cap = (size_t)(max - total);
        }
        if (pe->is_sock != 0U) {
            tsock_err err = TSOCK_OK;
            long r;
            if (pe->sock == SLOOP_FD_INVALID) {
                break;
            }
            r = tsock_recv(pe->sock, dst, cap, &err);
            if (r == 0) {
                pe->eof = 1U;
                break;
            }
            if (r < 0) {
                if (err == TSOCK_RESET) {
                    pe->reset = 1U;
                }
                break;
            }
            n = (size_t)r;
        } else {
            unsigned st;
            n = sloop_sim_peer_read(w->sim, pe->sim_id, dst, cap);
            st = sloop_sim_peer_status(w->sim, pe->sim_id);
            pe->eof = ((st & SLOOP_SIM_PEER_EOF) != 0U) ? 1U : 0U;
            pe->reset = ((st & SLOOP_SIM_PEER_RESET) != 0U) ? 1U : 0U;
            if (n == 0U) {
                break;
            }
        }
        total += (uint32_t)n;
        if (dst == scratch) {
            pe->rx_over = 1U;
        } else {
            pe->rx_len += (uint32_t)n;
        }
    }
    return total;
}

void w_peer_pump(world *w, int p)
{
    (void)w_peer_pump_max(w, p, UINT32_MAX);
}

void w_pump_all(world *w)
{
    uint32_t i;
    for (i = 0U; i < w->npeers; i++) {
        w_peer_pump(w, (int)i);
    }
}

uint32_t w_peer_count(const world *w, int p, uint8_t type)
{
    const w_peer *pe;
    uint32_t pos = 0U;
    uint32_t count = 0U;
    if ((p < 0) || ((uint32_t)p >= w->npeers)) {
        return 0U;
    }
    pe = &w->peers[p];
    while (pos + 2U <= pe->rx_len) {
        uint32_t n = ((uint32_t)pe->rx[pos] << 8) | pe->rx[pos + 1U];
        if (pos + 2U + n > pe->rx_len) {
            break;
        }
        if ((n > 0U) && (pe->rx[pos + 2U] == type)) {
            count++;
        }
        pos += 2U + n;
    }
    return count;
}

void w_peer_shutdown(world *w, int p)
{
    if ((p < 0) || ((uint32_t)p >= w->npeers)) {
        return;
    }
    if (w->peers[p].is_sock != 0U) {
        if (w->peers[p].sock != SLOOP_FD_INVALID) {
            (void)tsock_shutdown_send(w->peers[p].sock);
        }
    } else {
        sloop_sim_peer_shutdown(w->sim, w->peers[p].sim_id);
    }
}

void w_peer_close(world *w, int p)
{
    if ((p < 0) || ((uint32_t)p >= w->npeers)) {
        return;
    }
    w_peer_pump(w, p);
    if (w->peers[p].is_sock != 0U) {
        if (w->peers[p].sock != SLOOP_FD_INVALID) {
            (void)tsock_close(w->peers[p].sock);
            w->peers[p].sock = SLOOP_FD_INVALID;
        }
    } else {
        sloop_sim_peer_close(w->sim, w->peers[p].sim_id);
    }
}

void w_peer_reset(world *w, int p)
{
    if ((p < 0) || ((uint32_t)p >= w->npeers)) {
        return;
    }
    if (w->peers[p].is_sock != 0U) {
        if (w->peers[p].sock != SLOOP_FD_INVALID) {
            tsock_set_linger_reset(w->peers[p].sock);
            (void)tsock_close(w->peers[p].sock);
            w->peers[p].sock = SLOOP_FD_INVALID;
        }
    } else {
        sloop_sim_peer_reset(w->sim, w->peers[p].sim_id);
    }
}

/* ---- Final checks ------------------------------------------------------------------------------ */

/* The peer whose first frame is the greeting of record r, or -1. */
static int w_peer_of(const world *w, const w_record *r)
{
    uint32_t i;
    for (i = 0U; i < w->npeers; i++) {
        const w_peer *pe = &w->peers[i];
        if ((pe->rx_len >= 11U) && (pe->rx[0] == 0U) && (pe->rx[1] == 9U) && (pe->rx[2] == 'G') &&
            (get32(&pe->rx[3]) == r->id) && (get32(&pe->rx[7]) == r->gen)) {
            return (int)i;
        }
    }
    return -1;
}

static void w_check_delivery(world *w)
{
    uint32_t i;
    for (i = 0U; i < w->nrec; i++) {
        const w_record *r = &w->rec[i];
        int p = w_peer_of(w, r);
        const w_peer *pe = (p >= 0) ? &w->peers[p] : NULL;
        bool must = (r->closed != 0U) && (r->reason == (uint8_t)SLOOP_CLOSE_LOCAL);
        if (pe == NULL) {
            if (must && (r->sent > 0U)) {
                W_FAIL(w, "%u/%u closed LOCAL after %u bytes were accepted, yet no peer got them",
                       r->id, r->gen, r->sent);
            }
            continue;
        }
        /* What arrived is always a prefix of what the application sent. */
        if ((r->log_over == 0U) && (pe->rx_over == 0U)) {
            uint32_t n = (pe->rx_len < r->sent) ? pe->rx_len : r->sent;
            if ((pe->rx_len > r->sent) || (memcmp(pe->rx, r->log, n) != 0)) {
                W_FAIL(w, "%u/%u: peer received %u bytes that are not a prefix of the %u sent",
                       r->id, r->gen, pe->rx_len, r->sent);
            } else if (must && (pe->rx_len != r->sent)) {
                W_FAIL(w, "%u/%u closed LOCAL but its peer got %u of %u accepted bytes", r->id,
                       r->gen, pe->rx_len, r->sent);
            } else {
                /* delivered */
            }
        }
        if (must && (w->sim != NULL) && (pe->is_sock == 0U) &&
            (r->log_over == 0U) &&
            (sloop_sim_peer_moved_to_peer(w->sim, pe->sim_id) != (uint64_t)r->sent)) {
            W_FAIL(w, "%u/%u closed LOCAL but its sendv moved %llu of %u bytes", r->id, r->gen,
                   (unsigned long long)sloop_sim_peer_moved_to_peer(w->sim, pe->sim_id), r->sent);
        }
        /* What the application received is a prefix of what the peer wrote:
         * framing lost, added or reordered nothing, whatever the read split. */
        if ((r->rx_over == 0U) && (pe->tx_over == 0U)) {
            if ((r->rx_len > pe->tx_len) || (memcmp(r->rxlog, pe->tx, r->rx_len) != 0)) {
                W_FAIL(w, "%u/%u: frames received (%u bytes) are not a prefix of the %u the peer wrote",
                       r->id, r->gen, r->rx_len, pe->tx_len);
            }
        }
    }
}

static void w_check_tables(world *w)
{
    const sloop_loop *l = w->loop;
    if (sloop_slots_open_count(&l->conn_slots) != 0U) {
        W_FAIL(w, "%u connection slots open after sloop_close", sloop_slots_open_count(&l->conn_slots));
    }
    if (sloop_slots_open_count(&l->listener_slots) != 0U) {
        W_FAIL(w, "listener slots open after sloop_close");
    }
    if (sloop_slots_open_count(&l->watch_slots) != 0U) {
        W_FAIL(w, "watcher slots open after sloop_close");
    }
    if ((sloop_slots_open_count(&l->timers.ids) != 0U) || (sloop_timerq_armed_count(&l->timers) != 0U) ||
        (l->user_timers != 0U)) {
        W_FAIL(w, "timers left after sloop_close: %u ids, %u armed, %u user",
               sloop_slots_open_count(&l->timers.ids), sloop_timerq_armed_count(&l->timers),
               l->user_timers);
    }
    if ((l->pending_count != 0U) || (l->read_pending_count != 0U) || (l->pfd_count != 0U) ||
        (l->change_count != 0U)) {
        W_FAIL(w, "work left after sloop_close: pending %u, read_pending %u, pollfds %u, changes %u",
               l->pending_count, l->read_pending_count, l->pfd_count, l->change_count);
    }
}

static void w_check_counters(world *w)
{
    const sloop_counters *k = &w->loop->counters;
    uint64_t sum = 0U;
    uint32_t i;
    if (k->accepts != w->on_open_server) {
        W_FAIL(w, "counters.accepts %llu but on_open ran for %u accepted connections",
               (unsigned long long)k->accepts, w->on_open_server);
    }
    if (k->connects != w->on_open_client) {
        W_FAIL(w, "counters.connects %llu but on_open ran for %u outgoing connections",
               (unsigned long long)k->connects, w->on_open_client);
    }
    if (k->frames_in != w->on_frame) {
        W_FAIL(w, "counters.frames_in %llu, on_frame calls %u", (unsigned long long)k->frames_in,
               w->on_frame);
    }
    if (k->frames_out != w->sends_ok) {
        W_FAIL(w, "counters.frames_out %llu, sloop_send OK %u", (unsigned long long)k->frames_out,
               w->sends_ok);
    }
    if (k->send_full != w->send_efull) {
        W_FAIL(w, "counters.send_full %llu, EFULL seen %u", (unsigned long long)k->send_full,
               w->send_efull);
    }
    for (i = 0U; i < (uint32_t)SLOOP_CLOSE_REASON_COUNT; i++) {
        sum += k->closes[i];
        if (k->closes[i] != w->closes[i]) {
            W_FAIL(w, "counters.closes[%s] %llu, on_close with it %u",
                   sloop_close_reason_name((sloop_close_reason)i), (unsigned long long)k->closes[i],
                   w->closes[i]);
        }
    }
    if (sum != w->on_close) {
        W_FAIL(w, "closes counted %llu, on_close calls %u", (unsigned long long)sum, w->on_close);
    }
    if (w->on_close != w->nrec) {
        W_FAIL(w, "%u connections known to the application, %u on_close calls", w->nrec, w->on_close);
    }
    if (k->timers_fired != w->timer_calls) {
        W_FAIL(w, "counters.timers_fired %llu, timer callbacks %u",
               (unsigned long long)k->timers_fired, w->timer_calls);
    }
    if ((k->bytes_in != w->fp->bytes_recv) || (k->bytes_out != w->fp->bytes_sent)) {
        W_FAIL(w, "bytes in/out %llu/%llu, sys table moved %llu/%llu",
               (unsigned long long)k->bytes_in, (unsigned long long)k->bytes_out,
               (unsigned long long)w->fp->bytes_recv, (unsigned long long)w->fp->bytes_sent);
    }
    if ((w->fp->accepts_ok < k->accepts) || (w->fp->accepts_ok - k->accepts > k->accept_errors)) {
        W_FAIL(w, "sys accepted %llu, loop counted %llu accepts and %llu accept errors",
               (unsigned long long)w->fp->accepts_ok, (unsigned long long)k->accepts,
               (unsigned long long)k->accept_errors);
    }
    if (w->sim != NULL) {
        const sloop_sim_stats *st = sloop_sim_stats_get(w->sim);
        if ((st->bytes_to_loop != w->fp->bytes_recv) || (st->bytes_to_peer != w->fp->bytes_sent) ||
            (st->accepts != w->fp->accepts_ok)) {
            W_FAIL(w, "plan and sim disagree on bytes or accepts");
        }
    }
}

void w_dump(const world *w)
{
    uint32_t i;
    printf("    violations: %u\n", w->violations);
    for (i = 0U; i < w->nrec; i++) {
        const w_record *r = &w->rec[i];
        printf("    conn %u/%u %s tag %u opened %u closed %u (%s) sent %u frames_in %u\n", r->id,
               r->gen, (r->is_client != 0U) ? "client" : "server", r->tag, r->opened, r->closed,
               (r->closed != 0U) ? sloop_close_reason_name((sloop_close_reason)r->reason) : "-",
               r->sent, r->frames_in);
    }
    for (i = 0U; i < w->npeers; i++) {
        const w_peer *pe = &w->peers[i];
        printf("    peer %u sim %u script %u rx %u tx %u eof %u reset %u\n", i, pe->sim_id,
               pe->script, pe->rx_len, pe->tx_len, pe->eof, pe->reset);
    }
    printf("    loop counters: accepts %llu connects %llu frames in/out %llu/%llu wakeups %llu\n",
           (unsigned long long)w->loop->counters.accepts,
           (unsigned long long)w->loop->counters.connects,
           (unsigned long long)w->loop->counters.frames_in,
           (unsigned long long)w->loop->counters.frames_out,
           (unsigned long long)w->loop->counters.wakeups);
}

void w_finish(world *w)
{
    uint32_t i;
    sloop_err err = sloop_close(w->loop);
    if ((err != SLOOP_OK) && (err != SLOOP_EINVAL)) {
        W_FAIL(w, "sloop_close: %s", sloop_strerror(err));
    }
    if (w->sim != NULL) {
        /* Every connection the sim made has a peer, registered or not. */
        uint32_t n = sloop_sim_peer_count(w->sim);
        sloop_sim_peer id;
        for (id = 0U; id < n; id++) {
            bool known = false;
            for (i = 0U; (i < w->npeers) && !known; i++) {
                known = (w->peers[i].is_sock == 0U) && (w->peers[i].sim_id == id);
            }
            if (!known) {
                (void)w_peer_add_sim(w, id);
            }
        }
    }
    w_pump_all(w);
    for (i = 0U; i < w->nrec; i++) {
        if (w->rec[i].closed == 0U) {
            W_FAIL(w, "%u/%u never got on_close", w->rec[i].id, w->rec[i].gen);
        }
    }
    w_check_tables(w);
    w_check_counters(w);
    w_check_delivery(w);
    if (!fp_fds_all_closed_once(w->fp)) {
        W_FAIL(w, "descriptors: %u still open, %llu closes of unknown ones, %llu reused while open",
               w->fp->nopen, (unsigned long long)w->fp->bad_closes,
               (unsigned long long)w->fp->fd_reused_open);
    }
    if (w->sim != NULL) {
        const sloop_sim_stats *st = sloop_sim_stats_get(w->sim);
        if (!sloop_sim_all_closed_once(w->sim)) {
            W_FAIL(w, "sim: %u of %u descriptors open, %llu bad closes, %llu uses of closed ones",
                   sloop_sim_fds_open(w->sim), sloop_sim_fds_handed_out(w->sim),
                   (unsigned long long)st->bad_closes, (unsigned long long)st->bad_fd_calls);
        }
        if ((st->hangs != 0U) || (st->nval != 0U)) {
            W_FAIL(w, "sim: %llu hangs, %llu POLLNVAL", (unsigned long long)st->hangs,
                   (unsigned long long)st->nval);
        }
    }
    if (w->fp->over_limit) {
        W_FAIL(w, "call budget of %llu sys calls exceeded (the loop spun)",
               (unsigned long long)w->fp->call_limit);
    }
    for (i = 0U; i < w->npeers; i++) {
        if ((w->peers[i].is_sock != 0U) && (w->peers[i].sock != SLOOP_FD_INVALID)) {
            (void)tsock_close(w->peers[i].sock);
            w->peers[i].sock = SLOOP_FD_INVALID;
        }
    }
}
