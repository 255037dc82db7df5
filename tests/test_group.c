/*
 * test_group.c - tests reducer/group.c, the key-grouped reduce, with small
 * plugins defined here: combine merges the values of a key as they arrive,
 * reduce sees every value when there is no combine, --sort output is in
 * bytewise key order, and a misbehaving combine or reduce is reported.
 */
#include "group.h"

#include "mr.h"
#include "out.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tmpdir.h"

/* What the test plugins saw, passed to them as their state. */
typedef struct calls {
    unsigned combines;   /* combine() calls */
    unsigned reduces;    /* reduce() calls */
    size_t max_values;   /* largest n_values reduce() got */
    size_t total_values; /* n_values summed over reduce() calls */
} calls_t;

/* ---- "sum": 8-byte counts, combine adds, reduce prints the total. ---- */

static uint64_t s_u64(mr_bytes_t b)
{
    uint64_t v = 0;
    assert_int_equal(b.len, sizeof v);
    memcpy(&v, b.ptr, sizeof v);
    return v;
}

static int s_sum_combine(void *state, mr_bytes_t key, mr_bytes_t a, mr_bytes_t b, mr_emitter_t *out)
{
    (void)key;
    ((calls_t *)state)->combines++;
    uint64_t sum = s_u64(a) + s_u64(b);
    return mr_emit_value(out, &sum, sizeof sum);
}

static int s_sum_reduce(void *state, mr_bytes_t key, const mr_bytes_t *values, size_t n_values,
                        mr_emitter_t *out)
{
    calls_t *calls = state;
    calls->reduces++;
    calls->total_values += n_values;
    if (n_values > calls->max_values)
        calls->max_values = n_values;
    uint64_t sum = 0;
    for (size_t i = 0; i < n_values; i++)
        sum += s_u64(values[i]);
    char text[32];
    int n = snprintf(text, sizeof text, "%" PRIu64, sum);
    return mr_emit(out, key.ptr, key.len, text, (size_t)n);
}

/* Emits (word, 1) for each space-separated word of the record. */
static int s_sum_map(void *state, mr_bytes_t record, mr_emitter_t *out)
{
    (void)state;
    const char *p = record.ptr;
    const char *end = p + record.len;
    const uint64_t one = 1;
    while (p < end) {
        const char *space = memchr(p, ' ', (size_t)(end - p));
        const char *stop = space ? space : end;
        if (stop > p) {
            int rc = mr_emit(out, p, (size_t)(stop - p), &one, sizeof one);
            if (rc)
                return rc;
        }
        p = stop + 1;
    }
    return 0;
}

static const mr_plugin_t s_sum = {
    .abi_version = MR_ABI_VERSION,
    .name = "sum",
    .map = s_sum_map,
    .combine = s_sum_combine,
    .reduce = s_sum_reduce,
};

/* ---- "sum-kind": the same, declared MR_COMBINE_SUM_U64, so the group
 * adds 8-byte counts itself; values of other sizes (1 to 8 bytes, little-
 * endian) still go through combine. ---- */

static uint64_t s_le(mr_bytes_t b)
{
    assert_true(b.len >= 1 && b.len <= 8);
    uint64_t v = 0;
    for (size_t i = 0; i < b.len; i++)
        v |= (uint64_t)((const unsigned char *)b.ptr)[i] << (8 * i);
    return v;
}

static int s_kind_combine(void *state, mr_bytes_t key, mr_bytes_t a, mr_bytes_t b,
                          mr_emitter_t *out)
{
    (void)key;
    ((calls_t *)state)->combines++;
    uint64_t sum = s_le(a) + s_le(b);
    return mr_emit_value(out, &sum, sizeof sum);
}

static int s_kind_reduce(void *state, mr_bytes_t key, const mr_bytes_t *values, size_t n_values,
                         mr_emitter_t *out)
{
    calls_t *calls = state;
    calls->reduces++;
    assert_int_equal(n_values, 1);
    char text[32];
    int n = snprintf(text, sizeof text, "%" PRIu64, s_le(values[0]));
    return mr_emit(out, key.ptr, key.len, text, (size_t)n);
}

static const mr_plugin_t s_sum_kind = {
    .abi_version = MR_ABI_VERSION,
    .name = "sum-kind",
    .combine = s_kind_combine,
    .reduce = s_kind_reduce,
    .combine_kind = MR_COMBINE_SUM_U64,
};

/* The same reduce without combine: reduce gets every count. */
static const mr_plugin_t s_sum_nocombine = {
    .abi_version = MR_ABI_VERSION,
    .name = "sum-nocombine",
    .reduce = s_sum_reduce,
};

/* ---- "list": string values, no combine; reduce joins them sorted. ---- */

static int s_cmp_bytes(const void *pa, const void *pb)
{
    const mr_bytes_t *a = pa;
    const mr_bytes_t *b = pb;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = n ? memcmp(a->ptr, b->ptr, n) : 0;
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

static int s_list_reduce(void *state, mr_bytes_t key, const mr_bytes_t *values, size_t n_values,
                         mr_emitter_t *out)
{
    calls_t *calls = state;
    calls->reduces++;
    calls->total_values += n_values;
    if (n_values > calls->max_values)
        calls->max_values = n_values;
    /* The values are borrowed: sort a copy of the array, not the bytes. */
    mr_bytes_t *sorted = malloc(n_values * sizeof *sorted);
    assert_non_null(sorted);
    memcpy(sorted, values, n_values * sizeof *sorted);
    qsort(sorted, n_values, sizeof *sorted, s_cmp_bytes);
    char joined[4096];
    size_t len = 0;
    for (size_t i = 0; i < n_values; i++) {
        assert_true(len + sorted[i].len + 1 < sizeof joined);
        if (i)
            joined[len++] = ',';
        if (sorted[i].len)
            memcpy(joined + len, sorted[i].ptr, sorted[i].len);
        len += sorted[i].len;
    }
    free(sorted);
    return mr_emit(out, key.ptr, key.len, joined, len);
}

static const mr_plugin_t s_list = {
    .abi_version = MR_ABI_VERSION,
    .name = "list",
    .reduce = s_list_reduce,
};

/* ---- "max": combine only; the engine writes key<TAB>value itself. ---- */

static int s_max_combine(void *state, mr_bytes_t key, mr_bytes_t a, mr_bytes_t b, mr_emitter_t *out)
{
    (void)key;
    ((calls_t *)state)->combines++;
    const mr_bytes_t *m = s_cmp_bytes(&a, &b) >= 0 ? &a : &b;
    return mr_emit_value(out, m->ptr, m->len);
}

static const mr_plugin_t s_max = {
    .abi_version = MR_ABI_VERSION,
    .name = "max",
    .combine = s_max_combine,
};

/* ---- Plugins that break the contract. ---- */

static int s_combine_silent(void *state, mr_bytes_t key, mr_bytes_t a, mr_bytes_t b,
                            mr_emitter_t *out)
{
    (void)state;
    (void)key;
    (void)a;
    (void)b;
    (void)out;
    return 0;
}

static int s_combine_twice(void *state, mr_bytes_t key, mr_bytes_t a, mr_bytes_t b,
                           mr_emitter_t *out)
{
    (void)state;
    (void)key;
    int rc = mr_emit_value(out, a.ptr, a.len);
    return rc ? rc : mr_emit_value(out, b.ptr, b.len);
}

static int s_combine_fails(void *state, mr_bytes_t key, mr_bytes_t a, mr_bytes_t b,
                           mr_emitter_t *out)
{
    (void)state;
    (void)key;
    (void)a;
    (void)b;
    (void)out;
    return 7;
}

/* Fails on the key "badkey", sums otherwise. */
static int s_reduce_fails(void *state, mr_bytes_t key, const mr_bytes_t *values, size_t n_values,
                          mr_emitter_t *out)
{
    if (key.len == 6 && memcmp(key.ptr, "badkey", 6) == 0)
        return 3;
    return s_sum_reduce(state, key, values, n_values, out);
}

/* Emits a value too big for out's buffer, so that the write happens now. */
static int s_reduce_big(void *state, mr_bytes_t key, const mr_bytes_t *values, size_t n_values,
                        mr_emitter_t *out)
{
    (void)state;
    (void)values;
    (void)n_values;
    size_t len = (size_t)2 << 20;
    char *big = calloc(1, len);
    assert_non_null(big);
    int rc = mr_emit(out, key.ptr, key.len, big, len);
    free(big);
    return rc;
}

/* ---- Helpers. ---- */

static char s_dir[64];

static int s_setup(void **state)
{
    (void)state;
    return tmpdir_make(s_dir, sizeof s_dir, "group");
}

static int s_teardown(void **state)
{
    (void)state;
    return tmpdir_remove(s_dir);
}

/* A new output file, as mr-run makes it before the reducer opens it. */
static out_t *s_out_new(const char *path, err_t *e)
{
    FILE *f = fopen(path, "w");
    if (f)
        fclose(f);
    return out_open(path, e);
}

static mr_bytes_t s_bytes(const void *ptr, size_t len)
{
    return (mr_bytes_t){ ptr, len };
}

static mr_bytes_t s_str(const char *s)
{
    return s_bytes(s, strlen(s));
}

/* Adds count under key, as an 8-byte value. */
static void s_add_count(group_t *g, const void *key, size_t key_len, uint64_t count)
{
    err_t e;
    err_init(&e);
    assert_int_equal(group_add(g, s_bytes(key, key_len), s_bytes(&count, sizeof count), &e), 0);
}

/* Writes g to a file and returns its contents (malloc'd, NUL-terminated);
 * the length goes to *len and group_write's result must be 0. */
static char *s_write(group_t *g, bool sort, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/out.txt", s_dir);
    err_t e;
    err_init(&e);
    out_t *o = s_out_new(path, &e);
    assert_non_null(o);
    int rc = group_write(g, sort, o, NULL, &e);
    if (rc != 0)
        fail_msg("group_write: %d %s", rc, e.text);
    assert_int_equal(out_close(&o, &e), 0);

    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    assert_true(size >= 0);
    rewind(f);
    char *text = malloc((size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
    text[size] = '\0';
    fclose(f);
    *len = (size_t)size;
    return text;
}

/* An emitter that feeds map()'s pairs straight into a group, standing in
 * for the mapper, the wire and the reducer's loop. */
typedef struct feeder {
    mr_emitter_t base; /* must be first */
    group_t *group;    /* where the pairs go */
} feeder_t;

static int s_feed(mr_emitter_t *base, const void *key, size_t key_len, const void *value,
                  size_t value_len)
{
    feeder_t *f = (feeder_t *)base;
    err_t e;
    err_init(&e);
    return group_add(f->group, s_bytes(key, key_len), s_bytes(value, value_len), &e);
}

/* ---- Tests. ---- */

/* 1. The usage example: map records into pairs, merge them by key, write
 * one sorted line per key. */
static void test_usage(void **state)
{
    (void)state;
    calls_t calls = { 0 };
    group_t *g = group_new(&s_sum, &calls);
    feeder_t feed = { .base.emit = s_feed, .group = g };
    const char *records[] = { "the cat", "the dog the end" };
    for (size_t i = 0; i < 2; i++)
        assert_int_equal(s_sum.map(&calls, s_str(records[i]), &feed.base), 0);
    assert_int_equal(group_keys(g), 4);
    assert_int_equal(calls.combines, 2); /* "the" merged as it arrived */

    /* Pairs as a mapper's combiner would send them: (word, 8-byte count). */
    s_add_count(g, "cat", 3, 10);

    size_t len = 0;
    char *text = s_write(g, true, &len);
    assert_string_equal(text, "cat\t11\ndog\t1\nend\t1\nthe\t3\n");
    assert_int_equal(calls.reduces, 4);
    assert_int_equal(calls.max_values, 1); /* combine left one value per key */
    free(text);

    group_destroy(&g);
    assert_null(g);
    group_destroy(&g); /* accepts NULL */
}

static void test_combine_merges_per_key(void **state)
{
    (void)state;
    calls_t calls = { 0 };
    group_t *g = group_new(&s_sum, &calls);
    uint64_t want[50] = { 0 };
    srand(8);
    const unsigned adds = 20000;
    for (unsigned i = 0; i < adds; i++) {
        unsigned k = (unsigned)rand() % 50;
        uint64_t count = 1 + (uint64_t)(rand() % 1000);
        char key[16];
        int kl = snprintf(key, sizeof key, "key%02u", k);
        s_add_count(g, key, (size_t)kl, count);
        want[k] += count;
    }
    assert_int_equal(group_keys(g), 50);
    assert_int_equal(calls.combines, adds - 50);

    size_t len = 0;
    char *text = s_write(g, true, &len);
    char *p = text;
    for (unsigned k = 0; k < 50; k++) {
        char line[64];
        int ll = snprintf(line, sizeof line, "key%02u\t%" PRIu64 "\n", k, want[k]);
        if (strncmp(p, line, (size_t)ll) != 0)
            fail_msg("key%02u: want %" PRIu64 ", got line '%.20s'", k, want[k], p);
        p += ll;
    }
    assert_int_equal((size_t)(p - text), len);
    assert_int_equal(calls.reduces, 50);
    free(text);
    group_destroy(&g);
}

static void test_reduce_sees_all_values(void **state)
{
    (void)state;
    calls_t calls = { 0 };
    group_t *g = group_new(&s_list, &calls);
    err_t e;
    err_init(&e);
    const char *pairs[][2] = {
        { "fruit", "pear" }, { "veg", "leek" },  { "fruit", "apple" }, { "fruit", "" },
        { "veg", "kale" },   { "nut", "pecan" }, { "fruit", "fig" },   { "fruit", "apple" },
    };
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++)
        assert_int_equal(group_add(g, s_str(pairs[i][0]), s_str(pairs[i][1]), &e), 0);
    assert_int_equal(group_keys(g), 3);

    size_t len = 0;
    char *text = s_write(g, true, &len);
    /* Every value, duplicates and the empty one included. */
    assert_string_equal(text, "fruit\t,apple,apple,fig,pear\n"
                              "nut\tpecan\n"
                              "veg\tkale,leek\n");
    assert_int_equal(calls.reduces, 3);
    assert_int_equal(calls.max_values, 5);
    assert_int_equal(calls.total_values, 8);
    free(text);
    group_destroy(&g);

    /* Counts without combine: reduce does all the adding. */
    calls = (calls_t){ 0 };
    g = group_new(&s_sum_nocombine, &calls);
    for (uint64_t i = 1; i <= 1000; i++)
        s_add_count(g, "n", 1, i);
    text = s_write(g, false, &len);
    assert_string_equal(text, "n\t500500\n");
    assert_int_equal(calls.max_values, 1000);
    free(text);
    group_destroy(&g);
}

static void test_combine_without_reduce(void **state)
{
    (void)state;
    calls_t calls = { 0 };
    group_t *g = group_new(&s_max, &calls);
    err_t e;
    err_init(&e);
    const char *pairs[][2] = { { "a", "m" }, { "b", "x" }, { "a", "z" }, { "a", "c" } };
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++)
        assert_int_equal(group_add(g, s_str(pairs[i][0]), s_str(pairs[i][1]), &e), 0);
    assert_int_equal(calls.combines, 2);
    size_t len = 0;
    char *text = s_write(g, true, &len);
    assert_string_equal(text, "a\tz\nb\tx\n");
    free(text);
    group_destroy(&g);
}

/* Bytewise order: a prefix sorts before its extensions, an embedded NUL
 * after the prefix, and bytes >= 0x80 after ASCII (unsigned comparison). */
static void test_sorted_bytewise(void **state)
{
    (void)state;
    static const struct {
        const char *bytes; /* key bytes */
        size_t len;        /* their count */
    } keys[] = {
        { "b", 1 },    { "\xff", 1 }, { "ab", 2 },       { "a", 1 },
        { "\x80", 1 }, { "a\0", 2 },  { "abc", 3 },      { "B", 1 },
        { "\x7f", 1 }, { "aa", 2 },   { "\x80\x01", 2 }, { "\xc3\xa9t\xc3\xa9", 5 },
    };
    static const char want[] = "B\t8\n"
                               "a\t4\n"
                               "a\0\t6\n"
                               "aa\t10\n"
                               "ab\t3\n"
                               "abc\t7\n"
                               "b\t1\n"
                               "\x7f\t9\n"
                               "\x80\t5\n"
                               "\x80\x01\t11\n"
                               "\xc3\xa9t\xc3\xa9\t12\n"
                               "\xff\t2\n";
    calls_t calls = { 0 };
    group_t *g = group_new(&s_sum, &calls);
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        s_add_count(g, keys[i].bytes, keys[i].len, i + 1);
    size_t len = 0;
    char *text = s_write(g, true, &len);
    assert_int_equal(len, sizeof want - 1);
    assert_memory_equal(text, want, len);
    free(text);
    group_destroy(&g);
}

/* With an engine-known sum, keys of up to 16 bytes (the sums table) and
 * longer ones (htab) come out as one sorted list, and combine is not
 * called for 8-byte counts. */
static void test_sum_kind_both_tables(void **state)
{
    (void)state;
    static const struct {
        const char *bytes; /* key bytes */
        size_t len;        /* their count */
    } keys[] = {
        { "sixteen-bytes-ab", 16 },
        { "", 0 },
        { "a", 1 },
        { "seventeen-bytes-a", 17 },
        { "a\0", 2 },
        { "sixteen-bytes-aa", 16 },
        { "\xff", 1 },
        { "\x80\x01", 2 },
        { "sixteen-bytes-ab-and-more", 25 },
    };
    static const char want[] = "2\n" /* an empty key writes the value alone */
                               "a\t3\n"
                               "a\0\t5\n"
                               "seventeen-bytes-a\t4\n"
                               "sixteen-bytes-aa\t6\n"
                               "sixteen-bytes-ab\t1\n"
                               "sixteen-bytes-ab-and-more\t9\n"
                               "\x80\x01\t8\n"
                               "\xff\t7\n";
    calls_t calls = { 0 };
    group_t *g = group_new(&s_sum_kind, &calls);
    for (unsigned round = 0; round < 2; round++)
        for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
            s_add_count(g, keys[i].bytes, keys[i].len, round ? 0 : i + 1);
    assert_int_equal(group_keys(g), 9);
    assert_int_equal(calls.combines, 0);
    size_t len = 0;
    char *text = s_write(g, true, &len);
    assert_int_equal(len, sizeof want - 1);
    assert_memory_equal(text, want, len);
    free(text);

    group_destroy(&g);

    /* Unsorted: the same lines. */
    g = group_new(&s_sum_kind, &calls);
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        s_add_count(g, keys[i].bytes, keys[i].len, i + 1);
    text = s_write(g, false, &len);
    assert_int_equal(len, sizeof want - 1);
    size_t lines = 0;
    for (const char *p = text; p < text + len;) {
        /* memchr: the key "a\0" holds a NUL. */
        const char *nl = memchr(p, '\n', (size_t)(text + len - p));
        assert_non_null(nl);
        assert_non_null(memmem(want, sizeof want - 1, p, (size_t)(nl - p) + 1));
        p = nl + 1;
        lines++;
    }
    assert_int_equal(lines, 9);
    free(text);
    group_destroy(&g);
}

/* A key whose values come in two sizes (8 bytes, and another) is in both
 * tables; it is written once, with everything merged. */
static void test_sum_kind_two_sizes(void **state)
{
    (void)state;
    for (int sort = 1; sort >= 0; sort--) {
        calls_t calls = { 0 };
        group_t *g = group_new(&s_sum_kind, &calls);
        err_t e;
        err_init(&e);
        s_add_count(g, "k", 1, 5);
        const unsigned char four[4] = { 7, 0, 0, 0 };
        assert_int_equal(group_add(g, s_str("k"), s_bytes(four, 4), &e), 0);
        assert_int_equal(group_add(g, s_str("k"), s_bytes(four, 2), &e), 0);
        s_add_count(g, "other", 5, 1);
        size_t len = 0;
        char *text = s_write(g, sort, &len);
        if (sort)
            assert_string_equal(text, "k\t19\nother\t1\n");
        else
            assert_true(strcmp(text, "k\t19\nother\t1\n") == 0 ||
                        strcmp(text, "other\t1\nk\t19\n") == 0);
        free(text);
        group_destroy(&g);
    }
}

/* Past the sums table's cap (GROUP_MAX_SUMS, here lowered to 2048) the
 * sums move to htab: nothing is lost or doubled across the move. */
static void test_sum_kind_many_keys(void **state)
{
    (void)state;
    calls_t calls = { 0 };
    group_t *g = group_new(&s_sum_kind, &calls);
    group_set_max_sums(g, 2048);
    const unsigned n = 2048 + 5000;
    char key[16];
    for (unsigned round = 1; round <= 2; round++) {
        for (unsigned i = 0; i < n; i++) {
            int len = snprintf(key, sizeof key, "k%u", i);
            s_add_count(g, key, (size_t)len, round * (i % 7 + 1));
        }
    }
    assert_int_equal(group_keys(g), n);
    size_t len = 0;
    char *text = s_write(g, false, &len);
    size_t lines = 0;
    for (const char *p = text; p < text + len; lines++) {
        /* k<i>TAB<sum>: strtoul, as sscanf would measure the whole text. */
        assert_int_equal(*p, 'k');
        char *end;
        unsigned long i = strtoul(p + 1, &end, 10);
        assert_int_equal(*end, '\t');
        unsigned long sum = strtoul(end + 1, &end, 10);
        assert_int_equal(*end, '\n');
        assert_int_equal(sum, 3 * (i % 7 + 1));
        p = end + 1;
    }
    assert_int_equal(lines, n);
    free(text);
    group_destroy(&g);
}

/* Thousands of keys, added in a shuffled order: sorted output ascends, and
 * unsorted output has the same lines. */
static void test_sorted_many_keys(void **state)
{
    (void)state;
    const unsigned n = 5000;
    unsigned *order = malloc(n * sizeof *order);
    assert_non_null(order);
    for (unsigned i = 0; i < n; i++)
        order[i] = i;
    srand(9);
    for (unsigned i = n - 1; i > 0; i--) {
        unsigned j = (unsigned)rand() % (i + 1);
        unsigned t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    calls_t calls = { 0 };
    group_t *g = group_new(&s_sum, &calls);
    for (unsigned i = 0; i < n; i++) {
        /* Keys of different lengths: "k0", "k1", ..., "k4999". */
        char key[16];
        int kl = snprintf(key, sizeof key, "k%u", order[i]);
        s_add_count(g, key, (size_t)kl, order[i]);
    }
    free(order);
    assert_int_equal(group_keys(g), n);

    size_t len = 0;
    char *sorted = s_write(g, true, &len);
    size_t lines = 0;
    char prev[32] = "";
    for (char *line = sorted; *line; lines++) {
        char *tab = strchr(line, '\t');
        char *nl = strchr(line, '\n');
        assert_non_null(tab);
        assert_non_null(nl);
        char key[32];
        size_t kl = (size_t)(tab - line);
        assert_true(kl < sizeof key);
        memcpy(key, line, kl);
        key[kl] = '\0';
        if (lines > 0 && strcmp(prev, key) >= 0)
            fail_msg("'%s' written after '%s'", key, prev);
        /* Each key still carries its own count. */
        assert_int_equal(strtoul(key + 1, NULL, 10), strtoul(tab + 1, NULL, 10));
        memcpy(prev, key, kl + 1);
        line = nl + 1;
    }
    assert_int_equal(lines, n);

    size_t len2 = 0;
    char *unsorted = s_write(g, false, &len2);
    assert_int_equal(len2, len);
    size_t lines2 = 0;
    for (char *p = unsorted; *p; p++)
        lines2 += *p == '\n';
    assert_int_equal(lines2, n);
    for (unsigned k = 0; k < n; k += 97) {
        char line[32];
        snprintf(line, sizeof line, "\nk%u\t%u\n", k, k);
        /* Search with a leading newline; the first line has none before it. */
        assert_true(strstr(unsorted, line) || strncmp(unsorted, line + 1, strlen(line + 1)) == 0);
    }
    free(sorted);
    free(unsorted);
    group_destroy(&g);
}

/* A plugin may emit an empty key (mr_emit_value, whose key pointer is
 * NULL): it groups like any other and sorts first. */
static void test_empty_key(void **state)
{
    (void)state;
    calls_t calls = { 0 };
    group_t *g = group_new(&s_sum, &calls);
    s_add_count(g, NULL, 0, 2);
    s_add_count(g, "a", 1, 1);
    s_add_count(g, NULL, 0, 3);
    assert_int_equal(group_keys(g), 2);
    size_t len = 0;
    char *text = s_write(g, true, &len);
    /* An empty key writes the value alone. */
    assert_string_equal(text, "5\na\t1\n");
    free(text);
    group_destroy(&g);
}

static void test_empty_group(void **state)
{
    (void)state;
    calls_t calls = { 0 };
    group_t *g = group_new(&s_sum, &calls);
    assert_int_equal(group_keys(g), 0);
    size_t len = 0;
    char *text = s_write(g, true, &len);
    assert_int_equal(len, 0);
    assert_int_equal(calls.reduces, 0);
    free(text);
    group_destroy(&g);
}

static void test_combine_must_emit_once(void **state)
{
    (void)state;
    const mr_plugin_t silent = { .abi_version = MR_ABI_VERSION, .combine = s_combine_silent };
    const mr_plugin_t twice = { .abi_version = MR_ABI_VERSION, .combine = s_combine_twice };
    const mr_plugin_t *plugins[] = { &silent, &twice };
    const char *counts[] = { "0", "2" };
    for (size_t i = 0; i < 2; i++) {
        group_t *g = group_new(plugins[i], NULL);
        err_t e;
        err_init(&e);
        /* The first value of a key needs no combine. */
        assert_int_equal(group_add(g, s_str("k"), s_str("1"), &e), 0);
        assert_int_equal(group_add(g, s_str("k"), s_str("2"), &e), -EINVAL);
        assert_int_equal(e.code, -EINVAL);
        assert_non_null(strstr(e.text, "combine"));
        assert_non_null(strstr(e.text, counts[i]));
        group_destroy(&g);
    }
}

static void test_combine_error_reported(void **state)
{
    (void)state;
    const mr_plugin_t failing = { .abi_version = MR_ABI_VERSION, .combine = s_combine_fails };
    group_t *g = group_new(&failing, NULL);
    err_t e;
    err_init(&e);
    assert_int_equal(group_add(g, s_str("k"), s_str("1"), &e), 0);
    assert_int_equal(group_add(g, s_str("k"), s_str("2"), &e), -ECANCELED);
    assert_int_equal(e.code, -ECANCELED);
    assert_non_null(strstr(e.text, "combine"));
    assert_non_null(strstr(e.text, "7"));
    group_destroy(&g);
}

static void test_reduce_error_reported(void **state)
{
    (void)state;
    const mr_plugin_t failing = { .abi_version = MR_ABI_VERSION,
                                  .combine = s_sum_combine,
                                  .reduce = s_reduce_fails };
    calls_t calls = { 0 };
    group_t *g = group_new(&failing, &calls);
    s_add_count(g, "good", 4, 1);
    s_add_count(g, "badkey", 6, 1);
    char path[256];
    snprintf(path, sizeof path, "%s/fail.txt", s_dir);
    err_t e;
    err_init(&e);
    out_t *o = s_out_new(path, &e);
    assert_non_null(o);
    assert_int_equal(group_write(g, true, o, NULL, &e), -ECANCELED);
    assert_int_equal(e.code, -ECANCELED);
    assert_non_null(strstr(e.text, "reduce"));
    assert_non_null(strstr(e.text, "3"));
    assert_non_null(strstr(e.text, "badkey"));
    err_t ignored;
    err_init(&ignored);
    out_close(&o, &ignored);
    group_destroy(&g);
}

/* reduce's emit fails when the output cannot be written: the write error
 * (with the path) comes back from group_write, not a plugin error. */
static void test_reduce_write_error(void **state)
{
    (void)state;
    const mr_plugin_t big = { .abi_version = MR_ABI_VERSION,
                              .combine = s_sum_combine,
                              .reduce = s_reduce_big };
    calls_t calls = { 0 };
    group_t *g = group_new(&big, &calls);
    s_add_count(g, "k", 1, 1);
    err_t e;
    err_init(&e);
    out_t *o = out_open("/dev/full", &e);
    assert_non_null(o);
    assert_int_equal(group_write(g, false, o, NULL, &e), -ENOSPC);
    assert_non_null(strstr(e.text, "/dev/full"));
    err_t ignored;
    err_init(&ignored);
    out_close(&o, &ignored);
    group_destroy(&g);
}

/* Many keys sharing their first 8 bytes or more, of every length, bytes
 * over 0x7f and NULs among them: sorted output ascends bytewise (the sort
 * decides most pairs by an 8-byte prefix, and the rest by the bytes). */
static void test_sorted_shared_prefixes(void **state)
{
    (void)state;
    calls_t calls = { 0 };
    group_t *g = group_new(&s_max, &calls);
    err_t e;
    err_init(&e);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (unsigned i = 0; i < 30000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        unsigned char key[32];
        size_t len = x % 3 ? 8 + (x >> 8) % 12 : (x >> 8) % 9;
        memcpy(key, "prefix12prefix12prefix12", len < 24 ? len : 24);
        /* Vary some bytes: never a tab or a newline, which end fields. */
        for (size_t b = 0; b < len; b++)
            if ((x >> (b % 60)) & 1) {
                unsigned char c = (unsigned char)(x >> ((b * 7) % 56));
                key[b] = c == '\t' || c == '\n' ? 0 : c;
            }
        assert_int_equal(group_add(g, s_bytes(key, len), s_str("v"), &e), 0);
    }
    size_t n_keys = group_keys(g);
    size_t len = 0;
    char *text = s_write(g, true, &len);
    size_t lines = 0;
    const char *prev = NULL;
    size_t prev_len = 0;
    for (const char *p = text; p < text + len; lines++) {
        const char *nl = memchr(p, '\n', (size_t)(text + len - p));
        assert_non_null(nl);
        /* "KEY\tv", or "v" alone for the empty key. */
        size_t kl = (size_t)(nl - p) >= 2 ? (size_t)(nl - p) - 2 : 0;
        if (prev) {
            int c = run_key_cmp((mr_bytes_t){ prev, prev_len }, (mr_bytes_t){ p, kl });
            if (c >= 0)
                fail_msg("line %zu out of order", lines);
        }
        prev = p;
        prev_len = kl;
        p = nl + 1;
    }
    assert_int_equal(lines, n_keys);
    free(text);
    group_destroy(&g);
}

/* ---- Under a memory budget: spills, runs and the external merge. ---- */

/* A spill directory of its own for each group. */
static void s_spill_dir(char *dir, size_t len)
{
    static unsigned serial;
    snprintf(dir, len, "%s/spill-%u", s_dir, serial++);
    assert_int_equal(mkdir(dir, 0700), 0);
}

/* Files left in dir. */
static unsigned s_files_in(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    unsigned n = 0;
    assert_int_equal(fscanf(p, "%u", &n), 1);
    pclose(p);
    return n;
}

/* The values a workload adds. */
typedef enum values {
    VALUES_COUNTS, /* 8-byte counts */
    VALUES_MIXED,  /* 8-byte counts, some of 4 bytes (two sizes, for the sum kind) */
    VALUES_TEXT,   /* short strings */
} values_t;

/* Adds n_pairs pairs over n_keys keys (short and long ones, the empty
 * one), in a seeded order. */
static void s_workload(group_t *g, unsigned n_pairs, unsigned n_keys, values_t kind)
{
    uint64_t x = 88172645463325252ull;
    err_t e;
    err_init(&e);
    for (unsigned i = 0; i < n_pairs; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        unsigned k = (unsigned)(x % n_keys);
        char key[64];
        int kl = k == 0  ? 0
                 : k % 5 ? snprintf(key, sizeof key, "k%u", k)
                         : snprintf(key, sizeof key, "a-rather-longer-key-number-%u", k);
        int rc;
        if (kind == VALUES_MIXED && i % 97 == 3) {
            uint32_t four = (uint32_t)(i % 11);
            rc = group_add(g, s_bytes(key, (size_t)kl), s_bytes(&four, sizeof four), &e);
        } else if (kind != VALUES_TEXT) {
            uint64_t count = 1 + i % 13;
            rc = group_add(g, s_bytes(key, (size_t)kl), s_bytes(&count, sizeof count), &e);
        } else {
            char value[16];
            int vl = snprintf(value, sizeof value, "v%u", i % 1000);
            rc = group_add(g, s_bytes(key, (size_t)kl), s_bytes(value, (size_t)vl), &e);
        }
        if (rc != 0)
            fail_msg("group_add %u: %s", i, e.text);
    }
}

static int s_cmp_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of text, sorted, joined again (for unsorted output). */
static char *s_sorted_lines(char *text, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += text[i] == '\n';
    char **lines = malloc((n + 1) * sizeof *lines);
    assert_non_null(lines);
    size_t k = 0;
    for (char *p = text; p < text + len;) {
        char *nl = memchr(p, '\n', (size_t)(text + len - p));
        assert_non_null(nl);
        *nl = '\0';
        lines[k++] = p;
        p = nl + 1;
    }
    qsort(lines, k, sizeof *lines, s_cmp_lines);
    char *out = malloc(len + 1);
    assert_non_null(out);
    size_t used = 0;
    for (size_t i = 0; i < k; i++) {
        size_t l = strlen(lines[i]);
        memcpy(out + used, lines[i], l);
        used += l;
        out[used++] = '\n';
    }
    out[used] = '\0';
    free(lines);
    return out;
}

/* A workload run without a bound and under budget (spilling runs into a
 * directory of its own) gives the same output, sorted or not; the runs
 * are gone after group_write.  Returns the runs spilled. */
static uint64_t s_same_output(const mr_plugin_t *plugin, unsigned n_pairs, unsigned n_keys,
                              values_t kind, size_t budget)
{
    uint64_t runs = 0;
    for (int sort = 1; sort >= 0; sort--) {
        calls_t calls = { 0 };
        group_t *g = group_new(plugin, &calls);
        s_workload(g, n_pairs, n_keys, kind);
        size_t want_len = 0;
        char *want = s_write(g, sort, &want_len);
        uint64_t keys = group_keys_written(g);
        assert_int_equal(group_runs(g), 0);
        group_destroy(&g);

        char dir[256];
        s_spill_dir(dir, sizeof dir);
        calls_t calls2 = { 0 };
        g = group_new(plugin, &calls2);
        group_set_budget(g, budget, dir);
        s_workload(g, n_pairs, n_keys, kind);
        assert_true(group_runs(g) > 1);
        assert_true(group_spilled_bytes(g) > 0);
        size_t got_len = 0;
        char *got = s_write(g, sort, &got_len);
        assert_int_equal(group_keys_written(g), keys);
        if (plugin && plugin->reduce)
            assert_int_equal(calls2.reduces, keys); /* reduce once per key */
        runs = group_runs(g);
        assert_int_equal(s_files_in(dir), 0);
        group_destroy(&g);
        if (!sort) {
            char *a = s_sorted_lines(want, want_len);
            char *b = s_sorted_lines(got, got_len);
            free(want);
            free(got);
            want = a;
            got = b;
        }
        assert_int_equal(got_len, want_len);
        if (memcmp(got, want, want_len) != 0)
            fail_msg("%s, sort %d: the spilled output differs", plugin ? plugin->name : "plain",
                     sort);
        free(want);
        free(got);
    }
    return runs;
}

/* With combine: combine across runs, reduce once per key. */
static void test_spill_combine(void **state)
{
    (void)state;
    s_same_output(&s_sum, 60000, 9000, VALUES_COUNTS, 300 << 10);
    s_same_output(&s_max, 60000, 9000, VALUES_TEXT, 300 << 10);
}

/* An engine-known sum: the sums table spills too; past GROUP_MAX_RUNS the
 * runs are merged into one and the output stays the same. */
static void test_spill_sum_kind_many_runs(void **state)
{
    (void)state;
    uint64_t runs = s_same_output(&s_sum_kind, 300000, 100000, VALUES_MIXED, 256 << 10);
    if (runs <= GROUP_MAX_RUNS)
        fail_msg("only %llu runs: the merge of runs was not reached", (unsigned long long)runs);
}

/* Without combine: a key's values are gathered across runs for reduce. */
static void test_spill_without_combine(void **state)
{
    (void)state;
    s_same_output(&s_sum_nocombine, 60000, 5000, VALUES_COUNTS, 300 << 10);
    s_same_output(&s_list, 30000, 3000, VALUES_TEXT, 300 << 10);
}

/* The plain store of --reduce-cmd: every pair, a key's in arrival order. */
static void test_spill_plain_store(void **state)
{
    (void)state;
    s_same_output(NULL, 60000, 5000, VALUES_TEXT, 300 << 10);
}

/* Without combine, a key whose values alone pass the budget fails the
 * write, naming the key; the plain store streams such a key. */
static void test_spill_key_over_budget(void **state)
{
    (void)state;
    char dir[256];
    s_spill_dir(dir, sizeof dir);
    calls_t calls = { 0 };
    group_t *g = group_new(&s_list, &calls);
    group_set_budget(g, 256 << 10, dir);
    err_t e;
    err_init(&e);
    char value[100];
    memset(value, 'x', sizeof value);
    for (unsigned i = 0; i < 5000; i++)
        assert_int_equal(group_add(g, s_str("the-big-key"), s_bytes(value, sizeof value), &e), 0);
    assert_int_equal(group_add(g, s_str("small"), s_str("1"), &e), 0);
    assert_true(group_runs(g) > 0);
    char path[256];
    snprintf(path, sizeof path, "%s/out.txt", s_dir);
    out_t *o = s_out_new(path, &e);
    assert_int_equal(group_write(g, true, o, NULL, &e), -E2BIG);
    assert_non_null(strstr(e.text, "the-big-key"));
    assert_non_null(strstr(e.text, "budget"));
    err_t ignored;
    err_init(&ignored);
    out_close(&o, &ignored);
    group_destroy(&g);
    assert_int_equal(s_files_in(dir), 0);

    g = group_new(NULL, NULL);
    group_set_budget(g, 256 << 10, dir);
    for (unsigned i = 0; i < 5000; i++)
        assert_int_equal(group_add(g, s_str("the-big-key"), s_bytes(value, sizeof value), &e), 0);
    size_t len = 0;
    char *text = s_write(g, true, &len);
    assert_int_equal(len, 5000 * (12 + sizeof value + 1));
    assert_int_equal(group_keys_written(g), 1);
    free(text);
    group_destroy(&g);
}

/* A spill that cannot write fails group_add with the path; the runs
 * spilled before are removed by group_destroy. */
static void test_spill_errors(void **state)
{
    (void)state;
    group_t *g = group_new(&s_sum, NULL);
    group_set_budget(g, 256 << 10, "/nonexistent-spill-dir");
    err_t e;
    err_init(&e);
    int rc = 0;
    for (unsigned i = 0; i < 100000 && rc == 0; i++) {
        char key[32];
        int kl = snprintf(key, sizeof key, "key-%u", i);
        uint64_t one = 1;
        rc = group_add(g, s_bytes(key, (size_t)kl), s_bytes(&one, sizeof one), &e);
    }
    assert_int_equal(rc, -ENOENT);
    assert_non_null(strstr(e.text, "/nonexistent-spill-dir/run-0"));
    group_destroy(&g);

    /* Runs left unmerged (a failed job) go with the group. */
    char dir[256];
    s_spill_dir(dir, sizeof dir);
    calls_t calls = { 0 };
    g = group_new(&s_sum, &calls);
    group_set_budget(g, 256 << 10, dir);
    s_workload(g, 50000, 9000, VALUES_COUNTS);
    assert_true(group_runs(g) > 0);
    assert_true(s_files_in(dir) > 0);
    group_destroy(&g);
    assert_int_equal(s_files_in(dir), 0);

    /* A damaged run fails the merge, naming it. */
    g = group_new(&s_sum, &calls);
    group_set_budget(g, 256 << 10, dir);
    s_workload(g, 50000, 9000, VALUES_COUNTS);
    char run[512];
    snprintf(run, sizeof run, "%s/run-0", dir);
    assert_int_equal(truncate(run, 1000), 0);
    char path[256];
    snprintf(path, sizeof path, "%s/out.txt", s_dir);
    out_t *o = s_out_new(path, &e);
    err_init(&e);
    assert_int_equal(group_write(g, true, o, NULL, &e), -EBADMSG);
    assert_non_null(strstr(e.text, run));
    err_t ignored;
    err_init(&ignored);
    out_close(&o, &ignored);
    group_destroy(&g);
    assert_int_equal(s_files_in(dir), 0);
}

/* The key index: one (key, output bytes) record per key, keys ascending,
 * the bytes adding up to the output; the same with and without spills. */
static void test_index(void **state)
{
    (void)state;
    for (int spill = 0; spill <= 1; spill++) {
        char dir[256];
        s_spill_dir(dir, sizeof dir);
        calls_t calls = { 0 };
        group_t *g = group_new(&s_sum_kind, &calls);
        if (spill)
            group_set_budget(g, 256 << 10, dir);
        s_workload(g, 40000, 6000, VALUES_MIXED);
        char path[256];
        char index_path[256];
        snprintf(path, sizeof path, "%s/out.txt", s_dir);
        snprintf(index_path, sizeof index_path, "%s/index-%d", s_dir, spill);
        err_t e;
        err_init(&e);
        out_t *o = s_out_new(path, &e);
        run_writer_t *index = run_writer_new(index_path, &e);
        assert_non_null(index);
        /* Unsorted asked, but an index needs key order. */
        assert_int_equal(group_write(g, false, o, index, &e), 0);
        uint64_t keys = group_keys_written(g);
        assert_int_equal(run_writer_close(&index, &e), 0);
        assert_int_equal(out_close(&o, &e), 0);
        group_destroy(&g);

        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        run_reader_t *r = run_reader_new(index_path, &e);
        assert_non_null(r);
        mr_bytes_t k;
        mr_bytes_t v;
        uint64_t n = 0;
        char line[256];
        while (run_reader_next(r, &k, &v, &e) == 1) {
            uint64_t bytes;
            assert_int_equal(v.len, 8);
            memcpy(&bytes, v.ptr, 8);
            assert_true(bytes < sizeof line);
            assert_int_equal(fread(line, 1, (size_t)bytes, f), (size_t)bytes);
            /* The key's line: "KEY\t..." (an empty key: the value alone). */
            if (k.len) {
                assert_memory_equal(line, k.ptr, k.len);
                assert_int_equal(line[k.len], '\t');
            }
            assert_int_equal(line[bytes - 1], '\n');
            n++;
        }
        assert_int_equal(e.code, 0);
        assert_int_equal(n, keys);
        assert_int_equal(fgetc(f), EOF);
        fclose(f);
        run_reader_destroy(&r);
    }
}

/* The reduce command's order (the plain store): lines as `LC_ALL=C sort`
 * orders key<TAB>value, which is not key-then-value order when a key holds
 * a byte below TAB ("a\1" sorts before "a" there: 'a' TAB > 'a' 1). */
static int s_cmp_c(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* -k1,1n -k2,2nr on year<TAB>temp, then the whole line. */
static int s_cmp_secondary(const void *a, const void *b)
{
    const char *x = *(char *const *)a;
    const char *y = *(char *const *)b;
    long xy = strtol(x, NULL, 10);
    long yy = strtol(y, NULL, 10);
    if (xy != yy)
        return xy < yy ? -1 : 1;
    long xt = strtol(strchr(x, '\t') + 1, NULL, 10);
    long yt = strtol(strchr(y, '\t') + 1, NULL, 10);
    if (xt != yt)
        return xt > yt ? -1 : 1;
    return strcmp(x, y);
}

/* Adds n pairs of key<TAB>value lines made by make(i) to g (in a seeded
 * order, a line may come several times) and checks the output is those
 * lines sorted by cmp; returns the runs spilled. */
static uint64_t s_check_line_order(group_t *g, unsigned n, void (*make)(unsigned, char *, size_t),
                                   int (*cmp)(const void *, const void *))
{
    char **lines = calloc(n, sizeof *lines);
    assert_non_null(lines);
    size_t total = 1;
    uint32_t seed = 12345;
    for (unsigned i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        char line[64];
        make((seed >> 8) % (n / 2 + 1), line, sizeof line);
        lines[i] = strdup(line);
        total += strlen(line) + 1;
        char *tab = strrchr(line, '\t'); /* the key is all fields but the last */
        err_t e;
        err_init(&e);
        assert_int_equal(group_add(g, s_bytes(line, (size_t)(tab - line)), s_str(tab + 1), &e), 0);
    }
    qsort(lines, n, sizeof *lines, cmp);
    char *want = malloc(total);
    assert_non_null(want);
    size_t used = 0;
    for (unsigned i = 0; i < n; i++) {
        size_t l = strlen(lines[i]);
        memcpy(want + used, lines[i], l);
        used += l;
        want[used++] = '\n';
        free(lines[i]);
    }
    want[used] = '\0';
    free(lines);
    uint64_t runs = group_runs(g);
    size_t len = 0;
    char *got = s_write(g, false, &len);
    assert_string_equal(got, want);
    free(got);
    free(want);
    return runs;
}

static void s_make_words(unsigned i, char *line, size_t len)
{
    static const char *const keys[] = { "a", "a\001", "a b", "b", "a\001x", "\001" };
    snprintf(line, len, "%s\t%u%s", keys[i % 6], (i / 6) % 1500, i % 4 ? "" : "\001z");
}

static void s_make_temps(unsigned i, char *line, size_t len)
{
    snprintf(line, len, "%u\t%d\t%u", 1990 + i % 13, (int)((i * 7919u) % 801) - 400, i % 5);
}

/* The orders, in memory and spilled, with the lines deduplicated in htab
 * (sample: the default), in the arena from the first (0), or moved there
 * after a sample of mostly distinct lines (50). */
static void s_plain_store_order(size_t sample)
{
    group_t *g = group_new(NULL, NULL);
    group_set_line_sample(g, sample);
    s_check_line_order(g, 20000, s_make_words, s_cmp_c);
    /* Half the lines repeat: htab keeps them unless sample says otherwise. */
    assert_int_equal(group_keys(g) == 0, sample < GROUP_LINE_SAMPLE);
    group_destroy(&g);

    char dir[256];
    s_spill_dir(dir, sizeof dir);
    g = group_new(NULL, NULL);
    group_set_line_sample(g, sample);
    group_set_budget(g, GROUP_MIN_BUDGET, dir);
    assert_true(s_check_line_order(g, 40000, s_make_words, s_cmp_c) > 1);
    assert_int_equal(group_keys_written(g), 6); /* distinct keys, not lines */
    group_destroy(&g);

    keycmp_t k;
    err_t e;
    err_init(&e);
    assert_int_equal(keycmp_parse(&k, "-k1,1n -k2,2nr", '\t', &e), 0);
    g = group_new(NULL, NULL);
    group_set_line_sample(g, sample);
    group_set_order(g, &k);
    s_check_line_order(g, 20000, s_make_temps, s_cmp_secondary);
    group_destroy(&g);

    s_spill_dir(dir, sizeof dir);
    g = group_new(NULL, NULL);
    group_set_line_sample(g, sample);
    group_set_order(g, &k);
    group_set_budget(g, GROUP_MIN_BUDGET, dir);
    assert_true(s_check_line_order(g, 40000, s_make_temps, s_cmp_secondary) > 1);
    group_destroy(&g);
}

static void test_plain_store_order(void **state)
{
    (void)state;
    s_plain_store_order(GROUP_LINE_SAMPLE);
    s_plain_store_order(0);
    s_plain_store_order(50);
}

/* Lines in the arena count in what the group holds: at least their index
 * (16 bytes a line) and their bytes past the first 8. */
static void test_plain_store_arena_bytes(void **state)
{
    (void)state;
    group_t *g = group_new(NULL, NULL);
    group_set_line_sample(g, 0);
    err_t e;
    err_init(&e);
    size_t empty = group_bytes(g);
    char val[32];
    for (unsigned i = 0; i < 100000; i++) {
        snprintf(val, sizeof val, "%020u", i);
        assert_int_equal(group_add(g, s_str("key"), s_str(val), &e), 0);
    }
    /* Each line is key<TAB> and 20 digits: 24 bytes, 16 past the first 8. */
    assert_true(group_bytes(g) - empty >= 100000u * (16 + 16));
    assert_int_equal(group_keys(g), 0); /* no htab entry */
    size_t len = 0;
    char *got = s_write(g, false, &len);
    assert_int_equal(len, 100000u * 25);
    assert_memory_equal(got, "key\t00000000000000000000\nkey\t00000000000000000001\n", 50);
    free(got);
    assert_int_equal(group_keys_written(g), 1);
    group_destroy(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_combine_merges_per_key),
        cmocka_unit_test(test_reduce_sees_all_values),
        cmocka_unit_test(test_combine_without_reduce),
        cmocka_unit_test(test_sorted_bytewise),
        cmocka_unit_test(test_sorted_many_keys),
        cmocka_unit_test(test_sorted_shared_prefixes),
        cmocka_unit_test(test_sum_kind_both_tables),
        cmocka_unit_test(test_sum_kind_two_sizes),
        cmocka_unit_test(test_sum_kind_many_keys),
        cmocka_unit_test(test_empty_group),
        cmocka_unit_test(test_combine_must_emit_once),
        cmocka_unit_test(test_combine_error_reported),
        cmocka_unit_test(test_reduce_error_reported),
        cmocka_unit_test(test_reduce_write_error),
        cmocka_unit_test(test_spill_combine),
        cmocka_unit_test(test_spill_sum_kind_many_runs),
        cmocka_unit_test(test_spill_without_combine),
        cmocka_unit_test(test_spill_plain_store),
        cmocka_unit_test(test_spill_key_over_budget),
        cmocka_unit_test(test_spill_errors),
        cmocka_unit_test(test_index),
        /* Last: a sanitizer build stops the whole program if it fails. */
        cmocka_unit_test(test_empty_key),
        cmocka_unit_test(test_plain_store_order),
        cmocka_unit_test(test_plain_store_arena_bytes),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
