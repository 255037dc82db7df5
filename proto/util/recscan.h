/*
 * recscan.h - finds the records of a chunk: the offset of each delimiter,
 * 64 bytes at a time.
 *
 * A mapper called memchr once per record.  For short records that call
 * (its set-up, a PLT jump, a vector load for 9 bytes) was the largest cost
 * of the engine: 26 % of the CPU of 10 M 8-byte records, 10 % of an
 * ordered upper-case of 32-byte lines (docs/performance.md, issue 14).
 * Here one pass over each 64-byte block makes a bit mask of its delimiters
 * (SSE2, which every x86-64 has; a plain loop elsewhere), and each record
 * then costs a count of trailing zeros.
 *
 * Usage: recscan_init once per chunk, then recscan_next(s, off) for the
 * delimiter at or after off, with off never going back.
 */
#ifndef MR_RECSCAN_H
#define MR_RECSCAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

typedef struct recscan {
    const char *data; /* the chunk (borrowed) */
    size_t len;       /* its bytes */
    size_t block;     /* offset of the 64-byte block mask describes */
    uint64_t mask;    /* bit i: data[block + i] is a delimiter not yet passed */
    char delim;       /* the record terminator */
} recscan_t;

/* The delimiter mask of the 64 bytes at p, of which the first n (<= 64)
 * are the chunk's. */
static inline uint64_t recscan__mask(const char *p, size_t n, char delim)
{
    if (n < 64) {
        /* The chunk's tail: scanned from a copy, never read past its end
         * (a mapped file's last page may be the last one mapped). */
        char tail[64];
        memset(tail, delim ^ 1, sizeof tail);
        memcpy(tail, p, n);
        return recscan__mask(tail, 64, delim);
    }
#if defined(__SSE2__)
    __m128i d = _mm_set1_epi8(delim);
    uint64_t m = 0;
    for (int i = 0; i < 4; i++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
        m |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, d)) << (16 * i);
    }
    return m;
#else
    uint64_t m = 0;
    for (int i = 0; i < 64; i++)
        m |= (uint64_t)(p[i] == delim) << i;
    return m;
#endif
}

/* Starts scanning len bytes at data for delim. */
static inline void recscan_init(recscan_t *s, const char *data, size_t len, char delim)
{
    s->data = data;
    s->len = len;
    s->block = 0;
    s->delim = delim;
    s->mask = len ? recscan__mask(data, len < 64 ? len : 64, delim) : 0;
}

/* The offset of the first delimiter at or after off (off at least the
 * previous call's), or len when there is none. */
static inline size_t recscan_next(recscan_t *s, size_t off)
{
    for (;;) {
        if (off >= s->block + 64) {
            /* Skip to the block holding off (a long record spans several). */
            s->block = off & ~(size_t)63;
            if (s->block >= s->len)
                return s->len;
            size_t n = s->len - s->block;
            s->mask = recscan__mask(s->data + s->block, n < 64 ? n : 64, s->delim);
        }
        if (off > s->block)
            s->mask &= ~(uint64_t)0 << (off - s->block);
        if (s->mask)
            return s->block + (size_t)__builtin_ctzll(s->mask);
        off = s->block + 64;
        if (off >= s->len)
            return s->len;
    }
}

#endif
