/*
 * plugin_counter.c - the counters a plugin adds.  See plugin_counter.h.
 */
#include "plugin_counter.h"

#include "proc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* This thread's sink (plugin_counter_sink) and its first lost count. */
static _Thread_local counters_t *s_table;
static _Thread_local int s_fd = -1;
static _Thread_local err_t s_error;

void plugin_counter_sink(counters_t *table, int fd)
{
    s_table = table;
    s_fd = table ? -1 : fd;
    err_init(&s_error);
}

/* Copies name into out (cap bytes, NUL-terminated, cut to fit), a comma
 * or a control byte as a space: Hadoop splits GROUP,NAME,AMOUNT at commas
 * and reads one line per count. */
static const char *s_clean(const char *name, char *out, size_t cap)
{
    size_t i = 0;
    for (; name[i] && i + 1 < cap; i++) {
        unsigned char c = (unsigned char)name[i];
        out[i] = c == ',' || c < 0x20 || c == 0x7f ? ' ' : (char)c;
    }
    out[i] = '\0';
    return out;
}

/* Writes one reporter:counter line to s_fd. */
static int s_print(const char *group, const char *name, int64_t amount)
{
    char g[COUNTERS_GROUP_MAX + 1];
    char n[COUNTERS_NAME_MAX + 1];
    char line[sizeof g + sizeof n + 64];
    int len = snprintf(line, sizeof line, "reporter:counter:%s,%s,%" PRId64 "\n",
                       s_clean(group, g, sizeof g), s_clean(name, n, sizeof n), amount);
    return proc_write_all(s_fd, line, (size_t)len);
}

void plugin_counter_note(mr_emitter_t *self, const char *group, const char *name, int64_t amount)
{
    (void)self;
    if (s_error.code || !group || !name)
        return;
    if (s_table) {
        counters_add(s_table, group, strlen(group), name, strlen(name), amount, &s_error);
    } else if (s_fd >= 0) {
        int rc = s_print(group, name, amount);
        if (rc < 0)
            err_set(&s_error, rc, "counter %s,%s: write: %s", group, name, strerror(-rc));
    }
}

int plugin_counter_error(err_t *e)
{
    if (!s_error.code)
        return 0;
    return err_set(e, s_error.code, "mr_counter(): %s", s_error.text);
}
