/*
 * test_decomp.c - tests master/decomp.c, gzip inputs read as one stream:
 * whole files, several members, and corrupt or truncated data named by file
 * and compressed byte offset.  Also the splitter (master/split.c) cutting a
 * .gz input on record boundaries like stdin.
 */
#include "decomp.h"
#include "split.h"

#include <bzlib.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static int s_setup(void **state)
{
    (void)state;
    return tmpdir_make(s_dir, sizeof s_dir, "decomp");
}

static int s_teardown(void **state)
{
    (void)state;
    return tmpdir_remove(s_dir);
}

/* One gzip member holding len bytes of data, malloc'd into *out. */
static size_t s_gzip(const void *data, size_t len, unsigned char **out)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, (uLong)len) + 64;
    *out = malloc(cap);
    z.next_in = (unsigned char *)data;
    z.avail_in = (uInt)len;
    z.next_out = *out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t n = cap - z.avail_out;
    deflateEnd(&z);
    return n;
}

/* Writes bytes to DIR/name; the path goes to path. */
static void s_write(char *path, size_t size, const char *name, const void *data, size_t len)
{
    snprintf(path, size, "%s/%s", s_dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (len)
        assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Reads the whole file through a decompressor, in reads of at most step
 * bytes.  Returns decomp_read's last result (0 at the end, or the error);
 * the bytes go to out (cap bytes), their count to *n. */
static ssize_t s_read_all(const char *path, size_t step, char *out, size_t cap, size_t *n, err_t *e)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    decomp_t *d = decomp_new(fd, path, e);
    assert_non_null(d);
    *n = 0;
    ssize_t rc;
    while ((rc = decomp_read(d, out + *n, cap - *n < step ? cap - *n : step, e)) > 0)
        *n += (size_t)rc;
    decomp_destroy(&d);
    assert_null(d);
    decomp_destroy(&d); /* idempotent */
    close(fd);
    return rc;
}

static void test_usage(void **state)
{
    (void)state;
    const char text[] = "the first line\nthe second line\n";
    unsigned char *gz = NULL;
    size_t gz_len = s_gzip(text, sizeof text - 1, &gz);
    char path[PATH_MAX];
    s_write(path, sizeof path, "usage.gz", gz, gz_len);
    free(gz);

    char out[256];
    size_t n = 0;
    err_t e;
    err_init(&e);
    assert_int_equal(s_read_all(path, sizeof out, out, sizeof out, &n, &e), 0);
    assert_int_equal(n, sizeof text - 1);
    assert_memory_equal(out, text, n);
}

static void test_wanted_by_extension(void **state)
{
    (void)state;
    assert_true(decomp_wanted("a.gz"));
    assert_true(decomp_wanted("dir/logs.txt.gz"));
    assert_true(decomp_wanted("a.bz2"));
    assert_true(decomp_wanted("a.xz"));
    assert_false(decomp_wanted("a.bz"));
    assert_false(decomp_wanted("a.zst")); /* no libzstd-dev in Debian's default set here */
    assert_false(decomp_wanted(".gz"));
    assert_false(decomp_wanted("a.gzip"));
    assert_false(decomp_wanted("a.txt"));
    assert_false(decomp_wanted("gz"));
}

/* `cat a.gz b.gz > ab.gz` is one file of two members: both are read. */
static void test_multi_member(void **state)
{
    (void)state;
    unsigned char *a = NULL;
    unsigned char *b = NULL;
    size_t a_len = s_gzip("alpha\n", 6, &a);
    size_t b_len = s_gzip("beta\ngamma\n", 11, &b);
    unsigned char both[512];
    memcpy(both, a, a_len);
    memcpy(both + a_len, b, b_len);
    char path[PATH_MAX];
    s_write(path, sizeof path, "two.gz", both, a_len + b_len);
    free(a);
    free(b);
    char out[64];
    size_t n = 0;
    err_t e;
    err_init(&e);
    /* Reads of 3 bytes: members end in the middle of a caller's read. */
    assert_int_equal(s_read_all(path, 3, out, sizeof out, &n, &e), 0);
    assert_int_equal(n, 17);
    assert_memory_equal(out, "alpha\nbeta\ngamma\n", 17);
}

/* A large member, read in pieces smaller than zlib's window and larger
 * than decomp's input buffer. */
static void test_large(void **state)
{
    (void)state;
    size_t len = 3u << 20;
    char *text = malloc(len);
    unsigned seed = 7;
    for (size_t i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        text[i] = (seed >> 16) % 5 == 0 ? '\n' : (char)('a' + (seed >> 20) % 26);
    }
    unsigned char *gz = NULL;
    size_t gz_len = s_gzip(text, len, &gz);
    char path[PATH_MAX];
    s_write(path, sizeof path, "large.gz", gz, gz_len);
    free(gz);
    char *out = malloc(len + 16);
    size_t n = 0;
    err_t e;
    err_init(&e);
    assert_int_equal(s_read_all(path, 10000, out, len + 16, &n, &e), 0);
    assert_int_equal(n, len);
    assert_memory_equal(out, text, len);
    free(out);
    free(text);
}

/* A flipped byte inside the deflate data (or the CRC) is an error naming
 * the file and an offset, never a shorter input. */
static void test_corrupt(void **state)
{
    (void)state;
    char text[4096];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = i % 50 == 49 ? '\n' : (char)('a' + i % 7);
    unsigned char *gz = NULL;
    size_t gz_len = s_gzip(text, sizeof text, &gz);
    gz[gz_len - 6] ^= 0xff; /* the CRC-32 in the trailer */
    char path[PATH_MAX];
    s_write(path, sizeof path, "corrupt.gz", gz, gz_len);
    free(gz);
    char out[8192];
    size_t n = 0;
    err_t e;
    err_init(&e);
    assert_int_equal(s_read_all(path, sizeof out, out, sizeof out, &n, &e), -EBADMSG);
    assert_non_null(strstr(e.text, path));
    assert_non_null(strstr(e.text, "corrupt gzip data at compressed byte offset"));

    /* Not gzip at all. */
    s_write(path, sizeof path, "plain.gz", "hello\n", 6);
    err_init(&e);
    assert_int_equal(s_read_all(path, sizeof out, out, sizeof out, &n, &e), -EBADMSG);
    assert_non_null(strstr(e.text, "plain.gz: corrupt gzip data at compressed byte offset "));
}

static void test_truncated(void **state)
{
    (void)state;
    char text[2048];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = i % 30 == 29 ? '\n' : (char)('k' + i % 11);
    unsigned char *gz = NULL;
    size_t gz_len = s_gzip(text, sizeof text, &gz);
    char path[PATH_MAX];
    s_write(path, sizeof path, "cut.gz", gz, gz_len - 5);
    char out[4096];
    size_t n = 0;
    err_t e;
    err_init(&e);
    assert_int_equal(s_read_all(path, sizeof out, out, sizeof out, &n, &e), -EBADMSG);
    char want[PATH_MAX + 128];
    snprintf(want, sizeof want,
             "%s: truncated gzip data: the file ends at compressed byte offset %zu", path,
             gz_len - 5);
    assert_non_null(strstr(e.text, want));

    /* A second member cut short after a whole first one. */
    unsigned char both[8192];
    memcpy(both, gz, gz_len);
    memcpy(both + gz_len, gz, 12);
    s_write(path, sizeof path, "cut2.gz", both, gz_len + 12);
    err_init(&e);
    assert_int_equal(s_read_all(path, sizeof out, out, sizeof out, &n, &e), -EBADMSG);
    assert_non_null(strstr(e.text, "truncated gzip data"));
    free(gz);
}

/* One bzip2 stream of data, malloc'd into *out. */
static size_t s_bzip2(const void *data, size_t len, unsigned char **out)
{
    unsigned cap = (unsigned)(len + len / 100 + 600);
    *out = malloc(cap);
    assert_int_equal(
        BZ2_bzBuffToBuffCompress((char *)*out, &cap, (char *)data, (unsigned)len, 9, 0, 0), BZ_OK);
    return cap;
}

/* One xz stream of data, malloc'd into *out. */
static size_t s_xz(const void *data, size_t len, unsigned char **out)
{
    size_t cap = lzma_stream_buffer_bound(len);
    *out = malloc(cap);
    size_t pos = 0;
    assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, data, len, *out, &pos, cap),
                     LZMA_OK);
    return pos;
}

typedef size_t (*compress_fn)(const void *data, size_t len, unsigned char **out);

/* bzip2 and xz as gzip: whole files, two streams back to back, a flipped
 * byte, a cut file. */
static void test_bzip2_and_xz(void **state)
{
    (void)state;
    static const struct {
        const char *ext;
        const char *format;
        compress_fn compress;
    } formats[] = { { "bz2", "bzip2", s_bzip2 }, { "xz", "xz", s_xz } };
    char text[20000];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = i % 41 == 40 ? '\n' : (char)('a' + (i * 7) % 23);
    for (size_t f = 0; f < 2; f++) {
        unsigned char *a = NULL;
        unsigned char *b = NULL;
        size_t a_len = formats[f].compress(text, 12000, &a);
        size_t b_len = formats[f].compress(text + 12000, sizeof text - 12000, &b);
        unsigned char *both = malloc(a_len + b_len);
        memcpy(both, a, a_len);
        memcpy(both + a_len, b, b_len);
        char name[32];
        char path[PATH_MAX];
        snprintf(name, sizeof name, "two.%s", formats[f].ext);
        s_write(path, sizeof path, name, both, a_len + b_len);
        char out[sizeof text + 16];
        size_t n = 0;
        err_t e;
        err_init(&e);
        assert_int_equal(s_read_all(path, 777, out, sizeof out, &n, &e), 0);
        assert_int_equal(n, sizeof text);
        assert_memory_equal(out, text, n);

        both[a_len / 2] ^= 0x55; /* inside the first stream's data */
        snprintf(name, sizeof name, "bad.%s", formats[f].ext);
        s_write(path, sizeof path, name, both, a_len + b_len);
        err_init(&e);
        assert_int_equal(s_read_all(path, sizeof out, out, sizeof out, &n, &e), -EBADMSG);
        char want[64];
        snprintf(want, sizeof want, "corrupt %s data at compressed byte offset", formats[f].format);
        if (!strstr(e.text, want) || !strstr(e.text, path))
            fail_msg("%s: %s", formats[f].format, e.text);

        snprintf(name, sizeof name, "cut.%s", formats[f].ext);
        s_write(path, sizeof path, name, a, a_len - 9);
        err_init(&e);
        assert_int_equal(s_read_all(path, sizeof out, out, sizeof out, &n, &e), -EBADMSG);
        snprintf(want, sizeof want, "truncated %s data: the file ends at compressed byte",
                 formats[f].format);
        if (!strstr(e.text, want))
            fail_msg("%s: %s", formats[f].format, e.text);
        free(a);
        free(b);
        free(both);
    }
}

/* The splitter cuts a .gz input like stdin: on record boundaries, offsets
 * in the decompressed stream, every byte once; an empty .gz file has no
 * chunks. */
static void test_split_gz(void **state)
{
    (void)state;
    size_t len = 100000;
    char *text = malloc(len);
    for (size_t i = 0; i < len; i++)
        text[i] = i % 37 == 36 ? '\n' : (char)('a' + i % 19);
    unsigned char *gz = NULL;
    size_t gz_len = s_gzip(text, len, &gz);
    char path[PATH_MAX];
    char empty[PATH_MAX];
    s_write(path, sizeof path, "split.gz", gz, gz_len);
    s_write(empty, sizeof empty, "empty.gz", "", 0);
    free(gz);
    const char *names[] = { empty, path };
    err_t e;
    err_init(&e);
    split_t *s = split_new(names, 2, 4096, '\n', &e);
    assert_non_null(s);
    assert_null(split_input_path(s, 1)); /* a mapper cannot read it itself */
    assert_int_equal(split_input_size(s, 1), UINT64_MAX);
    split_chunk_t c;
    size_t at = 0;
    int rc;
    while ((rc = split_next(s, &c, &e)) == 1) {
        assert_int_equal(c.input, 1);
        assert_int_equal(c.offset, at);
        assert_non_null(c.owned);
        assert_true(c.len <= 4096);
        assert_true(c.data[c.len - 1] == '\n' || at + c.len == len);
        assert_memory_equal(c.data, text + at, c.len);
        at += c.len;
        free(c.owned);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(at, len);
    split_destroy(&s);
    free(text);
}

static void test_split_corrupt_gz(void **state)
{
    (void)state;
    char path[PATH_MAX];
    s_write(path, sizeof path, "bad.gz", "\x1f\x8b\x08\x00garbage!", 12);
    const char *names[] = { path };
    err_t e;
    err_init(&e);
    split_t *s = split_new(names, 1, 4096, '\n', &e);
    assert_non_null(s);
    split_chunk_t c;
    assert_int_equal(split_next(s, &c, &e), -EBADMSG);
    assert_non_null(strstr(e.text, "bad.gz"));
    assert_non_null(strstr(e.text, "compressed byte offset"));
    split_destroy(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_wanted_by_extension),
        cmocka_unit_test(test_multi_member),
        cmocka_unit_test(test_large),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_bzip2_and_xz),
        cmocka_unit_test(test_split_gz),
        cmocka_unit_test(test_split_corrupt_gz),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
