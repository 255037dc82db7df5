/*
 * proto_msg.h - every control and data message of mr, and its codec.
 *
 * A message is one ZeroMQ multipart message: a header frame, and for RESULT
 * (always) and TASK (when the chunk's bytes travel with it) a second payload
 * frame.  The header is a msgpack array
 *
 *     [PROTO_VERSION, type, field, field, ...]
 *
 * whose fields are those the type lists below, in the canonical field order
 * (chunk, attempt, mapper, pid, records, outputs, fresh, total, offset,
 * status, text, skip, input, length, digest, task_port, result_port, mode,
 * flags, emits, token, reducer, keys, spilled, runs, merge_ms, ports, source,
 * counters).  Types and fields are append-only: never renumber.
 * docs/architecture.md shows who sends what to whom.
 */
#ifndef MR_PROTO_MSG_H
#define MR_PROTO_MSG_H

#include "buf.h"
#include "err.h"

#include <stdbool.h>
#include <stdint.h>

/* Bumped on any incompatible change of the wire format. */
/* 2: RESULT and ACK carry emits (the guided chunk sizes of master/split.c). */
/* 3: TASK, RESULT and FAIL carry the attempt's token (proto/wire/token.h). */
/* 4: key-grouped jobs may have several reducers (mr-run -R): a key's
 *    reducer is partition.h's function of htab_hash, now read little-endian
 *    on every host; ACK, DONE and LISTEN name their reducer, DONE carries
 *    its statistics, WELCOME every reducer's port.  TASK carries source
 *    (the task environment), RESULT, ACK and DONE carry counters
 *    (reporter:counter lines, proto/host/counters.h). */
#define PROTO_VERSION 4

/* The largest header frame any message needs (a TASK with a full skip list
 * is about 2.5 KiB).  A longer one is refused before it is unpacked: 50 MB
 * of msgpack nils once took a reducer from 7 MB to 1.2 GB of objects. */
#define PROTO_HEADER_MAX 8192

/* The longest text a message carries (error descriptions). */
#define PROTO_TEXT_MAX 480

/* Field bits, in canonical wire order. */
#define PROTO_F_CHUNK (1u << 0)
#define PROTO_F_ATTEMPT (1u << 1)
#define PROTO_F_MAPPER (1u << 2)
#define PROTO_F_PID (1u << 3)
#define PROTO_F_RECORDS (1u << 4)
#define PROTO_F_OUTPUTS (1u << 5)
#define PROTO_F_FRESH (1u << 6)
#define PROTO_F_TOTAL (1u << 7)
#define PROTO_F_OFFSET (1u << 8)
#define PROTO_F_STATUS (1u << 9)
#define PROTO_F_TEXT (1u << 10)
#define PROTO_F_SKIP (1u << 11)
#define PROTO_F_INPUT (1u << 12)
#define PROTO_F_LENGTH (1u << 13)
#define PROTO_F_DIGEST (1u << 14)
#define PROTO_F_TASK_PORT (1u << 15)
#define PROTO_F_RESULT_PORT (1u << 16)
#define PROTO_F_MODE (1u << 17)
#define PROTO_F_FLAGS (1u << 18)
#define PROTO_F_EMITS (1u << 19)
#define PROTO_F_TOKEN (1u << 20)
#define PROTO_F_REDUCER (1u << 21)
#define PROTO_F_KEYS (1u << 22)
#define PROTO_F_SPILLED (1u << 23)
#define PROTO_F_RUNS (1u << 24)
#define PROTO_F_MERGE_MS (1u << 25)
#define PROTO_F_PORTS (1u << 26)
#define PROTO_F_SOURCE (1u << 27)
#define PROTO_F_COUNTERS (1u << 28)

/* Most reducers of one job, and so of WELCOME's ports (partition.h's
 * PARTITION_MAX). */
#define PROTO_REDUCERS_MAX 64

/* Bytes of a plugin digest (BLAKE2b of the .so file). */
#define PROTO_DIGEST_LEN 32

/* The most bytes of counters one RESULT, ACK or DONE carries (the encoded
 * form of proto/host/counters.h): an ACK must fit the master's 4 KiB control
 * messages.  About 50 counters of Hadoop-sized names. */
#define PROTO_CTRS_MAX 2048

/* Bytes of an attempt's token (a MAC: proto/wire/token.h). */
#define PROTO_TOKEN_LEN 16

/* The job's mode, the one form every process uses: how the reducer treats
 * results and what a mapper collects.  WELCOME.mode carries it to a remote
 * mapper, and `--mode NAME` to a local mapper and the reducers
 * (proto_mode_name, proto_mode_parse).  The values are a wire contract. */
typedef enum proto_mode {
    PROTO_MODE_GROUPED = 0,   /* key-grouped reduce: pairs, combined */
    PROTO_MODE_ORDERED = 1,   /* output lines in input order */
    PROTO_MODE_UNORDERED = 2, /* output lines as chunks complete */
} proto_mode_t;

/* FAIL.offset when the failure belongs to the whole chunk, not a record. */
#define PROTO_OFFSET_NONE UINT64_MAX

/* RESULT.flags bits. */
#define PROTO_RESULT_LINES 1u /* the payload is output lines, not pairs */
/* With LINES, from a local mapper only: the payload names the lines' place
 * in the mapper's result slots (shring.h) instead of holding them. */
#define PROTO_RESULT_SHARED 2u

/* WELCOME.flags bits. */
#define PROTO_FLAG_NUL 1u     /* records end with NUL, not newline */
#define PROTO_FLAG_COMBINE 2u /* combine with the mapper plugin's combine */
#define PROTO_FLAG_ARG 4u     /* text holds the plugin argument */

/* TASK.input when the chunk's bytes are in the payload frame rather than
 * in an input file the mapper reads itself. */
#define PROTO_INPUT_INLINE UINT32_MAX

/* Most records of one chunk that --skip-bad may skip: a chunk with more bad
 * records than this fails the job (a smaller --chunk-size helps). */
#define PROTO_SKIP_MAX 256

/* DONE's fields, named apart so that the table's lines keep their width. */
#define PROTO_DONE_FIELDS                                                                  \
    (PROTO_F_RECORDS | PROTO_F_OUTPUTS | PROTO_F_STATUS | PROTO_F_TEXT | PROTO_F_REDUCER | \
     PROTO_F_KEYS | PROTO_F_SPILLED | PROTO_F_RUNS | PROTO_F_MERGE_MS | PROTO_F_COUNTERS)

/* X(number, NAME, fields, has_payload, direction and meaning) */
#define PROTO_MSG_TYPES(X)                                                                     \
    X(1, READY, PROTO_F_MAPPER | PROTO_F_PID, false)                                           \
    /* mapper -> master: initialised, give me work */                                          \
    X(2, TASK,                                                                                 \
      PROTO_F_CHUNK | PROTO_F_ATTEMPT | PROTO_F_OFFSET | PROTO_F_SKIP | PROTO_F_INPUT |        \
          PROTO_F_LENGTH | PROTO_F_TOKEN | PROTO_F_SOURCE,                                     \
      true)                                                                                    \
    /* master -> mapper: map this chunk, except the records starting at the offsets in */      \
    /* skip.  Its bytes are the payload when input is PROTO_INPUT_INLINE, else bytes */        \
    /* [offset, offset + length) of the mapper's input file number `input`.  token: the */     \
    /* attempt's MAC, echoed in its RESULT or FAIL.  source: the input the chunk */            \
    /* comes from, also when inline (for the task environment) */                              \
    X(3, RESULT,                                                                               \
      PROTO_F_CHUNK | PROTO_F_ATTEMPT | PROTO_F_MAPPER | PROTO_F_RECORDS | PROTO_F_OUTPUTS |   \
          PROTO_F_FLAGS | PROTO_F_EMITS | PROTO_F_TOKEN | PROTO_F_COUNTERS,                    \
      true)                                                                                    \
    /* mapper -> reducer: a chunk's output.  Payload: proto_pairs, or with */                  \
    /* PROTO_RESULT_LINES the finished output lines (outputs of them).  counters: */           \
    /* what the map command reported for the chunk */                                          \
    X(4, ACK,                                                                                  \
      PROTO_F_CHUNK | PROTO_F_ATTEMPT | PROTO_F_MAPPER | PROTO_F_FRESH | PROTO_F_OUTPUTS |     \
          PROTO_F_EMITS | PROTO_F_REDUCER | PROTO_F_COUNTERS,                                  \
      false)                                                                                   \
    /* reducer -> master: chunk received; fresh = first completion, merged; outputs: */        \
    /* the pairs (or lines) it held, emits: the RESULT's emits; reducer: which one */          \
    /* (0..N-1); counters: the RESULT's counters when fresh (a retried chunk never */          \
    /* counts twice), else none */                                                             \
    X(5, FAIL,                                                                                 \
      PROTO_F_CHUNK | PROTO_F_ATTEMPT | PROTO_F_MAPPER | PROTO_F_OFFSET | PROTO_F_STATUS |     \
          PROTO_F_TEXT | PROTO_F_TOKEN,                                                        \
      false)                                                                                   \
    /* mapper -> master: the plugin failed on the record at chunk offset */                    \
    X(6, FINISH, PROTO_F_TOTAL, false)                                                         \
    /* master -> reducer: all `total` chunks are acknowledged; write the output */             \
    X(7, DONE, PROTO_DONE_FIELDS, false)                                                       \
    /* reducer -> master: output complete (status 0) or failed (status < 0, text); its */      \
    /* keys, bytes spilled to disk, runs written and final merge time; counters: what */       \
    /* its reduce command reported */                                                          \
    X(8, STOP, 0, false)                                                                       \
    /* master -> mapper: exit now (a --persist remote mapper looks for the next job) */        \
    X(9, HELLO, PROTO_F_PID | PROTO_F_TEXT | PROTO_F_DIGEST, false)                            \
    /* remote mapper -> master (--listen socket): join; text is the host name */               \
    X(10, WELCOME,                                                                             \
      PROTO_F_MAPPER | PROTO_F_TEXT | PROTO_F_TASK_PORT | PROTO_F_RESULT_PORT | PROTO_F_MODE | \
          PROTO_F_FLAGS | PROTO_F_PORTS,                                                       \
      false)                                                                                   \
    /* master -> remote mapper: your id, where to pull tasks and push results (ports: */       \
    /* every reducer's, in partition order; result_port is the first), the job's mode */       \
    /* and flags, and the plugin argument in text */                                           \
    X(11, REFUSE, PROTO_F_STATUS | PROTO_F_TEXT, false)                                        \
    /* master -> remote mapper: not joining, and why */                                        \
    X(12, HEARTBEAT, PROTO_F_MAPPER, false)                                                    \
    /* remote mapper <-> master: still alive, every second */                                  \
    X(13, LISTEN, PROTO_F_RESULT_PORT | PROTO_F_REDUCER, false)                                \
    /* reducer -> master: remote results for this reducer go to this TCP port */

typedef enum proto_type {
#define PROTO_X_ENUM(num, name, fields, payload) PROTO_##name = num,
    PROTO_MSG_TYPES(PROTO_X_ENUM)
#undef PROTO_X_ENUM
} proto_type_t;

/* One decoded header.  Fields the type does not carry are zero. */
typedef struct proto_msg {
    proto_type_t type; /* which message */
    uint64_t chunk;    /* chunk index, from 0 in input order */
    uint32_t attempt;  /* how many times the chunk was handed out before */
    uint32_t mapper;   /* mapper id, from 1, unique within a job */
    uint64_t pid;      /* sender's process id */
    uint64_t records;  /* input records mapped */
    uint64_t outputs;  /* output lines written; ACK: pairs or lines in the result */
    uint64_t emits;    /* RESULT, ACK: pairs map() emitted for the chunk, before combining */
    bool fresh;        /* ACK: first completion of the chunk */
    uint64_t total;    /* FINISH: number of chunks in the job */
    uint64_t offset;   /* FAIL: record offset in the chunk; TASK: chunk offset in the input */
    int64_t status;    /* 0 or a negative errno-style code */
    char text[PROTO_TEXT_MAX + 1];      /* NUL-terminated description, "" if none */
    uint32_t n_skip;                    /* TASK: entries used in skip */
    uint64_t skip[PROTO_SKIP_MAX];      /* TASK: record offsets to skip, ascending */
    uint32_t input;                     /* TASK: input file number, or PROTO_INPUT_INLINE */
    uint64_t length;                    /* TASK: chunk length in bytes */
    uint8_t digest[PROTO_DIGEST_LEN];   /* HELLO: digest of the mapper's plugin file */
    uint32_t task_port;                 /* WELCOME: TCP port of the mapper's task socket */
    uint32_t result_port;               /* WELCOME, LISTEN: TCP port of the reducer */
    uint32_t mode;                      /* WELCOME: PROTO_MODE_* */
    uint32_t flags;                     /* WELCOME: PROTO_FLAG_* bits */
    uint8_t token[PROTO_TOKEN_LEN];     /* TASK, RESULT, FAIL: the attempt's token */
    uint32_t reducer;                   /* ACK, DONE, LISTEN: the sender's partition, 0..N-1 */
    uint64_t keys;                      /* DONE: distinct keys the reducer wrote */
    uint64_t spilled;                   /* DONE: bytes of runs it spilled to disk */
    uint64_t runs;                      /* DONE: runs it spilled */
    uint64_t merge_ms;                  /* DONE: milliseconds of its final merge and write */
    uint32_t n_ports;                   /* WELCOME: entries used in ports (1..PROTO_REDUCERS_MAX) */
    uint32_t ports[PROTO_REDUCERS_MAX]; /* WELCOME: each reducer's TCP port, by partition */
    uint32_t source;                    /* TASK: the input the chunk comes from, even inline */
    uint32_t n_counters;                /* RESULT, ACK, DONE: bytes used in counters */
    uint8_t counters[PROTO_CTRS_MAX];   /* RESULT, ACK, DONE: counters (counters.h) */
} proto_msg_t;

/* Zeroes m and sets its type. */
void proto_msg_init(proto_msg_t *m, proto_type_t type);

/* Appends m's header frame to out.  0, -EMSGSIZE when out's cap is hit
 * (out then holds a partial frame: discard it), or -EINVAL for an unknown
 * type. */
int proto_msg_encode(const proto_msg_t *m, buf_t *out);

/* Decodes one header frame into m.  0, -EMSGSIZE (longer than
 * PROTO_HEADER_MAX), -EBADMSG (malformed, wrong field types or count,
 * unknown type) or -EPROTO (other protocol version); e says which. */
int proto_msg_decode(const void *data, size_t len, proto_msg_t *m, err_t *e);

/* Whether messages of this type may carry a payload frame. */
bool proto_type_has_payload(proto_type_t type);

/* The type's name ("TASK"), or "UNKNOWN"; static storage. */
const char *proto_type_name(uint32_t type);

/* "grouped", "ordered" or "unordered": a mode's name on a command line. */
const char *proto_mode_name(proto_mode_t mode);

/* The mode named by name (proto_mode_name's words) into *mode; 0, or
 * -EINVAL for any other name. */
int proto_mode_parse(const char *name, proto_mode_t *mode);

#endif
