/*
 * out.c - buffered output.  See out.h.
 */
#include "out.h"

#include "afile.h"
#include "line.h"
#include "mem.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* 1 MiB: large writes keep the reducer's syscall count negligible. */
#define OUT_BUFFER (1u << 20)

/* out_write's blocks from this size on skip the buffer: copying a 1 MiB
 * chunk's lines into it cost the reducer a memcpy of the whole output,
 * and one write(2) per 64 KiB or more is still few. */
#define OUT_DIRECT (64u << 10)

struct out {
    int fd;         /* owned unless it is stdout */
    bool is_stdout; /* fd is STDOUT_FILENO: flush but do not close */
    bool regular;   /* a regular file: fsync before close */
    char *path;     /* owned, for messages */
    char *buf;      /* owned buffer of OUT_BUFFER bytes */
    size_t len;     /* bytes buffered */
    uint64_t lines; /* lines written */
    uint64_t bytes; /* bytes written, buffered ones included */
    char term;      /* what ends a line: '\n', or '\0' for -0 */
    bool tab;       /* write the TAB for an empty key too (out_set_always_tab) */
};

out_t *out_open(const char *path, err_t *e)
{
    /* "-" and /dev/fd/N (afile_write_path's names for a descriptor) are
     * written as they are, never reopened: reopening a redirected stdout by
     * name would truncate what the shell opened.  Nothing is created: mr-run
     * made the file, and a temporary file it removed (it died, and its
     * cleanup ran) must not come back. */
    int alias = afile_alias(path);
    bool is_stdout = alias == STDOUT_FILENO;
    int fd = is_stdout    ? STDOUT_FILENO
             : alias >= 0 ? fcntl(alias, F_DUPFD_CLOEXEC, 3)
                          : open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        err_set(e, -errno, "output %s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    out_t *self = mem_calloc(1, sizeof *self);
    self->fd = fd;
    self->is_stdout = is_stdout;
    self->regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    self->path = mem_strdup(is_stdout ? "stdout" : path);
    self->buf = mem_alloc(OUT_BUFFER);
    self->term = '\n';
    return self;
}

out_t *out_open_fd(int fd, const char *name)
{
    out_t *self = mem_calloc(1, sizeof *self);
    self->fd = fd;
    self->path = mem_strdup(name);
    self->buf = mem_alloc(OUT_BUFFER);
    self->term = '\n';
    return self;
}

static int s_flush(out_t *self, err_t *e)
{
    if (!self->len)
        return 0;
    int rc = proc_write_all(self->fd, self->buf, self->len);
    self->len = 0;
    if (rc < 0)
        return err_set(e, rc, "output %s: %s", self->path, strerror(-rc));
    return 0;
}

static int s_put(out_t *self, const void *data, size_t len, err_t *e)
{
    self->bytes += len;
    if (len > OUT_BUFFER - self->len) {
        int rc = s_flush(self, e);
        if (rc < 0)
            return rc;
        if (len > OUT_BUFFER) {
            rc = proc_write_all(self->fd, data, len);
            return rc < 0 ? err_set(e, rc, "output %s: %s", self->path, strerror(-rc)) : 0;
        }
    }
    if (len)
        memcpy(self->buf + self->len, data, len);
    self->len += len;
    return 0;
}

int out_line(out_t *self, const void *key, size_t key_len, const void *value, size_t value_len,
             err_t *e)
{
    /* The form is made per line (line.h): a constant TAB for line_write. */
    const line_form_t form = line_form_tab(self->term, self->tab);
    size_t need = line_len(&form, key_len, value_len);
    if (need <= OUT_BUFFER - self->len) {
        self->len =
            (size_t)(line_write(self->buf + self->len, &form, key, key_len, value, value_len) -
                     self->buf);
        self->bytes += need;
    } else {
        /* Past the buffer's room: the line in pieces, through s_put, which
         * flushes and writes a piece over the buffer's size directly. */
        line_piece_t piece[LINE_PIECES];
        int n = line_pieces(&form, key, key_len, value, value_len, piece);
        for (int i = 0; i < n; i++) {
            int rc = s_put(self, piece[i].ptr, piece[i].len, e);
            if (rc < 0)
                return rc;
        }
    }
    self->lines++;
    return 0;
}

void out_set_always_tab(out_t *self, bool on)
{
    self->tab = on;
}

void out_set_terminator(out_t *self, char term)
{
    self->term = term;
}

int out_write(out_t *self, const void *data, size_t len, uint64_t n_lines, err_t *e)
{
    int rc = 0;
    if (len >= OUT_DIRECT) {
        /* A chunk's lines go to the kernel from where they are (a RESULT
         * frame, a mapper's shared slot), not through the buffer first. */
        self->bytes += len;
        if ((rc = s_flush(self, e)) == 0 && (rc = proc_write_all(self->fd, data, len)) < 0)
            rc = err_set(e, rc, "output %s: %s", self->path, strerror(-rc));
    } else {
        rc = s_put(self, data, len, e);
    }
    if (rc == 0)
        self->lines += n_lines;
    return rc;
}

int out_flush_fd(out_t *self, err_t *e)
{
    return s_flush(self, e) < 0 ? -1 : self->fd;
}

uint64_t out_lines(const out_t *self)
{
    return self->lines;
}

uint64_t out_bytes(const out_t *self)
{
    return self->bytes;
}

int out_close(out_t **self_p, err_t *e)
{
    out_t *self = *self_p;
    if (!self)
        return 0;
    int rc = s_flush(self, e);
    if (rc == 0 && self->regular && fsync(self->fd) < 0)
        rc = err_set(e, -errno, "output %s: fsync: %s", self->path, strerror(errno));
    if (!self->is_stdout && close(self->fd) < 0 && rc == 0)
        rc = err_set(e, -errno, "output %s: close: %s", self->path, strerror(errno));
    free(self->buf);
    free(self->path);
    free(self);
    *self_p = NULL;
    return rc;
}
