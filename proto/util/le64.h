/*
 * le64.h - little-endian integers: 64-bit values whose byte order mr.h
 * fixes (MR_COMBINE_SUM_U64 counts), and the 32- and 64-bit words the hash
 * tables read keys in.  No-ops on little-endian machines.
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

/* The same for a 32-bit value. */
static inline uint32_t le32(uint32_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return __builtin_bswap32(v);
#else
    return v;
#endif
}

#endif
