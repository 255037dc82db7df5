/*
 * job.h - one run of the master: spawn the reducer and the mappers, feed
 * chunks within each mapper's credit, follow acknowledgements, re-send what
 * a dead or failing mapper held, and finish or fail the job.
 */
#ifndef MR_JOB_H
#define MR_JOB_H

#include "args.h"
#include "counters.h"
#include "err.h"
#include "proto_msg.h"
#include "split.h"

#include <stdint.h>

typedef struct job_config {
    const args_t *args;       /* the command line */
    proto_mode_t mode;        /* the job mode args asked for, AUTO resolved */
    const char *reducer_path; /* plugin of the reducer, NULL unless grouped */
    const char *output_path;  /* file the reducer writes, NULL for stdout */
    const char *bin_dir;      /* directory holding mr-mapper and mr-reducer */
    split_t *split;           /* the opened inputs (borrowed) */
    uint32_t reducers;        /* reducers (-R), 1 unless key-grouped */
    uint64_t memory;          /* --memory: bytes for all reducers together, 0 unbounded */
    const char *const *parts; /* --output-parts: reducer i writes parts[i] (it exists), and no
                                 output is assembled; NULL: output_path (or the assembly) */
} job_config_t;

/* What one reducer said in its DONE. */
typedef struct job_reducer_stats {
    uint64_t keys;          /* distinct keys it held */
    uint64_t outputs;       /* output lines it wrote */
    uint64_t bytes_spilled; /* bytes of runs it spilled to disk */
    uint64_t runs;          /* runs it spilled */
    uint64_t merge_ms;      /* its final merge and write, in ms */
    double seconds;         /* from FINISH to its DONE */
} job_reducer_stats_t;

typedef struct job_stats {
    uint64_t input_bytes;          /* bytes cut into chunks */
    uint64_t chunks;               /* chunks in the job */
    uint64_t records;              /* input records mapped (from the reducer) */
    uint64_t outputs;              /* output lines written */
    uint64_t sends;                /* TASK messages sent, re-sends included */
    uint64_t resent;               /* chunks sent again after a failure or a death */
    uint64_t failed_attempts;      /* plugin failures and mapper crashes charged to chunks */
    uint64_t mappers_lost;         /* mappers that died before the job ended */
    uint64_t timeouts;             /* mappers killed for exceeding --task-timeout */
    uint64_t skipped;              /* records skipped by --skip-bad */
    uint32_t unclean_exits;        /* children that ended badly after the job succeeded */
    uint32_t n_mappers;            /* mapper ids handed out (replacements included) */
    uint64_t *mapper_chunks;       /* owned: chunks merged per mapper id - 1 */
    char **mapper_hosts;           /* owned: host of each remote mapper id - 1, NULL if local */
    uint32_t n_reducers;           /* reducers (-R) */
    job_reducer_stats_t *reducers; /* owned: n_reducers entries, by partition */
    double merge_seconds;          /* building -o from the reducers' parts (-R > 1) */
    double wall_seconds;           /* from start to the output written (every DONE, the merge) */
    int signal;                    /* the signal that interrupted the job, or 0 */
    counters_t *counters; /* owned: the commands' counters, each chunk's first success once */
} job_stats_t;

/* Runs the job.  0 on success (the output is complete at output_path), or a
 * negative code with e saying what failed.  st is filled in either case and
 * must be released with job_stats_fini. */
int job_run(const job_config_t *cfg, job_stats_t *st, err_t *e);

void job_stats_fini(job_stats_t *st);

#endif
