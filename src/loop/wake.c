/*
 * wake.c - waking the loop from another thread, a signal handler or an ISR.
 *
 * sloop_wake does two things only, both async-signal-safe: it reads and sets
 * one atomic flag, and, if the flag was clear, makes the wake-up channel
 * readable through the sys table (one write to an eventfd or a pipe, one send
 * on a loopback socket on Windows, whatever the port provides on bare metal).
 * The loop, seeing the channel readable, drains it, clears the flag and calls
 * on_wake on its own thread.
 *
 * Why no wake is ever lost: the loop drains the channel *before* it clears the
 * flag, and calls on_wake *after*. A wake that finds the flag set skipped its
 * write; the flag was set by an earlier wake whose write either is still in
 * the channel (so the loop runs again) or was drained, in which case the flag
 * is cleared after that and on_wake runs after the clear, hence after this
 * wake's own preceding writes to shared data. A wake that finds the flag
 * clear writes, and the loop sees the channel readable. Two wakers that both
 * find it clear both write: harmless, one drain takes both (this is why a
 * plain atomic load and store suffice, without a read-modify-write that some
 * cores, e.g. Cortex-M0, lack).
 *
 * Why no busy loop: the channel is readable only after a write, and every
 * write is followed by one drain; the loop wakes at most once per write, and
 * writes happen at most once per wake (fewer when wakes coalesce). A channel
 * that stays readable for another reason (its write end closed behind sloop's
 * back: end of file, wake_drain says EPIPE) is no longer polled.
 *
 * A lost channel (closed behind sloop's back) is never written again: the
 * loop stores WAKE_FLAG_LOST in the flag, and sloop_wake, which reads the flag
 * before anything else, returns SLOOP_ESYS without a write. Otherwise a wake
 * would write to whatever file has taken the number since. Only a wake that
 * read the flag before the loop noticed the loss can still write (sloop
 * cannot close that window without a lock; the misuse that opens it is
 * documented in docs/api.md).
 */
#include "loop/internal.h"

#define WAKE_FLAG_LOST 2U /* wake_pending: the channel is gone, never write */

#if !defined(SLOOP__WAKE_FLAG_VOLATILE)
#include <stdatomic.h>
#endif

static uint32_t wake_flag_load(sloop__wake_flag *f)
{
#if defined(SLOOP__WAKE_FLAG_VOLATILE)
    return *f; /* volatile: enough for an ISR on a single core */
#else
    return atomic_load(f);
#endif
}

static void wake_flag_store(sloop__wake_flag *f, uint32_t v)
{
#if defined(SLOOP__WAKE_FLAG_VOLATILE)
    *f = v;
#else
    atomic_store(f, v);
#endif
}

static bool wake_channel_ready(const sloop_sys *sys)
{
    return (sys->wake_open != NULL) && (sys->wake_signal != NULL) && (sys->wake_drain != NULL);
}

void sloop__wake_init(sloop_loop *loop)
{
    loop->wake_reg.fd = SLOOP_FD_INVALID;
    loop->wake_reg.added = 0U;
    loop->wake_reg.dirty = 0U;
    loop->wake_wr = SLOOP_FD_INVALID;
    loop->wake_cb = NULL;
    loop->wake_user = NULL;
    loop->chan_gen = 0U;
    loop->chan_dead = 0U;
    wake_flag_store(&loop->wake_pending, 0U);
}

bool sloop__channels_open(const sloop_loop *loop)
{
    return (loop->wake_reg.fd != SLOOP_FD_INVALID) || (loop->signal_mask != 0U);
}

static void wake_close_fds(sloop_loop *loop, sloop_fd rd, sloop_fd wr)
{
    int rc;
    if ((wr != SLOOP_FD_INVALID) && (wr != rd) &&
        ((loop->chan_dead & SLOOP__CHAN_WAKE_WR_DEAD) == 0U)) {
        rc = loop->sys->close(loop->sys->ctx, wr);
        if (rc != SLOOP_SYS_OK) {
            (void)sloop__sys_failed(loop, rc);
        }
    }
    if ((rd != SLOOP_FD_INVALID) && ((loop->chan_dead & SLOOP__CHAN_WAKE_DEAD) == 0U)) {
        rc = loop->sys->close(loop->sys->ctx, rd);
        if (rc != SLOOP_SYS_OK) {
            (void)sloop__sys_failed(loop, rc);
        }
    }
    loop->chan_dead &= (uint8_t)~(SLOOP__CHAN_WAKE_DEAD | SLOOP__CHAN_WAKE_WR_DEAD);
}

/* Opens a channel and points wake_reg at it (not yet registered). */
static sloop_err wake_open_channel(sloop_loop *loop)
{
    sloop_fd rd = SLOOP_FD_INVALID;
    sloop_fd wr = SLOOP_FD_INVALID;
    int rc = loop->sys->wake_open(loop->sys->ctx, &rd, &wr);
    if (rc != SLOOP_SYS_OK) {
        (void)sloop__sys_failed(loop, rc);
        return SLOOP_ESYS;
    }
    loop->chan_gen++;
    loop->wake_reg.fd = rd;
    loop->wake_reg.token = sloop__token(SLOOP__KIND_WAKE, 0U, loop->chan_gen);
    loop->wake_reg.want = (uint8_t)SLOOP_READABLE;
    loop->wake_wr = wr;
    wake_flag_store(&loop->wake_pending, 0U);
    return SLOOP_OK;
}

sloop_err sloop_wake_start(sloop_loop *loop, sloop_wake_cb on_wake, void *user)
{
    sloop_err err;
    if ((loop == NULL) || (loop->magic != SLOOP__MAGIC) || (on_wake == NULL)) {
        return SLOOP_EINVAL;
    }
    if (!wake_channel_ready(loop->sys)) {
        return SLOOP_EBACKEND;
    }
    if (loop->wake_reg.fd == SLOOP_FD_INVALID) {
        err = wake_open_channel(loop);
        if (err == SLOOP_OK) {
            err = sloop__backend_add(loop, &loop->wake_reg, false);
            if (err != SLOOP_OK) {
                wake_close_fds(loop, loop->wake_reg.fd, loop->wake_wr);
                loop->wake_reg.fd = SLOOP_FD_INVALID;
                loop->wake_wr = SLOOP_FD_INVALID;
            }
        }
        if (err != SLOOP_OK) {
            return err;
        }
    }
    loop->wake_cb = on_wake;
    loop->wake_user = user;
    return SLOOP_OK;
}

void sloop__wake_close(sloop_loop *loop)
{
    if (loop->wake_reg.fd != SLOOP_FD_INVALID) {
        sloop__backend_remove(loop, &loop->wake_reg);
        wake_close_fds(loop, loop->wake_reg.fd, loop->wake_wr);
    }
    loop->wake_reg.fd = SLOOP_FD_INVALID;
    loop->wake_wr = SLOOP_FD_INVALID;
    loop->wake_cb = NULL;
    loop->wake_user = NULL;
}

sloop_err sloop_wake_stop(sloop_loop *loop)
{
    if ((loop == NULL) || (loop->magic != SLOOP__MAGIC)) {
        return SLOOP_EINVAL;
    }
    if (loop->wake_reg.fd == SLOOP_FD_INVALID) {
        return SLOOP_ESTATE;
    }
    sloop__wake_close(loop);
    return SLOOP_OK;
}

sloop_err sloop_wake(sloop_loop *loop)
{
    sloop_err err = SLOOP_OK;
    sloop_fd wr;
    uint32_t flag;
    if ((loop == NULL) || (loop->magic != SLOOP__MAGIC)) {
        return SLOOP_EINVAL;
    }
    wr = loop->wake_wr;
    if (wr == SLOOP_FD_INVALID) {
        return SLOOP_ESTATE;
    }
    flag = wake_flag_load(&loop->wake_pending);
    if (flag == WAKE_FLAG_LOST) {
        return SLOOP_ESYS; /* the loop reported it: SLOOP_SYS_EBADF or EPIPE */
    }
    if (flag == 0U) {
        int rc;
        wake_flag_store(&loop->wake_pending, 1U);
        rc = loop->sys->wake_signal(loop->sys->ctx, wr);
        if ((rc != SLOOP_SYS_OK) && (rc != SLOOP_SYS_EAGAIN)) {
            /* Nothing was written: clear the flag so that the next wake tries
             * again instead of trusting a write that never happened. */
            wake_flag_store(&loop->wake_pending, 0U);
            err = SLOOP_ESYS;
        }
    }
    return err;
}

/* Stops polling a channel found closed behind sloop's back (what: dead bit)
 * and makes every later sloop_wake fail without writing. */
static void wake_channel_lost(sloop_loop *loop, uint32_t what, int sys_err)
{
    loop->chan_dead |= (uint8_t)what;
    wake_flag_store(&loop->wake_pending, WAKE_FLAG_LOST);
    sloop__backend_remove(loop, &loop->wake_reg);
    (void)sloop__sys_failed(loop, sys_err);
}

void sloop__wake_event(sloop_loop *loop, uint32_t flags)
{
    uint32_t eintr = 0U;
    int rc;
    if ((flags & SLOOP__EV_NVAL) != 0U) {
        /* Closed behind sloop's back: stop polling it, never close it again. */
        wake_channel_lost(loop, SLOOP__CHAN_WAKE_DEAD, SLOOP_SYS_EBADF);
        return;
    }
    do {
        rc = loop->sys->wake_drain(loop->sys->ctx, loop->wake_reg.fd);
        if (rc == SLOOP_SYS_EINTR) {
            loop->counters.eintr++;
            eintr++;
        }
    } while ((rc == SLOOP_SYS_EINTR) && (eintr < SLOOP__EINTR_RETRIES));
    if ((rc == SLOOP_SYS_EAGAIN) || (rc == SLOOP_SYS_EINTR)) {
        /* Nothing drained (or not yet): whatever is in the channel keeps it
         * readable, and the flag stays as it is, so nothing is lost. */
        return;
    }
    if (rc == SLOOP_SYS_EPIPE) {
        /* End of file: every write end was closed behind sloop's back. The read
         * end stays sloop's (closed at stop); the write end's number does not. */
        wake_channel_lost(loop, SLOOP__CHAN_WAKE_WR_DEAD, rc);
        return;
    }
    if (rc != SLOOP_SYS_OK) {
        (void)sloop__sys_failed(loop, rc); /* a wake may be behind it: call anyway */
    }
    wake_flag_store(&loop->wake_pending, 0U); /* after the drain: see the top */
    loop->counters.wakes++;
    if (loop->wake_cb != NULL) {
        loop->wake_cb(loop, loop->wake_user);
    }
}

sloop_err sloop__wake_fork(sloop_loop *loop)
{
    sloop_err err;
    if (loop->wake_reg.fd == SLOOP_FD_INVALID) {
        return SLOOP_OK;
    }
    /* The child's copies of the parent's channel: a wake in the parent must
     * not reach the child, nor the other way round. */
    wake_close_fds(loop, loop->wake_reg.fd, loop->wake_wr);
    loop->wake_reg.fd = SLOOP_FD_INVALID;
    loop->wake_wr = SLOOP_FD_INVALID;
    err = wake_open_channel(loop);
    if (err != SLOOP_OK) {
        sloop__backend_forget(loop, &loop->wake_reg);
        loop->wake_cb = NULL;
        loop->wake_user = NULL;
    }
    return err;
}
