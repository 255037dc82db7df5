/*
 * partition.c - the partition function of a multi-reducer job.  See
 * partition.h for its definition, which is a wire contract.
 */
#include "partition.h"

#include "htab.h"

uint32_t partition_of(const void *key, size_t len, uint32_t n)
{
    if (n <= 1)
        return 0;
    return partition_of_hash(htab_hash(key, len), n);
}
