/*
 * test_loop_guards.c - the defensive arms of src/loop and src/backend that no
 * sequence of API calls reaches, exercised by forging the state they guard
 * against (as test_core_guards.c does for the core).
 *
 * The loop object is public (sloop_loop_struct.h places it statically), so a
 * stray write by the application can corrupt it; these guards keep the loop's
 * own writes inside its tables even then. Each was added for Eva's loop run
 * (docs/verification.md, "Eva"), where the index they test is not bounded by
 * anything Eva can see. Every test below fails (a wrong count, or an index out
 * of bounds under the sanitizers) when its guard is removed.
 *
 * The internal functions are declared here, not through src/loop/internal.h,
 * so the test also builds against the amalgamation (`make amalgamate`).
 */
#include "harness.h"
#include "sloop.h"
#include "sloop_sim.h"

#include <stdint.h>
#include <string.h>

#if defined(_WIN32)
#define GUARDS_BACKEND SLOOP_BACKEND_WSAPOLL
#else
#define GUARDS_BACKEND SLOOP_BACKEND_POLL
#endif

/* src/loop/internal.h */
sloop_err sloop__poll_add(sloop_loop *loop, sloop__reg *reg);
void sloop__poll_remove(sloop_loop *loop, sloop__reg *reg);
void sloop__conn_request_open(sloop_loop *loop, uint32_t index);

static sloop_sim g_sim;
static sloop_loop g_loop;

static bool start(void)
{
    sloop_options o;
    if (!sloop_sim_init(&g_sim, 1000U)) {
        return false;
    }
    o.backend = GUARDS_BACKEND;
    o.sys = sloop_sim_sys(&g_sim);
    return sloop_init(&g_loop, &o) == SLOOP_OK;
}

/* poll.c, sloop__poll_remove: a registration whose poll_index does not name
 * its own entry (never added, or an index gone stale) removes nothing. Without
 * the test, the entry of another registration would be removed in its place,
 * or pfd_count would drop below the number of live entries. */
SL_TEST(poll_remove_of_a_registration_not_in_the_table_changes_nothing)
{
    sloop__reg a;
    sloop__reg b;
    uint32_t n0;
    SL_CHECK(start());
    n0 = g_loop.pfd_count;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.fd = (sloop_fd)SLOOP_SIM_FD_BASE;
    SL_CHECK_EQ(sloop__poll_add(&g_loop, &a), SLOOP_OK);
    SL_CHECK_EQ(g_loop.pfd_count, n0 + 1U);
    SL_CHECK(g_loop.preg[a.poll_index] == &a);

    /* b claims a's entry: a stays. */
    b.poll_index = a.poll_index;
    sloop__poll_remove(&g_loop, &b);
    SL_CHECK_EQ(g_loop.pfd_count, n0 + 1U);
    SL_CHECK(g_loop.preg[a.poll_index] == &a);

    /* b claims the first free entry, which still (forged) names it: free
     * entries are not in the table, whatever they hold. */
    b.poll_index = g_loop.pfd_count;
    g_loop.preg[b.poll_index] = &b;
    sloop__poll_remove(&g_loop, &b);
    SL_CHECK_EQ(g_loop.pfd_count, n0 + 1U);
    SL_CHECK(g_loop.preg[a.poll_index] == &a);
    g_loop.preg[b.poll_index] = NULL;

    /* b's index is past the table (read out of bounds without the test). */
    b.poll_index = SLOOP__MAX_REGS + 3U;
    sloop__poll_remove(&g_loop, &b);
    SL_CHECK_EQ(g_loop.pfd_count, n0 + 1U);

    /* a itself is removed as before. */
    sloop__poll_remove(&g_loop, &a);
    SL_CHECK_EQ(g_loop.pfd_count, n0);
    SL_CHECK(g_loop.preg[n0] == NULL);
    SL_CHECK_EQ(sloop_close(&g_loop), SLOOP_OK);
}

/* conn.c, conn_pending_add (through sloop__conn_request_open): with the
 * pending table full, a connection is not appended past its end. Through the
 * API the table cannot fill beyond one entry per slot (in_pending); forged: the
 * count says full while slot 0 is not marked pending. */
SL_TEST(pending_add_with_a_full_table_writes_nothing)
{
    SL_CHECK(start());
    g_loop.pending_count = SLOOP_MAX_CONNS; /* forged */
    g_loop.conns[0].in_pending = 0U;
    sloop__conn_request_open(&g_loop, 0U);
    SL_CHECK_EQ(g_loop.pending_count, SLOOP_MAX_CONNS);
    SL_CHECK_EQ(g_loop.conns[0].in_pending, 0U);
    /* undo the forgery before closing */
    g_loop.pending_count = 0U;
    g_loop.conns[0].open_pending = 0U;
    SL_CHECK_EQ(sloop_close(&g_loop), SLOOP_OK);
}

static const sl_test tests[] = {
    SL_ENTRY(poll_remove_of_a_registration_not_in_the_table_changes_nothing),
    SL_ENTRY(pending_add_with_a_full_table_writes_nothing),
};

int main(int argc, char **argv)
{
    return sl_main("loop-guards", tests, SL_COUNT(tests), argc, argv);
}
