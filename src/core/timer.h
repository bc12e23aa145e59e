/*
 * timer.h - fixed-capacity timer queue over wrap-safe 32-bit millisecond ticks.
 *
 * A binary min-heap ordered by deadline (wrap-safe, see tick.h) and, for equal
 * deadlines, by start order. start/cancel/pop are O(log n); next deadline O(1).
 * Timer ids come from a slot table, so a handle kept after its timer was
 * released is rejected, never confused with a later timer.
 *
 * Deadline order is the true order while every armed deadline lies within 2^31
 * ms of every other. Delays and periods are capped at SLOOP_TICK_MAX_DELAY
 * (2^30 - 1 ms by default), which leaves 2^30 ms of slack for a late pop.
 *
 * A periodic timer is re-armed when popped, at its old deadline plus the period
 * (no drift); if that is already due it is re-armed at now + period instead, so
 * a stalled loop gets one call, not a burst, and one pass over the expired
 * timers at a given now always ends.
 */
#ifndef SLOOP_CORE_TIMER_H
#define SLOOP_CORE_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "sloop_config.h"
#include "slots.h"
#include "tick.h"

/* How long past its deadline an armed timer may still be waiting when the queue
 * is next called with a now (arm, pop_expired): the rest of the 2^31 ms window
 * once SLOOP_TICK_MAX_DELAY is taken (2^30 ms, about 12.4 days, by default).
 * Callers promise it (timer_now_ok below); it is what keeps every armed deadline
 * within 2^31 ms of every other, so that the deadline order is an order. */
#define SLOOP_TIMER_MAX_LATE (0x7FFFFFFFU - SLOOP_TICK_MAX_DELAY)

typedef struct sloop_timer_entry {
    sloop_tick deadline;
    uint32_t period;   /* 0 for one-shot */
    uint64_t seq;      /* start order, breaks ties between equal deadlines */
    uint32_t heap_pos; /* where this id sits in heap; armed exactly when < count */
} sloop_timer_entry;

/* heap holds every id once: heap[0 .. count) are the armed timers as a min-heap,
 * heap[count .. cap) the others in any order. Keeping the unarmed ids in the
 * array too makes arming a swap into place and "an unarmed id exists, so there
 * is room" a fact of the layout rather than a counting argument. */
typedef struct sloop_timerq {
    sloop_slots ids;      /* which timer ids are allocated */
    sloop_timer_entry *t; /* cap entries, indexed by id */
    uint32_t *heap;       /* cap ids, a permutation of 0 .. cap-1 */
    uint32_t count;       /* armed timers */
    uint64_t next_seq;
} sloop_timerq;

/*
 * ACSL model (proved by proofs/timer, see proofs/timer/README.md).
 *
 * timer_less is the C comparison: earlier deadline on the tick circle, then
 * earlier start (smaller seq). The module invariant timerq_inv says: the storage
 * is valid and separated, the slot table is readable, count <= cap,
 * heap and heap_pos are inverse permutations of 0 .. cap-1 (timer_perm), no
 * child in heap[0 .. count) is before its parent (timer_heap_ordered), no armed
 * timer is before the top one (timer_top_least), and every armed id is an open
 * slot (timer_armed_open), and every period is at most SLOOP_TICK_MAX_DELAY
 * (timer_periods_ok). An id is armed exactly when heap_pos < count. The
 * slot table's own invariant slots_inv is kept apart: the functions that change
 * the table (init, alloc, release) require and ensure it; the others do not
 * assign it at all (their assigns clauses leave q->ids alone), so it carries
 * over. Keeping it out of their contexts keeps the provers fast.
 *
 * On the whole circle timer_less is not an order (tick_before has cycles), so
 * the proofs never chain it. Each operation picks a base tick such that every
 * deadline it handles lies in [base, base + 2^31) (the top's deadline for a
 * removal, now - SLOOP_TIMER_MAX_LATE for arm and pop); there timer_less is
 * exactly "smaller key" (lemma timer_key_order), key = ((deadline - base) mod
 * 2^32) * 2^64 + seq, and keys are plain integers.
 */
/*@
  logic integer timer_off(integer d, integer base) =
    d >= base ? d - base : d - base + 4294967296;

  logic integer timer_key_of(integer d, integer s, integer base) =
    timer_off(d, base) * 18446744073709551616 + s;

  predicate timer_less_of(integer da, integer sa, integer db, integer sb) =
    da == db ? sa < sb : tick_before(da, db);

  lemma timer_key_order:
    \forall integer da, sa, db, sb, base;
      0 <= da < 4294967296 && 0 <= db < 4294967296 && 0 <= base < 4294967296 &&
      0 <= sa < 18446744073709551616 && 0 <= sb < 18446744073709551616 &&
      timer_off(da, base) < 2147483648 && timer_off(db, base) < 2147483648 ==>
      (timer_less_of(da, sa, db, sb) <==> timer_key_of(da, sa, base) < timer_key_of(db, sb, base));

  predicate timer_less{L}(sloop_timer_entry *t, integer a, integer b) =
    timer_less_of(t[a].deadline, t[a].seq, t[b].deadline, t[b].seq);

  // c is a child of j in the implicit binary tree.
  predicate timer_child(integer c, integer j) = c == 2 * j + 1 || c == 2 * j + 2;

  // heap[0 .. cap) and the heap_pos fields are inverse permutations.
  predicate timer_perm{L}(sloop_timer_entry *t, uint32_t *heap, integer cap) =
    (\forall integer i; 0 <= i < cap ==> heap[i] < cap && t[heap[i]].heap_pos == i) &&
    (\forall integer x; 0 <= x < cap ==> t[x].heap_pos < cap && heap[t[x].heap_pos] == x);

  predicate timer_heap_ordered{L}(sloop_timer_entry *t, uint32_t *heap, integer count) =
    \forall integer j, c; 0 <= j && timer_child(c, j) && c < count ==>
      !timer_less(t, heap[c], heap[j]);

  predicate timer_top_least{L}(sloop_timer_entry *t, uint32_t *heap, integer count) =
    \forall integer i; 0 <= i < count ==> !timer_less(t, heap[i], heap[0]);

  predicate timer_armed{L}(sloop_timerq *q, integer x) =
    0 <= x < q->ids.cap && q->t[x].heap_pos < q->count;

  predicate timerq_storage{L}(sloop_timerq *q) =
    \valid(q) && \valid(q->t + (0 .. q->ids.cap - 1)) &&
    \valid(q->heap + (0 .. q->ids.cap - 1)) &&
    \separated(q, q->t + (0 .. q->ids.cap - 1), q->heap + (0 .. q->ids.cap - 1),
               q->ids.gen + (0 .. q->ids.cap - 1), q->ids.free_stack + (0 .. q->ids.cap - 1)) &&
    \separated(q->t + (0 .. q->ids.cap - 1), q->heap + (0 .. q->ids.cap - 1),
               q->ids.gen + (0 .. q->ids.cap - 1), q->ids.free_stack + (0 .. q->ids.cap - 1));

  predicate timer_armed_open{L}(sloop_timerq *q) =
    \forall integer x; timer_armed(q, x) ==> slots_is_open(&q->ids, x);

  // Every period is one that arm accepted (or init's 0): a periodic timer's
  // next deadline then stays within the window pop works in.
  predicate timer_periods_ok{L}(sloop_timerq *q) =
    \forall integer x; 0 <= x < q->ids.cap ==> q->t[x].period <= SLOOP_TICK_MAX_DELAY;

  predicate timerq_inv{L}(sloop_timerq *q) =
    timerq_storage(q) && slots_readable(&q->ids) && q->count <= q->ids.cap &&
    timer_perm(q->t, q->heap, q->ids.cap) &&
    timer_heap_ordered(q->t, q->heap, q->count) &&
    timer_top_least(q->t, q->heap, q->count) && timer_armed_open(q) &&
    timer_periods_ok(q);

  // timerq_inv for the functions that take a const queue: the queue itself is
  // only readable (\valid of a pointer to const is false for Eva, which then
  // cut every state at the call). Implied by timerq_inv.
  predicate timerq_inv_read{L}(sloop_timerq *q) =
    \valid_read(q) && \valid(q->t + (0 .. q->ids.cap - 1)) &&
    \valid(q->heap + (0 .. q->ids.cap - 1)) &&
    \separated(q, q->t + (0 .. q->ids.cap - 1), q->heap + (0 .. q->ids.cap - 1),
               q->ids.gen + (0 .. q->ids.cap - 1), q->ids.free_stack + (0 .. q->ids.cap - 1)) &&
    \separated(q->t + (0 .. q->ids.cap - 1), q->heap + (0 .. q->ids.cap - 1),
               q->ids.gen + (0 .. q->ids.cap - 1), q->ids.free_stack + (0 .. q->ids.cap - 1)) &&
    slots_readable(&q->ids) && q->count <= q->ids.cap &&
    timer_perm(q->t, q->heap, q->ids.cap) &&
    timer_heap_ordered(q->t, q->heap, q->count) &&
    timer_top_least(q->t, q->heap, q->count) && timer_armed_open(q) &&
    timer_periods_ok(q);

  // The tick SLOOP_TIMER_MAX_LATE before now.
  logic integer timer_late_base(integer now) =
    now >= SLOOP_TIMER_MAX_LATE ? now - SLOOP_TIMER_MAX_LATE
                                : now - SLOOP_TIMER_MAX_LATE + 4294967296;

  // The caller's promise that now is the real time: every armed deadline lies
  // in [now - SLOOP_TIMER_MAX_LATE, now + SLOOP_TICK_MAX_DELAY] on the circle.
  predicate timer_now_ok{L}(sloop_timerq *q, integer now) =
    \forall integer i; 0 <= i < q->count ==>
      timer_off(q->t[q->heap[i]].deadline, timer_late_base(now)) <=
        SLOOP_TIMER_MAX_LATE + SLOOP_TICK_MAX_DELAY;

  // Between L1 and L2 only timer x may have changed: every other id is armed
  // in L2 exactly when it was in L1, with the same deadline, seq and period.
  predicate timer_others_kept{L1, L2}(sloop_timerq *q, integer x) =
    \forall integer y; 0 <= y < \at(q->ids.cap, L1) && y != x ==>
      (timer_armed{L2}(q, y) <==> timer_armed{L1}(q, y)) &&
      \at(q->t[y].deadline, L2) == \at(q->t[y].deadline, L1) &&
      \at(q->t[y].seq, L2) == \at(q->t[y].seq, L1) &&
      \at(q->t[y].period, L2) == \at(q->t[y].period, L1);
*/

/* Prepares an empty queue of cap timers over four caller-owned arrays of cap
 * entries each. */
/*@
  requires \valid(q) && \valid(t + (0 .. cap - 1)) && \valid(heap + (0 .. cap - 1));
  requires \valid(gen + (0 .. cap - 1)) && \valid(free_stack + (0 .. cap - 1));
  requires \separated(q, t + (0 .. cap - 1), heap + (0 .. cap - 1), gen + (0 .. cap - 1),
                     free_stack + (0 .. cap - 1));
  assigns *q, t[0 .. cap - 1], heap[0 .. cap - 1], gen[0 .. cap - 1], free_stack[0 .. cap - 1];
  ensures inv_storage: timerq_storage(q);
  ensures inv_slots: slots_inv(&q->ids);
  ensures inv_count: q->count <= q->ids.cap;
  ensures inv_perm: timer_perm(q->t, q->heap, q->ids.cap);
  ensures inv_ordered: timer_heap_ordered(q->t, q->heap, q->count);
  ensures inv_top: timer_top_least(q->t, q->heap, q->count);
  ensures inv_open: timer_armed_open(q);
  ensures inv_periods: timer_periods_ok(q);
  ensures q->t == t && q->heap == heap && q->ids.cap == cap;
  ensures empty: q->count == 0 && q->ids.open_count == 0;
*/
void sloop_timerq_init(sloop_timerq *q, sloop_timer_entry *t, uint32_t *heap,
                       uint32_t *gen, uint32_t *free_stack, uint32_t cap);

/* Reserves a timer id (not armed). False when all cap ids are in use. */
/*@
  requires timerq_inv(q) && slots_inv(&q->ids);
  requires \valid(ref) && \separated(ref, q, q->t + (0 .. q->ids.cap - 1), q->heap + (0 .. q->ids.cap - 1),
                     q->ids.gen + (0 .. q->ids.cap - 1), q->ids.free_stack + (0 .. q->ids.cap - 1));
  assigns q->ids.free_count, q->ids.open_count, q->ids.gen[0 .. q->ids.cap - 1], *ref;
  ensures inv_storage: timerq_storage(q);
  ensures inv_slots: slots_inv(&q->ids);
  ensures inv_count: q->count <= q->ids.cap;
  ensures inv_perm: timer_perm(q->t, q->heap, q->ids.cap);
  ensures inv_ordered: timer_heap_ordered(q->t, q->heap, q->count);
  ensures inv_top: timer_top_least(q->t, q->heap, q->count);
  ensures inv_open: timer_armed_open(q);
  ensures inv_periods: timer_periods_ok(q);
  behavior full:
    assumes q->ids.free_count == 0;
    assigns \nothing;
    ensures !\result;
  behavior take:
    assumes q->ids.free_count > 0;
    ensures \result && slots_ref_valid(&q->ids, *ref);
    ensures not_armed: !timer_armed(q, ref->index);
  complete behaviors;
  disjoint behaviors;
*/
bool sloop_timerq_alloc(sloop_timerq *q, sloop_slot_ref *ref);

/* Disarms the timer if armed and returns its id. False for a stale handle. */
/*@
  requires timerq_inv(q) && slots_inv(&q->ids);
  assigns q->count, q->next_seq, q->heap[0 .. q->ids.cap - 1], q->t[0 .. q->ids.cap - 1].heap_pos,
          q->ids.free_count, q->ids.open_count, q->ids.gen[0 .. q->ids.cap - 1],
          q->ids.free_stack[0 .. q->ids.cap - 1];
  ensures inv_storage: timerq_storage(q);
  ensures inv_slots: slots_inv(&q->ids);
  ensures inv_count: q->count <= q->ids.cap;
  ensures inv_perm: timer_perm(q->t, q->heap, q->ids.cap);
  ensures inv_ordered: timer_heap_ordered(q->t, q->heap, q->count);
  ensures inv_top: timer_top_least(q->t, q->heap, q->count);
  ensures inv_open: timer_armed_open(q);
  ensures inv_periods: timer_periods_ok(q);
  behavior stale:
    assumes !slots_ref_valid(&q->ids, ref);
    assigns \nothing;
    ensures !\result;
  behavior release:
    assumes slots_ref_valid(&q->ids, ref);
    ensures \result;
    ensures not_armed: !timer_armed(q, ref.index);
    ensures closed: \forall sloop_slot_ref r; r.index == ref.index ==> !slots_ref_valid(&q->ids, r);
    ensures was_armed: \old(timer_armed(q, ref.index)) ==> q->count == \old(q->count) - 1;
    ensures was_not_armed: !\old(timer_armed(q, ref.index)) ==> q->count == \old(q->count);
    ensures others: timer_others_kept{Pre, Post}(q, ref.index);
  complete behaviors;
  disjoint behaviors;
*/
bool sloop_timerq_release(sloop_timerq *q, sloop_slot_ref ref);

/* Arms (or re-arms, i.e. reschedules) the timer to fire at now + delay, then
 * every period ms if period > 0. False, and no change, for a stale handle or a
 * delay or period above SLOOP_TICK_MAX_DELAY. */
/*@
  requires timerq_inv(q);
  requires timer_now_ok(q, now);
  assigns q->count, q->next_seq, q->heap[0 .. q->ids.cap - 1],
          q->t[0 .. q->ids.cap - 1].deadline, q->t[0 .. q->ids.cap - 1].period,
          q->t[0 .. q->ids.cap - 1].seq, q->t[0 .. q->ids.cap - 1].heap_pos;
  ensures inv_storage: timerq_storage(q);
  ensures inv_count: q->count <= q->ids.cap;
  ensures inv_perm: timer_perm(q->t, q->heap, q->ids.cap);
  ensures inv_ordered: timer_heap_ordered(q->t, q->heap, q->count);
  ensures inv_top: timer_top_least(q->t, q->heap, q->count);
  ensures inv_open: timer_armed_open(q);
  ensures inv_periods: timer_periods_ok(q);
  behavior rejected:
    assumes !slots_ref_valid(&q->ids, ref) || delay > SLOOP_TICK_MAX_DELAY ||
            period > SLOOP_TICK_MAX_DELAY;
    assigns \nothing;
    ensures !\result;
  behavior arm:
    assumes slots_ref_valid(&q->ids, ref) && delay <= SLOOP_TICK_MAX_DELAY &&
            period <= SLOOP_TICK_MAX_DELAY;
    ensures \result;
    ensures armed: timer_armed(q, ref.index);
    ensures deadline: q->t[ref.index].deadline == tick_wrap(now + delay);
    ensures period: q->t[ref.index].period == period;
    ensures start_order: q->t[ref.index].seq == \old(q->next_seq);
    ensures rearmed: \old(timer_armed(q, ref.index)) ==> q->count == \old(q->count);
    ensures added: !\old(timer_armed(q, ref.index)) ==> q->count == \old(q->count) + 1;
    ensures others: timer_others_kept{Pre, Post}(q, ref.index);
  complete behaviors;
  disjoint behaviors;
*/
bool sloop_timerq_arm(sloop_timerq *q, sloop_slot_ref ref, sloop_tick now, uint32_t delay,
                      uint32_t period);

/* Cancels an armed timer. False for a stale handle or a timer not armed (for
 * example a one-shot that already fired). The id stays allocated. */
/*@
  requires timerq_inv(q);
  assigns q->count, q->next_seq, q->heap[0 .. q->ids.cap - 1], q->t[0 .. q->ids.cap - 1].heap_pos;
  ensures q->next_seq == \old(q->next_seq);
  ensures inv_storage: timerq_storage(q);
  ensures inv_count: q->count <= q->ids.cap;
  ensures inv_perm: timer_perm(q->t, q->heap, q->ids.cap);
  ensures inv_ordered: timer_heap_ordered(q->t, q->heap, q->count);
  ensures inv_top: timer_top_least(q->t, q->heap, q->count);
  ensures inv_open: timer_armed_open(q);
  ensures inv_periods: timer_periods_ok(q);
  behavior not_armed:
    assumes !slots_ref_valid(&q->ids, ref) || !timer_armed(q, ref.index);
    assigns \nothing;
    ensures !\result;
  behavior cancel:
    assumes slots_ref_valid(&q->ids, ref) && timer_armed(q, ref.index);
    ensures \result;
    ensures removed: !timer_armed(q, ref.index);
    ensures count: q->count == \old(q->count) - 1;
    ensures others: timer_others_kept{Pre, Post}(q, ref.index);
  complete behaviors;
  disjoint behaviors;
*/
bool sloop_timerq_disarm(sloop_timerq *q, sloop_slot_ref ref);

/*@
  requires timerq_inv_read(q);
  assigns \nothing;
  ensures \result <==> slots_ref_valid(&q->ids, ref) && timer_armed(q, ref.index);
*/
bool sloop_timerq_armed(const sloop_timerq *q, sloop_slot_ref ref);

/* Earliest armed deadline; false when nothing is armed. */
/*@
  requires timerq_inv_read(q);
  requires \valid(deadline) && \separated(deadline, q, q->t + (0 .. q->ids.cap - 1), q->heap + (0 .. q->ids.cap - 1),
                     q->ids.gen + (0 .. q->ids.cap - 1), q->ids.free_stack + (0 .. q->ids.cap - 1));
  assigns *deadline;
  behavior empty:
    assumes q->count == 0;
    assigns \nothing;
    ensures !\result;
  behavior earliest:
    assumes q->count > 0;
    assigns *deadline;
    ensures \result;
    ensures top: timer_armed(q, q->heap[0]) && *deadline == q->t[q->heap[0]].deadline;
    ensures least: \forall integer x; timer_armed(q, x) ==> !tick_before(q->t[x].deadline, *deadline);
  complete behaviors;
  disjoint behaviors;
*/
bool sloop_timerq_next_deadline(const sloop_timerq *q, sloop_tick *deadline);

/* Pops the earliest timer whose deadline is reached at now; false when none is.
 * A one-shot timer is left disarmed (still allocated); a periodic one re-armed. */
/*@
  requires timerq_inv(q);
  requires timer_now_ok(q, now);
  requires \valid(ref) && \separated(ref, q, q->t + (0 .. q->ids.cap - 1), q->heap + (0 .. q->ids.cap - 1),
                     q->ids.gen + (0 .. q->ids.cap - 1), q->ids.free_stack + (0 .. q->ids.cap - 1));
  assigns *ref, q->count, q->next_seq, q->heap[0 .. q->ids.cap - 1],
          q->t[0 .. q->ids.cap - 1].deadline, q->t[0 .. q->ids.cap - 1].period,
          q->t[0 .. q->ids.cap - 1].seq, q->t[0 .. q->ids.cap - 1].heap_pos;
  ensures inv_storage: timerq_storage(q);
  ensures inv_count: q->count <= q->ids.cap;
  ensures inv_perm: timer_perm(q->t, q->heap, q->ids.cap);
  ensures inv_ordered: timer_heap_ordered(q->t, q->heap, q->count);
  ensures inv_top: timer_top_least(q->t, q->heap, q->count);
  ensures inv_open: timer_armed_open(q);
  ensures inv_periods: timer_periods_ok(q);
  ensures index_in_table: \result ==> ref->index < q->ids.cap;
  behavior none_due:
    assumes q->count == 0 || tick_before(now, q->t[q->heap[0]].deadline);
    assigns \nothing;
    ensures !\result;
  behavior pop:
    assumes q->count > 0 && !tick_before(now, q->t[q->heap[0]].deadline);
    ensures \result;
    ensures top: ref->index == \old(q->heap[0]) && slots_ref_valid(&q->ids, *ref);
    ensures reached: !tick_before(now, \old(q->t[q->heap[0]].deadline));
    ensures earliest: \forall integer x; \old(timer_armed(q, x)) ==>
              \at(!timer_less(q->t, x, q->heap[0]), Pre);
    ensures one_shot: \old(q->t[q->heap[0]].period) == 0 ==>
              !timer_armed(q, ref->index) && q->count == \old(q->count) - 1;
    ensures periodic: \old(q->t[q->heap[0]].period) > 0 ==>
              timer_armed(q, ref->index) && q->count == \old(q->count) &&
              q->t[ref->index].period == \old(q->t[q->heap[0]].period) &&
              q->t[ref->index].seq == \old(q->next_seq);
    ensures no_drift: \old(q->t[q->heap[0]].period) > 0 &&
              tick_before(now, tick_wrap(\old(q->t[q->heap[0]].deadline + q->t[q->heap[0]].period))) ==>
              q->t[ref->index].deadline ==
                tick_wrap(\old(q->t[q->heap[0]].deadline + q->t[q->heap[0]].period));
    ensures no_burst: \old(q->t[q->heap[0]].period) > 0 &&
              !tick_before(now, tick_wrap(\old(q->t[q->heap[0]].deadline + q->t[q->heap[0]].period))) ==>
              q->t[ref->index].deadline == tick_wrap(now + \old(q->t[q->heap[0]].period));
    ensures others: timer_others_kept{Pre, Post}(q, ref->index);
  complete behaviors;
  disjoint behaviors;
*/
bool sloop_timerq_pop_expired(sloop_timerq *q, sloop_tick now, sloop_slot_ref *ref);

/*@
  requires \valid_read(q);
  assigns \nothing;
  ensures \result == q->count;
*/
uint32_t sloop_timerq_armed_count(const sloop_timerq *q);

#endif
