/*
 * err.h - the one error convention of mr.
 *
 * Every fallible function returns 0 or a negative errno-style code
 * (-EBADMSG for a malformed frame, -EMSGSIZE over a cap, -ENOENT for a
 * missing file...).  Human context (file, chunk, byte offset, plugin symbol)
 * travels up in an err_t that the caller owns; only main() prints it, once.
 */
#ifndef MR_ERR_H
#define MR_ERR_H

#include <stddef.h>

#define ERR_TEXT_MAX 512

typedef struct err {
    int code;                /* 0 or the negative errno of the first failure */
    char text[ERR_TEXT_MAX]; /* what failed, in words; "" when code is 0 */
} err_t;

/* Clears e to "no error". */
void err_init(err_t *e);

/* Records a failure in e (when e is not NULL) and returns code, so that
 * callers can write `return err_set(e, -ENOENT, "%s: no such file", path);`.
 * code must be negative. */
int err_set(err_t *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prepends context ("chunk 17: ") to the text already in e; returns e->code. */
int err_prefix(err_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
