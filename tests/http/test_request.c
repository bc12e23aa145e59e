/*
 * test_request.c - the HTTP request head parser (examples/http/request.c) alone.
 *
 * Table: each head and the status it must get (0: accepted), and for accepted
 * ones what was understood. Then every single-byte change, deletion and
 * truncation of a valid head, and random heads from a small alphabet of HTTP
 * pieces: the parser must return 0, 400 or 505, and an accepted head must have
 * its path inside the input and starting with '/'. Run under ASan+UBSan by
 * ci/check http, so a read outside the head fails the test.
 */
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "http/request.h"

typedef struct head_case {
    const char *head;
    unsigned status;
} head_case;

static unsigned parse(const char *s, http_request *r)
{
    return http_parse_head((const uint8_t *)s, (uint32_t)strlen(s), r);
}

SL_TEST(request_table)
{
    static const head_case cases[] = {
        { "GET / HTTP/1.1\r\nHost: a", 0U },
        { "GET /x?y=1 HTTP/1.1\r\nHost: a\r\nX: 1", 0U },
        { "\r\n\r\nGET / HTTP/1.1\r\nHost: a", 0U },      /* leading empty lines */
        { "GET / HTTP/1.0", 0U },                       /* no Host needed in 1.0 */
        { "GET / HTTP/1.9\r\nHost: a", 0U },            /* 1.x served as 1.1 */
        { "BREW / HTTP/1.1\r\nHost: a", 0U },           /* a token: 405 later */
        { "GET / HTTP/1.1\r\nHost:a\r\nContent-Length: 5\r\ncontent-length: 5", 0U },
        { "GET / HTTP/1.1\r\nHost: a\r\nX: \x80\xff", 0U }, /* obs-text */
        { "", 400U },
        { "GET", 400U },
        { "GET /", 400U },
        { "GET / ", 400U },
        { "GET  / HTTP/1.1\r\nHost: a", 400U },
        { "GET / HTTP/1.1 \r\nHost: a", 400U },
        { "GET / HTTP/1.1\r\nHost: a\r\n", 400U },      /* empty line inside */
        { "GET / HTTP/1.1\r\nHost: a\r\n\r\nX: 1", 400U },
        { "GET / HTTP/1.1", 400U },                     /* no Host */
        { "GET / HTTP/1.1\r\nHost: a\r\nHost: a", 400U },
        { "GET / HTTP/1.0\r\nHost: a\r\nHost: b", 400U },
        { "GET / HTTP/1.1\r\nHost : a", 400U },
        { "GET / HTTP/1.1\r\n Host: a", 400U },
        { "GET / HTTP/1.1\r\nHost: a\r\n\tfolded", 400U },
        { "GET / HTTP/1.1\nHost: a", 400U },
        { "GET / HTTP/1.1\rHost: a", 400U },
        { "GET / HTTP/1.1\r\nHost: a\rb", 400U },
        { "GET / HTTP/1.1\r\nHost: a\x7f", 400U },
        { "GET / HTTP/1.1\r\nHost: a\r\n: v", 400U },
        { "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2", 400U },
        { "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1", 400U },
        { "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2", 400U },
        { "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1,1", 400U },
        { "GET / HTTP/1.1\r\nHost: a\r\nContent-Length:", 400U },
        { "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked", 400U },
        { "GET * HTTP/1.1\r\nHost: a", 400U },
        { "GET http://a/ HTTP/1.1\r\nHost: a", 400U },
        { "GET / http/1.1\r\nHost: a", 400U },
        { "GET / HTTP/1.10\r\nHost: a", 400U },
        { "GET / HTTP/11\r\nHost: a", 400U },
        { "G(T / HTTP/1.1\r\nHost: a", 400U },
        { "GET /\x01 HTTP/1.1\r\nHost: a", 400U },
        { "GET / HTTP/2.0\r\nHost: a", 505U },
        { "GET / HTTP/0.9\r\nHost: a", 505U },
    };
    size_t i;
    for (i = 0U; i < SL_COUNT(cases); i++) {
        http_request r;
        unsigned got = parse(cases[i].head, &r);
        if (got != cases[i].status) {
            printf("    case %u: \"%s\"\n", (unsigned)i, cases[i].head);
        }
        SL_CHECK_EQ(got, cases[i].status);
    }
}

SL_TEST(request_fields)
{
    http_request r;
    SL_CHECK_EQ(parse("POST /a/b?q HTTP/1.1\r\nHOST: x\r\ncontent-length: 4294967295\r\n"
                      "Connection: foo, Close\r\nExpect: 100-Continue", &r), 0);
    SL_CHECK_EQ(r.method, HTTP_METHOD_POST);
    SL_CHECK_EQ(r.path_len, 4);
    SL_CHECK_MEM(r.path, "/a/b", 4U);
    SL_CHECK_EQ(r.minor, 1);
    SL_CHECK(!r.keep_alive);
    SL_CHECK(r.has_length);
    SL_CHECK(!r.length_too_big);
    SL_CHECK_EQ(r.content_length, 4294967295U);
    SL_CHECK(r.expect_continue);
    SL_CHECK(!r.expect_other);

    SL_CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 4294967296\r\n"
                      "Expect: something", &r), 0);
    SL_CHECK(r.length_too_big);
    SL_CHECK(r.expect_other);
    SL_CHECK(r.keep_alive);

    SL_CHECK_EQ(parse("HEAD /stats HTTP/1.0\r\nConnection: keep-alive", &r), 0);
    SL_CHECK_EQ(r.method, HTTP_METHOD_HEAD);
    SL_CHECK_EQ(r.minor, 0);
    SL_CHECK(r.keep_alive);
    SL_CHECK(!r.has_length);

    SL_CHECK_EQ(parse("GET / HTTP/1.0", &r), 0);
    SL_CHECK(!r.keep_alive);

    SL_CHECK_EQ(parse("PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked", &r), 0);
    SL_CHECK_EQ(r.method, HTTP_METHOD_OTHER);
    SL_CHECK(r.transfer_encoding);
}

/* Outcome of one parse of arbitrary bytes: a known status, and an accepted
 * head's path inside the input. */
static int parse_is_sane(const uint8_t *d, uint32_t n)
{
    http_request r;
    unsigned st = http_parse_head(d, n, &r);
    if (st == 0U) {
        return (r.path >= d) && (r.path + r.path_len <= d + n) && (r.path_len >= 1U) &&
               (r.path[0] == (uint8_t)'/');
    }
    return (st == 400U) || (st == 505U);
}

SL_TEST(request_every_single_byte_change)
{
    static const char base[] = "POST /p?q HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\n"
                               "Connection: keep-alive, close\r\nExpect: 100-continue";
    uint8_t buf[sizeof base];
    uint32_t n = (uint32_t)(sizeof base - 1U);
    uint32_t i;
    unsigned v;
    for (i = 0U; i < n; i++) {
        for (v = 0U; v < 256U; v++) {
            memcpy(buf, base, n);
            buf[i] = (uint8_t)v;
            SL_CHECK(parse_is_sane(buf, n));
        }
        /* deleted byte, and every truncation */
        memcpy(buf, base, i);
        memcpy(&buf[i], &base[i + 1U], n - i - 1U);
        SL_CHECK(parse_is_sane(buf, n - 1U));
        SL_CHECK(parse_is_sane((const uint8_t *)base, i));
    }
}

SL_TEST(request_random_pieces)
{
    static const char *const pieces[] = {
        "GET", "POST", "HEAD", " ", "/", "?", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "\r\n",
        "\r", "\n", ":", "Host", "Content-Length", "Transfer-Encoding", "Connection",
        "close", "keep-alive", "Expect", "100-continue", "0", "99999999999999999999", ",",
        "\t", "\x01", "\x7f", "\xff", "x",
    };
    static uint8_t buf[4096];
    uint32_t seed = 12345U;
    unsigned iter;
    for (iter = 0U; iter < 200000U; iter++) {
        uint32_t n = 0U;
        unsigned k;
        unsigned count;
        seed = seed * 1103515245U + 12345U;
        count = (seed >> 16) % 40U;
        for (k = 0U; k < count; k++) {
            const char *p;
            size_t len;
            seed = seed * 1103515245U + 12345U;
            p = pieces[(seed >> 16) % SL_COUNT(pieces)];
            len = strlen(p);
            if (n + len > sizeof buf) {
                break;
            }
            memcpy(&buf[n], p, len);
            n += (uint32_t)len;
        }
        SL_CHECK(parse_is_sane(buf, n));
    }
}

static const sl_test tests[] = {
    SL_ENTRY(request_table),
    SL_ENTRY(request_fields),
    SL_ENTRY(request_every_single_byte_change),
    SL_ENTRY(request_random_pieces),
};

int main(int argc, char **argv)
{
    return sl_main("http_request", tests, SL_COUNT(tests), argc, argv);
}
