/*
 * ring.h - fixed byte ring for a connection's transmit queue.
 *
 * Promises: append is all-or-nothing (whole input queued or nothing, returns
 * false); bytes leave in the order they were appended; the count never exceeds
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

/* Prepares an empty ring over buf[0 .. cap-1]. cap must be >= 1. */
void sloop_ring_init(sloop_ring *r, uint8_t *buf, uint32_t cap);

/* Empties the ring without touching its storage. */
void sloop_ring_clear(sloop_ring *r);

uint32_t sloop_ring_count(const sloop_ring *r);
uint32_t sloop_ring_space(const sloop_ring *r);

/* Queues all len bytes of data, or nothing when they do not fit (returns false). */
bool sloop_ring_append(sloop_ring *r, const uint8_t *data, uint32_t len);

/* Fills v[0] and v[1] with the readable bytes in order and returns how many views
 * are non-empty (0, 1 or 2). Unused views get len 0. */
uint32_t sloop_ring_views(const sloop_ring *r, sloop_ring_view v[2]);

/* Drops the n oldest bytes (after they were sent). Returns false and changes
 * nothing when n exceeds the count. */
bool sloop_ring_consume(sloop_ring *r, uint32_t n);

#endif
