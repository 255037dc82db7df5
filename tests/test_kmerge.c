/*
 * test_kmerge.c - tests proto/fold/kmerge.c, the k-way merge: records of
 * sorted runs and in-memory arrays come out in key order, equal keys in
 * the order their sources were added; empty sources, one source, many
 * sources; and a damaged run's error comes back from kmerge_next.
 */
#include "kmerge.h"

#include "err.h"
#include "run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tmpdir.h"

static char s_dir[64];
static unsigned s_serial;

static int s_setup(void **state)
{
    (void)state;
    return tmpdir_make(s_dir, sizeof s_dir, "kmerge");
}

static int s_teardown(void **state)
{
    (void)state;
    return tmpdir_remove(s_dir);
}

/* An in-memory sorted source: NUL-terminated keys and values. */
typedef struct array {
    const char *const *keys;   /* sorted */
    const char *const *values; /* one per key */
    size_t n;                  /* entries */
    size_t next;               /* the next to yield */
} array_t;

static int s_array_next(void *src, mr_bytes_t *key, mr_bytes_t *value, err_t *e)
{
    (void)e;
    array_t *a = src;
    if (a->next == a->n)
        return 0;
    *key = (mr_bytes_t){ a->keys[a->next], strlen(a->keys[a->next]) };
    *value = (mr_bytes_t){ a->values[a->next], strlen(a->values[a->next]) };
    a->next++;
    return 1;
}

/* Writes a run of the given keys, each with value tag, to a fresh path. */
static void s_run(char *path, size_t len, const char *const *keys, size_t n, const char *tag)
{
    snprintf(path, len, "%s/run-%u", s_dir, s_serial++);
    err_t e;
    err_init(&e);
    run_writer_t *w = run_writer_new(path, &e);
    assert_non_null(w);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(run_writer_add(w, (mr_bytes_t){ keys[i], strlen(keys[i]) },
                                        (mr_bytes_t){ tag, strlen(tag) }, &e),
                         0);
    assert_int_equal(run_writer_close(&w, &e), 0);
}

/* Merges everything in m into "key=value(source) " text. */
static void s_drain(kmerge_t *m, char *text, size_t len)
{
    size_t used = 0;
    mr_bytes_t k;
    mr_bytes_t v;
    size_t src;
    err_t e;
    err_init(&e);
    int rc;
    text[0] = '\0';
    while ((rc = kmerge_next(m, &k, &v, &src, &e)) == 1) {
        int n = snprintf(text + used, len - used, "%.*s=%.*s%zu ", (int)k.len, (const char *)k.ptr,
                         (int)v.len, (const char *)v.ptr, src);
        assert_true(n > 0 && (size_t)n < len - used);
        used += (size_t)n;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(kmerge_next(m, &k, &v, &src, &e), 0); /* the end repeats */
}

/* 1. The usage example: two runs and the records still in memory, merged
 * in key order; equal keys in the order the sources were added. */
static void test_usage(void **state)
{
    (void)state;
    const char *const run0[] = { "apple", "fig", "pear" };
    const char *const run1[] = { "fig", "kiwi" };
    const char *const mem_keys[] = { "banana", "fig", "zucchini" };
    const char *const mem_values[] = { "m", "m", "m" };
    char p0[256];
    char p1[256];
    s_run(p0, sizeof p0, run0, 3, "a");
    s_run(p1, sizeof p1, run1, 2, "b");
    err_t e;
    err_init(&e);
    run_reader_t *r0 = run_reader_new(p0, &e);
    run_reader_t *r1 = run_reader_new(p1, &e);
    array_t mem = { mem_keys, mem_values, 3, 0 };

    kmerge_t *m = kmerge_new();
    kmerge_add_run(m, r0);
    kmerge_add_run(m, r1);
    kmerge_add(m, s_array_next, &mem);
    char text[512];
    s_drain(m, text, sizeof text);
    assert_string_equal(text, "apple=a0 banana=m2 fig=a0 fig=b1 fig=m2 kiwi=b1 pear=a0 "
                              "zucchini=m2 ");
    kmerge_destroy(&m);
    assert_null(m);
    kmerge_destroy(&m); /* accepts NULL */
    run_reader_destroy(&r0);
    run_reader_destroy(&r1);
}

static void test_empty_and_single(void **state)
{
    (void)state;
    kmerge_t *m = kmerge_new();
    char text[256];
    s_drain(m, text, sizeof text); /* no sources */
    assert_string_equal(text, "");
    kmerge_destroy(&m);

    const char *const keys[] = { "a", "b" };
    const char *const values[] = { "1", "2" };
    array_t empty = { keys, values, 0, 0 };
    array_t one = { keys, values, 2, 0 };
    array_t empty2 = { keys, values, 0, 0 };
    m = kmerge_new();
    kmerge_add(m, s_array_next, &empty);
    kmerge_add(m, s_array_next, &one);
    kmerge_add(m, s_array_next, &empty2);
    s_drain(m, text, sizeof text);
    assert_string_equal(text, "a=11 b=21 ");
    kmerge_destroy(&m);
}

/* Bytewise order: a prefix first, bytes over 0x7f after ASCII. */
static void test_bytewise(void **state)
{
    (void)state;
    const char *const k0[] = { "a", "ab", "\xc3\xa9" };
    const char *const k1[] = { "", "aa", "b" };
    const char *const v[] = { "x", "x", "x" };
    array_t a0 = { k0, v, 3, 0 };
    array_t a1 = { k1, v, 3, 0 };
    kmerge_t *m = kmerge_new();
    kmerge_add(m, s_array_next, &a0);
    kmerge_add(m, s_array_next, &a1);
    char text[256];
    s_drain(m, text, sizeof text);
    assert_string_equal(text, "=x1 a=x0 aa=x1 ab=x0 b=x1 \xc3\xa9=x0 ");
    kmerge_destroy(&m);
}

/* Many runs of interleaved keys, each key in several runs: every record
 * once, keys ascending, a key's records by source index. */
static void test_many_runs(void **state)
{
    (void)state;
    enum { RUNS = 37, KEYS = 3000 };
    run_reader_t *readers[RUNS];
    kmerge_t *m = kmerge_new();
    unsigned expected = 0;
    for (unsigned r = 0; r < RUNS; r++) {
        char path[256];
        snprintf(path, sizeof path, "%s/many-%u", s_dir, r);
        err_t e;
        err_init(&e);
        run_writer_t *w = run_writer_new(path, &e);
        for (unsigned k = 0; k < KEYS; k++) {
            if ((k * 7 + r) % 5 == 0)
                continue;
            char key[16];
            int kl = snprintf(key, sizeof key, "%05u", k);
            char value[16];
            int vl = snprintf(value, sizeof value, "%u", r);
            assert_int_equal(run_writer_add(w, (mr_bytes_t){ key, (size_t)kl },
                                            (mr_bytes_t){ value, (size_t)vl }, &e),
                             0);
            expected++;
        }
        assert_int_equal(run_writer_close(&w, &e), 0);
        readers[r] = run_reader_new(path, &e);
        assert_non_null(readers[r]);
        kmerge_add_run(m, readers[r]);
    }
    mr_bytes_t k;
    mr_bytes_t v;
    size_t src;
    err_t e;
    err_init(&e);
    unsigned got = 0;
    char prev_key[16] = "";
    size_t prev_src = 0;
    int rc;
    while ((rc = kmerge_next(m, &k, &v, &src, &e)) == 1) {
        char key[16];
        assert_int_equal(k.len, 5);
        memcpy(key, k.ptr, 5);
        key[5] = '\0';
        int c = strcmp(prev_key, key);
        if (got > 0 && (c > 0 || (c == 0 && prev_src >= src)))
            fail_msg("%s from %zu after %s from %zu", key, src, prev_key, prev_src);
        char value[16];
        snprintf(value, sizeof value, "%zu", src);
        assert_int_equal(v.len, strlen(value));
        assert_memory_equal(v.ptr, value, v.len);
        memcpy(prev_key, key, 6);
        prev_src = src;
        got++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(got, expected);
    kmerge_destroy(&m);
    for (unsigned r = 0; r < RUNS; r++)
        run_reader_destroy(&readers[r]);
}

/* A damaged run fails the merge with its error, path included. */
static void test_damaged_run(void **state)
{
    (void)state;
    const char *const keys[] = { "a", "b", "c" };
    char path[256];
    s_run(path, sizeof path, keys, 3, "v");
    /* Cut off the footer. */
    assert_int_equal(truncate(path, 8 + 12 + 3 * 10), 0);
    err_t e;
    err_init(&e);
    run_reader_t *r = run_reader_new(path, &e);
    assert_non_null(r);
    const char *const other[] = { "b" };
    const char *const values[] = { "m" };
    array_t mem = { other, values, 1, 0 };
    kmerge_t *m = kmerge_new();
    kmerge_add_run(m, r);
    kmerge_add(m, s_array_next, &mem);
    mr_bytes_t k;
    mr_bytes_t v;
    int rc;
    unsigned n = 0;
    while ((rc = kmerge_next(m, &k, &v, NULL, &e)) == 1)
        n++;
    assert_int_equal(rc, -EBADMSG);
    assert_int_equal(n, 4); /* a, b (run), b (memory), c: then the run has no footer */
    assert_non_null(strstr(e.text, path));
    assert_non_null(strstr(e.text, "no footer"));
    kmerge_destroy(&m);
    run_reader_destroy(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),       cmocka_unit_test(test_empty_and_single),
        cmocka_unit_test(test_bytewise),    cmocka_unit_test(test_many_runs),
        cmocka_unit_test(test_damaged_run),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
