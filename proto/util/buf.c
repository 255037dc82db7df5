/*
 * buf.c - capped growing byte buffer.  See buf.h.
 */
#include "buf.h"

#include "mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void buf_init(buf_t *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void buf_fini(buf_t *b)
{
    free(b->data);
    buf_init(b, b->max);
}

int buf_reserve(buf_t *b, size_t extra)
{
    if (extra > b->max - b->len)
        return -EMSGSIZE;
    size_t need = b->len + extra;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > b->max / 2 ? b->max : cap * 2;
    b->data = mem_realloc(b->data, cap);
    b->cap = cap;
    return 0;
}

int buf_append(buf_t *b, const void *data, size_t len)
{
    int rc = buf_reserve(b, len);
    if (rc < 0)
        return rc;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}

void buf_reset(buf_t *b)
{
    b->len = 0;
}
