/*
 * decomp.c - compressed inputs: gzip through zlib, bzip2 through libbz2, xz
 * through liblzma.  See decomp.h.
 *
 * One loop serves the three: it keeps the compressed bytes read from the
 * file, hands them to the format's step function, and judges what the step
 * says: bytes out, a member (gzip) or stream (bzip2, xz) ended, or bad
 * data.  At a member's end another may follow: gzip(1), bzip2(1) and xz(1)
 * decompress concatenated files as one, and so do Hadoop's codecs, zcat,
 * pigz and pbzip2 files.  xz's decoder handles concatenation itself
 * (LZMA_CONCATENATED).
 */
#include "decomp.h"

#include "mem.h"

#include <bzlib.h>
#include <errno.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* Compressed bytes read from the file at a time: large enough that the
 * read(2) calls vanish next to the decompressor's work. */
#define DECOMP_IN_SIZE (256u << 10)

typedef enum decomp_kind {
    DECOMP_NONE,
    DECOMP_GZIP,  /* .gz */
    DECOMP_BZIP2, /* .bz2 */
    DECOMP_XZ,    /* .xz */
} decomp_kind_t;

/* What a step did. */
typedef enum step {
    STEP_OK,    /* went on (maybe without output: it needs more input) */
    STEP_END,   /* a member or stream ended */
    STEP_BAD,   /* corrupt data: why says how */
    STEP_NOMEM, /* the library ran out of memory */
} step_t;

struct decomp {
    int fd;                           /* the compressed file, borrowed */
    const char *name;                 /* its name for errors, borrowed */
    decomp_kind_t kind;               /* its format */
    z_stream z;                       /* gzip's state */
    bz_stream bz;                     /* bzip2's state */
    lzma_stream xz;                   /* xz's state */
    unsigned char in[DECOMP_IN_SIZE]; /* compressed bytes read */
    size_t in_pos;                    /* the first not yet consumed */
    size_t in_len;                    /* bytes held in in */
    uint64_t read_total;              /* compressed bytes read from fd */
    bool in_member;                   /* inside a member: its end is still due */
    bool eof;                         /* read returned 0 */
    bool done;                        /* the last member ended with the file */
};

static decomp_kind_t s_kind(const char *name)
{
    static const struct {
        const char *ext;
        decomp_kind_t kind;
    } exts[] = { { ".gz", DECOMP_GZIP }, { ".bz2", DECOMP_BZIP2 }, { ".xz", DECOMP_XZ } };
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        size_t e = strlen(exts[i].ext);
        if (n > e && strcmp(name + n - e, exts[i].ext) == 0)
            return exts[i].kind;
    }
    return DECOMP_NONE;
}

bool decomp_wanted(const char *name)
{
    return s_kind(name) != DECOMP_NONE;
}

static const char *s_format(const decomp_t *self)
{
    return self->kind == DECOMP_GZIP ? "gzip" : self->kind == DECOMP_BZIP2 ? "bzip2" : "xz";
}

/* (Re)starts the decoder for a new member.  0 or -ENOMEM/-EINVAL. */
static int s_begin(decomp_t *self)
{
    switch (self->kind) {
    case DECOMP_GZIP: {
        int rc = inflateInit2(&self->z, 16 + MAX_WBITS);
        return rc == Z_OK ? 0 : rc == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
    }
    case DECOMP_BZIP2: {
        memset(&self->bz, 0, sizeof self->bz);
        int rc = BZ2_bzDecompressInit(&self->bz, 0, 0);
        return rc == BZ_OK ? 0 : rc == BZ_MEM_ERROR ? -ENOMEM : -EINVAL;
    }
    case DECOMP_XZ: {
        lzma_stream init = LZMA_STREAM_INIT;
        self->xz = init;
        lzma_ret rc = lzma_stream_decoder(&self->xz, UINT64_MAX, LZMA_CONCATENATED);
        return rc == LZMA_OK ? 0 : rc == LZMA_MEM_ERROR ? -ENOMEM : -EINVAL;
    }
    default: return -EINVAL;
    }
}

static void s_end(decomp_t *self)
{
    switch (self->kind) {
    case DECOMP_GZIP: inflateEnd(&self->z); break;
    case DECOMP_BZIP2: BZ2_bzDecompressEnd(&self->bz); break;
    case DECOMP_XZ: lzma_end(&self->xz); break;
    default: break;
    }
}

/* Decompresses from in[in_pos, in_len) into out (len bytes): *made bytes
 * out, in_pos moved past what was consumed.  finish: no more input will
 * come (xz must be told, to find its end). */
static step_t s_step(decomp_t *self, char *out, size_t len, bool finish, size_t *made,
                     const char **why)
{
    unsigned char *next = self->in + self->in_pos;
    size_t avail = self->in_len - self->in_pos;
    if (len > UINT32_MAX)
        len = UINT32_MAX; /* zlib's and bzip2's unsigned int */
    step_t st = STEP_OK;
    size_t left_in = 0;
    size_t left_out = 0;
    switch (self->kind) {
    case DECOMP_GZIP: {
        self->z.next_in = next;
        self->z.avail_in = (uInt)avail;
        self->z.next_out = (unsigned char *)out;
        self->z.avail_out = (uInt)len;
        int rc = inflate(&self->z, Z_NO_FLUSH);
        left_in = self->z.avail_in;
        left_out = self->z.avail_out;
        if (rc == Z_STREAM_END) {
            st = STEP_END;
            inflateReset(&self->z);
        } else if (rc == Z_MEM_ERROR) {
            st = STEP_NOMEM;
        } else if (rc != Z_OK && !(rc == Z_BUF_ERROR && left_in == 0)) {
            st = STEP_BAD;
            *why = self->z.msg ? self->z.msg : zError(rc);
        }
        break;
    }
    case DECOMP_BZIP2: {
        self->bz.next_in = (char *)next;
        self->bz.avail_in = (unsigned)avail;
        self->bz.next_out = out;
        self->bz.avail_out = (unsigned)len;
        int rc = BZ2_bzDecompress(&self->bz);
        left_in = self->bz.avail_in;
        left_out = self->bz.avail_out;
        if (rc == BZ_STREAM_END) {
            st = STEP_END;
            BZ2_bzDecompressEnd(&self->bz);
            if (s_begin(self) < 0)
                st = STEP_NOMEM;
        } else if (rc == BZ_MEM_ERROR) {
            st = STEP_NOMEM;
        } else if (rc != BZ_OK) {
            st = STEP_BAD;
            *why = rc == BZ_DATA_ERROR_MAGIC ? "not bzip2 data" : "data integrity error";
        }
        break;
    }
    case DECOMP_XZ: {
        self->xz.next_in = next;
        self->xz.avail_in = avail;
        self->xz.next_out = (uint8_t *)out;
        self->xz.avail_out = len;
        lzma_ret rc = lzma_code(&self->xz, finish ? LZMA_FINISH : LZMA_RUN);
        left_in = self->xz.avail_in;
        left_out = self->xz.avail_out;
        if (rc == LZMA_STREAM_END) {
            st = STEP_END;
        } else if (rc == LZMA_MEM_ERROR) {
            st = STEP_NOMEM;
        } else if (rc == LZMA_BUF_ERROR && finish) {
            st = STEP_OK; /* truncated: the caller sees the file end in a member */
        } else if (rc != LZMA_OK && rc != LZMA_BUF_ERROR) {
            st = STEP_BAD;
            *why = rc == LZMA_FORMAT_ERROR    ? "not xz data"
                   : rc == LZMA_OPTIONS_ERROR ? "unsupported options"
                                              : "corrupt data";
        }
        break;
    }
    default: break;
    }
    self->in_pos = self->in_len - left_in;
    *made = len - left_out;
    return st;
}

decomp_t *decomp_new(int fd, const char *name, err_t *e)
{
    decomp_t *self = mem_calloc(1, sizeof *self);
    self->fd = fd;
    self->name = name;
    self->kind = s_kind(name);
    int rc = s_begin(self);
    if (rc < 0) {
        free(self);
        err_set(e, rc, "input %s: cannot start a decompressor: %s", name, strerror(-rc));
        return NULL;
    }
    return self;
}

uint64_t decomp_consumed(const decomp_t *self)
{
    return self->read_total - (self->in_len - self->in_pos);
}

/* Reads more compressed bytes behind what was not consumed yet.  0
 * (self->eof set at the end of the file) or -errno with e set. */
static int s_fill(decomp_t *self, err_t *e)
{
    if (self->in_pos > 0) {
        memmove(self->in, self->in + self->in_pos, self->in_len - self->in_pos);
        self->in_len -= self->in_pos;
        self->in_pos = 0;
    }
    for (;;) {
        ssize_t n = read(self->fd, self->in + self->in_len, sizeof self->in - self->in_len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return err_set(e, -errno, "input %s: read: %s", self->name, strerror(errno));
        if (n == 0)
            self->eof = true;
        self->in_len += (size_t)n;
        self->read_total += (uint64_t)n;
        return 0;
    }
}

ssize_t decomp_read(decomp_t *self, char *out, size_t len, err_t *e)
{
    while (!self->done) {
        if (self->in_pos == self->in_len && !self->eof) {
            int rc = s_fill(self, e);
            if (rc < 0)
                return rc;
        }
        bool drained = self->in_pos == self->in_len && self->eof;
        if (drained && !self->in_member) {
            self->done = true;
            break;
        }
        self->in_member = true;
        size_t made = 0;
        const char *why = "";
        step_t st = s_step(self, out, len, drained, &made, &why);
        if (st == STEP_END)
            self->in_member = false;
        if (st == STEP_NOMEM)
            return err_set(e, -ENOMEM, "input %s: out of memory decompressing %s", self->name,
                           s_format(self));
        if (st == STEP_BAD)
            return err_set(
                e, -EBADMSG, "input %s: corrupt %s data at compressed byte offset %llu (%s)",
                self->name, s_format(self), (unsigned long long)decomp_consumed(self), why);
        if (made > 0)
            return (ssize_t)made;
        if (drained && st != STEP_END)
            return err_set(e, -EBADMSG,
                           "input %s: truncated %s data: the file ends at compressed byte "
                           "offset %llu, inside a member",
                           self->name, s_format(self), (unsigned long long)self->read_total);
    }
    return 0;
}

void decomp_destroy(decomp_t **self_p)
{
    decomp_t *self = *self_p;
    if (!self)
        return;
    s_end(self);
    free(self);
    *self_p = NULL;
}
