/*
 * proto_pairs.c - the RESULT payload codec.  See proto_pairs.h.
 */
#include "proto_pairs.h"

#include "frame.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

/* array32 marker: fixed-width so the count can be patched in place. */
#define PAIRS_ARRAY32 0xdd
#define PAIRS_HEADER 5

static int s_write(void *data, const char *bytes, size_t len)
{
    return buf_append(data, bytes, len) < 0 ? -1 : 0;
}

int proto_pairs_begin(buf_t *b)
{
    static const unsigned char header[PAIRS_HEADER] = { PAIRS_ARRAY32, 0, 0, 0, 0 };
    buf_reset(b);
    return buf_append(b, header, sizeof header);
}

int proto_pairs_add(buf_t *b, const void *key, size_t key_len, const void *value, size_t value_len)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, b, s_write);
    if (key_len > UINT32_MAX || value_len > UINT32_MAX)
        return -EMSGSIZE;
    if (msgpack_pack_bin_with_body(&pk, key, key_len) ||
        msgpack_pack_bin_with_body(&pk, value, value_len))
        return -EMSGSIZE;
    return 0;
}

void proto_pairs_end(buf_t *b, uint64_t n_pairs)
{
    assert(b->len >= PAIRS_HEADER && n_pairs <= UINT32_MAX / 2);
    uint32_t n = (uint32_t)(n_pairs * 2);
    unsigned char *p = (unsigned char *)b->data;
    p[1] = (unsigned char)(n >> 24);
    p[2] = (unsigned char)(n >> 16);
    p[3] = (unsigned char)(n >> 8);
    p[4] = (unsigned char)n;
}

void proto_pairs_init(proto_pairs_t *p)
{
    msgpack_unpacked_init(&p->up);
    p->items = NULL;
    p->count = 0;
}

int proto_pairs_decode(const void *data, size_t len, proto_pairs_t *p, err_t *e)
{
    msgpack_unpacked_init(&p->up);
    p->items = NULL;
    p->count = 0;
    int rc = frame_check(data, len, FRAME_MAX_DEPTH, e);
    if (rc < 0)
        return rc;
    size_t off = 0;
    if (msgpack_unpack_next(&p->up, data, len, &off) != MSGPACK_UNPACK_SUCCESS || off != len)
        return err_set(e, -EBADMSG, "malformed pairs: not one msgpack object");
    const msgpack_object *root = &p->up.data;
    if (root->type != MSGPACK_OBJECT_ARRAY || root->via.array.size % 2 != 0)
        return err_set(e, -EBADMSG, "malformed pairs: not an array of key, value binaries");
    for (uint32_t i = 0; i < root->via.array.size; i++) {
        if (root->via.array.ptr[i].type != MSGPACK_OBJECT_BIN)
            return err_set(e, -EBADMSG, "malformed pairs: element %u is not a binary", i);
    }
    p->items = root->via.array.ptr;
    p->count = root->via.array.size / 2;
    return 0;
}

void proto_pairs_get(const proto_pairs_t *p, size_t i, mr_bytes_t *key, mr_bytes_t *value)
{
    assert(i < p->count);
    const msgpack_object *k = &p->items[2 * i];
    key->ptr = k[0].via.bin.ptr;
    key->len = k[0].via.bin.size;
    value->ptr = k[1].via.bin.ptr;
    value->len = k[1].via.bin.size;
}

void proto_pairs_fini(proto_pairs_t *p)
{
    msgpack_unpacked_destroy(&p->up);
    msgpack_unpacked_init(&p->up);
    p->items = NULL;
    p->count = 0;
}
