/*
 * split.h - cutting the inputs into chunks on record boundaries.
 *
 * Regular files are mapped into memory and cut in place: a chunk is a
 * pointer into the mapping, sent without copying.  Pipes and stdin are read
 * in a stream and each chunk is copied into a buffer the caller then owns.
 * A compressed file (FILE.gz: decomp.h) is read decompressed, as a stream.
 * A chunk never spans two inputs, ends just after a record terminator (or
 * at the end of an input whose last record lacks one), and is at most
 * chunk_size bytes (see split_set_guided) unless a single record is longer,
 * when it is that record.
 */
#ifndef MR_SPLIT_H
#define MR_SPLIT_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest record accepted from a stream: beyond this a pipe that never sends
 * a terminator would make us buffer without bound. */
#define SPLIT_MAX_RECORD ((size_t)1 << 30)

typedef struct split split_t;

typedef struct split_chunk {
    uint32_t input;   /* index of the input it came from */
    uint64_t offset;  /* byte offset of its first byte within that input */
    const char *data; /* its bytes */
    size_t len;       /* their count, > 0 */
    char *owned;      /* == data when the caller must free() it, else NULL
                           (then data lives until split_destroy) */
} split_chunk_t;

/* Opens every input now, so that a missing or unreadable file fails before
 * any process starts.  "-" is stdin.  names are borrowed until
 * split_destroy.  Returns the splitter (owned) or NULL with e set. */
split_t *split_new(const char *const *names, size_t n_names, size_t chunk_size, char delim,
                   err_t *e);

/* Lets chunks of regular files grow up to max_chunk bytes, sized by how
 * much input is left for workers mappers (guided self-scheduling: large
 * first, chunk_size at the end).  For jobs whose per-chunk cost is high and
 * whose output does not grow with a chunk's size: a combining word count
 * merges, sends and reduces one pair per distinct key per chunk.  Chunks
 * start at chunk_size and grow only as split_guided_feedback says that
 * combining pays.  Streams keep chunk_size. */
void split_set_guided(split_t *self, size_t max_chunk, unsigned workers);

/* How many mappers the guided sizes share what is left among, from now on:
 * the master says so when a remote mapper joins. */
void split_set_workers(split_t *self, unsigned workers);

/* Reports a merged chunk's result: map() emitted `emits` pairs, combined
 * into `pairs`.  Where combining shrank them well, the largest guided
 * chunk doubles (up to max_chunk); where it did not, it falls back to
 * chunk_size.  Ignored when not guided, or when emits is 0 (unknown). */
void split_guided_feedback(split_t *self, uint64_t emits, uint64_t pairs);

/* Produces the next chunk: 1 and *c filled, 0 at the end of all inputs,
 * -EAGAIN (non-blocking mode: a stream has nothing ready yet), -ESTALE when
 * a mapped input changed (split_check), or -errno with e naming the
 * input. */
int split_next(split_t *self, split_chunk_t *c, err_t *e);

/* Checks that every mapped input is still what was mapped: its size and
 * modification time unchanged, no page vanished (the file shrank: fmap.h).
 * 0, or -ESTALE with e saying "input FILE changed while it was read".  The
 * master asks before it declares a job done, when every chunk was read. */
int split_check(const split_t *self, err_t *e);

/* The display name of input i ("-" shows as "stdin"). */
const char *split_input_name(const split_t *self, uint32_t input);

/* The name of input i as the user gave it ("-" for stdin). */
const char *split_input_arg(const split_t *self, uint32_t input);

/* With on, split_next returns -EAGAIN instead of blocking when a stream
 * has no bytes ready, so the master's loop keeps serving signals and
 * messages while it waits for a slow pipe. */
void split_set_nonblocking(split_t *self, bool on);

/* The descriptor to poll for readability after -EAGAIN, or -1. */
int split_wait_fd(const split_t *self);

/* The size of input i when known in advance (a regular file), else
 * UINT64_MAX. */
uint64_t split_input_size(const split_t *self, uint32_t input);

/* Number of inputs. */
size_t split_inputs(const split_t *self);

/* The path of input i when it is a regular file that a local mapper can map
 * itself, else NULL (a pipe, stdin, an empty file). */
const char *split_input_path(const split_t *self, uint32_t input);

/* For an input split_input_path names: "DEV:INO" of the file as opened, into
 * buf (len bytes), which a mapper that opens the path compares with what it
 * opened (a file renamed over the input is another file).  0, or -ENOENT
 * when the input is not a file a mapper opens. */
int split_input_id(const split_t *self, uint32_t input, char *buf, size_t len);

/* Gives back the memory of a mapped chunk whose bytes the master read (to
 * send them to a remote mapper): whole pages only.  A
 * no-op for owned chunks. */
void split_release(split_t *self, const split_chunk_t *c);

/* Unmaps and closes everything; accepts NULL; NULLs *self_p. */
void split_destroy(split_t **self_p);

#endif
