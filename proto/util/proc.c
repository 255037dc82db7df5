/*
 * proc.c - see proc.h.
 */
#include "proc.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

int proc_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

ssize_t proc_read_full(int fd, void *data, size_t len)
{
    char *p = data;
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, p + got, len - got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

int proc_parse_u64(const char *s, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return -EINVAL;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == ERANGE)
        return -ERANGE;
    if (*end != '\0')
        return -EINVAL;
    *out = v;
    return 0;
}

/* The kernel's default fault_around_bytes. */
#define PROC_FAULT_AROUND (64u * 1024)

void proc_release_pages(const char *map, size_t map_len, size_t off, size_t len)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t base = (uintptr_t)map;
    uintptr_t start = (base + off) & ~(PROC_FAULT_AROUND - 1);
    uintptr_t end = (base + off + len + PROC_FAULT_AROUND + page - 1) & ~(page - 1);
    uintptr_t limit = (base + map_len + page - 1) & ~(page - 1);
    if (start < base)
        start = base;
    if (end > limit)
        end = limit;
    if (end > start)
        madvise((void *)start, end - start, MADV_DONTNEED);
}

double proc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
