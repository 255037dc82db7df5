/*
 * counts.h - sums of 8-byte counts under short keys, in one cache line per
 * key: the mapper's combiner and the reducer's groups for
 * MR_COMBINE_SUM_U64 (a word count).
 *
 * htab.h serves any key and value, and pays for it on the hot path: a
 * lookup loads the slot, then the entry it points to, two cache misses per
 * word once the table outgrows L2 (the KJV's 13,500 words do).  Here a slot
 * holds the key itself (up to COUNTS_MAX_KEY bytes, zero-padded) and its
 * sum: a hit is one 32-byte load.  Keys are compared as two 64-bit words
 * and hashed as htab hashes them.  Longer keys, and values that are not 8
 * bytes, stay with htab.  Open addressing, linear probing, at most half
 * full.  Measured in docs/performance.md, step 10.
 */
#ifndef MR_COUNTS_H
#define MR_COUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest key a counts table holds. */
#define COUNTS_MAX_KEY 16

typedef struct counts counts_t;

/* Returns a new empty table, owned by the caller; never NULL. */
counts_t *counts_new(void);

/* Frees the table; accepts NULL; NULLs *self_p. */
void counts_destroy(counts_t **self_p);

/* Adds n to the sum of key (a new key starts at 0), modulo 2^64, and
 * returns true; or returns false, adding nothing, when key is new and the
 * table already holds its most keys (counts_set_max_keys).  key_len must
 * be at most COUNTS_MAX_KEY. */
bool counts_add(counts_t *self, const void *key, size_t key_len, uint64_t n);

/* Whether a pair of an MR_COMBINE_SUM_U64 plugin belongs in a counts table:
 * a short key and an 8-byte count.  Other pairs go through htab and the
 * plugin's combine. */
static inline bool counts_fits(size_t key_len, size_t value_len)
{
    return key_len <= COUNTS_MAX_KEY && value_len == 8;
}

/* counts_add for a count as the wire carries it: the 8 little-endian
 * bytes at value (mr.h's MR_COMBINE_SUM_U64), for a pair that fits. */
bool counts_add_le(counts_t *self, const void *key, size_t key_len, const void *value);

/* Caps the keys the table takes (SIZE_MAX, no cap, when new): a caller
 * that can keep further keys elsewhere bounds the table's memory at
 * 64 bytes a key. */
void counts_set_max_keys(counts_t *self, size_t max_keys);

/* The sum of key, or 0 when it was never added; *found says which. */
uint64_t counts_get(const counts_t *self, const void *key, size_t key_len, bool *found);

/* Number of distinct keys. */
size_t counts_count(const counts_t *self);

/* Bytes of its slot array (all the memory it holds, but the struct). */
size_t counts_bytes(const counts_t *self);

/* Iterates: start with *pos = 0.  Returns false after the last key, else
 * true with *key (borrowed until the next counts_add, counts_clear or
 * counts_destroy), *key_len and *sum set. */
bool counts_next(const counts_t *self, size_t *pos, const char **key, size_t *key_len,
                 uint64_t *sum);

/* Removes every key, keeping the slot array for reuse. */
void counts_clear(counts_t *self);

#endif
