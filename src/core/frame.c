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

static uint32_t frame_min(uint32_t a, uint32_t b)
{
    return (a < b) ? a : b;
}

static void frame_copy(uint8_t *dst, const uint8_t *src, uint32_t n)
{
    uint32_t i;
    for (i = 0U; i < n; i++) {
        dst[i] = src[i];
    }
}

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

void sloop_frame_decoder_reset(sloop_frame_decoder *d)
{
    d->fill = 0U;
    d->length = 0U;
    d->header_have = 0U;
    d->match = 0U;
    d->failed = 0U;
}

bool sloop_frame_decoder_init(sloop_frame_decoder *d, const sloop_frame_config *cfg,
                              uint8_t *buf, uint32_t cap)
{
    bool ok = sloop_frame_config_valid(cfg, cap);
    d->cfg = *cfg;
    d->buf = buf;
    d->cap = cap;
    sloop_frame_decoder_reset(d);
    if (!ok) {
        /* An unusable decoder refuses input rather than misreading it. */
        d->failed = (uint8_t)SLOOP_FRAME_TOO_BIG;
    }
    return ok;
}

bool sloop_frame_decoder_in_frame(const sloop_frame_decoder *d)
{
    return (d->fill > 0U) || (d->header_have > 0U);
}

/* RAW: the next chunk of at most max_payload bytes, in place. */
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

/* LENGTH: header bytes accumulate arithmetically (value * 256 + byte), so the
 * value of a complete header is exactly its big-endian reading. */
static sloop_frame_status frame_feed_length(sloop_frame_decoder *d, const uint8_t *in,
                                            uint32_t len, uint32_t *consumed,
                                            sloop_frame *frame)
{
    sloop_frame_status st = SLOOP_FRAME_NEED_MORE;
    uint32_t pos = 0U;
    bool header_done;

    while ((pos < len) && (d->header_have < d->cfg.header_size)) {
        d->length = (d->length * 256U) + (uint32_t)in[pos];
        d->header_have++;
        pos++;
    }
    header_done = (d->header_have == d->cfg.header_size);

    if (header_done && (d->length > d->cfg.max_payload)) {
        d->failed = (uint8_t)SLOOP_FRAME_TOO_BIG;
        st = SLOOP_FRAME_TOO_BIG;
    } else if (header_done) {
        uint32_t need = d->length - d->fill;
        uint32_t avail = len - pos;
        if ((d->fill == 0U) && (avail >= need)) {
            /* Whole payload inside this chunk: deliver it in place. */
            frame->data = (len > 0U) ? &in[pos] : d->buf;
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
    } else {
        /* Header still incomplete: everything was consumed. */
    }
    *consumed = pos;
    return st;
}

/* Length of the longest delimiter prefix that is a suffix of the matched prefix
 * delim[0 .. m-1] followed by byte c. m < delim_len. At most 4 x 4 comparisons. */
static uint8_t frame_delim_advance(const sloop_frame_config *cfg, uint8_t m, uint8_t c)
{
    uint8_t k = (uint8_t)(m + 1U);
    uint8_t result = 0U;
    while ((k > 0U) && (result == 0U)) {
        /* Candidate: delim[0..k-1) equals the last k-1 matched bytes, and
         * delim[k-1] equals c. */
        if (cfg->delim[k - 1U] == c) {
            uint8_t off = (uint8_t)(m + 1U - k);
            uint8_t i = 0U;
            while ((i < (uint8_t)(k - 1U)) && (cfg->delim[i] == cfg->delim[off + i])) {
                i++;
            }
            if (i == (uint8_t)(k - 1U)) {
                result = k;
            }
        }
        k--;
    }
    return result;
}

/* DELIM: scan in place; copy into the buffer only what must survive this call. */
static sloop_frame_status frame_feed_delim(sloop_frame_decoder *d, const uint8_t *in,
                                           uint32_t len, uint32_t *consumed,
                                           sloop_frame *frame)
{
    sloop_frame_status st = SLOOP_FRAME_NEED_MORE;
    uint32_t pos = 0U;
    uint32_t total = d->fill; /* bytes of the current frame, delimiter included */

    while ((pos < len) && (st == SLOOP_FRAME_NEED_MORE)) {
        d->match = frame_delim_advance(&d->cfg, d->match, in[pos]);
        pos++;
        total++;
        if ((total - d->match) > d->cfg.max_payload) {
            d->failed = (uint8_t)SLOOP_FRAME_TOO_LONG;
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

sloop_frame_status sloop_frame_decoder_feed(sloop_frame_decoder *d, const uint8_t *in,
                                            uint32_t len, uint32_t *consumed,
                                            sloop_frame *frame)
{
    sloop_frame_status st;
    if (d->failed != 0U) {
        *consumed = 0U;
        st = (sloop_frame_status)d->failed;
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
            break;
        default:
            /* Unreachable after a successful init; refuse rather than guess. */
            *consumed = 0U;
            st = SLOOP_FRAME_TOO_BIG;
            break;
        }
    }
    return st;
}

bool sloop_frame_encode_header(const sloop_frame_config *cfg, uint32_t len,
                               uint8_t out[SLOOP_FRAME_MAX_HEADER], uint32_t *out_len)
{
    bool ok = false;
    if ((cfg->mode == SLOOP_FRAME_LENGTH) && (len <= cfg->max_payload) &&
        ((cfg->header_size == 4U) ||
         ((cfg->header_size == 2U) && (len <= 0xFFFFU)) ||
         ((cfg->header_size == 1U) && (len <= 0xFFU)))) {
        uint32_t v = len;
        uint32_t i = cfg->header_size;
        while (i > 0U) {
            i--;
            out[i] = (uint8_t)(v % 256U);
            v /= 256U;
        }
        *out_len = cfg->header_size;
        ok = true;
    }
    return ok;
}
