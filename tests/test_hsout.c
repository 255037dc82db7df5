/*
 * test_hsout.c - tests master/hsout.c, mr-streaming's output directory:
 * made (an existing one refused), committed in TextOutputFormat's form with
 * _SUCCESS, or abandoned without a trace.
 */
#include "hsout.h"
#include "tmpdir.h"

#include <errno.h>
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

static char s_dir[256];

static int s_setup(void **state)
{
    (void)state;
    return tmpdir_make(s_dir, sizeof s_dir, "hsout");
}

static int s_teardown(void **state)
{
    (void)state;
    return tmpdir_remove(s_dir);
}

static void s_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* The file's contents (static storage). */
static const char *s_read(const char *path)
{
    static char text[4096];
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static bool s_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* A job's life: make, mr-run writes parts to _temporary, commit. */
static void test_make_and_commit(void **state)
{
    (void)state;
    char out[512];
    char tmp[600];
    char path[700];
    snprintf(out, sizeof out, "%s/out", s_dir);
    err_t e;
    err_init(&e);
    assert_int_equal(hsout_make(out, &e), 0);
    hsout_temporary(out, tmp, sizeof tmp);
    snprintf(path, sizeof path, "%s/part-00000", tmp);
    s_write(path, "k\tv\nalone\n\n\tempty key\nlast");
    snprintf(path, sizeof path, "%s/part-00001", tmp);
    s_write(path, "");
    hsout_form_t form = { .sep = "\t", .fields = 1, .text_sep = "\t", .lazy = false };
    assert_int_equal(hsout_commit(out, &form, &e), 0);
    snprintf(path, sizeof path, "%s/part-00000", out);
    /* A line without a TAB is all key and gets one; the last gets its newline. */
    assert_string_equal(s_read(path), "k\tv\nalone\t\n\t\n\tempty key\nlast\t\n");
    snprintf(path, sizeof path, "%s/part-00001", out);
    assert_string_equal(s_read(path), "");
    snprintf(path, sizeof path, "%s/_SUCCESS", out);
    assert_string_equal(s_read(path), "");
    assert_false(s_exists(tmp));
    /* An existing output directory is refused, as Hadoop refuses it. */
    assert_int_equal(hsout_make(out, &e), -EEXIST);
    assert_non_null(strstr(e.text, "already exists"));
}

static void test_fields_and_lazy(void **state)
{
    (void)state;
    char out[512];
    char tmp[600];
    char path[700];
    snprintf(out, sizeof out, "%s/fields", s_dir);
    err_t e;
    err_init(&e);
    assert_int_equal(hsout_make(out, &e), 0);
    hsout_temporary(out, tmp, sizeof tmp);
    snprintf(path, sizeof path, "%s/part-00000", tmp);
    s_write(path, "1.2.3.4.5\n1.2\n");
    snprintf(path, sizeof path, "%s/part-00001", tmp);
    s_write(path, "");
    hsout_form_t form = { .sep = ".", .fields = 2, .text_sep = "|", .lazy = true };
    assert_int_equal(hsout_commit(out, &form, &e), 0);
    snprintf(path, sizeof path, "%s/part-00000", out);
    assert_string_equal(s_read(path), "1.2|3.4.5\n1.2|\n");
    snprintf(path, sizeof path, "%s/part-00001", out);
    assert_false(s_exists(path)); /* -lazyOutput: no empty part */
}

static void test_abandon(void **state)
{
    (void)state;
    char out[512];
    char tmp[600];
    char path[700];
    snprintf(out, sizeof out, "%s/failed", s_dir);
    err_t e;
    err_init(&e);
    assert_int_equal(hsout_make(out, &e), 0);
    hsout_temporary(out, tmp, sizeof tmp);
    snprintf(path, sizeof path, "%s/part-00000", tmp);
    s_write(path, "half a job\n");
    hsout_abandon(out);
    assert_false(s_exists(out));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_make_and_commit),
        cmocka_unit_test(test_fields_and_lazy),
        cmocka_unit_test(test_abandon),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
