/*
 * htab.c - open-addressing hash table with inline keys.  See htab.h for why
 * it exists.  The slot array is a power of two and is kept at most half full,
 * so linear probes stay short.
 */
#include "htab.h"

#include "le64.h"
#include "mem.h"

#include <stdlib.h>
#include <string.h>

typedef struct slot {
    uint64_t hash;       /* hash of the key; meaningful when entry is set */
    htab_entry_t *entry; /* entry in the arena, NULL when the slot is empty */
} slot_t;

/* Value bytes kept inline with each entry: a word count's 8-byte count fits,
 * so most entries never touch the heap. */
#define HTAB_INLINE_VALUE 16

/* Arena blocks: large enough that a block serves thousands of entries. */
#define HTAB_BLOCK (64u * 1024)

typedef struct block {
    struct block *next; /* older block */
    size_t used;        /* bytes handed out from data */
    size_t size;        /* bytes in data */
    char data[];        /* the memory */
} block_t;

struct htab {
    slot_t *slots;      /* owned slot array of mask + 1 slots */
    size_t mask;        /* slot count - 1 */
    size_t count;       /* entries in use */
    block_t *blocks;    /* owned arena, newest first */
    size_t arena_bytes; /* bytes in the arena's blocks */
};

htab_t *htab_new(void)
{
    htab_t *self = mem_calloc(1, sizeof *self);
    self->mask = 1023;
    self->slots = mem_calloc(self->mask + 1, sizeof *self->slots);
    return self;
}

static void *s_arena_alloc(htab_t *self, size_t size)
{
    size = (size + 7) & ~(size_t)7;
    block_t *b = self->blocks;
    if (!b || b->size - b->used < size) {
        size_t n = size > HTAB_BLOCK ? size : HTAB_BLOCK;
        b = mem_alloc(sizeof *b + n);
        b->next = self->blocks;
        b->used = 0;
        b->size = n;
        self->blocks = b;
        self->arena_bytes += sizeof *b + n;
    }
    void *p = b->data + b->used;
    b->used += size;
    return p;
}

/* Frees heap values and empties the arena, keeping its newest block. */
static void s_free_entries(htab_t *self)
{
    for (size_t i = 0; i <= self->mask; i++) {
        htab_entry_t *e = self->slots[i].entry;
        if (e && e->on_heap)
            free(e->value);
        self->slots[i].entry = NULL;
    }
    block_t *keep = self->blocks;
    if (keep) {
        block_t *b = keep->next;
        while (b) {
            block_t *next = b->next;
            free(b);
            b = next;
        }
        keep->next = NULL;
        keep->used = 0;
    }
    self->arena_bytes = keep ? sizeof *keep + keep->size : 0;
    self->count = 0;
}

void htab_destroy(htab_t **self_p)
{
    if (!*self_p)
        return;
    htab_t *self = *self_p;
    s_free_entries(self);
    free(self->blocks);
    free(self->slots);
    free(self);
    *self_p = NULL;
}

void htab_clear(htab_t *self)
{
    s_free_entries(self);
}

static void s_grow(htab_t *self)
{
    size_t new_mask = self->mask * 2 + 1;
    slot_t *slots = mem_calloc(new_mask + 1, sizeof *slots);
    for (size_t i = 0; i <= self->mask; i++) {
        if (!self->slots[i].entry)
            continue;
        size_t j = self->slots[i].hash & new_mask;
        while (slots[j].entry)
            j = (j + 1) & new_mask;
        slots[j] = self->slots[i];
    }
    free(self->slots);
    self->slots = slots;
    self->mask = new_mask;
}

/* Key equality without a call for the short keys of word counts: two
 * overlapping loads cover 8 to 16 bytes (never reading outside either
 * key), and shorter keys compare 4 bytes or less at a time. */
static inline bool s_key_eq(const char *a, const char *b, size_t len)
{
    uint64_t x;
    uint64_t y;
    if (len >= 8 && len <= 16) {
        uint64_t x2;
        uint64_t y2;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        memcpy(&x2, a + len - 8, 8);
        memcpy(&y2, b + len - 8, 8);
        return ((x ^ y) | (x2 ^ y2)) == 0;
    }
    if (len >= 4 && len < 8) {
        uint32_t u;
        uint32_t v;
        uint32_t u2;
        uint32_t v2;
        memcpy(&u, a, 4);
        memcpy(&v, b, 4);
        memcpy(&u2, a + len - 4, 4);
        memcpy(&v2, b + len - 4, 4);
        return ((u ^ v) | (u2 ^ v2)) == 0;
    }
    if (len < 4) {
        for (size_t i = 0; i < len; i++)
            if (a[i] != b[i])
                return false;
        return true;
    }
    return memcmp(a, b, len) == 0;
}

static slot_t *s_probe(const htab_t *self, uint64_t h, const void *key, size_t key_len)
{
    size_t i = h & self->mask;
    for (;;) {
        slot_t *s = &self->slots[i];
        if (!s->entry)
            return s;
        if (s->hash == h && s->entry->key_len == key_len && s_key_eq(s->entry->key, key, key_len))
            return s;
        i = (i + 1) & self->mask;
    }
}

/* Makes e an entry of key with an empty inline value, which starts
 * key_room bytes after the key (key_len rounded up to 8, or more). */
static inline void s_entry_init(htab_entry_t *e, size_t key_room, const void *key, size_t key_len)
{
    e->value = e->key + key_room;
    e->value_len = 0;
    e->value_cap = HTAB_INLINE_VALUE;
    e->key_len = (uint32_t)key_len;
    e->on_heap = 0;
    if (key_len)
        memcpy(e->key, key, key_len);
}

htab_entry_t *htab_upsert(htab_t *self, const void *key, size_t key_len, bool *added)
{
    uint64_t h = htab_hash(key, key_len);
    slot_t *s = s_probe(self, h, key, key_len);
    if (s->entry) {
        *added = false;
        return s->entry;
    }
    if ((self->count + 1) * 2 > self->mask + 1) {
        s_grow(self);
        s = s_probe(self, h, key, key_len);
    }
    size_t key_room = (key_len + 7) & ~(size_t)7;
    htab_entry_t *e = s_arena_alloc(self, sizeof *e + key_room + HTAB_INLINE_VALUE);
    s_entry_init(e, key_room, key, key_len);
    s->hash = h;
    s->entry = e;
    self->count++;
    *added = true;
    return e;
}

htab_entry_t *htab_find(const htab_t *self, const void *key, size_t key_len)
{
    return s_probe(self, htab_hash(key, key_len), key, key_len)->entry;
}

size_t htab_count(const htab_t *self)
{
    return self->count;
}

size_t htab_bytes(const htab_t *self)
{
    return (self->mask + 1) * sizeof *self->slots + self->arena_bytes;
}

size_t htab_entry_heap_bytes(const htab_entry_t *e)
{
    return e->on_heap ? e->value_cap : 0;
}

htab_entry_t *htab_entry_renew(htab_entry_t *e, size_t *room_p, const void *key, size_t key_len)
{
    if (e && e->on_heap)
        free(e->value);
    size_t key_room = (key_len + 7) & ~(size_t)7;
    if (!e || key_room > *room_p) {
        free(e);
        e = mem_alloc(sizeof *e + key_room + HTAB_INLINE_VALUE);
        *room_p = key_room;
    }
    s_entry_init(e, *room_p, key, key_len);
    return e;
}

void htab_entry_free(htab_entry_t **e_p)
{
    htab_entry_t *e = *e_p;
    if (!e)
        return;
    if (e->on_heap)
        free(e->value);
    free(e);
    *e_p = NULL;
}

htab_entry_t *htab_next(const htab_t *self, size_t *pos)
{
    while (*pos <= self->mask) {
        htab_entry_t *e = self->slots[(*pos)++].entry;
        if (e)
            return e;
    }
    return NULL;
}

/* Makes room for need bytes, moving the value to the heap when it outgrows
 * its inline room. */
static void s_value_reserve(htab_entry_t *e, size_t need)
{
    if (need <= e->value_cap)
        return;
    size_t cap = e->value_cap * 2;
    while (cap < need)
        cap *= 2;
    if (e->on_heap) {
        e->value = mem_realloc(e->value, cap);
    } else {
        char *heap = mem_alloc(cap);
        memcpy(heap, e->value, e->value_len);
        e->value = heap;
        e->on_heap = 1;
    }
    e->value_cap = cap;
}

void htab_value_set(htab_entry_t *e, const void *data, size_t len)
{
    if (len > e->value_cap)
        s_value_reserve(e, len);
    if (len)
        memmove(e->value, data, len);
    e->value_len = len;
}

void htab_value_append(htab_entry_t *e, const void *data, size_t len)
{
    s_value_reserve(e, e->value_len + len);
    if (len)
        memcpy(e->value + e->value_len, data, len);
    e->value_len += len;
}
