/*
 * test_core_guards.c - the defensive arms of the pure core that no sequence of API
 * calls reaches, exercised by forging the state they guard against.
 *
 * The decoder's fields are public (frame.h puts the struct in the header so it can
 * be placed statically), so memory corruption or a caller writing to them is a
 * real possibility in a vendor's tree: these tests check that the guards then fail
 * safe. Why each arm is unreachable through the API is in docs/verification.md
 * (## Coverage); these tests make `make coverage` count them.
 */
#include "core/frame.h"
#include "core/timer.h"
#include "harness.h"

#include <stdint.h>

/* frame.c, frame_length_payload: a LENGTH payload that is complete while the feed
 * is empty (len == 0). Through the API a header of value 0 is delivered by the
 * feed that completed it, so a decoder never waits with a complete zero-length
 * header. Forged: the empty frame is returned from the decoder's own buffer, and no
 * pointer is formed from the (NULL) input. */
SL_TEST(length_empty_payload_on_empty_feed)
{
    sloop_frame_config cfg;
    sloop_frame_decoder d;
    uint8_t buf[16];
    uint32_t consumed = 99U;
    sloop_frame fr = { NULL, 99U };
    memset(&cfg, 0, sizeof cfg);
    cfg.mode = SLOOP_FRAME_LENGTH;
    cfg.header_size = 2U;
    cfg.max_payload = 10U;
    SL_CHECK(sloop_frame_decoder_init(&d, &cfg, buf, (uint32_t)sizeof buf));
    d.header_have = 2U; /* forged: a complete header of value 0, still pending */
    d.length = 0U;
    d.fill = 0U;
    SL_CHECK_EQ(sloop_frame_decoder_feed(&d, NULL, 0U, &consumed, &fr), SLOOP_FRAME_READY);
    SL_CHECK_EQ(consumed, 0U);
    SL_CHECK_EQ(fr.len, 0U);
    SL_CHECK(fr.data == buf);
    /* and the decoder is ready for the next frame */
    SL_CHECK(!sloop_frame_decoder_in_frame(&d));
    {
        static const uint8_t next[] = { 0U, 1U, 'x' };
        SL_CHECK_EQ(sloop_frame_decoder_feed(&d, next, 3U, &consumed, &fr), SLOOP_FRAME_READY);
        SL_CHECK_EQ(consumed, 3U);
        SL_CHECK_EQ(fr.len, 1U);
        SL_CHECK_EQ(fr.data[0], 'x');
    }
}

/* frame.c, sloop_frame_decoder_feed: the default arm of the mode switch. An
 * invalid mode fails init, and a failed decoder answers from its sticky error
 * before the switch. Forged: a valid decoder whose mode was overwritten refuses
 * input (an error status, nothing consumed) instead of misreading it. */
SL_TEST(feed_with_corrupted_mode_refuses)
{
    static const uint8_t in[] = { 'a', 'b', '\n' };
    sloop_frame_config cfg;
    sloop_frame_decoder d;
    uint8_t buf[16];
    uint32_t consumed = 99U;
    sloop_frame fr = { NULL, 0U };
    memset(&cfg, 0, sizeof cfg);
    cfg.mode = SLOOP_FRAME_DELIM;
    cfg.delim_len = 1U;
    cfg.delim[0] = '\n';
    cfg.max_payload = 8U;
    SL_CHECK(sloop_frame_decoder_init(&d, &cfg, buf, (uint32_t)sizeof buf));
    d.cfg.mode = (sloop_frame_mode)7; /* forged */
    SL_CHECK(sloop_frame_decoder_feed(&d, in, 3U, &consumed, &fr) != SLOOP_FRAME_READY);
    SL_CHECK(sloop_frame_decoder_feed(&d, in, 3U, &consumed, &fr) != SLOOP_FRAME_NEED_MORE);
    SL_CHECK_EQ(consumed, 0U);
}

/* timer.c, heap_remove: the `n < cap` test. By the queue invariant count <= cap, so
 * a removal's last position n = count - 1 is below cap. Forged: a count above the
 * capacity; disarming a timer then moves no heap entry past the arrays (the guard
 * words after them stay intact) instead of reading and writing heap[count - 1]. */
SL_TEST(timer_disarm_with_corrupted_count_stays_in_bounds)
{
    struct {
        sloop_timer_entry t[2];
        uint32_t heap[2];
        uint32_t guard_heap[2];
    } m;
    uint32_t gen[2];
    uint32_t free_stack[2];
    sloop_timerq q;
    sloop_slot_ref a;
    memset(&m, 0, sizeof m);
    m.guard_heap[0] = 0xA5A5A5A5U;
    m.guard_heap[1] = 0xA5A5A5A5U;
    sloop_timerq_init(&q, m.t, m.heap, gen, free_stack, 2U);
    SL_CHECK(sloop_timerq_alloc(&q, &a));
    SL_CHECK(sloop_timerq_arm(&q, a, 0U, 10U, 0U));
    q.count = 3U; /* forged: more armed timers than the capacity */
    SL_CHECK(sloop_timerq_disarm(&q, a));
    SL_CHECK_EQ(m.guard_heap[0], 0xA5A5A5A5U);
    SL_CHECK_EQ(m.guard_heap[1], 0xA5A5A5A5U);
    SL_CHECK(m.heap[0] < 2U && m.heap[1] < 2U && m.heap[0] != m.heap[1]);
}

static const sl_test tests[] = {
    SL_ENTRY(length_empty_payload_on_empty_feed),
    SL_ENTRY(feed_with_corrupted_mode_refuses),
    SL_ENTRY(timer_disarm_with_corrupted_count_stays_in_bounds),
};

int main(int argc, char **argv)
{
    return sl_main("core-guards", tests, SL_COUNT(tests), argc, argv);
}
