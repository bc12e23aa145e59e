/*
 * timer.c - binary min-heap of timer ids with a position index per timer.
 *
 * Each armed timer knows its heap position, so cancel and reschedule remove an
 * arbitrary element in O(log n) without searching. Sifting is iterative (no
 * recursion) and each loop moves strictly up or strictly down the heap.
 */
#include "timer.h"

void sloop_timerq_init(sloop_timerq *q, sloop_timer_entry *t, uint32_t *heap,
                       uint32_t *gen, uint32_t *free_stack, uint32_t cap)
{
    uint32_t i;
    sloop_slots_init(&q->ids, gen, free_stack, cap);
    q->t = t;
    q->heap = heap;
    q->count = 0U;
    q->next_seq = 0U;
    for (i = 0U; i < cap; i++) {
        t[i].deadline = 0U;
        t[i].period = 0U;
        t[i].seq = 0U;
        t[i].heap_pos = SLOOP_TIMER_NOT_ARMED;
        heap[i] = 0U;
    }
}

/* Heap order: earlier deadline first, then earlier start. */
static bool timer_less(const sloop_timerq *q, uint32_t a, uint32_t b)
{
    const sloop_timer_entry *ta = &q->t[a];
    const sloop_timer_entry *tb = &q->t[b];
    bool less;
    if (ta->deadline == tb->deadline) {
        less = ta->seq < tb->seq;
    } else {
        less = sloop_tick_before(ta->deadline, tb->deadline);
    }
    return less;
}

static void heap_place(sloop_timerq *q, uint32_t pos, uint32_t id)
{
    q->heap[pos] = id;
    q->t[id].heap_pos = pos;
}

static void heap_sift_up(sloop_timerq *q, uint32_t pos)
{
    uint32_t id = q->heap[pos];
    uint32_t p = pos;
    while (p > 0U) {
        uint32_t parent = (p - 1U) / 2U;
        if (!timer_less(q, id, q->heap[parent])) {
            break;
        }
        heap_place(q, p, q->heap[parent]);
        p = parent;
    }
    heap_place(q, p, id);
}

static void heap_sift_down(sloop_timerq *q, uint32_t pos)
{
    uint32_t id = q->heap[pos];
    uint32_t p = pos;
    while (p < q->count / 2U) { /* p has at least one child */
        uint32_t child = (2U * p) + 1U;
        if (((child + 1U) < q->count) && timer_less(q, q->heap[child + 1U], q->heap[child])) {
            child++;
        }
        if (!timer_less(q, q->heap[child], id)) {
            break;
        }
        heap_place(q, p, q->heap[child]);
        p = child;
    }
    heap_place(q, p, id);
}

static void heap_insert(sloop_timerq *q, uint32_t id)
{
    uint32_t pos = q->count;
    q->count++;
    heap_place(q, pos, id);
    heap_sift_up(q, pos);
}

static void heap_remove(sloop_timerq *q, uint32_t id)
{
    uint32_t pos = q->t[id].heap_pos;
    uint32_t last;
    q->count--;
    last = q->heap[q->count];
    q->t[id].heap_pos = SLOOP_TIMER_NOT_ARMED;
    if (pos != q->count) {
        /* The last element fills the hole; it may belong above or below it. */
        heap_place(q, pos, last);
        heap_sift_up(q, pos);
        heap_sift_down(q, q->t[last].heap_pos);
    }
}

bool sloop_timerq_alloc(sloop_timerq *q, sloop_slot_ref *ref)
{
    bool ok = sloop_slots_open(&q->ids, ref);
    if (ok) {
        q->t[ref->index].heap_pos = SLOOP_TIMER_NOT_ARMED;
    }
    return ok;
}

bool sloop_timerq_armed(const sloop_timerq *q, sloop_slot_ref ref)
{
    return sloop_slots_valid(&q->ids, ref) && (q->t[ref.index].heap_pos != SLOOP_TIMER_NOT_ARMED);
}

bool sloop_timerq_disarm(sloop_timerq *q, sloop_slot_ref ref)
{
    bool ok = sloop_timerq_armed(q, ref);
    if (ok) {
        heap_remove(q, ref.index);
    }
    return ok;
}

bool sloop_timerq_release(sloop_timerq *q, sloop_slot_ref ref)
{
    bool ok = sloop_slots_valid(&q->ids, ref);
    if (ok) {
        (void)sloop_timerq_disarm(q, ref);
        ok = sloop_slots_close(&q->ids, ref);
    }
    return ok;
}

bool sloop_timerq_arm(sloop_timerq *q, sloop_slot_ref ref, sloop_tick now, uint32_t delay,
                      uint32_t period)
{
    bool ok = sloop_slots_valid(&q->ids, ref) && (delay <= SLOOP_TICK_MAX_DELAY) &&
              (period <= SLOOP_TICK_MAX_DELAY);
    if (ok) {
        sloop_timer_entry *e = &q->t[ref.index];
        if (e->heap_pos != SLOOP_TIMER_NOT_ARMED) {
            heap_remove(q, ref.index);
        }
        e->deadline = sloop_tick_add(now, delay);
        e->period = period;
        e->seq = q->next_seq;
        q->next_seq++;
        heap_insert(q, ref.index);
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

bool sloop_timerq_pop_expired(sloop_timerq *q, sloop_tick now, sloop_slot_ref *ref)
{
    bool ok = false;
    if ((q->count > 0U) && sloop_tick_reached(now, q->t[q->heap[0]].deadline)) {
        uint32_t id = q->heap[0];
        sloop_timer_entry *e = &q->t[id];
        ok = sloop_slots_ref_at(&q->ids, id, ref);
        heap_remove(q, id);
        if (e->period > 0U) {
            sloop_tick next = sloop_tick_add(e->deadline, e->period);
            if (sloop_tick_reached(now, next)) {
                next = sloop_tick_add(now, e->period); /* fell behind: skip, no burst */
            }
            e->deadline = next;
            e->seq = q->next_seq;
            q->next_seq++;
            heap_insert(q, id);
        }
    }
    return ok;
}

uint32_t sloop_timerq_armed_count(const sloop_timerq *q)
{
    return q->count;
}
