/*
 * test_tick.c - wrap-safe tick arithmetic (src/core/tick.h).
 *
 * What a user relies on: on a 32-bit millisecond clock that wraps every 49.7
 * days, "before", "reached" and "remaining" give the order and distance of the
 * unwrapped times whenever two ticks are less than 2^31 ms apart. Exactly 2^31
 * apart is deliberately not pinned: the order is ambiguous there by design.
 */
#include "core/tick.h"
#include "harness.h"

#define HALF_MINUS_ONE 0x7FFFFFFFU

/* Ticks at the edges of the circle, used as bases for every property below. */
static const sloop_tick edge_ticks[] = {
    0x00000000U, 0x00000001U, 0x00000010U, 0x7FFFFFFEU, 0x7FFFFFFFU,
    0x80000000U, 0x80000001U, 0xFFFFFFF0U, 0xFFFFFFFEU, 0xFFFFFFFFU,
};

SL_TEST(tick_equal_ticks_are_reached_and_not_before_each_other)
{
    size_t i;
    for (i = 0U; i < SL_COUNT(edge_ticks); i++) {
        sloop_tick t = edge_ticks[i];
        SL_CHECK(!sloop_tick_before(t, t));
        SL_CHECK(sloop_tick_reached(t, t));
        SL_CHECK_EQ(sloop_tick_remaining(t, t), 0U);
    }
}

SL_TEST(tick_before_orders_ticks_across_the_wrap)
{
    /* 0xFFFFFFF0 is 32 ms before 0x10 once the counter has wrapped. */
    SL_CHECK(sloop_tick_before(0xFFFFFFF0U, 0x10U));
    SL_CHECK(!sloop_tick_before(0x10U, 0xFFFFFFF0U));
    SL_CHECK(sloop_tick_before(0xFFFFFFFFU, 0x0U));
    SL_CHECK(!sloop_tick_before(0x0U, 0xFFFFFFFFU));
}

SL_TEST(tick_reached_across_the_wrap)
{
    /* now after the wrap, deadline before it: reached. */
    SL_CHECK(sloop_tick_reached(0x10U, 0xFFFFFFF0U));
    /* now before the wrap, deadline after it: not yet. */
    SL_CHECK(!sloop_tick_reached(0xFFFFFFF0U, 0x10U));
    SL_CHECK(sloop_tick_reached(0x0U, 0xFFFFFFFFU));
    SL_CHECK(!sloop_tick_reached(0xFFFFFFFFU, 0x0U));
}

SL_TEST(tick_add_wraps_modulo_2_32)
{
    SL_CHECK_EQ(sloop_tick_add(0xFFFFFFF0U, 0x20U), 0x10U);
    SL_CHECK_EQ(sloop_tick_add(0xFFFFFFFFU, 1U), 0U);
    SL_CHECK_EQ(sloop_tick_add(0x10U, 0U), 0x10U);
    SL_CHECK_EQ(sloop_tick_add(0x80000000U, HALF_MINUS_ONE), 0xFFFFFFFFU);
    SL_CHECK_EQ(sloop_tick_add(0x80000001U, HALF_MINUS_ONE), 0U);
}

SL_TEST(tick_remaining_counts_across_the_wrap)
{
    SL_CHECK_EQ(sloop_tick_remaining(0xFFFFFFF0U, 0x10U), 0x20U);
    SL_CHECK_EQ(sloop_tick_remaining(0xFFFFFFFFU, 0x0U), 1U);
    SL_CHECK_EQ(sloop_tick_remaining(0xFFFFFFFFU, 0x7FFFFFFEU), HALF_MINUS_ONE);
}

SL_TEST(tick_remaining_is_zero_once_the_deadline_is_reached)
{
    /* Walk now across a deadline just after the wrap: 3, 2, 1, then 0 for good. */
    static const uint32_t expect[] = {3U, 2U, 1U, 0U, 0U, 0U, 0U};
    sloop_tick deadline = 0x1U;
    sloop_tick now = 0xFFFFFFFEU;
    size_t i;
    for (i = 0U; i < SL_COUNT(expect); i++) {
        SL_CHECK_EQ(sloop_tick_remaining(now, deadline), expect[i]);
        SL_CHECK(sloop_tick_reached(now, deadline) == (expect[i] == 0U));
        now = sloop_tick_add(now, 1U);
    }
    /* Long past (but within 2^31): still 0, never a huge unsigned value. */
    SL_CHECK_EQ(sloop_tick_remaining(0x10U, 0xFFFFFFF0U), 0U);
    SL_CHECK_EQ(sloop_tick_remaining(sloop_tick_add(deadline, HALF_MINUS_ONE), deadline), 0U);
}

SL_TEST(tick_order_holds_at_2_31_minus_1_apart_both_ways)
{
    size_t i;
    for (i = 0U; i < SL_COUNT(edge_ticks); i++) {
        sloop_tick early = edge_ticks[i];
        sloop_tick late = sloop_tick_add(early, HALF_MINUS_ONE);
        SL_CHECK(sloop_tick_before(early, late));
        SL_CHECK(!sloop_tick_before(late, early));
        SL_CHECK(!sloop_tick_reached(early, late));
        SL_CHECK(sloop_tick_reached(late, early));
        SL_CHECK_EQ(sloop_tick_remaining(early, late), HALF_MINUS_ONE);
        SL_CHECK_EQ(sloop_tick_remaining(late, early), 0U);
    }
}

SL_TEST(tick_before_matches_unwrapped_order_near_the_wrap_and_the_half)
{
    /* Every pair in a window around the wrap point and around 2^31 compares like
     * the unwrapped 64-bit times do, and exactly one of a<b, b<a, a==b holds. */
    static const long long centres[] = {0x100000000LL, 0x80000000LL};
    size_t c;
    for (c = 0U; c < SL_COUNT(centres); c++) {
        long long i;
        for (i = -40; i <= 40; i++) {
            long long j;
            for (j = -40; j <= 40; j++) {
                long long ua = centres[c] + i;
                long long ub = centres[c] + j;
                sloop_tick a = (sloop_tick)(unsigned long long)ua;
                sloop_tick b = (sloop_tick)(unsigned long long)ub;
                int relations = (sloop_tick_before(a, b) ? 1 : 0) +
                                (sloop_tick_before(b, a) ? 1 : 0) + ((a == b) ? 1 : 0);
                SL_CHECK(sloop_tick_before(a, b) == (ua < ub));
                SL_CHECK(sloop_tick_reached(b, a) == (ua <= ub));
                SL_CHECK_EQ(relations, 1);
                SL_CHECK_EQ(sloop_tick_remaining(a, b), (ua < ub) ? (ub - ua) : 0);
            }
        }
    }
}

SL_TEST(tick_add_then_remaining_gives_back_the_delay)
{
    static const uint32_t delays[] = {0U, 1U, 0x20U, 0x3FFFFFFFU, 0x40000000U, HALF_MINUS_ONE};
    size_t i;
    size_t k;
    for (i = 0U; i < SL_COUNT(edge_ticks); i++) {
        for (k = 0U; k < SL_COUNT(delays); k++) {
            sloop_tick now = edge_ticks[i];
            sloop_tick deadline = sloop_tick_add(now, delays[k]);
            SL_CHECK_EQ(sloop_tick_remaining(now, deadline), delays[k]);
            SL_CHECK(sloop_tick_reached(now, deadline) == (delays[k] == 0U));
            SL_CHECK(sloop_tick_reached(deadline, deadline));
        }
    }
}

static const sl_test tests[] = {
    SL_ENTRY(tick_equal_ticks_are_reached_and_not_before_each_other),
    SL_ENTRY(tick_before_orders_ticks_across_the_wrap),
    SL_ENTRY(tick_reached_across_the_wrap),
    SL_ENTRY(tick_add_wraps_modulo_2_32),
    SL_ENTRY(tick_remaining_counts_across_the_wrap),
    SL_ENTRY(tick_remaining_is_zero_once_the_deadline_is_reached),
    SL_ENTRY(tick_order_holds_at_2_31_minus_1_apart_both_ways),
    SL_ENTRY(tick_before_matches_unwrapped_order_near_the_wrap_and_the_half),
    SL_ENTRY(tick_add_then_remaining_gives_back_the_delay),
};

int main(int argc, char **argv)
{
    return sl_main("tick", tests, SL_COUNT(tests), argc, argv);
}
