/*
 * slots.h - fixed table of slots with a free list and generation-counted handles.
 *
 * A handle is (index, generation). Each slot's generation is odd while the slot
 * is open and even while it is free; open and close each add one. A handle is
 * valid only while its slot is open with exactly that generation, so a handle
 * kept past close, or forged, is rejected and never aliases a later occupant.
 * A slot whose generation would wrap past 2^32 is retired for good instead of
 * being reused, which makes "never aliased" hold without any time bound.
 * The caller owns both arrays; nothing is allocated.
 */
#ifndef SLOOP_CORE_SLOTS_H
#define SLOOP_CORE_SLOTS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct sloop_slot_ref {
    uint32_t index;
    uint32_t gen; /* odd for every handle open() ever returned */
} sloop_slot_ref;

typedef struct sloop_slots {
    uint32_t *gen;        /* cap entries: odd = open, even = free or retired */
    uint32_t *free_stack; /* cap entries: indices of free slots, [0, free_count) */
    uint32_t cap;
    uint32_t free_count;
    uint32_t open_count;
} sloop_slots;

/*
 * ACSL model (proved by proofs/slots, see proofs/slots/README.md).
 *
 * slots_inv is the module invariant every function keeps: the storage is valid
 * and disjoint; free_count + open_count <= cap; free_stack[0 .. free_count)
 * holds distinct in-range indices of free (even generation) slots; a slot with
 * an even generation that is not on the free stack is retired and has
 * generation 0; and open_count is the number of slots with an odd generation
 * (slots_odd_count, a recursive count). A slot is open exactly when its
 * generation is odd (slots_is_open).
 */
/*@
  predicate slots_is_open{L}(sloop_slots *s, integer i) =
    0 <= i < s->cap && s->gen[i] % 2 == 1;

  // The number of odd generations in g[0 .. n), specified by axioms rather
  // than by a recursive definition: the provers unfold a recursive definition
  // (or its two equations) without end, and every goal that merely mentions
  // the count then times out. The true count satisfies them (so they are
  // consistent), and they pin the count down on every state the functions
  // below can produce: 0 after init (none), then one generation changed at a
  // time (update). Listed and justified in proofs/slots/README.md.
  //
  // slots_gens_except{L1, L2}(g, n, i) is "i is in [0, n) and g[0 .. n) is the
  // same in L1 and L2 except perhaps at i" (intro), declared rather than
  // defined so that the update axiom has one term that holds all its
  // variables (both states included): the provers instantiate it only where
  // a goal names such a pair of states (slots.c asserts it after each
  // change), never on the unrelated memories of a caller's frame goals.
  axiomatic SlotsOddCount {
    logic integer slots_odd_count{L}(uint32_t *g, integer n) reads g[0 .. n - 1];

    predicate slots_gens_except{L1, L2}(uint32_t *g, integer n, integer i)
      reads \at(g[0 .. n - 1], L1), \at(g[0 .. n - 1], L2);

    axiom slots_odd_count_range{L}:
      \forall uint32_t *g, integer n; 0 <= n ==> 0 <= slots_odd_count(g, n) <= n;

    axiom slots_odd_count_none{L}:
      \forall uint32_t *g, integer n;
        (\forall integer j; 0 <= j < n ==> g[j] % 2 == 0) ==> slots_odd_count(g, n) == 0;

    axiom slots_gens_except_intro{L1, L2}:
      \forall uint32_t *g, integer n, i;
        0 <= i < n &&
        (\forall integer j; 0 <= j < n && j != i ==> \at(g[j], L1) == \at(g[j], L2)) ==>
          slots_gens_except{L1, L2}(g, n, i);

    axiom slots_odd_count_update{L1, L2}:
      \forall uint32_t *g, integer n, i;
        slots_gens_except{L1, L2}(g, n, i) ==>
          slots_odd_count{L2}(g, n) ==
            slots_odd_count{L1}(g, n) - \at(g[i], L1) % 2 + \at(g[i], L2) % 2;
  }

  predicate slots_in_stack{L}(sloop_slots *s, integer i) =
    \exists integer k; 0 <= k < s->free_count && s->free_stack[k] == i;

  predicate slots_readable{L}(sloop_slots *s) =
    \valid_read(s) && \valid_read(s->gen + (0 .. s->cap - 1));

  predicate slots_storage{L}(sloop_slots *s) =
    \valid(s) && \valid(s->gen + (0 .. s->cap - 1)) &&
    \valid(s->free_stack + (0 .. s->cap - 1)) &&
    \separated(s, s->gen + (0 .. s->cap - 1), s->free_stack + (0 .. s->cap - 1));

  predicate slots_room{L}(sloop_slots *s) = s->free_count + s->open_count <= s->cap;

  predicate slots_stack_free{L}(sloop_slots *s) =
    \forall integer k; 0 <= k < s->free_count ==>
      s->free_stack[k] < s->cap && s->gen[s->free_stack[k]] % 2 == 0;

  predicate slots_stack_distinct{L}(sloop_slots *s) =
    \forall integer j, k; 0 <= j < k < s->free_count ==> s->free_stack[j] != s->free_stack[k];

  predicate slots_retired_zero{L}(sloop_slots *s) =
    \forall integer i; 0 <= i < s->cap && s->gen[i] % 2 == 0 && !slots_in_stack(s, i) ==>
      s->gen[i] == 0;

  predicate slots_counted{L}(sloop_slots *s) =
    s->open_count == slots_odd_count(s->gen, s->cap);

  // The parts are stated separately in the ensures clauses below: the provers
  // handle six small goals where the whole invariant at once times out.
  predicate slots_inv{L}(sloop_slots *s) =
    slots_storage(s) && slots_room(s) && slots_stack_free(s) &&
    slots_stack_distinct(s) && slots_retired_zero(s) && slots_counted(s);

  predicate slots_ref_valid{L}(sloop_slots *s, sloop_slot_ref r) =
    r.index < s->cap && r.gen % 2 == 1 && s->gen[r.index] == r.gen;

  // Only the generation of index i may differ between the states L1 and L2.
  predicate slots_same_except{L1, L2}(sloop_slots *s, integer i) =
    \forall integer j; 0 <= j < \at(s->cap, L1) && j != i ==>
      \at(s->gen[j], L2) == \at(s->gen[j], L1);
*/

/* Prepares cap free slots over the caller's arrays (each of cap entries). The
 * first open() returns index 0, then 1, and so on. */
/*@
  requires \valid(s) && \valid(gen + (0 .. cap - 1)) && \valid(free_stack + (0 .. cap - 1));
  requires \separated(s, gen + (0 .. cap - 1), free_stack + (0 .. cap - 1));
  assigns *s, gen[0 .. cap - 1], free_stack[0 .. cap - 1];
  ensures inv_storage: slots_storage(s);
  ensures inv_room: slots_room(s);
  ensures inv_stack_free: slots_stack_free(s);
  ensures inv_stack_distinct: slots_stack_distinct(s);
  ensures inv_retired_zero: slots_retired_zero(s);
  ensures inv_counted: slots_counted(s);
  ensures s->gen == gen && s->free_stack == free_stack && s->cap == cap;
  ensures s->free_count == cap && s->open_count == 0;
  ensures \forall integer i; 0 <= i < cap ==> gen[i] == 0;
  ensures lifo_order: \forall integer k; 0 <= k < cap ==> free_stack[k] == cap - 1 - k;
*/
void sloop_slots_init(sloop_slots *s, uint32_t *gen, uint32_t *free_stack, uint32_t cap);

/* Takes a free slot and returns its handle in *ref; false when none is free. */
/*@
  requires slots_inv(s);
  requires \valid(ref);
  requires \separated(ref, s, s->gen + (0 .. s->cap - 1), s->free_stack + (0 .. s->cap - 1));
  ensures inv_storage: slots_storage(s);
  ensures inv_room: slots_room(s);
  ensures inv_stack_free: slots_stack_free(s);
  ensures inv_stack_distinct: slots_stack_distinct(s);
  ensures inv_retired_zero: slots_retired_zero(s);
  ensures inv_counted: slots_counted(s);
  ensures s->cap == \old(s->cap) && s->gen == \old(s->gen) &&
          s->free_stack == \old(s->free_stack);
  // The union of the behaviors' assigns, inside the table. Without it a caller
  // sees only that union, which names gen[free_stack[free_count - 1]] even
  // when the stack is empty (an arbitrary location).
  assigns s->free_count, s->open_count, s->gen[0 .. s->cap - 1], *ref;
  behavior full:
    assumes s->free_count == 0;
    assigns \nothing;
    ensures !\result;
  behavior take:
    assumes s->free_count > 0;
    assigns s->free_count, s->open_count, s->gen[s->free_stack[s->free_count - 1]], *ref;
    ensures \result;
    ensures ref->index == \old(s->free_stack[s->free_count - 1]);
    ensures was_free: \old(s->gen[s->free_stack[s->free_count - 1]]) % 2 == 0;
    ensures next_gen: ref->gen == \old(s->gen[s->free_stack[s->free_count - 1]]) + 1;
    ensures ref->gen == s->gen[ref->index];
    ensures slots_ref_valid(s, *ref);
    ensures s->free_count == \old(s->free_count) - 1;
    ensures s->open_count == \old(s->open_count) + 1;
    ensures others: slots_same_except{Pre, Post}(s, ref->index);
  complete behaviors;
  disjoint behaviors;
*/
bool sloop_slots_open(sloop_slots *s, sloop_slot_ref *ref);

/* Frees the slot of a valid handle; false (and no change) for a stale, forged or
 * already closed handle. */
/*@
  requires slots_inv(s);
  ensures inv_storage: slots_storage(s);
  ensures inv_room: slots_room(s);
  ensures inv_stack_free: slots_stack_free(s);
  ensures inv_stack_distinct: slots_stack_distinct(s);
  ensures inv_retired_zero: slots_retired_zero(s);
  ensures inv_counted: slots_counted(s);
  ensures s->cap == \old(s->cap) && s->gen == \old(s->gen) &&
          s->free_stack == \old(s->free_stack);
  ensures others: slots_same_except{Pre, Post}(s, ref.index);
  ensures others_valid: \forall sloop_slot_ref r; r.index != ref.index ==>
            (slots_ref_valid(s, r) <==> \old(slots_ref_valid(s, r)));
  ensures closed: \result ==>
            \forall sloop_slot_ref r; r.index == ref.index ==> !slots_ref_valid(s, r);
  // The union of the behaviors' assigns, inside the table (for a stale handle
  // gen[ref.index] may be out of range; a caller should not have to know).
  assigns s->open_count, s->free_count, s->gen[0 .. s->cap - 1],
          s->free_stack[0 .. s->cap - 1];
  behavior stale:
    assumes !slots_ref_valid(s, ref);
    assigns \nothing;
    ensures !\result;
  behavior recycle:
    assumes slots_ref_valid(s, ref) && ref.gen != 4294967295;
    assigns s->open_count, s->free_count, s->gen[ref.index], s->free_stack[s->free_count];
    ensures \result;
    ensures next_gen: s->gen[ref.index] == ref.gen + 1;
    ensures s->free_count == \old(s->free_count) + 1;
    ensures s->free_stack[\old(s->free_count)] == ref.index;
    ensures s->open_count == \old(s->open_count) - 1;
  behavior retire:
    assumes slots_ref_valid(s, ref) && ref.gen == 4294967295;
    assigns s->open_count, s->gen[ref.index];
    ensures \result;
    ensures s->gen[ref.index] == 0;
    ensures s->free_count == \old(s->free_count);
    ensures s->open_count == \old(s->open_count) - 1;
  complete behaviors;
  disjoint behaviors;
*/
bool sloop_slots_close(sloop_slots *s, sloop_slot_ref ref);

/* True exactly when ref names a slot that is open now with that generation. */
/*@
  requires slots_readable(s);
  assigns \nothing;
  ensures \result <==> slots_ref_valid(s, ref);
*/
bool sloop_slots_valid(const sloop_slots *s, sloop_slot_ref ref);

/* The current handle of an open slot index; false when the index is out of range or
 * its slot is free. Used to walk every open slot (e.g. at shutdown). */
/*@
  requires slots_readable(s);
  requires \valid(ref) && \separated(ref, s, s->gen + (0 .. s->cap - 1));
  // The union of the behaviors' assigns. Without it a module that uses this
  // contract without slots.c (timer) gets a generated clause that nothing can
  // prove (status Unknown in its report).
  assigns *ref;
  behavior open:
    assumes slots_is_open(s, index);
    assigns *ref;
    ensures \result && ref->index == index && ref->gen == s->gen[index];
    ensures slots_ref_valid(s, *ref);
  behavior not_open:
    assumes !slots_is_open(s, index);
    assigns \nothing;
    ensures !\result;
  complete behaviors;
  disjoint behaviors;
*/
bool sloop_slots_ref_at(const sloop_slots *s, uint32_t index, sloop_slot_ref *ref);

/*@
  requires \valid_read(s);
  assigns \nothing;
  ensures \result == s->open_count;
*/
uint32_t sloop_slots_open_count(const sloop_slots *s);

#endif
