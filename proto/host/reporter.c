/*
 * reporter.c - reporter: lines on a command's stderr.  See reporter.h.
 */
#include "reporter.h"

#include "buf.h"
#include "mem.h"
#include "proc.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A stderr line longer than this is passed through in pieces: it cannot be
 * a reporter line worth keeping, and a command must not make us buffer
 * without bound. */
#define REPORTER_LINE_MAX (64u << 10)

#define REPORTER_PREFIX "reporter:"
#define REPORTER_COUNTER "reporter:counter:"
#define REPORTER_STATUS "reporter:status:"

struct reporter {
    int echo_fd;                          /* where other lines go */
    buf_t line;                           /* a partial line */
    counters_t *counters;                 /* owned */
    char status[REPORTER_STATUS_MAX + 1]; /* the last status */
    err_t error;                          /* the first error (too many counters) */
    uint64_t status_changes;              /* statuses reported, ever */
    pthread_t thread;                     /* reporter_start's reader */
    bool started;                         /* thread runs and is not joined */
    int fd;                               /* its descriptor, -1 when none */
};

reporter_t *reporter_new(int echo_fd)
{
    reporter_t *self = mem_calloc(1, sizeof *self);
    self->echo_fd = echo_fd;
    self->fd = -1;
    buf_init(&self->line, REPORTER_LINE_MAX);
    self->counters = counters_new();
    err_init(&self->error);
    return self;
}

static void s_echo(reporter_t *self, const char *data, size_t len)
{
    (void)proc_write_all(self->echo_fd, data, len); /* stderr gone: nothing to tell */
}

/* Trims Java's String.trim() way: bytes up to and including space. */
static void s_trim(const char **p, size_t *len)
{
    while (*len > 0 && (unsigned char)**p <= ' ') {
        (*p)++;
        (*len)--;
    }
    while (*len > 0 && (unsigned char)(*p)[*len - 1] <= ' ')
        (*len)--;
}

static void s_warn(reporter_t *self, const char *what, const char *line, size_t len)
{
    char text[256];
    int n = snprintf(text, sizeof text, "warning: cannot parse %s: %.*s\n", what,
                     (int)(len < 160 ? len : 160), line);
    s_echo(self, text, n < (int)sizeof text ? (size_t)n : sizeof text - 1);
}

/* One whole line, without its newline. */
static void s_line(reporter_t *self, const char *line, size_t len)
{
    size_t pre = sizeof REPORTER_PREFIX - 1;
    if (len < pre || memcmp(line, REPORTER_PREFIX, pre) != 0) {
        s_echo(self, line, len);
        s_echo(self, "\n", 1);
        return;
    }
    size_t cp = sizeof REPORTER_COUNTER - 1;
    size_t sp = sizeof REPORTER_STATUS - 1;
    if (len >= cp && memcmp(line, REPORTER_COUNTER, cp) == 0) {
        const char *p = line + cp;
        size_t n = len - cp;
        s_trim(&p, &n);
        /* GROUP,NAME,N: exactly three fields (Java's split(",")). */
        const char *c1 = memchr(p, ',', n);
        const char *c2 = c1 ? memchr(c1 + 1, ',', n - (size_t)(c1 + 1 - p)) : NULL;
        const char *c3 = c2 ? memchr(c2 + 1, ',', n - (size_t)(c2 + 1 - p)) : NULL;
        if (!c2 || c3) {
            s_warn(self, "counter line", line, len);
            return;
        }
        char digits[24];
        size_t dl = n - (size_t)(c2 + 1 - p);
        char *end = NULL;
        long long v = 0;
        if (dl > 0 && dl < sizeof digits) {
            memcpy(digits, c2 + 1, dl);
            digits[dl] = '\0';
            errno = 0;
            v = strtoll(digits, &end, 10);
        }
        if (dl == 0 || dl >= sizeof digits || errno || *end != '\0' ||
            (unsigned char)digits[0] <= ' ') {
            s_warn(self, "counter increment", line, len);
            return;
        }
        err_t e;
        err_init(&e);
        if (counters_add(self->counters, p, (size_t)(c1 - p), c1 + 1, (size_t)(c2 - c1 - 1), v,
                         &e) < 0 &&
            !self->error.code)
            self->error = e;
        return;
    }
    if (len >= sp && memcmp(line, REPORTER_STATUS, sp) == 0) {
        const char *p = line + sp;
        size_t n = len - sp;
        s_trim(&p, &n);
        if (n > REPORTER_STATUS_MAX)
            n = REPORTER_STATUS_MAX;
        for (size_t i = 0; i < n; i++)
            self->status[i] = (unsigned char)p[i] < 0x20 ? ' ' : p[i];
        self->status[n] = '\0';
        self->status_changes++;
        return;
    }
    s_warn(self, "reporter line", line, len);
}

void reporter_feed(reporter_t *self, const char *data, size_t len)
{
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        size_t part = nl ? (size_t)(nl - data) : len;
        if (self->line.len == 0 && nl) {
            s_line(self, data, part); /* the common case: no copy */
        } else if (self->line.len + part > REPORTER_LINE_MAX) {
            s_echo(self, self->line.data, self->line.len);
            s_echo(self, data, part);
            if (nl)
                s_echo(self, "\n", 1);
            buf_reset(&self->line);
        } else {
            (void)buf_append(&self->line, data, part); /* within its cap: checked above */
            if (nl) {
                s_line(self, self->line.data, self->line.len);
                buf_reset(&self->line);
            }
        }
        if (!nl)
            return;
        data += part + 1;
        len -= part + 1;
    }
}

void reporter_end(reporter_t *self)
{
    if (self->line.len > 0)
        s_line(self, self->line.data, self->line.len);
    buf_reset(&self->line);
}

counters_t *reporter_counters(reporter_t *self)
{
    return self->counters;
}

const char *reporter_status(const reporter_t *self)
{
    return self->status;
}

uint64_t reporter_status_changes(const reporter_t *self)
{
    return self->status_changes;
}

int reporter_error(const reporter_t *self, err_t *e)
{
    if (self->error.code && e)
        *e = self->error;
    return self->error.code;
}

void reporter_reset(reporter_t *self)
{
    buf_reset(&self->line);
    counters_clear(self->counters);
    self->status[0] = '\0';
    err_init(&self->error);
}

static void *s_reader(void *arg)
{
    reporter_t *self = arg;
    char block[1 << 14];
    for (;;) {
        ssize_t n = read(self->fd, block, sizeof block);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        reporter_feed(self, block, (size_t)n);
    }
    reporter_end(self);
    return NULL;
}

int reporter_start(reporter_t *self, int fd, err_t *e)
{
    self->fd = fd;
    int rc = pthread_create(&self->thread, NULL, s_reader, self);
    if (rc != 0) {
        self->fd = -1; /* still the caller's */
        return err_set(e, -rc, "cannot start the thread reading a command's stderr: %s",
                       strerror(rc));
    }
    self->started = true;
    return 0;
}

void reporter_join(reporter_t *self)
{
    if (self->started)
        pthread_join(self->thread, NULL);
    self->started = false;
    if (self->fd >= 0)
        close(self->fd);
    self->fd = -1;
}

void reporter_destroy(reporter_t **self_p)
{
    reporter_t *self = *self_p;
    if (!self)
        return;
    reporter_join(self);
    counters_destroy(&self->counters);
    buf_fini(&self->line);
    free(self);
    *self_p = NULL;
}
