/*
 * tick.c - wrap-safe comparison of 32-bit millisecond ticks.
 *
 * The difference a - b is computed in unsigned arithmetic (defined modulo 2^32)
 * and read as "a is before b" when it lands in the upper half of the circle.
 * No signed conversion is used: converting an out-of-range value to int32_t is
 * implementation-defined, and MISRA and the proofs both prefer the unsigned form.
 */
#include "tick.h"

bool sloop_tick_before(sloop_tick a, sloop_tick b)
{
    return (uint32_t)(a - b) >= 0x80000000U;
}

bool sloop_tick_reached(sloop_tick now, sloop_tick deadline)
{
    return !sloop_tick_before(now, deadline);
}

sloop_tick sloop_tick_add(sloop_tick now, uint32_t delay)
{
    return (sloop_tick)(now + delay);
}

uint32_t sloop_tick_remaining(sloop_tick now, sloop_tick deadline)
{
    uint32_t left = 0U;
    if (sloop_tick_before(now, deadline)) {
        left = (uint32_t)(deadline - now);
    }
    return left;
}
