/*
 * test_timer.c - the timer queue (src/core/timer.h).
 *
 * What a user relies on: expired timers pop in deadline order, ties in start
 * order, never before their deadline, in the true order across the 32-bit tick
 * wrap; cancel removes exactly that timer; re-arming reschedules; a periodic
 * timer keeps its phase (no drift) and after a stall fires once, not in a burst;
 * a released or forged handle is rejected and changes nothing; delays are
 * capped at SLOOP_TICK_MAX_DELAY; capacity is fixed.
 */
#include "core/timer.h"
#include "harness.h"

#define MAX_CAP 16U

typedef struct tq {
    sloop_timerq q;
    sloop_timer_entry t[MAX_CAP];
    uint32_t heap[MAX_CAP];
    uint32_t gen[MAX_CAP];
    uint32_t free_stack[MAX_CAP];
} tq;

static void tq_init(tq *x, uint32_t cap)
{
    sloop_timerq_init(&x->q, x->t, x->heap, x->gen, x->free_stack, cap);
}

/* Allocates and arms a timer; false if either step fails. */
static bool tq_start(tq *x, sloop_slot_ref *ref, sloop_tick now, uint32_t delay,
                     uint32_t period)
{
    return sloop_timerq_alloc(&x->q, ref) && sloop_timerq_arm(&x->q, *ref, now, delay, period);
}

static bool same_ref(sloop_slot_ref a, sloop_slot_ref b)
{
    return (a.index == b.index) && (a.gen == b.gen);
}

static sloop_slot_ref make_ref(uint32_t index, uint32_t gen)
{
    sloop_slot_ref r;
    r.index = index;
    r.gen = gen;
    return r;
}

/* Pops every timer expired at now (at most max) into out; returns how many. */
static uint32_t pop_all(tq *x, sloop_tick now, sloop_slot_ref *out, uint32_t max)
{
    uint32_t n = 0U;
    sloop_slot_ref r;
    while ((n < max) && sloop_timerq_pop_expired(&x->q, now, &r)) {
        out[n] = r;
        n++;
    }
    return n;
}

/* True when the next pop at now returns exactly `want`. */
static bool pops(tq *x, sloop_tick now, sloop_slot_ref want)
{
    sloop_slot_ref r;
    return sloop_timerq_pop_expired(&x->q, now, &r) && same_ref(r, want);
}

static bool pops_nothing(tq *x, sloop_tick now)
{
    sloop_slot_ref r;
    return !sloop_timerq_pop_expired(&x->q, now, &r);
}

static bool next_is(const tq *x, sloop_tick want)
{
    sloop_tick d = ~want;
    return sloop_timerq_next_deadline(&x->q, &d) && (d == want);
}

SL_TEST(timer_pops_in_deadline_order)
{
    static const uint32_t delays[] = {50U, 10U, 30U, 20U, 40U, 15U, 5U, 45U};
    static const uint32_t order[] = {6U, 1U, 5U, 3U, 2U, 4U, 7U, 0U}; /* by delay */
    tq x;
    sloop_slot_ref refs[8];
    sloop_slot_ref got[8];
    uint32_t i;
    tq_init(&x, 8U);
    for (i = 0U; i < 8U; i++) {
        SL_CHECK(tq_start(&x, &refs[i], 1000U, delays[i], 0U));
    }
    SL_CHECK_EQ(sloop_timerq_armed_count(&x.q), 8U);
    SL_CHECK_EQ(pop_all(&x, 2000U, got, 8U), 8U);
    for (i = 0U; i < 8U; i++) {
        SL_CHECK(same_ref(got[i], refs[order[i]]));
    }
    SL_CHECK(pops_nothing(&x, 2000U));
    SL_CHECK_EQ(sloop_timerq_armed_count(&x.q), 0U);
}

SL_TEST(timer_does_not_pop_before_its_deadline_and_pops_at_it)
{
    tq x;
    sloop_slot_ref a;
    sloop_slot_ref b;
    tq_init(&x, 4U);
    SL_CHECK(tq_start(&x, &a, 100U, 10U, 0U));
    SL_CHECK(tq_start(&x, &b, 100U, 20U, 0U));
    SL_CHECK(pops_nothing(&x, 100U));
    SL_CHECK(pops_nothing(&x, 109U));
    SL_CHECK(pops(&x, 110U, a));
    SL_CHECK(pops_nothing(&x, 110U)); /* b is not due yet */
    SL_CHECK(pops_nothing(&x, 119U));
    SL_CHECK(pops(&x, 120U, b));
}

SL_TEST(timer_ties_fire_in_start_order)
{
    /* Six timers for tick 110, started at different times and delays. */
    tq x;
    sloop_slot_ref refs[6];
    sloop_slot_ref got[6];
    uint32_t i;
    tq_init(&x, 8U);
    for (i = 0U; i < 6U; i++) {
        sloop_tick now = 100U + (i % 3U) * 3U;
        SL_CHECK(tq_start(&x, &refs[i], now, 110U - now, 0U));
    }
    SL_CHECK_EQ(pop_all(&x, 110U, got, 6U), 6U);
    for (i = 0U; i < 6U; i++) {
        SL_CHECK(same_ref(got[i], refs[i]));
    }
}

SL_TEST(timer_rearm_to_the_same_deadline_goes_behind_its_ties)
{
    /* Re-arming is a new start, so it is ordered after timers started earlier. */
    tq x;
    sloop_slot_ref a;
    sloop_slot_ref b;
    sloop_slot_ref c;
    tq_init(&x, 4U);
    SL_CHECK(tq_start(&x, &a, 0U, 10U, 0U));
    SL_CHECK(tq_start(&x, &b, 0U, 10U, 0U));
    SL_CHECK(tq_start(&x, &c, 0U, 10U, 0U));
    SL_CHECK(sloop_timerq_arm(&x.q, a, 5U, 5U, 0U));
    SL_CHECK_EQ(sloop_timerq_armed_count(&x.q), 3U);
    SL_CHECK(pops(&x, 10U, b));
    SL_CHECK(pops(&x, 10U, c));
    SL_CHECK(pops(&x, 10U, a));
}

SL_TEST(timer_next_deadline_reports_the_earliest_armed)
{
    tq x;
    sloop_slot_ref a;
    sloop_slot_ref b;
    sloop_slot_ref c;
    sloop_tick d = 1234U;
    tq_init(&x, 4U);
    SL_CHECK(!sloop_timerq_next_deadline(&x.q, &d));
    SL_CHECK(tq_start(&x, &a, 0U, 30U, 0U));
    SL_CHECK(next_is(&x, 30U));
    SL_CHECK(tq_start(&x, &b, 0U, 10U, 0U));
    SL_CHECK(next_is(&x, 10U));
    SL_CHECK(tq_start(&x, &c, 0U, 20U, 0U));
    SL_CHECK(next_is(&x, 10U));
    SL_CHECK(sloop_timerq_disarm(&x.q, b));
    SL_CHECK(next_is(&x, 20U));
    SL_CHECK(pops(&x, 25U, c));
    SL_CHECK(next_is(&x, 30U));
    SL_CHECK(pops(&x, 30U, a));
    SL_CHECK(!sloop_timerq_next_deadline(&x.q, &d));
}

SL_TEST(timer_delay_zero_fires_at_once)
{
    tq x;
    sloop_slot_ref a;
    sloop_slot_ref b;
    tq_init(&x, 4U);
    SL_CHECK(tq_start(&x, &a, 500U, 5U, 0U));
    SL_CHECK(tq_start(&x, &b, 500U, 0U, 0U));
    SL_CHECK(next_is(&x, 500U));
    SL_CHECK(pops(&x, 500U, b));
    SL_CHECK(pops_nothing(&x, 500U));
}

SL_TEST(timer_disarm_removes_exactly_that_timer)
{
    /* For every heap position: cancel one of seven, the other six fire in order. */
    static const uint32_t delays[] = {40U, 10U, 60U, 20U, 70U, 30U, 50U};
    static const uint32_t order[] = {1U, 3U, 5U, 0U, 6U, 2U, 4U};
    uint32_t victim;
    for (victim = 0U; victim < 7U; victim++) {
        tq x;
        sloop_slot_ref refs[7];
        sloop_slot_ref got[7];
        uint32_t i;
        uint32_t k = 0U;
        tq_init(&x, 8U);
        for (i = 0U; i < 7U; i++) {
            SL_CHECK(tq_start(&x, &refs[i], 0U, delays[i], 0U));
        }
        SL_CHECK(sloop_timerq_disarm(&x.q, refs[victim]));
        SL_CHECK_EQ(sloop_timerq_armed_count(&x.q), 6U);
        SL_CHECK(!sloop_timerq_armed(&x.q, refs[victim]));
        SL_CHECK(!sloop_timerq_disarm(&x.q, refs[victim])); /* only once */
        SL_CHECK_EQ(pop_all(&x, 100U, got, 7U), 6U);
        for (i = 0U; i < 7U; i++) {
            if (order[i] != victim) {
                SL_CHECK(same_ref(got[k], refs[order[i]]));
                k++;
            }
        }
        /* The id stays allocated: it can be armed again. */
        SL_CHECK(sloop_timerq_arm(&x.q, refs[victim], 100U, 1U, 0U));
        SL_CHECK(pops(&x, 101U, refs[victim]));
    }
}

SL_TEST(timer_one_shot_is_disarmed_but_still_allocated_after_it_fires)
{
    tq x;
    sloop_slot_ref a;
    tq_init(&x, 2U);
    SL_CHECK(tq_start(&x, &a, 0U, 10U, 0U));
    SL_CHECK(pops(&x, 10U, a));
    SL_CHECK(!sloop_timerq_armed(&x.q, a));
    SL_CHECK_EQ(sloop_timerq_armed_count(&x.q), 0U);
    /* Cancelling a fired one-shot reports that there was nothing to cancel. */
    SL_CHECK(!sloop_timerq_disarm(&x.q, a));
    SL_CHECK_EQ(sloop_timerq_armed_count(&x.q), 0U);
    SL_CHECK(sloop_timerq_arm(&x.q, a, 10U, 10U, 0U));
    SL_CHECK(pops(&x, 20U, a));
    SL_CHECK(sloop_timerq_release(&x.q, a));
}

SL_TEST(timer_released_handle_is_rejected_and_changes_nothing)
{
    tq x;
    sloop_slot_ref a;
    sloop_slot_ref b;
    sloop_slot_ref c;
    tq_init(&x, 2U);
    SL_CHECK(tq_start(&x, &a, 0U, 10U, 0U));
    SL_CHECK(tq_start(&x, &b, 0U, 20U, 0U));
    SL_CHECK(sloop_timerq_release(&x.q, a));
    SL_CHECK_EQ(sloop_timerq_armed_count(&x.q), 1U);
    /* a's slot is reused by c; a must not reach it. */
    SL_CHECK(tq_start(&x, &c, 0U, 30U, 0U));
    SL_CHECK_EQ(c.index, a.index);
    SL_CHECK(!sloop_timerq_armed(&x.q, a));
    SL_CHECK(!sloop_timerq_disarm(&x.q, a));
    SL_CHECK(!sloop_timerq_arm(&x.q, a, 0U, 1U, 0U));
    SL_CHECK(!sloop_timerq_release(&x.q, a));
    SL_CHECK_EQ(sloop_timerq_armed_count(&x.q), 2U);
    SL_CHECK(sloop_timerq_armed(&x.q, c));
    SL_CHECK(next_is(&x, 20U));
    SL_CHECK(pops(&x, 100U, b));
    SL_CHECK(pops(&x, 100U, c));
}

SL_TEST(timer_unknown_handles_are_rejected_and_change_nothing)
{
    tq x;
    sloop_slot_ref a;
    sloop_slot_ref bad[6];
    size_t i;
    tq_init(&x, 4U);
    SL_CHECK(tq_start(&x, &a, 0U, 10U, 0U));
    bad[0] = make_ref(4U, 1U);              /* index == cap */
    bad[1] = make_ref(UINT32_MAX, a.gen);   /* far out of range */
    bad[2] = make_ref(a.index, a.gen + 1U); /* even generation */
    bad[3] = make_ref(a.index, 0U);         /* generation 0 */
    bad[4] = make_ref(a.index, a.gen + 2U); /* right index, wrong generation */
    bad[5] = make_ref(2U, 1U);              /* never allocated */
    for (i = 0U; i < SL_COUNT(bad); i++) {
        SL_CHECK(!sloop_timerq_armed(&x.q, bad[i]));
        SL_CHECK(!sloop_timerq_arm(&x.q, bad[i], 0U, 1U, 0U));
        SL_CHECK(!sloop_timerq_disarm(&x.q, bad[i]));
        SL_CHECK(!sloop_timerq_release(&x.q, bad[i]));
    }
    SL_CHECK_EQ(sloop_timerq_armed_count(&x.q), 1U);
    SL_CHECK(next_is(&x, 10U));
    SL_CHECK(pops(&x, 10U, a));
    SL_CHECK(pops_nothing(&x, 1000U));
}

SL_TEST(timer_release_of_an_armed_timer_cancels_it)
{
    tq x;
    sloop_slot_ref a;
    sloop_slot_ref b;
    tq_init(&x, 2U);
    SL_CHECK(tq_start(&x, &a, 0U, 10U, 5U));
    SL_CHECK(tq_start(&x, &b, 0U, 20U, 0U));
    SL_CHECK(sloop_timerq_release(&x.q, a));
    SL_CHECK_EQ(sloop_timerq_armed_count(&x.q), 1U);
    SL_CHECK(pops(&x, 100U, b));
    SL_CHECK(pops_nothing(&x, 100U));
}

SL_TEST(timer_rearm_moves_a_timer_earlier)
{
    tq x;
    sloop_slot_ref a;
    sloop_slot_ref b;
    tq_init(&x, 2U);
    SL_CHECK(tq_start(&x, &a, 0U, 50U, 0U));
    SL_CHECK(tq_start(&x, &b, 0U, 30U, 0U));
    SL_CHECK(sloop_timerq_arm(&x.q, a, 5U, 5U, 0U));
    SL_CHECK_EQ(sloop_timerq_armed_count(&x.q), 2U); /* moved, not duplicated */
    SL_CHECK(next_is(&x, 10U));
    SL_CHECK(pops(&x, 10U, a));
    SL_CHECK(pops_nothing(&x, 29U));
    SL_CHECK(pops(&x, 30U, b));
    SL_CHECK(pops_nothing(&x, 1000U)); /* the old deadline 50 is gone */
}

SL_TEST(timer_rearm_moves_a_timer_later)
{
    tq x;
    sloop_slot_ref a;
    sloop_slot_ref b;
    tq_init(&x, 2U);
    SL_CHECK(tq_start(&x, &a, 0U, 10U, 0U));
    SL_CHECK(tq_start(&x, &b, 0U, 30U, 0U));
    SL_CHECK(sloop_timerq_arm(&x.q, a, 5U, 45U, 0U));
    SL_CHECK_EQ(sloop_timerq_armed_count(&x.q), 2U);
    SL_CHECK(pops_nothing(&x, 10U)); /* the old deadline 10 is gone */
    SL_CHECK(next_is(&x, 30U));
    SL_CHECK(pops(&x, 30U, b));
    SL_CHECK(pops_nothing(&x, 49U));
    SL_CHECK(pops(&x, 50U, a));
}

SL_TEST(timer_rearm_turns_a_periodic_timer_into_a_one_shot)
{
    tq x;
    sloop_slot_ref a;
    tq_init(&x, 1U);
    SL_CHECK(tq_start(&x, &a, 0U, 10U, 10U));
    SL_CHECK(sloop_timerq_arm(&x.q, a, 0U, 15U, 0U));
    SL_CHECK(pops(&x, 15U, a));
    SL_CHECK(!sloop_timerq_armed(&x.q, a));
    SL_CHECK(pops_nothing(&x, 1000U));
}

SL_TEST(timer_periodic_rearms_at_deadline_plus_period_without_drift)
{
    tq x;
    sloop_slot_ref a;
    tq_init(&x, 1U);
    SL_CHECK(tq_start(&x, &a, 0U, 10U, 10U));
    /* Popped 3 ms late: the next deadline is still 20, not 23. */
    SL_CHECK(pops(&x, 13U, a));
    SL_CHECK(sloop_timerq_armed(&x.q, a));
    SL_CHECK_EQ(sloop_timerq_armed_count(&x.q), 1U);
    SL_CHECK(next_is(&x, 20U));
    SL_CHECK(pops_nothing(&x, 13U));
    /* Popped 9 ms late (just under a period): next is still 30. */
    SL_CHECK(pops(&x, 29U, a));
    SL_CHECK(next_is(&x, 30U));
    SL_CHECK(pops_nothing(&x, 29U));
    SL_CHECK(pops(&x, 30U, a));
    SL_CHECK(next_is(&x, 40U));
}

SL_TEST(timer_periodic_late_by_a_period_or_more_rearms_from_now_without_a_burst)
{
    tq x;
    sloop_slot_ref a;
    tq_init(&x, 1U);
    /* Deadline 10, popped at 35 (2.5 periods late): one call, next at 45. */
    SL_CHECK(tq_start(&x, &a, 0U, 10U, 10U));
    SL_CHECK(pops(&x, 35U, a));
    SL_CHECK(pops_nothing(&x, 35U));
    SL_CHECK(next_is(&x, 45U));
    /* Exactly one period late: deadline + period is already due, so now + period. */
    SL_CHECK(sloop_timerq_arm(&x.q, a, 100U, 10U, 10U));
    SL_CHECK(pops(&x, 120U, a));
    SL_CHECK(pops_nothing(&x, 120U));
    SL_CHECK(next_is(&x, 130U));
}

SL_TEST(timer_pass_over_expired_timers_at_one_now_ends)
{
    /* Eight periodic timers of period 1, all long expired: one pop each. */
    tq x;
    sloop_slot_ref refs[8];
    sloop_slot_ref got[16];
    uint32_t i;
    tq_init(&x, 8U);
    for (i = 0U; i < 8U; i++) {
        SL_CHECK(tq_start(&x, &refs[i], 0U, 0U, 1U));
    }
    SL_CHECK_EQ(pop_all(&x, 1000U, got, 16U), 8U);
    for (i = 0U; i < 8U; i++) {
        SL_CHECK(same_ref(got[i], refs[i]));
    }
    SL_CHECK_EQ(sloop_timerq_armed_count(&x.q), 8U);
    SL_CHECK(next_is(&x, 1001U));
    /* Next millisecond: each fires once more, still in start order. */
    SL_CHECK_EQ(pop_all(&x, 1001U, got, 16U), 8U);
    for (i = 0U; i < 8U; i++) {
        SL_CHECK(same_ref(got[i], refs[i]));
    }
}

SL_TEST(timer_deadlines_straddling_the_wrap_fire_in_true_order)
{
    const sloop_tick now = 0xFFFFFF00U;
    tq x;
    sloop_slot_ref a;
    sloop_slot_ref b;
    sloop_slot_ref c;
    sloop_slot_ref got[3];
    tq_init(&x, 4U);
    SL_CHECK(tq_start(&x, &a, now, 0x200U, 0U)); /* 0x00000100, after the wrap */
    SL_CHECK(tq_start(&x, &b, now, 0x80U, 0U));  /* 0xFFFFFF80, before it */
    SL_CHECK(tq_start(&x, &c, now, 0x100U, 0U)); /* 0x00000000, at it */
    SL_CHECK(next_is(&x, 0xFFFFFF80U));
    SL_CHECK(pops_nothing(&x, 0xFFFFFF7FU));
    SL_CHECK(pops(&x, 0xFFFFFF80U, b));
    SL_CHECK(pops_nothing(&x, 0xFFFFFFFFU));
    SL_CHECK(next_is(&x, 0x0U));
    SL_CHECK(pops(&x, 0x0U, c));
    SL_CHECK(pops_nothing(&x, 0xFFU));
    SL_CHECK(pops(&x, 0x100U, a));

    /* Popped late, all at once after the wrap: still in true order. */
    tq_init(&x, 4U);
    SL_CHECK(tq_start(&x, &a, now, 0x200U, 0U));
    SL_CHECK(tq_start(&x, &b, now, 0x80U, 0U));
    SL_CHECK(tq_start(&x, &c, now, 0x100U, 0U));
    SL_CHECK_EQ(pop_all(&x, 0x1000U, got, 3U), 3U);
    SL_CHECK(same_ref(got[0], b));
    SL_CHECK(same_ref(got[1], c));
    SL_CHECK(same_ref(got[2], a));
}

SL_TEST(timer_periodic_keeps_its_period_across_the_wrap)
{
    tq x;
    sloop_slot_ref a;
    tq_init(&x, 1U);
    SL_CHECK(tq_start(&x, &a, 0xFFFFFFF0U, 0x8U, 0x10U));
    SL_CHECK(pops(&x, 0xFFFFFFF8U, a));
    SL_CHECK(next_is(&x, 0x8U));
    SL_CHECK(pops_nothing(&x, 0xFFFFFFFFU));
    SL_CHECK(pops_nothing(&x, 0x7U));
    SL_CHECK(pops(&x, 0x8U, a));
    SL_CHECK(next_is(&x, 0x18U));
}

SL_TEST(timer_delay_of_max_is_accepted_and_max_plus_one_rejected)
{
    tq x;
    sloop_slot_ref a;
    tq_init(&x, 1U);
    SL_CHECK(tq_start(&x, &a, 100U, 10U, 0U));
    /* Rejected: no change, the earlier arming still stands. */
    SL_CHECK(!sloop_timerq_arm(&x.q, a, 100U, SLOOP_TICK_MAX_DELAY + 1U, 0U));
    SL_CHECK(!sloop_timerq_arm(&x.q, a, 100U, UINT32_MAX, 0U));
    SL_CHECK(sloop_timerq_armed(&x.q, a));
    SL_CHECK(next_is(&x, 110U));
    SL_CHECK(pops(&x, 110U, a));
    /* Rejected while disarmed: stays disarmed. */
    SL_CHECK(!sloop_timerq_arm(&x.q, a, 100U, SLOOP_TICK_MAX_DELAY + 1U, 0U));
    SL_CHECK(!sloop_timerq_armed(&x.q, a));
    /* The maximum itself is accepted and fires neither early nor late. */
    SL_CHECK(sloop_timerq_arm(&x.q, a, 5U, SLOOP_TICK_MAX_DELAY, 0U));
    SL_CHECK(next_is(&x, 5U + SLOOP_TICK_MAX_DELAY));
    SL_CHECK(pops_nothing(&x, 5U + SLOOP_TICK_MAX_DELAY - 1U));
    SL_CHECK(pops(&x, 5U + SLOOP_TICK_MAX_DELAY, a));
}

SL_TEST(timer_period_of_max_is_accepted_and_max_plus_one_rejected)
{
    tq x;
    sloop_slot_ref a;
    tq_init(&x, 1U);
    SL_CHECK(tq_start(&x, &a, 0U, 10U, SLOOP_TICK_MAX_DELAY));
    SL_CHECK(!sloop_timerq_arm(&x.q, a, 0U, 20U, SLOOP_TICK_MAX_DELAY + 1U));
    SL_CHECK(next_is(&x, 10U)); /* unchanged by the rejected call */
    SL_CHECK(pops(&x, 10U, a));
    SL_CHECK(next_is(&x, 10U + SLOOP_TICK_MAX_DELAY));
}

SL_TEST(timer_alloc_fails_when_capacity_is_full)
{
    tq x;
    sloop_slot_ref refs[4];
    sloop_slot_ref extra;
    uint32_t i;
    tq_init(&x, 4U);
    for (i = 0U; i < 4U; i++) {
        SL_CHECK(sloop_timerq_alloc(&x.q, &refs[i]));
        SL_CHECK(!sloop_timerq_armed(&x.q, refs[i])); /* allocated, not armed */
    }
    SL_CHECK(!sloop_timerq_alloc(&x.q, &extra));
    SL_CHECK_EQ(sloop_timerq_armed_count(&x.q), 0U);
    SL_CHECK(sloop_timerq_release(&x.q, refs[2]));
    SL_CHECK(sloop_timerq_alloc(&x.q, &extra));
    SL_CHECK(!sloop_timerq_alloc(&x.q, &extra));
}

SL_TEST(timer_full_queue_pops_every_timer_in_order)
{
    tq x;
    sloop_slot_ref refs[MAX_CAP];
    sloop_slot_ref got[MAX_CAP];
    uint32_t i;
    tq_init(&x, MAX_CAP);
    for (i = 0U; i < MAX_CAP; i++) {
        SL_CHECK(tq_start(&x, &refs[i], 0U, 100U - i, 0U)); /* reverse order */
    }
    SL_CHECK_EQ(sloop_timerq_armed_count(&x.q), MAX_CAP);
    SL_CHECK_EQ(pop_all(&x, 100U, got, MAX_CAP), MAX_CAP);
    for (i = 0U; i < MAX_CAP; i++) {
        SL_CHECK(same_ref(got[i], refs[MAX_CAP - 1U - i]));
    }
}

SL_TEST(timer_queue_of_capacity_zero_holds_nothing)
{
    tq x;
    sloop_slot_ref r;
    sloop_tick d;
    tq_init(&x, 0U);
    SL_CHECK(!sloop_timerq_alloc(&x.q, &r));
    SL_CHECK(!sloop_timerq_arm(&x.q, make_ref(0U, 1U), 0U, 1U, 0U));
    SL_CHECK(!sloop_timerq_next_deadline(&x.q, &d));
    SL_CHECK(pops_nothing(&x, 0U));
}

/* ---- Randomised comparison with a naive reference model ------------------- */

static uint32_t rng_next(uint32_t *state)
{
    /* xorshift32: deterministic, so a failure always reproduces. */
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

/* The model keeps unwrapped 64-bit times, so its order is the true order; the
 * queue only ever sees the low 32 bits. */
typedef struct model_timer {
    bool allocated;
    bool armed;
    sloop_slot_ref ref;
    unsigned long long deadline;
    uint32_t period;
    unsigned long long seq;
} model_timer;

typedef struct model {
    model_timer t[MAX_CAP];
    uint32_t cap;
    unsigned long long now;
    unsigned long long seq;
    sloop_slot_ref stale[64]; /* handles released earlier */
    uint32_t stale_count;
} model;

/* The armed timer with the earliest deadline, ties by start order; cap if none. */
static uint32_t model_min(const model *m)
{
    uint32_t best = m->cap;
    uint32_t i;
    for (i = 0U; i < m->cap; i++) {
        const model_timer *e = &m->t[i];
        if (e->armed &&
            ((best == m->cap) || (e->deadline < m->t[best].deadline) ||
             ((e->deadline == m->t[best].deadline) && (e->seq < m->t[best].seq)))) {
            best = i;
        }
    }
    return best;
}

static uint32_t model_armed_count(const model *m)
{
    uint32_t i;
    uint32_t n = 0U;
    for (i = 0U; i < m->cap; i++) {
        n += m->t[i].armed ? 1U : 0U;
    }
    return n;
}

/* A random allocated timer; cap if none. */
static uint32_t model_pick(const model *m, uint32_t roll)
{
    uint32_t i;
    for (i = 0U; i < m->cap; i++) {
        uint32_t id = (roll + i) % m->cap;
        if (m->t[id].allocated) {
            return id;
        }
    }
    return m->cap;
}

/* Queue and model agree on everything observable. */
static bool model_matches(const model *m, const tq *x)
{
    uint32_t best = model_min(m);
    sloop_tick d = 0U;
    bool has_next = sloop_timerq_next_deadline(&x->q, &d);
    uint32_t i;
    if ((sloop_timerq_armed_count(&x->q) != model_armed_count(m)) ||
        (has_next != (best != m->cap)) ||
        (has_next && (d != (sloop_tick)m->t[best].deadline))) {
        return false;
    }
    for (i = 0U; i < m->cap; i++) {
        if (m->t[i].allocated && (sloop_timerq_armed(&x->q, m->t[i].ref) != m->t[i].armed)) {
            return false;
        }
    }
    for (i = 0U; i < m->stale_count; i++) {
        if (sloop_timerq_armed(&x->q, m->stale[i])) {
            return false;
        }
    }
    return true;
}

/* Pops every expired timer at the model's now from both; false on a mismatch. */
static bool model_pop_all(model *m, tq *x)
{
    for (;;) {
        uint32_t best = model_min(m);
        bool due = (best != m->cap) && (m->t[best].deadline <= m->now);
        sloop_slot_ref r;
        bool popped = sloop_timerq_pop_expired(&x->q, (sloop_tick)m->now, &r);
        if (popped != due) {
            return false;
        }
        if (!due) {
            return true;
        }
        if (!same_ref(r, m->t[best].ref)) {
            return false;
        }
        if (m->t[best].period == 0U) {
            m->t[best].armed = false;
        } else {
            unsigned long long next = m->t[best].deadline + m->t[best].period;
            if (next <= m->now) {
                next = m->now + m->t[best].period;
            }
            m->t[best].deadline = next;
            m->t[best].seq = m->seq++;
        }
    }
}

/* One randomised run; returns the step at which queue and model disagree, or 0. */
static uint32_t timer_random_run(uint32_t cap, uint32_t seed, uint32_t steps)
{
    static const uint32_t delays[] = {0U, 1U, 2U, 5U, 10U, 10U, 20U, 50U, 100U, 300U};
    tq x;
    model m;
    uint32_t state = seed;
    uint32_t step;
    memset(&m, 0, sizeof(m));
    m.cap = cap;
    m.now = 0xFFFFF000ULL; /* the 32-bit clock wraps early in the run */
    tq_init(&x, cap);
    for (step = 1U; step <= steps; step++) {
        uint32_t roll = rng_next(&state);
        uint32_t op = roll % 100U;
        uint32_t id = model_pick(&m, roll >> 8);
        sloop_slot_ref r;
        if (op < 12U) { /* alloc */
            bool room = false;
            uint32_t i;
            for (i = 0U; i < cap; i++) {
                room = room || !m.t[i].allocated;
            }
            if (sloop_timerq_alloc(&x.q, &r) != room) {
                return step;
            }
            if (room) {
                if ((r.index >= cap) || m.t[r.index].allocated) {
                    return step;
                }
                memset(&m.t[r.index], 0, sizeof(m.t[r.index]));
                m.t[r.index].allocated = true;
                m.t[r.index].ref = r;
            }
        } else if (op < 20U) { /* release */
            if (id < cap) {
                if (!sloop_timerq_release(&x.q, m.t[id].ref)) {
                    return step;
                }
                m.t[id].allocated = false;
                m.t[id].armed = false;
                if (m.stale_count < 64U) {
                    m.stale[m.stale_count] = m.t[id].ref;
                    m.stale_count++;
                }
            }
        } else if (op < 50U) { /* arm or re-arm */
            uint32_t r2 = rng_next(&state);
            uint32_t delay = delays[r2 % 10U];
            uint32_t period = ((r2 >> 4) % 3U == 0U) ? delays[(r2 >> 8) % 10U] : 0U;
            bool ok;
            if ((r2 >> 12) % 20U == 0U) {
                delay = SLOOP_TICK_MAX_DELAY + 1U; /* must be refused, no change */
            } else if ((r2 >> 12) % 20U == 1U) {
                period = SLOOP_TICK_MAX_DELAY + 1U;
            } else {
                /* an ordinary arming */
            }
            if (id < cap) {
                ok = (delay <= SLOOP_TICK_MAX_DELAY) && (period <= SLOOP_TICK_MAX_DELAY);
                if (sloop_timerq_arm(&x.q, m.t[id].ref, (sloop_tick)m.now, delay, period) != ok) {
                    return step;
                }
                if (ok) {
                    m.t[id].armed = true;
                    m.t[id].deadline = m.now + delay;
                    m.t[id].period = period;
                    m.t[id].seq = m.seq++;
                }
            }
        } else if (op < 62U) { /* cancel */
            if ((id < cap) && (sloop_timerq_disarm(&x.q, m.t[id].ref) != m.t[id].armed)) {
                return step;
            }
            if (id < cap) {
                m.t[id].armed = false;
            }
        } else if (op < 66U) { /* stale handle: every call refused */
            if (m.stale_count > 0U) {
                sloop_slot_ref s = m.stale[(roll >> 8) % m.stale_count];
                if (sloop_timerq_arm(&x.q, s, (sloop_tick)m.now, 1U, 0U) ||
                    sloop_timerq_disarm(&x.q, s) || sloop_timerq_release(&x.q, s)) {
                    return step;
                }
            }
        } else if (op < 98U) { /* time passes, expired timers are served */
            m.now += (roll >> 8) % 40U;
            if (!model_pop_all(&m, &x)) {
                return step;
            }
        } else { /* a long stall: up to 2^28 ms */
            m.now += (roll >> 4) % 0x10000000U;
            if (!model_pop_all(&m, &x)) {
                return step;
            }
        }
        if (!model_matches(&m, &x)) {
            return step;
        }
    }
    return 0U;
}

SL_TEST(timer_random_operations_match_a_reference_model)
{
    static const uint32_t caps[] = {1U, 3U, 8U, MAX_CAP};
    size_t i;
    for (i = 0U; i < SL_COUNT(caps); i++) {
        uint32_t seed;
        for (seed = 1U; seed <= 4U; seed++) {
            SL_CHECK_EQ(timer_random_run(caps[i], seed * 0x9E3779B9U, 5000U), 0U);
        }
    }
}

static const sl_test tests[] = {
    SL_ENTRY(timer_pops_in_deadline_order),
    SL_ENTRY(timer_does_not_pop_before_its_deadline_and_pops_at_it),
    SL_ENTRY(timer_ties_fire_in_start_order),
    SL_ENTRY(timer_rearm_to_the_same_deadline_goes_behind_its_ties),
    SL_ENTRY(timer_next_deadline_reports_the_earliest_armed),
    SL_ENTRY(timer_delay_zero_fires_at_once),
    SL_ENTRY(timer_disarm_removes_exactly_that_timer),
    SL_ENTRY(timer_one_shot_is_disarmed_but_still_allocated_after_it_fires),
    SL_ENTRY(timer_released_handle_is_rejected_and_changes_nothing),
    SL_ENTRY(timer_unknown_handles_are_rejected_and_change_nothing),
    SL_ENTRY(timer_release_of_an_armed_timer_cancels_it),
    SL_ENTRY(timer_rearm_moves_a_timer_earlier),
    SL_ENTRY(timer_rearm_moves_a_timer_later),
    SL_ENTRY(timer_rearm_turns_a_periodic_timer_into_a_one_shot),
    SL_ENTRY(timer_periodic_rearms_at_deadline_plus_period_without_drift),
    SL_ENTRY(timer_periodic_late_by_a_period_or_more_rearms_from_now_without_a_burst),
    SL_ENTRY(timer_pass_over_expired_timers_at_one_now_ends),
    SL_ENTRY(timer_deadlines_straddling_the_wrap_fire_in_true_order),
    SL_ENTRY(timer_periodic_keeps_its_period_across_the_wrap),
    SL_ENTRY(timer_delay_of_max_is_accepted_and_max_plus_one_rejected),
    SL_ENTRY(timer_period_of_max_is_accepted_and_max_plus_one_rejected),
    SL_ENTRY(timer_alloc_fails_when_capacity_is_full),
    SL_ENTRY(timer_full_queue_pops_every_timer_in_order),
    SL_ENTRY(timer_queue_of_capacity_zero_holds_nothing),
    SL_ENTRY(timer_random_operations_match_a_reference_model),
};

int main(int argc, char **argv)
{
    return sl_main("timer", tests, SL_COUNT(tests), argc, argv);
}
