/*
 * test_stream.c - tests mr-stream: mapper/stream_text.c (the escaped text
 * form), mapper/stream_io.c (its record reader and line writer) and the
 * mr-stream binary (mapper/stream.c, mapper/stream_fold.c) built on them.
 *
 * The text form: every byte value escapes to its one documented spelling
 * and back, escaped text is printable ASCII only, malformed or
 * non-canonical text is refused with its column, a line splits as Hadoop
 * splits it, and keys order as their escaped forms sort.
 *
 * The reader: records in order, the last without its terminator, no empty
 * record after a final terminator, NUL records, a record longer than several
 * read blocks, and the cap.  The writer: the three line forms, a value
 * larger than its buffer, and a write error that sticks.
 *
 * The binary, run for real from $MR_BUILD_DIR/bin with the example plugins:
 * wordcount's map output on a small text, `map | sort | reduce` equal to
 * `mr-run --sort` byte for byte (with and without a combine step, with -0),
 * upper.so's map-only lines, and the failures: a malformed escape names its
 * line, unsorted input is refused, a missing plugin, usage errors, a plugin
 * without combine or reduce refused by reduce, init and write failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "buf.h"
#include "mem.h"
#include "stream_io.h"
#include "stream_text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the text form --------------------------------------------------- */

/* Usage: escape a pair's parts, split the line, get the bytes back. */
static void test_text_usage(void **state)
{
    (void)state;
    static const char key[] = "tab\there";
    static const unsigned char value[] = { 2, 0, 0, 0, 0, 0, 0, 0 };
    char line[256];
    size_t n = stream_text_escape(line, key, sizeof key - 1);
    line[n++] = '\t';
    n += stream_text_escape(line + n, value, sizeof value);
    const char expected[] = "tab\\there\t\\x02\\0\\0\\0\\0\\0\\0\\0";
    assert_int_equal(n, sizeof expected - 1);
    assert_memory_equal(line, expected, n);

    mr_bytes_t k;
    mr_bytes_t v;
    err_t e;
    err_init(&e);
    assert_int_equal(stream_text_split(line, n, &k, &v, &e), 0);
    assert_int_equal(k.len, sizeof key - 1);
    assert_memory_equal(k.ptr, key, k.len);
    assert_int_equal(v.len, sizeof value);
    assert_memory_equal(v.ptr, value, v.len);
}

/* The one spelling of byte c, as documented in stream_text.h. */
static size_t s_expected_form(unsigned c, char out[5])
{
    switch (c) {
    case '\\': return (size_t)snprintf(out, 5, "\\\\");
    case '\t': return (size_t)snprintf(out, 5, "\\t");
    case '\n': return (size_t)snprintf(out, 5, "\\n");
    case '\r': return (size_t)snprintf(out, 5, "\\r");
    case 0: return (size_t)snprintf(out, 5, "\\0");
    default:
        if (c < 0x20 || c >= 0x7f)
            return (size_t)snprintf(out, 5, "\\x%02x", c);
        return (size_t)snprintf(out, 5, "%c", (char)c);
    }
}

/* Every byte value escapes to its documented form, alone and in a run of
 * all 256, and decodes back; escaped text is printable ASCII only. */
static void test_text_every_byte(void **state)
{
    (void)state;
    err_t e;
    err_init(&e);
    unsigned char all[256];
    char all_text[256 * STREAM_TEXT_GROWTH];
    size_t all_len = 0;
    for (unsigned c = 0; c < 256; c++) {
        unsigned char byte = (unsigned char)c;
        all[c] = byte;
        char form[5];
        size_t form_len = s_expected_form(c, form);
        char text[STREAM_TEXT_GROWTH];
        size_t n = stream_text_escape(text, &byte, 1);
        assert_int_equal(n, form_len);
        assert_memory_equal(text, form, n);
        memcpy(all_text + all_len, text, n);
        all_len += n;

        char back[4];
        size_t back_len = 0;
        assert_int_equal(stream_text_unescape(back, text, n, &back_len, &e), 0);
        assert_int_equal(back_len, 1);
        assert_int_equal((unsigned char)back[0], c);
    }
    char text[sizeof all * STREAM_TEXT_GROWTH];
    size_t n = stream_text_escape(text, all, sizeof all);
    assert_int_equal(n, all_len);
    assert_memory_equal(text, all_text, n);
    for (size_t i = 0; i < n; i++)
        assert_true(text[i] >= 0x20 && text[i] < 0x7f);
    /* In place, as mr-stream decodes its input lines. */
    size_t back_len = 0;
    assert_int_equal(stream_text_unescape(text, text, n, &back_len, &e), 0);
    assert_int_equal(back_len, sizeof all);
    assert_memory_equal(text, all, sizeof all);
}

/* Random binary strings survive the round trip, and keys compare in the
 * order of their escaped forms (bytewise, as LC_ALL=C sort does). */
static void test_text_random_round_trip_and_order(void **state)
{
    (void)state;
    err_t e;
    err_init(&e);
    srand(20240601);
    for (int round = 0; round < 2000; round++) {
        unsigned char a[24];
        unsigned char b[24];
        size_t a_len = (size_t)(rand() % 24);
        size_t b_len = (size_t)(rand() % 24);
        /* Half the rounds use few byte values, so prefixes and ties occur. */
        int spread = round % 2 ? 256 : 4;
        for (size_t i = 0; i < a_len; i++)
            a[i] = (unsigned char)(rand() % spread * (round % 3 == 0 ? 31 : 1));
        for (size_t i = 0; i < b_len; i++)
            b[i] = (unsigned char)(rand() % spread * (round % 3 == 0 ? 31 : 1));
        if (round % 5 == 0) {
            memcpy(b, a, a_len);
            b_len = a_len;
        }
        char ta[sizeof a * STREAM_TEXT_GROWTH];
        char tb[sizeof b * STREAM_TEXT_GROWTH];
        size_t ta_len = stream_text_escape(ta, a, a_len);
        size_t tb_len = stream_text_escape(tb, b, b_len);

        size_t m = ta_len < tb_len ? ta_len : tb_len;
        int text_order = memcmp(ta, tb, m);
        if (text_order == 0)
            text_order = (ta_len > tb_len) - (ta_len < tb_len);
        int order = stream_text_compare(a, a_len, b, b_len);
        assert_int_equal(order < 0, text_order < 0);
        assert_int_equal(order > 0, text_order > 0);

        char back[sizeof ta];
        size_t back_len = 0;
        assert_int_equal(stream_text_unescape(back, ta, ta_len, &back_len, &e), 0);
        assert_int_equal(back_len, a_len);
        if (a_len)
            assert_memory_equal(back, a, a_len);
    }
}

/* Malformed and non-canonical text is refused, naming the column. */
static void test_text_rejects_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *column;
        const char *why;
    } cases[] = {
        { "ab\\", "column 3", "backslash ends" },
        { "a\\q", "column 2", "unknown escape \\q" },
        { "\\x4", "column 1", "two lowercase hex digits" },
        { "\\xg0", "column 1", "two lowercase hex digits" },
        { "xy\\xFF", "column 3", "two lowercase hex digits" },
        { "\\x41", "column 1", "must be written A" },
        { "\\x09", "column 1", "must be written \\t" },
        { "\\x5c", "column 1", "must be written \\\\" },
        { "a\tb", "column 2", "byte 0x09 must be escaped (as \\t)" },
        { "a\x7f", "column 2", "byte 0x7f must be escaped (as \\x7f)" },
        { "abc\xc3\xa9", "column 4", "byte 0xc3 must be escaped" },
        { "\r", "column 1", "byte 0x0d must be escaped (as \\r)" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err_t e;
        err_init(&e);
        char out[16];
        size_t out_len = 0;
        size_t len = strlen(cases[i].text);
        assert_int_equal(stream_text_unescape(out, cases[i].text, len, &out_len, &e), -EBADMSG);
        if (!strstr(e.text, cases[i].column) || !strstr(e.text, cases[i].why))
            fail_msg("'%s': got '%s'", cases[i].text, e.text);
    }
}

/* Lines split at the first TAB; no TAB means all key and an empty value;
 * a value's column counts from the start of the line. */
static void test_text_split_forms(void **state)
{
    (void)state;
    err_t e;
    err_init(&e);
    mr_bytes_t k;
    mr_bytes_t v;

    char whole[] = "word";
    assert_int_equal(stream_text_split(whole, 4, &k, &v, &e), 0);
    assert_int_equal(k.len, 4);
    assert_memory_equal(k.ptr, "word", 4);
    assert_int_equal(v.len, 0);

    char empty_key[] = "\tvalue\\n";
    assert_int_equal(stream_text_split(empty_key, strlen(empty_key), &k, &v, &e), 0);
    assert_int_equal(k.len, 0);
    assert_int_equal(v.len, 6);
    assert_memory_equal(v.ptr, "value\n", 6);

    char empty_value[] = "k\t";
    assert_int_equal(stream_text_split(empty_value, 2, &k, &v, &e), 0);
    assert_int_equal(k.len, 1);
    assert_int_equal(v.len, 0);

    char empty[] = "";
    assert_int_equal(stream_text_split(empty, 0, &k, &v, &e), 0);
    assert_int_equal(k.len, 0);
    assert_int_equal(v.len, 0);

    /* A second raw TAB is in the value, where it should have been \t. */
    char two_tabs[] = "k\tv\tw";
    assert_int_equal(stream_text_split(two_tabs, 5, &k, &v, &e), -EBADMSG);
    assert_non_null(strstr(e.text, "column 4"));
}

/* ---- the reader and the writer --------------------------------------- */

/* A descriptor reading len bytes of data (a temporary file, unlinked). */
static int s_input_fd(const void *data, size_t len)
{
    char path[] = "/tmp/test_stream_io.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    return fd;
}

/* Reads every record of data; returns them joined with '|'. */
static char *s_read_all(const void *data, size_t len, char delim, size_t max, int *rc_out)
{
    int fd = s_input_fd(data, len);
    stream_io_reader_t r;
    stream_io_reader_init(&r, fd, "test input", delim, max);
    buf_t joined;
    buf_init(&joined, (size_t)1 << 30);
    char *rec = NULL;
    size_t rec_len = 0;
    err_t e;
    err_init(&e);
    uint64_t n = 0;
    int rc;
    while ((rc = stream_io_reader_next(&r, &rec, &rec_len, &e)) > 0) {
        assert_int_equal(r.count, ++n);
        assert_int_equal(buf_append(&joined, rec, rec_len), 0);
        assert_int_equal(buf_append(&joined, "|", 1), 0);
    }
    *rc_out = rc;
    if (rc < 0) {
        assert_int_equal(rc, -EMSGSIZE);
        assert_non_null(strstr(e.text, "test input: line 2 is longer than the cap of 4 bytes"));
    }
    assert_int_equal(buf_append(&joined, "", 1), 0);
    stream_io_reader_fini(&r);
    close(fd);
    return joined.data;
}

/* Records come out in order; the last may lack its terminator, a final
 * terminator adds no empty record, empty records are kept. */
static void test_reader_records(void **state)
{
    (void)state;
    int rc = 0;
    char *got = s_read_all("a\nbb\n\nccc", 9, '\n', 100, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(got, "a|bb||ccc|");
    free(got);
    got = s_read_all("a\nbb\n", 5, '\n', 100, &rc);
    assert_string_equal(got, "a|bb|");
    free(got);
    got = s_read_all("\n", 1, '\n', 100, &rc);
    assert_string_equal(got, "|");
    free(got);
    got = s_read_all("", 0, '\n', 100, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(got, "");
    free(got);
    got = s_read_all("x\ny\0z\n", 6, '\0', 100, &rc);
    assert_string_equal(got, "x\ny|z\n|");
    free(got);
    /* A record over the cap fails, naming it; the records before it came. */
    got = s_read_all("abcd\nabcde\n", 11, '\n', 4, &rc);
    assert_int_equal(rc, -EMSGSIZE);
    assert_string_equal(got, "abcd|");
    free(got);
}

/* A record of 3.5 read blocks comes out whole, between short ones. */
static void test_reader_long_record(void **state)
{
    (void)state;
    size_t big = STREAM_IO_BLOCK * 7 / 2;
    size_t len = big + 6;
    char *data = mem_alloc(len);
    memcpy(data, "ab\n", 3);
    for (size_t i = 0; i < big; i++)
        data[3 + i] = (char)('a' + i % 26);
    memcpy(data + 3 + big, "\ncd", 3);
    int fd = s_input_fd(data, len);
    stream_io_reader_t r;
    stream_io_reader_init(&r, fd, "test input", '\n', (size_t)1 << 30);
    err_t e;
    err_init(&e);
    char *rec = NULL;
    size_t rec_len = 0;
    assert_int_equal(stream_io_reader_next(&r, &rec, &rec_len, &e), 1);
    assert_int_equal(rec_len, 2);
    assert_int_equal(stream_io_reader_next(&r, &rec, &rec_len, &e), 1);
    assert_int_equal(rec_len, big);
    assert_memory_equal(rec, data + 3, big);
    assert_int_equal(stream_io_reader_next(&r, &rec, &rec_len, &e), 1);
    assert_int_equal(rec_len, 2);
    assert_memory_equal(rec, "cd", 2);
    assert_int_equal(r.count, 3);
    assert_int_equal(stream_io_reader_next(&r, &rec, &rec_len, &e), 0);
    stream_io_reader_fini(&r);
    close(fd);
    free(data);
}

/* Reads back what a writer wrote to fd. */
static char *s_written(int fd, size_t *len)
{
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    buf_t b;
    buf_init(&b, (size_t)1 << 30);
    char block[65536];
    ssize_t n;
    while ((n = read(fd, block, sizeof block)) > 0)
        assert_int_equal(buf_append(&b, block, (size_t)n), 0);
    assert_int_equal(buf_append(&b, "", 1), 0);
    *len = b.len - 1;
    return b.data;
}

/* The three line forms, with and without a key; an empty key keeps its TAB
 * only in the intermediate form. */
static void test_writer_forms(void **state)
{
    (void)state;
    int fd = s_input_fd("", 0);
    stream_io_writer_t w;
    stream_io_writer_init(&w, fd, "test output");
    assert_int_equal(stream_io_writer_line(&w, STREAM_IO_PAIR, "k\t", 2, "v\n", 2), 0);
    assert_int_equal(stream_io_writer_line(&w, STREAM_IO_PAIR, NULL, 0, "v", 1), 0);
    assert_int_equal(stream_io_writer_line(&w, STREAM_IO_ESCAPED, "k", 1, "\x01", 1), 0);
    assert_int_equal(stream_io_writer_line(&w, STREAM_IO_ESCAPED, NULL, 0, "a\\b", 3), 0);
    assert_int_equal(stream_io_writer_line(&w, STREAM_IO_RAW, "k\t", 2, "v\n", 2), 0);
    assert_int_equal(stream_io_writer_line(&w, STREAM_IO_RAW, NULL, 0, "v", 1), 0);
    assert_int_equal(stream_io_writer_line(&w, STREAM_IO_PAIR, NULL, 0, NULL, 0), 0);
    assert_int_equal(stream_io_writer_flush(&w), 0);
    size_t len = 0;
    char *got = s_written(fd, &len);
    const char expected[] = "k\\t\tv\\n\n"
                            "\tv\n"
                            "k\t\\x01\n"
                            "a\\\\b\n"
                            "k\t\tv\n\n"
                            "v\n"
                            "\t\n";
    assert_int_equal(len, sizeof expected - 1);
    assert_memory_equal(got, expected, len);
    free(got);
    stream_io_writer_fini(&w);
    close(fd);
}

/* A value larger than the writer's buffer, escaped to 4 times its size,
 * comes out whole. */
static void test_writer_large_value(void **state)
{
    (void)state;
    size_t big = STREAM_IO_BLOCK + 12345;
    char *value = mem_alloc(big);
    memset(value, 0x01, big);
    int fd = s_input_fd("", 0);
    stream_io_writer_t w;
    stream_io_writer_init(&w, fd, "test output");
    assert_int_equal(stream_io_writer_line(&w, STREAM_IO_PAIR, "key", 3, value, big), 0);
    assert_int_equal(stream_io_writer_flush(&w), 0);
    size_t len = 0;
    char *got = s_written(fd, &len);
    assert_int_equal(len, 4 + 4 * big + 1);
    assert_memory_equal(got, "key\t\\x01", 8);
    assert_memory_equal(got + len - 5, "\\x01\n", 5);
    free(got);
    free(value);
    stream_io_writer_fini(&w);
    close(fd);
}

/* A write error is reported with the output's name, and sticks. */
static void test_writer_error_sticks(void **state)
{
    (void)state;
    int fd = open("/dev/full", O_WRONLY);
    assert_true(fd >= 0);
    stream_io_writer_t w;
    stream_io_writer_init(&w, fd, "test output");
    assert_int_equal(stream_io_writer_line(&w, STREAM_IO_RAW, "k", 1, "v", 1), 0);
    assert_int_equal(stream_io_writer_flush(&w), -ENOSPC);
    assert_non_null(strstr(w.err.text, "writing test output: No space left on device"));
    assert_int_equal(stream_io_writer_line(&w, STREAM_IO_RAW, "k", 1, "v", 1), -ENOSPC);
    assert_int_equal(stream_io_writer_flush(&w), -ENOSPC);
    stream_io_writer_fini(&w);
    close(fd);
}

/* ---- the binary ------------------------------------------------------ */

typedef struct run {
    int status;     /* exit status, or 128 + signal */
    char *out;      /* stdout, owned, NUL-terminated */
    size_t out_len; /* its length */
    char *err;      /* stderr, owned, NUL-terminated */
} run_t;

/* Where stdout goes. */
typedef enum sink {
    SINK_FILE,        /* captured */
    SINK_FULL,        /* /dev/full: every write fails with ENOSPC */
    SINK_BROKEN_PIPE, /* a pipe nobody reads: EPIPE */
} sink_t;

static char s_dir[64];

static const char *s_build(void)
{
    return getenv("MR_BUILD_DIR");
}

/* $MR_BUILD_DIR/sub/name, owned. */
static char *s_path(const char *sub, const char *name)
{
    size_t n = strlen(s_build()) + strlen(sub) + strlen(name) + 3;
    char *p = mem_alloc(n);
    snprintf(p, n, "%s/%s/%s", s_build(), sub, name);
    return p;
}

/* s_dir/name, owned. */
static char *s_tmp(const char *name)
{
    size_t n = strlen(s_dir) + strlen(name) + 2;
    char *p = mem_alloc(n);
    snprintf(p, n, "%s/%s", s_dir, name);
    return p;
}

static char *s_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    buf_t b;
    buf_init(&b, (size_t)1 << 30);
    char block[65536];
    size_t n;
    while ((n = fread(block, 1, sizeof block, f)) > 0)
        assert_int_equal(buf_append(&b, block, n), 0);
    fclose(f);
    assert_int_equal(buf_append(&b, "", 1), 0);
    if (len)
        *len = b.len - 1;
    return b.data;
}

static void s_spit(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Runs argv (argv[0] found on PATH when it has no slash) with stdin from
 * in_path, and returns its status and output. */
static run_t s_run_file(char *const argv[], const char *in_path, sink_t sink)
{
    char *out_path = s_tmp("run.out");
    char *err_path = s_tmp("run.err");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int in = open(in_path, O_RDONLY);
        int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int out = -1;
        if (sink == SINK_FILE) {
            out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        } else if (sink == SINK_FULL) {
            out = open("/dev/full", O_WRONLY);
        } else {
            int fds[2];
            if (pipe(fds) == 0) {
                close(fds[0]);
                out = fds[1];
            }
        }
        if (in < 0 || out < 0 || err < 0)
            _exit(126);
        dup2(in, STDIN_FILENO);
        dup2(out, STDOUT_FILENO);
        dup2(err, STDERR_FILENO);
        execvp(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        assert_int_equal(errno, EINTR);
    run_t r = { 0 };
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (sink == SINK_FILE) {
        r.out = s_slurp(out_path, &r.out_len);
    } else {
        r.out = mem_strdup("");
    }
    r.err = s_slurp(err_path, NULL);
    unlink(out_path);
    unlink(err_path);
    free(out_path);
    free(err_path);
    return r;
}

/* Runs argv with len bytes of in on stdin. */
static run_t s_run(char *const argv[], const void *in, size_t len)
{
    char *in_path = s_tmp("run.in");
    s_spit(in_path, in, len);
    run_t r = s_run_file(argv, in_path, SINK_FILE);
    unlink(in_path);
    free(in_path);
    return r;
}

static void s_run_free(run_t *r)
{
    free(r->out);
    free(r->err);
}

static size_t s_count_lines(const run_t *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->out_len; i++)
        n += r->out[i] == '\n';
    return n;
}

/* Expects status 0; shows stderr otherwise. */
static void s_expect_ok(const run_t *r, const char *what)
{
    if (r->status != 0)
        fail_msg("%s exited %d: %s", what, r->status, r->err);
}

/* Runs `mr-stream STAGE PLUGIN [extra]` on in. */
static run_t s_stream(const char *stage, const char *plugin, const char *extra, const void *in,
                      size_t len)
{
    char *bin = s_path("bin", "mr-stream");
    char *so = s_path("examples", plugin);
    char *argv[] = { bin, (char *)stage, so, (char *)extra, NULL };
    run_t r = s_run(argv, in, len);
    free(bin);
    free(so);
    return r;
}

/* LC_ALL=C sort of data (main sets LC_ALL). */
static run_t s_sort(const void *data, size_t len)
{
    char *argv[] = { "sort", NULL };
    run_t r = s_run(argv, data, len);
    s_expect_ok(&r, "sort");
    return r;
}

/* `mr-run -q -m wordcount.so --sort -j 2 [extra] -o OUT` on data. */
static run_t s_mr_run_wordcount(const void *data, size_t len, const char *extra)
{
    char *bin = s_path("bin", "mr-run");
    char *so = s_path("examples", "wordcount.so");
    char *in = s_tmp("corpus.in");
    char *out = s_tmp("mr-run.out");
    s_spit(in, data, len);
    char *argv[] = { bin, "-q", "-m", so, "--sort", "-j", "2", "-o", out, in, (char *)extra, NULL };
    run_t r = s_run_file(argv, in, SINK_FILE);
    s_expect_ok(&r, "mr-run");
    free(r.out);
    r.out = s_slurp(out, &r.out_len);
    unlink(in);
    unlink(out);
    free(bin);
    free(so);
    free(in);
    free(out);
    return r;
}

/* A seeded text in the corpus style of scripts/lib/it.sh: mixed-case words
 * glued to digits and punctuation, tabs, CRLF, high bytes, NUL bytes, an
 * empty line, a 3 MB line (longer than mr-stream's read block), and no
 * newline at the end. */
static char *s_corpus(size_t *len)
{
    static const char *words[] = { "the", "The",  "cat",  "CAT",       "dog",  "a",     "Zebra",
                                   "x",   "end",  "é",    "naïve",     "@at",  "[brk]", "`tick`",
                                   "{c}", "it's", "0x1f", "tab\tword", "cr\r", "nul\0x" };
    static const size_t lens[] = { 3, 3, 3, 3, 3, 1, 5, 1, 3, 2, 6, 3, 5, 6, 3, 4, 4, 8, 3, 5 };
    buf_t b;
    buf_init(&b, (size_t)1 << 30);
    unsigned seed = 7;
    for (int line = 0; line < 3000; line++) {
        seed = seed * 1103515245u + 12345u;
        int n = (int)(seed >> 16) % 14;
        if (line == 1500)
            n = 400000;
        for (int i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            size_t w = (seed >> 16) % (sizeof lens / sizeof lens[0]);
            assert_int_equal(buf_append(&b, words[w], lens[w]), 0);
            assert_int_equal(buf_append(&b, i % 9 == 8 ? "," : " ", 1), 0);
        }
        if (line < 2999)
            assert_int_equal(buf_append(&b, line % 10 == 3 ? "\r\n" : "\n", line % 10 == 3 ? 2 : 1),
                             0);
    }
    assert_int_equal(buf_append(&b, "last", 4), 0);
    *len = b.len;
    return b.data;
}

/* mr-stream map on a small text: one line per distinct word, in order of
 * first sight, each count 8 escaped little-endian bytes. */
static void test_map_wordcount_small(void **state)
{
    (void)state;
    static const char text[] = "the cat the\ndog, the\tCat";
    run_t r = s_stream("map", "wordcount.so", NULL, text, sizeof text - 1);
    s_expect_ok(&r, "mr-stream map");
    const char expected[] = "the\t\\x03\\0\\0\\0\\0\\0\\0\\0\n"
                            "cat\t\\x01\\0\\0\\0\\0\\0\\0\\0\n"
                            "dog\t\\x01\\0\\0\\0\\0\\0\\0\\0\n"
                            "Cat\t\\x01\\0\\0\\0\\0\\0\\0\\0\n";
    assert_int_equal(r.out_len, sizeof expected - 1);
    assert_memory_equal(r.out, expected, r.out_len);
    s_run_free(&r);
}

/* map | sort | reduce equals mr-run --sort byte for byte; so does it with
 * a combine step before the sort, and with combine after it (whose output
 * must stay sorted: Hadoop writes it back into a sorted spill). */
static void test_pipeline_equals_mr_run(void **state)
{
    (void)state;
    size_t len = 0;
    char *corpus = s_corpus(&len);
    run_t expected = s_mr_run_wordcount(corpus, len, NULL);
    assert_true(expected.out_len > 50);

    run_t mapped = s_stream("map", "wordcount.so", NULL, corpus, len);
    s_expect_ok(&mapped, "map");
    run_t sorted = s_sort(mapped.out, mapped.out_len);
    run_t reduced = s_stream("reduce", "wordcount.so", NULL, sorted.out, sorted.out_len);
    s_expect_ok(&reduced, "reduce");
    assert_int_equal(reduced.out_len, expected.out_len);
    assert_memory_equal(reduced.out, expected.out, expected.out_len);

    /* map | combine | sort | reduce */
    run_t combined = s_stream("combine", "wordcount.so", NULL, mapped.out, mapped.out_len);
    s_expect_ok(&combined, "combine");
    run_t sorted2 = s_sort(combined.out, combined.out_len);
    run_t reduced2 = s_stream("reduce", "wordcount.so", NULL, sorted2.out, sorted2.out_len);
    s_expect_ok(&reduced2, "reduce after combine");
    assert_int_equal(reduced2.out_len, expected.out_len);
    assert_memory_equal(reduced2.out, expected.out, expected.out_len);

    /* Twice the map output, sorted, then combined: one line per key again
     * (each count doubled), and still sorted. */
    size_t twice_len = 2 * mapped.out_len;
    char *twice = mem_alloc(twice_len);
    memcpy(twice, mapped.out, mapped.out_len);
    memcpy(twice + mapped.out_len, mapped.out, mapped.out_len);
    run_t sorted3 = s_sort(twice, twice_len);
    run_t combined3 = s_stream("combine", "wordcount.so", NULL, sorted3.out, sorted3.out_len);
    s_expect_ok(&combined3, "combine of sorted input");
    run_t resorted = s_sort(combined3.out, combined3.out_len);
    assert_int_equal(resorted.out_len, combined3.out_len);
    assert_memory_equal(resorted.out, combined3.out, combined3.out_len);
    assert_int_equal(s_count_lines(&combined3), s_count_lines(&mapped));

    s_run_free(&expected);
    s_run_free(&mapped);
    s_run_free(&sorted);
    s_run_free(&reduced);
    s_run_free(&combined);
    s_run_free(&sorted2);
    s_run_free(&reduced2);
    s_run_free(&sorted3);
    s_run_free(&combined3);
    s_run_free(&resorted);
    free(twice);
    free(corpus);
}

/* -0: NUL-terminated records give the counts mr-run -0 gives (whose
 * output records end in NUL; mr-stream's are Streaming's lines). */
static void test_pipeline_null_records(void **state)
{
    (void)state;
    static const char text[] = "one two\0two three three\0Three\nfour";
    run_t expected = s_mr_run_wordcount(text, sizeof text - 1, "-0");
    run_t mapped = s_stream("map", "wordcount.so", "-0", text, sizeof text - 1);
    s_expect_ok(&mapped, "map -0");
    run_t sorted = s_sort(mapped.out, mapped.out_len);
    run_t reduced = s_stream("reduce", "wordcount.so", NULL, sorted.out, sorted.out_len);
    s_expect_ok(&reduced, "reduce");
    const char counts[] = "Three\t1\nfour\t1\none\t1\nthree\t2\ntwo\t2\n";
    const char counts0[] = "Three\t1\0four\t1\0one\t1\0three\t2\0two\t2\0";
    assert_int_equal(expected.out_len, sizeof counts0 - 1);
    assert_memory_equal(expected.out, counts0, expected.out_len);
    assert_int_equal(reduced.out_len, sizeof counts - 1);
    assert_memory_equal(reduced.out, counts, reduced.out_len);
    s_run_free(&expected);
    s_run_free(&mapped);
    s_run_free(&sorted);
    s_run_free(&reduced);
}

/* A map-only plugin's output is final: each value escaped on its own line,
 * no TAB for the empty key. */
static void test_map_only_upper(void **state)
{
    (void)state;
    static const char text[] = "ab\tc\n\nd\\e\x01\xff\r\nlast";
    run_t r = s_stream("map", "upper.so", NULL, text, sizeof text - 1);
    s_expect_ok(&r, "map upper.so");
    const char expected[] = "AB\\tC\n\nD\\\\E\\x01\\xff\\r\nLAST\n";
    assert_int_equal(r.out_len, sizeof expected - 1);
    assert_memory_equal(r.out, expected, r.out_len);
    s_run_free(&r);
}

/* A malformed escape fails the job, naming the line and column. */
static void test_reduce_rejects_malformed_escape(void **state)
{
    (void)state;
    static const char lines[] = "a\t\\x01\\0\\0\\0\\0\\0\\0\\0\nb\t\\x01\\0\\q\\0\\0\\0\\0\\0\n";
    run_t r = s_stream("reduce", "wordcount.so", NULL, lines, sizeof lines - 1);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "mr-stream: error: line 2: column 9: unknown escape \\q"));
    s_run_free(&r);

    r = s_stream("combine", "wordcount.so", NULL, lines, sizeof lines - 1);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "line 2: column 9"));
    s_run_free(&r);
}

/* Input out of order would give a key twice: refused with the line. */
static void test_reduce_rejects_unsorted(void **state)
{
    (void)state;
    static const char lines[] = "b\t\\x01\\0\\0\\0\\0\\0\\0\\0\na\t\\x01\\0\\0\\0\\0\\0\\0\\0\n";
    run_t r = s_stream("reduce", "wordcount.so", NULL, lines, sizeof lines - 1);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "line 2: key 'a' sorts before the previous key 'b'"));
    s_run_free(&r);
}

/* A missing plugin fails with plugin_open's message; usage errors exit 2. */
static void test_missing_plugin_and_usage(void **state)
{
    (void)state;
    char *bin = s_path("bin", "mr-stream");
    char *missing = s_tmp("no-such-plugin.so");
    char *argv[] = { bin, "map", missing, NULL };
    run_t r = s_run(argv, "", 0);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "mr-stream: error: plugin"));
    assert_non_null(strstr(r.err, "no-such-plugin.so"));
    s_run_free(&r);

    char *usage[][5] = {
        { bin, NULL },
        { bin, "map", NULL },
        { bin, "shuffle", missing, NULL },
        { bin, "map", missing, "--bogus", NULL },
        { bin, "reduce", missing, "-0", NULL },
        { bin, "map", missing, "--arg", NULL },
    };
    for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++) {
        r = s_run(usage[i], "", 0);
        if (r.status != 2)
            fail_msg("usage case %zu exited %d: %s", i, r.status, r.err);
        assert_non_null(strstr(r.err, "mr-stream: error: "));
        s_run_free(&r);
    }
    char *help[] = { bin, "--help", NULL };
    r = s_run(help, "", 0);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "usage: mr-stream map|combine|reduce"));
    s_run_free(&r);
    free(missing);
    free(bin);
}

/* upper.so has neither combine nor reduce: reduce and combine refuse it,
 * naming the plugin and the missing symbols. */
static void test_map_only_plugin_refused(void **state)
{
    (void)state;
    run_t r = s_stream("reduce", "upper.so", NULL, "a\tb\n", 4);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "upper.so has neither combine nor reduce"));
    assert_non_null(strstr(r.err, "mr_plugin.combine and mr_plugin.reduce are NULL"));
    s_run_free(&r);

    r = s_stream("combine", "upper.so", NULL, "a\tb\n", 4);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "upper.so has no combine function (mr_plugin.combine"));
    s_run_free(&r);
}

/* init failing (grep.so without --arg) and a plugin's map failing
 * (crash.so's fail:) exit 1 and say which. */
static void test_plugin_failures(void **state)
{
    (void)state;
    run_t r = s_stream("map", "grep.so", NULL, "abc\n", 4);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "init returned 1"));
    s_run_free(&r);

    r = s_stream("map", "grep.so", "--arg=b", "abc\nxyz\nb\n", 10);
    s_expect_ok(&r, "grep.so --arg=b");
    assert_string_equal(r.out, "abc\nb\n");
    s_run_free(&r);

    r = s_stream("map", "crash.so", "--arg=fail:BOOM", "ok\nstill ok\nBOOM\n", 17);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "line 3: map() returned"));
    s_run_free(&r);
}

/* Output that cannot be written (ENOSPC, EPIPE) is an error, not a
 * silent success or a death by SIGPIPE. */
static void test_write_errors(void **state)
{
    (void)state;
    char *bin = s_path("bin", "mr-stream");
    char *so = s_path("examples", "wordcount.so");
    char *in = s_tmp("words.in");
    s_spit(in, "some words here\n", 16);
    char *argv[] = { bin, "map", so, NULL };

    run_t r = s_run_file(argv, in, SINK_FULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "mr-stream: error: writing stdout: No space left on device"));
    s_run_free(&r);

    r = s_run_file(argv, in, SINK_BROKEN_PIPE);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "mr-stream: error: writing stdout: Broken pipe"));
    s_run_free(&r);
    unlink(in);
    free(in);
    free(so);
    free(bin);
}

static int s_setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(s_dir, sizeof s_dir, "%s/test_stream.XXXXXX",
             base && strlen(base) < 40 ? base : "/tmp");
    return mkdtemp(s_dir) ? 0 : -1;
}

static int s_teardown(void **state)
{
    (void)state;
    return rmdir(s_dir);
}

int main(void)
{
    setenv("LC_ALL", "C", 1);
    const struct CMUnitTest text_tests[] = {
        cmocka_unit_test(test_text_usage),
        cmocka_unit_test(test_text_every_byte),
        cmocka_unit_test(test_text_random_round_trip_and_order),
        cmocka_unit_test(test_text_rejects_malformed),
        cmocka_unit_test(test_text_split_forms),
        cmocka_unit_test(test_reader_records),
        cmocka_unit_test(test_reader_long_record),
        cmocka_unit_test(test_writer_forms),
        cmocka_unit_test(test_writer_large_value),
        cmocka_unit_test(test_writer_error_sticks),
    };
    const struct CMUnitTest binary_tests[] = {
        cmocka_unit_test(test_map_wordcount_small),
        cmocka_unit_test(test_pipeline_equals_mr_run),
        cmocka_unit_test(test_pipeline_null_records),
        cmocka_unit_test(test_map_only_upper),
        cmocka_unit_test(test_reduce_rejects_malformed_escape),
        cmocka_unit_test(test_reduce_rejects_unsorted),
        cmocka_unit_test(test_missing_plugin_and_usage),
        cmocka_unit_test(test_map_only_plugin_refused),
        cmocka_unit_test(test_plugin_failures),
        cmocka_unit_test(test_write_errors),
    };
    int failed = cmocka_run_group_tests_name("stream_text and stream_io", text_tests, NULL, NULL);
    if (!s_build()) {
        fprintf(stderr, "MR_BUILD_DIR is not set: the mr-stream binary tests are skipped\n");
        return failed;
    }
    failed += cmocka_run_group_tests_name("mr-stream", binary_tests, s_setup, s_teardown);
    return failed;
}
