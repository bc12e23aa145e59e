/*
 * signal.c - signal watchers: signals delivered as ordinary loop callbacks.
 *
 * No user code ever runs in a signal handler. The sys table's signal channel
 * is a descriptor that becomes readable while a watched signal is pending
 * (a signalfd on Linux, a self-pipe elsewhere); the loop reads it like any
 * other descriptor and calls the watchers from the loop's thread.
 *
 * Promises:
 *  - at least once: a signal that arrives while watched leads to a call of its
 *    watcher that starts after the arrival;
 *  - never more calls than arrivals: every read of the channel is folded into
 *    one bit per signal number, and each watcher is called at most once per
 *    readiness event (the kernel coalesces pending standard signals too);
 *  - bounded: at most SLOOP__SIGNAL_READS reads of the channel per event; what
 *    is left keeps the channel readable for the next iteration.
 * One channel serves every watcher of the loop; it is opened with the first
 * watcher and closed with the last, so a loop without watchers holds no
 * descriptor for signals.
 */
#include "loop/internal.h"

/* Reads of the channel per readiness event (each read is bounded by the sys
 * table; what remains is read in the next iteration). */
#define SLOOP__SIGNAL_READS 4U

/* Bit n-1 for signal n; 0 for a number out of range (never stored). */
static uint64_t signal_bit(int signo)
{
    return ((signo >= 1) && (signo <= 64)) ? ((uint64_t)1U << (uint32_t)(signo - 1)) : 0U;
}

static bool signal_channel_ready(const sloop_sys *sys)
{
    return (sys->signal_open != NULL) && (sys->signal_set != NULL) &&
           (sys->signal_read != NULL);
}

void sloop__signals_init(sloop_loop *loop)
{
    uint32_t i;
    sloop_slots_init(&loop->signal_slots, loop->signal_gen, loop->signal_free,
                     SLOOP_MAX_SIGNALS);
    /* Known from the start, like every field read before its owner opens: the
     * loop may live in memory that was never zeroed. */
    for (i = 0U; i < SLOOP__NONZERO(SLOOP_MAX_SIGNALS); i++) {
        loop->signals[i].signo = 0;
        loop->signals[i].cb = NULL;
        loop->signals[i].user = NULL;
    }
    loop->signal_mask = 0U;
    loop->signal_reg.fd = SLOOP_FD_INVALID;
    loop->signal_reg.added = 0U;
    loop->signal_reg.dirty = 0U;
}

/* Registers a channel descriptor that was just opened. */
static sloop_err signal_channel_watch(sloop_loop *loop, sloop_fd fd)
{
    sloop__reg *reg = &loop->signal_reg;
    sloop_err err;
    loop->chan_gen++;
    reg->fd = fd;
    reg->token = sloop__token(SLOOP__KIND_SIGNAL, 0U, loop->chan_gen);
    reg->want = (uint8_t)SLOOP_READABLE;
    err = sloop__backend_add(loop, reg, false);
    if (err != SLOOP_OK) {
        (void)loop->sys->close(loop->sys->ctx, fd);
        reg->fd = SLOOP_FD_INVALID;
    }
    return err;
}

/* The channel's descriptor for signal_set, or SLOOP_FD_INVALID once it was closed
 * behind sloop's back: that number may belong to someone else by now (another
 * loop's signalfd, whose mask an update would replace). The sys table then
 * reports EBADF and still restores the removed signals. */
static sloop_fd signal_channel_fd(const sloop_loop *loop)
{
    return ((loop->chan_dead & SLOOP__CHAN_SIGNAL_DEAD) != 0U) ? SLOOP_FD_INVALID
                                                               : loop->signal_reg.fd;
}

static sloop_err signal_channel_open(sloop_loop *loop)
{
    sloop_fd fd = SLOOP_FD_INVALID;
    int rc = loop->sys->signal_open(loop->sys->ctx, &fd);
    if (rc != SLOOP_SYS_OK) {
        (void)sloop__sys_failed(loop, rc);
        return SLOOP_ESYS;
    }
    loop->chan_dead &= (uint8_t)~SLOOP__CHAN_SIGNAL_DEAD;
    return signal_channel_watch(loop, fd);
}

static void signal_channel_close(sloop_loop *loop)
{
    sloop__reg *reg = &loop->signal_reg;
    if (reg->fd != SLOOP_FD_INVALID) {
        sloop__backend_remove(loop, reg);
        if ((loop->chan_dead & SLOOP__CHAN_SIGNAL_DEAD) == 0U) {
            int rc = loop->sys->close(loop->sys->ctx, reg->fd);
            if (rc != SLOOP_SYS_OK) {
                (void)sloop__sys_failed(loop, rc);
            }
        }
        reg->fd = SLOOP_FD_INVALID;
        loop->chan_dead &= (uint8_t)~SLOOP__CHAN_SIGNAL_DEAD;
    }
}

sloop_err sloop_signal_start(sloop_loop *loop, int signo, sloop_signal_cb cb, void *user,
                             sloop_signal *out)
{
    sloop_slot_ref ref;
    uint64_t bit;
    int rc;
    sloop_err err = SLOOP_OK;
    if ((loop == NULL) || (loop->magic != SLOOP__MAGIC) || (signo < 1) || (signo > 64) ||
        (cb == NULL) || (out == NULL)) {
        return SLOOP_EINVAL;
    }
    bit = signal_bit(signo);
    if ((loop->signal_mask & bit) != 0U) {
        return SLOOP_EINVAL; /* one watcher per signal number */
    }
    if (!signal_channel_ready(loop->sys)) {
        return SLOOP_EBACKEND;
    }
    if (!sloop_slots_open(&loop->signal_slots, &ref)) {
        return SLOOP_ELIMIT;
    }
    if (loop->signal_reg.fd == SLOOP_FD_INVALID) {
        err = signal_channel_open(loop);
    }
    if (err == SLOOP_OK) {
        rc = loop->sys->signal_set(loop->sys->ctx, signal_channel_fd(loop), loop->signal_mask,
                                   loop->signal_mask | bit);
        if (rc != SLOOP_SYS_OK) {
            (void)sloop__sys_failed(loop, rc);
            err = SLOOP_ESYS;
            if (loop->signal_mask == 0U) {
                /* Opened for this watcher only: released whole (set to the
                 * empty mask first, as every channel is before its close). */
                (void)loop->sys->signal_set(loop->sys->ctx, signal_channel_fd(loop), 0U, 0U);
                signal_channel_close(loop);
            }
        }
    }
    if (err != SLOOP_OK) {
        (void)sloop_slots_close(&loop->signal_slots, ref);
        return err;
    }
    loop->signal_mask |= bit;
    loop->signals[ref.index].signo = signo;
    loop->signals[ref.index].cb = cb;
    loop->signals[ref.index].user = user;
    out->id = ref.index;
    out->gen = ref.gen;
    return SLOOP_OK;
}

static sloop_err signal_stop_index(sloop_loop *loop, uint32_t index)
{
    sloop_slot_ref ref;
    sloop_err err = SLOOP_OK;
    if (sloop_slots_ref_at(&loop->signal_slots, index, &ref)) {
        uint64_t bit = signal_bit(loop->signals[index].signo);
        uint64_t left = loop->signal_mask & ~bit;
        int rc = loop->sys->signal_set(loop->sys->ctx, signal_channel_fd(loop),
                                       loop->signal_mask, left);
        (void)sloop_slots_close(&loop->signal_slots, ref);
        loop->signal_mask = left;
        if (rc != SLOOP_SYS_OK) {
            (void)sloop__sys_failed(loop, rc);
            err = SLOOP_ESYS;
        }
        if (left == 0U) {
            signal_channel_close(loop);
        }
    }
    return err;
}

sloop_err sloop_signal_stop(sloop_loop *loop, sloop_signal sig)
{
    sloop_slot_ref ref;
    if ((loop == NULL) || (loop->magic != SLOOP__MAGIC)) {
        return SLOOP_EINVAL;
    }
    ref.index = sig.id;
    ref.gen = sig.gen;
    if (!sloop_slots_valid(&loop->signal_slots, ref)) {
        return SLOOP_ESTALE;
    }
    return signal_stop_index(loop, sig.id);
}

void sloop__signals_stop_all(sloop_loop *loop)
{
    uint32_t i;
    for (i = 0U; i < SLOOP__NONZERO(SLOOP_MAX_SIGNALS); i++) { /* ref_at: only open slots */
        (void)signal_stop_index(loop, i);
    }
    signal_channel_close(loop); /* none left; also a channel left by a failed stop */
}

/* Reads what the channel holds (bounded); interrupted reads are retried a few
 * times, as everywhere in the loop. Signals read before an end of file are
 * returned (and delivered) as usual. */
static uint64_t signal_read_all(sloop_loop *loop)
{
    uint64_t got = 0U;
    uint32_t reads = 0U;
    uint32_t eintr = 0U;
    int rc = SLOOP_SYS_OK;
    while ((rc == SLOOP_SYS_OK) && (reads < SLOOP__SIGNAL_READS)) {
        rc = loop->sys->signal_read(loop->sys->ctx, loop->signal_reg.fd, &got);
        reads++;
        if ((rc == SLOOP_SYS_EINTR) && (eintr < SLOOP__EINTR_RETRIES)) {
            loop->counters.eintr++;
            eintr++;
            rc = SLOOP_SYS_OK; /* try again */
        }
    }
    if (rc == SLOOP_SYS_EPIPE) {
        /* End of file: the self-pipe's write end was closed behind sloop's
         * back. The channel would be readable for ever (a busy loop): stop
         * polling it. Its read end stays sloop's and is closed when the last
         * watcher stops; starting one after that opens a new channel. */
        sloop__backend_remove(loop, &loop->signal_reg);
        (void)sloop__sys_failed(loop, rc);
    } else if ((rc != SLOOP_SYS_OK) && (rc != SLOOP_SYS_EAGAIN)) {
        /* Nothing is lost: an unread signal keeps the channel readable. */
        (void)sloop__sys_failed(loop, rc);
    } else {
        /* OK or EAGAIN: the channel was read as far as the bound allows. */
    }
    return got;
}

void sloop__signal_event(sloop_loop *loop, uint32_t flags)
{
    uint64_t got;
    uint32_t i;
    if ((flags & SLOOP__EV_NVAL) != 0U) {
        /* The channel was closed behind sloop's back: stop polling it (it would
         * be reported for ever) and never close that number again. */
        loop->chan_dead |= (uint8_t)SLOOP__CHAN_SIGNAL_DEAD;
        sloop__backend_remove(loop, &loop->signal_reg);
        (void)sloop__sys_failed(loop, SLOOP_SYS_EBADF);
        return;
    }
    got = signal_read_all(loop) & loop->signal_mask;
    /* One call per signal number at most. A callback may stop or start
     * watchers: each slot is checked when its turn comes. */
    for (i = 0U; (i < SLOOP__NONZERO(SLOOP_MAX_SIGNALS)) && (got != 0U); i++) {
        sloop_slot_ref ref;
        if (sloop_slots_ref_at(&loop->signal_slots, i, &ref)) {
            const sloop__signal *s = &loop->signals[i];
            uint64_t bit = signal_bit(s->signo);
            if ((got & bit) != 0U) {
                sloop_signal h;
                got &= ~bit;
                h.id = ref.index;
                h.gen = ref.gen;
                loop->counters.signals++;
                s->cb(loop, h, s->signo, s->user);
            }
        }
    }
}

sloop_err sloop__signals_fork(sloop_loop *loop)
{
    sloop__reg *reg = &loop->signal_reg;
    sloop_fd fd = SLOOP_FD_INVALID;
    sloop_err err = SLOOP_OK;
    int rc;
    if (reg->fd == SLOOP_FD_INVALID) {
        return SLOOP_OK;
    }
    /* The child's copy of the parent's channel: closed without signal_set, so
     * that the signals stay blocked (or handled) throughout. */
    if ((loop->chan_dead & SLOOP__CHAN_SIGNAL_DEAD) == 0U) {
        rc = loop->sys->close(loop->sys->ctx, reg->fd);
        if (rc != SLOOP_SYS_OK) {
            (void)sloop__sys_failed(loop, rc);
        }
    }
    loop->chan_dead &= (uint8_t)~SLOOP__CHAN_SIGNAL_DEAD;
    rc = loop->sys->signal_open(loop->sys->ctx, &fd);
    if (rc == SLOOP_SYS_OK) {
        reg->fd = fd;
        rc = loop->sys->signal_set(loop->sys->ctx, fd, 0U, loop->signal_mask);
        if (rc != SLOOP_SYS_OK) {
            (void)loop->sys->signal_set(loop->sys->ctx, fd, 0U, 0U);
            (void)loop->sys->close(loop->sys->ctx, fd);
        }
    }
    if (rc != SLOOP_SYS_OK) {
        (void)sloop__sys_failed(loop, rc);
        err = SLOOP_ESYS;
        /* No channel: the watchers stay (sloop_close stops them) but get no
         * calls; the registration is dropped without a system call. */
        sloop__backend_forget(loop, reg);
        reg->fd = SLOOP_FD_INVALID;
    }
    return err;
}
