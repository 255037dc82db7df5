/*
 * test_out.c - tests reducer/out.c, the buffered output writer: the line
 * format with and without a key, values larger than the 1 MiB buffer, the
 * line count, stdout, and errors that name the path (a missing directory,
 * ENOSPC from /dev/full at flush and close).
 */
#include "out.h"

#include <errno.h>
#include <fcntl.h>
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

#include "tmpdir.h"

/* Larger than out.c's buffer (1 MiB), so that a value must bypass it. */
#define BIG_VALUE ((size_t)3 << 20)

static char s_dir[64];

static int s_setup(void **state)
{
    (void)state;
    return tmpdir_make(s_dir, sizeof s_dir, "out");
}

static int s_teardown(void **state)
{
    (void)state;
    return tmpdir_remove(s_dir);
}

/* A new output file, as mr-run makes it before the reducer opens it. */
static out_t *s_out_new(const char *path, err_t *e)
{
    FILE *f = fopen(path, "w");
    if (f)
        fclose(f);
    return out_open(path, e);
}

/* Reads a whole file; returns malloc'd bytes and their count in *len. */
static char *s_read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    char *data = malloc((size_t)st.st_size + 1);
    assert_non_null(data);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, data + got, (size_t)st.st_size - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
    close(fd);
    data[got] = '\0';
    *len = got;
    return data;
}

/* 1. The usage example: open, write two lines, close, read them back. */
static void test_usage(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s/usage.txt", s_dir);
    err_t e;
    err_init(&e);
    out_t *o = s_out_new(path, &e);
    assert_non_null(o);
    assert_int_equal(out_line(o, "word", 4, "42", 2, &e), 0);
    assert_int_equal(out_line(o, NULL, 0, "a value alone", 13, &e), 0);
    assert_int_equal(out_lines(o), 2);
    assert_int_equal(out_bytes(o), 8 + 14); /* buffered bytes count too */
    assert_int_equal(out_write(o, "x\n", 2, 1, &e), 0);
    assert_int_equal(out_bytes(o), 8 + 14 + 2);
    assert_int_equal(out_close(&o, &e), 0);
    assert_null(o);
    assert_int_equal(e.code, 0);
    assert_int_equal(out_close(&o, &e), 0); /* accepts NULL */

    size_t len = 0;
    char *text = s_read_file(path, &len);
    assert_string_equal(text, "word\t42\na value alone\nx\n");
    free(text);
}

static void test_line_forms(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s/forms.txt", s_dir);
    err_t e;
    err_init(&e);
    out_t *o = s_out_new(path, &e);
    assert_non_null(o);
    assert_int_equal(out_line(o, "k", 1, "", 0, &e), 0);        /* empty value */
    assert_int_equal(out_line(o, NULL, 0, "", 0, &e), 0);       /* empty line */
    assert_int_equal(out_line(o, "a\tb", 3, "x\0y", 3, &e), 0); /* bytes as they are */
    assert_int_equal(out_lines(o), 3);
    assert_int_equal(out_close(&o, &e), 0);

    size_t len = 0;
    char *text = s_read_file(path, &len);
    const char want[] = "k\t\n\na\tb\tx\0y\n";
    assert_int_equal(len, sizeof want - 1);
    assert_memory_equal(text, want, len);
    free(text);
}

/* A --reduce-cmd's stdin: an empty key keeps its TAB (`<TAB>value`), so a
 * Streaming reducer splitting at the first TAB gets the key "" back, not
 * the value as its key. */
static void test_always_tab(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s/tab.txt", s_dir);
    err_t e;
    err_init(&e);
    out_t *o = s_out_new(path, &e);
    assert_non_null(o);
    out_set_always_tab(o, true);
    assert_int_equal(out_line(o, NULL, 0, "1", 1, &e), 0);
    assert_int_equal(out_line(o, "a", 1, "1", 1, &e), 0);
    assert_int_equal(out_line(o, "", 0, "", 0, &e), 0);
    assert_int_equal(out_close(&o, &e), 0);
    size_t len = 0;
    char *text = s_read_file(path, &len);
    const char want[] = "\t1\na\t1\n\t\n";
    assert_int_equal(len, sizeof want - 1);
    assert_memory_equal(text, want, len);
    free(text);
}

/* -0: every line ends in NUL instead of a newline. */
static void test_nul_terminator(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s/nul.txt", s_dir);
    err_t e;
    err_init(&e);
    out_t *o = s_out_new(path, &e);
    assert_non_null(o);
    out_set_terminator(o, '\0');
    assert_int_equal(out_line(o, "k", 1, "v", 1, &e), 0);
    assert_int_equal(out_line(o, NULL, 0, "a\nb", 3, &e), 0);
    assert_int_equal(out_close(&o, &e), 0);
    size_t len = 0;
    char *text = s_read_file(path, &len);
    const char want[] = "k\tv\0a\nb\0";
    assert_int_equal(len, sizeof want - 1);
    assert_memory_equal(text, want, len);
    free(text);
}

/* Values larger than the buffer, between small lines, arrive whole and in
 * order. */
static void test_big_values(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s/big.txt", s_dir);
    char *big = malloc(BIG_VALUE);
    assert_non_null(big);
    for (size_t i = 0; i < BIG_VALUE; i++)
        big[i] = (char)('A' + i % 23);

    err_t e;
    err_init(&e);
    out_t *o = s_out_new(path, &e);
    assert_non_null(o);
    assert_int_equal(out_line(o, "first", 5, "1", 1, &e), 0);
    assert_int_equal(out_line(o, "big", 3, big, BIG_VALUE, &e), 0);
    assert_int_equal(out_line(o, NULL, 0, big, (1u << 20) - 1, &e), 0); /* just fits */
    assert_int_equal(out_line(o, "last", 4, "2", 1, &e), 0);
    assert_int_equal(out_lines(o), 4);
    assert_int_equal(out_close(&o, &e), 0);

    size_t len = 0;
    char *text = s_read_file(path, &len);
    size_t want_len = 8 + 4 + BIG_VALUE + 1 + (1u << 20) - 1 + 1 + 7;
    assert_int_equal(len, want_len);
    size_t off = 0;
    assert_memory_equal(text + off, "first\t1\n", 8);
    off += 8;
    assert_memory_equal(text + off, "big\t", 4);
    off += 4;
    assert_memory_equal(text + off, big, BIG_VALUE);
    off += BIG_VALUE;
    assert_int_equal(text[off++], '\n');
    assert_memory_equal(text + off, big, (1u << 20) - 1);
    off += (1u << 20) - 1;
    assert_int_equal(text[off++], '\n');
    assert_memory_equal(text + off, "last\t2\n", 7);
    free(text);
    free(big);
}

/* Many small lines cross the buffer boundary many times. */
static void test_many_lines(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s/many.txt", s_dir);
    err_t e;
    err_init(&e);
    out_t *o = s_out_new(path, &e);
    assert_non_null(o);
    const uint64_t n = 300000;
    for (uint64_t i = 0; i < n; i++) {
        char key[32], value[32];
        int kl = snprintf(key, sizeof key, "key%llu", (unsigned long long)i);
        int vl = snprintf(value, sizeof value, "%llu", (unsigned long long)(i * 7));
        assert_int_equal(out_line(o, key, (size_t)kl, value, (size_t)vl, &e), 0);
    }
    assert_int_equal(out_lines(o), n);
    assert_int_equal(out_close(&o, &e), 0);

    size_t len = 0;
    char *text = s_read_file(path, &len);
    char *p = text;
    for (uint64_t i = 0; i < n; i++) {
        char line[64];
        int ll = snprintf(line, sizeof line, "key%llu\t%llu\n", (unsigned long long)i,
                          (unsigned long long)(i * 7));
        assert_true((size_t)(p - text) + (size_t)ll <= len);
        if (memcmp(p, line, (size_t)ll) != 0)
            fail_msg("line %llu differs", (unsigned long long)i);
        p += ll;
    }
    assert_int_equal((size_t)(p - text), len);
    free(text);
}

static void test_truncates_existing(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s/old.txt", s_dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("old contents that are longer\n", f);
    fclose(f);

    err_t e;
    err_init(&e);
    out_t *o = out_open(path, &e);
    assert_non_null(o);
    assert_int_equal(out_line(o, NULL, 0, "new", 3, &e), 0);
    assert_int_equal(out_close(&o, &e), 0);
    size_t len = 0;
    char *text = s_read_file(path, &len);
    assert_string_equal(text, "new\n");
    free(text);
}

/* "-" writes to stdout and leaves it open. */
static void test_stdout(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s/stdout.txt", s_dir);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    assert_true(saved >= 0);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
    close(fd);

    err_t e;
    err_init(&e);
    out_t *o = out_open("-", &e);
    assert_non_null(o);
    int rc1 = out_line(o, "to", 2, "stdout", 6, &e);
    int rc2 = out_close(&o, &e);
    int still_open = fcntl(STDOUT_FILENO, F_GETFD);
    assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
    close(saved);
    assert_int_equal(rc1, 0);
    assert_int_equal(rc2, 0);
    assert_true(still_open >= 0);

    size_t len = 0;
    char *text = s_read_file(path, &len);
    assert_string_equal(text, "to\tstdout\n");
    free(text);
}

static void test_open_missing_directory(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s/no-such-dir/out.txt", s_dir);
    err_t e;
    err_init(&e);
    out_t *o = out_open(path, &e);
    assert_null(o);
    assert_int_equal(e.code, -ENOENT);
    assert_non_null(strstr(e.text, path));
}

/* A file that is not there is not made: mr-run creates the output (a
 * temporary file) and a reducer late to start must not bring one back
 * after mr-run removed it. */
static void test_open_never_creates(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s/.gone.mr-abcdef", s_dir);
    err_t e;
    err_init(&e);
    assert_null(out_open(path, &e));
    assert_int_equal(e.code, -ENOENT);
    assert_int_equal(access(path, F_OK), -1);
}

/* /dev/full accepts the open and fails every write with ENOSPC: small lines
 * stay in the buffer, so the error shows at close. */
static void test_dev_full_at_close(void **state)
{
    (void)state;
    err_t e;
    err_init(&e);
    out_t *o = out_open("/dev/full", &e);
    assert_non_null(o);
    assert_int_equal(out_line(o, "k", 1, "v", 1, &e), 0);
    assert_int_equal(out_close(&o, &e), -ENOSPC);
    assert_null(o);
    assert_int_equal(e.code, -ENOSPC);
    assert_non_null(strstr(e.text, "/dev/full"));
}

/* A value past the buffer forces the write, and its error, at once. */
static void test_dev_full_at_flush(void **state)
{
    (void)state;
    err_t e;
    err_init(&e);
    out_t *o = out_open("/dev/full", &e);
    assert_non_null(o);
    char *big = calloc(1, BIG_VALUE);
    assert_non_null(big);
    assert_int_equal(out_line(o, "k", 1, big, BIG_VALUE, &e), -ENOSPC);
    assert_int_equal(e.code, -ENOSPC);
    assert_non_null(strstr(e.text, "/dev/full"));
    free(big);

    /* Many small lines fill the buffer: a flush in the middle fails. */
    err_init(&e);
    int rc = 0;
    for (int i = 0; i < 300000 && rc == 0; i++)
        rc = out_line(o, "key", 3, "value", 5, &e);
    assert_int_equal(rc, -ENOSPC);
    assert_non_null(strstr(e.text, "/dev/full"));
    err_init(&e);
    out_close(&o, &e); /* frees the writer whatever it reports */
    assert_null(o);
}

/* mr.h lets a value's pointer be NULL when its length is 0 (mr_emit_value
 * with nothing, an empty value held by the reducer).  Last in the list: a
 * sanitizer build stops the whole program when this fails. */
static void test_null_empty_value(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s/null.txt", s_dir);
    err_t e;
    err_init(&e);
    out_t *o = s_out_new(path, &e);
    assert_non_null(o);
    assert_int_equal(out_line(o, "k", 1, NULL, 0, &e), 0);
    assert_int_equal(out_line(o, NULL, 0, NULL, 0, &e), 0);
    assert_int_equal(out_lines(o), 2);
    assert_int_equal(out_close(&o, &e), 0);
    size_t len = 0;
    char *text = s_read_file(path, &len);
    assert_string_equal(text, "k\t\n\n");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_line_forms),
        cmocka_unit_test(test_always_tab),
        cmocka_unit_test(test_nul_terminator),
        cmocka_unit_test(test_big_values),
        cmocka_unit_test(test_many_lines),
        cmocka_unit_test(test_truncates_existing),
        cmocka_unit_test(test_stdout),
        cmocka_unit_test(test_open_missing_directory),
        cmocka_unit_test(test_open_never_creates),
        cmocka_unit_test(test_dev_full_at_close),
        cmocka_unit_test(test_dev_full_at_flush),
        cmocka_unit_test(test_null_empty_value),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
