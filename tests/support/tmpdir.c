/*
 * tmpdir.c - see tmpdir.h.
 */
#include "tmpdir.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static int s_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int tmpdir_make(char *dir, size_t len, const char *name)
{
    snprintf(dir, len, "/tmp/mr-test-%s-XXXXXX", name);
    return mkdtemp(dir) ? 0 : -1;
}

int tmpdir_remove(const char *dir)
{
    return nftw(dir, s_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}
