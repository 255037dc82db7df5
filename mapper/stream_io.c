/*
 * stream_io.c - mr-stream's record reader and line writer.  See stream_io.h.
 */
#include "stream_io.h"

#include "line.h"
#include "mem.h"
#include "proc.h"
#include "stream_text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Input bytes escaped per step: their worst case fills at most one block. */
#define STREAM_IO_ESCAPE_STEP (STREAM_IO_BLOCK / STREAM_TEXT_GROWTH)

void stream_io_reader_init(stream_io_reader_t *r, int fd, const char *name, char delim, size_t max)
{
    memset(r, 0, sizeof *r);
    r->fd = fd;
    r->name = name;
    r->delim = delim;
    r->max = max;
    buf_init(&r->buf, max + STREAM_IO_BLOCK);
    /* Storage from the start: memchr must never see a NULL buffer. */
    buf_reserve(&r->buf, STREAM_IO_BLOCK);
}

void stream_io_reader_fini(stream_io_reader_t *r)
{
    buf_fini(&r->buf);
}

int stream_io_reader_next(stream_io_reader_t *r, char **rec, size_t *len, err_t *e)
{
    buf_t *b = &r->buf;
    for (;;) {
        char *end = memchr(b->data + r->scan, r->delim, b->len - r->scan);
        if (end || (r->eof && r->start < b->len)) {
            size_t stop = end ? (size_t)(end - b->data) : b->len;
            if (stop - r->start > r->max)
                break;
            *rec = b->data + r->start;
            *len = stop - r->start;
            r->start = end ? stop + 1 : stop;
            r->scan = r->start;
            r->count++;
            return 1;
        }
        if (r->eof)
            return 0;
        r->scan = b->len;
        if (r->start > 0) {
            /* Keep only the unfinished record, at the front. */
            memmove(b->data, b->data + r->start, b->len - r->start);
            b->len -= r->start;
            r->scan -= r->start;
            r->start = 0;
        }
        if (b->len > r->max || buf_reserve(b, STREAM_IO_BLOCK) < 0)
            break;
        ssize_t n = read(r->fd, b->data + b->len, b->cap - b->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return err_set(e, -errno, "reading %s: %s", r->name, strerror(errno));
        if (n == 0)
            r->eof = true;
        b->len += (size_t)n;
    }
    return err_set(e, -EMSGSIZE, "%s: %s %llu is longer than the cap of %zu bytes", r->name,
                   r->delim ? "line" : "record", (unsigned long long)r->count + 1, r->max);
}

void stream_io_writer_init(stream_io_writer_t *w, int fd, const char *name)
{
    w->buf = mem_alloc(STREAM_IO_BLOCK);
    w->len = 0;
    w->fd = fd;
    w->name = name;
    err_init(&w->err);
}

void stream_io_writer_fini(stream_io_writer_t *w)
{
    free(w->buf);
    w->buf = NULL;
    w->len = 0;
}

int stream_io_writer_flush(stream_io_writer_t *w)
{
    if (w->err.code)
        return w->err.code;
    int rc = proc_write_all(w->fd, w->buf, w->len);
    w->len = 0;
    if (rc < 0)
        return err_set(&w->err, rc, "writing %s: %s", w->name, strerror(-rc));
    return 0;
}

/* Makes room for need bytes (need <= STREAM_IO_BLOCK). */
static int s_room(stream_io_writer_t *w, size_t need)
{
    if (w->err.code)
        return w->err.code;
    return need > STREAM_IO_BLOCK - w->len ? stream_io_writer_flush(w) : 0;
}

static int s_put_raw(stream_io_writer_t *w, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        int rc = s_room(w, 1);
        if (rc < 0)
            return rc;
        size_t n = STREAM_IO_BLOCK - w->len < len ? STREAM_IO_BLOCK - w->len : len;
        memcpy(w->buf + w->len, p, n);
        w->len += n;
        p += n;
        len -= n;
    }
    return 0;
}

static int s_put_escaped(stream_io_writer_t *w, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        size_t n = len < STREAM_IO_ESCAPE_STEP ? len : STREAM_IO_ESCAPE_STEP;
        int rc = s_room(w, n * STREAM_TEXT_GROWTH);
        if (rc < 0)
            return rc;
        w->len += stream_text_escape(w->buf + w->len, p, n);
        p += n;
        len -= n;
    }
    return 0;
}

int stream_io_writer_line(stream_io_writer_t *w, stream_io_form_t form, const void *key,
                          size_t key_len, const void *value, size_t value_len)
{
    /* Intermediate lines keep the TAB for an empty key: Hadoop splits a
     * line without one into key = the whole line, empty value. */
    line_form_t f = line_form_tab('\n', form == STREAM_IO_PAIR);
    int rc = 0;
    if (form == STREAM_IO_RAW) {
        size_t need = line_len(&f, key_len, value_len);
        if (need <= STREAM_IO_BLOCK) {
            if ((rc = s_room(w, need)) < 0)
                return rc;
            w->len =
                (size_t)(line_write(w->buf + w->len, &f, key, key_len, value, value_len) - w->buf);
            return 0;
        }
    }
    /* Escaped, or larger than a block: the line in pieces, the key and the
     * value escaped as the form says, the TAB and the newline as they are. */
    line_piece_t piece[LINE_PIECES];
    int n = line_pieces(&f, key, key_len, value, value_len, piece);
    for (int i = 0; i < n && rc == 0; i++)
        rc = piece[i].data && form != STREAM_IO_RAW ? s_put_escaped(w, piece[i].ptr, piece[i].len)
                                                    : s_put_raw(w, piece[i].ptr, piece[i].len);
    return rc;
}
