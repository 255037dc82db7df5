/*
 * proto_pairs.c - the RESULT payload codec.  See proto_pairs.h.
 */
#include "proto_pairs.h"

#include <assert.h>
#include <errno.h>
#include <msgpack.h>
#include <stdint.h>
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
    memset(p, 0, sizeof *p);
}

/* Reads a big-endian unsigned of n bytes at d. */
static uint64_t s_be(const unsigned char *d, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | d[i];
    return v;
}

/* Parses one binary at *pos: its bytes in *out; advances *pos.  The frame
 * was checked by proto_pairs_decode, so this cannot fail there. */
static int s_bin(const unsigned char *d, size_t len, size_t *pos, mr_bytes_t *out)
{
    if (*pos >= len)
        return -EBADMSG;
    unsigned char t = d[*pos];
    size_t width = t == 0xc4 ? 1 : t == 0xc5 ? 2 : t == 0xc6 ? 4 : 0;
    if (width == 0 || len - *pos - 1 < width)
        return -EBADMSG;
    uint64_t n = s_be(d + *pos + 1, width);
    size_t start = *pos + 1 + width;
    if (n > len - start)
        return -EBADMSG;
    out->ptr = d + start;
    out->len = (size_t)n;
    *pos = start + (size_t)n;
    return 0;
}

int proto_pairs_decode(const void *data, size_t len, proto_pairs_t *p, err_t *e)
{
    proto_pairs_init(p);
    const unsigned char *d = data;
    if (len == 0)
        return err_set(e, -EBADMSG, "malformed pairs: empty frame");
    uint64_t n = 0;
    size_t head = 0;
    if (d[0] >= 0x90 && d[0] <= 0x9f) {
        n = d[0] & 0x0f;
        head = 1;
    } else if ((d[0] == 0xdc && len >= 3) || (d[0] == 0xdd && len >= 5)) {
        head = d[0] == 0xdc ? 3 : 5;
        n = s_be(d + 1, head - 1);
    } else {
        return err_set(e, -EBADMSG, "malformed pairs: not an array of key, value binaries");
    }
    if (n % 2 != 0)
        return err_set(e, -EBADMSG, "malformed pairs: an odd number of elements");
    /* Every binary takes at least 2 bytes: a count beyond that is a lie. */
    if (n > (len - head) / 2)
        return err_set(e, -EBADMSG, "malformed pairs: %llu elements in %zu bytes",
                       (unsigned long long)n, len - head);
    size_t pos = head;
    for (uint64_t i = 0; i < n; i++) {
        mr_bytes_t item;
        if (s_bin(d, len, &pos, &item) < 0)
            return err_set(e, -EBADMSG,
                           "malformed pairs: element %llu at byte %zu is not a "
                           "binary that fits the frame",
                           (unsigned long long)i, pos);
    }
    if (pos != len)
        return err_set(e, -EBADMSG, "malformed pairs: %zu bytes after the array", len - pos);
    p->data = d;
    p->len = len;
    p->count = (size_t)(n / 2);
    p->first = head;
    p->pos = head;
    return 0;
}

int proto_pairs_next(proto_pairs_t *p, mr_bytes_t *key, mr_bytes_t *value)
{
    if (p->next >= p->count)
        return 0;
    s_bin(p->data, p->len, &p->pos, key);
    s_bin(p->data, p->len, &p->pos, value);
    p->next++;
    return 1;
}

void proto_pairs_get(proto_pairs_t *p, size_t i, mr_bytes_t *key, mr_bytes_t *value)
{
    assert(i < p->count);
    if (i < p->next) {
        p->pos = p->first;
        p->next = 0;
    }
    while (p->next < i)
        proto_pairs_next(p, key, value);
    proto_pairs_next(p, key, value);
}

void proto_pairs_fini(proto_pairs_t *p)
{
    proto_pairs_init(p);
}
