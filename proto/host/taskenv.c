/*
 * taskenv.c - a task's environment as an array of NAME=VALUE strings.  See
 * taskenv.h.
 *
 * A linear array, not a table: an environment holds tens of variables and
 * a map command runs once per chunk (megabytes), so setting a dozen of
 * them per chunk costs nothing next to the fork.
 */
#include "taskenv.h"

#include "mem.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct taskenv {
    char **vars; /* owned NAME=VALUE strings, NULL-terminated */
    size_t n;    /* entries before the NULL */
    size_t cap;  /* entries allocated, the NULL included */
};

taskenv_t *taskenv_new(void)
{
    taskenv_t *self = mem_calloc(1, sizeof *self);
    size_t n = 0;
    while (environ && environ[n])
        n++;
    self->cap = n + 32;
    self->vars = mem_calloc(self->cap, sizeof *self->vars);
    for (size_t i = 0; i < n; i++)
        self->vars[self->n++] = mem_strdup(environ[i]);
    return self;
}

/* The index of name's entry, or n. */
static size_t s_find(const taskenv_t *self, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < self->n; i++)
        if (strncmp(self->vars[i], name, len) == 0 && self->vars[i][len] == '=')
            return i;
    return self->n;
}

void taskenv_set(taskenv_t *self, const char *name, const char *value)
{
    size_t len = strlen(name) + 1 + strlen(value) + 1;
    char *var = mem_alloc(len);
    snprintf(var, len, "%s=%s", name, value);
    size_t i = s_find(self, name);
    if (i < self->n) {
        free(self->vars[i]);
        self->vars[i] = var;
        return;
    }
    if (self->n + 1 >= self->cap) {
        self->cap *= 2;
        self->vars = mem_realloc(self->vars, self->cap * sizeof *self->vars);
    }
    self->vars[self->n++] = var;
    self->vars[self->n] = NULL;
}

const char *taskenv_get(const taskenv_t *self, const char *name)
{
    size_t i = s_find(self, name);
    return i < self->n ? self->vars[i] + strlen(name) + 1 : NULL;
}

static void s_set_u64(taskenv_t *self, const char *name, uint64_t v)
{
    char text[24];
    snprintf(text, sizeof text, "%" PRIu64, v);
    taskenv_set(self, name, text);
}

/* Sets the task's ids from the job id mr-run exported: task_ and
 * attempt_ forms of job_X, with m or r and the task's number. */
static void s_ids(taskenv_t *self, char kind, uint64_t task, uint32_t attempt)
{
    const char *job = taskenv_get(self, "mapreduce_job_id");
    if (!job || strncmp(job, "job_", 4) != 0)
        job = "job_local_0001"; /* a mapper started without mr-run */
    char tip[TASKENV_JOB_ID_MAX + 32];
    char attempt_id[TASKENV_JOB_ID_MAX + 48];
    snprintf(tip, sizeof tip, "task_%.*s_%c_%06" PRIu64, TASKENV_JOB_ID_MAX, job + 4, kind, task);
    snprintf(attempt_id, sizeof attempt_id, "attempt_%.*s_%c_%06" PRIu64 "_%" PRIu32,
             TASKENV_JOB_ID_MAX, job + 4, kind, task, attempt);
    char job_copy[TASKENV_JOB_ID_MAX + 8];
    snprintf(job_copy, sizeof job_copy, "%s", job);
    taskenv_set(self, "mapreduce_job_id", job_copy);
    taskenv_set(self, "mapred_job_id", job_copy);
    taskenv_set(self, "mapreduce_task_id", tip);
    taskenv_set(self, "mapred_tip_id", tip);
    taskenv_set(self, "mapreduce_task_attempt_id", attempt_id);
    taskenv_set(self, "mapred_task_id", attempt_id);
    s_set_u64(self, "mapreduce_task_partition", task);
    s_set_u64(self, "mapred_task_partition", task);
    taskenv_set(self, "mapreduce_task_ismap", kind == 'm' ? "true" : "false");
    taskenv_set(self, "mapred_task_is_map", kind == 'm' ? "true" : "false");
}

void taskenv_map(taskenv_t *self, uint64_t chunk, uint32_t attempt, const char *file,
                 uint64_t start, uint64_t length)
{
    s_ids(self, 'm', chunk, attempt);
    taskenv_set(self, "mapreduce_map_input_file", file);
    taskenv_set(self, "map_input_file", file);
    s_set_u64(self, "mapreduce_map_input_start", start);
    s_set_u64(self, "map_input_start", start);
    s_set_u64(self, "mapreduce_map_input_length", length);
    s_set_u64(self, "map_input_length", length);
}

void taskenv_reduce(taskenv_t *self, uint32_t partition, uint32_t attempt)
{
    s_ids(self, 'r', partition, attempt);
}

char *const *taskenv_envp(const taskenv_t *self)
{
    return self->vars;
}

void taskenv_destroy(taskenv_t **self_p)
{
    taskenv_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->n; i++)
        free(self->vars[i]);
    free(self->vars);
    free(self);
    *self_p = NULL;
}

int taskenv_check_assignment(const char *assignment, err_t *e)
{
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment)
        return err_set(e, -EINVAL, "--cmdenv '%s': expected NAME=VALUE", assignment);
    if (*assignment >= '0' && *assignment <= '9')
        return err_set(e, -EINVAL, "--cmdenv '%s': a variable name cannot start with a digit",
                       assignment);
    for (const char *p = assignment; p < eq; p++) {
        char c = *p;
        if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9')))
            return err_set(e, -EINVAL,
                           "--cmdenv '%s': a variable name holds only letters, digits and '_'",
                           assignment);
    }
    return 0;
}

int taskenv_export_job(const char *const *assignments, size_t n, err_t *e)
{
    char job[TASKENV_JOB_ID_MAX];
    snprintf(job, sizeof job, "job_%lld_%04d", (long long)time(NULL), (int)(getpid() % 10000));
    if (setenv("mapreduce_job_id", job, 1) < 0 || setenv("mapred_job_id", job, 1) < 0)
        return err_set(e, -errno, "setenv: %s", strerror(errno));
    for (size_t i = 0; i < n; i++) {
        int rc = taskenv_check_assignment(assignments[i], e);
        if (rc < 0)
            return rc;
        const char *eq = strchr(assignments[i], '=');
        char name[256];
        if ((size_t)(eq - assignments[i]) >= sizeof name)
            return err_set(e, -EINVAL, "--cmdenv '%.40s...': the name is over %zu bytes",
                           assignments[i], sizeof name - 1);
        memcpy(name, assignments[i], (size_t)(eq - assignments[i]));
        name[eq - assignments[i]] = '\0';
        if (setenv(name, eq + 1, 1) < 0)
            return err_set(e, -errno, "--cmdenv %s: setenv: %s", name, strerror(errno));
    }
    return 0;
}
