/*
 * test_htab.c - tests proto/fold/htab.c, the byte-string hash table of the
 * word-count hot path.
 *
 * Upsert, find, count and iteration over 100000 keys (which forces many
 * growths), entries that stay put across growth, clear then reuse, keys that
 * differ only by embedded NULs or by length, the empty key, value_set and
 * value_append, and destroy's NULL handling.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "htab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { N_KEYS = 100000 };

/* Writes the i-th test key ("key:<i>") into out; returns its length. */
static size_t s_key(char *out, size_t size, unsigned i)
{
    int n = snprintf(out, size, "key:%u", i);
    assert_true(n > 0 && (size_t)n < size);
    return (size_t)n;
}

/* Usage: count words. */
static void test_word_count_usage(void **state)
{
    (void)state;
    static const char *words[] = { "the", "cat", "the", "hat", "the" };
    htab_t *counts = htab_new();
    assert_non_null(counts);
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        bool added = false;
        htab_entry_t *e = htab_upsert(counts, words[i], strlen(words[i]), &added);
        assert_non_null(e);
        if (added)
            htab_value_set(e, "1", 1);
        else
            htab_value_append(e, "1", 1); /* tally marks */
    }
    assert_int_equal(htab_count(counts), 3);
    htab_entry_t *the = htab_find(counts, "the", 3);
    assert_non_null(the);
    assert_int_equal(the->key_len, 3);
    assert_memory_equal(the->key, "the", 3);
    assert_int_equal(the->value_len, 3);
    assert_memory_equal(the->value, "111", 3);
    assert_null(htab_find(counts, "dog", 3));

    htab_destroy(&counts);
    assert_null(counts);
}

/* 100000 keys with values: every one found with its value, every one seen
 * exactly once by the iterator, and entries stable across growth. */
static void test_many_keys(void **state)
{
    (void)state;
    htab_t *t = htab_new();
    char key[32];
    bool added = false;

    size_t len = s_key(key, sizeof key, 0);
    htab_entry_t *first = htab_upsert(t, key, len, &added);
    assert_true(added);
    htab_value_set(first, &(unsigned){ 0 }, sizeof(unsigned));

    for (unsigned i = 1; i < N_KEYS; i++) {
        len = s_key(key, sizeof key, i);
        htab_entry_t *e = htab_upsert(t, key, len, &added);
        assert_true(added);
        assert_int_equal(e->value_len, 0);
        htab_value_set(e, &i, sizeof i);
        assert_int_equal(htab_count(t), i + 1);
    }
    assert_int_equal(htab_count(t), N_KEYS);

    /* The first entry survived every growth at the same address. */
    assert_ptr_equal(htab_find(t, "key:0", 5), first);

    /* Upserting again finds, never adds, and keeps the value. */
    for (unsigned i = 0; i < N_KEYS; i++) {
        len = s_key(key, sizeof key, i);
        htab_entry_t *e = htab_upsert(t, key, len, &added);
        assert_false(added);
        assert_int_equal(e->value_len, sizeof i);
        unsigned v;
        memcpy(&v, e->value, sizeof v);
        assert_int_equal(v, i);
        assert_ptr_equal(htab_find(t, key, len), e);
    }
    assert_int_equal(htab_count(t), N_KEYS);

    /* Keys never added are not found, including prefixes and extensions. */
    for (unsigned i = N_KEYS; i < N_KEYS + 1000; i++) {
        len = s_key(key, sizeof key, i);
        assert_null(htab_find(t, key, len));
    }
    assert_null(htab_find(t, "key:1", 4));
    assert_null(htab_find(t, "key:10x", 7));

    /* Iteration visits each entry exactly once. */
    unsigned char *seen = calloc(N_KEYS, 1);
    size_t pos = 0;
    size_t visited = 0;
    htab_entry_t *e;
    while ((e = htab_next(t, &pos))) {
        unsigned v;
        assert_int_equal(e->value_len, sizeof v);
        memcpy(&v, e->value, sizeof v);
        assert_true(v < N_KEYS);
        len = s_key(key, sizeof key, v);
        assert_int_equal(e->key_len, len);
        assert_memory_equal(e->key, key, len);
        assert_int_equal(seen[v], 0);
        seen[v] = 1;
        visited++;
    }
    assert_int_equal(visited, N_KEYS);
    assert_null(htab_next(t, &pos)); /* stays finished */
    free(seen);
    htab_destroy(&t);
}

/* Entries are found both sides of each growth boundary. */
static void test_growth_boundaries(void **state)
{
    (void)state;
    htab_t *t = htab_new();
    char key[32];
    bool added;
    for (unsigned i = 0; i < 5000; i++) {
        size_t len = s_key(key, sizeof key, i);
        htab_upsert(t, key, len, &added);
        assert_true(added);
        /* After each insert, every earlier key is still there. */
        if ((i & (i + 1)) == 0 || i % 511 == 0) {
            for (unsigned j = 0; j <= i; j++) {
                len = s_key(key, sizeof key, j);
                htab_entry_t *e = htab_find(t, key, len);
                assert_non_null(e);
                assert_memory_equal(e->key, key, len);
            }
        }
    }
    assert_int_equal(htab_count(t), 5000);
    htab_destroy(&t);
}

static void test_clear_then_reuse(void **state)
{
    (void)state;
    htab_t *t = htab_new();
    char key[32];
    bool added;
    for (unsigned i = 0; i < N_KEYS; i++) {
        size_t len = s_key(key, sizeof key, i);
        htab_value_set(htab_upsert(t, key, len, &added), "v", 1);
    }
    htab_clear(t);
    assert_int_equal(htab_count(t), 0);
    size_t pos = 0;
    assert_null(htab_next(t, &pos));
    assert_null(htab_find(t, "key:0", 5));
    assert_null(htab_find(t, "key:99999", 9));

    /* Reuse: old keys come back as new, with empty values. */
    for (int round = 0; round < 3; round++) {
        for (unsigned i = 0; i < N_KEYS; i += 7) {
            size_t len = s_key(key, sizeof key, i);
            htab_entry_t *e = htab_upsert(t, key, len, &added);
            assert_true(added);
            assert_int_equal(e->value_len, 0);
            htab_value_set(e, &round, sizeof round);
        }
        assert_int_equal(htab_count(t), (N_KEYS + 6) / 7);
        htab_entry_t *e = htab_find(t, "key:7", 5);
        assert_non_null(e);
        assert_memory_equal(e->value, &round, sizeof round);
        assert_null(htab_find(t, "key:1", 5));
        htab_clear(t);
        assert_int_equal(htab_count(t), 0);
    }
    htab_clear(t); /* clearing an empty table is fine */
    htab_destroy(&t);
}

/* Keys are byte strings: NULs are ordinary bytes, and length matters. */
static void test_binary_keys(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t len;
    } keys[] = {
        { "", 0 },
        { "\0", 1 },
        { "\0\0", 2 },
        { "a", 1 },
        { "a\0", 2 },
        { "a\0b", 3 },
        { "a\0c", 3 },
        { "\0a", 2 },
        { "ab", 2 },
        { "abcdefgh", 8 },
        { "abcdefgh\0", 9 },
        { "abcdefg", 7 },
        { "\0\0\0\0\0\0\0\0", 8 },
        { "\0\0\0\0\0\0\0\0\0", 9 },
    };
    enum { N = sizeof keys / sizeof keys[0] };
    htab_t *t = htab_new();
    htab_entry_t *entries[N];
    for (size_t i = 0; i < N; i++) {
        bool added = false;
        entries[i] = htab_upsert(t, keys[i].bytes, keys[i].len, &added);
        assert_true(added);
        assert_int_equal(entries[i]->key_len, keys[i].len);
        assert_memory_equal(entries[i]->key, keys[i].bytes, keys[i].len);
        htab_value_set(entries[i], &i, sizeof i);
    }
    assert_int_equal(htab_count(t), N);
    for (size_t i = 0; i < N; i++) {
        htab_entry_t *e = htab_find(t, keys[i].bytes, keys[i].len);
        assert_ptr_equal(e, entries[i]);
        size_t v;
        memcpy(&v, e->value, sizeof v);
        assert_int_equal(v, i);
    }

    /* Runs of zero bytes of every length up to 64 are all distinct keys. */
    static const char zeros[64];
    size_t n_added = 0;
    for (size_t len = 0; len <= sizeof zeros; len++) {
        bool added = false;
        htab_upsert(t, zeros, len, &added);
        n_added += added;
    }
    assert_int_equal(n_added, 65 - 5); /* lengths 0, 1, 2, 8 and 9 were in keys[] */
    assert_int_equal(htab_count(t), N + n_added);
    for (size_t len = 0; len <= sizeof zeros; len++) {
        htab_entry_t *e = htab_find(t, zeros, len);
        assert_non_null(e);
        assert_int_equal(e->key_len, len);
    }
    htab_destroy(&t);
}

/* The empty key given as (NULL, 0), as an mr_bytes_t may carry it, is the
 * same key as ("", 0). */
static void test_empty_key_null_pointer(void **state)
{
    (void)state;
    htab_t *t = htab_new();
    bool added = false;
    htab_entry_t *e = htab_upsert(t, NULL, 0, &added);
    assert_true(added);
    assert_int_equal(e->key_len, 0);
    assert_ptr_equal(htab_find(t, "", 0), e);
    assert_ptr_equal(htab_upsert(t, "", 0, &added), e);
    assert_false(added);
    assert_ptr_equal(htab_find(t, NULL, 0), e);
    htab_destroy(&t);
}

static void test_values(void **state)
{
    (void)state;
    htab_t *t = htab_new();
    bool added;
    htab_entry_t *e = htab_upsert(t, "k", 1, &added);
    assert_int_equal(e->value_len, 0);
    assert_true(e->value_cap >= e->value_len);

    htab_value_set(e, "abc", 3);
    assert_int_equal(e->value_len, 3);
    assert_memory_equal(e->value, "abc", 3);

    htab_value_append(e, "def", 3);
    assert_int_equal(e->value_len, 6);
    assert_memory_equal(e->value, "abcdef", 6);

    htab_value_append(e, NULL, 0);
    assert_int_equal(e->value_len, 6);

    /* A shorter set replaces, never leaves a tail behind. */
    htab_value_set(e, "x", 1);
    assert_int_equal(e->value_len, 1);
    assert_memory_equal(e->value, "x", 1);

    /* Binary values with NULs. */
    htab_value_set(e, "\0\1\0", 3);
    htab_value_append(e, "\0", 1);
    assert_int_equal(e->value_len, 4);
    assert_memory_equal(e->value, "\0\1\0\0", 4);

    /* Set from a slice of the entry's own value. */
    htab_value_set(e, "0123456789", 10);
    htab_value_set(e, e->value + 3, 4);
    assert_int_equal(e->value_len, 4);
    assert_memory_equal(e->value, "3456", 4);

    /* Empty set. */
    htab_value_set(e, NULL, 0);
    assert_int_equal(e->value_len, 0);

    /* Long appends grow the value; value_cap keeps up. */
    char piece[100];
    for (int i = 0; i < 1000; i++) {
        memset(piece, 'a' + i % 26, sizeof piece);
        htab_value_append(e, piece, sizeof piece);
        assert_true(e->value_cap >= e->value_len);
    }
    assert_int_equal(e->value_len, 100000);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(e->value[i * 100 + 99], 'a' + i % 26);

    /* Other entries' values are independent. */
    htab_entry_t *other = htab_upsert(t, "other", 5, &added);
    htab_value_set(other, "o", 1);
    assert_int_equal(e->value_len, 100000);
    assert_int_equal(htab_find(t, "other", 5)->value_len, 1);
    htab_destroy(&t);
}

/* Values grow one byte at a time across the inline room and onto the heap,
 * keeping every byte; an entry's key is untouched by its value. */
static void test_value_growth_byte_by_byte(void **state)
{
    (void)state;
    htab_t *t = htab_new();
    bool added;
    htab_entry_t *a = htab_upsert(t, "a", 1, &added);
    htab_entry_t *b = htab_upsert(t, "b", 1, &added);
    for (int i = 0; i < 300; i++) {
        char c = (char)('A' + i % 26);
        htab_value_append(a, &c, 1);
        htab_value_set(b, a->value, a->value_len); /* b mirrors a */
        assert_int_equal(a->value_len, (size_t)i + 1);
        assert_true(a->value_cap >= a->value_len);
        for (int j = 0; j <= i; j++)
            assert_int_equal(a->value[j], 'A' + j % 26);
        assert_memory_equal(b->value, a->value, a->value_len);
        assert_int_equal(a->key_len, 1);
        assert_int_equal(a->key[0], 'a');
        assert_int_equal(b->key[0], 'b');
    }
    /* Shrinking back below the inline room keeps working. */
    htab_value_set(a, "tiny", 4);
    assert_int_equal(a->value_len, 4);
    assert_memory_equal(a->value, "tiny", 4);
    htab_destroy(&t);
}

/* Keys of every length from 0 to 300, each in an allocation of exactly its
 * size, so ASan sees any read past a key by the hash or the compare. */
static void test_key_lengths(void **state)
{
    (void)state;
    htab_t *t = htab_new();
    for (size_t len = 0; len <= 300; len++) {
        unsigned char *key = malloc(len ? len : 1);
        for (size_t i = 0; i < len; i++)
            key[i] = (unsigned char)(len * 7 + i);
        bool added = false;
        htab_entry_t *e = htab_upsert(t, key, len, &added);
        assert_true(added);
        assert_int_equal(e->key_len, len);
        assert_memory_equal(e->key, key, len);
        assert_ptr_equal(htab_find(t, key, len), e);
        if (len) {
            key[len - 1] ^= 1; /* a key differing in its last byte */
            assert_null(htab_find(t, key, len));
        }
        free(key);
    }
    assert_int_equal(htab_count(t), 301);

    /* Keys far larger than any internal block. */
    size_t big = 3 * 1024 * 1024;
    char *key = malloc(big);
    memset(key, 'K', big);
    bool added;
    htab_entry_t *e = htab_upsert(t, key, big, &added);
    assert_true(added);
    htab_value_set(e, "big", 3);
    htab_upsert(t, "after", 5, &added);
    assert_true(added);
    assert_ptr_equal(htab_find(t, key, big), e);
    key[big / 2] = 'k';
    assert_null(htab_find(t, key, big));
    free(key);
    assert_int_equal(htab_count(t), 303);
    htab_destroy(&t);
}

/* Clearing frees grown values (LSan would see a leak) and hands out fresh
 * entries with empty values afterwards. */
static void test_clear_with_grown_values(void **state)
{
    (void)state;
    htab_t *t = htab_new();
    char key[32];
    static char value[1000];
    memset(value, 'v', sizeof value);
    bool added;
    for (int round = 0; round < 3; round++) {
        for (unsigned i = 0; i < 20000; i++) {
            size_t len = s_key(key, sizeof key, i);
            htab_entry_t *e = htab_upsert(t, key, len, &added);
            assert_true(added);
            assert_int_equal(e->value_len, 0);
            htab_value_set(e, value, 1 + i % sizeof value);
        }
        assert_int_equal(htab_count(t), 20000);
        htab_entry_t *e = htab_find(t, "key:999", 7);
        assert_non_null(e);
        assert_int_equal(e->value_len, 1000);
        htab_clear(t);
    }
    htab_destroy(&t);
}

/* The hash is a pure function of the bytes. */
static void test_hash(void **state)
{
    (void)state;
    char a[] = "some key that is longer than eight bytes";
    char b[] = "some key that is longer than eight bytes";
    assert_int_equal(htab_hash(a, sizeof a), htab_hash(b, sizeof b));
    assert_true(htab_hash(a, sizeof a) != htab_hash(a, sizeof a - 1));
    assert_true(htab_hash("a", 1) != htab_hash("b", 1));
    assert_true(htab_hash("", 0) != htab_hash("\0", 1));
}

/* How many of the 4096 slot indices (low 12 bits of the hash) n keys
 * built by make(i, key) reach: about 2600 for a good hash. */
static unsigned s_spread(size_t len, void (*make)(unsigned i, unsigned char *key), unsigned n)
{
    static unsigned char seen[4096];
    memset(seen, 0, sizeof seen);
    unsigned distinct = 0;
    for (unsigned i = 1; i <= n; i++) {
        unsigned char key[64];
        memset(key, 'x', sizeof key);
        make(i, key);
        unsigned slot = (unsigned)(htab_hash(key, len) & 4095);
        distinct += !seen[slot];
        seen[slot] = 1;
    }
    return distinct;
}

/* 16-byte keys whose first word, as the hash reads it, is the multiplier
 * constant k1: the inner product is 0 for all of them. */
static void s_first_word_k1(unsigned i, unsigned char *key)
{
    const uint32_t hi = 0xe7037ed1u, lo = 0xa0b428dbu;
    memcpy(key, &hi, 4);
    memcpy(key + 8, &lo, 4);
    memcpy(key + 4, &i, sizeof i);
}

/* 40-byte keys whose first 16-byte block zeroes the chain's product. */
static void s_block_k1(unsigned i, unsigned char *key)
{
    const uint64_t k1 = 0xe7037ed1a0b428dbULL;
    memcpy(key, &k1, 8);
    memcpy(key + 20, &i, sizeof i);
}

/* Keys that make one product of the hash 0 still spread over the table
 * (each such family once shared one slot: 40000 keys took seconds). */
static void test_hash_zero_products(void **state)
{
    (void)state;
    assert_true(s_spread(16, s_first_word_k1, 4096) > 2000);
    assert_true(s_spread(40, s_block_k1, 4096) > 2000);
}

/* htab_bytes counts the slot array and the arena: it grows with the keys
 * and htab_clear brings it back to the slots and one arena block. */
static void test_bytes(void **state)
{
    (void)state;
    htab_t *t = htab_new();
    size_t empty = htab_bytes(t);
    assert_int_equal(empty, 1024 * 16); /* slots only: no arena yet */
    bool added;
    char key[32];
    for (unsigned i = 0; i < 100000; i++) {
        int len = snprintf(key, sizeof key, "key-%06u", i);
        htab_upsert(t, key, (size_t)len, &added);
    }
    size_t full = htab_bytes(t);
    /* 100,000 entries of 32 + 16 + 16 bytes, and 262,144 slots. */
    assert_true(full >= 100000 * 64 + 262144 * 16);
    assert_true(full < 100000 * 64 + 262144 * 16 + 2 * 64 * 1024 + 100000 * 8);
    htab_clear(t);
    assert_true(htab_bytes(t) <= 262144 * 16 + 64 * 1024 + 64);
    htab_destroy(&t);
}

/* Standalone entries: renewed for key after key, growing only when a
 * key does not fit; values on the heap are freed. */
static void test_standalone_entry(void **state)
{
    (void)state;
    size_t room = 0;
    htab_entry_t *e = htab_entry_renew(NULL, &room, "short", 5);
    assert_int_equal(room, 8);
    assert_int_equal(e->key_len, 5);
    assert_memory_equal(e->key, "short", 5);
    assert_int_equal(e->value_len, 0);
    assert_int_equal(htab_entry_heap_bytes(e), 0);
    htab_value_set(e, "12345678", 8);
    htab_entry_t *same = htab_entry_renew(e, &room, "tiny", 4);
    assert_ptr_equal(same, e); /* fits: reused */
    assert_int_equal(e->value_len, 0);
    char big[100];
    memset(big, 'b', sizeof big);
    htab_value_append(e, big, sizeof big);
    assert_true(htab_entry_heap_bytes(e) >= sizeof big);
    e = htab_entry_renew(e, &room, "a-key-longer-than-eight-bytes", 29);
    assert_int_equal(room, 32);
    assert_memory_equal(e->key, "a-key-longer-than-eight-bytes", 29);
    assert_int_equal(htab_entry_heap_bytes(e), 0);
    htab_value_append(e, big, sizeof big); /* on the heap at free */
    e = htab_entry_renew(e, &room, NULL, 0);
    assert_int_equal(e->key_len, 0);
    htab_value_append(e, big, sizeof big);
    htab_entry_free(&e);
    assert_null(e);
    htab_entry_free(&e); /* accepts NULL */
}

static void test_destroy_null_and_twice(void **state)
{
    (void)state;
    htab_t *t = NULL;
    htab_destroy(&t);
    assert_null(t);

    t = htab_new();
    bool added;
    htab_value_set(htab_upsert(t, "k", 1, &added), "v", 1);
    htab_destroy(&t);
    assert_null(t);
    htab_destroy(&t); /* a second destroy is a no-op */
    assert_null(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_word_count_usage),
        cmocka_unit_test(test_many_keys),
        cmocka_unit_test(test_growth_boundaries),
        cmocka_unit_test(test_clear_then_reuse),
        cmocka_unit_test(test_binary_keys),
        cmocka_unit_test(test_empty_key_null_pointer),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_value_growth_byte_by_byte),
        cmocka_unit_test(test_key_lengths),
        cmocka_unit_test(test_clear_with_grown_values),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_hash_zero_products),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_standalone_entry),
        cmocka_unit_test(test_destroy_null_and_twice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
