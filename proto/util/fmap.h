/*
 * fmap.h - input files mapped read-only, surviving the file shrinking
 * under us.
 *
 * The master cuts chunks out of a mapped input and a local mapper maps the
 * same file to read its chunks.  When the file is truncated meanwhile
 * (logrotate's copytruncate), touching a page past its new end raises
 * SIGBUS, which killed mr-run with no message (exit 135) and mappers again
 * and again.  Those reads happen where no longjmp can go: inside memchr,
 * inside a plugin's map(), inside zmq_send's copy.  So the SIGBUS handler
 * installed here puts zero-filled pages in place of the vanished ones
 * (from the faulting page to the end of the mapping), marks the mapping
 * lost and returns: the read goes on over zeros, and the owner asks
 * fmap_lost after reading and fails the work with "input FILE changed
 * while it was read".  A SIGBUS anywhere else goes to the handler that was
 * there before (cleanup.h's, a sanitizer's) or kills the process as
 * before.
 *
 * Mappings are registered and removed by the thread that reads them (the
 * handler walks the list they are on), and a mapping is never removed
 * while it is read.
 */
#ifndef MR_FMAP_H
#define MR_FMAP_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>

/* Installs the SIGBUS handler, chaining to the one there now (unless that
 * is ours: calling it again after another handler took SIGBUS chains to
 * that one).  Call before any fmap_map, after cleanup_install where there
 * is one. */
void fmap_install(void);

/* Maps size (> 0) bytes of fd read-only and registers them.  Returns the
 * mapping, or NULL with -errno in *code. */
const char *fmap_map(int fd, size_t size, int *code);

/* Whether pages of the mapping at data vanished (the file shrank) since it
 * was mapped; their bytes read as zeros. */
bool fmap_lost(const char *data);

/* Unmaps and forgets the mapping fmap_map returned; accepts NULL. */
void fmap_unmap(const char *data, size_t size);

#endif
