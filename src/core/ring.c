/*
 * ring.c - fixed byte ring, head + count representation.
 *
 * head and count (rather than head and tail) make full and empty distinct
 * without wasting a byte. Capacity need not be a power of two, so indices wrap
 * by subtraction, never by masking.
 */
#include "ring.h"

void sloop_ring_init(sloop_ring *r, uint8_t *buf, uint32_t cap)
{
    r->buf = buf;
    r->cap = cap;
    r->head = 0U;
    r->count = 0U;
}

void sloop_ring_clear(sloop_ring *r)
{
    r->head = 0U;
    r->count = 0U;
}

uint32_t sloop_ring_count(const sloop_ring *r)
{
    return r->count;
}

uint32_t sloop_ring_space(const sloop_ring *r)
{
    return r->cap - r->count;
}

/* Index of the first free byte: head + count, wrapped once. */
/*@
  requires ring_readable(r);
  assigns \nothing;
  ensures \result == ring_pos(r->head, r->cap, r->count) && \result < r->cap;
*/
static uint32_t ring_tail(const sloop_ring *r)
{
    uint32_t room_to_end = r->cap - r->head;
    uint32_t tail;
    if (r->count < room_to_end) {
        tail = r->head + r->count;
    } else {
        tail = r->count - room_to_end;
    }
    return tail;
}

/* Plain byte copy: provable where memcpy on uint8_t is not (see
 * VERIFICATION-NOTES), and compilers turn it into memcpy at -O2 anyway. */
/*@
  requires \valid(dst + (0 .. n - 1)) && \valid_read(src + (0 .. n - 1));
  requires \separated(dst + (0 .. n - 1), src + (0 .. n - 1));
  assigns dst[0 .. n - 1];
  ensures \forall integer i; 0 <= i < n ==> dst[i] == src[i];
*/
static void ring_copy(uint8_t *dst, const uint8_t *src, uint32_t n)
{
    uint32_t i;
    /*@ loop invariant 0 <= i <= n;
        loop invariant \forall integer j; 0 <= j < i ==> dst[j] == src[j];
        loop assigns i, dst[0 .. n - 1];
        loop variant n - i; */
    for (i = 0U; i < n; i++) {
        dst[i] = src[i];
    }
}

bool sloop_ring_append(sloop_ring *r, const uint8_t *data, uint32_t len)
{
    bool ok = false;
    if (len <= r->cap - r->count) {
        uint32_t tail = ring_tail(r);
        uint32_t first = r->cap - tail;
        if (first > len) {
            first = len;
        }
        if (first > 0U) {
            ring_copy(&r->buf[tail], data, first);
        }
        if (len > first) {
            ring_copy(r->buf, &data[first], len - first);
        }
        r->count += len;
        ok = true;
    }
    return ok;
}

uint32_t sloop_ring_views(const sloop_ring *r, sloop_ring_view v[2])
{
    uint32_t room_to_end = r->cap - r->head;
    uint32_t n = 0U;
    v[0].data = &r->buf[r->head];
    v[0].len = 0U;
    v[1].data = r->buf;
    v[1].len = 0U;
    if (r->count > 0U) {
        n = 1U;
        if (r->count <= room_to_end) {
            v[0].len = r->count;
        } else {
            v[0].len = room_to_end;
            v[1].len = r->count - room_to_end;
            n = 2U;
        }
    }
    return n;
}

bool sloop_ring_consume(sloop_ring *r, uint32_t n)
{
    bool ok = false;
    if (n <= r->count) {
        uint32_t room_to_end = r->cap - r->head;
        if (n < room_to_end) {
            r->head += n;
        } else {
            r->head = n - room_to_end;
        }
        r->count -= n;
        if (r->count == 0U) {
            r->head = 0U; /* keeps the next append contiguous */
        }
        ok = true;
    }
    return ok;
}
