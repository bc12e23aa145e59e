/*
 * faultplan.c - the fault-injecting sloop_sys wrapper (see faultplan.h).
 */
#include "faultplan.h"

#include <string.h>

static faultplan *fp_of(void *ctx)
{
    return (faultplan *)ctx;
}

/* Counts the call, records it in the trace and returns the rule that fires on
 * it, if any. Every rule whose function and predicate match sees the call. */
static fp_rule *fp_enter(faultplan *fp, fp_fn fn, sloop_fd fd, size_t len, int op)
{
    fp_call call;
    fp_rule *fire = NULL;
    uint32_t i;
    call.fn = fn;
    call.index = fp->total;
    call.fn_index = fp->calls[fn];
    call.fd = fd;
    call.len = len;
    call.op = op;
    if (fp->total < FP_TRACE_MAX) {
        fp->trace[fp->total] = (uint8_t)fn;
    }
    fp->total++;
    fp->calls[fn]++;
    if ((fp->call_limit > 0U) && (fp->total > fp->call_limit)) {
        fp->over_limit = true;
        return NULL;
    }
    for (i = 0U; i < fp->nrules; i++) {
        fp_rule *r = &fp->rules[i];
        if (((r->fn != FP_ANY) && (r->fn != fn)) ||
            ((r->pred != NULL) && !r->pred(&call, r->pred_user))) {
            continue;
        }
        r->seen++;
        if ((fire == NULL) && ((r->nth == FP_EVERY) || (r->seen - 1U == r->nth)) &&
            ((r->max_fires == 0U) || (r->fired < r->max_fires))) {
            r->fired++;
            fire = r;
        }
    }
    if (fire != NULL) {
        fp->injected++;
        if (!fp->first_hit.any) {
            fp->first_hit.any = true;
            fp->first_hit.index = call.index;
            fp->first_hit.fn = fn;
            fp->first_hit.action = fire->action;
            fp->first_hit.error = fire->error;
        }
    }
    return fire;
}

/* Descriptor accounting: works with a kernel that reuses numbers, since a
 * number is followed only while it is open. */
static void fp_fd_opened(faultplan *fp, sloop_fd fd)
{
    uint32_t i;
    fp->fds_handed++;
    for (i = 0U; i < fp->nopen; i++) {
        if (fp->open_fds[i] == fd) {
            fp->fd_reused_open++; /* closed behind the plan's back, then reused */
            return;
        }
    }
    if (fp->nopen < FP_MAX_TRACKED) {
        fp->open_fds[fp->nopen] = fd;
        fp->nopen++;
    }
}

static void fp_fd_closed(faultplan *fp, sloop_fd fd)
{
    uint32_t i;
    for (i = 0U; i < fp->nopen; i++) {
        if (fp->open_fds[i] == fd) {
            fp->nopen--;
            fp->open_fds[i] = fp->open_fds[fp->nopen];
            return;
        }
    }
    fp->bad_closes++;
}

bool fp_fds_all_closed_once(const faultplan *fp)
{
    return (fp->nopen == 0U) && (fp->bad_closes == 0U) && (fp->fd_reused_open == 0U);
}

/* The rule's error if it is a failure rule (others do not apply to fn). */
static int fp_fail_code(const fp_rule *r)
{
    return ((r != NULL) && (r->action == FP_FAIL)) ? r->error : SLOOP_SYS_OK;
}

/* ---- Wrapped functions ------------------------------------------------------------- */

static uint32_t fp_now(void *ctx)
{
    faultplan *fp = fp_of(ctx);
    fp_rule *r = fp_enter(fp, FP_NOW, SLOOP_FD_INVALID, 0U, 0);
    uint32_t t = fp->inner->now_ms(fp->inner->ctx) + fp->clock_offset;
    if (fp->over_limit) {
        return fp->last_now;
    }
    if ((r != NULL) && (r->action == FP_JUMP)) {
        fp->clock_offset += r->amount;
        t += r->amount;
    } else if ((r != NULL) && (r->action == FP_STALL) && (r->amount > 0U)) {
        fp->stall_left = r->amount;
        fp->stall_value = fp->have_now ? fp->last_now : t;
    } else {
        /* no clock fault on this call */
    }
    if (fp->stall_left > 0U) {
        fp->stall_left--;
        t = fp->stall_value;
    }
    fp->last_now = t;
    fp->have_now = true;
    return t;
}

static int fp_listen(void *ctx, const char *addr, uint16_t port, int backlog, sloop_fd *out)
{
    faultplan *fp = fp_of(ctx);
    int code = fp_fail_code(fp_enter(fp, FP_LISTEN, SLOOP_FD_INVALID, 0U, 0));
    if (fp->over_limit) {
        return SLOOP_SYS_EOTHER;
    }
    if (code != SLOOP_SYS_OK) {
        return code;
    }
    code = fp->inner->listen(fp->inner->ctx, addr, port, backlog, out);
    if (code == SLOOP_SYS_OK) {
        fp_fd_opened(fp, *out);
    }
    return code;
}

static int fp_local_port(void *ctx, sloop_fd fd, uint16_t *port)
{
    faultplan *fp = fp_of(ctx);
    int code = fp_fail_code(fp_enter(fp, FP_LOCAL_PORT, fd, 0U, 0));
    if (fp->over_limit) {
        return SLOOP_SYS_EOTHER;
    }
    return (code != SLOOP_SYS_OK) ? code : fp->inner->local_port(fp->inner->ctx, fd, port);
}

static int fp_accept(void *ctx, sloop_fd listener, sloop_fd *out)
{
    faultplan *fp = fp_of(ctx);
    int code = fp_fail_code(fp_enter(fp, FP_ACCEPT, listener, 0U, 0));
    if (fp->over_limit) {
        return SLOOP_SYS_EOTHER;
    }
    if (code != SLOOP_SYS_OK) {
        return code;
    }
    code = fp->inner->accept(fp->inner->ctx, listener, out);
    if (code == SLOOP_SYS_OK) {
        fp->accepts_ok++;
        fp_fd_opened(fp, *out);
    }
    return code;
}

static int fp_connect(void *ctx, const char *addr, uint16_t port, sloop_fd *out)
{
    faultplan *fp = fp_of(ctx);
    int code = fp_fail_code(fp_enter(fp, FP_CONNECT, SLOOP_FD_INVALID, 0U, 0));
    if (fp->over_limit) {
        return SLOOP_SYS_EOTHER;
    }
    if (code != SLOOP_SYS_OK) {
        return code;
    }
    code = fp->inner->connect(fp->inner->ctx, addr, port, out);
    if ((code == SLOOP_SYS_OK) || (code == SLOOP_SYS_EINPROGRESS)) {
        fp_fd_opened(fp, *out);
    }
    return code;
}

static int fp_connect_result(void *ctx, sloop_fd fd)
{
    faultplan *fp = fp_of(ctx);
    int code = fp_fail_code(fp_enter(fp, FP_CONNECT_RESULT, fd, 0U, 0));
    if (fp->over_limit) {
        return SLOOP_SYS_EOTHER;
    }
    return (code != SLOOP_SYS_OK) ? code : fp->inner->connect_result(fp->inner->ctx, fd);
}

static size_t fp_short_len(const fp_rule *r, size_t len)
{
    size_t n = (r->amount == 0U) ? (len / 2U) : (size_t)r->amount;
    if (n == 0U) {
        n = 1U;
    }
    return (n < len) ? n : len;
}

static int fp_recv(void *ctx, sloop_fd fd, void *buf, size_t len, size_t *got)
{
    faultplan *fp = fp_of(ctx);
    fp_rule *r = fp_enter(fp, FP_RECV, fd, len, 0);
    int code = fp_fail_code(r);
    if (fp->over_limit) {
        return SLOOP_SYS_EOTHER;
    }
    if (code != SLOOP_SYS_OK) {
        return code;
    }
    if ((r != NULL) && (r->action == FP_SHORT)) {
        len = fp_short_len(r, len);
    }
    code = fp->inner->recv(fp->inner->ctx, fd, buf, len, got);
    if (code == SLOOP_SYS_OK) {
        fp->bytes_recv += *got;
    }
    return code;
}

static int fp_sendv(void *ctx, sloop_fd fd, const sloop_iov *iov, uint32_t iovcnt, size_t *sent)
{
    faultplan *fp = fp_of(ctx);
    size_t total = 0U;
    uint32_t i;
    fp_rule *r;
    int code;
    for (i = 0U; (iov != NULL) && (i < iovcnt); i++) {
        total += iov[i].len;
    }
    r = fp_enter(fp, FP_SENDV, fd, total, 0);
    code = fp_fail_code(r);
    if (fp->over_limit) {
        return SLOOP_SYS_EOTHER;
    }
    if (code != SLOOP_SYS_OK) {
        return code;
    }
    if ((r != NULL) && (r->action == FP_SHORT) && (total > 0U) && (iovcnt <= 16U)) {
        /* Offer fewer bytes: a copy of the iov trimmed to the short length. */
        sloop_iov cut[16];
        size_t left = fp_short_len(r, total);
        uint32_t n = 0U;
        for (i = 0U; (i < iovcnt) && (left > 0U); i++) {
            cut[n] = iov[i];
            if (cut[n].len > left) {
                cut[n].len = left;
            }
            left -= cut[n].len;
            n++;
        }
        code = fp->inner->sendv(fp->inner->ctx, fd, cut, n, sent);
    } else {
        code = fp->inner->sendv(fp->inner->ctx, fd, iov, iovcnt, sent);
    }
    if (code == SLOOP_SYS_OK) {
        fp->bytes_sent += *sent;
    }
    return code;
}

static int fp_close(void *ctx, sloop_fd fd)
{
    faultplan *fp = fp_of(ctx);
    int code = fp_fail_code(fp_enter(fp, FP_CLOSE, fd, 0U, 0));
    /* The descriptor is released whatever is reported (POSIX close semantics). */
    int rc = fp->inner->close(fp->inner->ctx, fd);
    fp_fd_closed(fp, fd);
    if (fp->over_limit) {
        return SLOOP_SYS_EOTHER;
    }
    return (code != SLOOP_SYS_OK) ? code : rc;
}

static int fp_poll(void *ctx, sloop_pollfd *fds, uint32_t nfds, int timeout_ms, uint32_t *nready)
{
    faultplan *fp = fp_of(ctx);
    int code = fp_fail_code(fp_enter(fp, FP_POLL, SLOOP_FD_INVALID, 0U, 0));
    if (fp->over_limit) {
        return SLOOP_SYS_EOTHER;
    }
    return (code != SLOOP_SYS_OK) ? code
                                  : fp->inner->poll(fp->inner->ctx, fds, nfds, timeout_ms, nready);
}

static int fp_epoll_create(void *ctx, sloop_fd *epfd)
{
    faultplan *fp = fp_of(ctx);
    int code = fp_fail_code(fp_enter(fp, FP_EPOLL_CREATE, SLOOP_FD_INVALID, 0U, 0));
    if (fp->over_limit) {
        return SLOOP_SYS_EOTHER;
    }
    if (code != SLOOP_SYS_OK) {
        return code;
    }
    code = fp->inner->epoll_create(fp->inner->ctx, epfd);
    if (code == SLOOP_SYS_OK) {
        fp_fd_opened(fp, *epfd);
    }
    return code;
}

static int fp_epoll_ctl(void *ctx, sloop_fd epfd, int op, sloop_fd fd, uint32_t events,
                        uint64_t data)
{
    faultplan *fp = fp_of(ctx);
    int code = fp_fail_code(fp_enter(fp, FP_EPOLL_CTL, fd, 0U, op));
    if (fp->over_limit) {
        return SLOOP_SYS_EOTHER;
    }
    return (code != SLOOP_SYS_OK) ? code
                                  : fp->inner->epoll_ctl(fp->inner->ctx, epfd, op, fd, events, data);
}

static int fp_epoll_wait(void *ctx, sloop_fd epfd, sloop_epoll_event *events, uint32_t max,
                         int timeout_ms, uint32_t *n)
{
    faultplan *fp = fp_of(ctx);
    int code = fp_fail_code(fp_enter(fp, FP_EPOLL_WAIT, epfd, 0U, 0));
    if (fp->over_limit) {
        return SLOOP_SYS_EOTHER;
    }
    return (code != SLOOP_SYS_OK)
               ? code
               : fp->inner->epoll_wait(fp->inner->ctx, epfd, events, max, timeout_ms, n);
}

static int fp_wake_open(void *ctx, sloop_fd *rd, sloop_fd *wr)
{
    faultplan *fp = fp_of(ctx);
    int code = fp_fail_code(fp_enter(fp, FP_WAKE_OPEN, SLOOP_FD_INVALID, 0U, 0));
    if (fp->over_limit) {
        return SLOOP_SYS_EOTHER;
    }
    if (code != SLOOP_SYS_OK) {
        return code;
    }
    code = fp->inner->wake_open(fp->inner->ctx, rd, wr);
    if (code == SLOOP_SYS_OK) {
        fp_fd_opened(fp, *rd);
        if (*wr != *rd) {
            fp_fd_opened(fp, *wr);
        }
    }
    return code;
}

static int fp_wake_signal(void *ctx, sloop_fd wr)
{
    faultplan *fp = fp_of(ctx);
    int code = fp_fail_code(fp_enter(fp, FP_WAKE_SIGNAL, wr, 0U, 0));
    int rc;
    if (fp->over_limit) {
        return SLOOP_SYS_EOTHER;
    }
    if ((code != SLOOP_SYS_OK) && (code != SLOOP_SYS_EAGAIN)) {
        return code;
    }
    /* EAGAIN: "full", so readable; the write really happened earlier. */
    rc = fp->inner->wake_signal(fp->inner->ctx, wr);
    return (code != SLOOP_SYS_OK) ? code : rc;
}

static int fp_wake_drain(void *ctx, sloop_fd rd)
{
    faultplan *fp = fp_of(ctx);
    int code = fp_fail_code(fp_enter(fp, FP_WAKE_DRAIN, rd, 0U, 0));
    if (fp->over_limit) {
        return SLOOP_SYS_EOTHER;
    }
    return (code != SLOOP_SYS_OK) ? code : fp->inner->wake_drain(fp->inner->ctx, rd);
}

static int fp_signal_open(void *ctx, sloop_fd *fd)
{
    faultplan *fp = fp_of(ctx);
    int code = fp_fail_code(fp_enter(fp, FP_SIGNAL_OPEN, SLOOP_FD_INVALID, 0U, 0));
    if (fp->over_limit) {
        return SLOOP_SYS_EOTHER;
    }
    if (code != SLOOP_SYS_OK) {
        return code;
    }
    code = fp->inner->signal_open(fp->inner->ctx, fd);
    if (code == SLOOP_SYS_OK) {
        fp_fd_opened(fp, *fd);
    }
    return code;
}

static int fp_signal_set(void *ctx, sloop_fd fd, uint64_t old_mask, uint64_t new_mask)
{
    faultplan *fp = fp_of(ctx);
    int code = fp_fail_code(fp_enter(fp, FP_SIGNAL_SET, fd, 0U, 0));
    if (fp->over_limit) {
        return SLOOP_SYS_EOTHER;
    }
    return (code != SLOOP_SYS_OK)
               ? code
               : fp->inner->signal_set(fp->inner->ctx, fd, old_mask, new_mask);
}

static int fp_signal_read(void *ctx, sloop_fd fd, uint64_t *delivered)
{
    faultplan *fp = fp_of(ctx);
    int code = fp_fail_code(fp_enter(fp, FP_SIGNAL_READ, fd, 0U, 0));
    if (fp->over_limit) {
        return SLOOP_SYS_EOTHER;
    }
    return (code != SLOOP_SYS_OK) ? code
                                  : fp->inner->signal_read(fp->inner->ctx, fd, delivered);
}

/* ---- Setup -------------------------------------------------------------------------- */

void fp_init(faultplan *fp, const sloop_sys *inner)
{
    memset(fp->rules, 0, sizeof fp->rules);
    memset(fp->calls, 0, sizeof fp->calls);
    memset(&fp->first_hit, 0, sizeof fp->first_hit);
    fp->inner = inner;
    fp->nrules = 0U;
    fp->total = 0U;
    fp->injected = 0U;
    fp->call_limit = 0U;
    fp->over_limit = false;
    fp->clock_offset = 0U;
    fp->stall_left = 0U;
    fp->stall_value = 0U;
    fp->last_now = 0U;
    fp->have_now = false;
    fp->bytes_recv = 0U;
    fp->bytes_sent = 0U;
    fp->fds_handed = 0U;
    fp->accepts_ok = 0U;
    fp->bad_closes = 0U;
    fp->fd_reused_open = 0U;
    fp->nopen = 0U;
    fp->sys.ctx = fp;
    fp->sys.now_ms = fp_now;
    fp->sys.listen = fp_listen;
    fp->sys.local_port = fp_local_port;
    fp->sys.accept = fp_accept;
    fp->sys.connect = fp_connect;
    fp->sys.connect_result = fp_connect_result;
    fp->sys.recv = fp_recv;
    fp->sys.sendv = fp_sendv;
    fp->sys.close = fp_close;
    fp->sys.poll = fp_poll;
    fp->sys.epoll_create = (inner->epoll_create != NULL) ? fp_epoll_create : NULL;
    fp->sys.epoll_ctl = (inner->epoll_ctl != NULL) ? fp_epoll_ctl : NULL;
    fp->sys.epoll_wait = (inner->epoll_wait != NULL) ? fp_epoll_wait : NULL;
    fp->sys.wake_open = (inner->wake_open != NULL) ? fp_wake_open : NULL;
    fp->sys.wake_signal = (inner->wake_signal != NULL) ? fp_wake_signal : NULL;
    fp->sys.wake_drain = (inner->wake_drain != NULL) ? fp_wake_drain : NULL;
    fp->sys.signal_open = (inner->signal_open != NULL) ? fp_signal_open : NULL;
    fp->sys.signal_set = (inner->signal_set != NULL) ? fp_signal_set : NULL;
    fp->sys.signal_read = (inner->signal_read != NULL) ? fp_signal_read : NULL;
    fp->sys.recv_short_is_empty = 0U; /* rules may shorten reads at will */
}

const sloop_sys *fp_sys(faultplan *fp)
{
    return &fp->sys;
}

fp_rule *fp_add(faultplan *fp, fp_fn fn, uint64_t nth, fp_action action, int error,
                uint32_t amount)
{
    fp_rule *r = NULL;
    if (fp->nrules < FP_MAX_RULES) {
        r = &fp->rules[fp->nrules];
        fp->nrules++;
        memset(r, 0, sizeof *r);
        r->fn = fn;
        r->nth = nth;
        r->action = action;
        r->error = error;
        r->amount = amount;
    }
    return r;
}

fp_rule *fp_add_pred(faultplan *fp, fp_fn fn, fp_pred pred, void *user, int error,
                     uint32_t max_fires)
{
    fp_rule *r = fp_add(fp, fn, FP_EVERY, FP_FAIL, error, 0U);
    if (r != NULL) {
        r->pred = pred;
        r->pred_user = user;
        r->max_fires = max_fires;
    }
    return r;
}

void fp_set_clock_offset(faultplan *fp, uint32_t offset)
{
    fp->clock_offset = offset;
}

void fp_set_call_limit(faultplan *fp, uint64_t limit)
{
    fp->call_limit = limit;
}

fp_fn fp_trace_at(const faultplan *fp, uint64_t index)
{
    return ((index < fp->total) && (index < FP_TRACE_MAX)) ? (fp_fn)fp->trace[index] : FP_ANY;
}

const char *fp_fn_name(fp_fn fn)
{
    static const char *const names[FP_FN_COUNT] = {
        "now_ms", "listen", "local_port", "accept", "connect", "connect_result", "recv",
        "sendv", "close", "poll", "epoll_create", "epoll_ctl", "epoll_wait",
        "wake_open", "wake_signal", "wake_drain", "signal_open", "signal_set", "signal_read",
    };
    return ((unsigned)fn < (unsigned)FP_FN_COUNT) ? names[fn] : "any";
}

uint32_t fp_errors_for(fp_fn fn, int *out, uint32_t cap)
{
    /* What each call can really fail with (Linux man pages), limited to the
     * kinds sloop_sys_err names. */
    static const int listen_e[] = { SLOOP_SYS_EMFILE, SLOOP_SYS_ENFILE, SLOOP_SYS_ENOBUFS,
                                    SLOOP_SYS_ENOMEM, SLOOP_SYS_EADDRINUSE };
    static const int port_e[] = { SLOOP_SYS_EBADF, SLOOP_SYS_ENOBUFS };
    static const int accept_e[] = { SLOOP_SYS_EINTR,  SLOOP_SYS_EAGAIN,  SLOOP_SYS_ECONNABORTED,
                                    SLOOP_SYS_EMFILE, SLOOP_SYS_ENFILE,  SLOOP_SYS_ENOBUFS,
                                    SLOOP_SYS_ENOMEM, SLOOP_SYS_EBADF };
    static const int connect_e[] = { SLOOP_SYS_EINTR,  SLOOP_SYS_EAGAIN, SLOOP_SYS_ECONNREFUSED,
                                     SLOOP_SYS_EMFILE, SLOOP_SYS_ENFILE, SLOOP_SYS_ENOBUFS,
                                     SLOOP_SYS_ENOMEM };
    static const int result_e[] = { SLOOP_SYS_ECONNREFUSED, SLOOP_SYS_ETIMEDOUT,
                                    SLOOP_SYS_ECONNRESET, SLOOP_SYS_EBADF };
    static const int recv_e[] = { SLOOP_SYS_EINTR,   SLOOP_SYS_EAGAIN, SLOOP_SYS_ECONNRESET,
                                  SLOOP_SYS_ETIMEDOUT, SLOOP_SYS_ENOBUFS, SLOOP_SYS_ENOMEM,
                                  SLOOP_SYS_EBADF };
    static const int send_e[] = { SLOOP_SYS_EINTR,   SLOOP_SYS_EAGAIN, SLOOP_SYS_ECONNRESET,
                                  SLOOP_SYS_EPIPE,   SLOOP_SYS_ENOBUFS, SLOOP_SYS_ENOMEM,
                                  SLOOP_SYS_EBADF };
    static const int close_e[] = { SLOOP_SYS_EINTR, SLOOP_SYS_EBADF, SLOOP_SYS_EOTHER };
    static const int poll_e[] = { SLOOP_SYS_EINTR, SLOOP_SYS_EAGAIN, SLOOP_SYS_ENOMEM };
    static const int epc_e[] = { SLOOP_SYS_EMFILE, SLOOP_SYS_ENFILE, SLOOP_SYS_ENOMEM };
    static const int epctl_e[] = { SLOOP_SYS_ENOMEM, SLOOP_SYS_EBADF, SLOOP_SYS_EOTHER };
    static const int epw_e[] = { SLOOP_SYS_EINTR, SLOOP_SYS_EOTHER };
    /* eventfd/pipe/signalfd creation; a write to a full channel; reads of an
     * empty or interrupted one; a mask the kernel refuses. */
    static const int chan_open_e[] = { SLOOP_SYS_EMFILE, SLOOP_SYS_ENFILE, SLOOP_SYS_ENOMEM };
    static const int wake_sig_e[] = { SLOOP_SYS_EAGAIN, SLOOP_SYS_EBADF };
    static const int chan_read_e[] = { SLOOP_SYS_EINTR, SLOOP_SYS_EAGAIN, SLOOP_SYS_EBADF };
    static const int sig_set_e[] = { SLOOP_SYS_EINVAL, SLOOP_SYS_ENOMEM };
    const int *src = NULL;
    uint32_t n = 0U;
    uint32_t i;
    switch (fn) {
    case FP_LISTEN: src = listen_e; n = (uint32_t)(sizeof listen_e / sizeof listen_e[0]); break;
    case FP_LOCAL_PORT: src = port_e; n = (uint32_t)(sizeof port_e / sizeof port_e[0]); break;
    case FP_ACCEPT: src = accept_e; n = (uint32_t)(sizeof accept_e / sizeof accept_e[0]); break;
    case FP_CONNECT: src = connect_e; n = (uint32_t)(sizeof connect_e / sizeof connect_e[0]); break;
    case FP_CONNECT_RESULT: src = result_e; n = (uint32_t)(sizeof result_e / sizeof result_e[0]); break;
    case FP_RECV: src = recv_e; n = (uint32_t)(sizeof recv_e / sizeof recv_e[0]); break;
    case FP_SENDV: src = send_e; n = (uint32_t)(sizeof send_e / sizeof send_e[0]); break;
    case FP_CLOSE: src = close_e; n = (uint32_t)(sizeof close_e / sizeof close_e[0]); break;
    case FP_POLL: src = poll_e; n = (uint32_t)(sizeof poll_e / sizeof poll_e[0]); break;
    case FP_EPOLL_CREATE: src = epc_e; n = (uint32_t)(sizeof epc_e / sizeof epc_e[0]); break;
    case FP_EPOLL_CTL: src = epctl_e; n = (uint32_t)(sizeof epctl_e / sizeof epctl_e[0]); break;
    case FP_EPOLL_WAIT: src = epw_e; n = (uint32_t)(sizeof epw_e / sizeof epw_e[0]); break;
    case FP_WAKE_OPEN:
    case FP_SIGNAL_OPEN:
        src = chan_open_e; n = (uint32_t)(sizeof chan_open_e / sizeof chan_open_e[0]); break;
    case FP_WAKE_SIGNAL: src = wake_sig_e; n = (uint32_t)(sizeof wake_sig_e / sizeof wake_sig_e[0]); break;
    case FP_WAKE_DRAIN:
    case FP_SIGNAL_READ:
        src = chan_read_e; n = (uint32_t)(sizeof chan_read_e / sizeof chan_read_e[0]); break;
    case FP_SIGNAL_SET: src = sig_set_e; n = (uint32_t)(sizeof sig_set_e / sizeof sig_set_e[0]); break;
    case FP_NOW:
    case FP_FN_COUNT:
    default: break;
    }
    if (n > cap) {
        n = cap;
    }
    for (i = 0U; i < n; i++) {
        out[i] = src[i];
    }
    return n;
}
