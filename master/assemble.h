/*
 * assemble.h - the job's output from the parts its N reducers wrote: mr-run
 * calls it after every reducer said DONE, with the parts in partition order
 * (<scratch>/part-<i>) and, for --sort, each part's key index
 * (<scratch>/index-<i>, a run file of (key, u64le output bytes of that
 * key), keys ascending: proto/fold/run.h).
 *
 * Without --sort the output is the parts one after another.  With it, each
 * part is sorted but the keys of the partitions interleave: a streaming
 * k-way merge on the index keys copies, for the smallest key, that key's
 * bytes from its part.  No key is parsed out of the output (a reduce may
 * write any lines for a key), and memory stays a buffer per part.
 */
#ifndef MR_ASSEMBLE_H
#define MR_ASSEMBLE_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

/* Told how far the merge is: bytes written of total, every few MB and at
 * the end. */
typedef void (*assemble_progress_fn)(void *arg, uint64_t done, uint64_t total);

/* Writes the n parts (paths), in order, to out_fd at its offset
 * (copy_file_range, else sendfile, else read and write).  0 or -errno with
 * e naming the part, or the output. */
int assemble_concat(const char *const *parts, size_t n, int out_fd, err_t *e);

/* Writes the n sorted parts to out_fd merged in bytewise key order, by
 * their indexes (indexes[i] describes parts[i]).  cb (may be NULL) is
 * called with arg as the bytes go.  Checks that the indexes account for
 * every byte of every part, exactly: -EBADMSG otherwise.  0 or a negative
 * code with e naming the part or index (an index's damage: proto/fold/run.h). */
int assemble_merge(const char *const *parts, const char *const *indexes, size_t n, int out_fd,
                   assemble_progress_fn cb, void *arg, err_t *e);

#endif
