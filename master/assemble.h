/*
 * assemble.h - builds a multi-reducer job's output from the reducers' parts
 * (mr-run -R N, N > 1; master/scratch.h says where the parts are).
 *
 * NOTE (branch partition): a local stand-in until the spill branch's
 * assemble.{c,h} lands with the same signatures; assemble_concat is real,
 * assemble_merge is a STUB that merges the parts' lines by their key (the
 * bytes before the first tab), ignoring the indexes.
 */
#ifndef MR_ASSEMBLE_H
#define MR_ASSEMBLE_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

/* Called now and then during a merge with the bytes written so far and the
 * bytes of all parts. */
typedef void (*assemble_progress_fn)(void *arg, uint64_t done, uint64_t total);

/* Appends the parts to out_fd whole, in partition order (copy_file_range,
 * with a read/write fallback for pipes and other file systems).  0 or a
 * negative code with e naming the part or the output (-EPIPE when the
 * reader of out_fd went away). */
int assemble_concat(const char *const *parts, size_t n, int out_fd, err_t *e);

/* Writes the parts to out_fd in bytewise key order: each part is sorted
 * (--sort) and the index of part i says, key by key, how many of its bytes
 * that key produced.  Ties (none: a key lives in one partition) go in
 * partition order.  0 or a negative code with e naming the path. */
int assemble_merge(const char *const *parts, const char *const *indexes, size_t n, int out_fd,
                   assemble_progress_fn cb, void *arg, err_t *e);

#endif
