/*
 * test_run.c - tests proto/fold/run.c, the sorted run file: records come back as
 * written, across blocks and in blocks of their own; the writer refuses
 * keys out of order; and a damaged run (truncated anywhere, a flipped
 * byte, a length over the cap, keys out of order, a wrong count) fails
 * with the path and the byte offset, never yielding wrong records.
 */
#include "run.h"

#include "err.h"
#include "le64.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tmpdir.h"

static char s_dir[64];
static unsigned s_serial;

static int s_setup(void **state)
{
    (void)state;
    return tmpdir_make(s_dir, sizeof s_dir, "run");
}

static int s_teardown(void **state)
{
    (void)state;
    return tmpdir_remove(s_dir);
}

/* A fresh path in the test directory. */
static void s_path(char *path, size_t len)
{
    snprintf(path, len, "%s/run-%u", s_dir, s_serial++);
}

static mr_bytes_t s_str(const char *s)
{
    return (mr_bytes_t){ s, strlen(s) };
}

/* Writes n records "kNNNNNN" -> "vNNNNNN" (i repeated value_rep times). */
static void s_write_n(const char *path, unsigned n, unsigned value_rep)
{
    err_t e;
    err_init(&e);
    run_writer_t *w = run_writer_new(path, &e);
    assert_non_null(w);
    char *value = malloc(16 * value_rep + 1);
    assert_non_null(value);
    for (unsigned i = 0; i < n; i++) {
        char key[16];
        int kl = snprintf(key, sizeof key, "k%06u", i);
        size_t vl = 0;
        for (unsigned r = 0; r < value_rep; r++)
            vl += (size_t)snprintf(value + vl, 16, "v%06u", i);
        assert_int_equal(
            run_writer_add(w, (mr_bytes_t){ key, (size_t)kl }, (mr_bytes_t){ value, vl }, &e), 0);
    }
    free(value);
    assert_int_equal(run_writer_records(w), n);
    assert_int_equal(run_writer_close(&w, &e), 0);
    assert_null(w);
}

/* Reads the run at path to its end or first error: the records read go
 * to *n; returns the last code. */
static int s_read_all(const char *path, unsigned *n, err_t *e)
{
    run_reader_t *r = run_reader_new(path, e);
    *n = 0;
    if (!r)
        return e->code;
    mr_bytes_t k;
    mr_bytes_t v;
    int rc;
    while ((rc = run_reader_next(r, &k, &v, e)) == 1) {
        char want[16];
        int wl = snprintf(want, sizeof want, "k%06u", *n);
        assert_int_equal(k.len, (size_t)wl);
        assert_memory_equal(k.ptr, want, k.len);
        assert_memory_equal(v.ptr, "v", 1);
        (*n)++;
    }
    /* The end, or the error, repeats. */
    err_t again;
    err_init(&again);
    assert_int_equal(run_reader_next(r, &k, &v, &again), rc);
    run_reader_destroy(&r);
    assert_null(r);
    return rc;
}

static size_t s_file_size(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (size_t)st.st_size;
}

static char *s_slurp(const char *path, size_t *len)
{
    *len = s_file_size(path);
    char *data = malloc(*len + 1);
    assert_non_null(data);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(data, 1, *len, f), *len);
    fclose(f);
    return data;
}

static void s_spit(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Recomputes the CRC of the block whose header is at off, so that a
 * change in it passes the CRC and meets the check behind it. */
static void s_fix_crc(char *data, size_t off)
{
    uint32_t len;
    memcpy(&len, data + off, 4);
    len = le32(len);
    uLong crc = crc32(0L, (const Bytef *)data + off, 8);
    crc = crc32(crc, (const Bytef *)data + off + 12, len);
    uint32_t c = le32((uint32_t)crc);
    memcpy(data + off + 8, &c, 4);
}

/* 1. The usage example: write sorted records, read them back. */
static void test_usage(void **state)
{
    (void)state;
    char path[256];
    s_path(path, sizeof path);
    err_t e;
    err_init(&e);
    run_writer_t *w = run_writer_new(path, &e);
    assert_non_null(w);
    assert_int_equal(run_writer_add(w, s_str("apple"), s_str("3"), &e), 0);
    assert_int_equal(run_writer_add(w, s_str("pear"), s_str(""), &e), 0);
    assert_int_equal(run_writer_add(w, s_str("pear"), s_str("again"), &e), 0); /* equal keys */
    assert_int_equal(run_writer_close(&w, &e), 0);
    assert_null(w);
    run_writer_close(&w, &e); /* accepts NULL */

    run_reader_t *r = run_reader_new(path, &e);
    assert_non_null(r);
    assert_string_equal(run_reader_path(r), path);
    mr_bytes_t k;
    mr_bytes_t v;
    assert_int_equal(run_reader_next(r, &k, &v, &e), 1);
    assert_int_equal(k.len, 5);
    assert_memory_equal(k.ptr, "apple", 5);
    assert_int_equal(v.len, 1);
    assert_memory_equal(v.ptr, "3", 1);
    assert_int_equal(run_reader_next(r, &k, &v, &e), 1);
    assert_memory_equal(k.ptr, "pear", 4);
    assert_int_equal(v.len, 0);
    assert_int_equal(run_reader_next(r, &k, &v, &e), 1);
    assert_int_equal(v.len, 5);
    assert_int_equal(run_reader_next(r, &k, &v, &e), 0);
    assert_int_equal(run_reader_next(r, &k, &v, &e), 0);
    run_reader_destroy(&r);
    run_reader_destroy(&r); /* accepts NULL */
}

static void test_empty_run_and_empty_key(void **state)
{
    (void)state;
    char path[256];
    s_path(path, sizeof path);
    unsigned n;
    err_t e;
    err_init(&e);
    s_write_n(path, 0, 1);
    assert_int_equal(s_read_all(path, &n, &e), 0);
    assert_int_equal(n, 0);

    s_path(path, sizeof path);
    run_writer_t *w = run_writer_new(path, &e);
    assert_int_equal(run_writer_add(w, (mr_bytes_t){ NULL, 0 }, s_str("x"), &e), 0);
    assert_int_equal(run_writer_add(w, s_str("a"), (mr_bytes_t){ NULL, 0 }, &e), 0);
    assert_int_equal(run_writer_close(&w, &e), 0);
    run_reader_t *r = run_reader_new(path, &e);
    mr_bytes_t k;
    mr_bytes_t v;
    assert_int_equal(run_reader_next(r, &k, &v, &e), 1);
    assert_int_equal(k.len, 0);
    assert_int_equal(run_reader_next(r, &k, &v, &e), 1);
    assert_int_equal(k.len, 1);
    assert_int_equal(run_reader_next(r, &k, &v, &e), 0);
    run_reader_destroy(&r);
}

/* Many blocks, and records bigger than a block in blocks of their own. */
static void test_many_blocks_and_big_records(void **state)
{
    (void)state;
    char path[256];
    s_path(path, sizeof path);
    s_write_n(path, 50000, 1);
    assert_true(s_file_size(path) > 8 * RUN_BLOCK);
    unsigned n;
    err_t e;
    err_init(&e);
    assert_int_equal(s_read_all(path, &n, &e), 0);
    assert_int_equal(n, 50000);

    /* 7 bytes a repeat: 10,000 repeats make a 70 KB value, over RUN_BLOCK. */
    s_path(path, sizeof path);
    s_write_n(path, 20, 10000);
    assert_int_equal(s_read_all(path, &n, &e), 0);
    assert_int_equal(n, 20);
}

static void test_writer_checks(void **state)
{
    (void)state;
    char path[256];
    s_path(path, sizeof path);
    err_t e;
    err_init(&e);
    run_writer_t *w = run_writer_new(path, &e);
    assert_non_null(w);
    assert_int_equal(run_writer_add(w, s_str("b"), s_str("1"), &e), 0);
    assert_int_equal(run_writer_add(w, s_str("a"), s_str("1"), &e), -EINVAL);
    assert_non_null(strstr(e.text, path));
    assert_non_null(strstr(e.text, "order"));
    /* A prefix sorts first: "b" then "ba" is in order, "ba" then "b" not. */
    assert_int_equal(run_writer_add(w, s_str("ba"), s_str("1"), &e), 0);
    assert_int_equal(run_writer_add(w, s_str("b"), s_str("1"), &e), -EINVAL);
    run_writer_destroy(&w);
    assert_null(w);
    assert_int_equal(access(path, F_OK), -1); /* abandoned: removed */

    /* O_EXCL: an existing file is never written through. */
    s_spit(path, "x", 1);
    err_init(&e);
    assert_null(run_writer_new(path, &e));
    assert_int_equal(e.code, -EEXIST);
    assert_non_null(strstr(e.text, path));

    /* An unwritable place names the path. */
    err_init(&e);
    assert_null(run_writer_new("/nonexistent-dir/run-0", &e));
    assert_int_equal(e.code, -ENOENT);
    assert_non_null(strstr(e.text, "/nonexistent-dir/run-0"));
}

/* A full disk: the error names the path.  O_EXCL will not open
 * /dev/full, so the writer's descriptor is swapped for one on it. */
static void test_write_error_names_path(void **state)
{
    (void)state;
    char path[256];
    s_path(path, sizeof path);
    err_t e;
    err_init(&e);
    run_writer_t *w = run_writer_new(path, &e);
    assert_non_null(w);
    int full = open("/dev/full", O_WRONLY);
    if (full < 0)
        skip();
    /* The writer's descriptor is the lowest free one after the test's:
     * find it by its path and replace it. */
    int fd = -1;
    for (int i = 3; i < 64 && fd < 0; i++) {
        char link[64];
        char target[256];
        snprintf(link, sizeof link, "/proc/self/fd/%d", i);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n > 0) {
            target[n] = '\0';
            if (strcmp(target, path) == 0)
                fd = i;
        }
    }
    assert_true(fd >= 0);
    assert_int_equal(dup2(full, fd), fd);
    close(full);
    char value[1000];
    memset(value, 'v', sizeof value);
    int rc = 0;
    for (unsigned i = 0; i < 200 && rc == 0; i++) {
        char key[16];
        int kl = snprintf(key, sizeof key, "k%06u", i);
        rc = run_writer_add(w, (mr_bytes_t){ key, (size_t)kl }, (mr_bytes_t){ value, sizeof value },
                            &e);
    }
    if (rc == 0)
        rc = run_writer_close(&w, &e);
    else
        run_writer_destroy(&w);
    assert_int_equal(rc, -ENOSPC);
    assert_non_null(strstr(e.text, path));
    assert_null(w);
}

/* Every truncation of a run fails (never a short, clean read), naming the
 * path and an offset. */
static void test_truncated(void **state)
{
    (void)state;
    char path[256];
    s_path(path, sizeof path);
    s_write_n(path, 12000, 1); /* three blocks */
    size_t len;
    char *data = s_slurp(path, &len);
    char cut[256];
    s_path(cut, sizeof cut);
    size_t points[] = { 0,       3,        8,        10,       20,      100,    RUN_BLOCK,
                        len / 2, len - 17, len - 16, len - 15, len - 4, len - 1 };
    for (size_t i = 0; i < sizeof points / sizeof *points; i++) {
        s_spit(cut, data, points[i]);
        unsigned n;
        err_t e;
        err_init(&e);
        int rc = s_read_all(cut, &n, &e);
        if (rc != -EBADMSG)
            fail_msg("cut at %zu: %d after %u records", points[i], rc, n);
        assert_non_null(strstr(e.text, cut));
        assert_non_null(strstr(e.text, "at byte"));
    }
    /* Bytes after the footer. */
    char *more = malloc(len + 1);
    assert_non_null(more);
    memcpy(more, data, len);
    more[len] = 0;
    s_spit(cut, more, len + 1);
    unsigned n;
    err_t e;
    err_init(&e);
    assert_int_equal(s_read_all(cut, &n, &e), -EBADMSG);
    assert_non_null(strstr(e.text, "after the footer"));
    free(more);
    free(data);
}

/* A flipped byte anywhere in a block fails its CRC, before any of its
 * records is handed out. */
static void test_corrupt(void **state)
{
    (void)state;
    char path[256];
    s_path(path, sizeof path);
    s_write_n(path, 1000, 1);
    size_t len;
    char *data = s_slurp(path, &len);
    char bad[256];
    s_path(bad, sizeof bad);
    for (size_t off = 8; off < len; off += 997) {
        data[off] ^= 0x20;
        s_spit(bad, data, len);
        data[off] ^= 0x20;
        unsigned n;
        err_t e;
        err_init(&e);
        int rc = s_read_all(bad, &n, &e);
        if (rc >= 0)
            fail_msg("byte %zu flipped: read %u records cleanly", off, n);
        assert_non_null(strstr(e.text, bad));
    }
    data[20] ^= 1; /* in the first record of the only block */
    s_spit(bad, data, len);
    unsigned n;
    err_t e;
    err_init(&e);
    assert_int_equal(s_read_all(bad, &n, &e), -EBADMSG);
    assert_int_equal(n, 0);
    assert_non_null(strstr(e.text, "CRC"));
    assert_non_null(strstr(e.text, "at byte 8"));
    data[20] ^= 1;

    /* A bad magic, a newer version. */
    data[0] = 'X';
    s_spit(bad, data, len);
    err_init(&e);
    assert_int_equal(s_read_all(bad, &n, &e), -EBADMSG);
    assert_non_null(strstr(e.text, "magic"));
    data[0] = 'M';
    data[6] = 2;
    s_spit(bad, data, len);
    err_init(&e);
    assert_int_equal(s_read_all(bad, &n, &e), -EBADMSG);
    assert_non_null(strstr(e.text, "version"));
    free(data);

    /* Not a file at all. */
    err_init(&e);
    assert_null(run_reader_new("/nonexistent-run", &e));
    assert_int_equal(e.code, -ENOENT);
    assert_non_null(strstr(e.text, "/nonexistent-run"));
}

/* Lengths past what the block holds, or over the cap, fail before any
 * allocation, even with a CRC that matches. */
static void test_oversized_lengths(void **state)
{
    (void)state;
    char path[256];
    s_path(path, sizeof path);
    s_write_n(path, 3, 1);
    size_t len;
    char *data = s_slurp(path, &len);
    char bad[256];
    s_path(bad, sizeof bad);

    /* The block length over the cap (no CRC can save it: checked first). */
    char *copy = malloc(len);
    assert_non_null(copy);
    memcpy(copy, data, len);
    uint32_t huge = le32(0xfffffff0u);
    memcpy(copy + 8, &huge, 4);
    s_spit(bad, copy, len);
    unsigned n;
    err_t e;
    err_init(&e);
    assert_int_equal(s_read_all(bad, &n, &e), -EMSGSIZE);
    assert_non_null(strstr(e.text, "cap"));
    assert_non_null(strstr(e.text, "at byte 8"));

    /* A length under the cap but past the end of the file: refused
     * before the reader allocates it. */
    memcpy(copy, data, len);
    uint32_t past = le32(100u << 20);
    memcpy(copy + 8, &past, 4);
    s_spit(bad, copy, len);
    err_init(&e);
    assert_int_equal(s_read_all(bad, &n, &e), -EBADMSG);
    assert_non_null(strstr(e.text, "longer than the file"));

    /* A key length past the block, with the CRC fixed up. */
    memcpy(copy, data, len);
    uint32_t key_len = le32(1000);
    memcpy(copy + 8 + 12, &key_len, 4);
    s_fix_crc(copy, 8);
    s_spit(bad, copy, len);
    err_init(&e);
    assert_int_equal(s_read_all(bad, &n, &e), -EBADMSG);
    assert_non_null(strstr(e.text, "past its block"));
    assert_non_null(strstr(e.text, "at byte 20"));

    /* A value length past the block. */
    memcpy(copy, data, len);
    uint32_t value_len = le32(0xffffffffu);
    memcpy(copy + 8 + 12 + 4, &value_len, 4);
    s_fix_crc(copy, 8);
    s_spit(bad, copy, len);
    err_init(&e);
    assert_int_equal(s_read_all(bad, &n, &e), -EBADMSG);
    assert_non_null(strstr(e.text, "past its block"));

    /* More records claimed than the payload can hold. */
    memcpy(copy, data, len);
    uint32_t count = le32(1000);
    memcpy(copy + 8 + 4, &count, 4);
    s_fix_crc(copy, 8);
    s_spit(bad, copy, len);
    err_init(&e);
    assert_int_equal(s_read_all(bad, &n, &e), -EBADMSG);
    free(copy);
    free(data);
}

/* Keys out of order, within a block and across blocks, and a footer that
 * counts other records: each CRC is right, the run is still refused. */
static void test_out_of_order_and_count(void **state)
{
    (void)state;
    char path[256];
    s_path(path, sizeof path);
    s_write_n(path, 3, 1); /* k000000 k000001 k000002, 22 bytes a record */
    size_t len;
    char *data = s_slurp(path, &len);
    char bad[256];
    s_path(bad, sizeof bad);
    /* Record 1's key becomes "j000001", smaller than record 0's. */
    size_t rec1 = 8 + 12 + 22 + 8;
    assert_memory_equal(data + rec1, "k000001", 7);
    data[rec1] = 'j';
    s_fix_crc(data, 8);
    s_spit(bad, data, len);
    unsigned n;
    err_t e;
    err_init(&e);
    assert_int_equal(s_read_all(bad, &n, &e), -EBADMSG);
    assert_int_equal(n, 1);
    assert_non_null(strstr(e.text, "out of order"));
    data[rec1] = 'k';
    s_fix_crc(data, 8);

    /* The footer's count, with its CRC fixed. */
    uint64_t count = le64(4);
    memcpy(data + len - 12, &count, 8);
    uint32_t crc = le32((uint32_t)crc32(0L, (const Bytef *)data + len - 16, 12));
    memcpy(data + len - 4, &crc, 4);
    s_spit(bad, data, len);
    err_init(&e);
    assert_int_equal(s_read_all(bad, &n, &e), -EBADMSG);
    assert_int_equal(n, 3);
    assert_non_null(strstr(e.text, "footer counts 4"));
    free(data);

    /* Across blocks: two runs' blocks glued, the second's keys smaller. */
    char a[256];
    char b[256];
    s_path(a, sizeof a);
    s_path(b, sizeof b);
    err_init(&e);
    run_writer_t *w = run_writer_new(a, &e);
    assert_int_equal(run_writer_add(w, s_str("m"), s_str("1"), &e), 0);
    assert_int_equal(run_writer_close(&w, &e), 0);
    w = run_writer_new(b, &e);
    assert_int_equal(run_writer_add(w, s_str("a"), s_str("1"), &e), 0);
    assert_int_equal(run_writer_close(&w, &e), 0);
    size_t la;
    size_t lb;
    char *da = s_slurp(a, &la);
    char *db = s_slurp(b, &lb);
    /* a's header and block, b's block and footer; the footer counts 1 of
     * 2 records, but the order fails first. */
    size_t block = la - 8 - 16;
    char *glued = malloc(la + lb);
    assert_non_null(glued);
    memcpy(glued, da, 8 + block);
    memcpy(glued + 8 + block, db + 8, lb - 8);
    s_spit(bad, glued, 8 + block + lb - 8);
    err_init(&e);
    run_reader_t *r = run_reader_new(bad, &e);
    assert_non_null(r);
    mr_bytes_t k;
    mr_bytes_t v;
    assert_int_equal(run_reader_next(r, &k, &v, &e), 1);
    assert_memory_equal(k.ptr, "m", 1);
    assert_int_equal(run_reader_next(r, &k, &v, &e), -EBADMSG);
    assert_non_null(strstr(e.text, "out of order"));
    run_reader_destroy(&r);
    free(glued);
    free(da);
    free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_empty_run_and_empty_key),
        cmocka_unit_test(test_many_blocks_and_big_records),
        cmocka_unit_test(test_writer_checks),
        cmocka_unit_test(test_write_error_names_path),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_oversized_lengths),
        cmocka_unit_test(test_out_of_order_and_count),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
