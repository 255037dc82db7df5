/*
 * collect.h - what a mapper does with the pairs a plugin emits for a chunk.
 *
 * Without a combiner, each pair is appended to the chunk's RESULT payload as
 * it is emitted: no pair is stored twice.  With a combiner (a key-grouped
 * job whose reducer plugin has combine), pairs go into a hash table where
 * values of one key are merged at once, and the payload is written from the
 * table when the chunk ends: one pair per distinct key of the chunk.
 */
#ifndef MR_COLLECT_H
#define MR_COLLECT_H

#include "buf.h"
#include "err.h"
#include "keycmp.h"
#include "mr.h"

#include <stdbool.h>
#include <stdint.h>

/* A combining chunk's first this many emits are its sample: when 9 in 10
 * of them are distinct keys, the rest of the chunk is not combined (each
 * pair goes out as emitted), since combining would not shrink it. */
#define COLLECT_SAMPLE 16384

typedef struct collect collect_t;

/* A collector whose payload may grow to max_bytes.  combiner is the plugin
 * whose combine merges values (NULL: no combining) and combiner_state its
 * state; both borrowed.  Returns an owned collector. */
collect_t *collect_new(const mr_plugin_t *combiner, void *combiner_state, size_t max_bytes);

/* Frees the collector and its payload; accepts NULL; NULLs *self_p. */
void collect_destroy(collect_t **self_p);

/* Starts a chunk, forgetting the previous one. */
void collect_begin(collect_t *self);

/* A collector for --ordered and --unordered jobs: each pair is written at
 * once as its finished output line (key<TAB>value, or value, then term:
 * '\n', or '\0' with -0), so the reducer only has to write the chunk's
 * bytes.  Owned by the caller. */
collect_t *collect_new_lines(size_t max_bytes, char term);

/* Lines mode: starts a chunk whose lines are written straight into mem
 * (cap bytes, borrowed until the next collect_begin: a mapper's result
 * slot, shring.h), so that they are not copied there afterwards.  Lines
 * that outgrow it move to the collector's own payload (see
 * collect_in_place). */
void collect_begin_into(collect_t *self, char *mem, size_t cap);

/* After collect_finish: whether the chunk's lines are still where
 * collect_begin_into put them (the payload's data is that memory). */
bool collect_in_place(const collect_t *self);

/* Whether the payload holds lines (collect_new_lines) rather than pairs. */
bool collect_is_lines(const collect_t *self);

/* Output lines in the current chunk (lines mode). */
uint64_t collect_lines(const collect_t *self);

/* Pairs emitted in the current chunk, before combining: with the pairs a
 * result holds, how well combining works (the master sizes chunks by it). */
uint64_t collect_emits(const collect_t *self);

/* The emitter to hand to map(); valid until collect_destroy. */
mr_emitter_t *collect_emitter(collect_t *self);

/* The first error an emit or a combine hit in this chunk (0 if none), with
 * its description in e. */
int collect_error(const collect_t *self, err_t *e);

/* Ends the chunk: returns its encoded payload, borrowed until the next
 * collect_begin.  0 or a negative code (-EMSGSIZE: output over the cap).
 * With partitions, *payload is partition 0's; see collect_part. */
int collect_finish(collect_t *self, const buf_t **payload, err_t *e);

/* Splits the pairs of every later chunk into n payloads, one per reducer,
 * by partition_of (partition.h), each with the cap of one result.  n 1 (the
 * default) is no split; lines mode ignores it.  Call between chunks. */
void collect_set_partitions(collect_t *self, uint32_t n);

/* Partitions by the key fields k selects (copied; keycmp_partition), as
 * KeyFieldBasedPartitioner does; k without specs: the whole key, the
 * default.  Call between chunks. */
void collect_set_partition_fields(collect_t *self, const keycmp_t *k);

/* The partitions pairs are split into (1: none). */
uint32_t collect_partitions(const collect_t *self);

/* Partition i's payload after collect_finish (even an empty one is a valid
 * pairs payload), borrowed until the next collect_begin. */
const buf_t *collect_part(const collect_t *self, uint32_t i);

/* Pairs in partition i's payload. */
uint64_t collect_part_pairs(const collect_t *self, uint32_t i);

#endif
