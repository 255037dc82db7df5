/*
 * mappers.c - see mappers.h.
 */
#include "mappers.h"

#include "mem.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct mappers {
    mapper_t *items; /* owned array indexed by id - 1 */
    size_t n;        /* entries used */
    size_t cap;      /* entries allocated */
};

mappers_t *mappers_new(void)
{
    return mem_calloc(1, sizeof(mappers_t));
}

void mappers_destroy(mappers_t **self_p)
{
    mappers_t *self = self_p ? *self_p : NULL;
    if (!self)
        return;
    for (size_t i = 0; i < self->n; i++) {
        transport_close(&self->items[i].sock, 0);
        progress_destroy(&self->items[i].progress);
        if (self->items[i].slots >= 0)
            close(self->items[i].slots);
    }
    free(self->items);
    free(self);
    *self_p = NULL;
}

size_t mappers_size(const mappers_t *self)
{
    return self->n;
}

mapper_t *mappers_at(mappers_t *self, size_t i)
{
    return &self->items[i];
}

mapper_t *mappers_find(mappers_t *self, uint32_t id)
{
    if (id == 0 || id > self->n)
        return NULL;
    return &self->items[id - 1];
}

mapper_t *mappers_add(mappers_t *self)
{
    if (self->n == self->cap) {
        self->cap = self->cap ? self->cap * 2 : 8;
        self->items = mem_realloc(self->items, self->cap * sizeof *self->items);
    }
    mapper_t *m = &self->items[self->n];
    memset(m, 0, sizeof *m);
    m->id = (uint32_t)++self->n;
    m->exec_fd = -1;
    m->slots = -1;
    return m;
}

unsigned mappers_alive(const mappers_t *self)
{
    unsigned alive = 0;
    for (size_t i = 0; i < self->n; i++)
        alive += self->items[i].sock != NULL;
    return alive;
}

bool mappers_answered_by(mapper_t *m, uint64_t chunk, uint32_t attempt, uint32_t reducer,
                         uint64_t all)
{
    for (unsigned i = 0; i < m->inflight; i++) {
        attempt_t *a = &m->held[i];
        if (a->chunk != chunk || a->attempt != attempt)
            continue;
        a->acked |= (uint64_t)1 << reducer;
        if (a->acked != all)
            return false; /* credit comes back when every reducer has answered */
        *a = m->held[--m->inflight];
        return true;
    }
    return false;
}

bool mappers_answered(mapper_t *m, uint64_t chunk, uint32_t attempt)
{
    for (unsigned i = 0; i < m->inflight; i++) {
        if (m->held[i].chunk == chunk && m->held[i].attempt == attempt) {
            m->held[i] = m->held[--m->inflight];
            return true;
        }
    }
    return false;
}
