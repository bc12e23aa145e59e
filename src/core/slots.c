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
    if (s->free_count > 0U) {
        uint32_t index;
        s->free_count--;
        index = s->free_stack[s->free_count];
        s->gen[index]++;
        s->open_count++;
        ref->index = index;
        ref->gen = s->gen[index];
        ok = true;
    }
    return ok;
}

bool sloop_slots_valid(const sloop_slots *s, sloop_slot_ref ref)
{
    return (ref.index < s->cap) && ((ref.gen & 1U) == 1U) && (s->gen[ref.index] == ref.gen);
}

bool sloop_slots_close(sloop_slots *s, sloop_slot_ref ref)
{
    bool ok = false;
    if (sloop_slots_valid(s, ref)) {
        s->open_count--;
        if (ref.gen == UINT32_MAX) {
            /* The next generation would wrap to an old value: retire the slot. */
            s->gen[ref.index] = 0U;
        } else {
            s->gen[ref.index] = ref.gen + 1U;
            s->free_stack[s->free_count] = ref.index;
            s->free_count++;
        }
        ok = true;
    }
    return ok;
}

bool sloop_slots_ref_at(const sloop_slots *s, uint32_t index, sloop_slot_ref *ref)
{
    bool ok = false;
    if ((index < s->cap) && ((s->gen[index] & 1U) == 1U)) {
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
