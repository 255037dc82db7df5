/*
 * htab.c - open-addressing hash table with inline keys.  See htab.h for why
 * it exists.  The slot array is a power of two and is kept at most half full,
 * so linear probes stay short.
 */
#include "htab.h"

#include "mem.h"

#include <stdlib.h>
#include <string.h>

typedef struct slot {
    uint64_t hash;     /* hash of the key; meaningful when entry is set */
    htab_entry_t *entry; /* owned entry, NULL when the slot is empty */
} slot_t;

struct htab {
    slot_t *slots; /* owned slot array of mask + 1 slots */
    size_t mask;   /* slot count - 1 */
    size_t count;  /* entries in use */
};

/* A multiply-xorshift hash over 8-byte words: several times faster than
 * byte-at-a-time FNV on short words, and good enough for linear probing. */
uint64_t htab_hash(const void *key, size_t len)
{
    const unsigned char *p = key;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (len * 0xff51afd7ed558ccdULL);
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
        h ^= h >> 29;
        p += 8;
        len -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, p, len);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 32;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 29;
    return h;
}

htab_t *htab_new(void)
{
    htab_t *self = mem_calloc(1, sizeof *self);
    self->mask = 1023;
    self->slots = mem_calloc(self->mask + 1, sizeof *self->slots);
    return self;
}

static void s_free_entries(htab_t *self)
{
    for (size_t i = 0; i <= self->mask; i++) {
        if (self->slots[i].entry) {
            free(self->slots[i].entry->value);
            free(self->slots[i].entry);
            self->slots[i].entry = NULL;
        }
    }
    self->count = 0;
}

void htab_destroy(htab_t **self_p)
{
    if (!*self_p)
        return;
    htab_t *self = *self_p;
    s_free_entries(self);
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

static slot_t *s_probe(const htab_t *self, uint64_t h, const void *key, size_t key_len)
{
    size_t i = h & self->mask;
    for (;;) {
        slot_t *s = &self->slots[i];
        if (!s->entry)
            return s;
        if (s->hash == h && s->entry->key_len == key_len &&
            memcmp(s->entry->key, key, key_len) == 0)
            return s;
        i = (i + 1) & self->mask;
    }
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
    htab_entry_t *e = mem_alloc(sizeof *e + key_len);
    e->value = NULL;
    e->value_len = 0;
    e->value_cap = 0;
    e->key_len = key_len;
    if (key_len)
        memcpy(e->key, key, key_len);
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

htab_entry_t *htab_next(const htab_t *self, size_t *pos)
{
    while (*pos <= self->mask) {
        htab_entry_t *e = self->slots[(*pos)++].entry;
        if (e)
            return e;
    }
    return NULL;
}

static void s_value_reserve(htab_entry_t *e, size_t need)
{
    if (need <= e->value_cap)
        return;
    size_t cap = e->value_cap ? e->value_cap * 2 : 16;
    while (cap < need)
        cap *= 2;
    e->value = mem_realloc(e->value, cap);
    e->value_cap = cap;
}

void htab_value_set(htab_entry_t *e, const void *data, size_t len)
{
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
