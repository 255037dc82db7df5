/*
 * test_frame.c - tests proto/wire/frame.c, the structural gate every msgpack frame
 * passes before msgpack-c unpacks it.
 *
 * Valid objects of every msgpack format are built with msgpack-c's own packer
 * and must be accepted; empty, truncated, trailing, over-deep, oversized-header
 * (a 5-byte array32 claiming 2^32 elements) and 0xc1 frames must be rejected
 * with -EBADMSG; and seeded random garbage must never crash.  Whatever
 * frame_check accepts is cross-checked against msgpack-c, which must then
 * consume exactly the whole frame.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "frame.h"

#include <errno.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

/* Runs frame_check with the production depth cap and checks that the err_t
 * agrees with the return value. */
static int s_check(const void *data, size_t len)
{
    err_t e;
    err_init(&e);
    int rc = frame_check(data, len, FRAME_MAX_DEPTH, &e);
    assert_int_equal(e.code, rc);
    if (rc < 0)
        assert_true(e.text[0] != '\0');
    else
        assert_string_equal(e.text, "");
    return rc;
}

/* Whether msgpack-c unpacks data[0..len) as one object consuming every byte. */
static bool s_msgpack_takes_all(const void *data, size_t len)
{
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    msgpack_unpack_return ret = msgpack_unpack_next(&up, data, len, &off);
    msgpack_unpacked_destroy(&up);
    return ret == MSGPACK_UNPACK_SUCCESS && off == len;
}

/* A small deterministic PRNG (xorshift64*), so failures reproduce. */
static uint64_t s_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dULL;
}

/* One valid frame per msgpack format, with the type byte it must start with. */
typedef struct sample {
    const char *what;     /* the format, for failure messages */
    unsigned char type;   /* expected first byte (0 = do not check) */
    msgpack_sbuffer sbuf; /* the packed object */
} sample_t;

enum { N_SAMPLES = 38 };

/* Packs one object of every format into samples[], returning the count. */
static size_t s_build_samples(sample_t *samples)
{
    static char big[70000];
    memset(big, 'x', sizeof big);
    size_t n = 0;
    msgpack_packer pk;

#define SAMPLE(name, byte, ...)                                            \
    do {                                                                   \
        assert_true(n < N_SAMPLES);                                        \
        samples[n].what = (name);                                          \
        samples[n].type = (byte);                                          \
        msgpack_sbuffer_init(&samples[n].sbuf);                            \
        msgpack_packer_init(&pk, &samples[n].sbuf, msgpack_sbuffer_write); \
        __VA_ARGS__;                                                       \
        n++;                                                               \
    } while (0)

    SAMPLE("nil", 0xc0, assert_int_equal(msgpack_pack_nil(&pk), 0));
    SAMPLE("false", 0xc2, assert_int_equal(msgpack_pack_false(&pk), 0));
    SAMPLE("true", 0xc3, assert_int_equal(msgpack_pack_true(&pk), 0));
    SAMPLE("positive fixint", 0x7f, assert_int_equal(msgpack_pack_uint8(&pk, 127), 0));
    SAMPLE("negative fixint", 0xe0, assert_int_equal(msgpack_pack_int8(&pk, -32), 0));
    SAMPLE("uint8", 0xcc, assert_int_equal(msgpack_pack_fix_uint8(&pk, 200), 0));
    SAMPLE("uint16", 0xcd, assert_int_equal(msgpack_pack_fix_uint16(&pk, 60000), 0));
    SAMPLE("uint32", 0xce, assert_int_equal(msgpack_pack_fix_uint32(&pk, UINT32_MAX), 0));
    SAMPLE("uint64", 0xcf, assert_int_equal(msgpack_pack_fix_uint64(&pk, UINT64_MAX), 0));
    SAMPLE("int8", 0xd0, assert_int_equal(msgpack_pack_fix_int8(&pk, -100), 0));
    SAMPLE("int16", 0xd1, assert_int_equal(msgpack_pack_fix_int16(&pk, -30000), 0));
    SAMPLE("int32", 0xd2, assert_int_equal(msgpack_pack_fix_int32(&pk, INT32_MIN), 0));
    SAMPLE("int64", 0xd3, assert_int_equal(msgpack_pack_fix_int64(&pk, INT64_MIN), 0));
    SAMPLE("float32", 0xca, assert_int_equal(msgpack_pack_float(&pk, 1.5f), 0));
    SAMPLE("float64", 0xcb, assert_int_equal(msgpack_pack_double(&pk, -2.25), 0));
    SAMPLE("empty fixstr", 0xa0, assert_int_equal(msgpack_pack_str_with_body(&pk, "", 0), 0));
    SAMPLE("fixstr", 0xbf, assert_int_equal(msgpack_pack_str_with_body(&pk, big, 31), 0));
    SAMPLE("str8", 0xd9, assert_int_equal(msgpack_pack_str_with_body(&pk, big, 200), 0));
    SAMPLE("str16", 0xda, assert_int_equal(msgpack_pack_str_with_body(&pk, big, 3000), 0));
    SAMPLE("str32", 0xdb, assert_int_equal(msgpack_pack_str_with_body(&pk, big, sizeof big), 0));
    SAMPLE("empty bin8", 0xc4, assert_int_equal(msgpack_pack_bin_with_body(&pk, "", 0), 0));
    SAMPLE("bin16", 0xc5, assert_int_equal(msgpack_pack_bin_with_body(&pk, big, 3000), 0));
    SAMPLE("bin32", 0xc6, assert_int_equal(msgpack_pack_bin_with_body(&pk, big, sizeof big), 0));
    SAMPLE("fixext1", 0xd4, assert_int_equal(msgpack_pack_ext_with_body(&pk, big, 1, 5), 0));
    SAMPLE("fixext2", 0xd5, assert_int_equal(msgpack_pack_ext_with_body(&pk, big, 2, 5), 0));
    SAMPLE("fixext4", 0xd6, assert_int_equal(msgpack_pack_ext_with_body(&pk, big, 4, 5), 0));
    SAMPLE("fixext8", 0xd7, assert_int_equal(msgpack_pack_ext_with_body(&pk, big, 8, 5), 0));
    SAMPLE("fixext16", 0xd8, assert_int_equal(msgpack_pack_ext_with_body(&pk, big, 16, 5), 0));
    SAMPLE("ext8", 0xc7, assert_int_equal(msgpack_pack_ext_with_body(&pk, big, 3, -7), 0));
    SAMPLE("ext16", 0xc8, assert_int_equal(msgpack_pack_ext_with_body(&pk, big, 3000, 1), 0));
    SAMPLE("ext32", 0xc9, assert_int_equal(msgpack_pack_ext_with_body(&pk, big, sizeof big, 1), 0));
    SAMPLE("empty fixarray", 0x90, assert_int_equal(msgpack_pack_array(&pk, 0), 0));
    SAMPLE("array16", 0xdc, {
        assert_int_equal(msgpack_pack_array(&pk, 300), 0);
        for (int i = 0; i < 300; i++)
            assert_int_equal(msgpack_pack_int(&pk, i - 150), 0);
    });
    SAMPLE("array32", 0xdd, {
        assert_int_equal(msgpack_pack_array(&pk, 70000), 0);
        for (int i = 0; i < 70000; i++)
            assert_int_equal(msgpack_pack_nil(&pk), 0);
    });
    SAMPLE("empty fixmap", 0x80, assert_int_equal(msgpack_pack_map(&pk, 0), 0));
    SAMPLE("fixmap", 0x82, {
        assert_int_equal(msgpack_pack_map(&pk, 2), 0);
        assert_int_equal(msgpack_pack_str_with_body(&pk, "a", 1), 0);
        assert_int_equal(msgpack_pack_array(&pk, 1), 0);
        assert_int_equal(msgpack_pack_true(&pk), 0);
        assert_int_equal(msgpack_pack_uint64(&pk, 1), 0);
        assert_int_equal(msgpack_pack_map(&pk, 1), 0);
        assert_int_equal(msgpack_pack_nil(&pk), 0);
        assert_int_equal(msgpack_pack_bin_with_body(&pk, "\0", 1), 0);
    });
    SAMPLE("map16", 0xde, {
        assert_int_equal(msgpack_pack_map(&pk, 16), 0);
        for (int i = 0; i < 16; i++) {
            assert_int_equal(msgpack_pack_int(&pk, i), 0);
            assert_int_equal(msgpack_pack_double(&pk, i / 3.0), 0);
        }
    });
    SAMPLE("map32", 0xdf, {
        assert_int_equal(msgpack_pack_map(&pk, 66000), 0);
        for (int i = 0; i < 66000; i++) {
            assert_int_equal(msgpack_pack_uint32(&pk, (uint32_t)i), 0);
            assert_int_equal(msgpack_pack_false(&pk), 0);
        }
    });
#undef SAMPLE
    assert_int_equal(n, N_SAMPLES);
    return n;
}

static void s_free_samples(sample_t *samples, size_t n)
{
    for (size_t i = 0; i < n; i++)
        msgpack_sbuffer_destroy(&samples[i].sbuf);
}

/* A mixed frame of every scalar kind plus nested containers up to the cap:
 * the one a truncation or mutation test chews on. */
static void s_pack_mixed(msgpack_sbuffer *sbuf)
{
    msgpack_packer pk;
    msgpack_sbuffer_init(sbuf);
    msgpack_packer_init(&pk, sbuf, msgpack_sbuffer_write);
    assert_int_equal(msgpack_pack_array(&pk, 14), 0);
    assert_int_equal(msgpack_pack_nil(&pk), 0);
    assert_int_equal(msgpack_pack_true(&pk), 0);
    assert_int_equal(msgpack_pack_uint64(&pk, 7), 0);
    assert_int_equal(msgpack_pack_int64(&pk, -7), 0);
    assert_int_equal(msgpack_pack_uint64(&pk, UINT64_MAX), 0);
    assert_int_equal(msgpack_pack_int64(&pk, INT64_MIN), 0);
    assert_int_equal(msgpack_pack_float(&pk, 0.5f), 0);
    assert_int_equal(msgpack_pack_double(&pk, 0.25), 0);
    assert_int_equal(msgpack_pack_str_with_body(&pk, "hello", 5), 0);
    assert_int_equal(msgpack_pack_bin_with_body(&pk, "\0\1\2", 3), 0);
    assert_int_equal(msgpack_pack_ext_with_body(&pk, "abc", 3, 9), 0);
    assert_int_equal(msgpack_pack_map(&pk, 1), 0);
    assert_int_equal(msgpack_pack_str_with_body(&pk, "k", 1), 0);
    assert_int_equal(msgpack_pack_uint16(&pk, 1000), 0);
    /* [[["deep"]]]: four levels counting the outer array, exactly the cap. */
    assert_int_equal(msgpack_pack_array(&pk, 1), 0);
    assert_int_equal(msgpack_pack_array(&pk, 1), 0);
    assert_int_equal(msgpack_pack_array(&pk, 1), 0);
    assert_int_equal(msgpack_pack_str_with_body(&pk, "deep", 4), 0);
    assert_int_equal(msgpack_pack_array(&pk, 0), 0);
}

/* Usage: a frame built with msgpack-c passes the gate. */
static void test_accepts_a_packed_header(void **state)
{
    (void)state;
    msgpack_sbuffer sbuf;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sbuf);
    msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 3);
    msgpack_pack_uint32(&pk, 1);
    msgpack_pack_uint32(&pk, 2);
    msgpack_pack_str_with_body(&pk, "chunk", 5);

    err_t e;
    err_init(&e);
    assert_int_equal(frame_check(sbuf.data, sbuf.size, FRAME_MAX_DEPTH, &e), 0);
    assert_int_equal(e.code, 0);
    msgpack_sbuffer_destroy(&sbuf);
}

static void test_accepts_every_type(void **state)
{
    (void)state;
    sample_t samples[N_SAMPLES];
    size_t n = s_build_samples(samples);
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = (const unsigned char *)samples[i].sbuf.data;
        size_t len = samples[i].sbuf.size;
        if (p[0] != samples[i].type || !s_msgpack_takes_all(p, len) || s_check(p, len) != 0)
            fail_msg("%s (%zu bytes) is not accepted", samples[i].what, len);
    }
    s_free_samples(samples, n);
}

static void test_accepts_the_mixed_frame(void **state)
{
    (void)state;
    msgpack_sbuffer sbuf;
    s_pack_mixed(&sbuf);
    assert_true(s_msgpack_takes_all(sbuf.data, sbuf.size));
    assert_int_equal(s_check(sbuf.data, sbuf.size), 0);
    msgpack_sbuffer_destroy(&sbuf);
}

/* The size check must not be stricter than the truth: a 32-bit header whose
 * count is exactly backed by bytes is fine. */
static void test_accepts_long_headers_with_small_counts(void **state)
{
    (void)state;
    static const unsigned char array32[] = { 0xdd, 0, 0, 0, 3, 0xc0, 0xc0, 0xc0 };
    static const unsigned char map32[] = { 0xdf, 0, 0, 0, 1, 0x01, 0x02 };
    static const unsigned char str32[] = { 0xdb, 0, 0, 0, 2, 'h', 'i' };
    static const unsigned char bin32[] = { 0xc6, 0, 0, 0, 0 };
    static const unsigned char ext32[] = { 0xc9, 0, 0, 0, 1, 0x05, 0xaa };
    static const unsigned char array16[] = { 0xdc, 0, 0 };
    static const unsigned char map16[] = { 0xde, 0, 1, 0xc0, 0xc0 };
    assert_int_equal(s_check(array32, sizeof array32), 0);
    assert_int_equal(s_check(map32, sizeof map32), 0);
    assert_int_equal(s_check(str32, sizeof str32), 0);
    assert_int_equal(s_check(bin32, sizeof bin32), 0);
    assert_int_equal(s_check(ext32, sizeof ext32), 0);
    assert_int_equal(s_check(array16, sizeof array16), 0);
    assert_int_equal(s_check(map16, sizeof map16), 0);
}

static void test_rejects_empty_frame(void **state)
{
    (void)state;
    static const unsigned char one = 0xc0;
    assert_int_equal(s_check(&one, 0), -EBADMSG);
    assert_int_equal(s_check(NULL, 0), -EBADMSG);
}

/* Every proper prefix of a valid frame is truncated somewhere. */
static void test_rejects_every_truncation(void **state)
{
    (void)state;
    msgpack_sbuffer mixed;
    s_pack_mixed(&mixed);
    for (size_t len = 0; len < mixed.size; len++) {
        /* Copy the prefix to its own allocation so ASan catches a read past it. */
        unsigned char *copy = malloc(len ? len : 1);
        memcpy(copy, mixed.data, len);
        assert_int_equal(s_check(copy, len), -EBADMSG);
        free(copy);
    }
    msgpack_sbuffer_destroy(&mixed);

    sample_t samples[N_SAMPLES];
    size_t n = s_build_samples(samples);
    for (size_t i = 0; i < n; i++) {
        /* The big samples are walked to the end before a cut near the end is
         * found, so test every cut near both ends and a stride in between
         * rather than spend quadratic time. */
        size_t size = samples[i].sbuf.size;
        for (size_t len = 0; len < size; len++) {
            if (size > 4096 && len >= 64 && len + 64 < size && len % 997 != 0)
                continue;
            if (s_check(samples[i].sbuf.data, len) != -EBADMSG)
                fail_msg("%s cut to %zu of %zu bytes is accepted", samples[i].what, len, size);
        }
    }
    s_free_samples(samples, n);
}

static void test_rejects_trailing_bytes(void **state)
{
    (void)state;
    static const unsigned char nil_nil[] = { 0xc0, 0xc0 };
    static const unsigned char array_extra[] = { 0x91, 0x01, 0x02 };
    assert_int_equal(s_check(nil_nil, sizeof nil_nil), -EBADMSG);
    assert_int_equal(s_check(array_extra, sizeof array_extra), -EBADMSG);

    msgpack_sbuffer sbuf;
    s_pack_mixed(&sbuf);
    msgpack_sbuffer_write(&sbuf, "\0", 1);
    assert_int_equal(s_check(sbuf.data, sbuf.size), -EBADMSG);
    msgpack_sbuffer_destroy(&sbuf);
}

/* Headers announcing far more than the frame holds: msgpack-c would reserve
 * memory for them, so the gate must refuse them from the header alone. */
static void test_rejects_huge_counts(void **state)
{
    (void)state;
    static const struct {
        unsigned char bytes[8];
        size_t len;
    } cases[] = {
        { { 0xdd, 0xff, 0xff, 0xff, 0xff }, 5 },             /* array32 of 2^32-1 */
        { { 0xdd, 0x80, 0x00, 0x00, 0x00, 0xc0 }, 6 },       /* array32 of 2^31 */
        { { 0xdd, 0x00, 0x00, 0x00, 0x04, 0xc0, 0xc0 }, 7 }, /* array32, one short */
        { { 0xdc, 0xff, 0xff }, 3 },                         /* array16 of 65535 */
        { { 0xdf, 0xff, 0xff, 0xff, 0xff }, 5 },             /* map32 */
        { { 0xdf, 0x80, 0x00, 0x00, 0x00, 0xc0 }, 6 },       /* map32, count * 2 wraps 32 bits */
        { { 0xdf, 0x00, 0x00, 0x00, 0x02, 0xc0, 0xc0, 0xc0 }, 8 }, /* map needs 2n */
        { { 0xde, 0xff, 0xff }, 3 },                               /* map16 */
        { { 0x8f, 0xc0 }, 2 },                                     /* fixmap of 15 */
        { { 0x9f, 0xc0 }, 2 },                                     /* fixarray of 15 */
        { { 0xc6, 0xff, 0xff, 0xff, 0xff }, 5 },                   /* bin32 */
        { { 0xc5, 0xff, 0xff, 0x00 }, 4 },                         /* bin16 */
        { { 0xc4, 0xff, 0x00 }, 3 },                               /* bin8 */
        { { 0xdb, 0xff, 0xff, 0xff, 0xff }, 5 },                   /* str32 */
        { { 0xda, 0xff, 0xff }, 3 },                               /* str16 */
        { { 0xd9, 0x02, 'a' }, 3 },                                /* str8 */
        { { 0xbf, 'a' }, 2 },                                      /* fixstr of 31 */
        { { 0xc9, 0xff, 0xff, 0xff, 0xff, 0x01 }, 6 },             /* ext32 */
        { { 0xc9, 0x00, 0x00, 0x00, 0x00 }, 5 },                   /* ext32 without its type */
        { { 0xc7, 0x01, 0x01 }, 3 },                               /* ext8 without its data */
        { { 0xd8, 0x01, 0x00 }, 3 },                               /* fixext16 */
        { { 0xdd, 0xff, 0xff }, 3 },                               /* array32, header cut short */
        { { 0xc6, 0xff }, 2 },                                     /* bin32, header cut short */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* Exactly len bytes on the heap, so ASan sees any read past the end. */
        unsigned char *copy = malloc(cases[i].len);
        memcpy(copy, cases[i].bytes, cases[i].len);
        int rc = s_check(copy, cases[i].len);
        free(copy);
        if (rc != -EBADMSG)
            fail_msg("huge-count case %zu returned %d", i, rc);
    }

    err_t e;
    err_init(&e);
    static const unsigned char dd[] = { 0xdd, 0xff, 0xff, 0xff, 0xff };
    assert_int_equal(frame_check(dd, sizeof dd, FRAME_MAX_DEPTH, &e), -EBADMSG);
    assert_non_null(strstr(e.text, "count"));
}

/* The huge-count case inside a container: the inner header lies, the outer is fine. */
static void test_rejects_huge_counts_nested(void **state)
{
    (void)state;
    static const unsigned char frame[] = { 0x92, 0x01, 0xdd, 0xff, 0xff, 0xff, 0xff };
    static const unsigned char map[] = { 0x81, 0xc0, 0xdb, 0x7f, 0xff, 0xff, 0xff };
    assert_int_equal(s_check(frame, sizeof frame), -EBADMSG);
    assert_int_equal(s_check(map, sizeof map), -EBADMSG);
}

/* Builds depth nested one-element arrays (or maps) around a nil. */
static unsigned char *s_nested(size_t depth, bool maps, size_t *len)
{
    *len = maps ? 2 * depth + 1 : depth + 1;
    unsigned char *p = malloc(*len);
    size_t off = 0;
    for (size_t i = 0; i < depth; i++) {
        p[off++] = maps ? 0x81 : 0x91;
        if (maps)
            p[off++] = 0x01; /* the key; the value nests */
    }
    p[off++] = 0xc0;
    assert_int_equal(off, *len);
    return p;
}

static void test_nesting_cap(void **state)
{
    (void)state;
    for (int maps = 0; maps <= 1; maps++) {
        size_t len;
        unsigned char *p = s_nested(FRAME_MAX_DEPTH, maps, &len);
        assert_int_equal(s_check(p, len), 0);
        free(p);

        p = s_nested(FRAME_MAX_DEPTH + 1, maps, &len);
        assert_int_equal(s_check(p, len), -EBADMSG);
        free(p);

        /* Far deeper than any stack: must be refused at the cap, not recursed. */
        p = s_nested(1000000, maps, &len);
        assert_int_equal(s_check(p, len), -EBADMSG);
        free(p);
    }

    /* An empty container one level past the cap is still too deep. */
    static const unsigned char five[] = { 0x91, 0x91, 0x91, 0x91, 0x90 };
    static const unsigned char four[] = { 0x91, 0x91, 0x91, 0x90 };
    assert_int_equal(s_check(five, sizeof five), -EBADMSG);
    assert_int_equal(s_check(four, sizeof four), 0);

    /* The cap is the caller's: 0 allows scalars only. */
    static const unsigned char nil = 0xc0;
    static const unsigned char empty_array = 0x90;
    assert_int_equal(frame_check(&nil, 1, 0, NULL), 0);
    assert_int_equal(frame_check(&empty_array, 1, 0, NULL), -EBADMSG);
    assert_int_equal(frame_check(&empty_array, 1, 1, NULL), 0);
}

static void test_rejects_c1(void **state)
{
    (void)state;
    static const unsigned char alone[] = { 0xc1 };
    static const unsigned char in_array[] = { 0x92, 0x01, 0xc1 };
    static const unsigned char as_key[] = { 0x81, 0xc1, 0x01 };
    assert_int_equal(s_check(alone, sizeof alone), -EBADMSG);
    assert_int_equal(s_check(in_array, sizeof in_array), -EBADMSG);
    assert_int_equal(s_check(as_key, sizeof as_key), -EBADMSG);

    err_t e;
    err_init(&e);
    assert_int_equal(frame_check(in_array, sizeof in_array, FRAME_MAX_DEPTH, &e), -EBADMSG);
    assert_non_null(strstr(e.text, "byte 2"));
}

/* With no err_t the result is the same, and nothing is written anywhere. */
static void test_null_err(void **state)
{
    (void)state;
    static const unsigned char bad[] = { 0xdd, 0xff, 0xff, 0xff, 0xff };
    static const unsigned char good[] = { 0x91, 0xc0 };
    assert_int_equal(frame_check(bad, sizeof bad, FRAME_MAX_DEPTH, NULL), -EBADMSG);
    assert_int_equal(frame_check(good, sizeof good, FRAME_MAX_DEPTH, NULL), 0);
}

/* Checks one arbitrary frame: only 0 or -EBADMSG, and when 0, msgpack-c must
 * agree that it is exactly one object. */
static void s_fuzz_one(const unsigned char *p, size_t len, size_t *accepted)
{
    unsigned char *copy = malloc(len ? len : 1);
    if (len)
        memcpy(copy, p, len);
    int rc = s_check(copy, len);
    assert_true(rc == 0 || rc == -EBADMSG);
    if (rc == 0) {
        assert_true(s_msgpack_takes_all(copy, len));
        (*accepted)++;
    }
    free(copy);
}

static void test_random_garbage(void **state)
{
    (void)state;
    /* Type bytes that start containers and long headers, so the garbage
     * exercises the interesting paths more often than uniform bytes would. */
    static const unsigned char hot[] = { 0xc1, 0xdc, 0xdd, 0xde, 0xdf, 0xc4, 0xc5, 0xc6,
                                         0xc7, 0xc8, 0xc9, 0xd9, 0xda, 0xdb, 0x9f, 0x8f,
                                         0x91, 0x81, 0x00, 0xff, 0xd4, 0xd8, 0xc0 };
    uint64_t seed = 0x6d722d6672616d65ULL; /* "mr-frame" */
    unsigned char frame[64];
    size_t accepted = 0;
    for (int iter = 0; iter < 50000; iter++) {
        size_t len = (size_t)(s_rand(&seed) % (sizeof frame + 1));
        for (size_t i = 0; i < len; i++) {
            uint64_t r = s_rand(&seed);
            frame[i] = (r & 1) ? hot[(r >> 8) % sizeof hot] : (unsigned char)(r >> 16);
            if ((r >> 40) % 4 == 0)
                frame[i] = (unsigned char)(r >> 48) & 0x0f; /* small lengths */
        }
        s_fuzz_one(frame, len, &accepted);
    }
    print_message("random: %zu of 50000 accepted\n", accepted);
    assert_true(accepted > 0); /* the differential check did run */
}

/* Mutations of a valid frame reach deeper than pure noise. */
static void test_mutated_frames(void **state)
{
    (void)state;
    msgpack_sbuffer mixed;
    s_pack_mixed(&mixed);
    unsigned char *frame = malloc(mixed.size);
    uint64_t seed = 42;
    size_t accepted = 0;
    for (int iter = 0; iter < 50000; iter++) {
        memcpy(frame, mixed.data, mixed.size);
        int flips = 1 + (int)(s_rand(&seed) % 3);
        for (int f = 0; f < flips; f++) {
            uint64_t r = s_rand(&seed);
            frame[r % mixed.size] = (unsigned char)(r >> 32);
        }
        size_t len = mixed.size;
        if (s_rand(&seed) % 4 == 0)
            len = (size_t)(s_rand(&seed) % (mixed.size + 1));
        s_fuzz_one(frame, len, &accepted);
    }
    print_message("mutated: %zu of 50000 accepted\n", accepted);
    assert_true(accepted > 0);
    free(frame);
    msgpack_sbuffer_destroy(&mixed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts_a_packed_header),
        cmocka_unit_test(test_accepts_every_type),
        cmocka_unit_test(test_accepts_the_mixed_frame),
        cmocka_unit_test(test_accepts_long_headers_with_small_counts),
        cmocka_unit_test(test_rejects_empty_frame),
        cmocka_unit_test(test_rejects_every_truncation),
        cmocka_unit_test(test_rejects_trailing_bytes),
        cmocka_unit_test(test_rejects_huge_counts),
        cmocka_unit_test(test_rejects_huge_counts_nested),
        cmocka_unit_test(test_nesting_cap),
        cmocka_unit_test(test_rejects_c1),
        cmocka_unit_test(test_null_err),
        cmocka_unit_test(test_random_garbage),
        cmocka_unit_test(test_mutated_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
