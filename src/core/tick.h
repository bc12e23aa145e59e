/*
 * tick.h - wrap-safe arithmetic on a 32-bit millisecond clock.
 *
 * Firmware tick counters wrap every 2^32 ms (49.7 days). sloop never compares two
 * ticks with < directly; it asks whether one is before the other on the circle,
 * which is the true order of the unwrapped times whenever they are less than
 * 2^31 ms apart (proved in proofs/, see docs/verification.md).
 */
#ifndef SLOOP_CORE_TICK_H
#define SLOOP_CORE_TICK_H

#include <stdbool.h>
#include <stdint.h>

typedef uint32_t sloop_tick;

/* True when a lies strictly before b, i.e. (a - b) mod 2^32 >= 2^31. */
bool sloop_tick_before(sloop_tick a, sloop_tick b);

/* True when the deadline is at or before now: !sloop_tick_before(now, deadline). */
bool sloop_tick_reached(sloop_tick now, sloop_tick deadline);

/* now + delay on the circle. */
sloop_tick sloop_tick_add(sloop_tick now, uint32_t delay);

/* Milliseconds from now until the deadline, 0 when it is reached. */
uint32_t sloop_tick_remaining(sloop_tick now, sloop_tick deadline);

#endif
