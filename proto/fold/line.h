/*
 * line.h - the output line: KEY<SEP>VALUE<TERM>, the one formatter every
 * process uses for it.
 *
 * A pair becomes a line in four places: a mapper's lines for --ordered and
 * --unordered (mapper/collect.c, on the hot path of every map call), the
 * reducer's output (reducer/out.c), mr-stream's lines (mapper/stream_io.c,
 * raw or escaped) and mr-streaming's committed parts (master/hsout.c, with
 * Hadoop's separator).  Their sinks differ (a buffer grown once per line, a
 * write buffer, a block that escapes its bytes, stdio); the line is this
 * one: the key and the separator, then the value, then the terminator.  An
 * empty key drops its separator (a map that emits only values prints bare
 * lines), unless the form keeps it: Hadoop's intermediate lines and the
 * reducer's feed to a --reduce-cmd keep `<TAB>value`, since a line without
 * a TAB reads back as key = the whole line.
 *
 * line_len and line_write are static inline: collect.c formats one line
 * per emitted pair, and a call per line would cost about as much as the
 * copy of a short one.  line_pieces gives the same line in pieces for a
 * sink that cannot take it whole (larger than its buffer, or escaped).
 */
#ifndef MR_LINE_H
#define MR_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* How a pair is written as a line.  Caller-owned; sep is borrowed. */
typedef struct line_form {
    const char *sep; /* between key and value: "\t", or Hadoop's separator (static or argv) */
    size_t sep_len;  /* bytes of sep (0 for an empty one) */
    char term;       /* what ends a line: '\n', or '\0' for -0 / -z */
    bool keep_sep;   /* sep written for an empty key too (`<TAB>value`) */
} line_form_t;

/* The plain form: KEY<TAB>VALUE, terminated by term, no TAB for an empty
 * key unless keep_sep. */
static inline line_form_t line_form_tab(char term, bool keep_sep)
{
    return (line_form_t){ "\t", 1, term, keep_sep };
}

/* Whether a line with a key of key_len bytes has a separator. */
static inline bool line_has_sep(const line_form_t *f, size_t key_len)
{
    return key_len > 0 || f->keep_sep;
}

/* Bytes of the line for a key and a value of these lengths, terminator
 * included.  The sum cannot wrap for lengths of buffers in memory. */
static inline size_t line_len(const line_form_t *f, size_t key_len, size_t value_len)
{
    return (line_has_sep(f, key_len) ? key_len + f->sep_len : 0) + value_len + 1;
}

/* Writes the line into dst, which has room for line_len bytes; returns the
 * end of what it wrote.  key and value may be NULL when their length is 0;
 * neither may overlap dst. */
static inline char *line_write(char *dst, const line_form_t *f, const void *key, size_t key_len,
                               const void *value, size_t value_len)
{
    if (line_has_sep(f, key_len)) {
        if (key_len)
            memcpy(dst, key, key_len);
        dst += key_len;
        /* A one-byte separator (the TAB, nearly always) is a store, not a
         * call to memcpy of a length the compiler cannot see. */
        if (f->sep_len == 1)
            *dst = f->sep[0];
        else
            memcpy(dst, f->sep, f->sep_len);
        dst += f->sep_len;
    }
    if (value_len)
        memcpy(dst, value, value_len);
    dst += value_len;
    *dst++ = f->term;
    return dst;
}

/* One piece of a line: its bytes, and whether they are the pair's own
 * (the key, the value: what an escaping sink escapes) or the form's (the
 * separator, the terminator: written as they are). */
typedef struct line_piece {
    const void *ptr; /* borrowed: the key, the value, f->sep or &f->term */
    size_t len;      /* bytes at ptr, possibly 0 for a key or a value */
    bool data;       /* the key or the value, not the separator or terminator */
} line_piece_t;

/* Most pieces a line has: key, separator, value, terminator. */
#define LINE_PIECES 4

/* The line as pieces, in order, into out[LINE_PIECES]; returns how many
 * (2 or 4: a line without a separator has no key piece either).  Their
 * concatenation is what line_write writes.  The pieces borrow key, value
 * and f. */
int line_pieces(const line_form_t *f, const void *key, size_t key_len, const void *value,
                size_t value_len, line_piece_t out[LINE_PIECES]);

#endif
