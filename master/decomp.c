/*
 * decomp.c - gzip inputs through zlib.  See decomp.h.
 *
 * inflate with windowBits 16 + MAX_WBITS reads one gzip member (header,
 * deflate data, CRC-32 and length trailer, both checked by zlib).  At a
 * member's end we look for another: gzip(1) decompresses concatenated
 * members as one file, and so do Hadoop's GzipCodec and `zcat`.
 */
#include "decomp.h"

#include "mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* Compressed bytes read from the file at a time: large enough that the
 * read(2) calls vanish next to inflate's work. */
#define DECOMP_IN_SIZE (256u << 10)

struct decomp {
    int fd;                           /* the compressed file, borrowed */
    const char *name;                 /* its name for errors, borrowed */
    z_stream z;                       /* zlib's state */
    unsigned char in[DECOMP_IN_SIZE]; /* compressed bytes read, not yet inflated */
    uint64_t read_total;              /* compressed bytes read from fd */
    bool in_member;                   /* inside a member: its end is still due */
    bool eof;                         /* read returned 0 */
    bool done;                        /* the last member ended with the file */
};

bool decomp_wanted(const char *name)
{
    size_t n = strlen(name);
    return n > 3 && strcmp(name + n - 3, ".gz") == 0;
}

decomp_t *decomp_new(int fd, const char *name, err_t *e)
{
    decomp_t *self = mem_calloc(1, sizeof *self);
    self->fd = fd;
    self->name = name;
    int rc = inflateInit2(&self->z, 16 + MAX_WBITS);
    if (rc != Z_OK) {
        free(self);
        err_set(e, rc == Z_MEM_ERROR ? -ENOMEM : -EINVAL, "input %s: zlib inflateInit2: %s", name,
                zError(rc));
        return NULL;
    }
    return self;
}

uint64_t decomp_consumed(const decomp_t *self)
{
    return self->read_total - self->z.avail_in;
}

/* Reads more compressed bytes behind what inflate has not consumed yet.
 * 0 (self->eof set at the end of the file) or -errno with e set. */
static int s_fill(decomp_t *self, err_t *e)
{
    if (self->z.avail_in > 0 && self->z.next_in != self->in)
        memmove(self->in, self->z.next_in, self->z.avail_in);
    self->z.next_in = self->in;
    for (;;) {
        ssize_t n = read(self->fd, self->in + self->z.avail_in, sizeof self->in - self->z.avail_in);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return err_set(e, -errno, "input %s: read: %s", self->name, strerror(errno));
        if (n == 0)
            self->eof = true;
        self->z.avail_in += (uInt)n;
        self->read_total += (uint64_t)n;
        return 0;
    }
}

ssize_t decomp_read(decomp_t *self, char *out, size_t len, err_t *e)
{
    if (len > UINT32_MAX)
        len = UINT32_MAX; /* uInt */
    while (!self->done) {
        if (self->z.avail_in == 0 && !self->eof) {
            int rc = s_fill(self, e);
            if (rc < 0)
                return rc;
        }
        if (self->z.avail_in == 0 && self->eof) {
            if (self->in_member)
                return err_set(e, -EBADMSG,
                               "input %s: truncated gzip data: the file ends at compressed byte "
                               "offset %llu, inside a member",
                               self->name, (unsigned long long)self->read_total);
            self->done = true;
            break;
        }
        self->in_member = true;
        self->z.next_out = (unsigned char *)out;
        self->z.avail_out = (uInt)len;
        int rc = inflate(&self->z, Z_NO_FLUSH);
        size_t produced = len - self->z.avail_out;
        if (rc == Z_STREAM_END) {
            /* A member ended: another may follow (checked on the next
             * call, after its bytes are read). */
            self->in_member = false;
            inflateReset(&self->z);
        } else if (rc == Z_BUF_ERROR && self->z.avail_in == 0) {
            /* No progress for lack of input: read more. */
        } else if (rc != Z_OK) {
            const char *why = self->z.msg ? self->z.msg : zError(rc);
            if (rc == Z_MEM_ERROR)
                return err_set(e, -ENOMEM, "input %s: zlib: %s", self->name, why);
            return err_set(e, -EBADMSG,
                           "input %s: corrupt gzip data at compressed byte offset %llu (zlib: %s)",
                           self->name, (unsigned long long)decomp_consumed(self), why);
        }
        if (produced > 0)
            return (ssize_t)produced;
    }
    return 0;
}

void decomp_destroy(decomp_t **self_p)
{
    decomp_t *self = *self_p;
    if (!self)
        return;
    inflateEnd(&self->z);
    free(self);
    *self_p = NULL;
}
