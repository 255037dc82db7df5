/*
 * reporter.h - a command's stderr, read the way Hadoop Streaming reads it:
 * a line `reporter:counter:GROUP,NAME,N` adds N to a counter, a line
 * `reporter:status:TEXT` sets the task's status, and neither is echoed;
 * every other line passes through to our stderr as it comes.
 *
 * Like Hadoop (PipeMapRed), a counter line whose fields are not exactly
 * three, or whose N is not a number, is not an error: it is reported as a
 * warning ("cannot parse ...") and dropped.  Too many distinct counters
 * (counters.h) is an error, kept for the caller.
 */
#ifndef MR_REPORTER_H
#define MR_REPORTER_H

#include "counters.h"
#include "err.h"

#include <stddef.h>

typedef struct reporter reporter_t;

/* Longest status text kept (longer ones are cut). */
#define REPORTER_STATUS_MAX 120

/* A reporter that passes other lines to descriptor echo_fd (2: stderr).
 * Returns it (owned). */
reporter_t *reporter_new(int echo_fd);

/* Takes len more bytes of the command's stderr. */
void reporter_feed(reporter_t *self, const char *data, size_t len);

/* The command's stderr ended: a last line without a newline is handled. */
void reporter_end(reporter_t *self);

/* The counters reported since the last reporter_reset (borrowed). */
counters_t *reporter_counters(reporter_t *self);

/* The last status reported ("" when none), NUL-terminated, borrowed. */
const char *reporter_status(const reporter_t *self);

/* How many times a status was reported since reporter_new: a caller sees
 * a new one when it changes. */
uint64_t reporter_status_changes(const reporter_t *self);

/* 0, or the first error (too many counters) with e set to it. */
int reporter_error(const reporter_t *self, err_t *e);

/* Forgets counters, status, error and any partial line: a new task. */
void reporter_reset(reporter_t *self);

/* Reads fd to its end on a thread of its own, feeding self, so that a
 * caller busy writing the command's stdin (the reducer) still drains its
 * stderr.  0 or -errno with e set.  reporter_join waits for the end and
 * closes fd. */
int reporter_start(reporter_t *self, int fd, err_t *e);
void reporter_join(reporter_t *self);

/* Frees it (joining a started thread first); accepts NULL; NULLs *self_p. */
void reporter_destroy(reporter_t **self_p);

#endif
