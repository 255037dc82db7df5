/*
 * reorder.h - the reducer's reorder buffer for --ordered output.
 *
 * Results arrive in any order; they are written in chunk order.  The buffer
 * holds the results that arrived ahead of the next chunk to write, at most
 * `capacity` of them: the master never has more than a window of chunks in
 * flight, so a larger gap means a broken or hostile peer, refused with
 * -ERANGE rather than stored.  Items are opaque pointers the buffer owns
 * between put and pop.
 */
#ifndef MR_REORDER_H
#define MR_REORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct reorder reorder_t;

/* A buffer for indexes [next, next + capacity); owned by the caller.
 * free_item releases items still held at destroy time. */
reorder_t *reorder_new(size_t capacity, void (*free_item)(void *item));

/* Frees held items and the buffer; accepts NULL; NULLs *self_p. */
void reorder_destroy(reorder_t **self_p);

/* Stores item for index.  Returns 1 when stored (the buffer owns item),
 * 0 when index was already written or is already held (a duplicate: the
 * caller keeps item), or -ERANGE when index is too far ahead. */
int reorder_put(reorder_t *self, uint64_t index, void *item);

/* When the item for the next index is present, removes and returns it
 * (ownership passes to the caller) and advances; otherwise NULL. */
void *reorder_pop(reorder_t *self);

/* The next index to be written. */
uint64_t reorder_next(const reorder_t *self);

/* Items held. */
size_t reorder_held(const reorder_t *self);

#endif
