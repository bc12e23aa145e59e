/*
 * conn.c - a connection's life: open, read and deliver frames, queue and flush
 * sends, time out, close.
 *
 * Promises kept here:
 *  - Every descriptor a connection owns is closed exactly once, in
 *    sloop__conn_finish, which is also the only place that frees the slot and
 *    calls on_close (last, after the handle became invalid).
 *  - API calls never run callbacks: closes and first sends are recorded and
 *    carried out by sloop__pending_run after the current callback returns.
 *  - Reads are bounded per wakeup (SLOOP_READ_BUDGET) so a flooding peer cannot
 *    starve the others; with edge-triggered epoll a connection that stops at
 *    its budget is carried over to the next iteration (no edge would come).
 *  - Timeouts use one heap timer per connection, armed at the earliest of its
 *    deadlines. Traffic does not touch the heap: the idle deadline only moves
 *    later, so the timer is re-armed lazily when it fires early.
 */
#include "loop/internal.h"

/* Outcome of draining a connection's socket. */
typedef enum conn_read_result {
    CONN_READ_DRAINED, /* EAGAIN: nothing more for now */
    CONN_READ_BUDGET,  /* stopped at the read budget; data may remain */
    CONN_READ_PAUSED,  /* reading was paused from a callback */
    CONN_READ_GONE     /* the connection closed or started closing */
} conn_read_result;

static sloop_conn conn_handle(const sloop_loop *loop, uint32_t index)
{
    sloop_conn h;
    h.id = index;
    h.gen = loop->conn_gen[index];
    return h;
}

/* Index of a live connection handle, or false. */
static bool conn_lookup(const sloop_loop *loop, sloop_conn h, uint32_t *index)
{
    sloop_slot_ref ref;
    bool ok = (loop != NULL) && (loop->magic == SLOOP__MAGIC);
    if (ok) {
        ref.index = h.id;
        ref.gen = h.gen;
        ok = sloop_slots_valid(&loop->conn_slots, ref);
        *index = h.id;
    }
    return ok;
}

static void conn_pending_add(sloop_loop *loop, uint32_t index)
{
    sloop__conn *c = &loop->conns[index];
    /* At most one entry per slot (in_pending), so the count stays below the
     * table's size; the bound is tested too, so that no forged or corrupted
     * flag can write past pending[]. */
    if ((c->in_pending == 0U) && (loop->pending_count < SLOOP_MAX_CONNS)) {
        c->in_pending = 1U;
        loop->pending[loop->pending_count] = index; /* at most one entry per slot */
        loop->pending_count++;
    }
}

static void conn_pending_remove(sloop_loop *loop, uint32_t index)
{
    uint32_t i;
    if (loop->conns[index].in_pending != 0U) {
        loop->conns[index].in_pending = 0U;
        for (i = 0U; i < loop->pending_count; i++) {
            if (loop->pending[i] == index) {
                loop->pending_count--;
                loop->pending[i] = loop->pending[loop->pending_count];
                break;
            }
        }
    }
}

static void conn_set_read_pending(sloop_loop *loop, sloop__conn *c, bool on)
{
    if (on && (c->read_pending == 0U)) {
        c->read_pending = 1U;
        loop->read_pending_count++;
    } else if (!on && (c->read_pending != 0U)) {
        c->read_pending = 0U;
        loop->read_pending_count--;
    } else {
        /* unchanged */
    }
}

/* ---- Timeouts ------------------------------------------------------------------- */

static void deadline_min(bool *have, sloop_tick *best, sloop_tick candidate)
{
    if (!*have || sloop_tick_before(candidate, *best)) {
        *best = candidate;
        *have = true;
    }
}

/* The earliest deadline this connection has now, if any. */
static bool conn_next_deadline(const sloop__conn *c, sloop_tick *out)
{
    bool have = false;
    if ((c->state == SLOOP__CONN_CONNECTING) || (c->state == SLOOP__CONN_CLOSING)) {
        deadline_min(&have, out, c->close_deadline);
    }
    if ((c->state == SLOOP__CONN_OPEN) && (c->opts.idle_timeout_ms > 0U)) {
        deadline_min(&have, out, sloop_tick_add(c->last_activity, c->opts.idle_timeout_ms));
    }
    if ((c->state == SLOOP__CONN_OPEN) && (c->frame_active != 0U) &&
        (c->opts.frame_timeout_ms > 0U)) {
        deadline_min(&have, out, sloop_tick_add(c->frame_start, c->opts.frame_timeout_ms));
    }
    return have;
}

/* Arms the connection's timer if its earliest deadline is earlier than the one
 * armed (or none is armed). A later deadline is left for the lazy re-arm. */
static void conn_timer_update(sloop_loop *loop, sloop__conn *c)
{
    sloop_tick d;
    if (conn_next_deadline(c, &d)) {
        bool armed = sloop_timerq_armed(&loop->timers, c->timer);
        if ((c->state == SLOOP__CONN_CONNECTING) && (loop->backend == SLOOP_BACKEND_WSAPOLL)) {
            /* WSAPoll may never report a failed connect: probe (win32.c). */
            sloop_tick probe = sloop_tick_add(loop->now, SLOOP__CONNECT_PROBE_MS);
            d = sloop_tick_before(probe, d) ? probe : d;
        }
        if (!armed || sloop_tick_before(d, loop->timers.t[c->timer.index].deadline)) {
            (void)sloop_timerq_arm(&loop->timers, c->timer, loop->now,
                                   sloop_tick_remaining(loop->now, d), 0U);
        }
    }
}

static void conn_connect_done(sloop_loop *loop, uint32_t index);
static void conn_frame_error(sloop_loop *loop, uint32_t index, sloop_close_reason reason);

void sloop__conn_timer_fired(sloop_loop *loop, uint32_t index)
{
    sloop__conn *c = &loop->conns[index];
    sloop_tick now = loop->now;
    if (c->close_now != 0U) {
        /* Aborted earlier in this timer pass (from a user timer's callback):
         * the abort stands and is finished with its own reason in step 7; a
         * deadline of a connection the user has let go of reports nothing
         * (no on_frame_error, no timeout reason). */
        return; /* the pending abort stands */
    }
    if (c->state == SLOOP__CONN_CONNECTING) {
        if (sloop_tick_reached(now, c->close_deadline)) {
            sloop__conn_finish(loop, index, SLOOP_CLOSE_CONNECT_TIMEOUT);
            return;
        }
        if (loop->backend == SLOOP_BACKEND_WSAPOLL) {
            conn_connect_done(loop, index); /* the probe: EINPROGRESS keeps waiting */
            if (c->state == SLOOP__CONN_FREE) {
                return;
            }
        }
    } else if (c->state == SLOOP__CONN_CLOSING) {
        if (sloop_tick_reached(now, c->close_deadline)) {
            sloop__conn_finish(loop, index, SLOOP_CLOSE_LINGER_TIMEOUT);
            return;
        }
    } else if (c->state == SLOOP__CONN_OPEN) {
        if ((c->opts.idle_timeout_ms > 0U) &&
            sloop_tick_reached(now, sloop_tick_add(c->last_activity, c->opts.idle_timeout_ms))) {
            sloop__conn_finish(loop, index, SLOOP_CLOSE_IDLE_TIMEOUT);
            return;
        }
        if ((c->frame_active != 0U) && (c->opts.frame_timeout_ms > 0U) &&
            sloop_tick_reached(now, sloop_tick_add(c->frame_start, c->opts.frame_timeout_ms))) {
            conn_frame_error(loop, index, SLOOP_CLOSE_SLOW_PEER);
            return;
        }
    } else {
        return;
    }
    conn_timer_update(loop, c); /* fired early for a deadline that moved later */
}

/* ---- Open and close --------------------------------------------------------------- */

bool sloop__conn_options_valid(const sloop_conn_options *opts)
{
    return (opts != NULL) && (opts->framing.max_payload <= SLOOP_MAX_FRAME) &&
           sloop_frame_config_valid(&opts->framing, SLOOP_RX_BUF_SIZE) &&
           (opts->idle_timeout_ms <= SLOOP_TICK_MAX_DELAY) &&
           (opts->frame_timeout_ms <= SLOOP_TICK_MAX_DELAY) &&
           (opts->linger_ms <= SLOOP_TICK_MAX_DELAY) &&
           (opts->connect_timeout_ms <= SLOOP_TICK_MAX_DELAY);
}

sloop_err sloop__conn_open(sloop_loop *loop, sloop_fd fd, uint8_t state,
                           const sloop_conn_options *opts, const sloop_handler *handler,
                           void *user, sloop_conn *out)
{
    sloop_slot_ref ref;
    sloop__conn *c;
    sloop_err err;

    if (!sloop_slots_open(&loop->conn_slots, &ref)) {
        return SLOOP_ELIMIT;
    }
    c = &loop->conns[ref.index];
    c->state = state;
    c->close_reason = (uint8_t)SLOOP_CLOSE_LOCAL;
    c->close_now = 0U;
    c->in_pending = 0U;
    c->tx_was_full = 0U;
    c->read_paused = 0U;
    c->read_pending = 0U;
    c->open_pending = 0U;
    c->fd_dead = 0U;
    c->frame_active = 0U;
    c->is_client = 0U;
    c->opts = *opts;
    if (c->opts.linger_ms == 0U) {
        c->opts.linger_ms = SLOOP__DEFAULT_LINGER_MS;
    }
    if (c->opts.connect_timeout_ms == 0U) {
        c->opts.connect_timeout_ms = SLOOP__DEFAULT_CONNECT_MS;
    }
    c->handler = handler;
    c->user = user;
    c->last_activity = loop->now;
    c->frame_start = loop->now;
    c->close_deadline = sloop_tick_add(loop->now, c->opts.connect_timeout_ms);
    (void)sloop_frame_decoder_init(&c->dec, &opts->framing, c->rx_buf, SLOOP_RX_BUF_SIZE);
    sloop_ring_init(&c->tx, c->tx_buf, SLOOP_TX_BUF_SIZE);
    /* The heap has one timer per connection slot beyond the user timers, so
     * this cannot fail while the connection slot could be opened. */
    (void)sloop_timerq_alloc(&loop->timers, &c->timer);
    loop->timer_owner[c->timer.index].conn = ref.index;

    c->reg.fd = fd;
    c->reg.token = sloop__token(SLOOP__KIND_CONN, ref.index, ref.gen);
    c->reg.want = (state == SLOOP__CONN_CONNECTING) ? SLOOP_WRITABLE : SLOOP_READABLE;
    err = sloop__backend_add(loop, &c->reg, true);
    if (err != SLOOP_OK) {
        (void)sloop_timerq_release(&loop->timers, c->timer);
        c->state = SLOOP__CONN_FREE;
        (void)sloop_slots_close(&loop->conn_slots, ref);
        return err; /* the caller still owns fd */
    }
    conn_timer_update(loop, c);
    out->id = ref.index;
    out->gen = ref.gen;
    return SLOOP_OK;
}

void sloop__conn_finish(sloop_loop *loop, uint32_t index, sloop_close_reason reason)
{
    sloop__conn *c = &loop->conns[index];
    sloop_conn h = conn_handle(loop, index);
    sloop_slot_ref ref;
    const sloop_handler *handler = c->handler;
    void *user = c->user;

    if (c->state == SLOOP__CONN_FREE) {
        return;
    }
    sloop__backend_remove(loop, &c->reg);
    if (c->fd_dead == 0U) {
        int rc = loop->sys->close(loop->sys->ctx, c->reg.fd);
        if (rc != SLOOP_SYS_OK) {
            /* The descriptor is gone either way (POSIX leaves it closed even on
             * EINTR); counted so an assessor can see it happened. */
            (void)sloop__sys_failed(loop, rc);
        }
    }
    c->reg.fd = SLOOP_FD_INVALID;
    (void)sloop_timerq_release(&loop->timers, c->timer);
    conn_pending_remove(loop, index);
    conn_set_read_pending(loop, c, false);
    c->state = SLOOP__CONN_FREE;
    ref.index = h.id;
    ref.gen = h.gen;
    (void)sloop_slots_close(&loop->conn_slots, ref);
    loop->counters.closes[reason]++;
    /* A descriptor was freed: listeners paused for the fd limit may retry now.
     * The pause is lifted by sloop__listeners_update (later this iteration),
     * which also makes an edge-triggered listener look at its backlog again:
     * connections that queued during the pause raise no new edge. */
    if ((loop->accept_paused & SLOOP__PAUSE_FD_LIMIT) != 0U) {
        loop->accept_resume_at = loop->now;
    }
    /* Last: the handle is already invalid, so nothing the callback does can
     * reach this connection again. */
    if ((handler != NULL) && (handler->on_close != NULL)) {
        handler->on_close(loop, h, reason, user);
    }
}

void sloop__conn_request_close(sloop_loop *loop, uint32_t index, sloop_close_reason reason,
                               bool abort_now)
{
    sloop__conn *c = &loop->conns[index];
    if (c->state == SLOOP__CONN_FREE) {
        return;
    }
    if (abort_now || (c->state == SLOOP__CONN_CONNECTING) || (c->close_now != 0U)) {
        /* Never connected: nothing queued could be sent, so it is an abort.
         * Already aborting: a later graceful close must not turn the abort
         * (data discarded) into a LOCAL close (data sent). */
        if (c->close_now == 0U) {
            c->close_now = 1U;
            c->close_reason = (uint8_t)(((c->state == SLOOP__CONN_CONNECTING) && !abort_now)
                                            ? SLOOP_CLOSE_ABORT
                                            : reason);
        }
    } else if (c->state == SLOOP__CONN_OPEN) {
        c->state = SLOOP__CONN_CLOSING;
        c->close_reason = (uint8_t)reason;
        c->close_deadline = sloop_tick_add(loop->now, c->opts.linger_ms);
        conn_set_read_pending(loop, c, false);
        conn_timer_update(loop, c);
    } else {
        /* already closing: the first reason stands */
    }
    conn_pending_add(loop, index);
}

void sloop__conn_request_open(sloop_loop *loop, uint32_t index)
{
    loop->conns[index].open_pending = 1U;
    conn_pending_add(loop, index);
}

/* ---- Sending -------------------------------------------------------------------------- */

static uint8_t conn_wanted_events(const sloop__conn *c)
{
    uint8_t want = 0U;
    if (c->state == SLOOP__CONN_CONNECTING) {
        want = SLOOP_WRITABLE;
    } else {
        if ((c->state == SLOOP__CONN_OPEN) && (c->read_paused == 0U)) {
            want = SLOOP_READABLE;
        }
        if (sloop_ring_count(&c->tx) > 0U) {
            want = (uint8_t)(want | SLOOP_WRITABLE);
        }
    }
    return want;
}

static sloop_close_reason conn_reason_of(int sys_code)
{
    return ((sys_code == SLOOP_SYS_ECONNRESET) || (sys_code == SLOOP_SYS_EPIPE))
               ? SLOOP_CLOSE_RESET
               : SLOOP_CLOSE_IO_ERROR;
}

/* Sends queued bytes until the ring is empty or the socket is full. Returns
 * false if the connection was closed by a send error. */
static bool conn_flush(sloop_loop *loop, uint32_t index)
{
    sloop__conn *c = &loop->conns[index];
    uint32_t eintr = 0U;
    while (sloop_ring_count(&c->tx) > 0U) {
        sloop_ring_view v[2];
        sloop_iov iov[2];
        size_t sent = 0U;
        uint32_t nv = sloop_ring_views(&c->tx, v);
        uint32_t want_bytes = v[0].len + v[1].len;
        int rc;
        iov[0].base = v[0].data;
        iov[0].len = v[0].len;
        iov[1].base = v[1].data;
        iov[1].len = v[1].len;
        rc = loop->sys->sendv(loop->sys->ctx, c->reg.fd, iov, nv, &sent);
        if (rc == SLOOP_SYS_EINTR) {
            (void)sloop__sys_failed(loop, rc);
            loop->counters.eintr++;
            eintr++;
            if (eintr >= SLOOP__EINTR_RETRIES) {
                /* Retried as pending work: the socket is still writable, so an
                 * edge-triggered backend would raise no new edge for it. */
                conn_pending_add(loop, index);
                break;
            }
            continue;
        }
        if (rc == SLOOP_SYS_EAGAIN) {
            (void)sloop__sys_failed(loop, rc);
            break;
        }
        if (rc != SLOOP_SYS_OK) {
            (void)sloop__sys_failed(loop, rc);
            sloop__conn_finish(loop, index, conn_reason_of(rc));
            return false;
        }
        if (sent > (size_t)want_bytes) {
            sent = want_bytes; /* a sys table claiming more than asked is not trusted */
        }
        loop->counters.bytes_out += sent;
        if (sent > 0U) {
            c->last_activity = loop->now;
        }
        if (sent == (size_t)want_bytes) {
            /* All of it (the usual case): emptying the ring is what consuming
             * its whole count does, without the wrap arithmetic, and the ring
             * need not be asked again whether anything is left. */
            sloop_ring_clear(&c->tx);
            break;
        }
        (void)sloop_ring_consume(&c->tx, (uint32_t)sent);
        if ((loop->backend != SLOOP_BACKEND_EPOLL_ET) || (sent == 0U)) {
            /* Socket buffer full: wait for writability. Edge-triggered, a
             * short write does not prove it (the sys table may send less for
             * its own reasons) and no edge would follow, so go on to EAGAIN;
             * each pass sends at least one byte, so the ring bounds it. */
            break;
        }
    }
    return true;
}

sloop_err sloop_send(sloop_loop *loop, sloop_conn conn, const void *data, uint32_t len)
{
    uint32_t index = 0U;
    sloop__conn *c;
    uint8_t hdr[SLOOP_FRAME_MAX_HEADER] = {0}; /* only hdr[0 .. hdr_len) is appended */
    uint32_t hdr_len = 0U;
    uint32_t space;

    if (!conn_lookup(loop, conn, &index)) {
        return (loop == NULL) ? SLOOP_EINVAL : SLOOP_ESTALE;
    }
    if ((data == NULL) && (len > 0U)) {
        return SLOOP_EINVAL;
    }
    c = &loop->conns[index];
    if ((c->state == SLOOP__CONN_CLOSING) || (c->close_now != 0U)) {
        return SLOOP_ECLOSING;
    }
    if (c->opts.framing.mode == SLOOP_FRAME_LENGTH) {
        sloop_frame_config tx_cfg = c->opts.framing;
        tx_cfg.max_payload = UINT32_MAX; /* our own frames are bounded by the ring */
        if (!sloop_frame_encode_header(&tx_cfg, len, hdr, &hdr_len)) {
            return SLOOP_ETOOBIG; /* not representable in header_size bytes */
        }
    }
    space = sloop_ring_space(&c->tx);
    if ((len > space) || (hdr_len > (space - len))) {
        /* Either it can never fit (the ring's whole capacity is
         * SLOOP_TX_BUF_SIZE) or not now. Tested only when it does not fit
         * now: the space left is never more than the capacity. */
        if ((len > SLOOP_TX_BUF_SIZE) || (hdr_len > (SLOOP_TX_BUF_SIZE - len))) {
            return SLOOP_ETOOBIG;
        }
        c->tx_was_full = 1U;
        loop->counters.send_full++;
        return SLOOP_EFULL;
    }
    /* Header and payload in one append (it fits: checked above). An empty
     * payload may come as NULL, so the header's own buffer stands in for it:
     * the ring reads no byte of an empty part, but its pointer must be real. */
    (void)sloop_ring_append2(&c->tx, hdr, hdr_len,
                             (len > 0U) ? (const uint8_t *)data : hdr, len);
    loop->counters.frames_out++;
    conn_pending_add(loop, index); /* flushed once after the current callbacks */
    return SLOOP_OK;
}

/* ---- Pending work: opens, sends, closes, after callbacks return ------------------- */

static void conn_pending_one(sloop_loop *loop, uint32_t index)
{
    sloop__conn *c = &loop->conns[index];
    if (c->open_pending != 0U) {
        c->open_pending = 0U;
        if ((c->handler->on_open != NULL) && (c->close_now == 0U)) {
            c->handler->on_open(loop, conn_handle(loop, index), c->user);
        }
    }
    if (c->close_now != 0U) {
        sloop__conn_finish(loop, index, (sloop_close_reason)c->close_reason);
        return;
    }
    if ((c->state == SLOOP__CONN_OPEN) || (c->state == SLOOP__CONN_CLOSING)) {
        if (!conn_flush(loop, index)) {
            return;
        }
        if ((c->state == SLOOP__CONN_CLOSING) && (sloop_ring_count(&c->tx) == 0U)) {
            sloop__conn_finish(loop, index, (sloop_close_reason)c->close_reason);
            return;
        }
        if ((c->tx_was_full != 0U) && (sloop_ring_count(&c->tx) == 0U) &&
            (c->state == SLOOP__CONN_OPEN)) {
            c->tx_was_full = 0U;
            if (c->handler->on_writable != NULL) {
                c->handler->on_writable(loop, conn_handle(loop, index), c->user);
            }
        }
    }
    if (c->state != SLOOP__CONN_FREE) {
        sloop__backend_set_want(loop, &c->reg, conn_wanted_events(c));
    }
}

void sloop__pending_run(sloop_loop *loop)
{
    /* Each pass handles every connection at most a few times; callbacks that
     * keep adding work are bounded and the rest waits for the next iteration. */
    uint32_t budget = 4U * SLOOP_MAX_CONNS;
    while ((loop->pending_count > 0U) && (budget > 0U)) {
        uint32_t index = loop->pending[0];
        loop->pending_count--;
        loop->pending[0] = loop->pending[loop->pending_count];
        loop->conns[index].in_pending = 0U;
        budget--;
        if (loop->conns[index].state != SLOOP__CONN_FREE) {
            conn_pending_one(loop, index);
        }
    }
}

/* ---- Receiving ------------------------------------------------------------------------ */

/* A framing error (too big, too long, slow peer) ends the connection. Without
 * opts.on_frame_error it closes at once, queued data discarded. With it, the
 * connection is still open during the call so the user can queue a last reply;
 * then it closes gracefully (no more reads, flush within linger_ms) and on_close
 * keeps the framing reason, also when the callback closed it itself. An abort
 * from the callback closes at once: nothing queued is sent. */
static void conn_frame_error(sloop_loop *loop, uint32_t index, sloop_close_reason reason)
{
    sloop__conn *c = &loop->conns[index];
    if (c->opts.on_frame_error == NULL) {
        sloop__conn_finish(loop, index, reason);
        return;
    }
    c->opts.on_frame_error(loop, conn_handle(loop, index), reason, c->user);
    if (c->close_now != 0U) {
        sloop__conn_finish(loop, index, reason);
    } else {
        sloop__conn_request_close(loop, index, reason, false);
        c->close_reason = (uint8_t)reason;
    }
}

/* Feeds one received chunk to the decoder and delivers every complete frame.
 * Returns false when the connection closed or started closing. */
static bool conn_deliver(sloop_loop *loop, uint32_t index, const uint8_t *data, uint32_t len)
{
    sloop__conn *c = &loop->conns[index];
    uint32_t pos = 0U;
    bool completed_any = false;
    while (pos < len) {
        sloop_frame frame = {NULL, 0U}; /* set by the decoder when it returns READY */
        uint32_t used = 0U;
        sloop_frame_status st =
            sloop_frame_decoder_feed(&c->dec, &data[pos], len - pos, &used, &frame);
        pos += used;
        if (st == SLOOP_FRAME_READY) {
            completed_any = true;
            loop->counters.frames_in++;
            if (c->handler->on_frame != NULL) {
                c->handler->on_frame(loop, conn_handle(loop, index), frame.data, frame.len,
                                     c->user);
            }
            if ((c->state != SLOOP__CONN_OPEN) || (c->close_now != 0U)) {
                return false; /* closed from the callback: the rest is discarded */
            }
        } else if (st == SLOOP_FRAME_NEED_MORE) {
            break;
        } else {
            conn_frame_error(loop, index, (st == SLOOP_FRAME_TOO_BIG)
                                              ? SLOOP_CLOSE_FRAME_TOO_BIG
                                              : SLOOP_CLOSE_FRAME_TOO_LONG);
            return false;
        }
    }
    /* Slow-peer clock: starts when a frame starts, restarts per frame. */
    if (sloop_frame_decoder_in_frame(&c->dec)) {
        if ((c->frame_active == 0U) || completed_any) {
            c->frame_active = 1U;
            c->frame_start = loop->now;
            conn_timer_update(loop, c);
        }
    } else {
        c->frame_active = 0U;
    }
    return true;
}

static void conn_peer_closed(sloop_loop *loop, uint32_t index)
{
    sloop__conn *c = &loop->conns[index];
    if (sloop_ring_count(&c->tx) > 0U) {
        /* The peer may only have shut down its sending side: flush what we
         * owe it, then close. */
        sloop__conn_request_close(loop, index, SLOOP_CLOSE_PEER, false);
    } else {
        sloop__conn_finish(loop, index, SLOOP_CLOSE_PEER);
    }
}

/* to_end: read on past short reads until EAGAIN, the end, an error or the budget
 * (after an error or hang-up event, whose cause may come only after the data
 * still queued; edge-triggered, when the peer's end of stream is known to be
 * in or the event that announced it may have been used up). */
static conn_read_result conn_read(sloop_loop *loop, uint32_t index, bool to_end)
{
    sloop__conn *c = &loop->conns[index];
    uint32_t budget = SLOOP_READ_BUDGET;
    uint32_t eintr = 0U;
    while (budget > 0U) {
        uint32_t ask = (budget < SLOOP_READ_CHUNK) ? budget : SLOOP_READ_CHUNK;
        size_t got = 0U;
        int rc = loop->sys->recv(loop->sys->ctx, c->reg.fd, loop->scratch, ask, &got);
        if (rc == SLOOP_SYS_EAGAIN) {
            (void)sloop__sys_failed(loop, rc);
            return CONN_READ_DRAINED;
        }
        if (rc == SLOOP_SYS_EINTR) {
            (void)sloop__sys_failed(loop, rc);
            loop->counters.eintr++;
            eintr++;
            if (eintr >= SLOOP__EINTR_RETRIES) {
                return CONN_READ_BUDGET; /* try again next iteration */
            }
            continue;
        }
        if (rc != SLOOP_SYS_OK) {
            (void)sloop__sys_failed(loop, rc);
            sloop__conn_finish(loop, index, conn_reason_of(rc));
            return CONN_READ_GONE;
        }
        if (got == 0U) {
            conn_peer_closed(loop, index);
            return CONN_READ_GONE;
        }
        if (got > (size_t)ask) {
            got = ask; /* never trust a sys table to stay inside the buffer */
        }
        loop->counters.bytes_in += got;
        c->last_activity = loop->now;
        if (!conn_deliver(loop, index, loop->scratch, (uint32_t)got)) {
            return CONN_READ_GONE;
        }
        if (c->read_paused != 0U) {
            return CONN_READ_PAUSED; /* resumed by sloop_conn_pause_read(false) */
        }
        budget -= (uint32_t)got;
        if (((uint32_t)got < ask) && !to_end) {
            /* A short read: the buffer is empty for now (see
             * conn_read_past_short for when that is not enough). */
            return CONN_READ_DRAINED;
        }
    }
    return CONN_READ_BUDGET;
}

/* Whether an edge-triggered read must go on past a short read (to EAGAIN, the
 * end, an error or the budget) for this event. The OS's recv on a stream
 * socket returns less than asked only when the receive queue is empty at that
 * moment, and data that arrives later raises a new edge; but an end of stream
 * that came with this event raises none once its data is read, and epoll says
 * so with EPOLLRDHUP (SLOOP__EV_RDHUP). Another sys table promises
 * nothing of the kind (tests make recv short at will): unless it says so
 * (recv_short_is_empty), every edge-triggered read goes on to EAGAIN.
 * Level-triggered backends report a socket again while it has data or its
 * end, so a short read always ends the read. */
static bool conn_read_past_short(const sloop_loop *loop, uint32_t flags)
{
    return (loop->backend == SLOOP_BACKEND_EPOLL_ET) &&
           (((flags & SLOOP__EV_RDHUP) != 0U) || (loop->sys->recv_short_is_empty == 0U));
}

/* inline: GCC -O2 then folds it into sloop__conn_event, and the read of each
 * received message saves a call with its register spills (echo benchmark,
 * docs/benchmarks.md); sloop__conn_continue_read gets its own copy. */
static inline void conn_read_and_carry(sloop_loop *loop, uint32_t index, bool error_seen,
                                       bool to_end)
{
    conn_read_result r = conn_read(loop, index, error_seen || to_end);
    if (r == CONN_READ_GONE) {
        return;
    }
    conn_set_read_pending(loop, &loop->conns[index],
                          (r == CONN_READ_BUDGET) && (loop->backend == SLOOP_BACKEND_EPOLL_ET));
    if (error_seen && (r == CONN_READ_DRAINED)) {
        /* Error or hang-up reported, yet recv saw neither data, end nor error. */
        sloop__conn_finish(loop, index, SLOOP_CLOSE_IO_ERROR);
    }
}

void sloop__conn_continue_read(sloop_loop *loop, uint32_t index)
{
    sloop__conn *c = &loop->conns[index];
    conn_set_read_pending(loop, c, false);
    if ((c->state == SLOOP__CONN_OPEN) && (c->read_paused == 0U) && (c->close_now == 0U)) {
        /* Carried over (budget, pause, EINTR): the event that said the peer's
         * end is in may be used up, so edge-triggered reads go to the end. */
        conn_read_and_carry(loop, index, false, loop->backend == SLOOP_BACKEND_EPOLL_ET);
    }
}

static void conn_connect_done(sloop_loop *loop, uint32_t index)
{
    sloop__conn *c = &loop->conns[index];
    int rc = loop->sys->connect_result(loop->sys->ctx, c->reg.fd);
    if (rc == SLOOP_SYS_EINPROGRESS) {
        return; /* not decided yet (a WSAPoll probe, or a spurious wakeup) */
    }
    if (rc != SLOOP_SYS_OK) {
        (void)sloop__sys_failed(loop, rc);
        sloop__conn_finish(loop, index, SLOOP_CLOSE_CONNECT_FAILED);
        return;
    }
    c->state = SLOOP__CONN_OPEN;
    c->last_activity = loop->now;
    loop->counters.connects++;
    c->open_pending = 1U;
    conn_pending_add(loop, index); /* on_open, then flush what was queued */
    sloop__backend_set_want(loop, &c->reg, conn_wanted_events(c));
}

void sloop__conn_event(sloop_loop *loop, uint32_t index, uint32_t flags)
{
    sloop__conn *c = &loop->conns[index];
    if ((flags & SLOOP__EV_NVAL) != 0U) {
        c->fd_dead = 1U; /* someone else closed it: never close that number again */
        sloop__conn_finish(loop, index, SLOOP_CLOSE_BAD_FD);
        return;
    }
    if (c->close_now != 0U) {
        /* Aborted earlier in this batch: the abort stands, and the pending
         * pass (already queued) finishes it. Not read (no frame follows an
         * abort), not asked how its connect went (ABORT, not CONNECT_FAILED;
         * no on_open). */
        return; /* the abort stands in the batch */
    }
    if (c->state == SLOOP__CONN_CONNECTING) {
        if ((flags & (SLOOP_WRITABLE | SLOOP_ERROR)) != 0U) {
            conn_connect_done(loop, index);
        }
        return;
    }
    /* A paused connection is still read on error or hang-up, so that it closes
     * with its true reason instead of being reported again and again. */
    if ((c->state == SLOOP__CONN_OPEN) &&
        ((((flags & SLOOP_READABLE) != 0U) && (c->read_paused == 0U)) ||
         ((flags & SLOOP_ERROR) != 0U))) {
        conn_read_and_carry(loop, index, (flags & SLOOP_ERROR) != 0U,
                            conn_read_past_short(loop, flags));
        if (c->state == SLOOP__CONN_FREE) {
            return;
        }
    }
    if (((flags & (SLOOP_WRITABLE | SLOOP_ERROR)) != 0U) &&
        ((sloop_ring_count(&c->tx) > 0U) || (c->state == SLOOP__CONN_CLOSING))) {
        conn_pending_add(loop, index);
    }
}

/* ---- Public connection API --------------------------------------------------------- */

static bool conn_api_args_ok(const sloop_loop *loop, const sloop_conn_options *opts,
                             const sloop_handler *handler, const sloop_conn *out)
{
    return (loop != NULL) && (loop->magic == SLOOP__MAGIC) && (handler != NULL) &&
           (out != NULL) && sloop__conn_options_valid(opts);
}

sloop_err sloop_connect(sloop_loop *loop, const char *addr, uint16_t port,
                        const sloop_conn_options *opts, const sloop_handler *handler,
                        void *user, sloop_conn *out)
{
    sloop_fd fd = SLOOP_FD_INVALID;
    sloop_err err;
    int rc;
    if (!conn_api_args_ok(loop, opts, handler, out) || (addr == NULL) || (port == 0U)) {
        return SLOOP_EINVAL;
    }
    if (loop->shutting_down != 0U) {
        return SLOOP_ESTATE;
    }
    if (sloop_slots_open_count(&loop->conn_slots) >= SLOOP_MAX_CONNS) {
        return SLOOP_ELIMIT;
    }
    loop->now = loop->sys->now_ms(loop->sys->ctx);
    rc = loop->sys->connect(loop->sys->ctx, addr, port, &fd);
    if ((rc != SLOOP_SYS_OK) && (rc != SLOOP_SYS_EINPROGRESS)) {
        (void)sloop__sys_failed(loop, rc);
        return (rc == SLOOP_SYS_EINVAL) ? SLOOP_EINVAL : SLOOP_ESYS;
    }
    err = sloop__conn_open(loop, fd,
                           (rc == SLOOP_SYS_OK) ? SLOOP__CONN_OPEN : SLOOP__CONN_CONNECTING,
                           opts, handler, user, out);
    if (err != SLOOP_OK) {
        (void)loop->sys->close(loop->sys->ctx, fd);
        return err;
    }
    loop->conns[out->id].is_client = 1U;
    if (rc == SLOOP_SYS_OK) {
        loop->counters.connects++;
        loop->conns[out->id].open_pending = 1U;
        conn_pending_add(loop, out->id);
    }
    return SLOOP_OK;
}

sloop_err sloop_conn_adopt(sloop_loop *loop, sloop_fd fd, const sloop_conn_options *opts,
                           const sloop_handler *handler, void *user, sloop_conn *out)
{
    sloop_err err;
    if (!conn_api_args_ok(loop, opts, handler, out) || (fd == SLOOP_FD_INVALID)) {
        return SLOOP_EINVAL;
    }
    if (loop->shutting_down != 0U) {
        return SLOOP_ESTATE;
    }
    loop->now = loop->sys->now_ms(loop->sys->ctx);
    err = sloop__conn_open(loop, fd, SLOOP__CONN_OPEN, opts, handler, user, out);
    if (err == SLOOP_OK) {
        loop->conns[out->id].open_pending = 1U;
        conn_pending_add(loop, out->id);
    }
    return err;
}

sloop_err sloop_conn_close(sloop_loop *loop, sloop_conn conn)
{
    uint32_t index = 0U;
    if (!conn_lookup(loop, conn, &index)) {
        return (loop == NULL) ? SLOOP_EINVAL : SLOOP_ESTALE;
    }
    sloop__conn_request_close(loop, index, SLOOP_CLOSE_LOCAL, false);
    return SLOOP_OK;
}

sloop_err sloop_conn_abort(sloop_loop *loop, sloop_conn conn)
{
    uint32_t index = 0U;
    if (!conn_lookup(loop, conn, &index)) {
        return (loop == NULL) ? SLOOP_EINVAL : SLOOP_ESTALE;
    }
    sloop__conn_request_close(loop, index, SLOOP_CLOSE_ABORT, true);
    return SLOOP_OK;
}

sloop_err sloop_conn_pause_read(sloop_loop *loop, sloop_conn conn, bool paused)
{
    uint32_t index = 0U;
    sloop__conn *c;
    if (!conn_lookup(loop, conn, &index)) {
        return (loop == NULL) ? SLOOP_EINVAL : SLOOP_ESTALE;
    }
    c = &loop->conns[index];
    if (paused && (c->read_paused == 0U)) {
        c->read_paused = 1U;
        c->tx_was_full = 1U; /* on_writable once the ring is empty */
        conn_set_read_pending(loop, c, false);
    } else if (!paused && (c->read_paused != 0U)) {
        c->read_paused = 0U;
        /* Edge-triggered: what arrived while paused raised its edge already. */
        conn_set_read_pending(loop, c, (loop->backend == SLOOP_BACKEND_EPOLL_ET) &&
                                           (c->state == SLOOP__CONN_OPEN));
    } else {
        /* unchanged */
    }
    conn_pending_add(loop, index); /* interest updated after the callback */
    return SLOOP_OK;
}

sloop_err sloop_conn_expect(sloop_loop *loop, sloop_conn conn, uint32_t n)
{
    uint32_t index = 0U;
    sloop__conn *c;
    if (!conn_lookup(loop, conn, &index)) {
        return (loop == NULL) ? SLOOP_EINVAL : SLOOP_ESTALE;
    }
    c = &loop->conns[index];
    if ((n == 0U) || (n > c->opts.framing.max_payload)) {
        return SLOOP_EINVAL;
    }
    /* n <= max_payload <= SLOOP_MAX_FRAME < SLOOP_RX_BUF_SIZE, so the decoder
     * refuses only for its state: mid-frame, an expect pending, or an error
     * (which an open connection never keeps). */
    if ((c->state != SLOOP__CONN_OPEN) || (c->close_now != 0U) ||
        !sloop_frame_decoder_expect(&c->dec, n)) {
        return SLOOP_ESTATE;
    }
    /* The frame has started: the slow-peer clock runs from now. conn_deliver,
     * when this is called from on_frame, restarts it after the read anyway. */
    if (c->frame_active == 0U) {
        c->frame_active = 1U;
        c->frame_start = loop->now;
        conn_timer_update(loop, c);
    }
    return SLOOP_OK;
}

sloop_err sloop_conn_tx_queued(sloop_loop *loop, sloop_conn conn, uint32_t *queued,
                               uint32_t *space)
{
    uint32_t index = 0U;
    if (!conn_lookup(loop, conn, &index)) {
        return (loop == NULL) ? SLOOP_EINVAL : SLOOP_ESTALE;
    }
    if (queued != NULL) {
        *queued = sloop_ring_count(&loop->conns[index].tx);
    }
    if (space != NULL) {
        *space = sloop_ring_space(&loop->conns[index].tx);
    }
    return SLOOP_OK;
}

bool sloop_conn_valid(const sloop_loop *loop, sloop_conn conn)
{
    uint32_t index = 0U;
    return conn_lookup(loop, conn, &index);
}

sloop_err sloop_conn_set_user(sloop_loop *loop, sloop_conn conn, void *user)
{
    uint32_t index = 0U;
    if (!conn_lookup(loop, conn, &index)) {
        return (loop == NULL) ? SLOOP_EINVAL : SLOOP_ESTALE;
    }
    loop->conns[index].user = user;
    return SLOOP_OK;
}
