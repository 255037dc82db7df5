/*
 * transport.h - the only module that calls ZeroMQ.
 *
 * Sockets are PUSH or PULL, bound or connected, with ZMQ_MAXMSGSIZE set on
 * every receiving socket so a peer cannot make us allocate without bound.
 * A message is a header frame plus, for some types, one payload frame;
 * ZeroMQ delivers the parts of a multipart message all together or not at
 * all, which is what makes a chunk's result arrive whole or not at all.
 */
#ifndef MR_TRANSPORT_H
#define MR_TRANSPORT_H

#include "buf.h"
#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <zmq.h>

typedef enum transport_kind {
    TRANSPORT_PUSH,   /* tasks to one mapper, results to the reducer, control */
    TRANSPORT_PULL,   /* the receiving end of those */
    TRANSPORT_ROUTER, /* the master's --listen socket: remote mappers join here */
    TRANSPORT_DEALER, /* a remote mapper's end of it */
} transport_kind_t;

/* Options applied before bind or connect. */
typedef struct transport_opts {
    size_t max_msg;                       /* cap on one received frame; 0: 64 KiB */
    int (*secure)(void *sock, void *arg); /* sets CURVE options, or NULL */
    void *secure_arg;                     /* passed to secure */
    void **auth_watch; /* when not NULL: gets a transport_watch_auth socket, made before the
                          connect so that no refusal can come first, or NULL */
} transport_opts_t;

/* Longest routing id a ROUTER hands us. */
#define TRANSPORT_ID_MAX 256

/* One socket or descriptor to poll. */
typedef struct transport_poll_item {
    void *sock; /* a socket, or NULL to poll fd */
    int fd;     /* a descriptor when sock is NULL */
    bool ready; /* set by transport_poll_many: readable */
} transport_poll_item_t;

/* Send flags. */
#define TRANSPORT_DONTWAIT 1 /* fail with -EAGAIN instead of blocking */
#define TRANSPORT_ZEROCOPY \
    2 /* send the payload without copying; it must stay
                                valid until transport_ctx_destroy returns */

/* A received message: up to two parts.  Owned by the caller between
 * transport_recv and transport_msg_close. */
typedef struct transport_msg {
    zmq_msg_t parts[2]; /* header, payload */
    int n_parts;        /* parts received and open */
} transport_msg_t;

/* Returns a new context, owned by the caller (transport_ctx_destroy), or
 * NULL.  One per process; never used across a fork. */
void *transport_ctx_new(void);

/* Terminates the context after every socket is closed; accepts NULL. */
void transport_ctx_destroy(void **ctx_p);

/* Opens a socket and binds or connects it to endpoint.  max_msg caps the
 * size of one received frame (0: the 64 KiB default).  Returns the socket, owned
 * by the caller, or NULL with the reason in e. */
void *transport_open(void *ctx, transport_kind_t kind, const char *endpoint, bool bind,
                     size_t max_msg, err_t *e);

/* Like transport_open with options: the socket kind, CURVE setup through
 * opts->secure.  For a bind to a TCP port 0 (tcp://HOST:0), the port chosen
 * is available from transport_port. */
void *transport_open_with(void *ctx, transport_kind_t kind, const char *endpoint, bool bind,
                          const transport_opts_t *opts, err_t *e);

/* Watches sock's handshakes: returns a socket (owned; close it with
 * transport_close before sock) on which transport_auth_failed reports a
 * refused CURVE handshake, or NULL. */
void *transport_watch_auth(void *ctx, void *sock, const char *name);

/* Whether the watched socket's peer refused our credentials (ZAP said no)
 * since the last call.  Never blocks. */
bool transport_auth_failed(void *watch);

/* The TCP port a socket was last bound to, or 0. */
int transport_port(void *sock);

/* Splits "tcp://HOST:PORT", the one form of a --listen or --connect
 * endpoint, and copies HOST (an IPv6 address keeps its brackets, as a
 * later "tcp://HOST:*" needs them) into host, len bytes.  PORT is digits
 * or "*".  0, or -EINVAL for another scheme, an empty HOST or PORT, a PORT
 * that is not a number up to 65535, or a HOST of len bytes or more. */
int transport_endpoint_host(const char *endpoint, char *host, size_t len);

/* Sends a header (and optional payload) to the ROUTER peer with routing id
 * id.  0 or -errno (-EHOSTUNREACH when the peer is gone). */
int transport_send_to(void *router, const void *id, size_t id_len, const buf_t *header,
                      const void *payload, size_t payload_len);

/* Receives one message from a ROUTER: its sender's routing id into id
 * (TRANSPORT_ID_MAX bytes) and the rest into m.  Like transport_recv, but a
 * message with more than a header (or a routing id over TRANSPORT_ID_MAX)
 * gives -EBADMSG with the header left in m, so that the caller can name the
 * sender (transport_msg_peer): close m after any return. */
int transport_recv_from(void *router, void *id, size_t *id_len, transport_msg_t *m,
                        long timeout_ms);

/* Waits up to timeout_ms (-1: forever) until one of the n items is
 * readable; sets their ready flags.  0 or -errno (EINTR returned). */
int transport_poll_many(transport_poll_item_t *items, int n, long timeout_ms);

/* Closes a socket, waiting at most linger_ms for queued messages to leave.
 * 0 is the rule (the default, forever, hangs on a dead peer); a final
 * message that must arrive (the reducer's DONE) gets a short bound.
 * Accepts NULL; NULLs *sock_p. */
void transport_close(void **sock_p, int linger_ms);

/* Moves src's parts into dst, leaving src empty. */
void transport_msg_move(transport_msg_t *dst, transport_msg_t *src);

/* Sends header (and a payload frame when payload is not NULL).
 * 0, -EAGAIN (DONTWAIT and the queue is full) or another -errno. */
int transport_send(void *sock, const buf_t *header, const void *payload, size_t payload_len,
                   int flags);

/* Receives one message into m (blocking unless timeout_ms >= 0 elapses:
 * then -EAGAIN).  A message of more than two parts is drained and refused
 * with -EBADMSG.  Retries on EINTR. */
int transport_recv(void *sock, transport_msg_t *m, long timeout_ms);

/* Part i of m (0 header, 1 payload) and its size; NULL/0 if absent. */
const void *transport_msg_data(transport_msg_t *m, int i);
size_t transport_msg_size(transport_msg_t *m, int i);

/* The address of the peer that sent part i of m ("10.0.0.2"), or "?"; into
 * buf. */
const char *transport_msg_peer(transport_msg_t *m, int i, char *buf, size_t len);

/* Longest peer key transport_msg_user reports, with its NUL. */
#define TRANSPORT_USER_MAX 64

/* The peer key of the connection part i of m came over: the user id the
 * ZAP handler gave it (the CURVE public key in Z85, proto/net/zap.h), or "" on a
 * connection no ZAP handler was asked about (ipc, plain TCP); into buf
 * (TRANSPORT_USER_MAX bytes). */
const char *transport_msg_user(transport_msg_t *m, int i, char *buf, size_t len);

/* Releases m's parts; safe on a closed message. */
void transport_msg_close(transport_msg_t *m);

/* Waits up to timeout_ms (-1: forever) for sock to be readable or fd to be
 * readable (fd < 0: none).  Sets the two flags.  0, or -errno (EINTR is
 * returned, not retried, so callers can check their signal state). */
int transport_poll(void *sock, int fd, long timeout_ms, bool *sock_ready, bool *fd_ready);

#endif
