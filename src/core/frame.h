/*
 * frame.h - incremental frame decoder for partial reads, and the length encoder.
 *
 * A decoder is fed a byte stream in chunks of any size. Whatever the split, it
 * yields the same frames (chunking invariance, fuzzed in fuzz/frame.c). Modes:
 *   RAW     every chunk is delivered as it comes, at most max_payload bytes each;
 *   LENGTH  a 1, 2 or 4 byte big-endian length, then that many payload bytes
 *           (zero-length frames allowed; a length above max_payload is an error);
 *   DELIM   payload ended by a 1..4 byte delimiter, which is not part of the frame
 *           (a payload that grows past max_payload is an error).
 * Frames lying wholly inside one fed chunk are returned in place (no copy); only a
 * frame that spans chunks is assembled in the caller's buffer. After an error the
 * decoder refuses all input, returning the same error, until it is reset.
 *
 * Between frames, sloop_frame_decoder_expect(d, n) makes the next n bytes of the
 * stream one frame, whatever the mode (no header, no delimiter): an HTTP body of
 * Content-Length n after its head, say. The mode resumes after that frame.
 */
#ifndef SLOOP_CORE_FRAME_H
#define SLOOP_CORE_FRAME_H

#include <stdbool.h>
#include <stdint.h>

#define SLOOP_FRAME_MAX_HEADER 4U
#define SLOOP_FRAME_MAX_DELIM 4U

typedef enum sloop_frame_mode {
    SLOOP_FRAME_RAW = 0,
    SLOOP_FRAME_LENGTH = 1,
    SLOOP_FRAME_DELIM = 2
} sloop_frame_mode;

typedef struct sloop_frame_config {
    sloop_frame_mode mode;
    uint8_t header_size;                  /* LENGTH: 1, 2 or 4 */
    uint8_t delim_len;                    /* DELIM: 1 .. 4 */
    uint8_t delim[SLOOP_FRAME_MAX_DELIM]; /* DELIM: the delimiter bytes */
    uint32_t max_payload;                 /* largest payload; RAW: largest chunk, >= 1 */
} sloop_frame_config;

typedef enum sloop_frame_status {
    SLOOP_FRAME_NEED_MORE = 0, /* all input consumed, no frame complete yet */
    SLOOP_FRAME_READY = 1,     /* *frame holds one complete frame */
    SLOOP_FRAME_TOO_BIG = 2,   /* LENGTH: header announced more than max_payload */
    SLOOP_FRAME_TOO_LONG = 3   /* DELIM: no delimiter within max_payload bytes */
} sloop_frame_status;

typedef struct sloop_frame {
    const uint8_t *data; /* into the fed chunk or the decoder's buffer */
    uint32_t len;
} sloop_frame;

typedef struct sloop_frame_decoder {
    sloop_frame_config cfg;
    uint8_t *buf;        /* caller-owned assembly buffer */
    uint32_t cap;        /* its size */
    uint32_t fill;       /* bytes of the current frame held in buf */
    uint32_t length;      /* LENGTH: header value so far; expecting: the expected size */
    /* The small state fields below are uint32_t, not uint8_t, on purpose: the
     * proof's memory model (Frama-C WP, typed) keeps each integer type in its
     * own array, so a write to the uint8_t assembly buffer then cannot touch
     * them and the provers need no separation argument per field
     * (proofs/frame/README.md). */
    uint32_t header_have; /* LENGTH: header bytes seen, 0 .. header_size */
    uint32_t match;       /* DELIM: delimiter bytes matched at the end of the frame */
    uint32_t failed;      /* sloop_frame_status of a sticky error, 0 when none */
    uint32_t expecting;   /* 1: the next frame is the next `length` bytes (expect) */
} sloop_frame_decoder;

/* True when cfg is usable with an assembly buffer of cap bytes: LENGTH needs
 * header_size 1, 2 or 4 and max_payload <= cap; DELIM needs delim_len 1..4 and
 * max_payload + delim_len <= cap; RAW needs max_payload >= 1. */
bool sloop_frame_config_valid(const sloop_frame_config *cfg, uint32_t cap);

/* Prepares a decoder over buf[0 .. cap-1]. Returns false (decoder unusable) when
 * the config is not valid for cap. */
bool sloop_frame_decoder_init(sloop_frame_decoder *d, const sloop_frame_config *cfg,
                              uint8_t *buf, uint32_t cap);

/* Forgets any partial frame, any pending expect and any sticky error. */
void sloop_frame_decoder_reset(sloop_frame_decoder *d);

/* True while part of a frame has arrived but not all of it, or an expected frame
 * (sloop_frame_decoder_expect) is pending: the frame was announced, so the
 * slow-peer timeout it drives covers the wait for its first byte too. */
/* Inline: the loop asks it after every read (the slow-peer clock), where a call
 * cost more than the test. Proved with frame.c (proofs/frame). */
/*@ requires \valid_read(d);
    assigns \nothing;
    ensures \result == 0 || \result == 1;
    ensures \result == 1 <==> (d->fill > 0 || d->header_have > 0 || d->expecting != 0);
*/
static inline bool sloop_frame_decoder_in_frame(const sloop_frame_decoder *d)
{
    return (d->fill > 0U) || (d->header_have > 0U) || (d->expecting != 0U);
}

/* One-shot fixed-length frame: the next frame feed() delivers is exactly the next
 * n bytes of the stream (no header, no delimiter), in any mode; afterwards the
 * decoder continues in its configured mode. Zero copy when the n bytes lie in one
 * fed chunk. Returns false and changes nothing when the decoder has a sticky
 * error, is inside a frame (in_frame, which includes a pending expect), n is 0,
 * n > cfg.max_payload, or n > the buffer size (only possible in RAW mode, whose
 * config does not bound max_payload by it). reset() cancels a pending expect. */
bool sloop_frame_decoder_expect(sloop_frame_decoder *d, uint32_t n);

/* Consumes input up to the end of at most one frame and reports *consumed
 * (<= len). READY: *frame is valid until the next feed or reset and while `in`
 * is unchanged; feed the remaining input again. NEED_MORE: all input consumed.
 * TOO_BIG / TOO_LONG: the offending bytes were consumed; every later feed returns
 * the same status and consumes nothing. */
sloop_frame_status sloop_frame_decoder_feed(sloop_frame_decoder *d, const uint8_t *in,
                                            uint32_t len, uint32_t *consumed,
                                            sloop_frame *frame);

/* Writes the big-endian LENGTH header for a payload of len bytes into out and its
 * size into *out_len. False (nothing written) unless cfg is LENGTH mode and len is
 * <= max_payload and representable in header_size bytes. */
bool sloop_frame_encode_header(const sloop_frame_config *cfg, uint32_t len,
                               uint8_t out[SLOOP_FRAME_MAX_HEADER], uint32_t *out_len);

#endif
