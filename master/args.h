/*
 * args.h - mr-run's command line, parsed and checked into an args_t.
 */
#ifndef MR_ARGS_H
#define MR_ARGS_H

#include "err.h"
#include "proto_msg.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct args {
    const char *mapper;      /* -m: mapper plugin path (borrowed from argv), or NULL */
    const char *map_cmd;     /* --map-cmd: a shell command mapping each chunk, or NULL */
    const char *reduce_cmd;  /* --reduce-cmd: a shell command fed the sorted pairs, or NULL */
    const char *reducer;     /* -r: reducer plugin path, NULL for the default */
    const char **inputs;     /* owned array of borrowed paths; "-" is stdin */
    size_t n_inputs;         /* entries in inputs */
    const char *output;      /* -o: output path, NULL for stdout */
    unsigned jobs;           /* -j: local mapper processes */
    proto_mode_t mode;       /* --ordered / --unordered, when mode_set */
    bool mode_set;           /* a mode was given; else decided from the plugins */
    bool sort;               /* --sort: key-grouped output in bytewise key order */
    size_t chunk_size;       /* --chunk-size in bytes */
    bool chunk_size_set;     /* --chunk-size was given (no guided sizes then) */
    char delim;              /* record terminator: '\n', or '\0' with -0 */
    const char *arg;         /* --arg for the plugins, NULL when absent */
    const char *stats;       /* --stats output path, NULL when absent */
    bool quiet;              /* -q */
    unsigned max_attempts;   /* --max-attempts: failures of one chunk before the job fails */
    bool skip_bad;           /* --skip-bad: skip records that fail twice instead of failing */
    const char *bad_records; /* --bad-records: file receiving the skipped records, or NULL */
    double task_timeout;     /* --task-timeout: seconds one map() call may run; 0 is off */
    const char *listen;      /* --listen tcp://HOST:PORT for remote mappers, or NULL */
    const char *server_key;  /* --server-key: the master's CURVE key file */
    const char *authorized;  /* --authorized-keys: directory of accepted .pub files */
    bool insecure;           /* --insecure: no CURVE on a non-loopback --listen */
    double heartbeat;        /* --heartbeat: seconds of silence before a remote mapper is dead */
    bool progress;           /* --progress: show the progress line even when stderr is no tty */
    const char *timeline;    /* --timeline: SVG picture of the job's chunk attempts, or NULL */
    unsigned reducers;       /* -R: reducers of a key-grouped job, 1..64; 0: the default */
    const char *tmpdir;      /* --tmpdir: where the scratch directory goes, NULL: $TMPDIR */
    size_t memory;           /* --memory: bytes for all reducers together; 0: the default */
    bool memory_set;         /* --memory was given */
    const char **cmdenv;   /* --cmdenv NAME=VALUE for the commands: owned array, borrowed strings */
    size_t n_cmdenv;       /* entries in cmdenv */
    unsigned key_fields;   /* --key-fields: a --map-cmd line's key is this many fields; 0: 1 */
    const char *field_sep; /* --field-separator: between those fields, NULL: TAB */
    const char *output_parts; /* --output-parts DIR: DIR/part-00000... one per reducer, or NULL */
    const char *key_compare;  /* --key-compare: the reduce command's key order, or NULL */
    const char *partition_fields; /* --partition-fields: the key fields partitions hash, or NULL */
    const char *key_field_sep; /* --key-field-separator: one byte between those fields, NULL: TAB */
} args_t;

/* Parses argv into a (which must be args_fini'd).  Returns 0 to run, 1 when
 * --help or --version was printed (exit 0), or -EINVAL with e naming the bad
 * flag or value. */
int args_parse(args_t *a, int argc, char **argv, err_t *e);

void args_fini(args_t *a);

/* Replaces the inputs with a copy of inputs[0..n) (the strings stay
 * borrowed: the caller keeps them until args_fini), e.g. the files that
 * input directories stand for (inputs.h). */
void args_set_inputs(args_t *a, const char *const *inputs, size_t n);

/* Refuses a file flag (-o, --stats, --timeline, --bad-records) that names
 * an input (a data file, stdin redirected from a file, a plugin, the
 * server key) or another of those flags, by the same name or as the same
 * file under another name (a link, "./x"): a --bad-records that named the
 * input truncated it, and --stats naming -o replaced the output.  Devices,
 * pipes and descriptors (-, /dev/null) may be shared.  Run before anything
 * is opened for writing.  0, or -EINVAL with e naming both flags. */
int args_check_files(const args_t *a, err_t *e);

/* Prints the usage text. */
void args_usage(FILE *f);

/* Parses a size with an optional k/M/G suffix (powers of 1024). */
int args_parse_size(const char *s, size_t *out);

/* Default --chunk-size with --map-cmd: a command starts once per chunk, so
 * chunks are large enough that its start-up cost vanishes. */
#define ARGS_CMD_CHUNK (16u << 20)

/* The largest chunk of a combining key-grouped job over files, without
 * --chunk-size: chunks are cut from 16 MiB down to 1 MiB as the input runs
 * out (split_set_guided).  Per chunk, such a job merges, sends and reduces
 * one pair per distinct key; on the 207 MB word count guided chunks took
 * 14 % less CPU than 1 MiB ones (docs/performance.md, step 9). */
#define ARGS_GUIDED_MAX_CHUNK (16u << 20)

/* The reducers a key-grouped job gets without -R: a quarter of the online
 * CPUs, at least 2 (1 on a single CPU) and at most 16.  See
 * docs/architecture.md, "Decision: the default -R", for the measurements. */
unsigned args_default_reducers(void);

/* --memory without a value: this share of physical memory (a half: the
 * rest is the page cache, the mappers and whatever else the host runs). */
uint64_t args_default_memory(void);

#endif
