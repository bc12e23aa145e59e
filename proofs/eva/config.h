/*
 * proofs/eva/config.h - the small configuration the Eva harness analyses
 * (named with -DSLOOP_CONFIG_FILE='"eva/config.h"'; -Iproofs is on the path).
 * Small tables keep Eva's abstract states small; the code paths are the same as
 * with the defaults (every loop is bounded by these macros, nothing else).
 */
#ifndef SLOOP_EVA_CONFIG_H
#define SLOOP_EVA_CONFIG_H

/* One connection: with two, Eva merges the index of conns[] and every pointer
 * into a connection's buffers spans both (and the fields between them). */
#define SLOOP_MAX_CONNS 1U
#define SLOOP_MAX_FRAME 16U
/* RX and TX buffers keep their derived defaults: 20 and 40 bytes. */
#define SLOOP_MAX_TIMERS 2U
#define SLOOP_MAX_LISTENERS 1U
#define SLOOP_MAX_WATCHERS 1U
#define SLOOP_MAX_EVENTS 4U
#define SLOOP_READ_CHUNK 64U
#define SLOOP_READ_BUDGET 64U
#define SLOOP_ACCEPT_BUDGET 2U

/* The simulated world, equally small (sloop_sim.h reads these). */
#define SLOOP_SIM_MAX_FDS 8U
#define SLOOP_SIM_MAX_PAIRS 2U
#define SLOOP_SIM_MAX_LISTENERS 1U
#define SLOOP_SIM_MAX_REMOTES 1U
#define SLOOP_SIM_BACKLOG 4U
#define SLOOP_SIM_BUF_SIZE 48U

#endif
