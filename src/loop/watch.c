/*
 * watch.c - generic descriptor watchers for descriptors sloop does not own:
 * pipes, eventfd, timerfd, serial devices. Always level-triggered (also under
 * the edge-triggered backend), so a callback that reads only part of what is
 * available is called again. sloop never reads, writes or closes them.
 */
#include "loop/internal.h"

static bool watch_lookup(const sloop_loop *loop, sloop_watch w, uint32_t *index)
{
    sloop_slot_ref ref;
    bool ok = (loop != NULL) && (loop->magic == SLOOP__MAGIC);
    if (ok) {
        ref.index = w.id;
        ref.gen = w.gen;
        ok = sloop_slots_valid(&loop->watch_slots, ref);
        *index = w.id;
    }
    return ok;
}

static bool watch_events_valid(unsigned events)
{
    return (events & ~(unsigned)(SLOOP_READABLE | SLOOP_WRITABLE)) == 0U;
}

sloop_err sloop_watch_start(sloop_loop *loop, sloop_fd fd, unsigned events, sloop_watch_cb cb,
                            void *user, sloop_watch *out)
{
    sloop_slot_ref ref;
    sloop__watch *w;
    sloop_err err;
    if ((loop == NULL) || (loop->magic != SLOOP__MAGIC) || (fd == SLOOP_FD_INVALID) ||
        (cb == NULL) || (out == NULL) || !watch_events_valid(events)) {
        return SLOOP_EINVAL;
    }
    if (!sloop_slots_open(&loop->watch_slots, &ref)) {
        return SLOOP_ELIMIT;
    }
    w = &loop->watches[ref.index];
    w->cb = cb;
    w->user = user;
    w->reg.fd = fd;
    w->reg.token = sloop__token(SLOOP__KIND_WATCH, ref.index, ref.gen);
    w->reg.want = (uint8_t)events;
    err = sloop__backend_add(loop, &w->reg, false);
    if (err != SLOOP_OK) {
        (void)sloop_slots_close(&loop->watch_slots, ref);
        return err;
    }
    out->id = ref.index;
    out->gen = ref.gen;
    return SLOOP_OK;
}

sloop_err sloop_watch_modify(sloop_loop *loop, sloop_watch w, unsigned events)
{
    uint32_t index = 0U;
    if (!watch_lookup(loop, w, &index)) {
        return (loop == NULL) ? SLOOP_EINVAL : SLOOP_ESTALE;
    }
    if (!watch_events_valid(events)) {
        return SLOOP_EINVAL;
    }
    sloop__backend_set_want(loop, &loop->watches[index].reg, (uint8_t)events);
    return SLOOP_OK;
}

static void watch_stop_index(sloop_loop *loop, uint32_t index)
{
    sloop_slot_ref ref;
    if (sloop_slots_ref_at(&loop->watch_slots, index, &ref)) {
        sloop__backend_remove(loop, &loop->watches[index].reg);
        (void)sloop_slots_close(&loop->watch_slots, ref);
    }
}

sloop_err sloop_watch_stop(sloop_loop *loop, sloop_watch w)
{
    uint32_t index = 0U;
    if (!watch_lookup(loop, w, &index)) {
        return (loop == NULL) ? SLOOP_EINVAL : SLOOP_ESTALE;
    }
    watch_stop_index(loop, index);
    return SLOOP_OK;
}

void sloop__watch_not_open(sloop_loop *loop, uint32_t index)
{
    const sloop__watch *w = &loop->watches[index];
    sloop_watch h;
    sloop_watch_cb cb = w->cb;
    void *user = w->user;
    sloop_fd fd = w->reg.fd;
    h.id = index;
    h.gen = loop->watch_gen[index];
    /* The descriptor is not open: stop, so that poll does not report it
     * forever, and tell the owner once. */
    watch_stop_index(loop, index);
    cb(loop, h, fd, SLOOP_ERROR, user);
}

void sloop__watches_stop_all(sloop_loop *loop)
{
    uint32_t i;
    for (i = 0U; i < SLOOP__NONZERO(SLOOP_MAX_WATCHERS); i++) {
        watch_stop_index(loop, i);
    }
}
