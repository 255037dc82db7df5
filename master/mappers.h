/*
 * mappers.h - the master's table of mappers: every mapper the job started
 * or accepted over --listen, by id, with the attempts each holds.
 *
 * Ids are 1-based and never reused within a job: a replacement gets a new
 * one, so an answer from a dead mapper's id can never be taken for its
 * successor's.  Each entry holds at most MAPPERS_CREDIT attempts, and an
 * answer (an ACK from every reducer, or a FAIL) counts once and only for an
 * attempt its mapper holds: that is what bounds a mapper's queue and what
 * keeps a replayed or forged answer from freeing credit.  Owned by the
 * master's job (job_int.h); the event loop's modules reach the entries
 * through these functions.
 */
#ifndef MR_MAPPERS_H
#define MR_MAPPERS_H

#include "progress.h"
#include "transport.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Tasks a mapper may hold at once: one it maps, one queued so it never
 * waits for the master between chunks.  More would only grow what a dead
 * mapper takes with it and let a slow mapper hoard work. */
#define MAPPERS_CREDIT 2

/* An ipc:// endpoint is a Unix socket path, which the kernel limits to 107
 * bytes; the runtime directory must leave room for the socket names. */
#define MAPPERS_ENDPOINT_MAX 128

/* An attempt handed to a mapper and not answered yet. */
typedef struct attempt {
    uint64_t chunk;   /* its chunk */
    uint32_t attempt; /* its attempt number (TASK.attempt) */
    uint64_t acked;   /* reducers (bit i: reducer i) that ACKed it; answered when all did */
} attempt_t;

typedef struct mapper {
    uint32_t id; /* 1-based, never reused within a job */
    pid_t pid;   /* process id, 0 once reaped */
    pid_t group; /* its process group (local: its pid), kept after reaping */
    int exec_fd; /* its exec-error pipe until confirmed (spawn.h), else -1 */
    void *sock;  /* owned PUSH socket bound to endpoint, NULL when dead */
    char endpoint[MAPPERS_ENDPOINT_MAX]; /* ipc:// endpoint of sock */
    bool ready;                          /* READY received: may get tasks */
    unsigned inflight;                   /* tasks sent and not yet answered: entries of held */
    attempt_t held[MAPPERS_CREDIT];      /* those tasks: an answer counts once, for one of them */
    int slots;                           /* owned memfd of its result slots (shring.h), or -1 */
    progress_t *progress;                /* owned shared progress slot (local mappers) */
    uint64_t last_calls;                 /* progress calls counter at the last change */
    double last_change;                  /* when it last changed, or the mapper went busy */
    bool timed_out;                      /* we killed it for --task-timeout */
    bool remote;                         /* attached over --listen from another host */
    char rid[TRANSPORT_ID_MAX];          /* remote: its routing id on the --listen socket */
    size_t rid_len;                      /* remote: bytes in rid */
    char host[64];                       /* remote: the host name it gave, escaped for printing */
    char peer[TRANSPORT_USER_MAX];       /* remote: the CURVE key it joined with ("" insecure) */
    double last_seen;                    /* remote: when we last heard from it */
    double joined;                       /* remote: when it said HELLO */
    bool dropped;    /* remote: declared dead (silent or stuck), not merely done */
    bool uncombined; /* remote: maps a grouped job without combining (-r is not its -m) */
    bool stopping;   /* sent STOP at the end of a successful job: it must exit 0 */
} mapper_t;

typedef struct mappers mappers_t;

/* An empty table; the caller owns it (mappers_destroy).  Never NULL: out
 * of memory aborts (mem.h). */
mappers_t *mappers_new(void);

/* Closes every entry's socket (linger 0) and progress slot and frees the
 * table; NULL or *self_p NULL is a no-op; sets *self_p to NULL.  Must run
 * before the ZeroMQ context the sockets belong to is destroyed. */
void mappers_destroy(mappers_t **self_p);

/* Entries in the table, dead ones included: ids 1..mappers_size. */
size_t mappers_size(const mappers_t *self);

/* The entry at index i (id i + 1), i < mappers_size.  Valid until the next
 * mappers_add (the array may move). */
mapper_t *mappers_at(mappers_t *self, size_t i);

/* The mapper with id, or NULL when no mapper has it (an id from a peer's
 * message is not trusted).  Valid until the next mappers_add. */
mapper_t *mappers_find(mappers_t *self, uint32_t id);

/* A new zeroed entry with the next id, its socket and process still to be
 * made.  Valid until the next mappers_add. */
mapper_t *mappers_add(mappers_t *self);

/* Entries whose socket is open: the mappers that may still get work. */
unsigned mappers_alive(const mappers_t *self);

/* A FAIL from m for an attempt: true, and the attempt no longer counts
 * against m's credit, when m held it unanswered; false for anything else
 * (a replay, an attempt m was never given, one already answered or taken
 * back), which then frees no credit and shows no progress for
 * --task-timeout. */
bool mappers_answered(mapper_t *m, uint64_t chunk, uint32_t attempt);

/* Reducer `reducer` ACKed m's attempt: true, and the attempt is answered
 * (as mappers_answered), when every reducer of the mask all has now ACKed
 * it; false while some have not, or for an attempt m does not hold. */
bool mappers_answered_by(mapper_t *m, uint64_t chunk, uint32_t attempt, uint32_t reducer,
                         uint64_t all);

#endif
