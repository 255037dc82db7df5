/*
 * test_counts.c - tests proto/fold/counts.c, the short-key sum table of the
 * word-count hot path.
 *
 * Sums and iteration against a reference (htab) over 100000 keys of every
 * length from 0 to 16 (which forces many growths), keys that differ only in
 * their last byte, by a trailing NUL or by length, sums that wrap modulo
 * 2^64, clear then reuse, and destroy's NULL handling.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "counts.h"
#include "htab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Usage: count words. */
static void test_word_count_usage(void **state)
{
    (void)state;
    static const char *words[] = { "the", "cat", "the", "hat", "the" };
    counts_t *c = counts_new();
    assert_non_null(c);
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        counts_add(c, words[i], strlen(words[i]), 1);
    assert_int_equal(counts_count(c), 3);
    bool found = false;
    assert_int_equal(counts_get(c, "the", 3, &found), 3);
    assert_true(found);
    assert_int_equal(counts_get(c, "cat", 3, &found), 1);
    assert_int_equal(counts_get(c, "dog", 3, &found), 0);
    assert_false(found);

    /* Iteration gives each key once, with its bytes and sum. */
    size_t pos = 0;
    const char *key;
    size_t len;
    uint64_t sum;
    uint64_t total = 0;
    size_t n = 0;
    while (counts_next(c, &pos, &key, &len, &sum)) {
        assert_int_equal(len, 3);
        assert_true(memcmp(key, "the", 3) == 0 || memcmp(key, "cat", 3) == 0 ||
                    memcmp(key, "hat", 3) == 0);
        total += sum;
        n++;
    }
    assert_int_equal(n, 3);
    assert_int_equal(total, 5);
    counts_destroy(&c);
    assert_null(c);
    counts_destroy(&c); /* NULL is fine */
}

/* Keys that share all but one byte, or differ by length or a trailing NUL,
 * are different keys, whatever their length (every packing branch). */
static void test_near_keys(void **state)
{
    (void)state;
    counts_t *c = counts_new();
    char key[COUNTS_MAX_KEY];
    for (size_t len = 1; len <= COUNTS_MAX_KEY; len++) {
        for (size_t at = 0; at < len; at++) {
            memset(key, 'a', len);
            key[at] = 'b';
            counts_add(c, key, len, len * 100 + at);
        }
        memset(key, 'a', len);
        counts_add(c, key, len, 7);
    }
    /* The empty key, and keys with NULs. */
    counts_add(c, "", 0, 5);
    counts_add(c, "\0", 1, 6);
    counts_add(c, "\0\0", 2, 8);
    counts_add(c, "ab\0", 3, 9);
    size_t expect = 0;
    for (size_t len = 1; len <= COUNTS_MAX_KEY; len++)
        expect += len + 1;
    assert_int_equal(counts_count(c), expect + 4);

    bool found;
    for (size_t len = 1; len <= COUNTS_MAX_KEY; len++) {
        for (size_t at = 0; at < len; at++) {
            memset(key, 'a', len);
            key[at] = 'b';
            assert_int_equal(counts_get(c, key, len, &found), len * 100 + at);
            assert_true(found);
        }
        memset(key, 'a', len);
        assert_int_equal(counts_get(c, key, len, &found), 7);
    }
    assert_int_equal(counts_get(c, "", 0, &found), 5);
    assert_true(found);
    assert_int_equal(counts_get(c, "\0", 1, &found), 6);
    assert_int_equal(counts_get(c, "\0\0", 2, &found), 8);
    assert_int_equal(counts_get(c, "ab\0", 3, &found), 9);
    assert_int_equal(counts_get(c, "zz", 2, &found), 0);
    assert_false(found);

    /* Iterated keys come back byte for byte. */
    size_t pos = 0;
    const char *k;
    size_t len;
    uint64_t sum;
    size_t n = 0;
    while (counts_next(c, &pos, &k, &len, &sum)) {
        assert_true(len <= COUNTS_MAX_KEY);
        assert_int_equal(counts_get(c, k, len, &found), sum);
        assert_true(found);
        n++;
    }
    assert_int_equal(n, counts_count(c));
    counts_destroy(&c);
}

/* 100000 random keys of 0 to 16 bytes, added many times over, against the
 * general table: same keys, same sums. */
static void test_against_htab(void **state)
{
    (void)state;
    counts_t *c = counts_new();
    htab_t *ref = htab_new();
    uint64_t seed = 42;
    enum { N_ADDS = 300000, N_KEYS = 100000 };
    for (unsigned i = 0; i < N_ADDS; i++) {
        unsigned k = (unsigned)(i * 2654435761u) % N_KEYS;
        char key[COUNTS_MAX_KEY];
        size_t len = k % (COUNTS_MAX_KEY + 1);
        for (size_t j = 0; j < len; j++)
            key[j] = (char)((k >> (j % 4 * 8)) + j);
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        uint64_t n = seed >> 40;
        counts_add(c, key, len, n);
        bool added;
        htab_entry_t *e = htab_upsert(ref, key, len, &added);
        uint64_t old = 0;
        if (!added)
            memcpy(&old, e->value, 8);
        old += n;
        htab_value_set(e, &old, 8);
    }
    assert_int_equal(counts_count(c), htab_count(ref));
    size_t pos = 0;
    const char *key;
    size_t len;
    uint64_t sum;
    while (counts_next(c, &pos, &key, &len, &sum)) {
        htab_entry_t *e = htab_find(ref, key, len);
        assert_non_null(e);
        uint64_t want;
        memcpy(&want, e->value, 8);
        assert_int_equal(sum, want);
    }
    htab_destroy(&ref);
    counts_destroy(&c);
}

/* Sums wrap modulo 2^64. */
static void test_sum_wraps(void **state)
{
    (void)state;
    counts_t *c = counts_new();
    counts_add(c, "k", 1, UINT64_MAX);
    counts_add(c, "k", 1, 3);
    bool found;
    assert_int_equal(counts_get(c, "k", 1, &found), 2);
    counts_destroy(&c);
}

/* clear forgets every key and the table works as new. */
static void test_clear_then_reuse(void **state)
{
    (void)state;
    counts_t *c = counts_new();
    char key[16];
    for (unsigned round = 0; round < 3; round++) {
        for (unsigned i = 0; i < 5000; i++) {
            int len = snprintf(key, sizeof key, "w%u", i);
            counts_add(c, key, (size_t)len, round + 1);
        }
        assert_int_equal(counts_count(c), 5000);
        bool found;
        assert_int_equal(counts_get(c, "w4999", 5, &found), round + 1);
        counts_clear(c);
        assert_int_equal(counts_count(c), 0);
        assert_int_equal(counts_get(c, "w4999", 5, &found), 0);
        assert_false(found);
        size_t pos = 0;
        const char *k;
        size_t len;
        uint64_t sum;
        assert_false(counts_next(c, &pos, &k, &len, &sum));
    }
    counts_destroy(&c);
}

/* With a cap, a full table refuses new keys and still adds to its own. */
static void test_max_keys(void **state)
{
    (void)state;
    counts_t *c = counts_new();
    counts_set_max_keys(c, 2);
    assert_true(counts_add(c, "a", 1, 1));
    assert_true(counts_add(c, "b", 1, 1));
    assert_false(counts_add(c, "c", 1, 1));
    assert_true(counts_add(c, "a", 1, 4));
    assert_int_equal(counts_count(c), 2);
    bool found;
    assert_int_equal(counts_get(c, "a", 1, &found), 5);
    counts_get(c, "c", 1, &found);
    assert_false(found);
    counts_destroy(&c);
}

/* counts_bytes is the slot array: 32 bytes a slot, doubling as the table
 * fills past half, kept by counts_clear. */
static void test_bytes(void **state)
{
    (void)state;
    counts_t *c = counts_new();
    assert_int_equal(counts_bytes(c), 1024 * 32);
    char key[16];
    for (unsigned i = 0; i < 513; i++) {
        int len = snprintf(key, sizeof key, "k%u", i);
        assert_true(counts_add(c, key, (size_t)len, 1));
    }
    assert_int_equal(counts_bytes(c), 2048 * 32);
    counts_clear(c);
    assert_int_equal(counts_bytes(c), 2048 * 32);
    counts_destroy(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_word_count_usage),
        cmocka_unit_test(test_near_keys),
        cmocka_unit_test(test_against_htab),
        cmocka_unit_test(test_sum_wraps),
        cmocka_unit_test(test_clear_then_reuse),
        cmocka_unit_test(test_max_keys),
        cmocka_unit_test(test_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
