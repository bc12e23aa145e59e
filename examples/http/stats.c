/*
 * stats.c - the loop's counters (sloop_counters_get) and the HTTP layer's, as
 * one JSON object. Every close reason and sys error kind is listed by its
 * sloop name, zero or not, so a reader can diff two snapshots.
 */
#include "http/stats.h"

#include <stdarg.h>
#include <stdio.h>

typedef struct json_out {
    char *buf;
    size_t cap;
    size_t len;
    int overflow;
} json_out;

static void put(json_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(json_out *o, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (o->overflow != 0) {
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(&o->buf[o->len], o->cap - o->len, fmt, ap);
    va_end(ap);
    if ((n < 0) || ((size_t)n >= (o->cap - o->len))) {
        o->overflow = 1;
        return;
    }
    o->len += (size_t)n;
}

/* JSON keys for the close reasons, in sloop_close_reason order (the names from
 * sloop_close_reason_name are prose). */
static const char *const close_keys[] = {
    "local", "abort", "peer", "reset", "io_error", "bad_fd", "frame_too_big",
    "frame_too_long", "idle_timeout", "slow_peer", "connect_failed", "connect_timeout",
    "linger_timeout", "shutdown",
};
_Static_assert(sizeof close_keys / sizeof close_keys[0] == (size_t)SLOOP_CLOSE_REASON_COUNT,
               "one key per close reason");

static void put_u64(json_out *o, const char *sep, const char *name, uint64_t v)
{
    put(o, "%s\"%s\":%llu", sep, name, (unsigned long long)v);
}

size_t http_stats_json(const sloop_loop *loop, const http_app_counters *app, char *out,
                       size_t cap)
{
    json_out o = { out, cap, 0U, 0 };
    sloop_counters k;
    unsigned i;
    sloop_counters_get(loop, &k);
    put(&o, "{\"backend\":\"%s\",\"loop\":{", sloop_backend_name(sloop_backend_in_use(loop)));
    put_u64(&o, "", "accepts", k.accepts);
    put_u64(&o, ",", "accept_errors", k.accept_errors);
    put_u64(&o, ",", "accept_pauses", k.accept_pauses);
    put_u64(&o, ",", "connects", k.connects);
    put_u64(&o, ",", "frames_in", k.frames_in);
    put_u64(&o, ",", "frames_out", k.frames_out);
    put_u64(&o, ",", "bytes_in", k.bytes_in);
    put_u64(&o, ",", "bytes_out", k.bytes_out);
    put_u64(&o, ",", "send_full", k.send_full);
    put_u64(&o, ",", "timers_fired", k.timers_fired);
    put_u64(&o, ",", "wakeups", k.wakeups);
    put_u64(&o, ",", "events", k.events);
    put_u64(&o, ",", "eintr", k.eintr);
    put(&o, "},\"closes\":{");
    for (i = 0U; i < (unsigned)SLOOP_CLOSE_REASON_COUNT; i++) {
        put_u64(&o, (i == 0U) ? "" : ",", close_keys[i], k.closes[i]);
    }
    put(&o, "},\"sys_errors\":{");
    for (i = 1U; i < (unsigned)SLOOP_SYS_ERR_COUNT; i++) {
        put_u64(&o, (i == 1U) ? "" : ",", sloop_sys_strerror((int)i), k.sys_errors[i]);
    }
    put(&o, "},\"http\":{");
    put_u64(&o, "", "requests", app->requests);
    put_u64(&o, ",", "bodies", app->bodies);
    put_u64(&o, ",", "1xx", app->status[1]);
    put_u64(&o, ",", "2xx", app->status[2]);
    put_u64(&o, ",", "3xx", app->status[3]);
    put_u64(&o, ",", "4xx", app->status[4]);
    put_u64(&o, ",", "5xx", app->status[5]);
    put_u64(&o, ",", "408_slow_peer", app->timeouts_408);
    put_u64(&o, ",", "431_head_too_long", app->too_large_431);
    put_u64(&o, ",", "pipelined_max", app->pipelined_max);
    put_u64(&o, ",", "owed_overflow", app->owed_overflow);
    put_u64(&o, ",", "final_lost", app->final_lost);
    put_u64(&o, ",", "500_internal", app->internal_500);
    put(&o, "}}\n");
    return (o.overflow != 0) ? 0U : o.len;
}
