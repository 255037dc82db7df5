/*
 * inputs.h - the files a job reads, from the names on the command line.
 *
 * A directory stands for the files directly inside it, as Hadoop's
 * FileInputFormat reads an input directory by default: not recursively,
 * skipping names that start with '_' or '.' (_SUCCESS, _logs, .crc files,
 * an editor's swap file, mr's own .NAME.mr-XXXXXX temporary outputs), in
 * bytewise name order so that every run reads them in the same order.
 * Names are taken literally: mr does no globbing (the shell does), so a
 * file called `a*` is that file.  Files and "-" (stdin) pass through as
 * they are, in the order given.
 */
#ifndef MR_INPUTS_H
#define MR_INPUTS_H

#include "err.h"

#include <stddef.h>

typedef struct inputs {
    const char **paths; /* owned array of the files to read, in order; strings
                           borrowed from the names given or from store */
    size_t n;           /* entries in paths */
    char **store;       /* owned strings made for directory entries */
    size_t n_store;     /* entries in store */
    char *skipped;      /* owned: the first subdirectory left out, or NULL */
    size_t n_skipped;   /* subdirectories left out (not read: not recursive) */
} inputs_t;

/* Expands names[0..n) into in (which must be inputs_fini'd, even on
 * failure).  A name that is not a directory (a file, a missing file,
 * "-") is kept for the splitter to open and judge.  0, or -errno with e
 * naming the directory that could not be listed. */
int inputs_expand(const char *const *names, size_t n, inputs_t *in, err_t *e);

/* Frees what inputs_expand made; accepts a zeroed or finished in. */
void inputs_fini(inputs_t *in);

#endif
