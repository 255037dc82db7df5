/*
 * test_buf.c - tests proto/util/buf.c, the capped growing byte buffer.
 *
 * Appends keep every byte, reserve makes room without changing the contents,
 * the cap is exact (max bytes fit, max + 1 do not, and a refused append
 * changes nothing), reset keeps the storage, and fini frees it and may be
 * repeated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "buf.h"

#include <errno.h>
#include <string.h>

/* Usage: a buffer capped at 1 KiB collects two appends. */
static void test_append_usage(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 1024);
    assert_null(b.data);
    assert_int_equal(b.len, 0);

    assert_int_equal(buf_append(&b, "hello, ", 7), 0);
    assert_int_equal(buf_append(&b, "world", 5), 0);
    assert_int_equal(b.len, 12);
    assert_memory_equal(b.data, "hello, world", 12);
    assert_true(b.cap >= b.len);

    buf_fini(&b);
    assert_null(b.data);
}

/* Many small appends across several growths keep every byte in order. */
static void test_append_grows(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 1 << 20);
    for (unsigned i = 0; i < 100000; i++) {
        unsigned char c = (unsigned char)(i * 7);
        assert_int_equal(buf_append(&b, &c, 1), 0);
    }
    assert_int_equal(b.len, 100000);
    assert_true(b.cap >= 100000 && b.cap <= b.max);
    for (unsigned i = 0; i < 100000; i++)
        assert_int_equal((unsigned char)b.data[i], (unsigned char)(i * 7));

    /* One append larger than the doubling step. */
    static char block[300000];
    memset(block, 'q', sizeof block);
    assert_int_equal(buf_append(&b, block, sizeof block), 0);
    assert_int_equal(b.len, 400000);
    assert_int_equal(b.data[399999], 'q');
    assert_int_equal((unsigned char)b.data[99999], (unsigned char)(99999u * 7));
    buf_fini(&b);
}

/* Appending nothing, even from NULL, succeeds and changes nothing. */
static void test_append_empty(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 16);
    assert_int_equal(buf_append(&b, NULL, 0), 0);
    assert_int_equal(b.len, 0);
    assert_int_equal(buf_append(&b, "ab", 2), 0);
    assert_int_equal(buf_append(&b, NULL, 0), 0);
    assert_int_equal(b.len, 2);
    assert_memory_equal(b.data, "ab", 2);
    buf_fini(&b);
}

static void test_reserve(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 10000);
    assert_int_equal(buf_append(&b, "xyz", 3), 0);

    assert_int_equal(buf_reserve(&b, 5000), 0);
    assert_int_equal(b.len, 3); /* reserve never changes the contents */
    assert_true(b.cap >= 5003);
    assert_memory_equal(b.data, "xyz", 3);

    /* After a reserve, appends within it do not move the storage. */
    char *data = b.data;
    static char block[5000];
    memset(block, 'r', sizeof block);
    assert_int_equal(buf_append(&b, block, sizeof block), 0);
    assert_ptr_equal(b.data, data);
    assert_int_equal(b.len, 5003);

    assert_int_equal(buf_reserve(&b, 0), 0);
    assert_int_equal(buf_reserve(&b, 10000 - 5003), 0);
    assert_true(b.cap >= 10000);
    assert_int_equal(buf_reserve(&b, 10000 - 5003 + 1), -EMSGSIZE);
    assert_int_equal(b.len, 5003);
    buf_fini(&b);
}

/* max bytes fit; one more is refused, and the refusal changes nothing. */
static void test_cap_boundary(void **state)
{
    (void)state;
    static char block[1000];
    memset(block, 'c', sizeof block);

    buf_t b;
    buf_init(&b, 1000);
    assert_int_equal(buf_append(&b, block, 999), 0);
    assert_int_equal(buf_append(&b, "!", 1), 0);
    assert_int_equal(b.len, 1000);
    assert_int_equal(b.data[999], '!');

    assert_int_equal(buf_append(&b, "?", 1), -EMSGSIZE);
    assert_int_equal(b.len, 1000);
    assert_int_equal(b.data[999], '!');
    assert_int_equal(buf_reserve(&b, 1), -EMSGSIZE);
    assert_int_equal(buf_reserve(&b, 0), 0);
    assert_int_equal(buf_append(&b, NULL, 0), 0);
    assert_true(b.cap <= b.max);
    buf_fini(&b);

    /* One append of max + 1 into an empty buffer allocates nothing. */
    buf_init(&b, 1000);
    static char big[1001];
    assert_int_equal(buf_append(&b, big, sizeof big), -EMSGSIZE);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(buf_append(&b, block, 1000), 0);
    assert_int_equal(b.len, 1000);
    buf_fini(&b);

    /* Byte by byte to the cap, then one more. */
    buf_init(&b, 777);
    for (int i = 0; i < 777; i++)
        assert_int_equal(buf_append(&b, "z", 1), 0);
    assert_int_equal(buf_append(&b, "z", 1), -EMSGSIZE);
    assert_int_equal(b.len, 777);
    assert_true(b.cap >= 777 && b.cap <= b.max);
    buf_fini(&b);
}

/* Sizes near SIZE_MAX must be refused, not wrap around into a small need. */
static void test_cap_no_overflow(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 64);
    assert_int_equal(buf_append(&b, "abcd", 4), 0);
    assert_int_equal(buf_reserve(&b, SIZE_MAX), -EMSGSIZE);
    assert_int_equal(buf_reserve(&b, SIZE_MAX - 2), -EMSGSIZE);
    assert_int_equal(b.len, 4);
    buf_fini(&b);

    /* A buffer with no cap to speak of still refuses a wrapping size. */
    buf_init(&b, SIZE_MAX);
    assert_int_equal(buf_append(&b, "abcd", 4), 0);
    assert_int_equal(buf_reserve(&b, SIZE_MAX - 3), -EMSGSIZE);
    assert_int_equal(b.len, 4);
    buf_fini(&b);
}

/* A zero cap admits nothing but empty appends. */
static void test_cap_zero(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 0);
    assert_int_equal(buf_append(&b, NULL, 0), 0);
    assert_int_equal(buf_append(&b, "a", 1), -EMSGSIZE);
    assert_int_equal(buf_reserve(&b, 1), -EMSGSIZE);
    assert_int_equal(b.len, 0);
    buf_fini(&b);
}

static void test_reset(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 100);
    assert_int_equal(buf_append(&b, "0123456789", 10), 0);
    char *data = b.data;
    size_t cap = b.cap;

    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_ptr_equal(b.data, data); /* storage kept */
    assert_int_equal(b.cap, cap);
    assert_int_equal(b.max, 100);

    /* The whole cap is available again. */
    static char block[100];
    memset(block, 'k', sizeof block);
    assert_int_equal(buf_append(&b, block, 100), 0);
    assert_int_equal(b.len, 100);
    assert_memory_equal(b.data, block, 100);
    assert_int_equal(buf_append(&b, "x", 1), -EMSGSIZE);

    buf_reset(&b);
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    buf_fini(&b);
}

static void test_fini(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 4096);
    buf_fini(&b); /* never used */
    assert_null(b.data);

    assert_int_equal(buf_append(&b, "abc", 3), 0);
    buf_fini(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(b.max, 4096); /* the cap survives, so the buf can be reused */

    buf_fini(&b); /* twice is safe */
    assert_null(b.data);

    assert_int_equal(buf_append(&b, "again", 5), 0);
    assert_memory_equal(b.data, "again", 5);
    buf_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_usage), cmocka_unit_test(test_append_grows),
        cmocka_unit_test(test_append_empty), cmocka_unit_test(test_reserve),
        cmocka_unit_test(test_cap_boundary), cmocka_unit_test(test_cap_no_overflow),
        cmocka_unit_test(test_cap_zero),     cmocka_unit_test(test_reset),
        cmocka_unit_test(test_fini),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
