/*
 * counters.h - Hadoop Streaming's user counters: a table of
 * (group, name) -> sum, filled from `reporter:counter:GROUP,NAME,N` lines
 * (reporter.h) and carried between processes in an encoded form.
 *
 * The encoded form travels in RESULT, ACK and DONE (proto_msg.h's counters
 * field, at most PROTO_CTRS_MAX bytes): one line per counter,
 *
 *     GROUP <TAB> NAME <TAB> VALUE <LF>
 *
 * with VALUE a signed decimal.  Names hold no TAB, LF or other control byte
 * (counters_add turns them into spaces), so the form is one-to-one and a
 * decoder can refuse anything else.
 *
 * Limits are Hadoop's defaults: at most COUNTERS_MAX counters in a table
 * (mapreduce.job.counters.max: a job with more fails, as Hadoop's does),
 * group names cut at 128 bytes and counter names at 64 (Hadoop cuts them
 * too).  Sums wrap like Java's long.
 */
#ifndef MR_COUNTERS_H
#define MR_COUNTERS_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

/* Most distinct counters in one table (a chunk's or the job's). */
#define COUNTERS_MAX 120
/* Longest group and counter names kept (longer ones are cut). */
#define COUNTERS_GROUP_MAX 128
#define COUNTERS_NAME_MAX 64

typedef struct counters counters_t;

/* An empty table (owned). */
counters_t *counters_new(void);

/* Adds value to counter (group, name), creating it at 0.  The names are
 * bytes (not NUL-terminated), cut and cleaned as above.  0, or -E2BIG
 * with e set when the table holds COUNTERS_MAX other counters. */
int counters_add(counters_t *self, const char *group, size_t group_len, const char *name,
                 size_t name_len, int64_t value, err_t *e);

/* Counters in the table. */
size_t counters_count(const counters_t *self);

/* Counter i (0 <= i < counters_count) in (group, name) bytewise order:
 * its group and name (NUL-terminated, valid until the table changes) and
 * value. */
void counters_at(counters_t *self, size_t i, const char **group, const char **name, int64_t *value);

/* The value of (group, name), or 0 when the table has no such counter. */
int64_t counters_value(const counters_t *self, const char *group, const char *name);

/* Empties the table. */
void counters_clear(counters_t *self);

/* Writes the encoded form into out (cap bytes), its length to *len.  0, or
 * -EMSGSIZE with e saying how much it needed. */
int counters_encode(counters_t *self, uint8_t *out, size_t cap, size_t *len, err_t *e);

/* Adds every counter of an encoded form to the table.  0, -EBADMSG when
 * the bytes are not that form (nothing is added then), or -E2BIG. */
int counters_merge(counters_t *self, const uint8_t *data, size_t len, err_t *e);

/* Frees it; accepts NULL; NULLs *self_p. */
void counters_destroy(counters_t **self_p);

#endif
