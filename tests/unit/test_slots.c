/*
 * test_slots.c - slot table with generation-counted handles (src/core/slots.h).
 *
 * What a user relies on: open hands out a free slot until the table is full;
 * a handle is valid exactly while its slot is open with that generation, so a
 * stale, double-closed or forged handle is rejected and changes nothing; a slot
 * whose generation would wrap is retired for good, never aliasing an old handle.
 */
#include "core/slots.h"
#include "harness.h"

#define CAP 6U

typedef struct table {
    sloop_slots s;
    uint32_t gen[CAP];
    uint32_t free_stack[CAP];
} table;

static void table_init(table *t, uint32_t cap)
{
    /* Garbage in the arrays: init must not depend on them being zeroed. */
    memset(t->gen, 0xFF, sizeof(t->gen));
    memset(t->free_stack, 0xFF, sizeof(t->free_stack));
    sloop_slots_init(&t->s, t->gen, t->free_stack, cap);
}

static bool same_ref(sloop_slot_ref a, sloop_slot_ref b)
{
    return (a.index == b.index) && (a.gen == b.gen);
}

static sloop_slot_ref make_ref(uint32_t index, uint32_t gen)
{
    sloop_slot_ref r;
    r.index = index;
    r.gen = gen;
    return r;
}

/* Opens slots until open fails; returns how many opened and ORs their indices
 * into *seen as a bit set. */
static uint32_t open_all(table *t, uint32_t *seen)
{
    sloop_slot_ref r;
    uint32_t n = 0U;
    while ((n <= CAP) && sloop_slots_open(&t->s, &r)) {
        *seen |= 1U << r.index;
        n++;
    }
    return n;
}

SL_TEST(slots_first_open_returns_index_0_then_1_and_so_on)
{
    table t;
    sloop_slot_ref r;
    uint32_t i;
    table_init(&t, CAP);
    for (i = 0U; i < CAP; i++) {
        SL_CHECK(sloop_slots_open(&t.s, &r));
        SL_CHECK_EQ(r.index, i);
        SL_CHECK_EQ(r.gen & 1U, 1U); /* open handles have an odd generation */
        SL_CHECK(sloop_slots_valid(&t.s, r));
    }
}

SL_TEST(slots_open_until_full_then_open_fails)
{
    table t;
    sloop_slot_ref r;
    uint32_t seen = 0U;
    table_init(&t, CAP);
    SL_CHECK_EQ(open_all(&t, &seen), CAP);
    SL_CHECK_EQ(seen, (1U << CAP) - 1U); /* every index exactly once */
    SL_CHECK_EQ(sloop_slots_open_count(&t.s), CAP);
    SL_CHECK(!sloop_slots_open(&t.s, &r));
    SL_CHECK_EQ(sloop_slots_open_count(&t.s), CAP);
    /* Closing one makes exactly one slot available again. */
    SL_CHECK(sloop_slots_ref_at(&t.s, 3U, &r));
    SL_CHECK(sloop_slots_close(&t.s, r));
    seen = 0U;
    SL_CHECK_EQ(open_all(&t, &seen), 1U);
    SL_CHECK_EQ(seen, 1U << 3);
}

SL_TEST(slots_table_of_capacity_zero_has_nothing_to_open)
{
    table t;
    sloop_slot_ref r;
    table_init(&t, 0U);
    SL_CHECK(!sloop_slots_open(&t.s, &r));
    SL_CHECK(!sloop_slots_valid(&t.s, make_ref(0U, 1U)));
    SL_CHECK(!sloop_slots_close(&t.s, make_ref(0U, 1U)));
    SL_CHECK(!sloop_slots_ref_at(&t.s, 0U, &r));
    SL_CHECK_EQ(sloop_slots_open_count(&t.s), 0U);
}

SL_TEST(slots_close_then_reopen_gives_a_new_generation)
{
    /* Capacity 1, so the reopened slot is necessarily the same index. */
    table t;
    sloop_slot_ref old_ref;
    sloop_slot_ref new_ref;
    table_init(&t, 1U);
    SL_CHECK(sloop_slots_open(&t.s, &old_ref));
    SL_CHECK(sloop_slots_close(&t.s, old_ref));
    SL_CHECK(!sloop_slots_valid(&t.s, old_ref));
    SL_CHECK(sloop_slots_open(&t.s, &new_ref));
    SL_CHECK_EQ(new_ref.index, old_ref.index);
    SL_CHECK(new_ref.gen != old_ref.gen);
    SL_CHECK_EQ(new_ref.gen & 1U, 1U);
    SL_CHECK(sloop_slots_valid(&t.s, new_ref));
}

SL_TEST(slots_stale_handle_is_rejected_by_valid_and_close)
{
    table t;
    sloop_slot_ref old_ref;
    sloop_slot_ref new_ref;
    table_init(&t, 1U);
    SL_CHECK(sloop_slots_open(&t.s, &old_ref));
    SL_CHECK(sloop_slots_close(&t.s, old_ref));
    SL_CHECK(sloop_slots_open(&t.s, &new_ref));
    /* The old handle must not reach the new occupant. */
    SL_CHECK(!sloop_slots_valid(&t.s, old_ref));
    SL_CHECK(!sloop_slots_close(&t.s, old_ref));
    SL_CHECK(sloop_slots_valid(&t.s, new_ref));
    SL_CHECK_EQ(sloop_slots_open_count(&t.s), 1U);
}

SL_TEST(slots_double_close_is_rejected_and_frees_the_slot_once)
{
    table t;
    sloop_slot_ref a;
    sloop_slot_ref b;
    uint32_t seen = 0U;
    table_init(&t, CAP);
    SL_CHECK(sloop_slots_open(&t.s, &a));
    SL_CHECK(sloop_slots_open(&t.s, &b));
    SL_CHECK(sloop_slots_close(&t.s, a));
    SL_CHECK(!sloop_slots_close(&t.s, a));
    SL_CHECK_EQ(sloop_slots_open_count(&t.s), 1U);
    /* Had the second close freed the slot again, CAP opens would now succeed. */
    SL_CHECK_EQ(open_all(&t, &seen), CAP - 1U);
    SL_CHECK(sloop_slots_valid(&t.s, b));
}

SL_TEST(slots_forged_handles_are_rejected_and_change_nothing)
{
    table t;
    sloop_slot_ref a;
    sloop_slot_ref b;
    sloop_slot_ref forged[9];
    uint32_t gen_before[CAP];
    uint32_t stack_before[CAP];
    sloop_slots s_before;
    uint32_t seen = 0U;
    size_t i;
    table_init(&t, CAP);
    SL_CHECK(sloop_slots_open(&t.s, &a)); /* index 0 */
    SL_CHECK(sloop_slots_open(&t.s, &b)); /* index 1 */
    SL_CHECK(sloop_slots_close(&t.s, b));
    SL_CHECK(sloop_slots_open(&t.s, &b)); /* index 1 again, second generation */

    forged[0] = make_ref(CAP, 1U);             /* index == cap */
    forged[1] = make_ref(UINT32_MAX, 1U);      /* index far out of range */
    forged[2] = make_ref(a.index, a.gen + 1U); /* even generation */
    forged[3] = make_ref(a.index, 0U);         /* generation 0 */
    forged[4] = make_ref(a.index, a.gen + 2U); /* right index, future generation */
    forged[5] = make_ref(b.index, b.gen - 2U); /* right index, past generation */
    forged[6] = make_ref(2U, 1U);              /* a free slot's would-be handle */
    forged[7] = make_ref(2U, 0U);              /* a free slot's current generation */
    forged[8] = make_ref(b.index, UINT32_MAX);

    memcpy(gen_before, t.gen, sizeof(gen_before));
    memcpy(stack_before, t.free_stack, sizeof(stack_before));
    s_before = t.s;
    for (i = 0U; i < SL_COUNT(forged); i++) {
        SL_CHECK(!sloop_slots_valid(&t.s, forged[i]));
        SL_CHECK(!sloop_slots_close(&t.s, forged[i]));
    }
    SL_CHECK_MEM(t.gen, gen_before, sizeof(gen_before));
    SL_CHECK_MEM(t.free_stack, stack_before, sizeof(stack_before));
    SL_CHECK_EQ(t.s.free_count, s_before.free_count);
    SL_CHECK_EQ(sloop_slots_open_count(&t.s), 2U);
    SL_CHECK(sloop_slots_valid(&t.s, a));
    SL_CHECK(sloop_slots_valid(&t.s, b));
    SL_CHECK_EQ(open_all(&t, &seen), CAP - 2U);
}

SL_TEST(slots_ref_at_walks_exactly_the_open_slots)
{
    table t;
    sloop_slot_ref refs[CAP];
    sloop_slot_ref r;
    uint32_t i;
    uint32_t walked = 0U;
    table_init(&t, CAP);
    for (i = 0U; i < CAP; i++) {
        SL_CHECK(sloop_slots_open(&t.s, &refs[i]));
    }
    SL_CHECK(sloop_slots_close(&t.s, refs[1]));
    SL_CHECK(sloop_slots_close(&t.s, refs[4]));
    for (i = 0U; i < CAP; i++) {
        bool open = (i != 1U) && (i != 4U);
        SL_CHECK(sloop_slots_ref_at(&t.s, i, &r) == open);
        if (open) {
            SL_CHECK(same_ref(r, refs[i]));
            SL_CHECK(sloop_slots_valid(&t.s, r));
            walked++;
        }
    }
    SL_CHECK_EQ(walked, sloop_slots_open_count(&t.s));
    SL_CHECK(!sloop_slots_ref_at(&t.s, CAP, &r));
    SL_CHECK(!sloop_slots_ref_at(&t.s, UINT32_MAX, &r));
}

SL_TEST(slots_open_count_tracks_opens_and_closes)
{
    table t;
    sloop_slot_ref refs[CAP];
    uint32_t i;
    table_init(&t, CAP);
    SL_CHECK_EQ(sloop_slots_open_count(&t.s), 0U);
    for (i = 0U; i < CAP; i++) {
        SL_CHECK(sloop_slots_open(&t.s, &refs[i]));
        SL_CHECK_EQ(sloop_slots_open_count(&t.s), i + 1U);
    }
    for (i = 0U; i < CAP; i++) {
        SL_CHECK(sloop_slots_close(&t.s, refs[i]));
        SL_CHECK_EQ(sloop_slots_open_count(&t.s), CAP - 1U - i);
    }
}

SL_TEST(slots_generations_never_repeat_over_many_reuses)
{
    table t;
    sloop_slot_ref r;
    sloop_slot_ref prev = make_ref(0U, 0U);
    uint32_t round;
    table_init(&t, 1U);
    for (round = 0U; round < 1000U; round++) {
        SL_CHECK(sloop_slots_open(&t.s, &r));
        SL_CHECK(r.gen != prev.gen);
        SL_CHECK(!sloop_slots_valid(&t.s, prev));
        SL_CHECK(sloop_slots_close(&t.s, r));
        prev = r;
    }
}

SL_TEST(slots_generation_wrap_retires_the_slot_for_good)
{
    table t;
    sloop_slot_ref top;
    sloop_slot_ref r;
    uint32_t round;
    table_init(&t, 3U);
    /* Jump slot 0 (free) to the last even generation. */
    t.gen[0] = UINT32_MAX - 1U;
    SL_CHECK(sloop_slots_open(&t.s, &top));
    SL_CHECK_EQ(top.index, 0U);
    SL_CHECK_EQ(top.gen, UINT32_MAX);
    SL_CHECK(sloop_slots_valid(&t.s, top));
    SL_CHECK(sloop_slots_close(&t.s, top));
    SL_CHECK_EQ(sloop_slots_open_count(&t.s), 0U);

    /* Retired: no handle to it is valid, ref_at skips it, close is refused. */
    SL_CHECK(!sloop_slots_valid(&t.s, top));
    SL_CHECK(!sloop_slots_close(&t.s, top));
    SL_CHECK(!sloop_slots_ref_at(&t.s, 0U, &r));
    SL_CHECK(!sloop_slots_valid(&t.s, make_ref(0U, 1U)));

    /* Only the two other slots are ever handed out again. */
    for (round = 0U; round < 100U; round++) {
        sloop_slot_ref a;
        sloop_slot_ref b;
        SL_CHECK(sloop_slots_open(&t.s, &a));
        SL_CHECK(sloop_slots_open(&t.s, &b));
        SL_CHECK(!sloop_slots_open(&t.s, &r));
        SL_CHECK(a.index != 0U);
        SL_CHECK(b.index != 0U);
        SL_CHECK(sloop_slots_close(&t.s, a));
        SL_CHECK(sloop_slots_close(&t.s, b));
    }
}

SL_TEST(slots_slot_below_the_last_generation_is_still_reused)
{
    /* Retirement happens only when the generation would wrap, not earlier. */
    table t;
    sloop_slot_ref r;
    table_init(&t, 1U);
    t.gen[0] = UINT32_MAX - 3U;
    SL_CHECK(sloop_slots_open(&t.s, &r));
    SL_CHECK_EQ(r.gen, UINT32_MAX - 2U);
    SL_CHECK(sloop_slots_close(&t.s, r));
    SL_CHECK(sloop_slots_open(&t.s, &r));
    SL_CHECK_EQ(r.index, 0U);
    SL_CHECK_EQ(r.gen, UINT32_MAX);
    SL_CHECK(sloop_slots_close(&t.s, r));
    SL_CHECK(!sloop_slots_open(&t.s, &r));
}

SL_TEST(slots_corrupted_free_stack_entry_is_refused_not_written)
{
    /* Outside the contract (the table was written behind the API's back), so
     * no proof speaks for it: open checks the popped index itself and refuses
     * an out-of-range one, writing nothing, instead of writing past gen[]. */
    typedef struct guarded {
        table t;
        uint32_t after[4];
    } guarded;
    guarded g;
    sloop_slot_ref r = make_ref(77U, 77U);
    uint32_t gens[CAP];
    uint32_t i;
    memset(g.after, 0xA5, sizeof g.after);
    table_init(&g.t, 4U);
    g.t.free_stack[3] = 4U;  /* the top of the stack: one past the last slot */
    memcpy(gens, g.t.gen, sizeof gens);
    SL_CHECK(!sloop_slots_open(&g.t.s, &r));
    SL_CHECK_EQ(g.t.s.free_count, 4U);
    SL_CHECK_EQ(g.t.s.open_count, 0U);
    SL_CHECK_EQ(r.index, 77U); /* untouched */
    SL_CHECK_EQ(r.gen, 77U);
    SL_CHECK_EQ(memcmp(gens, g.t.gen, sizeof gens), 0);
    for (i = 0U; i < 4U; i++) {
        SL_CHECK_EQ(g.after[i], 0xA5A5A5A5U);
    }
    g.t.free_stack[3] = UINT32_MAX;
    SL_CHECK(!sloop_slots_open(&g.t.s, &r));
    SL_CHECK_EQ(g.t.s.free_count, 4U);
}

static const sl_test tests[] = {
    SL_ENTRY(slots_first_open_returns_index_0_then_1_and_so_on),
    SL_ENTRY(slots_open_until_full_then_open_fails),
    SL_ENTRY(slots_table_of_capacity_zero_has_nothing_to_open),
    SL_ENTRY(slots_close_then_reopen_gives_a_new_generation),
    SL_ENTRY(slots_stale_handle_is_rejected_by_valid_and_close),
    SL_ENTRY(slots_double_close_is_rejected_and_frees_the_slot_once),
    SL_ENTRY(slots_forged_handles_are_rejected_and_change_nothing),
    SL_ENTRY(slots_ref_at_walks_exactly_the_open_slots),
    SL_ENTRY(slots_open_count_tracks_opens_and_closes),
    SL_ENTRY(slots_generations_never_repeat_over_many_reuses),
    SL_ENTRY(slots_generation_wrap_retires_the_slot_for_good),
    SL_ENTRY(slots_slot_below_the_last_generation_is_still_reused),
    SL_ENTRY(slots_corrupted_free_stack_entry_is_refused_not_written),
};

int main(int argc, char **argv)
{
    return sl_main("slots", tests, SL_COUNT(tests), argc, argv);
}
