/*
 * test_plugin_counter.c - tests proto/host/plugin_counter.c, the counters a
 * plugin adds with mr_counter(): counts land in the sink's table, summed;
 * an fd sink writes Hadoop's reporter:counter lines, commas and line
 * breaks in the names turned into spaces; a 121st counter is an error
 * plugin_counter_error names, and setting the sink again forgets it; with
 * no sink counts are dropped; an emitter without counter ignores mr_counter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "plugin_counter.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static mr_emitter_t s_emitter = { .counter = plugin_counter_note };

/* The usage example: a map counts records; the mapper's table has them. */
static void test_counts_reach_the_table(void **state)
{
    (void)state;
    counters_t *t = counters_new();
    plugin_counter_sink(t, -1);
    for (int i = 0; i < 5; i++)
        mr_counter(&s_emitter, "quality", "records", 1);
    mr_counter(&s_emitter, "quality", "bad", -2);
    assert_int_equal(counters_value(t, "quality", "records"), 5);
    assert_int_equal(counters_value(t, "quality", "bad"), -2);
    err_t e;
    err_init(&e);
    assert_int_equal(plugin_counter_error(&e), 0);
    plugin_counter_sink(NULL, -1);
    mr_counter(&s_emitter, "quality", "records", 1); /* dropped */
    assert_int_equal(counters_value(t, "quality", "records"), 5);
    counters_destroy(&t);
}

static void test_fd_sink_writes_reporter_lines(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    plugin_counter_sink(NULL, p[1]);
    mr_counter(&s_emitter, "my,group", "a\nname", 42);
    mr_counter(&s_emitter, "g", "n", -7);
    close(p[1]);
    char buf[256] = { 0 };
    ssize_t n = read(p[0], buf, sizeof buf - 1);
    close(p[0]);
    assert_true(n > 0);
    assert_string_equal(buf, "reporter:counter:my group,a name,42\nreporter:counter:g,n,-7\n");
    plugin_counter_sink(NULL, -1);
}

static void test_121st_counter_is_an_error(void **state)
{
    (void)state;
    counters_t *t = counters_new();
    plugin_counter_sink(t, -1);
    char name[16];
    for (int i = 0; i <= COUNTERS_MAX; i++) {
        snprintf(name, sizeof name, "c%d", i);
        mr_counter(&s_emitter, "g", name, 1);
    }
    err_t e;
    err_init(&e);
    assert_int_equal(plugin_counter_error(&e), -E2BIG);
    assert_non_null(strstr(e.text, "mr_counter()"));
    plugin_counter_sink(t, -1); /* a new attempt forgets it */
    err_init(&e);
    assert_int_equal(plugin_counter_error(&e), 0);
    counters_destroy(&t);
    plugin_counter_sink(NULL, -1);
}

static void test_emitter_without_counter(void **state)
{
    (void)state;
    mr_emitter_t bare = { 0 };
    mr_counter(&bare, "g", "n", 1); /* no crash, nothing counted */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_reach_the_table),
        cmocka_unit_test(test_fd_sink_writes_reporter_lines),
        cmocka_unit_test(test_121st_counter_is_an_error),
        cmocka_unit_test(test_emitter_without_counter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
