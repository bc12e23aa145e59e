/*
 * proofs/eva/stub/sys/epoll.h - Frama-C's libc has no <sys/epoll.h>. This stub
 * gives the declarations src/ needs (types and constants with glibc's values)
 * so that Eva parses the Linux build (SLOOP_HAVE_EPOLL = 1) unchanged. No epoll
 * function is declared: sloop calls epoll only through the sloop_sys table, and
 * the simulation's table has none (the harness uses SLOOP_BACKEND_POLL).
 */
#ifndef SLOOP_EVA_STUB_SYS_EPOLL_H
#define SLOOP_EVA_STUB_SYS_EPOLL_H
#include <stdint.h>

#define EPOLLIN 0x001U
#define EPOLLOUT 0x004U
#define EPOLLERR 0x008U
#define EPOLLHUP 0x010U
#define EPOLLRDHUP 0x2000U
#define EPOLLET (1U << 31)
#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3

typedef union epoll_data {
    void *ptr;
    int fd;
    uint32_t u32;
    uint64_t u64;
} epoll_data_t;

struct epoll_event {
    uint32_t events;
    epoll_data_t data;
} __attribute__((__packed__));

#endif
