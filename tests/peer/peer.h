/*
 * peer.h - what the commands of mr-test-peer share (tests/peer/): the peer's
 * state, joining a job as a remote mapper would, and sending messages.  The
 * basic commands live in mr_test_peer.c, the hostile ones (forged results,
 * stolen tasks, oversized frames, floods) in peer_attack.c.
 */
#ifndef MR_TEST_PEER_H
#define MR_TEST_PEER_H

#include "buf.h"
#include "err.h"
#include "keys.h"
#include "proto_msg.h"
#include "transport.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct peer_opts {
    const char *connect;    /* --connect */
    const char *plugin;     /* -m */
    const char *key;        /* --key */
    const char *server_pub; /* --server-pub */
    uint64_t total;         /* --total */
    bool push;              /* --push */
    double deadline;        /* --deadline */
    const char *name;       /* --name: the host name HELLO gives, or NULL */
    uint32_t reducer;       /* --reducer: whose port results go to (WELCOME's ports) */
    const char *command;    /* the command's name */
    char **args;            /* the command's arguments (borrowed from argv) */
    int n_args;             /* how many */
} peer_opts_t;

typedef struct peer {
    peer_opts_t opts;                  /* parsed command line */
    void *ctx;                         /* owned ZeroMQ context */
    void *dealer;                      /* DEALER to --connect, owned */
    void *watch;                       /* reports a refused CURVE handshake, owned */
    keys_pair_t client;                /* our CURVE keys, when secure */
    char server_pub[KEYS_Z85_LEN + 1]; /* the master's public key, when secure */
    bool secure;                       /* --key given */
    char host[256];                    /* host part of --connect */
    proto_msg_t welcome;               /* the master's WELCOME, after peer_join */
    double next_beat;                  /* when peer_next_task heartbeats next */
    buf_t header;                      /* scratch for encoding */
} peer_t;

/* Connects a socket of kind to endpoint, a CURVE client when secure; watch,
 * when not NULL, gets a monitor of refused handshakes.  The socket is owned
 * by the caller, or NULL with e set. */
void *peer_open(peer_t *p, transport_kind_t kind, const char *endpoint, void **watch, err_t *e);

/* Sends msg (and a payload when not NULL) on sock.  0 or -errno. */
int peer_send(peer_t *p, void *sock, const proto_msg_t *msg, const void *payload, size_t len);

/* A PUSH to the result port of reducer --reducer (WELCOME's ports), after
 * peer_join, its endpoint written to endpoint (len bytes); owned by the
 * caller.  NULL with e set when the job has no such reducer. */
void *peer_open_results(peer_t *p, char *endpoint, size_t len, err_t *e);

/* HELLO with the plugin's digest (and --host as the host name), then
 * WELCOME (kept in p->welcome) or REFUSE.  0 or -errno with e set. */
int peer_join(peer_t *p, err_t *e);

/* Reads the master's answers on the DEALER; a REFUSE ends the command
 * (-ECONNREFUSED).  0 or -errno with e set. */
int peer_drain(peer_t *p, err_t *e);

/* After peer_join: a PULL on our task port (owned by the caller), and
 * READY said; NULL with e set. */
void *peer_ready(peer_t *p, err_t *e);

/* Waits for the next TASK on tasks until deadline (proc_now's clock),
 * heartbeating and reading the master's answers meanwhile: 0 with its header
 * in *task and its payload's size in *bytes, or -errno (-ETIMEDOUT, or
 * -ECONNREFUSED when the master dropped us) with e set. */
int peer_next_task(peer_t *p, void *tasks, double deadline, proto_msg_t *task, size_t *bytes,
                   err_t *e);

/* The hostile commands (peer_attack.c); each 0 or -errno with e set. */
int peer_forge(peer_t *p, err_t *e);
int peer_steal(peer_t *p, err_t *e);
int peer_beat_as(peer_t *p, err_t *e);
int peer_bighead(peer_t *p, err_t *e);
int peer_flood(peer_t *p, err_t *e);
int peer_failforge(peer_t *p, err_t *e);
int peer_slotforge(peer_t *p, err_t *e);
int peer_partforge(peer_t *p, err_t *e);

#endif
