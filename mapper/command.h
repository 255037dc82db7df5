/*
 * command.h - running a --map-cmd over one chunk, Hadoop Streaming style:
 * the chunk's records go to the command's stdin, and each line it writes to
 * stdout comes back to the caller.
 */
#ifndef MR_COMMAND_H
#define MR_COMMAND_H

#include "err.h"
#include "reporter.h"

#include <stddef.h>

/* Called for each line of the command's output, without its newline.  A
 * non-zero return stops the command and becomes command_run's result. */
typedef int (*command_line_fn)(void *arg, const char *line, size_t len);

/* How a command runs, beyond its input and output. */
typedef struct command_opts {
    char *const *envp;    /* its whole environment (taskenv.h), NULL: the mapper's */
    reporter_t *reporter; /* reads its stderr (reporter: lines), NULL: it has ours */
    void (*on_status)(void *arg, const char *status); /* a new reporter:status, or NULL */
    void *status_arg;                                 /* on_status's argument */
} command_opts_t;

/* Runs `/bin/sh -c cmd` (in opts' environment; opts may be NULL), writes len bytes at data to its stdin (then closes
 * it), and calls on_line for every line it prints.  The command inherits
 * our stderr (or gives it to opts->reporter) and leaves with us: sh dies with the mapper
 * (PR_SET_PDEATHSIG), and whatever it starts is in the mapper's process
 * group, which the master kills when it kills or reaps the mapper.
 * Returns 0 when it exited with status 0,
 * -ECHILD with e saying how it ended otherwise, or on_line's code.  A
 * command that stops reading early (like `head`) is not an error by
 * itself: only its exit status counts. */
int command_run(const char *cmd, const char *data, size_t len, command_line_fn on_line, void *arg,
                const command_opts_t *opts, err_t *e);

/* Hadoop Streaming's split of a map command's line into key and value
 * (TextOutputReader, stream.num.map.output.key.fields and
 * stream.map.output.field.separator): the key is everything before the
 * fields-th occurrence of sep (sep_len bytes, at least 1), the value what
 * follows it; a line with fewer separators is all key, with an empty value.
 * Returns the key's length and sets *value_at to where the value starts
 * (len when it is empty). */
size_t command_split_key(const char *line, size_t len, const char *sep, size_t sep_len,
                         unsigned fields, size_t *value_at);

#endif
