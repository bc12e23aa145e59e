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
}

bool sloop_slots_open(sloop_slots *s, sloop_slot_ref *ref)
{
    bool ok = false;
    uint32_t free_count = s->free_count;
    if (free_count > 0U) {
        /* Every read comes before the first write, which keeps the proof small. */
        uint32_t index = s->free_stack[free_count - 1U];
        /* Always true (slots_stack_free: every stacked index is in range; the
         * proof checks it with the assert). Tested anyway so that the index
         * used below is bounded in the code itself, not only by the invariant:
         * a corrupted table is refused (false, nothing changed) rather than
         * written out of bounds, and a value analysis sees the bound. */
        //@ assert popped_in_range: index < s->cap;
        if (index < s->cap) {
            uint32_t gen = s->gen[index] + 1U; /* even + 1: odd, no wrap */
            /*@ assert popped_once: s->gen[index] % 2 == 0 &&
                  \forall integer k; 0 <= k < free_count - 1 ==> s->free_stack[k] != index; */
            s->gen[index] = gen;
            s->free_count = free_count - 1U;
            s->open_count++;
            ref->index = index;
            ref->gen = gen;
            /*@ assert same_stack: \forall integer k; 0 <= k < s->free_count ==>
                  s->free_stack[k] == \at(s->free_stack[k], Pre); */
            /*@ assert same_gens: \forall integer i; 0 <= i < s->cap && i != index ==>
                  s->gen[i] == \at(s->gen[i], Pre); */
            /*@ assert was_not_stacked: \forall integer i; 0 <= i < s->cap && i != index &&
                  !slots_in_stack(s, i) ==> !slots_in_stack{Pre}(s, i); */
            /* Before count_step: with that assertion in context this goal took
             * 10 s of cvc4 instead of 0.8 s. */
            //@ assert stack_distinct: slots_stack_distinct(s);
            /* Names the pair of states for the count's update axiom (slots.h). */
            //@ assert count_step: slots_gens_except{Pre, Here}(s->gen, s->cap, index);
            ok = true;
        }
    }
    return ok;
}

bool sloop_slots_valid(const sloop_slots *s, sloop_slot_ref ref)
{
    return (ref.index < s->cap) && ((ref.gen % 2U) == 1U) && (s->gen[ref.index] == ref.gen);
}

bool sloop_slots_close(sloop_slots *s, sloop_slot_ref ref)
{
    bool ok = false;
    /* The range test comes first, here rather than only inside
     * sloop_slots_valid, so that every use of ref.index below is bounded in
     * this function's own code (a value analysis sees it). */
    if ((ref.index < s->cap) && sloop_slots_valid(s, ref)) {
        /* The generation after UINT32_MAX would wrap to an old value: such a
         * slot is retired (generation 0 and never on the free stack again). */
        bool retire = (ref.gen == UINT32_MAX);
        s->gen[ref.index] = retire ? 0U : (ref.gen + 1U);
        /* The count's update axiom for this one change (slots.h): the slot was
         * odd and now is even, so open_count, which counted it, is >= 1. */
        //@ assert count_closed: slots_gens_except{Pre, Here}(s->gen, s->cap, ref.index);
        s->open_count--; /* >= 1 before: ref's slot was open */
        if (!retire) {
            s->free_stack[s->free_count] = ref.index;
            s->free_count++;
        }
        /*@ assert same_stack: \forall integer k; 0 <= k < \at(s->free_count, Pre) ==>
              s->free_stack[k] == \at(s->free_stack[k], Pre); */
        /*@ assert same_gens: \forall integer i; 0 <= i < s->cap && i != ref.index ==>
              s->gen[i] == \at(s->gen[i], Pre); */
        /* Names the pair of states for the count's update axiom (slots.h). */
        //@ assert count_step: slots_gens_except{Pre, Here}(s->gen, s->cap, ref.index);
        ok = true;
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
