/*
 * timer.c - binary min-heap of timer ids with a position index per timer.
 *
 * heap is a permutation of all ids: the armed ones in heap[0 .. count) in heap
 * order, the others after them. Each timer knows its position, so cancel and
 * reschedule remove an arbitrary element in O(log n) without searching. Every
 * change of the array is a swap of two positions, so the array stays a
 * permutation at every step. Sifting is iterative (no recursion) and each loop
 * moves strictly up or strictly down the heap.
 */
#include "timer.h"

/*
 * Proof model of the heap internals (see the ACSL model in timer.h). Within one
 * operation every deadline handled lies in [base, base + 2^31) for a ghost base
 * (timer_in_window); there the C comparison is "smaller key" and keys are
 * integers, so the heap order is stated on keys (timer_keyed), where it is
 * transitive. A sift moves one timer, the moving one, at position h; the heap
 * order then holds on every edge but those at h, plus the bridge: the children
 * of h are not below the parent of h.
 */
/*@
  logic integer timer_key{L}(sloop_timer_entry *t, integer base, integer x) =
    timer_key_of(t[x].deadline, t[x].seq, base);

  predicate timer_win{L}(sloop_timer_entry *t, integer base, integer x) =
    timer_off(t[x].deadline, base) < 2147483648;

  // Every armed deadline lies in the window at base.
  predicate timer_in_window{L}(sloop_timer_entry *t, integer count, integer cap,
                               integer base) =
    \forall integer x; 0 <= x < cap && t[x].heap_pos < count ==> timer_win(t, base, x);

  predicate timer_arrays{L}(sloop_timer_entry *t, uint32_t *heap, integer cap) =
    \valid(t + (0 .. cap - 1)) && \valid(heap + (0 .. cap - 1)) &&
    \separated(t + (0 .. cap - 1), heap + (0 .. cap - 1));

  predicate timer_keyed{L}(sloop_timer_entry *t, uint32_t *heap, integer count, integer base) =
    \forall integer j, c; 0 <= j && timer_child(c, j) && c < count ==>
      timer_key(t, base, heap[j]) <= timer_key(t, base, heap[c]);

  // Every edge but the one into h (sifting up).
  predicate timer_keyed_but_child{L}(sloop_timer_entry *t, uint32_t *heap, integer count,
                                     integer base, integer h) =
    \forall integer j, c; 0 <= j && timer_child(c, j) && c < count && c != h ==>
      timer_key(t, base, heap[j]) <= timer_key(t, base, heap[c]);

  // Every edge but those out of h (sifting down).
  predicate timer_keyed_but_parent{L}(sloop_timer_entry *t, uint32_t *heap, integer count,
                                      integer base, integer h) =
    \forall integer j, c; 0 <= j && timer_child(c, j) && c < count && j != h ==>
      timer_key(t, base, heap[j]) <= timer_key(t, base, heap[c]);

  // Every edge but those at h (refilling a hole).
  predicate timer_keyed_but_at{L}(sloop_timer_entry *t, uint32_t *heap, integer count,
                                  integer base, integer h) =
    \forall integer j, c; 0 <= j && timer_child(c, j) && c < count && j != h && c != h ==>
      timer_key(t, base, heap[j]) <= timer_key(t, base, heap[c]);

  predicate timer_bridge{L}(sloop_timer_entry *t, uint32_t *heap, integer count,
                            integer base, integer h) =
    \forall integer g, c; 0 <= g && timer_child(h, g) && timer_child(c, h) && c < count ==>
      timer_key(t, base, heap[g]) <= timer_key(t, base, heap[c]);

  // Which ids are armed (heap_pos < count) is the same in L1 and L2.
  predicate timer_same_armed{L1, L2}(sloop_timer_entry *t, integer count, integer cap) =
    \forall integer x; 0 <= x < cap ==>
      (\at(t[x].heap_pos, L1) < count <==> \at(t[x].heap_pos, L2) < count);

  // The heap facts depend on nothing but the heap array and the positions,
  // deadlines and seqs of the ids: where those are unchanged between L1 and
  // L2 (timer_heap_frame, the flat frame a call states), the facts carry over.
  // Stated once here as lemmas (proof goals of this module) so that a caller's
  // context needs no restatement of the facts through the frame, position by
  // position. Each lemma is guarded by the timer_heap_frame predicate, which
  // only the code that needs the lemma asserts (alloc): unguarded, they were
  // hypotheses of every goal about the heap facts, and made heap_swap's perm
  // take 42 s of cvc4 instead of 7 (proofs/timer/README.md).
  predicate timer_heap_frame{L1, L2}(sloop_timer_entry *t, uint32_t *heap, integer cap) =
    (\forall integer i; 0 <= i < cap ==> \at(heap[i], L2) == \at(heap[i], L1)) &&
    (\forall integer x; 0 <= x < cap ==> \at(t[x].heap_pos, L2) == \at(t[x].heap_pos, L1)) &&
    (\forall integer x; 0 <= x < cap ==> \at(t[x].deadline, L2) == \at(t[x].deadline, L1)) &&
    (\forall integer x; 0 <= x < cap ==> \at(t[x].seq, L2) == \at(t[x].seq, L1));

  lemma timer_perm_kept{L1, L2}:
    \forall sloop_timer_entry *t, uint32_t *heap, integer cap;
      timer_heap_frame{L1, L2}(t, heap, cap) && timer_perm{L1}(t, heap, cap) ==>
      timer_perm{L2}(t, heap, cap);

  lemma timer_ordered_kept{L1, L2}:
    \forall sloop_timer_entry *t, uint32_t *heap, integer cap, count;
      count <= cap && timer_heap_frame{L1, L2}(t, heap, cap) &&
      timer_perm{L1}(t, heap, cap) && timer_heap_ordered{L1}(t, heap, count) ==>
      timer_heap_ordered{L2}(t, heap, count);

  lemma timer_top_kept{L1, L2}:
    \forall sloop_timer_entry *t, uint32_t *heap, integer cap, count;
      count <= cap && timer_heap_frame{L1, L2}(t, heap, cap) &&
      timer_perm{L1}(t, heap, cap) && timer_top_least{L1}(t, heap, count) ==>
      timer_top_least{L2}(t, heap, count);
*/

/* ---- Ghost lemmas: each turns one form of the heap facts into another. ---- */

/*@ ghost
  /@ requires count <= cap && timer_perm(t, heap, cap);
     requires timer_in_window(t, count, cap, base);
     requires timer_heap_ordered(t, heap, count);
     assigns \nothing;
     ensures timer_keyed(t, heap, count, base); @/
  static void timer_keyed_of_ordered(sloop_timer_entry *t, uint32_t *heap, uint32_t count,
                                     uint32_t cap, uint32_t base)
  {
  }

  /@ requires 0 < count <= cap && timer_perm(t, heap, cap);
     requires timer_top_least(t, heap, count);
     assigns \nothing;
     ensures timer_in_window(t, count, cap, t[heap[0]].deadline); @/
  static void timer_window_of_top(sloop_timer_entry *t, uint32_t *heap, uint32_t count,
                                  uint32_t cap)
  {
  }

  /@ requires count <= cap && timer_perm(t, heap, cap);
     requires timer_in_window(t, count, cap, base);
     requires timer_keyed(t, heap, count, base);
     assigns \nothing;
     ensures timer_heap_ordered(t, heap, count);
     ensures timer_top_least(t, heap, count); @/
  static void timer_ordered_of_keyed(sloop_timer_entry *t, uint32_t *heap, uint32_t count,
                                     uint32_t cap, uint32_t base)
  {
      uint32_t i;
      /@ loop invariant 0 <= i <= count;
         loop invariant \forall integer k; 0 <= k < i ==>
           timer_key(t, base, heap[0]) <= timer_key(t, base, heap[k]);
         loop assigns i;
         loop variant count - i; @/
      for (i = 0U; i < count; i++) {
          /@ assert i > 0 ==> timer_child(i, (i - 1) / 2) && (i - 1) / 2 < i; @/
      }
  }
*/

/* Heap order: earlier deadline first, then earlier start. */
/*@
  requires \valid_read(t + (0 .. cap - 1)) && a < cap && b < cap;
  requires timer_win(t, base, a) && timer_win(t, base, b);
  assigns \nothing;
  ensures \result <==> timer_key(t, base, a) < timer_key(t, base, b);
*/
static bool timer_less(const sloop_timer_entry *t, uint32_t a, uint32_t b)
    /*@ ghost (uint32_t cap, uint32_t base) */
{
    const sloop_timer_entry *ta = &t[a];
    const sloop_timer_entry *tb = &t[b];
    bool less;
    if (ta->deadline == tb->deadline) {
        less = ta->seq < tb->seq;
    } else {
        less = sloop_tick_before(ta->deadline, tb->deadline);
    }
    return less;
}

/* Exchanges the ids at positions a and b, keeping heap_pos their inverse. */
/*@
  requires timer_arrays(t, heap, cap) && a < cap && b < cap;
  requires timer_perm(t, heap, cap);
  requires \valid_read(gen + (0 .. cap - 1)) &&
    \separated(gen + (0 .. cap - 1), t + (0 .. cap - 1), heap + (0 .. cap - 1));
  assigns heap[a], heap[b], t[heap[a]].heap_pos, t[heap[b]].heap_pos;
  ensures gen_kept: \forall integer x; 0 <= x < cap ==> gen[x] == \old(gen[x]);
  ensures fields_kept: \forall integer x; 0 <= x < cap ==>
    t[x].deadline == \old(t[x].deadline) && t[x].seq == \old(t[x].seq) &&
    t[x].period == \old(t[x].period);
  ensures perm: timer_perm(t, heap, cap);
  ensures swapped: heap[a] == \old(heap[b]) && heap[b] == \old(heap[a]);
  ensures positions: t[\old(heap[a])].heap_pos == b && t[\old(heap[b])].heap_pos == a;
  ensures other_positions: \forall integer z; 0 <= z < cap && z != \old(heap[a]) &&
    z != \old(heap[b]) ==> t[z].heap_pos == \old(t[z].heap_pos);
  ensures kept: \forall integer x; 0 <= x < cap ==>
    t[x].deadline == \old(t[x].deadline) && t[x].seq == \old(t[x].seq);
  ensures keys: \forall integer x; 0 <= x < cap ==>
    timer_key(t, base, x) == \old(timer_key(t, base, x));
  ensures moved_keys: timer_key(t, base, heap[a]) == \old(timer_key(t, base, heap[b])) &&
    timer_key(t, base, heap[b]) == \old(timer_key(t, base, heap[a]));
  ensures other_keys: \forall integer i; 0 <= i < cap && i != a && i != b ==>
    timer_key(t, base, heap[i]) == \old(timer_key(t, base, heap[i]));
  ensures armed: a < count && b < count ==> timer_same_armed{Pre, Post}(t, count, cap);
  ensures window: a < count && b < count && \old(timer_in_window(t, count, cap, base)) ==>
    timer_in_window(t, count, cap, base);
*/
static void heap_swap(sloop_timer_entry *t, uint32_t *heap, uint32_t a, uint32_t b)
    /*@ ghost (uint32_t cap, uint32_t count, uint32_t base, uint32_t *gen) */
{
    uint32_t x = heap[a];
    uint32_t y = heap[b];
    heap[a] = y;
    t[y].heap_pos = a;
    heap[b] = x;
    t[x].heap_pos = b;
    /*@ assert moved: heap[a] == y && heap[b] == x && t[x].heap_pos == b && t[y].heap_pos == a; */
    /*@ assert other_positions: \forall integer i; 0 <= i < cap && i != a && i != b ==>
          heap[i] == \at(heap[i], Pre); */
    /*@ assert other_ids: \forall integer z; 0 <= z < cap && z != x && z != y ==>
          t[z].heap_pos == \at(t[z].heap_pos, Pre); */
    /*@ assert fields: \forall integer z; 0 <= z < cap ==>
          t[z].deadline == \at(t[z].deadline, Pre) && t[z].seq == \at(t[z].seq, Pre) &&
          t[z].period == \at(t[z].period, Pre); */
    //@ assert gen_kept: \forall integer x; 0 <= x < cap ==> gen[x] == \at(gen[x], Pre);
}

/* Moves the timer at pos up to its place. */
/*@
  requires timer_arrays(t, heap, cap) && pos < count <= cap;
  requires timer_perm(t, heap, cap);
  requires timer_in_window(t, count, cap, base);
  requires timer_keyed_but_child(t, heap, count, base, pos);
  requires timer_bridge(t, heap, count, base, pos);
  requires \valid_read(gen + (0 .. cap - 1)) &&
    \separated(gen + (0 .. cap - 1), t + (0 .. cap - 1), heap + (0 .. cap - 1));
  assigns heap[0 .. count - 1], t[0 .. cap - 1].heap_pos;
  ensures timer_perm(t, heap, cap);
  ensures timer_in_window(t, count, cap, base);
  ensures timer_keyed(t, heap, count, base);
  ensures gen_kept: \forall integer x; 0 <= x < cap ==> gen[x] == \old(gen[x]);
  ensures fields_kept: \forall integer x; 0 <= x < cap ==>
    t[x].deadline == \old(t[x].deadline) && t[x].seq == \old(t[x].seq) &&
    t[x].period == \old(t[x].period);
  ensures timer_same_armed{Pre, Post}(t, count, cap);
*/
static void heap_sift_up(sloop_timer_entry *t, uint32_t *heap, uint32_t pos)
    /*@ ghost (uint32_t cap, uint32_t count, uint32_t base, uint32_t *gen) */
{
    uint32_t p = pos;
    /*@
      loop invariant p <= pos;
      loop invariant timer_perm(t, heap, cap);
      loop invariant timer_in_window(t, count, cap, base);
      loop invariant timer_keyed_but_child(t, heap, count, base, p);
      loop invariant timer_bridge(t, heap, count, base, p);
      loop invariant timer_same_armed{Pre, Here}(t, count, cap);
      loop invariant gen_kept: \forall integer x; 0 <= x < cap ==> gen[x] == \at(gen[x], Pre);
      loop invariant fields_kept: \forall integer x; 0 <= x < cap ==>
        t[x].deadline == \at(t[x].deadline, Pre) && t[x].seq == \at(t[x].seq, Pre) &&
        t[x].period == \at(t[x].period, Pre);
      loop assigns p, heap[0 .. count - 1], t[0 .. cap - 1].heap_pos;
      loop variant p;
    */
    while (p > 0U) {
        uint32_t parent = (p - 1U) / 2U;
        //@ assert timer_child(p, parent);
        if (!timer_less(t, heap[p], heap[parent]) /*@ ghost (cap, base) */) {
            break;
        }
        //@ assert less: timer_key(t, base, heap[p]) < timer_key(t, base, heap[parent]);
        heap_swap(t, heap, p, parent) /*@ ghost (cap, count, base, gen) */;
        p = parent;
    }
}

/* Moves the timer at pos down to its place. */
/*@
  requires timer_arrays(t, heap, cap) && pos < count <= cap;
  requires timer_perm(t, heap, cap);
  requires timer_in_window(t, count, cap, base);
  requires timer_keyed_but_parent(t, heap, count, base, pos);
  requires timer_bridge(t, heap, count, base, pos);
  requires \valid_read(gen + (0 .. cap - 1)) &&
    \separated(gen + (0 .. cap - 1), t + (0 .. cap - 1), heap + (0 .. cap - 1));
  assigns heap[0 .. count - 1], t[0 .. cap - 1].heap_pos;
  ensures timer_perm(t, heap, cap);
  ensures timer_in_window(t, count, cap, base);
  ensures timer_keyed(t, heap, count, base);
  ensures gen_kept: \forall integer x; 0 <= x < cap ==> gen[x] == \old(gen[x]);
  ensures fields_kept: \forall integer x; 0 <= x < cap ==>
    t[x].deadline == \old(t[x].deadline) && t[x].seq == \old(t[x].seq) &&
    t[x].period == \old(t[x].period);
  ensures timer_same_armed{Pre, Post}(t, count, cap);
*/
static void heap_sift_down(sloop_timer_entry *t, uint32_t *heap, uint32_t count, uint32_t pos)
    /*@ ghost (uint32_t cap, uint32_t base, uint32_t *gen) */
{
    uint32_t p = pos;
    /*@
      loop invariant pos <= p < count;
      loop invariant timer_perm(t, heap, cap);
      loop invariant timer_in_window(t, count, cap, base);
      loop invariant timer_keyed_but_parent(t, heap, count, base, p);
      loop invariant timer_bridge(t, heap, count, base, p);
      loop invariant timer_same_armed{Pre, Here}(t, count, cap);
      loop invariant gen_kept: \forall integer x; 0 <= x < cap ==> gen[x] == \at(gen[x], Pre);
      loop invariant fields_kept: \forall integer x; 0 <= x < cap ==>
        t[x].deadline == \at(t[x].deadline, Pre) && t[x].seq == \at(t[x].seq, Pre) &&
        t[x].period == \at(t[x].period, Pre);
      loop assigns p, heap[0 .. count - 1], t[0 .. cap - 1].heap_pos;
      loop variant count - p;
    */
    while (p < (count / 2U)) { /* p has at least one child */
        uint32_t child = (2U * p) + 1U;
        if (((child + 1U) < count) &&
            timer_less(t, heap[child + 1U], heap[child]) /*@ ghost (cap, base) */) {
            child++;
        }
        /*@ assert least_child: timer_child(child, p) &&
              \forall integer c; timer_child(c, p) && c < count ==>
                timer_key(t, base, heap[child]) <= timer_key(t, base, heap[c]); */
        //@ assert armed: t[heap[child]].heap_pos == child && t[heap[p]].heap_pos == p;
        if (!timer_less(t, heap[child], heap[p]) /*@ ghost (cap, base) */) {
            break;
        }
        //@ assert less: timer_key(t, base, heap[child]) < timer_key(t, base, heap[p]);
        heap_swap(t, heap, p, child) /*@ ghost (cap, count, base, gen) */;
        /*@ assert up_edge: \forall integer g; 0 <= g && timer_child(p, g) ==>
              timer_key(t, base, heap[g]) <= timer_key(t, base, heap[p]); */
        /*@ assert down_edges: \forall integer c; timer_child(c, p) && c < count ==>
              timer_key(t, base, heap[p]) <= timer_key(t, base, heap[c]); */
        /*@ assert next_bridge: \forall integer c; timer_child(c, child) && c < count ==>
              timer_key(t, base, heap[p]) <= timer_key(t, base, heap[c]); */
        p = child;
    }
}

/* Arms id, which is not armed, as the (n + 1)-th armed timer: swaps it to
 * position n, the first past the heap, then sifts it up. */
/*@
  requires timer_arrays(t, heap, cap) && n <= cap && timer_perm(t, heap, cap);
  requires id < cap && t[id].heap_pos >= n;
  requires timer_in_window(t, n, cap, base) && timer_win(t, base, id);
  requires timer_keyed(t, heap, n, base);
  requires \valid_read(gen + (0 .. cap - 1)) &&
    \separated(gen + (0 .. cap - 1), t + (0 .. cap - 1), heap + (0 .. cap - 1));
  assigns heap[0 .. cap - 1], t[0 .. cap - 1].heap_pos;
  ensures n < cap;
  ensures timer_perm(t, heap, cap);
  ensures timer_in_window(t, n + 1, cap, base);
  ensures timer_keyed(t, heap, n + 1, base);
  ensures added: t[id].heap_pos < n + 1;
  ensures others: \forall integer y; 0 <= y < cap && y != id ==>
    (t[y].heap_pos < n + 1 <==> \old(t[y].heap_pos) < n);
  ensures gen_kept: \forall integer x; 0 <= x < cap ==> gen[x] == \old(gen[x]);
  ensures fields_kept: \forall integer x; 0 <= x < cap ==>
    t[x].deadline == \old(t[x].deadline) && t[x].seq == \old(t[x].seq) &&
    t[x].period == \old(t[x].period);
*/
static void heap_insert(sloop_timer_entry *t, uint32_t *heap, uint32_t n, uint32_t id)
    /*@ ghost (uint32_t cap, uint32_t base, uint32_t *gen) */
{
    heap_swap(t, heap, n, t[id].heap_pos) /*@ ghost (cap, n, base, gen) */;
    //@ assert at_end: heap[n] == id && t[id].heap_pos == n;
    /*@ assert others_armed: \forall integer y; 0 <= y < cap && y != id ==>
          (t[y].heap_pos < n + 1 <==> \at(t[y].heap_pos, Pre) < n); */
    heap_sift_up(t, heap, n) /*@ ghost (cap, n + 1U, base, gen) */;
}

/* The timer at pos was just moved there from the end of the heap: moves it up
 * or down to its place. Nothing below pos was smaller than the timer it
 * replaced (the bridge), so it belongs either above pos or at or below it: one
 * sift, never both. */
/*@
  requires timer_arrays(t, heap, cap) && pos < n <= cap && timer_perm(t, heap, cap);
  requires timer_in_window(t, n, cap, base);
  requires timer_keyed_but_at(t, heap, n, base, pos);
  requires timer_bridge(t, heap, n, base, pos);
  requires \valid_read(gen + (0 .. cap - 1)) &&
    \separated(gen + (0 .. cap - 1), t + (0 .. cap - 1), heap + (0 .. cap - 1));
  assigns heap[0 .. n - 1], t[0 .. cap - 1].heap_pos;
  ensures timer_perm(t, heap, cap);
  ensures timer_in_window(t, n, cap, base);
  ensures timer_keyed(t, heap, n, base);
  ensures gen_kept: \forall integer x; 0 <= x < cap ==> gen[x] == \old(gen[x]);
  ensures fields_kept: \forall integer x; 0 <= x < cap ==>
    t[x].deadline == \old(t[x].deadline) && t[x].seq == \old(t[x].seq) &&
    t[x].period == \old(t[x].period);
  ensures timer_same_armed{Pre, Post}(t, n, cap);
*/
static void heap_refill(sloop_timer_entry *t, uint32_t *heap, uint32_t n, uint32_t pos)
    /*@ ghost (uint32_t cap, uint32_t base, uint32_t *gen) */
{
    if ((pos > 0U) && timer_less(t, heap[pos], heap[(pos - 1U) / 2U]) /*@ ghost (cap, base) */) {
        /*@ assert below: \forall integer c; timer_child(c, pos) && c < n ==>
              timer_key(t, base, heap[pos]) <= timer_key(t, base, heap[c]); */
        heap_sift_up(t, heap, pos) /*@ ghost (cap, n, base, gen) */;
    } else {
        heap_sift_down(t, heap, n, pos) /*@ ghost (cap, base, gen) */;
    }
}

/* Disarms the armed timer id, leaving n armed timers: the last armed one, at
 * position n, takes id's position and id goes to position n. */
/*@
  requires timer_arrays(t, heap, cap) && n < cap && timer_perm(t, heap, cap);
  requires id < cap && t[id].heap_pos < n + 1;
  requires timer_in_window(t, n + 1, cap, base);
  requires timer_keyed(t, heap, n + 1, base);
  requires \valid_read(gen + (0 .. cap - 1)) &&
    \separated(gen + (0 .. cap - 1), t + (0 .. cap - 1), heap + (0 .. cap - 1));
  assigns heap[0 .. cap - 1], t[0 .. cap - 1].heap_pos;
  ensures timer_perm(t, heap, cap);
  ensures timer_in_window(t, n, cap, base);
  ensures timer_keyed(t, heap, n, base);
  ensures removed: t[id].heap_pos >= n;
  ensures others: \forall integer y; 0 <= y < cap && y != id ==>
    (t[y].heap_pos < n <==> \old(t[y].heap_pos) < n + 1);
  ensures gen_kept: \forall integer x; 0 <= x < cap ==> gen[x] == \old(gen[x]);
  ensures fields_kept: \forall integer x; 0 <= x < cap ==>
    t[x].deadline == \old(t[x].deadline) && t[x].seq == \old(t[x].seq) &&
    t[x].period == \old(t[x].period);
*/
static void heap_remove(sloop_timer_entry *t, uint32_t *heap, uint32_t cap, uint32_t n,
                        uint32_t id)
    /*@ ghost (uint32_t base, uint32_t *gen) */
{
    uint32_t pos = t[id].heap_pos;
    /*@ assert only_id_at_n: pos == n ==>
          \forall integer y; 0 <= y < cap && y != id ==> t[y].heap_pos != n; */
    /* pos < n + 1 <= cap by the contract; both bounds are tested here anyway so
     * that the positions used below (pos and n) are bounded by the code itself,
     * where a value analysis sees them. When pos == n, id is already last. */
    if ((pos < n) && (n < cap)) {
        /*@ assert below: \forall integer c; timer_child(c, pos) && c < n ==>
              timer_key(t, base, heap[pos]) <= timer_key(t, base, heap[c]); */
        /*@ assert above: \forall integer g; 0 <= g && timer_child(pos, g) ==>
              timer_key(t, base, heap[g]) <= timer_key(t, base, heap[pos]); */
        heap_swap(t, heap, pos, n) /*@ ghost (cap, n, base, gen) */;
        /*@ assert others_armed: \forall integer y; 0 <= y < cap && y != id ==>
              (t[y].heap_pos < n <==> \at(t[y].heap_pos, Pre) < n + 1); */
        //@ assert removed_key: heap[n] == id;
        heap_refill(t, heap, n, pos) /*@ ghost (cap, base, gen) */;
        /*@ assert others_done: \forall integer y; 0 <= y < cap && y != id ==>
              (t[y].heap_pos < n <==> \at(t[y].heap_pos, Pre) < n + 1); */
    }
}

/* Takes id out of the heap of n armed timers if it is in it; returns the new
 * number of armed timers. */
/*@
  requires timer_arrays(t, heap, cap) && n <= cap && timer_perm(t, heap, cap);
  requires id < cap;
  requires timer_in_window(t, n, cap, base);
  requires timer_keyed(t, heap, n, base);
  requires \valid_read(gen + (0 .. cap - 1)) &&
    \separated(gen + (0 .. cap - 1), t + (0 .. cap - 1), heap + (0 .. cap - 1));
  assigns heap[0 .. cap - 1], t[0 .. cap - 1].heap_pos;
  ensures was_armed: \old(t[id].heap_pos) < n ==> \result == n - 1;
  ensures was_not_armed: \old(t[id].heap_pos) >= n ==> \result == n;
  ensures \result <= n;
  ensures timer_perm(t, heap, cap);
  ensures timer_in_window(t, \result, cap, base);
  ensures timer_keyed(t, heap, \result, base);
  ensures out: t[id].heap_pos >= \result;
  ensures others: \forall integer y; 0 <= y < cap && y != id ==>
    (t[y].heap_pos < \result <==> \old(t[y].heap_pos) < n);
  ensures gen_kept: \forall integer x; 0 <= x < cap ==> gen[x] == \old(gen[x]);
  ensures fields_kept: \forall integer x; 0 <= x < cap ==>
    t[x].deadline == \old(t[x].deadline) && t[x].seq == \old(t[x].seq) &&
    t[x].period == \old(t[x].period);
*/
static uint32_t heap_take_out(sloop_timer_entry *t, uint32_t *heap, uint32_t cap, uint32_t n,
                              uint32_t id)
    /*@ ghost (uint32_t base, uint32_t *gen) */
{
    uint32_t m = n;
    if (t[id].heap_pos < n) {
        m = n - 1U;
        heap_remove(t, heap, cap, m, id) /*@ ghost (base, gen) */;
    }
    return m;
}

/* heap_take_out with the frame of the slot table (which it does not touch)
 * spelled out as flat facts. The separation reasoning happens here, in a
 * context without the slot table's quantified invariant (with it in context
 * the same facts took 10 to 16 s or timed out). */
/*@
  requires timer_arrays(t, heap, cap) && n <= cap && timer_perm(t, heap, cap);
  requires id < cap;
  requires timer_in_window(t, n, cap, base);
  requires timer_keyed(t, heap, n, base);
  requires \valid_read(gen + (0 .. cap - 1)) &&
    \separated(gen + (0 .. cap - 1), t + (0 .. cap - 1), heap + (0 .. cap - 1));
  requires \valid_read(q) && q->ids.gen == gen && q->ids.cap == cap &&
    \valid_read(q->ids.free_stack + (0 .. cap - 1));
  requires \separated(q, t + (0 .. cap - 1), heap + (0 .. cap - 1));
  requires \separated(q->ids.free_stack + (0 .. cap - 1), t + (0 .. cap - 1), heap + (0 .. cap - 1));
  assigns heap[0 .. cap - 1], t[0 .. cap - 1].heap_pos;
  ensures was_armed: \old(t[id].heap_pos) < n ==> \result == n - 1;
  ensures was_not_armed: \old(t[id].heap_pos) >= n ==> \result == n;
  ensures \result <= n;
  ensures timer_perm(t, heap, cap);
  ensures timer_in_window(t, \result, cap, base);
  ensures timer_keyed(t, heap, \result, base);
  ensures out: t[id].heap_pos >= \result;
  ensures others: \forall integer y; 0 <= y < cap && y != id ==>
    (t[y].heap_pos < \result <==> \old(t[y].heap_pos) < n);
  ensures gen_kept: \forall integer x; 0 <= x < cap ==> gen[x] == \old(gen[x]);
  ensures fields_kept: \forall integer x; 0 <= x < cap ==>
    t[x].deadline == \old(t[x].deadline) && t[x].seq == \old(t[x].seq) &&
    t[x].period == \old(t[x].period);
  ensures table_kept: q->ids.cap == cap && q->ids.gen == gen &&
    q->ids.free_stack == \old(q->ids.free_stack) &&
    q->ids.free_count == \old(q->ids.free_count) &&
    q->ids.open_count == \old(q->ids.open_count) &&
    q->t == \old(q->t) && q->heap == \old(q->heap) && q->count == \old(q->count) &&
    q->next_seq == \old(q->next_seq);
  ensures stack_kept: \forall integer k; 0 <= k < cap ==>
    q->ids.free_stack[k] == \old(q->ids.free_stack[k]);
*/
static uint32_t heap_take_out_framed(sloop_timer_entry *t, uint32_t *heap, uint32_t cap,
                                     uint32_t n, uint32_t id)
    /*@ ghost (uint32_t base, uint32_t *gen, sloop_timerq *q) */
{
    return heap_take_out(t, heap, cap, n, id) /*@ ghost (base, gen) */;
}

/* heap_take_out for release, which closes the id next: the slot table's
 * invariant, "armed ids are open" and the periods survive (from the flat
 * frame of heap_take_out_framed, in this small context). */
/*@
  requires timer_arrays(t, heap, cap) && n <= cap && timer_perm(t, heap, cap);
  requires id < cap;
  requires timer_in_window(t, n, cap, base);
  requires timer_keyed(t, heap, n, base);
  requires \valid_read(gen + (0 .. cap - 1)) &&
    \separated(gen + (0 .. cap - 1), t + (0 .. cap - 1), heap + (0 .. cap - 1));
  requires \valid_read(q) && q->ids.gen == gen && q->ids.cap == cap &&
    \valid_read(q->ids.free_stack + (0 .. cap - 1));
  requires \separated(q, t + (0 .. cap - 1), heap + (0 .. cap - 1));
  requires \separated(q->ids.free_stack + (0 .. cap - 1), t + (0 .. cap - 1), heap + (0 .. cap - 1));
  requires slots_inv(&q->ids);
  requires open_in: \forall integer x; 0 <= x < cap && t[x].heap_pos < n ==> gen[x] % 2 == 1;
  requires periods_in: \forall integer x; 0 <= x < cap ==> t[x].period <= SLOOP_TICK_MAX_DELAY;
  assigns heap[0 .. cap - 1], t[0 .. cap - 1].heap_pos;
  ensures open_out: \forall integer x; 0 <= x < cap && t[x].heap_pos < \result ==>
    gen[x] % 2 == 1;
  ensures periods_out: \forall integer x; 0 <= x < cap ==> t[x].period <= SLOOP_TICK_MAX_DELAY;
  ensures sinv_storage: slots_storage(&q->ids);
  ensures sinv_room: slots_room(&q->ids);
  ensures sinv_stack_free: slots_stack_free(&q->ids);
  ensures sinv_stack_distinct: slots_stack_distinct(&q->ids);
  ensures sinv_retired_zero: slots_retired_zero(&q->ids);
  ensures sinv_counted: slots_counted(&q->ids);
  ensures was_armed: \old(t[id].heap_pos) < n ==> \result == n - 1;
  ensures was_not_armed: \old(t[id].heap_pos) >= n ==> \result == n;
  ensures \result <= n;
  ensures timer_perm(t, heap, cap);
  ensures timer_in_window(t, \result, cap, base);
  ensures timer_keyed(t, heap, \result, base);
  ensures out: t[id].heap_pos >= \result;
  ensures others: \forall integer y; 0 <= y < cap && y != id ==>
    (t[y].heap_pos < \result <==> \old(t[y].heap_pos) < n);
  ensures gen_kept: \forall integer x; 0 <= x < cap ==> gen[x] == \old(gen[x]);
  ensures fields_kept: \forall integer x; 0 <= x < cap ==>
    t[x].deadline == \old(t[x].deadline) && t[x].seq == \old(t[x].seq) &&
    t[x].period == \old(t[x].period);
  ensures table_kept: q->ids.cap == cap && q->ids.gen == gen &&
    q->ids.free_stack == \old(q->ids.free_stack) &&
    q->ids.free_count == \old(q->ids.free_count) &&
    q->ids.open_count == \old(q->ids.open_count) &&
    q->t == \old(q->t) && q->heap == \old(q->heap) && q->count == \old(q->count) &&
    q->next_seq == \old(q->next_seq);
  ensures stack_kept: \forall integer k; 0 <= k < cap ==>
    q->ids.free_stack[k] == \old(q->ids.free_stack[k]);
*/
static uint32_t timer_take_out_kept(sloop_timer_entry *t, uint32_t *heap, uint32_t cap,
                                    uint32_t n, uint32_t id)
    /*@ ghost (uint32_t base, uint32_t *gen, sloop_timerq *q) */
{
    uint32_t m = heap_take_out_framed(t, heap, cap, n, id) /*@ ghost (base, gen, q) */;
    /*@ assert stacked_same: \forall integer i; 0 <= i < cap ==>
          (slots_in_stack(&q->ids, i) <==> slots_in_stack{Pre}(&q->ids, i)); */
    /* The pair of states for the odd count's update axiom (slots.h). */
    //@ assert count_same: slots_gens_except{Pre, Here}(gen, cap, id);
    return m;
}

/* Gives timer id a new deadline, period and start order while it is not armed.
 * A helper so that the proof that the heap facts survive these stores happens in
 * a small context. */
/*@
  requires timer_arrays(t, heap, cap) && n <= cap && timer_perm(t, heap, cap);
  requires id < cap && t[id].heap_pos >= n;
  requires timer_in_window(t, n, cap, base) && timer_keyed(t, heap, n, base);
  requires timer_off(deadline, base) < 2147483648;
  requires \valid_read(gen + (0 .. cap - 1)) &&
    \separated(gen + (0 .. cap - 1), t + (0 .. cap - 1), heap + (0 .. cap - 1));
  assigns t[id].deadline, t[id].period, t[id].seq;
  ensures gen_kept: \forall integer x; 0 <= x < cap ==> gen[x] == \old(gen[x]);
  ensures t[id].deadline == deadline && t[id].period == period && t[id].seq == seq;
  ensures timer_perm(t, heap, cap);
  ensures timer_in_window(t, n, cap, base) && timer_win(t, base, id);
  ensures timer_keyed(t, heap, n, base);
  ensures positions: \forall integer x; 0 <= x < cap ==> t[x].heap_pos == \old(t[x].heap_pos);
  ensures others: \forall integer y; 0 <= y < cap && y != id ==>
    t[y].deadline == \old(t[y].deadline) && t[y].period == \old(t[y].period) &&
    t[y].seq == \old(t[y].seq);
*/
static void timer_set(sloop_timer_entry *t, uint32_t id, sloop_tick deadline, uint32_t period,
                      uint64_t seq)
    /*@ ghost (uint32_t *heap, uint32_t n, uint32_t cap, uint32_t base, uint32_t *gen) */
{
    t[id].deadline = deadline;
    t[id].period = period;
    t[id].seq = seq;
    //@ assert heap_kept: \forall integer i; 0 <= i < cap ==> heap[i] == \at(heap[i], Pre);
    /*@ assert positions_kept: \forall integer x; 0 <= x < cap ==>
          t[x].heap_pos == \at(t[x].heap_pos, Pre); */
    //@ assert gen_kept: \forall integer x; 0 <= x < cap ==> gen[x] == \at(gen[x], Pre);
}

/* Stores the new number of armed timers and the next start order. The heap
 * facts come in on the caller's copies of q->t, q->heap, q->ids.cap and
 * q->ids.gen, so that the caller never has to re-read q after its heap calls;
 * the proof that the invariant survives these stores happens in this small
 * context. */
/*@
  requires timerq_storage(q) && slots_readable(&q->ids);
  requires q->t == t && q->heap == heap && q->ids.cap == cap && q->ids.gen == gen;
  requires n <= cap;
  requires timer_perm(t, heap, cap);
  requires timer_heap_ordered(t, heap, n);
  requires timer_top_least(t, heap, n);
  requires \forall integer x; 0 <= x < cap && t[x].heap_pos < n ==> gen[x] % 2 == 1;
  requires \forall integer x; 0 <= x < cap ==> t[x].period <= SLOOP_TICK_MAX_DELAY;
  assigns q->count, q->next_seq;
  ensures q->count == n && q->next_seq == next;
  ensures q->ids.cap == cap;
  ensures inv_storage: timerq_storage(q);
  ensures inv_readable: slots_readable(&q->ids);
  ensures inv_count: q->count <= q->ids.cap;
  ensures inv_perm: timer_perm(q->t, q->heap, q->ids.cap);
  ensures inv_ordered: timer_heap_ordered(q->t, q->heap, q->count);
  ensures inv_top: timer_top_least(q->t, q->heap, q->count);
  ensures inv_open: timer_armed_open(q);
  ensures inv_periods: timer_periods_ok(q);
  ensures kept: \forall integer x; 0 <= x < cap ==>
    t[x].heap_pos == \old(t[x].heap_pos) && t[x].deadline == \old(t[x].deadline) &&
    t[x].seq == \old(t[x].seq) && t[x].period == \old(t[x].period);
  ensures gen_kept: \forall integer x; 0 <= x < cap ==> gen[x] == \old(gen[x]);
  ensures table_kept: q->ids.free_stack == \old(q->ids.free_stack) &&
    q->ids.free_count == \old(q->ids.free_count) &&
    q->ids.open_count == \old(q->ids.open_count);
  ensures stack_kept: \forall integer k; 0 <= k < cap ==>
    q->ids.free_stack[k] == \old(q->ids.free_stack[k]);
*/
static void timer_commit(sloop_timerq *q, uint32_t n, uint64_t next)
    /*@ ghost (sloop_timer_entry *t, uint32_t *heap, uint32_t cap, uint32_t *gen) */
{
    q->count = n;
    q->next_seq = next;
}

/* timer_commit for release, which closes the id next: the slot table's
 * invariant survives the two stores (proved here, in a small context). */
/*@
  requires timerq_storage(q) && slots_readable(&q->ids);
  requires q->t == t && q->heap == heap && q->ids.cap == cap && q->ids.gen == gen;
  requires n <= cap;
  requires timer_perm(t, heap, cap);
  requires timer_heap_ordered(t, heap, n);
  requires timer_top_least(t, heap, n);
  requires \forall integer x; 0 <= x < cap && t[x].heap_pos < n ==> gen[x] % 2 == 1;
  requires \forall integer x; 0 <= x < cap ==> t[x].period <= SLOOP_TICK_MAX_DELAY;
  requires slots_inv(&q->ids);
  assigns q->count, q->next_seq;
  ensures q->count == n && q->next_seq == next;
  ensures q->ids.cap == cap;
  ensures inv_storage: timerq_storage(q);
  ensures inv_readable: slots_readable(&q->ids);
  ensures inv_count: q->count <= q->ids.cap;
  ensures inv_perm: timer_perm(q->t, q->heap, q->ids.cap);
  ensures inv_ordered: timer_heap_ordered(q->t, q->heap, q->count);
  ensures inv_top: timer_top_least(q->t, q->heap, q->count);
  ensures inv_open: timer_armed_open(q);
  ensures inv_periods: timer_periods_ok(q);
  ensures kept: \forall integer x; 0 <= x < cap ==>
    t[x].heap_pos == \old(t[x].heap_pos) && t[x].deadline == \old(t[x].deadline) &&
    t[x].seq == \old(t[x].seq) && t[x].period == \old(t[x].period);
  ensures gen_kept: \forall integer x; 0 <= x < cap ==> gen[x] == \old(gen[x]);
  ensures sinv_storage: slots_storage(&q->ids);
  ensures sinv_room: slots_room(&q->ids);
  ensures sinv_stack_free: slots_stack_free(&q->ids);
  ensures sinv_stack_distinct: slots_stack_distinct(&q->ids);
  ensures sinv_retired_zero: slots_retired_zero(&q->ids);
  ensures sinv_counted: slots_counted(&q->ids);
*/
static void timer_commit_with_table(sloop_timerq *q, uint32_t n, uint64_t next)
    /*@ ghost (sloop_timer_entry *t, uint32_t *heap, uint32_t cap, uint32_t *gen) */
{
    timer_commit(q, n, next) /*@ ghost (t, heap, cap, gen) */;
    /*@ assert stacked_same: \forall integer i; 0 <= i < cap ==>
          (slots_in_stack(&q->ids, i) <==> slots_in_stack{Pre}(&q->ids, i)); */
    /* The pair of states for the odd count's update axiom (slots.h). */
    //@ assert count_same: cap > 0 ==> slots_gens_except{Pre, Here}(gen, cap, 0);
}

/*@ ghost
  /@ assigns \nothing;
     ensures \result == timer_late_base(now); @/
  static uint32_t timer_base(uint32_t now)
  {
      return (now >= SLOOP_TIMER_MAX_LATE) ? (now - SLOOP_TIMER_MAX_LATE)
                                           : ((now + (0xFFFFFFFFU - SLOOP_TIMER_MAX_LATE)) + 1U);
  }
*/

/* sloop_slots_init with the frame the queue needs spelled out (proved here, in
 * a context without the heap's loop): the timer entries and the heap, which
 * share no memory with the slot table, are unchanged. */
/*@
  requires \valid(s) && \valid(gen + (0 .. cap - 1)) && \valid(free_stack + (0 .. cap - 1));
  requires \separated(s, gen + (0 .. cap - 1), free_stack + (0 .. cap - 1));
  requires \separated(t + (0 .. cap - 1), heap + (0 .. cap - 1), s, gen + (0 .. cap - 1),
                      free_stack + (0 .. cap - 1));
  assigns *s, gen[0 .. cap - 1], free_stack[0 .. cap - 1];
  ensures inv_storage: slots_storage(s);
  ensures inv_room: slots_room(s);
  ensures inv_stack_free: slots_stack_free(s);
  ensures inv_stack_distinct: slots_stack_distinct(s);
  ensures inv_retired_zero: slots_retired_zero(s);
  ensures inv_counted: slots_counted(s);
  ensures s->gen == gen && s->free_stack == free_stack && s->cap == cap;
  ensures s->free_count == cap && s->open_count == 0;
  ensures kept_heap: \forall integer k; 0 <= k < cap ==> heap[k] == \old(heap[k]);
  ensures kept_entries: \forall integer k; 0 <= k < cap ==>
    t[k].heap_pos == \old(t[k].heap_pos) && t[k].period == \old(t[k].period);
*/
static void timer_init_ids(sloop_slots *s, uint32_t *gen, uint32_t *free_stack, uint32_t cap)
    /*@ ghost (sloop_timer_entry *t, uint32_t *heap) */
{
    sloop_slots_init(s, gen, free_stack, cap);
}

void sloop_timerq_init(sloop_timerq *q, sloop_timer_entry *t, uint32_t *heap,
                       uint32_t *gen, uint32_t *free_stack, uint32_t cap)
{
    uint32_t i;
    /* The heap first and the slot table last: the table's invariant then comes
     * straight from sloop_slots_init and never has to be carried across the
     * other stores (a slow proof). */
    /*@
      loop invariant 0 <= i <= cap;
      loop invariant \forall integer k; 0 <= k < i ==> heap[k] == k && t[k].heap_pos == k;
      loop invariant \forall integer k; 0 <= k < i ==> t[k].period == 0;
      loop assigns i, t[0 .. cap - 1], heap[0 .. cap - 1];
      loop variant cap - i;
    */
    for (i = 0U; i < cap; i++) {
        t[i].deadline = 0U;
        t[i].period = 0U;
        t[i].seq = 0U;
        t[i].heap_pos = i;
        heap[i] = i;
    }
    q->t = t;
    q->heap = heap;
    q->count = 0U;
    q->next_seq = 0U;
    timer_init_ids(&q->ids, gen, free_stack, cap) /*@ ghost (t, heap) */;
    //@ assert count_kept: q->count == 0;
    /* The identity layout, restated after the call from its frame so that
     * the permutation follows by instantiation alone. */
    /*@ assert identity_kept: \forall integer k; 0 <= k < cap ==>
          heap[k] == k && t[k].heap_pos == k; */
    //@ assert periods_kept: \forall integer k; 0 <= k < cap ==> t[k].period == 0;
}

/* sloop_slots_open on a table with a free slot, with the frame the queue needs
 * spelled out: the timer entries and the heap, which share no memory with the
 * slot table, are unchanged. */
/*@
  requires slots_inv(s) && s->free_count > 0 && cap == s->cap;
  requires \valid(ref) && \separated(ref, s, s->gen + (0 .. cap - 1), s->free_stack + (0 .. cap - 1));
  requires \separated(t + (0 .. cap - 1), heap + (0 .. cap - 1), ref, s,
                      s->gen + (0 .. cap - 1), s->free_stack + (0 .. cap - 1));
  assigns s->free_count, s->open_count, s->gen[0 .. cap - 1], *ref;
  ensures inv_storage: slots_storage(s);
  ensures inv_room: slots_room(s);
  ensures inv_stack_free: slots_stack_free(s);
  ensures inv_stack_distinct: slots_stack_distinct(s);
  ensures inv_retired_zero: slots_retired_zero(s);
  ensures inv_counted: slots_counted(s);
  ensures s->cap == \old(s->cap) && s->gen == \old(s->gen) && s->free_stack == \old(s->free_stack);
  ensures \result && slots_ref_valid(s, *ref);
  ensures was_free: ref->index == \old(s->free_stack[s->free_count - 1]) &&
    \old(s->gen[s->free_stack[s->free_count - 1]]) % 2 == 0;
  ensures others: slots_same_except{Pre, Post}(s, ref->index);
  ensures kept_heap: \forall integer i; 0 <= i < cap ==> heap[i] == \old(heap[i]);
  ensures kept_pos: \forall integer x; 0 <= x < cap ==> t[x].heap_pos == \old(t[x].heap_pos);
  ensures kept_deadline: \forall integer x; 0 <= x < cap ==> t[x].deadline == \old(t[x].deadline);
  ensures kept_seq: \forall integer x; 0 <= x < cap ==> t[x].seq == \old(t[x].seq);
  ensures kept_period: \forall integer x; 0 <= x < cap ==> t[x].period == \old(t[x].period);
*/
static bool timer_open_id(sloop_slots *s, sloop_slot_ref *ref)
    /*@ ghost (sloop_timer_entry *t, uint32_t *heap, uint32_t cap) */
{
    //@ assert top_free: s->free_stack[s->free_count - 1] < cap;
    return sloop_slots_open(s, ref);
}

bool sloop_timerq_alloc(sloop_timerq *q, sloop_slot_ref *ref)
{
    /* A free id is never armed (timer_armed_open), so there is nothing to reset.
     * The free_count test repeats the one in sloop_slots_open: timer_open_id's
     * contract (the frame the queue needs across the call) covers only the
     * case with a free slot. */
    bool ok = false;
    if (q->ids.free_count > 0U) {
        /* The id about to be handed out is free, so not armed (a fact of the
         * state before the call, where timer_armed_open says it). */
        //@ assert top_unarmed: !timer_armed(q, q->ids.free_stack[q->ids.free_count - 1]);
        ok = timer_open_id(&q->ids, ref) /*@ ghost (q->t, q->heap, q->ids.cap) */;
        /* The queue's invariant on this path (before the paths join): the
         * heap facts from timer_open_id's flat frame by the lemmas
         * timer_perm_kept, timer_ordered_kept and timer_top_kept. */
        //@ assert q_kept: q->ids.cap == \at(q->ids.cap, Pre) && q->count == \at(q->count, Pre);
        //@ assert heap_frame: timer_heap_frame{Pre, Here}(q->t, q->heap, q->ids.cap);
        //@ assert kept_perm: timer_perm(q->t, q->heap, q->ids.cap);
        //@ assert kept_ordered: timer_heap_ordered(q->t, q->heap, q->count);
        //@ assert kept_top: timer_top_least(q->t, q->heap, q->count);
        //@ assert armed_kept: \forall integer x; timer_armed(q, x) ==> \at(timer_armed(q, x), Pre);
        //@ assert kept_open: timer_armed_open(q);
    }
    return ok;
}

bool sloop_timerq_armed(const sloop_timerq *q, sloop_slot_ref ref)
{
    return sloop_slots_valid(&q->ids, ref) && (q->t[ref.index].heap_pos < q->count);
}

bool sloop_timerq_disarm(sloop_timerq *q, sloop_slot_ref ref)
{
    bool ok = sloop_timerq_armed(q, ref);
    if (ok) {
        /* Everything the heap calls need is read before the first of them. */
        sloop_timer_entry *t = q->t;
        uint32_t *heap = q->heap;
        uint32_t cap = q->ids.cap;
        uint32_t n = q->count - 1U;
        uint64_t seq = q->next_seq;
        /*@ ghost uint32_t *gen = q->ids.gen; */
        /*@ ghost uint32_t base = t[heap[0]].deadline; */
        /*@ ghost timer_window_of_top(t, heap, q->count, cap); */
        /*@ ghost timer_keyed_of_ordered(t, heap, q->count, cap, base); */
        /* The periods' bound on the locals, so that after the call it follows
         * from the callee's fields_kept alone (through q, cvc4 timed out). */
        /*@ assert periods_before: \forall integer x; 0 <= x < cap ==>
              t[x].period <= SLOOP_TICK_MAX_DELAY; */
        heap_remove(t, heap, cap, n, ref.index) /*@ ghost (base, gen) */;
        /*@ assert open_kept: \forall integer x; 0 <= x < cap && t[x].heap_pos < n ==>
              gen[x] % 2 == 1; */
        /*@ assert periods_kept: \forall integer x; 0 <= x < cap ==>
              t[x].period <= SLOOP_TICK_MAX_DELAY; */
        /*@ ghost timer_ordered_of_keyed(t, heap, n, cap, base); */
        timer_commit(q, n, seq) /*@ ghost (t, heap, cap, gen) */;
    }
    return ok;
}

/* sloop_slots_close on the handle of an unarmed timer, with the frame the queue
 * needs spelled out: the queue's invariant and every timer field survive (the
 * closed id is not armed, so "armed ids are open" still holds). The frame
 * proof happens in this small context. The table's invariant comes in as its
 * six parts, so that the caller proves six small goals. */
/*@
  requires timerq_inv(q);
  requires sinv_storage: slots_storage(&q->ids);
  requires sinv_room: slots_room(&q->ids);
  requires sinv_stack_free: slots_stack_free(&q->ids);
  requires sinv_stack_distinct: slots_stack_distinct(&q->ids);
  requires sinv_retired_zero: slots_retired_zero(&q->ids);
  requires sinv_counted: slots_counted(&q->ids);
  requires ref_valid: slots_ref_valid(&q->ids, ref);
  requires not_armed: !timer_armed(q, ref.index);
  assigns q->ids.open_count, q->ids.free_count, q->ids.gen[0 .. q->ids.cap - 1],
          q->ids.free_stack[0 .. q->ids.cap - 1];
  ensures \result;
  ensures inv_slots: slots_inv(&q->ids);
  ensures closed: \forall sloop_slot_ref r; r.index == ref.index ==> !slots_ref_valid(&q->ids, r);
  ensures inv_storage: timerq_storage(q);
  ensures inv_count: q->count <= q->ids.cap;
  ensures inv_perm: timer_perm(q->t, q->heap, q->ids.cap);
  ensures inv_ordered: timer_heap_ordered(q->t, q->heap, q->count);
  ensures inv_top: timer_top_least(q->t, q->heap, q->count);
  ensures inv_open: timer_armed_open(q);
  ensures inv_periods: timer_periods_ok(q);
  ensures kept: q->count == \old(q->count) && q->ids.cap == \old(q->ids.cap) &&
    q->t == \old(q->t);
  ensures kept_fields: \forall integer x; 0 <= x < q->ids.cap ==>
    q->t[x].heap_pos == \old(q->t[x].heap_pos) && q->t[x].deadline == \old(q->t[x].deadline) &&
    q->t[x].seq == \old(q->t[x].seq) && q->t[x].period == \old(q->t[x].period);
*/
static bool timer_close_id(sloop_timerq *q, sloop_slot_ref ref)
{
    bool ok = sloop_slots_close(&q->ids, ref);
    /* The frame, flat first (each fact one separation argument), then the
     * permutation and the keys per position, from which the invariant's
     * parts follow by instantiation. */
    /*@ assert q_kept: q->t == \at(q->t, Pre) && q->heap == \at(q->heap, Pre) &&
          q->ids.cap == \at(q->ids.cap, Pre) && q->count == \at(q->count, Pre); */
    /*@ assert kept_heap: \forall integer i; 0 <= i < q->ids.cap ==>
          q->heap[i] == \at(q->heap[i], Pre); */
    /*@ assert kept_pos: \forall integer x; 0 <= x < q->ids.cap ==>
          q->t[x].heap_pos == \at(q->t[x].heap_pos, Pre); */
    /*@ assert kept_deadline: \forall integer x; 0 <= x < q->ids.cap ==>
          q->t[x].deadline == \at(q->t[x].deadline, Pre); */
    /*@ assert kept_seq_period: \forall integer x; 0 <= x < q->ids.cap ==>
          q->t[x].seq == \at(q->t[x].seq, Pre) && q->t[x].period == \at(q->t[x].period, Pre); */
    /*@ assert kept_entries: \forall integer x; 0 <= x < q->ids.cap ==>
          q->t[x].heap_pos == \at(q->t[x].heap_pos, Pre) &&
          q->t[x].deadline == \at(q->t[x].deadline, Pre) &&
          q->t[x].seq == \at(q->t[x].seq, Pre) && q->t[x].period == \at(q->t[x].period, Pre); */
    /*@ assert kept_perm_heap: \forall integer i; 0 <= i < q->ids.cap ==>
          q->heap[i] < q->ids.cap && q->t[q->heap[i]].heap_pos == i; */
    /*@ assert kept_perm_pos: \forall integer x; 0 <= x < q->ids.cap ==>
          q->t[x].heap_pos < q->ids.cap && q->heap[q->t[x].heap_pos] == x; */
    /*@ assert kept_keys: \forall integer i; 0 <= i < q->ids.cap ==>
          q->t[q->heap[i]].deadline == \at(q->t[q->heap[i]].deadline, Pre) &&
          q->t[q->heap[i]].seq == \at(q->t[q->heap[i]].seq, Pre); */
    return ok;
}

bool sloop_timerq_release(sloop_timerq *q, sloop_slot_ref ref)
{
    bool ok = sloop_slots_valid(&q->ids, ref);
    if (ok) {
        /* Disarm through the heap helpers, as sloop_timerq_disarm does (their
         * contracts say the slot table is untouched), then close the id.
         * Everything the heap calls need is read before the first of them. */
        sloop_timer_entry *t = q->t;
        uint32_t *heap = q->heap;
        uint32_t cap = q->ids.cap;
        uint32_t id = ref.index;
        uint32_t n = q->count;
        uint64_t seq = q->next_seq;
        /*@ ghost uint32_t *gen = q->ids.gen; */
        /*@ ghost uint32_t base = 0U; */
        /*@ ghost
          if (n > 0U) {
              base = t[heap[0]].deadline;
              timer_window_of_top(t, heap, n, cap);
          }
        */
        /*@ ghost timer_keyed_of_ordered(t, heap, n, cap, base); */
        n = timer_take_out_kept(t, heap, cap, n, id) /*@ ghost (base, gen, q) */;
        //@ assert cap_kept: q->ids.cap == cap;
        /* The handle stays valid across each call, one call at a time (through
         * both at once, cvc4 took 18-22 s at timer_close_id's precondition). */
        //@ assert ref_after_take_out: slots_ref_valid(&q->ids, ref);
        /*@ assert step_out_armed: \forall integer y; 0 <= y < cap && y != id ==>
              (t[y].heap_pos < n <==> \at(q->t[y].heap_pos, Pre) < \at(q->count, Pre)); */
        /*@ ghost timer_ordered_of_keyed(t, heap, n, cap, base); */
        timer_commit_with_table(q, n, seq) /*@ ghost (t, heap, cap, gen) */;
        //@ assert ref_after_commit: slots_ref_valid(&q->ids, ref);
        ok = timer_close_id(q, ref);
        /*@ assert step_close: \forall integer y; 0 <= y < cap && y != id ==>
              (t[y].heap_pos < n <==> \at(q->t[y].heap_pos, Pre) < \at(q->count, Pre)) &&
              t[y].deadline == \at(q->t[y].deadline, Pre) && t[y].seq == \at(q->t[y].seq, Pre) &&
              t[y].period == \at(q->t[y].period, Pre); */
    }
    return ok;
}

bool sloop_timerq_arm(sloop_timerq *q, sloop_slot_ref ref, sloop_tick now, uint32_t delay,
                      uint32_t period)
{
    bool ok = sloop_slots_valid(&q->ids, ref) && (delay <= SLOOP_TICK_MAX_DELAY) &&
              (period <= SLOOP_TICK_MAX_DELAY);
    if (ok) {
        /* Everything the heap calls need is read before the first of them. */
        sloop_timer_entry *t = q->t;
        uint32_t *heap = q->heap;
        uint32_t cap = q->ids.cap;
        uint32_t id = ref.index;
        uint32_t n = q->count;
        uint64_t seq = q->next_seq;
        /*@ ghost uint32_t *gen = q->ids.gen; */
        /*@ ghost uint32_t base = timer_base(now); */
        //@ assert id_open: id < cap && gen[id] % 2 == 1;
        /*@ assert open_start: \forall integer x; 0 <= x < cap && t[x].heap_pos < n ==>
              gen[x] % 2 == 1; */
        /*@ ghost timer_keyed_of_ordered(t, heap, n, cap, base); */
        n = heap_take_out(t, heap, cap, n, id) /*@ ghost (base, gen) */;
        //@ assert cap_kept: q->ids.cap == cap;
        /*@ assert open_out: \forall integer x; 0 <= x < cap && x != id && t[x].heap_pos < n ==>
              gen[x] % 2 == 1; */
        /*@ assert step_out_armed: \forall integer y; 0 <= y < cap && y != id ==>
              (t[y].heap_pos < n <==> \at(q->t[y].heap_pos, Pre) < \at(q->count, Pre)); */
        /*@ assert step_out_fields: \forall integer y; 0 <= y < cap && y != id ==>
              t[y].deadline == \at(q->t[y].deadline, Pre) && t[y].seq == \at(q->t[y].seq, Pre) &&
              t[y].period == \at(q->t[y].period, Pre); */
        timer_set(t, id, sloop_tick_add(now, delay), period, seq)
            /*@ ghost (heap, n, cap, base, gen) */;
        //@ assert cap_kept: q->ids.cap == cap;
        /*@ assert open_set: \forall integer x; 0 <= x < cap && x != id && t[x].heap_pos < n ==>
              gen[x] % 2 == 1; */
        /*@ assert step_set_armed: \forall integer y; 0 <= y < cap && y != id ==>
              (t[y].heap_pos < n <==> \at(q->t[y].heap_pos, Pre) < \at(q->count, Pre)); */
        /*@ assert step_set_fields: \forall integer y; 0 <= y < cap && y != id ==>
              t[y].deadline == \at(q->t[y].deadline, Pre) && t[y].seq == \at(q->t[y].seq, Pre) &&
              t[y].period == \at(q->t[y].period, Pre); */
        heap_insert(t, heap, n, id) /*@ ghost (cap, base, gen) */;
        /*@ assert open_in: \forall integer x; 0 <= x < cap && x != id && t[x].heap_pos < n + 1 ==>
              gen[x] % 2 == 1; */
        //@ assert open_id: gen[id] % 2 == 1;
        n++;
        //@ assert cap_kept: q->ids.cap == cap;
        /*@ assert step_in_armed: \forall integer y; 0 <= y < cap && y != id ==>
              (t[y].heap_pos < n <==> \at(q->t[y].heap_pos, Pre) < \at(q->count, Pre)); */
        /*@ assert step_in_fields: \forall integer y; 0 <= y < cap && y != id ==>
              t[y].deadline == \at(q->t[y].deadline, Pre) && t[y].seq == \at(q->t[y].seq, Pre) &&
              t[y].period == \at(q->t[y].period, Pre); */
        /*@ assert open_kept: \forall integer x; 0 <= x < cap && t[x].heap_pos < n ==>
              gen[x] % 2 == 1; */
        /*@ assert periods: \forall integer x; 0 <= x < cap ==>
              t[x].period <= SLOOP_TICK_MAX_DELAY; */
        /*@ ghost timer_ordered_of_keyed(t, heap, n, cap, base); */
        timer_commit(q, n, seq + 1U) /*@ ghost (t, heap, cap, gen) */;
    }
    return ok;
}

bool sloop_timerq_next_deadline(const sloop_timerq *q, sloop_tick *deadline)
{
    bool ok = false;
    if (q->count > 0U) {
        *deadline = q->t[q->heap[0]].deadline;
        ok = true;
    }
    return ok;
}

/* sloop_slots_ref_at for the popped timer, with the frame the queue needs
 * spelled out: writing the handle (separate memory) keeps the invariant and
 * every timer field. The proof of that happens in this small context. */
/*@
  requires timerq_inv(q);
  requires id < q->ids.cap && q->ids.gen[id] % 2 == 1;
  requires \valid(ref) && \separated(ref, q, q->t + (0 .. q->ids.cap - 1),
                     q->heap + (0 .. q->ids.cap - 1), q->ids.gen + (0 .. q->ids.cap - 1),
                     q->ids.free_stack + (0 .. q->ids.cap - 1));
  assigns *ref;
  ensures handle: \result && ref->index == id && slots_ref_valid(&q->ids, *ref);
  ensures inv_storage: timerq_storage(q);
  ensures inv_count: q->count <= q->ids.cap;
  ensures inv_perm: timer_perm(q->t, q->heap, q->ids.cap);
  ensures inv_ordered: timer_heap_ordered(q->t, q->heap, q->count);
  ensures inv_top: timer_top_least(q->t, q->heap, q->count);
  ensures inv_open: timer_armed_open(q);
  ensures inv_periods: timer_periods_ok(q);
  ensures kept: q->count == \old(q->count) && q->ids.cap == \old(q->ids.cap) &&
    q->next_seq == \old(q->next_seq);
  ensures kept_fields: \forall integer x; 0 <= x < q->ids.cap ==>
    q->t[x].heap_pos == \old(q->t[x].heap_pos) && q->t[x].deadline == \old(q->t[x].deadline) &&
    q->t[x].seq == \old(q->t[x].seq) && q->t[x].period == \old(q->t[x].period);
*/
static bool timer_hand_out(sloop_timerq *q, uint32_t id, sloop_slot_ref *ref)
{
    return sloop_slots_ref_at(&q->ids, id, ref);
}

bool sloop_timerq_pop_expired(sloop_timerq *q, sloop_tick now, sloop_slot_ref *ref)
{
    bool ok = false;
    if ((q->count > 0U) && sloop_tick_reached(now, q->t[q->heap[0]].deadline)) {
        /* Everything the heap calls need is read before the first of them. */
        sloop_timer_entry *t = q->t;
        uint32_t *heap = q->heap;
        uint32_t cap = q->ids.cap;
        uint32_t id = heap[0];
        uint32_t n = q->count - 1U;
        uint64_t seq = q->next_seq;
        sloop_tick deadline = t[id].deadline;
        uint32_t period = t[id].period;
        /*@ ghost uint32_t *gen = q->ids.gen; */
        /*@ ghost uint32_t base = timer_base(now); */
        /*@ assert earliest: \forall integer x; 0 <= x < cap && t[x].heap_pos < q->count ==>
              !timer_less(t, x, id); */
        /*@ ghost timer_keyed_of_ordered(t, heap, q->count, cap, base); */
        //@ assert id_open: id < cap && gen[id] % 2 == 1;
        //@ assert period_ok: period <= SLOOP_TICK_MAX_DELAY;
        heap_remove(t, heap, cap, n, id) /*@ ghost (base, gen) */;
        //@ assert cap_kept: q->ids.cap == cap;
        /*@ assert step_out_armed: \forall integer y; 0 <= y < cap && y != id ==>
              (t[y].heap_pos < n <==> \at(q->t[y].heap_pos, Pre) < \at(q->count, Pre)); */
        /*@ assert step_out_fields: \forall integer y; 0 <= y < cap && y != id ==>
              gen[y] == \at(q->ids.gen[y], Pre) &&
              t[y].deadline == \at(q->t[y].deadline, Pre) && t[y].seq == \at(q->t[y].seq, Pre) &&
              t[y].period == \at(q->t[y].period, Pre); */
        if (period > 0U) {
            sloop_tick next = sloop_tick_add(deadline, period);
            if (sloop_tick_reached(now, next)) {
                next = sloop_tick_add(now, period); /* fell behind: skip, no burst */
            }
            timer_set(t, id, next, period, seq) /*@ ghost (heap, n, cap, base, gen) */;
            //@ assert cap_kept: q->ids.cap == cap;
            heap_insert(t, heap, n, id) /*@ ghost (cap, base, gen) */;
            //@ assert cap_kept: q->ids.cap == cap;
            n++;
            seq++;
        }
        /*@ assert step_in_armed: \forall integer y; 0 <= y < cap && y != id ==>
              (t[y].heap_pos < n <==> \at(q->t[y].heap_pos, Pre) < \at(q->count, Pre)); */
        /*@ assert step_in_fields: \forall integer y; 0 <= y < cap && y != id ==>
              gen[y] == \at(q->ids.gen[y], Pre) &&
              t[y].deadline == \at(q->t[y].deadline, Pre) && t[y].seq == \at(q->t[y].seq, Pre) &&
              t[y].period == \at(q->t[y].period, Pre); */
        /*@ assert open_kept: gen[id] % 2 == 1 && \forall integer x; 0 <= x < cap &&
              t[x].heap_pos < n ==> gen[x] % 2 == 1; */
        /*@ assert periods: \forall integer x; 0 <= x < cap ==>
              t[x].period <= SLOOP_TICK_MAX_DELAY; */
        /*@ ghost timer_ordered_of_keyed(t, heap, n, cap, base); */
        timer_commit(q, n, seq) /*@ ghost (t, heap, cap, gen) */;
        ok = timer_hand_out(q, id, ref);
    }
    return ok;
}

uint32_t sloop_timerq_armed_count(const sloop_timerq *q)
{
    return q->count;
}
