/*
 * group.h - the key-grouped reduce: merge every chunk's pairs by key, then
 * write one result per key.
 *
 * With the plugin's combine, each key holds one value, merged as chunks
 * arrive, so memory grows with the distinct keys only.  Without combine,
 * each key keeps all its values until reduce sees them together.  The
 * plain store (no plugin: --reduce-cmd) keeps each key<TAB>value line,
 * ordered as `LC_ALL=C sort` orders the lines, or by a key comparator
 * first (group_set_order; group_int.h says how): each distinct line once
 * with a count while lines repeat, else appended to an arena and counted
 * when sorted (group_lines.c).
 *
 * Under a memory budget (group_set_budget), a group that holds more than
 * its budget writes what it holds, sorted by key, as a run file
 * (proto/fold/run.h) in its spill directory, and starts afresh.  group_write
 * then merges the runs and what is held in key order (proto/fold/kmerge.h):
 * combine across runs and reduce once per key; without combine, a key's
 * values are gathered across runs for reduce.  docs/architecture.md,
 * "Spilling", says where the memory goes.
 */
#ifndef MR_GROUP_H
#define MR_GROUP_H

#include "err.h"
#include "keycmp.h"
#include "mr.h"
#include "out.h"
#include "run.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct group group_t;

/* With an engine-known sum (MR_COMBINE_SUM_U64), the sums table
 * (counts.h) takes this many keys (a 4 GB slot array; a budget lowers
 * it, group_set_budget); past them all keys move to htab.  It was 2 M:
 * then a 26 M-key count's reducers spent 36 % of their time probing htab
 * (two misses a key, slot then entry) and 18 % walking its entries in
 * slot order at the end.  With the sums table doubling in place (no
 * second array while it grows) it holds 13 M keys in 1 GB, against
 * 1.2 GB in htab, and that count took a third less CPU. */
#define GROUP_MAX_SUMS ((size_t)64 << 20)

/* The smallest budget: an empty group holds about 112 KiB (htab's first
 * slot array and arena block, the sums table's first slots), and a budget
 * near that would spill a run every few keys. */
#define GROUP_MIN_BUDGET ((size_t)256 << 10)

/* Runs a group keeps before it merges them into one: each costs a
 * descriptor and a RUN_BLOCK read buffer in the final merge. */
#define GROUP_MAX_RUNS 64

/* A group using plugin (borrowed; it must have combine or reduce) and its
 * state, or with plugin NULL a plain store of every pair, written back as
 * key<TAB>value lines in `LC_ALL=C sort` order (for --reduce-cmd).  Owned
 * by the caller. */
group_t *group_new(const mr_plugin_t *plugin, void *state);

/* The plain store's order (group_new with plugin NULL): keys in the order
 * of the comparator k (copied; keycmp.h), ties and equal keys' lines
 * bytewise.  Without it, lines reach the command in `LC_ALL=C sort` order.
 * Call before the first group_add. */
void group_set_order(group_t *self, const keycmp_t *k);

/* Frees the group and removes its run files, if any; accepts NULL; NULLs
 * *self_p. */
void group_destroy(group_t **self_p);

/* Bounds what the group holds to about bytes (0: no bound, the default;
 * at least GROUP_MIN_BUDGET), spilling runs named run-N into spill_dir
 * (copied; it must exist and should be private: mr-run makes it).  Call
 * before the first group_add.
 * The bound covers the tables and the values they hold and the array that
 * sorts them for a spill; the merge adds a 64 KiB buffer per run. */
void group_set_budget(group_t *self, size_t bytes, const char *spill_dir);

/* Caps the sums table at keys (group_new's cap is GROUP_MAX_SUMS; a
 * budget sets its own): past them its keys move to htab.  For tests, which
 * reach the move with a few thousand keys.  Call before the first
 * group_add. */
void group_set_max_sums(group_t *self, size_t keys);

/* Lines the plain store deduplicates before it decides whether that pays,
 * as the mapper's COLLECT_SAMPLE (group_lines.c). */
#define GROUP_LINE_SAMPLE 16384

/* The plain store deduplicates its first lines lines (GROUP_LINE_SAMPLE)
 * and keeps deduplicating only when fewer than 9 in 10 were distinct;
 * 0: never.  For tests, which reach the arena with a few lines.  Call
 * before the first group_add. */
void group_set_line_sample(group_t *self, size_t lines);

/* Merges one pair.  0, or a negative code when combine failed (returned
 * non-zero, emitted no value or several, or one over the cap) or a spill
 * failed (e names the run file: ENOSPC, EACCES); e says how. */
int group_add(group_t *self, mr_bytes_t key, mr_bytes_t value, err_t *e);

/* Writes the result of every key to out, in bytewise key order when sort
 * (or when runs were spilled, or index is given): reduce's pairs, or
 * key<TAB>value without reduce.  The plain store writes its lines in its
 * order always (group_set_order), each as many times as it came.  With index (a run writer, borrowed; the
 * caller closes it), adds one record per key: (key, u64 little-endian
 * count of the output bytes that key produced).  Once: it merges the
 * values of a key that came in two sizes as it writes, and reads back and
 * removes its runs.  Without combine, a key whose gathered values pass
 * the budget fails with -E2BIG naming the key. */
int group_write(group_t *self, bool sort, out_t *out, run_writer_t *index, err_t *e);

/* Distinct keys held now (a key whose values came in two sizes under an
 * engine-known sum counts twice until group_write). */
size_t group_keys(const group_t *self);

/* Distinct keys group_write wrote (0 before it). */
uint64_t group_keys_written(const group_t *self);

/* Bytes held now, as the budget counts them. */
size_t group_bytes(const group_t *self);

/* Runs spilled so far (a merge of runs that keeps their number under
 * GROUP_MAX_RUNS does not count). */
uint64_t group_runs(const group_t *self);

/* Bytes written to run files so far, merges of runs included. */
uint64_t group_spilled_bytes(const group_t *self);

/* Seconds spent merging runs: group_write's merge, and the merges that
 * keep the runs under GROUP_MAX_RUNS. */
double group_merge_seconds(const group_t *self);

#endif
