/*
 * request.h - strict parser for one HTTP/1.x request head (RFC 9112), as sloop
 * delivers it: the bytes before the first CRLFCRLF, without that delimiter.
 *
 * Pure: no I/O, no allocation, no global state; the result points into the
 * caller's bytes. What it accepts is deliberately narrow (an example server,
 * not a proxy): origin-form targets, token methods, single SP separators, CRLF
 * line ends only (a bare CR or LF is an error), no obsolete line folding, no
 * control characters in values. Anything else is a 400, never a guess.
 */
#ifndef HTTP_REQUEST_H
#define HTTP_REQUEST_H

#include <stdbool.h>
#include <stdint.h>

typedef enum http_method {
    HTTP_METHOD_GET = 0,
    HTTP_METHOD_HEAD,
    HTTP_METHOD_POST,
    HTTP_METHOD_OTHER /* a valid token we do not serve: 405 */
} http_method;

typedef struct http_request {
    http_method method;
    const uint8_t *path;      /* target up to '?' (origin-form: starts with '/') */
    uint32_t path_len;
    uint8_t minor;            /* HTTP/1.minor: 0 or 1 (1.x for x > 1 is served as 1.1) */
    bool keep_alive;          /* after the version default and the Connection header */
    bool has_length;          /* a Content-Length header was present */
    bool length_too_big;      /* Content-Length above 4294967295 */
    uint32_t content_length;  /* 0 without the header */
    bool transfer_encoding;   /* any Transfer-Encoding header (not served: 501) */
    bool expect_continue;     /* Expect: 100-continue */
    bool expect_other;        /* any other expectation (417) */
} http_request;

/* Parses a request head. Returns 0 and fills *out, or the HTTP status that
 * rejects it: 400 (malformed, missing or repeated Host in HTTP/1.1, conflicting
 * Content-Length, Content-Length with Transfer-Encoding) or 505 (not HTTP/1.x).
 * Leading empty lines are skipped (RFC 9112 section 2.2). */
unsigned http_parse_head(const uint8_t *data, uint32_t len, http_request *out);

#endif
