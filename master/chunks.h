/*
 * chunks.h - the master's table of chunks in flight, and the window.
 *
 * Every chunk from the lowest one not yet merged (base) up to the newest cut
 * (next - 1) has an entry: where its bytes are, which mapper holds it, how
 * many attempts failed, when it was sent.  The table holds at most `window`
 * chunks; the master cuts no new chunk while it is full.  That bound is what
 * keeps the master's memory (stdin chunks), the mappers' queues and the
 * reducer's reorder buffer independent of the input size.
 */
#ifndef MR_CHUNKS_H
#define MR_CHUNKS_H

#include "split.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum chunk_state {
    CHUNK_PENDING,  /* cut, waiting for a mapper (new or re-queued) */
    CHUNK_ASSIGNED, /* sent to `mapper`, no answer yet */
    CHUNK_DONE,     /* merged by the reducer: never sent again */
} chunk_state_t;

typedef struct chunk {
    uint64_t index;      /* position in input order, from 0 */
    split_chunk_t src;   /* input, offset and bytes (owned bytes freed on done) */
    chunk_state_t state; /* see chunk_state_t */
    uint32_t mapper;     /* holder while ASSIGNED */
    uint32_t failures;   /* attempts that failed (plugin error or mapper crash) */
    uint32_t sends;      /* times sent, for attempt numbers and statistics */
    uint64_t sent_seq;   /* master-wide send order, to tell a mapper's oldest task */
    double sent_at;      /* monotonic time of the last send */
    bool has_suspect;    /* a failure was pinned to one record */
    uint64_t suspect;    /* that record's offset in the chunk */
    uint32_t lost;       /* times lost with a vanished remote mapper, uncharged */
    uint32_t n_skip;     /* records to skip (--skip-bad) */
    uint64_t *skip;      /* owned, ascending offsets of those records, NULL if none */
    uint64_t merged_by;  /* reducers (bit i: reducer i) that have merged it, by any attempt */
    uint64_t pairs;      /* pairs those reducers' fresh ACKs said they held */
} chunk_t;

typedef struct chunks chunks_t;

/* A table holding at most window chunks; owned by the caller. */
chunks_t *chunks_new(size_t window);

/* Frees the table and the bytes of chunks it still owns; NULLs *self_p. */
void chunks_destroy(chunks_t **self_p);

/* True when no chunk can be added until the lowest one is done. */
bool chunks_full(const chunks_t *self);

/* Adds a new PENDING chunk with the next index, taking ownership of
 * src->owned.  The table must not be full.  Returns the entry, valid until it
 * is done. */
chunk_t *chunks_add(chunks_t *self, const split_chunk_t *src);

/* The entry of index, or NULL when it is done and gone or was never cut. */
chunk_t *chunks_get(chunks_t *self, uint64_t index);

/* The PENDING chunk with the lowest index, or NULL. */
chunk_t *chunks_next_pending(chunks_t *self);

/* Adds offset to c's skip list, keeping it ascending.  Returns false when it
 * is already there. */
bool chunks_skip(chunk_t *c, uint64_t offset);

/* Marks index DONE, frees its owned bytes and slides the window.  Returns
 * false when it was already done or is unknown. */
bool chunks_done(chunks_t *self, uint64_t index);

/* Number of chunks cut so far (the next index). */
uint64_t chunks_cut(const chunks_t *self);

/* Number of chunks not yet done. */
size_t chunks_open(const chunks_t *self);

/* Iterates the open chunks: start with *pos = 0; NULL after the last. */
chunk_t *chunks_iter(chunks_t *self, size_t *pos);

#endif
