/*
 * test_fmap.c - tests proto/util/fmap.c: a mapped file that is truncated under
 * us reads as zeros past its new end and says so (fmap_lost), instead of
 * killing the process with SIGBUS; a mapping never touched stays clean;
 * a SIGBUS that is not about a mapping goes to the handler before ours.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fmap.h"
#include "tmpdir.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char s_dir[64];

/* What was there before fmap_install: the SIGBUS handler it must chain
 * to for a SIGBUS that is not about a mapping.  (cmocka takes SIGBUS for
 * each test, so each test installs fmap's handler itself.) */
static void s_previous(int sig)
{
    (void)sig;
    _exit(42);
}

static int s_setup(void **state)
{
    (void)state;
    return tmpdir_make(s_dir, sizeof s_dir, "fmap");
}

static int s_teardown(void **state)
{
    (void)state;
    return tmpdir_remove(s_dir);
}

/* A file of size bytes of 'x'; returns its descriptor, path in path. */
static int s_file(char *path, size_t cap, const char *name, size_t size)
{
    snprintf(path, cap, "%s/%s", s_dir, name);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    char block[4096];
    memset(block, 'x', sizeof block);
    for (size_t done = 0; done < size;) {
        size_t n = size - done < sizeof block ? size - done : sizeof block;
        assert_int_equal(write(fd, block, n), (ssize_t)n);
        done += n;
    }
    return fd;
}

/* The usage example: map, read, and ask whether the file stayed whole. */
static void test_usage(void **state)
{
    (void)state;
    fmap_install();
    char path[128];
    int fd = s_file(path, sizeof path, "whole", 3 * 4096 + 10);
    int code = 0;
    const char *data = fmap_map(fd, 3 * 4096 + 10, &code);
    assert_non_null(data);
    size_t xs = 0;
    for (size_t i = 0; i < 3 * 4096 + 10; i++)
        xs += data[i] == 'x';
    assert_int_equal(xs, 3 * 4096 + 10);
    assert_false(fmap_lost(data));
    fmap_unmap(data, 3 * 4096 + 10);
    assert_false(fmap_lost(data)); /* forgotten */
    fmap_unmap(NULL, 0);
    close(fd);
}

/* Truncated to one page: the first page still reads, the rest reads as
 * zeros, and the mapping says it lost pages.  Another mapping is clean. */
static void test_truncated_reads_zeros(void **state)
{
    (void)state;
    fmap_install();
    size_t size = 8 * 4096;
    char path[128], other_path[128];
    int fd = s_file(path, sizeof path, "cut", size);
    int other_fd = s_file(other_path, sizeof other_path, "other", size);
    int code = 0;
    const char *data = fmap_map(fd, size, &code);
    const char *other = fmap_map(other_fd, size, &code);
    assert_non_null(data);
    assert_non_null(other);
    assert_int_equal(ftruncate(fd, 4096), 0);
    size_t xs = 0, zeros = 0;
    for (size_t i = 0; i < size; i++) {
        xs += data[i] == 'x';
        zeros += data[i] == '\0';
    }
    assert_int_equal(xs, 4096);
    assert_int_equal(zeros, size - 4096);
    assert_true(fmap_lost(data));
    assert_true(memchr(other, 'x', size) == other);
    assert_false(fmap_lost(other));
    fmap_unmap(data, size);
    fmap_unmap(other, size);
    close(fd);
    close(other_fd);
}

/* A SIGBUS that is no read of a mapping (here, one sent with kill) goes to
 * the handler that was there before. */
static void test_other_sigbus_chains(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGBUS, s_previous);
        fmap_install();
        raise(SIGBUS);
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 42);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_truncated_reads_zeros),
        cmocka_unit_test(test_other_sigbus_chains),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
