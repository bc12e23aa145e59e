/*
 * budget.c - prints the memory budget of a sloop configuration: the size of
 * sloop_loop and what each connection costs in it. Built once per config by
 * `make budget`; compile it yourself with your own -D flags or
 * -DSLOOP_CONFIG_FILE to see your numbers. Everything here is static memory:
 * sloop allocates nothing at run time.
 */
#include <stddef.h>
#include <stdio.h>

#include "sloop.h"

int main(int argc, char **argv)
{
    const char *name = (argc > 1) ? argv[1] : "custom";
    /* One connection's share of every per-connection table in the loop. */
    size_t per_conn = sizeof(sloop__conn)                  /* state, decoder, RX and TX buffers */
                      + 3U * sizeof(uint32_t)              /* slot generation, free stack, pending list */
                      + sizeof(sloop_timer_entry)          /* its timeout timer */
                      + 3U * sizeof(uint32_t)              /* timer heap, generation, free stack */
                      + sizeof(sloop__timer_owner)
                      + sizeof(sloop_pollfd) + 2U * sizeof(void *); /* pollfd, owner, change list */
    /* Signal watchers and the wake-up channel: their block of the loop, and
     * the two registrations they add to the backend's arrays. */
    size_t sigwake = (offsetof(sloop_loop, timers) - offsetof(sloop_loop, signal_slots)) +
                     2U * (sizeof(sloop_pollfd) + 2U * sizeof(void *));
    size_t per_signal = sizeof(sloop__signal) + 2U * sizeof(uint32_t);
    size_t total = sizeof(sloop_loop);
    size_t fixed = total - (size_t)SLOOP_MAX_CONNS * per_conn;

    printf("%-10s conns=%-5u frame=%-5u rx=%-5u tx=%-5u timers=%-4u | sizeof(sloop_loop)=%9zu B"
           " | per connection=%6zu B (rx %u + tx %u + %zu) | fixed=%7zu B"
           " | signals+wake=%zu B (%u signals x %zu B)\n",
           name, (unsigned)SLOOP_MAX_CONNS, (unsigned)SLOOP_MAX_FRAME,
           (unsigned)SLOOP_RX_BUF_SIZE, (unsigned)SLOOP_TX_BUF_SIZE, (unsigned)SLOOP_MAX_TIMERS,
           total, per_conn, (unsigned)SLOOP_RX_BUF_SIZE, (unsigned)SLOOP_TX_BUF_SIZE,
           per_conn - SLOOP_RX_BUF_SIZE - SLOOP_TX_BUF_SIZE, fixed, sigwake,
           (unsigned)SLOOP_MAX_SIGNALS, per_signal);
    return 0;
}
