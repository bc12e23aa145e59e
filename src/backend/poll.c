/*
 * poll.c - the poll(2) backend (and, with Winsock's WSAPOLLFD of the same shape,
 * the WSAPoll one).
 *
 * Notes:
 *  - The pollfd array is dense: removal moves the last entry into the hole, so
 *    a wait scans only live descriptors. Each registration remembers its index.
 *  - Results are copied out as tokens before any callback runs, so callbacks
 *    may add and remove descriptors freely; a stale token is caught later by
 *    its generation.
 *  - If more than SLOOP_MAX_EVENTS descriptors are ready, the rest are seen on
 *    the next wait (poll is level-triggered). The scan starts where the last
 *    one stopped, so no descriptor can be starved by those before it.
 *  - POLLERR and POLLHUP are folded into SLOOP_ERROR plus both readable and
 *    writable, so the read and write paths meet the error in one place.
 *  - POLLNVAL means the descriptor is not open: it is reported, never closed.
 *  - Only POLLIN and POLLOUT are ever put in `events`: WSAPoll fails the whole
 *    call with WSAEINVAL on POLLPRI or POLLWRBAND. On Windows POLLIN is
 *    POLLRDNORM | POLLRDBAND and POLLOUT is POLLWRNORM, both accepted. The
 *    other WSAPoll defects (empty set, unreported failed connects, the ready
 *    count) are handled in src/sys/win32.c and conn.c; see win32.c's notes.
 */
#include "loop/internal.h"

static short poll_events_of(uint8_t want)
{
    short ev = 0;
    if ((want & SLOOP_READABLE) != 0U) {
        ev = (short)(ev | POLLIN);
    }
    if ((want & SLOOP_WRITABLE) != 0U) {
        ev = (short)(ev | POLLOUT);
    }
    return ev;
}

sloop_err sloop__poll_add(sloop_loop *loop, sloop__reg *reg)
{
    sloop_err err = SLOOP_ELIMIT;
    if (loop->pfd_count < SLOOP__MAX_REGS) {
        uint32_t i = loop->pfd_count;
        loop->pfds[i].fd = (sloop__native_fd)reg->fd;
        loop->pfds[i].events = poll_events_of(reg->want);
        loop->pfds[i].revents = 0;
        loop->preg[i] = reg;
        reg->poll_index = i;
        reg->added = 1U;
        reg->have = reg->want;
        loop->pfd_count++;
        err = SLOOP_OK;
    }
    return err;
}

void sloop__poll_set_want(sloop_loop *loop, sloop__reg *reg)
{
    if (reg->added != 0U) {
        loop->pfds[reg->poll_index].events = poll_events_of(reg->want);
        reg->have = reg->want;
    }
}

void sloop__poll_remove(sloop_loop *loop, sloop__reg *reg)
{
    uint32_t i = reg->poll_index;
    /* Only a registration whose index names its own live entry is removed: one
     * never added, or with a stale index, leaves the table (and pfd_count) alone. */
    if ((i < loop->pfd_count) && (loop->preg[i] == reg)) {
        uint32_t last = loop->pfd_count - 1U;
        if (i != last) {
            loop->pfds[i] = loop->pfds[last];
            loop->preg[i] = loop->preg[last];
            loop->preg[i]->poll_index = i;
        }
        loop->preg[last] = NULL;
        loop->pfd_count = last;
    }
}

static uint32_t poll_flags_of(short revents)
{
    uint32_t f = 0U;
    if ((revents & POLLNVAL) != 0) {
        f = SLOOP__EV_NVAL | SLOOP_ERROR;
    } else {
        if ((revents & POLLIN) != 0) {
            f |= SLOOP_READABLE;
        }
        if ((revents & POLLOUT) != 0) {
            f |= SLOOP_WRITABLE;
        }
        if ((revents & (POLLERR | POLLHUP)) != 0) {
            f |= SLOOP_ERROR | SLOOP_READABLE | SLOOP_WRITABLE;
        }
    }
    return f;
}

sloop_err sloop__poll_wait(sloop_loop *loop, int timeout_ms, uint32_t *n)
{
    uint32_t nready = 0U;
    uint32_t count = 0U;
    sloop_err err = SLOOP_OK;
    int rc = loop->sys->poll(loop->sys->ctx, loop->pfds, loop->pfd_count, timeout_ms, &nready);
    if (rc != SLOOP_SYS_OK) {
        (void)sloop__sys_failed(loop, rc);
        err = (rc == SLOOP_SYS_EINTR) ? SLOOP_OK : SLOOP_ESYS;
        if (rc == SLOOP_SYS_EINTR) {
            loop->counters.eintr++;
        }
    } else if ((nready > 0U) && (loop->pfd_count > 0U)) {
        uint32_t total = loop->pfd_count;
        uint32_t start = loop->poll_rotate % total;
        uint32_t k;
        for (k = 0U; (k < total) && (count < SLOOP_MAX_EVENTS); k++) {
            uint32_t i = (start + k) % total;
            short rev = loop->pfds[i].revents;
            if (rev != 0) {
                loop->pfds[i].revents = 0;
                loop->events[count].token = loop->preg[i]->token;
                loop->events[count].flags = poll_flags_of(rev);
                count++;
            }
        }
        loop->poll_rotate = (start + k) % total;
    } else {
        /* timeout: nothing ready */
    }
    *n = count;
    return err;
}
