/*
 * proc_child.h - the children of a process: dying with the parent, the
 * setup of a forked child, spawning a shell command, wording how a child
 * ended, and keeping a plugin's printf out of the job's output.  Host
 * layer (docs/architecture.md): the three programs start mappers, reducers
 * and map or reduce commands through it.  Its half of the old proc module
 * keeps the proc_ prefix; this process's own I/O, numbers and clock are
 * proc.h, in the utility layer.
 */
#ifndef MR_PROC_CHILD_H
#define MR_PROC_CHILD_H

#include "err.h"

#include <stddef.h>
#include <sys/types.h>

/* In a child of mr-run: ask the kernel for SIGKILL when the parent dies, and
 * exit at once if it already has (the race between fork and prctl). */
void proc_die_with_parent(pid_t parent);

/* In a freshly forked child about to exec: an empty signal mask, SIGPIPE
 * back to its default, the descriptor limit it had before
 * proc_raise_fd_limit, and death with the parent (proc_die_with_parent). */
void proc_child_setup(pid_t parent);

/* Raises this process's soft limit of open descriptors to the hard limit
 * (no privilege needed): the master holds a socket per mapper, a TCP port
 * per remote one, and ran out near 1018 joins at the usual 1024.  Children
 * get the old limit back (proc_child_setup): a plugin or a command that
 * loops up to the limit, or uses select(), must not see a million. */
void proc_raise_fd_limit(void);

/* Runs `/bin/sh -c cmd` with in_fd as its stdin and out_fd as its stdout
 * (the caller keeps and closes its own copies), dying with us.  Returns
 * the pid, or -errno with e set. */
pid_t proc_spawn_shell(const char *cmd, int in_fd, int out_fd, err_t *e);

/* proc_spawn_shell with more: err_fd as its stderr (-1: ours), and envp as
 * its whole environment (NULL: ours; taskenv.h builds a task's).  The
 * environment is built before the fork: the mapper has ZeroMQ threads, and
 * only async-signal-safe calls are safe in the child of a threaded
 * process. */
pid_t proc_spawn_shell_env(const char *cmd, int in_fd, int out_fd, int err_fd, char *const *envp,
                           err_t *e);

/* Describes how a child ended ("exited with status 3", "was killed by
 * signal 9 (Killed)") into buf; returns buf. */
const char *proc_status_text(int status, char *buf, size_t len);

/* Keeps what a plugin prints out of the job's output: flushes stdio, moves
 * the real stdout to a new close-on-exec descriptor (returned, owned by the
 * caller) and points descriptor 1 at stderr, so that a plugin's printf,
 * from a constructor, init or reduce, lands on stderr.  Returns the new
 * descriptor, or -errno (-EBADF: descriptor 1 was closed; it now points at
 * stderr all the same). */
int proc_guard_stdout(void);

/* Undoes proc_guard_stdout: flushes stdio (what the plugin printed still
 * goes to stderr) and moves saved back to descriptor 1, closing saved (for
 * -EBADF, closes descriptor 1 again, as it was). */
void proc_restore_stdout(int saved);

#endif
