/*
 * echo_load.c - load client for the framed echo server, built on sloop's client
 * side. Opens C connections, sends M messages of S bytes on each with up to D
 * in flight, checks every echoed byte, and prints messages/s and latency.
 *
 *   echo_load --port N [--host ADDR] [--conns C] [--msgs M] [--size S]
 *             [--depth D] [--backend poll|epoll|epoll-et|wsapoll] [--timeout-ms T]
 *
 * Exit status 0 only if every message came back intact and every connection
 * closed cleanly.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(_WIN32)
#include <winsock2.h> /* before windows.h, as Winsock requires */
#include <windows.h>
#else
#include <sys/resource.h>
#endif

#include "sloop.h"

#define LOAD_MAX_DEPTH 64U
#define LOAD_MAX_SAMPLES 2000000U

typedef struct load_conn {
    sloop_conn conn;
    uint32_t index;
    uint32_t sent;
    uint32_t received;
    uint64_t sent_at[LOAD_MAX_DEPTH]; /* ns, by seq % depth */
    int done;
} load_conn;

static sloop_loop loop;
static load_conn conns[SLOOP_MAX_CONNS];
static uint32_t lat_us[LOAD_MAX_SAMPLES];
static uint32_t lat_count;
static uint32_t n_conns = 10U, n_msgs = 10U, msg_size = 64U, depth = 1U;
static uint32_t closed_conns, failures, corrupt;
static uint8_t payload[SLOOP_MAX_FRAME];

static uint64_t now_ns(void)
{
#if defined(_WIN32)
    LARGE_INTEGER c, f;
    QueryPerformanceCounter(&c);
    QueryPerformanceFrequency(&f);
    return ((uint64_t)c.QuadPart / (uint64_t)f.QuadPart) * 1000000000U +
           ((uint64_t)c.QuadPart % (uint64_t)f.QuadPart) * 1000000000U / (uint64_t)f.QuadPart;
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000U + (uint64_t)ts.tv_nsec;
#endif
}

/* The bytes of message seq on connection k: distinct per message, so a
 * misrouted or reordered echo is detected. */
static void fill_message(uint8_t *out, uint32_t k, uint32_t seq)
{
    uint32_t i;
    for (i = 0U; i < msg_size; i++) {
        out[i] = (uint8_t)(k * 31U + seq * 7U + i);
    }
}

static void send_next(sloop_loop *l, load_conn *lc)
{
    fill_message(payload, lc->index, lc->sent);
    if (sloop_send(l, lc->conn, payload, msg_size) != SLOOP_OK) {
        failures++;
        (void)sloop_conn_abort(l, lc->conn);
        return;
    }
    lc->sent_at[lc->sent % depth] = now_ns();
    lc->sent++;
}

static void on_open(sloop_loop *l, sloop_conn c, void *user)
{
    load_conn *lc = user;
    (void)c;
    while ((lc->sent < n_msgs) && (lc->sent < depth)) {
        send_next(l, lc);
    }
    if (n_msgs == 0U) {
        (void)sloop_conn_close(l, lc->conn);
    }
}

static void on_frame(sloop_loop *l, sloop_conn c, const uint8_t *data, uint32_t len, void *user)
{
    load_conn *lc = user;
    uint8_t expect[SLOOP_MAX_FRAME];
    uint64_t t = now_ns();
    (void)c;
    fill_message(expect, lc->index, lc->received);
    if ((len != msg_size) || (memcmp(data, expect, len) != 0)) {
        corrupt++;
        (void)sloop_conn_abort(l, lc->conn);
        return;
    }
    if (lat_count < LOAD_MAX_SAMPLES) {
        lat_us[lat_count++] = (uint32_t)((t - lc->sent_at[lc->received % depth]) / 1000U);
    }
    lc->received++;
    if (lc->sent < n_msgs) {
        send_next(l, lc);
    } else if (lc->received == n_msgs) {
        lc->done = 1;
        (void)sloop_conn_close(l, lc->conn);
    }
}

static void on_close(sloop_loop *l, sloop_conn c, sloop_close_reason reason, void *user)
{
    load_conn *lc = user;
    (void)c;
    if ((reason != SLOOP_CLOSE_LOCAL) || !lc->done) {
        if (failures < 10U) {
            fprintf(stderr, "echo_load: connection %u closed: %s after %u/%u echoes\n",
                    lc->index, sloop_close_reason_name(reason), lc->received, n_msgs);
        }
        failures++;
    }
    closed_conns++;
    if (closed_conns == n_conns) {
        sloop_stop(l);
    }
}

static void on_deadline(sloop_loop *l, sloop_timer t, void *user)
{
    (void)t;
    (void)user;
    fprintf(stderr, "echo_load: timeout with %u of %u connections finished\n", closed_conns,
            n_conns);
    failures++;
    sloop_stop(l);
}

static const sloop_handler load_handler = { on_open, on_frame, NULL, on_close };

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static uint32_t percentile(double p)
{
    size_t i;
    if (lat_count == 0U) return 0U;
    i = (size_t)(p * (double)(lat_count - 1U) + 0.5);
    return lat_us[i];
}

static void raise_fd_limit(void)
{
#if !defined(_WIN32) /* Windows has no per-process socket limit to raise */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
#endif
}

static int usage(void)
{
    fprintf(stderr, "usage: echo_load --port N [--host ADDR] [--conns C] [--msgs M] [--size S]"
                    " [--depth D] [--backend poll|epoll|epoll-et|wsapoll] [--timeout-ms T]\n");
    return 2;
}

int main(int argc, char **argv)
{
    sloop_options opts = { SLOOP_BACKEND_DEFAULT, NULL };
    sloop_conn_options co;
    const char *host = "127.0.0.1";
    uint16_t port = 0U;
    uint32_t timeout_ms = 60000U;
    sloop_timer deadline;
    uint64_t t0, t1;
    double secs;
    uint32_t i;
    int a;

    for (a = 1; a < argc; a++) {
        const char *v = (a + 1 < argc) ? argv[a + 1] : NULL;
        if (v == NULL) return usage();
        if (strcmp(argv[a], "--port") == 0) port = (uint16_t)strtoul(v, NULL, 10);
        else if (strcmp(argv[a], "--host") == 0) host = v;
        else if (strcmp(argv[a], "--conns") == 0) n_conns = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(argv[a], "--msgs") == 0) n_msgs = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(argv[a], "--size") == 0) msg_size = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(argv[a], "--depth") == 0) depth = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(argv[a], "--timeout-ms") == 0) timeout_ms = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(argv[a], "--backend") == 0) {
            if (strcmp(v, "poll") == 0) opts.backend = SLOOP_BACKEND_POLL;
            else if (strcmp(v, "epoll") == 0) opts.backend = SLOOP_BACKEND_EPOLL;
            else if (strcmp(v, "epoll-et") == 0) opts.backend = SLOOP_BACKEND_EPOLL_ET;
            else if (strcmp(v, "wsapoll") == 0) opts.backend = SLOOP_BACKEND_WSAPOLL;
            else return usage();
        } else return usage();
        a++;
    }
    if ((port == 0U) || (n_conns == 0U) || (n_conns > SLOOP_MAX_CONNS) || (depth == 0U) ||
        (depth > LOAD_MAX_DEPTH) || (msg_size > SLOOP_MAX_FRAME)) {
        fprintf(stderr, "echo_load: need --port, 1 <= conns <= %u, 1 <= depth <= %u, "
                        "size <= %u\n", (unsigned)SLOOP_MAX_CONNS, LOAD_MAX_DEPTH,
                (unsigned)SLOOP_MAX_FRAME);
        return 2;
    }
    raise_fd_limit();
    if (sloop_init(&loop, &opts) != SLOOP_OK) {
        fprintf(stderr, "echo_load: init failed\n");
        return 1;
    }
    memset(&co, 0, sizeof co);
    co.framing.mode = SLOOP_FRAME_LENGTH;
    co.framing.header_size = 4U;
    co.framing.max_payload = SLOOP_MAX_FRAME;
    co.connect_timeout_ms = 10000U;

    t0 = now_ns();
    for (i = 0U; i < n_conns; i++) {
        sloop_err err;
        conns[i].index = i;
        err = sloop_connect(&loop, host, port, &co, &load_handler, &conns[i], &conns[i].conn);
        if (err != SLOOP_OK) {
            fprintf(stderr, "echo_load: connect %u: %s (%s)\n", i, sloop_strerror(err),
                    sloop_sys_strerror(sloop_last_sys_error(&loop)));
            return 1;
        }
    }
    (void)sloop_timer_start(&loop, timeout_ms, 0U, on_deadline, NULL, &deadline);
    (void)sloop_run(&loop);
    t1 = now_ns();
    (void)sloop_close(&loop);

    secs = (double)(t1 - t0) / 1e9;
    qsort(lat_us, lat_count, sizeof lat_us[0], cmp_u32);
    printf("echo_load: conns=%u msgs=%u size=%u depth=%u: %u echoes in %.3f s = %.0f msg/s, "
           "latency p50=%u us p99=%u us max=%u us, failures=%u corrupt=%u\n",
           n_conns, n_msgs, msg_size, depth, lat_count, secs,
           (secs > 0.0) ? (double)lat_count / secs : 0.0, percentile(0.50), percentile(0.99),
           (lat_count > 0U) ? lat_us[lat_count - 1U] : 0U, failures, corrupt);
    return ((failures == 0U) && (corrupt == 0U) && (lat_count == n_conns * n_msgs)) ? 0 : 1;
}
