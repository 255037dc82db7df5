/*
 * test_proto_msg.c - tests proto/wire/proto_msg.c, the codec of every message
 * header [PROTO_VERSION, type, fields...].
 *
 * Every type in PROTO_MSG_TYPES round-trips with all its fields set (maximum
 * integers, negative status, text of exactly PROTO_TEXT_MAX bytes, a full
 * skip list).  Hostile headers are refused: another version (-EPROTO),
 * unknown types, wrong element counts, a field of the wrong msgpack type or
 * out of its range, text over the cap, every truncation, and random garbage
 * (-EBADMSG).  Also proto_type_name and proto_type_has_payload.
 *
 * The types come from the X-macro itself, so a new type is covered at once;
 * the fields are described once in s_fields below, and a field this file
 * does not know fails test_every_field_is_described.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proto_msg.h"

#include <errno.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

/* --- the type and field tables ----------------------------------------- */

typedef struct type_row {
    uint32_t num;     /* wire number */
    const char *name; /* its name */
    uint32_t fields;  /* PROTO_F_* bits */
    bool payload;     /* carries a payload frame */
} type_row_t;

static const type_row_t s_types[] = {
#define TEST_X_ROW(num, name, fields, payload) { num, #name, fields, payload },
    PROTO_MSG_TYPES(TEST_X_ROW)
#undef TEST_X_ROW
};
enum { N_TYPES = sizeof s_types / sizeof s_types[0] };

/* How a field is represented on the wire. */
typedef enum kind {
    K_UINT,   /* unsigned integer up to max, stored in a uint32_t or uint64_t */
    K_BOOL,   /* boolean */
    K_INT,    /* signed 64-bit integer */
    K_TEXT,   /* string of at most PROTO_TEXT_MAX bytes */
    K_SKIP,   /* array of at most PROTO_SKIP_MAX ascending unsigned integers */
    K_DIGEST, /* binary of exactly PROTO_DIGEST_LEN bytes */
    K_TOKEN,  /* binary of exactly PROTO_TOKEN_LEN bytes */
    K_PORTS,  /* array of 1 to PROTO_REDUCERS_MAX TCP ports */
    K_CTRS,   /* binary of at most PROTO_CTRS_MAX bytes */
} kind_t;

typedef struct field {
    uint32_t bit;     /* PROTO_F_* */
    const char *name; /* member name */
    kind_t kind;      /* wire representation */
    size_t off;       /* offsetof the member in proto_msg_t (K_UINT) */
    size_t size;      /* sizeof the member (K_UINT) */
    uint64_t max;     /* largest valid value (K_UINT) */
} field_t;

#define MEMBER_SIZE(member) sizeof(((proto_msg_t *)0)->member)
#define UINT_FIELD(bit, member, max)                                                  \
    {                                                                                 \
        bit, #member, K_UINT, offsetof(proto_msg_t, member), MEMBER_SIZE(member), max \
    }
#define OTHER_FIELD(bit, member, kind) \
    {                                  \
        bit, #member, kind, 0, 0, 0    \
    }

/* A few tests spell frames byte by byte, with this version in them. */
_Static_assert(PROTO_VERSION == 4, "update the literal frames to the new version");

/* Every field in canonical wire order, with the range the wire allows. */
static const field_t s_fields[] = {
    UINT_FIELD(PROTO_F_CHUNK, chunk, UINT64_MAX),
    UINT_FIELD(PROTO_F_ATTEMPT, attempt, UINT32_MAX),
    UINT_FIELD(PROTO_F_MAPPER, mapper, UINT32_MAX),
    UINT_FIELD(PROTO_F_PID, pid, UINT64_MAX),
    UINT_FIELD(PROTO_F_RECORDS, records, UINT64_MAX),
    UINT_FIELD(PROTO_F_OUTPUTS, outputs, UINT64_MAX),
    OTHER_FIELD(PROTO_F_FRESH, fresh, K_BOOL),
    UINT_FIELD(PROTO_F_TOTAL, total, UINT64_MAX),
    UINT_FIELD(PROTO_F_OFFSET, offset, UINT64_MAX),
    OTHER_FIELD(PROTO_F_STATUS, status, K_INT),
    OTHER_FIELD(PROTO_F_TEXT, text, K_TEXT),
    OTHER_FIELD(PROTO_F_SKIP, skip, K_SKIP),
    UINT_FIELD(PROTO_F_INPUT, input, UINT32_MAX),
    UINT_FIELD(PROTO_F_LENGTH, length, UINT64_MAX),
    OTHER_FIELD(PROTO_F_DIGEST, digest, K_DIGEST),
    UINT_FIELD(PROTO_F_TASK_PORT, task_port, 65535),
    UINT_FIELD(PROTO_F_RESULT_PORT, result_port, 65535),
    UINT_FIELD(PROTO_F_MODE, mode, PROTO_MODE_UNORDERED),
    UINT_FIELD(PROTO_F_FLAGS, flags, PROTO_FLAG_NUL | PROTO_FLAG_COMBINE | PROTO_FLAG_ARG),
    UINT_FIELD(PROTO_F_EMITS, emits, UINT64_MAX),
    OTHER_FIELD(PROTO_F_TOKEN, token, K_TOKEN),
    UINT_FIELD(PROTO_F_REDUCER, reducer, PROTO_REDUCERS_MAX - 1),
    UINT_FIELD(PROTO_F_KEYS, keys, UINT64_MAX),
    UINT_FIELD(PROTO_F_SPILLED, spilled, UINT64_MAX),
    UINT_FIELD(PROTO_F_RUNS, runs, UINT64_MAX),
    UINT_FIELD(PROTO_F_MERGE_MS, merge_ms, UINT64_MAX),
    OTHER_FIELD(PROTO_F_PORTS, ports, K_PORTS),
    UINT_FIELD(PROTO_F_SOURCE, source, UINT32_MAX),
    OTHER_FIELD(PROTO_F_COUNTERS, counters, K_CTRS),
};
enum { N_FIELDS = sizeof s_fields / sizeof s_fields[0] };

static uint64_t s_get_uint(const proto_msg_t *m, const field_t *f)
{
    const char *p = (const char *)m + f->off;
    if (f->size == sizeof(uint64_t)) {
        uint64_t v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    assert_int_equal(f->size, sizeof(uint32_t));
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void s_set_uint(proto_msg_t *m, const field_t *f, uint64_t v)
{
    char *p = (char *)m + f->off;
    if (f->size == sizeof(uint64_t)) {
        memcpy(p, &v, sizeof v);
    } else {
        assert_int_equal(f->size, sizeof(uint32_t));
        assert_true(v <= UINT32_MAX);
        uint32_t w = (uint32_t)v;
        memcpy(p, &w, sizeof w);
    }
}

/* A deterministic PRNG (xorshift64*), so failures reproduce. */
static uint64_t s_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dULL;
}

/* Decodes and checks that the err_t agrees with the result. */
static int s_decode(const void *data, size_t len, proto_msg_t *m)
{
    err_t e;
    err_init(&e);
    int rc = proto_msg_decode(data, len, m, &e);
    assert_int_equal(e.code, rc);
    if (rc < 0)
        assert_true(e.text[0] != '\0');
    return rc;
}

enum { N_SETS = 3 };

/* Fills every field of m with the values of set:
 * 0 = the extremes (each unsigned at or just under its max, status
 *     INT64_MIN, text of exactly PROTO_TEXT_MAX non-ASCII bytes, a full skip
 *     list ending at UINT64_MAX);
 * 1 = small values, distinct per field so a swap of two fields shows;
 * 2 = values past the 8-, 16- and 32-bit encodings, status INT64_MAX. */
static void s_fill(proto_msg_t *m, proto_type_t type, int set)
{
    proto_msg_init(m, type);
    for (size_t i = 0; i < N_FIELDS; i++) {
        const field_t *f = &s_fields[i];
        if (f->kind != K_UINT)
            continue;
        uint64_t v;
        if (set == 0)
            v = f->max > 1000 ? f->max - i : f->max;
        else if (set == 1)
            v = i + 1 <= f->max ? i + 1 : f->max;
        else if (f->max > UINT32_MAX)
            v = ((uint64_t)1 << 32) + i;
        else if (f->max > 65535)
            v = ((uint64_t)1 << 31) + i;
        else if (f->max > 255)
            v = 256 + i;
        else
            v = f->max / 2 + 1;
        s_set_uint(m, f, v);
    }
    m->fresh = set != 2;
    switch (set) {
    case 0:
        m->status = INT64_MIN;
        for (size_t i = 0; i < PROTO_TEXT_MAX; i++)
            m->text[i] = (char)(i % 2 ? 0xa9 : 0xc3); /* UTF-8 e-acute */
        m->text[PROTO_TEXT_MAX] = '\0';
        m->n_skip = PROTO_SKIP_MAX;
        for (uint32_t i = 0; i < PROTO_SKIP_MAX; i++)
            m->skip[i] = UINT64_MAX - (PROTO_SKIP_MAX - 1 - i);
        memset(m->digest, 0xff, sizeof m->digest);
        memset(m->token, 0xff, sizeof m->token);
        m->n_ports = PROTO_REDUCERS_MAX;
        for (uint32_t i = 0; i < PROTO_REDUCERS_MAX; i++)
            m->ports[i] = 65535 - i;
        memset(m->counters, 0xff, sizeof m->counters);
        m->n_counters = PROTO_CTRS_MAX;
        break;
    case 1:
        m->status = -EBADMSG;
        memcpy(m->text, "x", 2);
        m->n_skip = 1;
        m->skip[0] = 11;
        for (size_t i = 0; i < sizeof m->digest; i++)
            m->digest[i] = (uint8_t)i; /* starts with a NUL */
        for (size_t i = 0; i < sizeof m->token; i++)
            m->token[i] = (uint8_t)i;
        m->n_ports = 0; /* none: one reducer, at result_port */
        memcpy(m->counters, "G\tN\t1\n", 6);
        m->n_counters = 6;
        break;
    default:
        m->status = INT64_MAX;
        for (size_t i = 0; i < PROTO_TEXT_MAX - 1; i++)
            m->text[i] = (char)('a' + i % 26);
        m->text[PROTO_TEXT_MAX - 1] = '\0';
        m->n_skip = 3;
        m->skip[0] = 0;
        m->skip[1] = 1;
        m->skip[2] = (uint64_t)1 << 40;
        for (size_t i = 0; i < sizeof m->digest; i++)
            m->digest[i] = (uint8_t)(0xa5 ^ (i * 37));
        for (size_t i = 0; i < sizeof m->token; i++)
            m->token[i] = (uint8_t)(0x5a ^ (i * 41));
        m->n_ports = 3;
        m->ports[0] = 40001;
        m->ports[1] = 255;
        m->ports[2] = 256;
        m->n_counters = 300; /* past bin8 */
        for (size_t i = 0; i < m->n_counters; i++)
            m->counters[i] = (uint8_t)(i * 7);
        break;
    }
}

/* Checks that got carries want's values in the fields of mask and zero in
 * every other field. */
static void s_assert_fields(const proto_msg_t *got, const proto_msg_t *want, uint32_t mask)
{
    static const uint8_t zero_digest[PROTO_DIGEST_LEN];
    static const uint8_t zero_token[PROTO_TOKEN_LEN];
    assert_int_equal(got->type, want->type);
    for (size_t i = 0; i < N_FIELDS; i++) {
        const field_t *f = &s_fields[i];
        bool carried = (mask & f->bit) != 0;
        bool ok = true;
        switch (f->kind) {
        case K_UINT: ok = s_get_uint(got, f) == (carried ? s_get_uint(want, f) : 0); break;
        case K_BOOL: ok = got->fresh == (carried ? want->fresh : false); break;
        case K_INT: ok = got->status == (carried ? want->status : 0); break;
        case K_TEXT: ok = strcmp(got->text, carried ? want->text : "") == 0; break;
        case K_SKIP:
            ok = got->n_skip == (carried ? want->n_skip : 0);
            for (uint32_t j = 0; ok && j < got->n_skip; j++)
                ok = got->skip[j] == want->skip[j];
            break;
        case K_DIGEST:
            ok = memcmp(got->digest, carried ? want->digest : zero_digest, PROTO_DIGEST_LEN) == 0;
            break;
        case K_TOKEN:
            ok = memcmp(got->token, carried ? want->token : zero_token, PROTO_TOKEN_LEN) == 0;
            break;
        case K_PORTS:
            ok = got->n_ports == (carried ? want->n_ports : 0);
            for (uint32_t j = 0; ok && j < got->n_ports; j++)
                ok = got->ports[j] == want->ports[j];
            break;
        case K_CTRS:
            ok = got->n_counters == (carried ? want->n_counters : 0) &&
                 (!carried || memcmp(got->counters, want->counters, got->n_counters) == 0);
            break;
        }
        if (!ok)
            fail_msg("%s: field %s %s", proto_type_name(want->type), f->name,
                     carried ? "did not round-trip" : "is not zero");
    }
}

/* --- usage and round trips ---------------------------------------------- */

/* Usage: the master encodes a TASK header, the mapper decodes it. */
static void test_task_usage(void **state)
{
    (void)state;
    proto_msg_t task;
    proto_msg_init(&task, PROTO_TASK);
    task.chunk = 17;
    task.attempt = 1;
    task.input = PROTO_INPUT_INLINE; /* the chunk's bytes follow as the payload */
    task.length = 65536;

    buf_t header;
    buf_init(&header, 4096);
    assert_int_equal(proto_msg_encode(&task, &header), 0);

    proto_msg_t got;
    err_t e;
    err_init(&e);
    assert_int_equal(proto_msg_decode(header.data, header.len, &got, &e), 0);
    assert_int_equal(got.type, PROTO_TASK);
    assert_string_equal(proto_type_name(got.type), "TASK");
    assert_true(proto_type_has_payload(got.type));
    assert_int_equal(got.chunk, 17);
    assert_int_equal(got.attempt, 1);
    assert_int_equal(got.input, PROTO_INPUT_INLINE);
    assert_int_equal(got.length, 65536);
    assert_int_equal(got.n_skip, 0);
    buf_fini(&header);
}

/* The tables above describe every field bit any type uses, and the types are
 * numbered 1..N with the first eight where they always were. */
static void test_every_field_is_described(void **state)
{
    (void)state;
    uint32_t known = 0;
    for (size_t i = 0; i < N_FIELDS; i++) {
        assert_int_equal(s_fields[i].bit & known, 0);
        /* Canonical order is bit order. */
        if (i > 0)
            assert_true(s_fields[i].bit > s_fields[i - 1].bit);
        known |= s_fields[i].bit;
    }
    for (size_t t = 0; t < N_TYPES; t++) {
        if (s_types[t].fields & ~known)
            fail_msg("%s has a field this test does not describe: add it to s_fields",
                     s_types[t].name);
        assert_int_equal(s_types[t].num, t + 1);
    }
    static const char *const first[] = { "READY", "TASK",   "RESULT", "ACK",
                                         "FAIL",  "FINISH", "DONE",   "STOP" };
    assert_true(N_TYPES >= 8);
    for (size_t t = 0; t < 8; t++)
        assert_string_equal(s_types[t].name, first[t]);
}

/* Every type, every value set, decoded over a target full of junk. */
static void test_round_trip_every_type(void **state)
{
    (void)state;
    buf_t out;
    buf_init(&out, 8192);
    for (size_t t = 0; t < N_TYPES; t++) {
        for (int set = 0; set < N_SETS; set++) {
            proto_msg_t m;
            s_fill(&m, (proto_type_t)s_types[t].num, set);
            buf_reset(&out);
            if (proto_msg_encode(&m, &out) != 0)
                fail_msg("%s set %d does not encode", s_types[t].name, set);

            /* [version, type, ...] with one element per field. */
            const unsigned char *p = (const unsigned char *)out.data;
            assert_int_equal(p[0], 0x90 + 2 + __builtin_popcount(s_types[t].fields));
            assert_int_equal(p[1], PROTO_VERSION);
            assert_int_equal(p[2], s_types[t].num);

            proto_msg_t got;
            memset(&got, 0xa5, sizeof got);
            if (s_decode(out.data, out.len, &got) != 0)
                fail_msg("%s set %d does not decode", s_types[t].name, set);
            s_assert_fields(&got, &m, s_types[t].fields);
        }
    }
    buf_fini(&out);
}

/* The most common text of all is the empty one: a DONE that succeeded.
 * msgpack-c hands back a NULL pointer for an empty string, which must not
 * reach memcpy (undefined behaviour, fatal under MR_SANITIZE). */
static void test_empty_text_round_trip(void **state)
{
    (void)state;
    proto_msg_t done;
    proto_msg_init(&done, PROTO_DONE);
    done.records = 10;
    done.outputs = 3;
    buf_t out;
    buf_init(&out, 256);
    assert_int_equal(proto_msg_encode(&done, &out), 0);
    proto_msg_t got;
    memset(&got, 0xa5, sizeof got);
    assert_int_equal(s_decode(out.data, out.len, &got), 0);
    assert_int_equal(got.status, 0);
    assert_string_equal(got.text, "");
    assert_int_equal(got.outputs, 3);
    buf_fini(&out);
}

/* Text of exactly the cap survives; an unterminated text[] is cut at the cap. */
static void test_text_at_cap(void **state)
{
    (void)state;
    buf_t out;
    buf_init(&out, 4096);
    proto_msg_t m;
    proto_msg_init(&m, PROTO_FAIL);
    m.status = -EINVAL;
    memset(m.text, 'e', PROTO_TEXT_MAX);
    assert_int_equal(proto_msg_encode(&m, &out), 0);
    proto_msg_t got;
    assert_int_equal(s_decode(out.data, out.len, &got), 0);
    assert_int_equal(strlen(got.text), PROTO_TEXT_MAX);
    assert_memory_equal(got.text, m.text, PROTO_TEXT_MAX);

    /* A caller that filled every byte, terminator included. */
    memset(m.text, 'f', sizeof m.text);
    buf_reset(&out);
    assert_int_equal(proto_msg_encode(&m, &out), 0);
    assert_int_equal(s_decode(out.data, out.len, &got), 0);
    assert_int_equal(strlen(got.text), PROTO_TEXT_MAX);
    assert_int_equal(got.text[0], 'f');
    buf_fini(&out);
}

/* The encoder honours the buffer's cap to the byte. */
static void test_encode_cap(void **state)
{
    (void)state;
    for (size_t t = 0; t < N_TYPES; t++) {
        proto_msg_t m;
        s_fill(&m, (proto_type_t)s_types[t].num, 0);
        buf_t out;
        buf_init(&out, 8192);
        assert_int_equal(proto_msg_encode(&m, &out), 0);
        size_t need = out.len;
        buf_fini(&out);

        buf_init(&out, need);
        assert_int_equal(proto_msg_encode(&m, &out), 0);
        assert_int_equal(out.len, need);
        buf_fini(&out);

        buf_init(&out, need - 1);
        if (proto_msg_encode(&m, &out) != -EMSGSIZE)
            fail_msg("%s: %zu bytes fit in %zu", s_types[t].name, need, need - 1);
        assert_true(out.len <= need - 1);
        buf_fini(&out);
    }
}

/* More skip offsets than a TASK can carry are refused; the cap and none
 * at all round-trip. */
static void test_skip_limits(void **state)
{
    (void)state;
    proto_msg_t m;
    proto_msg_init(&m, PROTO_TASK);
    m.n_skip = PROTO_SKIP_MAX + 1;
    buf_t out;
    buf_init(&out, 1 << 16);
    assert_int_equal(proto_msg_encode(&m, &out), -EMSGSIZE);

    for (uint32_t n = 0; n <= PROTO_SKIP_MAX; n += PROTO_SKIP_MAX) {
        proto_msg_init(&m, PROTO_TASK);
        m.chunk = 3;
        m.n_skip = n;
        for (uint32_t i = 0; i < n; i++)
            m.skip[i] = (uint64_t)i * 1000;
        buf_reset(&out);
        assert_int_equal(proto_msg_encode(&m, &out), 0);
        proto_msg_t got;
        assert_int_equal(s_decode(out.data, out.len, &got), 0);
        s_assert_fields(&got, &m, s_types[PROTO_TASK - 1].fields);
    }
    buf_fini(&out);
}

/* A type outside the table is a programmer error: refused, nothing written. */
static void test_encode_unknown_type(void **state)
{
    (void)state;
    proto_msg_t m;
    buf_t out;
    buf_init(&out, 256);
    proto_msg_init(&m, (proto_type_t)0);
    assert_true(proto_msg_encode(&m, &out) < 0);
    proto_msg_init(&m, (proto_type_t)(N_TYPES + 1));
    assert_true(proto_msg_encode(&m, &out) < 0);
    assert_int_equal(out.len, 0);
    buf_fini(&out);
}

/* --- hand-built headers ------------------------------------------------- */

typedef void (*pack_fn)(msgpack_packer *pk);

/* Packs field f of m the way the encoder does. */
static void s_pack_field(msgpack_packer *pk, const field_t *f, const proto_msg_t *m)
{
    switch (f->kind) {
    case K_UINT: msgpack_pack_uint64(pk, s_get_uint(m, f)); break;
    case K_BOOL:
        if (m->fresh)
            msgpack_pack_true(pk);
        else
            msgpack_pack_false(pk);
        break;
    case K_INT: msgpack_pack_int64(pk, m->status); break;
    case K_TEXT: msgpack_pack_str_with_body(pk, m->text, strlen(m->text)); break;
    case K_SKIP:
        msgpack_pack_array(pk, m->n_skip);
        for (uint32_t i = 0; i < m->n_skip; i++)
            msgpack_pack_uint64(pk, m->skip[i]);
        break;
    case K_DIGEST: msgpack_pack_bin_with_body(pk, m->digest, PROTO_DIGEST_LEN); break;
    case K_TOKEN: msgpack_pack_bin_with_body(pk, m->token, PROTO_TOKEN_LEN); break;
    case K_PORTS:
        msgpack_pack_array(pk, m->n_ports);
        for (uint32_t i = 0; i < m->n_ports; i++)
            msgpack_pack_uint32(pk, m->ports[i]);
        break;
    case K_CTRS: msgpack_pack_bin_with_body(pk, m->counters, m->n_counters); break;
    }
}

/* How a hand-built header departs from a valid one. */
typedef struct shape {
    pack_fn version; /* packs the version; NULL: PROTO_VERSION */
    pack_fn type;    /* packs the type; NULL: m's type */
    int bad;         /* index among the type's fields to replace, or -1 */
    pack_fn bad_fn;  /* packs the replacement */
    int drop;        /* leave out this many trailing fields */
    int extra;       /* append this many nils */
} shape_t;

#define SHAPE_VALID                \
    {                              \
        NULL, NULL, -1, NULL, 0, 0 \
    }

/* Packs m's header for a type with these fields into sbuf, reshaped by s. */
static void s_pack_header(msgpack_sbuffer *sbuf, const proto_msg_t *m, uint32_t fields,
                          const shape_t *s)
{
    msgpack_packer pk;
    msgpack_sbuffer_init(sbuf);
    msgpack_packer_init(&pk, sbuf, msgpack_sbuffer_write);
    int keep = __builtin_popcount(fields) - s->drop;
    msgpack_pack_array(&pk, (size_t)(2 + keep + s->extra));
    if (s->version)
        s->version(&pk);
    else
        msgpack_pack_uint32(&pk, PROTO_VERSION);
    if (s->type)
        s->type(&pk);
    else
        msgpack_pack_uint32(&pk, m->type);
    int index = 0;
    for (size_t i = 0; i < N_FIELDS && index < keep; i++) {
        if (!(fields & s_fields[i].bit))
            continue;
        if (index == s->bad)
            s->bad_fn(&pk);
        else
            s_pack_field(&pk, &s_fields[i], m);
        index++;
    }
    for (int i = 0; i < s->extra; i++)
        msgpack_pack_nil(&pk);
}

/* Builds the header of type t (value set 1), reshaped by s, and decodes it. */
static int s_decode_shape(size_t t, const shape_t *s)
{
    proto_msg_t m;
    s_fill(&m, (proto_type_t)s_types[t].num, 1);
    msgpack_sbuffer sbuf;
    s_pack_header(&sbuf, &m, s_types[t].fields, s);
    proto_msg_t got;
    int rc = s_decode(sbuf.data, sbuf.size, &got);
    bool valid_shape = !s->version && !s->type && s->bad < 0 && !s->drop && !s->extra;
    if (rc == 0 && valid_shape)
        s_assert_fields(&got, &m, s_types[t].fields);
    msgpack_sbuffer_destroy(&sbuf);
    return rc;
}

static void s_v0(msgpack_packer *pk)
{
    msgpack_pack_uint32(pk, 0);
}

static void s_v_next(msgpack_packer *pk)
{
    msgpack_pack_uint32(pk, PROTO_VERSION + 1);
}

static void s_v_max(msgpack_packer *pk)
{
    msgpack_pack_uint32(pk, UINT32_MAX);
}

static void s_bad_str(msgpack_packer *pk)
{
    msgpack_pack_str_with_body(pk, "1", 1);
}

static void s_bad_neg(msgpack_packer *pk)
{
    msgpack_pack_int64(pk, -1);
}

static void s_bad_nil(msgpack_packer *pk)
{
    msgpack_pack_nil(pk);
}

static void s_bad_float(msgpack_packer *pk)
{
    msgpack_pack_double(pk, 1.0);
}

static void s_bad_true(msgpack_packer *pk)
{
    msgpack_pack_true(pk);
}

static void s_bad_uint(msgpack_packer *pk)
{
    msgpack_pack_uint64(pk, 1);
}

static void s_bad_bin(msgpack_packer *pk)
{
    msgpack_pack_bin_with_body(pk, "1", 1);
}

static void s_bad_array(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 1);
    msgpack_pack_uint64(pk, 1);
}

static void s_bad_map(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 0);
}

static void s_bad_u64_max(msgpack_packer *pk)
{
    msgpack_pack_uint64(pk, UINT64_MAX);
}

static void s_bad_long_text(msgpack_packer *pk)
{
    char text[PROTO_TEXT_MAX + 1];
    memset(text, 't', sizeof text);
    msgpack_pack_str_with_body(pk, text, sizeof text);
}

static void s_bad_skip_long(msgpack_packer *pk)
{
    msgpack_pack_array(pk, PROTO_SKIP_MAX + 1);
    for (uint64_t i = 0; i <= PROTO_SKIP_MAX; i++)
        msgpack_pack_uint64(pk, i);
}

static void s_bad_skip_equal(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 2);
    msgpack_pack_uint64(pk, 5);
    msgpack_pack_uint64(pk, 5);
}

static void s_bad_skip_descending(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 3);
    msgpack_pack_uint64(pk, 1);
    msgpack_pack_uint64(pk, 9);
    msgpack_pack_uint64(pk, 4);
}

static void s_bad_skip_neg(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 1);
    msgpack_pack_int64(pk, -1);
}

static void s_bad_skip_str(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 1);
    msgpack_pack_str_with_body(pk, "1", 1);
}

static void s_bad_skip_nested(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 1);
    s_bad_array(pk);
}

static void s_bad_digest_short(msgpack_packer *pk)
{
    static const char bytes[PROTO_DIGEST_LEN - 1];
    msgpack_pack_bin_with_body(pk, bytes, sizeof bytes);
}

static void s_bad_digest_long(msgpack_packer *pk)
{
    static const char bytes[PROTO_DIGEST_LEN + 1];
    msgpack_pack_bin_with_body(pk, bytes, sizeof bytes);
}

static void s_bad_digest_str(msgpack_packer *pk)
{
    static const char bytes[PROTO_DIGEST_LEN];
    msgpack_pack_str_with_body(pk, bytes, sizeof bytes);
}

static void s_bad_ports_large(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 1);
    msgpack_pack_uint32(pk, 65536);
}

static void s_bad_ports_many(msgpack_packer *pk)
{
    msgpack_pack_array(pk, PROTO_REDUCERS_MAX + 1);
    for (int i = 0; i <= PROTO_REDUCERS_MAX; i++)
        msgpack_pack_uint32(pk, 1);
}

static void s_bad_ports_str(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 1);
    msgpack_pack_str_with_body(pk, "1", 1);
}

static void s_bad_token_short(msgpack_packer *pk)
{
    static const char bytes[PROTO_TOKEN_LEN - 1];
    msgpack_pack_bin_with_body(pk, bytes, sizeof bytes);
}

static void s_bad_token_long(msgpack_packer *pk)
{
    static const char bytes[PROTO_TOKEN_LEN + 1];
    msgpack_pack_bin_with_body(pk, bytes, sizeof bytes);
}

/* The hand-built valid header decodes, so the builder itself is right. */
static void s_bad_ctrs_long(msgpack_packer *pk)
{
    static const char bytes[PROTO_CTRS_MAX + 1];
    msgpack_pack_bin_with_body(pk, bytes, sizeof bytes);
}

static void test_hand_built_baseline(void **state)
{
    (void)state;
    for (size_t t = 0; t < N_TYPES; t++) {
        shape_t s = SHAPE_VALID;
        if (s_decode_shape(t, &s) != 0)
            fail_msg("hand-built %s does not decode", s_types[t].name);
    }
}

/* Another version is -EPROTO whatever follows, since another version may
 * shape its fields differently. */
static void test_wrong_version(void **state)
{
    (void)state;
    static const pack_fn versions[] = { s_v0, s_v_next, s_v_max };
    for (size_t v = 0; v < sizeof versions / sizeof versions[0]; v++) {
        for (size_t t = 0; t < N_TYPES; t++) {
            int n = __builtin_popcount(s_types[t].fields);
            shape_t same = { versions[v], NULL, -1, NULL, 0, 0 };
            shape_t more = { versions[v], NULL, -1, NULL, 0, 3 };
            shape_t none = { versions[v], NULL, -1, NULL, n, 0 };
            shape_t bad = { versions[v], NULL, 0, s_bad_map, 0, 0 };
            if (s_decode_shape(t, &same) != -EPROTO || s_decode_shape(t, &more) != -EPROTO ||
                s_decode_shape(t, &none) != -EPROTO || (n && s_decode_shape(t, &bad) != -EPROTO))
                fail_msg("%s with version %zu is not -EPROTO", s_types[t].name, v);
        }
    }

    /* Patching the version byte of a real encoding. */
    proto_msg_t m;
    s_fill(&m, PROTO_DONE, 0);
    buf_t out;
    buf_init(&out, 4096);
    assert_int_equal(proto_msg_encode(&m, &out), 0);
    out.data[1] = PROTO_VERSION + 1;
    proto_msg_t got;
    assert_int_equal(s_decode(out.data, out.len, &got), -EPROTO);
    buf_fini(&out);

    /* A version that is not an unsigned integer is malformed, not foreign. */
    shape_t str = { s_bad_str, NULL, -1, NULL, 0, 0 };
    shape_t neg = { s_bad_neg, NULL, -1, NULL, 0, 0 };
    shape_t nil = { s_bad_nil, NULL, -1, NULL, 0, 0 };
    assert_int_equal(s_decode_shape(PROTO_TASK - 1, &str), -EBADMSG);
    assert_int_equal(s_decode_shape(PROTO_TASK - 1, &neg), -EBADMSG);
    assert_int_equal(s_decode_shape(PROTO_TASK - 1, &nil), -EBADMSG);
}

static void s_t0(msgpack_packer *pk)
{
    msgpack_pack_uint32(pk, 0);
}

static void s_t_next(msgpack_packer *pk)
{
    msgpack_pack_uint32(pk, N_TYPES + 1);
}

static void s_t_255(msgpack_packer *pk)
{
    msgpack_pack_uint32(pk, 255);
}

static void s_t_u32_max(msgpack_packer *pk)
{
    msgpack_pack_uint32(pk, UINT32_MAX);
}

static void s_t_u32_over(msgpack_packer *pk)
{
    /* Would truncate to 2 (TASK) if the decoder narrowed before checking. */
    msgpack_pack_uint64(pk, ((uint64_t)1 << 32) + PROTO_TASK);
}

static void test_unknown_type(void **state)
{
    (void)state;
    static const pack_fn types[] = {
        s_t0,          s_t_next,  s_t_255,   s_t_u32_max, s_t_u32_over,
        s_bad_u64_max, s_bad_neg, s_bad_str, s_bad_nil,   s_bad_float
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        /* With the fields of each real type around it. */
        for (size_t t = 0; t < N_TYPES; t++) {
            shape_t s = { NULL, types[i], -1, NULL, 0, 0 };
            if (s_decode_shape(t, &s) != -EBADMSG)
                fail_msg("type %zu with %s's fields is accepted", i, s_types[t].name);
        }
    }
}

static void test_wrong_element_count(void **state)
{
    (void)state;
    for (size_t t = 0; t < N_TYPES; t++) {
        int n = __builtin_popcount(s_types[t].fields);
        shape_t more = { NULL, NULL, -1, NULL, 0, 1 };
        shape_t many = { NULL, NULL, -1, NULL, 0, 12 };
        if (s_decode_shape(t, &more) != -EBADMSG || s_decode_shape(t, &many) != -EBADMSG)
            fail_msg("%s with too many elements is accepted", s_types[t].name);
        if (n) {
            shape_t fewer = { NULL, NULL, -1, NULL, 1, 0 };
            shape_t none = { NULL, NULL, -1, NULL, n, 0 };
            if (s_decode_shape(t, &fewer) != -EBADMSG || s_decode_shape(t, &none) != -EBADMSG)
                fail_msg("%s with too few elements is accepted", s_types[t].name);
        }
    }

    /* Too short to hold [version, type], and not arrays at all. */
    static const struct {
        const char *bytes;
        size_t len;
    } frames[] = {
        { "\x90", 1 },                 /* [] */
        { "\x91\x01", 2 },             /* [1] */
        { "\x01", 1 },                 /* 1 */
        { "\xa4STOP", 5 },             /* "STOP" */
        { "\x82\x01\x01\x02\x08", 5 }, /* {1: 1, 2: 8} */
        { "\xc0", 1 },                 /* nil */
        { "\xc4\x02\x01\x08", 4 },     /* bin [1, 8] */
    };
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++) {
        proto_msg_t got;
        if (s_decode(frames[i].bytes, frames[i].len, &got) != -EBADMSG)
            fail_msg("frame %zu is accepted", i);
    }
    /* And the shortest valid header, for contrast. */
    proto_msg_t got;
    assert_int_equal(s_decode("\x92\x04\x08", 3, &got), 0); /* [4, STOP] */
    assert_int_equal(got.type, PROTO_STOP);
}

/* An unsigned value one past a field's max. */
static uint64_t s_over_value;

static void s_bad_over(msgpack_packer *pk)
{
    msgpack_pack_uint64(pk, s_over_value);
}

/* Replaces each field of each type with values of the wrong kind or range. */
static void test_wrong_field_types(void **state)
{
    (void)state;
    static const pack_fn for_uint[] = { s_bad_str, s_bad_neg,   s_bad_nil, s_bad_float, s_bad_true,
                                        s_bad_bin, s_bad_array, s_bad_map, s_bad_over };
    static const pack_fn for_bool[] = { s_bad_str,  s_bad_neg, s_bad_nil,   s_bad_float,
                                        s_bad_uint, s_bad_bin, s_bad_array, s_bad_map };
    static const pack_fn for_int[] = { s_bad_str, s_bad_nil,   s_bad_float, s_bad_true,
                                       s_bad_bin, s_bad_array, s_bad_map,   s_bad_u64_max };
    static const pack_fn for_text[] = { s_bad_neg,   s_bad_nil,  s_bad_float,
                                        s_bad_true,  s_bad_uint, s_bad_bin,
                                        s_bad_array, s_bad_map,  s_bad_long_text };
    static const pack_fn for_skip[] = { s_bad_str,
                                        s_bad_neg,
                                        s_bad_nil,
                                        s_bad_float,
                                        s_bad_true,
                                        s_bad_uint,
                                        s_bad_bin,
                                        s_bad_map,
                                        s_bad_skip_long,
                                        s_bad_skip_equal,
                                        s_bad_skip_descending,
                                        s_bad_skip_neg,
                                        s_bad_skip_str,
                                        s_bad_skip_nested };
    static const pack_fn for_digest[] = { s_bad_str,          s_bad_neg,         s_bad_nil,
                                          s_bad_uint,         s_bad_array,       s_bad_map,
                                          s_bad_digest_short, s_bad_digest_long, s_bad_digest_str };
    static const pack_fn for_token[] = { s_bad_str,         s_bad_neg,        s_bad_nil,
                                         s_bad_uint,        s_bad_array,      s_bad_map,
                                         s_bad_token_short, s_bad_token_long, s_bad_digest_long };
    static const pack_fn for_ports[] = { s_bad_str,        s_bad_neg,      s_bad_nil,
                                         s_bad_uint,       s_bad_map,      s_bad_ports_large,
                                         s_bad_ports_many, s_bad_ports_str };
    static const pack_fn for_ctrs[] = { s_bad_str,   s_bad_neg, s_bad_nil,      s_bad_uint,
                                        s_bad_array, s_bad_map, s_bad_ctrs_long };
    size_t checked = 0;
    for (size_t t = 0; t < N_TYPES; t++) {
        int index = 0;
        for (size_t i = 0; i < N_FIELDS; i++) {
            const field_t *f = &s_fields[i];
            if (!(s_types[t].fields & f->bit))
                continue;
            const pack_fn *bad = NULL;
            size_t n_bad = 0;
#define USE(list) (bad = (list), n_bad = sizeof(list) / sizeof(list)[0])
            switch (f->kind) {
            case K_UINT: USE(for_uint); break;
            case K_BOOL: USE(for_bool); break;
            case K_INT: USE(for_int); break;
            case K_TEXT: USE(for_text); break;
            case K_SKIP: USE(for_skip); break;
            case K_DIGEST: USE(for_digest); break;
            case K_TOKEN: USE(for_token); break;
            case K_PORTS: USE(for_ports); break;
            case K_CTRS: USE(for_ctrs); break;
            }
#undef USE
            for (size_t b = 0; b < n_bad; b++) {
                if (bad[b] == s_bad_over) {
                    if (f->max == UINT64_MAX)
                        continue; /* nothing is past it */
                    s_over_value = f->max + 1;
                }
                shape_t s = { NULL, NULL, index, bad[b], 0, 0 };
                int rc = s_decode_shape(t, &s);
                if (rc != -EBADMSG)
                    fail_msg("%s field %s, bad value %zu: got %d", s_types[t].name, f->name, b, rc);
                checked++;
            }
            index++;
        }
    }
    assert_true(checked > 100);
}

/* In-range edges a strict decoder must still accept: each unsigned field at
 * exactly its max, a non-negative value in a signed encoding, status at
 * both ends, an empty text and an empty skip list. */
static uint64_t s_edge_value;

static void s_edge_uint(msgpack_packer *pk)
{
    msgpack_pack_uint64(pk, s_edge_value);
}

static void s_edge_int8(msgpack_packer *pk)
{
    msgpack_pack_fix_int8(pk, 1);
}

static void s_edge_status_max(msgpack_packer *pk)
{
    msgpack_pack_uint64(pk, INT64_MAX);
}

static void s_edge_status_min(msgpack_packer *pk)
{
    msgpack_pack_int64(pk, INT64_MIN);
}

static void s_edge_empty(msgpack_packer *pk)
{
    msgpack_pack_str_with_body(pk, "", 0);
}

static void s_edge_no_skip(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 0);
}

static void s_edge_no_ctrs(msgpack_packer *pk)
{
    msgpack_pack_bin_with_body(pk, "", 0);
}

static void test_field_edges_accepted(void **state)
{
    (void)state;
    size_t checked = 0;
    for (size_t t = 0; t < N_TYPES; t++) {
        int index = 0;
        for (size_t i = 0; i < N_FIELDS; i++) {
            const field_t *f = &s_fields[i];
            if (!(s_types[t].fields & f->bit))
                continue;
            pack_fn edges[2] = { NULL, NULL };
            switch (f->kind) {
            case K_UINT:
                s_edge_value = f->max;
                edges[0] = s_edge_uint;
                edges[1] = s_edge_int8;
                break;
            case K_INT:
                edges[0] = s_edge_status_max;
                edges[1] = s_edge_status_min;
                break;
            case K_TEXT: edges[0] = s_edge_empty; break;
            case K_SKIP: edges[0] = s_edge_no_skip; break;
            case K_CTRS: edges[0] = s_edge_no_ctrs; break;
            case K_BOOL:
            case K_DIGEST:
            case K_TOKEN:
            case K_PORTS: break;
            }
            for (int k = 0; k < 2; k++) {
                if (!edges[k])
                    continue;
                shape_t s = { NULL, NULL, index, edges[k], 0, 0 };
                int rc = s_decode_shape(t, &s);
                if (rc != 0)
                    fail_msg("%s field %s, edge %d: got %d", s_types[t].name, f->name, k, rc);
                checked++;
            }
            index++;
        }
    }
    assert_true(checked > 10);

    /* And the value arrives: attempt at UINT32_MAX, status at INT64_MIN. */
    proto_msg_t m, got;
    s_fill(&m, PROTO_FAIL, 1);
    msgpack_sbuffer sbuf;
    s_edge_value = UINT32_MAX;
    shape_t attempt = { NULL, NULL, 1, s_edge_uint, 0, 0 };
    s_pack_header(&sbuf, &m, s_types[PROTO_FAIL - 1].fields, &attempt);
    assert_int_equal(s_decode(sbuf.data, sbuf.size, &got), 0);
    assert_int_equal(got.attempt, UINT32_MAX);
    msgpack_sbuffer_destroy(&sbuf);
}

/* --- damaged frames ----------------------------------------------------- */

/* Every proper prefix of every type's header is refused, and so is one
 * byte too many. */
static void test_truncated_and_trailing(void **state)
{
    (void)state;
    buf_t out;
    buf_init(&out, 8192);
    for (size_t t = 0; t < N_TYPES; t++) {
        proto_msg_t m;
        s_fill(&m, (proto_type_t)s_types[t].num, 0);
        buf_reset(&out);
        assert_int_equal(proto_msg_encode(&m, &out), 0);
        for (size_t len = 0; len < out.len; len++) {
            char *copy = malloc(len ? len : 1); /* exact size, for ASan */
            memcpy(copy, out.data, len);
            proto_msg_t got;
            int rc = s_decode(copy, len, &got);
            free(copy);
            if (rc != -EBADMSG)
                fail_msg("%s cut to %zu of %zu bytes: got %d", s_types[t].name, len, out.len, rc);
        }
        assert_int_equal(buf_append(&out, "\xc0", 1), 0);
        proto_msg_t got;
        if (s_decode(out.data, out.len, &got) != -EBADMSG)
            fail_msg("%s with a trailing byte is accepted", s_types[t].name);
    }
    buf_fini(&out);
}

/* Lying headers are refused before msgpack-c would reserve memory for them. */
static void test_huge_counts(void **state)
{
    (void)state;
    static const unsigned char array32[] = { 0xdd, 0xff, 0xff, 0xff, 0xff };
    static const unsigned char text32[] = { 0x93, 0x01, 0x08, 0xdb, 0xff, 0xff, 0xff, 0xff };
    static const unsigned char skip32[] = { 0x93, 0x01, 0x08, 0xdd, 0x7f, 0xff, 0xff, 0xff };
    proto_msg_t got;
    assert_int_equal(s_decode(array32, sizeof array32, &got), -EBADMSG);
    assert_int_equal(s_decode(text32, sizeof text32, &got), -EBADMSG);
    assert_int_equal(s_decode(skip32, sizeof skip32, &got), -EBADMSG);
}

/* Garbage and mutations: only 0, -EBADMSG or -EPROTO, never a crash; what
 * is accepted is a known type with a terminated text and a skip list within
 * its cap. */
static void test_garbage(void **state)
{
    (void)state;
    uint64_t seed = 0x6d722d6d73670000ULL; /* "mr-msg" */
    size_t outcomes[3] = { 0, 0, 0 };

    buf_t valid[N_TYPES * N_SETS];
    for (size_t i = 0; i < N_TYPES * N_SETS; i++) {
        proto_msg_t m;
        s_fill(&m, (proto_type_t)s_types[i / N_SETS].num, (int)(i % N_SETS));
        buf_init(&valid[i], 8192);
        assert_int_equal(proto_msg_encode(&m, &valid[i]), 0);
    }

    unsigned char frame[8192];
    for (int iter = 0; iter < 60000; iter++) {
        size_t len;
        if (iter % 2 == 0) {
            len = (size_t)(s_rand(&seed) % 40);
            for (size_t i = 0; i < len; i++)
                frame[i] = (unsigned char)(s_rand(&seed) >> 24);
            if (len && iter % 4 == 0)
                frame[0] = (unsigned char)(0x90 + s_rand(&seed) % 16); /* an array */
        } else {
            const buf_t *v = &valid[s_rand(&seed) % (N_TYPES * N_SETS)];
            len = v->len;
            assert_true(len <= sizeof frame);
            memcpy(frame, v->data, len);
            int flips = 1 + (int)(s_rand(&seed) % 3);
            for (int i = 0; i < flips; i++) {
                uint64_t r = s_rand(&seed);
                /* Mostly near the start, where the structure is. */
                size_t at = (r & 1) ? (r >> 8) % (len < 24 ? len : 24) : (r >> 8) % len;
                frame[at] = (unsigned char)(r >> 40);
            }
        }
        unsigned char *copy = malloc(len ? len : 1);
        if (len)
            memcpy(copy, frame, len);
        proto_msg_t got;
        int rc = s_decode(copy, len, &got);
        free(copy);
        if (rc == 0) {
            outcomes[0]++;
            assert_string_not_equal(proto_type_name(got.type), "UNKNOWN");
            assert_non_null(memchr(got.text, '\0', sizeof got.text));
            assert_true(got.n_skip <= PROTO_SKIP_MAX);
        } else if (rc == -EBADMSG) {
            outcomes[1]++;
        } else if (rc == -EPROTO) {
            outcomes[2]++;
        } else {
            fail_msg("iteration %d: unexpected %d", iter, rc);
        }
    }
    print_message("accepted %zu, malformed %zu, other version %zu\n", outcomes[0], outcomes[1],
                  outcomes[2]);
    assert_true(outcomes[0] > 0 && outcomes[1] > 0 && outcomes[2] > 0);
    for (size_t i = 0; i < N_TYPES * N_SETS; i++)
        buf_fini(&valid[i]);
}

/* A NULL err_t is allowed: same results. */
static void test_decode_without_err(void **state)
{
    (void)state;
    proto_msg_t got;
    /* [version, STOP]: this version, version 1, and an unknown type. */
    assert_int_equal(proto_msg_decode("\x92\x04\x08", 3, &got, NULL), 0);
    assert_int_equal(proto_msg_decode("\x92\x01\x08", 3, &got, NULL), -EPROTO);
    assert_int_equal(proto_msg_decode("\x92\x04\x7f", 3, &got, NULL), -EBADMSG);
    assert_int_equal(proto_msg_decode("", 0, &got, NULL), -EBADMSG);
    /* Past PROTO_HEADER_MAX nothing is unpacked: a valid array of nils
     * would have cost 24 bytes of msgpack objects per byte. */
    static uint8_t nils[PROTO_HEADER_MAX + 1];
    nils[0] = 0xdc; /* array 16 */
    nils[1] = (uint8_t)((PROTO_HEADER_MAX - 2) >> 8);
    nils[2] = (uint8_t)((PROTO_HEADER_MAX - 2) & 0xff);
    memset(nils + 3, 0xc0, sizeof nils - 3);
    err_t e;
    err_init(&e);
    assert_int_equal(proto_msg_decode(nils, sizeof nils, &got, &e), -EMSGSIZE);
    assert_non_null(strstr(e.text, "over the cap"));
}

/* --- names and payloads ------------------------------------------------- */

static void test_type_names(void **state)
{
    (void)state;
    for (size_t t = 0; t < N_TYPES; t++)
        assert_string_equal(proto_type_name(s_types[t].num), s_types[t].name);
    assert_string_equal(proto_type_name(PROTO_READY), "READY");
    assert_string_equal(proto_type_name(PROTO_TASK), "TASK");
    assert_string_equal(proto_type_name(PROTO_STOP), "STOP");
    assert_string_equal(proto_type_name(0), "UNKNOWN");
    assert_string_equal(proto_type_name(N_TYPES + 1), "UNKNOWN");
    assert_string_equal(proto_type_name(1000), "UNKNOWN");
    assert_string_equal(proto_type_name(UINT32_MAX), "UNKNOWN");
}

static void test_type_has_payload(void **state)
{
    (void)state;
    for (size_t t = 0; t < N_TYPES; t++)
        assert_int_equal(proto_type_has_payload((proto_type_t)s_types[t].num), s_types[t].payload);
    assert_true(proto_type_has_payload(PROTO_TASK));
    assert_true(proto_type_has_payload(PROTO_RESULT));
    assert_false(proto_type_has_payload(PROTO_READY));
    assert_false(proto_type_has_payload(PROTO_ACK));
    assert_false(proto_type_has_payload(PROTO_FAIL));
    assert_false(proto_type_has_payload(PROTO_FINISH));
    assert_false(proto_type_has_payload(PROTO_DONE));
    assert_false(proto_type_has_payload(PROTO_STOP));
    assert_false(proto_type_has_payload((proto_type_t)0));
    assert_false(proto_type_has_payload((proto_type_t)(N_TYPES + 1)));
    assert_false(proto_type_has_payload((proto_type_t)1000));
}

/* The job mode's names, the --mode of mr-mapper and mr-reducer, and
 * their values, a wire contract (WELCOME.mode). */
static void test_mode_names(void **state)
{
    (void)state;
    const char *names[] = { "grouped", "ordered", "unordered" };
    for (proto_mode_t m = PROTO_MODE_GROUPED; m <= PROTO_MODE_UNORDERED; m++) {
        assert_string_equal(proto_mode_name(m), names[m]);
        proto_mode_t back = PROTO_MODE_UNORDERED - m;
        assert_int_equal(proto_mode_parse(names[m], &back), 0);
        assert_int_equal(back, m);
    }
    assert_int_equal(PROTO_MODE_GROUPED, 0);
    assert_int_equal(PROTO_MODE_ORDERED, 1);
    assert_int_equal(PROTO_MODE_UNORDERED, 2);
    proto_mode_t m = PROTO_MODE_ORDERED;
    assert_int_equal(proto_mode_parse("auto", &m), -EINVAL);
    assert_int_equal(proto_mode_parse("Grouped", &m), -EINVAL);
    assert_int_equal(proto_mode_parse("", &m), -EINVAL);
    assert_int_equal(m, PROTO_MODE_ORDERED); /* untouched on failure */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_task_usage),
        cmocka_unit_test(test_mode_names),
        cmocka_unit_test(test_every_field_is_described),
        cmocka_unit_test(test_round_trip_every_type),
        cmocka_unit_test(test_empty_text_round_trip),
        cmocka_unit_test(test_text_at_cap),
        cmocka_unit_test(test_encode_cap),
        cmocka_unit_test(test_skip_limits),
        cmocka_unit_test(test_encode_unknown_type),
        cmocka_unit_test(test_hand_built_baseline),
        cmocka_unit_test(test_wrong_version),
        cmocka_unit_test(test_unknown_type),
        cmocka_unit_test(test_wrong_element_count),
        cmocka_unit_test(test_wrong_field_types),
        cmocka_unit_test(test_field_edges_accepted),
        cmocka_unit_test(test_truncated_and_trailing),
        cmocka_unit_test(test_huge_counts),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_decode_without_err),
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_type_has_payload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
