/*
 * frame.c - structural validation of one msgpack object.  See frame.h.
 *
 * The walk never allocates and never reads past len.  A container of n
 * elements needs at least n bytes (map: 2n) after its header, since every
 * msgpack object is at least one byte; that check is what defeats the
 * "huge count in a tiny frame" attack before msgpack-c can act on it.
 */
#include "frame.h"

#include <errno.h>
#include <stdint.h>

typedef struct walker {
    const unsigned char *p; /* the frame */
    size_t len;             /* its length */
    size_t off;             /* next byte to read */
    err_t *e;               /* where to report */
} walker_t;

static int s_bad(walker_t *w, const char *what)
{
    return err_set(w->e, -EBADMSG, "malformed frame at byte %zu of %zu: %s", w->off, w->len, what);
}

/* Reads a big-endian unsigned of n bytes into *v. */
static int s_uint(walker_t *w, size_t n, uint64_t *v)
{
    if (w->len - w->off < n)
        return s_bad(w, "truncated length");
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x = (x << 8) | w->p[w->off + i];
    w->off += n;
    *v = x;
    return 0;
}

static int s_skip(walker_t *w, uint64_t n, const char *what)
{
    if (w->len - w->off < n)
        return s_bad(w, what);
    w->off += (size_t)n;
    return 0;
}

static int s_object(walker_t *w, int depth);

static int s_container(walker_t *w, uint64_t n, uint64_t per, int depth)
{
    if (depth <= 0)
        return s_bad(w, "nesting too deep");
    if (n > (w->len - w->off) / per)
        return s_bad(w, "container count larger than the bytes left");
    for (uint64_t i = 0; i < n * per; i++) {
        int rc = s_object(w, depth - 1);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int s_object(walker_t *w, int depth)
{
    if (w->off >= w->len)
        return s_bad(w, "truncated object");
    unsigned char t = w->p[w->off++];
    uint64_t n = 0;
    int rc = 0;

    if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3)
        return 0; /* fixint, nil, bool */
    if (t >= 0x80 && t <= 0x8f)
        return s_container(w, t & 0x0f, 2, depth);
    if (t >= 0x90 && t <= 0x9f)
        return s_container(w, t & 0x0f, 1, depth);
    if (t >= 0xa0 && t <= 0xbf)
        return s_skip(w, t & 0x1f, "truncated string");

    switch (t) {
    case 0xc4:
    case 0xc5:
    case 0xc6: /* bin 8/16/32 */
        rc = s_uint(w, (size_t)1 << (t - 0xc4), &n);
        return rc < 0 ? rc : s_skip(w, n, "truncated binary");
    case 0xd9:
    case 0xda:
    case 0xdb: /* str 8/16/32 */
        rc = s_uint(w, (size_t)1 << (t - 0xd9), &n);
        return rc < 0 ? rc : s_skip(w, n, "truncated string");
    case 0xc7:
    case 0xc8:
    case 0xc9: /* ext 8/16/32: length, type, data */
        rc = s_uint(w, (size_t)1 << (t - 0xc7), &n);
        return rc < 0 ? rc : s_skip(w, n + 1, "truncated extension");
    case 0xca: return s_skip(w, 4, "truncated float");
    case 0xcb: return s_skip(w, 8, "truncated float");
    case 0xcc:
    case 0xd0: return s_skip(w, 1, "truncated integer");
    case 0xcd:
    case 0xd1: return s_skip(w, 2, "truncated integer");
    case 0xce:
    case 0xd2: return s_skip(w, 4, "truncated integer");
    case 0xcf:
    case 0xd3: return s_skip(w, 8, "truncated integer");
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8: /* fixext */
        return s_skip(w, 1 + ((uint64_t)1 << (t - 0xd4)), "truncated extension");
    case 0xdc:
    case 0xdd:
        rc = s_uint(w, t == 0xdc ? 2 : 4, &n);
        return rc < 0 ? rc : s_container(w, n, 1, depth);
    case 0xde:
    case 0xdf:
        rc = s_uint(w, t == 0xde ? 2 : 4, &n);
        return rc < 0 ? rc : s_container(w, n, 2, depth);
    default: /* 0xc1 is never used */ w->off--; return s_bad(w, "invalid type byte");
    }
}

int frame_check(const void *data, size_t len, int max_depth, err_t *e)
{
    walker_t w = { data, len, 0, e };
    if (len == 0)
        return s_bad(&w, "empty frame");
    int rc = s_object(&w, max_depth);
    if (rc < 0)
        return rc;
    if (w.off != len)
        return s_bad(&w, "trailing bytes after the object");
    return 0;
}
