/*
 * proto_pairs.h - the payload of a RESULT: a chunk's (key, value) pairs.
 *
 * Wire form: one msgpack array32 of 2n binaries, k0 v0 k1 v1 ...  The
 * writer appends pairs as the plugin emits them and patches the count at
 * the end, so no pair is held twice.  The reader validates the frame
 * (frame_check), then exposes the pairs without copying them: keys and
 * values point into the frame, valid until proto_pairs_fini and while the
 * frame lives.
 */
#ifndef MR_PROTO_PAIRS_H
#define MR_PROTO_PAIRS_H

#include "buf.h"
#include "err.h"
#include "mr.h"

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

/* Starts a new payload in b (its old contents are dropped). */
int proto_pairs_begin(buf_t *b);

/* Appends one pair; 0 or -EMSGSIZE over b's cap. */
int proto_pairs_add(buf_t *b, const void *key, size_t key_len, const void *value, size_t value_len);

/* Writes the final pair count into the payload started by proto_pairs_begin. */
void proto_pairs_end(buf_t *b, uint64_t n_pairs);

typedef struct proto_pairs {
    msgpack_unpacked up;         /* owns the decoded objects */
    const msgpack_object *items; /* 2 * count binaries, borrowed from up */
    size_t count;                /* number of pairs */
} proto_pairs_t;

/* Makes p empty, ready for proto_pairs_decode or proto_pairs_fini. */
void proto_pairs_init(proto_pairs_t *p);

/* Decodes a payload into p, which the caller then owns until
 * proto_pairs_fini.  0 or -EBADMSG with the reason in e. */
int proto_pairs_decode(const void *data, size_t len, proto_pairs_t *p, err_t *e);

/* The i-th pair, i < p->count; both point into the frame. */
void proto_pairs_get(const proto_pairs_t *p, size_t i, mr_bytes_t *key, mr_bytes_t *value);

/* Frees what decode made; safe to call twice. */
void proto_pairs_fini(proto_pairs_t *p);

#endif
