/*
 * counts.c - the short-key sum table.  See counts.h for why it exists.
 *
 * A slot is 32 bytes, two to a cache line: the key as two 64-bit words in
 * byte order, zero-padded past its length, the sum, and the length plus one
 * (0: empty).  Two keys are equal when their lengths and both words are.
 */
#include "counts.h"

#include "htab.h"
#include "le64.h"
#include "mem.h"

#include <stdlib.h>
#include <string.h>

typedef struct slot {
    uint64_t word[2]; /* the key's bytes in order, zero-padded to 16 */
    uint64_t sum;     /* the key's sum, in host order */
    uint64_t len;     /* key length + 1; 0 marks an empty slot */
} slot_t;

struct counts {
    slot_t *slots; /* owned array of mask + 1 slots */
    size_t mask;   /* slot count - 1, a power of two less one */
    size_t count;  /* keys held */
    size_t max;    /* most keys it takes (counts_set_max_keys) */
};

/* The first slot array: 1024 slots, 32 KB. */
#define COUNTS_FIRST_SLOTS 1024

counts_t *counts_new(void)
{
    counts_t *self = mem_calloc(1, sizeof *self);
    self->mask = COUNTS_FIRST_SLOTS - 1;
    self->slots = mem_calloc(COUNTS_FIRST_SLOTS, sizeof *self->slots);
    self->max = SIZE_MAX;
    return self;
}

void counts_destroy(counts_t **self_p)
{
    counts_t *self = *self_p;
    if (!self)
        return;
    free(self->slots);
    free(self);
    *self_p = NULL;
}

/* Reads a key of at most 16 bytes as two little-endian words, zero past
 * its end, without reading outside it: overlapping loads, the overlap
 * shifted out. */
static inline void s_pack(const void *key, size_t len, uint64_t w[2])
{
    const unsigned char *p = key;
    if (len >= 8) {
        w[0] = le64_load(p);
        w[1] = len == 8 ? 0 : le64_load(p + len - 8) >> (8 * (16 - len));
    } else if (len >= 4) {
        w[0] = le32_load(p) | ((uint64_t)le32_load(p + len - 4) << (8 * (len - 4)));
        w[1] = 0;
    } else {
        w[0] = 0;
        for (size_t i = 0; i < len; i++)
            w[0] |= (uint64_t)p[i] << (8 * i);
        w[1] = 0;
    }
}

/* The slot holding the key (hash h, words w in host order, len + 1 in
 * tagged_len), or the empty slot where it would go.  The hash is htab's:
 * a mapper then sends a chunk's pairs in the order of the reducer's own
 * table, whose inserts walk it almost in order (2.5x fewer reducer
 * samples than pairs in another order, docs/performance.md). */
static inline slot_t *s_probe(const counts_t *self, uint64_t h, const uint64_t w[2],
                              uint64_t tagged_len)
{
    uint64_t w0 = le64(w[0]);
    uint64_t w1 = le64(w[1]);
    size_t i = h & self->mask;
    for (;;) {
        slot_t *s = &self->slots[i];
        if (s->len == 0 || (s->len == tagged_len && s->word[0] == w0 && s->word[1] == w1))
            return s;
        i = (i + 1) & self->mask;
    }
}

/* Doubles the slot array in place: realloc extends a large (mmap'd) array
 * with mremap, without a copy, so the old and the new array are never held
 * at once (a 26 M-key count's reducers peaked at 1.5 GB with a second array,
 * 1.1 GB without), and the keys are re-placed where they are.  The walk
 * starts after an empty slot, so no cluster wraps past its start; a key
 * then lands at or before its old place in the lower half (the slots from
 * its home to there were all taken before, and its own is free now), or in
 * the upper half: never on a slot the walk has yet to visit. */
static void s_grow(counts_t *self)
{
    size_t old_slots = self->mask + 1;
    self->slots = mem_realloc(self->slots, old_slots * 2 * sizeof *self->slots);
    memset(self->slots + old_slots, 0, old_slots * sizeof *self->slots);
    self->mask = old_slots * 2 - 1;
    size_t empty = 0;
    while (self->slots[empty].len)
        empty++;
    for (size_t k = 1; k <= old_slots; k++) {
        slot_t *s = &self->slots[(empty + k) & (old_slots - 1)];
        if (s->len == 0)
            continue;
        slot_t moving = *s;
        s->len = 0;
        uint64_t w[2] = { le64(moving.word[0]), le64(moving.word[1]) };
        uint64_t h = htab_hash(moving.word, (size_t)(moving.len - 1));
        *s_probe(self, h, w, moving.len) = moving;
    }
}

void counts_set_max_keys(counts_t *self, size_t max_keys)
{
    self->max = max_keys;
}

bool counts_add(counts_t *self, const void *key, size_t key_len, uint64_t n)
{
    uint64_t w[2];
    s_pack(key, key_len, w);
    uint64_t h = htab_hash(key, key_len);
    slot_t *s = s_probe(self, h, w, key_len + 1);
    if (s->len == 0) {
        if (self->count >= self->max)
            return false;
        if ((self->count + 1) * 2 > self->mask + 1) {
            s_grow(self);
            s = s_probe(self, h, w, key_len + 1);
        }
        s->word[0] = le64(w[0]);
        s->word[1] = le64(w[1]);
        s->len = key_len + 1;
        s->sum = 0;
        self->count++;
    }
    s->sum += n;
    return true;
}

bool counts_add_le(counts_t *self, const void *key, size_t key_len, const void *value)
{
    uint64_t n;
    memcpy(&n, value, sizeof n);
    return counts_add(self, key, key_len, le64(n));
}

uint64_t counts_get(const counts_t *self, const void *key, size_t key_len, bool *found)
{
    uint64_t w[2];
    s_pack(key, key_len, w);
    const slot_t *s = s_probe(self, htab_hash(key, key_len), w, key_len + 1);
    *found = s->len != 0;
    return s->sum;
}

size_t counts_count(const counts_t *self)
{
    return self->count;
}

size_t counts_bytes(const counts_t *self)
{
    return (self->mask + 1) * sizeof *self->slots;
}

bool counts_next(const counts_t *self, size_t *pos, const char **key, size_t *key_len,
                 uint64_t *sum)
{
    while (*pos <= self->mask) {
        const slot_t *s = &self->slots[(*pos)++];
        if (s->len) {
            *key = (const char *)s->word;
            *key_len = (size_t)(s->len - 1);
            *sum = s->sum;
            return true;
        }
    }
    return false;
}

void counts_clear(counts_t *self)
{
    if (self->count)
        memset(self->slots, 0, (self->mask + 1) * sizeof *self->slots);
    self->count = 0;
}
