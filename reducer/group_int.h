/*
 * group_int.h - what group.c (adding, spilling, writing what is held) and
 * group_merge.c (merging runs) share.  Nothing outside the two includes
 * it.
 */
#ifndef MR_GROUP_INT_H
#define MR_GROUP_INT_H

#include "group.h"

#include "buf.h"
#include "counts.h"
#include "htab.h"
#include "keycmp.h"
#include "merge.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* reduce's emitter: writes lines. */
typedef struct writer {
    mr_emitter_t base; /* must be first */
    out_t *out;        /* borrowed */
    err_t err;         /* first write error */
} writer_t;

/* One line of the plain store's arena: its entry key's first 8 bytes
 * (run_key_prefix), which sort it and which the record does not repeat,
 * and its record. */
typedef struct group_rec {
    uint64_t prefix; /* the entry key's first 8 bytes, big-endian, zero-padded */
    const char *at;  /* the record, in an arena block */
} group_rec_t;

/* The plain store's lines once sampling found them distinct
 * (group_lines.c): records appended to blocks, indexed by recs. */
typedef struct group_lines {
    char **blocks;      /* owned arena blocks */
    size_t *block_size; /* bytes of each block */
    size_t n_blocks;    /* blocks in use */
    size_t cap_blocks;  /* room in blocks and block_size */
    char *at;           /* the free bytes of the last block */
    size_t room;        /* bytes free at at */
    size_t bytes;       /* bytes of all blocks */
    group_rec_t *recs;  /* owned index, one per record */
    size_t n;           /* records */
    size_t cap;         /* room in recs */
    size_t next;        /* the next record group__lines_next yields */
    buf_t key;          /* the entry key group__lines_next rebuilt last */
    size_t sample;      /* lines deduplicated before deciding (0: never deduplicate) */
    size_t seen;        /* lines added while deduplicating */
    size_t distinct;    /* of those, the distinct ones */
    bool plain;         /* lines go to the arena, not deduplicated */
} group_lines_t;

/* The arena's block: 1 MiB (a sixteenth of the budget when less). */
#define GROUP_LINE_BLOCK ((size_t)1 << 20)

struct group {
    size_t budget;             /* bytes the group may hold; 0: no bound */
    const mr_plugin_t *plugin; /* borrowed */
    void *state;               /* borrowed plugin state */
    htab_t *table;             /* owned: key -> value (combine) or length-prefixed values */
    counts_t *counts;          /* owned: sums of short keys, when combine is a sum; or NULL */
    size_t max_sums;           /* the most keys counts takes */
    merge_t merge;             /* the combine step, when the plugin has combine */
    size_t since_check;        /* sums-table adds, for the budget check every so many */
    size_t value_bytes;        /* heap bytes of htab's values, counted under a budget */
    char *spill_dir;           /* owned: where runs go, or NULL */
    char **runs;               /* owned paths of the runs not yet merged, oldest first */
    size_t n_runs;             /* paths in runs */
    size_t cap_runs;           /* room in runs */
    uint64_t run_serial;       /* the N of the next run-N */
    uint64_t runs_spilled;     /* runs written by spills */
    uint64_t spilled_bytes;    /* bytes written to runs, merged runs included */
    uint64_t keys_written;     /* distinct keys group_write wrote */
    double merge_seconds;      /* time spent merging runs */
    keycmp_t order;            /* the plain store's key comparator (no specs: bytewise) */
    buf_t line;                /* the plain store's entry key being built (group__add_line) */
    group_lines_t lines;       /* the plain store's lines, once they rarely repeat */
};

/* The plain store (--reduce-cmd) keeps one htab entry per distinct line
 * key<TAB>value, under the entry key ORDER LINE: ORDER is keycmp_encode of
 * the key (empty without a comparator) and LINE the line the command will
 * read, so that memcmp order on entry keys is the comparator's order, then
 * `LC_ALL=C sort`'s order of the lines.  The entry's value is a
 * group_line_t, little-endian, with how to cut the entry key back. */
typedef struct group_line {
    uint32_t order_len; /* bytes of ORDER */
    uint32_t key_len;   /* bytes of the key in LINE, before its TAB */
    uint64_t count;     /* times the line came */
} group_line_t;

/* The longest line the plain store holds (its entry keys are u32-long). */
#define GROUP_MAX_LINE ((size_t)UINT32_MAX - 64)

/* group_lines.c: the plain store's lines (group.c's init, destroy,
 * clear after a spill, and bytes held). */
void group__lines_init(group_lines_t *l);
void group__lines_fini(group_lines_t *l);
void group__lines_clear(group_lines_t *l, size_t budget);
size_t group__lines_bytes(const group_lines_t *l);

/* The plain store's add: the line key<TAB>value under its order, in htab
 * or in the arena.  0 or a negative code (over the cap on a line, or a
 * failed spill). */
int group__add_line(group_t *self, mr_bytes_t key, mr_bytes_t value, err_t *e);

/* Sorts the arena's lines, for group__lines_next from the first. */
void group__lines_sort(group_lines_t *l);

/* The next sorted line, equal lines counted as one: its entry key
 * (borrowed until the lines are cleared) and its group_line_t.  False
 * after the last. */
bool group__lines_next(group_lines_t *l, mr_bytes_t *entry_key, group_line_t *line);

/* Spills when the group holds more than its budget. */
int group__check(group_t *self, err_t *e);

/* One key held: an htab entry, or a key of the sums table. */
typedef struct group_item {
    uint64_t prefix;           /* the key's first 8 bytes, big-endian, zero-padded: sorts it */
    const char *key;           /* borrowed from the table that holds it */
    size_t key_len;            /* bytes in key */
    const htab_entry_t *entry; /* its htab entry, or NULL for a key of the sums table */
    uint64_t sum;              /* a sums key's sum, little-endian (its 8-byte value) */
} group_item_t;

/* What writing keys needs besides the keys. */
typedef struct group_write {
    out_t *out;          /* borrowed */
    run_writer_t *index; /* borrowed key index, or NULL */
    writer_t w;          /* reduce's emitter */
    mr_bytes_t *values;  /* owned: a key's values, split (no combine) */
    size_t values_cap;   /* room in values */
    buf_t last_key;      /* the plain store's last key written, to count distinct keys */
    bool have_last;      /* last_key holds one */
} group_write_t;

/* An item's value: its entry's, or its sum's 8 bytes. */
static inline mr_bytes_t group__item_value(const group_item_t *it)
{
    return it->entry ? (mr_bytes_t){ it->entry->value, it->entry->value_len }
                     : (mr_bytes_t){ &it->sum, sizeof it->sum };
}

/* Every key held, sorted bytewise (malloc'd, *n_p of them), after folding
 * the keys that are in both tables; NULL with e set when combine failed. */
group_item_t *group__sorted_items(group_t *self, size_t *n_p, err_t *e);

/* group_sort.c: sorts n items in bytewise key order, in place. */
void group__sort_items(group_item_t *items, size_t n);

/* The path of the next run (malloc'd). */
char *group__run_path(group_t *self);

/* Appends path (taking it) to the runs. */
void group__push_run(group_t *self, char *path);

/* Ends the run *w_p (NULL: none was opened): closed when rc is 0, its
 * bytes counted as spilled, else abandoned (removed).  Returns rc, or the
 * close's error. */
int group__end_run(group_t *self, run_writer_t **w_p, int rc, err_t *e);

/* Removes runs [from, to) from the list, unlinking their files. */
void group__remove_runs(group_t *self, size_t from, size_t to);

/* Merges all runs into one, which takes their place.  0 or -errno with e
 * naming the file. */
int group__compact(group_t *self, err_t *e);

void group__write_init(group_write_t *x, out_t *out, run_writer_t *index);
void group__write_fini(group_write_t *x);

/* Writes one key's result: value is its combined value, or (without
 * combine) its length-prefixed list of values.  0 or a negative code. */
int group__write_result(group_t *self, mr_bytes_t key, mr_bytes_t value, group_write_t *x,
                        err_t *e);

/* The plain store: writes an entry's lines (count of them) and counts its
 * key when it differs from the last one written.  0 or a negative code;
 * -EBADMSG for a value that is not a group_line_t fitting the entry key. */
int group__write_lines(group_t *self, mr_bytes_t entry_key, mr_bytes_t value, group_write_t *x,
                       err_t *e);

/* group__write_result, counting the key and adding it to the index. */
int group__write_key(group_t *self, mr_bytes_t key, mr_bytes_t value, group_write_t *x, err_t *e);

/* group_write with runs: merges them and what is held, in key order. */
int group__write_merged(group_t *self, group_write_t *x, err_t *e);

#endif
