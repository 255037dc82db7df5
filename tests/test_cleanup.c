/*
 * test_cleanup.c - tests proto/util/cleanup.c: a process that dies of a fatal
 * signal (abort, as on out-of-memory; a segfault; SIGTERM) removes the
 * files and directories it registered, and still dies of that signal; a
 * forgotten path is left; a child that inherited the table (fork without
 * exec) does not remove its parent's files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cleanup.h"
#include "tmpdir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char s_dir[64];

static int s_setup(void **state)
{
    (void)state;
    return tmpdir_make(s_dir, sizeof s_dir, "cleanup");
}

static int s_teardown(void **state)
{
    (void)state;
    return tmpdir_remove(s_dir);
}

static void s_touch(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    close(fd);
}

static bool s_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* Paths for one test: a file, a kept file, and a directory with two files
 * in it, all under s_dir/name. */
typedef struct paths {
    char file[256];
    char kept[256];
    char dir[256];
    char inner[256];
} paths_t;

static void s_make(paths_t *p, const char *name)
{
    char base[128];
    snprintf(base, sizeof base, "%s/%.32s", s_dir, name);
    assert_int_equal(mkdir(base, 0700), 0);
    snprintf(p->file, sizeof p->file, "%s/.out.mr-abc", base);
    snprintf(p->kept, sizeof p->kept, "%s/kept", base);
    snprintf(p->dir, sizeof p->dir, "%s/mr-run", base);
    snprintf(p->inner, sizeof p->inner, "%s/mr-run/control", base);
    s_touch(p->file);
    s_touch(p->kept);
    assert_int_equal(mkdir(p->dir, 0700), 0);
    s_touch(p->inner);
    char other[300];
    snprintf(other, sizeof other, "%s/p1", p->dir);
    s_touch(other);
}

/* Runs a child that registers p's paths (forgetting the kept one), then
 * dies as how says; returns its wait status. */
static int s_child_dies(const paths_t *p, int how)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* No sanitizer's handler to chain to: its report of a raised
         * SIGSEGV would count as a finding. */
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        cleanup_install();
        if (cleanup_add_file(p->file) < 0 || cleanup_add_file(p->kept) < 0 ||
            cleanup_add_dir(p->dir) < 0)
            _exit(99);
        cleanup_forget(p->kept);
        if (how == SIGABRT)
            abort();
        raise(how);
        _exit(98);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

/* The usage example: abort (what mem.h does on out-of-memory) removes what
 * was registered, leaves what was forgotten, and the process still dies of
 * SIGABRT. */
static void test_abort_removes_registered(void **state)
{
    (void)state;
    paths_t p;
    s_make(&p, "abort");
    int status = s_child_dies(&p, SIGABRT);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    assert_false(s_exists(p.file));
    assert_false(s_exists(p.dir));
    assert_true(s_exists(p.kept));
}

static void test_term_and_segv(void **state)
{
    (void)state;
    const int sigs[] = { SIGTERM, SIGSEGV, SIGBUS, SIGHUP };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "sig%d", sigs[i]);
        paths_t p;
        s_make(&p, name);
        int status = s_child_dies(&p, sigs[i]);
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), sigs[i]);
        assert_false(s_exists(p.file));
        assert_false(s_exists(p.dir));
        assert_true(s_exists(p.kept));
    }
}

/* A forked child (between fork and exec, say) that dies leaves its
 * parent's files alone; the parent's own cleanup_run removes them. */
static void test_child_leaves_parents_files(void **state)
{
    (void)state;
    paths_t p;
    s_make(&p, "child");
    assert_int_equal(cleanup_add_file(p.file), 0);
    assert_int_equal(cleanup_add_dir(p.dir), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        cleanup_run();
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(s_exists(p.file));
    assert_true(s_exists(p.inner));
    cleanup_run();
    assert_false(s_exists(p.file));
    assert_false(s_exists(p.dir));
    cleanup_run(); /* nothing left to do, and no harm */
}

/* The scratch directory's shape: files, and subdirectories of files (a
 * reducer's spill runs); one level deeper is left alone, by design. */
static void test_subdirectories_emptied(void **state)
{
    (void)state;
    char base[128];
    char path[300];
    snprintf(base, sizeof base, "%s/scratch", s_dir);
    assert_int_equal(mkdir(base, 0700), 0);
    snprintf(path, sizeof path, "%s/part-0", base);
    s_touch(path);
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/r%d", base, i);
        assert_int_equal(mkdir(path, 0700), 0);
        for (int j = 0; j < 40; j++) { /* more than one getdents64 buffer in all */
            snprintf(path, sizeof path, "%s/r%d/run-%d-with-a-long-name-to-fill-the-buffer", base,
                     i, j);
            s_touch(path);
        }
    }
    /* The normal path. */
    cleanup_remove_dir(base);
    assert_false(s_exists(base));

    /* The fatal path. */
    assert_int_equal(mkdir(base, 0700), 0);
    snprintf(path, sizeof path, "%s/r0", base);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/r0/run-0", base);
    s_touch(path);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        cleanup_install();
        if (cleanup_add_dir(base) < 0)
            _exit(99);
        raise(SIGTERM);
        _exit(98);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_false(s_exists(base));
}

/* The table is bounded; a path too long is refused. */
static void test_limits(void **state)
{
    (void)state;
    char path[128];
    int added = 0;
    for (int i = 0; i < CLEANUP_MAX + 2; i++) {
        snprintf(path, sizeof path, "%s/none-%d", s_dir, i);
        int rc = cleanup_add_file(path);
        assert_true(rc == 0 || rc == -ENOSPC);
        added += rc == 0;
    }
    assert_int_equal(added, CLEANUP_MAX);
    for (int i = 0; i < CLEANUP_MAX + 2; i++) {
        snprintf(path, sizeof path, "%s/none-%d", s_dir, i);
        cleanup_forget(path);
    }
    char *huge = malloc(PATH_MAX + 2);
    assert_non_null(huge);
    memset(huge, 'x', PATH_MAX + 1);
    huge[PATH_MAX + 1] = '\0';
    assert_int_equal(cleanup_add_file(huge), -ENAMETOOLONG);
    free(huge);
    snprintf(path, sizeof path, "%s/again", s_dir);
    assert_int_equal(cleanup_add_file(path), 0);
    cleanup_forget(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_abort_removes_registered),
        cmocka_unit_test(test_subdirectories_emptied),
        cmocka_unit_test(test_term_and_segv),
        cmocka_unit_test(test_child_leaves_parents_files),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
