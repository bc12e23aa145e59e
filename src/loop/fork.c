/*
 * fork.c - sloop_fork_reinit: a loop carried into a child by fork().
 *
 * After fork the child's descriptors are copies of the parent's: the same
 * open files, sockets and kernel objects. For connections, listeners and
 * watchers that is what the child wants (it may serve them). For the loop's
 * private kernel objects it is not:
 *  - the epoll instance: interest changes made by one process would change
 *    the other's (and an EPOLL_CTL_DEL in the child would remove the parent's
 *    registrations), so the child closes its copy, without any epoll_ctl on
 *    it, and builds its own instance;
 *  - the wake-up channel: a wake in the parent would wake the child;
 *  - the signal channel: a self-pipe would carry the parent's signals to the
 *    child; a signalfd is replaced too, for the same reason as epoll.
 * Everything the loop holds is then registered again with the interest it had.
 */
#include "loop/internal.h"

static sloop_err fork_first_error(sloop_err have, sloop_err now)
{
    return (have != SLOOP_OK) ? have : now;
}

/* A channel closed behind sloop's back before the fork was no longer registered;
 * the fresh one that replaced it above is added, the others are re-added. */
static sloop_err fork_channel_readd(sloop_loop *loop, sloop__reg *reg)
{
    if ((reg->fd != SLOOP_FD_INVALID) && (reg->added == 0U)) {
        return sloop__backend_add(loop, reg, false);
    }
    return sloop__backend_fork_readd(loop, reg);
}

sloop_err sloop_fork_reinit(sloop_loop *loop)
{
    sloop_err err;
    uint32_t i;
    if ((loop == NULL) || (loop->magic != SLOOP__MAGIC)) {
        return SLOOP_EINVAL;
    }
    if (loop->in_iteration != 0U) {
        return SLOOP_ESTATE;
    }
    err = sloop__backend_fork_begin(loop);
    err = fork_first_error(err, sloop__wake_fork(loop));
    err = fork_first_error(err, sloop__signals_fork(loop));
    for (i = 0U; i < SLOOP_MAX_CONNS; i++) {
        if (loop->conns[i].state != SLOOP__CONN_FREE) {
            err = fork_first_error(err, sloop__backend_fork_readd(loop, &loop->conns[i].reg));
        }
    }
    for (i = 0U; i < SLOOP__NONZERO(SLOOP_MAX_LISTENERS); i++) {
        err = fork_first_error(err, sloop__backend_fork_readd(loop, &loop->listeners[i].reg));
    }
    for (i = 0U; i < SLOOP__NONZERO(SLOOP_MAX_WATCHERS); i++) {
        err = fork_first_error(err, sloop__backend_fork_readd(loop, &loop->watches[i].reg));
    }
    err = fork_first_error(err, fork_channel_readd(loop, &loop->wake_reg));
    err = fork_first_error(err, fork_channel_readd(loop, &loop->signal_reg));
    return err;
}
