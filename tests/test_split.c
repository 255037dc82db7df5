/*
 * test_split.c - tests master/split.c, the input splitter: chunks end on
 * record boundaries, never exceed chunk_size unless one record does, never
 * span inputs, reproduce every input byte for byte, and come out the same
 * whether an input is a mapped file or a pipe on stdin.
 */
#include "split.h"

#include "fmap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tmpdir.h"

/* One chunk as the tests keep it: a copy of its bytes and where it came from. */
typedef struct got {
    uint32_t input;  /* input index */
    uint64_t offset; /* offset within that input */
    char *data;      /* malloc'd copy of the bytes */
    size_t len;      /* their count */
    bool owned;      /* split handed us ownership */
} got_t;

typedef struct gots {
    got_t *items; /* malloc'd array */
    size_t n;     /* used */
    size_t cap;   /* allocated */
} gots_t;

static char s_dir[64];

static int s_setup(void **state)
{
    (void)state;
    return tmpdir_make(s_dir, sizeof s_dir, "split");
}

static int s_teardown(void **state)
{
    (void)state;
    return tmpdir_remove(s_dir);
}

/* Writes len bytes to a new file named name under the test directory; the
 * path goes to path (PATH_MAX-sized by the caller). */
static void s_write_file(char *path, size_t path_size, const char *name, const void *data,
                         size_t len)
{
    snprintf(path, path_size, "%s/%s", s_dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (len)
        assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void s_gots_fini(gots_t *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->items[i].data);
    free(g->items);
    memset(g, 0, sizeof *g);
}

/* Cuts every input and returns the chunks in *g, with guided sizes (none
 * when guided_max is 0), reporting after each chunk a result of `emits`
 * pairs combined into `pairs`.  Frees owned chunk bytes as the real master
 * does, so that ASan sees any ownership mistake. */
static void s_cut_guided(const char *const *names, size_t n_names, size_t chunk_size,
                         size_t guided_max, unsigned workers, uint64_t emits, uint64_t pairs,
                         char delim, gots_t *g)
{
    err_t e;
    err_init(&e);
    memset(g, 0, sizeof *g);
    split_t *s = split_new(names, n_names, chunk_size, delim, &e);
    assert_non_null(s);
    if (guided_max)
        split_set_guided(s, guided_max, workers);
    split_chunk_t c;
    int rc;
    while ((rc = split_next(s, &c, &e)) == 1) {
        assert_true(c.len > 0);
        assert_non_null(c.data);
        if (g->n == g->cap) {
            g->cap = g->cap ? g->cap * 2 : 64;
            g->items = realloc(g->items, g->cap * sizeof *g->items);
            assert_non_null(g->items);
        }
        got_t *it = &g->items[g->n++];
        it->input = c.input;
        it->offset = c.offset;
        it->len = c.len;
        it->data = malloc(c.len);
        assert_non_null(it->data);
        memcpy(it->data, c.data, c.len);
        it->owned = c.owned != NULL;
        if (c.owned) {
            assert_ptr_equal(c.owned, c.data);
            free(c.owned);
        }
        split_guided_feedback(s, emits, pairs);
    }
    assert_int_equal(rc, 0);
    /* The end is sticky. */
    assert_int_equal(split_next(s, &c, &e), 0);
    split_destroy(&s);
    assert_null(s);
}

/* s_cut_guided with fixed sizes. */
static void s_cut_all(const char *const *names, size_t n_names, size_t chunk_size, char delim,
                      gots_t *g)
{
    s_cut_guided(names, n_names, chunk_size, 0, 0, 0, 0, delim, g);
}

/* Fills buf with random records of random lengths (some empty) ending in
 * delim; the last one lacks its terminator when open_end, and has it
 * otherwise. */
static void s_random_records(char *buf, size_t len, char delim, unsigned max_record, bool open_end)
{
    size_t i = 0;
    while (i < len) {
        size_t rec = (size_t)(rand() % (int)(max_record + 1));
        for (size_t j = 0; j < rec && i < len; j++) {
            char ch = (char)('a' + rand() % 26);
            buf[i++] = ch == delim ? 'z' : ch;
        }
        if (i < len)
            buf[i++] = delim;
    }
    if (len && open_end && buf[len - 1] == delim)
        buf[len - 1] = 'q';
    if (len && !open_end)
        buf[len - 1] = delim;
}

/* Checks the invariants every cut of one input must hold against data. */
static void s_check_cuts(const gots_t *g, const char *data, size_t len, size_t chunk_size,
                         char delim)
{
    uint64_t off = 0;
    for (size_t i = 0; i < g->n; i++) {
        const got_t *it = &g->items[i];
        assert_int_equal(it->input, 0);
        assert_int_equal(it->offset, off);
        assert_true(off + it->len <= len);
        assert_memory_equal(it->data, data + off, it->len);
        bool last = i + 1 == g->n;
        /* Ends just after a terminator, or at the end of the input. */
        if (!last)
            assert_int_equal(it->data[it->len - 1], delim);
        if (it->len > chunk_size) {
            /* Only one record may make a chunk oversize: no terminator
             * before its final byte. */
            assert_null(memchr(it->data, delim, it->len - 1));
        }
        off += it->len;
    }
    assert_int_equal(off, len);
}

/* 1. The usage example: cut a small file into chunks of at most 8 bytes. */
static void test_usage(void **state)
{
    (void)state;
    char path[256];
    s_write_file(path, sizeof path, "usage.txt", "alpha\nbeta\ngamma\n", 17);

    err_t e;
    err_init(&e);
    const char *names[] = { path };
    split_t *s = split_new(names, 1, 8, '\n', &e);
    assert_non_null(s);
    assert_string_equal(split_input_name(s, 0), path);

    split_chunk_t c;
    assert_int_equal(split_next(s, &c, &e), 1);
    assert_int_equal(c.input, 0);
    assert_int_equal(c.offset, 0);
    assert_int_equal(c.len, 6);
    assert_memory_equal(c.data, "alpha\n", 6);
    assert_null(c.owned); /* a mapped file: the bytes live until split_destroy */

    assert_int_equal(split_next(s, &c, &e), 1);
    assert_int_equal(c.offset, 6);
    assert_int_equal(c.len, 5);
    assert_memory_equal(c.data, "beta\n", 5);

    assert_int_equal(split_next(s, &c, &e), 1);
    assert_int_equal(c.offset, 11);
    assert_int_equal(c.len, 6);
    assert_memory_equal(c.data, "gamma\n", 6);

    assert_int_equal(split_next(s, &c, &e), 0);
    assert_int_equal(e.code, 0);
    split_destroy(&s);
    assert_null(s);
    split_destroy(&s); /* accepts NULL */
}

static void test_empty_file(void **state)
{
    (void)state;
    char path[256];
    s_write_file(path, sizeof path, "empty.txt", "", 0);
    const char *names[] = { path };
    gots_t g;
    s_cut_all(names, 1, 16, '\n', &g);
    assert_int_equal(g.n, 0);
    s_gots_fini(&g);
}

static void test_no_trailing_newline(void **state)
{
    (void)state;
    char path[256];
    s_write_file(path, sizeof path, "open.txt", "a\nbb\nccc", 8);
    const char *names[] = { path };

    gots_t g;
    s_cut_all(names, 1, 4, '\n', &g);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.items[0].len, 2);
    assert_memory_equal(g.items[0].data, "a\n", 2);
    assert_int_equal(g.items[1].len, 3);
    assert_memory_equal(g.items[1].data, "bb\n", 3);
    assert_int_equal(g.items[2].offset, 5);
    assert_int_equal(g.items[2].len, 3);
    assert_memory_equal(g.items[2].data, "ccc", 3);
    s_gots_fini(&g);

    /* One big chunk keeps the open last record too. */
    s_cut_all(names, 1, 1024, '\n', &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.items[0].len, 8);
    assert_memory_equal(g.items[0].data, "a\nbb\nccc", 8);
    s_gots_fini(&g);
}

static void test_crlf_lines(void **state)
{
    (void)state;
    char path[256];
    const char text[] = "ab\r\ncd\r\nef\r\n";
    s_write_file(path, sizeof path, "crlf.txt", text, sizeof text - 1);
    const char *names[] = { path };

    gots_t g;
    s_cut_all(names, 1, 5, '\n', &g);
    assert_int_equal(g.n, 3);
    for (size_t i = 0; i < g.n; i++) {
        /* The \r stays in the record; the cut is after \n, never between. */
        assert_int_equal(g.items[i].len, 4);
        assert_memory_equal(g.items[i].data, text + 4 * i, 4);
        assert_int_equal(g.items[i].data[2], '\r');
        assert_int_equal(g.items[i].data[3], '\n');
    }
    s_gots_fini(&g);

    /* A chunk size that falls between \r and \n. */
    s_cut_all(names, 1, 3, '\n', &g);
    assert_int_equal(g.n, 3);
    for (size_t i = 0; i < g.n; i++)
        assert_int_equal(g.items[i].data[g.items[i].len - 1], '\n');
    s_gots_fini(&g);
}

static void test_record_larger_than_chunk(void **state)
{
    (void)state;
    char text[128];
    size_t len = 0;
    memcpy(text + len, "short\n", 6);
    len += 6;
    memset(text + len, 'x', 100);
    len += 100;
    text[len++] = '\n';
    memcpy(text + len, "end\n", 4);
    len += 4;
    char path[256];
    s_write_file(path, sizeof path, "big.txt", text, len);
    const char *names[] = { path };

    gots_t g;
    s_cut_all(names, 1, 16, '\n', &g);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.items[0].len, 6);
    assert_int_equal(g.items[1].offset, 6);
    assert_int_equal(g.items[1].len, 101); /* the whole record, terminator included */
    assert_memory_equal(g.items[1].data, text + 6, 101);
    assert_int_equal(g.items[2].len, 4);
    assert_memory_equal(g.items[2].data, "end\n", 4);
    s_gots_fini(&g);

    /* The same record at the end of an input without its terminator. */
    s_write_file(path, sizeof path, "bigopen.txt", text, 6 + 100);
    s_cut_all(names, 1, 16, '\n', &g);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.items[1].len, 100);
    s_gots_fini(&g);
}

static void test_chunks_within_size(void **state)
{
    (void)state;
    srand(7);
    static char data[20000];
    for (int round = 0; round < 20; round++) {
        s_random_records(data, sizeof data, '\n', 1 + (unsigned)round * 7, round % 2);
        char path[256];
        s_write_file(path, sizeof path, "within.txt", data, sizeof data);
        const char *names[] = { path };
        size_t sizes[] = { 1, 2, 3, 8, 31, 64, 100, 1000 };
        for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
            gots_t g;
            s_cut_all(names, 1, sizes[k], '\n', &g);
            s_check_cuts(&g, data, sizeof data, sizes[k], '\n');
            /* A chunk that is not oversize holds as many whole records as
             * fit: adding the next record would pass chunk_size. */
            for (size_t i = 0; i + 1 < g.n; i++) {
                if (g.items[i].len > sizes[k])
                    continue;
                const got_t *next = &g.items[i + 1];
                const char *nl = memchr(next->data, '\n', next->len);
                size_t first = nl ? (size_t)(nl - next->data) + 1 : next->len;
                assert_true(g.items[i].len + first > sizes[k]);
            }
            s_gots_fini(&g);
        }
    }
}

static void test_concat_reproduces_file(void **state)
{
    (void)state;
    srand(11);
    static char data[9000];
    struct {
        const char *name;    /* file name */
        unsigned max_record; /* longest random record */
        bool open_end;       /* last record lacks its newline */
    } files[] = {
        { "short.txt", 12, false },
        { "long.txt", 700, true },
        { "mixed.txt", 90, true },
    };
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        s_random_records(data, sizeof data, '\n', files[f].max_record, files[f].open_end);
        char path[256];
        s_write_file(path, sizeof path, files[f].name, data, sizeof data);
        const char *names[] = { path };
        for (size_t size = 1; size <= 4096; size++) {
            gots_t g;
            s_cut_all(names, 1, size, '\n', &g);
            /* Offsets are contiguous and the bytes match: the concatenation
             * is the file. */
            s_check_cuts(&g, data, sizeof data, size, '\n');
            s_gots_fini(&g);
        }
    }
}

static void test_nul_delimited(void **state)
{
    (void)state;
    const char text[] = "a\0bb\0c\nc\0dddd";
    size_t len = sizeof text - 1;
    char path[256];
    s_write_file(path, sizeof path, "nul.bin", text, len);
    const char *names[] = { path };

    gots_t g;
    s_cut_all(names, 1, 4, '\0', &g);
    assert_int_equal(g.n, 4);
    assert_int_equal(g.items[0].len, 2);
    assert_memory_equal(g.items[0].data, "a\0", 2);
    assert_int_equal(g.items[1].len, 3);
    assert_memory_equal(g.items[1].data, "bb\0", 3);
    /* The newline is record data in -0 mode: no cut after it. */
    assert_int_equal(g.items[2].len, 4);
    assert_memory_equal(g.items[2].data, "c\nc\0", 4);
    assert_int_equal(g.items[3].len, 4);
    assert_memory_equal(g.items[3].data, "dddd", 4);
    s_gots_fini(&g);

    static char data[5000];
    srand(5);
    s_random_records(data, sizeof data, '\0', 40, true);
    for (size_t i = 0; i < sizeof data; i += 13)
        if (data[i] != '\0')
            data[i] = '\n';
    s_write_file(path, sizeof path, "nul2.bin", data, sizeof data);
    for (size_t size = 1; size <= 200; size++) {
        s_cut_all(names, 1, size, '\0', &g);
        s_check_cuts(&g, data, sizeof data, size, '\0');
        s_gots_fini(&g);
    }
}

/* Feeds data to a forked child that writes it into a pipe in pieces of
 * random sizes; the read end replaces stdin.  Returns the child's pid and
 * the saved stdin in *saved. */
static pid_t s_stdin_from_child(const char *data, size_t len, unsigned seed, int *saved)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        srand(seed);
        size_t off = 0;
        while (off < len) {
            size_t piece = 1 + (size_t)(rand() % 5000);
            if (piece > len - off)
                piece = len - off;
            ssize_t n = write(fds[1], data + off, piece);
            if (n < 0)
                _exit(1);
            off += (size_t)n;
        }
        _exit(0);
    }
    close(fds[1]);
    *saved = dup(STDIN_FILENO);
    assert_true(*saved >= 0);
    assert_int_equal(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
    close(fds[0]);
    return pid;
}

static void s_stdin_restore(pid_t pid, int saved)
{
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* Cuts data both as a mapped file and from a pipe on stdin, and requires the
 * same chunks. */
static void s_compare_stdin(const char *data, size_t len, size_t chunk_size, char delim,
                            unsigned seed)
{
    char path[256];
    s_write_file(path, sizeof path, "stdin-ref.txt", data, len);
    const char *file_names[] = { path };
    gots_t want;
    s_cut_all(file_names, 1, chunk_size, delim, &want);

    int saved = -1;
    pid_t pid = s_stdin_from_child(data, len, seed, &saved);
    const char *stdin_names[] = { "-" };
    gots_t got;
    s_cut_all(stdin_names, 1, chunk_size, delim, &got);
    s_stdin_restore(pid, saved);

    s_check_cuts(&got, data, len, chunk_size, delim);
    /* Compare first and free both before failing, so that a failure is
     * reported as itself and not also as a leak. */
    char why[160] = "";
    for (size_t i = 0; i < got.n && i < want.n && !why[0]; i++) {
        const got_t *g = &got.items[i];
        const got_t *w = &want.items[i];
        if (!g->owned || w->owned)
            snprintf(why, sizeof why, "chunk %zu: stream owned=%d, file owned=%d", i, g->owned,
                     w->owned); /* stream chunks are copies the caller frees */
        else if (g->offset != w->offset || g->len != w->len ||
                 memcmp(g->data, w->data, g->len) != 0)
            snprintf(why, sizeof why,
                     "chunk %zu: stream offset %llu len %zu, file offset %llu "
                     "len %zu",
                     i, (unsigned long long)g->offset, g->len, (unsigned long long)w->offset,
                     w->len);
    }
    if (!why[0] && got.n != want.n)
        snprintf(why, sizeof why, "stream gave %zu chunks, file %zu", got.n, want.n);
    s_gots_fini(&want);
    s_gots_fini(&got);
    if (why[0])
        fail_msg("chunk_size %zu, %zu bytes: %s", chunk_size, len, why);
}

static void test_stdin_pipe(void **state)
{
    (void)state;
    const char text[] = "alpha\nbeta\ngamma\n";
    s_compare_stdin(text, sizeof text - 1, 8, '\n', 1);

    srand(3);
    static char data[200000];
    s_random_records(data, sizeof data, '\n', 300, false);
    size_t sizes[] = { 1, 7, 64, 999, 4096, 65536, 70000, 1 << 20 };
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++)
        s_compare_stdin(data, sizeof data, sizes[k], '\n', (unsigned)k);

    /* A record longer than the 64 KiB read size, in a stream. */
    memset(data, 'r', 150000);
    data[150000] = '\n';
    s_compare_stdin(data, sizeof data, 1000, '\n', 9);

    /* The splitter dup()s stdin: the test's stdin is back and open. */
    assert_true(fcntl(STDIN_FILENO, F_GETFD) >= 0);
}

static void test_stdin_pipe_open_end(void **state)
{
    (void)state;
    srand(4);
    static char data[30000];
    s_random_records(data, sizeof data, '\n', 50, true);
    for (size_t size = 1; size <= 300; size += 13)
        s_compare_stdin(data, sizeof data, size, '\n', (unsigned)size);
}

/* The rest of an input is exactly one chunk long and lacks its final
 * terminator: the mapped file and the stream must still cut alike. */
static void test_stdin_rest_equals_chunk_size(void **state)
{
    (void)state;
    s_compare_stdin("a\nb", 3, 3, '\n', 1);
    s_compare_stdin("xx\nyy\nzz", 8, 5, '\n', 2);
}

static void test_stdin_empty(void **state)
{
    (void)state;
    int saved = -1;
    pid_t pid = s_stdin_from_child("", 0, 1, &saved);
    const char *names[] = { "-" };
    gots_t g;
    s_cut_all(names, 1, 16, '\n', &g);
    s_stdin_restore(pid, saved);
    assert_int_equal(g.n, 0);
    s_gots_fini(&g);
}

static void test_multiple_inputs(void **state)
{
    (void)state;
    char p1[256], p2[256], p3[256];
    s_write_file(p1, sizeof p1, "one.txt", "a1\na2\na3", 8); /* open last record */
    s_write_file(p2, sizeof p2, "two.txt", "", 0);
    s_write_file(p3, sizeof p3, "three.txt", "c1\nc2\n", 6);
    const char *names[] = { p1, p2, p3 };

    gots_t g;
    s_cut_all(names, 3, 100, '\n', &g);
    /* The chunk size would hold everything; inputs still split it. */
    assert_int_equal(g.n, 2);
    assert_int_equal(g.items[0].input, 0);
    assert_int_equal(g.items[0].offset, 0);
    assert_int_equal(g.items[0].len, 8);
    assert_memory_equal(g.items[0].data, "a1\na2\na3", 8);
    assert_int_equal(g.items[1].input, 2);
    assert_int_equal(g.items[1].offset, 0);
    assert_int_equal(g.items[1].len, 6);
    s_gots_fini(&g);

    s_cut_all(names, 3, 4, '\n', &g);
    assert_int_equal(g.n, 5);
    uint32_t inputs[] = { 0, 0, 0, 2, 2 };
    uint64_t offsets[] = { 0, 3, 6, 0, 3 };
    const char *texts[] = { "a1\n", "a2\n", "a3", "c1\n", "c2\n" };
    for (size_t i = 0; i < g.n; i++) {
        assert_int_equal(g.items[i].input, inputs[i]);
        assert_int_equal(g.items[i].offset, offsets[i]);
        assert_int_equal(g.items[i].len, strlen(texts[i]));
        assert_memory_equal(g.items[i].data, texts[i], g.items[i].len);
    }
    s_gots_fini(&g);

    /* A file, stdin and the same file again: a stream between two maps. */
    int saved = -1;
    pid_t pid = s_stdin_from_child("s1\ns2", 5, 1, &saved);
    const char *mixed[] = { p3, "-", p1 };
    s_cut_all(mixed, 3, 4, '\n', &g);
    s_stdin_restore(pid, saved);
    assert_int_equal(g.n, 7);
    uint32_t m_inputs[] = { 0, 0, 1, 1, 2, 2, 2 };
    uint64_t m_offsets[] = { 0, 3, 0, 3, 0, 3, 6 };
    const char *m_texts[] = { "c1\n", "c2\n", "s1\n", "s2", "a1\n", "a2\n", "a3" };
    for (size_t i = 0; i < g.n; i++) {
        assert_int_equal(g.items[i].input, m_inputs[i]);
        assert_int_equal(g.items[i].offset, m_offsets[i]);
        assert_int_equal(g.items[i].owned, m_inputs[i] == 1);
        assert_int_equal(g.items[i].len, strlen(m_texts[i]));
        assert_memory_equal(g.items[i].data, m_texts[i], g.items[i].len);
    }
    s_gots_fini(&g);

    err_t e;
    err_init(&e);
    pid = s_stdin_from_child("", 0, 1, &saved);
    split_t *s = split_new(mixed, 3, 4, '\n', &e);
    assert_non_null(s);
    assert_string_equal(split_input_name(s, 0), p3);
    assert_string_equal(split_input_name(s, 1), "stdin");
    assert_string_equal(split_input_name(s, 2), p1);
    assert_string_equal(split_input_name(s, 3), "?");
    split_destroy(&s);
    s_stdin_restore(pid, saved);
}

/* Writes 100000 bytes of 10-byte records to NAME under the test directory;
 * returns the bytes (static) and the path in path. */
static const char *s_ten_byte_records(char *path, size_t path_size, const char *name)
{
    static char data[100000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = i % 10 == 9 ? '\n' : 'w';
    s_write_file(path, path_size, name, data, sizeof data);
    return data;
}

/* One guided cut: the chunk's expected length, then the result reported. */
typedef struct step {
    size_t len;     /* the chunk's expected length */
    uint64_t emits; /* reported after it */
    uint64_t pairs;
} step_t;

/* Cuts path with chunk_size 100, guided up to max among workers, checking
 * each step in turn. */
static void s_expect_steps(const char *path, size_t max, unsigned workers, const step_t *steps,
                           size_t n)
{
    const char *names[] = { path };
    err_t e;
    err_init(&e);
    split_t *s = split_new(names, 1, 100, '\n', &e);
    assert_non_null(s);
    split_set_guided(s, max, 1);
    split_set_workers(s, workers);
    split_chunk_t c;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(split_next(s, &c, &e), 1);
        if (c.len != steps[i].len)
            fail_msg("chunk %zu: %zu bytes, expected %zu", i, c.len, steps[i].len);
        split_guided_feedback(s, steps[i].emits, steps[i].pairs);
    }
    split_destroy(&s);
}

/* Guided sizes: while combining pays, a file's chunks ramp up from
 * chunk_size to the largest size, shrink as the input runs out, and end at
 * chunk_size. */
static void test_guided_sizes(void **state)
{
    (void)state;
    char path[256];
    const char *data = s_ten_byte_records(path, sizeof path, "guided.txt");
    const size_t size = 100000;
    const char *names[] = { path };
    gots_t g;
    s_cut_guided(names, 1, 100, 4000, 2, 30, 3, '\n', &g);
    s_check_cuts(&g, data, size, 4000, '\n');
    /* Each good result doubles the largest size: 100, 200, ... 3200, then
     * 4000, the most (12500, a quarter of each worker's half, is more). */
    static const size_t ramp[] = { 100, 200, 400, 800, 1600, 3200, 4000 };
    size_t left = size;
    for (size_t i = 0; i < g.n; i++) {
        /* Each chunk is the whole records that fit its share of what was
         * left, within [chunk_size, the ramp's largest]. */
        size_t largest = i < 7 ? ramp[i] : 4000;
        size_t share = left / 8 > largest ? largest : left / 8 < 100 ? 100 : left / 8;
        assert_true(g.items[i].len <= share);
        assert_true(g.items[i].len + 10 > share || i + 1 == g.n);
        if (i > 6)
            assert_true(g.items[i].len <= g.items[i - 1].len);
        left -= g.items[i].len;
    }
    assert_int_equal(g.items[6].len, 4000);
    /* The tail is cut at chunk_size; the very last chunk is what is left. */
    assert_int_equal(g.items[g.n - 2].len, 100);
    assert_true(g.items[g.n - 1].len <= 100);
    /* Far fewer chunks than fixed 100-byte ones, and more than fixed
     * 4000-byte ones: the tail is cut fine. */
    assert_true(g.n > 25 && g.n < 1000 / 4);
    s_gots_fini(&g);

    /* A largest size not over chunk_size changes nothing. */
    s_cut_guided(names, 1, 100, 50, 2, 30, 3, '\n', &g);
    assert_int_equal(g.n, 1000);
    s_gots_fini(&g);

    /* Nor does a combine that shrinks nothing (emits < 2 x pairs), nor an
     * unknown one (emits 0). */
    s_cut_guided(names, 1, 100, 4000, 2, 30, 16, '\n', &g);
    assert_int_equal(g.n, 1000);
    s_gots_fini(&g);
    s_cut_guided(names, 1, 100, 4000, 2, 0, 0, '\n', &g);
    assert_int_equal(g.n, 1000);
    s_gots_fini(&g);
}

/* One result that combined badly brings the size back to chunk_size at
 * once; good ones ramp it up again; an unknown one changes nothing. */
static void test_guided_feedback_falls_back(void **state)
{
    (void)state;
    char path[256];
    s_ten_byte_records(path, sizeof path, "fallback.txt");
    static const step_t steps[] = {
        { 100, 10, 1 }, { 200, 10, 1 }, { 400, 10, 1 }, { 800, 10, 9 },
        { 100, 10, 1 }, { 200, 10, 1 }, { 400, 0, 0 },  { 400, 10, 1 },
    };
    s_expect_steps(path, 1600, 1, steps, sizeof steps / sizeof steps[0]);
}

/* More workers (remote mappers joining) make each share smaller. */
static void test_guided_workers(void **state)
{
    (void)state;
    char path[256];
    s_ten_byte_records(path, sizeof path, "workers.txt");
    /* The fifth: 98500 bytes left / (4 x 25) = 985, not the 1600 the ramp
     * allows; 980 in whole records. */
    static const step_t steps[] = {
        { 100, 10, 1 }, { 200, 10, 1 }, { 400, 10, 1 }, { 800, 10, 1 }, { 980, 10, 1 },
    };
    s_expect_steps(path, 100000, 25, steps, sizeof steps / sizeof steps[0]);
}

/* Any largest size, however many good results: the ramp never shifts past
 * the width of size_t (UBSan checks in the sanitizer build). */
static void test_guided_huge_max(void **state)
{
    (void)state;
    char path[256];
    s_ten_byte_records(path, sizeof path, "huge.txt");
    const char *names[] = { path };
    err_t e;
    err_init(&e);
    split_t *s = split_new(names, 1, (size_t)1 << 30, '\n', &e);
    assert_non_null(s);
    split_set_guided(s, SIZE_MAX, 1);
    for (int i = 0; i < 100; i++)
        split_guided_feedback(s, 10, 1);
    split_chunk_t c;
    assert_int_equal(split_next(s, &c, &e), 1);
    assert_int_equal(c.len, 100000); /* the whole file, the one chunk */
    assert_int_equal(split_next(s, &c, &e), 0);
    split_destroy(&s);
}

static void test_missing_file(void **state)
{
    (void)state;
    char good[256], missing[256];
    s_write_file(good, sizeof good, "good.txt", "x\n", 2);
    snprintf(missing, sizeof missing, "%s/no-such-file.txt", s_dir);
    const char *names[] = { good, missing };
    err_t e;
    err_init(&e);
    split_t *s = split_new(names, 2, 16, '\n', &e);
    assert_null(s);
    assert_int_equal(e.code, -ENOENT);
    assert_non_null(strstr(e.text, missing));
}

static void test_directory_input(void **state)
{
    (void)state;
    const char *names[] = { s_dir };
    err_t e;
    err_init(&e);
    split_t *s = split_new(names, 1, 16, '\n', &e);
    assert_null(s);
    assert_int_equal(e.code, -EISDIR);
    assert_non_null(strstr(e.text, s_dir));
}

/* A mapped input that is truncated, or rewritten in place, while it is cut
 * is an error naming it (-ESTALE), never a SIGBUS; an unchanged one is
 * not. */
static void test_changed_input(void **state)
{
    (void)state;
    fmap_install(); /* as mr-run does: a vanished page must not kill the test */
    char text[64 * 1024];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = i % 64 == 63 ? '\n' : 'a';
    char path[PATH_MAX];
    s_write_file(path, sizeof path, "changing.txt", text, sizeof text);
    const char *names[] = { path };
    err_t e;
    err_init(&e);
    split_t *s = split_new(names, 1, 4096, '\n', &e);
    assert_non_null(s);
    split_chunk_t c;
    assert_int_equal(split_next(s, &c, &e), 1);
    assert_int_equal(split_check(s, &e), 0);
    assert_int_equal(truncate(path, 100), 0);
    assert_int_equal(split_next(s, &c, &e), -ESTALE);
    assert_non_null(strstr(e.text, path));
    assert_non_null(strstr(e.text, "changed while it was read"));
    err_init(&e);
    assert_int_equal(split_check(s, &e), -ESTALE);
    split_destroy(&s);

    /* The same size, another modification time: rewritten. */
    s_write_file(path, sizeof path, "changing.txt", text, sizeof text);
    s = split_new(names, 1, 4096, '\n', &e);
    assert_non_null(s);
    while (split_next(s, &c, &e) == 1)
        ;
    assert_int_equal(split_check(s, &e), 0);
    struct timespec times[2] = { { 0, UTIME_OMIT }, { 12345, 678 } };
    assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
    err_init(&e);
    assert_int_equal(split_check(s, &e), -ESTALE);
    assert_non_null(strstr(e.text, path));
    split_destroy(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_no_trailing_newline),
        cmocka_unit_test(test_crlf_lines),
        cmocka_unit_test(test_record_larger_than_chunk),
        cmocka_unit_test(test_chunks_within_size),
        cmocka_unit_test(test_concat_reproduces_file),
        cmocka_unit_test(test_nul_delimited),
        cmocka_unit_test(test_stdin_pipe),
        cmocka_unit_test(test_stdin_pipe_open_end),
        cmocka_unit_test(test_stdin_rest_equals_chunk_size),
        cmocka_unit_test(test_stdin_empty),
        cmocka_unit_test(test_multiple_inputs),
        cmocka_unit_test(test_guided_sizes),
        cmocka_unit_test(test_guided_feedback_falls_back),
        cmocka_unit_test(test_guided_workers),
        cmocka_unit_test(test_guided_huge_max),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_directory_input),
        cmocka_unit_test(test_changed_input),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
