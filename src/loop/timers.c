/*
 * timers.c - user timers on the loop's timer heap, and the pass that runs due
 * timers (user and per-connection) once per iteration.
 *
 * A one-shot timer stays valid during its own callback, so the callback may
 * reschedule it; if it did not, the timer is released when the callback
 * returns and its handle becomes stale.
 */
#include "loop/internal.h"

#define TIMER_USER UINT32_MAX /* timer_owner.conn of a user timer */

static bool timer_lookup(const sloop_loop *loop, sloop_timer t, sloop_slot_ref *ref)
{
    bool ok = (loop != NULL) && (loop->magic == SLOOP__MAGIC);
    if (ok) {
        ref->index = t.id;
        ref->gen = t.gen;
        ok = sloop_slots_valid(&loop->timers.ids, *ref) &&
             (loop->timer_owner[t.id].conn == TIMER_USER);
    }
    return ok;
}

sloop_err sloop_timer_start(sloop_loop *loop, uint32_t delay_ms, uint32_t period_ms,
                            sloop_timer_cb cb, void *user, sloop_timer *out)
{
    sloop_slot_ref ref = {0U, 0U};
    if ((loop == NULL) || (loop->magic != SLOOP__MAGIC) || (cb == NULL) || (out == NULL) ||
        (delay_ms > SLOOP_TICK_MAX_DELAY) || (period_ms > SLOOP_TICK_MAX_DELAY)) {
        return SLOOP_EINVAL;
    }
    /* + 1U: no always-true comparison (-Wtype-limits) when SLOOP_MAX_TIMERS is 0 */
    /* The id indexes timer_owner[]: tested here too, not only inside the queue. */
    if ((loop->user_timers + 1U > SLOOP_MAX_TIMERS) || !sloop_timerq_alloc(&loop->timers, &ref) ||
        (ref.index >= SLOOP__TIMER_CAP)) {
        return SLOOP_ELIMIT;
    }
    loop->user_timers++;
    loop->timer_owner[ref.index].conn = TIMER_USER;
    loop->timer_owner[ref.index].cb = cb;
    loop->timer_owner[ref.index].user = user;
    (void)sloop_timerq_arm(&loop->timers, ref, loop->now, delay_ms, period_ms);
    out->id = ref.index;
    out->gen = ref.gen;
    return SLOOP_OK;
}

sloop_err sloop_timer_reschedule(sloop_loop *loop, sloop_timer t, uint32_t delay_ms,
                                 uint32_t period_ms)
{
    sloop_slot_ref ref;
    if (!timer_lookup(loop, t, &ref)) {
        return (loop == NULL) ? SLOOP_EINVAL : SLOOP_ESTALE;
    }
    if ((delay_ms > SLOOP_TICK_MAX_DELAY) || (period_ms > SLOOP_TICK_MAX_DELAY)) {
        return SLOOP_EINVAL;
    }
    (void)sloop_timerq_arm(&loop->timers, ref, loop->now, delay_ms, period_ms);
    return SLOOP_OK;
}

static void timer_release_user(sloop_loop *loop, sloop_slot_ref ref)
{
    if (sloop_timerq_release(&loop->timers, ref)) {
        loop->timer_owner[ref.index].cb = NULL;
        loop->user_timers--;
    }
}

sloop_err sloop_timer_stop(sloop_loop *loop, sloop_timer t)
{
    sloop_slot_ref ref = {0U, 0U};
    if (!timer_lookup(loop, t, &ref)) {
        return (loop == NULL) ? SLOOP_EINVAL : SLOOP_ESTALE;
    }
    timer_release_user(loop, ref);
    return SLOOP_OK;
}

void sloop__timers_run(sloop_loop *loop)
{
    /* Each armed timer pops at most once per pass at a given now (periodic
     * ones re-arm in the future), but callbacks may start new due timers:
     * the cap keeps the pass bounded; the rest runs next iteration. With no
     * timer armed the pass is skipped (no heap access). */
    uint32_t budget = (sloop_timerq_armed_count(&loop->timers) > 0U) ? SLOOP__TIMER_CAP : 0U;
    sloop_slot_ref ref = {0U, 0U};
    while ((budget > 0U) && sloop_timerq_pop_expired(&loop->timers, loop->now, &ref)) {
        sloop__timer_owner *o;
        uint32_t owner;
        if (ref.index >= SLOOP__TIMER_CAP) {
            break; /* the queue's ids index timer_owner[]: never above its size */
        }
        o = &loop->timer_owner[ref.index];
        owner = o->conn; /* read once: the test below then bounds the index passed on */
        budget--;
        if (owner != TIMER_USER) {
            sloop__conn_timer_fired(loop, owner);
        } else {
            sloop_timer h;
            h.id = ref.index;
            h.gen = ref.gen;
            loop->counters.timers_fired++;
            o->cb(loop, h, o->user);
            if (sloop_slots_valid(&loop->timers.ids, ref) &&
                !sloop_timerq_armed(&loop->timers, ref)) {
                timer_release_user(loop, ref); /* one-shot done, not rescheduled */
            }
        }
    }
}

void sloop__timers_release_all(sloop_loop *loop)
{
    uint32_t i;
    sloop_slot_ref ref = {0U, 0U};
    for (i = 0U; i < SLOOP__TIMER_CAP; i++) {
        if (sloop_slots_ref_at(&loop->timers.ids, i, &ref) &&
            (loop->timer_owner[i].conn == TIMER_USER)) {
            timer_release_user(loop, ref);
        }
    }
}
