/*
 * sim.c - the deterministic simulation: a complete sloop_sys table over an
 * in-memory world (see include/sloop_sim.h for the model).
 *
 * Notes on what this file does and why:
 *  - It is not a backend in the switch of backend.c: the loop runs its poll
 *    backend unchanged over this sys table, so the code under test is the code
 *    that ships. Nothing here calls the OS or allocates; every table is a fixed
 *    array inside the caller's sloop_sim.
 *  - Readiness is computed from the world's state at each poll, never cached,
 *    so it cannot drift from what recv and sendv would do. A descriptor is
 *    POLLIN exactly when recv would not say EAGAIN, POLLOUT exactly when sendv
 *    would move a byte or fail (reset, EPIPE).
 *  - Descriptor numbers are SLOOP_SIM_FD_BASE + k for the k-th one handed out
 *    and are never reused, so a double close or a use after close is always
 *    detected instead of silently hitting a newer descriptor (what a real
 *    kernel would do, and what makes such bugs hard to see).
 *  - The clock moves only in sloop_sim_advance and in poll: a wait that finds
 *    nothing ready first lets the test's idle hook act, then jumps the clock by
 *    the timeout, or less when an outgoing connect resolves earlier.
 *  - Every loop is bounded by a table size from sloop_sim.h.
 */
#include "sloop_sim.h"

#if defined(SLOOP_NO_OS)
/* Bare metal has no <string.h>; these two are the whole of the C library the
 * simulation needs, and every freestanding toolchain provides them. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
#else
#include <string.h>
#endif
#include "core/tick.h"

#define SIM_MAGIC 0x53494D57U /* "SIMW" */
#define SIM_FD_LISTENER 1U
#define SIM_FD_CONN 2U
#define SIM_FD_WAKE 3U
#define SIM_FD_SIGNAL 4U
#define SIM_MAX_IOV 16U
#define SIM_FIRST_PORT 40000U

enum sim_pair_state {
    SIM_PAIR_QUEUED = 1,     /* peer connected, waiting in a listener's backlog */
    SIM_PAIR_CONNECTING = 2, /* the loop's outgoing connect is in progress */
    SIM_PAIR_OPEN = 3,
    SIM_PAIR_FAILED = 4      /* outgoing connect refused */
};

static sloop_sim *sim_of(void *ctx)
{
    return (sloop_sim *)ctx;
}

/* ---- Small helpers ------------------------------------------------------------ */

static uint32_t sim_min32(uint32_t a, uint32_t b)
{
    return (a < b) ? a : b;
}

static size_t sim_str_len(const char *s, size_t max)
{
    size_t n = 0U;
    while ((n < max) && (s[n] != '\0')) {
        n++;
    }
    return n;
}

/* An IPv4 or IPv6 literal as far as its characters go; names are refused
 * (the POSIX table uses inet_pton, which refuses them too). */
static bool sim_addr_valid(const char *addr)
{
    size_t n;
    size_t i;
    bool ok;
    if (addr == NULL) {
        return false;
    }
    n = sim_str_len(addr, SLOOP_SIM_ADDR_LEN);
    ok = (n > 0U) && (n < SLOOP_SIM_ADDR_LEN);
    for (i = 0U; ok && (i < n); i++) {
        char c = addr[i];
        ok = ((c >= '0') && (c <= '9')) || ((c >= 'a') && (c <= 'f')) ||
             ((c >= 'A') && (c <= 'F')) || (c == '.') || (c == ':');
    }
    return ok;
}

static void sim_addr_copy(char *dst, const char *src)
{
    size_t n = sim_str_len(src, SLOOP_SIM_ADDR_LEN - 1U);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static bool sim_addr_equal(const char *a, const char *b)
{
    /* Stops at the first difference or at the common terminator, so neither
     * string is read past its end. */
    size_t i = 0U;
    while ((i < (SLOOP_SIM_ADDR_LEN - 1U)) && (a[i] != '\0') && (a[i] == b[i])) {
        i++;
    }
    return a[i] == b[i];
}

static bool sim_addr_wildcard(const char *a)
{
    return sim_addr_equal(a, "0.0.0.0") || sim_addr_equal(a, "::");
}

/* ---- Byte buffers and queues ---------------------------------------------------- */

static uint32_t sim_bytes_push(sloop_sim_bytes *b, const uint8_t *data, uint32_t len,
                               uint32_t cap)
{
    uint32_t room = (b->count < cap) ? (cap - b->count) : 0U;
    uint32_t n = sim_min32(len, room);
    uint32_t i;
    for (i = 0U; i < n; i++) {
        b->data[(b->head + b->count + i) % SLOOP_SIM_BUF_SIZE] = data[i];
    }
    b->count += n;
    return n;
}

static uint32_t sim_bytes_pop(sloop_sim_bytes *b, uint8_t *out, uint32_t len)
{
    uint32_t n = sim_min32(len, b->count);
    uint32_t i;
    for (i = 0U; i < n; i++) {
        out[i] = b->data[(b->head + i) % SLOOP_SIM_BUF_SIZE];
    }
    b->head = (b->head + n) % SLOOP_SIM_BUF_SIZE;
    b->count -= n;
    return n;
}

static bool sim_queue_push(sloop_sim_queue *q, uint32_t item, uint32_t limit)
{
    bool ok = (q->count < limit) && (q->count < SLOOP_SIM_BACKLOG);
    if (ok) {
        q->item[(q->head + q->count) % SLOOP_SIM_BACKLOG] = item;
        q->count++;
    }
    return ok;
}

static bool sim_queue_pop(sloop_sim_queue *q, uint32_t *item)
{
    bool ok = (q->count > 0U);
    if (ok) {
        *item = q->item[q->head];
        q->head = (q->head + 1U) % SLOOP_SIM_BACKLOG;
        q->count--;
    }
    return ok;
}

/* ---- Descriptors ------------------------------------------------------------------ */

static int sim_fd_alloc(sloop_sim *sim, uint8_t kind, uint32_t obj, uint32_t *index)
{
    int rc = SLOOP_SYS_OK;
    if (sim->fd_open >= sim->fd_limit) {
        rc = SLOOP_SYS_EMFILE;
    } else if (sim->fd_count >= SLOOP_SIM_MAX_FDS) {
        rc = SLOOP_SYS_ENFILE;
    } else {
        sloop_sim_fdent *e = &sim->fds[sim->fd_count];
        e->kind = kind;
        e->open = 1U;
        e->obj = obj;
        e->closes = 0U;
        e->aux = 0U;
        *index = sim->fd_count;
        sim->fd_count++;
        sim->fd_open++;
    }
    return rc;
}

static sloop_fd sim_fd_number(uint32_t index)
{
    return (sloop_fd)SLOOP_SIM_FD_BASE + (sloop_fd)index;
}

/* Index of a descriptor number ever handed out. */
static bool sim_fd_known(const sloop_sim *sim, sloop_fd fd, uint32_t *index)
{
    bool ok = (fd >= (sloop_fd)SLOOP_SIM_FD_BASE) &&
              ((fd - (sloop_fd)SLOOP_SIM_FD_BASE) < (sloop_fd)sim->fd_count);
    if (ok) {
        *index = (uint32_t)(fd - (sloop_fd)SLOOP_SIM_FD_BASE);
    }
    return ok;
}

/* The open descriptor's table entry, or NULL (counted as a bad use). */
static sloop_sim_fdent *sim_fd_use(sloop_sim *sim, sloop_fd fd)
{
    uint32_t index = 0U;
    sloop_sim_fdent *e = NULL;
    if (sim_fd_known(sim, fd, &index) && (sim->fds[index].open != 0U)) {
        e = &sim->fds[index];
    } else {
        sim->stats.bad_fd_calls++;
    }
    return e;
}

/* ---- Connections ------------------------------------------------------------------ */

static bool sim_pair_new(sloop_sim *sim, uint8_t state, uint32_t *index)
{
    sloop_sim_pair *p;
    if (sim->pair_count >= SLOOP_SIM_MAX_PAIRS) {
        return false;
    }
    p = &sim->pairs[sim->pair_count];
    p->state = state;
    p->loop_open = 0U;
    p->loop_closed = 0U;
    p->peer_shut = 0U;
    p->peer_closed = 0U;
    p->reset = 0U;
    p->never = 0U;
    p->local_port = 0U;
    p->conn_error = SLOOP_SYS_OK;
    p->connect_at = sim->now;
    p->fd_index = UINT32_MAX;
    p->recv_max = sim->def_recv_max;
    p->send_max = sim->def_send_max;
    p->window = sim->def_window;
    p->moved_to_loop = 0U;
    p->moved_to_peer = 0U;
    p->to_loop.head = 0U;
    p->to_loop.count = 0U;
    p->to_peer.head = 0U;
    p->to_peer.count = 0U;
    *index = sim->pair_count;
    sim->pair_count++;
    return true;
}

/* An outgoing connect resolves once its time has come. */
static void sim_pair_resolve(const sloop_sim *sim, sloop_sim_pair *p)
{
    if ((p->state == SIM_PAIR_CONNECTING) && (p->never == 0U) &&
        sloop_tick_reached(sim->now, p->connect_at)) {
        p->state = (p->conn_error == SLOOP_SYS_OK) ? SIM_PAIR_OPEN : SIM_PAIR_FAILED;
    }
}

static sloop_sim_pair *sim_pair_of(sloop_sim *sim, const sloop_sim_fdent *e)
{
    sloop_sim_pair *p = NULL;
    if ((e != NULL) && (e->kind == SIM_FD_CONN) && (e->obj < sim->pair_count)) {
        p = &sim->pairs[e->obj];
        sim_pair_resolve(sim, p);
    }
    return p;
}

static uint32_t sim_pair_room(const sloop_sim_pair *p)
{
    return (p->to_peer.count < p->window) ? (p->window - p->to_peer.count) : 0U;
}

/* ---- The sys table ------------------------------------------------------------------- */

static uint32_t sim_now_ms(void *ctx)
{
    sloop_sim *sim = sim_of(ctx);
    sim->stats.calls[SLOOP_SIM_FN_NOW]++;
    return sim->now;
}

static bool sim_port_in_use(const sloop_sim *sim, const char *addr, uint16_t port)
{
    uint32_t i;
    bool used = false;
    for (i = 0U; (i < SLOOP_SIM_MAX_LISTENERS) && !used; i++) {
        const sloop_sim_listener *l = &sim->listeners[i];
        used = (l->open != 0U) && (l->port == port) &&
               (sim_addr_equal(l->addr, addr) || sim_addr_wildcard(l->addr) ||
                sim_addr_wildcard(addr));
    }
    return used;
}

static uint16_t sim_pick_port(sloop_sim *sim, const char *addr)
{
    uint32_t tries;
    uint16_t port = 0U;
    for (tries = 0U; (tries < (SLOOP_SIM_MAX_LISTENERS + 1U)) && (port == 0U); tries++) {
        uint16_t candidate = sim->next_port;
        sim->next_port = (uint16_t)((sim->next_port >= 65000U) ? SIM_FIRST_PORT
                                                                : (sim->next_port + 1U));
        if (!sim_port_in_use(sim, addr, candidate)) {
            port = candidate;
        }
    }
    return port;
}

static int sim_listen(void *ctx, const char *addr, uint16_t port, int backlog, sloop_fd *out)
{
    sloop_sim *sim = sim_of(ctx);
    const char *a = (addr == NULL) ? "0.0.0.0" : addr;
    uint32_t slot = SLOOP_SIM_MAX_LISTENERS;
    uint32_t i;
    uint32_t fdi = 0U;
    uint16_t p = port;
    int rc;
    sim->stats.calls[SLOOP_SIM_FN_LISTEN]++;
    if ((out == NULL) || !sim_addr_valid(a)) {
        return SLOOP_SYS_EINVAL;
    }
    if (p == 0U) {
        p = sim_pick_port(sim, a);
        if (p == 0U) {
            return SLOOP_SYS_EADDRINUSE;
        }
    } else if (sim_port_in_use(sim, a, p)) {
        return SLOOP_SYS_EADDRINUSE;
    } else {
        /* the port asked for is free */
    }
    for (i = 0U; (i < SLOOP_SIM_MAX_LISTENERS) && (slot == SLOOP_SIM_MAX_LISTENERS); i++) {
        if (sim->listeners[i].open == 0U) {
            slot = i;
        }
    }
    if (slot == SLOOP_SIM_MAX_LISTENERS) {
        return SLOOP_SYS_ENOBUFS;
    }
    rc = sim_fd_alloc(sim, SIM_FD_LISTENER, slot, &fdi);
    if (rc == SLOOP_SYS_OK) {
        sloop_sim_listener *l = &sim->listeners[slot];
        l->open = 1U;
        l->port = p;
        l->fd_index = fdi;
        l->backlog = (backlog <= 0) ? 1U
                     : (((uint32_t)backlog > SLOOP_SIM_BACKLOG) ? SLOOP_SIM_BACKLOG
                                                                : (uint32_t)backlog);
        l->queue.head = 0U;
        l->queue.count = 0U;
        sim_addr_copy(l->addr, a);
        *out = sim_fd_number(fdi);
    }
    return rc;
}

static int sim_local_port(void *ctx, sloop_fd fd, uint16_t *port)
{
    sloop_sim *sim = sim_of(ctx);
    const sloop_sim_fdent *e;
    int rc = SLOOP_SYS_OK;
    sim->stats.calls[SLOOP_SIM_FN_LOCAL_PORT]++;
    e = sim_fd_use(sim, fd);
    if ((e == NULL) || (port == NULL)) {
        rc = SLOOP_SYS_EBADF;
    } else if (e->kind == SIM_FD_LISTENER) {
        *port = sim->listeners[e->obj].port;
    } else if (e->kind == SIM_FD_CONN) {
        *port = sim->pairs[e->obj].local_port;
    } else {
        rc = SLOOP_SYS_EINVAL; /* a channel has no port */
    }
    return rc;
}

static int sim_accept(void *ctx, sloop_fd listener, sloop_fd *out)
{
    sloop_sim *sim = sim_of(ctx);
    const sloop_sim_fdent *e;
    sloop_sim_listener *l;
    uint32_t pi = 0U;
    uint32_t fdi = 0U;
    int rc;
    sim->stats.calls[SLOOP_SIM_FN_ACCEPT]++;
    e = sim_fd_use(sim, listener);
    if (e == NULL) {
        return SLOOP_SYS_EBADF;
    }
    if ((e->kind != SIM_FD_LISTENER) || (out == NULL)) {
        return SLOOP_SYS_EINVAL;
    }
    l = &sim->listeners[e->obj];
    if (l->queue.count == 0U) {
        return SLOOP_SYS_EAGAIN;
    }
    /* Out of descriptors: the connection stays in the backlog, as in a kernel. */
    rc = sim_fd_alloc(sim, SIM_FD_CONN, l->queue.item[l->queue.head], &fdi);
    if (rc == SLOOP_SYS_OK) {
        sloop_sim_pair *p;
        (void)sim_queue_pop(&l->queue, &pi);
        p = &sim->pairs[pi];
        p->state = SIM_PAIR_OPEN;
        p->fd_index = fdi;
        p->loop_open = 1U;
        sim->stats.accepts++;
        *out = sim_fd_number(fdi);
    }
    return rc;
}

static sloop_sim_remote *sim_remote_find(sloop_sim *sim, const char *addr, uint16_t port)
{
    uint32_t i;
    sloop_sim_remote *r = NULL;
    for (i = 0U; (i < sim->remote_count) && (r == NULL); i++) {
        if ((sim->remotes[i].port == port) && sim_addr_equal(sim->remotes[i].addr, addr)) {
            r = &sim->remotes[i];
        }
    }
    return r;
}

static int sim_connect(void *ctx, const char *addr, uint16_t port, sloop_fd *out)
{
    sloop_sim *sim = sim_of(ctx);
    sloop_sim_remote *r;
    sloop_sim_pair *p;
    uint32_t pi = 0U;
    uint32_t fdi = 0U;
    int rc;
    sim->stats.calls[SLOOP_SIM_FN_CONNECT]++;
    if ((out == NULL) || !sim_addr_valid(addr)) {
        return SLOOP_SYS_EINVAL;
    }
    if (sim->pair_count >= SLOOP_SIM_MAX_PAIRS) {
        return SLOOP_SYS_ENOBUFS;
    }
    rc = sim_fd_alloc(sim, SIM_FD_CONN, sim->pair_count, &fdi);
    if (rc != SLOOP_SYS_OK) {
        return rc;
    }
    (void)sim_pair_new(sim, SIM_PAIR_CONNECTING, &pi);
    p = &sim->pairs[pi];
    p->fd_index = fdi;
    p->loop_open = 1U;
    p->local_port = sim_pick_port(sim, "0.0.0.0");
    sim->stats.connects++;
    *out = sim_fd_number(fdi);
    r = (port != 0U) ? sim_remote_find(sim, addr, port) : NULL;
    if (r == NULL) {
        p->conn_error = SLOOP_SYS_ECONNREFUSED; /* nobody there: refused at once */
        return SLOOP_SYS_EINPROGRESS;
    }
    p->connect_at = sloop_tick_add(sim->now, r->delay_ms);
    switch ((sloop_sim_remote_mode)r->mode) {
    case SLOOP_SIM_ACCEPT_NOW:
        rc = SLOOP_SYS_OK;
        p->state = SIM_PAIR_OPEN;
        break;
    case SLOOP_SIM_ACCEPT:
        rc = SLOOP_SYS_EINPROGRESS;
        break;
    case SLOOP_SIM_REFUSE:
        rc = SLOOP_SYS_EINPROGRESS;
        p->conn_error = SLOOP_SYS_ECONNREFUSED;
        break;
    case SLOOP_SIM_BLACKHOLE:
    default:
        rc = SLOOP_SYS_EINPROGRESS;
        p->never = 1U;
        break;
    }
    if ((p->conn_error == SLOOP_SYS_OK) && (p->never == 0U) &&
        !sim_queue_push(&r->queue, pi, SLOOP_SIM_BACKLOG)) {
        /* The remote's backlog is full: refused, reported like any refusal. */
        p->conn_error = SLOOP_SYS_ECONNREFUSED;
        p->state = SIM_PAIR_CONNECTING;
        rc = SLOOP_SYS_EINPROGRESS;
    }
    return rc;
}

static int sim_connect_result(void *ctx, sloop_fd fd)
{
    sloop_sim *sim = sim_of(ctx);
    const sloop_sim_fdent *e;
    const sloop_sim_pair *p;
    int rc;
    sim->stats.calls[SLOOP_SIM_FN_CONNECT_RESULT]++;
    e = sim_fd_use(sim, fd);
    p = sim_pair_of(sim, e);
    if (e == NULL) {
        rc = SLOOP_SYS_EBADF;
    } else if (p == NULL) {
        rc = SLOOP_SYS_EINVAL;
    } else if (p->state == SIM_PAIR_CONNECTING) {
        rc = SLOOP_SYS_EINPROGRESS;
    } else if (p->state == SIM_PAIR_FAILED) {
        rc = p->conn_error;
    } else if (p->reset != 0U) {
        rc = SLOOP_SYS_ECONNRESET;
    } else {
        rc = SLOOP_SYS_OK;
    }
    return rc;
}

static int sim_recv(void *ctx, sloop_fd fd, void *buf, size_t len, size_t *got)
{
    sloop_sim *sim = sim_of(ctx);
    const sloop_sim_fdent *e;
    sloop_sim_pair *p;
    int rc = SLOOP_SYS_OK;
    sim->stats.calls[SLOOP_SIM_FN_RECV]++;
    e = sim_fd_use(sim, fd);
    p = sim_pair_of(sim, e);
    if (e == NULL) {
        return SLOOP_SYS_EBADF;
    }
    if ((p == NULL) || (got == NULL) || ((buf == NULL) && (len > 0U))) {
        return SLOOP_SYS_EINVAL;
    }
    *got = 0U;
    if (p->state == SIM_PAIR_CONNECTING) {
        rc = SLOOP_SYS_EAGAIN;
    } else if (p->state == SIM_PAIR_FAILED) {
        rc = p->conn_error;
    } else if ((p->to_loop.count > 0U) && (len > 0U)) {
        /* Data first: bytes that arrived before a reset can still be read. */
        uint32_t ask = (len > (size_t)UINT32_MAX) ? UINT32_MAX : (uint32_t)len;
        uint32_t n;
        if (p->recv_max > 0U) {
            ask = sim_min32(ask, p->recv_max);
        }
        n = sim_bytes_pop(&p->to_loop, (uint8_t *)buf, ask);
        p->moved_to_loop += n;
        sim->stats.bytes_to_loop += n;
        *got = n;
    } else if (p->reset != 0U) {
        rc = SLOOP_SYS_ECONNRESET;
    } else if ((p->peer_shut != 0U) || (len == 0U)) {
        *got = 0U; /* end of stream */
    } else {
        rc = SLOOP_SYS_EAGAIN;
    }
    return rc;
}

static int sim_sendv(void *ctx, sloop_fd fd, const sloop_iov *iov, uint32_t iovcnt, size_t *sent)
{
    sloop_sim *sim = sim_of(ctx);
    const sloop_sim_fdent *e;
    sloop_sim_pair *p;
    uint64_t total = 0U;
    uint32_t i;
    uint32_t n;
    uint32_t left;
    sim->stats.calls[SLOOP_SIM_FN_SENDV]++;
    e = sim_fd_use(sim, fd);
    p = sim_pair_of(sim, e);
    if (e == NULL) {
        return SLOOP_SYS_EBADF;
    }
    if ((p == NULL) || (sent == NULL) || (iovcnt > SIM_MAX_IOV) ||
        ((iov == NULL) && (iovcnt > 0U))) {
        return SLOOP_SYS_EINVAL;
    }
    *sent = 0U;
    if (p->state == SIM_PAIR_CONNECTING) {
        return SLOOP_SYS_EAGAIN;
    }
    if (p->state == SIM_PAIR_FAILED) {
        return p->conn_error;
    }
    if (p->reset != 0U) {
        return SLOOP_SYS_ECONNRESET;
    }
    if (p->peer_closed != 0U) {
        return SLOOP_SYS_EPIPE;
    }
    for (i = 0U; i < iovcnt; i++) {
        if ((iov[i].base == NULL) && (iov[i].len > 0U)) {
            return SLOOP_SYS_EINVAL;
        }
        total += iov[i].len;
    }
    n = sim_pair_room(p);
    if (total < (uint64_t)n) {
        n = (uint32_t)total;
    }
    if (p->send_max > 0U) {
        n = sim_min32(n, p->send_max);
    }
    if ((n == 0U) && (total > 0U)) {
        return SLOOP_SYS_EAGAIN;
    }
    left = n;
    for (i = 0U; (i < iovcnt) && (left > 0U); i++) {
        uint32_t take = (iov[i].len < (size_t)left) ? (uint32_t)iov[i].len : left;
        (void)sim_bytes_push(&p->to_peer, (const uint8_t *)iov[i].base, take,
                             SLOOP_SIM_BUF_SIZE);
        left -= take;
    }
    p->moved_to_peer += n;
    sim->stats.bytes_to_peer += n;
    *sent = n;
    return SLOOP_SYS_OK;
}

static int sim_close(void *ctx, sloop_fd fd)
{
    sloop_sim *sim = sim_of(ctx);
    uint32_t index = 0U;
    sloop_sim_fdent *e;
    sim->stats.calls[SLOOP_SIM_FN_CLOSE]++;
    if (!sim_fd_known(sim, fd, &index)) {
        sim->stats.bad_closes++;
        return SLOOP_SYS_EBADF;
    }
    e = &sim->fds[index];
    e->closes++;
    if (e->open == 0U) {
        sim->stats.bad_closes++; /* closed twice */
        return SLOOP_SYS_EBADF;
    }
    e->open = 0U;
    sim->fd_open--;
    if (e->kind == SIM_FD_LISTENER) {
        sloop_sim_listener *l = &sim->listeners[e->obj];
        uint32_t pi = 0U;
        uint32_t guard;
        /* Connections never accepted are reset, as a kernel does. */
        for (guard = 0U; (guard < SLOOP_SIM_BACKLOG) && sim_queue_pop(&l->queue, &pi); guard++) {
            sim->pairs[pi].reset = 1U;
        }
        l->open = 0U;
    } else if (e->kind == SIM_FD_CONN) {
        sloop_sim_pair *p = &sim->pairs[e->obj];
        p->loop_open = 0U;
        p->loop_closed = 1U;
    } else {
        /* a channel: nothing behind it */
    }
    return SLOOP_SYS_OK;
}

/* What poll would report for one descriptor. */
static short sim_revents(sloop_sim *sim, sloop_fd fd, short events)
{
    uint32_t index = 0U;
    short rev = 0;
    bool in = false;
    bool out = false;
    bool err = false;
    if (!sim_fd_known(sim, fd, &index) || (sim->fds[index].open == 0U)) {
        sim->stats.nval++;
        return POLLNVAL;
    }
    if (sim->fds[index].kind == SIM_FD_LISTENER) {
        in = (sim->listeners[sim->fds[index].obj].queue.count > 0U);
    } else if (sim->fds[index].kind == SIM_FD_WAKE) {
        in = (sim->fds[index].aux != 0U);
    } else if (sim->fds[index].kind == SIM_FD_SIGNAL) {
        in = ((sim->sig_pending & sim->fds[index].aux) != 0U);
    } else {
        sloop_sim_pair *p = &sim->pairs[sim->fds[index].obj];
        sim_pair_resolve(sim, p);
        if (p->state == SIM_PAIR_FAILED) {
            out = true;
            err = true;
        } else if (p->state == SIM_PAIR_OPEN) {
            in = (p->to_loop.count > 0U) || (p->peer_shut != 0U) || (p->reset != 0U);
            out = (sim_pair_room(p) > 0U) || (p->reset != 0U) || (p->peer_closed != 0U);
            err = (p->reset != 0U);
        } else {
            /* connecting: nothing yet */
        }
    }
    if (in && ((events & POLLIN) != 0)) {
        rev = (short)(rev | POLLIN);
    }
    if (out && ((events & POLLOUT) != 0)) {
        rev = (short)(rev | POLLOUT);
    }
    if (err) {
        rev = (short)(rev | POLLERR | POLLHUP); /* reported whatever was asked */
    }
    return rev;
}

static uint32_t sim_poll_scan(sloop_sim *sim, sloop_pollfd *fds, uint32_t nfds)
{
    uint32_t i;
    uint32_t n = 0U;
    for (i = 0U; i < nfds; i++) {
        fds[i].revents = 0;
        /* Negative entries are ignored, as poll(2) does (via intptr_t: a
         * Windows SOCKET is unsigned, INVALID_SOCKET is -1 there). */
        if ((intptr_t)fds[i].fd >= 0) {
            fds[i].revents = sim_revents(sim, (sloop_fd)fds[i].fd, fds[i].events);
        }
        if (fds[i].revents != 0) {
            n++;
        }
    }
    return n;
}

/* Milliseconds until the next outgoing connect resolves, if one is due at all. */
static bool sim_next_event(const sloop_sim *sim, uint32_t *ms)
{
    uint32_t i;
    bool have = false;
    for (i = 0U; i < sim->pair_count; i++) {
        const sloop_sim_pair *p = &sim->pairs[i];
        if ((p->state == SIM_PAIR_CONNECTING) && (p->never == 0U) && (p->loop_open != 0U)) {
            uint32_t left = sloop_tick_remaining(sim->now, p->connect_at);
            /* One already due resolves when next used (a polled one did in the
             * scan); counting it would make every idle wait advance 0 ms and
             * stop simulated time while nobody polls that descriptor. */
            if ((left > 0U) && (!have || (left < *ms))) {
                *ms = left;
                have = true;
            }
        }
    }
    return have;
}

static int sim_poll(void *ctx, sloop_pollfd *fds, uint32_t nfds, int timeout_ms, uint32_t *nready)
{
    sloop_sim *sim = sim_of(ctx);
    uint32_t n;
    sim->stats.calls[SLOOP_SIM_FN_POLL]++;
    if ((nready == NULL) || ((fds == NULL) && (nfds > 0U))) {
        return SLOOP_SYS_EINVAL;
    }
    n = sim_poll_scan(sim, fds, nfds);
    if ((n == 0U) && (timeout_ms != 0) && (sim->idle != NULL) && sim->idle(sim, sim->idle_user)) {
        n = sim_poll_scan(sim, fds, nfds);
    }
    if ((n == 0U) && (timeout_ms != 0)) {
        uint32_t step = 0U;
        bool have = sim_next_event(sim, &step);
        uint32_t adv;
        if (timeout_ms > 0) {
            adv = (have && (step < (uint32_t)timeout_ms)) ? step : (uint32_t)timeout_ms;
        } else if (have) {
            adv = step;
        } else {
            adv = 0U;
            sim->stats.hangs++; /* would sleep for ever: return so the test sees it */
        }
        sloop_sim_advance(sim, adv);
        n = sim_poll_scan(sim, fds, nfds);
    }
    *nready = n;
    return SLOOP_SYS_OK;
}

/* ---- The wake-up and signal channels ---------------------------------------------------- */

/* The open channel descriptor of that kind, or NULL (counted as a bad use). */
static sloop_sim_fdent *sim_chan_use(sloop_sim *sim, sloop_fd fd, uint8_t kind)
{
    sloop_sim_fdent *e = sim_fd_use(sim, fd);
    return ((e != NULL) && (e->kind == kind)) ? e : NULL;
}

static int sim_wake_open(void *ctx, sloop_fd *rd, sloop_fd *wr)
{
    sloop_sim *sim = sim_of(ctx);
    uint32_t fdi = 0U;
    int rc;
    sim->stats.calls[SLOOP_SIM_FN_WAKE_OPEN]++;
    if ((rd == NULL) || (wr == NULL)) {
        return SLOOP_SYS_EINVAL;
    }
    rc = sim_fd_alloc(sim, SIM_FD_WAKE, 0U, &fdi);
    if (rc == SLOOP_SYS_OK) {
        *rd = sim_fd_number(fdi); /* one descriptor, like an eventfd */
        *wr = *rd;
    }
    return rc;
}

static int sim_wake_signal(void *ctx, sloop_fd wr)
{
    sloop_sim *sim = sim_of(ctx);
    sloop_sim_fdent *e;
    sim->stats.calls[SLOOP_SIM_FN_WAKE_SIGNAL]++;
    e = sim_chan_use(sim, wr, SIM_FD_WAKE);
    if (e == NULL) {
        return SLOOP_SYS_EBADF;
    }
    e->aux++;
    sim->stats.wake_writes++;
    return SLOOP_SYS_OK;
}

static int sim_wake_drain(void *ctx, sloop_fd rd)
{
    sloop_sim *sim = sim_of(ctx);
    sloop_sim_fdent *e;
    int rc = SLOOP_SYS_OK;
    sim->stats.calls[SLOOP_SIM_FN_WAKE_DRAIN]++;
    e = sim_chan_use(sim, rd, SIM_FD_WAKE);
    if (e == NULL) {
        rc = SLOOP_SYS_EBADF;
    } else if (e->aux == 0U) {
        rc = SLOOP_SYS_EAGAIN;
    } else {
        e->aux = 0U;
    }
    return rc;
}

static int sim_signal_open(void *ctx, sloop_fd *fd)
{
    sloop_sim *sim = sim_of(ctx);
    uint32_t fdi = 0U;
    int rc;
    sim->stats.calls[SLOOP_SIM_FN_SIGNAL_OPEN]++;
    if (fd == NULL) {
        return SLOOP_SYS_EINVAL;
    }
    rc = sim_fd_alloc(sim, SIM_FD_SIGNAL, 0U, &fdi);
    if (rc == SLOOP_SYS_OK) {
        *fd = sim_fd_number(fdi);
    }
    return rc;
}

static int sim_signal_set(void *ctx, sloop_fd fd, uint64_t old_mask, uint64_t new_mask)
{
    sloop_sim *sim = sim_of(ctx);
    sloop_sim_fdent *e;
    sim->stats.calls[SLOOP_SIM_FN_SIGNAL_SET]++;
    if (fd == SLOOP_FD_INVALID) {
        /* No channel (lost by a failed sloop_fork_reinit): the loop still calls,
         * so that removed signals get their default action back (posix.c). It
         * names no descriptor, so it is not a bad use of one. */
        return SLOOP_SYS_EBADF;
    }
    e = sim_chan_use(sim, fd, SIM_FD_SIGNAL);
    if (e == NULL) {
        return SLOOP_SYS_EBADF;
    }
    (void)old_mask;
    e->aux = new_mask;
    return SLOOP_SYS_OK;
}

static int sim_signal_read(void *ctx, sloop_fd fd, uint64_t *delivered)
{
    sloop_sim *sim = sim_of(ctx);
    sloop_sim_fdent *e;
    uint64_t got;
    uint32_t n;
    sim->stats.calls[SLOOP_SIM_FN_SIGNAL_READ]++;
    e = sim_chan_use(sim, fd, SIM_FD_SIGNAL);
    if (e == NULL) {
        return SLOOP_SYS_EBADF;
    }
    if (delivered == NULL) {
        return SLOOP_SYS_EINVAL;
    }
    got = sim->sig_pending & e->aux;
    if (got == 0U) {
        return SLOOP_SYS_EAGAIN;
    }
    sim->sig_pending &= ~got;
    *delivered |= got;
    for (n = 0U; n < 64U; n++) {
        sim->stats.signals_read += (got >> n) & 1U;
    }
    return SLOOP_SYS_OK;
}

/* ---- Public API ------------------------------------------------------------------------ */

static bool sim_ready(const sloop_sim *sim)
{
    return (sim != NULL) && (sim->magic == SIM_MAGIC);
}

bool sloop_sim_init_sized(sloop_sim *sim, uint32_t start_ms, size_t sim_size)
{
    if ((sim == NULL) || (sim_size != sizeof(sloop_sim))) {
        return false;
    }
    /* Bookkeeping only: the byte buffers are reset when a connection starts. */
    memset(&sim->stats, 0, sizeof sim->stats);
    memset(sim->fds, 0, sizeof sim->fds);
    memset(sim->listeners, 0, sizeof sim->listeners);
    memset(sim->remotes, 0, sizeof sim->remotes);
    sim->sys.ctx = sim;
    sim->sys.now_ms = sim_now_ms;
    sim->sys.listen = sim_listen;
    sim->sys.local_port = sim_local_port;
    sim->sys.accept = sim_accept;
    sim->sys.connect = sim_connect;
    sim->sys.connect_result = sim_connect_result;
    sim->sys.recv = sim_recv;
    sim->sys.sendv = sim_sendv;
    sim->sys.close = sim_close;
    sim->sys.poll = sim_poll;
    sim->sys.epoll_create = NULL;
    sim->sys.epoll_ctl = NULL;
    sim->sys.epoll_wait = NULL;
    sim->sys.wake_open = sim_wake_open;
    sim->sys.wake_signal = sim_wake_signal;
    sim->sys.wake_drain = sim_wake_drain;
    sim->sys.signal_open = sim_signal_open;
    sim->sys.signal_set = sim_signal_set;
    sim->sys.signal_read = sim_signal_read;
    sim->sys.recv_short_is_empty = 0U; /* no epoll here; short reads are the test's to make */
    sim->sig_pending = 0U;
    sim->now = start_ms;
    sim->fd_count = 0U;
    sim->fd_open = 0U;
    sim->fd_limit = SLOOP_SIM_MAX_FDS;
    sim->pair_count = 0U;
    sim->remote_count = 0U;
    sim->next_port = (uint16_t)SIM_FIRST_PORT;
    sim->def_recv_max = 0U;
    sim->def_send_max = 0U;
    sim->def_window = SLOOP_SIM_BUF_SIZE;
    sim->idle = NULL;
    sim->idle_user = NULL;
    sim->magic = SIM_MAGIC;
    return true;
}

const sloop_sys *sloop_sim_sys(sloop_sim *sim)
{
    return sim_ready(sim) ? &sim->sys : NULL;
}

uint32_t sloop_sim_now(const sloop_sim *sim)
{
    return sim_ready(sim) ? sim->now : 0U;
}

void sloop_sim_advance(sloop_sim *sim, uint32_t ms)
{
    if (sim_ready(sim)) {
        sim->now = sloop_tick_add(sim->now, ms);
        sim->stats.advanced_ms += ms;
    }
}

void sloop_sim_raise_signal(sloop_sim *sim, int signo)
{
    if (sim_ready(sim) && (signo >= 1) && (signo <= 64)) {
        sim->sig_pending |= (uint64_t)1U << (uint32_t)(signo - 1);
        sim->stats.signals_raised++;
    }
}

void sloop_sim_set_idle(sloop_sim *sim, sloop_sim_idle_fn fn, void *user)
{
    if (sim_ready(sim)) {
        sim->idle = fn;
        sim->idle_user = user;
    }
}

void sloop_sim_set_fd_limit(sloop_sim *sim, uint32_t limit)
{
    if (sim_ready(sim)) {
        sim->fd_limit = limit;
    }
}

static uint32_t sim_window_of(uint32_t window)
{
    return ((window == 0U) || (window > SLOOP_SIM_BUF_SIZE)) ? SLOOP_SIM_BUF_SIZE : window;
}

void sloop_sim_set_default_limits(sloop_sim *sim, uint32_t recv_max, uint32_t send_max,
                                  uint32_t window)
{
    if (sim_ready(sim)) {
        sim->def_recv_max = recv_max;
        sim->def_send_max = send_max;
        sim->def_window = sim_window_of(window);
    }
}

bool sloop_sim_remote_add(sloop_sim *sim, const char *addr, uint16_t port,
                          sloop_sim_remote_mode mode, uint32_t delay_ms)
{
    sloop_sim_remote *r;
    if (!sim_ready(sim) || !sim_addr_valid(addr) || (port == 0U) ||
        (sim->remote_count >= SLOOP_SIM_MAX_REMOTES) || ((uint32_t)mode > 3U) ||
        (delay_ms > SLOOP_TICK_MAX_DELAY)) {
        return false;
    }
    r = &sim->remotes[sim->remote_count];
    r->mode = (uint8_t)mode;
    r->port = port;
    r->delay_ms = delay_ms;
    r->queue.head = 0U;
    r->queue.count = 0U;
    sim_addr_copy(r->addr, addr);
    sim->remote_count++;
    return true;
}

bool sloop_sim_remote_take(sloop_sim *sim, const char *addr, uint16_t port,
                           sloop_sim_peer *peer)
{
    sloop_sim_remote *r;
    bool ok = false;
    if (sim_ready(sim) && sim_addr_valid(addr) && (peer != NULL)) {
        r = sim_remote_find(sim, addr, port);
        if ((r != NULL) && (r->queue.count > 0U)) {
            sloop_sim_pair *p = &sim->pairs[r->queue.item[r->queue.head]];
            sim_pair_resolve(sim, p);
            /* Only an established connection has a peer to hand over. */
            if (p->state == SIM_PAIR_OPEN) {
                ok = sim_queue_pop(&r->queue, peer);
            }
        }
    }
    return ok;
}

int sloop_sim_peer_connect(sloop_sim *sim, const char *addr, uint16_t port,
                           sloop_sim_peer *peer)
{
    const char *a = (addr == NULL) ? "127.0.0.1" : addr;
    sloop_sim_listener *l = NULL;
    uint32_t i;
    uint32_t pi = 0U;
    if (!sim_ready(sim) || (peer == NULL) || !sim_addr_valid(a)) {
        return SLOOP_SYS_EINVAL;
    }
    for (i = 0U; (i < SLOOP_SIM_MAX_LISTENERS) && (l == NULL); i++) {
        sloop_sim_listener *c = &sim->listeners[i];
        if ((c->open != 0U) && (c->port == port) &&
            (sim_addr_wildcard(c->addr) || sim_addr_equal(c->addr, a))) {
            l = c;
        }
    }
    if (l == NULL) {
        return SLOOP_SYS_ECONNREFUSED;
    }
    if (l->queue.count >= l->backlog) {
        return SLOOP_SYS_EAGAIN;
    }
    if (!sim_pair_new(sim, SIM_PAIR_QUEUED, &pi)) {
        return SLOOP_SYS_ENOBUFS;
    }
    sim->pairs[pi].local_port = l->port;
    (void)sim_queue_push(&l->queue, pi, l->backlog);
    *peer = pi;
    return SLOOP_SYS_OK;
}

static sloop_sim_pair *sim_peer(sloop_sim *sim, sloop_sim_peer peer)
{
    return (sim_ready(sim) && (peer < sim->pair_count)) ? &sim->pairs[peer] : NULL;
}

static const sloop_sim_pair *sim_peer_const(const sloop_sim *sim, sloop_sim_peer peer)
{
    return (sim_ready(sim) && (peer < sim->pair_count)) ? &sim->pairs[peer] : NULL;
}

size_t sloop_sim_peer_write(sloop_sim *sim, sloop_sim_peer peer, const void *data, size_t len)
{
    sloop_sim_pair *p = sim_peer(sim, peer);
    uint32_t n = 0U;
    if ((p != NULL) && (data != NULL) && (p->peer_shut == 0U) && (p->reset == 0U) &&
        (p->loop_closed == 0U) &&
        ((p->state == SIM_PAIR_QUEUED) || (p->state == SIM_PAIR_OPEN))) {
        uint32_t want = (len > (size_t)SLOOP_SIM_BUF_SIZE) ? SLOOP_SIM_BUF_SIZE : (uint32_t)len;
        n = sim_bytes_push(&p->to_loop, (const uint8_t *)data, want, SLOOP_SIM_BUF_SIZE);
    }
    return n;
}

size_t sloop_sim_peer_read(sloop_sim *sim, sloop_sim_peer peer, void *buf, size_t cap)
{
    sloop_sim_pair *p = sim_peer(sim, peer);
    uint32_t n = 0U;
    /* Also after sloop_sim_peer_close: the test may inspect what had arrived. */
    if ((p != NULL) && (buf != NULL)) {
        uint32_t want = (cap > (size_t)SLOOP_SIM_BUF_SIZE) ? SLOOP_SIM_BUF_SIZE : (uint32_t)cap;
        n = sim_bytes_pop(&p->to_peer, (uint8_t *)buf, want);
    }
    return n;
}

size_t sloop_sim_peer_readable(const sloop_sim *sim, sloop_sim_peer peer)
{
    const sloop_sim_pair *p = sim_peer_const(sim, peer);
    return (p != NULL) ? p->to_peer.count : 0U;
}

void sloop_sim_peer_shutdown(sloop_sim *sim, sloop_sim_peer peer)
{
    sloop_sim_pair *p = sim_peer(sim, peer);
    if (p != NULL) {
        p->peer_shut = 1U;
    }
}

void sloop_sim_peer_close(sloop_sim *sim, sloop_sim_peer peer)
{
    sloop_sim_pair *p = sim_peer(sim, peer);
    if (p != NULL) {
        p->peer_shut = 1U;
        p->peer_closed = 1U;
    }
}

void sloop_sim_peer_reset(sloop_sim *sim, sloop_sim_peer peer)
{
    sloop_sim_pair *p = sim_peer(sim, peer);
    if (p != NULL) {
        p->reset = 1U;
    }
}

void sloop_sim_peer_limits(sloop_sim *sim, sloop_sim_peer peer, uint32_t recv_max,
                           uint32_t send_max, uint32_t window)
{
    sloop_sim_pair *p = sim_peer(sim, peer);
    if (p != NULL) {
        p->recv_max = recv_max;
        p->send_max = send_max;
        p->window = sim_window_of(window);
    }
}

unsigned sloop_sim_peer_status(const sloop_sim *sim, sloop_sim_peer peer)
{
    const sloop_sim_pair *p = sim_peer_const(sim, peer);
    unsigned st = 0U;
    if (p != NULL) {
        if (p->loop_open != 0U) {
            st |= SLOOP_SIM_PEER_CONNECTED;
        }
        if ((p->loop_closed != 0U) && (p->to_peer.count == 0U)) {
            st |= SLOOP_SIM_PEER_EOF;
        }
        if (p->reset != 0U) {
            st |= SLOOP_SIM_PEER_RESET;
        }
        if (p->state == SIM_PAIR_FAILED) {
            st |= SLOOP_SIM_PEER_REFUSED;
        }
    }
    return st;
}

uint64_t sloop_sim_peer_moved_to_loop(const sloop_sim *sim, sloop_sim_peer peer)
{
    const sloop_sim_pair *p = sim_peer_const(sim, peer);
    return (p != NULL) ? p->moved_to_loop : 0U;
}

uint64_t sloop_sim_peer_moved_to_peer(const sloop_sim *sim, sloop_sim_peer peer)
{
    const sloop_sim_pair *p = sim_peer_const(sim, peer);
    return (p != NULL) ? p->moved_to_peer : 0U;
}

const sloop_sim_stats *sloop_sim_stats_get(const sloop_sim *sim)
{
    return sim_ready(sim) ? &sim->stats : NULL;
}

uint32_t sloop_sim_peer_count(const sloop_sim *sim)
{
    return sim_ready(sim) ? sim->pair_count : 0U;
}

uint32_t sloop_sim_fds_handed_out(const sloop_sim *sim)
{
    return sim_ready(sim) ? sim->fd_count : 0U;
}

uint32_t sloop_sim_fds_open(const sloop_sim *sim)
{
    return sim_ready(sim) ? sim->fd_open : 0U;
}

uint32_t sloop_sim_fd_closes(const sloop_sim *sim, uint32_t k)
{
    return (sim_ready(sim) && (k < sim->fd_count)) ? sim->fds[k].closes : 0U;
}

bool sloop_sim_all_closed_once(const sloop_sim *sim)
{
    uint32_t k;
    bool ok = sim_ready(sim) && (sim->stats.bad_closes == 0U) && (sim->stats.bad_fd_calls == 0U);
    for (k = 0U; ok && (k < sim->fd_count); k++) {
        ok = (sim->fds[k].closes == 1U) && (sim->fds[k].open == 0U);
    }
    return ok;
}

const char *sloop_sim_fn_name(sloop_sim_fn fn)
{
    static const char *const names[SLOOP_SIM_FN_COUNT] = {
        "now_ms", "listen", "local_port", "accept", "connect",
        "connect_result", "recv", "sendv", "close", "poll",
        "wake_open", "wake_signal", "wake_drain", "signal_open", "signal_set", "signal_read",
    };
    return ((unsigned)fn < (unsigned)SLOOP_SIM_FN_COUNT) ? names[fn] : "unknown";
}
