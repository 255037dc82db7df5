/*
 * mem.h - the allocation wrappers.  Out-of-memory is not a recoverable
 * condition in mr: every allocation goes through here and aborts with a
 * message when the system says no, so callers never check for NULL.  The
 * process's temporary files (cleanup.h) are removed before it aborts.
 */
#ifndef MR_MEM_H
#define MR_MEM_H

#include <stddef.h>

void *mem_alloc(size_t size);
void *mem_calloc(size_t count, size_t size);
void *mem_realloc(void *ptr, size_t size);
char *mem_strdup(const char *s);
void *mem_memdup(const void *ptr, size_t size);

#endif
