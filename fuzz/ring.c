/*
 * fuzz/ring.c - the transmit ring (src/core/ring.c) against a plain byte queue.
 *
 * The model is an array holding the queued bytes oldest first; consuming shifts it
 * down with memmove. Appended bytes come from a running counter (period 251, not a
 * power of two), so a lost, duplicated or reordered byte shows. Checked after every
 * operation:
 *  - append is all-or-nothing: it succeeds exactly when len <= space, and a refused
 *    append changes nothing;
 *  - append2 (a then b, from two separate buffers) is all-or-nothing too: it
 *    succeeds exactly when alen + blen <= space (lengths up to 2^32 - 1 each, so a
 *    sum that wraps a uint32_t shows), and then queues a's bytes then b's;
 *  - consume succeeds exactly when n <= count, and a refused one changes nothing;
 *  - count <= cap, count matches the model, space == cap - count;
 *  - views: 0 views iff empty, otherwise 1 or 2 non-empty views (the second only when
 *    the data wraps), unused views have len 0, each lies inside the ring's storage,
 *    and view 0 then view 1 are exactly the queued bytes in order.
 * The storage is allocated with the exact capacity, so ASan sees any overrun.
 *
 * Input: [0..1] capacity selector, then operations (selector byte + arguments).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ring.h"
#include "fuzz.h"

#define RING_MAX_CAP 1024U

typedef struct ring_model {
    uint8_t q[RING_MAX_CAP];
    uint32_t count;
    uint32_t cap;
    uint8_t next; /* running counter for appended bytes */
} ring_model;

static ring_model g_m;
static uint8_t g_data[RING_MAX_CAP + 8U];
static uint8_t g_data2[RING_MAX_CAP + 8U]; /* append2's second part, apart from the first */

static bool view_inside(const sloop_ring_view *v, const uint8_t *buf, uint32_t cap)
{
    uintptr_t a = (uintptr_t)v->data;
    uintptr_t b = (uintptr_t)buf;
    return (a >= b) && ((a - b) <= cap) && (v->len <= cap - (uint32_t)(a - b));
}

static void check_state(const sloop_ring *r, const uint8_t *buf)
{
    sloop_ring_view v[2];
    uint32_t n;
    FUZZ_CHECK_EQ(sloop_ring_count(r), g_m.count);
    FUZZ_CHECK(sloop_ring_count(r) <= g_m.cap);
    FUZZ_CHECK_EQ(sloop_ring_space(r), g_m.cap - g_m.count);

    memset(v, 0xA5, sizeof v);
    n = sloop_ring_views(r, v);
    FUZZ_CHECK(n <= 2U);
    FUZZ_CHECK_EQ(n == 0U, g_m.count == 0U);
    FUZZ_CHECK_EQ((uint64_t)v[0].len + v[1].len, g_m.count);
    if (n >= 1U) {
        FUZZ_CHECK(v[0].len > 0U);
    }
    FUZZ_CHECK_EQ(v[1].len > 0U, n == 2U);
    FUZZ_CHECK(view_inside(&v[0], buf, g_m.cap));
    FUZZ_CHECK(view_inside(&v[1], buf, g_m.cap));
    FUZZ_CHECK(v[0].len == 0U || memcmp(v[0].data, g_m.q, v[0].len) == 0);
    FUZZ_CHECK(v[1].len == 0U || memcmp(v[1].data, &g_m.q[v[0].len], v[1].len) == 0);
}

static void op_append(sloop_ring *r, uint32_t len)
{
    uint32_t i;
    bool want = len <= g_m.cap - g_m.count;
    uint8_t next = g_m.next;
    FUZZ_CHECK(len <= sizeof g_data);
    for (i = 0U; i < len; i++) {
        g_data[i] = next;
        next = (uint8_t)((next + 1U) % 251U);
    }
    FUZZ_CHECK_EQ(sloop_ring_append(r, g_data, len), want);
    if (want) {
        if (len > 0U) {
            memcpy(&g_m.q[g_m.count], g_data, len);
        }
        g_m.count += len;
        g_m.next = next;
    }
}

/* Fills out[0 .. len-1] from the running counter, starting at *next. */
static void counter_fill(uint8_t *out, uint32_t len, uint8_t *next)
{
    uint32_t i;
    for (i = 0U; i < len; i++) {
        out[i] = *next;
        *next = (uint8_t)((*next + 1U) % 251U);
    }
}

/* alen and blen may exceed the buffers only when the append must be refused
 * (then the ring reads neither): the model's sum is computed in 64 bits. */
static void op_append2(sloop_ring *r, uint32_t alen, uint32_t blen)
{
    uint64_t total = (uint64_t)alen + blen;
    bool want = total <= (uint64_t)(g_m.cap - g_m.count);
    uint8_t next = g_m.next;
    if (want) {
        FUZZ_CHECK(alen <= sizeof g_data && blen <= sizeof g_data2);
        counter_fill(g_data, alen, &next);
        counter_fill(g_data2, blen, &next);
    }
    FUZZ_CHECK_EQ(sloop_ring_append2(r, g_data, alen, g_data2, blen), want);
    if (want) {
        if (alen > 0U) {
            memcpy(&g_m.q[g_m.count], g_data, alen);
        }
        if (blen > 0U) {
            memcpy(&g_m.q[g_m.count + alen], g_data2, blen);
        }
        g_m.count += alen + blen;
        g_m.next = next;
    }
}

static void op_consume(sloop_ring *r, uint32_t n)
{
    bool want = n <= g_m.count;
    FUZZ_CHECK_EQ(sloop_ring_consume(r, n), want);
    if (want) {
        memmove(g_m.q, &g_m.q[n], g_m.count - n);
        g_m.count -= n;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in in = { data, size };
    uint16_t sel = fuzz_u16(&in);
    uint32_t cap;
    uint8_t *buf;
    sloop_ring r;

    /* Mostly small rings (wrap often), sometimes up to RING_MAX_CAP. */
    cap = (sel < 0xC000U) ? 1U + (sel % 64U) : 1U + (sel % RING_MAX_CAP);
    buf = malloc(cap);
    FUZZ_CHECK(buf != NULL);
    memset(&g_m, 0, sizeof g_m);
    g_m.cap = cap;
    sloop_ring_init(&r, buf, cap);
    check_state(&r, buf);

    while (fuzz_left(&in) > 0U) {
        uint8_t op = fuzz_u8(&in);
        switch (op % 12U) {
        case 0U:
        case 1U:
            op_append(&r, fuzz_u8(&in) % (cap + 3U));
            break;
        case 2U:
            op_append(&r, (uint32_t)fuzz_u16(&in) % (cap + 3U));
            break;
        case 3U: /* exactly fill, or one byte too many */
            op_append(&r, g_m.cap - g_m.count + (fuzz_u8(&in) & 1U));
            break;
        case 4U:
            op_consume(&r, fuzz_u8(&in) % (g_m.count + 2U));
            break;
        case 5U: /* all, or one too many */
            op_consume(&r, g_m.count + (fuzz_u8(&in) & 1U));
            break;
        case 6U: { /* what a sender does: part of the first view */
            sloop_ring_view v[2];
            (void)sloop_ring_views(&r, v);
            op_consume(&r, fuzz_u8(&in) % (v[0].len + 1U));
            break;
        }
        case 7U:
            sloop_ring_clear(&r);
            g_m.count = 0U;
            break;
        case 8U: { /* header and payload: any split, mostly around the space */
            uint32_t alen = fuzz_u8(&in) % (cap + 3U);
            op_append2(&r, alen, fuzz_u8(&in) % (cap + 3U));
            break;
        }
        case 9U: { /* exactly the free space split in two, or one byte too many */
            uint32_t space = g_m.cap - g_m.count;
            uint8_t arg = fuzz_u8(&in);
            uint32_t alen = (uint32_t)(arg >> 1) % (space + 1U);
            op_append2(&r, alen, space - alen + (arg & 1U));
            break;
        }
        case 10U: { /* any lengths: mostly refused, some sums wrap a uint32_t */
            uint32_t alen = fuzz_u32(&in);
            op_append2(&r, alen, fuzz_u32(&in));
            break;
        }
        default:
            op_consume(&r, fuzz_u32(&in)); /* mostly far too many */
            break;
        }
        check_state(&r, buf);
    }
    free(buf);
    return 0;
}
