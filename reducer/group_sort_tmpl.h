/*
 * group_sort_tmpl.h - the group's in-place introsort, written once for
 * the two arrays it sorts: group_sort.c's keys (group_item_t) and the
 * plain store's line index (group_lines.c, group_rec_t).  Include it
 * after defining SORT_T (the element), SORT_BEFORE (a static inline
 * "a sorts before b" on two SORT_T pointers) and SORT_NAME; it defines
 * static void SORT_NAME(SORT_T *items, size_t n, unsigned depth), depth
 * being twice log2(n), and undefines the three.
 *
 * Quicksort, median of three, with heapsort past depth and insertion
 * sort for short ranges.  Not qsort: glibc's is a merge sort that
 * allocates a second array as large, memory the budget would not see,
 * and it calls the comparison through a pointer.
 */
#include <stddef.h>

#define SORT_CAT2(a, b) a##b
#define SORT_CAT(a, b) SORT_CAT2(a, b)
#define SORT_SWAP SORT_CAT(SORT_NAME, _swap)
#define SORT_SIFT SORT_CAT(SORT_NAME, _sift)

static inline void SORT_SWAP(SORT_T *a, SORT_T *b)
{
    SORT_T t = *a;
    *a = *b;
    *b = t;
}

static void SORT_SIFT(SORT_T *items, size_t i, size_t n)
{
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            return;
        if (c + 1 < n && SORT_BEFORE(&items[c], &items[c + 1]))
            c++;
        if (!SORT_BEFORE(&items[i], &items[c]))
            return;
        SORT_SWAP(&items[i], &items[c]);
        i = c;
    }
}

static void SORT_NAME(SORT_T *items, size_t n, unsigned depth)
{
    while (n > 16) {
        if (depth-- == 0) {
            for (size_t i = n / 2; i-- > 0;)
                SORT_SIFT(items, i, n);
            for (size_t end = n - 1; end > 0; end--) {
                SORT_SWAP(&items[0], &items[end]);
                SORT_SIFT(items, 0, end);
            }
            return;
        }
        SORT_T *lo = items;
        SORT_T *mid = items + n / 2;
        SORT_T *hi = items + n - 1;
        if (SORT_BEFORE(mid, lo))
            SORT_SWAP(mid, lo);
        if (SORT_BEFORE(hi, mid)) {
            SORT_SWAP(hi, mid);
            if (SORT_BEFORE(mid, lo))
                SORT_SWAP(mid, lo);
        }
        SORT_T pivot = *mid;
        size_t i = 0;
        size_t j = n - 1;
        for (;;) {
            while (SORT_BEFORE(&items[i], &pivot))
                i++;
            while (SORT_BEFORE(&pivot, &items[j]))
                j--;
            if (i >= j)
                break;
            SORT_SWAP(&items[i], &items[j]);
            i++;
            j--;
        }
        /* [0, j] and [j + 1, n): recurse into the smaller. */
        size_t left = j + 1;
        if (left < n - left) {
            SORT_NAME(items, left, depth);
            items += left;
            n -= left;
        } else {
            SORT_NAME(items + left, n - left, depth);
            n = left;
        }
    }
    for (size_t i = 1; i < n; i++) {
        SORT_T t = items[i];
        size_t k = i;
        while (k > 0 && SORT_BEFORE(&t, &items[k - 1])) {
            items[k] = items[k - 1];
            k--;
        }
        items[k] = t;
    }
}

#undef SORT_SIFT
#undef SORT_SWAP
#undef SORT_CAT
#undef SORT_CAT2
#undef SORT_T
#undef SORT_BEFORE
#undef SORT_NAME
