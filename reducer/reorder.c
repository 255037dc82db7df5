/*
 * reorder.c - a ring of capacity slots, slot = index % capacity.
 */
#include "reorder.h"

#include "mem.h"

#include <errno.h>
#include <stdlib.h>

struct reorder {
    void **slots;              /* owned ring of item pointers, NULL if empty */
    size_t capacity;           /* ring size */
    uint64_t next;             /* next index to pop */
    size_t held;               /* non-NULL slots */
    void (*free_item)(void *); /* releases items left at destroy */
};

reorder_t *reorder_new(size_t capacity, void (*free_item)(void *item))
{
    reorder_t *self = mem_calloc(1, sizeof *self);
    self->capacity = capacity ? capacity : 1;
    self->slots = mem_calloc(self->capacity, sizeof *self->slots);
    self->free_item = free_item;
    return self;
}

void reorder_destroy(reorder_t **self_p)
{
    reorder_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->capacity; i++)
        if (self->slots[i] && self->free_item)
            self->free_item(self->slots[i]);
    free(self->slots);
    free(self);
    *self_p = NULL;
}

int reorder_put(reorder_t *self, uint64_t index, void *item)
{
    if (index < self->next)
        return 0;
    if (index - self->next >= self->capacity)
        return -ERANGE;
    void **slot = &self->slots[index % self->capacity];
    if (*slot)
        return 0;
    *slot = item;
    self->held++;
    return 1;
}

void *reorder_pop(reorder_t *self)
{
    void **slot = &self->slots[self->next % self->capacity];
    void *item = *slot;
    if (!item)
        return NULL;
    *slot = NULL;
    self->held--;
    self->next++;
    return item;
}

uint64_t reorder_next(const reorder_t *self)
{
    return self->next;
}

size_t reorder_held(const reorder_t *self)
{
    return self->held;
}
