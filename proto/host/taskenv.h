/*
 * taskenv.h - the environment a --map-cmd or --reduce-cmd runs in: the
 * job's own (mr-run's, with --cmdenv's variables) plus what Hadoop
 * Streaming gives every task, so programs written for it find what they
 * read:
 *
 *   mapreduce_job_id, mapred_job_id                job_1764590000_0042
 *   mapreduce_task_id, mapred_tip_id               task_1764590000_0042_m_000017
 *   mapreduce_task_attempt_id, mapred_task_id      attempt_1764590000_0042_m_000017_1
 *   mapreduce_task_partition, mapred_task_partition   17 (a map: its chunk)
 *   mapreduce_task_ismap, mapred_task_is_map       true / false
 *   mapreduce_map_input_file, map_input_file       the input the chunk is of
 *   mapreduce_map_input_start, map_input_start     the chunk's first byte in it
 *   mapreduce_map_input_length, map_input_length   the chunk's bytes
 *
 * Hadoop exports its job configuration with dots made underscores; these
 * are the names programs use (both spellings: old programs read the
 * mapred_ and map_ ones).  A map command runs once per chunk, so the input
 * variables are true for every record it reads.
 */
#ifndef MR_TASKENV_H
#define MR_TASKENV_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct taskenv taskenv_t;

/* Longest job id taskenv_job_id makes, with its NUL. */
#define TASKENV_JOB_ID_MAX 48

/* A copy of this process's environment, to be completed per task.
 * Returns it (owned). */
taskenv_t *taskenv_new(void);

/* Sets name to value, replacing what name had.  name must be a valid
 * variable name (no '='): the caller's own constants. */
void taskenv_set(taskenv_t *self, const char *name, const char *value);

/* Sets the variables of a map task: chunk is the task's number (and
 * partition), attempt its attempt, file the input's name as the user gave
 * it ("-" for stdin), [start, start + length) the chunk's bytes in it
 * (for a compressed input, in the decompressed stream). */
void taskenv_map(taskenv_t *self, uint64_t chunk, uint32_t attempt, const char *file,
                 uint64_t start, uint64_t length);

/* Sets the variables of the reduce task of partition, attempt attempt. */
void taskenv_reduce(taskenv_t *self, uint32_t partition, uint32_t attempt);

/* The environment as execve wants it: valid until the next call on self. */
char *const *taskenv_envp(const taskenv_t *self);

/* The value of name in self, or NULL; valid until the next call on self. */
const char *taskenv_get(const taskenv_t *self, const char *name);

/* Frees it; accepts NULL; NULLs *self_p. */
void taskenv_destroy(taskenv_t **self_p);

/* Checks a --cmdenv value: NAME=VALUE with a non-empty NAME of letters,
 * digits and underscores, not starting with a digit.  0, or -EINVAL with e
 * saying why. */
int taskenv_check_assignment(const char *assignment, err_t *e);

/* For mr-run, before it starts any process: exports the job id (Hadoop's
 * form, job_SECONDS_NNNN, from the time and our pid) and the --cmdenv
 * assignments (checked) into this process's environment, which every
 * mapper and reducer, and so every command, inherits.  0, or -errno with
 * e set. */
int taskenv_export_job(const char *const *assignments, size_t n, err_t *e);

#endif
