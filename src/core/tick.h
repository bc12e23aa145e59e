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

/*
 * ACSL model (proved by proofs/tick, see proofs/tick/README.md). Contracts of
 * the core modules sit on the prototypes in their headers, so that every module
 * including a header (timer.c includes tick.h and slots.h) is proved against the
 * same contracts.
 *
 * tick_wrap(x) is x mod 2^32 (Euclidean, in [0, 2^32)): the tick that a
 * mathematical time x shows on the clock. tick_norm is the same function written
 * without division for the range where it is used (lemma tick_norm_is_wrap);
 * provers handle it far better. tick_before(a, b) is the circle order of ticks.
 * An unwrapped time ta shows tick a exactly when ta == a + ka * 2^32 for some
 * integer ka; lemma tick_before_unwrapped is the reason the circle order is used
 * at all: for unwrapped times less than 2^31 apart it is their true order.
 */
/*@
  logic integer tick_wrap(integer x) = ((x % 4294967296) + 4294967296) % 4294967296;

  logic integer tick_norm(integer x) =
    x < 0 ? x + 4294967296 : (x >= 4294967296 ? x - 4294967296 : x);

  predicate tick_before(integer a, integer b) = tick_norm(a - b) >= 2147483648;

  lemma tick_turns_apart:
    \forall integer d, k;
      -4294967296 < d < 4294967296 && -2147483648 < d + k * 4294967296 < 2147483648 ==>
        -1 <= k <= 1;

  // The step of tick_before_unwrapped that cvc4 does not find alone (it timed
  // out where z3 took 20 ms; with this lemma both take 40 ms): two unwrapped
  // times less than 2^31 apart are at most one turn of the clock apart.
  lemma tick_unwrapped_turns:
    \forall integer a, b, ka, kb;
      0 <= a < 4294967296 && 0 <= b < 4294967296 &&
      -2147483648 < (a + ka * 4294967296) - (b + kb * 4294967296) < 2147483648 ==>
        -1 <= ka - kb <= 1;

  lemma tick_before_unwrapped:
    \forall integer a, b, ka, kb;
      0 <= a < 4294967296 && 0 <= b < 4294967296 &&
      -2147483648 < (a + ka * 4294967296) - (b + kb * 4294967296) < 2147483648 ==>
        (tick_before(a, b) <==> a + ka * 4294967296 < b + kb * 4294967296);

  // Last, so that the lemmas above are proved without division in context.
  lemma tick_norm_is_wrap:
    \forall integer x; -4294967296 < x < 8589934592 ==> tick_norm(x) == tick_wrap(x);
*/

/* True when a lies strictly before b, i.e. (a - b) mod 2^32 >= 2^31. */
/*@
  assigns \nothing;
  ensures exact: \result <==> tick_wrap(a - b) >= 2147483648;
  ensures unwrapped:
    \forall integer ka, kb;
      -2147483648 < (a + ka * 4294967296) - (b + kb * 4294967296) < 2147483648 ==>
        (\result <==> a + ka * 4294967296 < b + kb * 4294967296);
*/
bool sloop_tick_before(sloop_tick a, sloop_tick b);

/* True when the deadline is at or before now: !sloop_tick_before(now, deadline). */
/*@
  assigns \nothing;
  ensures exact: \result <==> !tick_before(now, deadline);
  ensures unwrapped:
    \forall integer kn, kd;
      -2147483648 < (now + kn * 4294967296) - (deadline + kd * 4294967296) < 2147483648 ==>
        (\result <==> deadline + kd * 4294967296 <= now + kn * 4294967296);
*/
bool sloop_tick_reached(sloop_tick now, sloop_tick deadline);

/* now + delay on the circle. */
/*@
  assigns \nothing;
  ensures exact: \result == tick_wrap(now + delay);
  ensures not_before_now: delay < 2147483648 ==> !tick_before(\result, now);
  ensures after_now: 0 < delay < 2147483648 ==> tick_before(now, \result);
*/
sloop_tick sloop_tick_add(sloop_tick now, uint32_t delay);

/* Milliseconds from now until the deadline, 0 when it is reached. */
/*@
  assigns \nothing;
  behavior pending:
    assumes tick_before(now, deadline);
    ensures exact: \result == tick_wrap(deadline - now);
    ensures bounded: 0 < \result <= 2147483648;
    ensures lands_on_deadline: tick_wrap(now + \result) == deadline;
    ensures unwrapped:
      \forall integer kn, kd;
        -2147483648 < (now + kn * 4294967296) - (deadline + kd * 4294967296) < 2147483648 ==>
          \result == (deadline + kd * 4294967296) - (now + kn * 4294967296);
  behavior reached:
    assumes !tick_before(now, deadline);
    ensures \result == 0;
  complete behaviors;
  disjoint behaviors;
*/
uint32_t sloop_tick_remaining(sloop_tick now, sloop_tick deadline);

#endif
