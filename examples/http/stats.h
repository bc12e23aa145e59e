/*
 * stats.h - the server's counters as JSON, for GET /stats.
 */
#ifndef HTTP_STATS_H
#define HTTP_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "sloop.h"

/* What the HTTP layer counts on top of the loop's sloop_counters. */
typedef struct http_app_counters {
    uint64_t requests;        /* request heads parsed (valid or not) */
    uint64_t bodies;          /* request bodies received */
    uint64_t status[6];       /* responses by class: [1] 1xx ... [5] 5xx */
    uint64_t timeouts_408;    /* 408 sent from on_frame_error (slow peer) */
    uint64_t too_large_431;   /* 431 sent from on_frame_error (head too long) */
    uint64_t pipelined_max;   /* most responses owed at once on one connection */
    uint64_t owed_overflow;   /* connections aborted: owed queue full (never expected) */
    uint64_t final_lost;      /* a final 408/431 that found the transmit buffer full */
    uint64_t internal_500;    /* /stats JSON did not fit (never expected) */
} http_app_counters;

/* Writes the JSON object into out (cap bytes). Returns its length, or 0 if it
 * did not fit. */
size_t http_stats_json(const sloop_loop *loop, const http_app_counters *app, char *out,
                       size_t cap);

#endif
