/*
 * group_sort.c - sorting the keys a group holds, for a spill and for
 * sorted output: an introsort in place (group_sort_tmpl.h) on an 8-byte
 * key prefix, so most comparisons are one integer compare and the sort
 * needs no second array (see docs/architecture.md, "Spilling").  Internal
 * to the group (group_int.h).
 */
#include "group_int.h"

#include "run.h"

#include <stdint.h>
#include <string.h>

/* Whether item a's key sorts before b's (bytewise), most often decided
 * by the prefixes alone: sorting 5 M keys with a memcmp call for each
 * comparison took 60 % of a spilling reducer's time. */
static inline bool s_before(const group_item_t *a, const group_item_t *b)
{
    if (a->prefix != b->prefix)
        return a->prefix < b->prefix;
    return run_key_cmp((mr_bytes_t){ a->key, a->key_len }, (mr_bytes_t){ b->key, b->key_len }) < 0;
}

#define SORT_T group_item_t
#define SORT_BEFORE s_before
#define SORT_NAME s_sort_items
#include "group_sort_tmpl.h"

void group__sort_items(group_item_t *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        items[i].prefix = run_key_prefix(items[i].key, items[i].key_len);
    unsigned depth = 0;
    for (size_t m = n; m > 1; m >>= 1)
        depth += 2;
    s_sort_items(items, n, depth);
}
