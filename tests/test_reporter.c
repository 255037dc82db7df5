/*
 * test_reporter.c - tests proto/host/reporter.c: reporter:counter and
 * reporter:status lines on a command's stderr are taken and never echoed,
 * every other byte passes through, in whatever pieces the pipe gives them.
 */
#include "reporter.h"

#include <errno.h>
#include <fcntl.h>
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

/* A pipe standing in for our stderr: what the reporter echoes. */
typedef struct echo {
    int fds[2]; /* [read end, write end] */
} echo_t;

static void s_echo_open(echo_t *o)
{
    assert_int_equal(pipe(o->fds), 0);
    fcntl(o->fds[0], F_SETFL, O_NONBLOCK);
}

/* What was echoed so far, NUL-terminated, into buf. */
static const char *s_echoed(echo_t *o, char *buf, size_t len)
{
    ssize_t n = read(o->fds[0], buf, len - 1);
    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

static void s_echo_close(echo_t *o)
{
    close(o->fds[0]);
    close(o->fds[1]);
}

static void test_usage(void **state)
{
    (void)state;
    echo_t o;
    s_echo_open(&o);
    reporter_t *r = reporter_new(o.fds[1]);
    const char text[] = "starting\n"
                        "reporter:counter:WordCount,words,3\n"
                        "reporter:status:reading file 1\n"
                        "reporter:counter:WordCount,words,4\n"
                        "Traceback: oops\n";
    reporter_feed(r, text, sizeof text - 1);
    reporter_end(r);
    char got[512];
    assert_string_equal(s_echoed(&o, got, sizeof got), "starting\nTraceback: oops\n");
    assert_int_equal(counters_value(reporter_counters(r), "WordCount", "words"), 7);
    assert_string_equal(reporter_status(r), "reading file 1");
    assert_int_equal(reporter_error(r, NULL), 0);

    /* A new task starts from nothing. */
    reporter_reset(r);
    assert_int_equal(counters_count(reporter_counters(r)), 0);
    assert_string_equal(reporter_status(r), "");
    reporter_destroy(&r);
    assert_null(r);
    reporter_destroy(&r);
    s_echo_close(&o);
}

/* Lines split across reads, byte by byte, and a last line without a
 * newline. */
static void test_pieces(void **state)
{
    (void)state;
    echo_t o;
    s_echo_open(&o);
    reporter_t *r = reporter_new(o.fds[1]);
    const char text[] = "a line\nreporter:counter:G,N,10\nreporter:counter:G,N,-3\nno newline";
    for (size_t i = 0; i < sizeof text - 1; i++)
        reporter_feed(r, text + i, 1);
    char got[256];
    assert_string_equal(s_echoed(&o, got, sizeof got), "a line\n");
    reporter_end(r);
    assert_string_equal(s_echoed(&o, got, sizeof got), "no newline\n");
    assert_int_equal(counters_value(reporter_counters(r), "G", "N"), 7);
    reporter_destroy(&r);
    s_echo_close(&o);
}

/* Hadoop's leniency: a counter line it cannot parse is a warning, and
 * dropped; padding around the line is trimmed (String.trim). */
static void test_malformed_lines(void **state)
{
    (void)state;
    echo_t o;
    s_echo_open(&o);
    reporter_t *r = reporter_new(o.fds[1]);
    const char text[] = "reporter:counter:G,N\n"
                        "reporter:counter:G,N,1,2\n"
                        "reporter:counter:G,N,x\n"
                        "reporter:counter:G,N, 5\n"
                        "reporter:counter:  G,N,5  \n"
                        "reporter:other:thing\n"
                        "reporter:status:   padded   \n";
    reporter_feed(r, text, sizeof text - 1);
    char got[2048];
    s_echoed(&o, got, sizeof got);
    assert_non_null(strstr(got, "warning: cannot parse counter line: reporter:counter:G,N\n"));
    assert_non_null(strstr(got, "cannot parse counter line: reporter:counter:G,N,1,2\n"));
    assert_non_null(strstr(got, "cannot parse counter increment: reporter:counter:G,N,x\n"));
    assert_non_null(strstr(got, "cannot parse counter increment: reporter:counter:G,N, 5\n"));
    assert_non_null(strstr(got, "cannot parse reporter line: reporter:other:thing\n"));
    assert_int_equal(counters_value(reporter_counters(r), "G", "N"), 5);
    assert_string_equal(reporter_status(r), "padded");
    reporter_destroy(&r);
    s_echo_close(&o);
}

/* Past COUNTERS_MAX distinct counters the task has failed (Hadoop fails the
 * job); the first error is kept. */
static void test_too_many(void **state)
{
    (void)state;
    echo_t o;
    s_echo_open(&o);
    reporter_t *r = reporter_new(o.fds[1]);
    for (int i = 0; i <= COUNTERS_MAX + 3; i++) {
        char line[64];
        int n = snprintf(line, sizeof line, "reporter:counter:G,c%d,1\n", i);
        reporter_feed(r, line, (size_t)n);
    }
    err_t e;
    err_init(&e);
    assert_int_equal(reporter_error(r, &e), -E2BIG);
    assert_non_null(strstr(e.text, "too many counters: G,c120"));
    reporter_destroy(&r);
    s_echo_close(&o);
}

/* The reducer's way: a thread drains the command's stderr while the caller
 * writes its stdin. */
static void test_thread(void **state)
{
    (void)state;
    echo_t o;
    s_echo_open(&o);
    reporter_t *r = reporter_new(o.fds[1]);
    int p[2];
    assert_int_equal(pipe(p), 0);
    err_t e;
    err_init(&e);
    assert_int_equal(reporter_start(r, p[0], &e), 0);
    for (int i = 0; i < 10000; i++) {
        const char line[] = "reporter:counter:R,lines,1\n";
        assert_int_equal(write(p[1], line, sizeof line - 1), (ssize_t)(sizeof line - 1));
    }
    assert_int_equal(write(p[1], "bye\n", 4), 4);
    close(p[1]);
    reporter_join(r);
    assert_int_equal(counters_value(reporter_counters(r), "R", "lines"), 10000);
    char got[64];
    assert_string_equal(s_echoed(&o, got, sizeof got), "bye\n");
    reporter_destroy(&r);
    s_echo_close(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),           cmocka_unit_test(test_pieces),
        cmocka_unit_test(test_malformed_lines), cmocka_unit_test(test_too_many),
        cmocka_unit_test(test_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
