/*
 * group.c - key-grouped merging and the final reduce.  See group.h.
 *
 * Without a budget (or until the first spill) this is the in-memory path:
 * pairs go to the sums table or htab (the plain store's lines to htab or
 * its arena, group_lines.c), and group_write walks them.  With a
 * budget, group_add measures what is held after each pair and, past the
 * budget, s_spill writes it sorted as a run and clears the tables.
 * group_write then merges runs and memory (group_merge.c).
 */
#include "group_int.h"

#include "kmerge.h"
#include "le64.h"
#include "mem.h"
#include "plugin.h"
#include "plugin_counter.h"
#include "plugin_fail.h"
#include "proc.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    buf_init(&self->line, GROUP_MAX_LINE);
    group__lines_init(&self->lines);
    if (plugin && plugin->combine)
        merge_init(&self->merge, plugin, state, (size_t)1 << 30);
    /* Sums of short keys in the one-cache-line table, as in the mapper
     * (counts.h): on a 200,000-word Zipf corpus the reducer's lookups were
     * a quarter of the job's CPU, and the reducer took 2.2x less with it. */
    if (plugin && plugin->combine && plugin_combine_kind(plugin) == MR_COMBINE_SUM_U64) {
        self->counts = counts_new();
        self->max_sums = GROUP_MAX_SUMS;
        counts_set_max_keys(self->counts, self->max_sums);
    }
    return self;
}

void group_destroy(group_t **self_p)
{
    group_t *self = *self_p;
    if (!self)
        return;
    group__remove_runs(self, 0, self->n_runs);
    free(self->runs);
    free(self->spill_dir);
    htab_destroy(&self->table);
    counts_destroy(&self->counts);
    buf_fini(&self->line);
    group__lines_fini(&self->lines);
    if (self->plugin && self->plugin->combine)
        merge_fini(&self->merge);
    free(self);
    *self_p = NULL;
}

void group_set_budget(group_t *self, size_t bytes, const char *spill_dir)
{
    self->budget = bytes && bytes < GROUP_MIN_BUDGET ? GROUP_MIN_BUDGET : bytes;
    free(self->spill_dir);
    self->spill_dir = spill_dir ? mem_strdup(spill_dir) : NULL;
    bytes = self->budget;
    if (!self->counts || bytes == 0)
        return;
    /* The sums table's slot array doubles as it fills, to 64 bytes a key
     * at most: it takes the largest power of two keys whose slot array
     * fits in half the budget. */
    size_t max = 1024;
    while (max * 2 <= GROUP_MAX_SUMS && max * 2 * 64 <= bytes / 2)
        max *= 2;
    self->max_sums = max;
    counts_set_max_keys(self->counts, max);
}

void group_set_order(group_t *self, const keycmp_t *k)
{
    self->order = *k;
}

void group_set_max_sums(group_t *self, size_t keys)
{
    if (!self->counts)
        return;
    self->max_sums = keys;
    counts_set_max_keys(self->counts, keys);
}

size_t group_keys(const group_t *self)
{
    return htab_count(self->table) + (self->counts ? counts_count(self->counts) : 0);
}

size_t group_bytes(const group_t *self)
{
    return htab_bytes(self->table) + (self->counts ? counts_bytes(self->counts) : 0) +
           self->value_bytes + group_keys(self) * sizeof(group_item_t) +
           group__lines_bytes(&self->lines);
}

uint64_t group_keys_written(const group_t *self)
{
    return self->keys_written;
}

uint64_t group_runs(const group_t *self)
{
    return self->runs_spilled;
}

uint64_t group_spilled_bytes(const group_t *self)
{
    return self->spilled_bytes;
}

double group_merge_seconds(const group_t *self)
{
    return self->merge_seconds;
}

/* Merges value into the key's htab entry, new (added) or not. */
static inline int s_add_to(group_t *self, htab_entry_t *entry, bool added, mr_bytes_t value,
                           err_t *e)
{
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

/* group_add's general case: the key's entry in htab. */
static int s_add_entry(group_t *self, mr_bytes_t key, mr_bytes_t value, err_t *e)
{
    bool added = false;
    htab_entry_t *entry = htab_upsert(self->table, key.ptr, key.len, &added);
    return s_add_to(self, entry, added, value, e);
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
static bool s_next_sum(const group_t *self, size_t *pos, group_item_t *it)
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

group_item_t *group__sorted_items(group_t *self, size_t *n_p, err_t *e)
{
    if (s_fold_sums(self, e) < 0)
        return NULL;
    size_t n = 0;
    size_t pos = 0;
    htab_entry_t *entry;
    group_item_t *items = mem_alloc((group_keys(self) + 1) * sizeof *items);
    while ((entry = htab_next(self->table, &pos)))
        items[n++] = (group_item_t){ 0, entry->key, entry->key_len, entry, 0 };
    pos = 0;
    while (self->counts && s_next_sum(self, &pos, &items[n]))
        n++;
    group__sort_items(items, n);
    *n_p = n;
    return items;
}

/* Empties the tables after a spill.  The slot arrays stay for the next
 * run, which will fill them as far, unless what is left (slot arrays and
 * one arena block) still takes half the budget. */
static void s_clear(group_t *self)
{
    htab_clear(self->table);
    if (self->counts)
        counts_clear(self->counts);
    self->value_bytes = 0;
    group__lines_clear(&self->lines, self->budget);
    if (group_bytes(self) > self->budget / 2) {
        htab_destroy(&self->table);
        self->table = htab_new();
        if (self->counts) {
            counts_destroy(&self->counts);
            self->counts = counts_new();
            counts_set_max_keys(self->counts, self->max_sums);
        }
    }
}

char *group__run_path(group_t *self)
{
    char name[32];
    snprintf(name, sizeof name, "run-%llu", (unsigned long long)self->run_serial++);
    size_t len = strlen(self->spill_dir) + 1 + strlen(name) + 1;
    char *path = mem_alloc(len);
    snprintf(path, len, "%s/%s", self->spill_dir, name);
    return path;
}

int group__end_run(group_t *self, run_writer_t **w_p, int rc, err_t *e)
{
    if (!*w_p)
        return rc;
    self->spilled_bytes += run_writer_bytes(*w_p);
    if (rc == 0)
        return run_writer_close(w_p, e);
    run_writer_destroy(w_p);
    return rc;
}

void group__push_run(group_t *self, char *path)
{
    if (self->n_runs == self->cap_runs) {
        self->cap_runs = self->cap_runs ? self->cap_runs * 2 : 16;
        self->runs = mem_realloc(self->runs, self->cap_runs * sizeof *self->runs);
    }
    self->runs[self->n_runs++] = path;
}

void group__remove_runs(group_t *self, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        unlink(self->runs[i]);
        free(self->runs[i]);
    }
    if (to < self->n_runs)
        memmove(self->runs + from, self->runs + to, (self->n_runs - to) * sizeof *self->runs);
    self->n_runs -= to - from;
}

/* Writes everything held, sorted by key, as a new run, and clears the
 * tables.  e names the run file on an I/O error. */
static int s_spill(group_t *self, err_t *e)
{
    if (!self->spill_dir)
        return err_set(e, -EINVAL, "memory budget of %zu bytes passed, and no spill directory",
                       self->budget);
    size_t n = 0;
    group_item_t *items = group__sorted_items(self, &n, e);
    if (!items)
        return e->code;
    char *path = group__run_path(self);
    run_writer_t *w = run_writer_new(path, e);
    int rc = w ? 0 : e->code;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = run_writer_add(w, (mr_bytes_t){ items[i].key, items[i].key_len },
                            group__item_value(&items[i]), e);
    free(items);
    /* The arena's lines (the plain store holds them there or in htab). */
    mr_bytes_t key;
    group_line_t line;
    group__lines_sort(&self->lines);
    while (rc == 0 && group__lines_next(&self->lines, &key, &line)) {
        rc = run_writer_add(w, key, (mr_bytes_t){ &line, sizeof line }, e);
        n++;
    }
    rc = group__end_run(self, &w, rc, e);
    if (rc < 0) {
        unlink(path);
        free(path);
        return err_prefix(e, "spilling %zu keys: ", n);
    }
    group__push_run(self, path);
    self->runs_spilled++;
    s_clear(self);
    if (self->n_runs >= GROUP_MAX_RUNS)
        return group__compact(self, e);
    return 0;
}

__attribute__((noinline)) int group__check(group_t *self, err_t *e)
{
    return group_bytes(self) <= self->budget ? 0 : s_spill(self, e);
}

/* group_add's htab case under a budget: counts the heap bytes the value
 * took, and checks the budget.  Kept out of line, as group__check and
 * s_sums_full are: group_add is the word count's hot path, and with more
 * code in it GCC stopped inlining counts_add_le there (6 % slower). */
static __attribute__((noinline)) int s_add_budgeted(group_t *self, mr_bytes_t key, mr_bytes_t value,
                                                    err_t *e)
{
    bool added = false;
    htab_entry_t *entry = htab_upsert(self->table, key.ptr, key.len, &added);
    size_t before = htab_entry_heap_bytes(entry);
    int rc = s_add_to(self, entry, added, value, e);
    if (rc < 0)
        return rc;
    self->value_bytes += htab_entry_heap_bytes(entry) - before;
    return group__check(self, e);
}

/* What a key of the sums table costs once in htab, as group_bytes counts
 * it: an entry of 64 bytes (a key of up to 16), a slot or two of 16 bytes
 * at half load, and its place in a spill's sort array. */
#define GROUP_HTAB_KEY_BYTES 128

/* The sums table is full: its keys move to htab, unless that would pass
 * the budget (the table and htab hold them both while they move); then
 * the group spills, and the table is empty again. */
static __attribute__((noinline)) int s_sums_full(group_t *self, err_t *e)
{
    if (self->budget &&
        group_bytes(self) + counts_count(self->counts) * GROUP_HTAB_KEY_BYTES > self->budget)
        return s_spill(self, e);
    return s_retire_sums(self, e);
}

/* How many sums-table adds go between two budget checks: a table grows
 * by 64 bytes a key at most, so the group passes its budget by 16 KB at
 * most before it sees it. */
#define GROUP_CHECK_EVERY 256

int group_add(group_t *self, mr_bytes_t key, mr_bytes_t value, err_t *e)
{
    while (self->counts && counts_fits(key.len, value.len)) {
        if (counts_add_le(self->counts, key.ptr, key.len, value.ptr)) {
            if (__builtin_expect(self->budget != 0, 0) &&
                ++self->since_check % GROUP_CHECK_EVERY == 0)
                return group__check(self, e);
            return 0;
        }
        int rc = s_sums_full(self, e);
        if (rc < 0)
            return rc;
    }
    if (!self->plugin)
        return group__add_line(self, key, value, e);
    if (__builtin_expect(self->budget != 0, 0))
        return s_add_budgeted(self, key, value, e);
    return s_add_entry(self, key, value, e);
}

/* Splits a length-prefixed value list into *values (grown as needed). */
static size_t s_split_values(mr_bytes_t list, mr_bytes_t **values, size_t *cap)
{
    size_t n = 0;
    size_t off = 0;
    const char *p = list.ptr;
    while (off + sizeof(uint32_t) <= list.len) {
        uint32_t len;
        memcpy(&len, p + off, sizeof len);
        off += sizeof len;
        if (n == *cap) {
            *cap = *cap ? *cap * 2 : 16;
            *values = mem_realloc(*values, *cap * sizeof **values);
        }
        (*values)[n].ptr = p + off;
        (*values)[n].len = len;
        n++;
        off += len;
    }
    return n;
}

void group__write_init(group_write_t *x, out_t *out, run_writer_t *index)
{
    memset(x, 0, sizeof *x);
    x->out = out;
    x->index = index;
    x->w.base.emit = s_writer_emit;
    x->w.base.failure = plugin_fail_note;
    x->w.base.counter = plugin_counter_note;
    x->w.out = out;
    err_init(&x->w.err);
    buf_init(&x->last_key, GROUP_MAX_LINE);
}

void group__write_fini(group_write_t *x)
{
    free(x->values);
    buf_fini(&x->last_key);
}

int group__write_lines(group_t *self, mr_bytes_t entry_key, mr_bytes_t value, group_write_t *x,
                       err_t *e)
{
    group_line_t line;
    if (value.len != sizeof line)
        return err_set(e, -EBADMSG, "a line of the reduce input has a %zu-byte count", value.len);
    memcpy(&line, value.ptr, sizeof line);
    size_t order_len = le32(line.order_len);
    size_t key_len = le32(line.key_len);
    uint64_t count = le64(line.count);
    if (order_len + key_len + 1 > entry_key.len)
        return err_set(e, -EBADMSG, "a line of the reduce input is cut past its end");
    const char *key = (const char *)entry_key.ptr + order_len;
    const char *val = key + key_len + 1;
    size_t val_len = entry_key.len - order_len - key_len - 1;
    if (!x->have_last || x->last_key.len != key_len ||
        (key_len && memcmp(x->last_key.data, key, key_len) != 0)) {
        self->keys_written++;
        buf_reset(&x->last_key);
        if (buf_append(&x->last_key, key, key_len) < 0)
            return err_set(e, -EMSGSIZE, "a key of %zu bytes is over the cap", key_len);
        x->have_last = true;
    }
    for (uint64_t i = 0; i < count; i++) {
        int rc = out_line(x->out, key, key_len, val, val_len, e);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int group__write_result(group_t *self, mr_bytes_t key, mr_bytes_t value, group_write_t *x, err_t *e)
{
    if (!self->plugin->reduce)
        return out_line(x->out, key.ptr, key.len, value.ptr, value.len, e);
    size_t n_values = 1;
    const mr_bytes_t *vals = &value;
    if (!self->plugin->combine) {
        n_values = s_split_values(value, &x->values, &x->values_cap);
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

int group__write_key(group_t *self, mr_bytes_t key, mr_bytes_t value, group_write_t *x, err_t *e)
{
    if (!self->plugin)
        return group__write_lines(self, key, value, x, e);
    self->keys_written++;
    if (!x->index)
        return group__write_result(self, key, value, x, e);
    uint64_t before = out_bytes(x->out);
    int rc = group__write_result(self, key, value, x, e);
    if (rc < 0)
        return rc;
    uint64_t le = le64(out_bytes(x->out) - before);
    return run_writer_add(x->index, key, (mr_bytes_t){ &le, sizeof le }, e);
}

/* group_write without runs: what is held, sorted or as it comes. */
static int s_write_held(group_t *self, bool sort, group_write_t *x, err_t *e)
{
    int rc = 0;
    if (!sort) {
        rc = s_fold_sums(self, e);
        if (rc < 0)
            return rc;
        /* As they come: no list of every key. */
        size_t pos = 0;
        htab_entry_t *entry;
        group_item_t it;
        while (rc == 0 && (entry = htab_next(self->table, &pos)))
            rc = group__write_key(self, (mr_bytes_t){ entry->key, entry->key_len },
                                  (mr_bytes_t){ entry->value, entry->value_len }, x, e);
        pos = 0;
        while (rc == 0 && self->counts && s_next_sum(self, &pos, &it))
            rc = group__write_key(self, (mr_bytes_t){ it.key, it.key_len },
                                  (mr_bytes_t){ &it.sum, sizeof it.sum }, x, e);
        return rc;
    }
    size_t n = 0;
    group_item_t *items = group__sorted_items(self, &n, e);
    if (!items)
        return e->code;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = group__write_key(self, (mr_bytes_t){ items[i].key, items[i].key_len },
                              group__item_value(&items[i]), x, e);
    free(items);
    mr_bytes_t key;
    group_line_t line;
    group__lines_sort(&self->lines);
    while (rc == 0 && group__lines_next(&self->lines, &key, &line))
        rc = group__write_lines(self, key, (mr_bytes_t){ &line, sizeof line }, x, e);
    return rc;
}

int group_write(group_t *self, bool sort, out_t *out, run_writer_t *index, err_t *e)
{
    group_write_t x;
    group__write_init(&x, out, index);
    /* The plain store is always sorted: its order is the reduce command's
     * input order, and its keys are counted as they change. */
    sort = sort || index || !self->plugin;
    int rc = self->n_runs ? group__write_merged(self, &x, e) : s_write_held(self, sort, &x, e);
    group__write_fini(&x);
    return rc;
}
