/*
 * slots.c - slot table with a LIFO free stack and generations.
 *
 * The free list is an array used as a stack rather than a linked list threaded
 * through the slots: it has no pointers to corrupt, it is easy to state as a
 * partition in ACSL, and LIFO reuse keeps the hot slots in cache.
 */
#include "slots.h"

void sloop_slots_init(sloop_slots *s, uint32_t *gen, uint32_t *free_stack, uint32_t cap)
{
    uint32_t i;
    s->gen = gen;
    s->free_stack = free_stack;
    s->cap = cap;
    s->open_count = 0U;
    /*@ loop invariant 0 <= i <= cap;
        loop invariant \forall integer j; 0 <= j < i ==> gen[j] == 0;
        loop invariant \forall integer j; 0 <= j < i ==> free_stack[j] == cap - 1 - j;
        loop assigns i, gen[0 .. cap - 1], free_stack[0 .. cap - 1];
        loop variant cap - i; */
    for (i = 0U; i < cap; i++) {
        gen[i] = 0U;
        /* Highest index at the bottom, so index 0 is handed out first. */
        free_stack[i] = cap - 1U - i;
    }
    s->free_count = cap;
    /* Proof only: no generation is odd, so open_count (0) is their count. */
    /*@ ghost
      /@ loop invariant 0 <= k <= cap;
         loop invariant slots_odd_count(gen, k) == 0;
         loop assigns k;
         loop variant cap - k; @/
      for (uint32_t k = 0U; k < cap; k++) {
      }
    */
}

bool sloop_slots_open(sloop_slots *s, sloop_slot_ref *ref)
{
    bool ok = false;
    if (s->free_count > 0U) {
        uint32_t index;
        s->free_count--;
        index = s->free_stack[s->free_count];
        s->gen[index]++;
        /* Proof only: one more odd generation, at index (an induction over the
         * count that the provers cannot do alone). */
        /*@ ghost
          /@ loop invariant 0 <= k <= s->cap;
             loop invariant slots_odd_count(s->gen, k) ==
                            slots_odd_count{Pre}(s->gen, k) + (k > index ? 1 : 0);
             loop assigns k;
             loop variant s->cap - k; @/
          for (uint32_t k = 0U; k < s->cap; k++) {
          }
        */
        s->open_count++;
        ref->index = index;
        ref->gen = s->gen[index];
        ok = true;
    }
    return ok;
}

bool sloop_slots_valid(const sloop_slots *s, sloop_slot_ref ref)
{
    return (ref.index < s->cap) && ((ref.gen % 2U) == 1U) && (s->gen[ref.index] == ref.gen);
}

bool sloop_slots_close(sloop_slots *s, sloop_slot_ref ref)
{
    bool ok = sloop_slots_valid(s, ref);
    if (ok) {
        /* The generation after UINT32_MAX would wrap to an old value: such a
         * slot is retired (generation 0 and never on the free stack again). */
        bool retire = (ref.gen == UINT32_MAX);
        s->gen[ref.index] = retire ? 0U : (ref.gen + 1U);
        /* Proof only: one odd generation fewer, at ref.index; hence open_count
         * >= 1 and the free stack has room. */
        /*@ ghost
          /@ loop invariant 0 <= k <= s->cap;
             loop invariant slots_odd_count(s->gen, k) + (k > ref.index ? 1 : 0) ==
                            slots_odd_count{Pre}(s->gen, k);
             loop invariant slots_odd_count(s->gen, k) >= 0;
             loop assigns k;
             loop variant s->cap - k; @/
          for (uint32_t k = 0U; k < s->cap; k++) {
          }
        */
        s->open_count--;
        if (!retire) {
            s->free_stack[s->free_count] = ref.index;
            s->free_count++;
        }
    }
    return ok;
}

bool sloop_slots_ref_at(const sloop_slots *s, uint32_t index, sloop_slot_ref *ref)
{
    bool ok = false;
    if ((index < s->cap) && ((s->gen[index] % 2U) == 1U)) {
        ref->index = index;
        ref->gen = s->gen[index];
        ok = true;
    }
    return ok;
}

uint32_t sloop_slots_open_count(const sloop_slots *s)
{
    return s->open_count;
}
