/*
 * log.c - stderr messages with a program prefix.  Each message is formatted
 * into one buffer and written with one write(2), so lines from several
 * processes sharing stderr do not interleave mid-line.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char s_prefix[64] = "mr";
static bool s_quiet;
static void (*s_before)(void *arg);
static void *s_before_arg;

void log_set_hook(void (*before)(void *arg), void *arg)
{
    s_before = before;
    s_before_arg = arg;
}

void log_init(const char *prefix, bool quiet)
{
    snprintf(s_prefix, sizeof s_prefix, "%s", prefix);
    s_quiet = quiet;
}

const char *log_escape(const char *text, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        bool plain = *p >= 0x20 && *p < 0x7f && *p != '\\';
        size_t need = plain ? 1 : *p == '\\' ? 2 : 4;
        if (n + need >= cap)
            break;
        if (plain) {
            out[n++] = (char)*p;
        } else if (*p == '\\') {
            out[n++] = '\\';
            out[n++] = '\\';
        } else {
            out[n++] = '\\';
            out[n++] = 'x';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        }
    }
    if (cap)
        out[n] = '\0';
    return out;
}

static void s_log(const char *level, const char *fmt, va_list ap)
{
    if (s_before)
        s_before(s_before_arg);
    char line[1024];
    int n = snprintf(line, sizeof line, "%s: %s", s_prefix, level);
    if (n < 0 || (size_t)n >= sizeof line)
        n = 0;
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}

void log_info(const char *fmt, ...)
{
    if (s_quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    s_log("", fmt, ap);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_log("warning: ", fmt, ap);
    va_end(ap);
}

void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_log("error: ", fmt, ap);
    va_end(ap);
}
