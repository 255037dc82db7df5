/*
 * counters.c - the counter table and its encoded form.  See counters.h.
 *
 * An array searched linearly and sorted on demand: a table holds at most
 * COUNTERS_MAX entries, and the hot path (a reporter line) is one search.
 */
#include "counters.h"

#include "mem.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct counter {
    char group[COUNTERS_GROUP_MAX + 1]; /* NUL-terminated, cleaned */
    char name[COUNTERS_NAME_MAX + 1];   /* NUL-terminated, cleaned */
    uint64_t value;                     /* the sum, wrapping (two's complement) */
} counter_t;

struct counters {
    counter_t items[COUNTERS_MAX]; /* the counters, items[0..n) */
    size_t n;                      /* used */
    bool sorted;                   /* items are in (group, name) order */
};

counters_t *counters_new(void)
{
    counters_t *self = mem_calloc(1, sizeof *self);
    self->sorted = true;
    return self;
}

/* Copies len bytes of src into dst (cap bytes with the NUL), cut to fit,
 * with control bytes (TAB, LF: the encoded form's separators) as spaces. */
static void s_clean(char *dst, size_t cap, const char *src, size_t len)
{
    if (len > cap - 1)
        len = cap - 1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
    }
    dst[len] = '\0';
}

int counters_add(counters_t *self, const char *group, size_t group_len, const char *name,
                 size_t name_len, int64_t value, err_t *e)
{
    char g[COUNTERS_GROUP_MAX + 1];
    char n[COUNTERS_NAME_MAX + 1];
    s_clean(g, sizeof g, group, group_len);
    s_clean(n, sizeof n, name, name_len);
    for (size_t i = 0; i < self->n; i++) {
        if (strcmp(self->items[i].group, g) == 0 && strcmp(self->items[i].name, n) == 0) {
            self->items[i].value += (uint64_t)value;
            return 0;
        }
    }
    if (self->n == COUNTERS_MAX)
        return err_set(e, -E2BIG,
                       "too many counters: %s,%s would be number %d, past the most a job may "
                       "have (%d, as Hadoop's mapreduce.job.counters.max)",
                       g, n, COUNTERS_MAX + 1, COUNTERS_MAX);
    counter_t *c = &self->items[self->n++];
    memcpy(c->group, g, sizeof g);
    memcpy(c->name, n, sizeof n);
    c->value = (uint64_t)value;
    self->sorted = false;
    return 0;
}

size_t counters_count(const counters_t *self)
{
    return self->n;
}

static int s_cmp(const void *a, const void *b)
{
    const counter_t *x = a;
    const counter_t *y = b;
    int rc = strcmp(x->group, y->group);
    return rc ? rc : strcmp(x->name, y->name);
}

static void s_sort(counters_t *self)
{
    if (!self->sorted)
        qsort(self->items, self->n, sizeof *self->items, s_cmp);
    self->sorted = true;
}

void counters_at(counters_t *self, size_t i, const char **group, const char **name, int64_t *value)
{
    s_sort(self);
    *group = self->items[i].group;
    *name = self->items[i].name;
    *value = (int64_t)self->items[i].value;
}

int64_t counters_value(const counters_t *self, const char *group, const char *name)
{
    for (size_t i = 0; i < self->n; i++)
        if (strcmp(self->items[i].group, group) == 0 && strcmp(self->items[i].name, name) == 0)
            return (int64_t)self->items[i].value;
    return 0;
}

void counters_clear(counters_t *self)
{
    self->n = 0;
    self->sorted = true;
}

int counters_encode(counters_t *self, uint8_t *out, size_t cap, size_t *len, err_t *e)
{
    s_sort(self);
    size_t used = 0;
    size_t need = 0;
    for (size_t i = 0; i < self->n; i++) {
        const counter_t *c = &self->items[i];
        char line[COUNTERS_GROUP_MAX + COUNTERS_NAME_MAX + 32];
        int n = snprintf(line, sizeof line, "%s\t%s\t%" PRId64 "\n", c->group, c->name,
                         (int64_t)c->value);
        need += (size_t)n;
        if (used + (size_t)n <= cap) {
            memcpy(out + used, line, (size_t)n);
            used += (size_t)n;
        }
    }
    if (need > cap)
        return err_set(e, -EMSGSIZE,
                       "%zu counters take %zu bytes, more than the %zu one chunk may carry: use "
                       "fewer or shorter counter names",
                       self->n, need, cap);
    *len = used;
    return 0;
}

/* Parses a signed decimal of exactly len bytes. */
static int s_parse_i64(const char *s, size_t len, int64_t *out)
{
    bool neg = len > 0 && s[0] == '-';
    size_t i = neg ? 1 : 0;
    if (i == len || len - i > 19)
        return -EINVAL;
    uint64_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > (uint64_t)INT64_MAX + neg)
        return -EINVAL;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

int counters_merge(counters_t *self, const uint8_t *data, size_t len, err_t *e)
{
    /* Checked whole first, so a bad form adds nothing. */
    counters_t *add = counters_new();
    const char *p = (const char *)data;
    const char *end = p + len;
    int rc = 0;
    while (rc == 0 && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *t1 = nl ? memchr(p, '\t', (size_t)(nl - p)) : NULL;
        const char *t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(nl - t1 - 1)) : NULL;
        int64_t v = 0;
        bool clean = t2 != NULL;
        for (const char *q = p; clean && q < t2; q++)
            clean = q == t1 || ((unsigned char)*q >= 0x20 && *q != 0x7f);
        if (!clean || t1 - p > COUNTERS_GROUP_MAX || t2 - t1 - 1 > COUNTERS_NAME_MAX ||
            s_parse_i64(t2 + 1, (size_t)(nl - t2 - 1), &v) < 0) {
            rc = err_set(e, -EBADMSG, "malformed counters at byte %zu of %zu",
                         (size_t)(p - (const char *)data), len);
            break;
        }
        rc = counters_add(add, p, (size_t)(t1 - p), t1 + 1, (size_t)(t2 - t1 - 1), v, e);
        p = nl + 1;
    }
    for (size_t i = 0; rc == 0 && i < add->n; i++) {
        const counter_t *c = &add->items[i];
        rc = counters_add(self, c->group, strlen(c->group), c->name, strlen(c->name),
                          (int64_t)c->value, e);
    }
    counters_destroy(&add);
    return rc;
}

void counters_destroy(counters_t **self_p)
{
    free(*self_p);
    *self_p = NULL;
}
