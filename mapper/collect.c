/*
 * collect.c - per-chunk pair collection with an optional combiner.
 * See collect.h.
 */
#include "collect.h"

#include "counts.h"
#include "htab.h"
#include "le64.h"
#include "line.h"
#include "mem.h"
#include "merge.h"
#include "partition.h"
#include "plugin_counter.h"
#include "plugin_fail.h"
#include "proto_pairs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct collect {
    mr_emitter_t base;    /* must be first: map calls base.emit */
    bool combining;       /* values of a key are merged (a combiner was given) */
    htab_t *table;        /* owned; per-chunk combined values */
    counts_t *counts;     /* owned; per-chunk sums of short keys, when combine is a sum */
    buf_t payload;        /* owned; the RESULT payload (partition 0's with partitions) */
    buf_t place;          /* lines mode: collect_begin_into's memory (borrowed), cap its size */
    buf_t *out;           /* lines mode: where lines go, &payload or &place */
    uint64_t n_pairs;     /* pairs (or lines) in payload, or in all parts */
    uint32_t n_parts;     /* reducers the pairs are split for (partition.h); 1: no split */
    buf_t *parts;         /* owned; partitions 1..n_parts-1's payloads, NULL when n_parts 1 */
    uint64_t *part_pairs; /* owned; pairs in each partition's payload, NULL when n_parts 1 */
    keycmp_t fields;      /* the key fields partitions hash (no specs: the whole key) */
    size_t max_bytes;     /* the cap on one payload */
    uint64_t n_emits;     /* pairs emitted in this chunk, before combining */
    bool plain;           /* this chunk stopped combining: its sample did not combine */
    bool lines;           /* payload holds output lines, not pairs */
    char term;            /* lines mode: what ends a line ('\n', or '\0' with -0) */
    merge_t merge;        /* the combiner's merge step, when combining */
    err_t merge_err;      /* what a failed merge said */
    int error;            /* first failure in this chunk, 0 if none */
    char error_text[400]; /* its description (a combine failure quotes mr_fail) */
};

static int s_set_error(collect_t *self, int code, const char *text)
{
    if (!self->error) {
        self->error = code;
        snprintf(self->error_text, sizeof self->error_text, "%.390s", text);
    }
    return code;
}

/* Partition i's payload. */
static buf_t *s_part(collect_t *self, uint32_t i)
{
    return i == 0 ? &self->payload : &self->parts[i - 1];
}

static int s_emit_plain(collect_t *self, const void *key, size_t key_len, const void *value,
                        size_t value_len)
{
    uint32_t p = self->n_parts <= 1 ? 0
                 : self->fields.n   ? keycmp_partition(&self->fields, key, key_len, self->n_parts)
                                    : partition_of(key, key_len, self->n_parts);
    int rc = proto_pairs_add(s_part(self, p), key, key_len, value, value_len);
    if (rc < 0)
        return s_set_error(self, rc, "the chunk's output is larger than the cap on one result");
    self->n_pairs++;
    if (self->part_pairs)
        self->part_pairs[p]++;
    return 0;
}

/* Runs once per emitted pair of a word count: kept inline, and the error
 * record is only written when something fails. */
static inline int s_emit_combined(collect_t *self, const void *key, size_t key_len,
                                  const void *value, size_t value_len)
{
    bool added = false;
    htab_entry_t *e = htab_upsert(self->table, key, key_len, &added);
    if (added) {
        htab_value_set(e, value, value_len);
        return 0;
    }
    mr_bytes_t more = { value, value_len };
    if (merge_into(&self->merge, e, more, &self->merge_err) < 0)
        return s_set_error(self, self->merge_err.code, self->merge_err.text);
    return 0;
}

/* Lines mode: the finished line (line.h), with one reservation. */
static int s_emit_line(collect_t *self, const void *key, size_t key_len, const void *value,
                       size_t value_len)
{
    /* Made here, not kept in self: the compiler then sees the one-byte
     * TAB and no kept separator, and line_write is the plain copies. */
    const line_form_t form = line_form_tab(self->term, false);
    buf_t *b = self->out;
    size_t need = line_len(&form, key_len, value_len);
    /* The room is checked here first: a call to buf_reserve per record
     * was 4 % of a 10 M-record job. */
    if (need > b->cap - b->len) {
        if (b == &self->place) {
            /* Outgrew the borrowed memory (never grown: not ours): on. */
            buf_reset(&self->payload);
            if (buf_append(&self->payload, b->data, b->len) < 0)
                return s_set_error(self, -EMSGSIZE,
                                   "the chunk's output is larger than the cap "
                                   "on one result");
            b = self->out = &self->payload;
        }
        if (buf_reserve(b, need) < 0)
            return s_set_error(self, -EMSGSIZE,
                               "the chunk's output is larger than the cap on one "
                               "result");
    }
    b->len =
        (size_t)(line_write(b->data + b->len, &form, key, key_len, value, value_len) - b->data);
    self->n_pairs++;
    return 0;
}

/* After the first COLLECT_SAMPLE emits of a chunk: when at least 9 in 10
 * were distinct keys, the rest of the chunk is sent as emitted.  Combining
 * them would cost a miss in a table of the chunk's keys for each pair
 * (most of a mapper's time on a 26 M-key count) and save the reducers
 * almost nothing: they combine every pair anyway, so a key that now
 * leaves the chunk in two pairs (one from the table, one plain) is still
 * counted once.  On the 60 M-line count with 26 M keys the job took 13 s
 * of CPU instead of 18 s (docs/performance.md); the KJV's chunks, with a
 * few thousand words, keep combining. */
static void s_sample(collect_t *self)
{
    size_t distinct = htab_count(self->table) + (self->counts ? counts_count(self->counts) : 0);
    self->plain = distinct * 10 >= (size_t)COLLECT_SAMPLE * 9;
}

static int s_emit(mr_emitter_t *base, const void *key, size_t key_len, const void *value,
                  size_t value_len)
{
    collect_t *self = (collect_t *)base;
    if (self->error)
        return self->error;
    self->n_emits++;
    if (self->lines)
        return s_emit_line(self, key, key_len, value, value_len);
    if (__builtin_expect(self->n_emits == COLLECT_SAMPLE + 1, 0) && self->combining)
        s_sample(self);
    if (self->plain)
        return s_emit_plain(self, key, key_len, value, value_len);
    if (self->counts && counts_fits(key_len, value_len)) {
        counts_add_le(self->counts, key, key_len, value); /* no cap: never false */
        return 0;
    }
    if (self->combining)
        return s_emit_combined(self, key, key_len, value, value_len);
    return s_emit_plain(self, key, key_len, value, value_len);
}

collect_t *collect_new(const mr_plugin_t *combiner, void *combiner_state, size_t max_bytes)
{
    collect_t *self = mem_calloc(1, sizeof *self);
    self->base.emit = s_emit;
    self->base.failure = plugin_fail_note;
    self->base.counter = plugin_counter_note;
    if (combiner && combiner->combine) {
        self->combining = true;
        merge_init(&self->merge, combiner, combiner_state, max_bytes);
        self->table = htab_new();
        /* A sum of 8-byte counts needs no call to combine: short keys go
         * to the one-cache-line table (counts.h), the rest to htab. */
        if (self->merge.kind == MR_COMBINE_SUM_U64)
            self->counts = counts_new();
    }
    buf_init(&self->payload, max_bytes);
    self->out = &self->payload;
    self->max_bytes = max_bytes;
    self->n_parts = 1;
    return self;
}

void collect_set_partitions(collect_t *self, uint32_t n)
{
    for (uint32_t i = 1; i < self->n_parts; i++)
        buf_fini(&self->parts[i - 1]);
    free(self->parts);
    free(self->part_pairs);
    self->parts = NULL;
    self->part_pairs = NULL;
    self->n_parts = n > 1 && !self->lines ? n : 1;
    if (self->n_parts == 1)
        return;
    self->parts = mem_calloc(self->n_parts - 1, sizeof *self->parts);
    self->part_pairs = mem_calloc(self->n_parts, sizeof *self->part_pairs);
    for (uint32_t i = 1; i < self->n_parts; i++)
        buf_init(&self->parts[i - 1], self->max_bytes);
}

void collect_set_partition_fields(collect_t *self, const keycmp_t *k)
{
    self->fields = *k;
}

uint32_t collect_partitions(const collect_t *self)
{
    return self->n_parts;
}

const buf_t *collect_part(const collect_t *self, uint32_t i)
{
    return i == 0 ? &self->payload : &self->parts[i - 1];
}

uint64_t collect_part_pairs(const collect_t *self, uint32_t i)
{
    return self->part_pairs ? self->part_pairs[i] : self->n_pairs;
}

collect_t *collect_new_lines(size_t max_bytes, char term)
{
    collect_t *self = collect_new(NULL, NULL, max_bytes);
    self->lines = true;
    self->term = term;
    return self;
}

bool collect_is_lines(const collect_t *self)
{
    return self->lines;
}

uint64_t collect_lines(const collect_t *self)
{
    return self->lines ? self->n_pairs : 0;
}

void collect_destroy(collect_t **self_p)
{
    collect_t *self = *self_p;
    if (!self)
        return;
    htab_destroy(&self->table);
    counts_destroy(&self->counts);
    collect_set_partitions(self, 1);
    buf_fini(&self->payload);
    if (self->combining)
        merge_fini(&self->merge);
    free(self);
    *self_p = NULL;
}

void collect_begin(collect_t *self)
{
    self->error = 0;
    self->plain = false;
    self->error_text[0] = '\0';
    self->n_pairs = 0;
    self->n_emits = 0;
    self->out = &self->payload;
    if (self->lines)
        buf_reset(&self->payload);
    else
        for (uint32_t i = 0; i < self->n_parts; i++)
            proto_pairs_begin(s_part(self, i));
    if (self->part_pairs)
        memset(self->part_pairs, 0, self->n_parts * sizeof *self->part_pairs);
    if (self->table)
        htab_clear(self->table);
    if (self->counts)
        counts_clear(self->counts);
}

void collect_begin_into(collect_t *self, char *mem, size_t cap)
{
    collect_begin(self);
    if (!self->lines)
        return;
    size_t max = cap < self->max_bytes ? cap : self->max_bytes;
    self->place = (buf_t){ .data = mem, .len = 0, .cap = max, .max = max };
    self->out = &self->place;
}

bool collect_in_place(const collect_t *self)
{
    return self->out == &self->place;
}

uint64_t collect_emits(const collect_t *self)
{
    return self->n_emits;
}

mr_emitter_t *collect_emitter(collect_t *self)
{
    return &self->base;
}

int collect_error(const collect_t *self, err_t *e)
{
    if (self->error)
        err_set(e, self->error, "%s", self->error_text);
    return self->error;
}

int collect_finish(collect_t *self, const buf_t **payload, err_t *e)
{
    if (self->counts) {
        size_t pos = 0;
        const char *key;
        size_t key_len;
        uint64_t sum;
        while (counts_next(self->counts, &pos, &key, &key_len, &sum)) {
            uint64_t le = le64(sum);
            if (s_emit_plain(self, key, key_len, &le, sizeof le) < 0)
                break;
        }
    }
    if (self->table && !self->error) {
        size_t pos = 0;
        htab_entry_t *entry;
        while ((entry = htab_next(self->table, &pos))) {
            if (s_emit_plain(self, entry->key, entry->key_len, entry->value, entry->value_len) < 0)
                break;
        }
    }
    if (collect_error(self, e) < 0)
        return self->error;
    if (!self->lines)
        for (uint32_t i = 0; i < self->n_parts; i++)
            proto_pairs_end(s_part(self, i), collect_part_pairs(self, i));
    *payload = self->out;
    return 0;
}
