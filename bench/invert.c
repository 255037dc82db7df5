/*
 * invert.c - an inverted index: a reduce without combine, for bench/run's
 * nocombine rows (issue 11).  Each record is key<TAB>value; reduce gets
 * every value of a key and writes key<TAB>v1,v2,... with the values in
 * bytewise order (so the output does not depend on the order chunks
 * arrived in).  Without combine the engine keeps every value until the
 * end: memory grows with the input, not with the distinct keys.
 */
#include "mr.h"

#include <stdlib.h>
#include <string.h>

typedef struct state {
    char *buf;                /* the joined values of one key */
    size_t cap;               /* bytes at buf */
    const mr_bytes_t **order; /* the values, sorted */
    size_t order_cap;
} state_t;

static int inv_init(const char *arg, void **state)
{
    (void)arg;
    *state = calloc(1, sizeof(state_t));
    return *state ? 0 : 1;
}

static void inv_fini(void *state)
{
    state_t *s = state;
    free(s->buf);
    free(s->order);
    free(s);
}

static int inv_map(void *state, mr_bytes_t record, mr_emitter_t *out)
{
    (void)state;
    const char *p = record.ptr;
    const char *tab = record.len ? memchr(p, '\t', record.len) : NULL;
    if (!tab)
        return mr_fail(out, "no tab in the record");
    size_t k = (size_t)(tab - p);
    return mr_emit(out, p, k, tab + 1, record.len - k - 1);
}

static int s_cmp(const void *a, const void *b)
{
    const mr_bytes_t *x = *(const mr_bytes_t *const *)a, *y = *(const mr_bytes_t *const *)b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->ptr, y->ptr, n) : 0;
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int inv_reduce(void *state, mr_bytes_t key, const mr_bytes_t *values, size_t n,
                      mr_emitter_t *out)
{
    state_t *s = state;
    size_t need = 0;
    for (size_t i = 0; i < n; i++)
        need += values[i].len + 1;
    if (need > s->cap) {
        char *b = realloc(s->buf, need * 2);
        if (!b)
            return mr_fail(out, "out of memory");
        s->buf = b;
        s->cap = need * 2;
    }
    if (n > s->order_cap) {
        const mr_bytes_t **o = realloc(s->order, n * 2 * sizeof *o);
        if (!o)
            return mr_fail(out, "out of memory");
        s->order = o;
        s->order_cap = n * 2;
    }
    for (size_t i = 0; i < n; i++)
        s->order[i] = &values[i];
    qsort(s->order, n, sizeof *s->order, s_cmp);
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        if (i)
            s->buf[used++] = ',';
        if (s->order[i]->len)
            memcpy(s->buf + used, s->order[i]->ptr, s->order[i]->len);
        used += s->order[i]->len;
    }
    return mr_emit(out, key.ptr, key.len, s->buf, used);
}

const mr_plugin_t mr_plugin = {
    .abi_version = MR_ABI_VERSION,
    .name = "invert",
    .init = inv_init,
    .fini = inv_fini,
    .map = inv_map,
    .reduce = inv_reduce,
};
