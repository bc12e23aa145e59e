/*
 * epoll.c - the Linux epoll backend, level-triggered or edge-triggered.
 *
 * Notes on epoll, and what this file does about each:
 *  - Interest changes cost a system call each. The loop changes interest often
 *    (write interest comes and goes with queued data), so changes are queued and
 *    applied once before the next wait, and only if the kernel's registered
 *    interest (`have`) still differs from the wanted one. A connection whose TX
 *    drains within the iteration that filled it never costs an epoll_ctl.
 *  - Edge-triggered mode registers read and write interest once and never
 *    changes it, plus EPOLLRDHUP. The loop must then read until the kernel has
 *    no more (a short read or EAGAIN; new data raises a new edge) or remember
 *    to continue when its read budget runs out, since no new edge will come.
 *    An end of stream that came with the data raises no edge of its own once
 *    the data is read: EPOLLRDHUP says it is there (SLOOP__EV_RDHUP), and the
 *    loop then reads on to the end.
 *  - The kernel keeps watching a file description, not a descriptor number: a
 *    descriptor duplicated elsewhere (dup, fork) stays in the set after close.
 *    So registrations are always removed with EPOLL_CTL_DEL before close.
 *  - EPOLLERR and EPOLLHUP are always reported; they are folded into
 *    SLOOP_ERROR plus readable and writable, as in poll.c.
 *  - Each event carries a 64-bit token with the owner's generation: an event
 *    for a connection closed earlier in the same batch is recognised as stale.
 */
#include "loop/internal.h"

#if SLOOP_HAVE_EPOLL

static uint32_t epoll_events_of(uint8_t want)
{
    uint32_t ev = 0U;
    if ((want & SLOOP_READABLE) != 0U) {
        ev |= (uint32_t)EPOLLIN;
    }
    if ((want & SLOOP_WRITABLE) != 0U) {
        ev |= (uint32_t)EPOLLOUT;
    }
    return ev;
}

sloop_err sloop__epoll_init(sloop_loop *loop)
{
    sloop_err err = SLOOP_OK;
    int rc;
    if (loop->sys->epoll_create == NULL) {
        return SLOOP_EBACKEND;
    }
    rc = loop->sys->epoll_create(loop->sys->ctx, &loop->epfd);
    if (rc != SLOOP_SYS_OK) {
        (void)sloop__sys_failed(loop, rc);
        loop->epfd = SLOOP_FD_INVALID;
        err = SLOOP_ESYS;
    }
    return err;
}

void sloop__epoll_fini(sloop_loop *loop)
{
    if (loop->epfd != SLOOP_FD_INVALID) {
        (void)loop->sys->close(loop->sys->ctx, loop->epfd);
        loop->epfd = SLOOP_FD_INVALID;
    }
}

/* Edge-triggered registrations carry read and write interest for good. */
#define EPOLL_EDGE_MARK 0x80U

sloop_err sloop__epoll_add(sloop_loop *loop, sloop__reg *reg, bool edge)
{
    sloop_err err = SLOOP_OK;
    uint32_t ev;
    int rc;
    if (edge) {
        ev = (uint32_t)EPOLLIN | (uint32_t)EPOLLOUT | (uint32_t)EPOLLRDHUP | (uint32_t)EPOLLET;
        reg->have = (uint8_t)(SLOOP_READABLE | SLOOP_WRITABLE | EPOLL_EDGE_MARK);
    } else {
        ev = epoll_events_of(reg->want);
        reg->have = reg->want;
    }
    rc = loop->sys->epoll_ctl(loop->sys->ctx, loop->epfd, EPOLL_CTL_ADD, reg->fd, ev, reg->token);
    if (rc != SLOOP_SYS_OK) {
        (void)sloop__sys_failed(loop, rc);
        err = SLOOP_ESYS;
    } else {
        reg->added = 1U;
    }
    return err;
}

sloop_err sloop__epoll_readd(sloop_loop *loop, sloop__reg *reg)
{
    bool edge = ((reg->have & EPOLL_EDGE_MARK) != 0U);
    if (!edge) {
        reg->have = reg->want;
    }
    return sloop__epoll_add(loop, reg, edge);
}

static void epoll_forget_change(sloop_loop *loop, const sloop__reg *reg)
{
    uint32_t i;
    for (i = 0U; i < loop->change_count; i++) {
        if (loop->changes[i] == reg) {
            loop->change_count--;
            loop->changes[i] = loop->changes[loop->change_count];
            break;
        }
    }
}

void sloop__epoll_remove(sloop_loop *loop, sloop__reg *reg)
{
    int rc;
    if (reg->dirty != 0U) {
        epoll_forget_change(loop, reg);
        reg->dirty = 0U;
    }
    rc = loop->sys->epoll_ctl(loop->sys->ctx, loop->epfd, EPOLL_CTL_DEL, reg->fd, 0U, 0U);
    if (rc != SLOOP_SYS_OK) {
        /* Nothing to undo: the fd is closed next, which drops it from the set
         * unless it was duplicated. Counted, not fatal. */
        (void)sloop__sys_failed(loop, rc);
    }
}

sloop_err sloop__epoll_flush_changes(sloop_loop *loop)
{
    uint32_t i;
    uint32_t kept = 0U;
    for (i = 0U; i < loop->change_count; i++) {
        sloop__reg *reg = loop->changes[i];
        reg->dirty = 0U;
        if ((reg->added != 0U) && ((reg->have & EPOLL_EDGE_MARK) == 0U) &&
            (reg->have != reg->want)) {
            int rc = loop->sys->epoll_ctl(loop->sys->ctx, loop->epfd, EPOLL_CTL_MOD, reg->fd,
                                          epoll_events_of(reg->want), reg->token);
            if (rc != SLOOP_SYS_OK) {
                /* The kernel keeps the old interest. The change stays queued and
                 * is retried before the next wait: the loop may never set this
                 * want again (a TX queue that stays full would wait for ever). */
                (void)sloop__sys_failed(loop, rc);
                reg->dirty = 1U;
                loop->changes[kept] = reg; /* kept <= i: compacts in place */
                kept++;
            } else {
                reg->have = reg->want;
            }
        }
    }
    loop->change_count = kept;
    return SLOOP_OK;
}

static uint32_t epoll_flags_of(uint32_t ev)
{
    uint32_t f = 0U;
    /* The usual events, translated without the tests below: a level-triggered
     * read, and an edge-triggered one (that registration has both interests). */
    if (ev == (uint32_t)EPOLLIN) {
        return SLOOP_READABLE;
    }
    if (ev == ((uint32_t)EPOLLIN | (uint32_t)EPOLLOUT)) {
        return SLOOP_READABLE | SLOOP_WRITABLE;
    }
    if ((ev & (uint32_t)EPOLLIN) != 0U) {
        f |= SLOOP_READABLE;
    }
    if ((ev & (uint32_t)EPOLLOUT) != 0U) {
        f |= SLOOP_WRITABLE;
    }
    if ((ev & ((uint32_t)EPOLLERR | (uint32_t)EPOLLHUP)) != 0U) {
        f |= SLOOP_ERROR | SLOOP_READABLE | SLOOP_WRITABLE;
    }
    if ((ev & (uint32_t)EPOLLRDHUP) != 0U) {
        f |= SLOOP__EV_RDHUP | SLOOP_READABLE; /* the end of stream is readable */
    }
    return f;
}

sloop_err sloop__epoll_wait(sloop_loop *loop, int timeout_ms, uint32_t *n)
{
    uint32_t got = 0U;
    uint32_t i;
    sloop_err err = SLOOP_OK;
    int rc = loop->sys->epoll_wait(loop->sys->ctx, loop->epfd, loop->ep_events, SLOOP_MAX_EVENTS,
                                   timeout_ms, &got);
    if (rc != SLOOP_SYS_OK) {
        (void)sloop__sys_failed(loop, rc);
        if (rc == SLOOP_SYS_EINTR) {
            loop->counters.eintr++;
        } else {
            err = SLOOP_ESYS;
        }
        got = 0U;
    }
    if (got > SLOOP_MAX_EVENTS) {
        got = SLOOP_MAX_EVENTS; /* a misbehaving sys table must not overrun */
    }
    for (i = 0U; i < got; i++) {
        loop->events[i].token = loop->ep_events[i].data.u64;
        loop->events[i].flags = epoll_flags_of(loop->ep_events[i].events);
    }
    *n = got;
    return err;
}

#else /* !SLOOP_HAVE_EPOLL: never selected (sloop__backend_available says no) */

sloop_err sloop__epoll_init(sloop_loop *loop) { (void)loop; return SLOOP_EBACKEND; }
void sloop__epoll_fini(sloop_loop *loop) { (void)loop; }
sloop_err sloop__epoll_add(sloop_loop *loop, sloop__reg *reg, bool edge)
{
    (void)loop; (void)reg; (void)edge;
    return SLOOP_EBACKEND;
}
void sloop__epoll_remove(sloop_loop *loop, sloop__reg *reg) { (void)loop; (void)reg; }
sloop_err sloop__epoll_readd(sloop_loop *loop, sloop__reg *reg)
{
    (void)loop; (void)reg;
    return SLOOP_EBACKEND;
}
sloop_err sloop__epoll_flush_changes(sloop_loop *loop) { (void)loop; return SLOOP_EBACKEND; }
sloop_err sloop__epoll_wait(sloop_loop *loop, int timeout_ms, uint32_t *n)
{
    (void)loop; (void)timeout_ms;
    *n = 0U;
    return SLOOP_EBACKEND;
}

#endif
