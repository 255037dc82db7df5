/*
 * hsout.h - mr-streaming's output directory, as Hadoop's FileOutputCommitter
 * leaves one: DIR/part-00000... and an empty DIR/_SUCCESS, only when the job
 * succeeded.
 *
 * mr-streaming makes DIR (refusing one that exists, as Hadoop does) and
 * DIR/_temporary, where mr-run --output-parts writes the reducers' parts.
 * On success hsout_commit moves each part up into DIR, writing every line
 * as Hadoop's TextOutputFormat writes it; on failure hsout_abandon removes
 * what the job made, so that the same command can run again.
 */
#ifndef MR_HSOUT_H
#define MR_HSOUT_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>

/* How a command's output line becomes a part file's line: split into key
 * and value at the fields-th sep (a line with fewer is all key, with an
 * empty value; Hadoop's TextOutputReader), then written key, text_sep,
 * value (TextOutputFormat).  With the defaults (TAB, 1, TAB) a line with a
 * TAB is unchanged and one without gets a TAB at its end. */
typedef struct hsout_form {
    const char *sep;      /* the command's field separator */
    unsigned fields;      /* fields in the key, at least 1 */
    const char *text_sep; /* written between key and value */
    bool lazy;            /* -lazyOutput: an empty part is not kept */
} hsout_form_t;

/* Makes dir and dir/_temporary.  -EEXIST with e saying the output
 * directory already exists (Hadoop's refusal), or -errno. */
int hsout_make(const char *dir, err_t *e);

/* The directory mr-run writes the parts to: dir/_temporary, into buf. */
void hsout_temporary(const char *dir, char *buf, size_t len);

/* Moves every part-NNNNN of dir/_temporary to dir in form, removes
 * _temporary and writes dir/_SUCCESS.  0, or -errno with e naming the
 * file. */
int hsout_commit(const char *dir, const hsout_form_t *form, err_t *e);

/* Removes the files of dir/_temporary and dir itself, as far as they are
 * the job's (only part-* and _SUCCESS files, and the two directories). */
void hsout_abandon(const char *dir);

#endif
