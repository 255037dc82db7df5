/*
 * assemble.c - the output from the reducers' parts.  See assemble.h.
 *
 * The merge reads each part through its own buffer and writes through one
 * output buffer: a key's bytes are often one short line, and a system call
 * per key would cost more than the merge.
 */
#include "assemble.h"

#include "kmerge.h"
#include "le64.h"
#include "mem.h"
#include "proc.h"
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

/* A part's read buffer and the output buffer. */
#define ASSEMBLE_BUFFER (256u * 1024)
#define ASSEMBLE_OUT_BUFFER (1u << 20)

/* How often the progress callback hears of the merge. */
#define ASSEMBLE_PROGRESS_EVERY ((uint64_t)16 << 20)

/* Copies len bytes from in_fd's offset to out_fd's: copy_file_range within
 * a file system, sendfile to a pipe or socket, read and write otherwise.
 * 0, or -errno with *side set to 0 for a read error and 1 for a write. */
static int s_copy(int in_fd, int out_fd, uint64_t len, int *side)
{
    bool try_cfr = true;
    bool try_sendfile = true;
    char *buf = NULL;
    int rc = 0;
    while (len > 0) {
        size_t want = len > ((size_t)1 << 30) ? (size_t)1 << 30 : (size_t)len;
        ssize_t n = -1;
        if (try_cfr) {
            n = copy_file_range(in_fd, NULL, out_fd, NULL, want, 0);
            if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == EBADF || errno == ENOSYS ||
                          errno == EOPNOTSUPP)) {
                try_cfr = false;
                continue;
            }
        } else if (try_sendfile) {
            n = sendfile(out_fd, in_fd, NULL, want);
            if (n < 0 && (errno == EINVAL || errno == ENOSYS)) {
                try_sendfile = false;
                continue;
            }
        } else {
            if (!buf)
                buf = mem_alloc(ASSEMBLE_OUT_BUFFER);
            n = read(in_fd, buf, want < ASSEMBLE_OUT_BUFFER ? want : ASSEMBLE_OUT_BUFFER);
            if (n > 0) {
                int wrc = proc_write_all(out_fd, buf, (size_t)n);
                if (wrc < 0) {
                    *side = 1;
                    rc = wrc;
                    break;
                }
            } else if (n < 0) {
                *side = 0;
            }
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -errno;
            /* Which end failed is not told by copy_file_range or sendfile:
             * a full disk or a closed pipe is the output's. */
            if (try_cfr || try_sendfile)
                *side = errno == ENOSPC || errno == EPIPE || errno == EDQUOT || errno == EFBIG;
            break;
        }
        if (n == 0) {
            *side = 0;
            rc = -ENODATA; /* the part shrank under us */
            break;
        }
        len -= (uint64_t)n;
    }
    free(buf);
    return rc;
}

int assemble_concat(const char *const *parts, size_t n, int out_fd, err_t *e)
{
    for (size_t i = 0; i < n; i++) {
        int fd = open(parts[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return err_set(e, -errno, "part %s: %s", parts[i], strerror(errno));
        struct stat st;
        if (fstat(fd, &st) < 0) {
            int rc = -errno;
            close(fd);
            return err_set(e, rc, "part %s: %s", parts[i], strerror(-rc));
        }
        int side = 0;
        int rc = s_copy(fd, out_fd, (uint64_t)st.st_size, &side);
        close(fd);
        if (rc == -ENODATA)
            return err_set(e, -EBADMSG, "part %s: shorter than its size while copied", parts[i]);
        if (rc < 0 && side)
            return err_set(e, rc, "output: write: %s (copying part %s)", strerror(-rc), parts[i]);
        if (rc < 0)
            return err_set(e, rc, "part %s: read: %s", parts[i], strerror(-rc));
    }
    return 0;
}

/* One part being merged. */
typedef struct part {
    const char *path;     /* borrowed */
    const char *index;    /* borrowed: its index's path */
    int fd;               /* owned, -1 when not open */
    uint64_t size;        /* bytes in the part */
    uint64_t consumed;    /* bytes the index has accounted for */
    char *buf;            /* owned read buffer of ASSEMBLE_BUFFER bytes */
    size_t len;           /* bytes in buf */
    size_t pos;           /* bytes of buf already copied */
    run_reader_t *reader; /* owned reader of the index */
} part_t;

/* The merge's output buffer. */
typedef struct sink {
    int fd;        /* borrowed */
    char *buf;     /* owned, ASSEMBLE_OUT_BUFFER bytes */
    size_t len;    /* bytes buffered */
    uint64_t done; /* bytes written or buffered */
} sink_t;

static int s_flush(sink_t *s, err_t *e)
{
    int rc = proc_write_all(s->fd, s->buf, s->len);
    s->len = 0;
    return rc < 0 ? err_set(e, rc, "output: write: %s", strerror(-rc)) : 0;
}

/* Copies a key's bytes bytes from the part p to the sink. */
static int s_copy_key(part_t *p, uint64_t bytes, mr_bytes_t key, sink_t *s, err_t *e)
{
    if (bytes > p->size - p->consumed)
        return err_set(
            e, -EBADMSG, "index %s: key '%.*s' has %llu bytes, but part %s has only %llu left",
            p->index, (int)(key.len > 40 ? 40 : key.len), (const char *)key.ptr,
            (unsigned long long)bytes, p->path, (unsigned long long)(p->size - p->consumed));
    p->consumed += bytes;
    while (bytes > 0) {
        if (p->pos == p->len) {
            ssize_t n = proc_read_full(p->fd, p->buf, ASSEMBLE_BUFFER);
            if (n < 0)
                return err_set(e, (int)n, "part %s: read: %s", p->path, strerror((int)-n));
            if (n == 0)
                return err_set(e, -EBADMSG, "part %s: shorter than its size while read", p->path);
            p->len = (size_t)n;
            p->pos = 0;
        }
        size_t take = p->len - p->pos;
        if (take > bytes)
            take = (size_t)bytes;
        if (take > ASSEMBLE_OUT_BUFFER - s->len) {
            int rc = s_flush(s, e);
            if (rc < 0)
                return rc;
            if (take > ASSEMBLE_OUT_BUFFER)
                take = ASSEMBLE_OUT_BUFFER;
        }
        memcpy(s->buf + s->len, p->buf + p->pos, take);
        s->len += take;
        s->done += take;
        p->pos += take;
        bytes -= take;
    }
    return 0;
}

static int s_open_part(part_t *p, err_t *e)
{
    p->fd = open(p->path, O_RDONLY | O_CLOEXEC);
    if (p->fd < 0)
        return err_set(e, -errno, "part %s: %s", p->path, strerror(errno));
    struct stat st;
    if (fstat(p->fd, &st) < 0)
        return err_set(e, -errno, "part %s: %s", p->path, strerror(errno));
    p->size = (uint64_t)st.st_size;
    p->buf = mem_alloc(ASSEMBLE_BUFFER);
    p->reader = run_reader_new(p->index, e);
    return p->reader ? 0 : e->code;
}

int assemble_merge(const char *const *parts, const char *const *indexes, size_t n, int out_fd,
                   assemble_progress_fn cb, void *arg, err_t *e)
{
    part_t *ps = mem_calloc(n ? n : 1, sizeof *ps);
    sink_t sink = { .fd = out_fd, .buf = mem_alloc(ASSEMBLE_OUT_BUFFER) };
    kmerge_t *km = kmerge_new();
    uint64_t total = 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        ps[i].path = parts[i];
        ps[i].index = indexes[i];
        ps[i].fd = -1;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = s_open_part(&ps[i], e);
        if (rc == 0) {
            total += ps[i].size;
            kmerge_add_run(km, ps[i].reader);
        }
    }
    mr_bytes_t key;
    mr_bytes_t value;
    size_t src;
    uint64_t next_report = ASSEMBLE_PROGRESS_EVERY;
    while (rc == 0 && (rc = kmerge_next(km, &key, &value, &src, e)) == 1) {
        if (value.len != 8) {
            rc = err_set(e, -EBADMSG,
                         "index %s: a value of %zu bytes where a count of 8 was expected",
                         ps[src].index, value.len);
            break;
        }
        uint64_t bytes;
        memcpy(&bytes, value.ptr, 8);
        rc = s_copy_key(&ps[src], le64(bytes), key, &sink, e);
        if (rc == 0 && cb && sink.done >= next_report) {
            cb(arg, sink.done, total);
            next_report = sink.done + ASSEMBLE_PROGRESS_EVERY;
        }
    }
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (ps[i].consumed != ps[i].size)
            rc = err_set(e, -EBADMSG, "index %s accounts for %llu bytes of part %s, which has %llu",
                         ps[i].index, (unsigned long long)ps[i].consumed, ps[i].path,
                         (unsigned long long)ps[i].size);
    if (rc == 0)
        rc = s_flush(&sink, e);
    if (rc == 0 && cb)
        cb(arg, sink.done, total);
    kmerge_destroy(&km);
    for (size_t i = 0; i < n; i++) {
        if (ps[i].fd >= 0)
            close(ps[i].fd);
        free(ps[i].buf);
        run_reader_destroy(&ps[i].reader);
    }
    free(ps);
    free(sink.buf);
    return rc;
}
