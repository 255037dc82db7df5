/*
 * test_seen.c - tests reducer/seen.c, the sliding bitmap of merged chunks:
 * new and duplicate marks, the count, all_below, a million indexes in order
 * and shuffled within a window, and the refusal of a far-ahead index.
 */
#include "seen.h"

#include <errno.h>
#include <stdlib.h>

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* 1. The usage example: a chunk merged twice counts once. */
static void test_usage(void **state)
{
    (void)state;
    seen_t *s = seen_new();
    assert_int_equal(seen_count(s), 0);
    assert_true(seen_all_below(s, 0));
    assert_false(seen_all_below(s, 1));

    assert_int_equal(seen_add(s, 0), 1); /* first completion wins */
    assert_int_equal(seen_add(s, 0), 0); /* a late duplicate is dropped */
    assert_int_equal(seen_count(s), 1);
    assert_true(seen_all_below(s, 1));
    assert_false(seen_all_below(s, 2));

    seen_destroy(&s);
    assert_null(s);
    seen_destroy(&s); /* accepts NULL */
}

static void test_gaps(void **state)
{
    (void)state;
    seen_t *s = seen_new();
    assert_int_equal(seen_add(s, 5), 1);
    assert_int_equal(seen_add(s, 70), 1);
    assert_int_equal(seen_add(s, 1000), 1);
    assert_int_equal(seen_add(s, 70), 0);
    assert_int_equal(seen_count(s), 3);
    assert_false(seen_all_below(s, 6));
    for (uint64_t i = 0; i < 5; i++)
        assert_int_equal(seen_add(s, i), 1);
    assert_true(seen_all_below(s, 6));
    assert_false(seen_all_below(s, 7));
    for (uint64_t i = 6; i < 1000; i++)
        assert_int_equal(seen_add(s, i), i == 70 ? 0 : 1);
    assert_int_equal(seen_count(s), 1001);
    assert_true(seen_all_below(s, 1001));
    assert_false(seen_all_below(s, 1002));
    /* Everything below is a duplicate now, also after the slide. */
    for (uint64_t i = 0; i <= 1000; i++)
        assert_int_equal(seen_add(s, i), 0);
    assert_int_equal(seen_count(s), 1001);
    seen_destroy(&s);
}

static void test_million_sequential(void **state)
{
    (void)state;
    const uint64_t n = 1000000;
    seen_t *s = seen_new();
    for (uint64_t i = 0; i < n; i++) {
        if (seen_add(s, i) != 1)
            fail_msg("seen_add(%llu) was not new", (unsigned long long)i);
        if (i % 99991 == 0) {
            assert_int_equal(seen_add(s, i), 0);
            assert_true(seen_all_below(s, i + 1));
            assert_false(seen_all_below(s, i + 2));
        }
    }
    assert_int_equal(seen_count(s), n);
    assert_true(seen_all_below(s, n));
    assert_false(seen_all_below(s, n + 1));
    assert_int_equal(seen_add(s, 0), 0);
    assert_int_equal(seen_add(s, n - 1), 0);
    /* Still room ahead after sliding that far. */
    assert_int_equal(seen_add(s, n + SEEN_MAX_AHEAD - 1), 1);
    seen_destroy(&s);
}

static void test_million_shuffled_in_window(void **state)
{
    (void)state;
    const uint64_t n = 1000000;
    const size_t window = 1000;
    uint64_t *order = malloc(n * sizeof *order);
    assert_non_null(order);
    for (uint64_t i = 0; i < n; i++)
        order[i] = i;
    /* Shuffle overlapping windows of 1000 indexes, as chunks finishing out
     * of order within the master's window would arrive. */
    srand(42);
    for (uint64_t base = 0; base < n; base += window / 2) {
        size_t len = base + window <= n ? window : (size_t)(n - base);
        for (size_t i = len - 1; i > 0; i--) {
            size_t j = (size_t)rand() % (i + 1);
            uint64_t t = order[base + i];
            order[base + i] = order[base + j];
            order[base + j] = t;
        }
    }
    seen_t *s = seen_new();
    uint64_t low = 0; /* every index below low is marked */
    for (uint64_t i = 0; i < n; i++) {
        if (seen_add(s, order[i]) != 1)
            fail_msg("seen_add(%llu) was not new", (unsigned long long)order[i]);
        /* An occasional duplicate, as a slow mapper would send. */
        if (i % 7 == 0)
            assert_int_equal(seen_add(s, order[i / 2]), 0);
        if (i % 50000 == 0) {
            while (low < n && seen_all_below(s, low + 1))
                low++;
            assert_false(seen_all_below(s, low + 1));
        }
    }
    free(order);
    assert_int_equal(seen_count(s), n);
    assert_true(seen_all_below(s, n));
    assert_false(seen_all_below(s, n + 1));
    seen_destroy(&s);
}

static void test_far_ahead(void **state)
{
    (void)state;
    seen_t *s = seen_new();
    assert_int_equal(seen_add(s, SEEN_MAX_AHEAD), -ERANGE);
    assert_int_equal(seen_add(s, UINT64_MAX), -ERANGE);
    assert_int_equal(seen_count(s), 0);
    assert_int_equal(seen_add(s, SEEN_MAX_AHEAD - 1), 1);
    assert_int_equal(seen_count(s), 1);
    assert_false(seen_all_below(s, SEEN_MAX_AHEAD));

    /* The limit moves with the lowest unmarked index. */
    for (uint64_t i = 0; i < 128; i++)
        assert_int_equal(seen_add(s, i), 1);
    assert_int_equal(seen_add(s, 128 + SEEN_MAX_AHEAD), -ERANGE);
    assert_int_equal(seen_add(s, 127 + SEEN_MAX_AHEAD), 1);
    assert_int_equal(seen_count(s), 130);
    seen_destroy(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_gaps),
        cmocka_unit_test(test_million_sequential),
        cmocka_unit_test(test_million_shuffled_in_window),
        cmocka_unit_test(test_far_ahead),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
