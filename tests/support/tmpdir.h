/*
 * tmpdir.h - a private temporary directory per test file, made in setup and
 * removed with everything in it in teardown.  Linked into every test.
 */
#ifndef MR_TEST_TMPDIR_H
#define MR_TEST_TMPDIR_H

#include <stddef.h>

/* Makes /tmp/mr-test-NAME-XXXXXX into dir (len bytes).  0 or -1. */
int tmpdir_make(char *dir, size_t len, const char *name);

/* Removes dir and everything below it.  0 or -1. */
int tmpdir_remove(const char *dir);

#endif
