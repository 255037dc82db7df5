/*
 * scratch.h - a key-grouped job's private scratch directory.
 *
 * mr-run makes one directory per job under --tmpdir (default $TMPDIR, else
 * /tmp), `mr-<pid>-XXXXXX`, mode 0700, before any process starts, so that an
 * unwritable or missing --tmpdir fails the job at once, naming the path.  It
 * holds what is too big for memory or belongs to one reducer:
 *
 *     part-<i>   reducer i's part of the output (-R N, N > 1); the
 *                assembly (master/assemble.h) builds -o from them
 *     index-<i>  with --sort: reducer i's key index (a run file, proto/fold/run.h)
 *     r<i>/      reducer i's spill directory (--spill-dir): its runs
 *
 * The directory is registered with proto/util/cleanup.h (which empties one level
 * of subdirectories), so it is removed on success, on failure, and when
 * mr-run dies of a signal.
 */
#ifndef MR_SCRATCH_H
#define MR_SCRATCH_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct scratch scratch_t;

/* The directory --tmpdir names by default: $TMPDIR, else /tmp.  Static or
 * environment storage. */
const char *scratch_default_tmpdir(void);

/* Makes the scratch directory under tmpdir with a spill directory for each
 * of n_reducers and, when parts is true, an empty part-<i> file for each (a
 * reducer opens its part without creating it, like -o's temporary file).
 * Returns an owned scratch, or NULL with e naming the path. */
scratch_t *scratch_new(const char *tmpdir, uint32_t n_reducers, bool parts, err_t *e);

/* Removes the directory and everything in it; accepts NULL; NULLs *self_p. */
void scratch_destroy(scratch_t **self_p);

/* The directory's path, borrowed until scratch_destroy. */
const char *scratch_dir(const scratch_t *self);

/* Reducer i's part, index and spill directory, borrowed until
 * scratch_destroy. */
const char *scratch_part(const scratch_t *self, uint32_t i);
const char *scratch_index(const scratch_t *self, uint32_t i);
const char *scratch_spill_dir(const scratch_t *self, uint32_t i);

/* Every part's and index's path, in partition order (n_reducers of each),
 * for master/assemble.h; borrowed until scratch_destroy. */
const char *const *scratch_parts(const scratch_t *self);
const char *const *scratch_indexes(const scratch_t *self);

#endif
