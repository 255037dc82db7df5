/*
 * run.h - a sorted run file: (key, value) records in nondecreasing bytewise
 * key order, written once and read back once.  The reducer spills its key
 * groups as runs when they pass its memory budget (reducer/group.c), and a
 * reducer of a multi-reducer --sort job writes its key index as one (key,
 * u64le bytes of output) per key, which master/assemble.c merges.
 *
 * A run is checked when it is read: a spill file truncated by a full disk
 * or changed underneath us must fail the job, never yield wrong output.
 * The format (all integers little-endian):
 *
 *   header  "MRRUN\0" u16 version (1)                                 8 bytes
 *   block   u32 len (1..RUN_MAX_BLOCK)  u32 records  u32 crc  payload
 *             payload: records, each u32 key_len u32 value_len key value
 *             crc: zlib's crc32 of len, records and the payload
 *   ...     more blocks
 *   footer  u32 0  u64 records in the whole run  u32 crc32 of those 12 bytes
 *
 * A block holds about RUN_BLOCK bytes of records; one bigger record gets a
 * block of its own.  A length of 0 marks the footer, which must be followed
 * by the end of the file.  The reader names the path and the byte offset in
 * every error: a truncated file, a CRC mismatch, a length over the cap or past its block, keys out of order, a
 * missing footer, a record count that does not match, bytes after the
 * footer.
 */
#ifndef MR_RUN_H
#define MR_RUN_H

#include "err.h"
#include "le64.h"
#include "mr.h"

#include <stdint.h>
#include <string.h>

/* What a writer buffers before it writes a block: large enough that a
 * block costs one write and one read, small enough that a merge of 64
 * runs holds 4 MB of read buffers. */
#define RUN_BLOCK (64u * 1024)

/* The largest block (and so the largest record) a run holds: a reader
 * rejects a longer length before it allocates. */
#define RUN_MAX_BLOCK ((size_t)1 << 31)

typedef struct run_writer run_writer_t;
typedef struct run_reader run_reader_t;

/* Creates the run file path (O_EXCL, mode 0600: it must not exist).
 * Returns the writer (owned) or NULL with e naming the path. */
run_writer_t *run_writer_new(const char *path, err_t *e);

/* Appends one record.  Keys must come in nondecreasing bytewise order
 * (-EINVAL otherwise); a record over RUN_MAX_BLOCK is -EMSGSIZE; a write
 * error is its -errno.  e names the path. */
int run_writer_add(run_writer_t *self, mr_bytes_t key, mr_bytes_t value, err_t *e);

/* Flushes the last block and writes the footer, then closes the file.  0
 * or -errno with e naming the path (ENOSPC and EIO often show up only
 * here).  Frees the writer either way and NULLs *self_p; the file stays
 * (the caller removes it after a failure).  Accepts NULL. */
int run_writer_close(run_writer_t **self_p, err_t *e);

/* Closes without a footer and removes the file: the run is abandoned.
 * Accepts NULL; NULLs *self_p. */
void run_writer_destroy(run_writer_t **self_p);

/* Bytes of the run so far, the block being filled included (the footer's
 * 16 bytes not). */
uint64_t run_writer_bytes(const run_writer_t *self);

/* Records added so far. */
uint64_t run_writer_records(const run_writer_t *self);

/* Opens the run at path and checks its header.  Returns the reader (owned)
 * or NULL with e naming the path. */
run_reader_t *run_reader_new(const char *path, err_t *e);

/* Reads the next record: 1 with *key and *value set (borrowed until the
 * next call or run_reader_destroy), 0 at the end of a complete run, or a
 * negative code (-EBADMSG for a damaged run, -EMSGSIZE for a length over
 * the cap, -errno for a read error) with e naming the path and the byte
 * offset.  After an error or the end it keeps returning the same. */
int run_reader_next(run_reader_t *self, mr_bytes_t *key, mr_bytes_t *value, err_t *e);

/* The path being read (borrowed until run_reader_destroy). */
const char *run_reader_path(const run_reader_t *self);

/* Closes and frees; accepts NULL; NULLs *self_p.  The file stays. */
void run_reader_destroy(run_reader_t **self_p);

/* Bytewise order of two keys, as memcmp then length: <0, 0 or >0. */
int run_key_cmp(mr_bytes_t a, mr_bytes_t b);

/* The first 8 bytes of a key (zero-padded) as a number that orders as
 * run_key_cmp does whenever two numbers differ: sorts and merges decide
 * most comparisons with it, without a memcmp call.  When they are equal,
 * keys of at most 8 bytes order by length, longer ones by run_key_cmp. */
static inline uint64_t run_key_prefix(const void *key, size_t len)
{
    uint64_t v = 0;
    if (len)
        memcpy(&v, key, len < 8 ? len : 8);
    return __builtin_bswap64(le64(v));
}

#endif
