/*
 * reducer_int.h - the reducer process's state, shared by reducer/main.c (the
 * command line, and DONE when the job ends) and reducer/serve.c (the output,
 * the sockets and the loop that merges RESULTs until FINISH).  Internal:
 * names are reducer__.
 */
#ifndef MR_REDUCER_INT_H
#define MR_REDUCER_INT_H

#include "buf.h"
#include "err.h"
#include "group.h"
#include "keycmp.h"
#include "keys.h"
#include "out.h"
#include "plugin.h"
#include "proto_msg.h"
#include "proto_pairs.h"
#include "reorder.h"
#include "reporter.h"
#include "run.h"
#include "seen.h"
#include "shring.h"
#include "token.h"
#include "transport.h"
#include "zap.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Forged RESULTs named one by one in the log; the rest are counted. */
#define REDUCER_FORGED_LOGGED 64

typedef struct reducer_opts {
    const char *results;     /* endpoint to bind */
    const char *control;     /* master's control endpoint */
    proto_mode_t mode;       /* what to do with results */
    const char *output;      /* path or "-" */
    const char *plugin;      /* -r: the reducer plugin (grouped) */
    const char *arg;         /* --arg */
    bool sort;               /* --sort */
    const char *listen_host; /* --listen-host: also take remote results on a TCP port */
    const char *server_key;  /* --server-key: CURVE key pair for that port */
    const char *authorized;  /* --authorized-keys: who may push to it */
    const char *reduce_cmd;  /* --reduce-cmd: a shell command fed the sorted pairs */
    size_t window;           /* --window: results the reorder buffer may hold, 0: default */
    const char *secret;      /* --secret: the file holding the token secret */
    char term;               /* what ends an output line: '\n', or '\0' with -0 */
    uint32_t partition;      /* --partition I/N: the keys this reducer owns (partition.h) */
    uint32_t partitions;     /* N of --partition; 1 without it */
    uint64_t memory;         /* --memory: bytes the key groups may hold, 0: no bound */
    const char *spill_dir;   /* --spill-dir: where runs go past --memory */
    const char *index;       /* --index: where the key index goes (a run file), or NULL */
    keycmp_t order;          /* --key-compare: the reduce command's key order (keycmp.h) */
    keycmp_t part_fields;    /* --partition-fields: the key fields partitions hash */
    const char *slots;       /* --result-slots: the runtime directory of the mappers' rings */
} reducer_opts_t;

/* One received RESULT, kept whole while it waits in the reorder buffer. */
typedef struct result {
    transport_msg_t tm;  /* the message, owned */
    proto_msg_t header;  /* its decoded header */
    proto_pairs_t pairs; /* its decoded pairs, pointing into tm */
    bool local;          /* it came over the ipc socket, from a local mapper */
    shring_t *ring;      /* PROTO_RESULT_SHARED: the mapper's slots (borrowed), else NULL */
    uint32_t slot;       /* the slot holding its lines, released with the result */
    const char *lines;   /* PROTO_RESULT_SHARED: its lines, in the slot */
    size_t lines_len;    /* their bytes */
} result_t;

/* One reducer process. */
typedef struct reducer {
    reducer_opts_t opts;   /* parsed command line */
    plugin_t *plugin;      /* owned, grouped mode only */
    group_t *group;        /* owned, grouped mode only */
    reorder_t *reorder;    /* owned, ordered mode only */
    seen_t *seen;          /* owned, grouped and unordered modes */
    out_t *out;            /* owned output writer */
    run_writer_t *index;   /* owned key index writer (--index), until FINISH */
    void *ctx;             /* owned ZeroMQ context */
    void *results;         /* PULL, bound at the ipc:// endpoint for local mappers */
    void *remote;          /* PULL on a TCP port for remote mappers, or NULL */
    keys_pair_t server;    /* our CURVE keys for remote, when secure */
    keys_allow_t *allow;   /* owned allow-list, when secure */
    zap_t *zap;            /* owned ZAP handler, when secure */
    void *control;         /* PUSH to the master */
    buf_t header;          /* scratch */
    uint64_t records;      /* input records of merged chunks */
    reporter_t *reporter;  /* --reduce-cmd: its stderr, counters for DONE; owned */
    uint64_t reduce_lines; /* lines fed to --reduce-cmd */
    token_secret_t secret; /* checks every RESULT's token (proto/wire/token.h) */
    uint64_t forged;       /* RESULTs dropped for a token that does not match */
    double merge_seconds;  /* the final merge and write, at FINISH */
    shring_t **rings;      /* owned; local mappers' result slots by mapper id, opened on use */
    uint32_t n_rings;      /* entries in rings */
} reducer_t;

/* Sends a control message to the master.  0 or -errno. */
int reducer__send_control(reducer_t *r, const proto_msg_t *msg);

/* Reads the token secret, opens the output (the real stdout, guarded from
 * the plugin, for "-"), the plugin and the merging state of r's mode, and
 * binds the results socket (and the TCP port, with --listen-host).  0 or a
 * negative code with e set. */
int reducer__start(reducer_t *r, err_t *e);

/* Merges RESULTs, ACKing or refusing each, until the master's FINISH, then
 * writes what remains (or runs --reduce-cmd).  0 or a negative code with e
 * set. */
int reducer__serve(reducer_t *r, err_t *e);

#endif
