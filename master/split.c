/*
 * split.c - chunking mapped files and streams.  See split.h.
 */
#include "split.h"

#include "buf.h"
#include "decomp.h"
#include "fmap.h"
#include "mem.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct input {
    const char *name;      /* borrowed path, "-" for stdin */
    int fd;                /* open descriptor, -1 once closed */
    const char *map;       /* mapping of a regular file (fmap.h), NULL for a stream */
    size_t size;           /* mapped size: the file's size when opened */
    struct timespec mtime; /* a mapped file's modification time when opened */
    dev_t dev;             /* the file's device and inode when opened: a mapper that */
    ino_t ino;             /*   opens it by name checks it found the same file */
    uint64_t offset;       /* bytes of this input already cut into chunks */
    bool eof;              /* stream: read returned 0 */
    decomp_t *decomp;      /* a compressed file (FILE.gz), read as a stream; else NULL */
} input_t;

struct split {
    input_t *inputs;   /* owned array */
    size_t n_inputs;   /* its length */
    size_t current;    /* input being cut */
    size_t chunk_size; /* target chunk size; the smallest one when guided */
    size_t guided_max; /* largest guided chunk, 0 when not guided */
    unsigned workers;  /* mappers the guided sizes share the input among */
    unsigned ramp;     /* guided chunks may be chunk_size << ramp (split_guided_feedback) */
    uint64_t uncut;    /* bytes of mapped inputs not yet cut into chunks */
    char delim;        /* record terminator */
    bool nonblock;     /* split_next returns -EAGAIN instead of waiting for a stream */
    buf_t pending;     /* stream bytes read but not yet cut */
    size_t scanned;    /* bytes of pending known to hold no terminator past the cut */
};

static int s_open(input_t *in, err_t *e)
{
    const char *shown = strcmp(in->name, "-") == 0 ? "stdin" : in->name;
    if (strcmp(in->name, "-") == 0) {
        in->fd = dup(STDIN_FILENO);
        if (in->fd < 0)
            return err_set(e, -errno, "input stdin: %s", strerror(errno));
    } else {
        in->fd = open(in->name, O_RDONLY | O_CLOEXEC);
        if (in->fd < 0)
            return err_set(e, -errno, "input %s: %s", shown, strerror(errno));
    }
    fcntl(in->fd, F_SETFD, FD_CLOEXEC);
    struct stat st;
    if (fstat(in->fd, &st) < 0)
        return err_set(e, -errno, "input %s: %s", shown, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return err_set(e, -EISDIR, "input %s: is a directory", shown);
    if (strcmp(in->name, "-") != 0 && decomp_wanted(in->name)) {
        /* Cut like stdin, never mapped: a compressed file is one stream. */
        in->eof = S_ISREG(st.st_mode) && st.st_size == 0;
        in->decomp = decomp_new(in->fd, shown, e);
        return in->decomp ? 0 : e->code;
    }
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
        in->size = (size_t)st.st_size;
        in->mtime = st.st_mtim;
        in->dev = st.st_dev;
        in->ino = st.st_ino;
        int code = 0;
        in->map = fmap_map(in->fd, in->size, &code);
        if (!in->map)
            return err_set(e, code, "input %s: mmap: %s", shown, strerror(-code));
        madvise((void *)in->map, in->size, MADV_SEQUENTIAL);
    } else if (S_ISREG(st.st_mode)) {
        in->eof = true; /* an empty file: no chunks */
    }
    return 0;
}

split_t *split_new(const char *const *names, size_t n_names, size_t chunk_size, char delim,
                   err_t *e)
{
    split_t *self = mem_calloc(1, sizeof *self);
    self->inputs = mem_calloc(n_names, sizeof *self->inputs);
    self->n_inputs = n_names;
    self->chunk_size = chunk_size;
    self->delim = delim;
    buf_init(&self->pending, SPLIT_MAX_RECORD + chunk_size);
    for (size_t i = 0; i < n_names; i++) {
        self->inputs[i].name = names[i];
        self->inputs[i].fd = -1;
    }
    for (size_t i = 0; i < n_names; i++) {
        if (s_open(&self->inputs[i], e) < 0) {
            split_destroy(&self);
            return NULL;
        }
        self->uncut += self->inputs[i].size;
    }
    return self;
}

const char *split_input_name(const split_t *self, uint32_t input)
{
    if (input >= self->n_inputs)
        return "?";
    const char *name = self->inputs[input].name;
    return strcmp(name, "-") == 0 ? "stdin" : name;
}

const char *split_input_arg(const split_t *self, uint32_t input)
{
    return input < self->n_inputs ? self->inputs[input].name : "-";
}

void split_set_nonblocking(split_t *self, bool on)
{
    self->nonblock = on;
}

int split_wait_fd(const split_t *self)
{
    if (self->current >= self->n_inputs)
        return -1;
    const input_t *in = &self->inputs[self->current];
    return in->map || in->eof ? -1 : in->fd;
}

uint64_t split_input_size(const split_t *self, uint32_t input)
{
    if (input >= self->n_inputs)
        return UINT64_MAX;
    const input_t *in = &self->inputs[input];
    if (in->map)
        return in->size;
    return in->eof ? 0 : UINT64_MAX; /* an empty file is at EOF from the start */
}

size_t split_inputs(const split_t *self)
{
    return self->n_inputs;
}

const char *split_input_path(const split_t *self, uint32_t input)
{
    /* stdin redirected from a file is mapped too, but a mapper cannot open
     * it by name. */
    if (input >= self->n_inputs || !self->inputs[input].map ||
        strcmp(self->inputs[input].name, "-") == 0)
        return NULL;
    return self->inputs[input].name;
}

int split_input_id(const split_t *self, uint32_t input, char *buf, size_t len)
{
    if (!split_input_path(self, input))
        return -ENOENT;
    const input_t *in = &self->inputs[input];
    snprintf(buf, len, "%llu:%llu", (unsigned long long)in->dev, (unsigned long long)in->ino);
    return 0;
}

void split_release(split_t *self, const split_chunk_t *c)
{
    if (c->owned || !c->data || c->input >= self->n_inputs)
        return;
    const input_t *in = &self->inputs[c->input];
    if (in->map)
        proc_release_pages(in->map, in->size, (size_t)c->offset, c->len);
}

void split_set_guided(split_t *self, size_t max_chunk, unsigned workers)
{
    self->guided_max = max_chunk > self->chunk_size ? max_chunk : 0;
    self->workers = workers ? workers : 1;
    self->ramp = 0;
}

void split_set_workers(split_t *self, unsigned workers)
{
    self->workers = workers ? workers : 1;
}

/* Combining must shrink a chunk's pairs at least this many times for larger
 * chunks to pay.  Measured at 1 MiB chunks: the KJV word count emits 28
 * pairs per distinct word, a Zipf corpus of 200,000 words 3.8 (both map
 * faster with guided chunks), random 8-letter words 1.0 (a 100 MB job of
 * them took 8.3 s with guided chunks and 6.9 s without: a larger table to
 * miss in, and no fewer pairs to merge). */
#define SPLIT_GUIDED_MIN_GAIN 2

void split_guided_feedback(split_t *self, uint64_t emits, uint64_t pairs)
{
    if (!self->guided_max || emits == 0)
        return;
    if (emits < SPLIT_GUIDED_MIN_GAIN * pairs)
        self->ramp = 0;
    else if (self->ramp < 63 && self->chunk_size <= (self->guided_max - 1) >> self->ramp)
        self->ramp++; /* chunk_size << ramp was below guided_max */
}

/* The size to aim for with the next chunk of a mapped file.  Guided
 * self-scheduling: each chunk takes 1/(SPLIT_GUIDED_SHARE x workers) of what
 * is left, so chunks start large (few per-chunk costs) and shrink towards
 * the end (no mapper is left holding a large last chunk while the others
 * idle).  With 4, a 207 MB word count on 2 mappers is cut into 39 chunks:
 * from 1 MiB up while the first results come back, then 16 MiB down to
 * 1 MiB. */
#define SPLIT_GUIDED_SHARE 4

static size_t s_target(const split_t *self)
{
    if (!self->guided_max)
        return self->chunk_size;
    /* chunk_size << ramp, or guided_max where that is more (or overflows). */
    size_t largest = self->guided_max;
    if (self->chunk_size <= self->guided_max >> self->ramp)
        largest = self->chunk_size << self->ramp;
    uint64_t share = self->uncut / ((uint64_t)SPLIT_GUIDED_SHARE * self->workers);
    if (share > largest)
        return largest;
    return share > self->chunk_size ? (size_t)share : self->chunk_size;
}

/* Whether a mapped input is still the file we mapped: the same size and
 * modification time, and no page of the mapping vanished (fmap.h).  A file
 * truncated, rewritten or appended to while the job reads it is a job that
 * read something nobody can name: -ESTALE, with e saying so. */
static int s_check(const input_t *in, const char *shown, err_t *e)
{
    if (!in->map)
        return 0;
    struct stat st;
    bool same = !fmap_lost(in->map) && fstat(in->fd, &st) == 0 &&
                (uint64_t)st.st_size == in->size && st.st_mtim.tv_sec == in->mtime.tv_sec &&
                st.st_mtim.tv_nsec == in->mtime.tv_nsec;
    return same ? 0 : err_set(e, -ESTALE, "input %s changed while it was read", shown);
}

int split_check(const split_t *self, err_t *e)
{
    for (size_t i = 0; i < self->n_inputs; i++) {
        int rc = s_check(&self->inputs[i], split_input_name(self, (uint32_t)i), e);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Cuts the next chunk of a mapped file. */
static void s_cut_map(split_t *self, input_t *in, split_chunk_t *c)
{
    size_t off = (size_t)in->offset;
    size_t end = off + s_target(self);
    if (end >= in->size || end < off) {
        end = in->size;
    } else {
        const char *p = memrchr(in->map + off, self->delim, end - off);
        if (p) {
            end = (size_t)(p - in->map) + 1;
        } else {
            p = memchr(in->map + end, self->delim, in->size - end);
            end = p ? (size_t)(p - in->map) + 1 : in->size;
        }
    }
    c->data = in->map + off;
    c->len = end - off;
    c->offset = in->offset;
    c->owned = NULL;
    in->offset = end;
    self->uncut -= c->len;
    /* Finding the cut touched the chunk's last pages, and the kernel maps
     * pages around every fault: give them back, or the master's RSS grows
     * by that much per chunk (130 MB on a 2 GB input). */
    proc_release_pages(in->map, in->size, off, end - off);
}

/* Where the next stream chunk ends in pending, or 0 when more bytes are
 * needed to know. */
static size_t s_stream_cut(split_t *self, bool eof)
{
    buf_t *b = &self->pending;
    if (b->len > self->chunk_size) {
        const char *p = memrchr(b->data, self->delim, self->chunk_size);
        if (p)
            return (size_t)(p - b->data) + 1;
        size_t from = self->scanned > self->chunk_size ? self->scanned : self->chunk_size;
        p = memchr(b->data + from, self->delim, b->len - from);
        if (p)
            return (size_t)(p - b->data) + 1;
        self->scanned = b->len;
    }
    return eof ? b->len : 0;
}

static int s_cut_stream(split_t *self, input_t *in, split_chunk_t *c, err_t *e)
{
    buf_t *b = &self->pending;
    for (;;) {
        size_t cut = s_stream_cut(self, in->eof);
        if (cut > 0 || in->eof) {
            if (cut == 0)
                return 0;
            c->owned = mem_memdup(b->data, cut);
            c->data = c->owned;
            c->len = cut;
            c->offset = in->offset;
            in->offset += cut;
            memmove(b->data, b->data + cut, b->len - cut);
            b->len -= cut;
            self->scanned = 0;
            return 1;
        }
        size_t want = self->chunk_size > (1u << 16) ? self->chunk_size : (1u << 16);
        if (buf_reserve(b, want) < 0 && buf_reserve(b, 1) < 0)
            return err_set(e, -EMSGSIZE,
                           "input %s: a record at byte offset %llu is longer "
                           "than %zu bytes",
                           split_input_name(self, (uint32_t)self->current),
                           (unsigned long long)in->offset, (size_t)SPLIT_MAX_RECORD);
        size_t room = b->cap - b->len;
        struct pollfd pfd = { in->fd, POLLIN, 0 };
        if (self->nonblock && poll(&pfd, 1, 0) == 0)
            return -EAGAIN;
        ssize_t n = in->decomp ? decomp_read(in->decomp, b->data + b->len, room, e)
                               : read(in->fd, b->data + b->len, room);
        if (n < 0 && in->decomp)
            return (int)n; /* e names the file and the compressed offset */
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return err_set(e, -errno, "input %s: read: %s",
                           split_input_name(self, (uint32_t)self->current), strerror(errno));
        }
        if (n == 0)
            in->eof = true;
        b->len += (size_t)n;
    }
}

int split_next(split_t *self, split_chunk_t *c, err_t *e)
{
    while (self->current < self->n_inputs) {
        input_t *in = &self->inputs[self->current];
        c->input = (uint32_t)self->current;
        if (in->map) {
            if (in->offset < in->size) {
                /* Before the cut, which reads the file, and after it: a
                 * page that vanished meanwhile read as zeros. */
                const char *shown = split_input_name(self, (uint32_t)self->current);
                int rc = s_check(in, shown, e);
                if (rc == 0) {
                    s_cut_map(self, in, c);
                    rc = s_check(in, shown, e);
                }
                return rc < 0 ? rc : 1;
            }
        } else if (!(in->eof && self->pending.len == 0)) {
            int rc = s_cut_stream(self, in, c, e);
            if (rc != 0)
                return rc;
        }
        self->current++;
    }
    return 0;
}

void split_destroy(split_t **self_p)
{
    split_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->n_inputs; i++) {
        fmap_unmap(self->inputs[i].map, self->inputs[i].size);
        decomp_destroy(&self->inputs[i].decomp);
        if (self->inputs[i].fd >= 0)
            close(self->inputs[i].fd);
    }
    buf_fini(&self->pending);
    free(self->inputs);
    free(self);
    *self_p = NULL;
}
