/*
 * mem.c - allocation that aborts on failure.  See mem.h.
 */
#include "mem.h"

#include "cleanup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void s_oom(size_t size)
{
    fprintf(stderr, "mr: out of memory allocating %zu bytes\n", size);
    /* The temporary output and the runtime directory go first: abort
     * itself runs no cleanup. */
    cleanup_run();
    abort();
}

void *mem_alloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        s_oom(size);
    return p;
}

void *mem_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        s_oom(count * size);
    return p;
}

void *mem_realloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        s_oom(size);
    return p;
}

char *mem_strdup(const char *s)
{
    return mem_memdup(s, strlen(s) + 1);
}

void *mem_memdup(const void *ptr, size_t size)
{
    void *p = mem_alloc(size);
    if (size)
        memcpy(p, ptr, size);
    return p;
}
