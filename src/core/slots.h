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

/* Prepares cap free slots over the caller's arrays (each of cap entries). The
 * first open() returns index 0, then 1, and so on. */
void sloop_slots_init(sloop_slots *s, uint32_t *gen, uint32_t *free_stack, uint32_t cap);

/* Takes a free slot and returns its handle in *ref; false when none is free. */
bool sloop_slots_open(sloop_slots *s, sloop_slot_ref *ref);

/* Frees the slot of a valid handle; false (and no change) for a stale, forged or
 * already closed handle. */
bool sloop_slots_close(sloop_slots *s, sloop_slot_ref ref);

/* True exactly when ref names a slot that is open now with that generation. */
bool sloop_slots_valid(const sloop_slots *s, sloop_slot_ref ref);

/* The current handle of an open slot index; false when the index is out of range or
 * its slot is free. Used to walk every open slot (e.g. at shutdown). */
bool sloop_slots_ref_at(const sloop_slots *s, uint32_t index, sloop_slot_ref *ref);

uint32_t sloop_slots_open_count(const sloop_slots *s);

#endif
