/*
 * loop.c - init, one iteration, run, stop, shutdown and close.
 *
 * One iteration (sloop_run_once):
 *   1. flush what callbacks queued outside the loop (sends, closes);
 *   2. work out how long the backend may sleep: 0 if work is pending, else
 *      until the next timer, the accept back-off end or the shutdown deadline;
 *   3. wait; copy ready events out as tokens;
 *   4. dispatch each event to its connection, listener or watcher, skipping
 *      tokens whose generation is stale (closed earlier in this batch);
 *   5. continue edge-triggered reads and accepts that ran out of budget;
 *   6. run due timers (at most one pass over the heap's capacity);
 *   7. flush again: coalesced sends, deferred closes, on_open calls.
 * Every step is bounded by a table size or a budget from sloop_config.h.
 */
#include <limits.h>

#include "loop/internal.h"

int sloop__sys_failed(sloop_loop *loop, int code)
{
    if ((code > 0) && (code < (int)SLOOP_SYS_ERR_COUNT)) {
        loop->counters.sys_errors[code]++;
    }
    loop->last_sys_error = code;
    return code;
}

static bool loop_ready(const sloop_loop *loop)
{
    return (loop != NULL) && (loop->magic == SLOOP__MAGIC);
}

static sloop_backend loop_pick_backend(sloop_backend requested)
{
    sloop_backend b = requested;
    if (b == SLOOP_BACKEND_DEFAULT) {
#if defined(_WIN32)
        b = SLOOP_BACKEND_WSAPOLL;
#elif SLOOP_HAVE_EPOLL
        b = SLOOP_BACKEND_EPOLL;
#else
        b = SLOOP_BACKEND_POLL;
#endif
    }
    return b;
}

static bool loop_sys_complete(const sloop_sys *s)
{
    return (s->now_ms != NULL) && (s->listen != NULL) && (s->local_port != NULL) &&
           (s->accept != NULL) && (s->connect != NULL) && (s->connect_result != NULL) &&
           (s->recv != NULL) && (s->sendv != NULL) && (s->close != NULL) && (s->poll != NULL);
}

sloop_err sloop_init_sized(sloop_loop *loop, const sloop_options *opts, size_t loop_size)
{
    const sloop_sys *sys;
    sloop_backend backend;
    sloop_err err;

    if ((loop == NULL) || (loop_size != sizeof(sloop_loop))) {
        return SLOOP_EINVAL; /* NULL, or built with a different sloop_config.h */
    }
    sys = ((opts != NULL) && (opts->sys != NULL)) ? opts->sys : sloop_sys_default();
    backend = loop_pick_backend((opts != NULL) ? opts->backend : SLOOP_BACKEND_DEFAULT);
    if (!loop_sys_complete(sys)) {
        return SLOOP_EINVAL;
    }
    if (!sloop__backend_available(backend)) {
        return SLOOP_EBACKEND;
    }

    /* Clear only the bookkeeping, not the large per-connection buffers: on a
     * microcontroller, zeroing megabytes of RX/TX memory would be wasted time. */
    loop->sys = sys;
    loop->backend = backend;
    loop->magic = 0U;
    loop->in_iteration = 0U;
    loop->stop_requested = 0U;
    loop->shutting_down = 0U;
    loop->accept_paused = 0U;
    loop->shutdown_deadline = 0U;
    loop->accept_resume_at = 0U;
    loop->last_sys_error = 0;
    loop->user_timers = 0U;
    loop->read_pending_count = 0U;
    loop->pending_count = 0U;
    {
        sloop_counters zero = {0};
        loop->counters = zero;
    }
    sloop_slots_init(&loop->listener_slots, loop->listener_gen, loop->listener_free,
                     SLOOP_MAX_LISTENERS);
    sloop_slots_init(&loop->watch_slots, loop->watch_gen, loop->watch_free, SLOOP_MAX_WATCHERS);
    sloop_slots_init(&loop->conn_slots, loop->conn_gen, loop->conn_free, SLOOP_MAX_CONNS);
    sloop_timerq_init(&loop->timers, loop->timer_entries, loop->timer_heap, loop->timer_gen,
                      loop->timer_free, SLOOP__TIMER_CAP);
    sloop__signals_init(loop);
    sloop__wake_init(loop);
    {
        uint32_t i;
        /* Every field read before its owner is opened starts known: the loop
         * may live in memory that was never zeroed (the stack, a reused pool). */
        for (i = 0U; i < SLOOP_MAX_CONNS; i++) {
            loop->conns[i].state = SLOOP__CONN_FREE;
            loop->conns[i].in_pending = 0U;
            loop->conns[i].read_pending = 0U;
            loop->conns[i].reg.added = 0U;
            loop->conns[i].reg.dirty = 0U;
        }
        for (i = 0U; i < SLOOP__NONZERO(SLOOP_MAX_LISTENERS); i++) {
            loop->listeners[i].reg.added = 0U;
            loop->listeners[i].reg.dirty = 0U;
            loop->listeners[i].accept_pending = 0U;
        }
        for (i = 0U; i < SLOOP__NONZERO(SLOOP_MAX_WATCHERS); i++) {
            loop->watches[i].reg.added = 0U;
            loop->watches[i].reg.dirty = 0U;
        }
    }
    loop->now = sys->now_ms(sys->ctx);
    err = sloop__backend_init(loop);
    if (err == SLOOP_OK) {
        loop->magic = SLOOP__MAGIC;
    }
    return err;
}

sloop_err sloop_close(sloop_loop *loop)
{
    uint32_t i;
    if (!loop_ready(loop)) {
        return SLOOP_EINVAL;
    }
    if (loop->in_iteration != 0U) {
        return SLOOP_ESTATE; /* from a callback: use sloop_stop, then close */
    }
    loop->in_iteration = 1U;
    /* on_close runs below: a callback that reconnects (sloop_connect), adopts
     * or listens must get SLOOP_ESTATE, or what it opens would outlive the loop. */
    loop->shutting_down = 1U;
    for (i = 0U; i < SLOOP_MAX_CONNS; i++) {
        if (loop->conns[i].state != SLOOP__CONN_FREE) {
            sloop__conn_finish(loop, i, SLOOP_CLOSE_SHUTDOWN);
        }
    }
    sloop__listeners_close_all(loop);
    sloop__watches_stop_all(loop);
    sloop__signals_stop_all(loop);
    sloop__wake_close(loop);
    sloop__timers_release_all(loop);
    sloop__backend_fini(loop);
    loop->in_iteration = 0U;
    loop->magic = 0U;
    return SLOOP_OK;
}

/* Milliseconds the backend may sleep: the caller's limit, cut down by the next
 * timer, the accept back-off and the shutdown deadline; 0 when work waits. */
static int loop_wait_timeout(const sloop_loop *loop, int32_t limit, bool work_waiting)
{
    uint32_t t = (limit < 0) ? UINT32_MAX : (uint32_t)limit;
    sloop_tick deadline = 0U; /* written by next_deadline when it returns true */
    if (work_waiting || (loop->stop_requested != 0U)) {
        t = 0U;
    }
    if (sloop_timerq_next_deadline(&loop->timers, &deadline)) {
        uint32_t left = sloop_tick_remaining(loop->now, deadline);
        t = (left < t) ? left : t;
    }
    if ((loop->accept_paused & SLOOP__PAUSE_FD_LIMIT) != 0U) {
        uint32_t left = sloop_tick_remaining(loop->now, loop->accept_resume_at);
        t = (left < t) ? left : t;
    }
    if (loop->shutting_down != 0U) {
        uint32_t left = sloop_tick_remaining(loop->now, loop->shutdown_deadline);
        t = (left < t) ? left : t;
    }
    return (t == UINT32_MAX) ? -1 : ((t > (uint32_t)INT_MAX) ? INT_MAX : (int)t);
}

static void loop_dispatch(sloop_loop *loop, const sloop__event *ev)
{
    uint32_t kind = sloop__token_kind(ev->token);
    sloop_slot_ref ref;
    ref.index = sloop__token_index(ev->token);
    ref.gen = sloop__token_gen(ev->token);
    switch (kind) {
    case SLOOP__KIND_CONN:
        /* As for watchers below: an open connection's registration carries
         * the token of its slot's current generation, and sloop__conn_finish
         * clears `added` before the slot is freed (a reopened slot has a new
         * generation). So this is sloop_slots_valid's answer without the call,
         * once per received message (the echo benchmark). The index test
         * first: conns[] is indexed here. */
        if ((ref.index < SLOOP_MAX_CONNS) && (loop->conns[ref.index].reg.added != 0U) &&
            (loop->conns[ref.index].reg.token == ev->token)) {
            sloop__conn_event(loop, ref.index, ev->flags);
        }
        break;
    case SLOOP__KIND_LISTENER:
        if (sloop_slots_valid(&loop->listener_slots, ref)) {
            sloop__listener_event(loop, ref.index);
        }
        break;
    case SLOOP__KIND_WATCH:
        /* A started watcher's registration carries the token of its slot's
         * current generation; stopping it clears `added`, restarting it in
         * the same slot issues a new generation. So this is the answer of
         * sloop_slots_valid without the call, for the one kind whose events
         * are the whole of the work (the dispatch benchmark). */
        if ((ref.index < SLOOP__NONZERO(SLOOP_MAX_WATCHERS)) &&
            (loop->watches[ref.index].reg.added != 0U) &&
            (loop->watches[ref.index].reg.token == ev->token)) {
            sloop__watch_dispatch(loop, ref.index, ref.gen, ev->flags);
        }
        break;
    case SLOOP__KIND_WAKE:
        /* The token names the channel opened last: an event for one closed
         * earlier in this batch is dropped. */
        if ((loop->wake_reg.fd != SLOOP_FD_INVALID) && (loop->wake_reg.added != 0U) &&
            (ev->token == loop->wake_reg.token)) {
            sloop__wake_event(loop, ev->flags);
        }
        break;
    case SLOOP__KIND_SIGNAL:
        if ((loop->signal_reg.fd != SLOOP_FD_INVALID) && (loop->signal_reg.added != 0U) &&
            (ev->token == loop->signal_reg.token)) {
            sloop__signal_event(loop, ev->flags);
        }
        break;
    default:
        /* A token sloop never issued: ignore it rather than guess. */
        break;
    }
}

/* Edge-triggered sources that stopped at their budget get their turn again. */
static bool loop_has_carried_work(const sloop_loop *loop)
{
    uint32_t i;
    bool any = (loop->pending_count > 0U);
    bool listening = (sloop_slots_open_count(&loop->listener_slots) > 0U);
    for (i = 0U; (i < SLOOP__NONZERO(SLOOP_MAX_LISTENERS)) && !any && listening; i++) {
        any = (loop->listeners[i].reg.added != 0U) && (loop->listeners[i].accept_pending != 0U);
    }
    return any || (loop->read_pending_count > 0U);
}

static void loop_run_carried_work(sloop_loop *loop)
{
    uint32_t i;
    for (i = 0U; i < SLOOP__NONZERO(SLOOP_MAX_LISTENERS); i++) {
        if ((loop->listeners[i].reg.added != 0U) && (loop->listeners[i].accept_pending != 0U)) {
            loop->listeners[i].accept_pending = 0U;
            sloop__listener_event(loop, i);
        }
    }
    for (i = 0U; (i < SLOOP_MAX_CONNS) && (loop->read_pending_count > 0U); i++) {
        if ((loop->conns[i].state != SLOOP__CONN_FREE) && (loop->conns[i].read_pending != 0U)) {
            sloop__conn_continue_read(loop, i);
        }
    }
}

static void loop_check_shutdown(sloop_loop *loop)
{
    if (loop->shutting_down != 0U) {
        if (sloop_tick_reached(loop->now, loop->shutdown_deadline)) {
            uint32_t i;
            for (i = 0U; i < SLOOP_MAX_CONNS; i++) {
                if (loop->conns[i].state != SLOOP__CONN_FREE) {
                    sloop__conn_finish(loop, i, SLOOP_CLOSE_SHUTDOWN);
                }
            }
        }
        if (sloop_slots_open_count(&loop->conn_slots) == 0U) {
            loop->shutting_down = 0U;
            loop->stop_requested = 1U; /* shutdown complete: sloop_run returns */
        }
    }
}

/* Runs three times per iteration and usually finds nothing: the test here
 * spares the call (sloop__pending_run saves six registers before its own). */
static void loop_pending_run(sloop_loop *loop)
{
    if (loop->pending_count > 0U) {
        sloop__pending_run(loop);
    }
}

sloop_err sloop_run_once(sloop_loop *loop, int32_t timeout_ms)
{
    sloop_err err;
    uint32_t n = 0U;
    uint32_t i;
    bool carried;

    if (!loop_ready(loop)) {
        return SLOOP_EINVAL;
    }
    if (loop->in_iteration != 0U) {
        return SLOOP_ESTATE;
    }
    loop->in_iteration = 1U;
    /* A stop request ends the iteration it was made in (sloop_run checks it
     * between iterations); left set, it would turn every later wait of an
     * application driving sloop_run_once itself into a busy poll. */
    loop->stop_requested = 0U;
    loop->now = loop->sys->now_ms(loop->sys->ctx);
    loop_pending_run(loop);
    sloop__listeners_update(loop);
    carried = loop_has_carried_work(loop);

    err = sloop__backend_wait(loop, loop_wait_timeout(loop, timeout_ms, carried), &n);
    loop->counters.wakeups++;
    loop->now = loop->sys->now_ms(loop->sys->ctx);
    for (i = 0U; i < n; i++) {
        loop->counters.events++;
        loop_dispatch(loop, &loop->events[i]);
    }
    if (carried) {
        loop_run_carried_work(loop);
    }
    loop_pending_run(loop);
    if (sloop_timerq_armed_count(&loop->timers) > 0U) {
        sloop__timers_run(loop); /* the call alone costs more than this test */
    }
    loop_pending_run(loop);
    sloop__listeners_update(loop);
    loop_check_shutdown(loop);
    loop->in_iteration = 0U;
    return err;
}

static bool loop_has_anything(const sloop_loop *loop)
{
    return (sloop_slots_open_count(&loop->conn_slots) > 0U) ||
           (sloop_slots_open_count(&loop->listener_slots) > 0U) ||
           (sloop_slots_open_count(&loop->watch_slots) > 0U) ||
           (sloop_timerq_armed_count(&loop->timers) > 0U) || (loop->pending_count > 0U) ||
           sloop__channels_open(loop);
}

sloop_err sloop_run(sloop_loop *loop)
{
    sloop_err err = SLOOP_OK;
    if (!loop_ready(loop)) {
        return SLOOP_EINVAL;
    }
    if (loop->in_iteration != 0U) {
        return SLOOP_ESTATE;
    }
    while ((err == SLOOP_OK) && (loop->stop_requested == 0U) && loop_has_anything(loop)) {
        err = sloop_run_once(loop, -1);
    }
    loop->stop_requested = 0U;
    return err;
}

void sloop_stop(sloop_loop *loop)
{
    if (loop_ready(loop)) {
        loop->stop_requested = 1U;
    }
}

sloop_err sloop_shutdown(sloop_loop *loop, uint32_t deadline_ms)
{
    uint32_t i;
    if (!loop_ready(loop) || (deadline_ms > SLOOP_TICK_MAX_DELAY)) {
        return SLOOP_EINVAL;
    }
    loop->now = loop->sys->now_ms(loop->sys->ctx);
    loop->shutting_down = 1U;
    loop->shutdown_deadline = sloop_tick_add(loop->now, deadline_ms);
    sloop__listeners_close_all(loop);
    for (i = 0U; i < SLOOP_MAX_CONNS; i++) {
        if ((loop->conns[i].state == SLOOP__CONN_OPEN) ||
            (loop->conns[i].state == SLOOP__CONN_CONNECTING)) {
            sloop__conn_request_close(loop, i, SLOOP_CLOSE_LOCAL, false);
        }
    }
    return SLOOP_OK;
}

sloop_tick sloop_now(const sloop_loop *loop)
{
    return loop_ready(loop) ? loop->now : 0U;
}

void sloop_counters_get(const sloop_loop *loop, sloop_counters *out)
{
    if (loop_ready(loop) && (out != NULL)) {
        *out = loop->counters;
    }
}

int sloop_last_sys_error(const sloop_loop *loop)
{
    return (loop != NULL) ? loop->last_sys_error : 0;
}

sloop_backend sloop_backend_in_use(const sloop_loop *loop)
{
    return loop_ready(loop) ? loop->backend : SLOOP_BACKEND_DEFAULT;
}
