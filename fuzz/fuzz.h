/*
 * fuzz.h - what every sloop fuzz target shares: the entry point's prototype, a
 * property check that never compiles out, and a cursor that reads the input.
 *
 * FUZZ_CHECK(cond) prints the failed condition and calls abort(), which every
 * engine (libFuzzer, AFL++, fuzz/replay.c) reports as a crash. It does not depend
 * on NDEBUG or on a sanitizer being present, so a property is checked in every
 * build, including the gcc --coverage replay of `make coverage`.
 *
 * The cursor returns zeros once the input is exhausted, so a target never reads
 * past the input; targets stop their operation loop on fuzz_left() == 0.
 */
#ifndef SLOOP_FUZZ_H
#define SLOOP_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline _Noreturn void fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n", file, line, what);
    fflush(stderr);
    abort();
}

static inline _Noreturn void fuzz_fail_eq(const char *file, int line, const char *what,
                                          unsigned long long a, unsigned long long b)
{
    fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n  left:  %llu (0x%llx)\n  right: %llu (0x%llx)\n",
            file, line, what, a, a, b, b);
    fflush(stderr);
    abort();
}

#define FUZZ_CHECK(cond)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fuzz_fail(__FILE__, __LINE__, #cond);                                          \
        }                                                                                  \
    } while (0)

#define FUZZ_FAIL(what) fuzz_fail(__FILE__, __LINE__, (what))

/* Both sides are converted to unsigned long long and printed on failure. */
#define FUZZ_CHECK_EQ(a, b)                                                                \
    do {                                                                                   \
        unsigned long long fuzz_a_ = (unsigned long long)(a);                              \
        unsigned long long fuzz_b_ = (unsigned long long)(b);                              \
        if (fuzz_a_ != fuzz_b_) {                                                          \
            fuzz_fail_eq(__FILE__, __LINE__, #a " == " #b, fuzz_a_, fuzz_b_);              \
        }                                                                                  \
    } while (0)

typedef struct fuzz_in {
    const uint8_t *p;
    size_t n;
} fuzz_in;

static inline size_t fuzz_left(const fuzz_in *in)
{
    return in->n;
}

static inline uint8_t fuzz_u8(fuzz_in *in)
{
    uint8_t v = 0U;
    if (in->n > 0U) {
        v = in->p[0];
        in->p++;
        in->n--;
    }
    return v;
}

/* Multi-byte values are read big-endian, which keeps dictionary entries readable. */
static inline uint16_t fuzz_u16(fuzz_in *in)
{
    uint16_t hi = fuzz_u8(in);
    uint16_t lo = fuzz_u8(in);
    return (uint16_t)((hi * 256U) + lo);
}

static inline uint32_t fuzz_u32(fuzz_in *in)
{
    uint32_t hi = fuzz_u16(in);
    uint32_t lo = fuzz_u16(in);
    return (hi * 65536U) + lo;
}

#endif
