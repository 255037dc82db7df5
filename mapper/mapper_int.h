/*
 * mapper_int.h - one mapper process's state, shared by mapper/main.c (the
 * command line and the local mapper), mapper/serve.c (loading the plugin and
 * the task loop) and mapper/remote.c (joining a master on another host).
 * Internal: names are mapper__.
 */
#ifndef MR_MAPPER_INT_H
#define MR_MAPPER_INT_H

#include "buf.h"
#include "collect.h"
#include "err.h"
#include "keycmp.h"
#include "plugin.h"
#include "progress.h"
#include "proto_msg.h"
#include "reporter.h"
#include "shring.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest chunk a mapper accepts: the splitter's longest record plus a
 * full chunk.  Also the cap on one chunk's encoded output. */
#define MAPPER_MAX_MSG ((size_t)2 << 30)

typedef struct mapper_opts {
    const char *tasks;                       /* endpoint of our task socket (master binds) */
    const char *control;                     /* master's control endpoint */
    const char *results[PROTO_REDUCERS_MAX]; /* --results: each reducer's endpoint, by partition */
    uint32_t n_results;                      /* entries used in results */
    uint32_t id;                             /* our mapper id */
    const char *plugin;                      /* -m, or NULL with --map-cmd */
    const char *map_cmd;    /* --map-cmd: a shell command mapping each chunk, or NULL */
    const char *combiner;   /* -c: plugin whose combine merges per chunk */
    unsigned key_fields;    /* --key-fields: a command line's key is this many fields (1) */
    const char *field_sep;  /* --field-separator: between those fields ("\t") */
    keycmp_t part_fields;   /* --partition-fields: the key fields partitions hash (keycmp.h) */
    proto_mode_t mode;      /* --mode, or WELCOME.mode: what to collect */
    const char *arg;        /* --arg */
    const char *progress;   /* --progress: the master's progress slot file, or NULL */
    const char *slots;      /* --result-slots: the ring file of our results (shring.h), or NULL */
    const char **inputs;    /* --input paths in the master's order, "-" for streams; owned array */
    const char **input_ids; /* --input-id of each input ("DEV:INO" as the master opened it),
                               NULL where none; owned array, n_inputs entries */
    size_t n_inputs;        /* entries in inputs */
    char delim;             /* record terminator */
    const char *connect;    /* --connect: a remote master's --listen endpoint, or NULL */
    unsigned jobs;          /* -j: worker processes for --connect */
    const char *key;        /* --key: our CURVE key pair file */
    const char *server_pub; /* --server-pub: the master's public key file */
    bool persist;           /* --persist: serve job after job */
    double heartbeat;       /* --heartbeat: seconds of master silence that end a job */
} mapper_opts_t;

/* An input file the mapper maps itself. */
typedef struct input_map {
    const char *data; /* mapping of the whole file (fmap.h), NULL until first used */
    size_t size;      /* its size */
    int fd;           /* the file, open while mapped */
} input_map_t;

typedef struct mapper {
    mapper_opts_t opts;                /* parsed command line */
    plugin_t *plugin;                  /* owned */
    plugin_t *combiner;                /* owned, NULL when it is the mapper plugin or absent */
    collect_t *collect;                /* owned */
    void *ctx;                         /* owned ZeroMQ context */
    void *tasks;                       /* PULL, connected to the master */
    void *control;                     /* PUSH, connected to the master */
    void *results[PROTO_REDUCERS_MAX]; /* PUSH to each reducer, by partition (partition.h) */
    uint32_t n_results;                /* reducers: entries used in results */
    progress_t *progress;              /* owned; NULL when the master gave none */
    progress_slot_t idle;              /* a private slot used when there is no shared one */
    shring_t *ring;       /* owned; our result slots shared with the reducer, or NULL */
    input_map_t *maps;    /* owned, one per --input, mapped on first use */
    buf_t header;         /* scratch for headers */
    void *dealer;         /* remote: DEALER to the master's --listen, owned */
    double master_seen;   /* remote: when the master last spoke */
    bool text_counts;     /* --map-cmd into a MR_COMBINE_SUM_U64 plugin: values are decimal text */
    err_t line_err;       /* --map-cmd: why an output line was refused */
    struct taskenv *env;  /* --map-cmd: its environment, owned, made on first use */
    reporter_t *reporter; /* --map-cmd: reads its stderr, owned, made on first use */
} mapper_t;

/* Sends a control message to the master (ipc PUSH, or the DEALER when
 * remote).  0 or -errno. */
int mapper__send_control(mapper_t *m, const proto_msg_t *msg);

/* Says READY and maps tasks until STOP (0), the master falls silent for
 * --heartbeat seconds when remote (-ETIMEDOUT), or an error. */
int mapper__serve(mapper_t *m, err_t *e);

/* Opens and inits the plugin (and the combiner plugin, when combiner is not
 * NULL and differs), then makes the collector.  0 or -errno with e set. */
int mapper__load(mapper_t *m, const char *combiner, err_t *e);

/* Closes every results socket. */
void mapper__close_results(mapper_t *m);

/* Runs --connect: one remote worker, or a supervisor of -j workers.
 * Returns the process exit status. */
int mapper__remote_main(mapper_t *m, int argc, char **argv);

#endif
