/*
 * fuzz/slots.c - the slot table (src/core/slots.c) against a reference model.
 *
 * The model keeps, per slot, its generation and whether it is open or retired, and
 * the list of every handle open() returned. A handle is valid in the model exactly
 * when its index is in range, its slot is open, and its generation is the slot's.
 * Checked after every operation:
 *  - open succeeds exactly when a slot is free and not retired, returns such a slot
 *    with the next (odd) generation, and on a fresh table hands out 0, 1, 2, ...;
 *  - close and valid accept exactly the valid handles: stale (closed, reopened),
 *    forged (generation or index off by a little, random, even) and out-of-range
 *    handles are rejected, and a refused close changes nothing;
 *  - a slot whose generation reaches 2^32 - 1 is retired at close: never handed out
 *    again, never valid, and open fails once every slot is retired or open;
 *  - open_count matches; ref_at (also out of range) returns exactly the open slots
 *    with their current handle; every handle ever issued is valid iff the model says so.
 *
 * Ageing: reaching generation 2^32 - 1 by open/close would take 2^31 cycles, so the
 * AGE operation writes an even generation just below the wrap into a free slot of
 * both the table and the model. That is a state the table reaches by cycling the
 * slot that many times (free slots hold even generations), so nothing outside the
 * table's reachable states is tested.
 *
 * Input: [0] cap (% 17), then operations (selector byte + arguments).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/slots.h"
#include "fuzz.h"

#define SL_MAX_CAP 16U
#define SL_MAX_ISSUED 64U

typedef struct sl_model {
    uint32_t cap;
    uint32_t gen[SL_MAX_CAP];
    bool open[SL_MAX_CAP];
    bool retired[SL_MAX_CAP];
    uint32_t open_count;
    uint32_t opened;      /* opens so far */
    bool ever_closed;
    sloop_slot_ref issued[SL_MAX_ISSUED];
    uint32_t n_issued;    /* entries used, <= SL_MAX_ISSUED */
    uint32_t next_issued; /* round robin once full */
} sl_model;

static sl_model g_m;

static bool model_valid(sloop_slot_ref ref)
{
    return (ref.index < g_m.cap) && g_m.open[ref.index] && (g_m.gen[ref.index] == ref.gen);
}

static sloop_slot_ref pick_handle(fuzz_in *in)
{
    uint8_t sel = fuzz_u8(in);
    sloop_slot_ref ref = { 0U, 1U };
    if (sel < 0xA0U) {
        if (g_m.n_issued > 0U) {
            ref = g_m.issued[sel % g_m.n_issued];
        }
    } else if (sel < 0xE0U) {
        /* about a slot's current generation: off by -2..+2, or the index off by one */
        uint8_t how = fuzz_u8(in);
        ref.index = (g_m.cap > 0U) ? (uint32_t)(how % (g_m.cap + 1U)) : 0U;
        ref.gen = (ref.index < g_m.cap) ? g_m.gen[ref.index] : 1U;
        ref.gen += (uint32_t)(sel % 5U) - 2U;
    } else if (sel < 0xF0U) {
        ref.index = fuzz_u32(in);
        ref.gen = fuzz_u32(in);
    } else {
        ref.index = fuzz_u8(in);
        ref.gen = (sel & 1U) != 0U ? UINT32_MAX : 0U;
    }
    return ref;
}

static void check_state(const sloop_slots *s)
{
    uint32_t i;
    FUZZ_CHECK_EQ(sloop_slots_open_count(s), g_m.open_count);
    for (i = 0U; i < g_m.cap + 2U; i++) {
        sloop_slot_ref ref = { 0xDEADU, 0xBEEFU };
        bool open = (i < g_m.cap) && g_m.open[i];
        FUZZ_CHECK_EQ(sloop_slots_ref_at(s, i, &ref), open);
        if (open) {
            FUZZ_CHECK_EQ(ref.index, i);
            FUZZ_CHECK_EQ(ref.gen, g_m.gen[i]);
            FUZZ_CHECK(sloop_slots_valid(s, ref));
        }
    }
    for (i = 0U; i < g_m.n_issued; i++) {
        FUZZ_CHECK_EQ(sloop_slots_valid(s, g_m.issued[i]), model_valid(g_m.issued[i]));
    }
}

static void op_open(sloop_slots *s)
{
    sloop_slot_ref ref = { 0xDEADU, 0xBEEFU };
    bool want = false;
    bool ok;
    uint32_t i;
    for (i = 0U; i < g_m.cap; i++) {
        want = want || (!g_m.open[i] && !g_m.retired[i]);
    }
    ok = sloop_slots_open(s, &ref);
    FUZZ_CHECK_EQ(ok, want);
    if (!ok) {
        return;
    }
    FUZZ_CHECK(ref.index < g_m.cap);
    FUZZ_CHECK(!g_m.open[ref.index] && !g_m.retired[ref.index]);
    FUZZ_CHECK_EQ(ref.gen, g_m.gen[ref.index] + 1U);
    FUZZ_CHECK((ref.gen & 1U) == 1U);
    if (!g_m.ever_closed) {
        FUZZ_CHECK_EQ(ref.index, g_m.opened); /* documented first-open order */
    }
    g_m.gen[ref.index] = ref.gen;
    g_m.open[ref.index] = true;
    g_m.open_count++;
    g_m.opened++;
    if (g_m.n_issued < SL_MAX_ISSUED) {
        g_m.issued[g_m.n_issued] = ref;
        g_m.n_issued++;
    } else {
        g_m.issued[g_m.next_issued] = ref;
        g_m.next_issued = (g_m.next_issued + 1U) % SL_MAX_ISSUED;
    }
}

static void op_close(sloop_slots *s, sloop_slot_ref ref)
{
    bool want = model_valid(ref);
    FUZZ_CHECK_EQ(sloop_slots_close(s, ref), want);
    if (want) {
        g_m.open[ref.index] = false;
        g_m.open_count--;
        g_m.ever_closed = true;
        if (ref.gen == UINT32_MAX) {
            g_m.retired[ref.index] = true; /* the next generation would wrap */
        }
        g_m.gen[ref.index] = ref.gen + 1U;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in in = { data, size };
    uint32_t cap = fuzz_u8(&in) % (SL_MAX_CAP + 1U);
    uint32_t *gen = malloc(sizeof(uint32_t) * cap);
    uint32_t *free_stack = malloc(sizeof(uint32_t) * cap);
    sloop_slots s;

    memset(&g_m, 0, sizeof g_m);
    g_m.cap = cap;
    sloop_slots_init(&s, gen, free_stack, cap);
    check_state(&s);

    while (fuzz_left(&in) > 0U) {
        uint8_t op = fuzz_u8(&in);
        switch (op % 8U) {
        case 0U:
        case 1U:
            op_open(&s);
            break;
        case 2U:
        case 3U:
            op_close(&s, pick_handle(&in));
            break;
        case 4U: {
            sloop_slot_ref ref = pick_handle(&in);
            FUZZ_CHECK_EQ(sloop_slots_valid(&s, ref), model_valid(ref));
            break;
        }
        case 5U: {
            /* ref_at far out of range */
            uint32_t index = fuzz_u32(&in);
            sloop_slot_ref ref = { 0xDEADU, 0xBEEFU };
            bool open = (index < cap) && g_m.open[index];
            FUZZ_CHECK_EQ(sloop_slots_ref_at(&s, index, &ref), open);
            break;
        }
        case 6U: {
            /* AGE: a free slot jumps to a reachable generation just below the wrap */
            uint8_t a = fuzz_u8(&in);
            uint32_t index = (cap > 0U) ? (uint32_t)(a % cap) : 0U;
            if ((index < cap) && !g_m.open[index] && !g_m.retired[index]) {
                uint32_t g = 0xFFFFFFFEU - (2U * (uint32_t)(a >> 6));
                gen[index] = g;
                g_m.gen[index] = g;
            }
            break;
        }
        default: { /* close the same issued handle twice */
            sloop_slot_ref ref = pick_handle(&in);
            op_close(&s, ref);
            op_close(&s, ref);
            break;
        }
        }
        check_state(&s);
    }
    free(gen);
    free(free_stack);
    return 0;
}
