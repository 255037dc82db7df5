/*
 * test_reorder.c - tests reducer/reorder.c, the --ordered reorder buffer:
 * results put in any order pop in index order, duplicates are refused
 * without taking the item, an index past the capacity is -ERANGE, and
 * destroy hands held items to the free callback.
 */
#include "reorder.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* An item that knows its index. */
typedef struct item {
    uint64_t index; /* the chunk it stands for */
} item_t;

static size_t s_freed; /* items released through s_free_item */

static item_t *s_item(uint64_t index)
{
    item_t *it = malloc(sizeof *it);
    assert_non_null(it);
    it->index = index;
    return it;
}

static void s_free_item(void *p)
{
    s_freed++;
    free(p);
}

/* Pops everything ready; checks the indexes continue from *next. */
static size_t s_pop_ready(reorder_t *r, uint64_t *next)
{
    size_t n = 0;
    item_t *it;
    while ((it = reorder_pop(r))) {
        assert_int_equal(it->index, *next);
        (*next)++;
        assert_int_equal(reorder_next(r), *next);
        free(it);
        n++;
    }
    return n;
}

/* 1. The usage example: chunk 1 arrives first and waits for chunk 0. */
static void test_usage(void **state)
{
    (void)state;
    reorder_t *r = reorder_new(4, s_free_item);
    assert_int_equal(reorder_next(r), 0);

    assert_int_equal(reorder_put(r, 1, s_item(1)), 1);
    assert_null(reorder_pop(r)); /* 0 is missing */
    assert_int_equal(reorder_held(r), 1);

    assert_int_equal(reorder_put(r, 0, s_item(0)), 1);
    item_t *it = reorder_pop(r);
    assert_non_null(it);
    assert_int_equal(it->index, 0);
    free(it);
    it = reorder_pop(r);
    assert_non_null(it);
    assert_int_equal(it->index, 1);
    free(it);
    assert_null(reorder_pop(r));
    assert_int_equal(reorder_next(r), 2);
    assert_int_equal(reorder_held(r), 0);

    reorder_destroy(&r);
    assert_null(r);
    reorder_destroy(&r); /* accepts NULL */
}

static void test_in_order(void **state)
{
    (void)state;
    reorder_t *r = reorder_new(3, s_free_item);
    uint64_t next = 0;
    for (uint64_t i = 0; i < 1000; i++) {
        assert_int_equal(reorder_put(r, i, s_item(i)), 1);
        assert_int_equal(s_pop_ready(r, &next), 1);
    }
    assert_int_equal(next, 1000);
    reorder_destroy(&r);
}

static void test_out_of_order(void **state)
{
    (void)state;
    const size_t cap = 16;
    reorder_t *r = reorder_new(cap, s_free_item);
    srand(2);
    uint64_t next = 0;
    /* Batches of cap indexes, each put in a shuffled order. */
    for (uint64_t base = 0; base < 1600; base += cap) {
        uint64_t order[16];
        for (size_t i = 0; i < cap; i++)
            order[i] = base + i;
        for (size_t i = cap - 1; i > 0; i--) {
            size_t j = (size_t)rand() % (i + 1);
            uint64_t t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        size_t popped = 0;
        for (size_t i = 0; i < cap; i++) {
            assert_int_equal(reorder_put(r, order[i], s_item(order[i])), 1);
            popped += s_pop_ready(r, &next);
            assert_int_equal(reorder_held(r), i + 1 - popped);
        }
        assert_int_equal(popped, cap);
        assert_int_equal(next, base + cap);
    }
    reorder_destroy(&r);
    assert_int_equal(s_freed, 0);
}

static void test_duplicates(void **state)
{
    (void)state;
    reorder_t *r = reorder_new(4, s_free_item);
    uint64_t next = 0;
    assert_int_equal(reorder_put(r, 0, s_item(0)), 1);
    assert_int_equal(s_pop_ready(r, &next), 1);

    /* Already popped: refused, the caller keeps (and frees) its item. */
    item_t *dup = s_item(0);
    assert_int_equal(reorder_put(r, 0, dup), 0);
    free(dup);

    /* Already held. */
    assert_int_equal(reorder_put(r, 2, s_item(2)), 1);
    dup = s_item(2);
    assert_int_equal(reorder_put(r, 2, dup), 0);
    free(dup);
    assert_int_equal(reorder_held(r), 1);

    assert_int_equal(reorder_put(r, 1, s_item(1)), 1);
    assert_int_equal(s_pop_ready(r, &next), 2);
    assert_int_equal(next, 3);
    reorder_destroy(&r);
}

static void test_beyond_capacity(void **state)
{
    (void)state;
    reorder_t *r = reorder_new(4, s_free_item);
    item_t *far = s_item(4);
    assert_int_equal(reorder_put(r, 4, far), -ERANGE);
    assert_int_equal(reorder_put(r, UINT64_MAX, far), -ERANGE);
    free(far);
    assert_int_equal(reorder_held(r), 0);

    /* The last index that fits, then the window moves. */
    assert_int_equal(reorder_put(r, 3, s_item(3)), 1);
    for (uint64_t i = 0; i < 3; i++)
        assert_int_equal(reorder_put(r, i, s_item(i)), 1);
    uint64_t next = 0;
    assert_int_equal(s_pop_ready(r, &next), 4);
    assert_int_equal(reorder_put(r, 7, s_item(7)), 1);
    far = s_item(8);
    assert_int_equal(reorder_put(r, 8, far), -ERANGE);
    free(far);
    reorder_destroy(&r);
}

static void test_destroy_frees_held(void **state)
{
    (void)state;
    s_freed = 0;
    reorder_t *r = reorder_new(8, s_free_item);
    for (uint64_t i = 1; i < 8; i += 2)
        assert_int_equal(reorder_put(r, i, s_item(i)), 1);
    assert_int_equal(reorder_held(r), 4);
    reorder_destroy(&r);
    assert_int_equal(s_freed, 4);

    /* Items popped before destroy are the caller's, not freed again. */
    s_freed = 0;
    r = reorder_new(2, s_free_item);
    assert_int_equal(reorder_put(r, 0, s_item(0)), 1);
    assert_int_equal(reorder_put(r, 1, s_item(1)), 1);
    item_t *it = reorder_pop(r);
    reorder_destroy(&r);
    assert_int_equal(s_freed, 1);
    free(it);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),           cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_out_of_order),    cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_beyond_capacity), cmocka_unit_test(test_destroy_frees_held),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
