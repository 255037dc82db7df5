/*
 * proto_pairs.h - the payload of a RESULT: a chunk's (key, value) pairs.
 *
 * Wire form: one msgpack array32 of 2n binaries, k0 v0 k1 v1 ...  The
 * writer appends pairs as the plugin emits them and patches the count at
 * the end, so no pair is held twice.  The reader checks the frame and then
 * walks it with a cursor, without copying or allocating: msgpack-c's
 * unpacker would allocate a 24-byte object per key and value, so a frame
 * of empty binaries made the reducer allocate 12 times its size.  Keys and
 * values point into the frame, valid while the frame lives.
 */
#ifndef MR_PROTO_PAIRS_H
#define MR_PROTO_PAIRS_H

#include "buf.h"
#include "err.h"
#include "mr.h"

#include <stddef.h>
#include <stdint.h>

/* Starts a new payload in b (its old contents are dropped). */
int proto_pairs_begin(buf_t *b);

/* Appends one pair; 0 or -EMSGSIZE over b's cap. */
int proto_pairs_add(buf_t *b, const void *key, size_t key_len, const void *value, size_t value_len);

/* Writes the final pair count into the payload started by proto_pairs_begin. */
void proto_pairs_end(buf_t *b, uint64_t n_pairs);

/* A decoded payload: the frame (borrowed) and a cursor over its pairs.
 * Decoding allocates nothing, whatever the frame says. */
typedef struct proto_pairs {
    const unsigned char *data; /* the frame, borrowed; NULL when empty */
    size_t len;                /* its length */
    size_t count;              /* number of pairs */
    size_t first;              /* byte offset of the first pair */
    size_t pos;                /* byte offset of pair `next` */
    size_t next;               /* index of the pair at pos */
} proto_pairs_t;

/* Makes p empty, ready for proto_pairs_decode or proto_pairs_fini. */
void proto_pairs_init(proto_pairs_t *p);

/* Checks a whole payload (one array of 2n binaries, each length backed by
 * the bytes left, nothing after) and points p at it; p borrows data, which
 * must outlive it.  0 or -EBADMSG with the reason in e. */
int proto_pairs_decode(const void *data, size_t len, proto_pairs_t *p, err_t *e);

/* The next pair, in order: 1 with key and value pointing into the frame,
 * or 0 after the last. */
int proto_pairs_next(proto_pairs_t *p, mr_bytes_t *key, mr_bytes_t *value);

/* The i-th pair, i < p->count (sequential calls cost nothing extra; going
 * back rescans from the start). */
void proto_pairs_get(proto_pairs_t *p, size_t i, mr_bytes_t *key, mr_bytes_t *value);

/* Forgets the frame; safe to call twice. */
void proto_pairs_fini(proto_pairs_t *p);

#endif
