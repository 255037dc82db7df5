/*
 * test_progress.c - tests proto/host/progress.c's status: the map command's
 * last reporter:status, published by a mapper and read by the master.
 */
#include "progress.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tmpdir.h"

static char s_dir[64];

static int s_setup(void **state)
{
    (void)state;
    return tmpdir_make(s_dir, sizeof s_dir, "progress");
}

static int s_teardown(void **state)
{
    (void)state;
    return tmpdir_remove(s_dir);
}

static void test_status(void **state)
{
    (void)state;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/p1", s_dir);
    err_t e;
    err_init(&e);
    progress_t *master = progress_open(path, true, &e);
    assert_non_null(master);
    progress_t *mapper = progress_open(path, false, &e);
    assert_non_null(mapper);

    char text[PROGRESS_STATUS_MAX + 1];
    assert_int_equal(progress_status(progress_slot(master), text, sizeof text), 0);
    assert_string_equal(text, "");

    progress_set_status(progress_slot(mapper), "reading part 3");
    uint64_t first = progress_status(progress_slot(master), text, sizeof text);
    assert_true(first > 0);
    assert_string_equal(text, "reading part 3");

    /* A longer text is cut; a shorter one after it leaves nothing behind;
     * the time moves on. */
    char long_text[200];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    progress_set_status(progress_slot(mapper), long_text);
    progress_status(progress_slot(master), text, sizeof text);
    assert_int_equal(strlen(text), PROGRESS_STATUS_MAX);
    progress_set_status(progress_slot(mapper), "ok");
    assert_true(progress_status(progress_slot(master), text, sizeof text) >= first);
    assert_string_equal(text, "ok");
    /* A small buffer gets a cut copy. */
    char small[3];
    progress_set_status(progress_slot(mapper), "abcdef");
    progress_status(progress_slot(master), small, sizeof small);
    assert_string_equal(small, "ab");

    progress_destroy(&mapper);
    progress_destroy(&master);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
