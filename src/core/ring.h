/*
 * ring.h - fixed byte ring for a connection's transmit queue.
 *
 * Promises: append is all-or-nothing (whole input queued or nothing, returns
 * false), and append2 likewise for two inputs together (a frame's header and
 * payload); bytes leave in the order they were appended; the count never exceeds
 * the capacity. Readable bytes are exposed as at most two contiguous views (one
 * when the data does not wrap), ready for send() or writev() without a copy.
 * The caller owns the storage; the ring never allocates.
 */
#ifndef SLOOP_CORE_RING_H
#define SLOOP_CORE_RING_H

#include <stdbool.h>
#include <stdint.h>

typedef struct sloop_ring {
    uint8_t *buf;   /* caller-owned storage of cap bytes */
    uint32_t cap;   /* capacity in bytes, >= 1 */
    uint32_t head;  /* index of the oldest byte, < cap */
    uint32_t count; /* bytes queued, <= cap */
} sloop_ring;

/* A contiguous run of readable bytes inside the ring. */
typedef struct sloop_ring_view {
    const uint8_t *data;
    uint32_t len;
} sloop_ring_view;

/*
 * ACSL model (proved by proofs/ring, see proofs/ring/README.md).
 *
 * ring_inv: the storage is valid and does not overlap the ring struct, cap >= 1,
 * head < cap and count <= cap. The ring holds count logical bytes 0 .. count-1,
 * oldest first; logical byte i lives at physical index ring_pos(head, cap, i),
 * which for 0 <= i < cap is (head + i) mod cap written without division.
 * Contracts read logical byte i as r->buf[ring_pos(r->head, r->cap, i)].
 *
 * Two things here are deliberate, for the provers (proofs/ring/README.md):
 * no logic function reads the buffer (one did, ring_byte: its uint8_t result
 * made WP add an unsound typing axiom, and z3 timed out on every goal using
 * it), and no lemma about ring_pos is stated (lemmas are hypotheses of every
 * goal; the mod and injectivity lemmas slowed every goal down while no proof
 * needed them: the provers reason about the if-then-else directly).
 */
/*@
  logic integer ring_pos(integer head, integer cap, integer i) =
    head + i < cap ? head + i : head + i - cap;

  predicate ring_readable{L}(sloop_ring *r) =
    \valid_read(r) && 1 <= r->cap && r->head < r->cap && r->count <= r->cap &&
    \valid_read(r->buf + (0 .. r->cap - 1));

  predicate ring_inv{L}(sloop_ring *r) =
    \valid(r) && 1 <= r->cap && r->head < r->cap && r->count <= r->cap &&
    \valid(r->buf + (0 .. r->cap - 1)) && \separated(r, r->buf + (0 .. r->cap - 1));

*/

/* Prepares an empty ring over buf[0 .. cap-1]. cap must be >= 1. */
/*@
  requires \valid(r) && 1 <= cap && \valid(buf + (0 .. cap - 1));
  requires \separated(r, buf + (0 .. cap - 1));
  assigns *r;
  ensures ring_inv(r);
  ensures r->buf == buf && r->cap == cap && r->head == 0 && r->count == 0;
*/
void sloop_ring_init(sloop_ring *r, uint8_t *buf, uint32_t cap);

/* clear, count and space are static inline: the loop calls them on every send
 * and flush, and a call cost more than the one or two instructions of their
 * bodies. Their contracts are proved where ring.c includes this header
 * (proofs/ring); every other translation unit gets the same code. */

/* Empties the ring without touching its storage. */
/*@
  requires ring_inv(r);
  assigns r->head, r->count;
  ensures ring_inv(r);
  ensures r->head == 0 && r->count == 0;
*/
static inline void sloop_ring_clear(sloop_ring *r)
{
    r->head = 0U;
    r->count = 0U;
}

/*@
  requires \valid_read(r);
  assigns \nothing;
  ensures \result == r->count;
*/
static inline uint32_t sloop_ring_count(const sloop_ring *r)
{
    return r->count;
}

/*@
  requires ring_readable(r);
  assigns \nothing;
  ensures \result == r->cap - r->count;
*/
static inline uint32_t sloop_ring_space(const sloop_ring *r)
{
    return r->cap - r->count;
}

/* Queues all len bytes of data, or nothing when they do not fit (returns false). */
/*@
  requires ring_inv(r);
  requires \valid_read(data + (0 .. len - 1));
  requires \separated(data + (0 .. len - 1), r, r->buf + (0 .. r->cap - 1));
  ensures ring_inv(r);
  ensures r->buf == \old(r->buf) && r->cap == \old(r->cap) && r->head == \old(r->head);
  behavior fits:
    assumes len <= r->cap - r->count;
    assigns r->count, r->buf[0 .. r->cap - 1];
    ensures \result;
    ensures r->count == \old(r->count) + len;
    ensures in_order: \forall integer i; 0 <= i < len ==>
              r->buf[ring_pos(r->head, r->cap, \old(r->count) + i)] == data[i];
    ensures old_kept: \forall integer i; 0 <= i < \old(r->count) ==>
              r->buf[ring_pos(r->head, r->cap, i)] == \old(r->buf[ring_pos(r->head, r->cap, i)]);
  behavior full:
    assumes len > r->cap - r->count;
    assigns \nothing;
    ensures !\result;
  complete behaviors;
  disjoint behaviors;
*/
bool sloop_ring_append(sloop_ring *r, const uint8_t *data, uint32_t len);

/* Queues all alen bytes of a then all blen bytes of b (a frame's header and
 * payload), or nothing when the two together do not fit (returns false): one
 * space check instead of two appends. The check does not add alen and blen, so
 * no sum wraps. An empty part still needs a pointer (callers pass a real one,
 * never NULL). */
/*@
  requires ring_inv(r);
  requires \valid_read(a + (0 .. alen - 1));
  requires \valid_read(b + (0 .. blen - 1));
  requires \separated(a + (0 .. alen - 1), r, r->buf + (0 .. r->cap - 1));
  requires \separated(b + (0 .. blen - 1), r, r->buf + (0 .. r->cap - 1));
  ensures ring_inv(r);
  ensures r->buf == \old(r->buf) && r->cap == \old(r->cap) && r->head == \old(r->head);
  behavior fits:
    assumes alen + blen <= r->cap - r->count;
    assigns r->count, r->buf[0 .. r->cap - 1];
    ensures \result;
    ensures r->count == \old(r->count) + alen + blen;
    ensures in_order_a: \forall integer i; 0 <= i < alen ==>
              r->buf[ring_pos(r->head, r->cap, \old(r->count) + i)] == a[i];
    ensures in_order_b: \forall integer i; 0 <= i < blen ==>
              r->buf[ring_pos(r->head, r->cap, \old(r->count) + alen + i)] == b[i];
    ensures old_kept: \forall integer i; 0 <= i < \old(r->count) ==>
              r->buf[ring_pos(r->head, r->cap, i)] == \old(r->buf[ring_pos(r->head, r->cap, i)]);
  behavior full:
    assumes alen + blen > r->cap - r->count;
    assigns \nothing;
    ensures !\result;
  complete behaviors;
  disjoint behaviors;
*/
bool sloop_ring_append2(sloop_ring *r, const uint8_t *a, uint32_t alen, const uint8_t *b,
                        uint32_t blen);

/* Fills v[0] and v[1] with the readable bytes in order and returns how many views
 * are non-empty (0, 1 or 2). Unused views get len 0. */
/* The ring is not written (assigns v only); its fields are quoted as \old(...)
 * so that the prover does not re-derive, for each clause, that the writes to v
 * left *r alone (that made z3 time out). */
/*@
  requires ring_readable(r);
  requires \valid(v + (0 .. 1)) && \separated(v + (0 .. 1), r);
  assigns v[0 .. 1];
  ensures \result == (\old(r->count) == 0 ? 0 : (\old(r->count) <= \old(r->cap) - \old(r->head) ? 1 : 2));
  ensures v[0].len + v[1].len == \old(r->count);
  ensures \result < 2 ==> v[1].len == 0;
  ensures \result == 0 ==> v[0].len == 0;
  ensures \result > 0 ==> v[0].len > 0;
  ensures \result == 2 ==> v[1].len > 0;
  ensures v[0].data == \old(r->buf) + \old(r->head) && v[1].data == \old(r->buf);
  ensures \valid_read(v[0].data + (0 .. v[0].len - 1));
  ensures \valid_read(v[1].data + (0 .. v[1].len - 1));
  ensures in_order_first: \forall integer i; 0 <= i < v[0].len ==>
    v[0].data + i == \old(r->buf) + ring_pos(\old(r->head), \old(r->cap), i);
  ensures in_order_second: \forall integer i; 0 <= i < v[1].len ==>
    v[1].data + i == \old(r->buf) + ring_pos(\old(r->head), \old(r->cap), v[0].len + i);
*/
uint32_t sloop_ring_views(const sloop_ring *r, sloop_ring_view v[2]);

/* Drops the n oldest bytes (after they were sent). Returns false and changes
 * nothing when n exceeds the count. */
/*@
  requires ring_inv(r);
  ensures ring_inv(r);
  ensures r->buf == \old(r->buf) && r->cap == \old(r->cap);
  behavior drop:
    assumes n <= r->count;
    assigns r->head, r->count;
    ensures \result;
    ensures r->count == \old(r->count) - n;
    ensures advances: r->count > 0 ==> r->head == ring_pos(\old(r->head), r->cap, n);
    ensures emptied: r->count == 0 ==> r->head == 0;
    ensures rest_in_order: \forall integer i; 0 <= i < r->count ==>
              r->buf[ring_pos(r->head, r->cap, i)] ==
                \old(r->buf[ring_pos(r->head, r->cap, n + i)]);
  behavior too_many:
    assumes n > r->count;
    assigns \nothing;
    ensures !\result;
  complete behaviors;
  disjoint behaviors;
*/
bool sloop_ring_consume(sloop_ring *r, uint32_t n);

#endif
