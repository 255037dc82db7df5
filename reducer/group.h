/*
 * group.h - the key-grouped reduce: merge every chunk's pairs by key, then
 * write one result per key.
 *
 * With the plugin's combine, each key holds one value, merged as chunks
 * arrive, so memory grows with the distinct keys only.  Without combine,
 * each key keeps all its values until reduce sees them together.
 */
#ifndef MR_GROUP_H
#define MR_GROUP_H

#include "err.h"
#include "mr.h"
#include "out.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct group group_t;

/* With an engine-known sum (MR_COMBINE_SUM_U64), the sums table
 * (counts.h) takes this many keys (a 128 MB slot array); past them
 * all keys move to htab.  Growing a 32-byte slot array further costs more
 * than it saves: 11 M distinct 8-letter words took 1.6 GB and 5 s of page
 * clearing in the sums table alone, against 1.26 GB in htab. */
#define GROUP_MAX_SUMS ((size_t)2 << 20)

/* A group using plugin (borrowed; it must have combine or reduce) and its
 * state, or with plugin NULL a plain store of every pair, written back as
 * key<TAB>value lines (for --reduce-cmd).  Owned by the caller. */
group_t *group_new(const mr_plugin_t *plugin, void *state);

void group_destroy(group_t **self_p);

/* Merges one pair.  0, or a negative code when combine failed (returned
 * non-zero, emitted no value or several, or one over the cap); e says
 * how. */
int group_add(group_t *self, mr_bytes_t key, mr_bytes_t value, err_t *e);

/* Writes the result of every key to out, in bytewise key order when sort:
 * reduce's pairs, or key<TAB>value without reduce.  Once: it merges the
 * values of a key that came in two sizes as it writes. */
int group_write(group_t *self, bool sort, out_t *out, err_t *e);

/* Distinct keys held (a key whose values came in two sizes under an
 * engine-known sum counts twice until group_write). */
size_t group_keys(const group_t *self);

#endif
