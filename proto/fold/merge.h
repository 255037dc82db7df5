/*
 * merge.h - merging one more value into a key's value with a plugin's
 * combine: the step the mapper's per-chunk combiner and the reducer's key
 * groups share.
 *
 * For an engine-known combine_kind (MR_COMBINE_SUM_U64) the merge is done
 * in place, without calling the plugin; otherwise combine is called with an
 * emitter that captures the one value it must emit.
 */
#ifndef MR_MERGE_H
#define MR_MERGE_H

#include "buf.h"
#include "err.h"
#include "htab.h"
#include "le64.h"
#include "mr.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Merged values up to this size are captured without touching the heap:
 * a word count's 8-byte counts, most sums and maxima. */
#define MERGE_SMALL_VALUE 64

typedef struct merge {
    mr_emitter_t base;             /* must be first: combine calls base.emit */
    const mr_plugin_t *plugin;     /* borrowed; has combine */
    void *state;                   /* borrowed plugin state */
    buf_t big;                     /* owned: the value emitted, when larger than small */
    char small[MERGE_SMALL_VALUE]; /* the value emitted, when it fits */
    const char *data;              /* where the emitted value is: small or big.data */
    size_t len;                    /* its length */
    unsigned n_emits;              /* how many times combine emitted */
    bool too_big;                  /* an emitted value did not fit under the cap */
    uint32_t kind;                 /* the plugin's combine_kind (plugin_combine_kind) */
} merge_t;

/* Prepares m for plugin (borrowed, with combine) and its state; values
 * may grow to max_value bytes.  merge_fini releases it. */
void merge_init(merge_t *m, const mr_plugin_t *plugin, void *state, size_t max_value);
void merge_fini(merge_t *m);

/* The general case of merge_into: calls the plugin's combine. */
int merge__combine(merge_t *m, htab_entry_t *entry, mr_bytes_t value, err_t *e);

/* Merges value into the value of entry.  0, or a negative code with e
 * saying what the plugin did wrong (returned non-zero, emitted no value or
 * several).  Inline, because it runs once per emitted pair: the sum of
 * counts must not cost a call. */
static inline int merge_into(merge_t *m, htab_entry_t *entry, mr_bytes_t value, err_t *e)
{
    if (m->kind == MR_COMBINE_SUM_U64 && value.len == 8 && entry->value_len == 8) {
        uint64_t a;
        uint64_t b;
        memcpy(&a, entry->value, 8);
        memcpy(&b, value.ptr, 8);
        a = le64(le64(a) + le64(b));
        memcpy(entry->value, &a, 8);
        return 0;
    }
    return merge__combine(m, entry, value, e);
}

#endif
