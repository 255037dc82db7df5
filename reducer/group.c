/*
 * group.c - key-grouped merging and the final reduce.  See group.h.
 */
#include "group.h"

#include "buf.h"
#include "counts.h"
#include "htab.h"
#include "le64.h"
#include "mem.h"
#include "merge.h"
#include "plugin.h"
#include "plugin_fail.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* reduce's emitter: writes lines. */
typedef struct writer {
    mr_emitter_t base; /* must be first */
    out_t *out;        /* borrowed */
    err_t err;         /* first write error */
} writer_t;

struct group {
    const mr_plugin_t *plugin; /* borrowed */
    void *state;               /* borrowed plugin state */
    htab_t *table;             /* owned: key -> value (combine) or length-prefixed values */
    counts_t *counts;          /* owned: sums of short keys, when combine is a sum; or NULL */
    merge_t merge;             /* the combine step, when the plugin has combine */
};

/* One key to write: an htab entry, or a key of the sums table. */
typedef struct item {
    const char *key;           /* borrowed from the table that holds it */
    size_t key_len;            /* bytes in key */
    const htab_entry_t *entry; /* its htab entry, or NULL for a key of the sums table */
    uint64_t sum;              /* a sums key's sum, little-endian (its 8-byte value) */
} item_t;

static int s_writer_emit(mr_emitter_t *base, const void *key, size_t key_len, const void *value,
                         size_t value_len)
{
    writer_t *w = (writer_t *)base;
    if (w->err.code)
        return w->err.code;
    return out_line(w->out, key, key_len, value, value_len, &w->err);
}

group_t *group_new(const mr_plugin_t *plugin, void *state)
{
    group_t *self = mem_calloc(1, sizeof *self);
    self->plugin = plugin;
    self->state = state;
    self->table = htab_new();
    if (plugin && plugin->combine)
        merge_init(&self->merge, plugin, state, (size_t)1 << 30);
    /* Sums of short keys in the one-cache-line table, as in the mapper
     * (counts.h): on a 200,000-word Zipf corpus the reducer's lookups were
     * a quarter of the job's CPU, and the reducer took 2.2x less with it. */
    if (plugin && plugin->combine && plugin_combine_kind(plugin) == MR_COMBINE_SUM_U64) {
        self->counts = counts_new();
        counts_set_max_keys(self->counts, GROUP_MAX_SUMS);
    }
    return self;
}

void group_destroy(group_t **self_p)
{
    group_t *self = *self_p;
    if (!self)
        return;
    htab_destroy(&self->table);
    counts_destroy(&self->counts);
    if (self->plugin && self->plugin->combine)
        merge_fini(&self->merge);
    free(self);
    *self_p = NULL;
}

size_t group_keys(const group_t *self)
{
    return htab_count(self->table) + (self->counts ? counts_count(self->counts) : 0);
}

/* group_add's general case: the key's entry in htab. */
static int s_add_entry(group_t *self, mr_bytes_t key, mr_bytes_t value, err_t *e)
{
    bool added = false;
    htab_entry_t *entry = htab_upsert(self->table, key.ptr, key.len, &added);
    if (!self->plugin || !self->plugin->combine) {
        uint32_t len = (uint32_t)value.len;
        htab_value_append(entry, &len, sizeof len);
        htab_value_append(entry, value.ptr, value.len);
        return 0;
    }
    if (added) {
        htab_value_set(entry, value.ptr, value.len);
        return 0;
    }
    return merge_into(&self->merge, entry, value, e);
}

/* The sums table is full: moves its keys to htab and retires it, so that
 * every later pair costs one lookup, not a miss in each table. */
static int s_retire_sums(group_t *self, err_t *e)
{
    size_t pos = 0;
    const char *key;
    size_t key_len;
    uint64_t sum;
    int rc = 0;
    while (rc == 0 && counts_next(self->counts, &pos, &key, &key_len, &sum)) {
        uint64_t le = le64(sum);
        rc = s_add_entry(self, (mr_bytes_t){ key, key_len }, (mr_bytes_t){ &le, sizeof le }, e);
    }
    counts_destroy(&self->counts);
    return rc;
}

int group_add(group_t *self, mr_bytes_t key, mr_bytes_t value, err_t *e)
{
    if (self->counts && counts_fits(key.len, value.len)) {
        if (counts_add_le(self->counts, key.ptr, key.len, value.ptr))
            return 0;
        int rc = s_retire_sums(self, e);
        if (rc < 0)
            return rc;
    }
    return s_add_entry(self, key, value, e);
}

static int s_cmp_keys(const void *pa, const void *pb)
{
    const item_t *a = pa;
    const item_t *b = pb;
    size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
    int c = n ? memcmp(a->key, b->key, n) : 0;
    if (c)
        return c;
    return (a->key_len > b->key_len) - (a->key_len < b->key_len);
}

/* Splits a length-prefixed value list into *values (grown as needed). */
static size_t s_split_values(const htab_entry_t *entry, mr_bytes_t **values, size_t *cap)
{
    size_t n = 0;
    size_t off = 0;
    while (off + sizeof(uint32_t) <= entry->value_len) {
        uint32_t len;
        memcpy(&len, entry->value + off, sizeof len);
        off += sizeof len;
        if (n == *cap) {
            *cap = *cap ? *cap * 2 : 16;
            *values = mem_realloc(*values, *cap * sizeof **values);
        }
        (*values)[n].ptr = entry->value + off;
        (*values)[n].len = len;
        n++;
        off += len;
    }
    return n;
}

/* A key whose values came in two sizes is in both tables: merges its sum
 * into its htab entry, so that it is written once.  0 or combine's error. */
static int s_fold_sums(group_t *self, err_t *e)
{
    if (!self->counts || htab_count(self->table) == 0)
        return 0;
    size_t pos = 0;
    const char *key;
    size_t key_len;
    uint64_t sum;
    while (counts_next(self->counts, &pos, &key, &key_len, &sum)) {
        htab_entry_t *entry = htab_find(self->table, key, key_len);
        if (!entry)
            continue;
        uint64_t le = le64(sum);
        mr_bytes_t value = { &le, sizeof le };
        int rc = merge_into(&self->merge, entry, value, e);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The next key of the sums table that s_fold_sums did not fold, or false. */
static bool s_next_sum(const group_t *self, size_t *pos, item_t *it)
{
    uint64_t sum;
    while (counts_next(self->counts, pos, &it->key, &it->key_len, &sum)) {
        if (htab_count(self->table) && htab_find(self->table, it->key, it->key_len))
            continue;
        it->entry = NULL;
        it->sum = le64(sum);
        return true;
    }
    return false;
}

/* What writing a key needs besides the key. */
typedef struct write_ctx {
    out_t *out;         /* borrowed */
    writer_t w;         /* reduce's emitter */
    mr_bytes_t *values; /* owned: a key's values, split (no combine) */
    size_t values_cap;  /* room in values */
} write_ctx_t;

/* Writes one key's result (see group_write).  0 or a negative code. */
static int s_write_key(group_t *self, const item_t *it, write_ctx_t *x, err_t *e)
{
    const htab_entry_t *entry = it->entry;
    mr_bytes_t key = { it->key, it->key_len };
    mr_bytes_t value = entry ? (mr_bytes_t){ entry->value, entry->value_len }
                             : (mr_bytes_t){ &it->sum, sizeof it->sum };
    if (!self->plugin) {
        /* --reduce-cmd: every pair, as a line for the command. */
        size_t n_values = s_split_values(entry, &x->values, &x->values_cap);
        for (size_t v = 0; v < n_values; v++) {
            int rc = out_line(x->out, key.ptr, key.len, x->values[v].ptr, x->values[v].len, e);
            if (rc < 0)
                return rc;
        }
        return 0;
    }
    if (!self->plugin->reduce)
        return out_line(x->out, key.ptr, key.len, value.ptr, value.len, e);
    size_t n_values = 1;
    const mr_bytes_t *vals = &value;
    if (!self->plugin->combine) {
        n_values = s_split_values(entry, &x->values, &x->values_cap);
        vals = x->values;
    }
    int prc = self->plugin->reduce(self->state, key, vals, n_values, &x->w.base);
    if (x->w.err.code)
        return err_set(e, x->w.err.code, "%s", x->w.err.text);
    char why[PLUGIN_FAIL_MAX + 64];
    if (prc != 0)
        return err_set(e, -ECANCELED, "%s on key '%.*s'",
                       plugin_fail_why("reduce", prc, why, sizeof why),
                       (int)(key.len > 40 ? 40 : key.len), (const char *)key.ptr);
    return 0;
}

int group_write(group_t *self, bool sort, out_t *out, err_t *e)
{
    int rc = s_fold_sums(self, e);
    if (rc < 0)
        return rc;
    write_ctx_t x = {
        .out = out,
        .w = { .base.emit = s_writer_emit, .base.failure = plugin_fail_note, .out = out }
    };
    err_init(&x.w.err);
    size_t pos = 0;
    htab_entry_t *entry;
    item_t it;
    if (!sort) {
        /* As they come: no list of every key. */
        while (rc == 0 && (entry = htab_next(self->table, &pos))) {
            it = (item_t){ entry->key, entry->key_len, entry, 0 };
            rc = s_write_key(self, &it, &x, e);
        }
        pos = 0;
        while (rc == 0 && self->counts && s_next_sum(self, &pos, &it))
            rc = s_write_key(self, &it, &x, e);
        free(x.values);
        return rc;
    }
    size_t n = 0;
    item_t *items = mem_alloc((group_keys(self) + 1) * sizeof *items);
    while ((entry = htab_next(self->table, &pos)))
        items[n++] = (item_t){ entry->key, entry->key_len, entry, 0 };
    pos = 0;
    while (self->counts && s_next_sum(self, &pos, &items[n]))
        n++;
    qsort(items, n, sizeof *items, s_cmp_keys);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = s_write_key(self, &items[i], &x, e);
    free(x.values);
    free(items);
    return rc;
}
