/*
 * partition.h - which reducer owns a key, when a key-grouped job has N of
 * them (mr-run -R N).
 *
 * Every mapper, local or remote, splits a chunk's pairs with this function,
 * and every reducer checks that what it is sent is its own: it is a wire
 * contract (PROTO_VERSION 4), the same on every host.  The definition:
 *
 *     h = htab_hash(key, len)          (proto/fold/htab.c, keys read as
 *                                       little-endian words on every host)
 *     partition = (uint32_t)(((h >> 32) * n) >> 32)
 *
 * The HIGH 32 bits of the hash, scaled to [0, n) by a multiply (Lemire's
 * range reduction), never `h % n`: each reducer's own hash table probes
 * with the LOW bits of the same hash, and with `h % n` the keys of one
 * partition would share their low bits and crowd a fraction of its slots.
 * With the high bits a reducer's keys keep uniform low bits.
 *
 * With --partition-fields (Hadoop's KeyFieldBasedPartitioner) the hash is
 * over the chosen key fields only, keycmp_partition (keycmp.h), and mappers
 * and reducers use that instead, the same way.
 */
#ifndef MR_PARTITION_H
#define MR_PARTITION_H

#include <stddef.h>
#include <stdint.h>

/* Most reducers a job may have (mr-run -R): partitions are tracked in
 * 64-bit masks (which reducers have merged a chunk). */
#define PARTITION_MAX 64

/* The partition, 0..n-1, that owns key[0..len).  n must be 1..PARTITION_MAX
 * (1: always 0). */
uint32_t partition_of(const void *key, size_t len, uint32_t n);

/* The same from a hash already computed with htab_hash(key, len). */
static inline uint32_t partition_of_hash(uint64_t hash, uint32_t n)
{
    return (uint32_t)(((hash >> 32) * (uint64_t)n) >> 32);
}

#endif
