/*
 * sloop_loop_struct.h - the memory layout of a sloop_loop. Private: included by
 * sloop.h only so that users can place a loop statically and sizeof works.
 * Every array is sized by sloop_config.h; nothing points outside the loop except
 * the sys table and user pointers. A loop must not be moved or copied after
 * sloop_init (the backend keeps pointers into it).
 */
#ifndef SLOOP_LOOP_STRUCT_H
#define SLOOP_LOOP_STRUCT_H

/* Tables configured to 0 entries still get one, since C has no empty arrays. */
#define SLOOP__NONZERO(n) (((n) > 0U) ? (n) : 1U)
/* Every descriptor the backend may watch at once: connections, listeners,
 * watchers, the wake-up channel and the signal channel. */
#define SLOOP__MAX_REGS (SLOOP_MAX_CONNS + SLOOP_MAX_LISTENERS + SLOOP_MAX_WATCHERS + 2U)

/* Set by sloop_wake from any thread or handler, cleared by the loop. C++ code
 * including this header never touches it; it only needs the size. Without C11
 * atomics it is volatile (enough for an ISR on one core, not for threads); so it
 * is for Frama-C too, which does not parse _Atomic (its analyses are
 * single-threaded: a volatile read is any value, a sound over-approximation). */
#if defined(__cplusplus) || defined(__STDC_NO_ATOMICS__) || defined(__FRAMAC__)
#define SLOOP__WAKE_FLAG_VOLATILE 1
typedef volatile uint32_t sloop__wake_flag;
#else
typedef _Atomic uint32_t sloop__wake_flag;
#endif
#define SLOOP__TIMER_CAP (SLOOP_MAX_TIMERS + SLOOP_MAX_CONNS)

/* A descriptor registered with the backend. `want` is the interest the loop
 * wants, `have` what the kernel was last told; epoll calls epoll_ctl only when
 * they differ, once per iteration (changes are coalesced). */
typedef struct sloop__reg {
    sloop_fd fd;
    uint64_t token;      /* gen << 32 | kind << 24 | index: stale events are detected */
    uint32_t poll_index; /* poll/WSAPoll: position in the pollfd array */
    uint8_t want;        /* SLOOP_READABLE | SLOOP_WRITABLE */
    uint8_t have;
    uint8_t added;       /* known to the kernel (epoll) or in the pollfd array */
    uint8_t dirty;       /* queued in the change list */
} sloop__reg;

/* A readiness event after normalisation (error and hang-up folded in). */
typedef struct sloop__event {
    uint64_t token;
    uint32_t flags; /* SLOOP_READABLE | SLOOP_WRITABLE | SLOOP_ERROR | SLOOP__EV_NVAL */
} sloop__event;

typedef struct sloop__conn {
    sloop__reg reg;
    uint8_t state;         /* sloop__conn_state */
    uint8_t close_reason;  /* reason recorded for a pending close */
    uint8_t close_now;     /* abort requested: finish at the next pending pass */
    uint8_t in_pending;    /* on the loop's pending list */
    uint8_t tx_was_full;   /* EFULL was reported: on_writable when drained */
    uint8_t read_pending;  /* edge-triggered: read budget ran out before EAGAIN */
    uint8_t open_pending;  /* on_open still to be called */
    uint8_t fd_dead;       /* POLLNVAL: the fd is not ours to close any more */
    uint8_t frame_active;  /* a frame has started and not completed */
    uint8_t read_paused;   /* sloop_conn_pause_read(): no read interest */
    uint8_t is_client;     /* created by sloop_connect */
    sloop_slot_ref timer;  /* this connection's internal timeout timer */
    sloop_tick last_activity;
    sloop_tick frame_start;
    sloop_tick close_deadline; /* connect or linger deadline */
    sloop_conn_options opts;
    const sloop_handler *handler;
    void *user;
    sloop_frame_decoder dec;
    sloop_ring tx;
    uint8_t rx_buf[SLOOP_RX_BUF_SIZE];
    uint8_t tx_buf[SLOOP_TX_BUF_SIZE];
} sloop__conn;

typedef struct sloop__listener {
    sloop__reg reg;
    uint8_t accept_pending; /* edge-triggered: accept budget ran out before EAGAIN */
    sloop_listen_options opts;
} sloop__listener;

typedef struct sloop__watch {
    sloop__reg reg;
    sloop_watch_cb cb;
    void *user;
} sloop__watch;

typedef struct sloop__signal {
    int signo;
    sloop_signal_cb cb;
    void *user;
} sloop__signal;

/* Who owns a timer id. */
typedef struct sloop__timer_owner {
    uint32_t conn;      /* connection index, or UINT32_MAX for a user timer */
    sloop_timer_cb cb;
    void *user;
} sloop__timer_owner;

struct sloop_loop {
    const sloop_sys *sys;
    sloop_backend backend;
    uint32_t magic;         /* set by sloop_init; guards use of an unprepared loop */
    uint8_t in_iteration;   /* sloop_run_once is active (no re-entry) */
    uint8_t stop_requested;
    uint8_t shutting_down;
    uint8_t accept_paused;  /* bit 0: table full, bit 1: fd limit back-off */
    sloop_tick now;
    sloop_tick shutdown_deadline;
    sloop_tick accept_resume_at;
    int last_sys_error;
    uint32_t user_timers;   /* user timers allocated, <= SLOOP_MAX_TIMERS */
    uint32_t read_pending_count; /* connections with read_pending set */
    sloop_counters counters;

    /* Backend state. */
    sloop_fd epfd;
    uint32_t change_count;
    sloop__reg *changes[SLOOP__MAX_REGS];
    sloop_epoll_event ep_events[SLOOP_MAX_EVENTS];
    sloop_pollfd pfds[SLOOP__MAX_REGS];
    sloop__reg *preg[SLOOP__MAX_REGS];
    uint32_t pfd_count;
    uint32_t poll_rotate;   /* poll scan start, rotated for fairness */
    sloop__event events[SLOOP_MAX_EVENTS];

    /* Listeners and watchers. */
    sloop_slots listener_slots;
    uint32_t listener_gen[SLOOP__NONZERO(SLOOP_MAX_LISTENERS)];
    uint32_t listener_free[SLOOP__NONZERO(SLOOP_MAX_LISTENERS)];
    sloop__listener listeners[SLOOP__NONZERO(SLOOP_MAX_LISTENERS)];
    sloop_slots watch_slots;
    uint32_t watch_gen[SLOOP__NONZERO(SLOOP_MAX_WATCHERS)];
    uint32_t watch_free[SLOOP__NONZERO(SLOOP_MAX_WATCHERS)];
    sloop__watch watches[SLOOP__NONZERO(SLOOP_MAX_WATCHERS)];

    /* Signal watchers and the wake-up channel. A channel is open while its
     * reg.fd is valid; its token carries chan_gen, bumped at every open. */
    sloop_slots signal_slots;
    uint32_t signal_gen[SLOOP__NONZERO(SLOOP_MAX_SIGNALS)];
    uint32_t signal_free[SLOOP__NONZERO(SLOOP_MAX_SIGNALS)];
    sloop__signal signals[SLOOP__NONZERO(SLOOP_MAX_SIGNALS)];
    uint64_t signal_mask;   /* bit n-1: signal n is watched */
    sloop__reg signal_reg;  /* the signal channel, open while signal_mask != 0 */
    sloop__reg wake_reg;    /* the wake-up channel's read end, while started */
    sloop_fd wake_wr;       /* its write end (== wake_reg.fd for an eventfd) */
    sloop_wake_cb wake_cb;
    void *wake_user;
    uint32_t chan_gen;
    uint8_t chan_dead;      /* POLLNVAL on a channel: bit 0 wake, bit 1 signal */
    sloop__wake_flag wake_pending;

    /* Timers: user timers and one internal timer per connection. */
    sloop_timerq timers;
    sloop_timer_entry timer_entries[SLOOP__TIMER_CAP];
    uint32_t timer_heap[SLOOP__TIMER_CAP];
    uint32_t timer_gen[SLOOP__TIMER_CAP];
    uint32_t timer_free[SLOOP__TIMER_CAP];
    sloop__timer_owner timer_owner[SLOOP__TIMER_CAP];

    /* Connections. */
    sloop_slots conn_slots;
    uint32_t conn_gen[SLOOP_MAX_CONNS];
    uint32_t conn_free[SLOOP_MAX_CONNS];
    uint32_t pending[SLOOP_MAX_CONNS]; /* connections with work after callbacks */
    uint32_t pending_count;
    uint8_t scratch[SLOOP_READ_CHUNK];  /* every recv lands here first */
    sloop__conn conns[SLOOP_MAX_CONNS];
};

#endif
