/*
 * test_reducer.c - the real mr-reducer binary, driven over real ZeroMQ
 * sockets by this test playing the master and the mappers.
 *
 * It checks what only the reducer can guarantee: a chunk computed twice is
 * merged exactly once (the first completion wins, the copy is ACKed as a
 * duplicate), ordered output comes out in chunk order whatever the arrival
 * order, hostile frames do not disturb the job, and FINISH with a chunk
 * missing is an error, not a short output.  Under --memory it spills and
 * merges runs, writes --index, and fails naming a spill it cannot write.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tmpdir.h"

#include "partition.h"
#include "proto_msg.h"
#include "proto_pairs.h"
#include "run.h"
#include "token.h"
#include "transport.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct harness {
    char dir[64];          /* temporary directory */
    char control_ep[128];  /* our PULL: ACK, FAIL, DONE */
    char results_ep[128];  /* the reducer's PULL */
    char output[128];      /* the output file */
    char secret_path[128]; /* the token secret's file */
    token_secret_t secret; /* signs the RESULTs we send, as the master's TASKs would */
    void *ctx;             /* ZeroMQ context */
    void *control;         /* PULL bound at control_ep */
    void *results;         /* PUSH connected to results_ep */
    pid_t pid;             /* the reducer */
} harness_t;

/* Starts the reducer; extra: up to 6 more arguments, NULL-terminated, or
 * NULL. */
static void s_start_with(harness_t *h, const char *mode, bool sort, const char *const *extra)
{
    memset(h, 0, sizeof *h);
    assert_int_equal(tmpdir_make(h->dir, sizeof h->dir, "reducer"), 0);
    snprintf(h->control_ep, sizeof h->control_ep, "ipc://%s/control", h->dir);
    snprintf(h->results_ep, sizeof h->results_ep, "ipc://%s/results", h->dir);
    snprintf(h->output, sizeof h->output, "%s/out", h->dir);
    snprintf(h->secret_path, sizeof h->secret_path, "%s/secret", h->dir);
    FILE *f = fopen(h->output, "w"); /* as mr-run makes it */
    assert_non_null(f);
    fclose(f);
    h->ctx = transport_ctx_new();
    err_t e;
    err_init(&e);
    assert_int_equal(token_secret_create(&h->secret, h->secret_path, &e), 0);
    h->control = transport_open(h->ctx, TRANSPORT_PULL, h->control_ep, true, 1 << 16, &e);
    assert_non_null(h->control);
    h->results = transport_open(h->ctx, TRANSPORT_PUSH, h->results_ep, false, 0, &e);
    assert_non_null(h->results);

    const char *build = getenv("MR_BUILD_DIR");
    assert_non_null(build);
    char reducer[PATH_MAX];
    char plugin[PATH_MAX];
    snprintf(reducer, sizeof reducer, "%s/bin/mr-reducer", build);
    snprintf(plugin, sizeof plugin, "%s/examples/wordcount.so", build);
    h->pid = fork();
    assert_true(h->pid >= 0);
    if (h->pid == 0) {
        char *argv[] = { reducer,       "--results", h->results_ep,  "--control",
                         h->control_ep, "--mode",    (char *)mode,   "--output",
                         h->output,     "--secret",  h->secret_path, "-r",
                         plugin,        NULL,        NULL,           NULL,
                         NULL,          NULL,        NULL,           NULL,
                         NULL };
        size_t n = 13;
        if (sort)
            argv[n++] = "--sort";
        for (size_t i = 0; extra && extra[i] && i < 6; i++)
            argv[n++] = (char *)extra[i];
        execv(reducer, argv);
        _exit(127);
    }
}

static void s_start(harness_t *h, const char *mode, bool sort)
{
    s_start_with(h, mode, sort, NULL);
}

static void s_stop(harness_t *h)
{
    int status = 0;
    kill(h->pid, SIGKILL);
    waitpid(h->pid, &status, 0);
    transport_close(&h->control, 0);
    transport_close(&h->results, 0);
    transport_ctx_destroy(&h->ctx);
    assert_int_equal(tmpdir_remove(h->dir), 0);
}

/* Gives msg the token the master would have given its attempt (a local
 * mapper's: no peer key). */
static void s_sign(harness_t *h, proto_msg_t *msg)
{
    token_make(&h->secret, msg->chunk, msg->attempt, msg->mapper, "", msg->token);
}

static void s_send(harness_t *h, const proto_msg_t *msg, const buf_t *payload)
{
    buf_t header;
    buf_init(&header, 1 << 16);
    assert_int_equal(proto_msg_encode(msg, &header), 0);
    assert_int_equal(transport_send(h->results, &header, payload ? payload->data : NULL,
                                    payload ? payload->len : 0, 0),
                     0);
    buf_fini(&header);
}

/* Sends a RESULT for chunk from mapper, with one pair per word, each
 * counting `count`. */
static void s_result(harness_t *h, uint64_t chunk, uint32_t mapper, const char *const *words,
                     size_t n, uint64_t count)
{
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_RESULT);
    msg.chunk = chunk;
    msg.mapper = mapper;
    msg.records = n;
    s_sign(h, &msg);
    buf_t payload;
    buf_init(&payload, 1 << 20);
    assert_int_equal(proto_pairs_begin(&payload), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(proto_pairs_add(&payload, words[i], strlen(words[i]), &count, 8), 0);
    proto_pairs_end(&payload, n);
    s_send(h, &msg, &payload);
    buf_fini(&payload);
}

/* Sends a RESULT of finished lines, as mappers do in ordered and
 * unordered jobs. */
static void s_lines(harness_t *h, uint64_t chunk, uint32_t mapper, const char *text,
                    uint64_t n_lines)
{
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_RESULT);
    msg.chunk = chunk;
    msg.mapper = mapper;
    msg.records = n_lines;
    msg.outputs = n_lines;
    msg.flags = PROTO_RESULT_LINES;
    s_sign(h, &msg);
    buf_t payload;
    buf_init(&payload, 1 << 20);
    buf_append(&payload, text, strlen(text));
    s_send(h, &msg, &payload);
    buf_fini(&payload);
}

static void s_finish(harness_t *h, uint64_t total)
{
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_FINISH);
    msg.total = total;
    s_send(h, &msg, NULL);
}

/* Receives the next control message within 5 s. */
static void s_expect(harness_t *h, proto_msg_t *msg)
{
    transport_msg_t tm;
    assert_int_equal(transport_recv(h->control, &tm, 5000), 0);
    err_t e;
    err_init(&e);
    assert_int_equal(
        proto_msg_decode(transport_msg_data(&tm, 0), transport_msg_size(&tm, 0), msg, &e), 0);
    transport_msg_close(&tm);
}

static void s_expect_ack(harness_t *h, uint64_t chunk, uint32_t mapper, bool fresh)
{
    proto_msg_t msg;
    s_expect(h, &msg);
    assert_int_equal(msg.type, PROTO_ACK);
    assert_int_equal(msg.chunk, chunk);
    assert_int_equal(msg.mapper, mapper);
    assert_int_equal(msg.fresh, fresh);
}

static char *s_read_n(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char text[1 << 16];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    if (len)
        *len = n;
    return text;
}

static char *s_read(const char *path)
{
    return s_read_n(path, NULL);
}

static const char *const s_ab[] = { "apple", "banana" };
static const char *const s_b[] = { "banana" };
static const char *const s_c[] = { "cherry" };

/* Usage: results from two mappers, then FINISH: one line per key, sorted. */
static void test_grouped_merges_and_sorts(void **state)
{
    (void)state;
    harness_t h;
    s_start(&h, "grouped", true);
    s_result(&h, 0, 1, s_ab, 2, 1);
    s_expect_ack(&h, 0, 1, true);
    s_result(&h, 1, 2, s_b, 1, 5);
    s_expect_ack(&h, 1, 2, true);
    s_finish(&h, 2);
    proto_msg_t done;
    s_expect(&h, &done);
    assert_int_equal(done.type, PROTO_DONE);
    assert_int_equal(done.status, 0);
    assert_int_equal(done.records, 3);
    assert_int_equal(done.outputs, 2);
    assert_string_equal(s_read(h.output), "apple\t1\nbanana\t6\n");
    s_stop(&h);
}

/* A chunk computed twice (a slow mapper and a re-send) is merged once. */
static void test_grouped_duplicate_merged_once(void **state)
{
    (void)state;
    harness_t h;
    s_start(&h, "grouped", true);
    s_result(&h, 0, 1, s_ab, 2, 1);
    s_expect_ack(&h, 0, 1, true);
    s_result(&h, 0, 3, s_ab, 2, 1);
    s_expect_ack(&h, 0, 3, false);
    s_result(&h, 1, 2, s_c, 1, 1);
    s_expect_ack(&h, 1, 2, true);
    s_result(&h, 1, 1, s_c, 1, 1);
    s_expect_ack(&h, 1, 1, false);
    s_finish(&h, 2);
    proto_msg_t done;
    s_expect(&h, &done);
    assert_int_equal(done.status, 0);
    assert_string_equal(s_read(h.output), "apple\t1\nbanana\t1\ncherry\t1\n");
    s_stop(&h);
}

/* Results arriving 2, 0, 1 are written 0, 1, 2; late copies are dropped. */
static void test_ordered_reassembles(void **state)
{
    (void)state;
    harness_t h;
    s_start(&h, "ordered", false);
    s_lines(&h, 2, 1, "two\n", 1);
    s_expect_ack(&h, 2, 1, true);
    s_lines(&h, 0, 2, "zero\nnought\n", 2);
    s_expect_ack(&h, 0, 2, true);
    s_lines(&h, 2, 2, "two\n", 1);
    s_expect_ack(&h, 2, 2, false);
    s_lines(&h, 1, 1, "one\n", 1);
    s_expect_ack(&h, 1, 1, true);
    s_lines(&h, 0, 1, "zero\nnought\n", 2);
    s_expect_ack(&h, 0, 1, false);
    s_finish(&h, 3);
    proto_msg_t done;
    s_expect(&h, &done);
    assert_int_equal(done.status, 0);
    assert_int_equal(done.outputs, 4);
    assert_string_equal(s_read(h.output), "zero\nnought\none\ntwo\n");
    s_stop(&h);
}

/* A result of the wrong kind (pairs in an ordered job) is refused as a
 * FAIL of that chunk, never written. */
/* Reducer 0 of 2 (-R 2) merges only keys of its partition: a RESULT
 * holding another partition's key is refused (FAIL, never merged), and its
 * ACK and DONE name the reducer. */
static void test_partition_refuses_foreign_keys(void **state)
{
    (void)state;
    /* Words of each partition of 2, found by the function itself. */
    static char mine[8][16];
    static char theirs[8][16];
    const char *m[1];
    const char *t[1];
    int nm = 0;
    int nt = 0;
    for (int i = 0; nm < 1 || nt < 1; i++) {
        char w[16];
        snprintf(w, sizeof w, "w%d", i);
        if (partition_of(w, strlen(w), 2) == 0 && nm < 1)
            snprintf(mine[nm++], sizeof mine[0], "%s", w);
        else if (partition_of(w, strlen(w), 2) == 1 && nt < 1)
            snprintf(theirs[nt++], sizeof theirs[0], "%s", w);
    }
    m[0] = mine[0];
    t[0] = theirs[0];
    harness_t h;
    const char *const part[] = { "--partition", "0/2", NULL };
    s_start_with(&h, "grouped", true, part);
    s_result(&h, 0, 1, t, 1, 1);
    proto_msg_t fail;
    s_expect(&h, &fail);
    assert_int_equal(fail.type, PROTO_FAIL);
    assert_int_equal(fail.chunk, 0);
    assert_non_null(strstr(fail.text, "partition 1/2"));
    s_result(&h, 0, 2, m, 1, 4);
    proto_msg_t ack;
    s_expect(&h, &ack);
    assert_int_equal(ack.type, PROTO_ACK);
    assert_true(ack.fresh);
    assert_int_equal(ack.reducer, 0);
    s_finish(&h, 1);
    proto_msg_t done;
    s_expect(&h, &done);
    assert_int_equal(done.type, PROTO_DONE);
    assert_int_equal(done.status, 0);
    assert_int_equal(done.reducer, 0);
    assert_int_equal(done.keys, 1);
    char want[32];
    snprintf(want, sizeof want, "%s\t4\n", mine[0]);
    assert_string_equal(s_read(h.output), want);
    s_stop(&h);
}

static void test_ordered_refuses_pairs(void **state)
{
    (void)state;
    harness_t h;
    s_start(&h, "ordered", false);
    s_result(&h, 0, 3, s_ab, 2, 1);
    proto_msg_t fail;
    s_expect(&h, &fail);
    assert_int_equal(fail.type, PROTO_FAIL);
    assert_int_equal(fail.chunk, 0);
    assert_non_null(strstr(fail.text, "where lines were expected"));
    s_lines(&h, 0, 1, "fine\n", 1);
    s_expect_ack(&h, 0, 1, true);
    s_finish(&h, 1);
    proto_msg_t done;
    s_expect(&h, &done);
    assert_int_equal(done.status, 0);
    assert_string_equal(s_read(h.output), "fine\n");
    s_stop(&h);
}

/* Garbage, a bad payload and an absurd index leave the job intact; the bad
 * payload is reported to the master as a FAIL of that chunk. */
static void test_hostile_frames(void **state)
{
    (void)state;
    harness_t h;
    s_start(&h, "grouped", true);
    buf_t junk;
    buf_init(&junk, 64);
    buf_append(&junk, "\xdd\xff\xff\xff\xff", 5);
    assert_int_equal(transport_send(h.results, &junk, NULL, 0, 0), 0);
    assert_int_equal(transport_send(h.results, &junk, "x", 1, 0), 0);

    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_RESULT);
    msg.chunk = 0;
    msg.mapper = 4;
    s_sign(&h, &msg);
    buf_reset(&junk);
    buf_append(&junk, "\x92\xc4\x01", 3);
    s_send(&h, &msg, &junk);
    proto_msg_t fail;
    s_expect(&h, &fail);
    assert_int_equal(fail.type, PROTO_FAIL);
    assert_int_equal(fail.chunk, 0);
    assert_int_equal(fail.mapper, 4);
    assert_non_null(strstr(fail.text, "malformed"));

    s_result(&h, UINT64_MAX / 2, 1, s_c, 1, 1);
    s_result(&h, 0, 1, s_ab, 2, 1);
    s_expect_ack(&h, 0, 1, true);
    s_finish(&h, 1);
    proto_msg_t done;
    s_expect(&h, &done);
    assert_int_equal(done.status, 0);
    assert_string_equal(s_read(h.output), "apple\t1\nbanana\t1\n");
    buf_fini(&junk);
    s_stop(&h);
}

/* A RESULT whose token is not the one its attempt was given (forged by a
 * peer that was not assigned the chunk, or for a chunk not handed out yet)
 * is dropped: no ACK, no FAIL that would charge the chunk, nothing merged;
 * the real result still counts. */
static void test_forged_result_dropped(void **state)
{
    (void)state;
    harness_t h;
    s_start(&h, "grouped", true);
    static const char *const evil[] = { "EVILKEY" };
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_RESULT);
    msg.chunk = 0;
    msg.mapper = 1;
    msg.records = 1;
    s_sign(&h, &msg);
    msg.token[0] ^= 0x80; /* one bit off */
    buf_t payload;
    buf_init(&payload, 1 << 16);
    uint64_t count = 1000000;
    assert_int_equal(proto_pairs_begin(&payload), 0);
    assert_int_equal(proto_pairs_add(&payload, evil[0], 7, &count, 8), 0);
    proto_pairs_end(&payload, 1);
    s_send(&h, &msg, &payload);
    msg.token[0] ^= 0x80;
    msg.attempt = 1; /* a valid token, for another attempt */
    s_send(&h, &msg, &payload);
    msg.attempt = 0;
    msg.chunk = 1; /* a chunk that was never handed out */
    s_send(&h, &msg, &payload);
    buf_fini(&payload);

    s_result(&h, 0, 1, s_ab, 2, 1);
    s_expect_ack(&h, 0, 1, true); /* the first message the master hears */
    s_finish(&h, 1);
    proto_msg_t done;
    s_expect(&h, &done);
    assert_int_equal(done.type, PROTO_DONE);
    assert_int_equal(done.status, 0);
    assert_string_equal(s_read(h.output), "apple\t1\nbanana\t1\n");
    s_stop(&h);
}

/* Sends a RESULT for chunk of the words w<first>..w<first + n - 1>, each
 * counting count. */
static void s_result_range(harness_t *h, uint64_t chunk, unsigned first, unsigned n, uint64_t count)
{
    char(*words)[16] = malloc(n * sizeof *words);
    const char **ptrs = malloc(n * sizeof *ptrs);
    assert_true(words && ptrs);
    for (unsigned i = 0; i < n; i++) {
        snprintf(words[i], sizeof words[i], "w%05u", first + i);
        ptrs[i] = words[i];
    }
    s_result(h, chunk, 1, ptrs, n, count);
    free(ptrs);
    free(words);
}

/* Under --memory the reducer spills runs into --spill-dir and merges them
 * at FINISH: the output is what it would be in memory, --index describes
 * it, and no run is left. */
static void test_grouped_spills(void **state)
{
    (void)state;
    harness_t h;
    char spill[128];
    char index[128];
    char tmp[] = "/tmp/mr-test-spill-XXXXXX";
    assert_non_null(mkdtemp(tmp));
    snprintf(spill, sizeof spill, "%s/r0", tmp);
    snprintf(index, sizeof index, "%s/index-0", tmp);
    assert_int_equal(mkdir(spill, 0700), 0);
    const char *const extra[] = {
        "--memory", "262144", "--spill-dir", spill, "--index", index, NULL
    };
    s_start_with(&h, "grouped", true, extra);
    /* Three chunks of 3000 words, overlapping: w00000..w04999. */
    for (unsigned c = 0; c < 3; c++) {
        s_result_range(&h, c, c * 1000, 3000, c + 1);
        s_expect_ack(&h, c, 1, true);
    }
    s_finish(&h, 3);
    proto_msg_t done;
    s_expect(&h, &done);
    assert_int_equal(done.type, PROTO_DONE);
    if (done.status != 0)
        fail_msg("DONE: %s", done.text);
    size_t len;
    char *text = s_read_n(h.output, &len);
    size_t used = 0;
    for (unsigned w = 0; w < 5000; w++) {
        unsigned sum = (w < 3000 ? 1 : 0) + (w >= 1000 && w < 4000 ? 2 : 0) + (w >= 2000 ? 3 : 0);
        char line[32];
        int n = snprintf(line, sizeof line, "w%05u\t%u\n", w, sum);
        if (used + (size_t)n > len || memcmp(text + used, line, (size_t)n) != 0)
            fail_msg("line %u: want %s", w, line);
        used += (size_t)n;
    }
    assert_int_equal(used, len);
    /* The index: 5000 keys whose bytes add up to the output. */
    err_t e;
    err_init(&e);
    run_reader_t *r = run_reader_new(index, &e);
    assert_non_null(r);
    mr_bytes_t k;
    mr_bytes_t v;
    uint64_t keys = 0;
    uint64_t bytes = 0;
    while (run_reader_next(r, &k, &v, &e) == 1) {
        uint64_t b;
        memcpy(&b, v.ptr, 8);
        bytes += b;
        keys++;
    }
    assert_int_equal(e.code, 0);
    run_reader_destroy(&r);
    assert_int_equal(keys, 5000);
    assert_int_equal(bytes, len);
    assert_int_equal(rmdir(spill), 0); /* empty: every run was removed */
    unlink(index);
    assert_int_equal(rmdir(tmp), 0);
    s_stop(&h);
}

/* A spill that cannot be written fails the job, naming the path. */
static void test_grouped_spill_error(void **state)
{
    (void)state;
    harness_t h;
    const char *const extra[] = { "--memory", "262144", "--spill-dir", "/nonexistent-spill", NULL };
    s_start_with(&h, "grouped", true, extra);
    s_result_range(&h, 0, 0, 5000, 1);
    proto_msg_t done;
    s_expect(&h, &done);
    assert_int_equal(done.type, PROTO_DONE);
    assert_int_equal(done.status, -ENOENT);
    assert_non_null(strstr(done.text, "/nonexistent-spill/run-0"));
    s_stop(&h);
}

/* FINISH while a chunk is missing is an error, never a short output. */
static void test_finish_with_missing_chunk(void **state)
{
    (void)state;
    harness_t h;
    s_start(&h, "unordered", false);
    s_lines(&h, 1, 1, "cherry\n", 1);
    s_expect_ack(&h, 1, 1, true);
    s_finish(&h, 2);
    proto_msg_t done;
    s_expect(&h, &done);
    assert_int_equal(done.type, PROTO_DONE);
    assert_true(done.status < 0);
    assert_non_null(strstr(done.text, "not all of them were merged"));
    s_stop(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grouped_merges_and_sorts),
        cmocka_unit_test(test_grouped_duplicate_merged_once),
        cmocka_unit_test(test_ordered_reassembles),
        cmocka_unit_test(test_ordered_refuses_pairs),
        cmocka_unit_test(test_partition_refuses_foreign_keys),
        cmocka_unit_test(test_hostile_frames),
        cmocka_unit_test(test_forged_result_dropped),
        cmocka_unit_test(test_finish_with_missing_chunk),
        cmocka_unit_test(test_grouped_spills),
        cmocka_unit_test(test_grouped_spill_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
