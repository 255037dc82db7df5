/*
 * zap.h - the ZAP handler (ZeroMQ RFC 27) that decides which peers may attach.
 *
 * CURVE encrypts, but a CURVE server accepts any client key unless a ZAP
 * handler answers for it.  zap_start runs one in a thread of its own, bound
 * at inproc://zeromq.zap.01 in the context that owns the server sockets;
 * libzmq asks it about every peer handshaking with a socket of that context
 * that has a ZAP domain (keys_curve_server and keys_null_server set one).
 * It answers 200 to a CURVE client whose public key is on the allow-list
 * (the reply's user id is the public key in Z85, which receivers read with
 * transport_msg_user to bind messages to the key that sent them), 200 to a
 * plain (NULL mechanism) peer only when started with allow_null
 * (--insecure), and 400 to everything else, each refusal logged with
 * log_warn.  A socket whose domain is KEYS_ZAP_DOMAIN_FOR + a key (a remote
 * mapper's task socket) admits that one key only.
 *
 * Order: zap_start before binding any server socket, and close those sockets
 * before zap_stop.  keys_curve_server makes sockets fail closed when no
 * handler is bound (where libzmq has ZMQ_ZAP_ENFORCE_DOMAIN); without that
 * option a CURVE server with no handler accepts everyone.
 */
#ifndef MR_ZAP_H
#define MR_ZAP_H

#include "err.h"
#include "keys.h"

#include <stdbool.h>
#include <stdint.h>

/* The endpoint RFC 27 fixes for the handler. */
#define ZAP_ENDPOINT "inproc://zeromq.zap.01"

typedef struct zap zap_t;

/* What the handler has answered so far. */
typedef struct zap_stats {
    uint64_t accepted; /* requests answered 200 */
    uint64_t refused;  /* requests answered 400: unknown key, plain peer, other mechanism */
} zap_stats_t;

/* Starts the handler in zmq_ctx: binds ZAP_ENDPOINT before returning (so it
 * is in force for every handshake that follows), then serves requests in a
 * new thread with every signal blocked (signals stay with the threads that
 * wait for them, e.g. master's signalfd).  allow is copied (NULL: no CURVE
 * key is accepted); allow_null accepts plain peers (--insecure).  Returns
 * the handler, owned by the caller, or NULL with the reason in e (-EADDRINUSE
 * when the context already has a handler). */
zap_t *zap_start(void *zmq_ctx, const keys_allow_t *allow, bool allow_null, err_t *e);

/* Stops the handler and waits for its thread; accepts NULL; NULLs *self_p.
 * Call it before zmq_ctx_term.  Called after zmq_ctx_term has begun (the
 * thread then sees ETERM, closes its socket and ends by itself, so the term
 * does not hang) it only joins and frees. */
void zap_stop(zap_t **self_p);

/* The counters, safe to read from any thread while the handler runs. */
zap_stats_t zap_stats(const zap_t *self);

#endif
