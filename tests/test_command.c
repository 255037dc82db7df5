/*
 * test_command.c - tests mapper/command.c: command_split_key, Hadoop
 * Streaming's split of a map command's line into key and value
 * (stream.num.map.output.key.fields, stream.map.output.field.separator),
 * and command_run on a small command.
 */
#include "command.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* Splits line; returns key and value joined by '|' in out. */
static const char *s_split(const char *line, const char *sep, unsigned fields, char *out,
                           size_t cap)
{
    size_t value_at = 0;
    size_t key = command_split_key(line, strlen(line), sep, strlen(sep), fields, &value_at);
    snprintf(out, cap, "%.*s|%s", (int)key, line, line + value_at);
    return out;
}

static void test_split_key(void **state)
{
    (void)state;
    char out[128];
    /* The default: the key ends at the first TAB. */
    assert_string_equal(s_split("word\t1", "\t", 1, out, sizeof out), "word|1");
    assert_string_equal(s_split("a\tb\tc", "\t", 1, out, sizeof out), "a|b\tc");
    /* A line without the separator is all key, with an empty value. */
    assert_string_equal(s_split("alone", "\t", 1, out, sizeof out), "alone|");
    assert_string_equal(s_split("", "\t", 1, out, sizeof out), "|");
    assert_string_equal(s_split("\t1", "\t", 1, out, sizeof out), "|1");
    /* N fields: up to the Nth separator; fewer separators: all key. */
    assert_string_equal(s_split("a\tb\tc\td", "\t", 2, out, sizeof out), "a\tb|c\td");
    assert_string_equal(s_split("a\tb", "\t", 2, out, sizeof out), "a\tb|");
    assert_string_equal(s_split("1.2.3.4.5.6", ".", 4, out, sizeof out), "1.2.3.4|5.6");
    assert_string_equal(s_split("1.2.3.4", ".", 4, out, sizeof out), "1.2.3.4|");
    assert_string_equal(s_split("1.2.3.4.", ".", 4, out, sizeof out), "1.2.3.4|");
    /* A separator of several bytes. */
    assert_string_equal(s_split("k::v::w", "::", 1, out, sizeof out), "k|v::w");
    assert_string_equal(s_split("k::v::w", "::", 2, out, sizeof out), "k::v|w");
    assert_string_equal(s_split("k:v", "::", 1, out, sizeof out), "k:v|");
}

static int s_count(void *arg, const char *line, size_t len)
{
    (void)line;
    (void)len;
    (*(int *)arg)++;
    return 0;
}

static void test_run(void **state)
{
    (void)state;
    err_t e;
    err_init(&e);
    int lines = 0;
    const char data[] = "a\nb\nc\n";
    assert_int_equal(command_run("cat", data, strlen(data), s_count, &lines, NULL, &e), 0);
    assert_int_equal(lines, 3);
    assert_int_equal(command_run("exit 3", "", 0, s_count, &lines, NULL, &e), -ECHILD);
    assert_non_null(strstr(e.text, "status 3"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_key),
        cmocka_unit_test(test_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
