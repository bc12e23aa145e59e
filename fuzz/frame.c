/*
 * fuzz/frame.c - properties of the incremental frame decoder (src/core/frame.c).
 *
 * Checked on every input:
 *  1. Config validity: sloop_frame_config_valid() agrees with a 64-bit restatement of
 *     frame.h's rules, for the fuzzed config and for extreme max_payload/cap values.
 *     A decoder whose init failed refuses all input (error status, nothing
 *     consumed), also after sloop_frame_decoder_reset().
 *  2. Reference decoder: the stream, decoded in the fuzzed chunks and decoded whole,
 *     gives exactly the events (frame bytes, frame count, error statuses, and the
 *     stream offset at which each was reported) of ref_decode(), a byte-at-a-time
 *     decoder with no cleverness. After an error both restart on the next byte
 *     (the real decoder via reset), so one input tests many frames and errors.
 *     In LENGTH and DELIM modes the chunked and whole decodes are also compared
 *     with each other directly; in RAW mode their frames concatenate to the stream.
 *  3. Per feed: consumed <= len; READY consumes >= 1 byte and its frame fits
 *     max_payload and lies inside the fed input or the assembly buffer; a frame that
 *     lies wholly inside the fed input is returned in place; NEED_MORE consumes
 *     everything; sloop_frame_decoder_in_frame() matches the reference after every
 *     feed; errors are sticky (same status, nothing consumed) until reset.
 *  5. One-shot fixed-length frames (sloop_frame_decoder_expect), when [8] bit 7 is
 *     set: after frame number first, first + step, first + 2*step, ... both the
 *     real decoder and the reference call expect(n) with n drawn from 0 ..
 *     max_payload + 1 (so 0 and too-big values are refused); the reference
 *     accepts exactly when n is 1 .. max_payload and fits the buffer, and the
 *     real decoder's answer must agree. An accepted expect makes the next n
 *     stream bytes one frame in every mode, so the checks of 2 and 3 (chunking
 *     invariance, in place, in_frame) cover expected frames too. While in_frame
 *     (a partial frame or a pending expect) and after an error, expect must be
 *     refused and change nothing.
 *  4. LENGTH round trip: payload lengths <= max_payload + 1 are encoded with
 *     sloop_frame_encode_header() (accepted exactly when they should be; a refusal
 *     writes nothing), concatenated with their payloads, and decoded in chunks: the
 *     decoder gives back exactly those payloads. Non-LENGTH configs never encode;
 *     lengths around 2^8, 2^16, 2^32 encode exactly when the header can hold them.
 *
 * Input layout (missing bytes read as 0):
 *   [0]     mode:       < 0xF0: RAW, LENGTH, DELIM by value % 3; else the raw value
 *   [1]     header:     < 0xF0: 1, 2, 4 by value % 3; else value & 15 (mostly invalid)
 *   [2]     delim_len:  < 0xF0: 1 + value % 4; else value & 15 (0, 5..15 invalid)
 *   [3..6]  delimiter bytes
 *   [7..8]  max_payload = [7] + 256 * ([8] & 15); ([8] >> 4) & 7 = cap slack: the
 *           assembly buffer is (minimum for the config) - 1 + slack bytes, so a
 *           slack of 0 makes the config invalid for it; [8] & 0x80: expect ops
 *           on (then RAW's minimum buffer is max_payload, else 0)
 *   [9..12] an extreme max_payload for the config-validity checks; with expect
 *           ops on also their plan: first = 1 + (alt & 7), step = 1 + ((alt >> 3)
 *           & 3), n for the k-th frame = ((alt >> 5) + 13 * k) % (max_payload + 2)
 *   [13]    plan length k = value % 17 (0: the stream is fed as one chunk)
 *   [..k]   chunk sizes, used cyclically; 0 feeds an empty chunk
 *   [rest]  the stream (at most FRAME_MAX_STREAM bytes)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/frame.h"
#include "fuzz.h"

#define FRAME_MAX_STREAM 4096U
#define FRAME_MAX_ENC 8192U                     /* round-trip stream */
#define FRAME_MAX_EVENTS (FRAME_MAX_ENC + 2U)   /* each event consumes >= 1 byte */
#define FRAME_EV_FRAME 255U                     /* event kind of a frame; else a status */

typedef struct frame_event {
    uint8_t kind;     /* FRAME_EV_FRAME or the error status */
    bool in_place;    /* real decoder: frame data points into the fed input */
    uint32_t len;     /* frame length */
    uint32_t off;     /* frame bytes at trace.bytes[off] */
    uint32_t end;     /* stream offset just after the frame or the offending byte */
    uint32_t start;   /* reference: stream offset where the frame (header) began */
    uint32_t slice;   /* real decoder: stream offset of the fed input */
} frame_event;

typedef struct frame_trace {
    frame_event ev[FRAME_MAX_EVENTS];
    uint32_t nev;
    uint8_t bytes[FRAME_MAX_ENC];
    uint32_t nbytes;
    bool in_frame_end; /* a partial frame is pending after the whole stream */
} frame_trace;

typedef struct frame_plan {
    const uint8_t *p;
    uint32_t k;
} frame_plan;

/* When to call sloop_frame_decoder_expect, and with what (property 5). */
typedef struct frame_xplan {
    bool on;
    uint32_t first; /* after this many frames (>= 1) */
    uint32_t step;  /* then every step frames (>= 1) */
    uint32_t seed;  /* n for the k-th frame: (seed + 13 * k) % (max_payload + 2) */
} frame_xplan;

static const frame_xplan g_no_expect = { false, 1U, 1U, 0U };

typedef struct frame_chunker {
    frame_plan plan;
    uint32_t idx;
    bool last_zero;
} frame_chunker;

static frame_trace g_ref;
static frame_trace g_real;
static frame_trace g_ref_whole;
static frame_trace g_real_whole;
static frame_trace g_expect;
static uint8_t g_in_frame[FRAME_MAX_ENC + 1U]; /* reference: partial frame after pos bytes */
static uint8_t g_enc[FRAME_MAX_ENC];

/* ---- helpers ---------------------------------------------------------------- */

static void chunker_init(frame_chunker *c, const frame_plan *plan)
{
    c->plan = *plan;
    c->idx = 0U;
    c->last_zero = false;
}

/* Next chunk size, at most remaining. An empty chunk is never followed by another. */
static uint32_t chunker_next(frame_chunker *c, uint32_t remaining)
{
    uint32_t size = remaining;
    if (c->plan.k > 0U) {
        uint8_t v = c->plan.p[c->idx % c->plan.k];
        c->idx++;
        if ((v == 0U) && !c->last_zero) {
            c->last_zero = true;
            return 0U;
        }
        c->last_zero = false;
        size = (v == 0U) ? 1U : v;
        if (size > remaining) {
            size = remaining;
        }
    }
    return size;
}

static void trace_reset(frame_trace *t)
{
    t->nev = 0U;
    t->nbytes = 0U;
    t->in_frame_end = false;
}

static frame_event *trace_frame(frame_trace *t, const uint8_t *data, uint32_t len,
                                uint32_t start, uint32_t end)
{
    frame_event *e;
    FUZZ_CHECK(t->nev < FRAME_MAX_EVENTS);
    FUZZ_CHECK(len <= FRAME_MAX_ENC - t->nbytes);
    e = &t->ev[t->nev];
    t->nev++;
    e->kind = FRAME_EV_FRAME;
    e->in_place = false;
    e->len = len;
    e->off = t->nbytes;
    e->end = end;
    e->start = start;
    e->slice = start;
    if (len > 0U) {
        memcpy(&t->bytes[t->nbytes], data, len);
    }
    t->nbytes += len;
    return e;
}

static void trace_error(frame_trace *t, sloop_frame_status st, uint32_t end)
{
    frame_event *e;
    FUZZ_CHECK(t->nev < FRAME_MAX_EVENTS);
    e = &t->ev[t->nev];
    t->nev++;
    e->kind = (uint8_t)st;
    e->in_place = false;
    e->len = 0U;
    e->off = t->nbytes;
    e->end = end;
    e->start = end;
    e->slice = end;
}

/* p[0 .. len) lies inside base[0 .. size), compared as addresses. */
static bool within(const uint8_t *p, uint32_t len, const uint8_t *base, uint32_t size)
{
    uintptr_t a = (uintptr_t)p;
    uintptr_t b = (uintptr_t)base;
    return (p != NULL || len == 0U) && (base != NULL || size == 0U) && (a >= b) &&
           ((a - b) <= size) && (len <= size - (uint32_t)(a - b));
}

/* Same events, in the same order, at the same stream offsets, with the same bytes.
 * `real` may be a real decoder's trace: then a frame the reference saw begin inside
 * the fed input must have been returned in place. */
static void compare_traces(const frame_trace *ref, const frame_trace *got, bool got_is_real)
{
    uint32_t i;
    FUZZ_CHECK_EQ(got->nev, ref->nev);
    for (i = 0U; i < ref->nev; i++) {
        const frame_event *a = &ref->ev[i];
        const frame_event *b = &got->ev[i];
        FUZZ_CHECK_EQ(b->kind, a->kind);
        FUZZ_CHECK_EQ(b->end, a->end);
        FUZZ_CHECK_EQ(b->len, a->len);
        FUZZ_CHECK(memcmp(&got->bytes[b->off], &ref->bytes[a->off], a->len) == 0);
        if (got_is_real && (a->kind == FRAME_EV_FRAME) && (a->start >= b->slice)) {
            FUZZ_CHECK(b->in_place);
        }
    }
    FUZZ_CHECK_EQ(got->in_frame_end, ref->in_frame_end);
}

/* ---- the reference ------------------------------------------------------------ */

/* Whether an expect is due once `frames` frames have been delivered, and its n. */
static bool xplan_due(const frame_xplan *x, uint32_t frames, const sloop_frame_config *cfg,
                      uint32_t *n)
{
    if (!x->on || (frames < x->first) || (((frames - x->first) % x->step) != 0U)) {
        return false;
    }
    *n = (uint32_t)(((uint64_t)x->seed + (13U * (uint64_t)frames)) %
                    ((uint64_t)cfg->max_payload + 2U));
    return true;
}

/* The reference's answer to expect(n) at a frame boundary (never inside a frame). */
static bool ref_expect_ok(const sloop_frame_config *cfg, uint32_t cap, uint32_t n)
{
    return (n >= 1U) && (n <= cfg->max_payload) && (n <= cap);
}

static bool ref_config_valid(const sloop_frame_config *c, uint32_t cap)
{
    bool ok;
    if (c->mode == SLOOP_FRAME_RAW) {
        ok = c->max_payload >= 1U;
    } else if (c->mode == SLOOP_FRAME_LENGTH) {
        ok = ((c->header_size == 1U) || (c->header_size == 2U) || (c->header_size == 4U)) &&
             (c->max_payload <= cap);
    } else if (c->mode == SLOOP_FRAME_DELIM) {
        ok = (c->delim_len >= 1U) && (c->delim_len <= 4U) &&
             ((uint64_t)c->max_payload + c->delim_len <= (uint64_t)cap);
    } else {
        ok = false;
    }
    return ok;
}

/* Decodes s[0 .. n) one byte at a time. RAW frames depend on the chunks, so RAW
 * follows the plan; the other modes ignore it. After an error the reference starts
 * a new frame at the next byte. An accepted expect makes the next xn bytes one
 * frame, in every mode. Fills g_in_frame[0 .. n]. */
static void ref_decode(const sloop_frame_config *cfg, uint32_t cap, const uint8_t *s,
                       uint32_t n, const frame_plan *plan, const frame_xplan *x,
                       frame_trace *t)
{
    uint32_t start = 0U; /* where the current frame began */
    uint32_t hdr_have = 0U;
    uint64_t hdr_val = 0U;
    uint32_t frames = 0U;
    uint32_t xleft = 0U; /* bytes of an expected frame still to come; 0: none */
    uint32_t xn = 0U;
    uint32_t i;

/* After each frame: count it and maybe expect, as real_decode does. */
#define REF_FRAME_DONE(at)                                                                 \
    do {                                                                                   \
        uint32_t want_;                                                                    \
        frames++;                                                                          \
        if (xplan_due(x, frames, cfg, &want_) && ref_expect_ok(cfg, cap, want_)) {         \
            xleft = want_;                                                                 \
            xn = want_;                                                                    \
            start = (at);                                                                  \
        }                                                                                  \
    } while (0)

    trace_reset(t);
    memset(g_in_frame, 0, (size_t)n + 1U);
    if (cfg->mode == SLOOP_FRAME_RAW) {
        frame_chunker ch;
        uint32_t pos = 0U;
        chunker_init(&ch, plan);
        while (pos < n) {
            uint32_t size = chunker_next(&ch, n - pos);
            uint32_t off = 0U;
            while (off < size) {
                uint32_t take = size - off;
                if (xleft > 0U) {
                    if (take > xleft) {
                        take = xleft;
                    }
                    xleft -= take;
                    off += take;
                    if (xleft == 0U) {
                        (void)trace_frame(t, &s[start], xn, start, pos + off);
                        REF_FRAME_DONE(pos + off);
                    }
                } else {
                    if (take > cfg->max_payload) {
                        take = cfg->max_payload;
                    }
                    (void)trace_frame(t, &s[pos + off], take, pos + off, pos + off + take);
                    off += take;
                    REF_FRAME_DONE(pos + off);
                }
                g_in_frame[pos + off] = (xleft > 0U) ? 1U : 0U;
            }
            pos += size;
        }
        t->in_frame_end = (xleft > 0U);
        return;
    }

    for (i = 0U; i < n; i++) {
        uint32_t end = i + 1U;
        if (xleft > 0U) {
            xleft--;
            if (xleft == 0U) {
                (void)trace_frame(t, &s[start], xn, start, end);
                start = end;
                REF_FRAME_DONE(end);
            }
        } else if (cfg->mode == SLOOP_FRAME_LENGTH) {
            if (hdr_have < cfg->header_size) {
                hdr_val = (hdr_val * 256U) + s[i];
                hdr_have++;
                if (hdr_have == cfg->header_size) {
                    if (hdr_val > cfg->max_payload) {
                        trace_error(t, SLOOP_FRAME_TOO_BIG, end);
                        start = end;
                        hdr_have = 0U;
                        hdr_val = 0U;
                    } else if (hdr_val == 0U) {
                        (void)trace_frame(t, &s[end], 0U, start, end);
                        start = end;
                        hdr_have = 0U;
                        REF_FRAME_DONE(end);
                    } else {
                        /* payload follows */
                    }
                }
            } else if ((uint64_t)(end - start - cfg->header_size) == hdr_val) {
                (void)trace_frame(t, &s[start + cfg->header_size], (uint32_t)hdr_val, start, end);
                start = end;
                hdr_have = 0U;
                hdr_val = 0U;
                REF_FRAME_DONE(end);
            } else {
                /* more payload to come */
            }
        } else { /* DELIM */
            uint32_t cur = end - start;
            uint32_t dl = cfg->delim_len;
            if ((cur >= dl) && (memcmp(&s[end - dl], cfg->delim, dl) == 0)) {
                (void)trace_frame(t, &s[start], cur - dl, start, end);
                start = end;
                REF_FRAME_DONE(end);
            } else {
                /* k = longest tail of the current frame that could still begin the
                 * delimiter; the payload is then at least cur - k bytes. */
                uint32_t k = (cur < dl - 1U) ? cur : dl - 1U;
                while ((k > 0U) && (memcmp(&s[end - k], cfg->delim, k) != 0)) {
                    k--;
                }
                if (cur - k > cfg->max_payload) {
                    trace_error(t, SLOOP_FRAME_TOO_LONG, end);
                    start = end;
                }
            }
        }
        g_in_frame[end] = ((start != end) || (xleft > 0U)) ? 1U : 0U;
    }
    t->in_frame_end = (start != n) || (xleft > 0U);
#undef REF_FRAME_DONE
}

/* ---- the real decoder ----------------------------------------------------------- */

static void check_sticky(sloop_frame_decoder *d, sloop_frame_status st, const uint8_t *rest,
                         uint32_t rest_len)
{
    static const uint8_t one[1] = { 0U };
    uint32_t consumed = 12345U;
    sloop_frame fr = { NULL, 0U };
    FUZZ_CHECK_EQ(sloop_frame_decoder_feed(d, rest, rest_len, &consumed, &fr), st);
    FUZZ_CHECK_EQ(consumed, 0U);
    consumed = 12345U;
    FUZZ_CHECK_EQ(sloop_frame_decoder_feed(d, one, 1U, &consumed, &fr), st);
    FUZZ_CHECK_EQ(consumed, 0U);
    consumed = 12345U;
    FUZZ_CHECK_EQ(sloop_frame_decoder_feed(d, one, 0U, &consumed, &fr), st);
    FUZZ_CHECK_EQ(consumed, 0U);
}

/* Feeds s[0 .. n) in the plan's chunks (each chunk until NEED_MORE), records the
 * events, and checks the per-feed properties against g_in_frame (filled by
 * ref_decode on the same stream). After an error: sticky check, reset, go on. */
static void real_decode(const sloop_frame_config *cfg, uint32_t cap, const uint8_t *s,
                        uint32_t n, const frame_plan *plan, const frame_xplan *x,
                        frame_trace *t)
{
    sloop_frame_decoder d;
    frame_chunker ch;
    uint8_t *buf = malloc(cap); /* exact size: ASan sees any overrun */
    uint32_t pos = 0U;
    uint32_t frames = 0U;
    bool first = true;

    FUZZ_CHECK(cap == 0U || buf != NULL);
    FUZZ_CHECK(sloop_frame_decoder_init(&d, cfg, buf, cap));
    FUZZ_CHECK(!sloop_frame_decoder_in_frame(&d));
    trace_reset(t);
    chunker_init(&ch, plan);
    while ((pos < n) || first) {
        uint32_t size = chunker_next(&ch, n - pos);
        uint32_t off = 0U;
        uint32_t iter;
        first = false;
        for (iter = 0U;; iter++) {
            const uint8_t *in = &s[pos + off];
            uint32_t len = size - off;
            uint32_t consumed = 0xA5A5A5A5U;
            sloop_frame fr = { NULL, 0xA5A5A5A5U };
            sloop_frame_status st;
            uint32_t at;

            FUZZ_CHECK(iter <= size + 1U); /* READY always makes progress */
            st = sloop_frame_decoder_feed(&d, in, len, &consumed, &fr);
            FUZZ_CHECK(consumed <= len);
            at = pos + off + consumed;
            if (st == SLOOP_FRAME_READY) {
                bool in_slice = within(fr.data, fr.len, in, len);
                frame_event *e;
                FUZZ_CHECK(consumed >= 1U);
                FUZZ_CHECK(fr.len <= cfg->max_payload);
                FUZZ_CHECK(in_slice || within(fr.data, fr.len, buf, cap));
                e = trace_frame(t, fr.data, fr.len, pos + off, at);
                e->in_place = in_slice;
                frames++;
                {
                    uint32_t want = 0U;
                    if (xplan_due(x, frames, cfg, &want)) {
                        FUZZ_CHECK_EQ(sloop_frame_decoder_expect(&d, want),
                                      ref_expect_ok(cfg, cap, want));
                    }
                }
                FUZZ_CHECK_EQ(sloop_frame_decoder_in_frame(&d), g_in_frame[at]);
                off += consumed;
            } else if (st == SLOOP_FRAME_NEED_MORE) {
                FUZZ_CHECK_EQ(consumed, len);
                FUZZ_CHECK_EQ(sloop_frame_decoder_in_frame(&d), g_in_frame[at]);
                if (g_in_frame[at] != 0U) {
                    /* Inside a frame (or an expect pending): refused, no change. */
                    FUZZ_CHECK(!sloop_frame_decoder_expect(&d, 1U));
                    FUZZ_CHECK(sloop_frame_decoder_in_frame(&d));
                }
                break;
            } else if (((st == SLOOP_FRAME_TOO_BIG) && (cfg->mode == SLOOP_FRAME_LENGTH)) ||
                       ((st == SLOOP_FRAME_TOO_LONG) && (cfg->mode == SLOOP_FRAME_DELIM))) {
                FUZZ_CHECK(consumed >= 1U);
                trace_error(t, st, at);
                FUZZ_CHECK(!sloop_frame_decoder_expect(&d, 1U)); /* sticky error */
                check_sticky(&d, st, &in[consumed], len - consumed);
                sloop_frame_decoder_reset(&d);
                FUZZ_CHECK(!sloop_frame_decoder_in_frame(&d));
                off += consumed;
            } else {
                FUZZ_FAIL("status impossible for this mode");
            }
        }
        pos += size;
    }
    t->in_frame_end = sloop_frame_decoder_in_frame(&d);
    free(buf);
}

/* ---- properties ------------------------------------------------------------------ */

static void check_config_valid(const sloop_frame_config *cfg, uint32_t cap, uint32_t alt)
{
    const uint32_t maxes[3] = { cfg->max_payload, alt, UINT32_MAX };
    uint32_t m;
    for (m = 0U; m < 3U; m++) {
        sloop_frame_config c = *cfg;
        const uint32_t caps[7] = { cap, 0U, UINT32_MAX, alt, alt + 3U, maxes[m],
                                   maxes[m] + c.delim_len - 1U };
        uint32_t i;
        c.max_payload = maxes[m];
        for (i = 0U; i < 7U; i++) {
            FUZZ_CHECK_EQ(sloop_frame_config_valid(&c, caps[i]), ref_config_valid(&c, caps[i]));
        }
    }
}

/* A decoder whose init failed refuses everything, before and after a reset. */
static void check_unusable(const sloop_frame_config *cfg, uint32_t cap, const uint8_t *s,
                           uint32_t n)
{
    sloop_frame_decoder d;
    uint8_t *buf = malloc(cap);
    uint32_t round;
    FUZZ_CHECK(!sloop_frame_decoder_init(&d, cfg, buf, cap));
    for (round = 0U; round < 2U; round++) {
        uint32_t consumed = 12345U;
        sloop_frame fr = { NULL, 0U };
        sloop_frame_status st = sloop_frame_decoder_feed(&d, s, n, &consumed, &fr);
        FUZZ_CHECK((st == SLOOP_FRAME_TOO_BIG) || (st == SLOOP_FRAME_TOO_LONG));
        FUZZ_CHECK_EQ(consumed, 0U);
        FUZZ_CHECK(!sloop_frame_decoder_expect(&d, 1U));
        sloop_frame_decoder_reset(&d);
    }
    free(buf);
}

static void check_decode(const sloop_frame_config *cfg, uint32_t cap, const uint8_t *s,
                         uint32_t n, const frame_plan *plan, const frame_xplan *x)
{
    static const frame_plan whole = { NULL, 0U };

    ref_decode(cfg, cap, s, n, &whole, x, &g_ref_whole);
    real_decode(cfg, cap, s, n, &whole, x, &g_real_whole);
    compare_traces(&g_ref_whole, &g_real_whole, true);

    if (cfg->mode == SLOOP_FRAME_RAW) {
        /* RAW frames depend on the plan: g_in_frame is refilled for it. */
        ref_decode(cfg, cap, s, n, plan, x, &g_ref);
        real_decode(cfg, cap, s, n, plan, x, &g_real);
        compare_traces(&g_ref, &g_real, true);
        /* The frames concatenate to the stream, but for an expected frame
         * still incomplete at its end. */
        FUZZ_CHECK(g_real.nbytes <= n && g_real_whole.nbytes <= n);
        FUZZ_CHECK(g_real.nbytes == 0U || memcmp(g_real.bytes, s, g_real.nbytes) == 0);
        FUZZ_CHECK(g_real_whole.nbytes == 0U ||
                   memcmp(g_real_whole.bytes, s, g_real_whole.nbytes) == 0);
        FUZZ_CHECK(g_real.in_frame_end || g_real.nbytes == n);
        FUZZ_CHECK(g_real_whole.in_frame_end || g_real_whole.nbytes == n);
    } else {
        /* The reference ignores chunking here: chunked must equal whole. */
        real_decode(cfg, cap, s, n, plan, x, &g_real);
        compare_traces(&g_ref_whole, &g_real, true);
        compare_traces(&g_real_whole, &g_real, false);
    }
}

static void check_roundtrip(const sloop_frame_config *cfg, uint32_t cap, const uint8_t *s,
                            uint32_t n, const frame_plan *plan)
{
    fuzz_in in = { s, n };
    uint32_t enc_len = 0U;
    const uint32_t hs = cfg->header_size;

    trace_reset(&g_expect);
    while (fuzz_left(&in) >= 2U) {
        uint32_t len = fuzz_u16(&in) % (cfg->max_payload + 2U);
        uint8_t hdr[SLOOP_FRAME_MAX_HEADER] = { 0xEEU, 0xEEU, 0xEEU, 0xEEU };
        uint32_t hlen = 0xEEEEU;
        bool want = (len <= cfg->max_payload) &&
                    ((hs == 4U) || ((hs == 2U) && (len <= 0xFFFFU)) ||
                     ((hs == 1U) && (len <= 0xFFU)));
        bool ok = sloop_frame_encode_header(cfg, len, hdr, &hlen);
        uint64_t v = 0U;
        uint32_t i;

        FUZZ_CHECK_EQ(ok, want);
        if (!ok) {
            FUZZ_CHECK(hdr[0] == 0xEEU && hdr[1] == 0xEEU && hdr[2] == 0xEEU && hdr[3] == 0xEEU);
            FUZZ_CHECK_EQ(hlen, 0xEEEEU);
            continue;
        }
        FUZZ_CHECK_EQ(hlen, hs);
        for (i = 0U; i < hs; i++) {
            v = (v * 256U) + hdr[i];
        }
        FUZZ_CHECK_EQ(v, len);
        if (hs + len > FRAME_MAX_ENC - enc_len) {
            break;
        }
        memcpy(&g_enc[enc_len], hdr, hs);
        for (i = 0U; i < len; i++) {
            g_enc[enc_len + hs + i] =
                (fuzz_left(&in) > 0U) ? fuzz_u8(&in) : (uint8_t)((i * 31U) + len);
        }
        (void)trace_frame(&g_expect, &g_enc[enc_len + hs], len, enc_len, enc_len + hs + len);
        enc_len += hs + len;
    }

    ref_decode(cfg, cap, g_enc, enc_len, plan, &g_no_expect, &g_ref);
    compare_traces(&g_expect, &g_ref, false);
    real_decode(cfg, cap, g_enc, enc_len, plan, &g_no_expect, &g_real);
    compare_traces(&g_expect, &g_real, true);
}

/* The encoder on its own, with lengths and limits the decoder's buffer could not
 * hold: every header size (and the fuzzed one), around each representable limit. */
static void check_encode_extremes(const sloop_frame_config *cfg, uint32_t alt)
{
    static const uint8_t sizes[4] = { 1U, 2U, 4U, 3U };
    const uint32_t lens[8] = { 0xFFU, 0x100U, 0xFFFFU, 0x10000U, UINT32_MAX, alt, alt + 1U,
                               cfg->max_payload };
    uint32_t s;
    for (s = 0U; s < 5U; s++) {
        sloop_frame_config c = *cfg;
        uint32_t i;
        c.mode = SLOOP_FRAME_LENGTH;
        c.header_size = (s < 4U) ? sizes[s] : cfg->header_size;
        c.max_payload = (alt % 2U == 0U) ? UINT32_MAX : alt;
        for (i = 0U; i < 8U; i++) {
            uint8_t hdr[SLOOP_FRAME_MAX_HEADER] = { 0xEEU, 0xEEU, 0xEEU, 0xEEU };
            uint32_t hlen = 0xEEEEU;
            uint32_t len = lens[i];
            bool want = (len <= c.max_payload) &&
                        ((c.header_size == 4U) || ((c.header_size == 2U) && (len <= 0xFFFFU)) ||
                         ((c.header_size == 1U) && (len <= 0xFFU)));
            FUZZ_CHECK_EQ(sloop_frame_encode_header(&c, len, hdr, &hlen), want);
            if (want) {
                uint64_t v = 0U;
                uint32_t k;
                FUZZ_CHECK_EQ(hlen, c.header_size);
                for (k = 0U; k < hlen; k++) {
                    v = (v * 256U) + hdr[k];
                }
                FUZZ_CHECK_EQ(v, len);
            } else {
                FUZZ_CHECK(hdr[0] == 0xEEU && hdr[3] == 0xEEU && hlen == 0xEEEEU);
            }
        }
    }
}

static void check_no_encode(const sloop_frame_config *cfg)
{
    sloop_frame_config c = *cfg;
    uint8_t hdr[SLOOP_FRAME_MAX_HEADER] = { 0xEEU, 0xEEU, 0xEEU, 0xEEU };
    uint32_t hlen = 0xEEEEU;
    if (c.mode == SLOOP_FRAME_LENGTH) {
        c.mode = SLOOP_FRAME_DELIM;
    }
    FUZZ_CHECK(!sloop_frame_encode_header(&c, 0U, hdr, &hlen));
    FUZZ_CHECK(hdr[0] == 0xEEU && hlen == 0xEEEEU);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in in = { data, size };
    sloop_frame_config cfg;
    uint8_t b;
    uint32_t slack;
    uint64_t need;
    uint32_t cap;
    uint32_t alt;
    frame_plan plan;
    frame_xplan x;
    uint32_t n;

    memset(&cfg, 0, sizeof cfg);
    b = fuzz_u8(&in);
    cfg.mode = (sloop_frame_mode)((b < 0xF0U) ? (b % 3U) : b);
    b = fuzz_u8(&in);
    cfg.header_size = (b < 0xF0U) ? (uint8_t)((b % 3U == 2U) ? 4U : (b % 3U) + 1U)
                                  : (uint8_t)(b & 15U);
    b = fuzz_u8(&in);
    cfg.delim_len = (b < 0xF0U) ? (uint8_t)(1U + (b % 4U)) : (uint8_t)(b & 15U);
    cfg.delim[0] = fuzz_u8(&in);
    cfg.delim[1] = fuzz_u8(&in);
    cfg.delim[2] = fuzz_u8(&in);
    cfg.delim[3] = fuzz_u8(&in);
    cfg.max_payload = fuzz_u8(&in);
    b = fuzz_u8(&in);
    cfg.max_payload += 256U * (b & 15U);
    slack = (b >> 4) & 7U;
    x.on = (b & 0x80U) != 0U;
    alt = fuzz_u32(&in);
    x.first = 1U + (alt & 7U);
    x.step = 1U + ((alt >> 3) & 3U);
    x.seed = alt >> 5;
    plan.k = fuzz_u8(&in) % 17U;
    plan.p = in.p;
    if (plan.k > fuzz_left(&in)) {
        plan.k = (uint32_t)fuzz_left(&in);
    }
    in.p += plan.k;
    in.n -= plan.k;
    n = (fuzz_left(&in) > FRAME_MAX_STREAM) ? FRAME_MAX_STREAM : (uint32_t)fuzz_left(&in);

    /* The smallest assembly buffer the config may have, then the slack. */
    need = cfg.max_payload;
    if (cfg.mode == SLOOP_FRAME_RAW) {
        need = x.on ? cfg.max_payload : 0U; /* RAW uses the buffer only for expect */
    } else if (cfg.mode == SLOOP_FRAME_DELIM) {
        need += cfg.delim_len;
    } else {
        /* LENGTH: max_payload */
    }
    cap = (need + slack >= 1U) ? (uint32_t)(need + slack - 1U) : 0U;

    check_config_valid(&cfg, cap, alt);
    check_no_encode(&cfg);
    check_encode_extremes(&cfg, alt);
    if (!sloop_frame_config_valid(&cfg, cap)) {
        check_unusable(&cfg, cap, in.p, n);
        return 0;
    }
    check_decode(&cfg, cap, in.p, n, &plan, &x);
    if (cfg.mode == SLOOP_FRAME_LENGTH) {
        check_roundtrip(&cfg, cap, in.p, n, &plan);
    }
    return 0;
}
