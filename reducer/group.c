/*
 * group.c - key-grouped merging and the final reduce.  See group.h.
 */
#include "group.h"

#include "buf.h"
#include "htab.h"
#include "mem.h"
#include "merge.h"

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
    merge_t merge;             /* the combine step, when the plugin has combine */
};

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
    return self;
}

void group_destroy(group_t **self_p)
{
    group_t *self = *self_p;
    if (!self)
        return;
    htab_destroy(&self->table);
    if (self->plugin && self->plugin->combine)
        merge_fini(&self->merge);
    free(self);
    *self_p = NULL;
}

size_t group_keys(const group_t *self)
{
    return htab_count(self->table);
}

int group_add(group_t *self, mr_bytes_t key, mr_bytes_t value, err_t *e)
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

static int s_cmp_keys(const void *pa, const void *pb)
{
    const htab_entry_t *a = *(const htab_entry_t *const *)pa;
    const htab_entry_t *b = *(const htab_entry_t *const *)pb;
    size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
    int c = memcmp(a->key, b->key, n);
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

int group_write(group_t *self, bool sort, out_t *out, err_t *e)
{
    size_t n = htab_count(self->table);
    htab_entry_t **entries = mem_alloc(n * sizeof *entries);
    size_t pos = 0;
    for (size_t i = 0; i < n; i++)
        entries[i] = htab_next(self->table, &pos);
    if (sort)
        qsort(entries, n, sizeof *entries, s_cmp_keys);

    writer_t w = { .base.emit = s_writer_emit, .out = out };
    err_init(&w.err);
    mr_bytes_t *values = NULL;
    size_t values_cap = 0;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        htab_entry_t *entry = entries[i];
        mr_bytes_t key = { entry->key, entry->key_len };
        if (!self->plugin) {
            /* --reduce-cmd: every pair, as a line for the command. */
            size_t n_values = s_split_values(entry, &values, &values_cap);
            for (size_t v = 0; v < n_values && rc == 0; v++)
                rc = out_line(out, entry->key, entry->key_len, values[v].ptr, values[v].len, e);
            continue;
        }
        if (!self->plugin->reduce) {
            rc = out_line(out, entry->key, entry->key_len, entry->value, entry->value_len, e);
            continue;
        }
        size_t n_values = 1;
        mr_bytes_t one = { entry->value, entry->value_len };
        const mr_bytes_t *vals = &one;
        if (!self->plugin->combine) {
            n_values = s_split_values(entry, &values, &values_cap);
            vals = values;
        }
        int prc = self->plugin->reduce(self->state, key, vals, n_values, &w.base);
        if (w.err.code)
            rc = err_set(e, w.err.code, "%s", w.err.text);
        else if (prc != 0)
            rc = err_set(e, -ECANCELED, "reduce() returned %d on key '%.*s'", prc,
                         (int)(entry->key_len > 40 ? 40 : entry->key_len), entry->key);
    }
    free(values);
    free(entries);
    return rc;
}
