/*
 * buf.h - a growing byte buffer with a hard cap (after curl's dynbuf).
 *
 * The caller owns the buf_t; buf_init/buf_fini bracket its life.  Growth past
 * max fails with -EMSGSIZE instead of consuming memory without bound.
 */
#ifndef MR_BUF_H
#define MR_BUF_H

#include <stddef.h>

typedef struct buf {
    char *data; /* owned storage, NULL until the first append */
    size_t len; /* bytes in use */
    size_t cap; /* bytes allocated */
    size_t max; /* the cap: len never exceeds it */
} buf_t;

void buf_init(buf_t *b, size_t max);
void buf_fini(buf_t *b);

/* Makes room for extra more bytes; 0 or -EMSGSIZE when len + extra > max. */
int buf_reserve(buf_t *b, size_t extra);

/* Appends len bytes; 0 or -EMSGSIZE. */
int buf_append(buf_t *b, const void *data, size_t len);

/* Forgets the contents, keeps the storage. */
void buf_reset(buf_t *b);

#endif
