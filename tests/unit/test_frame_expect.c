/*
 * test_frame_expect.c - one-shot fixed-length frames (sloop_frame_decoder_expect).
 *
 * What a user relies on: after expect(n) between frames, the next frame is exactly
 * the next n bytes of the stream in every mode (a delimiter or header inside them
 * means nothing), whatever the chunking; it is returned in place when it lies in
 * one fed chunk; the configured mode resumes right after it, also for a frame
 * pipelined in the same chunk; a refused expect changes nothing; reset cancels it.
 */
#include "core/frame.h"
#include "harness.h"

#include <stdint.h>

#define CAP 256U
#define MAX_FRAMES 64U

typedef struct rec {
    uint32_t n;
    uint32_t len[MAX_FRAMES];
    bool in_place[MAX_FRAMES];
    uint8_t bytes[2048];
    uint32_t total;
    const char *broken;    /* first broken promise, NULL while none */
    uint32_t expect_after; /* call expect(expect_n) once this many frames came; 0: never */
    uint32_t expect_n;
    int expect_result;     /* -1: not called yet, else the call's result */
} rec;

static void rec_init(rec *r, uint32_t expect_after, uint32_t expect_n)
{
    memset(r, 0, sizeof(*r));
    r->expect_after = expect_after;
    r->expect_n = expect_n;
    r->expect_result = -1;
}

static bool inside(const uint8_t *p, uint32_t len, const uint8_t *base, uint32_t size)
{
    uintptr_t lo = (uintptr_t)base;
    uintptr_t at = (uintptr_t)p;
    return (at >= lo) && (at <= lo + size) && (len <= (lo + size) - at);
}

/* Feeds one chunk until NEED_MORE, as the API asks, recording every frame and
 * calling expect at the planned frame count (as on_frame would). */
static void feed(sloop_frame_decoder *d, const uint8_t *in, uint32_t len, rec *r)
{
    uint32_t off = 0U;
    while (r->broken == NULL) {
        uint32_t used = UINT32_MAX;
        sloop_frame fr = {NULL, UINT32_MAX};
        sloop_frame_status st = sloop_frame_decoder_feed(d, &in[off], len - off, &used, &fr);
        if (used > len - off) {
            r->broken = "consumed more than len";
        } else if (st == SLOOP_FRAME_NEED_MORE) {
            if (used != len - off) {
                r->broken = "NEED_MORE left input";
            }
            return;
        } else if (st != SLOOP_FRAME_READY) {
            r->broken = "unexpected error status";
        } else if ((used == 0U) || (r->n >= MAX_FRAMES) || (fr.len > 2048U - r->total)) {
            r->broken = "no progress or test capacity exceeded";
        } else if (!inside(fr.data, fr.len, &in[off], len - off) &&
                   !inside(fr.data, fr.len, d->buf, d->cap)) {
            r->broken = "frame outside the chunk and the buffer";
        } else {
            r->len[r->n] = fr.len;
            r->in_place[r->n] = inside(fr.data, fr.len, &in[off], len - off);
            if (fr.len > 0U) {
                memcpy(&r->bytes[r->total], fr.data, fr.len);
            }
            r->total += fr.len;
            r->n++;
            off += used;
            if ((r->expect_after != 0U) && (r->n == r->expect_after)) {
                r->expect_result = sloop_frame_decoder_expect(d, r->expect_n) ? 1 : 0;
            }
        }
    }
}

static bool same_frames(const rec *a, const rec *b)
{
    return (a->broken == NULL) && (b->broken == NULL) && (a->n == b->n) &&
           (memcmp(a->len, b->len, a->n * sizeof(a->len[0])) == 0) && (a->total == b->total) &&
           (memcmp(a->bytes, b->bytes, a->total) == 0) &&
           (a->expect_result == b->expect_result);
}

/* Frame i of r is the string s. */
static bool frame_is(const rec *r, uint32_t i, const char *s)
{
    uint32_t off = 0U;
    uint32_t k;
    if (i >= r->n) {
        return false;
    }
    for (k = 0U; k < i; k++) {
        off += r->len[k];
    }
    return (r->len[i] == (uint32_t)strlen(s)) && (memcmp(&r->bytes[off], s, r->len[i]) == 0);
}

static sloop_frame_config cfg_mode(sloop_frame_mode mode, uint32_t max_payload)
{
    sloop_frame_config c;
    memset(&c, 0, sizeof(c));
    c.mode = mode;
    c.max_payload = max_payload;
    if (mode == SLOOP_FRAME_LENGTH) {
        c.header_size = 2U;
    } else if (mode == SLOOP_FRAME_DELIM) {
        c.delim_len = 4U;
        memcpy(c.delim, "\r\n\r\n", 4U);
    } else {
        /* RAW: max_payload only */
    }
    return c;
}

/* Decodes s whole, byte by byte and in every split into three chunks, with
 * expect(n) after frame `after`; every way must give the frames of the whole
 * decode, which is returned in *whole. */
static const char *decode_all_ways(const sloop_frame_config *c, const uint8_t *s, uint32_t len,
                                   uint32_t after, uint32_t n, rec *whole)
{
    static uint8_t buf[CAP];
    static rec other;
    sloop_frame_decoder d;
    uint32_t a;
    uint32_t b;
    uint32_t i;

    if (!sloop_frame_decoder_init(&d, c, buf, CAP)) {
        return "init failed";
    }
    rec_init(whole, after, n);
    feed(&d, s, len, whole);
    if ((whole->broken != NULL) || sloop_frame_decoder_in_frame(&d)) {
        return "whole decode broken or left mid-frame";
    }
    sloop_frame_decoder_reset(&d);
    rec_init(&other, after, n);
    for (i = 0U; i < len; i++) {
        feed(&d, &s[i], 1U, &other);
    }
    if (!same_frames(whole, &other)) {
        return "byte by byte differs";
    }
    for (a = 0U; a <= len; a++) {
        for (b = a; b <= len; b++) {
            sloop_frame_decoder_reset(&d);
            rec_init(&other, after, n);
            feed(&d, s, a, &other);
            feed(&d, &s[a], b - a, &other);
            feed(&d, &s[b], len - b, &other);
            if (!same_frames(whole, &other)) {
                return "a split into three chunks differs";
            }
        }
    }
    return NULL;
}

/* ---- accepted, in each mode --------------------------------------------------- */

SL_TEST(frame_expect_length_body_and_next_frame_in_one_chunk_are_returned_in_place)
{
    static const uint8_t s[] = {0U, 4U, 'H', 'E', 'A', 'D', '0', '1', '2', '3', '4',
                                '5', '6', '7', '8', '9', 0U, 3U, 'e', 'n', 'd'};
    sloop_frame_config c = cfg_mode(SLOOP_FRAME_LENGTH, 64U);
    static rec r;
    const char *why = decode_all_ways(&c, s, sizeof(s), 1U, 10U, &r);
    SL_CHECK(why == NULL);
    SL_CHECK_EQ(r.expect_result, 1);
    SL_CHECK_EQ(r.n, 3U);
    SL_CHECK(frame_is(&r, 0U, "HEAD"));
    SL_CHECK(frame_is(&r, 1U, "0123456789")); /* no header read from the body */
    SL_CHECK(frame_is(&r, 2U, "end"));        /* LENGTH resumes */
    SL_CHECK(r.in_place[0] && r.in_place[1] && r.in_place[2]);
}

SL_TEST(frame_expect_delim_body_holding_the_delimiter_is_one_frame)
{
    static const char s[] = "POST /a HTTP/1.1\r\nContent-Length: 6\r\n\r\n"
                            "x\r\n\r\ny"
                            "GET /b HTTP/1.1\r\n\r\n";
    sloop_frame_config c = cfg_mode(SLOOP_FRAME_DELIM, 64U);
    static rec r;
    const char *why = decode_all_ways(&c, (const uint8_t *)s, (uint32_t)strlen(s), 1U, 6U, &r);
    SL_CHECK(why == NULL);
    SL_CHECK_EQ(r.expect_result, 1);
    SL_CHECK_EQ(r.n, 3U);
    SL_CHECK(frame_is(&r, 0U, "POST /a HTTP/1.1\r\nContent-Length: 6"));
    SL_CHECK(frame_is(&r, 1U, "x\r\n\r\ny"));
    SL_CHECK(frame_is(&r, 2U, "GET /b HTTP/1.1"));
    SL_CHECK(r.in_place[1] && r.in_place[2]);
}

SL_TEST(frame_expect_raw_gathers_n_bytes_across_chunks_then_raw_resumes)
{
    sloop_frame_config c = cfg_mode(SLOOP_FRAME_RAW, 8U);
    uint8_t buf[8];
    sloop_frame_decoder d;
    static rec r;
    uint32_t i;
    static const char tail[] = "123456xyz";

    /* In one chunk: in place, then the rest as a RAW chunk. */
    SL_CHECK(sloop_frame_decoder_init(&d, &c, buf, sizeof(buf)));
    rec_init(&r, 1U, 6U);
    feed(&d, (const uint8_t *)"abc", 3U, &r);
    feed(&d, (const uint8_t *)tail, 9U, &r);
    SL_CHECK(r.broken == NULL);
    SL_CHECK_EQ(r.expect_result, 1);
    SL_CHECK_EQ(r.n, 3U);
    SL_CHECK(frame_is(&r, 0U, "abc") && frame_is(&r, 1U, "123456") && frame_is(&r, 2U, "xyz"));
    SL_CHECK(r.in_place[1]);

    /* Byte by byte: assembled in the buffer, then one RAW frame per byte. */
    sloop_frame_decoder_reset(&d);
    rec_init(&r, 1U, 6U);
    feed(&d, (const uint8_t *)"abc", 3U, &r);
    for (i = 0U; i < 9U; i++) {
        SL_CHECK_EQ(sloop_frame_decoder_in_frame(&d), i < 6U);
        feed(&d, (const uint8_t *)&tail[i], 1U, &r);
    }
    SL_CHECK(r.broken == NULL);
    SL_CHECK_EQ(r.n, 5U);
    SL_CHECK(frame_is(&r, 1U, "123456") && !r.in_place[1]);
    SL_CHECK(frame_is(&r, 2U, "x") && frame_is(&r, 3U, "y") && frame_is(&r, 4U, "z"));
}

SL_TEST(frame_expect_body_split_over_many_chunks_is_assembled_once)
{
    static uint8_t s[2 + 1 + 200 + 2 + 1];
    sloop_frame_config c = cfg_mode(SLOOP_FRAME_LENGTH, 200U);
    uint8_t buf[200];
    sloop_frame_decoder d;
    static rec r;
    uint32_t i;

    s[0] = 0U;
    s[1] = 1U;
    s[2] = 'h';
    for (i = 0U; i < 200U; i++) {
        s[3U + i] = (uint8_t)(i * 7U);
    }
    s[203] = 0U;
    s[204] = 1U;
    s[205] = 'n';
    SL_CHECK(sloop_frame_decoder_init(&d, &c, buf, sizeof(buf)));
    rec_init(&r, 1U, 200U);
    for (i = 0U; i < sizeof(s); i++) {
        feed(&d, &s[i], 1U, &r);
        /* Mid-body the decoder is inside a frame (slow-peer clock running). */
        if ((i >= 2U) && (i < 202U)) {
            SL_CHECK(sloop_frame_decoder_in_frame(&d));
        }
    }
    SL_CHECK(r.broken == NULL);
    SL_CHECK_EQ(r.n, 3U);
    SL_CHECK_EQ(r.len[1], 200U);
    SL_CHECK_MEM(&r.bytes[1], &s[3], 200U);
    SL_CHECK(frame_is(&r, 2U, "n"));
    SL_CHECK(!sloop_frame_decoder_in_frame(&d));
}

SL_TEST(frame_expect_body_starting_a_chunk_is_returned_in_place)
{
    static const uint8_t head[] = {0U, 1U, 'h'};
    static const uint8_t body[] = {'b', 'o', 'd', 'y', 0U, 0U};
    sloop_frame_config c = cfg_mode(SLOOP_FRAME_LENGTH, 16U);
    uint8_t buf[16];
    sloop_frame_decoder d;
    static rec r;
    SL_CHECK(sloop_frame_decoder_init(&d, &c, buf, sizeof(buf)));
    rec_init(&r, 1U, 4U);
    feed(&d, head, sizeof(head), &r);
    SL_CHECK(sloop_frame_decoder_in_frame(&d)); /* announced, nothing arrived yet */
    feed(&d, body, sizeof(body), &r);
    SL_CHECK(r.broken == NULL);
    SL_CHECK_EQ(r.n, 3U); /* h, body, and an empty LENGTH frame */
    SL_CHECK(frame_is(&r, 1U, "body") && r.in_place[1]);
    SL_CHECK_EQ(r.len[2], 0U);
}

SL_TEST(frame_expect_of_exactly_max_payload_is_accepted_in_every_mode)
{
    static const sloop_frame_mode modes[] = {SLOOP_FRAME_RAW, SLOOP_FRAME_LENGTH,
                                             SLOOP_FRAME_DELIM};
    uint8_t buf[CAP];
    size_t m;
    for (m = 0U; m < SL_COUNT(modes); m++) {
        sloop_frame_config c = cfg_mode(modes[m], 100U);
        sloop_frame_decoder d;
        uint8_t body[100];
        uint32_t used = 0U;
        sloop_frame fr;
        memset(body, '\n', sizeof(body));
        SL_CHECK(sloop_frame_decoder_init(&d, &c, buf, CAP));
        SL_CHECK(sloop_frame_decoder_expect(&d, 100U));
        SL_CHECK_EQ(sloop_frame_decoder_feed(&d, body, 40U, &used, &fr), SLOOP_FRAME_NEED_MORE);
        SL_CHECK_EQ(used, 40U);
        SL_CHECK_EQ(sloop_frame_decoder_feed(&d, &body[40], 60U, &used, &fr), SLOOP_FRAME_READY);
        SL_CHECK_EQ(used, 60U);
        SL_CHECK_EQ(fr.len, 100U);
        SL_CHECK(fr.data == buf);
        SL_CHECK_MEM(fr.data, body, 100U);
        SL_CHECK(!sloop_frame_decoder_in_frame(&d));
    }
}

/* ---- refused: false, and the decoder is unchanged ---------------------------------- */

/* expect(n) refused, and every field of the decoder as before (compared field
 * by field: a struct copy need not copy padding). */
static bool refused_unchanged(sloop_frame_decoder *d, uint32_t n)
{
    sloop_frame_decoder before = *d;
    bool ok = sloop_frame_decoder_expect(d, n);
    return !ok && (before.fill == d->fill) && (before.length == d->length) &&
           (before.header_have == d->header_have) && (before.match == d->match) &&
           (before.failed == d->failed) && (before.expecting == d->expecting) &&
           (before.buf == d->buf) && (before.cap == d->cap) &&
           (before.cfg.mode == d->cfg.mode) && (before.cfg.max_payload == d->cfg.max_payload) &&
           (sloop_frame_decoder_in_frame(&before) == sloop_frame_decoder_in_frame(d));
}

SL_TEST(frame_expect_refuses_zero_and_more_than_max_payload)
{
    static const sloop_frame_mode modes[] = {SLOOP_FRAME_RAW, SLOOP_FRAME_LENGTH,
                                             SLOOP_FRAME_DELIM};
    uint8_t buf[CAP];
    size_t m;
    for (m = 0U; m < SL_COUNT(modes); m++) {
        sloop_frame_config c = cfg_mode(modes[m], 100U);
        sloop_frame_decoder d;
        SL_CHECK(sloop_frame_decoder_init(&d, &c, buf, CAP));
        SL_CHECK(refused_unchanged(&d, 0U));
        SL_CHECK(refused_unchanged(&d, 101U));
        SL_CHECK(refused_unchanged(&d, UINT32_MAX));
        SL_CHECK(!sloop_frame_decoder_in_frame(&d));
    }
}

SL_TEST(frame_expect_refuses_more_than_a_raw_buffer_holds)
{
    /* RAW's max_payload is not bounded by the buffer; expect is. */
    sloop_frame_config c = cfg_mode(SLOOP_FRAME_RAW, 100U);
    uint8_t buf[10];
    sloop_frame_decoder d;
    SL_CHECK(sloop_frame_decoder_init(&d, &c, buf, sizeof(buf)));
    SL_CHECK(refused_unchanged(&d, 11U));
    SL_CHECK(sloop_frame_decoder_expect(&d, 10U));
}

SL_TEST(frame_expect_refuses_inside_a_frame)
{
    static const uint8_t half_header[] = {0U};
    static const uint8_t half_payload[] = {0U, 5U, 'a', 'b'};
    uint8_t buf[CAP];
    sloop_frame_decoder d;
    sloop_frame_config len_cfg = cfg_mode(SLOOP_FRAME_LENGTH, 100U);
    sloop_frame_config delim_cfg = cfg_mode(SLOOP_FRAME_DELIM, 100U);
    uint32_t used;
    sloop_frame fr;

    SL_CHECK(sloop_frame_decoder_init(&d, &len_cfg, buf, CAP));
    SL_CHECK_EQ(sloop_frame_decoder_feed(&d, half_header, 1U, &used, &fr), SLOOP_FRAME_NEED_MORE);
    SL_CHECK(refused_unchanged(&d, 5U));
    sloop_frame_decoder_reset(&d);
    SL_CHECK_EQ(sloop_frame_decoder_feed(&d, half_payload, 4U, &used, &fr),
                SLOOP_FRAME_NEED_MORE);
    SL_CHECK(refused_unchanged(&d, 5U));

    SL_CHECK(sloop_frame_decoder_init(&d, &delim_cfg, buf, CAP));
    SL_CHECK_EQ(sloop_frame_decoder_feed(&d, (const uint8_t *)"GET\r\n", 5U, &used, &fr),
                SLOOP_FRAME_NEED_MORE);
    SL_CHECK(refused_unchanged(&d, 5U));

    /* A pending expect, before and after part of its body arrived. */
    sloop_frame_decoder_reset(&d);
    SL_CHECK(sloop_frame_decoder_expect(&d, 5U));
    SL_CHECK(refused_unchanged(&d, 3U));
    SL_CHECK_EQ(sloop_frame_decoder_feed(&d, (const uint8_t *)"ab", 2U, &used, &fr),
                SLOOP_FRAME_NEED_MORE);
    SL_CHECK(refused_unchanged(&d, 3U));
    SL_CHECK_EQ(sloop_frame_decoder_feed(&d, (const uint8_t *)"cde", 3U, &used, &fr),
                SLOOP_FRAME_READY);
    SL_CHECK_EQ(fr.len, 5U);
    SL_CHECK_MEM(fr.data, "abcde", 5U);
}

SL_TEST(frame_expect_refuses_after_a_sticky_error)
{
    static const uint8_t too_big[] = {0U, 101U};
    uint8_t buf[CAP];
    sloop_frame_decoder d;
    sloop_frame_config c = cfg_mode(SLOOP_FRAME_LENGTH, 100U);
    sloop_frame_config bad = cfg_mode(SLOOP_FRAME_LENGTH, CAP + 1U);
    uint32_t used;
    sloop_frame fr;

    SL_CHECK(sloop_frame_decoder_init(&d, &c, buf, CAP));
    SL_CHECK_EQ(sloop_frame_decoder_feed(&d, too_big, 2U, &used, &fr), SLOOP_FRAME_TOO_BIG);
    SL_CHECK(refused_unchanged(&d, 5U));
    SL_CHECK_EQ(sloop_frame_decoder_feed(&d, too_big, 2U, &used, &fr), SLOOP_FRAME_TOO_BIG);
    /* A decoder whose config init refused stays refused. */
    SL_CHECK(!sloop_frame_decoder_init(&d, &bad, buf, CAP));
    SL_CHECK(refused_unchanged(&d, 5U));
}

/* ---- reset ------------------------------------------------------------------------ */

SL_TEST(frame_expect_reset_cancels_a_pending_expect)
{
    static const uint8_t frame[] = {0U, 2U, 'o', 'k'};
    uint8_t buf[CAP];
    sloop_frame_decoder d;
    sloop_frame_config c = cfg_mode(SLOOP_FRAME_LENGTH, 100U);
    uint32_t used;
    sloop_frame fr;
    int round;

    SL_CHECK(sloop_frame_decoder_init(&d, &c, buf, CAP));
    for (round = 0; round < 2; round++) {
        SL_CHECK(sloop_frame_decoder_expect(&d, 4U));
        if (round == 1) { /* part of the body arrived before the reset */
            SL_CHECK_EQ(sloop_frame_decoder_feed(&d, frame, 2U, &used, &fr),
                        SLOOP_FRAME_NEED_MORE);
        }
        sloop_frame_decoder_reset(&d);
        SL_CHECK(!sloop_frame_decoder_in_frame(&d));
        /* The 4 bytes are a LENGTH frame again, not an expected one. */
        SL_CHECK_EQ(sloop_frame_decoder_feed(&d, frame, 4U, &used, &fr), SLOOP_FRAME_READY);
        SL_CHECK_EQ(used, 4U);
        SL_CHECK_EQ(fr.len, 2U);
        SL_CHECK_MEM(fr.data, "ok", 2U);
    }
}

static const sl_test tests[] = {
    SL_ENTRY(frame_expect_length_body_and_next_frame_in_one_chunk_are_returned_in_place),
    SL_ENTRY(frame_expect_delim_body_holding_the_delimiter_is_one_frame),
    SL_ENTRY(frame_expect_raw_gathers_n_bytes_across_chunks_then_raw_resumes),
    SL_ENTRY(frame_expect_body_split_over_many_chunks_is_assembled_once),
    SL_ENTRY(frame_expect_body_starting_a_chunk_is_returned_in_place),
    SL_ENTRY(frame_expect_of_exactly_max_payload_is_accepted_in_every_mode),
    SL_ENTRY(frame_expect_refuses_zero_and_more_than_max_payload),
    SL_ENTRY(frame_expect_refuses_more_than_a_raw_buffer_holds),
    SL_ENTRY(frame_expect_refuses_inside_a_frame),
    SL_ENTRY(frame_expect_refuses_after_a_sticky_error),
    SL_ENTRY(frame_expect_reset_cancels_a_pending_expect),
};

int main(int argc, char **argv)
{
    return sl_main("frame_expect", tests, SL_COUNT(tests), argc, argv);
}
