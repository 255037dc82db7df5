/*
 * progress.h - a mapper's live progress, shared with the master through a
 * small memory-mapped file in the job's runtime directory.
 *
 * The mapper stores, before every map() call, the chunk it is mapping and
 * the record's offset in it, and bumps a call counter.  These are plain
 * stores to memory (a few nanoseconds), so they cost nothing next to map().
 * The master reads them when it needs them:
 *   - when the mapper dies, to name the exact record it died on (so a
 *     poison record is found without bisection, and only the chunk being
 *     mapped is charged, not the one merely queued behind it);
 *   - every tick, to see whether map() is stuck on one record longer than
 *     --task-timeout (ZeroMQ heartbeats cannot tell: libzmq's I/O thread
 *     answers them while user code spins);
 *   - when the mapper dies, which FAIL it sent last, in case that message
 *     died with it;
 *   - for the progress line, the map command's last reporter:status.
 */
#ifndef MR_PROGRESS_H
#define MR_PROGRESS_H

#include "err.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of a status kept in a slot (a longer one is cut). */
#define PROGRESS_STATUS_MAX 63

typedef struct progress_slot {
    _Atomic uint64_t calls;  /* map() calls started, ever */
    _Atomic uint64_t chunk;  /* chunk being mapped, valid while busy */
    _Atomic uint64_t offset; /* offset of the record in that chunk */
    _Atomic uint32_t busy;   /* 1 while a chunk is being mapped */
    /* The last FAIL the mapper sent: if it dies right after, the message
     * may die with it in its socket's queue, and the master charges the
     * attempt from here instead (only if it is still unanswered). */
    _Atomic uint64_t failed_chunk;   /* its chunk, valid once failed is 1 */
    _Atomic uint64_t failed_offset;  /* its record offset, or PROTO_OFFSET_NONE */
    _Atomic uint32_t failed_attempt; /* its attempt */
    _Atomic uint32_t failed;         /* 1 once a FAIL was sent */
    /* The map command's last reporter:status (reporter.h): a seqlock, odd
     * while the text is written, so the master never shows half of one. */
    _Atomic uint32_t status_seq;                  /* bumped before and after a write */
    _Atomic uint64_t status_at;                   /* when it was set (monotonic ns), 0: never */
    _Atomic char status[PROGRESS_STATUS_MAX + 1]; /* NUL-terminated */
} progress_slot_t;

/* Mapper: counts one more map() call.  The mapper is the slot's only
 * writer, so a load and a release store do: an atomic read-modify-write
 * (a locked add on x86) per record was 6 % of an ordered upper-case job's
 * CPU and more of a 10 M-record one (docs/performance.md, issue 14). */
static inline void progress_tick(progress_slot_t *slot)
{
    uint64_t n = atomic_load_explicit(&slot->calls, memory_order_relaxed);
    atomic_store_explicit(&slot->calls, n + 1, memory_order_release);
}

typedef struct progress progress_t;

/* Creates (master) or attaches to (mapper) the slot file at path.  Returns
 * an owned handle or NULL with e set. */
progress_t *progress_open(const char *path, bool create, err_t *e);

/* Unmaps and closes; the master also removes the file.  Accepts NULL;
 * NULLs *self_p. */
void progress_destroy(progress_t **self_p);

/* The shared slot, valid until progress_destroy. */
progress_slot_t *progress_slot(progress_t *self);

/* Mapper: publishes text as the slot's status, cut to PROGRESS_STATUS_MAX
 * bytes. */
void progress_set_status(progress_slot_t *slot, const char *text);

/* Master: copies the slot's status into buf (len bytes, NUL-terminated)
 * and returns when it was set, or 0 (buf "") when there is none or it is
 * being written right now. */
uint64_t progress_status(progress_slot_t *slot, char *buf, size_t len);

#endif
