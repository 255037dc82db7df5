/*
 * stream_io.h - mr-stream's two ends: records cut from an input descriptor,
 * and lines written to an output descriptor, raw or in the escaped text form
 * of stream_text.h.
 *
 * Hadoop hands a streaming command a whole input split on stdin, so the
 * reader never holds more than one record plus one read block; a record may
 * be long (a whole file without newlines), so its buffer grows, up to a cap
 * that turns runaway input into a clear error instead of an OOM kill.  The
 * writer batches small lines into large write(2) calls and remembers its
 * first failure (EPIPE when the framework stopped reading, ENOSPC), so an
 * emitter can report it to the plugin and main can print it once.
 */
#ifndef MR_STREAM_IO_H
#define MR_STREAM_IO_H

#include "buf.h"
#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes per read(2) and per write(2): syscalls stay negligible next to
 * the plugin. */
#define STREAM_IO_BLOCK ((size_t)1 << 20)

/* Records cut from a descriptor.  Caller-owned; init/fini bracket it. */
typedef struct stream_io_reader {
    buf_t buf;        /* owned; unconsumed bytes are data[start, len) */
    size_t start;     /* first byte of the next record */
    size_t scan;      /* bytes before this were searched for the terminator */
    size_t max;       /* the longest record accepted */
    int fd;           /* borrowed input descriptor */
    char delim;       /* record terminator: '\n', or '\0' */
    bool eof;         /* read() returned 0 */
    uint64_t count;   /* number of the record returned last, from 1 */
    const char *name; /* the input for messages ("stdin"), borrowed */
} stream_io_reader_t;

/* Reads records ending with delim from fd (borrowed, named name in
 * messages), each at most max bytes. */
void stream_io_reader_init(stream_io_reader_t *r, int fd, const char *name, char delim, size_t max);

void stream_io_reader_fini(stream_io_reader_t *r);

/* Returns the next record, without its terminator, in *rec and *len: the
 * bytes are writable (a caller may decode them in place) and valid until the
 * next call.  The last record may lack its terminator; a terminator at the
 * very end adds no empty record.  Returns 1 with a record, 0 at the end of
 * the input, or -EMSGSIZE (a record over max) / -errno with e set. */
int stream_io_reader_next(stream_io_reader_t *r, char **rec, size_t *len, err_t *e);

/* How a pair becomes an output line. */
typedef enum stream_io_form {
    STREAM_IO_PAIR,    /* escaped KEY<TAB>VALUE, the TAB always: intermediate lines */
    STREAM_IO_ESCAPED, /* escaped KEY<TAB>VALUE, or VALUE alone for an empty key */
    STREAM_IO_RAW,     /* raw key<TAB>value, or value alone: mr-run's final lines */
} stream_io_form_t;

/* Lines written to a descriptor through one buffer.  Caller-owned. */
typedef struct stream_io_writer {
    char *buf;        /* owned; STREAM_IO_BLOCK bytes */
    size_t len;       /* bytes buffered */
    int fd;           /* borrowed output descriptor */
    const char *name; /* the output for messages ("stdout"), borrowed */
    err_t err;        /* the first write failure; it sticks */
} stream_io_writer_t;

/* Writes to fd (borrowed, named name in messages). */
void stream_io_writer_init(stream_io_writer_t *w, int fd, const char *name);

/* Frees the buffer without writing it: call stream_io_writer_flush first
 * when the output is complete. */
void stream_io_writer_fini(stream_io_writer_t *w);

/* Writes one pair as a line of the given form (buffered).  key and value
 * may be NULL when their length is 0.  0, or the first write failure's code
 * with its text in w->err. */
int stream_io_writer_line(stream_io_writer_t *w, stream_io_form_t form, const void *key,
                          size_t key_len, const void *value, size_t value_len);

/* Writes out what is buffered.  0 or the first failure's code (w->err). */
int stream_io_writer_flush(stream_io_writer_t *w);

#endif
