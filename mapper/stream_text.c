/*
 * stream_text.c - escaping and unescaping mr-stream's text form, splitting a
 * line into key and value, and ordering keys as their escaped forms sort.
 * See stream_text.h for the form and why it is a bijection.
 */
#include "stream_text.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static const char s_hex[] = "0123456789abcdef";

/* Printable ASCII other than backslash: the bytes that stand for themselves. */
static inline bool s_is_plain(unsigned char c)
{
    return c >= 0x20 && c < 0x7f && c != '\\';
}

/* Writes the escaped form of one byte to out (room for 4); returns its length. */
static size_t s_escape_byte(unsigned char c, char *out)
{
    if (s_is_plain(c)) {
        out[0] = (char)c;
        return 1;
    }
    out[0] = '\\';
    switch (c) {
    case '\\': out[1] = '\\'; return 2;
    case '\t': out[1] = 't'; return 2;
    case '\n': out[1] = 'n'; return 2;
    case '\r': out[1] = 'r'; return 2;
    case '\0': out[1] = '0'; return 2;
    default:
        out[1] = 'x';
        out[2] = s_hex[c >> 4];
        out[3] = s_hex[c & 15];
        return 4;
    }
}

size_t stream_text_escape(char *out, const void *data, size_t len)
{
    const unsigned char *p = data;
    char *o = out;
    for (size_t i = 0; i < len; i++) {
        if (s_is_plain(p[i]))
            *o++ = (char)p[i];
        else
            o += s_escape_byte(p[i], o);
    }
    return (size_t)(o - out);
}

/* The value of a lowercase hex digit, or -1.  Upper case is refused so that
 * every byte keeps a single spelling. */
static int s_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decodes text into out; col0 is the line column just before text[0], so
 * that errors name the column in the whole line. */
static int s_decode(char *out, const char *text, size_t len, size_t *out_len, size_t col0, err_t *e)
{
    size_t o = 0;
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)text[i];
        if (s_is_plain(c)) {
            out[o++] = (char)c;
            i++;
            continue;
        }
        size_t col = col0 + i + 1;
        if (c != '\\') {
            char form[4];
            size_t n = s_escape_byte(c, form);
            return err_set(e, -EBADMSG, "column %zu: byte 0x%02x must be escaped (as %.*s)", col, c,
                           (int)n, form);
        }
        if (i + 1 == len)
            return err_set(e, -EBADMSG, "column %zu: a backslash ends the text", col);
        char kind = text[i + 1];
        switch (kind) {
        case '\\': out[o++] = '\\'; break;
        case 't': out[o++] = '\t'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case '0': out[o++] = '\0'; break;
        case 'x': {
            int hi = i + 2 < len ? s_hex_value(text[i + 2]) : -1;
            int lo = i + 3 < len ? s_hex_value(text[i + 3]) : -1;
            if (hi < 0 || lo < 0)
                return err_set(e, -EBADMSG, "column %zu: \\x needs two lowercase hex digits", col);
            unsigned char b = (unsigned char)(hi << 4 | lo);
            char form[4];
            size_t n = s_escape_byte(b, form);
            if (n != 4)
                return err_set(e, -EBADMSG, "column %zu: \\x%.2s must be written %.*s", col,
                               text + i + 2, (int)n, form);
            out[o++] = (char)b;
            i += 4;
            continue;
        }
        default:
            if (s_is_plain((unsigned char)kind))
                return err_set(e, -EBADMSG, "column %zu: unknown escape \\%c", col, kind);
            return err_set(e, -EBADMSG, "column %zu: unknown escape \\ and byte 0x%02x", col,
                           (unsigned char)kind);
        }
        i += 2;
    }
    *out_len = o;
    return 0;
}

int stream_text_unescape(char *out, const char *text, size_t len, size_t *out_len, err_t *e)
{
    return s_decode(out, text, len, out_len, 0, e);
}

int stream_text_split(char *line, size_t len, mr_bytes_t *key, mr_bytes_t *value, err_t *e)
{
    char *tab = len ? memchr(line, '\t', len) : NULL;
    size_t key_text = tab ? (size_t)(tab - line) : len;
    size_t key_len = 0;
    size_t value_len = 0;
    int rc = s_decode(line, line, key_text, &key_len, 0, e);
    if (rc < 0)
        return rc;
    if (tab) {
        rc = s_decode(tab + 1, tab + 1, len - key_text - 1, &value_len, key_text + 1, e);
        if (rc < 0)
            return rc;
    }
    key->ptr = line;
    key->len = key_len;
    value->ptr = tab ? tab + 1 : line + len;
    value->len = value_len;
    return 0;
}

int stream_text_compare(const void *a, size_t a_len, const void *b, size_t b_len)
{
    const unsigned char *p = a;
    const unsigned char *q = b;
    size_t n = a_len < b_len ? a_len : b_len;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == q[i])
            continue;
        /* No escaped form is a prefix of another (the decoder reads them
         * unambiguously), so the first differing bytes decide within
         * their forms. */
        char fa[4];
        char fb[4];
        size_t na = s_escape_byte(p[i], fa);
        size_t nb = s_escape_byte(q[i], fb);
        int c = memcmp(fa, fb, na < nb ? na : nb);
        return c ? c : (na > nb) - (na < nb);
    }
    return (a_len > b_len) - (a_len < b_len);
}
