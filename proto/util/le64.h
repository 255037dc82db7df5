/*
 * le64.h - little-endian integers: 64-bit values whose byte order mr.h
 * fixes (MR_COMBINE_SUM_U64 counts), the 32- and 64-bit words the hash
 * tables read keys in, and the fields of run files.  No-ops on
 * little-endian machines.  The loads and stores take any alignment.
 */
#ifndef MR_LE64_H
#define MR_LE64_H

#include <stdint.h>
#include <string.h>

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

/* The little-endian 64-bit value at p. */
static inline uint64_t le64_load(const void *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return le64(v);
}

/* The little-endian 32-bit value at p. */
static inline uint32_t le32_load(const void *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return le32(v);
}

/* Writes v at p, little-endian. */
static inline void le64_store(void *p, uint64_t v)
{
    uint64_t le = le64(v);
    memcpy(p, &le, 8);
}

/* Writes v at p, little-endian. */
static inline void le32_store(void *p, uint32_t v)
{
    uint32_t le = le32(v);
    memcpy(p, &le, 4);
}

#endif
