/*
 * test_partition.c - proto/fold/partition.c: which reducer owns a key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "htab.h"
#include "partition.h"

#include <stdio.h>
#include <string.h>

/* The usage example: a mapper picks the reducer of each key, and the
 * reducer it sends the key to checks it owns it. */
static void test_every_key_has_one_owner(void **state)
{
    (void)state;
    const char *key = "whale";
    uint32_t owner = partition_of(key, strlen(key), 4);
    assert_true(owner < 4);
    assert_int_equal(partition_of(key, strlen(key), 4), owner);
    assert_int_equal(partition_of_hash(htab_hash(key, strlen(key)), 4), owner);
}

/* One reducer owns everything, and the empty key has an owner too. */
static void test_one_partition_and_empty_key(void **state)
{
    (void)state;
    assert_int_equal(partition_of("anything", 8, 1), 0);
    assert_int_equal(partition_of("", 0, 1), 0);
    assert_true(partition_of("", 0, 64) < 64);
}

/* A wire contract: these values must never change (every host, every
 * version speaking PROTO_VERSION 4, must agree), so they are pinned. */
static void test_pinned_values(void **state)
{
    (void)state;
    const char *keys[] = { "the", "and", "of", "a-rather-longer-key-than-sixteen", "" };
    uint32_t got[5];
    for (int i = 0; i < 5; i++)
        got[i] = partition_of(keys[i], strlen(keys[i]), 7);
    /* Written down from the first build; a change here breaks every
     * remote mapper of an older build. */
    uint32_t want[5] = { 0, 5, 3, 2, 1 };
    for (int i = 0; i < 5; i++)
        assert_int_equal(got[i], want[i]);
}

/* The high bits pick the partition: the low bits of one partition's
 * hashes (which its own table probes with) stay spread.  With h % n they
 * would all be congruent mod n. */
static void test_partitions_keep_low_bits_uniform(void **state)
{
    (void)state;
    const uint32_t n = 4;
    unsigned low[16] = { 0 };
    unsigned sizes[4] = { 0 };
    char key[32];
    for (int i = 0; i < 40000; i++) {
        int len = snprintf(key, sizeof key, "key%d", i);
        uint64_t h = htab_hash(key, (size_t)len);
        uint32_t p = partition_of_hash(h, n);
        sizes[p]++;
        if (p == 0)
            low[h & 15]++;
    }
    for (uint32_t p = 0; p < n; p++)
        assert_true(sizes[p] > 9000 && sizes[p] < 11000);
    for (int b = 0; b < 16; b++)
        assert_true(low[b] > sizes[0] / 16 / 2 && low[b] < sizes[0] / 16 * 2);
}

/* Every n up to the maximum yields values below n. */
static void test_range(void **state)
{
    (void)state;
    char key[16];
    for (uint32_t n = 1; n <= PARTITION_MAX; n++) {
        for (int i = 0; i < 200; i++) {
            int len = snprintf(key, sizeof key, "%d", i);
            assert_true(partition_of(key, (size_t)len, n) < n);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_key_has_one_owner),
        cmocka_unit_test(test_one_partition_and_empty_key),
        cmocka_unit_test(test_pinned_values),
        cmocka_unit_test(test_partitions_keep_low_bits_uniform),
        cmocka_unit_test(test_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
