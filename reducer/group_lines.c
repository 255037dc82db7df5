/*
 * group_lines.c - the plain store's lines (--reduce-cmd; group_int.h).
 *
 * A line key<TAB>value is held under its entry key ORDER LINE
 * (group_line_t).  The store starts by deduplicating in htab, one entry
 * per distinct line with a count: a word count through --reduce-cmd
 * holds each word<TAB>1 once.  After GROUP_LINE_SAMPLE lines it looks at
 * how many were distinct: when 9 in 10 or more were (the mapper's
 * COLLECT_SAMPLE rule), deduplicating does not pay, and the lines go to
 * an append-only arena instead, each indexed by its entry key's first 8
 * bytes and its address (16 bytes), sorted only at a spill or at the
 * end, where equal neighbours are counted as one record.  On 2 M
 * distinct pairs the htab cost 140 bytes a line and a third of the CPU
 * in its probes (cache misses); the arena costs the line plus about 20
 * bytes (docs/architecture.md, "Spilling").
 *
 * An arena record: varint entry key length, the entry key, varints
 * order_len, key_len and count.
 */
#include "group_int.h"

#include "le64.h"
#include "mem.h"
#include "run.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Bytes a varint of v takes. */
static inline size_t s_varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static inline char *s_varint_put(char *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (char)(v | 0x80);
        v >>= 7;
    }
    *p++ = (char)v;
    return p;
}

/* Reads a varint the store wrote (trusted: its own memory). */
static inline const char *s_varint_get(const char *p, uint64_t *v)
{
    uint64_t x = 0;
    unsigned shift = 0;
    unsigned char c;
    do {
        c = (unsigned char)*p++;
        x |= (uint64_t)(c & 0x7f) << shift;
        shift += 7;
    } while (c & 0x80);
    *v = x;
    return p;
}

/* A record's entry key: its first 8 bytes are the index's prefix, and
 * the record holds the rest (tail). */
typedef struct rec_key {
    size_t len;       /* bytes in the entry key */
    const char *tail; /* its bytes past the 8th */
    size_t tail_len;  /* bytes at tail */
} rec_key_t;

static inline size_t s_tail_len(size_t len)
{
    return len > 8 ? len - 8 : 0;
}

static inline const char *s_rec_key(const char *rec, rec_key_t *k)
{
    uint64_t len;
    const char *p = s_varint_get(rec, &len);
    *k = (rec_key_t){ (size_t)len, p, s_tail_len((size_t)len) };
    return p + k->tail_len;
}

/* The record at rec: its entry key, and its group_line_t fields. */
static void s_rec_read(const char *rec, rec_key_t *k, uint64_t *order_len, uint64_t *key_len,
                       uint64_t *count)
{
    const char *p = s_rec_key(rec, k);
    p = s_varint_get(p, order_len);
    p = s_varint_get(p, key_len);
    s_varint_get(p, count);
}

void group__lines_init(group_lines_t *l)
{
    memset(l, 0, sizeof *l);
    l->sample = GROUP_LINE_SAMPLE;
    buf_init(&l->key, GROUP_MAX_LINE);
}

/* Frees the blocks and the index. */
void group__lines_fini(group_lines_t *l)
{
    for (size_t i = 0; i < l->n_blocks; i++)
        free(l->blocks[i]);
    free(l->blocks);
    free(l->block_size);
    free(l->recs);
    buf_fini(&l->key);
}

/* Empties the arena after a spill, keeping its first block, and the
 * index unless it is over half the budget (it would fill as far again). */
void group__lines_clear(group_lines_t *l, size_t budget)
{
    for (size_t i = 1; i < l->n_blocks; i++) {
        l->bytes -= l->block_size[i];
        free(l->blocks[i]);
    }
    if (l->n_blocks) {
        l->n_blocks = 1;
        l->at = l->blocks[0];
        l->room = l->block_size[0];
    }
    l->n = 0;
    if (budget && l->cap * sizeof *l->recs > budget / 2) {
        free(l->recs);
        l->recs = NULL;
        l->cap = 0;
    }
}

size_t group__lines_bytes(const group_lines_t *l)
{
    return l->bytes + l->cap * sizeof *l->recs + l->cap_blocks * 2 * sizeof(void *);
}

/* Room for need bytes in the arena: the current block's, or a new one
 * (GROUP_LINE_BLOCK, or need when larger; the tail left is wasted and
 * counted). */
static char *s_reserve(group_lines_t *l, size_t need, size_t budget)
{
    if (need > l->room) {
        size_t size = GROUP_LINE_BLOCK;
        if (budget && size > budget / 16)
            size = budget / 16;
        if (size < need)
            size = need;
        if (l->n_blocks == l->cap_blocks) {
            l->cap_blocks = l->cap_blocks ? l->cap_blocks * 2 : 16;
            l->blocks = mem_realloc(l->blocks, l->cap_blocks * sizeof *l->blocks);
            l->block_size = mem_realloc(l->block_size, l->cap_blocks * sizeof *l->block_size);
        }
        l->blocks[l->n_blocks] = mem_alloc(size);
        l->block_size[l->n_blocks++] = size;
        l->bytes += size;
        l->at = l->blocks[l->n_blocks - 1];
        l->room = size;
    }
    char *p = l->at;
    l->at += need;
    l->room -= need;
    return p;
}

/* Appends one record and its index entry. */
static void s_append(group_lines_t *l, mr_bytes_t entry_key, uint64_t order_len, uint64_t key_len,
                     uint64_t count, size_t budget)
{
    size_t tail = s_tail_len(entry_key.len);
    size_t need = s_varint_len(entry_key.len) + tail + s_varint_len(order_len) +
                  s_varint_len(key_len) + s_varint_len(count);
    char *rec = s_reserve(l, need, budget);
    char *p = s_varint_put(rec, entry_key.len);
    if (tail)
        memcpy(p, (const char *)entry_key.ptr + 8, tail);
    p += tail;
    p = s_varint_put(p, order_len);
    p = s_varint_put(p, key_len);
    s_varint_put(p, count);
    if (l->n == l->cap) {
        /* Under a budget the index grows by a quarter: doubled, its empty
         * half counted would make a spill of a half-full index. */
        l->cap = l->cap == 0 ? 1024 : budget ? l->cap + l->cap / 4 : l->cap * 2;
        l->recs = mem_realloc(l->recs, l->cap * sizeof *l->recs);
    }
    l->recs[l->n++] = (group_rec_t){ run_key_prefix(entry_key.ptr, entry_key.len), rec };
}

/* The sample is taken: when 9 in 10 lines were distinct, moves htab's
 * lines to the arena and stops deduplicating. */
static void s_decide(group_t *self)
{
    group_lines_t *l = &self->lines;
    if (l->distinct * 10 < l->seen * 9)
        return;
    l->plain = true;
    size_t pos = 0;
    htab_entry_t *entry;
    while ((entry = htab_next(self->table, &pos))) {
        group_line_t line;
        memcpy(&line, entry->value, sizeof line);
        s_append(l, (mr_bytes_t){ entry->key, entry->key_len }, le32(line.order_len),
                 le32(line.key_len), le64(line.count), self->budget);
    }
    htab_destroy(&self->table);
    self->table = htab_new();
    self->value_bytes = 0;
}

void group_set_line_sample(group_t *self, size_t lines)
{
    self->lines.sample = lines;
    if (lines == 0)
        self->lines.plain = true;
}

int group__add_line(group_t *self, mr_bytes_t key, mr_bytes_t value, err_t *e)
{
    buf_t *b = &self->line;
    buf_reset(b);
    int rc = keycmp_encode(&self->order, key.ptr, key.len, b);
    size_t order_len = b->len;
    if (rc == 0 && (rc = buf_append(b, key.ptr, key.len)) == 0 &&
        (rc = buf_append(b, "\t", 1)) == 0)
        rc = buf_append(b, value.ptr, value.len);
    if (rc < 0)
        return err_set(e, rc, "a pair of %zu + %zu bytes is over the reducer's cap on one line",
                       key.len, value.len);
    group_lines_t *l = &self->lines;
    if (l->plain) {
        s_append(l, (mr_bytes_t){ b->data, b->len }, order_len, key.len, 1, self->budget);
        return self->budget ? group__check(self, e) : 0;
    }
    bool added = false;
    htab_entry_t *entry = htab_upsert(self->table, b->data, b->len, &added);
    size_t before = htab_entry_heap_bytes(entry);
    group_line_t line;
    if (added) {
        line = (group_line_t){ le32((uint32_t)order_len), le32((uint32_t)key.len), le64(1) };
        htab_value_set(entry, &line, sizeof line);
        l->distinct++;
    } else {
        memcpy(&line, entry->value, sizeof line);
        line.count = le64(le64(line.count) + 1);
        memcpy(entry->value, &line, sizeof line);
    }
    self->value_bytes += htab_entry_heap_bytes(entry) - before;
    if (++l->seen == l->sample)
        s_decide(self);
    return self->budget ? group__check(self, e) : 0;
}

/* Orders two records of equal prefixes: their first 8 bytes (or all
 * their bytes, zero-padded) are equal, so the tails decide, and between
 * two keys of 8 bytes or less (no tails) the shorter sorts first. */
static inline int s_rec_cmp_tails(const char *a, const char *b)
{
    rec_key_t x;
    rec_key_t y;
    s_rec_key(a, &x);
    s_rec_key(b, &y);
    int c = run_key_cmp((mr_bytes_t){ x.tail, x.tail_len }, (mr_bytes_t){ y.tail, y.tail_len });
    if (c)
        return c;
    return x.len < y.len ? -1 : x.len > y.len;
}

/* Whether record a's entry key sorts before b's (bytewise). */
static inline bool s_rec_before(const group_rec_t *a, const group_rec_t *b)
{
    if (a->prefix != b->prefix)
        return a->prefix < b->prefix;
    return s_rec_cmp_tails(a->at, b->at) < 0;
}

#define SORT_T group_rec_t
#define SORT_BEFORE s_rec_before
#define SORT_NAME s_sort_recs
#include "group_sort_tmpl.h"

void group__lines_sort(group_lines_t *l)
{
    unsigned depth = 0;
    for (size_t m = l->n; m > 1; m >>= 1)
        depth += 2;
    s_sort_recs(l->recs, l->n, depth);
    l->next = 0;
}

bool group__lines_next(group_lines_t *l, mr_bytes_t *entry_key, group_line_t *line)
{
    if (l->next == l->n)
        return false;
    const group_rec_t *r = &l->recs[l->next++];
    rec_key_t k;
    uint64_t order_len, key_len, count;
    s_rec_read(r->at, &k, &order_len, &key_len, &count);
    /* Equal lines are neighbours once sorted: one record, counted. */
    while (l->next < l->n && l->recs[l->next].prefix == r->prefix &&
           s_rec_cmp_tails(l->recs[l->next].at, r->at) == 0) {
        rec_key_t k2;
        uint64_t o, kl, c;
        s_rec_read(l->recs[l->next++].at, &k2, &o, &kl, &c);
        count += c;
    }
    /* The entry key again: the prefix's bytes (big-endian), then the tail. */
    unsigned char head[8];
    uint64_t be = r->prefix;
    for (int i = 7; i >= 0; i--) {
        head[i] = (unsigned char)be;
        be >>= 8;
    }
    buf_reset(&l->key);
    int rc = buf_append(&l->key, head, k.len < 8 ? k.len : 8);
    if (rc == 0)
        rc = buf_append(&l->key, k.tail, k.tail_len);
    assert(rc == 0); /* it was under GROUP_MAX_LINE when added */
    (void)rc;
    *entry_key = (mr_bytes_t){ l->key.data, l->key.len };
    *line = (group_line_t){ le32((uint32_t)order_len), le32((uint32_t)key_len), le64(count) };
    return true;
}
