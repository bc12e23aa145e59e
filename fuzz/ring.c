/*
 * fuzz/ring.c - the transmit ring (src/core/ring.c) against a plain byte queue.
 *
 * The model is an array holding the queued bytes oldest first; consuming shifts it
 * down with memmove. Appended bytes come from a running counter (period 251, not a
 * power of two), so a lost, duplicated or reordered byte shows. Checked after every
 * operation:
 *  - append is all-or-nothing: it succeeds exactly when len <= space, and a refused
 *    append changes nothing;
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
        switch (op % 9U) {
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
        default:
            op_consume(&r, fuzz_u32(&in)); /* mostly far too many */
            break;
        }
        check_state(&r, buf);
    }
    free(buf);
    return 0;
}
