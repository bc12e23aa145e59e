/*
 * test_frame.c - the incremental frame decoder and the length encoder
 * (src/core/frame.h).
 *
 * What a user relies on: any split of a byte stream into reads yields exactly
 * the same frames (and the same error at the same stream offset); a frame lying
 * wholly in one fed chunk is returned in place, one spanning chunks is assembled
 * in the caller's buffer and never beyond it; a peer announcing or sending too
 * much is refused as soon as that is certain, and the refusal sticks until reset;
 * consumed never exceeds the input; a bad config makes a decoder that refuses
 * all input.
 */
#include "core/frame.h"
#include "harness.h"

#include <stdint.h>

/* ---- Fixture: a decoder over a buffer with guard bytes around it ---------- */

#define GUARD 16U
#define GUARD_BYTE 0x5AU
#define MAX_BUF 512U

typedef struct fixture {
    sloop_frame_decoder d;
    uint8_t mem[GUARD + MAX_BUF + GUARD];
    uint32_t cap;
} fixture;

static bool fx_init(fixture *fx, const sloop_frame_config *cfg, uint32_t cap)
{
    memset(fx->mem, (int)GUARD_BYTE, sizeof(fx->mem));
    fx->cap = cap;
    return sloop_frame_decoder_init(&fx->d, cfg, &fx->mem[GUARD], cap);
}

static bool fx_guards_intact(const fixture *fx)
{
    uint32_t i;
    bool ok = true;
    for (i = 0U; i < GUARD; i++) {
        if ((fx->mem[i] != GUARD_BYTE) || (fx->mem[GUARD + fx->cap + i] != GUARD_BYTE)) {
            ok = false;
        }
    }
    return ok;
}

static sloop_frame_config cfg_length(uint8_t header_size, uint32_t max_payload)
{
    sloop_frame_config c;
    memset(&c, 0, sizeof(c));
    c.mode = SLOOP_FRAME_LENGTH;
    c.header_size = header_size;
    c.max_payload = max_payload;
    return c;
}

static sloop_frame_config cfg_delim(const char *delim, uint32_t max_payload)
{
    sloop_frame_config c;
    size_t n = strlen(delim);
    memset(&c, 0, sizeof(c));
    c.mode = SLOOP_FRAME_DELIM;
    c.delim_len = (uint8_t)n;
    memcpy(c.delim, delim, (n <= SLOOP_FRAME_MAX_DELIM) ? n : SLOOP_FRAME_MAX_DELIM);
    c.max_payload = max_payload;
    return c;
}

static sloop_frame_config cfg_raw(uint32_t max_payload)
{
    sloop_frame_config c;
    memset(&c, 0, sizeof(c));
    c.mode = SLOOP_FRAME_RAW;
    c.max_payload = max_payload;
    return c;
}

/* ---- Recording what a decoder delivers ------------------------------------ */

#define MAX_FRAMES 1024U
#define MAX_BYTES 16384U

/* Every frame delivered, the sticky error if any, and whether any promise of
 * feed() was broken along the way. Compared as a whole between chunkings. */
typedef struct frames {
    uint32_t n;
    uint32_t len[MAX_FRAMES];
    uint8_t bytes[MAX_BYTES]; /* payloads back to back */
    uint32_t total;
    sloop_frame_status error; /* SLOOP_FRAME_NEED_MORE while none */
    uint32_t error_at;        /* stream offset just after the offending bytes */
    uint32_t offset;          /* stream bytes consumed so far */
    const char *broken;       /* first broken promise, NULL while none */
} frames;

static void frames_clear(frames *f)
{
    f->n = 0U;
    f->total = 0U;
    f->error = SLOOP_FRAME_NEED_MORE;
    f->error_at = 0U;
    f->offset = 0U;
    f->broken = NULL;
}

static void frames_add(frames *f, const uint8_t *data, uint32_t len)
{
    if ((f->n >= MAX_FRAMES) || (len > MAX_BYTES - f->total)) {
        f->broken = "test capacity exceeded";
    } else {
        f->len[f->n] = len;
        if (len > 0U) {
            memcpy(&f->bytes[f->total], data, len);
        }
        f->n++;
        f->total += len;
    }
}

static void frames_add_str(frames *f, const char *s)
{
    frames_add(f, (const uint8_t *)s, (uint32_t)strlen(s));
}

static bool frames_equal(const frames *a, const frames *b)
{
    return (a->broken == NULL) && (b->broken == NULL) && (a->n == b->n) &&
           (memcmp(a->len, b->len, a->n * sizeof(a->len[0])) == 0) &&
           (a->total == b->total) && (memcmp(a->bytes, b->bytes, a->total) == 0) &&
           (a->error == b->error) && (a->error_at == b->error_at);
}

/* True when [p, p+len) lies inside [base, base+size). */
static bool points_into(const uint8_t *p, uint32_t len, const uint8_t *base, uint32_t size)
{
    uintptr_t lo = (uintptr_t)base;
    uintptr_t at = (uintptr_t)p;
    return (at >= lo) && (at <= lo + size) && (len <= (lo + size) - at);
}

/* Feeds one chunk, re-feeding the rest after each READY as the API asks, and
 * records the frames. Checks every promise of a single feed() on the way. */
static void feed_chunk(fixture *fx, const uint8_t *in, uint32_t len, frames *out)
{
    uint32_t off = 0U;
    bool more = true;
    while (more && (out->broken == NULL)) {
        uint32_t used = UINT32_MAX;
        sloop_frame fr;
        sloop_frame_status st;
        fr.data = NULL;
        fr.len = UINT32_MAX;
        st = sloop_frame_decoder_feed(&fx->d, &in[off], len - off, &used, &fr);
        if (used > len - off) {
            out->broken = "consumed more than len";
            break;
        }
        off += used;
        out->offset += used;
        more = false;
        switch (st) {
        case SLOOP_FRAME_READY:
            if (out->error != SLOOP_FRAME_NEED_MORE) {
                out->broken = "READY after a sticky error";
            } else if (!points_into(fr.data, fr.len, in, len) &&
                       !points_into(fr.data, fr.len, fx->d.buf, fx->cap)) {
                out->broken = "frame outside the chunk and the buffer";
            } else if (used == 0U) {
                out->broken = "READY without progress";
            } else {
                frames_add(out, fr.data, fr.len);
                more = off < len;
            }
            break;
        case SLOOP_FRAME_NEED_MORE:
            if (off != len) {
                out->broken = "NEED_MORE left input unconsumed";
            }
            break;
        case SLOOP_FRAME_TOO_BIG:
        case SLOOP_FRAME_TOO_LONG:
            if (out->error == SLOOP_FRAME_NEED_MORE) {
                out->error = st;
                out->error_at = out->offset;
            } else if ((out->error != st) || (used != 0U)) {
                out->broken = "sticky error changed or consumed input";
            } else {
                /* the same error again, nothing consumed: as promised */
            }
            break;
        default:
            out->broken = "unknown status";
            break;
        }
        if (!fx_guards_intact(fx)) {
            out->broken = "wrote outside the assembly buffer";
        }
    }
}

static void feed_whole(fixture *fx, const uint8_t *s, uint32_t len, frames *out)
{
    feed_chunk(fx, s, len, out);
}

static void feed_bytewise(fixture *fx, const uint8_t *s, uint32_t len, frames *out)
{
    uint32_t i;
    for (i = 0U; i < len; i++) {
        feed_chunk(fx, &s[i], 1U, out);
    }
}

/* Three chunks: [0, a), [a, b), [b, len). Empty chunks are fed too. */
static void feed_split3(fixture *fx, const uint8_t *s, uint32_t len, uint32_t a, uint32_t b,
                        frames *out)
{
    feed_chunk(fx, s, a, out);
    feed_chunk(fx, &s[a], b - a, out);
    feed_chunk(fx, &s[b], len - b, out);
}

static uint32_t rng_next(uint32_t *state)
{
    /* xorshift32: deterministic, so a failure always reproduces. */
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

/* Chunks of 0 .. max_chunk bytes drawn from the seed. */
static void feed_random_chunks(fixture *fx, const uint8_t *s, uint32_t len, uint32_t seed,
                               uint32_t max_chunk, frames *out)
{
    uint32_t state = seed;
    uint32_t off = 0U;
    while (off < len) {
        uint32_t n = rng_next(&state) % (max_chunk + 1U);
        if (n > len - off) {
            n = len - off;
        }
        feed_chunk(fx, &s[off], n, out);
        off += n;
    }
}

/* Writes a big-endian LENGTH header announcing len, independently of the
 * encoder under test; returns its size. */
static uint32_t put_header(uint8_t *out, uint8_t header_size, uint32_t len)
{
    uint32_t i;
    for (i = 0U; i < header_size; i++) {
        uint32_t shift = 8U * (header_size - 1U - i);
        out[i] = (uint8_t)((len >> shift) & 0xFFU);
    }
    return header_size;
}

/* Appends a header and the payload; returns the bytes written. */
static uint32_t put_frame(uint8_t *out, uint8_t header_size, const uint8_t *payload,
                          uint32_t len)
{
    (void)put_header(out, header_size, len);
    if (len > 0U) {
        memcpy(&out[header_size], payload, len);
    }
    return header_size + len;
}

static void pattern(uint8_t *out, uint32_t len, uint32_t seed)
{
    uint32_t i;
    for (i = 0U; i < len; i++) {
        out[i] = (uint8_t)((seed * 31U + i * 7U) & 0xFFU);
    }
}

static const uint8_t header_sizes[] = {1U, 2U, 4U};
static const char *const delims[] = {"\n", "\r\n", "\r\n\r\n"};

/* ---- LENGTH mode ----------------------------------------------------------- */

SL_TEST(frame_length_accepts_a_frame_of_exactly_max_payload)
{
    static const uint32_t maxes[] = {1U, 10U, 255U};
    size_t h;
    size_t m;
    for (h = 0U; h < SL_COUNT(header_sizes); h++) {
        for (m = 0U; m < SL_COUNT(maxes); m++) {
            uint8_t hs = header_sizes[h];
            uint32_t max = maxes[m];
            sloop_frame_config c = cfg_length(hs, max);
            fixture fx;
            uint8_t payload[255];
            uint8_t s[4 + 255];
            uint32_t len;
            uint32_t used;
            sloop_frame fr;
            frames expect;
            frames got;
            pattern(payload, max, max);
            len = put_frame(s, hs, payload, max);
            /* Whole: one frame, in place, consuming header and payload exactly. */
            SL_CHECK(fx_init(&fx, &c, max));
            SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, s, len, &used, &fr), SLOOP_FRAME_READY);
            SL_CHECK_EQ(used, len);
            SL_CHECK(fr.data == &s[hs]);
            SL_CHECK_EQ(fr.len, max);
            SL_CHECK_MEM(fr.data, payload, max);
            /* One byte at a time: the same frame, assembled in a buffer of exactly max. */
            frames_clear(&expect);
            frames_add(&expect, payload, max);
            frames_clear(&got);
            SL_CHECK(fx_init(&fx, &c, max));
            feed_bytewise(&fx, s, len, &got);
            SL_CHECK(frames_equal(&got, &expect));
        }
    }
}

SL_TEST(frame_length_rejects_max_payload_plus_one_as_soon_as_the_header_is_complete)
{
    size_t h;
    for (h = 0U; h < SL_COUNT(header_sizes); h++) {
        uint8_t hs = header_sizes[h];
        sloop_frame_config c = cfg_length(hs, 10U);
        fixture fx;
        uint8_t payload[11];
        uint8_t s[4 + 11];
        uint32_t len;
        uint32_t used;
        sloop_frame fr;
        pattern(payload, 11U, 3U);
        len = put_frame(s, hs, payload, 11U);
        /* Whole: refused after the header; the payload is not consumed. */
        SL_CHECK(fx_init(&fx, &c, 10U));
        SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, s, len, &used, &fr), SLOOP_FRAME_TOO_BIG);
        SL_CHECK_EQ(used, hs);
        /* Header fed alone, split before its last byte: refused on that byte. */
        SL_CHECK(fx_init(&fx, &c, 10U));
        SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, s, hs - 1U, &used, &fr),
                    SLOOP_FRAME_NEED_MORE);
        SL_CHECK_EQ(used, hs - 1U);
        SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, &s[hs - 1U], 1U, &used, &fr),
                    SLOOP_FRAME_TOO_BIG);
        SL_CHECK_EQ(used, 1U);
    }
}

SL_TEST(frame_length_largest_4_byte_header_is_too_big_not_wrapped)
{
    static const uint8_t s[] = {0xFFU, 0xFFU, 0xFFU, 0xFFU, 1U, 2U, 3U};
    sloop_frame_config c = cfg_length(4U, 10U);
    fixture fx;
    frames got;
    SL_CHECK(fx_init(&fx, &c, 10U));
    frames_clear(&got);
    feed_bytewise(&fx, s, (uint32_t)sizeof(s), &got);
    SL_CHECK(got.broken == NULL);
    SL_CHECK_EQ(got.n, 0U);
    SL_CHECK_EQ(got.error, SLOOP_FRAME_TOO_BIG);
    SL_CHECK_EQ(got.error_at, 4U);
}

SL_TEST(frame_length_too_big_is_sticky_until_reset)
{
    static const uint8_t bad[] = {11U};
    static const uint8_t good[] = {2U, 'o', 'k'};
    sloop_frame_config c = cfg_length(1U, 10U);
    fixture fx;
    uint32_t used;
    sloop_frame fr;
    int i;
    SL_CHECK(fx_init(&fx, &c, 10U));
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, bad, 1U, &used, &fr), SLOOP_FRAME_TOO_BIG);
    for (i = 0; i < 3; i++) {
        used = 99U;
        SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, good, 3U, &used, &fr), SLOOP_FRAME_TOO_BIG);
        SL_CHECK_EQ(used, 0U);
    }
    sloop_frame_decoder_reset(&fx.d);
    SL_CHECK(!sloop_frame_decoder_in_frame(&fx.d));
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, good, 3U, &used, &fr), SLOOP_FRAME_READY);
    SL_CHECK_EQ(used, 3U);
    SL_CHECK_EQ(fr.len, 2U);
    SL_CHECK_MEM(fr.data, "ok", 2U);
}

SL_TEST(frame_length_zero_length_frames_are_delivered)
{
    size_t h;
    for (h = 0U; h < SL_COUNT(header_sizes); h++) {
        uint8_t hs = header_sizes[h];
        sloop_frame_config c = cfg_length(hs, 10U);
        fixture fx;
        uint8_t s[64];
        uint32_t len = 0U;
        uint32_t used;
        sloop_frame fr;
        frames expect;
        frames got;
        len += put_frame(&s[len], hs, NULL, 0U);
        len += put_frame(&s[len], hs, NULL, 0U);
        len += put_frame(&s[len], hs, (const uint8_t *)"abc", 3U);
        len += put_frame(&s[len], hs, NULL, 0U);
        frames_clear(&expect);
        frames_add_str(&expect, "");
        frames_add_str(&expect, "");
        frames_add_str(&expect, "abc");
        frames_add_str(&expect, "");
        /* Each empty frame consumes exactly its header and leaves no partial frame. */
        SL_CHECK(fx_init(&fx, &c, 10U));
        SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, s, len, &used, &fr), SLOOP_FRAME_READY);
        SL_CHECK_EQ(used, hs);
        SL_CHECK_EQ(fr.len, 0U);
        SL_CHECK(!sloop_frame_decoder_in_frame(&fx.d));
        SL_CHECK(fx_init(&fx, &c, 10U));
        frames_clear(&got);
        feed_whole(&fx, s, len, &got);
        SL_CHECK(frames_equal(&got, &expect));
        SL_CHECK(fx_init(&fx, &c, 10U));
        frames_clear(&got);
        feed_bytewise(&fx, s, len, &got);
        SL_CHECK(frames_equal(&got, &expect));
        SL_CHECK(!sloop_frame_decoder_in_frame(&fx.d));
    }
}

/* Frames of 0, 1, 3, max, 2 bytes back to back; returns the stream length. */
static uint32_t length_stream(uint8_t *s, uint8_t hs, uint32_t max, frames *expect)
{
    static const uint32_t sizes[] = {0U, 1U, 3U, 0U /* max */, 2U};
    uint8_t payload[64];
    uint32_t len = 0U;
    size_t i;
    frames_clear(expect);
    for (i = 0U; i < SL_COUNT(sizes); i++) {
        uint32_t n = (i == 3U) ? max : sizes[i];
        pattern(payload, n, (uint32_t)i + 1U);
        len += put_frame(&s[len], hs, payload, n);
        frames_add(expect, payload, n);
    }
    return len;
}

SL_TEST(frame_length_any_split_into_three_chunks_gives_the_same_frames)
{
    /* Covers a header split at every boundary, header/payload seams, payloads
     * split anywhere, and empty chunks. */
    size_t h;
    for (h = 0U; h < SL_COUNT(header_sizes); h++) {
        uint8_t hs = header_sizes[h];
        sloop_frame_config c = cfg_length(hs, 10U);
        uint8_t s[128];
        frames expect;
        frames got;
        uint32_t len = length_stream(s, hs, 10U, &expect);
        uint32_t a;
        uint32_t b;
        for (a = 0U; a <= len; a++) {
            for (b = a; b <= len; b++) {
                fixture fx;
                SL_CHECK(fx_init(&fx, &c, 10U));
                frames_clear(&got);
                feed_split3(&fx, s, len, a, b, &got);
                SL_CHECK(frames_equal(&got, &expect));
                SL_CHECK(!sloop_frame_decoder_in_frame(&fx.d));
            }
        }
    }
}

SL_TEST(frame_length_one_byte_at_a_time_gives_the_same_frames)
{
    size_t h;
    for (h = 0U; h < SL_COUNT(header_sizes); h++) {
        uint8_t hs = header_sizes[h];
        sloop_frame_config c = cfg_length(hs, 10U);
        uint8_t s[128];
        frames expect;
        frames got;
        fixture fx;
        uint32_t len = length_stream(s, hs, 10U, &expect);
        SL_CHECK(fx_init(&fx, &c, 10U));
        frames_clear(&got);
        feed_bytewise(&fx, s, len, &got);
        SL_CHECK(frames_equal(&got, &expect));
    }
}

SL_TEST(frame_length_header_is_read_big_endian)
{
    /* 0x01 0x02 is 258 (not 513); 0x00 0x00 0x01 0x02 likewise. */
    static const uint8_t hs_list[] = {2U, 4U};
    size_t h;
    for (h = 0U; h < SL_COUNT(hs_list); h++) {
        uint8_t hs = hs_list[h];
        sloop_frame_config c = cfg_length(hs, 300U);
        uint8_t s[4 + 300];
        uint32_t used;
        sloop_frame fr;
        fixture fx;
        memset(s, 0, sizeof(s));
        s[hs - 2U] = 0x01U;
        s[hs - 1U] = 0x02U;
        pattern(&s[hs], 258U, 9U);
        SL_CHECK(fx_init(&fx, &c, 300U));
        SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, s, hs + 258U, &used, &fr),
                    SLOOP_FRAME_READY);
        SL_CHECK_EQ(fr.len, 258U);
        SL_CHECK_EQ(used, hs + 258U);
    }
}

SL_TEST(frame_length_header_value_is_the_same_read_whole_or_byte_by_byte)
{
    /* A header that starts a chunk and lies in it is read at once; one split
     * anywhere is accumulated byte by byte. Both must give its big-endian value
     * with every byte at its own weight: distinct bytes in every position, and
     * values above max_payload (so the frame is refused; the decoder's length
     * field still holds the value it read). */
    static const uint32_t values[] = {0x01020304U, 0xFF000001U, 0x00FF00FFU, 0x80000000U,
                                      0x0000FFFEU, 0x00000005U, 0x12345678U, 0xFFFFFFFFU};
    static const uint8_t hs_list[] = {1U, 2U, 4U};
    size_t h;
    size_t v;
    for (h = 0U; h < SL_COUNT(hs_list); h++) {
        uint8_t hs = hs_list[h];
        uint32_t top = (hs == 4U) ? UINT32_MAX : ((hs == 2U) ? 0xFFFFU : 0xFFU);
        sloop_frame_config c = cfg_length(hs, 6U);
        for (v = 0U; v < SL_COUNT(values); v++) {
            uint32_t value = values[v] & top;
            uint8_t hdr[4];
            uint32_t i;
            uint32_t used = 0U;
            sloop_frame fr;
            sloop_frame_status whole;
            sloop_frame_status last = SLOOP_FRAME_NEED_MORE;
            fixture a;
            fixture b;
            for (i = 0U; i < hs; i++) {
                hdr[i] = (uint8_t)(value >> (8U * (hs - 1U - i)));
            }
            SL_CHECK(fx_init(&a, &c, 6U));
            SL_CHECK(fx_init(&b, &c, 6U));
            whole = sloop_frame_decoder_feed(&a.d, hdr, hs, &used, &fr);
            SL_CHECK_EQ(used, hs);
            for (i = 0U; i < hs; i++) {
                last = sloop_frame_decoder_feed(&b.d, &hdr[i], 1U, &used, &fr);
                SL_CHECK_EQ(used, 1U);
            }
            SL_CHECK_EQ(whole, last);
            SL_CHECK_EQ(whole, (value > 6U) ? SLOOP_FRAME_TOO_BIG
                                : ((value == 0U) ? SLOOP_FRAME_READY : SLOOP_FRAME_NEED_MORE));
            if ((value != 0U) && (value <= 6U)) {
                SL_CHECK_EQ(a.d.length, value); /* payload awaited */
                SL_CHECK_EQ(b.d.length, value);
            } else if (value > 6U) {
                SL_CHECK_EQ(a.d.length, value);
                SL_CHECK_EQ(b.d.length, value);
            }
        }
    }
}

SL_TEST(frame_length_two_frames_in_one_chunk_are_returned_in_place)
{
    static const uint8_t s[] = {0U, 3U, 'a', 'b', 'c', 0U, 2U, 'd', 'e'};
    sloop_frame_config c = cfg_length(2U, 10U);
    fixture fx;
    uint32_t used;
    uint32_t off;
    sloop_frame fr;
    SL_CHECK(fx_init(&fx, &c, 10U));
    /* Only the first frame is consumed; its payload points into the input. */
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, s, 9U, &used, &fr), SLOOP_FRAME_READY);
    SL_CHECK_EQ(used, 5U);
    SL_CHECK(fr.data == &s[2]);
    SL_CHECK_EQ(fr.len, 3U);
    off = used;
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, &s[off], 9U - off, &used, &fr),
                SLOOP_FRAME_READY);
    SL_CHECK_EQ(used, 4U);
    SL_CHECK(fr.data == &s[7]);
    SL_CHECK_EQ(fr.len, 2U);
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, &s[9], 0U, &used, &fr), SLOOP_FRAME_NEED_MORE);
    SL_CHECK_EQ(used, 0U);
}

SL_TEST(frame_length_frame_spanning_chunks_is_assembled_in_the_buffer)
{
    static const uint8_t c1[] = {5U, 'h', 'e'};
    static const uint8_t c2[] = {'l', 'l', 'o', 2U, 'x'};
    sloop_frame_config c = cfg_length(1U, 10U);
    fixture fx;
    uint32_t used;
    sloop_frame fr;
    SL_CHECK(fx_init(&fx, &c, 10U));
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, c1, 3U, &used, &fr), SLOOP_FRAME_NEED_MORE);
    SL_CHECK_EQ(used, 3U);
    /* The rest completes it: delivered from the buffer, the next header untouched. */
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, c2, 5U, &used, &fr), SLOOP_FRAME_READY);
    SL_CHECK_EQ(used, 3U);
    SL_CHECK(fr.data == &fx.mem[GUARD]);
    SL_CHECK_EQ(fr.len, 5U);
    SL_CHECK_MEM(fr.data, "hello", 5U);
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, &c2[3], 2U, &used, &fr), SLOOP_FRAME_NEED_MORE);
    SL_CHECK_EQ(used, 2U);
    SL_CHECK(fx_guards_intact(&fx));
}

SL_TEST(frame_length_payload_whole_after_a_split_header_is_returned_in_place)
{
    static const uint8_t c1[] = {0U};
    static const uint8_t c2[] = {3U, 'a', 'b', 'c'};
    sloop_frame_config c = cfg_length(2U, 10U);
    fixture fx;
    uint32_t used;
    sloop_frame fr;
    SL_CHECK(fx_init(&fx, &c, 10U));
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, c1, 1U, &used, &fr), SLOOP_FRAME_NEED_MORE);
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, c2, 4U, &used, &fr), SLOOP_FRAME_READY);
    SL_CHECK_EQ(used, 4U);
    SL_CHECK(fr.data == &c2[1]);
    SL_CHECK_EQ(fr.len, 3U);
}

SL_TEST(frame_length_in_frame_is_true_exactly_mid_frame)
{
    static const uint8_t s[] = {0U, 2U, 'h', 'i', 0U, 0U};
    sloop_frame_config c = cfg_length(2U, 10U);
    fixture fx;
    uint32_t used;
    sloop_frame fr;
    SL_CHECK(fx_init(&fx, &c, 10U));
    SL_CHECK(!sloop_frame_decoder_in_frame(&fx.d));
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, &s[0], 0U, &used, &fr), SLOOP_FRAME_NEED_MORE);
    SL_CHECK(!sloop_frame_decoder_in_frame(&fx.d)); /* empty input starts nothing */
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, &s[0], 1U, &used, &fr), SLOOP_FRAME_NEED_MORE);
    SL_CHECK(sloop_frame_decoder_in_frame(&fx.d)); /* half a header */
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, &s[1], 1U, &used, &fr), SLOOP_FRAME_NEED_MORE);
    SL_CHECK(sloop_frame_decoder_in_frame(&fx.d)); /* header, no payload yet */
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, &s[2], 1U, &used, &fr), SLOOP_FRAME_NEED_MORE);
    SL_CHECK(sloop_frame_decoder_in_frame(&fx.d)); /* half the payload */
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, &s[3], 1U, &used, &fr), SLOOP_FRAME_READY);
    SL_CHECK(!sloop_frame_decoder_in_frame(&fx.d)); /* complete */
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, &s[4], 2U, &used, &fr), SLOOP_FRAME_READY);
    SL_CHECK(!sloop_frame_decoder_in_frame(&fx.d)); /* an empty frame leaves nothing */
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, &s[0], 3U, &used, &fr), SLOOP_FRAME_NEED_MORE);
    SL_CHECK(sloop_frame_decoder_in_frame(&fx.d));
    sloop_frame_decoder_reset(&fx.d);
    SL_CHECK(!sloop_frame_decoder_in_frame(&fx.d)); /* reset forgets the partial frame */
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, s, 4U, &used, &fr), SLOOP_FRAME_READY);
    SL_CHECK_MEM(fr.data, "hi", 2U);
}

/* ---- DELIM mode ------------------------------------------------------------ */

/* in_frame at the end of a run must say whether a partial frame remains; after
 * an error the connection is closed, so it is not checked there. */
static bool pending_ok(const fixture *fx, const frames *expect, bool pending)
{
    return (expect->error != SLOOP_FRAME_NEED_MORE) ||
           (sloop_frame_decoder_in_frame(&fx->d) == pending);
}

/* Decodes s whole, bytewise, and in every split into three chunks, with a
 * buffer of exactly max + delim_len; each must give `expect` and end with
 * in_frame == pending. Returns NULL or what went wrong. */
static const char *delim_all_splits(const sloop_frame_config *c, const char *str,
                                    const frames *expect, bool pending)
{
    const uint8_t *s = (const uint8_t *)str;
    uint32_t len = (uint32_t)strlen(str);
    uint32_t cap = c->max_payload + c->delim_len;
    frames got;
    fixture fx;
    uint32_t a;
    uint32_t b;
    if (!fx_init(&fx, c, cap)) {
        return "config refused";
    }
    frames_clear(&got);
    feed_whole(&fx, s, len, &got);
    if (!frames_equal(&got, expect) || !pending_ok(&fx, expect, pending)) {
        return (got.broken != NULL) ? got.broken : "whole feed differs";
    }
    (void)fx_init(&fx, c, cap);
    frames_clear(&got);
    feed_bytewise(&fx, s, len, &got);
    if (!frames_equal(&got, expect) || !pending_ok(&fx, expect, pending)) {
        return (got.broken != NULL) ? got.broken : "bytewise feed differs";
    }
    for (a = 0U; a <= len; a++) {
        for (b = a; b <= len; b++) {
            (void)fx_init(&fx, c, cap);
            frames_clear(&got);
            feed_split3(&fx, s, len, a, b, &got);
            if (!frames_equal(&got, expect) || !pending_ok(&fx, expect, pending)) {
                return (got.broken != NULL) ? got.broken : "split feed differs";
            }
        }
    }
    return NULL;
}

SL_TEST(frame_delim_lines_in_one_chunk_are_returned_in_place)
{
    static const uint8_t s[] = "ab\ncd\n";
    sloop_frame_config c = cfg_delim("\n", 10U);
    fixture fx;
    uint32_t used;
    sloop_frame fr;
    SL_CHECK(fx_init(&fx, &c, 11U));
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, s, 6U, &used, &fr), SLOOP_FRAME_READY);
    SL_CHECK_EQ(used, 3U);
    SL_CHECK(fr.data == &s[0]);
    SL_CHECK_EQ(fr.len, 2U);
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, &s[3], 3U, &used, &fr), SLOOP_FRAME_READY);
    SL_CHECK_EQ(used, 3U);
    SL_CHECK(fr.data == &s[3]);
    SL_CHECK_MEM(fr.data, "cd", 2U);
    SL_CHECK(!sloop_frame_decoder_in_frame(&fx.d));
}

SL_TEST(frame_delim_line_spanning_chunks_is_assembled_in_the_buffer)
{
    static const uint8_t c1[] = "hel";
    static const uint8_t c2[] = "lo\r\nnext";
    sloop_frame_config c = cfg_delim("\r\n", 10U);
    fixture fx;
    uint32_t used;
    sloop_frame fr;
    SL_CHECK(fx_init(&fx, &c, 12U));
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, c1, 3U, &used, &fr), SLOOP_FRAME_NEED_MORE);
    SL_CHECK_EQ(used, 3U);
    SL_CHECK(sloop_frame_decoder_in_frame(&fx.d));
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, c2, 8U, &used, &fr), SLOOP_FRAME_READY);
    SL_CHECK_EQ(used, 4U); /* up to and including the delimiter, no further */
    SL_CHECK(fr.data == &fx.mem[GUARD]);
    SL_CHECK_EQ(fr.len, 5U);
    SL_CHECK_MEM(fr.data, "hello", 5U);
    SL_CHECK(!sloop_frame_decoder_in_frame(&fx.d));
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, &c2[4], 4U, &used, &fr), SLOOP_FRAME_NEED_MORE);
    SL_CHECK(sloop_frame_decoder_in_frame(&fx.d));
    SL_CHECK(fx_guards_intact(&fx));
}

SL_TEST(frame_delim_empty_lines_are_empty_frames)
{
    size_t k;
    for (k = 0U; k < SL_COUNT(delims); k++) {
        sloop_frame_config c = cfg_delim(delims[k], 8U);
        char s[16];
        frames expect;
        const char *err;
        /* Three delimiters in a row: three empty frames, nothing pending. */
        snprintf(s, sizeof(s), "%s%s%s", delims[k], delims[k], delims[k]);
        frames_clear(&expect);
        frames_add_str(&expect, "");
        frames_add_str(&expect, "");
        frames_add_str(&expect, "");
        err = delim_all_splits(&c, s, &expect, false);
        SL_CHECK(err == NULL);
    }
}

SL_TEST(frame_delim_delimiter_split_across_chunks_is_found)
{
    size_t k;
    for (k = 0U; k < SL_COUNT(delims); k++) {
        sloop_frame_config c = cfg_delim(delims[k], 8U);
        char s[64];
        frames expect;
        const char *err;
        /* Every split of the stream, so every split of each delimiter, including
         * a trailing partial delimiter that must stay pending. */
        snprintf(s, sizeof(s), "hello%sx%s%sab%.*s", delims[k], delims[k], delims[k],
                 (int)(strlen(delims[k]) - 1U), delims[k]);
        frames_clear(&expect);
        frames_add_str(&expect, "hello");
        frames_add_str(&expect, "x");
        frames_add_str(&expect, "");
        err = delim_all_splits(&c, s, &expect, true);
        SL_CHECK(err == NULL);
    }
}

SL_TEST(frame_delim_self_overlapping_delimiters_end_at_their_first_occurrence)
{
    /* Each case: delimiter, stream, the frames, whether a partial frame remains. */
    static const struct {
        const char *delim;
        const char *stream;
        const char *frames[3];
        uint32_t n;
        bool pending;
    } cases[] = {
        {"\r\n\r\n", "\r\n\r\r\n\r\n", {"\r\n\r"}, 1U, false},
        {"\r\n\r\n", "\r\n\r\n\r\n", {""}, 1U, true},
        {"\r\n\r\n", "a\r\r\n\r\r\n\r\n\r\nb", {"a\r\r\n\r"}, 1U, true},
        {"\r\n", "\r\r\n\r\r\r\n", {"\r", "\r\r"}, 2U, false},
        {"aab", "aaab", {"a"}, 1U, false},
        {"aab", "aaaabaab", {"aa", ""}, 2U, false},
        {"abab", "abaababab", {"aba"}, 1U, true},
        {"aaaa", "aaaaaaaaaa", {"", ""}, 2U, true},
        {"abca", "abcabca", {""}, 1U, true},
    };
    size_t i;
    for (i = 0U; i < SL_COUNT(cases); i++) {
        sloop_frame_config c = cfg_delim(cases[i].delim, 8U);
        frames expect;
        const char *err;
        uint32_t f;
        frames_clear(&expect);
        for (f = 0U; f < cases[i].n; f++) {
            frames_add_str(&expect, cases[i].frames[f]);
        }
        err = delim_all_splits(&c, cases[i].stream, &expect, cases[i].pending);
        if (err != NULL) {
            printf("    case %u (delim %zu bytes): %s\n", (unsigned)i, strlen(cases[i].delim),
                   err);
        }
        SL_CHECK(err == NULL);
    }
}

SL_TEST(frame_delim_line_of_exactly_max_payload_is_accepted)
{
    size_t k;
    for (k = 0U; k < SL_COUNT(delims); k++) {
        sloop_frame_config c = cfg_delim(delims[k], 8U);
        size_t dl = strlen(delims[k]);
        char s[32];
        char line[16];
        frames expect;
        const char *err;
        /* Plain: eight x's. */
        snprintf(s, sizeof(s), "xxxxxxxx%s", delims[k]);
        frames_clear(&expect);
        frames_add_str(&expect, "xxxxxxxx");
        err = delim_all_splits(&c, s, &expect, false);
        SL_CHECK(err == NULL);
        /* Harder: the line ends in a delimiter prefix, so the buffer must hold
         * max_payload plus a partial delimiter before the real one completes. */
        snprintf(line, sizeof(line), "%.*s%.*s", (int)(9U - dl), "xxxxxxxx", (int)(dl - 1U),
                 delims[k]);
        SL_CHECK_EQ(strlen(line), 8U);
        snprintf(s, sizeof(s), "%s%s", line, delims[k]);
        frames_clear(&expect);
        frames_add_str(&expect, line);
        err = delim_all_splits(&c, s, &expect, false);
        SL_CHECK(err == NULL);
    }
}

SL_TEST(frame_delim_line_of_max_payload_plus_one_is_too_long_at_its_extra_byte)
{
    size_t k;
    for (k = 0U; k < SL_COUNT(delims); k++) {
        sloop_frame_config c = cfg_delim(delims[k], 8U);
        char s[32];
        frames expect;
        const char *err;
        /* Refused at the ninth byte, before any delimiter arrives; the rest
         * of the stream, delimiter and next line included, is refused too. */
        snprintf(s, sizeof(s), "xxxxxxxxx%sok%s", delims[k], delims[k]);
        frames_clear(&expect);
        expect.error = SLOOP_FRAME_TOO_LONG;
        expect.error_at = 9U;
        err = delim_all_splits(&c, s, &expect, false);
        SL_CHECK(err == NULL);
        /* Same after a good line: the error offset counts from the stream start. */
        snprintf(s, sizeof(s), "ok%sxxxxxxxxx", delims[k]);
        frames_clear(&expect);
        frames_add_str(&expect, "ok");
        expect.error = SLOOP_FRAME_TOO_LONG;
        expect.error_at = 2U + (uint32_t)strlen(delims[k]) + 9U;
        err = delim_all_splits(&c, s, &expect, false);
        SL_CHECK(err == NULL);
    }
}

SL_TEST(frame_delim_too_long_is_sticky_until_reset)
{
    static const uint8_t longer[] = "0123456789";
    static const uint8_t good[] = "ok\n";
    sloop_frame_config c = cfg_delim("\n", 4U);
    fixture fx;
    uint32_t used;
    sloop_frame fr;
    int i;
    SL_CHECK(fx_init(&fx, &c, 5U));
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, longer, 10U, &used, &fr), SLOOP_FRAME_TOO_LONG);
    SL_CHECK_EQ(used, 5U); /* up to the offending fifth byte */
    for (i = 0; i < 3; i++) {
        used = 99U;
        SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, good, 3U, &used, &fr), SLOOP_FRAME_TOO_LONG);
        SL_CHECK_EQ(used, 0U);
    }
    sloop_frame_decoder_reset(&fx.d);
    SL_CHECK(!sloop_frame_decoder_in_frame(&fx.d));
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, good, 3U, &used, &fr), SLOOP_FRAME_READY);
    SL_CHECK_EQ(fr.len, 2U);
    SL_CHECK_MEM(fr.data, "ok", 2U);
}

SL_TEST(frame_delim_max_payload_zero_accepts_only_empty_lines)
{
    sloop_frame_config c = cfg_delim("\r\n", 0U);
    frames expect;
    const char *err;
    frames_clear(&expect);
    frames_add_str(&expect, "");
    frames_add_str(&expect, "");
    expect.error = SLOOP_FRAME_TOO_LONG;
    expect.error_at = 6U; /* "\r\n\r\n\r" then 'x': the x can never be in an empty line */
    err = delim_all_splits(&c, "\r\n\r\n\rx\r\n", &expect, false);
    SL_CHECK(err == NULL);
}

/* ---- Randomised DELIM streams against a naive splitter ---------------------- */

/* Longest k < delim_len such that the k bytes ending at s[end-1], all at or after
 * `start`, equal the first k delimiter bytes. Brute force on purpose. */
static uint32_t naive_partial(const uint8_t *s, uint32_t start, uint32_t end,
                              const sloop_frame_config *c)
{
    uint32_t k = c->delim_len - 1U;
    while ((k > 0U) && ((k > end - start) || (memcmp(&s[end - k], c->delim, k) != 0))) {
        k--;
    }
    return k;
}

/* The specification, computed naively: a frame ends at the first occurrence of
 * the delimiter; the decoder refuses at the first byte after which the payload
 * is certain to exceed max_payload, i.e. even if the longest delimiter prefix
 * at the end of the data went on to complete. Returns whether a partial frame
 * remains at the end. */
static bool naive_split(const uint8_t *s, uint32_t len, const sloop_frame_config *c,
                        frames *out)
{
    uint32_t dl = c->delim_len;
    uint32_t start = 0U;
    uint32_t end;
    frames_clear(out);
    for (end = 1U; end <= len; end++) {
        if ((end - start >= dl) && (memcmp(&s[end - dl], c->delim, dl) == 0)) {
            frames_add(out, &s[start], end - dl - start);
            start = end;
        } else if ((end - start) - naive_partial(s, start, end, c) > c->max_payload) {
            out->error = SLOOP_FRAME_TOO_LONG;
            out->error_at = end;
            break;
        } else {
            /* still inside a frame */
        }
    }
    return (out->error == SLOOP_FRAME_NEED_MORE) && (start < len);
}

SL_TEST(frame_delim_random_streams_match_a_naive_splitter_for_any_chunking)
{
    static const char *const all_delims[] = {"\n", "\r\n", "\r\n\r\n", "aab", "abab", "aaaa",
                                              "abca", "ab"};
    static frames expect;
    static frames got;
    uint32_t state = 0x2545F491U;
    size_t k;
    for (k = 0U; k < SL_COUNT(all_delims); k++) {
        uint32_t round;
        for (round = 0U; round < 300U; round++) {
            uint32_t max = rng_next(&state) % 17U;
            sloop_frame_config c = cfg_delim(all_delims[k], max);
            uint32_t len = rng_next(&state) % 200U;
            uint8_t s[200];
            uint32_t i;
            bool pending;
            fixture fx;
            /* Mostly delimiter bytes, so delimiters, near misses and overlaps abound. */
            for (i = 0U; i < len; i++) {
                uint32_t r = rng_next(&state);
                s[i] = (uint8_t)(((r % 5U) == 0U) ? 'x' : c.delim[(r >> 8) % c.delim_len]);
            }
            pending = naive_split(s, len, &c, &expect);

            SL_CHECK(fx_init(&fx, &c, max + c.delim_len));
            frames_clear(&got);
            feed_whole(&fx, s, len, &got);
            SL_CHECK(frames_equal(&got, &expect));
            SL_CHECK((expect.error != SLOOP_FRAME_NEED_MORE) ||
                     (sloop_frame_decoder_in_frame(&fx.d) == pending));

            SL_CHECK(fx_init(&fx, &c, max + c.delim_len));
            frames_clear(&got);
            feed_random_chunks(&fx, s, len, rng_next(&state) | 1U, 7U, &got);
            SL_CHECK(frames_equal(&got, &expect));
            SL_CHECK((expect.error != SLOOP_FRAME_NEED_MORE) ||
                     (sloop_frame_decoder_in_frame(&fx.d) == pending));

            SL_CHECK(fx_init(&fx, &c, max + c.delim_len));
            frames_clear(&got);
            feed_bytewise(&fx, s, len, &got);
            SL_CHECK(frames_equal(&got, &expect));
        }
    }
}

/* ---- RAW mode -------------------------------------------------------------- */

SL_TEST(frame_raw_delivers_chunks_in_place_capped_at_max_payload)
{
    static const uint8_t s[] = "0123456789";
    sloop_frame_config c = cfg_raw(4U);
    fixture fx;
    uint32_t used;
    sloop_frame fr;
    SL_CHECK(fx_init(&fx, &c, 4U));
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, s, 10U, &used, &fr), SLOOP_FRAME_READY);
    SL_CHECK(fr.data == &s[0]);
    SL_CHECK_EQ(fr.len, 4U);
    SL_CHECK_EQ(used, 4U);
    SL_CHECK(!sloop_frame_decoder_in_frame(&fx.d));
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, &s[4], 6U, &used, &fr), SLOOP_FRAME_READY);
    SL_CHECK(fr.data == &s[4]);
    SL_CHECK_EQ(fr.len, 4U);
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, &s[8], 2U, &used, &fr), SLOOP_FRAME_READY);
    SL_CHECK(fr.data == &s[8]);
    SL_CHECK_EQ(fr.len, 2U);
    SL_CHECK_EQ(used, 2U);
    SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, &s[10], 0U, &used, &fr), SLOOP_FRAME_NEED_MORE);
    SL_CHECK_EQ(used, 0U);
    SL_CHECK(!sloop_frame_decoder_in_frame(&fx.d));
}

SL_TEST(frame_raw_delivers_every_byte_once_in_order_for_any_chunking)
{
    static frames got;
    uint8_t s[500];
    uint32_t seed;
    pattern(s, 500U, 77U);
    for (seed = 1U; seed <= 20U; seed++) {
        sloop_frame_config c = cfg_raw(seed);
        fixture fx;
        uint32_t i;
        SL_CHECK(fx_init(&fx, &c, 32U));
        frames_clear(&got);
        feed_random_chunks(&fx, s, 500U, seed * 7919U, 40U, &got);
        SL_CHECK(got.broken == NULL);
        SL_CHECK_EQ(got.total, 500U);
        SL_CHECK_MEM(got.bytes, s, 500U);
        for (i = 0U; i < got.n; i++) {
            SL_CHECK(got.len[i] >= 1U);
            SL_CHECK(got.len[i] <= seed);
        }
    }
}

/* ---- Config validation ------------------------------------------------------ */

SL_TEST(frame_config_accepts_header_sizes_1_2_4_only)
{
    uint32_t hs;
    for (hs = 0U; hs <= 255U; hs++) {
        sloop_frame_config c = cfg_length((uint8_t)hs, 10U);
        bool expect = (hs == 1U) || (hs == 2U) || (hs == 4U);
        SL_CHECK(sloop_frame_config_valid(&c, 10U) == expect);
    }
}

SL_TEST(frame_config_accepts_delimiters_of_1_to_4_bytes_only)
{
    uint32_t dl;
    for (dl = 0U; dl <= 255U; dl++) {
        sloop_frame_config c = cfg_delim("\n", 10U);
        c.delim_len = (uint8_t)dl;
        SL_CHECK(sloop_frame_config_valid(&c, 100U) == ((dl >= 1U) && (dl <= 4U)));
    }
}

SL_TEST(frame_config_rejects_max_payload_beyond_the_buffer)
{
    sloop_frame_config len_cfg = cfg_length(2U, 100U);
    sloop_frame_config delim_cfg = cfg_delim("\r\n", 100U);
    SL_CHECK(sloop_frame_config_valid(&len_cfg, 100U));
    SL_CHECK(!sloop_frame_config_valid(&len_cfg, 99U));
    /* DELIM must also fit the delimiter: max_payload + delim_len <= cap. */
    SL_CHECK(sloop_frame_config_valid(&delim_cfg, 102U));
    SL_CHECK(!sloop_frame_config_valid(&delim_cfg, 101U));
    SL_CHECK(!sloop_frame_config_valid(&delim_cfg, 99U));
    /* No overflow in the check itself. */
    delim_cfg.max_payload = UINT32_MAX;
    SL_CHECK(!sloop_frame_config_valid(&delim_cfg, UINT32_MAX));
    delim_cfg.max_payload = UINT32_MAX - 1U;
    SL_CHECK(!sloop_frame_config_valid(&delim_cfg, UINT32_MAX));
    len_cfg.max_payload = UINT32_MAX;
    SL_CHECK(!sloop_frame_config_valid(&len_cfg, UINT32_MAX - 1U));
}

SL_TEST(frame_config_rejects_raw_max_payload_0_and_unknown_modes)
{
    sloop_frame_config c = cfg_raw(0U);
    SL_CHECK(!sloop_frame_config_valid(&c, 16U));
    c.max_payload = 1U;
    SL_CHECK(sloop_frame_config_valid(&c, 16U));
    c = cfg_length(2U, 10U);
    c.mode = (sloop_frame_mode)3;
    SL_CHECK(!sloop_frame_config_valid(&c, 16U));
}

/* Configs that no decoder may accept with a 16-byte buffer. */
static sloop_frame_config bad_config(uint32_t which)
{
    sloop_frame_config c;
    switch (which) {
    case 0U:
        c = cfg_length(3U, 10U);
        break;
    case 1U:
        c = cfg_delim("\n", 10U);
        c.delim_len = 0U;
        break;
    case 2U:
        c = cfg_delim("\n", 10U);
        c.delim_len = 5U;
        break;
    case 3U:
        c = cfg_length(1U, 17U); /* max_payload > cap */
        break;
    case 4U:
        c = cfg_delim("\r\n", 15U); /* max_payload + delim_len > cap */
        break;
    case 5U:
        c = cfg_raw(0U);
        break;
    default:
        c = cfg_length(2U, 10U);
        c.mode = (sloop_frame_mode)7;
        break;
    }
    return c;
}

SL_TEST(frame_init_with_bad_config_refuses_all_input)
{
    static const uint8_t s[] = {1U, 1U, 1U, 1U, 'a', '\n', 0U, 0U};
    uint32_t which;
    for (which = 0U; which <= 6U; which++) {
        sloop_frame_config c = bad_config(which);
        fixture fx;
        int i;
        SL_CHECK(!fx_init(&fx, &c, 16U));
        for (i = 0; i < 3; i++) {
            uint32_t used = 99U;
            sloop_frame fr;
            sloop_frame_status st =
                sloop_frame_decoder_feed(&fx.d, s, (uint32_t)sizeof(s), &used, &fr);
            SL_CHECK((st != SLOOP_FRAME_READY) && (st != SLOOP_FRAME_NEED_MORE));
            SL_CHECK_EQ(used, 0U);
        }
    }
}

SL_TEST(frame_decoder_with_bad_config_still_refuses_input_after_reset)
{
    /* Reset forgets errors the peer caused, not an unusable config: a LENGTH
     * decoder whose max_payload exceeds its buffer would otherwise assemble a
     * frame past the end of that buffer. */
    static const uint8_t s[] = {15U, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h',
                                'i', 'j', 'k', 'l', 'm', 'n', 'o'};
    uint32_t which;
    for (which = 0U; which <= 6U; which++) {
        sloop_frame_config c = bad_config(which);
        fixture fx;
        frames got;
        uint32_t used = 99U;
        sloop_frame fr;
        sloop_frame_status st;
        SL_CHECK(!fx_init(&fx, &c, 4U));
        sloop_frame_decoder_reset(&fx.d);
        st = sloop_frame_decoder_feed(&fx.d, s, 1U, &used, &fr);
        SL_CHECK((st != SLOOP_FRAME_READY) && (st != SLOOP_FRAME_NEED_MORE));
        SL_CHECK_EQ(used, 0U);
        frames_clear(&got);
        feed_bytewise(&fx, s, (uint32_t)sizeof(s), &got);
        SL_CHECK(got.broken == NULL);
        SL_CHECK_EQ(got.n, 0U);
        SL_CHECK(fx_guards_intact(&fx));
    }
}

/* ---- Header encoder --------------------------------------------------------- */

SL_TEST(frame_encode_header_writes_big_endian_bytes)
{
    static const struct {
        uint8_t hs;
        uint32_t len;
        uint8_t bytes[4];
    } cases[] = {
        {1U, 0x00U, {0x00U}},
        {1U, 0xABU, {0xABU}},
        {1U, 0xFFU, {0xFFU}},
        {2U, 0x1234U, {0x12U, 0x34U}},
        {2U, 0xFFFFU, {0xFFU, 0xFFU}},
        {4U, 0x01020304U, {0x01U, 0x02U, 0x03U, 0x04U}},
        {4U, 0xFFFFFFFFU, {0xFFU, 0xFFU, 0xFFU, 0xFFU}},
        {4U, 0x00000100U, {0x00U, 0x00U, 0x01U, 0x00U}},
    };
    size_t i;
    for (i = 0U; i < SL_COUNT(cases); i++) {
        sloop_frame_config c = cfg_length(cases[i].hs, UINT32_MAX);
        uint8_t out[SLOOP_FRAME_MAX_HEADER] = {0xEEU, 0xEEU, 0xEEU, 0xEEU};
        uint32_t out_len = 99U;
        SL_CHECK(sloop_frame_encode_header(&c, cases[i].len, out, &out_len));
        SL_CHECK_EQ(out_len, cases[i].hs);
        SL_CHECK_MEM(out, cases[i].bytes, cases[i].hs);
    }
}

/* Expects a refusal that writes nothing. */
static bool encode_refused(const sloop_frame_config *c, uint32_t len)
{
    uint8_t out[SLOOP_FRAME_MAX_HEADER] = {0xEEU, 0xEEU, 0xEEU, 0xEEU};
    uint32_t out_len = 99U;
    bool ok = sloop_frame_encode_header(c, len, out, &out_len);
    return !ok && (out_len == 99U) && (out[0] == 0xEEU) && (out[1] == 0xEEU) &&
           (out[2] == 0xEEU) && (out[3] == 0xEEU);
}

SL_TEST(frame_encode_header_rejects_len_above_max_payload)
{
    size_t h;
    for (h = 0U; h < SL_COUNT(header_sizes); h++) {
        sloop_frame_config c = cfg_length(header_sizes[h], 100U);
        uint8_t out[SLOOP_FRAME_MAX_HEADER];
        uint32_t out_len;
        SL_CHECK(sloop_frame_encode_header(&c, 100U, out, &out_len));
        SL_CHECK(encode_refused(&c, 101U));
        SL_CHECK(encode_refused(&c, UINT32_MAX));
    }
}

SL_TEST(frame_encode_header_rejects_len_not_representable)
{
    sloop_frame_config c1 = cfg_length(1U, 1000U);
    sloop_frame_config c2 = cfg_length(2U, 0x20000U);
    uint8_t out[SLOOP_FRAME_MAX_HEADER];
    uint32_t out_len;
    SL_CHECK(sloop_frame_encode_header(&c1, 255U, out, &out_len));
    SL_CHECK(encode_refused(&c1, 256U));
    SL_CHECK(sloop_frame_encode_header(&c2, 0xFFFFU, out, &out_len));
    SL_CHECK(encode_refused(&c2, 0x10000U));
}

SL_TEST(frame_encode_header_rejects_configs_that_are_not_length_mode)
{
    sloop_frame_config c = cfg_length(3U, 100U);
    SL_CHECK(encode_refused(&c, 5U));
    c = cfg_delim("\n", 100U);
    c.header_size = 2U;
    SL_CHECK(encode_refused(&c, 5U));
    c = cfg_raw(100U);
    c.header_size = 2U;
    SL_CHECK(encode_refused(&c, 5U));
}

SL_TEST(frame_encode_then_decode_round_trips)
{
    /* The first seven fit a 1-byte header; all nine fit 2 and 4 bytes. */
    static const uint32_t lens[] = {0U, 1U, 2U, 127U, 128U, 254U, 255U, 256U, 300U};
    size_t h;
    size_t i;
    for (h = 0U; h < SL_COUNT(header_sizes); h++) {
        uint8_t hs = header_sizes[h];
        uint32_t max = (hs == 1U) ? 255U : 300U;
        sloop_frame_config c = cfg_length(hs, max);
        size_t n = (hs == 1U) ? 7U : SL_COUNT(lens);
        for (i = 0U; i < n; i++) {
            uint8_t s[4 + 300];
            uint32_t hlen = 0U;
            uint32_t used;
            sloop_frame fr;
            fixture fx;
            SL_CHECK(sloop_frame_encode_header(&c, lens[i], s, &hlen));
            SL_CHECK_EQ(hlen, hs);
            pattern(&s[hlen], lens[i], lens[i]);
            SL_CHECK(fx_init(&fx, &c, max));
            SL_CHECK_EQ(sloop_frame_decoder_feed(&fx.d, s, hlen + lens[i], &used, &fr),
                        SLOOP_FRAME_READY);
            SL_CHECK_EQ(used, hlen + lens[i]);
            SL_CHECK_EQ(fr.len, lens[i]);
            SL_CHECK(fr.data == &s[hlen]);
        }
    }
}

/* ---- Chunking invariance on a long LENGTH stream ------------------------------ */

SL_TEST(frame_length_random_stream_gives_identical_frames_whole_or_in_random_chunks)
{
    /* Frames of 0 .. 40 bytes, then a header announcing 41 and trailing junk:
     * the same frames and the same TOO_BIG at the same offset, however split. */
    static uint8_t s[200U * (4U + 40U) + 4U + 16U];
    static frames expect;
    static frames whole;
    static frames got;
    size_t h;
    for (h = 0U; h < SL_COUNT(header_sizes); h++) {
        uint8_t hs = header_sizes[h];
        sloop_frame_config c = cfg_length(hs, 40U);
        uint32_t state = 0xC0FFEEU + (uint32_t)h;
        uint32_t len = 0U;
        uint32_t n;
        uint32_t seed;
        fixture fx;
        frames_clear(&expect);
        for (n = 0U; n < 200U; n++) {
            uint8_t payload[40];
            uint32_t plen = rng_next(&state) % 41U;
            uint32_t i;
            for (i = 0U; i < plen; i++) {
                payload[i] = (uint8_t)(rng_next(&state) & 0xFFU);
            }
            len += put_frame(&s[len], hs, payload, plen);
            frames_add(&expect, payload, plen);
        }
        len += put_header(&s[len], hs, 41U);
        expect.error = SLOOP_FRAME_TOO_BIG;
        expect.error_at = len;
        memset(&s[len], 0x00, 16U);
        len += 16U;

        SL_CHECK(fx_init(&fx, &c, 40U));
        frames_clear(&whole);
        feed_whole(&fx, s, len, &whole);
        SL_CHECK(frames_equal(&whole, &expect));
        for (seed = 1U; seed <= 40U; seed++) {
            SL_CHECK(fx_init(&fx, &c, 40U));
            frames_clear(&got);
            feed_random_chunks(&fx, s, len, seed * 2654435761U, 1U + (seed % 50U), &got);
            SL_CHECK(frames_equal(&got, &whole));
        }
    }
}

static const sl_test tests[] = {
    SL_ENTRY(frame_length_accepts_a_frame_of_exactly_max_payload),
    SL_ENTRY(frame_length_rejects_max_payload_plus_one_as_soon_as_the_header_is_complete),
    SL_ENTRY(frame_length_largest_4_byte_header_is_too_big_not_wrapped),
    SL_ENTRY(frame_length_too_big_is_sticky_until_reset),
    SL_ENTRY(frame_length_zero_length_frames_are_delivered),
    SL_ENTRY(frame_length_any_split_into_three_chunks_gives_the_same_frames),
    SL_ENTRY(frame_length_one_byte_at_a_time_gives_the_same_frames),
    SL_ENTRY(frame_length_header_is_read_big_endian),
    SL_ENTRY(frame_length_header_value_is_the_same_read_whole_or_byte_by_byte),
    SL_ENTRY(frame_length_two_frames_in_one_chunk_are_returned_in_place),
    SL_ENTRY(frame_length_frame_spanning_chunks_is_assembled_in_the_buffer),
    SL_ENTRY(frame_length_payload_whole_after_a_split_header_is_returned_in_place),
    SL_ENTRY(frame_length_in_frame_is_true_exactly_mid_frame),
    SL_ENTRY(frame_delim_lines_in_one_chunk_are_returned_in_place),
    SL_ENTRY(frame_delim_line_spanning_chunks_is_assembled_in_the_buffer),
    SL_ENTRY(frame_delim_empty_lines_are_empty_frames),
    SL_ENTRY(frame_delim_delimiter_split_across_chunks_is_found),
    SL_ENTRY(frame_delim_self_overlapping_delimiters_end_at_their_first_occurrence),
    SL_ENTRY(frame_delim_line_of_exactly_max_payload_is_accepted),
    SL_ENTRY(frame_delim_line_of_max_payload_plus_one_is_too_long_at_its_extra_byte),
    SL_ENTRY(frame_delim_too_long_is_sticky_until_reset),
    SL_ENTRY(frame_delim_max_payload_zero_accepts_only_empty_lines),
    SL_ENTRY(frame_delim_random_streams_match_a_naive_splitter_for_any_chunking),
    SL_ENTRY(frame_raw_delivers_chunks_in_place_capped_at_max_payload),
    SL_ENTRY(frame_raw_delivers_every_byte_once_in_order_for_any_chunking),
    SL_ENTRY(frame_config_accepts_header_sizes_1_2_4_only),
    SL_ENTRY(frame_config_accepts_delimiters_of_1_to_4_bytes_only),
    SL_ENTRY(frame_config_rejects_max_payload_beyond_the_buffer),
    SL_ENTRY(frame_config_rejects_raw_max_payload_0_and_unknown_modes),
    SL_ENTRY(frame_init_with_bad_config_refuses_all_input),
    SL_ENTRY(frame_decoder_with_bad_config_still_refuses_input_after_reset),
    SL_ENTRY(frame_encode_header_writes_big_endian_bytes),
    SL_ENTRY(frame_encode_header_rejects_len_above_max_payload),
    SL_ENTRY(frame_encode_header_rejects_len_not_representable),
    SL_ENTRY(frame_encode_header_rejects_configs_that_are_not_length_mode),
    SL_ENTRY(frame_encode_then_decode_round_trips),
    SL_ENTRY(frame_length_random_stream_gives_identical_frames_whole_or_in_random_chunks),
};

int main(int argc, char **argv)
{
    return sl_main("frame", tests, SL_COUNT(tests), argc, argv);
}
