/*
 * fuzz_proto_msg.c - libFuzzer harness for proto/wire/proto_msg.c: the header
 * codec every process decodes its peers' bytes with.
 *
 * Properties.  Decoding any bytes returns 0, -EBADMSG or -EPROTO (then with
 * the reason in the err_t), reads nothing outside the frame (ASan) and
 * allocates little (libFuzzer's malloc limit).  What decodes is a message
 * the rest of mr may trust: a known type, every field the type does not
 * carry zero, a NUL-terminated text of at most PROTO_TEXT_MAX bytes, at
 * most PROTO_SKIP_MAX skip offsets in ascending order, at most
 * PROTO_CTRS_MAX bytes of counters, ports, mode and flags in range.  It re-encodes (proto_msg_encode), and those bytes decode
 * again to the same message, field by field, and re-encode to the same
 * bytes.  The other way round, a message built from the fuzzer's bytes with
 * every field in its documented range encodes, and decodes to itself.
 * Seeds: tests/fuzz/corpus/fuzz_proto_msg/ (one frame of each type, and
 * near misses).
 */
#include "fuzz.h"
#include "proto_msg.h"

#include <errno.h>
#include <string.h>

/* The fields of each type, from the one list in proto_msg.h. */
static uint32_t s_fields(proto_type_t type)
{
    switch (type) {
#define FUZZ_X_FIELDS(num, name, fields, payload) \
    case PROTO_##name: return (fields);
        PROTO_MSG_TYPES(FUZZ_X_FIELDS)
#undef FUZZ_X_FIELDS
    }
    return 0;
}

/* Checks that a and b agree on every field in mask (PROTO_F_* bits). */
static void s_same(const proto_msg_t *a, const proto_msg_t *b, uint32_t mask)
{
#define SAME(bit, member) FUZZ_CHECK(!(mask & (bit)) || a->member == b->member, #member " matches")
    SAME(PROTO_F_CHUNK, chunk);
    SAME(PROTO_F_ATTEMPT, attempt);
    SAME(PROTO_F_MAPPER, mapper);
    SAME(PROTO_F_PID, pid);
    SAME(PROTO_F_RECORDS, records);
    SAME(PROTO_F_OUTPUTS, outputs);
    SAME(PROTO_F_FRESH, fresh);
    SAME(PROTO_F_TOTAL, total);
    SAME(PROTO_F_OFFSET, offset);
    SAME(PROTO_F_STATUS, status);
    SAME(PROTO_F_SKIP, n_skip);
    SAME(PROTO_F_INPUT, input);
    SAME(PROTO_F_LENGTH, length);
    SAME(PROTO_F_TASK_PORT, task_port);
    SAME(PROTO_F_RESULT_PORT, result_port);
    SAME(PROTO_F_MODE, mode);
    SAME(PROTO_F_FLAGS, flags);
    SAME(PROTO_F_EMITS, emits);
    SAME(PROTO_F_REDUCER, reducer);
    SAME(PROTO_F_KEYS, keys);
    SAME(PROTO_F_SPILLED, spilled);
    SAME(PROTO_F_RUNS, runs);
    SAME(PROTO_F_MERGE_MS, merge_ms);
    SAME(PROTO_F_PORTS, n_ports);
    SAME(PROTO_F_SOURCE, source);
    SAME(PROTO_F_COUNTERS, n_counters);
#undef SAME
    if (mask & PROTO_F_TEXT)
        FUZZ_CHECK(strcmp(a->text, b->text) == 0, "text matches");
    if (mask & PROTO_F_SKIP)
        FUZZ_CHECK(memcmp(a->skip, b->skip, a->n_skip * sizeof a->skip[0]) == 0, "skip matches");
    if (mask & PROTO_F_DIGEST)
        FUZZ_CHECK(memcmp(a->digest, b->digest, sizeof a->digest) == 0, "digest matches");
    if (mask & PROTO_F_TOKEN)
        FUZZ_CHECK(memcmp(a->token, b->token, sizeof a->token) == 0, "token matches");
    if (mask & PROTO_F_PORTS)
        FUZZ_CHECK(memcmp(a->ports, b->ports, a->n_ports * sizeof a->ports[0]) == 0, "ports match");
    if (mask & PROTO_F_COUNTERS)
        FUZZ_CHECK(memcmp(a->counters, b->counters, a->n_counters) == 0, "counters match");
}

/* Checks what every decoded message promises. */
static void s_valid(const proto_msg_t *m)
{
    uint32_t fields = s_fields(m->type);
    FUZZ_CHECK(strcmp(proto_type_name(m->type), "UNKNOWN") != 0, "the type is known");
    proto_msg_t zero;
    proto_msg_init(&zero, m->type);
    s_same(m, &zero, ~fields);
    FUZZ_CHECK(memchr(m->text, '\0', PROTO_TEXT_MAX + 1) != NULL, "text is NUL-terminated");
    FUZZ_CHECK(m->n_skip <= PROTO_SKIP_MAX, "at most PROTO_SKIP_MAX skip offsets");
    for (uint32_t i = 1; i < m->n_skip; i++)
        FUZZ_CHECK(m->skip[i - 1] < m->skip[i], "skip offsets ascend");
    FUZZ_CHECK(m->task_port <= 65535 && m->result_port <= 65535, "ports are TCP ports");
    FUZZ_CHECK(m->n_ports <= PROTO_REDUCERS_MAX, "at most PROTO_REDUCERS_MAX ports");
    for (uint32_t i = 0; i < m->n_ports; i++)
        FUZZ_CHECK(m->ports[i] <= 65535, "reducers' ports are TCP ports");
    FUZZ_CHECK(m->reducer < PROTO_REDUCERS_MAX, "reducer is below PROTO_REDUCERS_MAX");
    FUZZ_CHECK(m->n_counters <= PROTO_CTRS_MAX, "at most PROTO_CTRS_MAX bytes of counters");
    FUZZ_CHECK(m->mode <= PROTO_MODE_UNORDERED, "mode is a PROTO_MODE_*");
    FUZZ_CHECK((m->flags & ~(PROTO_FLAG_NUL | PROTO_FLAG_COMBINE | PROTO_FLAG_ARG)) == 0,
               "flags are PROTO_FLAG_* bits");
}

/* Encodes m into out (initialised by the caller); the encoding must work. */
static void s_encode(const proto_msg_t *m, buf_t *out)
{
    buf_init(out, 1 << 16);
    FUZZ_CHECK(proto_msg_encode(m, out) == 0, "a valid message encodes");
}

/* Decodes data[0..len), checking the return and err_t contract. */
static int s_decode(const void *data, size_t len, proto_msg_t *m)
{
    err_t e;
    err_init(&e);
    int rc = proto_msg_decode(data, len, m, &e);
    FUZZ_CHECK(rc == 0 || rc == -EBADMSG || rc == -EPROTO, "decode returns 0, -EBADMSG or -EPROTO");
    FUZZ_CHECK(e.code == rc, "the err_t holds the code returned");
    FUZZ_CHECK((rc == 0) == (e.text[0] == '\0'), "a refusal says why");
    return rc;
}

/* Encodes m, decodes the bytes and checks that the message came back. */
static void s_round_trip(const proto_msg_t *m)
{
    buf_t first;
    s_encode(m, &first);
    proto_msg_t again;
    FUZZ_CHECK(s_decode(first.data, first.len, &again) == 0, "an encoded message decodes");
    FUZZ_CHECK(again.type == m->type, "the type survives a round trip");
    s_valid(&again);
    s_same(m, &again, s_fields(m->type));
    buf_t second;
    s_encode(&again, &second);
    FUZZ_CHECK(first.len == second.len && memcmp(first.data, second.data, first.len) == 0,
               "a message re-encodes to the same bytes");
    buf_fini(&second);
    buf_fini(&first);
}

/* Reads the fuzzer's bytes as field values, zeros once they run out. */
typedef struct reader {
    const uint8_t *p; /* next byte */
    size_t left;      /* bytes left */
} reader_t;

static uint64_t s_take(reader_t *r, size_t bytes)
{
    uint64_t v = 0;
    for (size_t i = 0; i < bytes; i++) {
        v = v << 8;
        if (r->left) {
            v |= *r->p++;
            r->left--;
        }
    }
    return v;
}

/* A message of the fuzzer's choosing, every field in its range: the
 * encoder's side of the round trip. */
static void s_build(const uint8_t *data, size_t size, proto_msg_t *m)
{
    reader_t r = { data, size };
    static const proto_type_t types[] = {
#define FUZZ_X_TYPE(num, name, fields, payload) PROTO_##name,
        PROTO_MSG_TYPES(FUZZ_X_TYPE)
#undef FUZZ_X_TYPE
    };
    proto_msg_init(m, types[s_take(&r, 1) % (sizeof types / sizeof types[0])]);
    m->chunk = s_take(&r, 8);
    m->attempt = (uint32_t)s_take(&r, 4);
    m->mapper = (uint32_t)s_take(&r, 4);
    m->pid = s_take(&r, 8);
    m->records = s_take(&r, 8);
    m->outputs = s_take(&r, 8);
    m->fresh = s_take(&r, 1) & 1;
    m->total = s_take(&r, 8);
    m->offset = s_take(&r, 8);
    m->status = (int64_t)s_take(&r, 8);
    m->input = (uint32_t)s_take(&r, 4);
    m->length = s_take(&r, 8);
    m->task_port = (uint32_t)s_take(&r, 2);
    m->result_port = (uint32_t)s_take(&r, 2);
    m->mode = (uint32_t)(s_take(&r, 1) % (PROTO_MODE_UNORDERED + 1));
    m->flags = (uint32_t)s_take(&r, 1) & (PROTO_FLAG_NUL | PROTO_FLAG_COMBINE | PROTO_FLAG_ARG);
    m->emits = s_take(&r, 8);
    for (size_t i = 0; i < PROTO_DIGEST_LEN; i++)
        m->digest[i] = (uint8_t)s_take(&r, 1);
    for (size_t i = 0; i < PROTO_TOKEN_LEN; i++)
        m->token[i] = (uint8_t)s_take(&r, 1);
    m->reducer = (uint32_t)(s_take(&r, 1) % PROTO_REDUCERS_MAX);
    m->keys = s_take(&r, 8);
    m->spilled = s_take(&r, 8);
    m->runs = s_take(&r, 8);
    m->merge_ms = s_take(&r, 8);
    m->n_ports = (uint32_t)(s_take(&r, 1) % (PROTO_REDUCERS_MAX + 1));
    for (uint32_t i = 0; i < m->n_ports; i++)
        m->ports[i] = (uint32_t)s_take(&r, 2);
    m->source = (uint32_t)s_take(&r, 4);
    /* Counters are bytes to the codec (counters.h parses them): up to the
     * cap, from the fuzzer's bytes. */
    m->n_counters = (uint32_t)(s_take(&r, 2) % (PROTO_CTRS_MAX + 1));
    for (uint32_t i = 0; i < m->n_counters; i++)
        m->counters[i] = (uint8_t)s_take(&r, 1);
    /* Ascending offsets from a start and steps of 1 to 256. */
    m->n_skip = (uint32_t)(s_take(&r, 2) % (PROTO_SKIP_MAX + 1));
    uint64_t at = s_take(&r, 8) >> 1;
    for (uint32_t i = 0; i < m->n_skip; i++) {
        at += 1 + s_take(&r, 1);
        m->skip[i] = at;
    }
    /* The rest is the text, up to its first NUL or PROTO_TEXT_MAX bytes. */
    size_t n = r.left < PROTO_TEXT_MAX ? r.left : PROTO_TEXT_MAX;
    memcpy(m->text, r.p, n);
    m->text[n] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    proto_msg_t m;
    if (s_decode(data, size, &m) == 0) {
        s_valid(&m);
        s_round_trip(&m);
    }

    proto_msg_t built;
    s_build(data, size, &built);
    s_round_trip(&built);
    return 0;
}
