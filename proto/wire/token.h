/*
 * token.h - binds every chunk attempt to the mapper it was given to.
 *
 * The master hands chunk attempts to mappers; any process that can reach the
 * reducer's ports could otherwise send a RESULT in any mapper's name (a peer
 * with a valid CURVE key once merged forged counts into another mapper's
 * chunk).  So each TASK carries a token, a keyed BLAKE2b MAC of
 *
 *     (chunk, attempt, mapper id, the mapper's peer key)
 *
 * under a secret of 32 random bytes that only the master and its reducer
 * hold: the master writes it to a 0600 file in its 0700 runtime directory
 * and tells the reducer the file's path (the secret itself never appears in
 * argv or the environment).  The mapper echoes the token in its RESULT and
 * FAIL.  The reducer, and the master for a FAIL from the network, recompute
 * it from the message's fields and the CURVE key that ZAP saw on the
 * connection (the "peer key": the public key in Z85, or "" on the private
 * ipc sockets of local mappers), and drop what does not match.  A peer can
 * therefore complete only attempts given to its own key, and a token from
 * an older job (another secret) counts for nothing.  Any number of reducers
 * can check tokens the same way, given the same file.
 */
#ifndef MR_TOKEN_H
#define MR_TOKEN_H

#include "err.h"
#include "proto_msg.h"

#include <stdbool.h>
#include <stdint.h>

#define TOKEN_SECRET_LEN 32

typedef struct token_secret {
    uint8_t key[TOKEN_SECRET_LEN]; /* the MAC key; never printed */
} token_secret_t;

/* Fills secret with random bytes and writes them to path, a new file
 * (O_EXCL) of mode 0600.  0 or -errno with e set. */
int token_secret_create(token_secret_t *secret, const char *path, err_t *e);

/* Reads a secret that token_secret_create wrote.  0 or -errno (-EBADMSG
 * when the file is not exactly TOKEN_SECRET_LEN bytes) with e set. */
int token_secret_read(token_secret_t *secret, const char *path, err_t *e);

/* The token of an attempt, into out.  peer is the mapper's peer key ("" for
 * a local mapper), at most 64 bytes of it count. */
void token_make(const token_secret_t *secret, uint64_t chunk, uint32_t attempt, uint32_t mapper,
                const char *peer, uint8_t out[PROTO_TOKEN_LEN]);

/* Whether msg's token is the one token_make gives for its chunk, attempt
 * and mapper and for peer (compared in constant time). */
bool token_check(const token_secret_t *secret, const proto_msg_t *msg, const char *peer);

#endif
