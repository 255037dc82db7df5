/*
 * htab.h - a hash table from byte-string keys to one growable byte value.
 *
 * Used on the word-count hot path: the mapper's per-chunk combiner and the
 * reducer's key groups.  We write our own rather than take a library one
 * because each insert must hash the key once, find-or-add in one probe
 * sequence, and keep the key bytes inline with the entry (one allocation per
 * distinct key).  Open addressing with linear probing; the slot array keeps
 * the hash so most mismatches cost no key comparison.
 */
#ifndef MR_HTAB_H
#define MR_HTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct htab htab_t;

typedef struct htab_entry_t {
    char *value;      /* owned value bytes, NULL when value_len is 0 */
    size_t value_len; /* bytes used in value */
    size_t value_cap; /* bytes allocated for value */
    size_t key_len;   /* bytes in key */
    char key[];       /* the key, inline */
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

/* Iterates: start with *pos = 0; returns NULL after the last entry. */
htab_entry_t *htab_next(const htab_t *self, size_t *pos);

/* Removes every entry, keeping the slot array for reuse. */
void htab_clear(htab_t *self);

/* Replaces the entry's value with a copy of len bytes at data. */
void htab_value_set(htab_entry_t *e, const void *data, size_t len);

/* Appends len bytes at data to the entry's value. */
void htab_value_append(htab_entry_t *e, const void *data, size_t len);

/* The hash function used by the table, exported for tests. */
uint64_t htab_hash(const void *key, size_t len);

#endif
