/*
 * test_recscan.c - tests proto/recscan.h: the delimiters of a chunk found
 * 64 bytes at a time, against memchr's answer.
 */
#include "recscan.h"

#include <stdlib.h>
#include <string.h>

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* Every record of data, as recscan and as memchr split it, must agree. */
static void s_check(const char *data, size_t len, char delim)
{
    recscan_t scan;
    recscan_init(&scan, data, len, delim);
    size_t off = 0;
    while (off < len) {
        const char *want = memchr(data + off, delim, len - off);
        size_t end = recscan_next(&scan, off);
        assert_int_equal(end, want ? (size_t)(want - data) : len);
        off = end < len ? end + 1 : len;
    }
    assert_int_equal(recscan_next(&scan, len), len);
}

/* The usual case, as a mapper uses it: lines of a text. */
static void test_lines(void **state)
{
    (void)state;
    const char *text = "one\ntwo\n\nthree without an end";
    recscan_t scan;
    recscan_init(&scan, text, strlen(text), '\n');
    assert_int_equal(recscan_next(&scan, 0), 3);
    assert_int_equal(recscan_next(&scan, 4), 7);
    assert_int_equal(recscan_next(&scan, 8), 8);
    assert_int_equal(recscan_next(&scan, 9), strlen(text));
    s_check(text, strlen(text), '\n');
    s_check("", 0, '\n');
    s_check("\n", 1, '\n');
}

/* Random chunks of every length around the 64-byte blocks, dense and
 * sparse delimiters, records longer than several blocks, and NUL as the
 * delimiter (the padding of a short tail must not read as one). */
static void test_random(void **state)
{
    (void)state;
    srand(14);
    char *buf = malloc(4096);
    assert_non_null(buf);
    for (int round = 0; round < 2000; round++) {
        size_t len = (size_t)(rand() % 700);
        int density = 1 + rand() % 200;
        char delim = (round % 3 == 0) ? '\0' : '\n';
        for (size_t i = 0; i < len; i++)
            buf[i] = rand() % density == 0 ? delim : (char)('a' + rand() % 26);
        s_check(buf, len, delim);
    }
    /* One record spanning many blocks, ending exactly on a block's end. */
    memset(buf, 'x', 4096);
    buf[4095] = '\n';
    s_check(buf, 4096, '\n');
    buf[4095] = 'x';
    s_check(buf, 4096, '\n');
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
