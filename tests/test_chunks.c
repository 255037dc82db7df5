/*
 * test_chunks.c - tests master/chunks.c, the master's table of chunks in
 * flight: the window fills, slides only past contiguous done chunks, hands
 * out the lowest pending chunk, and frees the stdin bytes it owns (run under
 * ASan to see a leak).
 */
#include "chunks.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* A chunk as split would cut it; owned bytes when `owned`. */
static split_chunk_t s_src(uint64_t offset, bool owned)
{
    char text[32];
    int n = snprintf(text, sizeof text, "chunk@%llu\n", (unsigned long long)offset);
    split_chunk_t c = { .input = 0, .offset = offset, .len = (size_t)n };
    if (owned) {
        c.owned = strdup(text);
        assert_non_null(c.owned);
        c.data = c.owned;
    } else {
        c.data = "mapped bytes\n";
        c.len = 13;
    }
    return c;
}

/* 1. The usage example: cut while there is room, send, retire. */
static void test_usage(void **state)
{
    (void)state;
    chunks_t *t = chunks_new(2);
    assert_false(chunks_full(t));

    split_chunk_t src = s_src(0, true);
    chunk_t *c0 = chunks_add(t, &src);
    assert_int_equal(c0->index, 0);
    assert_int_equal(c0->state, CHUNK_PENDING);
    assert_ptr_equal(c0->src.data, src.data); /* the table owns the bytes now */
    src = s_src(10, true);
    chunk_t *c1 = chunks_add(t, &src);
    assert_int_equal(c1->index, 1);
    assert_true(chunks_full(t));
    assert_int_equal(chunks_cut(t), 2);
    assert_int_equal(chunks_open(t), 2);

    /* A mapper takes the lowest pending chunk. */
    chunk_t *c = chunks_next_pending(t);
    assert_ptr_equal(c, c0);
    c->state = CHUNK_ASSIGNED;
    c->mapper = 3;
    assert_ptr_equal(chunks_next_pending(t), c1);

    /* The reducer merged it: the window slides by one. */
    assert_true(chunks_done(t, 0));
    assert_false(chunks_full(t));
    assert_int_equal(chunks_open(t), 1);
    assert_null(chunks_get(t, 0));
    assert_ptr_equal(chunks_get(t, 1), c1);

    chunks_destroy(&t); /* frees chunk 1's bytes */
    assert_null(t);
    chunks_destroy(&t); /* accepts NULL */
}

static void test_add_until_full(void **state)
{
    (void)state;
    chunks_t *t = chunks_new(5);
    for (uint64_t i = 0; i < 5; i++) {
        assert_false(chunks_full(t));
        split_chunk_t src = s_src(i * 100, false);
        chunk_t *c = chunks_add(t, &src);
        assert_int_equal(c->index, i);
        assert_int_equal(c->src.offset, i * 100);
        assert_int_equal(c->failures, 0);
        assert_int_equal(c->sends, 0);
        assert_int_equal(chunks_cut(t), i + 1);
        assert_int_equal(chunks_open(t), i + 1);
    }
    assert_true(chunks_full(t));
    chunks_destroy(&t);
}

static void test_done_out_of_order(void **state)
{
    (void)state;
    chunks_t *t = chunks_new(4);
    for (uint64_t i = 0; i < 4; i++) {
        split_chunk_t src = s_src(i, true);
        chunks_add(t, &src);
    }
    /* Chunks 2 and 1 finish first: chunk 0 still pins the window. */
    assert_true(chunks_done(t, 2));
    assert_true(chunks_full(t));
    assert_true(chunks_done(t, 1));
    assert_true(chunks_full(t));
    assert_int_equal(chunks_open(t), 2);
    assert_null(chunks_get(t, 1));
    assert_null(chunks_get(t, 2));
    assert_non_null(chunks_get(t, 0));
    assert_non_null(chunks_get(t, 3));

    /* Done twice is refused. */
    assert_false(chunks_done(t, 2));
    assert_int_equal(chunks_open(t), 2);

    /* Chunk 0 done: the window slides past 0, 1 and 2 but stops at 3. */
    assert_true(chunks_done(t, 0));
    assert_int_equal(chunks_open(t), 1);
    for (uint64_t i = 4; i < 7; i++) {
        assert_false(chunks_full(t));
        split_chunk_t src = s_src(i, true);
        assert_int_equal(chunks_add(t, &src)->index, i);
    }
    assert_true(chunks_full(t));
    assert_non_null(chunks_get(t, 3));
    /* The ring slots of 0..2 now hold 4..6; the old indexes stay gone. */
    for (uint64_t i = 0; i < 3; i++)
        assert_null(chunks_get(t, i));
    for (uint64_t i = 3; i < 7; i++)
        assert_int_equal(chunks_get(t, i)->index, i);
    chunks_destroy(&t);
}

static void test_next_pending_lowest(void **state)
{
    (void)state;
    chunks_t *t = chunks_new(8);
    assert_null(chunks_next_pending(t));
    for (uint64_t i = 0; i < 6; i++) {
        split_chunk_t src = s_src(i, false);
        chunks_add(t, &src);
    }
    for (uint64_t i = 0; i < 4; i++)
        chunks_get(t, i)->state = CHUNK_ASSIGNED;
    assert_int_equal(chunks_next_pending(t)->index, 4);

    /* A mapper died holding chunk 2: it is re-queued and goes first. */
    chunks_get(t, 2)->state = CHUNK_PENDING;
    chunks_get(t, 2)->failures++;
    assert_int_equal(chunks_next_pending(t)->index, 2);

    /* Done chunks are never pending again. */
    assert_true(chunks_done(t, 2));
    assert_int_equal(chunks_next_pending(t)->index, 4);
    chunks_get(t, 4)->state = CHUNK_ASSIGNED;
    chunks_get(t, 5)->state = CHUNK_ASSIGNED;
    assert_null(chunks_next_pending(t));
    chunks_destroy(&t);
}

static void test_get_unknown_and_done(void **state)
{
    (void)state;
    chunks_t *t = chunks_new(3);
    assert_null(chunks_get(t, 0)); /* never cut */
    split_chunk_t src = s_src(0, true);
    chunks_add(t, &src);
    assert_non_null(chunks_get(t, 0));
    assert_null(chunks_get(t, 1));
    assert_null(chunks_get(t, 3)); /* would alias slot 0 in the ring */
    assert_null(chunks_get(t, UINT64_MAX));
    assert_false(chunks_done(t, 1));
    assert_false(chunks_done(t, 3));
    assert_int_equal(chunks_open(t), 1);
    assert_true(chunks_done(t, 0));
    assert_null(chunks_get(t, 0));
    assert_false(chunks_done(t, 0));
    assert_int_equal(chunks_open(t), 0);
    chunks_destroy(&t);
}

static void test_iter_open_chunks(void **state)
{
    (void)state;
    chunks_t *t = chunks_new(6);
    size_t pos = 0;
    assert_null(chunks_iter(t, &pos));
    for (uint64_t i = 0; i < 6; i++) {
        split_chunk_t src = s_src(i, i % 2 == 0);
        chunks_add(t, &src);
    }
    assert_true(chunks_done(t, 1));
    assert_true(chunks_done(t, 4));
    assert_true(chunks_done(t, 0)); /* base slides to 2 */

    uint64_t want[] = { 2, 3, 5 };
    size_t n = 0;
    pos = 0;
    chunk_t *c;
    while ((c = chunks_iter(t, &pos))) {
        assert_true(n < 3);
        assert_int_equal(c->index, want[n]);
        assert_int_not_equal(c->state, CHUNK_DONE);
        n++;
    }
    assert_int_equal(n, 3);
    assert_int_equal(n, chunks_open(t));
    assert_null(chunks_iter(t, &pos)); /* stays at the end */
    chunks_destroy(&t);
}

/* Many chunks through a small window, finishing in a scrambled order: the
 * window never holds more than its size, and every owned byte is freed
 * (ASan reports a leak otherwise). */
static void test_owned_bytes_freed(void **state)
{
    (void)state;
    const size_t window = 7;
    chunks_t *t = chunks_new(window);
    srand(1);
    uint64_t cut = 0;
    uint64_t done = 0;
    while (done < 5000) {
        while (!chunks_full(t) && cut < 5000) {
            split_chunk_t src = s_src(cut, true);
            chunks_add(t, &src);
            cut++;
        }
        assert_true(chunks_open(t) <= window);
        /* Finish a random open chunk. */
        size_t pick = (size_t)rand() % chunks_open(t);
        size_t pos = 0;
        chunk_t *c = NULL;
        for (size_t i = 0; i <= pick; i++)
            c = chunks_iter(t, &pos);
        assert_non_null(c);
        uint64_t index = c->index;
        assert_true(chunks_done(t, index));
        assert_null(chunks_get(t, index));
        done++;
    }
    assert_int_equal(chunks_open(t), 0);
    assert_int_equal(chunks_cut(t), 5000);
    assert_false(chunks_full(t));
    assert_null(chunks_next_pending(t));

    /* Destroy with owned chunks still open frees them too. */
    for (int i = 0; i < 5; i++) {
        split_chunk_t src = s_src(cut++, true);
        chunks_add(t, &src);
    }
    assert_true(chunks_done(t, chunks_cut(t) - 3));
    chunks_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_add_until_full),
        cmocka_unit_test(test_done_out_of_order),
        cmocka_unit_test(test_next_pending_lowest),
        cmocka_unit_test(test_get_unknown_and_done),
        cmocka_unit_test(test_iter_open_chunks),
        cmocka_unit_test(test_owned_bytes_freed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
