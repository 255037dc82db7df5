/*
 * job_int.h - the master's job state, shared by the modules of its event
 * loop: job.c (setup, spawning, the loop itself), feed.c (chunks handed
 * out, ACKs, FINISH), failure.c (failed attempts), children.c (reaping and
 * stopping the processes), reducers.c (the -R reducers, their DONEs and the
 * assembly of their parts) and remote.c (mappers on other hosts, --listen).
 * Internal names take their module's prefix, as libuv's uv__process_:
 * job__ for what job.c defines, children__, failure__, feed__, reducers__
 * and remote__ for the others.  The mappers and their credit are a table
 * of their own (mappers.h), which job_t owns.
 */
#ifndef MR_JOB_INT_H
#define MR_JOB_INT_H

#include "afile.h"
#include "buf.h"
#include "chunks.h"
#include "job.h"
#include "mappers.h"
#include "meter.h"
#include "partition.h"
#include "progress.h"
#include "proto_msg.h"
#include "scratch.h"
#include "timeline.h"
#include "token.h"
#include "transport.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/* Largest control message: headers only, a few hundred bytes. */
#define JOB_CONTROL_MAX 4096

/* Largest header we encode: a TASK with a full skip list. */
#define JOB_HEADER_MAX (JOB_CONTROL_MAX + PROTO_SKIP_MAX * 9)
_Static_assert(JOB_HEADER_MAX <= PROTO_HEADER_MAX, "every header we send must be decodable");

/* Bytes of a failing record quoted in error messages. */
#define JOB_QUOTE 40

/* How long children get to exit after STOP or SIGTERM before SIGKILL.  A
 * sanitizer build gets longer: LeakSanitizer scans the heap at exit, and a
 * child killed mid-scan would hide the very report the build exists for. */
#ifdef MR_SANITIZE
#define JOB_GRACE_SECONDS 15.0
#else
#define JOB_GRACE_SECONDS 1.5
#endif

/* Mappers that may be started as replacements, per original mapper, before
 * the job gives up.  Crashes on a record are bounded by --max-attempts; this
 * bounds the rest (a mapper killed again and again from outside, or dying
 * while idle), so a job ends instead of forking forever. */
#define JOB_RESPAWNS_PER_MAPPER 64

/* An ipc:// endpoint is a Unix socket path, which the kernel limits to 107
 * bytes; the runtime directory must leave room for the socket names.  The
 * reducers' endpoints and the mappers' (mappers.h) are the same size. */
#define JOB_DIR_MAX 96
#define JOB_ENDPOINT_MAX MAPPERS_ENDPOINT_MAX

/* Timeline lanes past every mapper's: one per reducer (FINISH to its DONE)
 * and one for the final merge of their parts. */
#define JOB_TIMELINE_REDUCER(i) (UINT32_MAX - 1 - PARTITION_MAX + (uint32_t)(i))
#define JOB_TIMELINE_MERGE (UINT32_MAX - 1)

/* One reducer process: the keys of partition `index` (partition.h). */
typedef struct reducer {
    uint32_t index;                    /* its partition, 0..n_reducers-1 */
    pid_t pid;                         /* process id, 0 once reaped */
    pid_t group;                       /* its process group, kept after reaping */
    int exec_fd;                       /* its exec-error pipe until confirmed (spawn.h), else -1 */
    char results_ep[JOB_ENDPOINT_MAX]; /* its results PULL socket (it binds) */
    void *feed;                        /* owned PUSH to results_ep, for FINISH */
    uint32_t port;                     /* --listen: its TCP port (LISTEN), 0 until known */
    bool done;                         /* its DONE said the part is written */
} reducer_t;

typedef enum job_state {
    JOB_RUNNING,
    JOB_SUCCEEDED,
    JOB_FAILED,
} job_state_t;

typedef struct job {
    const job_config_t *cfg;           /* borrowed configuration */
    job_stats_t *st;                   /* borrowed statistics being filled */
    err_t *e;                          /* where the first failure is described */
    job_state_t state;                 /* running, or how it ended */
    char dir[JOB_DIR_MAX];             /* private runtime directory (0700) */
    char control_ep[JOB_ENDPOINT_MAX]; /* where mappers and the reducers report */
    void *ctx;                         /* ZeroMQ context, owned */
    void *control;                     /* PULL, bound at control_ep */
    int sigfd;                         /* signalfd for SIGCHLD, SIGINT, SIGTERM, SIGHUP */
    size_t window;                     /* chunks open at most (the chunk table's size) */
    chunks_t *chunks;                  /* chunks in flight */
    bool input_done;                   /* the splitter has no more chunks */
    bool finish_sent;                  /* FINISH went to the reducer */
    mappers_t *mappers;                /* owned table of every mapper, by id */
    unsigned respawns_left;            /* replacement mappers we may still start */
    reducer_t *reducers;               /* owned array of n_reducers, by partition */
    uint32_t n_reducers;               /* -R: 1, or the partitions of a key-grouped job */
    uint32_t reducers_done;            /* reducers whose DONE came back */
    uint64_t all_reducers;             /* the mask with a bit for every reducer */
    scratch_t *scratch;                /* owned private scratch directory, NULL unless grouped */
    double finish_at;                  /* when FINISH went out: the reduce phase began */
    uint64_t send_seq;                 /* counter for chunk_t.sent_seq */
    buf_t header;                      /* scratch for encoding headers */
    afile_t *bad_file;                 /* --bad-records file, owned, NULL when absent */
    FILE *bad;                         /* its stream (borrowed from bad_file) */
    double started;                    /* monotonic start time */
    bool retry_soon;                   /* a send found no peer yet: poll again shortly */
    bool wait_input;                   /* the input stream had nothing ready: poll it */
    meter_t *meter;                    /* owned progress line, NULL when off */
    timeline_t *timeline;              /* owned --timeline recorder, NULL when off */
    uint64_t bytes_done;               /* input bytes of merged chunks */
    struct remote *remote;             /* owned --listen state, NULL without --listen */
    token_secret_t secret;             /* the key of every attempt's token (proto/wire/token.h) */
} job_t;

/* Ends the job as failed with a message (the first failure wins); returns
 * code. */
int job__fail(job_t *job, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A new mapper (mappers_add) with a row in the job's statistics, its
 * socket and process still to be made.  The pointer is valid until the
 * next call (the table may move). */
mapper_t *job__add_mapper(job_t *job);

/* "the reducer" with one reducer, else "reducer I/N", into buf. */
const char *job__reducer_name(const job_t *job, const reducer_t *r, char *buf, size_t len);

/* Handles a decoded control message from a mapper or the reducer. */
void job__on_message(job_t *job, const proto_msg_t *msg);

/* reducers.c: starts reducer r, its exec to be confirmed by
 * children__confirm; 0 or job__fail. */
int reducers__start(job_t *job, reducer_t *r);

/* reducers.c: a reducer's DONE; the job succeeds when every one is DONE. */
void reducers__on_done(job_t *job, const proto_msg_t *msg);

/* reducers.c: builds -o from the reducers' parts (-R N, N > 1), after a
 * successful job; a failure fails the job. */
void reducers__assemble(job_t *job);

/* Appends to argv at n the flags a mapper and a reducer both take for
 * --partition-fields (the same partition function on both sides: every
 * reducer checks each key's partition); returns the new count.  The
 * strings are borrowed from a. */
size_t job__partition_argv(const args_t *a, char **argv, size_t n);

/* Starts one more local mapper (a first one, or a replacement), its exec
 * to be confirmed by children__confirm; 0 or job__fail. */
int job__start_mapper(job_t *job);

/* job__start_mapper and children__confirm: a replacement mapper. */
int job__spawn_mapper(job_t *job);

/* children.c: waits for the exec of every child started and not yet
 * confirmed, reducers first, then mappers, as they were started; one that
 * could not run is reaped and fails the job ("cannot run PATH: ...", the
 * first failure wins).  0 or job__fail. */
int children__confirm(job_t *job);

/* Whether local mappers hand their results to the reducer through shared
 * result slots (shring.h): lines (--ordered, --unordered) to one reducer. */
bool job__shared_results(const job_t *job);

/* failure.c: one attempt at chunk c failed, on the record at offset (or
 * the whole chunk: PROTO_OFFSET_NONE), for the reason why.  Re-queues it,
 * skips the record (--skip-bad), or fails the job after --max-attempts. */
void failure__record(job_t *job, chunk_t *c, uint64_t offset, const char *why);

/* failure.c: a mapper's FAIL for a chunk. */
void failure__on_fail(job_t *job, const proto_msg_t *msg);

/* failure.c: a local mapper exited with wait status status. */
void failure__on_mapper_exit(job_t *job, mapper_t *m, int status);

/* failure.c: kills mappers whose map() has been stuck past --task-timeout. */
void failure__check_timeouts(job_t *job);

/* Handles every control message already queued, waiting up to wait_ms for
 * the first. */
void job__drain_control(job_t *job, long wait_ms);

/* children.c: reads the signalfd; reaps children; SIGINT/TERM/HUP fail
 * the job. */
void children__on_signals(job_t *job);

/* children.c: stops every child and waits for them all. */
void children__shutdown(job_t *job);

/* feed.c: hands out chunks to every mapper with credit left. */
void feed__send(job_t *job);

/* feed.c: sends FINISH to every reducer once every chunk is cut and merged
 * (and the inputs are still the files that were read). */
void feed__maybe_finish(job_t *job);

/* feed.c: the reducer's ACK for an attempt. */
void feed__on_ack(job_t *job, const proto_msg_t *msg);

/* feed.c: puts every chunk m holds back in the queue, uncharged; returns how many. */
unsigned feed__requeue(job_t *job, mapper_t *m);

/* The --listen side, in remote.c.  Each is a no-op without --listen. */

/* Binds the --listen socket and starts the ZAP handler; 0 or job__fail. */
int remote__setup(job_t *job);

/* Appends the sockets remote.c wants polled to items[*n...]. */
void remote__poll_items(job_t *job, transport_poll_item_t *items, int *n);

/* Handles what became readable among the items remote__poll_items added,
 * which start at items[first]. */
void remote__on_ready(job_t *job, const transport_poll_item_t *items, int first);

/* Sends heartbeats and declares silent remote mappers dead. */
void remote__tick(job_t *job);

/* How often remote__tick must run, in ms (a quarter of --heartbeat). */
long remote__tick_ms(const job_t *job);

/* A reducer announced its TCP port for remote results (LISTEN). */
void remote__on_listen(job_t *job, const proto_msg_t *msg);

/* Tells every remote mapper the job is over (STOP). */
void remote__shutdown(job_t *job);

/* Closes the --listen socket and stops the ZAP handler. */
void remote__destroy(job_t *job);

#endif
