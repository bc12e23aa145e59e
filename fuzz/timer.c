/*
 * fuzz/timer.c - the timer queue (src/core/timer.c) against a naive model.
 *
 * The model keeps every handle the queue ever returned, with an unwrapped 64-bit
 * deadline and a start number for each armed timer; the earliest timer is found by
 * a linear scan over (deadline, start number). The queue sees only the 32-bit
 * clock. Checked after every operation:
 *  - alloc succeeds exactly while fewer than cap timers are allocated, and returns
 *    a handle that is not the handle of any allocated timer;
 *  - release / arm / disarm / armed accept exactly the handles the model calls
 *    live (stale handles and forged ones are rejected by both), arm rejects a delay
 *    or period above SLOOP_TICK_MAX_DELAY and changes nothing then;
 *  - pop returns the model's earliest timer whose deadline is reached, and false
 *    exactly when the model has none: the same timers fire, in the same order,
 *    never early, and never missed (a timer whose deadline the clock has passed
 *    pops in the first pop pass after it); periodic timers re-arm at deadline +
 *    period, or now + period when that is already due; a pass at one clock value
 *    ends after at most one pop per armed timer;
 *  - armed_count, next_deadline and armed(h) for every handle ever issued agree,
 *    and sloop_tick_remaining / sloop_tick_reached from now to the next deadline
 *    give the unwrapped distance (0 once due).
 *
 * The clock starts anywhere (often just below the 32-bit wrap) and advances by
 * small, medium or huge steps. The queue's documented domain is respected: delays
 * and periods are capped at SLOOP_TICK_MAX_DELAY and the loop may be late in popping
 * by at most 2^31 - 1 - SLOOP_TICK_MAX_DELAY ms (2^30 with the default cap), so a
 * step that would make an armed timer later than that is shortened; with nothing
 * armed the clock may jump by any 32-bit amount.
 *
 * Input: [0] cap (% 17), [1..] start clock (selector + value), then operations,
 * one selector byte each plus their arguments, until the input ends.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/timer.h"
#include "fuzz.h"

#define TM_MAX_CAP 16U
#define TM_MAX_ISSUED 64U
#define TM_MAX_LATE (0x7FFFFFFFU - SLOOP_TICK_MAX_DELAY)

typedef struct tm_handle {
    sloop_slot_ref ref;
    bool used;     /* entry holds a handle */
    bool live;     /* allocated and not released */
    bool armed;
    uint64_t deadline;
    uint32_t period;
    uint64_t seq;
} tm_handle;

typedef struct tm_model {
    tm_handle h[TM_MAX_ISSUED];
    uint32_t next_slot; /* where the next issued handle goes (round robin) */
    uint32_t cap;
    uint32_t live;
    uint64_t now;
    uint64_t next_seq;
} tm_model;

static tm_model g_m;

static bool ref_eq(sloop_slot_ref a, sloop_slot_ref b)
{
    return (a.index == b.index) && (a.gen == b.gen);
}

/* The live model timer with this handle, or NULL. */
static tm_handle *model_find(sloop_slot_ref ref)
{
    uint32_t i;
    for (i = 0U; i < TM_MAX_ISSUED; i++) {
        if (g_m.h[i].used && g_m.h[i].live && ref_eq(g_m.h[i].ref, ref)) {
            return &g_m.h[i];
        }
    }
    return NULL;
}

/* Earliest armed timer by (deadline, seq); NULL when none is armed. */
static tm_handle *model_first(void)
{
    tm_handle *best = NULL;
    uint32_t i;
    for (i = 0U; i < TM_MAX_ISSUED; i++) {
        tm_handle *t = &g_m.h[i];
        if (t->used && t->live && t->armed &&
            ((best == NULL) || (t->deadline < best->deadline) ||
             ((t->deadline == best->deadline) && (t->seq < best->seq)))) {
            best = t;
        }
    }
    return best;
}

static uint32_t model_armed_count(void)
{
    uint32_t i;
    uint32_t n = 0U;
    for (i = 0U; i < TM_MAX_ISSUED; i++) {
        if (g_m.h[i].used && g_m.h[i].live && g_m.h[i].armed) {
            n++;
        }
    }
    return n;
}

/* A handle for an operation: one ever issued (often stale), or a forgery. */
static sloop_slot_ref pick_handle(fuzz_in *in)
{
    uint8_t sel = fuzz_u8(in);
    sloop_slot_ref ref = { 0U, 1U };
    const tm_handle *t = &g_m.h[sel % TM_MAX_ISSUED];
    if (sel < 0xC0U) {
        /* an issued handle; if this entry is empty, the first used one */
        uint32_t i;
        for (i = 0U; (i < TM_MAX_ISSUED) && !t->used; i++) {
            t = &g_m.h[(sel + i) % TM_MAX_ISSUED];
        }
        if (t->used) {
            ref = t->ref;
        }
    } else if (sel < 0xE0U) {
        /* near an issued handle: generation or index off by a little */
        uint8_t how = fuzz_u8(in);
        ref = t->ref;
        ref.gen += (uint32_t)(how & 3U) - 2U + ((how & 3U) >= 2U ? 1U : 0U);
        if ((how & 4U) != 0U) {
            ref.index ^= 1U;
        }
    } else {
        ref.index = fuzz_u8(in);
        ref.gen = fuzz_u32(in);
    }
    return ref;
}

static uint32_t pick_delay(fuzz_in *in)
{
    uint8_t sel = fuzz_u8(in);
    uint32_t v;
    switch (sel % 6U) {
    case 0U: v = fuzz_u8(in); break;
    case 1U: v = fuzz_u16(in); break;
    case 2U: v = SLOOP_TICK_MAX_DELAY - fuzz_u8(in); break;
    case 3U: v = SLOOP_TICK_MAX_DELAY + 1U + fuzz_u8(in); break; /* rejected */
    case 4U: v = fuzz_u32(in); break;
    default: v = 0U; break;
    }
    return v;
}

static uint32_t pick_period(fuzz_in *in)
{
    uint8_t sel = fuzz_u8(in);
    uint32_t v;
    switch (sel % 8U) {
    case 0U: /* FALLTHROUGH */
    case 1U: v = 0U; break; /* one-shot */
    case 2U: v = 1U + fuzz_u8(in); break;
    case 3U: v = fuzz_u16(in); break;
    case 4U: v = SLOOP_TICK_MAX_DELAY - fuzz_u8(in); break;
    case 5U: v = SLOOP_TICK_MAX_DELAY + 1U + fuzz_u8(in); break; /* rejected */
    case 6U: v = fuzz_u32(in); break;
    default: v = 1U; break;
    }
    return v;
}

/* Moves the clock forward by step, shortened so that no armed timer becomes later
 * than TM_MAX_LATE (the documented slack). */
static void advance(uint64_t step)
{
    const tm_handle *first = model_first();
    if (first != NULL) {
        uint64_t limit = first->deadline + TM_MAX_LATE;
        FUZZ_CHECK(limit >= g_m.now); /* the model never lets a timer be that late */
        if (step > limit - g_m.now) {
            step = limit - g_m.now;
        }
    }
    g_m.now += step;
}

static sloop_tick now32(void)
{
    return (sloop_tick)g_m.now;
}

static void op_pop(sloop_timerq *q, bool *popped)
{
    tm_handle *want = model_first();
    sloop_slot_ref ref = { 0xDEADU, 0xBEEFU };
    bool ok = sloop_timerq_pop_expired(q, now32(), &ref);
    if ((want == NULL) || (want->deadline > g_m.now)) {
        FUZZ_CHECK(!ok); /* never early */
        *popped = false;
        return;
    }
    FUZZ_CHECK(ok); /* never missed */
    FUZZ_CHECK(ref_eq(ref, want->ref)); /* same order */
    *popped = true;
    if (want->period == 0U) {
        want->armed = false;
    } else {
        uint64_t next = want->deadline + want->period;
        if (next <= g_m.now) {
            next = g_m.now + want->period; /* fell behind: one call, no burst */
        }
        want->deadline = next;
        want->seq = g_m.next_seq;
        g_m.next_seq++;
    }
}

/* Pops until nothing is due. Each armed timer pops at most once per pass. */
static void op_pop_all(sloop_timerq *q)
{
    uint32_t limit = model_armed_count();
    uint32_t pops = 0U;
    bool popped = true;
    while (popped) {
        op_pop(q, &popped);
        if (popped) {
            pops++;
            FUZZ_CHECK(pops <= limit);
        }
    }
}

static void check_state(const sloop_timerq *q)
{
    const tm_handle *first = model_first();
    sloop_tick dl = 0xFEEDU;
    uint32_t i;
    FUZZ_CHECK_EQ(sloop_timerq_armed_count(q), model_armed_count());
    if (first == NULL) {
        FUZZ_CHECK(!sloop_timerq_next_deadline(q, &dl));
    } else {
        FUZZ_CHECK(sloop_timerq_next_deadline(q, &dl));
        FUZZ_CHECK_EQ(dl, (sloop_tick)first->deadline);
        /* what the loop would sleep: 0 once due, else the unwrapped distance */
        FUZZ_CHECK_EQ(sloop_tick_remaining(now32(), dl),
                      (first->deadline > g_m.now) ? first->deadline - g_m.now : 0U);
        FUZZ_CHECK_EQ(sloop_tick_reached(now32(), dl), first->deadline <= g_m.now);
    }
    for (i = 0U; i < TM_MAX_ISSUED; i++) {
        const tm_handle *t = &g_m.h[i];
        if (t->used) {
            FUZZ_CHECK_EQ(sloop_timerq_armed(q, t->ref), t->live && t->armed);
        }
    }
}

static void op_alloc(sloop_timerq *q)
{
    sloop_slot_ref ref = { 0xDEADU, 0xBEEFU };
    bool ok = sloop_timerq_alloc(q, &ref);
    tm_handle *t;
    uint32_t i;
    FUZZ_CHECK_EQ(ok, g_m.live < g_m.cap);
    if (!ok) {
        return;
    }
    FUZZ_CHECK(ref.index < g_m.cap);
    FUZZ_CHECK((ref.gen & 1U) == 1U);
    for (i = 0U; i < TM_MAX_ISSUED; i++) {
        FUZZ_CHECK(!(g_m.h[i].used && g_m.h[i].live && g_m.h[i].ref.index == ref.index));
    }
    /* Overwrite an entry that is not live (there are at most cap <= 16 live). */
    t = &g_m.h[g_m.next_slot];
    while (t->used && t->live) {
        g_m.next_slot = (g_m.next_slot + 1U) % TM_MAX_ISSUED;
        t = &g_m.h[g_m.next_slot];
    }
    g_m.next_slot = (g_m.next_slot + 1U) % TM_MAX_ISSUED;
    memset(t, 0, sizeof *t);
    t->used = true;
    t->live = true;
    t->ref = ref;
    g_m.live++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in in = { data, size };
    uint32_t cap = fuzz_u8(&in) % (TM_MAX_CAP + 1U);
    sloop_timer_entry *t = malloc(sizeof(sloop_timer_entry) * cap);
    uint32_t *heap = malloc(sizeof(uint32_t) * cap);
    uint32_t *gen = malloc(sizeof(uint32_t) * cap);
    uint32_t *free_stack = malloc(sizeof(uint32_t) * cap);
    sloop_timerq q;
    uint8_t start = fuzz_u8(&in);

    memset(&g_m, 0, sizeof g_m);
    g_m.cap = cap;
    switch (start % 4U) {
    case 0U: g_m.now = 0U; break;
    case 1U: g_m.now = 0xFFFFFFFFU - (uint32_t)fuzz_u16(&in); break; /* just before the wrap */
    case 2U: g_m.now = 0x7FFFFFFFU - (uint32_t)fuzz_u16(&in); break; /* just before 2^31 */
    default: g_m.now = fuzz_u32(&in); break;
    }
    sloop_timerq_init(&q, t, heap, gen, free_stack, cap);
    check_state(&q);

    while (fuzz_left(&in) > 0U) {
        uint8_t op = fuzz_u8(&in);
        switch (op % 12U) {
        case 0U:
            op_alloc(&q);
            break;
        case 1U: {
            sloop_slot_ref ref = pick_handle(&in);
            tm_handle *m = model_find(ref);
            FUZZ_CHECK_EQ(sloop_timerq_release(&q, ref), m != NULL);
            if (m != NULL) {
                m->live = false;
                m->armed = false;
                g_m.live--;
            }
            break;
        }
        case 2U:
        case 3U: {
            sloop_slot_ref ref = pick_handle(&in);
            uint32_t delay = pick_delay(&in);
            uint32_t period = pick_period(&in);
            tm_handle *m = model_find(ref);
            bool want = (m != NULL) && (delay <= SLOOP_TICK_MAX_DELAY) &&
                        (period <= SLOOP_TICK_MAX_DELAY);
            FUZZ_CHECK_EQ(sloop_timerq_arm(&q, ref, now32(), delay, period), want);
            if (want) {
                m->armed = true;
                m->deadline = g_m.now + delay;
                m->period = period;
                m->seq = g_m.next_seq;
                g_m.next_seq++;
            }
            break;
        }
        case 4U: {
            sloop_slot_ref ref = pick_handle(&in);
            tm_handle *m = model_find(ref);
            bool want = (m != NULL) && m->armed;
            FUZZ_CHECK_EQ(sloop_timerq_disarm(&q, ref), want);
            if (want) {
                m->armed = false;
            }
            break;
        }
        case 5U:
            advance(fuzz_u8(&in));
            break;
        case 6U:
            advance(fuzz_u16(&in));
            break;
        case 7U:
            advance(fuzz_u32(&in)); /* huge, across the wrap */
            break;
        case 8U: {
            /* to the earliest deadline, or one before or after it */
            const tm_handle *first = model_first();
            uint8_t d = fuzz_u8(&in) % 3U;
            if (first != NULL && first->deadline + d >= g_m.now + 1U) {
                advance(first->deadline + d - 1U - g_m.now);
            }
            break;
        }
        case 9U: {
            bool popped;
            op_pop(&q, &popped);
            break;
        }
        case 10U:
            op_pop_all(&q);
            break;
        default:
            /* the loop's own rhythm: advance a little, then pop everything due */
            advance(fuzz_u8(&in));
            op_pop_all(&q);
            break;
        }
        check_state(&q);
    }

    free(t);
    free(heap);
    free(gen);
    free(free_stack);
    return 0;
}
