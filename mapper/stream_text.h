/*
 * stream_text.h - the escaped text form mr-stream writes between the stages of
 * a Hadoop Streaming or Spark job.
 *
 * Hadoop Streaming cuts a command's output at newlines and splits each line
 * at its first TAB into key and value; text tools (sort, cut) do the same.
 * mr's keys and values are arbitrary bytes (wordcount's counts are 8 raw
 * bytes), so between stages each is written escaped:
 *
 *     backslash -> \\    TAB -> \t    newline -> \n    CR -> \r    NUL -> \0
 *     any other byte < 0x20 or >= 0x7f -> \xHH (two lowercase hex digits)
 *     every other byte (printable ASCII) -> itself
 *
 * The escaped text is printable ASCII only, so it survives sort, cut, Java's
 * UTF-8 strings and CRLF-minded tools, and a word looks exactly like itself.
 * Each byte has exactly one escaped form and decoding refuses every other
 * spelling (a raw control byte, \x41 for 'A', \x09 for TAB, upper-case hex):
 * the form is a bijection, so two escaped keys are equal exactly when the
 * keys are, and a grouping stage may compare either.
 */
#ifndef MR_STREAM_TEXT_H
#define MR_STREAM_TEXT_H

#include "err.h"
#include "mr.h"

#include <stddef.h>

/* The most bytes one byte takes in the escaped form (\xHH). */
#define STREAM_TEXT_GROWTH 4

/* Writes the escaped form of the len bytes at data to out, which has room
 * for STREAM_TEXT_GROWTH * len bytes and does not overlap data.  Returns the
 * number of bytes written. */
size_t stream_text_escape(char *out, const void *data, size_t len);

/* Decodes the escaped text at text (len bytes) into out, which has room for
 * len bytes and may be text itself: decoding never grows, so it can work in
 * place.  Sets *out_len.  Returns 0, or -EBADMSG with e naming the 1-based
 * column of the fault. */
int stream_text_unescape(char *out, const char *text, size_t len, size_t *out_len, err_t *e);

/* Splits one line (without its newline) the way Hadoop Streaming does: the
 * key is the text before the first TAB, the value the text after it; a line
 * without a TAB is all key, with an empty value.  Decodes both in place, so
 * key and value point into line afterwards.  Returns 0, or -EBADMSG with e
 * naming the 1-based column in the line. */
int stream_text_split(char *line, size_t len, mr_bytes_t *key, mr_bytes_t *value, err_t *e);

/* Compares two byte strings in the order of their escaped forms (bytewise,
 * the order of `LC_ALL=C sort` and of Hadoop's Text keys): <0, 0 or >0.  It
 * equals plain bytewise order for printable ASCII without backslash. */
int stream_text_compare(const void *a, size_t a_len, const void *b, size_t b_len);

#endif
