/*
 * cleanup.h - what a process removes when it dies of a fatal error.
 *
 * mr-run leaves files behind while a job runs: the temporary -o (and side
 * files) that afile.h writes beside their names, and the runtime directory
 * of sockets.  Its normal paths remove them; this module is for the paths
 * that are not: an abort on out-of-memory (mem.h), a failed assert, a
 * crash, a SIGTERM before the job's signalfd is set up.  Each file is
 * registered while it exists, and a handler for the fatal signals removes
 * what is registered, then lets the signal do what it would have done
 * (the handler that was there before, such as a sanitizer's report, or
 * the default action), so the exit status still says what happened.
 *
 * Removal runs inside a signal handler: it uses only async-signal-safe
 * calls (unlink, getdents64, unlinkat, rmdir) on a fixed table, never
 * malloc, which may be what failed.  Only the process that registered a
 * file removes it: a child between fork and exec inherits the table and
 * the handlers, and must not touch its parent's files.
 */
#ifndef MR_CLEANUP_H
#define MR_CLEANUP_H

/* Paths the table holds at once: a job has the -o temporary file, three
 * side files and the runtime directory. */
#define CLEANUP_MAX 16

/* Registers a file to unlink on a fatal exit.  0, -ENOSPC when the table
 * is full, or -ENAMETOOLONG; the file is then only removed by its normal
 * path. */
int cleanup_add_file(const char *path);

/* Levels of subdirectories a registered directory may have: the scratch
 * directory holds r<i>/ spill directories of files, nothing deeper. */
#define CLEANUP_DEPTH 1

/* Registers a directory to empty (its files, and those of its
 * subdirectories down to CLEANUP_DEPTH) and remove on a fatal exit.  Codes
 * as above. */
int cleanup_add_dir(const char *path);

/* Removes a directory as a fatal exit would (the same depth), now: the
 * normal path of one.  Async-signal-safe. */
void cleanup_remove_dir(const char *path);

/* Forgets path: its normal path removed it, or it became the user's file
 * (a rename).  A path not registered is ignored. */
void cleanup_forget(const char *path);

/* Installs the handler for the fatal signals (SIGABRT, SIGSEGV, SIGBUS,
 * SIGFPE, SIGILL, SIGSYS, SIGTRAP, SIGINT, SIGTERM, SIGHUP, SIGQUIT),
 * keeping each previous handler to chain to.  Signals blocked for a
 * signalfd are not delivered to it, and need none. */
void cleanup_install(void);

/* Removes everything registered by this process, now.  Async-signal-safe;
 * what mem.h calls before it aborts. */
void cleanup_run(void);

#endif
