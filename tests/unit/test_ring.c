/*
 * test_ring.c - the transmit byte ring (src/core/ring.h).
 *
 * What a user relies on: append is all-or-nothing, bytes leave in the order they
 * were appended, the count never exceeds the capacity, the readable bytes are at
 * most two contiguous views (the second one starting at the storage start) ready
 * for writev(), and nothing outside the caller's storage is ever written.
 */
#include "core/ring.h"
#include "harness.h"

#define GUARD 8U            /* guard bytes on each side of the ring storage */
#define GUARD_BYTE 0xA5U
#define MAX_CAP 64U

/* Ring storage with guard bytes around it, so an out-of-bounds write shows. */
typedef struct guarded {
    uint8_t mem[GUARD + MAX_CAP + GUARD];
    uint32_t cap;
    sloop_ring r;
} guarded;

static void guarded_init(guarded *g, uint32_t cap)
{
    memset(g->mem, (int)GUARD_BYTE, sizeof(g->mem));
    g->cap = cap;
    sloop_ring_init(&g->r, &g->mem[GUARD], cap);
}

static bool guards_intact(const guarded *g)
{
    uint32_t i;
    bool ok = true;
    for (i = 0U; i < (uint32_t)sizeof(g->mem); i++) {
        bool inside = (i >= GUARD) && (i < GUARD + g->cap);
        if (!inside && (g->mem[i] != GUARD_BYTE)) {
            ok = false;
        }
    }
    return ok;
}

/* Copies the readable bytes, in order, through the views; returns their number. */
static uint32_t ring_read(const sloop_ring *r, uint8_t *out)
{
    sloop_ring_view v[2];
    uint32_t n = sloop_ring_views(r, v);
    uint32_t i;
    uint32_t total = 0U;
    for (i = 0U; i < n; i++) {
        memcpy(&out[total], v[i].data, v[i].len);
        total += v[i].len;
    }
    return total;
}

/* Bytes 0, 1, 2, ... offset by seed, so any reordering or loss is visible. */
static void pattern(uint8_t *out, uint32_t len, uint32_t seed)
{
    uint32_t i;
    for (i = 0U; i < len; i++) {
        out[i] = (uint8_t)((seed + i) & 0xFFU);
    }
}

SL_TEST(ring_starts_empty_with_all_space_free)
{
    guarded g;
    sloop_ring_view v[2];
    guarded_init(&g, 8U);
    SL_CHECK_EQ(sloop_ring_count(&g.r), 0U);
    SL_CHECK_EQ(sloop_ring_space(&g.r), 8U);
    SL_CHECK_EQ(sloop_ring_views(&g.r, v), 0U);
    SL_CHECK_EQ(v[0].len, 0U);
    SL_CHECK_EQ(v[1].len, 0U);
}

SL_TEST(ring_append_exactly_to_capacity_fills_it)
{
    guarded g;
    uint8_t in[8];
    uint8_t out[8];
    guarded_init(&g, 8U);
    pattern(in, 8U, 1U);
    SL_CHECK(sloop_ring_append(&g.r, in, 8U));
    SL_CHECK_EQ(sloop_ring_count(&g.r), 8U);
    SL_CHECK_EQ(sloop_ring_space(&g.r), 0U);
    SL_CHECK_EQ(ring_read(&g.r, out), 8U);
    SL_CHECK_MEM(out, in, 8U);
    SL_CHECK(guards_intact(&g));
}

SL_TEST(ring_append_that_does_not_fit_queues_nothing)
{
    guarded g;
    uint8_t in[16];
    uint8_t out[16];
    guarded_init(&g, 8U);

    /* Empty ring: capacity + 1 is refused. */
    pattern(in, 9U, 0x10U);
    SL_CHECK(!sloop_ring_append(&g.r, in, 9U));
    SL_CHECK_EQ(sloop_ring_count(&g.r), 0U);

    /* 3 queued, 5 free: 6 is refused, the 3 are untouched, 5 still fit. */
    pattern(in, 3U, 0x20U);
    SL_CHECK(sloop_ring_append(&g.r, in, 3U));
    pattern(in, 6U, 0x30U);
    SL_CHECK(!sloop_ring_append(&g.r, in, 6U));
    SL_CHECK_EQ(sloop_ring_count(&g.r), 3U);
    SL_CHECK_EQ(sloop_ring_space(&g.r), 5U);
    SL_CHECK_EQ(ring_read(&g.r, out), 3U);
    pattern(in, 3U, 0x20U);
    SL_CHECK_MEM(out, in, 3U);

    /* Full ring: even one byte is refused. */
    pattern(in, 5U, 0x40U);
    SL_CHECK(sloop_ring_append(&g.r, in, 5U));
    SL_CHECK(!sloop_ring_append(&g.r, in, 1U));
    SL_CHECK(!sloop_ring_append(&g.r, in, UINT32_MAX));
    SL_CHECK_EQ(sloop_ring_count(&g.r), 8U);
    SL_CHECK(guards_intact(&g));
}

SL_TEST(ring_zero_length_append_succeeds_and_changes_nothing)
{
    guarded g;
    uint8_t in[8];
    uint8_t out[8];
    uint32_t fill;
    guarded_init(&g, 8U);
    pattern(in, 8U, 0x50U);
    /* On an empty, a partly filled and a full ring. */
    for (fill = 0U; fill <= 8U; fill += 4U) {
        sloop_ring_clear(&g.r);
        SL_CHECK(sloop_ring_append(&g.r, in, fill));
        SL_CHECK(sloop_ring_append(&g.r, in, 0U));
        SL_CHECK_EQ(sloop_ring_count(&g.r), fill);
        SL_CHECK_EQ(ring_read(&g.r, out), fill);
        SL_CHECK_MEM(out, in, fill);
    }
    SL_CHECK(guards_intact(&g));
}

SL_TEST(ring_views_split_in_two_when_data_wraps_and_keep_order)
{
    guarded g;
    uint8_t in[8];
    uint8_t expect[8];
    sloop_ring_view v[2];
    const uint8_t *buf;
    guarded_init(&g, 8U);
    buf = &g.mem[GUARD];

    /* Leave one byte at index 5, then append 6 more: they wrap after index 7. */
    pattern(in, 6U, 0U);
    SL_CHECK(sloop_ring_append(&g.r, in, 6U));
    SL_CHECK(sloop_ring_consume(&g.r, 5U));
    pattern(in, 6U, 0x60U);
    SL_CHECK(sloop_ring_append(&g.r, in, 6U));
    SL_CHECK_EQ(sloop_ring_count(&g.r), 7U);

    SL_CHECK_EQ(sloop_ring_views(&g.r, v), 2U);
    SL_CHECK(v[0].data == &buf[5]);
    SL_CHECK_EQ(v[0].len, 3U);
    SL_CHECK(v[1].data == buf);
    SL_CHECK_EQ(v[1].len, 4U);
    expect[0] = 5U; /* the byte left behind */
    memcpy(&expect[1], in, 6U);
    SL_CHECK_MEM(v[0].data, &expect[0], 3U);
    SL_CHECK_MEM(v[1].data, &expect[3], 4U);
    SL_CHECK(guards_intact(&g));
}

SL_TEST(ring_data_ending_exactly_at_the_storage_end_is_one_view)
{
    guarded g;
    uint8_t in[8];
    sloop_ring_view v[2];
    guarded_init(&g, 8U);
    pattern(in, 8U, 0U);
    SL_CHECK(sloop_ring_append(&g.r, in, 8U));
    SL_CHECK(sloop_ring_consume(&g.r, 5U));
    /* Bytes 5..7 end at the last index: one view, the second empty. */
    SL_CHECK_EQ(sloop_ring_views(&g.r, v), 1U);
    SL_CHECK_EQ(v[0].len, 3U);
    SL_CHECK_EQ(v[1].len, 0U);
    SL_CHECK_MEM(v[0].data, &in[5], 3U);
    /* One more byte goes to index 0 and makes a second view. */
    SL_CHECK(sloop_ring_append(&g.r, in, 1U));
    SL_CHECK_EQ(sloop_ring_views(&g.r, v), 2U);
    SL_CHECK_EQ(v[1].len, 1U);
    SL_CHECK_EQ(v[1].data[0], in[0]);
}

SL_TEST(ring_consume_more_than_count_fails_and_changes_nothing)
{
    guarded g;
    uint8_t in[8];
    uint8_t out[8];
    guarded_init(&g, 8U);
    pattern(in, 4U, 0x70U);
    SL_CHECK(sloop_ring_append(&g.r, in, 4U));
    SL_CHECK(!sloop_ring_consume(&g.r, 5U));
    SL_CHECK(!sloop_ring_consume(&g.r, UINT32_MAX));
    SL_CHECK_EQ(sloop_ring_count(&g.r), 4U);
    SL_CHECK_EQ(ring_read(&g.r, out), 4U);
    SL_CHECK_MEM(out, in, 4U);
    /* Consuming 0 is allowed and is a no-op. */
    SL_CHECK(sloop_ring_consume(&g.r, 0U));
    SL_CHECK_EQ(sloop_ring_count(&g.r), 4U);
}

SL_TEST(ring_consume_in_parts_drops_the_oldest_bytes)
{
    guarded g;
    uint8_t in[8];
    uint8_t out[8];
    guarded_init(&g, 8U);
    pattern(in, 8U, 0x80U);
    SL_CHECK(sloop_ring_append(&g.r, in, 8U));
    SL_CHECK(sloop_ring_consume(&g.r, 3U));
    SL_CHECK_EQ(ring_read(&g.r, out), 5U);
    SL_CHECK_MEM(out, &in[3], 5U);
    SL_CHECK(sloop_ring_consume(&g.r, 4U));
    SL_CHECK_EQ(ring_read(&g.r, out), 1U);
    SL_CHECK_EQ(out[0], in[7]);
}

SL_TEST(ring_consume_all_starts_the_next_append_at_the_storage_start)
{
    guarded g;
    uint8_t in[8];
    sloop_ring_view v[2];
    guarded_init(&g, 8U);
    pattern(in, 8U, 0U);
    /* Move the head to the middle, wrap, then drain everything. */
    SL_CHECK(sloop_ring_append(&g.r, in, 6U));
    SL_CHECK(sloop_ring_consume(&g.r, 5U));
    SL_CHECK(sloop_ring_append(&g.r, in, 4U));
    SL_CHECK(sloop_ring_consume(&g.r, 5U));
    SL_CHECK_EQ(sloop_ring_count(&g.r), 0U);
    SL_CHECK_EQ(sloop_ring_space(&g.r), 8U);
    SL_CHECK_EQ(sloop_ring_views(&g.r, v), 0U);
    /* A full-capacity append now lies in one contiguous view. */
    SL_CHECK(sloop_ring_append(&g.r, in, 8U));
    SL_CHECK_EQ(sloop_ring_views(&g.r, v), 1U);
    SL_CHECK(v[0].data == &g.mem[GUARD]);
    SL_CHECK_EQ(v[0].len, 8U);
    SL_CHECK_MEM(v[0].data, in, 8U);
}

SL_TEST(ring_clear_empties_the_ring)
{
    guarded g;
    uint8_t in[8];
    sloop_ring_view v[2];
    guarded_init(&g, 8U);
    pattern(in, 8U, 0U);
    SL_CHECK(sloop_ring_append(&g.r, in, 7U));
    sloop_ring_clear(&g.r);
    SL_CHECK_EQ(sloop_ring_count(&g.r), 0U);
    SL_CHECK_EQ(sloop_ring_space(&g.r), 8U);
    SL_CHECK_EQ(sloop_ring_views(&g.r, v), 0U);
    SL_CHECK(sloop_ring_append(&g.r, in, 8U));
}

SL_TEST(ring_capacity_seven_wraps_at_every_offset)
{
    /* 7 is not a power of two: indices must wrap by subtraction. Step the head
     * through every position with 3-byte appends and consumes. */
    guarded g;
    uint8_t in[7];
    uint8_t out[7];
    uint32_t step;
    uint32_t seed = 0U;
    guarded_init(&g, 7U);
    pattern(in, 4U, seed);
    SL_CHECK(sloop_ring_append(&g.r, in, 4U));
    for (step = 0U; step < 50U; step++) {
        uint8_t expect[7];
        pattern(expect, 4U, seed);
        SL_CHECK_EQ(ring_read(&g.r, out), 4U);
        SL_CHECK_MEM(out, expect, 4U);
        /* Top up to full, check, then drop the 4 oldest: head advances by 4 mod 7. */
        pattern(in, 3U, seed + 4U);
        SL_CHECK(sloop_ring_append(&g.r, in, 3U));
        SL_CHECK_EQ(sloop_ring_space(&g.r), 0U);
        pattern(expect, 7U, seed);
        SL_CHECK_EQ(ring_read(&g.r, out), 7U);
        SL_CHECK_MEM(out, expect, 7U);
        SL_CHECK(!sloop_ring_append(&g.r, in, 1U));
        SL_CHECK(sloop_ring_consume(&g.r, 4U));
        seed += 4U;
        pattern(in, 1U, seed + 3U);
        SL_CHECK(sloop_ring_append(&g.r, in, 1U));
    }
    SL_CHECK(guards_intact(&g));
}

SL_TEST(ring_capacity_one_holds_exactly_one_byte)
{
    guarded g;
    uint8_t in[2] = {0x11U, 0x22U};
    uint8_t out[1];
    guarded_init(&g, 1U);
    SL_CHECK(!sloop_ring_append(&g.r, in, 2U));
    SL_CHECK(sloop_ring_append(&g.r, in, 1U));
    SL_CHECK(!sloop_ring_append(&g.r, &in[1], 1U));
    SL_CHECK_EQ(ring_read(&g.r, out), 1U);
    SL_CHECK_EQ(out[0], 0x11U);
    SL_CHECK(sloop_ring_consume(&g.r, 1U));
    SL_CHECK(sloop_ring_append(&g.r, &in[1], 1U));
    SL_CHECK_EQ(ring_read(&g.r, out), 1U);
    SL_CHECK_EQ(out[0], 0x22U);
    SL_CHECK(guards_intact(&g));
}

/* ---- append2: header then payload, both or nothing ------------------------ */

SL_TEST(ring_append2_exactly_to_capacity_queues_a_then_b)
{
    guarded g;
    uint8_t a[3];
    uint8_t b[5];
    uint8_t out[8];
    guarded_init(&g, 8U);
    pattern(a, 3U, 0x10U);
    pattern(b, 5U, 0x80U);
    SL_CHECK(sloop_ring_append2(&g.r, a, 3U, b, 5U));
    SL_CHECK_EQ(sloop_ring_count(&g.r), 8U);
    SL_CHECK_EQ(sloop_ring_space(&g.r), 0U);
    SL_CHECK_EQ(ring_read(&g.r, out), 8U);
    SL_CHECK_MEM(out, a, 3U);
    SL_CHECK_MEM(&out[3], b, 5U);
    SL_CHECK(guards_intact(&g));
}

SL_TEST(ring_append2_one_byte_over_changes_nothing)
{
    guarded g;
    uint8_t old[3];
    uint8_t a[8];
    uint8_t b[8];
    uint8_t out[8];
    uint8_t before[GUARD + MAX_CAP + GUARD];
    guarded_init(&g, 8U);
    pattern(old, 3U, 0x20U);
    SL_CHECK(sloop_ring_append(&g.r, old, 3U));
    pattern(a, 4U, 0x30U);
    pattern(b, 4U, 0x40U);
    memcpy(before, g.mem, sizeof before);
    /* 5 free: 2 + 4, 4 + 2, 0 + 6 and 6 + 0 are each one byte too many; a part
     * alone larger than the space, and sums that would wrap a uint32_t, too. */
    SL_CHECK(!sloop_ring_append2(&g.r, a, 2U, b, 4U));
    SL_CHECK(!sloop_ring_append2(&g.r, a, 4U, b, 2U));
    SL_CHECK(!sloop_ring_append2(&g.r, a, 0U, b, 6U));
    SL_CHECK(!sloop_ring_append2(&g.r, a, 6U, b, 0U));
    SL_CHECK(!sloop_ring_append2(&g.r, a, 1U, b, UINT32_MAX));
    SL_CHECK(!sloop_ring_append2(&g.r, a, UINT32_MAX, b, 1U));
    SL_CHECK(!sloop_ring_append2(&g.r, a, 0x80000000U, b, 0x80000000U));
    SL_CHECK_EQ(sloop_ring_count(&g.r), 3U);
    SL_CHECK_EQ(sloop_ring_space(&g.r), 5U);
    SL_CHECK_MEM(g.mem, before, sizeof before); /* storage and guards untouched */
    SL_CHECK_EQ(ring_read(&g.r, out), 3U);
    SL_CHECK_MEM(out, old, 3U);
    /* The exact fit still goes in after the refusals. */
    SL_CHECK(sloop_ring_append2(&g.r, a, 1U, b, 4U));
    SL_CHECK_EQ(ring_read(&g.r, out), 8U);
    SL_CHECK_MEM(out, old, 3U);
    SL_CHECK_EQ(out[3], a[0]);
    SL_CHECK_MEM(&out[4], b, 4U);
}

SL_TEST(ring_append2_wraps_between_a_and_b_and_inside_each)
{
    guarded g;
    uint8_t a[6];
    uint8_t b[6];
    uint8_t out[8];
    uint32_t split;
    /* Head at 5 with one byte queued: the free bytes are 6, 7, then 0 .. 4. For
     * each split of 6 bytes into a and b, the wrap falls inside a (split > 2),
     * exactly between them (split == 2) or inside b (split < 2). */
    for (split = 0U; split <= 4U; split++) {
        uint8_t first[6];
        guarded_init(&g, 8U);
        pattern(first, 6U, 0U);
        SL_CHECK(sloop_ring_append(&g.r, first, 6U));
        SL_CHECK(sloop_ring_consume(&g.r, 5U));
        pattern(a, split, 0x50U);
        pattern(b, 6U - split, 0x90U);
        SL_CHECK(sloop_ring_append2(&g.r, a, split, b, 6U - split));
        SL_CHECK_EQ(sloop_ring_count(&g.r), 7U);
        SL_CHECK_EQ(ring_read(&g.r, out), 7U);
        SL_CHECK_EQ(out[0], first[5]);
        SL_CHECK_MEM(&out[1], a, split);
        SL_CHECK_MEM(&out[1U + split], b, 6U - split);
        SL_CHECK(guards_intact(&g));
    }
    /* Wrap exactly between a and b: a ends at the last index, b starts at 0. */
    {
        sloop_ring_view v[2];
        uint8_t first[6];
        guarded_init(&g, 8U);
        pattern(first, 6U, 0U);
        SL_CHECK(sloop_ring_append(&g.r, first, 6U));
        SL_CHECK(sloop_ring_consume(&g.r, 6U)); /* empty: head back to 0 */
        SL_CHECK(sloop_ring_append(&g.r, first, 5U));
        SL_CHECK(sloop_ring_consume(&g.r, 4U)); /* head 4, one byte queued */
        pattern(a, 3U, 0x60U);
        pattern(b, 4U, 0xA0U);
        SL_CHECK(sloop_ring_append2(&g.r, a, 3U, b, 4U));
        SL_CHECK_EQ(sloop_ring_views(&g.r, v), 2U);
        SL_CHECK_EQ(v[0].len, 4U);
        SL_CHECK_MEM(&v[0].data[1], a, 3U);
        SL_CHECK(v[1].data == &g.mem[GUARD]);
        SL_CHECK_MEM(v[1].data, b, 4U);
        SL_CHECK(guards_intact(&g));
    }
}

SL_TEST(ring_append2_with_an_empty_part_is_a_plain_append)
{
    guarded g;
    uint8_t a[8];
    uint8_t b[8];
    uint8_t out[8];
    guarded_init(&g, 8U);
    pattern(a, 8U, 0x11U);
    pattern(b, 8U, 0x99U);
    /* alen 0: only b; blen 0: only a; both 0: nothing, still true, even full. */
    SL_CHECK(sloop_ring_append2(&g.r, a, 0U, b, 3U));
    SL_CHECK(sloop_ring_append2(&g.r, a, 4U, b, 0U));
    SL_CHECK_EQ(sloop_ring_count(&g.r), 7U);
    SL_CHECK(sloop_ring_append2(&g.r, a, 0U, b, 0U));
    SL_CHECK_EQ(sloop_ring_count(&g.r), 7U);
    SL_CHECK(!sloop_ring_append2(&g.r, a, 0U, b, 2U));
    SL_CHECK(!sloop_ring_append2(&g.r, a, 2U, b, 0U));
    SL_CHECK(sloop_ring_append2(&g.r, a, 0U, &b[3], 1U));
    SL_CHECK(sloop_ring_append2(&g.r, a, 0U, b, 0U));
    SL_CHECK_EQ(sloop_ring_count(&g.r), 8U);
    SL_CHECK_EQ(ring_read(&g.r, out), 8U);
    SL_CHECK_MEM(out, b, 3U);
    SL_CHECK_MEM(&out[3], a, 4U);
    SL_CHECK_EQ(out[7], b[3]);
    SL_CHECK(guards_intact(&g));
}

/* ---- Randomised comparison with a plain reference queue ------------------- */

static uint32_t rng_next(uint32_t *state)
{
    /* xorshift32: deterministic, so a failure always reproduces. */
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

/* The simplest possible byte queue: a flat array, consume shifts it down. */
typedef struct ref_queue {
    uint8_t bytes[MAX_CAP];
    uint32_t len;
} ref_queue;

/* One randomised run; returns the step at which ring and reference disagree,
 * or 0 when they agree throughout. */
static uint32_t ring_random_run(uint32_t cap, uint32_t seed, uint32_t steps)
{
    guarded g;
    ref_queue q;
    uint32_t state = seed;
    uint32_t step;
    uint8_t next_byte = 0U;
    guarded_init(&g, cap);
    q.len = 0U;
    for (step = 1U; step <= steps; step++) {
        uint32_t roll = rng_next(&state);
        uint8_t out[MAX_CAP];
        sloop_ring_view v[2];
        uint32_t nv;
        if ((roll & 1U) == 0U) {
            /* Append 0 .. cap+2 bytes: fits exactly when len <= free space. */
            uint8_t in[MAX_CAP + 2U];
            uint32_t len = (roll >> 1) % (cap + 3U);
            uint32_t i;
            bool fits = len <= (cap - q.len);
            for (i = 0U; i < len; i++) {
                in[i] = next_byte;
                next_byte = (uint8_t)(next_byte + 1U);
            }
            if (sloop_ring_append(&g.r, in, len) != fits) {
                return step;
            }
            if (fits) {
                memcpy(&q.bytes[q.len], in, len);
                q.len += len;
            }
        } else {
            /* Consume 0 .. count+2 bytes: allowed exactly when n <= count. */
            uint32_t n = (roll >> 1) % (q.len + 3U);
            bool allowed = n <= q.len;
            if (sloop_ring_consume(&g.r, n) != allowed) {
                return step;
            }
            if (allowed) {
                memmove(q.bytes, &q.bytes[n], q.len - n);
                q.len -= n;
            }
        }
        /* Same count, same bytes in the same order, well-formed views. */
        nv = sloop_ring_views(&g.r, v);
        if ((sloop_ring_count(&g.r) != q.len) || (sloop_ring_space(&g.r) != cap - q.len) ||
            (ring_read(&g.r, out) != q.len) || (memcmp(out, q.bytes, q.len) != 0) ||
            ((nv == 0U) != (q.len == 0U)) || ((nv >= 1U) && (v[0].len == 0U)) ||
            ((nv == 2U) && ((v[1].len == 0U) || (v[1].data != &g.mem[GUARD]))) ||
            ((nv >= 1U) && (v[0].data + v[0].len > &g.mem[GUARD + cap])) || (nv > 2U) ||
            !guards_intact(&g)) {
            return step;
        }
    }
    return 0U;
}

SL_TEST(ring_random_appends_and_consumes_match_a_reference_queue)
{
    static const uint32_t caps[] = {1U, 2U, 7U, 8U, 13U, MAX_CAP};
    size_t i;
    for (i = 0U; i < SL_COUNT(caps); i++) {
        SL_CHECK_EQ(ring_random_run(caps[i], 0x9E3779B9U + (uint32_t)i, 20000U), 0U);
    }
}

static const sl_test tests[] = {
    SL_ENTRY(ring_starts_empty_with_all_space_free),
    SL_ENTRY(ring_append_exactly_to_capacity_fills_it),
    SL_ENTRY(ring_append_that_does_not_fit_queues_nothing),
    SL_ENTRY(ring_zero_length_append_succeeds_and_changes_nothing),
    SL_ENTRY(ring_views_split_in_two_when_data_wraps_and_keep_order),
    SL_ENTRY(ring_data_ending_exactly_at_the_storage_end_is_one_view),
    SL_ENTRY(ring_consume_more_than_count_fails_and_changes_nothing),
    SL_ENTRY(ring_consume_in_parts_drops_the_oldest_bytes),
    SL_ENTRY(ring_consume_all_starts_the_next_append_at_the_storage_start),
    SL_ENTRY(ring_clear_empties_the_ring),
    SL_ENTRY(ring_capacity_seven_wraps_at_every_offset),
    SL_ENTRY(ring_capacity_one_holds_exactly_one_byte),
    SL_ENTRY(ring_append2_exactly_to_capacity_queues_a_then_b),
    SL_ENTRY(ring_append2_one_byte_over_changes_nothing),
    SL_ENTRY(ring_append2_wraps_between_a_and_b_and_inside_each),
    SL_ENTRY(ring_append2_with_an_empty_part_is_a_plain_append),
    SL_ENTRY(ring_random_appends_and_consumes_match_a_reference_queue),
};

int main(int argc, char **argv)
{
    return sl_main("ring", tests, SL_COUNT(tests), argc, argv);
}
