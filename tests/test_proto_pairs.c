/*
 * test_proto_pairs.c - tests proto/wire/proto_pairs.c, the codec of a RESULT's
 * payload (one array32 of key, value binaries).
 *
 * begin/add/end then decode round-trips 0, 1 and 10000 pairs, empty and
 * binary keys and values; decoded keys and values point into the frame (zero
 * copy); decode rejects odd counts, non-binary elements, non-arrays,
 * truncations and a patched count larger than the content; and the buffer's
 * cap turns into -EMSGSIZE.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proto_pairs.h"

#include <msgpack.h>
#include <stdbool.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decodes data[0..len) expecting failure with -EBADMSG; the caller's cleanup
 * (proto_pairs_fini) must be safe after a failed decode. */
static void s_expect_bad(const void *data, size_t len)
{
    proto_pairs_t p;
    err_t e;
    err_init(&e);
    int rc = proto_pairs_decode(data, len, &p, &e);
    assert_int_equal(rc, -EBADMSG);
    assert_int_equal(e.code, -EBADMSG);
    assert_true(e.text[0] != '\0');
    assert_int_equal(p.count, 0);
    proto_pairs_fini(&p);
    proto_pairs_fini(&p);
}

/* Whether [ptr, ptr + len) lies inside [base, base + size). */
static bool s_inside(const void *ptr, size_t len, const void *base, size_t size)
{
    const char *p = ptr;
    const char *b = base;
    return p >= b && p <= b + size && len <= (size_t)(b + size - p);
}

/* Usage: a mapper writes two pairs, the reducer reads them back. */
static void test_round_trip_usage(void **state)
{
    (void)state;
    buf_t payload;
    buf_init(&payload, 1 << 20);
    assert_int_equal(proto_pairs_begin(&payload), 0);
    assert_int_equal(proto_pairs_add(&payload, "the", 3, "1", 1), 0);
    assert_int_equal(proto_pairs_add(&payload, "cat", 3, "2", 1), 0);
    proto_pairs_end(&payload, 2);

    proto_pairs_t pairs;
    err_t e;
    err_init(&e);
    assert_int_equal(proto_pairs_decode(payload.data, payload.len, &pairs, &e), 0);
    assert_int_equal(pairs.count, 2);
    mr_bytes_t key, value;
    proto_pairs_get(&pairs, 0, &key, &value);
    assert_int_equal(key.len, 3);
    assert_memory_equal(key.ptr, "the", 3);
    assert_int_equal(value.len, 1);
    assert_memory_equal(value.ptr, "1", 1);
    proto_pairs_get(&pairs, 1, &key, &value);
    assert_memory_equal(key.ptr, "cat", 3);
    assert_memory_equal(value.ptr, "2", 1);
    proto_pairs_fini(&pairs);
    buf_fini(&payload);
}

static void test_zero_pairs(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 64);
    assert_int_equal(proto_pairs_begin(&b), 0);
    proto_pairs_end(&b, 0);
    static const unsigned char empty[] = { 0xdd, 0, 0, 0, 0 };
    assert_int_equal(b.len, sizeof empty);
    assert_memory_equal(b.data, empty, sizeof empty);

    proto_pairs_t p;
    assert_int_equal(proto_pairs_decode(b.data, b.len, &p, NULL), 0);
    assert_int_equal(p.count, 0);
    proto_pairs_fini(&p);
    proto_pairs_fini(&p); /* twice is safe */
    buf_fini(&b);
}

static void test_one_pair(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 64);
    assert_int_equal(proto_pairs_begin(&b), 0);
    assert_int_equal(proto_pairs_add(&b, "key", 3, "value", 5), 0);
    proto_pairs_end(&b, 1);
    assert_int_equal(b.len, 5 + 2 + 3 + 2 + 5);

    proto_pairs_t p;
    assert_int_equal(proto_pairs_decode(b.data, b.len, &p, NULL), 0);
    assert_int_equal(p.count, 1);
    mr_bytes_t k, v;
    proto_pairs_get(&p, 0, &k, &v);
    assert_int_equal(k.len, 3);
    assert_memory_equal(k.ptr, "key", 3);
    assert_int_equal(v.len, 5);
    assert_memory_equal(v.ptr, "value", 5);
    proto_pairs_fini(&p);
    buf_fini(&b);
}

/* 10000 pairs of varied sizes; the keys and values point into the frame. */
static void test_many_pairs_zero_copy(void **state)
{
    (void)state;
    enum { N = 10000 };
    buf_t b;
    buf_init(&b, 64 << 20);
    assert_int_equal(proto_pairs_begin(&b), 0);
    char key[32];
    static char value[600];
    for (size_t i = 0; i < sizeof value; i++)
        value[i] = (char)(i * 31);
    for (unsigned i = 0; i < N; i++) {
        int n = snprintf(key, sizeof key, "word-%u", i);
        /* Value sizes cross the bin8 / bin16 boundary. */
        assert_int_equal(proto_pairs_add(&b, key, (size_t)n, value, i % 600), 0);
    }
    proto_pairs_end(&b, N);

    proto_pairs_t p;
    err_t e;
    err_init(&e);
    assert_int_equal(proto_pairs_decode(b.data, b.len, &p, &e), 0);
    assert_int_equal(p.count, N);
    for (unsigned i = 0; i < N; i++) {
        mr_bytes_t k, v;
        proto_pairs_get(&p, i, &k, &v);
        int n = snprintf(key, sizeof key, "word-%u", i);
        assert_int_equal(k.len, (size_t)n);
        assert_memory_equal(k.ptr, key, k.len);
        assert_int_equal(v.len, i % 600);
        if (v.len)
            assert_memory_equal(v.ptr, value, v.len);
        /* Zero copy: both point into the payload itself. */
        assert_true(s_inside(k.ptr, k.len, b.data, b.len));
        assert_true(s_inside(v.ptr, v.len, b.data, b.len));
    }
    proto_pairs_fini(&p);
    buf_fini(&b);
}

static void test_empty_and_binary(void **state)
{
    (void)state;
    unsigned char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;

    buf_t b;
    buf_init(&b, 4096);
    assert_int_equal(proto_pairs_begin(&b), 0);
    assert_int_equal(proto_pairs_add(&b, "", 0, "", 0), 0);
    assert_int_equal(proto_pairs_add(&b, NULL, 0, "v", 1), 0); /* mr_bytes_t allows NULL */
    assert_int_equal(proto_pairs_add(&b, "k", 1, NULL, 0), 0);
    assert_int_equal(proto_pairs_add(&b, "\0", 1, "\0\0", 2), 0);
    assert_int_equal(proto_pairs_add(&b, all, sizeof all, all, sizeof all), 0);
    proto_pairs_end(&b, 5);

    proto_pairs_t p;
    assert_int_equal(proto_pairs_decode(b.data, b.len, &p, NULL), 0);
    assert_int_equal(p.count, 5);
    mr_bytes_t k, v;
    proto_pairs_get(&p, 0, &k, &v);
    assert_int_equal(k.len, 0);
    assert_int_equal(v.len, 0);
    proto_pairs_get(&p, 1, &k, &v);
    assert_int_equal(k.len, 0);
    assert_int_equal(v.len, 1);
    assert_memory_equal(v.ptr, "v", 1);
    proto_pairs_get(&p, 2, &k, &v);
    assert_int_equal(k.len, 1);
    assert_int_equal(v.len, 0);
    proto_pairs_get(&p, 3, &k, &v);
    assert_int_equal(k.len, 1);
    assert_memory_equal(k.ptr, "\0", 1);
    assert_int_equal(v.len, 2);
    assert_memory_equal(v.ptr, "\0\0", 2);
    proto_pairs_get(&p, 4, &k, &v);
    assert_int_equal(k.len, 256);
    assert_memory_equal(k.ptr, all, 256);
    assert_int_equal(v.len, 256);
    assert_memory_equal(v.ptr, all, 256);
    proto_pairs_fini(&p);
    buf_fini(&b);
}

/* begin drops what the buffer held, so one buffer serves chunk after chunk. */
static void test_begin_resets(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 4096);
    assert_int_equal(proto_pairs_begin(&b), 0);
    assert_int_equal(proto_pairs_add(&b, "old", 3, "1", 1), 0);
    proto_pairs_end(&b, 1);

    assert_int_equal(proto_pairs_begin(&b), 0);
    assert_int_equal(proto_pairs_add(&b, "new", 3, "2", 1), 0);
    proto_pairs_end(&b, 1);
    proto_pairs_t p;
    assert_int_equal(proto_pairs_decode(b.data, b.len, &p, NULL), 0);
    assert_int_equal(p.count, 1);
    mr_bytes_t k, v;
    proto_pairs_get(&p, 0, &k, &v);
    assert_memory_equal(k.ptr, "new", 3);
    proto_pairs_fini(&p);
    buf_fini(&b);
}

/* Packs an arbitrary object with msgpack-c for the decoder to refuse. */
typedef void (*pack_fn)(msgpack_packer *pk);

static void s_expect_bad_packed(pack_fn fn)
{
    msgpack_sbuffer sbuf;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sbuf);
    msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
    fn(&pk);
    s_expect_bad(sbuf.data, sbuf.size);
    msgpack_sbuffer_destroy(&sbuf);
}

static void s_pack_odd(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 3);
    msgpack_pack_bin_with_body(pk, "k", 1);
    msgpack_pack_bin_with_body(pk, "v", 1);
    msgpack_pack_bin_with_body(pk, "k", 1);
}

static void s_pack_one_bin(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 1);
    msgpack_pack_bin_with_body(pk, "k", 1);
}

static void s_pack_str_key(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 2);
    msgpack_pack_str_with_body(pk, "k", 1);
    msgpack_pack_bin_with_body(pk, "v", 1);
}

static void s_pack_int_value(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 4);
    msgpack_pack_bin_with_body(pk, "k", 1);
    msgpack_pack_bin_with_body(pk, "v", 1);
    msgpack_pack_bin_with_body(pk, "k", 1);
    msgpack_pack_uint32(pk, 1);
}

static void s_pack_nil_value(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 2);
    msgpack_pack_bin_with_body(pk, "k", 1);
    msgpack_pack_nil(pk);
}

static void s_pack_nested(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 2);
    msgpack_pack_array(pk, 1);
    msgpack_pack_bin_with_body(pk, "k", 1);
    msgpack_pack_bin_with_body(pk, "v", 1);
}

static void s_pack_map(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 1);
    msgpack_pack_bin_with_body(pk, "k", 1);
    msgpack_pack_bin_with_body(pk, "v", 1);
}

static void s_pack_bin(msgpack_packer *pk)
{
    msgpack_pack_bin_with_body(pk, "kv", 2);
}

static void s_pack_uint(msgpack_packer *pk)
{
    msgpack_pack_uint32(pk, 0);
}

static void s_pack_nil(msgpack_packer *pk)
{
    msgpack_pack_nil(pk);
}

static void test_rejects_odd_count(void **state)
{
    (void)state;
    s_expect_bad_packed(s_pack_odd);
    s_expect_bad_packed(s_pack_one_bin);

    /* The writer's own framing with an odd element count patched in. */
    buf_t b;
    buf_init(&b, 64);
    assert_int_equal(proto_pairs_begin(&b), 0);
    assert_int_equal(proto_pairs_add(&b, "k", 1, "v", 1), 0);
    assert_int_equal(buf_append(&b, "\xc4\x01k", 3), 0); /* a lone key */
    proto_pairs_end(&b, 1);
    ((unsigned char *)b.data)[4] = 3;
    s_expect_bad(b.data, b.len);
    buf_fini(&b);
}

static void test_rejects_non_binary_elements(void **state)
{
    (void)state;
    s_expect_bad_packed(s_pack_str_key);
    s_expect_bad_packed(s_pack_int_value);
    s_expect_bad_packed(s_pack_nil_value);
    s_expect_bad_packed(s_pack_nested);
}

static void test_rejects_non_array(void **state)
{
    (void)state;
    s_expect_bad_packed(s_pack_map);
    s_expect_bad_packed(s_pack_bin);
    s_expect_bad_packed(s_pack_uint);
    s_expect_bad_packed(s_pack_nil);
    s_expect_bad(NULL, 0);
    s_expect_bad("\xc1", 1);
}

/* Builds a three-pair payload into b. */
static void s_three_pairs(buf_t *b)
{
    buf_init(b, 4096);
    assert_int_equal(proto_pairs_begin(b), 0);
    assert_int_equal(proto_pairs_add(b, "alpha", 5, "1", 1), 0);
    assert_int_equal(proto_pairs_add(b, "", 0, "", 0), 0);
    assert_int_equal(proto_pairs_add(b, "gamma", 5, "three", 5), 0);
    proto_pairs_end(b, 3);
}

static void test_rejects_truncated(void **state)
{
    (void)state;
    buf_t b;
    s_three_pairs(&b);
    for (size_t len = 0; len < b.len; len++) {
        /* Each prefix in its own allocation, so ASan sees a read past it. */
        char *copy = malloc(len ? len : 1);
        memcpy(copy, b.data, len);
        s_expect_bad(copy, len);
        free(copy);
    }
    /* One byte too many is refused as well. */
    assert_int_equal(buf_append(&b, "\xc0", 1), 0);
    s_expect_bad(b.data, b.len);
    buf_fini(&b);
}

/* A count that claims more (or fewer) pairs than the frame holds. */
static void test_rejects_patched_count(void **state)
{
    (void)state;
    buf_t b;
    s_three_pairs(&b);
    proto_pairs_end(&b, 4);
    s_expect_bad(b.data, b.len);
    proto_pairs_end(&b, UINT32_MAX / 2);
    s_expect_bad(b.data, b.len);
    proto_pairs_end(&b, 2); /* fewer: the last pair becomes trailing bytes */
    s_expect_bad(b.data, b.len);
    proto_pairs_end(&b, 3);
    proto_pairs_t p;
    assert_int_equal(proto_pairs_decode(b.data, b.len, &p, NULL), 0);
    assert_int_equal(p.count, 3);
    proto_pairs_fini(&p);

    /* The raw attack: a 5-byte array32 claiming 2^32 - 1 elements. */
    static const unsigned char huge[] = { 0xdd, 0xff, 0xff, 0xff, 0xfe };
    s_expect_bad(huge, sizeof huge);
    buf_fini(&b);
}

/* The cap is exact: a payload of exactly max bytes fits, one more byte not. */
static void test_cap(void **state)
{
    (void)state;
    /* header 5 + (bin8 2 + "key" 3) + (bin8 2 + "v" 1) = 13 bytes */
    buf_t b;
    buf_init(&b, 13);
    assert_int_equal(proto_pairs_begin(&b), 0);
    assert_int_equal(proto_pairs_add(&b, "key", 3, "v", 1), 0);
    assert_int_equal(b.len, 13);
    assert_int_equal(proto_pairs_add(&b, "", 0, "", 0), -EMSGSIZE);
    assert_true(b.len <= b.max);
    buf_fini(&b);

    buf_init(&b, 12);
    assert_int_equal(proto_pairs_begin(&b), 0);
    assert_int_equal(proto_pairs_add(&b, "key", 3, "v", 1), -EMSGSIZE);
    assert_true(b.len <= 12);
    buf_fini(&b);

    /* Not even room for the header. */
    buf_init(&b, 4);
    assert_int_equal(proto_pairs_begin(&b), -EMSGSIZE);
    buf_fini(&b);

    /* Fill a 64 KiB payload pair by pair until the cap says no; the pairs
     * accepted before that still make a valid payload. */
    buf_init(&b, 64 * 1024);
    assert_int_equal(proto_pairs_begin(&b), 0);
    unsigned n = 0;
    size_t good_len = b.len;
    for (;;) {
        char key[16];
        int len = snprintf(key, sizeof key, "k%u", n);
        int rc = proto_pairs_add(&b, key, (size_t)len, "value", 5);
        if (rc < 0) {
            assert_int_equal(rc, -EMSGSIZE);
            break;
        }
        good_len = b.len;
        n++;
    }
    assert_true(n > 1000);
    assert_true(b.len <= 64 * 1024);
    b.len = good_len; /* drop a half-written pair, if any */
    proto_pairs_end(&b, n);
    proto_pairs_t p;
    assert_int_equal(proto_pairs_decode(b.data, b.len, &p, NULL), 0);
    assert_int_equal(p.count, n);
    proto_pairs_fini(&p);
    buf_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_usage),
        cmocka_unit_test(test_zero_pairs),
        cmocka_unit_test(test_one_pair),
        cmocka_unit_test(test_many_pairs_zero_copy),
        cmocka_unit_test(test_empty_and_binary),
        cmocka_unit_test(test_begin_resets),
        cmocka_unit_test(test_rejects_odd_count),
        cmocka_unit_test(test_rejects_non_binary_elements),
        cmocka_unit_test(test_rejects_non_array),
        cmocka_unit_test(test_rejects_truncated),
        cmocka_unit_test(test_rejects_patched_count),
        cmocka_unit_test(test_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
