/*
 * echo_client.c - the one load client of the echo benchmark. Plain sockets and
 * level-triggered epoll, no event library, so that every server under test
 * faces exactly the same client.
 *
 *   echo_client --port P [--host 127.0.0.1] [--conns C] [--size S]
 *               [--warmup-ms W] [--duration-ms D] [--msgs M] [--name NAME]
 *
 * Opens C TCP connections (C <= 4096), then runs a closed-loop ping-pong on
 * each: one framed message (4-byte big-endian length, then S payload bytes) in
 * flight per connection; when its echo is complete and checked, the next one
 * is sent. Echoes completed during the first W ms are not counted (warm-up);
 * the next D ms are measured: messages/s = echoes completed / D, latency = time
 * from the send of a message to the completion of its echo (p50, p99).
 * With --msgs M instead, each connection does exactly M round trips and all
 * of them are measured (used to count a server's instructions per message
 * under callgrind, where time windows mean little).
 * Prints one line:
 *
 *   result server=NAME conns=C size=S msgs=M secs=T msgs_per_s=X p50_us=A p99_us=B
 *          total=N errors=E
 *
 * (total: every echo completed, warm-up and drain included, for per-message
 * costs measured on the server side).
 *
 * Exit status 0 only if every echo was intact and no connection failed.
 * Bounded: at most 4096 connections, a 2 s drain after the window, and the
 * whole run aborts (exit 1) if no echo arrives for 5 s.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 4096U
#define MAX_SIZE 4096U
#define MAX_SAMPLES (4U * 1024U * 1024U)

typedef struct client_conn {
    int fd;
    uint32_t seq;        /* sequence number of the message in flight */
    uint64_t sent_at;    /* ns */
    uint32_t out_len;    /* bytes of the current message still to send */
    uint32_t out_off;
    uint32_t in_len;     /* bytes of the echo received so far */
    int want_out;        /* EPOLLOUT registered */
    uint8_t out[MAX_SIZE + 4U];
    uint8_t in[MAX_SIZE + 4U];
} client_conn;

static client_conn *conns;
static uint32_t n_conns = 10U, msg_size = 64U, fixed_msgs;
static uint32_t lat_ns[MAX_SAMPLES];
static uint32_t n_samples;
static uint64_t measured, total_echoes, errors;
static int epfd;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void fill(uint8_t *p, uint32_t k, uint32_t seq)
{
    uint32_t i;
    p[0] = (uint8_t)(msg_size >> 24);
    p[1] = (uint8_t)(msg_size >> 16);
    p[2] = (uint8_t)(msg_size >> 8);
    p[3] = (uint8_t)msg_size;
    for (i = 0U; i < msg_size; i++) {
        p[4U + i] = (uint8_t)(k * 31U + seq * 7U + i);
    }
}

static void set_out_interest(client_conn *c, uint32_t k, int on)
{
    struct epoll_event ev;
    if (c->want_out == on) {
        return;
    }
    ev.events = EPOLLIN | (on ? EPOLLOUT : 0U);
    ev.data.u32 = k;
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) != 0) {
        errors++;
    }
    c->want_out = on;
}

static void flush_out(client_conn *c, uint32_t k)
{
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n > 0) {
            c->out_off += (uint32_t)n;
        } else if ((n < 0) && (errno == EINTR)) {
            continue;
        } else if ((n < 0) && ((errno == EAGAIN) || (errno == EWOULDBLOCK))) {
            break;
        } else {
            errors++;
            return;
        }
    }
    set_out_interest(c, k, c->out_off < c->out_len);
}

static void send_next(client_conn *c, uint32_t k)
{
    c->seq++;
    fill(c->out, k, c->seq);
    c->out_len = msg_size + 4U;
    c->out_off = 0U;
    c->in_len = 0U;
    c->sent_at = now_ns();
    flush_out(c, k);
}

/* Reads what is there; returns 1 when the echo of the message in flight is
 * complete and intact, 0 if more is needed, -1 on error. */
static int read_echo(client_conn *c, uint32_t k)
{
    uint32_t total = msg_size + 4U;
    for (;;) {
        ssize_t n = recv(c->fd, c->in + c->in_len, total - c->in_len, 0);
        if (n > 0) {
            c->in_len += (uint32_t)n;
            if (c->in_len == total) {
                break;
            }
        } else if ((n < 0) && (errno == EINTR)) {
            continue;
        } else if ((n < 0) && ((errno == EAGAIN) || (errno == EWOULDBLOCK))) {
            return 0;
        } else {
            return -1; /* closed or failed */
        }
    }
    fill(c->out, k, c->seq); /* expected bytes (out is free once fully sent) */
    return (memcmp(c->in, c->out, total) == 0) ? 1 : -1;
}

static int connect_one(const char *host, uint16_t port)
{
    struct sockaddr_in sa;
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        close(fd);
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
    return fd;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static double pct_us(double p)
{
    size_t i;
    if (n_samples == 0U) {
        return 0.0;
    }
    i = (size_t)(p * (double)(n_samples - 1U) + 0.5);
    return (double)lat_ns[i] / 1000.0;
}

int main(int argc, char **argv)
{
    const char *host = "127.0.0.1";
    const char *name = "server";
    uint16_t port = 0U;
    uint32_t warmup_ms = 300U, duration_ms = 1000U;
    uint64_t t_start, t_end, t_drain, last_progress;
    uint32_t k, in_flight;
    struct epoll_event *evs;
    struct rlimit rl;
    int a, stopping = 0;

    for (a = 1; a < argc; a += 2) {
        const char *v = (a + 1 < argc) ? argv[a + 1] : NULL;
        if (v == NULL) goto usage;
        if (strcmp(argv[a], "--port") == 0) port = (uint16_t)strtoul(v, NULL, 10);
        else if (strcmp(argv[a], "--host") == 0) host = v;
        else if (strcmp(argv[a], "--conns") == 0) n_conns = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(argv[a], "--size") == 0) msg_size = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(argv[a], "--warmup-ms") == 0) warmup_ms = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(argv[a], "--duration-ms") == 0) duration_ms = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(argv[a], "--msgs") == 0) fixed_msgs = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(argv[a], "--name") == 0) name = v;
        else goto usage;
    }
    if ((port == 0U) || (n_conns == 0U) || (n_conns > MAX_CONNS) || (msg_size == 0U) ||
        (msg_size > MAX_SIZE) || (duration_ms == 0U) || (duration_ms > 600000U)) {
        goto usage;
    }
    if ((getrlimit(RLIMIT_NOFILE, &rl) == 0) && (rl.rlim_cur < rl.rlim_max)) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
    conns = calloc(n_conns, sizeof *conns);
    evs = calloc(n_conns, sizeof *evs);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if ((conns == NULL) || (evs == NULL) || (epfd < 0)) {
        fprintf(stderr, "echo_client: out of memory\n");
        return 1;
    }
    for (k = 0U; k < n_conns; k++) {
        struct epoll_event ev;
        conns[k].fd = connect_one(host, port);
        if (conns[k].fd < 0) {
            fprintf(stderr, "echo_client: connect %u to %s:%u: %s\n", k, host, (unsigned)port,
                    strerror(errno));
            return 1;
        }
        ev.events = EPOLLIN;
        ev.data.u32 = k;
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, conns[k].fd, &ev) != 0) {
            return 1;
        }
    }
    for (k = 0U; k < n_conns; k++) {
        send_next(&conns[k], k);
    }
    in_flight = n_conns;
    t_start = now_ns() + (fixed_msgs ? 0U : (uint64_t)warmup_ms * 1000000ULL);
    t_end = t_start + (uint64_t)duration_ms * 1000000ULL;
    t_drain = t_end + 2000000000ULL;
    if (fixed_msgs) {
        t_end = t_drain = UINT64_MAX; /* bounded by the 5 s no-progress rule */
    }
    last_progress = now_ns();

    while (in_flight > 0U) {
        int i, n = epoll_wait(epfd, evs, (int)n_conns, 100);
        uint64_t t = now_ns();
        if ((n < 0) && (errno != EINTR)) {
            errors++;
            break;
        }
        if (!stopping && (t >= t_end)) {
            stopping = 1; /* no new messages; let those in flight come back */
        }
        if ((t >= t_drain) || ((t - last_progress) > 5000000000ULL)) {
            fprintf(stderr, "echo_client: %s: %u echoes never came back\n", name, in_flight);
            errors += in_flight;
            break;
        }
        for (i = 0; i < n; i++) {
            uint32_t idx = evs[i].data.u32;
            client_conn *c = &conns[idx];
            if ((evs[i].events & EPOLLOUT) != 0U) {
                flush_out(c, idx);
            }
            if ((evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0U) {
                int r = read_echo(c, idx);
                if (r < 0) {
                    fprintf(stderr, "echo_client: %s: connection %u failed or echo corrupt\n",
                            name, idx);
                    errors++;
                    (void)epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
                    in_flight--;
                } else if (r > 0) {
                    uint64_t done = now_ns();
                    last_progress = done;
                    total_echoes++;
                    if ((done >= t_start) && (done < t_end)) {
                        measured++;
                        if (n_samples < MAX_SAMPLES) {
                            uint64_t l = done - c->sent_at;
                            lat_ns[n_samples++] = (l > UINT32_MAX) ? UINT32_MAX : (uint32_t)l;
                        }
                    }
                    if (stopping || (fixed_msgs && (c->seq >= fixed_msgs))) {
                        in_flight--;
                    } else {
                        send_next(c, idx);
                    }
                }
            }
        }
    }
    for (k = 0U; k < n_conns; k++) {
        close(conns[k].fd);
    }
    if (fixed_msgs) {
        duration_ms = (uint32_t)((now_ns() - t_start) / 1000000ULL) + 1U;
    }
    qsort(lat_ns, n_samples, sizeof lat_ns[0], cmp_u32);
    printf("result server=%s conns=%u size=%u msgs=%llu secs=%.3f msgs_per_s=%.0f p50_us=%.1f "
           "p99_us=%.1f total=%llu errors=%llu\n",
           name, n_conns, msg_size, (unsigned long long)measured, (double)duration_ms / 1000.0,
           (double)measured * 1000.0 / (double)duration_ms, pct_us(0.50), pct_us(0.99),
           (unsigned long long)total_echoes, (unsigned long long)errors);
    return (errors == 0U) ? 0 : 1;
usage:
    fprintf(stderr, "usage: echo_client --port P [--host A] [--conns C<=%u] [--size S<=%u]"
                    " [--warmup-ms W] [--duration-ms D] [--name NAME]\n", MAX_CONNS, MAX_SIZE);
    return 2;
}
