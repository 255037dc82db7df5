/*
 * afile.h - the one way mr writes a file that a user named: -o, --stats,
 * --timeline, --bad-records and mr-keygen's key files.  A file is written
 * whole or not at all, and never through somebody else's file:
 *
 *   - A regular file (or a name that does not exist yet) is written to a
 *     new temporary file beside it, `.NAME.mr-XXXXXX`, created with O_EXCL
 *     (so an unrelated file, or a symbolic link planted there, is never
 *     opened), and renamed onto the name by afile_commit.  afile_destroy
 *     instead removes the temporary file, leaving any old file untouched.
 *   - A symbolic link is written through: the file it finally names is
 *     replaced, and the link stays a link.
 *   - A device, a pipe or a socket is written directly (`-o /dev/null`).
 *   - `-`, /dev/stdout, /dev/stderr, /dev/fd/N and /proc/self/fd/N name a
 *     descriptor we already hold: it is written directly, never reopened
 *     (reopening a redirected stdout by name would truncate it, or rename
 *     over the file the shell opened).
 *
 * A long name works: the temporary file's name is cut to fit NAME_MAX.
 * While a temporary file exists it is registered with cleanup.h, so a
 * process that dies of a fatal signal (an abort on out-of-memory) still
 * removes it.
 */
#ifndef MR_AFILE_H
#define MR_AFILE_H

#include "err.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

typedef struct afile afile_t;

/* afile_open's flags: afile_commit fails with -EEXIST (and writes nothing)
 * when the file exists, instead of replacing it. */
#define AFILE_NO_REPLACE 1

/* afile_open's mode for "the mode of the file being replaced, or 0666 less
 * the umask for a new one". */
#define AFILE_MODE_DEFAULT (-1)

/* Starts writing the file at path.  label names the file in messages
 * ("output", "--stats"; NULL for none): every error reads "LABEL PATH: why".
 * mode is AFILE_MODE_DEFAULT or the exact permission bits the file gets,
 * whatever the umask, at afile_commit (the temporary file is 0600 until
 * then, so a secret is never readable by others).  A regular file's temporary file is created
 * now, so an unwritable directory fails before any work is done; a device
 * is opened only when written (opening a pipe blocks until it has a
 * reader).  Returns the writer (owned) or NULL with e set: -EISDIR for a
 * directory, -ELOOP, or the -errno of resolving the name or creating the
 * temporary file. */
afile_t *afile_open(const char *path, const char *label, int flags, int mode, err_t *e);

/* The descriptor to write to (borrowed until afile_commit or
 * afile_destroy), opening a device now.  -errno with e set. */
int afile_fd(afile_t *self, err_t *e);

/* A stdio stream on the same descriptor (borrowed likewise), made on the
 * first call; NULL with e set.  Write errors stick to the stream and are
 * reported by afile_commit. */
FILE *afile_stream(afile_t *self, err_t *e);

/* The name another process opens to write this file itself (mr-reducer
 * writing -o): the temporary file, the device, or "-" for our stdout.
 * Borrowed until afile_commit or afile_destroy.  Pair it with afile_alias,
 * which says which of these names a descriptor. */
const char *afile_write_path(const afile_t *self);

/* Whether afile_commit will rename a temporary file into place (false: the
 * file is written directly). */
bool afile_replaces(const afile_t *self);

/* Finishes the file: flushes the stream, fsyncs and closes a temporary file
 * and renames it onto the file (links it, with AFILE_NO_REPLACE).  0, or
 * -errno with e naming the file (the temporary file is then removed and an
 * old file is left as it was).  Frees the writer either way and NULLs
 * *self_p; accepts NULL. */
int afile_commit(afile_t **self_p, err_t *e);

/* Abandons the file: removes the temporary file, leaving an old file as it
 * was.  Accepts NULL; NULLs *self_p. */
void afile_destroy(afile_t **self_p);

/* The descriptor that path names without being reopened: 1 for "-" and
 * /dev/stdout, 2 for /dev/stderr, N for /dev/fd/N and /proc/self/fd/N; -1
 * for any other path. */
int afile_alias(const char *path);

/* What a name for an output finally refers to, for telling whether two
 * flags name one file. */
typedef struct afile_id {
    bool direct;             /* written directly (a descriptor, a device, a pipe): never replaced */
    bool exists;             /* the file exists: dev and ino are its own */
    dev_t dev;               /* the file's device, or its directory's when it does not exist */
    ino_t ino;               /* the file's inode, or its directory's */
    char name[NAME_MAX + 1]; /* when it does not exist: its name in that directory */
} afile_id_t;

/* Resolves path as afile_open would (symbolic links followed) into id,
 * without creating anything.  0 or -errno (then nothing is known: a later
 * afile_open reports why). */
int afile_id(const char *path, afile_id_t *id);

/* Fills id for a file that is read (an input): its device and inode, or
 * direct for anything but a regular file.  0 or -errno. */
int afile_id_input(const char *path, afile_id_t *id);

/* Whether a and b are one file that writing either would replace. */
bool afile_id_same(const afile_id_t *a, const afile_id_t *b);

#endif
