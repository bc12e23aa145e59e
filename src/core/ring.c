/*
 * ring.c - fixed byte ring, head + count representation.
 *
 * head and count (rather than head and tail) make full and empty distinct
 * without wasting a byte. Capacity need not be a power of two, so indices wrap
 * by subtraction, never by masking.
 *
 * The code has few branches on purpose: every block is a smoke test for the
 * proof (can the provers show it unreachable?), and z3 spends its whole 2 s
 * smoke timeout on each one (proofs/ring/README.md, "Figures").
 */
#include "ring.h"

void sloop_ring_init(sloop_ring *r, uint8_t *buf, uint32_t cap)
{
    r->buf = buf;
    r->cap = cap;
    r->head = 0U;
    r->count = 0U;
}

/* Writes data[0 .. len-1] as the logical bytes count .. count+len-1 of the
 * ring (head, cap) over buf, from the first free byte on, wrapping to buf[0]
 * at the end. Two loops, one per physical run (up to the end of the storage,
 * then from its start), each a plain indexed copy: with the two ranges declared
 * restrict (separated, as the contract requires) GCC turns each into a memcpy
 * call (the single loop with a wrap test per byte cost 12 instructions per
 * byte). The invariants still speak of logical positions, so the proof needs
 * no relation between physical runs and logical bytes beyond ring_pos. memcpy
 * itself is not called in the source: on uint8_t it is not provable here
 * (see VERIFICATION-NOTES). inline: append2 calls it twice, and GCC kept it out
 * of line then (33 more instructions per frame in the echo benchmark). */
/*@
  requires 1 <= cap && head < cap && count <= cap && len <= cap - count;
  requires \valid(buf + (0 .. cap - 1)) && \valid_read(data + (0 .. len - 1));
  requires \separated(buf + (0 .. cap - 1), data + (0 .. len - 1));
  assigns buf[0 .. cap - 1];
  ensures put: \forall integer i; 0 <= i < len ==>
            buf[ring_pos(head, cap, count + i)] == data[i];
  ensures kept: \forall integer i; 0 <= i < count ==>
            buf[ring_pos(head, cap, i)] == \old(buf[ring_pos(head, cap, i)]);
*/
static inline void ring_put(uint8_t *restrict buf, uint32_t cap, uint32_t head, uint32_t count,
                            const uint8_t *restrict data, uint32_t len)
{
    /* First free byte: head + count, wrapped once (no uint32_t overflow). */
    uint32_t room_to_end = cap - head;
    uint32_t pos = (count < room_to_end) ? (head + count) : (count - room_to_end);
    /* Bytes that fit before the end of the storage; the rest go to buf[0 ..]. */
    uint32_t first = ((cap - pos) < len) ? (cap - pos) : len;
    uint8_t *tail = &buf[pos];
    uint32_t i;
    /*@ loop invariant 0 <= i <= first;
        loop invariant \forall integer j; 0 <= j < i ==>
          buf[ring_pos(head, cap, count + j)] == \at(data[j], Pre);
        loop invariant \forall integer j; 0 <= j < count ==>
          buf[ring_pos(head, cap, j)] == \at(buf[ring_pos(head, cap, j)], Pre);
        loop assigns i, buf[pos .. cap - 1];
        loop variant first - i; */
    for (i = 0U; i < first; i++) {
        /*@ assert at: pos + i == ring_pos(head, cap, count + i); */
        /* The next byte goes where no queued or newly written byte is. */
        /*@ assert fresh_old: \forall integer j; 0 <= j < count ==>
              ring_pos(head, cap, j) != pos + i; */
        /*@ assert fresh_new: \forall integer j; 0 <= j < i ==>
              ring_pos(head, cap, count + j) != pos + i; */
        tail[i] = data[i];
        /* The new byte, the earlier ones, then both: small steps z3 proves at
         * once (the invariant in one step took it 50 M steps). */
        /*@ assert written: \forall integer j; j == i ==>
              buf[ring_pos(head, cap, count + j)] == \at(data[j], Pre); */
        /*@ assert earlier_kept: \forall integer j; 0 <= j < i ==>
              buf[ring_pos(head, cap, count + j)] == \at(data[j], Pre); */
        /*@ assert up_to_i: \forall integer j; 0 <= j <= i ==>
              buf[ring_pos(head, cap, count + j)] == \at(data[j], Pre); */
    }
    /*@ loop invariant first <= i <= len;
        loop invariant \forall integer j; 0 <= j < i ==>
          buf[ring_pos(head, cap, count + j)] == \at(data[j], Pre);
        loop invariant \forall integer j; 0 <= j < count ==>
          buf[ring_pos(head, cap, j)] == \at(buf[ring_pos(head, cap, j)], Pre);
        loop assigns i, buf[0 .. cap - 1];
        loop variant len - i; */
    for (i = first; i < len; i++) {
        /*@ assert at_wrapped: i - first == ring_pos(head, cap, count + i); */
        /*@ assert fresh_old_wrapped: \forall integer j; 0 <= j < count ==>
              ring_pos(head, cap, j) != i - first; */
        /*@ assert fresh_new_wrapped: \forall integer j; 0 <= j < i ==>
              ring_pos(head, cap, count + j) != i - first; */
        buf[i - first] = data[i];
        /*@ assert written_wrapped: \forall integer j; j == i ==>
              buf[ring_pos(head, cap, count + j)] == \at(data[j], Pre); */
        /*@ assert earlier_kept_wrapped: \forall integer j; 0 <= j < i ==>
              buf[ring_pos(head, cap, count + j)] == \at(data[j], Pre); */
        /*@ assert up_to_i_wrapped: \forall integer j; 0 <= j <= i ==>
              buf[ring_pos(head, cap, count + j)] == \at(data[j], Pre); */
    }
}

bool sloop_ring_append(sloop_ring *r, const uint8_t *data, uint32_t len)
{
    bool ok = (len <= r->cap - r->count);
    if (ok) {
        ring_put(r->buf, r->cap, r->head, r->count, data, len);
        r->count += len;
    }
    return ok;
}

bool sloop_ring_append2(sloop_ring *r, const uint8_t *a, uint32_t alen, const uint8_t *b,
                        uint32_t blen)
{
    /* The fields are read once: ring_put writes only the storage. alen is
     * checked first, so space - alen cannot wrap, and alen + blen is never
     * formed before it is known to fit. */
    uint8_t *buf = r->buf;
    uint32_t cap = r->cap;
    uint32_t head = r->head;
    uint32_t count = r->count;
    uint32_t space = cap - count;
    bool ok = (alen <= space) && (blen <= (space - alen));
    if (ok) {
        ring_put(buf, cap, head, count, a, alen);
        ring_put(buf, cap, head, count + alen, b, blen);
        r->count = count + alen + blen;
    }
    return ok;
}

uint32_t sloop_ring_views(const sloop_ring *r, sloop_ring_view v[2])
{
    /* Every field is read before v is written, so the proof never needs the
     * fact that v does not alias *r. */
    const uint8_t *buf = r->buf;
    uint32_t head = r->head;
    uint32_t count = r->count;
    uint32_t room_to_end = r->cap - head;
    uint32_t first = count;
    uint32_t n = 1U; /* non-empty views: one unless wrapped or empty */
    if (count > room_to_end) {
        first = room_to_end;
        n = 2U;
    }
    if (count == 0U) {
        n = 0U;
    }
    v[0].data = &buf[head];
    v[0].len = first;
    v[1].data = buf;
    v[1].len = count - first;
    return n;
}

bool sloop_ring_consume(sloop_ring *r, uint32_t n)
{
    bool ok = (n <= r->count);
    if (ok) {
        uint32_t room_to_end = r->cap - r->head;
        uint32_t rest = r->count - n;
        /* Oldest remaining byte: head + n, wrapped once; 0 when none remain,
         * which keeps the next append contiguous. */
        uint32_t head = (n < room_to_end) ? (r->head + n) : (n - room_to_end);
        if (rest == 0U) {
            head = 0U;
        }
        r->head = head;
        r->count = rest;
    }
    return ok;
}
