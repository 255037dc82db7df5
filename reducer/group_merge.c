/*
 * group_merge.c - the external merge of a group's runs (group.h): at
 * group_write, the runs and what is held, in key order; and, when a group
 * has spilled GROUP_MAX_RUNS runs, those runs into one.
 *
 * kmerge yields a key's records together, oldest run first, what is held
 * last.  With combine, they fold into one accumulator entry through the
 * same merge_into as group_add (so a sum stays a sum); without, their
 * length-prefixed value lists are concatenated, in arrival order, for
 * reduce.  The plain store's records are whole lines under their order
 * (group_line_t), so the merge's key order is already the order in which
 * the command reads them, values included.  Each run file is unlinked as soon as its reader has it open:
 * the space is freed when the merge closes it, and a reducer that dies in
 * the merge leaves nothing behind.
 */
#include "group_int.h"

#include "kmerge.h"
#include "mem.h"
#include "proc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What is held, as a kmerge source. */
typedef struct held {
    group_item_t *items; /* owned, sorted */
    size_t n;            /* items */
    size_t next;         /* the next to yield */
} held_t;

static int s_held_next(void *src, mr_bytes_t *key, mr_bytes_t *value, err_t *e)
{
    (void)e;
    held_t *h = src;
    if (h->next == h->n)
        return 0;
    const group_item_t *it = &h->items[h->next++];
    *key = (mr_bytes_t){ it->key, it->key_len };
    *value = group__item_value(it);
    return 1;
}

/* The plain store's arena lines, sorted, as a kmerge source. */
typedef struct held_lines {
    group_lines_t *lines; /* borrowed */
    group_line_t line;    /* the last line's value */
} held_lines_t;

static int s_lines_next(void *src, mr_bytes_t *key, mr_bytes_t *value, err_t *e)
{
    (void)e;
    held_lines_t *h = src;
    if (!group__lines_next(h->lines, key, &h->line))
        return 0;
    *value = (mr_bytes_t){ &h->line, sizeof h->line };
    return 1;
}

/* Where merged keys go: written (group_write), or into a run (compaction).
 * first: this is the key's first record (always, when folded). */
typedef int (*sink_fn)(group_t *self, mr_bytes_t key, mr_bytes_t value, bool first, void *arg,
                       err_t *e);

/* How a key's records are merged. */
typedef enum merge_how {
    MERGE_FOLD,   /* one value per key: combine, or gather the value lists */
    MERGE_STREAM, /* every record to the sink as it comes (a key's lists in order) */
} merge_how_t;

/* The opened runs [0, n) of a group, unlinked. */
typedef struct readers {
    run_reader_t **r; /* owned readers */
    size_t n;         /* readers */
} readers_t;

static void s_readers_close(readers_t *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        run_reader_destroy(&rs->r[i]);
    free(rs->r);
    rs->r = NULL;
    rs->n = 0;
}

/* Opens runs [0, n) into km, unlinking each file once open. */
static int s_readers_open(group_t *self, size_t n, readers_t *rs, kmerge_t *km, err_t *e)
{
    rs->r = mem_calloc(n ? n : 1, sizeof *rs->r);
    rs->n = 0;
    for (size_t i = 0; i < n; i++) {
        rs->r[i] = run_reader_new(self->runs[i], e);
        if (!rs->r[i])
            return e->code;
        rs->n++;
        unlink(self->runs[i]);
        kmerge_add_run(km, rs->r[i]);
    }
    return 0;
}

/* A key's values, gathered without combine, must fit the budget: reduce
 * needs them all at once. */
static int s_check_gathered(const group_t *self, const htab_entry_t *acc, err_t *e)
{
    if (!self->budget || acc->value_len <= self->budget)
        return 0;
    return err_set(e, -E2BIG,
                   "key '%.*s' has more values than the memory budget holds (%zu bytes of "
                   "values, budget %zu): reduce needs them all at once; give more --memory",
                   (int)(acc->key_len > 40 ? 40 : acc->key_len), acc->key, acc->value_len,
                   self->budget);
}

/* Runs the merge of km into sink. */
static int s_merge(group_t *self, kmerge_t *km, merge_how_t how, sink_fn sink, void *arg, err_t *e)
{
    bool combine = self->plugin && self->plugin->combine;
    htab_entry_t *acc = NULL;
    size_t room = 0;
    bool have = false;
    mr_bytes_t k;
    mr_bytes_t v;
    int rc;
    while ((rc = kmerge_next(km, &k, &v, NULL, e)) == 1) {
        rc = 0;
        bool same =
            have && acc->key_len == k.len && (k.len == 0 || memcmp(acc->key, k.ptr, k.len) == 0);
        if (how == MERGE_STREAM) {
            if (!same) {
                acc = htab_entry_renew(acc, &room, k.ptr, k.len);
                have = true;
            }
            rc = sink(self, k, v, !same, arg, e);
        } else if (same && combine) {
            rc = merge_into(&self->merge, acc, v, e);
        } else if (same) {
            htab_value_append(acc, v.ptr, v.len);
            rc = s_check_gathered(self, acc, e);
        } else {
            if (have)
                rc = sink(self, (mr_bytes_t){ acc->key, acc->key_len },
                          (mr_bytes_t){ acc->value, acc->value_len }, true, arg, e);
            acc = htab_entry_renew(acc, &room, k.ptr, k.len);
            htab_value_set(acc, v.ptr, v.len);
            have = true;
            if (rc == 0 && !combine)
                rc = s_check_gathered(self, acc, e); /* one run's list may pass it alone */
        }
        if (rc < 0)
            break;
    }
    if (rc == 0 && have && how == MERGE_FOLD)
        rc = sink(self, (mr_bytes_t){ acc->key, acc->key_len },
                  (mr_bytes_t){ acc->value, acc->value_len }, true, arg, e);
    htab_entry_free(&acc);
    return rc;
}

static int s_sink_run(group_t *self, mr_bytes_t key, mr_bytes_t value, bool first, void *arg,
                      err_t *e)
{
    (void)self;
    (void)first;
    return run_writer_add(arg, key, value, e);
}

int group__compact(group_t *self, err_t *e)
{
    double start = proc_now();
    size_t n = self->n_runs;
    kmerge_t *km = kmerge_new();
    readers_t rs = { 0 };
    char *path = group__run_path(self);
    run_writer_t *w = NULL;
    int rc = s_readers_open(self, n, &rs, km, e);
    if (rc == 0) {
        w = run_writer_new(path, e);
        rc = w ? 0 : e->code;
    }
    /* With combine, a key's values fold into one; otherwise each record is
     * copied (a run may hold a key more than once), so nothing is
     * gathered before the final merge. */
    bool combine = self->plugin && self->plugin->combine;
    if (rc == 0)
        rc = s_merge(self, km, combine ? MERGE_FOLD : MERGE_STREAM, s_sink_run, w, e);
    kmerge_destroy(&km);
    s_readers_close(&rs);
    rc = group__end_run(self, &w, rc, e);
    group__remove_runs(self, 0, n);
    if (rc < 0) {
        unlink(path);
        free(path);
        return err_prefix(e, "merging %zu runs: ", n);
    }
    group__push_run(self, path);
    self->merge_seconds += proc_now() - start;
    return 0;
}

/* The final merge's sink: one key's result. */
static int s_sink_write(group_t *self, mr_bytes_t key, mr_bytes_t value, bool first, void *arg,
                        err_t *e)
{
    (void)first;
    return group__write_key(self, key, value, arg, e);
}

/* The plain store's: one record's lines (a line spilled in several runs
 * comes once from each, in a row). */
static int s_sink_stream(group_t *self, mr_bytes_t key, mr_bytes_t value, bool first, void *arg,
                         err_t *e)
{
    (void)first;
    return group__write_lines(self, key, value, arg, e);
}

int group__write_merged(group_t *self, group_write_t *x, err_t *e)
{
    double start = proc_now();
    held_t held = { 0 };
    held.items = group__sorted_items(self, &held.n, e);
    if (!held.items)
        return e->code;
    kmerge_t *km = kmerge_new();
    readers_t rs = { 0 };
    size_t n = self->n_runs;
    int rc = s_readers_open(self, n, &rs, km, e);
    held_lines_t lines = { &self->lines, { 0 } };
    group__lines_sort(&self->lines);
    if (rc == 0) {
        kmerge_add(km, s_held_next, &held);
        kmerge_add(km, s_lines_next, &lines);
        /* The plain store (--reduce-cmd) needs no key's values at once:
         * its records are lines, streamed to the command in order, and a
         * key may have any number. */
        if (self->plugin)
            rc = s_merge(self, km, MERGE_FOLD, s_sink_write, x, e);
        else
            rc = s_merge(self, km, MERGE_STREAM, s_sink_stream, x, e);
    }
    kmerge_destroy(&km);
    s_readers_close(&rs);
    free(held.items);
    group__remove_runs(self, 0, n);
    self->merge_seconds += proc_now() - start;
    return rc;
}
