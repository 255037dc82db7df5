/*
 * test_plugin_fail.c - tests proto/host/plugin_fail.c, the reason a plugin gives
 * with mr_fail(): a callback's message comes out of plugin_fail_why quoted
 * after "map() returned 1", once (the slot is then empty); without a
 * message, or after plugin_fail_clear, only the return code is told; the
 * quote, the backslash, control and high bytes are escaped as \xHH; a long
 * message is cut at PLUGIN_FAIL_MAX characters with "...", never inside an
 * escape; a later message replaces an earlier one; and each thread has its
 * own slot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "plugin_fail.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* A map() that refuses every record, saying why in its state's words. */
static int s_refuse(void *state, mr_bytes_t record, mr_emitter_t *out)
{
    (void)record;
    return mr_fail(out, state);
}

static mr_emitter_t s_emitter = { .failure = plugin_fail_note };

/* The usage example: a callback fails with a reason; the engine words it. */
static void test_reason_reaches_the_message(void **state)
{
    (void)state;
    char why[PLUGIN_FAIL_MAX + 64];
    int rc = s_refuse("no tab in the record", (mr_bytes_t){ "x", 1 }, &s_emitter);
    assert_int_equal(rc, 1);
    assert_string_equal(plugin_fail_why("map", rc, why, sizeof why),
                        "map() returned 1: 'no tab in the record'");
    /* Taken: the next failure without a reason says only its code. */
    assert_string_equal(plugin_fail_why("reduce", 7, why, sizeof why), "reduce() returned 7");
}

static void test_no_reason(void **state)
{
    (void)state;
    char why[PLUGIN_FAIL_MAX + 64];
    assert_int_equal(mr_fail(&s_emitter, NULL), 1);
    assert_string_equal(plugin_fail_why("map", 1, why, sizeof why), "map() returned 1");
    mr_fail(&s_emitter, "stale");
    plugin_fail_clear();
    assert_string_equal(plugin_fail_why("combine", -3, why, sizeof why), "combine() returned -3");
    /* An empty reason is still a reason given. */
    mr_fail(&s_emitter, "");
    assert_string_equal(plugin_fail_why("map", 1, why, sizeof why), "map() returned 1: ''");
    /* An emitter without failure (none of the engine's) still returns 1. */
    mr_emitter_t bare = { 0 };
    assert_int_equal(mr_fail(&bare, "ignored"), 1);
    assert_string_equal(plugin_fail_why("map", 1, why, sizeof why), "map() returned 1");
}

static void test_escapes(void **state)
{
    (void)state;
    char why[PLUGIN_FAIL_MAX + 64];
    mr_fail(&s_emitter, "it's a \\ tab\there, a line\nend, \x7f and \xc3\xa9");
    assert_string_equal(plugin_fail_why("map", 1, why, sizeof why),
                        "map() returned 1: 'it\\x27s a \\x5c tab\\x09here, a line\\x0aend, "
                        "\\x7f and \\xc3\\xa9'");
    mr_fail(&s_emitter, "first");
    mr_fail(&s_emitter, "second");
    assert_string_equal(plugin_fail_why("map", 1, why, sizeof why), "map() returned 1: 'second'");
}

static void test_cap(void **state)
{
    (void)state;
    char why[PLUGIN_FAIL_MAX + 64];
    char msg[1000];
    memset(msg, 'a', sizeof msg - 1);
    msg[sizeof msg - 1] = '\0';
    mr_fail(&s_emitter, msg);
    plugin_fail_why("map", 1, why, sizeof why);
    const char *q = strchr(why, '\'');
    assert_non_null(q);
    /* 'aaa...a...' : PLUGIN_FAIL_MAX letters, the ellipsis, the quote. */
    assert_int_equal(strlen(q), 1 + PLUGIN_FAIL_MAX + 3 + 1);
    assert_string_equal(q + 1 + PLUGIN_FAIL_MAX, "...'");

    /* Exactly PLUGIN_FAIL_MAX characters fit whole. */
    msg[PLUGIN_FAIL_MAX] = '\0';
    mr_fail(&s_emitter, msg);
    plugin_fail_why("map", 1, why, sizeof why);
    assert_int_equal(strlen(strchr(why, '\'')), 1 + PLUGIN_FAIL_MAX + 1);

    /* Escapes are never cut in half. */
    memset(msg, '\n', sizeof msg - 1);
    msg[sizeof msg - 1] = '\0';
    mr_fail(&s_emitter, msg);
    plugin_fail_why("map", 1, why, sizeof why);
    q = strchr(why, '\'') + 1;
    size_t body = strlen(q) - 4; /* less "...'" */
    assert_int_equal(body % 4, 0);
    assert_true(body <= PLUGIN_FAIL_MAX && body > PLUGIN_FAIL_MAX - 4);
    assert_string_equal(q + body, "...'");

    /* A small buffer gets a truncated, terminated message. */
    char small[16];
    mr_fail(&s_emitter, "why");
    assert_string_equal(plugin_fail_why("map", 1, small, sizeof small), "map() returned ");
}

static void *s_other_thread(void *arg)
{
    char *why = arg;
    plugin_fail_why("map", 2, why, PLUGIN_FAIL_MAX + 64);
    return NULL;
}

/* A message noted on one thread is not seen on another. */
static void test_per_thread(void **state)
{
    (void)state;
    char mine[PLUGIN_FAIL_MAX + 64];
    char theirs[PLUGIN_FAIL_MAX + 64];
    mr_fail(&s_emitter, "mine");
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, s_other_thread, theirs), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_string_equal(theirs, "map() returned 2");
    assert_string_equal(plugin_fail_why("map", 1, mine, sizeof mine), "map() returned 1: 'mine'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reason_reaches_the_message),
        cmocka_unit_test(test_no_reason),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_per_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
