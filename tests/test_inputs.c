/*
 * test_inputs.c - tests master/inputs.c: a directory stands for the files
 * directly inside it, sorted bytewise, hidden ('_', '.') names and
 * subdirectories left out; files, missing names and "-" pass through in the
 * order given.
 */
#include "inputs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "skip.h"
#include "tmpdir.h"

static char s_dir[64];

static int s_setup(void **state)
{
    (void)state;
    return tmpdir_make(s_dir, sizeof s_dir, "inputs");
}

static int s_teardown(void **state)
{
    (void)state;
    return tmpdir_remove(s_dir);
}

static void s_touch(const char *rel)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", s_dir, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("x\n", f);
    fclose(f);
}

static void s_mkdir(const char *rel)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", s_dir, rel);
    assert_int_equal(mkdir(path, 0755), 0);
}

/* Where the tests expect rel to be, as inputs_expand spells it. */
static const char *s_path(const char *rel)
{
    static char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", s_dir, rel);
    return path;
}

static void test_usage(void **state)
{
    (void)state;
    s_mkdir("logs");
    s_touch("logs/part-b");
    s_touch("logs/part-a");
    s_touch("logs/part-B"); /* bytewise: upper case first */
    s_touch("logs/_SUCCESS");
    s_touch("logs/.part-a.crc");
    s_mkdir("logs/_logs");
    s_mkdir("logs/nested");
    s_touch("logs/nested/deep");
    s_touch("single");

    char logs[PATH_MAX];
    char single[PATH_MAX];
    snprintf(logs, sizeof logs, "%s/logs", s_dir);
    snprintf(single, sizeof single, "%s/single", s_dir);
    const char *names[] = { single, logs, "-", "no-such-file" };
    inputs_t in;
    err_t e;
    err_init(&e);
    assert_int_equal(inputs_expand(names, 4, &in, &e), 0);
    assert_int_equal(in.n, 6);
    assert_string_equal(in.paths[0], single);
    assert_string_equal(in.paths[1], s_path("logs/part-B"));
    assert_string_equal(in.paths[2], s_path("logs/part-a"));
    assert_string_equal(in.paths[3], s_path("logs/part-b"));
    assert_string_equal(in.paths[4], "-");
    assert_string_equal(in.paths[5], "no-such-file"); /* the splitter says it is missing */
    assert_int_equal(in.n_skipped, 1);                /* nested; _logs is hidden */
    assert_string_equal(in.skipped, s_path("logs/nested"));
    inputs_fini(&in);
    inputs_fini(&in); /* idempotent */
}

/* "dir/" gives "dir/name", not "dir//name"; an empty directory gives no
 * files at all (not stdin). */
static void test_trailing_slash_and_empty(void **state)
{
    (void)state;
    s_mkdir("slash");
    s_touch("slash/f");
    s_mkdir("empty");
    char slash[PATH_MAX];
    char empty[PATH_MAX];
    snprintf(slash, sizeof slash, "%s/slash/", s_dir);
    snprintf(empty, sizeof empty, "%s/empty", s_dir);
    const char *names[] = { empty, slash };
    inputs_t in;
    err_t e;
    err_init(&e);
    assert_int_equal(inputs_expand(names, 2, &in, &e), 0);
    assert_int_equal(in.n, 1);
    assert_string_equal(in.paths[0], s_path("slash/f"));
    inputs_fini(&in);

    assert_int_equal(inputs_expand(names, 1, &in, &e), 0);
    assert_int_equal(in.n, 0);
    inputs_fini(&in);
}

/* A directory that cannot be listed is an error naming it.  (root reads
 * any directory: then there is nothing to check.) */
static void test_unreadable(void **state)
{
    (void)state;
    if (geteuid() == 0)
        SKIP_BECAUSE("running as root, which lists any directory");
    s_mkdir("locked");
    char locked[PATH_MAX];
    snprintf(locked, sizeof locked, "%s/locked", s_dir);
    assert_int_equal(chmod(locked, 0), 0);
    const char *names[] = { locked };
    inputs_t in;
    err_t e;
    err_init(&e);
    assert_int_equal(inputs_expand(names, 1, &in, &e), -EACCES);
    assert_non_null(strstr(e.text, locked));
    inputs_fini(&in);
    chmod(locked, 0755);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_trailing_slash_and_empty),
        cmocka_unit_test(test_unreadable),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
