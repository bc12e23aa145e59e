/*
 * lib_floor.c - the floor: the same recv/send chain with no readiness polling
 * at all. The chain is deterministic, so the descriptor each send made
 * readable is simply queued and read next (FIFO, at most A in flight). What a
 * loop costs above this is its overhead: (dispatch - floor) / W per event.
 */
#include <stdlib.h>

#include "dispatch.h"

static unsigned *ring;
static unsigned head, tail, cap;
static int arming; /* the rearm phase's loop iteration comes next: nothing sent yet */

const char *lib_name(void)
{
    return "floor";
}

int lib_init(void)
{
    cap = bench_active + 1U;
    ring = calloc(cap, sizeof *ring);
    return (ring != NULL) ? 0 : -1;
}

/* Nothing to arm; queue the chain starts that dispatch_main.c will send. */
void lib_arm(int first)
{
    unsigned space = bench_n / bench_active;
    unsigned i;
    (void)first;
    head = tail = 0U;
    arming = 1;
    for (i = 0U; i < bench_active; i++) {
        ring[tail] = i * space;
        tail = (tail + 1U) % cap;
    }
}

/* One "iteration": every descriptor that is readable now. */
void lib_run_once(void)
{
    unsigned todo = (tail + cap - head) % cap;
    if (arming) {
        arming = 0;
        return;
    }
    while (todo-- > 0U) {
        unsigned idx = ring[head];
        head = (head + 1U) % cap;
        bench_last_next = -1;
        bench_on_readable(idx);
        if (bench_last_next >= 0) {
            ring[tail] = (unsigned)bench_last_next;
            tail = (tail + 1U) % cap;
        }
    }
}

void lib_fini(void)
{
}
