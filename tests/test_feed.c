/*
 * test_feed.c - tests the master's accounting of the commands' counters
 * with several reducers (-R N): master/feed.c's feed__on_ack counts a
 * chunk's counters once, from reducer 0's fresh ACK only (the mapper sends
 * them with partition 0's part of the chunk), and master/reducers.c's
 * reducers__on_done sums every reducer's DONE (one --reduce-cmd per partition),
 * each once.  The job is built by hand: no process, socket or timeline.
 */
#include "chunks.h"
#include "counters.h"
#include "job.h"
#include "job_int.h"
#include "proto_msg.h"

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

#define N_REDUCERS 3

/* A job of N_REDUCERS reducers, no mapper, one chunk in flight. */
typedef struct fixture {
    job_t job;
    job_stats_t st;
    err_t e;
    reducer_t reducers[N_REDUCERS];
} fixture_t;

static void s_setup(fixture_t *f, uint32_t n_chunks)
{
    memset(f, 0, sizeof *f);
    err_init(&f->e);
    f->st.counters = counters_new();
    f->st.n_reducers = N_REDUCERS;
    f->st.reducers = calloc(N_REDUCERS, sizeof *f->st.reducers);
    assert_non_null(f->st.reducers);
    f->job.st = &f->st;
    f->job.e = &f->e;
    f->job.state = JOB_RUNNING;
    f->job.n_reducers = N_REDUCERS;
    f->job.all_reducers = (1u << N_REDUCERS) - 1;
    f->job.reducers = f->reducers;
    for (uint32_t i = 0; i < N_REDUCERS; i++)
        f->reducers[i].index = i;
    f->job.chunks = chunks_new(8);
    assert_non_null(f->job.chunks);
    for (uint32_t i = 0; i < n_chunks; i++) {
        split_chunk_t src = { .input = 0, .offset = i * 13, .data = "mapped bytes\n", .len = 13 };
        assert_non_null(chunks_add(f->job.chunks, &src));
    }
}

static void s_teardown(fixture_t *f)
{
    chunks_destroy(&f->job.chunks);
    counters_destroy(&f->st.counters);
    free(f->st.reducers);
}

/* msg's counters: "G<TAB>N<TAB>value". */
static void s_set_counter(proto_msg_t *msg, int64_t value)
{
    counters_t *c = counters_new();
    err_t e;
    err_init(&e);
    assert_int_equal(counters_add(c, "G", 1, "N", 1, value, &e), 0);
    size_t len = 0;
    assert_int_equal(counters_encode(c, msg->counters, sizeof msg->counters, &len, &e), 0);
    msg->n_counters = (uint32_t)len;
    counters_destroy(&c);
}

static void s_ack(fixture_t *f, uint64_t chunk, uint32_t reducer, bool fresh, int64_t counter)
{
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_ACK);
    msg.chunk = chunk;
    msg.attempt = 0;
    msg.mapper = 0; /* no mapper of ours: only the accounting runs */
    msg.fresh = fresh;
    msg.reducer = reducer;
    if (counter)
        s_set_counter(&msg, counter);
    feed__on_ack(&f->job, &msg);
}

/* 1. A chunk's counters count once with three reducers: reducer 0's fresh
 * ACK brings them; another reducer's (which a well-behaved mapper never
 * gives any) and a duplicate's do not count. */
static void test_ack_counts_partition_zero_once(void **state)
{
    (void)state;
    fixture_t f;
    s_setup(&f, 2);
    s_ack(&f, 0, 1, true, 100); /* reducer 1: ignored */
    assert_int_equal(counters_value(f.st.counters, "G", "N"), 0);
    s_ack(&f, 0, 0, true, 5); /* reducer 0, fresh: counted */
    assert_int_equal(counters_value(f.st.counters, "G", "N"), 5);
    s_ack(&f, 0, 0, false, 5); /* a duplicate of reducer 0: not again */
    assert_int_equal(counters_value(f.st.counters, "G", "N"), 5);
    assert_int_equal(chunks_open(f.job.chunks), 2); /* reducer 2 has not merged it */
    s_ack(&f, 0, 2, true, 7); /* reducer 2: completes the chunk, its counters ignored */
    assert_int_equal(counters_value(f.st.counters, "G", "N"), 5);
    assert_int_equal(chunks_open(f.job.chunks), 1);
    /* The next chunk, its reducers in another order. */
    s_ack(&f, 1, 2, true, 0);
    s_ack(&f, 1, 1, true, 0);
    s_ack(&f, 1, 0, true, 3);
    assert_int_equal(counters_value(f.st.counters, "G", "N"), 8);
    assert_int_equal(chunks_open(f.job.chunks), 0);
    assert_int_equal(f.job.state, JOB_RUNNING);
    s_teardown(&f);
}

/* 2. Malformed counters in reducer 0's fresh ACK fail the job naming the
 * chunk. */
static void test_ack_bad_counters_fail(void **state)
{
    (void)state;
    fixture_t f;
    s_setup(&f, 1);
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_ACK);
    msg.fresh = true;
    memcpy(msg.counters, "no tabs\n", 8);
    msg.n_counters = 8;
    feed__on_ack(&f.job, &msg);
    assert_int_equal(f.job.state, JOB_FAILED);
    assert_non_null(strstr(f.e.text, "chunk 0's counters"));
    s_teardown(&f);
}

static void s_done(fixture_t *f, uint32_t reducer, int64_t counter)
{
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_DONE);
    msg.reducer = reducer;
    if (counter)
        s_set_counter(&msg, counter);
    reducers__on_done(&f->job, &msg);
}

/* 3. One reduce command per reducer: every DONE's counters count, each
 * once (a repeated DONE is not counted again). */
static void test_done_sums_every_reducer(void **state)
{
    (void)state;
    fixture_t f;
    s_setup(&f, 0);
    f.job.finish_sent = true;
    s_done(&f, 1, 10);
    s_done(&f, 0, 1);
    s_done(&f, 1, 10); /* again: ignored */
    assert_int_equal(counters_value(f.st.counters, "G", "N"), 11);
    assert_int_equal(f.job.state, JOB_RUNNING);
    s_done(&f, 2, 100);
    assert_int_equal(counters_value(f.st.counters, "G", "N"), 111);
    assert_int_equal(f.job.state, JOB_SUCCEEDED);
    s_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ack_counts_partition_zero_once),
        cmocka_unit_test(test_ack_bad_counters_fail),
        cmocka_unit_test(test_done_sums_every_reducer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
