/*
 * test_collect.c - tests mapper/collect.c, what a mapper does with the pairs
 * map() emits for one chunk, using small plugins defined here: without a
 * combiner the RESULT payload holds every pair in emit order; with one it
 * holds one merged pair per distinct key; the payload cap gives -EMSGSIZE;
 * a combine that fails or emits other than one value is reported.
 */
#include "collect.h"

#include "mr.h"
#include "partition.h"
#include "proto_pairs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* What the test plugins saw, passed to them as their state. */
typedef struct calls {
    unsigned maps;     /* map() calls */
    unsigned combines; /* combine() calls */
} calls_t;

/* ---- "sum": words counted with 8-byte values. ---- */

static uint64_t s_u64(mr_bytes_t b)
{
    uint64_t v = 0;
    assert_int_equal(b.len, sizeof v);
    memcpy(&v, b.ptr, sizeof v);
    return v;
}

/* Emits (word, 1) for each space-separated word of the record. */
static int s_sum_map(void *state, mr_bytes_t record, mr_emitter_t *out)
{
    ((calls_t *)state)->maps++;
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
    (void)state;
    uint64_t sum = 0;
    for (size_t i = 0; i < n_values; i++)
        sum += s_u64(values[i]);
    return mr_emit(out, key.ptr, key.len, &sum, sizeof sum);
}

static const mr_plugin_t s_sum = {
    .abi_version = MR_ABI_VERSION,
    .name = "sum",
    .map = s_sum_map,
    .combine = s_sum_combine,
    .reduce = s_sum_reduce,
};

/* The same, saying that combine is a sum of 8-byte counts: the engine adds
 * them itself (short keys in counts.h's table, long ones in htab). */
static const mr_plugin_t s_sum_kind = {
    .abi_version = MR_ABI_VERSION,
    .name = "sum-kind",
    .map = s_sum_map,
    .combine = s_sum_combine,
    .reduce = s_sum_reduce,
    .combine_kind = MR_COMBINE_SUM_U64,
};

/* The same without combine: a reducer plugin that cannot combine in the
 * mapper. */
static const mr_plugin_t s_sum_nocombine = {
    .abi_version = MR_ABI_VERSION,
    .name = "sum-nocombine",
    .map = s_sum_map,
    .reduce = s_sum_reduce,
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
    return 5;
}

/* ---- Helpers. ---- */

static mr_bytes_t s_str(const char *s)
{
    return (mr_bytes_t){ s, strlen(s) };
}

/* Runs map() over each record of a chunk, as the mapper does. */
static void s_map_chunk(collect_t *c, const mr_plugin_t *plugin, void *state,
                        const char *const *records, size_t n)
{
    collect_begin(c);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(plugin->map(state, s_str(records[i]), collect_emitter(c)), 0);
}

/* Finishes the chunk and decodes its payload into p (to be fini'd). */
static void s_finish_decode(collect_t *c, proto_pairs_t *p)
{
    err_t e;
    err_init(&e);
    const buf_t *payload = NULL;
    int rc = collect_finish(c, &payload, &e);
    if (rc != 0)
        fail_msg("collect_finish: %d %s", rc, e.text);
    assert_non_null(payload);
    rc = proto_pairs_decode(payload->data, payload->len, p, &e);
    if (rc != 0)
        fail_msg("proto_pairs_decode: %d %s", rc, e.text);
}

static bool s_eq(mr_bytes_t b, const void *ptr, size_t len)
{
    return b.len == len && (len == 0 || memcmp(b.ptr, ptr, len) == 0);
}

/* The count decoded for word, or -1 when the payload lacks it; fails when
 * the word appears twice. */
static long long s_count_of(proto_pairs_t *p, const char *word)
{
    long long found = -1;
    for (size_t i = 0; i < p->count; i++) {
        mr_bytes_t k, v;
        proto_pairs_get(p, i, &k, &v);
        if (s_eq(k, word, strlen(word))) {
            assert_int_equal(found, -1);
            found = (long long)s_u64(v);
        }
    }
    return found;
}

/* ---- Tests. ---- */

/* 1. The usage example: map a chunk's records, get its RESULT payload. */
static void test_usage(void **state)
{
    (void)state;
    calls_t calls = { 0 };
    collect_t *c = collect_new(NULL, NULL, (size_t)1 << 20); /* no combiner */
    const char *records[] = { "to be", "or not to be" };
    s_map_chunk(c, &s_sum, &calls, records, 2);
    assert_int_equal(calls.maps, 2);

    proto_pairs_t p;
    s_finish_decode(c, &p);
    /* Every emitted pair, in emit order. */
    const char *words[] = { "to", "be", "or", "not", "to", "be" };
    assert_int_equal(p.count, 6);
    for (size_t i = 0; i < p.count; i++) {
        mr_bytes_t k, v;
        proto_pairs_get(&p, i, &k, &v);
        assert_true(s_eq(k, words[i], strlen(words[i])));
        assert_int_equal(s_u64(v), 1);
    }
    proto_pairs_fini(&p);
    collect_destroy(&c);
    assert_null(c);
    collect_destroy(&c); /* accepts NULL */
}

static void test_plain_keeps_order_and_bytes(void **state)
{
    (void)state;
    collect_t *c = collect_new(NULL, NULL, (size_t)1 << 20);
    collect_begin(c);
    mr_emitter_t *out = collect_emitter(c);
    struct {
        const char *k; /* key bytes */
        size_t kl;     /* key length */
        const char *v; /* value bytes */
        size_t vl;     /* value length */
    } pairs[] = {
        { "b", 1, "2", 1 },
        { "a", 1, "1", 1 },
        { "b", 1, "2", 1 },            /* duplicates kept */
        { NULL, 0, "value only", 10 }, /* mr_emit_value */
        { "empty value", 11, NULL, 0 },
        { "\0\xff\n\t", 4, "\x80\0", 2 }, /* any bytes */
    };
    const size_t n = sizeof pairs / sizeof *pairs;
    for (size_t i = 0; i < n; i++)
        assert_int_equal(mr_emit(out, pairs[i].k, pairs[i].kl, pairs[i].v, pairs[i].vl), 0);
    assert_int_equal(collect_error(c, NULL), 0);

    proto_pairs_t p;
    s_finish_decode(c, &p);
    assert_int_equal(p.count, n);
    for (size_t i = 0; i < n; i++) {
        mr_bytes_t k, v;
        proto_pairs_get(&p, i, &k, &v);
        assert_true(s_eq(k, pairs[i].k, pairs[i].kl));
        assert_true(s_eq(v, pairs[i].v, pairs[i].vl));
    }
    proto_pairs_fini(&p);

    /* A large payload, many pairs. */
    collect_begin(c);
    for (uint64_t i = 0; i < 20000; i++) {
        char key[32];
        int kl = snprintf(key, sizeof key, "key%llu", (unsigned long long)i);
        assert_int_equal(mr_emit(out, key, (size_t)kl, &i, sizeof i), 0);
    }
    s_finish_decode(c, &p);
    assert_int_equal(p.count, 20000);
    for (uint64_t i = 0; i < 20000; i += 999) {
        mr_bytes_t k, v;
        proto_pairs_get(&p, (size_t)i, &k, &v);
        assert_int_equal(s_u64(v), i);
    }
    proto_pairs_fini(&p);
    collect_destroy(&c);
}

/* collect_begin forgets the previous chunk. */
static void test_begin_resets(void **state)
{
    (void)state;
    calls_t calls = { 0 };
    for (int combining = 0; combining < 2; combining++) {
        collect_t *c = collect_new(combining ? &s_sum : NULL, &calls, (size_t)1 << 20);
        const char *first[] = { "one two three" };
        s_map_chunk(c, &s_sum, &calls, first, 1);
        proto_pairs_t p;
        s_finish_decode(c, &p);
        assert_int_equal(p.count, 3);
        proto_pairs_fini(&p);

        const char *second[] = { "four" };
        s_map_chunk(c, &s_sum, &calls, second, 1);
        s_finish_decode(c, &p);
        assert_int_equal(p.count, 1);
        assert_int_equal(s_count_of(&p, "four"), 1);
        assert_int_equal(s_count_of(&p, "one"), -1);
        proto_pairs_fini(&p);

        /* An empty chunk is an empty array. */
        collect_begin(c);
        s_finish_decode(c, &p);
        assert_int_equal(p.count, 0);
        proto_pairs_fini(&p);
        collect_destroy(&c);
    }
}

static void test_combiner_one_pair_per_key(void **state)
{
    (void)state;
    calls_t calls = { 0 };
    collect_t *c = collect_new(&s_sum, &calls, (size_t)1 << 20);
    const char *records[] = { "a b a", "c a b", "", "a" };
    s_map_chunk(c, &s_sum, &calls, records, 4);
    /* 7 words, 3 distinct: 4 merges. */
    assert_int_equal(calls.combines, 4);
    assert_int_equal(collect_emits(c), 7);

    proto_pairs_t p;
    s_finish_decode(c, &p);
    assert_int_equal(p.count, 3);
    assert_int_equal(s_count_of(&p, "a"), 4);
    assert_int_equal(s_count_of(&p, "b"), 2);
    assert_int_equal(s_count_of(&p, "c"), 1);
    proto_pairs_fini(&p);

    /* Many distinct keys (the table grows), each seen several times. */
    calls.combines = 0;
    collect_begin(c);
    mr_emitter_t *out = collect_emitter(c);
    for (unsigned round = 0; round < 3; round++) {
        for (unsigned k = 0; k < 3000; k++) {
            char key[16];
            int kl = snprintf(key, sizeof key, "w%u", k);
            uint64_t v = k;
            assert_int_equal(mr_emit(out, key, (size_t)kl, &v, sizeof v), 0);
        }
    }
    assert_int_equal(calls.combines, 6000);
    assert_int_equal(collect_emits(c), 9000); /* counted from collect_begin */
    s_finish_decode(c, &p);
    assert_int_equal(p.count, 3000);
    for (unsigned k = 0; k < 3000; k += 111) {
        char key[16];
        snprintf(key, sizeof key, "w%u", k);
        assert_int_equal(s_count_of(&p, key), 3 * (long long)k);
    }
    proto_pairs_fini(&p);
    collect_destroy(&c);
}

/* With combine_kind SUM_U64 the sums are the same and combine is never
 * called: keys of 0 to 16 bytes (counts.h) and longer ones (htab), chunk
 * after chunk. */
static void test_sum_kind_adds_without_calls(void **state)
{
    (void)state;
    calls_t calls = { 0 };
    collect_t *c = collect_new(&s_sum_kind, &calls, (size_t)1 << 20);
    for (unsigned chunk = 0; chunk < 3; chunk++) {
        const char *records[] = {
            "a bb a sixteen-bytes-ab seventeen-bytes-ab",
            "sixteen-bytes-ab seventeen-bytes-ab a much-longer-than-sixteen-bytes",
            "",
            "fifteen-bytes-a eight-ch eight-ch",
        };
        s_map_chunk(c, &s_sum_kind, &calls, records, 4);
        assert_int_equal(collect_emits(c), 12);
        proto_pairs_t p;
        s_finish_decode(c, &p);
        assert_int_equal(p.count, 7);
        assert_int_equal(s_count_of(&p, "a"), 3);
        assert_int_equal(s_count_of(&p, "bb"), 1);
        assert_int_equal(s_count_of(&p, "eight-ch"), 2);
        assert_int_equal(s_count_of(&p, "fifteen-bytes-a"), 1);
        assert_int_equal(s_count_of(&p, "sixteen-bytes-ab"), 2);
        assert_int_equal(s_count_of(&p, "seventeen-bytes-ab"), 2);
        assert_int_equal(s_count_of(&p, "much-longer-than-sixteen-bytes"), 1);
        assert_int_equal(s_count_of(&p, ""), -1);
        proto_pairs_fini(&p);
    }
    assert_int_equal(calls.combines, 0);

    /* The empty key is a key like any other. */
    collect_begin(c);
    mr_emitter_t *out = collect_emitter(c);
    const uint64_t one = 1;
    assert_int_equal(mr_emit(out, "k", 1, &one, 8), 0);
    assert_int_equal(mr_emit(out, "", 0, &one, 8), 0);
    assert_int_equal(mr_emit(out, "", 0, &one, 8), 0);
    proto_pairs_t p;
    s_finish_decode(c, &p);
    assert_int_equal(p.count, 2);
    assert_int_equal(s_count_of(&p, "k"), 1);
    assert_int_equal(s_count_of(&p, ""), 2);
    proto_pairs_fini(&p);
    collect_destroy(&c);
}

/* A chunk whose first COLLECT_SAMPLE emits are all distinct keys stops
 * combining: the rest go out as emitted, a key repeated after the sample
 * in two pairs whose counts add up to its own; the next chunk, with
 * repeats, combines again. */
static void test_sample_stops_combining(void **state)
{
    (void)state;
    calls_t calls = { 0 };
    /* The engine's sum (the counts table) and a combine called per pair
     * (htab). */
    const mr_plugin_t *const kinds[] = { &s_sum_kind, &s_sum };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        collect_t *c = collect_new(kinds[k], &calls, (size_t)1 << 26);
        collect_begin(c);
        mr_emitter_t *out = collect_emitter(c);
        const uint64_t one = 1;
        char key[32];
        const unsigned n = COLLECT_SAMPLE + 1000;
        for (unsigned i = 0; i < n; i++) {
            int len = snprintf(key, sizeof key, "k%u", i);
            assert_int_equal(mr_emit(out, key, (size_t)len, &one, 8), 0);
        }
        /* k0 again, twice, after the sample: two more pairs of it. */
        assert_int_equal(mr_emit(out, "k0", 2, &one, 8), 0);
        assert_int_equal(mr_emit(out, "k0", 2, &one, 8), 0);
        proto_pairs_t p;
        s_finish_decode(c, &p);
        assert_int_equal(p.count, n + 2);
        uint64_t k0 = 0;
        for (size_t i = 0; i < p.count; i++) {
            mr_bytes_t kb, vb;
            proto_pairs_get(&p, i, &kb, &vb);
            if (s_eq(kb, "k0", 2))
                k0 += s_u64(vb);
        }
        assert_int_equal(k0, 3);
        proto_pairs_fini(&p);

        /* A chunk of repeats combines from the start again. */
        collect_begin(c);
        out = collect_emitter(c);
        for (unsigned i = 0; i < n; i++) {
            int len = snprintf(key, sizeof key, "r%u", i % 100);
            assert_int_equal(mr_emit(out, key, (size_t)len, &one, 8), 0);
        }
        s_finish_decode(c, &p);
        assert_int_equal(p.count, 100);
        assert_int_equal(s_count_of(&p, "r7"), n / 100 + (7 < n % 100));
        proto_pairs_fini(&p);
        collect_destroy(&c);
    }
}

/* A combiner plugin without combine means no combining. */
static void test_combiner_without_combine(void **state)
{
    (void)state;
    calls_t calls = { 0 };
    collect_t *c = collect_new(&s_sum_nocombine, &calls, (size_t)1 << 20);
    const char *records[] = { "x x x" };
    s_map_chunk(c, &s_sum_nocombine, &calls, records, 1);
    proto_pairs_t p;
    s_finish_decode(c, &p);
    assert_int_equal(p.count, 3);
    proto_pairs_fini(&p);
    collect_destroy(&c);
}

static void test_cap_too_small(void **state)
{
    (void)state;
    char value[100];
    memset(value, 'v', sizeof value);

    /* Without combiner: the emit that passes the cap fails at once. */
    collect_t *c = collect_new(NULL, NULL, 64);
    collect_begin(c);
    mr_emitter_t *out = collect_emitter(c);
    assert_int_equal(mr_emit(out, "k", 1, "small", 5), 0);
    assert_int_equal(mr_emit(out, "k", 1, value, sizeof value), -EMSGSIZE);
    /* The chunk stays failed: later emits are refused too. */
    assert_int_not_equal(mr_emit(out, "k", 1, "small", 5), 0);
    err_t e;
    err_init(&e);
    assert_int_equal(collect_error(c, &e), -EMSGSIZE);
    assert_int_equal(e.code, -EMSGSIZE);
    assert_true(strlen(e.text) > 0);
    const buf_t *payload = NULL;
    err_init(&e);
    assert_int_equal(collect_finish(c, &payload, &e), -EMSGSIZE);
    assert_int_equal(e.code, -EMSGSIZE);

    /* The next chunk starts clean. */
    collect_begin(c);
    assert_int_equal(collect_error(c, NULL), 0);
    assert_int_equal(mr_emit(out, "k", 1, "small", 5), 0);
    proto_pairs_t p;
    s_finish_decode(c, &p);
    assert_int_equal(p.count, 1);
    proto_pairs_fini(&p);
    collect_destroy(&c);

    /* With combiner: pairs wait in the table; the cap shows at finish. */
    calls_t calls = { 0 };
    c = collect_new(&s_sum, &calls, 64);
    collect_begin(c);
    out = collect_emitter(c);
    for (unsigned k = 0; k < 20; k++) {
        char key[16];
        int kl = snprintf(key, sizeof key, "key%u", k);
        uint64_t one = 1;
        assert_int_equal(mr_emit(out, key, (size_t)kl, &one, sizeof one), 0);
    }
    err_init(&e);
    payload = NULL;
    assert_int_equal(collect_finish(c, &payload, &e), -EMSGSIZE);
    assert_int_equal(e.code, -EMSGSIZE);
    collect_destroy(&c);
}

static void test_combine_must_emit_once(void **state)
{
    (void)state;
    const mr_plugin_t silent = { .abi_version = MR_ABI_VERSION, .combine = s_combine_silent };
    const mr_plugin_t twice = { .abi_version = MR_ABI_VERSION, .combine = s_combine_twice };
    const mr_plugin_t *plugins[] = { &silent, &twice };
    for (size_t i = 0; i < 2; i++) {
        collect_t *c = collect_new(plugins[i], NULL, (size_t)1 << 20);
        collect_begin(c);
        mr_emitter_t *out = collect_emitter(c);
        assert_int_equal(mr_emit(out, "k", 1, "1", 1), 0); /* first value: no combine */
        assert_int_equal(mr_emit(out, "k", 1, "2", 1), -EINVAL);
        err_t e;
        err_init(&e);
        assert_int_equal(collect_error(c, &e), -EINVAL);
        assert_non_null(strstr(e.text, "combine"));
        const buf_t *payload = NULL;
        assert_int_equal(collect_finish(c, &payload, &e), -EINVAL);
        collect_destroy(&c);
    }
}

static void test_combine_error_reported(void **state)
{
    (void)state;
    const mr_plugin_t failing = { .abi_version = MR_ABI_VERSION, .combine = s_combine_fails };
    collect_t *c = collect_new(&failing, NULL, (size_t)1 << 20);
    collect_begin(c);
    mr_emitter_t *out = collect_emitter(c);
    assert_int_equal(mr_emit(out, "k", 1, "1", 1), 0);
    assert_int_equal(mr_emit(out, "k", 1, "2", 1), -ECANCELED);
    /* The first error sticks: a later emit of a new key is refused. */
    assert_int_equal(mr_emit(out, "other", 5, "3", 1), -ECANCELED);
    err_t e;
    err_init(&e);
    assert_int_equal(collect_error(c, &e), -ECANCELED);
    assert_non_null(strstr(e.text, "combine"));
    assert_non_null(strstr(e.text, "5"));
    const buf_t *payload = NULL;
    err_init(&e);
    assert_int_equal(collect_finish(c, &payload, &e), -ECANCELED);
    assert_int_equal(e.code, -ECANCELED);

    collect_begin(c);
    assert_int_equal(collect_error(c, NULL), 0);
    collect_destroy(&c);
}

/* mr_emit_value gives an empty key with a NULL pointer: with a combiner it
 * is one more key, merged like the others.  Last in the list: a sanitizer
 * build stops the whole program when this fails. */
/* Lines mode: each emit becomes its finished output line. */
static void test_lines_mode(void **state)
{
    (void)state;
    collect_t *c = collect_new_lines((size_t)1 << 20, '\n');
    assert_true(collect_is_lines(c));
    collect_begin(c);
    mr_emitter_t *out = collect_emitter(c);
    assert_int_equal(mr_emit(out, "k", 1, "v", 1), 0);
    assert_int_equal(mr_emit_value(out, "only", 4), 0);
    assert_int_equal(mr_emit_value(out, NULL, 0), 0);
    const buf_t *payload = NULL;
    err_t e;
    err_init(&e);
    assert_int_equal(collect_finish(c, &payload, &e), 0);
    assert_int_equal(collect_lines(c), 3);
    assert_int_equal(payload->len, 10);
    assert_memory_equal(payload->data, "k\tv\nonly\n\n", 10);
    collect_begin(c);
    assert_int_equal(collect_lines(c), 0);
    collect_destroy(&c);
    assert_null(c);

    /* -0: lines end in NUL. */
    c = collect_new_lines((size_t)1 << 20, '\0');
    collect_begin(c);
    out = collect_emitter(c);
    assert_int_equal(mr_emit(out, "k", 1, "v", 1), 0);
    assert_int_equal(mr_emit_value(out, "only", 4), 0);
    assert_int_equal(collect_finish(c, &payload, &e), 0);
    assert_int_equal(payload->len, 9);
    assert_memory_equal(payload->data, "k\tv\0only\0", 9);
    collect_destroy(&c);
}

/* Lines written into borrowed memory (a mapper's result slot) stay there
 * while they fit; past it they move to the collector's own payload, whole
 * and in order, and the memory is never written past its size. */
static void test_lines_in_place(void **state)
{
    (void)state;
    collect_t *c = collect_new_lines((size_t)1 << 20, '\n');
    char mem[16];
    memset(mem, '#', sizeof mem);
    collect_begin_into(c, mem, 12);
    mr_emitter_t *out = collect_emitter(c);
    assert_int_equal(mr_emit(out, "k", 1, "v", 1), 0);
    assert_int_equal(mr_emit_value(out, "only", 4), 0);
    const buf_t *payload = NULL;
    err_t e;
    err_init(&e);
    assert_int_equal(collect_finish(c, &payload, &e), 0);
    assert_true(collect_in_place(c));
    assert_ptr_equal(payload->data, mem);
    assert_int_equal(payload->len, 9);
    assert_memory_equal(mem, "k\tv\nonly\n", 9);

    collect_begin_into(c, mem, 12);
    assert_int_equal(mr_emit_value(out, "abcdef", 6), 0);
    assert_int_equal(mr_emit_value(out, "ghijkl", 6), 0); /* 14 bytes: over 12 */
    assert_int_equal(mr_emit_value(out, "m", 1), 0);
    assert_int_equal(collect_finish(c, &payload, &e), 0);
    assert_false(collect_in_place(c));
    assert_ptr_not_equal(payload->data, mem);
    assert_int_equal(payload->len, 16);
    assert_memory_equal(payload->data, "abcdef\nghijkl\nm\n", 16);
    assert_memory_equal(mem + 12, "####", 4);
    assert_int_equal(collect_lines(c), 3);

    /* The next chunk starts in its own place again, or in the payload. */
    collect_begin(c);
    assert_int_equal(mr_emit_value(out, "x", 1), 0);
    assert_int_equal(collect_finish(c, &payload, &e), 0);
    assert_false(collect_in_place(c));
    assert_int_equal(payload->len, 2);
    collect_destroy(&c);
}

static void test_combiner_empty_key(void **state)
{
    (void)state;
    calls_t calls = { 0 };
    collect_t *c = collect_new(&s_sum, &calls, (size_t)1 << 20);
    collect_begin(c);
    mr_emitter_t *out = collect_emitter(c);
    uint64_t v = 3;
    assert_int_equal(mr_emit(out, "", 0, &v, sizeof v), 0);
    v = 2;
    assert_int_equal(mr_emit_value(out, &v, sizeof v), 0);
    uint64_t x = 7;
    assert_int_equal(mr_emit(out, "x", 1, &x, sizeof x), 0);
    assert_int_equal(calls.combines, 1);
    proto_pairs_t p;
    s_finish_decode(c, &p);
    assert_int_equal(p.count, 2);
    assert_int_equal(s_count_of(&p, ""), 5);
    assert_int_equal(s_count_of(&p, "x"), 7);
    proto_pairs_fini(&p);
    collect_destroy(&c);
}

/* With partitions (mr-run -R 3), every key lands in its partition's
 * payload only, combined, and each payload is a valid pairs frame, empty
 * ones included; every mode of collecting splits alike. */
static void test_partitions_split_by_key(void **state)
{
    (void)state;
    const mr_plugin_t *plugins[] = { NULL, &s_sum, &s_sum_kind };
    const char *records[] = { "to be or not to be", "a-key-longer-than-sixteen-bytes to",
                              "that is the question" };
    for (size_t k = 0; k < 3; k++) {
        calls_t calls = { 0 };
        collect_t *c = collect_new(plugins[k], &calls, (size_t)1 << 20);
        collect_set_partitions(c, 3);
        assert_int_equal(collect_partitions(c), 3);
        for (int round = 0; round < 2; round++) { /* begin resets every part */
            s_map_chunk(c, &s_sum, &calls, records, 3);
            err_t e;
            err_init(&e);
            const buf_t *payload = NULL;
            assert_int_equal(collect_finish(c, &payload, &e), 0);
            assert_ptr_equal(payload, collect_part(c, 0));
            long long to = 0;
            uint64_t pairs = 0;
            for (uint32_t i = 0; i < 3; i++) {
                proto_pairs_t p;
                const buf_t *b = collect_part(c, i);
                assert_int_equal(proto_pairs_decode(b->data, b->len, &p, &e), 0);
                assert_int_equal(p.count, collect_part_pairs(c, i));
                pairs += p.count;
                for (size_t j = 0; j < p.count; j++) {
                    mr_bytes_t key, v;
                    proto_pairs_get(&p, j, &key, &v);
                    assert_int_equal(partition_of(key.ptr, key.len, 3), i);
                    if (s_eq(key, "to", 2))
                        to += (long long)s_u64(v);
                }
                proto_pairs_fini(&p);
            }
            assert_int_equal(to, 3);
            assert_int_equal(pairs, plugins[k] ? 9 : 12);
        }
        collect_destroy(&c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_plain_keeps_order_and_bytes),
        cmocka_unit_test(test_begin_resets),
        cmocka_unit_test(test_combiner_one_pair_per_key),
        cmocka_unit_test(test_sum_kind_adds_without_calls),
        cmocka_unit_test(test_sample_stops_combining),
        cmocka_unit_test(test_combiner_without_combine),
        cmocka_unit_test(test_cap_too_small),
        cmocka_unit_test(test_combine_must_emit_once),
        cmocka_unit_test(test_combine_error_reported),
        cmocka_unit_test(test_combiner_empty_key),
        cmocka_unit_test(test_lines_mode),
        cmocka_unit_test(test_lines_in_place),
        cmocka_unit_test(test_partitions_split_by_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
