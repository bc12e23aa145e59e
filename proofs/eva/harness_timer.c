/*
 * proofs/eva/harness_timer.c - Eva entry point (frama-c -eva -main eva_timer_main)
 * for the timer module alone (src/core/timer.c over slots.c and tick.c), with
 * generic inputs.
 *
 * The whole-loop run (proofs/eva/harness.c) replaces the public timerq functions
 * by their ACSL contracts (-eva-use-spec): analysing their bodies at every one of
 * the loop's calls was most of that run's time. This run analyses those bodies,
 * on a queue of the loop's size (SLOOP_MAX_TIMERS + SLOOP_MAX_CONNS ids, from
 * proofs/eva/config.h), through EVA_TIMER_OPS operations, each one of: allocate,
 * arm (any delay up to SLOOP_TICK_MAX_DELAY + 1, any period, so the rejected
 * delay is tried too), disarm, release, pop the expired, ask the next deadline,
 * ask whether armed, count; on any handle ever returned (stale ones included)
 * or a forged one, with a clock that starts anywhere (wrap included) and moves
 * by up to 200 ms or up to 2^27 ms between operations (so that the callers'
 * promise timer_now_ok holds; see the loop below).
 */
#include "__fc_builtin.h"
#include "sloop_config.h"
#include "core/timer.h"

#ifndef EVA_TIMER_OPS
#define EVA_TIMER_OPS 6
#endif
#if EVA_TIMER_OPS > 8
#error "EVA_TIMER_OPS above 8 breaks the clock-step bound below (timer_now_ok)"
#endif
#define EVA_TCAP (SLOOP_MAX_TIMERS + SLOOP_MAX_CONNS)

static sloop_timerq g_q;
static sloop_timer_entry g_t[EVA_TCAP];
static uint32_t g_heap[EVA_TCAP];
static uint32_t g_gen[EVA_TCAP];
static uint32_t g_free[EVA_TCAP];
static sloop_slot_ref g_ref[2]; /* handles seen (may be stale) */
static volatile uint32_t g_sink;

static int pick(int n) { return Frama_C_interval(0, n - 1); }

static sloop_slot_ref any_ref(void)
{
    sloop_slot_ref r = g_ref[pick(2)];
    if (pick(4) == 0) {
        /* A forged handle: any index, any generation. */
        r.index = Frama_C_unsigned_int_interval(0U, EVA_TCAP + 1U);
        r.gen = Frama_C_unsigned_int_interval(0U, 7U);
    }
    return r;
}

static void timer_op(sloop_tick now)
{
    sloop_slot_ref r = any_ref();
    switch (pick(8)) {
    case 0: {
        sloop_slot_ref got;
        if (sloop_timerq_alloc(&g_q, &got)) {
            //@ check alloc_in_range: got.index < EVA_TCAP;
            g_ref[pick(2)] = got;
        }
        break;
    }
    case 1:
        (void)sloop_timerq_arm(&g_q, r, now,
                               Frama_C_unsigned_int_interval(0U, SLOOP_TICK_MAX_DELAY + 1U),
                               Frama_C_unsigned_int_interval(0U, SLOOP_TICK_MAX_DELAY + 1U));
        break;
    case 2:
        (void)sloop_timerq_disarm(&g_q, r);
        break;
    case 3:
        (void)sloop_timerq_release(&g_q, r);
        break;
    case 4: {
        sloop_slot_ref fired;
        if (sloop_timerq_pop_expired(&g_q, now, &fired)) {
            //@ check reached_timer_pop: \true;
            //@ check pop_in_range: fired.index < EVA_TCAP;
            g_sink = fired.index;
        }
        break;
    }
    case 5: {
        sloop_tick d;
        if (sloop_timerq_next_deadline(&g_q, &d)) {
            //@ check reached_timer_next: \true;
            g_sink = d;
        }
        break;
    }
    case 6:
        g_sink = (uint32_t)sloop_timerq_armed(&g_q, r);
        break;
    default: {
        uint32_t armed = sloop_timerq_armed_count(&g_q);
        //@ check count_bound: armed <= EVA_TCAP;
        g_sink = armed;
        break;
    }
    }
}

void eva_timer_main(void)
{
    sloop_tick now = (pick(2) != 0) ? 1000U : Frama_C_unsigned_int_interval(0xFFFFFED3U, 0xFFFFFFFFU);
    int k;
    sloop_timerq_init(&g_q, g_t, g_heap, g_gen, g_free, EVA_TCAP);
    //@ check reached_timer_init: \true;
    /* Two allocations first, so that every later operation has live handles. */
    (void)sloop_timerq_alloc(&g_q, &g_ref[0]);
    (void)sloop_timerq_alloc(&g_q, &g_ref[1]);
    //@ loop unroll 16;
    for (k = 0; k < EVA_TIMER_OPS; k++) {
        timer_op(now);
        /* The callers' promise (timer_now_ok in timer.h): no armed deadline is
         * more than SLOOP_TIMER_MAX_LATE (2^30 ms) behind now. Steps of at most
         * 2^27 ms keep it for up to 8 operations: a deadline is never before
         * the now it was armed at, so its lag is at most the sum of the steps. */
        now += (pick(2) != 0) ? Frama_C_unsigned_int_interval(0U, 200U)
                              : Frama_C_unsigned_int_interval(0U, 0x08000000U);
    }
    //@ check reached_timer_end: \true;
}
