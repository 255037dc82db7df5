/*
 * proc.h - this process's own helpers, shared by every layer above the
 * utilities: EINTR-safe whole reads and writes, parsing numbers from the
 * command line without atoi's silent failures, dropping the pages of a
 * mapped input, and the monotonic clock.  Children (fork, exec, how a
 * child ended) are proc_child.h, in the host layer.
 */
#ifndef MR_PROC_H
#define MR_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Writes all len bytes, retrying on EINTR and short writes.  0 or -errno. */
int proc_write_all(int fd, const void *data, size_t len);

/* Reads up to len bytes, retrying on EINTR and short reads; stops at EOF.
 * Returns the bytes read or -errno. */
ssize_t proc_read_full(int fd, void *data, size_t len);

/* Parses a whole decimal unsigned integer.  0 or -EINVAL / -ERANGE. */
int proc_parse_u64(const char *s, uint64_t *out);

/* Drops the pages of a file mapping map[0..map_len) that reading bytes
 * [off, off + len) may have brought into our resident set: the page cache
 * keeps them, and a later read faults them in again.  The kernel maps up to
 * 64 KiB around each page fault ("fault-around"), so the range released
 * reaches that far past the bytes read; without that, a process scanning a
 * 2 GB input kept 64 MB of it resident. */
void proc_release_pages(const char *map, size_t map_len, size_t off, size_t len);

/* Monotonic clock in seconds. */
double proc_now(void);

#endif
