/*
 * scratch.c - the job's private scratch directory.  See scratch.h.
 */
#include "scratch.h"

#include "cleanup.h"
#include "mem.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct scratch {
    char dir[PATH_MAX]; /* the directory, registered with cleanup.h */
    uint32_t n;         /* reducers */
    char **parts;       /* owned: n paths of part-<i> */
    char **indexes;     /* owned: n paths of index-<i> */
    char **spills;      /* owned: n paths of r<i>/ */
};

const char *scratch_default_tmpdir(void)
{
    const char *tmp = getenv("TMPDIR");
    return tmp && *tmp ? tmp : "/tmp";
}

static char *s_path(const scratch_t *self, const char *fmt, uint32_t i)
{
    char name[32];
    snprintf(name, sizeof name, fmt, i);
    size_t len = strlen(self->dir) + 1 + strlen(name) + 1;
    char *path = mem_alloc(len);
    snprintf(path, len, "%s/%s", self->dir, name);
    return path;
}

scratch_t *scratch_new(const char *tmpdir, uint32_t n_reducers, bool parts, err_t *e)
{
    scratch_t *self = mem_calloc(1, sizeof *self);
    struct stat st;
    int rc = stat(tmpdir, &st) < 0 ? -errno : S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
    if (rc < 0) {
        err_set(e, rc, "--tmpdir %s: %s", tmpdir, strerror(-rc));
        free(self);
        return NULL;
    }
    int len = snprintf(self->dir, sizeof self->dir, "%s/mr-%d-XXXXXX", tmpdir, (int)getpid());
    if (len < 0 || (size_t)len + 64 >= sizeof self->dir) {
        err_set(e, -ENAMETOOLONG, "--tmpdir %s: the path is too long", tmpdir);
        free(self);
        return NULL;
    }
    if (!mkdtemp(self->dir)) {
        err_set(e, -errno, "--tmpdir %s: cannot create a scratch directory there: %s", tmpdir,
                strerror(errno));
        free(self);
        return NULL;
    }
    /* Removed even if we die of a fatal signal; that table is small, so
     * the subdirectories go with it rather than each taking a slot. */
    cleanup_add_dir(self->dir);
    self->n = n_reducers;
    self->parts = mem_calloc(n_reducers, sizeof *self->parts);
    self->indexes = mem_calloc(n_reducers, sizeof *self->indexes);
    self->spills = mem_calloc(n_reducers, sizeof *self->spills);
    for (uint32_t i = 0; i < n_reducers; i++) {
        self->parts[i] = s_path(self, "part-%u", i);
        self->indexes[i] = s_path(self, "index-%u", i);
        self->spills[i] = s_path(self, "r%u", i);
        if (mkdir(self->spills[i], 0700) < 0) {
            err_set(e, -errno, "--tmpdir: %s: %s", self->spills[i], strerror(errno));
            scratch_destroy(&self);
            return NULL;
        }
        if (!parts)
            continue;
        int fd = open(self->parts[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) {
            err_set(e, -errno, "--tmpdir: %s: %s", self->parts[i], strerror(errno));
            scratch_destroy(&self);
            return NULL;
        }
        close(fd);
    }
    return self;
}

void scratch_destroy(scratch_t **self_p)
{
    scratch_t *self = *self_p;
    if (!self)
        return;
    cleanup_remove_dir(self->dir);
    cleanup_forget(self->dir);
    for (uint32_t i = 0; i < self->n; i++) {
        free(self->parts[i]);
        free(self->indexes[i]);
        free(self->spills[i]);
    }
    free(self->parts);
    free(self->indexes);
    free(self->spills);
    free(self);
    *self_p = NULL;
}

const char *scratch_dir(const scratch_t *self)
{
    return self->dir;
}

const char *scratch_part(const scratch_t *self, uint32_t i)
{
    return self->parts[i];
}

const char *scratch_index(const scratch_t *self, uint32_t i)
{
    return self->indexes[i];
}

const char *scratch_spill_dir(const scratch_t *self, uint32_t i)
{
    return self->spills[i];
}

const char *const *scratch_parts(const scratch_t *self)
{
    return (const char *const *)self->parts;
}

const char *const *scratch_indexes(const scratch_t *self)
{
    return (const char *const *)self->indexes;
}
