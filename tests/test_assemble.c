/*
 * test_assemble.c - tests master/assemble.c, the output from N reducers'
 * parts: concatenated in partition order (to a file, a pipe, an O_APPEND
 * file that only read and write can fill), or merged in key order by the
 * parts' key indexes; indexes that do not account for every byte, and
 * missing or damaged files, fail naming the file.
 */
#include "assemble.h"

#include "err.h"
#include "le64.h"
#include "run.h"

#include <errno.h>
#include <fcntl.h>
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

static char s_dir[64];

static int s_setup(void **state)
{
    (void)state;
    return tmpdir_make(s_dir, sizeof s_dir, "assemble");
}

static int s_teardown(void **state)
{
    (void)state;
    return tmpdir_remove(s_dir);
}

static void s_spit(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Reads fd from offset 0 into a malloc'd NUL-terminated buffer. */
static char *s_slurp_fd(int fd, size_t *len)
{
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    char *data = malloc((size_t)st.st_size + 1);
    assert_non_null(data);
    assert_int_equal(pread(fd, data, (size_t)st.st_size, 0), st.st_size);
    data[st.st_size] = '\0';
    *len = (size_t)st.st_size;
    return data;
}

static int s_out(const char *name, int flags)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | flags, 0600);
    assert_true(fd >= 0);
    return fd;
}

/* One part of a sorted job: its lines (one or more per key) and index. */
typedef struct spec {
    const char *const *keys; /* sorted */
    size_t n;                /* keys */
} spec_t;

/* Writes part i (key<TAB>i lines; a key starting with 'm' writes two
 * lines) and its index, into parts[i] and indexes[i]. */
static void s_make_part(size_t i, const spec_t *spec, char *part, char *index, size_t len)
{
    snprintf(part, len, "%s/part-%zu", s_dir, i);
    snprintf(index, len, "%s/index-%zu", s_dir, i);
    unlink(index);
    FILE *f = fopen(part, "wb");
    assert_non_null(f);
    err_t e;
    err_init(&e);
    run_writer_t *w = run_writer_new(index, &e);
    assert_non_null(w);
    for (size_t k = 0; k < spec->n; k++) {
        const char *key = spec->keys[k];
        int n = fprintf(f, "%s\t%zu\n", key, i);
        if (key[0] == 'm')
            n += fprintf(f, "%s\tagain\n", key);
        uint64_t bytes = le64((uint64_t)n);
        assert_int_equal(run_writer_add(w, (mr_bytes_t){ key, strlen(key) },
                                        (mr_bytes_t){ &bytes, sizeof bytes }, &e),
                         0);
    }
    assert_int_equal(fclose(f), 0);
    assert_int_equal(run_writer_close(&w, &e), 0);
}

typedef struct progress {
    unsigned calls;     /* times called */
    uint64_t last_done; /* the last done */
    uint64_t total;     /* the last total */
} progress_t;

static void s_progress(void *arg, uint64_t done, uint64_t total)
{
    progress_t *p = arg;
    assert_true(done >= p->last_done);
    p->calls++;
    p->last_done = done;
    p->total = total;
}

/* 1. The usage example: three sorted parts merged by their indexes. */
static void test_usage(void **state)
{
    (void)state;
    static const char *const k0[] = { "apple", "melon", "zebra" };
    static const char *const k1[] = { "banana", "kiwi" };
    static const spec_t specs[] = { { k0, 3 }, { k1, 2 }, { NULL, 0 } };
    char part_buf[3][256];
    char index_buf[3][256];
    const char *parts[3];
    const char *indexes[3];
    for (size_t i = 0; i < 3; i++) {
        s_make_part(i, &specs[i], part_buf[i], index_buf[i], sizeof part_buf[i]);
        parts[i] = part_buf[i];
        indexes[i] = index_buf[i];
    }
    int fd = s_out("merged", 0);
    err_t e;
    err_init(&e);
    progress_t p = { 0 };
    assert_int_equal(assemble_merge(parts, indexes, 3, fd, s_progress, &p, &e), 0);
    size_t len;
    char *text = s_slurp_fd(fd, &len);
    assert_string_equal(text, "apple\t0\n"
                              "banana\t1\n"
                              "kiwi\t1\n"
                              "melon\t0\nmelon\tagain\n"
                              "zebra\t0\n");
    assert_true(p.calls >= 1);
    assert_int_equal(p.last_done, len);
    assert_int_equal(p.total, len);
    free(text);
    close(fd);

    /* The same parts, concatenated. */
    fd = s_out("concat", 0);
    assert_int_equal(assemble_concat(parts, 3, fd, &e), 0);
    text = s_slurp_fd(fd, &len);
    assert_string_equal(text, "apple\t0\nmelon\t0\nmelon\tagain\nzebra\t0\nbanana\t1\nkiwi\t1\n");
    free(text);
    close(fd);
}

/* Concatenation into a pipe (sendfile) and an O_APPEND file (read and
 * write), after what the output already holds; big parts. */
static void test_concat_paths(void **state)
{
    (void)state;
    size_t big = (size_t)3 << 20;
    char *data = malloc(big);
    assert_non_null(data);
    for (size_t i = 0; i < big; i++)
        data[i] = (char)('a' + i % 23);
    char p0[256];
    char p1[256];
    snprintf(p0, sizeof p0, "%s/big-0", s_dir);
    snprintf(p1, sizeof p1, "%s/big-1", s_dir);
    s_spit(p0, data, big);
    s_spit(p1, "tail\n", 5);
    const char *parts[] = { p0, p1 };
    err_t e;
    err_init(&e);

    int fd = s_out("append", O_APPEND);
    assert_int_equal(write(fd, "head\n", 5), 5);
    assert_int_equal(assemble_concat(parts, 2, fd, &e), 0);
    size_t len;
    char *text = s_slurp_fd(fd, &len);
    assert_int_equal(len, 5 + big + 5);
    assert_memory_equal(text, "head\n", 5);
    assert_memory_equal(text + 5, data, big);
    assert_memory_equal(text + 5 + big, "tail\n", 5);
    free(text);
    close(fd);

    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pfd[0]);
        err_t ce;
        err_init(&ce);
        _exit(assemble_concat(parts, 2, pfd[1], &ce) == 0 ? 0 : 1);
    }
    close(pfd[1]);
    char *got = malloc(big + 16);
    assert_non_null(got);
    size_t n = 0;
    ssize_t r;
    while ((r = read(pfd[0], got + n, big + 16 - n)) > 0)
        n += (size_t)r;
    close(pfd[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(n, big + 5);
    assert_memory_equal(got, data, big);
    free(got);
    free(data);
}

static void test_concat_errors(void **state)
{
    (void)state;
    char p0[256];
    snprintf(p0, sizeof p0, "%s/small", s_dir);
    s_spit(p0, "x\n", 2);
    const char *missing[] = { p0, "/nonexistent-part-7" };
    int fd = s_out("errors", 0);
    err_t e;
    err_init(&e);
    assert_int_equal(assemble_concat(missing, 2, fd, &e), -ENOENT);
    assert_non_null(strstr(e.text, "/nonexistent-part-7"));
    close(fd);

    int full = open("/dev/full", O_WRONLY);
    if (full < 0)
        skip();
    err_init(&e);
    assert_int_equal(assemble_concat(missing, 1, full, &e), -ENOSPC);
    assert_non_null(strstr(e.text, "output"));
    assert_non_null(strstr(e.text, p0));
    close(full);
}

/* Many keys over four parts, a key's bytes spanning read buffers: the
 * merge equals the sorted lines. */
static void test_merge_many(void **state)
{
    (void)state;
    enum { PARTS = 4, KEYS = 60000 };
    char part_buf[PARTS][256];
    char index_buf[PARTS][256];
    const char *parts[PARTS];
    const char *indexes[PARTS];
    FILE *f[PARTS];
    run_writer_t *w[PARTS];
    err_t e;
    err_init(&e);
    for (size_t i = 0; i < PARTS; i++) {
        snprintf(part_buf[i], sizeof part_buf[i], "%s/many-part-%zu", s_dir, i);
        snprintf(index_buf[i], sizeof index_buf[i], "%s/many-index-%zu", s_dir, i);
        parts[i] = part_buf[i];
        indexes[i] = index_buf[i];
        f[i] = fopen(parts[i], "wb");
        assert_non_null(f[i]);
        w[i] = run_writer_new(indexes[i], &e);
        assert_non_null(w[i]);
    }
    static char line[300000];
    size_t expect_len = 0;
    for (unsigned k = 0; k < KEYS; k++) {
        char key[16];
        int kl = snprintf(key, sizeof key, "k%06u", k);
        size_t i = (k * 2654435761u >> 7) % PARTS;
        /* Mostly short lines; every 10,000th key a 290 KB one. */
        size_t vlen = k % 10000 == 5 ? 290000 : 3;
        memcpy(line, key, (size_t)kl);
        line[kl] = '\t';
        memset(line + kl + 1, 'v', vlen);
        line[kl + 1 + vlen] = '\n';
        size_t ll = (size_t)kl + vlen + 2;
        assert_int_equal(fwrite(line, 1, ll, f[i]), ll);
        uint64_t bytes = le64(ll);
        assert_int_equal(
            run_writer_add(w[i], (mr_bytes_t){ key, (size_t)kl }, (mr_bytes_t){ &bytes, 8 }, &e),
            0);
        expect_len += ll;
    }
    for (size_t i = 0; i < PARTS; i++) {
        assert_int_equal(fclose(f[i]), 0);
        assert_int_equal(run_writer_close(&w[i], &e), 0);
    }
    int fd = s_out("many", 0);
    progress_t p = { 0 };
    assert_int_equal(assemble_merge(parts, indexes, PARTS, fd, s_progress, &p, &e), 0);
    size_t len;
    char *text = s_slurp_fd(fd, &len);
    assert_int_equal(len, expect_len);
    assert_int_equal(p.last_done, len);
    char *q = text;
    for (unsigned k = 0; k < KEYS; k++) {
        char key[16];
        int kl = snprintf(key, sizeof key, "k%06u\t", k);
        if (memcmp(q, key, (size_t)kl) != 0)
            fail_msg("key %u: got '%.10s'", k, q);
        q = memchr(q, '\n', (size_t)(text + len - q));
        assert_non_null(q);
        q++;
    }
    assert_true(q == text + len);
    free(text);
    close(fd);
}

/* Indexes that say more or fewer bytes than the part holds, a missing
 * index, a damaged one: each fails naming it. */
static void test_merge_errors(void **state)
{
    (void)state;
    static const char *const k0[] = { "a", "c" };
    static const char *const k1[] = { "b" };
    static const spec_t specs[] = { { k0, 2 }, { k1, 1 } };
    char part_buf[2][256];
    char index_buf[2][256];
    const char *parts[2];
    const char *indexes[2];
    for (size_t i = 0; i < 2; i++) {
        s_make_part(i, &specs[i], part_buf[i], index_buf[i], sizeof part_buf[i]);
        parts[i] = part_buf[i];
        indexes[i] = index_buf[i];
    }
    int fd = s_out("merge-errors", 0);
    err_t e;

    /* The part has a byte the index does not account for. */
    FILE *f = fopen(parts[1], "ab");
    fputc('!', f);
    fclose(f);
    err_init(&e);
    assert_int_equal(assemble_merge(parts, indexes, 2, fd, NULL, NULL, &e), -EBADMSG);
    assert_non_null(strstr(e.text, indexes[1]));
    assert_non_null(strstr(e.text, parts[1]));

    /* The part is shorter than its index says. */
    assert_int_equal(truncate(parts[1], 3), 0);
    err_init(&e);
    assert_int_equal(assemble_merge(parts, indexes, 2, fd, NULL, NULL, &e), -EBADMSG);
    assert_non_null(strstr(e.text, indexes[1]));
    assert_non_null(strstr(e.text, "'b'"));

    /* A missing index, a damaged one. */
    s_make_part(1, &specs[1], part_buf[1], index_buf[1], sizeof part_buf[1]);
    const char *no_index[] = { indexes[0], "/nonexistent-index-1" };
    err_init(&e);
    assert_int_equal(assemble_merge(parts, no_index, 2, fd, NULL, NULL, &e), -ENOENT);
    assert_non_null(strstr(e.text, "/nonexistent-index-1"));
    struct stat st;
    assert_int_equal(stat(indexes[0], &st), 0);
    assert_int_equal(truncate(indexes[0], st.st_size - 1), 0);
    err_init(&e);
    assert_int_equal(assemble_merge(parts, indexes, 2, fd, NULL, NULL, &e), -EBADMSG);
    assert_non_null(strstr(e.text, indexes[0]));
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),         cmocka_unit_test(test_concat_paths),
        cmocka_unit_test(test_concat_errors), cmocka_unit_test(test_merge_many),
        cmocka_unit_test(test_merge_errors),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
