/*
 * backend.c - the switch that routes the loop's readiness calls to the backend
 * chosen at init. A switch rather than a function-pointer table, so that every
 * call can be followed by a reader, a proof tool or a MISRA checker.
 */
#include "loop/internal.h"

bool sloop__backend_available(sloop_backend b)
{
    bool ok;
    switch (b) {
#if !defined(_WIN32)
    case SLOOP_BACKEND_POLL:
        ok = true;
        break;
#endif
#if SLOOP_HAVE_EPOLL
    case SLOOP_BACKEND_EPOLL:
    case SLOOP_BACKEND_EPOLL_ET:
        ok = true;
        break;
#endif
#if defined(_WIN32)
    case SLOOP_BACKEND_WSAPOLL:
        ok = true;
        break;
#endif
    default:
        ok = false;
        break;
    }
    return ok;
}

sloop_err sloop__backend_init(sloop_loop *loop)
{
    sloop_err err = SLOOP_OK;
    loop->epfd = SLOOP_FD_INVALID;
    loop->change_count = 0U;
    loop->pfd_count = 0U;
    loop->poll_rotate = 0U;
    switch (loop->backend) {
    case SLOOP_BACKEND_EPOLL:
    case SLOOP_BACKEND_EPOLL_ET:
        err = sloop__epoll_init(loop);
        break;
    case SLOOP_BACKEND_POLL:
    case SLOOP_BACKEND_WSAPOLL:
        break;
    case SLOOP_BACKEND_DEFAULT:
    default:
        err = SLOOP_EBACKEND;
        break;
    }
    return err;
}

void sloop__backend_fini(sloop_loop *loop)
{
    if ((loop->backend == SLOOP_BACKEND_EPOLL) || (loop->backend == SLOOP_BACKEND_EPOLL_ET)) {
        sloop__epoll_fini(loop);
    }
}

static bool backend_is_epoll(const sloop_loop *loop)
{
    return (loop->backend == SLOOP_BACKEND_EPOLL) || (loop->backend == SLOOP_BACKEND_EPOLL_ET);
}

sloop_err sloop__backend_add(sloop_loop *loop, sloop__reg *reg, bool edge)
{
    sloop_err err;
    reg->dirty = 0U;
    reg->added = 0U;
    reg->have = 0U;
    if (backend_is_epoll(loop)) {
        err = sloop__epoll_add(loop, reg, edge && (loop->backend == SLOOP_BACKEND_EPOLL_ET));
    } else {
        err = sloop__poll_add(loop, reg);
    }
    return err;
}

void sloop__backend_set_want(sloop_loop *loop, sloop__reg *reg, uint8_t want)
{
    if (reg->want != want) {
        reg->want = want;
        if (backend_is_epoll(loop)) {
            /* Coalesced: epoll_ctl runs once before the next wait, and only if
             * the kernel's view still differs then. */
            if ((reg->dirty == 0U) && (loop->change_count < SLOOP__MAX_REGS)) {
                reg->dirty = 1U;
                loop->changes[loop->change_count] = reg;
                loop->change_count++;
            }
        } else {
            sloop__poll_set_want(loop, reg);
        }
    }
}

void sloop__backend_remove(sloop_loop *loop, sloop__reg *reg)
{
    if (reg->added != 0U) {
        if (backend_is_epoll(loop)) {
            sloop__epoll_remove(loop, reg);
        } else {
            sloop__poll_remove(loop, reg);
        }
    }
    reg->added = 0U;
}

sloop_err sloop__backend_wait(sloop_loop *loop, int timeout_ms, uint32_t *n)
{
    sloop_err err;
    if (backend_is_epoll(loop)) {
        /* Tested here: most waits have no queued change, and the call alone
         * costs more than the test. */
        err = (loop->change_count > 0U) ? sloop__epoll_flush_changes(loop) : SLOOP_OK;
        if (err == SLOOP_OK) {
            err = sloop__epoll_wait(loop, timeout_ms, n);
        }
    } else {
        err = sloop__poll_wait(loop, timeout_ms, n);
    }
    return err;
}

sloop_err sloop__backend_fork_begin(sloop_loop *loop)
{
    sloop_err err = SLOOP_OK;
    if (backend_is_epoll(loop)) {
        /* The instance is shared with the parent: an EPOLL_CTL_DEL here would
         * remove the parent's registrations. Only the child's copy of the
         * descriptor is closed; the parent's instance is untouched. */
        if (loop->epfd != SLOOP_FD_INVALID) {
            int rc = loop->sys->close(loop->sys->ctx, loop->epfd);
            if (rc != SLOOP_SYS_OK) {
                (void)sloop__sys_failed(loop, rc);
            }
        }
        loop->epfd = SLOOP_FD_INVALID;
        /* Queued changes are moot: every registration is made afresh with the
         * interest wanted now. A reg left marked dirty outside the list would
         * never be queued again. */
        {
            uint32_t i;
            for (i = 0U; i < loop->change_count; i++) {
                loop->changes[i]->dirty = 0U;
            }
        }
        loop->change_count = 0U;
        err = sloop__epoll_init(loop);
    }
    return err;
}

sloop_err sloop__backend_fork_readd(sloop_loop *loop, sloop__reg *reg)
{
    sloop_err err = SLOOP_OK;
    if (reg->added != 0U) {
        reg->dirty = 0U;
        if (backend_is_epoll(loop)) {
            reg->added = 0U; /* not in the new instance until the add succeeds */
            err = (loop->epfd != SLOOP_FD_INVALID) ? sloop__epoll_readd(loop, reg) : SLOOP_ESYS;
        } else {
            loop->pfds[reg->poll_index].fd = (sloop__native_fd)reg->fd;
        }
    }
    return err;
}

void sloop__backend_forget(sloop_loop *loop, sloop__reg *reg)
{
    if ((reg->added != 0U) && !backend_is_epoll(loop)) {
        sloop__poll_remove(loop, reg); /* memory only */
    }
    if (reg->dirty != 0U) {
        uint32_t i;
        for (i = 0U; i < loop->change_count; i++) {
            if (loop->changes[i] == reg) {
                loop->change_count--;
                loop->changes[i] = loop->changes[loop->change_count];
                break;
            }
        }
        reg->dirty = 0U;
    }
    reg->added = 0U;
}
