/*
 * run.c - the sorted run file.  See run.h for the format and why each
 * check exists.
 *
 * The writer fills one RUN_BLOCK buffer and writes it whole, its 12-byte
 * block header in front; the reader reads a block header, then the whole
 * payload into a buffer that grows to the largest block (capped), checks
 * the CRC, and hands out records that point into it.
 */
#include "run.h"

#include "buf.h"
#include "le64.h"
#include "mem.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static const char s_magic[6] = { 'M', 'R', 'R', 'U', 'N', '\0' };

#define RUN_VERSION 1
#define RUN_HEADER 8        /* magic and version */
#define RUN_BLOCK_HEADER 12 /* len, records, crc */
#define RUN_FOOTER 16       /* 0, records (u64), crc */
#define RUN_RECORD_HEADER 8 /* key_len, value_len */

struct run_writer {
    int fd;           /* owned, -1 once closed */
    char *path;       /* owned, for messages and run_writer_destroy */
    char *block;      /* owned: RUN_BLOCK_HEADER + RUN_BLOCK bytes */
    size_t used;      /* payload bytes in block */
    uint32_t n_block; /* records in block */
    uint64_t offset;  /* bytes written to the file */
    uint64_t records; /* records added */
    buf_t last;       /* the last key added, for the order check */
    bool have_last;   /* last holds a key */
};

struct run_reader {
    int fd;           /* owned */
    char *path;       /* owned, for messages */
    char *block;      /* owned payload buffer of cap bytes */
    size_t cap;       /* bytes allocated at block */
    size_t len;       /* payload bytes in block */
    size_t pos;       /* next record's position in block */
    uint32_t left;    /* records of block not yet read */
    uint64_t offset;  /* file offset of the next block header */
    uint64_t size;    /* the file's size when opened (UINT64_MAX: not a file) */
    uint64_t records; /* records read */
    mr_bytes_t prev;  /* the record read last (in block), for the order check */
    buf_t last;       /* the last key of the previous block */
    bool have_last;   /* last holds a key */
    int status;       /* once done: 0 at the end, or the error's code */
    bool done;        /* the footer was read, or an error was */
    err_t err;        /* the error, repeated by later calls */
};

int run_key_cmp(mr_bytes_t a, mr_bytes_t b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
    if (c)
        return c;
    return (a.len > b.len) - (a.len < b.len);
}

/* ---- Writer ---- */

run_writer_t *run_writer_new(const char *path, err_t *e)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0) {
        err_set(e, -errno, "run file %s: %s", path, strerror(errno));
        return NULL;
    }
    char header[RUN_HEADER];
    memcpy(header, s_magic, sizeof s_magic);
    header[6] = RUN_VERSION & 0xff;
    header[7] = RUN_VERSION >> 8;
    int rc = proc_write_all(fd, header, sizeof header);
    if (rc < 0) {
        err_set(e, rc, "run file %s: write: %s", path, strerror(-rc));
        close(fd);
        unlink(path);
        return NULL;
    }
    run_writer_t *self = mem_calloc(1, sizeof *self);
    self->fd = fd;
    self->path = mem_strdup(path);
    self->block = mem_alloc(RUN_BLOCK_HEADER + RUN_BLOCK);
    self->offset = RUN_HEADER;
    buf_init(&self->last, RUN_MAX_BLOCK);
    return self;
}

/* Fills the block header h for the len payload bytes of n records at
 * payload. */
static void s_block_header(char *h, size_t len, uint32_t n, const void *payload)
{
    le32_store(h, (uint32_t)len);
    le32_store(h + 4, n);
    uLong crc = crc32(0L, (const Bytef *)h, 8);
    crc = crc32(crc, (const Bytef *)payload, (uInt)len);
    le32_store(h + 8, (uint32_t)crc);
}

static int s_write(run_writer_t *self, const void *data, size_t len, err_t *e)
{
    int rc = proc_write_all(self->fd, data, len);
    if (rc < 0)
        return err_set(e, rc, "run file %s: write at byte %llu: %s", self->path,
                       (unsigned long long)self->offset, strerror(-rc));
    self->offset += len;
    return 0;
}

/* Writes the buffered block, if any. */
static int s_flush(run_writer_t *self, err_t *e)
{
    if (self->n_block == 0)
        return 0;
    s_block_header(self->block, self->used, self->n_block, self->block + RUN_BLOCK_HEADER);
    int rc = s_write(self, self->block, RUN_BLOCK_HEADER + self->used, e);
    self->used = 0;
    self->n_block = 0;
    return rc;
}

/* A record too big for the block buffer: a block of its own, written in
 * pieces. */
static int s_write_big(run_writer_t *self, mr_bytes_t key, mr_bytes_t value, err_t *e)
{
    char rec[RUN_RECORD_HEADER];
    le32_store(rec, (uint32_t)key.len);
    le32_store(rec + 4, (uint32_t)value.len);
    size_t len = RUN_RECORD_HEADER + key.len + value.len;
    char h[RUN_BLOCK_HEADER];
    le32_store(h, (uint32_t)len);
    le32_store(h + 4, 1);
    uLong crc = crc32(0L, (const Bytef *)h, 8);
    crc = crc32(crc, (const Bytef *)rec, sizeof rec);
    if (key.len)
        crc = crc32(crc, key.ptr, (uInt)key.len);
    if (value.len)
        crc = crc32(crc, value.ptr, (uInt)value.len);
    le32_store(h + 8, (uint32_t)crc);
    int rc = s_write(self, h, sizeof h, e);
    if (rc == 0)
        rc = s_write(self, rec, sizeof rec, e);
    if (rc == 0 && key.len)
        rc = s_write(self, key.ptr, key.len, e);
    if (rc == 0 && value.len)
        rc = s_write(self, value.ptr, value.len, e);
    return rc;
}

int run_writer_add(run_writer_t *self, mr_bytes_t key, mr_bytes_t value, err_t *e)
{
    if (key.len > RUN_MAX_BLOCK || value.len > RUN_MAX_BLOCK ||
        RUN_RECORD_HEADER + key.len + value.len > RUN_MAX_BLOCK)
        return err_set(e, -EMSGSIZE,
                       "run file %s: a record of %zu + %zu bytes, over the cap of %zu", self->path,
                       key.len, value.len, RUN_MAX_BLOCK);
    if (self->have_last) {
        mr_bytes_t last = { self->last.data, self->last.len };
        if (run_key_cmp(last, key) > 0)
            return err_set(e, -EINVAL, "run file %s: key %llu added out of order", self->path,
                           (unsigned long long)self->records);
    }
    buf_reset(&self->last);
    if (buf_append(&self->last, key.ptr, key.len) < 0)
        return err_set(e, -EMSGSIZE, "run file %s: key too long", self->path);
    self->have_last = true;
    size_t need = RUN_RECORD_HEADER + key.len + value.len;
    int rc = 0;
    if (need > RUN_BLOCK - self->used)
        rc = s_flush(self, e);
    if (rc == 0 && need > RUN_BLOCK)
        rc = s_write_big(self, key, value, e);
    else if (rc == 0) {
        char *p = self->block + RUN_BLOCK_HEADER + self->used;
        le32_store(p, (uint32_t)key.len);
        le32_store(p + 4, (uint32_t)value.len);
        if (key.len)
            memcpy(p + RUN_RECORD_HEADER, key.ptr, key.len);
        if (value.len)
            memcpy(p + RUN_RECORD_HEADER + key.len, value.ptr, value.len);
        self->used += need;
        self->n_block++;
    }
    if (rc == 0)
        self->records++;
    return rc;
}

uint64_t run_writer_bytes(const run_writer_t *self)
{
    return self->offset + (self->n_block ? RUN_BLOCK_HEADER + self->used : 0);
}

uint64_t run_writer_records(const run_writer_t *self)
{
    return self->records;
}

static void s_writer_free(run_writer_t *self)
{
    if (self->fd >= 0)
        close(self->fd);
    buf_fini(&self->last);
    free(self->block);
    free(self->path);
    free(self);
}

int run_writer_close(run_writer_t **self_p, err_t *e)
{
    run_writer_t *self = *self_p;
    if (!self)
        return 0;
    int rc = s_flush(self, e);
    if (rc == 0) {
        char f[RUN_FOOTER];
        le32_store(f, 0);
        le64_store(f + 4, self->records);
        le32_store(f + 12, (uint32_t)crc32(0L, (const Bytef *)f, 12));
        rc = s_write(self, f, sizeof f, e);
    }
    int fd = self->fd;
    self->fd = -1;
    if (close(fd) < 0 && rc == 0)
        rc = err_set(e, -errno, "run file %s: close: %s", self->path, strerror(errno));
    s_writer_free(self);
    *self_p = NULL;
    return rc;
}

void run_writer_destroy(run_writer_t **self_p)
{
    run_writer_t *self = *self_p;
    if (!self)
        return;
    unlink(self->path);
    s_writer_free(self);
    *self_p = NULL;
}

/* ---- Reader ---- */

/* Records a damaged run: every error names the path and the byte offset. */
static int s_bad(run_reader_t *self, int code, uint64_t offset, const char *what, err_t *e)
{
    err_set(&self->err, code, "run file %s: %s at byte %llu", self->path, what,
            (unsigned long long)offset);
    self->status = code;
    self->done = true;
    if (e)
        *e = self->err;
    return code;
}

run_reader_t *run_reader_new(const char *path, err_t *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        err_set(e, -errno, "run file %s: %s", path, strerror(errno));
        return NULL;
    }
    run_reader_t *self = mem_calloc(1, sizeof *self);
    self->fd = fd;
    self->path = mem_strdup(path);
    buf_init(&self->last, RUN_MAX_BLOCK);
    err_init(&self->err);
    char header[RUN_HEADER];
    struct stat st;
    ssize_t n = fstat(fd, &st) < 0 ? -errno : proc_read_full(fd, header, sizeof header);
    self->size = n >= 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : UINT64_MAX;
    int rc = 0;
    if (n < 0)
        rc = s_bad(self, (int)n, 0, "read error", e);
    else if ((size_t)n < sizeof header)
        rc = s_bad(self, -EBADMSG, (uint64_t)n, "truncated header", e);
    else if (memcmp(header, s_magic, sizeof s_magic) != 0)
        rc = s_bad(self, -EBADMSG, 0, "not a run file (bad magic)", e);
    else if ((unsigned char)header[6] != RUN_VERSION || header[7] != 0)
        rc = s_bad(self, -EBADMSG, 6, "unknown version", e);
    if (rc < 0) {
        run_reader_destroy(&self);
        return NULL;
    }
    self->offset = RUN_HEADER;
    return self;
}

/* Reads the footer whose first 4 bytes (0) are at h and checks it. */
static int s_footer(run_reader_t *self, const char *h, err_t *e)
{
    char f[RUN_FOOTER];
    memcpy(f, h, RUN_BLOCK_HEADER);
    ssize_t n = proc_read_full(self->fd, f + RUN_BLOCK_HEADER, RUN_FOOTER - RUN_BLOCK_HEADER);
    if (n < 0)
        return s_bad(self, (int)n, self->offset, "read error", e);
    if ((size_t)n < RUN_FOOTER - RUN_BLOCK_HEADER)
        return s_bad(self, -EBADMSG, self->offset + RUN_BLOCK_HEADER + (uint64_t)n,
                     "truncated footer", e);
    if ((uint32_t)crc32(0L, (const Bytef *)f, 12) != le32_load(f + 12))
        return s_bad(self, -EBADMSG, self->offset, "CRC mismatch in the footer", e);
    uint64_t count = le64_load(f + 4);
    if (count != self->records) {
        char what[96];
        snprintf(what, sizeof what, "footer counts %llu records, but %llu were read",
                 (unsigned long long)count, (unsigned long long)self->records);
        return s_bad(self, -EBADMSG, self->offset, what, e);
    }
    char extra;
    n = proc_read_full(self->fd, &extra, 1);
    if (n != 0)
        return s_bad(self, n < 0 ? (int)n : -EBADMSG, self->offset + RUN_FOOTER,
                     n < 0 ? "read error" : "bytes after the footer", e);
    self->done = true;
    self->status = 0;
    return 0;
}

/* Reads the next block (or the footer).  1: a block is ready; 0: the end;
 * negative: an error. */
static int s_next_block(run_reader_t *self, err_t *e)
{
    /* The previous block's last key is the next block's lower bound; it
     * points into the buffer about to be overwritten. */
    if (self->prev.ptr) {
        buf_reset(&self->last);
        buf_append(&self->last, self->prev.ptr, self->prev.len);
        self->have_last = true;
        self->prev = (mr_bytes_t){ NULL, 0 };
    }
    char h[RUN_BLOCK_HEADER];
    ssize_t n = proc_read_full(self->fd, h, sizeof h);
    if (n < 0)
        return s_bad(self, (int)n, self->offset, "read error", e);
    if (n >= 4 && le32_load(h) == 0) {
        if ((size_t)n < sizeof h)
            return s_bad(self, -EBADMSG, self->offset + (uint64_t)n, "truncated footer", e);
        return s_footer(self, h, e);
    }
    if (n == 0)
        return s_bad(self, -EBADMSG, self->offset, "truncated: no footer", e);
    if ((size_t)n < sizeof h)
        return s_bad(self, -EBADMSG, self->offset + (uint64_t)n, "truncated block header", e);
    size_t len = le32_load(h);
    uint32_t count = le32_load(h + 4);
    if (len > RUN_MAX_BLOCK)
        return s_bad(self, -EMSGSIZE, self->offset, "block length over the cap", e);
    /* A damaged length must not cost an allocation the file cannot fill. */
    if (self->size != UINT64_MAX && (self->offset + RUN_BLOCK_HEADER > self->size ||
                                     len > self->size - self->offset - RUN_BLOCK_HEADER))
        return s_bad(self, -EBADMSG, self->offset, "truncated: a block longer than the file", e);
    if (count == 0 || (uint64_t)count * RUN_RECORD_HEADER > len)
        return s_bad(self, -EBADMSG, self->offset, "bad record count in a block", e);
    if (len > self->cap) {
        size_t cap = self->cap ? self->cap : RUN_BLOCK;
        while (cap < len)
            cap *= 2;
        free(self->block);
        self->block = mem_alloc(cap);
        self->cap = cap;
    }
    n = proc_read_full(self->fd, self->block, len);
    if (n < 0)
        return s_bad(self, (int)n, self->offset + RUN_BLOCK_HEADER, "read error", e);
    if ((size_t)n < len)
        return s_bad(self, -EBADMSG, self->offset + RUN_BLOCK_HEADER + (uint64_t)n,
                     "truncated block", e);
    uLong crc = crc32(0L, (const Bytef *)h, 8);
    crc = crc32(crc, (const Bytef *)self->block, (uInt)len);
    if ((uint32_t)crc != le32_load(h + 8))
        return s_bad(self, -EBADMSG, self->offset, "CRC mismatch in a block", e);
    self->offset += RUN_BLOCK_HEADER;
    self->len = len;
    self->pos = 0;
    self->left = count;
    return 1;
}

int run_reader_next(run_reader_t *self, mr_bytes_t *key, mr_bytes_t *value, err_t *e)
{
    if (self->done) {
        if (self->status < 0 && e)
            *e = self->err;
        return self->status;
    }
    if (self->left == 0) {
        if (self->pos != self->len)
            return s_bad(self, -EBADMSG, self->offset + self->pos,
                         "bytes after the last record of a block", e);
        self->offset += self->len;
        self->len = 0;
        self->pos = 0;
        int rc = s_next_block(self, e);
        if (rc <= 0)
            return rc;
    }
    uint64_t at = self->offset + self->pos;
    if (self->len - self->pos < RUN_RECORD_HEADER)
        return s_bad(self, -EBADMSG, at, "record header past its block", e);
    const char *p = self->block + self->pos;
    size_t key_len = le32_load(p);
    size_t value_len = le32_load(p + 4);
    size_t room = self->len - self->pos - RUN_RECORD_HEADER;
    if (key_len > room || value_len > room - key_len)
        return s_bad(self, -EBADMSG, at, "record length past its block", e);
    mr_bytes_t k = { p + RUN_RECORD_HEADER, key_len };
    mr_bytes_t prev = self->prev.ptr ? self->prev : (mr_bytes_t){ self->last.data, self->last.len };
    if ((self->prev.ptr || self->have_last) && run_key_cmp(prev, k) > 0)
        return s_bad(self, -EBADMSG, at, "key out of order", e);
    self->prev = k;
    self->pos += RUN_RECORD_HEADER + key_len + value_len;
    self->left--;
    self->records++;
    *key = k;
    *value = (mr_bytes_t){ p + RUN_RECORD_HEADER + key_len, value_len };
    return 1;
}

const char *run_reader_path(const run_reader_t *self)
{
    return self->path;
}

void run_reader_destroy(run_reader_t **self_p)
{
    run_reader_t *self = *self_p;
    if (!self)
        return;
    close(self->fd);
    buf_fini(&self->last);
    free(self->block);
    free(self->path);
    free(self);
    *self_p = NULL;
}
