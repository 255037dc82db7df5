/*
 * kmerge.h - a k-way merge of sorted sources: the external sort's last
 * step.  The reducer merges its spilled runs with what it still holds
 * (reducer/group.c); the master merges the key indexes of its reducers'
 * parts (master/assemble.c).
 *
 * Each source yields (key, value) records in nondecreasing bytewise key
 * order through a next function: a run reader (kmerge_add_run), or the
 * caller's own, such as an in-memory sorted array.  kmerge_next yields all
 * their records in key order, equal keys in the order the sources were
 * added (stable), so a caller sees a key's records together, oldest source
 * first.  A binary heap of the sources: log2(k) key comparisons a record.
 */
#ifndef MR_KMERGE_H
#define MR_KMERGE_H

#include "err.h"
#include "mr.h"
#include "run.h"

#include <stddef.h>

typedef struct kmerge kmerge_t;

/* A source's next function: 1 with *key and *value set (borrowed until
 * its next call), 0 at its end, or a negative code with e set. */
typedef int (*kmerge_next_fn)(void *src, mr_bytes_t *key, mr_bytes_t *value, err_t *e);

/* Returns a new merge with no sources, owned by the caller; never NULL. */
kmerge_t *kmerge_new(void);

/* Frees the merge; the sources stay the caller's.  Accepts NULL; NULLs
 * *self_p. */
void kmerge_destroy(kmerge_t **self_p);

/* Adds a source (src is borrowed and passed to next).  Only before the
 * first kmerge_next. */
void kmerge_add(kmerge_t *self, kmerge_next_fn next, void *src);

/* Adds a run reader (borrowed) as a source. */
void kmerge_add_run(kmerge_t *self, run_reader_t *run);

/* Yields the next record: 1 with *key and *value (borrowed until the next
 * kmerge_next) and, when source is not NULL, the index of its source (in
 * the order added); 0 when every source has ended; or a source's negative
 * code with e set.  The merge trusts each source's order: a run reader
 * checks its own, and an unsorted source yields records out of order. */
int kmerge_next(kmerge_t *self, mr_bytes_t *key, mr_bytes_t *value, size_t *source, err_t *e);

#endif
