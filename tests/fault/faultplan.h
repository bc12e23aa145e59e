/*
 * faultplan.h - a sloop_sys wrapper that injects faults (tests only).
 *
 * A fault plan sits between the loop and any sys table (the simulation or the
 * real POSIX one), counts every call per function, records the order of calls
 * (so a run can be replayed and the k-th call found again), and applies rules:
 *
 *   fail the Nth call of a function (or the Nth call overall) with an error;
 *   fail every call a predicate accepts;
 *   make a recv or sendv move fewer bytes (short read / short write);
 *   make the clock jump forward, stall, or start near the 32-bit wrap.
 *
 * What a failed call does, so that "a function that fails leaves nothing open
 * behind it" (sloop_sys.h) stays true: every function except close returns the
 * error without calling the wrapped table (no descriptor is created, no byte
 * moves). close always calls the wrapped close first, then reports the error:
 * POSIX releases the descriptor even when close fails (EINTR, EIO), and the
 * loop must not close it again. wake_signal failing with EAGAIN also calls the
 * wrapped one first: EAGAIN there means "the channel is full", which a real
 * channel reports only while it is readable.
 *
 * Bounded: after `call_limit` calls (if set) every call fails with
 * SLOOP_SYS_EOTHER and `over_limit` is set, so a loop that spins forever on a
 * fault ends (its wait fails) and the test reports it.
 */
#ifndef SLOOP_TEST_FAULTPLAN_H
#define SLOOP_TEST_FAULTPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sloop_sys.h"

typedef enum fp_fn {
    FP_NOW = 0,
    FP_LISTEN,
    FP_LOCAL_PORT,
    FP_ACCEPT,
    FP_CONNECT,
    FP_CONNECT_RESULT,
    FP_RECV,
    FP_SENDV,
    FP_CLOSE,
    FP_POLL,
    FP_EPOLL_CREATE,
    FP_EPOLL_CTL,
    FP_EPOLL_WAIT,
    FP_WAKE_OPEN,
    FP_WAKE_SIGNAL,
    FP_WAKE_DRAIN,
    FP_SIGNAL_OPEN,
    FP_SIGNAL_SET,
    FP_SIGNAL_READ,
    FP_FN_COUNT
} fp_fn;
#define FP_ANY FP_FN_COUNT     /* a rule's fn: any function */
#define FP_EVERY UINT64_MAX    /* a rule's nth: every matching call */

typedef enum fp_action {
    FP_FAIL = 0, /* return `error` (close: after really closing) */
    FP_SHORT,    /* recv/sendv: move at most `amount` bytes (0: half, at least 1) */
    FP_JUMP,     /* now_ms: the clock jumps forward by `amount` ms, for good */
    FP_STALL     /* now_ms: this call and the next amount-1 return the same time */
} fp_action;

/* What a predicate sees of a call. */
typedef struct fp_call {
    fp_fn fn;
    uint64_t index;    /* 0-based among all calls */
    uint64_t fn_index; /* 0-based among calls of this function */
    sloop_fd fd;       /* descriptor named, or SLOOP_FD_INVALID */
    size_t len;        /* recv: buffer size; sendv: bytes offered; else 0 */
    int op;            /* epoll_ctl: op; else 0 */
} fp_call;

typedef bool (*fp_pred)(const fp_call *call, void *user);

typedef struct fp_rule {
    fp_fn fn;           /* function, or FP_ANY */
    uint64_t nth;       /* fire at the nth (0-based) matching call, or FP_EVERY */
    fp_pred pred;       /* optional: only calls it accepts match */
    void *pred_user;
    fp_action action;
    int error;          /* FP_FAIL: a sloop_sys_err */
    uint32_t amount;    /* FP_SHORT bytes, FP_JUMP ms, FP_STALL calls */
    uint32_t max_fires; /* 0: no limit */
    /* state */
    uint64_t seen;      /* matching calls so far */
    uint32_t fired;
} fp_rule;

#define FP_MAX_RULES 8U
#define FP_TRACE_MAX 65536U
#define FP_MAX_TRACKED 1024U /* descriptors open at once that the plan follows */

/* The first injection, for checking that it hit the call it was aimed at. */
typedef struct fp_hit {
    bool any;
    uint64_t index;
    fp_fn fn;
    fp_action action;
    int error;
} fp_hit;

typedef struct faultplan {
    sloop_sys sys;           /* give this to the loop */
    const sloop_sys *inner;  /* the table being wrapped */
    fp_rule rules[FP_MAX_RULES];
    uint32_t nrules;
    uint64_t calls[FP_FN_COUNT];
    uint64_t total;
    uint64_t injected;
    uint64_t call_limit;     /* 0: none */
    bool over_limit;
    fp_hit first_hit;
    uint32_t clock_offset;   /* added to the wrapped clock (wraps) */
    uint32_t stall_left;
    uint32_t stall_value;
    uint32_t last_now;
    bool have_now;
    /* What the wrapped table really did (successful calls only). */
    uint64_t bytes_recv;     /* bytes its recv returned */
    uint64_t bytes_sent;     /* bytes its sendv accepted */
    uint64_t fds_handed;     /* descriptors listen/accept/connect/epoll_create/wake_open/
                                signal_open returned */
    uint64_t accepts_ok;
    uint64_t bad_closes;     /* close of a descriptor the plan did not see handed out */
    uint64_t fd_reused_open; /* a descriptor handed out again while still open here */
    uint32_t nopen;          /* descriptors handed out and not closed */
    sloop_fd open_fds[FP_MAX_TRACKED];
    uint8_t trace[FP_TRACE_MAX]; /* fp_fn of the first FP_TRACE_MAX calls */
} faultplan;

/* Wraps inner (which must outlive the plan). No rules, no limit. */
void fp_init(faultplan *fp, const sloop_sys *inner);
const sloop_sys *fp_sys(faultplan *fp);
/* Adds a rule; returns it (to adjust fields) or NULL when the table is full. */
fp_rule *fp_add(faultplan *fp, fp_fn fn, uint64_t nth, fp_action action, int error,
                uint32_t amount);
/* Every call pred accepts fails with error (max_fires 0: for ever). */
fp_rule *fp_add_pred(faultplan *fp, fp_fn fn, fp_pred pred, void *user, int error,
                     uint32_t max_fires);
/* The clock as the loop sees it starts `offset` ms after the wrapped one (use
 * 0xFFFFFFFF - wrapped_now - k to put the 32-bit wrap k ms ahead). */
void fp_set_clock_offset(faultplan *fp, uint32_t offset);
void fp_set_call_limit(faultplan *fp, uint64_t limit);
/* Every descriptor handed out through the plan was closed exactly once. */
bool fp_fds_all_closed_once(const faultplan *fp);
/* The function of call index (valid for index < min(total, FP_TRACE_MAX)). */
fp_fn fp_trace_at(const faultplan *fp, uint64_t index);

const char *fp_fn_name(fp_fn fn);
/* Errors worth injecting into fn (what the OS can really return there); returns
 * the count written to out (at most cap). */
uint32_t fp_errors_for(fp_fn fn, int *out, uint32_t cap);

#endif
