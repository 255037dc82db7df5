/*
 * proto_msg_t.c - encode and decode message headers with msgpack-c.
 *
 * One table-driven codec serves every type: PROTO_MSG_TYPES gives each
 * type's field set, and the encoder and decoder walk the fields in the one
 * canonical order.  The decoder is strict: frame_check first (sizes, depth,
 * exactly one object), then exact element count and the type of every field.
 */
#include "proto_msg.h"

#include "frame.h"

#include <errno.h>
#include <msgpack.h>
#include <string.h>

typedef struct type_info {
    uint32_t fields; /* PROTO_F_* bits */
    bool payload;    /* carries a payload frame */
    const char *name;
} type_info_t;

static const type_info_t *s_info(uint32_t type)
{
    static const type_info_t table[] = {
#define PROTO_X_INFO(num, name, fields, payload) [num] = { fields, payload, #name },
        PROTO_MSG_TYPES(PROTO_X_INFO)
#undef PROTO_X_INFO
    };
    if (type >= sizeof table / sizeof table[0] || !table[type].name)
        return NULL;
    return &table[type];
}

void proto_msg_init(proto_msg_t *m, proto_type_t type)
{
    memset(m, 0, sizeof *m);
    m->type = type;
}

bool proto_type_has_payload(proto_type_t type)
{
    const type_info_t *info = s_info(type);
    return info && info->payload;
}

const char *proto_type_name(uint32_t type)
{
    const type_info_t *info = s_info(type);
    return info ? info->name : "UNKNOWN";
}

const char *proto_mode_name(proto_mode_t mode)
{
    switch (mode) {
    case PROTO_MODE_GROUPED: return "grouped";
    case PROTO_MODE_ORDERED: return "ordered";
    case PROTO_MODE_UNORDERED: return "unordered";
    }
    return "?";
}

int proto_mode_parse(const char *name, proto_mode_t *mode)
{
    for (proto_mode_t m = PROTO_MODE_GROUPED; m <= PROTO_MODE_UNORDERED; m++) {
        if (strcmp(name, proto_mode_name(m)) == 0) {
            *mode = m;
            return 0;
        }
    }
    return -EINVAL;
}

static int s_write(void *data, const char *bytes, size_t len)
{
    return buf_append(data, bytes, len) < 0 ? -1 : 0;
}

int proto_msg_encode(const proto_msg_t *m, buf_t *out)
{
    const type_info_t *info = s_info(m->type);
    if (!info)
        return -EINVAL;
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, s_write);
    int rc = msgpack_pack_array(&pk, 2 + (size_t)__builtin_popcount(info->fields));
    rc |= msgpack_pack_uint32(&pk, PROTO_VERSION);
    rc |= msgpack_pack_uint32(&pk, m->type);
    uint32_t f = info->fields;
    if (f & PROTO_F_CHUNK)
        rc |= msgpack_pack_uint64(&pk, m->chunk);
    if (f & PROTO_F_ATTEMPT)
        rc |= msgpack_pack_uint32(&pk, m->attempt);
    if (f & PROTO_F_MAPPER)
        rc |= msgpack_pack_uint32(&pk, m->mapper);
    if (f & PROTO_F_PID)
        rc |= msgpack_pack_uint64(&pk, m->pid);
    if (f & PROTO_F_RECORDS)
        rc |= msgpack_pack_uint64(&pk, m->records);
    if (f & PROTO_F_OUTPUTS)
        rc |= msgpack_pack_uint64(&pk, m->outputs);
    if (f & PROTO_F_FRESH)
        rc |= m->fresh ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
    if (f & PROTO_F_TOTAL)
        rc |= msgpack_pack_uint64(&pk, m->total);
    if (f & PROTO_F_OFFSET)
        rc |= msgpack_pack_uint64(&pk, m->offset);
    if (f & PROTO_F_STATUS)
        rc |= msgpack_pack_int64(&pk, m->status);
    if (f & PROTO_F_TEXT) {
        size_t n = strnlen(m->text, PROTO_TEXT_MAX);
        rc |= msgpack_pack_str_with_body(&pk, m->text, n);
    }
    if (f & PROTO_F_SKIP) {
        if (m->n_skip > PROTO_SKIP_MAX)
            return -EMSGSIZE;
        rc |= msgpack_pack_array(&pk, m->n_skip);
        for (uint32_t i = 0; i < m->n_skip; i++)
            rc |= msgpack_pack_uint64(&pk, m->skip[i]);
    }
    if (f & PROTO_F_INPUT)
        rc |= msgpack_pack_uint32(&pk, m->input);
    if (f & PROTO_F_LENGTH)
        rc |= msgpack_pack_uint64(&pk, m->length);
    if (f & PROTO_F_DIGEST)
        rc |= msgpack_pack_bin_with_body(&pk, m->digest, PROTO_DIGEST_LEN);
    if (f & PROTO_F_TASK_PORT)
        rc |= msgpack_pack_uint32(&pk, m->task_port);
    if (f & PROTO_F_RESULT_PORT)
        rc |= msgpack_pack_uint32(&pk, m->result_port);
    if (f & PROTO_F_MODE)
        rc |= msgpack_pack_uint32(&pk, m->mode);
    if (f & PROTO_F_FLAGS)
        rc |= msgpack_pack_uint32(&pk, m->flags);
    if (f & PROTO_F_EMITS)
        rc |= msgpack_pack_uint64(&pk, m->emits);
    if (f & PROTO_F_TOKEN)
        rc |= msgpack_pack_bin_with_body(&pk, m->token, PROTO_TOKEN_LEN);
    if (f & PROTO_F_REDUCER)
        rc |= msgpack_pack_uint32(&pk, m->reducer);
    if (f & PROTO_F_KEYS)
        rc |= msgpack_pack_uint64(&pk, m->keys);
    if (f & PROTO_F_SPILLED)
        rc |= msgpack_pack_uint64(&pk, m->spilled);
    if (f & PROTO_F_RUNS)
        rc |= msgpack_pack_uint64(&pk, m->runs);
    if (f & PROTO_F_MERGE_MS)
        rc |= msgpack_pack_uint64(&pk, m->merge_ms);
    if (f & PROTO_F_PORTS) {
        if (m->n_ports > PROTO_REDUCERS_MAX)
            return -EMSGSIZE;
        rc |= msgpack_pack_array(&pk, m->n_ports);
        for (uint32_t i = 0; i < m->n_ports; i++)
            rc |= msgpack_pack_uint32(&pk, m->ports[i]);
    }
    if (f & PROTO_F_SOURCE)
        rc |= msgpack_pack_uint32(&pk, m->source);
    if (f & PROTO_F_COUNTERS) {
        if (m->n_counters > PROTO_CTRS_MAX)
            return -EMSGSIZE;
        rc |= msgpack_pack_bin_with_body(&pk, m->counters, m->n_counters);
    }
    return rc ? -EMSGSIZE : 0;
}

/* Reads an unsigned field no larger than max. */
static int s_uint(const msgpack_object *o, uint64_t max, uint64_t *v, const char *what, err_t *e)
{
    if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > max)
        return err_set(e, -EBADMSG,
                       "malformed header: field %s is not an unsigned integer "
                       "up to %llu",
                       what, (unsigned long long)max);
    *v = o->via.u64;
    return 0;
}

/* Reads a binary field of exactly len bytes into out (a digest, a token). */
static int s_bin(const msgpack_object *o, uint8_t *out, size_t len, const char *what, err_t *e)
{
    if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != len)
        return err_set(e, -EBADMSG, "malformed header: field %s is not %zu bytes", what, len);
    memcpy(out, o->via.bin.ptr, len);
    return 0;
}

static int s_fields(const msgpack_object *o, uint32_t f, proto_msg_t *m, err_t *e)
{
    uint64_t v = 0;
    int rc = 0;
#define TAKE_UINT(bit, field, max)                        \
    if (f & (bit)) {                                      \
        if ((rc = s_uint(o++, (max), &v, #field, e)) < 0) \
            return rc;                                    \
        m->field = v;                                     \
    }
    TAKE_UINT(PROTO_F_CHUNK, chunk, UINT64_MAX)
    TAKE_UINT(PROTO_F_ATTEMPT, attempt, UINT32_MAX)
    TAKE_UINT(PROTO_F_MAPPER, mapper, UINT32_MAX)
    TAKE_UINT(PROTO_F_PID, pid, UINT64_MAX)
    TAKE_UINT(PROTO_F_RECORDS, records, UINT64_MAX)
    TAKE_UINT(PROTO_F_OUTPUTS, outputs, UINT64_MAX)
    if (f & PROTO_F_FRESH) {
        if (o->type != MSGPACK_OBJECT_BOOLEAN)
            return err_set(e, -EBADMSG, "malformed header: field fresh is not a boolean");
        m->fresh = (o++)->via.boolean;
    }
    TAKE_UINT(PROTO_F_TOTAL, total, UINT64_MAX)
    TAKE_UINT(PROTO_F_OFFSET, offset, UINT64_MAX)
    if (f & PROTO_F_STATUS) {
        if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
            m->status = o->via.i64;
        else if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX)
            m->status = (int64_t)o->via.u64;
        else
            return err_set(e, -EBADMSG, "malformed header: field status is not an integer");
        o++;
    }
    if (f & PROTO_F_TEXT) {
        if (o->type != MSGPACK_OBJECT_STR || o->via.str.size > PROTO_TEXT_MAX)
            return err_set(e, -EBADMSG,
                           "malformed header: field text is not a string of at "
                           "most %d bytes",
                           PROTO_TEXT_MAX);
        if (o->via.str.size) /* msgpack-c gives NULL for "" */
            memcpy(m->text, o->via.str.ptr, o->via.str.size);
        m->text[o->via.str.size] = '\0';
        o++;
    }
    if (f & PROTO_F_SKIP) {
        if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size > PROTO_SKIP_MAX)
            return err_set(e, -EBADMSG,
                           "malformed header: field skip is not an array of at "
                           "most %d offsets",
                           PROTO_SKIP_MAX);
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            const msgpack_object *x = &o->via.array.ptr[i];
            if (x->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
                (i > 0 && x->via.u64 <= m->skip[i - 1]))
                return err_set(e, -EBADMSG,
                               "malformed header: skip offsets must be ascending "
                               "unsigned integers");
            m->skip[i] = x->via.u64;
        }
        m->n_skip = o->via.array.size;
        o++;
    }
    TAKE_UINT(PROTO_F_INPUT, input, UINT32_MAX)
    TAKE_UINT(PROTO_F_LENGTH, length, UINT64_MAX)
    if ((f & PROTO_F_DIGEST) && (rc = s_bin(o++, m->digest, sizeof m->digest, "digest", e)) < 0)
        return rc;
    TAKE_UINT(PROTO_F_TASK_PORT, task_port, 65535)
    TAKE_UINT(PROTO_F_RESULT_PORT, result_port, 65535)
    TAKE_UINT(PROTO_F_MODE, mode, PROTO_MODE_UNORDERED)
    TAKE_UINT(PROTO_F_FLAGS, flags, PROTO_FLAG_NUL | PROTO_FLAG_COMBINE | PROTO_FLAG_ARG)
    TAKE_UINT(PROTO_F_EMITS, emits, UINT64_MAX)
    if ((f & PROTO_F_TOKEN) && (rc = s_bin(o++, m->token, sizeof m->token, "token", e)) < 0)
        return rc;
    TAKE_UINT(PROTO_F_REDUCER, reducer, PROTO_REDUCERS_MAX - 1)
    TAKE_UINT(PROTO_F_KEYS, keys, UINT64_MAX)
    TAKE_UINT(PROTO_F_SPILLED, spilled, UINT64_MAX)
    TAKE_UINT(PROTO_F_RUNS, runs, UINT64_MAX)
    TAKE_UINT(PROTO_F_MERGE_MS, merge_ms, UINT64_MAX)
#undef TAKE_UINT
    if (f & PROTO_F_PORTS) {
        if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size > PROTO_REDUCERS_MAX)
            return err_set(e, -EBADMSG,
                           "malformed header: field ports is not an array of at most %d ports",
                           PROTO_REDUCERS_MAX);
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            const msgpack_object *x = &o->via.array.ptr[i];
            if (x->type != MSGPACK_OBJECT_POSITIVE_INTEGER || x->via.u64 > 65535)
                return err_set(e, -EBADMSG, "malformed header: a port is not a TCP port");
            m->ports[i] = (uint32_t)x->via.u64;
        }
        m->n_ports = o->via.array.size;
        o++;
    }
    if (f & PROTO_F_SOURCE) {
        if ((rc = s_uint(o++, UINT32_MAX, &v, "source", e)) < 0)
            return rc;
        m->source = (uint32_t)v;
    }
    if (f & PROTO_F_COUNTERS) {
        if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size > PROTO_CTRS_MAX)
            return err_set(e, -EBADMSG,
                           "malformed header: field counters is not binary of at most %d bytes",
                           PROTO_CTRS_MAX);
        if (o->via.bin.size) /* msgpack-c may give NULL for an empty bin */
            memcpy(m->counters, o->via.bin.ptr, o->via.bin.size);
        m->n_counters = o->via.bin.size;
        o++;
    }
    return 0;
}

int proto_msg_decode(const void *data, size_t len, proto_msg_t *m, err_t *e)
{
    if (len > PROTO_HEADER_MAX)
        return err_set(e, -EMSGSIZE, "header frame of %zu bytes, over the cap of %d", len,
                       PROTO_HEADER_MAX);
    int rc = frame_check(data, len, FRAME_MAX_DEPTH, e);
    if (rc < 0)
        return rc;

    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    if (msgpack_unpack_next(&up, data, len, &off) != MSGPACK_UNPACK_SUCCESS || off != len) {
        rc = err_set(e, -EBADMSG, "malformed header: not one msgpack object");
        goto done;
    }
    const msgpack_object *root = &up.data;
    if (root->type != MSGPACK_OBJECT_ARRAY || root->via.array.size < 2) {
        rc = err_set(e, -EBADMSG, "malformed header: not an array [version, type, ...]");
        goto done;
    }
    const msgpack_object *o = root->via.array.ptr;
    uint64_t version = 0;
    uint64_t type = 0;
    if ((rc = s_uint(&o[0], UINT32_MAX, &version, "version", e)) < 0)
        goto done;
    if (version != PROTO_VERSION) {
        rc = err_set(e, -EPROTO, "protocol version %llu, expected %d", (unsigned long long)version,
                     PROTO_VERSION);
        goto done;
    }
    if ((rc = s_uint(&o[1], UINT32_MAX, &type, "type", e)) < 0)
        goto done;
    const type_info_t *info = s_info((uint32_t)type);
    if (!info) {
        rc = err_set(e, -EBADMSG, "malformed header: unknown message type %llu",
                     (unsigned long long)type);
        goto done;
    }
    size_t want = 2 + (size_t)__builtin_popcount(info->fields);
    if (root->via.array.size != want) {
        rc = err_set(e, -EBADMSG, "malformed header: %s has %u elements, expected %zu", info->name,
                     root->via.array.size, want);
        goto done;
    }
    proto_msg_init(m, (proto_type_t)type);
    rc = s_fields(o + 2, info->fields, m, e);
done:
    msgpack_unpacked_destroy(&up);
    return rc;
}
