/*
 * inputs.c - input directories expanded into their files.  See inputs.h.
 */
#include "inputs.h"

#include "mem.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void s_add(inputs_t *in, size_t *cap, const char *path)
{
    if (in->n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        in->paths = mem_realloc(in->paths, *cap * sizeof *in->paths);
    }
    in->paths[in->n++] = path;
}

static int s_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Adds the files of directory dir, sorted by name. */
static int s_expand_dir(inputs_t *in, size_t *cap, const char *dir, err_t *e)
{
    DIR *d = opendir(dir);
    if (!d)
        return err_set(e, -errno, "input directory %s: %s", dir, strerror(errno));
    size_t first = in->n_store;
    size_t store_cap = in->n_store;
    size_t dir_len = strlen(dir);
    bool slash = dir_len > 0 && dir[dir_len - 1] == '/';
    struct dirent *ent;
    int rc = 0;
    errno = 0;
    while ((ent = readdir(d))) {
        /* Hadoop's hidden-file filter: _SUCCESS, _logs, .crc, .swp. */
        if (ent->d_name[0] == '_' || ent->d_name[0] == '.')
            continue;
        size_t len = dir_len + !slash + strlen(ent->d_name) + 1;
        char *path = mem_alloc(len);
        snprintf(path, len, "%s%s%s", dir, slash ? "" : "/", ent->d_name);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            /* Not recursive, as FileInputFormat by default. */
            if (!in->skipped)
                in->skipped = path;
            else
                free(path);
            in->n_skipped++;
            continue;
        }
        if (in->n_store == store_cap) {
            store_cap = store_cap ? store_cap * 2 : 16;
            in->store = mem_realloc(in->store, store_cap * sizeof *in->store);
        }
        in->store[in->n_store++] = path;
        errno = 0;
    }
    if (errno != 0)
        rc = err_set(e, -errno, "input directory %s: %s", dir, strerror(errno));
    closedir(d);
    if (in->n_store > first)
        qsort(in->store + first, in->n_store - first, sizeof *in->store, s_cmp);
    for (size_t i = first; i < in->n_store; i++)
        s_add(in, cap, in->store[i]);
    return rc;
}

int inputs_expand(const char *const *names, size_t n, inputs_t *in, err_t *e)
{
    memset(in, 0, sizeof *in);
    size_t cap = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (strcmp(names[i], "-") != 0 && stat(names[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            int rc = s_expand_dir(in, &cap, names[i], e);
            if (rc < 0)
                return rc;
        } else {
            s_add(in, &cap, names[i]);
        }
    }
    return 0;
}

void inputs_fini(inputs_t *in)
{
    for (size_t i = 0; i < in->n_store; i++)
        free(in->store[i]);
    free(in->store);
    free(in->paths);
    free(in->skipped);
    memset(in, 0, sizeof *in);
}
