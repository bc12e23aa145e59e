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

#define SLOOP_TIMER_NOT_ARMED UINT32_MAX

typedef struct sloop_timer_entry {
    sloop_tick deadline;
    uint32_t period;   /* 0 for one-shot */
    uint64_t seq;      /* start order, breaks ties between equal deadlines */
    uint32_t heap_pos; /* position in the heap, SLOOP_TIMER_NOT_ARMED if not armed */
} sloop_timer_entry;

typedef struct sloop_timerq {
    sloop_slots ids;      /* which timer ids are allocated */
    sloop_timer_entry *t; /* cap entries, indexed by id */
    uint32_t *heap;       /* cap ids; [0, count) is a min-heap */
    uint32_t count;       /* armed timers */
    uint64_t next_seq;
} sloop_timerq;

/* Prepares an empty queue of cap timers over four caller-owned arrays of cap
 * entries each. */
void sloop_timerq_init(sloop_timerq *q, sloop_timer_entry *t, uint32_t *heap,
                       uint32_t *gen, uint32_t *free_stack, uint32_t cap);

/* Reserves a timer id (not armed). False when all cap ids are in use. */
bool sloop_timerq_alloc(sloop_timerq *q, sloop_slot_ref *ref);

/* Disarms the timer if armed and returns its id. False for a stale handle. */
bool sloop_timerq_release(sloop_timerq *q, sloop_slot_ref ref);

/* Arms (or re-arms, i.e. reschedules) the timer to fire at now + delay, then
 * every period ms if period > 0. False, and no change, for a stale handle or a
 * delay or period above SLOOP_TICK_MAX_DELAY. */
bool sloop_timerq_arm(sloop_timerq *q, sloop_slot_ref ref, sloop_tick now, uint32_t delay,
                      uint32_t period);

/* Cancels an armed timer. False for a stale handle or a timer not armed (for
 * example a one-shot that already fired). The id stays allocated. */
bool sloop_timerq_disarm(sloop_timerq *q, sloop_slot_ref ref);

bool sloop_timerq_armed(const sloop_timerq *q, sloop_slot_ref ref);

/* Earliest armed deadline; false when nothing is armed. */
bool sloop_timerq_next_deadline(const sloop_timerq *q, sloop_tick *deadline);

/* Pops the earliest timer whose deadline is reached at now; false when none is.
 * A one-shot timer is left disarmed (still allocated); a periodic one re-armed. */
bool sloop_timerq_pop_expired(sloop_timerq *q, sloop_tick now, sloop_slot_ref *ref);

uint32_t sloop_timerq_armed_count(const sloop_timerq *q);

#endif
