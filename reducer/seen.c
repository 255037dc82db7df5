/*
 * seen.c - sliding bitmap.  See seen.h.
 */
#include "seen.h"

#include "mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct seen {
    uint64_t *words; /* owned bits for indexes from base on */
    size_t n_words;  /* words allocated */
    uint64_t base;   /* index of bit 0 of words[0]; a multiple of 64 */
    uint64_t count;  /* indexes marked */
};

seen_t *seen_new(void)
{
    seen_t *self = mem_calloc(1, sizeof *self);
    self->n_words = 16;
    self->words = mem_calloc(self->n_words, sizeof *self->words);
    return self;
}

void seen_destroy(seen_t **self_p)
{
    if (!*self_p)
        return;
    free((*self_p)->words);
    free(*self_p);
    *self_p = NULL;
}

/* Drops leading words that are all ones. */
static void s_slide(seen_t *self)
{
    size_t full = 0;
    while (full < self->n_words && self->words[full] == UINT64_MAX)
        full++;
    if (full == 0)
        return;
    memmove(self->words, self->words + full, (self->n_words - full) * sizeof *self->words);
    memset(self->words + self->n_words - full, 0, full * sizeof *self->words);
    self->base += (uint64_t)full * 64;
}

int seen_add(seen_t *self, uint64_t index)
{
    if (index < self->base)
        return 0;
    uint64_t rel = index - self->base;
    if (rel >= SEEN_MAX_AHEAD)
        return -ERANGE;
    size_t word = (size_t)(rel / 64);
    if (word >= self->n_words) {
        size_t n = self->n_words;
        while (n <= word)
            n *= 2;
        self->words = mem_realloc(self->words, n * sizeof *self->words);
        memset(self->words + self->n_words, 0, (n - self->n_words) * sizeof *self->words);
        self->n_words = n;
    }
    uint64_t bit = (uint64_t)1 << (rel % 64);
    if (self->words[word] & bit)
        return 0;
    self->words[word] |= bit;
    self->count++;
    if (word == 0 && self->words[0] == UINT64_MAX)
        s_slide(self);
    return 1;
}

uint64_t seen_count(const seen_t *self)
{
    return self->count;
}

bool seen_all_below(const seen_t *self, uint64_t n)
{
    if (n <= self->base)
        return true;
    uint64_t rel = n - self->base;
    for (uint64_t i = 0; i < rel; i++) {
        size_t word = (size_t)(i / 64);
        if (word >= self->n_words || !(self->words[word] & ((uint64_t)1 << (i % 64))))
            return false;
    }
    return true;
}
