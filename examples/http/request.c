/*
 * request.c - strict HTTP/1.x request head parser (see request.h).
 *
 * One pass over the bytes: the request line, then each header line. Every
 * index is checked against len before it is read; the head is at most
 * SLOOP_MAX_FRAME bytes, so 32-bit positions cannot overflow.
 */
#include "http/request.h"

#include <stddef.h>
#include <string.h>

/* tchar (RFC 9110 section 5.6.2). */
static bool is_tchar(uint8_t ch)
{
    return ((ch >= (uint8_t)'0') && (ch <= (uint8_t)'9')) ||
           ((ch >= (uint8_t)'a') && (ch <= (uint8_t)'z')) ||
           ((ch >= (uint8_t)'A') && (ch <= (uint8_t)'Z')) ||
           ((ch != 0U) && (strchr("!#$%&'*+-.^_`|~", (int)ch) != NULL));
}

/* Field value bytes: VCHAR, SP, HTAB, obs-text. */
static bool is_value_char(uint8_t ch)
{
    return (ch == (uint8_t)'\t') || ((ch >= 0x20U) && (ch != 0x7FU));
}

static uint8_t lower(uint8_t ch)
{
    return ((ch >= (uint8_t)'A') && (ch <= (uint8_t)'Z')) ? (uint8_t)(ch + 32U) : ch;
}

/* Case-insensitive comparison with a lower-case literal. */
static bool equals_ci(const uint8_t *s, uint32_t n, const char *lit)
{
    uint32_t i;
    if (strlen(lit) != (size_t)n) {
        return false;
    }
    for (i = 0U; i < n; i++) {
        if (lower(s[i]) != (uint8_t)lit[i]) {
            return false;
        }
    }
    return true;
}

static bool equals(const uint8_t *s, uint32_t n, const char *lit)
{
    return (strlen(lit) == (size_t)n) && (memcmp(s, lit, n) == 0);
}

/* Position of the next CRLF at or after pos, or len if none. A bare CR or LF
 * before it makes *bad true. */
static uint32_t line_end(const uint8_t *d, uint32_t len, uint32_t pos, bool *bad)
{
    uint32_t i;
    for (i = pos; i < len; i++) {
        if (d[i] == (uint8_t)'\r') {
            if (((i + 1U) < len) && (d[i + 1U] == (uint8_t)'\n')) {
                return i;
            }
            *bad = true;
            return i;
        }
        if (d[i] == (uint8_t)'\n') {
            *bad = true;
            return i;
        }
    }
    return len;
}

/* "METHOD SP target SP HTTP/d.d". Returns 0, 400 or 505. */
static unsigned parse_request_line(const uint8_t *d, uint32_t n, http_request *r)
{
    uint32_t i = 0U;
    uint32_t m_end;
    uint32_t t_start;
    uint32_t t_end;
    uint32_t q;
    while ((i < n) && is_tchar(d[i])) {
        i++;
    }
    if ((i == 0U) || (i >= n) || (d[i] != (uint8_t)' ')) {
        return 400U;
    }
    m_end = i;
    i++;
    t_start = i;
    while ((i < n) && (d[i] > 0x20U) && (d[i] < 0x7FU)) {
        i++;
    }
    if ((i == t_start) || (i >= n) || (d[i] != (uint8_t)' ')) {
        return 400U;
    }
    t_end = i;
    i++;
    if (((n - i) != 8U) || !equals(&d[i], 5U, "HTTP/") || (d[i + 6U] != (uint8_t)'.') ||
        (d[i + 5U] < (uint8_t)'0') || (d[i + 5U] > (uint8_t)'9') ||
        (d[i + 7U] < (uint8_t)'0') || (d[i + 7U] > (uint8_t)'9')) {
        return 400U;
    }
    if (d[i + 5U] != (uint8_t)'1') {
        return 505U;
    }
    r->minor = (uint8_t)((d[i + 7U] == (uint8_t)'0') ? 0U : 1U);
    if (d[t_start] != (uint8_t)'/') {
        return 400U; /* only origin-form is served */
    }
    for (q = t_start; (q < t_end) && (d[q] != (uint8_t)'?'); q++) {
    }
    r->path = &d[t_start];
    r->path_len = q - t_start;
    if (equals(d, m_end, "GET")) {
        r->method = HTTP_METHOD_GET;
    } else if (equals(d, m_end, "HEAD")) {
        r->method = HTTP_METHOD_HEAD;
    } else if (equals(d, m_end, "POST")) {
        r->method = HTTP_METHOD_POST;
    } else {
        r->method = HTTP_METHOD_OTHER;
    }
    return 0U;
}

/* Content-Length: 1*DIGIT, nothing else (no lists, no sign, no spaces inside). */
static bool parse_length(const uint8_t *v, uint32_t n, uint64_t *out)
{
    uint32_t i;
    uint64_t x = 0U;
    if (n == 0U) {
        return false;
    }
    for (i = 0U; i < n; i++) {
        if ((v[i] < (uint8_t)'0') || (v[i] > (uint8_t)'9')) {
            return false;
        }
        if (x <= 0xFFFFFFFFFFULL) { /* saturates far above UINT32_MAX */
            x = (x * 10U) + (uint64_t)(v[i] - (uint8_t)'0');
        }
    }
    *out = x;
    return true;
}

/* Connection: comma-separated tokens; "close" and "keep-alive" matter. */
static void parse_connection(const uint8_t *v, uint32_t n, bool *close, bool *keep)
{
    uint32_t i = 0U;
    while (i < n) {
        uint32_t s;
        uint32_t e;
        while ((i < n) && ((v[i] == (uint8_t)' ') || (v[i] == (uint8_t)'\t') ||
                           (v[i] == (uint8_t)','))) {
            i++;
        }
        s = i;
        while ((i < n) && (v[i] != (uint8_t)',')) {
            i++;
        }
        e = i;
        while ((e > s) && ((v[e - 1U] == (uint8_t)' ') || (v[e - 1U] == (uint8_t)'\t'))) {
            e--;
        }
        if (equals_ci(&v[s], e - s, "close")) {
            *close = true;
        } else if (equals_ci(&v[s], e - s, "keep-alive")) {
            *keep = true;
        } else {
            /* other connection options are ignored */
        }
    }
}

typedef struct head_state {
    unsigned hosts;
    bool conn_close;
    bool conn_keep;
    bool length_seen;
    uint64_t length;
} head_state;

/* One "name: value" line. Returns 0 or 400. */
static unsigned parse_header(const uint8_t *d, uint32_t n, http_request *r, head_state *h)
{
    uint32_t i = 0U;
    uint32_t vs;
    uint32_t ve;
    const uint8_t *v;
    while ((i < n) && is_tchar(d[i])) {
        i++;
    }
    if ((i == 0U) || (i >= n) || (d[i] != (uint8_t)':')) {
        return 400U; /* no name, space before ':', or obsolete folding */
    }
    vs = i + 1U;
    while ((vs < n) && ((d[vs] == (uint8_t)' ') || (d[vs] == (uint8_t)'\t'))) {
        vs++;
    }
    ve = n;
    while ((ve > vs) && ((d[ve - 1U] == (uint8_t)' ') || (d[ve - 1U] == (uint8_t)'\t'))) {
        ve--;
    }
    for (v = &d[vs]; v < &d[ve]; v++) {
        if (!is_value_char(*v)) {
            return 400U;
        }
    }
    v = &d[vs];
    if (equals_ci(d, i, "host")) {
        h->hosts++;
    } else if (equals_ci(d, i, "content-length")) {
        uint64_t x = 0U;
        if (!parse_length(v, ve - vs, &x) || (h->length_seen && (x != h->length))) {
            return 400U;
        }
        h->length_seen = true;
        h->length = x;
    } else if (equals_ci(d, i, "transfer-encoding")) {
        r->transfer_encoding = true;
    } else if (equals_ci(d, i, "connection")) {
        parse_connection(v, ve - vs, &h->conn_close, &h->conn_keep);
    } else if (equals_ci(d, i, "expect")) {
        if (equals_ci(v, ve - vs, "100-continue")) {
            r->expect_continue = true;
        } else {
            r->expect_other = true;
        }
    } else {
        /* not needed by this server */
    }
    return 0U;
}

unsigned http_parse_head(const uint8_t *data, uint32_t len, http_request *out)
{
    head_state h;
    uint32_t pos = 0U;
    uint32_t end;
    bool bad = false;
    unsigned status;

    memset(out, 0, sizeof *out);
    memset(&h, 0, sizeof h);
    while (((pos + 1U) < len) && (data[pos] == (uint8_t)'\r') &&
           (data[pos + 1U] == (uint8_t)'\n')) {
        pos += 2U;
    }
    end = line_end(data, len, pos, &bad);
    if (bad) {
        return 400U;
    }
    status = parse_request_line(&data[pos], end - pos, out);
    if (status != 0U) {
        return status;
    }
    pos = end;
    while (pos < len) {
        pos += 2U; /* the CRLF that ended the previous line */
        end = line_end(data, len, pos, &bad);
        if (bad || (end == pos)) {
            return 400U; /* bare CR/LF, or an empty line inside the head */
        }
        status = parse_header(&data[pos], end - pos, out, &h);
        if (status != 0U) {
            return status;
        }
        pos = end;
    }
    if (((out->minor == 1U) && (h.hosts != 1U)) || (h.hosts > 1U)) {
        return 400U;
    }
    if (h.length_seen && out->transfer_encoding) {
        return 400U; /* RFC 9112 6.1: a request smuggling vector; never guess */
    }
    out->has_length = h.length_seen;
    out->length_too_big = h.length > 0xFFFFFFFFULL;
    out->content_length = out->length_too_big ? 0xFFFFFFFFU : (uint32_t)h.length;
    out->keep_alive = (out->minor == 1U) ? !h.conn_close : (h.conn_keep && !h.conn_close);
    return 0U;
}
