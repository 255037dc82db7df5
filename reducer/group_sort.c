/*
 * group_sort.c - sorting the keys a group holds, for a spill and for
 * sorted output: an introsort in place on an 8-byte key prefix, so most
 * comparisons are one integer compare and the sort needs no second array
 * (see docs/architecture.md, "Spilling").  Internal to the group
 * (group_int.h).
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

static inline void s_swap(group_item_t *a, group_item_t *b)
{
    group_item_t t = *a;
    *a = *b;
    *b = t;
}

static void s_sift(group_item_t *items, size_t i, size_t n)
{
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            return;
        if (c + 1 < n && s_before(&items[c], &items[c + 1]))
            c++;
        if (!s_before(&items[i], &items[c]))
            return;
        s_swap(&items[i], &items[c]);
        i = c;
    }
}

/* Sorts items in place: an introsort (quicksort, median of three, with
 * heapsort past a depth and insertion sort for short ranges).  Not qsort:
 * glibc's is a merge sort that allocates a second array as large, memory
 * the budget would not see, and it calls the comparison through a
 * pointer. */
static void s_sort_items(group_item_t *items, size_t n, unsigned depth)
{
    while (n > 16) {
        if (depth-- == 0) {
            for (size_t i = n / 2; i-- > 0;)
                s_sift(items, i, n);
            for (size_t end = n - 1; end > 0; end--) {
                s_swap(&items[0], &items[end]);
                s_sift(items, 0, end);
            }
            return;
        }
        group_item_t *lo = items;
        group_item_t *mid = items + n / 2;
        group_item_t *hi = items + n - 1;
        if (s_before(mid, lo))
            s_swap(mid, lo);
        if (s_before(hi, mid)) {
            s_swap(hi, mid);
            if (s_before(mid, lo))
                s_swap(mid, lo);
        }
        group_item_t pivot = *mid;
        size_t i = 0;
        size_t j = n - 1;
        for (;;) {
            while (s_before(&items[i], &pivot))
                i++;
            while (s_before(&pivot, &items[j]))
                j--;
            if (i >= j)
                break;
            s_swap(&items[i], &items[j]);
            i++;
            j--;
        }
        /* [0, j] and [j + 1, n): recurse into the smaller. */
        size_t left = j + 1;
        if (left < n - left) {
            s_sort_items(items, left, depth);
            items += left;
            n -= left;
        } else {
            s_sort_items(items + left, n - left, depth);
            n = left;
        }
    }
    for (size_t i = 1; i < n; i++) {
        group_item_t t = items[i];
        size_t k = i;
        while (k > 0 && s_before(&t, &items[k - 1])) {
            items[k] = items[k - 1];
            k--;
        }
        items[k] = t;
    }
}

void group__sort_items(group_item_t *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        items[i].prefix = run_key_prefix(items[i].key, items[i].key_len);
    unsigned depth = 0;
    for (size_t m = n; m > 1; m >>= 1)
        depth += 2;
    s_sort_items(items, n, depth);
}
