/*
 * stream_fold.h - mr-stream's per-key merging with the plugin's combine():
 * the emitter combine() writes its one merged value to, the merge of two
 * values of a key, and the table that folds the map and combine stages'
 * pairs per key and writes them, in order of first sight, as intermediate
 * lines (stream_io.h) when it is full or the input ends.  The table is
 * flushed early when it holds 64 MiB or 1M keys, so memory stays bounded.
 * One process, one thread: there is no transport.
 */
#ifndef MR_STREAM_FOLD_H
#define MR_STREAM_FOLD_H

#include "buf.h"
#include "err.h"
#include "htab.h"
#include "mr.h"
#include "stream_io.h"

#include <stdbool.h>
#include <stddef.h>

/* The largest merged value, and the most bytes of values one key may hold
 * for reduce() when the plugin has no combine. */
#define STREAM_FOLD_VALUE_MAX ((size_t)1 << 30)

/* The emitter combine() writes to: it captures the one merged value.
 * Caller-owned; init/fini bracket it. */
typedef struct stream_fold_capture {
    mr_emitter_t base; /* must be first */
    buf_t value;       /* owned; the value emitted last */
    unsigned n_emits;  /* emits since the combine call began */
    bool too_big;      /* an emitted value passed STREAM_FOLD_VALUE_MAX */
} stream_fold_capture_t;

/* Per-key merging for map and combine, flushed in first-appearance order.
 * Caller-owned; init/fini bracket it. */
typedef struct stream_fold_table {
    mr_emitter_t base;              /* must be first: map() emits into the table */
    htab_t *tab;                    /* owned; key -> merged value */
    htab_entry_t **order;           /* owned array; entries in order of first sight */
    size_t n_order;                 /* entries in order */
    size_t order_cap;               /* room in order */
    size_t bytes;                   /* memory charged to the entries */
    const mr_plugin_t *p;           /* borrowed plugin */
    void *state;                    /* borrowed plugin state */
    stream_fold_capture_t *capture; /* borrowed; combine's emitter */
    stream_io_writer_t *writer;     /* borrowed */
    err_t err;                      /* the first combine failure */
} stream_fold_table_t;

/* Makes c an empty capture whose value may grow to STREAM_FOLD_VALUE_MAX. */
void stream_fold_capture_init(stream_fold_capture_t *c);

void stream_fold_capture_fini(stream_fold_capture_t *c);

/* Merges a and b, two values of key, with the plugin's combine; the result
 * is left in capture->value.  0 or a negative code with e set. */
int stream_fold_combine(const mr_plugin_t *p, void *state, stream_fold_capture_t *capture,
                        mr_bytes_t key, mr_bytes_t a, mr_bytes_t b, err_t *e);

/* Makes t an empty table merging with p's combine (p and state borrowed),
 * capture as combine's emitter, and writing to writer (borrowed). */
void stream_fold_table_init(stream_fold_table_t *t, const mr_plugin_t *p, void *state,
                            stream_fold_capture_t *capture, stream_io_writer_t *writer);

void stream_fold_table_fini(stream_fold_table_t *t);

/* Writes every entry as an intermediate line, in order of first sight, and
 * empties the table.  0 or the writer's error. */
int stream_fold_table_flush(stream_fold_table_t *t);

/* Merges one pair into the table, flushing it when full.  0, or a negative
 * code with the reason in t->err (combine) or the writer's err (output). */
int stream_fold_table_add(stream_fold_table_t *t, const void *key, size_t key_len,
                          const void *value, size_t value_len);

#endif
