/*
 * test_scratch.c - master/scratch.c: the job's private scratch directory
 * under --tmpdir, its parts and spill directories, and its removal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "scratch.h"
#include "tmpdir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The usage example: mr-run makes it, reducers fill it, it goes. */
static void test_make_fill_remove(void **state)
{
    (void)state;
    char dir[PATH_MAX];
    assert_int_equal(tmpdir_make(dir, sizeof dir, "scratch"), 0);
    err_t e;
    err_init(&e);
    scratch_t *s = scratch_new(dir, 3, true, &e);
    assert_non_null(s);
    struct stat st;
    assert_int_equal(stat(scratch_dir(s), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    char want[64];
    snprintf(want, sizeof want, "/mr-%d-", (int)getpid());
    assert_non_null(strstr(scratch_dir(s), want));
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(stat(scratch_part(s, i), &st), 0); /* made empty, 0600 */
        assert_int_equal(st.st_size, 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_equal(stat(scratch_spill_dir(s, i), &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_int_not_equal(access(scratch_index(s, i), F_OK), 0); /* the reducer makes it */
        assert_string_equal(scratch_parts(s)[i], scratch_part(s, i));
        assert_string_equal(scratch_indexes(s)[i], scratch_index(s, i));
        /* A reducer's spill run. */
        char run[PATH_MAX + 16];
        snprintf(run, sizeof run, "%s/run-0", scratch_spill_dir(s, i));
        int fd = open(run, O_WRONLY | O_CREAT | O_EXCL, 0600);
        assert_true(fd >= 0);
        close(fd);
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", scratch_dir(s));
    scratch_destroy(&s);
    assert_null(s);
    scratch_destroy(&s); /* accepts NULL */
    assert_int_not_equal(access(path, F_OK), 0);
    tmpdir_remove(dir);
}

/* A missing, unwritable or non-directory --tmpdir fails, naming it. */
static void test_bad_tmpdir(void **state)
{
    (void)state;
    char dir[PATH_MAX];
    assert_int_equal(tmpdir_make(dir, sizeof dir, "scratch"), 0);
    char path[PATH_MAX + 32];
    err_t e;
    err_init(&e);
    snprintf(path, sizeof path, "%s/missing", dir);
    assert_null(scratch_new(path, 1, false, &e));
    assert_int_equal(e.code, -ENOENT);
    assert_non_null(strstr(e.text, path));

    snprintf(path, sizeof path, "%s/file", dir);
    int fd = open(path, O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    close(fd);
    err_init(&e);
    assert_null(scratch_new(path, 1, false, &e));
    assert_int_equal(e.code, -ENOTDIR);

    if (geteuid() != 0) { /* root writes anywhere */
        snprintf(path, sizeof path, "%s/ro", dir);
        assert_int_equal(mkdir(path, 0500), 0);
        err_init(&e);
        assert_null(scratch_new(path, 2, true, &e));
        assert_int_equal(e.code, -EACCES);
        assert_non_null(strstr(e.text, path));
        chmod(path, 0700);
    }
    tmpdir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_make_fill_remove),
        cmocka_unit_test(test_bad_tmpdir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
