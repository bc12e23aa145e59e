/*
 * scenarios.h - the fault scenarios. Each drives the loop and its peers for a
 * bounded number of steps, reacting to what happened (so that a fault changes
 * the course of the run without hanging it), and states what a fault-free run
 * must produce with W_EXPECT. The invariants are checked afterwards by
 * w_finish, for every run, faulty or not.
 *
 * Unless noted, a scenario runs over the simulation or over real sockets (the
 * world's peers are sim peers or sockets); time is the loop's clock.
 */
#ifndef SLOOP_TEST_SCENARIOS_H
#define SLOOP_TEST_SCENARIOS_H

#include "world.h"

/* One peer: data sent before the accept, a frame split across writes, then
 * "C": the server echoes and closes gracefully; the peer reads to EOF. */
void sc_echo(world *w);
/* Eight peers at once: five echo twice then shut down (PEER; one of them after
 * half a frame), one asks for an abort, one resets, one sends a length above
 * the maximum (FRAME_TOO_BIG). */
void sc_many(world *w);
/* Idle and slow-peer timeouts, a periodic timer sending to every connection,
 * one-shot timers that close a connection, are stopped, or reschedule
 * themselves from their callback. Sim only (needs simulated time). */
void sc_timers(world *w);
/* Three peers make the server flood them (EFULL, on_writable), then
 * sloop_shutdown: a fast reader and a slow one finish (LOCAL), one that never
 * reads is cut at the deadline (SHUTDOWN). Over the sim it runs sloop_run with
 * the peers acting from the sim's idle hook. */
void sc_shutdown(world *w);
/* Outgoing connects through sloop_connect to remotes that accept (after a
 * delay or at once), refuse, never answer, or are not there; the client
 * reconnects from on_close on any reason but LOCAL (at most twice per target),
 * and one connect is still in progress when the loop closes. One connection is
 * made by the application and handed over with sloop_conn_adopt. Sim only. */
void sc_client(world *w);

/* More peers than connection slots (SLOOP_MAX_CONNS + 6): the listener pauses
 * while the table is full and resumes as connections end; every peer is
 * served in the end. */
void sc_table_full(world *w);
/* Graceful closes that cannot flush: a peer that never reads is cut at
 * linger_ms (LINGER_TIMEOUT), one resets while the close lingers (RESET), a
 * slow reader finishes in time (LOCAL). */
void sc_linger(world *w);

/* Signal watchers and sloop_wake while a peer's echo traffic runs: signals
 * raised (one twice: coalesced) and wakes made between iterations, as an ISR or
 * another thread would. Whatever the faults: a signal watcher is never called
 * more often than its signal arrived, a wake made is always followed by an
 * on_wake, and a start that fails with SLOOP_ESYS names the injected error.
 * Sim only. */
void sc_signals_wake(world *w);

#endif
