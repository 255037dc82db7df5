/*
 * test_counters.c - tests proto/host/counters.c: sums per (group, name), the
 * encoded form and its strict decoder, and Hadoop's limits.
 */
#include "counters.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static int s_add(counters_t *c, const char *group, const char *name, int64_t v)
{
    err_t e;
    err_init(&e);
    return counters_add(c, group, strlen(group), name, strlen(name), v, &e);
}

static void test_usage(void **state)
{
    (void)state;
    /* A mapper adds what its command reported for one chunk... */
    counters_t *chunk = counters_new();
    assert_int_equal(s_add(chunk, "WordCount", "words", 3), 0);
    assert_int_equal(s_add(chunk, "WordCount", "lines", 1), 0);
    assert_int_equal(s_add(chunk, "WordCount", "words", 4), 0);
    assert_int_equal(counters_count(chunk), 2);
    uint8_t wire[256];
    size_t len = 0;
    err_t e;
    err_init(&e);
    assert_int_equal(counters_encode(chunk, wire, sizeof wire, &len, &e), 0);
    assert_int_equal(len, strlen("WordCount\tlines\t1\nWordCount\twords\t7\n"));
    assert_memory_equal(wire, "WordCount\tlines\t1\nWordCount\twords\t7\n", len);

    /* ...and the master sums the chunks'. */
    counters_t *job = counters_new();
    assert_int_equal(counters_merge(job, wire, len, &e), 0);
    assert_int_equal(counters_merge(job, wire, len, &e), 0);
    assert_int_equal(counters_value(job, "WordCount", "words"), 14);
    assert_int_equal(counters_value(job, "WordCount", "lines"), 2);
    assert_int_equal(counters_value(job, "WordCount", "none"), 0);
    const char *group;
    const char *name;
    int64_t value;
    counters_at(job, 0, &group, &name, &value);
    assert_string_equal(group, "WordCount");
    assert_string_equal(name, "lines");
    counters_destroy(&chunk);
    counters_destroy(&job);
    assert_null(job);
    counters_destroy(&job);
}

/* Names are cut at Hadoop's lengths and cleaned of the form's separators;
 * sums wrap like Java's long; negative increments count. */
static void test_names_and_values(void **state)
{
    (void)state;
    counters_t *c = counters_new();
    char long_group[300];
    memset(long_group, 'g', sizeof long_group - 1);
    long_group[sizeof long_group - 1] = '\0';
    assert_int_equal(s_add(c, long_group, "a\tb\nc", 1), 0);
    const char *group;
    const char *name;
    int64_t value;
    counters_at(c, 0, &group, &name, &value);
    assert_int_equal(strlen(group), COUNTERS_GROUP_MAX);
    assert_string_equal(name, "a b c");
    assert_int_equal(s_add(c, "G", "n", INT64_MAX), 0);
    assert_int_equal(s_add(c, "G", "n", 1), 0);
    assert_int_equal(counters_value(c, "G", "n"), INT64_MIN);
    assert_int_equal(s_add(c, "G", "m", -5), 0);
    assert_int_equal(counters_value(c, "G", "m"), -5);
    /* And round-trips. */
    uint8_t wire[1024];
    size_t len = 0;
    err_t e;
    err_init(&e);
    assert_int_equal(counters_encode(c, wire, sizeof wire, &len, &e), 0);
    counters_t *d = counters_new();
    assert_int_equal(counters_merge(d, wire, len, &e), 0);
    assert_int_equal(counters_value(d, "G", "n"), INT64_MIN);
    assert_int_equal(counters_value(d, "G", "m"), -5);
    assert_int_equal(counters_count(d), 3);
    counters_destroy(&c);
    counters_destroy(&d);
}

static void test_too_many(void **state)
{
    (void)state;
    counters_t *c = counters_new();
    for (int i = 0; i < COUNTERS_MAX; i++) {
        char name[16];
        snprintf(name, sizeof name, "c%d", i);
        assert_int_equal(s_add(c, "G", name, 1), 0);
    }
    assert_int_equal(s_add(c, "G", "c0", 1), 0); /* an old one still counts */
    err_t e;
    err_init(&e);
    assert_int_equal(counters_add(c, "G", 1, "one more", 8, 1, &e), -E2BIG);
    assert_non_null(strstr(e.text, "too many counters: G,one more"));
    /* Encoding them all needs more than a RESULT carries. */
    uint8_t wire[2048];
    size_t len = 0;
    err_init(&e);
    assert_int_equal(counters_encode(c, wire, 64, &len, &e), -EMSGSIZE);
    assert_non_null(strstr(e.text, "120 counters take"));
    counters_destroy(&c);
}

/* The decoder takes exactly the encoded form; a bad one adds nothing. */
static void test_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "G\tN\t1",                      /* no newline */
        "G\tN\n",                       /* two fields */
        "G\tN\t1\t2\n",                 /* four */
        "G\tN\tx\n",                    /* not a number */
        "G\tN\t\n",                     /* empty number */
        "G\tN\t-\n",                    /* a sign alone */
        "G\tN\t99999999999999999999\n", /* past int64 */
        "G\tN\t9223372036854775808\n",  /* INT64_MAX + 1 */
        "G\x01\tN\t1\n",                /* a control byte */
        "G\tN\x7f\t1\n",                /* DEL */
        "ok\tone\t1\nG\tN\n",           /* a good line, then a bad one */
    };
    counters_t *c = counters_new();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err_t e;
        err_init(&e);
        if (counters_merge(c, (const uint8_t *)bad[i], strlen(bad[i]), &e) != -EBADMSG)
            fail_msg("form %zu accepted", i);
        assert_non_null(strstr(e.text, "malformed counters"));
    }
    assert_int_equal(counters_count(c), 0);
    err_t e;
    err_init(&e);
    const char *edge = "G\tN\t-9223372036854775808\n\t\t0\n";
    assert_int_equal(counters_merge(c, (const uint8_t *)edge, strlen(edge), &e), 0);
    assert_int_equal(counters_value(c, "G", "N"), INT64_MIN);
    assert_int_equal(counters_merge(c, NULL, 0, &e), 0); /* nothing to add */
    counters_destroy(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_names_and_values),
        cmocka_unit_test(test_too_many),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
