/*
 * timeline.h - --timeline FILE.svg: a picture of the job, drawn at its end.
 *
 * One lane per mapper, one bar per chunk attempt from the TASK that sent it
 * to the answer that closed it, coloured by how it ended, so that
 * stragglers, retries and idle mappers show at a glance.  The master's event
 * loop records begins and ends as they happen; timeline_write_svg draws
 * them.  Times are the caller's clock (proc_now()).
 *
 * Memory is bounded: one 32-byte record per attempt, at most
 * TIMELINE_MAX_BARS of them; attempts past the cap are counted, not kept,
 * and the picture says so.
 */
#ifndef MR_TIMELINE_H
#define MR_TIMELINE_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

/* Attempts recorded at most: 32 MB of records, and an SVG of ~200 MB, which
 * is already more than a browser draws comfortably. */
#define TIMELINE_MAX_BARS 1000000

/* Bytes of a lane label kept (a remote mapper's host name is at most 63). */
#define TIMELINE_LABEL_MAX 96

/* How an attempt ended, in the legend's order. */
typedef enum timeline_outcome {
    TIMELINE_MERGED,     /* fresh ACK: this attempt's output was merged */
    TIMELINE_DUPLICATE,  /* ACK, not fresh: another attempt of the chunk got there first */
    TIMELINE_FAILED,     /* FAIL, or its mapper died or timed out while mapping it (charged) */
    TIMELINE_REQUEUED,   /* its mapper was lost and the chunk re-sent uncharged */
    TIMELINE_UNFINISHED, /* no answer when the picture was drawn */
    TIMELINE_OUTCOMES    /* the number of outcomes, not one */
} timeline_outcome_t;

typedef struct timeline timeline_t;

/* An empty timeline whose time axis starts at start, owned by the caller
 * (timeline_destroy).  Never NULL. */
timeline_t *timeline_new(double start);

/* Frees t.  Accepts NULL and *self_p == NULL; NULLs *self_p. */
void timeline_destroy(timeline_t **self_p);

/* Lowers the cap on recorded attempts below TIMELINE_MAX_BARS (for tests,
 * or a smaller file); attempts already recorded stay. */
void timeline_set_limit(timeline_t *t, size_t max_bars);

/* Opens a bar: chunk was sent to mapper at now.  attempt is TASK.attempt
 * (0 for the first send; the picture counts from 1, like the log).  Past
 * the cap the attempt is only counted.  t may be NULL (no --timeline). */
void timeline_begin(timeline_t *t, uint32_t mapper, uint64_t chunk, uint32_t attempt, double now);

/* Closes the open bar of mapper/chunk/attempt with outcome at now.  An end
 * with no open bar (never begun, past the cap, or already closed, as when a
 * remote mapper declared dead answers after all) is ignored.  t may be
 * NULL. */
void timeline_end(timeline_t *t, uint32_t mapper, uint64_t chunk, uint32_t attempt,
                  timeline_outcome_t outcome, double now);

/* Closes every bar still open on mapper with outcome at now (a lost mapper:
 * after timeline_end of the chunk charged with the failure, the rest it held
 * are TIMELINE_REQUEUED).  Returns how many it closed.  t may be NULL. */
size_t timeline_end_mapper(timeline_t *t, uint32_t mapper, timeline_outcome_t outcome, double now);

/* Names mapper's lane ("mapper 3", "mapper 5 @hostB"); label is copied
 * (its first TIMELINE_LABEL_MAX bytes) and may hold any bytes: it is
 * escaped when written.  Lanes without a name are called "mapper N".  t may
 * be NULL. */
void timeline_mapper_name(timeline_t *t, uint32_t mapper, const char *label);

/* Attempts recorded, and attempts seen past the cap. */
size_t timeline_bars(const timeline_t *t);
uint64_t timeline_dropped(const timeline_t *t);

/* The outcome's name as the picture shows it ("merged", "unfinished"...). */
const char *timeline_outcome_name(timeline_outcome_t outcome);

/* Writes the picture up to end as a standalone SVG (no script, no external
 * font) at path, whole or not at all (afile.h).  Bars still open are
 * drawn up to end as unfinished (and stay open: a later call draws them
 * longer).  t must not be NULL.  0 or -errno with e naming the path. */
int timeline_write_svg(const timeline_t *t, const char *path, double end, err_t *e);

#endif
