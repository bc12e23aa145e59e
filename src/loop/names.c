/*
 * names.c - the text for every enum a human may read: errors, close reasons,
 * backends and sys errors. Each table is indexed by the enum and checked for
 * size at compile time, so a new value cannot be added without its name.
 */
#include "loop/internal.h"

#define NAMES_COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *sloop_strerror(sloop_err err)
{
    static const char *const names[] = {
        "success",
        "invalid argument",
        "stale handle",
        "transmit buffer full",
        "frame too big to ever fit",
        "fixed table full",
        "connection is closing",
        "system call failed",
        "not allowed in this state",
        "backend not available",
    };
    _Static_assert(NAMES_COUNT(names) == (size_t)SLOOP_ERR_COUNT, "one name per sloop_err");
    return ((unsigned)err < NAMES_COUNT(names)) ? names[err] : "unknown error";
}

const char *sloop_close_reason_name(sloop_close_reason reason)
{
    static const char *const names[] = {
        "closed locally",
        "aborted locally",
        "closed by peer",
        "reset by peer",
        "I/O error",
        "descriptor closed elsewhere",
        "frame length above maximum",
        "line longer than maximum",
        "idle timeout",
        "slow peer (frame timeout)",
        "connect failed",
        "connect timeout",
        "linger timeout (unsent data dropped)",
        "loop shutdown",
    };
    _Static_assert(NAMES_COUNT(names) == (size_t)SLOOP_CLOSE_REASON_COUNT,
                   "one name per close reason");
    return ((unsigned)reason < NAMES_COUNT(names)) ? names[reason] : "unknown reason";
}

const char *sloop_sys_strerror(int code)
{
    static const char *const names[] = {
        "OK",           "EAGAIN",       "EINTR",     "EINPROGRESS", "ECONNRESET", "EPIPE",
        "ECONNREFUSED", "ECONNABORTED", "ETIMEDOUT", "EMFILE",      "ENFILE",     "ENOBUFS",
        "ENOMEM",       "EBADF",        "EINVAL",    "EADDRINUSE",  "EOTHER",
    };
    _Static_assert(NAMES_COUNT(names) == (size_t)SLOOP_SYS_ERR_COUNT, "one name per sys error");
    return ((code >= 0) && ((size_t)code < NAMES_COUNT(names))) ? names[code] : "unknown";
}

const char *sloop_backend_name(sloop_backend backend)
{
    const char *name;
    switch (backend) {
    case SLOOP_BACKEND_DEFAULT: name = "default"; break;
    case SLOOP_BACKEND_POLL: name = "poll"; break;
    case SLOOP_BACKEND_EPOLL: name = "epoll"; break;
    case SLOOP_BACKEND_EPOLL_ET: name = "epoll-et"; break;
    case SLOOP_BACKEND_WSAPOLL: name = "wsapoll"; break;
    default: name = "unknown"; break;
    }
    return name;
}
