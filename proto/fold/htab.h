/*
 * htab.h - a hash table from byte-string keys to one growable byte value.
 *
 * Used on the word-count hot path: the mapper's per-chunk combiner and the
 * reducer's key groups.  We write our own rather than take a library one
 * because each insert must hash the key once, find-or-add in one probe
 * sequence, and keep the key and a small value inline with the entry.
 * Entries come from an arena that htab_clear resets in one step: the mapper
 * clears its table after every chunk, and a malloc and free per distinct key
 * per chunk cost more than the counting.  Open addressing with linear
 * probing; the slot array keeps the hash so most mismatches cost no key
 * comparison.  Keys are at most 4 GiB.
 */
#ifndef MR_HTAB_H
#define MR_HTAB_H

#include "le64.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct htab htab_t;

typedef struct htab_entry {
    char *value;      /* value bytes: inline after the key, or owned heap memory */
    size_t value_len; /* bytes used in value */
    size_t value_cap; /* bytes available at value */
    uint32_t key_len; /* bytes in key */
    uint32_t on_heap; /* value was moved to the heap (it outgrew the inline room) */
    char key[];       /* the key, inline, then the inline value room */
} htab_entry_t;

/* Returns a new empty table, owned by the caller; never NULL. */
htab_t *htab_new(void);

/* Frees the table and every entry; accepts NULL; NULLs *self_p. */
void htab_destroy(htab_t **self_p);

/* Finds key, or adds it with an empty value.  *added tells which.  The entry
 * is owned by the table and valid until htab_clear or htab_destroy. */
htab_entry_t *htab_upsert(htab_t *self, const void *key, size_t key_len, bool *added);

/* Returns the entry of key or NULL. */
htab_entry_t *htab_find(const htab_t *self, const void *key, size_t key_len);

/* Number of entries. */
size_t htab_count(const htab_t *self);

/* Bytes the table holds besides the values moved to the heap: its slot
 * array and its arena of entries (a memory budget's measure). */
size_t htab_bytes(const htab_t *self);

/* Heap bytes of the entry's value: 0 while it fits inline. */
size_t htab_entry_heap_bytes(const htab_entry_t *e);

/* A standalone entry outside any table, for a caller that merges one key
 * at a time (the reducer's external merge): e (NULL the first time) is
 * reused when its key room (*room_p) fits key_len, else freed and
 * reallocated.  Returns the entry with key copied and an empty value; the
 * htab_value_* functions and merge_into work on it.  Free it with
 * htab_entry_free. */
htab_entry_t *htab_entry_renew(htab_entry_t *e, size_t *room_p, const void *key, size_t key_len);

/* Frees a standalone entry and its value; accepts NULL; NULLs *e_p. */
void htab_entry_free(htab_entry_t **e_p);

/* Iterates: start with *pos = 0; returns NULL after the last entry. */
htab_entry_t *htab_next(const htab_t *self, size_t *pos);

/* Removes every entry, keeping the slot array for reuse. */
void htab_clear(htab_t *self);

/* Replaces the entry's value with a copy of len bytes at data, which may
 * point into the old value. */
void htab_value_set(htab_entry_t *e, const void *data, size_t len);

/* Appends len bytes at data to the entry's value; data must not point into
 * that value. */
void htab_value_append(htab_entry_t *e, const void *data, size_t len);

static inline uint64_t htab__mix(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* The hash function used by the table; also the one partition.h picks a
 * key's reducer with, so it is part of the wire contract: the same value
 * for the same bytes on every host (keys are read as little-endian words,
 * le64.h).  Inline: it runs for every word a
 * word-count mapper emits (counts.h), where a call was 11 % of the
 * mapper's samples on issue 14's long tail.
 *
 * A multiply-mix hash in the style of wyhash.  Keys up to 16 bytes (most
 * words) are read with two overlapping loads and no loop, which made the
 * word-count mapper's hashing four times cheaper than byte-at-a-time FNV. */
static inline uint64_t htab_hash(const void *key, size_t len)
{
    const unsigned char *p = key;
    const uint64_t k0 = 0xa0761d6478bd642fULL;
    const uint64_t k1 = 0xe7037ed1a0b428dbULL;
    uint64_t a = 0;
    uint64_t b = 0;
    if (len <= 16) {
        if (len >= 4) {
            a = ((uint64_t)le32_load(p) << 32) | le32_load(p + ((len >> 3) << 2));
            b = ((uint64_t)le32_load(p + len - 4) << 32) |
                le32_load(p + len - 4 - ((len >> 3) << 2));
        } else if (len > 0) {
            a = ((uint64_t)p[0] << 16) | ((uint64_t)p[len >> 1] << 8) | p[len - 1];
        }
    } else {
        uint64_t seed = k0;
        size_t i = len;
        while (i > 16) {
            /* ^ seed: a block that zeroes the product keeps what came before. */
            seed ^= htab__mix(le64_load(p) ^ k1, le64_load(p + 8) ^ seed);
            p += 16;
            i -= 16;
        }
        a = le64_load(p + i - 16) ^ seed;
        b = le64_load(p + i - 8);
    }
    /* The second product covers the keys for which the first is 0 (a == k1
     * or b == k0): alone, each such family would share one slot. */
    return htab__mix(k1 ^ len, htab__mix(a ^ k1, b ^ k0)) ^
           htab__mix(a ^ b ^ 0x8ebc6af09c88c6e3ULL, 0x589965cc75374cc3ULL);
}

#endif
