/*
 * chunks.c - a ring of window entries indexed by chunk index modulo the
 * window.  base is the lowest index not done; next is the next index to cut.
 */
#include "chunks.h"

#include "mem.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

struct chunks {
    chunk_t *ring; /* owned, window entries */
    size_t window; /* ring size */
    uint64_t base; /* lowest index not done */
    uint64_t next; /* next index to cut */
    size_t n_open; /* entries in [base, next) not done */
};

chunks_t *chunks_new(size_t window)
{
    assert(window > 0);
    chunks_t *self = mem_calloc(1, sizeof *self);
    self->ring = mem_calloc(window, sizeof *self->ring);
    self->window = window;
    return self;
}

void chunks_destroy(chunks_t **self_p)
{
    chunks_t *self = *self_p;
    if (!self)
        return;
    for (uint64_t i = self->base; i < self->next; i++) {
        free(self->ring[i % self->window].src.owned);
        free(self->ring[i % self->window].skip);
    }
    free(self->ring);
    free(self);
    *self_p = NULL;
}

bool chunks_full(const chunks_t *self)
{
    return self->next - self->base >= self->window;
}

chunk_t *chunks_add(chunks_t *self, const split_chunk_t *src)
{
    assert(!chunks_full(self));
    chunk_t *c = &self->ring[self->next % self->window];
    *c = (chunk_t){ .index = self->next, .src = *src, .state = CHUNK_PENDING };
    self->next++;
    self->n_open++;
    return c;
}

chunk_t *chunks_get(chunks_t *self, uint64_t index)
{
    if (index < self->base || index >= self->next)
        return NULL;
    chunk_t *c = &self->ring[index % self->window];
    return c->state == CHUNK_DONE ? NULL : c;
}

chunk_t *chunks_next_pending(chunks_t *self)
{
    for (uint64_t i = self->base; i < self->next; i++) {
        chunk_t *c = &self->ring[i % self->window];
        if (c->state == CHUNK_PENDING)
            return c;
    }
    return NULL;
}

bool chunks_done(chunks_t *self, uint64_t index)
{
    chunk_t *c = chunks_get(self, index);
    if (!c)
        return false;
    c->state = CHUNK_DONE;
    free(c->src.owned);
    c->src.owned = NULL;
    c->src.data = NULL;
    free(c->skip);
    c->skip = NULL;
    c->n_skip = 0;
    self->n_open--;
    while (self->base < self->next && self->ring[self->base % self->window].state == CHUNK_DONE)
        self->base++;
    return true;
}

bool chunks_skip(chunk_t *c, uint64_t offset)
{
    uint32_t at = 0;
    while (at < c->n_skip && c->skip[at] < offset)
        at++;
    if (at < c->n_skip && c->skip[at] == offset)
        return false;
    c->skip = mem_realloc(c->skip, (c->n_skip + 1) * sizeof *c->skip);
    memmove(c->skip + at + 1, c->skip + at, (c->n_skip - at) * sizeof *c->skip);
    c->skip[at] = offset;
    c->n_skip++;
    return true;
}

uint64_t chunks_cut(const chunks_t *self)
{
    return self->next;
}

size_t chunks_open(const chunks_t *self)
{
    return self->n_open;
}

chunk_t *chunks_iter(chunks_t *self, size_t *pos)
{
    while (self->base + *pos < self->next) {
        chunk_t *c = &self->ring[(self->base + (*pos)++) % self->window];
        if (c->state != CHUNK_DONE)
            return c;
    }
    return NULL;
}
