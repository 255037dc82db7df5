/*
 * spawn.h - starting mr-mapper and mr-reducer as real programs.
 *
 * fork + exec, never fork alone: no ZeroMQ context crosses a fork, and a
 * local mapper is the same program as one attached from another host.  An
 * exec failure comes back to the parent over a close-on-exec pipe, so a
 * missing binary is an error in mr-run, not a mysterious early exit.
 */
#ifndef MR_SPAWN_H
#define MR_SPAWN_H

#include "err.h"

#include <stdbool.h>
#include <sys/types.h>

/* Runs argv[0] (a path) with argv.  The child gets an empty signal mask and
 * default dispositions, dies with the parent (PR_SET_PDEATHSIG), and leads a
 * process group of its own, so that killing the group (kill(-pid, ...))
 * takes with it what it started: --map-cmd commands, and whatever a plugin
 * forks.  The group outlives its leader while any member runs.  A mapper
 * (as_mapper) also writes its stdout to our stderr: it must never touch the
 * job's output.  Returns the child's pid, or -errno with e set: spawn_start
 * then spawn_confirm. */
pid_t spawn_exec(char *const argv[], bool as_mapper, err_t *e);

/* spawn_exec's first half: forks the child and returns its pid at once,
 * with *exec_fd (owned by the caller, close-on-exec) the read end of its
 * exec-error pipe, for spawn_confirm; or -errno with e set, and nothing to
 * confirm.  A caller starting several children starts them all, then
 * confirms each: the parent does not sit idle while every exec runs in
 * turn (about half a millisecond each here, 6 ms on a busy host, issue 14). */
pid_t spawn_start(char *const argv[], bool as_mapper, int *exec_fd, err_t *e);

/* Waits until the child pid from spawn_start has exec'd argv0 (its exec
 * pipe closes: returns 0) or failed to (it writes errno: the child is
 * reaped, and -errno returned with e set to "cannot run ARGV0: ...").
 * Closes exec_fd either way. */
int spawn_confirm(pid_t pid, int exec_fd, const char *argv0, err_t *e);

/* The directory holding the running executable, for finding mr-mapper and
 * mr-reducer beside mr-run.  Writes a NUL-terminated path into buf. */
int spawn_self_dir(char *buf, size_t len, err_t *e);

#endif
