/*
 * seen.h - which chunks the reducer has merged, so that a chunk computed
 * twice (a slow mapper and a re-send) is merged exactly once: the first
 * completion wins.
 *
 * A bitmap that slides: everything below `base` (a multiple of 64 at or
 * below the lowest unmarked index) is merged, and only the bits from base
 * up are stored.  The master keeps a bounded window in flight, so
 * the stored part stays small however long the job; an index more than
 * SEEN_MAX_AHEAD past base is refused as hostile rather than allocated for.
 */
#ifndef MR_SEEN_H
#define MR_SEEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SEEN_MAX_AHEAD ((uint64_t)1 << 20)

typedef struct seen seen_t;

/* An empty set, owned by the caller; never NULL. */
seen_t *seen_new(void);

/* Frees the set; accepts NULL; NULLs *self_p. */
void seen_destroy(seen_t **self_p);

/* Marks index.  1 when it is new, 0 when it was already marked, -ERANGE
 * when it is too far ahead of base. */
int seen_add(seen_t *self, uint64_t index);

/* Number of indexes marked. */
uint64_t seen_count(const seen_t *self);

/* Whether every index below n is marked. */
bool seen_all_below(const seen_t *self, uint64_t n);

#endif
