/*
 * test_keycmp.c - proto/keycmp.c: sort(1)'s -k options as an
 * order-preserving encoding, and the key-field partition function.  The
 * orders below are GNU sort's (coreutils 9, LC_ALL=C, -t TAB), pinned.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "keycmp.h"
#include "partition.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A line and its entry key (encoding, then the line as the tiebreak, as
 * the reducer stores it). */
typedef struct item {
    const char *line;
    buf_t enc;
} item_t;

static int s_cmp(const void *a, const void *b)
{
    const item_t *x = a;
    const item_t *y = b;
    size_t n = x->enc.len < y->enc.len ? x->enc.len : y->enc.len;
    int c = n ? memcmp(x->enc.data, y->enc.data, n) : 0;
    if (c)
        return c;
    return x->enc.len < y->enc.len ? -1 : x->enc.len > y->enc.len;
}

/* Sorts lines (each read whole as the key) by options, as the reducer
 * would, and checks the order is want's, '|'-separated. */
static void s_check_order(const char *options, const char *const *lines, size_t n, const char *want)
{
    keycmp_t k;
    err_t e;
    err_init(&e);
    assert_int_equal(keycmp_parse(&k, options, '\t', &e), 0);
    item_t *items = calloc(n, sizeof *items);
    assert_non_null(items);
    for (size_t i = 0; i < n; i++) {
        items[i].line = lines[i];
        buf_init(&items[i].enc, 1 << 20);
        assert_int_equal(keycmp_encode(&k, lines[i], strlen(lines[i]), &items[i].enc), 0);
        assert_int_equal(buf_append(&items[i].enc, lines[i], strlen(lines[i])), 0);
    }
    qsort(items, n, sizeof *items, s_cmp);
    char got[1024];
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(got + used, sizeof got - used, "%s|", items[i].line);
        assert_true(w > 0 && (size_t)w < sizeof got - used);
        used += (size_t)w;
        buf_fini(&items[i].enc);
    }
    free(items);
    assert_string_equal(got, want);
}

/* The usage example: the secondary sort's comparator, year ascending and
 * temperature descending, as the reducer stores keys. */
static void test_secondary_sort(void **state)
{
    (void)state;
    static const char *const lines[] = { "1950\t22", "1949\t111", "1950\t0", "1950\t-11",
                                         "1949\t78" };
    s_check_order("-k1,1n -k2,2nr", lines, 5, "1949\t111|1949\t78|1950\t22|1950\t0|1950\t-11|");
}

static const char *const s_numbers[] = { "-10", "-9.5",  "-9.50", "-0",    "0",     "",
                                         "abc", "0.001", ".5",    "00012", "12",    "12.0001",
                                         "1e3", "-",     " 7",    "100",   "99.99", "-.5",
                                         "1",   "1.",    "-1",    "-100",  "7x" };
#define N_NUMBERS (sizeof s_numbers / sizeof s_numbers[0])

/* sort -k1,1n: GNU's numbers (signs, fractions, leading zeros, blanks,
 * text as 0), ties bytewise. */
static void test_numeric(void **state)
{
    (void)state;
    s_check_order("-k1,1n", s_numbers, N_NUMBERS,
                  "-100|-10|-9.5|-9.50|-1|-.5||-|-0|0|abc|0.001|.5|1|1.|1e3| 7|7x|00012|12|"
                  "12.0001|99.99|100|");
}

/* sort -k1,1nr: reversed, but ties still bytewise (sort's last resort is
 * not reversed by a key's r). */
static void test_numeric_reverse(void **state)
{
    (void)state;
    s_check_order("-k1,1nr", s_numbers, N_NUMBERS,
                  "100|99.99|12.0001|00012|12| 7|7x|1|1.|1e3|.5|0.001||-|-0|0|abc|-.5|-1|-9.5|"
                  "-9.50|-10|-100|");
}

static const char *const s_pairs[] = { "b\t2", "a\t10", "a\t9",  "b\t-1",  "a\tx",
                                       "\t3",  "a",     "ab\t1", "a\t9\tz" };

/* Text fields, a field past the end, and -kF without an end (to the end
 * of the key, separators included). */
static void test_fields(void **state)
{
    (void)state;
    s_check_order("-k1,1 -k2,2nr", s_pairs, 9, "\t3|a\t10|a\t9|a\t9\tz|a|a\tx|ab\t1|b\t2|b\t-1|");
    s_check_order("-k1,1r -k2n", s_pairs, 9, "b\t-1|b\t2|ab\t1|a|a\tx|a\t9|a\t9\tz|a\t10|\t3|");
}

/* Global -n and -r go to each -k without flags of its own, or to the
 * whole key when there is no -k; other words are passed over, as
 * Hadoop's KeyFieldHelper does. */
static void test_parse(void **state)
{
    (void)state;
    keycmp_t k;
    err_t e;
    err_init(&e);
    assert_int_equal(keycmp_parse(&k, "-nr -k2 -k1,1n", '.', &e), 0);
    assert_int_equal(k.n, 2);
    assert_int_equal(k.sep, '.');
    assert_int_equal(k.spec[0].first, 2);
    assert_int_equal(k.spec[0].last, 0);
    assert_true(k.spec[0].numeric && k.spec[0].reverse);
    assert_true(k.spec[1].numeric && !k.spec[1].reverse);
    assert_int_equal(keycmp_parse(&k, "-k2nr 1", '\t', &e), 0);
    assert_int_equal(k.n, 1);
    assert_int_equal(keycmp_parse(&k, "-k 3,4", '\t', &e), 0);
    assert_int_equal(k.spec[0].first, 3);
    assert_int_equal(k.spec[0].last, 4);
    assert_int_equal(keycmp_parse(&k, "-r", '\t', &e), 0);
    assert_int_equal(k.n, 1);
    assert_true(k.spec[0].reverse && k.spec[0].first == 1 && k.spec[0].last == 0);
    assert_int_equal(keycmp_parse(&k, NULL, '\t', &e), 0);
    assert_int_equal(k.n, 0);
    buf_t b;
    buf_init(&b, 64);
    assert_int_equal(keycmp_encode(&k, "x", 1, &b), 0);
    assert_int_equal(b.len, 0); /* no specs: nothing before the line */
    buf_fini(&b);
    static const char *const bad[] = { "-k1.3n", "-k0", "-k2,1", "-k1,1b", "-k", "-kx" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err_init(&e);
        assert_int_equal(keycmp_parse(&k, bad[i], '\t', &e), -EINVAL);
        assert_non_null(strstr(e.text, "-k"));
    }
}

/* A zero byte in a text field sorts before any other byte and after the
 * field's end; a capped buffer gives -EMSGSIZE. */
static void test_zero_bytes_and_cap(void **state)
{
    (void)state;
    keycmp_t k;
    err_t e;
    err_init(&e);
    assert_int_equal(keycmp_parse(&k, "-k1,1", '\t', &e), 0);
    buf_t a, b;
    buf_init(&a, 64);
    buf_init(&b, 64);
    assert_int_equal(keycmp_encode(&k, "a", 1, &a), 0);
    assert_int_equal(keycmp_encode(&k, "a\0", 2, &b), 0);
    assert_true(memcmp(a.data, b.data, a.len < b.len ? a.len : b.len) < 0);
    buf_reset(&b);
    assert_int_equal(keycmp_encode(&k, "a\0\1", 3, &b), 0);
    buf_reset(&a);
    assert_int_equal(keycmp_encode(&k, "a\1", 2, &a), 0);
    assert_true(memcmp(b.data, a.data, 2) < 0); /* "a\0\1" before "a\1" */
    buf_fini(&a);
    buf_fini(&b);
    buf_init(&a, 4);
    assert_int_equal(keycmp_encode(&k, "abcdef", 6, &a), -EMSGSIZE);
    buf_fini(&a);
}

/* KeyFieldBasedPartitioner: keys equal in the -k fields meet in one
 * partition; without specs it is partition_of. */
static void test_partition(void **state)
{
    (void)state;
    keycmp_t k;
    err_t e;
    err_init(&e);
    assert_int_equal(keycmp_parse(&k, "-k1,1", '\t', &e), 0);
    uint32_t first = keycmp_partition(&k, "1950\t22", 7, 7);
    assert_true(first < 7);
    assert_int_equal(keycmp_partition(&k, "1950\t-11", 8, 7), first);
    assert_int_equal(keycmp_partition(&k, "1950", 4, 7), first);
    assert_int_equal(keycmp_partition(&k, "x", 1, 1), 0);
    unsigned seen = 0;
    char key[32];
    for (int y = 1900; y < 2000; y++) {
        int n = snprintf(key, sizeof key, "%d\t%d", y, y * 7);
        seen |= 1u << keycmp_partition(&k, key, (size_t)n, 7);
    }
    assert_int_equal(seen, 0x7f); /* years spread over every partition */
    keycmp_t none;
    assert_int_equal(keycmp_parse(&none, "", '\t', &e), 0);
    assert_int_equal(keycmp_partition(&none, "whale", 5, 4), partition_of("whale", 5, 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secondary_sort),  cmocka_unit_test(test_numeric),
        cmocka_unit_test(test_numeric_reverse), cmocka_unit_test(test_fields),
        cmocka_unit_test(test_parse),           cmocka_unit_test(test_zero_bytes_and_cap),
        cmocka_unit_test(test_partition),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
