/*
 * stats.h - the --stats JSON file.
 */
#ifndef MR_STATS_H
#define MR_STATS_H

#include "err.h"
#include "job.h"

#include <stdio.h>

/* Writes st as one JSON object to path, whole or not at all (afile.h: a
 * temporary file renamed into place; "-" is stdout).  0 or -errno with e
 * (not NULL) naming the path. */
int stats_write(const char *path, const job_stats_t *st, const char *mode, unsigned jobs, err_t *e);

/* Prints the job's counters to f as Hadoop's job summary does
 * ("Counters: N", then each group and its NAME=VALUE lines, indented by
 * tabs), with the engine's own under "Map-Reduce Framework".  Nothing when
 * no command reported a counter. */
void stats_print_counters(FILE *f, const job_stats_t *st);

#endif
