/*
 * tick.c - wrap-safe comparison of 32-bit millisecond ticks.
 *
 * The difference a - b modulo 2^32 is read as "a is before b" when it lands in
 * the upper half of the circle. No signed conversion is used: converting an
 * out-of-range value to int32_t is implementation-defined.
 *
 * No operation here wraps, although wrapping unsigned arithmetic would be well
 * defined C: WP models a wrapped result as an opaque value, so the functional
 * contracts (tick.h) are provable only when each modular step is written as the
 * in-range arithmetic it stands for. proofs/tick checks this with
 * -warn-unsigned-overflow. The results are bit-for-bit those of the one-line
 * wrapping forms, shown in the comment of each function.
 */
#include "tick.h"

/* (to - from) mod 2^32, i.e. (uint32_t)(to - from). */
/*@
  assigns \nothing;
  ensures \result == tick_norm(to - from);
*/
static uint32_t tick_distance(sloop_tick from, sloop_tick to)
{
    uint32_t d;
    if (to >= from) {
        d = to - from;
    } else {
        d = (UINT32_MAX - from) + to + 1U; /* 2^32 - (from - to), in range */
    }
    return d;
}

/* (uint32_t)(a - b) >= 0x80000000U */
bool sloop_tick_before(sloop_tick a, sloop_tick b)
{
    return tick_distance(b, a) >= 0x80000000U;
}

bool sloop_tick_reached(sloop_tick now, sloop_tick deadline)
{
    return !sloop_tick_before(now, deadline);
}

/* (sloop_tick)(now + delay) */
sloop_tick sloop_tick_add(sloop_tick now, uint32_t delay)
{
    uint32_t room = UINT32_MAX - now; /* steps before the clock wraps to 0 */
    sloop_tick t;
    if (delay <= room) {
        t = now + delay;
    } else {
        t = (delay - room) - 1U; /* now + delay - 2^32 */
    }
    return t;
}

uint32_t sloop_tick_remaining(sloop_tick now, sloop_tick deadline)
{
    uint32_t left = 0U;
    if (sloop_tick_before(now, deadline)) {
        left = tick_distance(now, deadline); /* (uint32_t)(deadline - now) */
    }
    return left;
}
