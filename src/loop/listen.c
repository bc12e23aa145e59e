/*
 * listen.c - listening sockets and the accept path.
 *
 * Policy when connections cannot be taken (docs/design.md, "Table full"):
 *  - Connection table full: listeners stop being polled. Pending connections
 *    wait in the kernel backlog (the kernel refuses beyond it); existing
 *    connections are untouched; polling resumes as soon as a slot frees.
 *  - Any accept error other than EAGAIN, EINTR and ECONNABORTED (EMFILE,
 *    ENFILE, ENOBUFS, ENOMEM, or a persistent failure): the same pause, lifted
 *    when a connection closes (a descriptor came back) or after
 *    SLOOP__ACCEPT_BACKOFF_MS, whichever is first. Without the pause a
 *    level-triggered listener would spin on the same error.
 * Both are counted in accept_pauses; accept failures in accept_errors.
 * Accepts per listener per wakeup are capped by SLOOP_ACCEPT_BUDGET.
 */
#include "loop/internal.h"

static bool listener_lookup(const sloop_loop *loop, sloop_listener l, uint32_t *index)
{
    sloop_slot_ref ref;
    bool ok = (loop != NULL) && (loop->magic == SLOOP__MAGIC);
    if (ok) {
        ref.index = l.id;
        ref.gen = l.gen;
        ok = sloop_slots_valid(&loop->listener_slots, ref);
        *index = l.id;
    }
    return ok;
}

static void listener_pause(sloop_loop *loop, uint8_t why)
{
    if ((loop->accept_paused & why) == 0U) {
        loop->counters.accept_pauses++;
    }
    loop->accept_paused = (uint8_t)(loop->accept_paused | why);
    if (why == SLOOP__PAUSE_FD_LIMIT) {
        loop->accept_resume_at = sloop_tick_add(loop->now, SLOOP__ACCEPT_BACKOFF_MS);
    }
    sloop__listeners_update(loop);
}

/* Recomputes the pause state and each listener's read interest. */
void sloop__listeners_update(sloop_loop *loop)
{
    uint32_t i;
    uint8_t before = loop->accept_paused;
    uint8_t want;
    bool listening;
    bool table_full = (sloop_slots_open_count(&loop->conn_slots) >= SLOOP_MAX_CONNS);
    /* Runs twice per iteration. The usual case, nothing paused and the table
     * not full, changes nothing and is skipped: no pause bit to set or lift,
     * and every listener already wants READABLE (only this function and
     * sloop_listen set a listener's interest, and both choose READABLE when
     * nothing is paused). */
    if ((before != 0U) || table_full) {
        if (table_full) {
            loop->accept_paused = (uint8_t)(loop->accept_paused | SLOOP__PAUSE_TABLE_FULL);
        } else {
            loop->accept_paused = (uint8_t)(loop->accept_paused & ~SLOOP__PAUSE_TABLE_FULL);
        }
        if (((loop->accept_paused & SLOOP__PAUSE_FD_LIMIT) != 0U) &&
            sloop_tick_reached(loop->now, loop->accept_resume_at)) {
            loop->accept_paused = (uint8_t)(loop->accept_paused & ~SLOOP__PAUSE_FD_LIMIT);
        }
        if ((loop->accept_paused & ~before) != 0U) {
            loop->counters.accept_pauses++;
        }
        want = (loop->accept_paused == 0U) ? SLOOP_READABLE : 0U;
        /* A loop without listeners skips the table walk. */
        listening = (sloop_slots_open_count(&loop->listener_slots) > 0U);
        for (i = 0U; (i < SLOOP__NONZERO(SLOOP_MAX_LISTENERS)) && listening; i++) {
            sloop__listener *l = &loop->listeners[i];
            if (l->reg.added != 0U) {
                sloop__backend_set_want(loop, &l->reg, want);
                if ((before != 0U) && (want != 0U)) {
                    /* Edge-triggered: connections that queued while paused raise
                     * no new edge, so look once. Harmless when level-triggered. */
                    l->accept_pending = 1U;
                }
            }
        }
    }
}

void sloop__listener_event(sloop_loop *loop, uint32_t index)
{
    sloop__listener *l = &loop->listeners[index];
    uint32_t n = 0U;
    uint32_t eintr = 0U;
    while ((n < SLOOP_ACCEPT_BUDGET) && (loop->accept_paused == 0U)) {
        sloop_fd fd = SLOOP_FD_INVALID;
        sloop_conn conn;
        int rc;
        if (sloop_slots_open_count(&loop->conn_slots) >= SLOOP_MAX_CONNS) {
            listener_pause(loop, SLOOP__PAUSE_TABLE_FULL);
            break;
        }
        rc = loop->sys->accept(loop->sys->ctx, l->reg.fd, &fd);
        if (rc == SLOOP_SYS_OK) {
            n++;
            if (sloop__conn_open(loop, fd, SLOOP__CONN_OPEN, &l->opts.conn, l->opts.handler,
                                 l->opts.user, &conn) != SLOOP_OK) {
                loop->counters.accept_errors++;
                (void)loop->sys->close(loop->sys->ctx, fd);
            } else {
                loop->counters.accepts++;
                loop->conns[conn.id].open_pending = 1U;
                sloop__conn_request_open(loop, conn.id);
            }
            continue;
        }
        (void)sloop__sys_failed(loop, rc);
        if (rc == SLOOP_SYS_EAGAIN) {
            return; /* backlog drained */
        }
        if (rc == SLOOP_SYS_EINTR) {
            loop->counters.eintr++;
            eintr++;
            if (eintr >= SLOOP__EINTR_RETRIES) {
                break;
            }
            continue;
        }
        loop->counters.accept_errors++;
        if (rc == SLOOP_SYS_ECONNABORTED) {
            n++; /* that peer gave up; the next one may be fine */
            continue;
        }
        /* Descriptor or memory exhaustion, and any other error (Linux passes a
         * new connection's network error such as EPROTO to accept; a broken
         * listener gives EBADF or EINVAL for ever): back off for
         * SLOOP__ACCEPT_BACKOFF_MS. A level-triggered listener would otherwise
         * be reported again at once and spin the CPU on the same error. */
        listener_pause(loop, SLOOP__PAUSE_FD_LIMIT);
        break;
    }
    if ((loop->backend == SLOOP_BACKEND_EPOLL_ET) && (loop->accept_paused == 0U)) {
        l->accept_pending = 1U; /* budget used up: no new edge will come */
    }
}

sloop_err sloop_listen(sloop_loop *loop, const sloop_listen_options *opts, sloop_listener *out)
{
    sloop_slot_ref ref;
    sloop__listener *l;
    sloop_fd fd = SLOOP_FD_INVALID;
    sloop_err err;
    int rc;
    if ((loop == NULL) || (loop->magic != SLOOP__MAGIC) || (opts == NULL) || (out == NULL) ||
        (opts->handler == NULL) || (opts->backlog < 0) ||
        !sloop__conn_options_valid(&opts->conn)) {
        return SLOOP_EINVAL;
    }
    if (loop->shutting_down != 0U) {
        return SLOOP_ESTATE;
    }
    if (!sloop_slots_open(&loop->listener_slots, &ref)) {
        return SLOOP_ELIMIT;
    }
    rc = loop->sys->listen(loop->sys->ctx, opts->addr, opts->port,
                           (opts->backlog == 0) ? 128 : opts->backlog, &fd);
    if (rc != SLOOP_SYS_OK) {
        (void)sloop__sys_failed(loop, rc);
        (void)sloop_slots_close(&loop->listener_slots, ref);
        return (rc == SLOOP_SYS_EINVAL) ? SLOOP_EINVAL : SLOOP_ESYS;
    }
    l = &loop->listeners[ref.index];
    l->opts = *opts;
    l->accept_pending = 0U;
    l->reg.fd = fd;
    l->reg.token = sloop__token(SLOOP__KIND_LISTENER, ref.index, ref.gen);
    l->reg.want = (loop->accept_paused == 0U) ? SLOOP_READABLE : 0U;
    err = sloop__backend_add(loop, &l->reg, true);
    if (err != SLOOP_OK) {
        (void)loop->sys->close(loop->sys->ctx, fd);
        (void)sloop_slots_close(&loop->listener_slots, ref);
        return err;
    }
    out->id = ref.index;
    out->gen = ref.gen;
    return SLOOP_OK;
}

sloop_err sloop_listener_port(sloop_loop *loop, sloop_listener l, uint16_t *port)
{
    uint32_t index = 0U;
    int rc;
    if (port == NULL) {
        return SLOOP_EINVAL;
    }
    if (!listener_lookup(loop, l, &index)) {
        return (loop == NULL) ? SLOOP_EINVAL : SLOOP_ESTALE;
    }
    rc = loop->sys->local_port(loop->sys->ctx, loop->listeners[index].reg.fd, port);
    if (rc != SLOOP_SYS_OK) {
        (void)sloop__sys_failed(loop, rc);
        return SLOOP_ESYS;
    }
    return SLOOP_OK;
}

static void listener_close_index(sloop_loop *loop, uint32_t index)
{
    sloop__listener *l = &loop->listeners[index];
    sloop_slot_ref ref;
    if (sloop_slots_ref_at(&loop->listener_slots, index, &ref)) {
        sloop__backend_remove(loop, &l->reg);
        (void)loop->sys->close(loop->sys->ctx, l->reg.fd);
        l->reg.fd = SLOOP_FD_INVALID;
        l->accept_pending = 0U;
        (void)sloop_slots_close(&loop->listener_slots, ref);
    }
}

sloop_err sloop_listener_close(sloop_loop *loop, sloop_listener l)
{
    uint32_t index = 0U;
    if (!listener_lookup(loop, l, &index)) {
        return (loop == NULL) ? SLOOP_EINVAL : SLOOP_ESTALE;
    }
    listener_close_index(loop, index);
    return SLOOP_OK;
}

void sloop__listeners_close_all(sloop_loop *loop)
{
    uint32_t i;
    for (i = 0U; i < SLOOP__NONZERO(SLOOP_MAX_LISTENERS); i++) {
        listener_close_index(loop, i);
    }
}
