/*
 * test_line.c - proto/fold/line.h and line.c: the output line, whole
 * (line_len, line_write) and in pieces (line_pieces).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "line.h"

#include <string.h>

/* Formats key and value in form f both ways, checks that the two agree
 * and that line_len is what line_write wrote, and returns the line in
 * out (out_cap bytes, with a guard byte after it) and its length. */
static size_t s_format(const line_form_t *f, const void *key, size_t key_len, const void *value,
                       size_t value_len, char *out, size_t out_cap)
{
    size_t len = line_len(f, key_len, value_len);
    assert_true(len + 1 <= out_cap);
    memset(out, '#', out_cap);
    char *end = line_write(out, f, key, key_len, value, value_len);
    assert_int_equal((size_t)(end - out), len);
    assert_int_equal(out[len], '#'); /* nothing past the line */

    line_piece_t piece[LINE_PIECES];
    int n = line_pieces(f, key, key_len, value, value_len, piece);
    assert_true(n == 2 || n == 4);
    char joined[256];
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        assert_true(at + piece[i].len <= sizeof joined);
        if (piece[i].len)
            memcpy(joined + at, piece[i].ptr, piece[i].len);
        at += piece[i].len;
    }
    assert_int_equal(at, len);
    assert_memory_equal(joined, out, len);
    return len;
}

/* The usage example: a reducer's output line, word<TAB>count. */
static void test_key_tab_value_newline(void **state)
{
    (void)state;
    line_form_t f = line_form_tab('\n', false);
    char buf[64];
    size_t len = s_format(&f, "whale", 5, "42", 2, buf, sizeof buf);
    assert_int_equal(len, 9);
    assert_memory_equal(buf, "whale\t42\n", 9);
}

/* An empty key drops its TAB (a map that emits only values prints bare
 * lines), unless the form keeps it (`<TAB>value` for a --reduce-cmd). */
static void test_empty_key(void **state)
{
    (void)state;
    char buf[64];
    line_form_t bare = line_form_tab('\n', false);
    assert_int_equal(s_format(&bare, NULL, 0, "v", 1, buf, sizeof buf), 2);
    assert_memory_equal(buf, "v\n", 2);
    assert_false(line_has_sep(&bare, 0));

    line_form_t kept = line_form_tab('\n', true);
    assert_int_equal(s_format(&kept, NULL, 0, "v", 1, buf, sizeof buf), 3);
    assert_memory_equal(buf, "\tv\n", 3);
    assert_true(line_has_sep(&kept, 0));
}

/* An empty value keeps the key and the TAB; an empty pair is one
 * terminator (or a TAB and a terminator when the form keeps the TAB). */
static void test_empty_value(void **state)
{
    (void)state;
    char buf[64];
    line_form_t f = line_form_tab('\n', false);
    assert_int_equal(s_format(&f, "k", 1, NULL, 0, buf, sizeof buf), 3);
    assert_memory_equal(buf, "k\t\n", 3);
    assert_int_equal(s_format(&f, NULL, 0, NULL, 0, buf, sizeof buf), 1);
    assert_memory_equal(buf, "\n", 1);
    line_form_t kept = line_form_tab('\n', true);
    assert_int_equal(s_format(&kept, NULL, 0, NULL, 0, buf, sizeof buf), 2);
    assert_memory_equal(buf, "\t\n", 2);
}

/* Bytes are copied as they are: NUL, TAB and newline inside a key or a
 * value are not special to the formatter. */
static void test_nul_and_control_bytes(void **state)
{
    (void)state;
    char buf[64];
    line_form_t f = line_form_tab('\n', false);
    size_t len = s_format(&f, "a\0b", 3, "\t\n\0", 3, buf, sizeof buf);
    assert_int_equal(len, 8);
    assert_memory_equal(buf, "a\0b\t\t\n\0\n", 8);
}

/* -0 / -z: a NUL ends each line instead of a newline. */
static void test_nul_terminator(void **state)
{
    (void)state;
    char buf[64];
    line_form_t f = line_form_tab('\0', false);
    assert_int_equal(s_format(&f, "k", 1, "v", 1, buf, sizeof buf), 4);
    assert_memory_equal(buf, "k\tv\0", 4);
    assert_int_equal(s_format(&f, NULL, 0, "v", 1, buf, sizeof buf), 2);
    assert_memory_equal(buf, "v\0", 2);
}

/* Hadoop's TextOutputFormat separator: several bytes, or none, and written
 * for an empty key too. */
static void test_other_separators(void **state)
{
    (void)state;
    char buf[64];
    line_form_t wide = { "::", 2, '\n', true };
    assert_int_equal(s_format(&wide, "k", 1, "v", 1, buf, sizeof buf), 5);
    assert_memory_equal(buf, "k::v\n", 5);
    assert_int_equal(s_format(&wide, "", 0, "v", 1, buf, sizeof buf), 4);
    assert_memory_equal(buf, "::v\n", 4);
    line_form_t none = { "", 0, '\n', true };
    assert_int_equal(s_format(&none, "k", 1, "v", 1, buf, sizeof buf), 3);
    assert_memory_equal(buf, "kv\n", 3);
}

/* The pieces say which bytes are the pair's (an escaping sink escapes
 * those) and which the form's. */
static void test_pieces_mark_data(void **state)
{
    (void)state;
    line_form_t f = line_form_tab('\n', false);
    line_piece_t piece[LINE_PIECES];
    assert_int_equal(line_pieces(&f, "k", 1, "v", 1, piece), 4);
    assert_true(piece[0].data && !piece[1].data && piece[2].data && !piece[3].data);
    const char *value = "v";
    assert_int_equal(line_pieces(&f, NULL, 0, value, 1, piece), 2); /* no key, no TAB */
    assert_true(piece[0].data && !piece[1].data);
    assert_ptr_equal(piece[0].ptr, value); /* borrowed, not copied */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_tab_value_newline), cmocka_unit_test(test_empty_key),
        cmocka_unit_test(test_empty_value),           cmocka_unit_test(test_nul_and_control_bytes),
        cmocka_unit_test(test_nul_terminator),        cmocka_unit_test(test_other_separators),
        cmocka_unit_test(test_pieces_mark_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
