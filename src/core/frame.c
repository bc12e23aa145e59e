/*
 * frame.c - incremental decoding of length-prefixed and delimited frames.
 *
 * The decoder trusts nothing it is fed: a length above the configured maximum
 * is rejected as soon as the header is complete, before any payload is
 * buffered; a delimited payload is rejected as soon as it is certain to exceed
 * the maximum, so the assembly buffer never holds more than max_payload plus a
 * partial delimiter. Each byte is examined once whatever the chunking.
 */
#include "frame.h"

/* ---- Logic model (ACSL) -----------------------------------------------------
 * The contracts below are proved by Frama-C WP with -wp-rte on z3 and cvc4; see
 * proofs/frame/README.md for the command, the properties and the known gaps. */

/*@ // 256^n.
    logic integer pow256(integer n) = (n <= 0) ? 1 : 256 * pow256(n - 1);

    // The values of 256^n for the header sizes a decoder can hold (0 .. 4 bytes).
    lemma pow256_small: \forall integer n; 0 <= n <= 4 ==>
        pow256(n) == ((n == 0) ? 1 : (n == 1) ? 256 : (n == 2) ? 65536 :
                      (n == 3) ? 16777216 : 4294967296);

    // The big-endian reading of p[0 .. n) appended to the digits already in acc:
    // acc * 256^n + p[0] * 256^(n-1) + ... + p[n-1]. This is exactly what the
    // decoder computes byte by byte, whatever the chunking.
    logic integer be_acc{L}(integer acc, uint8_t *p, integer n) =
        (n <= 0) ? acc : (be_acc(acc, p, n - 1) * 256) + p[n - 1];

    // The value of the big-endian number p[0 .. n).
    logic integer be_value{L}(uint8_t *p, integer n) = be_acc(0, p, n);

    // The big-endian value of p[lo .. hi) for hi - lo <= 4 (a header is at most
    // SLOOP_FRAME_MAX_HEADER bytes), written out term by term. It is not
    // recursive, so provers see which bytes it reads even after memory changed
    // elsewhere; lemma be_value_range ties it to be_value.
    logic integer be_range{L}(uint8_t *p, integer lo, integer hi) =
        (hi - lo <= 0) ? 0 :
        (hi - lo == 1) ? p[lo] :
        (hi - lo == 2) ? (p[lo] * 256) + p[lo + 1] :
        (hi - lo == 3) ? (p[lo] * 65536) + (p[lo + 1] * 256) + p[lo + 2] :
                         (p[lo] * 16777216) + (p[lo + 1] * 65536) +
                         (p[lo + 2] * 256) + p[lo + 3];

    lemma be_value_range{L}: \forall uint8_t *p, integer n; 0 <= n <= 4 ==>
        be_value(p, n) == be_range(p, 0, n);

    logic integer lmin(integer a, integer b) = (a < b) ? a : b;

    // A configuration a decoder with an assembly buffer of cap bytes can run.
    // The predicates on values (cfg_ok, length_ok, delim_ok) carry the meaning;
    // the ones on a decoder only read its fields. Helper contracts use the value
    // forms, which spares the provers reasoning about memory.
    predicate cfg_ok(integer mode, integer header_size, integer delim_len,
                     integer max_payload, integer cap) =
        (mode == SLOOP_FRAME_RAW && max_payload >= 1) ||
        (mode == SLOOP_FRAME_LENGTH &&
         (header_size == 1 || header_size == 2 || header_size == 4) &&
         max_payload <= cap) ||
        (mode == SLOOP_FRAME_DELIM && 1 <= delim_len <= SLOOP_FRAME_MAX_DELIM &&
         max_payload + delim_len <= cap);

    predicate frame_cfg_valid{L}(sloop_frame_config *c, integer cap) =
        cfg_ok(c->mode, c->header_size, c->delim_len, c->max_payload, cap);

    // LENGTH: the header accumulates in length (have of size bytes so far);
    // once it is complete the payload accumulates in buf[0 .. fill), and a frame
    // is never left complete (it is delivered, and the state cleared, by the
    // feed that completes it).
    predicate length_ok(integer have, integer size, integer length, integer fill,
                        integer max_payload, integer cap) =
        have <= size && length < pow256(have) &&
        (have < size ==> fill == 0) &&
        (have == size ==> fill < length <= max_payload <= cap);

    // DELIM: buf[0 .. fill) holds the frame so far, whose last match bytes are a
    // proper prefix of the delimiter; the payload part never exceeds max_payload.
    predicate delim_ok(integer match, integer delim_len, integer fill,
                       integer max_payload, integer cap) =
        match < delim_len && match <= fill && fill - match <= max_payload &&
        fill <= max_payload + delim_len <= cap;

    // RAW keeps no state between feeds.
    predicate frame_raw_state{L}(sloop_frame_decoder *d) =
        d->fill == 0 && d->length == 0 && d->header_have == 0 && d->match == 0;

    predicate frame_length_state{L}(sloop_frame_decoder *d) =
        d->match == 0 &&
        length_ok(d->header_have, d->cfg.header_size, d->length, d->fill,
                  d->cfg.max_payload, d->cap);

    predicate frame_delim_state{L}(sloop_frame_decoder *d) =
        d->header_have == 0 && d->length == 0 &&
        delim_ok(d->match, d->cfg.delim_len, d->fill, d->cfg.max_payload, d->cap);

    // An expected frame (sloop_frame_decoder_expect) of length bytes, whatever
    // the mode: buf[0 .. fill) holds its first bytes; it fits max_payload and
    // the buffer; no header or delimiter is under way.
    predicate expect_ok(integer fill, integer length, integer max_payload, integer cap) =
        fill < length && length <= max_payload && length <= cap;

    predicate frame_expect_state{L}(sloop_frame_decoder *d) =
        d->header_have == 0 && d->match == 0 &&
        expect_ok(d->fill, d->length, d->cfg.max_payload, d->cap);

    // The decoder invariant: every function preserves it. A failed decoder
    // (sticky error, or a config that init rejected) refuses all input, so only
    // its status code matters.
    predicate frame_inv{L}(sloop_frame_decoder *d) =
        (d->failed == 0 || d->failed == SLOOP_FRAME_TOO_BIG ||
         d->failed == SLOOP_FRAME_TOO_LONG) &&
        (d->failed == 0 ==>
            frame_cfg_valid(&d->cfg, d->cap) &&
            (d->expecting != 0 ==> frame_expect_state(d)) &&
            (d->expecting == 0 && d->cfg.mode == SLOOP_FRAME_RAW ==> frame_raw_state(d)) &&
            (d->expecting == 0 && d->cfg.mode == SLOOP_FRAME_LENGTH ==>
                frame_length_state(d)) &&
            (d->expecting == 0 && d->cfg.mode == SLOOP_FRAME_DELIM ==>
                frame_delim_state(d)));

    // The caller-owned assembly buffer.
    predicate frame_buf_ok{L}(sloop_frame_decoder *d) =
        \valid(d->buf + (0 .. d->cap - 1)) && \separated(d, d->buf + (0 .. d->cap - 1));

    // a[0 .. n) and b[0 .. n) hold the same bytes.
    predicate same_bytes{L}(uint8_t *a, uint8_t *b, integer n) =
        \forall integer j; 0 <= j < n ==> a[j] == b[j];

    // data[0 .. n) lies within base[0 .. size).
    predicate frame_inside(uint8_t *data, integer n, uint8_t *base, integer size) =
        \base_addr(data) == \base_addr(base) && base <= data && data + n <= base + size;

    // LENGTH: header bytes still missing, and the header's value once the next
    // feed completes it (from the bytes already accumulated and those of in).
    logic integer hdr_need{L}(sloop_frame_decoder *d) =
        d->cfg.header_size - d->header_have;
    logic integer hdr_value{L}(sloop_frame_decoder *d, uint8_t *in) =
        be_acc(d->length, in, hdr_need(d));
*/

/*@ assigns \nothing;
    ensures \result == lmin(a, b);
*/
static uint32_t frame_min(uint32_t a, uint32_t b)
{
    return (a < b) ? a : b;
}

/* An explicit loop rather than memcpy: Frama-C's memcpy contract takes char *,
 * and its goals stay unproved from uint8_t *. */
/*@ requires \valid(dst + (0 .. n - 1));
    requires \valid_read(src + (0 .. n - 1));
    requires \separated(dst + (0 .. n - 1), src + (0 .. n - 1));
    assigns dst[0 .. n - 1];
    ensures same_bytes(dst, src, n);
*/
static void frame_copy(uint8_t *dst, const uint8_t *src, uint32_t n)
{
    uint32_t i;
    /*@ loop invariant 0 <= i <= n;
        loop invariant \forall integer j; 0 <= j < i ==> dst[j] == src[j];
        loop assigns i, dst[0 .. n - 1];
        loop variant n - i;
    */
    for (i = 0U; i < n; i++) {
        dst[i] = src[i];
    }
}

/*@ requires \valid_read(cfg);
    assigns \nothing;
    ensures \result == 0 || \result == 1;
    ensures \result == 1 <==> frame_cfg_valid(cfg, cap);
*/
bool sloop_frame_config_valid(const sloop_frame_config *cfg, uint32_t cap)
{
    bool ok = false;
    switch (cfg->mode) {
    case SLOOP_FRAME_RAW:
        ok = (cfg->max_payload >= 1U);
        break;
    case SLOOP_FRAME_LENGTH:
        ok = ((cfg->header_size == 1U) || (cfg->header_size == 2U) ||
              (cfg->header_size == 4U)) &&
             (cfg->max_payload <= cap);
        break;
    case SLOOP_FRAME_DELIM:
        ok = (cfg->delim_len >= 1U) && (cfg->delim_len <= SLOOP_FRAME_MAX_DELIM) &&
             (cfg->max_payload <= cap) && (cfg->delim_len <= cap - cfg->max_payload);
        break;
    default:
        ok = false;
        break;
    }
    return ok;
}

/* A decoder whose config is not valid for its buffer stays failed: clearing its
 * error would let the next feed overrun buf (LENGTH or DELIM with max_payload
 * above cap) or read past cfg.delim (delim_len above 4). */
/*@ requires \valid(d);
    assigns d->fill, d->length, d->header_have, d->match, d->failed, d->expecting;
    ensures d->fill == 0 && d->length == 0 && d->header_have == 0 && d->match == 0;
    ensures d->expecting == 0;
    ensures frame_cfg_valid(&d->cfg, d->cap) ==> d->failed == 0;
    ensures !frame_cfg_valid(&d->cfg, d->cap) ==> d->failed == SLOOP_FRAME_TOO_BIG;
    ensures frame_inv(d);
*/
void sloop_frame_decoder_reset(sloop_frame_decoder *d)
{
    d->fill = 0U;
    d->length = 0U;
    d->header_have = 0U;
    d->match = 0U;
    d->expecting = 0U;
    if (sloop_frame_config_valid(&d->cfg, d->cap)) {
        d->failed = 0U;
    } else {
        d->failed = (uint32_t)SLOOP_FRAME_TOO_BIG;
    }
}

/*@ requires \valid(d) && \valid_read(cfg);
    requires \valid(buf + (0 .. cap - 1));
    requires \separated(d, cfg);
    requires \separated(d, buf + (0 .. cap - 1));
    assigns *d;
    // The struct assignment also copies cfg->delim[]; that member is not stated
    // here (WP does not relate an array member across a struct copy; see
    // proofs/frame/README.md, gaps).
    ensures d->cfg.mode == cfg->mode && d->cfg.header_size == cfg->header_size &&
            d->cfg.delim_len == cfg->delim_len && d->cfg.max_payload == cfg->max_payload;
    ensures d->buf == buf && d->cap == cap;
    ensures frame_inv(d) && frame_buf_ok(d);
    ensures d->fill == 0 && d->length == 0 && d->header_have == 0 && d->match == 0;
    ensures d->expecting == 0;
    ensures \result == 0 || \result == 1;
    ensures \result == 1 <==> \old(frame_cfg_valid(cfg, cap));
    ensures \result == 1 ==> d->failed == 0;
    ensures \result == 0 ==> d->failed == SLOOP_FRAME_TOO_BIG;
*/
bool sloop_frame_decoder_init(sloop_frame_decoder *d, const sloop_frame_config *cfg,
                              uint8_t *buf, uint32_t cap)
{
    bool ok = sloop_frame_config_valid(cfg, cap);
    d->cfg = *cfg;
    /*@ assert d->cfg.mode == cfg->mode && d->cfg.header_size == cfg->header_size &&
               d->cfg.delim_len == cfg->delim_len &&
               d->cfg.max_payload == cfg->max_payload; */
    d->buf = buf;
    d->cap = cap;
    sloop_frame_decoder_reset(d);
    if (!ok) {
        /* An unusable decoder refuses input rather than misreading it. */
        d->failed = (uint32_t)SLOOP_FRAME_TOO_BIG;
    }
    return ok;
}

/* The expected frame is then fed like a LENGTH payload whose header is complete
 * (frame_length_payload with length = n), which is what makes it zero copy when
 * it lies in one chunk and bounded by the buffer otherwise. */
/*@ requires \valid(d) && frame_inv(d);
    ensures frame_inv(d);
    ensures \result == 0 || \result == 1;
    behavior accept:
      assumes d->failed == 0 && d->fill == 0 && d->header_have == 0 && d->expecting == 0;
      assumes 0 < n && n <= d->cfg.max_payload && n <= d->cap;
      assigns d->length, d->expecting;
      ensures \result == 1 && d->expecting == 1 && d->length == n;
    behavior refuse:
      assumes d->failed != 0 || d->fill != 0 || d->header_have != 0 || d->expecting != 0 ||
              n == 0 || n > d->cfg.max_payload || n > d->cap;
      assigns \nothing;
      ensures \result == 0;
    complete behaviors;
    disjoint behaviors;
*/
bool sloop_frame_decoder_expect(sloop_frame_decoder *d, uint32_t n)
{
    bool ok = (d->failed == 0U) && !sloop_frame_decoder_in_frame(d) && (n > 0U) &&
              (n <= d->cfg.max_payload) && (n <= d->cap);
    if (ok) {
        d->length = n;
        d->expecting = 1U;
    }
    return ok;
}

/* RAW: the next chunk of at most max_payload bytes, in place. */
/*@ requires \valid_read(d) && \valid(consumed) && \valid(frame);
    requires \separated(d, consumed, frame);
    requires frame_inv(d) && d->cfg.max_payload >= 1;
    assigns *consumed, *frame;
    // The decoder is not written; stated so that feed reads its invariant and
    // its READY promise off here instead of re-deriving them past the writes
    // to *consumed and *frame.
    ensures frame_inv(d);
    ensures ready_inside: \result == SLOOP_FRAME_READY ==>
            *consumed >= 1 && frame->len <= d->cfg.max_payload &&
            frame_inside(frame->data, frame->len, in, len);
    behavior empty:
      assumes len == 0;
      assigns *consumed;
      ensures \result == SLOOP_FRAME_NEED_MORE && *consumed == 0;
    behavior chunk:
      assumes len > 0;
      ensures \result == SLOOP_FRAME_READY;
      ensures frame->data == in && frame->len == lmin(len, d->cfg.max_payload);
      ensures *consumed == frame->len;
    complete behaviors;
    disjoint behaviors;
*/
static sloop_frame_status frame_feed_raw(const sloop_frame_decoder *d, const uint8_t *in,
                                         uint32_t len, uint32_t *consumed,
                                         sloop_frame *frame)
{
    sloop_frame_status st = SLOOP_FRAME_NEED_MORE;
    *consumed = 0U;
    if (len > 0U) {
        frame->data = in;
        frame->len = frame_min(len, d->cfg.max_payload);
        *consumed = frame->len;
        st = SLOOP_FRAME_READY;
    }
    return st;
}

/* The big-endian value of a whole header in[0 .. n), read at once: the usual
 * case, a header that starts a chunk and lies in it, costs a few instructions
 * instead of a loop iteration per byte. Products, not shifts, so that the
 * proof's arithmetic is linear; the compiler emits shifts. */
/*@ requires n == 1 || n == 2 || n == 4;
    requires \valid_read(in + (0 .. n - 1));
    assigns \nothing;
    ensures \result == be_range(in, 0, n);
*/
static uint32_t frame_header_value(const uint8_t *in, uint32_t n)
{
    uint32_t v;
    switch (n) {
    case 1U:
        v = (uint32_t)in[0];
        break;
    case 2U:
        v = ((uint32_t)in[0] * 256U) + (uint32_t)in[1];
        break;
    default:
        v = ((uint32_t)in[0] * 16777216U) + ((uint32_t)in[1] * 65536U) +
            ((uint32_t)in[2] * 256U) + (uint32_t)in[3];
        break;
    }
    return v;
}

/* LENGTH, header part: header bytes accumulate arithmetically (value * 256 +
 * byte), so the value of a complete header is exactly its big-endian reading.
 * A header that starts this chunk and lies wholly in it is read at once (the
 * same value: be_acc from 0 is be_value, lemma be_value_range). Returns the
 * number of bytes taken from in. */
/*@ requires \valid(d);
    requires d->cfg.header_size == 1 || d->cfg.header_size == 2 || d->cfg.header_size == 4;
    requires d->header_have <= d->cfg.header_size;
    requires d->length < pow256(d->header_have);
    requires \valid_read(in + (0 .. len - 1));
    requires \separated(d, in + (0 .. len - 1));
    assigns d->length, d->header_have;
    ensures \result == lmin(len, \old(hdr_need(d)));
    ensures d->header_have == \old(d->header_have) + \result;
    ensures d->length == be_acc{Pre}(\old(d->length), in, \result);
    ensures d->length < pow256(d->header_have);
*/
static uint32_t frame_length_header(sloop_frame_decoder *d, const uint8_t *in, uint32_t len)
{
    uint32_t pos = 0U;
    if ((d->header_have == 0U) && (len >= d->cfg.header_size)) {
        /* Nothing accumulated yet: length is 0 (length < 256^0). */
        /*@ assert d->length == 0; */
        /*@ assert be_acc(0, in, d->cfg.header_size) == be_range(in, 0, d->cfg.header_size); */
        d->length = frame_header_value(in, d->cfg.header_size);
        d->header_have = d->cfg.header_size;
        pos = d->header_have;
    } else {
        /*@ loop invariant 0 <= pos <= len;
            loop invariant d->header_have == \at(d->header_have, Pre) + pos;
            loop invariant d->header_have <= d->cfg.header_size;
            loop invariant d->length < pow256(d->header_have);
            loop invariant d->length == be_acc{Pre}(\at(d->length, Pre), in, pos);
            loop assigns pos, d->length, d->header_have;
            loop variant len - pos;
        */
        while ((pos < len) && (d->header_have < d->cfg.header_size)) {
            d->length = (d->length * 256U) + (uint32_t)in[pos];
            d->header_have++;
            pos++;
        }
    }
    return pos;
}

/* LENGTH, payload part (header complete, length accepted): takes payload bytes
 * from in[pos .. len) up to the end of the frame. A payload lying wholly in this
 * chunk is delivered in place; otherwise it accumulates in buf. inline: folded
 * into its two callers, it saves a call per frame (echo benchmark,
 * docs/benchmarks.md); the proof is per function either way. */
/*@ requires \valid(d) && frame_buf_ok(d);
    requires d->fill <= d->length <= d->cfg.max_payload && d->length <= d->cap;
    requires (pos >= 1 && d->fill == 0) || d->fill < d->length;
    requires pos <= len;
    requires \valid_read(in + (0 .. len - 1));
    requires \valid(consumed) && \valid(frame);
    requires \separated(d, consumed, frame, d->buf + (0 .. d->cap - 1), in + (0 .. len - 1));
    assigns *consumed, *frame, d->fill, d->length, d->header_have,
            d->buf[d->fill .. d->cap - 1];
    // Implied by the assigns clause; stated so that callers get the values
    // without reasoning about the (partly) assigned buffer.
    ensures d->match == \old(d->match) && d->failed == \old(d->failed);
    ensures d->expecting == \old(d->expecting);
    ensures d->cfg.mode == \old(d->cfg.mode) &&
            d->cfg.header_size == \old(d->cfg.header_size) &&
            d->cfg.delim_len == \old(d->cfg.delim_len) &&
            d->cfg.max_payload == \old(d->cfg.max_payload) &&
            d->cap == \old(d->cap) && d->buf == \old(d->buf);
    // What feed promises of every READY frame, stated here so that feed's
    // proof reads it off instead of redoing the case analysis.
    ensures ready_inside: \result == SLOOP_FRAME_READY ==>
            frame->len <= d->cfg.max_payload &&
            (frame_inside(frame->data, frame->len, in, len) ||
             frame_inside(frame->data, frame->len, d->buf, d->cap));
    behavior ready:
      assumes d->fill + (len - pos) >= d->length;
      ensures \result == SLOOP_FRAME_READY;
      ensures *consumed == pos + \old(d->length - d->fill) && *consumed >= 1;
      ensures frame->len == \old(d->length);
      ensures \old(d->fill) == 0 ==> frame->data == in + pos;
      ensures \old(d->fill) > 0 ==> frame->data == d->buf;
      ensures \forall integer j; 0 <= j < \old(d->fill) ==>
                frame->data[j] == \old(d->buf[j]);
      ensures same_bytes(frame->data + \old(d->fill), in + pos, frame->len - \old(d->fill));
      ensures d->fill == 0 && d->length == 0 && d->header_have == 0;
    behavior more:
      assumes d->fill + (len - pos) < d->length;
      assigns *consumed, d->fill, d->buf[d->fill .. d->cap - 1];
      ensures \result == SLOOP_FRAME_NEED_MORE && *consumed == len;
      ensures d->fill == \old(d->fill) + (len - pos);
      // Callers see only the default assigns (WP ignores a behavior's own), so
      // what this path leaves alone is also stated as values.
      ensures d->length == \old(d->length) && d->header_have == \old(d->header_have);
      ensures frame->data == \old(frame->data) && frame->len == \old(frame->len);
      ensures same_bytes(d->buf + \old(d->fill), in + pos, d->fill - \old(d->fill));
    complete behaviors;
    disjoint behaviors;
*/
static inline sloop_frame_status frame_length_payload(sloop_frame_decoder *d,
                                                      const uint8_t *in, uint32_t pos,
                                                      uint32_t len, uint32_t *consumed,
                                                      sloop_frame *frame)
{
    sloop_frame_status st = SLOOP_FRAME_NEED_MORE;
    uint32_t need = d->length - d->fill;
    uint32_t avail = len - pos;
    if ((d->fill == 0U) && (avail >= need)) {
        /* Whole payload inside this chunk: deliver it in place. */
        if (len > 0U) {
            frame->data = &in[pos];
        } else {
            /* Unreachable through the API: a complete header with nothing
             * buffered and nothing to come is delivered by the feed that
             * completes it (the proof checks it with the assert below). Kept for
             * a forged decoder: no pointer is formed from a possibly null in. */
            /*@ assert \false; */
            frame->data = d->buf;
        }
        frame->len = need;
        pos += need;
        st = SLOOP_FRAME_READY;
    } else {
        uint32_t take = frame_min(need, avail);
        if (take > 0U) {
            frame_copy(&d->buf[d->fill], &in[pos], take);
        }
        d->fill += take;
        pos += take;
        if (d->fill == d->length) {
            frame->data = d->buf;
            frame->len = d->fill;
            st = SLOOP_FRAME_READY;
        }
    }
    if (st == SLOOP_FRAME_READY) {
        d->fill = 0U;
        d->length = 0U;
        d->header_have = 0U;
    }
    *consumed = pos;
    return st;
}

/* LENGTH: the header, then its payload; a header announcing more than
 * max_payload is rejected before any payload is buffered. */
/*@ requires \valid(d) && frame_buf_ok(d);
    requires d->failed == 0 && d->cfg.mode == SLOOP_FRAME_LENGTH;
    requires frame_cfg_valid(&d->cfg, d->cap) && frame_length_state(d);
    requires \valid_read(in + (0 .. len - 1));
    requires \valid(consumed) && \valid(frame);
    requires \separated(d, consumed, frame, d->buf + (0 .. d->cap - 1), in + (0 .. len - 1));
    assigns *consumed, *frame, d->fill, d->length, d->header_have, d->failed,
            d->buf[d->fill .. d->cap - 1];
    // The configuration stays; the state is that of a LENGTH decoder.
    ensures d->cfg.mode == \old(d->cfg.mode) &&
            d->cfg.header_size == \old(d->cfg.header_size) &&
            d->cfg.delim_len == \old(d->cfg.delim_len) &&
            d->cfg.max_payload == \old(d->cfg.max_payload) &&
            d->cap == \old(d->cap) && d->buf == \old(d->buf);
    ensures d->expecting == \old(d->expecting);
    ensures d->failed == 0 || d->failed == SLOOP_FRAME_TOO_BIG;
    ensures d->failed == 0 ==> d->match == 0 &&
            length_ok(d->header_have, d->cfg.header_size, d->length, d->fill,
                      d->cfg.max_payload, d->cap);
    ensures 0 <= *consumed <= len;
    ensures \result == SLOOP_FRAME_READY ==> *consumed >= 1;
    ensures ready_inside: \result == SLOOP_FRAME_READY ==>
            frame->len <= d->cfg.max_payload &&
            (frame_inside(frame->data, frame->len, in, len) ||
             frame_inside(frame->data, frame->len, d->buf, d->cap));
    behavior header:
      assumes len < hdr_need(d);
      assigns *consumed, d->length, d->header_have;
      ensures \result == SLOOP_FRAME_NEED_MORE && *consumed == len;
      ensures d->header_have == \old(d->header_have) + len;
      ensures d->length == \old(be_acc(d->length, in, len));
    behavior too_big:
      assumes len >= hdr_need(d) && hdr_value(d, in) > d->cfg.max_payload;
      assigns *consumed, d->length, d->header_have, d->failed;
      ensures \result == SLOOP_FRAME_TOO_BIG && d->failed == SLOOP_FRAME_TOO_BIG;
      ensures *consumed == \old(hdr_need(d));
    behavior ready:
      assumes len >= hdr_need(d) && hdr_value(d, in) <= d->cfg.max_payload;
      assumes d->header_have + d->fill + len >= d->cfg.header_size + hdr_value(d, in);
      ensures \result == SLOOP_FRAME_READY;
      ensures frame->len == \old(hdr_value(d, in));
      ensures *consumed == \old(hdr_need(d) + hdr_value(d, in) - d->fill);
      ensures \old(d->fill) == 0 ==> frame->data == in + \old(hdr_need(d));
      ensures \old(d->fill) > 0 ==> frame->data == d->buf;
      ensures \forall integer j; 0 <= j < \old(d->fill) ==>
                frame->data[j] == \old(d->buf[j]);
      ensures same_bytes(frame->data + \old(d->fill), in + \old(hdr_need(d)),
                         frame->len - \old(d->fill));
      ensures d->fill == 0 && d->length == 0 && d->header_have == 0;
    behavior body:
      assumes len >= hdr_need(d) && hdr_value(d, in) <= d->cfg.max_payload;
      assumes d->header_have + d->fill + len < d->cfg.header_size + hdr_value(d, in);
      assigns *consumed, *frame, d->fill, d->length, d->header_have,
              d->buf[d->fill .. d->cap - 1];
      ensures \result == SLOOP_FRAME_NEED_MORE && *consumed == len;
      ensures frame->data == \old(frame->data) && frame->len == \old(frame->len);
      ensures d->header_have == d->cfg.header_size;
      ensures d->length == \old(hdr_value(d, in));
      ensures d->fill == \old(d->fill + len - hdr_need(d));
      ensures same_bytes(d->buf + \old(d->fill), in + \old(hdr_need(d)),
                         d->fill - \old(d->fill));
    complete behaviors;
    disjoint behaviors;
*/
static sloop_frame_status frame_feed_length(sloop_frame_decoder *d, const uint8_t *in,
                                            uint32_t len, uint32_t *consumed,
                                            sloop_frame *frame)
{
    sloop_frame_status st = SLOOP_FRAME_NEED_MORE;
    uint32_t pos = frame_length_header(d, in, len);
    bool header_done = (d->header_have == d->cfg.header_size);

    if (header_done && (d->length > d->cfg.max_payload)) {
        d->failed = (uint32_t)SLOOP_FRAME_TOO_BIG;
        st = SLOOP_FRAME_TOO_BIG;
        *consumed = pos;
    } else if (header_done) {
        st = frame_length_payload(d, in, pos, len, consumed, frame);
    } else {
        /* Header still incomplete: everything was consumed. */
        *consumed = pos;
    }
    return st;
}

/* Length of the longest delimiter prefix that is a suffix of the matched prefix
 * delim[0 .. m-1] followed by byte c. m < delim_len. At most 4 x 4 comparisons. */
/*@ // delim[0 .. k) is a suffix of delim[0 .. m) followed by c.
    predicate delim_candidate{L}(sloop_frame_config *cfg, integer m, integer c, integer k) =
        cfg->delim[k - 1] == c &&
        \forall integer j; 0 <= j < k - 1 ==> cfg->delim[j] == cfg->delim[m + 1 - k + j];
*/
/*@ requires \valid_read(cfg);
    requires 1 <= cfg->delim_len <= SLOOP_FRAME_MAX_DELIM;
    requires m < cfg->delim_len;
    assigns \nothing;
    ensures 0 <= \result <= m + 1;
    ensures \result > 0 ==> delim_candidate(cfg, m, c, \result);
    ensures \forall integer k; \result < k <= m + 1 ==> !delim_candidate(cfg, m, c, k);
*/
static uint32_t frame_delim_advance(const sloop_frame_config *cfg, uint32_t m, uint8_t c)
{
    uint32_t k = m + 1U;
    uint32_t result = 0U;
    /*@ loop invariant 0 <= k <= m + 1;
        loop invariant result == 0 ==>
            \forall integer kk; k < kk <= m + 1 ==> !delim_candidate(cfg, m, c, kk);
        loop invariant result != 0 ==> result == k + 1 && result <= m + 1 &&
            delim_candidate(cfg, m, c, result) &&
            \forall integer kk; result < kk <= m + 1 ==> !delim_candidate(cfg, m, c, kk);
        loop assigns k, result;
        loop variant k;
    */
    while ((k > 0U) && (result == 0U)) {
        /* Candidate: delim[0..k-1) equals the last k-1 matched bytes, and
         * delim[k-1] equals c. */
        if (cfg->delim[k - 1U] == c) {
            uint32_t off = m + 1U - k;
            uint32_t i = 0U;
            /*@ loop invariant 0 <= i <= k - 1;
                loop invariant \forall integer j; 0 <= j < i ==>
                    cfg->delim[j] == cfg->delim[off + j];
                loop assigns i;
                loop variant k - 1 - i;
            */
            while ((i < (k - 1U)) && (cfg->delim[i] == cfg->delim[off + i])) {
                i++;
            }
            if (i == (k - 1U)) {
                result = k;
            }
        }
        k--;
    }
    return result;
}

/* DELIM: scan in place; copy into the buffer only what must survive this call. */
/*@ requires \valid(d) && frame_buf_ok(d);
    requires d->failed == 0 && d->cfg.mode == SLOOP_FRAME_DELIM;
    requires frame_cfg_valid(&d->cfg, d->cap) && frame_delim_state(d);
    requires \valid_read(in + (0 .. len - 1));
    requires \valid(consumed) && \valid(frame);
    requires \separated(d, consumed, frame, d->buf + (0 .. d->cap - 1), in + (0 .. len - 1));
    assigns *consumed, *frame, d->fill, d->match, d->failed, d->buf[d->fill .. d->cap - 1];
    // The configuration stays; the state is that of a DELIM decoder.
    ensures d->cfg.mode == \old(d->cfg.mode) &&
            d->cfg.header_size == \old(d->cfg.header_size) &&
            d->cfg.delim_len == \old(d->cfg.delim_len) &&
            d->cfg.max_payload == \old(d->cfg.max_payload) &&
            d->cap == \old(d->cap) && d->buf == \old(d->buf);
    ensures d->header_have == \old(d->header_have) && d->length == \old(d->length);
    ensures d->expecting == \old(d->expecting);
    ensures d->failed == 0 || d->failed == SLOOP_FRAME_TOO_LONG;
    ensures d->failed == 0 ==>
            delim_ok(d->match, d->cfg.delim_len, d->fill, d->cfg.max_payload, d->cap);
    ensures 0 <= *consumed <= len;
    ensures \result == SLOOP_FRAME_NEED_MORE || \result == SLOOP_FRAME_READY ||
            \result == SLOOP_FRAME_TOO_LONG;
    ensures \result == SLOOP_FRAME_NEED_MORE ==>
            *consumed == len && d->fill == \old(d->fill) + len;
    ensures \result == SLOOP_FRAME_TOO_LONG ==>
            d->failed == SLOOP_FRAME_TOO_LONG && *consumed >= 1;
    ensures \result == SLOOP_FRAME_READY ==>
            *consumed >= 1 && frame->len <= d->cfg.max_payload &&
            frame->len + d->cfg.delim_len == \old(d->fill) + *consumed &&
            d->fill == 0 && d->match == 0;
    ensures \result == SLOOP_FRAME_READY && \old(d->fill) == 0 ==> frame->data == in;
    ensures \result == SLOOP_FRAME_READY && \old(d->fill) > 0 ==> frame->data == d->buf;
    ensures ready_inside: \result == SLOOP_FRAME_READY ==>
            frame_inside(frame->data, frame->len, in, len) ||
            frame_inside(frame->data, frame->len, d->buf, d->cap);
    ensures \result == SLOOP_FRAME_READY ==>
            \forall integer j; 0 <= j < \old(d->fill) && j < frame->len ==>
                frame->data[j] == \old(d->buf[j]);
    ensures \result == SLOOP_FRAME_READY ==>
            same_bytes(frame->data + \old(d->fill), in, frame->len - \old(d->fill));
*/
static sloop_frame_status frame_feed_delim(sloop_frame_decoder *d, const uint8_t *in,
                                           uint32_t len, uint32_t *consumed,
                                           sloop_frame *frame)
{
    sloop_frame_status st = SLOOP_FRAME_NEED_MORE;
    uint32_t pos = 0U;
    uint32_t total = d->fill; /* bytes of the current frame, delimiter included */

    /*@ loop invariant 0 <= pos <= len;
        loop invariant total == d->fill + pos;
        loop invariant st == SLOOP_FRAME_NEED_MORE || st == SLOOP_FRAME_READY ||
                       st == SLOOP_FRAME_TOO_LONG;
        loop invariant st != SLOOP_FRAME_NEED_MORE ==> pos >= 1;
        loop invariant st == SLOOP_FRAME_NEED_MORE ==>
            d->match < d->cfg.delim_len && d->match <= total &&
            total - d->match <= d->cfg.max_payload;
        loop invariant st == SLOOP_FRAME_READY ==>
            d->match == d->cfg.delim_len && d->match <= total &&
            total - d->match <= d->cfg.max_payload;
        loop invariant st == SLOOP_FRAME_TOO_LONG ==> d->failed == SLOOP_FRAME_TOO_LONG;
        loop invariant st != SLOOP_FRAME_TOO_LONG ==> d->failed == 0;
        loop assigns pos, total, st, d->match, d->failed;
        loop variant len - pos;
    */
    while ((pos < len) && (st == SLOOP_FRAME_NEED_MORE)) {
        d->match = frame_delim_advance(&d->cfg, d->match, in[pos]);
        pos++;
        total++;
        if ((total - d->match) > d->cfg.max_payload) {
            d->failed = (uint32_t)SLOOP_FRAME_TOO_LONG;
            st = SLOOP_FRAME_TOO_LONG;
        } else if (d->match == d->cfg.delim_len) {
            st = SLOOP_FRAME_READY;
        } else {
            /* keep scanning */
        }
    }

    if ((st == SLOOP_FRAME_READY) && (d->fill == 0U)) {
        frame->data = in; /* the whole frame lies in this chunk */
        frame->len = total - d->cfg.delim_len;
    } else if (st != SLOOP_FRAME_TOO_LONG) {
        if (pos > 0U) {
            frame_copy(&d->buf[d->fill], in, pos);
        }
        d->fill = total;
        if (st == SLOOP_FRAME_READY) {
            frame->data = d->buf;
            frame->len = total - d->cfg.delim_len;
        }
    } else {
        /* error: nothing more to keep */
    }
    if (st == SLOOP_FRAME_READY) {
        d->fill = 0U;
        d->match = 0U;
    }
    *consumed = pos;
    return st;
}

/*@ requires \valid(d) && frame_inv(d) && frame_buf_ok(d);
    requires \valid_read(in + (0 .. len - 1));
    requires \valid(consumed) && \valid(frame);
    requires \separated(d, consumed, frame, d->buf + (0 .. d->cap - 1), in + (0 .. len - 1));
    assigns *consumed, *frame, d->fill, d->length, d->header_have, d->match, d->failed,
            d->expecting, d->buf[0 .. d->cap - 1];
    ensures inv: frame_inv(d);
    ensures 0 <= *consumed <= len;
    ensures \result == SLOOP_FRAME_NEED_MORE || \result == SLOOP_FRAME_READY ||
            \result == SLOOP_FRAME_TOO_BIG || \result == SLOOP_FRAME_TOO_LONG;
    ensures \result == SLOOP_FRAME_NEED_MORE ==> *consumed == len;
    ensures ready_frame: \result == SLOOP_FRAME_READY ==>
            *consumed >= 1 && frame->len <= d->cfg.max_payload &&
            (frame_inside(frame->data, frame->len, in, len) ||
             frame_inside(frame->data, frame->len, d->buf, d->cap));
    ensures \result == SLOOP_FRAME_TOO_BIG || \result == SLOOP_FRAME_TOO_LONG ==>
            d->failed == \result;

    behavior failed:
      assumes d->failed != 0;
      assigns *consumed;
      ensures \result == \old(d->failed) && *consumed == 0;
    behavior raw:
      assumes d->failed == 0 && d->expecting == 0 && d->cfg.mode == SLOOP_FRAME_RAW;
      assigns *consumed, *frame;
      ensures len == 0 ==> \result == SLOOP_FRAME_NEED_MORE;
      ensures len > 0 ==> \result == SLOOP_FRAME_READY && frame->data == in &&
                          frame->len == lmin(len, d->cfg.max_payload);
    // The LENGTH behaviors have no assigns of their own: WP proves a call
    // against the callee's default assigns only. frame_feed_length's behaviors
    // carry (and prove) the finer ones.
    behavior length_header:
      assumes d->failed == 0 && d->expecting == 0 && d->cfg.mode == SLOOP_FRAME_LENGTH;
      assumes len < hdr_need(d);
      ensures \result == SLOOP_FRAME_NEED_MORE;
      ensures d->header_have == \old(d->header_have) + len;
      ensures d->length == \old(be_acc(d->length, in, len));
    behavior length_too_big:
      assumes d->failed == 0 && d->expecting == 0 && d->cfg.mode == SLOOP_FRAME_LENGTH;
      assumes len >= hdr_need(d) && hdr_value(d, in) > d->cfg.max_payload;
      ensures \result == SLOOP_FRAME_TOO_BIG && d->failed == SLOOP_FRAME_TOO_BIG;
      ensures *consumed == \old(hdr_need(d));
    behavior length_ready:
      assumes d->failed == 0 && d->expecting == 0 && d->cfg.mode == SLOOP_FRAME_LENGTH;
      assumes len >= hdr_need(d) && hdr_value(d, in) <= d->cfg.max_payload;
      assumes d->header_have + d->fill + len >= d->cfg.header_size + hdr_value(d, in);
      ensures \result == SLOOP_FRAME_READY;
      ensures frame->len == \old(hdr_value(d, in));
      ensures *consumed == \old(hdr_need(d) + hdr_value(d, in) - d->fill);
      ensures \old(d->fill) == 0 ==> frame->data == in + \old(hdr_need(d));
      ensures \old(d->fill) > 0 ==> frame->data == d->buf;
      ensures \forall integer j; 0 <= j < \old(d->fill) ==>
                frame->data[j] == \old(d->buf[j]);
      ensures same_bytes(frame->data + \old(d->fill), in + \old(hdr_need(d)),
                         frame->len - \old(d->fill));
      ensures d->fill == 0 && d->length == 0 && d->header_have == 0;
    behavior length_body:
      assumes d->failed == 0 && d->expecting == 0 && d->cfg.mode == SLOOP_FRAME_LENGTH;
      assumes len >= hdr_need(d) && hdr_value(d, in) <= d->cfg.max_payload;
      assumes d->header_have + d->fill + len < d->cfg.header_size + hdr_value(d, in);
      ensures \result == SLOOP_FRAME_NEED_MORE;
      ensures d->header_have == d->cfg.header_size;
      ensures d->length == \old(hdr_value(d, in));
      ensures d->fill == \old(d->fill + len - hdr_need(d));
      ensures same_bytes(d->buf + \old(d->fill), in + \old(hdr_need(d)),
                         d->fill - \old(d->fill));
    behavior delim:
      assumes d->failed == 0 && d->expecting == 0 && d->cfg.mode == SLOOP_FRAME_DELIM;
      assigns *consumed, *frame, d->fill, d->match, d->failed, d->buf[d->fill .. d->cap - 1];
      ensures \result == SLOOP_FRAME_NEED_MORE || \result == SLOOP_FRAME_READY ||
              \result == SLOOP_FRAME_TOO_LONG;
      ensures \result == SLOOP_FRAME_NEED_MORE ==> d->fill == \old(d->fill) + len;
      ensures \result == SLOOP_FRAME_READY ==>
              frame->len + d->cfg.delim_len == \old(d->fill) + *consumed;
      ensures \result == SLOOP_FRAME_READY && \old(d->fill) == 0 ==> frame->data == in;
      ensures \result == SLOOP_FRAME_READY && \old(d->fill) > 0 ==> frame->data == d->buf;
      ensures \result == SLOOP_FRAME_READY ==>
              \forall integer j; 0 <= j < \old(d->fill) && j < frame->len ==>
                  frame->data[j] == \old(d->buf[j]);
      ensures \result == SLOOP_FRAME_READY ==>
              same_bytes(frame->data + \old(d->fill), in, frame->len - \old(d->fill));
    // An expected frame, whatever the mode: the next length bytes.
    behavior expect_ready:
      assumes d->failed == 0 && d->expecting != 0;
      assumes d->fill + len >= d->length;
      ensures \result == SLOOP_FRAME_READY;
      ensures frame->len == \old(d->length);
      ensures *consumed == \old(d->length - d->fill);
      ensures \old(d->fill) == 0 ==> frame->data == in;
      ensures \old(d->fill) > 0 ==> frame->data == d->buf;
      ensures \forall integer j; 0 <= j < \old(d->fill) ==>
                frame->data[j] == \old(d->buf[j]);
      ensures same_bytes(frame->data + \old(d->fill), in, frame->len - \old(d->fill));
      ensures d->expecting == 0 && d->fill == 0 && d->length == 0 && d->header_have == 0;
    behavior expect_more:
      assumes d->failed == 0 && d->expecting != 0;
      assumes d->fill + len < d->length;
      ensures \result == SLOOP_FRAME_NEED_MORE;
      ensures d->expecting == \old(d->expecting) && d->length == \old(d->length);
      ensures d->fill == \old(d->fill) + len;
      ensures same_bytes(d->buf + \old(d->fill), in, len);
    complete behaviors;
    disjoint behaviors;
*/
sloop_frame_status sloop_frame_decoder_feed(sloop_frame_decoder *d, const uint8_t *in,
                                            uint32_t len, uint32_t *consumed,
                                            sloop_frame *frame)
{
    sloop_frame_status st;
    if (d->failed != 0U) {
        *consumed = 0U;
        st = (sloop_frame_status)d->failed;
    } else if (d->expecting != 0U) {
        st = frame_length_payload(d, in, 0U, len, consumed, frame);
        /*@ // Steps towards frame_inv for the provers: the configuration is
            // untouched, and the state is either cleared or a pending expect.
            assert d->failed == 0 && frame_cfg_valid(&d->cfg, d->cap) &&
                   d->match == 0 && d->header_have == 0; */
        /*@ assert st != SLOOP_FRAME_READY ==> frame_expect_state(d); */
        if (st == SLOOP_FRAME_READY) {
            d->expecting = 0U; /* the configured mode resumes */
            /*@ assert frame_raw_state(d); */
            /*@ assert d->cfg.mode == SLOOP_FRAME_LENGTH ==> frame_length_state(d); */
            /*@ assert d->cfg.mode == SLOOP_FRAME_DELIM ==> frame_delim_state(d); */
        }
    } else {
        switch (d->cfg.mode) {
        case SLOOP_FRAME_RAW:
            st = frame_feed_raw(d, in, len, consumed, frame);
            break;
        case SLOOP_FRAME_LENGTH:
            st = frame_feed_length(d, in, len, consumed, frame);
            break;
        case SLOOP_FRAME_DELIM:
            st = frame_feed_delim(d, in, len, consumed, frame);
            /*@ // Steps towards frame_inv for the provers.
                assert frame_cfg_valid(&d->cfg, d->cap) && d->expecting == 0 &&
                       d->cfg.mode == SLOOP_FRAME_DELIM; */
            /*@ assert d->failed == 0 ==> frame_delim_state(d); */
            break;
        default:
            /* Unreachable: init and reset only clear the error of a valid config
             * (the proof checks it with the assert below). Kept, as MISRA's
             * required default, to refuse rather than guess should the decoder
             * be corrupted. */
            /*@ assert \false; */
            *consumed = 0U;
            st = SLOOP_FRAME_TOO_BIG;
            break;
        }
    }
    return st;
}

/* Writes v as the n-byte big-endian number out[0 .. n): the inverse of
 * frame_header_value, byte by byte without a loop (divisions by powers of 256,
 * which the compiler emits as shifts). */
/*@ requires n == 1 || n == 2 || n == 4;
    requires v < pow256(n);
    requires \valid(out + (0 .. n - 1));
    assigns out[0 .. n - 1];
    ensures be_range(out, 0, n) == v;
*/
static void frame_header_write(uint8_t *out, uint32_t n, uint32_t v)
{
    /* The 4-byte case peels one division at a time (v = high * 2^24 + low,
     * low = byte * 2^16 + mid): each step is one Euclidean division for the
     * provers, where the four bytes taken from v directly cost cvc4 16 s. */
    uint32_t low = v % 16777216U;
    uint32_t mid = low % 65536U;
    switch (n) {
    case 1U:
        out[0] = (uint8_t)v;
        break;
    case 2U:
        out[0] = (uint8_t)(v / 256U);
        out[1] = (uint8_t)(v % 256U);
        break;
    default:
        out[0] = (uint8_t)(v / 16777216U);
        out[1] = (uint8_t)(low / 65536U);
        out[2] = (uint8_t)(mid / 256U);
        out[3] = (uint8_t)(mid % 256U);
        break;
    }
}

/*@ requires \valid_read(cfg) && \valid(out_len);
    requires \valid(out + (0 .. SLOOP_FRAME_MAX_HEADER - 1));
    requires \separated(cfg, out + (0 .. SLOOP_FRAME_MAX_HEADER - 1), out_len);
    assigns out[0 .. SLOOP_FRAME_MAX_HEADER - 1], *out_len;
    behavior encoded:
      assumes cfg->mode == SLOOP_FRAME_LENGTH && len <= cfg->max_payload;
      assumes cfg->header_size == 1 || cfg->header_size == 2 || cfg->header_size == 4;
      assumes len < pow256(cfg->header_size);
      assigns out[0 .. cfg->header_size - 1], *out_len;
      ensures \result == 1 && *out_len == cfg->header_size;
      ensures be_value(out, *out_len) == len;
    behavior rejected:
      assumes cfg->mode != SLOOP_FRAME_LENGTH || len > cfg->max_payload ||
              (cfg->header_size != 1 && cfg->header_size != 2 && cfg->header_size != 4) ||
              len >= pow256(cfg->header_size);
      assigns \nothing;
      ensures \result == 0;
    complete behaviors;
    disjoint behaviors;
*/
bool sloop_frame_encode_header(const sloop_frame_config *cfg, uint32_t len,
                               uint8_t out[SLOOP_FRAME_MAX_HEADER], uint32_t *out_len)
{
    bool ok = false;
    if ((cfg->mode == SLOOP_FRAME_LENGTH) && (len <= cfg->max_payload) &&
        ((cfg->header_size == 4U) ||
         ((cfg->header_size == 2U) && (len <= 0xFFFFU)) ||
         ((cfg->header_size == 1U) && (len <= 0xFFU)))) {
        uint32_t hs = cfg->header_size;
        frame_header_write(out, hs, len);
        /*@ assert be_value(out, hs) == len; */
        *out_len = hs;
        ok = true;
    }
    return ok;
}
