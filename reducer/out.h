/*
 * out.h - the job's output file, written by the reducer through one large
 * buffer.  Every error names the path; close flushes, fsyncs a regular file
 * (so the rename that follows publishes complete data) and reports the
 * write errors that only show up then (ENOSPC on NFS, EIO).
 */
#ifndef MR_OUT_H
#define MR_OUT_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct out out_t;

/* Opens path, which must exist (mr-run made it: afile_write_path), for
 * writing, truncating it; "-" is stdout, and /dev/fd/N a duplicate of
 * descriptor N (afile_alias), neither reopened.  Returns the writer (owned)
 * or NULL with e set (-ENOENT for a missing file). */
out_t *out_open(const char *path, err_t *e);

/* A writer on fd, which it takes over (closed by out_close); name is for
 * messages.  Never NULL. */
out_t *out_open_fd(int fd, const char *name);

/* The descriptor being written (borrowed), after flushing what is
 * buffered; -1 on a write error. */
int out_flush_fd(out_t *self, err_t *e);

/* Ends every line out_line writes with term from now on: '\n' (the
 * default), or '\0' for -0 output. */
void out_set_terminator(out_t *self, char term);

/* Writes one line: key TAB value NL, or value NL when the key is empty
 * (NUL instead of NL after out_set_terminator). */
int out_line(out_t *self, const void *key, size_t key_len, const void *value, size_t value_len,
             err_t *e);

/* With on, out_line writes the TAB for an empty key too (`<TAB>value`):
 * Hadoop Streaming's form between map and reduce, which a --reduce-cmd
 * reads.  Without it `value` alone would reach the command as a key with
 * an empty value (a line without a TAB is all key). */
void out_set_always_tab(out_t *self, bool on);

/* Writes len bytes holding n_lines finished lines. */
int out_write(out_t *self, const void *data, size_t len, uint64_t n_lines, err_t *e);

/* Lines written so far. */
uint64_t out_lines(const out_t *self);

/* Bytes written so far, buffered ones included. */
uint64_t out_bytes(const out_t *self);

/* Flushes, fsyncs and closes; 0 or -errno with e set.  Frees the writer
 * either way and NULLs *self_p; accepts NULL. */
int out_close(out_t **self_p, err_t *e);

#endif
