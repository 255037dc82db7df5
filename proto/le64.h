/*
 * le64.h - little-endian 64-bit integers, for values whose byte order mr.h
 * fixes (MR_COMBINE_SUM_U64 counts).  A no-op on little-endian machines.
 */
#ifndef MR_LE64_H
#define MR_LE64_H

#include <stdint.h>

/* Converts between little-endian and host order (its own inverse). */
static inline uint64_t le64(uint64_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return __builtin_bswap64(v);
#else
    return v;
#endif
}

#endif
