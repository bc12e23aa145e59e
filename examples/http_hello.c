/*
 * http_hello.c - a small HTTP/1.1 server on sloop's delimiter framing.
 *
 *   http_hello [--port N] [--bind ADDR] [--backend poll|epoll|epoll-et|wsapoll]
 *              [--idle-ms N] [--head-timeout-ms N] [--linger-ms N]
 *
 *   GET|HEAD /        200, a fixed text body
 *   GET|HEAD /stats   200, the loop's counters (sloop_counters_get) and the
 *                     HTTP layer's as JSON
 *   POST /            200, {"bytes":N,"fnv1a":"xxxxxxxx"} of the request body
 *
 * How HTTP maps onto sloop:
 *  - A request head is one frame: the bytes before CRLFCRLF, at most
 *    SLOOP_MAX_FRAME. Longer: sloop reports FRAME_TOO_LONG and on_frame_error
 *    answers 431. A head started and not finished within --head-timeout-ms:
 *    SLOW_PEER, answered 408. Both then close gracefully (the reply is flushed).
 *  - A connection silent for --idle-ms between requests is closed without a
 *    reply (sloop's idle timeout).
 *  - Keep-alive is the HTTP/1.1 default; "Connection: close" (or HTTP/1.0
 *    without keep-alive) closes after the response. Malformed heads get 400
 *    and a close.
 *  - Pipelining: frames arrive in order and each response is queued in order.
 *    When the transmit buffer is full the response is owed (recorded in a small
 *    per-connection queue, rendered when sent) and reading pauses until
 *    on_writable; the queue is sized for everything one read may still deliver.
 *  - Bodies (Content-Length up to SLOOP_MAX_FRAME): the head's on_frame calls
 *    sloop_conn_expect(n), so the body is the next frame (request_body()).
 *
 * --port 0 (the default) lets the OS pick; the port is printed as "listening on
 * ADDR:PORT". SIGINT/SIGTERM: graceful shutdown, then the /stats JSON is printed.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sloop.h"
#include "http/request.h"
#include "http/stats.h"

/* Responses one connection may owe at once. Reading pauses at the first owed
 * one; what the current read still delivers is under SLOOP_READ_CHUNK bytes,
 * and a request that does not close the connection is at least 23 bytes
 * ("G / HTTP/1.1\r\nHost:\r\n\r\n"), so 256 entries cannot run out. */
#define HTTP_OWED_MAX 256U
#define HTTP_RESPONSE_MAX 4096U
#define HTTP_BODY_MAX SLOOP_MAX_FRAME
_Static_assert(HTTP_RESPONSE_MAX <= SLOOP_TX_BUF_SIZE, "one response fits the TX ring");
_Static_assert((SLOOP_READ_CHUNK / 23U) + 2U <= HTTP_OWED_MAX, "owed queue bound");

static const char hello_body[] = "Hello from sloop!\n";

typedef enum http_kind {
    KIND_CONTINUE = 0, /* interim 100 Continue */
    KIND_HELLO,
    KIND_STATS,
    KIND_POSTED,
    KIND_ERROR         /* status only, reason phrase as the body */
} http_kind;

#define OWED_HEAD_ONLY 1U  /* HEAD: headers only */
#define OWED_CLOSE 2U      /* "Connection: close", then close */
#define OWED_KEEP10 4U     /* HTTP/1.0 keep-alive: say so */
#define OWED_ALLOW_POST 8U /* 405 on "/": Allow includes POST */

/* A response, recorded when its request is read, rendered when it is sent. */
typedef struct http_owed {
    uint8_t kind;
    uint8_t flags;
    uint16_t status;
    uint32_t len;  /* POSTED: body bytes */
    uint32_t hash; /* POSTED: FNV-1a of the body */
} http_owed;

typedef struct http_conn {
    http_owed owed[HTTP_OWED_MAX];
    uint32_t head;
    uint32_t count;
    uint8_t paused;        /* reading paused until the owed responses are sent */
    uint8_t closing;       /* a closing response is owed or sent: no more requests */
    uint8_t awaiting_body; /* the next frame is the body of body_for's request */
    http_owed body_for;
} http_conn;

static sloop_loop loop;                   /* all of the loop's memory */
static http_conn conns[SLOOP_MAX_CONNS];  /* indexed by sloop_conn.id */
static http_app_counters app;
static char out[HTTP_RESPONSE_MAX];       /* one response at a time */
static char json[HTTP_RESPONSE_MAX - 512U];

/* ---- Responses ------------------------------------------------------------------ */

static const char *phrase(unsigned status)
{
    switch (status) {
    case 100U: return "Continue";
    case 200U: return "OK";
    case 400U: return "Bad Request";
    case 404U: return "Not Found";
    case 405U: return "Method Not Allowed";
    case 408U: return "Request Timeout";
    case 413U: return "Content Too Large";
    case 417U: return "Expectation Failed";
    case 431U: return "Request Header Fields Too Large";
    case 501U: return "Not Implemented";
    case 505U: return "HTTP Version Not Supported";
    default: return "Internal Server Error";
    }
}

/* RFC 9110 Date, formatted once per second. */
static const char *http_date(void)
{
    static char buf[40];
    static time_t last = (time_t)-1;
    time_t now = time(NULL);
    if (now != last) {
        struct tm tm;
        (void)gmtime_r(&now, &tm);
        (void)strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        last = now;
    }
    return buf;
}

/* Renders w into out; returns its length (always > 0, at most HTTP_RESPONSE_MAX). */
static size_t render(const http_owed *w)
{
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
    char small[64];
    const char *type = "text/plain";
    const char *body = small;
    unsigned status = w->status;
    size_t body_len;
    int n;

    if (w->kind == KIND_CONTINUE) {
        memcpy(out, cont, sizeof cont - 1U);
        return sizeof cont - 1U;
    }
    if (w->kind == KIND_HELLO) {
        body = hello_body;
        body_len = sizeof hello_body - 1U;
    } else if (w->kind == KIND_STATS) {
        body = json;
        body_len = http_stats_json(&loop, &app, json, sizeof json);
        type = "application/json";
        if (body_len == 0U) {
            status = 500U; /* cannot happen with these sizes; never truncated JSON */
            app.internal_500++;
        }
    } else if (w->kind == KIND_POSTED) {
        n = snprintf(small, sizeof small, "{\"bytes\":%u,\"fnv1a\":\"%08x\"}\n",
                     (unsigned)w->len, (unsigned)w->hash);
        body_len = (size_t)n;
        type = "application/json";
    } else {
        body_len = 0U;
    }
    if (status != 200U) {
        n = snprintf(small, sizeof small, "%s\n", phrase(status));
        body = small;
        body_len = (size_t)n;
        type = "text/plain";
    }
    n = snprintf(out, sizeof out,
                 "HTTP/1.1 %u %s\r\nServer: sloop-http_hello\r\nDate: %s\r\n"
                 "Content-Type: %s\r\nContent-Length: %zu\r\n%s%s\r\n",
                 status, phrase(status), http_date(), type, body_len,
                 ((w->flags & OWED_CLOSE) != 0U)    ? "Connection: close\r\n"
                 : ((w->flags & OWED_KEEP10) != 0U) ? "Connection: keep-alive\r\n"
                                                    : "",
                 (status != 405U)                       ? ""
                 : ((w->flags & OWED_ALLOW_POST) != 0U) ? "Allow: GET, HEAD, POST\r\n"
                                                        : "Allow: GET, HEAD\r\n");
    if ((n < 0) || ((size_t)n + body_len > sizeof out)) {
        return 0U; /* cannot happen: head < 300 bytes, body < sizeof json */
    }
    if ((w->flags & OWED_HEAD_ONLY) == 0U) {
        memcpy(&out[n], body, body_len);
        n += (int)body_len;
    }
    return (size_t)n;
}

/* Sends owed responses in order until the transmit buffer is full (then reads
 * pause until on_writable) or none is left (then reads resume). */
static void pump(sloop_loop *l, sloop_conn c, http_conn *h)
{
    while (h->count > 0U) {
        const http_owed *w = &h->owed[h->head];
        size_t n = render(w);
        sloop_err err = (n > 0U) ? sloop_send(l, c, out, (uint32_t)n) : SLOOP_ETOOBIG;
        if (err == SLOOP_EFULL) {
            if (h->paused == 0U) {
                h->paused = 1U;
                (void)sloop_conn_pause_read(l, c, true);
            }
            return;
        }
        if (err != SLOOP_OK) {
            (void)sloop_conn_abort(l, c); /* closing already, or a bug: never half a reply */
            h->count = 0U;
            return;
        }
        app.status[(w->status / 100U) % 6U]++;
        h->head = (h->head + 1U) % HTTP_OWED_MAX;
        h->count--;
        if ((w->flags & OWED_CLOSE) != 0U) {
            (void)sloop_conn_close(l, c); /* graceful: this response is flushed first */
            h->count = 0U;
            return;
        }
    }
    if (h->paused != 0U) {
        h->paused = 0U;
        (void)sloop_conn_pause_read(l, c, false);
    }
}

static void owe(sloop_loop *l, sloop_conn c, http_conn *h, const http_owed *w)
{
    if (h->count >= HTTP_OWED_MAX) {
        app.owed_overflow++; /* the bound above says never; abort rather than reorder */
        (void)sloop_conn_abort(l, c);
        h->closing = 1U;
        return;
    }
    h->owed[(h->head + h->count) % HTTP_OWED_MAX] = *w;
    h->count++;
    if (h->count > app.pipelined_max) {
        app.pipelined_max = h->count;
    }
    if ((w->flags & OWED_CLOSE) != 0U) {
        h->closing = 1U;
    }
}

static void owe_error(sloop_loop *l, sloop_conn c, http_conn *h, unsigned status, uint8_t flags)
{
    http_owed w;
    memset(&w, 0, sizeof w);
    w.kind = KIND_ERROR;
    w.status = (uint16_t)status;
    w.flags = (uint8_t)(flags | OWED_CLOSE);
    owe(l, c, h, &w);
}

/* ---- Requests ---------------------------------------------------------------------- */

static uint32_t fnv1a(const uint8_t *d, uint32_t n)
{
    uint32_t h = 2166136261U;
    uint32_t i;
    for (i = 0U; i < n; i++) {
        h = (h ^ d[i]) * 16777619U;
    }
    return h;
}

static bool path_is(const http_request *r, const char *p)
{
    return (strlen(p) == (size_t)r->path_len) && (memcmp(r->path, p, r->path_len) == 0);
}

/* Which response a valid request gets (kind, status, Allow). */
static void route(const http_request *r, http_owed *w)
{
    bool get = (r->method == HTTP_METHOD_GET) || (r->method == HTTP_METHOD_HEAD);
    w->status = 200U;
    if (path_is(r, "/")) {
        if (get) {
            w->kind = KIND_HELLO;
        } else if (r->method == HTTP_METHOD_POST) {
            w->kind = KIND_POSTED;
        } else {
            w->kind = KIND_ERROR;
            w->status = 405U;
            w->flags = (uint8_t)(w->flags | OWED_ALLOW_POST);
        }
    } else if (path_is(r, "/stats")) {
        w->kind = get ? KIND_STATS : KIND_ERROR;
        w->status = get ? 200U : 405U;
    } else {
        w->kind = KIND_ERROR;
        w->status = 404U;
    }
}

/* ==== Request bodies: the one function that depends on sloop_conn_expect ====
 *
 * A body is Content-Length bytes after the head, which delimiter framing cannot
 * cut out: sloop_conn_expect(loop, conn, n) makes the next frame exactly those
 * n bytes (then delimiter framing resumes), so body_received() gets the whole
 * body as one frame. Bodies above HTTP_BODY_MAX (the connection's max_payload)
 * get 413 and a close, without reading them. "Expect: 100-continue" is answered
 * with an interim 100 before the body is read, in order with owed responses. */
static void request_body(sloop_loop *l, sloop_conn c, http_conn *h, const http_request *r,
                         const http_owed *w)
{
    sloop_err err;
    if (r->length_too_big || (r->content_length > HTTP_BODY_MAX)) {
        owe_error(l, c, h, 413U, (uint8_t)(w->flags & OWED_HEAD_ONLY));
        return;
    }
    err = sloop_conn_expect(l, c, r->content_length);
    if (err != SLOOP_OK) {
        /* 0 < n <= max_payload and we are in on_frame of an open connection:
         * sloop documents no other failure. Never guess where the body ends. */
        app.internal_500++;
        owe_error(l, c, h, 500U, (uint8_t)(w->flags & OWED_HEAD_ONLY));
        return;
    }
    if (r->expect_continue) {
        http_owed cont;
        memset(&cont, 0, sizeof cont);
        cont.kind = KIND_CONTINUE;
        cont.status = 100U;
        owe(l, c, h, &cont);
    }
    h->awaiting_body = 1U;
    h->body_for = *w;
}

/* The frame after a head whose body was expected. */
static void body_received(sloop_loop *l, sloop_conn c, http_conn *h, const uint8_t *data,
                          uint32_t len)
{
    http_owed w = h->body_for;
    h->awaiting_body = 0U;
    app.bodies++;
    if (w.kind == KIND_POSTED) {
        w.len = len;
        w.hash = fnv1a(data, len);
    }
    owe(l, c, h, &w);
}

static void request_head(sloop_loop *l, sloop_conn c, http_conn *h, const uint8_t *data,
                         uint32_t len)
{
    http_request r;
    http_owed w;
    unsigned status = http_parse_head(data, len, &r);
    app.requests++;
    if (status != 0U) {
        owe_error(l, c, h, status, 0U);
        return;
    }
    memset(&w, 0, sizeof w);
    if (!r.keep_alive) {
        w.flags = OWED_CLOSE;
    } else if (r.minor == 0U) {
        w.flags = OWED_KEEP10;
    } else {
        /* HTTP/1.1 default: keep-alive, nothing to say */
    }
    if (r.method == HTTP_METHOD_HEAD) {
        w.flags = (uint8_t)(w.flags | OWED_HEAD_ONLY);
    }
    if (r.transfer_encoding) {
        owe_error(l, c, h, 501U, w.flags); /* chunked bodies are not served */
        return;
    }
    if (r.expect_other) {
        owe_error(l, c, h, 417U, w.flags);
        return;
    }
    route(&r, &w);
    if (r.content_length > 0U) {
        request_body(l, c, h, &r, &w);
        return;
    }
    if (w.kind == KIND_POSTED) {
        w.hash = fnv1a(NULL, 0U);
    }
    owe(l, c, h, &w);
}

/* ---- sloop callbacks ------------------------------------------------------------------ */

static void on_open(sloop_loop *l, sloop_conn c, void *user)
{
    http_conn *h = &conns[c.id];
    (void)user;
    h->head = 0U;
    h->count = 0U;
    h->paused = 0U;
    h->closing = 0U;
    h->awaiting_body = 0U;
    (void)sloop_conn_set_user(l, c, h);
}

static void on_frame(sloop_loop *l, sloop_conn c, const uint8_t *data, uint32_t len, void *user)
{
    http_conn *h = (http_conn *)user;
    if (h->closing != 0U) {
        return; /* requests after a closing response are not answered */
    }
    if (h->awaiting_body != 0U) {
        body_received(l, c, h, data, len);
    } else {
        request_head(l, c, h, data, len);
    }
    pump(l, c, h);
}

static void on_writable(sloop_loop *l, sloop_conn c, void *user)
{
    pump(l, c, (http_conn *)user);
}

/* A head longer than SLOOP_MAX_FRAME (431) or one not finished in time (408):
 * the connection is still open here and closes gracefully after. */
static void on_frame_error(sloop_loop *l, sloop_conn c, sloop_close_reason reason, void *user)
{
    http_conn *h = (http_conn *)user;
    bool slow = (reason == SLOOP_CLOSE_SLOW_PEER);
    if (h->closing != 0U) {
        if (h->count > 0U) {
            app.final_lost++; /* the closing response was still owed: lost too */
        }
        return;
    }
    if (slow) {
        app.timeouts_408++;
    } else {
        app.too_large_431++;
    }
    owe_error(l, c, h, slow ? 408U : 431U, 0U);
    pump(l, c, h);
    if (h->count > 0U) {
        /* Responses still owed when the loop closes are lost with the final
         * one: only a peer that pipelines and does not read gets here. */
        app.final_lost++;
    }
}

static const sloop_handler http_handler = { on_open, on_frame, on_writable, NULL };

/* ---- main ------------------------------------------------------------------------------ */

/* Stop signals: loop events where the loop has signal watchers (POSIX); elsewhere
 * (Windows: SLOOP_EBACKEND) a plain handler sets a flag that a 50 ms timer polls,
 * because a signal handler must never touch the loop. The first signal starts a
 * graceful shutdown, a second one stops at once. */
static volatile sig_atomic_t stop_signal;

static void stop_requested(sloop_loop *l)
{
    static int requests;
    if (requests++ == 0) {
        (void)sloop_shutdown(l, 2000U);
    } else {
        sloop_stop(l);
    }
}

static void on_stop_signal(sloop_loop *l, sloop_signal sig, int signo, void *user)
{
    (void)sig;
    (void)signo;
    (void)user;
    stop_requested(l);
}

static void on_signal(int sig)
{
    (void)signal(sig, on_signal); /* System V signal() resets the handler */
    stop_signal = sig;
}

static void on_tick(sloop_loop *l, sloop_timer t, void *user)
{
    (void)t;
    (void)user;
    if (stop_signal != 0) {
        stop_signal = 0;
        stop_requested(l);
    }
}

static sloop_err watch_stop_signals(sloop_loop *l)
{
    static const int stops[2] = { SIGINT, SIGTERM };
    sloop_signal sig;
    sloop_timer tick;
    sloop_err err = SLOOP_OK;
    int i;
    for (i = 0; i < 2 && err == SLOOP_OK; i++) {
        err = sloop_signal_start(l, stops[i], on_stop_signal, NULL, &sig);
    }
    if (err != SLOOP_EBACKEND) {
        return err;
    }
    (void)signal(SIGINT, on_signal);
    (void)signal(SIGTERM, on_signal);
    return sloop_timer_start(l, 50U, 50U, on_tick, NULL, &tick);
}

static int parse_backend(const char *s, sloop_backend *b)
{
    static const struct { const char *name; sloop_backend b; } names[] = {
        { "poll", SLOOP_BACKEND_POLL }, { "epoll", SLOOP_BACKEND_EPOLL },
        { "epoll-et", SLOOP_BACKEND_EPOLL_ET }, { "wsapoll", SLOOP_BACKEND_WSAPOLL },
    };
    size_t i;
    for (i = 0U; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(s, names[i].name) == 0) {
            *b = names[i].b;
            return 0;
        }
    }
    return -1;
}

static int usage(void)
{
    fprintf(stderr, "usage: http_hello [--port N] [--bind ADDR] "
                    "[--backend poll|epoll|epoll-et|wsapoll] [--idle-ms N] "
                    "[--head-timeout-ms N] [--linger-ms N]\n");
    return 2;
}

int main(int argc, char **argv)
{
    sloop_options opts = { SLOOP_BACKEND_DEFAULT, NULL };
    sloop_listen_options lo;
    sloop_listener listener;
    uint16_t port = 0U;
    sloop_err err;
    size_t n;
    int i;

    memset(&lo, 0, sizeof lo);
    lo.addr = "127.0.0.1";
    lo.backlog = 1024;
    lo.handler = &http_handler;
    lo.conn.framing.mode = SLOOP_FRAME_DELIM;
    memcpy(lo.conn.framing.delim, "\r\n\r\n", 4U);
    lo.conn.framing.delim_len = 4U;
    lo.conn.framing.max_payload = SLOOP_MAX_FRAME;
    lo.conn.idle_timeout_ms = 5000U;
    lo.conn.frame_timeout_ms = 3000U;
    lo.conn.linger_ms = 2000U;
    lo.conn.on_frame_error = on_frame_error;
    for (i = 1; i < argc; i += 2) {
        const char *v = (i + 1 < argc) ? argv[i + 1] : NULL;
        if (v == NULL) return usage();
        if (strcmp(argv[i], "--port") == 0) lo.port = (uint16_t)strtoul(v, NULL, 10);
        else if (strcmp(argv[i], "--bind") == 0) lo.addr = v;
        else if (strcmp(argv[i], "--backend") == 0) { if (parse_backend(v, &opts.backend) != 0) return usage(); }
        else if (strcmp(argv[i], "--idle-ms") == 0) lo.conn.idle_timeout_ms = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(argv[i], "--head-timeout-ms") == 0) lo.conn.frame_timeout_ms = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(argv[i], "--linger-ms") == 0) lo.conn.linger_ms = (uint32_t)strtoul(v, NULL, 10);
        else return usage();
    }

    err = sloop_init(&loop, &opts);
    if (err != SLOOP_OK) {
        fprintf(stderr, "http_hello: init: %s\n", sloop_strerror(err));
        return 1;
    }
    err = sloop_listen(&loop, &lo, &listener);
    if (err != SLOOP_OK) {
        fprintf(stderr, "http_hello: listen %s:%u: %s (%s)\n", lo.addr, (unsigned)lo.port,
                sloop_strerror(err), sloop_sys_strerror(sloop_last_sys_error(&loop)));
        return 1;
    }
    (void)sloop_listener_port(&loop, listener, &port);
    err = watch_stop_signals(&loop);
    if (err != SLOOP_OK) {
        fprintf(stderr, "http_hello: stop signals: %s\n", sloop_strerror(err));
        return 1;
    }
    printf("budget: sizeof(sloop_loop)=%zu bytes, http state=%zu bytes, max connections=%u, "
           "max head=%u, max body=%u\n",
           sizeof(sloop_loop), sizeof conns, (unsigned)SLOOP_MAX_CONNS,
           (unsigned)SLOOP_MAX_FRAME, (unsigned)HTTP_BODY_MAX);
    printf("backend: %s\n", sloop_backend_name(sloop_backend_in_use(&loop)));
    printf("listening on %s:%u\n", lo.addr, (unsigned)port);
    fflush(stdout);

    err = sloop_run(&loop);
    n = http_stats_json(&loop, &app, json, sizeof json);
    printf("stats: %.*s", (int)n, json);
    (void)sloop_close(&loop);
    if (err != SLOOP_OK) {
        fprintf(stderr, "http_hello: run: %s\n", sloop_strerror(err));
        return 1;
    }
    printf("http_hello: clean exit\n");
    return 0;
}
