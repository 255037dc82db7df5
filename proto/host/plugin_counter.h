/*
 * plugin_counter.h - the counters a plugin adds (mr_counter() in mr.h),
 * from the callback to the job's summary.
 *
 * As plugin_fail.h does for mr_fail, every emitter the engine hands a
 * plugin points its counter at plugin_counter_note, which adds to the
 * calling thread's sink: the table its process sends with what the
 * callback was part of (the mapper: this attempt's RESULT, through the
 * reporter that holds a map command's counters too; the reducer: its DONE).
 * mr-stream, under Hadoop, has no table: its sink writes each count as a
 * reporter:counter line on a descriptor, for Hadoop to add up.  One sink
 * per thread, not one per emitter: a process calls its plugins from one
 * thread (mr.h).
 */
#ifndef MR_PLUGIN_COUNTER_H
#define MR_PLUGIN_COUNTER_H

#include "counters.h"
#include "err.h"
#include "mr.h"

/* Where this thread's counts go from now on: into table (borrowed; it must
 * outlive the callbacks), or, with table NULL and fd >= 0, as
 * `reporter:counter:GROUP,NAME,AMOUNT` lines written to fd.  With neither,
 * counts are dropped.  Forgets an earlier error. */
void plugin_counter_sink(counters_t *table, int fd);

/* mr_emitter_t.counter for every emitter of the engine.  A count the sink
 * cannot take (a table full, a write that failed) is kept as this
 * thread's error for plugin_counter_error.  self is unused. */
void plugin_counter_note(mr_emitter_t *self, const char *group, const char *name, int64_t amount);

/* The first count lost since the sink was set: 0, or its code with e
 * saying which counter and why. */
int plugin_counter_error(err_t *e);

#endif
