/*
 * err.c - filling and prefixing err_t values.  See err.h for the convention.
 */
#include "err.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void err_init(err_t *e)
{
    e->code = 0;
    e->text[0] = '\0';
}

int err_set(err_t *e, int code, const char *fmt, ...)
{
    assert(code < 0);
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->text, sizeof e->text, fmt, ap);
        va_end(ap);
        e->code = code;
    }
    return code;
}

int err_prefix(err_t *e, const char *fmt, ...)
{
    char text[ERR_TEXT_MAX];
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (n < 0)
        return e->code;
    size_t head = (size_t)n < sizeof text - 1 ? (size_t)n : sizeof text - 1;
    size_t tail = strnlen(e->text, sizeof e->text - 1);
    if (tail > sizeof text - 1 - head)
        tail = sizeof text - 1 - head;
    memcpy(text + head, e->text, tail);
    text[head + tail] = '\0';
    memcpy(e->text, text, head + tail + 1);
    return e->code;
}
