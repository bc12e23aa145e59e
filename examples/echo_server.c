/*
 * echo_server.c - framed echo server on sloop (4-byte big-endian length header).
 *
 *   echo_server [--port N] [--bind ADDR] [--backend poll|epoll|epoll-et|wsapoll]
 *               [--max-frame N] [--idle-ms N]
 *
 * --port 0 (the default) lets the OS pick a port; the chosen port is printed as
 * "listening on ADDR:PORT". Prints the memory budget at start and the counters
 * on SIGINT/SIGTERM, then shuts down gracefully (queued echoes are flushed; a
 * second signal stops at once).
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sloop.h"

static sloop_loop loop; /* all of the server's memory */
static void on_frame(sloop_loop *l, sloop_conn c, const uint8_t *data, uint32_t len, void *user)
{
    uint32_t space = 0U;
    (void)user;
    if (sloop_send(l, c, data, len) != SLOOP_OK) {
        (void)sloop_conn_abort(l, c); /* cannot happen while backpressure works */
        return;
    }
    /* Backpressure: stop reading while the replies back up. What the current
     * read still delivers (< SLOOP_READ_CHUNK bytes) echoes into the room left. */
    (void)sloop_conn_tx_queued(l, c, NULL, &space);
    if (space < SLOOP_READ_CHUNK) {
        (void)sloop_conn_pause_read(l, c, true);
    }
}

/* The replies drained: read again. */
static void on_writable(sloop_loop *l, sloop_conn c, void *user)
{
    (void)user;
    (void)sloop_conn_pause_read(l, c, false);
}

static const sloop_handler echo_handler = { NULL, on_frame, on_writable, NULL };

/* Stop signals. Where the loop has signal watchers (POSIX), SIGINT and SIGTERM
 * are delivered as loop events and the callback may call the loop. Elsewhere
 * (Windows: SLOOP_EBACKEND) a plain handler sets a flag that a 50 ms timer
 * polls, because a signal handler must never touch the loop. */
static volatile sig_atomic_t stop_signal;

/* The first stop signal starts a graceful shutdown (2 s to flush); a second
 * one stops at once (sloop_close then aborts what is left). */
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
    /* signal() may reset the handler on delivery (System V semantics: glibc
     * under _POSIX_C_SOURCE, Microsoft's CRT): re-arm, so that a second
     * Ctrl-C or SIGTERM during the graceful shutdown does not kill us. */
    (void)signal(sig, on_signal);
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
    if (strcmp(s, "poll") == 0) { *b = SLOOP_BACKEND_POLL; return 0; }
    if (strcmp(s, "epoll") == 0) { *b = SLOOP_BACKEND_EPOLL; return 0; }
    if (strcmp(s, "epoll-et") == 0) { *b = SLOOP_BACKEND_EPOLL_ET; return 0; }
    if (strcmp(s, "wsapoll") == 0) { *b = SLOOP_BACKEND_WSAPOLL; return 0; }
    return -1;
}

static void print_counters(const sloop_loop *l)
{
    sloop_counters k;
    unsigned r;
    sloop_counters_get(l, &k);
    printf("counters: accepts=%llu frames_in=%llu frames_out=%llu bytes_in=%llu "
           "bytes_out=%llu wakeups=%llu events=%llu accept_pauses=%llu\n",
           (unsigned long long)k.accepts, (unsigned long long)k.frames_in,
           (unsigned long long)k.frames_out, (unsigned long long)k.bytes_in,
           (unsigned long long)k.bytes_out, (unsigned long long)k.wakeups,
           (unsigned long long)k.events, (unsigned long long)k.accept_pauses);
    for (r = 0U; r < (unsigned)SLOOP_CLOSE_REASON_COUNT; r++) {
        if (k.closes[r] > 0U) {
            printf("closes: %s=%llu\n", sloop_close_reason_name((sloop_close_reason)r),
                   (unsigned long long)k.closes[r]);
        }
    }
}

static int usage(void)
{
    fprintf(stderr, "usage: echo_server [--port N] [--bind ADDR] [--backend poll|epoll|epoll-et|wsapoll]"
                    " [--max-frame N] [--idle-ms N]\n");
    return 2;
}

int main(int argc, char **argv)
{
    sloop_options opts = { SLOOP_BACKEND_DEFAULT, NULL };
    sloop_listen_options lo;
    sloop_listener listener;
    uint16_t port = 0U;
    sloop_err err;
    int i;

    memset(&lo, 0, sizeof lo);
    lo.addr = "127.0.0.1";
    lo.conn.framing.mode = SLOOP_FRAME_LENGTH;
    lo.conn.framing.header_size = 4U;
    lo.conn.framing.max_payload = SLOOP_MAX_FRAME;
    lo.conn.frame_timeout_ms = 10000U;
    lo.handler = &echo_handler;
    lo.backlog = 1024;
    for (i = 1; i < argc; i++) {
        const char *v = (i + 1 < argc) ? argv[i + 1] : NULL;
        if (v == NULL) return usage();
        if (strcmp(argv[i], "--port") == 0) lo.port = (uint16_t)strtoul(v, NULL, 10);
        else if (strcmp(argv[i], "--bind") == 0) lo.addr = v;
        else if (strcmp(argv[i], "--backend") == 0) { if (parse_backend(v, &opts.backend) != 0) return usage(); }
        else if (strcmp(argv[i], "--max-frame") == 0) lo.conn.framing.max_payload = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(argv[i], "--idle-ms") == 0) lo.conn.idle_timeout_ms = (uint32_t)strtoul(v, NULL, 10);
        else return usage();
        i++;
    }

    err = sloop_init(&loop, &opts);
    if (err != SLOOP_OK) {
        fprintf(stderr, "echo_server: init: %s\n", sloop_strerror(err));
        return 1;
    }
    err = sloop_listen(&loop, &lo, &listener);
    if (err != SLOOP_OK) {
        fprintf(stderr, "echo_server: listen %s:%u: %s (%s)\n", lo.addr, (unsigned)lo.port,
                sloop_strerror(err), sloop_sys_strerror(sloop_last_sys_error(&loop)));
        return 1;
    }
    (void)sloop_listener_port(&loop, listener, &port);
    err = watch_stop_signals(&loop);
    if (err != SLOOP_OK) {
        fprintf(stderr, "echo_server: stop signals: %s\n", sloop_strerror(err));
        return 1;
    }

    printf("budget: sizeof(sloop_loop)=%zu bytes, per connection=%zu bytes, "
           "max connections=%u, max frame=%u\n",
           sizeof(sloop_loop), sizeof(sloop__conn), (unsigned)SLOOP_MAX_CONNS,
           (unsigned)SLOOP_MAX_FRAME);
    printf("backend: %s\n", sloop_backend_name(sloop_backend_in_use(&loop)));
    printf("listening on %s:%u\n", lo.addr, (unsigned)port);
    fflush(stdout);

    err = sloop_run(&loop);
    print_counters(&loop);
    (void)sloop_close(&loop);
    if (err != SLOOP_OK) {
        fprintf(stderr, "echo_server: run: %s\n", sloop_strerror(err));
        return 1;
    }
    printf("echo_server: clean exit\n");
    return 0;
}
