/*
 * test_mappers.c - tests master/mappers.c, the master's table of mappers:
 * ids from 1 and never reused, lookup of an id from a peer, the count of
 * live mappers, and the credit: an answer frees it once, only for an
 * attempt the mapper holds, and an ACK only once every reducer gave one.
 */
#include "mappers.h"

#include <stdlib.h>

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* 1. The usage example: two mappers, one holding a task that a FAIL answers. */
static void test_usage(void **state)
{
    (void)state;
    mappers_t *t = mappers_new();
    assert_int_equal(mappers_size(t), 0);
    mapper_t *a = mappers_add(t);
    assert_int_equal(a->id, 1);
    a->held[a->inflight++] = (attempt_t){ .chunk = 7, .attempt = 0 };
    mapper_t *b = mappers_add(t); /* a may have moved */
    assert_int_equal(b->id, 2);
    assert_int_equal(mappers_size(t), 2);

    a = mappers_find(t, 1);
    assert_non_null(a);
    assert_ptr_equal(mappers_at(t, 0), a);
    assert_true(mappers_answered(a, 7, 0));
    assert_int_equal(a->inflight, 0);

    mappers_destroy(&t);
    assert_null(t);
    mappers_destroy(&t); /* accepts NULL */
}

/* An id from a message is not trusted: 0 and ids never handed out are NULL. */
static void test_find_unknown(void **state)
{
    (void)state;
    mappers_t *t = mappers_new();
    assert_null(mappers_find(t, 1));
    for (int i = 0; i < 20; i++) /* past the first growth */
        mappers_add(t);
    assert_null(mappers_find(t, 0));
    assert_null(mappers_find(t, 21));
    assert_null(mappers_find(t, UINT32_MAX));
    assert_int_equal(mappers_find(t, 20)->id, 20);
    assert_int_equal(mappers_at(t, 19)->id, 20);
    mappers_destroy(&t);
}

/* Alive means a socket is open; a dead mapper keeps its id. */
static void test_alive(void **state)
{
    (void)state;
    mappers_t *t = mappers_new();
    int fake[3];
    for (int i = 0; i < 3; i++)
        mappers_add(t);
    assert_int_equal(mappers_alive(t), 0);
    mappers_at(t, 0)->sock = &fake[0];
    mappers_at(t, 2)->sock = &fake[2];
    assert_int_equal(mappers_alive(t), 2);
    mappers_at(t, 0)->sock = NULL; /* not ours to close: the test's fakes */
    mappers_at(t, 2)->sock = NULL;
    assert_int_equal(mappers_alive(t), 0);
    assert_int_equal(mappers_size(t), 3);
    mappers_destroy(&t);
}

/* An answer counts once, and only for an attempt held: a replay, another
 * attempt of the same chunk, or a chunk never given frees nothing. */
static void test_answered_once(void **state)
{
    (void)state;
    mappers_t *t = mappers_new();
    mapper_t *m = mappers_add(t);
    m->held[m->inflight++] = (attempt_t){ .chunk = 3, .attempt = 1 };
    m->held[m->inflight++] = (attempt_t){ .chunk = 4, .attempt = 0 };
    assert_false(mappers_answered(m, 3, 0)); /* an older attempt */
    assert_false(mappers_answered(m, 5, 0)); /* never given */
    assert_int_equal(m->inflight, MAPPERS_CREDIT);
    assert_true(mappers_answered(m, 3, 1));
    assert_false(mappers_answered(m, 3, 1)); /* the replay */
    assert_int_equal(m->inflight, 1);
    assert_int_equal(m->held[0].chunk, 4);
    mappers_destroy(&t);
}

/* With three reducers, the credit comes back at the third ACK, once. */
static void test_answered_by_every_reducer(void **state)
{
    (void)state;
    mappers_t *t = mappers_new();
    mapper_t *m = mappers_add(t);
    m->held[m->inflight++] = (attempt_t){ .chunk = 9, .attempt = 2 };
    uint64_t all = 7;
    assert_false(mappers_answered_by(m, 9, 2, 0, all));
    assert_false(mappers_answered_by(m, 9, 2, 2, all));
    assert_false(mappers_answered_by(m, 9, 2, 2, all)); /* the same reducer again */
    assert_int_equal(m->inflight, 1);
    assert_true(mappers_answered_by(m, 9, 2, 1, all));
    assert_int_equal(m->inflight, 0);
    assert_false(mappers_answered_by(m, 9, 2, 1, all)); /* after: not held */
    mappers_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_find_unknown),
        cmocka_unit_test(test_alive),
        cmocka_unit_test(test_answered_once),
        cmocka_unit_test(test_answered_by_every_reducer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
